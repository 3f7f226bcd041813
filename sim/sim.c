/*
 * sim.c - what the engine's parts share: the statuses, a replication's
 * result, requests' streams and demands, and the engine's call columns;
 * see sim.h.
 *
 * The engine is three files over one public header (sim.h) and one
 * private one (simint.h), as SQLite's VDBE is: run.c is the event loop
 * and a replication's life (sim_run), call.c the calls in flight, and
 * this file what both use, calling neither.
 */
#include "sim/sim.h"
#include "sim/simint.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/zone.h"

/* At most this many time-series windows per replication: a finer `window:`
 * is coarsened so the file stays small. */
#define SIM_MAX_WINDOWS 2000
/* At most this many node time-series values per replication: with many
 * nodes, node series are sampled every few windows instead. */
#define SIM_NODE_TS_BUDGET (1u << 18)

/* ---- statuses -------------------------------------------------------- */

/* (the groups are sim.h's, for req_status_group inline) */
static const struct {
	const char *name;
	const char *doc;
} statuses[] = {
#define REQ_STATUS_ROW(name, col, group, doc) { col, doc },
	REQ_STATUSES(REQ_STATUS_ROW)
#undef REQ_STATUS_ROW
};

const char *req_status_name(int st)
{
	return st >= 0 && st < REQ_NSTATUS ? statuses[st].name : "?";
}

const char *req_status_doc(int st)
{
	return st >= 0 && st < REQ_NSTATUS ? statuses[st].doc : "";
}

/* ---- the engine's call columns ---------------------------------------- */

/* The engine's columns of a kind that calls: write_call_cols fills them,
 * in this order. */
const struct col_def sim_call_cols[] = {
	{ "calls_made", COL_SUM, "synchronous calls made (child requests sent)" },
	{ "call_wait_mean_s", COL_RATIO,
	  "mean time a request held a worker waiting for its calls, over the requests that made calls" },
	{ "late_replies", COL_SUM,
	  "replies that came back after their call was abandoned, or their attempt timed out (wasted work)" },
	{ "retries", COL_SUM, "call attempts after the first (edges with `retry`)" },
	{ "timeouts", COL_SUM, "call attempts that timed out (edges with `timeout`)" },
	{ "retries_denied", COL_SUM, "retries the edge's budget refused: the failure stood" },
	{ "amplification", COL_RATIO,
	  "calls made (attempts, retries included) per request entering the system: what this tier's calls multiply the load by" },
	{ "breaker_not_permitted", COL_SUM,
	  "call attempts a circuit breaker failed fast (no call made)" },
	{ "breaker_opened", COL_SUM, "times this node's calls opened a circuit breaker" },
	{ "breaker_half_opened", COL_SUM,
	  "times a breaker on this node's calls turned half-open (at a call, or when its wait ran out)" },
	{ "breaker_closed", COL_SUM, "times this node's half-open calls closed a breaker" },
	{ "hedges", COL_SUM, "hedged copies of call attempts sent (edges with `hedge`)" },
	{ NULL, 0, NULL },
};

const struct col_def sim_cost_cols[] = {
	{ "cost_per_hour", COL_MEAN,
	  "what the node costs an hour over the measured window, by its `cost:` (summary.csv's cost_per_hour is the sum over nodes); on the node's row only, NaN without a price" },
	{ NULL, 0, NULL },
};

const struct col_def sim_link_cols[] = {
	[LINK_HOPS] = { "hops", COL_SUM, "hops that took the channel in the measured window: requests to a replica across it and replies back" },
	[LINK_LOST] = { "lost", COL_SUM, "hops lost to a partition (`do: partition` on the timeline) in the measured window, not counted in hops" },
	[LINK_GB] = { "gb", COL_SUM, "what they carried, GB (10^9 bytes), by their `size:`" },
	[LINK_GBIT] = { "gbit_per_s", COL_MEAN, "that as a rate over the measured window, Gbit/s" },
	[LINK_UTIL] = { "utilization", COL_MEAN, "the share of the measured window its transmitter was sending, by `bandwidth`; NaN without one" },
	[LINK_WAIT] = { "wait_mean_s", COL_RATIO, "per hop, the wait for the transmitter, behind the messages before it" },
	[LINK_TRANSFER] = { "transfer_mean_s", COL_RATIO, "per hop, the sending itself: size / bandwidth" },
	[LINK_DELAY] = { "delay_mean_s", COL_RATIO, "per hop, its whole delay: the wait, the sending and the latency" },
	[LINK_P99] = { "delay_p99_s", COL_MEAN, "the 99th percentile of the hops' delays within each replication" },
	[LINK_COST] = { "cost_per_hour", COL_MEAN, "what its traffic costs an hour, by the link's `cost:` (part of summary.csv's cost_per_hour); NaN without a price" },
	[LINK_NCOLS] = { NULL, 0, NULL },
};

void write_call_cols(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	size_t first = model_ncols(n->ops->cols);
	for (uint32_t r = 0; r < o->nrows; r++) {
		const struct call_stats *cs = &n->cst[r];
		double *v = node_row(o, r) + first * 2;
		v[0] = (double)cs->made;
		v[2] = cs->wait_ns * 1e-9;
		v[3] = (double)cs->parents;
		v[4] = (double)cs->late;
		v[6] = (double)cs->retries;
		v[8] = (double)cs->timeouts;
		v[10] = (double)cs->denied;
		v[12] = (double)cs->made;
		v[13] = (double)s->res->scopes[0].arrivals;
		v[14] = (double)cs->not_permitted;
		v[16] = (double)cs->opened;
		v[18] = (double)cs->half_opened;
		v[20] = (double)cs->closed;
		v[22] = (double)cs->hedges;
	}
}

void sim_each_pending(struct sim *s, void (*fn)(void *arg, struct event *ev), void *arg)
{
	for (struct event *ev = s->now_head; ev; ev = ev->next)
		fn(arg, ev);
	evq_each(&s->q, fn, arg);
}

/* ---- results --------------------------------------------------------- */

/* windows works out the time-series window of sc and how many there are. */
static void windows(const struct scenario *sc, int64_t *w_ns, size_t *nts)
{
	int64_t end = sc->warmup_ns + sc->duration_ns;
	int64_t w = sc->window_ns;
	int64_t min_w = (end + SIM_MAX_WINDOWS - 1) / SIM_MAX_WINDOWS;
	if (w < min_w)
		w = min_w;
	if (w < 1)
		w = 1;
	*w_ns = w;
	*nts = (size_t)((end + w - 1) / w);
}

int rep_result_init(struct rep_result *r, const struct scenario *sc)
{
	memset(r, 0, sizeof *r);
	size_t nwl = sc->nnodes - sc->ncomponents;
	r->nscopes = nwl > 1 ? 1 + (uint32_t)nwl : 1;
	r->scopes = calloc(r->nscopes, sizeof *r->scopes);
	r->nodes = calloc(sc->ncomponents ? sc->ncomponents : 1, sizeof *r->nodes);
	r->nnodes = r->nodes ? sc->ncomponents : 0;
	r->links.nrows = sc->zmap ? sc->zmap->nchan : 0;
	r->links.ncells = (size_t)r->links.nrows * model_ncols(sim_link_cols) * 2;
	r->links.v = calloc(r->links.ncells ? r->links.ncells : 1, sizeof *r->links.v);
	windows(sc, &r->ts_window_ns, &r->nts);
	r->ts = calloc(r->nts ? r->nts : 1, sizeof *r->ts);
	if (!r->scopes || !r->nodes || !r->ts || !r->links.v)
		goto oom;
	for (uint32_t i = 0; i < r->nscopes; i++)
		if (hist_init(&r->scopes[i].latency))
			goto oom;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		const struct sc_node *n = &sc->nodes[k];
		struct node_rows *o = &r->nodes[k];
		o->nrows = sc_node_rows(n);
		o->ncols = model_row_cols(n->ops);
		size_t cells = (size_t)o->nrows * o->ncols * 2;
		o->ncells = cells;
		if (!(o->v = calloc(cells ? cells : 1, sizeof *o->v)))
			goto oom;
		r->node_ts_cells += model_ts_cells(n);
	}
	r->node_ts_every = 1;
	if (r->node_ts_cells) {
		while ((r->nts + r->node_ts_every - 1) / r->node_ts_every *
		       r->node_ts_cells > SIM_NODE_TS_BUDGET)
			r->node_ts_every++;
		r->nts_node = (r->nts + r->node_ts_every - 1) / r->node_ts_every;
		r->node_ts = calloc(r->nts_node * r->node_ts_cells, sizeof *r->node_ts);
		if (!r->node_ts)
			goto oom;
	}
	r->cost_per_hour = NAN;
	return 0;
oom:
	rep_result_fini(r);
	return SIM_ENOMEM;
}

void rep_result_fini(struct rep_result *r)
{
	for (uint32_t i = 0; r->scopes && i < r->nscopes; i++)
		hist_fini(&r->scopes[i].latency);
	free(r->scopes);
	for (size_t t = 0; r->ts && t < r->nts; t++)
		whist_fini(&r->ts[t].lat);
	free(r->ts);
	for (size_t k = 0; r->nodes && k < r->nnodes; k++)
		free(r->nodes[k].v);
	free(r->nodes);
	free(r->links.v);
	free(r->node_ts);
	memset(r, 0, sizeof *r);
}

void rep_result_clear(struct rep_result *r)
{
	for (uint32_t i = 0; i < r->nscopes; i++) {
		struct scope_result *sr = &r->scopes[i];
		struct hist h = sr->latency;
		hist_reset(&h);
		memset(sr, 0, sizeof *sr);
		sr->latency = h;
	}
	for (size_t t = 0; t < r->nts; t++) {
		memset(r->ts[t].ended, 0, sizeof r->ts[t].ended);
		r->ts[t].lat_sum_s = 0;
		whist_reset(&r->ts[t].lat);
	}
	for (size_t k = 0; k < r->nnodes; k++) {
		struct node_rows *o = &r->nodes[k];
		memset(o->v, 0, o->ncells * sizeof *o->v);
	}
	memset(r->links.v, 0, r->links.ncells * sizeof *r->links.v);
	for (size_t i = 0; i < r->nts_node * r->node_ts_cells; i++)
		r->node_ts[i] = NAN;
	r->duration_s = 0;
	r->cost_per_hour = NAN;
	r->inflight[0] = r->inflight[1] = 0;
	r->events = r->requests = 0;
	r->complete = 0;
}

/* ---- requests -------------------------------------------------------- */

int sim_watch_writes(struct sim *s, uint32_t node)
{
	struct sim_node *n = &s->nodes[node];
	if (!n->wlog && !(n->wlog = calloc(1, sizeof *n->wlog)))
		return SIM_ENOMEM;
	return 0;
}

int sim_every(struct sim *s, const struct sim_node *n, int64_t first_ns, int64_t every_ns)
{
	assert(first_ns > s->now_ns && every_ns > 0 && n->ops->periodic);
	struct sim_every *e = realloc(s->every, (s->nevery + 1) * sizeof *e);
	if (!e)
		return SIM_ENOMEM;
	s->every = e;
	e[s->nevery++] = (struct sim_every){ n->id, first_ns, every_ns };
	if (first_ns < s->next_every_ns)
		s->next_every_ns = first_ns;
	return 0;
}

gsl_rng *sim_stream(struct sim *s, const struct sim_node *n,
		    const char *purpose)
{
	return rng_stream_new(s->sc->seed, s->replication, n->sc->name, purpose);
}


int64_t sim_demand_slow_ns(struct sim *s, struct sim_node *n, uint32_t unit,
			   const struct request *req, const struct dist *d,
			   double inv_speed)
{
	/* the common case without a call through GSL, nor generator state:
	 * the same number as sim_draws then rng_exponential */
	double x = d->kind == DIST_EXPONENTIAL ?
		d->mean * rng_key_exp1(s->draw, sim_draw_key(req, SIM_DRAW_DEMAND)) :
		dist_sample(d, sim_draws(s, req, SIM_DRAW_DEMAND));
	/* the same ceiling as dist_sample_ns: far beyond any run, and now +
	 * it cannot overflow (now is at most INT64_MAX / 4) */
	int64_t ns = sim_slowed_ns(n, unit, x * (inv_speed * 1e9));
	if (s->demand_hook)
		s->demand_hook(s->hooks->arg, req, n->id, unit, ns);
	sim_trace(s, SIM_TR_SERVICE, req, NULL, n->id, ns);
	return ns;
}


/* ---- zones ------------------------------------------------------------ */

/* link_delay draws the delay of a hop of req over link l, for purpose
 * index idx (SIM_DRAW_LINK). */
static int64_t link_delay(struct sim *s, const struct request *req, const struct zone_link *l,
			  uint64_t idx)
{
	if (l->latency.kind == DIST_CONSTANT)
		return (int64_t)(l->latency.mean * 1e9 + 0.5);
	return dist_sample_ns(&l->latency, sim_draws(s, req, SIM_DRAW_LINK | idx << 8));
}

/* hop_delay is the delay of req's hop from zone a to zone b, for purpose
 * index idx, carrying req->bytes[back], or -1 - T when a partition loses
 * it and its sender gives up T later (unless uncut: what a partition only
 * holds up, as if it were not): the wait for the channel's
 * transmitter and the sending, when its link has a bandwidth (first come
 * first served: the transmitter's next free moment is all it needs, as
 * hops reach it in time order), then the latency.  Counted for links.csv
 * in the measured window. */
static int64_t hop_delay(struct sim *s, const struct request *req, uint32_t a, uint32_t b,
			 uint64_t idx, int back, int uncut)
{
	const struct zone_map *z = s->zmap;
	int32_t c = zone_chan_of(z, a, b);
	int64_t extra = 0;
	if (__builtin_expect(s->zfault != NULL, 0)) {
		const struct sim_zfault *f = &s->zfault[a * (z->n + 1) + b];
		if (f->cut && !uncut) {
			if (c >= 0 && s->measuring)
				s->chans[c].lost++;
			return -f->cut_ns - 1;
		}
		extra = f->add_ns;
	}
	if (c < 0)
		return extra;
	const struct zone_link *l = &z->links[z->chans[c].link];
	struct sim_chan *ch = &s->chans[c];
	int64_t d = link_delay(s, req, l, idx) + extra, wait = 0, tx = 0;
	/* a reply that is no answer (a refusal, a failure) carries nothing */
	double bytes = back && req->status != REQ_OK ? 0 : req->bytes[back];
	if (l->bandwidth > 0 && bytes > 0) {
		double t = bytes / l->bandwidth * 1e9;
		tx = t < (double)(INT64_MAX / 8) ? (int64_t)(t + 0.5) : INT64_MAX / 8;
		int64_t start = ch->free_ns > s->now_ns ? ch->free_ns : s->now_ns;
		/* the horizon every time in the engine stays within */
		if (tx > INT64_MAX / 4 - start)
			tx = INT64_MAX / 4 - start > 0 ? INT64_MAX / 4 - start : 0;
		wait = start - s->now_ns;
		ch->free_ns = start + tx;
		if (s->measuring && start < s->end_ns)
			ch->busy_ns += (double)((start + tx < s->end_ns ? start + tx : s->end_ns) - start);
	}
	if (s->measuring) {
		ch->hops++;
		ch->bytes += bytes;
		ch->wait_ns += (double)wait;
		ch->tx_ns += (double)tx;
		ch->delay_ns += (double)(wait + tx + d);
		hist_record(&ch->delay, wait + tx + d);
	}
	return wait + tx + d;
}

void sim_size_set(struct sim *s, struct request *req, const struct zone_size *z)
{
	const struct dist *d[2] = { &z->request, &z->response };
	for (int i = 0; i < 2; i++) {
		double b = d[i]->kind == DIST_CONSTANT ? d[i]->mean :
			   dist_sample(d[i], sim_draws(s, req, SIM_DRAW_SIZE | (uint64_t)i << 8));
		/* a draw beyond what a size may be written as is that */
		req->bytes[i] = (float)(b < 1e15 ? b : 1e15);
	}
}

int64_t sim_zone_delay(struct sim *s, const struct request *req, uint32_t a, uint32_t b)
{
	if (!s->zmap)
		return 0;
	return hop_delay(s, req, a, b, b | 1u << 22, 0, 1);
}

int sim_zone_move(struct sim *s, struct sim_node *n, uint32_t r, struct request *req)
{
	if (req->zflags & SIM_Z_TRANSIT) {
		req->zflags &= (uint8_t)~SIM_Z_TRANSIT;   /* here after the delay */
		return 0;
	}
	uint16_t to = n->zone[r % n->nzone], from = req->zone;
	req->zone = to;
	req->zflags = (uint8_t)((req->zflags | SIM_Z_MOVED) & ~SIM_Z_BACK);
	int64_t d = hop_delay(s, req, from, to, to, 0, 0);
	if (d < 0) {
		/* lost: it never arrives, and its sender gives up on it */
		if (!sim_schedule(s, s->now_ns - d - 1, n->id, SIM_EV_LOST, req, 0))
			s->oom = 1;
		return 1;
	}
	if (d == 0)
		return 0;
	req->zflags |= SIM_Z_TRANSIT;
	req->replica = r;
	if (!sim_schedule(s, s->now_ns + d, n->id, SIM_EV_DELIVER, req, 0))
		s->oom = 1;
	return 1;
}

int sim_zone_reply(struct sim *s, struct request *req)
{
	if (!(req->zflags & SIM_Z_MOVED) || (req->zflags & SIM_Z_BACK))
		return 0;
	req->zflags |= SIM_Z_BACK;
	uint16_t from = req->zone;
	req->zone = req->origin;
	int64_t d = hop_delay(s, req, from, req->origin, from | 1u << 23, 1, 0);
	if (d < 0) {
		/* the reply lost on its way back: its caller gives up on it */
		if (!sim_schedule(s, s->now_ns - d - 1, 0, SIM_EV_LOST, req, 1))
			s->oom = 1;
		return 1;
	}
	if (d <= 0)
		return 0;
	if (!sim_schedule(s, s->now_ns + d, 0, SIM_EV_REPLY, req, 0))
		s->oom = 1;
	return 1;
}
