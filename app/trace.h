/*
 * trace.h - the first requests of a run as Chrome trace-event JSON:
 * `archsim run FILE --trace N` (or a share, `--trace 0.01`).
 *
 * Perfetto (ui.perfetto.dev) and chrome://tracing open the file.  Each
 * traced request is a process of its own, named after its number and
 * workload; its first thread is the request itself, with one span for its
 * whole life and inside it one span per node it visits, itself holding a
 * `queue` span (arrival to the start of service) and a `service` span per
 * service demand.  Each call it makes is a thread of the same process,
 * named after the callee and the attempt (`attempt 2` for a retry or a
 * hedged copy), with its
 * own visits, and an arrow (a flow event) from the moment the caller made
 * it; an attempt that times out leaves a `timeout` mark on its caller's
 * thread at that moment, while its own spans go on (the callee still
 * serves it).  Spans carry their status and times in `args`.
 *
 * The trace is of the first sweep point's replication 0, run once more
 * after the results are written, with the engine's trace hook
 * (sim_hooks.trace) set: the same run, so the same numbers.  With N, the
 * first N requests the clients issue are traced; with a share below 1, the
 * requests whose identity hashes below it.  Events are written as each
 * span closes; memory holds a small record per traced request and call
 * until the run ends, so a share of a long run costs memory in
 * proportion to the requests it traces.  A
 * service span is the demand drawn; a service whose workers contend for
 * the host runs longer than its span shows.
 */
#ifndef APP_TRACE_H
#define APP_TRACE_H

#include <signal.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/scenario.h"

/* trace_parse reads --trace's value: a count (1 or more) into *count, or
 * a share (0 < s < 1) into *share.  0 or -1. */
int trace_parse(const char *arg, uint64_t *count, double *share);

/* trace_write runs replication 0 of sc with the trace hook and writes
 * DIR/trace.json (under a temporary name, renamed when complete).  0,
 * SIM_EINTR, SIM_EIO, SIM_ENOMEM or SIM_ESTUCK. */
int trace_write(const struct scenario *sc, uint64_t count, double share, const char *dir,
		volatile sig_atomic_t *stop, struct sim_err *err);

#endif
