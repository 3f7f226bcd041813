/*
 * test_service.c - the service kind: finite queues reject, speed divides service
 * times, replicas share the load; the queue disciplines serve in the
 * order their references do, and match queueing theory where it has a
 * closed form.
 */
#include "tests/simtest.h"

#include "models/service.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
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
 * Preemptive-resume, below; first come, first served, both are 5 (the
 * control). */
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
	/* preemptive-resume: class 0 sees an M/M/1 of its own, 1 / 0.7; class
	 * k stays E[S] / (1 - s_(k-1)) + R_k / ((1 - s_(k-1)) (1 - s_k)),
	 * R_k = sum over i <= k of lambda_i E[S_i^2] / 2: 1 / 0.7 + 0.8 /
	 * (0.7 x 0.2) = 50/7 */
	snprintf(yaml, sizeof yaml, fmt, "priority, preemptive: true");
	simtest_each(yaml, REPS, NULL, class_means_fn, m);
	assert_true(near("preemptive, class 0", m[0], REPS, 10.0 / 7, HIST_REL_ERR));
	assert_true(near("preemptive, class 1", m[1], REPS, 50.0 / 7, HIST_REL_ERR));
	assert_false(near("preemptive, class 0 (control)", m[0], REPS, 15.0 / 7, HIST_REL_ERR));
	/* preemptive is kept unused by other disciplines, so that a sweep
	 * can compare them */
	snprintf(yaml, sizeof yaml, fmt, "fifo, preemptive: true");
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
 * under lifo, codel, priority, deadline and ps (a drain that held them to
 * its end would give 3.4). */
static void test_service_drained_replica_stops_counting(void **state)
{
	static const char *const disc[] = { "fifo", "lifo", "codel", "priority", "deadline", "ps" };
	double first = 0;
	for (size_t i = 0; i < 6; i++) {
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

/* Each request's latency, by its workload's priority and issue number. */
struct by_class {
	double t[2][8];
};

static void by_class_fn(void *arg, const struct sim_trace_ev *ev)
{
	struct by_class *o = arg;
	if (ev->what == SIM_TR_DONE && ev->req->issue < 8 && ev->req->prio < 2)
		o->t[ev->req->prio][ev->req->issue] = (double)(ev->t_ns - ev->req->birth_ns) * 1e-9;
}

/* Preemptive-resume, exactly: five requests of class 1 at 0 .. 4 s and
 * one of class 0 every 16 s, 10 s of work each, one worker, 79 s.  The
 * first three of class 1 run 0-10, 10-16 (stopped with 4 s left), 26-30,
 * then 30-32 (8 s left), 42-48 (2 s left), 58-60: latencies 10, 29 and
 * 58; class 0, never kept waiting, 10 each (the fourth ends at 74 s).
 * Without preemption class 0 waits for the one in service: 14, 18 and 12
 * (the fourth would end at 80 s), and class 1's third 38.  wait_mean_s
 * counts the waits after a stop too: of the 8 started, 9 + 28 + 57 s
 * before starting and 4 x 10 s stopped, 134 / 8 (Little's law holds with
 * it); without preemption 9 + 4 + 28 + 8 + 2 + 57 + 6 = 114, over 8. */
static void test_service_priority_preempts_exactly(void **state)
{
	char dir[] = "/tmp/archsim-pr-XXXXXX", path[64];
	five_arrivals(dir, path, sizeof path);
	static const struct {
		const char *disc;
		double lo[3], hi[4], wait;
	} cases[] = {
		{ "priority, preemptive: true", { 10, 29, 58 }, { 10, 10, 10, 10 }, 134.0 / 8 },
		{ "priority", { 10, 19, 38 }, { 14, 18, 12, 0 }, 114.0 / 8 },
	};
	for (size_t i = 0; i < 2; i++) {
		char yaml[700];
		snprintf(yaml, sizeof yaml,
			 "duration: 79s\n"
			 "workloads:\n  lo: {arrival: {process: trace, file: %s}, target: q, priority: 1}\n"
			 "  hi: {arrival: {process: constant, rate: 0.0625/s}, target: q, priority: 0}\n"
			 "nodes:\n  q: {type: service, service: 10s, discipline: %s}\n",
			 path, cases[i].disc);
		struct by_class o;
		memset(&o, 0, sizeof o);
		struct sim_hooks h = { .trace = by_class_fn, .arg = &o };
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run_with(set->points[0], 0, &h, &r);
		print_message("    %s: class 1 %g %g %g, class 0 %g %g %g %g\n", cases[i].disc,
			      o.t[1][0], o.t[1][1], o.t[1][2], o.t[0][0], o.t[0][1], o.t[0][2],
			      o.t[0][3]);
		for (int k = 0; k < 3; k++)
			assert_true(fabs(o.t[1][k] - cases[i].lo[k]) < 1e-9);
		for (int k = 0; k < 4; k++)
			assert_true(fabs(o.t[0][k] - cases[i].hi[k]) < 1e-9);
		double wait = simtest_node(set->points[0], &r, 0, 0, "wait_mean_s");
		print_message("      wait_mean_s %.6f, computed %.6f\n", wait, cases[i].wait);
		assert_true(fabs(wait - cases[i].wait) < 1e-9);
		rep_result_fini(&r);
		sweep_free(set);
	}
	unlink(path);
	rmdir(dir);
}

/* ---- pauses ---------------------------------------------------------------- */

/* Per replication: requests served after warm-up, those a pause delayed,
 * and the delay added to them. */
struct pause_run {
	double n, hit, extra;
	double work;                     /* each request's service time, s */
};

static void pause_trace(void *arg, const struct sim_trace_ev *ev)
{
	struct pause_run *o = arg;
	if (ev->what != SIM_TR_DONE || ev->req->birth_ns < 10000000000LL)
		return;
	double extra = (double)(ev->t_ns - ev->req->birth_ns) * 1e-9 - o->work;
	o->n++;
	if (extra > 1e-9) {
		o->hit++;
		o->extra += extra;
	}
}

/* Pauses of p = 50 ms every T = 1 s on a replica that never queues (100
 * workers, 20 ms of work x each, 50/s): a request is delayed when it
 * starts inside a pause (probability p / T; it waits the pause's rest,
 * p / 2 on average) or a pause starts while it is served (x / T; it
 * waits p).  So (p + x) / T = 7 % are delayed, by (p^2 / 2 + x p) / (p +
 * x) = 32.1 ms on average.  With exponential lengths of mean p the share
 * is the same, and the delay (E[p^2] / 2 + x p) / (p + x) = (2.5e-3 +
 * 1e-3) / 0.07 = 50 ms: each case is the other's control. */
static void test_service_pauses_geometry(void **state)
{
	enum { REPS = 12 };
	static const struct {
		const char *pauses;
		double share, delay;
	} cases[] = {
		{ "{every: 1s, duration: 50ms}", 0.07, 0.0025 / 2 / 0.07 + 0.001 / 0.07 },
		{ "{every: 1s, duration: {dist: exponential, mean: 50ms}}", 0.07, 0.0035 / 0.07 },
	};
	for (size_t i = 0; i < 2; i++) {
		char yaml[600];
		snprintf(yaml, sizeof yaml,
			 "duration: 2000s\nwarmup: 10s\nseed: 3\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 50/s}, target: q}\n"
			 "nodes:\n  q: {type: service, workers: 100, service: 20ms, pauses: %s}\n",
			 cases[i].pauses);
		struct sweep *set = simtest_load(yaml);
		double share[REPS], delay[REPS];
		for (uint32_t rep = 0; rep < REPS; rep++) {
			struct pause_run o = { 0, 0, 0, 0.02 };
			struct sim_hooks h = { .trace = pause_trace, .arg = &o };
			struct rep_result r;
			simtest_run_with(set->points[0], rep, &h, &r);
			share[rep] = o.hit / o.n;
			delay[rep] = o.extra / o.hit;
			rep_result_fini(&r);
		}
		sweep_free(set);
		print_message("  pauses %s\n", cases[i].pauses);
		assert_true(near("share delayed", share, REPS, cases[i].share, 0));
		assert_true(near("mean delay of those", delay, REPS, cases[i].delay, 0));
		assert_false(near("(control: the other's delay)", delay, REPS, cases[1 - i].delay, 0));
	}
}

/* Which requests a pause delayed, by issue number. */
struct delayed {
	uint8_t v[20000];
};

static void delayed_fn(void *arg, const struct sim_trace_ev *ev)
{
	struct delayed *o = arg;
	if (ev->what == SIM_TR_DONE && ev->req->issue < 20000)
		o->v[ev->req->issue] = ev->t_ns - ev->req->birth_ns > 100000;
}

/* Two replicas in turn (1000/s, 0.1 ms of work), pauses of 50 ms every
 * second: each pause delays its replica's 25 requests or so, 950 in 19 s.
 * Synchronized, a request a pause delayed is followed by one the same
 * pause delayed at the other replica (but at a pause's end: about 1 in
 * 25); each on its own phase, the two replicas' pauses overlap only if
 * their phases fall within 50 ms of each other (a 1 in 10 chance, and
 * then for good: the gaps are constant; not at this seed). */
static void test_service_pauses_synchronized(void **state)
{
	static struct delayed o;
	for (int sync = 0; sync < 2; sync++) {
		char yaml[600];
		snprintf(yaml, sizeof yaml,
			 "duration: 20s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1000/s}, target: q}\n"
			 "nodes:\n  q: {type: service, replicas: 2, service: 0.1ms,\n"
			 "      pauses: {every: 1s, duration: 50ms, synchronized: %s}}\n",
			 sync ? "true" : "false");
		memset(&o, 0, sizeof o);
		struct sim_hooks h = { .trace = delayed_fn, .arg = &o };
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run_with(set->points[0], 0, &h, &r);
		double hit = 0, both = 0;
		for (int i = 0; i + 1 < 19000; i++) {
			hit += o.v[i];
			both += o.v[i] && o.v[i + 1];
		}
		print_message("    synchronized %d: %g delayed, next one too %.3f\n", sync, hit,
			      both / hit);
		assert_true(hit > 900 && hit < 1100);
		assert_true(sync ? both / hit > 0.9 : both / hit < 0.2);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* ---- processor sharing ---------------------------------------------------- */

/* Arrivals at 0, 1, 2, 3 and 4 s, 10 s of work each, one worker shared:
 * by 4 s the set's virtual time is 1 + 1/2 + 1/3 + 1/4 = 25/12, so the
 * first leaves when five sharing have added 10 - 25/12 more, at 4 + 5 x
 * 95/12 = 43.583 s, and the others after it at 47.583 (1 more each, four
 * sharing), 49.083, 49.75 and 50 s: the worker never idles, 50 s of work
 * end at 50 s.  Latencies run from 43.583 s (the first) to 47.083 s (the
 * one of 2 s).  After a crash at 20 s none is served. */
static void test_service_ps_shares_exactly(void **state)
{
	char dir[] = "/tmp/archsim-ps-XXXXXX", path[64];
	five_arrivals(dir, path, sizeof path);
	char yaml[600];
	snprintf(yaml, sizeof yaml,
		 "duration: 100s\n"
		 "workloads:\n  u: {arrival: {process: trace, file: %s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: 10s, discipline: ps}\n", path);
	double lo, hi, ok, util, queued;
	simtest_reps(yaml, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi },
		     { "@ok", &ok }, { "q.utilization", &util }, { "q.queue_len_mean", &queued });
	print_message("    latencies %.0f .. %.0f ns, utilization %g, queue %g\n", lo, hi, util,
		      queued);
	assert_true(ok == 5);
	assert_true(fabs(lo - 43583333333.3) <= 2 && fabs(hi - 47083333333.3) <= 2);
	/* busy 50 of 100 s; beyond the one worker, 0+1+2+3 from 1..4 s, then
	 * 4, 3, 2, 1 until 43.583, 47.583, 49.083, 49.75 s: 192.92 s / 100 s */
	assert_true(fabs(util - 0.5) < 1e-9);
	double want = (1 + 2 + 3 + 4 * (43.5833333333 - 4) + 3 * 4 + 2 * 1.5 + 1 * (2.0 / 3)) / 100;
	assert_true(fabs(queued - want) < 1e-6);
	/* a request waiting on its calls holds no worker, and the share of
	 * calling is of the time requests are held: each is held 10 s, 1 s
	 * served alone and 9 s waiting on back, as first come first served
	 * (where the worker is held while calling) */
	double share[2], used[2];
	for (int i = 0; i < 2; i++) {
		char y[600];
		snprintf(y, sizeof y,
			 "duration: 100s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 0.5/s}, target: front}\n"
			 "nodes:\n  front: {type: service, workers: 2, queue: 0, service: 1s,\n"
			 "      discipline: %s, calls: [{to: back}]}\n"
			 "  back: {type: service, workers: 100, service: 9s}\n", i ? "fifo" : "ps");
		simtest_reps(y, 1, { "front.call_wait_share", &share[i] },
			     { "front.utilization", &used[i] });
	}
	print_message("    call_wait_share %.6f (fifo %.6f), utilization %.4f (fifo %.4f)\n",
		      share[0], share[1], used[0], used[1]);
	assert_true(fabs(share[0] - share[1]) < 1e-12 && share[0] > 0.85 && share[0] < 0.9);
	/* the workers' use is the served second alone: a tenth of fifo's */
	assert_true(fabs(used[0] - used[1] * (1 - share[1])) < 1e-9);
	/* at 2 s the three present share the worker; a crash then fails them
	 * all, and the two that come after are served alone */
	snprintf(yaml, sizeof yaml,
		 "duration: 100s\n"
		 "workloads:\n  u: {arrival: {process: trace, file: %s}, target: q}\n"
		 "nodes:\n  q: {type: service, service: 10s, discipline: ps}\n"
		 "timeline:\n  - {at: 2.5s, node: q, do: crash}\n"
		 "  - {at: 2.75s, node: q, do: recover}\n", path);
	double failed;
	simtest_reps(yaml, 1, { "q.failed", &failed }, { "@ok", &ok },
		     { "@latency_min_ns", &lo });
	assert_true(failed == 3 && ok == 2);
	/* 3 s and 4 s: 1 s alone, then two sharing: the first leaves at 3 +
	 * 1 + 2 x 9 = 22 s, 19 s after it came */
	assert_true(fabs(lo - 19e9) <= 2);
	unlink(path);
	rmdir(dir);
}

/* What a run of an M/G/1 under ps gives, per replication: each request's
 * demand (by issue number) and, for the bins of demand below, the sums
 * of sojourns and of demands of the requests issued after warm-up. */
enum { PS_BINS = 3, PS_MAXREQ = 40000 };
static const double ps_edges[PS_BINS + 1] = { 0, 0.5, 1.5, INFINITY };

struct ps_run {
	double x[PS_MAXREQ];
	double t_sum[PS_BINS], x_sum[PS_BINS];
};

static void ps_trace(void *arg, const struct sim_trace_ev *ev)
{
	struct ps_run *o = arg;
	uint64_t i = ev->req->issue;
	if (i >= PS_MAXREQ)
		return;
	if (ev->what == SIM_TR_SERVICE) {
		o->x[i] = (double)ev->demand_ns * 1e-9;
	} else if (ev->what == SIM_TR_DONE && ev->req->birth_ns >= 200000000000LL) {
		double t = (double)(ev->t_ns - ev->req->birth_ns) * 1e-9;
		for (int b = 0; b < PS_BINS; b++)
			if (o->x[i] >= ps_edges[b] && o->x[i] < ps_edges[b + 1]) {
				o->t_sum[b] += t;
				o->x_sum[b] += o->x[i];
			}
	}
}

/* An M/M/1 at rho 0.5 under ps: a request of demand x stays x / (1 -
 * rho) = 2x on average, whatever x (the sojourn over the demand, per bin
 * of demand: short, middling, long); the mean sojourn is FIFO's, 2.
 * With constant demands of 1 s the mean is 2 as well, where FIFO's is
 * the M/D/1's 1.5 (the control); with two workers and exponential
 * demands the number present moves as in an M/M/2, so the mean sojourn
 * is the M/M/2's: at 1.2/s, 1 + C / (2 - 1.2) with Erlang's C = 0.45,
 * 1.5625 (one worker twice as fast, the control, gives 1 / (2 - 1.2) =
 * 1.25). */
static void test_service_ps_mg1(void **state)
{
	enum { REPS = 16 };
	static double ratio[PS_BINS][REPS], mean[REPS];
	static struct ps_run run;
	for (uint32_t rep = 0; rep < REPS; rep++) {
		struct sweep *set = simtest_load(
			"duration: 15000s\nwarmup: 200s\nseed: 5\n"
			"workloads:\n  u: {arrival: {process: poisson, rate: 0.5/s}, target: q}\n"
			"nodes:\n  q: {type: service, service: {dist: exponential, mean: 1s},\n"
			"      discipline: ps}\n");
		memset(&run, 0, sizeof run);
		struct sim_hooks h = { .trace = ps_trace, .arg = &run };
		struct rep_result r;
		simtest_run_with(set->points[0], rep, &h, &r);
		double t = 0, x = 0;
		for (int b = 0; b < PS_BINS; b++) {
			ratio[b][rep] = run.t_sum[b] / run.x_sum[b];
			t += run.t_sum[b];
			x += run.x_sum[b];
		}
		mean[rep] = hist_mean(&r.scopes[0].latency) * 1e-9;
		rep_result_fini(&r);
		sweep_free(set);
	}
	assert_true(near("sojourn / demand, demand < 0.5", ratio[0], REPS, 2, 0));
	assert_true(near("sojourn / demand, 0.5 .. 1.5", ratio[1], REPS, 2, 0));
	assert_true(near("sojourn / demand, demand > 1.5", ratio[2], REPS, 2, 0));
	assert_true(near("mean sojourn", mean, REPS, 2, HIST_REL_ERR));

	static const struct {
		const char *node;
		double want, other;
	} cases[] = {
		{ "{type: service, service: 1s, discipline: ps}", 2, 1.5 },
		{ "{type: service, service: 1s}", 1.5, 2 },
		{ "{type: service, workers: 2, service: {dist: exponential, mean: 1s}, discipline: ps}",
		  1.5625, 1.25 },
	};
	static const char *const rate[] = { "0.5/s", "0.5/s", "1.2/s" };
	for (size_t i = 0; i < 3; i++) {
		char yaml[600];
		snprintf(yaml, sizeof yaml,
			 "duration: 15000s\nwarmup: 200s\nseed: 9\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: %s}, target: q}\n"
			 "nodes:\n  q: %s\n", rate[i], cases[i].node);
		struct moments m;
		simtest_each(yaml, REPS, NULL, moments_fn, &m);
		print_message("  %s\n", cases[i].node);
		assert_true(near("mean sojourn", m.t1, REPS, cases[i].want, HIST_REL_ERR));
		assert_false(near("(control)", m.t1, REPS, cases[i].other, HIST_REL_ERR));
	}
}

/* A rollout as a Deployment's RollingUpdate: 4 replicas, the new ones up
 * 10 s after they start, from 10 s into a 100 s run.  max_unavailable 1,
 * no surge: one old replica drains and a new one starts, four times over,
 * so 3 take requests for 40 s and 4 exist all along (ready on average
 * 4 - 40 / 100).  Surge 1, none unavailable: a fifth starts first, and
 * an old one goes only when it is up; 4 take requests all along and 5
 * exist for 40 s.  Kubernetes' defaults (25 % each: 1 and 1) start two
 * new at a time with one missing: 20 s.  No rollout (the control): 4. */
static void test_service_rollout_bounds(void **state)
{
	static const struct {
		const char *keys;
		int replicas;
		double ready_min, ready_mean, exist, took;
	} cases[] = {
		{ ", startup: 10s, max_surge: 0, max_unavailable: 1", 4, 3, 3.6, 4, 40 },
		{ ", startup: 10s, max_surge: 1, max_unavailable: 0", 4, 4, 4, 4.4, 40 },
		{ ", startup: 10s", 4, 3, 3.8, 4.2, 20 },
		/* 6: 25 % is 2 of surge (rounded up) and 1 unavailable (down):
		 * 2 + 1 start as one goes, then 3 more as 3 go, 10 s each */
		{ ", startup: 10s", 6, 5, 5.8, 6.4, 20 },
		/* up at once: replaced in an instant, and no more than 4 after;
		 * with 5 up the controller lets 2 old ones go at once (5 less
		 * the 3 that must stay), as Kubernetes' maxScaledDown does, so
		 * 3 take requests for no time at all */
		{ ", startup: 0s", 4, 3, 4, 4, 0 },
		/* up after 10 s, taking requests after 5 s more: the rollout
		 * counts one up as available (a Ready pod) and lets an old one
		 * go, so 2 take requests while a new one registers (5 s of
		 * each 10 from 20 s to 45 s); a new one starts every 10 s, the
		 * last taking requests at 55 s */
		{ ", startup: 10s, max_surge: 0, max_unavailable: 1", 4, 2, 3.4, 4, 45 },
		{ NULL, 4, 4, 4, 4, NAN },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char yaml[1000];
		snprintf(yaml, sizeof yaml,
			 "duration: 100s\nwarmup: 0s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
			 "nodes:\n  lb: {type: balancer, backends: web}\n"
			 "  web: {type: service, replicas: %d, service: 1ms%s}\n"
			 "%s%s%s",
			 cases[i].replicas, i == 5 ? ", registration_delay: 5s" : "",
			 cases[i].keys ? "timeline:\n  - {at: 10s, node: web, do: rollout" : "",
			 cases[i].keys ? cases[i].keys : "", cases[i].keys ? "}\n" : "");
		double lo, mean, exist, took, n, ok;
		simtest_reps(yaml, 1, { "web.replicas_ready_min", &lo },
			     { "web.replicas_ready_mean", &mean }, { "web.replicas_mean", &exist },
			     { "web.rollout_mean_s", &took }, { "web.rollouts", &n }, { "@ok", &ok });
		print_message("    %d replicas, rollout%s: ready %g at least, %g on average; %g exist; %g rollout of %g s\n",
			      cases[i].replicas, cases[i].keys ? cases[i].keys : " (none)", lo, mean, exist, n, took);
		assert_true(lo == cases[i].ready_min);
		assert_true(fabs(mean - cases[i].ready_mean) < 1e-9);
		assert_true(fabs(exist - cases[i].exist) < 1e-9);
		assert_true(n == (cases[i].keys != NULL));
		assert_true(cases[i].keys ? fabs(took - cases[i].took) < 1e-9 : isnan(took));
		assert_true(ok == 9999);         /* nothing lost: they drain at once */
	}
}

/* The new version's own service time: with every replica replaced at
 * once (max_unavailable 100 %), nothing takes requests from 10 s until
 * the new ones are up at 20 s; before, requests take 1 ms, after, the new
 * 3 ms.  A second rollout at 12 s waits for the first, then replaces the
 * 3 ms version by a 2 ms one (speed 1.5) from 20 s to 30 s.  Then old and
 * new side by side, and two rollouts with no start-up. */
static void test_service_rollout_version(void **state)
{
	double lo, hi, ok, failed, n;
	const char *yaml =
		"duration: 100s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
		"nodes:\n  lb: {type: balancer, backends: web}\n"
		"  web: {type: service, replicas: 4, service: 1ms}\n"
		"timeline:\n"
		"  - {at: 10s, node: web, do: rollout, max_unavailable: 100%, startup: 10s, service: 3ms}\n";
	simtest_reps(yaml, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi }, { "@ok", &ok },
		     { "@no_backend", &failed }, { "web.rollouts", &n });
	print_message("    recreate: %g served (%g .. %g ms), %g failed\n", ok, lo * 1e-6, hi * 1e-6,
		      failed);
	/* 0.01 .. 9.99 s at 1 ms; 20.00 .. 99.99 s at 3 ms; 10.00 .. 19.99 s
	 * find no replica */
	assert_true(fabs(lo - 1e6) < 1 && fabs(hi - 3e6) < 1);
	assert_true(ok == 999 + 8000 && failed == 1000 && n == 1);
	char two[1200];
	snprintf(two, sizeof two, "%s%s", yaml,
		 "  - {at: 12s, node: web, do: rollout, max_unavailable: 100%, startup: 10s, speed: 1.5}\n");
	double mean;
	simtest_reps(two, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi }, { "@ok", &ok },
		     { "web.rollouts", &n }, { "@latency_mean_s", &mean });
	print_message("    and again: %g served (%g .. %g ms), mean %.6f ms, %g rollouts\n", ok,
		      lo * 1e-6, hi * 1e-6, mean * 1e3, n);
	/* 999 at 1 ms, none from 10 to 30 s, then 7000 at 2 ms */
	assert_true(ok == 999 + 7000 && n == 2);
	assert_true(fabs(lo - 1e6) < 1 && fabs(hi - 2e6) < 1);
	assert_true(fabs(mean - (999 * 1e-3 + 7000 * 2e-3) / 7999) < 1e-12);
	/* old and new side by side: 2 replicas, one at a time, from 10 s.
	 * The old one left serves alone until the first new one is up at
	 * 20 s; the new one then serves alone (the other old one goes)
	 * until the second is up at 30 s.  So requests of 0 .. 20 s take
	 * 1 ms and the rest 3 ms: the slot the new version is counted in
	 * changes nothing that is served */
	simtest_reps("duration: 100s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
		     "nodes:\n  lb: {type: balancer, backends: web}\n"
		     "  web: {type: service, replicas: 2, service: 1ms}\n"
		     "timeline:\n  - {at: 10s, node: web, do: rollout, max_surge: 0, max_unavailable: 1,"
		     " startup: 10s, service: 3ms}\n",
		     1, { "@ok", &ok }, { "@latency_mean_s", &mean }, { "web.rollout_mean_s", &n });
	print_message("    side by side: %g served, mean %.6f ms, %g s\n", ok, mean * 1e3, n);
	assert_true(ok == 9999 && n == 20);
	assert_true(fabs(mean - (1999 * 1e-3 + 8000 * 3e-3) / 9999) < 1e-12);
	/* two rollouts at once with no start-up: the second waits for the
	 * first, which is over at once, and 4 replicas remain */
	double exist;
	simtest_reps("duration: 100s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
		     "nodes:\n  lb: {type: balancer, backends: web}\n"
		     "  web: {type: service, replicas: 4, service: 1ms}\n"
		     "timeline:\n  - {at: 10s, node: web, do: rollout, service: 2ms}\n"
		     "  - {at: 10s, node: web, do: rollout, service: 3ms}\n",
		     1, { "@latency_max_ns", &hi }, { "web.replicas_mean", &exist }, { "web.rollouts", &n });
	print_message("    two at once: %g rollouts, %g replicas, up to %g ms\n", n, exist, hi * 1e-6);
	assert_true(n == 2 && exist == 4 && fabs(hi - 3e6) < 1);
}

/* Canary steps, as Argo Rollouts' basic canary (no traffic routing)
 * splits the replicas: at 20 % of 10, 2 new and 8 old; at 25 %, where 2.5
 * rounds either way, 3 new among 11 (27.3 %, the nearest of 3 of 10, 3
 * of 11 and 2 of 11 with a surge allowed), 8 old.  A round robin
 * balancer gives each replica its share.  Measured from 25 s to 91 s
 * (6,600 requests, whole rounds of 10 and of 11), while the first step
 * (reached at 20 s, when the new replicas are up) holds: requests of 3 ms
 * against 1 ms, means of 1.4 ms and 17 / 11 ms exactly.
 * Then the whole rollout with the defaults (max_surge 3, max_unavailable
 * 2): 10 s to reach the step, 30 s held, and 20 s in two waves for the
 * rest. */
static void test_service_rollout_canary(void **state)
{
	static const struct { int weight; double mean, ready; } cases[] = {
		{ 20, 1.4e-3, 10 }, { 25, 17e-3 / 11, 11 },
	};
	for (size_t i = 0; i < 2; i++) {
		char yaml[1000];
		snprintf(yaml, sizeof yaml,
			 "duration: 66s\nwarmup: 25s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
			 "nodes:\n  lb: {type: balancer, backends: web}\n"
			 "  web: {type: service, replicas: 10, service: 1ms}\n"
			 "timeline:\n  - {at: 10s, node: web, do: rollout, startup: 10s, service: 3ms,"
			 " canary: [{weight: %d, pause: 1000s}]}\n",
			 cases[i].weight);
		double mean, ok, lo;
		simtest_reps(yaml, 1, { "@latency_mean_s", &mean }, { "@ok", &ok },
			     { "web.replicas_ready_min", &lo });
		print_message("    canary at %d %%: %g served, mean %.6f ms, at least %g ready\n",
			      cases[i].weight, ok, mean * 1e3, lo);
		assert_true(ok == 6600 && lo == cases[i].ready);
		assert_true(fabs(mean - cases[i].mean) < 1e-12);
	}
	double took, n;
	simtest_reps("duration: 200s\nwarmup: 0s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
		     "nodes:\n  lb: {type: balancer, backends: web}\n"
		     "  web: {type: service, replicas: 10, service: 1ms}\n"
		     "timeline:\n  - {at: 10s, node: web, do: rollout, startup: 10s, service: 3ms,"
		     " canary: [{weight: 20%, pause: 30s}]}\n",
		     1, { "web.rollout_mean_s", &took }, { "web.rollouts", &n });
	print_message("    the whole rollout: %g s (%g)\n", took, n);
	assert_true(n == 1 && fabs(took - 60) < 1e-9);
}

/* ---- the plain path ------------------------------------------------------ */

static const char *plain_yaml =
	"name: plain\nseed: 23\nduration: 40s\nwarmup: 5s\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 300/s}, target: front}\n"
	"  v: {arrival: {process: poisson, rate: 150/s}, target: leaf}\n"
	"  b: {arrival: {process: poisson, rate: 60/s}, target: lb}\n"
	"  c: {arrival: {process: closed, users: 8, think: {dist: exponential, mean: 100ms}},\n"
	"      target: leaf}\n"
	"  k: {arrival: {process: constant, rate: 100/s}, target: tick}\n"
	"  a: {arrival: {process: poisson, rate: 400/s}, target: auto}\n"
	"nodes:\n"
	"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, timeout: 20ms, cancel: true}]}\n"
	"  lb: {type: balancer, policy: least_request, backends: leaf}\n"
	"  leaf: {type: service, replicas: 3, workers: 2, queue: 6,\n"
	"         service: {dist: exponential, mean: 11ms}, next: [{to: tail, p: 0.4}]}\n"
	"  tail: {type: service, service: {dist: lognormal, mean: 4ms, cv: 0.7}}\n"
	"  tick: {type: service, service: {dist: constant, value: 10ms}, next: [{to: tail, p: 0.5}]}\n"
	"  auto: {type: service, replicas: 2, service: {dist: exponential, mean: 4ms},\n"
	"         autoscale: {max_replicas: 6, target: 0.5}}\n"
	"%s";

/* A service with none of the features its arrival and end test for
 * takes the plain path (service_plain); a timeline entry on it, even one
 * that changes nothing, sends it down the general one.  Both measure the
 * same to the bit: arrivals given up by a caller (cancel), queues full,
 * replicas, a balancer's picks, routing on by `next`, ties at one
 * nanosecond (constant times), a closed loop, another node's periodic
 * calls (its autoscaler), replies to a client, a balancer or a call
 * (front's, with a timeout) handed over at once.  A slow factor just off
 * 1 changes the digest: the comparison can fail. */
static void test_service_plain_path_measures_as_the_general(void **state)
{
	(void)state;
	static const char *timelines[] = {
		"",
		"timeline:\n  - {at: 0s, node: leaf, do: slow, factor: 1, for: 1s}\n"
		"  - {at: 0s, node: tail, do: slow, factor: 1, for: 1s}\n"
		"  - {at: 0s, node: tick, do: slow, factor: 1, for: 1s}\n",
		"timeline:\n  - {at: 0s, node: leaf, do: slow, factor: 1.001, for: 1s}\n",
	};
	uint64_t d[3];
	double dropped[2], rejected, routed, events[2][2];
	for (int i = 0; i < 3; i++) {
		char yaml[4096];
		snprintf(yaml, sizeof yaml, plain_yaml, timelines[i]);
		struct sweep *set = simtest_load(yaml);
		const struct scenario *sc = set->points[0];
		/* which nodes run the plain path: those without an entry */
		assert_int_equal(service_plain(sc, simtest_node_index(sc, "leaf")), i == 0);
		assert_int_equal(service_plain(sc, simtest_node_index(sc, "tail")), i != 1);
		assert_int_equal(service_plain(sc, simtest_node_index(sc, "tick")), i != 1);
		assert_false(service_plain(sc, simtest_node_index(sc, "front")));
		assert_false(service_plain(sc, simtest_node_index(sc, "auto")));
		assert_false(service_plain(sc, simtest_node_index(sc, "lb")));
		sweep_free(set);
		d[i] = simtest_digest(yaml, 2);
		if (i < 2)
			simtest_reps(yaml, 2, { "@events", events[i] });
	}
	char yaml[4096];
	snprintf(yaml, sizeof yaml, plain_yaml, "");
	simtest_reps(yaml, 1, { "leaf.cancelled", &dropped[0] }, { "tail.cancelled", &dropped[1] },
		     { "leaf.rejected", &rejected }, { "tail.arrivals", &routed });
	print_message("    given up and dropped: %g at leaf, %g at tail; %g rejected, %g routed on; "
		      "digests %016llx %016llx %016llx\n",
		      dropped[0], dropped[1], rejected, routed, (unsigned long long)d[0],
		      (unsigned long long)d[1], (unsigned long long)d[2]);
	assert_true(dropped[0] > 0 && dropped[1] > 0 && rejected > 0 && routed > 0);
	assert_true(d[0] == d[1]);
	/* the replies the plain path hands over at once (sim_finish_last)
	 * count as the events they were: the general run has just its three
	 * timeline entries' starts and ends more */
	for (int rep = 0; rep < 2; rep++)
		assert_true(events[1][rep] == events[0][rep] + 6);
	assert_true(d[2] != d[0]);
}

/* Where a worker passes at once from one request to the next, the first
 * come first served paths (the plain one and the general one) bring its
 * busy average up to the instant (twa_touch) rather than taking one from
 * it and adding one back, as the ordered disciplines still do.  These
 * agree to the bit only if the touch rounds as the two steps would: past
 * 2^53 ns of area (a replica busy for 104 days) an area left behind until
 * the next change rounds otherwise.  Three years of two replicas at 0.9
 * of 11.6-day services, on the plain path, on the general one (a slow
 * factor of 1), and under `priority` with one class (the same order,
 * the two steps); a factor just off 1 changes the digest. */
static void test_service_passing_worker_rounds_as_two_steps_on_long_runs(void **state)
{
	(void)state;
	static const char *variants[] = {
		"",
		", discipline: priority",
		"}\ntimeline:\n  - {at: 0s, node: q, do: slow, factor: 1, for: 1s",
		"}\ntimeline:\n  - {at: 0s, node: q, do: slow, factor: 1.001, for: 100000000s",
	};
	uint64_t d[4];
	for (int i = 0; i < 4; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "name: long\nseed: 5\nduration: 100000000s\n"
			 "workloads:\n"
			 "  u: {arrival: {process: poisson, rate: 0.0000018/s}, target: q}\n"
			 "nodes:\n"
			 "  q: {type: service, replicas: 2, service: {dist: exponential, mean: 1000000s}%s}\n",
			 variants[i]);
		d[i] = simtest_digest(yaml, 2);
	}
	print_message("    digests %016llx %016llx %016llx %016llx\n", (unsigned long long)d[0],
		      (unsigned long long)d[1], (unsigned long long)d[2], (unsigned long long)d[3]);
	assert_true(d[0] == d[1]);
	assert_true(d[0] == d[2]);
	assert_true(d[3] != d[0]);
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
		cmocka_unit_test(test_service_priority_preempts_exactly),
		cmocka_unit_test(test_service_deadline_drops_given_up),
		cmocka_unit_test(test_service_drained_replica_stops_counting),
		cmocka_unit_test(test_service_pauses_geometry),
		cmocka_unit_test(test_service_pauses_synchronized),
		cmocka_unit_test(test_service_ps_shares_exactly),
		cmocka_unit_test(test_service_ps_mg1),
		cmocka_unit_test(test_service_rollout_bounds),
		cmocka_unit_test(test_service_rollout_version),
		cmocka_unit_test(test_service_rollout_canary),
		cmocka_unit_test(test_service_plain_path_measures_as_the_general),
		cmocka_unit_test(test_service_passing_worker_rounds_as_two_steps_on_long_runs),
	};
	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
