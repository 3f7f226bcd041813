/*
 * model.c - what the kinds' contract computes; see model.h.
 */
#include "sim/model.h"

size_t model_ncols(const struct col_def *cols)
{
	size_t n = 0;
	while (cols && cols[n].name)
		n++;
	return n;
}
