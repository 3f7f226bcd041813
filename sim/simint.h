/*
 * simint.h - what the engine's files share: private to run.c, call.c and
 * sim.c, and to be included by no other file.
 *
 * The engine is three translation units over one public header (sim.h).
 * run.c is the loop (sim_run): it pops the events and the replies, keeps
 * the clock, applies the timeline and measures the replication.  call.c
 * is the calls in flight: the call table, each attempt's record, the
 * per-edge timeouts, retry budgets, hedges, breakers, connection pools
 * and rate limits.  sim.c holds what both use: the statuses, the
 * replication's result, requests' streams and demands, and the call
 * columns.  Most of the engine's own events are the calls': the loop only
 * recognises them and hands each to its entry point here, as it hands a
 * reply to a child request to sim_call_reply.  The files must therefore agree
 * on the event kinds, on the records that sim_run allocates for a
 * replication and call.c fills, and on those entry points; this header is
 * that agreement, as SQLite's vdbeInt.h is between vdbe.c and its helpers.
 *
 * Why private: a kind (models/) sees a call only as sim.h shows it -
 * sim_calls_start, sim_calls_abandon, sim_request_orphan and its own
 * calls_done callback - and the kinds' contract (model.h) promises them
 * nothing more.  The records below change whenever a policy does (a new
 * limit adds a field to struct edge_lim); kept out of sim.h, such a change
 * touches the engine alone, and no kind can come to rely on an attempt's
 * record or schedule one of the engine's events.
 *
 * One way only: run.c calls into call.c (the dispatch below, the setup
 * and teardown of a run) and sim.c (the call columns, the result); call.c
 * calls no function defined in either, only sim.h's inline helpers
 * (sim_schedule, sim_send, sim_request_new, req_status_group, ...), and
 * sim.c calls neither, so no two files call each other in a loop.  What
 * this costs the hot path is one call per reply to a child request and
 * per call event, which the loop used to inline; the functions of call.c that call one another per attempt
 * (attempt_end, call_step, try_drop, ...) are still in one file and
 * inlined as before.
 *
 * The header names no header of its own: it is read after sim/sim.h,
 * whose types it uses (as vdbeInt.h is read after sqliteInt.h).  Were it
 * to include sim.h, the sim module and this header would depend on each
 * other, a loop to scripts/check-layers.sh.
 */
#ifndef SIM_SIMINT_H
#define SIM_SIMINT_H

#ifndef SIM_SIM_H
#error "sim/simint.h is read after sim/sim.h"
#endif

/* The engine's private event kinds (sim.h has SIM_EV_DELIVER, which its
 * inline sim_send_later schedules).  The timeline's are run.c's; the rest
 * are the calls', handled in call.c through the entry points below. */
enum {
	SIM_EV_TL_START = SIM_EV_ENGINE | 4, /* arg: timeline entry */
	SIM_EV_TL_END = SIM_EV_ENGINE | 5,
	SIM_EV_TIMEOUT = SIM_EV_ENGINE | 6,  /* arg: policy edge id << 1 | TMO_* */
	SIM_EV_RETRY = SIM_EV_ENGINE | 7,    /* arg: call handle; node: edge */
	SIM_EV_DENIED = SIM_EV_ENGINE | 8,   /* the same: a breaker said no */
	SIM_EV_BREAKER = SIM_EV_ENGINE | 9,  /* automatic half-open; node: the
					      * caller whose call opened it;
					      * arg: (breaker x 2 + scope) << 32
					      * | slot */
	SIM_EV_HEDGE = SIM_EV_ENGINE | 10,   /* arg: call handle; node: edge */
	SIM_EV_POOL = SIM_EV_ENGINE | 11,    /* arg: policy edge id; node: its
					      * slot: a connection is free */
	SIM_EV_REPLY = SIM_EV_ENGINE | 12,   /* obj: a request whose reply has
					      * crossed back between zones */
	SIM_EV_LOST = SIM_EV_ENGINE | 13,    /* obj: a request a partition lost
					      * (arg 1: its reply), whose sender
					      * now gives up; node: where it went */
};

/* ---- records -------------------------------------------------------- */

/* One edge of the current step of a call with a policy: its attempt out
 * and its pending timeout, how many it made, and decorrelated jitter's
 * last wait. */
struct call_try {
	struct request *cur;         /* the attempt out, or NULL */
	struct tmo *tmo;             /* its pending per-try timeout, or NULL */
	struct tmo *deadline;        /* the edge's pending timeout of the
				      * whole call, or NULL */
	uint32_t n;                  /* attempts made */
	int64_t sleep_ns;
	int64_t sent_ns;             /* when the attempt out was sent */
	struct request *copy[CALL_MAX_HEDGE];   /* its hedged copies out */
	struct sim_timer hedge;      /* the next copy's timer */
	uint32_t ncopies;            /* its copies out */
	uint32_t nsent;              /* copies sent for it */
	uint64_t brk_epoch;          /* its breaker's epoch when it was let
				      * through (breaker.h) */
	struct pend *pend;           /* the attempt out waits for a connection
				      * of the edge's pool (not sent yet) */
	int16_t deny;                /* the status an attempt failed fast with */
	uint8_t retry_open;          /* a retry of it counts in its edge's
				      * retries open (envoy's max_retries)
				      * until this attempt's outcome */
};

/* A call in progress: the calls of one step of one parent request. */
struct call {
	uint64_t handle;             /* generation << 32 | index; 0 when free */
	struct request *parent;      /* held by the caller's worker */
	const struct call_plan *plan;
	uint32_t caller;             /* the node waiting */
	uint32_t unit;               /* its replica holding the parent */
	uint32_t step;               /* the step in progress */
	uint32_t pending;            /* replies still to come */
	int32_t status;              /* first failure seen, or REQ_OK */
	uint32_t fail_node;
	int64_t start_ns;            /* when the parent's first step began */
	uint32_t next_free;          /* free list of the call table */
	struct call_try *tries;      /* [the step's edges] when one of them
				      * has a policy (timeout, retry): `one`
				      * for a single edge, else `spare` */
	struct call_try one;
	struct call_try *spare;      /* a parallel step's records: kept by
				      * this slot of the call table from use
				      * to use, grown when a step needs more,
				      * freed at the end of the run */
	uint32_t spare_cap;
};

/* A link channel (zone.h) in a replication: its transmitter's next free
 * moment, and what the hops that took it in the measured window waited,
 * sent and carried.  run.c makes them (struct sim.chans) when the
 * scenario has links, clears the counts when warm-up ends and writes
 * links.csv's cells from them; sim.c counts in them (hop_delay). */
/* The timeline's faults of the hops from one zone to another: lost (a
 * partition), or delayed by add_ns more.  run.c sets them as entries of
 * the links start and end; sim.c reads them (hop_delay). */
struct sim_zfault {
	uint32_t cut;                /* active partitions */
	int64_t cut_ns;              /* the shortest of their timeouts */
	int64_t add_ns;              /* active latency spikes, summed */
};

struct sim_chan {
	int64_t free_ns;
	uint64_t hops, lost;
	double bytes;
	double busy_ns, wait_ns, tx_ns, delay_ns;     /* summed */
	struct hist delay;
};

/* Per node and unit (row 0 the node, row 1 + r replica r), the calls'
 * statistics the engine writes to nodes.csv.  run.c gives a node that
 * calls its rows (struct sim_node.cst) and clears them when warm-up
 * ends; call.c counts in them and sim.c writes them (write_call_cols). */
struct call_stats {
	uint64_t made;               /* child requests sent */
	uint64_t parents;            /* requests whose calls ended */
	double wait_ns;              /* time those requests waited, summed */
	uint64_t late;               /* replies to abandoned calls, or to
				      * attempts that timed out */
	uint64_t retries;            /* attempts after the first */
	uint64_t timeouts;           /* attempts that timed out */
	uint64_t denied;             /* retries the budget refused */
	uint64_t not_permitted;      /* attempts a breaker failed fast */
	uint64_t hedges;             /* hedged copies sent */
	uint64_t opened;             /* breakers this node's calls opened */
	uint64_t half_opened;        /* ... turned half-open */
	uint64_t closed;             /* ... closed again */
};

/* An attempt waiting for a connection of its edge's pool. */
struct pend {
	struct pend *prev, *next;
	uint64_t call;
	uint32_t e;
};

/* A pending timeout of an attempt, in its edge's list. */
struct tmo {
	struct tmo *prev, *next;
	int64_t deadline_ns;
	uint64_t call;               /* handle */
	uint32_t e;                  /* edge within the call's step */
};

/* Per edge with a policy (struct sim.etmo, by call_edge.id): its pending
 * timeouts, one list for the attempts' (per_try_timeout) and one for the
 * whole calls' (timeout), each with one event armed for its earliest.
 * They are the edge's, not a replica's: the timeouts of one list are all
 * equal, so one list in deadline order serves every caller. */
enum { TMO_TRY, TMO_CALL };
struct tmo_list {
	struct tmo *head, *tail;
	int armed;
};
struct edge_tmo {
	struct tmo_list l[2];        /* by TMO_* */
};

/* The state of an edge's limits (struct sim.elim[id][slot]): its
 * attempts out, its connection pool and the attempts waiting for it, its
 * token bucket and the retry budget's sliding window.  One per calling
 * replica (slot: the replica), or one for the node (slot 0), as the
 * edge's scope says. */
#define BUDGET_BUCKETS 10
struct edge_lim {
	uint32_t active;             /* attempts out (max_requests) */
	uint32_t conns;              /* connections of the pool in use */
	struct token_bucket tb;      /* rate_limit */
	struct pend *phead, *ptail;  /* attempts waiting for one, in order */
	uint32_t npend;
	int pool_armed;              /* a SIM_EV_POOL is queued */
	uint64_t firsts[BUDGET_BUCKETS], retries[BUDGET_BUCKETS];
	int64_t bucket;              /* the current bucket's number */
	uint32_t retries_open;       /* envoy: retries decided and not over */
	double tokens;               /* grpc: retry throttling's count */
	int tokens_started;
};

/* ---- a run's calls (call.c) ----------------------------------------- */

/* calls_init prepares s's call machinery for a replication of s->sc: an
 * empty call table, a struct edge_tmo per policy edge, room for the
 * limits' state and the breakers' instances (made at an edge's first
 * attempt), the pools of timeouts and waiting attempts.  s is otherwise
 * zero.  Returns 0 or SIM_ENOMEM; calls_fini is called either way. */
int calls_init(struct sim *s);

/* calls_fini frees what calls_init made, and the call table, whatever
 * state the run ended in. */
void calls_fini(struct sim *s);


/* ---- the call columns (sim.c) ---------------------------------------- */

/* write_call_cols fills the engine's call columns (sim_call_cols) of
 * node n's rows o from its call statistics, at the end of a measured
 * replication.  n makes calls (n->cst is set). */
void write_call_cols(struct sim *s, struct sim_node *n, struct node_rows *o);

/* ---- the loop's dispatch (call.c) ----------------------------------- */

/* The reply to a child request goes to sim_call_reply (sim.h), which
 * sim_finish_last calls too. */

/* timeouts_due (SIM_EV_TIMEOUT) fires the timeouts of list `which`
 * (TMO_*) of policy edge id that are due now, and arms one event for the
 * next. */
void timeouts_due(struct sim *s, uint32_t id, unsigned which);

/* retry_now (SIM_EV_RETRY) makes the next attempt on edge e of call h,
 * whose backoff is over; nothing when the call was abandoned meanwhile. */
void retry_now(struct sim *s, uint64_t h, uint32_t e);

/* denied_now (SIM_EV_DENIED) ends the attempt on edge e of call h that
 * was refused as its step was made (a breaker, a full pool, a rate limit):
 * the caller is told after the step was set up.  Nothing when the call
 * was abandoned meanwhile. */
void denied_now(struct sim *s, uint64_t h, uint32_t e);

/* half_open_now (SIM_EV_BREAKER) turns a breaker instance of node
 * `node`'s calls half-open when its wait in the open state is over (the
 * automatic transition), counted on that node's row; arg names the
 * instance as SIM_EV_BREAKER says. */
void half_open_now(struct sim *s, uint32_t node, uint64_t arg);

/* hedge_now (SIM_EV_HEDGE) sends the next hedged copy of the attempt on
 * edge e of call h, if that attempt is still out. */
void hedge_now(struct sim *s, uint64_t h, uint32_t e);

/* pool_send (SIM_EV_POOL) gives the free connections of policy edge id's
 * pool `slot` to its waiting attempts, in the order they came. */
void pool_send(struct sim *s, uint32_t id, uint32_t slot);

#endif
