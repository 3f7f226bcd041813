/*
 * model.h - what a component kind is: a table of callbacks.
 *
 * Each kind (service, client, and the balancers, caches, databases that
 * follow) lives in one models/<kind>.c that exports one const struct
 * model_ops, and is listed once in models/registry.c.  The engine knows
 * nothing else about it.
 *
 * A kind declares the keys it accepts as a parameter table (sim/param.h):
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
 *   done        a request whose reply_to is this node has finished;
 *   event       a timer the node scheduled for itself fires;
 *   warmup_end  warm-up is over: zero the statistics, keep the state;
 *   finish      the replication is over: write totals to a node_result;
 *   fini        free run state.
 * Callbacks a kind does not need may be NULL, except init and fini; params
 * is required.  arrive is required of every kind that `nodes:` may name.
 */
#ifndef MODELS_MODEL_H
#define MODELS_MODEL_H

#include <stdio.h>

#include "sim/param.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct model_ops {
	const char *kind;         /* the YAML `type:` */
	const char *summary;      /* one line, for `archsim help` */
	/* the keys of the node's mapping (besides `type`), and the config
	 * struct they fill; the config is what n->sc->cfg points at */
	const struct param_table *params;
	/* init: 0 or SIM_ENOMEM. */
	int (*init)(struct sim *s, struct sim_node *n);
	void (*arrive)(struct sim *s, struct sim_node *n, struct request *req);
	void (*done)(struct sim *s, struct sim_node *n, struct request *req);
	void (*event)(struct sim *s, struct sim_node *n, struct event *ev);
	void (*warmup_end)(struct sim *s, struct sim_node *n);
	void (*finish)(struct sim *s, struct sim_node *n, struct node_result *out);
	void (*fini)(struct sim *s, struct sim_node *n);
	/* route describes where a request may go after this node, for the
	 * checker's search for loops with no exit: it returns the probability
	 * of edge i and sets *to, or returns -1 past the last edge.  The
	 * remaining probability finishes the request.  NULL: the node always
	 * finishes its requests. */
	double (*route)(const void *cfg, size_t i, uint32_t *to);
};

/* The component kinds that `nodes:` may name, NULL-terminated. */
extern const struct model_ops *const model_registry[];

/* The client kind, built from `workloads:` entries. */
extern const struct model_ops client_ops;

/* model_find returns the kind called name, or NULL. */
const struct model_ops *model_find(const char *name);

/* model_kind_names writes "a, b, c" into buf, for messages. */
void model_kind_names(char *buf, size_t len);

/* ---- reference documentation (`archsim help`, docs/reference.md) ---- */

/* model_doc_name returns the name a kind is documented under: its `type:`,
 * or "workload" for the client kind. */
const char *model_doc_name(const struct model_ops *ops);

/* model_doc_find returns the kind documented under name, or NULL. */
const struct model_ops *model_doc_find(const char *name);

/* model_doc_names fills names (len slots) with every documented name and
 * a NULL after the last, for suggestions. */
void model_doc_names(const char **names, size_t len);

/* model_doc prints one kind's reference: a heading with its summary and
 * where it goes in a scenario, then its parameter table (param_doc). */
void model_doc(FILE *f, const struct model_ops *ops, enum param_format fmt);

/* model_doc_list prints each kind with its summary, in plain text. */
void model_doc_list(FILE *f);

/* model_reference prints the reference of every kind in Markdown: the
 * text of docs/reference.md. */
void model_reference(FILE *f);

#endif
