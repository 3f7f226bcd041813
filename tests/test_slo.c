/*
 * test_slo.c - the SLO's one-line form (sim/slo.h): its terms read back
 * with their limits in each metric's unit, mistakes refused with the
 * term at fault, the metrics a window can be judged on, and the judgement
 * itself: strict limits each way, every term needed, and a value that
 * cannot be known (NaN) not judged, and named as such.
 */
#include "tests/testutil.h"

#include <math.h>

#include "sim/metric.h"
#include "sim/slo.h"

static void test_slo_reads_terms(void **state)
{
	struct slo s;
	char why[600];
	assert_int_equal(slo_parse("latency_p99_s<=300ms and reject_ratio < 0.01 and "
				   "throughput_per_s>2/m", &s, why, sizeof why), 0);
	assert_int_equal(s.nterms, 3);
	assert_string_equal(s.text, "latency_p99_s<=300ms and reject_ratio < 0.01 and "
			    "throughput_per_s>2/m");
	assert_int_equal(s.terms[0].metric, METRIC_P99);
	assert_false(s.terms[0].above);
	assert_true(fabs(s.terms[0].limit - 0.3) < 1e-12);
	assert_int_equal(s.terms[1].metric, METRIC_REJECT_RATIO);
	assert_true(s.terms[1].limit == 0.01);
	assert_int_equal(s.terms[2].metric, METRIC_THROUGHPUT);
	assert_true(s.terms[2].above);
	assert_true(fabs(s.terms[2].limit - 2.0 / 60) < 1e-12);
	static const char *const bad[][2] = {
		{ "p99<50ms", "unknown metric 'p99'" },
		{ "latency_p99_s 50ms", "a term is METRIC<LIMIT" },
		{ "slo_miss_s<60", "is not a limit for it (a duration" },
		{ "throughput_per_s>900", "(a rate" },
		{ "error_ratio<1 and error_ratio<1 and error_ratio<1 and error_ratio<1 and "
		  "error_ratio<1 and error_ratio<1 and error_ratio<1 and error_ratio<1 and "
		  "error_ratio<1", "at most 8 terms" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(slo_parse(bad[i][0], &s, why, sizeof why), -1);
		print_message("    %s: %s\n", bad[i][0], why);
		assert_non_null(strstr(why, bad[i][1]));
	}
}

static void test_slo_window_metrics(void **state)
{
	int n = 0;
	for (int m = 0; m < METRIC_COUNT; m++)
		n += slo_window_metric(m);
	assert_int_equal(n, 8);
	assert_true(slo_window_metric(METRIC_P999) && slo_window_metric(METRIC_ERROR_RATIO));
	assert_false(slo_window_metric(METRIC_COST_PER_HOUR));
	assert_false(slo_window_metric(METRIC_FAILED_LATENCY_MEAN));
	assert_false(slo_window_metric(METRIC_SLO_MISS));
}

static void test_slo_judges(void **state)
{
	struct slo s;
	char why[600];
	double v[METRIC_COUNT];
	for (int m = 0; m < METRIC_COUNT; m++)
		v[m] = NAN;
	assert_int_equal(slo_parse("latency_p99_s<300ms and throughput_per_s>10/s", &s, why,
				   sizeof why), 0);
	/* nothing known: nothing judged, and the first term says so */
	assert_int_equal(slo_holds(&s, v), 1);
	assert_ptr_equal(slo_unjudged(&s, v), &s.terms[0]);
	v[METRIC_P99] = 0.2999;
	assert_ptr_equal(slo_unjudged(&s, v), &s.terms[1]);
	v[METRIC_THROUGHPUT] = 10.5;
	assert_int_equal(slo_holds(&s, v), 1);
	assert_null(slo_unjudged(&s, v));
	/* the limits are strict, each way */
	v[METRIC_P99] = s.terms[0].limit;
	assert_int_equal(slo_holds(&s, v), 0);
	v[METRIC_P99] = 0.1;
	v[METRIC_THROUGHPUT] = s.terms[1].limit;
	assert_int_equal(slo_holds(&s, v), 0);
	/* one term missed is enough; one not known is not */
	v[METRIC_THROUGHPUT] = NAN;
	assert_int_equal(slo_holds(&s, v), 1);
	v[METRIC_P99] = 1;
	assert_int_equal(slo_holds(&s, v), 0);
	/* a metric no term names changes nothing */
	v[METRIC_P99] = 0.1;
	v[METRIC_REJECT_RATIO] = 1;
	assert_int_equal(slo_holds(&s, v), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slo_reads_terms),
		cmocka_unit_test(test_slo_window_metrics),
		cmocka_unit_test(test_slo_judges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
