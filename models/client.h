/*
 * client.h - the client kind: one per entry of `workloads:`.
 *
 * Open loop: requests are issued at the workload's arrival process whatever
 * happens to earlier ones (`poisson`, `constant`, or a piecewise-linear
 * rate `profile`, optionally repeating with a `period`), so a slow system
 * meets the same demand as a fast one and latency carries no coordinated
 * omission.  Closed loop: `users` each issue one request, wait for it to
 * finish, think for a `think` time drawn from a distribution, and issue the
 * next; a rejected request ends like a served one.
 *
 * The profile is sampled exactly by inverting its integrated rate: a unit
 * exponential E is the expected number of arrivals still to wait for, and
 * the next arrival is where the integral of the rate from now reaches E.
 * The rate is linear within a segment, so the integral is quadratic and is
 * inverted in closed form; a segment that holds less than E is crossed by
 * subtracting its area, and with a period whole periods are skipped the
 * same way.  One random draw per arrival, and the cost does not depend on
 * how low or how peaked the rate is.
 *
 * Every request is measured by the client that issued it (sim.h).
 * Random streams: "arrival" (gaps and thinning) and "think".
 */
#ifndef MODELS_CLIENT_H
#define MODELS_CLIENT_H

#include "sim/sim.h"

/* The kind of `workloads:` entries. */
extern const struct model_ops client_ops;

#endif
