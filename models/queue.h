/*
 * queue.h - the queue kind: a message broker with partitions and consumer
 * groups (asynchronous messaging).
 *
 *   orders:
 *     type: queue
 *     partitions: 4
 *     capacity: 100000
 *     delivery: at_least_once
 *     consumers:
 *       - {group: billing, count: 4, service: {dist: exponential, mean: 20ms}, calls: [{to: db}]}
 *       - {group: email, count: 1, service: {dist: exponential, mean: 5ms}}
 *
 * A request that reaches the queue publishes a message and completes at
 * once: the producer never waits for consumers.  Every group receives
 * every message (publish-subscribe); within a group the message goes to
 * the partition of its key (hash modulo partitions), and partition p is
 * consumed by the group's consumer p mod count, one message at a time, in
 * order, as Kafka's consumers in a group share partitions.  A consumer
 * serves a message (its service time) and then makes its calls, holding
 * the message until the calls are in; then the message is consumed.
 *
 * A publish that finds a group's backlog at `capacity` is refused
 * (rejected) and counted as dropped for every group.  When a consumer
 * crashes (`crash` of queue[u], consumers numbered across the groups in
 * order), its message in progress is redelivered, at the head of its
 * partition, under at_least_once (a possible duplicate: its service had
 * started), or lost under at_most_once.  A failed call fails the message
 * the same way.
 *
 * Rows: the queue, then one per group (queue[g]) with messages
 * published, consumed, dropped, redelivered, the backlog (time-averaged)
 * and the publish-to-consumed delay (mean, p50, p99; per replication,
 * averaged).  The time series has each group's backlog, summed on the
 * node's row.
 */
#ifndef MODELS_QUEUE_H
#define MODELS_QUEUE_H

#include "sim/sim.h"

extern const struct model_ops queue_ops;

#endif
