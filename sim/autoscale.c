/*
 * autoscale.c - the autoscalers' keys and decisions; see autoscale.h.
 *
 * The HPA's functions follow horizontal.go's order: the replica
 * calculator (hpa_metric_desired), the stabilisation of the
 * recommendation (hpa_stabilize), then the rate policies
 * (hpa_rate_limit), each reading the history kept in struct as_state.
 * The histories are short (a window's worth of syncs, a period's worth
 * of events) and are trimmed as they age, so each decision costs a few
 * dozen comparisons, once per sync.
 */
#include "sim/autoscale.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- keys ---------------------------------------------------------------- */

const char *const as_metric_names[] = {
	[AS_UTILIZATION] = "utilization", [AS_CONCURRENCY] = "concurrency",
	[AS_RPS] = "rps_per_replica", [AS_QUEUE_LEN] = "queue_len", NULL,
};
static const char *const ptype_names[] = { "pods", "percent", NULL };
static const char *const select_names[] = { "max", "min", "disabled", NULL };

static const struct param policy_params[] = {
	{ .name = "type", .type = PARAM_ENUM, PARAM_FIELD(struct as_policy, type),
	  .names = ptype_names, .flags = PARAM_REQUIRED,
	  .doc = "pods: a number of replicas; percent: a share of the count at the start of the period" },
	{ .name = "value", .type = PARAM_UINT, PARAM_FIELD(struct as_policy, value),
	  .umin = 1, .umax = AS_MAX_REPLICAS, .flags = PARAM_REQUIRED,
	  .doc = "replicas, or per cent" },
	{ .name = "period", .type = PARAM_DURATION, PARAM_FIELD(struct as_policy, period_ns),
	  .min_ns = 1000000000LL, .flags = PARAM_REQUIRED,
	  .doc = "the window the change is counted over (periodSeconds)" },
	{ 0 }
};

static const struct param_table policy_table = {
	.params = policy_params, .size = sizeof(struct as_policy),
};

static const struct param policy_elem = {
	.type = PARAM_MAP, .size = sizeof(struct as_policy), .sub = &policy_table,
};

#define RULES_PARAMS(window_def, policies_def, policies_doc)                                   \
	{ .name = "stabilization_window", .type = PARAM_DURATION,                              \
	  PARAM_FIELD(struct as_rules, window_ns), .def = window_def,                         \
	  .doc = "recommendations looked back on (stabilizationWindowSeconds): the lowest of them bounds a scale-up, the highest a scale-down" }, \
	{ .name = "select_policy", .type = PARAM_ENUM, PARAM_FIELD(struct as_rules, select),    \
	  .names = select_names, .def = "max",                                                 \
	  .doc = "max: the policy allowing the most change; min: the least; disabled: no change this way" }, \
	{ .name = "policies", .type = PARAM_LIST, PARAM_FIELD(struct as_rules, policies),      \
	  PARAM_COUNT(struct as_rules, npolicies), .elem = &policy_elem,                       \
	  .elem_size = sizeof(struct as_policy), .min_len = 1, .max_len = AS_MAX_POLICIES,     \
	  .item = "policies", .shape = "[{type: pods|percent, value: N, period: 15s}]",        \
	  .def = policies_def, .doc = policies_doc },                                          \
	{ 0 }

static const struct param up_params[] = {
	RULES_PARAMS("0s", "[{type: percent, value: 100, period: 15s}, {type: pods, value: 4, period: 15s}]",
		     "how fast the count may rise: Kubernetes' default doubles it or adds 4, whichever is more, every 15 s"),
};
static const struct param down_params[] = {
	RULES_PARAMS("300s", "[{type: percent, value: 100, period: 15s}]",
		     "how fast the count may fall: Kubernetes' default allows all of it (down to min_replicas) every 15 s"),
};

static const struct param_table up_table = { .params = up_params, .size = sizeof(struct as_rules) };
static const struct param_table down_table = { .params = down_params, .size = sizeof(struct as_rules) };

struct behavior {
	struct as_rules up, down;
};

static const struct param behavior_params[] = {
	{ .name = "scale_up", .type = PARAM_MAP, PARAM_FIELD(struct behavior, up), .sub = &up_table,
	  .def = "{}", .shape = "{stabilization_window: 0s, select_policy: max, policies: [...]}",
	  .doc = "behavior.scaleUp" },
	{ .name = "scale_down", .type = PARAM_MAP, PARAM_FIELD(struct behavior, down), .sub = &down_table,
	  .def = "{}", .shape = "{stabilization_window: 300s, select_policy: max, policies: [...]}",
	  .doc = "behavior.scaleDown" },
	{ 0 }
};

static const struct param_table behavior_table = {
	.params = behavior_params, .size = sizeof(struct behavior),
};

#define COMMON_PARAMS                                                                          \
	{ .name = "min_replicas", .type = PARAM_UINT, PARAM_FIELD(struct as_cfg, min),           \
	  .umin = 1, .umax = AS_MAX_REPLICAS, .def = "1",                                       \
	  .doc = "the fewest replicas it sets" },                                               \
	{ .name = "max_replicas", .type = PARAM_UINT, PARAM_FIELD(struct as_cfg, max),           \
	  .umin = 1, .umax = AS_MAX_REPLICAS, .flags = PARAM_REQUIRED,                          \
	  .doc = "the most replicas it sets" },                                                 \
	{ .name = "metric", .type = PARAM_ENUM, PARAM_FIELD(struct as_cfg, metric),              \
	  .names = as_metric_names, .def = "utilization",                                       \
	  .doc = "per replica, averaged over the interval: utilization, busy workers over workers (CPU utilisation); concurrency, requests held or waiting; rps_per_replica, arrivals per second (ALBRequestCountPerTarget counts a minute's: divide its target by 60); queue_len, requests waiting" }, \
	{ .name = "target", .type = PARAM_NUMBER, PARAM_FIELD(struct as_cfg, target),            \
	  .min = 1e-9, .max = 1e12, .flags = PARAM_REQUIRED,                                    \
	  .doc = "the metric's target value per replica (utilization as a fraction: 0.6 for 60 %)" }

static int common_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			   struct as_cfg *c)
{
	char w[320];
	c->given = 1;
	if (c->min > c->max) {
		snprintf(w, sizeof w, "%s.min_replicas", what);
		return check_fail(ctx, yt_get(map, "min_replicas"), w,
				  "is %u, more than max_replicas (%u)", c->min, c->max);
	}
	if (c->metric == AS_UTILIZATION && c->target > 1) {
		snprintf(w, sizeof w, "%s.target", what);
		return check_fail(ctx, yt_get(map, "target"), w,
				  "utilization is a fraction of the workers, at most 1 (0.6 for 60 %%)");
	}
	return 0;
}

static const struct param hpa_params[] = {
	COMMON_PARAMS,
	{ .name = "sync_period", .type = PARAM_DURATION, PARAM_FIELD(struct as_cfg, sync_ns),
	  .min_ns = 1000000, .def = "15s",
	  .doc = "how often it reads the metric and decides (--horizontal-pod-autoscaler-sync-period); the metric is averaged over the period before" },
	{ .name = "tolerance", .type = PARAM_NUMBER, PARAM_FIELD(struct as_cfg, tolerance),
	  .min = 0, .max = 1, .def = "0.1",
	  .doc = "no change while metric / target is within this of 1 (--horizontal-pod-autoscaler-tolerance)" },
	{ .name = "behavior", .type = PARAM_MAP, .off = offsetof(struct as_cfg, up),
	  .size = sizeof(struct behavior), .sub = &behavior_table, .def = "{}",
	  .shape = "{scale_up: {...}, scale_down: {...}}",
	  .doc = "autoscaling/v2's behavior: stabilisation windows and rate policies each way" },
	{ 0 }
};

static int hpa_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			void *obj)
{
	struct as_cfg *c = obj;
	c->style = AS_HPA;
	int rc = common_validate(ctx, what, map, c);
	double unit = c->metric == AS_UTILIZATION ? 100 : 1000;
	if (!rc && round(c->target * unit) < 1) {
		char w[320];
		snprintf(w, sizeof w, "%s.target", what);
		return check_fail(ctx, yt_get(map, "target"), w,
				  "the HPA reads %s, and this target rounds to 0",
				  c->metric == AS_UTILIZATION ? "utilization in whole per cent" :
				  "metrics in thousandths");
	}
	return rc;
}

static const struct param_table hpa_table = {
	.params = hpa_params, .size = sizeof(struct as_cfg), .validate = hpa_validate,
	.doc = "A Kubernetes HorizontalPodAutoscaler (autoscaling/v2), with its controller's algorithm and defaults.",
};

static const struct param tt_params[] = {
	COMMON_PARAMS,
	{ .name = "period", .type = PARAM_DURATION, PARAM_FIELD(struct as_cfg, period_ns),
	  .min_ns = 1000000, .def = "60s",
	  .doc = "one metric datapoint per period (CloudWatch's 1-minute metrics)" },
	{ .name = "scale_out_datapoints", .type = PARAM_UINT, PARAM_FIELD(struct as_cfg, out_points),
	  .umin = 1, .umax = 1000, .def = "3",
	  .doc = "consecutive datapoints above the target that fire the high alarm" },
	{ .name = "scale_in_datapoints", .type = PARAM_UINT, PARAM_FIELD(struct as_cfg, in_points),
	  .umin = 1, .umax = 1000, .def = "15",
	  .doc = "consecutive datapoints below scale_in_ratio x target that fire the low alarm" },
	{ .name = "scale_in_ratio", .type = PARAM_NUMBER, PARAM_FIELD(struct as_cfg, in_ratio),
	  .min = 0, .max = 1, .def = "0.9",
	  .doc = "the low alarm's threshold, as a share of the target" },
	{ .name = "instance_warmup", .type = PARAM_DURATION, PARAM_FIELD(struct as_cfg, warmup_ns),
	  .min_ns = 0, .def = "300s",
	  .doc = "after taking traffic, an instance's metric is left out of the datapoints this long (EstimatedInstanceWarmup)" },
	{ .name = "disable_scale_in", .type = PARAM_BOOL, PARAM_FIELD(struct as_cfg, no_scale_in),
	  .def = "false", .doc = "true: the policy never removes capacity" },
	{ 0 }
};

static int tt_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
		       void *obj)
{
	struct as_cfg *c = obj;
	c->style = AS_TARGET_TRACKING;
	return common_validate(ctx, what, map, c);
}

static const struct param_table tt_table = {
	.params = tt_params, .size = sizeof(struct as_cfg), .validate = tt_validate,
	.doc = "An AWS target-tracking scaling policy: CloudWatch alarms on 1-minute datapoints, and instance warm-up.",
};

static void step_init(void *obj)
{
	struct as_step *s = obj;
	s->lower = -INFINITY;
	s->upper = INFINITY;
}

static int step_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			 void *obj)
{
	struct as_step *s = obj;
	char w[320];
	if (s->adjustment != floor(s->adjustment)) {
		snprintf(w, sizeof w, "%s.adjustment", what);
		return check_fail(ctx, yt_get(map, "adjustment"), w, "must be a whole number (got %g)",
				  s->adjustment);
	}
	if (!(s->lower < s->upper)) {
		snprintf(w, sizeof w, "%s.upper", what);
		return check_fail(ctx, yt_get(map, "upper") ? yt_get(map, "upper") : map, w,
				  "must be above lower");
	}
	return 0;
}

static const struct param step_params[] = {
	{ .name = "lower", .type = PARAM_NUMBER, PARAM_FIELD(struct as_step, lower),
	  .min = -1e12, .max = 1e12, .def_doc = "unbounded",
	  .doc = "the breach (metric - threshold) from which the step applies (MetricIntervalLowerBound)" },
	{ .name = "upper", .type = PARAM_NUMBER, PARAM_FIELD(struct as_step, upper),
	  .min = -1e12, .max = 1e12, .def_doc = "unbounded",
	  .doc = "the breach below which it applies (MetricIntervalUpperBound)" },
	{ .name = "adjustment", .type = PARAM_NUMBER, PARAM_FIELD(struct as_step, adjustment),
	  .min = -100000, .max = 100000, .flags = PARAM_REQUIRED,
	  .doc = "replicas added (removed, negative), per cent, or the count, as adjustment_type says (ScalingAdjustment)" },
	{ 0 }
};

static const struct param_table step_table = {
	.params = step_params, .size = sizeof(struct as_step), .init = step_init,
	.validate = step_validate,
};

static const struct param step_elem = {
	.type = PARAM_MAP, .size = sizeof(struct as_step), .sub = &step_table,
};

static const struct param alarm_params[] = {
	{ .name = "threshold", .type = PARAM_NUMBER, PARAM_FIELD(struct as_alarm, threshold),
	  .min = 0, .max = 1e12, .flags = PARAM_REQUIRED,
	  .doc = "the alarm's threshold on the metric (above it for scale_out, below it for scale_in)" },
	{ .name = "datapoints", .type = PARAM_UINT, PARAM_FIELD(struct as_alarm, datapoints),
	  .umin = 1, .umax = 1000, .def = "1",
	  .doc = "consecutive datapoints past the threshold that fire the alarm (EvaluationPeriods)" },
	{ .name = "steps", .type = PARAM_LIST, PARAM_FIELD(struct as_alarm, steps),
	  PARAM_COUNT(struct as_alarm, nsteps), .elem = &step_elem,
	  .elem_size = sizeof(struct as_step), .min_len = 1, .max_len = AS_MAX_STEPS,
	  .item = "steps", .flags = PARAM_REQUIRED,
	  .shape = "[{lower: 0, upper: 0.2, adjustment: 1}, {lower: 0.2, adjustment: 3}]",
	  .doc = "the step adjustments (StepAdjustments): the first whose interval holds the breach applies" },
	{ 0 }
};

static const struct param_table alarm_table = {
	.params = alarm_params, .size = sizeof(struct as_alarm), .validate = param_mark_given,
};

static const char *const adjust_names[] = {
	"change_in_capacity", "percent_change_in_capacity", "exact_capacity", NULL,
};

static const struct param step_scaling_params[] = {
	{ .name = "min_replicas", .type = PARAM_UINT, PARAM_FIELD(struct as_cfg, min),
	  .umin = 1, .umax = AS_MAX_REPLICAS, .def = "1", .doc = "the fewest replicas it sets" },
	{ .name = "max_replicas", .type = PARAM_UINT, PARAM_FIELD(struct as_cfg, max),
	  .umin = 1, .umax = AS_MAX_REPLICAS, .flags = PARAM_REQUIRED,
	  .doc = "the most replicas it sets" },
	{ .name = "metric", .type = PARAM_ENUM, PARAM_FIELD(struct as_cfg, metric),
	  .names = as_metric_names, .def = "utilization",
	  .doc = "per replica, averaged over the datapoint's period: as for the other styles" },
	{ .name = "period", .type = PARAM_DURATION, PARAM_FIELD(struct as_cfg, period_ns),
	  .min_ns = 1000000, .def = "60s", .doc = "one metric datapoint per period" },
	{ .name = "adjustment_type", .type = PARAM_ENUM, PARAM_FIELD(struct as_cfg, adjust),
	  .names = adjust_names, .def = "change_in_capacity",
	  .doc = "how a step's adjustment reads (AdjustmentType)" },
	{ .name = "min_adjustment_magnitude", .type = PARAM_UINT,
	  PARAM_FIELD(struct as_cfg, min_magnitude), .umin = 1, .umax = AS_MAX_REPLICAS, .def = "1",
	  .doc = "percent_change_in_capacity: the least number of replicas a step changes" },
	{ .name = "cooldown", .type = PARAM_DURATION, PARAM_FIELD(struct as_cfg, cooldown_ns),
	  .min_ns = 0, .def = "300s",
	  .doc = "after a scale-out, what it added counts as current for the next scale-out; after a scale-in, the next waits (Cooldown)" },
	{ .name = "instance_warmup", .type = PARAM_DURATION, PARAM_FIELD(struct as_cfg, warmup_ns),
	  .min_ns = 0, .def = "0s",
	  .doc = "after taking traffic, a replica's metric is left out of the datapoints this long" },
	{ .name = "scale_out", .type = PARAM_MAP, PARAM_FIELD(struct as_cfg, out), .sub = &alarm_table,
	  .shape = "{threshold: 0.7, datapoints: 3, steps: [...]}", .def_doc = "none",
	  .doc = "the scale-out policy and its alarm" },
	{ .name = "scale_in", .type = PARAM_MAP, PARAM_FIELD(struct as_cfg, in), .sub = &alarm_table,
	  .shape = "{threshold: 0.3, datapoints: 15, steps: [...]}", .def_doc = "none",
	  .doc = "the scale-in policy and its alarm" },
	{ 0 }
};

static int step_scaling_validate(struct check_ctx *ctx, const char *what,
				 const struct yt_node *map, void *obj)
{
	struct as_cfg *c = obj;
	char w[320];
	c->style = AS_STEP;
	c->given = 1;
	if (c->min > c->max) {
		snprintf(w, sizeof w, "%s.min_replicas", what);
		return check_fail(ctx, yt_get(map, "min_replicas"), w,
				  "is %u, more than max_replicas (%u)", c->min, c->max);
	}
	if (!c->out.given && !c->in.given)
		return check_fail(ctx, map, what, "give scale_out, scale_in or both");
	return 0;
}

static const struct param_table step_scaling_table = {
	.params = step_scaling_params, .size = sizeof(struct as_cfg),
	.validate = step_scaling_validate,
	.doc = "An AWS step scaling policy pair (Application Auto Scaling): CloudWatch alarms on 1-minute datapoints, step adjustments by how far the metric is past the threshold, and a cooldown.",
};

const struct param_case as_cases[] = {
	[AS_HPA] = { "kubernetes_hpa", &hpa_table, "a Kubernetes HorizontalPodAutoscaler" },
	[AS_TARGET_TRACKING] = { "aws_target_tracking", &tt_table, "an AWS target-tracking policy" },
	[AS_STEP] = { "aws_step_scaling", &step_scaling_table, "AWS step scaling policies" },
	{ NULL, NULL, NULL }
};

/* ---- state ---------------------------------------------------------------- */

int64_t as_interval_ns(const struct as_cfg *c)
{
	return c->style == AS_HPA ? c->sync_ns : c->period_ns;
}

int64_t as_warmup_ns(const struct as_cfg *c)
{
	return c->style == AS_HPA ? 0 : c->warmup_ns;
}


static int grow(void **a, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? 2 * *cap : 16;
	void *p = realloc(*a, nc * elem);
	if (!p)
		return -1;
	*a = p;
	*cap = nc;
	return 0;
}

int as_state_init(struct as_state *st, const struct as_cfg *c, uint32_t initial, int64_t now)
{
	memset(st, 0, sizeof *st);
	st->current = initial;
	if (c->style == AS_HPA) {
		/* maybeInitScaleDownStabilizationWindow */
		if (grow((void **)&st->recs, &st->caprecs, 0, sizeof *st->recs))
			return -1;
		st->recs[0] = (struct as_rec){ now, initial };
		st->nrecs = 1;
	}
	return 0;
}

void as_state_fini(struct as_state *st)
{
	free(st->recs);
	free(st->ups);
	free(st->downs);
	memset(st, 0, sizeof *st);
}

/* ---- Kubernetes HPA ---------------------------------------------------------- */

/* hpa_ratio is the usage ratio of `sum` over n replicas as the HPA
 * computes it, in whole units: utilization in per cent of the workers
 * (GetResourceUtilizationRatio: int32(total x 100 / requests)), the
 * other metrics in thousandths (GetMetricUtilizationRatio: the average
 * milli-value, an integer division), each over the target in the same
 * unit. */
static double hpa_ratio(const struct as_cfg *c, double sum, uint32_t n)
{
	double unit = c->metric == AS_UTILIZATION ? 100 : 1000;
	double cur = floor(sum / n * unit + 1e-9);
	return cur / round(c->target * unit);
}

/* hpa_metric_desired is the replica calculator: the count the metric
 * asks for, or `current` when it asks for no change. */
static uint32_t hpa_metric_desired(const struct as_cfg *c, uint32_t current,
				   const struct as_reading *r)
{
	if (!r->counted)
		return current;          /* no metrics: the HPA cannot decide */
	double ratio = hpa_ratio(c, r->sum, r->counted);
	if (!(r->other > 0 && ratio > 1.0)) {
		if (fabs(1.0 - ratio) <= c->tolerance)
			return current;
		return (uint32_t)ceil(ratio * r->counted);
	}
	/* on a scale-up the replicas not ready count as using nothing */
	uint32_t n = r->counted + r->other;
	double nr = hpa_ratio(c, r->sum, n);
	if (fabs(1.0 - nr) <= c->tolerance || (ratio < 1.0 && nr > 1.0) ||
	    (ratio > 1.0 && nr < 1.0))
		return current;
	uint32_t want = (uint32_t)ceil(nr * n);
	if ((nr < 1.0 && want > current) || (nr > 1.0 && want < current))
		return current;
	return want;
}

/* changes sums the events of the last `period` before now (strictly
 * after now - period, as getReplicasChangePerPeriod counts them). */
static uint32_t changes(const struct as_evt *e, size_t n, int64_t now, int64_t period)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].t > now - period)
			sum += e[i].n;
	return sum;
}

static uint32_t hpa_stabilize(struct as_state *st, const struct as_cfg *c, int64_t now,
			      uint32_t desired)
{
	uint32_t up = desired, down = desired;
	for (size_t i = 0; i < st->nrecs; i++) {
		const struct as_rec *q = &st->recs[i];
		if (q->t > now - c->up.window_ns && q->v < up)
			up = q->v;
		if (q->t > now - c->down.window_ns && q->v > down)
			down = q->v;
	}
	uint32_t rec = st->current;
	if (rec < up)
		rec = up;
	if (rec > down)
		rec = down;
	return rec;
}

static long hpa_rate_limit(const struct as_state *st, const struct as_rules *ru,
			   int64_t now, uint32_t current, int upward)
{
	if (ru->select == AS_SELECT_DISABLED)
		return current;
	/* for a scale-up, max picks the highest proposal; for a scale-down
	 * the lowest (the most change either way) */
	int most = ru->select == AS_SELECT_MAX;
	long result = 0;
	for (size_t i = 0; i < ru->npolicies; i++) {
		const struct as_policy *p = &ru->policies[i];
		long start = (long)current - changes(st->ups, st->nups, now, p->period_ns) +
			     changes(st->downs, st->ndowns, now, p->period_ns);
		long prop;
		if (upward)
			prop = p->type == AS_PODS ? start + p->value :
				(long)ceil((double)start * (1 + p->value / 100.0));
		else
			prop = p->type == AS_PODS ? start - p->value :
				(long)((double)start * (1 - p->value / 100.0));
		if (i == 0 || (upward == most ? prop > result : prop < result))
			result = prop;
	}
	return result;
}

static uint32_t hpa_normalize(struct as_state *st, const struct as_cfg *c, int64_t now,
			      uint32_t desired)
{
	uint32_t cur = st->current;
	uint32_t rec = hpa_stabilize(st, c, now, desired);
	if (rec > cur) {
		long lim = hpa_rate_limit(st, &c->up, now, cur, 1);
		if (lim < cur)
			lim = cur;
		long hi = (long)c->max < lim ? (long)c->max : lim;
		if (rec > hi)
			rec = (uint32_t)hi;
	} else if (rec < cur) {
		long lim = hpa_rate_limit(st, &c->down, now, cur, 0);
		if (lim > cur)
			lim = cur;
		long lo = (long)c->min > lim ? (long)c->min : lim;
		if (rec < lo)
			rec = (uint32_t)lo;
	}
	return rec;
}

/* drop_before drops the first of a history's *n entries of elem bytes
 * whose time (an int64_t at their start) is at or before t. */
static void drop_before(void *a, size_t *n, size_t elem, int64_t t)
{
	size_t k = 0;
	while (k < *n && *(const int64_t *)((const char *)a + k * elem) <= t)
		k++;
	if (!k)
		return;              /* (a may be NULL, with *n 0) */
	memmove(a, (char *)a + k * elem, (*n - k) * elem);
	*n -= k;
}

/* trim drops what no rule will look at again. */
static void trim(struct as_state *st, const struct as_cfg *c, int64_t now)
{
	int64_t keep = c->up.window_ns > c->down.window_ns ? c->up.window_ns : c->down.window_ns;
	drop_before(st->recs, &st->nrecs, sizeof *st->recs, now - keep);
	int64_t pmax = 0;
	for (size_t i = 0; i < c->up.npolicies; i++)
		if (c->up.policies[i].period_ns > pmax)
			pmax = c->up.policies[i].period_ns;
	for (size_t i = 0; i < c->down.npolicies; i++)
		if (c->down.policies[i].period_ns > pmax)
			pmax = c->down.policies[i].period_ns;
	drop_before(st->ups, &st->nups, sizeof *st->ups, now - pmax);
	drop_before(st->downs, &st->ndowns, sizeof *st->downs, now - pmax);
}

static long hpa_decide(struct as_state *st, const struct as_cfg *c, int64_t now,
		       const struct as_reading *r)
{
	uint32_t cur = st->current, desired;
	trim(st, c, now);
	if (grow((void **)&st->recs, &st->caprecs, st->nrecs, sizeof *st->recs) ||
	    grow((void **)&st->ups, &st->capups, st->nups, sizeof *st->ups) ||
	    grow((void **)&st->downs, &st->capdowns, st->ndowns, sizeof *st->downs))
		return -1;
	if (cur > c->max) {
		desired = c->max;
	} else if (cur < c->min) {
		desired = c->min;
	} else if (!r->counted) {
		/* no metric: the HPA errs, and records nothing */
			desired = cur;
	} else {
		uint32_t want = hpa_metric_desired(c, cur, r);
		desired = hpa_normalize(st, c, now, want);
		/* the unstabilised recommendation is what is remembered */
		st->recs[st->nrecs++] = (struct as_rec){ now, want };
	}
	if (desired > cur)
		st->ups[st->nups++] = (struct as_evt){ now, desired - cur };
	else if (desired < cur)
		st->downs[st->ndowns++] = (struct as_evt){ now, cur - desired };
	st->current = desired;
	return desired;
}

/* ---- AWS alarms ------------------------------------------------------------------ */

/* alarm_reading makes the checks both AWS styles make first: a count
 * outside [min, max] is brought inside, and with no datapoint
 * (INSUFFICIENT_DATA) the alarms do not move; either way it returns the
 * count set.  Otherwise -1, with the datapoint in *m. */
static long alarm_reading(struct as_state *st, const struct as_cfg *c,
			  const struct as_reading *r, double *m)
{
	uint32_t cur = st->current;
	if (cur > c->max || cur < c->min) {
		st->current = cur > c->max ? c->max : c->min;
		return st->current;
	}
	if (!r->counted)
		return cur;
	*m = r->sum / r->counted;
	return -1;
}

/* ---- AWS target tracking ------------------------------------------------------ */

static long tt_decide(struct as_state *st, const struct as_cfg *c, const struct as_reading *r)
{
	uint32_t cur = st->current;
	double metric;
	long set = alarm_reading(st, c, r, &metric);
	if (set >= 0)
		return set;
	double ratio = metric / c->target;
	st->above = metric > c->target ? st->above + 1 : 0;
	st->below = metric < c->in_ratio * c->target ? st->below + 1 : 0;
	/* a product that is a whole number but for the integrals' rounding
	 * (1.25 x 8 read as 10.000000001) is that number */
	double want = ceil(ratio * r->counted - 1e-9);
	uint32_t next = cur;
	if (st->above >= c->out_points && want > cur)
		next = want > c->max ? c->max : (uint32_t)want;
	else if (st->below >= c->in_points && !c->no_scale_in && want < cur && !r->other)
		/* not while some are starting or warming up (EC2 Auto
		 * Scaling holds scale-in until warm-up ends) */
		next = want < c->min ? c->min : (uint32_t)want;
	st->current = next;
	return next;
}

/* ---- AWS step scaling ------------------------------------------------------------ */

/* step_change is what the alarm a's step for metric m does to count
 * `from`: the new count (before min and max), or -1 when no step holds
 * the breach.  Above the threshold an interval holds its lower bound and
 * not its upper; below, its upper and not its lower (the API reference's
 * rule). */
static long step_change(const struct as_cfg *c, const struct as_alarm *a, double m, long from)
{
	double breach = m - a->threshold;
	for (size_t i = 0; i < a->nsteps; i++) {
		const struct as_step *s = &a->steps[i];
		int in = breach >= 0 ? breach >= s->lower && breach < s->upper :
			breach > s->lower && breach <= s->upper;
		if (!in)
			continue;
		long adj = (long)s->adjustment;
		switch (c->adjust) {
		case AS_EXACT:
			return adj;
		case AS_PERCENT_CHANGE: {
			double x = (double)from * s->adjustment / 100;
			long d = (long)x;              /* towards 0 */
			if (d == 0 && x != 0)
				d = x > 0 ? 1 : -1;
			if (labs(d) < (long)c->min_magnitude && d != 0)
				d = d > 0 ? (long)c->min_magnitude : -(long)c->min_magnitude;
			return from + d;
		}
		default:
			return from + adj;
		}
	}
	return -1;
}

static long step_decide(struct as_state *st, const struct as_cfg *c, int64_t now,
			const struct as_reading *r)
{
	uint32_t cur = st->current;
	double m;
	long set = alarm_reading(st, c, r, &m);
	if (set >= 0)
		return set;
	st->above = c->out.given && m > c->out.threshold ? st->above + 1 : 0;
	st->below = c->in.given && m < c->in.threshold ? st->below + 1 : 0;
	long want = cur;
	if (c->out.given && st->above >= c->out.datapoints) {
		/* within the cooldown the count before its scale-out is the base */
		int cooling = now < st->out_cool;
		long base = cooling ? st->out_base : cur;
		long w = step_change(c, &c->out, m, base);
		if (w > (long)cur) {
			want = w;
			if (!cooling)
				st->out_base = cur;
			st->out_cool = now + c->cooldown_ns;
			st->in_cool = now;       /* a scale-out ends a scale-in's cooldown */
		}
	} else if (c->in.given && st->below >= c->in.datapoints && now >= st->in_cool) {
		long w = step_change(c, &c->in, m, cur);
		if (w >= 0 && w < (long)cur) {
			want = w;
			st->in_cool = now + c->cooldown_ns;
		}
	}
	if (want > (long)c->max)
		want = c->max;
	if (want < (long)c->min)
		want = c->min;
	st->current = (uint32_t)want;
	return want;
}

long as_decide(struct as_state *st, const struct as_cfg *c, int64_t now,
	       const struct as_reading *r)
{
	switch (c->style) {
	case AS_HPA: return hpa_decide(st, c, now, r);
	case AS_TARGET_TRACKING: return tt_decide(st, c, r);
	default: return step_decide(st, c, now, r);
	}
}
