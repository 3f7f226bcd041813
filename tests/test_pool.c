/*
 * test_pool.c - object pools: reuse, alignment, accounting, and a seeded
 * random stress that checks no object is ever handed out twice.
 */
#include "tests/testutil.h"

#include "sim/pool.h"

static void test_pool_reuses_freed_objects_first(void **state)
{
	struct pool p;
	pool_init(&p, 40, 8);
	void *a = pool_get(&p), *b = pool_get(&p);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(p.live, 2);
	pool_put(&p, a);
	assert_int_equal(p.live, 1);
#ifndef SIM_DEBUG_POOLS
	/* LIFO: the object just returned, still in cache, comes back first */
	assert_ptr_equal(pool_get(&p), a);
#else
	assert_non_null(pool_get(&p));
#endif
	pool_fini(&p);
}

static void test_pool_objects_are_aligned_and_sized(void **state)
{
	struct pool p;
	pool_init(&p, 3, 5);
	assert_true(p.size >= sizeof(void *));
	assert_int_equal(p.size % sizeof(max_align_t), 0);
	for (int i = 0; i < 20; i++) {
		char *o = pool_get(&p);
		assert_int_equal((uintptr_t)o % sizeof(max_align_t), 0);
		memset(o, 0xab, p.size);   /* the whole object is usable */
	}
	assert_int_equal(p.live, 20);
	pool_fini(&p);   /* frees objects still out */
}

static void test_pool_random_stress_never_hands_out_twice(void **state)
{
	enum { N = 5000, ROUNDS = 200000 };
	struct pool p;
	pool_init(&p, 24, 64);
	void **out = calloc(N, sizeof *out);
	uint64_t x = 88172645463325252ull;
	size_t live = 0;
	for (int r = 0; r < ROUNDS; r++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t i = x % N;
		if (out[i]) {
			/* the stamp written at get time is intact */
			assert_int_equal(*(uint64_t *)((char *)out[i] + 8), (uint64_t)i);
			pool_put(&p, out[i]);
			out[i] = NULL;
			live--;
		} else {
			out[i] = pool_get(&p);
			assert_non_null(out[i]);
			*(uint64_t *)((char *)out[i] + 8) = i;
			live++;
		}
		assert_int_equal(p.live, live);
	}
	for (size_t i = 0; i < N; i++)
		if (out[i])
			assert_int_equal(*(uint64_t *)((char *)out[i] + 8), (uint64_t)i);
	free(out);
	pool_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_reuses_freed_objects_first),
		cmocka_unit_test(test_pool_objects_are_aligned_and_sized),
		cmocka_unit_test(test_pool_random_stress_never_hands_out_twice),
	};
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
