/*
 * shards.h - the shards kind: keys partitioned over databases.
 *
 * Each request goes to one shard by its key, and each shard is a database
 * (models/database.h) configured by `shard:`.  Strategies:
 *
 *   hash    hash(key) mod shards: even, but a change of count moves about
 *           n/(n+1) of the keys;
 *   ring    a consistent-hash ring, `virtual_nodes` points per shard:
 *           adding one shard moves about 1/(n+1) of the keys;
 *   jump    Jump hash (Lamping and Veach 2014) of hash(key): even, moves
 *           exactly the 1/(n+1) share in expectation, no table;
 *   range   `ranges` lists each shard's first key, from 0 up: shard i
 *           holds places from ranges[i] to ranges[i+1] - 1, a key's
 *           place being its place in a fixed shuffle of [0, key_space)
 *           (or the key itself with key_order: ordered, where under
 *           ranked popularity, Zipf, the first shard runs hot).  With
 *           `split`, a range under load splits as CockroachDB splits
 *           it (models/rsplit.h) and its upper half may move to the
 *           least loaded shard: the ranges outnumber the shards, each
 *           held by one.
 *
 * Rows: one per shard (users_db[3]) with its load, share and latency,
 * and the node's row with load_cv (sd / mean of the requests each shard
 * in use received), which shows a hot shard, and keys_moved_share.
 * `reshard` (or `scale`) to N shards from a time on changes the count for
 * every later request; keys_moved_share says what share of the key space
 * changed shard.  With `migrate: {keys: N, rate: R}`, each of the keys 0
 * .. N-1 whose shard changed is copied, a read at the shard it leaves and
 * then a write at its new one, R keys a second, competing with the users'
 * requests (migrated_keys counts them); the users' requests for a moved
 * key reach its new shard at once.
 */
#ifndef MODELS_SHARDS_H
#define MODELS_SHARDS_H

#include "sim/sim.h"

extern const struct model_ops shards_ops;

#endif
