/*
 * stats.h - time-weighted averages and confidence intervals.
 *
 * A time-weighted average (queue length, busy workers) integrates a step
 * function of simulated time: each change adds value x elapsed time to an
 * area, and the mean is the area over the time observed.  It is O(1) per
 * change and needs no memory beyond three numbers.
 *
 * Across replications every reported quantity is a sample of independent
 * estimates; its 95 % confidence half-width is t(0.975, n-1) s / sqrt(n)
 * with Student's t quantile from GSL (gsl_cdf_tdist_Pinv) and the sample
 * standard deviation from gsl_stats_sd.
 *
 * And how an estimate of a time is written for people (stats_fmt_seconds).
 */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stddef.h>
#include <stdint.h>

struct twa {
	/* what every change touches first: a record that keeps its hot
	 * fields together (struct replica) holds 24 bytes of each average
	 * in its hot lines, not 32 */
	int64_t last_ns;    /* when value last changed */
	double value;       /* current value of the step function */
	double area;        /* integral of value from start_ns to last_ns */
	int64_t start_ns;   /* when observation began */
};

/* twa_init starts observing at now with the given value. */
static inline void twa_init(struct twa *t, int64_t now, double value)
{
	t->start_ns = t->last_ns = now;
	t->value = value;
	t->area = 0;
}

/* twa_set records that the value changed to v at now (now >= last change). */
static inline void twa_set(struct twa *t, int64_t now, double v)
{
	t->area += t->value * (double)(now - t->last_ns);
	t->last_ns = now;
	t->value = v;
}

/* twa_touch brings the area up to now without changing the value: the
 * state twa_add(t, now, -1) then twa_add(t, now, +1) leave (the second
 * adds value x 0 to the area, which leaves it as it is, and a whole
 * value comes back exactly), in one step. */
static inline void twa_touch(struct twa *t, int64_t now)
{
	twa_set(t, now, t->value);
}

/* twa_add changes the value by dv at now. */
static inline void twa_add(struct twa *t, int64_t now, double dv)
{
	twa_set(t, now, t->value + dv);
}

/* twa_restart forgets the past: observation starts again at now. */
static inline void twa_restart(struct twa *t, int64_t now)
{
	twa_init(t, now, t->value);
}

/* twa_mean is the average from start to now (the current value when no
 * time has passed). */
static inline double twa_mean(const struct twa *t, int64_t now)
{
	if (now <= t->start_ns)
		return t->value;
	double area = t->area + t->value * (double)(now - t->last_ns);
	return area / (double)(now - t->start_ns);
}

/* twa_integral is the area under the step function from start to now:
 * the difference of two readings is the area between them, so a window's
 * mean needs no second accumulator. */
static inline double twa_integral(const struct twa *t, int64_t now)
{
	return t->area + t->value * (double)(now - t->last_ns);
}

/* stats_ci95 sets *mean to the sample mean of x[0..n) and *half to the
 * 95 % Student-t confidence half-width; *half is NaN when n < 2.  NaN
 * samples are skipped (n counts the rest). */
void stats_ci95(const double *x, size_t n, double *mean, double *half);

/* stats_t_quantile returns Student's t quantile P for df degrees of
 * freedom (GSL). */
double stats_t_quantile(double p, double df);

/* stats_fmt_seconds writes s seconds in the unit that reads best, from
 * "12.3 ns" to "46.3 days" and years, with three significant digits
 * ("1873 s", not "1.87e+03 s"); "-" for NaN. */
void stats_fmt_seconds(char *buf, size_t len, double s);

#endif
