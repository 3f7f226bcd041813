/*
 * slo.h - a service-level objective: terms on the metrics (metric.h),
 * written as one line, read once, judged on any set of values.
 *
 *   latency_p99_s<300ms and reject_ratio<0.001
 *
 * Each term is METRIC<LIMIT or METRIC>LIMIT (`<=` reads as `<`: the
 * metrics are continuous), joined by " and "; the limit is written in the
 * metric's unit (metric_unit: 900/s, 50ms, 0.001).  Two readers share it:
 * `archsim capacity` judges a whole run's intervals against it (capacity.h),
 * and a scenario's top-level `slo:` is judged on every time-series window
 * of every replication, which gives the time a run spent missing it
 * (summary.csv's slo_miss_s, timeseries.csv's slo_missed).
 */
#ifndef SIM_SLO_H
#define SIM_SLO_H

#include <stddef.h>

#define SLO_MAX_TERMS 8

struct slo_term {
	int metric;                  /* enum metric */
	int above;                   /* 1: metric > limit; 0: metric < limit */
	double limit;                /* in the metric's unit (seconds, ratio) */
};

struct slo {
	struct slo_term terms[SLO_MAX_TERMS];
	size_t nterms;               /* 0: none */
	char text[512];              /* as written */
};

/* slo_parse reads text into *out.  0, or -1 with the reason in why[len]
 * (the term at fault and what a term looks like). */
int slo_parse(const char *text, struct slo *out, char *why, size_t len);

/* slo_window_metric says whether metric m can be judged on one
 * time-series window: throughput, the latencies and the two ratios can;
 * the costs and slo_miss_s itself cannot. */
int slo_window_metric(int m);

/* slo_holds judges values v[METRIC_COUNT] against every term: 1 when each
 * holds, 0 when one misses.  A term whose value is NaN (a window with no
 * served request, or too few for its percentile) is not judged: it
 * counts as holding. */
int slo_holds(const struct slo *slo, const double *v);

/* slo_unjudged is the first term whose value in v is NaN (not judged by
 * slo_holds), or NULL when every term has a value. */
const struct slo_term *slo_unjudged(const struct slo *slo, const double *v);

#endif
