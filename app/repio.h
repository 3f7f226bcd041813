/*
 * repio.h - one replication's result as bytes, and back.
 *
 * The unit of work of a sweep is one (point, replication) pair, and its
 * result (struct rep_result, sim.h) is all the report needs of it.  To
 * run work items in other processes (`-j N`), on other machines (MPI) or
 * in other jobs (`--shard i/n`, then `archsim merge`), the result travels
 * as a record: this module writes one and reads it back into a result
 * prepared for the same scenario point, so that folding it gives the same
 * bytes as folding the original.
 *
 * A record holds every field the report reads, doubles as their bits.
 * Histograms travel as the run of buckets between their smallest and
 * largest value, or, when most of that run is empty (a short
 * replication's few latencies), as (bucket, count) pairs, so a record is
 * at most a few kilobytes plus the time series, and a short replication's
 * a few hundred bytes.  A
 * record begins with a magic number written in the machine's byte order:
 * one written on a machine of the other order is refused, not misread.
 * Nothing else is converted, so records move between machines of one
 * architecture (a cluster's nodes), which is what the callers need.
 */
#ifndef APP_REPIO_H
#define APP_REPIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

/* A growing byte buffer. */
struct repio_buf {
	unsigned char *data;
	size_t len, cap;
	int oom;                     /* an append failed: the record is void */
};

/* repio_pack writes r's record into b, replacing what it held (b zeroed
 * at first, then reused: its memory is kept).  0 or SIM_ENOMEM.  Free
 * b->data with free(). */
int repio_pack(const struct rep_result *r, struct repio_buf *b);

/* repio_unpack reads the record at data[0..len) into r, prepared with
 * rep_result_init for the scenario point that produced it.  0, or
 * SIM_EINVAL when the record is damaged, from another byte order, or of
 * another shape (another scenario point), or SIM_ENOMEM. */
int repio_unpack(struct rep_result *r, const void *data, size_t len);

/* repio_format is the format version the record at data[0..len) says it
 * is written in (0 when it says none: too short, or another byte order),
 * and *ours this program's: a record refused for being of another version
 * (shards written by another build) can then be told from a damaged one. */
uint64_t repio_format(const void *data, size_t len, uint64_t *ours);

#endif
