/*
 * test_check.c - the checker of one value at a time (sim/check.h): units,
 * durations, rates, sizes and bandwidths parsed alone; durations, rates, integers, numbers
 * and names as a scenario gives them, each refused with its exact message
 * and location; the forms a distribution may take, and the mistakes in
 * them.
 */
#include "tests/loadtest.h"

#include "sim/check.h"

#define BASE LOADTEST_BASE

static void test_check_parses_durations_and_rates(void **state)
{
	static const struct { const char *s; int64_t ns; } d[] = {
		{ "1ns", 1 }, { "1.5us", 1500 }, { "250ms", 250000000 },
		{ "2s", 2000000000LL }, { "1.5m", 90000000000LL },
		{ "1h", 3600000000000LL }, { "0", 0 }, { "1e3ms", 1000000000LL },
		{ "2 s", 2000000000LL },
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		int64_t v = -1;
		assert_int_equal(check_parse_duration(d[i].s, &v), 0);
		assert_int_equal(v, d[i].ns);
	}
	static const char *const bad_d[] = {
		"5", "5 sec", "-1s", "s", "", "1e400s", "inf s", "nan s", "1s2",
		"100000000h",
	};
	for (size_t i = 0; i < sizeof bad_d / sizeof bad_d[0]; i++) {
		int64_t v;
		if (check_parse_duration(bad_d[i], &v) == 0)
			fail_msg("'%s' parsed as a duration", bad_d[i]);
	}
	static const struct { const char *s; double r; } r[] = {
		{ "5/s", 5 }, { "120/m", 2 }, { "7200/h", 2 }, { "0.5 / s", 0.5 },
	};
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		double v = -1;
		assert_int_equal(check_parse_rate(r[i].s, &v), 0);
		assert_true(v == r[i].r);
	}
	static const char *const bad_r[] = { "5", "5/d", "0/s", "-1/s", "1e400/s", "/s", "x/s" };
	for (size_t i = 0; i < sizeof bad_r / sizeof bad_r[0]; i++) {
		double v;
		if (check_parse_rate(bad_r[i], &v) == 0)
			fail_msg("'%s' parsed as a rate", bad_r[i]);
	}
}

/* Sizes count decimal (KB = 1000 B) or binary (KiB = 1024 B) bytes;
 * bandwidths bits or bytes per second, in powers of 1000. */
static void test_check_parses_sizes_and_bandwidths(void **state)
{
	static const struct { const char *s; double b; } z[] = {
		{ "0B", 0 }, { "512B", 512 }, { "2KB", 2000 }, { "2kB", 2000 }, { "1.5MB", 1.5e6 },
		{ "1GB", 1e9 }, { "1KiB", 1024 }, { "1MiB", 1048576 }, { "2 GiB", 2147483648.0 },
	};
	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
		double v = -1;
		assert_int_equal(check_parse_bytes(z[i].s, &v), 0);
		assert_true(v == z[i].b);
	}
	static const char *const bad_z[] = { "2048", "2kb", "-1KB", "1e20TB", "KB", "1 Kb", "5ms" };
	for (size_t i = 0; i < sizeof bad_z / sizeof bad_z[0]; i++) {
		double v;
		if (check_parse_bytes(bad_z[i], &v) == 0)
			fail_msg("'%s' parsed as a size", bad_z[i]);
	}
	static const struct { const char *s; double b; } w[] = {
		{ "8bit/s", 1 }, { "1Gbit/s", 1.25e8 }, { "100Mbit/s", 1.25e7 }, { "10kbit/s", 1250 },
		{ "100MB/s", 1e8 }, { "1 GB/s", 1e9 },
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
		double v = -1;
		assert_int_equal(check_parse_bandwidth(w[i].s, &v), 0);
		assert_true(v == w[i].b);
	}
	static const char *const bad_w[] = { "1Gbps", "100", "0Gbit/s", "-1MB/s", "1Gbit", "1GB" };
	for (size_t i = 0; i < sizeof bad_w / sizeof bad_w[0]; i++) {
		double v;
		if (check_parse_bandwidth(bad_w[i], &v) == 0)
			fail_msg("'%s' parsed as a bandwidth", bad_w[i]);
	}
}

/* Each mistake in one value, with the exact message it must produce. */
static const struct loadtest_mistake value_mistakes[] = {
	{ "duration: 10\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: '10' needs a unit: ns, us, ms, s, m or h (e.g. 10s)" },
	{ "duration: -5s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: must not be negative (got -5s)" },
	{ "duration: 0s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: must be greater than 0 (got 0s)" },
	{ "duration: 1e400s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: 1e400s is too large (at most about 73 years)" },
	{ "replications: 0\n" BASE,
	  "s.yaml:1:15: replications: must be an integer from 1 to 100000 (got 0)" },
	{ "replications: 10000000000\n" BASE,
	  "s.yaml:1:15: replications: must be an integer from 1 to 100000 (got 10000000000)" },
	{ "replications: two\n" BASE,
	  "s.yaml:1:15: replications: must be an integer from 1 to 100000 (got 'two')" },
	{ "seed: -3\n" BASE,
	  "s.yaml:1:7: seed: must be an integer from 0 to 18446744073709551615, not negative (got -3)" },
	{ "name: a/b\n" BASE,
	  "s.yaml:1:7: name: 'a/b' is not a valid name (letters, digits, '_', '-', '.', not only dots; at most 64): it names the output directory" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, workers: 0}\n",
	  "s.yaml:5:46: nodes.web.workers: must be an integer from 1 to 1000000 (got 0)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, replicas: 10000000000}\n",
	  "s.yaml:5:47: nodes.web.replicas: must be an integer from 1 to 100000 (got 10000000000)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: {dist: expo, mean: 1s}}\n",
	  "s.yaml:5:40: nodes.web.service.dist: unknown distribution 'expo' (allowed: constant, exponential, uniform, normal, lognormal, gamma, weibull, hyperexponential, erlang, pareto, empirical)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: {dist: exponential, mean: 0s}}\n",
	  "s.yaml:5:59: nodes.web.service: the mean must be greater than 0" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: {dist: lognormal, mean: 1s}}\n",
	  "s.yaml:5:33: nodes.web.service: missing required key 'cv'" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: fast}\n",
	  "s.yaml:5:33: nodes.web.service: must be a distribution such as {dist: exponential, mean: 10ms}, or a duration (got 'fast')" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, next: [{to: db, p: 1.5}]}\n  db: {type: service, service: 1s}\n",
	  "s.yaml:5:56: nodes.web.next[0].p: must be a number from 0 to 1 (got 1.5)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 0/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.rate: must be greater than 0 (got 0/s)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 5}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.rate: '5' needs a unit: /s, /m or /h (e.g. 5/s)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1e400/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.rate: 1e400/s is too large (at most 1e12/s)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: closed, users: 0}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.users: must be an integer from 1 to 10000000 (got 0)" },
};

static void test_check_reports_each_mistaken_value_exactly(void **state)
{
	assert_int_equal(loadtest_mistakes(value_mistakes, sizeof value_mistakes / sizeof value_mistakes[0]),
			 0);
}

static void test_check_distribution_forms(void **state)
{
	static const char *const ok[] = {
		"5ms", "{dist: constant, value: 1s}", "{dist: constant, mean: 1s}",
		"{dist: exponential, rate: 10/s}", "{dist: uniform, min: 1ms, max: 2ms}",
		"{dist: normal, mean: 1s, sd: 100ms}", "{dist: gamma, mean: 1s, cv: 0.5}",
		"{dist: weibull, mean: 1s, cv: 2}", "{dist: hyperexponential, mean: 1s, cv: 3}",
		"{dist: erlang, k: 3, mean: 1s}", "{dist: pareto, shape: 2.5, scale: 1ms}",
		"{dist: pareto, shape: 2.5, mean: 1ms}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char y[1024];
		snprintf(y, sizeof y,
			 "duration: 1s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: w}\n"
			 "nodes:\n  w: {type: service, service: %s}\n", ok[i]);
		sweep_free(loadtest_ok(y, NULL, 0));
	}
	static const char *const bad[] = {
		"{dist: exponential, mean: 1s, rate: 1/s}",
		"{dist: hyperexponential, mean: 1s, cv: 0.5}",
		"{dist: uniform, min: 2ms, max: 1ms}",
		"{dist: pareto, shape: 0.5, mean: 1s}",
		"{dist: empirical, file: /nonexistent.csv}",
		"{mean: 1s}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char y[1024];
		snprintf(y, sizeof y,
			 "duration: 1s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: w}\n"
			 "nodes:\n  w: {type: service, service: %s}\n", bad[i]);
		const char *m = loadtest_err(y, NULL, 0);
		assert_true(strncmp(m, "s.yaml:5:", 9) == 0);
		assert_non_null(strstr(m, "nodes.w.service"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_parses_durations_and_rates),
		cmocka_unit_test(test_check_parses_sizes_and_bandwidths),
		cmocka_unit_test(test_check_reports_each_mistaken_value_exactly),
		cmocka_unit_test(test_check_distribution_forms),
	};
	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
