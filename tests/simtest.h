/*
 * simtest.h - helpers shared by the tests that run simulations: load a
 * scenario from text, run one replication, read what it measured, or
 * run a scenario's replications and read named values of each in one
 * call (simtest_reps).  Failures end the test with the scenario's own
 * message.
 */
#ifndef SIMTEST_H
#define SIMTEST_H

#include "tests/testutil.h"

#include <math.h>

#include <gsl/gsl_statistics_double.h>

#include "app/lang.h"
#include "app/report.h"
#include "sim/check.h"
#include "sim/metric.h"
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

/* simtest_run_with runs replication rep of sc into *r (to be released
 * with rep_result_fini), with hooks when not NULL; the test fails on
 * error.  simtest_run: no hooks. */
static inline void simtest_run_with(const struct scenario *sc, uint32_t rep,
				    const struct sim_hooks *hooks, struct rep_result *r)
{
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(r, sc), 0);
	if (sim_run(sc, rep, r, hooks, &err))
		fail_msg("run: %s", err.msg);
}

static inline void simtest_run(const struct scenario *sc, uint32_t rep,
			       struct rep_result *r)
{
	simtest_run_with(sc, rep, NULL, r);
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

/* simtest_col_def is column c of a row of kind ops: its own columns,
 * then the engine's call and cost columns (model_row_cols). */
static inline const struct col_def *simtest_col_def(const struct model_ops *ops, size_t c)
{
	return model_row_col(ops, c);
}

/* simtest_cell reads column c of row `row` of node k: a count or mean as
 * written, a ratio divided out (NaN with a zero denominator). */
static inline double simtest_cell(const struct scenario *sc, const struct rep_result *r,
				  size_t k, uint32_t row, size_t c)
{
	const struct model_ops *ops = sc->nodes[k].ops;
	assert_true(row < r->nodes[k].nrows);
	const double *v = r->nodes[k].v + (row * model_row_cols(ops) + c) * 2;
	if (simtest_col_def(ops, c)->agg == COL_RATIO)
		return v[1] > 0 ? v[0] / v[1] : NAN;
	return v[0];
}

/* simtest_node reads column `col` of row `row` (0: the node, 1 + u:
 * replica u) of node k.  The test fails on an unknown column. */
static inline double simtest_node(const struct scenario *sc,
				  const struct rep_result *r, size_t k,
				  uint32_t row, const char *col)
{
	const struct model_ops *ops = sc->nodes[k].ops;
	for (size_t c = 0; c < model_row_cols(ops); c++)
		if (!strcmp(simtest_col_def(ops, c)->name, col))
			return simtest_cell(sc, r, k, row, c);
	fail_msg("no column %s for kind %s", col, ops->kind);
	return NAN;
}

/* ---- runs in one call: what to read, by name ------------------------------
 *
 * A value of a replication is named by a short text, `what`:
 *
 *   NODE.COLUMN          column COLUMN (as in nodes.csv) of node NODE's
 *                        own row: "front.calls_made"
 *   NODE[U].COLUMN       the same of replica U's row (row 1 + U of the
 *                        node): "leaf[2].orphans_served"
 *   @arrivals            requests issued in the measured window
 *   @STATUS              requests that ended in the measured window with
 *                        a status, by its column word (req_status_name):
 *                        "@ok", "@timeout"
 *   @STATUS[W]           the same in time-series window W (the whole run,
 *                        warm-up included): "@ok[0]"
 *   @METRIC              a metric (metric.h) of the replication alone, as
 *                        the report takes it: "@latency_mean_s",
 *                        "@latency_p999_s" (NaN when none applies)
 *   @latency_min_ns, @latency_max_ns   the extremes of served latencies
 *   @latency_bucket[D]   served requests in the histogram bucket that
 *                        holds duration D: "@latency_bucket[200ms]"
 *   @latency_above[D]    served requests in the buckets above it
 *   @failed_latency_s    the latencies of failed requests, summed
 *   @requests, @events   issued and processed in the whole run
 *   @duration_s          the measured time
 *   @windows             time-series windows
 *
 * A name that does not resolve on the scenario fails the test, before it
 * runs, with what was wrong (simtest_resolve). */

enum {
	SIMTEST_CELL, SIMTEST_STATUS, SIMTEST_WINDOW, SIMTEST_METRIC, SIMTEST_ARRIVALS,
	SIMTEST_LAT_MIN, SIMTEST_LAT_MAX, SIMTEST_BUCKET, SIMTEST_ABOVE, SIMTEST_FAILED_LAT,
	SIMTEST_REQUESTS, SIMTEST_EVENTS, SIMTEST_DURATION, SIMTEST_WINDOWS,
};

/* A name resolved on a scenario. */
struct simtest_what {
	int kind;
	size_t node, col;          /* SIMTEST_CELL */
	uint32_t row;
	int status;                /* SIMTEST_STATUS, SIMTEST_WINDOW */
	size_t window;             /* SIMTEST_WINDOW */
	int metric;                /* SIMTEST_METRIC */
	size_t bucket;             /* SIMTEST_BUCKET, SIMTEST_ABOVE */
};

/* simtest_resolve resolves `what` on sc into *w: 0, or -1 with the
 * reason in msg. */
static inline int simtest_resolve(const struct scenario *sc, const char *what,
				  struct simtest_what *w, char *msg, size_t len)
{
	memset(w, 0, sizeof *w);
	if (what[0] == '@') {
		static const struct { const char *word; int kind; } plain[] = {
			{ "arrivals", SIMTEST_ARRIVALS }, { "latency_min_ns", SIMTEST_LAT_MIN },
			{ "latency_max_ns", SIMTEST_LAT_MAX }, { "failed_latency_s", SIMTEST_FAILED_LAT },
			{ "requests", SIMTEST_REQUESTS }, { "events", SIMTEST_EVENTS },
			{ "duration_s", SIMTEST_DURATION }, { "windows", SIMTEST_WINDOWS },
		};
		char word[64], arg[64] = "";
		size_t n = strcspn(what + 1, "[");
		if (n >= sizeof word)
			goto unknown;
		memcpy(word, what + 1, n);
		word[n] = 0;
		const char *br = what + 1 + n;
		if (*br) {
			size_t m = strlen(br);
			if (m < 3 || br[m - 1] != ']' || m - 2 >= sizeof arg) {
				snprintf(msg, len, "'%s': write @%s[ARG]", what, word);
				return -1;
			}
			memcpy(arg, br + 1, m - 2);
			arg[m - 2] = 0;
		}
		for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
			if (!strcmp(word, plain[i].word)) {
				w->kind = plain[i].kind;
				if (!*br)
					return 0;
				snprintf(msg, len, "'%s': @%s takes no [...]", what, word);
				return -1;
			}
		if (!strcmp(word, "latency_bucket") || !strcmp(word, "latency_above")) {
			int64_t ns;
			if (!*br || check_parse_duration(arg, &ns)) {
				snprintf(msg, len, "'%s': write @%s[DURATION], e.g. @%s[200ms]", what, word, word);
				return -1;
			}
			w->kind = word[8] == 'b' ? SIMTEST_BUCKET : SIMTEST_ABOVE;
			w->bucket = hist_index(ns);
			return 0;
		}
		for (int st = 0; st < REQ_NSTATUS; st++)
			if (!strcmp(word, req_status_name(st))) {
				w->status = st;
				w->kind = *br ? SIMTEST_WINDOW : SIMTEST_STATUS;
				char *e = NULL;
				if (*br)
					w->window = (size_t)strtoul(arg, &e, 10);
				if (*br && (*e || arg[0] < '0' || arg[0] > '9')) {
					snprintf(msg, len, "'%s': a window is a number, e.g. @%s[0]", what, word);
					return -1;
				}
				return 0;
			}
		int m = metric_find(word);
		if (m >= 0 && !*br) {
			w->kind = SIMTEST_METRIC;
			w->metric = m;
			return 0;
		}
	unknown:
		snprintf(msg, len, "'%s': unknown (@arrivals, @requests, @events, @duration_s, "
			 "@windows, @failed_latency_s, @latency_min_ns, @latency_max_ns, "
			 "@latency_bucket[D], @latency_above[D], a status such as @ok or @ok[W], "
			 "or a metric such as @latency_mean_s)", what);
		return -1;
	}
	/* NODE.COLUMN or NODE[U].COLUMN */
	const char *dot = strrchr(what, '.');
	char node[128];
	if (!dot || dot == what || !dot[1] || (size_t)(dot - what) >= sizeof node) {
		snprintf(msg, len, "'%s': write NODE.COLUMN, NODE[REPLICA].COLUMN or @WORD", what);
		return -1;
	}
	memcpy(node, what, (size_t)(dot - what));
	node[dot - what] = 0;
	char *br = strchr(node, '[');
	long u = -1;
	if (br) {
		char *e = NULL;
		u = strtol(br + 1, &e, 10);
		if (e == br + 1 || *e != ']' || e[1] || u < 0) {
			snprintf(msg, len, "'%s': a replica is written NODE[INDEX], e.g. web[0]", what);
			return -1;
		}
		*br = 0;
	}
	int k = scenario_node_index(sc, node);
	if (k < 0 || (size_t)k >= sc->ncomponents) {
		int at = snprintf(msg, len, "'%s': no node named '%s' (nodes:", what, node);
		for (size_t i = 0; i < sc->ncomponents && at > 0 && (size_t)at < len; i++)
			at += snprintf(msg + at, len - (size_t)at, "%s %s", i ? "," : "", sc->nodes[i].name);
		if (at > 0 && (size_t)at < len)
			snprintf(msg + at, len - (size_t)at, ")");
		return -1;
	}
	const struct sc_node *nd = &sc->nodes[k];
	if (u >= 0 && sc_node_rows(nd) == 1) {
		snprintf(msg, len, "'%s': node %s has one replica, and no row of its own for it: "
			 "write %s%s", what, node, node, dot);
		return -1;
	}
	if (u >= 0 && (uint32_t)u >= nd->max_units) {
		snprintf(msg, len, "'%s': node %s has replicas %s[0] to %s[%u]", what, node, node,
			 node, nd->max_units - 1);
		return -1;
	}
	w->kind = SIMTEST_CELL;
	w->node = (size_t)k;
	w->row = (uint32_t)(u + 1);
	for (size_t c = 0; c < model_row_cols(nd->ops); c++)
		if (!strcmp(simtest_col_def(nd->ops, c)->name, dot + 1)) {
			w->col = c;
			return 0;
		}
	int at = snprintf(msg, len, "'%s': no column '%s' for node %s of type %s (columns:", what,
			  dot + 1, node, nd->ops->kind);
	for (size_t c = 0; c < model_row_cols(nd->ops) && at > 0 && (size_t)at < len; c++)
		at += snprintf(msg + at, len - (size_t)at, "%s %s", c ? "," : "",
			       simtest_col_def(nd->ops, c)->name);
	if (at > 0 && (size_t)at < len)
		snprintf(msg + at, len - (size_t)at, ")");
	return -1;
}

/* simtest_read_what reads a resolved name of replication r. */
static inline double simtest_read_what(const struct scenario *sc, const struct rep_result *r,
				       const struct simtest_what *w)
{
	const struct scope_result *s = &r->scopes[0];
	const struct hist *h = &s->latency;
	double x = 0;
	switch (w->kind) {
	case SIMTEST_CELL:
		return simtest_cell(sc, r, w->node, w->row, w->col);
	case SIMTEST_STATUS:
		return (double)simtest_ended(r, w->status);
	case SIMTEST_WINDOW:
		if (w->window >= r->nts)
			fail_msg("@%s[%zu]: the run has %zu windows", req_status_name(w->status),
				 w->window, r->nts);
		return (double)r->ts[w->window].ended[w->status];
	case SIMTEST_ARRIVALS:
		return (double)simtest_arrivals(r);
	case SIMTEST_LAT_MIN:
		return (double)h->min_ns;
	case SIMTEST_LAT_MAX:
		return (double)h->max_ns;
	case SIMTEST_BUCKET:
		return (double)h->counts[w->bucket];
	case SIMTEST_ABOVE:
		for (size_t b = w->bucket + 1; b < HIST_NBUCKETS; b++)
			x += (double)h->counts[b];
		return x;
	case SIMTEST_FAILED_LAT:
		return s->failed_latency_s;
	case SIMTEST_REQUESTS:
		return (double)r->requests;
	case SIMTEST_EVENTS:
		return (double)r->events;
	case SIMTEST_DURATION:
		return r->duration_s;
	case SIMTEST_WINDOWS:
		return (double)r->nts;
	}
	/* SIMTEST_METRIC: as the report measures a replication (report.c) */
	uint64_t refused = 0, failed = 0, served = s->ended[REQ_OK];
	for (int st = 0; st < REQ_NSTATUS; st++) {
		refused += req_status_group(st) == REQ_GROUP_REFUSED ? s->ended[st] : 0;
		failed += req_status_group(st) == REQ_GROUP_FAILED ? s->ended[st] : 0;
	}
	switch (w->metric) {
	case METRIC_THROUGHPUT:
		return r->duration_s > 0 ? (double)served / r->duration_s : NAN;
	case METRIC_LATENCY_MEAN:
		return served ? hist_mean(h) * 1e-9 : NAN;
	case METRIC_REJECT_RATIO:
		return s->arrivals ? (double)refused / (double)s->arrivals : NAN;
	case METRIC_ERROR_RATIO:
		return s->arrivals ? (double)failed / (double)s->arrivals : NAN;
	case METRIC_FAILED_LATENCY_MEAN:
		return failed ? s->failed_latency_s / (double)failed : NAN;
	}
	return served ? (double)hist_quantile(h, metric_quantile(w->metric)) * 1e-9 : NAN;
}

/* simtest_value reads `what` of replication r of sc; the test fails when
 * it does not resolve.  For the few reads a callback of simtest_each
 * makes. */
static inline double simtest_value(const struct scenario *sc, const struct rep_result *r,
				   const char *what)
{
	struct simtest_what w;
	char msg[1024];
	if (simtest_resolve(sc, what, &w, msg, sizeof msg))
		fail_msg("%s", msg);
	return simtest_read_what(sc, r, &w);
}

/* What each replication gives: the value named `what` into out[rep]. */
struct simtest_read {
	const char *what;
	double *out;
};

/* simtest_fn is told of each replication rep of sc as it ends, with
 * what it measured (released after). */
typedef void simtest_fn(void *arg, const struct scenario *sc, uint32_t rep,
			const struct rep_result *r);

/* simtest_loop runs replications 0 .. n - 1 of sc (with hooks, when not
 * NULL) and hands each to fn; the test fails on error. */
static inline void simtest_loop(const struct scenario *sc, uint32_t n,
				const struct sim_hooks *hooks, simtest_fn *fn, void *arg)
{
	for (uint32_t rep = 0; rep < n; rep++) {
		struct rep_result res;
		simtest_run_with(sc, rep, hooks, &res);
		fn(arg, sc, rep, &res);
		rep_result_fini(&res);
	}
}

/* simtest_each runs replications 0 .. n - 1 of the first point of
 * scenario text `yaml` and hands each to fn: the general form, for what
 * the names do not reach (a time series, what a hook saw). */
static inline void simtest_each(const char *yaml, uint32_t n, const struct sim_hooks *hooks,
				simtest_fn *fn, void *arg)
{
	struct sweep *set = simtest_load(yaml);
	simtest_loop(set->points[0], n, hooks, fn, arg);
	sweep_free(set);
}

#define SIMTEST_MAX_READS 16

struct simtest_reads {
	const struct simtest_read *reads;
	struct simtest_what w[SIMTEST_MAX_READS];
};

static inline void simtest_reads_fn(void *arg, const struct scenario *sc, uint32_t rep,
				    const struct rep_result *r)
{
	struct simtest_reads *rd = arg;
	for (size_t i = 0; rd->reads[i].what; i++)
		rd->reads[i].out[rep] = simtest_read_what(sc, r, &rd->w[i]);
}

/* simtest_reps_of is simtest_reps with hooks (NULL: none) and the reads
 * as an array ended by { NULL, NULL }. */
static inline void simtest_reps_of(const char *yaml, uint32_t n, const struct sim_hooks *hooks,
				   const struct simtest_read *reads)
{
	struct simtest_reads rd = { reads, { { 0 } } };
	struct sweep *set = simtest_load(yaml);
	for (size_t i = 0; reads[i].what; i++) {
		char msg[1024];
		assert_true(i < SIMTEST_MAX_READS);
		if (simtest_resolve(set->points[0], reads[i].what, &rd.w[i], msg, sizeof msg))
			fail_msg("%s", msg);
	}
	simtest_loop(set->points[0], n, hooks, simtest_reads_fn, &rd);
	sweep_free(set);
}

/* simtest_reps runs replications 0 .. n - 1 of the first point of
 * scenario text `yaml` and writes, for each replication rep, every value
 * asked for into its array at [rep]:
 *
 *     double ok[NREP], made[NREP];
 *     simtest_reps(yaml, NREP, { "@ok", ok }, { "front.calls_made", made });
 *
 * The test fails when the scenario does not load or run, or when a name
 * does not resolve (before anything runs). */
#define simtest_reps(yaml, n, ...) \
	simtest_reps_of((yaml), (n), NULL, (const struct simtest_read[]){ __VA_ARGS__, { NULL, NULL } })

/* simtest_reps_hooked is simtest_reps with the run's hooks (sim.h). */
#define simtest_reps_hooked(yaml, n, hooks, ...) \
	simtest_reps_of((yaml), (n), (hooks), (const struct simtest_read[]){ __VA_ARGS__, { NULL, NULL } })

/* simtest_col runs n replications of yaml (its first point) and writes
 * column col of node `node`'s row `row` (0: the node, 1 + u: replica u)
 * for each into x. */
static inline void simtest_col(const char *yaml, const char *node, uint32_t row,
			       const char *col, double *x, uint32_t n)
{
	char what[256];
	if (row)
		snprintf(what, sizeof what, "%s[%u].%s", node, row - 1, col);
	else
		snprintf(what, sizeof what, "%s.%s", node, col);
	simtest_reps(yaml, n, { what, x });
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


/* simtest_node_index is scenario_node_index, failing the test when sc
 * has no node (or workload) `name`. */
static inline uint32_t simtest_node_index(const struct scenario *sc, const char *name)
{
	int k = scenario_node_index(sc, name);
	if (k < 0)
		fail_msg("no node %s", name);
	return (uint32_t)k;
}

/* ---- digests: two runs that measured the same --------------------------- */

/* simtest_mix folds n bytes at p into the digest *h (FNV-1a). */
static inline void simtest_mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static inline void simtest_digest_fn(void *arg, const struct scenario *sc, uint32_t rep,
				     const struct rep_result *r)
{
	uint64_t *h = arg;
	for (uint32_t k = 0; k < r->nscopes; k++) {
		const struct scope_result *sr = &r->scopes[k];
		simtest_mix(h, &sr->arrivals, sizeof sr->arrivals);
		simtest_mix(h, sr->ended, sizeof sr->ended);
		simtest_mix(h, &sr->failed_latency_s, sizeof sr->failed_latency_s);
		simtest_mix(h, &sr->latency.total, sizeof sr->latency.total);
		simtest_mix(h, &sr->latency.min_ns, sizeof sr->latency.min_ns);
		simtest_mix(h, &sr->latency.max_ns, sizeof sr->latency.max_ns);
		simtest_mix(h, &sr->latency.sum_ns, sizeof sr->latency.sum_ns);
		simtest_mix(h, sr->latency.counts, HIST_NBUCKETS * sizeof *sr->latency.counts);
	}
	for (size_t w = 0; w < r->nts; w++) {
		simtest_mix(h, r->ts[w].ended, sizeof r->ts[w].ended);
		simtest_mix(h, &r->ts[w].lat_sum_s, sizeof r->ts[w].lat_sum_s);
	}
	for (size_t k = 0; k < r->nnodes; k++)
		simtest_mix(h, r->nodes[k].v, r->nodes[k].ncells * sizeof *r->nodes[k].v);
	if (r->node_ts)
		simtest_mix(h, r->node_ts, r->nts_node * r->node_ts_cells * sizeof *r->node_ts);
	simtest_mix(h, r->inflight, sizeof r->inflight);
	simtest_mix(h, &r->requests, sizeof r->requests);
}

/* simtest_digest runs replications 0 .. n - 1 of the first point of
 * scenario text `yaml` and returns a digest of what they measured: every
 * scope's counts and latency histogram, every time-series window's
 * counts and latency sum, every node's rows and time series, and the
 * requests out at warm-up's end and at the end, to the bit.  Two
 * scenarios whose runs measure the same have the same digest; the events
 * processed are left out (a timeline's own events count there). */
static inline uint64_t simtest_digest(const char *yaml, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	simtest_each(yaml, n, NULL, simtest_digest_fn, &h);
	return h;
}

#endif
