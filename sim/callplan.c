/*
 * callplan.c - checking call lists; see callplan.h.
 */
#include "sim/callplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/param.h"
#include "sim/scenario.h"

static const char *const backoff_names[] = { "fixed", "exponential", NULL };
static const char *const jitter_names[] = { "none", "full", "equal", "decorrelated", NULL };
static const char *const retry_on_names[] = { "timeout", "error", "rejected", NULL };
static const char *const scope_names[] = { "replica", "node", NULL };

static int retry_validate(struct check_ctx *ctx, const char *what,
			  const struct yt_node *map, void *obj)
{
	struct retry_cfg *r = obj;
	char w[300];
	r->given = 1;
	if (!r->nretry_on) {
		r->retry_on = RETRY_ON_TIMEOUT | RETRY_ON_ERROR | RETRY_ON_REJECTED;
	} else {
		r->retry_on = 0;
		for (size_t i = 0; i < r->nretry_on; i++) {
			size_t k;
			for (k = 0; retry_on_names[k]; k++)
				if (!strcmp(r->retry_on_words[i], retry_on_names[k]))
					break;
			snprintf(w, sizeof w, "%s.retry_on[%zu]", what, i);
			if (!retry_on_names[k])
				return check_unknown(ctx, yt_get(map, "retry_on")->items[i], w, "failure",
						  r->retry_on_words[i], retry_on_names);
			r->retry_on |= 1u << k;
		}
	}
	if (r->cap_ns < r->base_ns) {
		snprintf(w, sizeof w, "%s.cap", what);
		return check_fail(ctx, yt_get(map, "cap") ? yt_get(map, "cap") : map, w,
			       "is below base: a backoff never exceeds its cap");
	}
	if (!yt_get(map, "budget"))
		r->budget = -1;
	return 0;
}

static const struct param word_elem = { .type = PARAM_STRING, .size = sizeof(char *) };

static const struct param retry_params[] = {
	{ .name = "max_attempts", .type = PARAM_UINT, PARAM_FIELD(struct retry_cfg, max_attempts),
	  .umin = 1, .umax = 100, .def = "3",
	  .doc = "attempts in all, the first included (1: no retry)" },
	{ .name = "backoff", .type = PARAM_ENUM, PARAM_FIELD(struct retry_cfg, backoff),
	  .names = backoff_names, .def = "exponential",
	  .doc = "wait before retry n (from 1): fixed, base; exponential, min(cap, base x 2^(n-1))" },
	{ .name = "base", .type = PARAM_DURATION, PARAM_FIELD(struct retry_cfg, base_ns),
	  .def = "10ms", .doc = "the first wait" },
	{ .name = "cap", .type = PARAM_DURATION, PARAM_FIELD(struct retry_cfg, cap_ns),
	  .def = "1s", .doc = "the longest wait" },
	{ .name = "jitter", .type = PARAM_ENUM, PARAM_FIELD(struct retry_cfg, jitter),
	  .names = jitter_names, .def = "none",
	  .doc = "as the AWS Architecture Blog defines them, of the wait w above: none, w; full, uniform in [0, w]; equal, w/2 + uniform in [0, w/2]; decorrelated, min(cap, uniform in [base, 3 x the previous wait]), starting from base" },
	{ .name = "retry_on", .type = PARAM_LIST, PARAM_FIELD(struct retry_cfg, retry_on_words),
	  PARAM_COUNT(struct retry_cfg, nretry_on), .elem = &word_elem, .elem_size = sizeof(char *),
	  .min_len = 1, .max_len = 3, .item = "failures", .shape = "[timeout, error, rejected]",
	  .def_doc = "all three",
	  .doc = "the failures retried: timeout (this edge's), error (any failure at the callee: an errors fault, a crash, a failed call of its own), rejected (a full queue)" },
	{ .name = "budget", .type = PARAM_PROB, PARAM_FIELD(struct retry_cfg, budget),
	  .def_doc = "none",
	  .doc = "retries may be at most this share of the edge's first attempts over the last budget_window (Envoy's retry budget, the SRE book's per-client ratio); a retry over it is not made and the failure stands" },
	{ .name = "min_retries", .type = PARAM_UINT, PARAM_FIELD(struct retry_cfg, min_retries),
	  .umin = 0, .umax = 1000000, .def = "3",
	  .doc = "retries allowed in any budget_window whatever the budget, so that light traffic can retry at all (the part Envoy's min_retry_concurrency plays)" },
	{ .name = "budget_window", .type = PARAM_DURATION,
	  PARAM_FIELD(struct retry_cfg, budget_window_ns), .min_ns = 1000000, .def = "10s",
	  .doc = "the sliding window the budget counts over (ten buckets)" },
	{ 0 }
};

static const struct param_table retry_table = {
	.params = retry_params,
	.size = sizeof(struct retry_cfg),
	.validate = retry_validate,
};

static const struct param hedge_params[] = {
	{ .name = "after", .type = PARAM_DURATION, PARAM_FIELD(struct hedge_cfg, after_ns),
	  .min_ns = 1, .flags = PARAM_REQUIRED,
	  .doc = "a copy goes out after this long without a reply (and again after each such wait)" },
	{ .name = "max", .type = PARAM_UINT, PARAM_FIELD(struct hedge_cfg, max),
	  .umin = 1, .umax = CALL_MAX_HEDGE, .def = "1", .doc = "copies at most, besides the attempt" },
	{ 0 }
};

static const struct param_table hedge_table = {
	.params = hedge_params, .size = sizeof(struct hedge_cfg), .validate = param_mark_given,
};

static const struct param rate_params[] = {
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct edge_rate, rate_per_s),
	  .flags = PARAM_REQUIRED, .doc = "tokens added per second" },
	{ .name = "burst", .type = PARAM_UINT, PARAM_FIELD(struct edge_rate, burst),
	  .umin = 1, .umax = 1000000000, .def = "1", .doc = "the bucket's size (it starts full)" },
	{ 0 }
};

const struct param_table rate_limit_table = {
	.params = rate_params, .size = sizeof(struct edge_rate), .validate = param_mark_given,
};

/* What a call edge's mapping checks into: where it goes, and its policy
 * as the engine will hold it. */
struct edge_cfg {
	uint32_t to;
	double p;
	struct edge_policy pol;
};

static int parse_breaker(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			 void *field)
{
	uint32_t i;
	int rc = check_breaker_ref(ctx, n, what, &i);
	if (!rc)
		*(int32_t *)field = (int32_t)i;
	return rc;
}

static void edge_init(void *obj)
{
	struct edge_cfg *c = obj;
	c->pol.breaker = -1;
	c->pol.max_pending = UINT32_MAX;
}

static int edge_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			 void *obj)
{
	const struct edge_cfg *c = obj;
	const struct yt_node *mp = yt_get(map, "max_pending_requests");
	if (mp && !c->pol.max_connections) {
		char w[320];
		snprintf(w, sizeof w, "%s.max_pending_requests", what);
		return check_fail(ctx, mp, w,
				  "needs max_connections: requests wait for a connection of the pool");
	}
	return 0;
}

#define POL(member) PARAM_FIELD(struct edge_cfg, pol.member)

static const struct param edge_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct edge_cfg, to),
	  .flags = PARAM_REQUIRED, .doc = "the node called" },
	{ .name = "p", .type = PARAM_PROB, PARAM_FIELD(struct edge_cfg, p), .def = "1",
	  .doc = "the probability the call is made (a draw of the request's own)" },
	{ .name = "timeout", .type = PARAM_DURATION, POL(timeout_ns),
	  .min_ns = 1, .def_doc = "none",
	  .doc = "the caller stops waiting for an attempt after this long: it fails as timeout (and may be retried); the callee still serves it, as wasted work" },
	{ .name = "retry", .type = PARAM_MAP, POL(retry), .sub = &retry_table,
	  .shape = "{max_attempts: 3, backoff: exponential, base: 10ms, cap: 1s, jitter: full, budget: 0.1}",
	  .def_doc = "none: a failed call fails its caller",
	  .doc = "retries of a failed attempt, each a new request to the callee, after a backoff during which the caller's worker stays held" },
	{ .name = "cancel", .type = PARAM_BOOL, POL(cancel), .def = "false",
	  .doc = "true: an attempt the caller gives up (a timeout, a losing hedge, a failed parallel call) is cancelled at a service callee: dropped if it is still waiting, its calls skipped if it is in service; false: served in full, for nobody" },
	{ .name = "hedge", .type = PARAM_MAP, POL(hedge), .sub = &hedge_table,
	  .shape = "{after: 50ms, max: 1}", .def_doc = "none",
	  .doc = "hedged requests: while an attempt has no reply, a copy goes to the callee after `after`, up to `max`; the first reply wins and the others are wasted (served, not waited for).  Copies pass the edge's breaker, max_requests and connection pool unasked" },
	{ .name = "rate_limit", .type = PARAM_MAP, POL(rate), .sub = &rate_limit_table,
	  .shape = "{rate: 100/s, burst: 20}", .def_doc = "none",
	  .doc = "a token bucket for the edge's attempts (retries included), per calling replica or per node as scope says: one that finds no token fails at once as rejected, with no call made" },
	{ .name = "max_requests", .type = PARAM_UINT, POL(max_requests),
	  .umin = 1, .umax = UINT32_MAX, .def_doc = "no limit",
	  .doc = "attempts on this edge out at once from one calling replica, or from the node with scope: node (Envoy's max_requests); one over it fails at once as rejected, with no call made" },
	{ .name = "max_connections", .type = PARAM_UINT, POL(max_connections),
	  .umin = 1, .umax = UINT32_MAX, .def_doc = "no pool",
	  .doc = "each calling replica's connection pool to the callee (the node's one with scope: node), one attempt per connection at a time (Envoy's max_connections, HTTP/1.1): an attempt that finds them all busy waits for one, in order; its timeout runs meanwhile" },
	{ .name = "max_pending_requests", .type = PARAM_UINT, POL(max_pending),
	  .umin = 0, .umax = UINT32_MAX - 1, .def_doc = "no limit",
	  .doc = "attempts that may wait for a connection (Envoy's max_pending_requests); one more fails at once as rejected, with no call made" },
	{ .name = "scope", .type = PARAM_ENUM, POL(scope), .names = scope_names, .def = "replica",
	  .doc = "where the edge's max_requests, connection pool, rate_limit, retry budget and breaker keep their state: replica, one per calling replica, as each replica's sidecar (Envoy) or in-process library (resilience4j, gRPC, Finagle) keeps its own; node, one shared by all the calling node's replicas (a shared proxy tier, a distributed limiter)" },
	{ .name = "breaker", .type = PARAM_CUSTOM, POL(breaker),
	  .parse = parse_breaker, .shape = "NAME", .def_doc = "none",
	  .doc = "a circuit breaker of the scenario's `breakers:` guarding each attempt, an instance of it per calling replica (resilience4j's registry is per process), or per node with scope: node; a node's edges that name one breaker with one scope share its instances: while it does not permit calls, an attempt fails at once as breaker_open, with no call made (and is not retried)" },
	{ 0 }
};

const struct param_table callplan_edge_table = {
	.params = edge_params,
	.size = sizeof(struct edge_cfg),
	.doc = "A call: `{to: NODE}`, with optional `p`, `timeout`, `cancel`, `retry`, `hedge`, `rate_limit`, `max_requests`, `max_connections`, `max_pending_requests`, `scope` and `breaker`.",
	.init = edge_init,
	.validate = edge_validate,
};

/* ---- the list: steps of one call or of a parallel group --------------------- */

/* One entry of the list as checked: a call, or a parallel group of them
 * (which: the case of the variant below).  Both cases' tables write from
 * the start of the struct: a call's keys fill `edge`, a group's its
 * list. */
struct step_cfg {
	struct edge_cfg edge;        /* a call */
	unsigned which;              /* 0 parallel, 1 a call */
	struct edge_cfg *group;      /* parallel */
	size_t ngroup;
};

enum { STEP_PARALLEL, STEP_CALL };

struct calls_cfg {
	struct step_cfg *steps;
	size_t nsteps;
};

static const struct param group_edge = {
	.type = PARAM_MAP, .size = sizeof(struct edge_cfg), .sub = &callplan_edge_table,
};

static const struct param group_params[] = {
	{ .name = "parallel", .type = PARAM_LIST, PARAM_FIELD(struct step_cfg, group),
	  PARAM_COUNT(struct step_cfg, ngroup), .elem = &group_edge,
	  .elem_size = sizeof(struct edge_cfg), .min_len = 1, .max_len = CALLPLAN_MAX_PARALLEL,
	  .item = "calls", .shape = "calls such as {to: NODE, p: PROBABILITY}",
	  .flags = PARAM_REQUIRED | PARAM_SEE_ABOVE,
	  .doc = "calls made at once; the step waits for all of them (each a call, as below)" },
	{ 0 }
};

static const struct param_table group_table = {
	.params = group_params, .size = sizeof(struct step_cfg),
};

static const struct param_case step_cases[] = {
	[STEP_PARALLEL] = { "parallel", &group_table,
			    "a group of calls made at once: the step ends when all have replied" },
	[STEP_CALL] = { "to", &callplan_edge_table, "one call" },
	{ NULL, NULL, NULL }
};

static const struct param step_elem = {
	.type = PARAM_VARIANT, PARAM_FIELD(struct step_cfg, which), .cases = step_cases,
	.flags = PARAM_ELSE_LAST,
};

static const struct param calls_params[] = {
	{ .name = "calls", .type = PARAM_LIST, PARAM_FIELD(struct calls_cfg, steps),
	  PARAM_COUNT(struct calls_cfg, nsteps), .elem = &step_elem,
	  .elem_size = sizeof(struct step_cfg), .max_len = CALLPLAN_MAX_STEPS, .item = "calls",
	  .shape = "calls such as {to: NODE, p: PROBABILITY} or {parallel: [...]}",
	  .doc = "the steps, made in order after the node's own work; the worker is held until each step's replies are in" },
	{ 0 }
};

const struct param_table callplan_table = {
	.params = calls_params,
	.size = sizeof(struct calls_cfg),
	.doc = "A node's synchronous calls, `calls: [STEP, ...]`: each step is one call `{to: NODE, ...}` or a parallel group `{parallel: [CALL, ...]}`, made in order after the node's own work. The worker is held until a step's replies are in; a failed call fails the request (after its retries). A cycle of calls is refused.",
};

/* add_edge makes edge c of the plan: its target and probability, and its
 * policy when it has one (numbered among the scenario's). */
static int add_edge(struct check_ctx *ctx, const struct edge_cfg *c, struct call_edge *edge)
{
	const struct edge_policy *p = &c->pol;
	edge->to = c->to;
	edge->p = c->p;
	edge->policy = NULL;
	if (!(p->timeout_ns || p->retry.given || p->breaker >= 0 || p->max_requests ||
	      p->hedge.given || p->cancel || p->max_connections || p->rate.given))
		return 0;
	struct edge_policy *pol = malloc(sizeof *pol);
	if (!pol)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	*pol = *p;
	/* the words of retry_on are the config's; a policy keeps their bits */
	pol->retry.retry_on_words = NULL;
	pol->retry.nretry_on = 0;
	if (!p->retry.given)
		pol->retry.max_attempts = 1;
	edge->policy = pol;
	edge->id = ctx->sc->npolicy_edges++;
	return 0;
}

/* build_plan turns the checked list into plan. */
static int build_plan(struct check_ctx *ctx, const struct calls_cfg *cfg, struct call_plan *plan)
{
	size_t room = 0;
	for (size_t i = 0; i < cfg->nsteps; i++)
		room += cfg->steps[i].which == STEP_PARALLEL ? cfg->steps[i].ngroup : 1;
	if (!cfg->nsteps)
		return 0;
	plan->steps = calloc(cfg->nsteps, sizeof *plan->steps);
	plan->edges = calloc(room, sizeof *plan->edges);
	if (!plan->steps || !plan->edges)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->nsteps; i++) {
		const struct step_cfg *sc = &cfg->steps[i];
		struct call_step *st = &plan->steps[i];
		int group = sc->which == STEP_PARALLEL;
		size_t n = group ? sc->ngroup : 1;
		plan->nsteps = (uint32_t)i + 1;
		st->edges = plan->edges + plan->nedges;
		for (size_t j = 0; j < n; j++) {
			int rc = add_edge(ctx, group ? &sc->group[j] : &sc->edge, &st->edges[j]);
			st->nedges = (uint32_t)j + 1;
			plan->nedges++;
			if (rc)
				return rc;
			st->has_policy |= st->edges[j].policy != NULL;
		}
		plan->has_policy |= st->has_policy;
	}
	return 0;
}

int callplan_check(struct check_ctx *ctx, const struct yt_node *n,
		   const char *what, struct call_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	struct calls_cfg cfg = { NULL, 0 };
	int rc = param_check_one(ctx, &calls_params[0], what, n, &cfg);
	if (rc == 0)
		rc = build_plan(ctx, &cfg, plan);
	param_fini(&callplan_table, &cfg);
	return rc;
}

void callplan_free(struct call_plan *plan)
{
	for (size_t i = 0; plan->edges && i < plan->nedges; i++)
		free((void *)plan->edges[i].policy);
	free(plan->steps);
	free(plan->edges);
	plan->steps = NULL;
	plan->nsteps = 0;
	plan->edges = NULL;
	plan->nedges = 0;
}

double callplan_edge(const struct call_plan *plan, size_t i, uint32_t *to)
{
	if (i >= plan->nedges)
		return -1;
	*to = plan->edges[i].to;
	return plan->edges[i].p;
}
