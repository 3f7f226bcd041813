/*
 * codel.c - CoDel for request queues; see codel.h.
 */
#include "sim/codel.h"

void codel_init(struct codel *q, int64_t now)
{
	*q = (struct codel){ 0, now, 1, 0 };
}

int codel_drops(struct codel *q, const struct codel_cfg *c, int64_t now, int64_t delay_ns)
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
