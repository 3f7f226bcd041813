/*
 * test_bad.c - the corpus of broken scenarios under tests/bad/.
 *
 * tests/bad/expected.txt holds, for every file in the corpus, the one line
 * `archsim run` must print for it.  Each file is run with an output
 * directory that must not be created; the status must be 2 and the
 * standard error exactly that line.  Every *.yaml in the corpus must have
 * its line, so a new case cannot go untested.  A few cases cannot be files
 * in a repository (a missing file, an unreadable one, bad overrides); they
 * are made here.
 */
#include "tests/clitest.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* run_bad runs archsim with args and checks status 2, the exact message
 * and that the output directory was not created. */
static void run_bad(const char *args, const char *expect)
{
	char out[4200], got[4096];
	snprintf(out, sizeof out, "%s/out", tmpdir);
	int code = sh(got, sizeof got, "%s run %s -o %s >/dev/null", bin, args, out);
	struct stat sb;
	int made = stat(out, &sb) == 0;
	if (code != 2 || strcmp(got, expect) != 0 || made)
		fail_msg("archsim run %s\n  status %d (want 2)%s\n  got      %s  expected %s",
			 args, code, made ? ", output directory created" : "", got, expect);
}

static void test_bad_corpus_each_file_gives_its_line(void **state)
{
	FILE *f = fopen("tests/bad/expected.txt", "r");
	assert_non_null(f);
	char line[4096];
	size_t cases = 0;
	while (fgets(line, sizeof line, f)) {
		char *end = strstr(line, ".yaml:");
		assert_non_null(end);
		char file[4096];
		snprintf(file, sizeof file, "%.*s", (int)(end - line + 5), line);
		run_bad(file, line);
		cases++;
	}
	fclose(f);
	print_message("    %zu broken scenarios rejected as expected\n", cases);
	assert_true(cases >= 60);

	/* every file in the corpus has its expected line */
	DIR *d = opendir("tests/bad");
	assert_non_null(d);
	struct dirent *e;
	size_t files = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml"))
			files++;
	}
	closedir(d);
	assert_int_equal(files, cases);
}

static void test_bad_missing_and_unreadable_files(void **state)
{
	char path[4200], expect[4600];
	snprintf(path, sizeof path, "%s/missing.yaml", tmpdir);
	snprintf(expect, sizeof expect, "%s:1:1: cannot open: No such file or directory\n", path);
	run_bad(path, expect);

	snprintf(path, sizeof path, "%s/locked.yaml", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("duration: 1s\n", f);
	fclose(f);
	chmod(path, 0);
	snprintf(expect, sizeof expect, "%s:1:1: cannot open: Permission denied\n", path);
	if (geteuid() != 0) {
		run_bad(path, expect);
	} else if (sh(NULL, 0, "setpriv --reuid=65534 --regid=65534 --clear-groups %s --version >/dev/null",
		      bin) == 0) {
		/* root reads any file: run as nobody, who may enter the
		 * scratch directory but not read the file */
		char got[4096], out[4200];
		snprintf(out, sizeof out, "%s/out-locked", tmpdir);
		chmod(tmpdir, 0711);
		int code = sh(got, sizeof got,
			      "setpriv --reuid=65534 --regid=65534 --clear-groups %s run %s -o %s",
			      bin, path, out);
		chmod(tmpdir, 0700);
		struct stat sb;
		assert_int_equal(code, 2);
		assert_string_equal(got, expect);
		assert_int_not_equal(stat(out, &sb), 0);
	} else {
		print_message("    (root, and nobody cannot run archsim here: unreadable-file case skipped)\n");
	}
}

static void test_bad_overrides(void **state)
{
	run_bad("scenarios/quickstart.yaml --set nodes.api.workers=3",
		"--set:1:1: nodes.api.workers: there is no 'api' in the scenario\n");
	run_bad("scenarios/quickstart.yaml --set nodes.web.wrokers=3",
		"--set:1:1: nodes.web: unknown key 'wrokers'; did you mean 'workers'?\n");
	run_bad("scenarios/quickstart.yaml --set seed=1 --set nodes.web.queue=-1",
		"--set:2:17: nodes.web.queue: must be an integer from 0 to 1000000000, not negative (got -1)\n");
	run_bad("scenarios/quickstart.yaml --set 'nodes.web.service={dist: gamma'",
		"--set:1:19: YAML syntax error: did not find expected ',' or '}' while parsing a flow mapping\n");
	run_bad("scenarios/quickstart.yaml --set nodes.web",
		"archsim: --set nodes.web: expected PATH=VALUE\n");
	run_bad("scenarios/quickstart.yaml --set =3",
		"archsim: --set =3: expected PATH=VALUE\n");
	run_bad("scenarios/quickstart.yaml --set nodes..web=3",
		"--set:1:1: 'nodes..web' is not a path like nodes.web.workers\n");
	run_bad("scenarios/quickstart.yaml --seed 1.5",
		"--set:1:6: seed: must be an integer from 0 to 18446744073709551615 (got '1.5')\n");
}

int main(int argc, char **argv)
{
	clitest_find_bin(argv[0]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_corpus_each_file_gives_its_line),
		cmocka_unit_test(test_bad_missing_and_unreadable_files),
		cmocka_unit_test(test_bad_overrides),
	};
	return cmocka_run_group_tests_name("bad", tests, clitest_setup, clitest_teardown);
}
