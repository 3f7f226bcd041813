/*
 * cache.c - the cache kind; see cache.h.
 *
 * A request in the cache is followed by a flight record (pooled): the
 * node it went to, what it is doing, and the relay record the backend's
 * reply comes back through (sim_via_push), so the request keeps its
 * identity and its own draws at the backend.  Coalesced misses hang on
 * the flight of the first miss for their key, found in a small chained
 * table of the fetches in flight.
 *
 * The lookup and set times are the request's own draws under purposes of
 * the cache's own, so they never share numbers with the backend's demand
 * for the same request.  Write-behind's writes to the backend are
 * requests of the cache's own, named by the node and a counter.
 */
#include "models/cache.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cstore.h"
#include "sim/hashring.h"
#include "sim/keys.h"
#include "sim/kvmap.h"
#include "sim/pool.h"
#include "sim/rng.h"

#define CACHE_MAX_NODES 4096
#define CACHE_MAX_VNODES 10000
#define CACHE_FLIGHT_BUCKETS 1024

enum { CM_ASIDE, CM_READ_THROUGH, CM_WRITE_THROUGH, CM_WRITE_BEHIND };
enum { TTL_AFTER_WRITE, TTL_AFTER_ACCESS, TTL_REFRESH_AHEAD };
enum { CEV_LOOKUP = 1, CEV_SET, CEV_FLUSH };
enum {
	CACHE_DRAW_LOOKUP = SIM_DRAW_KIND_BASE,
	CACHE_DRAW_SET,
	CACHE_DRAW_HIT,
};
/* what a flight is doing */
enum { F_READ, F_WRITE, F_BEHIND, F_FLUSH, F_REFRESH };

static const char *const mode_names[] = {
	"cache_aside", "read_through", "write_through", "write_behind", NULL
};
static const char *const evict_names[] = { "lru", "lfu", "fifo", "random", NULL };
/* Caffeine's and Coherence's names, then the older ones, kept for old
 * scenarios: on_miss is expire_after_write, refresh expire_after_access */
static const char *const ttl_mode_names[] = {
	"expire_after_write", "expire_after_access", "refresh_ahead", "on_miss", "refresh", NULL
};

struct cache_cfg {
	unsigned mode, eviction, ttl_mode;
	int64_t refresh_after_ns;      /* refresh_ahead */
	uint32_t capacity;
	int64_t ttl_ns;                /* 0: no expiry */
	struct dist hit, miss;
	int has_miss;
	uint32_t backend;
	struct call_plan bplan;        /* backend written as a call: its policy */
	uint32_t nodes, virtual_nodes;
	int coalesce;
	int write_coalescing;          /* write_behind: one queued write a key */
	int64_t flush_interval_ns;
	uint32_t flush_batch;
	double hit_ratio;
	int fixed;                     /* hit_ratio given */
	/* from link: the ring over every node the cache may have */
	struct hring_pt *ring;
	size_t nring;
};

static void cache_cfg_init(void *obj)
{
	struct cache_cfg *c = obj;
	dist_constant(&c->hit, 0, NULL);
}

static int cache_validate(struct check_ctx *ctx, const char *what,
			  const struct yt_node *map, void *obj)
{
	struct cache_cfg *c = obj;
	char w[256];
	c->has_miss = yt_get(map, "miss") != NULL;
	if (!c->has_miss)
		c->miss = c->hit;
	c->fixed = yt_get(map, "hit_ratio") != NULL;
	const char *const behind[] = { "flush_interval", "flush_batch", "write_coalescing", NULL };
	for (size_t i = 0; behind[i]; i++)
		if (c->mode != CM_WRITE_BEHIND && yt_get(map, behind[i])) {
			snprintf(w, sizeof w, "%s.%s", what, behind[i]);
			return check_fail(ctx, yt_get(map, behind[i]), w,
				       "applies to mode write_behind only");
		}
	if (c->fixed && (yt_get(map, "ttl") || yt_get(map, "eviction"))) {
		const char *k = yt_get(map, "ttl") ? "ttl" : "eviction";
		snprintf(w, sizeof w, "%s.%s", what, k);
		return check_fail(ctx, yt_get(map, k), w,
			       "a cache with a fixed hit_ratio holds no entries: drop '%s' or hit_ratio", k);
	}
	if (c->ttl_mode == 3 || c->ttl_mode == 4)
		c->ttl_mode -= 3;      /* the older names */
	if (yt_get(map, "refresh_after") && c->ttl_mode != TTL_REFRESH_AHEAD) {
		snprintf(w, sizeof w, "%s.refresh_after", what);
		return check_fail(ctx, yt_get(map, "refresh_after"), w,
				  "applies to ttl_mode refresh_ahead only");
	}
	if (c->ttl_mode == TTL_REFRESH_AHEAD && !yt_get(map, "refresh_after"))
		c->refresh_after_ns = c->ttl_ns / 4 * 3;
	if (c->ttl_mode == TTL_REFRESH_AHEAD && c->refresh_after_ns >= c->ttl_ns) {
		snprintf(w, sizeof w, "%s.refresh_after", what);
		return check_fail(ctx, yt_get(map, "refresh_after"), w,
				  "must be shorter than ttl: an entry is reloaded before it expires");
	}
	if (yt_get(map, "ttl_mode") && !c->ttl_ns) {
		snprintf(w, sizeof w, "%s.ttl_mode", what);
		return check_fail(ctx, yt_get(map, "ttl_mode"), w, "needs a ttl");
	}
	return 0;
}

static void cache_cfg_fini(void *obj)
{
	struct cache_cfg *c = obj;
	free(c->ring);
	callplan_free(&c->bplan);
}

/* parse_backend reads `backend`: a node's name, or a call to it with a
 * call's policies ({to: db, timeout: 50ms, retry: {...}}). */
static int parse_backend(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			 void *obj)
{
	struct cache_cfg *c = obj;
	if (n->type != YT_MAP)
		return check_node_ref(ctx, n, what, &c->backend);
	int rc = callplan_check_edge(ctx, n, what, &c->bplan);
	if (rc == 0)
		c->backend = c->bplan.edges[0].to;
	return rc;
}

static const struct param cache_params[] = {
	{ .name = "mode", .type = PARAM_ENUM, PARAM_FIELD(struct cache_cfg, mode),
	  .names = mode_names, .def = "cache_aside",
	  .doc = "how reads fill and writes reach the backend: cache_aside, read_through, write_through, write_behind (see the kind's text)" },
	{ .name = "capacity", .type = PARAM_UINT, PARAM_FIELD(struct cache_cfg, capacity),
	  .umin = 1, .umax = CSTORE_MAX_CAPACITY, .def = "10000", .shape = "entries",
	  .doc = "entries each cache node holds" },
	{ .name = "eviction", .type = PARAM_ENUM, PARAM_FIELD(struct cache_cfg, eviction),
	  .names = evict_names, .def = "lru",
	  .doc = "which entry a full node drops: lru (least recently used), lfu (least frequently used since filled; the oldest among equals), fifo (the oldest filled), random" },
	{ .name = "ttl", .type = PARAM_DURATION, PARAM_FIELD(struct cache_cfg, ttl_ns),
	  .min_ns = 1, .def_doc = "none: entries never expire",
	  .doc = "an entry expires this long after it is filled (or, with ttl_mode expire_after_access, after its last hit)" },
	{ .name = "ttl_mode", .type = PARAM_ENUM, PARAM_FIELD(struct cache_cfg, ttl_mode),
	  .names = ttl_mode_names, .def = "expire_after_write",
	  .doc = "expire_after_write (Caffeine's expireAfterWrite): the expiry is set when the entry is filled; expire_after_access (expireAfterAccess): every hit restarts it; refresh_ahead (Coherence's refresh-ahead, Caffeine's refreshAfterWrite): a hit on an entry older than refresh_after is served and reloads the entry from the backend meanwhile, so that a hot key never expires (the stampede's fix).  The older on_miss and refresh mean the first two" },
	{ .name = "refresh_after", .type = PARAM_DURATION, PARAM_FIELD(struct cache_cfg, refresh_after_ns),
	  .min_ns = 1, .def_doc = "3/4 of ttl",
	  .doc = "refresh_ahead: the age after which a hit reloads its entry, once at a time per key" },
	{ .name = "hit", .type = PARAM_DIST, PARAM_FIELD(struct cache_cfg, hit),
	  .def_doc = "0", .doc = "time a lookup that hits takes, and a set or a delete" },
	{ .name = "miss", .type = PARAM_DIST, PARAM_FIELD(struct cache_cfg, miss),
	  .def_doc = "as hit", .doc = "time a lookup takes to find that it is a miss" },
	{ .name = "backend", .type = PARAM_CUSTOM, .parse = parse_backend, .shape = "NODE or {to: NODE, ...}",
	  .flags = PARAM_REQUIRED,
	  .doc = "the node that misses and writes go to (a database, shards, a service, a balancer): its name, or a call to it with any of a call's policies (timeout, per_try_timeout, retry, hedge, breaker, limits), as the application's own call to the database has them in cache-aside" },
	{ .name = "nodes", .type = PARAM_UINT, PARAM_FIELD(struct cache_cfg, nodes),
	  .umin = 1, .umax = CACHE_MAX_NODES, .def = "1",
	  .doc = "cache nodes; more than one spreads the keys over a consistent-hash ring (rows cache[0], cache[1], ...)" },
	{ .name = "virtual_nodes", .type = PARAM_UINT, PARAM_FIELD(struct cache_cfg, virtual_nodes),
	  .umin = 1, .umax = CACHE_MAX_VNODES, .def = "160",
	  .doc = "points per cache node on the ring" },
	{ .name = "coalesce", .type = PARAM_BOOL, PARAM_FIELD(struct cache_cfg, coalesce),
	  .def = "false",
	  .doc = "concurrent misses on one key wait for the first one's backend read instead of each reading the backend" },
	{ .name = "write_coalescing", .type = PARAM_BOOL,
	  PARAM_FIELD(struct cache_cfg, write_coalescing), .def = "true",
	  .doc = "write_behind: a write to a key that already has one queued merges into it, so a flush sends at most one write a key (Hazelcast's write-coalescing, on by default); false queues every write" },
	{ .name = "flush_interval", .type = PARAM_DURATION,
	  PARAM_FIELD(struct cache_cfg, flush_interval_ns), .min_ns = 1000, .def = "1s",
	  .doc = "write_behind: how often queued writes are sent to the backend" },
	{ .name = "flush_batch", .type = PARAM_UINT, PARAM_FIELD(struct cache_cfg, flush_batch),
	  .umin = 1, .umax = 100000000, .def = "1000",
	  .doc = "write_behind: the most queued writes sent at each flush (the rest wait for the next)" },
	{ .name = "hit_ratio", .type = PARAM_PROB, PARAM_FIELD(struct cache_cfg, hit_ratio),
	  .def_doc = "none: entries decide",
	  .doc = "a fixed chance that a read hits, drawn per request, instead of simulated entries" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table cache_table = {
	.params = cache_params,
	.size = sizeof(struct cache_cfg),
	.doc = "A key-value cache in front of a backend: reads hit or miss by the request's key, writes update or invalidate by `mode`. Requests whose workload kind begins with `write` are writes.",
	.init = cache_cfg_init,
	.validate = cache_validate,
	.fini = cache_cfg_fini,
};

static int cache_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	struct cache_cfg *c = self->cfg;
	char what[160];
	snprintf(what, sizeof what, "nodes.%s.backend", self->name);
	const struct sc_node *be = &sc->nodes[c->backend];
	if (be == self)
		return check_fail(ctx, yt_get(self->src, "backend"), what,
			       "a cache cannot be its own backend");
	if (!be->ops->arrive)
		return check_fail(ctx, yt_get(self->src, "backend"), what,
			       "'%s' cannot take requests", be->name);
	if (hring_build_named(&c->ring, &c->nring, self->name, self->max_units, c->virtual_nodes))
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	return 0;
}

/* ---- run state -------------------------------------------------------- */

struct flight {
	struct sim_via via;            /* first: sim_via_pop returns it */
	struct request *req;
	struct request *waiters;       /* coalesced misses, linked by next */
	struct flight *chain;          /* fetches in flight, per bucket */
	uint64_t key;
	uint32_t unit;
	uint8_t op;
	uint8_t hit;
	uint8_t nofill;                /* the node was down: do not fill */
	uint8_t listed;                /* in the table of fetches */
	int64_t value_ns;              /* as of when its backend answer stands */
	uint32_t nwrites;              /* a flush: the writes merged in it */
};

struct cstat {
	uint64_t hits, misses, evictions, expirations;
	uint64_t backend_reads, backend_writes, lost_writes, coalesced, unreachable;
	uint64_t writes_coalesced, refreshes, stale_hits;
};

/* A set of keys with a count each: open addressing, linear probing,
 * backward-shift deletion. */
struct keyset {
	uint64_t *key;
	uint32_t *count;               /* 0: empty slot */
	size_t cap, n;
};

struct cnode {
	struct cstore st;
	struct cstat stat;
	uint64_t ev0, ex0;             /* the store's counters at warm-up end */
	uint64_t *wq;                  /* write-behind queue of keys (ring) */
	size_t wq_head, wq_len, wq_cap;
	uint64_t wq_writes;            /* writes it holds, merged ones too */
	struct keyset wset;            /* write_coalescing: the keys queued,
					* and the writes merged in each */
	struct keyset rset;            /* refresh_ahead: keys being reloaded */
	/* staleness, once the node has seen a write commit: when each key's
	 * last write through it committed, and as of when each entry's
	 * value was read (none: before the first write) */
	int writes_seen;
	struct kvmap committed, value_at;
};

struct cache {
	const struct cache_cfg *cfg;
	struct cnode *nd;              /* [units] */
	uint32_t units, units_now;
	struct hring_pt *ring;         /* the ring of the nodes in use */
	size_t nring;
	uint8_t *off;                  /* [units] not on the ring */
	struct pool flights;
	struct flight *inflight[CACHE_FLIGHT_BUCKETS];
	gsl_rng *rng;                  /* random eviction */
	uint64_t ident_base, nown;     /* names of write-behind's requests */
	double moved_sum;
	uint64_t moved_n;
	uint64_t win_hits, win_misses, win_backend;
	int64_t ts_prev_ns;
};

/* ---- sets of keys: write-behind's queued ones, refresh-ahead's ---- */

/* ks_slot: where key is in ks, or the empty slot where it would go. */
static size_t ks_slot(const struct keyset *ks, uint64_t key)
{
	size_t mask = ks->cap - 1, i = keys_hash(key) & mask;
	while (ks->count[i] && ks->key[i] != key)
		i = (i + 1) & mask;
	return i;
}

/* ks_room makes room in ks for one more key: 0, or -1 out of memory. */
static int ks_room(struct keyset *ks)
{
	if (2 * (ks->n + 1) <= ks->cap)
		return 0;
	size_t cap = ks->cap ? 2 * ks->cap : 64, ocap = ks->cap;
	uint64_t *k = malloc(cap * sizeof *k), *ok = ks->key;
	uint32_t *c = calloc(cap, sizeof *c), *oc = ks->count;
	if (!k || !c) {
		free(k), free(c);
		return -1;
	}
	ks->key = k, ks->count = c, ks->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (oc[i]) {
			size_t j = ks_slot(ks, ok[i]);
			ks->key[j] = ok[i];
			ks->count[j] = oc[i];
		}
	free(ok), free(oc);
	return 0;
}

/* ks_has returns key's count in ks, 0 if it is not there. */
static uint32_t ks_has(const struct keyset *ks, uint64_t key)
{
	return ks->cap ? ks->count[ks_slot(ks, key)] : 0;
}

/* ks_take removes key from ks and returns its count (0 if it was not
 * there), shifting back the entries that follow. */
static uint32_t ks_take(struct keyset *ks, uint64_t key)
{
	if (!ks->cap)
		return 0;
	size_t mask = ks->cap - 1, i = ks_slot(ks, key);
	uint32_t n = ks->count[i];
	if (!n)
		return 0;
	ks->count[i] = 0;
	ks->n--;
	for (size_t j = (i + 1) & mask; ks->count[j]; j = (j + 1) & mask) {
		size_t home = keys_hash(ks->key[j]) & mask;
		/* j's entry may move to the hole at i unless its home lies
		 * cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			ks->key[i] = ks->key[j];
			ks->count[i] = ks->count[j];
			ks->count[j] = 0;
			i = j;
		}
	}
	return n;
}

/* ks_clear empties ks. */
static void ks_clear(struct keyset *ks)
{
	if (ks->cap)
		memset(ks->count, 0, ks->cap * sizeof *ks->count);
	ks->n = 0;
}

static void ks_free(struct keyset *ks)
{
	free(ks->key), free(ks->count);
}

static int cache_init(struct sim *s, struct sim_node *n)
{
	const struct cache_cfg *c = n->sc->cfg;
	struct cache *ca = calloc(1, sizeof *ca);
	n->state = ca;
	if (!ca)
		return SIM_ENOMEM;
	ca->cfg = c;
	ca->units = n->units;
	ca->units_now = n->sc->units;
	pool_init(&ca->flights, sizeof(struct flight), 1024);
	ca->ident_base = rng_key(s->run_key, rng_hash64(n->sc->name, 1));
	if (!(ca->nd = calloc(ca->units, sizeof *ca->nd)) ||
	    !(ca->off = calloc(ca->units, 1)) ||
	    !(ca->ring = malloc(c->nring * sizeof *ca->ring)) ||
	    !(ca->rng = sim_stream(s, n, "eviction")))
		return SIM_ENOMEM;
	for (uint32_t u = 0; u < ca->units; u++) {
		ca->off[u] = u >= ca->units_now;
		if (!c->fixed && cstore_init(&ca->nd[u].st, c->capacity, (enum cstore_policy)c->eviction))
			return SIM_ENOMEM;
		if (c->mode == CM_WRITE_BEHIND)
			sim_schedule(s, s->now_ns + c->flush_interval_ns, n->id, CEV_FLUSH, NULL, u);
	}
	ca->nring = hring_filter(ca->ring, c->ring, c->nring, ca->off);
	/* a database behind it logs its writes, those that go around the
	 * cache included, for stale_hits */
	return c->fixed ? 0 : sim_watch_writes(s, c->backend);
}

static void cache_fini(struct sim *s, struct sim_node *n)
{
	struct cache *ca = n->state;
	(void)s;
	if (!ca)
		return;
	for (uint32_t u = 0; ca->nd && u < ca->units; u++) {
		if (!ca->cfg->fixed)
			cstore_fini(&ca->nd[u].st);
		free(ca->nd[u].wq);
		ks_free(&ca->nd[u].wset);
		ks_free(&ca->nd[u].rset);
		kvmap_free(&ca->nd[u].committed);
		kvmap_free(&ca->nd[u].value_at);
	}
	pool_fini(&ca->flights);
	if (ca->rng)
		gsl_rng_free(ca->rng);
	free(ca->nd), free(ca->off), free(ca->ring), free(ca);
}

static uint32_t node_of(const struct cache *ca, uint64_t key)
{
	if (ca->units == 1)
		return 0;
	return hring_lookup(ca->ring, ca->nring, keys_hash(key));
}

/* delay draws a lookup's or a set's time for req at node u. */
static int64_t delay(struct sim *s, struct sim_node *n, uint32_t u,
		     const struct request *req, const struct dist *d, int purpose)
{
	if (d->kind == DIST_CONSTANT && d->mean == 0)
		return 0;
	return sim_slowed_ns(n, u, dist_sample(d, sim_draws(s, req, (uint64_t)purpose)) * 1e9);
}

static int64_t expiry(const struct cache *ca, int64_t now)
{
	return ca->cfg->ttl_ns ? now + ca->cfg->ttl_ns : INT64_MAX;
}

/* tracking: whether unit cn notes as of when its entries' values stand:
 * once it has seen a write commit, or its backend has logged one. */
static int tracking(const struct sim *s, const struct cache *ca, const struct cnode *cn)
{
	const struct sim_wlog *w = s->nodes[ca->cfg->backend].wlog;
	return cn->writes_seen || (w && w->at.n);
}

/* fill puts key's entry at node u, its value as of value_ns (the instant
 * the backend answered, or the write's own). */
static void fill(struct sim *s, struct sim_node *n, struct cache *ca, uint32_t u,
		 uint64_t key, int64_t value_ns)
{
	if (ca->cfg->fixed || ca->off[u] || sim_unit_down(n, u))
		return;
	struct cnode *cn = &ca->nd[u];
	if (cstore_put(&cn->st, key, expiry(ca, s->now_ns), ca->rng) ||
	    (tracking(s, ca, cn) && kvmap_put(&cn->value_at, key, value_ns)))
		s->oom = 1;
}

/* stale_hit says whether a hit on key at node n's unit cn reads a value
 * older than a write to it that the unit saw commit, or than the latest
 * write its backend logged from elsewhere (a service writing to the
 * database around the cache).  An entry with no time noted was filled
 * before any write was seen, so any write is newer. */
static int stale_hit(const struct sim *s, const struct sim_node *n, const struct cache *ca,
		     const struct cnode *cn, uint64_t key)
{
	int64_t w, v;
	uint32_t by;
	if (cn->writes_seen && kvmap_get(&cn->committed, key, &w) &&
	    (!kvmap_get(&cn->value_at, key, &v) || v < w))
		return 1;
	if (sim_last_write(s, ca->cfg->backend, key, &w, &by) && by != n->id)
		return !kvmap_get(&cn->value_at, key, &v) || v < w;
	return 0;
}

static struct flight *flight_new(struct sim *s, struct cache *ca,
				 struct request *req, uint32_t u, int op)
{
	struct flight *f = pool_get(&ca->flights);
	if (!f) {
		s->oom = 1;
		return NULL;
	}
	memset(f, 0, sizeof *f);
	f->req = req;
	f->key = req ? req->key : 0;
	f->unit = u;
	f->op = (uint8_t)op;
	return f;
}

static struct flight **bucket(struct cache *ca, uint32_t u, uint64_t key)
{
	return &ca->inflight[rng_key(key, u) & (CACHE_FLIGHT_BUCKETS - 1)];
}

static void unlist(struct cache *ca, struct flight *f)
{
	struct flight **p = bucket(ca, f->unit, f->key);
	while (*p != f)
		p = &(*p)->chain;
	*p = f->chain;
	f->listed = 0;
}

static void backend_done(struct sim *s, struct sim_node *n, struct cache *ca, struct flight *f,
			 struct request *req, int status, uint32_t fail_node);

/* send_backend takes f's request to the backend: relayed, its reply
 * coming to cache_done; or, when `backend` is written as a call, by the
 * engine's calls with their policies (the request waits here, and
 * cache_calls_done hears how they ended). */
static void send_backend(struct sim *s, struct sim_node *n, struct cache *ca, struct flight *f)
{
	sim_via_push(f->req, &f->via, n->id);
	if (!ca->cfg->bplan.nsteps) {
		sim_send(s, ca->cfg->backend, f->req);
		return;
	}
	if (!sim_calls_start(s, n, f->unit, f->req, &ca->cfg->bplan)) {
		sim_via_pop(f->req);
		backend_done(s, n, ca, f, f->req, REQ_OK, n->id);
	}
}

/* to_backend relays f's request to the backend; the reply comes to done. */
static void to_backend(struct sim *s, struct sim_node *n, struct cache *ca,
		       struct flight *f)
{
	struct cstat *st = &ca->nd[f->unit].stat;
	if (f->req->write)
		st->backend_writes++;
	else
		st->backend_reads++;
	ca->win_backend++;
	send_backend(s, n, ca, f);
}

/* end finishes f's request and its waiters with status st, and frees f. */
static void end(struct sim *s, struct cache *ca, struct flight *f, int st,
		uint32_t fail_node)
{
	if (f->listed)
		unlist(ca, f);
	struct request *w = f->waiters;
	while (w) {
		struct request *next = w->next;
		w->status = (int16_t)st;
		w->fail_node = fail_node;
		sim_finish(s, w);
		w = next;
	}
	f->req->status = (int16_t)st;
	f->req->fail_node = fail_node;
	sim_finish(s, f->req);
	pool_put(&ca->flights, f);
}

/* refresh_ahead reloads key's entry at node u from the backend if it is
 * older than refresh_after and no reload of it is out: a request of the
 * cache's own, whose answer fills the entry afresh. */
static void refresh_ahead(struct sim *s, struct sim_node *n, struct cache *ca, uint32_t u,
			  uint64_t key)
{
	const struct cache_cfg *c = ca->cfg;
	struct cnode *cn = &ca->nd[u];
	int64_t exp = cstore_expiry(&cn->st, key);
	if (exp < 0 || exp - s->now_ns > c->ttl_ns - c->refresh_after_ns || ks_has(&cn->rset, key))
		return;
	if (ks_room(&cn->rset)) {
		s->oom = 1;
		return;
	}
	size_t i = ks_slot(&cn->rset, key);
	cn->rset.key[i] = key;
	cn->rset.count[i] = 1;
	cn->rset.n++;
	struct request *r = sim_request_new(s);
	struct flight *f = r ? flight_new(s, ca, r, u, F_REFRESH) : NULL;
	if (!f) {
		s->oom = 1;
		return;
	}
	r->key = key;
	r->keyed = 1;
	r->ident = rng_key(ca->ident_base, ca->nown++);
	f->key = key;
	if (s->measuring)
		cn->stat.refreshes++;
	to_backend(s, n, ca, f);
}

static void cache_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct cache *ca = n->state;
	const struct cache_cfg *c = ca->cfg;
	uint32_t u = node_of(ca, req->key);
	struct cnode *cn = &ca->nd[u];
	int measuring = s->measuring;
	struct flight *f = flight_new(s, ca, req, u, req->write ? F_WRITE : F_READ);
	if (!f)
		return;
	if (sim_unit_down(n, u)) {
		/* the node does not answer: straight to the backend */
		if (measuring) {
			cn->stat.unreachable++;
			if (!req->write)
				cn->stat.misses++;
		}
		if (!req->write)
			ca->win_misses++;
		f->nofill = 1;
		to_backend(s, n, ca, f);
		return;
	}
	if (req->write) {
		if (c->mode == CM_WRITE_BEHIND) {
			f->op = F_BEHIND;
			sim_schedule(s, s->now_ns + delay(s, n, u, req, &c->hit, CACHE_DRAW_LOOKUP),
				     n->id, CEV_LOOKUP, f, 0);
		} else {
			to_backend(s, n, ca, f);
		}
		return;
	}
	int hit;
	if (c->fixed)
		hit = rng_uniform_pos(sim_draws(s, req, CACHE_DRAW_HIT)) < c->hit_ratio;
	else
		hit = cstore_get(&cn->st, req->key, s->now_ns,
				 c->ttl_mode == TTL_AFTER_ACCESS ? c->ttl_ns : 0);
	if (hit && c->ttl_mode == TTL_REFRESH_AHEAD && !c->fixed)
		refresh_ahead(s, n, ca, u, req->key);
	f->hit = (uint8_t)hit;
	if (measuring) {
		if (hit)
			cn->stat.hits++;
		else
			cn->stat.misses++;
		if (hit && stale_hit(s, n, ca, cn, req->key))
			cn->stat.stale_hits++;
	}
	if (hit)
		ca->win_hits++;
	else
		ca->win_misses++;
	sim_schedule(s, s->now_ns + delay(s, n, u, req, hit ? &c->hit : &c->miss,
					  CACHE_DRAW_LOOKUP),
		     n->id, CEV_LOOKUP, f, 0);
}


/* lookup_over: the lookup's time has passed. */
static void lookup_over(struct sim *s, struct sim_node *n, struct cache *ca,
			struct flight *f)
{
	const struct cache_cfg *c = ca->cfg;
	if (sim_unit_down(n, f->unit)) {
		end(s, ca, f, REQ_CRASHED, n->id);
		return;
	}
	if (f->op == F_BEHIND && ca->off[f->unit]) {
		/* its node was removed during the lookup: write it through */
		f->op = F_WRITE;
		to_backend(s, n, ca, f);
		return;
	}
	if (f->op == F_BEHIND) {
		struct cnode *cn = &ca->nd[f->unit];
		fill(s, n, ca, f->unit, f->key, s->now_ns);
		cn->wq_writes++;
		if (c->write_coalescing) {
			if (ks_room(&cn->wset)) {
				s->oom = 1;
				return;
			}
			size_t i = ks_slot(&cn->wset, f->key);
			if (cn->wset.count[i]) {
				/* merged into the write queued for its key */
				cn->wset.count[i]++;
				if (s->measuring)
					cn->stat.writes_coalesced++;
				end(s, ca, f, REQ_OK, n->id);
				return;
			}
			cn->wset.key[i] = f->key;
			cn->wset.count[i] = 1;
			cn->wset.n++;
		}
		if (cn->wq_len == cn->wq_cap) {
			size_t cap = cn->wq_cap ? 2 * cn->wq_cap : 64;
			uint64_t *q = malloc(cap * sizeof *q);
			if (!q) {
				s->oom = 1;
				return;
			}
			for (size_t i = 0; i < cn->wq_len; i++)
				q[i] = cn->wq[(cn->wq_head + i) % cn->wq_cap];
			free(cn->wq);
			cn->wq = q, cn->wq_cap = cap, cn->wq_head = 0;
		}
		cn->wq[(cn->wq_head + cn->wq_len++) % cn->wq_cap] = f->key;
		end(s, ca, f, REQ_OK, n->id);
		return;
	}
	if (f->hit) {
		end(s, ca, f, REQ_OK, n->id);
		return;
	}
	if (c->coalesce) {
		struct flight **b = bucket(ca, f->unit, f->key);
		for (struct flight *g = *b; g; g = g->chain)
			if (g->key == f->key && g->unit == f->unit) {
				f->req->next = g->waiters;
				g->waiters = f->req;
				if (s->measuring)
					ca->nd[f->unit].stat.coalesced++;
				pool_put(&ca->flights, f);
				return;
			}
		f->chain = *b;
		*b = f;
		f->listed = 1;
	}
	to_backend(s, n, ca, f);
}

/* flush sends up to flush_batch of node u's queued writes. */
static void flush(struct sim *s, struct sim_node *n, struct cache *ca, uint32_t u)
{
	struct cnode *cn = &ca->nd[u];
	for (uint32_t k = 0; k < ca->cfg->flush_batch && cn->wq_len; k++) {
		struct request *r = sim_request_new(s);
		struct flight *f = r ? flight_new(s, ca, r, u, F_FLUSH) : NULL;
		if (!f) {
			s->oom = 1;
			return;
		}
		r->key = cn->wq[cn->wq_head];
		r->keyed = 1;
		f->key = r->key;
		f->nwrites = ca->cfg->write_coalescing ? ks_take(&cn->wset, f->key) : 1;
		cn->wq_writes -= f->nwrites;
		cn->wq_head = (cn->wq_head + 1) % cn->wq_cap;
		cn->wq_len--;
		r->write = 1;
		r->ident = rng_key(ca->ident_base, ca->nown++);
		if (s->measuring)
			cn->stat.backend_writes++;
		ca->win_backend++;
		send_backend(s, n, ca, f);
	}
}

static void cache_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct cache *ca = n->state;
	struct flight *f = ev->obj;
	switch (ev->kind) {
	case CEV_LOOKUP:
		lookup_over(s, n, ca, f);
		break;
	case CEV_SET:
		/* the caller's set or delete is over */
		if (f->op == F_READ && !sim_unit_down(n, f->unit) && !f->nofill)
			fill(s, n, ca, f->unit, f->key, f->value_ns);
		else if (f->op == F_WRITE && ca->cfg->mode == CM_WRITE_THROUGH)
			fill(s, n, ca, f->unit, f->key, f->value_ns);
		else if (f->op == F_WRITE && !ca->cfg->fixed)
			cstore_del(&ca->nd[f->unit].st, f->key);
		end(s, ca, f, REQ_OK, n->id);
		break;
	case CEV_FLUSH: {
		uint32_t u = (uint32_t)ev->arg;
		flush(s, n, ca, u);
		sim_schedule(s, s->now_ns + ca->cfg->flush_interval_ns, n->id, CEV_FLUSH, NULL, u);
		break;
	}
	}
}

static void cache_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct flight *f = (struct flight *)sim_via_pop(req);
	backend_done(s, n, n->state, f, req, req->status, req->fail_node);
}

/* cache_calls_done: the calls to a backend written as a call are over. */
static void cache_calls_done(struct sim *s, struct sim_node *n, struct request *req, int status)
{
	struct flight *f = (struct flight *)sim_via_pop(req);
	backend_done(s, n, n->state, f, req, status, req->fail_node);
}

static int cache_makes_calls(const void *cfg)
{
	return ((const struct cache_cfg *)cfg)->bplan.nsteps > 0;
}

/* backend_done: f's request is back from the backend with status (at
 * fail_node when it failed). */
static void backend_done(struct sim *s, struct sim_node *n, struct cache *ca, struct flight *f,
			 struct request *req, int status, uint32_t fail_node)
{
	const struct cache_cfg *c = ca->cfg;
	if (f->op == F_REFRESH) {
		/* a reload: the entry afresh, unless it failed or the node
		 * went down meanwhile */
		ks_take(&ca->nd[f->unit].rset, f->key);
		if (status == REQ_OK)
			fill(s, n, ca, f->unit, f->key, s->now_ns);
		sim_request_free(s, req);
		pool_put(&ca->flights, f);
		return;
	}
	if (f->op == F_FLUSH) {
		/* a queued write the backend failed is lost too */
		if (status != REQ_OK && s->measuring)
			ca->nd[f->unit].stat.lost_writes += f->nwrites;
		sim_request_free(s, req);
		pool_put(&ca->flights, f);
		return;
	}
	if (status != REQ_OK) {
		end(s, ca, f, status, fail_node);
		return;
	}
	int down = sim_unit_down(n, f->unit) || f->nofill;
	f->value_ns = s->now_ns;
	if (f->op == F_WRITE) {
		/* a write the node saw commit: entries older are stale */
		struct cnode *cn = &ca->nd[f->unit];
		cn->writes_seen = 1;
		if (kvmap_put(&cn->committed, f->key, s->now_ns))
			s->oom = 1;
	}
	if (f->listed)
		unlist(ca, f);
	int round_trip = f->op == F_READ ? c->mode == CM_ASIDE
					 : c->mode == CM_ASIDE || c->mode == CM_WRITE_THROUGH;
	if (round_trip && !down) {
		/* the set, update or delete after the backend's reply */
		sim_schedule(s, s->now_ns + delay(s, n, f->unit, req, &c->hit, CACHE_DRAW_SET),
			     n->id, CEV_SET, f, 0);
		return;
	}
	if (!down) {
		if (f->op == F_READ)
			fill(s, n, ca, f->unit, f->key, s->now_ns);
		else if (!c->fixed)
			cstore_del(&ca->nd[f->unit].st, f->key);
	}
	end(s, ca, f, REQ_OK, n->id);
}

/* drop empties node u: its entries, and its queued writes (lost). */
static void drop(struct sim *s, struct cache *ca, uint32_t u, int lose)
{
	struct cnode *cn = &ca->nd[u];
	if (!ca->cfg->fixed)
		cstore_clear(&cn->st);
	if (lose) {
		if (s->measuring)
			cn->stat.lost_writes += cn->wq_writes;
		cn->wq_len = 0;
		cn->wq_writes = 0;
		ks_clear(&cn->wset);
	}
}

static void cache_crash(struct sim *s, struct sim_node *n, uint32_t u)
{
	drop(s, n->state, u, 1);
}

static uint32_t ring_place(const void *ctx, uint64_t h)
{
	const struct cache *ca = ctx;
	return hring_lookup(ca->ring, ca->nring, h);
}

static void cache_scale(struct sim *s, struct sim_node *n, uint32_t units)
{
	struct cache *ca = n->state;
	uint32_t *before = NULL;
	if (ca->nring && !(before = hring_snapshot(ring_place, ca))) {
		s->oom = 1;
		return;
	}
	for (uint32_t u = 0; u < ca->units; u++) {
		uint8_t off = u >= units;
		if (off && !ca->off[u])
			drop(s, ca, u, 1);
		ca->off[u] = off;
	}
	ca->units_now = units;
	ca->nring = hring_filter(ca->ring, ca->cfg->ring, ca->cfg->nring, ca->off);
	if (before && ca->nring && s->measuring) {
		ca->moved_sum += hring_moved(before, ring_place, ca);
		ca->moved_n++;
	}
	free(before);
}

/* `do: flush`: the kind's own timeline action. */
static const struct tl_action_def cache_flush = {
	.name = "flush", .flags = TLA_INSTANT, .engine = TL_KIND,
	.doc = "a cache (or one of its nodes) drops every entry at once; queued write-behind writes are still written",
};

static const struct tl_action_def *const cache_actions[] = { &cache_flush, NULL };

static void cache_action(struct sim *s, struct sim_node *n, const struct tl_entry *t,
			 int start)
{
	struct cache *ca = n->state;
	if (t->def != &cache_flush || !start)
		return;
	for (uint32_t u = 0; u < ca->units; u++)
		if (t->unit == SIM_ANY || t->unit == u)
			drop(s, ca, u, 0);
}

static void cache_warmup_end(struct sim *s, struct sim_node *n)
{
	struct cache *ca = n->state;
	for (uint32_t u = 0; u < ca->units; u++) {
		struct cnode *cn = &ca->nd[u];
		memset(&cn->stat, 0, sizeof cn->stat);
		cn->ev0 = cn->st.evictions;
		cn->ex0 = cn->st.expirations;
	}
	ca->moved_sum = 0;
	ca->moved_n = 0;
	(void)s;
}

static void row_write(double *v, const struct cstat *st, double entries)
{
	v[0] = (double)st->hits;
	v[2] = (double)st->misses;
	v[4] = (double)st->hits;
	v[5] = (double)(st->hits + st->misses);
	v[6] = (double)st->evictions;
	v[8] = (double)st->expirations;
	v[10] = entries;
	v[12] = (double)st->backend_reads;
	v[14] = (double)st->backend_writes;
	v[16] = (double)st->lost_writes;
	v[18] = (double)st->coalesced;
	v[20] = (double)st->unreachable;
	v[22] = NAN;
	v[24] = (double)st->writes_coalesced;
	v[26] = (double)st->refreshes;
	v[28] = (double)st->stale_hits;
}

static void cache_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct cache *ca = n->state;
	struct cstat sum = { 0 };
	double entries = 0;
	(void)s;
	for (uint32_t u = 0; u < ca->units; u++) {
		struct cnode *cn = &ca->nd[u];
		if (!ca->cfg->fixed) {
			cn->stat.evictions = cn->st.evictions - cn->ev0;
			cn->stat.expirations = cn->st.expirations - cn->ex0;
		}
		const struct cstat *st = &cn->stat;
		sum.hits += st->hits, sum.misses += st->misses;
		sum.evictions += st->evictions, sum.expirations += st->expirations;
		sum.backend_reads += st->backend_reads, sum.backend_writes += st->backend_writes;
		sum.lost_writes += st->lost_writes, sum.coalesced += st->coalesced;
		sum.unreachable += st->unreachable;
		sum.writes_coalesced += st->writes_coalesced;
		sum.refreshes += st->refreshes;
		sum.stale_hits += st->stale_hits;
		double e = ca->cfg->fixed ? NAN : (double)cn->st.count;
		entries += e;
		if (o->nrows > 1)
			row_write(node_row(o, 1 + u), st, e);
	}
	double *v = node_row(o, 0);
	row_write(v, &sum, entries);
	v[22] = ca->moved_n ? ca->moved_sum / (double)ca->moved_n : NAN;
}

static void cache_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct cache *ca = n->state;
	uint64_t looked = ca->win_hits + ca->win_misses;
	double dt = (double)(s->now_ns - ca->ts_prev_ns) * 1e-9;
	out[0] = looked ? (double)ca->win_hits / (double)looked : NAN;
	out[1] = dt > 0 ? (double)ca->win_backend / dt : NAN;
	ca->win_hits = ca->win_misses = ca->win_backend = 0;
	ca->ts_prev_ns = s->now_ns;
}

static double cache_calls(const void *cfg, size_t i, uint32_t *to)
{
	const struct cache_cfg *c = cfg;
	if (i > 0)
		return -1;
	*to = c->backend;
	/* the share of requests that reach the backend, for the steady-state
	 * check's flows: known with a fixed hit ratio; otherwise the hit
	 * ratio is what the run finds, so the check assumes almost none (it
	 * never warns of an overload behind a cache it cannot predict).  The
	 * edge stays above 0 for the call-cycle check. */
	return c->fixed ? 1 - c->hit_ratio + 1e-12 : 1e-12;
}

static uint32_t cache_units(const void *cfg)
{
	return ((const struct cache_cfg *)cfg)->nodes;
}

static const struct col_def cache_cols[] = {
	{ "hits", COL_SUM, "cache: reads that found a live entry" },
	{ "misses", COL_SUM, "cache: reads that did not (unreachable ones included)" },
	{ "hit_ratio", COL_RATIO, "cache: hits / (hits + misses)" },
	{ "evictions", COL_SUM, "cache: entries dropped to make room" },
	{ "expirations", COL_SUM, "cache: entries found expired by a lookup" },
	{ "entries", COL_MEAN, "cache: entries held at the end of the run" },
	{ "backend_reads", COL_SUM, "cache: reads sent to the backend (misses, less coalesced ones)" },
	{ "backend_writes", COL_SUM, "cache: writes sent to the backend (write_behind: by its flushes)" },
	{ "lost_writes", COL_SUM, "cache: write_behind writes still queued when their node crashed or was removed, or failed by the backend when flushed" },
	{ "coalesced", COL_SUM, "cache: misses that waited for another miss's backend read (coalesce)" },
	{ "unreachable", COL_SUM, "cache: requests whose node was down, sent straight to the backend" },
	{ "keys_moved_share", COL_MEAN,
	  "cache: share of the key space that changed node when nodes were added or removed, averaged over the changes" },
	{ "writes_coalesced", COL_SUM,
	  "cache: write_behind writes merged into one already queued for their key (write_coalescing)" },
	{ "refreshes", COL_SUM,
	  "cache: reloads of entries by refresh_ahead (counted in backend_reads too)" },
	{ "stale_hits", COL_SUM,
	  "cache: hits that read a value older than a write to their key that committed through this cache (cache-aside's window before the invalidation lands, and its race: a miss's late set of a value read before the write), or, with the database or shards node itself as the backend, that another node wrote there around the cache (stale until the TTL ends the entry)" },
	{ NULL, 0, NULL },
};

static const struct col_def cache_ts_cols[] = {
	{ "hit_ratio", COL_MEAN, "cache: hits / lookups in the window" },
	{ "backend_per_s", COL_MEAN, "cache: requests sent to the backend per second" },
	{ NULL, 0, NULL },
};

const struct model_ops cache_ops = {
	.kind = "cache",
	.summary = "a key-value cache before a backend: cache-aside, read/write-through, write-behind; LRU, LFU, FIFO, random; TTL; nodes on a hash ring",
	.params = &cache_table,
	.units = cache_units,
	.link = cache_link,
	.init = cache_init,
	.arrive = cache_arrive,
	.done = cache_done,
	.calls_done = cache_calls_done,
	.makes_calls = cache_makes_calls,
	.event = cache_event,
	.crash = cache_crash,
	.scale = cache_scale,
	.action = cache_action,
	.actions = cache_actions,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SCALE) |
		  SIM_FAULT(TL_SLOW) | SIM_FAULT(TL_LATENCY),
	.warmup_end = cache_warmup_end,
	.finish = cache_finish,
	.cols = cache_cols,
	.sample = cache_sample,
	.ts_cols = cache_ts_cols,
	.fini = cache_fini,
	.calls = cache_calls,
};
