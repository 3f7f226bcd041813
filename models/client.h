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
 * The profile is sampled exactly by thinning segment by segment (Lewis and
 * Shedler): within a segment candidates come at the segment's peak rate and
 * each is kept with probability rate(t)/peak; a candidate past the segment's
 * end restarts at that end, which the memorylessness of the exponential
 * makes exact.  Cost per arrival stays bounded by the peak/average ratio of
 * one segment rather than of the whole profile.
 *
 * Every request is measured by the client that issued it (sim.h).
 * Random streams: "arrival" (gaps and thinning) and "think".
 */
#ifndef MODELS_CLIENT_H
#define MODELS_CLIENT_H

#include "models/model.h"

#endif
