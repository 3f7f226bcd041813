/*
 * test_sim.c - the engine: determinism, independence of random streams,
 * warm-up, interruption.
 *
 * Statistical assertions use bounds derived from the distribution of the
 * quantity checked (a Poisson count within 5 standard deviations), never a
 * tolerance picked by eye; exact assertions are exact.
 */
#include "tests/simtest.h"

#include <math.h>

#include "models/model.h"
#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"
#include "sim/sim.h"

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
	struct scenario_set *set = simtest_load(y);
	const struct scenario *sc = set->points[0];
	struct rep_result a, b, c;
	simtest_run(sc, 0, &a);
	simtest_run(sc, 0, &b);
	simtest_run(sc, 1, &c);
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
	struct scenario_set *s1 = simtest_load(y1), *s2 = simtest_load(y2);
	struct rep_result a, b;
	simtest_run(s1->points[0], 0, &a);
	simtest_run(s2->points[0], 0, &b);
	assert_int_equal(a.arrivals, b.arrivals);
	assert_int_equal(a.nodes[0].arrivals, b.nodes[0].arrivals);
	assert_int_equal(a.nodes[0].rejected, b.nodes[0].rejected);
	assert_true(a.nodes[0].wait_mean_s == b.nodes[0].wait_mean_s);
	assert_int_equal(a.nodes[1].arrivals, b.nodes[1].arrivals);
	/* ...while the database itself did change: the same draws, scaled
	 * by 9/5 (exponential = mean x a unit draw), so its busy time, and
	 * with it its utilisation, grew by exactly that factor */
	assert_true(fabs(b.nodes[1].utilization / a.nodes[1].utilization - 1.8) < 1e-6);
	rep_result_fini(&a);
	rep_result_fini(&b);
	scenario_set_free(s1);
	scenario_set_free(s2);
}

static volatile sig_atomic_t stop_now = 1;

static void test_sim_stops_when_asked(void **state)
{
	/* long enough that the flag, polled every 65,536 events, is seen:
	 * a replication that ends before the first poll is kept whole */
	char y[1024];
	snprintf(y, sizeof y, WEB, "5ms");
	struct sc_override longer[] = { { "duration", "20000s" } };
	struct scenario_set *set = NULL;
	struct sim_err err = { 0 };
	assert_int_equal(scenario_load_string("t.yaml", y, longer, 1, &set, &err), 0);
	struct rep_result r;
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
	struct scenario_set *sa = simtest_load(a), *sb = simtest_load(b);
	struct rep_result ra, rb;
	simtest_run(sa->points[0], 0, &ra);
	simtest_run(sb->points[0], 0, &rb);
	uint64_t early = ra.ts[0].completed + ra.ts[1].completed;
	assert_int_equal(ra.completed - early, rb.completed);
	assert_true(rb.duration_s == 80);
	rep_result_fini(&ra);
	rep_result_fini(&rb);
	scenario_set_free(sa);
	scenario_set_free(sb);
}

/* A stand-in component that schedules three timers and cancels the middle
 * one, the way a timeout is dropped when its reply comes back. */
static int fired[8], nfired;

static int timer_init(struct sim *s, struct sim_node *n)
{
	nfired = 0;
	assert_non_null(sim_schedule(s, 1000000000, n->id, 1, NULL, 0));
	struct event *mid = sim_schedule(s, 2000000000, n->id, 2, NULL, 0);
	assert_non_null(mid);
	assert_non_null(sim_schedule(s, 2000000000, n->id, 3, NULL, 0));
	sim_cancel(mid);
	return 0;
}

static void timer_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	sim_finish(s, req);
}

static void timer_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	if (nfired < 8)
		fired[nfired++] = ev->kind;
}

static void timer_fini(struct sim *s, struct sim_node *n)
{
}

static const struct model_ops timer_ops = {
	.kind = "timer",
	.init = timer_init,
	.arrive = timer_arrive,
	.event = timer_event,
	.fini = timer_fini,
};

static void test_sim_cancelled_events_never_fire(void **state)
{
	struct scenario_set *set = simtest_load(
		"duration: 10s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: t}\n"
		"nodes:\n  t: {type: service, service: 1ms}\n");
	struct sc_node *node = &set->points[0]->nodes[0];
	const struct model_ops *real = node->ops;
	node->ops = &timer_ops;
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	node->ops = real;     /* its config is the service's, freed by it */
	assert_int_equal(nfired, 2);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 3);
	/* requests still went through: the clock ran past the timers */
	assert_int_equal(r.completed, 9);
	rep_result_fini(&r);
	scenario_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_same_seed_same_result),
		cmocka_unit_test(test_sim_streams_are_per_node),
		cmocka_unit_test(test_sim_stops_when_asked),
		cmocka_unit_test(test_sim_warmup_is_discarded),
		cmocka_unit_test(test_sim_cancelled_events_never_fire),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
