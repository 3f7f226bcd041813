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

static void put(struct repio_buf *b, const void *p, size_t n)
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

static void put64(struct repio_buf *b, uint64_t v)
{
	put(b, &v, sizeof v);
}

static void putd(struct repio_buf *b, double v)
{
	put(b, &v, sizeof v);
}

static void put_hist(struct repio_buf *b, const struct hist *h)
{
	uint64_t lo = 0, hi = 0;
	if (h->total) {
		lo = hist_index(h->min_ns);
		hi = hist_index(h->max_ns) + 1;
	}
	put64(b, h->total);
	put64(b, (uint64_t)h->min_ns);
	put64(b, (uint64_t)h->max_ns);
	put64(b, (uint64_t)h->sum_ns);
	put64(b, (uint64_t)(h->sum_ns >> 64));
	put64(b, lo);
	put64(b, hi);
	/* the run of buckets, or where it is mostly empty (a short
	 * replication's few latencies over a wide range) only the buckets
	 * that count something, as pairs: what crosses from a worker is then
	 * the size of the data, not of its range */
	uint64_t nnz = 0;
	for (uint64_t i = lo; i < hi; i++)
		nnz += h->counts[i] != 0;
	if (2 * nnz >= hi - lo) {
		put64(b, REPIO_DENSE);
		put(b, h->counts + lo, (size_t)(hi - lo) * sizeof *h->counts);
		return;
	}
	put64(b, nnz);
	for (uint64_t i = lo; i < hi; i++)
		if (h->counts[i]) {
			put64(b, i);
			put64(b, h->counts[i]);
		}
}

static void put_whist(struct repio_buf *b, const struct whist *h)
{
	/* only the buckets that count something */
	uint32_t lo = h->total ? h->ulo : 0, hi = h->total ? h->uhi : 0;
	while (lo < hi && !h->counts[lo - h->lo])
		lo++;
	while (hi > lo && !h->counts[hi - 1 - h->lo])
		hi--;
	put64(b, h->total);
	put64(b, lo);
	put64(b, hi);
	if (hi > lo)
		put(b, h->counts + (lo - h->lo), (size_t)(hi - lo) * sizeof *h->counts);
}

int repio_pack(const struct rep_result *r, struct repio_buf *b)
{
	b->len = 0;
	b->oom = 0;
	put64(b, REPIO_MAGIC);
	put64(b, REPIO_VERSION);
	put64(b, r->nscopes);
	putd(b, r->duration_s);
	for (uint32_t i = 0; i < r->nscopes; i++) {
		const struct scope_result *s = &r->scopes[i];
		put64(b, s->arrivals);
		put(b, s->ended, sizeof s->ended);
		putd(b, s->failed_latency_s);
		put_hist(b, &s->latency);
	}
	put64(b, r->nts);
	put64(b, (uint64_t)r->ts_window_ns);
	for (size_t t = 0; t < r->nts; t++) {
		put(b, r->ts[t].ended, sizeof r->ts[t].ended);
		putd(b, r->ts[t].lat_sum_s);
		put_whist(b, &r->ts[t].lat);
	}
	put64(b, r->nnodes);
	for (size_t k = 0; k < r->nnodes; k++)
		put64(b, r->nodes[k].nrows);
	put64(b, r->nts_node);
	put64(b, r->node_ts_every);
	put64(b, r->node_ts_cells);
	put(b, r->node_ts, r->nts_node * r->node_ts_cells * sizeof *r->node_ts);
	put(b, r->inflight, sizeof r->inflight);
	put64(b, r->events);
	put64(b, r->requests);
	put64(b, (uint64_t)r->complete);
	putd(b, r->cost_per_hour);
	/* the node rows last: their length follows from the scenario */
	for (size_t k = 0; k < r->nnodes; k++) {
		const struct node_rows *o = &r->nodes[k];
		put64(b, o->ncells);
		put(b, o->v, o->ncells * sizeof *o->v);
	}
	put64(b, r->links.ncells);
	put(b, r->links.v, r->links.ncells * sizeof *r->links.v);
	return b->oom ? SIM_ENOMEM : 0;
}

struct reader {
	const unsigned char *p, *end;
	int bad;
};

static void get(struct reader *r, void *out, size_t n)
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

static uint64_t get64(struct reader *r)
{
	uint64_t v;
	get(r, &v, sizeof v);
	return v;
}

static double getd(struct reader *r)
{
	double v;
	get(r, &v, sizeof v);
	return v;
}

/* expect reads a length and marks the record bad unless it is `want`. */
static void expect(struct reader *r, uint64_t want)
{
	if (get64(r) != want)
		r->bad = 1;
}

/* get_hist reads a histogram into h (cleared), checking that its parts
 * agree: the run of buckets is where its smallest and largest values
 * fall, and its counts add up to its total.  A record that does not
 * agree leaves h empty and the reader bad. */
static void get_hist(struct reader *r, struct hist *h)
{
	uint64_t total = get64(r);
	int64_t min = (int64_t)get64(r), max = (int64_t)get64(r);
	uint64_t s0 = get64(r), s1 = get64(r);
	uint64_t lo = get64(r), hi = get64(r);
	if (r->bad)
		return;
	if (total ? min < 0 || min > max || lo != hist_index(min) || hi != hist_index(max) + 1 :
		    lo != 0 || hi != 0) {
		r->bad = 1;
		return;
	}
	uint64_t nnz = get64(r);
	if (nnz == REPIO_DENSE) {
		get(r, h->counts + lo, (size_t)(hi - lo) * sizeof *h->counts);
	} else if (nnz > hi - lo) {
		r->bad = 1;
	} else {
		/* in increasing order, each once, as put_hist writes them */
		for (uint64_t k = 0, next = lo; k < nnz && !r->bad; k++) {
			uint64_t i = get64(r), c = get64(r);
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
static int get_whist(struct reader *r, struct whist *h)
{
	uint64_t total = get64(r), lo = get64(r), hi = get64(r);
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
		get(r, h->counts + (lo - h->lo), (size_t)(hi - lo) * sizeof *h->counts);
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
	struct reader r = { .p = data, .end = (const unsigned char *)data + len };
	rep_result_clear(res);
	expect(&r, REPIO_MAGIC);
	expect(&r, REPIO_VERSION);
	expect(&r, res->nscopes);
	res->duration_s = getd(&r);
	for (uint32_t i = 0; i < res->nscopes && !r.bad; i++) {
		struct scope_result *s = &res->scopes[i];
		s->arrivals = get64(&r);
		get(&r, s->ended, sizeof s->ended);
		s->failed_latency_s = getd(&r);
		get_hist(&r, &s->latency);
	}
	expect(&r, res->nts);
	expect(&r, (uint64_t)res->ts_window_ns);
	for (size_t t = 0; t < res->nts && !r.bad; t++) {
		get(&r, res->ts[t].ended, sizeof res->ts[t].ended);
		res->ts[t].lat_sum_s = getd(&r);
		if (get_whist(&r, &res->ts[t].lat))
			return SIM_ENOMEM;
	}
	expect(&r, res->nnodes);
	for (size_t k = 0; k < res->nnodes; k++)
		expect(&r, res->nodes[k].nrows);
	expect(&r, res->nts_node);
	expect(&r, res->node_ts_every);
	expect(&r, res->node_ts_cells);
	get(&r, res->node_ts, res->nts_node * res->node_ts_cells * sizeof *res->node_ts);
	get(&r, res->inflight, sizeof res->inflight);
	res->events = get64(&r);
	res->requests = get64(&r);
	res->complete = (int)get64(&r);
	res->cost_per_hour = getd(&r);
	for (size_t k = 0; k < res->nnodes; k++) {
		struct node_rows *o = &res->nodes[k];
		expect(&r, o->ncells);
		get(&r, o->v, o->ncells * sizeof *o->v);
	}
	expect(&r, res->links.ncells);
	get(&r, res->links.v, res->links.ncells * sizeof *res->links.v);
	if (r.p != r.end)
		r.bad = 1;
	return r.bad ? SIM_EINVAL : 0;
}
