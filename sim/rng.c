/*
 * rng.c - xoshiro256++ as a gsl_rng_type, and named stream derivation.
 *
 * The step function lives in rng.h (rng_u64) so that the engine's hot path
 * inlines it; this file wraps it in the three callbacks GSL wants (set, get,
 * get_double) and derives stream states.  See rng.h for the reasoning.
 *
 * Seeding.  set(seed) runs SplitMix64 (Steele, Lea and Flood, "Fast
 * splittable pseudorandom number generators", 2014) from seed and takes its
 * first four outputs as the state words.  SplitMix64's output function is a
 * bijection of 64-bit words and its four inputs are distinct, so at most one
 * word can be zero: the forbidden all-zero state cannot occur.
 *
 * Stream keys.  rng_stream_new() hashes the byte string
 *     seed (8 bytes, little-endian) . replication (4 bytes, little-endian)
 *     . node . NUL . purpose . NUL
 * with FNV-1a and finishes with the SplitMix64 mixer.  The encoding is
 * injective (a C string cannot contain NUL), so two tuples share a key only
 * by a 64-bit hash collision; the bytes are written explicitly so that the
 * key is the same on every platform.
 *
 * Jump.  The state transition is linear over GF(2), so advancing by 2^128
 * steps is multiplication by a fixed polynomial in the transition; the four
 * words of JUMP are that polynomial, from the reference implementation.
 */
#include "sim/rng.h"

#include <assert.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull

/* splitmix_mix is SplitMix64's output function (a bijection). */
static uint64_t splitmix_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* state_seed fills st from SplitMix64 started at x. */
static void state_seed(struct rng_state *st, uint64_t x)
{
	for (int i = 0; i < 4; i++) {
		x += SPLITMIX_GAMMA;
		st->s[i] = splitmix_mix(x);
	}
}

static void xoshiro_set(void *state, unsigned long seed)
{
	state_seed(state, (uint64_t)seed);
}

/* The struct gsl_rng that GSL passes is not available here, only its state,
 * so build a stand-in to reuse the one step function in rng.h. */
static uint64_t xoshiro_next(void *state)
{
	gsl_rng g = { .type = NULL, .state = state };
	return rng_u64(&g);
}

static unsigned long xoshiro_get(void *state)
{
	return (unsigned long)(xoshiro_next(state) >> 32);
}

static double xoshiro_get_double(void *state)
{
	return (double)(xoshiro_next(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type xoshiro256pp_type = {
	.name = "xoshiro256pp",
	.max = 0xffffffffUL,
	.min = 0,
	.size = sizeof(struct rng_state),
	.set = xoshiro_set,
	.get = xoshiro_get,
	.get_double = xoshiro_get_double,
};

const gsl_rng_type *rng_xoshiro256pp = &xoshiro256pp_type;

uint64_t rng_hash64(const char *s, uint64_t h)
{
	assert(s);
	return splitmix_mix(fnv1a(FNV_OFFSET ^ h, s, strlen(s)));
}

/* rng_stream_new: see rng.h.  node and purpose must not be NULL. */
gsl_rng *rng_stream_new(uint64_t seed, uint32_t replication,
			const char *node, const char *purpose)
{
	assert(node && purpose);
	unsigned char head[12];
	for (int i = 0; i < 8; i++)
		head[i] = (unsigned char)(seed >> (8 * i));
	for (int i = 0; i < 4; i++)
		head[8 + i] = (unsigned char)(replication >> (8 * i));

	uint64_t h = fnv1a(FNV_OFFSET, head, sizeof head);
	h = fnv1a(h, node, strlen(node) + 1);       /* + 1: the NUL separates */
	h = fnv1a(h, purpose, strlen(purpose) + 1);

	gsl_rng *r = gsl_rng_alloc(rng_xoshiro256pp);
	if (!r)
		return NULL;
	state_seed(r->state, splitmix_mix(h));
	return r;
}

/* rng_jump: see rng.h. */
void rng_jump(gsl_rng *r)
{
	static const uint64_t jump[4] = {
		0x180ec6d33cfd0abaull, 0xd5a61266f0c9392cull,
		0xa9582618e03fc9aaull, 0x39abdc4529b1661cull,
	};
	struct rng_state *st = r->state;
	uint64_t acc[4] = { 0, 0, 0, 0 };

	for (int i = 0; i < 4; i++) {
		for (int b = 0; b < 64; b++) {
			if (jump[i] & (1ull << b)) {
				for (int w = 0; w < 4; w++)
					acc[w] ^= st->s[w];
			}
			rng_u64(r);
		}
	}
	memcpy(st->s, acc, sizeof acc);
}
