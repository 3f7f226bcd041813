/*
 * shards.c - the shards kind; see shards.h.
 */
#include "models/shards.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "models/database.h"
#include "models/rsplit.h"
#include "sim/timeline.h"
#include "sim/hashring.h"
#include "sim/keys.h"
#include "sim/rng.h"

#define SH_MAX_SHARDS 4096
#define SH_MAX_VNODES 10000

enum { ST_HASH, ST_RING, ST_JUMP, ST_RANGE };
enum { SH_EV_MIGRATE = 16 };        /* above the databases' own kinds */
#define SH_MAX_MIGRATE_KEYS 100000000
#define SH_MAX_RANGES (1u << 20)      /* ranges a node's splits may make */
#define SH_DRAW_SPLIT SIM_DRAW_KIND_BASE

static const char *const strategy_names[] = { "hash", "ring", "jump", "range", NULL };
static const char *const key_order_names[] = { "scrambled", "ordered", NULL };
enum { KO_SCRAMBLED, KO_ORDERED };

struct mig_cfg {
	int on;
	uint64_t keys;
	double rate_per_s;
};

struct split_cfg {
	int on;
	double qps;                  /* load_qps_threshold */
	int64_t record_ns;           /* record_duration */
};

struct shards_cfg {
	unsigned strategy;
	struct mig_cfg mig;
	struct split_cfg split;
	uint32_t shards, virtual_nodes;
	uint64_t *ranges;
	size_t nranges;
	unsigned key_order;          /* KO_*: a key's place among the ranges */
	uint64_t key_space;          /* scrambled: keys 0 .. key_space - 1 */
	uint64_t perm_seed;          /* from link: the node's own order */
	struct db_cfg shard;
	/* from link */
	struct hring_pt *ring;
	size_t nring;
};

static int sh_validate(struct check_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	struct shards_cfg *c = obj;
	char w[256];
	const struct yt_node *rn = yt_get(map, "ranges");
	snprintf(w, sizeof w, "%s.ranges", what);
	if (c->strategy == ST_RANGE) {
		if (!rn)
			return check_fail(ctx, map, what, "strategy range needs ranges: the first key of each shard, from 0");
		if (c->nranges != c->shards)
			return check_fail(ctx, rn, w, "%zu ranges for %u shards: give each shard's first key",
				       c->nranges, c->shards);
		if (c->ranges[0] != 0)
			return check_fail(ctx, rn, w, "the first shard must start at key 0");
		for (size_t i = 1; i < c->nranges; i++)
			if (c->ranges[i] <= c->ranges[i - 1])
				return check_fail(ctx, rn->items[i], w, "must increase");
		if (c->key_order == KO_SCRAMBLED && !c->key_space)
			return check_fail(ctx, map, what,
					  "strategy range with scrambled keys places a key by its place in a shuffled key space: give key_space (the keys' n), or key_order: ordered if a key's number is its place");
		if (c->key_order == KO_SCRAMBLED && c->key_space <= c->ranges[c->nranges - 1]) {
			snprintf(w, sizeof w, "%s.key_space", what);
			return check_fail(ctx, yt_get(map, "key_space"), w,
					  "must be above the last range's first key (%llu)",
					  (unsigned long long)c->ranges[c->nranges - 1]);
		}
	} else if (rn) {
		return check_fail(ctx, rn, w, "applies to strategy range only");
	} else if (c->split.on) {
		snprintf(w, sizeof w, "%s.split", what);
		return check_fail(ctx, yt_get(map, "split"), w, "applies to strategy range only");
	}
	return 0;
}

static const struct param mig_params[] = {
	{ .name = "keys", .type = PARAM_UINT, PARAM_FIELD(struct mig_cfg, keys),
	  .umin = 1, .umax = SH_MAX_MIGRATE_KEYS, .flags = PARAM_REQUIRED,
	  .doc = "the keys stored, 0 to keys - 1: those whose shard changes are copied" },
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct mig_cfg, rate_per_s),
	  .flags = PARAM_REQUIRED, .doc = "keys copied per second" },
	{ 0 }
};

static const struct param_table mig_table = {
	.params = mig_params, .size = sizeof(struct mig_cfg), .validate = param_mark_given,
};

static const struct param split_params[] = {
	{ .name = "load_qps_threshold", .type = PARAM_RATE, PARAM_FIELD(struct split_cfg, qps),
	  .def = "2500/s",
	  .doc = "a range whose requests per second (measured over windows of a second or more) reach this starts looking for a split key (CockroachDB's kv.range_split.load_qps_threshold)" },
	{ .name = "record_duration", .type = PARAM_DURATION, PARAM_FIELD(struct split_cfg, record_ns),
	  .min_ns = 0, .def = "10s",
	  .doc = "how long the split finder samples the range's keys before it may offer a key (CockroachDB's RecordDurationThreshold)" },
	{ 0 }
};

static const struct param_table split_table = {
	.params = split_params, .size = sizeof(struct split_cfg), .validate = param_mark_given,
};

static void sh_cfg_fini(void *obj)
{
	free(((struct shards_cfg *)obj)->ring);
}

static const struct param range_elem = {
	.type = PARAM_UINT, .size = sizeof(uint64_t), .umin = 0, .umax = UINT64_MAX,
};

static const struct param sh_params[] = {
	{ .name = "strategy", .type = PARAM_ENUM, PARAM_FIELD(struct shards_cfg, strategy),
	  .names = strategy_names, .def = "hash",
	  .doc = "how a key finds its shard: hash (modulo), ring (virtual nodes), jump (Jump hash), range" },
	{ .name = "shards", .type = PARAM_UINT, PARAM_FIELD(struct shards_cfg, shards),
	  .umin = 1, .umax = SH_MAX_SHARDS, .flags = PARAM_REQUIRED, .doc = "shards at the start" },
	{ .name = "virtual_nodes", .type = PARAM_UINT, PARAM_FIELD(struct shards_cfg, virtual_nodes),
	  .umin = 1, .umax = SH_MAX_VNODES, .def = "160", .doc = "ring: points per shard" },
	{ .name = "ranges", .type = PARAM_LIST, PARAM_FIELD(struct shards_cfg, ranges),
	  PARAM_COUNT(struct shards_cfg, nranges), .elem = &range_elem,
	  .elem_size = sizeof(uint64_t), .min_len = 1, .max_len = SH_MAX_SHARDS,
	  .item = "ranges", .shape = "[0, 1000, 2000]",
	  .doc = "range: the first key of each shard, increasing from 0" },
	{ .name = "key_order", .type = PARAM_ENUM, PARAM_FIELD(struct shards_cfg, key_order),
	  .names = key_order_names, .def = "scrambled",
	  .doc = "range: scrambled places a key at its place in a fixed shuffle of the key space, as real keys (user ids, UUIDs, hashed prefixes) bear no relation to their popularity, where a workload's keys are numbered by popularity rank; ordered places key k at k (sequential ids, time series)" },
	{ .name = "key_space", .type = PARAM_UINT, PARAM_FIELD(struct shards_cfg, key_space),
	  .umin = 1, .umax = UINT64_MAX, .def_doc = "none",
	  .doc = "range: the keys' n, the key space shuffled (required with scrambled keys) and split evenly at a reshard (required to reshard; ordered keys at or above it fall in the last range)" },
	{ .name = "split", .type = PARAM_MAP, PARAM_FIELD(struct shards_cfg, split),
	  .sub = &split_table, .shape = "{load_qps_threshold: 2500/s}", .def_doc = "none",
	  .doc = "range: split a range under load as CockroachDB does: a range at load_qps_threshold or more samples 20 of its keys for record_duration, then splits at the sampled key nearest the median of the requests counted at it, if between 3/8 and 5/8 of them are above it; the upper half moves to the shard with the least load when that evens the load (range_splits)" },
	{ .name = "migrate", .type = PARAM_MAP, PARAM_FIELD(struct shards_cfg, mig),
	  .sub = &mig_table, .shape = "{keys: 1000000, rate: 2000/s}", .def_doc = "none",
	  .doc = "at a reshard, copy each key whose shard changed: a read at its old shard, then a write at its new one, `rate` keys per second, beside the users' requests (which reach the new shard at once)" },
	{ .name = "shard", .type = PARAM_MAP, PARAM_FIELD(struct shards_cfg, shard),
	  .sub = &db_table, .flags = PARAM_REQUIRED,
	  .shape = "{primary: {workers: 8, service: {dist: exponential, mean: 5ms}}}",
	  .doc = "each shard: a database's keys (see database)" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table sh_table = {
	.params = sh_params,
	.size = sizeof(struct shards_cfg),
	.doc = "Keys partitioned over databases, one per shard, by hash, ring, Jump hash or ranges.",
	.validate = sh_validate,
	.fini = sh_cfg_fini,
};

static int sh_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	struct shards_cfg *c = self->cfg;
	int rc = db_check_failover(ctx, sc, self, &c->shard);
	if (rc)
		return rc;
	c->perm_seed = rng_hash64(self->name, 0);
	int resharded = 0;
	for (size_t i = 0; i < sc->ntimeline; i++)
		resharded |= sc->timeline[i].action == TL_SCALE &&
			     &sc->nodes[sc->timeline[i].node] == self;
	if (c->strategy == ST_RANGE && resharded && !c->key_space) {
		char what[160];
		snprintf(what, sizeof what, "nodes.%s.strategy", self->name);
		return check_fail(ctx, yt_get(self->src, "strategy"), what,
			       "range shards are resharded by splitting [0, key_space) evenly: give key_space");
	}
	if (c->strategy == ST_RANGE && resharded && c->key_space < self->max_units) {
		char what[160];
		snprintf(what, sizeof what, "nodes.%s.key_space", self->name);
		return check_fail(ctx, yt_get(self->src, "key_space"), what,
			       "must be at least the most shards a reshard gives (%u), one place a shard",
			       self->max_units);
	}
	if (c->strategy == ST_RING &&
	    hring_build_named(&c->ring, &c->nring, self->name, self->max_units, c->virtual_nodes))
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	return 0;
}

/* ---- run state -------------------------------------------------------- */

struct shards {
	const struct shards_cfg *cfg;
	uint32_t units, units_now;
	struct db **db;                /* [units] */
	struct hring_pt *ring;         /* ring: the shards in use */
	size_t nring;
	uint8_t *off;
	double *tmp;
	double *even;                  /* [units] requests owed, split evenly
					* over the shards in use (even_flush) */
	uint64_t even_mark;            /* requests when last split */
	uint64_t *ranges;              /* range: each range's first place now */
	uint32_t *rshard;              /* range: the shard holding each range */
	struct rs_range *rs;           /* split: each range's decider */
	size_t nranges, rcap;
	uint64_t splits;               /* split: ranges split, in the measured time */
	double moved_sum;
	uint64_t moved_n;
	double ts_prev_busy, ts_prev_ns;
	/* migration: keys to copy and the shard each leaves */
	uint64_t *mkey;
	uint32_t *mfrom, *old;         /* [..]; old: [mig.keys] scratch */
	size_t mhead, mlen, mcap;
	uint64_t ident_base, nown, migrated;
	int64_t gap_ns;
	int pending;                   /* a migrate event is queued */
};

/* key_place: a key's place in the ranges' space */
static uint64_t key_place(const struct shards_cfg *c, uint64_t key)
{
	return c->key_order == KO_SCRAMBLED ? keys_permute(key, c->key_space, c->perm_seed) : key;
}

/* range_of: the range holding a place */
static size_t range_of(const struct shards *sh, uint64_t place)
{
	size_t lo = 0, hi = sh->nranges;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (sh->ranges[mid] <= place)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static uint32_t place(const struct shards *sh, uint64_t h, uint64_t key)
{
	const struct shards_cfg *c = sh->cfg;
	switch (c->strategy) {
	case ST_HASH: return (uint32_t)(h % sh->units_now);
	case ST_RING: return hring_lookup(sh->ring, sh->nring, h);
	case ST_JUMP: return hring_jump(h, sh->units_now);
	default:
		return sh->rshard[range_of(sh, key_place(c, key))];
	}
}

/* the ranges as at the start, or split evenly after a reshard: range i on
 * shard i, no decider running */
static void ranges_reset(struct shards *sh, const uint64_t *first, uint32_t n)
{
	memmove(sh->ranges, first, n * sizeof *sh->ranges);
	sh->nranges = n;
	for (uint32_t i = 0; i < n; i++) {
		sh->rshard[i] = i;
		if (sh->rs)
			rs_reset(&sh->rs[i]);
	}
}

/* ranges_grow makes room for cap ranges; 0, or SIM_ENOMEM */
static int ranges_grow(struct shards *sh, size_t cap)
{
	uint64_t *r = realloc(sh->ranges, cap * sizeof *r);
	if (r)
		sh->ranges = r;
	uint32_t *u = realloc(sh->rshard, cap * sizeof *u);
	if (u)
		sh->rshard = u;
	if (!r || !u)
		return SIM_ENOMEM;
	if (sh->cfg->split.on) {
		struct rs_range *d = realloc(sh->rs, cap * sizeof *d);
		if (!d)
			return SIM_ENOMEM;
		sh->rs = d;
	}
	sh->rcap = cap;
	return 0;
}

static int sh_init(struct sim *s, struct sim_node *n)
{
	const struct shards_cfg *c = n->sc->cfg;
	struct shards *sh = calloc(1, sizeof *sh);
	n->state = sh;
	if (!sh)
		return SIM_ENOMEM;
	sh->cfg = c;
	sh->units = n->units;
	sh->units_now = n->sc->units;
	if (!(sh->db = calloc(sh->units, sizeof *sh->db)) ||
	    !(sh->off = calloc(sh->units, 1)) ||
	    (c->strategy == ST_RANGE && ranges_grow(sh, sh->units)) ||
	    !(sh->tmp = malloc(sh->units * sizeof *sh->tmp)) ||
	    !(sh->even = calloc(sh->units, sizeof *sh->even)) ||
	    (c->nring && !(sh->ring = malloc(c->nring * sizeof *sh->ring))))
		return SIM_ENOMEM;
	for (uint32_t u = 0; u < sh->units; u++) {
		int rc = db_open(s, n, &c->shard, u, u, &sh->db[u]);
		if (rc)
			return rc;
		sh->off[u] = u >= sh->units_now;
	}
	if (c->nring)
		sh->nring = hring_filter(sh->ring, c->ring, c->nring, sh->off);
	if (c->strategy == ST_RANGE)
		ranges_reset(sh, c->ranges, (uint32_t)c->nranges);
	sh->ident_base = rng_key(s->run_key, rng_hash64(n->sc->name, 2));
	if (c->mig.on) {
		sh->gap_ns = (int64_t)(1e9 / c->mig.rate_per_s + 0.5);
		if (sh->gap_ns < 1)
			sh->gap_ns = 1;
	}
	return 0;
}

static void sh_fini(struct sim *s, struct sim_node *n)
{
	struct shards *sh = n->state;
	(void)s;
	if (!sh)
		return;
	for (uint32_t u = 0; sh->db && u < sh->units; u++)
		db_close(sh->db[u]);
	free(sh->mkey), free(sh->mfrom), free(sh->old);
	free(sh->db), free(sh->off), free(sh->tmp), free(sh->even), free(sh->ring), free(sh->ranges), free(sh->rshard);
	free(sh->rs), free(sh);
}

static void split_range(struct sim *s, struct sim_node *n, struct shards *sh, size_t i,
			uint64_t at, double right);

/* A request for a range under `split` is counted by the range's decider,
 * and goes to the range's shard as it stood when it came. */
static void sh_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct shards *sh = n->state;
	const struct shards_cfg *c = sh->cfg;
	if (!c->split.on) {
		db_arrive(s, n, sh->db[place(sh, keys_hash(req->key), req->key)], req);
		return;
	}
	uint64_t where = key_place(c, req->key), at;
	size_t i = range_of(sh, where);
	uint32_t u = sh->rshard[i];
	double right;
	if (rs_record(&sh->rs[i], s->now_ns, where, c->split.qps, c->split.record_ns,
		      sim_draws(s, req, SH_DRAW_SPLIT), &at, &right) &&
	    at > sh->ranges[i])
		split_range(s, n, sh, i, at, right);
	db_arrive(s, n, sh->db[u], req);
}

/* migrate_one sends the next queued key's read to the shard it leaves. */
static void migrate_one(struct sim *s, struct sim_node *n, struct shards *sh)
{
	struct request *r = sim_request_new(s);
	if (!r) {
		s->oom = 1;
		return;
	}
	r->key = sh->mkey[sh->mhead];
	r->keyed = 1;
	uint32_t from = sh->mfrom[sh->mhead];
	sh->mhead = (sh->mhead + 1) % sh->mcap;
	sh->mlen--;
	r->ident = rng_key(sh->ident_base, sh->nown++);
	r->reply_to = n->id;
	r->user = 0;
	db_arrive(s, n, sh->db[from], r);
}

static void sh_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct shards *sh = n->state;
	if (ev->kind == SH_EV_MIGRATE) {
		migrate_one(s, n, sh);
		sh->pending = sh->mlen > 0;
		if (sh->pending)
			sim_schedule(s, s->now_ns + sh->gap_ns, n->id, SH_EV_MIGRATE, NULL, 0);
		return;
	}
	db_event(s, n, sh->db[db_shard_of(ev)], ev);
}

/* sh_done: a migration's read (hop 0) came back: write the key at its
 * shard now; its write (hop 1): the key is copied. */
static void sh_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct shards *sh = n->state;
	if (req->status == REQ_OK && req->hop == 0) {
		req->hop = 1;
		req->write = 1;
		db_arrive(s, n, sh->db[place(sh, keys_hash(req->key), req->key)], req);
		return;
	}
	if (req->status == REQ_OK && s->measuring)
		sh->migrated++;
	sim_request_free(s, req);
}

static void sh_crash(struct sim *s, struct sim_node *n, uint32_t u)
{
	struct shards *sh = n->state;
	db_crash(s, n, sh->db[u], SIM_ANY);
}

static void sh_recover(struct sim *s, struct sim_node *n, uint32_t u)
{
	struct shards *sh = n->state;
	db_recover(s, n, sh->db[u], SIM_ANY);
}

/* `do: reshard`: the engine's scale, under the shards' own word. */
static void label_reshard(char *buf, size_t len, const char *target, const struct tl_entry *t,
			  const char *text)
{
	snprintf(buf, len, "%s reshard to %u", target, t->replicas);
}

static const struct param shards_key = {
	.name = "shards", .type = PARAM_UINT, PARAM_FIELD(struct tl_entry, replicas),
	.umin = 1, .umax = TL_MAX_REPLICAS, .flags = PARAM_REQUIRED,
	.doc = "shards from now on",
};

static const struct tl_action_def sh_reshard = {
	.name = "reshard", .flags = TLA_WHOLE, .engine = TL_SCALE, .value = &shards_key,
	.label = label_reshard,
	.doc = "a shards node spreads its keys over `shards` shards from now on: `scale` under the shards' name (whole nodes only)",
};

/* a shard's database takes the database's actions, and shards reshard */
static const struct tl_action_def *const sh_actions[] = { &db_lag, &db_failover, &sh_reshard,
							  NULL };

static void sh_action(struct sim *s, struct sim_node *n, const struct tl_entry *t,
		      int start)
{
	struct shards *sh = n->state;
	for (uint32_t u = 0; u < sh->units; u++)
		if (t->unit == SIM_ANY || t->unit == u)
			db_action(s, n, sh->db[u], t, start);
}

static void queue_moves(struct sim *s, struct sim_node *n, struct shards *sh);

/* probe_place: where a probe hash goes; under range, the probe stands for
 * the key h mod key_space, a key drawn uniformly. */
static uint32_t probe_place(const void *ctx, uint64_t h)
{
	const struct shards *sh = ctx;
	return place(sh, h, sh->cfg->key_space ? h % sh->cfg->key_space : 0);
}

/* keep_old notes each stored key's shard before a change of placement,
 * for migrate; 0, or -1 when memory ran out. */
static int keep_old(struct sim *s, struct shards *sh)
{
	const struct mig_cfg *m = &sh->cfg->mig;
	if (!m->on)
		return 0;
	if (!sh->old && !(sh->old = malloc(m->keys * sizeof *sh->old))) {
		s->oom = 1;
		return -1;
	}
	for (uint64_t k = 0; k < m->keys; k++)
		sh->old[k] = place(sh, keys_hash(k), k);
	return 0;
}

/* even_flush splits the requests the shards took since the last split
 * evenly over the shards in use: the reference for each shard's share
 * (`even_share`) when a reshard changes how many there are halfway. */
static void even_flush(struct shards *sh, int64_t now)
{
	uint64_t total = 0;
	for (uint32_t u = 0; u < sh->units; u++) {
		struct db_totals t;
		db_totals(sh->db[u], now, &t);
		total += t.arrivals;
	}
	for (uint32_t u = 0; u < sh->units_now; u++)
		sh->even[u] += (double)(total - sh->even_mark) / sh->units_now;
	sh->even_mark = total;
}

static void sh_scale(struct sim *s, struct sim_node *n, uint32_t units)
{
	struct shards *sh = n->state;
	uint32_t *before = hring_snapshot(probe_place, sh);
	if (!before) {
		s->oom = 1;
		return;
	}
	if (keep_old(s, sh)) {
		free(before);
		return;
	}
	even_flush(sh, s->now_ns);
	sh->units_now = units;
	for (uint32_t u = 0; u < sh->units; u++)
		sh->off[u] = u >= units;
	if (sh->cfg->strategy == ST_RANGE) {
		/* the key space split evenly over the shards now; earlier
		 * load-based splits are undone */
		uint64_t K = sh->cfg->key_space;
		for (uint32_t u = 0; u < units; u++)
			sh->ranges[u] = (uint64_t)((unsigned __int128)K * u / units);
		ranges_reset(sh, sh->ranges, units);
	}
	if (sh->cfg->nring)
		sh->nring = hring_filter(sh->ring, sh->cfg->ring, sh->cfg->nring, sh->off);
	if (s->measuring) {
		sh->moved_sum += hring_moved(before, probe_place, sh);
		sh->moved_n++;
	}
	free(before);
	if (sh->cfg->mig.on)
		queue_moves(s, n, sh);
}

/* split_range splits range i at place `at` (above its first place), with
 * `right` the share of its load at or above it.  The upper half moves to
 * the shard with the least load (the sum of its ranges' last rates) when
 * that lowers the larger of the two shards' loads, CockroachDB's
 * rebalancing by load done at once; both halves start new deciders. */
static void split_range(struct sim *s, struct sim_node *n, struct shards *sh, size_t i,
			uint64_t at, double right)
{
	if (sh->nranges == sh->rcap &&
	    (sh->rcap >= SH_MAX_RANGES || ranges_grow(sh, 2 * sh->rcap))) {
		if (sh->rcap < SH_MAX_RANGES)
			s->oom = 1;
		rs_reset(&sh->rs[i]);
		return;
	}
	double *load = sh->tmp;
	for (uint32_t u = 0; u < sh->units; u++)
		load[u] = 0;
	for (size_t k = 0; k < sh->nranges; k++)
		load[sh->rshard[k]] += sh->rs[k].qps;
	uint32_t from = sh->rshard[i], to = from;
	double qps = sh->rs[i].qps, upper = qps * right;
	for (uint32_t u = 0; u < sh->units_now; u++)
		if (u != from && !sim_unit_down(n, u) && (to == from || load[u] < load[to]))
			to = u;
	if (to == from || !(load[to] + upper < load[from]))
		to = from;
	if (to != from && keep_old(s, sh))
		return;
	size_t tail = sh->nranges - i - 1;
	memmove(&sh->ranges[i + 2], &sh->ranges[i + 1], tail * sizeof *sh->ranges);
	memmove(&sh->rshard[i + 2], &sh->rshard[i + 1], tail * sizeof *sh->rshard);
	memmove(&sh->rs[i + 2], &sh->rs[i + 1], tail * sizeof *sh->rs);
	sh->nranges++;
	sh->ranges[i + 1] = at;
	sh->rshard[i + 1] = to;
	/* the halves' rates, until their own windows close, are the sampled
	 * split of the whole's */
	rs_reset(&sh->rs[i]);
	rs_reset(&sh->rs[i + 1]);
	sh->rs[i].qps = qps - upper;
	sh->rs[i + 1].qps = upper;
	if (s->measuring)
		sh->splits++;
	if (sh->cfg->mig.on && to != from)
		queue_moves(s, n, sh);
}

/* queue_moves queues for copying each stored key whose shard differs from
 * old[key], the placement before the change. */
static void queue_moves(struct sim *s, struct sim_node *n, struct shards *sh)
{
	const struct mig_cfg *m = &sh->cfg->mig;
	for (uint64_t k = 0; k < m->keys; k++) {
		uint32_t to = place(sh, keys_hash(k), k);
		if (to == sh->old[k])
			continue;
		if (sh->mlen == sh->mcap) {
			size_t cap = sh->mcap ? 2 * sh->mcap : 1024;
			uint64_t *mk = malloc(cap * sizeof *mk);
			uint32_t *mf = malloc(cap * sizeof *mf);
			if (!mk || !mf) {
				free(mk), free(mf);
				s->oom = 1;
				return;
			}
			for (size_t i = 0; i < sh->mlen; i++) {
				mk[i] = sh->mkey[(sh->mhead + i) % sh->mcap];
				mf[i] = sh->mfrom[(sh->mhead + i) % sh->mcap];
			}
			free(sh->mkey), free(sh->mfrom);
			sh->mkey = mk, sh->mfrom = mf, sh->mcap = cap, sh->mhead = 0;
		}
		size_t at = (sh->mhead + sh->mlen++) % sh->mcap;
		sh->mkey[at] = k;
		sh->mfrom[at] = sh->old[k];
	}
	if (sh->mlen && !sh->pending) {
		sh->pending = 1;
		sim_schedule(s, s->now_ns, n->id, SH_EV_MIGRATE, NULL, 0);
	}
}

static void sh_warmup_end(struct sim *s, struct sim_node *n)
{
	struct shards *sh = n->state;
	/* the window that spans the end of warm-up keeps its first part */
	for (uint32_t u = 0; u < sh->units; u++) {
		sh->ts_prev_busy -= db_busy_integral(sh->db[u], s->now_ns);
		db_restart(sh->db[u], s->now_ns);
	}
	sh->moved_sum = 0;
	sh->moved_n = 0;
	sh->even_mark = 0;
	memset(sh->even, 0, sh->units * sizeof *sh->even);
	sh->migrated = 0;
	sh->splits = 0;
}

static void sh_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct shards *sh = n->state;
	struct db_totals all = { 0 };
	even_flush(sh, s->now_ns);
	for (uint32_t u = 0; u < sh->units; u++) {
		struct db_totals t;
		db_totals(sh->db[u], s->now_ns, &t);
		all.arrivals += t.arrivals, all.reads += t.reads, all.writes += t.writes;
		all.failed += t.failed, all.served += t.served, all.stale += t.stale;
		all.ryw += t.ryw, all.sojourn_s += t.sojourn_s;
		all.lag_s += t.lag_s, all.lag_n += t.lag_n;
		all.failover_lost += t.failover_lost;
		all.busy += t.busy, all.workers += t.workers;
		sh->tmp[u] = (double)t.arrivals;
	}
	uint64_t total = all.arrivals;
	for (uint32_t u = 0; u < sh->units && o->nrows > 1; u++) {
		struct db_totals t;
		db_totals(sh->db[u], s->now_ns, &t);
		double *r = node_row(o, 1 + u);
		db_row(r, &t);
		r[2 * DB_NCOLS] = (double)t.arrivals;
		r[2 * DB_NCOLS + 1] = (double)total;
		r[2 * DB_NCOLS + 2] = NAN;
		r[2 * DB_NCOLS + 4] = NAN;
		r[2 * DB_NCOLS + 6] = NAN;
		r[2 * DB_NCOLS + 8] = NAN;
		r[2 * DB_NCOLS + 10] = sh->even[u];
		r[2 * DB_NCOLS + 11] = (double)total;
	}
	double *v = node_row(o, 0);
	all.lag_p99_s = NAN;      /* a shard's is on its row */
	db_row(v, &all);
	v[2 * DB_NCOLS] = NAN;
	v[2 * DB_NCOLS + 1] = NAN;
	/* the spread over the shards in use at the end: sd / mean */
	uint32_t k = sh->units_now;
	double m = gsl_stats_mean(sh->tmp, 1, k);
	v[2 * DB_NCOLS + 2] = k > 1 && m > 0 ? gsl_stats_sd_with_fixed_mean(sh->tmp, 1, k, m) / m : NAN;
	v[2 * DB_NCOLS + 4] = sh->moved_n ? sh->moved_sum / (double)sh->moved_n : NAN;
	v[2 * DB_NCOLS + 6] = sh->cfg->mig.on ? (double)sh->migrated : NAN;
	v[2 * DB_NCOLS + 8] = sh->cfg->split.on ? (double)sh->splits : NAN;
	v[2 * DB_NCOLS + 10] = v[2 * DB_NCOLS + 11] = 0;   /* a shard's column */
}

static void sh_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct shards *sh = n->state;
	double busy = 0, cap = 0;
	uint64_t reads = 0, stale = 0;
	for (uint32_t u = 0; u < sh->units; u++)
		db_window(sh->db[u], s->now_ns, &busy, &cap, &reads, &stale);
	double dt = (double)s->now_ns - sh->ts_prev_ns;
	out[0] = dt > 0 ? (busy - sh->ts_prev_busy) / (dt * cap) : NAN;
	out[1] = reads ? (double)stale / (double)reads : NAN;
	sh->ts_prev_busy = busy;
	sh->ts_prev_ns = (double)s->now_ns;
}

static uint32_t sh_units(const void *cfg)
{
	return ((const struct shards_cfg *)cfg)->shards;
}

static const struct col_def sh_cols[] = {
	DB_COL_DEFS
	{ "share", COL_RATIO, "a shard's share of the requests" },
	{ "load_cv", COL_MEAN,
	  "shards: coefficient of variation (sd / mean) of the requests each shard in use received" },
	{ "keys_moved_share", COL_MEAN,
	  "shards: share of the key space that changed shard at a reshard, averaged over the reshards" },
	{ "migrated_keys", COL_SUM,
	  "shards with migrate: keys copied to their new shard (read at the old, written at the new)" },
	{ "range_splits", COL_SUM, "shards with split: ranges split by load" },
	{ "even_share", COL_RATIO,
	  "a shard's row: the share it would have had had the requests been split evenly over the shards in use at the time (the reference for `share` across a reshard)" },
	{ NULL, 0, NULL },
};

static const struct col_def sh_ts_cols[] = {
	{ "utilization", COL_MEAN, "busy workers over the workers, in the window" },
	{ "stale_ratio", COL_MEAN, "stale reads / reads in the window" },
	{ NULL, 0, NULL },
};

const struct model_ops shards_ops = {
	.kind = "shards",
	.summary = "keys partitioned over databases by hash, ring, Jump hash or ranges; per-shard load and resharding",
	.params = &sh_table,
	.units = sh_units,
	.link = sh_link,
	.init = sh_init,
	.arrive = sh_arrive,
	.event = sh_event,
	.done = sh_done,
	.crash = sh_crash,
	.recover = sh_recover,
	.scale = sh_scale,
	.action = sh_action,
	.actions = sh_actions,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_ERRORS) | SIM_FAULT(TL_LATENCY) | SIM_FAULT(TL_SCALE),
	.warmup_end = sh_warmup_end,
	.finish = sh_finish,
	.cols = sh_cols,
	.sample = sh_sample,
	.ts_cols = sh_ts_cols,
	.fini = sh_fini,
};
