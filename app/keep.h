/*
 * keep.h - records at fixed offsets, kept in an unlinked temporary file
 * or in memory, and read back in any order.
 *
 * The report keeps what it needs of each closed point (its summary, and
 * its replications' own values for compare.csv) here rather than in
 * memory, so that a 100,000-point sweep does not hold some 40 MB of them
 * to the end.  The file is made in $TMPDIR, else /tmp, unlinked at once
 * (it goes away with the process, even one killed) and closed on exec.
 * A store that cannot make its file, or is asked to stay in memory,
 * keeps its bytes in memory instead.  A place never written reads as
 * zeros.
 */
#ifndef APP_KEEP_H
#define APP_KEEP_H

#include <stddef.h>
#include <sys/types.h>

#include "sim/err.h"

struct keep {
	int open;                   /* keep_open has run */
	int fd;                     /* the file, or -1: in memory */
	char *mem;
	size_t memlen, memcap;
};

/* keep_open readies k (zeroed): in a temporary file when `file` is set and
 * one can be made, else in memory. */
void keep_open(struct keep *k, int file);

/* keep_put writes n bytes at `at`: 0, SIM_ENOMEM, or SIM_EIO with the
 * reason in err. */
int keep_put(struct keep *k, const void *buf, size_t n, off_t at, struct sim_err *err);

/* keep_get reads n bytes at `at`, zeros where nothing was put: 0, or
 * SIM_EIO with the reason in err. */
int keep_get(const struct keep *k, void *buf, size_t n, off_t at, struct sim_err *err);

/* keep_close frees k and removes its file. */
void keep_close(struct keep *k);

#endif
