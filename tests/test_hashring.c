/*
 * test_hashring.c - consistent hashing: Jump hash against the published
 * reference outputs, and the share of keys each scheme moves when a
 * place is added, against 1/(n+1) and n/(n+1).
 */
#include "tests/testutil.h"

#include <math.h>

#include <gsl/gsl_statistics_double.h>

#include "sim/hashring.h"
#include "sim/rng.h"
#include "sim/stats.h"

/* Outputs of the paper's reference code, as published in the tests of
 * dgryski/go-jump (jump_test.go, "generated from the reference C++ code"),
 * lithammer/go-jump-consistent-hash (jump_test.go), ClickHouse
 * (00580_consistent_hashing_functions.reference) and Guava
 * (HashingTest.java, golden100), which agree. */
static const struct { uint64_t key; uint32_t n, want; } jump_ref[] = {
	{ 0x0ULL, 1, 0 }, { 0x0ULL, 20, 0 },
	{ 0x1ULL, 6, 0 }, { 0x1ULL, 7, 6 }, { 0x1ULL, 17, 6 }, { 0x1ULL, 18, 17 }, { 0x1ULL, 19, 17 },
	{ 0xdeadbeefULL, 2, 1 }, { 0xdeadbeefULL, 3, 2 }, { 0xdeadbeefULL, 4, 3 },
	{ 0xdeadbeefULL, 5, 3 }, { 0xdeadbeefULL, 6, 5 }, { 0xdeadbeefULL, 16, 5 },
	{ 0xdeadbeefULL, 17, 16 }, { 0xdeadbeefULL, 19, 16 },
	{ 0x0ddc0ffeebadf00dULL, 2, 1 }, { 0x0ddc0ffeebadf00dULL, 3, 2 },
	{ 0x0ddc0ffeebadf00dULL, 15, 2 }, { 0x0ddc0ffeebadf00dULL, 16, 15 },
	{ 0x0ddc0ffeebadf00dULL, 19, 15 },
	{ 1ULL, 1, 0 }, { 42ULL, 57, 43 }, { 0xDEAD10CCULL, 1, 0 }, { 0xDEAD10CCULL, 666, 361 },
	{ 256ULL, 1024, 520 }, { 16045690984833335023ULL, 255, 237 },
	{ 1ULL, 100, 55 }, { 2ULL, 100, 62 }, { 3ULL, 100, 8 }, { 4ULL, 100, 45 }, { 5ULL, 100, 59 },
	{ 10863919174838991ULL, 11, 6 }, { 2016238256797177309ULL, 11, 3 },
	{ 1673758223894951030ULL, 11, 5 }, { 2ULL, 100001, 80343 }, { 2201ULL, 100001, 22152 },
	{ 2202ULL, 100001, 15018 },
};

static void test_hashring_jump_matches_reference_outputs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof jump_ref / sizeof jump_ref[0]; i++)
		assert_int_equal(hring_jump(jump_ref[i].key, jump_ref[i].n), jump_ref[i].want);
}

/* moved share when going from n to n + 1 places, over the probe keys */
static double moved_jump(uint32_t n)
{
	uint32_t m = 0;
	for (uint32_t k = 0; k < HRING_PROBES; k++)
		m += hring_jump(hring_probe(k), n) != hring_jump(hring_probe(k), n + 1);
	return (double)m / HRING_PROBES;
}

static double moved_mod(uint32_t n)
{
	uint32_t m = 0;
	for (uint32_t k = 0; k < HRING_PROBES; k++)
		m += hring_probe(k) % n != hring_probe(k) % (n + 1);
	return (double)m / HRING_PROBES;
}

/* a ring of n + 1 members named by salt, 160 points each: the share that
 * moves when the last joins */
static double moved_ring(uint32_t n, uint64_t salt)
{
	uint64_t hash[64], pts[64];
	uint8_t off[64] = { 0 };
	for (uint32_t b = 0; b <= n; b++)
		hash[b] = rng_key(salt, b), pts[b] = 160;
	struct hring_pt *all, *some;
	size_t na, ns;
	assert_int_equal(hring_build(&all, &na, hash, pts, n + 1), 0);
	assert_int_equal(na, (size_t)(n + 1) * 160);
	some = malloc(na * sizeof *some);
	off[n] = 1;
	ns = hring_filter(some, all, na, off);
	assert_int_equal(ns, (size_t)n * 160);
	uint32_t m = 0;
	for (uint32_t k = 0; k < HRING_PROBES; k++) {
		uint32_t a = hring_lookup(some, ns, hring_probe(k));
		uint32_t b = hring_lookup(all, na, hring_probe(k));
		/* only keys that go to the new member move */
		assert_true(a == b || b == n);
		m += a != b;
	}
	free(all), free(some);
	return (double)m / HRING_PROBES;
}

/* The probe keys are a sample of the key space: a share p measured over
 * them has binomial sd sqrt(p (1 - p) / probes).  Jump and modulo are
 * held to 4 sd of their exact shares, 1/(n+1) and n/(n+1), and each shown
 * off the other's.  A ring's share varies with where its points fall, so
 * it is measured over 40 rings and held to the t interval of their mean
 * (99.9 %). */
static void test_hashring_moved_shares(void **state)
{
	(void)state;
	uint32_t ns[] = { 4, 8, 16 };
	for (size_t i = 0; i < 3; i++) {
		uint32_t n = ns[i];
		double p = 1.0 / (n + 1), sd = sqrt(p * (1 - p) / HRING_PROBES);
		double j = moved_jump(n), m = moved_mod(n);
		print_message("    %u -> %u: jump %.4f, modulo %.4f (1/(n+1) = %.4f)\n", n, n + 1,
			      j, m, p);
		assert_true(fabs(j - p) < 4 * sd);
		assert_true(fabs(m - (1 - p)) < 4 * sd);
		assert_false(fabs(j - (1 - p)) < 4 * sd);
		double x[40];
		for (int r = 0; r < 40; r++)
			x[r] = moved_ring(n, rng_mix64((uint64_t)r + 99));
		double mean, half;
		stats_ci95(x, 40, &mean, &half);
		double se = gsl_stats_sd(x, 1, 40) / sqrt(40.0);
		double t = stats_t_quantile(0.9995, 39);
		print_message("    ring: %.4f +- %.4f (99.9 %%)\n", mean, t * se);
		assert_true(fabs(mean - p) < t * se);
		assert_false(fabs(mean - 1.0 / n) < t * se);
	}
}

/* Jump hash spreads evenly: chi-square of the probes over n buckets. */
static void test_hashring_jump_is_even(void **state)
{
	(void)state;
	uint32_t n = 10, cnt[10] = { 0 };
	for (uint32_t k = 0; k < HRING_PROBES; k++)
		cnt[hring_jump(hring_probe(k), n)]++;
	double e = (double)HRING_PROBES / n, chi = 0;
	for (uint32_t b = 0; b < n; b++)
		chi += (cnt[b] - e) * (cnt[b] - e) / e;
	/* chi-square with 9 degrees of freedom: 27.88 is its 99.9 % point */
	assert_true(chi < 27.88);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashring_jump_matches_reference_outputs),
		cmocka_unit_test(test_hashring_moved_shares),
		cmocka_unit_test(test_hashring_jump_is_even),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
