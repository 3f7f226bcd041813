/*
 * dist.h - probability distributions for times (service, think, arrival
 * gaps), given by their natural parameters and sampled in seconds.
 *
 * A distribution is built once from the parameters a scenario gives and
 * sampled many times, so each constructor turns them into the sampler's own
 * parameters up front and stores the exact mean and variance of what
 * dist_sample() will draw (the loader and the analytic checks read them).
 *
 *   constant(value)       value; variance 0.
 *   exponential(mean)     inversion, inline (rng.h); variance mean^2.
 *   uniform(min, max)     gsl_ran_flat; (min+max)/2, (max-min)^2/12.
 *   normal(mean, sd)      gsl_ran_gaussian_ziggurat, negative draws
 *                         rejected (at most half of them, as mean > 0);
 *                         mean and variance of the normal truncated at 0.
 *   lognormal(mean, cv)   sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2,
 *                         gsl_ran_lognormal; variance (cv mean)^2.
 *   gamma(mean, cv)       shape 1/cv^2, scale mean cv^2, gsl_ran_gamma.
 *   weibull(mean, cv)     shape k solved from
 *                         cv^2 = G(1+2/k)/G(1+1/k)^2 - 1 by bisection,
 *                         scale mean/G(1+1/k), gsl_ran_weibull.
 *   hyperexponential(mean, cv)  two exponential phases with balanced means
 *                         (each phase contributes mean/2), chosen inline;
 *                         variance (cv mean)^2.
 *   erlang(k, mean)       gsl_ran_gamma with integer shape k, scale mean/k;
 *                         variance mean^2/k.
 *   pareto(shape, scale)  gsl_ran_pareto; mean shape scale/(shape-1), or
 *                         INFINITY if shape <= 1; variance INFINITY if
 *                         shape <= 2.
 *   empirical(values)     a uniformly chosen copy of one value; the mean and
 *                         population variance of the values.
 *
 * Constructors check their parameters and return 0, or SIM_EINVAL with a
 * message (no location; the scenario loader adds file:line:col) in err.
 * A struct dist is a value; only an empirical one owns memory, released by
 * dist_fini (safe on every kind, and twice).
 */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/err.h"

enum dist_kind {
	DIST_CONSTANT,
	DIST_EXPONENTIAL,
	DIST_UNIFORM,
	DIST_NORMAL,       /* truncated at 0 by rejection */
	DIST_LOGNORMAL,
	DIST_GAMMA,
	DIST_WEIBULL,
	DIST_HYPEREXP,     /* two phases, balanced means */
	DIST_ERLANG,
	DIST_PARETO,
	DIST_EMPIRICAL,
};

struct dist {
	enum dist_kind kind;
	double p[4];          /* kind-specific parameters, precomputed */
	double mean;          /* exact mean of what dist_sample draws, s */
	double var;           /* exact variance, s^2; INFINITY if infinite */
	double *samples;      /* empirical: owned copy of the samples, s */
	size_t nsamples;
};

/* Each constructor returns 0 or SIM_EINVAL (with a message in err).  Times
 * are seconds; cv is the coefficient of variation (sd / mean). */
int dist_constant(struct dist *d, double value, struct sim_err *err);
int dist_exponential(struct dist *d, double mean, struct sim_err *err);
int dist_uniform(struct dist *d, double min, double max, struct sim_err *err);
/* normal(mean, sd) truncated at 0: d->mean/var are the truncated moments. */
int dist_normal(struct dist *d, double mean, double sd, struct sim_err *err);
int dist_lognormal(struct dist *d, double mean, double cv, struct sim_err *err);
int dist_gamma(struct dist *d, double mean, double cv, struct sim_err *err);
/* weibull: the shape is solved from cv numerically (cv in [0.01, 10]). */
int dist_weibull(struct dist *d, double mean, double cv, struct sim_err *err);
/* hyperexponential: cv >= 1; p = (1 + sqrt((cv^2-1)/(cv^2+1)))/2,
 * rates 2p/mean and 2(1-p)/mean. */
int dist_hyperexp(struct dist *d, double mean, double cv, struct sim_err *err);
/* erlang: k >= 1 phases, total mean `mean`. */
int dist_erlang(struct dist *d, unsigned k, double mean, struct sim_err *err);
/* pareto: shape alpha > 0, scale x_m > 0 (the minimum). */
int dist_pareto(struct dist *d, double shape, double scale,
		struct sim_err *err);
/* empirical: samples drawn uniformly from a copy of values[0..n). n >= 1,
 * every value finite and >= 0. */
int dist_empirical(struct dist *d, const double *values, size_t n,
		   struct sim_err *err);
/* dist_empirical_file reads samples (seconds, first field of each line,
 * comma separated; a first line that is not a number is a header) from a
 * file.  Errors name the file and line. */
int dist_empirical_file(struct dist *d, const char *path, struct sim_err *err);

void dist_fini(struct dist *d);

/* dist_tail_shape returns the tail index of d: the Pareto shape alpha,
 * for which the moments of order alpha and above are infinite, or
 * INFINITY for the kinds whose moments are all finite. */
double dist_tail_shape(const struct dist *d);

/* dist_tail3 returns the chance that a draw of d lies at or above x3,
 * the median of d's third-moment mass (the x with half of E[S^3] from
 * draws above it), and sets *x3 (may be NULL).  The waiting time's spread
 * in a queue is set by E[S^3] (Pollaczek-Khinchine), so a run whose
 * replications see few draws above x3 has a mean latency whose spread
 * the replications cannot show (steady.h, 5.).  Closed forms per kind
 * (the third-moment mass of a gamma is a gamma of shape + 3, of a
 * lognormal a lognormal of mu + 3 sigma^2, of a Pareto a Pareto of shape
 * - 3, of a Weibull a gamma in (x / scale)^k, of the truncated normal its
 * partial moments); empirical values exactly, x3 the value at which the
 * cubes summed from the largest first reach half.  NaN when E[S^3] is infinite
 * (Pareto with shape <= 3). */
double dist_tail3(const struct dist *d, double *x3);

/* ---- how a scenario writes a distribution --------------------------------
 *
 * `{dist: NAME, KEY: VALUE, ...}`: each kind is one form, declared here
 * with its keys, once.  The checker (check_dist in check.h) and the
 * reference (`archsim help distributions`) read this table. */

enum dist_arg_type {
	DIST_ARG_TIME,     /* a duration, in seconds */
	DIST_ARG_NUMBER,   /* a plain number in [min, max] */
	DIST_ARG_COUNT,    /* an integer in [min, max] */
	DIST_ARG_RATE,     /* a rate, per second */
	DIST_ARG_FILE,     /* a file name, relative to the scenario's */
};

#define DIST_MAX_ARGS 3

struct dist_arg {
	const char *key;
	enum dist_arg_type type;
	double min, max;              /* NUMBER, COUNT */
	int required;
	const char *doc;
};

/* The checked values of a form's keys, by index in its args. */
struct dist_args {
	double v[DIST_MAX_ARGS];
	int given[DIST_MAX_ARGS];
	const char *file;             /* FILE: the path, resolved */
};

struct dist_form {
	enum dist_kind kind;
	const char *name;             /* the value of `dist:` */
	const char *doc;
	struct dist_arg args[DIST_MAX_ARGS + 1];   /* ended by a NULL key */
	int one_of[2];                /* two args of which exactly one must be
				       * given; {-1, -1}: none */
	/* make builds d from the checked values: 0, or SIM_EINVAL with the
	 * message in err and *at the arg it is about (-1: the mapping). */
	int (*make)(struct dist *d, const struct dist_args *a, int *at,
		    struct sim_err *err);
};

/* The forms, in enum dist_kind order, ended by a NULL name. */
extern const struct dist_form dist_forms[];

/* dist_kind_parse maps a YAML name ("exponential", ...) to a kind: 0 or -1. */
int dist_kind_parse(const char *name, enum dist_kind *kind);
/* dist_kind_name is the inverse; never NULL. */
const char *dist_kind_name(enum dist_kind kind);

/* dist_sample draws one value, seconds, >= 0.  r must be of type
 * rng_xoshiro256pp (see rng.h). */
double dist_sample(const struct dist *d, gsl_rng *r);

/* dist_sample_ns draws one value in integer nanoseconds, rounded to the
 * nearest, saturating at INT64_MAX / 4 (far beyond any run's horizon). */
int64_t dist_sample_ns(const struct dist *d, gsl_rng *r);

#endif
