/*
 * test_timeline.c - the fault timeline: what the checker accepts and
 * refuses, and what the engine does with each action, on deterministic
 * runs (constant arrivals, constant service) so that every count is exact.
 */
#include "tests/simtest.h"

#include "sim/timeline.h"

#define BASE \
	"duration: 100s\nreplications: 1\nwindow: 1s\n" \
	"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: web}\n" \
	"nodes:\n  web: {type: service, replicas: 2, workers: 1, service: 100ms}\n"

static const char *load_err(const char *yaml)
{
	static struct sim_err err;
	struct sweep *set = NULL;
	memset(&err, 0, sizeof err);
	if (sweep_load_string(&archsim_lang, "t.yaml", yaml, NULL, 0, &set, &err) == 0) {
		sweep_free(set);
		return "";
	}
	return err.msg;
}

static void test_timeline_entries_are_checked_into_place(void **state)
{
	struct sweep *set = simtest_load(BASE
		"timeline:\n"
		"  - {at: 5s, node: web, do: slow, factor: 10, for: 30s}\n"
		"  - at: 8s\n    node: web[1]\n    do: crash\n    for: 1m\n"
		"  - {at: 9s, node: web, replica: 0, do: errors, rate: 0.3}\n"
		"  - {at: 10s, node: \"web[1]\", do: recover}\n"
		"  - {at: 11s, node: web, do: latency, add: 100ms, for: 10s}\n"
		"  - {at: 12s, node: web, do: scale, replicas: 6}\n");
	const struct scenario *sc = set->points[0];
	assert_int_equal(sc->ntimeline, 6);
	const struct tl_entry *t = sc->timeline;
	assert_int_equal(t[0].action, TL_SLOW);
	assert_true(t[0].value == 10);
	assert_int_equal(t[0].for_ns, 30000000000LL);
	assert_int_equal(t[0].unit, UINT32_MAX);
	assert_string_equal(t[0].label, "web slow x10");
	assert_int_equal(t[1].action, TL_CRASH);
	assert_int_equal(t[1].unit, 1);
	assert_string_equal(t[1].label, "web[1] crash");
	assert_int_equal(t[2].unit, 0);
	assert_string_equal(t[2].label, "web[0] errors 30%");
	assert_int_equal(t[3].action, TL_RECOVER);
	assert_int_equal(t[4].add_ns, 100000000);
	assert_string_equal(t[4].label, "web +100ms");
	assert_int_equal(t[5].replicas, 6);
	/* a scale raises the replicas the node is given, and its rows */
	assert_int_equal(sc->nodes[0].units, 2);
	assert_int_equal(sc->nodes[0].max_units, 6);
	sweep_free(set);
}

static void test_timeline_refuses_what_cannot_happen(void **state)
{
	static const struct {
		const char *timeline, *msg;
	} bad[] = {
		{ "[{at: 5s, node: web, do: explode}]",
		  "t.yaml:8:36: timeline[0].do: unknown action 'explode' (allowed: crash, recover, slow, errors, latency, scale, flush, lag, failover, reshard)" },
		{ "[{at: 5s, node: web, do: slwo, factor: 2}]",
		  "t.yaml:8:36: timeline[0].do: unknown action 'slwo'; did you mean 'slow'?" },
		{ "[{at: 5s, node: web}]",
		  "t.yaml:8:12: timeline[0]: missing required key 'do' (one of: crash, recover, slow, errors, latency, scale, flush, lag, failover, reshard)" },
		{ "[{at: 5s, node: web, do: slow}]",
		  "t.yaml:8:12: timeline[0]: missing required key 'factor' for 'slow'" },
		{ "[{at: 5s, node: web, do: crash, factor: 2}]",
		  "t.yaml:8:43: timeline[0]: unknown key 'factor' (allowed: at, node, replica, consumer, do, for)" },
		{ "[{at: 5s, node: web, replica: 2, do: crash}]",
		  "t.yaml:8:41: timeline[0].replica: must be an integer from 0 to 1 (got 2)" },
		{ "[{at: 5s, node: \"web[7]\", do: crash}]",
		  "t.yaml:8:27: timeline[0].node: 'web' has 2 replicas (web[0] to web[1])" },
		{ "[{at: 5s, node: \"web[x]\", do: crash}]",
		  "t.yaml:8:27: timeline[0].node: 'web[x]': a replica is written NODE[INDEX], e.g. web[0]" },
		{ "[{at: 5s, node: \"web[0]\", replica: 1, do: crash}]",
		  "t.yaml:8:46: timeline[0].replica: the replica is already named by node: web[0]" },
		{ "[{at: 5s, node: \"web[0]\", do: latency, add: 1ms}]",
		  "t.yaml:8:27: timeline[0].node: 'latency' applies to a whole node: write web, not a replica" },
		{ "[{at: 100s, node: web, do: crash}]",
		  "t.yaml:8:17: timeline[0].at: is at or after the end of the run (warmup + duration = 100s): it would never happen" },
		{ "[{at: 5s, node: api, do: crash}]",
		  "t.yaml:8:27: timeline[0].node: no node named 'api' (nodes: web)" },
		{ "[{at: 5s, node: u, do: crash}]",
		  "t.yaml:8:27: timeline[0].node: no node named 'u' (nodes: web)" },
		{ "[{at: 5s, node: web, do: errors, rate: 1.5}]",
		  "t.yaml:8:50: timeline[0].rate: must be a number from 0 to 1 (got 1.5)" },
		{ "[{at: 5s, node: web, do: scale, replicas: 0}]",
		  "t.yaml:8:53: timeline[0].replicas: must be an integer from 1 to 100000 (got 0)" },
		{ "[{at: 5s, node: web, do: crash, for: 0s}]",
		  "t.yaml:8:48: timeline[0].for: must be greater than 0 (got 0s)" },
		{ "{at: 5s}",
		  "t.yaml:8:11: timeline: must be a list of entries such as {at: 5m, node: db, do: slow, factor: 10, for: 30s}" },
	};
	int wrong = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char y[2048];
		snprintf(y, sizeof y, BASE "timeline: %s\n", bad[i].timeline);
		const char *got = load_err(y);
		if (strcmp(got, bad[i].msg)) {
			print_error("case %zu:\n  got      %s\n  expected %s\n", i, got, bad[i].msg);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

static void test_timeline_refuses_a_fault_the_kind_does_not_take(void **state)
{
	/* a kind that can crash but not slow down: the same entry that a
	 * service takes is refused for it, at the action */
	struct sweep *set = simtest_load(BASE);
	struct scenario *sc = set->points[0];
	const struct model_ops *real = sc->nodes[0].ops;
	struct model_ops crash_only = *real;
	crash_only.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER);
	sc->nodes[0].ops = &crash_only;
	struct yt_node *tl = NULL;
	struct sim_err err = { 0 };
	const char *y = "- {at: 5s, node: web, do: crash}\n- {at: 6s, node: web, do: slow, factor: 2}\n";
	assert_int_equal(yt_load_string("t.yaml", y, strlen(y), &tl, &err), 0);
	struct check_ctx ctx = { sc, &err, &archsim_lang };
	assert_int_equal(tl_check(&ctx, tl, archsim_lang.kinds), SIM_EINVAL);
	assert_string_equal(err.msg, "t.yaml:2:27: timeline[1]: nodes of type service do not support 'slow'");
	/* the crash alone is accepted */
	free(sc->timeline);
	sc->timeline = NULL;
	yt_free(tl);
	y = "- {at: 5s, node: web, do: crash}\n";
	assert_int_equal(yt_load_string("t.yaml", y, strlen(y), &tl, &err), 0);
	assert_int_equal(tl_check(&ctx, tl, archsim_lang.kinds), 0);
	assert_int_equal(sc->ntimeline, 1);
	yt_free(tl);
	sc->nodes[0].ops = real;
	sweep_free(set);
}

/* run1 runs replication 0 of BASE with `timeline` and returns it. */
static struct sweep *run1(const char *timeline, struct rep_result *r)
{
	char y[2048];
	snprintf(y, sizeof y, BASE "timeline:\n%s", timeline);
	struct sweep *set = simtest_load(y);
	simtest_run(set->points[0], 0, r);
	return set;
}

static void test_timeline_crash_fails_what_the_replica_holds_and_gets(void **state)
{
	/* arrivals at 1 s, 2 s, ... alternate web[0], web[1]; web[1] gets
	 * the even seconds.  Down from 10 s for 10 s: the even arrivals of
	 * 10 .. 18 s fail at once (5), the rest are served */
	struct rep_result r;
	struct sweep *set = run1("  - {at: 10s, node: web, replica: 1, do: crash, for: 10s}\n", &r);
	assert_int_equal(simtest_ended(&r, REQ_CRASHED), 5);
	assert_int_equal(simtest_ended(&r, REQ_OK), 99 - 5);
	assert_true(simtest_node(set->points[0], &r, 0, 2, "failed") == 5);
	assert_true(simtest_node(set->points[0], &r, 0, 1, "failed") == 0);
	rep_result_fini(&r);
	sweep_free(set);

	/* crashing at 10.05 s catches the request of 10 s in service: it
	 * fails then, 50 ms after it was issued */
	set = run1("  - {at: 10050ms, node: web, replica: 1, do: crash, for: 1s}\n", &r);
	assert_int_equal(simtest_ended(&r, REQ_CRASHED), 1);
	assert_true(r.scopes[0].failed_latency_s > 0.0499 && r.scopes[0].failed_latency_s < 0.0501);
	rep_result_fini(&r);
	sweep_free(set);

	/* `recover` ends a crash early; without `for` a crash lasts */
	set = run1("  - {at: 10s, node: web, replica: 1, do: crash}\n"
		   "  - {at: 15s, node: web, replica: 1, do: recover}\n", &r);
	assert_int_equal(simtest_ended(&r, REQ_CRASHED), 3);     /* 10, 12, 14 */
	rep_result_fini(&r);
	sweep_free(set);
	set = run1("  - {at: 10s, node: web, do: crash}\n", &r);
	assert_int_equal(simtest_ended(&r, REQ_CRASHED), 99 - 9);
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_timeline_slow_errors_latency_and_scale(void **state)
{
	struct rep_result r;
	/* two overlapping slows multiply: 100 ms x 2 x 3 between 20 and 22 s */
	struct sweep *set = run1(
		"  - {at: 10s, node: web, do: slow, factor: 2, for: 12s}\n"
		"  - {at: 20s, node: web, do: slow, factor: 3, for: 10s}\n", &r);
	const struct hist *h = &r.scopes[0].latency;
	/* 10 .. 19 s: 200 ms (10), 20, 21 s: 600 ms (2), 22 .. 29 s: 300 ms
	 * (8), the rest 100 ms */
	assert_int_equal(h->counts[hist_index(200000000)], 10);
	assert_int_equal(h->counts[hist_index(600000000)], 2);
	assert_int_equal(h->counts[hist_index(300000000)], 8);
	assert_int_equal(h->max_ns, 600000000);
	rep_result_fini(&r);
	sweep_free(set);

	/* errors at rate 1 on web[0] fail every request it serves, after
	 * its service */
	set = run1("  - {at: 0s, node: web, replica: 0, do: errors, rate: 1}\n", &r);
	assert_int_equal(simtest_ended(&r, REQ_ERROR), 50);      /* 1, 3, ... 99 s */
	assert_true(r.scopes[0].failed_latency_s > 50 * 0.0999 &&
		    r.scopes[0].failed_latency_s < 50 * 0.1001);
	rep_result_fini(&r);
	sweep_free(set);

	/* latency: 1 s added before each arrival from 50 s, for 10 s */
	set = run1("  - {at: 50s, node: web, do: latency, add: 1s, for: 10s}\n", &r);
	assert_int_equal(r.scopes[0].latency.counts[hist_index(1100000000)], 10);
	rep_result_fini(&r);
	sweep_free(set);

	/* scale to 1 replica: all arrivals go to web[0] from then on */
	set = run1("  - {at: 49500ms, node: web, do: scale, replicas: 1}\n", &r);
	const struct scenario *sc = set->points[0];
	assert_true(simtest_node(sc, &r, 0, 1, "arrivals") == 75);   /* 25 + 50 */
	assert_true(simtest_node(sc, &r, 0, 2, "arrivals") == 24);
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_timeline_overlapping_scales(void **state)
{
	/* 2 replicas; 4 from 10 s to 30 s; 6 from 20 s to 40 s.  The later
	 * entry decides while both are active, and when it ends the count
	 * goes back to what is still active - here nothing: the configured
	 * 2.  Arrivals are 1/s, round robin over the replicas taking them */
	struct rep_result r;
	struct sweep *set = run1(
		"  - {at: 10s, node: web, do: scale, replicas: 4, for: 20s}\n"
		"  - {at: 20s, node: web, do: scale, replicas: 6, for: 20s}\n", &r);
	const struct scenario *sc = set->points[0];
	assert_int_equal(sc->nodes[0].max_units, 6);
	double got[6];
	for (uint32_t k = 0; k < 6; k++)
		got[k] = simtest_node(sc, &r, 0, 1 + k, "arrivals");
	/* replicas 4 and 5 take requests only from 20 s to 40 s: 20
	 * arrivals over 6 replicas, 3 or 4 each; nothing after 40 s */
	assert_true(got[4] >= 3 && got[4] <= 4);
	assert_true(got[5] >= 3 && got[5] <= 4);
	/* replicas 2 and 3: 10 to 20 s over 4 (2 or 3 each) and 20 to 40 s
	 * over 6 (3 or 4 each) */
	assert_true(got[2] >= 5 && got[2] <= 7);
	double all = 0;
	for (int k = 0; k < 6; k++)
		all += got[k];
	assert_true(all == simtest_node(sc, &r, 0, 0, "arrivals"));
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_timeline_scale_down_then_up_keeps_utilisation_honest(void **state)
{
	/* long requests (10 s on one worker each): at 30 s the node scales
	 * from 2 replicas to 1, and web[1] finishes what it holds; at 60 s
	 * back to 2.  Busy workers never exceed the workers counted, so no
	 * utilisation, of a window or of a row, is above 1 */
	char y[2048];
	snprintf(y, sizeof y,
		 "duration: 100s\nreplications: 1\nwindow: 1s\n"
		 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: web}\n"
		 "nodes:\n  web: {type: service, replicas: 2, workers: 12, service: 10s}\n"
		 "timeline:\n  - {at: 30s, node: web, do: scale, replicas: 1, for: 30s}\n");
	struct sweep *set = simtest_load(y);
	const struct scenario *sc = set->points[0];
	struct rep_result r;
	simtest_run(sc, 0, &r);
	for (uint32_t row = 0; row < 3; row++)
		assert_true(simtest_node(sc, &r, 0, row, "utilization") <= 1 + 1e-12);
	assert_true(r.nts_node > 0);
	for (size_t t = 0; t < r.nts_node; t++)
		assert_true(r.node_ts[t * r.node_ts_cells] <= 1 + 1e-12);
	/* web[1] took arrivals before 30 s (the even seconds, 14) and from
	 * 60 s (the even seconds again, 20), none between */
	assert_true(simtest_node(sc, &r, 0, 2, "arrivals") == 34);
	assert_true(simtest_node(sc, &r, 0, 1, "arrivals") == 15 + 30 + 20);
	rep_result_fini(&r);
	sweep_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline_entries_are_checked_into_place),
		cmocka_unit_test(test_timeline_refuses_what_cannot_happen),
		cmocka_unit_test(test_timeline_refuses_a_fault_the_kind_does_not_take),
		cmocka_unit_test(test_timeline_crash_fails_what_the_replica_holds_and_gets),
		cmocka_unit_test(test_timeline_slow_errors_latency_and_scale),
		cmocka_unit_test(test_timeline_overlapping_scales),
		cmocka_unit_test(test_timeline_scale_down_then_up_keeps_utilisation_honest),
	};
	return cmocka_run_group_tests_name("timeline", tests, NULL, NULL);
}
