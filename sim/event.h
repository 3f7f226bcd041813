/*
 * event.h - the event record shared by the engine and its queues.
 *
 * An event is a (time, sequence) key and a small payload addressed to one
 * node.  The engine stamps `seq` from a counter at each push, so two events
 * at the same nanosecond leave the queue in the order they were scheduled
 * and a run is a pure function of its seed.  Events come from the engine's
 * pool; a queue only links them (through `next`) and never allocates or
 * frees one.  A handler must not keep an event pointer after it returns.
 *
 * Cancellation is lazy: a timer that is no longer wanted (a timeout whose
 * reply came back) gets SIM_EV_CANCELLED and is dropped by the engine when
 * it reaches the head of the queue, which keeps every queue's push and pop
 * free of search.
 */
#ifndef SIM_EVENT_H
#define SIM_EVENT_H

#include <stdint.h>

#define SIM_EV_CANCELLED 0x1u

/* Event kinds with this bit are the engine's own (delayed arrivals, the
 * timeline
 * time-series ticks); a node's kinds stay below it. */
#define SIM_EV_ENGINE 0x8000u

struct event {
	int64_t time_ns;      /* when it fires, simulated nanoseconds */
	uint64_t seq;         /* insertion order; breaks ties in time_ns */
	struct event *next;   /* queue link, owned by the queue while queued */
	void *obj;            /* payload, usually a struct request */
	uint64_t arg;         /* node-defined argument */
	uint32_t node;        /* index of the node it is addressed to */
	uint16_t kind;        /* node-defined event kind */
	uint16_t flags;       /* SIM_EV_* */
};

/* event_before is the queue order: earlier time first, then lower seq. */
static inline int event_before(const struct event *a, const struct event *b)
{
	return a->time_ns < b->time_ns ||
	       (a->time_ns == b->time_ns && a->seq < b->seq);
}

#endif
