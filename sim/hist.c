/*
 * hist.c - log-linear latency histogram; the layout, index and error bound
 * are described in hist.h.
 *
 * Bucket i's range inverts hist_index: below 256, bucket i is the value i;
 * above, j = i - 256 gives the octave e = 8 + j / 128 and the sub-bucket
 * j % 128, whose lower edge is (128 + j % 128) << (e - 7) and whose width
 * is 1 << (e - 7).  The last bucket ends at exactly INT64_MAX.
 *
 * hist_quantile walks the counters in order (7296 additions, a few
 * microseconds); quantiles are read at the end of a run, not per event.
 */
#include "sim/hist.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

static void hist_clear_summary(struct hist *h)
{
	h->total = 0;
	h->min_ns = INT64_MAX;
	h->max_ns = 0;
	h->sum_ns = 0;
}

/* hist_init: see hist.h.  On SIM_ENOMEM h->counts is NULL, and hist_fini
 * is still safe. */
int hist_init(struct hist *h)
{
	hist_clear_summary(h);
	h->counts = calloc(HIST_NBUCKETS, sizeof *h->counts);
	return h->counts ? 0 : SIM_ENOMEM;
}

void hist_fini(struct hist *h)
{
	free(h->counts);
	h->counts = NULL;
}

void hist_reset(struct hist *h)
{
	/* only buckets between the smallest and the largest value seen can
	 * hold counts: a histogram reset every time-series window costs the
	 * width of its data, not the whole array */
	if (h->total) {
		size_t lo = hist_index(h->min_ns), hi = hist_index(h->max_ns);
		memset(h->counts + lo, 0, (hi - lo + 1) * sizeof *h->counts);
	}
	hist_clear_summary(h);
}

int64_t hist_bucket_lo(size_t i)
{
	assert(i < HIST_NBUCKETS);
	if (i < (1u << HIST_SUB_BITS))
		return (int64_t)i;
	size_t j = i - (1u << HIST_SUB_BITS);
	int shift = (int)(j / HIST_HALF) + 1;   /* e - (HIST_SUB_BITS - 1) */
	uint64_t top = HIST_HALF + j % HIST_HALF;
	return (int64_t)(top << shift);
}

int64_t hist_bucket_hi(size_t i)
{
	assert(i < HIST_NBUCKETS);
	if (i < (1u << HIST_SUB_BITS))
		return (int64_t)i;
	size_t j = i - (1u << HIST_SUB_BITS);
	int shift = (int)(j / HIST_HALF) + 1;
	uint64_t lo = (uint64_t)hist_bucket_lo(i);
	return (int64_t)(lo + ((uint64_t)1 << shift) - 1);
}

/* hist_quantile_bucket: see hist.h.  q outside [0, 1] is a programmer
 * error.  The rank is ceil(q * total) computed in double, at least 1 and at
 * most total. */
/* rank_of is the rank (from 1) of the q-quantile among h's total. */
static uint64_t rank_of(const struct hist *h, double q)
{
	assert(q >= 0 && q <= 1);
	double x = ceil(q * (double)h->total);
	if (x < 1)
		return 1;
	if (x >= (double)h->total)
		return h->total;
	return (uint64_t)x;
}

size_t hist_quantile_bucket(const struct hist *h, double q)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = rank_of(h, q);
	/* no bucket below the minimum's holds anything */
	uint64_t cum = 0;
	size_t i = hist_index(h->min_ns);
	for (; i < HIST_NBUCKETS - 1; i++) {
		cum += h->counts[i];
		if (cum >= rank)
			break;
	}
	return i;
}

/* bucket_mid: the value a quantile in bucket i of h reads as. */
static int64_t bucket_mid(const struct hist *h, size_t i)
{
	int64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
	int64_t mid = lo + (hi - lo) / 2;
	if (mid < h->min_ns)
		mid = h->min_ns;
	if (mid > h->max_ns)
		mid = h->max_ns;
	return mid;
}

int64_t hist_quantile(const struct hist *h, double q)
{
	if (h->total == 0)
		return 0;
	return bucket_mid(h, hist_quantile_bucket(h, q));
}

void hist_quantiles(const struct hist *h, const double *q, size_t n, int64_t *out)
{
	if (h->total == 0) {
		for (size_t k = 0; k < n; k++)
			out[k] = 0;
		return;
	}
	uint64_t cum = 0;
	size_t i = hist_index(h->min_ns);
	for (size_t k = 0; k < n; k++) {
		uint64_t rank = rank_of(h, q[k]);
		/* the same bucket as hist_quantile_bucket: the first whose
		 * running count reaches the rank */
		while (cum + h->counts[i] < rank && i < HIST_NBUCKETS - 1)
			cum += h->counts[i++];
		out[k] = bucket_mid(h, i);
	}
}

double hist_mean(const struct hist *h)
{
	if (h->total == 0)
		return 0;
	/* integer part exactly, then the remainder: no 128-bit float needed */
	hist_u128 q = h->sum_ns / h->total, r = h->sum_ns % h->total;
	return (double)q + (double)r / (double)h->total;
}

/* hist_merge: see hist.h.  Totals, sums, min and max merge too, so dst
 * becomes exactly the histogram of both sets of values; src is unchanged. */
void hist_merge(struct hist *dst, const struct hist *src)
{
	/* only src's buckets between its smallest and largest value can
	 * hold counts (as in hist_reset): folding a short replication's
	 * histogram costs the width of its data, not 57 KiB */
	if (!src->total)
		return;
	size_t lo = hist_index(src->min_ns), hi = hist_index(src->max_ns);
	for (size_t i = lo; i <= hi; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}
