/*
 * test_coverage.c - do the 95 % intervals hold the truth 95 % of the time?
 *
 * A long run inside a wide interval says little about an interval: it is
 * honest only if it holds the true value about 95 % of the time at the run
 * lengths and replication counts people use.  These tests run many
 * independent M/M/1 scenarios (each its own seed) whose exact answers are
 * known - at lambda 0.8/s and mean service 1 s the sojourn time is
 * exponential with rate 0.2: mean 5 s, p50 5 ln 2, p99 5 ln 100 - and
 * count how often summary.csv's intervals, as the report computes them,
 * hold the exact value.
 *
 * How many runs, and the bound: with coverage c over N runs, the share
 * that holds has standard error sqrt(c (1 - c) / N).  A t-interval over 5
 * skewed replication means covers about 92.6 % at 2000 s (docs/
 * STATISTICS.md), so that length would leave a correct report failing
 * a 92 % floor one time in three; at 4000 s runs (200 s warm-up) the
 * expected coverage is about 94 % and with 1000 runs a correct report
 * fails the floor with probability below 1 %.  With 50 replications the
 * p99 interval covers about 93 % at 2000 s and more at longer runs, so
 * those runs last 8000 s, 400 of them.  The runs are seeded, so the
 * outcome is fixed; what these bounds buy is that a correct engine and
 * report do not sit on the edge.
 *
 * Each check is shown able to fail on the same runs: for the mean, p50
 * and p99 (and p99.9 under make validate) a value moved off the truth (by
 * 25 % with 5 replications, whose intervals are wide, by 10 % with 50)
 * falls below the floor, so an interval too wide to mean anything would
 * not pass; and for p99 so does the estimator this project used before
 * (the mean of the replications' own percentiles with a t-interval).
 *
 * `make validate` (ARCHSIM_VALIDATE=full) adds rho 0.95 and p99.9, at the
 * run lengths they need.
 *
 * Run-length control (`precision:`) stops a point at the first
 * replication whose interval meets its target, which could favour
 * intervals narrow by chance; the last test measures its coverage at rho
 * 0.5 (and 0.9 under make validate).
 */
#include "tests/simtest.h"
#include "tests/chetest.h"
#include "tests/csvtest.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/interval.h"
#include "app/outputs.h"
#include "app/report.h"
#include "app/runner.h"
#include "sim/keys.h"
#include "sim/stats.h"

#define FLOOR 0.92

struct tally {
	size_t runs;
	size_t given[METRIC_COUNT];         /* runs with an interval (not NaN) */
	size_t held[METRIC_COUNT];          /* the report's interval */
	size_t held_old[METRIC_COUNT];      /* the old estimator's, percentiles */
	size_t held_moved[METRIC_COUNT];    /* the report's, holding a value moved
					 * off the truth (moved x truth) */
};

/* coverage runs `runs` seeds of an M/M/1 at rho with nreps replications of
 * duration_s after warmup_s, and tallies which intervals hold the truth. */
static void coverage(double rho, double duration_s, double warmup_s, uint32_t nreps,
		     size_t runs, double moved, struct tally *t)
{
	double r = 1 - rho;
	double truth[METRIC_COUNT] = {
		[METRIC_LATENCY_MEAN] = 1 / r, [METRIC_P50] = log(2) / r, [METRIC_P90] = log(10) / r,
		[METRIC_P99] = log(100) / r, [METRIC_P999] = log(1000) / r, [METRIC_THROUGHPUT] = rho,
	};
	char y[1024];
	snprintf(y, sizeof y,
		 "duration: %gs\nwarmup: %gs\nreplications: %u\nwindow: 1h\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: %g/s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n",
		 duration_s, warmup_s, nreps, rho);
	memset(t, 0, sizeof *t);
	for (size_t k = 0; k < runs; k++) {
		char seed[32];
		snprintf(seed, sizeof seed, "%zu", 1000 + k);
		struct sc_override ov[] = { { "seed", seed } };
		struct sweep *set = simtest_load_with(y, ov, 1);
		struct sim_err err = { 0 };
		const struct scenario *sc = set->points[0];
		struct report rep;
		struct rep_result res;
		double own_p[METRIC_COUNT][256];
		assert_true(nreps <= 256);
		assert_int_equal(report_init(&rep, set, "t"), 0);
		assert_int_equal(rep_result_init(&res, sc), 0);
		for (uint32_t i = 0; i < nreps; i++) {
			assert_int_equal(sim_run(sc, i, &res, NULL, &err), 0);
			assert_int_equal(report_fold(&rep, 0, i, &res), 0);
			const struct hist *h = &res.scopes[0].latency;
			own_p[METRIC_LATENCY_MEAN][i] = h->total ? hist_mean(h) * 1e-9 : NAN;
			for (int m = METRIC_P50; m <= METRIC_P999; m++) {
				static const double q[METRIC_COUNT] = {
					[METRIC_P50] = 0.5, [METRIC_P90] = 0.9, [METRIC_P99] = 0.99,
					[METRIC_P999] = 0.999,
				};
				own_p[m][i] = h->total ? hist_quantile(h, q[m]) * 1e-9 : NAN;
			}
		}
		rep_result_fini(&res);
		assert_int_equal(report_point_done(&rep, 0), 0);
		struct report_summary pts = simtest_summary(&rep, 0), *pt = &pts;
		t->runs++;
		for (int m = 0; m < METRIC_COUNT; m++) {
			if (!(truth[m] > 0) || isnan(pt->lo[m]))
				continue;
			t->given[m]++;
			t->held[m] += pt->lo[m] <= truth[m] && truth[m] <= pt->hi[m];
			t->held_moved[m] += pt->lo[m] <= moved * truth[m] &&
					    moved * truth[m] <= pt->hi[m];
		}
		for (int m = METRIC_LATENCY_MEAN; m <= METRIC_P999; m++) {
			double mean, half;
			stats_ci95(own_p[m], nreps, &mean, &half);
			t->held_old[m] += fabs(mean - truth[m]) <= half;
		}
		report_fini(&rep);
		sweep_free(set);
	}
	print_message("    rho %.2f, %g s (%g s warm-up), %u replications, %zu runs; coverage of"
		      " mean, p50, p90, p99, p99.9 (of the runs with an interval: %zu for p99.9):\n"
		      "      archsim      %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%% (throughput %.1f%%)\n"
		      "      old method   %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%%\n"
		      "      truth x %g: %5.1f%% %5.1f%%        %5.1f%% %5.1f%%\n",
		      rho, duration_s, warmup_s, nreps, t->runs, t->given[METRIC_P999],
		      100.0 * t->held[METRIC_LATENCY_MEAN] / runs, 100.0 * t->held[METRIC_P50] / runs,
		      100.0 * t->held[METRIC_P90] / runs, 100.0 * t->held[METRIC_P99] / runs,
		      t->given[METRIC_P999] ? 100.0 * t->held[METRIC_P999] / t->given[METRIC_P999] : NAN,
		      100.0 * t->held[METRIC_THROUGHPUT] / runs,
		      100.0 * t->held_old[METRIC_LATENCY_MEAN] / runs, 100.0 * t->held_old[METRIC_P50] / runs,
		      100.0 * t->held_old[METRIC_P90] / runs, 100.0 * t->held_old[METRIC_P99] / runs,
		      100.0 * t->held_old[METRIC_P999] / runs, moved,
		      100.0 * t->held_moved[METRIC_LATENCY_MEAN] / runs,
		      100.0 * t->held_moved[METRIC_P50] / runs, 100.0 * t->held_moved[METRIC_P99] / runs,
		      t->given[METRIC_P999] ? 100.0 * t->held_moved[METRIC_P999] / t->given[METRIC_P999] : NAN);
}

static double share(size_t held, size_t runs)
{
	return (double)held / (double)runs;
}

/* expect_cover: the intervals of metric m hold the truth in at least
 * `floor` of the runs, and the same check fails for a value moved off it
 * (so an interval too wide to mean anything would not pass). */
static void expect_cover(const struct tally *t, int m, double floor)
{
	assert_true(share(t->held[m], t->given[m]) >= floor);
	assert_true(share(t->held_moved[m], t->given[m]) < floor);
}

static void test_coverage_mm1_5_replications(void **state)
{
	struct tally t;
	coverage(0.8, 4000, 200, 5, 1000, 1.25, &t);
	expect_cover(&t, METRIC_LATENCY_MEAN, FLOOR);
	expect_cover(&t, METRIC_P50, FLOOR);
	expect_cover(&t, METRIC_P99, FLOOR);
	/* the same check fails the old estimator's p99 on the same runs */
	assert_true(share(t.held_old[METRIC_P99], t.runs) < FLOOR);
	/* 3200 requests per replication: 3 latencies beyond p99.9, too few
	 * for an interval that holds (it would cover about 71 %): none is
	 * given, and the old method's, given, covers a third of the time */
	assert_int_equal(t.given[METRIC_P999], 0);
	assert_true(share(t.held_old[METRIC_P999], t.runs) < 0.5);
}

static void test_coverage_mm1_50_replications(void **state)
{
	/* more replications must not make the tail less honest: the old
	 * estimator's p99 interval shrank around a biased value.  With 400
	 * runs a coverage of 94 % has a standard error of 1.2 points: a
	 * correct report passes the floor but one time in 20 seed sets */
	struct tally t;
	coverage(0.8, 8000, 400, 50, 400, 1.1, &t);
	expect_cover(&t, METRIC_LATENCY_MEAN, FLOOR);
	expect_cover(&t, METRIC_P50, FLOOR);
	expect_cover(&t, METRIC_P99, FLOOR);
	assert_true(share(t.held_old[METRIC_P99], t.runs) < FLOOR);
}

static void test_coverage_heavier_load_and_p999(void **state)
{
	if (!simtest_full())
		skip();       /* rho 0.95 and p99.9: make validate */
	/* 300 runs: a coverage of 94 % has a standard error of 1.4 points,
	 * so the floor here is 90 %, three of them below */
	const double floor = FLOOR - 0.02;
	struct tally t;
	/* rho 0.95 needs long runs: 50000 s (docs/STATISTICS.md) */
	coverage(0.95, 50000, 5000, 5, 300, 1.25, &t);
	expect_cover(&t, METRIC_LATENCY_MEAN, floor);
	expect_cover(&t, METRIC_P99, floor);
	/* p99.9 at rho 0.95 has 47 latencies beyond it per replication
	 * but in few bursts: 0.001 x 50000 s / a settling time of 1520 s =
	 * 0.033 (report.c's TS_MIN_STRETCH asks 0.15): no interval, where
	 * one would hold 68 %.  At rho 0.8 p99.9 needs about 20000 s (0.25):
	 * then every run has its interval, and it holds */
	assert_int_equal(t.given[METRIC_P999], 0);
	coverage(0.8, 20000, 2000, 5, 300, 1.25, &t);
	assert_int_equal(t.given[METRIC_P999], t.runs);
	expect_cover(&t, METRIC_P999, floor);
}

/* At rho 0.5 and 0.9, with 5 replications each long against the time an
 * M/M/1 takes to forget its state (4 / (1 - rho)^2 mean services: 16 s
 * and 400 s), the mean's and p99's intervals hold the truth; a value
 * off it (by 10 %, and 25 % at rho 0.9) is held far less often. */
static void test_coverage_rho_05_and_09(void **state)
{
	/* 500 runs: a coverage of 94 % has a standard error of 1.1 points;
	 * the floor stays 92 %, as for the 1000 runs above */
	struct tally t;
	coverage(0.5, 4000, 200, 5, 500, 1.1, &t);
	/* every run has both intervals: coverage is over all of them */
	assert_int_equal(t.given[METRIC_LATENCY_MEAN], t.runs);
	assert_int_equal(t.given[METRIC_P99], t.runs);
	expect_cover(&t, METRIC_LATENCY_MEAN, FLOOR);
	expect_cover(&t, METRIC_P99, FLOOR);
	/* at rho 0.9 the intervals are wider: moved by 25 % */
	coverage(0.9, 20000, 2000, 5, 300, 1.25, &t);
	assert_int_equal(t.given[METRIC_LATENCY_MEAN], t.runs);
	assert_int_equal(t.given[METRIC_P99], t.runs);
	expect_cover(&t, METRIC_LATENCY_MEAN, FLOOR - 0.02);
	expect_cover(&t, METRIC_P99, FLOOR - 0.02);
	/* p99.9 is not checked: see docs/STATISTICS.md, "rho 0.5 and 0.9" */
}

/* seeded_run loads scenario text y with `seed` set, and runs it through
 * rep as archsim run does (warmup: auto's pilots first), writing the
 * files to dir (NULL: none); the caller commits (with dir), finis rep and
 * frees the sweep. */
static struct sweep *seeded_run(const char *y, size_t seed, struct report *rep, const char *dir)
{
	char text[32];
	snprintf(text, sizeof text, "%zu", seed);
	struct sc_override ov[] = { { "seed", text } };
	struct sweep *set = simtest_load_with(y, ov, 1);
	struct sim_err err = { 0 };
	assert_int_equal(runner_warmups(set, 1, NULL, &err), 0);
	assert_int_equal(report_init(rep, set, "t"), 0);
	if (dir)
		assert_int_equal(report_open(rep, dir, &err), 0);
	assert_int_equal(runner_run(set, rep, NULL, &err), 0);
	return set;
}

/* seq_coverage runs `runs` seeds of an M/M/1 at rho under run-length
 * control (`precision:` on metric m, relative target rel, first `first`
 * replications, at most 200) and tallies how often the final intervals
 * of the mean and p99 hold the truth; *reps_mean is the mean number of
 * replications run. */
static void seq_coverage(double rho, double duration_s, double warmup_s, uint32_t first,
			 int m, double rel, size_t runs, struct tally *t, double *reps_mean,
			 size_t *met_out)
{
	double r = 1 - rho;
	double truth[METRIC_COUNT] = { [METRIC_LATENCY_MEAN] = 1 / r, [METRIC_P99] = log(100) / r };
	char y[1024];
	snprintf(y, sizeof y,
		 "duration: %gs\nwarmup: %gs\nreplications: %u\nwindow: 1h\n"
		 "precision: {metric: %s, relative: %g, max_replications: 200}\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: %g/s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n",
		 duration_s, warmup_s, first, metric_name(m), rel, rho);
	memset(t, 0, sizeof *t);
	double reps = 0;
	size_t met = 0;
	for (size_t k = 0; k < runs; k++) {
		struct report rep;
		struct sweep *set = seeded_run(y, 5000 + k, &rep, NULL);
		struct report_summary pts = simtest_summary(&rep, 0), *pt = &pts;
		t->runs++;
		reps += pt->replications;
		met += pt->precision == 1;
		for (int q = 0; q < METRIC_COUNT; q++) {
			if (!(truth[q] > 0) || isnan(pt->lo[q]))
				continue;
			t->given[q]++;
			t->held[q] += pt->lo[q] <= truth[q] && truth[q] <= pt->hi[q];
			t->held_moved[q] += pt->lo[q] <= 1.1 * truth[q] && 1.1 * truth[q] <= pt->hi[q];
		}
		report_fini(&rep);
		sweep_free(set);
	}
	*reps_mean = reps / (double)runs;
	*met_out = met;
	print_message("    rho %.2f, %g s (%g s warm-up), %u replications first, %s within %g%%:"
		      " %.1f replications on average, target met in %zu of %zu runs;\n"
		      "      coverage of the mean %5.1f%%, of p99 %5.1f%% (of %zu runs with an interval);"
		      " truth x 1.1: %5.1f%%, %5.1f%%\n",
		      rho, duration_s, warmup_s, first, metric_name(m), 100 * rel, *reps_mean,
		      met, runs, 100 * share(t->held[METRIC_LATENCY_MEAN], t->given[METRIC_LATENCY_MEAN]),
		      100 * share(t->held[METRIC_P99], t->given[METRIC_P99]), t->given[METRIC_P99],
		      100 * share(t->held_moved[METRIC_LATENCY_MEAN], t->given[METRIC_LATENCY_MEAN]),
		      100 * share(t->held_moved[METRIC_P99], t->given[METRIC_P99]));
}

/* Run-length control stops a point when its interval first looks narrow
 * enough, which favours intervals that came out narrow by chance: the
 * sequential procedure's coverage, at rho 0.5 (and 0.9 under make
 * validate), for targets on the mean and on p99. */
static void test_coverage_under_precision(void **state)
{
	struct tally t;
	double reps;
	/* 300 runs: the floor is 90 %, as for rho 0.95 above */
	const double floor = FLOOR - 0.02;
	size_t met;
	/* the rule ends every run (none reaches 200 replications), so the
	 * coverage is the sequential procedure's */
	seq_coverage(0.5, 4000, 100, 5, METRIC_P99, 0.05, 300, &t, &reps, &met);
	assert_int_equal(met, t.runs);
	assert_int_equal(t.given[METRIC_P99], t.runs);
	expect_cover(&t, METRIC_P99, floor);
	expect_cover(&t, METRIC_LATENCY_MEAN, floor);
	assert_true(reps > 5 && reps < 200);
	seq_coverage(0.5, 4000, 100, 5, METRIC_LATENCY_MEAN, 0.02, 300, &t, &reps, &met);
	assert_int_equal(met, t.runs);
	expect_cover(&t, METRIC_LATENCY_MEAN, floor);
	if (simtest_full()) {
		seq_coverage(0.9, 20000, 1000, 5, METRIC_P99, 0.05, 300, &t, &reps, &met);
		expect_cover(&t, METRIC_P99, floor);
		expect_cover(&t, METRIC_LATENCY_MEAN, floor);
		seq_coverage(0.9, 20000, 1000, 5, METRIC_LATENCY_MEAN, 0.02, 300, &t, &reps, &met);
		expect_cover(&t, METRIC_LATENCY_MEAN, floor);
	}
}

/* ---- paired differences -------------------------------------------------
 *
 * Random against round robin over 4 exponential backends (mean 1 s) at
 * rho 0.8: under random each backend is an M/M/1 at 0.8/s; under round
 * robin it receives every fourth arrival, an E4/M/1, whose sojourn time is
 * exponential with rate 1 - sigma, sigma the root of sigma = (3.2 / (3.2
 * + 1 - sigma))^4 (GI/M/1, Kleinrock vol. 1, 6.4).  compare.csv's b - a,
 * round robin minus random, is then exactly 1 / (1 - sigma) - 5 for the
 * mean and ln 100 / (1 - sigma) - ln 100 / 0.2 = -7.979 s for p99. */

static double e4m1_sigma(void)
{
	double x = 0.5;
	for (int i = 0; i < 500; i++)
		x = pow(3.2 / (3.2 + 1 - x), 4);
	return x;
}

struct pair_tally {
	size_t runs, given[2], held[2], held_sec[2], held_own[2], held_moved[2];
	double half[2], half_sec[2];
};

/* pair_coverage runs `runs` seeds of the comparison with nreps
 * replications of duration_s after warmup_s, and counts how often
 * compare.csv's intervals of the mean's and p99's differences hold the
 * exact ones, and a p99 difference moved by `moved` seconds; and, on the
 * same runs, sectioning alone (the pooled difference with the own
 * differences' spread around it) and the interval this project gave
 * before (the pooled difference with a t-interval on the own p99s'
 * paired differences). */
static void pair_coverage(double duration_s, double warmup_s, uint32_t nreps, size_t runs,
			  double moved, struct pair_tally *t)
{
	double sigma = e4m1_sigma();
	const double truth[2] = { 1 / (1 - sigma) - 5, log(100) / (1 - sigma) - log(100) / 0.2 };
	const int ks[2] = { 0, 1 };     /* compare.csv's mean latency and p99 */
	assert_int_equal(outputs_cmp_metrics[1], METRIC_P99);
	char y[1024];
	snprintf(y, sizeof y,
		 "duration: %gs\nwarmup: %gs\nreplications: %u\nwindow: 1h\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: 3.2/s}, target: lb}\n"
		 "nodes:\n"
		 "  lb: {type: balancer, policy: random, backends: web}\n"
		 "  web: {type: service, replicas: 4, service: {dist: exponential, mean: 1s}}\n"
		 "sweep:\n  nodes.lb.policy: [random, round_robin]\n",
		 duration_s, warmup_s, nreps);
	memset(t, 0, sizeof *t);
	for (size_t run = 0; run < runs; run++) {
		struct report rep;
		struct sweep *set = seeded_run(y, 7000 + run, &rep, NULL);
		struct report_summary A, B;
		assert_int_equal(report_point_own(&rep, 0, &A), 0);
		assert_int_equal(report_point_own(&rep, 1, &B), 0);
		t->runs++;
		for (int j = 0; j < 2; j++) {
			struct interval_pair pr, sec;
			assert_int_equal(report_pair(&A, &B, ks[j], &pr), 0);
			if (isnan(pr.half))
				continue;
			t->given[j]++;
			t->held[j] += fabs(pr.diff - truth[j]) <= pr.half;
			t->held_moved[j] += fabs(pr.diff - (truth[j] + moved)) <= pr.half;
			t->half[j] += pr.half;
			/* sectioning alone: no inverse slopes */
			struct report_summary a1 = A, b1 = B;
			a1.p99_slope = b1.p99_slope = NAN;
			assert_int_equal(report_pair(&a1, &b1, ks[j], &sec), 0);
			t->held_sec[j] += fabs(sec.diff - truth[j]) <= sec.half;
			t->half_sec[j] += sec.half;
			/* before: the own values' paired t-interval */
			struct interval_pair own;
			size_t n = A.replications, k = (size_t)ks[j];
			assert_int_equal(interval_pair(A.own + k * n, n, B.own + k * n, n, &own), 0);
			t->held_own[j] += fabs(pr.diff - truth[j]) <= own.half;
		}
		free(A.own);
		free(B.own);
		report_fini(&rep);
		sweep_free(set);
	}
	print_message("    random against round robin, %u x %g s (%g s warm-up), %zu runs; coverage of the"
		      " paired differences (exact %.3f s and %.3f s):\n"
		      "      mean: archsim %5.1f%% (mean half-width %.3f s)\n"
		      "      p99:  archsim %5.1f%% (mean half-width %.3f s), sectioning alone %5.1f%%"
		      " (%.3f s), before %5.1f%%; moved by %g s: %5.1f%%\n",
		      nreps, duration_s, warmup_s, t->runs, truth[0], truth[1],
		      100 * share(t->held[0], t->given[0]), t->half[0] / (double)t->given[0],
		      100 * share(t->held[1], t->given[1]), t->half[1] / (double)t->given[1],
		      100 * share(t->held_sec[1], t->given[1]), t->half_sec[1] / (double)t->given[1],
		      100 * share(t->held_own[1], t->given[1]), moved,
		      100 * share(t->held_moved[1], t->given[1]));
}

/* compare.csv's paired p99 difference holds at any replication count:
 * 5 replications in make test, 50 and 200 under make validate, each
 * with a difference moved off the truth failing the same floor. */
static void test_coverage_paired_p99_difference(void **state)
{
	(void)state;
	struct pair_tally t;
	pair_coverage(2000, 200, 5, 300, 4, &t);
	assert_int_equal(t.given[1], t.runs);
	assert_true(share(t.held[0], t.runs) >= FLOOR);
	assert_true(share(t.held[1], t.runs) >= FLOOR);
	assert_true(share(t.held_moved[1], t.runs) < FLOOR);
	if (!simtest_full())
		return;
	/* warm-ups twice the settling estimate and more: with 100 s the
	 * mean's difference, its interval narrow at 200 replications, held
	 * 89 % for the empty start's bias (docs/STATISTICS.md) */
	pair_coverage(1000, 200, 50, 250, 1.5, &t);
	assert_true(share(t.held[0], t.runs) >= FLOOR - 0.02);
	assert_true(share(t.held[1], t.runs) >= FLOOR - 0.02);
	assert_true(share(t.held_moved[1], t.runs) < FLOOR - 0.02);
	pair_coverage(500, 250, 200, 200, 1, &t);
	assert_true(share(t.held[0], t.runs) >= FLOOR - 0.02);
	assert_true(share(t.held[1], t.runs) >= FLOOR - 0.02);
	assert_true(share(t.held_moved[1], t.runs) < FLOOR - 0.02);
}

/* ---- nodes.csv's intervals ----------------------------------------------
 *
 * Every mean and ratio in nodes.csv has a `_ci95`: a ratio's is the ratio
 * estimator's over the replications.  Two of them against references
 * that do not come from archsim:
 *
 *   - an LRU cache of 1000 entries under independent Zipf(0.8) requests
 *     over 10^4 keys: hit_ratio against Che's approximation (the
 *     characteristic time solved with GSL's Brent), which is within about
 *     0.001 of long runs at this size (test_cache.c), a sixth of the
 *     interval's half-width at these run lengths;
 *   - one key read at 1000/s and written at 20/s (Poisson), writes
 *     committing at once and reaching the replica after a constant lag
 *     L = 50 ms: a read is stale when a write committed in the last L,
 *     stale_ratio = 1 - exp(-w L) exactly. */

struct node_tally {
	size_t runs, given, held, held_moved;
	double half;
};

/* node_coverage runs `runs` seeds of yaml through the report, as archsim
 * run does, and counts how often nodes.csv's interval of node's column
 * on point 0 holds truth, and truth + moved. */
static void node_coverage(const char *yaml, const char *node, const char *col, double truth,
			  double moved, size_t runs, struct node_tally *t)
{
	char ci[64];
	snprintf(ci, sizeof ci, "%s_ci95", col);
	memset(t, 0, sizeof *t);
	for (size_t run = 0; run < runs; run++) {
		char dir[] = "/tmp/archsim-cover-XXXXXX";
		assert_non_null(mkdtemp(dir));
		struct report rep;
		struct sim_err err = { 0 };
		struct sweep *set = seeded_run(yaml, 9000 + run, &rep, dir);
		assert_int_equal(report_commit(&rep, &err), 0);
		report_fini(&rep);
		sweep_free(set);
		char path[128];
		snprintf(path, sizeof path, "%s/nodes.csv", dir);
		struct csvt c;
		csvt_load(&c, path);
		size_t r = csvt_find(&c, "node", node);
		double x = csvt_num(&c, r, col), h = csvt_num(&c, r, ci);
		csvt_free(&c);
		for (int i = 0; i < OUT_NFILES; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, outputs_files[i].name);
			unlink(path);
		}
		rmdir(dir);
		t->runs++;
		if (isnan(h))
			continue;
		t->given++;
		t->held += fabs(x - truth) <= h;
		t->held_moved += fabs(x - truth - moved) <= h;
		t->half += h;
	}
	print_message("    %s.%s, %zu runs: the 95 %% interval holds %.4f in %5.1f%% (mean half-width"
		      " %.4f); %.4f in %5.1f%%\n", node, col, t->runs, truth,
		      100 * share(t->held, t->given), t->half / (double)t->given, truth + moved,
		      100 * share(t->held_moved, t->given));
}

static void test_coverage_node_ratios(void **state)
{
	(void)state;
	size_t runs = simtest_full() ? 1000 : 300;
	struct keys k;
	assert_int_equal(keys_zipf(&k, 10000, 0.8, NULL), 0);
	double che = characteristic_hit(&k, 1000, 0);
	struct node_tally t;
	node_coverage("duration: 1s\nwarmup: 1s\nreplications: 5\n"
		      "workloads:\n  u: {arrival: {process: poisson, rate: 10000/s}, target: cache,\n"
		      "      keys: {dist: zipf, n: 10000, s: 0.8}}\n"
		      "nodes:\n"
		      "  cache: {type: cache, mode: read_through, capacity: 1000, backend: db}\n"
		      "  db: {type: service, workers: 1, service: {dist: constant, value: 0s}}\n",
		      "cache", "hit_ratio", che, 0.01, runs, &t);
	assert_int_equal(t.given, t.runs);
	assert_true(share(t.held, t.runs) >= FLOOR);
	assert_true(share(t.held_moved, t.runs) < FLOOR);
	node_coverage("duration: 10s\nwarmup: 1s\nreplications: 5\n"
		      "workloads:\n  u: {arrival: {process: poisson, rate: 1020/s}, target: db,\n"
		      "      mix: {read: 0.98039215686, write: 0.01960784314}}\n"
		      "nodes:\n"
		      "  db:\n    type: database\n"
		      "    primary: {workers: 1000, service: {dist: constant, value: 0s}}\n"
		      "    replicas: 1\n    lag: {dist: constant, value: 50ms}\n",
		      "db", "stale_ratio", -expm1(-20 * 0.05), 0.03, runs, &t);
	assert_int_equal(t.given, t.runs);
	assert_true(share(t.held, t.runs) >= FLOOR);
	assert_true(share(t.held_moved, t.runs) < FLOOR);
}

/* ---- skewed demands and warm-up ------------------------------------------
 *
 * An M/G/1 at rho 0.5 with lognormal service of mean 1 s: its mean
 * sojourn is 1 + 0.5 (1 + cv^2) / (2 x 0.5) s (Pollaczek-Khinchine).  At
 * cv 1 the replications see 6 demands each above x3, where half of E[S^3]
 * lies (dist_tail3): no warning, and the mean's interval holds.  At cv 3
 * they see 0.0027: every run warns, and the warning is needed, the
 * interval holding far less than 95 %. */
static void skew_coverage(double cv, size_t runs, size_t *held, size_t *warned)
{
	char y[1024];
	snprintf(y, sizeof y,
		 "duration: 2000s\nwarmup: 200s\nreplications: 5\nwindow: 1h\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: 0.5/s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: {dist: lognormal, mean: 1s, cv: %g}}\n", cv);
	double truth = 1 + 0.5 * (1 + cv * cv);
	*held = *warned = 0;
	for (size_t run = 0; run < runs; run++) {
		struct report rep;
		struct sweep *set = seeded_run(y, 11000 + run, &rep, NULL);
		struct report_summary pt = simtest_summary(&rep, 0);
		int m = METRIC_LATENCY_MEAN;
		*held += pt.lo[m] <= truth && truth <= pt.hi[m];
		for (size_t i = 0; i < rep.nwarnings; i++)
			if (strstr(rep.warnings[i], "service demands are so skewed")) {
				(*warned)++;
				break;
			}
		report_fini(&rep);
		sweep_free(set);
	}
	print_message("    lognormal cv %g, 5 x 2000 s at rho 0.5, %zu runs: the mean's interval holds"
		      " %.3f in %5.1f%%; %zu runs warned\n", cv, runs, truth,
		      100 * share(*held, runs), *warned);
}

static void test_coverage_skewed_demands(void **state)
{
	(void)state;
	if (!simtest_full())
		skip();       /* test_steady checks the warnings themselves */
	size_t held, warned;
	skew_coverage(1, 400, &held, &warned);
	assert_int_equal(warned, 0);
	assert_true(share(held, 400) >= FLOOR - 0.02);
	skew_coverage(3, 200, &held, &warned);
	assert_int_equal(warned, 200);
	assert_true(share(held, 200) < FLOOR - 0.02);
}

/* warmup: auto on an M/M/1 at rho 0.9, 10 x 2000 s: at least the settling
 * time, 360 s, where MSER-5 alone cut 10-55 s.  On the same seeds the
 * mean's interval holds more often than with a 30 s warm-up (two sets of
 * 300 seeds: 91.3 % and 89.7 %, against 87.7 % and 83.7 %; docs/
 * STATISTICS.md), and at least 87 %, two standard errors under their
 * 90.5 %. */
static void test_coverage_warmup_auto(void **state)
{
	(void)state;
	if (!simtest_full())
		skip();
	static const char *const warm[] = { "auto", "30s" };
	size_t held[2] = { 0, 0 }, runs = 300;
	for (int w = 0; w < 2; w++) {
		char y[1024];
		snprintf(y, sizeof y,
			 "duration: 2000s\nwarmup: %s\nreplications: 10\nwindow: 5s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 0.9/s}, target: q}\n"
			 "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n",
			 warm[w]);
		for (size_t run = 0; run < runs; run++) {
			struct report rep;
			struct sweep *set = seeded_run(y, 12000 + run, &rep, NULL);
			if (w == 0)
				assert_true(set->warmup_ns[0] >= 360 * (int64_t)1000000000);
			struct report_summary pt = simtest_summary(&rep, 0);
			int m = METRIC_LATENCY_MEAN;
			held[w] += pt.lo[m] <= 10 && 10 <= pt.hi[m];
			report_fini(&rep);
			sweep_free(set);
		}
	}
	print_message("    rho 0.9, 10 x 2000 s, %zu runs: the mean's interval holds 10 s in %5.1f%%"
		      " with warmup: auto, %5.1f%% with 30 s\n", runs, 100 * share(held[0], runs),
		      100 * share(held[1], runs));
	assert_true(held[0] > held[1]);
	assert_true(share(held[0], runs) >= FLOOR - 0.05);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage_mm1_5_replications),
		cmocka_unit_test(test_coverage_mm1_50_replications),
		cmocka_unit_test(test_coverage_heavier_load_and_p999),
		cmocka_unit_test(test_coverage_rho_05_and_09),
		cmocka_unit_test(test_coverage_under_precision),
		cmocka_unit_test(test_coverage_paired_p99_difference),
		cmocka_unit_test(test_coverage_node_ratios),
		cmocka_unit_test(test_coverage_skewed_demands),
		cmocka_unit_test(test_coverage_warmup_auto),
	};
	return cmocka_run_group_tests_name("coverage", tests, NULL, NULL);
}
