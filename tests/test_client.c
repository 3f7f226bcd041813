/*
 * test_client.c - the client kind: closed-loop users, and the plain open
 * loop's requests.  The arrival processes an open loop issues at are
 * test_arrival.c's.
 */
#include "tests/simtest.h"

#include "models/client.h"

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

static const char *plain_yaml =
	"name: plain\nseed: 7\nduration: 30s\nwarmup: 3s\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: %s}, target: w, priority: 2%s}\n"
	"  x: {arrival: {process: poisson, rate: 60/s}, target: w, priority: 1,\n"
	"      size: {request: 0B, response: 0B}}\n"
	"nodes:\n  w: {type: service, replicas: 2, discipline: priority,\n"
	"     service: {dist: exponential, mean: 9ms}}\n";

/* A client of an open loop with no keys, kinds, sizes, connections or
 * zone issues by issue_plain (client_plain); sizes of 0 bytes, which
 * change nothing, send it through issue.  Both measure the same to the
 * bit and count the same events, priorities included (a second
 * workload's requests compete in the priority queue); another rate does
 * not (the comparison can fail). */
static void test_client_plain_issue_measures_as_the_general(void **state)
{
	(void)state;
	static const char *v[3][2] = {
		{ "100/s", "" },
		{ "100/s", ", size: {request: 0B, response: 0B}" },
		{ "100.01/s", "" },
	};
	uint64_t d[3];
	double events[2][2];
	for (int i = 0; i < 3; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, plain_yaml, v[i][0], v[i][1]);
		struct sweep *set = simtest_load(yaml);
		const struct scenario *sc = set->points[0];
		assert_int_equal(client_plain(sc, simtest_node_index(sc, "u")), i != 1);
		assert_false(client_plain(sc, simtest_node_index(sc, "x")));
		assert_false(client_plain(sc, simtest_node_index(sc, "w")));
		sweep_free(set);
		d[i] = simtest_digest(yaml, 2);
		if (i < 2)
			simtest_reps(yaml, 2, { "@events", events[i] });
	}
	print_message("    digests %016llx %016llx %016llx\n", (unsigned long long)d[0],
		      (unsigned long long)d[1], (unsigned long long)d[2]);
	assert_true(d[0] == d[1]);
	assert_true(events[0][0] == events[1][0] && events[0][1] == events[1][1]);
	assert_true(d[2] != d[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_closed_loop_conserves_users),
		cmocka_unit_test(test_client_plain_issue_measures_as_the_general),
	};
	return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
