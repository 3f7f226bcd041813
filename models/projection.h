/*
 * projection.h - the projection kind: a read model built from an event
 * store's events (CQRS), and the reads it serves.
 *
 *   orders_view:
 *     type: projection
 *     source: orders_store
 *     apply: {dist: exponential, mean: 1ms}
 *     appliers: 1
 *     read: 1ms
 *
 * The store hands the projection every event it commits, in commit
 * order.  The projection's `appliers` apply them, `apply` time each: one
 * applier in commit order, or N, each event on the applier of its
 * aggregate (a hash of its key, modulo N), so that one aggregate's
 * events stay in order, as a projection partitioned by stream does.
 * Each applier is a FIFO queue; an event's lag runs from its commit to
 * the end of its apply.
 *
 * A request reaching a projection is a read of its key, answered after
 * `read` time (a delay: the read side is not the queue here).  It is
 * stale when an event of its aggregate has been committed and not yet
 * applied as the read starts, as a database's replica read is.
 *
 * Timeline `rebuild` (a schema change): the projection starts again from
 * the first event the store keeps.  Its read model is empty: every read
 * of an aggregate is stale until the aggregate's latest event is applied
 * again.  The appliers replay the kept events (the ones each applier
 * owns: with N appliers, an even share each) and then the events
 * committed since, so the projection is caught up after E / (mu - lambda)
 * for E events kept, an apply rate mu and an event rate lambda.  The
 * catch-up time is measured from the rebuild to the first moment every
 * applier has applied everything committed.  Where the replay is while it
 * lasts is taken as even over the whole commit order, since the kept
 * events are each stream's last and reach back to the first (exact for
 * one applier and a store that keeps every event).  A crash fails the
 * reads being answered and stops the appliers until the recovery.
 *
 * Bookkeeping: per aggregate, the order of its latest event; per
 * applier, the events waiting (their order and commit time).  Memory
 * grows with the aggregates and the backlog, not with the events.
 */
#ifndef MODELS_PROJECTION_H
#define MODELS_PROJECTION_H

#include "sim/sim.h"

extern const struct model_ops projection_ops;

/* proj_source_of: the node whose events n consumes, when n is a
 * projection; SIM_ANY otherwise. */
uint32_t proj_source_of(const struct sim_node *n);

/* proj_deliver hands projection n the event committed now to aggregate
 * `key`, the seq-th the store committed (from 1); `stored` is the number
 * of events the store keeps with it. */
void proj_deliver(struct sim *s, struct sim_node *n, uint64_t key, uint64_t seq,
		  uint64_t stored);

#endif
