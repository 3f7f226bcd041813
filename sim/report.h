/*
 * report.h - from replications to the CSV files a user reads.
 *
 * Each sweep point's replications are folded into a point summary as soon
 * as they finish (means with Student-t 95 % half-widths, histograms merged
 * exactly, time series averaged window by window), so memory grows with
 * the number of points, not of replications or requests.  report_write
 * then writes summary.csv, nodes.csv, latency.csv and timeseries.csv.
 *
 * Every file is written under a temporary name in the output directory and
 * renamed into place only when all four are complete, so a failure leaves
 * the previous results as they were and never a half-written file.  Numbers
 * are printed with %.9g: enough digits to round-trip what matters, and the
 * same bytes for the same inputs.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stdio.h>

#include "sim/hist.h"
#include "sim/scenario.h"
#include "sim/sim.h"

/* The quantities of summary.csv that carry a confidence interval. */
enum report_metric {
	RM_THROUGHPUT,
	RM_LATENCY_MEAN,
	RM_P50,
	RM_P90,
	RM_P99,
	RM_P999,
	RM_REJECT_RATIO,
	RM_COUNT
};

struct report_node {
	uint64_t arrivals, completed, rejected;
	double utilization, utilization_ci95;
	double queue_len_mean, wait_mean_s, waited_ratio, latency_mean_s;
};

struct report_window {
	double t_s, throughput_per_s, p50_s, p99_s, rejected;
};

struct report_point {
	uint32_t replications;      /* replications folded in */
	int complete;               /* all asked-for replications ran */
	uint64_t arrivals, completed, rejected;
	double mean[RM_COUNT], ci95[RM_COUNT];
	struct hist latency;        /* merged over replications */
	struct report_node *nodes;  /* [ncomponents] */
	struct report_window *ts;
	size_t nts;
};

struct report {
	const struct scenario_set *set;
	struct report_point *points; /* [set->npoints]; replications == 0 for
				     * a point not run (stopped before it) */
	const char *version;
	uint64_t events, requests;  /* processed over all replications */
};

/* report_init prepares an empty report for set: 0 or SIM_ENOMEM. */
int report_init(struct report *r, const struct scenario_set *set,
		const char *version);
void report_fini(struct report *r);

/* report_add_point folds the n finished replications of point p into the
 * report (n may be less than asked for after an interruption; 0 leaves the
 * point out).  0 or SIM_ENOMEM. */
int report_add_point(struct report *r, size_t p, const struct rep_result *reps,
		     uint32_t n);

/* report_write writes the four CSV files into dir (created if missing,
 * with its parents).  0, or SIM_EIO with the file and the system's reason in
 * err; nothing is renamed into place unless every file was written. */
int report_write(const struct report *r, const char *dir, struct sim_err *err);

/* report_print_table prints a short human-readable table of the summary. */
void report_print_table(const struct report *r, FILE *f);

#endif
