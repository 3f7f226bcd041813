/*
 * chetest.h - the characteristic-time (Che) approximation of a cache's
 * hit ratio under independent requests, the reference test_cache.c and
 * test_coverage.c hold the cache kind to: for LRU a key is in the cache
 * when it was asked for within the characteristic time T (occupancy
 * sum 1 - e^(-p T) = C), for FIFO and random when its last miss was
 * (occupancy sum p T / (1 + p T) = C); T is solved with GSL's Brent.
 */
#ifndef CHETEST_H
#define CHETEST_H

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_roots.h>

#include "sim/keys.h"

struct pop {
	const struct keys *k;
	uint64_t n;
	double C;
	int fifo;
};

/* occupancy(T) - C: LRU sum(1 - e^-pT); FIFO/random sum(pT / (1 + pT)) */
static inline double occ(double T, void *arg)
{
	const struct pop *p = arg;
	double s = 0;
	for (uint64_t i = 0; i < p->n; i++) {
		double q = keys_pmf(p->k, i);
		s += p->fifo ? q * T / (1 + q * T) : -expm1(-q * T);
	}
	return s - p->C;
}

/* characteristic_hit solves for the characteristic time (in requests)
 * with GSL's Brent solver and returns the hit ratio it gives. */
static inline double characteristic_hit(const struct keys *k, double C, int fifo)
{
	struct pop p = { k, k->n, C, fifo };
	gsl_function f = { occ, &p };
	double lo = 0, hi = 1;
	while (occ(hi, &p) < 0)
		hi *= 2;
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	gsl_root_fsolver_set(s, &f, lo, hi);
	double T = hi;
	for (int it = 0; it < 200; it++) {
		gsl_root_fsolver_iterate(s);
		T = gsl_root_fsolver_root(s);
		lo = gsl_root_fsolver_x_lower(s);
		hi = gsl_root_fsolver_x_upper(s);
		if (gsl_root_test_interval(lo, hi, 0, 1e-12) == GSL_SUCCESS)
			break;
	}
	gsl_root_fsolver_free(s);
	double h = 0;
	for (uint64_t i = 0; i < k->n; i++) {
		double q = keys_pmf(k, i);
		h += q * (fifo ? q * T / (1 + q * T) : -expm1(-q * T));
	}
	return h;
}

#endif
