/*
 * sim.c - the event loop, calls, faults and the replication's
 * measurements; see sim.h.
 *
 * The loop runs in two phases, warm-up and measurement, so the hot loop has
 * no test for "is warm-up over" per event: each phase pops events until the
 * next one lies beyond the phase's end, which is pushed back (with its
 * original seq, so order is kept) for the next phase.
 *
 * Replies are a FIFO of requests and time-series windows are closed by the
 * loop itself (see sim.h); the engine's few queued events (delayed
 * arrivals, timeline entries) carry SIM_EV_ENGINE in their kind and are
 * handled here; the rest go to their node's event callback.
 *
 * A clock that stops: closed-loop users with no think time whose requests
 * are refused at once reissue them at the same instant for ever.  Every
 * 65536 events the loop looks whether the clock has moved since its last
 * look; when it has not for more than a million events and sixteen per
 * live event and request (a legitimate burst at one instant is bounded by
 * what is alive), the run ends with SIM_ESTUCK and a message naming the
 * node where requests last failed.  The check costs nothing per event.
 */
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/breaker.h"
#include "sim/rng.h"
#include "sim/timeline.h"

/* At most this many time-series windows per replication: a finer `window:`
 * is coarsened so the file stays small. */
#define SIM_MAX_WINDOWS 2000
/* At most this many node time-series values per replication: with many
 * nodes, node series are sampled every few windows instead. */
#define SIM_NODE_TS_BUDGET (1u << 18)
/* Events at one instant before the stuck check looks closer. */
#define SIM_STUCK_EVENTS 1000000u

enum {
	SIM_EV_DELIVER = SIM_EV_ENGINE | 2,  /* obj: a delayed arrival */
	SIM_EV_TL_START = SIM_EV_ENGINE | 4, /* arg: timeline entry */
	SIM_EV_TL_END = SIM_EV_ENGINE | 5,
	SIM_EV_TIMEOUT = SIM_EV_ENGINE | 6,  /* arg: policy edge id */
	SIM_EV_RETRY = SIM_EV_ENGINE | 7,    /* arg: call handle; node: edge */
	SIM_EV_DENIED = SIM_EV_ENGINE | 8,   /* the same: a breaker said no */
	SIM_EV_BREAKER = SIM_EV_ENGINE | 9,  /* arg: breaker: automatic half-open */
	SIM_EV_HEDGE = SIM_EV_ENGINE | 10,   /* arg: call handle; node: edge */
	SIM_EV_POOL = SIM_EV_ENGINE | 11,    /* arg: policy edge id: a connection
					      * is free */
};

/* An attempt waiting for a connection of its edge's pool. */
struct pend {
	struct pend *prev, *next;
	uint64_t call;
	uint32_t e;
};

/* A pending timeout of an attempt, in its edge's list. */
struct tmo {
	struct tmo *prev, *next;
	int64_t deadline_ns;
	uint64_t call;               /* handle */
	uint32_t e;                  /* edge within the call's step */
};

/* Per edge with a policy: its pending timeouts (one event armed for the
 * earliest) and the retry budget's sliding window. */
#define BUDGET_BUCKETS 10
struct edge_rt {
	struct tmo *head, *tail;
	int armed;
	uint32_t active;             /* attempts out (max_requests) */
	uint32_t conns;              /* connections of the pool in use */
	struct token_bucket tb;      /* rate_limit */
	struct pend *phead, *ptail;  /* attempts waiting for one, in order */
	uint32_t npend;
	int pool_armed;              /* a SIM_EV_POOL is queued */
	uint64_t firsts[BUDGET_BUCKETS], retries[BUDGET_BUCKETS];
	int64_t bucket;              /* the current bucket's number */
};

/* ---- statuses -------------------------------------------------------- */

static const struct {
	const char *name;
	int group;
	const char *doc;
} statuses[] = {
#define REQ_STATUS_ROW(name, col, group, doc) { col, group, doc },
	REQ_STATUSES(REQ_STATUS_ROW)
#undef REQ_STATUS_ROW
};

const char *req_status_name(int st)
{
	return st >= 0 && st < REQ_NSTATUS ? statuses[st].name : "?";
}

int req_status_group(int st)
{
	return st >= 0 && st < REQ_NSTATUS ? statuses[st].group : REQ_GROUP_FAILED;
}

const char *req_status_doc(int st)
{
	return st >= 0 && st < REQ_NSTATUS ? statuses[st].doc : "";
}

const struct col_def sim_call_cols[] = {
	{ "calls_made", COL_SUM, 0, "synchronous calls made (child requests sent)" },
	{ "call_wait_mean_s", COL_RATIO, 0,
	  "mean time a request held a worker waiting for its calls, over the requests that made calls" },
	{ "late_replies", COL_SUM, 0,
	  "replies that came back after their call was abandoned, or their attempt timed out (wasted work)" },
	{ "retries", COL_SUM, 0, "call attempts after the first (edges with `retry`)" },
	{ "timeouts", COL_SUM, 0, "call attempts that timed out (edges with `timeout`)" },
	{ "retries_denied", COL_SUM, 0, "retries the edge's budget refused: the failure stood" },
	{ "amplification", COL_RATIO, 0,
	  "calls made (attempts, retries included) per request entering the system: what this tier's calls multiply the load by" },
	{ "breaker_not_permitted", COL_SUM, 0,
	  "call attempts a circuit breaker failed fast (no call made)" },
	{ "breaker_opened", COL_SUM, 0, "times this node's calls opened a circuit breaker" },
	{ "breaker_half_opened", COL_SUM, 0,
	  "times a breaker on this node's calls turned half-open (at a call, or when its wait ran out)" },
	{ "breaker_closed", COL_SUM, 0, "times this node's half-open calls closed a breaker" },
	{ "hedges", COL_SUM, 0, "hedged copies of call attempts sent (edges with `hedge`)" },
	{ NULL, 0, 0, NULL },
};


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
	windows(sc, &r->ts_window_ns, &r->nts);
	r->ts = calloc(r->nts ? r->nts : 1, sizeof *r->ts);
	if (!r->scopes || !r->nodes || !r->ts)
		goto oom;
	for (uint32_t i = 0; i < r->nscopes; i++)
		if (hist_init(&r->scopes[i].latency))
			goto oom;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		const struct sc_node *n = &sc->nodes[k];
		struct node_rows *o = &r->nodes[k];
		o->nrows = sc_node_rows(n);
		size_t cells = (size_t)o->nrows * model_row_cols(n->ops) * 2;
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
	for (size_t i = 0; i < r->nts_node * r->node_ts_cells; i++)
		r->node_ts[i] = NAN;
	r->duration_s = 0;
	r->inflight[0] = r->inflight[1] = 0;
	r->events = r->requests = 0;
	r->complete = 0;
}

/* ---- requests -------------------------------------------------------- */

gsl_rng *sim_stream(struct sim *s, const struct sim_node *n,
		    const char *purpose)
{
	return rng_stream_new(s->sc->seed, s->replication, n->sc->name, purpose);
}

struct request *sim_request_new(struct sim *s)
{
	struct request *r = pool_get(&s->requests);
	if (!r) {
		s->oom = 1;
		return NULL;
	}
	/* field by field, not memset: plain stores beat a string
	 * instruction's start-up on this path */
	r->next = r->hprev = r->hnext = NULL;
	r->ident = r->issue = r->key = r->call = r->waiting = 0;
	r->timer.ev = NULL;
	r->timer.seq = 0;
	r->via = NULL;
	r->birth_ns = r->node_arrival_ns = s->now_ns;
	r->reply_to = r->client = r->replica = r->fail_node = r->conn = SIM_ANY;
	r->user = r->from_unit = 0;
	r->cls = r->hop = r->attempt = 0;
	r->write = r->cancelled = 0;
	r->status = REQ_OK;
	return r;
}

void sim_send_later(struct sim *s, uint32_t to, struct request *req)
{
	sim_schedule(s, s->now_ns + s->nodes[to].faults->add_ns, to, SIM_EV_DELIVER,
		     req, 0);
}

int64_t sim_demand_ns(struct sim *s, struct sim_node *n, uint32_t unit,
		      const struct request *req, const struct dist *d,
		      double inv_speed)
{
	/* the common case without a call through GSL, nor generator state:
	 * the same number as sim_draws then rng_exponential */
	double x = d->kind == DIST_EXPONENTIAL ?
		d->mean * rng_key_exp1(s->draw, sim_draw_key(req, SIM_DRAW_DEMAND)) :
		dist_sample(d, sim_draws(s, req, SIM_DRAW_DEMAND));
	x *= inv_speed * 1e9;
	if (n->faults)
		x *= n->faults->slow[unit];
	/* the same ceiling as dist_sample_ns: far beyond any run, and now +
	 * it cannot overflow (now is at most INT64_MAX / 4) */
	int64_t ns = x < (double)(INT64_MAX / 4) ? (int64_t)(x + 0.5) : INT64_MAX / 4;
	if (s->demand_hook)
		s->demand_hook(s->hooks->arg, req, n->id, unit, ns);
	sim_trace(s, SIM_TR_SERVICE, req, NULL, n->id, ns);
	return ns;
}

/* ---- calls ------------------------------------------------------------
 *
 * The call table is an array of records reused through a free list; a
 * handle is (generation << 32 | index) and a record's generation goes up
 * each time it is freed, so a stale handle never matches.  The array may
 * move when it grows (a callee can start calls of its own while a step is
 * being sent), so records are looked up again after any send. */

static struct call *call_get(struct sim *s, uint64_t h)
{
	uint32_t i = (uint32_t)h;
	if (!h || i >= s->ncalls)
		return NULL;
	struct call *c = &s->calls[i];
	return c->handle == h ? c : NULL;
}

static struct call *call_new(struct sim *s)
{
	uint32_t i;
	if (s->call_free != UINT32_MAX) {
		i = s->call_free;
		s->call_free = s->calls[i].next_free;
	} else {
		if (s->ncalls == s->calls_cap) {
			uint32_t cap = s->calls_cap ? 2 * s->calls_cap : 256;
			struct call *c = realloc(s->calls, cap * sizeof *c);
			if (!c) {
				s->oom = 1;
				return NULL;
			}
			s->calls = c;
			s->calls_cap = cap;
		}
		i = s->ncalls++;
		s->calls[i].handle = (uint64_t)1 << 32 | i;  /* generation 1 */
		s->calls[i].spare = NULL;
		s->calls[i].spare_cap = 0;
	}
	struct call *c = &s->calls[i];
	uint64_t h = c->handle;
	struct call_try *spare = c->spare;
	uint32_t spare_cap = c->spare_cap;
	memset(c, 0, sizeof *c);
	c->handle = h;
	c->spare = spare;
	c->spare_cap = spare_cap;
	return c;
}

static void tmo_cancel(struct sim *s, const struct call_edge *edge, struct tmo *t);
static struct breaker *breaker_of(struct sim *s, const struct call_edge *edge);

/* TRIES(c): c's tries.  A single edge's live in the call record itself,
 * which moves when the table grows: c->tries then only says "in one"
 * (it points at a moved record's `one`), so it is resolved here. */
#define TRIES(c) ((c)->plan->steps[(c)->step].nedges == 1 ? &(c)->one : (c)->tries)

/* try_drop: the caller no longer waits for t's attempt (it replied, timed
 * out, or the call is over); it leaves the edge's count of attempts out. */
/* pool_full: the edge has a pool and every connection is in use. */
static int pool_full(struct sim *s, const struct call_edge *edge)
{
	return edge->policy && edge->policy->max_connections &&
	       s->ert[edge->id].conns >= edge->policy->max_connections;
}

/* pool_wait puts the attempt t->cur (made, not sent) of edge e of call h
 * in the edge's pool queue. */
static void pool_wait(struct sim *s, const struct call_edge *edge, struct call_try *t,
		      uint64_t h, uint32_t e)
{
	struct edge_rt *rt = &s->ert[edge->id];
	struct pend *p = pool_get(&s->pends);
	if (!p) {
		s->oom = 1;
		return;
	}
	p->call = h;
	p->e = e;
	p->next = NULL;
	p->prev = rt->ptail;
	if (rt->ptail)
		rt->ptail->next = p;
	else
		rt->phead = p;
	rt->ptail = p;
	rt->npend++;
	t->pend = p;
}

/* pool_freed: a connection of edge's pool is free: the first attempt
 * waiting gets it, by an event now (the caller's code may be running). */
static void pool_freed(struct sim *s, const struct call_edge *edge)
{
	struct edge_rt *rt = &s->ert[edge->id];
	rt->conns--;
	if (rt->npend && !rt->pool_armed) {
		rt->pool_armed = 1;
		sim_schedule(s, s->now_ns, 0, SIM_EV_POOL, NULL, edge->id);
	}
}

static void try_drop(struct sim *s, const struct call_edge *edge, struct call_try *t)
{
	if (t->pend) {
		/* it never left: out of the pool's queue, and gone */
		struct edge_rt *rt = &s->ert[edge->id];
		struct pend *p = t->pend;
		if (p->prev)
			p->prev->next = p->next;
		else
			rt->phead = p->next;
		if (p->next)
			p->next->prev = p->prev;
		else
			rt->ptail = p->prev;
		rt->npend--;
		pool_put(&s->pends, p);
		t->pend = NULL;
		if (edge->policy->max_requests)
			s->ert[edge->id].active--;
		sim_request_free(s, t->cur);
		t->cur = NULL;
		t->ncopies = 0;
		sim_timer_cancel(&t->hedge);
		return;
	}
	if (t->cur && edge->policy && edge->policy->max_connections)
		pool_freed(s, edge);
	if (t->cur && edge->policy && edge->policy->cancel) {
		/* the callee is told: it drops what it has not started (the
		 * winner of a reply is freed right after, so marking it is
		 * harmless) */
		t->cur->cancelled = 1;
		for (uint32_t k = 0; k < t->ncopies; k++)
			t->copy[k]->cancelled = 1;
	}
	if (t->cur && edge->policy && edge->policy->max_requests)
		s->ert[edge->id].active--;
	t->cur = NULL;
	t->ncopies = 0;              /* copies still out are wasted now */
	sim_timer_cancel(&t->hedge);
}

/* over_limit: edge's max_requests attempts are out already, or its
 * token bucket is empty (a token is taken when it is not). */
static int over_limit(struct sim *s, const struct call_edge *edge)
{
	const struct edge_policy *p = edge->policy;
	if (!p)
		return 0;
	struct edge_rt *rt = &s->ert[edge->id];
	if (p->max_requests && rt->active >= p->max_requests)
		return 1;
	return p->rate.given && !token_take(&rt->tb, &p->rate, s->now_ns);
}

static void try_sent(struct sim *s, const struct call_edge *edge, struct call_try *t,
		     struct request *k, uint64_t h, uint32_t e)
{
	t->cur = k;
	t->sent_ns = s->now_ns;
	t->ncopies = 0;
	if (edge->policy && edge->policy->max_requests)
		s->ert[edge->id].active++;
	if (edge->policy && edge->policy->hedge.given)
		t->hedge = sim_timer_set(s, s->now_ns + edge->policy->hedge.after_ns, e,
					 SIM_EV_HEDGE, NULL, h);
}

/* tries_free cancels the pending timeouts of c's step and frees its
 * tries. */
static void tries_free(struct sim *s, struct call *c)
{
	if (!c->tries)
		return;
	struct call_try *t = TRIES(c);
	const struct call_step *step = &c->plan->steps[c->step];
	for (uint32_t e = 0; e < step->nedges; e++) {
		if (t[e].tmo)
			tmo_cancel(s, &step->edges[e], t[e].tmo);
		/* an attempt given up unanswered is never recorded: its
		 * half-open permit goes back */
		struct breaker *b = breaker_of(s, &step->edges[e]);
		if (t[e].cur && b)
			breaker_release(b, t[e].brk_epoch);
		try_drop(s, &step->edges[e], &t[e]);
	}
	c->tries = NULL;
}

static void call_release(struct sim *s, struct call *c)
{
	tries_free(s, c);
	uint32_t i = (uint32_t)c->handle;
	uint64_t gen = (c->handle >> 32) + 1;
	if (gen > UINT32_MAX)
		gen = 1;
	c->handle = gen << 32 | i;     /* stale to every handle given out */
	c->parent = NULL;
	c->next_free = s->call_free;
	s->call_free = i;
}

enum { CALL_MADE, CALL_OVER, CALL_LATE };

/* An edge's place in its plan, step * CALLPLAN_MAX_PARALLEL + edge, names
 * its draws: it must fit the 24 bits above a draw's purpose (sim.h). */
_Static_assert((uint64_t)CALLPLAN_MAX_STEPS * CALLPLAN_MAX_PARALLEL <= (uint64_t)1 << 24,
	       "a call edge's index must fit beside its draw's purpose");

/* call_stat counts a call made, a parent's calls over after x ns, or a
 * late reply, for the node and for the replica `unit`. */
static void call_stat(struct sim_node *n, uint32_t unit, int what, double x)
{
	for (int k = 0; k < 2; k++) {
		struct call_stats *cs;
		if (k == 0)
			cs = &n->cst[0];
		else if (n->units > 1 && unit < n->units)
			cs = &n->cst[1 + unit];
		else
			break;
		switch (what) {
		case CALL_MADE: cs->made++; break;
		case CALL_OVER: cs->parents++; cs->wait_ns += x; break;
		case CALL_LATE: cs->late++; break;
		}
	}
}

/* ---- timeouts ---------------------------------------------------------- */

/* tmo_add sets a timeout for edge `e` of call h's step at now + the
 * edge's timeout: the edge's timeouts are equal, so the list stays in
 * deadline order, and one event is armed for its head. */
static struct tmo *tmo_add(struct sim *s, const struct call_edge *edge, uint64_t h,
			   uint32_t e)
{
	struct edge_rt *rt = &s->ert[edge->id];
	struct tmo *t = pool_get(&s->tmos);
	if (!t) {
		s->oom = 1;
		return NULL;
	}
	t->deadline_ns = s->now_ns + edge->policy->timeout_ns;
	t->call = h;
	t->e = e;
	t->next = NULL;
	t->prev = rt->tail;
	if (rt->tail)
		rt->tail->next = t;
	else
		rt->head = t;
	rt->tail = t;
	if (!rt->armed) {
		rt->armed = 1;
		sim_schedule(s, t->deadline_ns, 0, SIM_EV_TIMEOUT, NULL, edge->id);
	}
	return t;
}

static void tmo_unlink(struct edge_rt *rt, struct tmo *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		rt->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		rt->tail = t->prev;
}

/* tmo_cancel: the attempt ended in time.  O(1); the armed event, if it
 * was for this one, finds nothing due and arms for the next. */
static void tmo_cancel(struct sim *s, const struct call_edge *edge, struct tmo *t)
{
	tmo_unlink(&s->ert[edge->id], t);
	pool_put(&s->tmos, t);
}

/* ---- retries ----------------------------------------------------------- */

/* budget_roll moves edge rt's window to now, emptying the buckets it
 * passes. */
static void budget_roll(struct edge_rt *rt, const struct retry_cfg *r, int64_t now)
{
	int64_t width = r->budget_window_ns / BUDGET_BUCKETS;
	int64_t b = now / (width ? width : 1);
	for (int64_t k = rt->bucket + 1; k <= b && k <= rt->bucket + BUDGET_BUCKETS; k++) {
		rt->firsts[k % BUDGET_BUCKETS] = 0;
		rt->retries[k % BUDGET_BUCKETS] = 0;
	}
	if (b > rt->bucket)
		rt->bucket = b;
}

/* budget_allows says whether one more retry stays within the budget:
 * retries over the window at most budget x first attempts over it. */
static int budget_allows(struct sim *s, const struct call_edge *edge)
{
	const struct retry_cfg *r = &edge->policy->retry;
	if (r->budget < 0)
		return 1;
	struct edge_rt *rt = &s->ert[edge->id];
	budget_roll(rt, r, s->now_ns);
	uint64_t f = 0, t = 0;
	for (int k = 0; k < BUDGET_BUCKETS; k++)
		f += rt->firsts[k], t += rt->retries[k];
	return t + 1 <= r->min_retries || (double)(t + 1) <= r->budget * (double)f;
}

static void budget_count(struct sim *s, const struct call_edge *edge, int retry)
{
	const struct retry_cfg *r = &edge->policy->retry;
	if (r->budget < 0)
		return;
	struct edge_rt *rt = &s->ert[edge->id];
	budget_roll(rt, r, s->now_ns);
	if (retry)
		rt->retries[rt->bucket % BUDGET_BUCKETS]++;
	else
		rt->firsts[rt->bucket % BUDGET_BUCKETS]++;
}

/* backoff_ns: the wait before retry n (from 1) of an edge, with its
 * jitter drawn from the parent's own stream for (edge, n). */
static int64_t backoff_ns(struct sim *s, const struct retry_cfg *r, struct call_try *t,
			  const struct request *parent, uint64_t salt, uint32_t n)
{
	double base = (double)r->base_ns, cap = (double)r->cap_ns, w = base;
	if (r->backoff == BACKOFF_EXPONENTIAL)
		w = fmin(cap, base * ldexp(1, (int)(n > 62 ? 62 : n - 1)));
	if (r->jitter == JITTER_NONE)
		return (int64_t)w;
	/* the edge names the stream (purpose and index), the retry its key */
	rng_seed_key(s->draw, rng_key(sim_draw_key(parent, SIM_DRAW_RETRY | salt << 8), n));
	double u = rng_uniform_pos(s->draw);
	switch (r->jitter) {
	case JITTER_FULL: w = u * w; break;
	case JITTER_EQUAL: w = w / 2 + u * w / 2; break;
	default: {
		double prev = t->sleep_ns ? (double)t->sleep_ns : base;
		w = fmin(cap, base + u * (3 * prev - base));
		t->sleep_ns = (int64_t)w;
		break;
	}
	}
	return (int64_t)w;
}

/* ---- steps ------------------------------------------------------------- */

/* make_child makes attempt `attempt` (from 0) of the call on edge `salt`
 * of call h: a request of its own, named by its parent, edge and attempt. */
static struct request *make_child(struct sim *s, const struct request *parent,
				  struct sim_node *caller, uint32_t unit, uint64_t h,
				  uint64_t salt, uint32_t attempt)
{
	struct request *k = sim_request_new(s);
	if (!k)
		return NULL;
	uint64_t id = rng_key(rng_key(parent->ident, parent->hop), salt);
	k->ident = attempt ? rng_key(id, attempt) : id;
	k->issue = parent->issue;
	k->key = parent->key;
	k->cls = parent->cls;
	k->write = parent->write;
	k->client = parent->client;
	k->user = parent->user;
	k->reply_to = caller->id;
	k->call = h;
	k->from_unit = unit;
	k->attempt = (uint16_t)(attempt > UINT16_MAX ? UINT16_MAX : attempt);
	sim_trace(s, SIM_TR_CHILD, k, parent, caller->id, 0);
	return k;
}

/* cst_bump adds 1 to the counter at byte offset off of the node's and
 * the replica's call statistics, while measuring. */
static void cst_bump(struct sim *s, struct sim_node *n, uint32_t unit, size_t off)
{
	if (!s->measuring)
		return;
	*(uint64_t *)((char *)&n->cst[0] + off) += 1;
	if (n->units > 1 && unit < n->units)
		*(uint64_t *)((char *)&n->cst[1 + unit] + off) += 1;
}

/* breaker_of returns the breaker guarding edge, or NULL. */
static struct breaker *breaker_of(struct sim *s, const struct call_edge *edge)
{
	return edge->policy && edge->policy->breaker >= 0 ? &s->brk[edge->policy->breaker] : NULL;
}

/* pool_send gives edge id's free connections to its waiting attempts,
 * in order. */
static void pool_send(struct sim *s, uint32_t id)
{
	struct edge_rt *rt = &s->ert[id];
	rt->pool_armed = 0;
	while (rt->phead) {
		struct pend *p = rt->phead;
		struct call *c = call_get(s, p->call);
		/* a released call took its attempts out of the queue: c lives */
		const struct call_edge *edge = &c->plan->steps[c->step].edges[p->e];
		if (rt->conns >= edge->policy->max_connections)
			break;
		struct call_try *t = &TRIES(c)[p->e];
		rt->phead = p->next;
		if (rt->phead)
			rt->phead->prev = NULL;
		else
			rt->ptail = NULL;
		rt->npend--;
		pool_put(&s->pends, p);
		t->pend = NULL;
		rt->conns++;
		struct request *k = t->cur;
		call_stat(&s->nodes[c->caller], c->unit, CALL_MADE, 0);
		sim_send(s, edge->to, k);    /* c and t may move: not used after */
	}
}

/* admit says whether an attempt on edge, made by caller's unit, may go
 * out now: REQ_OK, or the status that refuses it: REQ_REJECTED when its
 * pool's waiting room is full or its rate limit has no token,
 * REQ_BREAKER_OPEN when its breaker fails it fast (counted as not
 * permitted).  A breaker that moves to half-open on this is counted. */
static int admit(struct sim *s, const struct call_edge *edge, struct sim_node *caller,
		 uint32_t unit)
{
	if ((pool_full(s, edge) && s->ert[edge->id].npend >= edge->policy->max_pending) ||
	    over_limit(s, edge))
		return REQ_REJECTED;
	struct breaker *b = breaker_of(s, edge);
	if (!b)
		return REQ_OK;
	int was = b->state;
	int ok = breaker_allow(b, s->now_ns);
	if (was == BRK_OPEN && b->state == BRK_HALF_OPEN)
		cst_bump(s, caller, unit, offsetof(struct call_stats, half_opened));
	if (ok)
		return REQ_OK;
	cst_bump(s, caller, unit, offsetof(struct call_stats, not_permitted));
	return REQ_BREAKER_OPEN;
}

/* call_step makes the calls of the current step of call h, moving on
 * past steps whose edges all said no.  Returns 1 when calls are out,
 * 0 when the plan is over (or memory ran out, s->oom). */
static int call_step(struct sim *s, uint64_t h)
{
	struct call *c = call_get(s, h);
	const struct call_plan *plan = c->plan;
	struct request *parent = c->parent;
	struct sim_node *caller = &s->nodes[c->caller];
	uint32_t unit = c->unit;
	tries_free(s, c);
	for (uint32_t st = c->step; st < plan->nsteps; st++) {
		const struct call_step *step = &plan->steps[st];
		/* the step's children are made first, linked in edge order
		 * through their queue link, and the edges that call marked */
		uint64_t chosen[CALLPLAN_MAX_PARALLEL / 64], denied[CALLPLAN_MAX_PARALLEL / 64];
		uint64_t breaker_denied[CALLPLAN_MAX_PARALLEL / 64];
		uint64_t held[CALLPLAN_MAX_PARALLEL / 64];
		struct request *first = NULL, **tail = &first;
		uint32_t made = 0;
		memset(chosen, 0, (step->nedges + 63) / 64 * sizeof *chosen);
		memset(denied, 0, (step->nedges + 63) / 64 * sizeof *denied);
		memset(breaker_denied, 0, (step->nedges + 63) / 64 * sizeof *breaker_denied);
		memset(held, 0, (step->nedges + 63) / 64 * sizeof *held);
		for (uint32_t e = 0; e < step->nedges; e++) {
			const struct call_edge *edge = &step->edges[e];
			/* the edge's place in the plan names its draws; each
			 * policy edge has a pool of its own, so no other edge
			 * of the step waits in this one's */
			uint64_t salt = (uint64_t)st * CALLPLAN_MAX_PARALLEL + e;
			if (edge->p < 1 &&
			    !(rng_uniform_pos(sim_draws(s, parent,
							SIM_DRAW_CALL | salt << 8)) < edge->p))
				continue;
			chosen[e / 64] |= (uint64_t)1 << (e % 64);
			made++;
			int why = admit(s, edge, caller, unit);
			if (why != REQ_OK) {
				denied[e / 64] |= (uint64_t)1 << (e % 64);
				if (why == REQ_BREAKER_OPEN)
					breaker_denied[e / 64] |= (uint64_t)1 << (e % 64);
				continue;
			}
			struct request *k = make_child(s, parent, caller, unit, h, salt, 0);
			if (!k)
				break;
			*tail = k;
			tail = &k->next;
		}
		struct call_try *tries = NULL;
		if (made && plan->has_policy && !s->oom) {
			if (step->nedges == 1) {
				memset(&c->one, 0, sizeof c->one);
				tries = &c->one;
			} else {
				/* the slot's own records, reused: no allocation
				 * per call once the table has warmed up */
				if (c->spare_cap < step->nedges) {
					struct call_try *t = realloc(c->spare,
								     step->nedges * sizeof *t);
					if (t) {
						c->spare = t;
						c->spare_cap = step->nedges;
					} else {
						s->oom = 1;
					}
				}
				if (!s->oom) {
					tries = c->spare;
					memset(tries, 0, step->nedges * sizeof *tries);
				}
			}
		}
		if (s->oom) {
			while (first) {
				struct request *k = first;
				first = k->next;
				sim_request_free(s, k);
			}
			return 0;
		}
		if (!made)
			continue;
		c->step = st;
		c->pending = made;
		c->tries = tries;
		/* each attempt's record and timeout first: the sends below
		 * may move the call table, and c->one with it */
		struct request *k = first;
		for (uint32_t e = 0; tries && e < step->nedges; e++) {
			if (!(chosen[e / 64] >> (e % 64) & 1))
				continue;
			const struct call_edge *edge = &step->edges[e];
			tries[e].n = 1;
			if (edge->policy)
				budget_count(s, edge, 0);
			if (denied[e / 64] >> (e % 64) & 1) {
				/* failed fast, as an event now: the caller is
				 * told after this step is set up */
				tries[e].deny = (int16_t)(breaker_denied[e / 64] >> (e % 64) & 1 ?
							  REQ_BREAKER_OPEN : REQ_REJECTED);
				sim_schedule(s, s->now_ns, e, SIM_EV_DENIED, NULL, h);
				continue;
			}
			try_sent(s, edge, &tries[e], k, h, e);
			if (breaker_of(s, edge))
				tries[e].brk_epoch = breaker_of(s, edge)->epoch;
			if (edge->policy && edge->policy->timeout_ns)
				tries[e].tmo = tmo_add(s, edge, h, e);
			struct request *next = k->next;
			if (edge->policy && edge->policy->max_connections) {
				if (pool_full(s, edge)) {
					/* waits for a connection: not sent below */
					held[e / 64] |= (uint64_t)1 << (e % 64);
					pool_wait(s, edge, &tries[e], h, e);
				} else {
					s->ert[edge->id].conns++;
				}
			}
			k = next;
		}
		/* sends last, in edge order: a callee may start calls of its
		 * own, and the call table may move under c */
		for (uint32_t e = 0; e < step->nedges; e++) {
			if (!(chosen[e / 64] >> (e % 64) & 1) || (denied[e / 64] >> (e % 64) & 1))
				continue;
			k = first;
			first = k->next;       /* before the send reuses the link */
			if (held[e / 64] >> (e % 64) & 1)
				continue;      /* it waits in the edge's pool */
			call_stat(caller, unit, CALL_MADE, 0);
			sim_send(s, step->edges[e].to, k);
		}
		return 1;
	}
	return 0;
}

/* call_over ends call c: the caller is told, with the first failure. */
static void call_over(struct sim *s, struct call *c)
{
	struct request *parent = c->parent;
	struct sim_node *caller = &s->nodes[c->caller];
	int status = c->status;
	/* waits that began in the warm-up are not the measured window's */
	if (c->start_ns >= s->warmup_end_ns)
		call_stat(caller, c->unit, CALL_OVER, (double)(s->now_ns - c->start_ns));
	if (status != REQ_OK)
		parent->fail_node = c->fail_node;
	parent->waiting = 0;
	call_release(s, c);
	caller->ops->calls_done(s, caller, parent, status);
}

int sim_calls_start(struct sim *s, struct sim_node *n, uint32_t unit,
		    struct request *req, const struct call_plan *plan)
{
	if (!plan || !plan->nsteps)
		return 0;
	struct call *c = call_new(s);
	if (!c)
		return 0;
	c->parent = req;
	c->plan = plan;
	c->caller = n->id;
	c->unit = unit;
	c->status = REQ_OK;
	c->fail_node = SIM_ANY;
	c->start_ns = s->now_ns;
	uint64_t h = c->handle;
	if (call_step(s, h)) {
		req->waiting = h;
		return 1;
	}
	call_release(s, call_get(s, h));
	return 0;
}

void sim_calls_abandon(struct sim *s, struct request *req)
{
	struct call *c = call_get(s, req->waiting);
	if (c)
		call_release(s, c);
	req->waiting = 0;
}

static void step_done(struct sim *s, struct call *c);

/* try_of returns the edge of c's step whose current attempt is kid, or
 * UINT32_MAX (an attempt that timed out). */
static uint32_t try_of(const struct call *c, const struct request *kid)
{
	uint32_t n = c->plan->steps[c->step].nedges;
	for (uint32_t e = 0; e < n; e++) {
		const struct call_try *t = &TRIES(c)[e];
		if (!t->cur)
			continue;
		if (t->cur == kid)
			return e;
		for (uint32_t k = 0; k < t->ncopies; k++)
			if (t->copy[k] == kid)
				return e;
	}
	return UINT32_MAX;
}

/* hedge_now sends the next copy of the attempt out on edge e of call h,
 * if it is still out. */
static void hedge_now(struct sim *s, uint64_t h, uint32_t e)
{
	struct call *c = call_get(s, h);
	if (!c || !c->tries)
		return;
	const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
	struct call_try *t = &TRIES(c)[e];
	const struct hedge_cfg *hc = &edge->policy->hedge;
	if (!t->cur || t->ncopies >= hc->max)
		return;
	struct sim_node *caller = &s->nodes[c->caller];
	uint64_t salt = (uint64_t)c->step * CALLPLAN_MAX_PARALLEL + e;
	/* a copy's identity: its attempt's, and which copy */
	struct request *k = make_child(s, c->parent, caller, c->unit, h, salt,
				       (t->n + 1) << 8 | (t->ncopies + 1));
	if (!k) {
		s->oom = 1;
		return;
	}
	k->attempt = (uint16_t)(t->n - 1);
	t->copy[t->ncopies++] = k;
	if (t->ncopies < hc->max)
		t->hedge = sim_timer_set(s, s->now_ns + hc->after_ns, e, SIM_EV_HEDGE, NULL, h);
	call_stat(caller, c->unit, CALL_MADE, 0);
	cst_bump(s, caller, c->unit, offsetof(struct call_stats, hedges));
	sim_send(s, edge->to, k);
}

int sim_request_orphan(struct sim *s, const struct request *req)
{
	/* a request relayed (a balancer, a cache) keeps its call below the
	 * relays' records */
	uint64_t h = req->call;
	for (const struct sim_via *v = req->via; !h && v; v = v->prev)
		h = v->call;
	if (!h)
		return 0;
	const struct call *c = call_get(s, h);
	return !c || (c->tries && try_of(c, req) == UINT32_MAX);
}

/* attempt_end: the attempt on edge e of call h ended with status st
 * (own_timeout: its edge's timeout), arisen at fail_node.  A failure is
 * retried when the edge's policy says so and its budget allows;
 * otherwise the edge is over. */
static void attempt_end(struct sim *s, uint64_t h, uint32_t e, int st,
			uint32_t fail_node, int own_timeout, int no_call)
{
	struct call *c = call_get(s, h);
	const struct call_step *step = &c->plan->steps[c->step];
	const struct call_edge *edge = &step->edges[e];
	struct call_try *t = &TRIES(c)[e];
	struct sim_node *caller = &s->nodes[c->caller];
	struct breaker *b = breaker_of(s, edge);
	if (b && !no_call) {
		int was = b->state;
		breaker_record(b, s->now_ns, st != REQ_OK, s->now_ns - t->sent_ns, t->brk_epoch);
		if (b->state == BRK_OPEN && was != BRK_OPEN) {
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, opened));
			/* the automatic half-open: counted on this node's row */
			if (breaker_auto_due(b) != INT64_MAX)
				sim_schedule(s, breaker_auto_due(b), caller->id, SIM_EV_BREAKER, NULL,
					     (uint64_t)edge->policy->breaker);
		}
		if (b->state == BRK_CLOSED && was == BRK_HALF_OPEN)
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, closed));
	}
	if (st != REQ_OK && st != REQ_BREAKER_OPEN && edge->policy) {
		const struct retry_cfg *r = &edge->policy->retry;
		unsigned why = own_timeout ? RETRY_ON_TIMEOUT :
			req_status_group(st) == REQ_GROUP_REFUSED ? RETRY_ON_REJECTED : RETRY_ON_ERROR;
		if ((r->retry_on & why) && t->n < r->max_attempts) {
			if (budget_allows(s, edge)) {
				budget_count(s, edge, 1);
				uint64_t salt = (uint64_t)c->step * CALLPLAN_MAX_PARALLEL + e;
				int64_t w = backoff_ns(s, r, t, c->parent, salt, t->n);
				struct event *ev = sim_schedule(s, s->now_ns + w, e, SIM_EV_RETRY, NULL, h);
				(void)ev;
				return;
			}
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, denied));
		}
	}
	c->pending--;
	if (st != REQ_OK && c->status == REQ_OK) {
		c->status = req_status_group(st) == REQ_GROUP_REFUSED ? REQ_CALL_REJECTED : st;
		c->fail_node = fail_node;
	}
	if (c->status != REQ_OK) {
		call_over(s, c);
		return;
	}
	if (!c->pending)
		step_done(s, c);
}

/* retry_now makes the next attempt on edge e of call h. */
static void retry_now(struct sim *s, uint64_t h, uint32_t e)
{
	struct call *c = call_get(s, h);
	if (!c)
		return;         /* abandoned meanwhile */
	const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
	struct sim_node *caller = &s->nodes[c->caller];
	struct call_try *t = &TRIES(c)[e];
	uint64_t salt = (uint64_t)c->step * CALLPLAN_MAX_PARALLEL + e;
	int why = admit(s, edge, caller, c->unit);
	if (why != REQ_OK) {
		t->n++;
		attempt_end(s, h, e, why, caller->id, 0, 1);
		return;
	}
	struct breaker *b = breaker_of(s, edge);
	struct request *k = make_child(s, c->parent, caller, c->unit, h, salt, t->n);
	if (!k) {
		s->oom = 1;
		return;
	}
	t->n++;
	try_sent(s, edge, t, k, h, e);
	if (b)
		t->brk_epoch = b->epoch;
	if (edge->policy->timeout_ns)
		t->tmo = tmo_add(s, edge, h, e);
	cst_bump(s, caller, c->unit, offsetof(struct call_stats, retries));
	if (edge->policy->max_connections) {
		if (pool_full(s, edge)) {
			pool_wait(s, edge, t, h, e);   /* sent when a connection frees */
			return;
		}
		s->ert[edge->id].conns++;
	}
	call_stat(caller, c->unit, CALL_MADE, 0);
	sim_send(s, edge->to, k);
}

/* timeouts_due fires edge id's timeouts that are due. */
static void timeouts_due(struct sim *s, uint32_t id)
{
	struct edge_rt *rt = &s->ert[id];
	rt->armed = 0;
	while (rt->head && rt->head->deadline_ns <= s->now_ns) {
		struct tmo *t = rt->head;
		tmo_unlink(rt, t);
		uint64_t h = t->call;
		uint32_t e = t->e;
		pool_put(&s->tmos, t);
		struct call *c = call_get(s, h);
		/* a released call cancelled its timeouts: c is live */
		struct call_try *tr = &TRIES(c)[e];
		struct sim_node *caller = &s->nodes[c->caller];
		tr->tmo = NULL;
		if (tr->cur)
			sim_trace(s, SIM_TR_TIMEOUT, tr->cur, c->parent, c->caller, 0);
		/* its reply, when it comes, is late */
		try_drop(s, &c->plan->steps[c->step].edges[e], tr);
		cst_bump(s, caller, c->unit, offsetof(struct call_stats, timeouts));
		attempt_end(s, h, e, REQ_TIMEOUT, c->plan->steps[c->step].edges[e].to, 1, 0);
	}
	if (rt->head && !rt->armed) {
		rt->armed = 1;
		sim_schedule(s, rt->head->deadline_ns, 0, SIM_EV_TIMEOUT, NULL, id);
	}
}

/* call_reply takes the reply of a child request. */
static void call_reply(struct sim *s, struct request *kid)
{
	struct call *c = call_get(s, kid->call);
	struct sim_node *caller = &s->nodes[kid->reply_to];
	uint32_t e = c && c->tries ? try_of(c, kid) : 0;
	if (!c || e == UINT32_MAX) {
		/* the call was abandoned, or this attempt timed out: the
		 * callee's work was wasted */
		call_stat(caller, kid->from_unit, CALL_LATE, 0);
		sim_request_free(s, kid);
		return;
	}
	if (c->tries) {
		struct call_try *t = &TRIES(c)[e];
		const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
		if (t->tmo)
			tmo_cancel(s, edge, t->tmo);
		t->tmo = NULL;
		try_drop(s, edge, t);
		int st = kid->status;
		uint32_t fn = kid->fail_node;
		uint64_t h = c->handle;
		sim_request_free(s, kid);
		attempt_end(s, h, e, st, fn, 0, 0);
		return;
	}
	if (kid->status != REQ_OK && c->status == REQ_OK) {
		/* a call refused by a full queue fails its caller, which had
		 * been served: the caller's outcome is a failure, not a
		 * refusal */
		c->status = req_status_group(kid->status) == REQ_GROUP_REFUSED ?
			REQ_CALL_REJECTED : kid->status;
		c->fail_node = kid->fail_node;
	}
	sim_request_free(s, kid);
	c->pending--;
	if (c->status != REQ_OK) {
		/* fail fast: the parent fails now; calls still out of this
		 * step come back late */
		call_over(s, c);
		return;
	}
	if (c->pending)
		return;
	step_done(s, c);
}

/* step_done: every call of c's step is answered; the next step, or the
 * end. */
static void step_done(struct sim *s, struct call *c)
{
	tries_free(s, c);
	c->step++;
	uint64_t h = c->handle;
	if (call_step(s, h))
		return;
	if (!s->oom)
		call_over(s, call_get(s, h));
}

/* ---- measurement ------------------------------------------------------ */

/* sample_nodes asks every kind with time-series columns for the values of
 * node-series window `win`. */
static void sample_nodes(struct sim *s, size_t win)
{
	struct rep_result *r = s->res;
	double *out = r->node_ts + win * r->node_ts_cells;
	for (size_t k = 0; k < s->sc->ncomponents; k++) {
		struct sim_node *n = &s->nodes[k];
		size_t nc = model_ts_cells(n->sc);
		if (!nc)
			continue;
		n->ops->sample(s, n, out);
		out += nc;
	}
}

/* ticks closes the time-series windows that end at or before t, as if
 * each closed at its end.  The loop calls it before an event later than
 * the next window's end: a tick is no event in the queue, where one far
 * ahead would slow the pushes of a small queue (evq.h). */
static void ticks(struct sim *s, int64_t t)
{
	struct rep_result *r = s->res;
	while (t >= s->next_tick_ns) {
		s->now_ns = s->next_tick_ns;
		s->ts_cur++;
		if (r->node_ts_cells && s->ts_cur % r->node_ts_every == 0)
			sample_nodes(s, s->ts_cur / r->node_ts_every - 1);
		s->next_tick_ns += r->ts_window_ns;
		if (s->ts_cur >= r->nts || s->next_tick_ns >= s->end_ns)
			s->next_tick_ns = INT64_MAX;
	}
}

/* ---- the timeline ----------------------------------------------------- */

static int covers(const struct tl_entry *t, uint32_t unit)
{
	return t->unit == SIM_ANY || t->unit == unit;
}

/* tl_apply works out node k's fault state from the active entries and
 * tells the kind about crashes that began or ended. */
static void tl_apply(struct sim *s, uint32_t k)
{
	struct sim_node *n = &s->nodes[k];
	struct node_faults *f = n->faults;
	const struct scenario *sc = s->sc;
	f->add_ns = 0;
	for (uint32_t u = 0; u < n->units; u++) {
		double slow = 1, ok = 1;
		int down = 0;
		for (size_t i = 0; i < sc->ntimeline; i++) {
			const struct tl_entry *t = &sc->timeline[i];
			if (!s->tl_active[i] || t->node != k || !covers(t, u) ||
			    t->member != SIM_ANY)
				continue;
			switch (t->action) {
			case TL_CRASH: down = 1; break;
			case TL_SLOW: slow *= t->value; break;
			case TL_ERRORS: ok *= 1 - t->value; break;
			case TL_LATENCY:
				if (u == 0)
					f->add_ns += t->add_ns;
				break;
			default: break;
			}
		}
		f->slow[u] = slow;
		f->error[u] = 1 - ok;
		if (down != f->down[u]) {
			f->down[u] = (uint8_t)down;
			if (down)
				f->down_since[u] = s->now_ns;
			if (down && n->ops->crash)
				n->ops->crash(s, n, u);
			else if (!down && n->ops->recover)
				n->ops->recover(s, n, u);
		}
	}
}

static void tl_event(struct sim *s, struct event *ev)
{
	const struct scenario *sc = s->sc;
	size_t i = (size_t)ev->arg;
	const struct tl_entry *t = &sc->timeline[i];
	struct sim_node *n = &s->nodes[t->node];
	int start = ev->kind == SIM_EV_TL_START;
	if (t->action == TL_SCALE) {
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		/* the active entry that started last decides; with none, the
		 * configured number holds */
		long w = tl_scale_winner(sc, t->node, s->tl_active);
		uint32_t units = w < 0 ? n->sc->units : sc->timeline[w].replicas;
		if (units != n->faults->units_now) {
			n->faults->units_now = units;
			n->ops->scale(s, n, units);
		}
		return;
	}
	if (t->member != SIM_ANY) {
		/* a crash or recover of one member of a unit (a queue's
		 * consumer): the kind keeps its state from the active entries */
		if (t->action == TL_RECOVER) {
			for (size_t j = 0; j < sc->ntimeline; j++) {
				const struct tl_entry *c = &sc->timeline[j];
				if (c->action == TL_CRASH && c->node == t->node &&
				    c->unit == t->unit && c->member == t->member)
					s->tl_active[j] = 0;
			}
		} else {
			s->tl_active[i] = (uint8_t)start;
			if (start && t->for_ns)
				sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		}
		n->ops->action(s, n, t, start);
		return;
	}
	if (t->action == TL_KIND) {
		/* the kind's own actions: it keeps their state */
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		n->ops->action(s, n, t, start);
		return;
	}
	if (t->action == TL_RECOVER) {
		for (size_t j = 0; j < sc->ntimeline; j++) {
			const struct tl_entry *c = &sc->timeline[j];
			if (c->action == TL_CRASH && c->node == t->node &&
			    c->member == SIM_ANY &&
			    (t->unit == SIM_ANY || c->unit == t->unit))
				s->tl_active[j] = 0;
		}
	} else {
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
	}
	tl_apply(s, t->node);
}

/* ---- the loop --------------------------------------------------------- */

static void engine_event(struct sim *s, struct event *ev)
{
	struct request *req = ev->obj;
	switch (ev->kind) {
	case SIM_EV_DELIVER:
		req->node_arrival_ns = s->now_ns;
		sim_trace(s, SIM_TR_ARRIVE, req, NULL, ev->node, 0);
		s->nodes[ev->node].ops->arrive(s, &s->nodes[ev->node], req);
		break;
	case SIM_EV_TL_START:
	case SIM_EV_TL_END:
		tl_event(s, ev);
		break;
	case SIM_EV_TIMEOUT:
		timeouts_due(s, (uint32_t)ev->arg);
		break;
	case SIM_EV_RETRY:
		retry_now(s, ev->arg, ev->node);
		break;
	case SIM_EV_DENIED: {
		struct call *c = call_get(s, ev->arg);
		if (c)
			attempt_end(s, ev->arg, ev->node, TRIES(c)[ev->node].deny, c->caller, 0, 1);
		break;
	}
	case SIM_EV_BREAKER: {
		struct breaker *b = &s->brk[ev->arg];
		int was = b->state;
		breaker_tick(b, s->now_ns);
		if (was == BRK_OPEN && b->state == BRK_HALF_OPEN)
			cst_bump(s, &s->nodes[ev->node], UINT32_MAX,
				 offsetof(struct call_stats, half_opened));
		break;
	}
	case SIM_EV_HEDGE:
		hedge_now(s, ev->arg, ev->node);
		break;
	case SIM_EV_POOL:
		pool_send(s, (uint32_t)ev->arg);
		break;
	}
}

/* next_event takes the next event earlier than end_ns, or returns NULL:
 * the ladder's head when it is at now_ns (it was scheduled before the
 * clock got there, so before anything in the FIFOs), else the FIFO of
 * events at now_ns, else the ladder's head.  A reply due before the event
 * it would return is taken instead: *reply is set and NULL returned. */
static inline struct event *next_event(struct sim *s, int64_t end_ns,
				       struct request **reply)
{
	struct event *ev = s->now_head;
	struct request *r = s->reply_head;
	if (ev || r) {
		if (s->now_ns >= end_ns)
			return NULL;
		struct event *l = evq_peek(&s->q);
		if (l && l->time_ns == s->now_ns)
			return evq_pop(&s->q);
		if (r && (!ev || r->seq < ev->seq)) {
			s->reply_head = r->next;
			if (!s->reply_head)
				s->reply_tail = NULL;
			*reply = r;
			return NULL;
		}
		s->now_head = ev->next;
		if (!s->now_head)
			s->now_tail = NULL;
		ev->next = NULL;
		return ev;
	}
	ev = evq_pop(&s->q);
	if (ev && ev->time_ns >= end_ns) {
		/* belongs to the next phase; seq unchanged, order kept.  The
		 * push cannot fail while other events are queued (it goes to
		 * the front); when it does, the run ends as out of memory
		 * rather than lose the event. */
		if (evq_push(&s->q, ev)) {
			pool_put(&s->events, ev);
			s->oom = 1;
		}
		return NULL;
	}
	return ev;
}

/* stuck_check is called every 65536 events: it decides whether the
 * events since the clock last moved mean it cannot advance. */
static int stuck_check(struct sim *s, uint64_t same)
{
	uint64_t live = evq_size(&s->q) + s->requests.live + s->events.live;
	if (same < SIM_STUCK_EVENTS + 16 * live)
		return 0;
	s->stuck = 1;
	return 1;
}

/* run_until processes events earlier than end_ns.  Returns 0, or
 * SIM_EINTR when stopped, SIM_ENOMEM, or SIM_ESTUCK. */
static int run_until(struct sim *s, int64_t end_ns)
{
	struct event *ev;
	uint64_t n = 0, moved_at = 0;
	int64_t polled_ns = s->now_ns;
	int stopped = 0;
	for (;;) {
		struct request *reply = NULL;
		ev = next_event(s, end_ns, &reply);
		if (reply) {
			/* a reply, at the current time */
			if (reply->call) {
				call_reply(s, reply);
			} else {
				struct sim_node *node = &s->nodes[reply->reply_to];
				node->ops->done(s, node, reply);
			}
		} else if (!ev) {
			break;
		} else {
			if (ev->time_ns >= s->next_tick_ns)
				ticks(s, ev->time_ns);
			s->now_ns = ev->time_ns;
			if (!(ev->flags & SIM_EV_CANCELLED)) {
				if (ev->kind & SIM_EV_ENGINE) {
					engine_event(s, ev);
				} else {
					struct sim_node *node = &s->nodes[ev->node];
					node->ops->event(s, node, ev);
				}
			}
			sim_event_done(s, ev);
		}
		n++;
		if (s->oom)
			break;
		/* every 65536 events: hooks, and whether the clock moves */
		if ((n & 65535) == 0) {
			if (s->now_ns != polled_ns) {
				polled_ns = s->now_ns;
				moved_at = n;
			} else if (stuck_check(s, n - moved_at)) {
				break;
			}
			if (!s->hooks)
				continue;
			if (s->hooks->stop && *s->hooks->stop) {
				stopped = 1;
				break;
			}
			if (s->hooks->progress)
				s->hooks->progress(s->hooks->arg,
						   (double)s->now_ns / (double)s->end_ns);
		}
	}
	s->res->events += n;
	if (s->oom)
		return SIM_ENOMEM;
	if (s->stuck)
		return SIM_ESTUCK;
	/* only a stop seen before the phase ended interrupts it: a replication
	 * that ran to its end is kept even if the signal came just after */
	return stopped ? SIM_EINTR : 0;
}

static int stuck_error(struct sim *s, struct sim_err *err)
{
	const struct scenario *sc = s->sc;
	if (s->last_fail_node < sc->nnodes)
		return sim_errf(err, SIM_ESTUCK,
				"simulated time stopped advancing at %gs: requests end at once at node '%s' and are issued again at the same instant (closed-loop users with no think time meeting a full or crashed node?); give the users a think time, or the node room to queue",
				(double)s->now_ns * 1e-9, sc->nodes[s->last_fail_node].name);
	return sim_errf(err, SIM_ESTUCK,
			"simulated time stopped advancing at %gs: events keep coming at the same instant (a loop of zero-time steps?)",
			(double)s->now_ns * 1e-9);
}

/* write_call_cols fills the engine's call columns of node k's rows. */
static void write_call_cols(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	size_t first = model_ncols(n->ops->cols);
	for (uint32_t r = 0; r < o->nrows; r++) {
		const struct call_stats *cs = &n->cst[r];
		double *v = node_row(o, n->ops, r) + first * 2;
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

static int node_setup(struct sim *s, uint32_t i)
{
	struct sim_node *n = &s->nodes[i];
	const struct scenario *sc = s->sc;
	n->sc = &sc->nodes[i];
	n->ops = sc->nodes[i].ops;
	n->arrive = n->ops->arrive;
	n->id = i;
	n->units = n->sc->max_units ? n->sc->max_units : 1;
	if (i >= sc->ncomponents)
		return 0;
	if (n->ops->calls_done &&
	    !(n->cst = calloc(1 + (size_t)n->units, sizeof *n->cst)))
		return SIM_ENOMEM;
	for (size_t t = 0; t < sc->ntimeline; t++) {
		if (sc->timeline[t].node != i)
			continue;
		struct node_faults *f = calloc(1, sizeof *f);
		n->faults = f;
		if (!f || !(f->slow = malloc(n->units * sizeof *f->slow)) ||
		    !(f->error = calloc(n->units, sizeof *f->error)) ||
		    !(f->down = calloc(n->units, 1)) ||
		    !(f->down_since = calloc(n->units, sizeof *f->down_since)))
			return SIM_ENOMEM;
		for (uint32_t u = 0; u < n->units; u++)
			f->slow[u] = 1;
		f->units_now = n->sc->units;
		break;
	}
	return 0;
}

static void node_teardown(struct sim_node *n)
{
	if (n->faults) {
		free(n->faults->slow);
		free(n->faults->error);
		free(n->faults->down);
		free(n->faults->down_since);
		free(n->faults);
	}
	free(n->cst);
}

int sim_run(const struct scenario *sc, uint32_t rep, struct rep_result *out,
	    const struct sim_hooks *hooks, struct sim_err *err)
{
	struct sim s;
	int rc = 0;
	uint32_t inited = 0;

	memset(&s, 0, sizeof s);
	rep += sc->rep_offset;
	s.sc = sc;
	s.replication = rep;
	s.res = out;
	s.hooks = hooks;
	s.demand_hook = hooks ? hooks->demand : NULL;
	s.trace_hook = hooks ? hooks->trace : NULL;
	s.warmup_end_ns = sc->warmup_ns;
	s.end_ns = sc->warmup_ns + sc->duration_ns;
	s.run_key = rng_key(rng_key(sc->seed, rep), 0x72657175657374ull);
	s.call_free = UINT32_MAX;
	s.last_fail_node = SIM_ANY;
	evq_init(&s.q);
	pool_init(&s.events, sizeof(struct event), 4096);
	pool_keep(&s.events);     /* timer handles read stale events' seq */
	pool_init(&s.requests, sizeof(struct request), 4096);
	s.nnodes = (uint32_t)sc->nnodes;
	s.nodes = calloc(s.nnodes, sizeof *s.nodes);
	s.draw = gsl_rng_alloc(rng_splitmix64);
	s.tl_active = calloc(sc->ntimeline ? sc->ntimeline : 1, 1);
	s.ert = calloc(sc->npolicy_edges ? sc->npolicy_edges : 1, sizeof *s.ert);
	s.brk = calloc(sc->nbreakers ? sc->nbreakers : 1, sizeof *s.brk);
	pool_init(&s.tmos, sizeof(struct tmo), 1024);
	pool_init(&s.pends, sizeof(struct pend), 1024);
	rep_result_clear(out);
	for (size_t i = 0; s.brk && i < sc->nbreakers; i++)
		if (breaker_init(&s.brk[i], sc->breakers[i].cfg))
			s.oom = 1;
	if (!s.nodes || !s.draw || !s.tl_active || !s.ert || !s.brk || s.oom) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < s.nnodes; i++) {
		if (node_setup(&s, i)) {
			rc = sim_errf(err, SIM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (; inited < s.nnodes; inited++) {
		struct sim_node *n = &s.nodes[inited];
		int irc = n->ops->init(&s, n);
		if (irc || s.oom) {
			inited++;   /* fini whatever init half-built */
			rc = irc == SIM_EIO ?
				sim_errf(err, SIM_EIO, "%s: cannot read the file it replays: %s",
					 n->sc->name, strerror(errno)) :
				sim_errf(err, SIM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (size_t i = 0; i < sc->ntimeline; i++)
		sim_schedule(&s, sc->timeline[i].at_ns, 0, SIM_EV_TL_START, NULL, i);
	s.next_tick_ns = out->ts_window_ns < s.end_ns ? out->ts_window_ns : INT64_MAX;
	if (s.oom) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto done;
	}

	rc = run_until(&s, s.warmup_end_ns);
	if (rc == 0) {
		s.now_ns = s.warmup_end_ns;
		s.measuring = 1;
		out->inflight[0] = s.inflight;
		for (uint32_t i = 0; i < s.nnodes; i++) {
			struct sim_node *n = &s.nodes[i];
			if (n->cst)
				memset(n->cst, 0, (1 + (size_t)n->units) * sizeof *n->cst);
			if (n->ops->warmup_end)
				n->ops->warmup_end(&s, n);
		}
		rc = run_until(&s, s.end_ns);
	}
	if (rc == 0)
		s.now_ns = s.end_ns;
	if (rc == SIM_ENOMEM)
		sim_errf(err, SIM_ENOMEM, "out of memory during the run");
	else if (rc == SIM_EINTR)
		sim_errf(err, SIM_EINTR, "interrupted");
	else if (rc == SIM_ESTUCK)
		stuck_error(&s, err);
	out->complete = rc == 0;
	out->inflight[1] = s.inflight;
	/* measured time: up to the end, or to where an interrupted run got */
	out->duration_s = s.measuring ?
		(double)(s.now_ns - s.warmup_end_ns) * 1e-9 : 0.0;
	if (rc == 0) {
		/* windows with no event after them close at the end */
		ticks(&s, s.end_ns - 1);
		s.now_ns = s.end_ns;
		if (out->node_ts_cells)
			sample_nodes(&s, out->nts_node - 1);
		for (uint32_t i = 0; i < sc->ncomponents; i++) {
			struct sim_node *n = &s.nodes[i];
			if (n->ops->finish)
				n->ops->finish(&s, n, &out->nodes[i]);
			if (n->cst)
				write_call_cols(&s, n, &out->nodes[i]);
		}
	}
done:
	for (uint32_t i = 0; i < inited; i++)
		s.nodes[i].ops->fini(&s, &s.nodes[i]);
	for (uint32_t i = 0; s.nodes && i < s.nnodes; i++)
		node_teardown(&s.nodes[i]);
	evq_fini(&s.q);
	pool_fini(&s.events);
	pool_fini(&s.requests);
	free(s.nodes);
	for (uint32_t i = 0; i < s.ncalls; i++)
		free(s.calls[i].spare);
	free(s.calls);
	free(s.tl_active);
	free(s.ert);
	for (size_t i = 0; s.brk && i < sc->nbreakers; i++)
		breaker_fini(&s.brk[i]);
	free(s.brk);
	pool_fini(&s.tmos);
	pool_fini(&s.pends);
	if (s.draw)
		gsl_rng_free(s.draw);
	return rc;
}
