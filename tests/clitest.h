/*
 * clitest.h - helpers for the tests that run the archsim program itself:
 * where the program is, a scratch directory, and a shell runner that
 * returns the exit status and captures standard error.
 *
 * The program under test is the archsim next to the test's own directory
 * (build/archsim for build/tests/test_cli; build/debug/archsim in the
 * sanitizer build), run from the repository root.
 */
#ifndef CLITEST_H
#define CLITEST_H

#include "tests/testutil.h"

#include <libgen.h>
#include <sys/wait.h>

static char bin[4096];
static char tmpdir[] = "/tmp/archsim-test-XXXXXX";

/* clitest_find_bin sets `bin` from the test program's argv[0]. */
static inline void clitest_find_bin(const char *argv0)
{
	char self[4096];
	snprintf(self, sizeof self, "%s", argv0);
	snprintf(bin, sizeof bin, "%s/../archsim", dirname(self));
}

/* sh runs a shell command built from fmt; returns its exit status (128 +
 * the signal when killed) and, when err_out is not NULL, its standard
 * error (at most len - 1 bytes). */
static inline int __attribute__((format(printf, 3, 4)))
sh(char *err_out, size_t len, const char *fmt, ...)
{
	char cmd[8192], errf[4200], full[12500];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	snprintf(errf, sizeof errf, "%s/stderr", tmpdir);
	snprintf(full, sizeof full, "%s 2>%s", cmd, errf);
	int st = system(full);
	if (err_out) {
		FILE *f = fopen(errf, "r");
		size_t n = f ? fread(err_out, 1, len - 1, f) : 0;
		err_out[n] = 0;
		if (f)
			fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Group setup and teardown: a fresh scratch directory, removed after. */
static inline int clitest_setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int clitest_teardown(void **state)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
