/*
 * test_report.c - folding replications into estimates and writing CSV:
 * means and intervals, pooled percentiles and their intervals (whose
 * arithmetic is test_interval.c's), exact merging, the files' exact
 * text, points that never ran, memory that does not keep replications,
 * and a link that cannot carry its messages.
 */
#include "tests/simtest.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/csvtest.h"

#include "app/repio.h"
#include "app/report.h"
#include "app/runner.h"
#include "sim/slo.h"
#include "sim/stats.h"

#define ONE \
	"name: r\nduration: 10s\nwindow: 5s\nreplications: 2\n" \
	"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n" \
	"nodes:\n  w: {type: service, service: 500ms}\n"

/* fake fills a replication of sc with known numbers: n latencies of `lat`
 * ns, `rejected` rejections, 10 s measured, the node's utilisation
 * 0.25 lat / 1 s, half the requests in each 5 s window. */
static void fake(const struct scenario *sc, struct rep_result *r, int64_t lat,
		 uint64_t n, uint64_t rejected)
{
	assert_int_equal(rep_result_init(r, sc), 0);
	struct scope_result *s = &r->scopes[0];
	s->arrivals = n + rejected;
	s->ended[REQ_OK] = n;
	s->ended[REQ_REJECTED] = rejected;
	r->duration_s = 10;
	r->complete = 1;
	for (uint64_t i = 0; i < n; i++)
		hist_record(&s->latency, lat);
	double *v = r->nodes[0].v;     /* the service's columns, svc_cols */
	v[0] = (double)(n + rejected);
	v[2] = (double)n;
	v[4] = (double)rejected;
	v[8] = 0.25 * (double)lat / 1e9;
	r->ts[0].ended[REQ_OK] = n / 2;
	r->ts[1].ended[REQ_OK] = n - n / 2;
	for (uint64_t i = 0; i < n / 2; i++)
		assert_int_equal(whist_record(&r->ts[0].lat, lat), 0);
	for (size_t i = 0; i < r->nts_node * r->node_ts_cells; i++)
		r->node_ts[i] = 0.5;
}

static void test_report_folds_replications(void **state)
{
	struct sweep *set = simtest_load(ONE);
	const struct scenario *sc = set->points[0];
	struct report rep;
	struct rep_result r[2];
	fake(sc, &r[0], 1000000000, 1000, 0);
	fake(sc, &r[1], 3000000000LL, 2000, 500);
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_fold(&rep, 0, 0, &r[0]), 0);
	assert_int_equal(report_fold(&rep, 0, 1, &r[1]), 0);
	assert_int_equal(report_point_done(&rep, 0), 0);
	struct report_summary pts = simtest_summary(&rep, 0), *pt = &pts;
	assert_int_equal(pt->replications, 2);
	assert_int_equal(pt->used, 2);
	assert_true(pt->complete);
	assert_int_equal(pt->completed, 3000);
	assert_int_equal(pt->rejected, 500);
	/* throughput 100/s and 200/s: mean 150, half-width t(.975,1) * 50 */
	assert_true(pt->mean[METRIC_THROUGHPUT] == 150);
	assert_true(fabs(pt->ci95[METRIC_THROUGHPUT] - stats_t_quantile(0.975, 1) * 50) < 1e-9);
	/* means are pooled: all latencies over all served requests,
	 * (1000 x 1 + 2000 x 3) / 3000, and all rejections over all arrivals,
	 * 500 / 3500; their half-widths come from the replications' own
	 * values, 1 and 3, 0 and 0.2 */
	assert_true(fabs(pt->mean[METRIC_LATENCY_MEAN] - 7.0 / 3) < 1e-12);
	assert_true(fabs(pt->ci95[METRIC_LATENCY_MEAN] - stats_t_quantile(0.975, 1)) < 1e-9);
	assert_true(fabs(pt->mean[METRIC_REJECT_RATIO] - 500.0 / 3500) < 1e-12);
	assert_true(fabs(pt->ci95[METRIC_REJECT_RATIO] - stats_t_quantile(0.975, 1) * 0.1) < 1e-9);
	/* p99.9 has 1.5 latencies beyond it per replication: a point, but
	 * no interval */
	assert_false(isnan(pt->mean[METRIC_P999]));
	assert_true(isnan(pt->lo[METRIC_P999]) && isnan(pt->hi[METRIC_P999]) && isnan(pt->ci95[METRIC_P999]));
	int said = 0;
	for (size_t i = 0; i < rep.nwarnings; i++)
		said |= strstr(rep.warnings[i], "latency_p999_s: fewer than 10 latencies beyond it") != NULL;
	assert_true(said);
	/* p50 from the pooled histogram: rank 1500 of 3000 is a 3 s value */
	struct hist pool;
	assert_int_equal(hist_init(&pool), 0);
	hist_merge(&pool, &r[0].scopes[0].latency);
	hist_merge(&pool, &r[1].scopes[0].latency);
	double p50 = (double)hist_quantile(&pool, 0.5) * 1e-9;
	hist_fini(&pool);
	assert_true(fabs(p50 - 3) < 3.0 / 256);
	assert_true(pt->mean[METRIC_P50] == p50);
	/* its interval is interval_quantile's (test_interval.c),
	 * and holds the point */
	assert_true(pt->lo[METRIC_P50] <= p50 && p50 <= pt->hi[METRIC_P50]);
	assert_true(pt->ci95[METRIC_P50] >= p50 / 256);
	/* no failures: an error ratio of 0, and no failed latency */
	assert_true(pt->mean[METRIC_ERROR_RATIO] == 0);
	assert_true(isnan(pt->mean[METRIC_FAILED_LATENCY_MEAN]));
	/* nothing of the point's accumulator is kept once it is done */
	assert_null(rep.acc);
	report_fini(&rep);
	rep_result_fini(&r[0]);
	rep_result_fini(&r[1]);
	sweep_free(set);
}

/* window_set makes window t of r hold n served latencies of lat_s each
 * and `rejected` refusals, and nothing else. */
static void window_set(struct rep_result *r, size_t t, uint64_t n, double lat_s,
		       uint64_t rejected)
{
	whist_reset(&r->ts[t].lat);
	memset(r->ts[t].ended, 0, sizeof r->ts[t].ended);
	r->ts[t].ended[REQ_OK] = n;
	r->ts[t].ended[REQ_REJECTED] = rejected;
	r->ts[t].lat_sum_s = (double)n * lat_s;
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(whist_record(&r->ts[t].lat, (int64_t)(lat_s * 1e9)), 0);
}

/* The SLO judged on each window of each replication: two 5 s windows,
 * the first straddling the 2 s warm-up.  Replication 0 misses the mean
 * in the first window (3 s of it measured), replication 1 the reject
 * ratio in the second (5 s): slo_miss_s 3 and 5, each window missed by
 * half the replications.  A percentile with too few latencies in its
 * window is not judged. */
static void test_report_slo_windows(void **state)
{
	(void)state;
	struct sweep *set = simtest_load("name: r\nduration: 8s\nwarmup: 2s\nwindow: 5s\n"
					 "replications: 2\n"
					 "slo: 'latency_mean_s<2s and reject_ratio<0.1'\n"
					 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
					 "nodes:\n  w: {type: service, service: 500ms}\n");
	const struct scenario *sc = set->points[0];
	assert_non_null(sc->slo);
	assert_int_equal(sc->slo->nterms, 2);
	struct report rep;
	struct rep_result r[2];
	fake(sc, &r[0], 1000000000, 100, 0);
	fake(sc, &r[1], 1000000000, 100, 0);
	assert_int_equal(r[0].nts, 2);
	window_set(&r[0], 0, 10, 3, 0);      /* mean 3 s: missed */
	window_set(&r[0], 1, 10, 1, 0);
	window_set(&r[1], 0, 10, 1, 0);
	window_set(&r[1], 1, 10, 1, 10);     /* half refused: missed */
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_fold(&rep, 0, 0, &r[0]), 0);
	assert_int_equal(report_fold(&rep, 0, 1, &r[1]), 0);
	assert_int_equal(report_point_done(&rep, 0), 0);
	struct report_summary pt = simtest_summary(&rep, 0);
	assert_true(fabs(pt.mean[METRIC_SLO_MISS] - 4) < 1e-9);
	assert_true(fabs(pt.ci95[METRIC_SLO_MISS] - stats_t_quantile(0.975, 1)) < 1e-9);
	report_fini(&rep);
	rep_result_fini(&r[0]);
	rep_result_fini(&r[1]);
	sweep_free(set);

	/* p99 over 10 latencies of 1 s: not judged, so never missed; with
	 * 1,000 it is, and misses in the window that has them; so does a
	 * window that ended requests and served none.  A warning
	 * counts the windows not judged: the empty first one always, the
	 * second with 10 */
	set = simtest_load("name: r\nduration: 10s\nwindow: 5s\nreplications: 1\n"
			   "slo: latency_p99_s<100ms\n"
			   "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
			   "nodes:\n  w: {type: service, service: 500ms}\n");
	sc = set->points[0];
	for (uint64_t n = 10; n <= 1000; n *= 100) {
		fake(sc, &r[0], 1000000000, 100, 0);
		window_set(&r[0], 0, 0, 0, 0);
		window_set(&r[0], 1, n, 1, 0);
		assert_int_equal(report_init(&rep, set, "t"), 0);
		assert_int_equal(report_fold(&rep, 0, 0, &r[0]), 0);
		assert_int_equal(report_point_done(&rep, 0), 0);
		pt = simtest_summary(&rep, 0);
		assert_true(pt.mean[METRIC_SLO_MISS] == (n == 10 ? 0 : 5));
		char want[128];
		snprintf(want, sizeof want, "slo: %d of 2 measured windows had too few requests "
			 "to judge latency_p99_s on", n == 10 ? 2 : 1);
		int said = 0;
		for (size_t i = 0; i < rep.nwarnings; i++)
			said |= strstr(rep.warnings[i], want) != NULL;
		assert_true(said);
		report_fini(&rep);
		rep_result_fini(&r[0]);
	}
	/* an outage: the second window ends 5 requests, all refused, and
	 * serves none; its p99 cannot pass the limit */
	fake(sc, &r[0], 1000000000, 100, 0);
	window_set(&r[0], 0, 0, 0, 0);
	window_set(&r[0], 1, 0, 0, 5);
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_fold(&rep, 0, 0, &r[0]), 0);
	assert_int_equal(report_point_done(&rep, 0), 0);
	pt = simtest_summary(&rep, 0);
	assert_true(pt.mean[METRIC_SLO_MISS] == 5);
	report_fini(&rep);
	rep_result_fini(&r[0]);
	sweep_free(set);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void test_report_writes_exact_text(void **state)
{
	struct sweep *set = simtest_load(ONE);
	const struct scenario *sc = set->points[0];
	struct report rep;
	struct rep_result r[2];
	fake(sc, &r[0], 1000000000, 1000, 0);
	fake(sc, &r[1], 1000000000, 1000, 0);
	char dir[] = "/tmp/archsim-report-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[64], path[128];
	snprintf(sub, sizeof sub, "%s/a/b", dir);
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "9.9.9"), 0);
	assert_int_equal(report_open(&rep, sub, &err), 0);
	assert_int_equal(report_fold(&rep, 0, 0, &r[0]), 0);
	assert_int_equal(report_fold(&rep, 0, 1, &r[1]), 0);
	assert_int_equal(report_point_done(&rep, 0), 0);
	assert_int_equal(report_commit(&rep, &err), 0);
	snprintf(path, sizeof path, "%s/latency.csv", sub);
	/* 1 s falls in the bucket [238, 239) * 2^22 ns: upper edge
	 * 1002438655 ns */
	assert_int_equal(hist_bucket_hi(hist_index(1000000000)), 1002438655);
	assert_string_equal(slurp(path),
			    "point,workload,le_s,count,cdf,duration_s,warmup_s,replications\n"
			    "0,all,1.00243865,2000,1,10,0,2\n");
	/* windows: 1000 served in each over 2 replications; the fake puts
	 * 1000 latencies of 1 s into the first window's histograms, enough
	 * for a p50 (20) and just enough for a p99 (1000), read to the
	 * windows' 3 %; the second holds none: NaN, not a maximum passed off
	 * as a percentile */
	snprintf(path, sizeof path, "%s/timeseries.csv", sub);
	assert_string_equal(slurp(path),
			    "point,t_s,throughput_per_s,latency_p50_s,latency_p99_s,rejected,failed,"
			    "duration_s,warmup_s,replications\n"
			    "0,0,100,0.989855743,0.989855743,0,0,10,0,2\n0,5,100,NaN,NaN,0,0,10,0,2\n");
	/* p50 and p90 have their intervals; p99, with 10 beyond it per
	 * replication, would too, but the scenario's settling time (2 s:
	 * rho 0.5, 500 ms of service) makes its 10 s replications too short
	 * for independent bursts beyond it, 0.01 x 10 / 2 = 0.05 under the
	 * 0.15 asked (report.c, TS_MIN_STRETCH); p99.9 has 1 beyond */
	snprintf(path, sizeof path, "%s/summary.csv", sub);
	char expect[4096];
	snprintf(expect, sizeof expect,
		 "point,replications,replications_used,arrivals,completed,rejected,shed,failed,"
		 "failed_error,failed_crashed,failed_call_rejected,failed_no_backend,failed_unavailable,failed_timeout,failed_breaker_open,failed_conflict,throughput_per_s,throughput_per_s_ci95,"
		 "latency_mean_s,latency_mean_s_ci95,latency_p50_s,latency_p50_s_ci95,"
		 "latency_p50_s_lo,latency_p50_s_hi,latency_p90_s,latency_p90_s_ci95,"
		 "latency_p90_s_lo,latency_p90_s_hi,latency_p99_s,latency_p99_s_ci95,"
		 "latency_p99_s_lo,latency_p99_s_hi,latency_p999_s,latency_p999_s_ci95,"
		 "latency_p999_s_lo,latency_p999_s_hi,"
		 "reject_ratio,reject_ratio_ci95,error_ratio,error_ratio_ci95,"
		 "failed_latency_mean_s,failed_latency_mean_s_ci95,cost_per_hour,cost_per_hour_ci95,"
		 "cost_total,cost_total_ci95,slo_miss_s,slo_miss_s_ci95,steady,healthy_end_share,complete,"
		 "precision_met,duration_s,warmup_s,seed,"
		 "scenario_hash,version,label\n"
		 "0,2,2,2000,2000,0,0,0,0,0,0,0,0,0,0,0,100,0,1,0,1,0.00390625,0.99609375,1.00390625,"
		 "1,0.00390625,0.99609375,1.00390625,1,NaN,NaN,NaN,"
		 "1,NaN,NaN,NaN,0,0,0,0,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,true,0,true,,10,0,1,%016llx,9.9.9,all\n",
		 sc->hash);
	assert_string_equal(slurp(path), expect);
	snprintf(path, sizeof path, "%s/workloads.csv", sub);
	assert_non_null(strstr(slurp(path), "\n0,u,2,2,2000,2000,0,0,0,0,0,0,0,0,0,0,0,100,0,1,0,"));
	snprintf(path, sizeof path, "%s/nodes.csv", sub);
	struct csvt c;
	csvt_load(&c, path);
	assert_int_equal(c.rows, 2);
	assert_string_equal(csvt_get(&c, 0, "node"), "w");
	assert_string_equal(csvt_get(&c, 0, "type"), "service");
	assert_string_equal(csvt_get(&c, 0, "arrivals"), "2000");
	assert_string_equal(csvt_get(&c, 0, "utilization"), "0.25");
	assert_string_equal(csvt_get(&c, 0, "utilization_ci95"), "0");
	csvt_free(&c);
	snprintf(path, sizeof path, "%s/node_timeseries.csv", sub);
	assert_non_null(strstr(slurp(path), "\n0,0,w,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,10,0,2\n"));
	snprintf(path, sizeof path, "%s/timeline.csv", sub);
	assert_string_equal(slurp(path),
			    "point,t_s,end_s,node,do,label,duration_s,warmup_s,replications\n");
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	report_fini(&rep);
	rep_result_fini(&r[0]);
	rep_result_fini(&r[1]);
	sweep_free(set);
}

/* A link whose messages need more than its bandwidth is flagged: users
 * send 1.2 MB a second over 1 MB/s, 99 messages in the 100 s (118.8 %:
 * the point is not steady), or 0.96 MB (95.0 %: steady, with a warning
 * that its waits are long); at 0.8 MB (the control) nothing is said. */
static void test_report_link_overload(void **state)
{
	static const char *const size[] = { "1.2MB", "0.96MB", "0.8MB" };
	for (int i = 0; i < 3; i++) {
		char yaml[800];
		snprintf(yaml, sizeof yaml,
			 "name: l\nduration: 100s\nreplications: 2\n"
			 "zones: {a: {}, b: {}}\n"
			 "links:\n  - {between: [a, b], latency: 1ms, bandwidth: 1MB/s}\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w, zone: a,"
			 " size: {request: %s}}\n"
			 "nodes:\n  w: {type: service, service: 1ms, zones: [b]}\n",
			 size[i]);
		struct sweep *set = simtest_load(yaml);
		struct report rep;
		assert_int_equal(report_init(&rep, set, "t"), 0);
		for (uint32_t k = 0; k < 2; k++) {
			struct rep_result r;
			simtest_run(set->points[0], k, &r);
			assert_int_equal(report_fold(&rep, 0, k, &r), 0);
			rep_result_fini(&r);
		}
		assert_int_equal(report_point_done(&rep, 0), 0);
		struct report_summary pt = simtest_summary(&rep, 0);
		int over = 0, near = 0;
		for (size_t w = 0; w < rep.nwarnings; w++) {
			print_message("    %s: %s\n", size[i], rep.warnings[w]);
			over |= strstr(rep.warnings[w], "a -> b: its messages need 118.8 % (+- 0) of its bandwidth, more than it has") != NULL;
			near |= strstr(rep.warnings[w], "a -> b: its messages need 95.0 % (+- 0) of its bandwidth: its waits are long") != NULL;
		}
		assert_int_equal(over, i == 0);
		assert_int_equal(near, i == 1);
		assert_int_equal(pt.steady, i != 0);
		report_fini(&rep);
		sweep_free(set);
	}
}

static void test_report_points_not_run_still_get_a_row(void **state)
{
	struct sweep *set = simtest_load(ONE "sweep: {nodes.w.workers: [1, 2]}\n");
	struct report rep;
	struct rep_result r;
	fake(set->points[0], &r, 1000000000, 1000, 0);
	char dir[] = "/tmp/archsim-report-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_open(&rep, dir, &err), 0);
	assert_int_equal(report_fold(&rep, 0, 0, &r), 0);
	assert_int_equal(report_point_done(&rep, 0), 0);
	assert_int_equal(report_commit(&rep, &err), 0);
	char path[128];
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	const char *s = slurp(path);
	/* point 0 ran one of two replications: no interval from one; point
	 * 1 never ran: no count either (NaN, not 0) */
	assert_non_null(strstr(s, "\n0,1,1,1,1000,1000,0,0,0,0,0,0,0,0,0,0,0,100,NaN,"));
	assert_non_null(strstr(s, ",true,0,false,,10,0,1,"));
	assert_non_null(strstr(s, "\n1,2,0,0,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,NaN,"));
	assert_non_null(strstr(s, ",NaN,NaN,false,,10,0,1,"));
	snprintf(path, sizeof path, "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	report_fini(&rep);
	rep_result_fini(&r);
	sweep_free(set);
}

/* GROUPED: replications enough for two whole groups and a short one
 * (report_group), of a system that fills every part of an accumulator:
 * two workloads (three scopes), windows judged on an SLO, node columns
 * of every kind of folding, node time series, a link between zones. */
#define GROUPED GROUPED_WORKLOADS GROUPED_NODES
#define GROUPED_WORKLOADS \
	"name: g\nseed: %d\nduration: 2s\nwarmup: 500ms\nwindow: 500ms\nreplications: 150\n" \
	"slo: \"latency_mean_s<6ms\"\n" \
	"zones: {a: {}, b: {}}\n" \
	"links:\n  - {between: [a, b], latency: 1ms, bandwidth: 20Mbit/s}\n" \
	"workloads:\n" \
	"  u: {arrival: {process: poisson, rate: 300/s}, target: web, zone: a,\n" \
	"      keys: {dist: zipf, n: 500, s: 1}}\n" \
	"  v: {arrival: {process: poisson, rate: 100/s}, target: web, zone: a}\n"
#define GROUPED_NODES \
	"nodes:\n" \
	"  web: {type: service, replicas: 2, workers: 2, zones: [a, b],\n" \
	"        service: {dist: exponential, mean: 4ms}, calls: [{to: cache, timeout: 20ms}]}\n" \
	"  cache: {type: cache, capacity: 50, backend: db}\n" \
	"  db: {type: database, primary: {service: {dist: exponential, mean: 2ms}}}\n"

/* run_reps runs replications [0, n) of every point of set into res[p *
 * n + k] (made here; the caller frees them with rep_result_fini). */
static void run_reps(const struct sweep *set, struct rep_result *res, uint32_t n)
{
	for (size_t p = 0; p < set->npoints; p++)
		for (uint32_t k = 0; k < n; k++) {
			struct sim_err err = { 0 };
			size_t cur = SIZE_MAX;
			struct rep_result *r = &res[p * n + k];
			memset(r, 0, sizeof *r);
			const struct scenario *sc = runner_point_result(set, p, r, &cur, &err);
			assert_non_null(sc);
			assert_int_equal(sim_run(sc, k, r, NULL, &err), 0);
		}
}

/* fold_all folds res (run_reps') into a report of set written to dir
 * (NULL: none), each point's n replications one by one (how 1), as a
 * worker would send each whole group (how 2), or one by one with every
 * replication looked at (how 0, a precision target's way, which never
 * groups).  Returns point 0's summary. */
static struct report_summary fold_all(const struct sweep *set, const struct rep_result *res,
				      uint32_t n, int how, const char *dir)
{
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	if (dir)
		assert_int_equal(report_open(&rep, dir, &err), 0);
	rep.per_rep = how == 0;
	struct report_part *g = report_part_new();
	struct repio_buf buf = { 0 };
	assert_non_null(g);
	for (size_t p = 0; p < set->npoints; p++) {
		for (uint32_t k = 0; k < n; k++) {
			const struct rep_result *r = &res[p * n + k];
			if (how != 2) {
				assert_int_equal(report_fold(&rep, p, k, r), 0);
				continue;
			}
			assert_int_equal(report_part_fold(g, set, p, k, r, &err), 0);
			if ((k + 1) % REPORT_GROUP && k + 1 < n)
				continue;
			assert_int_equal(report_part_pack(g, &buf), 0);
			assert_int_equal(report_fold_group(&rep, p, k / REPORT_GROUP * REPORT_GROUP,
							   buf.data, buf.len), 0);
		}
		assert_int_equal(report_point_done(&rep, p), 0);
	}
	if (dir)
		assert_int_equal(report_commit(&rep, &err), 0);
	struct report_summary s = simtest_summary(&rep, 0);
	free(buf.data);
	report_part_free(g);
	report_fini(&rep);
	return s;
}

/* same_summary says whether two summaries hold the same numbers, to the
 * bit (rel 0) or within rel of each other (1e-9 below: folds of the same
 * doubles in other orders differ by rounding, some 1e-14 over 150
 * replications, not by sampling; files_close's rel). */
static int same_summary(const struct report_summary *a, const struct report_summary *b,
			double rel)
{
	if (a->replications != b->replications || a->used != b->used ||
	    a->arrivals != b->arrivals || a->completed != b->completed ||
	    a->rejected != b->rejected || a->failed != b->failed ||
	    a->steady != b->steady || a->healthy_end != b->healthy_end)
		return 0;
	const double *x[] = { a->mean, a->ci95, a->lo, a->hi }, *y[] = { b->mean, b->ci95, b->lo, b->hi };
	for (int i = 0; i < 4; i++)
		for (int m = 0; m < METRIC_COUNT; m++) {
			if (isnan(x[i][m]) || isnan(y[i][m])) {
				if (isnan(x[i][m]) != isnan(y[i][m]))
					return 0;
				continue;
			}
			if (rel == 0 ? memcmp(&x[i][m], &y[i][m], sizeof x[i][m]) != 0 :
				       fabs(x[i][m] - y[i][m]) > rel * fabs(x[i][m]) + 1e-300)
				return 0;
		}
	return 1;
}

/* read_all is the whole text of the file at path (the caller frees it);
 * the test fails when it cannot be read. */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char *t = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = 2 * cap + 8192;
			t = realloc(t, cap);
			assert_non_null(t);
		}
		size_t got = fread(t + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	t[n] = 0;
	return t;
}

/* files_close says whether every CSV file in directory a has the same
 * text as b's, but for numbers, which may differ by rel of the larger,
 * and by 1e-10 besides.  The folds compared add the same doubles in
 * other orders, so they differ by rounding alone, not by sampling: rel
 * 1e-9 is one unit in the ninth significant digit the files print.  A
 * spread worked out as the root of a sum of squares less its mean's
 * square carries an error of about sqrt(epsilon), 1.5e-8, times the
 * quantity it spreads: 1.5e-11 for links.csv's 1 ms latency, whose
 * spread is 0 one way and 2e-12 to 5e-12 another; hence 1e-10.
 * compare.csv too, when there is one. */
static int files_close(const char *a, const char *b, double rel)
{
	static const char *names[] = { "summary.csv", "workloads.csv", "nodes.csv", "latency.csv",
				       "timeseries.csv", "node_timeseries.csv", "links.csv",
				       "compare.csv" };
	for (size_t f = 0; f < sizeof names / sizeof *names; f++) {
		char pa[256], pb[256];
		snprintf(pa, sizeof pa, "%s/%s", a, names[f]);
		snprintf(pb, sizeof pb, "%s/%s", b, names[f]);
		if (f == 7 && access(pa, F_OK) != 0 && access(pb, F_OK) != 0)
			continue;
		char *ta = read_all(pa), *tb = read_all(pb);
		char *sa, *sb;
		char *x = strtok_r(ta, ",\n", &sa), *y = strtok_r(tb, ",\n", &sb);
		int ok = 1;
		for (; ok && x && y; x = strtok_r(NULL, ",\n", &sa), y = strtok_r(NULL, ",\n", &sb)) {
			char *ex, *ey;
			double u = strtod(x, &ex), v = strtod(y, &ey);
			if (*ex || *ey || ex == x || ey == y)
				ok = strcmp(x, y) == 0;
			else if (isnan(u) || isnan(v))
				ok = isnan(u) && isnan(v);
			else
				ok = fabs(u - v) <= rel * fmax(fabs(u), fabs(v)) + 1e-10;
			if (!ok)
				print_message("    %s: %s against %s\n", names[f], x, y);
		}
		ok = ok && !x && !y;
		free(ta);
		free(tb);
		if (!ok)
			return 0;
	}
	return 1;
}

/* A point of 150 replications folds them in groups of 64, 64 and 22.  A
 * group a worker folded and sent as one record gives the same bytes in
 * every output file as the same group folded here replication by
 * replication; the groups give the numbers of folding one at a time (a
 * precision target's way) to rounding, the counts exactly.  As controls,
 * another seed's replications differ, and a record cut short, or not of
 * a group, is refused. */
static void test_report_groups_fold_as_one_by_one(void **state)
{
	char text[2048];
	struct rep_result res[150], other[150];
	snprintf(text, sizeof text, GROUPED, 1);
	struct sweep *set = simtest_load(text);
	snprintf(text, sizeof text, GROUPED, 2);
	struct sweep *set2 = simtest_load(text);
	run_reps(set, res, 150);
	run_reps(set2, other, 150);
	assert_int_equal(report_group(set, 0, 0), REPORT_GROUP);
	assert_int_equal(report_group(set, 0, 1), 1);
	char d0[] = "/tmp/archsim-groups-XXXXXX", d1[] = "/tmp/archsim-groups-XXXXXX";
	char d2[] = "/tmp/archsim-groups-XXXXXX", d3[] = "/tmp/archsim-groups-XXXXXX";
	assert_non_null(mkdtemp(d0));
	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	assert_non_null(mkdtemp(d3));
	struct report_summary one = fold_all(set, res, 150, 0, d0);
	struct report_summary here = fold_all(set, res, 150, 1, d1);
	struct report_summary sent = fold_all(set, res, 150, 2, d2);
	struct report_summary ctl = fold_all(set, other, 150, 1, d3);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "diff -r %s %s >/dev/null", d1, d2);
	int same_files = system(cmd) == 0;
	print_message("    sent as records against folded here: %s; one by one against groups: %s; another seed: %s\n",
		      same_files ? "the same bytes" : "different",
		      same_summary(&one, &here, 1e-9) ? "the same to 1e-9" : "different",
		      same_summary(&ctl, &here, 1e-9) ? "the same" : "different");
	assert_true(same_files);
	assert_true(same_summary(&here, &sent, 0));
	assert_int_equal(here.replications, 150);
	assert_true(same_summary(&one, &here, 1e-9));
	assert_false(same_summary(&ctl, &here, 1e-9));
	/* every cell of every file, to rounding */
	assert_true(files_close(d0, d1, 1e-9));
	assert_false(files_close(d3, d1, 1e-9));
	/* damaged records: cut short, and a replication's record */
	struct report rep;
	struct report_part *g = report_part_new();
	struct repio_buf buf = { 0 };
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	for (uint32_t k = 0; k < REPORT_GROUP; k++)
		assert_int_equal(report_part_fold(g, set, 0, k, &res[k], &err), 0);
	assert_int_equal(report_part_pack(g, &buf), 0);
	assert_int_equal(report_fold_group(&rep, 0, 0, buf.data, buf.len - 8), SIM_EIO);
	assert_non_null(strstr(rep.err.msg, "damaged"));
	assert_int_equal(report_fold_group(&rep, 0, REPORT_GROUP, buf.data, buf.len), SIM_EIO);
	assert_int_equal(repio_pack(&res[0], &buf), 0);
	assert_int_equal(report_fold_group(&rep, 0, 0, buf.data, buf.len), SIM_EIO);
	/* a whole group, of another shape: a third workload's scope */
	for (uint32_t k = 0; k < REPORT_GROUP; k++)
		assert_int_equal(report_part_fold(g, set, 0, k, &res[k], &err), 0);
	assert_int_equal(report_part_pack(g, &buf), 0);
	snprintf(text, sizeof text,
		 GROUPED_WORKLOADS "  x: {arrival: {process: poisson, rate: 1/s}, target: db}\n"
		 GROUPED_NODES, 1);
	struct sweep *set3 = simtest_load(text);
	struct report rep3;
	assert_int_equal(report_init(&rep3, set3, "t"), 0);
	assert_int_equal(report_fold_group(&rep3, 0, 0, buf.data, buf.len), SIM_EIO);
	report_fini(&rep3);
	sweep_free(set3);
	/* a run stopped inside a group keeps what it folded */
	for (uint32_t k = 0; k < 100; k++)
		assert_int_equal(report_fold(&rep, 0, k, &res[k]), 0);
	assert_int_equal(report_point_done(&rep, 0), 0);
	assert_int_equal(simtest_summary(&rep, 0).replications, 100);
	assert_false(simtest_summary(&rep, 0).complete);
	report_fini(&rep);
	report_part_free(g);
	free(buf.data);
	snprintf(cmd, sizeof cmd, "rm -rf %s %s %s %s", d0, d1, d2, d3);
	assert_int_equal(system(cmd), 0);
	for (int k = 0; k < 150; k++) {
		rep_result_fini(&res[k]);
		rep_result_fini(&other[k]);
	}
	sweep_free(set);
	sweep_free(set2);
}

/* A sweep of two points of 150 replications: compare.csv pairs their
 * replications, each one's CDF at the pooled p99 read from the sparse
 * histograms the point kept, which a group's record carries and its
 * merge places after the point's earlier ones.  Sent as records, the
 * files are the same bytes as folded here; folded in groups, they are
 * compare.csv's numbers to rounding, which has a paired p99 interval to
 * check. */
static void test_report_groups_keep_the_pairs(void **state)
{
	struct sweep *set = simtest_load(
		"name: q\nseed: 1\nduration: 3s\nwindow: 1s\nreplications: 150\n"
		"workloads:\n"
		"  u: {arrival: {process: poisson, rate: 500/s}, target: w}\n"
		"  v: {arrival: {process: poisson, rate: 100/s}, target: w}\n"
		"nodes:\n  w: {type: service, workers: 3, service: {dist: exponential, mean: 4ms}}\n"
		"sweep:\n  nodes.w.workers: [3, 4]\n");
	struct rep_result *res = calloc(2 * 150, sizeof *res);
	assert_non_null(res);
	run_reps(set, res, 150);
	char d[3][32];
	for (int i = 0; i < 3; i++) {
		snprintf(d[i], sizeof d[i], "/tmp/archsim-pairs-XXXXXX");
		assert_non_null(mkdtemp(d[i]));
		fold_all(set, res, 150, i, d[i]);
	}
	char path[64];
	snprintf(path, sizeof path, "%s/compare.csv", d[1]);
	struct csvt c;
	csvt_load(&c, path);
	assert_true(c.rows >= 2);        /* the header, and a row a pair */
	for (size_t i = 0; i + 1 < c.rows; i++)
		assert_string_not_equal(csvt_get(&c, i, "latency_p99_s_diff_lo"), "NaN");
	csvt_free(&c);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "diff -r %s %s >/dev/null", d[1], d[2]);
	assert_int_equal(system(cmd), 0);
	assert_true(files_close(d[0], d[1], 1e-9));
	snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", d[0], d[1], d[2]);
	assert_int_equal(system(cmd), 0);
	for (int k = 0; k < 2 * 150; k++)
		rep_result_fini(&res[k]);
	free(res);
	sweep_free(set);
}

static void test_report_abort_leaves_nothing(void **state)
{
	struct sweep *set = simtest_load(ONE);
	struct report rep;
	char dir[] = "/tmp/archsim-report-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_open(&rep, dir, &err), 0);
	report_abort(&rep);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rmdir %s", dir);   /* fails if not empty */
	assert_int_equal(system(cmd), 0);
	report_fini(&rep);
	sweep_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_folds_replications),
		cmocka_unit_test(test_report_slo_windows),
		cmocka_unit_test(test_report_writes_exact_text),
		cmocka_unit_test(test_report_link_overload),
		cmocka_unit_test(test_report_points_not_run_still_get_a_row),
		cmocka_unit_test(test_report_abort_leaves_nothing),
		cmocka_unit_test(test_report_groups_fold_as_one_by_one),
		cmocka_unit_test(test_report_groups_keep_the_pairs),
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
