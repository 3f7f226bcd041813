/*
 * timeline.h - faults and changes at given times: the scenario's
 * `timeline:`.
 *
 *   timeline:
 *     - {at: 5m, node: db, do: slow, factor: 10, for: 30s}
 *     - {at: 8m, node: web, replica: 2, do: crash, for: 1m}
 *     - {at: 9m, node: payments, do: errors, rate: 0.3, for: 20s}
 *     - {at: 10m, node: web, do: latency, add: 100ms, for: 10s}
 *     - {at: 12m, node: web, do: scale, replicas: 6}
 *
 * Each entry starts at `at` (from the start of the run, warm-up included)
 * and ends after `for`, or lasts to the end without it.  `replica: 2`
 * names one replica of the node, and so does `node: web[2]` in YAML's
 * block style (in flow style, {...}, brackets are syntax: write
 * "web[2]" in quotes, or use `replica`); `node: web` alone names the
 * whole node.  While several entries of one kind are active on a replica
 * they combine: slow factors multiply, error rates combine as
 * independent chances (1 - prod(1 - r)), latencies add, and a replica is
 * down while any crash covers it.  `recover` ends the crashes that cover
 * its target (a whole-node crash ends only by a whole-node recover).
 * `scale` sets the number of replicas that take new requests: while
 * scale entries are active, the one that started last (the later in the
 * file, at equal times) decides; with none active, the configured number
 * holds.
 *
 * `consumer: K` on a crash or a recover names one member of the unit
 * (consumer K of a queue's group, `node: orders[0]`) instead of the whole
 * unit; the kind keeps those crashes (model_ops.members), and a recover
 * ends only the crashes of the member it names.
 *
 * The actions are declared as data (struct tl_action_def, model.h): the
 * engine's own below, and each kind's in its model_ops.actions (a cache's
 * `flush`, a database's `lag` and `failover`, shards' `reshard`, which is
 * the engine's `scale` under another word).  A kind says which of the
 * engine's actions apply to it (model_ops.faults); the checker refuses
 * the others.  The engine applies the entries (run.c) and hands a kind's
 * own to its action callback.
 */
#ifndef SIM_TIMELINE_H
#define SIM_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/check.h"
#include "sim/model.h"
#include "sim/param.h"
#include "sim/scenario.h"

/* Ranges of the entries' values, for the checker and the reference. */
#define TL_FACTOR_MIN 1e-6            /* slow, lag: factor */
#define TL_FACTOR_MAX 1e6
#define TL_MAX_REPLICAS 100000        /* scale: replicas; NAME[K]: K below */
#define TL_MAX_ENTRIES 100000

/* The engine's actions, in enum tl_action order, ended by {NULL}. */
extern const struct tl_action_def tl_engine_actions[];

/* The keys every entry may have (at, node, replica, consumer, do, for),
 * for the reference; each action adds its own value key. */
extern const struct param_table tl_entry_table;

/* A value key and a label that kinds' actions share: `factor` (a
 * multiplier of TL_FACTOR_MIN to TL_FACTOR_MAX, in tl_entry.value), and
 * the chart label "TARGET NAME xFACTOR". */
extern const struct param tl_factor_key;
void tl_label_factor(char *buf, size_t len, const char *target, const struct tl_entry *t,
		     const char *text);

/* tl_action_word is the word the timeline.csv `do` column gives entry
 * t: its engine action's for the engine's actions and those that stand
 * for them (reshard is scale), else the kind's own. */
const char *tl_action_word(const struct tl_entry *t);

/* tl_scale_winner returns which of the scale entries of node `node`,
 * among those active[i] marks, decides its replicas (the latest to start),
 * or -1 when none is active. */
long tl_scale_winner(const struct scenario *sc, uint32_t node,
		     const unsigned char *active);

/* tl_mean_units returns the time-average, over [t0, t1), of the replicas
 * of node `node` that take new requests, by the rule above; `configured`
 * when the timeline never scales it. */
double tl_mean_units(const struct scenario *sc, uint32_t node,
		     uint32_t configured, int64_t t0, int64_t t1);

/* tl_check checks the `timeline:` list at n (NULL: none) against the
 * scenario's configured nodes, fills sc->timeline, and raises each node's
 * max_units to the largest `scale` it will see.  `do:` may say the
 * engine's actions and those of the NULL-terminated `kinds` (the
 * program's).  0 or SIM_EINVAL / SIM_ENOMEM with a located message in
 * ctx->err. */
int tl_check(struct check_ctx *ctx, const struct yt_node *n,
	     const struct model_ops *const *kinds);

#endif
