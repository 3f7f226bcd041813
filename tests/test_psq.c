/*
 * test_psq.c - processor sharing in virtual time (sim/psq.h): each of n
 * requests on c servers advances at min(1, c / n); departures come in
 * the order of their tags, ties in the order of joining; a crash takes
 * them all in that order.
 */
#include "tests/testutil.h"

#include "sim/psq.h"

#define S 1000000000LL

static int tag[8];

/* Alone at full speed; two sharing one server at half speed each. */
static void test_psq_one_server(void **state)
{
	struct psq q;
	psq_init(&q, 1, 0);
	assert_int_equal(psq_next_ns(&q), INT64_MAX);
	assert_int_equal(psq_add(&q, 0, 4 * S, &tag[0]), 0);
	assert_int_equal(psq_next_ns(&q), 4 * S);
	/* at 1 s, 3 s left; a second of 1 s joins: both at half speed, the
	 * second leaves after 2 s, at 3 s; the first then has 2 s left */
	assert_int_equal(psq_add(&q, 1 * S, 1 * S, &tag[1]), 0);
	assert_int_equal(psq_next_ns(&q), 3 * S);
	assert_ptr_equal(psq_pop(&q, 3 * S), &tag[1]);
	assert_int_equal(psq_next_ns(&q), 5 * S);
	assert_ptr_equal(psq_pop(&q, 5 * S), &tag[0]);
	assert_int_equal(q.n, 0);
	psq_fini(&q);
}

/* Two servers: two run at full speed, a third slows all to 2/3; equal
 * demands leave in the order they came. */
static void test_psq_servers_and_ties(void **state)
{
	struct psq q;
	psq_init(&q, 2, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(psq_add(&q, 0, 2 * S, &tag[i]), 0);
	/* 2 s each at 2/3: all due at 3 s, in order of joining */
	assert_int_equal(psq_next_ns(&q), 3 * S);
	assert_ptr_equal(psq_pop(&q, 3 * S), &tag[0]);
	assert_int_equal(psq_next_ns(&q), 3 * S);
	assert_ptr_equal(psq_pop(&q, 3 * S), &tag[1]);
	assert_ptr_equal(psq_pop(&q, 3 * S), &tag[2]);
	/* two present: full speed each */
	assert_int_equal(psq_add(&q, 10 * S, 1 * S, &tag[3]), 0);
	assert_int_equal(psq_add(&q, 10 * S, 3 * S, &tag[4]), 0);
	assert_int_equal(psq_next_ns(&q), 11 * S);
	assert_ptr_equal(psq_pop(&q, 11 * S), &tag[3]);
	assert_int_equal(psq_next_ns(&q), 13 * S);
	psq_fini(&q);
}

/* take_all: in the order they would have left, the heap grown past its
 * first size. */
static void test_psq_take_all_in_order(void **state)
{
	struct psq q;
	psq_init(&q, 1, 0);
	static int64_t x[40];
	void *out[40];
	for (int i = 0; i < 40; i++) {
		x[i] = (int64_t)((i * 17) % 40 + 1) * S;
		assert_int_equal(psq_add(&q, 0, x[i], &x[i]), 0);
	}
	assert_int_equal(psq_take_all(&q, S, out), 40);
	for (int i = 1; i < 40; i++)
		assert_true(*(int64_t *)out[i - 1] < *(int64_t *)out[i]);
	assert_int_equal(q.n, 0);
	psq_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psq_one_server),
		cmocka_unit_test(test_psq_servers_and_ties),
		cmocka_unit_test(test_psq_take_all_in_order),
	};
	return cmocka_run_group_tests_name("psq", tests, NULL, NULL);
}
