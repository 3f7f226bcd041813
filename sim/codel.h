/*
 * codel.h - CoDel for request queues, as folly's executors run it
 * (folly/executors/Codel.cpp), which is what `discipline: codel` names.
 *
 * Nichols and Jacobson's CoDel drops packets at a rate that grows while
 * the least queueing delay of each interval stays above a target.  The
 * variant Facebook runs in front of its RPC servers ("Fail at Scale",
 * Maurer 2015) keeps the measurement and changes the response: at the end
 * of each interval the queue is judged overloaded when the least delay
 * seen in it exceeded the target, and while it is, any request whose
 * delay, when it is taken from the queue, exceeds twice the target (the
 * "slough timeout") is dropped rather than served.  The first request
 * after an interval ends starts the next minimum and is never dropped, so
 * at least two requests must come in an interval before any is.
 *
 * The state is one queue's: a service keeps one per replica, each the
 * queue of one server process.  Times are the simulation's nanoseconds;
 * the caller passes `now`, where folly reads its steady clock.
 */
#ifndef SIM_CODEL_H
#define SIM_CODEL_H

#include <stdint.h>

/* `codel:` as a scenario writes it, with folly's defaults (5 ms, 100 ms). */
struct codel_cfg {
	int64_t target_ns;     /* targetDelay */
	int64_t interval_ns;   /* interval: longer than the target */
};

/* One queue's state, as folly keeps it. */
struct codel {
	int64_t min_delay_ns;  /* the least delay since the minimum restarted */
	int64_t interval_end;  /* when the current interval ends */
	uint8_t reset;         /* the next delay restarts the minimum */
	uint8_t overloaded;    /* the last interval's minimum passed the target */
};

/* codel_init starts q at now, as folly's constructor does: the interval
 * already over, the minimum to be restarted by the first request. */
void codel_init(struct codel *q, int64_t now);

/* codel_drops says whether a request that waited delay_ns and is taken
 * from the queue at now is to be dropped (folly's Codel::overloaded), and
 * updates the state.  Inline: a service calls it on every request's
 * start, and a call there makes the caller save registers on every
 * arrival. */
static inline int codel_drops(struct codel *q, const struct codel_cfg *c, int64_t now,
			      int64_t delay_ns)
{
	if (now > q->interval_end && !q->reset) {
		/* an interval is over: judge it by its least delay */
		q->reset = 1;
		q->interval_end = now + c->interval_ns;
		q->overloaded = q->min_delay_ns > c->target_ns;
	}
	if (q->reset) {
		q->reset = 0;
		q->min_delay_ns = delay_ns;
		return 0;
	}
	if (delay_ns < q->min_delay_ns)
		q->min_delay_ns = delay_ns;
	return q->overloaded && delay_ns > 2 * c->target_ns;
}

#endif
