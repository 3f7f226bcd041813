/*
 * keys.c - key-popularity samplers; see keys.h for the kinds.
 *
 * Uniform integers.  A key uniform on [0, m) comes from Lemire's
 * multiply-shift with rejection (D. Lemire, "Fast random integer generation
 * in an interval", ACM TOMACS 29(1), 2019): take a 64-bit output x, form the
 * 128-bit product x m = hi 2^64 + lo, reject while lo < t = 2^64 mod m, and
 * return hi.  It is exactly uniform: for each j, the products with hi = j
 * and lo >= t are the multiples of m in [j 2^64 + t, (j+1) 2^64), a
 * half-open interval of length 2^64 - t, which is a multiple of m, so each
 * j is hit by exactly floor(2^64 / m) outputs.  No division on the draw (t
 * is precomputed per range); a draw is rejected with probability
 * t / 2^64 < m / 2^64, so below 1e-7 for m <= 10^12 and below 1/2 for any
 * 64-bit m.
 *
 * Zipf by rejection-inversion (W. Hormann and G. Derflinger,
 * "Rejection-inversion to generate variates from monotone discrete
 * distributions", ACM TOMACS 6(3), 1996, algorithm ZRI), in the form that
 * covers every s > 0 (the paper's needs s > 1), with ranks k = 1 .. n and
 * key k - 1.  The hat is the continuous h(x) = x^-s, with integral
 *
 *     H(x) = (x^(1-s) - 1) / (1 - s)        (log x when s = 1)
 *          = log(x) g((1-s) log x),   g(y) = expm1(y) / y,
 *     H^-1(u) = exp(u l((1-s) u)),    l(y) = log1p(y) / y,
 *
 * one formula for all s that stays accurate as s crosses 1, since g and l
 * are smooth at 0 (both switch to four terms of their Taylor series for
 * |y| <= 1e-8, where the truncation error is below 1e-33).  A draw:
 *
 *   1. u uniform on (H(3/2) - 1, H(n + 1/2));
 *   2. x = H^-1(u), k = x rounded to the nearest integer, kept in [1, n];
 *   3. return k if u >= H(k + 1/2) - h(k), else go back to 1.
 *
 * It is exact.  For k >= 2 the u that give k are those in
 * (H(k - 1/2), H(k + 1/2)); h is convex, so the integral of h over
 * [k - 1/2, k + 1/2] is at least h(k), and the accepted part
 * [H(k + 1/2) - h(k), H(k + 1/2)) lies inside and has length exactly h(k).
 * The u that give k = 1 fill (H(3/2) - 1, H(3/2)), of length h(1) = 1, all
 * accepted.  So rank k is returned with probability proportional to k^-s.
 * A squeeze skips step 3's H and h in most draws: k - x <= c with
 * c = 2 - H^-1(H(5/2) - h(2)) implies acceptance, because
 * x - H^-1(H(x + 1/2) - h(x)) does not decrease for h(x) = x^-s (the
 * paper's Theorem 2, whose conditions hold for every s > 0).  A draw takes
 * (1 + H(n + 1/2) - H(3/2)) / H(n, s) uniforms on average, the hat's area
 * over the pmf's: at most 1.017 for every n and s (the worst is near
 * s = 3), with no table, so O(1) time and memory for any n.  s = 0 is
 * drawn as a uniform integer instead.
 *
 * Precision.  u lies on a grid of 2^52 steps across its range, and the
 * ends of each key's accepted interval are computed to a few units in the
 * last place of H there, so each key's probability is off by at most a few
 * grid steps, a few times 2^-52 in absolute terms.  Counting the accepted
 * grid points key by key (by bisection) shows at most 4 steps at
 * n = 10^12 and typically under 1 at n = 10^9.  For s <= 1 the least
 * popular key has probability near (1 - s)/n (1/(n ln n) at s = 1), so its
 * relative error is below 5e-6 at n = 10^9 and some 5e-3 at n = 10^12,
 * KEYS_ZIPF_N_MAX, the cap that keeps it there.  No run could notice: a
 * cell of probability p off by d takes about max(1/p, p/d^2) >= 1/d draws
 * to tell apart, some 10^15 here.  Rounding x to an integer is exact far
 * beyond the cap.
 *
 * The normaliser H(n, s) = sum_{k=1..n} k^-s, needed only by keys_pmf, is
 * summed directly for n <= 64; otherwise ranks 1 .. 31 directly and ranks
 * 32 .. n by the Euler-Maclaurin formula
 *
 *     sum_{k=a..b} f(k) = integral_a^b f + (f(a) + f(b))/2
 *         + sum_{j=1..5} B_2j/(2j)! (f^(2j-1)(b) - f^(2j-1)(a)) + R,
 *
 * with f(x) = x^-s, f^(m)(x) = (-1)^m s (s+1) ... (s+m-1) x^(-s-m), and
 * the integral a^(1-s) L g((1-s) L), L = log(b/a).  With a = 32 the
 * remainder is at most the first omitted term, below 1e-19 of the sum for
 * every s >= 0, so the sum is exact to double rounding in O(1) time.
 *
 * Hot set.  A 64-bit output below hot_below = share 2^64 picks the hot set,
 * so the hot set is chosen with probability share to within 2^-64; then a
 * uniform integer within the set.  Two outputs per draw.
 *
 * What the constructors precompute in struct keys:
 *
 *   uniform      reject[0] = 2^64 mod n
 *   zipf         h_lo = H(3/2) - 1, h_hi = H(n + 1/2), squeeze = c,
 *                norm = H(n, s); reject[0] = 2^64 mod n for s = 0
 *   hotset       hot, hot_below, reject[0] = 2^64 mod hot,
 *                reject[1] = 2^64 mod (n - hot)
 *   sequential   nothing
 */
#include "sim/keys.h"

#include <assert.h>
#include <math.h>

#include "sim/rng.h"

/* ---- uniform integers --------------------------------------------------- */

/* mod_2_64 returns 2^64 mod m, m >= 1. */
static uint64_t mod_2_64(uint64_t m)
{
	return -m % m;
}

/* mul_64 returns the high half of the 128-bit product a b and stores the
 * low half in *lo. */
static inline uint64_t mul_64(uint64_t a, uint64_t b, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
	/* __extension__: 128-bit integers are a GCC and Clang extension */
	__extension__ unsigned __int128 p = (unsigned __int128)a * b;
	*lo = (uint64_t)p;
	return (uint64_t)(p >> 64);
#else
	uint64_t a0 = (uint32_t)a, a1 = a >> 32;
	uint64_t b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	*lo = (mid << 32) | (uint32_t)p00;
	return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* uniform_below returns an integer uniform on [0, m), m >= 1, given
 * t = mod_2_64(m) (Lemire's method; see the top of the file). */
static inline uint64_t uniform_below(gsl_rng *r, uint64_t m, uint64_t t)
{
	for (;;) {
		uint64_t lo, hi = mul_64(rng_u64(r), m, &lo);
		if (lo >= t)
			return hi;
	}
}

/* ---- Zipf --------------------------------------------------------------- */

#define TAYLOR_BELOW 1e-8

/* log1p_over returns log1p(y) / y, and 1 at y = 0; y >= -1. */
static double log1p_over(double y)
{
	if (fabs(y) > TAYLOR_BELOW)
		return log1p(y) / y;
	return 1 - y * (1.0 / 2 - y * (1.0 / 3 - y * (1.0 / 4)));
}

/* expm1_over returns expm1(y) / y, and 1 at y = 0. */
static double expm1_over(double y)
{
	if (fabs(y) > TAYLOR_BELOW)
		return expm1(y) / y;
	return 1 + y / 2 * (1 + y / 3 * (1 + y / 4));
}

/* zipf_h is the hat x^-s. */
static double zipf_h(double x, double s)
{
	return exp(-s * log(x));
}

/* zipf_big_h is H(x) = (x^(1-s) - 1) / (1 - s), log x at s = 1. */
static double zipf_big_h(double x, double s)
{
	double lx = log(x);
	return lx * expm1_over((1 - s) * lx);
}

/* zipf_big_h_inv is H^-1.  (1-s) u >= -1 holds in exact arithmetic over
 * the u range; rounding may step past it, and -1 gives the limit. */
static double zipf_big_h_inv(double u, double s)
{
	double y = (1 - s) * u;
	if (y < -1)
		y = -1;
	return exp(u * log1p_over(y));
}

/* zipf_integral is the integral of x^-s over [a, b], 1 <= a <= b. */
static double zipf_integral(double a, double b, double s)
{
	double l = log(b / a);
	return exp((1 - s) * log(a)) * l * expm1_over((1 - s) * l);
}

/* zipf_norm is H(n, s) = sum_{k=1..n} k^-s (see the top of the file). */
static double zipf_norm(uint64_t n, double s)
{
	/* B_2j / (2j)!, j = 1 .. 5 */
	static const double bern[5] = {
		1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600,
		1.0 / 47900160,
	};
	enum { DIRECT_MAX = 64, EM_FROM = 32 };
	double sum = 0;
	if (n <= DIRECT_MAX) {
		for (uint64_t k = n; k >= 1; k--)  /* smallest terms first */
			sum += zipf_h((double)k, s);
		return sum;
	}

	double a = EM_FROM, b = (double)n;
	double tail = zipf_integral(a, b, s) +
		(zipf_h(a, s) + zipf_h(b, s)) / 2;
	/* rising = s (s+1) ... (s+2j-2), the odd derivatives' factor */
	double rising = s, pa = zipf_h(a, s) / a, pb = zipf_h(b, s) / b;
	for (int j = 0; j < 5; j++) {
		tail += bern[j] * rising * (pa - pb);
		rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
		pa /= a * a;
		pb /= b * b;
	}
	for (int k = EM_FROM - 1; k >= 1; k--)
		sum += zipf_h(k, s);
	return sum + tail;
}

/* zipf_rank draws a rank in [1, n] (see the top of the file); s > 0. */
static uint64_t zipf_rank(const struct keys *k, gsl_rng *r)
{
	const double s = k->s, nd = (double)k->n;
	for (;;) {
		double u = k->h_hi + rng_uniform_pos(r) * (k->h_lo - k->h_hi);
		double x = zipf_big_h_inv(u, s);
		uint64_t rank;
		/* The negated test also catches an infinite x. */
		if (!(x < nd))
			rank = k->n;
		else if (x < 1.5)
			rank = 1;
		else
			rank = (uint64_t)(x + 0.5);
		double rk = (double)rank;
		if (rk - x <= k->squeeze ||
		    u >= zipf_big_h(rk + 0.5, s) - zipf_h(rk, s))
			return rank;
	}
}

/* ---- constructors ------------------------------------------------------- */

/* kind_name names a kind in messages, as the scenario writes it. */
static const char *kind_name(enum keys_kind kind)
{
	static const char *const names[] = {
		[KEYS_UNIFORM] = "uniform", [KEYS_ZIPF] = "zipf",
		[KEYS_HOTSET] = "hotset", [KEYS_SEQUENTIAL] = "sequential",
	};
	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* keys_zero makes *k a uniform over one key: what a failed constructor
 * leaves. */
static void keys_zero(struct keys *k)
{
	*k = (struct keys){ .kind = KEYS_UNIFORM, .n = 1 };
}

static int check_n(struct sim_err *err, enum keys_kind kind, uint64_t n)
{
	if (n >= 1)
		return 0;
	return sim_errf(err, SIM_EINVAL, "n must be >= 1 for %s (got 0)",
			kind_name(kind));
}

int keys_uniform(struct keys *k, uint64_t n, struct sim_err *err)
{
	keys_zero(k);
	if (check_n(err, KEYS_UNIFORM, n))
		return SIM_EINVAL;
	k->n = n;
	k->reject[0] = mod_2_64(n);
	return 0;
}

int keys_zipf(struct keys *k, uint64_t n, double s, struct sim_err *err)
{
	keys_zero(k);
	if (n < 1 || n > KEYS_ZIPF_N_MAX)
		return sim_errf(err, SIM_EINVAL, "n must be from 1 to %llu for "
				"zipf (got %llu)",
				(unsigned long long)KEYS_ZIPF_N_MAX,
				(unsigned long long)n);
	if (!(s >= 0 && isfinite(s)))
		return sim_errf(err, SIM_EINVAL, "s must be >= 0 and finite "
				"for zipf (got %g)", s);
	k->kind = KEYS_ZIPF;
	k->n = n;
	k->s = s;
	k->reject[0] = mod_2_64(n);
	if (s == 0) {
		k->norm = (double)n;
		return 0;
	}
	k->h_lo = zipf_big_h(1.5, s) - 1;
	k->h_hi = zipf_big_h((double)n + 0.5, s);
	k->squeeze = 2 - zipf_big_h_inv(zipf_big_h(2.5, s) - zipf_h(2, s), s);
	k->norm = zipf_norm(n, s);
	return 0;
}

int keys_hotset(struct keys *k, uint64_t n, double fraction, double share,
		struct sim_err *err)
{
	keys_zero(k);
	if (n < 2)
		return sim_errf(err, SIM_EINVAL, "n must be >= 2 for hotset "
				"(got %llu)", (unsigned long long)n);
	if (!(fraction > 0 && fraction < 1))
		return sim_errf(err, SIM_EINVAL, "fraction must be > 0 and < 1 "
				"for hotset (got %g)", fraction);
	if (!(share > 0 && share < 1))
		return sim_errf(err, SIM_EINVAL, "share must be > 0 and < 1 "
				"for hotset (got %g)", share);
	/* fraction n < n <= 2^64 - 1 rounds to at most 2^64 - 2^11: the
	 * conversion cannot overflow. */
	double h = floor(fraction * (double)n + 0.5);
	uint64_t hot = h < 1 ? 1 : (uint64_t)h;
	if (hot >= n)
		return sim_errf(err, SIM_EINVAL, "fraction %g of n = %llu "
				"rounds to %llu hot keys, leaving no cold key "
				"for hotset", fraction, (unsigned long long)n,
				(unsigned long long)hot);
	k->kind = KEYS_HOTSET;
	k->n = n;
	k->fraction = fraction;
	k->share = share;
	k->hot = hot;
	/* share 2^64 is a double (a power-of-two scaling) below 2^64; the
	 * conversion drops only bits below 2^0, so P(hot) = share within
	 * 2^-64. */
	k->hot_below = (uint64_t)ldexp(share, 64);
	k->reject[0] = mod_2_64(hot);
	k->reject[1] = mod_2_64(n - hot);
	return 0;
}

int keys_sequential(struct keys *k, uint64_t n, struct sim_err *err)
{
	keys_zero(k);
	if (check_n(err, KEYS_SEQUENTIAL, n))
		return SIM_EINVAL;
	k->kind = KEYS_SEQUENTIAL;
	k->n = n;
	return 0;
}

/* ---- drawing ------------------------------------------------------------ */

/* keys_sample: see keys.h. */
uint64_t keys_sample(const struct keys *k, gsl_rng *r, uint64_t seq)
{
	switch (k->kind) {
	case KEYS_UNIFORM:
		return uniform_below(r, k->n, k->reject[0]);
	case KEYS_ZIPF:
		if (k->s == 0)
			return uniform_below(r, k->n, k->reject[0]);
		return zipf_rank(k, r) - 1;
	case KEYS_HOTSET:
		if (rng_u64(r) < k->hot_below)
			return uniform_below(r, k->hot, k->reject[0]);
		return k->hot + uniform_below(r, k->n - k->hot, k->reject[1]);
	case KEYS_SEQUENTIAL:
		return seq % k->n;
	}
	assert(!"keys_sample: bad kind");
	return 0;
}

/* keys_pmf: see keys.h. */
uint64_t keys_permute(uint64_t key, uint64_t n, uint64_t seed)
{
	if (key >= n || n < 2)
		return key;
	unsigned bits = 2;
	while (bits < 64 && (n - 1) >> bits)
		bits += 2;
	unsigned half = bits / 2;
	uint64_t mask = half == 32 ? 0xffffffffu : (((uint64_t)1 << half) - 1);
	uint64_t x = key;
	do {
		uint64_t l = x >> half, r = x & mask;
		for (uint64_t round = 0; round < 4; round++) {
			uint64_t f = rng_mix64(r ^ rng_mix64(seed + round)) & mask;
			uint64_t t = l ^ f;
			l = r;
			r = t;
		}
		x = l << half | r;
	} while (x >= n);
	return x;
}

double keys_pmf(const struct keys *k, uint64_t x)
{
	if (x >= k->n)
		return 0;
	switch (k->kind) {
	case KEYS_UNIFORM:
	case KEYS_SEQUENTIAL:
		return 1 / (double)k->n;
	case KEYS_ZIPF:
		if (k->s == 0)
			return 1 / (double)k->n;
		return pow((double)x + 1, -k->s) / k->norm;
	case KEYS_HOTSET:
		if (x < k->hot)
			return k->share / (double)k->hot;
		return (1 - k->share) / (double)(k->n - k->hot);
	}
	assert(!"keys_pmf: bad kind");
	return 0;
}
