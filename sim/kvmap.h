/*
 * kvmap.h - a map from 64-bit keys to 64-bit times.
 *
 * Open addressing with linear probing over keys_hash, grown by doubling to
 * keep the load under one half; no deletion.  It holds the few keys a
 * cache has seen written, the times its entries' values stand as of, and
 * the write log a database keeps for the caches in front of it
 * (sim_watch_writes): maps that grow with the keys written, not with the
 * requests.
 */
#ifndef SIM_KVMAP_H
#define SIM_KVMAP_H

#include <stddef.h>
#include <stdint.h>

struct kvmap {
	uint64_t *key;
	int64_t *val;
	uint8_t *used;
	size_t cap, n;                 /* cap: a power of two, or 0 */
};

/* kvmap_get sets *v to key's value in m: 1, or 0 when it has none (m may
 * be empty: all zero). */
int kvmap_get(const struct kvmap *m, uint64_t key, int64_t *v);

/* kvmap_put sets key's value in m: 0, or -1 out of memory (m unchanged). */
int kvmap_put(struct kvmap *m, uint64_t key, int64_t v);

/* kvmap_free frees m's memory and leaves it empty. */
void kvmap_free(struct kvmap *m);

#endif
