/*
 * projection.c - the projection kind; see projection.h.
 *
 * Each applier keeps a ring of the events handed to it and not yet
 * applied (the one at the head is being applied), how many kept events
 * a rebuild still has it replay, and its position: the order of the
 * last event it applied.  An aggregate's read is stale when its latest
 * event's order (a kvmap from key to order) is past its applier's
 * position: one lookup, no event.
 */
#include "models/projection.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/station.h"
#include "sim/hist.h"
#include "sim/kvmap.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/timeline.h"

#define PJ_MAX_APPLIERS 4096

enum { PJ_EV_APPLY = 1, PJ_EV_READ };
enum { PJ_SKIP, PJ_BLOCK };

static const char *const on_poison_names[] = { "skip", "block", NULL };

struct pj_cfg {
	uint32_t source;
	struct dist apply, read;
	uint32_t appliers;
	double poison;
	uint32_t max_attempts;
	unsigned on_poison;
	uint32_t dead_letter;           /* a node, or UINT32_MAX: none */
};

static void pj_cfg_init(void *obj)
{
	((struct pj_cfg *)obj)->dead_letter = UINT32_MAX;
}

static int pj_validate(struct check_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	const struct pj_cfg *c = obj;
	char w[256];
	if (c->on_poison == PJ_BLOCK && yt_get(map, "dead_letter")) {
		snprintf(w, sizeof w, "%s.dead_letter", what);
		return check_fail(ctx, yt_get(map, "dead_letter"), w,
				  "receives the events given up, but on_poison: block gives none up: set on_poison: skip, or drop dead_letter");
	}
	return 0;
}

static const struct param pj_params[] = {
	{ .name = "source", .type = PARAM_NODE, PARAM_FIELD(struct pj_cfg, source),
	  .flags = PARAM_REQUIRED, .shape = "NODE",
	  .doc = "the eventstore whose committed events it applies" },
	{ .name = "apply", .type = PARAM_DIST, PARAM_FIELD(struct pj_cfg, apply),
	  .flags = PARAM_REQUIRED, .doc = "time an applier takes to apply one event" },
	{ .name = "appliers", .type = PARAM_UINT, PARAM_FIELD(struct pj_cfg, appliers),
	  .umin = 1, .umax = PJ_MAX_APPLIERS, .def = "1",
	  .doc = "events applied at once: 1 applies in commit order; N, each event on the applier of its aggregate (a hash of its key modulo N), so one aggregate's events stay in order" },
	{ .name = "read", .type = PARAM_DIST, PARAM_FIELD(struct pj_cfg, read),
	  .def = "0s", .doc = "time to answer a read (a delay, not a queue)" },
	{ .name = "poison", .type = PARAM_PROB, PARAM_FIELD(struct pj_cfg, poison),
	  .def = "0", .doc = "the share of events the projection fails to apply, at every attempt (a draw per event: a poison event)" },
	{ .name = "max_attempts", .type = PARAM_UINT, PARAM_FIELD(struct pj_cfg, max_attempts),
	  .umin = 1, .umax = 1000000, .def = "10",
	  .doc = "attempts at an event that fails, each an apply time, before it is given up (Spring Kafka's DefaultErrorHandler: 10, without back-off)" },
	{ .name = "on_poison", .type = PARAM_ENUM, PARAM_FIELD(struct pj_cfg, on_poison),
	  .names = on_poison_names, .def = "skip",
	  .doc = "what an applier does with an event given up: skip (to dead_letter, if given, and on to the next: Spring Kafka's recoverer) or block (it stops there and never moves on: a projection that propagates the error)" },
	{ .name = "dead_letter", .type = PARAM_NODE, PARAM_FIELD(struct pj_cfg, dead_letter),
	  .def_doc = "none: a skipped event is only counted", .shape = "NODE",
	  .doc = "the node each skipped event is published to (a dead-letter queue), as Spring Kafka's DeadLetterPublishingRecoverer" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table pj_table = {
	.params = pj_params,
	.size = sizeof(struct pj_cfg),
	.init = pj_cfg_init,
	.validate = pj_validate,
	.doc = "A read model (CQRS) built from an eventstore's events: its appliers apply each committed event, in order per aggregate; the requests it receives are reads of their key, stale while an event of the key is committed and not yet applied.  Timeline `rebuild` replays every kept event.",
};

/* ---- run state -------------------------------------------------------- */

struct pev {
	uint64_t seq, key;
	int64_t commit_ns;
};

struct applier {
	struct pev *q;                  /* ring: waiting, head being applied */
	size_t head, len, cap;
	uint64_t hist_left, hist_done;  /* a rebuild's kept events to replay,
					 * and replayed: its share of them */
	uint64_t pos;                   /* order of the last event applied */
	uint64_t eid;                   /* the identity of the event at work */
	uint32_t attempts;              /* its failed attempts so far */
	int busy, blocked;
	struct sim_timer t;
};

struct pj {
	const struct pj_cfg *c;
	uint32_t na;
	struct applier *ap;
	struct kvmap last;              /* key -> order of its latest event */
	uint64_t committed, stored;     /* as the store said last */
	uint64_t backlog;               /* events handed over, not applied */
	int down;
	/* a rebuild: its start, the order the replay goes up to, and
	 * whether it has caught up (and began in the measured window) */
	int rebuilding, rebuild_measured;
	int64_t rebuild_ns;
	uint64_t end, nrebuild;
	struct request *held;           /* reads being answered, by hprev/hnext */
	struct twa lagt, busyt;          /* events behind; busy appliers */
	struct hist lag;
	/* since warm-up's end */
	uint64_t arrivals, reads, stale, applied, lag_n, rebuilds, caught;
	uint64_t failures, poisoned;
	double sojourn_s, lag_s, catchup_s;
	uint64_t done;
	/* the time series' window */
	uint64_t w_reads, w_stale, w_lag_n;
	double w_lag_s, ts_prev_busy, ts_prev_ns;
};

static inline uint32_t applier_of(const struct pj *p, uint64_t key)
{
	return p->na == 1 ? 0 : (uint32_t)(rng_mix64(key) % p->na);
}

uint32_t proj_source_of(const struct sim_node *n)
{
	if (n->ops != &projection_ops)
		return SIM_ANY;
	return ((const struct pj_cfg *)n->sc->cfg)->source;
}

/* apply_ns draws an apply time from the stream named key. */
static int64_t apply_ns(struct sim *s, struct sim_node *n, const struct pj *p, uint64_t key)
{
	const struct dist *d = &p->c->apply;
	double x = d->kind == DIST_CONSTANT ? d->mean : (rng_seed_key(s->draw, key),
							  dist_sample(d, s->draw));
	return sim_slowed_ns(n, 0, x * 1e9);
}

/* kick: applier j starts (another attempt at) its next event, if it has
 * one and is free to. */
static void kick(struct sim *s, struct sim_node *n, struct pj *p, uint32_t j)
{
	struct applier *a = &p->ap[j];
	if (a->busy || a->blocked || p->down || (!a->hist_left && !a->len))
		return;
	if (!a->attempts)
		a->eid = a->hist_left ?
			rng_key(rng_key(s->run_key ^ (uint64_t)n->id << 40, p->nrebuild),
				rng_key(j, a->hist_done)) :
			rng_key(s->run_key ^ (uint64_t)n->id << 40 ^ 1, a->q[a->head].seq);
	a->busy = 1;
	twa_add(&p->busyt, s->now_ns, 1);
	int64_t t = apply_ns(s, n, p, rng_key(a->eid, a->attempts));
	a->t = sim_timer_set(s, s->now_ns + t, n->id, PJ_EV_APPLY, NULL, j);
}

/* poisoned: the event at work on a fails every attempt. */
static int poisoned(struct sim *s, const struct pj *p, const struct applier *a)
{
	if (p->c->poison <= 0)
		return 0;
	rng_seed_key(s->draw, rng_key(a->eid, 0x706f6973));
	return rng_uniform_pos(s->draw) < p->c->poison;
}

/* give_up: the event at work on applier a has failed max_attempts: to the
 * dead-letter node, if any (a live event with its key). */
static void give_up(struct sim *s, struct sim_node *n, struct pj *p, const struct applier *a)
{
	if (s->measuring)
		p->poisoned++;
	if (p->c->dead_letter == UINT32_MAX)
		return;
	struct request *r = sim_request_new(s);
	if (!r)
		return;
	r->ident = rng_key(a->eid, 0x646c71);
	if (!a->hist_left) {
		r->key = a->q[a->head].key;
		r->keyed = 1;
	}
	r->write = 1;
	r->reply_to = n->id;
	sim_send(s, p->c->dead_letter, r);
}

static void applied(struct sim *s, struct sim_node *n, struct pj *p, uint32_t j)
{
	struct applier *a = &p->ap[j];
	a->busy = 0;
	twa_add(&p->busyt, s->now_ns, -1);
	if (poisoned(s, p, a)) {
		if (s->measuring)
			p->failures++;
		if (++a->attempts < p->c->max_attempts) {
			kick(s, n, p, j);
			return;
		}
		if (p->c->on_poison == PJ_BLOCK) {
			a->blocked = 1;      /* it stays at this event for good */
			return;
		}
		give_up(s, n, p, a);
	}
	a->attempts = 0;
	if (a->hist_left) {
		a->hist_left--;
		a->hist_done++;
		/* the replay's place in commit order, taken as even over
		 * the history: the kept events are each stream's last, so
		 * they reach back to the first event */
		a->pos = a->hist_left ?
			(uint64_t)((double)p->end * (double)a->hist_done /
					  (double)(a->hist_left + a->hist_done)) :
			p->end;
	} else {
		struct pev *e = &a->q[a->head];
		a->pos = e->seq;
		if (s->measuring) {
			double l = (double)(s->now_ns - e->commit_ns) * 1e-9;
			p->lag_s += l;
			p->lag_n++;
			p->w_lag_s += l;
			p->w_lag_n++;
			hist_record(&p->lag, s->now_ns - e->commit_ns);
		}
		a->head = (a->head + 1) % a->cap;
		a->len--;
	}
	p->backlog--;
	twa_add(&p->lagt, s->now_ns, -1);
	if (s->measuring)
		p->applied++;
	if (p->rebuilding && !p->backlog) {
		p->rebuilding = 0;
		if (s->measuring && p->rebuild_measured) {
			p->caught++;
			p->catchup_s += (double)(s->now_ns - p->rebuild_ns) * 1e-9;
		}
	}
	kick(s, n, p, j);
}

void proj_deliver(struct sim *s, struct sim_node *n, uint64_t key, uint64_t seq,
		  uint64_t stored)
{
	struct pj *p = n->state;
	p->committed = seq;
	p->stored = stored;
	if (kvmap_put(&p->last, key, (int64_t)seq)) {
		s->oom = 1;
		return;
	}
	struct applier *a = &p->ap[applier_of(p, key)];
	if (a->len == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		struct pev *q = malloc(cap * sizeof *q);
		if (!q) {
			s->oom = 1;
			return;
		}
		for (size_t i = 0; i < a->len; i++)
			q[i] = a->q[(a->head + i) % a->cap];
		free(a->q);
		a->q = q;
		a->head = 0;
		a->cap = cap;
	}
	a->q[(a->head + a->len) % a->cap] = (struct pev){ seq, key, s->now_ns };
	a->len++;
	p->backlog++;
	twa_add(&p->lagt, s->now_ns, 1);
	kick(s, n, p, applier_of(p, key));
}

/* halt stops applier a's apply under way, if any (its event stays at
 * the head, to be applied from the start). */
static void halt(struct sim *s, struct pj *p, struct applier *a)
{
	if (!a->busy)
		return;
	sim_timer_cancel(&a->t);
	a->busy = 0;
	twa_add(&p->busyt, s->now_ns, -1);
}

/* rebuild: start again from the first kept event. */
static void rebuild(struct sim *s, struct sim_node *n, struct pj *p)
{
	uint64_t e = p->stored < p->committed ? p->stored : p->committed;
	p->nrebuild++;
	p->end = p->committed;
	for (uint32_t j = 0; j < p->na; j++) {
		struct applier *a = &p->ap[j];
		halt(s, p, a);
		a->head = a->len = 0;     /* the events waiting are among the kept */
		a->hist_left = e / p->na + (j < e % p->na);
		a->hist_done = 0;
		a->pos = a->hist_left ? 0 : p->end;
		a->attempts = 0;
		a->blocked = 0;          /* a new start: a blocked applier too */
	}
	twa_add(&p->lagt, s->now_ns, (double)e - (double)p->backlog);
	p->backlog = e;
	p->rebuilding = e > 0;
	p->rebuild_measured = s->measuring;
	p->rebuild_ns = s->now_ns;
	if (s->measuring)
		p->rebuilds++;
	for (uint32_t j = 0; j < p->na; j++)
		kick(s, n, p, j);
}

static const struct tl_action_def pj_rebuild = {
	.name = "rebuild", .flags = TLA_WHOLE | TLA_INSTANT, .engine = TL_KIND,
	.doc = "a projection starts again from the first event its store keeps (a schema change): every read is stale until its aggregate's latest event is applied again",
};

static const struct tl_action_def *const pj_actions[] = { &pj_rebuild, NULL };

static void pj_action(struct sim *s, struct sim_node *n, const struct tl_entry *t, int start)
{
	if (t->def == &pj_rebuild && start)
		rebuild(s, n, n->state);
}

static void pj_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct pj *p = n->state;
	if (s->measuring)
		p->arrivals++;
	if (p->down) {
		sim_fail(s, req, REQ_CRASHED, n->id);
		return;
	}
	int64_t last;
	int stale = kvmap_get(&p->last, req->key, &last) &&
		    (uint64_t)last > p->ap[applier_of(p, req->key)].pos;
	if (s->measuring) {
		p->reads++;
		p->stale += stale;
	}
	p->w_reads++;
	p->w_stale += stale;
	const struct dist *d = &p->c->read;
	if (d->kind == DIST_CONSTANT && d->mean == 0) {
		if (s->measuring) {
			p->done++;
			p->sojourn_s += (double)(s->now_ns - req->node_arrival_ns) * 1e-9;
		}
		req->status = REQ_OK;
		sim_finish(s, req);
		return;
	}
	int64_t t = sim_demand_ns(s, n, 0, req, d, 1.0);
	req->timer = sim_timer_set(s, s->now_ns + t, n->id, PJ_EV_READ, req, 0);
	held_add(&p->held, req);
}

static void pj_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct pj *p = n->state;
	if (ev->kind == PJ_EV_APPLY) {
		applied(s, n, p, (uint32_t)ev->arg);
		return;
	}
	struct request *req = ev->obj;
	held_remove(&p->held, req);
	if (s->measuring) {
		p->done++;
		p->sojourn_s += (double)(s->now_ns - req->node_arrival_ns) * 1e-9;
	}
	req->status = REQ_OK;
	sim_finish(s, req);
}

/* pj_done: a dead letter's publish is over. */
static void pj_done(struct sim *s, struct sim_node *n, struct request *req)
{
	(void)n;
	sim_request_free(s, req);
}

static void pj_crash(struct sim *s, struct sim_node *n, uint32_t u)
{
	(void)u;
	struct pj *p = n->state;
	p->down = 1;
	/* the reads it was answering fail */
	while (p->held) {
		struct request *r = p->held;
		held_remove(&p->held, r);
		sim_timer_cancel(&r->timer);
		sim_fail(s, r, REQ_CRASHED, n->id);
	}
	/* each apply under way starts over when the projection is back */
	for (uint32_t j = 0; j < p->na; j++)
		halt(s, p, &p->ap[j]);
}

static void pj_recover(struct sim *s, struct sim_node *n, uint32_t u)
{
	(void)u;
	struct pj *p = n->state;
	p->down = 0;
	for (uint32_t j = 0; j < p->na; j++)
		kick(s, n, p, j);
}

static int pj_init(struct sim *s, struct sim_node *n)
{
	struct pj *p = calloc(1, sizeof *p);
	n->state = p;
	if (!p)
		return SIM_ENOMEM;
	p->c = n->sc->cfg;
	p->na = p->c->appliers;
	if (!(p->ap = calloc(p->na, sizeof *p->ap)) || hist_init(&p->lag))
		return SIM_ENOMEM;
	twa_init(&p->lagt, s->now_ns, 0);
	twa_init(&p->busyt, s->now_ns, 0);
	return 0;
}

static void pj_fini(struct sim *s, struct sim_node *n)
{
	(void)s;
	struct pj *p = n->state;
	if (!p)
		return;
	for (uint32_t j = 0; p->ap && j < p->na; j++)
		free(p->ap[j].q);
	free(p->ap);
	kvmap_free(&p->last);
	hist_fini(&p->lag);
	free(p);
}

static void pj_warmup_end(struct sim *s, struct sim_node *n)
{
	struct pj *p = n->state;
	p->ts_prev_busy -= twa_integral(&p->busyt, s->now_ns);
	twa_restart(&p->lagt, s->now_ns);
	twa_restart(&p->busyt, s->now_ns);
	hist_reset(&p->lag);
	p->arrivals = p->reads = p->stale = p->applied = p->lag_n = p->rebuilds = p->caught = 0;
	p->failures = p->poisoned = 0;
	p->done = 0;
	p->sojourn_s = p->lag_s = p->catchup_s = 0;
}

static int pj_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	const struct pj_cfg *c = self->cfg;
	const struct sc_node *src = &sc->nodes[c->source];
	if (!strcmp(src->ops->kind, "eventstore"))
		return 0;
	char what[160];
	snprintf(what, sizeof what, "nodes.%s.source", self->name);
	return check_fail(ctx, yt_get(self->src, "source"), what,
			  "'%s' is a %s: a projection reads the events of an eventstore",
			  src->name, src->ops->kind);
}

static const struct col_def pj_cols[] = {
	{ "arrivals", COL_SUM, "requests that reached the node" },
	{ "latency_mean_s", COL_RATIO, "time from arrival to the end of service" },
	{ "view_reads", COL_SUM, "projection: reads it answered" },
	{ "view_stale_reads", COL_SUM, "projection: reads of an aggregate with an event committed and not yet applied (after a rebuild, not yet applied again)" },
	{ "view_stale_ratio", COL_RATIO, "projection: view_stale_reads / view_reads" },
	{ "events_applied", COL_SUM, "projection: events applied, a rebuild's replay included" },
	{ "apply_lag_mean_s", COL_RATIO, "projection: from an event's commit to the end of its apply (events committed while it runs; a rebuild's replay of older events is not counted)" },
	{ "apply_lag_p99_s", COL_MEAN, "projection: its 99th percentile, per replication, averaged" },
	{ "lag_events_mean", COL_MEAN, "projection: events committed and not yet applied, time-averaged" },
	{ "rebuilds", COL_SUM, "projection: rebuilds started" },
	{ "catchup_mean_s", COL_RATIO, "projection: from a rebuild to the first moment every event committed is applied" },
	{ "apply_failures", COL_SUM, "projection: attempts at an event that failed (poison)" },
	{ "poison_events", COL_SUM, "projection: events given up after max_attempts (skipped, and sent to dead_letter if given)" },
	{ "blocked_appliers", COL_MEAN, "projection: appliers stopped for good at an event they could not apply (on_poison: block), at the end of the run" },
	{ NULL, 0, NULL },
};

static void pj_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct pj *p = n->state;
	double *v = node_row(o, 0);
	v[0] = (double)p->arrivals;
	v[2] = p->sojourn_s;
	v[3] = (double)p->done;
	v[4] = (double)p->reads;
	v[6] = (double)p->stale;
	v[8] = (double)p->stale;
	v[9] = (double)p->reads;
	v[10] = (double)p->applied;
	v[12] = p->lag_s;
	v[13] = (double)p->lag_n;
	v[14] = p->lag.total ? (double)hist_quantile(&p->lag, 0.99) * 1e-9 : NAN;
	v[16] = twa_mean(&p->lagt, s->now_ns);
	v[18] = (double)p->rebuilds;
	v[20] = p->catchup_s;
	v[21] = (double)p->caught;
	v[22] = (double)p->failures;
	v[24] = (double)p->poisoned;
	uint32_t blocked = 0;
	for (uint32_t j = 0; j < p->na; j++)
		blocked += p->ap[j].blocked;
	v[26] = blocked;
}

static const struct col_def pj_ts_cols[] = {
	{ "utilization", COL_MEAN, "busy workers over the workers, in the window" },
	{ "view_stale_ratio", COL_MEAN, "projection: stale reads / reads in the window" },
	{ "apply_lag_mean_s", COL_MEAN, "projection: lag of the events applied in the window (a rebuild's replay not counted)" },
	{ "lag_events", COL_MEAN, "projection: events committed and not yet applied, at the window's end" },
	{ NULL, 0, NULL },
};

static void pj_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct pj *p = n->state;
	double b = twa_integral(&p->busyt, s->now_ns), dt = (double)s->now_ns - p->ts_prev_ns;
	out[0] = dt > 0 ? (b - p->ts_prev_busy) / (dt * p->na) : NAN;
	out[1] = p->w_reads ? (double)p->w_stale / (double)p->w_reads : NAN;
	out[2] = p->w_lag_n ? p->w_lag_s / (double)p->w_lag_n : NAN;
	out[3] = (double)p->backlog;
	p->ts_prev_busy = b;
	p->ts_prev_ns = (double)s->now_ns;
	p->w_reads = p->w_stale = p->w_lag_n = 0;
	p->w_lag_s = 0;
}

const struct model_ops projection_ops = {
	.kind = "projection",
	.summary = "a read model (CQRS) built from an eventstore's events: apply lag, stale reads, rebuilds and their catch-up",
	.params = &pj_table,
	.link = pj_link,
	.init = pj_init,
	.arrive = pj_arrive,
	.done = pj_done,
	.event = pj_event,
	.crash = pj_crash,
	.recover = pj_recover,
	.actions = pj_actions,
	.action = pj_action,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_LATENCY),
	.warmup_end = pj_warmup_end,
	.finish = pj_finish,
	.cols = pj_cols,
	.sample = pj_sample,
	.ts_cols = pj_ts_cols,
	.fini = pj_fini,
};
