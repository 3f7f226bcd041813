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

/* The parts records are made of, for other records of the same kind (a
 * group of replications folded, report.h).  repio_put appends n bytes to
 * b (out of memory: b->oom, and the appends after it do nothing);
 * repio_put64 and repio_putd one value; repio_put_hist a histogram as
 * records hold it (its run of buckets, or its buckets in use as pairs);
 * repio_put_whist a window's histogram (its buckets in use). */
void repio_put(struct repio_buf *b, const void *p, size_t n);
void repio_put64(struct repio_buf *b, uint64_t v);
void repio_putd(struct repio_buf *b, double v);
void repio_put_hist(struct repio_buf *b, const struct hist *h);
void repio_put_whist(struct repio_buf *b, const struct whist *h);

/* A record being read: [p, end) is what is left; bad once a read ran
 * past the end or found what it did not expect (it then reads zeros). */
struct repio_reader {
	const unsigned char *p, *end;
	int bad;
};

/* repio_get reads n bytes; repio_get64 and repio_getd one value;
 * repio_expect reads a length and marks the reader bad unless it is
 * want; repio_get_hist reads a histogram into h (cleared), checking its
 * parts agree (else h is left empty and the reader bad); repio_get_whist
 * the same for a window's histogram (reset): 0, or SIM_ENOMEM. */
void repio_get(struct repio_reader *r, void *out, size_t n);
uint64_t repio_get64(struct repio_reader *r);
double repio_getd(struct repio_reader *r);
void repio_expect(struct repio_reader *r, uint64_t want);
void repio_get_hist(struct repio_reader *r, struct hist *h);
int repio_get_whist(struct repio_reader *r, struct whist *h);

#endif
