/*
 * interval.h - 95 % confidence intervals across replications, for what
 * the report estimates.
 *
 * Percentiles.  A percentile's estimate is the quantile of the histogram
 * pooled over all replications, a consistent estimator whose bias
 * shrinks as replications are added (each replication's own tail
 * quantile is biased low, by 12 % for an M/M/1's p99 over 2000 mean
 * services, and averaging them keeps that bias however many there are).
 * Its interval [lo, hi] is the smallest that holds two others:
 *
 *   sectioning (Nakayama, "Confidence intervals for quantiles using
 *     sectioning when applying variance-reduction techniques", ACM TOMACS
 *     24(4), 2014): x +- t(0.975, n-1) sqrt(sum_i (x_i - x)^2 / (n (n-1))),
 *     x the pooled quantile, x_i replication i's own;
 *   CDF inversion: p_i, the share of replication i's latencies at or below
 *     x's bucket, gets a t-interval [p-, p+], mapped back through the
 *     pooled histogram to [Q(p-), Q(p+)].
 *
 * Sectioning holds when replications are few but understates the spread
 * of a pooled tail quantile when they are many; inversion is the other
 * way round.  Over 80,000 independent M/M/1 runs at rho 0.8
 * (docs/STATISTICS.md) the hull holds p99 in 94.5 % of runs with 5
 * replications and 93.2 % with 50, where either alone falls to 82 % or
 * 76 %.  Both ends are widened by the histogram's own relative error
 * (hist.h), so an interval is never +-0 while the value is off by a
 * bucket.  The p_i need only two running sums per bucket (struct
 * interval_cdf), so memory stays flat in replications.
 *
 * Paired differences.  Replication r of every sweep point sees the same
 * arrivals, keys and demands (common random numbers), so two points are
 * compared by the Student-t interval of their replications' paired
 * differences; Welch's unpaired interval on the same values says what
 * pairing saved.  A difference of pooled percentiles has the pooled
 * percentile's trouble: the own percentiles' paired differences alone
 * (sectioning) hold it less and less often as replications grow (91.5 %
 * of runs at 5 replications, 70-82 % at 200, on the random against
 * round robin case of docs/STATISTICS.md), so it takes the larger of
 * sectioning and the inversion interval linearised through each point's
 * inverse density, computed on the same pairs.
 */
#ifndef APP_INTERVAL_H
#define APP_INTERVAL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/hist.h"

/* Per-bucket sums over replications of each one's CDF, for the CDF
 * inversion interval: s[2b] + ones up to b is sum_i F_i(b), s[2b + 1]
 * the same for F_i(b)^2 (F_i is 1 from a replication's maximum on,
 * counted in ones[] to keep a fold to the buckets in use).  The two sums
 * of a bucket lie side by side, so that a fold adds (F, F^2) to each
 * bucket as one pair.  Zeroed is empty. */
struct interval_cdf {
	double *s;
	uint64_t *ones;
	uint32_t n;                 /* replications folded in */
	uint32_t lo, hi;            /* with n > 0, the sums and ones that are
				     * not zero are in buckets [lo, hi) */
};

/* interval_cdf_add folds one replication's histogram (not empty): 0 or
 * SIM_ENOMEM.  interval_cdf_free frees the sums (and zeroes c). */
int interval_cdf_add(struct interval_cdf *c, const struct hist *h);
void interval_cdf_free(struct interval_cdf *c);

/* interval_cdf_merge adds the sums of src, replications folded after
 * dst's, to dst: 0 or SIM_ENOMEM.  The sums are of doubles, so merging
 * groups gives the last bits of the groups' order, not of one
 * replication at a time (report.h: a point's groups are fixed). */
int interval_cdf_merge(struct interval_cdf *dst, const struct interval_cdf *src);

/* interval_cdf_ready makes c's sums, zero, if they are not made (to be
 * filled from a record of them): 0 or SIM_ENOMEM. */
int interval_cdf_ready(struct interval_cdf *c);

/* interval_quantile sets *x to the q-quantile of the pooled histogram
 * (seconds) and [*lo, *hi] to its interval as above, from the
 * replications' own q-quantiles own[0..n) (NaN ones skipped) and the CDF
 * sums of the same replications, widened by rel_err * x at each end.
 * The interval is NaN when fewer than 2 replications served a request. */
void interval_quantile(const struct hist *pooled, double q, const double *own, size_t n,
		       const struct interval_cdf *c, double rel_err,
		       double *x, double *lo, double *hi);

/* A paired comparison of one quantity between two points. */
struct interval_pair {
	double diff;                /* b's estimate minus a's */
	double half;                /* 95 % half-width from the replications'
				     * paired differences (NaN: fewer than 2) */
	double unpaired;            /* what Welch's interval would give */
	size_t pairs;
};

/* interval_pair_quantile fills out->half and ->unpaired for the
 * difference of two pooled quantiles, qb - qa (out->diff), from each
 * replication's own quantiles own_a[r], own_b[r], and each one's CDF at
 * its point's pooled quantile, f_a[r], f_b[r] (the p_i of the inversion
 * above); slope_a and slope_b are the inverse densities dQ/dp at the
 * pooled quantiles (interval_inverse_slope; NaN: that side has no
 * inversion term).  As for one quantile, the half-width is the larger of
 * sectioning (the paired own differences' spread around the pooled one)
 * and inversion linearised (the paired spread of slope_b f_b[r] - slope_a
 * f_a[r]), widened by rel_err times the sum of the quantiles (each may be
 * off by its bucket).  Pairs where a value used is NaN are skipped.  0,
 * or SIM_ENOMEM. */
int interval_pair_quantile(const double *own_a, const double *own_b, const double *f_a,
			   const double *f_b, size_t n, double qa, double qb, double slope_a,
			   double slope_b, double rel_err, struct interval_pair *out);

/* interval_inverse_slope is dQ/dp at the pooled q-quantile, read from the
 * pooled histogram over the span the inversion interval uses: the
 * replications' CDFs at the quantile's bucket, f[0..n) (NaN skipped),
 * give a standard error h in p, and the slope is (Q(p+h) - Q(p-h)) / 2h
 * in seconds, Q the pooled quantile with the CDF linear inside each
 * bucket (a bucket's midpoint would make the secant the bucket's width
 * over 2h once 2h is under a bucket's mass).  The span is the one the
 * estimate wanders, not the t-interval's wider one, which in a convex
 * tail overstates the slope (at 5 replications the interval then held
 * 98 % of the time).  NaN with fewer than 2 values or no spread. */
double interval_inverse_slope(const struct hist *pooled, const double *f, size_t n);

/* interval_pair fills out->half, ->unpaired and ->pairs from the
 * replications' own values xa[0..na) and xb[0..nb), replication r against
 * replication r (pairs where either is NaN are skipped); out->diff is the
 * caller's.  0, or SIM_ENOMEM (out's interval left NaN). */
int interval_pair(const double *xa, size_t na, const double *xb, size_t nb,
		  struct interval_pair *out);

#endif
