/*
 * station.c - a FIFO multi-worker queueing station; see station.h.
 */
#include "models/station.h"

void station_init(struct station *st, uint32_t workers, int64_t now)
{
	*st = (struct station){ .workers = workers };
	twa_init(&st->busyt, now, 0);
}

int station_take(struct station *st, int64_t now, struct request *req)
{
	st->arrivals++;
	if (st->busy < st->workers) {
		st->busy++;
		twa_add(&st->busyt, now, 1);
		return 1;
	}
	req->next = NULL;
	if (st->qtail)
		st->qtail->next = req;
	else
		st->qhead = req;
	st->qtail = req;
	st->qlen++;
	return 0;
}

void station_start(struct sim *s, struct station *st, struct request *req,
		   int64_t end_ns, uint32_t node, uint16_t kind, uint64_t arg)
{
	held_add(&st->held, req);
	req->timer = sim_timer_set(s, end_ns, node, kind, req, arg);
}

struct request *station_end(struct station *st, int64_t now, struct request *req)
{
	held_remove(&st->held, req);
	st->served++;
	st->sojourn_s += (double)(now - req->node_arrival_ns) * 1e-9;
	struct request *q = st->qhead;
	if (q) {
		st->qhead = q->next;
		if (!st->qhead)
			st->qtail = NULL;
		st->qlen--;
		return q;
	}
	st->busy--;
	twa_add(&st->busyt, now, -1);
	return NULL;
}

struct request *station_drain(struct station *st, int64_t now)
{
	struct request *out = st->qhead;
	while (st->held) {
		struct request *r = st->held;
		held_remove(&st->held, r);
		sim_timer_cancel(&r->timer);
		r->next = out;
		out = r;
	}
	st->qhead = st->qtail = NULL;
	st->qlen = 0;
	twa_add(&st->busyt, now, -(double)st->busy);
	st->busy = 0;
	return out;
}

void station_restart(struct station *st, int64_t now)
{
	twa_restart(&st->busyt, now);
	st->arrivals = st->served = 0;
	st->sojourn_s = 0;
}

double station_utilization(const struct station *st, int64_t now)
{
	return twa_mean(&st->busyt, now) / st->workers;
}
