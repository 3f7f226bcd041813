#define _POSIX_C_SOURCE 200809L
/*
 * qstudy.c - coverage study of replication-based confidence intervals for
 * the mean and percentiles of M/M/1 FIFO sojourn times, an independent
 * simulation (the Lindley recursion, no archsim code) that reproduces
 * archsim's measurement, so that the interval methods of app/interval.c can
 * be compared over hundreds of thousands of runs (docs/STATISTICS.md):
 *   - each replication starts empty, runs W s of warm-up, then T s measured;
 *   - a request counts iff it FINISHES in [W, W+T); latency = finish - issue;
 *   - latencies (integer ns) go into archsim's log-linear histogram
 *     (exact below 256 ns, then 128 buckets per octave); a quantile is the
 *     midpoint (lo + (hi-lo)/2, integer) of the first bucket whose
 *     cumulative count reaches max(1, ceil(q*N)), clamped to [min, max].
 *
 * Replications are generated in sequence from one xoshiro256++ stream
 * (exponentials by inversion, -log1p(-U)/rate with 53-bit U), and cut into
 * consecutive, disjoint macro-runs of n replications for every n given.  All
 * n must divide the block size (default: largest n).  A macro-run of size n
 * is independent of every other macro-run of the same n.
 *
 * Usage: qstudy -l LAMBDA -m MU -T DURATION -W WARMUP -R TOTAL_REPS
 *               -n 2,5,10,50,200 [-s SEED] [-c LABEL]
 * Output: TSV lines on stdout (see README).
 */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------- histogram layout (archsim sim/hist.h) ---------------- */
#define SUB_BITS 8
#define HALF (1 << (SUB_BITS - 1))
#define MAXE 44                          /* octaves up to 2^44 ns = 17592 s */
#define NB ((1 << SUB_BITS) + (MAXE - SUB_BITS) * HALF)

static inline int hidx(int64_t v)
{
	uint64_t u = (uint64_t)v;
	if (u < (1u << SUB_BITS))
		return (int)u;
	int e = 63 - __builtin_clzll(u);
	if (e >= MAXE) {
		fprintf(stderr, "latency beyond histogram range\n");
		exit(2);
	}
	int shift = e - (SUB_BITS - 1);
	int sub = (int)(u >> shift) - HALF;
	return (1 << SUB_BITS) + (e - SUB_BITS) * HALF + sub;
}

static inline int64_t blo(int i)
{
	if (i < (1 << SUB_BITS))
		return i;
	int j = i - (1 << SUB_BITS);
	int shift = j / HALF + 1;
	uint64_t top = HALF + j % HALF;
	return (int64_t)(top << shift);
}

static inline int64_t bmid(int i)
{
	if (i < (1 << SUB_BITS))
		return i;
	int j = i - (1 << SUB_BITS);
	int shift = j / HALF + 1;
	int64_t lo = blo(i), hi = lo + ((int64_t)1 << shift) - 1;
	return lo + (hi - lo) / 2;
}

/* first bucket with cum[b] >= rank (cum nondecreasing, cum[NB-1] >= rank) */
#define FIRST_GE(T)                                                     \
	static inline int first_ge_##T(const T *cum, uint64_t rank)         \
	{                                                                   \
		int lo = 0, hi = NB - 1;                                        \
		while (lo < hi) {                                               \
			int mid = (lo + hi) / 2;                                    \
			if ((uint64_t)cum[mid] >= rank)                             \
				hi = mid;                                               \
			else                                                        \
				lo = mid + 1;                                           \
		}                                                               \
		return lo;                                                      \
	}
FIRST_GE(uint32_t)
FIRST_GE(uint64_t)

static inline uint64_t rank_of(double p, uint64_t n)
{
	double x = ceil(p * (double)n);
	if (!(x >= 1))
		return 1;
	if (x >= (double)n)
		return n;
	return (uint64_t)x;
}

static inline int64_t clampv(int64_t v, int64_t mn, int64_t mx)
{
	return v < mn ? mn : v > mx ? mx : v;
}

/* ---------------- RNG: xoshiro256++ seeded by splitmix64 ---------------- */
static uint64_t rs[4];
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t rnext(void)
{
	uint64_t r = rotl(rs[0] + rs[3], 23) + rs[0];
	uint64_t t = rs[1] << 17;
	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}
static void rseed(uint64_t s)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rs[i] = z ^ (z >> 31);
	}
}
static inline double rexp(double rate)
{
	double u = (double)(rnext() >> 11) * 0x1.0p-53; /* [0,1) */
	return -log1p(-u) / rate;
}

/* ---------------- study ---------------- */
#define NQ 5
static const double QS[NQ] = {0.5, 0.9, 0.99, 0.999, 0.9999};
static const char *QN[NQ] = {"p50", "p90", "p99", "p99.9", "p99.99"};
#define NQ_USED 4 /* p50 p90 p99 p99.9 */

enum { M_A, M_B, M_BJ, M_J, M_C, M_C2, M_CP, M_CL, M_BC, M_CS, M_O, NM };
static const char *MN[NM] = {"a_batchmean", "b_section", "bj_genjack",
			     "j_jackknife", "c_cdfinv", "c2_cdfinv_q",
			     "cp_proxy", "cl_logit", "bc_hull", "cs_sym", "o_oracle"};

struct rep {
	uint64_t n;            /* completions in the window */
	int64_t mn, mx;        /* ns */
	double sum;            /* seconds */
	int xb[NQ];            /* own quantile's bucket */
	double xi[NQ];         /* own quantile, seconds */
	long d;                /* N(end) - N(start) */
	double m1, m2;         /* mean latency, first/second half */
	uint64_t n1, n2;
	uint32_t *cum;         /* cumulative histogram */
};

struct acc {
	long groups;
	long cover[NM], cover_he[NM], miss_lo[NM], miss_hi[NM];
	double bias[NM], bias2[NM], hw[NM];
};

struct macc {
	long groups;
	long cover_avg, cover_pool, lo_avg, hi_avg, lo_pool, hi_pool;
	double bias_avg, bias2_avg, bias_pool, bias2_pool, hw;
};

struct tacc {
	long groups, alarm_d, groups_h, alarm_h;
	double dbar, tdsum, hsum;
};

static double tq975[1024], tq9995[1024];

static double sdev(const double *x, int n, double c)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += (x[i] - c) * (x[i] - c);
	return n > 1 ? sqrt(s / (n - 1)) : 0;
}
static double meanv(const double *x, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += x[i];
	return s / n;
}

static void cov(struct acc *a, int m, double pt, double lo, double hi,
		double truth)
{
	a->cover[m] += lo <= truth && truth <= hi;
	a->miss_lo[m] += truth < lo;  /* interval entirely above the truth */
	a->miss_hi[m] += truth > hi;  /* interval entirely below the truth */
	a->cover_he[m] += lo * (1 - 1.0 / 256) <= truth &&
			  truth <= hi * (1 + 1.0 / 256);
	double b = (pt - truth) / truth;
	a->bias[m] += b;
	a->bias2[m] += b * b;
	a->hw[m] += (hi - lo) / 2 / truth;
}

int main(int argc, char **argv)
{
	double lam = 0.8, mu = 1, T = 2000, W = 200;
	long R = 2000;
	uint64_t seed = 1;
	int ns[16], nn = 0;
	const char *label = "cfg";
	int opt;
	int K = 1;
	while ((opt = getopt(argc, argv, "l:m:T:W:R:n:s:c:k:")) != -1) {
		switch (opt) {
		case 'k': K = atoi(optarg); break;
		case 'l': lam = atof(optarg); break;
		case 'm': mu = atof(optarg); break;
		case 'T': T = atof(optarg); break;
		case 'W': W = atof(optarg); break;
		case 'R': R = atol(optarg); break;
		case 's': seed = strtoull(optarg, 0, 10); break;
		case 'c': label = optarg; break;
		case 'n': {
			char *p = optarg;
			while (*p && nn < 16) {
				ns[nn++] = (int)strtol(p, &p, 10);
				if (*p == ',')
					p++;
			}
			break;
		}
		default:
			fprintf(stderr, "usage: see source\n");
			return 1;
		}
	}
	if (nn == 0) {
		ns[nn++] = 5;
	}
	int blk = 0;
	for (int k = 0; k < nn; k++)
		if (ns[k] > blk)
			blk = ns[k];
	for (int k = 0; k < nn; k++)
		if (blk % ns[k] || ns[k] < 2 || ns[k] > 1000) {
			fprintf(stderr, "every n must be >= 2 and divide %d\n", blk);
			return 1;
		}
	R = R / blk * blk;
	for (int i = 2; i < 1024; i++) {
		tq975[i] = gsl_cdf_tdist_Pinv(0.975, i - 1);
		tq9995[i] = gsl_cdf_tdist_Pinv(0.9995, i - 1);
	}
	rseed(seed);
	int stable = lam < mu;
	double truth_mean = stable ? 1 / (mu - lam) : NAN, truth_q[NQ];
	for (int k = 0; k < NQ; k++)
		truth_q[k] = stable ? -log1p(-QS[k]) / (mu - lam) : NAN;

	if (K < 1 || K > 16 || blk * K > 1000) {
		fprintf(stderr, "bad -k\n");
		return 1;
	}
	/* a "section" is one of the K equal sub-windows (by finish time) of a
	 * replication's measured window; with K = 1 a section is a replication */
	struct rep *reps = calloc((size_t)blk * K, sizeof *reps);
	uint32_t *cumbuf = malloc((size_t)blk * K * NB * sizeof *cumbuf);
	uint32_t *cntk = calloc((size_t)K * NB, sizeof *cntk);
	long *rd = calloc(blk, sizeof *rd);
	double *rm1 = calloc(blk, sizeof *rm1), *rm2 = calloc(blk, sizeof *rm2);
	uint64_t *rn1 = calloc(blk, sizeof *rn1), *rn2 = calloc(blk, sizeof *rn2);
	uint64_t *P = malloc(NB * sizeof *P);
	struct acc (*A)[NQ] = calloc(nn, sizeof *A);
	struct macc *MA = calloc(nn, sizeof *MA);
	struct tacc *TA = calloc(nn, sizeof *TA);
	long *skipped = calloc(nn, sizeof *skipped);
	double *x = malloc(blk * K * sizeof *x), *y = malloc(blk * K * sizeof *y);
	double *z = malloc(blk * K * sizeof *z);
	long zero_reps = 0, events = 0;
	for (int i = 0; i < blk * K; i++)
		reps[i].cum = cumbuf + (size_t)i * NB;

	const double E = W + T, H = W + T / 2;
	clock_t t0 = clock();
	for (long r = 0; r < R; r++) {
		int slot = (int)(r % blk);
		uint64_t sn[16] = {0};
		double ssum[16] = {0};
		int64_t smn[16], smx[16];
		for (int j = 0; j < K; j++) {
			smn[j] = INT64_MAX;
			smx[j] = 0;
		}
		const double TK = T / K;
		/* ---- one replication: Lindley recursion ---- */
		double a = 0, dprev = 0;
		long arrW = 0, arrE = 0, depW = 0;
		uint64_t n = 0, n1 = 0, n2 = 0;
		double sum = 0, s1 = 0, s2 = 0;
		int64_t mn = INT64_MAX, mx = 0;
		for (;;) {
			a += rexp(lam);
			if (a >= E)
				break;
			arrE++;
			if (a < W)
				arrW++;
			double d = (a > dprev ? a : dprev) + rexp(mu);
			dprev = d;
			if (d < W) {
				depW++;
			} else if (d < E) {
				double lat = d - a;
				int64_t v = llround(lat * 1e9);
				int j = (int)((d - W) / TK);
				if (j >= K)
					j = K - 1;
				cntk[(size_t)j * NB + hidx(v)]++;
				sn[j]++;
				ssum[j] += lat;
				if (v < smn[j])
					smn[j] = v;
				if (v > smx[j])
					smx[j] = v;
				if (v < mn)
					mn = v;
				if (v > mx)
					mx = v;
				n++;
				sum += lat;
				if (d < H) {
					n1++;
					s1 += lat;
				} else {
					n2++;
					s2 += lat;
				}
			}
		}
		events += arrE;
		(void)mn;
		(void)mx;
		(void)sum;
		rd[slot] = (arrE - (depW + (long)n)) - (arrW - depW);
		rn1[slot] = n1;
		rn2[slot] = n2;
		rm1[slot] = n1 ? s1 / n1 : NAN;
		rm2[slot] = n2 ? s2 / n2 : NAN;
		for (int j = 0; j < K; j++) {
			struct rep *rp = &reps[slot * K + j];
			uint32_t *cnt = cntk + (size_t)j * NB;
			rp->n = sn[j];
			rp->mn = smn[j];
			rp->mx = smx[j];
			rp->sum = ssum[j];
			uint32_t c = 0;
			for (int b = 0; b < NB; b++) {
				c += cnt[b];
				rp->cum[b] = c;
			}
			if (sn[j]) {
				memset(cnt + hidx(smn[j]), 0,
				       (size_t)(hidx(smx[j]) - hidx(smn[j]) + 1) * sizeof *cnt);
				for (int k = 0; k < NQ; k++) {
					int b = first_ge_uint32_t(rp->cum, rank_of(QS[k], sn[j]));
					rp->xb[k] = b;
					rp->xi[k] = clampv(bmid(b), smn[j], smx[j]) * 1e-9;
				}
			} else {
				zero_reps++;
			}
		}

		/* ---- macro-runs ending at this replication ---- */
		for (int gi = 0; gi < nn; gi++) {
			int gr = ns[gi];
			if ((slot + 1) % gr)
				continue;
			int r0 = slot + 1 - gr, g = gr * K;
			struct rep *G = &reps[r0 * K];
			int bad = 0;
			for (int i = 0; i < g; i++)
				bad |= G[i].n == 0;
			if (bad) {
				skipped[gi]++;
				continue;
			}
			double t = tq975[g], sq = sqrt((double)g);
			double tr_ = tq9995[gr], sqr = sqrt((double)gr);

			/* steady-state checks */
			struct tacc *ta = &TA[gi];
			for (int i = 0; i < gr; i++)
				x[i] = (double)rd[r0 + i];
			double dm = meanv(x, gr), dsd = sdev(x, gr, dm);
			double td = dsd > 0 ? dm / (dsd / sqr) : (dm != 0 ? INFINITY : 0);
			ta->groups++;
			ta->dbar += dm;
			ta->tdsum += td;
			ta->alarm_d += fabs(td) > tr_;
			int okh = 1;
			for (int i = 0; i < gr; i++) {
				okh &= rn1[r0 + i] > 0 && rn2[r0 + i] > 0;
				x[i] = rm2[r0 + i] - rm1[r0 + i];
			}
			if (okh) {
				double hm = meanv(x, gr), hsd = sdev(x, gr, hm);
				double th = hsd > 0 ? hm / (hsd / sqr) : (hm != 0 ? INFINITY : 0);
				ta->groups_h++;
				ta->hsum += hm;
				ta->alarm_h += fabs(th) > tr_;
			}
			if (!stable)
				continue;

			/* mean */
			uint64_t N = 0;
			double S = 0;
			int64_t pmn = INT64_MAX, pmx = 0;
			for (int i = 0; i < g; i++) {
				x[i] = G[i].sum / G[i].n;
				N += G[i].n;
				S += G[i].sum;
				if (G[i].mn < pmn)
					pmn = G[i].mn;
				if (G[i].mx > pmx)
					pmx = G[i].mx;
			}
			struct macc *ma = &MA[gi];
			double avg = meanv(x, g), pool = S / N;
			double hw = t * sdev(x, g, avg) / sq;
			ma->groups++;
			ma->cover_avg += fabs(avg - truth_mean) <= hw;
			ma->cover_pool += fabs(pool - truth_mean) <= hw;
			ma->lo_avg += truth_mean < avg - hw;
			ma->hi_avg += truth_mean > avg + hw;
			ma->lo_pool += truth_mean < pool - hw;
			ma->hi_pool += truth_mean > pool + hw;
			double ba = (avg - truth_mean) / truth_mean;
			double bp = (pool - truth_mean) / truth_mean;
			ma->bias_avg += ba;
			ma->bias2_avg += ba * ba;
			ma->bias_pool += bp;
			ma->bias2_pool += bp * bp;
			ma->hw += hw / truth_mean;

			/* pooled cumulative histogram */
			for (int b = 0; b < NB; b++)
				P[b] = G[0].cum[b];
			for (int i = 1; i < g; i++) {
				const uint32_t *ci = G[i].cum;
				for (int b = 0; b < NB; b++)
					P[b] += ci[b];
			}
			/* min/max leaving one out: two smallest mins, two largest maxes */
			int imn = 0, imx = 0;
			for (int i = 1; i < g; i++) {
				if (G[i].mn < G[imn].mn)
					imn = i;
				if (G[i].mx > G[imx].mx)
					imx = i;
			}
			int64_t mn2 = INT64_MAX, mx2 = 0;
			for (int i = 0; i < g; i++) {
				if (i != imn && G[i].mn < mn2)
					mn2 = G[i].mn;
				if (i != imx && G[i].mx > mx2)
					mx2 = G[i].mx;
			}
#define QPOOL(p) (clampv(bmid(first_ge_uint64_t(P, rank_of((p), N))), pmn, pmx) * 1e-9)
			for (int k = 0; k < NQ; k++) {
				struct acc *ac = &A[gi][k];
				double tr = truth_q[k], q = QS[k];
				ac->groups++;
				for (int i = 0; i < g; i++)
					x[i] = G[i].xi[k];
				/* (a) */
				double xbar = meanv(x, g);
				double h = t * sdev(x, g, xbar) / sq;
				cov(ac, M_A, xbar, xbar - h, xbar + h, tr);
				/* (b) */
				int pb = first_ge_uint64_t(P, rank_of(q, N));
				double xp = clampv(bmid(pb), pmn, pmx) * 1e-9;
				double ss = 0;
				for (int i = 0; i < g; i++)
					ss += (x[i] - xp) * (x[i] - xp);
				h = t * sqrt(ss / ((double)g * (g - 1)));
				cov(ac, M_B, xp, xp - h, xp + h, tr);
				double bL = xp - h, bU = xp + h;
				/* (bj) generalized jackknife: (n xp - xbar)/(n-1) */
				double xg = (g * xp - xbar) / (g - 1);
				ss = 0;
				for (int i = 0; i < g; i++)
					ss += (x[i] - xg) * (x[i] - xg);
				h = t * sqrt(ss / ((double)g * (g - 1)));
				cov(ac, M_BJ, xg, xg - h, xg + h, tr);
				/* (j) delete-one-replication jackknife */
				for (int i = 0; i < g; i++) {
					const uint32_t *ci = G[i].cum;
					uint64_t Ni = N - G[i].n, rk = rank_of(q, Ni);
					int lo = 0, hi = NB - 1;
					while (lo < hi) {
						int mid = (lo + hi) / 2;
						if (P[mid] - ci[mid] >= rk)
							hi = mid;
						else
							lo = mid + 1;
					}
					int64_t lmn = i == imn ? mn2 : pmn;
					int64_t lmx = i == imx ? mx2 : pmx;
					double xmi = clampv(bmid(lo), lmn, lmx) * 1e-9;
					y[i] = g * xp - (g - 1) * xmi; /* pseudo-value */
				}
				double xj = meanv(y, g);
				h = t * sdev(y, g, xj) / sq;
				cov(ac, M_J, xj, xj - h, xj + h, tr);
				/* (c) CDF inversion, centred on mean p_i */
				for (int i = 0; i < g; i++)
					z[i] = (double)G[i].cum[pb] / G[i].n;
				double pbar = meanv(z, g);
				double hp = t * sdev(z, g, pbar) / sq;
				double cL = QPOOL(pbar - hp), cU = QPOOL(pbar + hp);
				cov(ac, M_C, xp, cL, cU, tr);
				/* (bc) hull of (b) and (c) */
				cov(ac, M_BC, xp, bL < cL ? bL : cL, bU > cU ? bU : cU, tr);
				/* (cs) symmetric: pooled +- half the width of (c) */
				cov(ac, M_CS, xp, xp - (cU - cL) / 2, xp + (cU - cL) / 2, tr);
				/* (cl) (c) on the logit scale (delta method) */
				if (pbar > 0 && pbar < 1) {
					double l0 = log(pbar / (1 - pbar));
					double hl = hp / (pbar * (1 - pbar));
					double pl = 1 / (1 + exp(-(l0 - hl)));
					double pu = 1 / (1 + exp(-(l0 + hl)));
					cov(ac, M_CL, xp, QPOOL(pl), QPOOL(pu), tr);
				} else {
					cov(ac, M_CL, xp, cL, cU, tr);
				}
				/* (c2) same, centred on q (test inversion) */
				cov(ac, M_C2, xp, QPOOL(q - hp), QPOOL(q + hp), tr);
				/* (cp) scalar proxy: p_i at replication 1's own quantile */
				int b1 = G[0].xb[k];
				for (int i = 0; i < g; i++)
					z[i] = (double)G[i].cum[b1] / G[i].n;
				double pm = meanv(z, g);
				double hq = t * sdev(z, g, pm) / sq;
				cov(ac, M_CP, xp, QPOOL(q - hq), QPOOL(q + hq), tr);
				/* (o) oracle diagnostic: t-interval of F_i(true quantile)
				 * covers q?  (reported as if on the quantile scale:
				 * covered -> [tr, tr], else outside) */
				int bt = hidx(llround(tr * 1e9));
				for (int i = 0; i < g; i++) {
					double below = bt ? G[i].cum[bt - 1] : 0;
					z[i] = (below + (G[i].cum[bt] - below) / 2) / G[i].n;
				}
				double om = meanv(z, g), oh = t * sdev(z, g, om) / sq;
				if (om - oh > q)       /* F(truth) too high: quantile below */
					cov(ac, M_O, tr, tr * 2, tr * 2, tr);
				else if (om + oh < q)
					cov(ac, M_O, tr, tr / 2, tr / 2, tr);
				else
					cov(ac, M_O, tr, tr, tr, tr);
			}
		}
	}
	double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;

	printf("#config\t%s\tlambda=%g\tmu=%g\tT=%g\tW=%g\tR=%ld\tseed=%llu\t"
	       "events=%ld\tcpu_s=%.1f\tzero_completion_sections=%ld\tK=%d\n",
	       label, lam, mu, T, W, R, (unsigned long long)seed, events, cpu,
	       zero_reps, K);
	for (int gi = 0; gi < nn; gi++) {
		int g = ns[gi];
		struct tacc *ta = &TA[gi];
		printf("TEST\t%s\t%d\t%ld\tskipped=%ld\td_alarm=%.4f\tmean_d=%.3f\t"
		       "half_groups=%ld\thalf_alarm=%.4f\tmean_m2-m1=%.4f\n",
		       label, g, ta->groups, skipped[gi],
		       (double)ta->alarm_d / ta->groups, ta->dbar / ta->groups,
		       ta->groups_h,
		       ta->groups_h ? (double)ta->alarm_h / ta->groups_h : NAN,
		       ta->groups_h ? ta->hsum / ta->groups_h : NAN);
		if (!stable)
			continue;
		struct macc *ma = &MA[gi];
		double M = ma->groups;
		printf("ROW\t%s\t%d\tmean\tavg_t\t%ld\t%.4f\t%.4f\t%+.5f\t%.5f\t%.5f\t%.4f\t%.4f\n",
		       label, g, ma->groups, ma->cover_avg / M, ma->cover_avg / M,
		       ma->bias_avg / M,
		       sqrt((ma->bias2_avg / M - pow(ma->bias_avg / M, 2)) / M),
		       ma->hw / M, ma->lo_avg / M, ma->hi_avg / M);
		printf("ROW\t%s\t%d\tmean\tpool_t\t%ld\t%.4f\t%.4f\t%+.5f\t%.5f\t%.5f\t%.4f\t%.4f\n",
		       label, g, ma->groups, ma->cover_pool / M, ma->cover_pool / M,
		       ma->bias_pool / M,
		       sqrt((ma->bias2_pool / M - pow(ma->bias_pool / M, 2)) / M),
		       ma->hw / M, ma->lo_pool / M, ma->hi_pool / M);
		for (int k = 0; k < NQ; k++) {
			struct acc *ac = &A[gi][k];
			double Mq = ac->groups;
			for (int m = 0; m < NM; m++)
				printf("ROW\t%s\t%d\t%s\t%s\t%ld\t%.4f\t%.4f\t%+.5f\t%.5f\t%.5f\t%.4f\t%.4f\n",
				       label, g, QN[k], MN[m], ac->groups,
				       ac->cover[m] / Mq, ac->cover_he[m] / Mq,
				       ac->bias[m] / Mq,
				       sqrt((ac->bias2[m] / Mq - pow(ac->bias[m] / Mq, 2)) / Mq),
				       ac->hw[m] / Mq, ac->miss_lo[m] / Mq,
				       ac->miss_hi[m] / Mq);
		}
	}
	(void)NQ_USED;
	return 0;
}
