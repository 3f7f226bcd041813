/*
 * service.c - the service kind; see service.h.
 *
 * Random streams, one per purpose so that changing how a service is used
 * leaves the other draws alone: "service" (service times) and "route"
 * (the choice among `next`).
 */
#include "models/service.h"

#include <math.h>
#include <stdlib.h>

#include "sim/rng.h"
#include "sim/stats.h"

#define SVC_MAX_REPLICAS 100000
#define SVC_MAX_WORKERS 1000000
#define SVC_MAX_QUEUE 1000000000
#define SVC_MAX_NEXT 1024

enum { SVC_EV_DONE = 1 };

struct route {
	uint32_t to;
	double p;              /* as given */
	double cum;            /* cumulative probability up to this edge */
};

struct service_cfg {
	uint32_t replicas;
	uint32_t workers;
	int64_t queue;         /* waiting places per replica; -1 unbounded */
	double speed;
	struct dist service;
	struct route *next;
	size_t nnext;
};

struct replica {
	uint32_t busy;
	uint32_t qlen;
	struct request *head, *tail;
};

struct service {
	const struct service_cfg *cfg;
	struct replica *rep;
	uint32_t rr;           /* round-robin cursor */
	gsl_rng *rng_service;
	gsl_rng *rng_route;
	double inv_speed;
	/* statistics since warm-up */
	uint64_t arrivals, completed, rejected, started, waited;
	double wait_sum_ns, resid_sum_ns;   /* double: no overflow on long runs */
	struct twa busy, queued;
};

static void svc_cfg_init(void *obj)
{
	struct service_cfg *c = obj;
	c->queue = -1;
}

/* svc_validate turns the routes' probabilities into cumulative ones, which
 * must not pass 1. */
static int svc_validate(struct sc_ctx *ctx, const char *path,
			const struct yt_node *map, void *obj)
{
	struct service_cfg *c = obj;
	double cum = 0;
	for (size_t i = 0; i < c->nnext; i++) {
		cum += c->next[i].p;
		if (cum > 1 + 1e-9) {
			char what[256];
			snprintf(what, sizeof what, "%s.next[%zu].p", path, i);
			return sc_fail(ctx, yt_get(yt_get(map, "next")->items[i], "p"), what,
				       "routing probabilities add up to %g, more than 1", cum);
		}
		c->next[i].cum = cum;
	}
	return 0;
}

static const struct param route_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct route, to),
	  .flags = PARAM_REQUIRED, .doc = "the node the request goes on to" },
	{ .name = "p", .type = PARAM_PROB, PARAM_FIELD(struct route, p),
	  .flags = PARAM_REQUIRED, .doc = "the probability of this route" },
	{ 0 }
};

static const struct param_table route_table = {
	.params = route_params,
	.size = sizeof(struct route),
};

static const struct param route_elem = {
	.type = PARAM_MAP, .size = sizeof(struct route), .sub = &route_table,
};

static const struct param svc_params[] = {
	{ .name = "replicas", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, replicas),
	  .umin = 1, .umax = SVC_MAX_REPLICAS, .def = "1",
	  .doc = "instances. Without a balancer in front, arrivals go to them in round robin" },
	{ .name = "workers", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, workers),
	  .umin = 1, .umax = SVC_MAX_WORKERS, .def = "1",
	  .doc = "servers per instance" },
	{ .name = "queue", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, queue),
	  .umin = 0, .umax = SVC_MAX_QUEUE, .def_doc = "unbounded",
	  .doc = "waiting places per instance. A request that finds every worker busy and the queue full is rejected (it finishes at once, counted in `rejected`)" },
	{ .name = "service", .type = PARAM_DIST, PARAM_FIELD(struct service_cfg, service),
	  .flags = PARAM_REQUIRED,
	  .doc = "service time of one request (before `speed`)" },
	{ .name = "speed", .type = PARAM_NUMBER, PARAM_FIELD(struct service_cfg, speed),
	  .min = 1e-6, .max = 1e6, .def = "1",
	  .doc = "service times are divided by it (vertical scaling)" },
	{ .name = "next", .type = PARAM_LIST, PARAM_FIELD(struct service_cfg, next),
	  PARAM_COUNT(struct service_cfg, nnext), .elem = &route_elem,
	  .elem_size = sizeof(struct route), .max_len = SVC_MAX_NEXT, .item = "routes",
	  .shape = "{to: NODE, p: PROBABILITY}",
	  .doc = "after service, the request goes on to `to` with probability `p`. With the remaining probability it completes. Probabilities must add up to at most 1. This gives open and closed Jackson networks, with feedback" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table svc_table = {
	.params = svc_params,
	.size = sizeof(struct service_cfg),
	.doc = "A service has `replicas` instances. Each instance has `workers` servers and its own FIFO queue.",
	.init = svc_cfg_init,
	.validate = svc_validate,
};

static int svc_init(struct sim *s, struct sim_node *n)
{
	const struct service_cfg *c = n->sc->cfg;
	struct service *sv = calloc(1, sizeof *sv);
	n->state = sv;
	if (!sv)
		return SIM_ENOMEM;
	sv->cfg = c;
	sv->inv_speed = 1.0 / c->speed;
	sv->rep = calloc(c->replicas, sizeof *sv->rep);
	sv->rng_service = sim_stream(s, n, "service");
	sv->rng_route = sim_stream(s, n, "route");
	if (!sv->rep || !sv->rng_service || !sv->rng_route)
		return SIM_ENOMEM;
	twa_init(&sv->busy, s->now_ns, 0);
	twa_init(&sv->queued, s->now_ns, 0);
	return 0;
}

static void svc_fini(struct sim *s, struct sim_node *n)
{
	struct service *sv = n->state;
	if (!sv)
		return;
	/* requests still queued belong to the pool, which the engine frees */
	free(sv->rep);
	if (sv->rng_service)
		gsl_rng_free(sv->rng_service);
	if (sv->rng_route)
		gsl_rng_free(sv->rng_route);
	free(sv);
	n->state = NULL;
}

static inline int64_t service_time(struct service *sv)
{
	const struct dist *d = &sv->cfg->service;
	double x;
	/* the common case without a call through GSL */
	if (d->kind == DIST_EXPONENTIAL)
		x = rng_exponential(sv->rng_service, d->mean);
	else
		x = dist_sample(d, sv->rng_service);
	x *= sv->inv_speed * 1e9;
	/* the same ceiling as dist_sample_ns: far beyond any run, and now +
	 * it cannot overflow (now is at most INT64_MAX / 4) */
	return x < (double)(INT64_MAX / 4) ? (int64_t)(x + 0.5) : INT64_MAX / 4;
}

static void start(struct sim *s, struct sim_node *n, struct service *sv,
		  uint32_t r, struct request *req)
{
	sv->rep[r].busy++;
	twa_add(&sv->busy, s->now_ns, 1);
	sv->started++;
	int64_t wait = s->now_ns - req->node_arrival_ns;
	sv->waited += wait > 0;
	sv->wait_sum_ns += (double)wait;
	sim_schedule(s, s->now_ns + service_time(sv), n->id, SVC_EV_DONE, req, r);
}

static void svc_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct service *sv = n->state;
	const struct service_cfg *c = sv->cfg;
	uint32_t r = req->replica;
	sv->arrivals++;
	if (r >= c->replicas) {
		r = sv->rr;
		if (++sv->rr == c->replicas)
			sv->rr = 0;
	}
	struct replica *rp = &sv->rep[r];
	if (rp->busy < c->workers) {
		start(s, n, sv, r, req);
	} else if (c->queue < 0 || rp->qlen < (uint64_t)c->queue) {
		req->next = NULL;
		if (rp->tail)
			rp->tail->next = req;
		else
			rp->head = req;
		rp->tail = req;
		rp->qlen++;
		twa_add(&sv->queued, s->now_ns, 1);
	} else {
		sv->rejected++;
		req->status = REQ_REJECTED;
		sim_finish(s, req);
	}
}

static void svc_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct service *sv = n->state;
	const struct service_cfg *c = sv->cfg;
	struct request *req = ev->obj;
	uint32_t r = (uint32_t)ev->arg;
	struct replica *rp = &sv->rep[r];

	sv->completed++;
	sv->resid_sum_ns += (double)(s->now_ns - req->node_arrival_ns);
	rp->busy--;
	twa_add(&sv->busy, s->now_ns, -1);
	if (rp->head) {
		struct request *q = rp->head;
		rp->head = q->next;
		if (!rp->head)
			rp->tail = NULL;
		rp->qlen--;
		twa_add(&sv->queued, s->now_ns, -1);
		start(s, n, sv, r, q);
	}
	/* this node's state is settled: the request may now come back here */
	if (c->nnext) {
		double u = rng_uniform_pos(sv->rng_route);
		for (size_t i = 0; i < c->nnext; i++) {
			if (u < c->next[i].cum) {
				req->replica = SIM_ANY;
				sim_send(s, c->next[i].to, req);
				return;
			}
		}
	}
	sim_finish(s, req);
}

static void svc_warmup_end(struct sim *s, struct sim_node *n)
{
	struct service *sv = n->state;
	sv->arrivals = sv->completed = sv->rejected = sv->started = sv->waited = 0;
	sv->wait_sum_ns = sv->resid_sum_ns = 0;
	twa_restart(&sv->busy, s->now_ns);
	twa_restart(&sv->queued, s->now_ns);
}

static void svc_finish(struct sim *s, struct sim_node *n, struct node_result *o)
{
	struct service *sv = n->state;
	const struct service_cfg *c = sv->cfg;
	o->arrivals = sv->arrivals;
	o->completed = sv->completed;
	o->rejected = sv->rejected;
	o->utilization = twa_mean(&sv->busy, s->now_ns) /
			 ((double)c->replicas * c->workers);
	o->queue_len_mean = twa_mean(&sv->queued, s->now_ns);
	/* NaN, not 0, when nothing was served: the report averages over the
	 * replications that measured something */
	o->wait_mean_s = sv->started ? sv->wait_sum_ns * 1e-9 / sv->started : NAN;
	o->waited_ratio = sv->started ? (double)sv->waited / sv->started : NAN;
	o->latency_mean_s = sv->completed ?
		sv->resid_sum_ns * 1e-9 / sv->completed : NAN;
}

static double svc_route(const void *cfg, size_t i, uint32_t *to)
{
	const struct service_cfg *c = cfg;
	if (i >= c->nnext)
		return -1;
	*to = c->next[i].to;
	return c->next[i].cum - (i ? c->next[i - 1].cum : 0);
}

const struct model_ops service_ops = {
	.kind = "service",
	.summary = "replicas x workers with FIFO queues, a service-time distribution and routing",
	.params = &svc_table,
	.init = svc_init,
	.arrive = svc_arrive,
	.event = svc_event,
	.warmup_end = svc_warmup_end,
	.finish = svc_finish,
	.fini = svc_fini,
	.route = svc_route,
};
