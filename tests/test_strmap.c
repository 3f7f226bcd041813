/*
 * test_strmap.c - the string map: put, get, duplicates, growth, checked
 * against a plain scan after seeded random operations.
 */
#include "tests/testutil.h"

#include "sim/strmap.h"

static void test_strmap_put_get_and_duplicates(void **state)
{
	struct strmap m;
	strmap_init(&m);
	uint32_t v = 99;
	assert_int_equal(strmap_get(&m, "a", &v), 0);
	assert_int_equal(strmap_put(&m, "a", 1, NULL), 1);
	assert_int_equal(strmap_put(&m, "b", 2, NULL), 1);
	assert_int_equal(strmap_put(&m, "a", 3, &v), 0);
	assert_int_equal(v, 1);           /* the first value stays */
	assert_int_equal(strmap_get(&m, "a", &v), 1);
	assert_int_equal(v, 1);
	assert_int_equal(strmap_get(&m, "b", &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(strmap_get(&m, "", &v), 0);
	assert_int_equal(m.n, 2);
	strmap_fini(&m);
	assert_int_equal(strmap_get(&m, "a", &v), 0);
}

static void test_strmap_random_stress_matches_a_scan(void **state)
{
	enum { N = 20000, KEYS = 5000 };
	static char names[KEYS][16];
	static int present[KEYS];
	static uint32_t value[KEYS];
	struct strmap m;
	strmap_init(&m);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < KEYS; i++)
		snprintf(names[i], sizeof names[i], "n%d", i * 7919 % 100003);
	memset(present, 0, sizeof present);
	for (int r = 0; r < N; r++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int k = (int)(x % KEYS);
		uint32_t old = 0;
		int put = strmap_put(&m, names[k], (uint32_t)r, &old);
		if (present[k]) {
			assert_int_equal(put, 0);
			assert_int_equal(old, value[k]);
		} else {
			assert_int_equal(put, 1);
			present[k] = 1;
			value[k] = (uint32_t)r;
		}
	}
	size_t n = 0;
	for (int k = 0; k < KEYS; k++) {
		uint32_t v;
		assert_int_equal(strmap_get(&m, names[k], &v), present[k]);
		if (present[k]) {
			assert_int_equal(v, value[k]);
			n++;
		}
	}
	assert_int_equal(m.n, n);
	assert_true(2 * m.n <= m.cap);    /* load kept under one half */
	strmap_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap_put_get_and_duplicates),
		cmocka_unit_test(test_strmap_random_stress_matches_a_scan),
	};
	return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
