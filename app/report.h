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
 * grow with the number of replications.  When a point is complete,
 * report_point_done works out its estimates and writes its rows to the
 * output files at once, then frees it: the few numbers kept for the
 * table on the terminal and for compare.csv go to a temporary file, so
 * memory does not grow with the number of points either.
 *
 * The estimates and what their intervals mean (all 95 %):
 *
 *   means (throughput, mean latency, ratios): pooled over replications
 *     (all latencies over all served requests, all rejections over all
 *     arrivals), with a Student-t half-width from the replications' own
 *     values.  Replications in which a quantity is undefined (no request
 *     ended) are left out; fewer than 2 left gives no interval (NaN).
 *   percentiles: the quantile of the histogram pooled over all
 *     replications, a consistent estimator whose bias shrinks as
 *     replications are added (each replication's own tail quantile is
 *     biased low, by 12 % for an M/M/1's p99 over 2000 mean services, and
 *     averaging them keeps that bias however many there are).  Its
 *     interval [lo, hi] is the smallest that holds two others:
 *       sectioning (Nakayama, "Confidence intervals for quantiles using
 *         sectioning when applying variance-reduction techniques", ACM
 *         TOMACS 24(4), 2014): x +- t(0.975, n-1) sqrt(sum_i (x_i - x)^2
 *         / (n (n-1))), x the pooled quantile, x_i replication i's own;
 *       CDF inversion: p_i, the share of replication i's latencies at or
 *         below x's bucket, gets a t-interval [p-, p+], mapped back
 *         through the pooled histogram to [Q(p-), Q(p+)].
 *     Sectioning holds when replications are few but understates the
 *     spread of a pooled tail quantile when they are many; inversion is
 *     the other way round.  Over 80,000 independent M/M/1 runs at rho 0.8
 *     (docs/STATISTICS.md) the hull holds p99 in 94.5 % of runs with 5
 *     replications and 93.2 % with 50, where either alone falls to 82 %
 *     or 76 %.  Both ends are widened by the histogram's own relative
 *     error (hist.h), so an interval is never +-0 while the value is off
 *     by a bucket.  The p_i need only two running sums per bucket, so
 *     memory stays flat in replications.
 *
 * Steady state: a point is `steady=false` when the scenario's offered load
 * meets or exceeds a node's capacity, or is so close to it that the node
 * cannot settle within the run (steady.h), or when the replications show
 * the requests in the system growing through the measured window, or the
 * mean latency rising from its first half to its second, beyond chance.
 * Each reason becomes a warning (report_warnings).
 *
 * Files: summary.csv (a row per point), workloads.csv (a row per point and
 * workload), nodes.csv (a row per point and node, and per replica),
 * latency.csv (pooled histogram buckets), timeseries.csv,
 * node_timeseries.csv and timeline.csv.  Each is written under a
 * temporary name in the output directory, point by point, and renamed into
 * place by report_commit only when all are complete, so a failure leaves
 * the previous results as they were and never a half-written file.
 * Numbers are printed with %.9g: the same bytes for the same inputs.
 */
#ifndef APP_REPORT_H
#define APP_REPORT_H

#include <stdio.h>

#include "sim/hist.h"
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
	double mean[METRIC_COUNT];      /* point estimates */
	double ci95[METRIC_COUNT];      /* half-widths; for percentiles the larger
				     * side of [lo, hi] */
	double lo[METRIC_COUNT], hi[METRIC_COUNT];   /* the 95 % intervals */
	double *own;                /* [REPORT_NCMP][replications]: each
				     * replication's own mean latency, p99
				     * and error ratio, for report_pair; NULL
				     * from report_point */
};

/* The metrics compare.csv pairs: mean latency, p99, error ratio. */
#define REPORT_NCMP 3

/* A paired comparison of one metric between two points (b - a). */
struct report_pair {
	double diff;                /* b's point estimate minus a's */
	double half;                /* 95 % half-width from the replications'
				     * paired differences (NaN: fewer than 2) */
	double unpaired;            /* what Welch's interval would give */
	size_t pairs;
};

/* report_pair compares metric k (0 mean latency, 1 p99, 2 error ratio)
 * of points a and b, replication r of one against replication r of the
 * other: valid because replication r of every point sees the same
 * arrivals, keys and demands (common random numbers). */
void report_pair(const struct report_summary *a, const struct report_summary *b,
		 int k, struct report_pair *out);

/* Per-bucket sums over replications of each one's CDF, for the CDF
 * inversion interval: s1[b] + ones up to b is sum_i F_i(b), s2 the same
 * for F_i(b)^2 (F_i is 1 from a replication's maximum on, counted in
 * ones[] to keep a fold to the buckets in use). */
struct cdf_sums {
	double *s1, *s2;
	uint64_t *ones;
	uint32_t n;                 /* replications folded in */
};

/* cdf_sums_add folds one replication's histogram (not empty): 0 or
 * SIM_ENOMEM.  cdf_sums_free frees the sums. */
int cdf_sums_add(struct cdf_sums *c, const struct hist *h);
void cdf_sums_free(struct cdf_sums *c);

struct report_point_acc;

/* The files a run writes (summary.csv, ..., timeline.csv). */
#define REPORT_NFILES 8

struct report {
	const struct sweep *set;
	struct report_point_acc *acc;   /* the point being folded */
	size_t acc_point;
	const char *version;
	uint64_t events, requests;  /* processed over all replications */
	char **warnings;            /* lines for stderr, in point order: the
				     * first REPORT_WARNINGS_MAX */
	size_t nwarnings;
	size_t more_warnings;       /* those beyond, counted only */
	size_t more_points;         /* the points they are about */
	size_t last_warned;         /* the last of those points, plus one */
	/* output files, when writing (report_open) */
	char *dir;
	size_t made;                /* dir[0..made) is the shallowest directory
				     * report_open created (0: none); a failed
				     * run removes those it left empty */
	FILE *f[REPORT_NFILES];
	char *tmp[REPORT_NFILES];
	size_t written;             /* points whose rows are written */
	int io_error[REPORT_NFILES];            /* per file: errno of its first failed write */
	/* what is kept of closed points (report_point): their summaries,
	 * then their replications' own values when there is a sweep */
	int keeping;                /* the store below is set up */
	int spill;                  /* in an unlinked temporary file, or -1:
				     * in memory (one point, or no file could
				     * be made) */
	char *mem;
	size_t memlen, memcap;
	struct sim_err err;         /* why the last call that failed failed,
				     * when not for want of memory */
};

/* report_init prepares an empty report for set: 0 or SIM_ENOMEM. */
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

/* metric_name is metric m's column name in summary.csv. */
const char *metric_name(int m);

/* metric_find is the metric whose column is `name`, or -1. */
int metric_find(const char *name);

/* report_estimate gives metric m of point p as folded so far (p must be
 * the point being folded): its estimate and 95 % interval [lo, hi] (NaN
 * when it has none yet).  0, or -1 when p is not being folded. */
int report_estimate(const struct report *r, size_t p, int m, double *est,
		    double *lo, double *hi);

/* report_set_precision records, before report_point_done and after a
 * replication of p was folded, that point p's
 * precision target was met (met = 1) or was not within its
 * max_replications (met = 0): its precision_met column, its complete
 * column (the rule ended the point), and a warning when not met. */
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

/* report_compare pairs metric k of points a and b as compare.csv does
 * (report_pair).  0, SIM_ENOMEM or SIM_EIO. */
int report_compare(const struct report *r, size_t a, size_t b, int k,
		   struct report_pair *out);

/* report_mkdir_p creates dir and its missing parents: 0, or -1 with
 * errno.  *made is the length of the shallowest it created (0: dir
 * existed). */
int report_mkdir_p(const char *dir, size_t *made);

/* report_commit writes the rows of points never closed, then flushes,
 * syncs and renames every file into place.  0, or SIM_EIO with the file
 * and reason in err; then nothing is renamed and the temporary files are
 * removed.  report_abort removes the temporary files, and the output
 * directories report_open created if they are left empty. */
int report_commit(struct report *r, struct sim_err *err);
void report_abort(struct report *r);

/* report_reference prints the reference of the output files, in
 * Markdown, from the tables that write them. */
void report_reference(FILE *f, const struct model_ops *const *kinds);

/* report_print_table prints a short human-readable table of the summary. */
void report_print_table(const struct report *r, FILE *f);

/* report_print_warnings prints the steady-state and heavy-tail warnings,
 * one line each, prefixed "archsim: warning: ": the first
 * REPORT_WARNINGS_MAX, then how many more there were.  (A large sweep
 * can give a few per point; the summary's steady, precision_met and
 * interval columns say the same for every point.) */
#define REPORT_WARNINGS_MAX 200
void report_print_warnings(const struct report *r, FILE *f);

/* report_quantile_interval sets *x to the q-quantile of the pooled
 * histogram (seconds) and [*lo, *hi] to its interval as above, from the
 * replications' own q-quantiles own[0..n) (NaN ones skipped) and the CDF
 * sums of the same replications, widened by rel_err * x at each end.
 * The interval is NaN when fewer than 2 replications served a request. */
void report_quantile_interval(const struct hist *pooled, double q,
			      const double *own, size_t n,
			      const struct cdf_sums *c, double rel_err,
			      double *x, double *lo, double *hi);

#endif
