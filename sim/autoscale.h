/*
 * autoscale.h - horizontal autoscalers with production semantics: a
 * Kubernetes HorizontalPodAutoscaler (autoscaling/v2), an AWS
 * target-tracking policy and AWS step scaling policies, so that a
 * manifest's numbers can be pasted into a scenario:
 *
 *   autoscale:
 *     style: kubernetes_hpa      # or aws_target_tracking, aws_step_scaling
 *     min_replicas: 2
 *     max_replicas: 40
 *     metric: utilization        # utilization | concurrency | rps_per_replica | queue_len
 *     target: 0.6
 *
 * The module is the controller alone: its keys (one table per style), and
 * as_decide, which takes one reading of the metric and returns the
 * replica count the controller sets.  Who measures, who starts and
 * drains replicas is the host kind's business (models/service.c); the
 * tests drive as_decide with scripted readings.
 *
 * Kubernetes HPA (pkg/controller/podautoscaler: replica_calculator.go and
 * horizontal.go), evaluated every sync_period (the controller manager's
 * --horizontal-pod-autoscaler-sync-period, 15 s):
 *   - the usage ratio is the metric averaged over the replicas with a
 *     metric, over the target, both in the HPA's whole units (per cent
 *     for utilization, thousandths for the others, the average rounded
 *     down).  Within the tolerance (0.1) of 1 nothing
 *     changes; otherwise desired = ceil(ratio x those replicas).
 *   - replicas not ready (starting, crashed, or ready for less than the
 *     whole sync period) are set aside, as groupPods sets aside pods that
 *     are Pending or, for CPU, still in their initialisation: on a
 *     scale-down they are ignored, on a scale-up counted as using
 *     nothing.  If the ratio so recomputed is within the tolerance, or
 *     would reverse the direction, nothing changes.  (A per-pod metric
 *     of a pod ready for part of the period would be read from a partial
 *     sample in Kubernetes; archsim sets that replica aside until it has
 *     a whole one.  The missing-pod rule never applies: every replica
 *     that is ready has its sample.)  With no replica ready, the HPA
 *     cannot compute a ratio: nothing changes and nothing is recorded.
 *   - the recommendation is stabilised: the lowest of the recommendations
 *     of the last scale_up.stabilization_window (0 s) bounds it from
 *     below, the highest of the last scale_down.stabilization_window
 *     (300 s) from above, starting from the current count.  The HPA's
 *     first recommendation is the initial count, at time 0, as
 *     recordInitialRecommendation records it.
 *   - the rate policies: from the count at the start of each policy's
 *     period (now less the changes made within it), Pods adds or removes
 *     `value` replicas, Percent multiplies by 1 +- value/100 (rounded up
 *     on the way up, down on the way down); select_policy max takes the
 *     policy allowing the most change, min the least, disabled none.
 *     Defaults: up, max(100 %, 4 pods) per 15 s; down, 100 % per 15 s.
 *   - min_replicas and max_replicas bound the result; a count outside
 *     them is brought inside at the next sync.
 *
 * AWS target tracking (Application Auto Scaling, EC2 Auto Scaling): the
 * metric is one datapoint per `period` (60 s), averaged over the
 * instances in service and past their instance_warmup (300 s).  The
 * high alarm fires after scale_out_datapoints (3) consecutive datapoints
 * above the target, the low alarm after scale_in_datapoints (15) below
 * scale_in_ratio (0.9) of it; each datapoint an alarm stays firing, the
 * policy sets capacity to ceil(counted instances x metric / target) when
 * that adds capacity (instances in warm-up count as capacity already
 * added, as Auto Scaling counts them) or, on the low alarm and with no
 * instance starting or warming up, removes it (never with
 * disable_scale_in).  This is EC2 Auto Scaling's target tracking, with
 * instance warm-up and no cooldown; Application Auto Scaling's
 * scale_in_cooldown and scale_out_cooldown (for ECS and others) are not
 * modelled.  AWS does not publish its formula; this
 * proportional one is the documented intent ("scales out proportionally
 * to the metric").
 *
 * AWS step scaling (Application Auto Scaling's StepScalingPolicy, with
 * its CloudWatch alarms): a scale_out alarm on `datapoints` consecutive
 * datapoints above its threshold, a scale_in alarm on datapoints below
 * its own; while an alarm is firing, each datapoint applies the step
 * whose interval [lower, upper) holds the breach (metric - threshold), as
 * change_in_capacity (+- replicas), percent_change_in_capacity (of the
 * current count, truncated towards 0 but at least 1, and at least
 * min_adjustment_magnitude) or exact_capacity.  The cooldown, as the API
 * reference describes it: after a scale-out, the capacity it added counts
 * as current for a scale-out within the cooldown, which so adds only
 * what a larger step asks beyond it; after a scale-in, scale-ins wait for
 * the cooldown's end, and a scale-out ends it.  That an alarm still
 * firing applies its policy again at each datapoint is archsim's reading
 * of "continuously (but not excessively) scale out".
 *
 * Invariants: min_replicas <= the count as_decide returns <= max_replicas
 * once it has been called; the state holds no pointer into the config.
 */
#ifndef SIM_AUTOSCALE_H
#define SIM_AUTOSCALE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/param.h"

enum as_style { AS_HPA, AS_TARGET_TRACKING, AS_STEP };
enum as_adjust { AS_CHANGE, AS_PERCENT_CHANGE, AS_EXACT };
enum as_metric { AS_UTILIZATION, AS_CONCURRENCY, AS_RPS, AS_QUEUE_LEN, AS_NMETRICS };
enum as_policy_type { AS_PODS, AS_PERCENT };
enum as_select { AS_SELECT_MAX, AS_SELECT_MIN, AS_SELECT_DISABLED };

#define AS_MAX_POLICIES 8
#define AS_MAX_STEPS 16
#define AS_MAX_REPLICAS 100000

struct as_policy {
	unsigned type;               /* AS_PODS, AS_PERCENT */
	uint32_t value;
	int64_t period_ns;
};

/* A step adjustment: for a breach (metric - threshold) in [lower, upper),
 * the adjustment (infinite bounds: unbounded). */
struct as_step {
	double lower, upper;
	double adjustment;           /* an integer */
};

/* A step scaling policy's alarm and steps. */
struct as_alarm {
	int given;
	double threshold;
	uint32_t datapoints;
	struct as_step *steps;
	size_t nsteps;
};

/* behavior.scale_up or scale_down */
struct as_rules {
	int64_t window_ns;           /* stabilization window */
	unsigned select;             /* AS_SELECT_* */
	struct as_policy *policies;
	size_t npolicies;
};

struct as_cfg {
	int given;
	unsigned style;              /* AS_HPA, AS_TARGET_TRACKING */
	uint32_t min, max;
	unsigned metric;             /* AS_* metric */
	double target;
	/* kubernetes_hpa */
	int64_t sync_ns;
	double tolerance;
	struct as_rules up, down;
	/* aws_target_tracking */
	int64_t period_ns;
	uint32_t out_points, in_points;
	double in_ratio;
	int64_t warmup_ns;
	int no_scale_in;
	/* aws_step_scaling (with period and warmup_ns above) */
	unsigned adjust;             /* AS_CHANGE, ... */
	uint32_t min_magnitude;      /* percent_change: the least change */
	int64_t cooldown_ns;
	struct as_alarm out, in;
};

/* The `autoscale:` key: a variant on `style`, to place in a kind's
 * table with .sub_off = offsetof(cfg, the struct as_cfg) and .cases =
 * as_cases. */
extern const struct param_case as_cases[];
extern const char *const as_metric_names[];

/* as_interval_ns is how often the controller reads the metric: the HPA's
 * sync period, the target tracking's datapoint period. */
int64_t as_interval_ns(const struct as_cfg *c);

/* as_warmup_ns is how long a replica's metric is left out after it takes
 * requests (target tracking and step scaling's instance warm-up; 0 for
 * the HPA, which asks a full sync period of every replica). */
int64_t as_warmup_ns(const struct as_cfg *c);


/* One reading of the metric at a sync. */
struct as_reading {
	uint32_t counted;    /* replicas whose metric counts */
	uint32_t other;      /* replicas of the current count that have none
			      * (starting, just ready, in warm-up, down) */
	double sum;          /* the metric summed over the counted ones */
};

struct as_rec { int64_t t; uint32_t v; };
struct as_evt { int64_t t; uint32_t n; };

/* The controller's memory: the count it last set, and the history its
 * rules look back on. */
struct as_state {
	uint32_t current;
	struct as_rec *recs;         /* HPA recommendations, oldest first */
	size_t nrecs, caprecs;
	struct as_evt *ups, *downs;  /* scale events, oldest first */
	size_t nups, ndowns, capups, capdowns;
	uint32_t above, below;       /* target tracking, step: consecutive
				      * datapoints past each alarm */
	int64_t out_cool, in_cool;   /* step: when each cooldown ends */
	uint32_t out_base;           /* step: the count before the scale-out
				      * that began the cooldown */
};

/* as_state_init starts a controller of c over a node of `initial`
 * replicas at time now.  0 or -1 (out of memory). */
int as_state_init(struct as_state *st, const struct as_cfg *c, uint32_t initial,
		  int64_t now);
void as_state_fini(struct as_state *st);

/* as_decide takes the reading r at now (one call per as_interval_ns) and
 * returns the replica count the controller sets, which becomes
 * st->current.  -1 when out of memory (st unchanged). */
long as_decide(struct as_state *st, const struct as_cfg *c, int64_t now,
	       const struct as_reading *r);

#endif
