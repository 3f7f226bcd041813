/*
 * evq.h - the engine's pending-event set: a ladder queue.
 *
 * A run spends most of its time taking the earliest event out of a large
 * set and putting a later one back.  A binary heap does that in O(log n)
 * with a cache miss on nearly every level once the set outgrows the cache;
 * the ladder queue of Tang, Goh and Thng ("Ladder Queue: An O(1) Priority
 * Queue Structure for Large-Scale Discrete Event Simulation", ACM TOMACS
 * 15(3), 2005) does both in amortised O(1) by sorting only the few events
 * about to be served and keeping the rest in coarse time buckets.
 *
 * Three tiers, earliest last:
 *
 *   Top     an unsorted list of far-future events, with their minimum and
 *           maximum times.  An event later than every time the ladder
 *           covers (ladder_max_ns) is prepended here in O(1).
 *   Ladder  up to EVQ_MAX_RUNGS rungs.  A rung is an array of buckets of
 *           equal width over [start_ns, last_ns]; the last bucket also
 *           takes everything up to last_ns.  A bucket is an unsorted list.
 *           Each rung has a cursor: buckets before it are spent, and an
 *           event goes to the first rung (from rung 0, the widest) whose
 *           cursor time it has reached.  Rung k+1 subdivides the bucket of
 *           rung k just before that rung's cursor, so rung k+1 ends where
 *           rung k's cursor starts.
 *   Bottom  a sorted list of the events to be served next: everything
 *           earlier than the lowest rung's cursor.
 *
 * Pop takes the head of Bottom.  When Bottom is empty, it is refilled:
 *
 *   1. With no rungs, Top becomes rung 0: bucket width from (max - min) /
 *      count, so there is about one event per bucket, and Top starts over
 *      empty above the new ladder_max_ns.  A Top of at most EVQ_THRES events,
 *      or of events that all share one time, is sorted straight into Bottom.
 *   2. Otherwise the lowest rung's cursor moves to its next non-empty
 *      bucket.  That bucket is taken out and the cursor moves past it; a
 *      rung whose last bucket was taken is dropped, since nothing can
 *      reach it any more.  (A rung is never empty before that: its last
 *      bucket keeps the event at the maximum it was built from.)
 *   3. A bucket of at most EVQ_THRES events is sorted into Bottom.  A larger
 *      one becomes a new rung below, with widths again from its own
 *      (max - min) / count, and step 2 repeats on that rung.  A large bucket
 *      that cannot be split - all its events at one nanosecond, or the
 *      ladder already EVQ_MAX_RUNGS deep - is sorted into Bottom as it is,
 *      by seq where the times are equal.
 *
 * Small queues skip the ladder: while there are no rungs, Top is empty and
 * Bottom holds fewer than EVQ_SMALL events, a push goes into Bottom: at or
 * after its last event appended, raising ladder_max_ns to cover it, else
 * inserted in order (at the head, for an M/M/1's departure).  A
 * queue of a handful of events (the two of an M/M/1) is then a short
 * sorted list, with no refill and no sort; once it grows, pushes beyond
 * ladder_max_ns go to Top again and the ladder takes over.
 *
 * Push is a comparison with ladder_max_ns, a scan of at most EVQ_MAX_RUNGS
 * cursors, and a prepend to a bucket; an event earlier than every cursor
 * goes into Bottom by sorted insertion, in O(1) when it lands at either end
 * (a tie with a later seq, the common case, appends).
 *
 * Departures from the paper, and why:
 *
 *   - Times are integer nanoseconds, so widths are integers; they are
 *     rounded up to powers of two so that the bucket index is a shift, not
 *     a 64-bit division on every push.  A rung spans the exact [min, max]
 *     of the events it was built from, so a rung of n events has at most n
 *     buckets, and each split separates its minimum from its maximum: every
 *     new rung makes progress.  All offsets from a rung's start are taken
 *     as uint64_t, which cannot overflow for any pair of int64_t times.
 *   - A bucket of at most EVQ_THRES events is sorted by insertion, as in
 *     the paper, but on (time, seq, pointer) keys copied into an array in
 *     the pass that counts the bucket, so the sort touches no event memory.
 *     Anything larger that reaches Bottom (a bucket that cannot be split, a
 *     small Top) goes through a linked-list merge sort: O(n log n), so a
 *     burst of a million events at one nanosecond costs n log n, not n^2.
 *   - When an insertion would have to walk a Bottom of more than
 *     EVQ_BOTTOM_MAX events that span more than one time, Bottom becomes a
 *     new lowest rung first, as in the paper.  A Bottom whose events share
 *     one time cannot be split, but it is only ever walked by a tie pushed
 *     with a seq below others at that time, which the engine never does.
 *   - Pop never allocates (it cannot report failure).  Rung 0 grows on
 *     push, to hold as many buckets as Top has events; that growth, and
 *     the growth that turns a long Bottom into a rung, are what can make a
 *     push fail.  A deeper rung that would need more buckets than it has
 *     sorts its bucket into Bottom instead and asks the next push to grow
 *     it, best effort.
 *   - Cache misses, not instructions, dominate once the events outgrow the
 *     cache: a bucket is a linked list of events scattered in memory, and
 *     walking it is one dependent miss after another.  So when the cursor
 *     reaches a bucket it has not prefetched, it walks the lists of that
 *     bucket and the next EVQ_WARM - 1 together, one node of each per
 *     round, and the misses overlap (evq_warm).  In bench/evq_hold.c this
 *     more than halves the cost of a hold at 10^5 and 10^6 pending events.
 *
 * Bounds: push is O(EVQ_MAX_RUNGS) plus, sometimes, a Bottom insertion of
 * at most EVQ_BOTTOM_MAX steps, or a longer Bottom turned into a rung in
 * one linear pass.  Walks of a longer Bottom remain only in the two cases
 * above: a ladder already EVQ_MAX_RUNGS deep, or one time with out-of-order
 * seqs.  Pop is amortised O(1) for the distributions the paper studies:
 * each event moves Top -> rung -> (a few rungs) -> Bottom, each rung's
 * buckets are scanned once, and sorting a bucket costs O(EVQ_THRES^2) at
 * most; an unsplittable bucket of n events costs O(n log n).  Memory is
 * the events plus one pointer per bucket; a rung built from n events has
 * at most n buckets, so rung 0 holds at most as many as the largest Top
 * seen and a deeper rung as the largest bucket it split.  The arrays keep
 * their capacity when rungs are dropped and built again, so a steady state
 * allocates nothing.
 *
 * Why hand-written: no C library offers a discrete-event ladder queue over
 * intrusive event records; general priority queues (heaps, pairing heaps,
 * skip lists) are O(log n).  heapq.h is the reference it is tested against.
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

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/event.h"

#define EVQ_MAX_RUNGS 8
/* A bucket with more events than this is split into a new rung (paper: 50). */
#define EVQ_THRES 50
/* Bottom longer than this becomes a rung before a walking insertion. */
#define EVQ_BOTTOM_MAX (2 * EVQ_THRES)
/* A queue with no rungs, an empty Top and fewer events than this in Bottom
 * appends a later event to Bottom instead of Top (see above). */
#define EVQ_SMALL 16
/* Buckets whose lists a refill prefetches together (see evq_warm). */
#define EVQ_WARM 32

struct evq_rung {
	struct event **bucket;   /* heads of unsorted bucket lists */
	size_t nbuckets;         /* buckets in use on this rung */
	size_t cap;              /* allocated buckets, kept when dropped */
	size_t want;             /* buckets a refill lacked; grown on push */
	size_t cur;              /* current (first unserved) bucket */
	size_t count;            /* events on this rung */
	size_t warm;             /* buckets below this were prefetched */
	int64_t start_ns;        /* time of bucket 0's lower edge */
	int64_t cur_ns;          /* lower edge of bucket cur */
	int64_t last_ns;         /* last time the rung covers, inclusive */
	unsigned shift;          /* bucket width is 1 << shift nanoseconds */
};

struct evq {
	/* top: unsorted list of events later than ladder_max_ns */
	struct event *top;
	size_t top_count;
	int64_t top_min_ns, top_max_ns;
	/* ladder: rung[0 .. nrungs-1], widest first */
	struct evq_rung rung[EVQ_MAX_RUNGS];
	int nrungs;
	int want_any;            /* some rung's want exceeds its cap */
	int64_t ladder_max_ns;   /* last time rungs and bottom cover */
	/* bottom: sorted list of the events to be served next */
	struct event *bottom, *bottom_tail;
	size_t bottom_count;

	size_t size;             /* events in the whole queue */
	int64_t last_pop_ns;     /* for the monotonicity assertion */
};

/* evq_init makes an empty queue.  It allocates nothing; evq_fini frees the
 * internal arrays (never the events, which the caller owns) and leaves the
 * queue empty and usable again, as if just initialised. */
void evq_init(struct evq *q);
void evq_fini(struct evq *q);

/* evq_push inserts ev, which must not be queued already and whose time_ns
 * must not be earlier than that of the last event popped (a tie may carry
 * any seq, so the event just popped can be pushed back unchanged).
 * Returns 0, or SIM_ENOMEM if a rung's bucket array could not grow; the
 * queue is then unchanged and usable, ev is not queued, and the caller
 * still owns it.  Inline at either end of a small queue's Bottom;
 * evq_push_slow is every case (the inline one's too, which it hands over
 * while rungs wait to grow). */
int evq_push_slow(struct evq *q, struct event *ev);

/* evq_push_end puts ev at either end of a small queue's non-empty Bottom
 * where it belongs there (appended at or after the tail, raising
 * ladder_max_ns to cover it, or before the head) and says 1, else
 * changes nothing and says 0: it belongs inside. */
static inline __attribute__((always_inline)) int
evq_push_end(struct evq *q, struct event *ev)
{
	if (!event_before(ev, q->bottom_tail)) {
		if (ev->time_ns > q->ladder_max_ns)
			q->ladder_max_ns = ev->time_ns;
		ev->next = NULL;
		q->bottom_tail->next = ev;
		q->bottom_tail = ev;
	} else if (event_before(ev, q->bottom)) {
		ev->next = q->bottom;
		q->bottom = ev;
	} else {
		return 0;
	}
	q->bottom_count++;
	q->size++;
	return 1;
}

static inline int evq_push(struct evq *q, struct event *ev)
{
	/* inline: a small queue's push at either end of Bottom (see above),
	 * which is most of an M/M/1's */
	assert(ev->time_ns >= q->last_pop_ns);
	if (q->nrungs == 0 && !q->top && q->bottom && q->bottom_count < EVQ_SMALL &&
	    !q->want_any && evq_push_end(q, ev))
		return 0;
	return evq_push_slow(q, ev);
}

/* evq_pop removes and returns the event that comes first in event_before()
 * order, or NULL when the queue is empty.  Never allocates, never fails.
 * The returned event's next field is NULL.  Inline when Bottom is not
 * empty; evq_pop_refill refills it first. */
struct event *evq_pop_refill(struct evq *q);

static inline struct event *evq_pop(struct evq *q)
{
	struct event *ev = q->bottom;
	if (!ev)
		return evq_pop_refill(q);
	q->bottom = ev->next;
	if (!q->bottom)
		q->bottom_tail = NULL;
	q->bottom_count--;
	q->size--;
	q->last_pop_ns = ev->time_ns;
	ev->next = NULL;
	return ev;
}

/* evq_peek returns the event evq_pop would return, leaving it queued, or
 * NULL when the queue is empty.  It may refill Bottom from the ladder (as
 * the next pop would have); never allocates, never fails.  The common
 * case, a Bottom that is not empty, is inline. */
struct event *evq_peek_refill(struct evq *q);

static inline struct event *evq_peek(struct evq *q)
{
	return q->bottom ? q->bottom : evq_peek_refill(q);
}

/* evq_size returns the number of queued events. */
static inline size_t evq_size(const struct evq *q) { return q->size; }

/* evq_each calls fn(arg, ev) for every queued event, Bottom first, then
 * the rungs and Top: an order fixed by the queue's history, not by the
 * events' times.  fn must leave the queue as it is (it may set an
 * event's flags).  Time linear in the events and buckets: for rare
 * paths. */
void evq_each(const struct evq *q, void (*fn)(void *arg, struct event *ev), void *arg);

/* evq_check walks the whole structure and returns 0 when every invariant
 * holds (counts add up, bottom sorted, every event within its bucket's
 * range, rungs ordered, top beyond the ladder), or -1.  For tests: it takes
 * time linear in the events and buckets. */
int evq_check(const struct evq *q);

#endif
