/*
 * graph.h - a scenario's topology as Graphviz DOT: `archsim graph FILE`.
 *
 * Workloads are ellipses labelled with their arrival process and rate;
 * nodes are boxes labelled with their kind and capacity (replicas x
 * workers, where the kind says); an edge is a route (`next:`, dashed) or a
 * call (solid), labelled with its probability when below 1 and with the
 * policies its entry in `calls:` carries (timeout, retries, hedging,
 * breaker, rate limit, connection pool, cancel).  Everything comes from
 * the kinds' own descriptions (model_ops.route, calls, capacity,
 * offered) and the scenario's tree, so a new kind appears without change
 * here.  `make plots` renders it with `dot` when Graphviz is installed.
 */
#ifndef APP_GRAPH_H
#define APP_GRAPH_H

#include <stdio.h>

#include "sim/scenario.h"

/* graph_dot writes sc's topology to f as a DOT digraph. */
void graph_dot(const struct scenario *sc, FILE *f);

#endif
