/*
 * outputs.h - the files `archsim run` writes, declared column by column.
 *
 * Each file is a csv_file (csv.h): its columns in order, each with its
 * meaning and the function that writes its value, so that the header,
 * every row and the reference come from one declaration.  The report
 * (report.h) works out the values and hands each row here as plain
 * numbers; this module knows nothing of how they were folded.
 *
 *   summary.csv          a row per point: its swept values, its counts by
 *                        outcome, each metric (metric.h) with its 95 %
 *                        interval, and what produced it;
 *   workloads.csv        the same per point and workload;
 *   nodes.csv            a row per point and node (and replica): every
 *                        kind's declared columns (model.h) in one wide
 *                        table, NaN where a column does not apply;
 *   nodes_long.csv       the same values as a long table: a row per
 *                        point, node and column that applies to it;
 *   links.csv            a row per point and link channel (zone.h);
 *   latency.csv          the pooled latency histogram;
 *   timeseries.csv       per window: throughput, percentiles, failures;
 *   node_timeseries.csv  per window and node: the kinds' sampled columns;
 *   timeline.csv         the timeline's entries, for the charts;
 *   compare.csv          paired comparisons between the values of one
 *                        swept parameter.
 */
#ifndef APP_OUTPUTS_H
#define APP_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/csv.h"
#include "app/interval.h"
#include "sim/metric.h"
#include "sim/model.h"
#include "sim/sweep.h"

enum {
	OUT_SUMMARY, OUT_WORKLOADS, OUT_NODES, OUT_NODES_LONG, OUT_LINKS, OUT_LATENCY, OUT_TS,
	OUT_NODE_TS, OUT_TIMELINE, OUT_COMPARE, OUT_NFILES
};

/* The files, in the order above. */
extern const struct csv_file outputs_files[OUT_NFILES];

/* The metrics compare.csv pairs: mean latency, p99, error ratio. */
#define OUTPUTS_NCMP 3
extern const int outputs_cmp_metrics[OUTPUTS_NCMP];

/* The kinds' columns of nodes.csv (or node_timeseries.csv): every kind's
 * in the order of the kinds, then (nodes.csv) the engine's call
 * columns, each name once. */
#define OUTPUTS_MAX_COLS 256
#define OUTPUTS_MAX_KINDS 32
struct outputs_catalogue {
	const struct col_def *col[OUTPUTS_MAX_COLS];
	size_t n;
	/* where each column is in each kind's own row (its columns, then the
	 * call columns; or its ts_cols), or -1: found once, not per row */
	const struct model_ops *kind[OUTPUTS_MAX_KINDS];
	int16_t at[OUTPUTS_MAX_KINDS][OUTPUTS_MAX_COLS];
	size_t nkinds;
	/* nodes.csv's family, member by member: column member[k] >> 1, its
	 * _ci95 when member[k] & 1 (each column, then its interval when it
	 * has one); laid out once, since a row of 10^5 replicas' file asks
	 * for every member of every row */
	uint16_t member[2 * OUTPUTS_MAX_COLS];
	size_t nmembers;
};

/* outputs_catalogue_of builds the catalogue of kinds: nodes.csv's, or
 * with ts node_timeseries.csv's. */
void outputs_catalogue_of(struct outputs_catalogue *c, const struct model_ops *const *kinds,
			  int ts);

/* What the files' column families, and some of their values, depend on:
 * the sweep (its swept paths and their values; NULL in the reference)
 * and the two catalogues.  The rows below carry only their own values. */
struct outputs_ctx {
	const struct sweep *set;
	const struct outputs_catalogue *nodes, *ts;
	const struct outputs_point *pt;    /* the point whose rows are written */
};

/* What every row of a point carries after its own values, so that each
 * file can be read without summary.csv: the point's swept values (from
 * the sweep), its replications' measured time and warm-up, and how many
 * ran. */
struct outputs_point {
	size_t point;
	double duration_s, warmup_s;
	uint32_t reps;
};

/* A row of summary.csv or workloads.csv. */
struct outputs_counts {
	size_t point;
	const char *workload;              /* workloads.csv */
	uint32_t reps, used;
	uint64_t arrivals;
	const uint64_t *ended;             /* [REQ_NSTATUS] */
	const double *mean, *ci, *lo, *hi; /* [METRIC_COUNT] */
	/* summary.csv */
	int steady;
	double healthy_end;
	int complete;
	int precision;                     /* 0 none, 1 met, 2 not met */
	uint64_t seed;
	unsigned long long hash;
	const char *version;
};

/* A nodes.csv cell folded over replications: a sum (COL_SUM), a running
 * mean and sum of squared deviations (COL_MEAN, Welford), or a numerator
 * and a denominator (COL_RATIO); n is how many were folded. */
struct outputs_cell {
	double a, b;
	uint32_t n;
	double xx, yy, xy;     /* COL_RATIO: sums over replications of the
				* parts' squares and product, for its interval */
};

/* A row of nodes.csv: a node's, or one replica's. */
struct outputs_node {
	size_t point;
	const char *name;                  /* "web", "web[0]" */
	const struct model_ops *ops;
	const char *unit;                  /* what a unit row stands for, or "" */
	const struct outputs_cell *cells;  /* [its kind's columns, then the call
					    * columns] */
};

/* A row of nodes_long.csv: column `col` of the catalogue in node's row. */
struct outputs_node_value {
	const struct outputs_node *node;
	size_t col;
};

/* outputs_node_has says whether catalogue column i applies to a node of
 * kind ops (nodes_long.csv writes a row for each that does). */
int outputs_node_has(const struct outputs_ctx *ctx, const struct model_ops *ops, size_t i);

/* A row of links.csv: one channel of a link (zone.h). */
struct outputs_link {
	size_t point;
	const char *link, *from, *to;
	const struct outputs_cell *cells;  /* [sim_link_cols] */
};

/* A row of latency.csv. */
struct outputs_bucket {
	size_t point;
	const char *workload;
	double le_s;
	uint64_t count;
	double cdf;
};

/* A row of timeseries.csv. */
struct outputs_window {
	size_t point;
	double t_s, throughput, p50, p99, rejected, failed;
	double missed;               /* share of replications that missed
				      * slo: (NaN: none) */
};

/* A row of node_timeseries.csv: sums[c] / counts[c] for each of the
 * kind's time-series columns. */
struct outputs_node_window {
	size_t point;
	double t_s;
	const char *name;
	const struct model_ops *ops;
	const double *sums;
	const uint32_t *counts;
};

/* A row of timeline.csv. */
struct outputs_entry {
	size_t point;
	double t_s, end_s;
	const char *node, *action, *label;
};

/* A row of compare.csv: points a and b of the sweep, which differ in its
 * compared path (sweep.compare). */
struct outputs_pair {
	size_t a, b;
	uint32_t reps_a, reps_b;
	const double *mean_a, *mean_b;     /* [METRIC_COUNT] */
	const struct interval_pair *pair;  /* [OUTPUTS_NCMP] */
};

/* outputs_doc prints the reference of every file in Markdown, headings at
 * `level` (0: plain text); kinds gives the nodes.csv columns. */
void outputs_doc(FILE *f, const struct model_ops *const *kinds, int level);

#endif
