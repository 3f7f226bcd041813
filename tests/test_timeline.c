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
		  "t.yaml:8:36: timeline[0].do: unknown action 'explode' (allowed: crash, recover, slow, errors, latency, scale, partition, rollout, flush, lag, failover, reshard, rebuild)" },
		{ "[{at: 5s, node: web, do: slwo, factor: 2}]",
		  "t.yaml:8:36: timeline[0].do: unknown action 'slwo'; did you mean 'slow'?" },
		{ "[{at: 5s, node: web}]",
		  "t.yaml:8:12: timeline[0]: missing required key 'do' (one of: crash, recover, slow, errors, latency, scale, partition, rollout, flush, lag, failover, reshard, rebuild)" },
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

/* with_timeline is BASE with `timeline` (valid until the next call). */
static const char *with_timeline(const char *timeline)
{
	static char y[2048];
	snprintf(y, sizeof y, BASE "timeline:\n%s", timeline);
	return y;
}

static void test_timeline_crash_fails_what_the_replica_holds_and_gets(void **state)
{
	/* arrivals at 1 s, 2 s, ... alternate web[0], web[1]; web[1] gets
	 * the even seconds.  Down from 10 s for 10 s: the even arrivals of
	 * 10 .. 18 s fail at once (5), the rest are served */
	double crashed, ok, failed1, failed0;
	simtest_reps(with_timeline("  - {at: 10s, node: web, replica: 1, do: crash, for: 10s}\n"), 1,
		     { "@crashed", &crashed }, { "@ok", &ok }, { "web[1].failed", &failed1 },
		     { "web[0].failed", &failed0 });
	assert_int_equal(crashed, 5);
	assert_int_equal(ok, 99 - 5);
	assert_true(failed1 == 5);
	assert_true(failed0 == 0);

	/* crashing at 10.05 s catches the request of 10 s in service: it
	 * fails then, 50 ms after it was issued */
	double waited;
	simtest_reps(with_timeline("  - {at: 10050ms, node: web, replica: 1, do: crash, for: 1s}\n"), 1,
		     { "@crashed", &crashed }, { "@failed_latency_s", &waited });
	assert_int_equal(crashed, 1);
	assert_true(waited > 0.0499 && waited < 0.0501);

	/* `recover` ends a crash early; without `for` a crash lasts */
	simtest_reps(with_timeline("  - {at: 10s, node: web, replica: 1, do: crash}\n"
				   "  - {at: 15s, node: web, replica: 1, do: recover}\n"), 1,
		     { "@crashed", &crashed });
	assert_int_equal(crashed, 3);     /* 10, 12, 14 */
	simtest_reps(with_timeline("  - {at: 10s, node: web, do: crash}\n"), 1, { "@crashed", &crashed });
	assert_int_equal(crashed, 99 - 9);
}

static void test_timeline_slow_errors_latency_and_scale(void **state)
{
	/* two overlapping slows multiply: 100 ms x 2 x 3 between 20 and 22 s */
	double at200, at600, at300, max_ns;
	simtest_reps(with_timeline("  - {at: 10s, node: web, do: slow, factor: 2, for: 12s}\n"
				   "  - {at: 20s, node: web, do: slow, factor: 3, for: 10s}\n"), 1,
		     { "@latency_bucket[200ms]", &at200 }, { "@latency_bucket[600ms]", &at600 },
		     { "@latency_bucket[300ms]", &at300 }, { "@latency_max_ns", &max_ns });
	/* 10 .. 19 s: 200 ms (10), 20, 21 s: 600 ms (2), 22 .. 29 s: 300 ms
	 * (8), the rest 100 ms */
	assert_int_equal(at200, 10);
	assert_int_equal(at600, 2);
	assert_int_equal(at300, 8);
	assert_int_equal(max_ns, 600000000);

	/* errors at rate 1 on web[0] fail every request it serves, after
	 * its service */
	double errors, waited;
	simtest_reps(with_timeline("  - {at: 0s, node: web, replica: 0, do: errors, rate: 1}\n"), 1,
		     { "@error", &errors }, { "@failed_latency_s", &waited });
	assert_int_equal(errors, 50);      /* 1, 3, ... 99 s */
	assert_true(waited > 50 * 0.0999 && waited < 50 * 0.1001);

	/* latency: 1 s added before each arrival from 50 s, for 10 s */
	double at1100;
	simtest_reps(with_timeline("  - {at: 50s, node: web, do: latency, add: 1s, for: 10s}\n"), 1,
		     { "@latency_bucket[1100ms]", &at1100 });
	assert_int_equal(at1100, 10);

	/* scale to 1 replica: all arrivals go to web[0] from then on */
	double got0, got1;
	simtest_reps(with_timeline("  - {at: 49500ms, node: web, do: scale, replicas: 1}\n"), 1,
		     { "web[0].arrivals", &got0 }, { "web[1].arrivals", &got1 });
	assert_true(got0 == 75);   /* 25 + 50 */
	assert_true(got1 == 24);
}

/* read_scaled reads the arrivals of web and of its six replicas, having
 * checked that the timeline gave it six. */
static void read_scaled(void *arg, const struct scenario *sc, uint32_t rep,
			const struct rep_result *r)
{
	double *got = arg;
	assert_int_equal(sc->nodes[0].max_units, 6);
	for (uint32_t k = 0; k < 6; k++)
		got[k] = simtest_node(sc, r, 0, 1 + k, "arrivals");
	got[6] = simtest_node(sc, r, 0, 0, "arrivals");
}

static void test_timeline_overlapping_scales(void **state)
{
	/* 2 replicas; 4 from 10 s to 30 s; 6 from 20 s to 40 s.  The later
	 * entry decides while both are active, and when it ends the count
	 * goes back to what is still active - here nothing: the configured
	 * 2.  Arrivals are 1/s, round robin over the replicas taking them */
	double got[7];
	simtest_each(with_timeline("  - {at: 10s, node: web, do: scale, replicas: 4, for: 20s}\n"
				   "  - {at: 20s, node: web, do: scale, replicas: 6, for: 20s}\n"),
		     1, NULL, read_scaled, got);
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
	assert_true(all == got[6]);
}

/* check_utilisation checks that no utilisation, of a row or of a window,
 * is above 1, and reads the arrivals of web[0] and web[1]. */
static void check_utilisation(void *arg, const struct scenario *sc, uint32_t rep,
			      const struct rep_result *r)
{
	double *got = arg;
	for (uint32_t row = 0; row < 3; row++)
		assert_true(simtest_node(sc, r, 0, row, "utilization") <= 1 + 1e-12);
	assert_true(r->nts_node > 0);
	for (size_t t = 0; t < r->nts_node; t++)
		assert_true(r->node_ts[t * r->node_ts_cells] <= 1 + 1e-12);
	got[0] = simtest_node(sc, r, 0, 1, "arrivals");
	got[1] = simtest_node(sc, r, 0, 2, "arrivals");
}

static void test_timeline_scale_down_then_up_keeps_utilisation_honest(void **state)
{
	/* long requests (10 s on one worker each): at 30 s the node scales
	 * from 2 replicas to 1, and web[1] finishes what it holds; at 60 s
	 * back to 2.  Busy workers never exceed the workers counted, so no
	 * utilisation, of a window or of a row, is above 1 */
	double got[2];
	simtest_each("duration: 100s\nreplications: 1\nwindow: 1s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: web}\n"
		     "nodes:\n  web: {type: service, replicas: 2, workers: 12, service: 10s}\n"
		     "timeline:\n  - {at: 30s, node: web, do: scale, replicas: 1, for: 30s}\n",
		     1, NULL, check_utilisation, got);
	/* web[1] took arrivals before 30 s (the even seconds, 14) and from
	 * 60 s (the even seconds again, 20), none between */
	assert_true(got[1] == 34);
	assert_true(got[0] == 15 + 30 + 20);
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
