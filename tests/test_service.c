/*
 * test_service.c - the service kind: finite queues reject, speed divides service
 * times, replicas share the load.
 */
#include "tests/simtest.h"

#include <math.h>

static void test_service_full_queue_rejects(void **state)
{
	/* arrivals every 1 s from t = 1 s, service 2.5 s, one worker, no
	 * waiting room: the ones at 1, 4, 7, ..., 298 s are served (100), the
	 * two after each find the worker busy (199) */
	double n, rejected, refused, ok;
	simtest_reps(
		"duration: 300s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, queue: 0, service: 2.5s}\n",
		1, { "@arrivals", &n }, { "w.rejected", &rejected }, { "@rejected", &refused },
		{ "@ok", &ok });
	assert_int_equal(n, 299);      /* at 1 s .. 299 s */
	assert_int_equal(rejected, 199);
	assert_int_equal(refused, 199);
	assert_int_equal(ok, 99);      /* the one of 298 s ends at 300.5 s */
}

static void test_service_speed_divides_service_time(void **state)
{
	double min_ns, max_ns, util;
	simtest_reps(
		"duration: 100s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 4, service: 400ms, replicas: 2}\n",
		1, { "@latency_min_ns", &min_ns }, { "@latency_max_ns", &max_ns },
		{ "w.utilization", &util });
	assert_int_equal(min_ns, 100000000);
	assert_int_equal(max_ns, 100000000);
	/* two replicas share the load: the 99 requests of 1 s .. 99 s keep a
	 * worker busy 0.1 s each, 9.9 s over 2 workers x 100 s */
	assert_true(fabs(util - 0.0495) < 1e-12);
}

static void test_service_huge_service_times_saturate(void **state)
{
	/* 9199 s at a millionth of the speed is 9.2e18 ns, past int64 when
	 * added to the clock; it is capped far beyond the run instead */
	double n, ok, got;
	simtest_reps(
		"duration: 7200h\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/h}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 0.000001, service: 9199s}\n",
		1, { "@arrivals", &n }, { "@ok", &ok }, { "w.arrivals", &got });
	assert_true(n > 6000);
	assert_int_equal(ok, 0);
	assert_int_equal(got, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_full_queue_rejects),
		cmocka_unit_test(test_service_speed_divides_service_time),
		cmocka_unit_test(test_service_huge_service_times_saturate),
	};
	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
