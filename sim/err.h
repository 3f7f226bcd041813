/*
 * err.h - error values and messages.
 *
 * Fallible functions in archsim return 0 on success or one of the negative
 * codes below, and fill a caller-supplied struct sim_err with a message a
 * user can act on.  Errors in a scenario carry the place they were found,
 * formatted "FILE:LINE:COL: message"; only main() turns a code into an exit
 * status (SIM_EINVAL -> 2, the rest -> 1).  Programmer errors are asserts,
 * never codes.
 */
#ifndef SIM_ERR_H
#define SIM_ERR_H

#include <stdarg.h>

/* X(name, value, text): one table, from which the enum and sim_strerror()
 * are generated so the two cannot drift apart. */
#define SIM_ERRORS(X)                                      \
	X(SIM_OK, 0, "success")                                \
	X(SIM_EINVAL, -1, "invalid scenario or argument")      \
	X(SIM_ENOMEM, -2, "out of memory")                     \
	X(SIM_EIO, -3, "input/output error")                   \
	X(SIM_EINTR, -4, "interrupted")                        \
	X(SIM_ESTUCK, -5, "simulated time stopped advancing")

enum sim_code {
#define SIM_ERR_ENUM(name, value, text) name = value,
	SIM_ERRORS(SIM_ERR_ENUM)
#undef SIM_ERR_ENUM
};

#define SIM_ERR_MSG_MAX 1024

struct sim_err {
	int code;                   /* one of enum sim_code */
	char msg[SIM_ERR_MSG_MAX];  /* complete message, no trailing newline */
};

/* sim_strerror returns the fixed text for a code; never NULL. */
const char *sim_strerror(int code);

/* sim_errf formats a message into err (which may be NULL) and returns code,
 * so a caller can write `return sim_errf(err, SIM_EINVAL, "...")`.  A message
 * already in err is replaced. */
int sim_errf(struct sim_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* sim_err_at is sim_errf with a location: the message becomes
 * "FILE:LINE:COL: text".  Lines and columns count from 1. */
int sim_err_at(struct sim_err *err, int code, const char *file, int line,
	       int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
