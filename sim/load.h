/*
 * load.h - one scenario point's tree checked into a struct scenario.
 *
 * The program hands the loader the language it accepts, as Lua's host
 * opens the libraries it wants: the component kinds that `nodes:` may
 * name, the kind of `workloads:` entries, and the program's own
 * top-level sections (the capacity search's `capacity:`), which are
 * checked with the rest and set aside.  Nothing in the loader names a
 * kind or a section of the program.
 *
 * A point is checked top-down and the first problem found is reported
 * as "FILE:LINE:COL: path.to.key: what is wrong (what is allowed)":
 *
 *   1. the top-level keys, by load_scenario_table (name, seed, duration,
 *      warmup, replications, precision, window ...);
 *   2. the program's sections;
 *   3. `breakers:`, before the call edges that name them;
 *   4. the names of every node and workload, so that a reference may
 *      point forward in the file; then each node against its kind's
 *      parameter table, then each workload;
 *   5. `timeline:` (timeline.h), which may raise a node's replicas;
 *   6. each kind's link callback (what a node says of other nodes);
 *   7. the topology as a whole (topo.h).
 *
 * `sweep:` and `compare:` are read by sweep.h, which builds each point's
 * tree before it is checked here.
 */
#ifndef SIM_LOAD_H
#define SIM_LOAD_H

#include "sim/err.h"
#include "sim/model.h"
#include "sim/param.h"
#include "sim/scenario.h"
#include "sim/ytree.h"

struct load_lang {
	const struct model_ops *const *kinds;   /* `type:` of nodes:, NULL-ended */
	const struct model_ops *workload;       /* the kind of workloads: */
	/* the program's own top-level keys, each a PARAM_MAP whose table
	 * checks it (and frees what it made); ended by {NULL}; may be NULL */
	const struct param *sections;
};

/* The keys of a scenario's top level and of `precision:`, for the
 * reference (the sections of a lang are its own). */
extern const struct param_table load_scenario_table;
extern const struct param_table load_precision_table;
/* a node's `cost:` (struct sc_cost) */
extern const struct param_table load_cost_table;

#define LOAD_MAX_NODES 1000000
#define LOAD_MAX_REPLICATIONS 100000

/* load_top_table makes in *t the top-level table lang loads with, its
 * rows in params (room for PARAM_MAX_KEYS + 1): the scenario's keys, then
 * the program's sections (each checked, after the scalar keys, by its own
 * table). */
void load_top_table(const struct load_lang *lang, struct param *params,
		    struct param_table *t);

/* load_point checks tree, the text of `file` (for relative paths and
 * the default name), into a scenario.  It takes the tree: the scenario
 * owns it, or it is freed on failure.  0, or SIM_EINVAL / SIM_ENOMEM /
 * SIM_EIO with the first problem in err. */
int load_point(const struct load_lang *lang, struct yt_node *tree, const char *file,
	       struct scenario **out, struct sim_err *err);

/* load_free frees a scenario load_point made; NULL is fine. */
void load_free(struct scenario *sc);

/* load_kind returns the kind of lang called name, or NULL. */
const struct model_ops *load_kind(const struct load_lang *lang, const char *name);

#endif
