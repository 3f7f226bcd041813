/*
 * test_service.c - the service kind: finite queues reject, speed divides service
 * times, replicas share the load; the queue disciplines serve in the
 * order their references do, and match queueing theory where it has a
 * closed form.
 */
#include "tests/simtest.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

static void test_service_full_queue_rejects(void **state)
{
	/* arrivals every 1 s from t = 1 s, service 2.5 s, one worker, no
	 * waiting room: the ones at 1, 4, 7, ..., 298 s are served (100), the
	 * two after each find the worker busy (199) */
	double n, rejected, refused, ok;
	simtest_reps(
		"duration: 300s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, queue: 0, service: 2.5s}\n",
		1, { "@arrivals", &n }, { "w.rejected", &rejected }, { "@rejected", &refused },
		{ "@ok", &ok });
	assert_int_equal(n, 299);      /* at 1 s .. 299 s */
	assert_int_equal(rejected, 199);
	assert_int_equal(refused, 199);
	assert_int_equal(ok, 99);      /* the one of 298 s ends at 300.5 s */
}

static void test_service_speed_divides_service_time(void **state)
{
	double min_ns, max_ns, util;
	simtest_reps(
		"duration: 100s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 4, service: 400ms, replicas: 2}\n",
		1, { "@latency_min_ns", &min_ns }, { "@latency_max_ns", &max_ns },
		{ "w.utilization", &util });
	assert_int_equal(min_ns, 100000000);
	assert_int_equal(max_ns, 100000000);
	/* two replicas share the load: the 99 requests of 1 s .. 99 s keep a
	 * worker busy 0.1 s each, 9.9 s over 2 workers x 100 s */
	assert_true(fabs(util - 0.0495) < 1e-12);
}

static void test_service_huge_service_times_saturate(void **state)
{
	/* 9199 s at a millionth of the speed is 9.2e18 ns, past int64 when
	 * added to the clock; it is capped far beyond the run instead */
	double n, ok, got;
	simtest_reps(
		"duration: 7200h\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/h}, target: w}\n"
		"nodes:\n  w: {type: service, speed: 0.000001, service: 9199s}\n",
		1, { "@arrivals", &n }, { "@ok", &ok }, { "w.arrivals", &got });
	assert_true(n > 6000);
	assert_int_equal(ok, 0);
	assert_int_equal(got, n);
}

/* ---- disciplines --------------------------------------------------------- */

/* What a replication's latencies give: their mean and second moment, from
 * the histogram's bucket midpoints. */
struct moments {
	double t1[64], t2[64];
};

static void moments_fn(void *arg, const struct scenario *sc, uint32_t rep,
		       const struct rep_result *r)
{
	(void)sc;
	struct moments *m = arg;
	const struct hist *h = &r->scopes[0].latency;
	double s1 = 0, s2 = 0, n = 0;
	for (size_t i = 0; i < HIST_NBUCKETS; i++) {
		if (!h->counts[i])
			continue;
		double v = (double)(hist_bucket_lo(i) + hist_bucket_hi(i)) / 2 * 1e-9;
		double c = (double)h->counts[i];
		s1 += c * v;
		s2 += c * v * v;
		n += c;
	}
	assert_true(rep < 64);
	m->t1[rep] = s1 / n;
	m->t2[rep] = s2 / n;
}

/* near: the replications' mean of x is within a 99.9 % t-interval of
 * want, widened by the histogram's resolution (twice its relative error
 * for a second moment). */
static int near(const char *what, const double *x, uint32_t n, double want, double res)
{
	double m = gsl_stats_mean(x, 1, n);
	double half = stats_t_quantile(0.9995, n - 1) * gsl_stats_sd(x, 1, n) / sqrt(n) +
		      res * want;
	int ok = fabs(m - want) <= half;
	print_message("    %-34s %.4f +- %.4f, reference %.4f%s\n", what, m, half, want,
		      ok ? "" : "  (outside)");
	return ok;
}

/* M/M/1 at rho 0.5 (mu 1): the mean sojourn is 2 in every order, but its
 * second moment is 2 / (mu - lambda)^2 = 8 first-come first-served and,
 * last-come first-served non-preemptive, E[W^2] + 2 E[W] E[S] + E[S^2]
 * with E[W^2] = lambda E[S^3] / (3 (1 - rho)^2) + lambda^2 E[S^2]^2 /
 * (2 (1 - rho)^3) (the wait is a busy period started by the residual
 * service found): 4 + 4 + 2 + 2 = 12.  adaptive_lifo with threshold 0 is
 * lifo. */
static void test_service_lifo_mm1_moments(void **state)
{
	static const struct {
		const char *disc;
		double t2;
	} cases[] = {
		{ "fifo", 8 }, { "lifo", 12 }, { "adaptive_lifo, lifo_threshold: 0", 12 },
	};
	enum { REPS = 20 };
	for (size_t i = 0; i < 3; i++) {
		char yaml[400];
		snprintf(yaml, sizeof yaml,
			 "duration: 50000s\nwarmup: 100s\nseed: 7\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 0.5/s}, target: q}\n"
			 "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s},\n"
			 "      discipline: %s}\n", cases[i].disc);
		struct moments m;
		simtest_each(yaml, REPS, NULL, moments_fn, &m);
		print_message("  %s\n", cases[i].disc);
		assert_true(near("mean sojourn", m.t1, REPS, 2, HIST_REL_ERR));
		assert_true(near("second moment", m.t2, REPS, cases[i].t2, 2 * HIST_REL_ERR));
	}
}

/* five_arrivals makes the directory dir (a mkdtemp template) and in it
 * path, a trace of arrivals at 0, 1, 2, 3 and 4 s. */
static void five_arrivals(char *dir, char *path, size_t len)
{
	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/t.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("0\n1\n2\n3\n4\n", f);
	fclose(f);
}

/* The order of service, one worker, 10 s each, arrivals at 0 .. 4 s: at
 * 10 s four wait.  HHVM's job queue takes the newest while the others
 * left number lifo_threshold or more: threshold 2 serves 0, 4, 3, then
 * (one other left) 1, 2; threshold 3 serves 0, 4, 1, 2, 3; lifo 0, 4, 3,
 * 2, 1; fifo in order.  With max_queue_wait 15 s, the oldest is looked at
 * first: at 20 s 1, 2 and 3 have waited longer and are shed. */
struct order {
	uint64_t v[8];
	size_t n;
};

static void order_fn(void *arg, const struct request *req, uint32_t node, uint32_t unit,
		     int64_t demand_ns)
{
	(void)node, (void)unit, (void)demand_ns;
	struct order *o = arg;
	if (o->n < 8)
		o->v[o->n++] = req->issue;
}

static void test_service_discipline_order(void **state)
{
	char dir[] = "/tmp/archsim-disc-XXXXXX", path[64];
	five_arrivals(dir, path, sizeof path);
	static const struct {
		const char *disc;
		uint64_t want[5];
		size_t n;
		double shed;
	} cases[] = {
		{ "fifo", { 0, 1, 2, 3, 4 }, 5, 0 },
		{ "lifo", { 0, 4, 3, 2, 1 }, 5, 0 },
		{ "adaptive_lifo, lifo_threshold: 2", { 0, 4, 3, 1, 2 }, 5, 0 },
		{ "adaptive_lifo, lifo_threshold: 3", { 0, 4, 1, 2, 3 }, 5, 0 },
		{ "lifo, max_queue_wait: 15s", { 0, 4 }, 2, 3 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char yaml[600];
		snprintf(yaml, sizeof yaml,
			 "duration: 100s\n"
			 "workloads:\n  u: {arrival: {process: trace, file: %s}, target: q}\n"
			 "nodes:\n  q: {type: service, service: 10s, discipline: %s}\n",
			 path, cases[i].disc);
		struct order o = { { 0 }, 0 };
		struct sim_hooks h = { .demand = order_fn, .arg = &o };
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run_with(set->points[0], 0, &h, &r);
		assert_int_equal(o.n, cases[i].n);
		for (size_t k = 0; k < o.n; k++)
			assert_int_equal(o.v[k], cases[i].want[k]);
		assert_true(simtest_node(set->points[0], &r, 0, 0, "shed") == cases[i].shed);
		rep_result_fini(&r);
		sweep_free(set);
	}
	unlink(path);
	rmdir(dir);
}

/* folly's CoDel on an M/M/1 at 1.5 times its capacity (1 ms of service,
 * 1500/s): first-come first-served, the queue grows without bound and
 * the served wait a mean of seconds; under CoDel (target 5 ms, interval
 * 100 ms) the replica stays busy (at least 99 % of the time: a bound),
 * it sheds what that leaves unserved and no more (within the
 * replications' 99.9 % interval), and the served have waited a mean
 * under 5 targets (25 ms): the bound this tests.  While overloaded a
 * request that waited over 2 targets is shed, so the mean exceeds 2
 * targets only by the intervals CoDel spends learning that the queue is
 * still long. */
static void test_service_codel_bounds_the_wait(void **state)
{
	const char *fmt = "duration: 60s\nseed: 3\n"
			  "workloads:\n  u: {arrival: {process: poisson, rate: 1500/s}, target: q}\n"
			  "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1ms},\n"
			  "      discipline: %s}\n";
	char yaml[400];
	enum { REPS = 5 };
	double wait[REPS], shed[REPS], arr[REPS], util[REPS], excess[REPS];
	snprintf(yaml, sizeof yaml, fmt, "codel");
	simtest_reps(yaml, REPS, { "q.wait_mean_s", wait }, { "q.shed", shed },
		     { "q.arrivals", arr }, { "q.utilization", util });
	for (int i = 0; i < REPS; i++) {
		print_message("    codel: wait %.4f s, shed %.4f of arrivals, utilization %.4f\n",
			      wait[i], shed[i] / arr[i], util[i]);
		assert_true(wait[i] < 5 * 0.005);
		assert_true(util[i] > 0.99);
		/* what it sheds beyond the share its busy replica cannot
		 * serve, 1 - utilization x 1000/s / 1500/s */
		excess[i] = shed[i] / arr[i] - (1 - util[i] * 1000.0 / 1500);
	}
	assert_true(simtest_within("shed beyond what it cannot serve", excess, REPS, 0));
	snprintf(yaml, sizeof yaml, fmt, "fifo");
	simtest_reps(yaml, 1, { "q.wait_mean_s", wait }, { "q.shed", shed });
	print_message("    fifo: wait %.4f s\n", wait[0]);
	assert_true(wait[0] > 1 && shed[0] == 0);
	/* its settings: folly's own check, and the threshold adaptive_lifo
	 * needs */
	struct sim_err err = { 0 };
	struct sweep *set = NULL;
	assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml",
					   "duration: 1s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: q}\n"
					   "nodes:\n  q: {type: service, service: 1ms, discipline: codel,\n"
					   "      codel: {target: 100ms}}\n",
					   NULL, 0, &set, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "nodes.q.codel.interval: must be longer than target"));
	assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml",
					   "duration: 1s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: q}\n"
					   "nodes:\n  q: {type: service, service: 1ms, discipline: adaptive_lifo}\n",
					   NULL, 0, &set, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "adaptive_lifo needs lifo_threshold"));
}

/* Each workload's mean latency in a replication (two workloads). */
static void class_means_fn(void *arg, const struct scenario *sc, uint32_t rep,
			   const struct rep_result *r)
{
	(void)sc;
	double (*m)[64] = arg;
	assert_true(r->nscopes == 3 && rep < 64);
	for (int w = 0; w < 2; w++)
		m[w][rep] = hist_mean(&r->scopes[1 + w].latency) * 1e-9;
}

/* Two classes through an M/M/1 (mu 1) under non-preemptive priority:
 * class 0 at 0.3/s, class 1 at 0.5/s.  Cobham's formula gives each
 * class's mean wait W0 / ((1 - s_(k-1)) (1 - s_k)), with W0 = sum
 * lambda_i E[S_i^2] / 2 = 0.8 and s_k the load of classes 0 .. k:
 * 0.8 / 0.7 and 0.8 / (0.7 x 0.2), so mean sojourns of 15/7 and 47/7.
 * First come, first served, both are 5 (the control). */
static void test_service_priority_cobham(void **state)
{
	enum { REPS = 20 };
	const char *fmt = "duration: 20000s\nwarmup: 200s\nseed: 11\n"
			  "workloads:\n"
			  "  hi: {arrival: {process: poisson, rate: 0.3/s}, target: q, priority: 0}\n"
			  "  lo: {arrival: {process: poisson, rate: 0.5/s}, target: q, priority: 1}\n"
			  "nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s},\n"
			  "      discipline: %s}\n";
	char yaml[600];
	static double m[2][64];
	snprintf(yaml, sizeof yaml, fmt, "priority");
	simtest_each(yaml, REPS, NULL, class_means_fn, m);
	assert_true(near("class 0 mean sojourn", m[0], REPS, 15.0 / 7, HIST_REL_ERR));
	assert_true(near("class 1 mean sojourn", m[1], REPS, 47.0 / 7, HIST_REL_ERR));
	snprintf(yaml, sizeof yaml, fmt, "fifo");
	simtest_each(yaml, REPS, NULL, class_means_fn, m);
	assert_false(near("fifo, class 0 (control)", m[0], REPS, 15.0 / 7, HIST_REL_ERR));
	assert_true(near("fifo, class 0", m[0], REPS, 5, HIST_REL_ERR));
	assert_true(near("fifo, class 1", m[1], REPS, 5, HIST_REL_ERR));
}

/* discipline deadline: an API calls q (one worker, 10 s of work) with a
 * 15 s timeout for requests at 0 .. 4 s.  First come, first served, q
 * serves all five; 1, started at 10 s, is given up at 16 s while in
 * service, and 2, 3 and 4 were given up (at 17, 18 and 19 s) before 2
 * starts at 20 s: four orphans.  Under deadline q drops those three when
 * their turn comes, counted as cancelled; 1 is still an orphan, since
 * its caller was waiting when it started. */
static void test_service_deadline_drops_given_up(void **state)
{
	char dir[] = "/tmp/archsim-deadline-XXXXXX", path[64];
	five_arrivals(dir, path, sizeof path);
	static const struct {
		const char *disc;
		double completed, cancelled, orphans;
	} cases[] = { { "fifo", 5, 0, 4 }, { "deadline", 2, 3, 1 } };
	for (size_t i = 0; i < 2; i++) {
		char yaml[700];
		double done, cancelled, orphans;
		snprintf(yaml, sizeof yaml,
			 "duration: 100s\n"
			 "workloads:\n  u: {arrival: {process: trace, file: %s}, target: api}\n"
			 "nodes:\n  api: {type: service, workers: 100, service: 1ms,\n"
			 "        calls: [{to: q, timeout: 15s}]}\n"
			 "  q: {type: service, service: 10s, discipline: %s}\n",
			 path, cases[i].disc);
		simtest_reps(yaml, 1, { "q.completed", &done }, { "q.cancelled", &cancelled },
			     { "q.orphans_served", &orphans });
		print_message("    %s: completed %g, cancelled %g, orphans %g\n", cases[i].disc,
			      done, cancelled, orphans);
		assert_true(done == cases[i].completed);
		assert_true(cancelled == cases[i].cancelled);
		assert_true(orphans == cases[i].orphans);
	}
	unlink(path);
	rmdir(dir);
	/* one given up before it arrives (50 ms of latency before q, a 10 ms
	 * timeout) is dropped at once, even with a worker free */
	double done, cancelled, orphans, arrivals;
	simtest_reps("duration: 20s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 50/s}, target: api}\n"
		     "nodes:\n  api: {type: service, workers: 1000, service: 1ms,\n"
		     "        calls: [{to: q, timeout: 10ms}]}\n"
		     "  q: {type: service, workers: 100, service: 5ms, discipline: deadline}\n"
		     "timeline:\n  - {at: 0s, node: q, do: latency, add: 50ms}\n",
		     1, { "q.completed", &done }, { "q.cancelled", &cancelled },
		     { "q.orphans_served", &orphans }, { "q.arrivals", &arrivals });
	assert_true(done == 0 && orphans == 0 && cancelled == arrivals && arrivals > 900);
}

/* A replica scaled away stops counting (capacity, the bill) once it has
 * nothing left, whatever the discipline: 4 replicas scaled to 1 at 10 s
 * with a 150 s drain average 1.15 over 200 s under fifo, and the same
 * under lifo, codel, priority and deadline (a drain that held them to
 * its end would give 3.4). */
static void test_service_drained_replica_stops_counting(void **state)
{
	static const char *const disc[] = { "fifo", "lifo", "codel", "priority", "deadline" };
	double first = 0;
	for (size_t i = 0; i < 5; i++) {
		char yaml[600];
		double reps;
		snprintf(yaml, sizeof yaml,
			 "duration: 200s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 600/s}, target: web}\n"
			 "nodes:\n  web: {type: service, replicas: 4, workers: 2, queue: 50,\n"
			 "        service: {dist: exponential, mean: 10ms}, drain: 150s,\n"
			 "        discipline: %s}\n"
			 "timeline:\n  - {at: 10s, node: web, do: scale, replicas: 1}\n", disc[i]);
		simtest_reps(yaml, 1, { "web.replicas_mean", &reps });
		print_message("    %s: replicas_mean %.4f\n", disc[i], reps);
		if (!i)
			first = reps;
		assert_true(reps < 1.2 && fabs(reps - first) < 0.01);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_full_queue_rejects),
		cmocka_unit_test(test_service_speed_divides_service_time),
		cmocka_unit_test(test_service_huge_service_times_saturate),
		cmocka_unit_test(test_service_lifo_mm1_moments),
		cmocka_unit_test(test_service_discipline_order),
		cmocka_unit_test(test_service_codel_bounds_the_wait),
		cmocka_unit_test(test_service_priority_cobham),
		cmocka_unit_test(test_service_deadline_drops_given_up),
		cmocka_unit_test(test_service_drained_replica_stops_counting),
	};
	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
