/*
 * test_steady.c - does a run say when it has no steady state?  The
 * scenario-level check (flows, load, settling time, heavy tails) on its
 * own, and the whole verdict - steady column and warnings - on runs.
 */
#include "tests/simtest.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <math.h>

#include "app/report.h"
#include "app/runner.h"
#include "sim/steady.h"

static const char *mm1r(double rate, const char *service, const char *length,
			int reps)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
		 "seed: 3\n%s\nreplications: %d\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: %g/s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: %s}\n",
		 length, reps, rate, service);
	return buf;
}

static const char *mm1(double rate, const char *service, const char *length)
{
	return mm1r(rate, service, length, 5);
}

/* verdict runs yaml and returns point 0's steady column; the warnings are
 * copied into w (joined by newlines). */
static int verdict(const char *yaml, char *w, size_t len)
{
	struct sweep *set = simtest_load(yaml);
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, NULL, &err), 0);
	int steady = simtest_summary(&rep, 0).steady;
	w[0] = 0;
	for (size_t i = 0; i < rep.nwarnings; i++)
		snprintf(w + strlen(w), len - strlen(w), "%s\n", rep.warnings[i]);
	report_fini(&rep);
	sweep_free(set);
	return steady;
}

static void test_steady_mm1_verdicts(void **state)
{
	char w[4096];
	const char *exp1 = "{dist: exponential, mean: 1s}";
	const char *len = "duration: 2000s\nwarmup: 200s";
	/* rho 0.8: steady; all there is to say is that 1600 requests per
	 * replication are too few for an interval on p99.9 */
	assert_true(verdict(mm1(0.8, exp1, len), w, sizeof w));
	assert_string_equal(w, "latency_p999_s: fewer than 10 latencies beyond it per replication, "
			       "too few for an interval that holds; the interval is left out (NaN): run longer\n");
	/* rho 1.2: overloaded */
	assert_false(verdict(mm1(1.2, exp1, len), w, sizeof w));
	assert_non_null(strstr(w, "node 'q' is overloaded: offered 1.2/s against a capacity of 1/s"));
	/* and the runs show it too: the queue grows through the window.
	 * With 5 replications the t-test at 99.95 % (4 degrees of freedom,
	 * t = 8.6) sees it in 95 % of runs; with 10 (t = 4.8) in all */
	assert_false(verdict(mm1r(1.2, exp1, len, 10), w, sizeof w));
	assert_non_null(strstr(w, "requests in the system grew by"));
	/* rho 0.999: stable in theory, but a 2000 s run shows its start */
	assert_false(verdict(mm1(0.999, exp1, len), w, sizeof w));
	assert_non_null(strstr(w, "node 'q' runs at utilisation 0.999 and needs about 46.2 days to settle"));
	assert_non_null(strstr(w, "longer than the measured 2000 s"));
}

static void test_steady_heavy_tails_warn(void **state)
{
	char w[4096];
	const char *len = "duration: 2000s\nwarmup: 200s";
	/* Pareto with shape 2.5 at rho 0.5: waiting times of infinite
	 * variance; steady, but the mean's interval is not valid */
	assert_true(verdict(mm1(0.5, "{dist: pareto, shape: 2.5, mean: 1s}", len), w, sizeof w));
	assert_non_null(strstr(w, "node 'q': Pareto service with shape 2.5 has an infinite third moment"));
	/* shape 1.8: the mean waiting time itself is infinite; a warning,
	 * not a verdict on the steady state */
	assert_true(verdict(mm1(0.5, "{dist: pareto, shape: 1.8, mean: 1s}", len), w, sizeof w));
	assert_non_null(strstr(w, "has infinite variance, so waiting times have an infinite mean"));
	assert_null(strstr(w, "to settle"));
	/* lognormal tails are long but every moment is finite: no Pareto
	 * warning; but at cv 3 half of E[S^3] lies above 316 s, 1 demand in
	 * 370,000, of which a 1000-demand replication sees 0.0027: the
	 * skew warning, with the length that would see one (Q(3 sigma) =
	 * 2.7e-6 at sigma^2 = ln 10: 1 / (0.5 x 2.7e-6) s = 8.7 days) */
	assert_true(verdict(mm1(0.5, "{dist: lognormal, mean: 1s, cv: 3}", len), w, sizeof w));
	assert_null(strstr(w, "Pareto"));
	assert_non_null(strstr(w, "node 'q': its service demands are so skewed that half their third "
				  "moment, which sets how much waiting times spread, comes from demands "
				  "above 316 s, and a replication sees 0.0027 of those"));
	assert_non_null(strstr(w, "replications of 8.72 days or more would see one each"));
	/* cv 1 at the same length: 6.2 such demands per replication (its
	 * mean's interval held 93.8 % of 400 runs): no warning; nor for
	 * exponential service, 41 per replication at rho 0.8 */
	assert_true(verdict(mm1(0.5, "{dist: lognormal, mean: 1s, cv: 1}", len), w, sizeof w));
	assert_null(strstr(w, "skewed"));
	assert_true(verdict(mm1(0.8, "{dist: exponential, mean: 1s}", len), w, sizeof w));
	assert_null(strstr(w, "skewed"));
	/* a quiet node, 20 arrivals per replication at utilisation 0.01,
	 * sees 0.5 demands above x3 but hardly waits: no warning; at 0.2,
	 * 20 arrivals in 100 s (0.5 above x3), one */
	assert_true(verdict(mm1(0.01, "{dist: exponential, mean: 1s}", len), w, sizeof w));
	assert_null(strstr(w, "skewed"));
	assert_true(verdict(mm1(0.2, "{dist: exponential, mean: 1s}",
				"duration: 100s\nwarmup: 20s"), w, sizeof w));
	assert_non_null(strstr(w, "skewed"));
	/* a Pareto of shape 3.5 at 500 s: 250 demands, 0.78 % of them above
	 * x3 = 4 x the scale: 1.95 per replication, no warning; at 200 s,
	 * 0.78: one */
	assert_true(verdict(mm1(0.5, "{dist: pareto, shape: 3.5, mean: 1s}",
				"duration: 500s\nwarmup: 100s"), w, sizeof w));
	assert_null(strstr(w, "skewed"));
	assert_true(verdict(mm1(0.5, "{dist: pareto, shape: 3.5, mean: 1s}",
				"duration: 200s\nwarmup: 100s"), w, sizeof w));
	assert_non_null(strstr(w, "a replication sees 0.78 of those"));
}

static void test_steady_flows_follow_routes_and_calls(void **state)
{
	/* a sends all to b, which sends a fifth back: each request visits
	 * a and b 1.25 times; c is called by b with p 0.5, and b's workers
	 * wait for it */
	struct sweep *set = simtest_load(
		"duration: 10000s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.4/s}, target: a}\n"
		"nodes:\n"
		"  a: {type: service, service: {dist: exponential, mean: 1s}, next: [{to: b, p: 1}]}\n"
		"  b: {type: service, workers: 2, service: {dist: exponential, mean: 4s},\n"
		"      next: [{to: a, p: 0.2}], calls: [{to: c, p: 0.5}]}\n"
		"  c: {type: service, service: {dist: exponential, mean: 2s}}\n");
	struct steady_check chk;
	assert_int_equal(steady_analyze(set->points[0], &chk), 0);
	/* lambda = 0.5/s at a and b, 0.25/s at c: rho 0.5 at a and c; b's
	 * workers are held 4 s and at least half of c's 2 s, so rho =
	 * 0.5 x 5 / 2 workers = 1.25 */
	assert_int_equal(chk.nnotes, 1);
	assert_int_equal(chk.notes[0].what, STEADY_OVERLOAD);
	assert_int_equal(chk.notes[0].node, 1);
	assert_true(fabs(chk.notes[0].lambda - 0.5) < 1e-9);
	assert_true(fabs(chk.notes[0].rho - 1.25) < 1e-9);
	assert_true(chk.unsteady);
	steady_free(&chk);
	sweep_free(set);

	/* a closed loop offers a bounded load: nothing to check */
	set = simtest_load(
		"duration: 1000s\n"
		"workloads:\n  u: {arrival: {process: closed, users: 100}, target: q}\n"
		"nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n");
	assert_int_equal(steady_analyze(set->points[0], &chk), 0);
	assert_int_equal(chk.nnotes, 0);
	steady_free(&chk);
	sweep_free(set);
}

static void test_steady_counts_calls_and_scale(void **state)
{
	char w[4096];
	/* web's own work is 0.5 s at 1/s, but each request holds its one
	 * worker through a 0.6 s call: 1.1 s per second, overloaded, although
	 * its own work alone would be utilisation 0.5 */
	assert_false(verdict(
		"seed: 4\nduration: 2000s\nwarmup: 200s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
		"nodes:\n"
		"  web: {type: service, service: {dist: exponential, mean: 0.5s}, calls: [{to: db}]}\n"
		"  db: {type: service, workers: 1000, service: 0.6s}\n", w, sizeof w));
	assert_non_null(strstr(w, "node 'web' is overloaded: offered 1/s against a capacity of 0.909"));
	/* one replica at 150/s against 100/s is overloaded; scaled to three
	 * from the start it is not (the replicas in effect count) */
	const char *one =
		"seed: 5\nduration: 200s\nwarmup: 20s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 150/s}, target: web}\n"
		"nodes:\n  web: {type: service, service: {dist: exponential, mean: 10ms}}\n";
	assert_false(verdict(one, w, sizeof w));
	assert_non_null(strstr(w, "node 'web' is overloaded"));
	char three[1024];
	snprintf(three, sizeof three, "%s%s", one,
		 "timeline: [{at: 0s, node: web, do: scale, replicas: 3}]\n");
	/* replicas: 1 but the scale raises them to 3 from the start */
	assert_true(verdict(three, w, sizeof w));
	assert_null(strstr(w, "overloaded"));
}

static void test_steady_runs_catch_what_the_scenario_hides(void **state)
{
	/* a load that climbs through the run from 0.3/s to 1.5/s: on
	 * average 0.955 of the capacity, a stable node to the scenario's
	 * check (it warns only of a warm-up too short), but the second half
	 * of the window is overloaded and the queue grows: the runs see it
	 * (with 10 replications, as at rho 1.2 in test_steady_mm1_verdicts,
	 * where 5 see it in only 95 % of seeds) */
	char w[4096];
	const char *ramp =
		"seed: 4\nduration: 2000s\nwarmup: 200s\nreplications: 10\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 0.3/s}, {at: 2200s, rate: %s/s}]\n"
		"    target: q\n"
		"nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n";
	char y[1024];
	snprintf(y, sizeof y, ramp, "1.5");
	assert_false(verdict(y, w, sizeof w));
	assert_null(strstr(w, "overloaded"));
	assert_null(strstr(w, "longer than the measured"));
	assert_non_null(strstr(w, "requests in the system grew by"));
	/* the control: the same runs of a load that holds still, 0.7/s (a
	 * climb that stays below capacity, to 1.0/s, is no steady state
	 * either: its latency rises, and the runs say so) */
	snprintf(y, sizeof y, ramp, "1.0");
	assert_false(verdict(y, w, sizeof w));
	assert_non_null(strstr(w, "mean latency rose by"));
	snprintf(y, sizeof y,
		 "seed: 4\nduration: 2000s\nwarmup: 200s\nreplications: 10\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: 0.7/s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n");
	assert_true(verdict(y, w, sizeof w));
	assert_null(strstr(w, "grew"));
	assert_null(strstr(w, "rose"));
}

/* MSER-5 on made-up series: a transient that decays over the first 100
 * windows is cut near its end; a stationary series is hardly cut; a
 * series of fewer than 4 batches is not cut at all.  The noise comes
 * from GSL's generator, seeded, so the outcome is fixed. */
static void test_steady_mser5_finds_the_transient(void **state)
{
	enum { N = 1000 };
	double sum[N], count[N];
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 7);
	for (int i = 0; i < N; i++) {
		double level = i < 100 ? 1 + 9 * (100 - i) / 100.0 : 1;
		count[i] = 20;
		sum[i] = 20 * (level + 0.3 * gsl_ran_gaussian(g, 1));
	}
	size_t cut = steady_mser5(sum, count, N);
	print_message("    transient over 100 windows: cut %zu\n", cut);
	/* the batch of windows 90-94 lies 0.72 above the level, 5.4 times
	 * a batch mean's sd (0.3 / sqrt 5): it is always cut */
	assert_true(cut >= 95 && cut <= 150 && cut % 5 == 0);
	for (int i = 0; i < N; i++)
		sum[i] = 20 * (1 + 0.3 * gsl_ran_gaussian(g, 1));
	cut = steady_mser5(sum, count, N);
	print_message("    stationary: cut %zu\n", cut);
	assert_true(cut <= N / 10);
	/* empty windows count for nothing; too few batches: no cut */
	for (int i = 0; i < 300; i++)
		count[i] = sum[i] = 0;
	cut = steady_mser5(sum, count, N);
	assert_true(cut >= 300 && cut <= 400);
	/* a steep fall, no noise: batch means 9.1, 6.85, 4.6 and 2.35.
	 * MSER's statistic (sum of squares over (n - d)^2) is 1.58 at
	 * d = 0, 1.13 at 1 and 0.63 at 2, the most it may cut (half the
	 * batches): 10 windows.  One window fewer leaves 3 batches, too
	 * few to cut at all. */
	for (int i = 0; i < 20; i++) {
		count[i] = 20;
		sum[i] = 20 * (10 - 0.45 * i);
	}
	assert_int_equal(steady_mser5(sum, count, 20), 10);
	assert_int_equal(steady_mser5(sum, count, 19), 0);
	gsl_rng_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_mm1_verdicts),
		cmocka_unit_test(test_steady_heavy_tails_warn),
		cmocka_unit_test(test_steady_flows_follow_routes_and_calls),
		cmocka_unit_test(test_steady_counts_calls_and_scale),
		cmocka_unit_test(test_steady_runs_catch_what_the_scenario_hides),
		cmocka_unit_test(test_steady_mser5_finds_the_transient),
	};
	return cmocka_run_group_tests_name("steady", tests, NULL, NULL);
}
