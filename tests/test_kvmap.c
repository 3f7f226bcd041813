/*
 * test_kvmap.c - the key -> time map against a plain reference: 200,000
 * random puts and gets over 5,000 keys (so the map grows many times and
 * keys are overwritten), each answer compared with an array's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>

#include "sim/kvmap.h"

enum { KEYS = 5000, OPS = 200000 };

static void test_kvmap_against_an_array(void **state)
{
	(void)state;
	static int64_t ref[KEYS];
	static uint8_t has[KEYS];
	struct kvmap m = { 0 };
	int64_t v = 0;
	assert_int_equal(kvmap_get(&m, 7, &v), 0);          /* empty: nothing */
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 1);
	size_t puts = 0, hits = 0;
	for (int i = 0; i < OPS; i++) {
		/* keys spread over the whole 64 bits, and one of them 0 */
		uint32_t k = (uint32_t)gsl_rng_uniform_int(g, KEYS);
		uint64_t key = k * 0x9e3779b97f4a7c15ULL;
		if (gsl_rng_uniform(g) < 0.4) {
			int64_t t = (int64_t)gsl_rng_get(g) - 1000;
			assert_int_equal(kvmap_put(&m, key, t), 0);
			ref[k] = t, has[k] = 1, puts++;
		} else {
			int got = kvmap_get(&m, key, &v);
			assert_int_equal(got, has[k]);
			if (got) {
				assert_true(v == ref[k]);
				hits++;
			}
		}
	}
	size_t n = 0;
	for (int k = 0; k < KEYS; k++)
		n += has[k];
	assert_int_equal(m.n, n);
	assert_true(2 * m.n <= m.cap);
	print_message("    %zu puts, %zu hits, %zu keys in %zu slots\n", puts, hits, m.n, m.cap);
	kvmap_free(&m);
	assert_int_equal(kvmap_get(&m, 7, &v), 0);          /* freed: empty again */
	gsl_rng_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvmap_against_an_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
