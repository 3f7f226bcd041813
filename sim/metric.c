/*
 * metric.c - the metrics' table; see metric.h.
 */
#include "sim/metric.h"

#include <string.h>

static const struct {
	enum metric_unit unit;
	double q;
	const char *doc;
} rows[METRIC_COUNT] = {
#define METRIC_ROW(e, name, unit, q, doc) [e] = { unit, q, doc },
	METRICS(METRIC_ROW)
#undef METRIC_ROW
};

const char *const metric_names[METRIC_COUNT + 1] = {
#define METRIC_NAME(e, name, unit, q, doc) [e] = name,
	METRICS(METRIC_NAME)
#undef METRIC_NAME
	NULL
};

const char *metric_name(int m)
{
	return m >= 0 && m < METRIC_COUNT ? metric_names[m] : "?";
}

const char *metric_doc(int m)
{
	return m >= 0 && m < METRIC_COUNT ? rows[m].doc : "";
}

enum metric_unit metric_unit(int m)
{
	return m >= 0 && m < METRIC_COUNT ? rows[m].unit : METRIC_UNIT_NUMBER;
}

double metric_quantile(int m)
{
	return m >= 0 && m < METRIC_COUNT ? rows[m].q : 0;
}

int metric_find(const char *name)
{
	for (int m = 0; m < METRIC_COUNT; m++)
		if (!strcmp(name, metric_names[m]))
			return m;
	return -1;
}
