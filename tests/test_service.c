/*
 * test_service.c - the service kind: finite queues reject, speed divides service
 * times, replicas share the load.
 */
#include "tests/simtest.h"

#include <math.h>

#include "app/lang.h"
#include "sim/sweep.h"
#include "sim/sim.h"

static void test_service_full_queue_rejects(void **state)
{
	/* arrivals every 1 s from t = 1 s, service 2.5 s, one worker, no
	 * waiting room: the ones at 1, 4, 7, ..., 298 s are served (100), the
	 * two after each find the worker busy (199) */
	struct sweep *set = simtest_load(
		"duration: 300s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, queue: 0, service: 2.5s}\n");
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	assert_int_equal(simtest_arrivals(&r), 299);      /* at 1 s .. 299 s */
	assert_int_equal(simtest_node(set->points[0], &r, 0, 0, "rejected"), 199);
	assert_int_equal(simtest_ended(&r, REQ_REJECTED), 199);
	assert_int_equal(simtest_ended(&r, REQ_OK), 99);      /* the one of 298 s ends at 300.5 s */
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_service_speed_divides_service_time(void **state)
{
	struct sweep *set = simtest_load(
		"duration: 100s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 4, service: 400ms, replicas: 2}\n");
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	assert_int_equal(r.scopes[0].latency.min_ns, 100000000);
	assert_int_equal(r.scopes[0].latency.max_ns, 100000000);
	/* two replicas share the load: the 99 requests of 1 s .. 99 s keep a
	 * worker busy 0.1 s each, 9.9 s over 2 workers x 100 s */
	assert_true(fabs(simtest_node(set->points[0], &r, 0, 0, "utilization") - 0.0495) < 1e-12);
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_service_huge_service_times_saturate(void **state)
{
	/* 9199 s at a millionth of the speed is 9.2e18 ns, past int64 when
	 * added to the clock; it is capped far beyond the run instead */
	struct sweep *set = simtest_load(
		"duration: 7200h\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/h}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 0.000001, service: 9199s}\n");
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	assert_true(simtest_arrivals(&r) > 6000);
	assert_int_equal(simtest_ended(&r, REQ_OK), 0);
	assert_int_equal(simtest_node(set->points[0], &r, 0, 0, "arrivals"), simtest_arrivals(&r));
	rep_result_fini(&r);
	sweep_free(set);
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
