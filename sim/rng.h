/*
 * rng.h - random streams: xoshiro256++ under GSL's gsl_rng interface.
 *
 * A node's streams come from xoshiro256++ (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2021): 256 bits
 * of state, period 2^256 - 1, four shifts, rotates and xors per 64-bit
 * output (about 1 ns), no failures in BigCrush or PractRand, and a jump
 * function that advances the state by 2^128 steps in 256 steps of work.
 *
 * A request's own draws come from a counter-based SplitMix64 (below),
 * so that they depend on the request and not on the order of events.
 *
 * The generator is registered as a gsl_rng_type, so a gsl_rng of this type
 * feeds every gsl_ran_* distribution unchanged.  GSL's interface is 32-bit:
 * gsl_rng_get() returns the upper 32 bits of each output (the upper bits are
 * the best-mixed ones) and gsl_rng_uniform() uses 53 of them.
 *
 * A stream is named, not numbered.  rng_stream_new() feeds (scenario seed,
 * replication, node name, purpose) through FNV-1a as one byte string, the
 * two names each ended by their NUL so that ("ab", "c") and ("a", "bc")
 * differ, and finishes with the SplitMix64 mixer to get a 64-bit key.
 * SplitMix64 run from that key fills the four state words, as the authors
 * of xoshiro recommend; it never yields an all-zero state.  One stream per
 * (node, purpose) gives common random numbers: changing one node's
 * parameters, or adding a node, leaves every other node's samples exactly as
 * they were, so two variants of a scenario differ by their real effect and
 * not by reshuffled noise.  Distinct keys give states far apart in a cycle
 * of length 2^256; overlap between the streams of one run is negligible.
 *
 * The inline draws below read the generator state directly, so the hot path
 * (exponential inter-arrival and service times) makes no call through GSL;
 * they consume the same stream as gsl_rng_get() on the same gsl_rng.
 * Exponential variates use the ziggurat method rather than inversion: the
 * logarithm that inversion needs cost as much as all the rest of an event.
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

/* A counter-based generator: SplitMix64 (Steele, Lea and Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014) used the way
 * Salmon et al. use Philox ("Parallel random numbers: as easy as 1, 2,
 * 3", SC 2011): output i of the stream named by key is
 * mix64(key + (i + 1) * gamma), a pure function of (key, i).  Naming a
 * stream costs nothing but storing its key, which is what a request's own
 * draws need: each draw site (a request's demand at its third hop, say)
 * names its key and gets numbers that do not depend on anything else the
 * run drew.  SplitMix64 passes BigCrush; a stream is good for 2^64
 * outputs, far more than a draw site uses. */
extern const gsl_rng_type *rng_splitmix64;

struct rng_cb_state {
	uint64_t key, ctr;
};

/* rng_stream_new allocates a generator whose state is derived from
 * (seed, replication, node, purpose).  Distinct tuples give independent
 * streams; the same tuple always gives the same stream.  NULL on ENOMEM.
 * Free with gsl_rng_free(). */
gsl_rng *rng_stream_new(uint64_t seed, uint32_t replication,
			const char *node, const char *purpose);

/* rng_hash64 is the 64-bit string hash used for stream derivation (FNV-1a
 * followed by a SplitMix64 finaliser); exposed for tests and for any module
 * that needs a stable hash of a name.  FNV-1a starts from its offset basis
 * xor h, so h = 0 is standard FNV-1a and a previous hash may be chained in
 * as h.  The terminating NUL is not hashed. */
uint64_t rng_hash64(const char *s, uint64_t h);

/* rng_mix64 is SplitMix64's finaliser: a bijection of 64-bit words whose
 * every output bit depends on every input bit.  rng_key(a, b) combines two
 * words into a key that differs whenever either does (up to 64-bit
 * collisions); chained, it names a draw site by a tuple of numbers. */
static inline uint64_t rng_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* SplitMix64's increment: 2^64 over the golden ratio, odd. */
#define RNG_GAMMA 0x9e3779b97f4a7c15ull

static inline uint64_t rng_key(uint64_t a, uint64_t b)
{
	return rng_mix64(a ^ rng_mix64(b + RNG_GAMMA));
}

/* rng_cb_output is output i (from 0) of the counter-based stream named by
 * key (rng_splitmix64). */
static inline uint64_t rng_cb_output(uint64_t key, uint64_t i)
{
	return rng_mix64(key + (i + 1) * RNG_GAMMA);
}

/* rng_jump advances r, which must be of type rng_xoshiro256pp, by 2^128
 * outputs, as if rng_u64() had been called 2^128 times.  Copies of one
 * stream jumped 0, 1, 2, ... times do not overlap for 2^128 outputs. */
void rng_jump(gsl_rng *r);

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* rng_xoshiro_next steps a xoshiro256++ state. */
static inline uint64_t rng_xoshiro_next(struct rng_state *st)
{
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

/* rng_u64 returns the next 64-bit output of r, which must be of type
 * rng_xoshiro256pp or rng_splitmix64 (a predictable branch). */
static inline uint64_t rng_u64(gsl_rng *r)
{
	if (r->type == rng_splitmix64) {
		struct rng_cb_state *c = (struct rng_cb_state *)r->state;
		return rng_cb_output(c->key, c->ctr++);
	}
	return rng_xoshiro_next((struct rng_state *)r->state);
}

/* rng_seed_key resets r, of type rng_splitmix64, to the start of the
 * stream named by key. */
static inline void rng_seed_key(gsl_rng *r, uint64_t key)
{
	struct rng_cb_state *c = (struct rng_cb_state *)r->state;
	c->key = key;
	c->ctr = 0;
}

/* rng_uniform_pos returns a double uniform on (0, 1), never 0 or 1:
 * the top 52 bits, offset by half a step, so the result lies in
 * [2^-53, 1 - 2^-53].  (With 53 bits, k + 0.5 is not representable for
 * k >= 2^52 and rounds to even, so the top value would round up to 1.0.) */
static inline double rng_uniform_pos(gsl_rng *r)
{
	return ((double)(rng_u64(r) >> 12) + 0.5) * 0x1.0p-52;
}

/* Ziggurat tables for the exponential (see rng.c). */
extern const uint64_t rng_zig_ke[256];
extern const double rng_zig_we[256];
extern const double rng_zig_fe[256];

/* rng_exp1_slow finishes a ziggurat draw that missed the fast path in
 * strip i at position j. */
double rng_exp1_slow(gsl_rng *r, unsigned i, uint64_t j);

/* rng_exp1_from finishes a ziggurat draw from its first 64-bit output u. */
static inline double rng_exp1_from(gsl_rng *r, uint64_t u)
{
	unsigned i = (unsigned)(u & 255);
	uint64_t j = u >> 11;
	if (j < rng_zig_ke[i])
		return (double)j * rng_zig_we[i];
	return rng_exp1_slow(r, i, j);
}

/* rng_xoshiro_exp1 is rng_exp1 for a generator known to be of type
 * rng_xoshiro256pp (a node's own stream): no test of the type. */
static inline double rng_xoshiro_exp1(gsl_rng *r)
{
	return rng_exp1_from(r, rng_xoshiro_next((struct rng_state *)r->state));
}

/* rng_exp1 returns an exponential variate of mean 1 by the ziggurat method:
 * one 64-bit output, a table lookup and a multiplication in 98.9 % of
 * draws, and no logarithm (see rng.c).  Exact in distribution. */
static inline double rng_exp1(gsl_rng *r)
{
	return rng_exp1_from(r, rng_u64(r));
}

/* rng_key_exp1 is rng_exp1 on the counter-based stream named by key,
 * reset first, as rng_seed_key(scratch, key) then rng_exp1(scratch): the
 * same number, but the common case (98.9 %) is one mix of the key and a
 * table lookup, with no generator state written.  scratch must be of type
 * rng_splitmix64; it is used, and left mid-stream, only on the slow path. */
static inline double rng_key_exp1(gsl_rng *scratch, uint64_t key)
{
	uint64_t u = rng_cb_output(key, 0);
	unsigned i = (unsigned)(u & 255);
	uint64_t j = u >> 11;
	if (j < rng_zig_ke[i])
		return (double)j * rng_zig_we[i];
	struct rng_cb_state *c = (struct rng_cb_state *)scratch->state;
	c->key = key;
	c->ctr = 1;      /* output 1 is u, taken above */
	return rng_exp1_slow(scratch, i, j);
}

/* rng_exponential returns an exponential variate with the given mean. */
static inline double rng_exponential(gsl_rng *r, double mean)
{
	return mean * rng_exp1(r);
}

#endif
