/*
 * heapq.c - a binary min-heap of event pointers; see heapq.h.
 *
 * a[0] is the first event; the children of a[i] are a[2i+1] and a[2i+2],
 * and no child comes before its parent in event_before() order.  Push sifts
 * the new event up from the end, pop moves the last event to the root and
 * sifts it down: O(log n) each.  The array doubles when full and never
 * shrinks, so a steady state allocates nothing.
 */
#include "sim/heapq.h"

#include <stdint.h>
#include <stdlib.h>

#include "sim/err.h"

void heapq_init(struct heapq *q)
{
	q->a = NULL;
	q->n = 0;
	q->cap = 0;
}

void heapq_fini(struct heapq *q)
{
	free(q->a);
	heapq_init(q);
}

int heapq_push(struct heapq *q, struct event *ev)
{
	if (q->n == q->cap) {
		if (q->cap > SIZE_MAX / 2 / sizeof *q->a)
			return SIM_ENOMEM;
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct event **a = realloc(q->a, cap * sizeof *a);
		if (!a)
			return SIM_ENOMEM;
		q->a = a;
		q->cap = cap;
	}
	size_t i = q->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!event_before(ev, q->a[p]))
			break;
		q->a[i] = q->a[p];
		i = p;
	}
	q->a[i] = ev;
	return 0;
}

struct event *heapq_pop(struct heapq *q)
{
	if (q->n == 0)
		return NULL;
	struct event *top = q->a[0];
	struct event *ev = q->a[--q->n];
	size_t n = q->n, i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && event_before(q->a[c + 1], q->a[c]))
			c++;
		if (!event_before(q->a[c], ev))
			break;
		q->a[i] = q->a[c];
		i = c;
	}
	if (n > 0)
		q->a[i] = ev;
	return top;
}

int heapq_check(const struct heapq *q)
{
	if (q->n > q->cap || (q->cap && !q->a))
		return -1;
	for (size_t i = 1; i < q->n; i++)
		if (event_before(q->a[i], q->a[(i - 1) / 2]))
			return -1;
	return 0;
}
