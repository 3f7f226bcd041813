/*
 * test_cli.c - the archsim program as a user meets it: exit statuses,
 * error lines, outputs written whole and byte-identical for the same
 * seed, nothing written on bad input.
 */
#include "tests/clitest.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *fmt, const char *a)
{
	char p[4200];
	struct stat st;
	snprintf(p, sizeof p, fmt, tmpdir, a);
	return stat(p, &st) == 0;
}

static void test_cli_version_and_help(void **state)
{
	assert_int_equal(sh(NULL, 0, "%s --version | grep -q '^archsim [0-9]'", bin), 0);
	assert_int_equal(sh(NULL, 0, "%s --help | grep -q 'archsim run FILE'", bin), 0);
	char e[4096];
	assert_int_equal(sh(e, sizeof e, "%s", bin), 2);
	assert_non_null(strstr(e, "usage:"));
	assert_int_equal(sh(e, sizeof e, "%s frobnicate x.yaml", bin), 2);
	assert_non_null(strstr(e, "unknown command 'frobnicate'"));
	assert_int_equal(sh(e, sizeof e, "%s run --bogus scenarios/quickstart.yaml", bin), 2);
	assert_non_null(strstr(e, "unknown option '--bogus'"));
}

static void test_cli_help_prints_the_reference(void **state)
{
	char e[4096];
	assert_int_equal(sh(NULL, 0, "%s help | grep -q '^  service        replicas x workers'", bin), 0);
	assert_int_equal(sh(NULL, 0, "%s help | grep -q '^  workload       open-loop arrivals'", bin), 0);
	assert_int_equal(sh(NULL, 0, "%s help service | grep -q "
			    "'^  workers             integer from 1 to 1000000, default 1$'", bin), 0);
	assert_int_equal(sh(NULL, 0, "%s help workload | grep -q '^arrival with process: closed$'",
			    bin), 0);
	assert_int_equal(sh(NULL, 0, "%s help service --markdown | grep -q '^## `service`$'", bin), 0);
	/* every section of a scenario has a topic */
	static const char *const topics[] = {
		"scenario", "distributions", "calls", "breakers", "cost", "timeline", "capacity", "outputs",
	};
	for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
		if (sh(NULL, 0, "%s help %s | grep -q .", bin, topics[i]) != 0)
			fail_msg("archsim help %s prints nothing", topics[i]);
	assert_int_equal(sh(NULL, 0, "%s help timeline | grep -q '^  flush     a cache'", bin), 0);
	assert_int_equal(sh(NULL, 0, "%s help distributions | grep -q '^dist: lognormal$'", bin), 0);
	assert_int_equal(sh(e, sizeof e, "%s help servce", bin), 2);
	assert_string_equal(e, "archsim: unknown topic 'servce'; did you mean 'service'?\n");
	assert_int_equal(sh(e, sizeof e, "%s help topic", bin), 2);
	assert_string_equal(e, "archsim: unknown topic 'topic' (topics: scenario, distributions, calls, breakers, cost, zones, timeline, outputs, capacity, workload, service, balancer, cache, database, shards, queue, eventstore, projection)\n");
	assert_int_equal(sh(e, sizeof e, "%s help service workload", bin), 2);
	assert_int_equal(sh(e, sizeof e, "%s help --markdown >/dev/full", bin), 1);
	assert_non_null(strstr(e, "write failed"));
	/* the committed reference is what the binary prints, so the docs
	 * cannot drift from the checker */
	if (sh(NULL, 0, "%s help --markdown | cmp -s - docs/reference.md", bin) != 0)
		fail_msg("docs/reference.md differs from `archsim help --markdown`: run make docs");
}

/* refused is the stderr of a bad command line, which must end with 2 */
static const char *refused(char *e, size_t len, const char *args)
{
	assert_int_equal(sh(e, len, "%s %s", bin, args), 2);
	return e;
}

/* Which command takes which option, and how many arguments, is read off
 * the command table; so are the refusals. */
static void test_cli_refusals_name_the_commands(void **state)
{
	char e[4096];
	const char *sc = "scenarios/mm1.yaml";
	char line[512];
	snprintf(line, sizeof line, "check %s --shard 1/2", sc);
	assert_string_equal(refused(e, sizeof e, line),
			    "archsim: --shard and --trace are options of run\n");
	snprintf(line, sizeof line, "run %s --shard 1/2 --trace 5", sc);
	assert_string_equal(refused(e, sizeof e, line),
			    "archsim: --trace is an option of run, without --shard\n");
	snprintf(line, sizeof line, "graph %s --goal smallest", sc);
	assert_string_equal(refused(e, sizeof e, line),
			    "archsim: --slo, --vary, --min, --max, --goal, --tolerance, "
			    "--max-replications and --availability are options of capacity\n");
	assert_string_equal(refused(e, sizeof e, "merge somewhere --seed 3"),
			    "archsim: merge takes the scenario and its overrides from the shard "
			    "files: no --set or --seed\n");
	assert_string_equal(refused(e, sizeof e, "help service -q"),
			    "archsim: -q is an option of run, merge and capacity\n");
	snprintf(line, sizeof line, "run %s --markdown", sc);
	assert_string_equal(refused(e, sizeof e, line), "archsim: --markdown is an option of help\n");
	assert_string_equal(refused(e, sizeof e, "--jobs 0 run x"),
			    "archsim: -j needs a number of processes from 1 to 256\n");
	/* a wrong number of arguments shows the command's usage */
	assert_string_equal(refused(e, sizeof e, "help a b"),
			    "archsim: unexpected argument 'b'\nusage: archsim help [TOPIC] [--markdown]\n");
	assert_string_equal(refused(e, sizeof e, "plot"),
			    "usage: archsim plot DIR|FILE... [-o DIR] [--set PATH=VALUE ...]\n");
	/* options a command ignores, for lines written for another */
	snprintf(line, sizeof line, "%s check %s -q -j 2 --stats -o %s/unused", bin, sc, tmpdir);
	assert_int_equal(sh(e, sizeof e, "%s", line), 0);
	assert_string_equal(e, "");
	/* the help lists every command and every option of the tables */
	static const char *const words[] = {
		"archsim run FILE", "archsim merge DIR...", "archsim capacity FILE",
		"archsim check FILE", "archsim graph FILE", "archsim plot DIR|FILE...",
		"archsim help [TOPIC]", "-j, --jobs N", "--max-replications N", "--markdown",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (sh(NULL, 0, "%s --help | grep -qF -- '%s'", bin, words[i]) != 0)
			fail_msg("archsim --help does not show '%s'", words[i]);
}

static void test_cli_check_accepts_the_shipped_scenarios(void **state)
{
	char e[4096];
	assert_int_equal(sh(e, sizeof e, "for f in scenarios/*.yaml; do %s check $f || exit 1; done", bin), 0);
	assert_string_equal(e, "");
}

static void test_cli_bad_input_is_one_located_line_and_status_2(void **state)
{
	char e[4096], path[4200];
	snprintf(path, sizeof path, "%s/bad.yaml", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	      "nodes:\n  web: {type: service, service: 1s, workers: -2}\n", f);
	fclose(f);
	assert_int_equal(sh(e, sizeof e, "%s run %s -o %s/out-bad", bin, path, tmpdir), 2);
	char expect[4400];
	snprintf(expect, sizeof expect,
		 "%s:5:46: nodes.web.workers: must be an integer from 1 to 1000000, not negative (got -2)\n",
		 path);
	assert_string_equal(e, expect);
	assert_false(exists("%s/%s", "out-bad"));
	/* a bad override: the same, located in the --set argument */
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -o %s/out-bad --set nodes.web.workers=lots",
			    bin, tmpdir), 2);
	assert_string_equal(e, "--set:1:19: nodes.web.workers: must be an integer from 1 to 1000000 (got 'lots')\n");
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -o %s/out-bad --seed -1",
			    bin, tmpdir), 2);
	assert_false(exists("%s/%s", "out-bad"));
	/* a file that is not there */
	assert_int_equal(sh(e, sizeof e, "%s check %s/nope.yaml", bin, tmpdir), 2);
	assert_non_null(strstr(e, "nope.yaml:1:1: cannot open: No such file or directory"));
}

/* The data tier's scenarios, shortened (past their timeline entries),
 * with random eviction and a random replica policy: twice, byte for
 * byte. */
static void test_cli_data_tier_is_deterministic(void **state)
{
	const char *runs[] = {
		"scenarios/cache-sizing.yaml --set duration=10s --set warmup=5s --set nodes.cache.eviction=random",
		"scenarios/cache-stampede.yaml --set duration=65s --set warmup=30s",
		"scenarios/read-replicas.yaml --set duration=10s --set nodes.db.replica_policy=random",
		"scenarios/sharding.yaml --set duration=95s --set warmup=30s",
	};
	const char *files[] = { "summary.csv", "nodes.csv", "node_timeseries.csv", "compare.csv" };
	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		assert_int_equal(sh(NULL, 0, "%s run %s -q --set replications=2 -o %s/d1", bin, runs[r], tmpdir), 0);
		assert_int_equal(sh(NULL, 0, "%s run %s -q --set replications=2 -o %s/d2", bin, runs[r], tmpdir), 0);
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
			assert_int_equal(sh(NULL, 0, "cmp -s %s/d1/%s %s/d2/%s", tmpdir, files[i], tmpdir,
					    files[i]), 0);
		assert_int_equal(sh(NULL, 0, "rm -rf %s/d1 %s/d2", tmpdir, tmpdir), 0);
	}
}

static void test_cli_same_seed_gives_identical_files(void **state)
{
	const char *files[] = {
		"summary.csv", "workloads.csv", "nodes.csv", "latency.csv", "timeseries.csv",
		"node_timeseries.csv", "timeline.csv",
	};
	/* past the timeline's entry at 5 min, so that every file has rows */
	const char *args = "--set duration=300s --set warmup=5s --set replications=3 -q";
	assert_int_equal(sh(NULL, 0, "%s run scenarios/three-tier.yaml -o %s/a %s", bin, tmpdir, args), 0);
	assert_int_equal(sh(NULL, 0, "%s run scenarios/three-tier.yaml -o %s/b %s", bin, tmpdir, args), 0);
	assert_int_equal(sh(NULL, 0, "%s run scenarios/three-tier.yaml -o %s/c %s --seed 43", bin, tmpdir, args), 0);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		assert_int_equal(sh(NULL, 0, "cmp -s %s/a/%s %s/b/%s", tmpdir, files[i], tmpdir, files[i]), 0);
		assert_true(exists("%s/a/%s", files[i]));
	}
	/* another seed, other numbers */
	assert_int_not_equal(sh(NULL, 0, "cmp -s %s/a/summary.csv %s/c/summary.csv", tmpdir, tmpdir), 0);
	/* no temporary files left behind */
	assert_int_equal(sh(NULL, 0, "test -z \"$(ls -A %s/a | grep -v csv)\"", tmpdir), 0);
	/* the seed and the scenario's hash are recorded */
	assert_int_equal(sh(NULL, 0, "grep -q ',true,,[0-9.]*,[0-9.]*,43,[0-9a-f]\\{16\\},' %s/c/summary.csv", tmpdir), 0);
}

static void test_cli_warns_when_there_is_no_steady_state(void **state)
{
	char e[4096];
	/* an M/M/1 at rho 1.2: the run works, says steady=false, and tells
	 * why on stderr, naming the node */
	const char *y =
		"seed: 2\nduration: 2000s\nwarmup: 200s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1.2/s}, target: q}\n"
		"nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n";
	assert_int_equal(sh(NULL, 0, "printf '%s' > %s/over.yaml", y, tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s run %s/over.yaml -q -o %s/over", bin, tmpdir, tmpdir), 0);
	assert_non_null(strstr(e, "archsim: warning: node 'q' is overloaded: offered 1.2/s against a capacity of 1/s"));
	/* in a sweep, a warning names its point by its values and paths */
	assert_int_equal(sh(e, sizeof e, "%s run %s/over.yaml -q -o %s/over-sweep --set 'sweep={workloads.u.arrival.rate: [1.2/s]}'",
			    bin, tmpdir, tmpdir), 0);
	assert_non_null(strstr(e, "archsim: warning: at 1.2/s (rate): node 'q' is overloaded"));
	assert_int_equal(sh(NULL, 0, "grep -q ',false,[0-9.]*,true,,2000,200,2,' %s/over/summary.csv", tmpdir), 0);
	/* the quickstart's spike passes: steady, nothing to say */
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -q -o %s/qs --set duration=60s",
			    bin, tmpdir), 0);
	assert_string_equal(e, "");
	assert_int_equal(sh(NULL, 0, "grep -q ',true,1,true,,[0-9.]*,[0-9.]*,42,' %s/qs/summary.csv", tmpdir), 0);
}

static void test_cli_stuck_clock_is_status_1(void **state)
{
	char e[4096];
	/* closed users with no think time, turned away at once by a node
	 * with one worker and no queue: the clock cannot move */
	const char *y =
		"duration: 10s\n"
		"workloads:\n  u: {arrival: {process: closed, users: 2, think: 0s}, target: web}\n"
		"nodes:\n  web: {type: service, workers: 1, queue: 0, service: 1s}\n";
	assert_int_equal(sh(NULL, 0, "printf '%s' > %s/stuck.yaml", y, tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s run %s/stuck.yaml -q -o %s/stuck", bin, tmpdir, tmpdir), 1);
	assert_non_null(strstr(e, "archsim: simulated time stopped advancing at 0s: requests end at once at node 'web'"));
	/* nothing written, not even the directories it created for the
	 * results; one that existed stays */
	assert_int_equal(sh(NULL, 0, "test ! -e %s/stuck", tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s run %s/stuck.yaml -q -o %s/made/deeper/", bin, tmpdir, tmpdir), 1);
	assert_int_equal(sh(NULL, 0, "test ! -e %s/made", tmpdir), 0);
	assert_int_equal(sh(NULL, 0, "mkdir %s/mine", tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s run %s/stuck.yaml -q -o %s/mine", bin, tmpdir, tmpdir), 1);
	assert_int_equal(sh(NULL, 0, "test -d %s/mine && test -z \"$(ls -A %s/mine)\"", tmpdir, tmpdir), 0);
}

static void test_cli_unwritable_output_is_status_1_and_keeps_old_results(void **state)
{
	char e[4096];
	const char *args = "--set duration=10s --set replications=2 -q";
	assert_int_equal(sh(NULL, 0, "%s run scenarios/quickstart.yaml -o %s/keep %s", bin, tmpdir, args), 0);
	assert_int_equal(sh(NULL, 0, "cp %s/keep/summary.csv %s/summary.before", tmpdir, tmpdir), 0);
	/* a file where the directory should be */
	assert_int_equal(sh(NULL, 0, "touch %s/afile", tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -o %s/afile/x %s", bin, tmpdir, args), 1);
	assert_non_null(strstr(e, "cannot create output directory"));
	if (geteuid() != 0) {
		/* a directory that cannot be written (root can write anyway) */
		assert_int_equal(sh(NULL, 0, "chmod a-w %s/keep", tmpdir), 0);
		assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -o %s/keep %s --seed 5",
				    bin, tmpdir, args), 1);
		assert_int_equal(sh(NULL, 0, "chmod u+w %s/keep", tmpdir), 0);
	}
	/* a full disk, as a file-size limit: writes fail with EFBIG half-way
	 * through the files; the old results stay, nothing temporary is left */
	assert_int_equal(sh(e, sizeof e, "sh -c 'trap \"\" XFSZ; ulimit -f 4; exec %s run "
			    "scenarios/quickstart.yaml -o %s/keep %s --seed 6'", bin, tmpdir, args), 1);
	assert_non_null(strstr(e, "write failed: File too large"));
	assert_int_equal(sh(NULL, 0, "test -z \"$(ls -A %s/keep | grep -v '^[a-z_]*\\.csv$')\"",
			    tmpdir), 0);
	assert_int_equal(sh(NULL, 0, "cmp -s %s/keep/summary.csv %s/summary.before", tmpdir, tmpdir), 0);

	/* a directory where one result file belongs: nothing is replaced,
	 * not even the files that could have been */
	assert_int_equal(sh(NULL, 0, "rm %s/keep/latency.csv && mkdir %s/keep/latency.csv",
			    tmpdir, tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -o %s/keep %s --seed 7",
			    bin, tmpdir, args), 1);
	assert_non_null(strstr(e, "latency.csv: exists and is not a regular file; nothing was replaced"));
	assert_int_equal(sh(NULL, 0, "cmp -s %s/keep/summary.csv %s/summary.before", tmpdir, tmpdir), 0);
	assert_int_equal(sh(NULL, 0, "test -z \"$(ls -A %s/keep | grep -v '^[a-z_]*\\.csv$')\"",
			    tmpdir), 0);
	/* an empty output directory name is bad input */
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/quickstart.yaml -o ''", bin), 2);
	assert_string_equal(e, "archsim: -o needs a directory name\n");
}

/* interrupt runs a long run, sends it sig after a while, and checks that
 * it stops with 128 + sig, having written what its finished replications
 * measured, marked incomplete, beside the output directory (NAME.incomplete)
 * and not in it: the complete results of an earlier run there stay as they
 * were.  A run stopped before any replication finished writes no count
 * (NaN, not 0) and nothing over the earlier results either. */
static void interrupt(int sig, const char *name)
{
	char cmd[8192];
	assert_int_equal(sh(NULL, 0, "%s run scenarios/quickstart.yaml -o %s/%s -q "
			    "--set duration=2s --set replications=1 && cp %s/%s/summary.csv %s/%s.before",
			    bin, tmpdir, name, tmpdir, name, tmpdir, name), 0);
	snprintf(cmd, sizeof cmd,
		 "( %s run scenarios/quickstart.yaml -o %s/%s -q --set duration=60s "
		 "--set replications=100000 & pid=$!; sleep 1; kill -%d $pid; wait $pid )",
		 bin, tmpdir, name, sig);
	assert_int_equal(sh(NULL, 0, "%s", cmd), 128 + sig);
	assert_int_equal(sh(NULL, 0, "cmp -s %s/%s/summary.csv %s/%s.before", tmpdir, name, tmpdir,
			    name), 0);
	char path[4200];
	snprintf(path, sizeof path, "%s/%s.incomplete/summary.csv", tmpdir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char header[4096], row[4096];
	assert_non_null(fgets(header, sizeof header, f));
	assert_non_null(fgets(row, sizeof row, f));
	fclose(f);
	unsigned reps = 0;
	assert_int_equal(sscanf(row, "0,%u,", &reps), 1);
	assert_true(reps > 0 && reps < 100000);
	assert_non_null(strstr(row, ",false,"));
	/* the other files are whole, and nothing temporary is left */
	char inc[256];
	snprintf(inc, sizeof inc, "%s.incomplete", name);
	assert_true(exists("%s/%s/timeseries.csv", inc));
	assert_int_equal(sh(NULL, 0, "test -z \"$(ls -A %s/%s | grep -v '^[a-z_]*\\.csv$')\"",
			    tmpdir, inc), 0);
	assert_int_equal(sh(NULL, 0, "test -z \"$(ls -A %s/%s | grep -v '^[a-z_]*\\.csv$')\"",
			    tmpdir, name), 0);
	/* stopped inside its first replication: no count stands for one */
	snprintf(cmd, sizeof cmd,
		 "( %s run scenarios/quickstart.yaml -o %s/%s -q --set duration=1000000s "
		 "& pid=$!; sleep 1; kill -%d $pid; wait $pid )", bin, tmpdir, name, sig);
	assert_int_equal(sh(NULL, 0, "%s", cmd), 128 + sig);
	assert_int_equal(sh(NULL, 0, "cmp -s %s/%s/summary.csv %s/%s.before", tmpdir, name, tmpdir,
			    name), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(header, sizeof header, f));
	assert_non_null(fgets(row, sizeof row, f));
	fclose(f);
	assert_true(strncmp(row, "0,0,0,NaN,NaN,NaN,", 18) == 0);
}

static void test_cli_sigint_writes_finished_replications(void **state)
{
	interrupt(SIGINT, "int");
}

static void test_cli_sigterm_writes_finished_replications(void **state)
{
	interrupt(SIGTERM, "term");
}

/* archsim capacity: from a capacity: block, from the command line
 * (which overrides the block), and its refusals with status 2. */
static void test_cli_capacity(void **state)
{
	char e[4096], out[8192];
	const char *y =
		"seed: 3\nduration: 500s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 8/s}, target: web}\n"
		"nodes:\n  web: {type: service, workers: 9, service: {dist: exponential, mean: 1s}}\n"
		"capacity: {slo: \"latency_mean_s<1.5s\", vary: nodes.web.workers, min: 9, max: 16}\n";
	assert_int_equal(sh(NULL, 0, "printf '%s' > %s/cap.yaml", y, tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s capacity %s/cap.yaml -q -o %s/cap > %s/cap.out", bin,
			    tmpdir, tmpdir, tmpdir), 0);
	FILE *f;
	char path[4200];
	snprintf(path, sizeof path, "%s/cap.out", tmpdir);
	assert_non_null(f = fopen(path, "r"));
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = 0;
	fclose(f);
	assert_true(strncmp(out, "smallest nodes.web.workers that meets latency_mean_s<1.5s and "
			    "reject_ratio<0.001 and error_ratio<0.001: 10\n"
			    "bottleneck at 10: web, utilization 0.", 144) == 0);
	assert_non_null(strstr(e, "archsim: warning: the SLO names no availability term"));
	assert_true(exists("%s/cap/capacity-nodes.web.workers.csv%s", ""));
	assert_true(exists("%s/cap/headroom-nodes.web.workers.csv%s", ""));
	/* a search of another parameter into the same directory keeps both */
	assert_int_equal(sh(NULL, 0, "%s capacity %s/cap.yaml -q -o %s/cap --vary workloads.u.arrival.rate "
			    "--min 4/s --max 8/s >/dev/null 2>&1", bin, tmpdir, tmpdir), 0);
	assert_true(exists("%s/cap/capacity-workloads.u.arrival.rate.csv%s", ""));
	assert_true(exists("%s/cap/capacity-nodes.web.workers.csv%s", ""));
	/* the command line overrides the block */
	assert_int_equal(sh(NULL, 0, "%s capacity %s/cap.yaml -q -o %s/cap2 --slo 'latency_mean_s<1.1s' "
			    "--availability off "
			    "| grep -qx 'smallest nodes.web.workers that meets latency_mean_s<1.1s: 11'",
			    bin, tmpdir, tmpdir), 0);
	/* a sweep of the searched path is the search's to set: set aside;
	 * a sweep of anything else is refused */
	assert_int_equal(sh(e, sizeof e, "%s capacity %s/cap.yaml -o %s/cap3 --set "
			    "'sweep={nodes.web.workers: [9, 12]}' > %s/cap3.out", bin, tmpdir, tmpdir,
			    tmpdir), 0);
	assert_non_null(strstr(e, "the file's sweep of the searched path is set aside"));
	assert_int_equal(sh(NULL, 0, "grep -q 'that meets .*: 10$' %s/cap3.out", tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s capacity %s/cap.yaml -q -o %s/none --set "
			    "'sweep={seed: [1, 2]}'", bin, tmpdir, tmpdir), 2);
	assert_non_null(strstr(e, "remove its sweep:"));
	/* refusals */
	assert_int_equal(sh(e, sizeof e, "%s capacity scenarios/mm1.yaml -o %s/none", bin, tmpdir), 2);
	assert_non_null(strstr(e, "capacity needs --slo and --vary"));
	assert_int_equal(sh(e, sizeof e, "%s run scenarios/mm1.yaml --slo x -o %s/none", bin, tmpdir), 2);
	assert_non_null(strstr(e, "are options of capacity"));
	assert_int_equal(sh(e, sizeof e, "%s capacity %s/cap.yaml --slo 'p99<1s' -o %s/none", bin,
			    tmpdir, tmpdir), 2);
	assert_non_null(strstr(e, "--slo: unknown metric 'p99'"));
	assert_false(exists("%s/none%s", ""));
}

/* archsim plot: every chart as PNG and SVG, from any working directory;
 * a missing directory is status 2. */
static void test_cli_plot(void **state)
{
	char e[4096];
	assert_int_equal(sh(NULL, 0, "%s run scenarios/quickstart.yaml -q -o %s/pl --set duration=20s "
			    "--set replications=2", bin, tmpdir), 0);
	assert_int_equal(sh(NULL, 0, "R=$PWD; cd / && $R/%s plot %s/pl >/dev/null", bin, tmpdir), 0);
	assert_true(exists("%s/pl/latency_cdf.png%s", ""));
	assert_true(exists("%s/pl/latency_cdf.svg%s", ""));
	assert_int_equal(sh(NULL, 0, "head -c 200 %s/pl/latency_cdf.svg | grep -q '<svg'", tmpdir), 0);
	assert_int_equal(sh(e, sizeof e, "%s plot %s/nowhere", bin, tmpdir), 2);
	assert_non_null(strstr(e, "nowhere: No such file or directory"));
}

/* make install into a staging DESTDIR: the installed program runs a
 * scenario from another directory and draws its charts with the chart
 * scripts installed beside it, and the man page holds the reference.  A
 * scenario whose name: differs from its file name is plotted by its file
 * (archsim plot FILE), where its results are. */
static void test_cli_install_and_plot_by_file(void **state)
{
	assert_int_equal(sh(NULL, 0, "make -s install DESTDIR=%s/inst PREFIX=/usr >/dev/null", tmpdir),
			 0);
	assert_true(exists("%s/inst/usr/share/archsim/scripts/plot.sh%s", ""));
	assert_int_equal(sh(NULL, 0, "grep -q '^.SH REFERENCE' %s/inst/usr/share/man/man1/archsim.1",
			    tmpdir), 0);
	assert_int_equal(sh(NULL, 0, "R=$PWD; mkdir -p %s/away && cd %s/away && "
			    "%s/inst/usr/bin/archsim run $R/scenarios/quickstart.yaml -q -o out "
			    "--set duration=10s --set replications=2 2>/dev/null && "
			    "%s/inst/usr/bin/archsim plot out >/dev/null", tmpdir, tmpdir, tmpdir,
			    tmpdir), 0);
	assert_true(exists("%s/away/out/latency_cdf.png%s", ""));
	/* the file is other.yaml, the results results/quickstart */
	assert_int_equal(sh(NULL, 0, "R=$PWD; mkdir -p %s/named && cd %s/named && "
			    "cp $R/scenarios/quickstart.yaml other.yaml && "
			    "$R/%s run other.yaml -q --set duration=10s --set replications=2 2>/dev/null && "
			    "$R/%s plot other.yaml >/dev/null", tmpdir, tmpdir, bin, bin), 0);
	assert_true(exists("%s/named/results/quickstart/latency_cdf.png%s", ""));
	char e[4096];
	assert_int_equal(sh(e, sizeof e, "cd %s/named && rm -rf results && $OLDPWD/%s plot other.yaml",
			    tmpdir, bin), 2);
	assert_non_null(strstr(e, "run it first: archsim run other.yaml"));
}

/* archsim graph: the topology as DOT, with kinds, capacities, zones,
 * rates, probabilities and call policies; rendered by dot when it is
 * here. */
static void test_cli_graph(void **state)
{
	char out[8192];
	assert_int_equal(sh(NULL, 0, "%s graph scenarios/three-tier.yaml > %s/g.dot", bin, tmpdir), 0);
	char path[4200];
	snprintf(path, sizeof path, "%s/g.dot", tmpdir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = 0;
	fclose(f);
	assert_true(!strncmp(out, "digraph \"three-tier\" {", 22));
	assert_non_null(strstr(out, "\"web\" [label=\"web\\nservice, 2 x 32 workers\"];"));
	assert_non_null(strstr(out, "\"browse\" [label=\"browse\\npoisson, 300/s\""));
	assert_non_null(strstr(out, "\"web\" -> \"db\" [label=\"p=0.6\"];"));
	assert_non_null(strstr(out, "\"browse\" -> \"web\";"));
	assert_true(out[n - 2] == '}');
	assert_int_equal(sh(NULL, 0, "%s graph scenarios/retry-storm.yaml | grep -q "
			    "'\"api_budget\" -> \"db_budget\" \\[label=\"per try 100ms\\\\nenvoy retry x2 (budget)\"\\];'",
			    bin), 0);
	/* a node placed in zones says where, on a line of its own */
	assert_int_equal(sh(NULL, 0, "%s graph scenarios/multi-zone.yaml | grep -q "
			    "'\"db\" \\[label=\"db\\\\nservice, 16 workers\\\\nzone us-east-1a\"\\];'",
			    bin), 0);
	if (sh(NULL, 0, "command -v dot >/dev/null") == 0)
		assert_int_equal(sh(NULL, 0, "dot -Tsvg %s/g.dot > /dev/null", tmpdir), 0);
}

/* An X event of trace.json, as archsim writes it: one per line. */
struct xev {
	char name[64];
	unsigned pid, tid;
	double ts, dur;
};

/* archsim run --trace: trace.json is one event per line between a header
 * and a footer, JSON that python's parser takes when python is here; each
 * traced request has one `request` span holding its visits, each visit
 * holds its queue and service spans, the calls not timed out lie within
 * their request, and retries and timeouts are marked. */
static void test_cli_trace(void **state)
{
	const char *y =
		"seed: 4\nduration: 20s\nwarmup: 0s\nreplications: 2\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 90/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 100, service: {dist: exponential, mean: 1ms},\n"
		"          calls: [{to: leaf, per_try_timeout: 30ms, retry: {style: custom, max_attempts: 2, base: 1ms}}]}\n"
		"  leaf: {type: service, service: {dist: exponential, mean: 10ms}}\n";
	assert_int_equal(sh(NULL, 0, "printf '%s' > %s/tr.yaml", y, tmpdir), 0);
	assert_int_equal(sh(NULL, 0, "%s run %s/tr.yaml -q -o %s/tr --trace 300", bin, tmpdir, tmpdir), 0);
	if (sh(NULL, 0, "command -v python3 >/dev/null") == 0)
		assert_int_equal(sh(NULL, 0, "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "
				    "%s/tr/trace.json", tmpdir), 0);
	char path[4200], line[1024];
	snprintf(path, sizeof path, "%s/tr/trace.json", tmpdir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static struct xev x[20000];
	size_t n = 0, timeouts = 0, retries = 0, lines = 0;
	while (fgets(line, sizeof line, f)) {
		lines++;
		if (strstr(line, "\"ph\":\"i\"") && strstr(line, "\"name\":\"timeout\""))
			timeouts++;
		if (strstr(line, "\"name\":\"attempt 2: call to leaf\""))
			retries++;
		if (!strstr(line, "\"ph\":\"X\""))
			continue;
		assert_true(n < 20000);
		char cat[32];
		const char *ev = line[0] == ',' ? line + 1 : line;
		assert_int_equal(sscanf(ev, "{\"name\":\"%63[^\"]\",\"cat\":\"%31[^\"]\",\"ph\":\"X\","
					"\"pid\":%u,\"tid\":%u,\"ts\":%lf,\"dur\":%lf",
					x[n].name, cat, &x[n].pid, &x[n].tid, &x[n].ts, &x[n].dur), 6);
		assert_true(x[n].dur >= 0);
		n++;
	}
	fclose(f);
	print_message("    %zu lines, %zu spans, %zu timeouts marked, %zu retries\n", lines, n,
		      timeouts, retries);
	assert_true(timeouts > 0 && retries > 0);
	size_t requests = 0, nested = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(x[i].name, "request"))
			continue;
		requests++;
		assert_int_equal(x[i].tid, 1);
		/* every span of this request's first thread lies inside it */
		for (size_t j = 0; j < n; j++)
			if (x[j].pid == x[i].pid && x[j].tid == 1 && j != i) {
				assert_true(x[j].ts >= x[i].ts - 1e-3);
				assert_true(x[j].ts + x[j].dur <= x[i].ts + x[i].dur + 1e-3);
				nested++;
			}
	}
	assert_int_equal(requests, 300);
	/* queue and service spans lie inside a visit of their thread */
	for (size_t j = 0; j < n; j++) {
		if (strcmp(x[j].name, "queue") && strcmp(x[j].name, "service"))
			continue;
		int inside = 0;
		for (size_t i = 0; i < n && !inside; i++)
			inside = x[i].pid == x[j].pid && x[i].tid == x[j].tid &&
				 (!strcmp(x[i].name, "front") || !strcmp(x[i].name, "leaf")) &&
				 x[j].ts >= x[i].ts - 1e-3 &&
				 x[j].ts + x[j].dur <= x[i].ts + x[i].dur + 1e-3;
		assert_true(inside);
	}
	assert_true(nested >= 2 * 300);
	/* the trace is replication 0 again: its requests' latencies are the
	 * run's, and another run writes the same bytes */
	assert_int_equal(sh(NULL, 0, "%s run %s/tr.yaml -q -o %s/tr2 --trace 300 && "
			    "cmp -s %s/tr/trace.json %s/tr2/trace.json", bin, tmpdir, tmpdir, tmpdir, tmpdir), 0);
	char e[4096];
	assert_int_equal(sh(e, sizeof e, "%s run %s/tr.yaml -o %s/none --trace 0", bin, tmpdir, tmpdir), 2);
	assert_non_null(strstr(e, "--trace needs a number of requests"));
}

int main(int argc, char **argv)
{
	clitest_find_bin(argv[0]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_version_and_help),
		cmocka_unit_test(test_cli_help_prints_the_reference),
		cmocka_unit_test(test_cli_refusals_name_the_commands),
		cmocka_unit_test(test_cli_check_accepts_the_shipped_scenarios),
		cmocka_unit_test(test_cli_bad_input_is_one_located_line_and_status_2),
		cmocka_unit_test(test_cli_same_seed_gives_identical_files),
		cmocka_unit_test(test_cli_data_tier_is_deterministic),
		cmocka_unit_test(test_cli_warns_when_there_is_no_steady_state),
		cmocka_unit_test(test_cli_stuck_clock_is_status_1),
		cmocka_unit_test(test_cli_unwritable_output_is_status_1_and_keeps_old_results),
		cmocka_unit_test(test_cli_sigint_writes_finished_replications),
		cmocka_unit_test(test_cli_sigterm_writes_finished_replications),
		cmocka_unit_test(test_cli_capacity),
		cmocka_unit_test(test_cli_plot),
		cmocka_unit_test(test_cli_install_and_plot_by_file),
		cmocka_unit_test(test_cli_graph),
		cmocka_unit_test(test_cli_trace),
	};
	return cmocka_run_group_tests_name("cli", tests, clitest_setup, clitest_teardown);
}
