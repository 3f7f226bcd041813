/*
 * test_autoscale.c - the autoscalers: the controller driven by scripted
 * readings, each case worked out by hand from the Kubernetes HPA's
 * replica calculator and behaviors (replica_calculator.go, horizontal.go)
 * and from AWS's alarm rules; then whole runs whose loads are
 * deterministic, so that each replica count over time is known exactly;
 * then a service's drain.
 */
#include "tests/simtest.h"

#include <math.h>

#include "sim/autoscale.h"

#define S 1000000000LL

/* ---- the controller alone --------------------------------------------------- */

/* A service with an autoscaler, its keys given as text, loaded through
 * the parameter tables so the defaults are the reference's. */
struct ctl {
	struct sweep *set;
	const struct as_cfg *c;
	struct as_state st;
};

static void ctl_open(struct ctl *t, const char *keys, uint32_t initial)
{
	char yaml[2048];
	snprintf(yaml, sizeof yaml,
		 "duration: 1s\n"
		 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		 "nodes:\n  w: {type: service, replicas: %u, service: 1ms, autoscale: {%s}}\n",
		 initial, keys);
	t->set = simtest_load(yaml);
	const struct sc_node *n = &t->set->points[0]->nodes[0];
	assert_string_equal(n->name, "w");
	t->c = n->ops->autoscale(n->cfg);
	assert_non_null(t->c);
	assert_int_equal(as_state_init(&t->st, t->c, initial, 0), 0);
}

static void ctl_close(struct ctl *t)
{
	as_state_fini(&t->st);
	sweep_free(t->set);
}

/* step reads `counted` replicas averaging `mean` (others without a
 * metric) at second `at`, and returns the count set. */
static long step(struct ctl *t, int64_t at, uint32_t counted, uint32_t other, double mean)
{
	struct as_reading r = { counted, other, mean * counted };
	return as_decide(&t->st, t->c, at * S, &r);
}

/* Within the tolerance nothing changes; past it, ceil(ratio x ready). */
static void test_hpa_tolerance_and_ratio(void **state)
{
	(void)state;
	struct ctl t;
	ctl_open(&t, "max_replicas: 40, target: 0.6", 4);
	assert_int_equal(step(&t, 15, 4, 0, 0.65), 4);      /* 1.083: inside 0.1 */
	assert_int_equal(step(&t, 30, 4, 0, 0.54), 4);      /* 0.9 exactly: inside */
	assert_int_equal(step(&t, 45, 4, 0, 0.70), 5);      /* ceil(4.67) */
	ctl_close(&t);
	/* a tolerance of 0.2 keeps 0.70 / 0.6 */
	ctl_open(&t, "max_replicas: 40, target: 0.6, tolerance: 0.2", 4);
	assert_int_equal(step(&t, 15, 4, 0, 0.70), 4);
	ctl_close(&t);
}

/* The default scale-up policies: max(+100 %, +4 pods) per 15 s, counted
 * from the count at the period's start. */
static void test_hpa_scale_up_rate(void **state)
{
	(void)state;
	struct ctl t;
	ctl_open(&t, "max_replicas: 100, target: 0.1", 2);
	/* every reading asks for 10 x the replicas */
	assert_int_equal(step(&t, 15, 2, 0, 1.0), 6);       /* max(2 x 2, 2 + 4) */
	assert_int_equal(step(&t, 30, 6, 0, 1.0), 12);      /* the change at 15 s is
							    * not within (15 s, 30 s] */
	assert_int_equal(step(&t, 45, 12, 0, 1.0), 24);
	assert_int_equal(step(&t, 60, 24, 0, 1.0), 48);
	assert_int_equal(step(&t, 75, 48, 0, 1.0), 96);
	assert_int_equal(step(&t, 90, 96, 0, 1.0), 100);    /* max_replicas */
	ctl_close(&t);
	/* readings 5 s apart: the period still holds the change */
	ctl_open(&t, "max_replicas: 100, target: 0.1, sync_period: 5s", 2);
	assert_int_equal(step(&t, 5, 2, 0, 1.0), 6);
	assert_int_equal(step(&t, 10, 2, 4, 1.0), 6);       /* 6 - 4 added + 4 = 6 */
	assert_int_equal(step(&t, 19, 6, 0, 1.0), 6);       /* 5 s is in (4 s, 19 s] */
	assert_int_equal(step(&t, 20, 6, 0, 1.0), 12);      /* and not in (5 s, 20 s] */
	ctl_close(&t);
	/* select_policy: min takes the policy allowing the least */
	ctl_open(&t, "max_replicas: 100, target: 0.1, "
		 "behavior: {scale_up: {select_policy: min}}", 2);
	assert_int_equal(step(&t, 15, 2, 0, 1.0), 4);       /* min(2 x 2, 2 + 4) */
	ctl_close(&t);
	ctl_open(&t, "max_replicas: 100, target: 0.1, "
		 "behavior: {scale_up: {select_policy: disabled}}", 2);
	assert_int_equal(step(&t, 15, 2, 0, 1.0), 2);
	ctl_close(&t);
}

/* Scale-down waits for the highest recommendation of the last 300 s,
 * the HPA's first (the initial count at time 0) among them. */
static void test_hpa_scale_down_window(void **state)
{
	(void)state;
	struct ctl t;
	ctl_open(&t, "max_replicas: 40, target: 0.5", 20);
	/* 0.25 on 20 asks for 10 from the first sync on */
	for (int64_t at = 15; at < 300; at += 15)
		assert_int_equal(step(&t, at, 20, 0, 0.25), 20);
	assert_int_equal(step(&t, 300, 20, 0, 0.25), 10);  /* t = 0 left the window */
	ctl_close(&t);
	/* a higher recommendation at 60 s holds the count until 360 s */
	ctl_open(&t, "max_replicas: 40, target: 0.5", 20);
	for (int64_t at = 15; at < 360; at += 15) {
		double m = at == 60 ? 0.5 : 0.25;   /* 60 s asks for 20 */
		assert_int_equal(step(&t, at, 20, 0, m), 20);
	}
	assert_int_equal(step(&t, 360, 20, 0, 0.25), 10);
	ctl_close(&t);
	/* and a rate: one pod a minute, from the count at the period's start */
	ctl_open(&t, "max_replicas: 40, target: 0.5, behavior: {scale_down: "
		 "{stabilization_window: 0s, policies: [{type: pods, value: 1, period: 60s}]}}", 10);
	long want[] = { 9, 9, 9, 9, 8, 8, 8, 8, 7 };       /* at 15, 30, ... 135 s */
	for (int i = 0; i < 9; i++)
		assert_int_equal(step(&t, 15 * (i + 1), 10, 0, 0.1), want[i]);
	ctl_close(&t);
	/* Percent rounds down: 50 % of 5 leaves 2 */
	ctl_open(&t, "max_replicas: 40, target: 0.5, behavior: {scale_down: "
		 "{stabilization_window: 0s, policies: [{type: percent, value: 50, period: 15s}]}}", 5);
	assert_int_equal(step(&t, 15, 5, 0, 0.05), 2);
	assert_int_equal(step(&t, 30, 2, 0, 0.05), 1);     /* min_replicas 1 */
	ctl_close(&t);
}

/* Replicas without a metric: for utilization a replica not ready is set
 * aside, counted as idle only on a scale-up; for a per-pod metric it is
 * missing, idle on a scale-up and at the target on a scale-down. */
static void test_hpa_unready_and_missing(void **state)
{
	(void)state;
	struct ctl t;
	const char *fast_down = ", behavior: {scale_down: {stabilization_window: 0s}}";
	char keys[256];
	snprintf(keys, sizeof keys, "max_replicas: 40, target: 0.5%s", fast_down);
	ctl_open(&t, keys, 10);
	/* 4 ready at 0.9 (ratio 1.8), 6 starting: 3.6 / 10 / 0.5 = 0.72, the
	 * direction reverses, nothing changes (without them: ceil(7.2) = 8) */
	assert_int_equal(step(&t, 15, 4, 6, 0.9), 10);
	/* 4 ready at 0.9 with 2 starting, of 6: 3.6 / 6 / 0.5 = 1.2, ceil(7.2) */
	ctl_close(&t);
	ctl_open(&t, keys, 6);
	assert_int_equal(step(&t, 15, 4, 2, 0.9), 8);
	ctl_close(&t);
	/* on a scale-down the unready are ignored: ceil(0.4 x 4) = 2 */
	ctl_open(&t, keys, 8);
	assert_int_equal(step(&t, 15, 4, 4, 0.2), 2);
	ctl_close(&t);
	/* rps_per_replica alike: 4 read at 50 against 100 and 2 not ready:
	 * on the way down those are ignored, ceil(0.5 x 4) = 2 */
	snprintf(keys, sizeof keys, "max_replicas: 40, metric: rps_per_replica, target: 100%s",
		 fast_down);
	ctl_open(&t, keys, 6);
	assert_int_equal(step(&t, 15, 4, 2, 50), 2);
	ctl_close(&t);
	/* on the way up they count as 0: 4 at 180, 2 not ready: 720 / 6 =
	 * 120, ratio 1.2, ceil(7.2) = 8 */
	ctl_open(&t, keys, 6);
	assert_int_equal(step(&t, 15, 4, 2, 180), 8);
	ctl_close(&t);
	/* no replica with a metric: no decision, and no recommendation that
	 * would hold a later scale-down: with a 30 s window, readings at 15
	 * and 30 s without metric, then 2 asked at 45 s, is 2 at once */
	snprintf(keys, sizeof keys, "max_replicas: 40, metric: rps_per_replica, target: 100, "
		 "behavior: {scale_down: {stabilization_window: 30s}}");
	ctl_open(&t, keys, 6);
	assert_int_equal(step(&t, 15, 0, 6, 0), 6);
	assert_int_equal(step(&t, 30, 0, 6, 0), 6);
	assert_int_equal(step(&t, 45, 6, 0, 30), 2);       /* the t = 0 record is out */
	ctl_close(&t);
}

/* A count outside [min, max] is brought inside at the first sync. */
static void test_hpa_bounds(void **state)
{
	(void)state;
	struct ctl t;
	ctl_open(&t, "min_replicas: 3, max_replicas: 5, target: 0.5", 1);
	assert_int_equal(step(&t, 15, 1, 0, 0.5), 3);
	ctl_close(&t);
	ctl_open(&t, "min_replicas: 3, max_replicas: 5, target: 0.5", 9);
	assert_int_equal(step(&t, 15, 9, 0, 0.5), 5);
	ctl_close(&t);
}

/* AWS target tracking: the high alarm after three datapoints above the
 * target, the low one after fifteen below 90 % of it. */
static void test_target_tracking_alarms(void **state)
{
	(void)state;
	struct ctl t;
	ctl_open(&t, "style: aws_target_tracking, max_replicas: 40, target: 0.5", 8);
	assert_int_equal(step(&t, 60, 8, 0, 0.625), 8);
	assert_int_equal(step(&t, 120, 8, 0, 0.625), 8);
	assert_int_equal(step(&t, 180, 8, 0, 0.625), 10);  /* ceil(8 x 1.25) */
	/* warm-up: the 8 counted read 0.6, ceil(8 x 1.2) = 10, the 2 new ones
	 * are capacity added already */
	assert_int_equal(step(&t, 240, 8, 2, 0.6), 10);
	/* a datapoint at 0.46 (above 0.45) breaks the run of low ones */
	for (int i = 0; i < 14; i++)
		assert_int_equal(step(&t, 300 + 60 * i, 10, 0, 0.2), 10);
	assert_int_equal(step(&t, 1140, 10, 0, 0.46), 10);
	for (int i = 0; i < 14; i++)
		assert_int_equal(step(&t, 1200 + 60 * i, 10, 0, 0.2), 10);
	/* the 15th, but 2 replicas warm up: no scale-in while they do */
	assert_int_equal(step(&t, 2040, 8, 2, 0.2), 10);
	assert_int_equal(step(&t, 2100, 10, 0, 0.2), 4);   /* ceil(10 x 0.4) */
	ctl_close(&t);
	ctl_open(&t, "style: aws_target_tracking, max_replicas: 40, target: 0.5, "
		 "disable_scale_in: true, scale_in_datapoints: 1", 8);
	assert_int_equal(step(&t, 60, 8, 0, 0.1), 8);
	ctl_close(&t);
}

/* AWS step scaling: the steps by the breach, and the cooldown's rules. */
static void test_step_scaling(void **state)
{
	(void)state;
	struct ctl t;
	const char *out =
		"style: aws_step_scaling, max_replicas: 40, metric: utilization, "
		"scale_out: {threshold: 0.7, datapoints: 2, steps: "
		"[{lower: 0, upper: 0.2, adjustment: 1}, {lower: 0.2, adjustment: 3}]}";
	ctl_open(&t, out, 4);
	assert_int_equal(step(&t, 60, 4, 0, 0.8), 4);      /* one datapoint above */
	assert_int_equal(step(&t, 120, 4, 0, 0.8), 5);     /* two: breach 0.1, +1 */
	/* within the cooldown the 1 added counts: +3 from 4 is 7 */
	assert_int_equal(step(&t, 180, 5, 0, 0.95), 7);
	assert_int_equal(step(&t, 240, 7, 0, 0.8), 7);     /* +1 from 4 adds nothing */
	assert_int_equal(step(&t, 479, 7, 0, 0.8), 7);     /* cooldown to 180 + 300 */
	assert_int_equal(step(&t, 480, 7, 0, 0.8), 8);     /* over: +1 from 7 */
	assert_int_equal(step(&t, 540, 8, 0, 0.7), 8);     /* at the threshold: not above */
	ctl_close(&t);
	const char *in =
		"style: aws_step_scaling, max_replicas: 40, cooldown: 300s, "
		"scale_out: {threshold: 0.9, steps: [{lower: 0, adjustment: 2}]}, "
		"scale_in: {threshold: 0.3, datapoints: 3, steps: [{upper: 0, adjustment: -1}]}";
	ctl_open(&t, in, 8);
	assert_int_equal(step(&t, 60, 8, 0, 0.2), 8);
	assert_int_equal(step(&t, 120, 8, 0, 0.2), 8);
	assert_int_equal(step(&t, 180, 8, 0, 0.2), 7);     /* the third below */
	for (int64_t at = 240; at < 480; at += 60)
		assert_int_equal(step(&t, at, 7, 0, 0.2), 7);  /* scale-in cools down */
	assert_int_equal(step(&t, 480, 7, 0, 0.2), 6);
	/* a scale-out ends the scale-in's cooldown */
	assert_int_equal(step(&t, 540, 6, 0, 0.95), 8);
	assert_int_equal(step(&t, 600, 8, 0, 0.2), 8);
	assert_int_equal(step(&t, 660, 8, 0, 0.2), 8);
	assert_int_equal(step(&t, 720, 8, 0, 0.2), 7);
	ctl_close(&t);
	/* percent: truncated towards 0, at least 1, at least the magnitude */
	ctl_open(&t, "style: aws_step_scaling, max_replicas: 40, adjustment_type: percent_change_in_capacity, "
		 "scale_out: {threshold: 0.5, steps: [{lower: 0, adjustment: 25}]}", 10);
	assert_int_equal(step(&t, 60, 10, 0, 0.9), 12);    /* 2.5 -> 2 */
	ctl_close(&t);
	ctl_open(&t, "style: aws_step_scaling, max_replicas: 40, adjustment_type: percent_change_in_capacity, "
		 "scale_out: {threshold: 0.5, steps: [{lower: 0, adjustment: 25}]}", 2);
	assert_int_equal(step(&t, 60, 2, 0, 0.9), 3);      /* 0.5 -> 1 */
	ctl_close(&t);
	ctl_open(&t, "style: aws_step_scaling, max_replicas: 40, adjustment_type: percent_change_in_capacity, "
		 "min_adjustment_magnitude: 3, "
		 "scale_out: {threshold: 0.5, steps: [{lower: 0, adjustment: 25}]}", 10);
	assert_int_equal(step(&t, 60, 10, 0, 0.9), 13);
	ctl_close(&t);
	ctl_open(&t, "style: aws_step_scaling, max_replicas: 40, adjustment_type: exact_capacity, "
		 "scale_out: {threshold: 0.5, steps: [{lower: 0, adjustment: 25}]}", 10);
	assert_int_equal(step(&t, 60, 10, 0, 0.9), 25);
	ctl_close(&t);
}

/* ---- whole runs ------------------------------------------------------------------ */

/* The replica counts (time series column `col`, the window averages) of
 * node `node` of the first replication of yaml. */
struct series {
	const char *node, *col;
	double v[512];
	size_t n;
};

static void series_fn(void *arg, const struct scenario *sc, uint32_t rep,
		      const struct rep_result *r)
{
	struct series *se = arg;
	(void)rep;
	size_t off = 0, k;
	for (k = 0; k < sc->ncomponents; k++) {
		if (!strcmp(sc->nodes[k].name, se->node))
			break;
		off += model_ts_cells(&sc->nodes[k]);
	}
	assert_true(k < sc->ncomponents);
	const struct col_def *cols = sc->nodes[k].ops->ts_cols;
	size_t c = 0;
	while (cols[c].name && strcmp(cols[c].name, se->col))
		c++;
	assert_non_null(cols[c].name);
	assert_int_equal(r->node_ts_every, 1);
	se->n = r->nts_node < 512 ? r->nts_node : 512;
	for (size_t w = 0; w < se->n; w++)
		se->v[w] = r->node_ts[w * r->node_ts_cells + off + c];
}

static void series(const char *yaml, struct series *se)
{
	simtest_each(yaml, 1, NULL, series_fn, se);
}

/* Constant arrivals, constant service, round robin: 8 replicas at 100/s x
 * 50 ms run at 0.625, and the HPA (target 0.5) sets ceil(8 x 1.25) = 10 at
 * the first sync (15 s), where utilisation is 0.5 and it stays.  The
 * counts are exact in every window, as each sync falls on a window's
 * edge. */
static void test_hpa_run_scales_out(void **state)
{
	(void)state;
	struct series se = { "w", "replicas", { 0 }, 0 };
	series("duration: 5m\nwindow: 15s\n"
	       "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
	       "nodes:\n  w: {type: service, replicas: 8, service: 50ms,\n"
	       "      autoscale: {max_replicas: 40, target: 0.5}}\n", &se);
	assert_int_equal(se.n, 20);
	assert_true(se.v[0] == 8);
	for (size_t w = 1; w < se.n; w++)
		assert_true(se.v[w] == 10);
	/* with a startup of 20 s the count is set at 15 s and ready at 35 s */
	struct series re = { "w", "replicas_ready", { 0 }, 0 };
	series("duration: 5m\nwindow: 5s\n"
	       "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
	       "nodes:\n  w: {type: service, replicas: 8, service: 50ms,\n"
	       "      startup: 20s, autoscale: {max_replicas: 40, target: 0.5}}\n", &re);
	for (size_t w = 0; w < re.n; w++)
		assert_true(re.v[w] == (w < 7 ? 8 : 10));
	/* with Poisson arrivals a sync falls between two events, and a
	 * startup of 0 s or 1 ms starts replicas before the next one: they
	 * are ready in the window after the sync (the engine once stopped
	 * on an assertion here) */
	const char *ups[] = { "0s", "1ms" };
	for (int i = 0; i < 2; i++) {
		char yaml[512];
		struct series pe = { "w", "replicas_ready", { 0 }, 0 };
		snprintf(yaml, sizeof yaml,
			 "duration: 2m\nwindow: 15s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: w}\n"
			 "nodes:\n  w: {type: service, replicas: 8, service: 50ms,\n"
			 "      startup: %s, autoscale: {max_replicas: 40, target: 0.5}}\n", ups[i]);
		series(yaml, &pe);
		print_message("    startup %s: %g replicas ready, then %g\n", ups[i], pe.v[0], pe.v[1]);
		assert_true(pe.v[0] == 8);
		assert_true(pe.v[1] >= 9 && pe.v[1] <= 11);
	}
}

/* 20 replicas at 0.25 ask for 10 from the first sync; the count falls
 * at 300 s, when the initial recommendation leaves the window. */
static void test_hpa_run_scales_in_after_window(void **state)
{
	(void)state;
	struct series se = { "w", "replicas", { 0 }, 0 };
	series("duration: 8m\nwindow: 15s\n"
	       "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
	       "nodes:\n  w: {type: service, replicas: 20, service: 50ms,\n"
	       "      autoscale: {max_replicas: 40, target: 0.5}}\n", &se);
	assert_int_equal(se.n, 32);
	for (size_t w = 0; w < se.n; w++)
		assert_true(se.v[w] == (w < 20 ? 20 : 10));
}

/* Target tracking: the third datapoint above the target, at 180 s, sets
 * 10.  From 200 s service is 1.2 x slower: every replica at 0.6, above
 * the target from the datapoint of 240 s on; but the two new instances
 * are in warm-up until 480 s, so the 8 counted ask for ceil(8 x 1.2) =
 * 10, capacity already there, until at 480 s all 10 count and ask for
 * 12. */
static void test_target_tracking_run(void **state)
{
	(void)state;
	struct series se = { "w", "replicas", { 0 }, 0 };
	series("duration: 10m\nwindow: 60s\n"
	       "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
	       "nodes:\n  w: {type: service, replicas: 8, service: 50ms,\n"
	       "      autoscale: {style: aws_target_tracking, max_replicas: 40, target: 0.5}}\n"
	       "timeline:\n  - {at: 200s, node: w, do: slow, factor: 1.2}\n",
	       &se);
	assert_int_equal(se.n, 10);
	for (size_t w = 0; w < se.n; w++)
		assert_true(se.v[w] == (w < 3 ? 8 : w < 8 ? 10 : 12));
}

/* Drain: arrivals at 1, 2, 3 ... s, service 3 s, two replicas in round
 * robin.  Replica 1 serves the request of 2 s (to 5 s) and queues the one
 * of 4 s (5 s to 8 s).  Scaled to one replica at 4.5 s, it drains: with
 * 2 s of grace the first completes and the second is cut at 6.5 s; with
 * 10 s both complete. */
static void test_drain_completes_or_cuts(void **state)
{
	(void)state;
	const char *fmt =
		"duration: 30s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, replicas: 2, service: 3s, drain: %s}\n"
		"timeline:\n  - {at: 4.5s, node: w, do: scale, replicas: 1}\n";
	char yaml[512];
	double cut, completed1, crashed;
	snprintf(yaml, sizeof yaml, fmt, "2s");
	simtest_reps(yaml, 1, { "w.drain_cut", &cut }, { "w[1].completed", &completed1 },
		     { "@crashed", &crashed });
	assert_int_equal(cut, 1);
	assert_int_equal(completed1, 1);
	assert_int_equal(crashed, 1);
	snprintf(yaml, sizeof yaml, fmt, "10s");
	simtest_reps(yaml, 1, { "w.drain_cut", &cut }, { "w[1].completed", &completed1 },
		     { "@crashed", &crashed });
	assert_int_equal(cut, 0);
	assert_int_equal(completed1, 2);
	assert_int_equal(crashed, 0);
}

/* Flapping: 8 replicas at 0.625 go to 10 at 15 s; service twice as fast
 * from 16 s to 46 s reads 0.27 at 30 s, and with no scale-down window
 * the HPA sets 6, then 5 at 45 s (0.42), then, service slow again and 5
 * replicas saturated, 10 at 60 s: two changes of direction within 5
 * minutes.  With the default 300 s window the count never falls. */
static void test_flaps_counted(void **state)
{
	(void)state;
	const char *fmt =
		"duration: 2m\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
		"nodes:\n  w: {type: service, replicas: 8, service: 50ms,\n"
		"      autoscale: {max_replicas: 40, target: 0.5,\n"
		"                  behavior: {scale_down: {stabilization_window: %s}}}}\n"
		"timeline:\n  - {at: 16s, node: w, do: slow, factor: 0.5, for: 30s}\n";
	char yaml[640];
	double ups, downs, flaps;
	snprintf(yaml, sizeof yaml, fmt, "0s");
	simtest_reps(yaml, 1, { "w.scale_ups", &ups }, { "w.scale_downs", &downs },
		     { "w.flaps", &flaps });
	assert_int_equal(ups, 2);
	assert_int_equal(downs, 2);
	assert_int_equal(flaps, 2);
	snprintf(yaml, sizeof yaml, fmt, "300s");
	simtest_reps(yaml, 1, { "w.scale_ups", &ups }, { "w.scale_downs", &downs },
		     { "w.flaps", &flaps });
	assert_int_equal(ups, 1);
	assert_int_equal(downs, 0);
	assert_int_equal(flaps, 0);
}

/* What a schedule costs: 8 replicas for 15 s, then 10 for 285 s, is 9.9
 * on average, at 1 an hour 9.9 an hour; and the 29,999 requests of
 * 300 s at 100/s through a balancer at 2 a million, 0.72 an hour. */
static void cost_fn(void *arg, const struct scenario *sc, uint32_t rep,
		    const struct rep_result *r)
{
	(void)sc, (void)rep;
	*(double *)arg = r->cost_per_hour;
}

static void test_cost_of_a_schedule(void **state)
{
	(void)state;
	const char *fmt =
		"duration: 5m\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
		"nodes:\n  lb: {type: balancer, backends: w%s}\n"
		"  w: {type: service, replicas: 8, service: 50ms, cost: {per_replica_hour: 1},\n"
		"      autoscale: {max_replicas: 40, target: 0.5}}\n";
	char yaml[512];
	double cost;
	snprintf(yaml, sizeof yaml, fmt, "");
	simtest_each(yaml, 1, NULL, cost_fn, &cost);
	assert_true(fabs(cost - 9.9) < 1e-9);
	snprintf(yaml, sizeof yaml, fmt, ", cost: {per_million_requests: 2}");
	simtest_each(yaml, 1, NULL, cost_fn, &cost);
	assert_true(fabs(cost - (9.9 + 29999 / 300.0 * 3600 * 1e-6 * 2)) < 1e-9);
	/* nodes.csv's cost_per_hour: each node's share, on its own row */
	double wc, lbc, w0c;
	simtest_reps(yaml, 1, { "w.cost_per_hour", &wc }, { "lb.cost_per_hour", &lbc },
		     { "w[0].cost_per_hour", &w0c });
	assert_true(fabs(wc - 9.9) < 1e-9);
	assert_true(fabs(lbc - 29999 / 300.0 * 3600 * 1e-6 * 2) < 1e-9);
	assert_true(isnan(w0c));
	snprintf(yaml, sizeof yaml, fmt, "");
	simtest_reps(yaml, 1, { "lb.cost_per_hour", &lbc });
	assert_true(isnan(lbc));
	/* speed 2 at 0.5 a unit: 9.9 replicas x 2 x 0.5 on top of 9.9 */
	simtest_each("duration: 5m\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
		     "nodes:\n  w: {type: service, replicas: 8, service: 100ms, speed: 2,\n"
		     "      cost: {per_replica_hour: 1, per_speed_hour: 0.5},\n"
		     "      autoscale: {max_replicas: 40, target: 0.5}}\n", 1, NULL, cost_fn, &cost);
	assert_true(fabs(cost - 9.9 * 2) < 1e-9);
	/* no price anywhere: no cost */
	simtest_each("duration: 1s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		     "nodes:\n  w: {type: service, service: 1ms}\n", 1, NULL, cost_fn, &cost);
	assert_true(isnan(cost));
}

/* A timeline scale from 2 to 6 at 50 s, with 100 s of start-up, behind a
 * round-robin balancer: the new replicas take nothing before 150 s, then
 * their turn of the 500 requests of the last 50 s (83 or 84 each).  A
 * second scale to 3 while they start cancels three of them: the count set
 * is 3 from then on, whatever their start-ups. */
static void test_scale_with_startup_behind_balancer(void **state)
{
	(void)state;
	double a2[1], a5[1];
	simtest_reps("duration: 200s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: lb}\n"
		     "nodes:\n  lb: {type: balancer, backends: w}\n"
		     "  w: {type: service, replicas: 2, service: 50ms, startup: 100s}\n"
		     "timeline:\n  - {at: 50s, node: w, do: scale, replicas: 6}\n",
		     1, { "w[2].arrivals", a2 }, { "w[5].arrivals", a5 });
	assert_true(a2[0] >= 83 && a2[0] <= 84);
	assert_true(a5[0] >= 83 && a5[0] <= 84);
	struct series se = { "w", "replicas", { 0 }, 0 };
	series("duration: 200s\nwindow: 10s\nseed: 4\n"
	       "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: lb}\n"
	       "nodes:\n  lb: {type: balancer, backends: w}\n"
	       "  w: {type: service, replicas: 2, service: 50ms,\n"
	       "      startup: {dist: uniform, min: 5s, max: 40s}}\n"
	       "timeline:\n  - {at: 50s, node: w, do: scale, replicas: 6}\n"
	       "  - {at: 70s, node: w, do: scale, replicas: 3}\n", &se);
	for (size_t w = 0; w < se.n; w++)
		assert_true(se.v[w] == (w < 5 ? 2 : w < 7 ? 6 : 3));
}

/* The same scale with 60 s of start-up and 40 s of registration: the new
 * replicas are up at 110 s, take nothing before 150 s and then their turn
 * of the last 500 requests; they count among the replicas starting until
 * then.  With start-up 0 they go straight to their registration.  An HPA
 * reads a replica up and not yet registered as idle: two replicas at
 * 47 % of target 0.5 (9.5/s x 100 ms) are slowed to 76 % for 10 s, which
 * the first sync (15 s) reads as 66 % and answers with 3; the third, up
 * at once and registering for 100 s, is read idle from 30 s: 31 %, a
 * ratio of 0.62, and the HPA (no scale-down window) goes back to 2.
 * Were it left out, the two at 47 % would be within the tolerance, and
 * the count would stay 3. */
static void test_registration_delay(void **state)
{
	(void)state;
	double a2[1], a5[1];
	const char *fmt = "duration: 200s\nwindow: 10s\n"
			  "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: lb}\n"
			  "nodes:\n  lb: {type: balancer, backends: w}\n"
			  "  w: {type: service, replicas: 2, service: 50ms, startup: %s,\n"
			  "      registration_delay: %s}\n"
			  "timeline:\n  - {at: 50s, node: w, do: scale, replicas: 6}\n";
	char yaml[600];
	const char *const cases[][2] = { { "60s", "40s" }, { "0s", "100s" } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(yaml, sizeof yaml, fmt, cases[i][0], cases[i][1]);
		simtest_reps(yaml, 1, { "w[2].arrivals", a2 }, { "w[5].arrivals", a5 });
		assert_true(a2[0] >= 83 && a2[0] <= 84);
		assert_true(a5[0] >= 83 && a5[0] <= 84);
		struct series se = { "w", "replicas_starting", { 0 }, 0 };
		series(yaml, &se);
		for (size_t w = 0; w < se.n; w++)
			assert_true(se.v[w] == (w >= 5 && w < 15 ? 4 : 0));
	}
	struct series se = { "w", "replicas", { 0 }, 0 };
	series("duration: 90s\nwindow: 15s\n"
	       "workloads:\n  u: {arrival: {process: constant, rate: 9.5/s}, target: w}\n"
	       "nodes:\n  w: {type: service, replicas: 2, service: 100ms,\n"
	       "      registration_delay: 100s,\n"
	       "      autoscale: {max_replicas: 8, target: 0.5,\n"
	       "                  behavior: {scale_down: {stabilization_window: 0s}}}}\n"
	       "timeline:\n  - {at: 5s, node: w, do: slow, factor: 1.6, for: 10s}\n", &se);
	assert_int_equal(se.n, 6);
	for (size_t w = 0; w < se.n; w++)
		assert_true(se.v[w] == (w == 1 ? 3 : 2));
}

/* A replica removed, added back before its drain ends, and removed again:
 * the first drain's deadline (14.5 s) is void, the second's (22 s) holds,
 * by which time it has finished its 5 requests: none cut.  (Were the
 * first deadline kept, it would cut one at 14.5 s.) */
static void test_drain_deadline_of_a_replica_back(void **state)
{
	(void)state;
	double cut, done1;
	simtest_reps("duration: 40s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		     "nodes:\n  w: {type: service, replicas: 2, service: 3s, drain: 10s}\n"
		     "timeline:\n  - {at: 4.5s, node: w, do: scale, replicas: 1, for: 2s}\n"
		     "  - {at: 12s, node: w, do: scale, replicas: 1}\n",
		     1, { "w.drain_cut", &cut }, { "w[1].completed", &done1 });
	assert_int_equal(cut, 0);
	assert_int_equal(done1, 5);
}

/* Warm-up: the readings and the bill survive the restart at its end.  8
 * replicas at 0.625 are 10 from the first sync (15 s) whatever the 10 s
 * warm-up cuts; the measured 300 s bill 8 replicas for 5 s and 10 for
 * 295 s: 9.9667 on average. */
static void test_warmup_keeps_readings_and_bill(void **state)
{
	(void)state;
	double cost;
	simtest_each("duration: 5m\nwarmup: 10s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: w}\n"
		     "nodes:\n  w: {type: service, replicas: 8, service: 50ms, cost: {per_replica_hour: 1},\n"
		     "      autoscale: {max_replicas: 40, target: 0.5}}\n", 1, NULL, cost_fn, &cost);
	assert_true(fabs(cost - (8 * 5 + 10 * 295) / 300.0) < 1e-9);
}

/* The timeline may not scale a node its autoscaler scales. */
static void test_scale_refused_with_autoscaler(void **state)
{
	(void)state;
	struct sim_err err = { 0 };
	struct sweep *set = NULL;
	const char *yaml =
		"duration: 30s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: 1ms, autoscale: {max_replicas: 4, target: 0.5}}\n"
		"timeline:\n  - {at: 4s, node: w, do: scale, replicas: 2}\n";
	assert_int_not_equal(sweep_load_string(&archsim_lang, "t.yaml", yaml, NULL, 0, &set, &err), 0);
	assert_non_null(strstr(err.msg, "has an autoscaler"));
	assert_non_null(strstr(err.msg, "t.yaml:7:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hpa_tolerance_and_ratio),
		cmocka_unit_test(test_hpa_scale_up_rate),
		cmocka_unit_test(test_hpa_scale_down_window),
		cmocka_unit_test(test_hpa_unready_and_missing),
		cmocka_unit_test(test_hpa_bounds),
		cmocka_unit_test(test_target_tracking_alarms),
		cmocka_unit_test(test_step_scaling),
		cmocka_unit_test(test_hpa_run_scales_out),
		cmocka_unit_test(test_hpa_run_scales_in_after_window),
		cmocka_unit_test(test_target_tracking_run),
		cmocka_unit_test(test_drain_completes_or_cuts),
		cmocka_unit_test(test_flaps_counted),
		cmocka_unit_test(test_cost_of_a_schedule),
		cmocka_unit_test(test_scale_with_startup_behind_balancer),
		cmocka_unit_test(test_registration_delay),
		cmocka_unit_test(test_drain_deadline_of_a_replica_back),
		cmocka_unit_test(test_warmup_keeps_readings_and_bill),
		cmocka_unit_test(test_scale_refused_with_autoscaler),
	};
	return cmocka_run_group_tests_name("autoscale", tests, NULL, NULL);
}
