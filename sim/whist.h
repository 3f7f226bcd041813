/*
 * whist.h - small latency histograms for time-series windows.
 *
 * A time series asks for percentiles per window (throughput and p99 every
 * few seconds), pooled over replications, so every window of a run needs
 * a histogram of its own: up to 2000 of them per run.  The full histogram
 * (hist.h, 57 KiB, 0.39 % error) would make that 114 MiB per run, so
 * windows use the same log-linear layout at a coarser grain: values below
 * 32 ns are counted exactly, and each power of two above is split into 16
 * equal buckets.  A bucket in octave e is 2^(e-4) wide with lower edge at
 * least 2^e, so its midpoint is within 1/32 (3.1 %) of any value in it:
 * plenty for a chart.  Of the 32 + 58 x 16 = 960 buckets only the range
 * a window uses is allocated, grown when a value falls outside it (with
 * room, 8 buckets and half the span, so it moves O(log) times): a window of latencies between 1 ms and
 * 1 s holds about 160 counters, and a quiet window none.
 *
 * Merging adds counts, exactly, so pooled windows do not depend on how
 * replications were split.
 */
#ifndef SIM_WHIST_H
#define SIM_WHIST_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/hist.h"

#define WHIST_SUB_BITS 5
#define WHIST_HALF (1 << (WHIST_SUB_BITS - 1))
#define WHIST_NBUCKETS ((size_t)(1 << WHIST_SUB_BITS) + \
			(size_t)(63 - WHIST_SUB_BITS) * WHIST_HALF)
/* The largest relative error of a quantile read from a whist. */
#define WHIST_REL_ERR (1.0 / (1 << WHIST_SUB_BITS))

struct whist {
	uint64_t *counts;    /* counts[i - lo] for buckets [lo, hi) */
	uint64_t total;
	uint32_t lo, hi;     /* the buckets allocated (lo = hi: none) */
	uint32_t ulo, uhi;   /* with total > 0, every bucket that counts is
			      * in [ulo, uhi): a histogram reused from run to
			      * run keeps the widest range it ever needed,
			      * and merging, resetting and reading it go
			      * over the buckets used only */
};

/* whist_index returns the bucket of v >= 0. */
static inline size_t whist_index(int64_t v)
{
	uint64_t u = (uint64_t)v;
	if (u < (1u << WHIST_SUB_BITS))
		return (size_t)u;
	int e = 63 - __builtin_clzll(u);
	int shift = e - (WHIST_SUB_BITS - 1);
	size_t sub = (size_t)(u >> shift) - WHIST_HALF;
	return (1u << WHIST_SUB_BITS) + (size_t)(e - WHIST_SUB_BITS) * WHIST_HALF + sub;
}

/* whist_index_of_hist returns the bucket of a value whose hist.h bucket
 * is i: the same log-linear layout, 2^(HIST_SUB_BITS - WHIST_SUB_BITS)
 * of its buckets to one of these above 2^HIST_SUB_BITS ns, where both
 * count each octave from the same first one (for 8 and 5 bits: hist
 * bucket 256 + x is whist bucket 80 + x / 8). */
static inline size_t whist_index_of_hist(size_t i)
{
	enum { SHIFT = HIST_SUB_BITS - WHIST_SUB_BITS };
	if (i < (1u << HIST_SUB_BITS))
		return whist_index((int64_t)i);
	return (1u << WHIST_SUB_BITS) + (size_t)SHIFT * WHIST_HALF +
	       ((i - (1u << HIST_SUB_BITS)) >> SHIFT);
}

/* whist_cover grows h's range to hold buckets [lo, hi): 0 or
 * SIM_ENOMEM (h unchanged). */
int whist_cover(struct whist *h, uint32_t lo, uint32_t hi);

/* whist_record_at counts a value of bucket i, growing the range when i
 * falls outside it: 0, or SIM_ENOMEM (nothing counted). */
static inline int whist_record_at(struct whist *h, uint32_t i)
{
	if (i - h->lo >= h->hi - h->lo && whist_cover(h, i, i + 1))
		return SIM_ENOMEM;
	h->counts[i - h->lo]++;
	if (!h->total++) {
		h->ulo = i, h->uhi = i + 1;
	} else {
		if (i < h->ulo)
			h->ulo = i;
		if (i >= h->uhi)
			h->uhi = i + 1;
	}
	return 0;
}

/* whist_record counts v (negative counts as 0). */
static inline int whist_record(struct whist *h, int64_t v)
{
	return whist_record_at(h, (uint32_t)whist_index(v < 0 ? 0 : v));
}

/* whist_merge adds src's counts to dst: 0 or SIM_ENOMEM. */
int whist_merge(struct whist *dst, const struct whist *src);

/* whist_quantile returns the midpoint of the first bucket whose cumulative
 * count reaches ceil(q * total) (at least 1), in ns; 0 when empty. */
int64_t whist_quantile(const struct whist *h, double q);

/* whist_reset empties h and keeps its memory; whist_fini frees it. */
void whist_reset(struct whist *h);
void whist_fini(struct whist *h);

#endif
