/*
 * eventstore.c - the event store kind; see eventstore.h.
 *
 * Run state: one station (models/station.h) for the loads and snapshot
 * jobs, one log writer with the batch open and the batch flushing, and
 * one record per aggregate: the events accepted, the events committed
 * (durable), the version of its latest snapshot, and the version at
 * which a snapshot was last asked for.  An aggregate's record is found
 * through a kvmap (sim/kvmap.h) from its key to its index.
 *
 * A command carries the version it loaded in its seq field while the
 * store holds it (the engine only reads seq once the reply is queued).
 * A snapshot job is a request of the store's own (reply_to SIM_ANY) that
 * queues with the loads, so that snapshots take the workers' time in
 * arrival order.
 */
#include "models/eventstore.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/projection.h"
#include "models/station.h"
#include "sim/kvmap.h"
#include "sim/rng.h"

#define ES_MAX_WORKERS 1000000

enum { ES_EV_LOAD = 1, ES_EV_SNAP, ES_EV_CLOSE, ES_EV_FLUSH, ES_EV_POLL };
enum { ES_DRAW_DECIDE = SIM_DRAW_KIND_BASE + 16, ES_DRAW_APPEND, ES_DRAW_SNAP };

/* The transactional outbox's relay, as a polling publisher does it. */
struct es_outbox {
	int given;
	uint32_t to;
	int64_t interval_ns;
	uint32_t batch;
};

struct es_cfg {
	uint32_t workers;
	struct dist read_snapshot, decide, append, snapshot_write;
	int64_t replay_ns, interval_ns;
	uint32_t snapshot_every, max_count;
	struct es_outbox outbox;
};

static const struct param outbox_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct es_outbox, to),
	  .flags = PARAM_REQUIRED, .shape = "NODE",
	  .doc = "the node the relay publishes each event to (a queue, whose consumers are the downstream services)" },
	{ .name = "interval", .type = PARAM_DURATION, PARAM_FIELD(struct es_outbox, interval_ns),
	  .min_ns = 1, .def = "500ms",
	  .doc = "how long the relay waits after a poll that found nothing, or one with a publish refused, before it polls again; after a poll that published events it polls again at once (Eventuate CDC's polling reader, pollingIntervalInMilliseconds 500; where its reader stops on a refused publish until the service restarts, this one waits `interval`)" },
	{ .name = "batch", .type = PARAM_UINT, PARAM_FIELD(struct es_outbox, batch),
	  .umin = 1, .umax = 100000000, .def = "1000",
	  .doc = "the most events one poll publishes, oldest first (Eventuate's maxEventsPerPolling, 1000); the poll waits for all their acknowledgements, and the rest wait for the next poll" },
	{ 0 }
};

static const struct param_table outbox_table = {
	.params = outbox_params, .size = sizeof(struct es_outbox), .validate = param_mark_given,
};

static int es_validate(struct check_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	struct es_cfg *c = obj;
	char w[256];
	const struct yt_node *mc = yt_get(map, "max_count");
	if (c->max_count && !c->snapshot_every) {
		snprintf(w, sizeof w, "%s.max_count", what);
		return check_fail(ctx, mc, w,
				  "keeps %u events a stream, but without snapshots (snapshot_every) a load replays every event: set snapshot_every too",
				  c->max_count);
	}
	if (c->max_count && c->max_count < c->snapshot_every) {
		snprintf(w, sizeof w, "%s.max_count", what);
		return check_fail(ctx, mc, w,
				  "keeps %u events a stream, fewer than the %u a load may replay after a snapshot (snapshot_every): make it at least that",
				  c->max_count, c->snapshot_every);
	}
	return 0;
}

static const struct param es_params[] = {
	{ .name = "workers", .type = PARAM_UINT, PARAM_FIELD(struct es_cfg, workers),
	  .umin = 1, .umax = ES_MAX_WORKERS, .def = "1",
	  .doc = "loads (and snapshot jobs) served at once; requests beyond them wait in one FIFO queue" },
	{ .name = "read_snapshot", .type = PARAM_DIST, PARAM_FIELD(struct es_cfg, read_snapshot),
	  .def = "0s",
	  .doc = "time to read an aggregate's latest snapshot, paid by every load when snapshots are on (snapshot_every > 0)" },
	{ .name = "replay_per_event", .type = PARAM_DURATION, PARAM_FIELD(struct es_cfg, replay_ns),
	  .min_ns = 0, .def = "0s",
	  .doc = "time to read and apply one event when loading: a load replays the events committed since the aggregate's latest snapshot (all of them without snapshots)" },
	{ .name = "decide", .type = PARAM_DIST, PARAM_FIELD(struct es_cfg, decide),
	  .def = "0s",
	  .doc = "a command's own handling time between its load and its append, holding its worker" },
	{ .name = "append", .type = PARAM_DIST, PARAM_FIELD(struct es_cfg, append),
	  .flags = PARAM_REQUIRED,
	  .doc = "time of one durable write of the log writer, which writes a batch of appends at once (one draw per batch)" },
	{ .name = "commit_interval", .type = PARAM_DURATION, PARAM_FIELD(struct es_cfg, interval_ns),
	  .min_ns = 0, .def = "0s",
	  .doc = "how long a batch gathers appends after the first before it is written, as PostgreSQL's commit_delay and MySQL's binlog_group_commit_sync_delay (0 there too); with 0, appends still share a write when they wait for the writer" },
	{ .name = "snapshot_every", .type = PARAM_UINT, PARAM_FIELD(struct es_cfg, snapshot_every),
	  .umin = 0, .umax = 1000000000, .def = "0",
	  .doc = "events committed to an aggregate between snapshots (Axon's EventCountSnapshotTriggerDefinition threshold); 0 never snapshots (Axon's default)" },
	{ .name = "snapshot_write", .type = PARAM_DIST, PARAM_FIELD(struct es_cfg, snapshot_write),
	  .def = "0s",
	  .doc = "time to write one snapshot, after loading the aggregate, on one of the workers" },
	{ .name = "max_count", .type = PARAM_UINT, PARAM_FIELD(struct es_cfg, max_count),
	  .umin = 0, .umax = 4000000000u, .def = "0",
	  .doc = "events kept per stream, the last ones (EventStoreDB's $maxCount); 0 keeps every event.  Needs snapshots, at least snapshot_every" },
	{ .name = "outbox", .type = PARAM_MAP, PARAM_FIELD(struct es_cfg, outbox),
	  .sub = &outbox_table, .shape = "{to: NODE, interval: 500ms, batch: 1000}",
	  .def_doc = "none",
	  .doc = "a transactional outbox: each committed event is also written to an outbox in the same write, and a relay polls it and publishes what it finds to `to`, at least once: it polls again as soon as a poll's publishes are acknowledged, and waits `interval` after a poll that found nothing or had a publish refused.  A refused publish fails its whole poll, as in Eventuate CDC: nothing of it is marked published, so all of it is published again, its acknowledged events a second time" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table es_table = {
	.params = es_params,
	.size = sizeof(struct es_cfg),
	.doc = "An event store: a request's key is its aggregate.  Every request loads the aggregate (its snapshot, then the events since it); a write is a command that then appends one event expecting the version it loaded, failing as `conflict` when another append got there first.  Appends are written in group commits by one log writer.",
	.validate = es_validate,
};

/* ---- run state -------------------------------------------------------- */

struct agg {
	uint64_t key;
	uint32_t accepted, durable;     /* events: accepted by the writer; committed */
	uint32_t snap, trig;            /* the latest snapshot's version; the
					 * version a snapshot was last asked at */
};

/* An append in a batch: its command, and when it joined. */
struct bitem {
	struct request *r;
	int64_t join_ns;
};

struct batch {
	struct bitem *it;
	size_t n, cap;
};

struct es {
	const struct es_cfg *c;
	struct station st;
	int down;
	struct kvmap idx;               /* key -> index in a */
	struct agg *a;
	size_t na, acap;
	struct batch open, flush;       /* gathering; being written */
	int flushing;
	int64_t close_ns;               /* when the open batch may close */
	struct sim_timer close_t, flush_t;
	uint32_t *subs, nsubs;          /* projections fed */
	/* the outbox: events committed and not yet marked published (a ring
	 * of their keys and commit times), oldest first; the first ob_fly of
	 * them are the poll's publishes out, numbered (request.issue) from
	 * ob_sent - ob_fly, ob_left of them not answered yet.  An event's
	 * acked says a publish of it was acknowledged (a later one is a
	 * duplicate) */
	struct obx { uint64_t key; int64_t commit_ns; int refused, acked; } *ob;
	size_t ob_head, ob_len, ob_cap, ob_fly, ob_left;
	uint64_t ob_sent;
	uint64_t seq;                   /* events committed, ever */
	uint64_t stored;                /* events kept */
	/* since warm-up's end */
	uint64_t arrivals, failed, commands, queries, conflicts, events, snapshots;
	uint64_t batches, done, published, republished;
	double outbox_delay_s;
	double sojourn_s, load_s, replayed, commit_wait_s;
	double snap_busy_s;             /* workers' time on snapshot jobs */
	int64_t t0_ns;                  /* warm-up's end */
	uint64_t loads;
	/* the time series' window */
	uint64_t w_commands, w_conflicts, w_events, w_batches, w_loads;
	double w_load_s, ts_prev_busy, ts_prev_ns;
};

static inline int is_job(const struct request *r)
{
	return r->reply_to == SIM_ANY;
}

/* agg_of returns key's record, made (empty) if new; NULL out of memory. */
static struct agg *agg_of(struct es *e, uint64_t key)
{
	int64_t i;
	if (kvmap_get(&e->idx, key, &i))
		return &e->a[i];
	if (e->na == e->acap) {
		size_t cap = e->acap ? 2 * e->acap : 1024;
		struct agg *a = realloc(e->a, cap * sizeof *a);
		if (!a)
			return NULL;
		e->a = a;
		e->acap = cap;
	}
	if (kvmap_put(&e->idx, key, (int64_t)e->na))
		return NULL;
	e->a[e->na] = (struct agg){ .key = key };
	return &e->a[e->na++];
}

/* load_ns: the time to load aggregate g (NULL: no events yet) for req:
 * its snapshot read, then the events since the snapshot; *k gets their
 * number. */
static int64_t load_ns(struct sim *s, struct sim_node *n, const struct es *e,
		       const struct agg *g, const struct request *req, uint32_t *k)
{
	const struct es_cfg *c = e->c;
	*k = g ? g->durable - g->snap : 0;
	if (c->max_count && *k > c->max_count)
		*k = c->max_count;          /* the older ones are gone */
	int64_t t = 0;
	if (c->snapshot_every)
		t = sim_demand_ns(s, n, 0, req, &c->read_snapshot, 1.0);
	return t + sim_slowed_ns(n, 0, (double)*k * (double)c->replay_ns);
}

static int64_t draw_ns(struct sim *s, struct sim_node *n, const struct dist *d,
		       const struct request *req, uint64_t purpose)
{
	if (d->kind == DIST_CONSTANT && d->mean == 0)
		return 0;
	return sim_slowed_ns(n, 0, dist_sample(d, sim_draws(s, req, purpose)) * 1e9);
}

/* start: a worker takes req, a request or a snapshot job. */
static void start(struct sim *s, struct sim_node *n, struct es *e, struct request *req)
{
	uint32_t k;
	struct agg *g = agg_of(e, req->key);
	if (!g) {
		s->oom = 1;
		return;
	}
	if (is_job(req)) {
		/* the snapshotter loads the aggregate as it stands now, then
		 * writes it: the snapshot holds this version */
		int64_t t = load_ns(s, n, e, g, req, &k);
		t += draw_ns(s, n, &e->c->snapshot_write, req, ES_DRAW_SNAP);
		req->seq = g->durable;
		req->birth_ns = s->now_ns;      /* a job's start, for its busy time */
		station_start(s, &e->st, req, s->now_ns + t, n->id, ES_EV_SNAP, 0);
		return;
	}
	int64_t t = load_ns(s, n, e, g, req, &k);
	e->w_loads++;
	e->w_load_s += (double)t * 1e-9;
	if (s->measuring) {
		e->loads++;
		e->replayed += k;
		e->load_s += (double)t * 1e-9;
	}
	if (req->write) {
		req->seq = g->durable;          /* the version it expects */
		t += draw_ns(s, n, &e->c->decide, req, ES_DRAW_DECIDE);
	}
	station_start(s, &e->st, req, s->now_ns + t, n->id, ES_EV_LOAD, 0);
}

static void fail(struct sim *s, struct sim_node *n, struct es *e, struct request *req, int st)
{
	if (s->measuring)
		e->failed++;
	sim_fail(s, req, st, n->id);
}

static void ok(struct sim *s, struct es *e, struct request *req)
{
	if (s->measuring) {
		e->done++;
		e->sojourn_s += (double)(s->now_ns - req->node_arrival_ns) * 1e-9;
	}
	req->status = REQ_OK;
	sim_finish(s, req);
}

static int batch_add(struct batch *b, struct request *r, int64_t now)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct bitem *it = realloc(b->it, cap * sizeof *it);
		if (!it)
			return -1;
		b->it = it;
		b->cap = cap;
	}
	b->it[b->n++] = (struct bitem){ r, now };
	return 0;
}

/* close_batch: the writer, free, takes the open batch: checks each
 * append's expected version, fails the conflicts, and writes the rest. */
static void close_batch(struct sim *s, struct sim_node *n, struct es *e)
{
	sim_timer_cancel(&e->close_t);
	struct batch b = e->open;
	e->open = e->flush;
	e->open.n = 0;
	size_t kept = 0;
	for (size_t i = 0; i < b.n; i++) {
		struct request *r = b.it[i].r;
		struct agg *g = agg_of(e, r->key);
		if (g->accepted != (uint32_t)r->seq) {
			e->w_conflicts++;
			if (s->measuring)
				e->conflicts++;
			fail(s, n, e, r, REQ_CONFLICT);
			continue;
		}
		g->accepted++;
		b.it[kept++] = b.it[i];
	}
	b.n = kept;
	e->flush = b;
	if (!kept)
		return;
	e->flushing = 1;
	int64_t t = draw_ns(s, n, &e->c->append, b.it[0].r, ES_DRAW_APPEND);
	e->flush_t = sim_timer_set(s, s->now_ns + t, n->id, ES_EV_FLUSH, NULL, 0);
}

/* snapshot_ask queues a snapshot job of aggregate g. */
static void snapshot_ask(struct sim *s, struct sim_node *n, struct es *e, struct agg *g)
{
	g->trig = g->durable;
	struct request *j = sim_request_new(s);
	if (!j)
		return;
	j->key = g->key;
	j->ident = rng_key(s->run_key ^ (uint64_t)n->id << 40, rng_key(g->key, g->durable));
	if (station_take(&e->st, s->now_ns, j))
		start(s, n, e, j);
}

/* ob_push puts an event committed at commit_ns to key at the outbox's
 * tail.  0, or -1 out of memory. */
static int ob_push(struct es *e, uint64_t key, int64_t commit_ns)
{
	if (e->ob_len == e->ob_cap) {
		size_t cap = e->ob_cap ? 2 * e->ob_cap : 256;
		struct obx *ob = malloc(cap * sizeof *ob);
		if (!ob)
			return -1;
		for (size_t i = 0; i < e->ob_len; i++)
			ob[i] = e->ob[(e->ob_head + i) % e->ob_cap];
		free(e->ob);
		e->ob = ob;
		e->ob_head = 0;
		e->ob_cap = cap;
	}
	e->ob[(e->ob_head + e->ob_len++) % e->ob_cap] = (struct obx){ key, commit_ns, 0, 0 };
	return 0;
}

/* ob_at is the outbox's k-th oldest event. */
static struct obx *ob_at(struct es *e, size_t k)
{
	return &e->ob[(e->ob_head + k) % e->ob_cap];
}

/* The relay is Eventuate CDC's polling reader (PollingDao.processEvents):
 * a poll reads up to `batch` events not yet marked published, oldest
 * first, publishes them all, and marks them published in one update
 * once every publish is acknowledged; then it polls again at once, and
 * only a poll that found nothing waits `interval`.  A failed publish
 * throws before the update: nothing of the poll is marked, and the
 * reader stops.  The whole poll is read and published again when it
 * starts over, its acknowledged events a second time (at least once).
 * Its restart is the service's, outside PollingDao; here the relay waits
 * `interval` and polls again. */

/* poll_over: every publish of the poll is answered.  All acknowledged:
 * the poll is marked published and leaves the outbox; one refused: it
 * all stays, at the head, and goes again. */
static void poll_over(struct sim *s, struct sim_node *n, struct es *e)
{
	int failed = 0;
	for (size_t k = 0; k < e->ob_fly; k++)
		failed |= ob_at(e, k)->refused;
	if (failed) {
		if (s->measuring)
			e->republished += e->ob_fly;
	} else {
		e->ob_head = (e->ob_head + e->ob_fly) % e->ob_cap;
		e->ob_len -= e->ob_fly;
	}
	e->ob_fly = 0;
	int64_t wait = failed ? e->c->outbox.interval_ns : 0;
	if (!sim_schedule(s, s->now_ns + wait, n->id, ES_EV_POLL, NULL, 0))
		s->oom = 1;
}

static void poll_outbox(struct sim *s, struct sim_node *n)
{
	struct es *e = n->state;
	const struct es_outbox *o = &e->c->outbox;
	/* a publish's answer is an event of its own (sim_reply_now), never
	 * one inside these sends */
	while (e->ob_fly < o->batch && e->ob_fly < e->ob_len) {
		struct obx *x = ob_at(e, e->ob_fly);
		struct request *r = sim_request_new(s);
		if (!r) {
			s->oom = 1;
			break;
		}
		x->refused = 0;
		e->ob_fly++;
		e->ob_left++;
		r->ident = rng_key(s->run_key ^ (uint64_t)n->id << 40 ^ 0x6f62, e->ob_sent);
		r->issue = e->ob_sent++;        /* its place in the poll */
		r->key = x->key;
		r->keyed = 1;
		r->write = 1;
		r->birth_ns = x->commit_ns;     /* the event's commit */
		r->reply_to = n->id;
		sim_send(s, o->to, r);
	}
	if (!e->ob_fly && !sim_schedule(s, s->now_ns + o->interval_ns, n->id, ES_EV_POLL, NULL, 0))
		s->oom = 1;
}

/* es_done: a publish of the relay's is answered: acknowledged (its
 * event's first: published), or refused, which fails the poll. */
static void es_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct es *e = n->state;
	uint64_t k = req->issue - (e->ob_sent - e->ob_fly);
	assert(k < e->ob_fly && e->ob_left);
	struct obx *x = ob_at(e, k);
	if (req->status != REQ_OK) {
		x->refused = 1;
	} else if (!x->acked) {
		x->acked = 1;
		if (s->measuring) {
			e->published++;
			e->outbox_delay_s += (double)(s->now_ns - req->birth_ns) * 1e-9;
		}
	}
	sim_request_free(s, req);
	if (!--e->ob_left)
		poll_over(s, n, e);
}

/* commit_batch: the batch's write is durable. */
static void commit_batch(struct sim *s, struct sim_node *n, struct es *e)
{
	const struct es_cfg *c = e->c;
	struct batch *b = &e->flush;
	e->flushing = 0;
	e->w_batches++;
	if (s->measuring)
		e->batches++;
	for (size_t i = 0; i < b->n; i++) {
		struct request *r = b->it[i].r;
		struct agg *g = agg_of(e, r->key);
		if (!c->max_count || g->durable < c->max_count)
			e->stored++;
		g->durable++;
		e->seq++;
		sim_note_write(s, n, r);
		if (c->outbox.given && ob_push(e, r->key, s->now_ns))
			s->oom = 1;
		for (uint32_t p = 0; p < e->nsubs; p++)
			proj_deliver(s, &s->nodes[e->subs[p]], r->key, e->seq, e->stored);
		e->w_events++;
		if (s->measuring) {
			e->events++;
			e->commit_wait_s += (double)(s->now_ns - b->it[i].join_ns) * 1e-9;
		}
		if (c->snapshot_every && g->durable - g->trig >= c->snapshot_every)
			snapshot_ask(s, n, e, g);
		ok(s, e, r);
	}
	b->n = 0;
	if (e->open.n && s->now_ns >= e->close_ns)
		close_batch(s, n, e);
}

/* join: command req, loaded, appends. */
static void join(struct sim *s, struct sim_node *n, struct es *e, struct request *req)
{
	int was_open = e->open.n > 0;
	if (batch_add(&e->open, req, s->now_ns)) {
		s->oom = 1;
		return;
	}
	e->w_commands++;
	if (s->measuring)
		e->commands++;
	if (was_open)
		return;
	e->close_ns = s->now_ns + e->c->interval_ns;
	if (e->c->interval_ns)
		e->close_t = sim_timer_set(s, e->close_ns, n->id, ES_EV_CLOSE, NULL, 0);
	else if (!e->flushing)
		close_batch(s, n, e);
}

static void es_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct es *e = n->state;
	switch (ev->kind) {
	case ES_EV_POLL:
		poll_outbox(s, n);
		return;
	case ES_EV_CLOSE:
		if (!e->flushing && e->open.n)
			close_batch(s, n, e);
		return;
	case ES_EV_FLUSH:
		commit_batch(s, n, e);
		return;
	case ES_EV_SNAP: {
		struct request *j = ev->obj;
		struct request *next = station_end(&e->st, s->now_ns, j);
		struct agg *g = agg_of(e, j->key);
		if (g->snap < (uint32_t)j->seq)
			g->snap = (uint32_t)j->seq;
		if (s->measuring) {
			e->snapshots++;
			int64_t from = j->birth_ns > e->t0_ns ? j->birth_ns : e->t0_ns;
			e->snap_busy_s += (double)(s->now_ns - from) * 1e-9;
		}
		sim_request_free(s, j);
		if (next)
			start(s, n, e, next);
		return;
	}
	default: {
		struct request *req = ev->obj;
		struct request *next = station_end(&e->st, s->now_ns, req);
		if (sim_fault_errors(s, n, 0, req)) {
			fail(s, n, e, req, REQ_ERROR);
		} else if (req->write) {
			join(s, n, e, req);
		} else {
			if (s->measuring)
				e->queries++;
			ok(s, e, req);
		}
		if (next)
			start(s, n, e, next);
	}
	}
}

static void es_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct es *e = n->state;
	if (s->measuring)
		e->arrivals++;
	if (e->down) {
		fail(s, n, e, req, REQ_CRASHED);
		return;
	}
	if (station_take(&e->st, s->now_ns, req))
		start(s, n, e, req);
}

static void es_crash(struct sim *s, struct sim_node *n, uint32_t u)
{
	(void)u;
	struct es *e = n->state;
	e->down = 1;
	struct request *r = station_drain(&e->st, s->now_ns);
	while (r) {
		struct request *next = r->next;
		if (is_job(r)) {
			struct agg *g = agg_of(e, r->key);
			g->trig = g->snap;       /* asked again by the next commit */
			sim_request_free(s, r);
		} else {
			fail(s, n, e, r, REQ_CRASHED);
		}
		r = next;
	}
	sim_timer_cancel(&e->close_t);
	sim_timer_cancel(&e->flush_t);
	for (size_t i = 0; i < e->flush.n; i++) {
		struct agg *g = agg_of(e, e->flush.it[i].r->key);
		g->accepted = g->durable;        /* never written */
		fail(s, n, e, e->flush.it[i].r, REQ_CRASHED);
	}
	for (size_t i = 0; i < e->open.n; i++)
		fail(s, n, e, e->open.it[i].r, REQ_CRASHED);
	e->flush.n = e->open.n = 0;
	e->flushing = 0;
}

static void es_recover(struct sim *s, struct sim_node *n, uint32_t u)
{
	(void)s, (void)u;
	((struct es *)n->state)->down = 0;
}

static int es_init(struct sim *s, struct sim_node *n)
{
	struct es *e = calloc(1, sizeof *e);
	n->state = e;
	if (!e)
		return SIM_ENOMEM;
	e->c = n->sc->cfg;
	station_init(&e->st, e->c->workers, s->now_ns);
	for (uint32_t i = 0; i < s->nnodes; i++)
		if (proj_source_of(&s->nodes[i]) == n->id) {
			uint32_t *subs = realloc(e->subs, (e->nsubs + 1) * sizeof *subs);
			if (!subs)
				return SIM_ENOMEM;
			e->subs = subs;
			e->subs[e->nsubs++] = i;
		}
	const struct es_outbox *o = &e->c->outbox;
	if (o->given && !sim_schedule(s, s->now_ns + o->interval_ns, n->id, ES_EV_POLL, NULL, 0))
		return SIM_ENOMEM;
	return 0;
}

static void es_fini(struct sim *s, struct sim_node *n)
{
	(void)s;
	struct es *e = n->state;
	if (!e)
		return;
	kvmap_free(&e->idx);
	free(e->a), free(e->open.it), free(e->flush.it), free(e->subs), free(e->ob);
	free(e);
}

static void es_warmup_end(struct sim *s, struct sim_node *n)
{
	struct es *e = n->state;
	e->ts_prev_busy -= twa_integral(&e->st.busyt, s->now_ns);
	station_restart(&e->st, s->now_ns);
	e->arrivals = e->failed = e->commands = e->queries = e->conflicts = 0;
	e->events = e->snapshots = e->batches = e->done = e->loads = 0;
	e->published = e->republished = 0;
	e->outbox_delay_s = 0;
	e->sojourn_s = e->load_s = e->replayed = e->commit_wait_s = e->snap_busy_s = 0;
	e->t0_ns = s->now_ns;
}

static int es_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	const struct es_cfg *c = self->cfg;
	if (!c->outbox.given || &sc->nodes[c->outbox.to] != self)
		return 0;
	char what[160];
	snprintf(what, sizeof what, "nodes.%s.outbox.to", self->name);
	return check_fail(ctx, yt_get(yt_get(self->src, "outbox"), "to"), what,
			  "is the store itself: each event published would be a command appending another, without end");
}

static const struct col_def es_cols[] = {
	{ "arrivals", COL_SUM, "requests that reached the node" },
	{ "failed", COL_SUM, "requests that failed here" },
	{ "utilization", COL_MEAN, "busy workers over workers, time-averaged" },
	{ "latency_mean_s", COL_RATIO, "time from arrival to the end of service" },
	{ "commands", COL_SUM, "eventstore: commands (writes) that loaded their aggregate and went to append (conflicting or not)" },
	{ "queries", COL_SUM, "eventstore: reads served by loading their aggregate" },
	{ "conflicts", COL_SUM, "eventstore: commands whose aggregate had moved on since their load: failed as conflict" },
	{ "conflict_ratio", COL_RATIO, "eventstore: conflicts / commands" },
	{ "events_appended", COL_SUM, "eventstore: events committed (written durably)" },
	{ "load_mean_s", COL_RATIO, "eventstore: time to load an aggregate: its snapshot read and its replay" },
	{ "replayed_mean", COL_RATIO, "eventstore: events replayed per load (committed since the aggregate's latest snapshot)" },
	{ "snapshots", COL_SUM, "eventstore: snapshots written" },
	{ "snapshot_utilization", COL_MEAN, "eventstore: the workers' time on snapshots (loading the aggregate and writing it) over the workers, in the window: the snapshots' share of utilization" },
	{ "batches", COL_SUM, "eventstore: durable writes of the log writer (group commits)" },
	{ "batch_size_mean", COL_RATIO, "eventstore: events per durable write" },
	{ "commit_wait_mean_s", COL_RATIO, "eventstore: from a command's append to its commit: waiting for the batch to close and the writer, and the write" },
	{ "events_stored", COL_MEAN, "eventstore: events kept at the end of the run (every event, or each stream's last max_count)" },
	{ "aggregates", COL_MEAN, "eventstore: aggregates (streams) with events at the end of the run" },
	{ "outbox_published", COL_SUM, "eventstore: events the outbox relay published (acknowledged)" },
	{ "outbox_delay_mean_s", COL_RATIO, "eventstore: from an event's commit to its publish's acknowledgement: the relay's wait after an empty poll, and the polls it waited for room in a batch or after a refusal" },
	{ "outbox_republished", COL_SUM, "eventstore: publishes sent again: every publish of a poll that had one refused (a full queue), since none of that poll is marked published; those acknowledged the first time reach `to` twice" },
	{ NULL, 0, NULL },
};

static void es_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct es *e = n->state;
	double *v = node_row(o, 0);
	v[0] = (double)e->arrivals;
	v[2] = (double)e->failed;
	v[4] = station_utilization(&e->st, s->now_ns);
	v[6] = e->sojourn_s;
	v[7] = (double)e->done;
	v[8] = (double)e->commands;
	v[10] = (double)e->queries;
	v[12] = (double)e->conflicts;
	v[14] = (double)e->conflicts;
	v[15] = (double)e->commands;
	v[16] = (double)e->events;
	v[18] = e->load_s;
	v[19] = (double)e->loads;
	v[20] = e->replayed;
	v[21] = (double)e->loads;
	v[22] = (double)e->snapshots;
	double span = (double)(s->now_ns - e->t0_ns) * 1e-9 * e->st.workers;
	v[24] = span > 0 ? e->snap_busy_s / span : NAN;
	v[26] = (double)e->batches;
	v[28] = (double)e->events;
	v[29] = (double)e->batches;
	v[30] = e->commit_wait_s;
	v[31] = (double)e->events;
	v[32] = (double)e->stored;
	size_t with = 0;
	for (size_t i = 0; i < e->na; i++)
		with += e->a[i].durable > 0;
	v[34] = (double)with;
	v[36] = (double)e->published;
	v[38] = e->outbox_delay_s;
	v[39] = (double)e->published;
	v[40] = (double)e->republished;
}

static const struct col_def es_ts_cols[] = {
	{ "utilization", COL_MEAN, "busy workers over the workers, in the window" },
	{ "conflict_ratio", COL_MEAN, "eventstore: conflicts / commands in the window" },
	{ "events_stored", COL_MEAN, "eventstore: events kept at the window's end" },
	{ "batch_size_mean", COL_MEAN, "eventstore: events per durable write in the window" },
	{ "load_mean_s", COL_MEAN, "eventstore: load time of the loads started in the window" },
	{ NULL, 0, NULL },
};

static void es_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct es *e = n->state;
	double b = twa_integral(&e->st.busyt, s->now_ns), dt = (double)s->now_ns - e->ts_prev_ns;
	out[0] = dt > 0 ? (b - e->ts_prev_busy) / (dt * e->st.workers) : NAN;
	out[1] = e->w_commands ? (double)e->w_conflicts / (double)e->w_commands : NAN;
	out[2] = (double)e->stored;
	out[3] = e->w_batches ? (double)e->w_events / (double)e->w_batches : NAN;
	out[4] = e->w_loads ? e->w_load_s / (double)e->w_loads : NAN;
	e->ts_prev_busy = b;
	e->ts_prev_ns = (double)s->now_ns;
	e->w_commands = e->w_conflicts = e->w_events = e->w_batches = e->w_loads = 0;
	e->w_load_s = 0;
}

const struct model_ops eventstore_ops = {
	.kind = "eventstore",
	.summary = "an event store: aggregates loaded from snapshots and replayed events, appends with an expected version (conflicts), group commit",
	.params = &es_table,
	.link = es_link,
	.init = es_init,
	.arrive = es_arrive,
	.done = es_done,
	.event = es_event,
	.crash = es_crash,
	.recover = es_recover,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_ERRORS) | SIM_FAULT(TL_LATENCY),
	.warmup_end = es_warmup_end,
	.finish = es_finish,
	.cols = es_cols,
	.sample = es_sample,
	.ts_cols = es_ts_cols,
	.fini = es_fini,
};
