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
 * whole node.  While several entries of
 * one kind are active on a replica they combine: slow factors multiply,
 * error rates combine as independent chances (1 - prod(1 - r)), latencies
 * add, and a replica is down while any crash covers it.  `recover` ends
 * the crashes that cover its target (a whole-node crash ends only by a
 * whole-node recover).  `scale` sets the number of replicas that take new
 * requests: while scale entries are active, the one that started last
 * (the later in the file, at equal times) decides; with none active, the
 * configured number holds.
 *
 * `consumer: K` on a crash or a recover names one member of the unit
 * (consumer K of a queue's group, `node: orders[0]`) instead of the whole
 * unit; the kind keeps those crashes (model_ops.members), and a recover
 * ends only the crashes of the member it names.
 *
 * `flush` and `failover` happen at once; `lag` lasts like `slow`.  The
 * kind that supports them is told through its `action` callback.
 * `reshard` is `scale` for a shards node (it is stored as TL_SCALE, with
 * its own label).
 *
 * The engine applies the entries (sim.c); a kind says which actions apply
 * to it (model_ops.faults), and the checker refuses the others.
 */
#ifndef SIM_TIMELINE_H
#define SIM_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/ytree.h"

/* X(name, word in YAML, doc) */
/* Ranges of the entries' values, for the checker and the reference. */
#define TL_FACTOR_MIN 1e-6            /* slow: factor */
#define TL_FACTOR_MAX 1e6
#define TL_MAX_REPLICAS 100000        /* scale: replicas; NAME[K]: K below */

#define TL_ACTIONS(X)                                                        \
	X(TL_CRASH, "crash", "the replica (or every replica) goes down: what "  \
	  "it holds fails, and requests sent to it fail at once")               \
	X(TL_RECOVER, "recover", "ends the crashes that cover the target")     \
	X(TL_SLOW, "slow", "service times are multiplied by `factor`")         \
	X(TL_ERRORS, "errors", "each request fails after its service with "    \
	  "probability `rate`")                                                 \
	X(TL_LATENCY, "latency", "`add` is added before every arrival at the " \
	  "node (whole nodes only)")                                            \
	X(TL_SCALE, "scale", "`replicas` replicas take new requests; removed " \
	  "ones finish what they hold (whole nodes only)")                      \
	X(TL_FLUSH, "flush", "a cache (or one of its nodes) drops every entry " \
	  "at once; queued write-behind writes are still written")              \
	X(TL_LAG, "lag", "a database's replication lag is multiplied by "      \
	  "`factor` (on every replica, or the one named)")                     \
	X(TL_FAILOVER, "failover", "a database's primary fails: writes fail "  \
	  "for `promotion`, then a replica becomes the primary (whole nodes "   \
	  "only)")                                                              \
	X(TL_RESHARD, "reshard", "a shards node spreads its keys over `shards` " \
	  "shards from now on: `scale` under the shards' name (whole nodes only)")

enum tl_action {
#define TL_ENUM(name, word, doc) name,
	TL_ACTIONS(TL_ENUM)
#undef TL_ENUM
	TL_NACTIONS
};

/* Bits of model_ops.faults: the actions a kind supports. */
#define SIM_FAULT(a) (1u << (a))

struct tl_entry {
	int64_t at_ns;
	int64_t for_ns;            /* 0: to the end of the run */
	uint32_t node;             /* component index */
	uint32_t unit;             /* replica, or UINT32_MAX for the node */
	enum tl_action action;
	double value;              /* slow, lag: factor; errors: rate */
	int64_t add_ns;            /* latency: the delay; failover: the
				    * promotion time */
	uint32_t replicas;         /* scale, reshard (stored as scale) */
	uint32_t member;           /* crash, recover: one member of the unit
				    * (a queue group's consumer), or
				    * UINT32_MAX for the whole unit */
	char label[96];            /* "db slow x10", for charts */
};

struct scenario;
struct sc_ctx;

/* tl_action_name returns the YAML word of action a. */
const char *tl_action_name(enum tl_action a);
/* tl_action_doc returns its one-line meaning. */
const char *tl_action_doc(enum tl_action a);

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
 * max_units to the largest `scale` it will see.  0 or SIM_EINVAL /
 * SIM_ENOMEM with a located message in ctx->err. */
int tl_check(struct sc_ctx *ctx, const struct yt_node *n);

#endif
