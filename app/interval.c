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

int interval_cdf_add(struct interval_cdf *c, const struct hist *h)
{
	if (!c->s1) {
		c->s1 = calloc(HIST_NBUCKETS, sizeof *c->s1);
		c->s2 = calloc(HIST_NBUCKETS, sizeof *c->s2);
		c->ones = calloc(HIST_NBUCKETS, sizeof *c->ones);
		if (!c->s1 || !c->s2 || !c->ones)
			return SIM_ENOMEM;
	}
	size_t lo = hist_index(h->min_ns), hi = hist_index(h->max_ns);
	uint64_t cum = 0;
	for (size_t b = lo; b < hi; b++) {
		cum += h->counts[b];
		double f = (double)cum / (double)h->total;
		c->s1[b] += f;
		c->s2[b] += f * f;
	}
	c->ones[hi]++;        /* F = 1 from the maximum's bucket on */
	c->n++;
	return 0;
}

void interval_cdf_free(struct interval_cdf *c)
{
	free(c->s1);
	free(c->s2);
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
	double s1 = c->s1[b] + (double)ones, s2 = c->s2[b] + (double)ones;
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
