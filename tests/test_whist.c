/*
 * test_whist.c - window histograms: the bucket layout shared with hist.h,
 * the error bound of a quantile, exact merging, and a range that grows as
 * values come and is all that reset and merge touch.
 */
#include "tests/testutil.h"

#include <math.h>

#include "sim/hist.h"
#include "sim/rng.h"
#include "sim/whist.h"

static void test_whist_index_agrees_with_hist(void **state)
{
	/* the bucket from hist's bucket is the bucket from the value, for
	 * every edge of every octave and values between */
	gsl_rng *r = rng_stream_new(1, 0, "test", "whist");
	for (int e = 0; e < 63; e++) {
		int64_t lo = (int64_t)1 << e;
		int64_t v[4] = { lo, lo + 1, lo + (lo - 1),
				 lo + (int64_t)(rng_u64(r) % (uint64_t)lo) };
		for (int k = 0; k < 4; k++)
			assert_int_equal(whist_index_of_hist(hist_index(v[k])), whist_index(v[k]));
	}
	for (int64_t v = 0; v < 4096; v++)
		assert_int_equal(whist_index_of_hist(hist_index(v)), whist_index(v));
	gsl_rng_free(r);
}

static void test_whist_quantiles_within_their_bound(void **state)
{
	/* exponential latencies around 10 ms: every quantile within 1/32 of
	 * the exact order statistic */
	gsl_rng *r = rng_stream_new(2, 0, "test", "whist");
	struct whist w = { 0 };
	enum { N = 20001 };
	static int64_t v[N];
	for (int i = 0; i < N; i++) {
		v[i] = (int64_t)(rng_exponential(r, 1e7) + 0.5);
		assert_int_equal(whist_record(&w, v[i]), 0);
	}
	for (int i = 1; i < N; i++)              /* sort, for the exact ranks */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	static const double qs[] = { 0.01, 0.5, 0.9, 0.99, 0.999 };
	for (size_t k = 0; k < 5; k++) {
		size_t rank = (size_t)ceil(qs[k] * N);
		double exact = (double)v[rank - 1], got = (double)whist_quantile(&w, qs[k]);
		assert_true(fabs(got - exact) <= exact * WHIST_REL_ERR + 1);
	}
	/* the range holds what was seen, with room: at most 8 buckets and
	 * half the span beyond it on each side */
	uint32_t seen = (uint32_t)(whist_index(v[N - 1]) - whist_index(v[0]) + 1);
	assert_true(w.hi - w.lo <= 2 * seen + 16);
	assert_true(w.hi - w.lo < WHIST_NBUCKETS / 2);
	whist_fini(&w);
	gsl_rng_free(r);
}

static void test_whist_merge_and_reset(void **state)
{
	struct whist a = { 0 }, b = { 0 }, sum = { 0 };
	for (int64_t v = 100; v < 1000; v += 7)
		assert_int_equal(whist_record(&a, v), 0);
	for (int64_t v = 100000; v < 1000000; v += 7001)
		assert_int_equal(whist_record(&b, v), 0);
	/* merging grows the range to cover both, and adds exactly */
	assert_int_equal(whist_merge(&sum, &a), 0);
	assert_int_equal(whist_merge(&sum, &b), 0);
	assert_int_equal(sum.total, a.total + b.total);
	assert_true(sum.lo <= a.lo && sum.hi >= b.hi);
	/* the two ranges do not meet (100 ns to 1 us, 100 us to 1 ms) */
	assert_true(a.hi <= b.lo);
	for (uint32_t i = a.lo; i < a.hi; i++)
		assert_true(sum.counts[i - sum.lo] == a.counts[i - a.lo]);
	for (uint32_t i = b.lo; i < b.hi; i++)
		assert_true(sum.counts[i - sum.lo] == b.counts[i - b.lo]);
	assert_int_equal(whist_quantile(&sum, 0), whist_quantile(&a, 0));
	assert_int_equal(whist_quantile(&sum, 1), whist_quantile(&b, 1));
	/* merging an empty one changes nothing */
	struct whist none = { 0 };
	assert_int_equal(whist_merge(&sum, &none), 0);
	assert_int_equal(sum.total, a.total + b.total);
	/* reset keeps the memory and empties it */
	whist_reset(&sum);
	assert_int_equal(sum.total, 0);
	for (uint32_t i = sum.lo; i < sum.hi; i++)
		assert_int_equal(sum.counts[i - sum.lo], 0);
	assert_int_equal(whist_quantile(&sum, 0.5), 0);
	whist_fini(&a);
	whist_fini(&b);
	whist_fini(&sum);
}

/* A histogram reused from run to run keeps the widest range it ever
 * needed; merging, resetting and its quantiles go over the buckets it
 * used since its last reset, and lose none of them.  Then a merge into
 * a histogram that already counts widens what it used on both sides. */
static void test_whist_reused_counts_its_used_buckets(void **state)
{
	struct whist h = { 0 }, dst = { 0 };
	assert_int_equal(whist_record(&h, 1), 0);
	assert_int_equal(whist_record(&h, 1000000000000), 0);
	whist_reset(&h);
	assert_true(h.hi - h.lo > 500);        /* the range is kept */
	assert_int_equal(whist_record(&h, 5000), 0);
	assert_int_equal(whist_record(&h, 5000), 0);
	assert_int_equal(whist_record(&h, 900), 0);
	assert_int_equal(h.uhi - h.ulo, whist_index(5000) - whist_index(900) + 1);
	assert_int_equal(whist_quantile(&h, 0), whist_quantile(&h, 0.3));
	assert_true(whist_quantile(&h, 0) < 1000 && whist_quantile(&h, 1) > 4000);
	assert_int_equal(whist_merge(&dst, &h), 0);
	assert_int_equal(whist_merge(&dst, &h), 0);
	uint64_t sum = 0;
	for (uint32_t i = dst.lo; i < dst.hi; i++)
		sum += dst.counts[i - dst.lo];
	assert_int_equal(sum, 6);
	assert_int_equal(dst.counts[whist_index(5000) - dst.lo], 4);
	/* a value below and one above what dst used: both counted by the
	 * next merge, and reset clears them */
	whist_reset(&h);
	assert_int_equal(whist_record(&h, 10), 0);
	assert_int_equal(whist_record(&h, 10000000), 0);
	assert_int_equal(whist_merge(&dst, &h), 0);
	assert_int_equal(dst.total, 8);
	assert_int_equal(whist_quantile(&dst, 0), whist_quantile(&h, 0));
	assert_int_equal(whist_quantile(&dst, 1), whist_quantile(&h, 1));
	whist_reset(&dst);
	for (uint32_t i = dst.lo; i < dst.hi; i++)
		assert_int_equal(dst.counts[i - dst.lo], 0);
	whist_fini(&h);
	whist_fini(&dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whist_index_agrees_with_hist),
		cmocka_unit_test(test_whist_quantiles_within_their_bound),
		cmocka_unit_test(test_whist_merge_and_reset),
		cmocka_unit_test(test_whist_reused_counts_its_used_buckets),
	};
	return cmocka_run_group_tests_name("whist", tests, NULL, NULL);
}
