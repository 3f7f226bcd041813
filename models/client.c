/*
 * client.c - the client kind; see client.h.
 *
 * The arrival process (arrival.h) says when an open loop's next request
 * comes; this file is what happens then: the request's identity, key,
 * kind and connection, each drawn from the request's own named draws, and
 * its measurement.  A closed loop's users are run here, because each
 * user's next request waits on the system's answer to the last one.
 *
 * An open loop that is not a trace and has none of keys, kinds, sizes,
 * connections or a zone (a plain client) issues through issue_plain, which makes the same request
 * without asking about them: most of a benchmark's clients, whose every
 * request would otherwise test for each.
 */
#include "models/client.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/arrival.h"
#include "sim/keys.h"
#include "sim/rng.h"
#include "sim/zone.h"

#define CLIENT_MAX_CLASSES 1024

enum { CL_EV_ARRIVAL = 1, CL_EV_ISSUE = 2 };

struct client_cfg {
	struct arrival_cfg arrival;        /* when requests come */
	uint32_t target;
	/* keys: the variant chosen, its parameters, the sampler built */
	enum keys_kind key_dist;
	struct key_params {
		uint64_t n;
		double s, fraction, share;
	} keyp;
	int has_keys;
	struct keys keys;
	/* mix: request kinds and their shares, cumulated */
	struct share {
		char *name;
		double p;
		double cum;
		int write;                 /* the name begins with "write" */
	} *mix;
	size_t nmix;
	const char **kinds;                /* the mix's names, for a trace's
					    * kind column (arrival_init) */
	uint32_t connections;              /* 0: none declared */
	uint32_t priority;                 /* its requests' class, 0 first */
	struct zone_size size;             /* its requests' sizes (zone.h) */
};

struct client {
	const struct client_cfg *cfg;
	gsl_rng *rng_arrival;              /* the arrival's draws */
	uint64_t wl_key;                   /* names this workload's requests in
					    * this replication */
	uint64_t issued;                   /* open loop: requests issued */
	uint64_t scanned;                  /* requests issued, every user's:
					    * the position of a sequential key */
	struct arrival arr;                /* the arrival process (a closed
					    * loop's asks nothing of it) */
	uint16_t zone;                     /* where its users are (zone.h), or 0 */
	int plain;                         /* an open loop of requests without
					    * keys, kinds, sizes, connections or
					    * zone: issue_plain issues them */
};

/* client_validate builds the key sampler, cumulates the mix, lists its
 * names for the arrival (a trace's kinds are named by them), and scales
 * an open loop's load by the scenario's load_scale. */
static int client_validate(struct check_ctx *ctx, const char *path,
			   const struct yt_node *map, void *obj)
{
	struct client_cfg *c = obj;
	char what[256];
	const struct yt_node *kn = yt_get(map, "keys");
	if (kn) {
		struct sim_err kerr;
		const struct key_params *k = &c->keyp;
		int rc = 0;
		switch (c->key_dist) {
		case KEYS_UNIFORM: rc = keys_uniform(&c->keys, k->n, &kerr); break;
		case KEYS_ZIPF: rc = keys_zipf(&c->keys, k->n, k->s, &kerr); break;
		case KEYS_HOTSET:
			rc = keys_hotset(&c->keys, k->n, k->fraction, k->share, &kerr);
			break;
		case KEYS_SEQUENTIAL: rc = keys_sequential(&c->keys, k->n, &kerr); break;
		}
		snprintf(what, sizeof what, "%s.keys", path);
		if (rc)
			return check_fail(ctx, kn, what, "%s", kerr.msg);
		c->has_keys = 1;
	}
	if (c->nmix) {
		double cum = 0;
		for (size_t i = 0; i < c->nmix; i++) {
			cum += c->mix[i].p;
			c->mix[i].cum = cum;
			c->mix[i].write = !strncmp(c->mix[i].name, "write", 5);
		}
		snprintf(what, sizeof what, "%s.mix", path);
		if (fabs(cum - 1) > 1e-6)
			return check_fail(ctx, yt_get(map, "mix"), what,
				       "the shares add up to %g; they must add up to 1", cum);
		c->mix[c->nmix - 1].cum = 1;
		if (!(c->kinds = malloc(c->nmix * sizeof *c->kinds)))
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		for (size_t i = 0; i < c->nmix; i++)
			c->kinds[i] = c->mix[i].name;
	}
	/* the scenario's load_scale, read before the workloads; a trace's
	 * copies of an arrival are bounded */
	if (c->arrival.process == ARRIVAL_TRACE &&
	    c->arrival.scale * ctx->sc->load_scale > ARRIVAL_SCALE_MAX) {
		snprintf(what, sizeof what, "%s.arrival.scale", path);
		return check_fail(ctx, yt_get(yt_get(map, "arrival"), "scale"), what,
				  "times load_scale (%g) gives %g, above %d copies of an arrival",
				  ctx->sc->load_scale, c->arrival.scale * ctx->sc->load_scale,
				  ARRIVAL_SCALE_MAX);
	}
	if (ctx->sc->load_scale != 1)
		arrival_scale(&c->arrival, ctx->sc->load_scale);
	return 0;
}

/* client_cfg_fini frees the list of the mix's names (the names are the
 * mix's own). */
static void client_cfg_fini(void *obj)
{
	struct client_cfg *c = obj;
	free(c->kinds);
}

#define N_PARAM { \
	.name = "n", .type = PARAM_UINT, PARAM_FIELD(struct key_params, n), \
	.umin = 1, .umax = KEYS_ZIPF_N_MAX, .flags = PARAM_REQUIRED, \
	.doc = "number of keys: 0 to n - 1", \
}

static const struct param uniform_params[] = { N_PARAM, { 0 } };
static const struct param zipf_params[] = {
	N_PARAM,
	{ .name = "s", .type = PARAM_NUMBER, PARAM_FIELD(struct key_params, s),
	  .min = 0, .max = 100, .def = "1",
	  .doc = "exponent: key k (from 0) is drawn with probability proportional to (k + 1)^-s" },
	{ 0 }
};
static const struct param hotset_params[] = {
	N_PARAM,
	{ .name = "fraction", .type = PARAM_PROB, PARAM_FIELD(struct key_params, fraction),
	  .def = "0.2", .doc = "share of the keys that are hot: the first round(fraction n)" },
	{ .name = "share", .type = PARAM_PROB, PARAM_FIELD(struct key_params, share),
	  .def = "0.8", .doc = "share of the requests that go to a hot key" },
	{ 0 }
};

static const struct param_table uniform_table = {
	.params = uniform_params, .size = sizeof(struct key_params),
};
static const struct param_table zipf_table = {
	.params = zipf_params, .size = sizeof(struct key_params),
};
static const struct param_table hotset_table = {
	.params = hotset_params, .size = sizeof(struct key_params),
};

/* in the order of enum keys_kind */
static const struct param_case keys_cases[] = {
	{ .name = "uniform", .table = &uniform_table, .doc = "Every key equally likely." },
	{ .name = "zipf", .table = &zipf_table,
	  .doc = "Zipf's law over n keys, drawn exactly in O(1) time and memory by rejection-inversion (Hörmann and Derflinger 1996), for n up to 10^12." },
	{ .name = "hotset", .table = &hotset_table,
	  .doc = "A hot set of round(fraction n) keys receives `share` of the requests, uniformly; the rest go uniformly to the other keys." },
	{ .name = "sequential", .table = &uniform_table,
	  .doc = "Request k of the workload gets key k mod n (a scan)." },
	{ 0 }
};

static const struct param share_elem = {
	.type = PARAM_PROB, PARAM_FIELD(struct share, p),
	.doc = "the share of requests of this kind",
};

static const struct param client_params[] = {
	ARRIVAL_PARAM(struct client_cfg, arrival),
	{ .name = "target", .type = PARAM_NODE, PARAM_FIELD(struct client_cfg, target),
	  .flags = PARAM_REQUIRED, .doc = "the node that receives the requests" },
	{ .name = "keys", .type = PARAM_VARIANT, PARAM_FIELD(struct client_cfg, key_dist),
	  .sub_off = offsetof(struct client_cfg, keyp), .key = "dist",
	  .noun = "key distribution", .cases = keys_cases,
	  .shape = "{dist: zipf, n: 1000000, s: 0.99}",
	  .def_doc = "none: every request has key 0",
	  .doc = "the popularity of the keys requests carry (for caches, shards, hashing); drawn when the request is issued, carried by it and by all its calls" },
	{ .name = "mix", .type = PARAM_LIST, PARAM_FIELD(struct client_cfg, mix),
	  PARAM_COUNT(struct client_cfg, nmix), .flags = PARAM_KEYED, .elem = &share_elem,
	  .elem_size = sizeof(struct share), .name_off = offsetof(struct share, name),
	  .max_len = CLIENT_MAX_CLASSES, .item = "kinds", .shape = "{read: 0.95, write: 0.05}",
	  .def_doc = "one kind",
	  .doc = "kinds of request and their shares, adding up to 1; drawn when the request is issued, carried by it and by all its calls.  A kind whose name begins with `write` is a write (caches and databases treat writes apart: they update, invalidate and replicate); every other kind is a read" },
	{ .name = "connections", .type = PARAM_UINT, PARAM_FIELD(struct client_cfg, connections),
	  .umin = 1, .umax = ARRIVAL_MAX_USERS,
	  .def_doc = "open loop: a connection per request; closed loop: one per user",
	  .doc = "long-lived connections the workload's requests ride, each request on one drawn at random (its own draw). A layer-4 balancer pins each connection to a backend. A closed loop's users share them: user u rides connection u mod `connections`" },
	{ .name = "priority", .type = PARAM_UINT, PARAM_FIELD(struct client_cfg, priority),
	  .umin = 0, .umax = SIM_PRIORITIES - 1, .def = "0",
	  .doc = "its requests' class, carried by all their calls and by the messages they publish to a queue (and the consumers' calls): a service with `discipline: priority` serves a waiting request of a lower number before any of a higher one (0 first)" },
	{ .name = "size", .type = PARAM_MAP, PARAM_FIELD(struct client_cfg, size),
	  .sub = &zone_size_table, .shape = "{request: SIZE, response: SIZE}",
	  .def_doc = "0B both",
	  .doc = "the size of its requests and of their responses, drawn per request: what a hop over a link (`links:`) carries, for its `bandwidth` and its `cost`; its requests' calls carry it too, unless a call says its own" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table client_table = {
	.params = client_params,
	.size = sizeof(struct client_cfg),
	.validate = client_validate,
	.fini = client_cfg_fini,
	.doc = "Each entry of `workloads:` is a client that issues requests to its `target`. Open-loop clients never wait for replies, so a slow system meets the same demand as a fast one. Latency is measured from the moment the client issued the request, which avoids coordinated omission.",
};

int client_plain(const struct scenario *sc, uint32_t k)
{
	const struct sc_node *nd = &sc->nodes[k];
	if (nd->ops != &client_ops)
		return 0;
	const struct client_cfg *c = nd->cfg;
	return !arrival_closed(&c->arrival) && c->arrival.process != ARRIVAL_TRACE &&
	       !c->has_keys && !c->nmix && !c->size.given && !c->connections &&
	       !(nd->zone && nd->zone[0]);
}

/* ident names a request of this workload: issue k of the open loop, or
 * the k-th request of closed-loop user u.  A closed loop's requests are
 * named by user, not by the order they happen to be issued in, so a
 * faster system does not give a user's 10th request another identity. */
static inline uint64_t ident(const struct client *cl, uint32_t u, uint64_t k)
{
	/* open loop: a Weyl sequence from the workload's key, mixed */
	if (!arrival_closed(&cl->cfg->arrival))
		return rng_mix64(cl->wl_key + k * RNG_GAMMA);
	return rng_key(rng_key(cl->wl_key, u), k);
}

/* think_ns draws user u's think time before its request k, from the
 * identity of that request. */
static int64_t think_ns(struct sim *s, const struct client *cl, uint32_t u,
			uint64_t k)
{
	struct request r = { .ident = ident(cl, u, k) };
	return dist_sample_ns(&cl->cfg->arrival.think, sim_draws(s, &r, SIM_DRAW_THINK));
}

static int client_init(struct sim *s, struct sim_node *n)
{
	const struct client_cfg *c = n->sc->cfg;
	struct client *cl = calloc(1, sizeof *cl);
	n->state = cl;
	if (!cl)
		return SIM_ENOMEM;
	cl->cfg = c;
	cl->wl_key = rng_key(s->run_key, rng_hash64(n->sc->name, 0));
	cl->zone = n->zone ? n->zone[0] : 0;
	cl->plain = client_plain(s->sc, n->id);
	cl->rng_arrival = sim_stream(s, n, "arrival");
	if (!cl->rng_arrival)
		return SIM_ENOMEM;
	int rc = arrival_init(&cl->arr, &c->arrival, cl->rng_arrival, c->kinds, c->nmix);
	if (rc)
		return rc;
	if (arrival_closed(&c->arrival)) {
		/* users start by thinking, so they do not all arrive at 0 */
		for (uint32_t u = 0; u < c->arrival.users; u++)
			if (!sim_schedule(s, think_ns(s, cl, u, 0), n->id, CL_EV_ISSUE,
					  NULL, u))
				return SIM_ENOMEM;
	} else {
		int64_t t = arrival_next(&cl->arr, 0);
		if (t != SIM_NEVER && !sim_schedule(s, t, n->id, CL_EV_ARRIVAL, NULL, 0))
			return SIM_ENOMEM;
	}
	return 0;
}

static void client_fini(struct sim *s, struct sim_node *n)
{
	struct client *cl = n->state;
	if (!cl)
		return;
	if (cl->rng_arrival)
		gsl_rng_free(cl->rng_arrival);
	arrival_fini(&cl->arr);
	free(cl);
	n->state = NULL;
}

/* request_of makes request k of user `user` of client n, named, or
 * returns NULL (out of memory: the run ends). */
static inline struct request *request_of(struct sim *s, struct sim_node *n,
					 const struct client *cl, uint32_t user, uint64_t k)
{
	struct request *req = sim_request_new(s);
	if (!req)
		return NULL;
	req->client = n->id;
	req->reply_to = n->id;
	req->user = user;
	req->issue = k;
	req->ident = ident(cl, user, k);
	return req;
}

static void issue(struct sim *s, struct sim_node *n, struct client *cl,
		  uint32_t user, uint64_t k)
{
	struct request *req = request_of(s, n, cl, user, k);
	if (!req)
		return;
	const struct client_cfg *c = cl->cfg;
	/* a sequential key follows the workload's issues, not a user's */
	uint64_t nth = cl->scanned++;
	/* a trace's key and kind, where it has them, stand for the draws
	 * (each draw is named by the request and its purpose, so leaving
	 * one out changes no other); a closed loop's row is all zero */
	const struct arrival_row *row = arrival_current(&cl->arr);
	if (row->has_key)
		req->key = row->key;
	else if (c->has_keys)
		req->key = keys_sample(&c->keys, sim_draws(s, req, SIM_DRAW_KEY), nth);
	req->keyed = row->has_key || c->has_keys;
	req->prio = (uint8_t)c->priority;
	if (c->size.given)
		sim_size_set(s, req, &c->size);
	if (cl->zone)                    /* else none, as made */
		req->zone = req->origin = cl->zone;
	if (row->has_kind) {
		/* a mix kind by name, and a write by its name */
		req->cls = row->cls;
		req->write = (uint8_t)row->write;
	} else if (c->nmix) {
		if (c->nmix > 1) {
			double u = rng_uniform_pos(sim_draws(s, req, SIM_DRAW_CLASS));
			uint16_t i = 0;
			while (u >= c->mix[i].cum)
				i++;
			req->cls = i;
		}
		req->write = (uint8_t)c->mix[req->cls].write;
	}
	if (arrival_closed(&c->arrival))
		req->conn = c->connections ? user % c->connections : user;
	else if (c->connections)
		/* an open loop's connection is its session, for databases: it
		 * goes in user, which calls carry to their children */
		req->user = req->conn = (uint32_t)(rng_uniform_pos(sim_draws(s, req, SIM_DRAW_CONN)) *
						   c->connections);
	sim_measure_arrival(s, req);
	sim_send(s, cl->cfg->target, req);
}

/* issue_plain is issue() for a plain client (cl->plain), request k of
 * its open loop: the same request, less the tests whose answer is fixed
 * for the run. */
static void issue_plain(struct sim *s, struct sim_node *n, struct client *cl, uint64_t k)
{
	struct request *req = request_of(s, n, cl, 0, k);
	if (!req)
		return;
	req->prio = (uint8_t)cl->cfg->priority;
	sim_measure_arrival(s, req);
	sim_send(s, cl->cfg->target, req);
}

/* Closed-loop issue events carry the user and its request number. */
#define CL_USER_BITS 24
#define CL_USER_MASK ((1u << CL_USER_BITS) - 1)
_Static_assert(ARRIVAL_MAX_USERS <= CL_USER_MASK + 1u,
	       "a closed loop's user must fit in its issue event's bits");

static void client_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct client *cl = n->state;
	if (ev->kind == CL_EV_ARRIVAL) {
		/* schedule the next one first: the send below may take long
		 * paths, and the order of draws must not depend on them */
		uint64_t k = cl->issued++;
		int64_t t = arrival_next(&cl->arr, s->now_ns);
		if (t != SIM_NEVER)
			sim_schedule(s, t, n->id, CL_EV_ARRIVAL, NULL, 0);
		if (cl->plain)
			issue_plain(s, n, cl, k);
		else
			issue(s, n, cl, 0, k);
		return;
	}
	issue(s, n, cl, (uint32_t)(ev->arg & CL_USER_MASK), ev->arg >> CL_USER_BITS);
}

static void client_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct client *cl = n->state;
	const struct client_cfg *c = cl->cfg;
	sim_measure_done(s, req);
	if (arrival_closed(&c->arrival)) {
		uint64_t k = req->issue + 1;
		sim_schedule(s, s->now_ns + think_ns(s, cl, req->user, k), n->id,
			     CL_EV_ISSUE, NULL, k << CL_USER_BITS | req->user);
	}
	sim_request_free(s, req);
}

static double client_offered(const void *cfg, int64_t t0, int64_t t1)
{
	const struct client_cfg *c = cfg;
	return arrival_offered(&c->arrival, t0, t1);
}

static double client_route(const void *cfg, size_t i, uint32_t *to)
{
	const struct client_cfg *c = cfg;
	if (i > 0)
		return -1;
	*to = c->target;
	return 1;
}

const struct model_ops client_ops = {
	.kind = "client",
	.summary = "open-loop arrivals or closed-loop users",
	.params = &client_table,
	.init = client_init,
	.done = client_done,
	.event = client_event,
	.fini = client_fini,
	.route = client_route,
	.offered = client_offered,
};
