/*
 * scenario.h - a checked, typed scenario point: what the loader builds
 * (load.h) and the engine runs (sim.h).
 *
 * This header holds types and small accessors only, so that every module
 * of the scenario language (check, param, timeline, callplan, load) and
 * the engine can name them without depending on one another.  A scenario
 * is built by load_point and freed by load_free; a sweep's points are
 * built on demand by sweep.h.
 *
 * Units: durations are int64 nanoseconds, rates per second, as the
 * checker (check.h) converts them from the file.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/dist.h"
#include "sim/err.h"
#include "sim/strmap.h"
#include "sim/ytree.h"

struct model_ops;
struct breaker_cfg;
struct tl_action_def;

/* One node of the topology: a component from `nodes:` or a client built from
 * an entry of `workloads:`. */
/* A node's `cost:`, its prices (load.h's load_cost_table). */
struct sc_cost {
	int given;
	double per_replica_hour;       /* per instance and hour */
	double per_worker_hour;        /* per worker of an instance and hour */
	double per_speed_hour;         /* per unit of an instance's speed and hour */
	double per_million;            /* per million requests arriving */
};

struct sc_node {
	char *name;
	const struct model_ops *ops;
	void *cfg;                     /* owned; built from ops->params by
					* param_new, freed by param_free */
	const struct yt_node *src;     /* where it was declared */
	uint32_t units;                /* replicas as configured (1 if none) */
	uint32_t max_units;            /* the most it will have (timeline) */
	struct sc_cost cost;
	uint16_t *zone;                /* [nzone] where its replicas run (zone.h):
					* replica r in zone[r % nzone]; a
					* workload's, its users'; NULL: none */
	uint32_t nzone;
};

/* sc_node_rows is how many rows node n has in nodes.csv: its own, then
 * one per replica when it can have more than one. */
static inline uint32_t sc_node_rows(const struct sc_node *n)
{
	return n->max_units > 1 ? 1 + n->max_units : 1;
}

/* `precision:`: run-length control (the runner's).  metric < 0: none. */
struct sc_precision {
	int metric;                    /* enum metric (metric.h), or -1 */
	double relative, absolute;     /* the half-width target: relative to
					* the estimate, or absolute (0: unset) */
	uint32_t max_replications;
};

/* One entry of `breakers:`: its name and its config (sim/breaker.h). */
struct sc_breaker {
	char *name;
	struct breaker_cfg *cfg;
	const struct yt_node *src;
};

/* The engine's own timeline actions (timeline.h declares their words and
 * keys); TL_KIND is an action a kind declares and carries out itself
 * (model_ops.actions). */
enum tl_action {
	TL_CRASH, TL_RECOVER, TL_SLOW, TL_ERRORS, TL_LATENCY, TL_SCALE, TL_PARTITION,
	TL_NENGINE,
	TL_KIND = TL_NENGINE
};

/* Bits of model_ops.faults: the engine's actions a kind supports. */
#define SIM_FAULT(a) (1u << (a))

/* One entry of `timeline:`, checked (timeline.h).  An entry of the links
 * between zones (`between:`) names no node: its node is TL_LINKS. */
#define TL_LINKS (UINT32_MAX - 1)
#define TL_ROLL_STEPS 16

struct tl_entry {
	int64_t at_ns;
	int64_t for_ns;            /* 0: to the end of the run */
	uint32_t node;             /* component index */
	uint32_t unit;             /* replica, or UINT32_MAX for the node */
	enum tl_action action;     /* what the engine does; TL_KIND: the
				    * kind's own, def says which */
	const struct tl_action_def *def;   /* the action as declared */
	double value;              /* slow, lag: factor; errors: rate */
	int64_t add_ns;            /* latency: the delay; failover: the
				    * promotion time */
	uint32_t replicas;         /* scale, reshard */
	uint32_t member;           /* crash, recover: one member of the unit
				    * (a queue group's consumer), or
				    * UINT32_MAX for the whole unit */
	uint32_t zone;             /* crash, recover of a zone (`zone:`): the
				    * node's replicas in that zone (zone.h);
				    * 0: as unit says */
	char between[2][72];       /* an entry of the links between two zone
				    * patterns (`between:`, node TL_LINKS):
				    * partition, latency */
	char label[96];            /* "db slow x10", for charts */
	uint32_t more_given;       /* bit i: the action's optional key
				    * more[i] was written (model.h) */
	/* rollout (a service's): its keys as written, `given` the keys
	 * written (TL_ROLL_*: more_given, which the service copies here for
	 * the checks that know no kind), and the counts it resolves them to */
	struct tl_rollout {
		unsigned given;
		double surge, unavail;     /* a count, or a percentage (pct bits) */
		unsigned pct;              /* TL_ROLL_SURGE, TL_ROLL_UNAVAIL */
		uint32_t nsurge, nunavail; /* resolved: max_surge, max_unavailable */
		struct dist startup, service;
		double speed;
		/* canary steps (Argo Rollouts' setWeight and pause): the
		 * new version's share of the replicas, then how long to hold
		 * it; after the last, all */
		uint32_t nsteps;
		uint8_t weight[TL_ROLL_STEPS];
		int64_t pause_ns[TL_ROLL_STEPS];
	} roll;
};

/* tl_rollout.given and .pct bits: the rollout's keys in the order the
 * service declares them (more_given's bits) */
enum {
	TL_ROLL_SURGE = 1, TL_ROLL_UNAVAIL = 2, TL_ROLL_STARTUP = 4, TL_ROLL_SERVICE = 8,
	TL_ROLL_SPEED = 16
};

struct slo;
struct zone_map;

struct scenario {
	char *name;
	uint64_t seed;
	int64_t duration_ns;           /* measured time per replication */
	int64_t warmup_ns;             /* discarded before it */
	int warmup_auto;               /* `warmup: auto`: warmup_ns is set by
					* runner_warmups (MSER-5) before a run */
	int64_t window_ns;             /* time-series window as asked */
	uint32_t replications;         /* with precision: the first batch */
	double load_scale;             /* every open workload's load times this */
	uint32_t rep_offset;           /* added to replication numbers for
					* their streams (pilot runs; 0) */
	struct sc_precision precision;
	struct sc_node *nodes;         /* components first, then clients */
	size_t nnodes;
	size_t ncomponents;            /* nodes[0 .. ncomponents) are components */
	struct yt_node *tree;          /* the effective tree (owned) */
	unsigned long long hash;       /* yt_hash of the effective tree */
	char *dir;                     /* directory of the scenario file, for
					* relative paths inside it */
	struct strmap names;           /* node name -> index in nodes[] */
	struct tl_entry *timeline;     /* [ntimeline], in file order */
	size_t ntimeline;
	uint32_t npolicy_edges;        /* call edges with a timeout or retries */
	struct sc_breaker *breakers;   /* [nbreakers], `breakers:` in order */
	size_t nbreakers;
	struct slo *slo;               /* `slo:` (slo.h), judged on every
					* time-series window; NULL: none */
	struct zone_map *zmap;         /* `zones:` and `links:` (zone.h); NULL:
					* none */
};

/* sc_precision_target is the half-width the precision rule asks of an
 * estimate: relative to it, or absolute. */
static inline double sc_precision_target(const struct sc_precision *pr, double est)
{
	return pr->relative > 0 ? pr->relative * (est < 0 ? -est : est) : pr->absolute;
}

/* sc_max_replications is how many replications a point may run: its
 * `replications`, or with `precision:` its `max_replications`. */
static inline uint32_t sc_max_replications(const struct scenario *sc)
{
	return sc->precision.metric >= 0 ? sc->precision.max_replications : sc->replications;
}

/* scenario_node_index returns the index of the node called name, or -1. */
static inline int scenario_node_index(const struct scenario *sc, const char *name)
{
	uint32_t i;
	return strmap_get(&sc->names, name, &i) ? (int)i : -1;
}

#endif
