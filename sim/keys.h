/*
 * keys.h - request keys drawn from a key-popularity distribution, for
 * caches, shards and consistent hashing.
 *
 * Keys are the integers 0 .. n-1.  Where popularity is ranked, key 0 is the
 * most popular (rank 1), key 1 the next, and so on.
 *
 *   uniform(n)            every key with probability 1/n.
 *   zipf(n, s)            key x with probability (x+1)^-s / H(n, s), where
 *                         H(n, s) = sum_{k=1..n} k^-s; s = 0 is uniform.
 *                         Exact, by rejection-inversion (see keys.c):
 *                         O(1) time and memory per draw for any n.
 *   hotset(n, fraction, share)
 *                         the hot set is keys 0 .. h-1 with
 *                         h = max(1, round(fraction n)) (halves round up);
 *                         a request is hot with probability share, and
 *                         uniform within its set, so a hot key has
 *                         probability share/h and a cold one
 *                         (1 - share)/(n - h).
 *   sequential(n)         the key of the request with issue number seq is
 *                         seq mod n; no randomness.
 *
 * A struct keys is a plain value, built once by a constructor and then only
 * read: no memory is owned and nothing needs releasing.  Copies are fine,
 * and one struct may serve many streams at once.  Constructors check their
 * parameters and return 0, or SIM_EINVAL with a message (no location; the
 * scenario loader adds file:line:col) in err; on failure *k is a uniform
 * over one key, still safe to sample.
 */
#ifndef SIM_KEYS_H
#define SIM_KEYS_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/err.h"
#include "sim/rng.h"

/* Largest n for zipf: beyond it the doubles the sampler works in no longer
 * resolve single keys in the tail well (see keys.c). */
#define KEYS_ZIPF_N_MAX UINT64_C(1000000000000)

enum keys_kind {
	KEYS_UNIFORM,
	KEYS_ZIPF,
	KEYS_HOTSET,
	KEYS_SEQUENTIAL,
};

struct keys {
	enum keys_kind kind;
	uint64_t n;             /* number of keys; keys are 0 .. n-1 */
	double s;               /* zipf: exponent, >= 0 */
	double fraction;        /* hotset: requested fraction of keys hot */
	double share;           /* hotset: probability a request is hot */

	/* Precomputed by the constructors; see keys.c. */
	uint64_t hot;           /* hotset: keys 0 .. hot-1 are hot */
	uint64_t hot_below;     /* hotset: a 64-bit output below this is hot */
	uint64_t reject[2];     /* 2^64 mod m for each uniform range m */
	double h_lo, h_hi;      /* zipf: H(3/2) - 1 and H(n + 1/2) */
	double squeeze;         /* zipf: accept at once when k - x <= this */
	double norm;            /* zipf: H(n, s) = sum_{k=1..n} k^-s */
};

/* keys_uniform: n >= 1 (any 64-bit n).  Returns 0 or SIM_EINVAL. */
int keys_uniform(struct keys *k, uint64_t n, struct sim_err *err);

/* keys_zipf: 1 <= n <= KEYS_ZIPF_N_MAX, s >= 0 and finite (s = 0 draws
 * uniformly; large s puts nearly all mass on key 0).  Returns 0 or
 * SIM_EINVAL. */
int keys_zipf(struct keys *k, uint64_t n, double s, struct sim_err *err);

/* keys_hotset: n >= 2, 0 < fraction < 1, 0 < share < 1, and the hot set
 * size max(1, round(fraction n)) must be below n so that at least one key
 * is cold.  Returns 0 or SIM_EINVAL. */
int keys_hotset(struct keys *k, uint64_t n, double fraction, double share,
		struct sim_err *err);

/* keys_sequential: n >= 1.  Returns 0 or SIM_EINVAL. */
int keys_sequential(struct keys *k, uint64_t n, struct sim_err *err);

/* keys_sample draws one key in [0, n).  r must be of type rng_xoshiro256pp
 * or rng_splitmix64 (see rng.h); it is read inline, with no call through
 * GSL, and is not touched by sequential.  seq is the request's issue number, used only by
 * sequential. */
uint64_t keys_sample(const struct keys *k, gsl_rng *r, uint64_t seq);

/* keys_permute returns key's place in a fixed pseudo-random order of the
 * key space [0, n), named by seed: a bijection of [0, n) onto itself, so
 * that a key's popularity rank says nothing of its place (a 4-round
 * Feistel network on the smallest even number of bits that holds n,
 * walked again while the result is n or more: under 4 walks on average).
 * A key of n or more is its own place.  n >= 1. */
uint64_t keys_permute(uint64_t key, uint64_t n, uint64_t seed);

/* keys_hash mixes a key into 64 well-spread bits: what hash balancing,
 * cache rings, shards and queue partitions place a key by (keys are small
 * integers, often consecutive).  Everything that places keys calls this,
 * so a key lands alike wherever it is placed. */
static inline uint64_t keys_hash(uint64_t key)
{
	return rng_mix64(key ^ 0x6b6579ull);
}

/* keys_pmf is the exact probability of key x (0 for x >= n), to double
 * rounding; for sequential it is the long-run frequency 1/n. */
double keys_pmf(const struct keys *k, uint64_t x);

#endif
