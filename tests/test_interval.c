/*
 * test_interval.c - the intervals' statistics (app/interval.h): a
 * percentile's interval, the hull of sectioning and CDF inversion, against
 * the same computed the slow way from the replications' raw values, with
 * the histogram's error widening both ends and no interval from one
 * replication; a paired comparison's half-width and Welch's against their
 * closed forms, NaN replications skipped.
 */
#include "tests/testutil.h"

#include <math.h>

#include "app/interval.h"
#include "sim/stats.h"

/* The interval computed the slow way, from the replications' raw values
 * (integers below 256 ns, which the histogram holds exactly). */
static void by_hand(int64_t *const *v, const size_t *n, size_t reps, double q,
		    double *x, double *lo, double *hi)
{
	/* the pooled quantile: rank ceil(q N) of all values */
	size_t total = 0;
	int64_t all[4096];
	for (size_t i = 0; i < reps; i++)
		for (size_t j = 0; j < n[i]; j++)
			all[total++] = v[i][j];
	for (size_t i = 1; i < total; i++)          /* insertion sort */
		for (size_t j = i; j > 0 && all[j - 1] > all[j]; j--) {
			int64_t t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	size_t rank = (size_t)ceil(q * (double)total);
	double xp = (double)all[rank - 1];
	/* sectioning from each replication's own quantile (values sorted) */
	double ss = 0, f[16], fs = 0;
	for (size_t i = 0; i < reps; i++) {
		size_t r = (size_t)ceil(q * (double)n[i]);
		double own = (double)v[i][r - 1];
		ss += (own - xp) * (own - xp);
		size_t below = 0;
		for (size_t j = 0; j < n[i]; j++)
			below += (double)v[i][j] <= xp;
		f[i] = (double)below / (double)n[i];
		fs += f[i];
	}
	double t = stats_t_quantile(0.975, (double)(reps - 1));
	double hb = t * sqrt(ss / ((double)reps * (reps - 1)));
	/* inversion: a t-interval of the F_i(xp), mapped back */
	double pbar = fs / reps, var = 0;
	for (size_t i = 0; i < reps; i++)
		var += (f[i] - pbar) * (f[i] - pbar);
	var /= (double)(reps - 1);
	double hp = t * sqrt(var / reps);
	double pl = pbar - hp < 0 ? 0 : pbar - hp, pu = pbar + hp > 1 ? 1 : pbar + hp;
	size_t rl = (size_t)ceil(pl * (double)total), ru = (size_t)ceil(pu * (double)total);
	double cl = (double)all[(rl ? rl : 1) - 1], cu = (double)all[(ru ? ru : 1) - 1];
	*x = xp * 1e-9;
	*lo = (xp - hb < cl ? xp - hb : cl) * 1e-9;
	*hi = (xp + hb > cu ? xp + hb : cu) * 1e-9;
	if (*lo < 0)
		*lo = 0;
}

static void test_interval_quantile(void **state)
{
	/* three replications of 100, 80 and 120 values, shifted from each
	 * other, so that both parts of the interval have work to do */
	int64_t a[100], b[80], c[120];
	for (int i = 0; i < 100; i++)
		a[i] = 1 + i;
	for (int i = 0; i < 80; i++)
		b[i] = 21 + i;
	for (int i = 0; i < 120; i++)
		c[i] = 11 + i;
	int64_t *v[3] = { a, b, c };
	size_t n[3] = { 100, 80, 120 };
	static const double qs[] = { 0.5, 0.9, 0.99 };
	for (size_t k = 0; k < 3; k++) {
		struct hist pool, h[3];
		struct interval_cdf cs = { 0 };
		double own[3];
		assert_int_equal(hist_init(&pool), 0);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(hist_init(&h[i]), 0);
			for (size_t j = 0; j < n[i]; j++)
				hist_record(&h[i], v[i][j]);
			hist_merge(&pool, &h[i]);
			assert_int_equal(interval_cdf_add(&cs, &h[i]), 0);
			own[i] = hist_quantile(&h[i], qs[k]) * 1e-9;
		}
		double x, lo, hi, ex, elo, ehi;
		interval_quantile(&pool, qs[k], own, 3, &cs, 0, &x, &lo, &hi);
		by_hand(v, n, 3, qs[k], &ex, &elo, &ehi);
		assert_true(x == ex);
		assert_true(fabs(lo - elo) < 1e-15 && fabs(hi - ehi) < 1e-15);
		assert_true(lo < x && x < hi);
		/* the histogram's error widens both ends */
		double lo2, hi2;
		interval_quantile(&pool, qs[k], own, 3, &cs, 0.01, &x, &lo2, &hi2);
		assert_true(fabs(lo - lo2 - 0.01 * x) < 1e-15 || lo2 == 0);
		assert_true(fabs(hi2 - hi - 0.01 * x) < 1e-15);
		/* fewer than 2 replications: no interval */
		struct interval_cdf one = { 0 };
		assert_int_equal(interval_cdf_add(&one, &h[0]), 0);
		interval_quantile(&h[0], qs[k], own, 1, &one, 0, &x, &lo, &hi);
		assert_true(x == own[0] && isnan(lo) && isnan(hi));
		interval_cdf_free(&one);
		interval_cdf_free(&cs);
		for (int i = 0; i < 3; i++)
			hist_fini(&h[i]);
		hist_fini(&pool);
	}
}

/* interval_pair on values small enough to work out by hand: the
 * differences 1, 2, 2, 3 have mean 2 and variance 2/3; the two samples'
 * variances of their means are 5/12 and 13/12, with Welch-Satterthwaite
 * degrees of freedom (3/2)^2 / ((5/12)^2 / 3 + (13/12)^2 / 3). */
static void test_interval_pair(void **state)
{
	const double a[] = { 1, 2, 3, 4 }, b[] = { 2, 4, 5, 7 };
	struct interval_pair p;
	assert_int_equal(interval_pair(a, 4, b, 4, &p), 0);
	assert_int_equal(p.pairs, 4);
	double half = stats_t_quantile(0.975, 3) * sqrt(2.0 / 3) / 2;
	assert_true(fabs(p.half - half) < 1e-12);
	double sa = 5.0 / 12, sb = 13.0 / 12, df = (sa + sb) * (sa + sb) / ((sa * sa + sb * sb) / 3);
	assert_true(fabs(p.unpaired - stats_t_quantile(0.975, df) * sqrt(sa + sb)) < 1e-12);
	/* pairing is what makes it narrow here */
	assert_true(p.half < p.unpaired / 2);

	/* a NaN in either drops its pair; Welch keeps the other's value */
	const double an[] = { 1, NAN, 3, 4, 9 }, bn[] = { 2, 4, NAN, 7 };
	assert_int_equal(interval_pair(an, 5, bn, 4, &p), 0);
	assert_int_equal(p.pairs, 2);            /* (1, 2) and (4, 7) */
	assert_true(fabs(p.half - stats_t_quantile(0.975, 1) * 1) < 1e-12);
	assert_false(isnan(p.unpaired));

	/* fewer than 2 pairs: no interval */
	assert_int_equal(interval_pair(a, 1, b, 1, &p), 0);
	assert_int_equal(p.pairs, 1);
	assert_true(isnan(p.half) && isnan(p.unpaired));
}

/* interval_pair_quantile by hand: own p99s 10, 12, 11 (a) and 8, 9, 9
 * (b) around pooled 11 and 8.5, so the paired errors d_i - (-2.5) are
 * 0.5, -0.5, 0.5; CDFs at the pooled quantiles f_a 0.98, 0.99, 1.00 and
 * f_b 0.985, 0.99, 0.995 with slopes 100 and 200 s: g_i = 200 f_b - 100
 * f_a = 99, 99, 99 (no spread: sectioning decides).  With slope_b 400,
 * g = 296, 297, 298: variance 1, so inversion decides, t(2) sqrt(1/3). */
static void test_interval_pair_quantile(void **state)
{
	(void)state;
	const double oa[] = { 10, 12, 11 }, ob[] = { 8, 9, 9 };
	const double fa[] = { 0.98, 0.99, 1.00 }, fb[] = { 0.985, 0.99, 0.995 };
	double t = stats_t_quantile(0.975, 2);
	struct interval_pair p;
	assert_int_equal(interval_pair_quantile(oa, ob, fa, fb, 3, 11, 8.5, 100, 200, 0, &p), 0);
	assert_int_equal(p.pairs, 3);
	assert_true(fabs(p.half - t * sqrt(0.75 / 6)) < 1e-9);
	assert_int_equal(interval_pair_quantile(oa, ob, fa, fb, 3, 11, 8.5, 100, 400, 0, &p), 0);
	assert_true(fabs(p.half - t * sqrt(1.0 / 3)) < 1e-9);
	/* unpaired: sectioning's (2 + 0.5) / 6 against inversion's (var of
	 * 100 f_a, 1, plus var of 400 f_b, 4) / 3 */
	assert_true(fabs(p.unpaired - t * sqrt(5.0 / 3)) < 1e-9);
	/* the histogram's error on both quantiles widens it */
	struct interval_pair w;
	assert_int_equal(interval_pair_quantile(oa, ob, fa, fb, 3, 11, 8.5, 100, 400, 0.01, &w), 0);
	assert_true(fabs(w.half - p.half - 0.195) < 1e-9);
	/* a side without a slope (its CDFs did not spread) adds nothing,
	 * and its NaN CDFs are not read: b's term alone, 400 f_b = 394,
	 * 396, 398, variance 4; with neither, sectioning alone; a NaN in a
	 * CDF that is read drops its pair */
	const double fn[] = { 0.98, NAN, 1.00 };
	assert_int_equal(interval_pair_quantile(oa, ob, fn, fb, 3, 11, 8.5, NAN, 400, 0, &p), 0);
	assert_int_equal(p.pairs, 3);
	assert_true(fabs(p.half - t * sqrt(4.0 / 3)) < 1e-9);
	assert_int_equal(interval_pair_quantile(oa, ob, fn, fb, 3, 11, 8.5, NAN, NAN, 0, &p), 0);
	assert_int_equal(p.pairs, 3);
	assert_true(fabs(p.half - t * sqrt(0.75 / 6)) < 1e-9);
	assert_int_equal(interval_pair_quantile(oa, ob, fn, fb, 3, 11, 8.5, 100, 400, 0, &p), 0);
	assert_int_equal(p.pairs, 2);
	assert_int_equal(interval_pair_quantile(oa, ob, fa, fb, 1, 11, 8.5, 100, 400, 0, &p), 0);
	assert_true(isnan(p.half) && isnan(p.unpaired));
}

/* interval_inverse_slope of values 1..1000 ns, uniform: each bucket
 * holds as many values as it is wide, so the pooled CDF taken as linear
 * inside buckets is exactly (x - 1) / 1000 and the slope exactly 1e-6 s,
 * but for rounding; reading bucket midpoints instead, it could be off by
 * up to a bucket's width over the span, 2 ns in 163 (1.2 %).  Without spread
 * in the f, none. */
static void test_interval_inverse_slope(void **state)
{
	(void)state;
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	for (int64_t v = 1; v <= 1000; v++)
		hist_record(&h, v);
	const double f[] = { 0.3, 0.5, 0.7, 0.5 };
	double s = interval_inverse_slope(&h, f, 4);
	print_message("    slope %.12g s\n", s);
	assert_true(fabs(s - 1e-6) < 1e-12);
	const double flat[] = { 0.5, 0.5 };
	assert_true(isnan(interval_inverse_slope(&h, flat, 2)));
	assert_true(isnan(interval_inverse_slope(&h, f, 1)));
	hist_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_quantile),
		cmocka_unit_test(test_interval_pair),
		cmocka_unit_test(test_interval_pair_quantile),
		cmocka_unit_test(test_interval_inverse_slope),
	};
	return cmocka_run_group_tests_name("interval", tests, NULL, NULL);
}
