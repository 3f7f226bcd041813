/*
 * split.h - a sweep split over separate jobs, and merged.
 *
 *   archsim run FILE --shard 2/8 -o out     (the second of eight jobs)
 *   archsim merge out                       (once all eight are in)
 *
 * `--shard I/N` runs the work items (runner.h) whose number is I - 1
 * modulo N, so that the shards of a sweep share its points and
 * replications evenly, and writes their results, as replication records
 * (repio.h) in item order, to DIR/shard-I-of-N.rec.  The file also holds
 * what the merge needs to rebuild the report: the scenario's text and
 * file name, the --set overrides, archsim's version, and each point's
 * warm-up (`warmup: auto` finds it before the shard runs).  A Slurm job
 * array or GNU parallel runs the shards anywhere; `archsim merge`
 * then reads the N files in step, folding each item in order, and writes
 * the same bytes as one run of the whole sweep.  Neither side holds more
 * than one record at a time.
 *
 * The merge refuses files that do not belong together: another scenario
 * text, other overrides, another N, another version, a shard missing or
 * given twice, or a file cut short.
 */
#ifndef APP_SPLIT_H
#define APP_SPLIT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "app/report.h"
#include "app/runner.h"
#include "sim/sweep.h"


/* split_parse reads "I/N" (1 <= I <= N <= 100000) into *index (I - 1)
 * and *count.  0, or SIM_EINVAL with a message in err. */
int split_parse(const char *arg, uint32_t *index, uint32_t *count, struct sim_err *err);

/* split_run runs shard index/count of set (o: jobs, stop, progress) and
 * writes DIR/shard-I-of-N.rec, under a temporary name renamed when
 * complete; its path goes to path[len].  0, SIM_EINTR (nothing written),
 * SIM_EIO, SIM_ENOMEM or SIM_ESTUCK, with err set. */
int split_run(const struct sweep *set, const struct sweep_source *src,
	      uint32_t index, uint32_t count, const char *dir, const char *version,
	      const struct runner_opts *o, char *path, size_t len, struct sim_err *err);

struct split_set;

/* split_open opens the shard files named by paths[0..n) (files, or
 * directories holding shard-*-of-*.rec), checks that they are all N
 * shards of one run by this version, and gives the source they were run
 * from.  0, or SIM_EINVAL (they do not fit together: err says why) /
 * SIM_EIO / SIM_ENOMEM.  Free with split_close. */
int split_open(char *const *paths, size_t n, const char *version, struct split_set **out,
	       struct sweep_source *src, struct sim_err *err);

/* split_warmups gives set's points the warm-ups the shards ran with
 * (`warmup: auto` cuts, found once by each shard).  0, or SIM_EINVAL when
 * set has another number of points. */
int split_warmups(const struct split_set *ss, struct sweep *set, struct sim_err *err);

/* split_merge folds every item of the shards, in order, into r (prepared
 * with report_init for set, the scenario loaded from the source, and
 * opened), closing each point.  0, SIM_EINTR when *stop became non-zero,
 * SIM_EINVAL (a record that does not fit set), SIM_EIO or SIM_ENOMEM. */
int split_merge(struct split_set *ss, const struct sweep *set, struct report *r,
		volatile sig_atomic_t *stop, struct sim_err *err);

/* split_close closes the shard files of ss and frees it; NULL is fine. */
void split_close(struct split_set *ss);

#endif
