/*
 * topo.h - checks on the topology as a whole, once every node is
 * configured: that every request can finish, and that no synchronous
 * call can lead back to its caller.
 *
 * The graph is read from the kinds' route and calls callbacks
 * (model.h): `next:` routes, and call edges, each with the probability
 * that a request takes it.  Both checks are linear in nodes and edges.
 */
#ifndef SIM_TOPO_H
#define SIM_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/check.h"
#include "sim/scenario.h"

/* The edges with p > 0 of each component j, by `next:` routes (and by
 * calls when built with calls), in compressed rows adj[first[j] ..
 * first[j + 1]): those j leads to, or with reverse those leading to j. */
struct topo_edges {
	size_t *first;
	uint32_t *adj;
};

/* topo_edges_build fills g (freed by topo_edges_free, also after a
 * failure): 0 or SIM_ENOMEM. */
int topo_edges_build(const struct scenario *sc, int calls, int reverse,
		     struct topo_edges *g);
void topo_edges_free(struct topo_edges *g);

/* topo_check_exits finds components from which a request can never
 * finish: every route out of them leads, with probability 1, back into a
 * set of nodes none of which lets a request finish.  0, or SIM_EINVAL
 * located at the first such node's `next:`. */
int topo_check_exits(struct check_ctx *c, struct scenario *sc);

/* topo_check_call_cycles refuses a call that can lead back to its
 * caller: a worker waiting on a call whose request (or its forwards and
 * calls) needs a worker of the same node can deadlock a finite pool.
 * 0, or SIM_EINVAL located at the caller's `calls:`. */
int topo_check_call_cycles(struct check_ctx *c, struct scenario *sc);

#endif
