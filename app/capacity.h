/*
 * capacity.h - SLO search: the smallest (or largest) value of one
 * parameter that meets a service-level objective.
 *
 *   archsim capacity FILE --slo 'latency_p99_s<50ms and reject_ratio<0.001'
 *                         --vary nodes.web.replicas --min 1 --max 64
 *
 * or the same as a `capacity:` block in the scenario.  An SLO is one or
 * more terms joined by `and`, each a summary.csv metric (report.h), `<`
 * or `>`, and a limit in the metric's unit (50ms, 0.001, 900/s).  The
 * parameter is any path --set accepts; it is an integer (replicas,
 * workers) when its bounds are plain integers, else continuous (an
 * arrival rate, `--min 100/s --max 2000/s`), found to a relative
 * `tolerance`.
 *
 * Each probe runs the scenario with the parameter set, its `replications`
 * first, and decides each term from the metric's 95 % interval: met when
 * the whole interval is on the right side of the limit, missed when the
 * whole of it is on the wrong side.  While some term is undecided the
 * replications double, up to `max_replications`; a probe still undecided
 * then is judged by its point estimates and marked `decided=false`.  The
 * metric is taken to be monotone in the parameter: the search probes both
 * bounds (or, without --max, doubles from --min until the verdict
 * changes), which also tells which way the parameter helps, then bisects.
 * Its answer is the smallest value that meets the SLO when more of the
 * parameter helps (replicas), the largest when it hurts (a load); `goal`
 * fixes which when both bounds agree.
 *
 * Every probe's evidence goes to capacity-PATH.csv, named by the path
 * varied (written whole, or not at
 * all), and the chart capacity.png (plots/capacity.gp) shows the first
 * term's metric against the parameter with its intervals and the limit.
 */
#ifndef APP_CAPACITY_H
#define APP_CAPACITY_H

#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "app/csv.h"
#include "app/runner.h"
#include "sim/param.h"
#include "sim/slo.h"
#include "sim/sweep.h"

#define CAP_MAX_TERMS SLO_MAX_TERMS
#define CAP_BOUND_MAX 64
#define CAP_MAX_DIMS 4           /* parameters a plan varies (plan.h) */
#define CAP_PLAN_MAX_VALUE 1000000  /* a plan's bound */
#define CAP_PLAN_MAX_COMBOS 100000  /* combinations of all paths but the last */


enum cap_goal { CAP_AUTO, CAP_SMALLEST, CAP_LARGEST };

/* The names of the goals, in enum order, NULL-terminated. */
extern const char *const cap_goal_names[];

/* The ranges of `tolerance` and `max_replications`, for the block and the
 * command line alike. */
#define CAP_TOLERANCE_MIN 1e-6
#define CAP_TOLERANCE_MAX 0.5
#define CAP_REPS_MIN 2
#define CAP_REPS_MAX 100000

/* What a search takes when neither the block nor the command line says:
 * the least value, the tolerance, the replications a probe may reach. */
#define CAP_DEFAULT_MIN 1
#define CAP_DEFAULT_TOLERANCE 0.01
#define CAP_DEFAULT_REPS 80
#define CAP_DEFAULT_AVAILABILITY 0.001
#define CAP_STR_(x) #x
#define CAP_STR(x) CAP_STR_(x)

/* cap_goal_find is the goal named `name`, or -1. */
int cap_goal_find(const char *name);

struct cap_spec {
	struct slo_term terms[CAP_MAX_TERMS];
	size_t nterms;
	char slo[512];               /* as written */
	char path[256];              /* the parameter varied */
	char min_text[CAP_BOUND_MAX], max_text[CAP_BOUND_MAX];  /* the block's
				      * bounds as written (its min and max) */
	double min, max;
	int has_max;                 /* 0: double from min until it flips */
	int integer;                 /* values are integers */
	char unit[8];                /* continuous values: their suffix */
	double tolerance;            /* continuous: relative width to stop */
	enum cap_goal goal;
	uint32_t max_replications;
	char file[300];              /* the evidence's file name ("":
				      * capacity-PATH.csv) */
	double availability;         /* the ratio each of reject_ratio and
				      * error_ratio must stay below when the
				      * SLO names neither; 0: not given (the
				      * default), < 0: off */
	/* several parameters (`vary: [A, B]`, min and max lists): the
	 * cheapest plan's search (plan.h) in place of this one; ndims 0: one
	 * parameter, `path` */
	size_t ndims;
	char dpath[CAP_MAX_DIMS][256];
	long dmin[CAP_MAX_DIMS], dmax[CAP_MAX_DIMS];
	int minimize;                /* 1 + the metric a plan minimises; 0: none */
};

/* cap_parse_slo reads an SLO into spec->terms.  0, or -1 with the reason
 * in why[len]. */
int cap_parse_slo(const char *text, struct cap_spec *spec, char *why, size_t len);

/* cap_parse_availability reads `availability`: a ratio in (0, 1), or
 * `off`, into spec.  0, or -1 with why. */
int cap_parse_availability(const char *text, struct cap_spec *spec, char *why, size_t len);

/* cap_add_availability adds the terms reject_ratio<A and error_ratio<A to
 * an SLO that names neither (latency percentiles count served requests
 * only, so a search on latency alone can answer with most requests
 * turned away), unless availability is off.  Returns 1 when it added
 * them, with the SLO as now searched in spec->slo; 0 when it needed none
 * (off, or the SLO names a ratio); -1 when it needed them but the SLO has
 * no room left (CAP_MAX_TERMS). */
int cap_add_availability(struct cap_spec *spec);

/* cap_parse_bound reads a bound of the parameter ("4", "100/s", "0.5",
 * "20ms") into *v and its suffix into unit[8] (durations become seconds,
 * suffix "s"; rates per second, "/s"); *integer says whether it is a
 * plain integer.  0 or -1. */
int cap_parse_bound(const char *text, double *v, char *unit, int *integer);

/* cap_spec_finish checks min, max and the units together and fills
 * integer and unit.  0, or -1 with why. */
int cap_spec_finish(struct cap_spec *spec, const char *min, const char *max,
		    char *why, size_t len);

/* The keys of a `capacity:` block, filling a cap_spec (param_fill; the
 * command line may still change it), and the block as the program's
 * section of a scenario (load.h). */
extern const struct param_table cap_table;
#define CAP_SECTION                                                           \
	{ .name = "capacity", .type = PARAM_MAP, .sub = &cap_table,           \
	  .size = sizeof(struct cap_spec),                                    \
	  .shape = "{slo: 'latency_p99_s<50ms', vary: nodes.web.replicas, min: 1, max: 64}", \
	  .def_doc = "none", .doc = "what `archsim capacity` searches: see `capacity`" }

/* One probe of the search. */
struct cap_probe {
	double value;
	uint32_t replications;
	int meets;                   /* the verdict */
	int decided;                 /* by the intervals (else by estimates) */
	double est[CAP_MAX_TERMS], lo[CAP_MAX_TERMS], hi[CAP_MAX_TERMS];
	char bottleneck[64];         /* the busiest node there ("" none) */
	double bottleneck_util;      /* its utilization (NaN: none) */
	double mest, mlo, mhi;       /* the metric minimised (spec->minimize),
				      * estimate and interval; NaN: none */
};

struct cap_result {
	int found;                   /* a value in range meets the SLO */
	double answer;
	enum cap_goal goal;          /* as used */
	int both;                    /* the SLO held at both bounds */
	struct cap_probe *probes;    /* in the order run */
	size_t nprobes;
};

/* cap_search runs the search on the scenario of src (its text, file name
 * and overrides; no sweep, no precision), loaded with lang, in `jobs` processes, writes
 * DIR/capacity-PATH.csv, and says each probe on `log` (NULL: nothing).  0,
 * SIM_EINVAL (the parameter or the scenario does not fit, err located
 * where it can be), SIM_EINTR (nothing written), SIM_EIO, SIM_ENOMEM,
 * SIM_ESTUCK.  Free res with cap_result_free. */
int cap_search(const struct load_lang *lang, const struct cap_spec *spec,
	       const struct sweep_source *src, unsigned jobs, volatile sig_atomic_t *stop,
	       const char *dir, FILE *log, struct cap_result *res, struct sim_err *err);

/* cap_probe_run runs one probe of spec at value v of spec->path on the
 * scenario of src: its `first` replications, doubled while a term is
 * undecided, up to max_replications; *pr gets the verdict and the
 * evidence.  Returns as cap_search. */
int cap_probe_run(const struct load_lang *lang, const struct cap_spec *spec,
		  const struct sweep_source *src, double v, uint32_t first, unsigned jobs,
		  volatile sig_atomic_t *stop, struct cap_probe *pr, struct sim_err *err);

/* cap_first_replications is what a probe of src's scenario starts with:
 * its own replications, at least 2, at most spec's max_replications;
 * 0 after refusing (in err) a scenario a search cannot vary. */
uint32_t cap_first_replications(const struct load_lang *lang, const struct cap_spec *spec,
				const struct sweep_source *src, struct sim_err *err);

/* cap_headroom searches, at value `answer` of spec's parameter, the
 * largest load_scale from base (the scenario's own) to CAP_HEADROOM_MAX
 * times it (to CAP_HEADROOM_TOL of the range) at which the SLO still
 * holds, writing its probes to DIR/headroom-PATH.csv: how much more
 * open-loop load the answer takes, the found value over base.  Returns as
 * cap_search; res holds that search, in load_scale's own values. */
int cap_headroom(const struct load_lang *lang, const struct cap_spec *spec, double answer,
		 double base, const struct sweep_source *src, unsigned jobs,
		 volatile sig_atomic_t *stop, const char *dir, FILE *log, struct cap_result *res,
		 struct sim_err *err);

#define CAP_HEADROOM_MAX 4
#define CAP_HEADROOM_TOL 0.005   /* of the range searched: 0.015 of the load */

/* cap_result_free frees res's probes (after cap_search, whatever it
 * returned). */
void cap_result_free(struct cap_result *res);

/* capacity.csv, declared column by column (csv.h); its members depend
 * on the cap_spec searched. */
extern const struct csv_file cap_file;

/* cap_format writes value v of the parameter as an override value. */
void cap_format(const struct cap_spec *spec, double v, char *buf, size_t len);

#endif
