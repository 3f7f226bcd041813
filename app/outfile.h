/*
 * outfile.h - a file written whole or not at all.
 *
 * capacity.csv, trace.json and the shard files are each written under a
 * temporary name beside their final one (".NAME.tmp"), flushed, synced,
 * and renamed into place only when complete; a failure or a stop removes
 * the temporary file, so an earlier file of that name stays as it was and
 * no half-written one is ever seen.  (The report's CSV files do the same
 * together, as a set: report.h.)
 */
#ifndef APP_OUTFILE_H
#define APP_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "sim/err.h"

struct outfile {
	FILE *f;                     /* write here */
	char path[4200], tmp[4300];
};

/* outfile_mkdir_p creates dir and its missing parents: 0, or -1 with
 * errno.  *made is the length of the shallowest it created (0: dir
 * existed). */
int outfile_mkdir_p(const char *dir, size_t *made);

/* outfile_open creates dir (and its parents) and opens DIR/.NAME.tmp for
 * writing.  0, or SIM_EIO with the path and reason in err. */
int outfile_open(struct outfile *o, const char *dir, const char *name, struct sim_err *err);

/* outfile_commit flushes, syncs and closes the file and renames it to
 * DIR/NAME.  0, or SIM_EIO (the temporary file is then removed). */
int outfile_commit(struct outfile *o, struct sim_err *err);

/* outfile_abort closes and removes the temporary file. */
void outfile_abort(struct outfile *o);

#endif
