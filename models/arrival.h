/*
 * arrival.h - the arrival processes of a workload: when its requests come.
 *
 * A client (client.h) is a workload's `arrival:` process and what it
 * issues at each arrival.  This module is the first half: it checks the
 * `arrival:` mapping (a variant by `process`, whose cases are the tables
 * below) and, during a run, says when the next request comes.  The client
 * asks for the next arrival and, for the steady-state check, the offered
 * rate, and never looks at which process it has; the one thing it learns
 * is whether the loop is closed (arrival_closed), because then it issues
 * requests itself.
 *
 * The processes:
 *
 *   poisson    open loop, exponential gaps of mean 1/rate, one draw each.
 *   constant   open loop, the k-th arrival at round(k / rate) from 0: the
 *              time of each is computed from k, not added gap to gap, so
 *              rounding never adds up (3,000,000/s gives 3,000,000 a
 *              second, not 3,003,003).  No draws.
 *   profile    open loop, Poisson with a piecewise-linear rate, optionally
 *              repeating with a `period`.  Sampled exactly by inverting its
 *              integrated rate: a unit exponential E is the expected
 *              number of arrivals still to wait for, and the next arrival
 *              is where the integral of the rate from now reaches E.  The
 *              rate is linear within a segment, so the integral is
 *              quadratic and is inverted in closed form; a segment that
 *              holds less than E is crossed by subtracting its area, and
 *              with a period whole periods are skipped the same way.  One
 *              random draw per arrival, and the cost does not depend on
 *              how low or how peaked the rate is.
 *   mmpp       open loop, Markov-modulated Poisson: states visited in
 *              turn, each lasting an exponential time, Poisson at its own
 *              rate meanwhile.  The first state is drawn from the long-run
 *              shares, so a run starts in the process's steady state.  A
 *              gap that would cross the state's end is dropped and drawn
 *              afresh from that end in the next state: the gaps are
 *              memoryless, so this is exact.
 *   trace      open loop, replayed from a CSV file read a line at a time
 *              as the run goes (memory does not grow with the file; the
 *              checker reads it once through first).  Each line is an
 *              arrival at its time, with the key and kind its `key` and
 *              `kind` columns give.  `scale` thins or copies: below 1 a
 *              line is kept with probability `scale` (one draw); above,
 *              it gives floor(scale) arrivals and one more with
 *              probability scale - floor(scale) (a whole scale draws
 *              nothing), the first at the line's time and the others at
 *              uniform times before the next line's, in order.  With
 *              `loop`, the file starts again at its end, shifted by its
 *              last time.
 *   closed     `users` each issue a request, wait for it to end, think
 *              for a `think` time, and issue the next.  The requests
 *              depend on the system's answers, so the client runs the
 *              users itself (users and think are in struct arrival_cfg);
 *              this module only checks the keys and has no arrivals.
 *
 * Random draws come from one stream that the caller gives arrival_init
 * (the client's "arrival" stream): gaps, the mmpp's states and their
 * lengths, and a trace's thinning and copies, in the order of the
 * arrivals.
 *
 * Ownership: a struct arrival_cfg lives inside the caller's config,
 * filled through ARRIVAL_PARAM, and what it owns (points, states, the
 * file's name) is freed with that config by param_free.  It is only read
 * during runs, so every replication shares it.  A struct arrival is one
 * replication's state, in memory of the caller's: arrival_init fills it,
 * and arrival_fini closes what it opened (a trace's file).  It borrows
 * its config, its random stream and the names of the kinds, which must
 * outlive it.  Nothing here allocates: drawing an arrival,
 * a trace's included, costs no memory.
 */
#ifndef MODELS_ARRIVAL_H
#define MODELS_ARRIVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "sim/dist.h"
#include "sim/param.h"
#include "sim/rng.h"
#include "sim/sim.h"

/* The most closed-loop users, and the largest trace scale (a line's
 * copies are held at once). */
#define ARRIVAL_MAX_USERS 10000000
#define ARRIVAL_SCALE_MAX 1000

/* The processes, in the order of arrival_cases. */
enum arrival_process {
	ARRIVAL_POISSON,
	ARRIVAL_CONSTANT,
	ARRIVAL_PROFILE,
	ARRIVAL_MMPP,
	ARRIVAL_TRACE,
	ARRIVAL_CLOSED,
};

/* A profile's point: the rate at a time. */
struct arrival_point {
	int64_t at_ns;
	double rate_per_s;
};

/* An mmpp state: its arrival rate, and the mean time it lasts. */
struct arrival_state {
	double rate_per_s;
	int64_t mean_ns;
};

/* What the `arrival:` mapping checks into.  The fields of processes other
 * than the chosen one stay zero. */
struct arrival_cfg {
	enum arrival_process process;
	double rate_per_s;                 /* poisson, constant */
	struct arrival_point *points;      /* profile: sorted by time, first at 0 */
	size_t npoints;
	int64_t period_ns;                 /* profile: 0 = hold the last rate */
	double period_area;                /* profile: expected arrivals per period */
	struct arrival_state *states;      /* mmpp: visited in turn */
	size_t nstates;
	double mmpp_rate;                  /* mmpp: its long-run mean rate */
	char *file;                        /* trace: its path, resolved */
	double scale;                      /* trace: thinning or copies */
	int loop;                          /* trace: repeat it */
	int key_col, kind_col;             /* trace: columns, or -1 */
	double trace_end_s;                /* trace: its last time */
	uint64_t trace_rows;
	uint32_t users;                    /* closed: run by the client */
	struct dist think;                 /* closed: run by the client */
};

/* What an arrival's line of a trace says of its request, where it says
 * it; all zero for the other processes. */
struct arrival_row {
	uint64_t key;
	int has_key;                       /* key is the line's */
	int has_kind;                      /* the trace has a kind column:
					    * cls and write are the line's */
	uint16_t cls;                      /* the kind's index among the names
					    * given to arrival_init, or 0 */
	int write;                         /* the kind begins with "write" */
};

/* A trace's line, read: its time (seconds, loops included) and row. */
struct arrival_line {
	double t;
	struct arrival_row row;
};

/* One replication's state of an arrival process.  Its fields are
 * arrival.c's; the caller reads it through arrival_current only. */
struct arrival {
	const struct arrival_cfg *cfg;
	gsl_rng *rng;
	double gap_mean_ns;                /* poisson, constant */
	uint64_t drawn;                    /* constant: arrivals returned */
	/* profile: start of the current period, current segment */
	int64_t cycle_ns;
	size_t seg;
	/* mmpp: the state now, and when it ends */
	size_t state;
	int64_t state_end_ns;
	/* trace: the file, the line read ahead, copies still to come of
	 * the line in hand (times ascending), the line of the arrival
	 * returned last (next) and of the one before (cur: now) */
	FILE *trace;
	const char *const *kinds;
	size_t nkinds;
	double loop_s;                     /* added to times: loops so far */
	struct arrival_line ahead, next, copy_line;
	struct arrival_row cur;
	int ahead_ok;                      /* `ahead` holds a line */
	double *copies;                    /* [ARRIVAL_SCALE_MAX + 1], a trace's
					    * only: made at each replication's
					    * start, so kept out of the struct */
	uint32_t ncopies, copy_at;
};

/* The cases of the `arrival:` variant, one per enum arrival_process and
 * in its order, ended by a NULL name. */
extern const struct param_case arrival_cases[];

/* ARRIVAL_PARAM(cfg_type, field) is the `arrival:` entry of a parameter
 * table filling cfg_type, whose member `field` is a struct arrival_cfg:
 * required, chosen by `process`.  A macro, so that it can sit in the
 * caller's const table. */
#define ARRIVAL_PARAM(cfg_type, field) {                                       \
	.name = "arrival", .type = PARAM_VARIANT,                              \
	PARAM_FIELD(cfg_type, field.process),                                  \
	.sub_off = offsetof(cfg_type, field), .flags = PARAM_REQUIRED,         \
	.key = "process", .cases = arrival_cases,                              \
	.shape = "{process: poisson, rate: 10/s}",                             \
	.doc = "the arrival process, one of the six below",                    \
}

/* arrival_closed: 1 when c is the closed loop (the caller runs the users
 * and never asks for arrivals), 0 for the open processes.  Inline: the
 * client asks it of every request. */
static inline int arrival_closed(const struct arrival_cfg *c)
{
	return c->process == ARRIVAL_CLOSED;
}

/* arrival_init readies a (caller's memory, any content) for one
 * replication of the checked cfg: drawing from rng (the mmpp's first
 * state, drawn now), and naming a trace's kinds by their index among
 * kinds[0 .. nkinds - 1] (a kind not among them is 0).  A trace's file is
 * opened, and its first line read.  Returns 0, SIM_EIO when the file
 * cannot be opened, or SIM_ENOMEM; either way release a with
 * arrival_fini. */
int arrival_init(struct arrival *a, const struct arrival_cfg *cfg, gsl_rng *rng,
		 const char *const *kinds, size_t nkinds);

/* arrival_next returns the time of the next arrival (absolute ns, not
 * before now), or SIM_NEVER when none comes.  Call it at 0 for the first, then
 * at each arrival, at its time (now), for the one after: that arrival
 * then becomes the current one (arrival_current).  Never for the closed
 * loop.  Inline for a Poisson process (whose current row stays the empty
 * one it was made with: only a trace's rows carry anything);
 * arrival_next_slow is every process. */
int64_t arrival_next_slow(struct arrival *a, int64_t now);

/* arrival_at returns base + offset_ns rounded, or SIM_NEVER when the
 * offset lies beyond any run (a rate so low that the next arrival never
 * comes): the conversion of a huge or infinite double to int64 is
 * undefined.  Every process's times go through it. */
static inline int64_t arrival_at(int64_t base, double offset_ns)
{
	if (!(offset_ns < (double)(INT64_MAX / 4)))
		return SIM_NEVER;
	return base + (int64_t)(offset_ns + 0.5);
}

static inline int64_t arrival_next(struct arrival *a, int64_t now)
{
	if (a->cfg->process != ARRIVAL_POISSON)
		return arrival_next_slow(a, now);
	/* the client's own xoshiro stream: no test of its type */
	return arrival_at(now, a->gap_mean_ns * rng_xoshiro_exp1(a->rng));
}

/* arrival_current describes the arrival happening now (the one before the
 * last arrival_next returned): what its trace line says of its request. */
static inline const struct arrival_row *arrival_current(const struct arrival *a)
{
	return &a->cur;
}

/* arrival_scale multiplies cfg's load by f: its rates (a profile's
 * points, an MMPP's states, a Poisson or constant rate), or a trace's
 * scale; a closed loop is left as it is. */
void arrival_scale(struct arrival_cfg *c, double f);

/* arrival_offered: the expected arrivals per second of cfg between t0
 * and t1 (ns from the start of the run), or NAN when it has no such rate
 * (the closed loop, whose rate is the system's; an empty profile window;
 * a trace of length 0). */
double arrival_offered(const struct arrival_cfg *cfg, int64_t t0, int64_t t1);

/* arrival_fini closes what arrival_init opened; a zeroed struct arrival
 * (never initialized) is fine too. */
void arrival_fini(struct arrival *a);

#endif
