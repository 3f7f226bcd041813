/*
 * database.c - the database kind and the core shards are made of; see
 * database.h.
 *
 * One database is a set of units, unit 0 configured as the primary and
 * the others as replicas, each a FIFO station (models/station.h).  The
 * latest write to each key lives in an open-addressing map: its commit
 * time, its session, and the time each unit applies it; a read checks
 * the one entry of its key, so staleness costs O(1) and never an event.
 */
#include "models/database.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/station.h"
#include "sim/rng.h"

#define DB_MAX_REPLICAS 1000
#define DB_MAX_WORKERS 1000000
#define NONE UINT32_MAX

enum { DB_EV_DONE = 1, DB_EV_PROMOTE };
enum { DB_DRAW_LAG = SIM_DRAW_KIND_BASE + 8 };
enum { R_PRIMARY_ONLY, R_READ_REPLICAS, R_RYW };
enum { RP_ROUND_ROBIN, RP_RANDOM, RP_LEAST_CONNECTIONS };

static const char *const routing_names[] = {
	"primary_only", "read_replicas", "read_your_writes", NULL
};
static const char *const policy_names[] = {
	"round_robin", "random", "least_connections", NULL
};

static int role_validate(struct sc_ctx *ctx, const char *what,
			 const struct yt_node *map, void *obj)
{
	(void)ctx, (void)what, (void)map;
	((struct role_cfg *)obj)->on = 1;
	return 0;
}

static const struct param role_params[] = {
	{ .name = "workers", .type = PARAM_UINT, PARAM_FIELD(struct role_cfg, workers),
	  .umin = 1, .umax = DB_MAX_WORKERS, .def = "1",
	  .doc = "requests served at once" },
	{ .name = "service", .type = PARAM_DIST, PARAM_FIELD(struct role_cfg, service),
	  .flags = PARAM_REQUIRED, .doc = "time to serve one request" },
	{ 0 }
};

static const struct param_table role_table = {
	.params = role_params, .size = sizeof(struct role_cfg), .validate = role_validate,
};

static int db_validate(struct sc_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	struct db_cfg *c = obj;
	char w[256];
	c->has_lag = yt_get(map, "lag") != NULL;
	if (!yt_get(map, "routing") && !c->replicas)
		c->routing = R_PRIMARY_ONLY;
	if (!c->replica.on)
		c->replica = c->primary;
	if (c->routing != R_PRIMARY_ONLY && !c->replicas) {
		snprintf(w, sizeof w, "%s.routing", what);
		return sc_fail(ctx, yt_get(map, "routing"), w,
			       "routing %s needs replicas", routing_names[c->routing]);
	}
	return 0;
}

static void db_cfg_init(void *obj)
{
	struct db_cfg *c = obj;
	c->routing = R_READ_REPLICAS;
	c->ryw_window_ns = 1000000000;
}

static const struct param db_params[] = {
	{ .name = "primary", .type = PARAM_MAP, PARAM_FIELD(struct db_cfg, primary),
	  .sub = &role_table, .flags = PARAM_REQUIRED,
	  .shape = "{workers: 8, service: {dist: lognormal, mean: 5ms, cv: 1}}",
	  .doc = "the primary: takes every write, and reads as routing says" },
	{ .name = "replicas", .type = PARAM_UINT, PARAM_FIELD(struct db_cfg, replicas),
	  .umin = 0, .umax = DB_MAX_REPLICAS, .def = "0", .doc = "read replicas" },
	{ .name = "replica", .type = PARAM_MAP, PARAM_FIELD(struct db_cfg, replica),
	  .sub = &role_table, .shape = "{workers: 8, service: {dist: lognormal, mean: 3ms, cv: 1}}",
	  .def_doc = "as primary", .doc = "each replica" },
	{ .name = "lag", .type = PARAM_DIST, PARAM_FIELD(struct db_cfg, lag),
	  .def_doc = "0: replicas are never behind",
	  .doc = "replication delay of each write to each replica, after it commits" },
	{ .name = "routing", .type = PARAM_ENUM, PARAM_FIELD(struct db_cfg, routing),
	  .names = routing_names, .def_doc = "read_replicas (primary_only without replicas)",
	  .doc = "where reads go: primary_only, read_replicas, read_your_writes (the primary for a key the session wrote within the window)" },
	{ .name = "replica_policy", .type = PARAM_ENUM, PARAM_FIELD(struct db_cfg, policy),
	  .names = policy_names, .def = "round_robin",
	  .doc = "how a read picks among the replicas that are up: round_robin, random, least_connections (fewest in service and waiting)" },
	{ .name = "read_your_writes_window", .type = PARAM_DURATION,
	  PARAM_FIELD(struct db_cfg, ryw_window_ns), .min_ns = 1, .def = "1s",
	  .doc = "how long after a session's write its reads of that key must see it: they go to the primary under read_your_writes, and count as violations when stale under any routing" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

const struct param_table db_table = {
	.params = db_params,
	.size = sizeof(struct db_cfg),
	.doc = "A primary and read replicas, each a FIFO queue before its workers. Writes commit at the primary and reach each replica after its lag; reads go where `routing` says. Requests whose workload kind begins with `write` are writes.",
	.init = db_cfg_init,
	.validate = db_validate,
};

/* ---- run state -------------------------------------------------------- */

struct dbunit {
	struct station st;
	uint8_t down, gone;            /* crashed; failed over, for good */
	double lag_factor;
	uint64_t reads, writes, failed, stale, ryw;
};

struct kslot {
	uint64_t key;
	int64_t commit_ns;
	uint64_t session;
};

struct db {
	const struct db_cfg *c;
	uint32_t node, shard, fault_unit, nu, primary, rr;
	int promoting;
	struct dbunit *u;              /* [nu] */
	int64_t *last_apply;           /* [nu] the latest apply time per unit */
	gsl_rng *rng;                  /* replica_policy random */
	/* the latest write per key */
	uint32_t *tab;
	uint64_t mask;
	struct kslot *ks;              /* [cap] */
	int64_t *apply;                /* [cap * nu] */
	uint32_t nks, cap;
	uint64_t unavailable;          /* failed with no primary */
	/* time series */
	uint64_t win_reads, win_stale;
	double ts_prev_busy, ts_prev_ns;  /* the database kind's series */
};

static inline uint64_t session_of(const struct request *r)
{
	return (uint64_t)r->client << 32 | (r->conn != SIM_ANY ? r->conn : r->user);
}

static int keys_alloc(struct db *d, uint32_t cap)
{
	uint64_t size = 16;
	while (size < 2 * (uint64_t)cap)
		size <<= 1;
	uint32_t *tab = malloc(size * sizeof *tab);
	struct kslot *ks = realloc(d->ks, (size_t)cap * sizeof *ks);
	if (ks)
		d->ks = ks;
	int64_t *ap = realloc(d->apply, (size_t)cap * d->nu * sizeof *ap);
	if (ap)
		d->apply = ap;
	if (!tab || !ks || !ap) {
		free(tab);
		return -1;
	}
	memset(tab, 0xff, size * sizeof *tab);
	free(d->tab);
	d->tab = tab;
	d->mask = size - 1;
	d->cap = cap;
	for (uint32_t k = 0; k < d->nks; k++) {
		uint64_t i = rng_mix64(d->ks[k].key) & d->mask;
		while (d->tab[i] != NONE)
			i = (i + 1) & d->mask;
		d->tab[i] = k;
	}
	return 0;
}

/* key_find returns key's slot, or NONE; with add, makes one (NONE only
 * when memory ran out). */
static uint32_t key_find(struct db *d, uint64_t key, int add)
{
	uint64_t i = rng_mix64(key) & d->mask;
	while (d->tab[i] != NONE) {
		if (d->ks[d->tab[i]].key == key)
			return d->tab[i];
		i = (i + 1) & d->mask;
	}
	if (!add)
		return NONE;
	if (d->nks == d->cap) {
		if (keys_alloc(d, d->cap * 2))
			return NONE;
		return key_find(d, key, add);
	}
	uint32_t k = d->nks++;
	d->tab[i] = k;
	d->ks[k] = (struct kslot){ key, INT64_MIN, UINT64_MAX };
	for (uint32_t v = 0; v < d->nu; v++)
		d->apply[(size_t)k * d->nu + v] = INT64_MIN;
	return k;
}

int db_open(struct sim *s, struct sim_node *n, const struct db_cfg *c,
	    uint32_t shard, uint32_t fault_unit, struct db **out)
{
	struct db *d = calloc(1, sizeof *d);
	*out = d;
	if (!d)
		return SIM_ENOMEM;
	d->c = c;
	d->node = n->id;
	d->shard = shard;
	d->fault_unit = fault_unit;
	d->nu = 1 + c->replicas;
	char purpose[48];
	snprintf(purpose, sizeof purpose, "replicas/%u", shard);
	if (!(d->u = calloc(d->nu, sizeof *d->u)) ||
	    !(d->last_apply = calloc(d->nu, sizeof *d->last_apply)) ||
	    !(d->rng = sim_stream(s, n, purpose)) || keys_alloc(d, 1024))
		return SIM_ENOMEM;
	for (uint32_t v = 0; v < d->nu; v++) {
		station_init(&d->u[v].st, v ? c->replica.workers : c->primary.workers, s->now_ns);
		d->u[v].lag_factor = 1;
		d->last_apply[v] = INT64_MIN;
	}
	return 0;
}

void db_close(struct db *d)
{
	if (!d)
		return;
	if (d->rng)
		gsl_rng_free(d->rng);
	free(d->u), free(d->last_apply), free(d->tab), free(d->ks), free(d->apply);
	free(d);
}

static inline uint32_t fu(const struct db *d, uint32_t v)
{
	return d->fault_unit == SIM_ANY ? v : d->fault_unit;
}

static int usable(const struct db *d, uint32_t v)
{
	return v != d->primary && !d->u[v].down && !d->u[v].gone;
}

/* pick_replica chooses a replica for a read, or NONE. */
static uint32_t pick_replica(struct db *d)
{
	uint32_t best = NONE, k = 0;
	switch (d->c->policy) {
	case RP_ROUND_ROBIN:
		for (uint32_t i = 0; i < d->nu; i++) {
			uint32_t v = (d->rr + i) % d->nu;
			if (usable(d, v)) {
				d->rr = v + 1;
				return v;
			}
		}
		return NONE;
	case RP_RANDOM:
		for (uint32_t v = 0; v < d->nu; v++)
			k += usable(d, v);
		if (!k)
			return NONE;
		k = (uint32_t)gsl_rng_uniform_int(d->rng, k);
		for (uint32_t v = 0; v < d->nu; v++)
			if (usable(d, v) && k-- == 0)
				return v;
		return NONE;
	default:
		for (uint32_t v = 0; v < d->nu; v++) {
			if (!usable(d, v))
				continue;
			uint64_t load = d->u[v].st.busy + d->u[v].st.qlen;
			if (best == NONE || load < d->u[best].st.busy + d->u[best].st.qlen)
				best = v;
		}
		return best;
	}
}

static void start(struct sim *s, struct sim_node *n, struct db *d, uint32_t v,
		  struct request *req)
{
	struct dbunit *du = &d->u[v];
	int64_t now = s->now_ns;
	if (req->write) {
		du->writes++;
	} else {
		du->reads++;
		d->win_reads++;
		uint32_t k = v == d->primary ? NONE : key_find(d, req->key, 0);
		if (k != NONE && d->apply[(size_t)k * d->nu + v] > now) {
			du->stale++;
			d->win_stale++;
			if (d->ks[k].session == session_of(req) &&
			    now - d->ks[k].commit_ns <= d->c->ryw_window_ns)
				du->ryw++;
		}
	}
	const struct dist *dist = v ? &d->c->replica.service : &d->c->primary.service;
	int64_t dem = sim_demand_ns(s, n, fu(d, v), req, dist, 1.0);
	station_start(s, &du->st, req, now + dem, n->id, DB_EV_DONE,
		      (uint64_t)d->shard << 32 | v);
}

static void fail(struct sim *s, struct sim_node *n, struct db *d, uint32_t v,
		 struct request *req, int st)
{
	if (v != NONE)
		d->u[v].failed++;
	else
		d->unavailable++;
	sim_fail(s, req, st, n->id);
}

void db_arrive(struct sim *s, struct sim_node *n, struct db *d, struct request *req)
{
	uint32_t v = d->primary;
	if (!req->write && d->c->routing != R_PRIMARY_ONLY) {
		int own = 0;
		if (d->c->routing == R_RYW) {
			uint32_t k = key_find(d, req->key, 0);
			own = k != NONE && d->ks[k].session == session_of(req) &&
			      s->now_ns - d->ks[k].commit_ns <= d->c->ryw_window_ns;
		}
		uint32_t r = own ? NONE : pick_replica(d);
		if (r != NONE)
			v = r;
	}
	if (v == d->primary && (d->promoting || d->u[v].gone)) {
		fail(s, n, d, NONE, req, REQ_UNAVAILABLE);
		return;
	}
	if (d->u[v].down) {
		fail(s, n, d, v, req, REQ_CRASHED);
		return;
	}
	if (station_take(&d->u[v].st, s->now_ns, req))
		start(s, n, d, v, req);
}

/* commit: req, a write, has been served by the primary v. */
static void commit(struct sim *s, struct db *d, uint32_t v, const struct request *req)
{
	uint32_t k = key_find(d, req->key, 1);
	if (k == NONE) {
		s->oom = 1;
		return;
	}
	int64_t now = s->now_ns;
	d->ks[k].commit_ns = now;
	d->ks[k].session = session_of(req);
	for (uint32_t w = 0; w < d->nu; w++) {
		int64_t a = now;
		if (w != v && d->c->has_lag) {
			double x = dist_sample(&d->c->lag, sim_draws(s, req, DB_DRAW_LAG | (uint64_t)w << 8));
			x *= d->u[w].lag_factor * 1e9;
			a += x < (double)(INT64_MAX / 4) ? (int64_t)(x + 0.5) : INT64_MAX / 4;
		}
		if (a < d->last_apply[w])
			a = d->last_apply[w];     /* replayed in commit order */
		d->last_apply[w] = a;
		d->apply[(size_t)k * d->nu + w] = a;
	}
}

static void promote(struct db *d)
{
	for (uint32_t v = 0; v < d->nu; v++)
		if (!d->u[v].gone && !d->u[v].down) {
			d->primary = v;
			d->promoting = 0;
			return;
		}
}

void db_event(struct sim *s, struct sim_node *n, struct db *d, struct event *ev)
{
	if (ev->kind == DB_EV_PROMOTE) {
		promote(d);
		return;
	}
	struct request *req = ev->obj;
	uint32_t v = (uint32_t)ev->arg;
	struct station *st = &d->u[v].st;
	struct request *next = station_end(st, s->now_ns, req);
	if (sim_fault_errors(s, n, fu(d, v), req)) {
		fail(s, n, d, v, req, REQ_ERROR);
	} else {
		if (req->write && v == d->primary)
			commit(s, d, v, req);
		req->status = REQ_OK;
		sim_finish(s, req);
	}
	if (next)
		start(s, n, d, v, next);
}

static void drain(struct sim *s, struct sim_node *n, struct db *d, uint32_t v)
{
	struct request *r = station_drain(&d->u[v].st, s->now_ns);
	while (r) {
		struct request *next = r->next;
		fail(s, n, d, v, r, REQ_CRASHED);
		r = next;
	}
}

void db_crash(struct sim *s, struct sim_node *n, struct db *d, uint32_t u)
{
	for (uint32_t v = 0; v < d->nu; v++)
		if (u == SIM_ANY || u == v) {
			d->u[v].down = 1;
			drain(s, n, d, v);
		}
}

void db_recover(struct sim *s, struct sim_node *n, struct db *d, uint32_t u)
{
	(void)s, (void)n;
	for (uint32_t v = 0; v < d->nu; v++)
		if (u == SIM_ANY || u == v)
			d->u[v].down = 0;
	if (d->promoting && d->u[d->primary].gone)
		return;
}

void db_action(struct sim *s, struct sim_node *n, struct db *d,
	       const struct tl_entry *t, int start_)
{
	if (t->action == TL_LAG) {
		for (uint32_t v = 0; v < d->nu; v++)
			if (t->unit == SIM_ANY || d->fault_unit != SIM_ANY || t->unit == v)
				d->u[v].lag_factor *= start_ ? t->value : 1 / t->value;
		return;
	}
	if (t->action == TL_FAILOVER && start_ && !d->u[d->primary].gone) {
		uint32_t p = d->primary;
		d->u[p].gone = 1;
		drain(s, n, d, p);
		d->promoting = 1;
		sim_schedule(s, s->now_ns + t->add_ns, n->id, DB_EV_PROMOTE, NULL,
			     (uint64_t)d->shard << 32);
	}
}

void db_restart(struct db *d, int64_t now)
{
	for (uint32_t v = 0; v < d->nu; v++) {
		struct dbunit *du = &d->u[v];
		station_restart(&du->st, now);
		du->reads = du->writes = du->failed = du->stale = du->ryw = 0;
	}
	d->unavailable = 0;
}

static void unit_totals(const struct dbunit *du, int64_t now, struct db_totals *o)
{
	o->arrivals += du->st.arrivals;
	o->reads += du->reads;
	o->writes += du->writes;
	o->failed += du->failed;
	o->served += du->st.served;
	o->stale += du->stale;
	o->ryw += du->ryw;
	o->sojourn_s += du->st.sojourn_s;
	o->busy += twa_mean(&du->st.busyt, now);
	o->workers += du->st.workers;
}

void db_totals(const struct db *d, int64_t now, struct db_totals *out)
{
	memset(out, 0, sizeof *out);
	for (uint32_t v = 0; v < d->nu; v++)
		unit_totals(&d->u[v], now, out);
	out->failed += d->unavailable;
}

void db_window(struct db *d, int64_t now, double *busy, double *cap,
	       uint64_t *reads, uint64_t *stale)
{
	for (uint32_t v = 0; v < d->nu; v++) {
		*busy += twa_integral(&d->u[v].st.busyt, now);
		*cap += (double)d->u[v].st.workers;
	}
	*reads += d->win_reads;
	*stale += d->win_stale;
	d->win_reads = d->win_stale = 0;
}

/* ---- the database kind -------------------------------------------------- */

static int dbk_init(struct sim *s, struct sim_node *n)
{
	struct db *d;
	int rc = db_open(s, n, n->sc->cfg, 0, SIM_ANY, &d);
	n->state = d;
	return rc;
}

static void dbk_fini(struct sim *s, struct sim_node *n)
{
	(void)s;
	db_close(n->state);
}

static void dbk_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	db_arrive(s, n, n->state, req);
}

static void dbk_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	db_event(s, n, n->state, ev);
}

static void dbk_crash(struct sim *s, struct sim_node *n, uint32_t u)
{
	db_crash(s, n, n->state, u);
}

static void dbk_recover(struct sim *s, struct sim_node *n, uint32_t u)
{
	db_recover(s, n, n->state, u);
}

static void dbk_action(struct sim *s, struct sim_node *n, const struct tl_entry *t,
		       int start_)
{
	db_action(s, n, n->state, t, start_);
}

static void dbk_warmup_end(struct sim *s, struct sim_node *n)
{
	struct db *d = n->state;
	db_restart(d, s->now_ns);
	d->ts_prev_busy = 0;
	d->ts_prev_ns = (double)s->now_ns;
}

void db_row(double *v, const struct db_totals *t)
{
	v[0] = (double)t->arrivals;
	v[2] = (double)t->failed;
	v[4] = t->workers > 0 ? t->busy / t->workers : NAN;
	v[6] = t->sojourn_s;
	v[7] = (double)t->served;
	v[8] = (double)t->reads;
	v[10] = (double)t->writes;
	v[12] = (double)t->stale;
	v[14] = (double)t->stale;
	v[15] = (double)t->reads;
	v[16] = (double)t->ryw;
}

static void dbk_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct db *d = n->state;
	struct db_totals t;
	db_totals(d, s->now_ns, &t);
	db_row(node_row(o, n->ops, 0), &t);
	for (uint32_t v = 0; v < d->nu && o->nrows > 1; v++) {
		struct db_totals one = { 0 };
		unit_totals(&d->u[v], s->now_ns, &one);
		db_row(node_row(o, n->ops, 1 + v), &one);
	}
}

static void dbk_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct db *d = n->state;
	double busy = 0, cap = 0;
	uint64_t reads = 0, stale = 0;
	db_window(d, s->now_ns, &busy, &cap, &reads, &stale);
	/* busy is an integral since warm-up's end: take differences */
	double dt = (double)s->now_ns - d->ts_prev_ns;
	out[0] = dt > 0 ? (busy - d->ts_prev_busy) / (dt * cap) : NAN;
	out[1] = reads ? (double)stale / (double)reads : NAN;
	d->ts_prev_busy = busy;
	d->ts_prev_ns = (double)s->now_ns;
}

static uint32_t dbk_units(const void *cfg)
{
	return 1 + ((const struct db_cfg *)cfg)->replicas;
}

static int dbk_capacity(const void *cfg, struct node_capacity *out)
{
	const struct db_cfg *c = cfg;
	if (c->replicas)
		return -1;   /* reads and writes split by routing: not one queue */
	out->workers = c->primary.workers;
	out->replicas = 1;
	out->mean_s = c->primary.service.mean;
	out->scv = c->primary.service.mean > 0 ?
		c->primary.service.var / (c->primary.service.mean * c->primary.service.mean) : 0;
	out->bounded = 0;
	out->tail_shape = dist_tail_shape(&c->primary.service);
	out->calls = NULL;
	return 0;
}

static const struct col_def db_cols[] = {
	DB_COL_DEFS
	{ NULL, 0, 0, NULL },
};

static const struct col_def db_ts_cols[] = {
	{ "utilization", COL_MEAN, 0, "busy workers over the workers, in the window" },
	{ "stale_ratio", COL_MEAN, 0, "database: stale reads / reads in the window" },
	{ NULL, 0, 0, NULL },
};

const struct model_ops database_ops = {
	.kind = "database",
	.summary = "a primary and read replicas with replication lag; stale reads and read-your-writes violations counted",
	.params = &db_table,
	.units = dbk_units,
	.init = dbk_init,
	.arrive = dbk_arrive,
	.event = dbk_event,
	.crash = dbk_crash,
	.recover = dbk_recover,
	.action = dbk_action,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_ERRORS) | SIM_FAULT(TL_LATENCY) | SIM_FAULT(TL_LAG) |
		  SIM_FAULT(TL_FAILOVER),
	.warmup_end = dbk_warmup_end,
	.finish = dbk_finish,
	.cols = db_cols,
	.sample = dbk_sample,
	.ts_cols = db_ts_cols,
	.fini = dbk_fini,
	.capacity = dbk_capacity,
};
