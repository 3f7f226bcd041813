/*
 * sweep.h - a scenario file as loaded: its overrides applied and its
 * sweep expanded into points, each built when it is needed.
 *
 * Loading is in three steps, and nothing runs until all three pass:
 *
 *   1. the YAML file is read into a located tree (ytree.h);
 *   2. `--set PATH=VALUE` overrides edit that tree, and a `sweep:` section
 *      multiplies it into one tree per sweep point (the last path varies
 *      fastest);
 *   3. each point's tree is checked into a struct scenario (load.h).
 *
 * Every point is checked when the sweep is loaded, so that a bad value
 * anywhere in it stops the run before it starts; but only point 0 is
 * kept.  The others are rebuilt from the base tree when sweep_point asks
 * for one, and the sweep holds the last SWEEP_HELD so built.  A point's
 * scenario takes about 5 KiB and a sweep may have 100,000 points: held all
 * at once they would take half a gigabyte, where the arrays below take 41
 * bytes a point.  A scenario without `sweep:` is a sweep of one point.
 *
 * A view (sweep_view) is a sweep of some points of another, each changed
 * by a function when it is built: the pilot runs of `warmup: auto`.
 */
#ifndef SIM_SWEEP_H
#define SIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/load.h"
#include "sim/scenario.h"
#include "sim/ytree.h"

#define SWEEP_HELD 4
#define SWEEP_MAX_POINTS 100000

struct sweep {
	struct scenario **points;      /* [npoints]: points[0] always; another
					* only while held (use sweep_point) */
	size_t npoints;
	uint64_t *item_base;           /* [npoints + 1]: the first work item of
					* each point (runner.h), then the total */
	int64_t *warmup_ns;            /* [npoints]: each point's warm-up, those
					* with `warmup: auto` 0 until
					* sweep_set_warmup gives their cut */
	unsigned char *warmup_auto;    /* [npoints] */
	uint64_t *seed;                /* [npoints]: each point's seed */
	unsigned long long *hash;      /* [npoints]: and its tree's hash */
	unsigned char *precise;        /* [npoints]: it has a precision target
					* (`precision:`, after any adjust) */
	size_t nparams;                /* sweep parameters (0 without sweep) */
	char **param_paths;            /* [nparams] */
	size_t *param_nvalues;         /* [nparams] values of each */
	int *param_unit;               /* [nparams] each one's unit
					* (sweep_param_unit) */
	size_t compare;                /* the parameter compare.csv pairs the
					* values of (`compare:`, default the
					* first) */
	char *file;
	const struct load_lang *lang;  /* what the points are checked with */
	/* how points are built */
	struct yt_node *tree;          /* the tree after overrides (owned) */
	const struct yt_node *sweep;   /* its `sweep:` mapping, or NULL */
	struct yt_node *base;          /* with a sweep, the tree without it
					* (owned): what each point starts from */
	const struct sweep *of;        /* a view: the sweep its points come
					* from, map[p] the point of it */
	size_t *map;
	void (*adjust)(struct scenario *sc, void *arg);
	void *adjust_arg;
	size_t held[SWEEP_HELD];       /* points built on demand, oldest first */
	size_t nheld;
};

/* One --set override, as given on the command line. */
struct sc_override {
	const char *path;
	const char *value;
};

/* What a scenario was loaded from: its file name (as given), its text,
 * and the overrides; kept by the program with results that must be
 * rebuilt elsewhere (shard files, MPI ranks, capacity probes). */
struct sweep_source {
	const char *file;
	const char *text;
	const struct sc_override *sets;
	size_t nsets;
};

/* sweep_load reads, overrides, expands and checks a scenario file with
 * lang.  Returns 0 and a sweep owned by the caller (sweep_free), or
 * SIM_EINVAL / SIM_EIO / SIM_ENOMEM with the first problem in err. */
int sweep_load(const struct load_lang *lang, const char *path, const struct sc_override *sets,
	       size_t nsets, struct sweep **out, struct sim_err *err);

/* sweep_load_string is sweep_load on text in memory; `name` stands for
 * the file in messages. */
int sweep_load_string(const struct load_lang *lang, const char *name, const char *text,
		      const struct sc_override *sets, size_t nsets, struct sweep **out,
		      struct sim_err *err);

/* sweep_load_source is sweep_load_string on src. */
int sweep_load_source(const struct load_lang *lang, const struct sweep_source *src,
		      struct sweep **out, struct sim_err *err);

/* sweep_free frees sw, every point it holds and its trees; NULL is
 * fine.  A view must be freed before the sweep it views. */
void sweep_free(struct sweep *sw);

/* sweep_point returns point p of sw, building it when it is not held
 * (a cache: the sweep's meaning does not change, hence the const).  The
 * pointer stays valid while fewer than SWEEP_HELD other points are asked
 * for.  NULL, with the reason in err (may be NULL), only when memory ran
 * out or a file the point reads went away since the sweep was loaded. */
struct scenario *sweep_point(const struct sweep *sw, size_t p, struct sim_err *err);

/* sweep_param_value is the text of sweep parameter i at point p, as
 * written ("{...}" or "[...]" for a mapping or a list). */
const char *sweep_param_value(const struct sweep *sw, size_t p, size_t i);

/* How a swept parameter's values are written as numbers in the output
 * files: every value a duration (in seconds, the column named PATH_s),
 * every value a rate (per second, PATH_per_s), every value a plain
 * number (PATH), or anything else (text as written, PATH).  A plain 0
 * counts as a duration or a rate of 0 among others of that kind. */
enum { SWEEP_TEXT, SWEEP_NUMBER, SWEEP_SECONDS, SWEEP_PER_S };

/* sweep_param_unit is parameter i's unit, as above. */
int sweep_param_unit(const struct sweep *sw, size_t i);

/* sweep_param_column writes parameter i's column name (its path, and
 * "_s" or "_per_s" by its unit) into buf. */
void sweep_param_column(const struct sweep *sw, size_t i, char *buf, size_t len);

/* sweep_param_number is parameter i's value at point p in its unit
 * (seconds, per second, or as written), NaN when it is text. */
double sweep_param_number(const struct sweep *sw, size_t p, size_t i);

/* sweep_point_label writes point p's name: its swept values as written,
 * joined by ", " ("p2c, 800/s"), a mapping or a list as its path's last
 * word and its place in the sweep's list ("service #2"); "all" without
 * a sweep.  Points' names differ as their values do. */
void sweep_point_label(const struct sweep *sw, size_t p, char *buf, size_t len);

/* sweep_param_words writes the swept paths' last words, joined by ", "
 * ("policy, rate"): what a point's label lists; "" without a sweep. */
void sweep_param_words(const struct sweep *sw, char *buf, size_t len);

/* sweep_set_warmup gives point p its warm-up, in the sweep and in the
 * point if it is held (runner_warmups; a run's shards and ranks). */
void sweep_set_warmup(struct sweep *sw, size_t p, int64_t ns);

/* sweep_view makes a sweep of n points of `sw`: its point i is sw's
 * point of[i], changed by adjust(point, arg) when built.  `sw` must
 * outlive the view.  0, or SIM_ENOMEM / what building a point gave, with
 * err set. */
int sweep_view(const struct sweep *sw, const size_t *of, size_t n,
	       void (*adjust)(struct scenario *sc, void *arg), void *arg,
	       struct sweep **out, struct sim_err *err);

#endif
