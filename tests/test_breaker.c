/*
 * test_breaker.c - the circuit breaker's state machine driven by scripted
 * outcomes, step by step against resilience4j's documented transitions.
 */
#include "tests/testutil.h"

#include "sim/breaker.h"

#define MS 1000000LL
#define S 1000000000LL

static struct breaker_cfg base_cfg(void)
{
	return (struct breaker_cfg){
		.window_type = BRK_WINDOW_COUNT, .window_size = 10, .min_calls = 10,
		.failure_rate = 50, .slow_rate = 100, .slow_ns = 60 * S, .wait_ns = 10 * S,
		.half_open_calls = 3, .auto_half_open = 0,
	};
}

/* run calls: 'F' failed, 'S' ok, each at time t (ms), lasting 1 ms */
static void calls(struct breaker *b, const char *seq, int64_t t)
{
	for (const char *p = seq; *p; p++) {
		assert_int_equal(breaker_allow(b, t * MS), 1);
		breaker_record(b, t * MS, *p == 'F', MS, b->epoch);
	}
}

/* Not before the minimum number of calls; then at exactly the threshold. */
static void test_breaker_minimum_calls_and_threshold(void **state)
{
	(void)state;
	struct breaker_cfg c = base_cfg();
	struct breaker b;
	assert_int_equal(breaker_init(&b, &c), 0);
	calls(&b, "FFFFFSSSS", 0);          /* 9 calls, 5 failed: below the minimum */
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "S", 0);                  /* 10 calls, 50 %: the threshold */
	assert_int_equal(b.state, BRK_OPEN);
	assert_int_equal(b.transitions[BRK_OPEN], 1);
	breaker_fini(&b);

	assert_int_equal(breaker_init(&b, &c), 0);
	calls(&b, "FFFFSSSSSS", 0);         /* 40 %: stays closed */
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "F", 0);                  /* the ring drops the first F: still 40 % */
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "F", 0);                  /* drops F, adds F: 40 % */
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "FF", 0);                 /* drops F F, adds F F: 40 %; then... */
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "F", 0);                  /* drops S, adds F: 50 % */
	assert_int_equal(b.state, BRK_OPEN);
	breaker_fini(&b);

	/* a count window smaller than the minimum: the size caps it */
	c.window_size = 4;
	assert_int_equal(breaker_init(&b, &c), 0);
	calls(&b, "SSF", 0);
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "F", 0);
	assert_int_equal(b.state, BRK_OPEN);
	breaker_fini(&b);
}

/* Open: fails fast, records nothing; half-open strictly after the wait
 * (at the first call), three permits; their outcomes close or reopen. */
static void test_breaker_open_half_open_close(void **state)
{
	(void)state;
	struct breaker_cfg c = base_cfg();
	struct breaker b;
	assert_int_equal(breaker_init(&b, &c), 0);
	calls(&b, "FFFFFFFFFF", 0);
	assert_int_equal(b.state, BRK_OPEN);
	for (int i = 0; i < 5; i++)
		assert_int_equal(breaker_allow(&b, 5 * S), 0);
	assert_int_equal(b.not_permitted, 5);
	assert_int_equal(breaker_allow(&b, 10 * S), 0);     /* the wait is not over */
	assert_int_equal(b.state, BRK_OPEN);
	assert_int_equal(breaker_allow(&b, 10 * S + 1), 1); /* half-open, one permit taken */
	assert_int_equal(b.state, BRK_HALF_OPEN);
	assert_int_equal(breaker_allow(&b, 10 * S + 2), 1);
	assert_int_equal(breaker_allow(&b, 10 * S + 3), 1);
	assert_int_equal(breaker_allow(&b, 10 * S + 4), 0); /* only 3 permitted */
	breaker_record(&b, 11 * S, 1, MS, b.epoch);
	breaker_record(&b, 11 * S, 0, MS, b.epoch);
	assert_int_equal(b.state, BRK_HALF_OPEN);           /* 2 of 3 recorded */
	breaker_record(&b, 11 * S, 0, MS, b.epoch);                  /* 1 of 3 failed: 33 % */
	assert_int_equal(b.state, BRK_CLOSED);
	assert_int_equal(b.transitions[BRK_CLOSED], 1);
	/* closed again with an empty window: 9 failures do not open it */
	calls(&b, "FFFFFFFFF", 12000);
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "F", 12000);
	assert_int_equal(b.state, BRK_OPEN);
	/* this time two of three half-open calls fail: open again */
	assert_int_equal(breaker_allow(&b, 23 * S), 1);
	assert_int_equal(breaker_allow(&b, 23 * S), 1);
	assert_int_equal(breaker_allow(&b, 23 * S), 1);
	breaker_record(&b, 23 * S, 1, MS, b.epoch);
	breaker_record(&b, 23 * S, 1, MS, b.epoch);
	breaker_record(&b, 23 * S, 0, MS, b.epoch);
	assert_int_equal(b.state, BRK_OPEN);
	assert_int_equal(b.opened_ns, 23 * S);
	assert_int_equal(b.transitions[BRK_OPEN], 3);
	assert_int_equal(b.transitions[BRK_HALF_OPEN], 2);
	breaker_fini(&b);
}

/* The automatic transition: half-open at the end of the wait, with no
 * call; slow calls open it by their own rate. */
static void test_breaker_automatic_and_slow(void **state)
{
	(void)state;
	struct breaker_cfg c = base_cfg();
	c.auto_half_open = 1;
	c.slow_ns = 100 * MS;
	c.slow_rate = 60;
	struct breaker b;
	assert_int_equal(breaker_init(&b, &c), 0);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(breaker_allow(&b, 0), 1);
		breaker_record(&b, 0, 0, i < 6 ? 150 * MS : 100 * MS, b.epoch);  /* 100 ms is not slow */
	}
	assert_int_equal(b.state, BRK_OPEN);                /* 60 % slow, none failed */
	assert_int_equal(breaker_auto_due(&b), 10 * S);
	breaker_tick(&b, 10 * S - 1);
	assert_int_equal(b.state, BRK_OPEN);
	breaker_tick(&b, 10 * S);
	assert_int_equal(b.state, BRK_HALF_OPEN);
	assert_int_equal(breaker_auto_due(&b), INT64_MAX);
	breaker_fini(&b);
}

/* A time window holds the calls of the last N seconds. */
static void test_breaker_time_window(void **state)
{
	(void)state;
	struct breaker_cfg c = base_cfg();
	c.window_type = BRK_WINDOW_TIME;
	c.window_size = 2;
	c.min_calls = 4;
	struct breaker b;
	assert_int_equal(breaker_init(&b, &c), 0);
	calls(&b, "FFF", 100);               /* second 0 */
	calls(&b, "S", 2500);                /* second 2: second 0 has left */
	assert_int_equal(b.state, BRK_CLOSED);
	assert_int_equal(b.calls, 1);
	calls(&b, "SF", 3100);               /* seconds 2 and 3: 3 calls */
	assert_int_equal(b.state, BRK_CLOSED);
	calls(&b, "F", 3200);                /* 4 calls, 2 failed: 50 % */
	assert_int_equal(b.state, BRK_OPEN);
	breaker_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_breaker_minimum_calls_and_threshold),
		cmocka_unit_test(test_breaker_open_half_open_close),
		cmocka_unit_test(test_breaker_automatic_and_slow),
		cmocka_unit_test(test_breaker_time_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
