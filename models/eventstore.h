/*
 * eventstore.h - the event store kind: aggregates loaded by replaying
 * their events from the last snapshot, commands appended with an
 * expected version, appends flushed in group commits.
 *
 *   orders_store:
 *     type: eventstore
 *     workers: 8
 *     read_snapshot: 1ms
 *     replay_per_event: 20us
 *     append: {dist: lognormal, mean: 2ms, cv: 0.5}
 *     commit_interval: 1ms
 *     snapshot_every: 100
 *     snapshot_write: 3ms
 *
 * A request's key is its aggregate (the stream id).  Every request
 * loads the aggregate first, holding one of `workers`: `read_snapshot`
 * (when snapshots are on) plus `replay_per_event` for each event
 * appended since the aggregate's latest snapshot.  A read is then done.
 * A write is a command: after the load (and `decide`, the handler's own
 * time) it appends one event, expecting the version it loaded, as
 * EventStoreDB's and Axon's appends do.
 *
 * Appends go to one log writer in batches, as a group commit does: the
 * first append to find no batch open opens one, which closes
 * `commit_interval` later (at once with 0) or, if the writer is still
 * flushing the batch before, when it is free.  When a batch closes its
 * appends are checked in arrival order against their aggregates' versions
 * (the events already accepted): one whose aggregate has moved on since
 * its load fails at once as `conflict` (a 409 to Envoy's
 * retriable-4xx, gRPC's ABORTED), the others take the next versions.
 * The batch is then written in one durable write (`append`, one draw per
 * batch); when it ends, its events are committed: loads see them, and
 * its commands are done.
 *
 * So a command conflicts when another command's append to its aggregate
 * was accepted after its load began and not yet durable then, or
 * accepted since.  With Poisson commands at rate r on one aggregate and a
 * constant time D from load to check (nothing durable in flight), that is
 * a dead time after each accepted append: a share rD / (1 + rD) of the
 * commands conflict (not 1 - exp(-rD), which would count the conflicting
 * appends too, though they change nothing).
 *
 * Snapshots follow Axon's EventCountSnapshotTriggerDefinition: once
 * `snapshot_every` events have been committed to an aggregate since its
 * last snapshot was asked for, a snapshot is queued for the store's
 * workers, as Axon's AggregateSnapshotter does on its executor.  When a
 * worker takes it, it loads the aggregate as it stands (the same load
 * cost) and writes the snapshot (`snapshot_write`); loads replay from it
 * once it is written.  With sequential commands, a command finds k
 * events since the snapshot for k = 0 ... snapshot_every - 1 in turn.
 *
 * Retention: `max_count` keeps each stream's last events (EventStoreDB's
 * $maxCount); events_stored counts the events kept.  Bookkeeping is one
 * record per aggregate (its versions), never a list of events: memory
 * grows with the aggregates touched, not with the events appended.
 *
 * Projections (models/projection.h) that name the store as their
 * `source` receive every committed event, in commit order.
 *
 * Faults: `crash` fails the loads held and queued, the open batch and
 * the batch being flushed (its events are lost: never committed);
 * `slow` stretches loads, snapshots and flushes; `errors` fails a
 * request after its load.
 */
#ifndef MODELS_EVENTSTORE_H
#define MODELS_EVENTSTORE_H

#include "sim/sim.h"

extern const struct model_ops eventstore_ops;

#endif
