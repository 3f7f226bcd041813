/*
 * hashring.h - consistent hashing: a ring of virtual nodes, and Jump hash.
 *
 * A ring (libketama's scheme) gives each member `points` points at hashes
 * derived from the member's own hash; a key goes to the member of the
 * first point at or after the key's hash, wrapping past the last.  When a
 * member leaves, only the keys that pointed at its points move, about
 * 1/n of them; a plain `hash mod n` moves about n/(n+1) on every change.
 * Balancers (ring_hash), distributed caches and shards use it.
 *
 * Jump hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014) maps a key to one of n buckets with no table at all,
 * moving 1/(n+1) of the keys when n grows by one; buckets can only be
 * added or removed at the end.
 *
 * Points are sorted by (hash, member), so equal hashes, however unlikely,
 * still give one order and a run stays a pure function of its input.
 */
#ifndef SIM_HASHRING_H
#define SIM_HASHRING_H

#include <stddef.h>
#include <stdint.h>

struct hring_pt {
	uint64_t h;
	uint32_t b;              /* member */
};

/* hring_build lays out, in *out (malloc'd, *n points), points[b] points
 * for each of the nb members, member b's v-th point at rng_key(hash[b], v),
 * sorted.  0, or -1 when memory ran out (nothing allocated). */
int hring_build(struct hring_pt **out, size_t *n, const uint64_t *hash,
		const uint64_t *points, uint32_t nb);

/* hring_build_named lays out the ring of members 0 .. m-1 of a place
 * called name (a cache's nodes, a shards node's shards), `points` points
 * each, member u hashed as rng_key(rng_hash64(name, 0), u).  0 or -1. */
int hring_build_named(struct hring_pt **out, size_t *n, const char *name,
		      uint32_t m, uint64_t points);

/* hring_lookup returns the member of the first point at or after h (the
 * first point when h is past the last).  n >= 1. */
static inline uint32_t hring_lookup(const struct hring_pt *pt, size_t n,
				    uint64_t h)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pt[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return pt[lo == n ? 0 : lo].b;
}

/* hring_filter copies into dst the points of src whose member is not
 * marked in off[], in order, and returns how many it copied. */
size_t hring_filter(struct hring_pt *dst, const struct hring_pt *src,
		    size_t n, const uint8_t *off);

/* hring_jump returns key's bucket among n >= 1 by Jump hash, exactly as
 * the paper's reference code. */
uint32_t hring_jump(uint64_t key, uint32_t n);

/* HRING_PROBES probe hashes (hring_probe(0 .. HRING_PROBES - 1)) stand
 * for the key space when measuring the share of keys a change moves. */
#define HRING_PROBES 16384
uint64_t hring_probe(uint32_t k);

/* What a change moves: before it, hring_snapshot records where place
 * sends each probe (malloc'd, NULL out of memory); after it,
 * hring_moved returns the share of probes whose place changed. */
typedef uint32_t (*hring_place_fn)(const void *ctx, uint64_t h);
uint32_t *hring_snapshot(hring_place_fn place, const void *ctx);
double hring_moved(const uint32_t *before, hring_place_fn place, const void *ctx);

#endif
