/*
 * pause.c - stop-the-world pause schedules; see pause.h.
 */
#include "sim/pause.h"

#include <stdlib.h>

#include "sim/rng.h"

void pauses_init(struct pauses *p, uint64_t key)
{
	*p = (struct pauses){ .key = key, .last_start = -1 };
}

void pauses_fini(struct pauses *p)
{
	free(p->start);
	free(p->end);
	p->start = p->end = NULL;
	p->n = p->cap = 0;
}

/* grow doubles the ring, oldest first at 0: 0, or -1. */
static int grow(struct pauses *p)
{
	uint32_t cap = p->cap ? 2 * p->cap : 8;
	int64_t *s = malloc(cap * sizeof *s), *e = malloc(cap * sizeof *e);
	if (!s || !e) {
		free(s);
		free(e);
		return -1;
	}
	for (uint32_t i = 0; i < p->n; i++) {
		s[i] = p->start[(p->head + i) % p->cap];
		e[i] = p->end[(p->head + i) % p->cap];
	}
	free(p->start);
	free(p->end);
	p->start = s;
	p->end = e;
	p->head = 0;
	p->cap = cap;
	return 0;
}

/* draw_next appends the next pause: 0, or -1. */
static int draw_next(struct pauses *p, const struct pause_cfg *c, gsl_rng *r)
{
	if (p->n == p->cap && grow(p))
		return -1;
	rng_seed_key(r, rng_key(p->key, 2 * p->k));
	int64_t gap = dist_sample_ns(&c->every, r);
	rng_seed_key(r, rng_key(p->key, 2 * p->k + 1));
	int64_t len = dist_sample_ns(&c->duration, r);
	int64_t at;
	if (p->last_start < 0) {
		/* the first, at a uniform share of its gap */
		rng_seed_key(r, rng_key(p->key, UINT64_MAX));
		at = (int64_t)(rng_uniform_pos(r) * (double)gap);
	} else {
		at = p->last_start + gap;
		if (at < p->last_end)
			at = p->last_end;
	}
	uint32_t i = (p->head + p->n) % p->cap;
	p->start[i] = at;
	p->end[i] = at + len;
	p->n++;
	p->k++;
	p->last_start = at;
	p->last_end = at + len;
	return 0;
}

int64_t pause_stretch(struct pauses *p, const struct pause_cfg *c, gsl_rng *scratch,
		      int64_t now, int64_t work_ns, int64_t horizon)
{
	/* the pauses over by now matter no more */
	while (p->n && p->end[p->head] <= now) {
		p->head = (p->head + 1) % p->cap;
		p->n--;
	}
	int64_t t = now, left = work_ns;
	for (uint32_t i = 0;; i++) {
		if (i == p->n && draw_next(p, c, scratch))
			return -1;
		uint32_t j = (p->head + i) % p->cap;
		int64_t s = p->start[j], e = p->end[j];
		if (e <= t)
			continue;
		if (s >= horizon)
			return t + left;
		if (s > t) {
			if (s - t >= left)
				return t + left;
			left -= s - t;
		}
		t = e;                   /* stopped until the pause ends */
	}
}
