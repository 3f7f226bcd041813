/*
 * codel.c - CoDel for request queues; see codel.h.
 */
#include "sim/codel.h"

void codel_init(struct codel *q, int64_t now)
{
	*q = (struct codel){ 0, now, 1, 0 };
}
