/*
 * topo.c - checks on the topology as a whole; see topo.h.
 */
#include "sim/topo.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/model.h"

int topo_edges_build(const struct scenario *sc, int calls, int reverse,
		       struct topo_edges *g)
{
	size_t n = sc->ncomponents;
	g->first = calloc(n + 2, sizeof *g->first);
	g->adj = NULL;
	if (!g->first)
		return SIM_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		size_t *fill = pass ? calloc(n + 1, sizeof *fill) : NULL;
		if (pass && !fill)
			return SIM_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const struct sc_node *nd = &sc->nodes[i];
			for (int k = 0; k < 1 + calls; k++) {
				double (*edge)(const void *, size_t, uint32_t *) =
					k ? nd->ops->calls : nd->ops->route;
				double p;
				uint32_t to;
				for (size_t e = 0; edge && (p = edge(nd->cfg, e, &to)) >= 0; e++) {
					if (p <= 0)
						continue;
					size_t row = reverse ? to : i;
					uint32_t other = reverse ? (uint32_t)i : to;
					if (pass == 0)
						g->first[row + 1]++;
					else
						g->adj[g->first[row] + fill[row]++] = other;
				}
			}
		}
		if (pass == 0) {
			for (size_t j = 0; j < n; j++)
				g->first[j + 1] += g->first[j];
			if (!(g->adj = malloc((g->first[n] + 1) * sizeof *g->adj)))
				return SIM_ENOMEM;
		}
		free(fill);
	}
	return 0;
}

void topo_edges_free(struct topo_edges *g)
{
	free(g->first);
	free(g->adj);
}

/* check_exits finds components from which a request can never finish:
 * every route out of them leads, with probability 1, back into a set of
 * nodes none of which lets a request finish.  A node can finish a request
 * if some probability is left after its routes, or if some route with
 * p > 0 leads to a node that can.  The nodes that can are found by a
 * search backwards from those with probability left, over the reversed
 * routes: linear in nodes and routes. */
int topo_check_exits(struct check_ctx *c, struct scenario *sc)
{
	size_t n = sc->ncomponents;
	struct topo_edges g;
	char *ok = calloc(n ? n : 1, 1);
	uint32_t *stack = malloc((n ? n : 1) * sizeof *stack);
	size_t top = 0;
	int rc = topo_edges_build(sc, 0, 1, &g);
	if (rc || !ok || !stack) {
		rc = sim_errf(c->err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		double sum = 0, p;
		uint32_t to;
		for (size_t e = 0; nd->ops->route && (p = nd->ops->route(nd->cfg, e, &to)) >= 0; e++)
			sum += p;
		if (!nd->ops->route || sum < 1 - 1e-9) {
			ok[i] = 1;
			stack[top++] = (uint32_t)i;
		}
	}
	while (top) {
		uint32_t j = stack[--top];
		for (size_t e = g.first[j]; e < g.first[j + 1]; e++) {
			uint32_t i = g.adj[e];
			if (!ok[i]) {
				ok[i] = 1;
				stack[top++] = i;
			}
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (ok[i])
			continue;
		const struct yt_node *nx = yt_get(sc->nodes[i].src, "next");
		char what[128];
		snprintf(what, sizeof what, "nodes.%s.next", sc->nodes[i].name);
		rc = check_fail(c, nx ? nx : sc->nodes[i].src, what,
			     "requests that reach '%s' can never finish: its routes lead only into a loop with no exit (somewhere on the loop the p values must add up to less than 1)",
			     sc->nodes[i].name);
	}
done:
	topo_edges_free(&g);
	free(ok);
	free(stack);
	return rc;
}

/* check_call_cycles refuses a call that can lead back to its caller: a
 * worker waiting on a call whose request (or its forwards and calls)
 * needs a worker of the same node can deadlock a finite pool.  The
 * strongly connected components of the graph of routes and calls are
 * found with Tarjan's algorithm, iteratively; a call edge inside one is a
 * cycle through a call. */
int topo_check_call_cycles(struct check_ctx *c, struct scenario *sc)
{
	size_t n = sc->ncomponents;
	struct topo_edges g;
	uint32_t *index = malloc((n ? n : 1) * sizeof *index);
	uint32_t *low = malloc((n ? n : 1) * sizeof *low);
	uint32_t *comp = malloc((n ? n : 1) * sizeof *comp);
	uint32_t *stack = malloc((n ? n : 1) * sizeof *stack);
	uint32_t *call = malloc((n ? n : 1) * sizeof *call);   /* DFS path */
	size_t *edge = malloc((n ? n : 1) * sizeof *edge);
	char *on = calloc(n ? n : 1, 1);
	int rc = topo_edges_build(sc, 1, 0, &g);
	if (rc || !index || !low || !comp || !stack || !call || !edge || !on) {
		rc = sim_errf(c->err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	const uint32_t none = UINT32_MAX;
	for (size_t i = 0; i < n; i++)
		index[i] = none;
	uint32_t next = 0, sp = 0, ncomp = 0;
	for (size_t root = 0; root < n; root++) {
		if (index[root] != none)
			continue;
		size_t depth = 0;
		call[depth] = (uint32_t)root;
		edge[depth] = g.first[root];
		index[root] = low[root] = next++;
		stack[sp++] = (uint32_t)root;
		on[root] = 1;
		while (1) {
			uint32_t v = call[depth];
			if (edge[depth] < g.first[v + 1]) {
				uint32_t w = g.adj[edge[depth]++];
				if (index[w] == none) {
					depth++;
					call[depth] = w;
					edge[depth] = g.first[w];
					index[w] = low[w] = next++;
					stack[sp++] = w;
					on[w] = 1;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = stack[--sp];
					on[w] = 0;
					comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			if (depth == 0)
				break;
			depth--;
			uint32_t u = call[depth];
			if (low[v] < low[u])
				low[u] = low[v];
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		double p;
		uint32_t to;
		for (size_t e = 0; nd->ops->calls && rc == 0 &&
		     (p = nd->ops->calls(nd->cfg, e, &to)) >= 0; e++) {
			if (p <= 0 || comp[to] != comp[i])
				continue;
			const struct yt_node *cl = yt_get(nd->src, "calls");
			char what[128];
			snprintf(what, sizeof what, "nodes.%s.calls", nd->name);
			rc = check_fail(c, cl ? cl : nd->src, what,
				     "the call to '%s' can lead back to '%s': a cycle of synchronous calls can deadlock a finite pool of workers (forward with `next:` instead)",
				     sc->nodes[to].name, nd->name);
		}
	}
done:
	topo_edges_free(&g);
	free(index);
	free(low);
	free(comp);
	free(stack);
	free(call);
	free(edge);
	free(on);
	return rc;
}

