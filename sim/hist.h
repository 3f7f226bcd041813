/*
 * hist.h - log-linear latency histogram (HdrHistogram-style).
 *
 * Layout.  Values below 256 ns have one bucket each and are counted
 * exactly.  Above, each octave [2^e, 2^(e+1)), e = 8 .. 62, is split into
 * 128 equal buckets of width 2^(e-7); buckets are numbered in value order,
 * so octave e starts at bucket 256 + 128 (e - 8).  The bucket of v >= 256
 * comes from its bit length: e = 63 - clz(v), and the 8 bits from bit e
 * down, v >> (e - 7), lie in [128, 256) and give the bucket within the
 * octave.  Recording is a count-leading-zeros, a shift and an add; no
 * search, no floating point.
 *
 * Error bound.  A bucket in octave e has width 2^(e-7) and lower edge at
 * least 2^e, so width / lower edge <= 1/128.  Its midpoint is within half a
 * width, 2^(e-8), of any value in it, so a reported quantile is within
 * 1/256 (0.39 %) of the true one, and exact below 256 ns.
 *
 * Memory.  HIST_NBUCKETS = 256 + 55 * 128 = 7296 counters of 8 bytes,
 * 57 KiB per histogram, covering every int64_t value, allocated once.
 *
 * Why hand-written: gsl_histogram's ranges are fixed at allocation, either
 * uniform (poor relative error at the low end of a latency range that spans
 * decades) or explicit (a binary search per record), and values outside
 * them are not counted.  This layout is O(1) per record, covers every value
 * with a bounded relative error, and merges exactly because every histogram
 * has the same buckets.
 *
 * An empty histogram has min_ns = INT64_MAX and max_ns = 0; read them only
 * when total > 0.
 *
 * Values are non-negative integer nanoseconds.  Every quantile is reported
 * with relative error at most 0.5 % (bucket midpoints, clamped to the exact
 * min and max seen).  Memory is fixed at init; recording never allocates.
 * Two histograms merge exactly by adding counts, so results do not depend on
 * how runs were split between replications, processes or machines.
 */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stddef.h>
#include <stdint.h>

/* Values below 2^HIST_SUB_BITS ns are counted exactly; above, each power of
 * two is split into 2^(HIST_SUB_BITS-1) equal buckets. */
#define HIST_SUB_BITS 8
#define HIST_HALF (1 << (HIST_SUB_BITS - 1))
/* The largest relative error of a quantile read from a hist: half a
 * bucket, 1/256 of the value. */
#define HIST_REL_ERR (1.0 / (1 << HIST_SUB_BITS))
#define HIST_NBUCKETS ((size_t)(1 << HIST_SUB_BITS) + (size_t)(63 - HIST_SUB_BITS) * HIST_HALF)

/* A 128-bit integer (GCC and Clang on every 64-bit target) holds the exact
 * sum of 2^64 values of up to 2^63 ns, so means never depend on the order
 * in which histograms were merged, and adding costs two instructions
 * (long double, the alternative, goes through the x87 unit). */
__extension__ typedef unsigned __int128 hist_u128;

struct hist {
	uint64_t *counts;     /* HIST_NBUCKETS counters */
	uint64_t total;
	int64_t min_ns, max_ns;
	hist_u128 sum_ns;     /* exact: merging in any order gives the same sum */
};

/* hist_init allocates the counters: 0 or SIM_ENOMEM.  hist_fini frees them
 * (safe twice).  hist_reset zeroes counts, keeps the memory. */
int hist_init(struct hist *h);
void hist_fini(struct hist *h);
void hist_reset(struct hist *h);

/* hist_index returns the bucket of value v >= 0. */
static inline size_t hist_index(int64_t v)
{
	uint64_t u = (uint64_t)v;
	if (u < (1u << HIST_SUB_BITS))
		return (size_t)u;
	int e = 63 - __builtin_clzll(u);              /* e >= HIST_SUB_BITS */
	int shift = e - (HIST_SUB_BITS - 1);
	size_t sub = (size_t)(u >> shift) - HIST_HALF;  /* 0 .. HALF-1 */
	return (1u << HIST_SUB_BITS) + (size_t)(e - HIST_SUB_BITS) * HIST_HALF + sub;
}

/* hist_record_at counts v >= 0, whose bucket i = hist_index(v) the
 * caller has (to share it with another histogram). */
static inline void hist_record_at(struct hist *h, size_t i, int64_t v)
{
	h->counts[i]++;
	h->total++;
	h->sum_ns += (uint64_t)v;
	if (v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
}

/* hist_record counts one value (negative values count as 0). */
static inline void hist_record(struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	hist_record_at(h, hist_index(v), v);
}

/* hist_bucket_lo / hist_bucket_hi: the range [lo, hi] of values counted in
 * bucket i (inclusive). */
int64_t hist_bucket_lo(size_t i);
int64_t hist_bucket_hi(size_t i);

/* hist_quantile returns an estimate of the q-quantile (0 <= q <= 1): the
 * midpoint of the first bucket whose cumulative count reaches
 * ceil(q * total) (at least 1), clamped to [min, max].  0 when empty. */
int64_t hist_quantile(const struct hist *h, double q);

/* hist_quantiles writes hist_quantile(h, q[i]) to out[i] for n
 * quantiles in increasing order, in one pass over the buckets. */
void hist_quantiles(const struct hist *h, const double *q, size_t n, int64_t *out);

/* hist_quantile_bucket returns the bucket hist_quantile reads: the first
 * whose cumulative count reaches the rank of q.  0 when empty. */
size_t hist_quantile_bucket(const struct hist *h, double q);

/* hist_mean is the exact mean of the recorded values (0 when empty). */
double hist_mean(const struct hist *h);

/* hist_merge adds src's counts to dst. */
void hist_merge(struct hist *dst, const struct hist *src);

#endif
