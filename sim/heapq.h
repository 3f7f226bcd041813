/*
 * heapq.h - a plain binary heap of events: the reference queue.
 *
 * Small and obviously correct, it is what the ladder queue (evq.h) is
 * checked against, and the baseline its speed is measured against.  Same
 * contract as evq.h: (time_ns, seq) keys, caller-owned events, arrays that
 * grow to a high-water mark.
 */
#ifndef SIM_HEAPQ_H
#define SIM_HEAPQ_H

#include <stddef.h>

#include "sim/event.h"

struct heapq {
	struct event **a;
	size_t n, cap;
};

void heapq_init(struct heapq *q);
void heapq_fini(struct heapq *q);
/* heapq_push returns 0 or SIM_ENOMEM (queue unchanged). */
int heapq_push(struct heapq *q, struct event *ev);
/* heapq_pop returns the first event in event_before() order, or NULL. */
struct event *heapq_pop(struct heapq *q);
static inline size_t heapq_size(const struct heapq *q) { return q->n; }
/* heapq_check returns 0 when the heap property holds everywhere, else -1. */
int heapq_check(const struct heapq *q);

#endif
