/*
 * balancer.c - the balancer kind; see balancer.h.
 *
 * Every pick is O(1) or O(log n) in the number of backends: round robin
 * and hash index a dense array of the backends available now; weighted
 * round robin steps through its precomputed period; weighted random uses
 * an alias table; least_connections keeps a heap; p2c and the EWMA
 * policies look at `choices` backends; ring_hash searches a sorted ring;
 * maglev indexes its table.  These structures are rebuilt, in O(n log n),
 * only when the set of available backends changes (a health check, an
 * ejection, a scale): rare events next to requests.
 *
 * A relayed request carries a record of ours (struct flight) through
 * sim_via_push: which instance and backend, when it was sent, whether its
 * load is released on reply.  The reply comes here first; we update the
 * loads, the latency estimates and the outlier counters, then pass it on.
 *
 * Random choices of the balancer (random, p2c samples, ties, slow start)
 * come from the node's own stream; the instance a request reaches is the
 * request's own draw, so that it does not depend on the policy.
 */
#include "models/balancer.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/keys.h"
#include "sim/pool.h"
#include "sim/hashring.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define LB_MAX_BACKENDS 100000
#define LB_MAX_INSTANCES 1024
#define LB_MAX_CHOICES 64
#define LB_MAX_VNODES 10000
#define LB_MAX_WEIGHT 1000000
#define LB_WRR_MAX_STEPS 50000000.0  /* sum(weights) x backends */
#define LB_RING_MAX_POINTS 20000000.0
#define LB_NONE UINT32_MAX

enum {
	P_RR, P_WRR, P_RANDOM, P_WRANDOM, P_LC, P_P2C, P_LRT, P_PEWMA,
	P_RING, P_MAGLEV, P_HASH
};

static const char *const policy_names[] = {
	"round_robin", "weighted_round_robin", "random", "weighted_random",
	"least_connections", "p2c", "least_response_time", "peak_ewma",
	"ring_hash", "maglev", "hash", NULL
};

/* what each policy reads */
static int uses_hash(unsigned p)
{
	return p == P_RING || p == P_MAGLEV || p == P_HASH;
}
static int takes_weights(unsigned p)
{
	return p == P_WRR || p == P_WRANDOM || p == P_LC || p == P_P2C || p == P_RING;
}

enum { LB_EV_FORWARD = 1, LB_EV_PROBE, LB_EV_PROBE_FAIL, LB_EV_UNEJECT };

/* availability flags of a backend, per instance */
enum { AV_UNHEALTHY = 1, AV_EJECTED = 2, AV_INACTIVE = 4 };

struct hc_cfg {
	int on;
	int64_t interval_ns, timeout_ns;
	uint32_t unhealthy, healthy;
};

struct od_cfg {
	int on;
	uint32_t consecutive;
	int64_t base_ns, max_ns;
	double max_percent;
};

struct ss_cfg {
	int on;
	int64_t window_ns;
	double aggression, min_weight_percent;
};

struct backend {
	uint32_t node;         /* the node that takes its requests */
	uint32_t replica;      /* its replica, or SIM_ANY (a list entry) */
	uint32_t weight;
	uint64_t hash;         /* names it on rings and in maglev */
};

struct lb_cfg {
	unsigned policy;
	unsigned layer;
	uint32_t *list;        /* backends as written: one node, or several */
	size_t nlist;
	int whole;             /* a single name: that node's replicas */
	uint32_t *weights;
	size_t nweights;
	struct dist overhead;
	int has_overhead;
	uint32_t instances, choices, virtual_nodes, table_size;
	int64_t decay_ns, lifetime_ns;
	struct hc_cfg hc;
	struct od_cfg od;
	struct ss_cfg ss;
	/* from link */
	uint32_t nb;
	struct backend *be;    /* [nb] */
	uint32_t *order;       /* [nb] backends sorted by name */
	int equal_weights;
	uint64_t wsum;
	struct hring_pt *ring;  /* ring_hash: every backend's points, sorted
				* (an instance keeps those it may use) */
	size_t nring;
};

/* ---- parameters ------------------------------------------------------ */

static void lb_cfg_init(void *obj)
{
	struct lb_cfg *c = obj;
	c->layer = 7;
}

static int parse_backends(struct check_ctx *ctx, const char *what,
			  const struct yt_node *n, void *field)
{
	struct lb_cfg *c = (struct lb_cfg *)((char *)field - offsetof(struct lb_cfg, list));
	if (n->type == YT_SCALAR) {
		c->list = malloc(sizeof *c->list);
		if (!c->list)
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		c->nlist = 1;
		c->whole = 1;
		return check_node_ref(ctx, n, what, &c->list[0]);
	}
	if (n->type != YT_SEQ || n->n == 0)
		return check_fail(ctx, n, what,
			       "must be a node whose replicas are the backends (web) or a non-empty list of nodes ([a, b, c])");
	if (n->n > LB_MAX_BACKENDS)
		return check_fail(ctx, n, what, "at most %d backends", LB_MAX_BACKENDS);
	c->list = calloc(n->n, sizeof *c->list);
	if (!c->list)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	c->nlist = n->n;
	for (size_t i = 0; i < n->n; i++) {
		char w[256];
		snprintf(w, sizeof w, "%s[%zu]", what, i);
		int rc = check_node_ref(ctx, n->items[i], w, &c->list[i]);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (c->list[j] == c->list[i])
				return check_fail(ctx, n->items[i], w, "'%s' is listed twice",
					       n->items[i]->str);
	}
	return 0;
}

static void free_backends(void *field)
{
	free(*(uint32_t **)field);
}

static int hc_validate(struct check_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	struct hc_cfg *h = obj;
	h->on = 1;
	if (h->timeout_ns >= h->interval_ns)
		return check_fail(ctx, yt_get(map, "timeout") ? yt_get(map, "timeout") : map,
			       what, "timeout must be shorter than interval");
	return 0;
}

static const struct param hc_params[] = {
	{ .name = "interval", .type = PARAM_DURATION, PARAM_FIELD(struct hc_cfg, interval_ns),
	  .min_ns = 1000, .def = "5s", .doc = "time between probes of a backend" },
	{ .name = "timeout", .type = PARAM_DURATION, PARAM_FIELD(struct hc_cfg, timeout_ns),
	  .min_ns = 0, .def = "1s", .doc = "a probe of a crashed backend fails after this" },
	{ .name = "unhealthy_threshold", .type = PARAM_UINT, PARAM_FIELD(struct hc_cfg, unhealthy),
	  .umin = 1, .umax = 1000, .def = "3", .doc = "failed probes in a row that take a backend out" },
	{ .name = "healthy_threshold", .type = PARAM_UINT, PARAM_FIELD(struct hc_cfg, healthy),
	  .umin = 1, .umax = 1000, .def = "2", .doc = "passed probes in a row that bring it back" },
	{ 0 }
};

static const struct param_table hc_table = {
	.params = hc_params, .size = sizeof(struct hc_cfg), .validate = hc_validate,
};

static const struct param od_params[] = {
	{ .name = "consecutive_5xx", .type = PARAM_UINT, PARAM_FIELD(struct od_cfg, consecutive),
	  .umin = 1, .umax = 1000000, .def = "5",
	  .doc = "failed replies in a row (any status but ok) that eject a backend" },
	{ .name = "base_ejection_time", .type = PARAM_DURATION, PARAM_FIELD(struct od_cfg, base_ns),
	  .min_ns = 1, .def = "30s",
	  .doc = "an ejection lasts this times the number of times the backend has been ejected" },
	{ .name = "max_ejection_time", .type = PARAM_DURATION, PARAM_FIELD(struct od_cfg, max_ns),
	  .min_ns = 1, .def = "300s", .doc = "the longest an ejection lasts" },
	{ .name = "max_ejection_percent", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct od_cfg, max_percent), .min = 0, .max = 100, .def = "10",
	  .doc = "at most this share of the backends is ejected at once (always at least one may be)" },
	{ 0 }
};

static const struct param_table od_table = {
	.params = od_params, .size = sizeof(struct od_cfg), .validate = param_mark_given,
};

static const struct param ss_params[] = {
	{ .name = "window", .type = PARAM_DURATION, PARAM_FIELD(struct ss_cfg, window_ns),
	  .min_ns = 1, .flags = PARAM_REQUIRED,
	  .doc = "a returning or added backend reaches its full share over this time" },
	{ .name = "aggression", .type = PARAM_NUMBER, PARAM_FIELD(struct ss_cfg, aggression),
	  .min = 0.01, .max = 100, .def = "1",
	  .doc = "the share grows as (elapsed / window)^(1 / aggression): 1 is linear" },
	{ .name = "min_weight_percent", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct ss_cfg, min_weight_percent), .min = 0, .max = 100, .def = "10",
	  .doc = "the share it starts from, in per cent of its full share" },
	{ 0 }
};

static const struct param_table ss_table = {
	.params = ss_params, .size = sizeof(struct ss_cfg), .validate = param_mark_given,
};

static const struct param weight_elem = {
	.type = PARAM_UINT, .size = sizeof(uint32_t), .umin = 1, .umax = LB_MAX_WEIGHT,
};

static int lb_validate(struct check_ctx *ctx, const char *what,
		       const struct yt_node *map, void *obj)
{
	struct lb_cfg *c = obj;
	char w[256];
	c->has_overhead = yt_get(map, "overhead") != NULL;
	if (c->layer != 4 && c->layer != 7) {
		snprintf(w, sizeof w, "%s.layer", what);
		return check_fail(ctx, yt_get(map, "layer"), w, "must be 4 or 7");
	}
	if (c->nweights && !takes_weights(c->policy)) {
		snprintf(w, sizeof w, "%s.weights", what);
		return check_fail(ctx, yt_get(map, "weights"), w,
			       "policy %s does not use weights (these do: weighted_round_robin, weighted_random, least_connections, p2c, ring_hash)",
			       policy_names[c->policy]);
	}
	if (c->policy == P_MAGLEV) {
		uint32_t m = c->table_size;
		int prime = m >= 2;
		for (uint32_t d = 2; prime && (uint64_t)d * d <= m; d++)
			prime = m % d != 0;
		if (!prime) {
			snprintf(w, sizeof w, "%s.table_size", what);
			return check_fail(ctx, yt_get(map, "table_size"), w,
				       "must be a prime (65537, 655373 ...), so that every backend's permutation covers the table");
		}
	}
	return 0;
}

static void lb_cfg_fini(void *obj)
{
	struct lb_cfg *c = obj;
	free(c->be);
	free(c->order);
	free(c->ring);
}

static const struct param lb_params[] = {
	{ .name = "policy", .type = PARAM_ENUM, PARAM_FIELD(struct lb_cfg, policy),
	  .names = policy_names, .def = "round_robin",
	  .doc = "how a backend is chosen (see the kind's description)" },
	{ .name = "backends", .type = PARAM_CUSTOM, PARAM_FIELD(struct lb_cfg, list),
	  .flags = PARAM_REQUIRED, .parse = parse_backends, .fini = free_backends,
	  .shape = "NODE or [NODE, ...]",
	  .doc = "a service, whose replicas are the backends, or a list of nodes, each one backend" },
	{ .name = "weights", .type = PARAM_LIST, PARAM_FIELD(struct lb_cfg, weights),
	  PARAM_COUNT(struct lb_cfg, nweights), .elem = &weight_elem,
	  .elem_size = sizeof(uint32_t), .min_len = 1, .max_len = LB_MAX_BACKENDS,
	  .item = "weights", .shape = "[5, 1, 1]", .def_doc = "all 1",
	  .doc = "integer weights, one per backend in order, for the policies that use them" },
	{ .name = "layer", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, layer),
	  .umin = 4, .umax = 7, .def = "7",
	  .doc = "7: a backend per request (hashing sees the request's key); 4: a backend per connection (hashing sees the connection)" },
	{ .name = "overhead", .type = PARAM_DIST, PARAM_FIELD(struct lb_cfg, overhead),
	  .def_doc = "none", .doc = "time the balancer adds to each request before it is sent on (a delay, never a queue)" },
	{ .name = "instances", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, instances),
	  .umin = 1, .umax = LB_MAX_INSTANCES, .def = "1",
	  .doc = "balancer instances, each with its own loads, estimates and health view; a request reaches one at random" },
	{ .name = "choices", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, choices),
	  .umin = 2, .umax = LB_MAX_CHOICES, .def = "2",
	  .doc = "p2c, least_response_time, peak_ewma: distinct backends sampled per pick (Envoy's choice_count)" },
	{ .name = "decay", .type = PARAM_DURATION, PARAM_FIELD(struct lb_cfg, decay_ns),
	  .min_ns = 1000, .def = "10s",
	  .doc = "least_response_time, peak_ewma: time constant of the latency estimate" },
	{ .name = "virtual_nodes", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, virtual_nodes),
	  .umin = 1, .umax = LB_MAX_VNODES, .def = "160",
	  .doc = "ring_hash: points per backend on the ring (times its weight), as libketama" },
	{ .name = "table_size", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, table_size),
	  .umin = 2, .umax = 10000019, .def = "65537",
	  .doc = "maglev: entries of the lookup table, a prime larger than the backends" },
	{ .name = "connection_lifetime", .type = PARAM_DURATION,
	  PARAM_FIELD(struct lb_cfg, lifetime_ns), .min_ns = 1, .def_doc = "for ever",
	  .doc = "layer 4: a connection is pinned to its backend for this long, then chosen again on its next request" },
	{ .name = "health_check", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, hc),
	  .sub = &hc_table, .shape = "{interval: 5s, timeout: 1s, unhealthy_threshold: 3, healthy_threshold: 2}",
	  .def_doc = "none", .doc = "active health checks of every backend, by every instance" },
	{ .name = "outlier_detection", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, od),
	  .sub = &od_table, .shape = "{consecutive_5xx: 5, base_ejection_time: 30s, max_ejection_percent: 10}",
	  .def_doc = "none", .doc = "ejection of backends whose replies fail in a row (Envoy's names)" },
	{ .name = "slow_start", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, ss),
	  .sub = &ss_table, .shape = "{window: 30s, aggression: 1, min_weight_percent: 10}",
	  .def_doc = "none", .doc = "a backend that returns, or is added, ramps up to its share" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table lb_table = {
	.params = lb_params,
	.size = sizeof(struct lb_cfg),
	.doc = "A balancer relays each request to one of its backends, chosen by `policy`, and passes the reply back. With `layer: 4` it chooses per connection (see `connections` on workloads).",
	.init = lb_cfg_init,
	.validate = lb_validate,
	.fini = lb_cfg_fini,
};

/* ---- linking: the backends ------------------------------------------- */

/* A backend's name, for sorting them: node name, then replica. */
struct name_key {
	const char *name;
	uint32_t replica, b;
};

static int by_name(const void *a, const void *b)
{
	const struct name_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return (x->replica > y->replica) - (x->replica < y->replica);
}

static int lb_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	struct lb_cfg *c = self->cfg;
	char what[160];
	snprintf(what, sizeof what, "nodes.%s.backends", self->name);
	const struct yt_node *bn = yt_get(self->src, "backends");
	for (size_t i = 0; i < c->nlist; i++) {
		if (&sc->nodes[c->list[i]] == self)
			return check_fail(ctx, bn, what, "a balancer cannot be its own backend");
		if (!sc->nodes[c->list[i]].ops->arrive)
			return check_fail(ctx, bn, what, "'%s' cannot take requests",
				       sc->nodes[c->list[i]].name);
	}
	const struct sc_node *one = &sc->nodes[c->list[0]];
	if (c->whole && !one->ops->scale)
		return check_fail(ctx, bn, what,
			       "'%s' has no replicas to balance over; list the backends instead ([a, b])",
			       one->name);
	c->nb = c->whole ? one->max_units : (uint32_t)c->nlist;
	if (c->nb > LB_MAX_BACKENDS)
		return check_fail(ctx, bn, what, "at most %d backends (%s has %u replicas)",
			       LB_MAX_BACKENDS, one->name, c->nb);
	if (c->nweights && c->nweights != c->nb) {
		snprintf(what, sizeof what, "nodes.%s.weights", self->name);
		return check_fail(ctx, yt_get(self->src, "weights"), what,
			       "%zu weights for %u backends: give one per backend", c->nweights,
			       c->nb);
	}
	c->be = calloc(c->nb, sizeof *c->be);
	c->order = calloc(c->nb, sizeof *c->order);
	struct name_key *keys = malloc(c->nb * sizeof *keys);
	if (!c->be || !c->order || !keys) {
		free(keys);
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	}
	c->equal_weights = 1;
	c->wsum = 0;
	for (uint32_t b = 0; b < c->nb; b++) {
		struct backend *e = &c->be[b];
		e->node = c->whole ? c->list[0] : c->list[b];
		e->replica = c->whole ? b : SIM_ANY;
		e->weight = c->nweights ? c->weights[b] : 1;
		e->hash = rng_key(rng_hash64(sc->nodes[e->node].name, 0), (uint64_t)e->replica);
		keys[b] = (struct name_key){ sc->nodes[e->node].name, e->replica, b };
		c->wsum += e->weight;
		if (e->weight != c->be[0].weight)
			c->equal_weights = 0;
	}
	qsort(keys, c->nb, sizeof *keys, by_name);
	for (uint32_t k = 0; k < c->nb; k++)
		c->order[k] = keys[k].b;
	free(keys);
	if (c->policy == P_WRR && !c->equal_weights &&
	    (double)c->wsum * c->nb > LB_WRR_MAX_STEPS) {
		snprintf(what, sizeof what, "nodes.%s.weights", self->name);
		return check_fail(ctx, yt_get(self->src, "weights"), what,
			       "weights adding up to %llu over %u backends make a period too long to lay out (weights x backends at most %.0f); divide the weights by their common factor or use weighted_random",
			       (unsigned long long)c->wsum, c->nb, LB_WRR_MAX_STEPS);
	}
	if (c->policy == P_RING && (double)c->wsum * c->virtual_nodes > LB_RING_MAX_POINTS) {
		snprintf(what, sizeof what, "nodes.%s.virtual_nodes", self->name);
		return check_fail(ctx, yt_get(self->src, "virtual_nodes") ? yt_get(self->src, "virtual_nodes") : self->src,
			       what, "the ring would have %.0f points (at most %.0f)",
			       (double)c->wsum * c->virtual_nodes, LB_RING_MAX_POINTS);
	}
	if (c->policy == P_RING) {
		/* the points depend on the backends alone: laid out once */
		uint64_t *hash = malloc(c->nb * sizeof *hash), *pts = malloc(c->nb * sizeof *pts);
		int bad = !hash || !pts;
		for (uint32_t b = 0; !bad && b < c->nb; b++) {
			hash[b] = c->be[b].hash;
			pts[b] = (uint64_t)c->virtual_nodes * c->be[b].weight;
		}
		bad = bad || hring_build(&c->ring, &c->nring, hash, pts, c->nb);
		free(hash), free(pts);
		if (bad)
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	}
	if (c->policy == P_MAGLEV && c->table_size < c->nb) {
		snprintf(what, sizeof what, "nodes.%s.table_size", self->name);
		return check_fail(ctx, yt_get(self->src, "table_size") ? yt_get(self->src, "table_size") : self->src,
			       what, "must be larger than the %u backends", c->nb);
	}
	self->units = self->max_units = c->nb;
	return 0;
}

/* ---- running ----------------------------------------------------------- */

/* A request in flight through the balancer. */
struct flight {
	struct sim_via via;    /* first: sim_via_pop returns it */
	int64_t sent_ns;
	uint32_t b, inst;
	int release;           /* its load is released on reply */
};

struct conn {
	uint64_t key;          /* client << 32 | connection, + 1; 0: empty */
	uint32_t b;
	int64_t opened_ns;
};

/* One balancer instance's view and state. */
struct inst {
	uint32_t *load;        /* [nb] outstanding requests / open connections */
	uint8_t *flags;        /* [nb] AV_* */
	uint32_t *avail, navail;   /* available backends, ascending */
	uint32_t rr;
	uint32_t *sched, nsched, spos;   /* weighted round robin period */
	gsl_ran_discrete_t *alias;
	uint32_t *heap, *hpos, nheap;    /* least_connections */
	double *vt;                      /* its tie-break virtual times */
	double *cost;                    /* EWMA policies */
	int64_t *stamp;
	struct hring_pt *ring;
	size_t nring;
	uint32_t *table;                 /* maglev */
	uint32_t *hc_fail, *hc_ok, *c5xx, *times;
	uint32_t nejected;
	int64_t *ss_start;               /* slow start began; -1 none */
	struct conn *conns;              /* layer 4, open addressing */
	size_t nconns, conns_cap;
};

/* Statistics since warm-up, per backend (and summed for the node). */
struct bstat {
	uint64_t sent, replies, failed, ejections, unhealthy;
	double lat_sum_s, detect_sum_s;
	uint64_t detect_n;
	struct twa out;        /* outstanding requests */
};

struct lb {
	const struct lb_cfg *cfg;
	uint32_t nb;
	struct inst *in;       /* [instances] */
	struct bstat *bs;      /* [nb]; the balancer's row is their sum */
	struct twa out_all;    /* outstanding requests, all backends (the
				* time series' sample; at the end the sum
				* of the backends') */
	uint64_t arrivals, no_backend;
	double moved_sum;
	uint64_t moved_n;
	uint32_t units_seen;   /* the backend node's active replicas, last seen */
	gsl_rng *rng;
	struct pool flights;
	double ts_prev_out;
	int64_t ts_prev_ns;
	double *wtmp;          /* [nb] scratch */
};

/* backend_down: the backend's node (replica) is crashed; a list entry
 * with several replicas is down when all are. */
static int backend_down(const struct sim *s, const struct backend *e)
{
	const struct sim_node *n = &s->nodes[e->node];
	if (!n->faults)
		return 0;
	if (e->replica != SIM_ANY)
		return n->faults->down[e->replica];
	for (uint32_t u = 0; u < n->faults->units_now && u < n->units; u++)
		if (!n->faults->down[u])
			return 0;
	return 1;
}

static int64_t backend_down_since(const struct sim *s, const struct backend *e)
{
	const struct sim_node *n = &s->nodes[e->node];
	return n->faults->down_since[e->replica != SIM_ANY ? e->replica : 0];
}

/* active replicas of a whole-node balancer's backend node */
static uint32_t units_now(const struct sim *s, const struct lb_cfg *c)
{
	const struct sim_node *n = &s->nodes[c->list[0]];
	if (!c->whole)
		return c->nb;
	return n->faults ? n->faults->units_now : n->sc->units;
}

/* ---- least_connections heap: (load / weight, virtual time, index) ---- */

static int lc_less(const struct lb *lb, const struct inst *in, uint32_t a, uint32_t b)
{
	const struct backend *be = lb->cfg->be;
	double la = (double)in->load[a] * be[b].weight;
	double lb_ = (double)in->load[b] * be[a].weight;
	if (la != lb_)
		return la < lb_;
	if (in->vt[a] != in->vt[b])
		return in->vt[a] < in->vt[b];
	return a < b;
}

static void heap_swap(struct inst *in, uint32_t i, uint32_t j)
{
	uint32_t t = in->heap[i];
	in->heap[i] = in->heap[j];
	in->heap[j] = t;
	in->hpos[in->heap[i]] = i;
	in->hpos[in->heap[j]] = j;
}

static void heap_fix(const struct lb *lb, struct inst *in, uint32_t i)
{
	while (i > 0 && lc_less(lb, in, in->heap[i], in->heap[(i - 1) / 2])) {
		heap_swap(in, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		if (l < in->nheap && lc_less(lb, in, in->heap[l], in->heap[m]))
			m = l;
		if (l + 1 < in->nheap && lc_less(lb, in, in->heap[l + 1], in->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		heap_swap(in, i, m);
		i = m;
	}
}

/* load_add changes backend b's load at instance in by d (+1 / -1). */
static void load_add(struct lb *lb, struct inst *in, uint32_t b, int d)
{
	in->load[b] = (uint32_t)((int64_t)in->load[b] + d);
	if (lb->cfg->policy == P_LC && in->hpos[b] != LB_NONE)
		heap_fix(lb, in, in->hpos[b]);
}

/* ---- building the structures of the available set ------------------- */

/* maglev_fill lays out the lookup table (Eisenbud et al., NSDI 2016, §3.4)
 * from the available backends taken in name order. */
static int maglev_fill(struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	uint32_t m = c->table_size;
	uint32_t nav = 0;
	for (uint32_t k = 0; k < lb->nb; k++)
		if (!in->flags[c->order[k]])
			nav++;
	for (uint32_t j = 0; j < m; j++)
		in->table[j] = LB_NONE;
	if (!nav)
		return 0;
	uint32_t *who = malloc(nav * sizeof *who);
	uint64_t *off = malloc(nav * sizeof *off), *skip = malloc(nav * sizeof *skip);
	uint64_t *next = calloc(nav, sizeof *next);
	if (!who || !off || !skip || !next) {
		free(who), free(off), free(skip), free(next);
		return -1;
	}
	uint32_t i = 0;
	for (uint32_t k = 0; k < lb->nb; k++) {
		uint32_t b = c->order[k];
		if (in->flags[b])
			continue;
		who[i] = b;
		off[i] = rng_mix64(c->be[b].hash ^ 0x6d61676c65764f46ull) % m;
		skip[i] = rng_mix64(c->be[b].hash ^ 0x6d61676c6576534bull) % (m - 1) + 1;
		i++;
	}
	uint32_t filled = 0;
	for (;;) {
		for (i = 0; i < nav; i++) {
			uint64_t slot;
			do {
				slot = (off[i] + next[i] * skip[i]) % m;
				next[i]++;
			} while (in->table[slot] != LB_NONE);
			in->table[slot] = who[i];
			if (++filled == m)
				goto done;
		}
	}
done:
	free(who), free(off), free(skip), free(next);
	return 0;
}

/* wrr_fill lays out one period of nginx's smooth weighted round robin
 * over the available backends (in backend order, the first on a tie). */
static int wrr_fill(struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	uint64_t total = 0;
	for (uint32_t i = 0; i < in->navail; i++)
		total += c->be[in->avail[i]].weight;
	in->nsched = (uint32_t)total;
	in->spos = 0;
	int64_t *cur = calloc(in->navail ? in->navail : 1, sizeof *cur);
	if (!cur)
		return -1;
	for (uint32_t k = 0; k < in->nsched; k++) {
		uint32_t best = 0;
		for (uint32_t i = 0; i < in->navail; i++) {
			cur[i] += c->be[in->avail[i]].weight;
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= (int64_t)total;
		in->sched[k] = in->avail[best];
	}
	free(cur);
	return 0;
}

/* lookup gives the backend a hash policy sends hash h to, or LB_NONE. */
static uint32_t lookup(const struct lb *lb, const struct inst *in, uint64_t h)
{
	if (!in->navail)
		return LB_NONE;
	switch (lb->cfg->policy) {
	case P_RING:
		return hring_lookup(in->ring, in->nring, h);
	case P_MAGLEV:
		return in->table[h % lb->cfg->table_size];
	default:
		return in->avail[h % in->navail];
	}
}

/* rebuild remakes instance in's structures after its available set
 * changed: 0, or -1 out of memory. */
struct probe_ctx {
	const struct lb *lb;
	const struct inst *in;
};

static uint32_t probe_place(const void *ctx, uint64_t h)
{
	const struct probe_ctx *pc = ctx;
	return lookup(pc->lb, pc->in, h);
}

static int rebuild(struct sim *s, struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	uint32_t *before = NULL;
	struct probe_ctx pc = { lb, in };
	/* which backend each probe key went to, to count moves */
	if (uses_hash(c->policy) && in->navail && !(before = hring_snapshot(probe_place, &pc)))
		return -1;
	in->navail = 0;
	for (uint32_t b = 0; b < lb->nb; b++)
		if (!in->flags[b])
			in->avail[in->navail++] = b;
	if (in->rr >= in->navail)
		in->rr = 0;
	int rc = 0;
	switch (c->policy) {
	case P_WRR:
		if (!c->equal_weights)
			rc = wrr_fill(lb, in);
		break;
	case P_WRANDOM:
		if (in->alias)
			gsl_ran_discrete_free(in->alias);
		in->alias = NULL;
		if (in->navail) {
			for (uint32_t i = 0; i < in->navail; i++)
				lb->wtmp[i] = c->be[in->avail[i]].weight;
			in->alias = gsl_ran_discrete_preproc(in->navail, lb->wtmp);
			rc = in->alias ? 0 : -1;
		}
		break;
	case P_LC: {
		/* a returning backend takes the least virtual time in play,
		 * so it neither wins every tie nor waits out a backlog */
		double vmin = INFINITY;
		for (uint32_t i = 0; i < in->nheap; i++)
			if (in->vt[in->heap[i]] < vmin)
				vmin = in->vt[in->heap[i]];
		for (uint32_t b = 0; b < lb->nb; b++) {
			if (in->hpos[b] == LB_NONE && !in->flags[b] && vmin < INFINITY &&
			    in->vt[b] < vmin)
				in->vt[b] = vmin;
			in->hpos[b] = LB_NONE;
		}
		in->nheap = 0;
		for (uint32_t i = 0; i < in->navail; i++) {
			in->heap[in->nheap] = in->avail[i];
			in->hpos[in->avail[i]] = in->nheap++;
		}
		for (uint32_t i = in->nheap / 2; i-- > 0;)
			heap_fix(lb, in, i);
		break;
	}
	case P_RING:
		/* the available backends' points, still in order */
		in->nring = hring_filter(in->ring, c->ring, c->nring, in->flags);
		break;
	case P_MAGLEV:
		rc = maglev_fill(lb, in);
		break;
	default:
		break;
	}
	if (before && rc == 0 && in->navail && s->measuring) {
		lb->moved_sum += hring_moved(before, probe_place, &pc);
		lb->moved_n++;
	}
	free(before);
	return rc;
}

/* set_flag turns an availability flag of backend b at instance in on or
 * off, and rebuilds when availability changed. */
static void set_flag(struct sim *s, struct lb *lb, struct inst *in, uint32_t b,
		     uint8_t flag, int on)
{
	uint8_t was = in->flags[b];
	in->flags[b] = on ? (uint8_t)(was | flag) : (uint8_t)(was & ~flag);
	if (!was == !in->flags[b])
		return;
	if (!in->flags[b] && lb->cfg->ss.on)
		in->ss_start[b] = s->now_ns;
	if (rebuild(s, lb, in))
		s->oom = 1;
}

/* poll_scale follows a `scale` of the backend node. */
static void poll_scale(struct sim *s, struct lb *lb)
{
	uint32_t u = units_now(s, lb->cfg);
	if (u == lb->units_seen)
		return;
	lb->units_seen = u;
	for (uint32_t i = 0; i < lb->cfg->instances; i++) {
		struct inst *in = &lb->in[i];
		uint8_t *f = in->flags;
		int changed = 0;
		for (uint32_t b = 0; b < lb->nb; b++) {
			uint8_t want = b < u ? (uint8_t)(f[b] & ~AV_INACTIVE) :
				(uint8_t)(f[b] | AV_INACTIVE);
			if (want == f[b])
				continue;
			if (!want && lb->cfg->ss.on)
				in->ss_start[b] = s->now_ns;
			f[b] = want;
			changed = 1;
		}
		if (changed && rebuild(s, lb, in))
			s->oom = 1;
	}
}

/* ---- choosing -------------------------------------------------------- */

static double cost(const struct lb *lb, struct inst *in, uint32_t b, int64_t now)
{
	if (lb->cfg->policy == P_P2C)
		return (double)in->load[b] / lb->cfg->be[b].weight;
	/* Finagle: the estimate decays toward 0 while nothing is observed;
	 * an unmeasured backend with requests out costs a large penalty */
	double w = exp(-(double)(now - in->stamp[b]) / (double)lb->cfg->decay_ns);
	double est = in->cost[b] * w;
	if (est == 0 && in->load[b] > 0)
		return 1e12 + in->load[b];
	return est * (in->load[b] + 1);
}

/* sample_least draws `choices` distinct available backends and returns
 * the cheapest, ties at random. */
static uint32_t sample_least(struct sim *s, struct lb *lb, struct inst *in)
{
	uint32_t k = lb->cfg->choices, n = in->navail;
	uint32_t pick[LB_MAX_CHOICES];
	if (k > n)
		k = n;
	/* Floyd's algorithm: k distinct indices in O(k^2), k small */
	uint32_t got = 0;
	for (uint32_t j = n - k; j < n; j++) {
		uint32_t t = (uint32_t)(rng_uniform_pos(lb->rng) * (j + 1));
		for (uint32_t i = 0; i < got; i++)
			if (pick[i] == t) {
				t = j;
				break;
			}
		pick[got++] = t;
	}
	uint32_t best = in->avail[pick[0]], ties = 1;
	double bc = cost(lb, in, best, s->now_ns);
	for (uint32_t i = 1; i < k; i++) {
		uint32_t b = in->avail[pick[i]];
		double cb = cost(lb, in, b, s->now_ns);
		if (cb < bc) {
			best = b, bc = cb, ties = 1;
		} else if (cb == bc) {
			/* reservoir: each of the tied equally likely */
			ties++;
			if (rng_uniform_pos(lb->rng) * ties < 1)
				best = b;
		}
	}
	return best;
}

/* pick_once applies the policy; LB_NONE when nothing is available. */
static uint32_t pick_once(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	const struct lb_cfg *c = lb->cfg;
	if (!in->navail)
		return LB_NONE;
	switch (c->policy) {
	case P_WRR:
		if (!c->equal_weights) {
			if (in->spos >= in->nsched)
				in->spos = 0;
			return in->sched[in->spos++];
		}
		/* equal weights: round robin */
		/* fall through */
	case P_RR:
		if (in->rr >= in->navail)
			in->rr = 0;
		return in->avail[in->rr++];
	case P_RANDOM:
		return in->avail[(uint32_t)(rng_uniform_pos(lb->rng) * in->navail)];
	case P_WRANDOM:
		return in->avail[gsl_ran_discrete(lb->rng, in->alias)];
	case P_LC: {
		uint32_t b = in->heap[0];
		in->vt[b] += 1.0 / c->be[b].weight;
		heap_fix(lb, in, 0);
		return b;
	}
	case P_P2C:
	case P_LRT:
	case P_PEWMA:
		return sample_least(s, lb, in);
	default:
		return lookup(lb, in, h);
	}
}

/* ramp is backend b's slow-start share factor, 1 when ramped up. */
static double ramp(const struct lb_cfg *c, struct inst *in, uint32_t b, int64_t now)
{
	if (!c->ss.on || in->ss_start[b] < 0)
		return 1;
	double x = (double)(now - in->ss_start[b]) / (double)c->ss.window_ns;
	if (x >= 1) {
		in->ss_start[b] = -1;
		return 1;
	}
	double f = pow(x, 1 / c->ss.aggression);
	double lo = c->ss.min_weight_percent / 100;
	return f > lo ? f : lo;
}

static uint32_t choose(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	uint32_t b = pick_once(s, lb, in, h);
	if (b != LB_NONE && !uses_hash(lb->cfg->policy)) {
		double f = ramp(lb->cfg, in, b, s->now_ns);
		if (f < 1 && rng_uniform_pos(lb->rng) >= f)
			b = pick_once(s, lb, in, h);
	}
	return b;
}

/* ---- layer 4: connections ------------------------------------------ */

static struct conn *conn_find(struct inst *in, uint64_t key)
{
	if (in->nconns * 2 >= in->conns_cap) {
		size_t cap = in->conns_cap ? in->conns_cap * 2 : 64;
		struct conn *t = calloc(cap, sizeof *t);
		if (!t)
			return NULL;
		for (size_t i = 0; i < in->conns_cap; i++) {
			if (!in->conns[i].key)
				continue;
			size_t j = rng_mix64(in->conns[i].key) & (cap - 1);
			while (t[j].key)
				j = (j + 1) & (cap - 1);
			t[j] = in->conns[i];
		}
		free(in->conns);
		in->conns = t;
		in->conns_cap = cap;
	}
	size_t j = rng_mix64(key) & (in->conns_cap - 1);
	while (in->conns[j].key && in->conns[j].key != key)
		j = (j + 1) & (in->conns_cap - 1);
	if (!in->conns[j].key) {
		in->conns[j].key = key;
		in->conns[j].b = LB_NONE;
		in->nconns++;
	}
	return &in->conns[j];
}

/* ---- the kind's callbacks --------------------------------------------- */

static void bstat_start(struct bstat *b, int64_t now)
{
	struct twa t = b->out;
	memset(b, 0, sizeof *b);
	b->out = t;
	twa_restart(&b->out, now);
}

static int inst_init(struct sim *s, struct sim_node *n, struct lb *lb, uint32_t i)
{
	struct inst *in = &lb->in[i];
	const struct lb_cfg *c = lb->cfg;
	uint32_t nb = lb->nb;
	if (!(in->load = calloc(nb, sizeof *in->load)) ||
	    !(in->flags = calloc(nb, 1)) ||
	    !(in->avail = calloc(nb, sizeof *in->avail)) ||
	    !(in->c5xx = calloc(nb, sizeof *in->c5xx)) ||
	    !(in->times = calloc(nb, sizeof *in->times)) ||
	    !(in->hc_fail = calloc(nb, sizeof *in->hc_fail)) ||
	    !(in->hc_ok = calloc(nb, sizeof *in->hc_ok)) ||
	    !(in->ss_start = malloc(nb * sizeof *in->ss_start)))
		return SIM_ENOMEM;
	for (uint32_t b = 0; b < nb; b++)
		in->ss_start[b] = -1;
	switch (c->policy) {
	case P_WRR:
		if (!c->equal_weights && !(in->sched = malloc(c->wsum * sizeof *in->sched)))
			return SIM_ENOMEM;
		break;
	case P_LC:
		if (!(in->heap = malloc(nb * sizeof *in->heap)) ||
		    !(in->hpos = malloc(nb * sizeof *in->hpos)) ||
		    !(in->vt = malloc(nb * sizeof *in->vt)))
			return SIM_ENOMEM;
		for (uint32_t b = 0; b < nb; b++) {
			in->hpos[b] = LB_NONE;
			/* half a stride in: weights 5, 1, 1 give a a a b c a a */
			in->vt[b] = 0.5 / c->be[b].weight;
		}
		break;
	case P_LRT:
	case P_PEWMA:
		if (!(in->cost = calloc(nb, sizeof *in->cost)) ||
		    !(in->stamp = calloc(nb, sizeof *in->stamp)))
			return SIM_ENOMEM;
		break;
	case P_RING:
		if (!(in->ring = malloc(c->nring * sizeof *in->ring)))
			return SIM_ENOMEM;
		break;
	case P_MAGLEV:
		if (!(in->table = malloc((size_t)c->table_size * sizeof *in->table)))
			return SIM_ENOMEM;
		break;
	default:
		break;
	}
	uint32_t u = units_now(s, c);
	for (uint32_t b = u; b < nb; b++)
		in->flags[b] = AV_INACTIVE;
	if (rebuild(s, lb, in))
		return SIM_ENOMEM;
	if (c->hc.on) {
		/* probes of each backend start at a random phase, as real
		 * checkers jitter them */
		for (uint32_t b = 0; b < nb; b++) {
			int64_t at = (int64_t)(rng_uniform_pos(lb->rng) * (double)c->hc.interval_ns);
			if (!sim_schedule(s, at, n->id, LB_EV_PROBE, NULL, (uint64_t)i << 32 | b))
				return SIM_ENOMEM;
		}
	}
	return 0;
}

static int lb_init(struct sim *s, struct sim_node *n)
{
	const struct lb_cfg *c = n->sc->cfg;
	struct lb *lb = calloc(1, sizeof *lb);
	n->state = lb;
	if (!lb)
		return SIM_ENOMEM;
	lb->cfg = c;
	lb->nb = c->nb;
	pool_init(&lb->flights, sizeof(struct flight), 1024);
	lb->units_seen = units_now(s, c);
	if (!(lb->rng = sim_stream(s, n, "policy")) ||
	    !(lb->in = calloc(c->instances, sizeof *lb->in)) ||
	    !(lb->bs = calloc(lb->nb, sizeof *lb->bs)) ||
	    !(lb->wtmp = malloc(lb->nb * sizeof *lb->wtmp)))
		return SIM_ENOMEM;
	twa_init(&lb->out_all, s->now_ns, 0);
	for (uint32_t b = 0; b < lb->nb; b++)
		twa_init(&lb->bs[b].out, s->now_ns, 0);
	for (uint32_t i = 0; i < c->instances; i++) {
		int rc = inst_init(s, n, lb, i);
		if (rc)
			return rc;
	}
	return 0;
}

static void lb_fini(struct sim *s, struct sim_node *n)
{
	struct lb *lb = n->state;
	if (!lb)
		return;
	for (uint32_t i = 0; lb->in && i < lb->cfg->instances; i++) {
		struct inst *in = &lb->in[i];
		free(in->load), free(in->flags), free(in->avail), free(in->c5xx);
		free(in->times), free(in->hc_fail), free(in->hc_ok), free(in->ss_start);
		free(in->sched), free(in->heap), free(in->hpos), free(in->vt);
		free(in->cost), free(in->stamp), free(in->ring), free(in->table);
		free(in->conns);
		if (in->alias)
			gsl_ran_discrete_free(in->alias);
	}
	free(lb->in);
	free(lb->bs);
	free(lb->wtmp);
	if (lb->rng)
		gsl_rng_free(lb->rng);
	pool_fini(&lb->flights);
	free(lb);
	n->state = NULL;
}

enum { SIM_DRAW_LB_INSTANCE = SIM_DRAW_KIND_BASE, SIM_DRAW_LB_OVERHEAD };

static void forward(struct sim *s, struct sim_node *n, struct lb *lb,
		    struct request *req, uint32_t i)
{
	const struct lb_cfg *c = lb->cfg;
	struct inst *in = &lb->in[i];
	if (c->whole)
		poll_scale(s, lb);
	uint32_t b;
	int release = 1;
	if (c->layer == 4 && req->conn != SIM_ANY) {
		uint64_t key = ((uint64_t)req->client << 32 | req->conn) + 1;
		struct conn *cn = conn_find(in, key);
		if (!cn) {
			s->oom = 1;
			sim_request_free(s, req);
			return;
		}
		if (cn->b != LB_NONE && !in->flags[cn->b] &&
		    (!c->lifetime_ns || s->now_ns - cn->opened_ns < c->lifetime_ns)) {
			b = cn->b;
		} else {
			if (cn->b != LB_NONE)
				load_add(lb, in, cn->b, -1);
			b = choose(s, lb, in, rng_mix64(key));
			cn->b = b;
			cn->opened_ns = s->now_ns;
			if (b != LB_NONE)
				load_add(lb, in, b, +1);
		}
		release = 0;
	} else {
		uint64_t h = c->layer == 4 ? req->ident : keys_hash(req->key);
		b = choose(s, lb, in, h);
		if (b != LB_NONE)
			load_add(lb, in, b, +1);
	}
	if (b == LB_NONE) {
		if (s->measuring)
			lb->no_backend++;
		sim_fail(s, req, REQ_NO_BACKEND, n->id);
		return;
	}
	struct flight *f = pool_get(&lb->flights);
	if (!f) {
		s->oom = 1;
		sim_request_free(s, req);
		return;
	}
	f->sent_ns = s->now_ns;
	f->b = b;
	f->inst = i;
	f->release = release;
	if (s->measuring)
		lb->bs[b].sent++;
	twa_add(&lb->bs[b].out, s->now_ns, 1);
	twa_add(&lb->out_all, s->now_ns, 1);
	sim_via_push(req, &f->via, n->id);
	const struct backend *e = &c->be[b];
	req->replica = e->replica;
	sim_send(s, e->node, req);
}

static void lb_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct lb *lb = n->state;
	const struct lb_cfg *c = lb->cfg;
	if (s->measuring)
		lb->arrivals++;
	uint32_t i = 0;
	uint64_t salt = (uint64_t)n->id << 8;
	if (c->instances > 1)
		i = (uint32_t)(rng_uniform_pos(sim_draws(s, req, SIM_DRAW_LB_INSTANCE | salt)) *
			       c->instances);
	if (c->has_overhead) {
		int64_t d = dist_sample_ns(&c->overhead,
					   sim_draws(s, req, SIM_DRAW_LB_OVERHEAD | salt));
		if (d > 0) {
			sim_schedule(s, s->now_ns + d, n->id, LB_EV_FORWARD, req, i);
			return;
		}
	}
	forward(s, n, lb, req, i);
}

/* eject takes backend b out at instance in, if the cap allows. */
static void eject(struct sim *s, struct sim_node *n, struct lb *lb, struct inst *in,
		  uint32_t i, uint32_t b)
{
	const struct od_cfg *o = &lb->cfg->od;
	uint32_t cap = (uint32_t)(o->max_percent / 100 * lb->nb);
	if (cap < 1)
		cap = 1;
	if ((in->flags[b] & AV_EJECTED) || in->nejected >= cap)
		return;
	in->nejected++;
	in->times[b]++;
	double t = (double)o->base_ns * in->times[b];
	int64_t dur = t > (double)o->max_ns ? o->max_ns : (int64_t)t;
	if (s->measuring)
		lb->bs[b].ejections++;
	set_flag(s, lb, in, b, AV_EJECTED, 1);
	sim_schedule(s, s->now_ns + dur, n->id, LB_EV_UNEJECT, NULL,
		     (uint64_t)i << 32 | b);
}

static void lb_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct lb *lb = n->state;
	const struct lb_cfg *c = lb->cfg;
	struct flight *f = (struct flight *)sim_via_pop(req);
	struct inst *in = &lb->in[f->inst];
	uint32_t b = f->b;
	double rtt = (double)(s->now_ns - f->sent_ns);
	if (f->release)
		load_add(lb, in, b, -1);
	twa_add(&lb->bs[b].out, s->now_ns, -1);
	twa_add(&lb->out_all, s->now_ns, -1);
	if (s->measuring) {
		lb->bs[b].lat_sum_s += rtt * 1e-9, lb->bs[b].replies++;
	}
	if (c->policy == P_LRT || c->policy == P_PEWMA) {
		double w = exp(-(double)(s->now_ns - in->stamp[b]) / (double)c->decay_ns);
		if (c->policy == P_PEWMA && rtt > in->cost[b])
			in->cost[b] = rtt;
		else
			in->cost[b] = in->cost[b] * w + rtt * (1 - w);
		in->stamp[b] = s->now_ns;
	}
	if (req->status != REQ_OK) {
		if (s->measuring)
			lb->bs[b].failed++;
		if (c->od.on && ++in->c5xx[b] >= c->od.consecutive) {
			in->c5xx[b] = 0;
			eject(s, n, lb, in, f->inst, b);
		}
	} else {
		in->c5xx[b] = 0;
	}
	pool_put(&lb->flights, f);
	sim_finish(s, req);
}

/* probe_result counts a probe of b at instance i, passed or failed. */
static void probe_result(struct sim *s, struct lb *lb, uint32_t i, uint32_t b, int ok)
{
	const struct hc_cfg *h = &lb->cfg->hc;
	struct inst *in = &lb->in[i];
	if (ok) {
		in->hc_fail[b] = 0;
		if ((in->flags[b] & AV_UNHEALTHY) && ++in->hc_ok[b] >= h->healthy) {
			in->hc_ok[b] = 0;
			set_flag(s, lb, in, b, AV_UNHEALTHY, 0);
		}
		return;
	}
	in->hc_ok[b] = 0;
	if (!(in->flags[b] & AV_UNHEALTHY) && ++in->hc_fail[b] >= h->unhealthy) {
		in->hc_fail[b] = 0;
		const struct backend *e = &lb->cfg->be[b];
		if (s->measuring) {
			lb->bs[b].unhealthy++;
			if (backend_down(s, e)) {
				double d = (double)(s->now_ns - backend_down_since(s, e)) * 1e-9;
				lb->bs[b].detect_sum_s += d, lb->bs[b].detect_n++;
			}
		}
		set_flag(s, lb, in, b, AV_UNHEALTHY, 1);
	}
}

static void lb_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct lb *lb = n->state;
	const struct lb_cfg *c = lb->cfg;
	uint32_t i = (uint32_t)(ev->arg >> 32), b = (uint32_t)ev->arg;
	switch (ev->kind) {
	case LB_EV_FORWARD:
		forward(s, n, lb, ev->obj, (uint32_t)ev->arg);
		break;
	case LB_EV_PROBE:
		sim_schedule(s, s->now_ns + c->hc.interval_ns, n->id, LB_EV_PROBE, NULL, ev->arg);
		if (backend_down(s, &c->be[b]))
			sim_schedule(s, s->now_ns + c->hc.timeout_ns, n->id, LB_EV_PROBE_FAIL,
				     NULL, ev->arg);
		else
			probe_result(s, lb, i, b, 1);
		break;
	case LB_EV_PROBE_FAIL:
		probe_result(s, lb, i, b, 0);
		break;
	case LB_EV_UNEJECT:
		lb->in[i].nejected--;
		set_flag(s, lb, &lb->in[i], b, AV_EJECTED, 0);
		break;
	}
}

static void lb_warmup_end(struct sim *s, struct sim_node *n)
{
	struct lb *lb = n->state;
	lb->arrivals = lb->no_backend = lb->moved_n = 0;
	lb->moved_sum = 0;
	lb->ts_prev_out -= twa_integral(&lb->out_all, s->now_ns);
	twa_restart(&lb->out_all, s->now_ns);
	for (uint32_t b = 0; b < lb->nb; b++)
		bstat_start(&lb->bs[b], s->now_ns);
}

/* row_write writes a row's cells in the order of lb_cols: the
 * backend's, or with st the sum of them all, the balancer's. */
static void row_write(double *v, const struct bstat *st, uint64_t total,
		      uint64_t arrivals, double outstanding)
{
	v[0] = (double)arrivals;
	v[2] = (double)st->sent;
	v[3] = (double)total;
	v[4] = (double)st->failed;
	v[6] = st->lat_sum_s;
	v[7] = (double)st->replies;
	v[8] = outstanding;
	v[10] = (double)st->ejections;
	v[12] = (double)st->unhealthy;
	v[14] = st->detect_sum_s;
	v[15] = (double)st->detect_n;
}

static void lb_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct lb *lb = n->state;
	int64_t now = s->now_ns;
	struct bstat sum = { 0 };
	for (uint32_t b = 0; b < lb->nb; b++) {
		const struct bstat *st = &lb->bs[b];
		sum.sent += st->sent, sum.replies += st->replies, sum.failed += st->failed;
		sum.ejections += st->ejections, sum.unhealthy += st->unhealthy;
		sum.lat_sum_s += st->lat_sum_s;
		sum.detect_sum_s += st->detect_sum_s, sum.detect_n += st->detect_n;
		lb->wtmp[b] = (double)st->sent;
	}
	sum.failed += lb->no_backend;
	double *v = node_row(o, n->ops, 0);
	row_write(v, &sum, sum.sent, lb->arrivals, twa_mean(&lb->out_all, now));
	/* the spread of the requests over the backends that can take them:
	 * sd (over the backends, not a sample's) / mean */
	uint32_t u = units_now(s, lb->cfg);
	double m = u ? gsl_stats_mean(lb->wtmp, 1, u) : 0;
	v[16] = u > 1 && m > 0 ? gsl_stats_sd_with_fixed_mean(lb->wtmp, 1, u, m) / m : NAN;
	v[18] = lb->moved_n ? lb->moved_sum / (double)lb->moved_n : NAN;
	v[20] = (double)lb->no_backend;
	for (uint32_t b = 0; b < lb->nb && o->nrows > 1; b++) {
		double *r = node_row(o, n->ops, 1 + b);
		row_write(r, &lb->bs[b], sum.sent, lb->bs[b].sent, twa_mean(&lb->bs[b].out, now));
		r[16] = r[18] = NAN;
		r[20] = 0;
	}
}

static void lb_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct lb *lb = n->state;
	int64_t now = s->now_ns;
	double cur = twa_integral(&lb->out_all, now);
	double dt = (double)(now - lb->ts_prev_ns);
	out[0] = dt > 0 ? (cur - lb->ts_prev_out) / dt : NAN;
	double av = 0;
	for (uint32_t i = 0; i < lb->cfg->instances; i++)
		av += lb->in[i].navail;
	out[1] = av / lb->cfg->instances;
	lb->ts_prev_out = cur;
	lb->ts_prev_ns = now;
}

static double lb_calls(const void *cfg, size_t i, uint32_t *to)
{
	const struct lb_cfg *c = cfg;
	if (i >= c->nlist)
		return -1;
	*to = c->list[i];
	return 1.0 / (double)c->nlist;
}

static const struct col_def lb_cols[] = {
	{ "arrivals", COL_SUM, 0,
	  "balancer: requests that reached it; a backend's row: requests sent to that backend" },
	{ "share", COL_RATIO, 0, "a backend's row: its share of the requests the balancer sent" },
	{ "failed", COL_SUM, 0,
	  "balancer: replies that were not ok, and requests it had no backend for; a backend's row: its replies that were not ok" },
	{ "latency_mean_s", COL_RATIO, 0,
	  "balancer and backend rows: time from sending a request to a backend to its reply (the overhead not included)" },
	{ "outstanding_mean", COL_MEAN, 0, "requests sent and not yet answered, time-averaged" },
	{ "ejections", COL_SUM, 0, "outlier-detection ejections" },
	{ "unhealthy_marks", COL_SUM, 0, "times health checks took a backend out" },
	{ "detect_mean_s", COL_RATIO, 0,
	  "time from a backend's crash to the health checks taking it out" },
	{ "load_cv", COL_MEAN, 1,
	  "coefficient of variation (sd / mean) of the requests each place in use at the end received: a balancer's backends, a shards node's shards" },
	{ "keys_moved_share", COL_MEAN, 0,
	  "share of the key space whose place changed when the set of places changed (a hash balancer's backends, a cache's nodes, shards), averaged over the changes" },
	{ "no_backend", COL_SUM, 0, "requests failed for want of an available backend" },
	{ NULL, 0, 0, NULL },
};

static const struct col_def lb_ts_cols[] = {
	{ "outstanding_mean", COL_MEAN, 0, "requests sent and not yet answered" },
	{ "available_backends", COL_MEAN, 0,
	  "backends the balancer may send to at the window's end (mean over instances)" },
	{ NULL, 0, 0, NULL },
};

const struct model_ops balancer_ops = {
	.kind = "balancer",
	.summary = "relays each request to a backend by a policy: round robin, least connections, p2c, EWMA, ring hash, maglev; layer 4 or 7; health checks",
	.params = &lb_table,
	.link = lb_link,
	.init = lb_init,
	.arrive = lb_arrive,
	.done = lb_done,
	.event = lb_event,
	.faults = SIM_FAULT(TL_LATENCY),
	.warmup_end = lb_warmup_end,
	.finish = lb_finish,
	.cols = lb_cols,
	.sample = lb_sample,
	.ts_cols = lb_ts_cols,
	.fini = lb_fini,
	.calls = lb_calls,
};
