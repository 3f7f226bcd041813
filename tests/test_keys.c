/*
 * test_keys.c - key samplers against their exact pmf by chi-square
 * goodness of fit, negative controls that show those tests have power,
 * the pmf itself, parameter checks and determinism.
 *
 * Chi-square.  N draws are counted in bins of keys: single keys where
 * there are few, then ranges (equal ones for the flat kinds; for Zipf,
 * past its first 256 keys, ranges each a sixteenth longer than the one
 * before).  A bin's expected count is N times its probability: the sum of
 * keys_pmf over its keys when it holds at most 4096 of them, otherwise a
 * closed form written here from the definition.  For Zipf that is
 * sum_{k=a..b} k^-s over the ranks in the bin, divided by the same sum over
 * 1..n, each summed by Euler-Maclaurin in long double (zsum below: ranks
 * below 100 directly, then the integral, the end corrections and the B2,
 * B4, B6 terms; the first omitted term, B8/8! s (s+1) ... (s+6) a^(-s-7)
 * from rank a on, is below 1e-16 of the sum wherever the test uses it, so
 * the expected counts are exact for the test's purpose).  Adjacent bins
 * are merged until each expects at least 5 draws, and
 * X^2 = sum (O - E)^2 / E is compared with the chi-square critical value
 * at alpha = 1e-4 for (bins - 1) degrees of freedom from
 * gsl_cdf_chisq_Qinv.  Seeds are fixed, so a pass or a fail is
 * reproducible; a correct sampler fails a given case with probability 1e-4
 * over seeds.
 *
 * Power.  The same statistic, for samples drawn with a wrong parameter
 * (Zipf's s + 0.05, half the keys, a hot share of 0.89 for 0.9, a uniform
 * with the modulo bias of rng % n), must exceed the critical value.
 *
 * Uniforms per draw are counted exactly, by stepping a copy of the
 * generator's state until it meets the state after the draw.  For Zipf the
 * count is geometric with mean rho = (1 + H(n + 1/2) - H(3/2)) / H(n, s),
 * the hat's area over the pmf's (H(x) = (x^(1-s) - 1)/(1-s), computed here),
 * and variance rho (rho - 1); the mean over N draws must lie within 5
 * standard errors of rho, and below 1.5.  Rounding adds rejections: u is
 * a double, so near the top of its range, where it is as large as H(n), it
 * cannot resolve the ends of a key's interval finer than its last place,
 * and a draw that lands within that of an end may be rejected.  Summed over
 * the n ends that is about n 2^-52 of the draws (2.5e-4 at n = 10^12,
 * s = 0.5, where it shows); the bound allows n 2^-50 more.
 *
 * Set KEYS_TEST_VERBOSE in the environment to print every statistic.
 */
#include "tests/testutil.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sim/keys.h"
#include "sim/rng.h"

enum {
	NDRAWS = 1000000,
	MAX_BINS = 4096,
	SINGLE_KEYS = 256,     /* Zipf: keys binned one by one */
	PMF_SUM_MAX = 4096,    /* widest bin summed from keys_pmf */
	ZSUM_DIRECT = 2000,    /* zsum: ranges summed term by term */
	ZSUM_EM_FROM = 100,    /* zsum: first rank of an Euler-Maclaurin sum */
};

static const double ALPHA = 1e-4;
static const double MIN_EXPECTED = 5;

static int verbose(void)
{
	return getenv("KEYS_TEST_VERBOSE") != NULL;
}

/* ---- reference sums ------------------------------------------------------ */

/* zsum is sum_{k=a..b} k^-s over ranks a <= k <= b, a >= 1. */
static long double zsum(uint64_t a, uint64_t b, double s)
{
	long double sum = 0;
	if (b < a)
		return 0;
	if (b - a < ZSUM_DIRECT) {
		for (uint64_t k = b; k >= a; k--)      /* smallest first */
			sum += powl((long double)k, -s);
		return sum;
	}
	long double head = 0;
	for (; a < ZSUM_EM_FROM; a++)
		head += powl((long double)a, -s);

	long double A = a, B = b, ls = s;
	long double L = logl(B / A), y = (1 - ls) * L;
	long double integral = powl(A, 1 - ls) * (y == 0 ? L : expm1l(y) /
						      (1 - ls));
	long double fa = powl(A, -ls), fb = powl(B, -ls);
	long double r1 = ls, r3 = r1 * (ls + 1) * (ls + 2),
		r5 = r3 * (ls + 3) * (ls + 4);
	sum = integral + (fa + fb) / 2 +
		r1 / 12 * (fa / A - fb / B) -
		r3 / 720 * (fa / (A * A * A) - fb / (B * B * B)) +
		r5 / 30240 * (fa / powl(A, 5) - fb / powl(B, 5));
	return sum + head;
}

/* zipf_hat_ratio is rho, the mean number of uniforms per Zipf draw. */
static double zipf_hat_ratio(uint64_t n, double s)
{
	long double ls = s;
	long double h15 = ls == 1 ? logl(1.5L) :
		expm1l((1 - ls) * logl(1.5L)) / (1 - ls);
	long double hn = ls == 1 ? logl(n + 0.5L) :
		expm1l((1 - ls) * logl(n + 0.5L)) / (1 - ls);
	return (double)((1 + hn - h15) / zsum(1, n, s));
}

/* range_prob is the probability that ref gives a key in [lo, hi). */
static long double range_prob(const struct keys *ref, uint64_t lo,
			      uint64_t hi)
{
	long double p = 0;
	if (hi - lo <= PMF_SUM_MAX) {
		for (uint64_t x = lo; x < hi; x++)
			p += keys_pmf(ref, x);
		return p;
	}
	switch (ref->kind) {
	case KEYS_UNIFORM:
	case KEYS_SEQUENTIAL:
		return (long double)(hi - lo) / (long double)ref->n;
	case KEYS_ZIPF: {
		if (ref->s == 0)
			return (long double)(hi - lo) / (long double)ref->n;
		/* the normaliser of the last (n, s) asked for */
		static uint64_t norm_n;
		static double norm_s;
		static long double norm;
		if (norm_n != ref->n || norm_s != ref->s) {
			norm_n = ref->n;
			norm_s = ref->s;
			norm = zsum(1, ref->n, ref->s);
		}
		return zsum(lo + 1, hi, ref->s) / norm;
	}
	case KEYS_HOTSET: {
		/* The hot set size from its definition, not from ref->hot. */
		long double n = ref->n;
		uint64_t hot = (uint64_t)floorl(ref->fraction * n + 0.5L);
		if (hot < 1)
			hot = 1;
		uint64_t mid = lo < hot ? (hi < hot ? hi : hot) : lo;
		p = (long double)(mid - lo) * ref->share / hot;
		p += (long double)(hi - mid) * (1 - ref->share) / (n - hot);
		return p;
	}
	}
	fail_msg("range_prob: bad kind");
	return 0;
}

/* ---- binning and the statistic ------------------------------------------ */

struct binning {
	size_t nb;                      /* bins [edge[i], edge[i+1]) */
	uint64_t singles;               /* bin x is key x for x < singles */
	uint64_t edge[MAX_BINS + 1];
};

/* bins_zipf: single keys up to SINGLE_KEYS, then ranges each a sixteenth
 * longer than the one before. */
static void bins_zipf(struct binning *b, uint64_t n)
{
	uint64_t e = 0;
	b->nb = 0;
	while (e < n) {
		uint64_t next = e < SINGLE_KEYS ? e + 1 : e + e / 16;
		if (next > n)
			next = n;
		assert_true(b->nb < MAX_BINS);
		b->edge[b->nb++] = e;
		e = next;
	}
	b->edge[b->nb] = n;
	b->singles = n < SINGLE_KEYS ? n : SINGLE_KEYS;
}

/* bins_even: one bin per key for n <= 1000, else 1000 equal ranges (the
 * last takes the remainder). */
static void bins_even(struct binning *b, uint64_t n)
{
	uint64_t nb = n <= 1000 ? n : 1000, w = n / nb;
	for (uint64_t i = 0; i < nb; i++)
		b->edge[i] = i * w;
	b->nb = nb;
	b->edge[nb] = n;
	b->singles = n <= 1000 ? n : 0;
}

/* bins_split: [0, cut) and [cut, n) each in 100 equal ranges. */
static void bins_split(struct binning *b, uint64_t n, uint64_t cut)
{
	assert_true(cut >= 100 && n - cut >= 100);
	for (uint64_t i = 0; i < 100; i++) {
		b->edge[i] = i * (cut / 100);
		b->edge[100 + i] = cut + i * ((n - cut) / 100);
	}
	b->nb = 200;
	b->edge[200] = n;
	b->singles = 0;
}

static size_t bin_of(const struct binning *b, uint64_t x)
{
	if (x < b->singles)
		return (size_t)x;
	size_t lo = 0, hi = b->nb;      /* edge[lo] <= x < edge[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->edge[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* A sampler under test is keys_sample, or a deliberately wrong one, as
 * draw(ctx, r, seq). */
static uint64_t draw_keys(const void *ctx, gsl_rng *r, uint64_t seq)
{
	return keys_sample(ctx, r, seq);
}

struct fit {
	double x2;          /* the statistic */
	int df;             /* degrees of freedom, merged bins - 1 */
	double crit;        /* critical value at ALPHA */
	double per_draw;    /* mean 64-bit outputs used per draw */
};

/* outputs_between counts the rng_u64 steps from state *from to r's state;
 * -1 if more than 10000. */
static int outputs_between(const struct rng_state *from, const gsl_rng *r)
{
	struct rng_state st = *from;
	gsl_rng g = { .type = NULL, .state = &st };
	const struct rng_state *to = r->state;
	for (int i = 0; i <= 10000; i++) {
		if (memcmp(&st, to, sizeof st) == 0)
			return i;
		rng_u64(&g);
	}
	return -1;
}

/* fit_draws draws NDRAWS keys from draw(ctx), counts them in b's bins and
 * returns the chi-square statistic against ref's probabilities. */
static struct fit fit_draws(const struct keys *ref,
			    uint64_t (*draw)(const void *, gsl_rng *, uint64_t),
			    const void *ctx, const struct binning *b,
			    uint64_t seed)
{
	static long count[MAX_BINS];
	static long double prob[MAX_BINS];
	memset(count, 0, sizeof count);

	gsl_rng *r = rng_stream_new(seed, 0, "test", "keys");
	assert_non_null(r);
	long outputs = 0, bad = 0;
	for (long i = 0; i < NDRAWS; i++) {
		struct rng_state before = *(struct rng_state *)r->state;
		uint64_t x = draw(ctx, r, (uint64_t)i);
		int used = outputs_between(&before, r);
		if (x >= ref->n || used < 0) {
			bad++;
			continue;
		}
		outputs += used;
		count[bin_of(b, x)]++;
	}
	gsl_rng_free(r);
	assert_int_equal(bad, 0);

	long double total = 0;
	for (size_t i = 0; i < b->nb; i++) {
		prob[i] = range_prob(ref, b->edge[i], b->edge[i + 1]);
		total += prob[i];
	}
	if (fabsl(total - 1) > 1e-9)
		fail_msg("bin probabilities sum to 1 %+Lg", total - 1);

	/* Merge adjacent bins until each expects MIN_EXPECTED draws; a short
	 * last run joins the bin before it. */
	double x2 = 0, last_e = 0, last_o = 0, e = 0, o = 0;
	int merged = 0;
	for (size_t i = 0; i < b->nb; i++) {
		e += (double)(prob[i] * NDRAWS);
		o += count[i];
		if (e >= MIN_EXPECTED) {
			if (merged > 0)
				x2 += (last_o - last_e) * (last_o - last_e) /
					last_e;
			last_e = e;
			last_o = o;
			merged++;
			e = o = 0;
		}
	}
	assert_true(merged >= 2);
	last_e += e;
	last_o += o;
	x2 += (last_o - last_e) * (last_o - last_e) / last_e;

	struct fit f = { .x2 = x2, .df = merged - 1 };
	f.crit = gsl_cdf_chisq_Qinv(ALPHA, f.df);
	f.per_draw = (double)outputs / NDRAWS;
	return f;
}

static void say(const char *what, struct fit f)
{
	if (verbose())
		print_message("%-44s X2 %9.1f  df %3d  crit %6.1f  "
			      "outputs/draw %.5f\n", what, f.x2, f.df, f.crit,
			      f.per_draw);
}

static void expect_fit(const char *what, struct fit f)
{
	say(what, f);
	if (!(f.x2 < f.crit))
		fail_msg("%s: X2 %.1f >= critical value %.1f (df %d)", what,
			 f.x2, f.crit, f.df);
}

static void expect_misfit(const char *what, struct fit f)
{
	say(what, f);
	if (!(f.x2 > f.crit))
		fail_msg("%s: wrong sampler not detected: X2 %.1f <= critical "
			 "value %.1f (df %d)", what, f.x2, f.crit, f.df);
}

/* ---- Zipf ---------------------------------------------------------------- */

static const struct {
	uint64_t n;
	double s;
} zipf_cases[] = {
	{ 10, 0.5 }, { 10, 0.99 }, { 10, 1 }, { 10, 1.2 }, { 10, 2.5 },
	{ 1000, 0.5 }, { 1000, 0.99 }, { 1000, 1 }, { 1000, 1.2 },
	{ 1000, 2.5 },
	{ 1000000, 0.5 }, { 1000000, 0.99 }, { 1000000, 1 },
	{ 1000000, 1.2 }, { 1000000, 2.5 },
	{ 1000000000, 0.5 }, { 1000000000, 0.99 }, { 1000000000, 1 },
	{ 1000000000, 1.2 }, { 1000000000, 2.5 },
	/* the cap, s across 1 by 1e-9, s near 0 */
	{ KEYS_ZIPF_N_MAX, 0.5 }, { KEYS_ZIPF_N_MAX, 1 },
	{ 1000000, 1 - 1e-9 }, { 1000000, 1 + 1e-9 }, { 1000, 1e-9 },
};

#define NZIPF (sizeof zipf_cases / sizeof zipf_cases[0])

static void test_keys_zipf_matches_pmf_chi_square(void **state)
{
	static struct binning b;
	for (size_t i = 0; i < NZIPF; i++) {
		uint64_t n = zipf_cases[i].n;
		double s = zipf_cases[i].s;
		struct keys k;
		char what[80];
		assert_int_equal(keys_zipf(&k, n, s, NULL), 0);
		bins_zipf(&b, n);
		struct fit f = fit_draws(&k, draw_keys, &k, &b, 100 + i);
		snprintf(what, sizeof what, "zipf n %llu s %.10g",
			 (unsigned long long)n, s);
		expect_fit(what, f);

		double rho = zipf_hat_ratio(n, s);
		double tol = 5 * sqrt(rho * (rho - 1) / NDRAWS) +
			ldexp((double)n, -50);
		if (verbose())
			print_message("%-44s rho %.5f\n", "", rho);
		if (!(fabs(f.per_draw - rho) <= tol && f.per_draw < 1.5))
			fail_msg("%s: %.5f uniforms per draw, rho %.5f +- %.5f",
				 what, f.per_draw, rho, tol);
	}
}

/* The negative controls: every n and every s of zipf_cases at least once,
 * and the cases where a wrong s shows least (small n, large s). */
static const struct {
	uint64_t n;
	double s;
} wrong_s_cases[] = {
	{ 10, 2.5 }, { 1000, 1.2 }, { 1000000, 1 }, { 1000000, 1 - 1e-9 },
	{ 1000000, 1 + 1e-9 },
	{ 1000000000, 0.5 }, { 1000000000, 0.99 }, { 1000000000, 2.5 },
	{ KEYS_ZIPF_N_MAX, 1 }, { 1000, 1e-9 },
};

static void test_keys_zipf_chi_square_rejects_wrong_parameters(void **state)
{
	static struct binning b;
	char what[80];
	for (size_t i = 0; i < sizeof wrong_s_cases / sizeof wrong_s_cases[0];
	     i++) {
		uint64_t n = wrong_s_cases[i].n;
		double s = wrong_s_cases[i].s;
		struct keys ref, wrong;
		assert_int_equal(keys_zipf(&ref, n, s, NULL), 0);
		assert_int_equal(keys_zipf(&wrong, n, s + 0.05, NULL), 0);
		bins_zipf(&b, n);
		snprintf(what, sizeof what, "zipf n %llu s %.10g drawn at "
			 "s+0.05", (unsigned long long)n, s);
		expect_misfit(what, fit_draws(&ref, draw_keys, &wrong, &b,
					      200 + i));
	}

	/* The tail matters: half the keys, at s = 0.99 and 1.2, where the
	 * upper half holds 3.6 % and 0.21 % of the mass. */
	static const double tail_s[] = { 0.99, 1.2 };
	for (size_t i = 0; i < 2; i++) {
		uint64_t n = 1000000000;
		struct keys ref, wrong;
		assert_int_equal(keys_zipf(&ref, n, tail_s[i], NULL), 0);
		assert_int_equal(keys_zipf(&wrong, n / 2, tail_s[i], NULL), 0);
		bins_zipf(&b, n);
		snprintf(what, sizeof what, "zipf n %llu s %g drawn on n/2 "
			 "keys", (unsigned long long)n, tail_s[i]);
		expect_misfit(what, fit_draws(&ref, draw_keys, &wrong, &b,
					      300 + i));
	}
}

static void test_keys_pmf_sums_to_one(void **state)
{
	static const double ss[] = { 0, 1e-9, 0.5, 0.99, 1, 1.2, 2.5, 40 };
	static const uint64_t ns[] = { 1, 2, 10, 64, 65, 1000, 1000000 };
	struct keys k;
	for (size_t i = 0; i < sizeof ss / sizeof ss[0]; i++) {
		/* Directly, key by key. */
		for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
			assert_int_equal(keys_zipf(&k, ns[j], ss[i], NULL), 0);
			long double sum = 0;
			for (uint64_t x = ns[j]; x-- > 0;)
				sum += keys_pmf(&k, x);
			if (fabsl(sum - 1) > 1e-13)
				fail_msg("zipf n %llu s %g: pmf sums to 1 %+Lg",
					 (unsigned long long)ns[j], ss[i],
					 sum - 1);
			assert_true(keys_pmf(&k, ns[j]) == 0);
			/* key 0 is the most popular, and the ratio exact */
			if (ns[j] >= 2 && ss[i] > 0)
				assert_true(fabs(keys_pmf(&k, 1) /
						 keys_pmf(&k, 0) -
						 pow(2, -ss[i])) < 1e-15);
		}
		/* Large n: pmf(0) = 1 / H(n, s), so pmf(0) zsum(1, n) = 1,
		 * the normaliser checked against the test's own sum. */
		static const uint64_t big[] = { 1000000, 1000000000,
						KEYS_ZIPF_N_MAX };
		for (size_t j = 0; j < 3; j++) {
			assert_int_equal(keys_zipf(&k, big[j], ss[i], NULL), 0);
			long double one = keys_pmf(&k, 0) *
				zsum(1, big[j], ss[i]);
			if (fabsl(one - 1) > 1e-13)
				fail_msg("zipf n %llu s %g: pmf(0) H(n, s) = "
					 "1 %+Lg", (unsigned long long)big[j],
					 ss[i], one - 1);
		}
	}
	/* zsum's Euler-Maclaurin agrees with a direct sum. */
	for (size_t i = 0; i < sizeof ss / sizeof ss[0]; i++) {
		long double direct = 0, upper = 0;
		for (uint64_t x = 20000; x >= 1; x--) {
			direct += powl((long double)x, -ss[i]);
			if (x == 5000)
				upper = direct;
		}
		assert_true(fabsl(zsum(1, 20000, ss[i]) / direct - 1) < 1e-16);
		assert_true(fabsl(zsum(5000, 20000, ss[i]) / upper - 1) <
			    1e-16);
	}

	/* The flat kinds. */
	assert_int_equal(keys_uniform(&k, 1000, NULL), 0);
	long double sum = 0;
	for (uint64_t x = 0; x < 1000; x++)
		sum += keys_pmf(&k, x);
	assert_true(fabsl(sum - 1) < 1e-13 && keys_pmf(&k, 1000) == 0);
	assert_int_equal(keys_hotset(&k, 1000, 0.1, 0.9, NULL), 0);
	sum = 0;
	for (uint64_t x = 0; x < 1000; x++)
		sum += keys_pmf(&k, x);
	assert_true(fabsl(sum - 1) < 1e-13 && keys_pmf(&k, 1000) == 0);
	assert_int_equal(keys_sequential(&k, 7, NULL), 0);
	assert_true(keys_pmf(&k, 3) == 1.0 / 7 && keys_pmf(&k, 7) == 0);
}

static void test_keys_zipf_extremes(void **state)
{
	struct keys k;
	gsl_rng *r = rng_stream_new(7, 0, "test", "keys");
	assert_non_null(r);

	/* One key: always key 0. */
	assert_int_equal(keys_zipf(&k, 1, 0.8, NULL), 0);
	assert_true(keys_pmf(&k, 0) == 1);
	for (int i = 0; i < 1000; i++)
		assert_true(keys_sample(&k, r, 0) == 0);

	/* s = 0 is the uniform, drawn as one: pmf 1/n. */
	assert_int_equal(keys_zipf(&k, 1000, 0, NULL), 0);
	assert_true(keys_pmf(&k, 0) == 1.0 / 1000 &&
		    keys_pmf(&k, 999) == 1.0 / 1000);

	/* A huge s puts everything on key 0; h(2) underflows, and the
	 * sampler must still end. */
	static const double big_s[] = { 60, 2000, 1e6 };
	for (int j = 0; j < 3; j++) {
		assert_int_equal(keys_zipf(&k, 1000000, big_s[j], NULL), 0);
		assert_true(fabs(keys_pmf(&k, 0) - 1) < 1e-15);
		for (int i = 0; i < 10000; i++)
			assert_true(keys_sample(&k, r, 0) == 0);
	}

	/* Continuity across s = 1: pmf(s = 1 +- 1e-9) within 1e-7 of s = 1. */
	struct keys lo, one, hi;
	assert_int_equal(keys_zipf(&lo, 1000000000, 1 - 1e-9, NULL), 0);
	assert_int_equal(keys_zipf(&one, 1000000000, 1, NULL), 0);
	assert_int_equal(keys_zipf(&hi, 1000000000, 1 + 1e-9, NULL), 0);
	static const uint64_t xs[] = { 0, 1, 999, 123456789, 999999999 };
	for (int i = 0; i < 5; i++) {
		double p = keys_pmf(&one, xs[i]);
		assert_true(fabs(keys_pmf(&lo, xs[i]) / p - 1) < 1e-7);
		assert_true(fabs(keys_pmf(&hi, xs[i]) / p - 1) < 1e-7);
		assert_true(keys_pmf(&lo, xs[i]) != keys_pmf(&hi, xs[i]));
	}
	gsl_rng_free(r);
}

/* ---- the flat kinds ------------------------------------------------------ */

/* draw_modulo is the classic biased uniform, rng % n. */
static uint64_t draw_modulo(const void *ctx, gsl_rng *r, uint64_t seq)
{
	const struct keys *k = ctx;
	return rng_u64(r) % k->n;
}

static void test_keys_uniform_chi_square(void **state)
{
	static struct binning b;
	/* 2/3 of 2^64: rng % n would give the lower half of the keys twice
	 * the weight of the upper half. */
	static const uint64_t ns[] = {
		1000, 12345, KEYS_ZIPF_N_MAX, UINT64_C(0xaaaaaaaaaaaaaaaa),
		UINT64_MAX,
	};
	char what[80];
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		struct keys k;
		assert_int_equal(keys_uniform(&k, ns[i], NULL), 0);
		bins_even(&b, ns[i]);
		snprintf(what, sizeof what, "uniform n %llu",
			 (unsigned long long)ns[i]);
		struct fit f = fit_draws(&k, draw_keys, &k, &b, 400 + i);
		expect_fit(what, f);
		/* Lemire's method rejects with probability p = (2^64 mod n)
		 * / 2^64: 1/3 at 2/3 2^64, so 1.5 outputs per draw (sd
		 * sqrt(p / (1 - p)^2 / NDRAWS) = 0.0009), within 5 sd; below
		 * 1e-7 for the others, so fewer than 0.1 rejections are
		 * expected over the run and 3 or more come one time in 6000 */
		int third = ns[i] == UINT64_C(0xaaaaaaaaaaaaaaaa);
		double want = third ? 1.5 : 1;
		double tol = third ? 5 * 0.0009 : 2.5 / NDRAWS;
		assert_true(fabs(f.per_draw - want) < tol);
	}

	struct keys k;
	assert_int_equal(keys_uniform(&k, UINT64_C(0xaaaaaaaaaaaaaaaa), NULL),
			 0);
	bins_even(&b, k.n);
	expect_misfit("uniform n 2/3 2^64 drawn as rng % n",
		      fit_draws(&k, draw_modulo, &k, &b, 410));

	/* One key. */
	assert_int_equal(keys_uniform(&k, 1, NULL), 0);
	gsl_rng *r = rng_stream_new(8, 0, "test", "keys");
	for (int i = 0; i < 1000; i++)
		assert_true(keys_sample(&k, r, 0) == 0);
	gsl_rng_free(r);
}

static void test_keys_hotset_chi_square(void **state)
{
	static struct binning b;
	struct keys k, wrong;

	assert_int_equal(keys_hotset(&k, 1000, 0.1, 0.9, NULL), 0);
	assert_true(k.hot == 100);
	assert_true(keys_pmf(&k, 99) == 0.9 / 100 &&
		    keys_pmf(&k, 100) == (1 - 0.9) / 900);
	bins_even(&b, 1000);
	struct fit f = fit_draws(&k, draw_keys, &k, &b, 500);
	expect_fit("hotset n 1000 fraction 0.1 share 0.9", f);
	assert_true(fabs(f.per_draw - 2) < 1e-9);

	assert_int_equal(keys_hotset(&wrong, 1000, 0.1, 0.89, NULL), 0);
	expect_misfit("hotset share 0.9 drawn with share 0.89",
		      fit_draws(&k, draw_keys, &wrong, &b, 501));

	/* Large n: ranges, hot 10^9 of 10^12 keys. */
	assert_int_equal(keys_hotset(&k, KEYS_ZIPF_N_MAX, 0.001, 0.8, NULL),
			 0);
	assert_true(k.hot == 1000000000);
	bins_split(&b, k.n, k.hot);
	expect_fit("hotset n 10^12 fraction 0.001 share 0.8",
		   fit_draws(&k, draw_keys, &k, &b, 502));

	/* Hot set size: max(1, round(fraction n)), halves rounding up. */
	static const struct {
		uint64_t n;
		double fraction;
		uint64_t hot;
	} sizes[] = {
		{ 10, 0.04, 1 }, { 10, 0.05, 1 }, { 10, 0.15, 2 },
		{ 10, 0.94, 9 }, { 2, 0.5, 1 }, { 3, 0.5, 2 },
		{ 1000, 0.1, 100 }, { UINT64_MAX, 0.5, UINT64_C(1) << 63 },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(keys_hotset(&k, sizes[i].n, sizes[i].fraction,
					     0.5, NULL), 0);
		if (k.hot != sizes[i].hot)
			fail_msg("n %llu fraction %g: hot %llu, want %llu",
				 (unsigned long long)sizes[i].n,
				 sizes[i].fraction, (unsigned long long)k.hot,
				 (unsigned long long)sizes[i].hot);
	}
}

static void test_keys_sequential_is_seq_mod_n(void **state)
{
	static const uint64_t ns[] = { 1, 7, 1000, KEYS_ZIPF_N_MAX,
				       UINT64_MAX };
	static const uint64_t seqs[] = { 0, 1, 6, 7, 8, 999, 1000, 1001,
					 UINT64_MAX - 1, UINT64_MAX };
	gsl_rng *r = rng_stream_new(9, 0, "test", "keys");
	struct rng_state before = *(struct rng_state *)r->state;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		struct keys k;
		assert_int_equal(keys_sequential(&k, ns[i], NULL), 0);
		for (size_t j = 0; j < sizeof seqs / sizeof seqs[0]; j++)
			assert_true(keys_sample(&k, r, seqs[j]) ==
				    seqs[j] % ns[i]);
		for (uint64_t seq = 0; seq < 3000; seq++)
			assert_true(keys_sample(&k, r, seq) == seq % ns[i]);
	}
	/* No randomness used. */
	assert_memory_equal(&before, r->state, sizeof before);
	gsl_rng_free(r);
}

/* ---- parameters, determinism, names ------------------------------------- */

static void expect_einval(int rc, const struct sim_err *err,
			  const struct keys *k, const char *want)
{
	assert_int_equal(rc, SIM_EINVAL);
	assert_int_equal(err->code, SIM_EINVAL);
	assert_string_equal(err->msg, want);
	/* What a failed constructor leaves is safe to sample: key 0. */
	assert_true(k->kind == KEYS_UNIFORM && k->n == 1);
}

static void test_keys_constructors_reject_bad_parameters(void **state)
{
	struct keys k;
	struct sim_err e;

	expect_einval(keys_uniform(&k, 0, &e), &e, &k,
		      "n must be >= 1 for uniform (got 0)");
	expect_einval(keys_sequential(&k, 0, &e), &e, &k,
		      "n must be >= 1 for sequential (got 0)");

	expect_einval(keys_zipf(&k, 0, 1, &e), &e, &k,
		      "n must be from 1 to 1000000000000 for zipf (got 0)");
	expect_einval(keys_zipf(&k, KEYS_ZIPF_N_MAX + 1, 1, &e), &e, &k,
		      "n must be from 1 to 1000000000000 for zipf "
		      "(got 1000000000001)");
	expect_einval(keys_zipf(&k, 100, -0.5, &e), &e, &k,
		      "s must be >= 0 and finite for zipf (got -0.5)");
	expect_einval(keys_zipf(&k, 100, NAN, &e), &e, &k,
		      "s must be >= 0 and finite for zipf (got nan)");
	expect_einval(keys_zipf(&k, 100, INFINITY, &e), &e, &k,
		      "s must be >= 0 and finite for zipf (got inf)");

	expect_einval(keys_hotset(&k, 1, 0.1, 0.9, &e), &e, &k,
		      "n must be >= 2 for hotset (got 1)");
	expect_einval(keys_hotset(&k, 1000, 0, 0.9, &e), &e, &k,
		      "fraction must be > 0 and < 1 for hotset (got 0)");
	expect_einval(keys_hotset(&k, 1000, 1, 0.9, &e), &e, &k,
		      "fraction must be > 0 and < 1 for hotset (got 1)");
	expect_einval(keys_hotset(&k, 1000, NAN, 0.9, &e), &e, &k,
		      "fraction must be > 0 and < 1 for hotset (got nan)");
	expect_einval(keys_hotset(&k, 1000, 0.1, 0, &e), &e, &k,
		      "share must be > 0 and < 1 for hotset (got 0)");
	expect_einval(keys_hotset(&k, 1000, 0.1, 1.5, &e), &e, &k,
		      "share must be > 0 and < 1 for hotset (got 1.5)");
	expect_einval(keys_hotset(&k, 10, 0.96, 0.9, &e), &e, &k,
		      "fraction 0.96 of n = 10 rounds to 10 hot keys, leaving "
		      "no cold key for hotset");
	expect_einval(keys_hotset(&k, 2, 0.75, 0.9, &e), &e, &k,
		      "fraction 0.75 of n = 2 rounds to 2 hot keys, leaving "
		      "no cold key for hotset");

	/* A NULL err is allowed; the largest n are accepted. */
	assert_int_equal(keys_zipf(&k, 0, 1, NULL), SIM_EINVAL);
	assert_int_equal(keys_zipf(&k, KEYS_ZIPF_N_MAX, 1, &e), 0);
	assert_int_equal(keys_uniform(&k, UINT64_MAX, &e), 0);
	assert_int_equal(keys_sequential(&k, UINT64_MAX, &e), 0);
	assert_int_equal(keys_hotset(&k, UINT64_MAX, 0.999, 0.5, &e), 0);
}

static void test_keys_same_seed_same_keys(void **state)
{
	struct keys ks[5];
	assert_int_equal(keys_uniform(&ks[0], 1000000007, NULL), 0);
	assert_int_equal(keys_zipf(&ks[1], 1000000000, 0.99, NULL), 0);
	assert_int_equal(keys_zipf(&ks[2], 1000, 0, NULL), 0);
	assert_int_equal(keys_hotset(&ks[3], 100000, 0.2, 0.8, NULL), 0);
	assert_int_equal(keys_sequential(&ks[4], 33, NULL), 0);
	for (int j = 0; j < 5; j++) {
		gsl_rng *a = rng_stream_new(42, 0, "test", "keys");
		gsl_rng *b = rng_stream_new(42, 0, "test", "keys");
		gsl_rng *c = rng_stream_new(43, 0, "test", "keys");
		int differ = 0;
		for (uint64_t i = 0; i < 10000; i++) {
			uint64_t x = keys_sample(&ks[j], a, i);
			assert_true(x == keys_sample(&ks[j], b, i));
			differ += x != keys_sample(&ks[j], c, i);
		}
		/* Another seed gives other keys, except for sequential. */
		assert_true(j == 4 ? differ == 0 : differ > 5000);
		gsl_rng_free(a);
		gsl_rng_free(b);
		gsl_rng_free(c);
	}
}

/* keys_permute is a bijection of [0, n) onto itself, for n of every
 * size around the Feistel network's even powers of two, and not the
 * identity; keys at n or above stay where they are. */
static void test_keys_permute_is_a_bijection(void **state)
{
	(void)state;
	const uint64_t ns[] = { 1, 2, 3, 4, 5, 15, 16, 17, 255, 256, 1000, 4097, 10000 };
	for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
		uint64_t n = ns[t], fixed = 0;
		uint8_t *seen = calloc(n, 1);
		assert_non_null(seen);
		for (uint64_t k = 0; k < n; k++) {
			uint64_t p = keys_permute(k, n, 42);
			assert_true(p < n);
			assert_false(seen[p]);
			seen[p] = 1;
			fixed += p == k;
		}
		free(seen);
		if (n >= 100)
			assert_true(fixed < n / 10);
		assert_true(keys_permute(n, n, 42) == n);
	}
	/* another seed, another order */
	assert_true(keys_permute(5, 10000, 1) != keys_permute(5, 10000, 2) ||
		    keys_permute(6, 10000, 1) != keys_permute(6, 10000, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_permute_is_a_bijection),
		cmocka_unit_test(test_keys_zipf_matches_pmf_chi_square),
		cmocka_unit_test(
			test_keys_zipf_chi_square_rejects_wrong_parameters),
		cmocka_unit_test(test_keys_pmf_sums_to_one),
		cmocka_unit_test(test_keys_zipf_extremes),
		cmocka_unit_test(test_keys_uniform_chi_square),
		cmocka_unit_test(test_keys_hotset_chi_square),
		cmocka_unit_test(test_keys_sequential_is_seq_mod_n),
		cmocka_unit_test(test_keys_constructors_reject_bad_parameters),
		cmocka_unit_test(test_keys_same_seed_same_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
