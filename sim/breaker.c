/*
 * breaker.c - the circuit breaker's state machine; see breaker.h.
 */
#include "sim/breaker.h"

#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000LL

/* resilience4j's enum spellings name the same two, after ours */
static const char *const window_names[] = { "count", "time", "COUNT_BASED", "TIME_BASED", NULL };

static int breaker_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			    void *obj)
{
	(void)ctx, (void)what, (void)map;
	struct breaker_cfg *c = obj;
	c->window_type %= 2;         /* COUNT_BASED is count, TIME_BASED time */
	return 0;
}

static const struct param breaker_params[] = {
	{ .name = "sliding_window_type", .type = PARAM_ENUM,
	  PARAM_FIELD(struct breaker_cfg, window_type), .names = window_names, .def = "count",
	  .doc = "count (resilience4j's COUNT_BASED, also accepted): the window is the last sliding_window_size calls; time (TIME_BASED): the calls of the last sliding_window_size seconds" },
	{ .name = "sliding_window_size", .type = PARAM_UINT,
	  PARAM_FIELD(struct breaker_cfg, window_size), .umin = 1, .umax = BRK_MAX_WINDOW,
	  .def = "100", .doc = "calls, or seconds" },
	{ .name = "minimum_number_of_calls", .type = PARAM_UINT,
	  PARAM_FIELD(struct breaker_cfg, min_calls), .umin = 1, .umax = UINT32_MAX,
	  .def = "100",
	  .doc = "calls the window must hold before the rates are evaluated (a count window's size caps it)" },
	{ .name = "failure_rate_threshold", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct breaker_cfg, failure_rate), .min = 1e-9, .max = 100, .def = "50",
	  .doc = "percent of failed calls (any outcome but ok, timeouts included) at which it opens" },
	{ .name = "slow_call_rate_threshold", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct breaker_cfg, slow_rate), .min = 1e-9, .max = 100, .def = "100",
	  .doc = "percent of slow calls at which it opens" },
	{ .name = "slow_call_duration_threshold", .type = PARAM_DURATION,
	  PARAM_FIELD(struct breaker_cfg, slow_ns), .min_ns = 1, .def = "60s",
	  .doc = "a call that lasts longer is slow" },
	{ .name = "wait_duration_in_open_state", .type = PARAM_DURATION,
	  PARAM_FIELD(struct breaker_cfg, wait_ns), .min_ns = 1, .def = "60s",
	  .doc = "how long it stays open before half-open" },
	{ .name = "permitted_number_of_calls_in_half_open_state", .type = PARAM_UINT,
	  PARAM_FIELD(struct breaker_cfg, half_open_calls), .umin = 1, .umax = BRK_MAX_WINDOW,
	  .def = "10", .doc = "calls let through while half-open; their outcomes decide" },
	{ .name = "automatic_transition_from_open_to_half_open_enabled", .type = PARAM_BOOL,
	  PARAM_FIELD(struct breaker_cfg, auto_half_open), .def = "false",
	  .doc = "true: half-open as soon as the wait is over; false: at the first call after it" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

const struct param_table breaker_table = {
	.params = breaker_params,
	.size = sizeof(struct breaker_cfg),
	.doc = "A circuit breaker, named by the call edges it guards (`breaker: NAME`), with resilience4j's state machine, defaults and the snake_case of its names.",
	.validate = breaker_validate,
};

const char *breaker_state_name(int state)
{
	static const char *const n[] = { "closed", "open", "half_open" };
	return state >= 0 && state < BRK_NSTATES ? n[state] : "?";
}

int breaker_init(struct breaker *b, const struct breaker_cfg *c)
{
	memset(b, 0, sizeof *b);
	b->c = c;
	b->state = BRK_CLOSED;
	twa_init(&b->level, 0, 0);
	if (c->window_type == BRK_WINDOW_COUNT) {
		if (!(b->ring = calloc(c->window_size, 1)))
			return -1;
	} else if (!(b->bcalls = calloc(c->window_size, sizeof *b->bcalls)) ||
		   !(b->bfails = calloc(c->window_size, sizeof *b->bfails)) ||
		   !(b->bslows = calloc(c->window_size, sizeof *b->bslows))) {
		breaker_fini(b);
		return -1;
	}
	return 0;
}

void breaker_fini(struct breaker *b)
{
	free(b->ring), free(b->bcalls), free(b->bfails), free(b->bslows);
	b->ring = NULL;
	b->bcalls = b->bfails = b->bslows = NULL;
}

static void window_clear(struct breaker *b)
{
	uint32_t n = b->c->window_size;
	if (b->ring)
		memset(b->ring, 0, n);
	if (b->bcalls) {
		memset(b->bcalls, 0, n * sizeof *b->bcalls);
		memset(b->bfails, 0, n * sizeof *b->bfails);
		memset(b->bslows, 0, n * sizeof *b->bslows);
	}
	b->head = b->n = 0;
	b->calls = b->fails = b->slows = 0;
}

static void go(struct breaker *b, int state, int64_t now)
{
	b->state = state;
	b->epoch++;
	twa_set(&b->level, now, state == BRK_OPEN ? 1 : state == BRK_HALF_OPEN ? 0.5 : 0);
	b->transitions[state]++;
	if (state == BRK_OPEN)
		b->opened_ns = now;
	if (state == BRK_HALF_OPEN) {
		b->permits_left = b->c->half_open_calls;
		b->hcalls = b->hfails = b->hslows = 0;
	}
	if (state == BRK_CLOSED)
		window_clear(b);
}

/* roll moves a time window to now's second, emptying the seconds it
 * passes. */
static void roll(struct breaker *b, int64_t now)
{
	uint32_t n = b->c->window_size;
	int64_t sec = now / NS_PER_S;
	for (int64_t k = b->bucket + 1; k <= sec && k <= b->bucket + n; k++) {
		uint32_t i = (uint32_t)(k % n);
		b->calls -= b->bcalls[i], b->fails -= b->bfails[i], b->slows -= b->bslows[i];
		b->bcalls[i] = b->bfails[i] = b->bslows[i] = 0;
	}
	if (sec > b->bucket)
		b->bucket = sec;
}

/* exceeded: the rates over calls, fails and slows reach a threshold */
static int exceeded(const struct breaker_cfg *c, uint64_t calls, uint64_t fails,
		    uint64_t slows)
{
	return 100.0 * (double)fails / (double)calls >= c->failure_rate ||
	       100.0 * (double)slows / (double)calls >= c->slow_rate;
}

int breaker_allow(struct breaker *b, int64_t now)
{
	if (b->state == BRK_OPEN && !b->c->auto_half_open && now > b->opened_ns + b->c->wait_ns)
		go(b, BRK_HALF_OPEN, now);
	if (b->state == BRK_CLOSED)
		return 1;
	if (b->state == BRK_HALF_OPEN && b->permits_left) {
		b->permits_left--;
		return 1;
	}
	b->not_permitted++;
	return 0;
}

void breaker_release(struct breaker *b, uint64_t epoch)
{
	if (b->state == BRK_HALF_OPEN && epoch == b->epoch)
		b->permits_left++;
}

void breaker_record(struct breaker *b, int64_t now, int failed, int64_t duration_ns,
		    uint64_t epoch)
{
	const struct breaker_cfg *c = b->c;
	int slow = duration_ns > c->slow_ns;
	if (b->state == BRK_HALF_OPEN) {
		if (epoch != b->epoch)
			return;    /* permitted before this half-open: not its probe */
		b->hcalls++;
		b->hfails += failed != 0;
		b->hslows += slow;
		if (b->hcalls >= c->half_open_calls)
			go(b, exceeded(c, b->hcalls, b->hfails, b->hslows) ? BRK_OPEN : BRK_CLOSED, now);
		return;
	}
	if (b->state != BRK_CLOSED)
		return;      /* a call permitted before it opened: not recorded */
	uint64_t need = c->min_calls;
	if (c->window_type == BRK_WINDOW_COUNT) {
		uint32_t n = c->window_size;
		if (need > n)
			need = n;
		if (b->n == n) {
			uint8_t old = b->ring[b->head];
			b->fails -= old & 1;
			b->slows -= old >> 1 & 1;
		} else {
			b->n++;
			b->calls++;
		}
		b->ring[b->head] = (uint8_t)((failed != 0) | slow << 1);
		b->head = (b->head + 1) % n;
	} else {
		roll(b, now);
		uint32_t i = (uint32_t)(b->bucket % c->window_size);
		b->bcalls[i]++;
		b->calls++;
		if (failed)
			b->bfails[i]++;
		if (slow)
			b->bslows[i]++;
	}
	b->fails += failed != 0;
	b->slows += slow;
	if (b->calls >= need && exceeded(c, b->calls, b->fails, b->slows))
		go(b, BRK_OPEN, now);
}

int64_t breaker_auto_due(const struct breaker *b)
{
	if (b->state != BRK_OPEN || !b->c->auto_half_open)
		return INT64_MAX;
	return b->opened_ns + b->c->wait_ns;
}

void breaker_tick(struct breaker *b, int64_t now)
{
	if (b->state == BRK_OPEN && b->c->auto_half_open && now >= b->opened_ns + b->c->wait_ns)
		go(b, BRK_HALF_OPEN, now);
}
