/*
 * outputs.c - the files a run writes, declared column by column; see
 * outputs.h.
 *
 * Each column below is a row of its file's table: its name (or, for a
 * family, its pattern), its meaning, and the function that writes its
 * value from the file's row struct.  A family's members are counted and
 * named from the run (the swept paths, the statuses, the metrics, the
 * kinds' columns); with no run (the reference) the statuses and metrics
 * still list themselves, and the rest show their pattern.
 */
#include "app/outputs.h"

#include <math.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/stats.h"

const int outputs_cmp_metrics[OUTPUTS_NCMP] = {
	METRIC_LATENCY_MEAN, METRIC_P99, METRIC_ERROR_RATIO,
};

/* ---- families shared by several files ------------------------------------ */

static const struct outputs_ctx *ctx_of(const void *ctx)
{
	return ctx;
}

/* the swept paths, as columns: all but a swept duration, warm-up or
 * replication count, whose values are the point's own columns of the
 * same name (duration_s, warmup_s, replications) */
static int own_column(const struct sweep *set, size_t i)
{
	char name[600];
	sweep_param_column(set, i, name, sizeof name);
	return !strcmp(name, "duration_s") || !strcmp(name, "warmup_s") ||
	       !strcmp(name, "replications");
}

/* swept_param is the parameter of swept column k */
static size_t swept_param(const struct sweep *set, size_t k)
{
	for (size_t i = 0; i < set->nparams; i++)
		if (!own_column(set, i) && k-- == 0)
			return i;
	return 0;
}

static size_t sweep_count(const void *ctx)
{
	const struct outputs_ctx *c = ctx_of(ctx);
	size_t n = 0;
	for (size_t i = 0; c && c->set && i < c->set->nparams; i++)
		n += !own_column(c->set, i);
	return n;
}

static void sweep_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	const struct sweep *set = ctx_of(ctx)->set;
	sweep_param_column(set, swept_param(set, k), name, len);
}

#define SWEPT_DOC "the value of each swept path at this point: a number in seconds (the column named `PATH_s`) or per second (`PATH_per_s`) when every value swept is a duration or a rate, a plain number as written, else the text as written (`round_robin`); a swept `duration`, `warmup` or `replications` is the point's own column of that name"

/* put_param writes swept parameter i at point p: a number in its unit,
 * or its text */
static void put_param(FILE *f, const struct sweep *set, size_t p, size_t i)
{
	if (sweep_param_unit(set, i) == SWEEP_TEXT)
		csv_text(f, sweep_param_value(set, p, i));
	else
		csv_num(f, sweep_param_number(set, p, i));
}

/* the point's columns every file but summary.csv ends with */
static void put_pt_swept(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct sweep *set = ctx_of(ctx)->set;
	put_param(f, set, ctx_of(ctx)->pt->point, swept_param(set, k));
}

static void put_pt_duration(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_num(f, ctx_of(ctx)->pt->duration_s);
}

static void put_pt_warmup(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_num(f, ctx_of(ctx)->pt->warmup_s);
}

static void put_pt_reps(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%u", ctx_of(ctx)->pt->reps);
}

#define DURATION_DOC "the measured time of each replication, after its warm-up"
#define WARMUP_DOC "the warm-up discarded from each replication: `warmup:` as given, or with `warmup: auto` the cut MSER-5 found on the point's pilot run"

#define POINT_COLS_NO_REPS                                                             \
	{ "PATH", SWEPT_DOC, sweep_count, sweep_member, put_pt_swept },               \
	{ "duration_s", DURATION_DOC, NULL, NULL, put_pt_duration },                  \
	{ "warmup_s", WARMUP_DOC, NULL, NULL, put_pt_warmup }
#define POINT_COLS                                                                      \
	POINT_COLS_NO_REPS,                                                             \
	{ "replications", "replications run at this point", NULL, NULL, put_pt_reps }

/* the statuses of one group, in their order */
static size_t status_at(int group, size_t k)
{
	for (int st = 0; st < REQ_NSTATUS; st++)
		if (req_status_group(st) == group && k-- == 0)
			return (size_t)st;
	return 0;
}

static size_t status_count(int group)
{
	size_t n = 0;
	for (int st = 0; st < REQ_NSTATUS; st++)
		n += req_status_group(st) == group;
	return n;
}

static size_t refused_count(const void *ctx)
{
	return status_count(REQ_GROUP_REFUSED);
}

static size_t failed_count(const void *ctx)
{
	return status_count(REQ_GROUP_FAILED);
}

/* A status's meaning reads "requests <its doc>": kept per status, since
 * csv_col members hand back a pointer. */
static char status_docs[REQ_NSTATUS][300];

static const char *status_doc(size_t st)
{
	snprintf(status_docs[st], sizeof status_docs[st], "requests %s", req_status_doc((int)st));
	return status_docs[st];
}

static void refused_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	size_t st = status_at(REQ_GROUP_REFUSED, k);
	snprintf(name, len, "%s", req_status_name((int)st));
	*doc = status_doc(st);
}

static void failed_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	size_t st = status_at(REQ_GROUP_FAILED, k);
	snprintf(name, len, "failed_%s", req_status_name((int)st));
	*doc = status_doc(st);
}

/* each metric: M, M_ci95, and for a percentile M_lo, M_hi */
static size_t metric_parts(int m)
{
	return metric_quantile(m) > 0 ? 4 : 2;
}

static size_t metric_cols(const void *ctx)
{
	size_t n = 0;
	for (int m = 0; m < METRIC_COUNT; m++)
		n += metric_parts(m);
	return n;
}

/* metric_col maps column k of the family to its metric and part (0 the
 * estimate, 1 the half-width, 2 lo, 3 hi). */
static int metric_col(size_t k, int *part)
{
	for (int m = 0; m < METRIC_COUNT; m++) {
		if (k < metric_parts(m)) {
			*part = (int)k;
			return m;
		}
		k -= metric_parts(m);
	}
	*part = 0;
	return 0;
}

static void metric_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	static const char *const suffix[] = { "", "_ci95", "_lo", "_hi" };
	static const char *const part_doc[] = {
		NULL, "its 95 % half-width", "the low end of its 95 % interval",
		"the high end of its 95 % interval",
	};
	int part, m = metric_col(k, &part);
	snprintf(name, len, "%s%s", metric_name(m), suffix[part]);
	*doc = part ? part_doc[part] : metric_doc(m);
	if (part == 1 && metric_quantile(m) > 0)
		*doc = "the larger side of its 95 % interval, as a half-width";
}

/* ---- summary.csv and workloads.csv ---------------------------------------- */

static const struct outputs_counts *counts(const void *row)
{
	return row;
}

static void put_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", counts(row)->point);
}

static void put_workload(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, counts(row)->workload);
}

static void put_swept(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct sweep *set = ctx_of(ctx)->set;
	put_param(f, set, counts(row)->point, swept_param(set, k));
}

static void put_label(FILE *f, const void *ctx, const void *row, size_t k)
{
	char buf[1024];
	sweep_point_label(ctx_of(ctx)->set, counts(row)->point, buf, sizeof buf);
	csv_text(f, buf);
}

static void put_reps(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%u", counts(row)->reps);
}

static void put_used(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%u", counts(row)->used);
}

/* put_count writes a count, or NaN for a point with no replication done
 * (a run stopped before it): nothing was counted, and 0 would say
 * otherwise. */
static void put_count(FILE *f, const void *row, uint64_t v)
{
	if (counts(row)->reps)
		fprintf(f, "%llu", (unsigned long long)v);
	else
		fputs("NaN", f);
}

static void put_arrivals(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_count(f, row, counts(row)->arrivals);
}

static void put_completed(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_count(f, row, counts(row)->ended[REQ_OK]);
}

static void put_refused(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_count(f, row, counts(row)->ended[status_at(REQ_GROUP_REFUSED, k)]);
}

static void put_failed(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_count(f, row, req_count_group(counts(row)->ended, REQ_GROUP_FAILED));
}

static void put_failed_one(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_count(f, row, counts(row)->ended[status_at(REQ_GROUP_FAILED, k)]);
}

static void put_metric(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_counts *r = counts(row);
	int part, m = metric_col(k, &part);
	const double *v = part == 0 ? r->mean : part == 1 ? r->ci : part == 2 ? r->lo : r->hi;
	csv_num(f, r->reps ? v[m] : NAN);
}

static void put_steady(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_counts *r = counts(row);
	fputs(!r->reps ? "NaN" : r->steady ? "true" : "false", f);
}

static void put_healthy(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_counts *r = counts(row);
	csv_num(f, r->reps ? r->healthy_end : NAN);
}

static void put_complete(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(counts(row)->complete ? "true" : "false", f);
}

static void put_precision(FILE *f, const void *ctx, const void *row, size_t k)
{
	int p = counts(row)->precision;
	fputs(p == 1 ? "true" : p == 2 ? "false" : "", f);
}

static void put_seed(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%llu", (unsigned long long)counts(row)->seed);
}

static void put_hash(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%016llx", counts(row)->hash);
}

static void put_version(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(counts(row)->version, f);
}

/* The columns summary.csv and workloads.csv share. */
#define COUNT_COLS                                                                        \
	{ "replications", "replications run", NULL, NULL, put_reps },                    \
	{ "replications_used", "of them, those in which a request was served; intervals need 2", \
	  NULL, NULL, put_used },                                                         \
	{ "arrivals", "requests issued in the measured window", NULL, NULL, put_arrivals }, \
	{ "completed", "requests served in the measured window", NULL, NULL, put_completed }, \
	{ "STATUS", "requests refused, by how", refused_count, refused_member, put_refused }, \
	{ "failed", "requests that failed, all reasons", NULL, NULL, put_failed },       \
	{ "failed_STATUS", "requests that failed, by how", failed_count, failed_member,  \
	  put_failed_one },                                                               \
	{ "METRIC", "each metric, with its interval", metric_cols, metric_member, put_metric }

static const struct csv_col summary_cols[] = {
	{ "point", "the sweep point, from 0", NULL, NULL, put_point },
	{ "PATH", SWEPT_DOC, sweep_count, sweep_member, put_swept },
	COUNT_COLS,
	{ "steady", "`false` when the scenario or the runs show no steady state (a warning says why)",
	  NULL, NULL, put_steady },
	{ "healthy_end_share", "the share of replications whose last tenth of the measured window failed or refused under 1 % of the requests it ended: those that recovered from a fault, or never had one",
	  NULL, NULL, put_healthy },
	{ "complete", "`false` when the run was stopped before this point's replications were all done",
	  NULL, NULL, put_complete },
	{ "precision_met", "with `precision:`: `true` when the metric's 95 % half-width reached the target, `false` when max_replications ran out first (`replications` says how many ran); empty without `precision:`",
	  NULL, NULL, put_precision },
	{ "duration_s", DURATION_DOC, NULL, NULL, put_pt_duration },
	{ "warmup_s", WARMUP_DOC, NULL, NULL, put_pt_warmup },
	{ "seed", "the point's seed", NULL, NULL, put_seed },
	{ "scenario_hash", "a hash of the point's scenario as checked", NULL, NULL, put_hash },
	{ "version", "archsim's version", NULL, NULL, put_version },
	{ "label", "the point's name in tables and charts: its swept values as written, joined by `, ` (`p2c, 800/s`); `all` without a sweep",
	  NULL, NULL, put_label },
	{ NULL, NULL, NULL, NULL, NULL }
};

static const struct csv_col workloads_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_point },
	{ "workload", "the workload", NULL, NULL, put_workload },
	COUNT_COLS,
	POINT_COLS_NO_REPS,
	{ NULL, NULL, NULL, NULL, NULL }
};

#define COUNTS_DOC "An interval is 95 %: for means a Student-t half-width over replications; for percentiles `_lo` and `_hi` bound an interval that need not be symmetric, and `_ci95` is its larger side. Outcomes (`completed`, refusals, `failed`) are counted by when a request ended, `arrivals` by when it was issued, so a request issued in the warm-up and served after it counts as completed, and the outcomes need not add up to the arrivals."

/* ---- nodes.csv -------------------------------------------------------------- */

/* has_ci: a mean or a ratio has an interval; a count, a total over the
 * replications, has none */
static int has_ci(const struct col_def *d)
{
	return d->agg != COL_SUM;
}

static void catalogue_add(struct outputs_catalogue *c, const struct col_def *cols)
{
	for (size_t i = 0; cols && cols[i].name; i++) {
		size_t j;
		for (j = 0; j < c->n; j++)
			if (!strcmp(c->col[j]->name, cols[i].name))
				break;
		if (j == c->n && c->n < OUTPUTS_MAX_COLS)
			c->col[c->n++] = &cols[i];
	}
}

/* own_col finds column d among the columns of a row of kind ops (its
 * own, then with calls the call columns; with ts its ts_cols): its index,
 * or -1. */
static int own_col(const struct model_ops *ops, const struct col_def *d, int ts)
{
	size_t nc = ts ? model_ncols(ops->ts_cols) : model_row_cols(ops);
	for (size_t c = 0; c < nc; c++) {
		const struct col_def *x = ts ? &ops->ts_cols[c] : model_row_col(ops, c);
		if (!strcmp(x->name, d->name))
			return (int)c;
	}
	return -1;
}

void outputs_catalogue_of(struct outputs_catalogue *c, const struct model_ops *const *kinds,
			  int ts)
{
	c->n = 0;
	for (size_t k = 0; kinds[k]; k++)
		catalogue_add(c, ts ? kinds[k]->ts_cols : kinds[k]->cols);
	if (!ts) {
		catalogue_add(c, sim_call_cols);
		catalogue_add(c, sim_cost_cols);
	}
	c->nkinds = 0;
	for (size_t k = 0; kinds[k] && k < OUTPUTS_MAX_KINDS; k++) {
		c->kind[k] = kinds[k];
		for (size_t i = 0; i < c->n; i++)
			c->at[k][i] = (int16_t)own_col(kinds[k], c->col[i], ts);
		c->nkinds = k + 1;
	}
	c->nmembers = 0;
	for (size_t i = 0; i < c->n; i++) {
		c->member[c->nmembers++] = (uint16_t)(i << 1);
		if (has_ci(c->col[i]))
			c->member[c->nmembers++] = (uint16_t)(i << 1 | 1);
	}
}

/* col_at is where catalogue column i is in a row of kind ops, or -1. */
static int col_at(const struct outputs_catalogue *c, const struct model_ops *ops, size_t i,
		  int ts)
{
	for (size_t k = 0; k < c->nkinds; k++)
		if (c->kind[k] == ops)
			return c->at[k][i];
	return own_col(ops, c->col[i], ts);
}

/* nodes.csv's family: each catalogue column, and its _ci95 after it
 * when it has one; member k is catalogue column *i, part *ci */
static size_t node_col_count(const void *ctx)
{
	const struct outputs_ctx *c = ctx_of(ctx);
	return c && c->nodes ? c->nodes->nmembers : 0;
}

static void node_col_at(const struct outputs_catalogue *cat, size_t k, size_t *i, int *ci)
{
	*i = cat->member[k] >> 1;
	*ci = cat->member[k] & 1;
}

/* how a folded column's value is made from the replications' */
static const char *const agg[] = {
	[COL_SUM] = "summed over replications",
	[COL_MEAN] = "averaged over the replications that have it; `_ci95` a Student-t half-width over them",
	[COL_RATIO] = "pooled: its parts summed over replications, then divided; `_ci95` the ratio estimator's Student-t half-width over the replications",
};

static void node_col_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	static char text[OUTPUTS_MAX_COLS][400];
	const struct outputs_catalogue *cat = ctx_of(ctx)->nodes;
	size_t i;
	int ci;
	node_col_at(cat, k, &i, &ci);
	const struct col_def *d = cat->col[i];
	snprintf(name, len, ci ? "%s_ci95" : "%s", d->name);
	if (ci) {
		*doc = "its 95 % confidence half-width";
		return;
	}
	snprintf(text[i], sizeof text[i], "%s (%s)", d->doc, agg[d->agg]);
	*doc = text[i];
}

static const struct outputs_node *node(const void *row)
{
	return row;
}

static void put_node_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", node(row)->point);
}

static void put_node_name(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, node(row)->name);
}

static void put_node_type(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(node(row)->ops->kind, f);
}

/* put_node_parent: a replica's row names its node; the node's own row,
 * which covers its replicas, is left empty */
static void put_node_parent(FILE *f, const void *ctx, const void *row, size_t k)
{
	const char *name = node(row)->name, *br = strchr(name, '[');
	if (br)
		fprintf(f, "%.*s", (int)(br - name), name);
}

/* cell_value is a folded cell's value, NaN when nothing was folded */
static double cell_value(const struct col_def *d, const struct outputs_cell *x)
{
	if (d->agg == COL_RATIO)
		return x->b > 0 ? x->a / x->b : NAN;
	return x->n ? x->a : NAN;
}

/* cell_ci is a cell's 95 % half-width over its replications: for a mean,
 * Student's t on their values; for a ratio R = sum x / sum y, the ratio
 * estimator's (Cochran, Sampling Techniques, 6.3): t s / (sqrt(n) ybar),
 * s the sd of the replications' x_i - R y_i.  NaN for a count, or with
 * fewer than 2 replications. */
static double cell_ci(const struct col_def *d, const struct outputs_cell *x)
{
	if (x->n < 2 || !has_ci(d))
		return NAN;
	double t = stats_t_quantile(0.975, x->n - 1), n = x->n;
	if (d->agg == COL_MEAN)
		return t * sqrt(x->b / (n - 1)) / sqrt(n);
	if (!(x->b > 0))
		return NAN;
	double r = x->a / x->b;
	double ss = x->xx - 2 * r * x->xy + r * r * x->yy;
	return t * sqrt((ss > 0 ? ss : 0) / (n - 1)) / sqrt(n) / (x->b / n);
}

static void put_node_unit(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, node(row)->unit);
}

#define UNIT_DOC "on a unit's row, what it stands for when it is not a replica of the node itself: a balancer's row `lb[3]` is its backend 3 (`web[3]`); empty otherwise"

static void put_node_col(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_node *r = node(row);
	size_t i;
	int ci;
	const struct outputs_catalogue *cat = ctx_of(ctx)->nodes;
	node_col_at(cat, k, &i, &ci);
	const struct col_def *d = cat->col[i];
	int c = col_at(cat, r->ops, i, 0);
	if (c < 0)
		csv_num(f, NAN);  /* not this kind's */
	else
		csv_num(f, ci ? cell_ci(d, &r->cells[c]) : cell_value(d, &r->cells[c]));
}

static const struct csv_col nodes_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_node_point },
	{ "node", "the node, or one replica of it (`web[0]`)", NULL, NULL, put_node_name },
	{ "type", "its kind", NULL, NULL, put_node_type },
	{ "COLUMN", "every kind's columns (see each kind's reference)", node_col_count,
	  node_col_member, put_node_col },
	{ "parent", "on a replica's row (`web[0]`), its node (`web`); empty on the node's own row, which covers its replicas: the rows with an empty parent count each request once",
	  NULL, NULL, put_node_parent },
	{ "unit", UNIT_DOC, NULL, NULL, put_node_unit },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- links.csv ------------------------------------------------------------ */

/* links.csv's family: each of sim_link_cols, and its _ci95 after it when
 * it has one; member k is column *i, part *ci.  The same for every run,
 * so the reference lists them. */
static size_t link_col_count(const void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; sim_link_cols[i].name; i++)
		n += 1 + has_ci(&sim_link_cols[i]);
	return n;
}

static void link_col_at(size_t k, size_t *i, int *ci)
{
	for (*i = 0; sim_link_cols[*i].name; (*i)++) {
		if (k <= (size_t)has_ci(&sim_link_cols[*i])) {
			*ci = (int)k;
			return;
		}
		k -= 1 + has_ci(&sim_link_cols[*i]);
	}
	*ci = 0;
}

static void link_col_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	static char text[32][400];
	size_t i;
	int ci;
	link_col_at(k, &i, &ci);
	const struct col_def *d = &sim_link_cols[i];
	snprintf(name, len, ci ? "%s_ci95" : "%s", d->name);
	if (ci || i >= 32) {
		*doc = ci ? "its 95 % confidence half-width" : d->doc;
		return;
	}
	snprintf(text[i], sizeof text[i], "%s (%s)", d->doc, agg[d->agg]);
	*doc = text[i];
}

static const struct outputs_link *link_row(const void *row)
{
	return row;
}

static void put_link_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", link_row(row)->point);
}

static void put_link_name(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, link_row(row)->link);
}

static void put_link_from(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, link_row(row)->from);
}

static void put_link_to(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, link_row(row)->to);
}

static void put_link_col(FILE *f, const void *ctx, const void *row, size_t k)
{
	size_t i;
	int ci;
	link_col_at(k, &i, &ci);
	const struct col_def *d = &sim_link_cols[i];
	const struct outputs_cell *x = &link_row(row)->cells[i];
	csv_num(f, ci ? cell_ci(d, x) : cell_value(d, x));
}

static const struct csv_col links_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_link_point },
	{ "link", "the link, as `links:` writes it: `A<->B` for one between two zone patterns, `within A` for one inside each zone", NULL, NULL, put_link_name },
	{ "from", "the direction of the row: the pattern of the zones its hops leave", NULL, NULL, put_link_from },
	{ "to", "the pattern of the zones they reach (a `within` link's row has the same in both)", NULL, NULL, put_link_to },
	{ "COLUMN", "the channel's measures", link_col_count, link_col_member, put_link_col },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- nodes_long.csv ------------------------------------------------------------ */

int outputs_node_has(const struct outputs_ctx *ctx, const struct model_ops *ops, size_t i)
{
	return col_at(ctx->nodes, ops, i, 0) >= 0;
}

static const struct outputs_node_value *nvalue(const void *row)
{
	return row;
}

static void put_l_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_node_point(f, ctx, nvalue(row)->node, k);
}

static void put_l_name(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_node_name(f, ctx, nvalue(row)->node, k);
}

static void put_l_type(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_node_type(f, ctx, nvalue(row)->node, k);
}

static void put_l_parent(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_node_parent(f, ctx, nvalue(row)->node, k);
}

static void put_l_unit(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_node_unit(f, ctx, nvalue(row)->node, k);
}

static void put_l_metric(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(ctx_of(ctx)->nodes->col[nvalue(row)->col]->name, f);
}

/* put_l_value: k 0 the value, 1 its half-width (NaN for a column with
 * none) */
static void put_l_value(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_catalogue *cat = ctx_of(ctx)->nodes;
	const struct outputs_node_value *v = nvalue(row);
	const struct col_def *d = cat->col[v->col];
	const struct outputs_cell *x = &v->node->cells[col_at(cat, v->node->ops, v->col, 0)];
	if (k == 0)
		csv_num(f, cell_value(d, x));
	else
		csv_num(f, cell_ci(d, x));
}

static void put_l_ci(FILE *f, const void *ctx, const void *row, size_t k)
{
	put_l_value(f, ctx, row, 1);
}

static const struct csv_col nodes_long_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_l_point },
	{ "node", "the node, or one replica of it (`web[0]`)", NULL, NULL, put_l_name },
	{ "type", "its kind", NULL, NULL, put_l_type },
	{ "parent", "a replica's node, as in nodes.csv", NULL, NULL, put_l_parent },
	{ "unit", UNIT_DOC, NULL, NULL, put_l_unit },
	{ "metric", "the column of nodes.csv", NULL, NULL, put_l_metric },
	{ "value", "its value (NaN when nothing was measured)", NULL, NULL, put_l_value },
	{ "ci95", "its 95 % half-width over replications, as nodes.csv's `_ci95`; NaN for a count",
	  NULL, NULL, put_l_ci },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- latency.csv ------------------------------------------------------------ */

static const struct outputs_bucket *bucket(const void *row)
{
	return row;
}

static void put_b_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", bucket(row)->point);
}

static void put_b_workload(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, bucket(row)->workload);
}

static void put_b_le(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%.9g", bucket(row)->le_s);
}

static void put_b_count(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%llu", (unsigned long long)bucket(row)->count);
}

static void put_b_cdf(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%.9g", bucket(row)->cdf);
}

static const struct csv_col latency_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_b_point },
	{ "workload", "the workload, or `all` for all together", NULL, NULL, put_b_workload },
	{ "le_s", "a bucket's upper edge", NULL, NULL, put_b_le },
	{ "count", "served latencies in it", NULL, NULL, put_b_count },
	{ "cdf", "the share at or below it", NULL, NULL, put_b_cdf },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- timeseries.csv ----------------------------------------------------------- */

static const struct outputs_window *window(const void *row)
{
	return row;
}

static void put_w_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", window(row)->point);
}

static void put_w_t(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%.9g", window(row)->t_s);
}

static void put_w_value(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_window *w = window(row);
	const double v[] = { w->throughput, w->p50, w->p99, w->rejected, w->failed, w->missed };
	csv_num(f, v[k]);
}

/* slo_missed comes last, when the scenario has an slo: (in the
 * reference, always) */
static size_t w_values(const void *ctx)
{
	const struct outputs_ctx *c = ctx_of(ctx);
	return !c || !c->set || c->set->points[0]->slo ? 6 : 5;
}

static void w_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	static const char *const names[] = {
		"throughput_per_s", "latency_p50_s", "latency_p99_s", "rejected", "failed",
		"slo_missed",
	};
	static const char *const docs[] = {
		"requests served in the window, per second, averaged over replications",
		"the median of the window's latencies pooled over replications (to 3 %); `NaN` when the window has too few for it (fewer than 10 / (1 - q))",
		"the 99th percentile, likewise",
		"requests refused in the window, per replication",
		"requests failed in the window, per replication",
		"the share of replications whose window missed the scenario's `slo:` (each judged on its own latencies); present when the scenario has one",
	};
	snprintf(name, len, "%s", names[k]);
	*doc = docs[k];
}

static const struct csv_col ts_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_w_point },
	{ "t_s", "the window's start, from the start of the run (warm-up included)", NULL, NULL,
	  put_w_t },
	{ "VALUE", "the window's values", w_values, w_member, put_w_value },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- node_timeseries.csv ------------------------------------------------------- */

static const struct outputs_node_window *nwindow(const void *row)
{
	return row;
}

static void put_nw_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", nwindow(row)->point);
}

static void put_nw_t(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%.9g", nwindow(row)->t_s);
}

static void put_nw_name(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, nwindow(row)->name);
}

static size_t ts_col_count(const void *ctx)
{
	const struct outputs_ctx *c = ctx_of(ctx);
	return c && c->ts ? c->ts->n : 0;
}

static void ts_col_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	const struct col_def *d = ctx_of(ctx)->ts->col[k];
	snprintf(name, len, "%s", d->name);
	*doc = d->doc;
}

static void put_nw_col(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_node_window *r = nwindow(row);
	int c = col_at(ctx_of(ctx)->ts, r->ops, k, 1);
	csv_num(f, c >= 0 && r->counts[c] ? r->sums[c] / r->counts[c] : NAN);
}

static const struct csv_col node_ts_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_nw_point },
	{ "t_s", "the window's start", NULL, NULL, put_nw_t },
	{ "node", "the node, or one replica of it", NULL, NULL, put_nw_name },
	{ "COLUMN", "every kind's sampled columns (see each kind's reference); NaN where one does not apply",
	  ts_col_count, ts_col_member, put_nw_col },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- timeline.csv ---------------------------------------------------------------- */

static const struct outputs_entry *entry(const void *row)
{
	return row;
}

static void put_e_point(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", entry(row)->point);
}

static void put_e_t(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%.9g", entry(row)->t_s);
}

static void put_e_end(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%.9g", entry(row)->end_s);
}

static void put_e_node(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, entry(row)->node);
}

static void put_e_do(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(entry(row)->action, f);
}

static void put_e_label(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, entry(row)->label);
}

static const struct csv_col timeline_cols[] = {
	{ "point", "the sweep point", NULL, NULL, put_e_point },
	{ "t_s", "when the entry starts", NULL, NULL, put_e_t },
	{ "end_s", "when it ends, or the end of the run", NULL, NULL, put_e_end },
	{ "node", "what it acts on: a node, `NAME[K]` (one replica), or `NAME[ZONE]` (its replicas in a zone: a zone outage, an entry per node placed there)", NULL, NULL, put_e_node },
	{ "do", "its action", NULL, NULL, put_e_do },
	{ "label", "the text the charts mark it with", NULL, NULL, put_e_label },
	POINT_COLS,
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- compare.csv -------------------------------------------------------------------- */

static const struct outputs_pair *pair(const void *row)
{
	return row;
}

/* the swept paths other than the compared one */
static size_t others_count(const void *ctx)
{
	const struct outputs_ctx *c = ctx_of(ctx);
	return c && c->set && c->set->nparams ? c->set->nparams - 1 : 0;
}

static size_t other_path(const struct sweep *set, size_t k)
{
	return k < set->compare ? k : k + 1;
}

static void others_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	const struct sweep *set = ctx_of(ctx)->set;
	sweep_param_column(set, other_path(set, k), name, len);
}

static void put_other(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct sweep *set = ctx_of(ctx)->set;
	put_param(f, set, pair(row)->a, other_path(set, k));
}

static void put_compared(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct sweep *set = ctx_of(ctx)->set;
	char name[600];
	sweep_param_column(set, set->compare, name, sizeof name);
	csv_text(f, name);
}

static void put_value_a(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct sweep *set = ctx_of(ctx)->set;
	put_param(f, set, pair(row)->a, set->compare);
}

static void put_value_b(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct sweep *set = ctx_of(ctx)->set;
	put_param(f, set, pair(row)->b, set->compare);
}

static void put_point_a(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", pair(row)->a);
}

static void put_point_b(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", pair(row)->b);
}

static void put_pairs(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", pair(row)->pair[0].pairs);
}

#define CMP_PARTS 8

static size_t cmp_count(const void *ctx)
{
	return OUTPUTS_NCMP * CMP_PARTS;
}

static void cmp_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	static const char *const suffix[CMP_PARTS] = {
		"_a", "_b", "_diff", "_diff_lo", "_diff_hi", "_diff_ci95", "_unpaired_ci95",
		"_significant",
	};
	static const char *const docs[CMP_PARTS] = {
		"the estimate at `a`, as in summary.csv",
		"the estimate at `b`",
		"`b - a`: negative when `b` is lower",
		"the low end of its 95 % interval, from the replications' paired differences (Student t)",
		"the high end",
		"its half-width",
		"the half-width Welch's unpaired interval would give on the same replications: what pairing saved",
		"`true` when the interval excludes 0; empty when there is no interval (fewer than 2 pairs, or a percentile whose own interval is withheld)",
	};
	snprintf(name, len, "%s%s", metric_name(outputs_cmp_metrics[k / CMP_PARTS]),
		 suffix[k % CMP_PARTS]);
	*doc = docs[k % CMP_PARTS];
}

static void put_cmp(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct outputs_pair *r = pair(row);
	const struct interval_pair *p = &r->pair[k / CMP_PARTS];
	int m = outputs_cmp_metrics[k / CMP_PARTS];
	double lo = p->diff - p->half, hi = p->diff + p->half;
	switch (k % CMP_PARTS) {
	case 0: csv_num(f, r->reps_a ? r->mean_a[m] : NAN); break;
	case 1: csv_num(f, r->reps_b ? r->mean_b[m] : NAN); break;
	case 2: csv_num(f, p->diff); break;
	case 3: csv_num(f, lo); break;
	case 4: csv_num(f, hi); break;
	case 5: csv_num(f, p->half); break;
	case 6: csv_num(f, p->unpaired); break;
	default:
		if (!isnan(lo))
			fputs(lo > 0 || hi < 0 ? "true" : "false", f);
		break;
	}
}

static const struct csv_col compare_cols[] = {
	{ "PATH", "the values of the other swept paths, which the row's two points share",
	  others_count, others_member, put_other },
	{ "compared", "the swept path compared, as its column is named in summary.csv", NULL, NULL, put_compared },
	{ "a", "its value at the first point (the one listed first in the sweep)", NULL, NULL,
	  put_value_a },
	{ "b", "its value at the second", NULL, NULL, put_value_b },
	{ "point_a", "the first point, in summary.csv", NULL, NULL, put_point_a },
	{ "point_b", "the second", NULL, NULL, put_point_b },
	{ "pairs", "replications paired: replication r of one against replication r of the other, which saw the same arrivals, keys and demands",
	  NULL, NULL, put_pairs },
	{ "M_...", "for each of latency_mean_s, latency_p99_s and error_ratio", cmp_count,
	  cmp_member, put_cmp },
	{ NULL, NULL, NULL, NULL, NULL }
};

/* ---- the files ------------------------------------------------------------------------ */

const struct csv_file outputs_files[OUT_NFILES] = {
	[OUT_SUMMARY] = { "summary.csv", "One row per sweep point, all workloads together. " COUNTS_DOC,
			  summary_cols },
	[OUT_WORKLOADS] = { "workloads.csv", "One row per sweep point and workload, with the columns of summary.csv that count and estimate.",
			    workloads_cols },
	[OUT_NODES] = { "nodes.csv", "One row per point and node, and one per replica (`web[0]`, `web[1]`, ...) for a node with more than one. One wide table, as gnuplot and a spreadsheet read it: a column that does not apply to a node's kind is NaN, as is a value that was not measured. Every file with a `point` column but summary.csv and compare.csv ends with the point's swept values, duration and warm-up, and all but workloads.csv (which has it already) with its replications, so that each can be read alone.",
			nodes_cols },
	[OUT_NODES_LONG] = { "nodes_long.csv", "nodes.csv as a long table, as pandas and R group it: one row per point, node and column that applies to the node's kind, with the value's 95 % half-width where it has one.",
			     nodes_long_cols },
	[OUT_LINKS] = { "links.csv", "One row per point and link channel: each direction of a link between two zone patterns (`links:`), or the one channel of a link within zones or between a pattern and itself, with what its hops carried, waited and took. A header alone without links.",
			links_cols },
	[OUT_LATENCY] = { "latency.csv", "The histogram of served latencies pooled over replications, per point and workload. Buckets are within 0.4 % of their values.",
			  latency_cols },
	[OUT_TS] = { "timeseries.csv", "One row per point and time-series window (`window:`), warm-up included.",
		     ts_cols },
	[OUT_NODE_TS] = { "node_timeseries.csv", "One row per point, window and node: each value is the window's own, averaged over replications. With many nodes, windows are merged so that the file stays small.",
			  node_ts_cols },
	[OUT_TIMELINE] = { "timeline.csv", "The timeline's entries per point.", timeline_cols },
	[OUT_COMPARE] = { "compare.csv", "Paired comparisons between the values of one swept parameter (`compare:` names it; the first swept path by default), at each combination of the others. One row per pair of values `a` and `b`.",
			  compare_cols },
};

void outputs_doc(FILE *f, const struct model_ops *const *kinds, int level)
{
	struct outputs_catalogue nodes, ts;
	outputs_catalogue_of(&nodes, kinds, 0);
	outputs_catalogue_of(&ts, kinds, 1);
	struct outputs_ctx ctx = { NULL, &nodes, &ts, NULL };
	for (int i = 0; i < OUT_NFILES; i++)
		csv_doc(f, &outputs_files[i], &ctx, level);
}
