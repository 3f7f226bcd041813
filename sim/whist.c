/*
 * whist.c - window histograms; see whist.h.
 */
#include "sim/whist.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

int whist_cover(struct whist *h, uint32_t lo, uint32_t hi)
{
	/* room beyond what is asked, on the side that grows: 8 buckets and
	 * half the span so far, so that the range moves O(log) times */
	uint32_t span = h->hi - h->lo, room = 8 + span / 2;
	uint32_t nlo = lo > room ? lo - room : 0;
	uint32_t nhi = hi + room < WHIST_NBUCKETS ? hi + room : (uint32_t)WHIST_NBUCKETS;
	if (h->hi > h->lo) {
		if (lo >= h->lo && hi <= h->hi)
			return 0;
		if (lo >= h->lo)
			nlo = h->lo;
		if (hi <= h->hi)
			nhi = h->hi;
	}
	uint64_t *c = calloc(nhi - nlo, sizeof *c);
	if (!c)
		return SIM_ENOMEM;
	if (h->hi > h->lo)
		memcpy(c + (h->lo - nlo), h->counts, (h->hi - h->lo) * sizeof *c);
	free(h->counts);
	h->counts = c;
	h->lo = nlo;
	h->hi = nhi;
	return 0;
}

int whist_merge(struct whist *dst, const struct whist *src)
{
	if (!src->total)
		return 0;
	if (whist_cover(dst, src->ulo, src->uhi))
		return SIM_ENOMEM;
	for (uint32_t i = src->ulo; i < src->uhi; i++)
		dst->counts[i - dst->lo] += src->counts[i - src->lo];
	if (!dst->total) {
		dst->ulo = src->ulo, dst->uhi = src->uhi;
	} else {
		if (src->ulo < dst->ulo)
			dst->ulo = src->ulo;
		if (src->uhi > dst->uhi)
			dst->uhi = src->uhi;
	}
	dst->total += src->total;
	return 0;
}

/* bucket_lo / bucket_width: the values of bucket i are
 * [lo, lo + width - 1]. */
static int64_t bucket_lo(size_t i)
{
	if (i < (1u << WHIST_SUB_BITS))
		return (int64_t)i;
	size_t k = i - (1u << WHIST_SUB_BITS);
	int e = (int)(k / WHIST_HALF) + WHIST_SUB_BITS;
	uint64_t sub = k % WHIST_HALF + WHIST_HALF;
	return (int64_t)(sub << (e - (WHIST_SUB_BITS - 1)));
}

static int64_t bucket_width(size_t i)
{
	if (i < (1u << WHIST_SUB_BITS))
		return 1;
	int e = (int)((i - (1u << WHIST_SUB_BITS)) / WHIST_HALF) + WHIST_SUB_BITS;
	return (int64_t)1 << (e - (WHIST_SUB_BITS - 1));
}

int64_t whist_quantile(const struct whist *h, double q)
{
	assert(q >= 0 && q <= 1);
	if (!h->total)
		return 0;
	double x = ceil(q * (double)h->total);
	uint64_t rank = x < 1 ? 1 : x > (double)h->total ? h->total : (uint64_t)x;
	uint64_t cum = 0;
	for (size_t i = h->ulo; i < h->uhi; i++) {
		cum += h->counts[i - h->lo];
		if (cum >= rank)
			return bucket_lo(i) + (bucket_width(i) - 1) / 2;
	}
	return 0;   /* not reached: the counts add up to total */
}

void whist_reset(struct whist *h)
{
	if (h->total)
		memset(h->counts + (h->ulo - h->lo), 0, (h->uhi - h->ulo) * sizeof *h->counts);
	h->total = 0;
}

void whist_fini(struct whist *h)
{
	free(h->counts);
	h->counts = NULL;
	h->total = 0;
	h->lo = h->hi = h->ulo = h->uhi = 0;
}
