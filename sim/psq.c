/*
 * psq.c - processor sharing in virtual time; see psq.h.
 */
#include "sim/psq.h"

#include <math.h>
#include <stdlib.h>

#include "sim/err.h"

/* the far end of time, as dist_sample_ns caps it: now + it cannot overflow */
#define PSQ_NEVER (INT64_MAX / 4)

void psq_init(struct psq *q, uint32_t servers, int64_t now)
{
	*q = (struct psq){ .servers = servers ? servers : 1, .at = now };
}

void psq_fini(struct psq *q)
{
	free(q->h);
	q->h = NULL;
	q->n = q->cap = 0;
}

/* rate: how fast each of q's requests advances now. */
static double rate(const struct psq *q)
{
	return q->n <= q->servers ? 1.0 : (double)q->servers / q->n;
}

static void advance(struct psq *q, int64_t now)
{
	if (q->n)
		q->v += (double)(now - q->at) * rate(q);
	q->at = now;
}

static int before(const struct psq_item *a, const struct psq_item *b)
{
	return a->tag < b->tag || (a->tag == b->tag && a->seq < b->seq);
}

static void sift_up(struct psq_item *h, uint32_t i)
{
	struct psq_item x = h[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!before(&x, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void sift_down(struct psq_item *h, uint32_t n, uint32_t i)
{
	struct psq_item x = h[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

int psq_add(struct psq *q, int64_t now, int64_t work_ns, void *obj)
{
	if (q->n == q->cap) {
		uint32_t cap = q->cap ? 2 * q->cap : 8;
		struct psq_item *h = realloc(q->h, cap * sizeof *h);
		if (!h)
			return SIM_ENOMEM;
		q->h = h;
		q->cap = cap;
	}
	advance(q, now);
	q->h[q->n] = (struct psq_item){ q->v + (double)work_ns, q->seq++, obj };
	sift_up(q->h, q->n++);
	return 0;
}

int64_t psq_next_ns(const struct psq *q)
{
	if (!q->n)
		return INT64_MAX;
	/* rounded up, so that v has reached the tag when the timer fires
	 * (psq_pop forgives the rounding's last fraction either way) */
	double dt = ceil((q->h[0].tag - q->v) / rate(q) - 1e-6);
	if (dt < 0)
		dt = 0;
	return dt < (double)(PSQ_NEVER - q->at) ? q->at + (int64_t)dt : PSQ_NEVER;
}

void *psq_pop(struct psq *q, int64_t now)
{
	advance(q, now);
	struct psq_item top = q->h[0];
	q->h[0] = q->h[--q->n];
	if (q->n)
		sift_down(q->h, q->n, 0);
	/* it has had its demand: v is its tag, to the rounding */
	if (q->v < top.tag)
		q->v = top.tag;
	if (!q->n)
		q->v = 0;                /* empty: start afresh, v stays small */
	return top.obj;
}

uint32_t psq_take_all(struct psq *q, int64_t now, void **out)
{
	uint32_t k = 0;
	while (q->n)
		out[k++] = psq_pop(q, now);
	return k;
}
