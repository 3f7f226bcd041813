/*
 * test_cstore.c - the cache store: each eviction policy against a plain
 * reference model on long random sequences, expiry in both modes, and the
 * memory an entry costs.
 */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "models/cstore.h"
#include "sim/rng.h"

/* A reference cache: an array in eviction order (index 0 goes first),
 * each slot with its key, expiry and use count, O(n) per operation. */
#define REFCAP 3000
struct ref {
	uint64_t key[REFCAP];
	int64_t exp[REFCAP];
	uint64_t freq[REFCAP];
	uint64_t stamp[REFCAP];  /* LFU: when it entered its frequency */
	int n, cap;
	enum cstore_policy p;
	uint64_t clock;
};

static int ref_find(const struct ref *r, uint64_t key)
{
	for (int i = 0; i < r->n; i++)
		if (r->key[i] == key)
			return i;
	return -1;
}

static void ref_remove(struct ref *r, int i)
{
	memmove(&r->key[i], &r->key[i + 1], (size_t)(r->n - i - 1) * sizeof r->key[0]);
	memmove(&r->exp[i], &r->exp[i + 1], (size_t)(r->n - i - 1) * sizeof r->exp[0]);
	memmove(&r->freq[i], &r->freq[i + 1], (size_t)(r->n - i - 1) * sizeof r->freq[0]);
	memmove(&r->stamp[i], &r->stamp[i + 1], (size_t)(r->n - i - 1) * sizeof r->stamp[0]);
	r->n--;
}

static void ref_use(struct ref *r, int i)
{
	if (r->p == CSTORE_LRU) {
		uint64_t k = r->key[i];
		int64_t e = r->exp[i];
		ref_remove(r, i);
		r->key[r->n] = k, r->exp[r->n] = e, r->n++;
	} else if (r->p == CSTORE_LFU) {
		r->freq[i]++;
		r->stamp[i] = r->clock++;
	}
}

/* ref_victim: LRU and FIFO the first; LFU the lowest count, the
 * earliest to reach it. */
static int ref_victim(const struct ref *r)
{
	if (r->p != CSTORE_LFU)
		return 0;
	int v = 0;
	for (int i = 1; i < r->n; i++)
		if (r->freq[i] < r->freq[v] ||
		    (r->freq[i] == r->freq[v] && r->stamp[i] < r->stamp[v]))
			v = i;
	return v;
}

/* check_policy runs `ops` random operations on keys 0 .. nkeys-1 against
 * a store of capacity cap and the reference, which must agree on every
 * lookup and on the count.  A capacity above the store's first allotment
 * (1024) makes it grow and rebuild its table on the way. */
static void check_policy(enum cstore_policy p, int cap, uint64_t nkeys, int64_t ops)
{
	struct cstore c;
	static struct ref r;
	memset(&r, 0, sizeof r);
	r.cap = cap;
	r.p = p;
	assert_int_equal(cstore_init(&c, (uint32_t)cap, p), 0);
	uint64_t x = 12345;
	uint64_t hits = 0;
	for (int64_t t = 0; t < ops; t++) {
		x = rng_mix64(x + 1);
		uint64_t key = x % nkeys;
		int op = (int)((x >> 20) % 10);
		if (op < 7) {
			int h = cstore_get(&c, key, t, 0);
			int i = ref_find(&r, key);
			int rh = i >= 0 && r.exp[i] > t;
			if (i >= 0 && !rh)
				ref_remove(&r, i);
			else if (rh)
				ref_use(&r, i);
			assert_int_equal(h, rh);
			hits += (uint64_t)h;
		} else if (op < 9) {
			int64_t exp = (x >> 40) % 4 ? INT64_MAX : t + (int64_t)((x >> 8) % 50);
			assert_int_equal(cstore_put(&c, key, exp, NULL), 0);
			int i = ref_find(&r, key);
			if (i >= 0) {
				r.exp[i] = exp;
				ref_use(&r, i);
			} else {
				if (r.n == r.cap)
					ref_remove(&r, ref_victim(&r));
				r.key[r.n] = key, r.exp[r.n] = exp, r.freq[r.n] = 1;
				r.stamp[r.n] = r.clock++;
				r.n++;
			}
		} else {
			int i = ref_find(&r, key);
			assert_int_equal(cstore_del(&c, key), i >= 0);
			if (i >= 0)
				ref_remove(&r, i);
		}
		assert_int_equal((int)c.count, r.n);
	}
	/* the sequence exercised hits, misses, expiry and eviction */
	assert_true(hits > (uint64_t)ops / 20);
	assert_true(c.evictions > 100);
	assert_true(c.expirations > 10);
	cstore_fini(&c);
}

static void test_cstore_lru_matches_reference(void **state)
{
	(void)state;
	check_policy(CSTORE_LRU, 16, 40, 200000);
	check_policy(CSTORE_LRU, REFCAP, 4 * REFCAP, 60000);
}

static void test_cstore_fifo_matches_reference(void **state)
{
	(void)state;
	check_policy(CSTORE_FIFO, 16, 40, 200000);
	check_policy(CSTORE_FIFO, REFCAP, 4 * REFCAP, 60000);
}

static void test_cstore_lfu_matches_reference(void **state)
{
	(void)state;
	check_policy(CSTORE_LFU, 16, 40, 200000);
	check_policy(CSTORE_LFU, REFCAP, 4 * REFCAP, 60000);
}

/* Random eviction: every entry equally likely to go.  Fill a store of 8,
 * add a 9th, count which of the 8 went, over many trials. */
static void test_cstore_random_evicts_uniformly(void **state)
{
	(void)state;
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256pp);
	gsl_rng_set(r, 7);
	uint64_t gone[8] = { 0 };
	const int trials = 80000;
	for (int k = 0; k < trials; k++) {
		struct cstore c;
		assert_int_equal(cstore_init(&c, 8, CSTORE_RANDOM), 0);
		for (uint64_t key = 0; key < 8; key++)
			assert_int_equal(cstore_put(&c, key, INT64_MAX, r), 0);
		assert_int_equal(cstore_put(&c, 100, INT64_MAX, r), 0);
		int missing = 0;
		for (uint64_t key = 0; key < 8; key++)
			if (!cstore_has(&c, key, 0)) {
				gone[key]++;
				missing++;
			}
		assert_int_equal(missing, 1);
		assert_true(cstore_has(&c, 100, 0));
		cstore_fini(&c);
	}
	/* each count is binomial(trials, 1/8): within 4.4 sd (all eight at
	 * once fail with probability below 1e-4) */
	double m = trials / 8.0, sd = sqrt(trials * (1 / 8.0) * (7 / 8.0));
	for (int k = 0; k < 8; k++)
		assert_true(fabs((double)gone[k] - m) < 4.4 * sd);
	gsl_rng_free(r);
}

/* Refresh: a hit restarts the expiry; on_miss (refresh 0) does not. */
static void test_cstore_expiry_modes(void **state)
{
	(void)state;
	struct cstore c;
	assert_int_equal(cstore_init(&c, 4, CSTORE_LRU), 0);
	assert_int_equal(cstore_put(&c, 1, 100, NULL), 0);
	assert_int_equal(cstore_get(&c, 1, 99, 0), 1);
	assert_int_equal(cstore_get(&c, 1, 100, 0), 0);     /* expired at 100 */
	assert_int_equal(c.expirations, 1);
	assert_int_equal(cstore_put(&c, 2, 100, NULL), 0);
	assert_int_equal(cstore_get(&c, 2, 90, 100), 1);     /* now expires at 190 */
	assert_int_equal(cstore_get(&c, 2, 150, 100), 1);
	assert_int_equal(cstore_get(&c, 2, 249, 0), 1);
	assert_int_equal(cstore_get(&c, 2, 250, 0), 0);
	cstore_clear(&c);
	assert_int_equal(c.count, 0);
	assert_int_equal(cstore_get(&c, 2, 0, 0), 0);
	cstore_fini(&c);
}

/* A cache of 10^5 entries over 10^6 distinct keys: at most 64 bytes per
 * cached entry, everything the store allocated counted. */
static void test_cstore_memory_per_entry(void **state)
{
	(void)state;
	enum cstore_policy ps[] = { CSTORE_LRU, CSTORE_LFU, CSTORE_FIFO, CSTORE_RANDOM };
	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256pp);
	for (size_t k = 0; k < 4; k++) {
		struct cstore c;
		assert_int_equal(cstore_init(&c, 100000, ps[k]), 0);
		for (uint64_t key = 0; key < 1000000; key++)
			assert_int_equal(cstore_put(&c, rng_mix64(key) % 1000000, INT64_MAX, r), 0);
		assert_int_equal(c.count, 100000);
		double bytes = (double)c.cap_now * sizeof *c.ent + (double)c.size * sizeof *c.tab +
			       (ps[k] == CSTORE_LFU ? (double)(c.cap_now + 1) * sizeof *c.fn : 0);
		print_message("    %s: %.1f bytes per entry\n",
			      (const char *[]){ "lru", "lfu", "fifo", "random" }[k], bytes / c.count);
		assert_true(bytes / c.count <= 64);
		cstore_fini(&c);
	}
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cstore_lru_matches_reference),
		cmocka_unit_test(test_cstore_fifo_matches_reference),
		cmocka_unit_test(test_cstore_lfu_matches_reference),
		cmocka_unit_test(test_cstore_random_evicts_uniformly),
		cmocka_unit_test(test_cstore_expiry_modes),
		cmocka_unit_test(test_cstore_memory_per_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
