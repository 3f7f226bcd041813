/*
 * stats.c - confidence intervals across replications; see stats.h.
 */
#include "sim/stats.h"

#include <math.h>
#include <stdio.h>
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

void stats_fmt_seconds(char *buf, size_t len, double s)
{
	static const struct {
		double size;             /* seconds */
		double from;             /* used from this many seconds */
		const char *name;
	} unit[] = {
		{ 3600 * 24 * 365.25, 2 * 3600 * 24 * 365.25, "years" },
		{ 3600 * 24, 2 * 3600 * 24, "days" },
		{ 3600, 2 * 3600, "h" },
		{ 1, 1, "s" }, { 1e-3, 1e-3, "ms" }, { 1e-6, 1e-6, "us" }, { 1e-9, 0, "ns" },
	};
	if (isnan(s)) {
		snprintf(buf, len, "-");
		return;
	}
	size_t i = 0;
	while (s < unit[i].from && unit[i].from > 0)
		i++;
	double v = s / unit[i].size;
	snprintf(buf, len, v >= 1000 ? "%.0f %s" : "%.3g %s", v, unit[i].name);
}
