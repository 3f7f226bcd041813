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
 * The edge is a first-class object so that the policies of the resilience
 * issue (timeouts, retries, breakers) can be attached to it later.
 */
#ifndef SIM_CALLPLAN_H
#define SIM_CALLPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "sim/ytree.h"

#define CALLPLAN_MAX_STEPS 1024
#define CALLPLAN_MAX_PARALLEL 1024

struct call_edge {
	uint32_t to;                 /* callee node */
	double p;                    /* probability the call is made */
	const void *policy;          /* reserved for timeouts, retries */
};

struct call_step {
	struct call_edge *edges;     /* one, or a parallel group: a run of
				      * the plan's edges */
	uint32_t nedges;
};

struct call_plan {
	struct call_step *steps;
	uint32_t nsteps;
	struct call_edge *edges;     /* every step's, in order */
	size_t nedges;
};

struct sc_ctx;

/* callplan_check checks the list at n (`what` is its dotted path) into
 * plan, which the caller frees with callplan_free (also after a failure).
 * 0, or SIM_EINVAL / SIM_ENOMEM with a located message in ctx->err. */
int callplan_check(struct sc_ctx *ctx, const struct yt_node *n,
		   const char *what, struct call_plan *plan);

void callplan_free(struct call_plan *plan);

/* callplan_edge returns the probability of the i-th edge of the plan,
 * counting every step's edges in order, and sets *to; -1 past the last.
 * It is what model_ops.calls returns. */
double callplan_edge(const struct call_plan *plan, size_t i, uint32_t *to);

#endif
