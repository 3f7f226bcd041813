/*
 * steady.h - does a scenario have a steady state that its runs can show?
 *
 * Averages over a run mean something only when the system settles: with
 * an offered load at or above a node's capacity, its queue grows for ever
 * and every latency figure is a function of the run length, however tight
 * its interval looks.  This module works out, from the scenario alone,
 * what it can:
 *
 *   1. Flows.  Each open workload offers its mean rate over the measured
 *      window (closed loops offer a bounded load and are left out).  A
 *      node passes its flow on along `next:` routes and call edges with
 *      their probabilities, so the flows solve lambda = external + P^T
 *      lambda, found by Gauss-Seidel sweeps in node order (a chain or a
 *      ring converges in a sweep or two; the checker has already refused
 *      loops without exit, so P is substochastic and the sweeps converge).
 *   2. Load.  A node that declares its capacity (model_ops.capacity: c
 *      parallel servers, mean own demand, its squared coefficient of
 *      variation, the calls a server waits for) has utilisation rho =
 *      lambda E[H] / c, where H is the time a server is held: at least
 *      its own demand plus, for each step of its calls, the held time of
 *      the callee times the call's probability (the largest such term of
 *      a parallel step), a lower bound that ignores waiting, so that a
 *      node it calls overloaded is seen while none is flagged falsely.
 *      c counts the replicas in effect on average over the measured
 *      window, so a `scale` in the timeline counts.  A node whose queue
 *      is unbounded is unstable at rho >= 1.
 *   3. Settling time.  Near rho = 1 a queue is stable but slow to settle:
 *      the heavy-traffic (reflected Brownian motion) approximation of a
 *      G/G/c queue gives a relaxation time tau = 2 rho E[S] (ca^2 + cs^2)
 *      / (c (1 - rho)^2), with ca^2 = 1 for the arrivals (exact for
 *      Poisson, 4 E[S] / (1 - rho)^2 for the M/M/1).  A run whose measured
 *      window is shorter than tau shows mostly its initial state: an M/M/1
 *      at rho = 0.999 needs about 4 million mean service times.  A
 *      warm-up shorter than tau leaves a bias of order tau / duration in
 *      the estimates: a milder warning, given when that is above 1 %.
 *   4. Heavy tails.  Service times whose third moment is infinite (Pareto
 *      with shape <= 3) give waiting times of infinite variance, so no
 *      t-interval on a mean latency is valid; with shape <= 2 the mean
 *      waiting time itself is infinite.  These warn but do not make a
 *      point unsteady, and the settling time (which needs a finite
 *      variance) is not worked out for them.
 *   5. Skewed demands.  With a finite third moment the t-interval can
 *      still fail: the waiting time's spread is set by E[S^3], half of
 *      which comes from demands above x3 (dist_tail3), and when the
 *      replications see fewer than one such demand each on average their
 *      spread understates the mean's (the interval misses low: lognormal
 *      service of cv 3 at rho 0.5 covered 74.5 % at 5 x 2000 s, cv 2
 *      86 %, and cv 1, with 1.6 such demands per replication at 500 s,
 *      92.5 %; docs/STATISTICS.md).  A warning, with the run length that
 *      would see one, for a node with a queue of its own at a utilisation
 *      of STEADY_SKEW_RHO or more (below, waiting is too small a part of
 *      the latency to matter, and a quiet node would warn only for its
 *      few arrivals).
 *
 * The report adds what only runs show: requests in the system growing
 * through the measured window, and latency trending up (report.h).
 */
#ifndef SIM_STEADY_H
#define SIM_STEADY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/model.h"
#include "sim/scenario.h"


#define STEADY_SKEW_RHO 0.1

enum steady_finding {
	STEADY_OVERLOAD,     /* rho >= 1, unbounded queue: not steady */
	STEADY_SLOW,         /* tau longer than the measured window: not steady */
	STEADY_WARMUP,       /* tau longer than the warm-up: a warning */
	STEADY_INFINITE_MEAN,/* demand variance infinite: a warning */
	STEADY_HEAVY_TAIL,   /* demand third moment infinite: a warning */
	STEADY_SKEWED,       /* under one demand above x3 per replication:
			      * a warning */
	STEADY_VERSION,      /* a rollout changes a node's service time or
			      * speed inside the measured window: not
			      * steady (tau_s: when, from the run's start) */
};

struct steady_note {
	enum steady_finding what;
	uint32_t node;
	double rho, lambda, capacity, tau_s, shape;
	double n3, x3_s;     /* SKEWED: demands above x3 per replication, x3 */
};

struct steady_check {
	struct steady_note *notes;
	size_t nnotes;
	int unsteady;        /* some note makes the point not steady */
	double tau_s;        /* the longest settling time worked out (3.),
			      * noted or not; 0 when none could be */
};

/* steady_warmup_ns is the warm-up `warmup: auto` gives a point whose
 * pilot runs MSER-5 cut at mser_ns: at least the settling time tau of
 * its slowest node, for MSER-5 on a few short noisy pilots cuts far less
 * than the bias needs near saturation (10-55 s for an M/M/1 at rho 0.9,
 * whose tau is 360 s), but at most the measured duration: a point that
 * needs more is flagged unsteady whatever its warm-up.  0 or
 * SIM_ENOMEM. */
int steady_warmup_ns(const struct scenario *sc, int64_t mser_ns, int64_t *out);

/* steady_analyze checks sc as above.  0 or SIM_ENOMEM; free the notes
 * with steady_free. */
int steady_analyze(const struct scenario *sc, struct steady_check *out);
void steady_free(struct steady_check *c);

/* steady_note_text writes a one-line explanation of note n of sc. */
void steady_note_text(const struct scenario *sc, const struct steady_note *n,
		      char *buf, size_t len);

/* steady_mser5 picks where the initial transient of a series ends, by
 * MSER-5 (White, "An effective truncation heuristic for bias reduction
 * in simulation output", Simulation 69(6), 1997; Franklin and White,
 * WSC 2008): the series (window i's latencies summed, sum[i], over its
 * count[i] of them) is cut into batches of 5 windows, batch j's mean Z_j
 * the latencies of its windows over their count.  Of the nb batches
 * that have latencies, the cut is the d <= nb / 2 that minimises the
 * marginal standard error of what is left, sum_{j >= d} (Z_j - mean_d)^2
 * / (nb - d)^2.  Returns how many leading windows to drop (a multiple of
 * 5; 0 when fewer than 4 batches have latencies, or memory ran out). */
size_t steady_mser5(const double *sum, const double *count, size_t n);

#endif
