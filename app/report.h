/*
 * report.h - from replications to the CSV files a user reads.
 *
 * The unit of work is one (point, replication) result (struct rep_result).
 * The runner hands each to report_fold as soon as it finishes, in index
 * order, and report_fold folds it into its point's accumulator: counts
 * summed, histograms merged exactly, node columns folded as each declares
 * (sum, mean over replications, ratio of sums), and the replication's own
 * scalar estimates (throughput, mean latency, its own percentiles, reject
 * and error ratios) kept, since paired comparisons and run-length control
 * need them.  Nothing else of a replication is kept, so memory does not
 * grow with the number of replications.  A point of many replications
 * folds them in fixed groups, merged in order (REPORT_GROUP below), so
 * that a worker process can fold a whole group.  When a point is complete,
 * report_point_done works out its estimates and writes its rows to the
 * output files at once, then frees it: the few numbers kept for the
 * table on the terminal and for compare.csv go to a temporary file
 * (keep.h), so memory does not grow with the number of points either.
 *
 * The estimates and what their intervals mean (all 95 %):
 *
 *   means (throughput, mean latency, ratios): pooled over replications
 *     (all latencies over all served requests, all rejections over all
 *     arrivals), with a Student-t half-width from the replications' own
 *     values.  Replications in which a quantity is undefined (no request
 *     ended) are left out; fewer than 2 left gives no interval (NaN).
 *   percentiles: the quantile of the pooled histogram, with the interval
 *     of interval.h (the hull of sectioning and CDF inversion), withheld
 *     when the replications have too few latencies beyond it.
 *
 * Steady state: a point is `steady=false` when the scenario's offered load
 * meets or exceeds a node's capacity, or is so close to it that the node
 * cannot settle within the run (steady.h), or when the replications show
 * the requests in the system growing through the measured window, or the
 * mean latency rising from its first half to its second, beyond chance.
 * Each reason becomes a warning (report_print_warnings).
 *
 * Files: summary.csv, workloads.csv, nodes.csv, latency.csv,
 * timeseries.csv, node_timeseries.csv, timeline.csv and compare.csv, each
 * declared column by column (outputs.c, csv.h): the declaration writes
 * the header, every row and the reference (outputs_doc).  Each is written
 * under a temporary name in the output directory, point by point, and
 * renamed into place by report_commit only when all are complete, so a
 * failure leaves the previous results as they were and never a
 * half-written file.
 */
#ifndef APP_REPORT_H
#define APP_REPORT_H

#include <stdio.h>

#include "app/interval.h"
#include "app/keep.h"
#include "app/outputs.h"
#include "sim/metric.h"
#include "sim/sim.h"
#include "sim/sweep.h"

/* What the report keeps of a point once its rows are written, for the
 * table on the terminal, compare.csv and tests: on disk, so that memory
 * does not grow with the points of a sweep (report_point). */
struct report_summary {
	uint32_t replications;      /* replications folded in */
	uint32_t used;              /* of them, those that served a request */
	int complete;               /* all asked-for replications ran (with
				     * precision: the rule ended the point) */
	int precision;              /* 0 no precision target; 1 met; 2 not
				     * met within max_replications */
	int steady;
	double healthy_end;         /* share of replications whose last tenth
				     * failed or refused under 1 % of what it
				     * ended */
	uint64_t arrivals, completed, rejected, failed;
	double mean[METRIC_COUNT];  /* point estimates */
	double ci95[METRIC_COUNT];  /* half-widths; for percentiles the larger
				     * side of [lo, hi] */
	double lo[METRIC_COUNT], hi[METRIC_COUNT];   /* the 95 % intervals */
	uint32_t busiest;           /* the component with the highest
				     * utilization (nodes.csv, its own row),
				     * or UINT32_MAX when none has one */
	double busiest_util;        /* its utilization, mean over replications */
	double p99_slope;           /* dQ/dp at the pooled p99 (interval_
				     * inverse_slope), for report_pair */
	double *own;                /* [REPORT_OWN_ROWS][replications]: each
				     * replication's own mean latency, p99
				     * and error ratio, then its CDF at the
				     * pooled p99's bucket, for report_pair;
				     * NULL from report_point */
};

/* Rows of report_summary.own: the compared metrics' own values, then each
 * replication's CDF at the pooled p99. */
#define REPORT_OWN_ROWS (OUTPUTS_NCMP + 1)

/* report_pair compares metric k (0 mean latency, 1 p99, 2 error ratio)
 * of points a and b, replication r of one against replication r of the
 * other (interval_pair): valid because replication r of every point sees
 * the same arrivals, keys and demands (common random numbers).  0, or
 * SIM_ENOMEM (out's interval then NaN). */
int report_pair(const struct report_summary *a, const struct report_summary *b,
		int k, struct interval_pair *out);

struct report_point_acc;
struct report_part;
struct repio_buf;

/* Replications folded as one group.  A point of more replications than
 * this, and no rule that looks at each one as it comes (a precision
 * target, a capacity search's), folds them in groups of REPORT_GROUP
 * (the last one shorter): replications 0-63 into an accumulator of their
 * own, merged into the point's, then 64-127, and so on.  The groups are
 * fixed by the replications' numbers, never by how the work travelled,
 * so the output is the same bytes for every -j, shard count and MPI size;
 * and a worker process can fold a whole group and send it as one record
 * (report_part_pack, report_fold_group), where the parent would otherwise
 * fold every replication itself.  A point of at most REPORT_GROUP
 * replications is folded one by one, as before groups. */
#define REPORT_GROUP 64

/* report_group: how many replications of point p of set are folded
 * together: REPORT_GROUP or 1.  per_rep says a caller looks at the report
 * after each replication (runner_opts.enough).  It asks only the sweep's
 * arrays: no point is built. */
uint32_t report_group(const struct sweep *set, size_t p, int per_rep);

/* report_group_len: the replications in point p's group that begins at
 * replication rep0 (a multiple of REPORT_GROUP): REPORT_GROUP, or fewer
 * for the point's last. */
uint32_t report_group_len(const struct sweep *set, size_t p, uint32_t rep0);

struct report {
	const struct sweep *set;
	struct report_point_acc *acc;   /* the point being folded */
	size_t acc_point;
	struct report_part *part;       /* its open group (report_group), or
					 * NULL */
	int per_rep;                    /* fold every point one replication at
					 * a time (report_group) */
	uint64_t group_records;         /* whole groups folded from a worker's
					 * record (report_fold_group) */
	const char *version;
	uint64_t events, requests;  /* processed over all replications */
	char **warnings;            /* lines for stderr, in point order: the
				     * first REPORT_WARNINGS_MAX */
	size_t nwarnings;
	size_t more_warnings;       /* those beyond, counted only */
	size_t more_points;         /* the points they are about */
	size_t last_warned;         /* the last of those points, plus one */
	struct outputs_catalogue nodes_cat, ts_cat;  /* nodes.csv, node_timeseries.csv */
	struct outputs_point cur;                   /* the point being written */
	/* output files, when writing (report_open) */
	char *dir;
	size_t made;                /* dir[0..made) is the shallowest directory
				     * report_open created (0: none); a failed
				     * run removes those it left empty */
	FILE *f[OUT_NFILES];
	char *tmp[OUT_NFILES];
	size_t written;             /* points whose rows are written */
	int io_error[OUT_NFILES];  /* per file: errno of its first failed write */
	/* what is kept of closed points (report_point): their summaries,
	 * then their replications' own values when there is a sweep */
	struct keep keep;
	/* the open point's replications' latency histograms, sparse, to
	 * read each one's CDF at the pooled p99 when the point closes (a
	 * sweep only: compare.csv's paired p99 difference) */
	struct keep hkeep;
	struct sim_err err;         /* why the last call that failed failed,
				     * when not for want of memory */
};

/* report_init prepares an empty report for set: 0 or SIM_ENOMEM.
 * report_fini frees it, and removes its temporary files if it was opened
 * and not committed (report_abort). */
int report_init(struct report *r, const struct sweep *set,
		const char *version);
void report_fini(struct report *r);

/* report_open creates dir (and its parents) and the temporary files,
 * with their headers, so that point rows can be written as points finish.
 * 0, or SIM_EIO with the path and the system's reason in err.  A report
 * never opened keeps point summaries only (tests). */
int report_open(struct report *r, const char *dir, struct sim_err *err);

/* report_fold folds replication `rep` of point p (which must be the point
 * being folded, or the next) into the report.  Replications are folded in
 * index order.  0, SIM_ENOMEM, or another code with its message in
 * r->err. */
int report_fold(struct report *r, size_t p, uint32_t rep,
		const struct rep_result *res);

/* report_fold_group folds the record rec[0..len) of a whole group of
 * point p, the one that begins at replication rep0 (report_part_pack):
 * the same as folding its replications one by one.  0, SIM_ENOMEM, or
 * another code with its message in r->err (a damaged record, or one of
 * another point's shape). */
int report_fold_group(struct report *r, size_t p, uint32_t rep0, const void *rec,
		      size_t len);

/* A worker's group: report_part_new makes one (NULL: out of memory);
 * report_part_fold folds replication rep of point p of set into it (the
 * first of a group opens it, the others must follow in order: 0,
 * SIM_ENOMEM, or another code with its message in err); report_part_pack
 * writes the group as one record into b and ends it, keeping its memory
 * for the next (0 or SIM_ENOMEM); report_part_free frees it (NULL is
 * fine). */
struct report_part *report_part_new(void);
int report_part_fold(struct report_part *g, const struct sweep *set, size_t p, uint32_t rep,
		     const struct rep_result *res, struct sim_err *err);
int report_part_pack(struct report_part *g, struct repio_buf *b);
void report_part_free(struct report_part *g);

/* report_never says whether metric m of point p, as folded so far (p
 * must be the point being folded), is a percentile that no number of
 * replications will give an interval: the latencies beyond it come in
 * too few bursts per replication (report.c, TS_MIN_STRETCH), which only
 * a longer duration changes. */
int report_never(const struct report *r, size_t p, int m);

/* report_estimate gives metric m of point p as folded so far (p must be
 * the point being folded): its estimate and 95 % interval [lo, hi] (NaN
 * when it has none yet).  0, or -1 when p is not being folded. */
int report_estimate(const struct report *r, size_t p, int m, double *est,
		    double *lo, double *hi);

/* report_set_precision records, before report_point_done and after a
 * replication of p was folded, that point p's precision target was met
 * (met = 1) or was not within its max_replications (met = 0): its
 * precision_met column, its complete column (the rule ended the point),
 * and a warning when not met. */
void report_set_precision(struct report *r, size_t p, int met);

/* report_point_done closes point p: its estimates are worked out and, when
 * the report is open, its rows are written.  A point with no replication
 * folded (a run stopped before it) gets its summary row of NaNs.
 * 0, SIM_ENOMEM, or another code with its message in r->err (the point
 * could not be built again, or the file that keeps it not written). */
int report_point_done(struct report *r, size_t p);

/* report_error puts the message for status rc (not 0) of a report call
 * in err, and returns rc: r->err's, or "out of memory". */
int report_error(const struct report *r, int rc, struct sim_err *err);

/* report_point copies what the report keeps of point p into *out, with
 * own NULL: zeros for a point never closed.  0, or SIM_EIO. */
int report_point(const struct report *r, size_t p, struct report_summary *out);

/* report_point_own reads point p's summary as report_point does, with its
 * replications' own values (out->own, malloc'd: the caller frees it; NULL
 * without replications or without a sweep).  0, SIM_ENOMEM or SIM_EIO. */
int report_point_own(const struct report *r, size_t p, struct report_summary *out);

/* report_compare pairs metric k of points a and b as compare.csv does
 * (report_pair).  0, SIM_ENOMEM or SIM_EIO. */
int report_compare(const struct report *r, size_t a, size_t b, int k,
		   struct interval_pair *out);

/* report_commit writes the rows of points never closed, then flushes,
 * syncs and renames every file into place.  0, or SIM_EIO with the file
 * and reason in err; then nothing is renamed and the temporary files are
 * removed.  report_abort removes the temporary files, and the output
 * directories report_open created if they are left empty. */
int report_commit(struct report *r, struct sim_err *err);
void report_abort(struct report *r);

/* report_commit_to is report_commit with the files renamed into dir
 * (created with its parents) rather than the output directory, on the same
 * file system: where a stopped run puts its incomplete results, so that
 * the complete ones of an earlier run stay as they were.  The output
 * directory, when report_open made it and it is left empty, is removed. */
int report_commit_to(struct report *r, const char *dir, struct sim_err *err);

/* report_print_table prints a short human-readable table of the summary. */
void report_print_table(const struct report *r, FILE *f);

/* report_print_warnings prints the steady-state and heavy-tail warnings,
 * one line each, prefixed "archsim: warning: ": the first
 * REPORT_WARNINGS_MAX, then how many more there were.  (A large sweep
 * can give a few per point; the summary's steady, precision_met and
 * interval columns say the same for every point.) */
#define REPORT_WARNINGS_MAX 200
void report_print_warnings(const struct report *r, FILE *f);

#endif
