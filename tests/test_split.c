/*
 * test_split.c - a sweep run as shards (`run --shard I/N`, some of them
 * in several processes) and merged (`archsim merge`) writes the same
 * bytes as one run; the merge refuses shards that do not belong together
 * (one missing, one given twice, another scenario, other overrides, a
 * file cut short), with status 2 and nothing written.
 */
#include "tests/clitest.h"

#include <sys/stat.h>

static const char *yaml =
	"name: sh\n"
	"seed: 4\nduration: 20s\nwarmup: auto\nreplications: 3\nwindow: 200ms\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 150/s}, target: web, keys: {dist: zipf, n: 500, s: 1}}\n"
	"nodes:\n"
	"  web: {type: service, workers: 2, service: {dist: exponential, mean: 5ms},\n"
	"        calls: [{to: cache, per_try_timeout: 30ms, retry: {num_retries: 1}}]}\n"
	"  cache: {type: cache, capacity: 50, backend: db}\n"
	"  db: {type: database, primary: {service: {dist: exponential, mean: 2ms}}}\n"
	"sweep:\n"
	"  nodes.web.workers: [2, 3]\n"
	"  replications: [3, 2]\n";

static int exists(const char *rel)
{
	char p[4400];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", tmpdir, rel);
	return stat(p, &st) == 0;
}

static void write_scenario(const char *name, const char *text)
{
	char p[4400];
	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_shard_merge_is_one_run(void **state)
{
	write_scenario("sh.yaml", yaml);
	const char *t = tmpdir;
	assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j 1 --set seed=5 -o %s/one", bin, t, t), 0);
	/* 10 work items over 4 shards; shard 2 in two processes */
	for (int i = 1; i <= 4; i++)
		assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j %d --set seed=5 --shard %d/4 -o %s/parts",
				    bin, t, i == 2 ? 2 : 1, i, t), 0);
	assert_true(exists("parts/shard-1-of-4.rec") && exists("parts/shard-4-of-4.rec"));
	assert_false(exists("parts/summary.csv"));
	assert_int_equal(sh(NULL, 0, "%s merge %s/parts -q -o %s/merged", bin, t, t), 0);
	assert_int_equal(sh(NULL, 0, "diff -r %s/one %s/merged", t, t), 0);
	/* files named one by one do as well as their directory */
	assert_int_equal(sh(NULL, 0, "%s merge %s/parts/shard-4-of-4.rec %s/parts/shard-1-of-4.rec "
			    "%s/parts/shard-3-of-4.rec %s/parts/shard-2-of-4.rec -q -o %s/merged2",
			    bin, t, t, t, t, t), 0);
	assert_int_equal(sh(NULL, 0, "diff -r %s/one %s/merged2", t, t), 0);
	/* the control: another seed is another result */
	assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j 1 -o %s/other", bin, t, t), 0);
	assert_int_not_equal(sh(NULL, 0, "diff -q %s/one/summary.csv %s/other/summary.csv >/dev/null",
				t, t), 0);
}

/* merge_fails runs a merge of `what` and checks status 2, the message,
 * and that nothing was written. */
static void merge_fails(const char *what, const char *message)
{
	char e[4096];
	assert_int_equal(sh(NULL, 0, "rm -rf %s/bad", tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s merge %s -q -o %s/bad", bin, what, tmpdir), 2);
	print_message("    %s\n", e);
	assert_non_null(strstr(e, message));
	assert_false(exists("bad"));
}

static void test_shard_merge_refuses_what_does_not_fit(void **state)
{
	const char *t = tmpdir;
	char a[4400], b[4400];
	write_scenario("sh.yaml", yaml);
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j 1 --shard %d/2 -o %s/p", bin, t, i, t), 0);
		assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j 1 --shard %d/2 --set seed=9 -o %s/s",
				    bin, t, i, t), 0);
	}
	assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j 1 --shard 2/3 -o %s/three", bin, t, t), 0);
	snprintf(a, sizeof a, "%s/p/shard-1-of-2.rec", t);
	merge_fails(a, "shard 2 of 2 (shard-2-of-2.rec) is missing");
	snprintf(b, sizeof b, "%s %s", a, a);
	merge_fails(b, "both are shard 1 of 2");
	snprintf(b, sizeof b, "%s %s/s/shard-2-of-2.rec", a, t);
	merge_fails(b, "other --set overrides");
	snprintf(b, sizeof b, "%s %s/three/shard-2-of-3.rec", a, t);
	merge_fails(b, "another number of shards");
	/* the same name, another text */
	assert_int_equal(sh(NULL, 0, "mkdir -p %s/edited && cp %s/p/shard-1-of-2.rec %s/edited/",
			    t, t, t), 0);
	{
		char text[4096];
		snprintf(text, sizeof text, "# edited\n%s", yaml);
		write_scenario("sh.yaml", text);
	}
	assert_int_equal(sh(NULL, 0, "%s run %s/sh.yaml -q -j 1 --shard 2/2 -o %s/edited", bin, t, t), 0);
	snprintf(b, sizeof b, "%s/edited", t);
	merge_fails(b, "another scenario");
	/* cut short: in a record, and at the end */
	assert_int_equal(sh(NULL, 0, "mkdir -p %s/cut && cp %s/p/* %s/cut/ && "
			    "head -c 60000 %s/p/shard-2-of-2.rec > %s/cut/shard-2-of-2.rec", t, t, t, t, t), 0);
	snprintf(b, sizeof b, "%s/cut", t);
	merge_fails(b, "cut short");
	assert_int_equal(sh(NULL, 0, "cp %s/p/shard-2-of-2.rec %s/cut/ && "
			    "truncate -s -8 %s/cut/shard-2-of-2.rec", t, t, t), 0);
	merge_fails(b, "cut short or damaged at its end");
	snprintf(b, sizeof b, "%s/sh.yaml", t);
	merge_fails(b, "not a shard file");
	/* and the good pair still merges */
	assert_int_equal(sh(NULL, 0, "%s merge %s/p -q -o %s/good", bin, t, t), 0);
	/* bad command lines */
	char e[4096];
	assert_int_equal(sh(e, sizeof e, "%s run %s/sh.yaml --shard 3/2 -o %s/x", bin, t, t), 2);
	assert_non_null(strstr(e, "expected I/N"));
	assert_int_equal(sh(e, sizeof e, "%s merge %s/p --set seed=3 -o %s/x", bin, t, t), 2);
	assert_non_null(strstr(e, "no --set"));
	assert_false(exists("x"));
}

/* A shard stopped by a signal leaves no file, not even the temporary one
 * it was writing when the signal came (the kill waits until it is there;
 * 3 if it never is). */
static void test_shard_interrupted_writes_nothing(void **state)
{
	assert_int_equal(sh(NULL, 0, "( %s run scenarios/quickstart.yaml -q --set duration=60s "
			    "--set replications=100000 --shard 1/2 -o %s/stopped & pid=$!; i=0; "
			    "until [ -n \"$(ls -A %s/stopped 2>/dev/null)\" ]; do "
			    "i=$((i + 1)); [ $i -lt 600 ] || { kill $pid; wait $pid; exit 3; }; "
			    "sleep 0.05; done; kill -INT $pid; wait $pid )", bin, tmpdir, tmpdir), 130);
	assert_int_equal(sh(NULL, 0, "test ! -e %s/stopped || test -z \"$(ls -A %s/stopped)\"",
			    tmpdir, tmpdir), 0);
}

int main(int argc, char **argv)
{
	clitest_find_bin(argv[0]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_merge_is_one_run),
		cmocka_unit_test(test_shard_merge_refuses_what_does_not_fit),
		cmocka_unit_test(test_shard_interrupted_writes_nothing),
	};
	return cmocka_run_group_tests_name("shard", tests, clitest_setup, clitest_teardown);
}
