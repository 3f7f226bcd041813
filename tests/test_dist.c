/*
 * test_dist.c - every kind's sampler against its exact moments, parameter
 * checks, the empirical file reader and the kind names.
 *
 * Moments.  For each kind the test computes the raw moments E[X^j],
 * j = 1..4, from closed forms written here from the requested parameters
 * (not from the module's conversions, except for the Weibull shape, which
 * only the module's solver knows; there the test checks that the solved
 * shape gives the requested mean and cv).  With N draws:
 *   - the sample mean has standard error sigma / sqrt(N);
 *   - the unbiased sample variance s^2 has variance
 *     mu4/N - sigma^4 (N-3) / (N (N-1)), mu4 the 4th central moment;
 * and each is required to lie within 5 standard errors of the exact value
 * (two-sided probability 6e-7 each under the normal approximation, which
 * holds at N = 200000 for every kind here since all have a finite 8th
 * moment).  The seed is fixed, so a pass or fail is reproducible.
 */
#include "tests/testutil.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <unistd.h>

#include "sim/dist.h"
#include "sim/rng.h"

enum { NDRAWS = 200000 };

struct moments {
	double m[5];    /* raw moments E[X^j], m[0] = 1 */
};

static double fact(int j)
{
	double f = 1;
	for (int i = 2; i <= j; i++)
		f *= i;
	return f;
}

static struct moments mom_exponential(double mean)
{
	struct moments r = { { 1 } };
	for (int j = 1; j <= 4; j++)
		r.m[j] = fact(j) * pow(mean, j);
	return r;
}

static struct moments mom_uniform(double a, double b)
{
	struct moments r = { { 1 } };
	for (int j = 1; j <= 4; j++)
		r.m[j] = (pow(b, j + 1) - pow(a, j + 1)) / ((j + 1) * (b - a));
	return r;
}

/* Normal(mu, sd) truncated to [0, inf): m1 = mu + sd phi(mu/sd)/Phi(mu/sd),
 * then m_j = mu m_{j-1} + (j-1) sd^2 m_{j-2} (the boundary term vanishes at
 * a truncation point of 0).  Phi from erfc, independent of GSL. */
static struct moments mom_trunc_normal(double mu, double sd)
{
	struct moments r = { { 1 } };
	double a = mu / sd;
	double phi = exp(-a * a / 2) / sqrt(2 * acos(-1.0));
	double big_phi = 0.5 * erfc(-a / sqrt(2));
	r.m[1] = mu + sd * phi / big_phi;
	for (int j = 2; j <= 4; j++)
		r.m[j] = mu * r.m[j - 1] + (j - 1) * sd * sd * r.m[j - 2];
	return r;
}

/* Lognormal with mean m and cv c: E[X^j] = m^j (1 + c^2)^(j(j-1)/2). */
static struct moments mom_lognormal(double mean, double cv)
{
	struct moments r = { { 1 } };
	for (int j = 1; j <= 4; j++)
		r.m[j] = pow(mean, j) * pow(1 + cv * cv, j * (j - 1) / 2.0);
	return r;
}

/* Gamma(shape k, scale t): E[X^j] = t^j k (k+1) ... (k+j-1). */
static struct moments mom_gamma(double k, double t)
{
	struct moments r = { { 1 } };
	double prod = 1;
	for (int j = 1; j <= 4; j++) {
		prod *= (k + j - 1) * t;
		r.m[j] = prod;
	}
	return r;
}

static struct moments mom_weibull(double scale, double shape)
{
	struct moments r = { { 1 } };
	for (int j = 1; j <= 4; j++)
		r.m[j] = pow(scale, j) * tgamma(1 + j / shape);
	return r;
}

/* Two-phase hyperexponential, balanced means, p from dist.h. */
static struct moments mom_hyperexp(double mean, double cv)
{
	struct moments r = { { 1 } };
	double c2 = cv * cv;
	double p = (1 + sqrt((c2 - 1) / (c2 + 1))) / 2;
	double m1 = mean / (2 * p), m2 = mean / (2 * (1 - p));
	for (int j = 1; j <= 4; j++)
		r.m[j] = fact(j) * (p * pow(m1, j) + (1 - p) * pow(m2, j));
	return r;
}

/* Pareto(shape a, scale x): E[X^j] = a x^j / (a - j) for a > j. */
static struct moments mom_pareto(double a, double x)
{
	struct moments r = { { 1 } };
	for (int j = 1; j <= 4; j++)
		r.m[j] = a * pow(x, j) / (a - j);
	return r;
}

static struct moments mom_values(const double *v, size_t n)
{
	struct moments r = { { 1 } };
	for (int j = 1; j <= 4; j++) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += pow(v[i], j);
		r.m[j] = s / n;
	}
	return r;
}

static double rel_diff(double a, double b)
{
	return fabs(a - b) / fmax(fabs(b), 1e-300);
}

/* check_moments: d's reported mean and variance equal the exact ones (to
 * rounding, 1e-9 relative) and NDRAWS samples agree with them within
 * 5 standard errors; every sample is >= lo. */
static void check_moments(const struct dist *d, struct moments x, double lo,
			  const char *purpose)
{
	double mean = x.m[1];
	double var = x.m[2] - mean * mean;
	double mu4 = x.m[4] - 4 * x.m[3] * mean + 6 * x.m[2] * mean * mean -
		3 * mean * mean * mean * mean;
	assert_true(rel_diff(d->mean, mean) < 1e-9);
	assert_true(rel_diff(d->var, var) < 1e-9);

	gsl_rng *r = rng_stream_new(2024, 0, "test_dist", purpose);
	assert_non_null(r);
	double *xs = malloc(NDRAWS * sizeof *xs);
	assert_non_null(xs);
	double sum = 0;
	for (int i = 0; i < NDRAWS; i++) {
		xs[i] = dist_sample(d, r);
		assert_true(xs[i] >= lo && isfinite(xs[i]));
		sum += xs[i];
	}
	double smean = sum / NDRAWS, ss = 0;
	for (int i = 0; i < NDRAWS; i++)
		ss += (xs[i] - smean) * (xs[i] - smean);
	double svar = ss / (NDRAWS - 1);
	free(xs);
	gsl_rng_free(r);

	double n = NDRAWS;
	double se_mean = sqrt(var / n);
	double se_var = sqrt(mu4 / n - var * var * (n - 3) / (n * (n - 1)));
	if (fabs(smean - mean) > 5 * se_mean || fabs(svar - var) > 5 * se_var)
		fail_msg("%s: sample mean %g (want %g +- %g), sample var %g "
			 "(want %g +- %g)", purpose, smean, mean, 5 * se_mean,
			 svar, var, 5 * se_var);
}

static void test_dist_constant_is_constant(void **state)
{
	struct dist d;
	assert_int_equal(dist_constant(&d, 0.3, NULL), 0);
	assert_true(d.mean == 0.3 && d.var == 0);
	gsl_rng *r = rng_stream_new(1, 0, "test_dist", "constant");
	for (int i = 0; i < 1000; i++)
		assert_true(dist_sample(&d, r) == 0.3);
	assert_int_equal(dist_constant(&d, 0, NULL), 0);
	assert_true(dist_sample(&d, r) == 0);
	gsl_rng_free(r);
	dist_fini(&d);
}

static void test_dist_exponential_moments(void **state)
{
	struct dist d;
	assert_int_equal(dist_exponential(&d, 0.5, NULL), 0);
	check_moments(&d, mom_exponential(0.5), 0, "exponential");
}

static void test_dist_uniform_moments(void **state)
{
	struct dist d;
	assert_int_equal(dist_uniform(&d, 0.1, 0.7, NULL), 0);
	check_moments(&d, mom_uniform(0.1, 0.7), 0.1, "uniform");
	gsl_rng *r = rng_stream_new(1, 0, "test_dist", "uniform-range");
	for (int i = 0; i < 100000; i++)
		assert_true(dist_sample(&d, r) <= 0.7);
	/* min == max is allowed and is a constant. */
	assert_int_equal(dist_uniform(&d, 2, 2, NULL), 0);
	assert_true(dist_sample(&d, r) == 2 && d.var == 0);
	gsl_rng_free(r);
}

static void test_dist_normal_truncated_moments(void **state)
{
	struct dist d;
	/* Mostly untruncated, then heavily truncated (31% rejected). */
	assert_int_equal(dist_normal(&d, 1.0, 0.3, NULL), 0);
	check_moments(&d, mom_trunc_normal(1.0, 0.3), 0, "normal-narrow");
	assert_int_equal(dist_normal(&d, 0.5, 1.0, NULL), 0);
	check_moments(&d, mom_trunc_normal(0.5, 1.0), 0, "normal-wide");
	assert_true(d.mean > 0.5);  /* truncation raises the mean */
}

static void test_dist_lognormal_moments(void **state)
{
	struct dist d;
	assert_int_equal(dist_lognormal(&d, 0.2, 0.8, NULL), 0);
	check_moments(&d, mom_lognormal(0.2, 0.8), 0, "lognormal");
}

static void test_dist_gamma_moments(void **state)
{
	struct dist d;
	/* cv 0.5: shape 4, scale 0.5.  cv 2: shape 0.25 (GSL's a < 1 path). */
	assert_int_equal(dist_gamma(&d, 2.0, 0.5, NULL), 0);
	check_moments(&d, mom_gamma(4, 0.5), 0, "gamma-cv0.5");
	assert_int_equal(dist_gamma(&d, 2.0, 2.0, NULL), 0);
	check_moments(&d, mom_gamma(0.25, 8), 0, "gamma-cv2");
}

static void test_dist_weibull_solves_shape_and_moments(void **state)
{
	static const double cvs[] = { 0.01, 0.3, 1.0, 2.0, 10.0 };
	struct dist d;
	for (size_t i = 0; i < sizeof cvs / sizeof cvs[0]; i++) {
		assert_int_equal(dist_weibull(&d, 1.5, cvs[i], NULL), 0);
		/* p[0] scale, p[1] shape (see dist.c). */
		struct moments x = mom_weibull(d.p[0], d.p[1]);
		double cv = sqrt(x.m[2] - x.m[1] * x.m[1]) / x.m[1];
		assert_true(rel_diff(x.m[1], 1.5) < 1e-9);
		assert_true(rel_diff(cv, cvs[i]) < 1e-6);
	}
	/* cv 1 is the exponential: shape 1. */
	assert_int_equal(dist_weibull(&d, 1.5, 1.0, NULL), 0);
	assert_true(fabs(d.p[1] - 1) < 1e-12);

	assert_int_equal(dist_weibull(&d, 1.5, 0.5, NULL), 0);
	check_moments(&d, mom_weibull(d.p[0], d.p[1]), 0, "weibull-cv0.5");
	assert_int_equal(dist_weibull(&d, 1.5, 1.5, NULL), 0);
	check_moments(&d, mom_weibull(d.p[0], d.p[1]), 0, "weibull-cv1.5");
}

static void test_dist_hyperexp_has_requested_cv(void **state)
{
	struct dist d;
	assert_int_equal(dist_hyperexp(&d, 1.0, 3.0, NULL), 0);
	struct moments x = mom_hyperexp(1.0, 3.0);
	assert_true(rel_diff(sqrt(x.m[2] - x.m[1] * x.m[1]) / x.m[1], 3.0) <
		    1e-12);
	assert_true(rel_diff(sqrt(d.var) / d.mean, 3.0) < 1e-12);
	check_moments(&d, x, 0, "hyperexp-cv3");
	assert_int_equal(dist_hyperexp(&d, 0.1, 1.0, NULL), 0);
	check_moments(&d, mom_exponential(0.1), 0, "hyperexp-cv1");
	/* At cv 1e4, 1 - p is about 5e-9; computed as 1 - p it would carry a
	 * relative error near 1e-8.  p (1 - p) = 1/(2 (1 + cv^2)) gives the
	 * phase-2 mean mean/(2 (1 - p)) = mean p (1 + cv^2) without it. */
	assert_int_equal(dist_hyperexp(&d, 1.0, 1e4, NULL), 0);
	assert_true(rel_diff(d.p[1], 1.0 / (2 * d.p[0])) < 1e-15);
	assert_true(rel_diff(d.p[2], d.p[0] * (1 + 1e8)) < 1e-12);
}

static void test_dist_erlang_moments(void **state)
{
	struct dist d;
	assert_int_equal(dist_erlang(&d, 3, 0.9, NULL), 0);
	check_moments(&d, mom_gamma(3, 0.3), 0, "erlang-3");
	assert_int_equal(dist_erlang(&d, 1, 0.9, NULL), 0);
	check_moments(&d, mom_exponential(0.9), 0, "erlang-1");
}

static void test_dist_pareto_moments(void **state)
{
	struct dist d;
	/* shape 9: finite 8th moment, so the variance bound is sound. */
	assert_int_equal(dist_pareto(&d, 9, 0.01, NULL), 0);
	check_moments(&d, mom_pareto(9, 0.01), 0.01, "pareto-9");

	assert_int_equal(dist_pareto(&d, 1, 1, NULL), 0);
	assert_true(isinf(d.mean) && isinf(d.var));
	assert_int_equal(dist_pareto(&d, 2, 1, NULL), 0);
	assert_true(d.mean == 2 && isinf(d.var));
	assert_int_equal(dist_pareto(&d, 3, 1, NULL), 0);
	assert_true(d.mean == 1.5 && d.var == 0.75);
}

static void test_dist_empirical_moments(void **state)
{
	static const double v[] = { 0.1, 0.2, 0.2, 1.5, 0 };
	enum { NV = sizeof v / sizeof v[0] };
	struct dist d;
	assert_int_equal(dist_empirical(&d, v, NV, NULL), 0);
	assert_true(d.nsamples == NV && d.samples != v);
	check_moments(&d, mom_values(v, NV), 0, "empirical");

	/* Every draw is one of the values, each about equally often:
	 * count ~ Binomial(N, 1/5), sd sqrt(N 0.2 0.8), 5 sd allowed. */
	gsl_rng *r = rng_stream_new(1, 0, "test_dist", "empirical-index");
	int count[4] = { 0 };
	for (int i = 0; i < NDRAWS; i++) {
		double x = dist_sample(&d, r);
		int k = x == 0.1 ? 0 : x == 0.2 ? 1 : x == 1.5 ? 2 :
			x == 0 ? 3 : -1;
		assert_true(k >= 0);
		count[k]++;
	}
	double sd = sqrt(NDRAWS * 0.2 * 0.8);
	assert_true(fabs(count[0] - NDRAWS * 0.2) <= 5 * sd);
	assert_true(fabs(count[1] - NDRAWS * 0.4) <= 5 * sqrt(NDRAWS * 0.24));
	assert_true(fabs(count[2] - NDRAWS * 0.2) <= 5 * sd);
	assert_true(fabs(count[3] - NDRAWS * 0.2) <= 5 * sd);
	gsl_rng_free(r);
	dist_fini(&d);
	dist_fini(&d);
	assert_null(d.samples);
}

static void expect_einval(int rc, const struct sim_err *err,
			  const char *needle)
{
	assert_int_equal(rc, SIM_EINVAL);
	assert_int_equal(err->code, SIM_EINVAL);
	if (!strstr(err->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

static void test_dist_constructors_reject_bad_parameters(void **state)
{
	struct dist d;
	struct sim_err e;
	const double nan = NAN, inf = INFINITY;

	expect_einval(dist_constant(&d, -1, &e), &e,
		      "value must be >= 0 and finite for constant (got -1)");
	expect_einval(dist_constant(&d, inf, &e), &e, "value must be >= 0");
	expect_einval(dist_constant(&d, nan, &e), &e, "value must be >= 0");

	expect_einval(dist_exponential(&d, 0, &e), &e,
		      "mean must be > 0 and finite for exponential (got 0)");
	expect_einval(dist_exponential(&d, -2, &e), &e, "mean must be > 0");
	expect_einval(dist_exponential(&d, inf, &e), &e, "mean must be > 0");
	expect_einval(dist_exponential(&d, nan, &e), &e, "mean must be > 0");

	expect_einval(dist_uniform(&d, -0.1, 1, &e), &e,
		      "min must be >= 0 and finite for uniform (got -0.1)");
	expect_einval(dist_uniform(&d, 2, 1, &e), &e,
		      "max must be >= min and finite for uniform");
	expect_einval(dist_uniform(&d, 0, inf, &e), &e, "max must be >= min");
	expect_einval(dist_uniform(&d, nan, 1, &e), &e, "min must be >= 0");

	expect_einval(dist_normal(&d, 0, 1, &e), &e,
		      "mean must be > 0 and finite for normal (got 0)");
	expect_einval(dist_normal(&d, 1, 0, &e), &e, "use constant");
	expect_einval(dist_normal(&d, 1, -1, &e), &e,
		      "sd must be > 0 and finite for normal (got -1)");

	expect_einval(dist_lognormal(&d, 0, 1, &e), &e,
		      "mean must be > 0 and finite for lognormal");
	expect_einval(dist_lognormal(&d, 1, 0, &e), &e, "use constant");
	expect_einval(dist_lognormal(&d, 1, -1, &e), &e,
		      "cv must be > 0 and finite for lognormal (got -1)");
	expect_einval(dist_lognormal(&d, 1, inf, &e), &e, "cv must be > 0");

	expect_einval(dist_gamma(&d, -1, 1, &e), &e,
		      "mean must be > 0 and finite for gamma");
	expect_einval(dist_gamma(&d, 1, 0, &e), &e, "use constant");
	expect_einval(dist_gamma(&d, 1, nan, &e), &e, "cv must be > 0");

	expect_einval(dist_weibull(&d, 0, 1, &e), &e,
		      "mean must be > 0 and finite for weibull");
	expect_einval(dist_weibull(&d, 1, 0, &e), &e, "use constant");
	expect_einval(dist_weibull(&d, 1, 0.005, &e), &e,
		      "cv must be in [0.01, 10] for weibull (got 0.005)");
	expect_einval(dist_weibull(&d, 1, 11, &e), &e, "cv must be in");

	expect_einval(dist_hyperexp(&d, 1, 0.5, &e), &e,
		      "cv must be >= 1 and finite for hyperexponential "
		      "(got 0.5)");
	expect_einval(dist_hyperexp(&d, 1, inf, &e), &e, "cv must be >= 1");
	expect_einval(dist_hyperexp(&d, 0, 2, &e), &e,
		      "mean must be > 0 and finite for hyperexponential");

	expect_einval(dist_erlang(&d, 0, 1, &e), &e,
		      "k must be >= 1 for erlang (got 0)");
	expect_einval(dist_erlang(&d, 2, 0, &e), &e,
		      "mean must be > 0 and finite for erlang");

	expect_einval(dist_pareto(&d, 0, 1, &e), &e,
		      "shape must be > 0 and finite for pareto (got 0)");
	expect_einval(dist_pareto(&d, 1, -1, &e), &e,
		      "scale must be > 0 and finite for pareto (got -1)");

	double bad[] = { 0.1, -0.2 };
	expect_einval(dist_empirical(&d, bad, 2, &e), &e,
		      "sample 2 must be >= 0 and finite for empirical");
	expect_einval(dist_empirical(&d, bad, 0, &e), &e, "at least one");
	bad[1] = nan;
	expect_einval(dist_empirical(&d, bad, 2, &e), &e, "sample 2");

	/* A failed constructor leaves nothing to free, and a NULL err is
	 * allowed. */
	assert_null(d.samples);
	assert_int_equal(dist_exponential(&d, -1, NULL), SIM_EINVAL);
	dist_fini(&d);
}

static void test_dist_sample_ns_rounds_to_nearest(void **state)
{
	static const struct {
		double s;
		int64_t ns;
	} t[] = {
		{ 0, 0 }, { 1.4e-9, 1 }, { 1.6e-9, 2 }, { 0.4e-9, 0 },
		{ 2.0, 2000000000 }, { 1.2345678e-3, 1234568 },
		{ 1.2345674e-3, 1234567 }, { 1e10, INT64_MAX / 4 },
		{ 2.4e9, INT64_MAX / 4 },
	};
	struct dist d;
	gsl_rng *r = rng_stream_new(1, 0, "test_dist", "ns");
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_int_equal(dist_constant(&d, t[i].s, NULL), 0);
		assert_int_equal(dist_sample_ns(&d, r), t[i].ns);
	}
	/* Pareto with shape 0.01: a draw exceeds 2^61 ns with probability
	 * 1 - (2.3e18)^-0.01 = 0.35, and overflows to infinity with
	 * probability 1e-3; both saturate. */
	assert_int_equal(dist_pareto(&d, 0.01, 1, NULL), 0);
	int saturated = 0;
	for (int i = 0; i < 1000; i++) {
		int64_t ns = dist_sample_ns(&d, r);
		assert_true(ns >= 1000000000 && ns <= INT64_MAX / 4);
		saturated += ns == INT64_MAX / 4;
	}
	assert_true(saturated > 0);
	gsl_rng_free(r);
}

/* write_temp writes text to a fresh temporary file; path must hold
 * at least 32 bytes. */
static void write_temp(char *path, const char *text)
{
	strcpy(path, "/tmp/test_dist_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_true(write(fd, text, len) == (ssize_t)len);
	close(fd);
}

static void test_dist_empirical_file_reads_samples(void **state)
{
	char path[32];
	struct dist d;
	struct sim_err e;
	write_temp(path, "latency_s,host\n0.5,a\n1.5\n\n  2.5 , b\r\n3.5");
	assert_int_equal(dist_empirical_file(&d, path, &e), 0);
	assert_int_equal(d.nsamples, 4);
	assert_true(d.samples[0] == 0.5 && d.samples[3] == 3.5);
	assert_true(d.mean == 2.0 && d.var == 1.25);
	dist_fini(&d);
	unlink(path);

	/* Without a header the first line is a sample. */
	write_temp(path, "0.25\n0.75\n");
	assert_int_equal(dist_empirical_file(&d, path, &e), 0);
	assert_int_equal(d.nsamples, 2);
	assert_true(d.mean == 0.5);
	dist_fini(&d);
	unlink(path);
}

static void test_dist_empirical_file_errors_name_file_and_line(void **state)
{
	char path[32], want[128];
	struct dist d;
	struct sim_err e;

	write_temp(path, "seconds\n0.1\n0.2\nabc,1\n");
	assert_int_equal(dist_empirical_file(&d, path, &e), SIM_EINVAL);
	snprintf(want, sizeof want, "%s:4:1: bad sample 'abc'", path);
	if (strncmp(e.msg, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want prefix \"%s\"", e.msg, want);
	assert_null(d.samples);
	unlink(path);

	write_temp(path, "0.1\n-0.2\n");
	assert_int_equal(dist_empirical_file(&d, path, &e), SIM_EINVAL);
	snprintf(want, sizeof want, "%s:2:1: bad sample '-0.2'", path);
	assert_true(strncmp(e.msg, want, strlen(want)) == 0);
	unlink(path);

	write_temp(path, "0.1\n0.2x\n");
	assert_int_equal(dist_empirical_file(&d, path, &e), SIM_EINVAL);
	snprintf(want, sizeof want, "%s:2:1:", path);
	assert_true(strncmp(e.msg, want, strlen(want)) == 0);
	unlink(path);

	write_temp(path, "0.1\ninf\n");
	assert_int_equal(dist_empirical_file(&d, path, &e), SIM_EINVAL);
	snprintf(want, sizeof want, "%s:2:1:", path);
	assert_true(strncmp(e.msg, want, strlen(want)) == 0);
	unlink(path);

	write_temp(path, "seconds\n\n");
	assert_int_equal(dist_empirical_file(&d, path, &e), SIM_EINVAL);
	snprintf(want, sizeof want, "%s: no samples", path);
	assert_string_equal(e.msg, want);
	unlink(path);

	assert_int_equal(dist_empirical_file(&d, "/nonexistent/x.csv", &e),
			 SIM_EIO);
	assert_string_equal(e.msg, "/nonexistent/x.csv: cannot open: "
			    "No such file or directory");
	dist_fini(&d);
}

/* dist_tail3 against draws: over 2 million, the draws at or above x3
 * carry half of the sum of cubes, and their share is the chance given,
 * each within 5 of its standard errors (the cube share's from batches of
 * the draws).  Kinds with a finite sixth moment, so that the cube share's
 * error is itself estimable; a Pareto of shape 3 or less has none. */
static void tail3_against_draws(const struct dist *d, const char *what)
{
	enum { N = 2000000, B = 40 };
	double x3, p = dist_tail3(d, &x3);
	gsl_rng *r = rng_stream_new(3, 0, "test_dist", what);
	double above[B] = { 0 }, all[B] = { 0 };
	size_t n_above = 0;
	for (int i = 0; i < N; i++) {
		double v = dist_sample(d, r), c = v * v * v;
		all[i % B] += c;
		if (v >= x3)
			above[i % B] += c, n_above++;
	}
	gsl_rng_free(r);
	double sa = 0, st = 0, sh[B], m = 0, ss = 0;
	for (int b = 0; b < B; b++)
		sa += above[b], st += all[b];
	for (int b = 0; b < B; b++)
		sh[b] = above[b] / all[b], m += sh[b] / B;
	for (int b = 0; b < B; b++)
		ss += (sh[b] - m) * (sh[b] - m);
	double se_share = sqrt(ss / (B - 1) / B), share = sa / st;
	double f = (double)n_above / N, se_p = sqrt(p * (1 - p) / N);
	print_message("    %s: x3 %.4g, chance %.5f (drawn %.5f), cube share above %.4f +- %.4f\n",
		      what, x3, p, f, share, se_share);
	assert_true(fabs(share - 0.5) <= 5 * se_share + 1e-9);
	assert_true(fabs(f - p) <= 5 * se_p + 1e-12);
}

static void test_dist_tail3_against_draws(void **state)
{
	(void)state;
	struct dist d;
	assert_int_equal(dist_exponential(&d, 0.5, NULL), 0);
	tail3_against_draws(&d, "exponential");
	assert_int_equal(dist_gamma(&d, 1, 0.5, NULL), 0);
	tail3_against_draws(&d, "gamma cv 0.5");
	assert_int_equal(dist_erlang(&d, 3, 1, NULL), 0);
	tail3_against_draws(&d, "erlang 3");
	assert_int_equal(dist_uniform(&d, 1, 3, NULL), 0);
	tail3_against_draws(&d, "uniform 1..3");
	assert_int_equal(dist_normal(&d, 1, 0.6, NULL), 0);
	tail3_against_draws(&d, "normal");
	assert_int_equal(dist_lognormal(&d, 1, 0.5, NULL), 0);
	tail3_against_draws(&d, "lognormal cv 0.5");
	assert_int_equal(dist_weibull(&d, 1, 0.7, NULL), 0);
	tail3_against_draws(&d, "weibull cv 0.7");
	assert_int_equal(dist_hyperexp(&d, 1, 1.5, NULL), 0);
	tail3_against_draws(&d, "hyperexponential cv 1.5");
	assert_int_equal(dist_pareto(&d, 9, 0.1, NULL), 0);
	tail3_against_draws(&d, "pareto 9");
	/* values, by hand: the cubes total 6.12, of which the largest
	 * value's, 3.375, is over half: x3 = 1.5, 1 of 7 values.  Of 1, 1,
	 * 1 and 0.5 (cubes 3.125), two 1s reach half: x3 = 1, and the
	 * values at or above it are all three 1s */
	static const double v[] = { 0.1, 0.2, 0.2, 1.5, 0, 1, 1.2 };
	assert_int_equal(dist_empirical(&d, v, 7, NULL), 0);
	double x3, p = dist_tail3(&d, &x3);
	assert_true(x3 == 1.5 && fabs(p - 1.0 / 7) < 1e-15);
	dist_fini(&d);
	static const double z[] = { 0, 0 };
	assert_int_equal(dist_empirical(&d, z, 2, NULL), 0);
	assert_true(dist_tail3(&d, &x3) == 1 && x3 == 0);
	dist_fini(&d);
	static const double v4[] = { 1, 0.5, 1, 1 };
	assert_int_equal(dist_empirical(&d, v4, 4, NULL), 0);
	p = dist_tail3(&d, &x3);
	assert_true(x3 == 1 && p == 0.75);
	dist_fini(&d);
	/* a lognormal's by its closed form: x3 = exp(mu + 3 sigma^2) */
	assert_int_equal(dist_lognormal(&d, 1, 3, NULL), 0);
	p = dist_tail3(&d, &x3);
	double s2 = log(10);
	assert_true(fabs(x3 - exp(-s2 / 2 + 3 * s2)) < 1e-9 * x3);
	assert_true(fabs(p - gsl_cdf_ugaussian_Q(3 * sqrt(s2))) < 1e-15);
	assert_int_equal(dist_constant(&d, 0.3, NULL), 0);
	assert_true(dist_tail3(&d, &x3) == 1 && x3 == 0.3);
	assert_int_equal(dist_pareto(&d, 3, 1, NULL), 0);
	assert_true(isnan(dist_tail3(&d, &x3)));
}

static void test_dist_kind_names_round_trip(void **state)
{
	static const char *const want[] = {
		"constant", "exponential", "uniform", "normal", "lognormal",
		"gamma", "weibull", "hyperexponential", "erlang", "pareto",
		"empirical",
	};
	enum { NK = sizeof want / sizeof want[0] };
	assert_int_equal(NK, DIST_EMPIRICAL + 1);
	for (int k = 0; k < NK; k++) {
		enum dist_kind kind;
		assert_int_equal(dist_kind_parse(want[k], &kind), 0);
		assert_int_equal(kind, k);
		assert_string_equal(dist_kind_name(kind), want[k]);
	}
	enum dist_kind kind;
	assert_int_equal(dist_kind_parse("Exponential", &kind), -1);
	assert_int_equal(dist_kind_parse("", &kind), -1);
	assert_int_equal(dist_kind_parse("hyperexp", &kind), -1);
	assert_non_null(dist_kind_name((enum dist_kind)99));

	/* the forms are in enum order, each with a constructor, and every
	 * required key is a key of its form */
	for (int k = 0; k < NK; k++) {
		const struct dist_form *f = &dist_forms[k];
		assert_int_equal(f->kind, k);
		assert_non_null(f->make);
		assert_non_null(f->doc);
		for (int a = 0; f->args[a].key; a++)
			assert_non_null(f->args[a].doc);
		for (int j = 0; j < 2; j++)
			assert_true(f->one_of[j] < 0 || f->args[f->one_of[j]].key != NULL);
	}
	assert_null(dist_forms[NK].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dist_constant_is_constant),
		cmocka_unit_test(test_dist_exponential_moments),
		cmocka_unit_test(test_dist_uniform_moments),
		cmocka_unit_test(test_dist_normal_truncated_moments),
		cmocka_unit_test(test_dist_lognormal_moments),
		cmocka_unit_test(test_dist_gamma_moments),
		cmocka_unit_test(test_dist_weibull_solves_shape_and_moments),
		cmocka_unit_test(test_dist_hyperexp_has_requested_cv),
		cmocka_unit_test(test_dist_erlang_moments),
		cmocka_unit_test(test_dist_pareto_moments),
		cmocka_unit_test(test_dist_empirical_moments),
		cmocka_unit_test(test_dist_constructors_reject_bad_parameters),
		cmocka_unit_test(test_dist_sample_ns_rounds_to_nearest),
		cmocka_unit_test(test_dist_empirical_file_reads_samples),
		cmocka_unit_test(
			test_dist_empirical_file_errors_name_file_and_line),
		cmocka_unit_test(test_dist_kind_names_round_trip),
		cmocka_unit_test(test_dist_tail3_against_draws),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
