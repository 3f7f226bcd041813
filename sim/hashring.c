/*
 * hashring.c - consistent hashing; see hashring.h.
 */
#include "sim/hashring.h"

#include <stdlib.h>

#include "sim/rng.h"

static int cmp_pt(const void *a, const void *b)
{
	const struct hring_pt *x = a, *y = b;
	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return (x->b > y->b) - (x->b < y->b);
}

int hring_build(struct hring_pt **out, size_t *n, const uint64_t *hash,
		const uint64_t *points, uint32_t nb)
{
	size_t total = 0;
	for (uint32_t b = 0; b < nb; b++)
		total += points[b];
	struct hring_pt *pt = malloc((total ? total : 1) * sizeof *pt);
	if (!pt)
		return -1;
	size_t k = 0;
	for (uint32_t b = 0; b < nb; b++)
		for (uint64_t v = 0; v < points[b]; v++)
			pt[k++] = (struct hring_pt){ rng_key(hash[b], v), b };
	qsort(pt, total, sizeof *pt, cmp_pt);
	*out = pt;
	*n = total;
	return 0;
}

int hring_build_named(struct hring_pt **out, size_t *n, const char *name,
		      uint32_t m, uint64_t points)
{
	uint64_t *hash = malloc((m ? m : 1) * sizeof *hash);
	uint64_t *pts = malloc((m ? m : 1) * sizeof *pts);
	int rc = -1;
	if (hash && pts) {
		for (uint32_t u = 0; u < m; u++) {
			hash[u] = rng_key(rng_hash64(name, 0), u);
			pts[u] = points;
		}
		rc = hring_build(out, n, hash, pts, m);
	}
	free(hash), free(pts);
	return rc;
}

size_t hring_filter(struct hring_pt *dst, const struct hring_pt *src,
		    size_t n, const uint8_t *off)
{
	size_t m = 0;
	for (size_t k = 0; k < n; k++)
		if (!off[src[k].b])
			dst[m++] = src[k];
	return m;
}

uint32_t hring_jump(uint64_t key, uint32_t n)
{
	int64_t b = -1, j = 0;
	while (j < (int64_t)n) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) / (double)((key >> 33) + 1)));
	}
	return (uint32_t)b;
}

uint64_t hring_probe(uint32_t k)
{
	return rng_mix64((uint64_t)k * RNG_GAMMA + 0x70726f6265ull);
}

uint32_t *hring_snapshot(hring_place_fn place, const void *ctx)
{
	uint32_t *before = malloc(HRING_PROBES * sizeof *before);
	for (uint32_t k = 0; before && k < HRING_PROBES; k++)
		before[k] = place(ctx, hring_probe(k));
	return before;
}

double hring_moved(const uint32_t *before, hring_place_fn place, const void *ctx)
{
	uint32_t moved = 0;
	for (uint32_t k = 0; k < HRING_PROBES; k++)
		moved += place(ctx, hring_probe(k)) != before[k];
	return (double)moved / HRING_PROBES;
}
