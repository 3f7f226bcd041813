/*
 * whist.c - window histograms; see whist.h.
 */
#include "sim/whist.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

int whist_alloc(struct whist *h)
{
	if (h->counts)
		return 0;
	h->counts = calloc(WHIST_NBUCKETS, sizeof *h->counts);
	return h->counts ? 0 : SIM_ENOMEM;
}

int whist_merge(struct whist *dst, const struct whist *src)
{
	if (!src->total)
		return 0;
	if (whist_alloc(dst))
		return SIM_ENOMEM;
	for (size_t i = 0; i < WHIST_NBUCKETS; i++)
		dst->counts[i] += src->counts[i];
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
	for (size_t i = 0; i < WHIST_NBUCKETS; i++) {
		cum += h->counts[i];
		if (cum >= rank)
			return bucket_lo(i) + (bucket_width(i) - 1) / 2;
	}
	return 0;   /* not reached: the counts add up to total */
}

double whist_mean_ns(const struct whist *h)
{
	if (!h->total)
		return 0;
	double sum = 0;
	for (size_t i = 0; i < WHIST_NBUCKETS; i++)
		if (h->counts[i])
			sum += (double)h->counts[i] *
			       ((double)bucket_lo(i) + (double)(bucket_width(i) - 1) / 2);
	return sum / (double)h->total;
}

void whist_reset(struct whist *h)
{
	if (h->counts && h->total)
		memset(h->counts, 0, WHIST_NBUCKETS * sizeof *h->counts);
	h->total = 0;
}

void whist_fini(struct whist *h)
{
	free(h->counts);
	h->counts = NULL;
	h->total = 0;
}
