/*
 * callplan.c - checking call lists; see callplan.h.
 */
#include "sim/callplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/param.h"
#include "sim/scenario.h"

static const char *const group_keys[] = { "parallel", NULL };
static const char *const backoff_names[] = { "fixed", "exponential", NULL };
static const char *const jitter_names[] = { "none", "full", "equal", "decorrelated", NULL };
static const char *const retry_on_names[] = { "timeout", "error", "rejected", NULL };

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

struct edge_cfg {
	uint32_t to;
	double p;
	int64_t timeout_ns;
	struct edge_rate rate;
	struct hedge_cfg hedge;
	struct retry_cfg retry;
	int32_t breaker;
	uint32_t max_requests;
	uint32_t max_connections, max_pending;
	int cancel;
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
	((struct edge_cfg *)obj)->breaker = -1;
}

static const struct param edge_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct edge_cfg, to),
	  .flags = PARAM_REQUIRED, .doc = "the node called" },
	{ .name = "p", .type = PARAM_PROB, PARAM_FIELD(struct edge_cfg, p), .def = "1",
	  .doc = "the probability the call is made (a draw of the request's own)" },
	{ .name = "timeout", .type = PARAM_DURATION, PARAM_FIELD(struct edge_cfg, timeout_ns),
	  .min_ns = 1, .def_doc = "none",
	  .doc = "the caller stops waiting for an attempt after this long: it fails as timeout (and may be retried); the callee still serves it, as wasted work" },
	{ .name = "retry", .type = PARAM_MAP, PARAM_FIELD(struct edge_cfg, retry), .sub = &retry_table,
	  .shape = "{max_attempts: 3, backoff: exponential, base: 10ms, cap: 1s, jitter: full, budget: 0.1}",
	  .def_doc = "none: a failed call fails its caller",
	  .doc = "retries of a failed attempt, each a new request to the callee, after a backoff during which the caller's worker stays held" },
	{ .name = "cancel", .type = PARAM_BOOL, PARAM_FIELD(struct edge_cfg, cancel), .def = "false",
	  .doc = "true: an attempt the caller gives up (a timeout, a losing hedge, a failed parallel call) is cancelled at a service callee: dropped if it is still waiting, its calls skipped if it is in service; false: served in full, for nobody" },
	{ .name = "hedge", .type = PARAM_MAP, PARAM_FIELD(struct edge_cfg, hedge), .sub = &hedge_table,
	  .shape = "{after: 50ms, max: 1}", .def_doc = "none",
	  .doc = "hedged requests: while an attempt has no reply, a copy goes to the callee after `after`, up to `max`; the first reply wins and the others are wasted (served, not waited for).  Copies pass the edge's breaker, max_requests and connection pool unasked" },
	{ .name = "rate_limit", .type = PARAM_MAP, PARAM_FIELD(struct edge_cfg, rate), .sub = &rate_limit_table,
	  .shape = "{rate: 100/s, burst: 20}", .def_doc = "none",
	  .doc = "a token bucket for the edge's attempts (retries included): one that finds no token fails at once as rejected, with no call made" },
	{ .name = "max_requests", .type = PARAM_UINT, PARAM_FIELD(struct edge_cfg, max_requests),
	  .umin = 1, .umax = UINT32_MAX, .def_doc = "no limit",
	  .doc = "attempts on this edge out at once, over all the caller's requests (Envoy's max_requests); one over it fails at once as rejected, with no call made" },
	{ .name = "max_connections", .type = PARAM_UINT, PARAM_FIELD(struct edge_cfg, max_connections),
	  .umin = 1, .umax = UINT32_MAX, .def_doc = "no pool",
	  .doc = "the caller's connection pool to the callee, one attempt per connection at a time (Envoy's max_connections, HTTP/1.1): an attempt that finds them all busy waits for one, in order; its timeout runs meanwhile" },
	{ .name = "max_pending_requests", .type = PARAM_UINT, PARAM_FIELD(struct edge_cfg, max_pending),
	  .umin = 0, .umax = UINT32_MAX - 1, .def_doc = "no limit",
	  .doc = "attempts that may wait for a connection (Envoy's max_pending_requests); one more fails at once as rejected, with no call made" },
	{ .name = "breaker", .type = PARAM_CUSTOM, PARAM_FIELD(struct edge_cfg, breaker),
	  .parse = parse_breaker, .shape = "NAME", .def_doc = "none",
	  .doc = "a circuit breaker of the scenario's `breakers:` guarding each attempt: while it does not permit calls, an attempt fails at once as breaker_open, with no call made (and is not retried)" },
	{ 0 }
};

const struct param_table callplan_edge_table = {
	.params = edge_params,
	.size = sizeof(struct edge_cfg),
	.doc = "A call: `{to: NODE}`, with optional `p`, `timeout`, `cancel`, `retry`, `hedge`, `rate_limit`, `max_requests`, `max_connections`, `max_pending_requests` and `breaker`; `{parallel: [CALL, ...]}` makes a group of calls at once and waits for all.",
	.init = edge_init,
};

static int check_edge(struct check_ctx *ctx, const struct yt_node *e,
		      const char *what, struct call_edge *edge)
{
	void *obj;
	int rc = param_new(ctx, what, e, &callplan_edge_table, NULL, &obj);
	if (rc)
		return rc;
	struct edge_cfg *c = obj;
	edge->to = c->to;
	edge->p = c->p;
	edge->policy = NULL;
	if (yt_get(e, "max_pending_requests") && !c->max_connections) {
		char w[320];
		snprintf(w, sizeof w, "%s.max_pending_requests", what);
		param_free(&callplan_edge_table, obj);
		return check_fail(ctx, yt_get(e, "max_pending_requests"), w,
			       "needs max_connections: requests wait for a connection of the pool");
	}
	if (c->timeout_ns || c->retry.given || c->breaker >= 0 || c->max_requests || c->hedge.given ||
	    c->cancel || c->max_connections || c->rate.given) {
		struct edge_policy *pol = calloc(1, sizeof *pol);
		if (!pol) {
			param_free(&callplan_edge_table, obj);
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		}
		pol->timeout_ns = c->timeout_ns;
		pol->rate = c->rate;
		pol->hedge = c->hedge;
		pol->breaker = c->breaker;
		pol->max_requests = c->max_requests;
		pol->max_connections = c->max_connections;
		pol->max_pending = yt_get(e, "max_pending_requests") ? c->max_pending : UINT32_MAX;
		pol->cancel = c->cancel;
		pol->retry = c->retry;
		pol->retry.retry_on_words = NULL;
		pol->retry.nretry_on = 0;
		if (!c->retry.given)
			pol->retry.max_attempts = 1;
		edge->policy = pol;
		edge->id = ctx->sc->npolicy_edges++;
	}
	param_free(&callplan_edge_table, obj);
	return 0;
}

int callplan_check(struct check_ctx *ctx, const struct yt_node *n,
		   const char *what, struct call_plan *plan)
{
	char w[300];
	int rc;
	plan->steps = NULL;
	plan->nsteps = 0;
	plan->edges = NULL;
	plan->nedges = 0;
	plan->has_policy = 0;
	if (n->type != YT_SEQ)
		return check_fail(ctx, n, what,
			       "must be a list of calls such as {to: NODE, p: PROBABILITY} or {parallel: [...]}");
	if (n->n > CALLPLAN_MAX_STEPS)
		return check_fail(ctx, n, what, "at most %d calls", CALLPLAN_MAX_STEPS);
	if (!n->n)
		return 0;
	/* room for every edge the list could hold: one per entry, or a
	 * parallel group's (checked below) */
	size_t room = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *e = n->items[i];
		const struct yt_node *par = e->type == YT_MAP ? yt_get(e, "parallel") : NULL;
		room += par && par->type == YT_SEQ && par->n <= CALLPLAN_MAX_PARALLEL ?
			par->n : 1;
	}
	plan->steps = calloc(n->n, sizeof *plan->steps);
	plan->edges = calloc(room, sizeof *plan->edges);
	if (!plan->steps || !plan->edges)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < n->n; i++) {
		const struct yt_node *e = n->items[i];
		struct call_step *st = &plan->steps[i];
		plan->nsteps = (uint32_t)i + 1;
		snprintf(w, sizeof w, "%s[%zu]", what, i);
		const struct yt_node *par = e->type == YT_MAP ? yt_get(e, "parallel") : NULL;
		st->edges = plan->edges + plan->nedges;
		if (!par) {
			st->nedges = 1;
			plan->nedges++;
			if ((rc = check_edge(ctx, e, w, st->edges)))
				return rc;
			st->has_policy = st->edges[0].policy != NULL;
			plan->has_policy |= st->has_policy;
			continue;
		}
		if ((rc = check_keys(ctx, e, w, group_keys, group_keys)))
			return rc;
		snprintf(w, sizeof w, "%s[%zu].parallel", what, i);
		if (par->type != YT_SEQ || par->n == 0)
			return check_fail(ctx, par, w,
				       "must be a non-empty list of calls such as {to: NODE, p: PROBABILITY}");
		if (par->n > CALLPLAN_MAX_PARALLEL)
			return check_fail(ctx, par, w, "at most %d calls", CALLPLAN_MAX_PARALLEL);
		for (size_t j = 0; j < par->n; j++) {
			st->nedges = (uint32_t)j + 1;
			plan->nedges++;
			snprintf(w, sizeof w, "%s[%zu].parallel[%zu]", what, i, j);
			if ((rc = check_edge(ctx, par->items[j], w, &st->edges[j])))
				return rc;
			st->has_policy |= st->edges[j].policy != NULL;
			plan->has_policy |= st->has_policy;
		}
	}
	return 0;
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
