/*
 * test_mpi.c - build/archsim-mpi under mpirun with two ranks (one folds,
 * one runs the items) writes the same bytes as archsim in one process,
 * for a sweep with several replications a point; with one rank it runs
 * the items itself; a bad scenario stops every rank with status 2.
 */
#include "tests/clitest.h"

#include <unistd.h>

static char mpibin[4200];

/* mpirun refuses root unless told; the sanitizers' leak check would
 * blame Open MPI's own allocations at exit */
static const char *mpirun(void)
{
	return getuid() == 0 ?
	       "ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe --allow-run-as-root" :
	       "ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe";
}

static void test_mpi_two_ranks_give_the_same_bytes(void **state)
{
	const char *t = tmpdir;
	const char *sc = "scenarios/compare-balancers.yaml --set duration=20s --set replications=3";
	assert_int_equal(sh(NULL, 0, "%s run %s -q -j 1 -o %s/one", bin, sc, t), 0);
	assert_int_equal(sh(NULL, 0, "%s -n 2 %s run %s -q -o %s/ranks", mpirun(), mpibin, sc, t), 0);
	assert_int_equal(sh(NULL, 0, "diff -r %s/one %s/ranks", t, t), 0);
	assert_int_equal(sh(NULL, 0, "%s -n 1 %s run %s -q -o %s/rank", mpirun(), mpibin, sc, t), 0);
	assert_int_equal(sh(NULL, 0, "diff -r %s/one %s/rank", t, t), 0);
	/* links.csv too: a run over zones, with sizes and a priced link */
	const char *mz = "scenarios/multi-zone.yaml --set duration=20s --set timeline.0.at=10s";
	assert_int_equal(sh(NULL, 0, "%s run %s -q -j 1 -o %s/mz1", bin, mz, t), 0);
	assert_int_equal(sh(NULL, 0, "%s -n 2 %s run %s -q -o %s/mz2", mpirun(), mpibin, mz, t), 0);
	assert_int_equal(sh(NULL, 0, "diff -r %s/mz1 %s/mz2", t, t), 0);
	assert_int_equal(sh(NULL, 0, "test $(wc -l < %s/mz1/links.csv) -eq 5", t), 0);
	/* the control: another seed differs */
	assert_int_equal(sh(NULL, 0, "%s -n 2 %s run %s --seed 99 -q -o %s/other", mpirun(), mpibin,
			    sc, t), 0);
	assert_int_not_equal(sh(NULL, 0, "diff -q %s/one/summary.csv %s/other/summary.csv >/dev/null",
				t, t), 0);
}

static void test_mpi_bad_input_stops_every_rank(void **state)
{
	char e[4096];
	assert_int_equal(sh(e, sizeof e, "%s -n 2 %s run %s/missing.yaml -o %s/none", mpirun(), mpibin,
			    tmpdir, tmpdir), 2);
	assert_non_null(strstr(e, "missing.yaml:1:1: cannot open"));
	assert_int_equal(sh(NULL, 0, "test ! -e %s/none", tmpdir), 0);
}

int main(int argc, char **argv)
{
	clitest_find_bin(argv[0]);
	snprintf(mpibin, sizeof mpibin, "%s-mpi", bin);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mpi_two_ranks_give_the_same_bytes),
		cmocka_unit_test(test_mpi_bad_input_stops_every_rank),
	};
	return cmocka_run_group_tests_name("mpi", tests, clitest_setup, clitest_teardown);
}
