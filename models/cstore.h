/*
 * cstore.h - the entries of one cache node: a key -> entry map with LRU,
 * LFU, FIFO or random eviction and per-entry expiry.
 *
 * Hand-written because it is the hot path of every cached request and no
 * library gives all four policies at O(1) per operation in compact memory:
 *
 *   - entries live densely in one array (key, expiry, two list links,
 *     for LFU the frequency node, and the entry's place in the table: 32
 *     bytes); removing one moves the last into its hole, so random
 *     eviction is one draw and the array never has gaps, and neither
 *     needs a search of the table;
 *   - the map is open addressing with linear probing, each slot an entry
 *     index and 32 bits of the key's hash: a probe compares hashes and
 *     touches an entry only on a match; deletion is by backward shift (no
 *     tombstones), which tells each entry it moves its new place.  The table has
 *     capacity / 0.7 slots, any number (a slot's home is the hash scaled
 *     to the size, not masked), so it costs 11.5 bytes per entry: 43.5
 *     in all for LRU, FIFO and random;
 *   - LRU and FIFO keep one list (head: the next to evict); a hit moves
 *     the entry to the tail under LRU and leaves it under FIFO;
 *   - LFU is the O(1) scheme of Shah, Mitra and Matani ("An O(1)
 *     algorithm for implementing the LFU cache eviction scheme", 2010):
 *     a list of frequency nodes in increasing order, each holding its
 *     entries oldest first; a hit moves the entry to the next node,
 *     created when missing, and eviction takes the oldest entry of the
 *     lowest frequency.  Frequencies count the uses since the entry was
 *     filled (in-cache LFU: history is forgotten on eviction), up to
 *     2^32 - 1, where they stay.  A node is 20 bytes, and there are never
 *     more nodes than entries + 1: 63.5 bytes per entry in all.
 *
 * Expiry is lazy: an expired entry is found by the lookup that would have
 * hit it (an expiration and a miss), or evicted like any other.  The
 * arrays grow by doubling up to the capacity, so a large cache that
 * never fills costs what it holds.
 */
#ifndef MODELS_CSTORE_H
#define MODELS_CSTORE_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#define CSTORE_MAX_CAPACITY 200000000u

enum cstore_policy { CSTORE_LRU, CSTORE_LFU, CSTORE_FIFO, CSTORE_RANDOM };

struct cstore_ent {
	uint64_t key;
	int64_t expire_ns;           /* INT64_MAX: never */
	uint32_t prev, next;         /* list links (LRU, FIFO, LFU's node) */
	uint32_t fn;                 /* LFU: its frequency node */
	uint32_t slot;               /* its place in the table */
};

struct cstore_fnode {
	uint32_t freq;               /* saturates at UINT32_MAX */
	uint32_t head, tail;         /* entries, oldest first */
	uint32_t prev, next;         /* nodes, lowest frequency first */
};

struct cstore_slot {
	uint32_t e;                  /* entry index, or UINT32_MAX: empty */
	uint32_t h;                  /* the key's hash, 32 bits */
};

struct cstore {
	enum cstore_policy policy;
	uint32_t capacity;
	uint32_t count, cap_now;     /* entries held; allotted */
	struct cstore_ent *ent;      /* [cap_now] */
	struct cstore_slot *tab;     /* [size] */
	uint64_t size;
	uint32_t head, tail;         /* LRU/FIFO list */
	struct cstore_fnode *fn;     /* LFU: [cap_now + 1] nodes */
	uint32_t fhead, ffree;       /* lowest node; free nodes */
	uint64_t evictions, expirations;
};

/* cstore_init prepares an empty store of `capacity` >= 1 entries
 * (at most CSTORE_MAX_CAPACITY): 0, or -1 out of memory. */
int cstore_init(struct cstore *c, uint32_t capacity, enum cstore_policy p);
void cstore_fini(struct cstore *c);

/* cstore_get looks key up at time now.  A live entry is a hit (1): LRU
 * moves it to the tail, LFU counts it, and refresh_ns > 0 restarts its
 * expiry at now + refresh_ns.  An expired one is removed and counted
 * (expirations); that and no entry are a miss (0). */
int cstore_get(struct cstore *c, uint64_t key, int64_t now, int64_t refresh_ns);

/* cstore_has says whether key has an entry that is live at now, touching
 * nothing. */
int cstore_has(const struct cstore *c, uint64_t key, int64_t now);

/* cstore_expiry returns when key's entry expires (INT64_MAX: never), or
 * -1 when it has none; it touches nothing. */
int64_t cstore_expiry(const struct cstore *c, uint64_t key);

/* cstore_put fills or updates key, expiring at expire_ns (INT64_MAX:
 * never).  A new entry in a full store evicts one first (counted), by the
 * policy; r draws random eviction's victim.  An update counts as a use
 * (LRU moves it, LFU counts it).  0, or -1 out of memory (nothing
 * changed). */
int cstore_put(struct cstore *c, uint64_t key, int64_t expire_ns, gsl_rng *r);

/* cstore_del removes key's entry; returns whether there was one. */
int cstore_del(struct cstore *c, uint64_t key);

/* cstore_clear drops every entry (a flush or a crash); the allotment is
 * kept. */
void cstore_clear(struct cstore *c);

#endif
