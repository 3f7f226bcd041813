/*
 * pause.h - stop-the-world pauses: when a replica stops, and how long a
 * piece of work takes across its stops.
 *
 * A garbage-collected runtime stops all its threads now and then: a
 * young-generation collection every few seconds, a few to a few hundred
 * milliseconds each.  Work in progress stalls for the pause and what
 * arrives meanwhile is not touched until it ends.  A service with
 * `pauses:` gives each replica a schedule of such pauses: the k-th starts
 * `every` after the (k-1)-th started (never before it ended) and lasts
 * `duration`, both drawn; the first starts at a uniform share of the
 * first gap, so that replicas do not line up.  With `synchronized`, the
 * replicas of a node share one schedule (a fleet-wide stop, or pauses set
 * off by the same input).
 *
 * Pauses need no events.  A piece of work of w nanoseconds begun at t
 * ends at pause_stretch(t, w): the work runs in the gaps between pauses,
 * and a start inside a pause waits for its end.  Each pause is drawn from
 * a counter-based stream keyed by the schedule and its index, so the
 * schedule is the same whatever asks for it and in whatever order; the
 * schedule keeps only the pauses not yet over, drawn as far ahead as the
 * longest work asked about, up to a thousand or so; work that spans more
 * draws the rest as it goes and keeps none (time, not memory, grows with
 * the pauses a piece of work spans).
 */
#ifndef SIM_PAUSE_H
#define SIM_PAUSE_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/dist.h"

/* `pauses:` as a scenario writes it. */
struct pause_cfg {
	int given;
	struct dist every;     /* from one pause's start to the next's */
	struct dist duration;
	int synchronized;      /* one schedule for all replicas */
};

/* One schedule: the pauses drawn and not yet over, oldest first. */
struct pauses {
	int64_t *start, *end;  /* a ring of cap */
	uint32_t head, n, cap;
	uint64_t key;          /* names the schedule's draws */
	uint64_t k;            /* the next pause's index */
	int64_t last_start, last_end;   /* the last drawn */
};

/* pauses_init makes p the schedule named by key (distinct for distinct
 * schedules of a run), starting at time 0. */
void pauses_init(struct pauses *p, uint64_t key);
void pauses_fini(struct pauses *p);

/* pause_stretch returns when work_ns of work begun at now (at or after
 * any time asked before) ends on schedule p, drawing pauses with scratch
 * (a rng_splitmix64 generator, reseeded); -1 when memory ran out.  Pauses
 * from `horizon` on (the run's end) are not drawn: work that reaches it
 * runs on unpaused. */
int64_t pause_stretch(struct pauses *p, const struct pause_cfg *c, gsl_rng *scratch,
		      int64_t now, int64_t work_ns, int64_t horizon);

#endif
