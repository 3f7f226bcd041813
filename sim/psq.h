/*
 * psq.h - processor sharing: requests that share a server's capacity.
 *
 * Under processor sharing every request present is in service at once.
 * With c servers (a replica's `workers`: its cores) and n requests, each
 * advances at rate min(1, c / n): alone, at full speed; crowded, at an
 * equal share.  This is the usual model of a CPU-bound server with many
 * threads, and the queueing-theory classic: an M/G/1 under it gives a
 * request of demand x a mean sojourn of x / (1 - rho), whatever the
 * demands' distribution.
 *
 * The set is kept in virtual time, as fair queueing does: v(t) grows at
 * the rate each request advances, so a request of demand x that joins at
 * virtual time v leaves when v reaches v + x, its tag.  Tags never
 * change while others come and go; only v's rate does.  The next to
 * leave is the least tag, so the set is a heap of tags and each change
 * costs O(log n), with one timer for the set rather than one per
 * request.  Ties leave in the order they joined.
 *
 * Times are the simulation's nanoseconds; v is a double, restarted at 0
 * whenever the set empties, so that it stays exact to well under a
 * nanosecond unless a replica is busy without a break for months.  The caller owns the timer: after
 * each psq_add or psq_pop it asks psq_next_ns when the next departure is
 * due.
 */
#ifndef SIM_PSQ_H
#define SIM_PSQ_H

#include <stdint.h>

struct psq_item {
	double tag;            /* virtual time at which it has had its demand */
	uint64_t seq;          /* joining order, for ties */
	void *obj;
};

struct psq {
	struct psq_item *h;    /* a binary heap by (tag, seq) */
	uint32_t n, cap;
	uint32_t servers;      /* c: how many may advance at full rate */
	double v;              /* virtual time at `at` */
	int64_t at;
	uint64_t seq;
};

/* psq_init makes q an empty set of `servers` (at least 1) servers at
 * time now. */
void psq_init(struct psq *q, uint32_t servers, int64_t now);
void psq_fini(struct psq *q);

/* psq_add: obj joins q at now with demand work_ns.  Returns 0 or
 * SIM_ENOMEM (q unchanged). */
int psq_add(struct psq *q, int64_t now, int64_t work_ns, void *obj);

/* psq_next_ns says when the next request leaves if no other joins
 * meanwhile: at or after q's last change; INT64_MAX when q is empty. */
int64_t psq_next_ns(const struct psq *q);

/* psq_pop removes and returns the request that leaves next (q not
 * empty); the caller calls it at psq_next_ns. */
void *psq_pop(struct psq *q, int64_t now);

/* psq_take_all empties q into out (room for q->n), in the order its
 * requests would have left, and returns how many. */
uint32_t psq_take_all(struct psq *q, int64_t now, void **out);

#endif
