/*
 * model.h - the contract a component kind implements: a table of
 * callbacks, and the tables it declares.
 *
 * Each kind (service, client, balancer, cache, ...) lives in one
 * models/<kind>.c that exports one const struct model_ops.  The engine
 * and the loader know nothing else about it: the program hands the
 * loader its list of kinds (load.h), and the loader, the engine (sim.h)
 * and the report reach each kind only through this table.
 *
 * A kind declares the keys it accepts as a parameter table (param.h):
 * their types, ranges, defaults and docs, and where each goes in the
 * kind's config struct.  The loader checks a node's mapping against it
 * and builds the config; `archsim help` and docs/reference.md print it.
 *
 * Life of a node:
 *   (params)    at load: the node's YAML mapping checked into a config
 *               by param_new (never touched by a run, shared by all
 *               replications; freed by param_free);
 *   init        per replication: build run state from the config;
 *   arrive      a request reaches the node (sim_send);
 *   done        a request whose reply_to is this node has ended (an event);
 *   calls_done  the calls this node made for a request it holds are over;
 *   event       a timer the node scheduled for itself fires;
 *   crash, recover, scale
 *               the timeline changed a unit (replica) or their number;
 *   action      a timeline action of the kind's own started or ended;
 *   sample      a time-series window ended: write this window's values;
 *   warmup_end  warm-up is over: zero the statistics, keep the state;
 *   finish      the replication is over: write its rows of nodes.csv;
 *   fini        free run state.
 * Callbacks a kind does not need may be NULL, except init and fini; params
 * is required.  arrive is required of every kind that `nodes:` may name.
 *
 * Declared tables.  A kind declares, as data, the columns it writes to
 * nodes.csv (cols) and to node_timeseries.csv (ts_cols), each with how it
 * is folded across replications, and how many units (replicas) it has, so
 * that the report writes one row for the node and, when it has more than
 * one unit, one per unit (`web[0]`, `web[1]`, ...).  nodes.csv is one wide
 * table: the union of every kind's columns, empty where a column does not
 * apply.  It also declares which of the engine's timeline actions apply
 * to it (faults) and the actions of its own (actions), each with its
 * keys; the checker refuses the others.
 *
 * This header names the engine's types (struct sim, struct request) but
 * does not include sim.h: the engine includes it, and kinds include both.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/check.h"
#include "sim/param.h"
#include "sim/scenario.h"

struct sim;
struct sim_node;
struct request;
struct event;
struct call_plan;
struct as_cfg;

/* How a column of nodes.csv is folded across replications. */
enum col_agg {
	COL_SUM,       /* a count: summed */
	COL_MEAN,      /* a per-replication value (a time-weighted mean, a
			* ratio within the replication): averaged over the
			* replications that have one (NaN skipped) */
	COL_RATIO,     /* a numerator and a denominator, each summed, then
			* divided: a mean per event over all replications */
};

struct col_def {
	const char *name;          /* CSV column */
	enum col_agg agg;          /* COL_MEAN and COL_RATIO columns also
				    * get NAME_ci95 in nodes.csv */
	const char *doc;           /* one line, for the reference */
};

/* model_ncols counts a column table (NULL: none). */
size_t model_ncols(const struct col_def *cols);

/* One node's rows for one replication: the node's own row, then one per
 * unit when it has more than one (replicas).  Each row holds two doubles
 * per column of the kind's table, then the engine's call columns
 * (sim.h). */
struct node_rows {
	uint32_t nrows;
	size_t ncols;                /* a row's columns (model_row_cols) */
	size_t ncells;               /* nrows * ncols * 2 */
	double *v;                   /* [ncells] */
};

/* What a kind says about its capacity, for the steady-state checks
 * (steady.h). */
struct node_capacity {
	double workers;      /* servers per replica */
	uint32_t replicas;   /* as configured (the timeline may scale them) */
	double mean_s;       /* mean own demand per request, one server, s */
	double scv;          /* its squared coefficient of variation */
	int bounded;         /* finite queue: overload becomes rejections */
	double tail_shape;   /* Pareto shape of the demand, or INFINITY */
	const struct dist *demand;   /* the demand's distribution (before
				      * speed: mean_s / demand->mean scales
				      * it), or NULL */
	const struct call_plan *calls;  /* calls a server waits for, or NULL */
};

/* A timeline action (`do: NAME`) as declared: the engine's own
 * (timeline.h) or a kind's (model_ops.actions).  An entry takes at, node
 * and do; `replica` unless TLA_WHOLE; `for` unless TLA_INSTANT; `consumer`
 * with TLA_MEMBERS; and the action's own value key, if it has one. */
enum {
	TLA_WHOLE = 1 << 0,        /* whole nodes only */
	TLA_INSTANT = 1 << 1,      /* happens at once: no `for` */
	TLA_MEMBERS = 1 << 2,      /* may name one member (`consumer: K`) */
};

/* What a kind's `cost:` may price besides its instances (model_ops.bills). */
enum { BILL_WORKERS = 1 << 0, BILL_REQUESTS = 1 << 1, BILL_SPEED = 1 << 2 };

/* What a node is billed on over the measured window (model_ops.billing):
 * time averages, and a count. */
struct node_bill {
	double instances;         /* replicas, instances, nodes that exist */
	double workers;           /* their workers (BILL_WORKERS) */
	double speed;             /* their speed, summed (BILL_SPEED): an
				   * instance of twice the size counts 2 */
	double requests;          /* arrived in the window (BILL_REQUESTS) */
};

struct tl_action_def {
	const char *name;
	const char *doc;           /* one line, for the reference */
	unsigned flags;            /* TLA_* */
	enum tl_action engine;     /* the engine's action it is, or TL_KIND:
				    * the kind carries it out (action) */
	const struct param *value; /* its own key, required, placed in struct
				    * tl_entry; NULL if none */
	const struct param *more;  /* its optional keys, placed in struct
				    * tl_entry, ended by an entry with no
				    * name (at most 32; tl_entry.more_given
				    * says which were written); NULL if none */
	/* units (may be NULL): the most replicas entry t, just checked, may
	 * give node nd (it may settle what its keys leave to the node), or
	 * 0; the checker raises nd's max_units to it, before any node's
	 * link reads it */
	uint32_t (*units)(const struct sc_node *nd, struct tl_entry *t);
	/* label writes the chart label of entry t acting on `target` (its
	 * node or replica); text is the value as written.  NULL: "TARGET
	 * NAME". */
	void (*label)(char *buf, size_t len, const char *target, const struct tl_entry *t,
		      const char *text);
};

struct model_ops {
	const char *kind;         /* the YAML `type:` */
	const char *summary;      /* one line, for `archsim help` */
	/* the keys of the node's mapping (besides `type`), and the config
	 * struct they fill; the config is what n->sc->cfg points at */
	const struct param_table *params;
	/* units: how many replicas the config has (NULL: one). */
	uint32_t (*units)(const void *cfg);
	/* autoscale (may be NULL): the node's autoscaler (autoscale.h), or
	 * NULL when it has none.  A node with one may grow to its
	 * max_replicas, and the timeline may not `scale` it. */
	const struct as_cfg *(*autoscale)(const void *cfg);
	/* link (may be NULL) runs once every node and the timeline are
	 * checked: it checks what the node's config says of other nodes
	 * (the kinds of its backends, how many replicas they will have),
	 * completes the config (self->cfg), and may set self->units and
	 * self->max_units.  0, or SIM_EINVAL with a located message. */
	int (*link)(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self);
	/* init: 0 or SIM_ENOMEM.  n->units is the most replicas the node
	 * will have in this scenario (configured, or raised by `scale`). */
	int (*init)(struct sim *s, struct sim_node *n);
	void (*arrive)(struct sim *s, struct sim_node *n, struct request *req);
	void (*done)(struct sim *s, struct sim_node *n, struct request *req);
	void (*calls_done)(struct sim *s, struct sim_node *n,
			   struct request *req, int status);
	/* makes_calls (may be NULL: a kind with calls_done always does)
	 * says whether a node of this config makes calls, so that the
	 * engine keeps its call statistics only then. */
	int (*makes_calls)(const void *cfg);
	void (*event)(struct sim *s, struct sim_node *n, struct event *ev);
	/* periodic: a call the node asked for with sim_every (sim.h), at
	 * now. */
	void (*periodic)(struct sim *s, struct sim_node *n);
	/* timeline: unit goes down (what it holds fails) or comes back;
	 * `units` replicas take new requests from now on. */
	void (*crash)(struct sim *s, struct sim_node *n, uint32_t unit);
	void (*recover)(struct sim *s, struct sim_node *n, uint32_t unit);
	void (*scale)(struct sim *s, struct sim_node *n, uint32_t units);
	unsigned faults;          /* SIM_FAULT(TL_*) bits: the engine's
				   * actions that apply */
	int placeable;            /* its replicas may be placed in zones
				   * (`zones:`): its arrive calls
				   * sim_zone_hop once it knows the replica */
	/* the kind's own timeline actions (flush, lag, failover), ended by
	 * NULL; NULL: none */
	const struct tl_action_def *const *actions;
	/* action: a timeline entry of the kind's own (t->def one of its
	 * actions, or a crash or recover of one member) starts (start = 1)
	 * or, for one with `for`, ends (start = 0).  Required of a kind with
	 * actions or members. */
	void (*action)(struct sim *s, struct sim_node *n,
		       const struct tl_entry *t, int start);
	/* members: how many members unit `unit` has that a timeline crash
	 * or recover can name one by one (`consumer: K`), handed to
	 * `action`; NULL: none. */
	uint32_t (*members)(const void *cfg, uint32_t unit);
	void (*warmup_end)(struct sim *s, struct sim_node *n);
	/* billing (may be NULL) says what the node's `cost:` is charged on
	 * over the measured window, at its end (struct node_bill).  NULL: the
	 * configured units.  `bills` says which of the prices apply. */
	void (*billing)(struct sim *s, struct sim_node *n, struct node_bill *b);
	unsigned bills;           /* BILL_* */
	/* finish writes the node's rows: row 0 the node, row 1 + u unit u
	 * (when n->units > 1); node_row() (sim.h) gives each row's cells. */
	void (*finish)(struct sim *s, struct sim_node *n, struct node_rows *out);
	/* unit_name (may be NULL) writes what unit u of node nd stands for
	 * when a unit is not a replica of the node itself: a balancer's unit
	 * u is its backend u ("web[3]").  nodes.csv's `unit` column. */
	void (*unit_name)(const struct scenario *sc, const struct sc_node *nd, uint32_t u,
			  char *buf, size_t len);
	const struct col_def *cols;     /* nodes.csv, ended by {NULL} */
	/* sample writes one value per ts_cols entry for the window that just
	 * ended (every `every` engine windows); with ts_units, one such row
	 * per row of nodes.csv (the node's, then each unit's). */
	void (*sample)(struct sim *s, struct sim_node *n, double *out);
	const struct col_def *ts_cols;  /* node_timeseries.csv, ended by {NULL} */
	int ts_units;                   /* sample writes a row per unit too */
	void (*fini)(struct sim *s, struct sim_node *n);
	/* route describes where a request may go after this node, for the
	 * checker's search for loops with no exit: it returns the probability
	 * of edge i and sets *to, or returns -1 past the last edge.  The
	 * remaining probability finishes the request.  NULL: the node always
	 * finishes its requests. */
	double (*route)(const void *cfg, size_t i, uint32_t *to);
	/* calls describes the synchronous calls this node may make, for the
	 * checker's search for call cycles: it returns the probability of
	 * call edge i and sets *to, or -1 past the last.  NULL: none. */
	double (*calls)(const void *cfg, size_t i, uint32_t *to);
	/* capacity fills what the steady-state check needs to know
	 * (steady.h); returns 0, or -1 when the kind cannot say. */
	int (*capacity)(const void *cfg, struct node_capacity *out);
	/* offered (clients): the mean rate, per second, of the requests an
	 * open workload issues in [t0, t1); NaN for a closed loop. */
	double (*offered)(const void *cfg, int64_t t0_ns, int64_t t1_ns);
};

/* model_ts_cells is how many values node n samples per node-series
 * window: its ts_cols, once or (ts_units) per row of nodes.csv. */
static inline size_t model_ts_cells(const struct sc_node *n)
{
	return model_ncols(n->ops->ts_cols) * (n->ops->ts_units ? sc_node_rows(n) : 1);
}

#endif
