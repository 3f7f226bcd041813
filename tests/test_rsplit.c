/*
 * test_rsplit.c - load-based range splitting against CockroachDB's
 * published rules: the finder's choice over set counters, its reservoir
 * against a recount of the requests, and the decider's timing against
 * the times worked out from the rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "models/rsplit.h"

static struct rs_range *fresh(void)
{
	static struct rs_range r;
	rs_reset(&r);
	return &r;
}

/* The finder's choice: a sample needs 100 requests counted, and a
 * balance |l - r| / (l + r) below 0.25; the least balance wins, the first
 * on a tie.  Each case is set so that one rule alone decides it. */
static void test_rsplit_key_rules(void **state)
{
	(void)state;
	struct rs_range *r = fresh();
	uint64_t key;
	double right;
	r->seen = 3;
	r->s[0] = (struct rs_sample){ .place = 10, .left = 50, .right = 49 };  /* 99 counted */
	r->s[1] = (struct rs_sample){ .place = 20, .left = 75, .right = 125 }; /* 0.25 exactly */
	r->s[2] = (struct rs_sample){ .place = 30, .left = 200, .right = 0 };  /* 1 */
	assert_int_equal(rs_key(r, &key, &right), 0);
	r->s[1].left = 76, r->s[1].right = 124;                                 /* 0.24 */
	assert_int_equal(rs_key(r, &key, &right), 1);
	assert_int_equal(key, 20);
	assert_true(fabs(right - 0.62) < 1e-12);
	r->s[0].left = 51;                                                      /* 100, 0.02 */
	assert_int_equal(rs_key(r, &key, &right), 1);
	assert_int_equal(key, 10);
	r->seen = 4;
	r->s[3] = (struct rs_sample){ .place = 5, .left = 49, .right = 51 };   /* ties: first */
	assert_int_equal(rs_key(r, &key, &right), 1);
	assert_int_equal(key, 10);
	r->seen = 1;                                   /* only filled slots count */
	r->s[0].left = 0;
	assert_int_equal(rs_key(r, &key, &right), 0);
}

/* One request at time now for a range already running a finder. */
static void feed(struct rs_range *r, uint64_t place, gsl_rng *g)
{
	uint64_t key;
	double right;
	rs_record(r, 0, place, 0, INT64_MAX, g, &key, &right);
}

/* The reservoir's counters against a recount.  Request j's place is a
 * permutation of j, so a sample's place names the request that put it
 * there; a request that entered the reservoir is seen there after its
 * record.  A sample's counters must be the requests after it that did not
 * enter the reservoir, on its right when at or above its place. */
static void test_rsplit_counters_match_a_recount(void **state)
{
	(void)state;
	enum { N = 5003, A = 1871 };           /* N prime: j -> j A mod N is a bijection */
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 5);
	struct rs_range *r = fresh();
	r->window_ns = 0, r->finder_ns = 0;   /* a finder from the first request */
	static uint8_t entered[N];
	static uint64_t at[N];
	for (uint64_t j = 0; j < N; j++) {
		at[j] = j * A % N;
		feed(r, at[j], g);
		entered[j] = 0;
		for (int k = 0; k < RS_SAMPLES; k++)
			entered[j] |= r->s[k].place == at[j];
	}
	int replaced = 0;
	for (int k = 0; k < RS_SAMPLES; k++) {
		uint64_t j0 = 0;
		while (at[j0] != r->s[k].place)
			j0++;
		uint32_t left = 0, right = 0;
		for (uint64_t j = j0 + 1; j < N; j++) {
			if (entered[j])
				continue;
			if (at[j] >= at[j0])
				right++;
			else
				left++;
		}
		assert_int_equal(r->s[k].left, left);
		assert_int_equal(r->s[k].right, right);
		replaced += j0 >= RS_SAMPLES;
	}
	print_message("    %d of 20 samples replaced; counters match the recount\n", replaced);
	assert_true(replaced > 0);
	gsl_rng_free(g);
}

/* Ties: a request at a sample's own key counts on its right (the key is
 * at or below it), as CockroachDB's finder counts it.  Samples at 0, 10,
 * .. 190, a finder a billion requests in (so that the next few all but
 * surely count rather than replace; the seed makes it sure), and
 * requests at 50, 0 and 195. */
static void test_rsplit_ties_count_right(void **state)
{
	(void)state;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 2);
	struct rs_range *r = fresh();
	r->window_ns = 0, r->finder_ns = 0, r->seen = 1000000000;
	for (int k = 0; k < RS_SAMPLES; k++)
		r->s[k] = (struct rs_sample){ .place = 10 * (uint64_t)k };
	const uint64_t q[3] = { 50, 0, 195 };
	for (int j = 0; j < 3; j++)
		feed(r, q[j], g);
	for (int k = 0; k < RS_SAMPLES; k++) {
		uint32_t right = 0;
		for (int j = 0; j < 3; j++)
			right += r->s[k].place <= q[j];
		assert_int_equal(r->s[k].place, 10 * (uint64_t)k);
		assert_int_equal(r->s[k].right, right);
		assert_int_equal(r->s[k].left, 3 - right);
	}
	assert_int_equal(r->s[0].right, 3);      /* the tie at 0 */
	assert_int_equal(r->s[5].right, 2);      /* the tie at 50 */
	gsl_rng_free(g);
}

/* The reservoir keeps each of n requests with probability 20/n: over 400
 * finders of 1,000 requests, the kept requests' positions fall evenly in
 * ten bins (400 x 20 / 10 = 800 each).  Chi-square with 9 degrees of
 * freedom, critical 21.67 at 1 %; the same statistic over the samples
 * the reservoir held after its first 20 requests, which a finder that
 * never replaced would keep, must fail it. */
static void test_rsplit_reservoir_is_uniform(void **state)
{
	(void)state;
	enum { RUNS = 400, N = 1000, BINS = 10 };
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 11);
	double count[BINS] = { 0 }, early[BINS] = { 0 }, e = RUNS * RS_SAMPLES / (double)BINS;
	for (int run = 0; run < RUNS; run++) {
		struct rs_range *r = fresh();
		r->window_ns = 0, r->finder_ns = 0;
		for (uint64_t j = 0; j < N; j++) {
			feed(r, j, g);
			for (int k = 0; j + 1 == RS_SAMPLES && k < RS_SAMPLES; k++)
				early[r->s[k].place * BINS / N]++;   /* what the first 20 leave */
		}
		for (int k = 0; k < RS_SAMPLES; k++)
			count[r->s[k].place * BINS / N]++;
	}
	double chi = 0, first = 0;
	for (int b = 0; b < BINS; b++) {
		chi += (count[b] - e) * (count[b] - e) / e;
		first += (early[b] - e) * (early[b] - e) / e;
	}
	print_message("    chi-square %.2f (critical 21.67); the first 20 kept: %.0f\n", chi, first);
	assert_true(chi < 21.67);
	assert_true(first > 21.67);
	gsl_rng_free(g);
}

/* The decider's timing at a steady rate, one request every `gap` ns,
 * against a threshold of 2,500 a second.  The first window closes at the
 * first request 1 s or more after the first (j gap >= 1 s), and starts
 * the finder; a key comes at the first request more than 10 s after that,
 * with uniform places all but surely balanced.  At 4,000 a second request
 * 4,000 falls on 1 s exactly and request 44,000 on 10 s after it, so the
 * rules' >= and > decide: the finder starts at 4,000, the key comes at
 * 44,001.  At 2,000 a second no window reaches the threshold and no key
 * ever comes. */
static void test_rsplit_decider_timing(void **state)
{
	(void)state;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 3);
	const int64_t gap[3] = { 333333, 250000, 500000 };
	for (int c = 0; c < 3; c++) {
		struct rs_range *r = fresh();
		long first = -1, start = -1;
		uint64_t key = 0;
		double right = 0;
		for (long j = 0; j < 30 * 4000 && first < 0; j++) {
			int64_t now = j * gap[c];
			if (rs_record(r, now, gsl_rng_uniform_int(g, 1000000), 2500, 10000000000LL,
				      g, &key, &right))
				first = j;
			if (start < 0 && r->finder_ns >= 0)
				start = j;
		}
		if (gap[c] == 500000) {
			assert_int_equal(first, -1);
			assert_int_equal(start, -1);
			continue;
		}
		long want_start = (long)((1000000000LL + gap[c] - 1) / gap[c]);
		long want_first = want_start + (long)(10000000000LL / gap[c]) + 1;
		print_message("    every %lld ns: finder from request %ld (rules: %ld), key %llu "
			      "(right share %.3f) at request %ld (rules: %ld)\n",
			      (long long)gap[c], start, want_start, (unsigned long long)key, right,
			      first, want_first);
		assert_int_equal(start, want_start);
		assert_int_equal(first, want_first);
		assert_true(right > 0.375 && right < 0.625);
		/* uniform places: the key's right share is its place's complement,
		 * within the counted requests' binomial spread */
		double m = 0;
		for (int k = 0; k < RS_SAMPLES; k++)
			if (r->s[k].place == key)
				m = (double)r->s[k].left + r->s[k].right;
		double want = 1 - key / 1e6, sd = sqrt(want * (1 - want) / m);
		print_message("    %g requests counted at the key: right share %.4f against %.4f +- %.4f\n",
			      m, right, want, sd);
		assert_true(m >= RS_MIN_COUNTER);
		assert_true(fabs(right - want) < 4 * sd);
	}
	gsl_rng_free(g);
}

/* A window below the threshold drops the finder: 5 s at 3,000 a second
 * start one; then at 1,000 a second the window open when the rate fell
 * closes (at its first request 1 s or more after its start: by the slow
 * phase's request 1,002) with a rate below 2,500 and drops it, and no
 * key comes in the 20 s after, though a finder kept would have been
 * ready. */
static void test_rsplit_finder_dropped(void **state)
{
	(void)state;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 4);
	struct rs_range *r = fresh();
	uint64_t key;
	double right;
	int64_t now = 0;
	for (long j = 0; j < 5 * 3000; j++, now += 333333)
		assert_int_equal(rs_record(r, now, gsl_rng_uniform_int(g, 1000000), 2500,
					   10000000000LL, g, &key, &right), 0);
	assert_true(r->finder_ns >= 0);
	int keyed = 0, dropped_by = -1;
	for (long j = 0; j < 20 * 1000; j++, now += 1000000) {
		keyed |= rs_record(r, now, gsl_rng_uniform_int(g, 1000000), 2500, 10000000000LL,
				   g, &key, &right);
		if (dropped_by < 0 && r->finder_ns < 0)
			dropped_by = (int)j;
	}
	print_message("    finder dropped at the slow phase's request %d; keys offered: %d\n",
		      dropped_by, keyed);
	assert_true(dropped_by >= 0 && dropped_by <= 1001 + 1);
	assert_int_equal(keyed, 0);
	gsl_rng_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsplit_key_rules),
		cmocka_unit_test(test_rsplit_counters_match_a_recount),
		cmocka_unit_test(test_rsplit_ties_count_right),
		cmocka_unit_test(test_rsplit_reservoir_is_uniform),
		cmocka_unit_test(test_rsplit_decider_timing),
		cmocka_unit_test(test_rsplit_finder_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
