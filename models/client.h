/*
 * client.h - the client kind: one per entry of `workloads:`.
 *
 * Open loop: requests are issued at the workload's arrival process whatever
 * happens to earlier ones (`poisson`, `constant`, a piecewise-linear rate
 * `profile`, a bursty `mmpp`, or a `trace` replayed from a file: see
 * arrival.h for each and how it is sampled), so a slow system meets the
 * same demand as a fast one and latency carries no coordinated omission.
 * Closed loop: `users` each issue one request, wait for it to finish,
 * think for a `think` time drawn from a distribution, and issue the next;
 * a rejected request ends like a served one.
 *
 * At each arrival the client issues a request: its identity (from the
 * workload, and the issue number or the closed-loop user and its request
 * number), its key (`keys`), its kind (`mix`) and its connection
 * (`connections`), each drawn from the request's own named draws, so
 * that leaving one out changes no other.  A trace's line gives the key and
 * kind in place of the draws where it has them.
 *
 * Every request is measured by the client that issued it (sim.h).
 * Random streams: "arrival" (the arrival process's gaps and thinning,
 * handed to arrival_init) and "think".
 */
#ifndef MODELS_CLIENT_H
#define MODELS_CLIENT_H

#include "sim/sim.h"

/* The kind of `workloads:` entries. */
extern const struct model_ops client_ops;

/* client_plain says whether node k of sc is a workload whose requests are
 * issued the plain way: an open loop, not a trace, with no keys, kinds,
 * sizes, connections or zone.  It issues the same requests, without the
 * tests for those. */
int client_plain(const struct scenario *sc, uint32_t k);

#endif
