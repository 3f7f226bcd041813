/*
 * keep.c - records at fixed offsets; see keep.h.
 */
#include "app/keep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void keep_open(struct keep *k, int file)
{
	memset(k, 0, sizeof *k);
	k->open = 1;
	k->fd = -1;
	if (!file)
		return;
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/archsim-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = n > 0 && (size_t)n < sizeof path ? mkstemp(path) : -1;
	if (fd < 0)
		return;
	unlink(path);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	k->fd = fd;
}

static int io_fail(struct sim_err *err, const char *what, int e)
{
	return sim_errf(err, SIM_EIO, "cannot %s the results of finished points in a temporary file (in $TMPDIR, else /tmp): %s",
			what, strerror(e));
}

int keep_put(struct keep *k, const void *buf, size_t n, off_t at, struct sim_err *err)
{
	if (k->fd < 0) {
		size_t end = (size_t)at + n;
		if (end > k->memcap) {
			size_t cap = end > 2 * k->memcap ? end : 2 * k->memcap;
			char *m = realloc(k->mem, cap);
			if (!m)
				return SIM_ENOMEM;
			k->mem = m;
			k->memcap = cap;
		}
		if (end > k->memlen) {
			memset(k->mem + k->memlen, 0, end - k->memlen);
			k->memlen = end;
		}
		memcpy(k->mem + at, buf, n);
		return 0;
	}
	const char *c = buf;
	while (n) {
		ssize_t w = pwrite(k->fd, c, n, at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(err, "keep", w < 0 ? errno : EIO);
		c += w, n -= (size_t)w, at += w;
	}
	return 0;
}

int keep_get(const struct keep *k, void *buf, size_t n, off_t at, struct sim_err *err)
{
	char *c = buf;
	if (k->fd < 0) {
		size_t have = (size_t)at < k->memlen ? k->memlen - (size_t)at : 0;
		if (have > n)
			have = n;
		if (have)
			memcpy(c, k->mem + at, have);
		memset(c + have, 0, n - have);
		return 0;
	}
	while (n) {
		ssize_t got = pread(k->fd, c, n, at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return io_fail(err, "read back", errno);
		if (got == 0) {
			memset(c, 0, n);
			return 0;
		}
		c += got, n -= (size_t)got, at += got;
	}
	return 0;
}

void keep_close(struct keep *k)
{
	if (k->open && k->fd >= 0)
		close(k->fd);
	free(k->mem);
	memset(k, 0, sizeof *k);
	k->fd = -1;
}
