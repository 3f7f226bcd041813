/*
 * runner.h - run every replication of every sweep point into a report.
 *
 * Points run in order and, within a point, replications in order; each
 * replication uses its own random streams (sim.h), so the result does not
 * depend on the order or on how the work is split — the property that
 * parallel and distributed runs will rely on.  Each replication's result
 * is folded into the report as soon as it finishes (report_fold), and each
 * point is closed (report_point_done) when its replications are in, so
 * memory stays flat in replications and points.
 */
#ifndef SIM_RUNNER_H
#define SIM_RUNNER_H

#include "sim/report.h"
#include "sim/sim.h"

/* Progress as seen by a runner's callback. */
struct runner_progress {
	size_t point, npoints;
	uint32_t rep, nreps;
	double done;          /* fraction of the current replication */
};

/* runner_run runs set into r (prepared with report_init, and opened with
 * report_open if rows are to be written).  `stop` may be NULL; when it
 * becomes non-zero the run ends after folding in the replications that
 * finished (the point in progress is marked incomplete).  `progress`, if
 * not NULL, is called now and then.  Returns 0, SIM_EINTR, SIM_ENOMEM, or
 * SIM_ESTUCK (a run whose clock stopped; err says where). */
int runner_run(const struct scenario_set *set, struct report *r,
	       volatile sig_atomic_t *stop,
	       void (*progress)(void *arg, const struct runner_progress *p),
	       void *arg, struct sim_err *err);

#endif
