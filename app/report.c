/*
 * report.c - folding replications, estimates, verdicts and the report's
 * files; see report.h.
 *
 * A point's accumulator holds, per scope (all workloads, then each
 * workload), the counts by outcome, the pooled latency histogram, the
 * CDF sums of interval.h and each replication's own estimates; per node,
 * each nodes.csv cell as its kind declares it folds; per window, the
 * outcomes and latencies; and what the steady-state verdicts need.  When
 * the point closes, its estimates are worked out, its rows handed to the
 * files' declarations (outputs.h), and what compare.csv and the table on
 * the terminal need kept at fixed places (keep.h).
 *
 * A point of many replications folds them a group at a time (report.h,
 * REPORT_GROUP): into an accumulator of the same shape, merged into the
 * point's at the group's end (acc_merge), or packed as one record by a
 * worker and merged here (report_fold_group).  The merge is the one place
 * that must know how each part of an accumulator adds up.
 */
#include "app/report.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/outfile.h"
#include "app/outputs.h"
#include "app/repio.h"
#include "sim/slo.h"
#include "sim/stats.h"
#include "sim/steady.h"
#include "sim/timeline.h"
#include "sim/zone.h"

/* Time-series percentiles need at least this many samples over 1 - q in
 * their window, pooled over replications (a p99 from 40 samples is the
 * window's maximum, not its p99).  A summary percentile's interval needs
 * as many beyond it in each replication, on average: with fewer, the
 * replications' tails are a handful of busy periods each, and no
 * interval built from them holds the truth 95 % of the time (an M/M/1's
 * p99.9 with 3 latencies beyond it per replication: 71 %; with 16: 94 %;
 * docs/STATISTICS.md). */
#define TS_MIN_TAIL 10.0

/* Counting latencies beyond a percentile is not enough near saturation:
 * they come in bursts, one long busy period giving many, and what an
 * interval needs is independent bursts, which come about once per
 * settling time tau of the slowest node (steady.h, 3.).  So the interval
 * also needs (1 - q) T / tau, the share beyond it times the settling
 * times in a replication of T, at least this much.  tau comes from the
 * scenario, not from the run, so the rule does not pick out runs whose
 * own tail came out short (one keyed on the estimated percentile did: the
 * intervals it let through held 31 %).  Over 100 to 300 runs of 5
 * M/M/1 replications (docs/STATISTICS.md) the intervals held 68 %, 74 %
 * and 88 % at 0.033, 0.056 and 0.11, and 92.5 % to 96.5 % from 0.13 up
 * (rho 0.8 to 0.95, p99 and p99.9). */
#define TS_MIN_STRETCH 0.15

/* The empirical steady-state checks: a change over the measured window
 * counts when it is beyond chance at this one-sided level, and large
 * enough to matter (see growth_flagged). */
#define STEADY_T_LEVEL 0.9995

/* ---- accumulators ----------------------------------------------------- */

/* The replications' own values of one quantity, in index order. */
struct series {
	double *x;
	size_t n, cap;
};

/* series_grow gives s room for cap > s->cap values: 0 or SIM_ENOMEM (s
 * unchanged). */
static int series_grow(struct series *s, size_t cap)
{
	double *x = realloc(s->x, cap * sizeof *x);
	if (!x)
		return SIM_ENOMEM;
	s->x = x;
	s->cap = cap;
	return 0;
}

static int series_push(struct series *s, double v)
{
	if (s->n == s->cap && series_grow(s, s->cap ? 2 * s->cap : 8))
		return SIM_ENOMEM;
	s->x[s->n++] = v;
	return 0;
}

/* SERIES_RESERVE_MAX: the most values a series is given room for before
 * its first (8 MiB); past it, it doubles. */
#define SERIES_RESERVE_MAX ((size_t)1 << 20)

/* series_reserve gives the empty series s room for n values (at most
 * SERIES_RESERVE_MAX): a point's replications are known when it opens,
 * and room grown by doubling copied the values on each step, a tenth of
 * the fold of many short replications.  Memory not yet written is not
 * touched.  0 or SIM_ENOMEM. */
static int series_reserve(struct series *s, size_t n)
{
	if (n > SERIES_RESERVE_MAX)
		n = SERIES_RESERVE_MAX;
	return n <= s->cap ? 0 : series_grow(s, n);
}

struct scope_acc {
	uint64_t arrivals, ended[REQ_NSTATUS];
	struct hist latency;             /* pooled */
	struct interval_cdf cdf;             /* for percentile intervals */
	double duration_s;               /* measured, summed */
	double failed_latency_s;         /* summed */
	struct series m[METRIC_COUNT];       /* per replication; percentiles: each
					  * replication's own */
	uint32_t used;                   /* replications that served */
};


struct window_acc {
	uint64_t ended[REQ_NSTATUS];
	struct whist lat;
	uint32_t missed;                 /* replications whose window missed
					  * the scenario's slo: */
};

struct report_point_acc {
	uint32_t reps;
	int precision;                   /* report_set_precision: 0 unset, 1
					  * met, 2 not met */
	struct scope_acc *scopes;
	uint32_t nscopes;
	struct outputs_cell **cells;         /* [ncells][nrows * ncols] */
	size_t ncells;                   /* the point's components */
	unsigned char **agg;             /* [component][column]: how each of
					  * a row's columns folds (enum
					  * col_agg), worked out once */
	size_t *nc;                      /* [component]: a row's columns */
	uint32_t *nrows;                 /* [component]: its rows */
	size_t nlc;                      /* a link row's columns */
	struct outputs_cell *links;      /* [link channels x LINK columns] */
	uint32_t nlinks;                 /* link channels (links.csv rows) */
	struct window_acc *ts;
	size_t nts;
	int64_t ts_window_ns;
	double *node_ts;                 /* sums */
	uint32_t *node_ts_n;             /* values folded into each sum */
	size_t nts_node, node_ts_cells;
	uint32_t node_ts_every;
	struct series growth;            /* requests in the system, end - start */
	uint64_t slo_windows;            /* measured windows judged on slo:, */
	uint64_t slo_unjudged;           /* those met with a term not judged */
	int slo_term;                    /* the last such term's metric */
	uint32_t healthy_end;            /* replications that ended healthy */
	struct series trend;             /* mean latency, second half - first */
	struct steady_check check;
	uint64_t *hat;                   /* [reps + 1]: where replication r's
					  * sparse histogram lies in r->hkeep,
					  * hat[r] to hat[r + 1] (hist_cell) */
};

/* A replication's latency histogram, kept sparse: its buckets in use. */
struct hist_cell {
	uint64_t bucket, count;
};

static void acc_free(struct report_point_acc *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; a->scopes && i < a->nscopes; i++) {
		hist_fini(&a->scopes[i].latency);
		interval_cdf_free(&a->scopes[i].cdf);
		for (int m = 0; m < METRIC_COUNT; m++)
			free(a->scopes[i].m[m].x);
	}
	free(a->scopes);
	for (size_t k = 0; a->cells && k < a->ncells; k++)
		free(a->cells[k]);
	free(a->cells);
	for (size_t k = 0; a->agg && k < a->ncells; k++)
		free(a->agg[k]);
	free(a->agg);
	free(a->nc);
	free(a->nrows);
	free(a->links);
	for (size_t t = 0; a->ts && t < a->nts; t++)
		whist_fini(&a->ts[t].lat);
	free(a->ts);
	free(a->node_ts);
	free(a->node_ts_n);
	free(a->growth.x);
	free(a->trend.x);
	free(a->hat);
	steady_free(&a->check);
	free(a);
}

/* The shape of a point's accumulator, which every replication of the
 * point shares: taken from a replication's result, from another
 * accumulator, or from a packed group (report_fold_group). */
struct acc_shape {
	uint32_t nscopes, nlinks;
	const uint32_t *nrows;           /* [component] */
	size_t nts, nts_node, node_ts_cells;
	int64_t ts_window_ns;
	uint32_t node_ts_every;
	uint32_t *own;                   /* nrows, when the shape made them */
};

/* shape_of_res sets *sh to the shape of res, a replication of scenario
 * sc, with its row counts made here (shape_fini frees them): 0 or
 * SIM_ENOMEM. */
static int shape_of_res(const struct scenario *sc, const struct rep_result *res,
			struct acc_shape *sh)
{
	uint32_t *nrows = malloc((sc->ncomponents ? sc->ncomponents : 1) * sizeof *nrows);
	if (!nrows)
		return SIM_ENOMEM;
	for (size_t k = 0; k < sc->ncomponents; k++)
		nrows[k] = res->nodes[k].nrows;
	*sh = (struct acc_shape){
		.nscopes = res->nscopes, .nlinks = res->links.nrows, .nrows = nrows,
		.nts = res->nts, .nts_node = res->nts_node, .node_ts_cells = res->node_ts_cells,
		.ts_window_ns = res->ts_window_ns, .node_ts_every = res->node_ts_every,
		.own = nrows,
	};
	return 0;
}

static void shape_fini(struct acc_shape *sh)
{
	free(sh->own);
	sh->own = NULL;
}

/* shape_of_acc: the shape of accumulator a. */
static void shape_of_acc(const struct report_point_acc *a, struct acc_shape *sh)
{
	*sh = (struct acc_shape){
		.nscopes = a->nscopes, .nlinks = a->nlinks, .nrows = a->nrows,
		.nts = a->nts, .nts_node = a->nts_node, .node_ts_cells = a->node_ts_cells,
		.ts_window_ns = a->ts_window_ns, .node_ts_every = a->node_ts_every,
	};
}

/* acc_new opens an empty accumulator of a point of scenario sc, of shape
 * sh, with room for its reps replications.  A group's (part set) has no
 * steady-state analysis: only a point's own is judged. */
static struct report_point_acc *acc_new(const struct scenario *sc,
					const struct acc_shape *sh, size_t reps, int part)
{
	struct report_point_acc *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	size_t nk = sc->ncomponents ? sc->ncomponents : 1;
	a->nscopes = sh->nscopes;
	a->scopes = calloc(a->nscopes ? a->nscopes : 1, sizeof *a->scopes);
	a->cells = calloc(nk, sizeof *a->cells);
	a->agg = calloc(nk, sizeof *a->agg);
	a->nc = calloc(nk, sizeof *a->nc);
	a->nrows = calloc(nk, sizeof *a->nrows);
	a->ncells = a->cells && a->agg ? sc->ncomponents : 0;
	a->nlinks = sh->nlinks;
	a->nlc = model_ncols(sim_link_cols);
	a->links = calloc(a->nlinks ? (size_t)a->nlinks * a->nlc : 1, sizeof *a->links);
	a->nts = sh->nts;
	a->ts_window_ns = sh->ts_window_ns;
	a->ts = calloc(a->nts ? a->nts : 1, sizeof *a->ts);
	a->nts_node = sh->nts_node;
	a->node_ts_cells = sh->node_ts_cells;
	a->node_ts_every = sh->node_ts_every;
	size_t ncell = a->nts_node * a->node_ts_cells;
	a->node_ts = calloc(ncell ? ncell : 1, sizeof *a->node_ts);
	a->node_ts_n = calloc(ncell ? ncell : 1, sizeof *a->node_ts_n);
	if (!a->scopes || !a->cells || !a->agg || !a->nc || !a->nrows || !a->links || !a->ts ||
	    !a->node_ts || !a->node_ts_n)
		goto oom;
	for (uint32_t i = 0; i < a->nscopes; i++) {
		if (hist_init(&a->scopes[i].latency))
			goto oom;
		for (int m = 0; m < METRIC_COUNT; m++)
			if (series_reserve(&a->scopes[i].m[m], reps))
				goto oom;
	}
	if (series_reserve(&a->growth, reps) || series_reserve(&a->trend, reps))
		goto oom;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		const struct model_ops *ops = sc->nodes[k].ops;
		a->nrows[k] = sh->nrows[k];
		size_t nc = a->nc[k] = model_row_cols(ops), n = (size_t)sh->nrows[k] * nc;
		if (!(a->cells[k] = calloc(n ? n : 1, sizeof *a->cells[k])) ||
		    !(a->agg[k] = malloc(nc ? nc : 1)))
			goto oom;
		for (size_t c = 0; c < nc; c++)
			a->agg[k][c] = (unsigned char)model_row_col(ops, c)->agg;
	}
	if (!part && steady_analyze(sc, &a->check))
		goto oom;
	return a;
oom:
	acc_free(a);
	return NULL;
}

/* ---- folding ----------------------------------------------------------- */

/* means works out the metrics that are not percentiles from a scope's
 * counts and sums: one replication's, or the replications' pooled. */
static void means(uint64_t arrivals, const uint64_t *ended, const struct hist *h,
		  double duration_s, double failed_latency_s, double *v)
{
	uint64_t served = ended[REQ_OK];
	uint64_t refused = req_count_group(ended, REQ_GROUP_REFUSED);
	uint64_t failed = req_count_group(ended, REQ_GROUP_FAILED);
	v[METRIC_THROUGHPUT] = duration_s > 0 ? (double)served / duration_s : NAN;
	v[METRIC_LATENCY_MEAN] = served ? hist_mean(h) * 1e-9 : NAN;
	v[METRIC_REJECT_RATIO] = arrivals ? (double)refused / (double)arrivals : NAN;
	v[METRIC_ERROR_RATIO] = arrivals ? (double)failed / (double)arrivals : NAN;
	v[METRIC_FAILED_LATENCY_MEAN] = failed ? failed_latency_s / (double)failed : NAN;
	/* set by the callers */
	v[METRIC_COST_PER_HOUR] = v[METRIC_COST_TOTAL] = v[METRIC_SLO_MISS] = NAN;
}

/* fold_scope adds a replication's scope s, of duration_s, to a; cost_h
 * is its cost per hour and miss_s its time in windows that missed the
 * SLO (NaN: none, or a scope that has none). */
static int fold_scope(struct scope_acc *a, const struct scope_result *s,
		      double duration_s, double cost_h, double miss_s)
{
	const struct hist *h = &s->latency;
	uint64_t served = s->ended[REQ_OK];
	a->arrivals += s->arrivals;
	for (int st = 0; st < REQ_NSTATUS; st++)
		a->ended[st] += s->ended[st];
	hist_merge(&a->latency, h);
	a->duration_s += duration_s;
	a->failed_latency_s += s->failed_latency_s;
	a->used += served > 0;
	if (served && interval_cdf_add(&a->cdf, h))
		return SIM_ENOMEM;
	double v[METRIC_COUNT];
	means(s->arrivals, s->ended, h, duration_s, s->failed_latency_s, v);
	double q[METRIC_P999 - METRIC_P50 + 1];
	int64_t x[METRIC_P999 - METRIC_P50 + 1];
	for (int m = METRIC_P50; m <= METRIC_P999; m++)
		q[m - METRIC_P50] = metric_quantile(m);
	if (served)
		hist_quantiles(h, q, METRIC_P999 - METRIC_P50 + 1, x);
	for (int m = METRIC_P50; m <= METRIC_P999; m++)
		v[m] = served ? (double)x[m - METRIC_P50] * 1e-9 : NAN;
	v[METRIC_COST_PER_HOUR] = cost_h;
	v[METRIC_COST_TOTAL] = cost_h * duration_s / 3600;
	v[METRIC_SLO_MISS] = miss_s;
	for (int m = 0; m < METRIC_COUNT; m++)
		if (series_push(&a->m[m], v[m]))
			return SIM_ENOMEM;
	return 0;
}

/* ts_quantile is a window's pooled quantile, or NaN when it has too few
 * samples to say. */
static double ts_quantile(const struct whist *h, double q)
{
	if ((double)h->total < TS_MIN_TAIL / (1 - q))
		return NAN;
	return (double)whist_quantile(h, q) * 1e-9;
}

/* window_missed judges one replication's window w, len_s long, against
 * the SLO (slo.h): its metrics are the window's own, its ratios over the
 * requests that ended in it.  *unjudged is a term it could not judge
 * (NULL: none). */
static int window_missed(const struct slo *slo, const struct ts_window *w, double len_s,
			 const struct slo_term **unjudged)
{
	double v[METRIC_COUNT];
	uint64_t ended = 0;
	for (int st = 0; st < REQ_NSTATUS; st++)
		ended += w->ended[st];
	for (int m = 0; m < METRIC_COUNT; m++)
		v[m] = NAN;
	uint64_t served = w->ended[REQ_OK];
	v[METRIC_THROUGHPUT] = (double)served / len_s;
	v[METRIC_LATENCY_MEAN] = served ? w->lat_sum_s / (double)served : NAN;
	for (int m = METRIC_P50; m <= METRIC_P999; m++)
		v[m] = ts_quantile(&w->lat, metric_quantile(m));
	if (ended && !served)
		/* requests ended and none was served (an outage): no latency
		 * meets a limit */
		for (int m = METRIC_LATENCY_MEAN; m <= METRIC_P999; m++)
			v[m] = INFINITY;
	if (ended) {
		v[METRIC_REJECT_RATIO] = (double)req_count_group(w->ended, REQ_GROUP_REFUSED) /
					 (double)ended;
		v[METRIC_ERROR_RATIO] = (double)req_count_group(w->ended, REQ_GROUP_FAILED) /
					(double)ended;
	}
	*unjudged = slo_unjudged(slo, v);
	return !slo_holds(slo, v);
}

/* slo_miss is the measured time one replication spent in windows that
 * missed the scenario's SLO (NaN: it has none), and counts each missed
 * window in a's.  A window that straddles the end of warm-up is judged
 * whole and counts for its measured part. */
static double slo_miss(const struct scenario *sc, const struct rep_result *res,
		       struct report_point_acc *a)
{
	if (!sc->slo)
		return NAN;
	int64_t w = res->ts_window_ns, end = sc->warmup_ns + sc->duration_ns;
	double miss = 0;
	for (size_t t = 0; t < res->nts; t++) {
		int64_t start = (int64_t)t * w, stop = start + w < end ? start + w : end;
		const struct slo_term *un = NULL;
		if (stop <= start)
			continue;
		int missed = window_missed(sc->slo, &res->ts[t], (double)(stop - start) * 1e-9, &un);
		if (stop > sc->warmup_ns) {
			a->slo_windows++;
			if (!missed && un) {
				a->slo_unjudged++;
				a->slo_term = un->metric;
			}
		}
		if (!missed)
			continue;
		if (t < a->nts)
			a->ts[t].missed++;
		int64_t from = start > sc->warmup_ns ? start : sc->warmup_ns;
		if (stop > from)
			miss += (double)(stop - from) * 1e-9;
	}
	return miss;
}

static void fold_cell(struct outputs_cell *c, enum col_agg agg, const double *v)
{
	switch (agg) {
	case COL_SUM:
		c->a += v[0];
		c->n++;
		break;
	case COL_MEAN:
		if (isnan(v[0]))
			break;
		c->n++;
		double d = v[0] - c->a;
		c->a += d / c->n;
		c->b += d * (v[0] - c->a);
		break;
	case COL_RATIO:
		c->a += v[0];
		c->b += v[1];
		c->xx += v[0] * v[0];
		c->yy += v[1] * v[1];
		c->xy += v[0] * v[1];
		c->n++;
		break;
	}
}

/* hat_room makes room in a->hat for n replications.  0 or SIM_ENOMEM. */
static int hat_room(struct report_point_acc *a, size_t n)
{
	uint64_t *at = realloc(a->hat, (n + 1) * sizeof *at);
	if (!at)
		return SIM_ENOMEM;
	if (!a->hat)
		at[0] = 0;
	a->hat = at;
	return 0;
}

/* keep_hist keeps the histogram of the replication just folded (a->reps
 * - 1) in k (opened on a file if it was not open), sparse, after the
 * point's earlier ones: 0, SIM_ENOMEM or SIM_EIO (err). */
static int keep_hist(struct keep *k, struct sim_err *err, struct report_point_acc *a,
		     const struct hist *h)
{
	uint32_t i = a->reps - 1;
	if (!(i & (i + 1))) {        /* 0, 1, 3, 7, ...: room for 2 (i + 1) + 1 */
		uint64_t *at = realloc(a->hat, (2 * ((size_t)i + 1) + 1) * sizeof *at);
		if (!at)
			return SIM_ENOMEM;
		a->hat = at;
	}
	if (i == 0)
		a->hat[0] = 0;
	a->hat[i + 1] = a->hat[i];
	if (!h->total)
		return 0;
	if (!k->open)
		keep_open(k, 1);
	size_t lo = hist_index(h->min_ns), hi = hist_index(h->max_ns), n = 0;
	struct hist_cell *c = malloc((hi - lo + 1) * sizeof *c);
	if (!c)
		return SIM_ENOMEM;
	for (size_t b = lo; b <= hi; b++)
		if (h->counts[b])
			c[n++] = (struct hist_cell){ b, h->counts[b] };
	int rc = keep_put(k, c, n * sizeof *c, (off_t)a->hat[i], err);
	free(c);
	a->hat[i + 1] += n * sizeof *c;
	return rc;
}

/* cdf_at_bucket sets f[r], for each replication r of the open point, to
 * the share of its latencies in buckets up to b (NaN: it served none):
 * 0, SIM_ENOMEM or SIM_EIO. */
static int cdf_at_bucket(struct report *r, const struct report_point_acc *a, size_t b,
			 double *f)
{
	struct hist_cell *c = malloc(HIST_NBUCKETS * sizeof *c);
	if (!c)
		return SIM_ENOMEM;
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < a->reps; i++) {
		size_t n = (size_t)(a->hat[i + 1] - a->hat[i]) / sizeof *c;
		rc = n ? keep_get(&r->hkeep, c, n * sizeof *c, (off_t)a->hat[i], &r->err) : 0;
		uint64_t below = 0, all = 0;
		for (size_t k = 0; k < n; k++) {
			all += c[k].count;
			below += c[k].bucket <= b ? c[k].count : 0;
		}
		f[i] = all ? (double)below / (double)all : NAN;
	}
	free(c);
	return rc;
}

/* ---- groups of replications ----------------------------------------------
 *
 * A point of many replications and no rule that looks at each (report.h,
 * report_group) folds them in fixed groups: each group into an
 * accumulator of its own (struct report_part), merged into the point's
 * at the group's end.  A worker process can then fold a whole group and
 * send it as one record (report_part_pack), and the parent merges it
 * (report_fold_group): the same accumulator, merged at the same places,
 * as folding its replications here one by one. */

struct report_part {
	struct report_point_acc *acc;    /* NULL: none open */
	size_t point;
	uint32_t rep0;                   /* its first replication */
	uint64_t events, requests;       /* its replications' */
	struct keep keep;                /* their histograms, sparse, in
					  * memory (a sweep), at acc->hat */
	int closed;                      /* acc is kept, but no group is open */
};

static int acc_fold(struct report_point_acc *a, const struct scenario *sc,
		    const struct rep_result *res, struct keep *keep, struct sim_err *err);

/* point_reps: the replications point p of set may run. */
static uint64_t point_reps(const struct sweep *set, size_t p)
{
	return set->item_base[p + 1] - set->item_base[p];
}

uint32_t report_group(const struct sweep *set, size_t p, int per_rep)
{
	return !per_rep && !set->precise[p] && point_reps(set, p) > REPORT_GROUP ? REPORT_GROUP :
										   1;
}

uint32_t report_group_len(const struct sweep *set, size_t p, uint32_t rep0)
{
	uint64_t left = point_reps(set, p) - rep0;
	return left < REPORT_GROUP ? (uint32_t)left : REPORT_GROUP;
}

/* acc_reset empties a, keeping its memory (a group's accumulator, used
 * again for the point's next group). */
static void acc_reset(struct report_point_acc *a)
{
	a->reps = 0;
	for (uint32_t i = 0; i < a->nscopes; i++) {
		struct scope_acc *s = &a->scopes[i];
		s->arrivals = 0;
		memset(s->ended, 0, sizeof s->ended);
		hist_reset(&s->latency);
		s->duration_s = s->failed_latency_s = 0;
		s->used = 0;
		struct interval_cdf *c = &s->cdf;
		if (c->n) {
			memset(c->s + 2 * (size_t)c->lo, 0, 2 * (size_t)(c->hi - c->lo) * sizeof *c->s);
			memset(c->ones + c->lo, 0, (size_t)(c->hi - c->lo) * sizeof *c->ones);
		}
		c->n = c->lo = c->hi = 0;
		for (int m = 0; m < METRIC_COUNT; m++)
			s->m[m].n = 0;
	}
	for (size_t k = 0; k < a->ncells; k++)
		memset(a->cells[k], 0, (size_t)a->nrows[k] * a->nc[k] * sizeof *a->cells[k]);
	memset(a->links, 0, (size_t)a->nlinks * a->nlc * sizeof *a->links);
	for (size_t t = 0; t < a->nts; t++) {
		memset(a->ts[t].ended, 0, sizeof a->ts[t].ended);
		whist_reset(&a->ts[t].lat);
		a->ts[t].missed = 0;
	}
	size_t ncell = a->nts_node * a->node_ts_cells;
	memset(a->node_ts, 0, ncell * sizeof *a->node_ts);
	memset(a->node_ts_n, 0, ncell * sizeof *a->node_ts_n);
	a->growth.n = a->trend.n = 0;
	a->slo_windows = a->slo_unjudged = 0;
	a->slo_term = 0;
	a->healthy_end = 0;
	free(a->hat);
	a->hat = NULL;
}

/* part_close closes g's group: none is open, and its accumulator is
 * kept for the point's next (part_open). */
static void part_close(struct report_part *g)
{
	g->closed = 1;
	keep_close(&g->keep);
	g->events = g->requests = 0;
}

/* part_free_acc frees g's accumulator. */
static void part_free_acc(struct report_part *g)
{
	acc_free(g->acc);
	g->acc = NULL;
}

/* part_open opens g, empty, for the group of point p (of scenario sc, in
 * set) that begins at replication rep0, of shape sh.  0 or SIM_ENOMEM. */
static int part_open(struct report_part *g, const struct sweep *set,
		     const struct scenario *sc, size_t p, uint32_t rep0,
		     const struct acc_shape *sh)
{
	if (g->acc && g->point == p && g->closed) {
		/* the point's next group: the memory of its last one */
		acc_reset(g->acc);
		keep_close(&g->keep);
	} else {
		part_close(g);
		part_free_acc(g);
		g->acc = acc_new(sc, sh, REPORT_GROUP, 1);
		if (!g->acc)
			return SIM_ENOMEM;
	}
	g->closed = 0;
	g->point = p;
	g->rep0 = rep0;
	if (set->nparams)
		keep_open(&g->keep, 0);
	return 0;
}

/* part_fold folds res, replication rep of point p (of scenario sc, in
 * set), into g: the group it begins, or the one open, whose next it must
 * be.  0, SIM_ENOMEM or SIM_EIO (err). */
static int part_fold(struct report_part *g, const struct sweep *set,
		     const struct scenario *sc, size_t p, uint32_t rep,
		     const struct rep_result *res, struct sim_err *err)
{
	if (rep % REPORT_GROUP == 0) {
		struct acc_shape sh;
		int rc = shape_of_res(sc, res, &sh);
		if (rc == 0)
			rc = part_open(g, set, sc, p, rep, &sh);
		shape_fini(&sh);
		if (rc)
			return rc;
	}
	assert(g->acc && !g->closed && g->point == p && rep == g->rep0 + g->acc->reps);
	g->events += res->events;
	g->requests += res->requests;
	return acc_fold(g->acc, sc, res, set->nparams ? &g->keep : NULL, err);
}

/* series_cat appends src's values to dst: 0 or SIM_ENOMEM. */
static int series_cat(struct series *dst, const struct series *src)
{
	if (dst->n + src->n > dst->cap) {
		size_t cap = dst->cap ? dst->cap : 8;
		while (cap < dst->n + src->n)
			cap *= 2;
		if (series_grow(dst, cap))
			return SIM_ENOMEM;
	}
	if (src->n)
		memcpy(dst->x + dst->n, src->x, src->n * sizeof *src->x);
	dst->n += src->n;
	return 0;
}

/* merge_cell adds cell s, folded over later replications, to d, as
 * fold_cell would have folded them: sums added; means and their sums of
 * squared deviations combined (Chan, Golub and LeVeque). */
static void merge_cell(struct outputs_cell *d, enum col_agg agg, const struct outputs_cell *s)
{
	switch (agg) {
	case COL_SUM:
		d->a += s->a;
		d->n += s->n;
		break;
	case COL_MEAN:
		if (!s->n)
			break;
		if (!d->n) {
			*d = *s;
			break;
		}
		double n = (double)d->n + (double)s->n, delta = s->a - d->a;
		d->a += delta * (double)s->n / n;
		d->b += s->b + delta * delta * (double)d->n * (double)s->n / n;
		d->n += s->n;
		break;
	case COL_RATIO:
		d->a += s->a;
		d->b += s->b;
		d->xx += s->xx;
		d->yy += s->yy;
		d->xy += s->xy;
		d->n += s->n;
		break;
	}
}

/* merge_scope adds scope s, folded over later replications, to d. */
static int merge_scope(struct scope_acc *d, const struct scope_acc *s)
{
	d->arrivals += s->arrivals;
	for (int st = 0; st < REQ_NSTATUS; st++)
		d->ended[st] += s->ended[st];
	hist_merge(&d->latency, &s->latency);
	d->duration_s += s->duration_s;
	d->failed_latency_s += s->failed_latency_s;
	d->used += s->used;
	if (interval_cdf_merge(&d->cdf, &s->cdf))
		return SIM_ENOMEM;
	for (int m = 0; m < METRIC_COUNT; m++)
		if (series_cat(&d->m[m], &s->m[m]))
			return SIM_ENOMEM;
	return 0;
}

/* acc_merge adds s, an accumulator of the same shape folded over the
 * replications after d's, to d.  With dkeep (a sweep), the histograms s
 * kept in skeep go after d's there.  0, SIM_ENOMEM or SIM_EIO (err). */
static int acc_merge(struct report_point_acc *d, const struct report_point_acc *s,
		     struct keep *dkeep, const struct keep *skeep, struct sim_err *err)
{
	for (uint32_t i = 0; i < d->nscopes; i++)
		if (merge_scope(&d->scopes[i], &s->scopes[i]))
			return SIM_ENOMEM;
	for (size_t k = 0; k < d->ncells; k++) {
		size_t nc = d->nc[k];
		for (size_t i = 0; i < (size_t)d->nrows[k] * nc; i++)
			merge_cell(&d->cells[k][i], (enum col_agg)d->agg[k][i % nc], &s->cells[k][i]);
	}
	for (size_t i = 0; i < (size_t)d->nlinks * d->nlc; i++)
		merge_cell(&d->links[i], sim_link_cols[i % d->nlc].agg, &s->links[i]);
	for (size_t t = 0; t < d->nts; t++) {
		for (int st = 0; st < REQ_NSTATUS; st++)
			d->ts[t].ended[st] += s->ts[t].ended[st];
		if (whist_merge(&d->ts[t].lat, &s->ts[t].lat))
			return SIM_ENOMEM;
		d->ts[t].missed += s->ts[t].missed;
	}
	for (size_t i = 0; i < d->nts_node * d->node_ts_cells; i++) {
		d->node_ts[i] += s->node_ts[i];
		d->node_ts_n[i] += s->node_ts_n[i];
	}
	if (series_cat(&d->growth, &s->growth) || series_cat(&d->trend, &s->trend))
		return SIM_ENOMEM;
	d->slo_windows += s->slo_windows;
	if (s->slo_unjudged)
		d->slo_term = s->slo_term;
	d->slo_unjudged += s->slo_unjudged;
	d->healthy_end += s->healthy_end;
	if (dkeep && s->reps) {
		/* the group's histograms, after the point's */
		if (hat_room(d, (size_t)d->reps + s->reps))
			return SIM_ENOMEM;
		size_t n = (size_t)(s->hat[s->reps] - s->hat[0]);
		if (n) {
			void *buf = malloc(n);
			if (!buf)
				return SIM_ENOMEM;
			int rc = keep_get(skeep, buf, n, (off_t)s->hat[0], err);
			if (!dkeep->open)
				keep_open(dkeep, 1);
			if (rc == 0)
				rc = keep_put(dkeep, buf, n, (off_t)d->hat[d->reps], err);
			free(buf);
			if (rc)
				return rc;
		}
		for (uint32_t i = 0; i < s->reps; i++)
			d->hat[d->reps + i + 1] = d->hat[d->reps + i] + (s->hat[i + 1] - s->hat[i]);
	}
	d->reps += s->reps;
	return 0;
}

/* part_merge merges the open group of point p into the point's
 * accumulator (made, of the group's shape, at its first group), and
 * closes it.  0, SIM_ENOMEM or SIM_EIO (r->err). */
static int part_merge(struct report *r, size_t p)
{
	struct report_part *g = r->part;
	const struct scenario *sc = sweep_point(r->set, p, &r->err);
	if (!sc)
		return r->err.code;
	assert(g && g->acc && !g->closed && g->point == p);
	if (!r->acc || r->acc_point != p) {
		struct acc_shape sh;
		shape_of_acc(g->acc, &sh);
		acc_free(r->acc);
		r->acc = acc_new(sc, &sh, point_reps(r->set, p), 0);
		r->acc_point = p;
		if (!r->acc)
			return SIM_ENOMEM;
	}
	assert(g->rep0 == r->acc->reps);
	int rc = acc_merge(r->acc, g->acc, r->set->nparams ? &r->hkeep : NULL, &g->keep, &r->err);
	part_close(g);
	return rc;
}

/* ---- a group as a record -------------------------------------------------
 *
 * Layout (native byte order, as repio's records): magic, version, the
 * group's first replication and count, its events and requests, the
 * accumulator's shape, then its parts in the order of struct
 * report_point_acc, doubles as their bits; a sweep's kept histograms
 * last. */

#define GROUP_MAGIC 0x61727367u      /* "arsg" in a little-endian dump */
#define GROUP_VERSION 1u

static void put_series(struct repio_buf *b, const struct series *s)
{
	repio_put64(b, s->n);
	repio_put(b, s->x, s->n * sizeof *s->x);
}

static int get_series(struct repio_reader *rd, struct series *s, uint32_t n)
{
	repio_expect(rd, n);
	if (rd->bad || series_reserve(s, n) || s->cap < n)
		return rd->bad ? 0 : SIM_ENOMEM;
	repio_get(rd, s->x, n * sizeof *s->x);
	s->n = n;
	return 0;
}

static void put_cell(struct repio_buf *b, const struct outputs_cell *c)
{
	double v[5] = { c->a, c->b, c->xx, c->yy, c->xy };
	repio_put(b, v, sizeof v);
	repio_put64(b, c->n);
}

static void get_cell(struct repio_reader *rd, struct outputs_cell *c)
{
	double v[5];
	repio_get(rd, v, sizeof v);
	c->a = v[0], c->b = v[1], c->xx = v[2], c->yy = v[3], c->xy = v[4];
	c->n = (uint32_t)repio_get64(rd);
}

int report_part_pack(struct report_part *g, struct repio_buf *b)
{
	const struct report_point_acc *a = g->acc;
	b->len = 0;
	b->oom = 0;
	repio_put64(b, GROUP_MAGIC);
	repio_put64(b, GROUP_VERSION);
	repio_put64(b, g->rep0);
	repio_put64(b, a->reps);
	repio_put64(b, g->events);
	repio_put64(b, g->requests);
	repio_put64(b, a->nscopes);
	repio_put64(b, a->nlinks);
	repio_put64(b, a->ncells);
	repio_put(b, a->nrows, a->ncells * sizeof *a->nrows);
	repio_put64(b, a->nts);
	repio_put64(b, (uint64_t)a->ts_window_ns);
	repio_put64(b, a->nts_node);
	repio_put64(b, a->node_ts_cells);
	repio_put64(b, a->node_ts_every);
	for (uint32_t i = 0; i < a->nscopes; i++) {
		const struct scope_acc *s = &a->scopes[i];
		repio_put64(b, s->arrivals);
		repio_put(b, s->ended, sizeof s->ended);
		repio_put_hist(b, &s->latency);
		repio_putd(b, s->duration_s);
		repio_putd(b, s->failed_latency_s);
		repio_put64(b, s->used);
		const struct interval_cdf *c = &s->cdf;
		uint32_t lo = c->n ? c->lo : 0, hi = c->n ? c->hi : 0;
		repio_put64(b, c->n);
		repio_put64(b, lo);
		repio_put64(b, hi);
		if (hi > lo) {
			repio_put(b, c->s + 2 * (size_t)lo, 2 * (size_t)(hi - lo) * sizeof *c->s);
			repio_put(b, c->ones + lo, (size_t)(hi - lo) * sizeof *c->ones);
		}
		for (int m = 0; m < METRIC_COUNT; m++)
			put_series(b, &s->m[m]);
	}
	for (size_t k = 0; k < a->ncells; k++)
		for (size_t i = 0; i < (size_t)a->nrows[k] * a->nc[k]; i++)
			put_cell(b, &a->cells[k][i]);
	for (size_t i = 0; i < (size_t)a->nlinks * a->nlc; i++)
		put_cell(b, &a->links[i]);
	for (size_t t = 0; t < a->nts; t++) {
		repio_put(b, a->ts[t].ended, sizeof a->ts[t].ended);
		repio_put_whist(b, &a->ts[t].lat);
		repio_put64(b, a->ts[t].missed);
	}
	size_t ncell = a->nts_node * a->node_ts_cells;
	repio_put(b, a->node_ts, ncell * sizeof *a->node_ts);
	repio_put(b, a->node_ts_n, ncell * sizeof *a->node_ts_n);
	put_series(b, &a->growth);
	put_series(b, &a->trend);
	repio_put64(b, a->slo_windows);
	repio_put64(b, a->slo_unjudged);
	repio_put64(b, (uint64_t)(int64_t)a->slo_term);
	repio_put64(b, a->healthy_end);
	repio_put64(b, a->hat != NULL);
	if (a->hat) {
		repio_put(b, a->hat, ((size_t)a->reps + 1) * sizeof *a->hat);
		/* the kept bytes, from the group's store (in memory) */
		size_t n = (size_t)(a->hat[a->reps] - a->hat[0]);
		unsigned char *tmp = n ? malloc(n) : NULL;
		struct sim_err err = { 0 };
		if (n && (!tmp || keep_get(&g->keep, tmp, n, (off_t)a->hat[0], &err)))
			b->oom = 1;
		else
			repio_put(b, tmp, n);
		free(tmp);
	}
	/* the group is over: the next fold begins one, in this memory */
	part_close(g);
	return b->oom ? SIM_ENOMEM : 0;
}

/* get_part reads the record rec[0..len) of a group of point p (of
 * scenario sc, in set) into g, opened for it.  The shape the record
 * declares must be want, the point's: nothing is made to a record's
 * measure.  0, SIM_EINVAL (damaged, or of another shape), or
 * SIM_ENOMEM. */
static int get_part(struct report_part *g, const struct sweep *set, const struct scenario *sc,
		    size_t p, const struct acc_shape *want, const void *rec, size_t len)
{
	struct repio_reader rd = { .p = rec, .end = (const unsigned char *)rec + len };
	repio_expect(&rd, GROUP_MAGIC);
	repio_expect(&rd, GROUP_VERSION);
	uint64_t rep0 = repio_get64(&rd), reps = repio_get64(&rd);
	uint64_t events = repio_get64(&rd), requests = repio_get64(&rd);
	repio_expect(&rd, want->nscopes);
	repio_expect(&rd, want->nlinks);
	repio_expect(&rd, sc->ncomponents);
	for (size_t k = 0; k < sc->ncomponents && !rd.bad; k++) {
		uint32_t n;
		repio_get(&rd, &n, sizeof n);
		rd.bad |= n != want->nrows[k];
	}
	repio_expect(&rd, want->nts);
	repio_expect(&rd, (uint64_t)want->ts_window_ns);
	repio_expect(&rd, want->nts_node);
	repio_expect(&rd, want->node_ts_cells);
	repio_expect(&rd, want->node_ts_every);
	if (rd.bad || reps == 0 || reps > REPORT_GROUP || rep0 % REPORT_GROUP)
		return SIM_EINVAL;
	int rc = part_open(g, set, sc, p, (uint32_t)rep0, want);
	if (rc)
		return rc;
	struct report_point_acc *a = g->acc;
	g->events = events;
	g->requests = requests;
	a->reps = (uint32_t)reps;
	for (uint32_t i = 0; i < a->nscopes && !rd.bad; i++) {
		struct scope_acc *s = &a->scopes[i];
		s->arrivals = repio_get64(&rd);
		repio_get(&rd, s->ended, sizeof s->ended);
		repio_get_hist(&rd, &s->latency);
		s->duration_s = repio_getd(&rd);
		s->failed_latency_s = repio_getd(&rd);
		s->used = (uint32_t)repio_get64(&rd);
		uint64_t n = repio_get64(&rd), lo = repio_get64(&rd), hi = repio_get64(&rd);
		if (rd.bad || n > reps || lo > hi || hi > HIST_NBUCKETS || (!n && hi > lo))
			return SIM_EINVAL;
		if (n) {
			struct interval_cdf *c = &s->cdf;
			if (interval_cdf_ready(c))
				return SIM_ENOMEM;
			repio_get(&rd, c->s + 2 * lo, 2 * (size_t)(hi - lo) * sizeof *c->s);
			repio_get(&rd, c->ones + lo, (size_t)(hi - lo) * sizeof *c->ones);
			c->n = (uint32_t)n;
			c->lo = (uint32_t)lo;
			c->hi = (uint32_t)hi;
		}
		for (int m = 0; m < METRIC_COUNT && !rd.bad; m++)
			if (get_series(&rd, &s->m[m], (uint32_t)reps))
				return SIM_ENOMEM;
	}
	for (size_t k = 0; k < a->ncells && !rd.bad; k++)
		for (size_t i = 0; i < (size_t)a->nrows[k] * a->nc[k]; i++)
			get_cell(&rd, &a->cells[k][i]);
	for (size_t i = 0; i < (size_t)a->nlinks * a->nlc && !rd.bad; i++)
		get_cell(&rd, &a->links[i]);
	for (size_t t = 0; t < a->nts && !rd.bad; t++) {
		repio_get(&rd, a->ts[t].ended, sizeof a->ts[t].ended);
		if (repio_get_whist(&rd, &a->ts[t].lat))
			return SIM_ENOMEM;
		a->ts[t].missed = (uint32_t)repio_get64(&rd);
	}
	size_t ncell = a->nts_node * a->node_ts_cells;
	repio_get(&rd, a->node_ts, ncell * sizeof *a->node_ts);
	repio_get(&rd, a->node_ts_n, ncell * sizeof *a->node_ts_n);
	if (get_series(&rd, &a->growth, (uint32_t)reps) ||
	    get_series(&rd, &a->trend, (uint32_t)reps))
		return SIM_ENOMEM;
	a->slo_windows = repio_get64(&rd);
	a->slo_unjudged = repio_get64(&rd);
	a->slo_term = (int)(int64_t)repio_get64(&rd);
	a->healthy_end = (uint32_t)repio_get64(&rd);
	uint64_t has_hat = repio_get64(&rd);
	if (rd.bad || has_hat != (set->nparams != 0))
		return SIM_EINVAL;
	if (has_hat) {
		if (hat_room(a, reps))
			return SIM_ENOMEM;
		repio_get(&rd, a->hat, ((size_t)reps + 1) * sizeof *a->hat);
		rd.bad |= a->hat[0] != 0;     /* the group's store begins at 0 */
		for (uint64_t i = 0; i < reps && !rd.bad; i++)
			if (a->hat[i + 1] < a->hat[i] ||
			    (a->hat[i + 1] - a->hat[i]) % sizeof(struct hist_cell))
				rd.bad = 1;
		size_t n = rd.bad ? 0 : (size_t)(a->hat[reps] - a->hat[0]);
		if (!rd.bad && n > (size_t)(rd.end - rd.p))
			rd.bad = 1;
		if (!rd.bad && n) {
			struct sim_err err = { 0 };
			int krc = keep_put(&g->keep, rd.p, n, (off_t)a->hat[0], &err);
			if (krc)
				return krc;
			rd.p += n;
		}
	}
	if (rd.p != rd.end)
		rd.bad = 1;
	return rd.bad ? SIM_EINVAL : 0;
}

int report_fold_group(struct report *r, size_t p, uint32_t rep0, const void *rec,
		      size_t len)
{
	const struct scenario *sc = sweep_point(r->set, p, &r->err);
	if (!sc)
		return r->err.code;
	struct report_part *g = r->part;
	if (!g && !(g = r->part = calloc(1, sizeof *g)))
		return SIM_ENOMEM;
	/* the point's shape: its accumulator's, or at its first group the
	 * scenario's own */
	struct acc_shape want = { 0 };
	struct rep_result like = { 0 };
	int rc = 0;
	if (r->acc && r->acc_point == p)
		shape_of_acc(r->acc, &want);
	else if (rep_result_init(&like, sc) || shape_of_res(sc, &like, &want))
		rc = SIM_ENOMEM;
	if (rc == 0)
		rc = report_group(r->set, p, r->per_rep) > 1 ?
			get_part(g, r->set, sc, p, &want, rec, len) : SIM_EINVAL;
	rep_result_fini(&like);
	shape_fini(&want);
	if (rc == 0 && (g->rep0 != rep0 || g->acc->reps != report_group_len(r->set, p, rep0)))
		rc = SIM_EINVAL;
	if (rc) {
		part_close(g);
		return rc == SIM_EINVAL ? sim_errf(&r->err, SIM_EIO, "a worker's result was damaged") :
					  rc;
	}
	r->events += g->events;
	r->requests += g->requests;
	r->group_records++;
	return part_merge(r, p);
}

/* ---- a worker's groups ---------------------------------------------------- */

struct report_part *report_part_new(void)
{
	return calloc(1, sizeof(struct report_part));
}

void report_part_free(struct report_part *g)
{
	if (g) {
		part_close(g);
		part_free_acc(g);
	}
	free(g);
}

int report_part_fold(struct report_part *g, const struct sweep *set, size_t p, uint32_t rep,
		     const struct rep_result *res, struct sim_err *err)
{
	const struct scenario *sc = sweep_point(set, p, err);
	if (!sc)
		return err->code;
	return part_fold(g, set, sc, p, rep, res, err);
}

int report_fold(struct report *r, size_t p, uint32_t rep,
		const struct rep_result *res)
{
	const struct scenario *sc = sweep_point(r->set, p, &r->err);
	if (!sc)
		return r->err.code;
	assert(res->complete);      /* a stopped replication is not folded */
	r->events += res->events;
	r->requests += res->requests;
	uint32_t g = report_group(r->set, p, r->per_rep);
	struct keep *keep = r->set->nparams ? &r->hkeep : NULL;
	if (g > 1) {
		/* into the open group, which joins the point at its end */
		struct report_part *pt = r->part;
		if (!pt && !(pt = r->part = calloc(1, sizeof *pt)))
			return SIM_ENOMEM;
		int rc = part_fold(pt, r->set, sc, p, rep, res, &r->err);
		if (rc == 0 && (rep + 1) % g == 0)
			rc = part_merge(r, p);
		return rc;
	}
	if (!r->acc || r->acc_point != p) {
		struct acc_shape sh;
		if (shape_of_res(sc, res, &sh))
			return SIM_ENOMEM;
		acc_free(r->acc);
		r->acc = acc_new(sc, &sh, point_reps(r->set, p), 0);
		r->acc_point = p;
		shape_fini(&sh);
		if (!r->acc)
			return SIM_ENOMEM;
	}
	assert(rep == r->acc->reps);     /* folded in index order */
	return acc_fold(r->acc, sc, res, keep, &r->err);
}

/* acc_fold folds res, a replication of the point of scenario sc, into a
 * as its next.  With keep (a sweep), the replication's histogram goes
 * there, sparse (keep_hist).  0, SIM_ENOMEM or SIM_EIO (err). */
static int acc_fold(struct report_point_acc *a, const struct scenario *sc,
		    const struct rep_result *res, struct keep *keep, struct sim_err *err)
{
	a->reps++;
	double miss_s = slo_miss(sc, res, a);
	for (uint32_t i = 0; i < a->nscopes; i++)
		if (fold_scope(&a->scopes[i], &res->scopes[i], res->duration_s,
			       i == 0 ? res->cost_per_hour : NAN, i == 0 ? miss_s : NAN))
			return SIM_ENOMEM;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		size_t nc = a->nc[k];
		const struct node_rows *o = &res->nodes[k];
		for (uint32_t row = 0; row < o->nrows; row++)
			for (size_t c = 0; c < nc; c++)
				fold_cell(&a->cells[k][row * nc + c], (enum col_agg)a->agg[k][c],
					  o->v + (row * nc + c) * 2);
	}
	size_t nlc = a->nlc;
	for (size_t i = 0; i < (size_t)a->nlinks * nlc; i++)
		fold_cell(&a->links[i], sim_link_cols[i % nlc].agg, res->links.v + i * 2);
	for (size_t t = 0; t < a->nts; t++) {
		for (int st = 0; st < REQ_NSTATUS; st++)
			a->ts[t].ended[st] += res->ts[t].ended[st];
		if (whist_merge(&a->ts[t].lat, &res->ts[t].lat))
			return SIM_ENOMEM;
	}
	for (size_t i = 0; i < a->nts_node * a->node_ts_cells; i++) {
		if (isnan(res->node_ts[i]))
			continue;
		a->node_ts[i] += res->node_ts[i];
		a->node_ts_n[i]++;
	}
	/* the mean latency of each half of the measured window, from the
	 * windows that lie wholly inside it */
	double sum[2] = { 0, 0 }, cnt[2] = { 0, 0 };
	int64_t w = res->ts_window_ns, mid = sc->warmup_ns + sc->duration_ns / 2;
	for (size_t t = 0; t < res->nts; t++) {
		int64_t start = (int64_t)t * w;
		if (start < sc->warmup_ns)
			continue;
		int half = start >= mid;
		sum[half] += res->ts[t].lat_sum_s;
		cnt[half] += (double)res->ts[t].ended[REQ_OK];
	}
	double h0 = cnt[0] ? sum[0] / cnt[0] : NAN;
	double h1 = cnt[1] ? sum[1] / cnt[1] : NAN;
	/* healthy at the end: the windows of the last tenth of the measured
	 * window failed or refused under 1 % of the requests they ended (a
	 * metastable failure outlives its trigger: it does not) */
	uint64_t ended = 0, bad = 0;
	int64_t tail = sc->warmup_ns + sc->duration_ns - sc->duration_ns / 10;
	for (size_t t = 0; t < res->nts; t++) {
		if ((int64_t)t * w < tail)
			continue;
		for (int st = 0; st < REQ_NSTATUS; st++) {
			ended += res->ts[t].ended[st];
			if (st != REQ_OK)
				bad += res->ts[t].ended[st];
		}
	}
	if (ended && (double)bad < 0.01 * (double)ended)
		a->healthy_end++;
	if (series_push(&a->growth, (double)(res->inflight[1] - res->inflight[0])) ||
	    series_push(&a->trend, h1 - h0))
		return SIM_ENOMEM;
	return keep ? keep_hist(keep, err, a, &res->scopes[0].latency) : 0;
}

/* ---- estimates --------------------------------------------------------- */

/* short_tail says whether the replications of a scope have too few
 * latencies beyond the q-quantile for its interval (TS_MIN_TAIL). */
static int short_tail(const struct scope_acc *a, double q)
{
	return (1 - q) * (double)a->ended[REQ_OK] / (double)a->used < TS_MIN_TAIL;
}

/* short_stretch says whether they have too few bursts beyond it
 * (TS_MIN_STRETCH), given the settling time tau_s (0: none known), and
 * sets *need_s to the replication length that would have enough. */
static int short_stretch(const struct scope_acc *a, double q, double tau_s, double *need_s)
{
	double t = a->m[0].n ? a->duration_s / (double)a->m[0].n : 0;
	*need_s = TS_MIN_STRETCH * tau_s / (1 - q);
	return tau_s > 0 && (1 - q) * t / tau_s < TS_MIN_STRETCH;
}

/* estimate works out the metrics of one scope: pooled point estimates;
 * t half-widths from the replications' own values; percentile intervals
 * as interval_quantile. */
static void estimate(const struct scope_acc *a, double tau_s, double *mean, double *ci,
		     double *lo, double *hi)
{
	double pooled[METRIC_COUNT];
	means(a->arrivals, a->ended, &a->latency, a->duration_s, a->failed_latency_s,
	      pooled);
	for (int m = 0; m < METRIC_COUNT; m++) {
		const struct series *s = &a->m[m];
		if (metric_quantile(m) > 0) {
			interval_quantile(&a->latency, metric_quantile(m), s->x, s->n,
						 &a->cdf, HIST_REL_ERR, &mean[m], &lo[m], &hi[m]);
			double need;
			if (a->used && (short_tail(a, metric_quantile(m)) ||
					short_stretch(a, metric_quantile(m), tau_s, &need)))
				lo[m] = hi[m] = NAN;
			ci[m] = isnan(lo[m]) ? NAN :
				mean[m] - lo[m] > hi[m] - mean[m] ? mean[m] - lo[m] : hi[m] - mean[m];
		} else {
			double avg;
			stats_ci95(s->x, s->n, &avg, &ci[m]);
			/* the costs and the time missing the SLO have no
			 * pooled form: their replications' average (each
			 * measures the same duration) */
			mean[m] = m == METRIC_COST_PER_HOUR || m == METRIC_COST_TOTAL ||
					  m == METRIC_SLO_MISS ? avg : pooled[m];
			lo[m] = mean[m] - ci[m];
			hi[m] = mean[m] + ci[m];
		}
	}
}

int report_never(const struct report *r, size_t p, int m)
{
	const struct report_point_acc *a = r->acc && r->acc_point == p ? r->acc : NULL;
	double need;
	return a && a->reps && metric_quantile(m) > 0 &&
	       short_stretch(&a->scopes[0], metric_quantile(m), a->check.tau_s, &need);
}

int report_estimate(const struct report *r, size_t p, int m, double *est,
		    double *lo, double *hi)
{
	const struct report_point_acc *a = r->acc && r->acc_point == p ? r->acc : NULL;
	if (!a || !a->reps)
		return -1;
	double mean[METRIC_COUNT], ci[METRIC_COUNT], l[METRIC_COUNT], h[METRIC_COUNT];
	estimate(&a->scopes[0], a->check.tau_s, mean, ci, l, h);
	*est = mean[m];
	*lo = l[m];
	*hi = h[m];
	return 0;
}

void report_set_precision(struct report *r, size_t p, int met)
{
	if (r->acc && r->acc_point == p)
		r->acc->precision = met ? 1 : 2;
}

/* growth_flagged says whether the replications' values x show a positive
 * change beyond chance (a one-sided t test at STEADY_T_LEVEL) and larger
 * than `matter`. */
static int growth_flagged(const struct series *x, double matter, double *mean,
			  double *half)
{
	double h;
	stats_ci95(x->x, x->n, mean, &h);
	size_t m = 0;
	for (size_t i = 0; i < x->n; i++)
		m += !isnan(x->x[i]);
	/* two replications with equal changes have no spread: an infinite
	 * t, a false alarm in 4 % of steady M/M/1 runs (docs/STATISTICS.md) */
	if (m < 3 || isnan(h))
		return 0;
	double t95 = stats_t_quantile(0.975, (double)(m - 1));
	double t = stats_t_quantile(STEADY_T_LEVEL, (double)(m - 1));
	*half = h;
	return *mean > h / t95 * t && *mean > matter;
}

static int add_warning(struct report *r, size_t p, const char *text)
{
	char line[1200];
	char label[600], paths[300];
	/* in a sweep: "at p2c, 800/s (policy, rate): ...", the point's
	 * values and, after them, the swept paths' last words */
	sweep_point_label(r->set, p, label, sizeof label);
	sweep_param_words(r->set, paths, sizeof paths);
	if (r->set->nparams)
		snprintf(line, sizeof line, "at %s (%s): %s", label, paths, text);
	else
		snprintf(line, sizeof line, "%s", text);
	if (r->nwarnings >= REPORT_WARNINGS_MAX) {
		r->more_warnings++;
		if (r->last_warned != p + 1)
			r->more_points++;
		r->last_warned = p + 1;
		return 0;
	}
	char **w = realloc(r->warnings, (r->nwarnings + 1) * sizeof *w);
	if (!w)
		return SIM_ENOMEM;
	r->warnings = w;
	if (!(w[r->nwarnings] = strdup(line)))
		return SIM_ENOMEM;
	r->nwarnings++;
	return 0;
}

/* steady_verdict decides point p's steady column and adds its warnings:
 * the scenario's own (steady.h), percentiles left without an interval,
 * and what the replications show. */
static int steady_verdict(struct report *r, size_t p, const struct scenario *sc,
			  const struct report_point_acc *a, int *steady)
{
	char text[1024];
	int rc = 0;
	*steady = !a->check.unsteady;
	for (size_t i = 0; i < a->check.nnotes && rc == 0; i++) {
		steady_note_text(sc, &a->check.notes[i], text, sizeof text);
		rc = add_warning(r, p, text);
	}
	double mean, half = 0;
	const struct scope_acc *s0 = &a->scopes[0];
	double arrivals = a->reps ? (double)s0->arrivals / a->reps : 0;
	/* percentiles whose interval was left out: too few latencies
	 * beyond, or too few bursts of them */
	char which[64] = "", bursts[64] = "";
	double need = 0;
	for (int m = 0; m < METRIC_COUNT; m++) {
		double q = metric_quantile(m), n;
		if (!(q > 0) || s0->used < 2)
			continue;
		if (short_tail(s0, q)) {
			snprintf(which + strlen(which), sizeof which - strlen(which), "%s%s",
				 *which ? ", " : "", metric_name(m));
		} else if (short_stretch(s0, q, a->check.tau_s, &n)) {
			snprintf(bursts + strlen(bursts), sizeof bursts - strlen(bursts), "%s%s",
				 *bursts ? ", " : "", metric_name(m));
			need = n > need ? n : need;
		}
	}
	if (rc == 0 && *which) {
		snprintf(text, sizeof text,
			 "%s: fewer than %g latencies beyond it per replication, too few for an interval that holds; the interval is left out (NaN): run longer",
			 which, TS_MIN_TAIL);
		rc = add_warning(r, p, text);
	}
	if (rc == 0 && *bursts) {
		char a[32];
		stats_fmt_seconds(a, sizeof a, need);
		snprintf(text, sizeof text,
			 "%s: the latencies beyond it come in too few bursts per replication (about one per settling time of the slowest node) for an interval that holds; the interval is left out (NaN): replications of %s or more would have enough",
			 bursts, a);
		rc = add_warning(r, p, text);
	}
	/* windows the SLO met only because a term could not be judged */
	if (rc == 0 && a->slo_unjudged) {
		snprintf(text, sizeof text,
			 "slo: %llu of %llu measured windows had too few requests to judge %s on (a percentile needs 10 / (1 - q) served latencies in a window of one replication) and count as met: a longer window: would judge them",
			 (unsigned long long)a->slo_unjudged, (unsigned long long)a->slo_windows,
			 metric_name(a->slo_term));
		rc = add_warning(r, p, text);
	}
	/* more than 1 % of a replication's arrivals still in the system at
	 * its end than at its start: a queue that grows */
	if (rc == 0 && growth_flagged(&a->growth, 0.01 * arrivals, &mean, &half)) {
		*steady = 0;
		snprintf(text, sizeof text,
			 "requests in the system grew by %.4g +- %.2g per replication over the measured window (of %.4g issued): the system is not in steady state",
			 mean, half, arrivals);
		rc = add_warning(r, p, text);
	}
	/* a link whose messages need more than its bandwidth: its waits grow
	 * for as long as the run lasts (the hops it takes are counted as
	 * they reach it, those still waiting at the end too) */
	size_t nlc = model_ncols(sim_link_cols);
	double dur = (double)sc->duration_ns * 1e-9;
	for (uint32_t c = 0; rc == 0 && c < a->nlinks && a->reps && dur > 0; c++) {
		/* each replication's share of its window spent sending what
		 * reached it: their mean, and a Student-t half-width */
		const struct outputs_cell *x = &a->links[c * nlc + LINK_TRANSFER];
		double k = a->reps, rho = x->a / (k * dur), half = 0;
		if (k >= 2) {
			double ss = (x->xx - x->a * x->a / k) / (dur * dur);
			half = stats_t_quantile(0.975, k - 1) * sqrt((ss > 0 ? ss : 0) / (k - 1) / k);
		}
		const struct zone_chan *ch = &sc->zmap->chans[c];
		if (rho + half < 0.95)
			continue;
		int over = rho - half >= 1;
		if (over)
			*steady = 0;
		snprintf(text, sizeof text,
			 "link %s, %s -> %s: its messages need %.1f %% (+- %.2g) of its bandwidth%s",
			 sc->zmap->links[ch->link].name, ch->from, ch->to, 100 * rho, 100 * half,
			 over ? ", more than it has: its waits grow for as long as the run lasts, and the system is not in steady state" :
				": its waits are long and slow to settle, or grow without bound; give it more bandwidth, or read its delays (links.csv) with care");
		rc = add_warning(r, p, text);
	}
	double lat = s0->latency.total ? hist_mean(&s0->latency) * 1e-9 : NAN;
	/* mean latency in the second half of the window more than 10 %
	 * above the first half's */
	if (rc == 0 && !isnan(lat) &&
	    growth_flagged(&a->trend, 0.1 * lat, &mean, &half)) {
		*steady = 0;
		snprintf(text, sizeof text,
			 "mean latency rose by %.4g s +- %.2g s from the first half of the measured window to the second (mean %.4g s): the system is not in steady state",
			 mean, half, lat);
		rc = add_warning(r, p, text);
	}
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

static void put_row(struct report *r, int file, const void *row)
{
	struct outputs_ctx ctx = { r->set, &r->nodes_cat, &r->ts_cat, &r->cur };
	csv_row(r->f[file], &outputs_files[file], &ctx, row);
}

/* row_name writes "NAME" for row 0 of a node, "NAME[u]" for its unit u. */
static const char *row_name(char *buf, size_t len, const char *name, uint32_t row)
{
	if (!row)
		return name;
	snprintf(buf, len, "%s[%u]", name, row - 1);
	return buf;
}

static void write_nodes(struct report *r, size_t p, const struct scenario *sc,
			const struct report_point_acc *a)
{
	for (size_t k = 0; k < sc->ncomponents; k++) {
		const struct sc_node *nd = &sc->nodes[k];
		size_t nc = model_row_cols(nd->ops);
		uint32_t nrows = sc_node_rows(nd);
		for (uint32_t row = 0; row < nrows; row++) {
			char name[96], unit[96] = "";
			if (row && nd->ops->unit_name)
				nd->ops->unit_name(sc, nd, row - 1, unit, sizeof unit);
			struct outputs_node o = {
				p, row_name(name, sizeof name, nd->name, row), nd->ops, unit,
				&a->cells[k][row * nc],
			};
			put_row(r, OUT_NODES, &o);
			for (size_t i = 0; i < r->nodes_cat.n; i++) {
				struct outputs_ctx ctx = { r->set, &r->nodes_cat, &r->ts_cat, &r->cur };
				struct outputs_node_value v = { &o, i };
				/* a cost only where there is one */
				if (r->nodes_cat.col[i] == sim_cost_cols && (row || !nd->cost.given))
					continue;
				if (outputs_node_has(&ctx, nd->ops, i))
					put_row(r, OUT_NODES_LONG, &v);
			}
		}
	}
}

static void write_links(struct report *r, size_t p, const struct scenario *sc,
			const struct report_point_acc *a)
{
	size_t nc = model_ncols(sim_link_cols);
	for (uint32_t c = 0; c < a->nlinks; c++) {
		const struct zone_chan *ch = &sc->zmap->chans[c];
		struct outputs_link o = {
			p, sc->zmap->links[ch->link].name, ch->from, ch->to, &a->links[c * nc],
		};
		put_row(r, OUT_LINKS, &o);
	}
}

static void write_latency(struct report *r, size_t p, const char *wl, const struct hist *h)
{
	uint64_t cum = 0;
	for (size_t i = 0; i < HIST_NBUCKETS && h->total; i++) {
		if (!h->counts[i])
			continue;
		cum += h->counts[i];
		struct outputs_bucket b = {
			p, wl, (double)hist_bucket_hi(i) * 1e-9, h->counts[i],
			(double)cum / (double)h->total,
		};
		put_row(r, OUT_LATENCY, &b);
	}
}

static void write_series(struct report *r, size_t p, const struct scenario *sc,
			 const struct report_point_acc *a)
{
	int64_t end = sc->warmup_ns + sc->duration_ns;
	int64_t w = a->ts_window_ns;
	for (size_t t = 0; t < a->nts; t++) {
		const struct window_acc *wa = &a->ts[t];
		int64_t start = (int64_t)t * w;
		int64_t len = end - start < w ? end - start : w;
		struct outputs_window ow = {
			p, (double)start * 1e-9,
			(double)wa->ended[REQ_OK] / a->reps / ((double)len * 1e-9),
			ts_quantile(&wa->lat, 0.5), ts_quantile(&wa->lat, 0.99),
			(double)req_count_group(wa->ended, REQ_GROUP_REFUSED) / a->reps,
			(double)req_count_group(wa->ended, REQ_GROUP_FAILED) / a->reps,
			sc->slo ? (double)wa->missed / a->reps : NAN,
		};
		put_row(r, OUT_TS, &ow);
	}
	if (!a->node_ts_cells)
		return;
	int64_t nw = w * a->node_ts_every;
	for (size_t t = 0; t < a->nts_node; t++) {
		size_t off = t * a->node_ts_cells;
		for (size_t k = 0; k < sc->ncomponents; k++) {
			const struct model_ops *ops = sc->nodes[k].ops;
			size_t nc = model_ncols(ops->ts_cols);
			if (!nc)
				continue;
			uint32_t rows = ops->ts_units ? sc_node_rows(&sc->nodes[k]) : 1;
			for (uint32_t row = 0; row < rows; row++) {
				char name[96];
				struct outputs_node_window o = {
					p, (double)((int64_t)t * nw) * 1e-9,
					row_name(name, sizeof name, sc->nodes[k].name, row), ops,
					a->node_ts + off, a->node_ts_n + off,
				};
				put_row(r, OUT_NODE_TS, &o);
				off += nc;
			}
		}
	}
}

static void write_timeline(struct report *r, size_t p, const struct scenario *sc)
{
	int64_t end = sc->warmup_ns + sc->duration_ns;
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		int64_t stop = t->for_ns && t->at_ns + t->for_ns < end ? t->at_ns + t->for_ns : end;
		char name[160];
		if (t->node == TL_LINKS)   /* the links between two zone patterns */
			snprintf(name, sizeof name, "%s<->%s", t->between[0], t->between[1]);
		else if (t->zone)    /* its replicas in a zone: an outage's share */
			snprintf(name, sizeof name, "%s[%s]", sc->nodes[t->node].name,
				 sc->zmap->names[t->zone]);
		else if (t->unit == SIM_ANY)
			snprintf(name, sizeof name, "%s", sc->nodes[t->node].name);
		else
			snprintf(name, sizeof name, "%s[%u]", sc->nodes[t->node].name, t->unit);
		struct outputs_entry e = {
			p, (double)t->at_ns * 1e-9, (double)stop * 1e-9, name, tl_action_word(t),
			t->label,
		};
		put_row(r, OUT_TIMELINE, &e);
	}
}

static void write_summary_row(struct report *r, size_t p, const struct report_summary *pt,
			      const struct scope_acc *s0)
{
	const struct sweep *set = r->set;
	uint64_t none[REQ_NSTATUS] = { 0 };
	struct outputs_counts c = {
		.point = p, .reps = pt->replications, .used = pt->used,
		.arrivals = s0 ? s0->arrivals : 0, .ended = s0 ? s0->ended : none,
		.mean = pt->mean, .ci = pt->ci95, .lo = pt->lo, .hi = pt->hi,
		.steady = pt->steady, .healthy_end = pt->healthy_end,
		.complete = pt->complete, .precision = pt->precision,
		.seed = set->seed[p],
		.hash = set->hash[p], .version = r->version,
	};
	put_row(r, OUT_SUMMARY, &c);
}

/* io_check notes, for each file, the reason its first write failed
 * (errno is still that write's when checked right after the rows). */
static void io_check(struct report *r)
{
	for (int i = 0; i < OUT_NFILES; i++)
		if (r->f[i] && !r->io_error[i] && ferror(r->f[i]))
			r->io_error[i] = errno ? errno : EIO;
}

static void write_point(struct report *r, size_t p, const struct scenario *sc,
			const struct report_summary *pt, const struct report_point_acc *a)
{
	r->cur = (struct outputs_point){
		p, sc ? (double)sc->duration_ns * 1e-9 : NAN,
		(double)r->set->warmup_ns[p] * 1e-9, pt->replications,
	};
	write_summary_row(r, p, pt, a ? &a->scopes[0] : NULL);
	if (!sc)
		return;
	write_timeline(r, p, sc);
	if (!a)
		return;
	size_t nwl = sc->nnodes - sc->ncomponents;
	for (size_t w = 0; w < nwl; w++) {
		const struct scope_acc *s = &a->scopes[a->nscopes > 1 ? 1 + w : 0];
		double mean[METRIC_COUNT], ci[METRIC_COUNT], lo[METRIC_COUNT], hi[METRIC_COUNT];
		estimate(s, a->check.tau_s, mean, ci, lo, hi);
		struct outputs_counts c = {
			.point = p, .workload = sc->nodes[sc->ncomponents + w].name,
			.reps = a->reps, .used = s->used, .arrivals = s->arrivals,
			.ended = s->ended, .mean = mean, .ci = ci, .lo = lo, .hi = hi,
		};
		put_row(r, OUT_WORKLOADS, &c);
	}
	write_nodes(r, p, sc, a);
	write_links(r, p, sc, a);
	write_latency(r, p, "all", &a->scopes[0].latency);
	for (size_t w = 0; a->nscopes > 1 && w < nwl; w++)
		write_latency(r, p, sc->nodes[sc->ncomponents + w].name,
			      &a->scopes[1 + w].latency);
	write_series(r, p, sc, a);
	io_check(r);
}

/* ---- the report's life -------------------------------------------------- */

int report_init(struct report *r, const struct sweep *set,
		const char *version)
{
	memset(r, 0, sizeof *r);
	r->set = set;
	r->version = version;
	r->keep.fd = -1;
	outputs_catalogue_of(&r->nodes_cat, set->lang->kinds, 0);
	outputs_catalogue_of(&r->ts_cat, set->lang->kinds, 1);
	return 0;
}

/* ---- what is kept of closed points --------------------------------------
 *
 * A closed point's summary, and its replications' own values when there
 * is a sweep, are kept (keep.h): the summary at p * sizeof(struct
 * report_summary), the own values after all summaries, at the point's
 * first work item (the sweep's item_base) times REPORT_OWN_ROWS doubles.
 * Both places are fixed, so points are kept as they close and read back
 * in any order.  A run of one point keeps its record in memory. */

static off_t own_at(const struct report *r, size_t p)
{
	return (off_t)(r->set->npoints * sizeof(struct report_summary) +
		       r->set->item_base[p] * REPORT_OWN_ROWS * sizeof(double));
}

/* keeping is where the report keeps and reads back its points; its
 * message goes to r->err, which a const report may set. */
static struct sim_err *err_of(const struct report *r)
{
	return (struct sim_err *)&r->err;
}

/* spill_point keeps point p's summary and own values (pt->own, may be
 * NULL). */
static int spill_point(struct report *r, size_t p, const struct report_summary *pt)
{
	if (!r->keep.open)
		keep_open(&r->keep, r->set->npoints > 1);
	struct report_summary rec = *pt;
	rec.own = NULL;
	int rc = keep_put(&r->keep, &rec, sizeof rec, (off_t)(p * sizeof rec), &r->err);
	if (rc == 0 && pt->own)
		rc = keep_put(&r->keep, pt->own,
			      (size_t)REPORT_OWN_ROWS * pt->replications * sizeof *pt->own, own_at(r, p),
			      &r->err);
	return rc;
}

int report_error(const struct report *r, int rc, struct sim_err *err)
{
	if (rc != SIM_ENOMEM && r->err.code) {
		*err = r->err;
		return rc;
	}
	return sim_errf(err, rc, "out of memory");
}

int report_point(const struct report *r, size_t p, struct report_summary *out)
{
	memset(out, 0, sizeof *out);
	out->busiest = UINT32_MAX;         /* until read: none */
	out->busiest_util = NAN;
	if (!r->keep.open || p >= r->set->npoints)
		return 0;
	int rc = keep_get(&r->keep, out, sizeof *out, (off_t)(p * sizeof *out), err_of(r));
	out->own = NULL;
	return rc;
}

int report_point_own(const struct report *r, size_t p, struct report_summary *out)
{
	int rc = report_point(r, p, out);
	if (rc || !out->replications || !r->set->nparams)
		return rc;
	size_t n = (size_t)REPORT_OWN_ROWS * out->replications;
	if (!(out->own = malloc(n * sizeof *out->own)))
		return SIM_ENOMEM;
	if ((rc = keep_get(&r->keep, out->own, n * sizeof *out->own, own_at(r, p), err_of(r)))) {
		free(out->own);
		out->own = NULL;
	}
	return rc;
}

int report_compare(const struct report *r, size_t a, size_t b, int k,
		   struct interval_pair *out)
{
	struct report_summary A, B;
	int rc = report_point_own(r, a, &A);
	if (rc == 0 && (rc = report_point_own(r, b, &B)) == 0) {
		rc = report_pair(&A, &B, k, out);
		free(B.own);
	}
	free(A.own);
	return rc;
}

void report_fini(struct report *r)
{
	if (r->acc)
		acc_free(r->acc);
	r->acc = NULL;
	report_part_free(r->part);
	r->part = NULL;
	report_abort(r);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	r->warnings = NULL;
	r->nwarnings = 0;
	keep_close(&r->keep);
	keep_close(&r->hkeep);
	free(r->dir);
	r->dir = NULL;
}

/* busiest finds the component whose own row has the highest mean
 * utilization: the bottleneck, for a capacity answer. */
static void busiest(const struct scenario *sc, const struct report_point_acc *a,
		    struct report_summary *pt)
{
	for (size_t k = 0; k < sc->ncomponents && k < a->ncells; k++) {
		const struct model_ops *ops = sc->nodes[k].ops;
		for (size_t c = 0; c < model_row_cols(ops); c++) {
			const struct col_def *d = model_row_col(ops, c);
			if (strcmp(d->name, "utilization") || d->agg != COL_MEAN)
				continue;
			const struct outputs_cell *cell = &a->cells[k][c];
			if (cell->n && !(cell->a <= pt->busiest_util)) {
				pt->busiest = (uint32_t)k;
				pt->busiest_util = cell->a;
			}
			break;
		}
	}
}

int report_point_done(struct report *r, size_t p)
{
	struct report_summary sum, *pt = &sum;
	/* a group cut short (the run stopped) joins the point first */
	int rc = r->part && r->part->acc && !r->part->closed && r->part->point == p ?
		 part_merge(r, p) : 0;
	if (rc)
		return rc;
	struct report_point_acc *a = r->acc && r->acc_point == p ? r->acc : NULL;
	const struct scenario *sc = sweep_point(r->set, p, &r->err);
	if (!sc)
		return r->err.code;
	memset(pt, 0, sizeof *pt);
	for (int m = 0; m < METRIC_COUNT; m++)
		pt->mean[m] = pt->ci95[m] = pt->lo[m] = pt->hi[m] = NAN;
	pt->busiest = UINT32_MAX;
	pt->busiest_util = NAN;
	pt->p99_slope = NAN;
	if (a && a->reps)
		busiest(sc, a, pt);
	if (a && a->reps) {
		const struct scope_acc *s0 = &a->scopes[0];
		pt->replications = a->reps;
		pt->used = s0->used;
		pt->precision = a->precision;
		pt->complete = sc->precision.metric >= 0 ? pt->precision != 0 :
			       a->reps == sc->replications;
		pt->healthy_end = (double)a->healthy_end / a->reps;
		pt->arrivals = s0->arrivals;
		pt->completed = s0->ended[REQ_OK];
		pt->rejected = req_count_group(s0->ended, REQ_GROUP_REFUSED);
		pt->failed = req_count_group(s0->ended, REQ_GROUP_FAILED);
		estimate(s0, a->check.tau_s, pt->mean, pt->ci95, pt->lo, pt->hi);
		rc = steady_verdict(r, p, sc, a, &pt->steady);
		if (pt->precision == 2 && rc == 0) {
			const struct sc_precision *pr = &sc->precision;
			int m = pr->metric;
			char text[400];
			double need;
			if (isnan(pt->lo[m]) && metric_quantile(m) > 0 &&
			    short_stretch(s0, metric_quantile(m), a->check.tau_s, &need)) {
				char len[32];
				stats_fmt_seconds(len, sizeof len, need);
				snprintf(text, sizeof text,
					 "precision not reached: %s has no interval after %u replications, nor would it after more: the latencies beyond it come in too few bursts per replication; only a longer duration helps (replications of %s or more)",
					 metric_name(m), a->reps, len);
			} else if (isnan(pt->lo[m]))
				snprintf(text, sizeof text,
					 "precision not reached: %s has no interval after %u replications (too few samples, or beyond its quantile); raise max_replications or duration",
					 metric_name(m), a->reps);
			else
				snprintf(text, sizeof text,
					 "precision not reached: %s is %.4g with a 95 %% interval of [%.4g, %.4g] after %u replications, where the target half-width is %.4g; raise max_replications or duration",
					 metric_name(m), pt->mean[m], pt->lo[m], pt->hi[m], a->reps,
					 sc_precision_target(pr, pt->mean[m]));
			rc = add_warning(r, p, text);
		}
		if (r->set->nparams && rc == 0) {
			/* each replication's own values, for compare.csv */
			pt->own = malloc((size_t)REPORT_OWN_ROWS * a->reps * sizeof *pt->own);
			if (!pt->own)
				rc = SIM_ENOMEM;
			for (int k = 0; pt->own && k < OUTPUTS_NCMP; k++)
				memcpy(pt->own + (size_t)k * a->reps, s0->m[outputs_cmp_metrics[k]].x,
				       a->reps * sizeof *pt->own);
			/* and each one's CDF at the pooled p99, with the
			 * pooled histogram's slope there */
			double *f = pt->own ? pt->own + (size_t)OUTPUTS_NCMP * a->reps : NULL;
			pt->p99_slope = NAN;
			if (f && s0->latency.total) {
				rc = cdf_at_bucket(r, a, hist_quantile_bucket(&s0->latency, 0.99), f);
				pt->p99_slope = interval_inverse_slope(&s0->latency, f, a->reps);
			} else if (f) {
				for (uint32_t i = 0; i < a->reps; i++)
					f[i] = NAN;
			}
		}
	}
	if (r->f[0] && p == r->written) {
		errno = 0;
		write_point(r, p, sc, pt, a && a->reps ? a : NULL);
		r->written++;
	}
	if (a) {
		acc_free(a);
		r->acc = NULL;
	}
	if (rc == 0)
		rc = spill_point(r, p, pt);
	free(pt->own);
	return rc;
}

/* rmdir_made removes the directories report_open created, deepest first,
 * while they are empty. */
static void rmdir_made(struct report *r)
{
	char buf[4096];
	if (!r->dir || !r->made ||
	    snprintf(buf, sizeof buf, "%s", r->dir) >= (int)sizeof buf)
		return;
	for (size_t n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--)
		buf[n - 1] = 0;
	for (;;) {
		if (rmdir(buf))
			break;
		char *slash = strrchr(buf, '/');
		while (slash && slash > buf && slash[-1] == '/')
			slash--;
		if (!slash || (size_t)(slash - buf) < r->made)
			break;
		*slash = 0;
	}
	r->made = 0;
}

int report_open(struct report *r, const char *dir, struct sim_err *err)
{
	size_t made;
	if (outfile_mkdir_p(dir, &made))
		return sim_errf(err, SIM_EIO, "%s: cannot create output directory: %s",
				dir, strerror(errno));
	if (!(r->dir = strdup(dir)))
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	r->made = made;
	for (int i = 0; i < OUT_NFILES; i++) {
		size_t len = strlen(dir) + strlen(outputs_files[i].name) + 64;
		if (!(r->tmp[i] = malloc(len))) {
			report_abort(r);
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		}
		snprintf(r->tmp[i], len, "%s/.%s.%ld.tmp", dir, outputs_files[i].name,
			 (long)getpid());
		if (!(r->f[i] = fopen(r->tmp[i], "w"))) {
			int e = errno;
			sim_errf(err, SIM_EIO, "%s: cannot write: %s", r->tmp[i], strerror(e));
			report_abort(r);
			return SIM_EIO;
		}
	}
	errno = 0;
	struct outputs_ctx ctx = { r->set, &r->nodes_cat, &r->ts_cat, &r->cur };
	for (int i = 0; i < OUT_NFILES; i++)
		csv_header(r->f[i], &outputs_files[i], &ctx);
	io_check(r);
	return 0;
}

void report_abort(struct report *r)
{
	for (int i = 0; i < OUT_NFILES; i++) {
		if (r->f[i])
			fclose(r->f[i]);
		r->f[i] = NULL;
		if (r->tmp[i])
			unlink(r->tmp[i]);
		free(r->tmp[i]);
		r->tmp[i] = NULL;
	}
	rmdir_made(r);
}

int report_pair(const struct report_summary *a, const struct report_summary *b,
		int k, struct interval_pair *out)
{
	int m = outputs_cmp_metrics[k];
	out->diff = b->mean[m] - a->mean[m];
	out->half = out->unpaired = NAN;
	out->pairs = 0;
	if (!a->own || !b->own)
		return 0;
	size_t na = a->replications, nb = b->replications;
	int rc;
	if (m == METRIC_P99) {
		/* the pooled p99s' difference (interval.h) */
		rc = interval_pair_quantile(a->own + k * na, b->own + k * nb,
					    a->own + OUTPUTS_NCMP * na, b->own + OUTPUTS_NCMP * nb,
					    na < nb ? na : nb, a->mean[m], b->mean[m],
					    a->p99_slope, b->p99_slope, HIST_REL_ERR, out);
	} else {
		rc = interval_pair(a->own + k * na, na, b->own + k * nb, nb, out);
	}
	/* a percentile whose own interval is withheld gets no comparison */
	if (isnan(a->lo[m]) && metric_quantile(m) > 0)
		out->half = out->unpaired = NAN;
	if (isnan(b->lo[m]) && metric_quantile(m) > 0)
		out->half = out->unpaired = NAN;
	return rc;
}

/* write_compare writes compare.csv: for each combination of the other
 * swept parameters, every pair of values of the compared one.  The points
 * of one combination are read back together.  0, SIM_ENOMEM or SIM_EIO. */
static int write_compare(struct report *r)
{
	const struct sweep *set = r->set;
	if (!set->nparams)
		return 0;
	size_t c = set->compare, nv = set->param_nvalues[c], stride = 1;
	for (size_t i = c + 1; i < set->nparams; i++)
		stride *= set->param_nvalues[i];
	struct report_summary *g = calloc(nv, sizeof *g);
	int rc = g ? 0 : SIM_ENOMEM;
	for (size_t base = 0; rc == 0 && base < set->npoints; base++) {
		if ((base / stride) % nv != 0)
			continue;
		for (size_t x = 0; rc == 0 && x < nv; x++)
			rc = report_point_own(r, base + x * stride, &g[x]);
		for (size_t x = 0; rc == 0 && x < nv; x++) {
			for (size_t y = x + 1; y < nv; y++) {
				const struct report_summary *A = &g[x], *B = &g[y];
				struct interval_pair pr[OUTPUTS_NCMP];
				for (int k = 0; rc == 0 && k < OUTPUTS_NCMP; k++)
					rc = report_pair(A, B, k, &pr[k]);
				if (rc)
					break;
				struct outputs_pair row = {
					base + x * stride, base + y * stride,
					A->replications, B->replications, A->mean, B->mean, pr,
				};
				put_row(r, OUT_COMPARE, &row);
			}
		}
		for (size_t x = 0; x < nv; x++) {
			free(g[x].own);
			g[x].own = NULL;
		}
	}
	free(g);
	return rc;
}

int report_commit(struct report *r, struct sim_err *err)
{
	return report_commit_to(r, NULL, err);
}

int report_commit_to(struct report *r, const char *dir, struct sim_err *err)
{
	int rc = 0;
	if (!r->f[0])
		return 0;      /* never opened: nothing to write */
	const char *to = dir ? dir : r->dir;
	size_t made_to = 0;
	if (dir && outfile_mkdir_p(dir, &made_to)) {
		rc = sim_errf(err, SIM_EIO, "%s: cannot create output directory: %s", dir,
			      strerror(errno));
		report_abort(r);
		return rc;
	}
	/* rows for the points never run, so the files say what is missing */
	while (r->written < r->set->npoints) {
		size_t p = r->written;
		/* its timeline rows need the point built; a point that can
		 * no longer be (a file it reads went away) gets its summary
		 * row alone, and the results of those that ran are kept */
		const struct scenario *sc = sweep_point(r->set, p, NULL);
		struct report_summary none = { 0 };
		errno = 0;
		write_point(r, p, sc, &none, NULL);
		r->written++;
	}
	if ((rc = write_compare(r))) {
		report_abort(r);
		return report_error(r, rc, err);
	}
	io_check(r);
	for (int i = 0; i < OUT_NFILES && rc == 0; i++) {
		FILE *f = r->f[i];
		int bad = ferror(f);
		int e = r->io_error[i] ? r->io_error[i] : EIO;
		if (fflush(f) || fsync(fileno(f))) {
			bad = 1;
			e = errno;
		}
		if (fclose(f)) {
			bad = 1;
			e = errno;
		}
		r->f[i] = NULL;
		if (bad)
			rc = sim_errf(err, SIM_EIO, "%s/%s: write failed: %s", r->dir,
				      outputs_files[i].name, strerror(e));
	}
	char fin[OUT_NFILES][4200];
	for (int i = 0; i < OUT_NFILES && rc == 0; i++) {
		struct stat st;
		snprintf(fin[i], sizeof fin[i], "%s/%s", to, outputs_files[i].name);
		/* every rename must be able to succeed before any is done: a
		 * directory in a result's place would stop one half way,
		 * leaving old and new results mixed */
		if (lstat(fin[i], &st) == 0 && !S_ISREG(st.st_mode))
			rc = sim_errf(err, SIM_EIO,
				      "%s: exists and is not a regular file; nothing was replaced",
				      fin[i]);
	}
	for (int i = 0; i < OUT_NFILES && rc == 0; i++) {
		if (rename(r->tmp[i], fin[i]))
			rc = sim_errf(err, SIM_EIO, "%s: cannot rename into place: %s",
				      fin[i], strerror(errno));
		else {
			free(r->tmp[i]);
			r->tmp[i] = NULL;
		}
	}
	if (rc && dir && made_to)
		rmdir(dir);     /* made here, and left empty */
	if (rc == 0 && !dir)
		r->made = 0;    /* it holds the results */
	report_abort(r);    /* with dir: the output directory, if made and empty */
	return rc;
}

/* ---- the terminal ------------------------------------------------------ */

void report_print_table(const struct report *r, FILE *f)
{
	/* with a sweep, each row is named by its swept values, under a
	 * header of the swept paths' last words */
	const struct sweep *set = r->set;
	char head[256], label[1024];
	int width = 0;
	sweep_param_words(set, head, sizeof head);
	if (set->nparams) {
		width = (int)strlen(head);
		for (size_t p = 0; p < set->npoints; p++) {
			sweep_point_label(set, p, label, sizeof label);
			if ((int)strlen(label) > width)
				width = (int)strlen(label);
		}
		fprintf(f, "%-*s  ", width, head);
	}
	fprintf(f, "%-16s %-22s %-12s %-12s %-12s %-10s %s\n",
		"throughput/s", "mean latency", "p50", "p99", "p99.9", "rejected",
		"failed");
	for (size_t p = 0; p < set->npoints; p++) {
		struct report_summary sum, *pt = &sum;
		if (report_point(r, p, pt) || !pt->replications)
			continue;
		char thr[32], mean[40], m[16], h[16], p50[16], p99[16], p999[16];
		char rej[16], fail[16];
		snprintf(thr, sizeof thr, "%.4g", pt->mean[METRIC_THROUGHPUT]);
		stats_fmt_seconds(m, sizeof m, pt->mean[METRIC_LATENCY_MEAN]);
		stats_fmt_seconds(h, sizeof h, pt->ci95[METRIC_LATENCY_MEAN]);
		if (isnan(pt->ci95[METRIC_LATENCY_MEAN]))
			snprintf(mean, sizeof mean, "%s", m);
		else
			snprintf(mean, sizeof mean, "%s ± %s", m, h);
		stats_fmt_seconds(p50, sizeof p50, pt->mean[METRIC_P50]);
		stats_fmt_seconds(p99, sizeof p99, pt->mean[METRIC_P99]);
		stats_fmt_seconds(p999, sizeof p999, pt->mean[METRIC_P999]);
		snprintf(rej, sizeof rej, "%.3g%%", 100 * (isnan(pt->mean[METRIC_REJECT_RATIO]) ?
							 0 : pt->mean[METRIC_REJECT_RATIO]));
		snprintf(fail, sizeof fail, "%.3g%%", 100 * (isnan(pt->mean[METRIC_ERROR_RATIO]) ?
							   0 : pt->mean[METRIC_ERROR_RATIO]));
		if (set->nparams) {
			sweep_point_label(set, p, label, sizeof label);
			fprintf(f, "%-*s  ", width, label);
		}
		fprintf(f, "%-16s %-22s %-12s %-12s %-12s %-10s %s%s%s\n", thr,
			mean, p50, p99, p999, rej, fail,
			pt->complete ? "" : "  (incomplete)",
			pt->steady ? "" : "  (not steady)");
	}
}

void report_print_warnings(const struct report *r, FILE *f)
{
	for (size_t i = 0; i < r->nwarnings; i++)
		fprintf(f, "archsim: warning: %s\n", r->warnings[i]);
	if (r->more_warnings)
		fprintf(f, "archsim: warning: %zu more warnings about %zu points are not shown; summary.csv's steady, precision_met and interval columns give every point's verdict\n",
			r->more_warnings, r->more_points);
}
