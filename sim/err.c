/*
 * err.c - error values and messages; see err.h.
 */
#include "sim/err.h"

#include <stdio.h>

const char *sim_strerror(int code)
{
	switch (code) {
#define SIM_ERR_CASE(name, value, text) case name: return text;
		SIM_ERRORS(SIM_ERR_CASE)
#undef SIM_ERR_CASE
	}
	return "unknown error";
}

int sim_errf(struct sim_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int sim_err_at(struct sim_err *err, int code, const char *file, int line,
	       int col, const char *fmt, ...)
{
	if (err) {
		int n = snprintf(err->msg, sizeof err->msg, "%s:%d:%d: ",
				 file ? file : "<input>", line, col);
		if (n < 0)
			n = 0;
		if ((size_t)n < sizeof err->msg) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
			va_end(ap);
		}
		err->code = code;
	}
	return code;
}
