/*
 * scenario.h - a checked, typed scenario, and the helpers that check one.
 *
 * Loading is in three steps, and nothing runs until all three pass:
 *
 *   1. the YAML file is read into a located tree (ytree.h);
 *   2. `--set PATH=VALUE` overrides edit that tree, and a `sweep:` section
 *      multiplies it into one tree per sweep point;
 *   3. each point's tree is checked into a struct scenario: every key known,
 *      every value of the right type and range, every reference to a node
 *      resolved.  The first problem found is reported as
 *      "FILE:LINE:COL: path.to.key: what is wrong (what is allowed)".
 *      Only point 0 is kept; scenario_point builds the others again when
 *      they run, so a sweep's memory does not grow with its points.
 *
 * Component kinds declare their keys in a parameter table (sim/param.h,
 * named by their model_ops), which is checked with the sc_* helpers below,
 * so every kind reports errors the same way.
 *
 * Units: durations are written with ns, us, ms, s, m or h and stored as
 * int64 nanoseconds; rates with /s, /m or /h and stored per second.  A bare
 * number is refused for both, because a missing unit is the most common
 * silent mistake in such files.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/dist.h"
#include "sim/err.h"
#include "sim/strmap.h"
#include "sim/timeline.h"
#include "sim/ytree.h"

struct model_ops;

/* One node of the topology: a component from `nodes:` or a client built from
 * an entry of `workloads:`. */
struct sc_node {
	char *name;
	const struct model_ops *ops;
	void *cfg;                     /* owned; built from ops->params by
					* param_new, freed by param_free */
	const struct yt_node *src;     /* where it was declared */
	uint32_t units;                /* replicas as configured (1 if none) */
	uint32_t max_units;            /* the most it will have (timeline) */
};

/* sc_node_rows is how many rows node n has in nodes.csv: its own, then
 * one per replica when it can have more than one. */
static inline uint32_t sc_node_rows(const struct sc_node *n)
{
	return n->max_units > 1 ? 1 + n->max_units : 1;
}

/* `precision:`: run-length control (runner.h).  metric < 0: none. */
struct sc_precision {
	int metric;                    /* enum report_metric, or -1 */
	double relative, absolute;     /* the half-width target: relative to
					* the estimate, or absolute (0: unset) */
	uint32_t max_replications;
};

struct scenario {
	char *name;
	uint64_t seed;
	int64_t duration_ns;           /* measured time per replication */
	int64_t warmup_ns;             /* discarded before it */
	int warmup_auto;               /* `warmup: auto`: warmup_ns is set by
					* runner_warmups (MSER-5) before a run */
	int64_t window_ns;             /* time-series window as asked */
	uint32_t replications;         /* with precision: the first batch */
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

/* One entry of `breakers:`: its name and its config (sim/breaker.h). */
struct breaker_cfg;
struct sc_breaker {
	char *name;
	struct breaker_cfg *cfg;
	const struct yt_node *src;
};

/* A scenario with its sweep expanded.
 *
 * Every point is checked when the set is loaded, so that a bad value
 * anywhere in a sweep stops the run before it starts; but only point 0 is
 * kept.  The others are rebuilt from the base tree when scenario_point asks
 * for one, and the set holds the last SC_HELD so built.  A point's
 * scenario takes about 5 KiB and a sweep may have 100,000 points: held all
 * at once they would take half a gigabyte, where the arrays below take 41
 * bytes a point.
 *
 * A view (scenario_view) is a set of some points of another, each changed
 * by a function when it is built: the pilot runs of `warmup: auto`. */
#define SC_HELD 4

struct scenario_set {
	struct scenario **points;      /* [npoints]: points[0] always; another
					* only while held (use scenario_point) */
	size_t npoints;
	uint64_t *item_base;           /* [npoints + 1]: the first work item of
					* each point (runner.h), then the total */
	int64_t *warmup_ns;            /* [npoints]: each point's warm-up, those
					* with `warmup: auto` 0 until
					* scenario_set_warmup gives their cut */
	unsigned char *warmup_auto;    /* [npoints] */
	uint64_t *seed;                /* [npoints]: each point's seed */
	unsigned long long *hash;      /* [npoints]: and its tree's hash */
	size_t nparams;                /* sweep parameters (0 without sweep) */
	char **param_paths;            /* [nparams] */
	size_t *param_nvalues;         /* [nparams] values of each */
	size_t compare;                /* the parameter compare.csv pairs the
					* values of (`compare:`, default the
					* first) */
	char *file;
	/* how points are built */
	struct yt_node *tree;          /* the tree after overrides (owned) */
	const struct yt_node *sweep;   /* its `sweep:` mapping, or NULL */
	struct yt_node *base;          /* with a sweep, the tree without it
					* (owned): what each point starts from */
	const struct scenario_set *of; /* a view: the set its points come
					* from, map[p] the point of it */
	size_t *map;
	void (*adjust)(struct scenario *sc, void *arg);
	void *adjust_arg;
	size_t held[SC_HELD];          /* points built on demand, oldest first */
	size_t nheld;
};

/* scenario_point returns point p of set, building it when it is not held
 * (a cache: the set's meaning does not change, hence the const).  The
 * pointer stays valid while fewer than SC_HELD other points are asked
 * for.  NULL, with the reason in err (may be NULL), only when memory ran
 * out or a file the point reads went away since the set was loaded. */
struct scenario *scenario_point(const struct scenario_set *set, size_t p,
				struct sim_err *err);

/* scenario_param_value is the text of sweep parameter i at point p, as
 * written ("{...}" or "[...]" for a mapping or a list). */
const char *scenario_param_value(const struct scenario_set *set, size_t p, size_t i);

/* scenario_set_warmup gives point p its warm-up, in the set and in the
 * point if it is held (runner_warmups; a run's shards and ranks). */
void scenario_set_warmup(struct scenario_set *set, size_t p, int64_t ns);

/* scenario_view makes a set of n points of `set`: its point i is set's
 * point of[i], changed by adjust(point, arg) when built.  `set` must
 * outlive the view.  0, or SIM_ENOMEM / what building a point gave, with
 * err set. */
int scenario_view(const struct scenario_set *set, const size_t *of, size_t n,
		  void (*adjust)(struct scenario *sc, void *arg), void *arg,
		  struct scenario_set **out, struct sim_err *err);

/* One --set override, as given on the command line. */
struct sc_override {
	const char *path;
	const char *value;
};

/* scenario_load reads, overrides, expands and checks a scenario file.
 * Returns 0 and a set owned by the caller (scenario_set_free), or
 * SIM_EINVAL / SIM_EIO / SIM_ENOMEM with the first problem in err. */
int scenario_load(const char *path, const struct sc_override *sets,
		  size_t nsets, struct scenario_set **out, struct sim_err *err);

/* scenario_load_string is scenario_load on text in memory (tests);
 * `name` stands for the file in messages. */
int scenario_load_string(const char *name, const char *text,
			 const struct sc_override *sets, size_t nsets,
			 struct scenario_set **out, struct sim_err *err);

void scenario_set_free(struct scenario_set *set);

/* scenario_node_index returns the index of the node called name, or -1. */
int scenario_node_index(const struct scenario *sc, const char *name);

/* ---- checking helpers for component kinds ----------------------------
 *
 * Each takes the node to check and `what`, the dotted path used in the
 * message; each returns 0, or SIM_EINVAL with a located message in
 * ctx->err. */

struct sc_ctx {
	struct scenario *sc;
	struct sim_err *err;
};

/* sc_breaker_ref resolves the breaker name at n (`breaker:` of a call
 * edge) to its index in sc->breakers: 0, or SIM_EINVAL located. */
int sc_breaker_ref(struct sc_ctx *c, const struct yt_node *n, const char *what,
		   uint32_t *out);

/* sc_fail reports a problem at node n. */
int sc_fail(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* sc_keys checks that map is a mapping whose keys are all in the
 * NULL-terminated list `allowed` (suggesting the closest when one is near),
 * and that every key in the NULL-terminated `required` is present. */
int sc_keys(struct sc_ctx *ctx, const struct yt_node *map, const char *what,
	    const char *const *allowed, const char *const *required);

int sc_string(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	      const char **out);
int sc_uint(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    uint64_t min, uint64_t max, uint64_t *out);
int sc_double(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	      double min, double max, double *out);
/* sc_bool: true, yes or on -> 1; false, no or off -> 0. */
int sc_bool(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    int *out);
/* sc_duration: a number with a unit; min_ns is the least allowed. */
int sc_duration(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
		int64_t min_ns, int64_t *out_ns);
/* sc_rate: a positive number with /s, /m or /h; stored per second. */
int sc_rate(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    double *per_s);
/* sc_rate_or_zero: the same, but 0 (0/s, 0/m, 0/h or a bare 0) is allowed. */
int sc_rate_or_zero(struct sc_ctx *ctx, const struct yt_node *n,
		    const char *what, double *per_s);
/* sc_dist: {dist: KIND, ...parameters} -> a constructed distribution. */
int sc_dist(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    struct dist *out);
/* sc_node_ref: the name of a component in `nodes:` -> its index. */
int sc_node_ref(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
		uint32_t *out);

/* sc_path is the file named in the scenario, resolved against the
 * scenario file's directory (malloc'd; NULL when memory ran out). */
char *sc_path(const struct sc_ctx *ctx, const char *file);

/* sc_closest returns the entry of the NULL-terminated list nearest to s in
 * edit distance, or NULL when none is near enough to be a likely typo. */
const char *sc_closest(const char *s, const char *const *list);

/* sc_unknown reports that `value` at n is not one of the NULL-terminated
 * `allowed` names: "unknown KIND 'value'; did you mean 'x'?" when one is
 * close, else "unknown KIND 'value' (allowed: a, b, c)". */
int sc_unknown(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	       const char *kind, const char *value, const char *const *allowed);

/* sc_parse_duration / sc_parse_rate parse text alone (no location):
 * 0 or -1.  Exposed for tests and for the command line. */
int sc_parse_duration(const char *s, int64_t *out_ns);
int sc_parse_rate(const char *s, double *per_s);

#endif
