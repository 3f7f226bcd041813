/*
 * test_arrival.c - the arrival processes: constant, profile (ramp and
 * periodic), the bursty MMPP, and trace replay.  Counts of Poisson
 * arrivals are checked within five standard deviations of their expected
 * value, exact ones exactly; the MMPP's mean and variance of counts
 * against their closed forms within the replications' own 99.9 %
 * intervals.
 */
#include "tests/simtest.h"

#include <math.h>

#include "sim/rng.h"

/* poisson_ok: count is within 5 standard deviations of a Poisson mean. */
static int poisson_ok(double count, double mean)
{
	return fabs(count - mean) <= 5 * sqrt(mean);
}

static void test_arrival_constant_arrivals_are_exact(void **state)
{
	double n, ok, min_ns, max_ns, util, wait, duration;
	simtest_reps(
		"duration: 100s\nwarmup: 10s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: {dist: constant, value: 50ms}}\n",
		1, { "@arrivals", &n }, { "@ok", &ok }, { "@latency_min_ns", &min_ns },
		{ "@latency_max_ns", &max_ns }, { "w.utilization", &util }, { "w.wait_mean_s", &wait },
		{ "@duration_s", &duration });
	/* arrivals at 0.1 s, 0.2 s, ...: exactly 1000 in [10 s, 110 s) */
	assert_int_equal(n, 1000);
	assert_int_equal(ok, 1000);
	/* no queueing: every latency is exactly the service time */
	assert_int_equal(min_ns, 50000000);
	assert_int_equal(max_ns, 50000000);
	assert_true(fabs(util - 0.5) < 1e-9);
	assert_true(wait == 0);
	assert_true(duration == 100);
}

static void test_arrival_profile_follows_the_rate(void **state)
{
	/* the rate climbs linearly from 0 to 200/s over 100 s, then holds:
	 * expected arrivals 10000 in the ramp, 20000 in the next 100 s */
	const char *y =
		"duration: %s\nwarmup: %s\nwindow: 100s\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 0/s}, {at: 100s, rate: 200/s}]\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, workers: 1000, service: 1ns}\n";
	char buf[1024];
	snprintf(buf, sizeof buf, y, "200s", "0s");
	double windows, first, second, n;
	simtest_reps(buf, 1, { "@windows", &windows }, { "@ok[0]", &first }, { "@ok[1]", &second });
	assert_int_equal(windows, 2);
	assert_true(poisson_ok(first, 10000));
	assert_true(poisson_ok(second, 20000));
	/* the first 50 s of the ramp hold a quarter of its arrivals */
	snprintf(buf, sizeof buf, y, "50s", "50s");
	simtest_reps(buf, 1, { "@arrivals", &n });
	assert_true(poisson_ok(n, 7500));
}

/* square_wave sums the served requests of the even windows into hi, of
 * the odd ones into lo, having checked that there are 40. */
static void square_wave(void *arg, const struct scenario *sc, uint32_t rep,
			const struct rep_result *r)
{
	double *hi = arg, *lo = hi + 1;
	assert_int_equal(r->nts, 40);
	for (size_t i = 0; i < r->nts; i++)
		*(i % 2 ? lo : hi) += r->ts[i].ended[REQ_OK];
}

static void test_arrival_periodic_profile_repeats(void **state)
{
	/* a square wave of period 20 s: 100/s for 10 s, 10/s for 10 s */
	double sums[2] = { 0, 0 };
	simtest_each(
		"duration: 400s\nwindow: 10s\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 100/s}, {at: 10s, rate: 100/s},\n"
		"               {at: 10.000001s, rate: 10/s}, {at: 19.999999s, rate: 10/s}]\n"
		"      period: 20s\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, workers: 1000, service: 1ns}\n",
		1, NULL, square_wave, sums);
	double hi = sums[0], lo = sums[1];
	/* the joins at 10 s and 20 s last 1 us and hold ~0 arrivals; the
	 * last 1 us of each period is a ramp from 10/s back to 100/s */
	assert_true(poisson_ok(hi, 20 * 1000));
	assert_true(poisson_ok(lo, 20 * 100));
}

static void test_arrival_profile_falls_silent_and_tiny_periods_end(void **state)
{
	/* a ramp down to 0/s: 50 arrivals expected in the first 10 s, none
	 * after */
	double in_first[20], arrivals[20];
	simtest_reps(
		"duration: 100s\nwindow: 10s\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 10/s}, {at: 10s, rate: 0/m}]\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, workers: 100, service: 1ns}\n",
		20, { "@ok[0]", in_first }, { "@arrivals", arrivals });
	uint64_t first = 0, total = 0;
	for (uint32_t rep = 0; rep < 20; rep++) {
		first += (uint64_t)in_first[rep];
		total += (uint64_t)arrivals[rep];
	}
	assert_true(poisson_ok(first, 20 * 50));
	assert_int_equal(total, first);

	/* a period of 1 us against a rate of one arrival per 100 hours: the
	 * next arrival is found by skipping periods, not by walking them */
	double n;
	simtest_reps(
		"duration: 1000h\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 0.01/h}]\n      period: 1us\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, service: 1ms}\n",
		1, { "@arrivals", &n });
	assert_true(poisson_ok(n, 10));
}

/* A two-state MMPP: 100/s for 30 s on average, 1000/s for 10 s.  Leaving
 * rates r1 = 1/30, r2 = 1/10, r = r1 + r2; the mean rate is (l1 r2 +
 * l2 r1) / r = 325/s, and the count in a window of T seconds has variance
 * mean T + 2 (l1 - l2)^2 r1 r2 / r^3 (T - (1 - e^{-rT}) / r): about 3000
 * times a Poisson count's at T = 10 s. */
enum { MMPP_NREP = 10 };

/* window_counts puts the mean and variance of replication rep's counts
 * per window, of 1000 windows, into m[rep] and v[rep]. */
static void window_counts(void *arg, const struct scenario *sc, uint32_t rep,
			  const struct rep_result *res)
{
	double *m = arg, *v = m + MMPP_NREP, x[2000];
	assert_int_equal(res->nts, 1000);
	for (size_t i = 0; i < res->nts; i++)
		x[i] = (double)res->ts[i].ended[REQ_OK];
	m[rep] = gsl_stats_mean(x, 1, res->nts);
	v[rep] = gsl_stats_variance(x, 1, res->nts);
}

static void test_arrival_mmpp_counts(void **state)
{
	enum { NREP = MMPP_NREP };
	double mv[2 * NREP], *m = mv, *v = mv + NREP;
	simtest_each(
		"duration: 10000s\nwarmup: 0s\nwindow: 10s\nreplications: 10\n"
		"workloads:\n  u:\n    arrival:\n      process: mmpp\n"
		"      states: [{rate: 100/s, mean: 30s}, {rate: 1000/s, mean: 10s}]\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, workers: 100000, service: 1ns}\n",
		NREP, NULL, window_counts, mv);
	double l1 = 100, l2 = 1000, r1 = 1.0 / 30, r2 = 1.0 / 10, r = r1 + r2, T = 10;
	double mean_rate = (l1 * r2 + l2 * r1) / r;
	double var = mean_rate * T +
		     2 * (l1 - l2) * (l1 - l2) * r1 * r2 / (r * r * r) * (T - (1 - exp(-r * T)) / r);
	assert_true(simtest_within("arrivals per 10 s window", m, NREP, mean_rate * T));
	assert_false(simtest_within("  against the rates' plain mean", m, NREP, (l1 + l2) / 2 * T));
	assert_true(simtest_within("their variance", v, NREP, var));
	assert_false(simtest_within("  against a Poisson count's", v, NREP, mean_rate * T));
}

/* write_file puts text in a new file under dir and returns its path. */
static const char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

struct seen_keys {
	uint64_t keys[64];
	int writes[64];
	size_t n;
};

static void on_demand(void *arg, const struct request *req, uint32_t node, uint32_t unit,
		      int64_t demand_ns)
{
	struct seen_keys *sk = arg;
	(void)node, (void)unit, (void)demand_ns;
	if (sk->n < 64) {
		sk->keys[sk->n] = req->key;
		sk->writes[sk->n++] = req->write;
	}
}

/* A trace replays its times exactly, with its keys and kinds; loops;
 * thins and scales up within binomial bounds; and a trace out of order or
 * with a line that is not a time is refused at its own line. */
static void test_arrival_trace_replay(void **state)
{
	char dir[] = "/tmp/archsim-trace-XXXXXX";
	assert_non_null(mkdtemp(dir));
	write_file(dir, "t.csv", "time,key,kind\n0.5,7,read\n1.25,9,write\n\n2,abc,read\n");
	char y[2048];
	snprintf(y, sizeof y,
		 "duration: 10s\nwarmup: 0s\nreplications: 1\n"
		 "workloads:\n  u:\n    arrival: {process: trace, file: %s/t.csv}\n    target: w\n"
		 "    mix: {read: 0.5, write: 0.5}\n"
		 "nodes:\n  w: {type: service, workers: 10, service: {dist: constant, value: 100ms}}\n",
		 dir);
	struct seen_keys sk = { .n = 0 };
	struct sim_hooks hooks = { .demand = on_demand, .arg = &sk };
	double n, min_ns, max_ns;
	simtest_reps_hooked(y, 1, &hooks, { "@arrivals", &n }, { "@latency_min_ns", &min_ns },
			    { "@latency_max_ns", &max_ns });
	assert_int_equal(n, 3);
	assert_int_equal(sk.n, 3);
	assert_true(sk.keys[0] == 7 && sk.keys[1] == 9 && sk.keys[2] == rng_hash64("abc", 0));
	assert_true(!sk.writes[0] && sk.writes[1] && !sk.writes[2]);
	assert_int_equal(min_ns, 100000000);
	assert_int_equal(max_ns, 100000000);

	/* looped over 10 s: the trace lasts 2 s, so 5 passes of 3 (the
	 * arrival at 10 s falls at the end, outside) */
	snprintf(y, sizeof y,
		 "duration: 10s\nwarmup: 0s\nreplications: 1\n"
		 "workloads:\n  u:\n    arrival: {process: trace, file: %s/t.csv, loop: true}\n"
		 "    target: w\n"
		 "nodes:\n  w: {type: service, workers: 10, service: 1ms}\n", dir);
	simtest_reps(y, 1, { "@arrivals", &n });
	assert_int_equal(n, 14);

	/* 10,000 arrivals scaled by 0.3 (a binomial count, sd 46) and by
	 * 2.5 (2 each, and a third with probability 0.5: sd 50) */
	char *big = malloc(10001 * 16 + 16), *p = big;
	assert_non_null(big);
	for (int i = 0; i < 10000; i++)
		p += sprintf(p, "%.3f\n", i * 0.001);
	write_file(dir, "big.csv", big);
	free(big);
	static const double scales[] = { 0.3, 2.5 };
	for (int i = 0; i < 2; i++) {
		snprintf(y, sizeof y,
			 "duration: 20s\nwarmup: 0s\nreplications: 1\n"
			 "workloads:\n  u:\n    arrival: {process: trace, file: %s/big.csv, scale: %g}\n"
			 "    target: w\n"
			 "nodes:\n  w: {type: service, workers: 100, service: 1ms}\n", dir, scales[i]);
		simtest_reps(y, 1, { "@arrivals", &n });
		double want = 10000 * scales[i];
		double sd = sqrt(10000 * (scales[i] - floor(scales[i])) *
				 (1 - (scales[i] - floor(scales[i]))));
		print_message("    scale %g: %g arrivals (expected %g, sd %.0f)\n", scales[i], n, want, sd);
		assert_true(fabs(n - want) <= 5 * sd);
		assert_false(fabs(n - 10000) <= 5 * sd);
	}

	/* refused at the trace's own line */
	static const char *const bad[][2] = {
		{ "time\n1.0\n0.5\n", "bad.csv:3:1: time 0.5 is before the line above's (1)" },
		{ "time,key\n0.1,7\nsoon,8\n", "bad.csv:3:1: 'soon' is not a time in seconds" },
		{ "time\n-1\n", "bad.csv:2:1: time -1 is negative" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(dir, "bad.csv", bad[i][0]);
		snprintf(y, sizeof y,
			 "duration: 10s\n"
			 "workloads:\n  u:\n    arrival: {process: trace, file: %s/bad.csv}\n"
			 "    target: w\n"
			 "nodes:\n  w: {type: service, service: 1ms}\n", dir);
		struct sweep *none = NULL;
		struct sim_err err = { 0 };
		assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml", y, NULL, 0, &none, &err), SIM_EINVAL);
		print_message("    %s\n", err.msg);
		assert_non_null(strstr(err.msg, bad[i][1]));
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* `scale` multiplies an open process's rates, and the scenario's
 * load_scale multiplies them again: constant arrivals at 10/s make
 * exactly 1000 in 100 s, 1500 with scale 1.5, 3000 with load_scale 2 on
 * top; a profile and an MMPP of mean 10/s, scaled by 3, make a Poisson
 * count of mean 3000 (within 4 sd), not 1000. */
static void test_arrival_scale_and_load_scale(void **state)
{
	(void)state;
	const char *procs[] = {
		"{process: constant, rate: 10/s%s}",
		"{process: profile, points: [{at: 0s, rate: 10/s}]%s}",
		"{process: mmpp, states: [{rate: 5/s, mean: 1s}, {rate: 15/s, mean: 1s}]%s}",
	};
	const char *scales[][2] = { { "", "" }, { ", scale: 1.5", "" }, { ", scale: 1.5", "load_scale: 2\n" },
				    { ", scale: 3", "" } };
	for (int p = 0; p < 3; p++)
		for (int k = 0; k < 4; k++) {
			if (p == 0 && k == 3)
				continue;
			if (p > 0 && k != 3)
				continue;
			char arr[256], y[1024];
			double n;
			snprintf(arr, sizeof arr, procs[p], scales[k][0]);
			snprintf(y, sizeof y,
				 "duration: 100s\nwarmup: 10s\n%s"
				 "workloads:\n  u: {arrival: %s, target: w}\n"
				 "nodes:\n  w: {type: service, workers: 100, service: {dist: constant, value: 1ms}}\n",
				 scales[k][1], arr);
			simtest_reps(y, 1, { "@arrivals", &n });
			print_message("    %s %s: %g arrivals\n", arr, scales[k][1], n);
			if (p == 0) {
				const double want[] = { 1000, 1500, 3000 };
				assert_true(n == want[k]);
			} else {
				/* the MMPP's count varies more than a Poisson's: two
				 * states at 15 and 45/s, each left at rate 1/s, give a
				 * long-run index of dispersion 1 + 2 (45 - 15)^2 /
				 * (2^2 (15 + 45)) = 8.5 */
				double sd = sqrt((p == 2 ? 8.5 : 1) * 3000.0);
				assert_true(fabs(n - 3000) < 4 * sd);
				assert_false(fabs(n - 1000) < 4 * sd);
			}
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arrival_constant_arrivals_are_exact),
		cmocka_unit_test(test_arrival_profile_follows_the_rate),
		cmocka_unit_test(test_arrival_periodic_profile_repeats),
		cmocka_unit_test(test_arrival_profile_falls_silent_and_tiny_periods_end),
		cmocka_unit_test(test_arrival_mmpp_counts),
		cmocka_unit_test(test_arrival_trace_replay),
		cmocka_unit_test(test_arrival_scale_and_load_scale),
	};
	return cmocka_run_group_tests_name("arrival", tests, NULL, NULL);
}
