/*
 * balancer.h - the balancer kind: spreads requests over backends.
 *
 * A balancer relays each request to one backend and waits for its reply,
 * as a proxy does: the request keeps its identity (and so every draw of
 * its own), the balancer only sets which backend and which replica take
 * it.  Backends are the replicas of one service (`backends: web`) or a
 * list of nodes (`backends: [a, b, c]`), optionally weighted.
 *
 * Policies, each as the production system it is named after does it:
 *
 *   round_robin, random        the plain ones;
 *   weighted_round_robin       nginx's smooth weighted round robin: every
 *                              pick adds each backend's weight to its
 *                              current value, takes the largest (the
 *                              first listed on a tie) and takes the total
 *                              from it.  The sequence repeats after
 *                              sum(weights) picks and is precomputed, so a
 *                              pick is O(1);
 *   weighted_random            Walker's alias table (GSL), O(1);
 *   least_connections          fewest outstanding requests (layer 7) or
 *                              open connections (layer 4), divided by the
 *                              weight; ties go in weighted round-robin
 *                              order by a virtual time (stride
 *                              scheduling), never to the first backend; a
 *                              binary heap, O(log n);
 *   p2c                        the power of d choices (Mitzenmacher):
 *                              `choices` distinct backends at random, the
 *                              least loaded of them (load over weight),
 *                              ties at random;
 *   least_request              Envoy's: with equal weights, `choice_count`
 *                              backends drawn with replacement, the first
 *                              kept unless a later one has strictly fewer
 *                              active requests; with unequal weights,
 *                              Envoy's earliest-deadline-first schedule of
 *                              weight / (active + 1)^active_request_bias,
 *                              each weight worked out when its backend is
 *                              picked, started as if a random number of
 *                              picks had been made (createWithPicks);
 *   least_response_time,       Finagle's and Linkerd's cost, latency EWMA
 *   peak_ewma                  x (outstanding + 1), over `choices`
 *                              backends drawn as p2c does; the estimate
 *                              decays toward 0 with time constant `decay`
 *                              and, for peak_ewma, jumps to any latency
 *                              above it;
 *   ring_hash                  Envoy's ring hash on the request's key: a
 *                              ring of minimum_ring_size (1024) points or
 *                              more over the available backends, by their
 *                              normalized weights, rebuilt when they
 *                              change; hash_balance_factor bounds loads;
 *   ketama                     libketama's ring: `virtual_nodes` points
 *                              per backend (times its weight), fixed;
 *                              binary search, O(log n);
 *   maglev                     Maglev's lookup table of `table_size` (a
 *                              prime) entries, filled from the backends in
 *                              sorted name order, O(1);
 *   hash                       the key's hash modulo the backends.
 *
 * Layer 7 chooses per request.  Layer 4 chooses per connection: a request
 * rides its workload's connection (`connections:` on the workload, one per
 * closed-loop user), pinned to the backend chosen when the connection
 * opened and chosen again after `connection_lifetime`, or when that
 * backend is no longer available; hashing then sees the connection, not
 * the key.  Load at layer 4 is open connections.
 *
 * `instances` balancer instances each keep their own state (loads,
 * estimates, cursors, health) and see the share of traffic that a draw of
 * the request's own sends them.
 *
 * Health: active checks (`health_check`) probe every backend every
 * `interval`; a probe of a crashed backend fails after `timeout`;
 * `unhealthy_threshold` failures in a row take it out, `healthy_threshold`
 * passes bring it back.  Outlier detection (`outlier_detection`) ejects a
 * backend after `consecutive_5xx` failed replies in a row for
 * base_ejection_time x the times it was ejected, with at most
 * max_ejection_percent of the backends out at once (at least one).  A
 * backend that comes back (or is added by `scale`) ramps up over
 * `slow_start.window`: a pick that lands on it keeps it with probability
 * max(min_weight_percent / 100, (elapsed / window)^(1 / aggression)) and
 * otherwise picks again once, which scales its share like Envoy's weight.
 * A balancer with no available backend fails the request (`no_backend`).
 *
 * Zones (`zone_aware`, for round_robin, random and least_request, as
 * Envoy offers it): a balancer sits with its caller, in the request's
 * zone, and chooses a zone first, as Envoy's ZoneAwareLoadBalancerBase
 * does from the shares of healthy backends (upstream) and of the local
 * cluster's hosts per zone, then a backend in it by its policy (round
 * robin keeps its place per zone, as Envoy keeps a scheduler per zone).
 *
 * nodes.csv: a row for the balancer and one per backend (lb[0], lb[1], ...
 * in the order of `backends`): requests, share, failed replies, backend
 * latency, outstanding requests, ejections, health-check removals and the
 * time they took to notice a crash; on the balancer's row also the
 * coefficient of variation of the backends' request counts and, for hash
 * policies, the share of keys that moved when the backend set changed.
 */
#ifndef MODELS_BALANCER_H
#define MODELS_BALANCER_H

#include "sim/sim.h"

extern const struct model_ops balancer_ops;

#endif
