/*
 * repio.c - replication records; see repio.h.
 *
 * Layout (native byte order): magic, version, then the fields in the
 * order of struct rep_result; each array is preceded by its length, which
 * unpacking checks against the prepared result.
 */
#include "app/repio.h"

#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

#define REPIO_MAGIC 0x61727372u      /* "arsr" in a little-endian dump */
#define REPIO_VERSION 5u
#define REPIO_DENSE UINT64_MAX    /* a histogram's buckets sent as a run */

void repio_put(struct repio_buf *b, const void *p, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *d = realloc(b->data, cap);
		if (!d) {
			b->oom = 1;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void repio_put64(struct repio_buf *b, uint64_t v)
{
	repio_put(b, &v, sizeof v);
}

void repio_putd(struct repio_buf *b, double v)
{
	repio_put(b, &v, sizeof v);
}

void repio_put_hist(struct repio_buf *b, const struct hist *h)
{
	uint64_t lo = 0, hi = 0;
	if (h->total) {
		lo = hist_index(h->min_ns);
		hi = hist_index(h->max_ns) + 1;
	}
	repio_put64(b, h->total);
	repio_put64(b, (uint64_t)h->min_ns);
	repio_put64(b, (uint64_t)h->max_ns);
	repio_put64(b, (uint64_t)h->sum_ns);
	repio_put64(b, (uint64_t)(h->sum_ns >> 64));
	repio_put64(b, lo);
	repio_put64(b, hi);
	/* the run of buckets, or where it is mostly empty (a short
	 * replication's few latencies over a wide range) only the buckets
	 * that count something, as pairs: what crosses from a worker is then
	 * the size of the data, not of its range */
	uint64_t nnz = 0;
	for (uint64_t i = lo; i < hi; i++)
		nnz += h->counts[i] != 0;
	if (2 * nnz >= hi - lo) {
		repio_put64(b, REPIO_DENSE);
		repio_put(b, h->counts + lo, (size_t)(hi - lo) * sizeof *h->counts);
		return;
	}
	repio_put64(b, nnz);
	for (uint64_t i = lo; i < hi; i++)
		if (h->counts[i]) {
			repio_put64(b, i);
			repio_put64(b, h->counts[i]);
		}
}

void repio_put_whist(struct repio_buf *b, const struct whist *h)
{
	/* only the buckets that count something */
	uint32_t lo = h->total ? h->ulo : 0, hi = h->total ? h->uhi : 0;
	while (lo < hi && !h->counts[lo - h->lo])
		lo++;
	while (hi > lo && !h->counts[hi - 1 - h->lo])
		hi--;
	repio_put64(b, h->total);
	repio_put64(b, lo);
	repio_put64(b, hi);
	if (hi > lo)
		repio_put(b, h->counts + (lo - h->lo), (size_t)(hi - lo) * sizeof *h->counts);
}

int repio_pack(const struct rep_result *r, struct repio_buf *b)
{
	b->len = 0;
	b->oom = 0;
	repio_put64(b, REPIO_MAGIC);
	repio_put64(b, REPIO_VERSION);
	repio_put64(b, r->nscopes);
	repio_putd(b, r->duration_s);
	for (uint32_t i = 0; i < r->nscopes; i++) {
		const struct scope_result *s = &r->scopes[i];
		repio_put64(b, s->arrivals);
		repio_put(b, s->ended, sizeof s->ended);
		repio_putd(b, s->failed_latency_s);
		repio_put_hist(b, &s->latency);
	}
	repio_put64(b, r->nts);
	repio_put64(b, (uint64_t)r->ts_window_ns);
	for (size_t t = 0; t < r->nts; t++) {
		repio_put(b, r->ts[t].ended, sizeof r->ts[t].ended);
		repio_putd(b, r->ts[t].lat_sum_s);
		repio_put_whist(b, &r->ts[t].lat);
	}
	repio_put64(b, r->nnodes);
	for (size_t k = 0; k < r->nnodes; k++)
		repio_put64(b, r->nodes[k].nrows);
	repio_put64(b, r->nts_node);
	repio_put64(b, r->node_ts_every);
	repio_put64(b, r->node_ts_cells);
	repio_put(b, r->node_ts, r->nts_node * r->node_ts_cells * sizeof *r->node_ts);
	repio_put(b, r->inflight, sizeof r->inflight);
	repio_put64(b, r->events);
	repio_put64(b, r->requests);
	repio_put64(b, (uint64_t)r->complete);
	repio_putd(b, r->cost_per_hour);
	/* the node rows last: their length follows from the scenario */
	for (size_t k = 0; k < r->nnodes; k++) {
		const struct node_rows *o = &r->nodes[k];
		repio_put64(b, o->ncells);
		repio_put(b, o->v, o->ncells * sizeof *o->v);
	}
	repio_put64(b, r->links.ncells);
	repio_put(b, r->links.v, r->links.ncells * sizeof *r->links.v);
	return b->oom ? SIM_ENOMEM : 0;
}

void repio_get(struct repio_reader *r, void *out, size_t n)
{
	if (n == 0)
		return;
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p, n);
	r->p += n;
}

uint64_t repio_get64(struct repio_reader *r)
{
	uint64_t v;
	repio_get(r, &v, sizeof v);
	return v;
}

double repio_getd(struct repio_reader *r)
{
	double v;
	repio_get(r, &v, sizeof v);
	return v;
}

/* expect reads a length and marks the record bad unless it is `want`. */
void repio_expect(struct repio_reader *r, uint64_t want)
{
	if (repio_get64(r) != want)
		r->bad = 1;
}

/* get_hist reads a histogram into h (cleared), checking that its parts
 * agree: the run of buckets is where its smallest and largest values
 * fall, and its counts add up to its total.  A record that does not
 * agree leaves h empty and the reader bad. */
void repio_get_hist(struct repio_reader *r, struct hist *h)
{
	uint64_t total = repio_get64(r);
	int64_t min = (int64_t)repio_get64(r), max = (int64_t)repio_get64(r);
	uint64_t s0 = repio_get64(r), s1 = repio_get64(r);
	uint64_t lo = repio_get64(r), hi = repio_get64(r);
	if (r->bad)
		return;
	if (total ? min < 0 || min > max || lo != hist_index(min) || hi != hist_index(max) + 1 :
		    lo != 0 || hi != 0) {
		r->bad = 1;
		return;
	}
	uint64_t nnz = repio_get64(r);
	if (nnz == REPIO_DENSE) {
		repio_get(r, h->counts + lo, (size_t)(hi - lo) * sizeof *h->counts);
	} else if (nnz > hi - lo) {
		r->bad = 1;
	} else {
		/* in increasing order, each once, as put_hist writes them */
		for (uint64_t k = 0, next = lo; k < nnz && !r->bad; k++) {
			uint64_t i = repio_get64(r), c = repio_get64(r);
			if (i < next || i >= hi) {
				r->bad = 1;
			} else {
				h->counts[i] = c;
				next = i + 1;
			}
		}
	}
	uint64_t sum = 0;
	for (uint64_t i = lo; i < hi; i++)
		sum += h->counts[i];
	if (r->bad || sum != total) {
		memset(h->counts + lo, 0, (size_t)(hi - lo) * sizeof *h->counts);
		r->bad = 1;
		return;
	}
	h->total = total;
	h->min_ns = min;
	h->max_ns = max;
	h->sum_ns = (hist_u128)s1 << 64 | s0;
}

/* get_whist reads a window's histogram into h (reset), with the same
 * checks: its buckets within the layout, its counts adding up. */
int repio_get_whist(struct repio_reader *r, struct whist *h)
{
	uint64_t total = repio_get64(r), lo = repio_get64(r), hi = repio_get64(r);
	if (r->bad || lo > hi || hi > WHIST_NBUCKETS || (!total && hi > lo)) {
		r->bad = 1;
		return 0;
	}
	if (hi > lo) {
		if ((size_t)(r->end - r->p) < (hi - lo) * sizeof *h->counts) {
			r->bad = 1;
			return 0;
		}
		if (whist_cover(h, (uint32_t)lo, (uint32_t)hi))
			return SIM_ENOMEM;
		repio_get(r, h->counts + (lo - h->lo), (size_t)(hi - lo) * sizeof *h->counts);
		uint64_t sum = 0;
		for (uint64_t i = lo; i < hi; i++)
			sum += h->counts[i - h->lo];
		if (sum != total) {
			memset(h->counts + (lo - h->lo), 0, (size_t)(hi - lo) * sizeof *h->counts);
			r->bad = 1;
			return 0;
		}
	} else if (total) {
		r->bad = 1;
		return 0;
	}
	h->total = total;
	h->ulo = (uint32_t)lo, h->uhi = (uint32_t)hi;
	return 0;
}

uint64_t repio_format(const void *data, size_t len, uint64_t *ours)
{
	uint64_t w[2];
	*ours = REPIO_VERSION;
	if (len < sizeof w)
		return 0;
	memcpy(w, data, sizeof w);
	return w[0] == REPIO_MAGIC ? w[1] : 0;
}

int repio_unpack(struct rep_result *res, const void *data, size_t len)
{
	struct repio_reader r = { .p = data, .end = (const unsigned char *)data + len };
	rep_result_clear(res);
	repio_expect(&r, REPIO_MAGIC);
	repio_expect(&r, REPIO_VERSION);
	repio_expect(&r, res->nscopes);
	res->duration_s = repio_getd(&r);
	for (uint32_t i = 0; i < res->nscopes && !r.bad; i++) {
		struct scope_result *s = &res->scopes[i];
		s->arrivals = repio_get64(&r);
		repio_get(&r, s->ended, sizeof s->ended);
		s->failed_latency_s = repio_getd(&r);
		repio_get_hist(&r, &s->latency);
	}
	repio_expect(&r, res->nts);
	repio_expect(&r, (uint64_t)res->ts_window_ns);
	for (size_t t = 0; t < res->nts && !r.bad; t++) {
		repio_get(&r, res->ts[t].ended, sizeof res->ts[t].ended);
		res->ts[t].lat_sum_s = repio_getd(&r);
		if (repio_get_whist(&r, &res->ts[t].lat))
			return SIM_ENOMEM;
	}
	repio_expect(&r, res->nnodes);
	for (size_t k = 0; k < res->nnodes; k++)
		repio_expect(&r, res->nodes[k].nrows);
	repio_expect(&r, res->nts_node);
	repio_expect(&r, res->node_ts_every);
	repio_expect(&r, res->node_ts_cells);
	repio_get(&r, res->node_ts, res->nts_node * res->node_ts_cells * sizeof *res->node_ts);
	repio_get(&r, res->inflight, sizeof res->inflight);
	res->events = repio_get64(&r);
	res->requests = repio_get64(&r);
	res->complete = (int)repio_get64(&r);
	res->cost_per_hour = repio_getd(&r);
	for (size_t k = 0; k < res->nnodes; k++) {
		struct node_rows *o = &res->nodes[k];
		repio_expect(&r, o->ncells);
		repio_get(&r, o->v, o->ncells * sizeof *o->v);
	}
	repio_expect(&r, res->links.ncells);
	repio_get(&r, res->links.v, res->links.ncells * sizeof *res->links.v);
	if (r.p != r.end)
		r.bad = 1;
	return r.bad ? SIM_EINVAL : 0;
}
