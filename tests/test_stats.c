/*
 * test_stats.c - time-weighted averages and Student-t intervals.
 */
#include "tests/testutil.h"

#include <math.h>

#include "sim/stats.h"

static void test_stats_twa_integrates_a_step_function(void **state)
{
	struct twa t;
	twa_init(&t, 0, 0);
	twa_set(&t, 10, 2);     /* 0 for 10 ns */
	twa_add(&t, 30, 1);     /* 2 for 20 ns, then 3 */
	/* at 40: area 0*10 + 2*20 + 3*10 = 70 over 40 */
	assert_true(twa_mean(&t, 40) == 70.0 / 40.0);
	twa_restart(&t, 40);
	assert_true(twa_mean(&t, 40) == 3);  /* no time yet: the value */
	twa_add(&t, 50, -3);
	assert_true(twa_mean(&t, 60) == 1.5); /* 3 for 10, 0 for 10 */
}

/* twa_touch must leave what a release and a start at one instant leave
 * (-1, then +1), to the bit, where the area is past 2^53 and additions
 * round: there, leaving the area as it was until the next change gives
 * another number. */
static void test_stats_twa_touch_is_a_minus_and_a_plus_one(void **state)
{
	struct twa a, b, c;
	twa_init(&a, 0, 0);
	twa_set(&a, 1000, 3);
	int64_t t1 = 5002399751580331, t2 = t1 + 2, t3 = t2 + 1;
	b = c = a;
	twa_add(&a, t1, -1);
	twa_add(&a, t1, 1);
	twa_touch(&b, t1);
	assert_memory_equal(&a, &b, sizeof a);
	assert_true(b.last_ns == t1 && b.value == 3);
	assert_true(b.area == 3.0 * (double)(t1 - 1000));
	twa_add(&a, t2, 1);
	twa_add(&b, t2, 1);
	twa_set(&a, t3, 0);
	twa_set(&b, t3, 0);
	assert_memory_equal(&a, &b, sizeof a);
	/* the touch is not a no-op: skipping it gives another area */
	twa_add(&c, t2, 1);
	twa_set(&c, t3, 0);
	assert_true(c.area != b.area);
}

static void test_stats_ci95_matches_the_textbook(void **state)
{
	/* mean 5, s = sqrt(2.5), n = 5, t(0.975, 4) = 2.7764451 */
	double x[] = { 3, 4, 5, 6, 7 };
	double m, h;
	stats_ci95(x, 5, &m, &h);
	assert_true(m == 5);
	assert_true(fabs(h - 2.7764451052 * sqrt(2.5) / sqrt(5)) < 1e-8);
	assert_true(fabs(stats_t_quantile(0.975, 4) - 2.7764451052) < 1e-8);
}

static void test_stats_ci95_edge_cases(void **state)
{
	double m, h;
	double one[] = { 4 };
	stats_ci95(one, 1, &m, &h);
	assert_true(m == 4);
	assert_true(isnan(h));
	double same[] = { 2, 2, 2 };
	stats_ci95(same, 3, &m, &h);
	assert_true(m == 2 && h == 0);
	/* NaN samples (a replication with nothing to measure) are skipped */
	double some[] = { NAN, 1, 3, NAN };
	stats_ci95(some, 4, &m, &h);
	assert_true(m == 2);
	assert_true(fabs(h - 12.7062047362 * sqrt(2) / sqrt(2)) < 1e-7);
	double none[] = { NAN, NAN };
	stats_ci95(none, 2, &m, &h);
	assert_true(isnan(m) && isnan(h));
	/* more samples than the stack buffer */
	double many[100];
	for (int i = 0; i < 100; i++)
		many[i] = i;
	stats_ci95(many, 100, &m, &h);
	assert_true(m == 49.5);
}

static void test_stats_fmt_seconds_picks_the_unit(void **state)
{
	static const struct {
		double s;
		const char *want;
	} cases[] = {
		{ 0, "0 ns" }, { 12.3e-9, "12.3 ns" }, { 386e-6, "386 us" },
		{ 28.9e-3, "28.9 ms" }, { 1, "1 s" }, { 2000, "2000 s" },
		{ 7199, "7199 s" }, { 7200, "2 h" }, { 4e6, "46.3 days" },
		{ 1e12, "31688 years" }, { NAN, "-" },
	};
	char buf[32];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		stats_fmt_seconds(buf, sizeof buf, cases[i].s);
		assert_string_equal(buf, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_twa_integrates_a_step_function),
		cmocka_unit_test(test_stats_twa_touch_is_a_minus_and_a_plus_one),
		cmocka_unit_test(test_stats_ci95_matches_the_textbook),
		cmocka_unit_test(test_stats_ci95_edge_cases),
		cmocka_unit_test(test_stats_fmt_seconds_picks_the_unit),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
