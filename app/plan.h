/*
 * plan.h - the cheapest plan that meets a service-level objective:
 * several integer parameters varied at once (web replicas, database
 * replicas, cache nodes), the one that minimises a metric
 * (cost_per_hour) among the combinations that meet the SLO.
 *
 *   capacity:
 *     slo: "latency_p99_s<150ms"
 *     vary: [nodes.web.replicas, nodes.db.replicas]
 *     min: [1, 1]
 *     max: [16, 6]
 *     minimize: cost_per_hour
 *
 * Every parameter is taken to help the SLO as it grows (more replicas
 * never hurt latency) and to cost more.  Then, for each combination of
 * all the parameters but the last, only the least value of the last that
 * meets the SLO can be the cheapest, and that least value never grows
 * when another parameter does.  The search enumerates the combinations of
 * the others; for each it finds that least value by the capacity search's
 * probes (capacity.h: intervals decide, replications double while one is
 * undecided) and bisection, between the last's min and the least value
 * found for each combination one step lower in one of the others (the
 * monotonicity prune); probing that bound first, and the max when noise
 * makes it miss.  Each combination's least value is a candidate, and its
 * probe estimates the minimised metric with its interval.  The cheapest
 * candidate by that estimate is the answer (a tie goes to the fewer of
 * the parameters, summed), the next the runner-up; the candidates no
 * other beats on both the metric and the SLO's first latency term (or
 * its first term) form the Pareto front: the front among these least
 * values, one a combination, not among every point probed.
 *
 * Common random numbers: every probe runs the scenario's seed, and a
 * request's draws are its own (sim.h), so the combinations are compared
 * on the same traffic.  The answer's runner-up says how close the choice
 * was; their intervals say whether it was decided.
 *
 * plan.csv holds one row per candidate; the chart plan.png
 * (plots/plan.gp) draws the metric against the latency term, the front
 * and the SLO's limit.
 */
#ifndef APP_PLAN_H
#define APP_PLAN_H

#include <signal.h>
#include <stdio.h>

#include "app/capacity.h"

/* One combination: its values, whether any value of the last path in
 * range meets the SLO, and the probe at the least that does. */
struct plan_cand {
	long v[CAP_MAX_DIMS];
	int found;
	struct cap_probe at;         /* the probe of v (found), else the max's */
	int rank;                    /* 1 the answer, 2 the runner-up, 0 other */
	int front;                   /* on the Pareto front */
};

struct plan_result {
	struct plan_cand *c;         /* in the order searched */
	size_t n;
	size_t probes;               /* probes run */
	long best, second;           /* indices in c, or -1 */
	int lat_term;                /* the term the front is drawn against */
};

/* plan_search searches spec (ndims >= 2, minimize set) on the scenario of
 * src, in `jobs` processes, writes DIR/plan.csv and says each probe on
 * log (NULL: nothing).  Returns as cap_search; free res with
 * plan_result_free. */
int plan_search(const struct load_lang *lang, const struct cap_spec *spec,
		const struct sweep_source *src, unsigned jobs, volatile sig_atomic_t *stop,
		const char *dir, FILE *log, struct plan_result *res, struct sim_err *err);

void plan_result_free(struct plan_result *res);

/* plan.csv, declared column by column (csv.h); its members depend on the
 * cap_spec searched. */
extern const struct csv_file plan_file;

#endif
