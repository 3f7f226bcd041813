/*
 * report.c - folding replications, estimates and CSV output; see report.h.
 */
#include "app/report.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_statistics_double.h>

#include "sim/stats.h"
#include "sim/steady.h"
#include "sim/timeline.h"

/* Time-series percentiles need at least this many samples over 1 - q in
 * their window, pooled over replications (a p99 from 40 samples is the
 * window's maximum, not its p99).  A summary percentile's interval needs
 * as many beyond it in each replication, on average: with fewer, the
 * replications' tails are a handful of busy periods each, and no
 * interval built from them holds the truth 95 % of the time (an M/M/1's
 * p99.9 with 3 latencies beyond it per replication: 71 %; with 16: 94 %;
 * docs/STATISTICS.md). */
#define TS_MIN_TAIL 10.0

/* The empirical steady-state checks: a change over the measured window
 * counts when it is beyond chance at this one-sided level, and large
 * enough to matter (see growth_flagged). */
#define STEADY_T_LEVEL 0.9995

enum {
	F_SUMMARY, F_WORKLOADS, F_NODES, F_LATENCY, F_TS, F_NODE_TS, F_TIMELINE,
	F_COMPARE, F_COUNT
};
_Static_assert(F_COUNT == REPORT_NFILES, "report.h sizes its arrays by REPORT_NFILES");

static const char *const file_names[F_COUNT] = {
	"summary.csv", "workloads.csv", "nodes.csv", "latency.csv",
	"timeseries.csv", "node_timeseries.csv", "timeline.csv", "compare.csv",
};

/* The metrics compare.csv pairs (each replication's own value is kept
 * per point for them). */
static const int cmp_metric[REPORT_NCMP] = { METRIC_LATENCY_MEAN, METRIC_P99, METRIC_ERROR_RATIO };

/* ---- accumulators ----------------------------------------------------- */

/* The replications' own values of one quantity, in index order. */
struct series {
	double *x;
	size_t n, cap;
};

static int series_push(struct series *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		double *x = realloc(s->x, cap * sizeof *x);
		if (!x)
			return SIM_ENOMEM;
		s->x = x;
		s->cap = cap;
	}
	s->x[s->n++] = v;
	return 0;
}

struct scope_acc {
	uint64_t arrivals, ended[REQ_NSTATUS];
	struct hist latency;             /* pooled */
	struct cdf_sums cdf;             /* for percentile intervals */
	double duration_s;               /* measured, summed */
	double failed_latency_s;         /* summed */
	struct series m[METRIC_COUNT];       /* per replication; percentiles: each
					  * replication's own */
	uint32_t used;                   /* replications that served */
};

/* One nodes.csv cell folded over replications: a sum (COL_SUM), a running
 * mean and sum of squared deviations (COL_MEAN, Welford), or a numerator
 * and denominator (COL_RATIO). */
struct cell_acc {
	double a, b;
	uint32_t n;
};

struct window_acc {
	uint64_t ended[REQ_NSTATUS];
	struct whist lat;
};

struct report_point_acc {
	uint32_t reps;
	int precision;                   /* report_set_precision: 0 unset, 1
					  * met, 2 not met */
	struct scope_acc *scopes;
	uint32_t nscopes;
	struct cell_acc **cells;         /* [ncells][nrows * ncols] */
	size_t ncells;                   /* the point's components */
	struct window_acc *ts;
	size_t nts;
	int64_t ts_window_ns;
	double *node_ts;                 /* sums */
	uint32_t *node_ts_n;             /* values folded into each sum */
	size_t nts_node, node_ts_cells;
	uint32_t node_ts_every;
	struct series growth;            /* requests in the system, end - start */
	uint32_t healthy_end;            /* replications that ended healthy */
	struct series trend;             /* mean latency, second half - first */
	struct steady_check check;
};

static void acc_free(struct report_point_acc *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; a->scopes && i < a->nscopes; i++) {
		hist_fini(&a->scopes[i].latency);
		cdf_sums_free(&a->scopes[i].cdf);
		for (int m = 0; m < METRIC_COUNT; m++)
			free(a->scopes[i].m[m].x);
	}
	free(a->scopes);
	for (size_t k = 0; a->cells && k < a->ncells; k++)
		free(a->cells[k]);
	free(a->cells);
	for (size_t t = 0; a->ts && t < a->nts; t++)
		whist_fini(&a->ts[t].lat);
	free(a->ts);
	free(a->node_ts);
	free(a->node_ts_n);
	free(a->growth.x);
	free(a->trend.x);
	steady_free(&a->check);
	free(a);
}

static struct report_point_acc *acc_new(const struct scenario *sc,
					const struct rep_result *res)
{
	struct report_point_acc *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->nscopes = res->nscopes;
	a->scopes = calloc(a->nscopes, sizeof *a->scopes);
	a->cells = calloc(sc->ncomponents ? sc->ncomponents : 1, sizeof *a->cells);
	a->ncells = a->cells ? sc->ncomponents : 0;
	a->nts = res->nts;
	a->ts_window_ns = res->ts_window_ns;
	a->ts = calloc(a->nts ? a->nts : 1, sizeof *a->ts);
	a->nts_node = res->nts_node;
	a->node_ts_cells = res->node_ts_cells;
	a->node_ts_every = res->node_ts_every;
	size_t ncell = a->nts_node * a->node_ts_cells;
	a->node_ts = calloc(ncell ? ncell : 1, sizeof *a->node_ts);
	a->node_ts_n = calloc(ncell ? ncell : 1, sizeof *a->node_ts_n);
	if (!a->scopes || !a->cells || !a->ts || !a->node_ts || !a->node_ts_n)
		goto oom;
	for (uint32_t i = 0; i < a->nscopes; i++)
		if (hist_init(&a->scopes[i].latency))
			goto oom;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		size_t n = (size_t)res->nodes[k].nrows * model_row_cols(sc->nodes[k].ops);
		if (!(a->cells[k] = calloc(n ? n : 1, sizeof *a->cells[k])))
			goto oom;
	}
	if (steady_analyze(sc, &a->check))
		goto oom;
	return a;
oom:
	acc_free(a);
	return NULL;
}

/* ---- folding ----------------------------------------------------------- */

static uint64_t count_group(const uint64_t *ended, int group)
{
	uint64_t n = 0;
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == group)
			n += ended[st];
	return n;
}

/* means works out the metrics that are not percentiles from a scope's
 * counts and sums: one replication's, or the replications' pooled. */
static void means(uint64_t arrivals, const uint64_t *ended, const struct hist *h,
		  double duration_s, double failed_latency_s, double *v)
{
	uint64_t served = ended[REQ_OK];
	uint64_t refused = count_group(ended, REQ_GROUP_REFUSED);
	uint64_t failed = count_group(ended, REQ_GROUP_FAILED);
	v[METRIC_THROUGHPUT] = duration_s > 0 ? (double)served / duration_s : NAN;
	v[METRIC_LATENCY_MEAN] = served ? hist_mean(h) * 1e-9 : NAN;
	v[METRIC_REJECT_RATIO] = arrivals ? (double)refused / (double)arrivals : NAN;
	v[METRIC_ERROR_RATIO] = arrivals ? (double)failed / (double)arrivals : NAN;
	v[METRIC_FAILED_LATENCY_MEAN] = failed ? failed_latency_s / (double)failed : NAN;
}

static int fold_scope(struct scope_acc *a, const struct scope_result *s,
		      double duration_s)
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
	if (served && cdf_sums_add(&a->cdf, h))
		return SIM_ENOMEM;
	double v[METRIC_COUNT];
	means(s->arrivals, s->ended, h, duration_s, s->failed_latency_s, v);
	for (int m = METRIC_P50; m <= METRIC_P999; m++)
		v[m] = served ? (double)hist_quantile(h, metric_quantile(m)) * 1e-9 : NAN;
	for (int m = 0; m < METRIC_COUNT; m++)
		if (series_push(&a->m[m], v[m]))
			return SIM_ENOMEM;
	return 0;
}

static void fold_cell(struct cell_acc *c, enum col_agg agg, const double *v)
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
		c->n++;
		break;
	}
}

/* col_agg_of returns the aggregation of column c of kind ops (its own
 * columns, then the engine's call columns). */
static const struct col_def *col_of(const struct model_ops *ops, size_t c)
{
	size_t own = model_ncols(ops->cols);
	return c < own ? &ops->cols[c] : &sim_call_cols[c - own];
}

int report_fold(struct report *r, size_t p, uint32_t rep,
		const struct rep_result *res)
{
	const struct scenario *sc = sweep_point(r->set, p, &r->err);
	if (!sc)
		return r->err.code;
	if (!r->acc || r->acc_point != p) {
		acc_free(r->acc);
		r->acc = acc_new(sc, res);
		r->acc_point = p;
		if (!r->acc)
			return SIM_ENOMEM;
	}
	struct report_point_acc *a = r->acc;
	assert(rep == a->reps);     /* folded in index order */
	assert(res->complete);      /* a stopped replication is not folded */
	a->reps++;
	r->events += res->events;
	r->requests += res->requests;
	for (uint32_t i = 0; i < a->nscopes; i++)
		if (fold_scope(&a->scopes[i], &res->scopes[i], res->duration_s))
			return SIM_ENOMEM;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		const struct model_ops *ops = sc->nodes[k].ops;
		size_t nc = model_row_cols(ops);
		const struct node_rows *o = &res->nodes[k];
		for (uint32_t row = 0; row < o->nrows; row++)
			for (size_t c = 0; c < nc; c++)
				fold_cell(&a->cells[k][row * nc + c], col_of(ops, c)->agg,
					  o->v + (row * nc + c) * 2);
	}
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
	return 0;
}

/* ---- estimates --------------------------------------------------------- */

int cdf_sums_add(struct cdf_sums *c, const struct hist *h)
{
	if (!c->s1) {
		c->s1 = calloc(HIST_NBUCKETS, sizeof *c->s1);
		c->s2 = calloc(HIST_NBUCKETS, sizeof *c->s2);
		c->ones = calloc(HIST_NBUCKETS, sizeof *c->ones);
		if (!c->s1 || !c->s2 || !c->ones)
			return SIM_ENOMEM;
	}
	size_t lo = hist_index(h->min_ns), hi = hist_index(h->max_ns);
	uint64_t cum = 0;
	for (size_t b = lo; b < hi; b++) {
		cum += h->counts[b];
		double f = (double)cum / (double)h->total;
		c->s1[b] += f;
		c->s2[b] += f * f;
	}
	c->ones[hi]++;        /* F = 1 from the maximum's bucket on */
	c->n++;
	return 0;
}

void cdf_sums_free(struct cdf_sums *c)
{
	free(c->s1);
	free(c->s2);
	free(c->ones);
	memset(c, 0, sizeof *c);
}

/* clamp01 keeps a probability in [0, 1]. */
static double clamp01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

void report_quantile_interval(const struct hist *pooled, double q,
			      const double *own, size_t n,
			      const struct cdf_sums *c, double rel_err,
			      double *x, double *lo, double *hi)
{
	*x = *lo = *hi = NAN;
	if (!pooled->total)
		return;
	double xp = (double)hist_quantile(pooled, q) * 1e-9;
	*x = xp;
	/* sectioning: the own quantiles' spread around the pooled one */
	double ss = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(own[i]))
			continue;
		ss += (own[i] - xp) * (own[i] - xp);
		m++;
	}
	if (m < 2 || c->n != m)
		return;
	double t = stats_t_quantile(0.975, (double)(m - 1));
	double hb = t * sqrt(ss / ((double)m * (double)(m - 1)));
	/* CDF inversion at the pooled quantile's bucket */
	size_t b = hist_quantile_bucket(pooled, q);
	uint64_t ones = 0;
	for (size_t j = 0; j <= b; j++)
		ones += c->ones[j];
	double s1 = c->s1[b] + (double)ones, s2 = c->s2[b] + (double)ones;
	double pbar = s1 / (double)m;
	double var = (s2 - s1 * s1 / (double)m) / (double)(m - 1);
	double hp = t * sqrt(var > 0 ? var / (double)m : 0);
	double cl = (double)hist_quantile(pooled, clamp01(pbar - hp)) * 1e-9;
	double cu = (double)hist_quantile(pooled, clamp01(pbar + hp)) * 1e-9;
	/* the hull of the two, widened by the histogram's error; a
	 * latency is never below 0 */
	*lo = (xp - hb < cl ? xp - hb : cl) - rel_err * xp;
	*hi = (xp + hb > cu ? xp + hb : cu) + rel_err * xp;
	if (*lo < 0)
		*lo = 0;
}

/* short_tail says whether the replications of a scope have too few
 * latencies beyond the q-quantile for its interval (TS_MIN_TAIL). */
static int short_tail(const struct scope_acc *a, double q)
{
	return (1 - q) * (double)a->ended[REQ_OK] / (double)a->used < TS_MIN_TAIL;
}

/* estimate works out the metrics of one scope: pooled point estimates;
 * t half-widths from the replications' own values; percentile intervals
 * as report_quantile_interval. */
static void estimate(const struct scope_acc *a, double *mean, double *ci,
		     double *lo, double *hi)
{
	double pooled[METRIC_COUNT];
	means(a->arrivals, a->ended, &a->latency, a->duration_s, a->failed_latency_s,
	      pooled);
	for (int m = 0; m < METRIC_COUNT; m++) {
		const struct series *s = &a->m[m];
		if (metric_quantile(m) > 0) {
			report_quantile_interval(&a->latency, metric_quantile(m), s->x, s->n,
						 &a->cdf, HIST_REL_ERR, &mean[m], &lo[m], &hi[m]);
			if (a->used && short_tail(a, metric_quantile(m)))
				lo[m] = hi[m] = NAN;
			ci[m] = isnan(lo[m]) ? NAN :
				mean[m] - lo[m] > hi[m] - mean[m] ? mean[m] - lo[m] : hi[m] - mean[m];
		} else {
			double avg;
			stats_ci95(s->x, s->n, &avg, &ci[m]);
			mean[m] = pooled[m];
			lo[m] = mean[m] - ci[m];
			hi[m] = mean[m] + ci[m];
		}
	}
}

int report_estimate(const struct report *r, size_t p, int m, double *est,
		    double *lo, double *hi)
{
	const struct report_point_acc *a = r->acc && r->acc_point == p ? r->acc : NULL;
	if (!a || !a->reps)
		return -1;
	double mean[METRIC_COUNT], ci[METRIC_COUNT], l[METRIC_COUNT], h[METRIC_COUNT];
	estimate(&a->scopes[0], mean, ci, l, h);
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
	if (r->set->npoints > 1)
		snprintf(line, sizeof line, "point %zu: %s", p, text);
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
	/* percentiles whose interval was left out */
	char which[64] = "";
	for (int m = 0; m < METRIC_COUNT; m++)
		if (metric_quantile(m) > 0 && s0->used >= 2 && short_tail(s0, metric_quantile(m)))
			snprintf(which + strlen(which), sizeof which - strlen(which), "%s%s",
				 *which ? ", " : "", metric_name(m));
	if (rc == 0 && *which) {
		snprintf(text, sizeof text,
			 "%s: fewer than %g latencies beyond it per replication, too few for an interval that holds; the interval is left out (NaN): run longer",
			 which, TS_MIN_TAIL);
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

/* num prints a double for CSV: %.9g, NaN for missing. */
static void num(FILE *f, double v)
{
	if (isnan(v))
		fputs(",NaN", f);
	else
		fprintf(f, ",%.9g", v);
}

/* csv_field prints a string as a CSV field, quoted when it must be. */
static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

/* status_column writes the column name of a non-ok status: refusals by
 * their own name, failures as failed_<name>. */
static void status_column(FILE *f, int st)
{
	if (req_status_group(st) == REQ_GROUP_FAILED)
		fprintf(f, ",failed_%s", req_status_name(st));
	else
		fprintf(f, ",%s", req_status_name(st));
}

static void counts_header(FILE *f)
{
	fputs(",replications,replications_used,arrivals,completed", f);
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == REQ_GROUP_REFUSED)
			status_column(f, st);
	fputs(",failed", f);
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == REQ_GROUP_FAILED)
			status_column(f, st);
	for (int m = 0; m < METRIC_COUNT; m++) {
		fprintf(f, ",%s,%s_ci95", metric_name(m), metric_name(m));
		if (metric_quantile(m) > 0)
			fprintf(f, ",%s_lo,%s_hi", metric_name(m), metric_name(m));
	}
}

static void counts_row(FILE *f, uint32_t reps, uint32_t used,
		       const uint64_t arrivals, const uint64_t *ended,
		       const double *mean, const double *ci, const double *lo,
		       const double *hi)
{
	fprintf(f, ",%u,%u,%llu,%llu", reps, used, (unsigned long long)arrivals,
		(unsigned long long)ended[REQ_OK]);
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == REQ_GROUP_REFUSED)
			fprintf(f, ",%llu", (unsigned long long)ended[st]);
	fprintf(f, ",%llu", (unsigned long long)count_group(ended, REQ_GROUP_FAILED));
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == REQ_GROUP_FAILED)
			fprintf(f, ",%llu", (unsigned long long)ended[st]);
	for (int m = 0; m < METRIC_COUNT; m++) {
		num(f, reps ? mean[m] : NAN);
		num(f, reps ? ci[m] : NAN);
		if (metric_quantile(m) > 0) {
			num(f, reps ? lo[m] : NAN);
			num(f, reps ? hi[m] : NAN);
		}
	}
}

/* The nodes.csv catalogue: every kind's columns in registry order, then
 * the engine's call columns, each name once. */
struct catalogue {
	const struct col_def *col[256];
	size_t n;
};

static void catalogue_add(struct catalogue *c, const struct col_def *cols)
{
	for (size_t i = 0; cols && cols[i].name; i++) {
		size_t j;
		for (j = 0; j < c->n; j++)
			if (!strcmp(c->col[j]->name, cols[i].name))
				break;
		if (j == c->n && c->n < 256)
			c->col[c->n++] = &cols[i];
	}
}

static void node_catalogue(struct catalogue *c, const struct model_ops *const *kinds, int ts)
{
	c->n = 0;
	for (size_t k = 0; kinds[k]; k++)
		catalogue_add(c, ts ? kinds[k]->ts_cols : kinds[k]->cols);
	if (!ts)
		catalogue_add(c, sim_call_cols);
}

static void write_headers(struct report *r)
{
	const struct sweep *set = r->set;
	FILE *f = r->f[F_SUMMARY];
	fputs("point", f);
	for (size_t i = 0; i < set->nparams; i++) {
		fputc(',', f);
		csv_field(f, set->param_paths[i]);
	}
	counts_header(f);
	fputs(",steady,healthy_end_share,complete,precision_met,warmup_s,seed,scenario_hash,version\n", f);

	f = r->f[F_WORKLOADS];
	fputs("point,workload", f);
	counts_header(f);
	fputc('\n', f);

	struct catalogue cat;
	node_catalogue(&cat, r->set->lang->kinds, 0);
	f = r->f[F_NODES];
	fputs("point,node,type", f);
	for (size_t i = 0; i < cat.n; i++) {
		fprintf(f, ",%s", cat.col[i]->name);
		if (cat.col[i]->ci)
			fprintf(f, ",%s_ci95", cat.col[i]->name);
	}
	fputc('\n', f);

	fputs("point,workload,le_s,count,cdf\n", r->f[F_LATENCY]);
	fputs("point,t_s,throughput_per_s,latency_p50_s,latency_p99_s,rejected,failed\n",
	      r->f[F_TS]);

	node_catalogue(&cat, r->set->lang->kinds, 1);
	f = r->f[F_NODE_TS];
	fputs("point,t_s,node", f);
	for (size_t i = 0; i < cat.n; i++)
		fprintf(f, ",%s", cat.col[i]->name);
	fputc('\n', f);

	fputs("point,t_s,end_s,node,do,label\n", r->f[F_TIMELINE]);
	f = r->f[F_COMPARE];
	for (size_t i = 0; i < set->nparams; i++) {
		if (i == set->compare)
			continue;
		csv_field(f, set->param_paths[i]);
		fputc(',', f);
	}
	fputs("compared,a,b,point_a,point_b,pairs", f);
	for (int k = 0; k < REPORT_NCMP; k++) {
		const char *m = metric_names[cmp_metric[k]];
		fprintf(f, ",%s_a,%s_b,%s_diff,%s_diff_lo,%s_diff_hi,%s_diff_ci95,%s_unpaired_ci95,%s_significant",
			m, m, m, m, m, m, m, m);
	}
	fputc('\n', f);
}

static void write_cell(FILE *f, const struct col_def *d, const struct cell_acc *c)
{
	switch (d->agg) {
	case COL_SUM:
		num(f, c->n ? c->a : NAN);
		break;
	case COL_MEAN:
		num(f, c->n ? c->a : NAN);
		if (d->ci)
			num(f, c->n >= 2 ? stats_t_quantile(0.975, c->n - 1) *
				  sqrt(c->b / (c->n - 1)) / sqrt((double)c->n) : NAN);
		break;
	case COL_RATIO:
		num(f, c->b > 0 ? c->a / c->b : NAN);
		break;
	}
}

static void write_nodes(struct report *r, size_t p, const struct scenario *sc,
			const struct report_point_acc *a)
{
	FILE *f = r->f[F_NODES];
	struct catalogue cat;
	node_catalogue(&cat, r->set->lang->kinds, 0);
	for (size_t k = 0; k < sc->ncomponents; k++) {
		const struct sc_node *nd = &sc->nodes[k];
		const struct model_ops *ops = nd->ops;
		size_t nc = model_row_cols(ops);
		uint32_t nrows = sc_node_rows(nd);
		for (uint32_t row = 0; row < nrows; row++) {
			fprintf(f, "%zu,", p);
			if (row == 0) {
				csv_field(f, nd->name);
			} else {
				char name[96];
				snprintf(name, sizeof name, "%s[%u]", nd->name, row - 1);
				csv_field(f, name);
			}
			fprintf(f, ",%s", ops->kind);
			for (size_t i = 0; i < cat.n; i++) {
				size_t c;
				for (c = 0; c < nc; c++)
					if (!strcmp(col_of(ops, c)->name, cat.col[i]->name))
						break;
				if (c == nc) {
					fputs(cat.col[i]->ci ? ",," : ",", f);
					continue;
				}
				write_cell(f, cat.col[i], &a->cells[k][row * nc + c]);
			}
			fputc('\n', f);
		}
	}
}

static void write_latency(FILE *f, size_t p, const char *wl, const struct hist *h)
{
	uint64_t cum = 0;
	for (size_t i = 0; i < HIST_NBUCKETS && h->total; i++) {
		if (!h->counts[i])
			continue;
		cum += h->counts[i];
		fprintf(f, "%zu,", p);
		csv_field(f, wl);
		fprintf(f, ",%.9g,%llu,%.9g\n", (double)hist_bucket_hi(i) * 1e-9,
			(unsigned long long)h->counts[i], (double)cum / (double)h->total);
	}
}

/* ts_quantile is a window's pooled quantile, or NaN when it has too few
 * samples to say. */
static double ts_quantile(const struct whist *h, double q)
{
	if ((double)h->total < TS_MIN_TAIL / (1 - q))
		return NAN;
	return (double)whist_quantile(h, q) * 1e-9;
}

static void write_series(struct report *r, size_t p, const struct scenario *sc,
			const struct report_point_acc *a)
{
	int64_t end = sc->warmup_ns + sc->duration_ns;
	int64_t w = a->ts_window_ns;
	FILE *f = r->f[F_TS];
	for (size_t t = 0; t < a->nts; t++) {
		const struct window_acc *wa = &a->ts[t];
		int64_t start = (int64_t)t * w;
		int64_t len = end - start < w ? end - start : w;
		fprintf(f, "%zu,%.9g", p, (double)start * 1e-9);
		num(f, (double)wa->ended[REQ_OK] / a->reps / ((double)len * 1e-9));
		num(f, ts_quantile(&wa->lat, 0.5));
		num(f, ts_quantile(&wa->lat, 0.99));
		num(f, (double)count_group(wa->ended, REQ_GROUP_REFUSED) / a->reps);
		num(f, (double)count_group(wa->ended, REQ_GROUP_FAILED) / a->reps);
		fputc('\n', f);
	}
	if (!a->node_ts_cells)
		return;
	struct catalogue cat;
	node_catalogue(&cat, r->set->lang->kinds, 1);
	f = r->f[F_NODE_TS];
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
				if (row)
					snprintf(name, sizeof name, "%s[%u]", sc->nodes[k].name, row - 1);
				fprintf(f, "%zu,%.9g,", p, (double)((int64_t)t * nw) * 1e-9);
				csv_field(f, row ? name : sc->nodes[k].name);
				for (size_t i = 0; i < cat.n; i++) {
					size_t c;
					for (c = 0; c < nc; c++)
						if (!strcmp(ops->ts_cols[c].name, cat.col[i]->name))
							break;
					if (c == nc)
						fputc(',', f);
					else
						num(f, a->node_ts_n[off + c] ?
						       a->node_ts[off + c] / a->node_ts_n[off + c] : NAN);
				}
				fputc('\n', f);
				off += nc;
			}
		}
	}
}

static void write_timeline(struct report *r, size_t p, const struct scenario *sc)
{
	FILE *f = r->f[F_TIMELINE];
	int64_t end = sc->warmup_ns + sc->duration_ns;
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		int64_t stop = t->for_ns && t->at_ns + t->for_ns < end ? t->at_ns + t->for_ns : end;
		fprintf(f, "%zu,%.9g,%.9g,", p, (double)t->at_ns * 1e-9, (double)stop * 1e-9);
		char name[96];
		if (t->unit == SIM_ANY)
			snprintf(name, sizeof name, "%s", sc->nodes[t->node].name);
		else
			snprintf(name, sizeof name, "%s[%u]", sc->nodes[t->node].name, t->unit);
		csv_field(f, name);
		fprintf(f, ",%s,", tl_action_word(t));
		csv_field(f, t->label);
		fputc('\n', f);
	}
}

static void write_summary_row(struct report *r, size_t p, const struct report_summary *pt,
			      const struct scope_acc *s0)
{
	const struct sweep *set = r->set;
	FILE *f = r->f[F_SUMMARY];
	uint64_t none[REQ_NSTATUS] = { 0 };
	fprintf(f, "%zu", p);
	for (size_t i = 0; i < set->nparams; i++) {
		fputc(',', f);
		csv_field(f, sweep_param_value(set, p, i));
	}
	counts_row(f, pt->replications, pt->used, s0 ? s0->arrivals : 0,
		   s0 ? s0->ended : none, pt->mean, pt->ci95, pt->lo, pt->hi);
	fprintf(f, ",%s", !pt->replications ? "NaN" : pt->steady ? "true" : "false");
	num(f, pt->replications ? pt->healthy_end : NAN);
	fprintf(f, ",%s,%s,%.9g,%llu,%016llx,%s\n",
		pt->complete ? "true" : "false",
		pt->precision == 1 ? "true" : pt->precision == 2 ? "false" : "",
		(double)set->warmup_ns[p] * 1e-9, (unsigned long long)set->seed[p],
		set->hash[p],
		r->version);
}

/* io_check notes, for each file, the reason its first write failed
 * (errno is still that write's when checked right after the rows). */
static void io_check(struct report *r)
{
	for (int i = 0; i < F_COUNT; i++)
		if (r->f[i] && !r->io_error[i] && ferror(r->f[i]))
			r->io_error[i] = errno ? errno : EIO;
}

static void write_point(struct report *r, size_t p, const struct scenario *sc,
			const struct report_summary *pt, const struct report_point_acc *a)
{
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
		estimate(s, mean, ci, lo, hi);
		FILE *f = r->f[F_WORKLOADS];
		fprintf(f, "%zu,", p);
		csv_field(f, sc->nodes[sc->ncomponents + w].name);
		counts_row(f, a->reps, s->used, s->arrivals, s->ended, mean, ci, lo, hi);
		fputc('\n', f);
	}
	write_nodes(r, p, sc, a);
	write_latency(r->f[F_LATENCY], p, "all", &a->scopes[0].latency);
	for (size_t w = 0; a->nscopes > 1 && w < nwl; w++)
		write_latency(r->f[F_LATENCY], p, sc->nodes[sc->ncomponents + w].name,
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
	return 0;
}

/* ---- what is kept of closed points --------------------------------------
 *
 * A closed point's summary, and its replications' own values when there
 * is a sweep, go to an unlinked temporary file ($TMPDIR, else /tmp): the
 * summary at p * sizeof(struct report_summary), the own values after all
 * summaries, at the point's first work item (the set's item_base) times
 * REPORT_NCMP doubles.  Both places are fixed, so points are written as
 * they close and read back in any order; a place never written reads as
 * zeros.  Memory then holds nothing per point, where a 100,000-point
 * sweep would otherwise keep some 40 MB of summaries.  A run of one point
 * keeps its record in memory, as does a run that cannot make the file
 * (its memory then grows with the points, as it did before). */

static off_t own_at(const struct report *r, size_t p)
{
	return (off_t)(r->set->npoints * sizeof(struct report_summary) +
		       r->set->item_base[p] * REPORT_NCMP * sizeof(double));
}

/* keep_open sets the store up: a temporary file when there are several
 * points, else (or when no file can be made) memory. */
static void keep_open(struct report *r)
{
	r->keeping = 1;
	r->spill = -1;
	if (r->set->npoints <= 1)
		return;
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/archsim-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = n > 0 && (size_t)n < sizeof path ? mkstemp(path) : -1;
	if (fd < 0)
		return;
	unlink(path);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	r->spill = fd;
}

static int io_fail(const struct report *r, const char *what, int e)
{
	struct report *w = (struct report *)r;   /* its message only */
	return sim_errf(&w->err, SIM_EIO, "cannot %s the results of finished points in a temporary file (in $TMPDIR, else /tmp): %s",
			what, strerror(e));
}

static int put_at(struct report *r, const void *buf, size_t n, off_t at)
{
	if (r->spill < 0) {
		size_t end = (size_t)at + n;
		if (end > r->memcap) {
			size_t cap = end > 2 * r->memcap ? end : 2 * r->memcap;
			char *m = realloc(r->mem, cap);
			if (!m)
				return SIM_ENOMEM;
			r->mem = m;
			r->memcap = cap;
		}
		if (end > r->memlen) {
			memset(r->mem + r->memlen, 0, end - r->memlen);
			r->memlen = end;
		}
		memcpy(r->mem + at, buf, n);
		return 0;
	}
	const char *c = buf;
	while (n) {
		ssize_t w = pwrite(r->spill, c, n, at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(r, "keep", w < 0 ? errno : EIO);
		c += w, n -= (size_t)w, at += w;
	}
	return 0;
}

/* get_at reads n bytes at `at`, zeros where nothing was put. */
static int get_at(const struct report *r, void *buf, size_t n, off_t at)
{
	char *c = buf;
	if (r->spill < 0) {
		size_t have = (size_t)at < r->memlen ? r->memlen - (size_t)at : 0;
		if (have > n)
			have = n;
		if (have)
			memcpy(c, r->mem + at, have);
		memset(c + have, 0, n - have);
		return 0;
	}
	while (n) {
		ssize_t got = pread(r->spill, c, n, at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return io_fail(r, "read back", errno);
		if (got == 0) {
			memset(c, 0, n);
			return 0;
		}
		c += got, n -= (size_t)got, at += got;
	}
	return 0;
}

/* spill_point keeps point p's summary and own values (pt->own, may be
 * NULL). */
static int spill_point(struct report *r, size_t p, const struct report_summary *pt)
{
	if (!r->keeping)
		keep_open(r);
	struct report_summary rec = *pt;
	rec.own = NULL;
	int rc = put_at(r, &rec, sizeof rec, (off_t)(p * sizeof rec));
	if (rc == 0 && pt->own)
		rc = put_at(r, pt->own, (size_t)REPORT_NCMP * pt->replications * sizeof *pt->own,
			    own_at(r, p));
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
	if (!r->keeping || p >= r->set->npoints)
		return 0;
	int rc = get_at(r, out, sizeof *out, (off_t)(p * sizeof *out));
	out->own = NULL;
	return rc;
}

/* point_own reads point p's summary and own values (out->own malloc'd, or
 * NULL without replications or without a sweep). */
static int point_own(const struct report *r, size_t p, struct report_summary *out)
{
	int rc = report_point(r, p, out);
	if (rc || !out->replications || !r->set->nparams)
		return rc;
	size_t n = (size_t)REPORT_NCMP * out->replications;
	if (!(out->own = malloc(n * sizeof *out->own)))
		return SIM_ENOMEM;
	if ((rc = get_at(r, out->own, n * sizeof *out->own, own_at(r, p)))) {
		free(out->own);
		out->own = NULL;
	}
	return rc;
}

int report_compare(const struct report *r, size_t a, size_t b, int k,
		   struct report_pair *out)
{
	struct report_summary A, B;
	int rc = point_own(r, a, &A);
	if (rc == 0 && (rc = point_own(r, b, &B)) == 0) {
		report_pair(&A, &B, k, out);
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
	report_abort(r);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	r->warnings = NULL;
	r->nwarnings = 0;
	if (r->keeping && r->spill >= 0)
		close(r->spill);
	r->keeping = 0;
	free(r->mem);
	r->mem = NULL;
	r->memlen = r->memcap = 0;
	free(r->dir);
	r->dir = NULL;
}

int report_point_done(struct report *r, size_t p)
{
	struct report_summary sum, *pt = &sum;
	struct report_point_acc *a = r->acc && r->acc_point == p ? r->acc : NULL;
	const struct scenario *sc = sweep_point(r->set, p, &r->err);
	int rc = 0;
	if (!sc)
		return r->err.code;
	memset(pt, 0, sizeof *pt);
	for (int m = 0; m < METRIC_COUNT; m++)
		pt->mean[m] = pt->ci95[m] = pt->lo[m] = pt->hi[m] = NAN;
	if (a && a->reps) {
		const struct scope_acc *s0 = &a->scopes[0];
		pt->replications = a->reps;
		pt->used = s0->used;
		pt->precision = a->precision;
		pt->complete = sc->precision.metric >= 0 ? pt->precision != 0 :
			       a->reps == sc->replications;
		pt->healthy_end = a->reps ? (double)a->healthy_end / a->reps : NAN;
		pt->arrivals = s0->arrivals;
		pt->completed = s0->ended[REQ_OK];
		pt->rejected = count_group(s0->ended, REQ_GROUP_REFUSED);
		pt->failed = count_group(s0->ended, REQ_GROUP_FAILED);
		estimate(s0, pt->mean, pt->ci95, pt->lo, pt->hi);
		rc = steady_verdict(r, p, sc, a, &pt->steady);
		if (pt->precision == 2 && rc == 0) {
			const struct sc_precision *pr = &sc->precision;
			int m = pr->metric;
			char text[400];
			if (isnan(pt->lo[m]))
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
			pt->own = malloc((size_t)REPORT_NCMP * a->reps * sizeof *pt->own);
			if (!pt->own)
				rc = SIM_ENOMEM;
			for (int k = 0; pt->own && k < REPORT_NCMP; k++)
				memcpy(pt->own + (size_t)k * a->reps, s0->m[cmp_metric[k]].x,
				       a->reps * sizeof *pt->own);
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

int report_mkdir_p(const char *dir, size_t *made)
{
	char buf[4096];
	*made = 0;
	if (!*dir) {
		errno = ENOENT;
		return -1;
	}
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0777) == 0) {
			if (!*made)
				*made = (size_t)(p - buf);
		} else if (errno != EEXIST) {
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(buf, &st) || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
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
	if (report_mkdir_p(dir, &made))
		return sim_errf(err, SIM_EIO, "%s: cannot create output directory: %s",
				dir, strerror(errno));
	if (!(r->dir = strdup(dir)))
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	r->made = made;
	for (int i = 0; i < F_COUNT; i++) {
		size_t len = strlen(dir) + strlen(file_names[i]) + 64;
		if (!(r->tmp[i] = malloc(len))) {
			report_abort(r);
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		}
		snprintf(r->tmp[i], len, "%s/.%s.%ld.tmp", dir, file_names[i],
			 (long)getpid());
		if (!(r->f[i] = fopen(r->tmp[i], "w"))) {
			int e = errno;
			sim_errf(err, SIM_EIO, "%s: cannot write: %s", r->tmp[i], strerror(e));
			report_abort(r);
			return SIM_EIO;
		}
	}
	errno = 0;
	write_headers(r);
	io_check(r);
	return 0;
}

void report_abort(struct report *r)
{
	for (int i = 0; i < F_COUNT; i++) {
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

/* var_of_mean sets *n to the values of x[0..len) that are not NaN, copied
 * to tmp, and returns the variance of their mean, s^2 / n (NaN for fewer
 * than 2). */
static double var_of_mean(const double *x, size_t len, double *tmp, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < len; i++)
		if (!isnan(x[i]))
			tmp[(*n)++] = x[i];
	return *n >= 2 ? gsl_stats_variance(tmp, 1, *n) / (double)*n : NAN;
}

void report_pair(const struct report_summary *a, const struct report_summary *b,
		 int k, struct report_pair *out)
{
	int m = cmp_metric[k];
	size_t n = a->replications < b->replications ? a->replications : b->replications;
	out->diff = b->mean[m] - a->mean[m];
	out->half = out->unpaired = NAN;
	out->pairs = 0;
	if (!a->own || !b->own)
		return;
	const double *xa = a->own + (size_t)k * a->replications;
	const double *xb = b->own + (size_t)k * b->replications;
	size_t most = a->replications > b->replications ? a->replications : b->replications;
	double *d = malloc((most ? most : 1) * sizeof *d);
	if (!d)
		return;
	size_t used = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(xa[i]) && !isnan(xb[i]))
			d[used++] = xb[i] - xa[i];
	out->pairs = used;
	double mean;
	if (used >= 2)
		stats_ci95(d, used, &mean, &out->half);
	/* Welch: what the same data would give without pairing */
	size_t na, nb;
	double sa = var_of_mean(xa, a->replications, d, &na);
	double sb = var_of_mean(xb, b->replications, d, &nb);
	free(d);
	if (na >= 2 && nb >= 2) {
		double se2 = sa + sb;
		double df = se2 > 0 ? se2 * se2 / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1)) :
			(double)(na + nb - 2);
		out->unpaired = stats_t_quantile(0.975, df) * sqrt(se2);
	}
	/* a percentile whose own interval is withheld gets no comparison */
	if (isnan(a->lo[m]) && metric_quantile(m) > 0)
		out->half = out->unpaired = NAN;
	if (isnan(b->lo[m]) && metric_quantile(m) > 0)
		out->half = out->unpaired = NAN;
}

/* write_compare writes compare.csv: for each combination of the other
 * swept parameters, every pair of values of the compared one.  The points
 * of one combination are read back together.  0, SIM_ENOMEM or SIM_EIO. */
static int write_compare(struct report *r)
{
	const struct sweep *set = r->set;
	FILE *f = r->f[F_COMPARE];
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
			rc = point_own(r, base + x * stride, &g[x]);
		for (size_t x = 0; rc == 0 && x < nv; x++) {
			for (size_t y = x + 1; y < nv; y++) {
				size_t pa = base + x * stride, pb = base + y * stride;
				const struct report_summary *A = &g[x], *B = &g[y];
				for (size_t i = 0; i < set->nparams; i++) {
					if (i == c)
						continue;
					csv_field(f, sweep_param_value(set, pa, i));
					fputc(',', f);
				}
				csv_field(f, set->param_paths[c]);
				fputc(',', f);
				csv_field(f, sweep_param_value(set, pa, c));
				fputc(',', f);
				csv_field(f, sweep_param_value(set, pb, c));
				struct report_pair pr[REPORT_NCMP];
				for (int k = 0; k < REPORT_NCMP; k++)
					report_pair(A, B, k, &pr[k]);
				fprintf(f, ",%zu,%zu,%zu", pa, pb, pr[0].pairs);
				for (int k = 0; k < REPORT_NCMP; k++) {
					int m = cmp_metric[k];
					double lo = pr[k].diff - pr[k].half, hi = pr[k].diff + pr[k].half;
					num(f, A->replications ? A->mean[m] : NAN);
					num(f, B->replications ? B->mean[m] : NAN);
					num(f, pr[k].diff);
					num(f, lo);
					num(f, hi);
					num(f, pr[k].half);
					num(f, pr[k].unpaired);
					if (isnan(lo))
						fputs(",", f);
					else
						fprintf(f, ",%s", lo > 0 || hi < 0 ? "true" : "false");
				}
				fputc('\n', f);
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
	int rc = 0;
	if (!r->f[0])
		return 0;      /* never opened: nothing to write */
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
	for (int i = 0; i < F_COUNT && rc == 0; i++) {
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
				      file_names[i], strerror(e));
	}
	char fin[F_COUNT][4200];
	for (int i = 0; i < F_COUNT && rc == 0; i++) {
		struct stat st;
		snprintf(fin[i], sizeof fin[i], "%s/%s", r->dir, file_names[i]);
		/* every rename must be able to succeed before any is done: a
		 * directory in a result's place would stop one half way,
		 * leaving old and new results mixed */
		if (lstat(fin[i], &st) == 0 && !S_ISREG(st.st_mode))
			rc = sim_errf(err, SIM_EIO,
				      "%s: exists and is not a regular file; nothing was replaced",
				      fin[i]);
	}
	for (int i = 0; i < F_COUNT && rc == 0; i++) {
		if (rename(r->tmp[i], fin[i]))
			rc = sim_errf(err, SIM_EIO, "%s: cannot rename into place: %s",
				      fin[i], strerror(errno));
		else {
			free(r->tmp[i]);
			r->tmp[i] = NULL;
		}
	}
	if (rc == 0)
		r->made = 0;    /* it holds the results */
	report_abort(r);
	return rc;
}

/* ---- the reference ----------------------------------------------------- */

static void col_rows(FILE *f, const struct col_def *cols)
{
	static const char *const agg[] = {
		[COL_SUM] = "summed over replications",
		[COL_MEAN] = "averaged over the replications that have it",
		[COL_RATIO] = "pooled: its parts summed over replications, then divided",
	};
	for (size_t i = 0; cols && cols[i].name; i++) {
		fprintf(f, "| `%s` | %s (%s) |\n", cols[i].name, cols[i].doc, agg[cols[i].agg]);
		if (cols[i].ci)
			fprintf(f, "| `%s_ci95` | its 95 %% confidence half-width |\n", cols[i].name);
	}
}

void report_reference(FILE *f, const struct model_ops *const *kinds)
{
	fputs("## Output files\n\n"
	      "`archsim run` writes these files into the output directory, all of them\n"
	      "or none. Times are in seconds, rates per second. `NaN` marks a value\n"
	      "that does not exist (a percentile of nothing, an interval from one\n"
	      "replication).\n\n"
	      "### `summary.csv` and `workloads.csv`\n\n"
	      "One row per sweep point (summary.csv: all workloads together; its sweep\n"
	      "parameters follow `point`), or per point and workload (workloads.csv,\n"
	      "with a `workload` column). An interval is 95 %: for means a Student-t\n"
	      "half-width over replications; for percentiles `_lo` and `_hi` bound an\n"
	      "interval that need not be symmetric, and `_ci95` is its larger side (see\n"
	      "the README's statistics section). Outcomes (`completed`, `rejected`,\n"
	      "`failed`) are counted by when a request ended, `arrivals` by when it\n"
	      "was issued, so a request issued in the warm-up and served after it\n"
	      "counts as completed, and the outcomes need not add up to the arrivals.\n\n"
	      "| column | meaning |\n| --- | --- |\n"
	      "| `replications` | replications run |\n"
	      "| `replications_used` | of them, those in which a request was served; intervals need 2 |\n"
	      "| `arrivals` | requests issued in the measured window |\n"
	      "| `completed` | requests served in the measured window |\n", f);
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == REQ_GROUP_REFUSED)
			fprintf(f, "| `%s` | requests %s |\n", req_status_name(st), req_status_doc(st));
	fputs("| `failed` | requests that failed, all reasons |\n", f);
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == REQ_GROUP_FAILED)
			fprintf(f, "| `failed_%s` | requests %s |\n", req_status_name(st),
				req_status_doc(st));
	for (int m = 0; m < METRIC_COUNT; m++) {
		fprintf(f, "| `%s` | %s |\n| `%s_ci95` | its 95 %% half-width |\n",
			metric_name(m), metric_doc(m), metric_name(m));
		if (metric_quantile(m) > 0)
			fprintf(f, "| `%s_lo`, `%s_hi` | its 95 %% interval |\n",
				metric_name(m), metric_name(m));
	}
	fputs("| `steady` | summary.csv: `false` when the scenario or the runs show no steady state (a warning says why) |\n"
	      "| `healthy_end_share` | summary.csv: the share of replications whose last tenth of the measured window failed or refused under 1 % of the requests it ended: those that recovered from a fault, or never had one |\n"
	      "| `complete` | summary.csv: `false` when the run was stopped before this point's replications were all done |\n"
	      "| `warmup_s` | summary.csv: the warm-up discarded from each replication: `warmup:` as given, or with `warmup: auto` the cut MSER-5 found on the point's pilot run |\n"
	      "| `precision_met` | summary.csv, with `precision:`: `true` when the metric's 95 % half-width reached the target, `false` when max_replications ran out first (`replications` says how many ran); empty without `precision:` |\n"
	      "| `seed`, `scenario_hash`, `version` | summary.csv: what produced the row |\n\n"
	      "### `nodes.csv`\n\n"
	      "One row per point and node (`point`, `node`, `type`), and one per\n"
	      "replica (`web[0]`, `web[1]`, ...) for a node with more than one. One wide\n"
	      "table: a column that does not apply to a node's kind is empty.\n\n"
	      "| column | meaning |\n| --- | --- |\n", f);
	struct catalogue cat;
	node_catalogue(&cat, kinds, 0);
	for (size_t i = 0; i < cat.n; i++) {
		struct col_def one[2] = { *cat.col[i], { NULL, 0, 0, NULL } };
		col_rows(f, one);
	}
	fputs("\n### `node_timeseries.csv`\n\n"
	      "One row per point, time-series window and node (`point`, `t_s` the\n"
	      "window's start, `node`): each value is the window's own, averaged over\n"
	      "replications. With many nodes, windows are merged so that the file stays\n"
	      "small.\n\n"
	      "| column | meaning |\n| --- | --- |\n", f);
	node_catalogue(&cat, kinds, 1);
	for (size_t i = 0; i < cat.n; i++)
		fprintf(f, "| `%s` | %s |\n", cat.col[i]->name, cat.col[i]->doc);
	fputs("\n### `timeseries.csv`\n\n"
	      "| column | meaning |\n| --- | --- |\n"
	      "| `point`, `t_s` | the sweep point and the window's start (warm-up included) |\n"
	      "| `throughput_per_s` | requests served in the window, per second, averaged over replications |\n"
	      "| `latency_p50_s`, `latency_p99_s` | from the window's latencies pooled over replications (to 3 %); `NaN` when the window has too few for the percentile (fewer than 10 / (1 - q)) |\n"
	      "| `rejected`, `failed` | requests refused and failed in the window, per replication |\n\n"
	      "### `latency.csv`\n\n"
	      "The histogram of served latencies pooled over replications, per point and\n"
	      "workload (`all` for all together): `le_s` a bucket's upper edge, `count`,\n"
	      "`cdf` the share at or below it. Buckets are within 0.4 % of their values.\n\n"
	      "### `timeline.csv`\n\n"
	      "The timeline's entries per point: `t_s` and `end_s` (when the fault\n"
	      "starts and ends, or the end of the run), `node`, `do`, and `label`, the\n"
	      "text the charts mark it with.\n\n"
	      "### `compare.csv`\n\n"
	      "Paired comparisons between the values of one swept parameter (`compare:`\n"
	      "names it; the first swept path by default), at each combination of the\n"
	      "others, whose values lead each row. One row per pair of values `a` and\n"
	      "`b` (`a` listed first in the sweep), and for each of `latency_mean_s`,\n"
	      "`latency_p99_s` and `error_ratio`:\n\n"
	      "| column | meaning |\n| --- | --- |\n"
	      "| `compared` | the swept path compared |\n"
	      "| `a`, `b`, `point_a`, `point_b` | the two values and their points in summary.csv |\n"
	      "| `pairs` | replications paired: replication r of one against replication r of the other, which saw the same arrivals, keys and demands |\n"
	      "| `M_a`, `M_b` | the two points' estimates, as in summary.csv |\n"
	      "| `M_diff` | `M_b - M_a`: negative when `b` is lower |\n"
	      "| `M_diff_lo`, `M_diff_hi`, `M_diff_ci95` | its 95 % interval from the replications' paired differences (Student t), and half-width |\n"
	      "| `M_unpaired_ci95` | the half-width Welch's unpaired interval would give on the same replications: what pairing saved |\n"
	      "| `M_significant` | `true` when the interval excludes 0; empty when there is no interval (fewer than 2 pairs, or a percentile whose own interval is withheld) |\n", f);
}

/* ---- the terminal ------------------------------------------------------ */

void report_print_table(const struct report *r, FILE *f)
{
	fprintf(f, "%-6s %-16s %-22s %-12s %-12s %-12s %-10s %s\n", "point",
		"throughput/s", "mean latency", "p50", "p99", "p99.9", "rejected",
		"failed");
	for (size_t p = 0; p < r->set->npoints; p++) {
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
		fprintf(f, "%-6zu %-16s %-22s %-12s %-12s %-12s %-10s %s%s%s\n", p, thr,
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
