/*
 * station.h - a FIFO queue before c identical workers, for kinds built of
 * queueing stations (a database's primary and replicas).
 *
 * The station keeps the queue, the busy count, the requests in service
 * (so a crash can fail them) and its time-weighted statistics; the kind
 * draws each demand and owns the end-of-service event.  The service kind
 * keeps its own replicas, whose workers also wait on calls.
 *
 * Use:  if (station_take(st, now, req)) station_start(...): the request
 * has a worker; at its end event, next = station_end(...), and if next is
 * not NULL start it the same way.
 */
#ifndef MODELS_STATION_H
#define MODELS_STATION_H

#include "sim/sim.h"
#include "sim/stats.h"

struct station {
	uint32_t workers, busy;
	struct request *qhead, *qtail;
	uint64_t qlen;
	struct request *held;        /* in service, linked by hprev/hnext */
	struct twa busyt;            /* busy workers, time-weighted */
	uint64_t arrivals, served;
	double sojourn_s;            /* arrival to end of service, summed
				      * over the served */
};

/* held_add / held_remove: r joins / leaves the list at *head of the
 * requests a node holds, linked by hprev and hnext (what a crash fails:
 * a station's requests in service, a projection's reads). */
static inline void held_add(struct request **head, struct request *r)
{
	r->hprev = NULL;
	r->hnext = *head;
	if (*head)
		(*head)->hprev = r;
	*head = r;
}

static inline void held_remove(struct request **head, struct request *r)
{
	if (r->hprev)
		r->hprev->hnext = r->hnext;
	else
		*head = r->hnext;
	if (r->hnext)
		r->hnext->hprev = r->hprev;
	r->hprev = r->hnext = NULL;
}

/* station_init: an idle station of `workers` >= 1, observed from now. */
void station_init(struct station *st, uint32_t workers, int64_t now);

/* station_take: req has arrived.  1: a worker is now busy with it (call
 * station_start); 0: it waits in the queue. */
int station_take(struct station *st, int64_t now, struct request *req);

/* station_start schedules the end of req's service at end_ns as event
 * (node, kind, obj = req, arg), kept in req->timer. */
void station_start(struct sim *s, struct station *st, struct request *req,
		   int64_t end_ns, uint32_t node, uint16_t kind, uint64_t arg);

/* station_end: req's service is over (its sojourn counted).  Returns the
 * next request, which keeps the worker (start it), or NULL. */
struct request *station_end(struct station *st, int64_t now, struct request *req);

/* station_drain empties the station (a crash): returns every request it
 * held or queued, linked by next, their timers cancelled; the caller
 * fails them. */
struct request *station_drain(struct station *st, int64_t now);

/* station_restart forgets the statistics (warm-up is over). */
void station_restart(struct station *st, int64_t now);

/* station_utilization: busy workers over workers, time-averaged. */
double station_utilization(const struct station *st, int64_t now);

#endif
