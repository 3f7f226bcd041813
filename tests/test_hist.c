/*
 * test_hist.c - the log-linear histogram: bucket layout over the whole
 * int64_t range, the quantile error bound against exact order statistics,
 * exact merge, mean and reset.
 *
 * The error bound needs no statistics: a quantile and the true order
 * statistic fall in the same bucket, so the bound |estimate - exact| <=
 * exact / 256 (hist.h) must hold for every quantile of every data set.
 */
#include "tests/testutil.h"

#include <math.h>

#include "sim/hist.h"
#include "sim/rng.h"

static void test_hist_has_7296_buckets(void **state)
{
	assert_int_equal(HIST_NBUCKETS, 256 + 55 * 128);
	assert_int_equal(hist_index(0), 0);
	assert_int_equal(hist_index(255), 255);
	assert_int_equal(hist_index(256), 256);
	assert_int_equal(hist_index(257), 256);   /* width 2 from 256 */
	assert_int_equal(hist_index(258), 257);
	assert_int_equal(hist_index(511), 383);
	assert_int_equal(hist_index(512), 384);
	assert_int_equal(hist_index(INT64_MAX), HIST_NBUCKETS - 1);
}

static void test_hist_buckets_are_contiguous_and_invert_index(void **state)
{
	assert_int_equal(hist_bucket_lo(0), 0);
	for (size_t i = 0; i < HIST_NBUCKETS; i++) {
		int64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
		assert_true(lo <= hi);
		assert_int_equal(hist_index(lo), i);
		assert_int_equal(hist_index(hi), i);
		if (i + 1 < HIST_NBUCKETS)
			assert_true(hist_bucket_lo(i + 1) == hi + 1);
		/* width / lower edge <= 1/128 above the exact range */
		if (lo >= 256)
			assert_true((uint64_t)(hi - lo + 1) * 128 <=
				    (uint64_t)lo);
		else
			assert_true(lo == hi);
	}
	assert_true(hist_bucket_hi(HIST_NBUCKETS - 1) == INT64_MAX);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* exact_quantile is the ceil(q n)-th smallest of sorted[0..n), at least
 * the first: the definition hist_quantile follows. */
static int64_t exact_quantile(const int64_t *sorted, size_t n, double q)
{
	double k = ceil(q * (double)n);
	size_t rank = k < 1 ? 1 : (size_t)k;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* fill_log_uniform fills v with values log-uniform on [1, 1e12] ns. */
static void fill_log_uniform(int64_t *v, size_t n, const char *purpose)
{
	gsl_rng *r = rng_stream_new(77, 0, "test_hist", purpose);
	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		v[i] = llround(exp(rng_uniform_pos(r) * log(1e12)));
	gsl_rng_free(r);
}

static void test_hist_quantile_within_half_percent(void **state)
{
	enum { N = 200000 };
	static const double qs[] = { 0, 0.001, 0.5, 0.9, 0.99, 0.999, 1 };
	int64_t *v = malloc(N * sizeof *v);
	assert_non_null(v);
	fill_log_uniform(v, N, "quantile");

	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	for (size_t i = 0; i < N; i++)
		hist_record(&h, v[i]);
	qsort(v, N, sizeof *v, cmp_i64);
	assert_true(h.min_ns == v[0] && h.max_ns == v[N - 1]);

	for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		int64_t want = exact_quantile(v, N, qs[k]);
		int64_t got = hist_quantile(&h, qs[k]);
		int64_t diff = got > want ? got - want : want - got;
		/* 1/256 is the bound in hist.h, inside the promised 0.5 %. */
		if (diff * 256 > want)
			fail_msg("q %g: got %lld, exact %lld", qs[k],
				 (long long)got, (long long)want);
	}
	/* Every quantile of a prefix of the data too: smaller n, other
	 * ranks. */
	for (size_t n = 1; n <= 1000; n += 37) {
		hist_reset(&h);
		int64_t w[1000];
		memcpy(w, v + N / 3, n * sizeof *w);
		for (size_t i = 0; i < n; i++)
			hist_record(&h, w[i] + (int64_t)i * 1000003);
		for (size_t i = 0; i < n; i++)
			w[i] += (int64_t)i * 1000003;
		qsort(w, n, sizeof *w, cmp_i64);
		for (int j = 0; j <= 100; j++) {
			double q = j / 100.0;
			int64_t want = exact_quantile(w, n, q);
			int64_t got = hist_quantile(&h, q);
			int64_t diff = got > want ? got - want : want - got;
			assert_true(diff * 256 <= want);
		}
	}
	hist_fini(&h);
	free(v);
}

static void test_hist_quantile_exact_below_256(void **state)
{
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	for (int64_t v = 0; v < 256; v++)
		for (int64_t k = 0; k <= v % 3; k++)
			hist_record(&h, v);
	/* Value v appears v % 3 + 1 times: 1+2+3 per three values. */
	assert_int_equal(h.total, 85 * 6 + 1);
	assert_int_equal(hist_quantile(&h, 0), 0);
	assert_int_equal(hist_quantile(&h, 1), 255);
	/* The median is the value where the running count first reaches
	 * rank ceil(0.5 * 511) = 256. */
	uint64_t rank = 256, cum = 0;
	int64_t want = -1;
	for (int64_t v = 0; v < 256 && want < 0; v++) {
		cum += (uint64_t)(v % 3 + 1);
		if (cum >= rank)
			want = v;
	}
	assert_int_equal(hist_quantile(&h, 0.5), want);
	hist_fini(&h);
}

static void test_hist_extremes_and_negatives(void **state)
{
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	hist_record(&h, -5);
	assert_int_equal(h.counts[0], 1);
	assert_int_equal(h.min_ns, 0);
	hist_record(&h, INT64_MAX);
	assert_int_equal(h.counts[HIST_NBUCKETS - 1], 1);
	/* The top bucket's midpoint, within 1/256 of the value. */
	size_t top = HIST_NBUCKETS - 1;
	int64_t mid = hist_bucket_lo(top) +
		(hist_bucket_hi(top) - hist_bucket_lo(top)) / 2;
	assert_true(hist_quantile(&h, 1) == mid);
	assert_true((INT64_MAX - mid) <= INT64_MAX / 256);
	assert_true(hist_quantile(&h, 0) == 0);
	assert_true(hist_quantile(&h, 0.5) == 0);
	/* A single value is reported exactly: the midpoint is clamped. */
	hist_reset(&h);
	hist_record(&h, 123456789);
	assert_int_equal(hist_quantile(&h, 0), 123456789);
	assert_int_equal(hist_quantile(&h, 0.5), 123456789);
	assert_int_equal(hist_quantile(&h, 1), 123456789);
	hist_fini(&h);
}

static void test_hist_quantile_is_clamped_bucket_midpoint(void **state)
{
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	size_t i = hist_index(1000000);
	int64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
	int64_t mid = lo + (hi - lo) / 2;
	assert_true(hi - lo == 4095);           /* octave 19: width 2^12 */

	/* Both values in one bucket, on either side of its midpoint: every
	 * quantile is the midpoint. */
	hist_record(&h, lo + 1);
	hist_record(&h, hi - 1);
	assert_int_equal(hist_quantile(&h, 0), mid);
	assert_int_equal(hist_quantile(&h, 0.5), mid);
	assert_int_equal(hist_quantile(&h, 1), mid);

	/* Add a value in the next bucket: rank 3 of 3 moves there. */
	hist_record(&h, hi + 1);
	int64_t next_mid = (hi + 1) + (hist_bucket_hi(i + 1) - (hi + 1)) / 2;
	assert_int_equal(hist_quantile(&h, 2.0 / 3), mid);
	assert_int_equal(hist_quantile(&h, 0.67), hi + 1);  /* > max: clamped */
	assert_true(next_mid > hi + 1);
	hist_fini(&h);
}

/* hist_quantiles, one pass for several quantiles, reads the bucket
 * hist_quantile reads for each, on histograms of 1 to 50,000 values. */
static void test_hist_quantiles_one_pass(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 2, 9, 1000, 50000 };
	static const double q[] = { 0, 0.001, 0.5, 0.9, 0.99, 0.999, 1 };
	enum { NQ = sizeof q / sizeof q[0] };
	int64_t *v = malloc(50000 * sizeof *v);
	assert_non_null(v);
	fill_log_uniform(v, 50000, "quantiles");
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct hist h;
		int64_t got[NQ];
		assert_int_equal(hist_init(&h), 0);
		for (size_t i = 0; i < sizes[k]; i++)
			hist_record(&h, v[i]);
		hist_quantiles(&h, q, NQ, got);
		for (size_t j = 0; j < NQ; j++)
			assert_true(got[j] == hist_quantile(&h, q[j]));
		hist_fini(&h);
	}
	free(v);
}

static void test_hist_merge_equals_concatenation(void **state)
{
	enum { N = 50000 };
	int64_t *v = malloc(2 * N * sizeof *v);
	assert_non_null(v);
	fill_log_uniform(v, 2 * N, "merge");

	struct hist a, b, all, empty;
	assert_int_equal(hist_init(&a), 0);
	assert_int_equal(hist_init(&b), 0);
	assert_int_equal(hist_init(&all), 0);
	assert_int_equal(hist_init(&empty), 0);
	for (size_t i = 0; i < N; i++)
		hist_record(&a, v[i]);
	for (size_t i = N; i < 2 * N; i++)
		hist_record(&b, v[i]);
	for (size_t i = 0; i < 2 * N; i++)
		hist_record(&all, v[i]);

	hist_merge(&a, &b);
	hist_merge(&a, &empty);
	assert_memory_equal(a.counts, all.counts,
			    HIST_NBUCKETS * sizeof *a.counts);
	assert_true(a.total == all.total);
	assert_true(a.min_ns == all.min_ns && a.max_ns == all.max_ns);
	assert_true(a.sum_ns == all.sum_ns);
	assert_true(hist_mean(&a) == hist_mean(&all));
	assert_true(hist_quantile(&a, 0.99) == hist_quantile(&all, 0.99));

	/* Merging into an empty histogram copies. */
	hist_merge(&empty, &b);
	assert_memory_equal(empty.counts, b.counts,
			    HIST_NBUCKETS * sizeof *b.counts);
	assert_true(empty.min_ns == b.min_ns && empty.max_ns == b.max_ns);

	hist_fini(&a);
	hist_fini(&b);
	hist_fini(&all);
	hist_fini(&empty);
	free(v);
}

static void test_hist_mean_exact(void **state)
{
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	hist_record(&h, 1);
	hist_record(&h, 3);
	hist_record(&h, 1000000000001);
	hist_record(&h, 999999999999);
	assert_true(hist_mean(&h) == 500000000001.0);

	/* 10^5 values up to 10^12: the integer sum (< 2^64) is exact, and
	 * the mean must be it divided by n, to within the final rounding to
	 * double (relative 2^-53, allowing one more for long double). */
	enum { N = 100000 };
	int64_t *v = malloc(N * sizeof *v);
	assert_non_null(v);
	fill_log_uniform(v, N, "mean");
	hist_reset(&h);
	uint64_t sum = 0;
	for (size_t i = 0; i < N; i++) {
		hist_record(&h, v[i]);
		sum += (uint64_t)v[i];
	}
	double want = (double)sum / N;
	assert_true(fabs(hist_mean(&h) - want) <= want * 0x1.0p-52);
	free(v);
	hist_fini(&h);
}

static void test_hist_reset_clears_everything(void **state)
{
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	for (int64_t v = 1; v < 1000000000; v *= 3)
		hist_record(&h, v);
	uint64_t *mem = h.counts;
	hist_reset(&h);
	assert_ptr_equal(h.counts, mem);
	for (size_t i = 0; i < HIST_NBUCKETS; i++)
		assert_true(h.counts[i] == 0);
	assert_true(h.total == 0 && h.sum_ns == 0);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_true(hist_mean(&h) == 0);
	hist_record(&h, 700);
	assert_true(h.min_ns == 700 && h.max_ns == 700);
	assert_int_equal(hist_quantile(&h, 0.5), 700);
	hist_fini(&h);
	hist_fini(&h);
	assert_null(h.counts);
}

static void test_hist_empty_returns_zero(void **state)
{
	struct hist h;
	assert_int_equal(hist_init(&h), 0);
	assert_true(h.total == 0);
	assert_int_equal(hist_quantile(&h, 0), 0);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_int_equal(hist_quantile(&h, 1), 0);
	assert_true(hist_mean(&h) == 0);
	hist_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_has_7296_buckets),
		cmocka_unit_test(
			test_hist_buckets_are_contiguous_and_invert_index),
		cmocka_unit_test(test_hist_quantile_within_half_percent),
		cmocka_unit_test(test_hist_quantile_exact_below_256),
		cmocka_unit_test(test_hist_extremes_and_negatives),
		cmocka_unit_test(test_hist_quantile_is_clamped_bucket_midpoint),
		cmocka_unit_test(test_hist_quantiles_one_pass),
		cmocka_unit_test(test_hist_merge_equals_concatenation),
		cmocka_unit_test(test_hist_mean_exact),
		cmocka_unit_test(test_hist_reset_clears_everything),
		cmocka_unit_test(test_hist_empty_returns_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
