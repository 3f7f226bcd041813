/*
 * strmap.h - a small map from strings to indices.
 *
 * Open addressing with linear probing over rng_hash64 (FNV-1a with a
 * SplitMix64 finish), grown to keep the
 * load under one half.  The map stores pointers to strings it does not own
 * (they must outlive it) and a uint32_t value per key.  It exists so that
 * name look-ups stay O(1) in scenarios of tens of thousands of nodes: a
 * scan per look-up made loading such a file quadratic.
 */
#ifndef SIM_STRMAP_H
#define SIM_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char *key;     /* NULL: empty */
	uint32_t value;
};

struct strmap {
	struct strmap_slot *slot;
	size_t cap;          /* a power of two, or 0 */
	size_t n;
};

/* strmap_init makes an empty map (allocates nothing); strmap_fini frees
 * it (not the keys). */
void strmap_init(struct strmap *m);
void strmap_fini(struct strmap *m);

/* strmap_put adds key -> value unless key is there already.  Returns 1 if
 * added, 0 if the key was present (then *old, if not NULL, is its value and
 * nothing changes), or -1 on ENOMEM. */
int strmap_put(struct strmap *m, const char *key, uint32_t value, uint32_t *old);

/* strmap_get sets *value and returns 1 if key is present, else 0. */
int strmap_get(const struct strmap *m, const char *key, uint32_t *value);

#endif
