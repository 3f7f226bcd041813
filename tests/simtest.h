/*
 * simtest.h - helpers shared by the tests that run simulations: load a
 * scenario from text, run one replication, read what it measured.
 * Failures end the test with the scenario's own message.
 */
#ifndef SIMTEST_H
#define SIMTEST_H

#include "tests/testutil.h"

#include <math.h>

#include <gsl/gsl_statistics_double.h>

#include "app/lang.h"
#include "app/report.h"
#include "sim/sim.h"
#include "sim/sweep.h"
#include "sim/stats.h"

/* simtest_load_with checks a scenario given as text, with nov overrides
 * (as --set gives them); the test fails on error.  simtest_load: none. */
static inline struct sweep *simtest_load_with(const char *text,
						     const struct sc_override *ov,
						     size_t nov)
{
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	if (sweep_load_string(&archsim_lang, "t.yaml", text, ov, nov, &set, &err))
		fail_msg("scenario: %s", err.msg);
	return set;
}

static inline struct sweep *simtest_load(const char *text)
{
	return simtest_load_with(text, NULL, 0);
}

/* simtest_full says whether the long validation runs
 * (ARCHSIM_VALIDATE=full, as `make validate` sets it). */
static inline int simtest_full(void)
{
	const char *v = getenv("ARCHSIM_VALIDATE");
	return v && !strcmp(v, "full");
}

/* simtest_run runs replication rep of sc into *r (to be released with
 * rep_result_fini); the test fails on error. */
static inline void simtest_run(const struct scenario *sc, uint32_t rep,
			       struct rep_result *r)
{
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(r, sc), 0);
	if (sim_run(sc, rep, r, NULL, &err))
		fail_msg("run: %s", err.msg);
}

/* simtest_summary is what report r keeps of point p; the test fails
 * when it cannot be read back. */
static inline struct report_summary simtest_summary(const struct report *r, size_t p)
{
	struct report_summary s;
	assert_int_equal(report_point(r, p, &s), 0);
	return s;
}

/* What a replication measured over all workloads. */
static inline uint64_t simtest_arrivals(const struct rep_result *r)
{
	return r->scopes[0].arrivals;
}

static inline uint64_t simtest_ended(const struct rep_result *r, int status)
{
	return r->scopes[0].ended[status];
}

/* simtest_node reads column `col` of row `row` (0: the node, 1 + u:
 * replica u) of node k: a count or mean as written, a ratio divided out
 * (NaN with a zero denominator).  The test fails on an unknown column. */
static inline double simtest_node(const struct scenario *sc,
				  const struct rep_result *r, size_t k,
				  uint32_t row, const char *col)
{
	const struct model_ops *ops = sc->nodes[k].ops;
	size_t own = model_ncols(ops->cols), nc = model_row_cols(ops);
	assert_true(row < r->nodes[k].nrows);
	for (size_t c = 0; c < nc; c++) {
		const struct col_def *d = c < own ? &ops->cols[c] : &sim_call_cols[c - own];
		if (strcmp(d->name, col))
			continue;
		const double *v = r->nodes[k].v + (row * nc + c) * 2;
		if (d->agg == COL_RATIO)
			return v[1] > 0 ? v[0] / v[1] : NAN;
		return v[0];
	}
	fail_msg("no column %s for kind %s", col, ops->kind);
	return NAN;
}

/* simtest_col runs n replications of yaml (its first point) and writes
 * column col of node `node`'s row `row` for each into x. */
static inline void simtest_col(const char *yaml, const char *node, uint32_t row,
			       const char *col, double *x, uint32_t n)
{
	struct sweep *set = simtest_load(yaml);
	const struct scenario *sc = set->points[0];
	int k = scenario_node_index(sc, node);
	assert_true(k >= 0);
	for (uint32_t r = 0; r < n; r++) {
		struct rep_result res;
		simtest_run(sc, r, &res);
		x[r] = simtest_node(sc, &res, (size_t)k, row, col);
		rep_result_fini(&res);
	}
	sweep_free(set);
}

/* simtest_within says whether the mean of x[0..n) is within the 99.9 %
 * t interval of the replications' own spread of the reference `want`,
 * and prints both. */
static inline int simtest_within(const char *what, const double *x, uint32_t n,
				 double want)
{
	double m = gsl_stats_mean(x, 1, n);
	double half = stats_t_quantile(0.9995, n - 1) * gsl_stats_sd(x, 1, n) / sqrt(n);
	int ok = fabs(m - want) <= half;
	print_message("    %-34s %.5f +- %.5f, reference %.5f%s\n", what, m, half, want,
		      ok ? "" : "  (outside)");
	return ok;
}

/* simtest_erlang_c: P(wait > 0) in an M/M/c queue of offered load a =
 * lambda / mu (Erlang's C formula). */
static inline double simtest_erlang_c(int c, double a)
{
	double term = 1, sum = 1;
	for (int k = 1; k < c; k++) {
		term *= a / k;
		sum += term;
	}
	double top = term * a / c / (1 - a / c);
	return top / (sum + top);
}

#endif
