/*
 * evq.h - the engine's pending-event set: a ladder queue.
 *
 * (Essay to be completed by the implementation: Tang, Goh and Thng, "Ladder
 * Queue: An O(1) Priority Queue Structure for Large-Scale Discrete Event
 * Simulation", ACM TOMACS 15(3), 2005.  Top list, ladder of rungs of
 * buckets, sorted bottom list; why it beats a heap here; the bounds it keeps.)
 *
 * Contract shared with heapq.h (the reference binary heap), so that a
 * differential test can drive both with the same pushes and compare pops:
 *
 *   - keys are (time_ns, seq) as in event_before(); seqs are unique;
 *   - the engine's use is monotone: an event pushed is never earlier than
 *     the last event popped (asserted in debug builds);
 *   - the queue links events through ev->next and owns that field while the
 *     event is queued; it never allocates or frees an event;
 *   - steady state allocates nothing: internal arrays grow to a high-water
 *     mark and are reused.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "sim/event.h"

#define EVQ_MAX_RUNGS 8

struct evq_rung {
	struct event **bucket;   /* heads of bucket lists */
	struct event **tail;     /* tails, for O(1) append */
	size_t nbuckets;         /* buckets in use on this rung */
	size_t cap;              /* allocated buckets */
	size_t cur;              /* index of the current (first unserved) bucket */
	size_t count;            /* events on this rung */
	int64_t start_ns;        /* time of bucket 0's lower edge */
	int64_t width_ns;        /* bucket width, >= 1 */
};

struct evq {
	/* top: unsorted list of far-future events */
	struct event *top;
	size_t top_count;
	int64_t top_min_ns, top_max_ns, top_start_ns;
	/* ladder */
	struct evq_rung rung[EVQ_MAX_RUNGS];
	int nrungs;
	/* bottom: sorted list of the events to be served next */
	struct event *bottom;
	size_t bottom_count;

	size_t size;             /* events in the whole queue */
	int64_t last_pop_ns;     /* for the monotonicity assertion */
	int64_t last_pop_seq;
};

/* evq_init makes an empty queue.  It allocates nothing; evq_fini frees the
 * internal arrays (never the events, which the caller owns). */
void evq_init(struct evq *q);
void evq_fini(struct evq *q);

/* evq_push inserts ev.  Returns 0, or SIM_ENOMEM if a rung's bucket array
 * could not grow (the queue is then unchanged). */
int evq_push(struct evq *q, struct event *ev);

/* evq_pop removes and returns the event that comes first in event_before()
 * order, or NULL when the queue is empty. */
struct event *evq_pop(struct evq *q);

/* evq_size returns the number of queued events. */
static inline size_t evq_size(const struct evq *q) { return q->size; }

/* evq_check walks the whole structure and returns 0 when every invariant
 * holds (counts add up, bottom sorted, every event within its bucket's
 * range, rungs ordered, top beyond the ladder), or -1.  For tests. */
int evq_check(const struct evq *q);

#endif
