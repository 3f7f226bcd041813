/*
 * outfile.c - files written whole or not at all; see outfile.h.
 */
#define _DEFAULT_SOURCE 1    /* fsync */
#include "app/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_mkdir_p(const char *dir, size_t *made)
{
	char buf[4096];
	*made = 0;
	if (!*dir) {
		errno = ENOENT;
		return -1;
	}
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(buf, 0777) == 0) {
			if (!*made)
				*made = (size_t)(p - buf);
		} else if (errno != EEXIST) {
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(buf, &st) || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int outfile_open(struct outfile *o, const char *dir, const char *name, struct sim_err *err)
{
	size_t made;
	o->f = NULL;
	if (outfile_mkdir_p(dir, &made))
		return sim_errf(err, SIM_EIO, "cannot create %s: %s", dir, strerror(errno));
	if ((size_t)snprintf(o->path, sizeof o->path, "%s/%s", dir, name) >= sizeof o->path ||
	    (size_t)snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp", dir, name) >= sizeof o->tmp)
		return sim_errf(err, SIM_EIO, "%s: name too long", dir);
	if (!(o->f = fopen(o->tmp, "wb")))
		return sim_errf(err, SIM_EIO, "cannot create %s: %s", o->tmp, strerror(errno));
	return 0;
}

int outfile_commit(struct outfile *o, struct sim_err *err)
{
	int bad = fflush(o->f) || ferror(o->f) || fsync(fileno(o->f));
	int e = errno;
	if (fclose(o->f) && !bad) {
		bad = 1;
		e = errno;
	}
	o->f = NULL;
	if (!bad && rename(o->tmp, o->path) == 0)
		return 0;
	if (!bad)
		e = errno;
	unlink(o->tmp);
	return sim_errf(err, SIM_EIO, bad ? "%s: write failed: %s" : "cannot rename %s: %s",
			o->tmp, strerror(e));
}

void outfile_abort(struct outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}
