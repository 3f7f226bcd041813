/*
 * test_sim.c - the engine and the client and service kinds: determinism,
 * independence of random streams, warm-up, arrival processes, queues,
 * speed, time series and interruption.
 *
 * Statistical assertions use bounds derived from the distribution of the
 * quantity checked (a Poisson count within 5 standard deviations), never a
 * tolerance picked by eye; exact assertions are exact.
 */
#include "tests/testutil.h"

#include <math.h>

#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/sim.h"

static struct scenario_set *load(const char *text)
{
	struct scenario_set *set = NULL;
	struct sim_err err = { 0 };
	if (scenario_load_string("t.yaml", text, NULL, 0, &set, &err))
		fail_msg("scenario: %s", err.msg);
	return set;
}

/* run1 runs replication rep of the first point into *r. */
static void run1(const struct scenario *sc, uint32_t rep, struct rep_result *r)
{
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(r, (uint32_t)sc->nnodes), 0);
	if (sim_run(sc, rep, r, NULL, &err))
		fail_msg("run: %s", err.msg);
}

static int same_result(const struct rep_result *a, const struct rep_result *b,
		       size_t nnodes)
{
	if (a->arrivals != b->arrivals || a->completed != b->completed ||
	    a->rejected != b->rejected || a->events != b->events ||
	    a->latency.total != b->latency.total ||
	    memcmp(a->latency.counts, b->latency.counts,
		   HIST_NBUCKETS * sizeof *a->latency.counts) != 0)
		return 0;
	if (memcmp(a->nodes, b->nodes, nnodes * sizeof *a->nodes) != 0)
		return 0;
	if (a->nts != b->nts)
		return 0;
	for (size_t i = 0; i < a->nts; i++)
		if (a->ts[i].completed != b->ts[i].completed ||
		    a->ts[i].rejected != b->ts[i].rejected)
			return 0;
	return 1;
}

#define WEB \
	"duration: 200s\n" \
	"warmup: 20s\n" \
	"workloads:\n" \
	"  users: {arrival: {process: poisson, rate: 50/s}, target: web}\n" \
	"nodes:\n" \
	"  web: {type: service, workers: 2, queue: 5, service: {dist: lognormal, mean: 30ms, cv: 2},\n" \
	"        next: [{to: db, p: 0.5}]}\n" \
	"  db: {type: service, service: {dist: exponential, mean: %s}}\n"

static void test_sim_same_seed_same_result(void **state)
{
	char y[1024];
	snprintf(y, sizeof y, WEB, "5ms");
	struct scenario_set *set = load(y);
	const struct scenario *sc = set->points[0];
	struct rep_result a, b, c;
	run1(sc, 0, &a);
	run1(sc, 0, &b);
	run1(sc, 1, &c);
	assert_true(a.completed > 8000);
	assert_true(same_result(&a, &b, sc->nnodes));
	/* another replication is another sample */
	assert_false(same_result(&a, &c, sc->nnodes));
	rep_result_fini(&a);
	rep_result_fini(&b);
	rep_result_fini(&c);
	scenario_set_free(set);
}

static void test_sim_streams_are_per_node(void **state)
{
	/* common random numbers: a slower database changes nothing upstream
	 * of it - the arrivals and the web tier's service times and routing
	 * are the same draws */
	char y1[1024], y2[1024];
	snprintf(y1, sizeof y1, WEB, "5ms");
	snprintf(y2, sizeof y2, WEB, "9ms");
	struct scenario_set *s1 = load(y1), *s2 = load(y2);
	struct rep_result a, b;
	run1(s1->points[0], 0, &a);
	run1(s2->points[0], 0, &b);
	assert_int_equal(a.arrivals, b.arrivals);
	assert_int_equal(a.nodes[0].arrivals, b.nodes[0].arrivals);
	assert_int_equal(a.nodes[0].rejected, b.nodes[0].rejected);
	assert_true(a.nodes[0].wait_mean_s == b.nodes[0].wait_mean_s);
	assert_int_equal(a.nodes[1].arrivals, b.nodes[1].arrivals);
	/* ...while the database itself did change */
	assert_true(b.nodes[1].latency_mean_s > a.nodes[1].latency_mean_s * 1.5);
	rep_result_fini(&a);
	rep_result_fini(&b);
	scenario_set_free(s1);
	scenario_set_free(s2);
}

static void test_sim_constant_arrivals_are_exact(void **state)
{
	struct scenario_set *set = load(
		"duration: 100s\nwarmup: 10s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: {dist: constant, value: 50ms}}\n");
	struct rep_result r;
	run1(set->points[0], 0, &r);
	/* arrivals at 0.1 s, 0.2 s, ...: exactly 1000 in [10 s, 110 s) */
	assert_int_equal(r.arrivals, 1000);
	assert_int_equal(r.completed, 1000);
	/* no queueing: every latency is exactly the service time */
	assert_int_equal(r.latency.min_ns, 50000000);
	assert_int_equal(r.latency.max_ns, 50000000);
	assert_true(fabs(r.nodes[0].utilization - 0.5) < 1e-9);
	assert_true(r.nodes[0].wait_mean_s == 0);
	assert_true(r.duration_s == 100);
	rep_result_fini(&r);
	scenario_set_free(set);
}

/* poisson_ok: count is within 5 standard deviations of a Poisson mean. */
static int poisson_ok(double count, double mean)
{
	return fabs(count - mean) <= 5 * sqrt(mean);
}

static void test_sim_profile_follows_the_rate(void **state)
{
	/* the rate climbs linearly from 0 to 200/s over 100 s, then holds:
	 * expected arrivals 10000 in the ramp, 20000 in the next 100 s */
	const char *y =
		"duration: %s\nwarmup: %s\nwindow: 100s\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 0/s}, {at: 100s, rate: 200/s}]\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, workers: 1000, service: 1ns}\n";
	char buf[1024];
	snprintf(buf, sizeof buf, y, "200s", "0s");
	struct scenario_set *set = load(buf);
	struct rep_result r;
	run1(set->points[0], 0, &r);
	assert_int_equal(r.nts, 2);
	assert_true(poisson_ok(r.ts[0].completed, 10000));
	assert_true(poisson_ok(r.ts[1].completed, 20000));
	/* the first 50 s of the ramp hold a quarter of its arrivals */
	rep_result_fini(&r);
	scenario_set_free(set);
	snprintf(buf, sizeof buf, y, "50s", "50s");
	set = load(buf);
	run1(set->points[0], 0, &r);
	assert_true(poisson_ok(r.arrivals, 7500));
	rep_result_fini(&r);
	scenario_set_free(set);
}

static void test_sim_periodic_profile_repeats(void **state)
{
	/* a square wave of period 20 s: 100/s for 10 s, 10/s for 10 s */
	struct scenario_set *set = load(
		"duration: 400s\nwindow: 10s\n"
		"workloads:\n  u:\n    arrival:\n      process: profile\n"
		"      points: [{at: 0s, rate: 100/s}, {at: 10s, rate: 100/s},\n"
		"               {at: 10.000001s, rate: 10/s}, {at: 19.999999s, rate: 10/s}]\n"
		"      period: 20s\n"
		"    target: w\n"
		"nodes:\n  w: {type: service, workers: 1000, service: 1ns}\n");
	struct rep_result r;
	run1(set->points[0], 0, &r);
	assert_int_equal(r.nts, 40);
	double hi = 0, lo = 0;
	for (size_t i = 0; i < r.nts; i++)
		*(i % 2 ? &lo : &hi) += r.ts[i].completed;
	/* the joins at 10 s and 20 s last 1 us and hold ~0 arrivals; the
	 * last 1 us of each period is a ramp from 10/s back to 100/s */
	assert_true(poisson_ok(hi, 20 * 1000));
	assert_true(poisson_ok(lo, 20 * 100));
	rep_result_fini(&r);
	scenario_set_free(set);
}

static void test_sim_closed_loop_conserves_users(void **state)
{
	/* 5 users, constant think 1 s, constant service 1 s, 1 worker:
	 * the server is the bottleneck, throughput is exactly 1/s */
	struct scenario_set *set = load(
		"duration: 1000s\nwarmup: 100s\n"
		"workloads:\n  u: {arrival: {process: closed, users: 5, think: 1s}, target: w}\n"
		"nodes:\n  w: {type: service, service: 1s}\n");
	struct rep_result r;
	run1(set->points[0], 0, &r);
	assert_true(r.completed >= 999 && r.completed <= 1001);
	assert_true(r.nodes[0].utilization > 0.999);
	/* in the steady cycle each user takes 5 s (5 users at 1/s): 1 s of
	 * thinking, so every request spends exactly 4 s (3 waiting, 1 served) */
	assert_int_equal(r.latency.min_ns, 4000000000LL);
	assert_int_equal(r.latency.max_ns, 4000000000LL);
	rep_result_fini(&r);
	scenario_set_free(set);
}

static void test_sim_full_queue_rejects(void **state)
{
	/* arrivals every 1 s from t = 1 s, service 2.5 s, one worker, no
	 * waiting room: the ones at 1, 4, 7, ..., 298 s are served (100), the
	 * two after each find the worker busy (199) */
	struct scenario_set *set = load(
		"duration: 300s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, queue: 0, service: 2.5s}\n");
	struct rep_result r;
	run1(set->points[0], 0, &r);
	assert_int_equal(r.arrivals, 299);      /* at 1 s .. 299 s */
	assert_int_equal(r.nodes[0].rejected, 199);
	assert_int_equal(r.rejected, 199);
	assert_int_equal(r.completed, 99);      /* the one of 298 s ends at 300.5 s */
	rep_result_fini(&r);
	scenario_set_free(set);
}

static void test_sim_speed_divides_service_time(void **state)
{
	struct scenario_set *set = load(
		"duration: 100s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 4, service: 400ms, replicas: 2}\n");
	struct rep_result r;
	run1(set->points[0], 0, &r);
	assert_int_equal(r.latency.min_ns, 100000000);
	assert_int_equal(r.latency.max_ns, 100000000);
	/* two replicas share the load: 0.1 s busy per second over 2 workers */
	assert_true(fabs(r.nodes[0].utilization - 0.05) < 1e-3);
	rep_result_fini(&r);
	scenario_set_free(set);
}

static volatile sig_atomic_t stop_now = 1;

static void test_sim_stops_when_asked(void **state)
{
	char y[1024];
	snprintf(y, sizeof y, WEB, "5ms");
	struct scenario_set *set = load(y);
	struct rep_result r;
	struct sim_err err = { 0 };
	struct sim_hooks hooks = { .stop = &stop_now };
	assert_int_equal(rep_result_init(&r, (uint32_t)set->points[0]->nnodes), 0);
	assert_int_equal(sim_run(set->points[0], 0, &r, &hooks, &err), SIM_EINTR);
	assert_false(r.complete);
	assert_true(r.events < 100000);
	rep_result_fini(&r);

	/* the runner folds in nothing from the interrupted replication */
	struct report rep;
	assert_int_equal(report_init(&rep, set, "test"), 0);
	assert_int_equal(runner_run(set, &rep, &stop_now, NULL, NULL, &err), SIM_EINTR);
	assert_int_equal(rep.points[0].replications, 0);
	report_fini(&rep);
	scenario_set_free(set);
}

static void test_sim_warmup_is_discarded(void **state)
{
	/* the same run with and without warm-up: counts differ by exactly the
	 * requests finished during the warm-up window */
	const char *y =
		"duration: %s\nwarmup: %s\nwindow: 10s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 20/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: {dist: exponential, mean: 10ms}}\n";
	char a[512], b[512];
	snprintf(a, sizeof a, y, "100s", "0s");
	snprintf(b, sizeof b, y, "80s", "20s");
	struct scenario_set *sa = load(a), *sb = load(b);
	struct rep_result ra, rb;
	run1(sa->points[0], 0, &ra);
	run1(sb->points[0], 0, &rb);
	uint64_t early = ra.ts[0].completed + ra.ts[1].completed;
	assert_int_equal(ra.completed - early, rb.completed);
	assert_true(rb.duration_s == 80);
	rep_result_fini(&ra);
	rep_result_fini(&rb);
	scenario_set_free(sa);
	scenario_set_free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_same_seed_same_result),
		cmocka_unit_test(test_sim_streams_are_per_node),
		cmocka_unit_test(test_sim_constant_arrivals_are_exact),
		cmocka_unit_test(test_sim_profile_follows_the_rate),
		cmocka_unit_test(test_sim_periodic_profile_repeats),
		cmocka_unit_test(test_sim_closed_loop_conserves_users),
		cmocka_unit_test(test_sim_full_queue_rejects),
		cmocka_unit_test(test_sim_speed_divides_service_time),
		cmocka_unit_test(test_sim_stops_when_asked),
		cmocka_unit_test(test_sim_warmup_is_discarded),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
