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
#include <string.h>

#include "sim/rng.h"
#include "sim/stats.h"

#define SVC_MAX_REPLICAS 100000
#define SVC_MAX_WORKERS 1000000
#define SVC_MAX_NEXT 1024

enum { SVC_EV_DONE = 1 };

struct route {
	uint32_t to;
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

static const char *const svc_keys[] = {
	"type", "replicas", "workers", "queue", "service", "speed", "next",
	"description", NULL
};
static const char *const svc_required[] = { "service", NULL };
static const char *const route_keys[] = { "to", "p", NULL };
static const char *const route_required[] = { "to", "p", NULL };

static void svc_cfg_free(void *p)
{
	struct service_cfg *c = p;
	if (!c)
		return;
	dist_fini(&c->service);
	free(c->next);
	free(c);
}

static int svc_configure(struct sc_ctx *ctx, const char *path,
			 const struct yt_node *map, void **out)
{
	char what[256];
	uint64_t u;
	int rc;
	struct service_cfg *c = calloc(1, sizeof *c);
	if (!c)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	c->replicas = 1;
	c->workers = 1;
	c->queue = -1;
	c->speed = 1.0;
	c->service.kind = DIST_CONSTANT;

	if ((rc = sc_keys(ctx, map, path, svc_keys, svc_required)))
		goto fail;
	const struct yt_node *v;
	if ((v = yt_get(map, "replicas"))) {
		snprintf(what, sizeof what, "%s.replicas", path);
		if ((rc = sc_uint(ctx, v, what, 1, SVC_MAX_REPLICAS, &u)))
			goto fail;
		c->replicas = (uint32_t)u;
	}
	if ((v = yt_get(map, "workers"))) {
		snprintf(what, sizeof what, "%s.workers", path);
		if ((rc = sc_uint(ctx, v, what, 1, SVC_MAX_WORKERS, &u)))
			goto fail;
		c->workers = (uint32_t)u;
	}
	if ((v = yt_get(map, "queue"))) {
		snprintf(what, sizeof what, "%s.queue", path);
		if ((rc = sc_uint(ctx, v, what, 0, 1000000000, &u)))
			goto fail;
		c->queue = (int64_t)u;
	}
	if ((v = yt_get(map, "speed"))) {
		snprintf(what, sizeof what, "%s.speed", path);
		if ((rc = sc_double(ctx, v, what, 1e-6, 1e6, &c->speed)))
			goto fail;
	}
	snprintf(what, sizeof what, "%s.service", path);
	if ((rc = sc_dist(ctx, yt_get(map, "service"), what, &c->service)))
		goto fail;
	if ((v = yt_get(map, "next"))) {
		snprintf(what, sizeof what, "%s.next", path);
		if (v->type != YT_SEQ) {
			rc = sc_fail(ctx, v, what,
				     "must be a list of {to: NODE, p: PROBABILITY}");
			goto fail;
		}
		if (v->n > SVC_MAX_NEXT) {
			rc = sc_fail(ctx, v, what, "at most %d routes", SVC_MAX_NEXT);
			goto fail;
		}
		c->next = calloc(v->n ? v->n : 1, sizeof *c->next);
		if (!c->next) {
			rc = sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
			goto fail;
		}
		double cum = 0;
		for (size_t i = 0; i < v->n; i++) {
			const struct yt_node *e = v->items[i];
			double p;
			snprintf(what, sizeof what, "%s.next[%zu]", path, i);
			if ((rc = sc_keys(ctx, e, what, route_keys, route_required)))
				goto fail;
			snprintf(what, sizeof what, "%s.next[%zu].to", path, i);
			if ((rc = sc_node_ref(ctx, yt_get(e, "to"), what, &c->next[i].to)))
				goto fail;
			snprintf(what, sizeof what, "%s.next[%zu].p", path, i);
			if ((rc = sc_double(ctx, yt_get(e, "p"), what, 0, 1, &p)))
				goto fail;
			cum += p;
			if (cum > 1 + 1e-9) {
				rc = sc_fail(ctx, yt_get(e, "p"), what,
					     "routing probabilities add up to %g, more than 1", cum);
				goto fail;
			}
			c->next[i].cum = cum;
		}
		c->nnext = v->n;
	}
	*out = c;
	return 0;
fail:
	svc_cfg_free(c);
	return rc;
}

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
	.configure = svc_configure,
	.cfg_free = svc_cfg_free,
	.init = svc_init,
	.arrive = svc_arrive,
	.event = svc_event,
	.warmup_end = svc_warmup_end,
	.finish = svc_finish,
	.fini = svc_fini,
	.route = svc_route,
};
