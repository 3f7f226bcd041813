/*
 * pause.c - stop-the-world pause schedules; see pause.h.
 */
#include "sim/pause.h"

#include <stdlib.h>

#include "sim/rng.h"

/* the most pauses a schedule keeps ahead: work that spans more draws the
 * rest as it goes */
#define PAUSE_KEEP 1024

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

/* A position in a schedule's sequence: the index of the next pause and
 * the last one drawn. */
struct cursor {
	uint64_t k;
	int64_t last_start, last_end;
};

/* draw advances c to the next pause of the schedule keyed `key` and sets
 * its start and end: the same pause for the same index, whoever draws
 * it. */
static void draw(struct cursor *c, uint64_t key, const struct pause_cfg *cfg, gsl_rng *r,
		 int64_t *start, int64_t *end)
{
	rng_seed_key(r, rng_key(key, 2 * c->k));
	int64_t gap = dist_sample_ns(&cfg->every, r);
	rng_seed_key(r, rng_key(key, 2 * c->k + 1));
	int64_t len = dist_sample_ns(&cfg->duration, r);
	int64_t at;
	if (c->last_start < 0) {
		/* the first, at a uniform share of its gap */
		rng_seed_key(r, rng_key(key, UINT64_MAX));
		at = (int64_t)(rng_uniform_pos(r) * (double)gap);
	} else {
		at = c->last_start + gap;
		if (at < c->last_end)
			at = c->last_end;
	}
	c->k++;
	c->last_start = *start = at;
	c->last_end = *end = at + len;
}

/* draw_next appends the next pause: 0, or -1. */
static int draw_next(struct pauses *p, const struct pause_cfg *c, gsl_rng *r)
{
	if (p->n == p->cap && grow(p))
		return -1;
	struct cursor cur = { p->k, p->last_start, p->last_end };
	uint32_t i = (p->head + p->n) % p->cap;
	draw(&cur, p->key, c, r, &p->start[i], &p->end[i]);
	p->n++;
	p->k = cur.k;
	p->last_start = cur.last_start;
	p->last_end = cur.last_end;
	return 0;
}

/* past: work at *t with *left to do meets the pause [s, e); says
 * whether the work ends before it (or the pause is past the horizon),
 * else runs it up to the pause and on from its end. */
static int past(int64_t s, int64_t e, int64_t horizon, int64_t *t, int64_t *left)
{
	if (e <= *t)
		return 0;
	if (s >= horizon)
		return 1;
	if (s > *t) {
		if (s - *t >= *left)
			return 1;
		*left -= s - *t;
	}
	*t = e;                          /* stopped until the pause ends */
	return 0;
}

/* stretch_on goes on with work left at t past the pauses the schedule
 * keeps, drawing the next ones without keeping them (the schedule draws
 * the same ones again, by their keys, when time gets there), so that
 * work far longer than the pauses' gaps costs no memory. */
static int64_t stretch_on(const struct pauses *p, const struct pause_cfg *c, gsl_rng *r,
			  int64_t t, int64_t left, int64_t horizon)
{
	struct cursor cur = { p->k, p->last_start, p->last_end };
	for (;;) {
		int64_t s, e;
		draw(&cur, p->key, c, r, &s, &e);
		if (past(s, e, horizon, &t, &left))
			return t + left;
	}
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
		if (i == p->n && p->n >= PAUSE_KEEP)
			return stretch_on(p, c, scratch, t, left, horizon);
		if (i == p->n && draw_next(p, c, scratch))
			return -1;
		uint32_t j = (p->head + i) % p->cap;
		if (past(p->start[j], p->end[j], horizon, &t, &left))
			return t + left;
	}
}
