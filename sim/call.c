/*
 * call.c - the calls in flight: a node's synchronous calls from the
 * moment it starts a plan (sim_calls_start) to the one calls_done that
 * ends them, with everything an edge's policy adds on the way (timeouts,
 * retries and their budget, hedges, breakers, connection pools, limits).
 * The loop (run.c) hands it the replies of child requests and the calls'
 * events through the entry points of simint.h; see sim.h for how a kind
 * sees a call.
 *
 * The call table.  A call in progress is a record (struct call, simint.h)
 * in an array reused through a free list.  It is named by a handle,
 * generation << 32 | index; a record's generation goes up each time it
 * is freed, so a stale handle never matches (call_get returns NULL).  A
 * child request carries its call's handle: the reply to a call that was
 * abandoned (its parent's replica crashed, a sibling failed fast) or to
 * an attempt that timed out is counted as a late reply and never touches
 * the reused record.  The array may move when it grows - a callee can
 * start calls of its own while a step is being sent - so records are
 * looked up again after any send, and a single edge's attempt record,
 * which lives in the call record itself, is reached through TRIES.
 *
 * Steps.  A plan is a list of steps, each one edge or a parallel group
 * (callplan.h).  call_step makes a step's children first (an optional
 * call's p is a draw of the parent's own, named by the edge's place in
 * the plan), then each attempt's record and timeout, and sends last, in
 * edge order: a send may run the callee's code, which may start calls
 * and move the table.  The step ends when every edge's reply is in; the
 * first failure ends the whole call at once (fail fast), and replies
 * still out come back late.  A plan with a policy keeps a record per
 * edge (struct call_try) for every step, so a late reply of one step is
 * never taken for the next's (try_of).
 *
 * Where state lives.  An edge's limits (its attempts out, its pool and
 * the attempts waiting for it, its token bucket, its retry limits) are a
 * struct edge_lim per calling replica, or one for the node with `scope:
 * node`, made at the edge's first attempt (scope_make); a breaker has an
 * instance per (breaker, calling node, scope) and replica likewise.  That
 * is where production keeps them: in each replica's sidecar or library.
 *
 * Timeouts.  An edge has two kinds, each attempt's (per_try_timeout) and
 * the whole call's (timeout).  The timeouts of one kind on one edge are
 * all equal, so they expire in the order they were set: each edge keeps
 * its pending timeouts (struct tmo) of each kind in a list in deadline
 * order, with one SIM_EV_TIMEOUT armed for the head.  A reply unlinks its
 * timeout in O(1) and leaves nothing in the event queue; the armed event,
 * when it finds its timeout gone, fires what is due and arms for the next
 * (timeouts_due).  A call's timeout gives up the attempt out, or the
 * retry waiting, and ends the edge: no retry after it.
 *
 * Retries.  A failed attempt whose failure the policy's retry_on names
 * (fail_class) is tried again after a backoff, until max_attempts, while
 * the limits on retries allow (retry_allowed): each style's own (envoy:
 * retries open at once, against max_retries or the retry budget's share
 * of the attempts out; grpc: the throttling tokens; custom: Finagle's
 * budget over a sliding window of BUDGET_BUCKETS buckets).  A retry
 * refused lets the failure stand (retries_denied).  The backoffs are the
 * styles' own (backoff_ns), drawn from the parent's own stream for
 * (edge, retry).  Each attempt is a new child request, named by its
 * parent, edge and attempt.
 *
 * Hedges.  An edge with `hedge` sends a copy of an attempt still out
 * after `after`, up to `max` copies; the first reply of any of them is
 * the attempt's, and the others come back late.  A copy's identity is its
 * attempt's and its number, so its draws are its own.
 *
 * Breakers.  An edge may name a circuit breaker (breaker.h, a state
 * machine alone): it is asked before each attempt (admit) and told each
 * attempt's outcome and duration (attempt_end).  An attempt it does not
 * permit fails fast with REQ_BREAKER_OPEN, by an event now (SIM_EV_DENIED)
 * so that the caller hears of it after its step is set up; an attempt
 * given up unanswered gives back its half-open permit.  The automatic
 * transition to half-open is an event (SIM_EV_BREAKER) counted on the row
 * of the node whose call opened the breaker.
 *
 * Pools and limits.  An edge's max_connections is its caller's
 * connection pool: an attempt that finds every connection in use waits in
 * the edge's queue (struct pend, at most max_pending; a full waiting room
 * refuses it) and is sent, in order, when one frees (SIM_EV_POOL, an
 * event now, since the caller's code may be running when it frees).
 * max_requests bounds the attempts out at once, and rate_limit is a token
 * bucket per edge; both refuse an attempt (REQ_REJECTED) rather than
 * delay it.  With `cancel`, an attempt given up is marked so that the
 * callee drops it if it has not started.
 *
 * Measurement: each node that calls has rows of struct call_stats (the
 * node, then each replica), counted here while measuring and written to
 * its nodes.csv columns (sim_call_cols) by write_call_cols (sim.c).
 */
#include "sim/sim.h"
#include "sim/simint.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/breaker.h"
#include "sim/rng.h"

/* ---- the call table ------------------------------------------------- */

/* call_get returns the live call named by handle h, or NULL when h is 0
 * or stale (its call is over, and the record perhaps reused). */
static struct call *call_get(struct sim *s, uint64_t h)
{
	uint32_t i = (uint32_t)h;
	if (!h || i >= s->ncalls)
		return NULL;
	struct call *c = &s->calls[i];
	return c->handle == h ? c : NULL;
}

/* call_new returns a cleared record of the call table, from its free
 * list or a new slot (the table may move), or NULL (out of memory).  The
 * slot keeps its handle's generation and its spare tries. */
static struct call *call_new(struct sim *s)
{
	uint32_t i;
	if (s->call_free != UINT32_MAX) {
		i = s->call_free;
		s->call_free = s->calls[i].next_free;
	} else {
		if (s->ncalls == s->calls_cap) {
			uint32_t cap = s->calls_cap ? 2 * s->calls_cap : 256;
			struct call *c = realloc(s->calls, cap * sizeof *c);
			if (!c) {
				s->oom = 1;
				return NULL;
			}
			s->calls = c;
			s->calls_cap = cap;
		}
		i = s->ncalls++;
		s->calls[i].handle = (uint64_t)1 << 32 | i;  /* generation 1 */
		s->calls[i].spare = NULL;
		s->calls[i].spare_cap = 0;
	}
	struct call *c = &s->calls[i];
	uint64_t h = c->handle;
	struct call_try *spare = c->spare;
	uint32_t spare_cap = c->spare_cap;
	memset(c, 0, sizeof *c);
	c->handle = h;
	c->spare = spare;
	c->spare_cap = spare_cap;
	return c;
}

/* The breakers' instance arrays: one per (breaker, caller, scope). */
static size_t brk_arrays(const struct sim *s)
{
	return s->sc->nbreakers * (size_t)s->nnodes * 2;
}

int calls_init(struct sim *s)
{
	const struct scenario *sc = s->sc;
	s->call_free = UINT32_MAX;
	s->etmo = calloc(sc->npolicy_edges ? sc->npolicy_edges : 1, sizeof *s->etmo);
	s->elim = calloc(sc->npolicy_edges ? sc->npolicy_edges : 1, sizeof *s->elim);
	s->brk = calloc(brk_arrays(s) ? brk_arrays(s) : 1, sizeof *s->brk);
	pool_init(&s->tmos, sizeof(struct tmo), 1024);
	pool_init(&s->pends, sizeof(struct pend), 1024);
	if (!s->etmo || !s->elim || !s->brk)
		return SIM_ENOMEM;
	return 0;
}

void calls_fini(struct sim *s)
{
	for (uint32_t i = 0; i < s->ncalls; i++)
		free(s->calls[i].spare);
	free(s->calls);
	free(s->etmo);
	for (size_t i = 0; s->elim && i < s->sc->npolicy_edges; i++)
		free(s->elim[i]);
	free(s->elim);
	/* an instance never used is zero, which breaker_fini takes */
	for (size_t i = 0; s->brk && i < brk_arrays(s); i++) {
		if (!s->brk[i])
			continue;
		uint32_t n = i % 2 == SCOPE_NODE ? 1 : s->nodes[i / 2 % s->nnodes].units;
		for (uint32_t k = 0; k < n; k++)
			breaker_fini(&s->brk[i][k]);
		free(s->brk[i]);
	}
	free(s->brk);
	pool_fini(&s->tmos);
	pool_fini(&s->pends);
}

/* ---- where an edge's state lives ----------------------------------- */

/* slot_of: the instance of edge's state that the caller's replica `unit`
 * uses: its own, or the node's one. */
static inline uint32_t slot_of(const struct call_edge *edge, uint32_t unit)
{
	return edge->policy->scope == SCOPE_NODE ? 0 : unit;
}

/* lim_of returns the state of edge's limits for the caller's replica
 * `unit`, or NULL when the edge has no policy or has made no attempt yet
 * (it is made by scope_make, at the first). */
static inline struct edge_lim *lim_of(struct sim *s, const struct call_edge *edge,
				      uint32_t unit)
{
	return edge->policy && s->elim[edge->id] ? &s->elim[edge->id][slot_of(edge, unit)] : NULL;
}

/* brk_array: where the instances of breaker b for caller's edges of the
 * given scope are kept. */
static inline struct breaker **brk_array(struct sim *s, uint32_t b, uint32_t caller,
					  unsigned scope)
{
	return &s->brk[((size_t)b * s->nnodes + caller) * 2 + scope];
}

/* breaker_of returns the breaker instance guarding edge for the caller's
 * replica `unit`, or NULL (no breaker, or none made yet). */
static struct breaker *breaker_of(struct sim *s, const struct call_edge *edge,
				  uint32_t caller, uint32_t unit)
{
	if (!edge->policy || edge->policy->breaker < 0)
		return NULL;
	struct breaker *a = *brk_array(s, (uint32_t)edge->policy->breaker, caller,
				       edge->policy->scope);
	return a ? &a[slot_of(edge, unit)] : NULL;
}

/* scope_make makes, if it is not there yet, the state edge keeps for
 * caller's replica `unit`: its limits' instances and its breaker's.  0,
 * or -1 when memory ran out. */
static int scope_make(struct sim *s, const struct call_edge *edge, const struct sim_node *caller,
		      uint32_t unit)
{
	const struct edge_policy *p = edge->policy;
	uint32_t n = p->scope == SCOPE_NODE ? 1 : caller->units;
	if (!s->elim[edge->id] && !(s->elim[edge->id] = calloc(n, sizeof **s->elim)))
		return -1;
	if (p->breaker < 0)
		return 0;
	struct breaker **a = brk_array(s, (uint32_t)p->breaker, caller->id, p->scope);
	if (!*a && !(*a = calloc(n, sizeof **a)))
		return -1;
	struct breaker *b = &(*a)[slot_of(edge, unit)];
	return b->c ? 0 : breaker_init(b, s->sc->breakers[p->breaker].cfg);
}

double sim_breaker_level(struct sim *s, const struct sim_node *n, uint32_t b, int64_t now)
{
	double sum = 0;
	uint32_t count = 0;
	for (unsigned scope = 0; scope < 2; scope++) {
		struct breaker *a = *brk_array(s, b, n->id, scope);
		uint32_t k = scope == SCOPE_NODE ? 1 : n->units;
		for (uint32_t i = 0; a && i < k; i++)
			sum += a[i].c ? twa_integral(&a[i].level, now) : 0;
		count += a ? k : 0;
	}
	return count ? sum / count : 0;
}

static void tmo_cancel(struct sim *s, const struct call_edge *edge, unsigned which,
		       struct tmo *t);

/* TRIES(c): c's tries.  A single edge's live in the call record itself,
 * which moves when the table grows: c->tries then only says "in one"
 * (it points at a moved record's `one`), so it is resolved here. */
#define TRIES(c) ((c)->plan->steps[(c)->step].nedges == 1 ? &(c)->one : (c)->tries)

/* ---- attempts: pools and limits ------------------------------------- */

/* pool_full: the edge has a pool and every connection of rt's is in
 * use. */
static int pool_full(const struct edge_lim *rt, const struct call_edge *edge)
{
	return edge->policy && edge->policy->max_connections &&
	       rt->conns >= edge->policy->max_connections;
}

/* pool_wait puts the attempt t->cur (made, not sent) of edge e of call h
 * in the queue of rt, the edge's pool. */
static void pool_wait(struct sim *s, struct edge_lim *rt, struct call_try *t, uint64_t h,
		      uint32_t e)
{
	struct pend *p = pool_get(&s->pends);
	if (!p) {
		s->oom = 1;
		return;
	}
	p->call = h;
	p->e = e;
	p->next = NULL;
	p->prev = rt->ptail;
	if (rt->ptail)
		rt->ptail->next = p;
	else
		rt->phead = p;
	rt->ptail = p;
	rt->npend++;
	t->pend = p;
}

/* pool_freed: a connection of edge's pool rt is free: the first attempt
 * waiting gets it, by an event now (the caller's code may be running). */
static void pool_freed(struct sim *s, const struct call_edge *edge, struct edge_lim *rt)
{
	rt->conns--;
	if (rt->npend && !rt->pool_armed) {
		rt->pool_armed = 1;
		sim_schedule(s, s->now_ns, (uint32_t)(rt - s->elim[edge->id]), SIM_EV_POOL, NULL,
			     edge->id);
	}
}

/* try_drop: the caller (its replica `unit`) no longer waits for t's
 * attempt (it replied, timed out, or the call is over); it leaves the
 * edge's count of attempts out. */
static void try_drop(struct sim *s, const struct call_edge *edge, uint32_t unit,
		     struct call_try *t)
{
	if (!edge->policy || edge->policy->bare) {
		t->cur = NULL;           /* no pool, copies, limits or cancel */
		return;
	}
	struct edge_lim *rt = lim_of(s, edge, unit);
	if (t->pend) {
		/* it never left: out of the pool's queue, and gone */
		struct pend *p = t->pend;
		if (p->prev)
			p->prev->next = p->next;
		else
			rt->phead = p->next;
		if (p->next)
			p->next->prev = p->prev;
		else
			rt->ptail = p->prev;
		rt->npend--;
		pool_put(&s->pends, p);
		t->pend = NULL;
		rt->active--;
		sim_request_free(s, t->cur);
		t->cur = NULL;
		t->ncopies = 0;
		sim_timer_cancel(&t->hedge);
		return;
	}
	if (t->cur && edge->policy->max_connections)
		pool_freed(s, edge, rt);
	if (t->cur && edge->policy->cancel) {
		/* the callee is told: it drops what it has not started (the
		 * winner of a reply is freed right after, so marking it is
		 * harmless) */
		t->cur->cancelled = 1;
		for (uint32_t k = 0; k < t->ncopies; k++)
			t->copy[k]->cancelled = 1;
	}
	if (t->cur)
		rt->active--;
	t->cur = NULL;
	t->ncopies = 0;              /* copies still out are wasted now */
	sim_timer_cancel(&t->hedge);
}

/* over_limit: edge's max_requests attempts are out already of rt's, or
 * its token bucket is empty (a token is taken when it is not). */
static int over_limit(struct sim *s, const struct call_edge *edge, struct edge_lim *rt)
{
	const struct edge_policy *p = edge->policy;
	if (p->max_requests && rt->active >= p->max_requests)
		return 1;
	return p->rate.given && !token_take(&rt->tb, &p->rate, s->now_ns);
}

/* try_sent records k as the attempt out on edge e of call h, made by
 * the caller's replica `unit`, as of now: it counts against the edge's
 * max_requests, and its hedge's timer starts. */
static void try_sent(struct sim *s, const struct call_edge *edge, uint32_t unit,
		     struct call_try *t, struct request *k, uint64_t h, uint32_t e)
{
	t->cur = k;
	t->sent_ns = s->now_ns;
	t->ncopies = 0;
	t->nsent = 0;
	if (!edge->policy || edge->policy->bare)
		return;
	lim_of(s, edge, unit)->active++;
	if (edge->policy->hedge.given)
		t->hedge = sim_timer_set(s, s->now_ns + edge->policy->hedge.after_ns, e,
					 SIM_EV_HEDGE, NULL, h);
}

/* tries_free cancels the pending timeouts of c's step and frees its
 * tries. */
static void tries_free(struct sim *s, struct call *c)
{
	if (!c->tries)
		return;
	struct call_try *t = TRIES(c);
	const struct call_step *step = &c->plan->steps[c->step];
	for (uint32_t e = 0; e < step->nedges; e++) {
		if (t[e].tmo)
			tmo_cancel(s, &step->edges[e], TMO_TRY, t[e].tmo);
		if (t[e].deadline)
			tmo_cancel(s, &step->edges[e], TMO_CALL, t[e].deadline);
		if (!step->edges[e].policy || step->edges[e].policy->bare) {
			t[e].cur = NULL;         /* nothing else kept (try_drop) */
			continue;
		}
		if (t[e].retry_open)
			lim_of(s, &step->edges[e], c->unit)->retries_open--;
		/* an attempt given up unanswered is never recorded: its
		 * half-open permit goes back */
		struct breaker *b = breaker_of(s, &step->edges[e], c->caller, c->unit);
		if (t[e].cur && b)
			breaker_release(b, t[e].brk_epoch);
		try_drop(s, &step->edges[e], c->unit, &t[e]);
	}
	c->tries = NULL;
}

/* call_release ends c's record: its tries freed, its handle made stale,
 * its slot back on the free list. */
static void call_release(struct sim *s, struct call *c)
{
	tries_free(s, c);
	uint32_t i = (uint32_t)c->handle;
	uint64_t gen = (c->handle >> 32) + 1;
	if (gen > UINT32_MAX)
		gen = 1;
	c->handle = gen << 32 | i;     /* stale to every handle given out */
	c->parent = NULL;
	c->next_free = s->call_free;
	s->call_free = i;
}

/* ---- statistics ----------------------------------------------------- */

enum { CALL_MADE, CALL_OVER, CALL_LATE };

/* An edge's place in its plan, step * CALLPLAN_MAX_PARALLEL + edge, names
 * its draws: it must fit the 24 bits above a draw's purpose (sim.h). */
_Static_assert((uint64_t)CALLPLAN_MAX_STEPS * CALLPLAN_MAX_PARALLEL <= (uint64_t)1 << 24,
	       "a call edge's index must fit beside its draw's purpose");

/* call_stat counts a call made, a parent's calls over after x ns, or a
 * late reply, for the node and for the replica `unit`. */
static void call_stat(struct sim_node *n, uint32_t unit, int what, double x)
{
	for (int k = 0; k < 2; k++) {
		struct call_stats *cs;
		if (k == 0)
			cs = &n->cst[0];
		else if (n->units > 1 && unit < n->units)
			cs = &n->cst[1 + unit];
		else
			break;
		switch (what) {
		case CALL_MADE: cs->made++; break;
		case CALL_OVER: cs->parents++; cs->wait_ns += x; break;
		case CALL_LATE: cs->late++; break;
		}
	}
}

/* cst_bump adds 1 to the counter at byte offset off of the node's and
 * the replica's call statistics, while measuring. */
static void cst_bump(struct sim *s, struct sim_node *n, uint32_t unit, size_t off)
{
	if (!s->measuring)
		return;
	*(uint64_t *)((char *)&n->cst[0] + off) += 1;
	if (n->units > 1 && unit < n->units)
		*(uint64_t *)((char *)&n->cst[1 + unit] + off) += 1;
}

/* ---- timeouts ------------------------------------------------------- */

/* tmo_add sets a timeout of list `which` (TMO_*) for edge `e` of call h's
 * step: the attempt's (per_try_timeout) or the call's (timeout) from now.
 * A list's timeouts are equal, so it stays in deadline order, and one
 * event is armed for its head. */
static struct tmo *tmo_add(struct sim *s, const struct call_edge *edge, unsigned which,
			   uint64_t h, uint32_t e)
{
	struct tmo_list *rt = &s->etmo[edge->id].l[which];
	struct tmo *t = pool_get(&s->tmos);
	if (!t) {
		s->oom = 1;
		return NULL;
	}
	t->deadline_ns = s->now_ns + (which == TMO_TRY ? edge->policy->per_try_ns :
							 edge->policy->timeout_ns);
	t->call = h;
	t->e = e;
	t->next = NULL;
	t->prev = rt->tail;
	if (rt->tail)
		rt->tail->next = t;
	else
		rt->head = t;
	rt->tail = t;
	if (!rt->armed) {
		rt->armed = 1;
		sim_schedule(s, rt->head->deadline_ns, 0, SIM_EV_TIMEOUT, NULL,
			     (uint64_t)edge->id << 1 | which);
	}
	return t;
}

static void tmo_unlink(struct tmo_list *rt, struct tmo *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		rt->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		rt->tail = t->prev;
}

/* tmo_cancel: the attempt (or the call) ended in time.  O(1); the armed
 * event, if it was for this one, finds nothing due and arms for the
 * next. */
static void tmo_cancel(struct sim *s, const struct call_edge *edge, unsigned which,
		       struct tmo *t)
{
	tmo_unlink(&s->etmo[edge->id].l[which], t);
	pool_put(&s->tmos, t);
}

/* ---- retries -------------------------------------------------------- */

/* budget_roll moves rt's window (custom's retry_budget, of ttl) to now,
 * emptying the buckets it passes. */
static void budget_roll(struct edge_lim *rt, const struct retry_cfg *r, int64_t now)
{
	int64_t width = r->rate_budget.ttl_ns / BUDGET_BUCKETS;
	int64_t b = now / (width ? width : 1);
	for (int64_t k = rt->bucket + 1; k <= b && k <= rt->bucket + BUDGET_BUCKETS; k++) {
		rt->firsts[k % BUDGET_BUCKETS] = 0;
		rt->retries[k % BUDGET_BUCKETS] = 0;
	}
	if (b > rt->bucket)
		rt->bucket = b;
}

/* retry_allowed says whether the limits on retries of edge's state rt let
 * one more be made now, as the policy's style has them: envoy, the
 * retries open at once against max_retries or the retry budget's share of
 * the attempts out; grpc, the throttling tokens above half their ceiling
 * (the failure that asks has already taken its token); custom, Finagle's
 * budget over the last ttl. */
static int retry_allowed(struct sim *s, const struct retry_cfg *r, struct edge_lim *rt)
{
	switch (r->style) {
	case RETRY_ENVOY: {
		uint64_t limit = r->max_retries;
		if (r->budget.given) {
			/* attempts out include those waiting for a
			 * connection: Envoy's requests plus pending */
			limit = (uint64_t)(r->budget.percent / 100.0 * (double)rt->active);
			if (limit < r->budget.min_concurrency)
				limit = r->budget.min_concurrency;
		}
		return rt->retries_open < limit;
	}
	case RETRY_GRPC:
		return !r->throttle.given || rt->tokens > r->throttle.max_tokens / 2;
	default: {
		if (!r->rate_budget.given)
			return 1;
		budget_roll(rt, r, s->now_ns);
		uint64_t f = 0, t = 0;
		for (int k = 0; k < BUDGET_BUCKETS; k++)
			f += rt->firsts[k], t += rt->retries[k];
		double allowed = r->rate_budget.min_per_s * (double)r->rate_budget.ttl_ns * 1e-9 +
				 r->rate_budget.percent * (double)f;
		return (double)(t + 1) <= allowed;
	}
	}
}

/* budget_count counts an attempt of edge, a first one or a retry, in the
 * current bucket of rt's budget (custom's retry_budget). */
static void budget_count(struct sim *s, const struct call_edge *edge, struct edge_lim *rt,
			 int retry)
{
	const struct retry_cfg *r = &edge->policy->retry;
	if (r->style != RETRY_CUSTOM || !r->rate_budget.given)
		return;
	budget_roll(rt, r, s->now_ns);
	if (retry)
		rt->retries[rt->bucket % BUDGET_BUCKETS]++;
	else
		rt->firsts[rt->bucket % BUDGET_BUCKETS]++;
}

/* throttle_count: an attempt of a grpc edge ended, ok or failed in one
 * of the retryable ways (`retryable`); the channel's tokens follow
 * (gRFC A6: a success adds token_ratio, a retryable failure takes one). */
static void throttle_count(const struct retry_cfg *r, struct edge_lim *rt, int ok,
			   int retryable)
{
	if (r->style != RETRY_GRPC || !r->throttle.given || (!ok && !retryable))
		return;
	if (!rt->tokens_started) {
		rt->tokens = r->throttle.max_tokens;
		rt->tokens_started = 1;
	}
	rt->tokens = ok ? fmin(r->throttle.max_tokens, rt->tokens + r->throttle.token_ratio) :
			  fmax(0, rt->tokens - 1);
}

/* backoff_ns: the wait before retry n (from 1) of an edge, with its
 * jitter drawn from the parent's own stream for (edge, n):
 *   envoy, a whole number of milliseconds uniform below the bound, which
 *     starts at base_interval and doubles while under half max_interval,
 *     else becomes max_interval (kept in t->sleep_ns between retries);
 *   grpc, uniform below min(initial x multiplier^(n-1), max);
 *   custom, the AWS Architecture Blog's backoffs and jitters. */
static int64_t backoff_ns(struct sim *s, const struct retry_cfg *r, struct call_try *t,
			  const struct request *parent, uint64_t salt, uint32_t n)
{
	double base = (double)r->base_ns, cap = (double)r->cap_ns, w = base;
	if (r->style == RETRY_CUSTOM) {
		if (r->backoff == BACKOFF_EXPONENTIAL)
			w = fmin(cap, base * ldexp(1, (int)(n > 62 ? 62 : n - 1)));
		if (r->jitter == JITTER_NONE)
			return (int64_t)w;
	}
	/* the edge names the stream (purpose and index), the retry its key */
	rng_seed_key(s->draw, rng_key(sim_draw_key(parent, SIM_DRAW_RETRY | salt << 8), n));
	double u = rng_uniform_pos(s->draw);
	if (r->style == RETRY_ENVOY) {
		int64_t max_ms = r->back_off.max_ns / 1000000;
		int64_t bound = t->sleep_ns ? t->sleep_ns : r->back_off.base_ns / 1000000;
		t->sleep_ns = bound < max_ms / 2 ? 2 * bound : max_ms;
		int64_t ms = (int64_t)(u * (double)bound);
		return (ms < max_ms ? ms : max_ms) * 1000000;
	}
	if (r->style == RETRY_GRPC)
		return (int64_t)(u * fmin(cap, base * pow(r->multiplier, (double)n - 1)));
	switch (r->jitter) {
	case JITTER_FULL: w = u * w; break;
	case JITTER_EQUAL: w = w / 2 + u * w / 2; break;
	default: {
		double prev = t->sleep_ns ? (double)t->sleep_ns : base;
		w = fmin(cap, base + u * (3 * prev - base));
		t->sleep_ns = (int64_t)w;
		break;
	}
	}
	return (int64_t)w;
}

/* fail_class: the way (FAIL_*) an attempt that ended with status st
 * failed, as retry_on names it; 0 for a refusal by the caller's own
 * limits (no_call), which only a custom policy retries, as rejected. */
static unsigned fail_class(const struct retry_cfg *r, int st, int own_timeout, int no_call)
{
	if (own_timeout)
		return FAIL_TIMEOUT;
	if (no_call)
		return r->style == RETRY_CUSTOM ? FAIL_REJECTED : 0;
	if (st == REQ_CRASHED)
		return FAIL_RESET;
	if (st == REQ_CONFLICT)
		return FAIL_CONFLICT;
	return req_status_group(st) == REQ_GROUP_REFUSED ? FAIL_REJECTED : FAIL_ERROR;
}

/* ---- steps ---------------------------------------------------------- */

/* make_child makes attempt `attempt` (from 0) of the call on edge `salt`
 * of call h: a request of its own, named by its parent, edge and attempt. */
static struct request *make_child(struct sim *s, const struct request *parent,
				  const struct call_edge *edge, struct sim_node *caller,
				  uint32_t unit, uint64_t h, uint64_t salt, uint32_t attempt)
{
	struct request *k = sim_request_new(s);
	if (!k)
		return NULL;
	uint64_t id = rng_key(rng_key(parent->ident, parent->hop), salt);
	k->ident = attempt ? rng_key(id, attempt) : id;
	k->issue = parent->issue;
	k->key = parent->key;
	k->keyed = parent->keyed;
	k->cls = parent->cls;
	k->write = parent->write;
	k->prio = parent->prio;
	k->zone = k->origin = parent->zone;     /* from its caller's replica */
	if (edge->size) {
		/* drawn by the call, not the attempt: a retry or a hedge sends
		 * the same message and gets the same answer */
		struct request call = { .ident = id };
		sim_size_set(s, &call, edge->size);
		k->bytes[0] = call.bytes[0], k->bytes[1] = call.bytes[1];
	} else
		k->bytes[0] = parent->bytes[0], k->bytes[1] = parent->bytes[1];
	k->client = parent->client;
	k->user = parent->user;
	k->reply_to = caller->id;
	k->call = h;
	k->from_unit = unit;
	k->attempt = (uint16_t)(attempt > UINT16_MAX ? UINT16_MAX : attempt);
	sim_trace(s, SIM_TR_CHILD, k, parent, caller->id, 0);
	return k;
}

/* admit says whether an attempt on edge, made by caller's unit, may go
 * out now: REQ_OK, or the status that refuses it: REQ_REJECTED when its
 * pool's waiting room is full or its rate limit has no token,
 * REQ_BREAKER_OPEN when its breaker fails it fast (counted as not
 * permitted).  A breaker that moves to half-open on this is counted.
 * The state the edge keeps for unit is made here, at its first attempt
 * (out of memory: s->oom, and REQ_REJECTED). */
static int admit(struct sim *s, const struct call_edge *edge, struct sim_node *caller,
		 uint32_t unit)
{
	if (!edge->policy || edge->policy->bare)
		return REQ_OK;        /* nothing to ask, no state to make */
	if (scope_make(s, edge, caller, unit)) {
		s->oom = 1;
		return REQ_REJECTED;
	}
	struct edge_lim *rt = lim_of(s, edge, unit);
	if ((pool_full(rt, edge) && rt->npend >= edge->policy->max_pending) ||
	    over_limit(s, edge, rt))
		return REQ_REJECTED;
	struct breaker *b = breaker_of(s, edge, caller->id, unit);
	if (!b)
		return REQ_OK;
	int was = b->state;
	int ok = breaker_allow(b, s->now_ns);
	if (was == BRK_OPEN && b->state == BRK_HALF_OPEN)
		cst_bump(s, caller, unit, offsetof(struct call_stats, half_opened));
	if (ok)
		return REQ_OK;
	cst_bump(s, caller, unit, offsetof(struct call_stats, not_permitted));
	return REQ_BREAKER_OPEN;
}

/* tries_clear readies the n records t for a step's attempts: all of
 * each, or, in a step whose edges have bare policies at most, the fields
 * that such edges use (the attempt out, its timeouts, its copies). */
static void tries_clear(struct call_try *t, uint32_t n, int bare)
{
	if (!bare) {
		memset(t, 0, n * sizeof *t);
		return;
	}
	for (uint32_t e = 0; e < n; e++) {
		t[e].cur = NULL;
		t[e].tmo = NULL;
		t[e].deadline = NULL;
		t[e].ncopies = 0;
	}
}

/* call_step makes the calls of the current step of call h, moving on
 * past steps whose edges all said no.  Returns 1 when calls are out,
 * 0 when the plan is over (or memory ran out, s->oom). */
static int call_step(struct sim *s, uint64_t h)
{
	struct call *c = call_get(s, h);
	const struct call_plan *plan = c->plan;
	struct request *parent = c->parent;
	struct sim_node *caller = &s->nodes[c->caller];
	uint32_t unit = c->unit;
	tries_free(s, c);
	for (uint32_t st = c->step; st < plan->nsteps; st++) {
		const struct call_step *step = &plan->steps[st];
		/* the step's children are made first, linked in edge order
		 * through their queue link, and the edges that call marked */
		uint64_t chosen[CALLPLAN_MAX_PARALLEL / 64], denied[CALLPLAN_MAX_PARALLEL / 64];
		uint64_t breaker_denied[CALLPLAN_MAX_PARALLEL / 64];
		uint64_t held[CALLPLAN_MAX_PARALLEL / 64];
		struct request *first = NULL, **tail = &first;
		uint32_t made = 0;
		/* word by word: a step's edges fit in one word but for a
		 * fan-out of more than 64, and a call of libc's memset for 8
		 * bytes cost more than the step's other work in three-tier */
		for (uint32_t w = 0; w < (step->nedges + 63) / 64; w++)
			chosen[w] = denied[w] = breaker_denied[w] = held[w] = 0;
		for (uint32_t e = 0; e < step->nedges; e++) {
			const struct call_edge *edge = &step->edges[e];
			/* the edge's place in the plan names its draws; each
			 * policy edge has a pool of its own, so no other edge
			 * of the step waits in this one's */
			uint64_t salt = (uint64_t)st * CALLPLAN_MAX_PARALLEL + e;
			if (edge->p < 1 &&
			    !(rng_uniform_pos(sim_draws(s, parent,
							SIM_DRAW_CALL | salt << 8)) < edge->p))
				continue;
			chosen[e / 64] |= (uint64_t)1 << (e % 64);
			made++;
			int why = admit(s, edge, caller, unit);
			if (why != REQ_OK) {
				denied[e / 64] |= (uint64_t)1 << (e % 64);
				if (why == REQ_BREAKER_OPEN)
					breaker_denied[e / 64] |= (uint64_t)1 << (e % 64);
				continue;
			}
			struct request *k = make_child(s, parent, edge, caller, unit, h, salt, 0);
			if (!k)
				break;
			*tail = k;
			tail = &k->next;
		}
		struct call_try *tries = NULL;
		if (made && plan->has_policy && !s->oom) {
			if (step->nedges == 1) {
				tries_clear(&c->one, 1, step->bare);
				tries = &c->one;
			} else {
				/* the slot's own records, reused: no allocation
				 * per call once the table has warmed up */
				if (c->spare_cap < step->nedges) {
					struct call_try *t = realloc(c->spare,
								     step->nedges * sizeof *t);
					if (t) {
						c->spare = t;
						c->spare_cap = step->nedges;
					} else {
						s->oom = 1;
					}
				}
				if (!s->oom) {
					tries = c->spare;
					tries_clear(tries, step->nedges, step->bare);
				}
			}
		}
		if (s->oom) {
			while (first) {
				struct request *k = first;
				first = k->next;
				sim_request_free(s, k);
			}
			return 0;
		}
		if (!made)
			continue;
		c->step = st;
		c->pending = made;
		c->tries = tries;
		/* each attempt's record and timeout first: the sends below
		 * may move the call table, and c->one with it */
		struct request *k = first;
		for (uint32_t e = 0; tries && e < step->nedges; e++) {
			if (!(chosen[e / 64] >> (e % 64) & 1))
				continue;
			const struct call_edge *edge = &step->edges[e];
			tries[e].n = 1;
			if (edge->policy && edge->policy->timeout_ns)
				tries[e].deadline = tmo_add(s, edge, TMO_CALL, h, e);
			if (edge->policy && edge->policy->bare) {
				/* timeouts alone: no limit, breaker or pool */
				tries[e].cur = k;
				if (edge->policy->per_try_ns)
					tries[e].tmo = tmo_add(s, edge, TMO_TRY, h, e);
				k = k->next;
				continue;
			}
			if (edge->policy)
				budget_count(s, edge, lim_of(s, edge, unit), 0);
			if (denied[e / 64] >> (e % 64) & 1) {
				/* failed fast, as an event now: the caller is
				 * told after this step is set up */
				tries[e].deny = (int16_t)(breaker_denied[e / 64] >> (e % 64) & 1 ?
							  REQ_BREAKER_OPEN : REQ_REJECTED);
				sim_schedule(s, s->now_ns, e, SIM_EV_DENIED, NULL, h);
				continue;
			}
			try_sent(s, edge, unit, &tries[e], k, h, e);
			struct breaker *b = breaker_of(s, edge, caller->id, unit);
			if (b)
				tries[e].brk_epoch = b->epoch;
			if (edge->policy && edge->policy->per_try_ns)
				tries[e].tmo = tmo_add(s, edge, TMO_TRY, h, e);
			struct request *next = k->next;
			if (edge->policy && edge->policy->max_connections) {
				struct edge_lim *rt = lim_of(s, edge, unit);
				if (pool_full(rt, edge)) {
					/* waits for a connection: not sent below */
					held[e / 64] |= (uint64_t)1 << (e % 64);
					pool_wait(s, rt, &tries[e], h, e);
				} else {
					rt->conns++;
				}
			}
			k = next;
		}
		/* sends last, in edge order: a callee may start calls of its
		 * own, and the call table may move under c */
		for (uint32_t e = 0; e < step->nedges; e++) {
			if (!(chosen[e / 64] >> (e % 64) & 1) || (denied[e / 64] >> (e % 64) & 1))
				continue;
			k = first;
			first = k->next;       /* before the send reuses the link */
			if (held[e / 64] >> (e % 64) & 1)
				continue;      /* it waits in the edge's pool */
			call_stat(caller, unit, CALL_MADE, 0);
			sim_send(s, step->edges[e].to, k);
		}
		return 1;
	}
	return 0;
}

/* call_over ends call c: the caller is told, with the first failure. */
static void call_over(struct sim *s, struct call *c)
{
	struct request *parent = c->parent;
	struct sim_node *caller = &s->nodes[c->caller];
	int status = c->status;
	/* waits that began in the warm-up are not the measured window's */
	if (c->start_ns >= s->warmup_end_ns)
		call_stat(caller, c->unit, CALL_OVER, (double)(s->now_ns - c->start_ns));
	if (status != REQ_OK)
		parent->fail_node = c->fail_node;
	parent->waiting = 0;
	call_release(s, c);
	caller->ops->calls_done(s, caller, parent, status);
}

int sim_calls_start(struct sim *s, struct sim_node *n, uint32_t unit,
		    struct request *req, const struct call_plan *plan)
{
	if (!plan || !plan->nsteps)
		return 0;
	struct call *c = call_new(s);
	if (!c)
		return 0;
	c->parent = req;
	c->plan = plan;
	c->caller = n->id;
	c->unit = unit;
	c->status = REQ_OK;
	c->fail_node = SIM_ANY;
	c->start_ns = s->now_ns;
	uint64_t h = c->handle;
	if (call_step(s, h)) {
		req->waiting = h;
		return 1;
	}
	call_release(s, call_get(s, h));
	return 0;
}

void sim_calls_abandon(struct sim *s, struct request *req)
{
	struct call *c = call_get(s, req->waiting);
	if (c)
		call_release(s, c);
	req->waiting = 0;
}

/* ---- the ends of attempts, and the loop's events -------------------- */

static void step_done(struct sim *s, struct call *c);

/* try_of returns the edge of c's step whose current attempt is kid, or
 * UINT32_MAX (an attempt that timed out). */
static uint32_t try_of(const struct call *c, const struct request *kid)
{
	uint32_t n = c->plan->steps[c->step].nedges;
	if (n == 1 && c->one.cur == kid)
		return 0;          /* the common case: one edge, its attempt */
	for (uint32_t e = 0; e < n; e++) {
		const struct call_try *t = &TRIES(c)[e];
		if (!t->cur)
			continue;
		if (t->cur == kid)
			return e;
		for (uint32_t k = 0; k < t->ncopies; k++)
			if (t->copy[k] == kid)
				return e;
	}
	return UINT32_MAX;
}

/* hedge_copy makes a copy of the attempt out on edge e of call c (handle
 * h) and adds it to t's copies out, counted as made; the caller sends it
 * (sim_send may move the call table).  The copy, or NULL (out of memory). */
static struct request *hedge_copy(struct sim *s, struct call *c, uint64_t h, uint32_t e,
				  struct call_try *t)
{
	struct sim_node *caller = &s->nodes[c->caller];
	uint64_t salt = (uint64_t)c->step * CALLPLAN_MAX_PARALLEL + e;
	/* a copy's identity: its attempt's, and which copy */
	struct request *k = make_child(s, c->parent, &c->plan->steps[c->step].edges[e], caller,
				       c->unit, h, salt, (t->n + 1) << 8 | (t->nsent + 1));
	if (!k) {
		s->oom = 1;
		return NULL;
	}
	k->attempt = (uint16_t)(t->n - 1);
	t->copy[t->ncopies++] = k;
	t->nsent++;
	call_stat(caller, c->unit, CALL_MADE, 0);
	cst_bump(s, caller, c->unit, offsetof(struct call_stats, hedges));
	return k;
}

/* hedge_now sends the next copy of the attempt out on edge e of call h,
 * if it is still out. */
void hedge_now(struct sim *s, uint64_t h, uint32_t e)
{
	struct call *c = call_get(s, h);
	if (!c || !c->tries)
		return;
	const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
	struct call_try *t = &TRIES(c)[e];
	const struct hedge_cfg *hc = &edge->policy->hedge;
	if (!t->cur || t->nsent >= hc->max)
		return;
	if (t->nsent + 1 < hc->max)
		t->hedge = sim_timer_set(s, s->now_ns + hc->after_ns, e, SIM_EV_HEDGE, NULL, h);
	struct request *k = hedge_copy(s, c, h, e, t);
	if (k)
		sim_send(s, edge->to, k);
}

/* status_class: the way (FAIL_*) a reply with status st failed. */
static unsigned status_class(int st)
{
	if (st == REQ_CRASHED)
		return FAIL_RESET;
	if (st == REQ_CONFLICT)
		return FAIL_CONFLICT;
	return req_status_group(st) == REQ_GROUP_REFUSED ? FAIL_REJECTED : FAIL_ERROR;
}

/* hedge_goes_on: kid, the attempt out on edge e of call c or one of its
 * copies, failed with a code gRPC's hedging calls non-fatal.  It leaves
 * the ones out; the next copy goes at once, if one is left to send.
 * Returns 1 when the attempt goes on (kid is the caller's to free), 0 when
 * nothing is out or left: the failure stands, and nothing was changed. */
static int hedge_goes_on(struct sim *s, struct call *c, uint64_t h, uint32_t e,
			 struct call_try *t, const struct request *kid)
{
	const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
	const struct hedge_cfg *hc = &edge->policy->hedge;
	uint32_t others = t->ncopies;    /* the attempt and its copies, less kid */
	if (!others && t->nsent >= hc->max)
		return 0;
	/* the next copy, at once, and the delay starts again for the one
	 * after it */
	struct request *k = NULL;
	if (t->nsent < hc->max) {
		sim_timer_cancel(&t->hedge);
		if (t->nsent + 1 < hc->max)
			t->hedge = sim_timer_set(s, s->now_ns + hc->after_ns, e, SIM_EV_HEDGE,
						 NULL, h);
		k = hedge_copy(s, c, h, e, t);
	}
	/* kid leaves the ones out: a copy takes the attempt's place */
	if (kid == t->cur) {
		t->cur = t->ncopies ? t->copy[--t->ncopies] : t->cur;
	} else {
		for (uint32_t j = 0; j < t->ncopies; j++)
			if (t->copy[j] == kid) {
				t->copy[j] = t->copy[--t->ncopies];
				break;
			}
	}
	if (k)
		sim_send(s, edge->to, k);       /* c and t may move: not used after */
	return 1;
}

int sim_request_orphan(struct sim *s, const struct request *req)
{
	/* a request relayed (a balancer, a cache) keeps its call below the
	 * relays' records */
	uint64_t h = req->call;
	for (const struct sim_via *v = req->via; !h && v; v = v->prev)
		h = v->call;
	if (!h)
		return 0;
	const struct call *c = call_get(s, h);
	return !c || (c->tries && try_of(c, req) == UINT32_MAX);
}

/* How an attempt ended, besides its status (attempt_end's `how`). */
enum {
	END_OWN_TIMEOUT = 1,   /* its edge's per_try_timeout */
	END_NO_CALL = 2,       /* refused before it was sent */
	END_FINAL = 4,         /* the call's timeout: no retry */
};

/* edge_over: an edge of c's step is over with status st, arisen at
 * fail_node: the first failure ends the call, the last reply the step. */
static void edge_over(struct sim *s, struct call *c, int st, uint32_t fail_node)
{
	c->pending--;
	if (st != REQ_OK && c->status == REQ_OK) {
		/* a call refused by a full queue fails its caller, which had
		 * been served: the caller's outcome is a failure, not a
		 * refusal */
		c->status = req_status_group(st) == REQ_GROUP_REFUSED ? REQ_CALL_REJECTED : st;
		c->fail_node = fail_node;
	}
	if (c->status != REQ_OK) {
		/* fail fast: the parent fails now; calls still out of this
		 * step come back late */
		call_over(s, c);
		return;
	}
	if (!c->pending)
		step_done(s, c);
}

/* attempt_end: the attempt on edge e of call h ended with status st
 * (`how` says more, END_*), arisen at fail_node.  A failure is retried
 * when the edge's policy names its kind, attempts are left and the
 * limits on retries allow; otherwise the edge is over. */
static void attempt_end(struct sim *s, uint64_t h, uint32_t e, int st,
			uint32_t fail_node, unsigned how)
{
	struct call *c = call_get(s, h);
	const struct call_step *step = &c->plan->steps[c->step];
	const struct call_edge *edge = &step->edges[e];
	struct call_try *t = &TRIES(c)[e];
	if (edge->policy && edge->policy->bare) {
		/* timeouts alone: no breaker to tell, no retry */
		if (t->deadline) {
			tmo_cancel(s, edge, TMO_CALL, t->deadline);
			t->deadline = NULL;
		}
		edge_over(s, c, st, fail_node);
		return;
	}
	struct sim_node *caller = &s->nodes[c->caller];
	struct breaker *b = breaker_of(s, edge, c->caller, c->unit);
	int no_call = how & END_NO_CALL;
	if (b && !no_call) {
		int was = b->state;
		breaker_record(b, s->now_ns, st != REQ_OK, s->now_ns - t->sent_ns, t->brk_epoch);
		if (b->state == BRK_OPEN && was != BRK_OPEN) {
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, opened));
			/* the automatic half-open: counted on this node's row */
			if (breaker_auto_due(b) != INT64_MAX)
				sim_schedule(s, breaker_auto_due(b), caller->id, SIM_EV_BREAKER, NULL,
					     ((uint64_t)edge->policy->breaker * 2 +
					      edge->policy->scope) << 32 |
						     slot_of(edge, c->unit));
		}
		if (b->state == BRK_CLOSED && was == BRK_HALF_OPEN)
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, closed));
	}
	if (edge->policy) {
		const struct retry_cfg *r = &edge->policy->retry;
		struct edge_lim *rt = lim_of(s, edge, c->unit);
		unsigned why = st == REQ_OK || st == REQ_BREAKER_OPEN ? 0 :
			       fail_class(r, st, how & END_OWN_TIMEOUT, no_call);
		if (t->retry_open) {
			/* the retry's outcome is in: it is no longer open */
			rt->retries_open--;
			t->retry_open = 0;
		}
		if (!no_call)
			throttle_count(r, rt, st == REQ_OK, (r->retry_on & why) != 0);
		if ((r->retry_on & why) && t->n < r->max_attempts && !(how & END_FINAL)) {
			if (retry_allowed(s, r, rt)) {
				budget_count(s, edge, rt, 1);
				if (r->style == RETRY_ENVOY) {
					rt->retries_open++;
					t->retry_open = 1;
				}
				uint64_t salt = (uint64_t)c->step * CALLPLAN_MAX_PARALLEL + e;
				int64_t w = backoff_ns(s, r, t, c->parent, salt, t->n);
				sim_schedule(s, s->now_ns + w, e, SIM_EV_RETRY, NULL, h);
				return;
			}
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, denied));
		}
		if (t->deadline) {
			tmo_cancel(s, edge, TMO_CALL, t->deadline);
			t->deadline = NULL;
		}
	}
	edge_over(s, c, st, fail_node);
}

/* retry_now makes the next attempt on edge e of call h. */
void retry_now(struct sim *s, uint64_t h, uint32_t e)
{
	struct call *c = call_get(s, h);
	if (!c)
		return;         /* abandoned meanwhile */
	const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
	struct sim_node *caller = &s->nodes[c->caller];
	struct call_try *t = &TRIES(c)[e];
	uint64_t salt = (uint64_t)c->step * CALLPLAN_MAX_PARALLEL + e;
	int why = admit(s, edge, caller, c->unit);
	if (why != REQ_OK) {
		t->n++;
		attempt_end(s, h, e, why, caller->id, END_NO_CALL);
		return;
	}
	struct breaker *b = breaker_of(s, edge, caller->id, c->unit);
	struct request *k = make_child(s, c->parent, edge, caller, c->unit, h, salt, t->n);
	if (!k) {
		s->oom = 1;
		return;
	}
	t->n++;
	try_sent(s, edge, c->unit, t, k, h, e);
	if (b)
		t->brk_epoch = b->epoch;
	if (edge->policy->per_try_ns)
		t->tmo = tmo_add(s, edge, TMO_TRY, h, e);
	cst_bump(s, caller, c->unit, offsetof(struct call_stats, retries));
	if (edge->policy->max_connections) {
		struct edge_lim *rt = lim_of(s, edge, c->unit);
		if (pool_full(rt, edge)) {
			pool_wait(s, rt, t, h, e);     /* sent when a connection frees */
			return;
		}
		rt->conns++;
	}
	call_stat(caller, c->unit, CALL_MADE, 0);
	sim_send(s, edge->to, k);
}

/* denied_now: the attempt refused as its step was made (call_step) ends
 * now, with the status it was refused with. */
void denied_now(struct sim *s, uint64_t h, uint32_t e)
{
	struct call *c = call_get(s, h);
	if (c)
		attempt_end(s, h, e, TRIES(c)[e].deny, c->caller, END_NO_CALL);
}

/* half_open_now: a breaker instance's wait in the open state is over. */
void half_open_now(struct sim *s, uint32_t node, uint64_t arg)
{
	uint32_t bs = (uint32_t)(arg >> 32);
	struct breaker *br = &(*brk_array(s, bs / 2, node, bs % 2))[(uint32_t)arg];
	int was = br->state;
	breaker_tick(br, s->now_ns);
	if (was == BRK_OPEN && br->state == BRK_HALF_OPEN)
		cst_bump(s, &s->nodes[node], bs % 2 == SCOPE_REPLICA ? (uint32_t)arg : UINT32_MAX,
			 offsetof(struct call_stats, half_opened));
}

/* pool_send gives the free connections of edge id's pool `slot` to its
 * waiting attempts, in order. */
void pool_send(struct sim *s, uint32_t id, uint32_t slot)
{
	struct edge_lim *rt = &s->elim[id][slot];
	rt->pool_armed = 0;
	while (rt->phead) {
		struct pend *p = rt->phead;
		struct call *c = call_get(s, p->call);
		/* a released call took its attempts out of the queue: c lives */
		const struct call_edge *edge = &c->plan->steps[c->step].edges[p->e];
		if (rt->conns >= edge->policy->max_connections)
			break;
		struct call_try *t = &TRIES(c)[p->e];
		rt->phead = p->next;
		if (rt->phead)
			rt->phead->prev = NULL;
		else
			rt->ptail = NULL;
		rt->npend--;
		pool_put(&s->pends, p);
		t->pend = NULL;
		rt->conns++;
		struct request *k = t->cur;
		call_stat(&s->nodes[c->caller], c->unit, CALL_MADE, 0);
		sim_send(s, edge->to, k);    /* c and t may move: not used after */
	}
}

/* timeouts_due fires the due timeouts of edge id's list `which`: an
 * attempt's (it fails as a timeout, and may be retried) or a call's (the
 * attempt out, if any, is given up, a retry waiting is not made, and the
 * edge fails as a timeout). */
void timeouts_due(struct sim *s, uint32_t id, unsigned which)
{
	struct tmo_list *rt = &s->etmo[id].l[which];
	rt->armed = 0;
	while (rt->head && rt->head->deadline_ns <= s->now_ns) {
		struct tmo *t = rt->head;
		tmo_unlink(rt, t);
		uint64_t h = t->call;
		uint32_t e = t->e;
		pool_put(&s->tmos, t);
		struct call *c = call_get(s, h);
		/* a released call cancelled its timeouts: c is live */
		struct call_try *tr = &TRIES(c)[e];
		const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
		struct sim_node *caller = &s->nodes[c->caller];
		if (which == TMO_TRY) {
			tr->tmo = NULL;
		} else {
			tr->deadline = NULL;
			if (tr->tmo)
				tmo_cancel(s, edge, TMO_TRY, tr->tmo);
			tr->tmo = NULL;
		}
		int out = tr->cur != NULL;
		if (out)
			sim_trace(s, SIM_TR_TIMEOUT, tr->cur, c->parent, c->caller, 0);
		/* its reply, when it comes, is late */
		try_drop(s, edge, c->unit, tr);
		if (out || which == TMO_TRY)
			cst_bump(s, caller, c->unit, offsetof(struct call_stats, timeouts));
		/* a call's timeout during a backoff ends an edge whose attempt
		 * already failed: no call to record at the breaker */
		attempt_end(s, h, e, REQ_TIMEOUT, edge->to,
			    which == TMO_TRY ? END_OWN_TIMEOUT : END_FINAL | (out ? 0 : END_NO_CALL));
	}
	if (rt->head && !rt->armed) {
		rt->armed = 1;
		sim_schedule(s, rt->head->deadline_ns, 0, SIM_EV_TIMEOUT, NULL,
			     (uint64_t)id << 1 | which);
	}
}

void sim_call_reply(struct sim *s, struct request *kid)
{
	struct call *c = call_get(s, kid->call);
	struct sim_node *caller = &s->nodes[kid->reply_to];
	uint32_t e = c && c->tries ? try_of(c, kid) : 0;
	if (!c || e == UINT32_MAX) {
		/* the call was abandoned, or this attempt timed out: the
		 * callee's work was wasted */
		call_stat(caller, kid->from_unit, CALL_LATE, 0);
		sim_request_free(s, kid);
		return;
	}
	/* its attempt's record, where the step keeps them */
	struct call_try *t = c->tries ? &TRIES(c)[e] : NULL;
	const struct call_edge *edge = &c->plan->steps[c->step].edges[e];
	if (t && edge->policy && !edge->policy->bare) {
		if (kid->status != REQ_OK && edge->policy->hedge.given &&
		    edge->policy->hedge.style == HEDGE_GRPC &&
		    (edge->policy->hedge.non_fatal & status_class(kid->status)) &&
		    hedge_goes_on(s, c, kid->call, e, t, kid)) {
			sim_request_free(s, kid);
			return;
		}
		if (t->tmo)
			tmo_cancel(s, edge, TMO_TRY, t->tmo);
		t->tmo = NULL;
		try_drop(s, edge, c->unit, t);
		int st = kid->status;
		uint32_t fn = kid->fail_node;
		uint64_t h = c->handle;
		sim_request_free(s, kid);
		attempt_end(s, h, e, st, fn, 0);
		return;
	}
	if (t) {
		/* no copies, breaker or retry: the edge is over */
		if (t->tmo)
			tmo_cancel(s, edge, TMO_TRY, t->tmo);
		if (t->deadline)
			tmo_cancel(s, edge, TMO_CALL, t->deadline);
		t->tmo = t->deadline = NULL;
		t->cur = NULL;
	}
	int st = kid->status;
	uint32_t fn = kid->fail_node;
	sim_request_free(s, kid);
	edge_over(s, c, st, fn);
}

/* step_done: every call of c's step is answered; the next step, or the
 * end. */
static void step_done(struct sim *s, struct call *c)
{
	tries_free(s, c);
	c->step++;
	uint64_t h = c->handle;
	if (call_step(s, h))
		return;
	if (!s->oom)
		call_over(s, call_get(s, h));
}
