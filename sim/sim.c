/*
 * sim.c - the event loop and the replication's measurements; see sim.h.
 *
 * The loop runs in two phases, warm-up and measurement, so the hot loop has
 * no test for "is warm-up over" per event: each phase pops events until the
 * next one lies beyond the phase's end, which is pushed back (with its
 * original seq, so order is kept) for the next phase.
 */
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "sim/rng.h"

/* At most this many time-series windows per replication: a finer `window:`
 * is coarsened so the file stays small. */
#define SIM_MAX_WINDOWS 2000

int rep_result_init(struct rep_result *r, uint32_t nnodes)
{
	memset(r, 0, sizeof *r);
	r->nodes = calloc(nnodes ? nnodes : 1, sizeof *r->nodes);
	if (!r->nodes || hist_init(&r->latency)) {
		free(r->nodes);
		r->nodes = NULL;
		return SIM_ENOMEM;
	}
	return 0;
}

void rep_result_fini(struct rep_result *r)
{
	hist_fini(&r->latency);
	free(r->nodes);
	free(r->ts);
	r->nodes = NULL;
	r->ts = NULL;
}

gsl_rng *sim_stream(struct sim *s, const struct sim_node *n,
		    const char *purpose)
{
	return rng_stream_new(s->sc->seed, s->replication, n->sc->name, purpose);
}

struct request *sim_request_new(struct sim *s)
{
	struct request *r = pool_get(&s->requests);
	if (!r) {
		s->oom = 1;
		return NULL;
	}
	memset(r, 0, sizeof *r);
	r->id = s->next_req_id++;
	r->birth_ns = s->now_ns;
	r->node_arrival_ns = s->now_ns;
	r->replica = SIM_ANY;
	r->reply_to = SIM_ANY;
	r->client = SIM_ANY;
	return r;
}

void sim_send(struct sim *s, uint32_t to, struct request *req)
{
	struct sim_node *n = &s->nodes[to];
	req->node_arrival_ns = s->now_ns;
	n->ops->arrive(s, n, req);
}

void sim_finish(struct sim *s, struct request *req)
{
	struct sim_node *n = &s->nodes[req->reply_to];
	n->ops->done(s, n, req);
}

/* ts_flush closes time-series windows up to (not including) the one that
 * holds time t. */
static void ts_flush(struct sim *s, int64_t t)
{
	struct rep_result *r = s->res;
	while (t >= s->ts_next_ns && s->ts_cur < r->nts) {
		struct ts_window *w = &r->ts[s->ts_cur];
		if (s->ts_hist.total) {
			w->p50_s = hist_quantile(&s->ts_hist, 0.5) * 1e-9;
			w->p99_s = hist_quantile(&s->ts_hist, 0.99) * 1e-9;
			hist_reset(&s->ts_hist);
		}
		s->ts_cur++;
		s->ts_next_ns += r->ts_window_ns;
	}
}

void sim_measure_arrival(struct sim *s)
{
	s->res->requests++;
	if (s->measuring)
		s->res->arrivals++;
}

void sim_measure_done(struct sim *s, const struct request *req)
{
	struct rep_result *r = s->res;
	if (s->now_ns >= s->ts_next_ns)
		ts_flush(s, s->now_ns);
	struct ts_window *w = s->ts_cur < r->nts ? &r->ts[s->ts_cur] : NULL;
	if (req->status == REQ_OK) {
		int64_t lat = s->now_ns - req->birth_ns;
		if (w) {
			w->completed++;
			hist_record(&s->ts_hist, lat);
		}
		if (s->measuring) {
			r->completed++;
			hist_record(&r->latency, lat);
		}
	} else {
		if (w)
			w->rejected++;
		/* counted against the arrivals of the same window: a request
		 * issued during warm-up is no arrival of the measured window */
		if (s->measuring && req->birth_ns >= s->warmup_end_ns)
			r->rejected++;
	}
}

/* run_until processes events earlier than end_ns.  Returns 0, or SIM_EINTR
 * when stopped, or SIM_ENOMEM. */
static int run_until(struct sim *s, int64_t end_ns)
{
	struct event *ev;
	uint64_t n = 0;
	int stopped = 0;
	while ((ev = evq_pop(&s->q)) != NULL) {
		if (ev->time_ns >= end_ns) {
			/* belongs to the next phase; seq unchanged, order kept.
			 * The push cannot fail while other events are queued
			 * (it goes to the front); when it does, the run ends
			 * as out of memory rather than lose the event. */
			if (evq_push(&s->q, ev)) {
				pool_put(&s->events, ev);
				s->oom = 1;
			}
			break;
		}
		s->now_ns = ev->time_ns;
		if (!(ev->flags & SIM_EV_CANCELLED)) {
			struct sim_node *node = &s->nodes[ev->node];
			node->ops->event(s, node, ev);
		}
		pool_put(&s->events, ev);
		n++;
		if (s->oom)
			break;
		/* hooks every 65536 events: responsive, and off the hot path */
		if ((n & 65535) == 0 && s->hooks) {
			if (s->hooks->stop && *s->hooks->stop) {
				stopped = 1;
				break;
			}
			if (s->hooks->progress)
				s->hooks->progress(s->hooks->arg,
						   (double)s->now_ns / (double)s->end_ns);
		}
	}
	s->res->events += n;
	if (s->oom)
		return SIM_ENOMEM;
	/* only a stop seen before the phase ended interrupts it: a replication
	 * that ran to its end is kept even if the signal came just after */
	return stopped ? SIM_EINTR : 0;
}

int sim_run(const struct scenario *sc, uint32_t rep, struct rep_result *out,
	    const struct sim_hooks *hooks, struct sim_err *err)
{
	struct sim s;
	int rc = 0;
	uint32_t inited = 0;

	memset(&s, 0, sizeof s);
	s.sc = sc;
	s.replication = rep;
	s.res = out;
	s.hooks = hooks;
	s.warmup_end_ns = sc->warmup_ns;
	s.end_ns = sc->warmup_ns + sc->duration_ns;
	evq_init(&s.q);
	pool_init(&s.events, sizeof(struct event), 4096);
	pool_init(&s.requests, sizeof(struct request), 4096);
	s.nnodes = (uint32_t)sc->nnodes;
	s.nodes = calloc(s.nnodes, sizeof *s.nodes);

	/* time series: whole run, at most SIM_MAX_WINDOWS windows */
	int64_t w = sc->window_ns;
	int64_t min_w = (s.end_ns + SIM_MAX_WINDOWS - 1) / SIM_MAX_WINDOWS;
	if (w < min_w)
		w = min_w;
	if (w < 1)
		w = 1;
	out->ts_window_ns = w;
	out->nts = (size_t)((s.end_ns + w - 1) / w);
	out->ts = calloc(out->nts ? out->nts : 1, sizeof *out->ts);
	s.ts_next_ns = w;
	if (!s.nodes || !out->ts || hist_init(&s.ts_hist)) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < out->nts; i++)
		out->ts[i].p50_s = out->ts[i].p99_s = NAN;

	for (uint32_t i = 0; i < s.nnodes; i++) {
		s.nodes[i].sc = &sc->nodes[i];
		s.nodes[i].ops = sc->nodes[i].ops;
		s.nodes[i].id = i;
	}
	for (; inited < s.nnodes; inited++) {
		struct sim_node *n = &s.nodes[inited];
		if (n->ops->init(&s, n) || s.oom) {
			inited++;   /* fini whatever init half-built */
			rc = sim_errf(err, SIM_ENOMEM, "out of memory");
			goto done;
		}
	}

	rc = run_until(&s, s.warmup_end_ns);
	if (rc == 0) {
		s.now_ns = s.warmup_end_ns;
		s.measuring = 1;
		for (uint32_t i = 0; i < s.nnodes; i++)
			if (s.nodes[i].ops->warmup_end)
				s.nodes[i].ops->warmup_end(&s, &s.nodes[i]);
		rc = run_until(&s, s.end_ns);
	}
	if (rc == 0)
		s.now_ns = s.end_ns;
	if (rc == SIM_ENOMEM)
		sim_errf(err, SIM_ENOMEM, "out of memory during the run");
	else if (rc == SIM_EINTR)
		sim_errf(err, SIM_EINTR, "interrupted");
	out->complete = rc == 0;
	/* measured time: up to the end, or to where an interrupted run got */
	out->duration_s = s.measuring ?
		(double)(s.now_ns - s.warmup_end_ns) * 1e-9 : 0.0;
	ts_flush(&s, INT64_MAX);
	if (s.measuring)
		for (uint32_t i = 0; i < s.nnodes; i++)
			if (s.nodes[i].ops->finish)
				s.nodes[i].ops->finish(&s, &s.nodes[i], &out->nodes[i]);
done:
	for (uint32_t i = 0; i < inited; i++)
		s.nodes[i].ops->fini(&s, &s.nodes[i]);
	hist_fini(&s.ts_hist);
	evq_fini(&s.q);
	pool_fini(&s.events);
	pool_fini(&s.requests);
	free(s.nodes);
	return rc;
}
