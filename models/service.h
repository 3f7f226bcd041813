/*
 * service.h - the service kind: replicas x workers behind queues.
 *
 * A service has `replicas` identical instances, each with `workers`
 * servers and its own queue of `queue` waiting places (unbounded when
 * omitted), served first come first served or in a `discipline`'s order
 * (last come first, adaptive LIFO, CoDel, priority classes with or
 * without preemption, deadlines, or processor sharing, where nothing
 * waits and all present share the workers).  A request that finds every worker of its replica busy and the
 * queue full is rejected and finishes at once with REQ_REJECTED.  Service
 * time is drawn from the `service` distribution and divided by `speed`
 * (vertical scaling).  After service the request moves on by `next`:
 * to node `to` with probability `p`, and finishes with the remaining
 * probability, which makes open and closed Jackson networks.
 *
 * Without a balancer in front, arrivals are spread over replicas in round
 * robin; a balancer picks the replica itself through request->replica.
 *
 * `pauses` stop a replica now and then (garbage collection): the work in
 * service stalls until the pause ends.
 *
 * Statistics (nodes.csv): arrivals, completed, rejected; utilization (busy
 * workers over all workers, time-averaged); queue_len_mean (waiting
 * requests, time-averaged, all replicas together); wait_mean_s (queueing
 * time of requests that started service); latency_mean_s (time from
 * arrival to the end of service).
 */
#ifndef MODELS_SERVICE_H
#define MODELS_SERVICE_H

#include "sim/sim.h"

extern const struct model_ops service_ops;

/* service_plain says whether node k of sc is a service that runs the
 * plain path: first come first served, no rate limit, max_queue_wait,
 * contention or pauses, no calls, no autoscaler, no zones or discovery,
 * and no timeline entry on it (so no fault, crash, scale or rollout ever
 * reaches it).  Its arrivals and ends then skip the tests for those; what
 * it measures is the same to the bit. */
int service_plain(const struct scenario *sc, uint32_t k);

#endif
