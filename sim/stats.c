/*
 * stats.c - confidence intervals across replications; see stats.h.
 */
#include "sim/stats.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

double stats_t_quantile(double p, double df)
{
	return gsl_cdf_tdist_Pinv(p, df);
}

void stats_ci95(const double *x, size_t n, double *mean, double *half)
{
	double buf[64];
	double *v = n <= 64 ? buf : malloc(n * sizeof *v);
	size_t m = 0;
	if (!v) {
		*mean = *half = NAN;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			v[m++] = x[i];
	if (m == 0) {
		*mean = *half = NAN;
	} else {
		*mean = gsl_stats_mean(v, 1, m);
		if (m < 2)
			*half = NAN;
		else
			*half = stats_t_quantile(0.975, (double)(m - 1)) *
				gsl_stats_sd_m(v, 1, m, *mean) / sqrt((double)m);
	}
	if (v != buf)
		free(v);
}
