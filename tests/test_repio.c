/*
 * test_repio.c - replication records: a record read back and written
 * again is the same bytes, and folds into the same report as the result
 * it came from, with its histograms as a run of buckets or, when mostly
 * empty, as pairs; a damaged record, one from another scenario point, or
 * one cut short is refused.
 */
#include "tests/simtest.h"

#include <stdlib.h>
#include <string.h>

#include "app/report.h"
#include "app/repio.h"

static const char *yaml =
	"name: r\nseed: 3\nduration: 20s\nwarmup: 2s\nreplications: 2\nwindow: 1s\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 300/s}, target: web}\n"
	"  v: {arrival: {process: poisson, rate: 30/s}, target: q}\n"
	"nodes:\n"
	"  web: {type: service, replicas: 3, workers: 2, service: {dist: lognormal, mean: 5ms, cv: 2}}\n"
	"  q: {type: queue, consumers: [{group: a, service: 2ms}, {group: b, service: 1ms}]}\n"
	"sweep: {nodes.web.workers: [2, 3]}\n";

static void test_repio_round_trip(void **state)
{
	(void)state;
	struct sweep *set = simtest_load(yaml);
	const struct scenario *sc = set->points[0];
	struct rep_result a, b;
	simtest_run(sc, 1, &a);
	assert_int_equal(rep_result_init(&b, sc), 0);
	struct repio_buf r1 = { 0 }, r2 = { 0 };
	assert_int_equal(repio_pack(&a, &r1), 0);
	/* a record is much smaller than the dense histograms it holds */
	print_message("    record: %zu bytes\n", r1.len);
	assert_true(r1.len < (size_t)a.nscopes * HIST_NBUCKETS * 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), 0);
	assert_int_equal(repio_pack(&b, &r2), 0);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.data, r2.data, r1.len);
	/* the same estimates from either */
	struct report ra, rb;
	assert_int_equal(report_init(&ra, set, "t"), 0);
	assert_int_equal(report_init(&rb, set, "t"), 0);
	assert_int_equal(report_fold(&ra, 0, 0, &a), 0);
	assert_int_equal(report_fold(&rb, 0, 0, &b), 0);
	assert_int_equal(report_point_done(&ra, 0), 0);
	assert_int_equal(report_point_done(&rb, 0), 0);
	struct report_summary sa = simtest_summary(&ra, 0), sb = simtest_summary(&rb, 0);
	assert_memory_equal(sa.mean, sb.mean, sizeof sa.mean);
	assert_true(sa.mean[METRIC_LATENCY_MEAN] > 0);
	report_fini(&ra);
	report_fini(&rb);

	/* damage: every cut is refused, as are a changed magic number and a
	 * record of another shape */
	for (size_t cut = 0; cut < r1.len; cut += 1 + cut / 7)
		assert_int_equal(repio_unpack(&b, r1.data, cut), SIM_EINVAL);
	r1.data[0] ^= 1;
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), SIM_EINVAL);
	r1.data[0] ^= 1;
	/* a histogram whose bucket run does not match its smallest value,
	 * and one whose counts do not add up to its total: refused, and the
	 * result left whole for the next record */
	size_t at = 4 * 8 + 8 + 8 * REQ_NSTATUS + 8;    /* scope 0's histogram */
	uint64_t v;
	memcpy(&v, r1.data + at + 5 * 8, 8);             /* its first bucket */
	v++;
	memcpy(r1.data + at + 5 * 8, &v, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), SIM_EINVAL);
	v--;
	memcpy(r1.data + at + 5 * 8, &v, 8);
	memcpy(&v, r1.data + at, 8);                      /* its total */
	v++;
	memcpy(r1.data + at, &v, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), SIM_EINVAL);
	v--;
	memcpy(r1.data + at, &v, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), 0);
	struct sweep *other = simtest_load(
		"duration: 20s\nworkloads:\n  u: {arrival: {process: poisson, rate: 3/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: 1ms}\n");
	struct rep_result c;
	assert_int_equal(rep_result_init(&c, other->points[0]), 0);
	assert_int_equal(repio_unpack(&c, r1.data, r1.len), SIM_EINVAL);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), 0);   /* still good */
	/* a record of another format says which; a cut one says none */
	uint64_t ours, fmt = repio_format(r1.data, r1.len, &ours);
	assert_true(fmt == ours && ours >= 5);
	uint64_t old = ours - 1;
	memcpy(r1.data + 8, &old, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), SIM_EINVAL);
	assert_true(repio_format(r1.data, r1.len, &ours) == old);
	assert_true(repio_format(r1.data, 8, &ours) == 0);
	memcpy(r1.data + 8, &ours, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), 0);
	rep_result_fini(&c);
	sweep_free(other);
	free(r1.data);
	free(r2.data);
	rep_result_fini(&a);
	rep_result_fini(&b);
	sweep_free(set);
}

/* A short replication's few latencies over a wide range travel as
 * (bucket, count) pairs, not as their run of mostly empty buckets: the
 * record reads back to the same bytes and the same estimates, is smaller
 * than the run would be, and a pair outside the run or a changed count is
 * refused. */
static void test_repio_sparse_histogram(void **state)
{
	(void)state;
	struct sweep *set = simtest_load(
		"duration: 10s\nwarmup: 0s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.9/s}, target: q}\n"
		"nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s}}\n");
	const struct scenario *sc = set->points[0];
	struct rep_result a, b;
	simtest_run(sc, 0, &a);
	assert_int_equal(rep_result_init(&b, sc), 0);
	const struct hist *h = &a.scopes[0].latency;
	size_t width = hist_index(h->max_ns) + 1 - hist_index(h->min_ns);
	print_message("    %llu latencies over %zu buckets\n", (unsigned long long)h->total, width);
	assert_true(h->total >= 2 && 2 * h->total < width);
	struct repio_buf r1 = { 0 }, r2 = { 0 };
	assert_int_equal(repio_pack(&a, &r1), 0);
	size_t at = 4 * 8 + 8 + 8 * REQ_NSTATUS + 8;    /* scope 0's histogram */
	uint64_t nnz;
	memcpy(&nnz, r1.data + at + 7 * 8, 8);
	assert_true(nnz >= 1 && nnz <= h->total);        /* pairs, not the run */
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), 0);
	assert_int_equal(repio_pack(&b, &r2), 0);
	assert_int_equal(r1.len, r2.len);
	assert_memory_equal(r1.data, r2.data, r1.len);
	assert_memory_equal(a.scopes[0].latency.counts, b.scopes[0].latency.counts,
			    HIST_NBUCKETS * sizeof *h->counts);
	/* a pair's bucket past the run, and a pair's count changed */
	uint64_t v;
	memcpy(&v, r1.data + at + 8 * 8, 8);
	uint64_t hi = hist_index(h->max_ns) + 1;
	memcpy(r1.data + at + 8 * 8, &hi, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), SIM_EINVAL);
	memcpy(r1.data + at + 8 * 8, &v, 8);
	memcpy(&v, r1.data + at + 9 * 8, 8);
	v++;
	memcpy(r1.data + at + 9 * 8, &v, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), SIM_EINVAL);
	v--;
	memcpy(r1.data + at + 9 * 8, &v, 8);
	assert_int_equal(repio_unpack(&b, r1.data, r1.len), 0);
	free(r1.data);
	free(r2.data);
	rep_result_fini(&a);
	rep_result_fini(&b);
	sweep_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repio_round_trip),
		cmocka_unit_test(test_repio_sparse_histogram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
