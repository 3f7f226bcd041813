/*
 * test_report.c - folding replications into a summary and writing CSV:
 * means and intervals, exact merging, the files' exact text, points that
 * never ran, and atomic replacement.
 */
#include "tests/simtest.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/report.h"
#include "sim/stats.h"

#define ONE \
	"name: r\nduration: 10s\nwindow: 5s\nreplications: 2\n" \
	"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n" \
	"nodes:\n  w: {type: service, service: 1s}\n"

/* fake fills a replication with known numbers: `lat` ns latencies, n of
 * them, 10 s measured. */
static void fake(struct rep_result *r, int64_t lat, uint64_t n, uint64_t rejected)
{
	assert_int_equal(rep_result_init(r, 2), 0);
	r->arrivals = n + rejected;
	r->completed = n;
	r->rejected = rejected;
	r->duration_s = 10;
	r->complete = 1;
	for (uint64_t i = 0; i < n; i++)
		hist_record(&r->latency, lat);
	r->nodes[0].arrivals = n + rejected;
	r->nodes[0].completed = n;
	r->nodes[0].utilization = 0.25 * (double)lat / 1e9;
	r->ts_window_ns = 5000000000LL;
	r->nts = 2;
	r->ts = calloc(2, sizeof *r->ts);
	r->ts[0].completed = n / 2;
	r->ts[1].completed = n - n / 2;
	r->ts[0].p50_s = r->ts[0].p99_s = lat * 1e-9;
	r->ts[1].p50_s = r->ts[1].p99_s = NAN;
}

static void test_report_folds_replications(void **state)
{
	struct scenario_set *set = simtest_load(ONE);
	struct report rep;
	struct rep_result r[2];
	fake(&r[0], 1000000000, 10, 0);
	fake(&r[1], 3000000000LL, 20, 5);
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_add_point(&rep, 0, r, 2), 0);
	const struct report_point *pt = &rep.points[0];
	assert_int_equal(pt->replications, 2);
	assert_true(pt->complete);
	assert_int_equal(pt->completed, 30);
	assert_int_equal(pt->rejected, 5);
	/* throughput 1/s and 2/s: mean 1.5, half-width t(.975,1) * 0.5/sqrt(2) * sqrt(2) */
	assert_true(pt->mean[RM_THROUGHPUT] == 1.5);
	assert_true(fabs(pt->ci95[RM_THROUGHPUT] - stats_t_quantile(0.975, 1) * 0.5) < 1e-9);
	/* mean latency is the mean of the replications' means: (1 + 3) / 2 */
	assert_true(fabs(pt->mean[RM_LATENCY_MEAN] - 2.0) < 1e-12);
	assert_true(fabs(pt->mean[RM_REJECT_RATIO] - 0.1) < 1e-12);
	/* the histogram is merged exactly */
	assert_int_equal(pt->latency.total, 30);
	assert_int_equal(pt->latency.counts[hist_index(3000000000LL)], 20);
	/* nodes: counts add, utilisation averages */
	assert_int_equal(pt->nodes[0].completed, 30);
	assert_true(fabs(pt->nodes[0].utilization - 0.5) < 1e-12);
	/* time series: per-window means; an empty window stays NaN */
	assert_true(pt->ts[0].throughput_per_s == (5 + 10) / 2.0 / 5);
	assert_true(isnan(pt->ts[1].p50_s));
	report_fini(&rep);
	rep_result_fini(&r[0]);
	rep_result_fini(&r[1]);
	scenario_set_free(set);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void test_report_writes_exact_text(void **state)
{
	struct scenario_set *set = simtest_load(ONE);
	struct report rep;
	struct rep_result r[2];
	fake(&r[0], 1000000000, 10, 0);
	fake(&r[1], 1000000000, 10, 0);
	assert_int_equal(report_init(&rep, set, "9.9.9"), 0);
	assert_int_equal(report_add_point(&rep, 0, r, 2), 0);
	char dir[] = "/tmp/archsim-report-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[64], path[128];
	snprintf(sub, sizeof sub, "%s/a/b", dir);
	struct sim_err err = { 0 };
	assert_int_equal(report_write(&rep, sub, &err), 0);
	snprintf(path, sizeof path, "%s/latency.csv", sub);
	/* 1 s falls in the bucket [238, 239) * 2^22 ns: upper edge
	 * 1002438655 ns */
	assert_int_equal(hist_bucket_hi(hist_index(1000000000)), 1002438655);
	assert_string_equal(slurp(path),
			    "point,le_s,count,cdf\n0,1.00243865,20,1\n");
	snprintf(path, sizeof path, "%s/timeseries.csv", sub);
	assert_string_equal(slurp(path),
			    "point,t_s,throughput_per_s,latency_p50_s,latency_p99_s,rejected\n"
			    "0,0,1,1,1,0\n0,5,1,NaN,NaN,0\n");
	snprintf(path, sizeof path, "%s/summary.csv", sub);
	char expect[2048];
	snprintf(expect, sizeof expect,
		 "point,replications,arrivals,completed,rejected,throughput_per_s,throughput_per_s_ci95,"
		 "latency_mean_s,latency_mean_s_ci95,latency_p50_s,latency_p50_s_ci95,latency_p90_s,"
		 "latency_p90_s_ci95,latency_p99_s,latency_p99_s_ci95,latency_p999_s,latency_p999_s_ci95,"
		 "reject_ratio,reject_ratio_ci95,complete,seed,scenario_hash,version\n"
		 "0,2,20,20,0,1,0,1,0,1,0,1,0,1,0,1,0,0,0,true,1,%016llx,9.9.9\n",
		 set->points[0]->hash);
	assert_string_equal(slurp(path), expect);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	report_fini(&rep);
	rep_result_fini(&r[0]);
	rep_result_fini(&r[1]);
	scenario_set_free(set);
}

static void test_report_points_not_run_still_get_a_row(void **state)
{
	struct scenario_set *set = simtest_load(ONE "sweep: {nodes.w.workers: [1, 2]}\n");
	struct report rep;
	struct rep_result r[1];
	fake(&r[0], 1000000000, 10, 0);
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_add_point(&rep, 0, r, 1), 0);
	char dir[] = "/tmp/archsim-report-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sim_err err = { 0 };
	assert_int_equal(report_write(&rep, dir, &err), 0);
	char path[128];
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	const char *s = slurp(path);
	/* point 0 ran one of two replications; point 1 never ran */
	assert_non_null(strstr(s, "\n0,1,1,10,10,0,1,NaN,"));
	assert_non_null(strstr(s, ",false,1,"));
	assert_non_null(strstr(s, "\n1,2,0,0,0,0,NaN,NaN,"));
	snprintf(path, sizeof path, "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	report_fini(&rep);
	rep_result_fini(&r[0]);
	scenario_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_folds_replications),
		cmocka_unit_test(test_report_writes_exact_text),
		cmocka_unit_test(test_report_points_not_run_still_get_a_row),
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
