/*
 * cache.h - the cache kind: a key-value cache in front of a backend.
 *
 * A request reaching a cache is a read or a write (sim.h: request.write)
 * of its key.  The cache node it goes to holds entries (sim/cstore.h)
 * with LRU, LFU, FIFO or random eviction and optional expiry; with
 * `nodes` > 1 the keys are spread over the nodes by a consistent-hash
 * ring of `virtual_nodes` points per node.  Lookups take `hit` or `miss`
 * time (a delay: a cache is never the queue), then:
 *
 *   cache_aside     read: a hit returns; a miss reads the backend, then
 *                   the caller sets the entry (one more `hit` time: the
 *                   set is a round trip of its own) and returns.  write:
 *                   to the backend, then the caller deletes the entry
 *                   (one more `hit` time).
 *   read_through    read: a hit returns; on a miss the cache reads the
 *                   backend itself and fills as the reply passes: no set
 *                   round trip, so a miss costs one `hit` time less than
 *                   cache-aside, and the entry is there one `hit` time
 *                   sooner.  write: to the backend, and the cache drops
 *                   the entry as the reply passes.
 *   write_through   reads as read_through; a write goes to the backend,
 *                   then updates the entry (`hit` time) before it
 *                   returns.
 *   write_behind    reads as read_through; a write updates the entry and
 *                   returns after `hit` time.  The backend gets the
 *                   writes later: every `flush_interval`, up to
 *                   `flush_batch` of the queued writes are sent, each as
 *                   a write request of the cache's own.  Writes still
 *                   queued when the node crashes or is removed are lost
 *                   (lost_writes).
 *
 * `hit_ratio: p` replaces the entries by a fixed chance of a hit (a
 * request's own draw), for what-if models whose hit ratio is known.
 *
 * `coalesce: true` makes concurrent misses on one key wait for the first
 * one's backend fetch (request coalescing, "single flight"), where
 * otherwise each goes to the backend: the cure for a stampede on a hot
 * key that has just expired.
 *
 * Faults: `crash` of a node (`cache[1]`) sends its keys to the backend
 * (counted as unreachable misses) until it recovers, empty; `flush`
 * empties a node or all; `scale` to N nodes adds or removes nodes on the
 * ring, and keys_moved_share says what share of the key space changed
 * node (a removed node's entries are gone, and one added starts empty).
 */
#ifndef MODELS_CACHE_H
#define MODELS_CACHE_H

#include "sim/sim.h"

extern const struct model_ops cache_ops;

#endif
