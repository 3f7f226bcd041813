/*
 * test_steady.c - does a run say when it has no steady state?  The
 * scenario-level check (flows, load, settling time, heavy tails) on its
 * own, and the whole verdict - steady column and warnings - on runs.
 */
#include "tests/simtest.h"

#include <math.h>

#include "sim/report.h"
#include "sim/runner.h"
#include "sim/steady.h"

static const char *mm1(double rate, const char *service, const char *length)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
		 "seed: 3\n%s\nreplications: 5\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: %g/s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: %s}\n",
		 length, rate, service);
	return buf;
}

/* verdict runs yaml and returns point 0's steady column; the warnings are
 * copied into w (joined by newlines). */
static int verdict(const char *yaml, char *w, size_t len)
{
	struct scenario_set *set = simtest_load(yaml);
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, NULL, NULL, NULL, &err), 0);
	int steady = rep.points[0].steady;
	w[0] = 0;
	for (size_t i = 0; i < rep.nwarnings; i++)
		snprintf(w + strlen(w), len - strlen(w), "%s\n", rep.warnings[i]);
	report_fini(&rep);
	scenario_set_free(set);
	return steady;
}

static void test_steady_mm1_verdicts(void **state)
{
	char w[4096];
	const char *exp1 = "{dist: exponential, mean: 1s}";
	const char *len = "duration: 2000s\nwarmup: 200s";
	/* rho 0.8: steady, nothing to say */
	assert_true(verdict(mm1(0.8, exp1, len), w, sizeof w));
	assert_string_equal(w, "");
	/* rho 1.2: overloaded */
	assert_false(verdict(mm1(1.2, exp1, len), w, sizeof w));
	assert_non_null(strstr(w, "node 'q' is overloaded: offered 1.2/s against a capacity of 1/s"));
	/* and the runs show it too: the queue grows through the window */
	assert_non_null(strstr(w, "requests in the system grew by"));
	/* rho 0.999: stable in theory, but a 2000 s run shows its start */
	assert_false(verdict(mm1(0.999, exp1, len), w, sizeof w));
	assert_non_null(strstr(w, "node 'q' runs at utilisation 0.999 and needs about"));
	assert_non_null(strstr(w, "longer than the measured 2e+03 s"));
}

static void test_steady_heavy_tails_warn(void **state)
{
	char w[4096];
	const char *len = "duration: 2000s\nwarmup: 200s";
	/* Pareto with shape 2.5 at rho 0.5: waiting times of infinite
	 * variance; steady, but the mean's interval is not valid */
	assert_true(verdict(mm1(0.5, "{dist: pareto, shape: 2.5, mean: 1s}", len), w, sizeof w));
	assert_non_null(strstr(w, "node 'q': Pareto service with shape 2.5 has an infinite third moment"));
	/* shape 1.8: the mean waiting time itself is infinite */
	verdict(mm1(0.5, "{dist: pareto, shape: 1.8, mean: 1s}", len), w, sizeof w);
	assert_non_null(strstr(w, "has infinite variance, so waiting times have an infinite mean"));
	/* lognormal tails are long but every moment is finite: no warning */
	assert_true(verdict(mm1(0.5, "{dist: lognormal, mean: 1s, cv: 3}", len), w, sizeof w));
	assert_null(strstr(w, "Pareto"));
}

static void test_steady_flows_follow_routes_and_calls(void **state)
{
	/* a sends all to b, which sends a fifth back: each request visits
	 * a and b 1.25 times; c is called by b with p 0.5 */
	struct scenario_set *set = simtest_load(
		"duration: 10000s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.4/s}, target: a}\n"
		"nodes:\n"
		"  a: {type: service, service: {dist: exponential, mean: 1s}, next: [{to: b, p: 1}]}\n"
		"  b: {type: service, workers: 2, service: {dist: exponential, mean: 4s},\n"
		"      next: [{to: a, p: 0.2}], calls: [{to: c, p: 0.5}]}\n"
		"  c: {type: service, service: {dist: exponential, mean: 2s}}\n");
	struct steady_check chk;
	assert_int_equal(steady_analyze(set->points[0], &chk), 0);
	/* lambda = 0.5/s at a and b, 0.25/s at c: rho 0.5, 1.0 (b: 0.5 x 4 /
	 * 2 workers), 0.5 */
	assert_int_equal(chk.nnotes, 1);
	assert_int_equal(chk.notes[0].what, STEADY_OVERLOAD);
	assert_int_equal(chk.notes[0].node, 1);
	assert_true(fabs(chk.notes[0].lambda - 0.5) < 1e-9);
	assert_true(fabs(chk.notes[0].rho - 1.0) < 1e-9);
	assert_true(chk.unsteady);
	steady_free(&chk);
	scenario_set_free(set);

	/* a closed loop offers a bounded load: nothing to check */
	set = simtest_load(
		"duration: 1000s\n"
		"workloads:\n  u: {arrival: {process: closed, users: 100}, target: q}\n"
		"nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n");
	assert_int_equal(steady_analyze(set->points[0], &chk), 0);
	assert_int_equal(chk.nnotes, 0);
	steady_free(&chk);
	scenario_set_free(set);
}

static void test_steady_runs_catch_what_the_scenario_hides(void **state)
{
	/* web's own work is 0.5 s at 1/s, but each request holds its one
	 * worker through a 0.6 s call: 1.1 s of holding per second.  The
	 * scenario check sees utilisation 0.5; the runs see the queue grow */
	char w[4096];
	int steady = verdict(
		"seed: 4\nduration: 2000s\nwarmup: 200s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
		"nodes:\n"
		"  web: {type: service, service: {dist: exponential, mean: 0.5s}, calls: [{to: db}]}\n"
		"  db: {type: service, workers: 1000, service: 0.6s}\n", w, sizeof w);
	assert_false(steady);
	assert_null(strstr(w, "overloaded"));
	assert_non_null(strstr(w, "requests in the system grew by"));
	/* the same with 0.3 s calls (0.8 s of holding) is steady */
	steady = verdict(
		"seed: 4\nduration: 2000s\nwarmup: 200s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
		"nodes:\n"
		"  web: {type: service, service: {dist: exponential, mean: 0.5s}, calls: [{to: db}]}\n"
		"  db: {type: service, workers: 1000, service: 0.3s}\n", w, sizeof w);
	assert_true(steady);
	assert_string_equal(w, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_mm1_verdicts),
		cmocka_unit_test(test_steady_heavy_tails_warn),
		cmocka_unit_test(test_steady_flows_follow_routes_and_calls),
		cmocka_unit_test(test_steady_runs_catch_what_the_scenario_hides),
	};
	return cmocka_run_group_tests_name("steady", tests, NULL, NULL);
}
