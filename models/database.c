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
#include "sim/keys.h"
#include "sim/rng.h"
#include "sim/timeline.h"

#define DB_MAX_REPLICAS 1000
#define DB_MAX_WORKERS 1000000
#define NONE UINT32_MAX

enum { DB_EV_DONE = 1, DB_EV_PROMOTE };
enum { DB_DRAW_LAG = SIM_DRAW_KIND_BASE + 8, DB_DRAW_APPLY };
#define DB_MAX_APPLIERS 1024
enum { R_PRIMARY_ONLY, R_READ_REPLICAS, R_RYW };
enum { RYW_KEY, RYW_SESSION };
enum { RP_ROUND_ROBIN, RP_RANDOM, RP_LEAST_CONNECTIONS };

static const char *const routing_names[] = {
	"primary_only", "read_replicas", "read_your_writes", NULL
};
static const char *const ryw_scope_names[] = { "key", "session", NULL };
static const char *const policy_names[] = {
	"round_robin", "random", "least_connections", NULL
};

static const struct param role_params[] = {
	{ .name = "workers", .type = PARAM_UINT, PARAM_FIELD(struct role_cfg, workers),
	  .umin = 1, .umax = DB_MAX_WORKERS, .def = "1",
	  .doc = "requests served at once" },
	{ .name = "service", .type = PARAM_DIST, PARAM_FIELD(struct role_cfg, service),
	  .flags = PARAM_REQUIRED, .doc = "time to serve one request" },
	{ 0 }
};

static const struct param_table role_table = {
	.params = role_params, .size = sizeof(struct role_cfg), .validate = param_mark_given,
};

static int repl_validate(struct check_ctx *ctx, const char *what,
			 const struct yt_node *map, void *obj)
{
	(void)ctx, (void)what;
	struct repl_cfg *r = obj;
	r->given = 1;
	r->has_delay = yt_get(map, "delay") != NULL;
	r->has_apply = yt_get(map, "apply") != NULL;
	return 0;
}

static const struct param repl_params[] = {
	{ .name = "delay", .type = PARAM_DIST, PARAM_FIELD(struct repl_cfg, delay),
	  .def_doc = "0",
	  .doc = "network delay of the log from the primary to a replica; the log arrives in commit order (a write never overtakes the one before it)" },
	{ .name = "apply", .type = PARAM_DIST, PARAM_FIELD(struct repl_cfg, apply),
	  .def_doc = "0",
	  .doc = "time an applier takes to apply one write" },
	{ .name = "appliers", .type = PARAM_UINT, PARAM_FIELD(struct repl_cfg, appliers),
	  .umin = 1, .umax = DB_MAX_APPLIERS, .def = "1",
	  .doc = "apply threads per replica: 1 applies in commit order (MySQL's single SQL thread, PostgreSQL's startup process); N, each write on the thread of its key (its hash modulo N), so one key's writes stay in order (MySQL's replica_parallel_workers)" },
	{ 0 }
};

static const struct param_table repl_table = {
	.params = repl_params, .size = sizeof(struct repl_cfg), .validate = repl_validate,
};

static int db_validate(struct check_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	struct db_cfg *c = obj;
	char w[256];
	c->has_lag = yt_get(map, "lag") != NULL;
	if (c->has_lag && c->repl.given) {
		snprintf(w, sizeof w, "%s.lag", what);
		return check_fail(ctx, yt_get(map, "lag"), w,
				  "and replication are two models of the same thing: write one");
	}
	if (!yt_get(map, "routing") && !c->replicas)
		c->routing = R_PRIMARY_ONLY;
	if (!c->replica.on)
		c->replica = c->primary;
	if (c->routing != R_PRIMARY_ONLY && !c->replicas) {
		snprintf(w, sizeof w, "%s.routing", what);
		return check_fail(ctx, yt_get(map, "routing"), w,
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
	{ .name = "replication", .type = PARAM_MAP, PARAM_FIELD(struct db_cfg, repl),
	  .sub = &repl_table,
	  .shape = "{delay: {dist: constant, value: 1ms}, apply: {dist: exponential, mean: 0.5ms}, appliers: 1}",
	  .def_doc = "none: replicas are never behind",
	  .doc = "how replicas apply the primary's writes: the log's network delay, then appliers: a replica's lag is the delay plus its appliers' queueing and apply time, so it grows with the write rate only as they saturate" },
	{ .name = "lag", .type = PARAM_DIST, PARAM_FIELD(struct db_cfg, lag),
	  .def_doc = "none",
	  .doc = "the older model, kept for old scenarios: an independent delay for each write to each replica, then replayed in commit order, so that the lag becomes the running maximum of the delays and grows with the write rate for any rate; prefer replication" },
	{ .name = "routing", .type = PARAM_ENUM, PARAM_FIELD(struct db_cfg, routing),
	  .names = routing_names, .def_doc = "read_replicas (primary_only without replicas)",
	  .doc = "where reads go: primary_only, read_replicas, read_your_writes (the primary for a key the session wrote within the window)" },
	{ .name = "replica_policy", .type = PARAM_ENUM, PARAM_FIELD(struct db_cfg, policy),
	  .names = policy_names, .def = "round_robin",
	  .doc = "how a read picks among the replicas that are up: round_robin, random, least_connections (fewest in service and waiting)" },
	{ .name = "read_your_writes_scope", .type = PARAM_ENUM, PARAM_FIELD(struct db_cfg, ryw_scope),
	  .names = ryw_scope_names, .def = "key",
	  .doc = "read_your_writes: key sends to the primary a session's reads of the keys it wrote within the window; session pins all of its reads there for the window after any write, as Rails' automatic role switching (delay, 2 s there) and ProxySQL's session stickiness do" },
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
	/* the writes committed and not yet received, by arrival time (a
	 * ring), and how many were outstanding when the primary failed */
	int64_t *pend;
	size_t pend_head, pend_len, pend_cap;
	uint64_t behind;
	/* replication, as a replica: the log's last arrival, and when each
	 * applier is free */
	int64_t arrived_ns;
	int64_t *free_ns;              /* [appliers] */
	double lag_ns;                 /* lag summed, writes measured */
	uint64_t lag_n;
	struct hist lag;               /* with replication or lag */
	/* its row of the database kind's time series: the window's reads,
	 * stale reads and lag, and its busy integral at the window's start */
	uint64_t win_reads, win_stale, win_lag_n;
	double win_lag_ns, ts_prev_busy;
};

/* A map of writes, (key, session) -> the latest such write: its commit
 * time and when each unit applies it.  One map keys by the key alone
 * (session WM_ANY), the latest write to each key, for staleness; the
 * other by key and session, each session's latest write to each key, for
 * read-your-writes.  An entry is of no more use once every unit has
 * applied its write and the window is past: when the map fills, those go
 * before it grows, so it holds about the writes in flight, not every key
 * ever written. */
#define WM_ANY UINT64_MAX
#define SESSION_KEY (UINT64_MAX - 1)   /* a session's last write, any key */

struct wslot {
	uint64_t key, session;
	int64_t commit_ns;
};

struct wmap {
	uint32_t *tab;
	uint64_t mask;
	struct wslot *ws;              /* [cap] */
	int64_t *apply;                /* [cap * nu] */
	uint32_t n, cap, nu;
};

struct db {
	const struct db_cfg *c;
	uint32_t node, shard, fault_unit, nu, primary, rr;
	int promoting;                 /* no primary: a failover is under way */
	int promote_due;               /* its promotion time is over, and no
					* replica was up to take over */
	struct dbunit *u;              /* [nu] */
	int64_t *last_apply;           /* [nu] the latest apply time per unit */
	gsl_rng *rng;                  /* replica_policy random */
	struct wmap latest, own;       /* by key; by key and session */
	uint64_t unavailable;          /* failed with no primary */
	uint64_t failover_lost;        /* writes lost by failovers */
	int lagged;                    /* replication or lag: lag measured */
	struct hist lag;               /* every replica's */
	double win_lag_ns;             /* the time series' window */
	uint64_t win_lag_n;
	/* time series */
	uint64_t win_reads, win_stale;
	double ts_prev_busy, ts_prev_ns;  /* the database kind's series */
};

/* session_of: the closed-loop user, or the connection of an open-loop
 * workload with `connections` (the client puts it in user), or the
 * workload; calls carry their parent's. */
static inline uint64_t session_of(const struct request *r)
{
	return (uint64_t)r->client << 32 | r->user;
}

static inline uint64_t wm_hash(uint64_t key, uint64_t session)
{
	return rng_key(key, session);
}

/* wm_table rebuilds m's table for cap entries over the ones it holds. */
static int wm_table(struct wmap *m, uint32_t cap)
{
	uint64_t size = 16;
	while (size < 2 * (uint64_t)cap)
		size <<= 1;
	uint32_t *tab = malloc(size * sizeof *tab);
	if (!tab)
		return -1;
	memset(tab, 0xff, size * sizeof *tab);
	free(m->tab);
	m->tab = tab;
	m->mask = size - 1;
	for (uint32_t k = 0; k < m->n; k++) {
		uint64_t i = wm_hash(m->ws[k].key, m->ws[k].session) & m->mask;
		while (m->tab[i] != NONE)
			i = (i + 1) & m->mask;
		m->tab[i] = k;
	}
	return 0;
}

static int wm_grow(struct wmap *m, uint32_t cap)
{
	struct wslot *ws = realloc(m->ws, (size_t)cap * sizeof *ws);
	if (ws)
		m->ws = ws;
	int64_t *ap = realloc(m->apply, (size_t)cap * m->nu * sizeof *ap);
	if (ap)
		m->apply = ap;
	if (!ws || !ap || wm_table(m, cap))
		return -1;
	m->cap = cap;
	return 0;
}

static void wm_free(struct wmap *m)
{
	free(m->tab), free(m->ws), free(m->apply);
}

static uint32_t wm_find(const struct wmap *m, uint64_t key, uint64_t session)
{
	uint64_t i = wm_hash(key, session) & m->mask;
	while (m->tab[i] != NONE) {
		const struct wslot *w = &m->ws[m->tab[i]];
		if (w->key == key && w->session == session)
			return m->tab[i];
		i = (i + 1) & m->mask;
	}
	return NONE;
}

/* wm_prune drops the entries every unit has applied by now and that
 * committed more than keep_ns ago. */
static int wm_prune(struct wmap *m, int64_t now, int64_t keep_ns)
{
	uint32_t kept = 0;
	for (uint32_t k = 0; k < m->n; k++) {
		int useful = m->ws[k].commit_ns >= now - keep_ns;
		for (uint32_t v = 0; v < m->nu && !useful; v++)
			useful = m->apply[(size_t)k * m->nu + v] > now;
		if (!useful)
			continue;
		if (kept != k) {
			m->ws[kept] = m->ws[k];
			memcpy(&m->apply[(size_t)kept * m->nu], &m->apply[(size_t)k * m->nu],
			       m->nu * sizeof *m->apply);
		}
		kept++;
	}
	m->n = kept;
	return wm_table(m, m->cap);
}

/* wm_add returns the entry of (key, session), made if new; NONE when
 * memory ran out. */
static uint32_t wm_add(struct wmap *m, uint64_t key, uint64_t session,
		       int64_t now, int64_t keep_ns)
{
	uint32_t k = wm_find(m, key, session);
	if (k != NONE)
		return k;
	if (m->n == m->cap &&
	    (wm_prune(m, now, keep_ns) || (m->n >= m->cap / 2 && wm_grow(m, m->cap * 2))))
		return NONE;
	uint64_t i = wm_hash(key, session) & m->mask;
	while (m->tab[i] != NONE)
		i = (i + 1) & m->mask;
	k = m->n++;
	m->tab[i] = k;
	m->ws[k] = (struct wslot){ key, session, INT64_MIN };
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
	    !(d->rng = sim_stream(s, n, purpose)))
		return SIM_ENOMEM;
	d->latest.nu = d->own.nu = d->nu;
	if (wm_grow(&d->latest, 1024) || wm_grow(&d->own, 1024))
		return SIM_ENOMEM;
	d->lagged = c->repl.given || c->has_lag;
	if (d->lagged && hist_init(&d->lag))
		return SIM_ENOMEM;
	for (uint32_t v = 0; v < d->nu; v++) {
		struct dbunit *du = &d->u[v];
		station_init(&du->st, v ? c->replica.workers : c->primary.workers, s->now_ns);
		du->lag_factor = 1;
		du->arrived_ns = INT64_MIN;
		d->last_apply[v] = INT64_MIN;
		if (c->repl.given &&
		    !(du->free_ns = calloc(c->repl.appliers, sizeof *du->free_ns)))
			return SIM_ENOMEM;
		if (d->lagged && hist_init(&du->lag))
			return SIM_ENOMEM;
	}
	return 0;
}

void db_close(struct db *d)
{
	if (!d)
		return;
	if (d->rng)
		gsl_rng_free(d->rng);
	wm_free(&d->latest);
	wm_free(&d->own);
	for (uint32_t v = 0; d->u && v < d->nu; v++) {
		free(d->u[v].free_ns);
		free(d->u[v].pend);
		if (d->lagged)
			hist_fini(&d->u[v].lag);
	}
	if (d->lagged)
		hist_fini(&d->lag);
	free(d->u), free(d->last_apply);
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
		du->win_reads++;
		if (v != d->primary) {
			uint32_t k = wm_find(&d->latest, req->key, WM_ANY);
			if (k != NONE && d->latest.apply[(size_t)k * d->nu + v] > now) {
				du->stale++;
				d->win_stale++;
				du->win_stale++;
			}
			k = wm_find(&d->own, req->key, session_of(req));
			if (k != NONE && now - d->own.ws[k].commit_ns <= d->c->ryw_window_ns &&
			    d->own.apply[(size_t)k * d->nu + v] > now)
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

/* route is the unit req goes to: the primary, or for a read that may go
 * to a replica, the replica the routing picks. */
static uint32_t route(struct sim *s, struct db *d, struct request *req)
{
	uint32_t v = d->primary;
	if (!req->write && d->c->routing != R_PRIMARY_ONLY) {
		int own = 0;
		if (d->c->routing == R_RYW) {
			uint64_t key = d->c->ryw_scope == RYW_SESSION ? SESSION_KEY : req->key;
			uint32_t k = wm_find(&d->own, key, session_of(req));
			own = k != NONE && s->now_ns - d->own.ws[k].commit_ns <= d->c->ryw_window_ns;
		}
		uint32_t r = own ? NONE : pick_replica(d);
		if (r != NONE)
			v = r;
	}
	return v;
}

/* arrive_at: req reaches unit v. */
static void arrive_at(struct sim *s, struct sim_node *n, struct db *d, uint32_t v,
		      struct request *req)
{
	if (v == d->primary && (d->promoting || d->u[v].gone)) {
		fail(s, n, d, NONE, req, REQ_UNAVAILABLE);
		return;
	}
	if (d->u[v].down) {
		d->u[v].st.arrivals++;     /* it reached the unit, which failed it */
		fail(s, n, d, v, req, REQ_CRASHED);
		return;
	}
	if (station_take(&d->u[v].st, s->now_ns, req))
		start(s, n, d, v, req);
}

void db_arrive(struct sim *s, struct sim_node *n, struct db *d, struct request *req)
{
	arrive_at(s, n, d, route(s, d, req), req);
}

/* pend_push records that replica w receives a write at t; pend_pop
 * forgets those received by now.  Arrivals come in commit order, so the
 * ring stays sorted. */
static int pend_push(struct dbunit *du, int64_t t)
{
	if (du->pend_len == du->pend_cap) {
		size_t cap = du->pend_cap ? 2 * du->pend_cap : 64;
		int64_t *q = malloc(cap * sizeof *q);
		if (!q)
			return -1;
		for (size_t i = 0; i < du->pend_len; i++)
			q[i] = du->pend[(du->pend_head + i) % du->pend_cap];
		free(du->pend);
		du->pend = q, du->pend_cap = cap, du->pend_head = 0;
	}
	du->pend[(du->pend_head + du->pend_len++) % du->pend_cap] = t;
	return 0;
}

static void pend_pop(struct dbunit *du, int64_t now)
{
	while (du->pend_len && du->pend[du->pend_head] <= now) {
		du->pend_head = (du->pend_head + 1) % du->pend_cap;
		du->pend_len--;
	}
}

/* draw_ns: a draw of dist x for req's write at unit w (purpose p),
 * scaled by the unit's lag factor, in ns. */
static int64_t draw_ns(struct sim *s, const struct db *d, const struct dist *x,
		       const struct request *req, uint64_t p, uint32_t w)
{
	double t = dist_sample(x, sim_draws(s, req, p | (uint64_t)w << 8)) * d->u[w].lag_factor * 1e9;
	return t < (double)(INT64_MAX / 4) ? (int64_t)(t + 0.5) : INT64_MAX / 4;
}

/* apply_at: when replica w applies req's write, committed now: its log
 * arrives after the delay, never before the write before it, and waits
 * for its applier (the key's, with several), a FIFO queue worked out at
 * once by Lindley's recursion: no event. */
static int64_t apply_at(struct sim *s, struct db *d, uint32_t w, const struct request *req)
{
	const struct repl_cfg *r = &d->c->repl;
	struct dbunit *du = &d->u[w];
	int64_t t = s->now_ns + (r->has_delay ? draw_ns(s, d, &r->delay, req, DB_DRAW_LAG, w) : 0);
	/* placed in zones: the log crosses from the primary's to the
	 * replica's, over their link (zone.h) */
	const struct sim_node *n = &s->nodes[d->node];
	if (n->zone)
		t += sim_zone_delay(s, req, n->zone[d->primary % n->nzone], n->zone[w % n->nzone]);
	if (t < du->arrived_ns)
		t = du->arrived_ns;
	du->arrived_ns = t;
	pend_pop(du, s->now_ns);
	if (pend_push(du, t))
		s->oom = 1;
	int64_t *free_ns = &du->free_ns[r->appliers > 1 ? keys_hash(req->key) % r->appliers : 0];
	if (t < *free_ns)
		t = *free_ns;
	t += r->has_apply ? draw_ns(s, d, &r->apply, req, DB_DRAW_APPLY, w) : 0;
	*free_ns = t;
	return t;
}

/* lag_count measures a write's lag at replica w: in the time series'
 * window always, in the totals while measuring. */
static void lag_count(struct sim *s, struct db *d, uint32_t w, int64_t lag_ns)
{
	d->win_lag_ns += (double)lag_ns;      /* the time series: from 0 */
	d->win_lag_n++;
	d->u[w].win_lag_ns += (double)lag_ns;
	d->u[w].win_lag_n++;
	if (!s->measuring)
		return;
	struct dbunit *du = &d->u[w];
	du->lag_ns += (double)lag_ns;
	du->lag_n++;
	hist_record(&du->lag, lag_ns);
	hist_record(&d->lag, lag_ns);
}

/* commit: req, a write, has been served by the primary v.  Each unit
 * applies it: with replication, as apply_at says; with the older lag,
 * after a delay of its own and after the write before it. */
static void commit(struct sim *s, struct db *d, uint32_t v, const struct request *req)
{
	int64_t now = s->now_ns, keep = d->c->ryw_window_ns;
	uint64_t sess = session_of(req);
	sim_note_write(s, &s->nodes[d->node], req);
	uint32_t a = wm_add(&d->latest, req->key, WM_ANY, now, keep);
	uint32_t b = a == NONE ? NONE : wm_add(&d->own, req->key, sess, now, keep);
	if (b == NONE) {
		s->oom = 1;
		return;
	}
	d->latest.ws[a].commit_ns = d->own.ws[b].commit_ns = now;
	for (uint32_t w = 0; w < d->nu; w++) {
		int64_t t = now;
		if (d->u[w].gone) {
			/* a failed-over primary applies nothing more */
		} else if (w != v && d->c->repl.given) {
			t = apply_at(s, d, w, req);
		} else if (w != v && d->c->has_lag) {
			t += draw_ns(s, d, &d->c->lag, req, DB_DRAW_LAG, w);
			if (t < d->last_apply[w])
				t = d->last_apply[w];     /* replayed in commit order */
			d->last_apply[w] = t;
			pend_pop(&d->u[w], now);
			if (pend_push(&d->u[w], t))
				s->oom = 1;
		}
		if (w != v && d->lagged && !d->u[w].gone)
			lag_count(s, d, w, t - now);
		d->latest.apply[(size_t)a * d->nu + w] = t;
		d->own.apply[(size_t)b * d->nu + w] = t;
	}
	if (d->c->routing == R_RYW && d->c->ryw_scope == RYW_SESSION) {
		/* the session's last write, under a key of its own */
		uint32_t k = wm_add(&d->own, SESSION_KEY, sess, now, keep);
		if (k == NONE) {
			s->oom = 1;
			return;
		}
		d->own.ws[k].commit_ns = now;
		for (uint32_t w = 0; w < d->nu; w++)
			d->own.apply[(size_t)k * d->nu + w] = now;
	}
}

/* promote makes the most caught-up unit that is up and was never failed
 * over the primary: the one that had received the most of the old
 * primary's writes when it failed (the first of those on a tie); the
 * writes it had not received are lost.  With none up, it waits for one to
 * recover (promote_due). */
static void promote(struct sim *s, struct db *d)
{
	uint32_t best = NONE;
	for (uint32_t v = 0; v < d->nu; v++)
		if (!d->u[v].gone && !d->u[v].down && (best == NONE || d->u[v].behind < d->u[best].behind))
			best = v;
	if (best == NONE) {
		d->promote_due = 1;
		return;
	}
	if (s->measuring)
		d->failover_lost += d->u[best].behind;
	for (uint32_t v = 0; v < d->nu; v++) {
		/* the old primary's log is over: what was not received never
		 * will be, and nothing waits behind it */
		struct dbunit *du = &d->u[v];
		du->behind = 0;
		du->pend_len = 0;
		du->arrived_ns = INT64_MIN;
		for (uint32_t k = 0; du->free_ns && k < d->c->repl.appliers; k++)
			du->free_ns[k] = 0;
		d->last_apply[v] = INT64_MIN;
	}
	d->primary = best;
	d->promoting = d->promote_due = 0;
}

void db_event(struct sim *s, struct sim_node *n, struct db *d, struct event *ev)
{
	if (ev->kind == DB_EV_PROMOTE) {
		promote(s, d);
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
	if (d->promote_due)
		promote(s, d);
}

/* The kind's own timeline actions: `lag` and `failover`. */
const struct tl_action_def db_lag = {
	.name = "lag", .engine = TL_KIND, .value = &tl_factor_key, .label = tl_label_factor,
	.doc = "a database's replication lag is multiplied by `factor` (with replication, its delay and apply times) on every replica, or the one named, for writes committed meanwhile",
};

static void label_failover(char *buf, size_t len, const char *target, const struct tl_entry *t,
			   const char *text)
{
	snprintf(buf, len, "%s failover", target);
}

static const struct param promotion_key = {
	.name = "promotion", .type = PARAM_DURATION, PARAM_FIELD(struct tl_entry, add_ns),
	.flags = PARAM_REQUIRED, .doc = "how long writes fail before a replica is the primary",
};

const struct tl_action_def db_failover = {
	.name = "failover", .flags = TLA_WHOLE | TLA_INSTANT, .engine = TL_KIND,
	.value = &promotion_key, .label = label_failover,
	.doc = "a database's primary fails: writes fail for `promotion`, then a replica becomes the primary (whole nodes only)",
};

static const struct tl_action_def *const db_actions[] = { &db_lag, &db_failover, NULL };

void db_action(struct sim *s, struct sim_node *n, struct db *d,
	       const struct tl_entry *t, int start_)
{
	if (t->def == &db_lag) {
		for (uint32_t v = 0; v < d->nu; v++)
			if (t->unit == SIM_ANY || d->fault_unit != SIM_ANY || t->unit == v)
				d->u[v].lag_factor *= start_ ? t->value : 1 / t->value;
		return;
	}
	if (t->def == &db_failover && start_ && !d->u[d->primary].gone) {
		uint32_t p = d->primary;
		/* what each replica had not received when the primary went */
		for (uint32_t v = 0; v < d->nu; v++) {
			pend_pop(&d->u[v], s->now_ns);
			d->u[v].behind = d->u[v].pend_len;
		}
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
		du->lag_ns = 0;
		du->lag_n = 0;
		if (d->lagged)
			hist_reset(&du->lag);
	}
	if (d->lagged)
		hist_reset(&d->lag);
	d->unavailable = 0;
	d->failover_lost = 0;
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
	o->lag_s += du->lag_ns * 1e-9;
	o->lag_n += du->lag_n;
	o->busy += twa_mean(&du->st.busyt, now);
	o->workers += du->st.workers;
}

void db_totals(const struct db *d, int64_t now, struct db_totals *out)
{
	memset(out, 0, sizeof *out);
	for (uint32_t v = 0; v < d->nu; v++)
		unit_totals(&d->u[v], now, out);
	/* those turned away for want of a primary reached the node too */
	out->arrivals += d->unavailable;
	out->failed += d->unavailable;
	out->lag_p99_s = d->lagged && d->lag.total ? (double)hist_quantile(&d->lag, 0.99) * 1e-9 : NAN;
	out->failover_lost = d->failover_lost;
}

double db_busy_integral(const struct db *d, int64_t now)
{
	double b = 0;
	for (uint32_t v = 0; v < d->nu; v++)
		b += twa_integral(&d->u[v].st.busyt, now);
	return b;
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

static void dbk_arrive_zoned(struct sim *s, struct sim_node *n, struct request *req);

static int dbk_init(struct sim *s, struct sim_node *n)
{
	struct db *d;
	int rc = db_open(s, n, n->sc->cfg, 0, SIM_ANY, &d);
	n->state = d;
	if (n->zone)
		n->arrive = dbk_arrive_zoned;
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

/* dbk_arrive_zoned: the arrival of a database placed in zones; the hop to
 * the unit's zone is paid first, and the request comes back here for the
 * unit chosen (sim_zone_hop). */
static void dbk_arrive_zoned(struct sim *s, struct sim_node *n, struct request *req)
{
	struct db *d = n->state;
	uint32_t v = req->zflags & SIM_Z_TRANSIT ? req->replica : route(s, d, req);
	if (sim_zone_hop(s, n, v, req))
		return;
	arrive_at(s, n, d, v, req);
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
	/* the window that spans the end of warm-up keeps its first part */
	double before = db_busy_integral(d, s->now_ns);
	for (uint32_t v = 0; v < d->nu; v++)
		d->u[v].ts_prev_busy -= twa_integral(&d->u[v].st.busyt, s->now_ns);
	db_restart(d, s->now_ns);
	d->ts_prev_busy -= before;
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
	v[18] = t->lag_s;
	v[19] = (double)t->lag_n;
	v[20] = t->lag_p99_s;
	v[22] = (double)t->failover_lost;
}

static void dbk_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct db *d = n->state;
	struct db_totals t;
	db_totals(d, s->now_ns, &t);
	db_row(node_row(o, 0), &t);
	for (uint32_t v = 0; v < d->nu && o->nrows > 1; v++) {
		struct db_totals one = { 0 };
		unit_totals(&d->u[v], s->now_ns, &one);
		one.lag_p99_s = d->lagged && d->u[v].lag.total ?
			(double)hist_quantile(&d->u[v].lag, 0.99) * 1e-9 : NAN;
		db_row(node_row(o, 1 + v), &one);
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
	out[2] = d->win_lag_n ? d->win_lag_ns / (double)d->win_lag_n * 1e-9 : NAN;
	d->win_lag_ns = 0;
	d->win_lag_n = 0;
	/* with replicas, a row per unit (ts_units): the primary's, then
	 * each replica's, so that a replica's crash shows */
	for (uint32_t v = 0; d->nu > 1 && v < d->nu; v++) {
		struct dbunit *du = &d->u[v];
		double *o = out + 3 * (1 + v), b = twa_integral(&du->st.busyt, s->now_ns);
		o[0] = dt > 0 && du->st.workers ? (b - du->ts_prev_busy) / (dt * du->st.workers) : NAN;
		o[1] = du->win_reads ? (double)du->win_stale / (double)du->win_reads : NAN;
		o[2] = du->win_lag_n ? du->win_lag_ns / (double)du->win_lag_n * 1e-9 : NAN;
		du->ts_prev_busy = b;
		du->win_reads = du->win_stale = du->win_lag_n = 0;
		du->win_lag_ns = 0;
	}
	d->ts_prev_busy = busy;
	d->ts_prev_ns = (double)s->now_ns;
}

int db_check_failover(struct check_ctx *ctx, const struct scenario *sc,
		      const struct sc_node *self, const struct db_cfg *c)
{
	if (c->replicas)
		return 0;
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		if (t->def != &db_failover || &sc->nodes[t->node] != self)
			continue;
		char what[160];
		snprintf(what, sizeof what, "nodes.%s", self->name);
		return check_fail(ctx, self->src, what,
			       "timeline[%zu] fails it over at %gs, but it has no replica to promote (replicas: 0)",
			       i, (double)t->at_ns * 1e-9);
	}
	return 0;
}

static int dbk_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	return db_check_failover(ctx, sc, self, self->cfg);
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
	out->demand = &c->primary.service;
	out->calls = NULL;
	return 0;
}

static const struct col_def db_cols[] = {
	DB_COL_DEFS
	{ NULL, 0, NULL },
};

static const struct col_def db_ts_cols[] = {
	{ "utilization", COL_MEAN, "busy workers over the workers, in the window" },
	{ "stale_ratio", COL_MEAN, "database: stale reads / reads in the window (on a unit's row, its own)" },
	{ "lag_mean_s", COL_MEAN, "database: replication lag of the writes committed in the window, over the replicas (on a replica's row, its own)" },
	{ NULL, 0, NULL },
};

const struct model_ops database_ops = {
	.kind = "database",
	.summary = "a primary and read replicas with replication lag; stale reads and read-your-writes violations counted",
	.params = &db_table,
	.units = dbk_units,
	.link = dbk_link,
	.init = dbk_init,
	.arrive = dbk_arrive,
	.placeable = 1,
	.event = dbk_event,
	.crash = dbk_crash,
	.recover = dbk_recover,
	.action = dbk_action,
	.actions = db_actions,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_ERRORS) | SIM_FAULT(TL_LATENCY),
	.warmup_end = dbk_warmup_end,
	.finish = dbk_finish,
	.cols = db_cols,
	.sample = dbk_sample,
	.ts_cols = db_ts_cols,
	.ts_units = 1,
	.fini = dbk_fini,
	.capacity = dbk_capacity,
};
