/*
 * test_metric.c - the estimated quantities, declared once (sim/metric.h):
 * every metric's name finds it again and nothing else does; each has a
 * meaning; the percentiles estimate the quantile their name says and the
 * others none; and a limit on each is written in the unit its name says
 * (a rate for a per-second quantity, a duration for seconds, a plain
 * number for a ratio).
 */
#include "tests/testutil.h"

#include <math.h>

#include "sim/metric.h"

/* Every metric as its name says it should be. */
static const struct {
	const char *name;
	enum metric_unit unit;
	double q;
} want[] = {
	{ "throughput_per_s", METRIC_UNIT_RATE, 0 },
	{ "latency_mean_s", METRIC_UNIT_TIME, 0 },
	{ "latency_p50_s", METRIC_UNIT_TIME, 0.5 },
	{ "latency_p90_s", METRIC_UNIT_TIME, 0.9 },
	{ "latency_p99_s", METRIC_UNIT_TIME, 0.99 },
	{ "latency_p999_s", METRIC_UNIT_TIME, 0.999 },
	{ "reject_ratio", METRIC_UNIT_NUMBER, 0 },
	{ "error_ratio", METRIC_UNIT_NUMBER, 0 },
	{ "failed_latency_mean_s", METRIC_UNIT_TIME, 0 },
	{ "cost_per_hour", METRIC_UNIT_NUMBER, 0 },
	{ "cost_total", METRIC_UNIT_NUMBER, 0 },
	{ "slo_miss_s", METRIC_UNIT_TIME, 0 },
};

static void test_metric_names_round_trip(void **state)
{
	assert_int_equal(sizeof want / sizeof want[0], METRIC_COUNT);
	for (int m = 0; m < METRIC_COUNT; m++) {
		assert_string_equal(metric_name(m), want[m].name);
		assert_ptr_equal(metric_names[m], metric_name(m));
		assert_int_equal(metric_find(metric_name(m)), m);
		assert_true(strlen(metric_doc(m)) > 10);
		/* no two metrics share a name */
		for (int o = 0; o < m; o++)
			assert_true(strcmp(metric_name(o), metric_name(m)) != 0);
	}
	assert_null(metric_names[METRIC_COUNT]);
	/* nothing else is a metric, not even nearly */
	static const char *const not[] = {
		"", "latency", "latency_p99", "LATENCY_P99_S", "latency_p99_s ", "p99", "throughput",
	};
	for (size_t i = 0; i < sizeof not / sizeof not[0]; i++)
		assert_int_equal(metric_find(not[i]), -1);
	assert_string_equal(metric_name(-1), "?");
	assert_string_equal(metric_name(METRIC_COUNT), "?");
	assert_string_equal(metric_doc(METRIC_COUNT), "");
}

/* A percentile's quantile is in its name: latency_pNN_s estimates 0.NN. */
static void test_metric_quantiles(void **state)
{
	int percentiles = 0;
	for (int m = 0; m < METRIC_COUNT; m++) {
		double q = metric_quantile(m);
		assert_true(q == want[m].q);
		const char *name = metric_name(m), *p = NULL;
		size_t n = 0;
		if (!strncmp(name, "latency_p", strlen("latency_p"))) {
			p = name + strlen("latency_p");
			n = strspn(p, "0123456789");
		}
		if (!n) {
			assert_true(q == 0);
			continue;
		}
		char digits[16];
		assert_true(n < sizeof digits - 2 && !strcmp(p + n, "_s"));
		snprintf(digits, sizeof digits, "0.%.*s", (int)n, p);
		assert_true(fabs(q - strtod(digits, NULL)) < 1e-15);
		percentiles++;
	}
	assert_int_equal(percentiles, 4);
	/* in order, so that a loop from METRIC_P50 to METRIC_P999 takes them all */
	assert_true(metric_quantile(METRIC_P50) == 0.5 && metric_quantile(METRIC_P999) == 0.999);
	for (int m = METRIC_P50; m < METRIC_P999; m++)
		assert_true(metric_quantile(m) < metric_quantile(m + 1));
	assert_true(metric_quantile(-1) == 0 && metric_quantile(METRIC_COUNT) == 0);
}

static void test_metric_units(void **state)
{
	for (int m = 0; m < METRIC_COUNT; m++) {
		const char *name = metric_name(m);
		size_t n = strlen(name);
		assert_int_equal(metric_unit(m), want[m].unit);
		/* the unit follows from the name's ending */
		if (n > 6 && !strcmp(name + n - 6, "_per_s"))
			assert_int_equal(metric_unit(m), METRIC_UNIT_RATE);
		else if (!strcmp(name + n - 2, "_s"))
			assert_int_equal(metric_unit(m), METRIC_UNIT_TIME);
		else
			assert_int_equal(metric_unit(m), METRIC_UNIT_NUMBER);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_names_round_trip),
		cmocka_unit_test(test_metric_quantiles),
		cmocka_unit_test(test_metric_units),
	};
	return cmocka_run_group_tests_name("metric", tests, NULL, NULL);
}
