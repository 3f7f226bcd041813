/*
 * runner.h - run every replication of every sweep point into a report.
 *
 * The unit of work is one (point, replication) pair: a work item, numbered
 * point by point and, within a point, replication by replication.  Each
 * replication uses its own random streams (sim.h), so its result does not
 * depend on which process runs it or when.  Results are folded into the
 * report (report_fold) strictly in item order, and each point is closed
 * (report_point_done) when its replications are in, so the output is the
 * same bytes however the work is split, and memory stays flat in
 * replications and points.
 *
 * With jobs > 1 the items run in that many worker processes, forked from
 * this one (so they share the checked scenario), each taking the next
 * item when it finishes one and sending back its result as a record
 * (repio.h).  The parent keeps at most a few items per worker ahead of
 * the next one to fold, so memory stays bounded too.  Processes rather
 * than threads: the models keep global tables only for reading, but a
 * process cannot corrupt another's heap, and the same records are what
 * MPI ranks and `--shard` jobs exchange.
 */
#ifndef APP_RUNNER_H
#define APP_RUNNER_H

#include <stdatomic.h>

#include "app/report.h"
#include "sim/sim.h"

/* Progress as seen by a runner's callback. */
struct runner_progress {
	size_t point, npoints;       /* the next item to fold: its point, */
	uint32_t rep, nreps;         /* its replication and its point's count */
	double done;                 /* the items in flight: the fractions of
				      * them run, summed (one process, or
				      * forked workers; 0 for MPI ranks) */
	uint64_t items_done, items;  /* work items finished, and in all */
	uint64_t events;             /* events run so far: the finished items'
				      * and those in flight (as far as known) */
};

struct runner_opts {
	unsigned jobs;               /* worker processes; 0 or 1: this one */
	/* nshards > 1: only the items i with i mod nshards == shard run
	 * (`--shard`), and each result goes to sink, in item order, instead
	 * of into a report (which may then be NULL).  sink returns 0 or an
	 * error code (with err set), which ends the run. */
	uint32_t shard, nshards;
	int (*sink)(void *arg, uint64_t item, const struct rep_result *res,
		    struct sim_err *err);
	void *sink_arg;
	/* enough, when set, replaces `precision:` as the rule that closes a
	 * point before its last replication: it is asked, after each of
	 * the point's first n replications is folded, whether they are
	 * enough (the capacity search's "every term decided") */
	int (*enough)(void *arg, const struct report *r, size_t p, uint32_t n);
	void *enough_arg;
	volatile sig_atomic_t *stop; /* may be NULL; see runner_run */
	void (*progress)(void *arg, const struct runner_progress *p);
	void *arg;
	/* a group of replications (report_group) goes to a worker whole
	 * when its items' pace says it is at most this much work; 0:
	 * RUNNER_BATCH_NS.  Longer items go one by one, to as many workers
	 * as there are.  The output is the same bytes either way. */
	double group_ns;
};

/* runner_run runs set into r (prepared with report_init, and opened with
 * report_open if rows are to be written).  When *o->stop becomes non-zero
 * the run ends after folding in the replications that finished before
 * the first that did not (the point in progress is marked incomplete).
 * o->progress, if not NULL, is called now and then.  o may be NULL (one
 * process, no progress).  Returns 0, SIM_EINTR, SIM_ENOMEM, SIM_EIO (a
 * worker process could not be started or died), or SIM_ESTUCK (a run
 * whose clock stopped; err says where). */
int runner_run(const struct sweep *set, struct report *r,
	       const struct runner_opts *o, struct sim_err *err);

/* ---- workers elsewhere -------------------------------------------------
 *
 * The parent's side of running items in other processes is the same for
 * forked workers and for MPI ranks; only how an item number goes out and
 * a result comes back differs, which a transport says. */

/* How a worker's reply starts on the wire (a pipe, an MPI message):
 * then msglen bytes of message (less than SIM_ERR_MSG_MAX) and reclen of
 * record. */
struct runner_hdr {
	uint64_t item;
	int64_t rc;
	uint64_t msglen, reclen;
};

/* One item's result as a worker sends it. */
struct runner_reply {
	uint64_t item;
	int rc;                      /* 0, or what sim_run returned */
	char msg[SIM_ERR_MSG_MAX];   /* its message, when rc != 0 */
	unsigned char *rec;          /* the record (repio.h), malloc'd */
	size_t reclen;
};

struct runner_transport {
	unsigned workers;
	void *ctx;
	/* send asks worker w to run item: 0, or -1 (it is lost).  A worker
	 * may be given a batch of up to batch_max items before its first
	 * reply; it answers each, in the order given.  The transport may hold the requests
	 * back until the next recv, which sends them first. */
	int (*send)(void *ctx, unsigned w, uint64_t item);
	/* recv takes a reply from a busy worker, waiting up to a quarter of
	 * a second for one when `wait` is set, else only one already in:
	 * 1 with *w and *out set (out->rec is the caller's to free), 0 when
	 * none came, -1 when a worker was lost or memory ran out (err set) */
	int (*recv)(void *ctx, unsigned *w, struct runner_reply *out, int wait,
		    struct sim_err *err);
	/* interrupt passes a stop on to the workers; may be NULL */
	void (*interrupt)(void *ctx);
	/* inflight, when set, tells how far the workers are: the fractions
	 * of their items in flight, summed, and every event they have run */
	void (*inflight)(void *ctx, double *done, uint64_t *events);
	/* the most items a worker may be given at once (0: one, as an MPI
	 * rank is: a blocking send of a second item could meet the rank
	 * blocked in its reply) */
	unsigned batch_max;
	/* its workers serve groups (runner_serve): a point's replications
	 * folded by report_group's groups are sent a group at once, as the
	 * group's first item with RUNNER_GROUP_BIT set, and answered with the
	 * group's record (report_part_pack) */
	int groups;
};

/* The bit of a command, and of its answer, that names a whole group of
 * replications by its first item (runner_transport.groups). */
#define RUNNER_GROUP_BIT ((uint64_t)1 << 63)

/* runner_run_on is runner_run with the items run by t's workers. */
int runner_run_on(const struct sweep *set, struct report *r,
		  const struct runner_opts *o, const struct runner_transport *t,
		  struct sim_err *err);

/* A worker's side: where its items come from and its replies go. */
struct runner_worker {
	void *ctx;
	/* next: 1 with the next item to run, 0 when there are no more */
	int (*next)(void *ctx, uint64_t *item);
	/* reply sends an item's result: 0, or -1 to stop serving */
	int (*reply)(void *ctx, uint64_t item, int rc, const char *msg,
		     const void *rec, size_t len);
	/* where it shows how far it is, when set (a forked worker's slot in
	 * memory its parent reads) */
	struct runner_slot *slot;
};

/* How far a worker is, written by it and read by its parent: the
 * fraction of its item in flight run, and every event it has run.  The
 * two the parent reads are atomic (relaxed: a progress line needs no
 * order, only whole values); events_done is the worker's own. */
struct runner_slot {
	_Atomic double done;
	_Atomic uint64_t events;
	uint64_t events_done;
};

/* runner_serve runs the items wk hands out until it has no more, and
 * replies to each: its record, or its status and message. */
void runner_serve(const struct sweep *set, const struct runner_worker *wk,
		  volatile sig_atomic_t *stop);

/* runner_fold folds item's result into r as a run does, in item order:
 * its point is closed (report_point_done) after its last replication or,
 * with `precision:`, as soon as the target is met after the first
 * `replications` (or when o->enough says so, o may be NULL); closed[p]
 * (npoints flags, zeroed at the start) marks the closed points, whose
 * later items are ignored.  Runs and merges
 * share it, so both stop a point at the same replication.  0, or a code
 * whose message report_error gives. */
int runner_fold(const struct sweep *set, struct report *r, unsigned char *closed,
		uint64_t item, const struct rep_result *res, const struct runner_opts *o);

/* runner_point_result returns point p of set (sweep_point) and makes
 * *res its result record, unless it already is (*cur == p; *cur is then
 * p, and SIZE_MAX before the first).  A point's items share one record,
 * cleared by each run.  NULL with err set when the point cannot be built
 * or memory ran out. */
const struct scenario *runner_point_result(const struct sweep *set, size_t p,
					   struct rep_result *res, size_t *cur,
					   struct sim_err *err);

/* The most items a worker is given at once: a batch is sized to take
 * about RUNNER_BATCH_NS of work, so that items of microseconds do not
 * each cost a round trip between processes. */
#define RUNNER_BATCH_MAX 256
#define RUNNER_BATCH_NS 10000000

/* `warmup: auto` runs up to RUNNER_PILOTS pilot replications of a point,
 * numbered from RUNNER_PILOT_STREAMS for their streams (no replication
 * has those numbers, so the pilots are independent of the runs). */
#define RUNNER_PILOTS 5
#define RUNNER_PILOT_STREAMS 0x80000000u

/* runner_warmups sets the warm-up of each point with `warmup: auto`: its
 * pilot replications (as many as its `replications`, up to
 * RUNNER_PILOTS), with no warm-up and the measured length asked for, run
 * in `jobs` processes; their latency time series are pooled window by
 * window, and MSER-5 on the pooled series (steady_mser5) gives the cut, a
 * whole number of time-series windows, at most half the run.  Every
 * replication then discards that much and measures `duration` after it.
 * Call it once, before the run, shards or MPI ranks take the set.  0,
 * SIM_EINTR, SIM_ENOMEM or SIM_ESTUCK. */
int runner_warmups(struct sweep *set, unsigned jobs, volatile sig_atomic_t *stop,
		   struct sim_err *err);

/* runner_items counts the work items of set: each point's replications,
 * or with `precision:` its max_replications. */
uint64_t runner_items(const struct sweep *set);

/* runner_item_at maps item i (< runner_items) to its point and
 * replication, by a binary search over the points' first items. */
void runner_item_at(const struct sweep *set, uint64_t i, size_t *p, uint32_t *k);

#endif
