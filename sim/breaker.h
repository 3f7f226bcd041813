/*
 * breaker.h - a circuit breaker with resilience4j's state machine and
 * names, so that a CircuitBreakerConfig can be pasted into a scenario:
 *
 *   breakers:
 *     payments_cb:
 *       sliding_window_type: count          # count | time
 *       sliding_window_size: 100            # calls, or seconds
 *       minimum_number_of_calls: 100
 *       failure_rate_threshold: 50          # percent
 *       slow_call_rate_threshold: 100       # percent
 *       slow_call_duration_threshold: 60s
 *       wait_duration_in_open_state: 60s
 *       permitted_number_of_calls_in_half_open_state: 10
 *       automatic_transition_from_open_to_half_open_enabled: false
 *
 * CLOSED: every call's outcome (failed, and slow when it lasted longer
 * than the slow-call threshold) goes into the sliding window: the last N
 * calls, or the calls of the last N seconds in one-second buckets.  Once
 * the window holds at least minimum_number_of_calls (for a count window,
 * at most its size, as resilience4j caps it), the failure rate and the
 * slow-call rate are evaluated after each call, and the breaker opens
 * when either reaches its threshold.  OPEN: calls are not permitted: they
 * fail at once, no call is made, and they are not recorded.  After the
 * wait the breaker goes HALF_OPEN, at that moment when the automatic
 * transition is enabled, else at the first call after it.  HALF_OPEN: the
 * permitted number of calls go through and are recorded in a window of
 * their own, the others are not permitted; when the last of them is
 * recorded, the rates decide: OPEN again if either reaches its threshold,
 * else CLOSED with an empty window.
 *
 * The module is the state machine alone, driven by breaker_allow and
 * breaker_record with the current time: the engine calls them around
 * each attempt on an edge that names the breaker, and the tests drive it
 * with scripted outcomes.
 */
#ifndef SIM_BREAKER_H
#define SIM_BREAKER_H

#include <stdint.h>

#include "sim/param.h"
#include "sim/stats.h"

enum { BRK_CLOSED, BRK_OPEN, BRK_HALF_OPEN, BRK_NSTATES };
enum { BRK_WINDOW_COUNT, BRK_WINDOW_TIME };

#define BRK_MAX_WINDOW 1000000

struct breaker_cfg {
	unsigned window_type;
	uint32_t window_size;
	uint32_t min_calls;
	double failure_rate, slow_rate;     /* percent */
	int64_t slow_ns, wait_ns;
	uint32_t half_open_calls;
	int auto_half_open;
};

/* The keys of one breaker: the table `breakers:` entries are checked by. */
extern const struct param_table breaker_table;

struct breaker {
	const struct breaker_cfg *c;
	int state;
	int64_t opened_ns;           /* when it last opened */
	/* the closed state's window: a ring of outcomes (count), or buckets
	 * of one second (time) */
	uint8_t *ring;               /* [window_size] bit 0 failed, 1 slow */
	uint32_t *bcalls, *bfails, *bslows;  /* [window_size] per second */
	int64_t bucket;              /* the current second */
	uint32_t head, n;            /* count window */
	uint64_t calls, fails, slows;  /* what the window holds */
	/* half-open */
	uint32_t permits_left, hcalls, hfails, hslows;
	uint64_t epoch;              /* goes up at every transition */
	/* statistics */
	struct twa level;            /* 0 closed, 0.5 half-open, 1 open,
				      * time-weighted (the time series) */
	uint64_t transitions[BRK_NSTATES];   /* into each state */
	uint64_t not_permitted;
};

/* breaker_init: a closed breaker of config c.  0, or -1 out of memory.
 * Its level is observed from time 0. */
int breaker_init(struct breaker *b, const struct breaker_cfg *c);
void breaker_fini(struct breaker *b);

/* breaker_allow asks for a call at now: 1 permitted (in half-open, one of
 * the permits is taken), 0 not (counted).  A non-automatic breaker whose
 * wait is over goes half-open here. */
int breaker_allow(struct breaker *b, int64_t now);

/* breaker_record records a permitted call's outcome at now: failed, and
 * how long it lasted.  It may open or close the breaker.  epoch is
 * b->epoch when the call was permitted: a half-open state counts only
 * the calls it permitted itself. */
void breaker_record(struct breaker *b, int64_t now, int failed, int64_t duration_ns,
		    uint64_t epoch);

/* breaker_release gives back the permit of a call permitted at epoch that
 * will never be recorded (its caller gave it up): a half-open breaker
 * would otherwise wait for it for ever, as resilience4j's
 * releasePermission prevents. */
void breaker_release(struct breaker *b, uint64_t epoch);

/* breaker_auto_due is when an automatic transition to half-open is due
 * (INT64_MAX: none); breaker_tick makes it at that time. */
int64_t breaker_auto_due(const struct breaker *b);
void breaker_tick(struct breaker *b, int64_t now);

/* breaker_state_name: "closed", "open", "half_open". */
const char *breaker_state_name(int state);

#endif
