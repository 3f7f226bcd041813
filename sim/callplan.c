/*
 * callplan.c - checking call lists; see callplan.h.
 */
#include "sim/callplan.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/scenario.h"

static const char *const edge_keys[] = { "to", "p", NULL };
static const char *const edge_required[] = { "to", NULL };
static const char *const group_keys[] = { "parallel", NULL };

static int check_edge(struct sc_ctx *ctx, const struct yt_node *e,
		      const char *what, struct call_edge *edge)
{
	char w[300];
	int rc;
	if ((rc = sc_keys(ctx, e, what, edge_keys, edge_required)))
		return rc;
	snprintf(w, sizeof w, "%s.to", what);
	if ((rc = sc_node_ref(ctx, yt_get(e, "to"), w, &edge->to)))
		return rc;
	edge->p = 1;
	const struct yt_node *p = yt_get(e, "p");
	if (p) {
		snprintf(w, sizeof w, "%s.p", what);
		if ((rc = sc_double(ctx, p, w, 0, 1, &edge->p)))
			return rc;
	}
	return 0;
}

int callplan_check(struct sc_ctx *ctx, const struct yt_node *n,
		   const char *what, struct call_plan *plan)
{
	char w[300];
	int rc;
	plan->steps = NULL;
	plan->nsteps = 0;
	plan->edges = NULL;
	plan->nedges = 0;
	if (n->type != YT_SEQ)
		return sc_fail(ctx, n, what,
			       "must be a list of calls such as {to: NODE, p: PROBABILITY} or {parallel: [...]}");
	if (n->n > CALLPLAN_MAX_STEPS)
		return sc_fail(ctx, n, what, "at most %d calls", CALLPLAN_MAX_STEPS);
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
			continue;
		}
		if ((rc = sc_keys(ctx, e, w, group_keys, group_keys)))
			return rc;
		snprintf(w, sizeof w, "%s[%zu].parallel", what, i);
		if (par->type != YT_SEQ || par->n == 0)
			return sc_fail(ctx, par, w,
				       "must be a non-empty list of calls such as {to: NODE, p: PROBABILITY}");
		if (par->n > CALLPLAN_MAX_PARALLEL)
			return sc_fail(ctx, par, w, "at most %d calls", CALLPLAN_MAX_PARALLEL);
		for (size_t j = 0; j < par->n; j++) {
			st->nedges = (uint32_t)j + 1;
			plan->nedges++;
			snprintf(w, sizeof w, "%s[%zu].parallel[%zu]", what, i, j);
			if ((rc = check_edge(ctx, par->items[j], w, &st->edges[j])))
				return rc;
		}
	}
	return 0;
}

void callplan_free(struct call_plan *plan)
{
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
