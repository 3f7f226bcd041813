/*
 * test_database.c - the database kind: its stations against Erlang C, the
 * stale-read ratio against 1 - exp(-w L), read-your-writes routing,
 * replica crashes and failover.
 */
#include "tests/simtest.h"

#include <math.h>

#define NREP 10

static const char *mmc_yaml =
	"name: mmc\nseed: 2\nduration: 60s\nwarmup: 5s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 600/s}, target: db, mix: {write: 1}}\n"
	"nodes:\n"
	"  db: {type: database, primary: {workers: %d, service: {dist: exponential, mean: 5ms}}}\n";

/* The primary alone is an M/M/c queue: mean sojourn 1/mu + C(c, a) /
 * (c mu - lambda).  One worker more is shown to be another system. */
static void test_database_primary_is_mmc(void **state)
{
	(void)state;
	double lam = 600, mu = 200, a = lam / mu;
	double want = 1 / mu + simtest_erlang_c(4, a) / (4 * mu - lam);
	double other = 1 / mu + simtest_erlang_c(5, a) / (5 * mu - lam);
	char yaml[1024];
	double x[NREP];
	snprintf(yaml, sizeof yaml, mmc_yaml, 4);
	simtest_col(yaml, "db", 0, "latency_mean_s", x, NREP);
	assert_true(simtest_within("M/M/4 at rho 0.75: mean sojourn", x, NREP, want));
	assert_false(simtest_within("  against M/M/5's", x, NREP, other));
}

static const char *stale_yaml =
	"name: stale\nseed: 4\nduration: 100s\nwarmup: 1s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 1020/s}, target: db,\n"
	"      mix: {read: %.10f, write: %.10f}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 1000, service: {dist: constant, value: 0s}}\n"
	"    replicas: 1\n"
	"    lag: {dist: constant, value: %s}\n";

/* One key, Poisson writes at w = 20/s committing at once, lag L: a read
 * at a random moment is stale when a write committed in the last L,
 * probability 1 - exp(-w L).  Shown off the linear guess w L and off the
 * formula at half the lag. */
static void test_database_stale_ratio(void **state)
{
	(void)state;
	const char *lags[] = { "50ms", "10ms" };
	double L[] = { 0.05, 0.01 }, w = 20;
	for (int i = 0; i < 2; i++) {
		char yaml[1024], what[64];
		double x[NREP];
		snprintf(yaml, sizeof yaml, stale_yaml, 1000 / 1020.0, 20 / 1020.0, lags[i]);
		simtest_col(yaml, "db", 0, "stale_ratio", x, NREP);
		snprintf(what, sizeof what, "stale ratio, w L = %g", w * L[i]);
		assert_true(simtest_within(what, x, NREP, -expm1(-w * L[i])));
		assert_false(simtest_within("  against w L", x, NREP, w * L[i]));
		assert_false(simtest_within("  against half the lag", x, NREP, -expm1(-w * L[i] / 2)));
	}
}

static const char *ryw_yaml =
	"name: ryw\nseed: 6\nduration: 30s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: closed, users: 20, think: {dist: exponential, mean: 10ms}},\n"
	"      target: db, keys: {dist: uniform, n: 10}, mix: {read: 0.5, write: 0.5}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 100, service: {dist: exponential, mean: 1ms}}\n"
	"    replicas: 2\n"
	"    lag: {dist: constant, value: 100ms}\n"
	"    routing: %s\n";

/* A user who wrote a key reads it back soon after: read_replicas shows
 * violations; read_your_writes sends those reads to the primary and has
 * none, while still serving the others from the replicas. */
static void test_database_read_your_writes(void **state)
{
	(void)state;
	const char *routing[] = { "read_replicas", "read_your_writes" };
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, ryw_yaml, routing[i]);
		struct scenario_set *set = simtest_load(yaml);
		const struct scenario *sc = set->points[0];
		struct rep_result res;
		simtest_run(sc, 0, &res);
		double v = simtest_node(sc, &res, 0, 0, "ryw_violations");
		double stale = simtest_node(sc, &res, 0, 0, "stale_reads");
		double rep_reads = simtest_node(sc, &res, 0, 2, "reads");
		print_message("    %s: %g violations, %g stale reads, %g reads at db[1]\n",
			      routing[i], v, stale, rep_reads);
		if (i == 0)
			assert_true(v > 100);
		else
			assert_true(v == 0);
		assert_true(stale > 0);
		assert_true(rep_reads > 1000);
		rep_result_fini(&res);
		scenario_set_free(set);
	}
}

static const char *fault_yaml =
	"name: faults\nseed: 8\nduration: 20s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n"
	"  w: {arrival: {process: constant, rate: 100/s}, target: db, mix: {write: 1}}\n"
	"  r: {arrival: {process: poisson, rate: 500/s}, target: db}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 8, service: {dist: exponential, mean: 1ms}}\n"
	"    replicas: 2\n"
	"timeline:\n"
	"  - {at: 0s, node: db, replica: 1, do: crash}\n"
	"  - {at: 10005ms, node: db, do: failover, promotion: 2s}\n";

/* db[1] is down from the start: reads go to db[2] only, and none fail.
 * Writes come every 10 ms; the primary fails over at 10.005 s and the
 * promotion takes 2 s: exactly the 200 writes from 10.01 s to 12.00 s
 * fail as unavailable, and db[2] takes the writes after: 12.01 s to
 * 19.99 s (the run ends before anything at 20 s), 799 of them. */
static void test_database_replica_crash_and_failover(void **state)
{
	(void)state;
	struct scenario_set *set = simtest_load(fault_yaml);
	const struct scenario *sc = set->points[0];
	struct rep_result res;
	simtest_run(sc, 0, &res);
	assert_true(simtest_node(sc, &res, 0, 2, "arrivals") == 0);
	assert_true(simtest_ended(&res, REQ_CRASHED) == 0);
	assert_true(simtest_ended(&res, REQ_UNAVAILABLE) == 200);
	double w0 = simtest_node(sc, &res, 0, 1, "writes");
	double w2 = simtest_node(sc, &res, 0, 3, "writes");
	print_message("    writes at db[0] %g, at db[2] %g\n", w0, w2);
	assert_true(w0 == 1000);
	assert_true(w2 == 799);
	rep_result_fini(&res);
	scenario_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_database_primary_is_mmc),
		cmocka_unit_test(test_database_stale_ratio),
		cmocka_unit_test(test_database_read_your_writes),
		cmocka_unit_test(test_database_replica_crash_and_failover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
