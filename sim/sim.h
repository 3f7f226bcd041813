/*
 * sim.h - the engine: one replication of one scenario point.
 *
 * A run is a loop over the event queue (evq.h): pop the earliest event, set
 * the clock to it, hand it to the node it is addressed to, return it to the
 * pool.  Nodes are instances of component kinds (models/model.h); they talk
 * to each other by passing requests, and to the future by scheduling
 * events for themselves (end of service, next arrival, a timeout).
 *
 * Two ways a request moves:
 *   - sim_send(to, req): the request arrives at node `to` now.  The sender
 *     is done with it (forwarding, as after service with `next:`).
 *   - sim_finish(req): the request has finished (served or rejected); the
 *     node in req->reply_to is told.  For a request issued by a client that
 *     is the client, which measures it.  A synchronous call made by a node
 *     (a later addition) is a child request whose reply_to is the caller and
 *     whose parent is the request the caller's worker holds.
 *
 * Measurement: the run lasts warmup + duration.  When warm-up ends, every
 * node's warmup_end callback resets its statistics and the replication's
 * counters start; a request counts if it finishes inside the measured
 * window, and its latency is the whole time since its client issued it
 * (open-loop clients never wait for replies, so there is no coordinated
 * omission).  The time series covers the whole run, warm-up included, so a
 * transient can be seen.
 *
 * Time is int64 nanoseconds.  Events at equal times fire in the order they
 * were scheduled (seq), so a replication is a pure function of the scenario,
 * its seed and the replication number.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <signal.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/event.h"
#include "sim/evq.h"
#include "sim/hist.h"
#include "sim/pool.h"
#include "sim/scenario.h"

#define SIM_ANY UINT32_MAX       /* "no replica chosen", "no node" */
#define SIM_NEVER INT64_MAX

enum req_status {
	REQ_OK = 0,
	REQ_REJECTED,                /* refused by a full queue */
};

struct request {
	struct request *next;        /* link in a node's queue */
	uint64_t id;
	int64_t birth_ns;            /* when the client issued it */
	int64_t node_arrival_ns;     /* when it reached the node holding it */
	struct request *parent;      /* request waiting on this call, or NULL */
	uint32_t reply_to;           /* node told by sim_finish */
	uint32_t client;             /* issuing client node */
	uint32_t replica;            /* replica chosen upstream, or SIM_ANY */
	uint16_t cls;                /* request class (workload-defined) */
	uint16_t attempt;            /* 0 for the first try */
	uint64_t key;                /* key for caches, shards, hashing */
	int32_t status;              /* enum req_status */
};

/* Per-node totals over the measured window, as written to nodes.csv. */
struct node_result {
	uint64_t arrivals, completed, rejected;
	double utilization;          /* busy workers / all workers, time-avg */
	double queue_len_mean;       /* waiting requests, time-averaged */
	double wait_mean_s;          /* queueing time of requests served */
	double waited_ratio;         /* fraction of those that waited at all */
	double latency_mean_s;       /* time at the node, requests completed */
};

/* One time-series window of one replication. */
struct ts_window {
	uint64_t completed, rejected;
	double p50_s, p99_s;         /* NaN when nothing completed */
};

/* What one replication measured. */
struct rep_result {
	uint64_t arrivals, completed, rejected;
	double duration_s;           /* measured simulated time */
	struct hist latency;         /* end-to-end, completed requests */
	struct node_result *nodes;   /* [nnodes] */
	struct ts_window *ts;        /* [nts], whole run */
	size_t nts;
	int64_t ts_window_ns;
	uint64_t events;             /* events processed, warm-up included */
	uint64_t requests;           /* requests issued, warm-up included */
	int complete;                /* 0 when stopped early */
};

struct sim_node {
	const struct sc_node *sc;
	const struct model_ops *ops;
	void *state;                 /* owned by the model: init / fini */
	uint32_t id;
};

struct sim {
	int64_t now_ns;
	uint64_t seq;
	struct evq q;
	struct pool events;
	struct pool requests;
	struct sim_node *nodes;
	uint32_t nnodes;
	const struct scenario *sc;
	uint32_t replication;
	uint64_t next_req_id;
	int64_t warmup_end_ns, end_ns;
	int measuring;               /* warm-up is over */
	struct rep_result *res;
	struct hist ts_hist;         /* latencies of the current window */
	int64_t ts_next_ns;          /* end of the current window */
	size_t ts_cur;
	const struct sim_hooks *hooks;
	int oom;                     /* an allocation failed mid-run */
};

/* Optional hooks of a run.  `stop` is polled between events: when it
 * becomes non-zero the run ends early.  `progress`, when set, is called
 * every few tens of thousands of events with the fraction of simulated
 * time done (0..1); it must be cheap. */
struct sim_hooks {
	volatile sig_atomic_t *stop;
	void (*progress)(void *arg, double done);
	void *arg;
};

/* rep_result_init / _fini: a result with room for nnodes nodes.
 * 0 or SIM_ENOMEM. */
int rep_result_init(struct rep_result *r, uint32_t nnodes);
void rep_result_fini(struct rep_result *r);

/* sim_run runs replication `rep` of scenario sc into out (initialised with
 * rep_result_init).  hooks may be NULL.  Returns 0, SIM_EINTR when stopped
 * (out->complete = 0), or SIM_ENOMEM. */
int sim_run(const struct scenario *sc, uint32_t rep, struct rep_result *out,
	    const struct sim_hooks *hooks, struct sim_err *err);

/* sim_stream returns a new random stream for (this replication, node,
 * purpose); the caller frees it with gsl_rng_free.  NULL on ENOMEM. */
gsl_rng *sim_stream(struct sim *s, const struct sim_node *n,
		    const char *purpose);

/* sim_schedule queues an event for node `node` at time at_ns >= now and
 * returns it (so a timer can later be cancelled with sim_cancel), or NULL
 * when memory ran out (the run then ends with SIM_ENOMEM). */
static inline struct event *sim_schedule(struct sim *s, int64_t at_ns,
					 uint32_t node, uint16_t kind,
					 void *obj, uint64_t arg)
{
	struct event *ev = pool_get(&s->events);
	if (!ev) {
		s->oom = 1;
		return NULL;
	}
	ev->time_ns = at_ns;
	ev->seq = s->seq++;
	ev->obj = obj;
	ev->arg = arg;
	ev->node = node;
	ev->kind = kind;
	ev->flags = 0;
	if (evq_push(&s->q, ev)) {
		pool_put(&s->events, ev);
		s->oom = 1;
		return NULL;
	}
	return ev;
}

/* sim_cancel stops a scheduled event from firing.  The event stays queued
 * and is dropped when it comes up; the caller must not touch it after. */
static inline void sim_cancel(struct event *ev)
{
	ev->flags |= SIM_EV_CANCELLED;
}

/* sim_request_new returns a zeroed request with a fresh id, born now, or
 * NULL (out of memory). */
struct request *sim_request_new(struct sim *s);

/* sim_request_free returns a request to the pool. */
static inline void sim_request_free(struct sim *s, struct request *r)
{
	pool_put(&s->requests, r);
}

/* sim_send: req arrives at node `to` now (see the essay). */
void sim_send(struct sim *s, uint32_t to, struct request *req);

/* sim_finish: req has finished; the node req->reply_to is told. */
void sim_finish(struct sim *s, struct request *req);

/* sim_measure_arrival / _done record, for the replication's totals and time
 * series, a request issued by a client and its end (served or rejected).
 * Clients call them. */
void sim_measure_arrival(struct sim *s);
void sim_measure_done(struct sim *s, const struct request *req);

#endif
