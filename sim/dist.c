/*
 * dist.c - distributions for times; see dist.h for the list of kinds and
 * the conversions from (mean, cv) to each sampler's parameters.
 *
 * Parameters stored in struct dist's p[] (seconds unless noted):
 *
 *   constant      p[0] value
 *   exponential   p[0] mean
 *   uniform       p[0] min, p[1] max
 *   normal        p[0] mean, p[1] sd (of the untruncated normal)
 *   lognormal     p[0] mu, p[1] sigma (of the underlying normal, unitless)
 *   gamma         p[0] shape, p[1] scale
 *   weibull       p[0] scale, p[1] shape
 *   hyperexp      p[0] probability of phase 1, p[1] phase-1 mean,
 *                 p[2] phase-2 mean
 *   erlang        p[0] k, p[1] phase mean (mean / k)
 *   pareto        p[0] shape, p[1] scale
 *   empirical     samples[0 .. nsamples)
 *
 * Truncated normal.  With a = mean/sd, Z = Phi(a) the kept fraction and
 * lambda = phi(a)/Z, the normal truncated to [0, inf) has mean
 * mean + sd lambda and variance sd^2 (1 - a lambda - lambda^2) (Johnson,
 * Kotz and Balakrishnan, Continuous Univariate Distributions, vol. 1,
 * ch. 13).  As mean > 0 is required, Z >= 1/2 and rejection needs fewer
 * than two draws on average.
 *
 * Weibull.  cv^2(k) = G(1 + 2/k)/G(1 + 1/k)^2 - 1 falls strictly as the
 * shape k grows; cv 10 needs k near 0.23 and cv 0.01 near 128, so the
 * bracket [0.1, 1000] holds every allowed cv.  Bisection on log k to a
 * relative width of 1e-15 solves it in about 55 steps; cv^2 is computed as
 * expm1 of a difference of gsl_sf_lngamma values, which keeps its relative
 * accuracy near 1e-14 even at cv 0.01 where the ratio is 1 + 1e-4.  The
 * stored variance is that of the solved k, so it is exact for the sampler.
 *
 * Hyperexponential.  With balanced means each phase i has mean
 * mean/(2 p_i); then E[X] = mean and E[X^2] = mean^2/(2 p (1-p)).  The
 * header's p makes p (1-p) = 1/(2 (1 + cv^2)), so E[X^2] = mean^2 (1+cv^2)
 * and the cv is exactly cv.  With s = sqrt((cv^2-1)/(cv^2+1)), 1 - p is
 * computed as (1 - s^2)/(2 (1 + s)) = 1/((cv^2 + 1)(1 + s)), which stays
 * accurate when cv is large and p is near 1.
 *
 * On failure a constructor leaves *d as a zero constant (no memory owned),
 * so dist_fini is always safe.  A constructor overwrites *d without
 * releasing what it held: call dist_fini first on an empirical one.
 */
#include "sim/dist.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "sim/rng.h"

#define NKINDS (DIST_EMPIRICAL + 1)

/* dist_kind_parse: see dist.h.  Names are matched exactly. */
int dist_kind_parse(const char *name, enum dist_kind *kind)
{
	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(name, dist_forms[i].name) == 0) {
			*kind = dist_forms[i].kind;
			return 0;
		}
	}
	return -1;
}

/* dist_kind_name: see dist.h; "unknown" for a value outside the enum. */
const char *dist_kind_name(enum dist_kind kind)
{
	if ((size_t)kind >= NKINDS)
		return "unknown";
	return dist_forms[kind].name;
}

static void dist_zero(struct dist *d)
{
	*d = (struct dist){ .kind = DIST_CONSTANT };
}

/* check_pos accepts finite v > 0; the message names the parameter. */
static int check_pos(struct sim_err *err, enum dist_kind kind,
		     const char *what, double v)
{
	if (v > 0 && isfinite(v))
		return 0;
	return sim_errf(err, SIM_EINVAL, "%s must be > 0 and finite for %s "
			"(got %g)", what, dist_kind_name(kind), v);
}

/* check_cv accepts finite cv > 0 and points a zero cv at constant. */
static int check_cv(struct sim_err *err, enum dist_kind kind, double cv)
{
	if (cv == 0)
		return sim_errf(err, SIM_EINVAL, "cv must be > 0 for %s "
				"(got 0; for a time that does not vary use "
				"constant)", dist_kind_name(kind));
	return check_pos(err, kind, "cv", cv);
}

int dist_constant(struct dist *d, double value, struct sim_err *err)
{
	dist_zero(d);
	if (!(value >= 0 && isfinite(value)))
		return sim_errf(err, SIM_EINVAL, "value must be >= 0 and "
				"finite for constant (got %g)", value);
	d->p[0] = value;
	d->mean = value;
	d->var = 0;
	return 0;
}

int dist_exponential(struct dist *d, double mean, struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_EXPONENTIAL, "mean", mean))
		return SIM_EINVAL;
	d->kind = DIST_EXPONENTIAL;
	d->p[0] = mean;
	d->mean = mean;
	d->var = mean * mean;
	return 0;
}

int dist_uniform(struct dist *d, double min, double max, struct sim_err *err)
{
	dist_zero(d);
	if (!(min >= 0 && isfinite(min)))
		return sim_errf(err, SIM_EINVAL, "min must be >= 0 and finite "
				"for uniform (got %g)", min);
	if (!(max >= min && isfinite(max)))
		return sim_errf(err, SIM_EINVAL, "max must be >= min and "
				"finite for uniform (got min %g, max %g)",
				min, max);
	d->kind = DIST_UNIFORM;
	d->p[0] = min;
	d->p[1] = max;
	d->mean = min + (max - min) / 2;
	d->var = (max - min) * (max - min) / 12;
	return 0;
}

int dist_normal(struct dist *d, double mean, double sd, struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_NORMAL, "mean", mean))
		return SIM_EINVAL;
	if (sd == 0)
		return sim_errf(err, SIM_EINVAL, "sd must be > 0 for normal "
				"(got 0; for a time that does not vary use "
				"constant)");
	if (check_pos(err, DIST_NORMAL, "sd", sd))
		return SIM_EINVAL;

	double a = mean / sd;
	double lambda = gsl_ran_ugaussian_pdf(a) / gsl_cdf_ugaussian_P(a);
	d->kind = DIST_NORMAL;
	d->p[0] = mean;
	d->p[1] = sd;
	d->mean = mean + sd * lambda;
	d->var = sd * sd * (1 - a * lambda - lambda * lambda);
	return 0;
}

int dist_lognormal(struct dist *d, double mean, double cv, struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_LOGNORMAL, "mean", mean) ||
	    check_cv(err, DIST_LOGNORMAL, cv))
		return SIM_EINVAL;
	double s2 = log1p(cv * cv);
	d->kind = DIST_LOGNORMAL;
	d->p[0] = log(mean) - s2 / 2;
	d->p[1] = sqrt(s2);
	d->mean = mean;
	d->var = (cv * mean) * (cv * mean);
	return 0;
}

int dist_gamma(struct dist *d, double mean, double cv, struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_GAMMA, "mean", mean) ||
	    check_cv(err, DIST_GAMMA, cv))
		return SIM_EINVAL;
	d->kind = DIST_GAMMA;
	d->p[0] = 1 / (cv * cv);
	d->p[1] = mean * cv * cv;
	d->mean = mean;
	d->var = (cv * mean) * (cv * mean);
	return 0;
}

/* weibull_cv2 is the squared cv of a Weibull with shape k. */
static double weibull_cv2(double k)
{
	return expm1(gsl_sf_lngamma(1 + 2 / k) - 2 * gsl_sf_lngamma(1 + 1 / k));
}

int dist_weibull(struct dist *d, double mean, double cv, struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_WEIBULL, "mean", mean) ||
	    check_cv(err, DIST_WEIBULL, cv))
		return SIM_EINVAL;
	if (!(cv >= 0.01 && cv <= 10))
		return sim_errf(err, SIM_EINVAL, "cv must be in [0.01, 10] for "
				"weibull (got %g)", cv);

	double target = cv * cv, lo = 0.1, hi = 1000;
	while (hi - lo > 1e-15 * lo) {
		double mid = sqrt(lo * hi);
		if (mid <= lo || mid >= hi)
			break;
		if (weibull_cv2(mid) > target)
			lo = mid;       /* cv too large: shape must grow */
		else
			hi = mid;
	}
	double k = sqrt(lo * hi);
	d->kind = DIST_WEIBULL;
	d->p[0] = mean / exp(gsl_sf_lngamma(1 + 1 / k));
	d->p[1] = k;
	d->mean = mean;
	d->var = mean * mean * weibull_cv2(k);
	return 0;
}

int dist_hyperexp(struct dist *d, double mean, double cv, struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_HYPEREXP, "mean", mean))
		return SIM_EINVAL;
	if (!(cv >= 1 && isfinite(cv)))
		return sim_errf(err, SIM_EINVAL, "cv must be >= 1 and finite "
				"for hyperexponential (got %g)", cv);
	double c2 = cv * cv;
	double s = sqrt((c2 - 1) / (c2 + 1));
	double p = (1 + s) / 2;
	double q = 1 / ((c2 + 1) * (1 + s));    /* 1 - p, no cancellation */
	d->kind = DIST_HYPEREXP;
	d->p[0] = p;
	d->p[1] = mean / (2 * p);
	d->p[2] = mean / (2 * q);
	d->mean = mean;
	d->var = (cv * mean) * (cv * mean);
	return 0;
}

int dist_erlang(struct dist *d, unsigned k, double mean, struct sim_err *err)
{
	dist_zero(d);
	if (k < 1)
		return sim_errf(err, SIM_EINVAL, "k must be >= 1 for erlang "
				"(got %u)", k);
	if (check_pos(err, DIST_ERLANG, "mean", mean))
		return SIM_EINVAL;
	d->kind = DIST_ERLANG;
	d->p[0] = k;
	d->p[1] = mean / k;
	d->mean = mean;
	d->var = mean * mean / k;
	return 0;
}

double dist_tail_shape(const struct dist *d)
{
	return d->kind == DIST_PARETO ? d->p[0] : INFINITY;
}

/* gamma_tail3: shape a, scale t: the mass of s^3 f is a gamma of shape
 * a + 3 */
static double gamma_tail3(double a, double t, double *x3)
{
	*x3 = gsl_cdf_gamma_Pinv(0.5, a + 3, t);
	return gsl_cdf_gamma_Q(*x3, a, t);
}

/* normal_cube_above is the integral of s^3 phi((s - mu) / sd) / sd over
 * s > x: with s = mu + sd z, the sum over k of C(3, k) mu^(3-k) sd^k
 * times the normal's partial moments above a = (x - mu) / sd, Q(a),
 * phi(a), a phi(a) + Q(a), (a^2 + 2) phi(a). */
static double normal_cube_above(double mu, double sd, double x)
{
	double a = (x - mu) / sd, f = gsl_ran_ugaussian_pdf(a), q = gsl_cdf_ugaussian_Q(a);
	double m[4] = { q, f, a * f + q, (a * a + 2) * f };
	return mu * mu * mu * m[0] + 3 * mu * mu * sd * m[1] + 3 * mu * sd * sd * m[2] +
	       sd * sd * sd * m[3];
}

/* cmp_double orders doubles for qsort. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double dist_tail3(const struct dist *d, double *x3)
{
	double x = 0, p = 1;
	switch (d->kind) {
	case DIST_CONSTANT:
		x = d->p[0];
		break;
	case DIST_EXPONENTIAL:
		p = gamma_tail3(1, d->p[0], &x);
		break;
	case DIST_GAMMA:
	case DIST_ERLANG:
		p = gamma_tail3(d->p[0], d->p[1], &x);
		break;
	case DIST_UNIFORM: {
		double a = d->p[0], b = d->p[1];
		/* s^3 on [a, b]: half of b^4 - a^4 */
		x = pow((pow(a, 4) + pow(b, 4)) / 2, 0.25);
		p = b > a ? (b - x) / (b - a) : 1;
		break;
	}
	case DIST_LOGNORMAL:
		x = exp(d->p[0] + 3 * d->p[1] * d->p[1]);
		p = gsl_cdf_ugaussian_Q(3 * d->p[1]);
		break;
	case DIST_WEIBULL: {
		/* u = (s / scale)^k: s^3 f(s) ds is a gamma(1 + 3/k) in u */
		double k = d->p[1];
		double u = gsl_cdf_gamma_Pinv(0.5, 1 + 3 / k, 1);
		x = d->p[0] * pow(u, 1 / k);
		p = exp(-u);
		break;
	}
	case DIST_HYPEREXP: {
		/* phases of means m1, m2 with chances q, 1 - q: the s^3 mass
		 * is gamma(4, m_i) in proportion q_i m_i^3; its median by
		 * bisection */
		double q[2] = { d->p[0], 1 - d->p[0] }, m[2] = { d->p[1], d->p[2] };
		double w0 = q[0] * pow(m[0], 3), w1 = q[1] * pow(m[1], 3);
		double lo = 0, hi = 100 * (m[0] > m[1] ? m[0] : m[1]);
		for (int it = 0; it < 200; it++) {
			x = (lo + hi) / 2;
			double c = (w0 * gsl_cdf_gamma_P(x, 4, m[0]) + w1 * gsl_cdf_gamma_P(x, 4, m[1])) /
				   (w0 + w1);
			if (c < 0.5)
				lo = x;
			else
				hi = x;
		}
		p = q[0] * exp(-x / m[0]) + q[1] * exp(-x / m[1]);
		break;
	}
	case DIST_PARETO: {
		double a = d->p[0];
		if (a <= 3) {
			if (x3)
				*x3 = INFINITY;
			return NAN;
		}
		/* the s^3 mass is a Pareto of shape a - 3 */
		x = d->p[1] * pow(2, 1 / (a - 3));
		p = pow(2, -a / (a - 3));
		break;
	}
	case DIST_NORMAL: {
		/* truncated at 0: the s^3 mass above x in closed form
		 * (normal_cube_above), its half found by bisection */
		double mu = d->p[0], sd = d->p[1];
		double half = normal_cube_above(mu, sd, 0) / 2, lo = 0, hi = mu + 40 * sd;
		for (int it = 0; it < 200; it++) {
			x = (lo + hi) / 2;
			if (normal_cube_above(mu, sd, x) > half)
				lo = x;
			else
				hi = x;
		}
		p = gsl_cdf_ugaussian_Q((x - mu) / sd) / gsl_cdf_ugaussian_Q(-mu / sd);
		break;
	}
	case DIST_EMPIRICAL: {
		size_t n = d->nsamples;
		double *v = malloc((n ? n : 1) * sizeof *v);
		if (!v || !n) {
			free(v);
			if (x3)
				*x3 = NAN;
			return NAN;
		}
		memcpy(v, d->samples, n * sizeof *v);
		qsort(v, n, sizeof *v, cmp_double);
		double m3 = 0, acc = 0;
		for (size_t i = 0; i < n; i++)
			m3 += v[i] * v[i] * v[i];
		if (!(m3 > 0)) {
			/* every value 0: as a constant */
			free(v);
			x = 0;
			break;
		}
		size_t i = n;
		while (i > 0 && acc < m3 / 2) {
			i--;
			acc += v[i] * v[i] * v[i];
		}
		x = v[i];
		size_t at = i;
		while (at > 0 && v[at - 1] == x)
			at--;
		p = (double)(n - at) / (double)n;
		free(v);
		break;
	}
	}
	if (x3)
		*x3 = x;
	return p;
}

int dist_pareto(struct dist *d, double shape, double scale,
		struct sim_err *err)
{
	dist_zero(d);
	if (check_pos(err, DIST_PARETO, "shape", shape) ||
	    check_pos(err, DIST_PARETO, "scale", scale))
		return SIM_EINVAL;
	d->kind = DIST_PARETO;
	d->p[0] = shape;
	d->p[1] = scale;
	d->mean = shape > 1 ? shape * scale / (shape - 1) : INFINITY;
	d->var = shape > 2 ? scale * scale * shape /
		((shape - 1) * (shape - 1) * (shape - 2)) : INFINITY;
	return 0;
}

/* empirical_take makes d an empirical distribution owning values[0..n),
 * which are already checked. */
static void empirical_take(struct dist *d, double *values, size_t n)
{
	long double sum = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		sum += values[i];
	long double mean = sum / n;
	for (size_t i = 0; i < n; i++)
		ss += (values[i] - mean) * (values[i] - mean);
	dist_zero(d);
	d->kind = DIST_EMPIRICAL;
	d->samples = values;
	d->nsamples = n;
	d->mean = (double)mean;
	d->var = (double)(ss / n);
}

/* dist_empirical: see dist.h.  Also SIM_ENOMEM if the copy fails. */
int dist_empirical(struct dist *d, const double *values, size_t n,
		   struct sim_err *err)
{
	dist_zero(d);
	if (n < 1)
		return sim_errf(err, SIM_EINVAL, "empirical needs at least one "
				"sample (got 0)");
	for (size_t i = 0; i < n; i++) {
		if (!(values[i] >= 0 && isfinite(values[i])))
			return sim_errf(err, SIM_EINVAL, "sample %zu must be "
					">= 0 and finite for empirical "
					"(got %g)", i + 1, values[i]);
	}
	double *copy = malloc(n * sizeof *copy);
	if (!copy)
		return sim_errf(err, SIM_ENOMEM, "empirical: out of memory "
				"for %zu samples", n);
	memcpy(copy, values, n * sizeof *copy);
	empirical_take(d, copy, n);
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* dist_empirical_file: see dist.h.  Blank lines are skipped.  Returns
 * SIM_EINVAL for a bad line ("FILE:LINE:1: ...") or a file without samples,
 * SIM_EIO if the file cannot be opened or read ("FILE: cannot open: ..."),
 * SIM_ENOMEM if memory runs out. */
/* Largest samples file read: 512 MiB is some 40 million samples. */
#define DIST_EMPIRICAL_MAX_BYTES (512 << 20)

int dist_empirical_file(struct dist *d, const char *path, struct sim_err *err)
{
	dist_zero(d);
	/* only a regular file of bounded size: a device or a pipe named here
	 * (/dev/zero, say) would never end */
	struct stat st;
	if (stat(path, &st) != 0)
		return sim_errf(err, SIM_EIO, "%s: cannot open: %s", path,
				strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sim_errf(err, SIM_EINVAL, "%s: not a regular file", path);
	if (st.st_size > DIST_EMPIRICAL_MAX_BYTES)
		return sim_errf(err, SIM_EINVAL, "%s: larger than %d MiB", path,
				DIST_EMPIRICAL_MAX_BYTES >> 20);
	FILE *f = fopen(path, "r");
	if (!f)
		return sim_errf(err, SIM_EIO, "%s: cannot open: %s", path,
				strerror(errno));

	char *line = NULL;
	size_t linecap = 0, n = 0, cap = 0;
	double *vals = NULL;
	int rc = 0, lineno = 0;

	while (getline(&line, &linecap, f) != -1) {
		lineno++;
		char *p = line;
		while (*p && is_blank(*p))
			p++;
		if (*p == '\0')
			continue;

		char *end;
		errno = 0;
		double v = strtod(p, &end);
		char *q = end;
		while (*q && is_blank(*q))
			q++;
		int parsed = end != p && (*q == ',' || *q == '\0');
		if (!parsed && lineno == 1)
			continue;       /* a header */
		if (!parsed || !(v >= 0 && isfinite(v))) {
			size_t len = strcspn(p, ",\r\n");
			while (len > 0 && is_blank(p[len - 1]))
				len--;
			rc = sim_err_at(err, SIM_EINVAL, path, lineno, 1,
					"bad sample '%.*s': expected a time in "
					"seconds, a finite number >= 0",
					(int)(len > 60 ? 60 : len), p);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 256;
			double *nv = realloc(vals, ncap * sizeof *nv);
			if (!nv) {
				rc = sim_errf(err, SIM_ENOMEM, "%s: out of "
					      "memory after %zu samples",
					      path, n);
				goto out;
			}
			vals = nv;
			cap = ncap;
		}
		vals[n++] = v;
	}
	if (ferror(f)) {
		rc = sim_errf(err, SIM_EIO, "%s: read error: %s", path,
			      strerror(errno));
		goto out;
	}
	if (n == 0) {
		rc = sim_errf(err, SIM_EINVAL, "%s: no samples", path);
		goto out;
	}
	empirical_take(d, vals, n);
	vals = NULL;
out:
	free(vals);
	free(line);
	fclose(f);
	return rc;
}

void dist_fini(struct dist *d)
{
	free(d->samples);
	d->samples = NULL;
	d->nsamples = 0;
}

/* uniform_index returns an unbiased index in [0, n): outputs below
 * 2^64 mod n are rejected so that every residue is equally likely. */
static size_t uniform_index(gsl_rng *r, size_t n)
{
	uint64_t reject_below = -(uint64_t)n % n;
	uint64_t x;
	do
		x = rng_u64(r);
	while (x < reject_below);
	return (size_t)(x % n);
}

/* dist_sample: see dist.h. */
double dist_sample(const struct dist *d, gsl_rng *r)
{
	switch (d->kind) {
	case DIST_CONSTANT:
		return d->p[0];
	case DIST_EXPONENTIAL:
		return rng_exponential(r, d->p[0]);
	case DIST_UNIFORM:
		return gsl_ran_flat(r, d->p[0], d->p[1]);
	case DIST_NORMAL: {
		double x;
		do
			x = d->p[0] + gsl_ran_gaussian_ziggurat(r, d->p[1]);
		while (x < 0);
		return x;
	}
	case DIST_LOGNORMAL:
		return gsl_ran_lognormal(r, d->p[0], d->p[1]);
	case DIST_GAMMA:
		return gsl_ran_gamma(r, d->p[0], d->p[1]);
	case DIST_WEIBULL:
		return gsl_ran_weibull(r, d->p[0], d->p[1]);
	case DIST_HYPEREXP:
		if (rng_uniform_pos(r) < d->p[0])
			return rng_exponential(r, d->p[1]);
		return rng_exponential(r, d->p[2]);
	case DIST_ERLANG:
		return gsl_ran_gamma(r, d->p[0], d->p[1]);
	case DIST_PARETO:
		return gsl_ran_pareto(r, d->p[0], d->p[1]);
	case DIST_EMPIRICAL:
		return d->samples[uniform_index(r, d->nsamples)];
	}
	assert(!"dist_sample: bad kind");
	return 0;
}

/* dist_sample_ns: see dist.h.  Halves round away from zero. */
int64_t dist_sample_ns(const struct dist *d, gsl_rng *r)
{
	const int64_t limit = INT64_MAX / 4;
	double ns = dist_sample(d, r) * 1e9;
	/* (double)limit rounds up to 2^61; the negated test also catches an
	 * infinite draw (a Pareto with a tiny shape). */
	if (!(ns < (double)limit))
		return limit;
	return (int64_t)llround(ns);
}

/* ---- the forms a scenario writes ---------------------------------------- */

/* one_given returns the value of whichever of args i and j was given. */
static double one_given(const struct dist_args *a, int i, int j)
{
	return a->given[i] ? a->v[i] : a->v[j];
}

static int make_constant(struct dist *d, const struct dist_args *a, int *at,
			 struct sim_err *err)
{
	return dist_constant(d, one_given(a, 0, 1), err);
}

static int make_exponential(struct dist *d, const struct dist_args *a, int *at,
			    struct sim_err *err)
{
	double mean = a->given[0] ? a->v[0] : 1.0 / a->v[1];
	if (!(mean > 0)) {
		*at = a->given[0] ? 0 : 1;
		return sim_errf(err, SIM_EINVAL, "the mean must be greater than 0");
	}
	return dist_exponential(d, mean, err);
}

static int make_uniform(struct dist *d, const struct dist_args *a, int *at,
			struct sim_err *err)
{
	return dist_uniform(d, a->v[0], a->v[1], err);
}

static int make_normal(struct dist *d, const struct dist_args *a, int *at,
		       struct sim_err *err)
{
	return dist_normal(d, a->v[0], a->v[1], err);
}

static int make_lognormal(struct dist *d, const struct dist_args *a, int *at,
			  struct sim_err *err)
{
	return dist_lognormal(d, a->v[0], a->v[1], err);
}

static int make_gamma(struct dist *d, const struct dist_args *a, int *at,
		      struct sim_err *err)
{
	return dist_gamma(d, a->v[0], a->v[1], err);
}

static int make_weibull(struct dist *d, const struct dist_args *a, int *at,
			struct sim_err *err)
{
	return dist_weibull(d, a->v[0], a->v[1], err);
}

static int make_hyperexp(struct dist *d, const struct dist_args *a, int *at,
			 struct sim_err *err)
{
	return dist_hyperexp(d, a->v[0], a->v[1], err);
}

static int make_erlang(struct dist *d, const struct dist_args *a, int *at,
		       struct sim_err *err)
{
	return dist_erlang(d, (unsigned)a->v[0], a->v[1], err);
}

static int make_pareto(struct dist *d, const struct dist_args *a, int *at,
		       struct sim_err *err)
{
	double shape = a->v[0], scale = a->v[1];
	if (!a->given[1]) {
		if (shape <= 1) {
			*at = 2;
			return sim_errf(err, SIM_EINVAL,
					"a Pareto distribution with shape <= 1 has no finite mean; give 'scale' instead");
		}
		scale = a->v[2] * (shape - 1) / shape;
	}
	return dist_pareto(d, shape, scale, err);
}

static int make_empirical(struct dist *d, const struct dist_args *a, int *at,
			  struct sim_err *err)
{
	*at = 0;
	return dist_empirical_file(d, a->file, err);
}

#define TIME(k, req, text) { k, DIST_ARG_TIME, 0, 0, req, text }
#define MEAN TIME("mean", 1, "the mean")
#define CV { "cv", DIST_ARG_NUMBER, 0, 1e3, 1, "the coefficient of variation, sd / mean" }

const struct dist_form dist_forms[] = {
	{ DIST_CONSTANT, "constant", "always the same time; a bare duration (`10ms`) says the same",
	  { TIME("value", 0, "the time"), TIME("mean", 0, "the same, as a mean") }, { 1, 0 },
	  make_constant },
	{ DIST_EXPONENTIAL, "exponential", "memoryless: a Poisson process's gaps, an M/M/1's service",
	  { TIME("mean", 0, "the mean"),
	    { "rate", DIST_ARG_RATE, 0, 0, 0, "or the rate, 1 / mean" } }, { 0, 1 },
	  make_exponential },
	{ DIST_UNIFORM, "uniform", "equally likely anywhere in [min, max]",
	  { TIME("min", 1, "the least"), TIME("max", 1, "the most") }, { -1, -1 }, make_uniform },
	{ DIST_NORMAL, "normal", "a normal distribution truncated at 0 (negative draws are drawn again)",
	  { MEAN, TIME("sd", 1, "the standard deviation, before truncation") }, { -1, -1 },
	  make_normal },
	{ DIST_LOGNORMAL, "lognormal", "the usual shape of service times: skewed, with a long right tail",
	  { MEAN, CV }, { -1, -1 }, make_lognormal },
	{ DIST_GAMMA, "gamma", "shape 1 / cv^2: from exponential (cv 1) toward constant (cv near 0)",
	  { MEAN, CV }, { -1, -1 }, make_gamma },
	{ DIST_WEIBULL, "weibull", "its shape solved from cv (0.01 to 10)", { MEAN, CV }, { -1, -1 },
	  make_weibull },
	{ DIST_HYPEREXP, "hyperexponential", "two exponential phases with balanced means: more variable than exponential (cv >= 1)",
	  { MEAN, CV }, { -1, -1 }, make_hyperexp },
	{ DIST_ERLANG, "erlang", "the sum of k exponential phases: less variable than exponential (cv = 1 / sqrt(k))",
	  { { "k", DIST_ARG_COUNT, 1, 1e6, 1, "the phases" }, MEAN }, { -1, -1 }, make_erlang },
	{ DIST_PARETO, "pareto", "a power-law tail: its mean is infinite for shape <= 1, its variance for shape <= 2",
	  { { "shape", DIST_ARG_NUMBER, 1e-6, 1e6, 1, "the tail index alpha" },
	    TIME("scale", 0, "the least value, x_m"),
	    TIME("mean", 0, "or the mean, for shape > 1") }, { 1, 2 }, make_pareto },
	{ DIST_EMPIRICAL, "empirical", "a uniformly chosen copy of one of the samples in a file",
	  { { "file", DIST_ARG_FILE, 0, 0, 1, "a CSV of samples in seconds, the first field of each line; a first line that is not a number is a header" } },
	  { -1, -1 }, make_empirical },
	{ 0, NULL, NULL, { { NULL, 0, 0, 0, 0, NULL } }, { -1, -1 }, NULL },
};
