/*
 * metric.h - the quantities a run estimates, with a 95 % interval across
 * replications, declared once.
 *
 * Each is measured per replication from what the engine records (sim.h:
 * the arrivals, the outcomes by status, the latency histogram, the
 * measured time) and pooled over replications by the report.  Their
 * names are the columns of summary.csv and workloads.csv, the words of
 * `precision.metric` and of a capacity SLO (`latency_p99_s<50ms`); their
 * unit says how a limit on them is written.
 */
#ifndef SIM_METRIC_H
#define SIM_METRIC_H

/* How a limit on a metric is written: a rate (900/s), a duration (50ms),
 * or a plain number (0.001). */
enum metric_unit { METRIC_UNIT_RATE, METRIC_UNIT_TIME, METRIC_UNIT_NUMBER };

/* X(enum, column, unit, quantile (0: not a percentile), meaning) */
#define METRICS(X)                                                             \
	X(METRIC_THROUGHPUT, "throughput_per_s", METRIC_UNIT_RATE, 0,          \
	  "requests served per second of measured time")                      \
	X(METRIC_LATENCY_MEAN, "latency_mean_s", METRIC_UNIT_TIME, 0,          \
	  "mean end-to-end latency of served requests, from the moment the client issued them") \
	X(METRIC_P50, "latency_p50_s", METRIC_UNIT_TIME, 0.5,                  \
	  "median latency of served requests")                                \
	X(METRIC_P90, "latency_p90_s", METRIC_UNIT_TIME, 0.9,                  \
	  "90th percentile latency")                                          \
	X(METRIC_P99, "latency_p99_s", METRIC_UNIT_TIME, 0.99,                 \
	  "99th percentile latency")                                          \
	X(METRIC_P999, "latency_p999_s", METRIC_UNIT_TIME, 0.999,              \
	  "99.9th percentile latency")                                        \
	X(METRIC_REJECT_RATIO, "reject_ratio", METRIC_UNIT_NUMBER, 0,          \
	  "requests refused in the measured window (by a full queue), over the requests issued in it") \
	X(METRIC_ERROR_RATIO, "error_ratio", METRIC_UNIT_NUMBER, 0,            \
	  "requests that failed in the measured window (any failed_* status), over the requests issued in it") \
	X(METRIC_FAILED_LATENCY_MEAN, "failed_latency_mean_s", METRIC_UNIT_TIME, 0, \
	  "mean time from issue to failure, over failed requests")             \
	X(METRIC_COST_PER_HOUR, "cost_per_hour", METRIC_UNIT_NUMBER, 0,        \
	  "what the nodes with a `cost:` cost an hour over the measured window: their instances (time-averaged) x per_replica_hour, plus their requests per hour / 10^6 x per_million_requests, plus the GB an hour carried by links with a `cost:` x per_gb; NaN when nothing has one, and in workloads.csv when there are several workloads (the cost is the whole run's)") \
	X(METRIC_COST_TOTAL, "cost_total", METRIC_UNIT_NUMBER, 0,              \
	  "cost_per_hour x the measured hours: the bill for one replication's measured window") \
	X(METRIC_SLO_MISS, "slo_miss_s", METRIC_UNIT_TIME, 0,                  \
	  "measured seconds spent in time-series windows (`window:`) that miss the scenario's `slo:`, per replication; NaN without one, and in workloads.csv (the windows are the whole run's)")

enum metric {
#define METRIC_ENUM(e, name, unit, q, doc) e,
	METRICS(METRIC_ENUM)
#undef METRIC_ENUM
	METRIC_COUNT
};

/* The metrics' column names in enum order, NULL-terminated. */
extern const char *const metric_names[];

/* metric_name is metric m's column name ("latency_p99_s"). */
const char *metric_name(int m);

/* metric_doc is its one-line meaning. */
const char *metric_doc(int m);

/* metric_unit is how a limit on it is written. */
enum metric_unit metric_unit(int m);

/* metric_quantile is the quantile a percentile metric estimates (0.99),
 * or 0 for a metric that is not a percentile. */
double metric_quantile(int m);

/* metric_find is the metric whose column is `name`, or -1. */
int metric_find(const char *name);

#endif
