/*
 * callplan.c - checking call lists; see callplan.h.
 */
#include "sim/callplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/param.h"
#include "sim/scenario.h"
#include "sim/zone.h"

static const char *const backoff_names[] = { "fixed", "exponential", NULL };
static const char *const jitter_names[] = { "none", "full", "equal", "decorrelated", NULL };
static const char *const scope_names[] = { "replica", "node", NULL };

/* ---- retry_on: the failures a style's words name ---------------------- */

/* One style's words for failures, and the FAIL_* bits each names. */
struct fail_word {
	const char *word;
	unsigned bits;
};

/* Envoy's retry_on conditions (router filter, x-envoy-retry-on), as they
 * fall on archsim's failures: a per-try timeout and a reset count as 5xx
 * (Envoy answers them 504 and 503); gateway-error is 502, 503 and 504,
 * that is, all but an error the callee answered itself (500); reset and
 * connect-failure are a replica that is down; retriable-4xx is 409, an
 * event store's conflict (the only code Envoy counts there). */
static const struct fail_word envoy_words[] = {
	{ "5xx", FAIL_TIMEOUT | FAIL_ERROR | FAIL_REJECTED | FAIL_RESET },
	{ "gateway-error", FAIL_TIMEOUT | FAIL_REJECTED | FAIL_RESET },
	{ "reset", FAIL_RESET },
	{ "connect-failure", FAIL_RESET },
	{ "retriable-4xx", FAIL_CONFLICT },
	{ NULL, 0 }
};

/* gRPC's status codes, as archsim's failures map onto them: a replica
 * down or a refusal is UNAVAILABLE, an error INTERNAL, a per-try timeout
 * DEADLINE_EXCEEDED, an event store's conflict ABORTED (gRPC's code for
 * a failed sequencer check). */
static const struct fail_word grpc_words[] = {
	{ "UNAVAILABLE", FAIL_REJECTED | FAIL_RESET },
	{ "INTERNAL", FAIL_ERROR },
	{ "DEADLINE_EXCEEDED", FAIL_TIMEOUT },
	{ "ABORTED", FAIL_CONFLICT },
	{ NULL, 0 }
};

static const struct fail_word custom_words[] = {
	{ "timeout", FAIL_TIMEOUT },
	{ "error", FAIL_ERROR | FAIL_RESET | FAIL_CONFLICT },
	{ "rejected", FAIL_REJECTED },
	{ "conflict", FAIL_CONFLICT },
	{ NULL, 0 }
};

/* fail_word_bits checks one word against ws: 0 and its bits in *bits, or
 * the message for an unknown one. */
static int fail_word_bits(struct check_ctx *ctx, const struct yt_node *n, const char *what,
			  const char *word, const struct fail_word *ws, unsigned *bits)
{
	const char *names[8];
	size_t k;
	for (k = 0; ws[k].word; k++) {
		names[k] = ws[k].word;
		if (!strcmp(word, ws[k].word)) {
			*bits |= ws[k].bits;
			return 0;
		}
	}
	names[k] = NULL;
	return check_unknown(ctx, n, what, "condition", word, names);
}

/* parse_words reads a list of ws's words, or (as Envoy writes retry_on)
 * one string of them separated by commas, into the FAIL_* bits at field. */
static int parse_words(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		       void *field, const struct fail_word *ws)
{
	unsigned bits = 0;
	int rc;
	if (n->type == YT_SEQ) {
		if (!n->n)
			return check_fail(ctx, n, what, "names no condition");
		for (size_t i = 0; i < n->n; i++) {
			const char *w;
			char iw[300];
			snprintf(iw, sizeof iw, "%s[%zu]", what, i);
			if ((rc = check_string(ctx, n->items[i], iw, &w)) ||
			    (rc = fail_word_bits(ctx, n->items[i], iw, w, ws, &bits)))
				return rc;
		}
	} else {
		const char *w;
		if ((rc = check_string(ctx, n, what, &w)))
			return rc;
		char buf[256];
		snprintf(buf, sizeof buf, "%s", w);
		for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
		     tok = strtok_r(NULL, ", ", &save))
			if ((rc = fail_word_bits(ctx, n, what, tok, ws, &bits)))
				return rc;
		if (!bits)
			return check_fail(ctx, n, what, "names no condition");
	}
	*(unsigned *)field = bits;
	return 0;
}

static int parse_envoy_words(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			     void *field)
{
	return parse_words(ctx, what, n, field, envoy_words);
}

static int parse_grpc_words(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			    void *field)
{
	return parse_words(ctx, what, n, field, grpc_words);
}

static int parse_custom_words(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			      void *field)
{
	return parse_words(ctx, what, n, field, custom_words);
}

/* ---- style: envoy ------------------------------------------------------ */

static void back_off_init(void *obj)
{
	((struct retry_back_off *)obj)->max_ns = -1;
}

static const struct param back_off_params[] = {
	{ .name = "base_interval", .type = PARAM_DURATION,
	  PARAM_FIELD(struct retry_back_off, base_ns), .min_ns = 1000000, .def = "25ms",
	  .doc = "retry n waits a whole number of milliseconds drawn uniformly below this bound: base_interval for the first, doubled for each next one up to max_interval (Envoy's JitteredExponentialBackOffStrategy)" },
	{ .name = "max_interval", .type = PARAM_DURATION,
	  PARAM_FIELD(struct retry_back_off, max_ns), .min_ns = 1000000,
	  .def_doc = "10 x base_interval", .doc = "the largest bound" },
	{ 0 }
};

static const struct param_table back_off_table = {
	.params = back_off_params, .size = sizeof(struct retry_back_off),
	.init = back_off_init, .validate = param_mark_given,
};

static const struct param budget_params[] = {
	{ .name = "budget_percent", .type = PARAM_NUMBER, PARAM_FIELD(struct retry_budget, percent),
	  .min = 0, .max = 100, .def = "20",
	  .doc = "retries open at once at most this percent of the attempts out and waiting for a connection (rounded down)" },
	{ .name = "min_retry_concurrency", .type = PARAM_UINT,
	  PARAM_FIELD(struct retry_budget, min_concurrency), .umin = 0, .umax = UINT32_MAX,
	  .def = "3", .doc = "retries always allowed open at once, whatever the percent" },
	{ 0 }
};

static const struct param_table budget_table = {
	.params = budget_params, .size = sizeof(struct retry_budget),
	.validate = param_mark_given,
};

static const struct param envoy_params[] = {
	{ .name = "num_retries", .type = PARAM_UINT, PARAM_FIELD(struct retry_cfg, num_retries),
	  .umin = 0, .umax = 99, .def = "1", .doc = "retries at most, after the first attempt" },
	{ .name = "retry_on", .type = PARAM_CUSTOM, PARAM_FIELD(struct retry_cfg, retry_on),
	  .parse = parse_envoy_words, .shape = "\"5xx,reset\" or [5xx, reset]", .def = "5xx",
	  .doc = "the conditions retried: 5xx (any failure of the callee: an error, a refusal, a reset, a per-try timeout), gateway-error (all of those but an error the callee answered itself), reset and connect-failure (the callee's replica was down), retriable-4xx (409: an event store's conflict, which 5xx does not take).  Envoy retries nothing without retry_on; a retry written here is meant to retry, so the default is 5xx.  A refusal by the edge's own limits is never retried, as Envoy never retries an overflow" },
	{ .name = "retry_back_off", .type = PARAM_MAP, PARAM_FIELD(struct retry_cfg, back_off),
	  .sub = &back_off_table, .shape = "{base_interval: 25ms, max_interval: 250ms}",
	  .doc = "the fully jittered exponential backoff" },
	{ .name = "max_retries", .type = PARAM_UINT, PARAM_FIELD(struct retry_cfg, max_retries),
	  .umin = 0, .umax = UINT32_MAX, .def = "3",
	  .doc = "retries open at once, from when one is decided until its attempt ends, per scope (Envoy's circuit_breakers threshold of the same name, default 3); a retry over it is not made and the failure stands (upstream_rq_retry_overflow)" },
	{ .name = "retry_budget", .type = PARAM_MAP, PARAM_FIELD(struct retry_cfg, budget),
	  .sub = &budget_table, .shape = "{budget_percent: 20, min_retry_concurrency: 3}",
	  .def_doc = "none: max_retries",
	  .doc = "instead of max_retries (Envoy ignores it then): retries open at once at most max(budget_percent x (attempts out + waiting) / 100, min_retry_concurrency)" },
	{ 0 }
};

static int envoy_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			  void *obj)
{
	(void)ctx, (void)what, (void)map;
	struct retry_cfg *r = obj;
	r->given = 1;
	r->max_attempts = r->num_retries + 1;
	if (r->back_off.max_ns < 0)
		r->back_off.max_ns = 10 * r->back_off.base_ns;
	if (r->back_off.max_ns < r->back_off.base_ns) {
		const struct yt_node *b = yt_get(map, "retry_back_off");
		char w[300];
		snprintf(w, sizeof w, "%s.retry_back_off.max_interval", what);
		return check_fail(ctx, yt_get(b, "max_interval") ? yt_get(b, "max_interval") : b, w,
				  "is below base_interval");
	}
	return 0;
}

static const struct param_table envoy_table = {
	.params = envoy_params, .size = sizeof(struct retry_cfg),
	.doc = "Envoy's route retry_policy, with the cluster's limits on retries (circuit_breakers max_retries, retry_budget) beside it; the edge's timeout is the route's (15s unless written) and per_try_timeout the policy's.",
	.validate = envoy_validate,
};

/* ---- style: grpc ------------------------------------------------------- */

static const struct param throttle_params[] = {
	{ .name = "max_tokens", .type = PARAM_NUMBER, PARAM_FIELD(struct retry_throttle, max_tokens),
	  .min = 1e-3, .max = 1000, .flags = PARAM_REQUIRED,
	  .doc = "the token count's ceiling and start; retries stop while it is at most half of this" },
	{ .name = "token_ratio", .type = PARAM_NUMBER, PARAM_FIELD(struct retry_throttle, token_ratio),
	  .min = 1e-3, .max = 1000, .flags = PARAM_REQUIRED,
	  .doc = "tokens each successful attempt adds; each failure with a retryable code takes one" },
	{ 0 }
};

static const struct param_table throttle_table = {
	.params = throttle_params, .size = sizeof(struct retry_throttle),
	.validate = param_mark_given,
};

static const struct param grpc_params[] = {
	{ .name = "max_attempts", .type = PARAM_UINT, PARAM_FIELD(struct retry_cfg, max_attempts),
	  .umin = 2, .umax = 1000, .flags = PARAM_REQUIRED,
	  .doc = "attempts in all, the first included; above 5 it is 5, as gRPC caps it" },
	{ .name = "initial_backoff", .type = PARAM_DURATION, PARAM_FIELD(struct retry_cfg, base_ns),
	  .min_ns = 1, .flags = PARAM_REQUIRED,
	  .doc = "retry n waits uniformly in [0, min(initial_backoff x backoff_multiplier^(n-1), max_backoff))" },
	{ .name = "max_backoff", .type = PARAM_DURATION, PARAM_FIELD(struct retry_cfg, cap_ns),
	  .min_ns = 1, .flags = PARAM_REQUIRED, .doc = "the largest bound of a wait" },
	{ .name = "backoff_multiplier", .type = PARAM_NUMBER, PARAM_FIELD(struct retry_cfg, multiplier),
	  .min = 1e-9, .max = 1e6, .flags = PARAM_REQUIRED, .doc = "the bound's growth per retry" },
	{ .name = "retryable_status_codes", .type = PARAM_CUSTOM,
	  PARAM_FIELD(struct retry_cfg, retry_on), .parse = parse_grpc_words,
	  .shape = "[UNAVAILABLE, ...]", .flags = PARAM_REQUIRED,
	  .doc = "the codes retried: UNAVAILABLE (the callee refused the attempt, or its replica was down), INTERNAL (an error it answered), DEADLINE_EXCEEDED (the edge's per_try_timeout), ABORTED (an event store's conflict)" },
	{ .name = "retry_throttling", .type = PARAM_MAP, PARAM_FIELD(struct retry_cfg, throttle),
	  .sub = &throttle_table, .shape = "{max_tokens: 10, token_ratio: 0.1}", .def_doc = "none",
	  .doc = "the channel's retry throttling, per scope (a channel is a process's)" },
	{ 0 }
};

static int grpc_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			 void *obj)
{
	struct retry_cfg *r = obj;
	r->given = 1;
	if (r->max_attempts > 5)
		r->max_attempts = 5;
	if (r->cap_ns < r->base_ns) {
		char w[300];
		snprintf(w, sizeof w, "%s.max_backoff", what);
		return check_fail(ctx, yt_get(map, "max_backoff"), w, "is below initial_backoff");
	}
	return 0;
}

static const struct param_table grpc_table = {
	.params = grpc_params, .size = sizeof(struct retry_cfg),
	.doc = "gRPC's retryPolicy (gRFC A6), whose keys it requires as gRPC does; the edge's timeout is the call's deadline.",
	.validate = grpc_validate,
};

/* ---- style: custom ----------------------------------------------------- */

static const struct param rate_budget_params[] = {
	{ .name = "ttl", .type = PARAM_DURATION, PARAM_FIELD(struct rate_budget, ttl_ns),
	  .min_ns = 1000000000, .def = "10s",
	  .doc = "how long a request counts toward the budget (a sliding window of ten buckets)" },
	{ .name = "min_retries_per_sec", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct rate_budget, min_per_s), .min = 0, .max = 1e9, .def = "10",
	  .doc = "retries allowed a second on top of the percent, so that light traffic can retry" },
	{ .name = "percent_can_retry", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct rate_budget, percent), .min = 0, .max = 1000, .def = "0.2",
	  .doc = "retries allowed per request over the ttl (a fraction, as Finagle writes it: 0.2 is one retry per five requests)" },
	{ 0 }
};

static const struct param_table rate_budget_table = {
	.params = rate_budget_params, .size = sizeof(struct rate_budget),
	.validate = param_mark_given,
};

static const struct param custom_params[] = {
	{ .name = "max_attempts", .type = PARAM_UINT, PARAM_FIELD(struct retry_cfg, max_attempts),
	  .umin = 1, .umax = 100, .def = "3",
	  .doc = "attempts in all, the first included (1: no retry)" },
	{ .name = "backoff", .type = PARAM_ENUM, PARAM_FIELD(struct retry_cfg, backoff),
	  .names = backoff_names, .def = "exponential",
	  .doc = "wait before retry n (from 1): fixed, base; exponential, min(cap, base x 2^(n-1))" },
	{ .name = "base", .type = PARAM_DURATION, PARAM_FIELD(struct retry_cfg, base_ns),
	  .def = "25ms", .doc = "the first wait (Envoy's base_interval)" },
	{ .name = "cap", .type = PARAM_DURATION, PARAM_FIELD(struct retry_cfg, cap_ns),
	  .def = "250ms", .doc = "the longest wait (Envoy's default max_interval)" },
	{ .name = "jitter", .type = PARAM_ENUM, PARAM_FIELD(struct retry_cfg, jitter),
	  .names = jitter_names, .def = "full",
	  .doc = "as the AWS Architecture Blog defines them, of the wait w above: none, w; full, uniform in [0, w] (the blog's advice, and what Envoy and gRPC do); equal, w/2 + uniform in [0, w/2]; decorrelated, min(cap, uniform in [base, 3 x the previous wait]), starting from base" },
	{ .name = "retry_on", .type = PARAM_CUSTOM, PARAM_FIELD(struct retry_cfg, retry_on),
	  .parse = parse_custom_words, .shape = "[timeout, error, rejected]",
	  .def = "[timeout, error, rejected]",
	  .doc = "the failures retried: timeout (this edge's per_try_timeout), error (any failure at the callee: an errors fault, a crash, a conflict, a failed call of its own), conflict (an event store's conflict alone), rejected (a refusal, the callee's or the edge's own limits')" },
	{ .name = "retry_budget", .type = PARAM_MAP, PARAM_FIELD(struct retry_cfg, rate_budget),
	  .sub = &rate_budget_table,
	  .shape = "{ttl: 10s, min_retries_per_sec: 10, percent_can_retry: 0.2}", .def_doc = "none",
	  .doc = "Finagle's RetryBudget, per scope: a retry is made while the retries over the last ttl stay within min_retries_per_sec x ttl + percent_can_retry x the first attempts over it; one over it is not made and the failure stands" },
	{ 0 }
};

static int custom_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			   void *obj)
{
	struct retry_cfg *r = obj;
	r->given = 1;
	if (r->cap_ns < r->base_ns) {
		char w[300];
		snprintf(w, sizeof w, "%s.cap", what);
		return check_fail(ctx, yt_get(map, "cap") ? yt_get(map, "cap") : map, w,
				  "is below base: a backoff never exceeds its cap");
	}
	return 0;
}

static const struct param_table custom_table = {
	.params = custom_params, .size = sizeof(struct retry_cfg),
	.doc = "A policy of archsim's own: any of the AWS Architecture Blog's backoffs and jitters, any failures retried, and Finagle's retry budget.",
	.validate = custom_validate,
};

static const struct param_case retry_cases[] = {
	[RETRY_ENVOY] = { "envoy", &envoy_table, "Envoy's, the default: what a sidecar does" },
	[RETRY_GRPC] = { "grpc", &grpc_table, "gRPC's client library's" },
	[RETRY_CUSTOM] = { "custom", &custom_table, "archsim's own, for any backoff and jitter" },
	{ NULL, NULL, NULL }
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
	.doc = "archsim's own: the first reply of the attempt or a copy wins, whatever it is.",
};

static int grpc_hedge_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			       void *obj)
{
	(void)ctx, (void)what, (void)map;
	struct hedge_cfg *h = obj;
	h->given = 1;
	if (h->max_attempts > CALL_MAX_HEDGE + 1)
		h->max_attempts = CALL_MAX_HEDGE + 1;   /* gRPC caps it at 5 */
	h->max = h->max_attempts - 1;
	return 0;
}

static const struct param grpc_hedge_params[] = {
	{ .name = "max_attempts", .type = PARAM_UINT, PARAM_FIELD(struct hedge_cfg, max_attempts),
	  .umin = 2, .umax = 1000, .flags = PARAM_REQUIRED,
	  .doc = "the attempt and its copies, at most; above 5 it is 5, as gRPC caps it" },
	{ .name = "hedging_delay", .type = PARAM_DURATION, PARAM_FIELD(struct hedge_cfg, after_ns),
	  .min_ns = 0, .def = "0s",
	  .doc = "a copy goes out after this long without a final reply (gRPC's default 0: all at once)" },
	{ .name = "non_fatal_status_codes", .type = PARAM_CUSTOM,
	  PARAM_FIELD(struct hedge_cfg, non_fatal), .parse = parse_grpc_words,
	  .shape = "[UNAVAILABLE, ...]", .def_doc = "none: every reply commits",
	  .doc = "a reply with one of these codes does not commit: the other copies go on, and the next is sent at once; with none left, it stands" },
	{ 0 }
};

static const struct param_table grpc_hedge_table = {
	.params = grpc_hedge_params, .size = sizeof(struct hedge_cfg),
	.validate = grpc_hedge_validate,
	.doc = "gRPC's hedgingPolicy (gRFC A6).",
};

static const struct param_case hedge_cases[] = {
	[HEDGE_CUSTOM] = { "custom", &hedge_table, "archsim's own, the default" },
	[HEDGE_GRPC] = { "grpc", &grpc_hedge_table, "gRPC's" },
	{ NULL, NULL, NULL }
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
	struct zone_size size;
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

/* Envoy's defaults that are not the retry policy's own: the route's
 * timeout and the cluster's max_requests threshold. */
#define ENVOY_ROUTE_TIMEOUT_NS 15000000000LL
#define ENVOY_MAX_REQUESTS 1024

static int edge_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			 void *obj)
{
	struct edge_cfg *c = obj;
	if (c->pol.retry.given && c->pol.hedge.given &&
	    (c->pol.retry.style == RETRY_GRPC || c->pol.hedge.style == HEDGE_GRPC)) {
		char w[320];
		snprintf(w, sizeof w, "%s.hedge", what);
		return check_fail(ctx, yt_get(map, "hedge"), w,
				  "gRPC takes a retry policy or a hedging policy for a call, not both");
	}
	if (c->pol.retry.given && c->pol.retry.style == RETRY_ENVOY) {
		if (!yt_get(map, "timeout"))
			c->pol.timeout_ns = ENVOY_ROUTE_TIMEOUT_NS;
		if (!yt_get(map, "max_requests"))
			c->pol.max_requests = ENVOY_MAX_REQUESTS;
	}
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
	  .min_ns = 1, .def_doc = "none; 15s with an envoy retry",
	  .doc = "the whole call's: after this long, retries and backoffs included, the caller stops waiting and the call fails as timeout, whatever attempts are left (Envoy's route timeout, gRPC's deadline); the callee still serves what it holds, as wasted work" },
	{ .name = "per_try_timeout", .type = PARAM_DURATION, POL(per_try_ns),
	  .min_ns = 1, .def_doc = "none",
	  .doc = "each attempt's: after this long the caller stops waiting for it, and it fails as a timeout that the retry policy may retry (Envoy's per_try_timeout)" },
	{ .name = "retry", .type = PARAM_VARIANT, POL(retry.style), .key = "style",
	  .key_def = "envoy", .cases = retry_cases, .sub_off = offsetof(struct edge_cfg, pol.retry),
	  .def_doc = "none: a failed call fails its caller",
	  .doc = "retries of a failed attempt, each a new request to the callee, after a backoff during which the caller's worker stays held; `style` picks whose semantics and defaults (below)" },
	{ .name = "cancel", .type = PARAM_BOOL, POL(cancel), .def = "false",
	  .doc = "true: an attempt the caller gives up (a timeout, a losing hedge, a failed parallel call) is cancelled at a service callee: dropped if it is still waiting, its calls skipped if it is in service; false: served in full, for nobody" },
	{ .name = "hedge", .type = PARAM_VARIANT, POL(hedge.style), .key = "style",
	  .key_def = "custom", .cases = hedge_cases, .sub_off = offsetof(struct edge_cfg, pol.hedge),
	  .def_doc = "none",
	  .doc = "hedged requests: while an attempt has no reply, a copy goes to the callee after `after`, up to `max`; the first reply wins and the others are wasted (served, not waited for).  Copies pass the edge's breaker, max_requests and connection pool unasked" },
	{ .name = "rate_limit", .type = PARAM_MAP, POL(rate), .sub = &rate_limit_table,
	  .shape = "{rate: 100/s, burst: 20}", .def_doc = "none",
	  .doc = "a token bucket for the edge's attempts (retries included), per calling replica or per node as scope says: one that finds no token fails at once as rejected, with no call made" },
	{ .name = "max_requests", .type = PARAM_UINT, POL(max_requests),
	  .umin = 1, .umax = UINT32_MAX, .def_doc = "no limit; 1024 with an envoy retry",
	  .doc = "attempts on this edge out at once from one calling replica, or from the node with scope: node (Envoy's max_requests); one over it fails at once as rejected, with no call made" },
	{ .name = "max_connections", .type = PARAM_UINT, POL(max_connections),
	  .umin = 1, .umax = UINT32_MAX, .def_doc = "no pool",
	  .doc = "each calling replica's connection pool to the callee (the node's one with scope: node), one attempt per connection at a time (Envoy's max_connections, HTTP/1.1): an attempt that finds them all busy waits for one, in order; its timeout runs meanwhile" },
	{ .name = "max_pending_requests", .type = PARAM_UINT, POL(max_pending),
	  .umin = 0, .umax = UINT32_MAX - 1, .def_doc = "no limit",
	  .doc = "attempts that may wait for a connection (Envoy's max_pending_requests); one more fails at once as rejected, with no call made" },
	{ .name = "scope", .type = PARAM_ENUM, POL(scope), .names = scope_names, .def = "replica",
	  .doc = "where the edge's max_requests, connection pool, rate_limit, retry budget and breaker keep their state: replica, one per calling replica, as each replica's sidecar (Envoy) or in-process library (resilience4j, gRPC, Finagle) keeps its own; node, one shared by all the calling node's replicas (a shared proxy tier, a distributed limiter)" },
	{ .name = "size", .type = PARAM_MAP, PARAM_FIELD(struct edge_cfg, size),
	  .sub = &zone_size_table, .shape = "{request: SIZE, response: SIZE}",
	  .def_doc = "the calling request's",
	  .doc = "the size of the call's message and of its response, drawn per call (its retries and hedges send the same): what a hop over a link (`links:`) carries, for its `bandwidth` and its `cost`" },
	{ .name = "breaker", .type = PARAM_CUSTOM, POL(breaker),
	  .parse = parse_breaker, .shape = "NAME", .def_doc = "none",
	  .doc = "a circuit breaker of the scenario's `breakers:` guarding each attempt, an instance of it per calling replica (resilience4j's registry is per process), or per node with scope: node; a node's edges that name one breaker with one scope share its instances: while it does not permit calls, an attempt fails at once as breaker_open, with no call made (and is not retried)" },
	{ 0 }
};

const struct param_table callplan_edge_table = {
	.params = edge_params,
	.size = sizeof(struct edge_cfg),
	.doc = "A call: `{to: NODE}`, with optional `p`, `timeout`, `per_try_timeout`, `cancel`, `retry`, `hedge`, `rate_limit`, `max_requests`, `max_connections`, `max_pending_requests`, `scope`, `size` and `breaker`.",
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
static int add_edge(struct check_ctx *ctx, struct edge_cfg *c, struct call_edge *edge)
{
	const struct edge_policy *p = &c->pol;
	edge->to = c->to;
	edge->p = c->p;
	edge->policy = NULL;
	edge->size = NULL;
	if (c->size.given) {
		/* the sizes are taken over: the checked struct no longer
		 * owns them */
		if (!(edge->size = malloc(sizeof *edge->size)))
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		*edge->size = c->size;
		memset(&c->size, 0, sizeof c->size);
	}
	if (!(p->timeout_ns || p->per_try_ns || p->retry.given || p->breaker >= 0 ||
	      p->max_requests ||
	      p->hedge.given || p->cancel || p->max_connections || p->rate.given))
		return 0;
	struct edge_policy *pol = malloc(sizeof *pol);
	if (!pol)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	*pol = *p;
	if (!p->retry.given)
		pol->retry.max_attempts = 1;
	pol->bare = !(p->retry.given || p->breaker >= 0 || p->max_requests || p->hedge.given ||
		      p->cancel || p->max_connections || p->rate.given);
	edge->policy = pol;
	edge->id = ctx->sc->npolicy_edges++;
	return 0;
}

/* build_plan turns the checked list into plan. */
static int build_plan(struct check_ctx *ctx, struct calls_cfg *cfg, struct call_plan *plan)
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
		struct step_cfg *sc = &cfg->steps[i];
		struct call_step *st = &plan->steps[i];
		int group = sc->which == STEP_PARALLEL;
		size_t n = group ? sc->ngroup : 1;
		plan->nsteps = (uint32_t)i + 1;
		st->edges = plan->edges + plan->nedges;
		st->bare = 1;
		for (size_t j = 0; j < n; j++) {
			int rc = add_edge(ctx, group ? &sc->group[j] : &sc->edge, &st->edges[j]);
			st->nedges = (uint32_t)j + 1;
			plan->nedges++;
			if (rc)
				return rc;
			st->has_policy |= st->edges[j].policy != NULL;
			st->bare &= !st->edges[j].policy || st->edges[j].policy->bare;
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

int callplan_check_edge(struct check_ctx *ctx, const struct yt_node *n, const char *what,
			struct call_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	struct step_cfg step = { 0 };
	struct calls_cfg cfg = { &step, 1 };
	step.which = STEP_CALL;
	int rc = param_check_one(ctx, &group_edge, what, n, &step.edge);
	if (rc == 0)
		rc = build_plan(ctx, &cfg, plan);
	param_fini(&callplan_edge_table, &step.edge);
	return rc;
}

void callplan_free(struct call_plan *plan)
{
	for (size_t i = 0; plan->edges && i < plan->nedges; i++) {
		free((void *)plan->edges[i].policy);
		if (plan->edges[i].size) {
			param_fini(&zone_size_table, plan->edges[i].size);
			free(plan->edges[i].size);
		}
	}
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
