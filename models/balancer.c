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
 *
 * The policies are data: one table, lb_policies, a row per policy in the
 * manner of nginx's upstream modules (set up the peers, get a peer, free
 * a peer): its name for `policy:`, a line of doc, flags (takes weights,
 * picks by hash) and hooks: validate and link for the configuration,
 * init and fini of an instance's own state, rebuild when the available
 * set changes, pick, and what follows a load change or a reply.  The
 * kind calls the hooks and never names a policy; a policy's functions
 * sit in a section of their own above the table.  The file reads: types,
 * the policies and their table, parameters, linking, running.
 */
#include "models/balancer.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/keys.h"
#include "sim/pool.h"
#include "sim/hashring.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/zone.h"

#define LB_MAX_BACKENDS 100000
#define LB_MAX_INSTANCES 1024
#define LB_MAX_CHOICES 64
#define LB_MAX_VNODES 10000
#define LB_MAX_WEIGHT 1000000
#define LB_WRR_MAX_STEPS 50000000.0  /* sum(weights) x backends */
#define LB_RING_MAX_POINTS 20000000.0
#define LB_NONE UINT32_MAX
#define LB_MAX_ZONES 256

/* ---- types ------------------------------------------------------------ */

enum { LB_EV_FORWARD = 1, LB_EV_PROBE, LB_EV_PROBE_FAIL, LB_EV_OD_SWEEP, LB_EV_FAIL_END };

/* availability flags of a backend, per instance */
enum { AV_UNHEALTHY = 1, AV_EJECTED = 2, AV_INACTIVE = 4, AV_FAILED = 8 };

struct hc_cfg {
	int on;
	int64_t interval_ns, timeout_ns;
	uint32_t unhealthy, healthy;
};

/* A probe's timeout event names its probe: arg = seq << 27 | instance
 * << 17 | backend. */
#define LB_PROBE_B_BITS 17
#define LB_PROBE_I_BITS 10
_Static_assert(LB_MAX_BACKENDS <= 1 << LB_PROBE_B_BITS && LB_MAX_INSTANCES <= 1 << LB_PROBE_I_BITS,
	       "a probe's backend and instance fit its event's arg");

struct od_cfg {
	int on;
	uint32_t consecutive;
	int64_t base_ns, max_ns, interval_ns;
	double max_percent;
	int always_one;              /* always_eject_one_host */
	uint32_t enforce_5xx, enforce_sr;   /* percent */
	uint32_t sr_hosts, sr_volume, sr_factor;
	int hc_uneject;              /* successful_active_health_check_uneject_host */
};

struct ss_cfg {
	int on;
	int64_t window_ns;
	double aggression, min_weight_percent;
};

/* `zone_aware:` Envoy's zone aware routing (zone_aware_lb_config) */
struct za_cfg {
	int on;
	uint32_t *local;       /* the originating nodes: their replicas are
				* the local cluster's hosts (Envoy's
				* local_cluster_name) */
	size_t nlocal;
	uint32_t enabled;      /* routing_enabled, percent */
	uint64_t min_size;     /* min_cluster_size */
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
	uint64_t min_ring, max_ring;   /* ring_hash: Envoy's ring sizes */
	uint32_t balance_factor;       /* ring_hash: hash_balance_factor; 0 off */
	uint32_t choice_count;   /* least_request: Envoy's choice_count */
	double bias;             /* least_request: Envoy's active_request_bias */
	uint32_t panic;          /* healthy_panic_threshold, percent; 0: never */
	uint32_t max_fails;      /* nginx's passive check; 0: none */
	int64_t fail_timeout_ns;
	int64_t decay_ns, lifetime_ns;
	struct hc_cfg hc;
	struct od_cfg od;
	struct ss_cfg ss;
	struct za_cfg za;
	/* from link */
	uint32_t nb;
	struct backend *be;    /* [nb] */
	uint32_t *order;       /* [nb] backends sorted by name */
	int equal_weights;
	uint64_t wsum;
	void *shared;          /* what the policy's link laid out for all
				* instances; its unlink frees it */
};

/* A request in flight through the balancer. */
struct flight {
	struct sim_via via;    /* first: sim_via_pop returns it */
	int64_t sent_ns;
	uint32_t b, inst;
	int release;           /* its load is released on reply */
	int probe;             /* a health check's probe, not a request */
	uint32_t seq;          /* the probe's number */
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
	void *ps;              /* the policy's own: its init makes it, its
				* fini frees it */
	uint32_t *hc_fail, *hc_ok, *c5xx, *times;
	int64_t *ejected_at;             /* [nb] when it was last ejected */
	uint32_t *sr_ok, *sr_all;        /* [nb] replies this interval */
	uint32_t *fails;                 /* [nb] nginx: failures in the window */
	int64_t *fail_since;             /* [nb] the window's start */
	uint32_t *probe_seq;             /* [nb] the last probe's number */
	uint8_t *probe_out;              /* [nb] it awaits its answer */
	int panic;                       /* too few healthy: all are available */
	uint32_t nejected;
	int64_t *ss_start;               /* slow start began; -1 none */
	int64_t ss_until;                /* every slow start is over then */
	uint64_t epoch_sent;             /* requests sent since the
					  * available set last changed */
	struct conn *conns;              /* layer 4, open addressing */
	size_t nconns, conns_cap;
	/* zone aware routing: the available backends grouped by zone, and
	 * for each zone a caller may be in, where its requests go */
	uint32_t *zavail;                /* [nb] avail, zone by zone */
	uint32_t *zoff;                  /* [zones + 2]: zone z's are zavail[
					  * zoff[z] .. zoff[z + 1]) */
	uint32_t *zcur;                  /* [zones + 1] round robin's place
					  * in each zone */
	struct zroute *zr;               /* [zones + 1], by the caller's zone */
	uint64_t *zresid;                /* [(zones + 1) x (zones + 1)]: the
					  * residual capacities, cumulative */
	uint64_t zgen;                   /* the local cluster's nodes' gen, summed,
					  * when they were last counted */
};

/* Where a caller in one zone sends its requests (Envoy's
 * PerPriorityState): nowhere in particular, to its own zone, or there
 * with local_percent_to_route's chance and elsewhere by the other
 * zones' residual capacity. */
enum { ZR_NONE, ZR_DIRECT, ZR_RESIDUAL };
struct zroute {
	uint8_t state;
	uint64_t local_percent;          /* x 10000 */
};

/* Statistics since warm-up, per backend (and summed for the node).
 * What a request and its reply change comes first, in one cache line
 * (the type is aligned to one): over 10^5 backends, picked at random,
 * a backend's line is seldom cached. */
struct bstat {
	uint64_t sent, replies, failed;
	double lat_sum_s;
	struct twa out;        /* outstanding requests */
	uint64_t ejections, unhealthy;
	double detect_sum_s;
	uint64_t detect_n;
	double even;           /* requests it would have had, split among
				* the available backends by weight (even_flush) */
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct bstat, out) + sizeof(struct twa) <= 64,
	       "what a request changes of a backend's statistics fits one cache line");

struct lb_policy;

struct lb {
	const struct lb_cfg *cfg;
	const struct lb_policy *pol;   /* lb_policies[cfg->policy] */
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
	int64_t now_ns;                  /* the clock, for a policy's rebuild */
	uint64_t probe_ident, nprobes;   /* the probes' identities */
	struct pool flights;
	double ts_prev_out;
	int64_t ts_prev_ns;
	double *wtmp;          /* [nb] scratch */
};

/* ---- the policies ------------------------------------------------------ */

/*
 * A policy is a row of lb_policies below, as an nginx upstream module is
 * a few callbacks over the peers that upstream{} keeps for it: the kind
 * keeps the backends, their weights, loads, health and the dense array of
 * the available ones (struct inst: avail, navail, load, flags); a policy
 * keeps whatever else it needs in an instance's `ps` (and what all
 * instances share in the configuration's `shared`) and answers the
 * hooks below.  Every hook but pick may be NULL: the policy has nothing
 * to do then.  Adding a policy is its functions, in a section of their
 * own, and its row.
 */

enum lb_policy_flag {
	/* reads `weights`: other policies refuse them */
	LBP_WEIGHTS = 1 << 0,
	/* picks by the request's hash (the connection's at layer 4) and the
	 * available set alone: it draws nothing and changes nothing, so the
	 * kind may ask it where probe keys go before and after the set
	 * changes (keys_moved_share), and slow start leaves it alone (a
	 * second pick would move keys, not thin a backend's share) */
	LBP_HASH = 1 << 1,
	/* scales the weights of backends in slow start itself, as Envoy's
	 * round robin and least request do; the kind thins the others'
	 * picks instead */
	LBP_SLOW_START = 1 << 2,
	/* Envoy routes by zone for it (round robin, random, least request):
	 * its pick reads in->avail and in->navail alone (and load), so that
	 * zone aware routing may hand it one zone's */
	LBP_ZONES = 1 << 3,
};

struct lb_policy {
	const char *name;      /* as `policy:` writes it; first (PARAM_ENUM
				* reads the rows' names) */
	const char *doc;       /* a line for the reader: what it does, after
				* whom (balancer.h has the full account) */
	unsigned flags;        /* enum lb_policy_flag */

	/* validate checks the policy's keys once all are read (map and what
	 * for locations): 0 or SIM_EINVAL through check_fail. */
	int (*validate)(struct check_ctx *ctx, const char *what,
			const struct yt_node *map, const struct lb_cfg *c);
	/* link checks what needs the backends known (their number and
	 * weights, c->be) and lays out what every instance shares in
	 * c->shared: 0, SIM_EINVAL or SIM_ENOMEM.  unlink frees c->shared,
	 * and is called whether link ran or not. */
	int (*link)(struct check_ctx *ctx, struct sc_node *self, struct lb_cfg *c);
	void (*unlink)(struct lb_cfg *c);

	/* init allocates instance in's in->ps, before its first rebuild:
	 * 0 or SIM_ENOMEM.  fini frees it, whatever init got to (in->ps may
	 * be NULL, or hold NULL arrays). */
	int (*init)(struct lb *lb, struct inst *in);
	void (*fini)(struct inst *in);
	/* rebuild follows a change of the available set, and sets up the
	 * first one after init: in->avail and in->navail are new, in->flags
	 * says who is out (navail may be 0).  0, or -1 out of memory. */
	int (*rebuild)(struct lb *lb, struct inst *in);
	/* pick chooses an available backend for a request whose hash is h;
	 * called only while in->navail > 0.  The hot path. */
	uint32_t (*pick)(struct sim *s, struct lb *lb, struct inst *in, uint64_t h);
	/* load_changed follows in->load[b] after a request or connection
	 * was sent to b or released from it. */
	void (*load_changed)(const struct lb *lb, struct inst *in, uint32_t b);
	/* reply sees each reply from backend b, rtt_ns after its request
	 * was sent. */
	void (*reply)(const struct lb *lb, struct inst *in, uint32_t b, double rtt_ns,
		      int64_t now_ns);
	/* zone_cursor (with LBP_ZONES) is the place the policy keeps in
	 * in->avail from pick to pick, which zone aware routing keeps per
	 * zone; NULL: it keeps none. */
	uint32_t *(*zone_cursor)(struct inst *in);
};

/* ---- the round-robin cycle ---------------------------------------------- */

/* round_robin itself sits after least_request, whose schedule it takes
 * while a backend is in slow start. */
struct rr_state {
	uint32_t next;         /* place in avail of the next pick */
};

/* rr_next takes the next available backend in turn. */
static uint32_t rr_next(struct rr_state *r, const struct inst *in)
{
	if (r->next >= in->navail)
		r->next = 0;
	return in->avail[r->next++];
}

/* the cursor starts over when the set shrank under it, and stays
 * there until the set grows back */
static void rr_restart(struct rr_state *r, const struct inst *in)
{
	if (r->next >= in->navail)
		r->next = 0;
}

/* ---- weighted_round_robin ---------------------------------------------- */

/* With equal weights it is round robin; otherwise it steps through one
 * period of nginx's smooth weighted round robin, laid out when the set
 * changes. */
struct wrr_state {
	struct rr_state rr;    /* equal weights */
	uint32_t *sched, nsched, spos;   /* the period, and the place in it */
};

static int wrr_link(struct check_ctx *ctx, struct sc_node *self, struct lb_cfg *c)
{
	if (!c->equal_weights && (double)c->wsum * c->nb > LB_WRR_MAX_STEPS) {
		char what[160];
		snprintf(what, sizeof what, "nodes.%s.weights", self->name);
		return check_fail(ctx, yt_get(self->src, "weights"), what,
			       "weights adding up to %llu over %u backends make a period too long to lay out (weights x backends at most %.0f); divide the weights by their common factor or use weighted_random",
			       (unsigned long long)c->wsum, c->nb, LB_WRR_MAX_STEPS);
	}
	return 0;
}

static int wrr_init(struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	struct wrr_state *w = calloc(1, sizeof *w);
	if (!(in->ps = w))
		return SIM_ENOMEM;
	if (!c->equal_weights && !(w->sched = malloc(c->wsum * sizeof *w->sched)))
		return SIM_ENOMEM;
	return 0;
}

static void wrr_fini(struct inst *in)
{
	struct wrr_state *w = in->ps;
	if (w)
		free(w->sched);
	free(w);
}

/* wrr_fill lays out one period of nginx's smooth weighted round robin
 * over the available backends (in backend order, the first on a tie). */
static int wrr_fill(struct lb *lb, struct inst *in, struct wrr_state *w)
{
	const struct lb_cfg *c = lb->cfg;
	uint64_t total = 0;
	for (uint32_t i = 0; i < in->navail; i++)
		total += c->be[in->avail[i]].weight;
	w->nsched = (uint32_t)total;
	w->spos = 0;
	int64_t *cur = calloc(in->navail ? in->navail : 1, sizeof *cur);
	if (!cur)
		return -1;
	for (uint32_t k = 0; k < w->nsched; k++) {
		uint32_t best = 0;
		for (uint32_t i = 0; i < in->navail; i++) {
			cur[i] += c->be[in->avail[i]].weight;
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= (int64_t)total;
		w->sched[k] = in->avail[best];
	}
	free(cur);
	return 0;
}

static int wrr_rebuild(struct lb *lb, struct inst *in)
{
	struct wrr_state *w = in->ps;
	rr_restart(&w->rr, in);
	return lb->cfg->equal_weights ? 0 : wrr_fill(lb, in, w);
}

static uint32_t wrr_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	struct wrr_state *w = in->ps;
	if (lb->cfg->equal_weights)
		return rr_next(&w->rr, in);
	if (w->spos >= w->nsched)
		w->spos = 0;
	return w->sched[w->spos++];
}

/* ---- random ------------------------------------------------------------ */

static uint32_t random_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	return in->avail[(uint32_t)(rng_uniform_pos(lb->rng) * in->navail)];
}

/* ---- weighted_random ---------------------------------------------------- */

/* in->ps is Walker's alias table over the available backends, NULL while
 * none is available. */

static void wrandom_fini(struct inst *in)
{
	if (in->ps)
		gsl_ran_discrete_free(in->ps);
	in->ps = NULL;
}

static int wrandom_rebuild(struct lb *lb, struct inst *in)
{
	wrandom_fini(in);
	if (!in->navail)
		return 0;
	for (uint32_t i = 0; i < in->navail; i++)
		lb->wtmp[i] = lb->cfg->be[in->avail[i]].weight;
	in->ps = gsl_ran_discrete_preproc(in->navail, lb->wtmp);
	return in->ps ? 0 : -1;
}

static uint32_t wrandom_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	return in->avail[gsl_ran_discrete(lb->rng, in->ps)];
}

/* ---- least_connections -------------------------------------------------- */

/* A 4-ary heap of the available backends by (load / weight, virtual
 * time, index).  Each entry carries the keys it is ordered by, so that a
 * sift reads the heap alone: over 10^5 backends a separate array per key
 * cost a cache miss per key per level.  Four children to a parent halve
 * the levels of a binary heap, and the array is placed so that a
 * parent's four 16-byte children share one 64-byte line.  The order is
 * total, so the backend at the top is the same whatever the heap's
 * shape.
 *
 * An entry packs its keys in two words, in the order they are compared:
 * hi holds the load (the instance's in->load[b]) in its top 32 bits and
 * the first 32 bits of the virtual time's, lo the virtual time's last 32
 * bits and the backend.  A virtual time is a double >= 0 (never -0, never
 * NaN), whose bits order as its values do, so with equal weights an
 * entry is less than another exactly when (hi, lo) is: one comparison of
 * two integers at each of a sift's steps.  Weighted, the loads are
 * compared as products first. */
struct lc_ent {
	uint64_t hi, lo;
};

static inline uint32_t ent_load(const struct lc_ent *e) { return (uint32_t)(e->hi >> 32); }
static inline uint32_t ent_b(const struct lc_ent *e) { return (uint32_t)e->lo; }

static inline uint64_t ent_vt_bits(const struct lc_ent *e)
{
	return e->hi << 32 | e->lo >> 32;
}

static inline double ent_vt(const struct lc_ent *e)
{
	uint64_t u = ent_vt_bits(e);
	double v;
	memcpy(&v, &u, sizeof v);
	return v;
}

static inline struct lc_ent ent_make(uint32_t load, double vt, uint32_t b)
{
	assert(vt >= 0 && !signbit(vt));
	uint64_t u;
	memcpy(&u, &vt, sizeof u);
	return (struct lc_ent){ (uint64_t)load << 32 | u >> 32, u << 32 | b };
}

struct lc_state {
	struct lc_ent *heap;             /* [nb], its children at 4i + 1 .. 4i + 4 */
	void *mem;                       /* what heap sits in */
	uint32_t *hpos, nheap;           /* hpos[b]: b's place, LB_NONE if out */
	double *vt;                      /* the virtual times of those out */
	const uint32_t *w;               /* the weights, NULL when all equal */
};

/* lc_less orders entries by load / weight, then virtual time, then
 * backend.  `weighted` (lc->w != NULL) is a constant at each use: the
 * sifts below are compiled once for each case, and test it once, not at
 * each comparison (over 10^5 backends a pick sifts through 8 levels of
 * four). */
static inline __attribute__((always_inline)) int
lc_less(const struct lc_state *lc, const struct lc_ent *a, const struct lc_ent *b, int weighted)
{
	if (!weighted)
		return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
	/* load_a / w_a < load_b / w_b, exactly: products of two 32-bit
	 * numbers, in 64 bits */
	uint64_t la = (uint64_t)ent_load(a) * lc->w[ent_b(b)];
	uint64_t lb_ = (uint64_t)ent_load(b) * lc->w[ent_b(a)];
	if (la != lb_)
		return la < lb_;
	uint64_t va = ent_vt_bits(a), vb = ent_vt_bits(b);
	if (va != vb)
		return va < vb;
	return ent_b(a) < ent_b(b);
}

static void heap_put(struct lc_state *lc, uint32_t i, struct lc_ent e)
{
	lc->heap[i] = e;
	lc->hpos[ent_b(&e)] = i;
}

/* sift_down_w moves entry i below the children less than it. */
static inline __attribute__((always_inline)) void
sift_down_w(struct lc_state *lc, uint32_t i, int weighted)
{
	struct lc_ent e = lc->heap[i];
	for (;;) {
		uint32_t c = 4 * i + 1;
		if (c >= lc->nheap)
			break;
		const struct lc_ent *h = lc->heap;
		uint32_t m = c;
		if (c + 4 <= lc->nheap) {
			/* four children: the least of two pairs' least (the
			 * order is total, so any way to the least finds it) */
			uint32_t x = lc_less(lc, &h[c + 1], &h[c], weighted) ? c + 1 : c;
			uint32_t y = lc_less(lc, &h[c + 3], &h[c + 2], weighted) ? c + 3 : c + 2;
			m = lc_less(lc, &h[y], &h[x], weighted) ? y : x;
		} else {
			for (uint32_t k = c + 1; k < lc->nheap; k++)
				if (lc_less(lc, &h[k], &h[m], weighted))
					m = k;
		}
		if (!lc_less(lc, &lc->heap[m], &e, weighted))
			break;
		heap_put(lc, i, lc->heap[m]);
		i = m;
	}
	heap_put(lc, i, e);
}

/* heap_fix_w puts entry i back in order after its keys changed: up past
 * the parents greater than it, or else down. */
static inline __attribute__((always_inline)) void
heap_fix_w(struct lc_state *lc, uint32_t i, int weighted)
{
	struct lc_ent e = lc->heap[i];
	uint32_t at = i;
	while (at > 0 && lc_less(lc, &e, &lc->heap[(at - 1) / 4], weighted)) {
		heap_put(lc, at, lc->heap[(at - 1) / 4]);
		at = (at - 1) / 4;
	}
	if (at != i)
		heap_put(lc, at, e);
	else
		sift_down_w(lc, i, weighted);
}

static void heap_fix(struct lc_state *lc, uint32_t i)
{
	if (lc->w)
		heap_fix_w(lc, i, 1);
	else
		heap_fix_w(lc, i, 0);
}

static int lc_init(struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	uint32_t nb = lb->nb;
	struct lc_state *lc = calloc(1, sizeof *lc);
	if (!(in->ps = lc) ||
	    !(lc->mem = malloc((nb + 4) * sizeof *lc->heap)) ||
	    !(lc->hpos = malloc(nb * sizeof *lc->hpos)) ||
	    !(lc->vt = malloc(nb * sizeof *lc->vt)))
		return SIM_ENOMEM;
	/* entry 1 on a line's start: 4i + 1 .. 4i + 4 share one line */
	uintptr_t at = ((uintptr_t)lc->mem + 16 + 63) & ~(uintptr_t)63;
	lc->heap = (struct lc_ent *)(at - 16);   /* at most 63 bytes in */
	if (!c->equal_weights) {
		uint32_t *w = malloc(nb * sizeof *w);
		if (!w)
			return SIM_ENOMEM;
		for (uint32_t b = 0; b < nb; b++)
			w[b] = c->be[b].weight;
		lc->w = w;
	}
	for (uint32_t b = 0; b < nb; b++) {
		lc->hpos[b] = LB_NONE;
		/* half a stride in: weights 5, 1, 1 give a a a b c a a */
		lc->vt[b] = 0.5 / c->be[b].weight;
	}
	return 0;
}

static void lc_fini(struct inst *in)
{
	struct lc_state *lc = in->ps;
	if (lc)
		free(lc->mem), free(lc->hpos), free(lc->vt), free((void *)lc->w);
	free(lc);
}

static int lc_rebuild(struct lb *lb, struct inst *in)
{
	struct lc_state *lc = in->ps;
	/* the heap's virtual times back to the backends', and the least of
	 * them: a returning backend takes the least virtual time in play,
	 * so it neither wins every tie nor waits out a backlog */
	double vmin = INFINITY;
	for (uint32_t i = 0; i < lc->nheap; i++) {
		double vt = ent_vt(&lc->heap[i]);
		lc->vt[ent_b(&lc->heap[i])] = vt;
		if (vt < vmin)
			vmin = vt;
	}
	for (uint32_t b = 0; b < lb->nb; b++) {
		if (lc->hpos[b] == LB_NONE && !in->flags[b] && vmin < INFINITY &&
		    lc->vt[b] < vmin)
			lc->vt[b] = vmin;
		lc->hpos[b] = LB_NONE;
	}
	lc->nheap = 0;
	for (uint32_t i = 0; i < in->navail; i++) {
		uint32_t b = in->avail[i];
		heap_put(lc, lc->nheap++, ent_make(in->load[b], lc->vt[b], b));
	}
	/* heapify: every parent, the last first, moved down only (one
	 * moved up would pass parents not yet in order, and bury the least
	 * below a greater one) */
	for (uint32_t i = lc->nheap > 1 ? (lc->nheap - 2) / 4 + 1 : 0; i-- > 0;)
		sift_down_w(lc, i, lc->w != NULL);   /* rare: one copy for both */
	return 0;
}

static uint32_t lc_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	struct lc_state *lc = in->ps;
	struct lc_ent *top = &lc->heap[0];
	uint32_t b = ent_b(top);
	*top = ent_make(ent_load(top), ent_vt(top) + 1.0 / (lc->w ? lc->w[b] : lb->cfg->be[0].weight),
			b);
	heap_fix(lc, 0);
	return b;
}

static void lc_load_changed(const struct lb *lb, struct inst *in, uint32_t b)
{
	struct lc_state *lc = in->ps;
	uint32_t i = lc->hpos[b];
	if (i != LB_NONE) {
		struct lc_ent *e = &lc->heap[i];
		e->hi = (uint64_t)in->load[b] << 32 | (e->hi & 0xffffffffu);
		heap_fix(lc, i);
	}
}

/* ---- sampling: p2c and the EWMA policies -------------------------------- */

/* sample_least draws `choices` distinct available backends and returns
 * the cheapest by cost, ties at random.  Inlined into each policy's pick
 * with its own cost, so that a cost is a direct call. */
static inline uint32_t sample_least(struct sim *s, struct lb *lb, struct inst *in,
				    double (*cost)(const struct lb *, const struct inst *,
						   uint32_t, int64_t))
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
	/* with every backend available, avail[i] is i: one miss less a
	 * choice over many backends */
	const uint32_t *av = n == lb->nb ? NULL : in->avail;
	uint32_t best = av ? av[pick[0]] : pick[0], ties = 1;
	double bc = cost(lb, in, best, s->now_ns);
	for (uint32_t i = 1; i < k; i++) {
		uint32_t b = av ? av[pick[i]] : pick[i];
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

/* ---- p2c: the power of d choices ---------------------------------------- */

static double p2c_cost(const struct lb *lb, const struct inst *in, uint32_t b, int64_t now)
{
	/* with equal weights the load orders as load / weight does (distinct
	 * loads stay distinct), without reading the weight */
	if (lb->cfg->equal_weights)
		return (double)in->load[b];
	return (double)in->load[b] / lb->cfg->be[b].weight;
}

static uint32_t p2c_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	return sample_least(s, lb, in, p2c_cost);
}

/* ss_factor is Envoy's slow-start factor of a backend whose slow start
 * began at `start` (-1: none): max((elapsed / window)^(1 / aggression),
 * min_weight_percent / 100), 1 once the window is over
 * (EdfLoadBalancerBase::applySlowStartFactor). */
static double ss_factor(const struct lb_cfg *c, int64_t start, int64_t now)
{
	if (!c->ss.on || start < 0)
		return 1;
	double x = (double)(now - start) / (double)c->ss.window_ns;
	if (x >= 1)
		return 1;
	if (x < 1e-3 / ((double)c->ss.window_ns * 1e-9))
		x = 1e-3 / ((double)c->ss.window_ns * 1e-9);   /* Envoy's 1 ms floor */
	double f = c->ss.aggression == 1 ? x : pow(x, 1 / c->ss.aggression);
	double lo = c->ss.min_weight_percent / 100;
	return f > lo ? f : lo;
}

/* ---- least_request: Envoy's ------------------------------------------------
 *
 * As Envoy's LeastRequestLoadBalancer picks (least_request_lb.cc,
 * edf_scheduler.h):
 *
 *   - while the available backends' weights are all equal, choice_count
 *     of them drawn at random WITH replacement, the first kept unless a
 *     later one has strictly fewer active requests (unweightedHostPickN-
 *     Choices);
 *   - otherwise an earliest-deadline-first schedule: each backend is due
 *     1 / w after its last pick, where w = weight / (active + 1)^bias is
 *     worked out when it is picked (so it is as stale as its last pick),
 *     ties to the one queued first.  The schedule is rebuilt when the
 *     available set changes, as if `seed` picks had been made with the
 *     weights as they stand then (EdfScheduler::createWithPicks, handed
 *     hostWeight), seed drawn once per instance, so that instances do
 *     not all start at the same backend.
 *
 * `active` is the instance's load: outstanding requests (layer 7) or open
 * connections (layer 4).  Envoy counts a host's active requests over its
 * whole process; an archsim instance is one such process.
 */

struct lr_entry {
	double deadline;
	uint64_t order;
	uint32_t b;
};

struct lr_state {
	uint32_t seed;           /* the picks the schedule starts after */
	int weighted;            /* the available weights differ: the EDF */
	struct lr_entry *heap;   /* [navail], a min-heap by (deadline, order) */
	uint32_t n;
	double now;
	uint64_t order;
};

static int lr_before(const struct lr_entry *a, const struct lr_entry *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->order < b->order);
}

static void lr_down(struct lr_state *st, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		if (l < st->n && lr_before(&st->heap[l], &st->heap[m]))
			m = l;
		if (l + 1 < st->n && lr_before(&st->heap[l + 1], &st->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		struct lr_entry t = st->heap[i];
		st->heap[i] = st->heap[m];
		st->heap[m] = t;
		i = m;
	}
}

/* lr_weight is backend b's weight as a pick sees it at `now`: scaled by
 * its slow start, divided by (active + 1)^bias. */
static double lr_weight(const struct lb *lb, const struct inst *in, uint32_t b, double bias,
			int64_t now)
{
	double w = lb->cfg->be[b].weight * ss_factor(lb->cfg, in->ss_start[b], now);
	double active = (double)in->load[b] + 1;
	if (bias == 1.0)
		return w / active;
	return bias == 0 ? w : w / pow(active, bias);
}

/* lr_pop_push takes the earliest entry, moves the clock to it and queues
 * it again 1 / (its weight now) later; returns its backend. */
static uint32_t lr_pop_push(const struct lb *lb, const struct inst *in, struct lr_state *st,
			    double bias, int64_t now)
{
	struct lr_entry *top = &st->heap[0];
	uint32_t b = top->b;
	st->now = top->deadline;
	top->deadline = st->now + 1.0 / lr_weight(lb, in, b, bias, now);
	top->order = st->order++;
	lr_down(st, 0);
	return b;
}

/* lr_open prepares st for lb's backends: 0 or SIM_ENOMEM. */
static int lr_open(struct lb *lb, struct lr_state *st)
{
	if (!(st->heap = malloc(lb->nb * sizeof *st->heap)))
		return SIM_ENOMEM;
	/* Envoy's seed_ is one random() per load balancer */
	st->seed = (uint32_t)(rng_uniform_pos(lb->rng) * 4294967296.0);
	return 0;
}

static int lr_init(struct lb *lb, struct inst *in)
{
	struct lr_state *st = calloc(1, sizeof *st);
	if (!(in->ps = st))
		return SIM_ENOMEM;
	return lr_open(lb, st);
}

static void lr_fini(struct inst *in)
{
	struct lr_state *st = in->ps;
	if (st)
		free(st->heap);
	free(st);
}

/* lr_rebuild lays the schedule out over the available backends as if
 * seed picks had been made from it, the way createWithPicks does: each
 * backend's share of the picks by its weight now (plus 1e-13, so that
 * weights that are multiples of one another stay exact), then the
 * remainder picked one by one. */
static void lr_build(struct lb *lb, struct inst *in, struct lr_state *st, double bias,
		     int64_t now_ns)
{
	const struct lb_cfg *c = lb->cfg;
	st->weighted = 0;
	st->n = 0;
	for (uint32_t i = 1; i < in->navail; i++)
		if (c->be[in->avail[i]].weight != c->be[in->avail[0]].weight)
			st->weighted = 1;
	/* Envoy leaves the unweighted pick while a backend is in slow start */
	if (!st->weighted && now_ns >= in->ss_until)
		return;
	uint32_t picks = st->seed % 429496729u;
	double sum = 0;
	for (uint32_t i = 0; i < in->navail; i++)
		sum += lr_weight(lb, in, in->avail[i], bias, now_ns) + 1e-13;
	uint32_t done = 0;
	double now = 0;
	for (uint32_t i = 0; i < in->navail; i++) {
		uint32_t b = in->avail[i];
		double w = lr_weight(lb, in, b, bias, now_ns) + 1e-13;
		uint32_t floor_picks = (uint32_t)(w * picks / sum);
		if (floor_picks > 0 && floor_picks / w >= picks / sum)
			floor_picks--;
		if (floor_picks / w > now)
			now = floor_picks / w;
		st->heap[i] = (struct lr_entry){ (floor_picks + 1) / w, i, b };
		done += floor_picks;
	}
	st->n = in->navail;
	st->now = now;
	st->order = in->navail;
	for (uint32_t i = st->n / 2; i-- > 0;)
		lr_down(st, i);
	for (; done < picks; done++)
		lr_pop_push(lb, in, st, bias, now_ns);
}

static int lr_rebuild(struct lb *lb, struct inst *in)
{
	lr_build(lb, in, in->ps, lb->cfg->bias, lb->now_ns);
	return 0;
}

static uint32_t lr_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	struct lr_state *st = in->ps;
	if (st->weighted || (st->n && s->now_ns < in->ss_until))
		return lr_pop_push(lb, in, st, lb->cfg->bias, s->now_ns);
	uint32_t n = in->navail;
	uint32_t best = in->avail[(uint32_t)(rng_uniform_pos(lb->rng) * n)];
	for (uint32_t i = 1; i < lb->cfg->choice_count; i++) {
		uint32_t b = in->avail[(uint32_t)(rng_uniform_pos(lb->rng) * n)];
		if (in->load[b] < in->load[best])
			best = b;
	}
	return best;
}

/* round_robin is Envoy's: the available backends in turn, and while one
 * is in slow start, Envoy's earliest-deadline-first schedule of the
 * weights slow start scales (least_request's, below, with no bias). */
struct rrs_state {
	struct rr_state rr;    /* first: rr_next takes it */
	struct lr_state edf;
};

static int rrs_init(struct lb *lb, struct inst *in)
{
	struct rrs_state *r = calloc(1, sizeof *r);
	if (!(in->ps = r))
		return SIM_ENOMEM;
	return lb->cfg->ss.on ? lr_open(lb, &r->edf) : 0;
}

static void rrs_fini(struct inst *in)
{
	struct rrs_state *r = in->ps;
	if (r)
		free(r->edf.heap);
	free(r);
}

static int rrs_rebuild(struct lb *lb, struct inst *in)
{
	struct rrs_state *r = in->ps;
	rr_restart(&r->rr, in);
	if (lb->cfg->ss.on)
		lr_build(lb, in, &r->edf, 0, lb->now_ns);
	return 0;
}

static uint32_t rrs_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	struct rrs_state *r = in->ps;
	if (r->edf.n && (r->edf.weighted || s->now_ns < in->ss_until))
		return lr_pop_push(lb, in, &r->edf, 0, s->now_ns);
	return rr_next(&r->rr, in);
}

static uint32_t *rrs_cursor(struct inst *in)
{
	return &((struct rrs_state *)in->ps)->rr.next;
}

/* ---- least_response_time, peak_ewma: Finagle's and Linkerd's cost ------- */

struct ewma_state {
	double *cost;          /* [nb] latency estimate, ns, at stamp */
	int64_t *stamp;        /* [nb] when it was last updated */
};

static int ewma_init(struct lb *lb, struct inst *in)
{
	struct ewma_state *e = calloc(1, sizeof *e);
	if (!(in->ps = e) ||
	    !(e->cost = calloc(lb->nb, sizeof *e->cost)) ||
	    !(e->stamp = calloc(lb->nb, sizeof *e->stamp)))
		return SIM_ENOMEM;
	return 0;
}

static void ewma_fini(struct inst *in)
{
	struct ewma_state *e = in->ps;
	if (e)
		free(e->cost), free(e->stamp);
	free(e);
}

static double ewma_cost(const struct lb *lb, const struct inst *in, uint32_t b, int64_t now)
{
	const struct ewma_state *e = in->ps;
	/* Finagle: the estimate decays toward 0 while nothing is observed;
	 * an unmeasured backend with requests out costs a large penalty */
	double w = exp(-(double)(now - e->stamp[b]) / (double)lb->cfg->decay_ns);
	double est = e->cost[b] * w;
	if (est == 0 && in->load[b] > 0)
		return 1e12 + in->load[b];
	return est * (in->load[b] + 1);
}

static uint32_t ewma_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	return sample_least(s, lb, in, ewma_cost);
}

/* ewma_update moves b's estimate toward a reply's latency; with peak, a
 * latency above the estimate replaces it (peak_ewma). */
static inline void ewma_update(const struct lb *lb, struct inst *in, uint32_t b,
			       double rtt, int64_t now, int peak)
{
	struct ewma_state *e = in->ps;
	double w = exp(-(double)(now - e->stamp[b]) / (double)lb->cfg->decay_ns);
	if (peak && rtt > e->cost[b])
		e->cost[b] = rtt;
	else
		e->cost[b] = e->cost[b] * w + rtt * (1 - w);
	e->stamp[b] = now;
}

static void lrt_reply(const struct lb *lb, struct inst *in, uint32_t b, double rtt,
		      int64_t now)
{
	ewma_update(lb, in, b, rtt, now, 0);
}

static void pewma_reply(const struct lb *lb, struct inst *in, uint32_t b, double rtt,
			int64_t now)
{
	ewma_update(lb, in, b, rtt, now, 1);
}

/* ---- ketama -------------------------------------------------------------- */

/* libketama's ring: every backend's points, `virtual_nodes` times its
 * weight, sorted, are laid out once at link (c->shared): they depend on
 * the backends alone, so a backend that leaves takes only its own points
 * with it.  An instance keeps those of its available backends (in->ps). */
struct ring_pts {
	struct hring_pt *pt;
	size_t n;
};

static int ketama_link(struct check_ctx *ctx, struct sc_node *self, struct lb_cfg *c)
{
	if ((double)c->wsum * c->virtual_nodes > LB_RING_MAX_POINTS) {
		char what[160];
		snprintf(what, sizeof what, "nodes.%s.virtual_nodes", self->name);
		return check_fail(ctx, yt_get(self->src, "virtual_nodes") ? yt_get(self->src, "virtual_nodes") : self->src,
			       what, "the ring would have %.0f points (at most %.0f)",
			       (double)c->wsum * c->virtual_nodes, LB_RING_MAX_POINTS);
	}
	struct ring_pts *r = calloc(1, sizeof *r);
	uint64_t *hash = malloc(c->nb * sizeof *hash), *pts = malloc(c->nb * sizeof *pts);
	int bad = !r || !hash || !pts;
	c->shared = r;
	for (uint32_t b = 0; !bad && b < c->nb; b++) {
		hash[b] = c->be[b].hash;
		pts[b] = (uint64_t)c->virtual_nodes * c->be[b].weight;
	}
	bad = bad || hring_build(&r->pt, &r->n, hash, pts, c->nb);
	free(hash), free(pts);
	if (bad)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	return 0;
}

static void ketama_unlink(struct lb_cfg *c)
{
	struct ring_pts *r = c->shared;
	if (r)
		free(r->pt);
	free(r);
	c->shared = NULL;
}

static int ketama_init(struct lb *lb, struct inst *in)
{
	const struct ring_pts *all = lb->cfg->shared;
	struct ring_pts *r = calloc(1, sizeof *r);
	if (!(in->ps = r) || !(r->pt = malloc(all->n * sizeof *r->pt)))
		return SIM_ENOMEM;
	return 0;
}

static void ketama_fini(struct inst *in)
{
	struct ring_pts *r = in->ps;
	if (r)
		free(r->pt);
	free(r);
}

static int ketama_rebuild(struct lb *lb, struct inst *in)
{
	const struct ring_pts *all = lb->cfg->shared;
	struct ring_pts *r = in->ps;
	/* the available backends' points, still in order */
	r->n = hring_filter(r->pt, all->pt, all->n, in->flags);
	return 0;
}

static uint32_t ketama_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	const struct ring_pts *r = in->ps;
	return hring_lookup(r->pt, r->n, h);
}

/* ---- ring_hash (Envoy's) ------------------------------------------------ */

/*
 * Envoy's ring (ring_hash_lb.cc) is built over the available backends
 * each time they change, from their weights normalized to sum 1: with w
 * the least, the ring has scale = min(ceil(w x minimum_ring_size) / w,
 * maximum_ring_size) points, backend b's share scale x w_b counted by
 * running sums in backend order so that the whole numbers add up.  With
 * equal weights each of n backends gets ceil(1024 / n) points: 11 each
 * for 100, a far coarser ring than ketama's 160, and a far less even one.
 *
 * hash_balance_factor is Envoy's bounded load (consistent hashing with
 * bounded loads, Mirrokni et al.): a backend takes a request only while
 * its requests out are at most its slots, max(ceil(ceil((all out + 1) x
 * factor / 100) x w_b), 1); else the others are probed in a shuffle
 * seeded by the request's hash (a Mersenne Twister, as Envoy's
 * std::mt19937, from GSL), the first within its slots taking it, or the
 * least overloaded when none is.
 */
struct envoy_ring {
	struct hring_pt *pt;
	size_t n;
	double *w;             /* [nb] normalized weight; 0: not available */
	uint64_t *cnt, *hash;  /* [nb] scratch of the rebuild */
	uint64_t total;        /* requests out over all backends */
	uint32_t *seen;        /* [nb] in->load as last seen */
	uint32_t *idx;         /* [nb] the probe's shuffle */
	gsl_rng *mt;           /* mt19937: the shuffle's */
};

static int ring_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			 const struct lb_cfg *c)
{
	char w[256];
	if (c->min_ring > c->max_ring) {
		snprintf(w, sizeof w, "%s.minimum_ring_size", what);
		return check_fail(ctx, yt_get(map, "minimum_ring_size") ? yt_get(map, "minimum_ring_size") :
			       yt_get(map, "maximum_ring_size"), w,
			       "is above maximum_ring_size (%llu)", (unsigned long long)c->max_ring);
	}
	if (c->balance_factor && c->balance_factor < 100) {
		snprintf(w, sizeof w, "%s.hash_balance_factor", what);
		return check_fail(ctx, yt_get(map, "hash_balance_factor"), w,
				  "must be at least 100 (a backend's cap is this percent of the average load)");
	}
	return 0;
}

static int ring_init(struct lb *lb, struct inst *in)
{
	struct envoy_ring *r = calloc(1, sizeof *r);
	uint32_t nb = lb->nb;
	if (!(in->ps = r) || !(r->w = calloc(nb, sizeof *r->w)) ||
	    !(r->cnt = calloc(nb, sizeof *r->cnt)) || !(r->hash = malloc(nb * sizeof *r->hash)) ||
	    !(r->seen = calloc(nb, sizeof *r->seen)) || !(r->idx = malloc(nb * sizeof *r->idx)) ||
	    !(r->mt = gsl_rng_alloc(gsl_rng_mt19937)))
		return SIM_ENOMEM;
	for (uint32_t b = 0; b < nb; b++)
		r->hash[b] = lb->cfg->be[b].hash;
	return 0;
}

static void ring_fini(struct inst *in)
{
	struct envoy_ring *r = in->ps;
	if (!r)
		return;
	free(r->pt), free(r->w), free(r->cnt), free(r->hash), free(r->seen), free(r->idx);
	if (r->mt)
		gsl_rng_free(r->mt);
	free(r);
}

static int ring_rebuild(struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	struct envoy_ring *r = in->ps;
	double sum = 0, wmin = 1;
	for (uint32_t b = 0; b < lb->nb; b++) {
		r->w[b] = 0;
		r->cnt[b] = 0;
	}
	for (uint32_t i = 0; i < in->navail; i++)
		sum += c->be[in->avail[i]].weight;
	for (uint32_t i = 0; i < in->navail; i++) {
		uint32_t b = in->avail[i];
		r->w[b] = c->be[b].weight / sum;
		wmin = fmin(wmin, r->w[b]);
	}
	free(r->pt);
	r->pt = NULL;
	r->n = 0;
	if (!in->navail)
		return 0;
	double scale = fmin(ceil(wmin * (double)c->min_ring) / wmin, (double)c->max_ring);
	double current = 0, target = 0;
	for (uint32_t i = 0; i < in->navail; i++) {
		uint32_t b = in->avail[i];
		target += scale * r->w[b];
		for (; current < target; current++)
			r->cnt[b]++;
	}
	return hring_build(&r->pt, &r->n, r->hash, r->cnt, lb->nb);
}

/* overload: backend b's requests out over its slots (Envoy's
 * hostOverloadFactor); at most 1 takes the request. */
static double overload(const struct lb *lb, const struct envoy_ring *r, const struct inst *in,
		       uint32_t b)
{
	uint64_t total_slots = ((r->total + 1) * lb->cfg->balance_factor + 99) / 100;
	double slots = fmax(ceil((double)total_slots * r->w[b]), 1);
	return in->load[b] / slots;
}

static uint32_t ring_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	struct envoy_ring *r = in->ps;
	uint32_t b = hring_lookup(r->pt, r->n, h);
	if (!lb->cfg->balance_factor)
		return b;
	double least = overload(lb, r, in, b);
	if (least <= 1)
		return b;
	/* the others in a shuffle seeded by the hash: the same key probes
	 * the same sequence (std::mt19937 takes the hash's low 32 bits) */
	uint32_t n = in->navail, best = b;
	for (uint32_t i = 0; i < n; i++)
		r->idx[i] = i;
	gsl_rng_set(r->mt, (unsigned long)(h & 0xffffffffu));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = n - i, x = k;
		while (x >= k)
			x = (uint32_t)(gsl_rng_get(r->mt) / ((UINT64_C(1) << 32) / k));
		uint32_t t = r->idx[i];
		r->idx[i] = r->idx[i + x];
		r->idx[i + x] = t;
		uint32_t alt = in->avail[r->idx[i]];
		if (alt == b)
			continue;
		double o = overload(lb, r, in, alt);
		if (o <= 1)
			return alt;
		if (o < least) {
			least = o;
			best = alt;
		}
	}
	return best;
}

/* ring_load: the requests out over all backends follow each change. */
static void ring_load(const struct lb *lb, struct inst *in, uint32_t b)
{
	struct envoy_ring *r = in->ps;
	(void)lb;
	r->total = r->total + in->load[b] - r->seen[b];
	r->seen[b] = in->load[b];
}

/* ---- maglev ------------------------------------------------------------- */

/* in->ps is the lookup table, table_size entries, filled from the
 * available backends in name order. */

static int maglev_validate(struct check_ctx *ctx, const char *what,
			   const struct yt_node *map, const struct lb_cfg *c)
{
	uint32_t m = c->table_size;
	int prime = m >= 2;
	for (uint32_t d = 2; prime && (uint64_t)d * d <= m; d++)
		prime = m % d != 0;
	if (!prime) {
		char w[256];
		snprintf(w, sizeof w, "%s.table_size", what);
		return check_fail(ctx, yt_get(map, "table_size"), w,
			       "must be a prime (65537, 655373 ...), so that every backend's permutation covers the table");
	}
	return 0;
}

static int maglev_link(struct check_ctx *ctx, struct sc_node *self, struct lb_cfg *c)
{
	if (c->table_size < c->nb) {
		char what[160];
		snprintf(what, sizeof what, "nodes.%s.table_size", self->name);
		return check_fail(ctx, yt_get(self->src, "table_size") ? yt_get(self->src, "table_size") : self->src,
			       what, "must be larger than the %u backends", c->nb);
	}
	return 0;
}

static int maglev_init(struct lb *lb, struct inst *in)
{
	in->ps = malloc((size_t)lb->cfg->table_size * sizeof(uint32_t));
	return in->ps ? 0 : SIM_ENOMEM;
}

static void maglev_fini(struct inst *in)
{
	free(in->ps);
}

/* maglev_rebuild lays out the lookup table (Eisenbud et al., NSDI 2016,
 * §3.4) from the available backends taken in name order. */
static int maglev_rebuild(struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	uint32_t *table = in->ps;
	uint32_t m = c->table_size;
	uint32_t nav = 0;
	for (uint32_t k = 0; k < lb->nb; k++)
		if (!in->flags[c->order[k]])
			nav++;
	for (uint32_t j = 0; j < m; j++)
		table[j] = LB_NONE;
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
			} while (table[slot] != LB_NONE);
			table[slot] = who[i];
			if (++filled == m)
				goto done;
		}
	}
done:
	free(who), free(off), free(skip), free(next);
	return 0;
}

static uint32_t maglev_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	const uint32_t *table = in->ps;
	return table[h % lb->cfg->table_size];
}

/* ---- hash -------------------------------------------------------------- */

static uint32_t hash_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h)
{
	return in->avail[h % in->navail];
}

/* ---- the table ---------------------------------------------------------- */

/* One row per policy, in the order of their indices in lb_cfg.policy;
 * `policy:` takes the names from here, and the weights message lists the
 * rows with LBP_WEIGHTS.  Ended by a row with no name. */
static const struct lb_policy lb_policies[] = {
	{
		.name = "round_robin",
		.doc = "each available backend in turn (Envoy's: in slow start, an earliest-deadline-first schedule of the scaled weights)",
		.flags = LBP_SLOW_START | LBP_ZONES,
		.init = rrs_init, .fini = rrs_fini, .rebuild = rrs_rebuild, .pick = rrs_pick,
		.zone_cursor = rrs_cursor,
	},
	{
		.name = "weighted_round_robin",
		.doc = "nginx's smooth weighted round robin, one period laid out in advance",
		.flags = LBP_WEIGHTS,
		.link = wrr_link,
		.init = wrr_init, .fini = wrr_fini, .rebuild = wrr_rebuild, .pick = wrr_pick,
	},
	{
		.name = "random",
		.doc = "an available backend at random",
		.flags = LBP_ZONES,
		.pick = random_pick,
	},
	{
		.name = "weighted_random",
		.doc = "at random in proportion to the weights, by Walker's alias table",
		.flags = LBP_WEIGHTS,
		.fini = wrandom_fini, .rebuild = wrandom_rebuild, .pick = wrandom_pick,
	},
	{
		.name = "least_connections",
		.doc = "fewest outstanding requests over weight, ties in weighted round-robin order",
		.flags = LBP_WEIGHTS,
		.init = lc_init, .fini = lc_fini, .rebuild = lc_rebuild, .pick = lc_pick,
		.load_changed = lc_load_changed,
	},
	{
		.name = "p2c",
		.doc = "the power of d choices: the least loaded (load over weight) of `choices` distinct backends drawn at random",
		.flags = LBP_WEIGHTS,
		.pick = p2c_pick,
	},
	{
		.name = "least_request",
		.doc = "Envoy's: the fewest active requests of `choice_count` backends drawn with replacement; with unequal weights an earliest-deadline-first schedule of weight / (active + 1)^active_request_bias",
		.flags = LBP_WEIGHTS | LBP_SLOW_START | LBP_ZONES,
		.init = lr_init, .fini = lr_fini, .rebuild = lr_rebuild, .pick = lr_pick,
	},
	{
		.name = "least_response_time",
		.doc = "Finagle's cost, latency EWMA x (outstanding + 1), over `choices` backends",
		.init = ewma_init, .fini = ewma_fini, .pick = ewma_pick, .reply = lrt_reply,
	},
	{
		.name = "peak_ewma",
		.doc = "least_response_time with an estimate that jumps to any latency above it",
		.init = ewma_init, .fini = ewma_fini, .pick = ewma_pick, .reply = pewma_reply,
	},
	{
		.name = "ring_hash",
		.doc = "Envoy's ring hash: a ring of minimum_ring_size points or more over the available backends, rebuilt when they change; hash_balance_factor bounds each backend's load",
		.flags = LBP_WEIGHTS | LBP_HASH,
		.validate = ring_validate,
		.init = ring_init, .fini = ring_fini, .rebuild = ring_rebuild, .pick = ring_pick,
		.load_changed = ring_load,
	},
	{
		.name = "ketama",
		.doc = "libketama's consistent hashing: `virtual_nodes` points per backend (times its weight), fixed, so a backend that leaves moves only its own keys",
		.flags = LBP_WEIGHTS | LBP_HASH,
		.link = ketama_link, .unlink = ketama_unlink,
		.init = ketama_init, .fini = ketama_fini, .rebuild = ketama_rebuild,
		.pick = ketama_pick,
	},
	{
		.name = "maglev",
		.doc = "Maglev's lookup table of `table_size` entries, filled in name order",
		.flags = LBP_HASH,
		.validate = maglev_validate, .link = maglev_link,
		.init = maglev_init, .fini = maglev_fini, .rebuild = maglev_rebuild,
		.pick = maglev_pick,
	},
	{
		.name = "hash",
		.doc = "the key's hash modulo the available backends",
		.flags = LBP_HASH,
		.pick = hash_pick,
	},
	{ 0 }
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
	  .min_ns = 1, .def = "1s",
	  .doc = "a probe not answered ok within this fails (Envoy's timeout): a probe is a request to the backend like any other, so a slow, overloaded or erroring backend fails its probes, and one that is down never answers" },
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
	  .doc = "an ejection is made only while the ejected backends, it included, stay within this percent of those in use: with the default 10, none of fewer than 10 backends is ejected unless always_eject_one_host" },
	{ .name = "always_eject_one_host", .type = PARAM_BOOL, PARAM_FIELD(struct od_cfg, always_one),
	  .def = "false", .doc = "one backend may be ejected whatever max_ejection_percent says" },
	{ .name = "interval", .type = PARAM_DURATION, PARAM_FIELD(struct od_cfg, interval_ns),
	  .min_ns = 1000000, .def = "10s",
	  .doc = "between sweeps: each returns the backends whose ejection is over, takes one off the multiplier of those in, and ejects by success rate" },
	{ .name = "enforcing_consecutive_5xx", .type = PARAM_UINT,
	  PARAM_FIELD(struct od_cfg, enforce_5xx), .umin = 0, .umax = 100, .def = "100",
	  .doc = "percent chance that a consecutive_5xx detection ejects" },
	{ .name = "enforcing_success_rate", .type = PARAM_UINT,
	  PARAM_FIELD(struct od_cfg, enforce_sr), .umin = 0, .umax = 100, .def = "100",
	  .doc = "percent chance that a success-rate detection ejects (0: no success-rate ejection)" },
	{ .name = "success_rate_minimum_hosts", .type = PARAM_UINT,
	  PARAM_FIELD(struct od_cfg, sr_hosts), .umin = 1, .umax = LB_MAX_BACKENDS, .def = "5",
	  .doc = "backends with the volume needed for a success-rate sweep" },
	{ .name = "success_rate_request_volume", .type = PARAM_UINT,
	  PARAM_FIELD(struct od_cfg, sr_volume), .umin = 1, .umax = 1000000000, .def = "100",
	  .doc = "replies over an interval for a backend's success rate to count" },
	{ .name = "success_rate_stdev_factor", .type = PARAM_UINT,
	  PARAM_FIELD(struct od_cfg, sr_factor), .umin = 0, .umax = 1000000, .def = "1900",
	  .doc = "a backend is ejected below mean - this / 1000 x stdev of the success rates" },
	{ .name = "successful_active_health_check_uneject_host", .type = PARAM_BOOL,
	  PARAM_FIELD(struct od_cfg, hc_uneject), .def = "true",
	  .doc = "a passing health check ends an ejection" },
	{ 0 }
};

static const struct param_table od_table = {
	.params = od_params, .size = sizeof(struct od_cfg), .validate = param_mark_given,
};

static int ss_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
		       void *obj)
{
	struct ss_cfg *c = obj;
	c->on = 1;
	if (!!yt_get(map, "slow_start_window") == !!yt_get(map, "window"))
		return check_fail(ctx, yt_get(map, "window") ? yt_get(map, "window") : map, what,
				  yt_get(map, "window") ? "has slow_start_window and its older name window: write one"
							: "needs slow_start_window");
	return 0;
}

static const struct param ss_params[] = {
	{ .name = "slow_start_window", .type = PARAM_DURATION, PARAM_FIELD(struct ss_cfg, window_ns),
	  .min_ns = 1,
	  .doc = "a returning or added backend is in slow start this long (Envoy's slow_start_window; required)" },
	{ .name = "window", .type = PARAM_DURATION, PARAM_FIELD(struct ss_cfg, window_ns),
	  .min_ns = 1, .doc = "the older name of slow_start_window" },
	{ .name = "aggression", .type = PARAM_NUMBER, PARAM_FIELD(struct ss_cfg, aggression),
	  .min = 0.01, .max = 100, .def = "1",
	  .doc = "its weight is scaled by (elapsed / window)^(1 / aggression): 1 is linear" },
	{ .name = "min_weight_percent", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct ss_cfg, min_weight_percent), .min = 0, .max = 100, .def = "10",
	  .doc = "the least scale, in per cent of its weight" },
	{ 0 }
};

static const struct param_table ss_table = {
	.params = ss_params, .size = sizeof(struct ss_cfg), .validate = ss_validate,
	.doc = "Envoy's slow start: round_robin and least_request scale a backend's weight, as Envoy does; the other policies, which Envoy gives no slow start, have their picks of it thinned to that share instead (one pick in its factor kept, the others picked again).",
};

/* parse_local reads zone_aware.local_cluster: a node or workload, or a
 * list of them; whether they are in zones is checked once every node
 * and workload is read (lb_link). */
static int parse_local(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		       void *field)
{
	struct za_cfg *z = (struct za_cfg *)((char *)field - offsetof(struct za_cfg, local));
	size_t k = n->type == YT_SEQ ? n->n : 1;
	if (n->type == YT_SEQ && (!k || k > LB_MAX_BACKENDS))
		return check_fail(ctx, n, what, "must name 1 to %d nodes", LB_MAX_BACKENDS);
	uint32_t *v = calloc(k, sizeof *v);
	if (!v)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	free(z->local);
	z->local = v;
	z->nlocal = 0;
	for (size_t i = 0; i < k; i++) {
		const struct yt_node *e = n->type == YT_SEQ ? n->items[i] : n;
		const char *name;
		int rc = check_string(ctx, e, what, &name);
		if (rc)
			return rc;
		int j = scenario_node_index(ctx->sc, name);
		if (j < 0)
			return check_fail(ctx, e, what, "no node or workload named '%s'", name);
		v[z->nlocal++] = (uint32_t)j;
	}
	return 0;
}

static void free_local(void *field)
{
	free(*(uint32_t **)field);
	*(uint32_t **)field = NULL;
}

static const struct param za_params[] = {
	{ .name = "local_cluster", .type = PARAM_CUSTOM, PARAM_FIELD(struct za_cfg, local),
	  .parse = parse_local, .fini = free_local, .shape = "NODE or [NODE, ...]",
	  .flags = PARAM_REQUIRED,
	  .doc = "the callers whose balancer this is (Envoy's local_cluster_name): services placed in zones, whose replicas taking requests are the originating cluster's hosts (as they scale; a crashed one still counts, where Envoy counts the healthy ones its control plane reports), or workloads with a zone (one host each: a list of workloads, one per zone, stands for front proxies in each)" },
	{ .name = "routing_enabled", .type = PARAM_UINT, PARAM_FIELD(struct za_cfg, enabled),
	  .umin = 0, .umax = 100, .def = "100",
	  .doc = "percent of requests routed by zone; the others go to any backend (Envoy's routing_enabled)" },
	{ .name = "min_cluster_size", .type = PARAM_UINT, PARAM_FIELD(struct za_cfg, min_size),
	  .umin = 0, .umax = LB_MAX_BACKENDS, .def = "6",
	  .doc = "with fewer healthy backends than this, no routing by zone (Envoy's min_cluster_size)" },
	{ 0 }
};

static const struct param_table za_table = {
	.params = za_params, .size = sizeof(struct za_cfg), .validate = param_mark_given,
	.doc = "Envoy's zone aware routing, for round_robin, random and least_request. A caller in zone Z (the request's zone: its workload's, or its caller's replica's) sends to the backends in Z as long as Z holds at least the local cluster's share of the healthy backends there; otherwise it sends that share's ratio to Z and the rest to the zones with more than their share of backends, in proportion to the surplus (shares in ten-thousandths, as Envoy's integers). No routing by zone while the balancer panics, with fewer than two zones on either side, with the local cluster absent from Z, or with fewer than min_cluster_size healthy backends.",
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
	const struct lb_policy *p = &lb_policies[c->policy];
	if (c->nweights && !(p->flags & LBP_WEIGHTS)) {
		const char *takers[sizeof lb_policies / sizeof lb_policies[0]];
		char list[512];
		size_t n = 0;
		for (const struct lb_policy *q = lb_policies; q->name; q++)
			if (q->flags & LBP_WEIGHTS)
				takers[n++] = q->name;
		takers[n] = NULL;
		check_join(list, sizeof list, takers);
		snprintf(w, sizeof w, "%s.weights", what);
		return check_fail(ctx, yt_get(map, "weights"), w,
			       "policy %s does not use weights (these do: %s)", p->name, list);
	}
	if (c->za.on) {
		snprintf(w, sizeof w, "%s.zone_aware", what);
		const struct yt_node *zn = yt_get(map, "zone_aware");
		if (!(p->flags & LBP_ZONES))
			return check_fail(ctx, zn, w,
					  "Envoy routes by zone for round_robin, random and least_request; not for %s",
					  p->name);
		if (c->ss.on || c->nweights)
			return check_fail(ctx, zn, w,
					  "is not modelled with %s yet", c->ss.on ? "slow_start" : "weights");
	}
	return p->validate ? p->validate(ctx, what, map, c) : 0;
}

static void lb_cfg_fini(void *obj)
{
	struct lb_cfg *c = obj;
	free(c->be);
	free(c->order);
	if (lb_policies[c->policy].unlink)
		lb_policies[c->policy].unlink(c);
}

static const struct param lb_params[] = {
	{ .name = "policy", .type = PARAM_ENUM, PARAM_FIELD(struct lb_cfg, policy),
	  .rows = lb_policies, .row_size = sizeof lb_policies[0], .def = "round_robin",
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
	  .doc = "p2c, least_response_time, peak_ewma: distinct backends sampled per pick" },
	{ .name = "choice_count", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, choice_count),
	  .umin = 2, .umax = LB_MAX_CHOICES, .def = "2",
	  .doc = "least_request: backends drawn per pick, with replacement, while the weights are equal (Envoy's choice_count)" },
	{ .name = "active_request_bias", .type = PARAM_NUMBER, PARAM_FIELD(struct lb_cfg, bias),
	  .min = 0, .max = 1000, .def = "1",
	  .doc = "least_request with unequal weights: a backend's weight is divided by (active requests + 1) to this power when it is picked; 0 keeps the static weights: Envoy's weighted round robin, an earliest-deadline-first schedule, not nginx's smooth sequence (Envoy's active_request_bias)" },
	{ .name = "decay", .type = PARAM_DURATION, PARAM_FIELD(struct lb_cfg, decay_ns),
	  .min_ns = 1000, .def = "10s",
	  .doc = "least_response_time, peak_ewma: time constant of the latency estimate" },
	{ .name = "virtual_nodes", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, virtual_nodes),
	  .umin = 1, .umax = LB_MAX_VNODES, .def = "160",
	  .doc = "ketama: points per backend on the ring (times its weight), as libketama" },
	{ .name = "minimum_ring_size", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, min_ring),
	  .umin = 1, .umax = 8388608, .def = "1024",
	  .doc = "ring_hash: the least points on the ring; the least-weighted backend gets a whole number of them (Envoy's minimum_ring_size)" },
	{ .name = "maximum_ring_size", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, max_ring),
	  .umin = 1, .umax = 8388608, .def = "8388608",
	  .doc = "ring_hash: the most points on the ring (Envoy's maximum_ring_size)" },
	{ .name = "hash_balance_factor", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, balance_factor),
	  .umin = 1, .umax = 100000, .def_doc = "none",
	  .doc = "ring_hash: bounded loads; a backend takes a request only while its requests out stay within this percent of the average (weighted), else others are probed in a shuffle seeded by the key (Envoy's hash_balance_factor, at least 100).  keys_moved_share then counts keys moved by load too" },
	{ .name = "table_size", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, table_size),
	  .umin = 2, .umax = 10000019, .def = "65537",
	  .doc = "maglev: entries of the lookup table, a prime larger than the backends" },
	{ .name = "connection_lifetime", .type = PARAM_DURATION,
	  PARAM_FIELD(struct lb_cfg, lifetime_ns), .min_ns = 1, .def_doc = "for ever",
	  .doc = "layer 4: a connection is pinned to its backend for this long, then chosen again on its next request" },
	{ .name = "healthy_panic_threshold", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, panic),
	  .umin = 0, .umax = 100, .def = "50",
	  .doc = "percent: while fewer of the backends in use than this are healthy (neither failing health checks nor ejected), the balancer ignores health and balances over all of them, as Envoy's panic mode does (default 50); 0 never panics" },
	{ .name = "health_check", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, hc),
	  .sub = &hc_table, .shape = "{interval: 5s, timeout: 1s, unhealthy_threshold: 3, healthy_threshold: 2}",
	  .def_doc = "none", .doc = "active health checks of every backend, by every instance" },
	{ .name = "max_fails", .type = PARAM_UINT, PARAM_FIELD(struct lb_cfg, max_fails),
	  .umin = 1, .umax = 1000000, .def_doc = "none",
	  .doc = "nginx's passive check: this many failed replies within fail_timeout of the first take a backend out for fail_timeout (counted in ejections); a success clears the count" },
	{ .name = "fail_timeout", .type = PARAM_DURATION, PARAM_FIELD(struct lb_cfg, fail_timeout_ns),
	  .min_ns = 1000000, .def = "10s", .doc = "nginx's fail_timeout, with max_fails" },
	{ .name = "outlier_detection", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, od),
	  .sub = &od_table, .shape = "{consecutive_5xx: 5, base_ejection_time: 30s, max_ejection_percent: 10}",
	  .def_doc = "none", .doc = "Envoy's outlier detection: ejection of backends whose replies fail in a row, or whose success rate is an outlier" },
	{ .name = "slow_start", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, ss),
	  .sub = &ss_table, .shape = "{slow_start_window: 30s, aggression: 1, min_weight_percent: 10}",
	  .def_doc = "none", .doc = "a backend that returns, or is added, ramps up to its share" },
	{ .name = "zone_aware", .type = PARAM_MAP, PARAM_FIELD(struct lb_cfg, za),
	  .sub = &za_table, .shape = "{local_cluster: web, min_cluster_size: 6, routing_enabled: 100}",
	  .def_doc = "none: zones are not weighed",
	  .doc = "Envoy's zone aware routing: keep requests in their caller's zone while that zone has its share of the backends (see zone_aware)" },
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
	const struct lb_policy *p = &lb_policies[c->policy];
	if (p->link) {
		int rc = p->link(ctx, self, c);
		if (rc)
			return rc;
	}
	if (c->za.on) {
		snprintf(what, sizeof what, "nodes.%s.zone_aware", self->name);
		const struct yt_node *zn = yt_get(self->src, "zone_aware");
		for (size_t i = 0; i < c->nlist; i++) {
			const struct sc_node *b = &sc->nodes[c->list[i]];
			if (!b->zone)
				return check_fail(ctx, zn, what,
						  "the backend '%s' is in no zone: give it zones:",
						  b->name);
			for (uint32_t k = 1; !c->whole && k < b->nzone; k++)
				if (b->zone[k] != b->zone[0])
					return check_fail(ctx, zn, what,
							  "the backend '%s' spans several zones: list backends each in one zone, or balance over one node's replicas (backends: %s)",
							  b->name, b->name);
		}
		snprintf(what, sizeof what, "nodes.%s.zone_aware.local_cluster", self->name);
		for (size_t i = 0; i < c->za.nlocal; i++)
			if (!sc->nodes[c->za.local[i]].zone)
				return check_fail(ctx, yt_get(zn, "local_cluster"), what,
						  "'%s' is in no zone: the local cluster's zones are what zone aware routing weighs (give it zones:, or a workload zone:)",
						  sc->nodes[c->za.local[i]].name);
		if (sc->zmap->n > LB_MAX_ZONES)
			return check_fail(ctx, zn, what, "at most %d zones with zone aware routing",
					  LB_MAX_ZONES);
		snprintf(what, sizeof what, "nodes.%s.zone_aware.min_cluster_size", self->name);
		if (c->nb < c->za.min_size)
			return check_fail(ctx, yt_get(zn, "min_cluster_size") ? yt_get(zn, "min_cluster_size") : zn,
					  what,
					  "never routes by zone: %u backends, fewer than min_cluster_size (%llu, Envoy's default 6); lower it",
					  c->nb, (unsigned long long)c->za.min_size);
	}
	self->units = self->max_units = c->nb;
	return 0;
}

/* ---- running ----------------------------------------------------------- */

/* backend_down: the backend's node (replica) is crashed; a list entry
 * with several replicas is down when all are. */
static int backend_down(const struct sim *s, const struct backend *e)
{
	const struct sim_node *n = &s->nodes[e->node];
	if (!n->faults)
		return 0;
	if (e->replica != SIM_ANY)
		return n->faults->down[e->replica];
	for (uint32_t u = 0; u < n->units_now && u < n->units; u++)
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
	return n->units_now;
}

/* load_add changes backend b's load at instance in by d (+1 / -1). */
static void load_add(struct lb *lb, struct inst *in, uint32_t b, int d)
{
	in->load[b] = (uint32_t)((int64_t)in->load[b] + d);
	if (lb->pol->load_changed)
		lb->pol->load_changed(lb, in, b);
}

/* pick_once applies the policy; LB_NONE when nothing is available. */
static uint32_t za_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h, uint32_t z);

/* pick_once picks for a request whose hash is h, from a caller in zone z. */
static uint32_t pick_once(struct sim *s, struct lb *lb, struct inst *in, uint64_t h, uint32_t z)
{
	if (!in->navail)
		return LB_NONE;
	if (__builtin_expect(lb->cfg->za.on, 0) && z)
		return za_pick(s, lb, in, h, z);
	return lb->pol->pick(s, lb, in, h);
}

/* ---- the available set ------------------------------------------------ */

/* probe_place is where a hash policy sends hash h now: its pick, which
 * draws nothing and changes nothing (LBP_HASH). */
struct probe_ctx {
	struct sim *s;
	struct lb *lb;
	struct inst *in;
};

static uint32_t probe_place(const void *ctx, uint64_t h)
{
	const struct probe_ctx *pc = ctx;
	return pick_once(pc->s, pc->lb, pc->in, h, 0);
}

/* even_flush closes instance in's epoch, the requests it sent while
 * its available set stayed the same: each available backend is owed
 * its weight's part of them, the reference the `even_share` column
 * measures a policy against (when backends join, leave or are ejected
 * halfway, no single 1/n is right for the whole run). */
static void even_flush(struct lb *lb, struct inst *in)
{
	if (in->epoch_sent && in->navail) {
		double w = 0;
		for (uint32_t i = 0; i < in->navail; i++)
			w += lb->cfg->be[in->avail[i]].weight;
		for (uint32_t i = 0; i < in->navail; i++) {
			uint32_t b = in->avail[i];
			lb->bs[b].even += (double)in->epoch_sent * lb->cfg->be[b].weight / w;
		}
	}
	in->epoch_sent = 0;
}

/* ---- zone aware routing: Envoy's (ZoneAwareLoadBalancerBase) ------------ */

/* backend_zone is the zone backend e runs in (0: none). */
static uint32_t backend_zone(const struct sim *s, const struct backend *e)
{
	const struct sim_node *n = &s->nodes[e->node];
	if (!n->zone)
		return 0;
	return n->zone[(e->replica == SIM_ANY ? 0 : e->replica) % n->nzone];
}

/* za_rebuild groups instance in's available backends by zone and works
 * out, for a caller in each zone, where its requests go, as Envoy's
 * regenerateLocalityRoutingStructures does for its own zone: shares in
 * ten-thousandths of the healthy backends (upstream) and of the local
 * cluster's hosts (local) per zone; all to the caller's zone when its
 * upstream share is at least its local share, else that ratio of them,
 * and the rest to the zones whose upstream share passes their local
 * one, by the surplus. */
static void za_rebuild(struct sim *s, struct lb *lb, struct inst *in)
{
	const struct lb_cfg *c = lb->cfg;
	uint32_t nz = s->zmap->n, w = nz + 1;
	uint32_t up[LB_MAX_ZONES + 1] = { 0 }, all[LB_MAX_ZONES + 1] = { 0 };
	uint64_t loc[LB_MAX_ZONES + 1] = { 0 };
	for (uint32_t k = 0; k < in->navail; k++)
		up[backend_zone(s, &c->be[in->avail[k]])]++;
	for (uint32_t b = 0; b < lb->nb; b++)
		if (!(in->flags[b] & AV_INACTIVE))
			all[backend_zone(s, &c->be[b])]++;
	/* the available backends, zone by zone, in their order */
	in->zoff[0] = 0;
	for (uint32_t z = 0; z <= nz; z++)
		in->zoff[z + 1] = in->zoff[z] + up[z];
	uint32_t fill[LB_MAX_ZONES + 1];
	memcpy(fill, in->zoff, w * sizeof *fill);
	for (uint32_t k = 0; k < in->navail; k++) {
		uint32_t b = in->avail[k];
		in->zavail[fill[backend_zone(s, &c->be[b])]++] = b;
	}
	/* the local cluster: its nodes' replicas taking requests (as they
	 * scale), or a workload's one host.  Envoy weighs the healthy ones,
	 * as its control plane reports them; archsim has no control plane,
	 * and knowing a crash at once would be sooner than any, so a crashed
	 * caller counts as a host until it is removed */
	uint64_t ltot = 0;
	in->zgen = 0;
	for (size_t i = 0; i < c->za.nlocal; i++) {
		const struct sim_node *ln = &s->nodes[c->za.local[i]];
		in->zgen += ln->gen;
		uint32_t hosts = ln->id < s->sc->ncomponents ? ln->units_now : 1;
		for (uint32_t r = 0; r < hosts; r++, ltot++)
			loc[ln->zone[r % ln->nzone]]++;
	}
	uint32_t up_zones = 0, loc_zones = 0;
	for (uint32_t z = 0; z <= nz; z++) {
		up_zones += all[z] > 0;
		loc_zones += loc[z] > 0;
	}
	uint64_t pu[LB_MAX_ZONES + 1], pl[LB_MAX_ZONES + 1];
	for (uint32_t z = 0; z <= nz; z++) {
		pu[z] = in->navail ? 10000ull * up[z] / in->navail : 0;
		pl[z] = ltot ? 10000ull * loc[z] / ltot : 0;
	}
	int off = in->panic || up_zones < 2 || loc_zones < 2 || in->navail < c->za.min_size;
	for (uint32_t z = 0; z <= nz; z++) {
		struct zroute *zr = &in->zr[z];
		uint64_t *res = &in->zresid[(size_t)z * w];
		zr->state = ZR_NONE;
		if (off || !z || !loc[z])
			continue;
		if (up[z] && pu[z] > 0 && pu[z] >= pl[z]) {
			zr->state = ZR_DIRECT;
			continue;
		}
		zr->state = ZR_RESIDUAL;
		zr->local_percent = up[z] && pl[z] ? pu[z] * 10000 / pl[z] : 0;
		uint64_t acc = 0;
		for (uint32_t y = 0; y <= nz; y++) {
			if (y != z && pu[y] > pl[y])
				acc += pu[y] - pl[y];
			res[y] = acc;
		}
	}
}

/* za_zone is the zone a request from a caller in zone z goes to
 * (Envoy's tryChooseLocalLocalityHosts), or -1: any backend. */
static int za_zone(struct lb *lb, struct inst *in, uint32_t z, uint32_t nz)
{
	const struct zroute *zr = &in->zr[z];
	if (zr->state == ZR_NONE)
		return -1;
	if (lb->cfg->za.enabled < 100 && rng_u64(lb->rng) % 100 >= lb->cfg->za.enabled)
		return -1;
	if (zr->state == ZR_DIRECT)
		return (int)z;
	if (rng_u64(lb->rng) % 10000 < zr->local_percent)
		return (int)z;
	const uint64_t *res = &in->zresid[(size_t)z * (nz + 1)];
	if (!res[nz]) {
		/* no zone has room left (rounding): one with backends, at
		 * random */
		uint32_t k = 0, with[LB_MAX_ZONES + 1];
		for (uint32_t y = 0; y <= nz; y++)
			if (in->zoff[y + 1] > in->zoff[y])
				with[k++] = y;
		return k ? (int)with[rng_u64(lb->rng) % k] : -1;
	}
	uint64_t t = rng_u64(lb->rng) % res[nz];
	uint32_t y = 0;
	while (t >= res[y])
		y++;
	return (int)y;
}

/* za_pick picks for a caller in zone z: among the zone's available
 * backends that zone aware routing chose, by the policy as it picks
 * among all (Envoy keeps a scheduler per zone: round robin's place is
 * kept per zone here). */
static uint32_t za_pick(struct sim *s, struct lb *lb, struct inst *in, uint64_t h, uint32_t z)
{
	uint32_t nz = s->zmap->n;
	/* the local cluster changed (a replica down or up, a scale): count
	 * it again, as Envoy does on its membership update */
	uint64_t gen = 0;
	for (size_t i = 0; i < lb->cfg->za.nlocal; i++)
		gen += s->nodes[lb->cfg->za.local[i]].gen;
	if (gen != in->zgen)
		za_rebuild(s, lb, in);
	int t = z <= nz ? za_zone(lb, in, z, nz) : -1;
	if (t < 0 || in->zoff[t + 1] == in->zoff[t])
		return lb->pol->pick(s, lb, in, h);
	uint32_t *avail = in->avail, navail = in->navail;
	in->avail = in->zavail + in->zoff[t];
	in->navail = in->zoff[t + 1] - in->zoff[t];
	uint32_t *cur = lb->pol->zone_cursor ? lb->pol->zone_cursor(in) : NULL, keep = 0;
	if (cur) {
		keep = *cur;
		*cur = in->zcur[t];
	}
	uint32_t b = lb->pol->pick(s, lb, in, h);
	if (cur) {
		in->zcur[t] = *cur;
		*cur = keep;
	}
	in->avail = avail;
	in->navail = navail;
	return b;
}

/* rebuild remakes instance in's structures after its available set
 * changed: 0, or -1 out of memory. */
static int rebuild(struct sim *s, struct lb *lb, struct inst *in)
{
	const struct lb_policy *p = lb->pol;
	even_flush(lb, in);
	uint32_t *before = NULL;
	struct probe_ctx pc = { s, lb, in };
	/* which backend each probe key went to, to count moves */
	if ((p->flags & LBP_HASH) && in->navail && !(before = hring_snapshot(probe_place, &pc)))
		return -1;
	/* Envoy's panic: below healthy_panic_threshold percent of the
	 * backends in use healthy, every backend in use is available */
	uint32_t active = 0, healthy = 0;
	for (uint32_t b = 0; b < lb->nb; b++) {
		active += !(in->flags[b] & AV_INACTIVE);
		healthy += !in->flags[b];
	}
	in->panic = active && (uint64_t)healthy * 100 < (uint64_t)lb->cfg->panic * active;
	uint8_t mask = in->panic ? AV_INACTIVE : 0xff;
	in->navail = 0;
	for (uint32_t b = 0; b < lb->nb; b++)
		if (!(in->flags[b] & mask))
			in->avail[in->navail++] = b;
	lb->now_ns = s->now_ns;
	int rc = p->rebuild ? p->rebuild(lb, in) : 0;
	if (lb->cfg->za.on)
		za_rebuild(s, lb, in);
	if (before && rc == 0 && in->navail && s->measuring) {
		lb->moved_sum += hring_moved(before, probe_place, &pc);
		lb->moved_n++;
	}
	free(before);
	return rc;
}

/* ss_begin starts backend b's slow start at instance in. */
static void ss_begin(const struct lb *lb, struct inst *in, uint32_t b, int64_t now)
{
	in->ss_start[b] = now;
	if (now + lb->cfg->ss.window_ns > in->ss_until)
		in->ss_until = now + lb->cfg->ss.window_ns;
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
		ss_begin(lb, in, b, s->now_ns);
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
				ss_begin(lb, in, b, s->now_ns);
			f[b] = want;
			changed = 1;
		}
		if (changed && rebuild(s, lb, in))
			s->oom = 1;
	}
}

/* ---- choosing -------------------------------------------------------- */

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

/* choose picks a backend for a request whose hash is h, from a caller in
 * zone z (0: none), or LB_NONE. */
static uint32_t choose(struct sim *s, struct lb *lb, struct inst *in, uint64_t h, uint32_t z)
{
	uint32_t b = pick_once(s, lb, in, h, z);
	if (b != LB_NONE && !(lb->pol->flags & (LBP_HASH | LBP_SLOW_START))) {
		double f = ramp(lb->cfg, in, b, s->now_ns);
		if (f < 1 && rng_uniform_pos(lb->rng) >= f)
			b = pick_once(s, lb, in, h, z);
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
	    !(in->ejected_at = calloc(nb, sizeof *in->ejected_at)) ||
	    !(in->sr_ok = calloc(nb, sizeof *in->sr_ok)) ||
	    !(in->sr_all = calloc(nb, sizeof *in->sr_all)) ||
	    !(in->fails = calloc(nb, sizeof *in->fails)) ||
	    !(in->fail_since = calloc(nb, sizeof *in->fail_since)) ||
	    !(in->hc_fail = calloc(nb, sizeof *in->hc_fail)) ||
	    !(in->hc_ok = calloc(nb, sizeof *in->hc_ok)) ||
	    !(in->probe_seq = calloc(nb, sizeof *in->probe_seq)) ||
	    !(in->probe_out = calloc(nb, 1)) ||
	    !(in->ss_start = malloc(nb * sizeof *in->ss_start)))
		return SIM_ENOMEM;
	for (uint32_t b = 0; b < nb; b++)
		in->ss_start[b] = -1;
	if (c->za.on) {
		size_t w = (size_t)s->zmap->n + 1;
		if (!(in->zavail = calloc(nb, sizeof *in->zavail)) ||
		    !(in->zoff = calloc(w + 1, sizeof *in->zoff)) ||
		    !(in->zcur = calloc(w, sizeof *in->zcur)) ||
		    !(in->zr = calloc(w, sizeof *in->zr)) ||
		    !(in->zresid = calloc(w * w, sizeof *in->zresid)))
			return SIM_ENOMEM;
	}
	if (lb->pol->init) {
		int rc = lb->pol->init(lb, in);
		if (rc)
			return rc;
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
	if (c->od.on && !sim_schedule(s, c->od.interval_ns, n->id, LB_EV_OD_SWEEP, NULL,
				      (uint64_t)i << 32))
		return SIM_ENOMEM;
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
	lb->pol = &lb_policies[c->policy];
	lb->nb = c->nb;
	assert(lb->nb > 0);          /* lb_link: a backend at least */
	pool_init(&lb->flights, sizeof(struct flight), 1024);
	lb->units_seen = units_now(s, c);
	lb->probe_ident = rng_key(s->run_key, rng_hash64(n->sc->name, 5));
	if (!(lb->rng = sim_stream(s, n, "policy")) ||
	    !(lb->in = calloc(c->instances, sizeof *lb->in)) ||
	    !(lb->bs = aligned_alloc(_Alignof(struct bstat), lb->nb * sizeof *lb->bs)) ||
	    !(lb->wtmp = malloc(lb->nb * sizeof *lb->wtmp)))
		return SIM_ENOMEM;
	memset(lb->bs, 0, lb->nb * sizeof *lb->bs);
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
		free(in->ejected_at), free(in->sr_ok), free(in->sr_all);
		free(in->fails), free(in->fail_since);
		free(in->probe_seq), free(in->probe_out);
		free(in->conns);
		free(in->zavail), free(in->zoff), free(in->zcur), free(in->zr), free(in->zresid);
		if (lb->pol->fini)
			lb->pol->fini(in);
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
			b = choose(s, lb, in, rng_mix64(key), req->zone);
			cn->b = b;
			cn->opened_ns = s->now_ns;
			if (b != LB_NONE)
				load_add(lb, in, b, +1);
		}
		release = 0;
	} else {
		uint64_t h = c->layer == 4 ? req->ident : keys_hash(req->key);
		b = choose(s, lb, in, h, req->zone);
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
	f->probe = 0;
	if (s->measuring)
		lb->bs[b].sent++, in->epoch_sent++;
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

/*
 * Outlier detection, as Envoy's (outlier_detection_impl.cc).  A backend
 * is ejected inline after consecutive_5xx failed replies in a row, or at
 * an interval sweep when its success rate over the last interval falls
 * below mean - success_rate_stdev_factor / 1000 x stdev of those with
 * success_rate_request_volume replies (given success_rate_minimum_hosts
 * such backends).  Either is enforced with its percent's chance.  An
 * ejection is allowed while the ejected would stay within
 * max_ejection_percent of the backends in use, (ejected + 1) / n, or,
 * with always_eject_one_host, when none is ejected.  It lasts
 * base_ejection_time x the ejections in a row (the multiplier), at most
 * max_ejection_time, and ends at the first sweep after; each sweep that
 * finds the backend in takes one off its multiplier (the decay).  A
 * passing active health check ends an ejection at once
 * (successful_active_health_check_uneject_host).
 */

/* uneject returns backend b at instance in, its counters cleared. */
static void uneject(struct sim *s, struct lb *lb, struct inst *in, uint32_t b)
{
	if (!(in->flags[b] & AV_EJECTED))
		return;
	in->nejected--;
	in->c5xx[b] = 0;
	set_flag(s, lb, in, b, AV_EJECTED, 0);
}

/* eject takes backend b out at instance in, if the cap allows and its
 * enforcing percent's draw does. */
static void eject(struct sim *s, struct sim_node *n, struct lb *lb, struct inst *in,
		  uint32_t i, uint32_t b, uint32_t enforcing)
{
	const struct od_cfg *o = &lb->cfg->od;
	(void)n, (void)i;
	if (in->flags[b] & AV_EJECTED)
		return;
	uint32_t active = 0;
	for (uint32_t k = 0; k < lb->nb; k++)
		active += !(in->flags[k] & AV_INACTIVE);
	double pct = active ? 100.0 * (in->nejected + 1) / active : 100;
	if (!(pct <= o->max_percent || (o->always_one && in->nejected == 0)))
		return;
	if (enforcing < 100 && !(rng_uniform_pos(lb->rng) * 100 < enforcing))
		return;
	in->nejected++;
	in->times[b]++;
	in->ejected_at[b] = s->now_ns;
	if (s->measuring)
		lb->bs[b].ejections++;
	set_flag(s, lb, in, b, AV_EJECTED, 1);
}

/* od_sweep: instance i's interval sweep. */
static void od_sweep(struct sim *s, struct sim_node *n, struct lb *lb, uint32_t i)
{
	const struct od_cfg *o = &lb->cfg->od;
	struct inst *in = &lb->in[i];
	for (uint32_t b = 0; b < lb->nb; b++) {
		if (in->flags[b] & AV_EJECTED) {
			double t = (double)o->base_ns * in->times[b];
			int64_t dur = t > (double)o->max_ns ? o->max_ns : (int64_t)t;
			if (s->now_ns - in->ejected_at[b] >= dur)
				uneject(s, lb, in, b);
		} else if (in->times[b]) {
			in->times[b]--;
		}
	}
	/* success rates over the interval just ended, of the backends in
	 * with the volume */
	double sum = 0, sq = 0;
	uint32_t k = 0;
	for (uint32_t b = 0; b < lb->nb; b++)
		if (!in->flags[b] && in->sr_all[b] >= o->sr_volume && in->sr_all[b]) {
			double r = 100.0 * in->sr_ok[b] / in->sr_all[b];
			sum += r, sq += r * r, k++;
		}
	if (k && k >= o->sr_hosts) {
		double mean = sum / k, var = sq / k - mean * mean;
		double limit = mean - o->sr_factor / 1000.0 * sqrt(var > 0 ? var : 0);
		for (uint32_t b = 0; b < lb->nb; b++)
			if (!in->flags[b] && in->sr_all[b] >= o->sr_volume &&
			    100.0 * in->sr_ok[b] / in->sr_all[b] < limit)
				eject(s, n, lb, in, i, b, o->enforce_sr);
	}
	memset(in->sr_ok, 0, lb->nb * sizeof *in->sr_ok);
	memset(in->sr_all, 0, lb->nb * sizeof *in->sr_all);
}

static void probe_result(struct sim *s, struct lb *lb, uint32_t i, uint32_t b, int ok);

/* passive_check is nginx's max_fails and fail_timeout: max_fails failed
 * replies within fail_timeout of the first take backend b out for
 * fail_timeout; a success clears the count. */
static void passive_check(struct sim *s, struct sim_node *n, struct lb *lb, uint32_t i,
			  uint32_t b, int ok)
{
	const struct lb_cfg *c = lb->cfg;
	struct inst *in = &lb->in[i];
	if (ok) {
		in->fails[b] = 0;
		return;
	}
	if (!in->fails[b] || s->now_ns - in->fail_since[b] > c->fail_timeout_ns) {
		in->fails[b] = 0;
		in->fail_since[b] = s->now_ns;
	}
	if (++in->fails[b] < c->max_fails || (in->flags[b] & AV_FAILED))
		return;
	in->fails[b] = 0;
	if (s->measuring)
		lb->bs[b].ejections++;
	set_flag(s, lb, in, b, AV_FAILED, 1);
	sim_schedule(s, s->now_ns + c->fail_timeout_ns, n->id, LB_EV_FAIL_END, NULL,
		     (uint64_t)i << 32 | b);
}

static void lb_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct lb *lb = n->state;
	const struct lb_cfg *c = lb->cfg;
	struct flight *f = (struct flight *)sim_via_pop(req);
	struct inst *in = &lb->in[f->inst];
	uint32_t b = f->b;
	if (f->probe) {
		/* a probe's answer, unless its timeout came first */
		if (in->probe_out[b] && in->probe_seq[b] == f->seq) {
			in->probe_out[b] = 0;
			probe_result(s, lb, f->inst, b, req->status == REQ_OK);
		}
		pool_put(&lb->flights, f);
		sim_request_free(s, req);
		return;
	}
	double rtt = (double)(s->now_ns - f->sent_ns);
	if (f->release)
		load_add(lb, in, b, -1);
	twa_add(&lb->bs[b].out, s->now_ns, -1);
	twa_add(&lb->out_all, s->now_ns, -1);
	if (s->measuring) {
		lb->bs[b].lat_sum_s += rtt * 1e-9, lb->bs[b].replies++;
	}
	if (lb->pol->reply)
		lb->pol->reply(lb, in, b, rtt, s->now_ns);
	/* an event store's conflict is a 409: an answer, not a 5xx, to
	 * Envoy's outlier detection and to nginx's max_fails alike */
	int answered = req->status == REQ_OK || req->status == REQ_CONFLICT;
	if (c->max_fails)
		passive_check(s, n, lb, f->inst, b, answered);
	if (req->status != REQ_OK && s->measuring)
		lb->bs[b].failed++;
	/* outlier detection's counters, kept only when it is on: over 10^5
	 * backends each is a cache miss a reply */
	if (c->od.on) {
		in->sr_all[b]++;
		in->sr_ok[b] += answered;
		if (!answered) {
			if (++in->c5xx[b] >= c->od.consecutive) {
				in->c5xx[b] = 0;
				eject(s, n, lb, in, f->inst, b, c->od.enforce_5xx);
			}
		} else {
			in->c5xx[b] = 0;
		}
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
		/* a passing check ends an outlier ejection: at once, or once
		 * the check itself has brought the backend back */
		if (lb->cfg->od.on && lb->cfg->od.hc_uneject && !(in->flags[b] & AV_UNHEALTHY))
			uneject(s, lb, in, b);
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

/* probe_send probes backend b for instance i: a request like any other
 * (it queues, takes its service time, makes its calls, and fails as a
 * request fails there), passed when it is answered ok within the
 * timeout.  A replica that is down does not answer: its probe fails at
 * the timeout. */
static void probe_send(struct sim *s, struct sim_node *n, struct lb *lb, uint32_t i, uint32_t b)
{
	const struct lb_cfg *c = lb->cfg;
	const struct backend *e = &c->be[b];
	struct inst *in = &lb->in[i];
	uint32_t seq = ++in->probe_seq[b] & 0x1fffffffu;
	in->probe_seq[b] = seq;
	in->probe_out[b] = 1;
	sim_schedule(s, s->now_ns + c->hc.timeout_ns, n->id, LB_EV_PROBE_FAIL, NULL,
		     (uint64_t)seq << (LB_PROBE_B_BITS + LB_PROBE_I_BITS) |
			     (uint64_t)i << LB_PROBE_B_BITS | b);
	if (backend_down(s, e))
		return;
	struct request *r = sim_request_new(s);
	struct flight *f = r ? pool_get(&lb->flights) : NULL;
	if (!f) {
		if (r)
			sim_request_free(s, r);
		s->oom = 1;
		return;
	}
	memset(f, 0, sizeof *f);
	f->b = b;
	f->inst = i;
	f->probe = 1;
	f->seq = seq;
	f->sent_ns = s->now_ns;
	r->ident = rng_key(lb->probe_ident, lb->nprobes++);
	sim_via_push(r, &f->via, n->id);
	r->replica = e->replica;
	sim_send(s, e->node, r);
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
		probe_send(s, n, lb, i, b);
		break;
	case LB_EV_PROBE_FAIL: {
		/* a probe's timeout: it fails unless answered meanwhile */
		uint32_t pb = (uint32_t)(ev->arg & ((1u << LB_PROBE_B_BITS) - 1));
		uint32_t pi = (uint32_t)(ev->arg >> LB_PROBE_B_BITS) & ((1u << LB_PROBE_I_BITS) - 1);
		uint32_t seq = (uint32_t)(ev->arg >> (LB_PROBE_B_BITS + LB_PROBE_I_BITS));
		struct inst *pin = &lb->in[pi];
		if (pin->probe_out[pb] && pin->probe_seq[pb] == seq) {
			pin->probe_out[pb] = 0;
			probe_result(s, lb, pi, pb, 0);
		}
		break;
	}
	case LB_EV_FAIL_END:
		set_flag(s, lb, &lb->in[i], b, AV_FAILED, 0);
		break;
	case LB_EV_OD_SWEEP:
		sim_schedule(s, s->now_ns + c->od.interval_ns, n->id, LB_EV_OD_SWEEP, NULL, ev->arg);
		od_sweep(s, n, lb, i);
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
	for (uint32_t i = 0; i < lb->cfg->instances; i++)
		lb->in[i].epoch_sent = 0;
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
	v[22] = st->even;
	v[23] = (double)total;
}

static void lb_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct lb *lb = n->state;
	int64_t now = s->now_ns;
	struct bstat sum = { 0 };
	for (uint32_t i = 0; i < lb->cfg->instances; i++)
		even_flush(lb, &lb->in[i]);
	for (uint32_t b = 0; b < lb->nb; b++) {
		const struct bstat *st = &lb->bs[b];
		sum.even += st->even;
		sum.sent += st->sent, sum.replies += st->replies, sum.failed += st->failed;
		sum.ejections += st->ejections, sum.unhealthy += st->unhealthy;
		sum.lat_sum_s += st->lat_sum_s;
		sum.detect_sum_s += st->detect_sum_s, sum.detect_n += st->detect_n;
		lb->wtmp[b] = (double)st->sent;
	}
	sum.failed += lb->no_backend;
	double *v = node_row(o, 0);
	row_write(v, &sum, sum.sent, lb->arrivals, twa_mean(&lb->out_all, now));
	/* the spread of the requests over the backends that can take them:
	 * sd (over the backends, not a sample's) / mean */
	uint32_t u = units_now(s, lb->cfg);
	double m = u ? gsl_stats_mean(lb->wtmp, 1, u) : 0;
	v[16] = u > 1 && m > 0 ? gsl_stats_sd_with_fixed_mean(lb->wtmp, 1, u, m) / m : NAN;
	v[18] = lb->moved_n ? lb->moved_sum / (double)lb->moved_n : NAN;
	v[20] = (double)lb->no_backend;
	v[22] = v[23] = 0;     /* a backend's column */
	for (uint32_t b = 0; b < lb->nb && o->nrows > 1; b++) {
		double *r = node_row(o, 1 + b);
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
	{ "arrivals", COL_SUM,
	  "balancer: requests that reached it; a backend's row: requests sent to that backend" },
	{ "share", COL_RATIO, "a backend's row: its share of the requests the balancer sent" },
	{ "failed", COL_SUM,
	  "balancer: replies that were not ok, and requests it had no backend for; a backend's row: its replies that were not ok" },
	{ "latency_mean_s", COL_RATIO,
	  "balancer and backend rows: time from sending a request to a backend to its reply (the overhead not included)" },
	{ "outstanding_mean", COL_MEAN, "requests sent and not yet answered, time-averaged" },
	{ "ejections", COL_SUM, "outlier-detection ejections" },
	{ "unhealthy_marks", COL_SUM, "times health checks took a backend out" },
	{ "detect_mean_s", COL_RATIO,
	  "time from a backend's crash to the health checks taking it out" },
	{ "load_cv", COL_MEAN,
	  "coefficient of variation (sd / mean) of the requests each place in use at the end received: a balancer's backends, a shards node's shards" },
	{ "keys_moved_share", COL_MEAN,
	  "share of the key space whose place changed when the set of places changed (a hash balancer's backends, a cache's nodes, shards), averaged over the changes" },
	{ "no_backend", COL_SUM, "requests failed for want of an available backend" },
	{ "even_share", COL_RATIO,
	  "a backend's row: the share it would have had had every request gone to the backends available at the time in proportion to their weights (the reference for `share` when backends join, leave or are taken out)" },
	{ NULL, 0, NULL },
};

static const struct col_def lb_ts_cols[] = {
	{ "outstanding_mean", COL_MEAN, "requests sent and not yet answered" },
	{ "available_backends", COL_MEAN,
	  "backends the balancer may send to at the window's end (mean over instances)" },
	{ NULL, 0, NULL },
};

/* lb_unit_name: unit u is backend u, a replica of a node or a node */
static void lb_unit_name(const struct scenario *sc, const struct sc_node *nd, uint32_t u,
			 char *buf, size_t len)
{
	const struct lb_cfg *c = nd->cfg;
	buf[0] = 0;
	if (!c->be || u >= c->nb)
		return;
	const struct backend *b = &c->be[u];
	if (b->replica == SIM_ANY)
		snprintf(buf, len, "%s", sc->nodes[b->node].name);
	else
		snprintf(buf, len, "%s[%u]", sc->nodes[b->node].name, b->replica);
}

/* billing: a balancer's instances, and the requests that reached it */
static void lb_billing(struct sim *s, struct sim_node *n, struct node_bill *b)
{
	const struct lb *lb = n->state;
	(void)s;
	b->instances = lb->cfg->instances;
	b->requests = (double)lb->arrivals;
}

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
	.billing = lb_billing,
	.bills = BILL_REQUESTS,
	.finish = lb_finish,
	.unit_name = lb_unit_name,
	.cols = lb_cols,
	.sample = lb_sample,
	.ts_cols = lb_ts_cols,
	.fini = lb_fini,
	.calls = lb_calls,
};
