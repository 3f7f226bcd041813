/*
 * sim.h - the engine: one replication of one scenario point.
 *
 * A run is a loop over the event queue (evq.h): pop the earliest event, set
 * the clock to it, hand it to the node it is addressed to, return it to the
 * pool.  Nodes are instances of component kinds (model.h); they talk
 * to each other by passing requests, and to the future by scheduling
 * events for themselves (end of service, next arrival, a timeout).
 *
 * How a request moves:
 *   - sim_send(to, req): the request arrives at node `to` now (after the
 *     node's `latency` fault, if one is active).  The sender is done with
 *     it: a balancer handing it to a backend.
 *   - sim_forward(to, req): the same, as the next hop of its path (a
 *     service's `next:`); the request's hop count, which names its own
 *     random draws, goes up by one.
 *   - sim_finish(req): the request has ended, with req->status.  The node
 *     in req->reply_to is told by an event at the current time, never by a
 *     nested call, so a rejection cannot run its caller's code inside the
 *     callee and reject -> retry chains cannot recurse.  One exception,
 *     sim_finish_last, is a service's last act at the end of a service,
 *     when that reply is the very next thing the loop would take: the node
 *     (or the calls, for a child's reply) is told at once, from a state no
 *     different from the loop's then.  It cannot recurse either: only the
 *     plain service's end calls it, and only the loop runs that end.
 *   - calls: a node whose worker must wait for downstream replies starts
 *     a call plan (sim_calls_start).  The engine sends the child requests
 *     step by step, gathers their replies, and tells the node once through
 *     its calls_done callback, with the first failure if there was one.
 *     A call is a pooled record named by a generational handle: a reply to
 *     a call that was abandoned (its parent crashed, a later timeout) finds
 *     the handle stale, is counted as a late reply and never touches the
 *     reused record.  An edge's policy (callplan.h) adds a timeout per
 *     attempt and retries after a backoff; each attempt is a new child
 *     request, and the reply of one that timed out comes back late.
 *     Timeouts of one edge are equal, so they expire in the order they
 *     were set: each edge keeps its pending timeouts in a list, with one
 *     event armed for the earliest, and a reply unlinks its timeout in
 *     O(1), leaving nothing in the event queue.  The calls in flight are
 *     call.c's (its essay has the rest: hedges, breakers, pools, limits).
 *
 * Events at the current time (zero-length services) go to a FIFO beside
 * the ladder queue, and replies to a second FIFO of their requests, each
 * stamped with a seq; the loop takes whichever head comes first in (time,
 * seq) order, so order is exactly what one queue would give, at the cost
 * of an append and a comparison.  A ladder event at the current time was
 * scheduled before the clock got there, so it always comes before both
 * FIFOs' heads.
 *
 * Randomness belongs to the request.  What a request asks of a node - its
 * service demand, whether it errs, where `next:` sends it, whether an
 * optional call is made - is drawn from a generator keyed by the request's
 * identity (its workload and issue number, or its parent's identity and
 * call edge for a child), its hop count and the purpose of the draw
 * (rng_seed_key).  A balancing policy that sends request 17 to another
 * replica therefore never changes what request 17 asks for, and strategy
 * comparisons stay paired.  Choices that belong to a node (a balancer's
 * random pick) use the node's own streams (sim_stream).
 *
 * Faults: the scenario's timeline (timeline.h) crashes, slows, fails or
 * delays nodes and replicas at given times.  The engine keeps each node's
 * current fault state and applies `slow`, `errors` and `latency` for every
 * kind through sim_demand_ns, sim_fault_errors and sim_send; a crash or a
 * scale change calls the kind's crash / recover / scale callbacks, since
 * only the kind knows what its replicas hold.
 *
 * Measurement: the run lasts warmup + duration.  When warm-up ends, every
 * node's warmup_end callback resets its statistics and the replication's
 * counters start; a request counts if it ends inside the measured window,
 * and its latency is the whole time since its client issued it (open-loop
 * clients never wait for replies, so there is no coordinated omission).
 * The time series covers the whole run, warm-up included, so a transient
 * can be seen: at the end of each window the engine closes the window's
 * counters and asks every kind that declares time-series columns to
 * sample itself.
 *
 * Time is int64 nanoseconds.  Events at equal times fire in the order they
 * were scheduled (seq), so a replication is a pure function of the scenario,
 * its seed and the replication number.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <assert.h>
#include <signal.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/callplan.h"
#include "sim/event.h"
#include "sim/evq.h"
#include "sim/hist.h"
#include "sim/kvmap.h"
#include "sim/model.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/scenario.h"
#include "sim/whist.h"

#define SIM_ANY UINT32_MAX       /* "no replica chosen", "no node" */
#define SIM_PRIORITIES 8         /* a workload's `priority`: 0 .. 7 */

struct sim;
#define SIM_NEVER INT64_MAX

/* How a request ended: X(name, column, group, meaning).  The group says
 * how it counts: REQ_GROUP_OK served, REQ_GROUP_REFUSED turned away before any work
 * (reject_ratio), REQ_GROUP_FAILED failed (error_ratio).  Every status is
 * counted on its own in summary.csv and workloads.csv (column
 * failed_<column> for failures), with the node where it happened. */
enum { REQ_GROUP_OK, REQ_GROUP_REFUSED, REQ_GROUP_FAILED };
#define REQ_STATUSES(X)                                                       \
	X(REQ_OK, "ok", REQ_GROUP_OK, "served")                                     \
	X(REQ_REJECTED, "rejected", REQ_GROUP_REFUSED,                              \
	  "refused by a full queue")                                          \
	X(REQ_ERROR, "error", REQ_GROUP_FAILED,                                     \
	  "failed after their service, by an `errors` fault")                   \
	X(REQ_CRASHED, "crashed", REQ_GROUP_FAILED,                           \
	  "held by, or sent to, a replica that was down")                     \
	X(REQ_CALL_REJECTED, "call_rejected", REQ_GROUP_FAILED,               \
	  "failed because a call they made was refused by a full queue")     \
	X(REQ_NO_BACKEND, "no_backend", REQ_GROUP_FAILED,                     \
	  "failed at a balancer that had no backend left to send them to (all unhealthy, ejected or scaled away)") \
	X(REQ_UNAVAILABLE, "unavailable", REQ_GROUP_FAILED,                   \
	  "failed at a database with no primary during a failover: writes, and reads that must go to the primary") \
	X(REQ_TIMEOUT, "timeout", REQ_GROUP_FAILED,                           \
	  "failed because a call they made timed out: an attempt's `per_try_timeout`, after any retries, or the whole call's `timeout`") \
	X(REQ_BREAKER_OPEN, "breaker_open", REQ_GROUP_FAILED,                 \
	  "failed fast because a circuit breaker did not permit a call they had to make") \
	X(REQ_SHED, "shed", REQ_GROUP_REFUSED,                                 \
	  "dropped when their turn came, after waiting longer than the node's max_queue_wait") \
	X(REQ_CONFLICT, "conflict", REQ_GROUP_FAILED,                          \
	  "failed at an event store: another append to their aggregate was accepted after they loaded it (a wrong expected version)")

enum req_status {
#define REQ_STATUS_ENUM(name, col, group, doc) name,
	REQ_STATUSES(REQ_STATUS_ENUM)
#undef REQ_STATUS_ENUM
	REQ_NSTATUS
};

/* req_status_name returns the column word of status st ("rejected"). */
const char *req_status_name(int st);

/* req_status_group returns REQ_GROUP_OK, REQ_GROUP_REFUSED or
 * REQ_GROUP_FAILED (an unknown status is a failure).  Inline: the calls
 * (call.c) and the measurements ask it per request. */
static inline int req_status_group(int st)
{
	static const unsigned char group[] = {
#define REQ_STATUS_GROUP(name, col, group, doc) group,
		REQ_STATUSES(REQ_STATUS_GROUP)
#undef REQ_STATUS_GROUP
	};
	return st >= 0 && st < REQ_NSTATUS ? group[st] : REQ_GROUP_FAILED;
}

/* req_status_doc returns the one-line meaning of status st. */
const char *req_status_doc(int st);

/* req_count_group sums the counts ended[REQ_NSTATUS] of the statuses of
 * one group (REQ_GROUP_REFUSED: the refused, REQ_GROUP_FAILED: the
 * failed). */
static inline uint64_t req_count_group(const uint64_t *ended, int group)
{
	uint64_t n = 0;
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == group)
			n += ended[st];
	return n;
}

/* A timer handle: the event and the seq it was given.  The event may have
 * fired and its record been reused by another event since; the seq tells
 * them apart (sim_timer_pending). */
struct sim_timer {
	struct event *ev;
	uint64_t seq;
};

/* A node that relays a request and wants its reply (a balancer) pushes
 * one of these onto the request (sim_via_push); the reply then comes to it
 * first, and it passes it on with sim_via_pop and sim_finish.  The record
 * is the relaying node's (embedded in its own bookkeeping). */
struct sim_via {
	struct sim_via *prev;        /* the relay below, or NULL */
	uint64_t call;               /* what the request carried before */
	uint32_t reply_to;
};

struct request {
	struct request *next;        /* link in a node's queue, or among the
				      * replies due now */
	uint64_t seq;                /* a reply's place in event order; while
				      * a service serves it, its start time
				      * (or its demand, or what is left of
				      * it: see the service kind) */
	/* link among the requests a replica holds (in service or waiting
	 * on calls) */
	struct request *hprev, *hnext;
	uint64_t ident;              /* identity: names the request's own draws
				      * (with the run's seed and replication) */
	uint64_t issue;              /* issue number within its workload (open
				      * loop) or its user (closed loop) */
	uint64_t key;                /* key for caches, shards, hashing */
	uint64_t call;               /* handle of the call this request answers
				      * (a child), or 0 */
	uint64_t waiting;            /* handle of the call this request's
				      * worker is waiting on, or 0 */
	struct sim_timer timer;      /* the holding node's pending timer */
	struct sim_via *via;         /* relays waiting for the reply, innermost
				      * first (sim_via_push) */
	int64_t birth_ns;            /* when the client issued it */
	int64_t node_arrival_ns;     /* when it reached the node holding it */
	uint32_t reply_to;           /* node told by sim_finish */
	uint32_t client;             /* issuing client node */
	uint32_t replica;            /* replica chosen upstream, or SIM_ANY */
	uint32_t fail_node;          /* where a non-ok status arose */
	uint32_t user;               /* closed loop: the user; open loop: the
				      * connection, or 0 (its session) */
	uint32_t from_unit;          /* a child: the caller's replica */
	uint32_t hop;                /* sim_forward hops so far */
	uint32_t conn;               /* the client's connection it rides, or
				      * SIM_ANY: a connection of its own */
	uint16_t cls;                /* request kind: index in the workload's mix */
	uint16_t attempt;            /* 0 for the first try */
	int16_t status;              /* enum req_status */
	uint8_t write;               /* a write (its kind's name begins with
				      * "write"), else a read: caches and
				      * databases treat the two apart */
	uint8_t cancelled;           /* its caller gave it up on an edge with
				      * `cancel: true`: a service drops it
				      * instead of starting it */
	uint8_t keyed;               /* its key was given (a workload's keys,
				      * a trace's): a keyless request's key
				      * is 0, and a queue spreads it */
	uint8_t prio;                /* its workload's `priority` (0 first),
				      * carried by its calls */
	uint8_t preempted;           /* waiting to resume a service stopped
				      * for a request of an earlier class; seq
				      * holds the demand left */
	uint8_t zflags;              /* SIM_Z_*: its hops between zones */
	uint16_t zone;               /* the zone it is in (zone.h), or 0 */
	uint16_t origin;             /* the zone its reply goes back to: its
				      * workload's, or its caller's replica's */
	float bytes[2];              /* its size and its response's, bytes
				      * (`size:`, zone.h): what a hop over a
				      * link with a bandwidth sends */
};

/* request.zflags: it has moved to a zoned replica (its reply pays the way
 * back); it is on its way to one (the arrival after the delay is not a
 * new hop); its reply has paid the way back. */
enum { SIM_Z_MOVED = 1, SIM_Z_TRANSIT = 2, SIM_Z_BACK = 4 };

/* Purposes of a request's own draws (sim_draws).  The low 8 bits name
 * the purpose; the 24 bits above, an index within it (the call edge of an
 * optional call); the hop takes the key's low 32 bits.  Kinds may name their own from SIM_DRAW_KIND_BASE to
 * 255. */
enum {
	SIM_DRAW_DEMAND = 1,         /* service demand */
	SIM_DRAW_ERROR,              /* the `errors` fault */
	SIM_DRAW_ROUTE,              /* `next:` */
	SIM_DRAW_CALL,               /* optional calls (p < 1) */
	SIM_DRAW_KEY,                /* the request's key */
	SIM_DRAW_CLASS,              /* its kind in the mix */
	SIM_DRAW_THINK,              /* a closed-loop user's think time after it */
	SIM_DRAW_CONN,               /* the connection it rides */
	SIM_DRAW_RETRY,              /* a retry's jittered backoff */
	SIM_DRAW_LINK,               /* a hop's delay to a zone (index: the
				      * zone), or back from it (index: the
				      * zone | 1 << 23) */
	SIM_DRAW_SIZE,               /* its size (index 0) and its response's
				      * (1) */
	SIM_DRAW_KIND_BASE = 64
};

/* ---- calls ---------------------------------------------------------- */

/* The records of the calls in flight (struct call, struct call_try, and
 * each node's struct call_stats) are the engine's own: simint.h, read by
 * the engine's files (sim.c, run.c, call.c) alone.  A kind starts, abandons and asks about its
 * calls with sim_calls_start, sim_calls_abandon and sim_request_orphan
 * (further down), and hears of their end through its calls_done. */

/* The columns the engine adds to nodes.csv for a kind that makes calls
 * (calls_done != NULL): calls_made, call_wait_mean_s, late_replies, ...
 * from each row's call statistics (call.c writes them). */
extern const struct col_def sim_call_cols[];

/* The column the engine adds to nodes.csv for every kind, after the call
 * columns: cost_per_hour, the node's own share of summary.csv's (its
 * `cost:`), on the node's row; NaN on a replica's row and on a node
 * with no price.  run.c fills it. */
extern const struct col_def sim_cost_cols[];

/* The columns of links.csv, a row per link channel (one direction of a
 * link, zone.h), folded over replications as a node's are.  run.c fills
 * them. */
extern const struct col_def sim_link_cols[];

/* sim_link_cols' columns, in order (two cells each in a row) */
enum {
	LINK_HOPS, LINK_LOST, LINK_GB, LINK_GBIT, LINK_UTIL, LINK_WAIT, LINK_TRANSFER, LINK_DELAY,
	LINK_P99, LINK_COST, LINK_NCOLS
};

/* model_row_cols is the number of columns in a row of kind ops: its own,
 * then the engine's call columns if it makes calls, then its cost. */
static inline size_t model_row_cols(const struct model_ops *ops)
{
	return model_ncols(ops->cols) + (ops->calls_done ? model_ncols(sim_call_cols) : 0) +
	       model_ncols(sim_cost_cols);
}

/* model_row_col is column c of a row of kind ops: its own columns, then
 * the engine's call columns, then the cost. */
static inline const struct col_def *model_row_col(const struct model_ops *ops, size_t c)
{
	size_t own = model_ncols(ops->cols);
	size_t calls = ops->calls_done ? model_ncols(sim_call_cols) : 0;
	if (c < own)
		return &ops->cols[c];
	return c < own + calls ? &sim_call_cols[c - own] : &sim_cost_cols[c - own - calls];
}

/* node_row returns the cells of row r of a node: two doubles per column
 * (a value, or a numerator and a denominator). */
static inline double *node_row(struct node_rows *o, uint32_t r)
{
	return o->v + (size_t)r * o->ncols * 2;
}

/* ---- faults --------------------------------------------------------- */

/* The current fault state of a node, per unit (replica); present only on
 * nodes the timeline names. */
struct node_faults {
	double *slow;                /* [units] service-time factor, 1 normal */
	double *error;               /* [units] probability of failing */
	uint8_t *down;               /* [units] crashed */
	int64_t *down_since;         /* [units] when it last went down */
	int64_t add_ns;              /* `latency`: delay before each arrival */
	uint32_t units_set;          /* the count `scale` last set */
};

/* ---- results of one replication -------------------------------------- */

/* What one replication measured for a scope: all workloads (scope 0) or
 * one workload (scope 1 + w). */
struct scope_result {
	uint64_t arrivals;           /* issued inside the measured window */
	uint64_t ended[REQ_NSTATUS]; /* ended inside it, by outcome */
	struct hist latency;         /* end-to-end, served requests */
	double failed_latency_s;     /* summed, failed requests */
};

/* One time-series window of one replication. */
struct ts_window {
	uint64_t ended[REQ_NSTATUS];
	double lat_sum_s;            /* latencies of served requests: summed, */
	struct whist lat;            /* and their distribution */
};

struct rep_result {
	struct scope_result *scopes; /* [nscopes] */
	uint32_t nscopes;
	double duration_s;           /* measured simulated time */
	double cost_per_hour;        /* the priced nodes' (sc_cost), over the
				      * measured window; NaN: none priced */
	struct node_rows *nodes;     /* [nnodes] */
	size_t nnodes;               /* the scenario's components */
	struct node_rows links;      /* a row per link channel (zone.h), of
				      * sim_link_cols; none without links */
	struct ts_window *ts;        /* [nts], whole run */
	size_t nts;
	int64_t ts_window_ns;
	double *node_ts;             /* [nts_node * node_ts_cells] samples */
	size_t nts_node;             /* node-series windows */
	uint32_t node_ts_every;      /* engine windows per node-series window */
	size_t node_ts_cells;        /* sampled values per node-series window */
	int64_t inflight[2];         /* requests out at warm-up end and at the
				      * end: the steady-state check */
	uint64_t events;             /* events processed, warm-up included */
	uint64_t requests;           /* requests issued, warm-up included */
	int complete;                /* 0 when stopped early */
};

/* What a run's trace hook is told (sim_hooks.trace, `--trace`): a
 * request issued by a client, arriving at a node, starting a service of
 * demand_ns there, ending its visit (sim_finish), a call's child made
 * (parent set), an attempt timing out, and a request back at its client. */
enum sim_trace_what {
	SIM_TR_ISSUE, SIM_TR_ARRIVE, SIM_TR_SERVICE, SIM_TR_END, SIM_TR_CHILD,
	SIM_TR_TIMEOUT, SIM_TR_DONE,
};

struct sim_trace_ev {
	enum sim_trace_what what;
	int64_t t_ns;
	const struct request *req;
	const struct request *parent;   /* SIM_TR_CHILD: the caller's request */
	uint32_t node;                  /* ARRIVE, SERVICE: where */
	int64_t demand_ns;              /* SERVICE */
};

/* A node's write log (sim_watch_writes): for each key written at the
 * node, when its latest write committed, and the node that sent it there
 * (the request's reply_to: the relay or caller next to it). */
struct sim_wlog {
	struct kvmap at, by;
};

struct sim_node {
	const struct sc_node *sc;
	const struct model_ops *ops;
	/* ops->arrive, copied here so that sim_send can be inline; a
	 * kind's init may put a variant of its own here (one placed in
	 * zones, say), which every arrival then takes */
	void (*arrive)(struct sim *s, struct sim_node *n, struct request *req);
	void *state;                 /* owned by the model: init / fini */
	uint32_t id;
	uint32_t units;              /* replicas allotted (at least 1) */
	uint32_t units_now;          /* replicas taking new requests: as
				      * configured, as `scale` sets it, or a
				      * service's own as its replicas start
				      * and drain (balancers follow it) */
	struct node_faults *faults;  /* NULL: the timeline never names it */
	struct call_stats *cst;      /* [1 + units] when its kind calls
				      * (simint.h) */
	struct sim_wlog *wlog;       /* NULL: no node watches its writes */
	const uint16_t *zone;        /* [nzone]: replica r runs in zone[r %
				      * nzone] (zone.h); a workload's users'
				      * zone; NULL: none */
	uint32_t nzone;
	uint32_t gen;                /* moves on whenever a replica goes down
				      * or up, or units_now changes: what
				      * reads the node's replicas from afar
				      * (zone aware routing's local cluster)
				      * knows to look again */
};

/* A node's periodic call (sim_every). */
struct sim_every {
	uint32_t node;
	int64_t next_ns, every_ns;
};

struct sim {
	int64_t now_ns;
	uint64_t seq;
	struct evq q;
	struct event *now_head, *now_tail;   /* events at now_ns, FIFO */
	struct request *reply_head, *reply_tail; /* replies due now, FIFO */
	uint64_t replied_now;        /* replies sim_finish_last delivered at
				      * once during the event in hand: the
				      * loop counts them as events */
	struct pool events;
	struct pool requests;
	struct sim_node *nodes;
	uint32_t nnodes;
	const struct scenario *sc;
	uint32_t replication;
	uint64_t run_key;            /* seed and replication, for identities */
	gsl_rng *draw;               /* reseeded for each draw site */
	int64_t warmup_end_ns, end_ns;
	int measuring;               /* warm-up is over */
	int64_t inflight;            /* requests issued and not yet ended */
	struct rep_result *res;
	size_t ts_cur;               /* the current window */
	int64_t next_tick_ns;        /* where it ends (INT64_MAX: the last) */
	struct sim_every *every;     /* the nodes' periodic calls (sim_every) */
	size_t nevery;
	int64_t next_every_ns;       /* the earliest due (INT64_MAX: none) */
	/* the calls in flight: call.c's (simint.h) */
	struct call *calls;          /* the call table */
	uint32_t ncalls, calls_cap, call_free;
	struct edge_tmo *etmo;       /* [sc->npolicy_edges] */
	struct edge_lim **elim;      /* [sc->npolicy_edges][slots], made at
				      * the edge's first attempt */
	struct pool tmos;            /* pending timeouts */
	struct pool pends;           /* attempts waiting for a connection */
	struct breaker **brk;        /* [(breaker x nnodes + caller) x 2 +
				      * scope][slots], made at first use */
	uint8_t *tl_active;          /* [timeline entries] */
	uint32_t last_fail_node;     /* where the last non-ok status arose */
	const struct sim_hooks *hooks;
	void (*demand_hook)(void *arg, const struct request *req, uint32_t node,
			    uint32_t unit, int64_t demand_ns);
	void (*trace_hook)(void *arg, const struct sim_trace_ev *ev);
	const struct zone_map *zmap; /* zones and links (zone.h); NULL: none */
	struct sim_chan *chans;      /* [zmap->nchan]: each link channel's
				      * transmitter and counts */
	struct sim_zfault *zfault;   /* [(zones + 1)^2] the timeline's faults of
				      * the links (`between:`), from x (n + 1)
				      * + to; NULL when it has none */
	int oom;                     /* an allocation failed mid-run */
	int stuck;                   /* the clock stopped advancing */
};

/* Optional hooks of a run.  `stop` is polled between events: when it
 * becomes non-zero the run ends early.  `progress`, when set, is called
 * every few tens of thousands of events with the fraction of simulated
 * time done (0..1) and the events run so far; it must be cheap.  `demand`, when set, is told every
 * service demand drawn (tests use it to follow a request). */
struct sim_hooks {
	volatile sig_atomic_t *stop;
	void (*progress)(void *arg, double done, uint64_t events);
	void (*demand)(void *arg, const struct request *req, uint32_t node,
		       uint32_t unit, int64_t demand_ns);
	/* trace, when set, is told what each request does (sim_trace_ev) */
	void (*trace)(void *arg, const struct sim_trace_ev *ev);
	void *arg;
};

/* rep_result_init prepares a result for replications of sc: 0 or
 * SIM_ENOMEM.  It may be reused for replication after replication
 * (sim_run clears it); rep_result_fini frees it. */
int rep_result_init(struct rep_result *r, const struct scenario *sc);
void rep_result_fini(struct rep_result *r);

/* rep_result_clear empties r (prepared with rep_result_init) for another
 * replication of its scenario point. */
void rep_result_clear(struct rep_result *r);

/* sim_run runs replication `rep` of scenario sc into out (prepared with
 * rep_result_init for sc).  hooks may be NULL.  Returns 0; SIM_EINTR when
 * stopped (out->complete = 0); SIM_ENOMEM; or SIM_ESTUCK when simulated
 * time stopped advancing (err names the node), a scenario error found
 * only by running it. */
int sim_run(const struct scenario *sc, uint32_t rep, struct rep_result *out,
	    const struct sim_hooks *hooks, struct sim_err *err);

/* sim_watch_writes asks node `node` to log the writes that commit at it
 * (sim_note_write), for a cache in front of it to tell its entries stale
 * after writes that went around it.  0, or SIM_ENOMEM. */
int sim_watch_writes(struct sim *s, uint32_t node);

/* sim_note_write logs req, a write to req->key, as committed now at node
 * n, when a node watches n's writes; a storing kind calls it at commit. */
static inline void sim_note_write(struct sim *s, struct sim_node *n, const struct request *req)
{
	if (n->wlog && (kvmap_put(&n->wlog->at, req->key, s->now_ns) ||
			kvmap_put(&n->wlog->by, req->key, req->reply_to)))
		s->oom = 1;
}

/* sim_last_write: 1 with *at_ns and *by the commit time and sender of
 * the latest write to key logged at node `node`, 0 when none is. */
static inline int sim_last_write(const struct sim *s, uint32_t node, uint64_t key,
				 int64_t *at_ns, uint32_t *by)
{
	const struct sim_wlog *w = s->nodes[node].wlog;
	int64_t who;
	if (!w || !kvmap_get(&w->at, key, at_ns))
		return 0;
	kvmap_get(&w->by, key, &who);
	*by = (uint32_t)who;
	return 1;
}

/* sim_every has node n's kind's `periodic` callback run at first_ns (>
 * now) and every every_ns (> 0) after it, to the end of the run.  A
 * periodic call is no event in the queue, as a time-series window's end
 * is not: one far ahead would slow every push of a small queue (evq.h).
 * The loop makes it before the first event later than or at its time,
 * and before the end of a phase; the call may schedule events from its
 * own time on (a replica started with no start-up time).  0, or
 * SIM_ENOMEM. */
int sim_every(struct sim *s, const struct sim_node *n, int64_t first_ns, int64_t every_ns);

/* sim_stream returns a new random stream for (this replication, node,
 * purpose); the caller frees it with gsl_rng_free.  NULL on ENOMEM. */
gsl_rng *sim_stream(struct sim *s, const struct sim_node *n,
		    const char *purpose);

/* sim_draw_key names the stream of req's draws for `purpose` at its
 * current hop.  The identity is already mixed, so the key needs no mixing
 * of its own: one multiply chain less on the hot path. */
static inline uint64_t sim_draw_key(const struct request *req, uint64_t purpose)
{
	return req->ident ^ (purpose << 32 | req->hop);
}

/* sim_draws returns the engine's scratch generator (counter-based, rng.h),
 * reset to the stream named by req's identity, its hop and `purpose`
 * (SIM_DRAW_*): the same numbers whenever the same request draws for the
 * same purpose at the same hop, whatever the rest of the run did.  The
 * identity already holds the run's seed and replication, mixed (the
 * client makes it with rng_key or rng_mix64; a child's is rng_key of its
 * parent's), so that the streams of two requests or two purposes start
 * at unrelated points.  The generator is shared: draw what is needed
 * before calling sim_draws again. */
static inline gsl_rng *sim_draws(struct sim *s, const struct request *req,
				 uint64_t purpose)
{
	rng_seed_key(s->draw, sim_draw_key(req, purpose));
	return s->draw;
}

/* sim_schedule queues an event for node `node` at time at_ns >= now and
 * returns it, or NULL when memory ran out (the run then ends with
 * SIM_ENOMEM).  Keep a sim_timer, not the event, to cancel it later. */
static inline __attribute__((always_inline)) struct event *
sim_schedule(struct sim *s, int64_t at_ns, uint32_t node, uint16_t kind, void *obj,
	     uint64_t arg)
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
	if (at_ns == s->now_ns) {
		/* now: behind the other events at this time (its seq is the
		 * largest yet), so the FIFO keeps (time, seq) order */
		ev->next = NULL;
		if (s->now_tail)
			s->now_tail->next = ev;
		else
			s->now_head = ev;
		s->now_tail = ev;
		return ev;
	}
	if (evq_push(&s->q, ev)) {
		pool_put(&s->events, ev);
		s->oom = 1;
		return NULL;
	}
	return ev;
}

/* sim_trace tells the trace hook, when there is one, what req did. */
static inline void sim_trace(struct sim *s, enum sim_trace_what what, const struct request *req,
			     const struct request *parent, uint32_t node, int64_t demand_ns)
{
	if (__builtin_expect(s->trace_hook != NULL, 0)) {
		struct sim_trace_ev ev = { what, s->now_ns, req, parent, node, demand_ns };
		s->trace_hook(s->hooks->arg, &ev);
	}
}

/* sim_finish: req has ended with req->status; the node req->reply_to is
 * told by an event now (its done callback, or the engine's call
 * bookkeeping for a child request). */
int sim_zone_reply(struct sim *s, struct request *req);

/* sim_reply_now: req's reply is due now (sim_finish, after any delay on
 * its way back). */
static inline void sim_reply_now(struct sim *s, struct request *req)
{
	/* a reply is an event at now, ordered by its seq among the others;
	 * the request itself is the record (no event to allocate) */
	req->seq = s->seq++;
	req->next = NULL;
	if (s->reply_tail)
		s->reply_tail->next = req;
	else
		s->reply_head = req;
	s->reply_tail = req;
}

static inline void sim_finish(struct sim *s, struct request *req)
{
	sim_trace(s, SIM_TR_END, req, NULL, SIM_ANY, 0);
	if (req->status != REQ_OK)
		s->last_fail_node = req->fail_node;
	/* from a zoned replica, the reply first crosses back */
	if (__builtin_expect(req->zflags != 0, 0) && sim_zone_reply(s, req))
		return;
	sim_reply_now(s, req);
}

/* sim_call_reply takes kid, a child request (kid->call set) that has
 * ended: the reply of its attempt, which may end the edge, the step or
 * the call (the caller's calls_done); a reply nobody waits for any more
 * is counted late.  kid is freed.  The loop calls it for such a reply,
 * and sim_finish_last when it hands one over at once. */
void sim_call_reply(struct sim *s, struct request *kid);

/* sim_finish_last is sim_finish as the last thing a handler does with
 * req, which it never touches again.  When the reply would be the very
 * next thing the loop takes (nothing else due now, the queue's next
 * event later, no trace to order), the node it goes to is told at once
 * (its done callback), or the calls when it answers one
 * (sim_call_reply), with the seq and the event count the reply would
 * have had: the same run, less a trip through the loop.  Otherwise it is
 * sim_finish.  Not for a reply that crosses zones, nor once memory ran
 * out (the loop stops before the reply). */
static inline void sim_finish_last(struct sim *s, struct request *req)
{
	assert(!s->replied_now);     /* one at most per turn of the loop */
	const struct event *next = s->q.bottom;
	if (req->zflags || s->reply_head || s->now_head || !next ||
	    next->time_ns <= s->now_ns || s->trace_hook || s->oom) {
		sim_finish(s, req);
		return;
	}
	if (req->status != REQ_OK)
		s->last_fail_node = req->fail_node;
	req->seq = s->seq++;
	s->replied_now++;
	if (req->call) {
		sim_call_reply(s, req);
		return;
	}
	struct sim_node *node = &s->nodes[req->reply_to];
	node->ops->done(s, node, req);
}

/* sim_event_done returns an event that has fired (or was dropped) to the
 * pool.  Its seq is spoiled first, so a timer handle that names it stops
 * matching at once, before its record is reused. */
static inline void sim_event_done(struct sim *s, struct event *ev)
{
	ev->seq = UINT64_MAX;
	pool_put(&s->events, ev);
}

/* sim_timer_set schedules like sim_schedule and returns a handle to the
 * event (ev NULL when memory ran out).  Always inlined, as sim_schedule
 * is: a service's end is armed through it on every request, and left
 * to itself the compiler made it a call (18 instructions an M/M/1
 * request). */
static inline __attribute__((always_inline)) struct sim_timer
sim_timer_set(struct sim *s, int64_t at_ns, uint32_t node, uint16_t kind, void *obj,
	      uint64_t arg)
{
	struct sim_timer t;
	t.ev = sim_schedule(s, at_ns, node, kind, obj, arg);
	t.seq = t.ev ? t.ev->seq : 0;
	return t;
}

/* sim_timer_pending says whether t's event is still queued and not
 * cancelled.  A handle whose event has fired, even if its record now
 * carries another event, is not pending. */
static inline int sim_timer_pending(const struct sim_timer *t)
{
	return t->ev && t->ev->seq == t->seq &&
	       !(t->ev->flags & SIM_EV_CANCELLED);
}

/* sim_timer_cancel stops t's event from firing if it is still pending and
 * clears the handle; on a handle whose event already fired it does
 * nothing (it never touches the event now using that record). */
static inline void sim_timer_cancel(struct sim_timer *t)
{
	if (t->ev && t->ev->seq == t->seq)
		t->ev->flags |= SIM_EV_CANCELLED;
	t->ev = NULL;
}

/* sim_each_pending calls fn(arg, ev) for every event still to come: due
 * now or queued, cancelled ones too (SIM_EV_CANCELLED), in an order fixed
 * by the run's history.  fn may cancel events but schedule none.  It
 * takes time linear in the pending events: for rare paths, such as a
 * drain's end finding the requests a replica still serves by their
 * end-of-service events, which saves keeping them on every request. */
void sim_each_pending(struct sim *s, void (*fn)(void *arg, struct event *ev), void *arg);

/* sim_request_new returns a cleared request (no identity yet: its maker
 * sets ident), born now, or NULL (out of memory: the run ends with
 * SIM_ENOMEM). */
static inline struct request *sim_request_new(struct sim *s)
{
	struct request *r = pool_get(&s->requests);
	if (!r) {
		s->oom = 1;
		return NULL;
	}
	/* field by field, not memset: plain stores beat a string
	 * instruction's start-up on this path */
	r->next = r->hprev = r->hnext = NULL;
	r->ident = r->issue = r->key = r->call = r->waiting = 0;
	r->timer.ev = NULL;
	r->timer.seq = 0;
	r->via = NULL;
	r->birth_ns = r->node_arrival_ns = s->now_ns;
	r->reply_to = r->client = r->replica = r->fail_node = r->conn = SIM_ANY;
	r->user = r->from_unit = 0;
	r->cls = r->hop = r->attempt = 0;
	r->write = r->cancelled = r->keyed = r->prio = r->preempted = r->zflags = 0;
	r->zone = r->origin = 0;
	r->bytes[0] = r->bytes[1] = 0;
	r->status = REQ_OK;
	return r;
}

/* sim_request_free returns a request to the pool. */
static inline void sim_request_free(struct sim *s, struct request *r)
{
	pool_put(&s->requests, r);
}

/* The engine's one event kind scheduled by code in this header: a
 * delayed arrival (obj: the request).  Its others are private (simint.h). */
enum { SIM_EV_DELIVER = SIM_EV_ENGINE | 2 };

int sim_zone_move(struct sim *s, struct sim_node *n, uint32_t r, struct request *req);

struct zone_size;

/* sim_zone_delay is what req's hop from zone a to zone b costs now over
 * their link (zone.h): its wait and sending (req's size) and latency, a
 * latency spike's too, counted in links.csv; 0 when nothing joins them.
 * A hop a partition cuts costs as if it were not: replication and the
 * like, which this serves, resume once a partition heals. */
int64_t sim_zone_delay(struct sim *s, const struct request *req, uint32_t a, uint32_t b);

/* sim_size_set gives req its sizes (req->bytes) from z: constants as
 * they are, distributions drawn from req's own stream (SIM_DRAW_SIZE). */
void sim_size_set(struct sim *s, struct request *req, const struct zone_size *z);

/* sim_zone_hop: req has reached node n, whose replica r is to take it.
 * When n is placed in zones and req comes from elsewhere, the hop's
 * delay (zone.h) is paid first: req arrives again at n, for replica r,
 * when it is over, and sim_zone_hop says 1 (the caller stops there).
 * Else 0: go on.  A kind calls it once it knows the replica, before it
 * counts the arrival. */
static inline int sim_zone_hop(struct sim *s, struct sim_node *n, uint32_t r,
			       struct request *req)
{
	if (__builtin_expect(n->zone == NULL, 1))
		return 0;
	return sim_zone_move(s, n, r, req);
}

/* sim_send: req arrives at node `to` now, or after the node's `latency`
 * fault.  sim_forward: the same as the next hop of req's path.
 * sim_send_later is sim_send's delayed arrival: an engine event
 * (SIM_EV_DELIVER) that hands req to the node when the delay is over. */
static inline void sim_send_later(struct sim *s, uint32_t to, struct request *req)
{
	sim_schedule(s, s->now_ns + s->nodes[to].faults->add_ns, to, SIM_EV_DELIVER,
		     req, 0);
}

static inline void sim_send(struct sim *s, uint32_t to, struct request *req)
{
	struct sim_node *n = &s->nodes[to];
	if (n->faults && n->faults->add_ns > 0) {
		sim_send_later(s, to, req);
		return;
	}
	req->node_arrival_ns = s->now_ns;
	sim_trace(s, SIM_TR_ARRIVE, req, NULL, to, 0);
	n->arrive(s, n, req);
}

static inline void sim_forward(struct sim *s, uint32_t to, struct request *req)
{
	req->hop++;
	req->replica = SIM_ANY;
	sim_send(s, to, req);
}

/* sim_via_push makes node `node` the one req replies to, with v keeping
 * where the reply went before; sim_via_pop, called by that node when the
 * reply comes, restores it and returns v.  The node then passes the reply
 * on with sim_finish. */
static inline void sim_via_push(struct request *req, struct sim_via *v,
				uint32_t node)
{
	v->prev = req->via;
	v->call = req->call;
	v->reply_to = req->reply_to;
	req->via = v;
	req->call = 0;
	req->reply_to = node;
}

static inline struct sim_via *sim_via_pop(struct request *req)
{
	struct sim_via *v = req->via;
	req->via = v->prev;
	req->call = v->call;
	req->reply_to = v->reply_to;
	return v;
}

/* sim_fail ends req with status st, arisen at node `at`. */
static inline void sim_fail(struct sim *s, struct request *req, int st,
			    uint32_t at)
{
	req->status = (int16_t)st;
	req->fail_node = at;
	sim_finish(s, req);
}

/* sim_calls_start makes the first step of `plan` for req, which node n's
 * unit `unit` holds.  Returns 1 when calls are out: the engine calls
 * n->ops->calls_done(s, n, req, status) when they are over (status REQ_OK,
 * or the first failure, whose node is in req->fail_node).  Returns 0 when
 * the plan made no call (every edge's p said no): the node goes on at
 * once.  Out of memory ends the run. */
int sim_calls_start(struct sim *s, struct sim_node *n, uint32_t unit,
		    struct request *req, const struct call_plan *plan);

/* sim_calls_abandon gives up the calls req waits on (its replica crashed):
 * their replies, when they come, are counted as late and dropped. */
void sim_calls_abandon(struct sim *s, struct request *req);

/* sim_request_orphan says whether req, a child request a callee holds,
 * is no longer waited for: its call was abandoned, or this attempt timed
 * out.  The callee serves it all the same (wasted work). */
int sim_request_orphan(struct sim *s, const struct request *req);

/* sim_breaker_level returns the integral from time 0 to now of the level
 * of breaker b (the index in sc->breakers) on node n's calls: 0 closed,
 * 0.5 half-open, 1 open, averaged over its instances (one per calling
 * replica, or the node's one, as the edges' scope says); 0 when n's calls
 * have not used it yet. */
double sim_breaker_level(struct sim *s, const struct sim_node *n, uint32_t b, int64_t now);

/* sim_slowed_ns is ns (a time a kind works out itself: a replay, a
 * batch's write) times the `slow` fault on n's unit, rounded to whole
 * nanoseconds and saturating as sim_demand_ns does. */
static inline int64_t sim_slowed_ns(const struct sim_node *n, uint32_t unit, double ns)
{
	if (n->faults)
		ns *= n->faults->slow[unit];
	return ns < (double)(INT64_MAX / 4) ? (int64_t)(ns + 0.5) : INT64_MAX / 4;
}

/* sim_demand_ns draws req's service demand at node n, unit `unit`: from
 * distribution d with the request's own draws, times the unit's `slow`
 * factor and inv_speed, in nanoseconds (at most INT64_MAX / 4).  Inline
 * for an exponential demand with no fault on the node and no hook to
 * tell (the same number, by the same operations); sim_demand_slow_ns is
 * every case. */
int64_t sim_demand_slow_ns(struct sim *s, struct sim_node *n, uint32_t unit,
			   const struct request *req, const struct dist *d,
			   double inv_speed);

static inline int64_t sim_demand_ns(struct sim *s, struct sim_node *n, uint32_t unit,
				    const struct request *req, const struct dist *d,
				    double inv_speed)
{
	if (d->kind != DIST_EXPONENTIAL || n->faults || s->demand_hook ||
	    __builtin_expect(s->trace_hook != NULL, 0))
		return sim_demand_slow_ns(s, n, unit, req, d, inv_speed);
	double x = d->mean * rng_key_exp1(s->draw, sim_draw_key(req, SIM_DRAW_DEMAND));
	return sim_slowed_ns(n, unit, x * (inv_speed * 1e9));
}

/* sim_fault_errors says whether the `errors` fault on n's unit fails req
 * now (a draw of the request's own). */
static inline int sim_fault_errors(struct sim *s, struct sim_node *n,
				   uint32_t unit, const struct request *req)
{
	if (!n->faults || n->faults->error[unit] <= 0)
		return 0;
	return rng_uniform_pos(sim_draws(s, req, SIM_DRAW_ERROR)) <
	       n->faults->error[unit];
}

/* sim_unit_down says whether n's unit is crashed. */
static inline int sim_unit_down(const struct sim_node *n, uint32_t unit)
{
	return n->faults && n->faults->down[unit];
}

/* sim_measure_arrival / _done record, for the replication's totals and time
 * series, a request issued by a client and its end.  Clients call them. */
static inline void sim_measure_arrival(struct sim *s, const struct request *req)
{
	struct rep_result *r = s->res;
	r->requests++;
	s->inflight++;
	sim_trace(s, SIM_TR_ISSUE, req, NULL, req->client, 0);
	if (!s->measuring)
		return;
	r->scopes[0].arrivals++;
	if (r->nscopes > 1)
		r->scopes[1 + req->client - s->sc->ncomponents].arrivals++;
}

/* sim_scope_done counts req's end in one scope's totals; lat is its
 * latency (>= 0), bucket its hist.h bucket. */
static inline void sim_scope_done(struct sim *s, struct scope_result *sr,
				  const struct request *req, int64_t lat,
				  size_t bucket)
{
	/* every outcome counts when the request ends inside the measured
	 * window, whenever it was issued: in a steady state as many end as
	 * are issued, so ratios to the window's arrivals are unbiased for
	 * fast outcomes (a rejection) and slow ones (a failure after a long
	 * service) alike */
	int st = req->status;
	sr->ended[st]++;
	if (st == REQ_OK)
		hist_record_at(&sr->latency, bucket, lat);
	else if (req_status_group(st) == REQ_GROUP_FAILED)
		sr->failed_latency_s += (double)lat * 1e-9;
}

static inline void sim_measure_done(struct sim *s, const struct request *req)
{
	struct rep_result *r = s->res;
	int64_t lat = s->now_ns - req->birth_ns;
	size_t bucket = hist_index(lat);
	s->inflight--;
	sim_trace(s, SIM_TR_DONE, req, NULL, req->client, 0);
	if (s->ts_cur < r->nts) {
		struct ts_window *w = &r->ts[s->ts_cur];
		w->ended[req->status]++;
		if (req->status == REQ_OK) {
			w->lat_sum_s += (double)lat * 1e-9;
			if (whist_record_at(&w->lat, (uint32_t)whist_index_of_hist(bucket)))
				s->oom = 1;
		}
	}
	if (!s->measuring)
		return;
	sim_scope_done(s, &r->scopes[0], req, lat, bucket);
	if (r->nscopes > 1)
		sim_scope_done(s, &r->scopes[1 + req->client - s->sc->ncomponents],
			       req, lat, bucket);
}

#endif
