/*
 * callplan.h - a node's synchronous calls, as the scenario writes them:
 *
 *   calls:
 *     - {to: auth}                                   # always
 *     - {to: db, p: 0.3}                             # with probability 0.3
 *     - parallel: [{to: search}, {to: ads, p: 0.5}]  # fan-out: waits for all
 *
 * A plan is a list of steps made in order after the node's own work; a
 * step is one edge or a parallel group, and ends when the replies of the
 * calls it made are in.  The engine runs plans (sim_calls_start, sim.h);
 * this module checks and holds them, for any kind that calls.
 *
 * An edge may carry a policy (edge_policy): a `timeout` for the whole
 * call and a `per_try_timeout` for each attempt, after which the caller
 * stops waiting, and `retry`, in the style of Envoy, gRPC or a custom
 * one (retry_cfg below).  The engine runs them (call.c).
 */
#ifndef SIM_CALLPLAN_H
#define SIM_CALLPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "sim/ytree.h"

#define CALLPLAN_MAX_STEPS 1024
#define CALLPLAN_MAX_PARALLEL 1024

/* What a call edge does when a call is slow or fails: the `timeout`,
 * `per_try_timeout` and `retry` keys of the edge.  A retry policy has a
 * style, each production system's own semantics under its own names and
 * defaults (callplan.c's tables say them for the reference):
 *
 *   envoy   Envoy's route retry_policy and the cluster's retry limits:
 *           num_retries, retry_on conditions, a fully jittered backoff
 *           of base_interval doubling up to max_interval, at most
 *           max_retries retries open at once (or a retry_budget, a share
 *           of the requests out);
 *   grpc    gRPC's retryPolicy (A6): max_attempts, retryable status codes,
 *           a wait uniform below initial_backoff x multiplier^(n-1) up to
 *           max_backoff, and the channel's retry_throttling tokens;
 *   custom  the AWS Architecture Blog's backoffs and jitters, and
 *           Finagle's retry budget (a share of the requests over a ttl on
 *           top of a rate). */
enum { RETRY_ENVOY, RETRY_GRPC, RETRY_CUSTOM };
enum { BACKOFF_FIXED, BACKOFF_EXPONENTIAL };
enum { JITTER_NONE, JITTER_FULL, JITTER_EQUAL, JITTER_DECORRELATED };

/* The ways an attempt fails, as a policy's retry_on names them: its own
 * per-try timeout; an error answered by the callee (an `errors` fault, a
 * failed call of its own); a refusal by the callee (a full queue, a rate
 * limit, shedding); a reset (the callee's replica was down).  A refusal
 * by the caller's own limits (max_requests, its pool, its rate_limit) or
 * its breaker is none of these. */
enum { FAIL_TIMEOUT = 1, FAIL_ERROR = 2, FAIL_REJECTED = 4, FAIL_RESET = 8, FAIL_CONFLICT = 16 };

/* The parts of a retry policy written as mappings of their own. */
struct retry_back_off {
	int given;
	int64_t base_ns, max_ns;     /* max_ns < 0: 10 x base_ns */
};

struct retry_budget {
	int given;
	double percent;
	uint32_t min_concurrency;
};

struct retry_throttle {
	int given;
	double max_tokens, token_ratio;
};

struct rate_budget {
	int given;
	int64_t ttl_ns;
	double min_per_s, percent;
};

struct retry_cfg {
	int given;
	unsigned style;              /* RETRY_* */
	uint32_t max_attempts;       /* the first attempt included */
	uint32_t num_retries;        /* envoy: max_attempts - 1 */
	unsigned retry_on;           /* FAIL_* bits */
	/* the wait before retry n: custom, base and cap with a backoff and a
	 * jitter; envoy, base_interval and max_interval; grpc, the initial
	 * and the largest, and the multiplier */
	unsigned backoff, jitter;
	int64_t base_ns, cap_ns;
	struct retry_back_off back_off;      /* envoy: retry_back_off */
	double multiplier;
	/* what limits retries over the caller's requests (per scope) */
	uint32_t max_retries;                /* envoy: retries open at once */
	struct retry_budget budget;          /* envoy: retry_budget */
	struct retry_throttle throttle;      /* grpc: retry_throttling */
	struct rate_budget rate_budget;      /* custom: Finagle's retry_budget */
};

#define CALL_MAX_HEDGE 4

/* Hedging: archsim's own (`after`, `max`: the first reply wins) or
 * gRPC's hedgingPolicy (maxAttempts, hedgingDelay, nonFatalStatusCodes: a
 * reply with a non-fatal code lets the others go on and sends the next
 * copy at once; any other reply commits). */
enum { HEDGE_CUSTOM, HEDGE_GRPC };

struct hedge_cfg {
	int given;
	unsigned style;              /* HEDGE_* */
	int64_t after_ns;            /* a copy after this long without a reply */
	uint32_t max;                /* copies at most */
	uint32_t max_attempts;       /* grpc: copies + 1 */
	unsigned non_fatal;          /* grpc: FAIL_* bits */
};

/* A token-bucket rate limit (`rate_limit: {rate: 100/s, burst: 20}`) of
 * an edge or a service, checked by rate_limit_table; and the bucket's
 * state, full until first used. */
struct edge_rate {
	int given;
	double rate_per_s;
	uint32_t burst;
};

struct token_bucket {
	double tokens;
	int64_t at_ns;               /* when it was last filled up */
	int started;
};

extern const struct param_table rate_limit_table;

/* token_take fills b at rate up to burst since it was last filled, and
 * takes a token: 1, or 0 when there is none. */
static inline int token_take(struct token_bucket *b, const struct edge_rate *r, int64_t now)
{
	double t = b->started ? b->tokens + r->rate_per_s * (double)(now - b->at_ns) * 1e-9
			      : (double)r->burst;
	b->tokens = t < r->burst ? t : r->burst;
	b->at_ns = now;
	b->started = 1;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

/* Where an edge's limits, budget and breaker keep their state: one per
 * calling replica (its sidecar, its in-process library), or one shared by
 * the calling node's replicas (a shared proxy, a distributed limiter). */
enum { SCOPE_REPLICA, SCOPE_NODE };

struct edge_policy {
	int64_t timeout_ns;          /* the whole call, retries and backoffs
				      * included; 0: none */
	int64_t per_try_ns;          /* each attempt; 0: none */
	unsigned scope;              /* SCOPE_* */
	struct edge_rate rate;       /* a token bucket for attempts */
	struct hedge_cfg hedge;
	struct retry_cfg retry;
	int32_t breaker;             /* index in the scenario's breakers, or -1 */
	uint32_t max_requests;       /* attempts out at once; 0: no limit */
	uint32_t max_connections;    /* the caller's pool; 0: none */
	uint32_t max_pending;        /* waiting for a connection; UINT32_MAX:
				      * no limit */
	int cancel;                  /* tell the callee when giving up */
	int bare;                    /* timeouts alone (timeout, per_try_timeout):
				      * no retry, limit, pool, breaker, hedge
				      * or cancel, so the edge keeps no state
				      * but its timeouts (call.c's lean path) */
};

struct zone_size;

struct call_edge {
	uint32_t to;                 /* callee node */
	double p;                    /* probability the call is made */
	const struct edge_policy *policy;   /* NULL: wait for ever, no retry */
	uint32_t id;                 /* the scenario's edges with a policy are
				      * numbered 0 .. sc->npolicy_edges - 1 */
	struct zone_size *size;      /* its messages' sizes (zone.h), or NULL:
				      * the caller's request's */
};

struct call_step {
	struct call_edge *edges;     /* one, or a parallel group: a run of
				      * the plan's edges */
	uint32_t nedges;
	int has_policy;              /* one of its edges has one */
	int bare;                    /* none has a policy but a bare one */
};

struct call_plan {
	struct call_step *steps;
	uint32_t nsteps;
	int has_policy;              /* one of its edges has one: every step
				      * then keeps its attempts' records, so a
				      * late reply of one step is never taken
				      * for the next's */
	struct call_edge *edges;     /* every step's, in order */
	size_t nedges;
};

struct check_ctx;

/* callplan_check checks the list at n (`what` is its dotted path) into
 * plan, which the caller frees with callplan_free (also after a failure).
 * 0, or SIM_EINVAL / SIM_ENOMEM with a located message in ctx->err. */
int callplan_check(struct check_ctx *ctx, const struct yt_node *n,
		   const char *what, struct call_plan *plan);

/* callplan_check_edge checks the single call at n, a mapping such as
 * {to: NODE, timeout: 1s, retry: {...}}, into a plan of one step (a kind
 * whose one edge is written as a call: a cache's backend).  As
 * callplan_check otherwise. */
int callplan_check_edge(struct check_ctx *ctx, const struct yt_node *n, const char *what,
			struct call_plan *plan);

/* callplan_free frees what callplan_check made (the steps, the edges and
 * their policies) and empties plan; an empty plan is fine. */
void callplan_free(struct call_plan *plan);

/* The keys of a call edge, and the list of steps (`calls:`), for the
 * reference. */
extern const struct param_table callplan_edge_table;
extern const struct param_table callplan_table;

/* callplan_edge returns the probability of the i-th edge of the plan,
 * counting every step's edges in order, and sets *to; -1 past the last.
 * It is what model_ops.calls returns. */
double callplan_edge(const struct call_plan *plan, size_t i, uint32_t *to);

#endif
