/*
 * interval.c - 95 % intervals across replications; see interval.h.
 */
#include "app/interval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "sim/err.h"
#include "sim/stats.h"

/* cdf_alloc makes c's (empty) sums: 0, or SIM_ENOMEM with none made. */
static int cdf_alloc(struct interval_cdf *c)
{
	c->s = calloc(2 * HIST_NBUCKETS, sizeof *c->s);
	c->ones = calloc(HIST_NBUCKETS, sizeof *c->ones);
	if (c->s && c->ones)
		return 0;
	free(c->s);
	free(c->ones);
	c->s = NULL;
	c->ones = NULL;
	return SIM_ENOMEM;
}

/* cdf_cover widens c's range of buckets in use to [lo, hi). */
static void cdf_cover(struct interval_cdf *c, uint32_t lo, uint32_t hi)
{
	if (!c->n || lo < c->lo)
		c->lo = lo;
	if (!c->n || hi > c->hi)
		c->hi = hi;
}

int interval_cdf_add(struct interval_cdf *c, const struct hist *h)
{
	if (!c->s && cdf_alloc(c))
		return SIM_ENOMEM;
	size_t lo = hist_index(h->min_ns), hi = hist_index(h->max_ns);
	uint64_t cum = 0;
	/* F is the same from a bucket that counts to the next one that
	 * does: worked out once for the stretch, whose sums then take the
	 * same additions as bucket by bucket, in a loop the compiler can
	 * vectorise (a short replication has a few values over hundreds of
	 * buckets) */
	for (size_t b = lo; b < hi;) {
		cum += h->counts[b];
		double f = (double)cum / (double)h->total, ff = f * f;
		size_t e = b + 1;
		while (e < hi && !h->counts[e])
			e++;
		for (size_t k = b; k < e; k++) {
			c->s[2 * k] += f;
			c->s[2 * k + 1] += ff;
		}
		b = e;
	}
	c->ones[hi]++;        /* F = 1 from the maximum's bucket on */
	cdf_cover(c, (uint32_t)lo, (uint32_t)hi + 1);
	c->n++;
	return 0;
}

int interval_cdf_ready(struct interval_cdf *c)
{
	return c->s ? 0 : cdf_alloc(c);
}

int interval_cdf_merge(struct interval_cdf *dst, const struct interval_cdf *src)
{
	if (!src->n)
		return 0;
	if (!dst->s && cdf_alloc(dst))
		return SIM_ENOMEM;
	for (size_t k = src->lo; k < src->hi; k++) {
		dst->s[2 * k] += src->s[2 * k];
		dst->s[2 * k + 1] += src->s[2 * k + 1];
		dst->ones[k] += src->ones[k];
	}
	cdf_cover(dst, src->lo, src->hi);
	dst->n += src->n;
	return 0;
}

void interval_cdf_free(struct interval_cdf *c)
{
	free(c->s);
	free(c->ones);
	memset(c, 0, sizeof *c);
}

/* clamp01 keeps a probability in [0, 1]. */
static double clamp01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

void interval_quantile(const struct hist *pooled, double q, const double *own, size_t n,
		       const struct interval_cdf *c, double rel_err,
		       double *x, double *lo, double *hi)
{
	*x = *lo = *hi = NAN;
	if (!pooled->total)
		return;
	double xp = (double)hist_quantile(pooled, q) * 1e-9;
	*x = xp;
	/* sectioning: the own quantiles' spread around the pooled one */
	double ss = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(own[i]))
			continue;
		ss += (own[i] - xp) * (own[i] - xp);
		m++;
	}
	if (m < 2 || c->n != m)
		return;
	double t = stats_t_quantile(0.975, (double)(m - 1));
	double hb = t * sqrt(ss / ((double)m * (double)(m - 1)));
	/* CDF inversion at the pooled quantile's bucket */
	size_t b = hist_quantile_bucket(pooled, q);
	uint64_t ones = 0;
	for (size_t j = 0; j <= b; j++)
		ones += c->ones[j];
	double s1 = c->s[2 * b] + (double)ones, s2 = c->s[2 * b + 1] + (double)ones;
	double pbar = s1 / (double)m;
	double var = (s2 - s1 * s1 / (double)m) / (double)(m - 1);
	double hp = t * sqrt(var > 0 ? var / (double)m : 0);
	double cl = (double)hist_quantile(pooled, clamp01(pbar - hp)) * 1e-9;
	double cu = (double)hist_quantile(pooled, clamp01(pbar + hp)) * 1e-9;
	/* the hull of the two, widened by the histogram's error; a
	 * latency is never below 0 */
	*lo = (xp - hb < cl ? xp - hb : cl) - rel_err * xp;
	*hi = (xp + hb > cu ? xp + hb : cu) + rel_err * xp;
	if (*lo < 0)
		*lo = 0;
}

/* var_of_mean sets *n to the values of x[0..len) that are not NaN, copied
 * to tmp, and returns the variance of their mean, s^2 / n (NaN for fewer
 * than 2). */
static double var_of_mean(const double *x, size_t len, double *tmp, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < len; i++)
		if (!isnan(x[i]))
			tmp[(*n)++] = x[i];
	return *n >= 2 ? gsl_stats_variance(tmp, 1, *n) / (double)*n : NAN;
}

int interval_pair(const double *xa, size_t na_all, const double *xb, size_t nb_all,
		  struct interval_pair *out)
{
	size_t n = na_all < nb_all ? na_all : nb_all;
	size_t most = na_all > nb_all ? na_all : nb_all;
	out->half = out->unpaired = NAN;
	out->pairs = 0;
	double *d = malloc((most ? most : 1) * sizeof *d);
	if (!d)
		return SIM_ENOMEM;
	size_t used = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(xa[i]) && !isnan(xb[i]))
			d[used++] = xb[i] - xa[i];
	out->pairs = used;
	double mean;
	if (used >= 2)
		stats_ci95(d, used, &mean, &out->half);
	/* Welch: what the same data would give without pairing */
	size_t na, nb;
	double sa = var_of_mean(xa, na_all, d, &na);
	double sb = var_of_mean(xb, nb_all, d, &nb);
	free(d);
	if (na >= 2 && nb >= 2) {
		double se2 = sa + sb;
		double df = se2 > 0 ? se2 * se2 / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1)) :
			(double)(na + nb - 2);
		out->unpaired = stats_t_quantile(0.975, df) * sqrt(se2);
	}
	return 0;
}

/* interp_quantile is the p-quantile of h's values, in ns, with the CDF
 * taken as linear inside each bucket (from its low edge to past its high
 * one), so that it moves with p however small the step: a secant over a
 * span under a bucket's mass then reads the density, not the bucket's
 * width over the span. */
static double interp_quantile(const struct hist *h, double p)
{
	double target = p * (double)h->total, cum = 0;
	size_t lo = hist_index(h->min_ns), hi = hist_index(h->max_ns);
	for (size_t b = lo; b <= hi; b++) {
		double c = (double)h->counts[b];
		if (c > 0 && cum + c >= target) {
			double a = (double)hist_bucket_lo(b), z = (double)hist_bucket_hi(b) + 1;
			double x = a + (target - cum) / c * (z - a);
			return x < (double)h->min_ns ? (double)h->min_ns :
			       x > (double)h->max_ns ? (double)h->max_ns : x;
		}
		cum += c;
	}
	return (double)h->max_ns;
}

double interval_inverse_slope(const struct hist *pooled, const double *f, size_t n)
{
	double s1 = 0, s2 = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(f[i]))
			continue;
		s1 += f[i], s2 += f[i] * f[i];
		m++;
	}
	if (m < 2 || !pooled->total)
		return NAN;
	double pbar = s1 / (double)m;
	double var = (s2 - s1 * s1 / (double)m) / (double)(m - 1);
	double h = sqrt(var > 0 ? var / (double)m : 0);
	double pl = clamp01(pbar - h), pu = clamp01(pbar + h);
	if (!(pu > pl))
		return NAN;
	return (interp_quantile(pooled, pu) - interp_quantile(pooled, pl)) * 1e-9 / (pu - pl);
}

int interval_pair_quantile(const double *own_a, const double *own_b, const double *f_a,
			   const double *f_b, size_t n, double qa, double qb, double slope_a,
			   double slope_b, double rel_err, struct interval_pair *out)
{
	out->half = out->unpaired = NAN;
	out->pairs = 0;
	/* a point whose replications' CDFs do not spread has no slope: its
	 * side of the inversion term is 0, the other's stands */
	if (isnan(slope_a))
		slope_a = 0;
	if (isnan(slope_b))
		slope_b = 0;
	int inv = slope_a > 0 || slope_b > 0;
	double *g = malloc(3 * (n ? n : 1) * sizeof *g);
	if (!g)
		return SIM_ENOMEM;
	double *ga = g + n, *gb = g + 2 * n;
	double ss = 0, ssa = 0, ssb = 0, d = qb - qa;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(own_a[i]) || isnan(own_b[i]) ||
		    (inv && ((slope_a > 0 && isnan(f_a[i])) || (slope_b > 0 && isnan(f_b[i])))))
			continue;
		double e = own_b[i] - own_a[i] - d;
		ss += e * e;
		ssa += (own_a[i] - qa) * (own_a[i] - qa);
		ssb += (own_b[i] - qb) * (own_b[i] - qb);
		if (inv) {
			ga[m] = slope_a > 0 ? slope_a * f_a[i] : 0;
			gb[m] = slope_b > 0 ? slope_b * f_b[i] : 0;
			g[m] = gb[m] - ga[m];
		}
		m++;
	}
	out->pairs = m;
	if (m >= 2) {
		double mm = (double)m, t = stats_t_quantile(0.975, mm - 1);
		/* each pooled quantile may be off by its bucket: the
		 * difference by both */
		double widen = rel_err * (fabs(qa) + fabs(qb));
		/* sectioning, paired, and unpaired (each around its pooled
		 * quantile, the same degrees of freedom for want of Welch's
		 * on two spreads that are not means') */
		double sec = t * sqrt(ss / (mm * (mm - 1)));
		double sec_u = t * sqrt((ssa + ssb) / (mm * (mm - 1)));
		double inv_p = 0, inv_u = 0;
		if (inv) {
			inv_p = t * sqrt(gsl_stats_variance(g, 1, m) / mm);
			inv_u = t * sqrt((gsl_stats_variance(ga, 1, m) + gsl_stats_variance(gb, 1, m)) / mm);
		}
		out->half = (sec > inv_p ? sec : inv_p) + widen;
		out->unpaired = (sec_u > inv_u ? sec_u : inv_u) + widen;
	}
	free(g);
	return 0;
}
