/*
 * test_client.c - the client kind: closed-loop users.  The arrival
 * processes an open loop issues at are test_arrival.c's.
 */
#include "tests/simtest.h"

static void test_client_closed_loop_conserves_users(void **state)
{
	/* 5 users, constant think 1 s, constant service 1 s, 1 worker:
	 * the server is the bottleneck, throughput is exactly 1/s */
	double ok, util, min_ns, max_ns;
	simtest_reps(
		"duration: 1000s\nwarmup: 100s\n"
		"workloads:\n  u: {arrival: {process: closed, users: 5, think: 1s}, target: w}\n"
		"nodes:\n  w: {type: service, service: 1s}\n",
		1, { "@ok", &ok }, { "w.utilization", &util }, { "@latency_min_ns", &min_ns },
		{ "@latency_max_ns", &max_ns });
	assert_true(ok >= 999 && ok <= 1001);
	assert_true(util == 1.0);   /* never idle */
	/* in the steady cycle each user takes 5 s (5 users at 1/s): 1 s of
	 * thinking, so every request spends exactly 4 s (3 waiting, 1 served) */
	assert_int_equal(min_ns, 4000000000LL);
	assert_int_equal(max_ns, 4000000000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_closed_loop_conserves_users),
	};
	return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
