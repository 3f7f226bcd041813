/*
 * rng.h - random streams: xoshiro256++ under GSL's gsl_rng interface.
 *
 * (Essay to be completed by the implementation: why xoshiro256++ (speed,
 * 2^256 period, jump function), how it is registered as a gsl_rng_type so
 * every gsl_ran_* distribution draws from it, how a stream's 256-bit state is
 * derived from (scenario seed, replication, node name, purpose) with
 * SplitMix64 over a 64-bit hash, and why: one stream per (node, purpose)
 * gives common random numbers, so changing one node's parameters leaves every
 * other node's samples unchanged.)
 *
 * The inline draws below read the generator state directly, so the hot path
 * (exponential inter-arrival and service times) makes no call through GSL;
 * they consume the same stream as gsl_rng_get() on the same gsl_rng.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* The generator type, usable with gsl_rng_alloc(); gsl_rng_get() returns
 * the upper 32 bits of each 64-bit output (GSL's max is 2^32 - 1). */
extern const gsl_rng_type *rng_xoshiro256pp;

struct rng_state {
	uint64_t s[4];
};

/* rng_stream_new allocates a generator whose state is derived from
 * (seed, replication, node, purpose).  Distinct tuples give independent
 * streams; the same tuple always gives the same stream.  NULL on ENOMEM.
 * Free with gsl_rng_free(). */
gsl_rng *rng_stream_new(uint64_t seed, uint32_t replication,
			const char *node, const char *purpose);

/* rng_hash64 is the 64-bit string hash used for stream derivation (FNV-1a
 * followed by a SplitMix64 finaliser); exposed for tests and for any module
 * that needs a stable hash of a name. */
uint64_t rng_hash64(const char *s, uint64_t h);

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* rng_u64 returns the next 64-bit output of r, which must be of type
 * rng_xoshiro256pp. */
static inline uint64_t rng_u64(gsl_rng *r)
{
	struct rng_state *st = (struct rng_state *)r->state;
	uint64_t *s = st->s;
	uint64_t result = rng_rotl(s[0] + s[3], 23) + s[0];
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* rng_uniform_pos returns a double uniform on (0, 1), never 0 or 1:
 * the top 53 bits, offset by half a step. */
static inline double rng_uniform_pos(gsl_rng *r)
{
	return ((double)(rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* rng_exponential returns an exponential variate with the given mean, by
 * inversion (exact up to floating-point rounding). */
static inline double rng_exponential(gsl_rng *r, double mean)
{
	return -mean * log(rng_uniform_pos(r));
}

#endif
