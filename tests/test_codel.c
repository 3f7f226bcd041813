/*
 * test_codel.c - CoDel for request queues (sim/codel.h) against the
 * sequences folly's own tests put its Codel through
 * (folly/executors/test/CodelTest.cpp), with the simulated clock where
 * folly sleeps: the first request of an interval restarts the minimum and
 * is never dropped; an overloaded interval drops only delays past twice
 * the target; a new target or interval reads the same way.
 */
#include "tests/testutil.h"

#include "sim/codel.h"

#define MS 1000000LL

static const struct codel_cfg folly_defaults = { 5 * MS, 100 * MS };

/* CodelTest.Basic: built at 0, requests at 110, 200, 200, 310 and 400 ms */
static void test_codel_basic(void **state)
{
	struct codel q;
	codel_init(&q, 0);
	/* the minimum restarts: never dropped */
	assert_false(codel_drops(&q, &folly_defaults, 110 * MS, 100 * MS));
	/* the interval is over and its minimum (100 ms) passed the target:
	 * overloaded, but this request restarts the minimum */
	assert_false(codel_drops(&q, &folly_defaults, 200 * MS, 50 * MS));
	assert_true(codel_drops(&q, &folly_defaults, 200 * MS, 50 * MS));
	/* the previous interval was overloaded, but 2 ms starts the next */
	assert_false(codel_drops(&q, &folly_defaults, 310 * MS, 2 * MS));
	/* still overloaded (judged at 310 ms): 20 ms > twice the target */
	assert_true(codel_drops(&q, &folly_defaults, 400 * MS, 20 * MS));
	/* but 10 ms is not past it */
	assert_false(codel_drops(&q, &folly_defaults, 400 * MS, 10 * MS));
	/* at 420 ms the interval (from 310) has ended with a minimum of 2
	 * ms: no longer overloaded */
	assert_false(codel_drops(&q, &folly_defaults, 420 * MS, 30 * MS));
	assert_false(codel_drops(&q, &folly_defaults, 420 * MS, 30 * MS));
}

/* CodelTest.oneRequestNoDrop, mediumLoad and reducingLoad */
static void test_codel_single_requests(void **state)
{
	struct codel q;
	codel_init(&q, 0);
	assert_false(codel_drops(&q, &folly_defaults, 0, 20 * MS));
	/* 90 ms later, still the first interval: overloaded is not yet
	 * judged, so 8 ms and 4 ms are served */
	assert_false(codel_drops(&q, &folly_defaults, 90 * MS, 8 * MS));
	codel_init(&q, 0);
	assert_false(codel_drops(&q, &folly_defaults, 0, 20 * MS));
	assert_false(codel_drops(&q, &folly_defaults, 90 * MS, 4 * MS));
}

/* CodelTest.updateTargetDelay and updateInterval: a target of 40 ms
 * keeps 40 ms from dropping; back at 5 ms, after an interval, the second
 * request of 40 ms is dropped; an interval of 200 ms judges at 200 ms */
static void test_codel_settings(void **state)
{
	struct codel q;
	const struct codel_cfg t40 = { 40 * MS, 100 * MS };
	codel_init(&q, 0);
	assert_false(codel_drops(&q, &folly_defaults, 0, 40 * MS));
	assert_false(codel_drops(&q, &t40, 0, 40 * MS));
	assert_false(codel_drops(&q, &folly_defaults, 110 * MS, 40 * MS));
	assert_true(codel_drops(&q, &folly_defaults, 110 * MS, 40 * MS));

	const struct codel_cfg i200 = { 5 * MS, 200 * MS };
	codel_init(&q, 0);
	assert_false(codel_drops(&q, &folly_defaults, 0, 50 * MS));
	assert_false(codel_drops(&q, &folly_defaults, 110 * MS, 50 * MS));
	assert_true(codel_drops(&q, &folly_defaults, 110 * MS, 50 * MS));
	/* the interval's length: the second request judges the first
	 * interval (built at 0, it ended at once) and starts the next; at
	 * 130 ms a 100 ms interval is over and the minimum restarts, a 200 ms
	 * one is not and the request is dropped */
	for (int k = 0; k < 2; k++) {
		const struct codel_cfg *c = k ? &i200 : &folly_defaults;
		codel_init(&q, 0);
		assert_false(codel_drops(&q, c, 10 * MS, 50 * MS));
		assert_false(codel_drops(&q, c, 20 * MS, 50 * MS));
		assert_true(codel_drops(&q, c, 30 * MS, 50 * MS));
		assert_int_equal(codel_drops(&q, c, 130 * MS, 50 * MS), k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codel_basic),
		cmocka_unit_test(test_codel_single_requests),
		cmocka_unit_test(test_codel_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
