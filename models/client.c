/*
 * client.c - the client kind; see client.h.
 */
#include "models/client.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

#define CLIENT_MAX_USERS 10000000
#define CLIENT_MAX_POINTS 100000

enum { CL_EV_ARRIVAL = 1, CL_EV_ISSUE = 2 };

enum arrival_process { ARR_POISSON, ARR_CONSTANT, ARR_PROFILE, ARR_CLOSED };

struct profile_point {
	int64_t at_ns;
	double rate_per_s;
};

struct client_cfg {
	enum arrival_process process;
	double rate_per_s;                 /* poisson, constant */
	struct profile_point *points;      /* profile: sorted by time, first at 0 */
	size_t npoints;
	int64_t period_ns;                 /* profile: 0 = hold the last rate */
	double period_area;                /* profile: expected arrivals per period */
	uint32_t users;                    /* closed */
	struct dist think;                 /* closed */
	uint32_t target;
};

struct client {
	const struct client_cfg *cfg;
	gsl_rng *rng_arrival;
	double gap_mean_ns;                /* poisson, constant */
	uint64_t wl_key;                   /* names this workload's requests in
					    * this replication */
	uint64_t issued;                   /* open loop: requests issued */
	/* profile state */
	int64_t cycle_ns;                  /* start of the current period */
	size_t seg;                        /* current segment */
};

static const char *const wl_keys[] = { "arrival", "target", "description", NULL };
static const char *const wl_required[] = { "arrival", "target", NULL };
static const char *const open_keys[] = { "process", "rate", NULL };
static const char *const open_required[] = { "process", "rate", NULL };
static const char *const profile_keys[] = { "process", "points", "period", NULL };
static const char *const profile_required[] = { "process", "points", NULL };
static const char *const point_keys[] = { "at", "rate", NULL };
static const char *const closed_keys[] = { "process", "users", "think", NULL };
static const char *const closed_required[] = { "process", "users", NULL };

static void client_cfg_free(void *p)
{
	struct client_cfg *c = p;
	if (!c)
		return;
	dist_fini(&c->think);
	free(c->points);
	free(c);
}

static int configure_profile(struct sc_ctx *ctx, const char *path,
			     const struct yt_node *arr, struct client_cfg *c)
{
	char what[256];
	int rc;
	const struct yt_node *pts = yt_get(arr, "points");
	snprintf(what, sizeof what, "%s.points", path);
	if (pts->type != YT_SEQ || pts->n == 0)
		return sc_fail(ctx, pts, what,
			       "must be a non-empty list of {at: TIME, rate: RATE}");
	if (pts->n > CLIENT_MAX_POINTS)
		return sc_fail(ctx, pts, what, "at most %d points", CLIENT_MAX_POINTS);
	c->points = calloc(pts->n, sizeof *c->points);
	if (!c->points)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	c->npoints = pts->n;
	double peak = 0;
	for (size_t i = 0; i < pts->n; i++) {
		const struct yt_node *p = pts->items[i];
		snprintf(what, sizeof what, "%s.points[%zu]", path, i);
		if ((rc = sc_keys(ctx, p, what, point_keys, point_keys)))
			return rc;
		snprintf(what, sizeof what, "%s.points[%zu].at", path, i);
		if ((rc = sc_duration(ctx, yt_get(p, "at"), what, 0, &c->points[i].at_ns)))
			return rc;
		if (i == 0 && c->points[0].at_ns != 0)
			return sc_fail(ctx, yt_get(p, "at"), what,
				       "the first point must be at 0s");
		if (i > 0 && c->points[i].at_ns <= c->points[i - 1].at_ns)
			return sc_fail(ctx, yt_get(p, "at"), what,
				       "points must be in increasing time order");
		snprintf(what, sizeof what, "%s.points[%zu].rate", path, i);
		double r;
		/* a profile may fall silent */
		if ((rc = sc_rate_or_zero(ctx, yt_get(p, "rate"), what, &r)))
			return rc;
		c->points[i].rate_per_s = r;
		if (r > peak)
			peak = r;
	}
	if (peak <= 0)
		return sc_fail(ctx, pts, what, "every rate is 0: no request would ever arrive");
	const struct yt_node *per = yt_get(arr, "period");
	if (per) {
		snprintf(what, sizeof what, "%s.period", path);
		if ((rc = sc_duration(ctx, per, what, 1, &c->period_ns)))
			return rc;
		if (c->period_ns <= c->points[c->npoints - 1].at_ns)
			return sc_fail(ctx, per, what,
				       "the period must be longer than the last point's time");
		for (size_t k = 0; k < c->npoints; k++) {
			int64_t end = k + 1 < c->npoints ? c->points[k + 1].at_ns : c->period_ns;
			double r1 = k + 1 < c->npoints ? c->points[k + 1].rate_per_s :
							 c->points[0].rate_per_s;
			c->period_area += (c->points[k].rate_per_s + r1) / 2 *
					  (double)(end - c->points[k].at_ns) * 1e-9;
		}
	}
	return 0;
}

static int client_configure(struct sc_ctx *ctx, const char *path,
			    const struct yt_node *map, void **out)
{
	char what[256];
	int rc;
	const char *proc;
	struct client_cfg *c = calloc(1, sizeof *c);
	if (!c)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	c->think.kind = DIST_CONSTANT;

	if ((rc = sc_keys(ctx, map, path, wl_keys, wl_required)))
		goto fail;
	snprintf(what, sizeof what, "%s.target", path);
	if ((rc = sc_node_ref(ctx, yt_get(map, "target"), what, &c->target)))
		goto fail;
	const struct yt_node *arr = yt_get(map, "arrival");
	snprintf(what, sizeof what, "%s.arrival", path);
	if (arr->type != YT_MAP) {
		rc = sc_fail(ctx, arr, what,
			     "must be a mapping such as {process: poisson, rate: 10/s}");
		goto fail;
	}
	const struct yt_node *pn = yt_get(arr, "process");
	if (!pn) {
		rc = sc_fail(ctx, arr, what,
			     "needs 'process': poisson, constant, profile or closed");
		goto fail;
	}
	char pwhat[300];
	snprintf(pwhat, sizeof pwhat, "%s.process", what);
	if ((rc = sc_string(ctx, pn, pwhat, &proc)))
		goto fail;
	if (strcmp(proc, "poisson") == 0 || strcmp(proc, "constant") == 0) {
		c->process = proc[0] == 'p' ? ARR_POISSON : ARR_CONSTANT;
		if ((rc = sc_keys(ctx, arr, what, open_keys, open_required)))
			goto fail;
		snprintf(pwhat, sizeof pwhat, "%s.rate", what);
		if ((rc = sc_rate(ctx, yt_get(arr, "rate"), pwhat, &c->rate_per_s)))
			goto fail;
	} else if (strcmp(proc, "profile") == 0) {
		c->process = ARR_PROFILE;
		if ((rc = sc_keys(ctx, arr, what, profile_keys, profile_required)) ||
		    (rc = configure_profile(ctx, what, arr, c)))
			goto fail;
	} else if (strcmp(proc, "closed") == 0) {
		uint64_t u;
		c->process = ARR_CLOSED;
		if ((rc = sc_keys(ctx, arr, what, closed_keys, closed_required)))
			goto fail;
		snprintf(pwhat, sizeof pwhat, "%s.users", what);
		if ((rc = sc_uint(ctx, yt_get(arr, "users"), pwhat, 1,
				  CLIENT_MAX_USERS, &u)))
			goto fail;
		c->users = (uint32_t)u;
		const struct yt_node *th = yt_get(arr, "think");
		if (th) {
			snprintf(pwhat, sizeof pwhat, "%s.think", what);
			if ((rc = sc_dist(ctx, th, pwhat, &c->think)))
				goto fail;
		}
	} else {
		static const char *const procs[] = {
			"poisson", "constant", "profile", "closed", NULL
		};
		rc = sc_unknown(ctx, pn, pwhat, "process", proc, procs);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	client_cfg_free(c);
	return rc;
}

/* seg_end_rate is the rate at the end of segment k (which starts at
 * points[k]): the next point's, or with a period the first point's. */
static double seg_end_rate(const struct client_cfg *c, size_t k)
{
	if (k + 1 < c->npoints)
		return c->points[k + 1].rate_per_s;
	return c->period_ns ? c->points[0].rate_per_s : c->points[k].rate_per_s;
}

/* seg_end_ns is where segment k ends: the next point, the period, or
 * never. */
static int64_t seg_end_ns(const struct client_cfg *c, size_t k)
{
	if (k + 1 < c->npoints)
		return c->points[k + 1].at_ns;
	return c->period_ns ? c->period_ns : SIM_NEVER;
}

/* at returns base + offset_ns rounded, or SIM_NEVER when the offset lies
 * beyond any run (a rate so low that the next arrival never comes): the
 * conversion of a huge or infinite double to int64 is undefined. */
static inline int64_t at(int64_t base, double offset_ns)
{
	if (!(offset_ns < (double)(INT64_MAX / 4)))
		return SIM_NEVER;
	return base + (int64_t)(offset_ns + 0.5);
}

/* profile_next returns the first arrival after t_ns (absolute time), or
 * SIM_NEVER.  See the essay in client.h: one unit exponential E is the
 * expected number of arrivals to wait for, and the integrated rate is
 * inverted for it. */
static int64_t profile_next(struct client *cl, int64_t t_ns)
{
	const struct client_cfg *c = cl->cfg;
	double e = rng_exp1(cl->rng_arrival);
	double t = (double)(t_ns - cl->cycle_ns) * 1e-9;   /* s into the period */
	for (;;) {
		size_t k = cl->seg;
		double t0 = (double)c->points[k].at_ns * 1e-9;
		int64_t end_ns = seg_end_ns(c, k);
		double r0 = c->points[k].rate_per_s;
		if (end_ns == SIM_NEVER) {
			/* the last rate holds for ever */
			return r0 > 0 ? at(cl->cycle_ns, (t + e / r0) * 1e9) : SIM_NEVER;
		}
		double t1 = (double)end_ns * 1e-9;
		double slope = (seg_end_rate(c, k) - r0) / (t1 - t0);
		double rt = r0 + slope * (t - t0);            /* rate at t */
		if (rt < 0)
			rt = 0;                               /* rounding */
		double left = (rt + seg_end_rate(c, k)) / 2 * (t1 - t);
		if (e <= left) {
			/* rt d + slope d^2 / 2 = e, the root in [0, t1 - t],
			 * written so that it does not cancel */
			double disc = rt * rt + 2 * slope * e;
			double den = rt + sqrt(disc > 0 ? disc : 0);
			double d = den > 0 ? 2 * e / den : t1 - t;
			if (d > t1 - t)
				d = t1 - t;
			return at(cl->cycle_ns, (t + d) * 1e9);
		}
		e -= left;
		t = t1;
		if (++cl->seg < c->npoints)
			continue;
		/* end of a period (there is one: without, the last segment
		 * never ends); whole periods are skipped by their area */
		cl->seg = 0;
		t = 0;
		double n = floor(e / c->period_area);
		if ((n + 1) * (double)c->period_ns >
		    (double)(INT64_MAX / 4 - cl->cycle_ns))
			return SIM_NEVER;                     /* beyond any run */
		cl->cycle_ns += ((int64_t)n + 1) * c->period_ns;
		e -= n * c->period_area;
		if (e < 0)
			e = 0;
	}
}

static int64_t next_arrival(struct client *cl, int64_t now)
{
	switch (cl->cfg->process) {
	case ARR_POISSON:
		return at(now, rng_exponential(cl->rng_arrival, cl->gap_mean_ns));
	case ARR_CONSTANT:
		/* the k-th arrival at round(k / rate), so rounding never adds
		 * up (3,000,000/s gives 3,000,000 a second, not 3,003,003) */
		return at(0, (double)(cl->issued + 1) * cl->gap_mean_ns);
	case ARR_PROFILE:
		return profile_next(cl, now);
	case ARR_CLOSED:
		break;
	}
	return SIM_NEVER;
}

/* ident names a request of this workload: issue k of the open loop, or
 * the k-th request of closed-loop user u.  A closed loop's requests are
 * named by user, not by the order they happen to be issued in, so a
 * faster system does not give a user's 10th request another identity. */
static uint64_t ident(const struct client *cl, uint32_t u, uint64_t k)
{
	return rng_key(rng_key(cl->wl_key, u), k);
}

/* think_ns draws user u's think time before its request k, from the
 * identity of that request. */
static int64_t think_ns(struct sim *s, const struct client *cl, uint32_t u,
			uint64_t k)
{
	struct request r = { .ident = ident(cl, u, k) };
	return dist_sample_ns(&cl->cfg->think, sim_draws(s, &r, SIM_DRAW_THINK));
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
	cl->rng_arrival = sim_stream(s, n, "arrival");
	if (!cl->rng_arrival)
		return SIM_ENOMEM;
	if (c->process == ARR_CLOSED) {
		/* users start by thinking, so they do not all arrive at 0 */
		for (uint32_t u = 0; u < c->users; u++)
			if (!sim_schedule(s, think_ns(s, cl, u, 0), n->id, CL_EV_ISSUE,
					  NULL, u))
				return SIM_ENOMEM;
	} else {
		if (c->process != ARR_PROFILE)
			cl->gap_mean_ns = 1e9 / c->rate_per_s;
		int64_t t = next_arrival(cl, 0);
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
	free(cl);
	n->state = NULL;
}

static void issue(struct sim *s, struct sim_node *n, struct client *cl,
		  uint32_t user, uint64_t k)
{
	struct request *req = sim_request_new(s);
	if (!req)
		return;
	req->client = n->id;
	req->reply_to = n->id;
	req->user = user;
	req->issue = k;
	req->ident = ident(cl, user, k);
	sim_measure_arrival(s, req);
	sim_send(s, cl->cfg->target, req);
}

/* Closed-loop issue events carry the user and its request number. */
#define CL_USER_BITS 24
#define CL_USER_MASK ((1u << CL_USER_BITS) - 1)

static void client_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct client *cl = n->state;
	if (ev->kind == CL_EV_ARRIVAL) {
		/* schedule the next one first: the send below may take long
		 * paths, and the order of draws must not depend on them */
		uint64_t k = cl->issued++;
		int64_t t = next_arrival(cl, s->now_ns);
		if (t != SIM_NEVER)
			sim_schedule(s, t, n->id, CL_EV_ARRIVAL, NULL, 0);
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
	if (c->process == ARR_CLOSED) {
		uint64_t k = req->issue + 1;
		sim_schedule(s, s->now_ns + think_ns(s, cl, req->user, k), n->id,
			     CL_EV_ISSUE, NULL, k << CL_USER_BITS | req->user);
	}
	sim_request_free(s, req);
}

/* profile_area is the integral of the profile's rate from 0 to t_s
 * (seconds): expected arrivals. */
static double profile_area(const struct client_cfg *c, double t_s)
{
	double area = 0, base = 0;
	if (c->period_ns) {
		double per = (double)c->period_ns * 1e-9;
		double n = floor(t_s / per);
		area = n * c->period_area;
		base = n * per;
	}
	for (size_t k = 0; k < c->npoints; k++) {
		double t0 = base + (double)c->points[k].at_ns * 1e-9;
		int64_t e = seg_end_ns(c, k);
		double t1 = e == SIM_NEVER ? INFINITY : base + (double)e * 1e-9;
		if (t_s <= t0)
			break;
		double r0 = c->points[k].rate_per_s, r1 = seg_end_rate(c, k);
		double hi = t_s < t1 ? t_s : t1;
		double slope = isfinite(t1) ? (r1 - r0) / (t1 - t0) : 0;
		area += (r0 + (r0 + slope * (hi - t0))) / 2 * (hi - t0);
	}
	return area;
}

static double client_offered(const void *cfg, int64_t t0, int64_t t1)
{
	const struct client_cfg *c = cfg;
	switch (c->process) {
	case ARR_POISSON:
	case ARR_CONSTANT:
		return c->rate_per_s;
	case ARR_PROFILE:
		if (t1 <= t0)
			return NAN;
		return (profile_area(c, (double)t1 * 1e-9) -
			profile_area(c, (double)t0 * 1e-9)) / ((double)(t1 - t0) * 1e-9);
	case ARR_CLOSED:
		break;
	}
	return NAN;
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
	.summary = "a workload: open-loop arrivals or closed-loop users",
	.configure = client_configure,
	.cfg_free = client_cfg_free,
	.init = client_init,
	.done = client_done,
	.event = client_event,
	.fini = client_fini,
	.route = client_route,
	.offered = client_offered,
};
