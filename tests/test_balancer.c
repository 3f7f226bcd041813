/*
 * test_balancer.c - the balancer kind: each policy's choices (Envoy's
 * least_request against its schedule and its sampling), layer 4,
 * health checks, outlier ejection, hashing's spread and moved keys, and
 * the paired comparison of policies.
 *
 * Choices are observed through the engine's demand hook: it reports each
 * request's node and replica when its service starts.  With plenty of
 * workers service starts on arrival, so the hook sees the balancer's
 * picks in order, and each request's end time (start + demand), from
 * which a test can rebuild the backends' outstanding counts.
 */
#include "tests/simtest.h"

#include <math.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>

#include "app/report.h"
#include "app/runner.h"
#include "app/lang.h"
#include "sim/sweep.h"
#include "sim/sim.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define MAXLOG 200000
#define Z999 3.2905       /* two-sided 99.9 % normal quantile */

struct pick {
	uint32_t node, unit;
	int64_t start, end;
};

struct log {
	struct pick p[MAXLOG];
	size_t n;
	int64_t now;
};

static struct log lg;

static void on_demand(void *arg, const struct request *req, uint32_t node,
		      uint32_t unit, int64_t demand_ns)
{
	struct log *l = arg;
	if (l->n < MAXLOG)
		l->p[l->n++] = (struct pick){ node, unit, req->node_arrival_ns,
					      req->node_arrival_ns + demand_ns };
}

/* run_logged runs replication 0 of the first point, logging the picks. */
static struct sweep *run_logged(const char *yaml, struct rep_result *r)
{
	struct sweep *set = simtest_load(yaml);
	struct sim_hooks h = { .demand = on_demand, .arg = &lg };
	struct sim_err err = { 0 };
	lg.n = 0;
	assert_int_equal(rep_result_init(r, set->points[0]), 0);
	if (sim_run(set->points[0], 0, r, &h, &err))
		fail_msg("run: %s", err.msg);
	return set;
}

/* The picks of nginx's smooth weighted round robin, from its own
 * description (weights 5, 1, 1: a a b a c a a) and worked by hand. */
static void test_balancer_smooth_weighted_round_robin(void **state)
{
	static const struct {
		const char *weights;
		const char *seq;
	} cases[] = {
		{ "[5, 1, 1]", "aabacaa" },
		{ "[4, 2, 1]", "abacaba" },
		{ "[1, 1, 1]", "abc" },
		{ "[2, 1, 1]", "abca" },
		{ "[1, 2, 3]", "cbacbc" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 30s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: weighted_round_robin, backends: [a, b, c], weights: %s}\n"
			 "  a: {type: service, service: 10ms}\n"
			 "  b: {type: service, service: 10ms}\n"
			 "  c: {type: service, service: 10ms}\n",
			 cases[k].weights);
		struct rep_result r;
		struct sweep *set = run_logged(yaml, &r);
		size_t period = strlen(cases[k].seq);
		assert_true(lg.n >= 2 * period);
		for (size_t i = 0; i < lg.n; i++) {
			char got = (char)('a' + lg.p[i].node - 1);
			if (got != cases[k].seq[i % period])
				fail_msg("weights %s: pick %zu is %c, nginx gives %c", cases[k].weights,
					 i, got, cases[k].seq[i % period]);
		}
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* out_at counts into out[64] the requests out when logged pick i was
 * made, by backend: the replica (unit) of one service, or with by_node
 * the node less one; among the window picks before it. */
static void out_at(size_t i, size_t window, int by_node, uint64_t out[64])
{
	memset(out, 0, 64 * sizeof *out);
	for (size_t j = i >= window ? i - window : 0; j < i; j++) {
		uint32_t k = by_node ? lg.p[j].node - 1 : lg.p[j].unit;
		if (lg.p[j].end > lg.p[i].start && k < 64)
			out[k]++;
	}
}

/* outstanding_ok checks, for every logged pick, that no other backend of
 * the n had fewer requests outstanding at that moment. */
static int outstanding_ok(size_t n, size_t *violations)
{
	*violations = 0;
	for (size_t i = 0; i < lg.n; i++) {
		uint64_t out[64];
		out_at(i, 2000, 0, out);
		for (uint32_t b = 0; b < n; b++)
			if (out[b] < out[lg.p[i].unit])
				++*violations;
	}
	return *violations == 0;
}

/* weighted_ok checks, for every logged pick among nodes 1..n (weights
 * w), that no other backend had fewer requests out over its weight:
 * out_b / w_b < out_pick / w_pick, compared as products. */
static int weighted_ok(size_t n, const uint32_t *w, size_t *violations)
{
	*violations = 0;
	for (size_t i = 0; i < lg.n; i++) {
		uint64_t out[64];
		out_at(i, 2000, 1, out);
		uint32_t p = lg.p[i].node - 1;
		for (uint32_t b = 0; b < n; b++)
			if (out[b] * w[p] < out[p] * w[b])
				++*violations;
	}
	return *violations == 0;
}

static const char *lc_yaml(const char *policy, int backends, double rate)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
		 "duration: 200s\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: %g/s}, target: lb}\n"
		 "nodes:\n"
		 "  lb: {type: balancer, policy: %s, backends: web}\n"
		 "  web: {type: service, replicas: %d, workers: 1000, service: {dist: exponential, mean: 1s}}\n",
		 rate, policy, backends);
	return buf;
}

/* least_connections never picks a backend with more requests out than
 * another; nor does p2c over two backends, since it samples both (never
 * one twice).  Random, the control, does. */
static void test_balancer_least_loaded_invariant(void **state)
{
	size_t v;
	struct rep_result r;
	struct sweep *set = run_logged(lc_yaml("least_connections", 5, 4), &r);
	assert_true(lg.n > 500);
	assert_true(outstanding_ok(5, &v));
	rep_result_fini(&r);
	sweep_free(set);

	set = run_logged(lc_yaml("p2c", 2, 1.6), &r);
	assert_true(outstanding_ok(2, &v));
	rep_result_fini(&r);
	sweep_free(set);

	/* 60 backends: four levels of least_connections' 4-ary heap */
	set = run_logged(lc_yaml("least_connections", 60, 40), &r);
	assert_true(lg.n > 5000);
	assert_true(outstanding_ok(60, &v));
	rep_result_fini(&r);
	sweep_free(set);

	set = run_logged(lc_yaml("random", 5, 4), &r);
	assert_false(outstanding_ok(5, &v));
	print_message("    random breaks it %zu times in %zu picks\n", v, lg.n);
	rep_result_fini(&r);
	sweep_free(set);
}

/* even_share is each backend's part of the requests split evenly among
 * the backends up at the time.  Constant arrivals over 4 replicas scaled
 * to 2 halfway: the first two are owed 1/8 + 1/4 = 3/8, the others 1/8
 * (the 1/4 of a single even line is wrong for all four), and round robin,
 * which deals them out in turn, takes exactly that, give or take the
 * requests in flight at the change. */
static void test_balancer_even_share_follows_a_scale(void **state)
{
	(void)state;
	const char *yaml =
		"duration: 100s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: lb}\n"
		"nodes:\n"
		"  lb: {type: balancer, policy: round_robin, backends: web}\n"
		"  web: {type: service, replicas: 4, service: {dist: exponential, mean: 1ms}}\n"
		"timeline:\n  - {at: 50s, node: web, do: scale, replicas: 2}\n";
	struct rep_result r;
	struct sweep *set = run_logged(yaml, &r);
	double n = simtest_node(set->points[0], &r, 0, 0, "arrivals");
	for (uint32_t b = 0; b < 4; b++) {
		double even = simtest_node(set->points[0], &r, 0, 1 + b, "even_share");
		double share = simtest_node(set->points[0], &r, 0, 1 + b, "share");
		double want = b < 2 ? 3.0 / 8 : 1.0 / 8;
		print_message("    web[%u]: share %.5f, even share %.5f (exact %.5f)\n",
			      b, share, even, want);
		assert_true(fabs(even - want) <= 2 / n);
		assert_true(fabs(share - even) <= 4 / n);
	}
	assert_true(isnan(simtest_node(set->points[0], &r, 0, 0, "even_share")));
	rep_result_fini(&r);
	sweep_free(set);
}

/* A change of the available backends rebuilds least_connections' heap
 * while their loads differ: a heap built badly buries the least loaded
 * under a busier one until a later change digs it out.  Scale events
 * every 10 s between 9 and 10 replicas, at about 2.5 requests out each:
 * every pick between them goes to a replica with the fewest out among
 * those up (the replicas a scale-down takes away are the last). */
static void test_balancer_least_connections_after_rebuilds(void **state)
{
	char yaml[4096];
	int at = snprintf(yaml, sizeof yaml,
			  "duration: 200s\n"
			  "workloads:\n  u: {arrival: {process: poisson, rate: 25/s}, target: lb}\n"
			  "nodes:\n"
			  "  lb: {type: balancer, policy: least_connections, backends: web}\n"
			  "  web: {type: service, replicas: 9, workers: 1000, service: {dist: exponential, mean: 1s}}\n"
			  "timeline:\n");
	for (int k = 1; k < 20; k++)
		at += snprintf(yaml + at, sizeof yaml - (size_t)at,
			       "  - {at: %ds, node: web, do: scale, replicas: %d}\n", 10 * k,
			       k % 2 ? 10 : 9);
	struct rep_result r;
	struct sweep *set = run_logged(yaml, &r);
	assert_true(lg.n > 4000);
	size_t bad = 0, checked = 0;
	for (size_t i = 0; i < lg.n; i++) {
		int64_t t = lg.p[i].start;
		/* 50 ms clear of each change: the replicas up are known */
		if (t % 10000000000 < 50000000 || t % 10000000000 > 9950000000)
			continue;
		uint32_t up = (t / 10000000000) % 2 ? 10 : 9;
		uint64_t out[64];
		out_at(i, 4000, 0, out);
		checked++;
		for (uint32_t b = 0; b < up; b++)
			if (out[b] < out[lg.p[i].unit]) {
				bad++;
				break;
			}
	}
	print_message("    %zu picks checked, %zu with a replica up that had fewer out\n",
		      checked, bad);
	assert_true(checked > 3000);
	assert_int_equal(bad, 0);
	rep_result_fini(&r);
	sweep_free(set);
}

/* Weighted least_connections picks the fewest requests out over weight
 * (weights 5, 1, 1, 3, 2, about 1.4 requests out each); weighted random,
 * the control, does not. */
static void test_balancer_least_connections_weighted(void **state)
{
	static const uint32_t w[] = { 5, 1, 1, 3, 2 };
	static const char *const policies[] = { "least_connections", "weighted_random" };
	for (size_t k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 200s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 7/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: %s, backends: [a, b, c, d, e], weights: [5, 1, 1, 3, 2]}\n"
			 "  a: {type: service, workers: 1000, service: {dist: exponential, mean: 1s}}\n"
			 "  b: {type: service, workers: 1000, service: {dist: exponential, mean: 1s}}\n"
			 "  c: {type: service, workers: 1000, service: {dist: exponential, mean: 1s}}\n"
			 "  d: {type: service, workers: 1000, service: {dist: exponential, mean: 1s}}\n"
			 "  e: {type: service, workers: 1000, service: {dist: exponential, mean: 1s}}\n",
			 policies[k]);
		struct rep_result r;
		size_t v;
		struct sweep *set = run_logged(yaml, &r);
		assert_true(lg.n > 1000);
		int ok = weighted_ok(5, w, &v);
		print_message("    %s: %zu picks, %zu with a backend less loaded over its weight\n",
			      policies[k], lg.n, v);
		if (k == 0)
			assert_true(ok);
		else
			assert_false(ok);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* At low load every backend is idle at each arrival: ties.  They must not
 * all go to the first backend, under least_connections or p2c. */
static void test_balancer_ties_do_not_favour_the_first(void **state)
{
	static const char *const policies[] = { "least_connections", "p2c", "peak_ewma" };
	for (size_t k = 0; k < 3; k++) {
		struct rep_result r;
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 20000s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 0.1/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: %s, backends: web}\n"
			 "  web: {type: service, replicas: 4, service: {dist: exponential, mean: 100ms}}\n",
			 policies[k]);
		struct sweep *set = run_logged(yaml, &r);
		double share0 = simtest_node(set->points[0], &r, 0, 1, "share");
		double n = simtest_node(set->points[0], &r, 0, 0, "arrivals");
		/* as even as independent fair picks among 4, at 99.9 % */
		double tol = Z999 * sqrt(0.25 * 0.75 / n);
		print_message("    %s: first backend's share at low load %.3f (0.25 +- %.3f)\n",
			      policies[k], share0, tol);
		assert_true(fabs(share0 - 0.25) <= tol);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* A balancer in front of one backend adds exactly its overhead: the
 * requests keep their identities, so their demands are the same. */
static void test_balancer_adds_exactly_its_overhead(void **state)
{
	const char *direct =
		"duration: 500s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.7/s}, target: web}\n"
		"nodes:\n"
		"  lb: {type: balancer, backends: web, overhead: 50us}\n"
		"  web: {type: service, service: {dist: exponential, mean: 1s}}\n";
	const char *via =
		"duration: 500s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.7/s}, target: lb}\n"
		"nodes:\n"
		"  lb: {type: balancer, backends: web, overhead: 50us}\n"
		"  web: {type: service, service: {dist: exponential, mean: 1s}}\n";
	struct rep_result a, b;
	struct sweep *sa = simtest_load(direct), *sb = simtest_load(via);
	simtest_run(sa->points[0], 0, &a);
	simtest_run(sb->points[0], 0, &b);
	uint64_t n = a.scopes[0].ended[REQ_OK];
	assert_true(n > 300);
	assert_int_equal(b.scopes[0].ended[REQ_OK], n);
	double d = hist_mean(&b.scopes[0].latency) - hist_mean(&a.scopes[0].latency);
	print_message("    mean latency through the balancer - direct: %.6g ns\n", d);
	assert_true(fabs(d - 50000) < 1e-3);
	rep_result_fini(&a);
	rep_result_fini(&b);
	sweep_free(sa);
	sweep_free(sb);
}

/* Layer 4: 2 long connections over 4 backends leave 2 idle; at layer 7
 * the same traffic spreads over all 4; a connection lifetime re-spreads
 * the connections over time. */
static void test_balancer_layer4_pins_connections(void **state)
{
	static const struct {
		const char *extra;
		int idle;
	} cases[] = {
		{ "layer: 4", 2 },
		{ "layer: 7", 0 },
		{ "layer: 4, connection_lifetime: 10s", 0 },
	};
	for (size_t k = 0; k < 3; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 300s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 2/s}, target: lb, connections: 2}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: round_robin, backends: web, %s}\n"
			 "  web: {type: service, replicas: 4, service: {dist: exponential, mean: 100ms}}\n",
			 cases[k].extra);
		struct rep_result r;
		struct sweep *set = simtest_load(yaml);
		simtest_run(set->points[0], 0, &r);
		int idle = 0;
		for (uint32_t b = 0; b < 4; b++)
			idle += simtest_node(set->points[0], &r, 0, 1 + b, "arrivals") == 0;
		print_message("    %s: %d idle backends, load cv %.3f\n", cases[k].extra, idle,
			      simtest_node(set->points[0], &r, 0, 0, "load_cv"));
		assert_int_equal(idle, cases[k].idle);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* Health checks: a backend crashes at 100 s; probes every 1 s, failing
 * after a 500 ms timeout, 3 in a row: it is noticed after U + 2.5 s, U
 * uniform on (0, 1) from the probes' phase, so 2.5 to 3.5 s; then it gets
 * nothing until it recovers and passes 2 probes. */
static void test_balancer_health_checks_notice_a_crash(void **state)
{
	const char *yaml =
		"duration: 300s\n"
		"warmup: 0s\n"
		"replications: 20\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: lb}\n"
		"nodes:\n"
		"  lb: {type: balancer, policy: round_robin, backends: web,\n"
		"       health_check: {interval: 1s, timeout: 500ms, unhealthy_threshold: 3, healthy_threshold: 2}}\n"
		"  web: {type: service, replicas: 4, service: {dist: exponential, mean: 10ms}}\n"
		"timeline:\n"
		"  - {at: 100s, do: crash, node: web, replica: 1}\n"
		"  - {at: 200s, do: recover, node: web, replica: 1}\n";
	struct sweep *set = simtest_load(yaml);
	double sum = 0;
	for (uint32_t rep = 0; rep < 20; rep++) {
		struct rep_result r;
		simtest_run(set->points[0], rep, &r);
		double d = simtest_node(set->points[0], &r, 0, 0, "detect_mean_s");
		assert_true(d >= 2.5 && d <= 3.5);
		sum += d;
		/* round robin sends it every 4th request, 10/s, and those fail
		 * until it is noticed: 10 d, with at most Poisson's spread
		 * (every 4th of a Poisson stream varies less), besides the
		 * one or two it held when it crashed (at utilisation 0.1) */
		double failed = simtest_node(set->points[0], &r, 0, 2, "failed");
		assert_true(fabs(failed - 10 * d) <= Z999 * sqrt(10 * d) + 2);
		assert_int_equal(simtest_node(set->points[0], &r, 0, 2, "unhealthy_marks"), 1);
		/* and it serves again after it recovers: 10/s for 100 s
		 * before the crash, and nearly as long after */
		assert_true(simtest_node(set->points[0], &r, 1, 2, "completed") > 1500);
		rep_result_fini(&r);
	}
	/* U uniform on (0, 1), independent across replications: the mean
	 * of 20 has sd 1 / sqrt(12 * 20) */
	double tol = Z999 / sqrt(12.0 * 20);
	print_message("    mean time to notice: %.3f s (3.0 +- %.3f expected)\n", sum / 20, tol);
	assert_true(fabs(sum / 20 - 3.0) <= tol);
	sweep_free(set);
}

/* Outlier detection ejects a backend that fails every request, one of 4
 * (max_ejection_percent 10 allows none of them: 1 of 4 is 25 %, but
 * always_eject_one_host allows one).  It gets every 4th request, 10/s, so
 * 5 failures take about 0.5 s; its ejections last 10, 20, 30, 40 s and
 * end at the first 1 s sweep after: ejected near 0.5, 11.5, 32.5 and
 * 63.5 s, back at 104 s, after the end: exactly 4 ejections, 5 failed
 * replies before each.  Without always_eject_one_host, Envoy's rule
 * ejects none, and every request it gets fails. */
static void test_balancer_outlier_ejection(void **state)
{
	const char *y =
		"duration: 100s\n"
		"warmup: 0s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: lb}\n"
		"nodes:\n"
		"  lb: {type: balancer, policy: round_robin, backends: web,\n"
		"       outlier_detection: {consecutive_5xx: 5, base_ejection_time: 10s, interval: 1s%s}}\n"
		"  web: {type: service, replicas: 4, service: {dist: exponential, mean: 10ms}}\n"
		"timeline:\n"
		"  - {at: 0s, do: errors, node: web, replica: 3, rate: 1}\n";
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, y, k ? "" : ", always_eject_one_host: true");
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run(set->points[0], 0, &r);
		double ej = simtest_node(set->points[0], &r, 0, 4, "ejections");
		double failed = simtest_node(set->points[0], &r, 0, 4, "failed");
		print_message("    %s: ejections %g, failed replies %g\n",
			      k ? "max_ejection_percent alone" : "always_eject_one_host", ej, failed);
		if (!k) {
			assert_true(ej == 4);
			assert_true(failed >= 5 * ej && failed < 5 * (ej + 1));
		} else {
			assert_true(ej == 0);
			assert_true(failed > 900);
		}
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* Success-rate detection: 10 backends with 300 replies each per 10 s
 * interval, one failing half of its requests.  The rates are about 100
 * x 9 and 50: mean 95, stdev 15, so the threshold 95 - 1.9 x 15 = 66.5
 * ejects it at the first sweeps it is in, and no other (consecutive 5xx
 * is set out of reach).  With enforcing_success_rate 0, nothing. */
static void test_balancer_outlier_success_rate(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 200s\nwarmup: 0s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 300/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: round_robin, backends: web,\n"
			 "       outlier_detection: {consecutive_5xx: 1000000%s}}\n"
			 "  web: {type: service, replicas: 10, workers: 10,\n"
			 "        service: {dist: exponential, mean: 10ms}}\n"
			 "timeline:\n  - {at: 0s, do: errors, node: web, replica: 6, rate: 0.5}\n",
			 k ? ", enforcing_success_rate: 0" : "");
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run(set->points[0], 0, &r);
		double bad = simtest_node(set->points[0], &r, 0, 7, "ejections");
		double all = simtest_node(set->points[0], &r, 0, 0, "ejections");
		print_message("    %s: the failing backend ejected %g times, the others %g\n",
			      k ? "not enforced" : "enforced", bad, all - bad);
		assert_true(all == bad);
		if (!k)
			assert_true(bad >= 2);
		else
			assert_true(bad == 0);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* nginx's passive check: a backend failing every request, with
 * max_fails 1 (3) and fail_timeout 10 s, is out for 10 s after each
 * failure (third failure), and back for the next request: about ten
 * times in 100 s, one (three) failed replies each. */
static void test_balancer_nginx_max_fails(void **state)
{
	(void)state;
	for (int k = 1; k <= 3; k += 2) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 100s\nwarmup: 0s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: round_robin, backends: web,\n"
			 "       max_fails: %d, fail_timeout: 10s}\n"
			 "  web: {type: service, replicas: 4, service: {dist: exponential, mean: 10ms}}\n"
			 "timeline:\n  - {at: 0s, do: errors, node: web, replica: 3, rate: 1}\n", k);
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run(set->points[0], 0, &r);
		double out = simtest_node(set->points[0], &r, 0, 4, "ejections");
		double failed = simtest_node(set->points[0], &r, 0, 4, "failed");
		print_message("    max_fails %d: out %g times, %g failed replies\n", k, out, failed);
		assert_true(out >= 9 && out <= 10);
		assert_true(failed >= k * out && failed <= k * (out + 1));
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* Envoy's slow start scales weights: a tenth backend joins at 100 s with
 * a 30 s window and min_weight_percent 10, so for its first 3 s its
 * weight is 0.1 of the others' and it takes 0.1 / 9.1 = 1.1 % of the
 * picks: about 33 of 3,000 under round_robin's schedule (within two) and
 * least_request's at light load (within a quarter); thinning the picks,
 * the older way, gave it 0.1 x 0.1 + 0.1^2 x 0.9 = 1.9 %, 57. */
static void test_balancer_slow_start_scales_weights(void **state)
{
	(void)state;
	const char *policies[] = { "round_robin", "least_request" };
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 110s\nwarmup: 0s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1000/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: %s, backends: web,\n"
			 "       slow_start: {slow_start_window: 30s, min_weight_percent: 10}}\n"
			 "  web: {type: service, replicas: 9, workers: 100, service: 100us}\n"
			 "timeline:\n  - {at: 100s, do: scale, node: web, replicas: 10}\n",
			 policies[k]);
		struct rep_result r;
		struct sweep *set = run_logged(yaml, &r);
		size_t all = 0, mine = 0;
		for (size_t i = 0; i < lg.n; i++) {
			int64_t t = lg.p[i].start;
			if (t < 100000000000LL || t >= 103000000000LL)
				continue;
			all++;
			mine += lg.p[i].unit == 9;
		}
		double want = all * 0.1 / 9.1;
		print_message("    %s: %zu of %zu picks in the first 3 s (%.1f expected, thinning %.1f)\n",
			      policies[k], mine, all, want, all * 0.019);
		if (!k)
			assert_true(fabs(mine - want) <= 2);
		else
			assert_true(fabs(mine - want) <= 0.25 * want);
		assert_true(mine < all * 0.015);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* ketama: each backend's share of the keys has relative standard
 * deviation sqrt((n - 1) / (n v + 1)) (a share is a sum of v of the n v
 * spacings of uniform points: Beta(v, (n - 1) v)).  Averaged over rings
 * of differently named backends. */
static void test_balancer_ketama_spread(void **state)
{
	const int n = 10, trials = 24;
	double v2[2][24];
	const int vn[2] = { 160, 40 };
	for (int t = 0; t < trials; t++) {
		for (int k = 0; k < 2; k++) {
			char yaml[1024];
			snprintf(yaml, sizeof yaml,
				 "duration: 10000s\n"
				 "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: lb,\n"
				 "               keys: {dist: uniform, n: 1000000000}}\n"
				 "nodes:\n"
				 "  lb: {type: balancer, policy: ketama, virtual_nodes: %d, backends: web%d}\n"
				 "  web%d: {type: service, replicas: %d, workers: 1000, service: 1ms}\n",
				 vn[k], t, t, n);
			struct sweep *set = simtest_load(yaml);
			struct rep_result r;
			simtest_run(set->points[0], 0, &r);
			double cv = simtest_node(set->points[0], &r, 0, 0, "load_cv");
			v2[k][t] = cv * cv;
			rep_result_fini(&r);
			sweep_free(set);
		}
	}
	/* the mean over the rings, with its 99.9 % t-interval from the
	 * rings' own spread */
	double want = (n - 1.0) / (n * 160.0 + 1), m[2], half[2];
	for (int k = 0; k < 2; k++) {
		stats_ci95(v2[k], (size_t)trials, &m[k], &half[k]);
		half[k] *= stats_t_quantile(0.9995, trials - 1) / stats_t_quantile(0.975, trials - 1);
	}
	print_message("    mean squared relative sd: %.5f +- %.5f, theory %.5f; with 40 points %.5f +- %.5f\n",
		      m[0], half[0], want, m[1], half[1]);
	assert_true(fabs(m[0] - want) <= half[0]);
	/* the control: 4 times fewer points spread 4 times worse */
	assert_false(fabs(m[1] - want) <= half[1]);
}

/* A backend joins (10 -> 11): about 1/11 of the keys move under ketama
 * and maglev, 10/11 under hash. */
static void test_balancer_keys_moved_on_join(void **state)
{
	/* The share is measured on 16,384 probe keys: a binomial error of
	 * sqrt(p (1 - p) / 16384).  ketama moves exactly the keys the new
	 * backend takes, its share of the ring: Beta(v, n v) for v = 160
	 * points each, variance p (1 - p) / (11 v + 1).  hash moves the keys
	 * whose hash differs mod 10 and mod 11, 10/11 of them.  maglev fills
	 * the new backend's 1/11 of the table and moves a few more entries
	 * besides; no closed form bounds those, so its check is one-sided at
	 * 1/11 with an allowance of 3 % of the keys for the extra moves (the
	 * Maglev paper measures them as a few per cent). */
	const double p = 1 / 11.0, q = 10 / 11.0, probes = 16384;
	const struct {
		const char *policy;
		double want, tol;
	} cases[] = {
		{ "ketama", p, Z999 * sqrt(p * (1 - p) / probes + p * (1 - p) / (11 * 160 + 1)) },
		{ "maglev", p, 0.03 },
		{ "hash", q, Z999 * sqrt(q * (1 - q) / probes) },
	};
	for (size_t k = 0; k < 3; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 20s\n"
			 "warmup: 0s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: lb,\n"
			 "               keys: {dist: uniform, n: 1000000}}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: %s, backends: web}\n"
			 "  web: {type: service, replicas: 10, workers: 100, service: 1ms}\n"
			 "timeline:\n  - {at: 10s, do: scale, node: web, replicas: 11}\n",
			 cases[k].policy);
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run(set->points[0], 0, &r);
		double moved = simtest_node(set->points[0], &r, 0, 0, "keys_moved_share");
		print_message("    %s: %.4f of the keys moved (%.4f +- %.4f expected)\n",
			      cases[k].policy, moved, cases[k].want, cases[k].tol);
		if (k == 1)
			assert_true(moved >= p - Z999 * sqrt(p * (1 - p) / probes) &&
				    moved <= p + cases[k].tol);
		else
			assert_true(fabs(moved - cases[k].want) <= cases[k].tol);
		/* the new backend takes requests after the join */
		assert_true(simtest_node(set->points[0], &r, 0, 11, "arrivals") > 0);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* maglev's table depends on the backends, not on the order they are
 * listed in. */
static void test_balancer_maglev_ignores_list_order(void **state)
{
	const char *fmt =
		"duration: 50s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: lb,\n"
		"               keys: {dist: uniform, n: 1000000}}\n"
		"nodes:\n"
		"  lb: {type: balancer, policy: maglev, backends: %s}\n"
		"  a: {type: service, workers: 100, service: 1ms}\n"
		"  b: {type: service, workers: 100, service: 1ms}\n"
		"  c: {type: service, workers: 100, service: 1ms}\n";
	char y1[1024], y2[1024];
	snprintf(y1, sizeof y1, fmt, "[a, b, c]");
	snprintf(y2, sizeof y2, fmt, "[c, a, b]");
	struct sweep *s1 = simtest_load(y1), *s2 = simtest_load(y2);
	struct rep_result r1, r2;
	simtest_run(s1->points[0], 0, &r1);
	simtest_run(s2->points[0], 0, &r2);
	for (int k = 1; k <= 3; k++)
		assert_int_equal(simtest_node(s1->points[0], &r1, (size_t)k, 0, "arrivals"),
				 simtest_node(s2->points[0], &r2, (size_t)k, 0, "arrivals"));
	rep_result_fini(&r1);
	rep_result_fini(&r2);
	sweep_free(s1);
	sweep_free(s2);
}

/* Envoy's least_request with unequal weights is an earliest-deadline-
 * first schedule: each backend is due 1 / weight after its last pick.
 * At light load (nothing outstanding when a pick is made) the weights
 * stay 5, 1, 1, and the schedule has period 7: every 7 consecutive picks
 * are 5 a's, a b and a c, whatever pick the seed starts it at
 * (edf_scheduler.h).  With active_request_bias 0 the weights never move,
 * so the same holds at any load.  p2c, the control, compares load over
 * weight among distinct draws and spreads evenly at light load.
 *
 * Within the period the schedule is Envoy's, not nginx's: from empty,
 * a's deadlines are 0.2 ... 1.0 and b's and c's 1.0, so the period is
 * a a a a b c a, the two light picks side by side, whatever rotation the
 * seed starts at; nginx's smooth sequence a a b a c a a puts an a between
 * them.  weighted_round_robin, nginx's, is the control. */
static const char *lr_weighted_yaml(const char *policy, const char *extra, const char *service)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
		 "duration: 300s\n"
		 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: lb}\n"
		 "nodes:\n"
		 "  lb: {type: balancer, policy: %s, backends: [a, b, c], weights: [5, 1, 1]%s}\n"
		 "  a: {type: service, workers: 10000, service: %s}\n"
		 "  b: {type: service, workers: 10000, service: %s}\n"
		 "  c: {type: service, workers: 10000, service: %s}\n",
		 policy, extra, service, service, service);
	return buf;
}

/* light_split counts the light picks (not a) with a single a between
 * them and the next light pick: b a c, nginx's spreading. */
static size_t light_split(void)
{
	size_t n = 0;
	for (size_t i = 0; i + 2 < lg.n; i++)
		n += lg.p[i].node != 1 && lg.p[i + 1].node == 1 && lg.p[i + 2].node != 1;
	return n;
}

/* windows_of_seven counts the windows of 7 consecutive picks that are
 * not 5 a's, a b and a c. */
static size_t windows_of_seven(void)
{
	size_t bad = 0;
	for (size_t i = 0; i + 7 <= lg.n; i++) {
		int count[3] = { 0, 0, 0 };
		for (size_t j = i; j < i + 7; j++)
			count[lg.p[j].node - 1]++;
		bad += !(count[0] == 5 && count[1] == 1 && count[2] == 1);
	}
	return bad;
}

/* lr_edf_reference is the weight-5 backend's share of picks from to to - 1
 * of an earliest-deadline-first schedule over weights 5, 1, 1 from empty,
 * each weight divided by (its picks among the last `window` + 1) when it
 * is picked: a request a second, each out for `window` seconds. */
static double lr_edf_reference(int from, int to, int window)
{
	static const double w[3] = { 5, 1, 1 };
	double due[3];
	unsigned long order[3], next = 3;
	int hist[1024];
	for (int b = 0; b < 3; b++)
		due[b] = 1 / w[b], order[b] = (unsigned long)b;
	int got = 0;
	for (int t = 0; t < to && t < 1024; t++) {
		int b = 0;
		for (int k = 1; k < 3; k++)
			if (due[k] < due[b] || (due[k] == due[b] && order[k] < order[b]))
				b = k;
		int out = 0;
		for (int j = t - window; j < t; j++)
			out += j >= 0 && hist[j] == b;
		due[b] += (out + 1) / w[b];
		order[b] = next++;
		hist[t] = b;
		got += t >= from && b == 0;
	}
	return (double)got / (to - from);
}

static void test_balancer_least_request_weighted_edf(void **state)
{
	static const struct {
		const char *policy, *extra, *service;
		int periodic;   /* 1 Envoy's schedule, 2 nginx's, 0 neither */
	} cases[] = {
		{ "least_request", "", "10ms", 1 },
		{ "least_request", ", active_request_bias: 0", "20s", 1 },
		{ "weighted_round_robin", "", "10ms", 2 },
		{ "p2c", "", "10ms", 0 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct rep_result r;
		struct sweep *set = run_logged(lr_weighted_yaml(cases[k].policy, cases[k].extra,
								cases[k].service), &r);
		assert_true(lg.n >= 290);
		size_t bad = windows_of_seven(), split = light_split();
		print_message("    %-21s%-26s service %-5s %zu picks, %zu windows of 7 not 5:1:1, %zu light picks split by one a\n",
			      cases[k].policy, cases[k].extra, cases[k].service, lg.n, bad, split);
		if (cases[k].periodic) {
			assert_int_equal(bad, 0);
			/* nginx splits the light picks once a period, Envoy never */
			if (cases[k].periodic == 1)
				assert_int_equal(split, 0);
			else
				assert_true(split + 1 >= lg.n / 7);
		} else {
			assert_true(bad > lg.n / 2);
		}
		rep_result_fini(&r);
		sweep_free(set);
	}
	/* with the bias (1) and requests that stay out 20 s, a backend's
	 * weight is 5 or 1 over (its requests out + 1) when it is picked: the
	 * weight-5 backend's share of picks 99 to 298 against a reference
	 * schedule written here (from an empty schedule: the start moves the
	 * share by at most a pick of the 200), and against the static
	 * schedule's 5 / 7 */
	struct rep_result r;
	struct sweep *set = run_logged(lr_weighted_yaml("least_request", "", "20s"), &r);
	assert_true(lg.n >= 299);
	size_t got = 0;
	for (size_t i = 99; i < 299; i++)
		got += lg.p[i].node == 1;
	double share = (double)got / 200, ref = lr_edf_reference(99, 299, 20);
	print_message("    least_request, bias 1, 20 s services: weight-5 share %.3f, reference %.3f, static 5/7 %.3f\n",
		      share, ref, 5.0 / 7);
	assert_true(fabs(share - ref) <= 1.0 / 200 + 1e-9);
	assert_true(fabs(share - 5.0 / 7) > 0.1);
	rep_result_fini(&r);
	sweep_free(set);
}

/* Envoy's least_request with equal weights draws choice_count backends
 * WITH replacement and keeps the first unless a later one has strictly
 * fewer requests out (unweightedHostPickNChoices); p2c draws distinct
 * backends.  With requests that never end, the loads are the picks so
 * far: 100 requests over 4 backends, and the gap between the most and
 * the least loaded, averaged over replications, against a reference
 * written here (its own generator) of each rule.  With replacement a
 * quarter of the picks is one backend drawn twice, a random pick: the
 * gap is wider (about 1.85 against 1.36). */
#define LR_BACKENDS 4
#define LR_PICKS 100
#define LR_REPS 400
#define LR_REF_RUNS 200000

static double lr_reference(int replacement, double *sd)
{
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(g, 20261206);
	double sum = 0, sum2 = 0;
	for (int run = 0; run < LR_REF_RUNS; run++) {
		int load[LR_BACKENDS] = { 0 };
		for (int i = 0; i < LR_PICKS; i++) {
			int a = (int)gsl_rng_uniform_int(g, LR_BACKENDS), b;
			if (replacement) {
				b = (int)gsl_rng_uniform_int(g, LR_BACKENDS);
				load[load[b] < load[a] ? b : a]++;
				continue;
			}
			b = (int)gsl_rng_uniform_int(g, LR_BACKENDS - 1);
			b += b >= a;
			int pick = load[b] < load[a] ? b : load[a] < load[b] ? a :
				   gsl_rng_uniform(g) < 0.5 ? a : b;
			load[pick]++;
		}
		int lo = load[0], hi = load[0];
		for (int k = 1; k < LR_BACKENDS; k++) {
			lo = load[k] < lo ? load[k] : lo;
			hi = load[k] > hi ? load[k] : hi;
		}
		sum += hi - lo;
		sum2 += (double)(hi - lo) * (hi - lo);
	}
	gsl_rng_free(g);
	double mean = sum / LR_REF_RUNS;
	*sd = sqrt(sum2 / LR_REF_RUNS - mean * mean);
	return mean;
}

static void test_balancer_least_request_samples_with_replacement(void **state)
{
	double sd_with, sd_distinct;
	double ref_with = lr_reference(1, &sd_with), ref_distinct = lr_reference(0, &sd_distinct);
	static const char *const policies[] = { "least_request", "p2c" };
	double gap[2];
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: %d.5s\nreplications: %d\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: %s, backends: web}\n"
			 "  web: {type: service, replicas: %d, workers: 1000, service: 100000s}\n",
			 LR_PICKS, LR_REPS, policies[k], LR_BACKENDS);
		static double sent[LR_BACKENDS][LR_REPS];
		simtest_reps(yaml, LR_REPS, { "lb[0].arrivals", sent[0] }, { "lb[1].arrivals", sent[1] },
			     { "lb[2].arrivals", sent[2] }, { "lb[3].arrivals", sent[3] });
		double x[LR_REPS];
		for (int r = 0; r < LR_REPS; r++) {
			double lo = sent[0][r], hi = sent[0][r], total = sent[0][r];
			for (int b = 1; b < LR_BACKENDS; b++) {
				lo = fmin(lo, sent[b][r]);
				hi = fmax(hi, sent[b][r]);
				total += sent[b][r];
			}
			assert_true(total == LR_PICKS);
			x[r] = hi - lo;
		}
		gap[k] = gsl_stats_mean(x, 1, LR_REPS);
	}
	/* each mean within 99.9 % of its replications' own spread (the
	 * reference's error is a twentieth of it) of its own rule's
	 * reference, and outside the other's */
	double half_with = Z999 * sd_with / sqrt(LR_REPS);
	double half_distinct = Z999 * sd_distinct / sqrt(LR_REPS);
	print_message("    max - min of %d picks over %d backends: least_request %.3f (reference with replacement %.3f +- %.3f), p2c %.3f (distinct %.3f +- %.3f)\n",
		      LR_PICKS, LR_BACKENDS, gap[0], ref_with, half_with, gap[1], ref_distinct,
		      half_distinct);
	assert_true(fabs(gap[0] - ref_with) <= half_with);
	assert_true(fabs(gap[0] - ref_distinct) > half_distinct);
	assert_true(fabs(gap[1] - ref_distinct) <= half_distinct);
	assert_true(fabs(gap[1] - ref_with) > half_with);
}

/* At rho = 0.9 over 10 backends, p2c and least_connections beat random
 * and round robin on mean latency, significantly; the paired interval is
 * narrower than the unpaired one on the same replications, and much
 * narrower between least_connections and p2c (3.5 times here). */
static void test_balancer_paired_comparison(void **state)
{
	const char *yaml =
		"duration: 2000s\n"
		"warmup: 200s\n"
		"replications: 8\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 9/s}, target: lb}\n"
		"nodes:\n"
		"  lb: {type: balancer, policy: random, backends: web}\n"
		"  web: {type: service, replicas: 10, service: {dist: exponential, mean: 1s}}\n"
		"sweep:\n  nodes.lb.policy: [random, round_robin, least_connections, p2c]\n";
	struct sweep *set = simtest_load(yaml);
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, NULL, &err), 0);
	for (size_t a = 0; a < 4; a++) {
		for (size_t b = a + 1; b < 4; b++) {
			struct interval_pair pr;
			assert_int_equal(report_compare(&rep, a, b, 0, &pr), 0);
			print_message("    %s -> %s: mean latency %+.3f s ± %.3f paired, ± %.3f unpaired\n",
				      sweep_param_value(set, a, 0), sweep_param_value(set, b, 0),
				      pr.diff, pr.half,
				      pr.unpaired);
			assert_int_equal(pr.pairs, 8);
			if (a < 2 && b >= 2)
				assert_true(pr.diff + pr.half < 0);
			/* policies that answer the same bursts alike gain most
			 * from pairing: random's own routing noise is its own */
			if (a == 2 && b == 3)
				assert_true(pr.half < pr.unpaired / 2);
			else
				assert_true(pr.half < pr.unpaired);
		}
	}
	report_fini(&rep);
	sweep_free(set);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ring_shares computes, apart from the balancer, each of n backends'
 * share of the hash space on a ring of v points each, backend b (replica
 * b of node `node`) hashed as the balancer names it and its i-th point
 * at rng_key(its hash, i): a point takes the hashes from the one before
 * it (exclusive) up to itself, the first also those past the last. */
static void ring_shares(const char *node, uint32_t n, uint32_t v, double *share)
{
	size_t m = (size_t)n * v;
	uint64_t *pt = malloc(m * sizeof *pt);
	uint32_t *who = malloc(m * sizeof *who);
	uint64_t *key = malloc(m * sizeof *key);
	assert_non_null(pt);
	assert_non_null(who);
	assert_non_null(key);
	for (uint32_t b = 0; b < n; b++) {
		uint64_t hb = rng_key(rng_hash64(node, 0), b);
		for (uint32_t i = 0; i < v; i++)
			pt[(size_t)b * v + i] = rng_key(hb, i);
	}
	memcpy(key, pt, m * sizeof *key);
	qsort(key, m, sizeof *key, cmp_u64);
	for (size_t k = 0; k < m; k++)
		for (size_t j = 0; j < m; j++)
			if (pt[j] == key[k]) {
				who[k] = (uint32_t)(j / v);
				break;
			}
	for (uint32_t b = 0; b < n; b++)
		share[b] = 0;
	for (size_t k = 0; k < m; k++) {
		uint64_t arc = key[k] - (k ? key[k - 1] : key[m - 1]);   /* mod 2^64 */
		share[who[k]] += ldexp((double)arc, -64);
	}
	free(pt), free(who), free(key);
}

/* Envoy's ring_hash with its defaults over 100 equal backends: a ring of
 * minimum_ring_size 1024 made whole, ceil(1024 / 100) = 11 points each.
 * The picks of 150,000 uniform keys fall on the backends as the arcs of
 * that ring, computed here apart, say (Pearson's chi-square, 99 degrees
 * of freedom, under 148.2 with probability 0.999), and not as ketama's
 * 160 points would: a far less even ring. */
static void test_balancer_ring_hash_is_envoys(void **state)
{
	(void)state;
	enum { N = 100 };
	double envoy[N], ketama[N], count[N] = { 0 };
	struct rep_result r;
	struct sweep *set = run_logged(
		"duration: 100s\nwarmup: 0s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1500/s}, target: lb,\n"
		"               keys: {dist: uniform, n: 1000000000}}\n"
		"nodes:\n"
		"  lb: {type: balancer, policy: ring_hash, backends: web}\n"
		"  web: {type: service, replicas: 100, workers: 1000, service: 1ms}\n", &r);
	for (size_t i = 0; i < lg.n; i++)
		count[lg.p[i].unit]++;
	ring_shares("web", N, 11, envoy);
	ring_shares("web", N, 160, ketama);
	double x[2] = { 0, 0 }, n = (double)lg.n;
	for (int b = 0; b < N; b++) {
		x[0] += (count[b] - n * envoy[b]) * (count[b] - n * envoy[b]) / (n * envoy[b]);
		x[1] += (count[b] - n * ketama[b]) * (count[b] - n * ketama[b]) / (n * ketama[b]);
	}
	print_message("    %g picks: chi2 %.1f against the 11-point ring's arcs (cv %.3f), %.1f against 160 points' (cv %.3f); load_cv %.3f\n",
		      n, x[0], gsl_stats_sd(envoy, 1, N) / gsl_stats_mean(envoy, 1, N), x[1],
		      gsl_stats_sd(ketama, 1, N) / gsl_stats_mean(ketama, 1, N),
		      simtest_node(set->points[0], &r, 0, 0, "load_cv"));
	assert_true(x[0] < 148.2);
	assert_false(x[1] < 148.2);
	rep_result_fini(&r);
	sweep_free(set);
}

/* Bounded loads: one hot key at 10 backends.  Envoy's rule lets a
 * backend take a request only while its requests out are within its
 * slots, ceil(ceil((all out + 1) x 1.25) / 10); rebuilt from the log (a
 * request is out from its start to its end), no pick breaks the rule
 * while some backend is within it.  Without the factor, every request
 * goes to the key's backend, and the rule is broken at once. */
static void test_balancer_ring_hash_bounded_load(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 20s\nwarmup: 0s\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 1000/s}, target: lb,\n"
			 "               keys: {dist: uniform, n: 1}}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: ring_hash, backends: web%s}\n"
			 "  web: {type: service, replicas: 10, workers: 1000,\n"
			 "        service: {dist: exponential, mean: 20ms}}\n",
			 k ? "" : ", hash_balance_factor: 125");
		struct rep_result r;
		struct sweep *set = run_logged(yaml, &r);
		size_t broken = 0, used[10] = { 0 };
		for (size_t i = 0; i < lg.n; i++) {
			uint32_t load[10] = { 0 }, total = 0;
			int64_t t = lg.p[i].start;
			for (size_t j = 0; j < i; j++)
				if (lg.p[j].end > t) {
					load[lg.p[j].unit]++;
					total++;
				}
			uint32_t slots = (uint32_t)ceil(((total + 1) * 125 + 99) / 100 / 10.0);
			if (slots < 1)
				slots = 1;
			int some = 0;
			for (int b = 0; b < 10; b++)
				some |= load[b] <= slots;
			broken += some && load[lg.p[i].unit] > slots;
			used[lg.p[i].unit] = 1;
		}
		size_t nused = 0;
		for (int b = 0; b < 10; b++)
			nused += used[b];
		print_message("    %s: %zu picks, %zu over the bound, %zu backends used\n",
			      k ? "no factor" : "hash_balance_factor 125", lg.n, broken, nused);
		if (!k)
			assert_true(broken == 0 && nused > 1);
		else
			assert_true(broken > 0 && nused == 1);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

static const char *probe_yaml =
	"duration: 300s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: lb}\n"
	"nodes:\n"
	"  lb: {type: balancer, policy: round_robin, backends: web,\n"
	"       health_check: {interval: 1s, timeout: 500ms, unhealthy_threshold: 3, healthy_threshold: 2}}\n"
	"  web: {type: service, replicas: 4, service: {dist: exponential, mean: 10ms}}\n"
	"timeline:\n"
	"  - {at: 100s, do: %s, node: web, replica: 1}\n";

/* Health checks are requests.  A backend that answers every request with
 * an error fails its probes too, and is taken out after three of them
 * (a few seconds: its 10 requests a second fail meanwhile, not the 2,000
 * of the next 200 s).  One slowed 100 times (1 s per request) answers its
 * probes too late for their 500 ms timeout; one slowed 3 times answers in
 * time and stays in. */
static void test_balancer_health_checks_are_requests(void **state)
{
	(void)state;
	const struct {
		const char *fault;
		int out;
	} cases[] = {
		{ "errors, rate: 1", 1 },
		{ "slow, factor: 100", 1 },
		{ "slow, factor: 3", 0 },
	};
	for (size_t k = 0; k < 3; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, probe_yaml, cases[k].fault);
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run(set->points[0], 0, &r);
		double marks = simtest_node(set->points[0], &r, 0, 2, "unhealthy_marks");
		double others = simtest_node(set->points[0], &r, 0, 0, "unhealthy_marks") - marks;
		double failed = simtest_node(set->points[0], &r, 0, 2, "failed");
		print_message("    %s: marked unhealthy %g times (others %g), %g failed replies\n",
			      cases[k].fault, marks, others, failed);
		assert_true(marks == cases[k].out && others == 0);
		if (k == 0)
			assert_true(failed <= 80);
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* Envoy's panic threshold: 3 of 4 backends crash.  Once the checks take
 * them out, 1 of 4 is healthy, under the 50 % default: the balancer
 * ignores health and sends to all four, and three quarters of the
 * requests fail (about 6,000 in 200 s).  With the threshold at 0 the one
 * healthy backend takes everything and only the requests before
 * detection fail. */
static void test_balancer_panic_threshold(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		double crashed;
		snprintf(yaml, sizeof yaml,
			 "duration: 300s\nwarmup: 0s\nreplications: 1\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: lb}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: round_robin, backends: web%s,\n"
			 "       health_check: {interval: 1s, timeout: 500ms}}\n"
			 "  web: {type: service, replicas: 4, workers: 10,\n"
			 "        service: {dist: exponential, mean: 10ms}}\n"
			 "timeline:\n"
			 "  - {at: 100s, do: crash, node: web, replica: 1}\n"
			 "  - {at: 100s, do: crash, node: web, replica: 2}\n"
			 "  - {at: 100s, do: crash, node: web, replica: 3}\n",
			 k ? ", healthy_panic_threshold: 0" : "");
		simtest_reps(yaml, 1, { "@crashed", &crashed });
		print_message("    threshold %s: %g requests failed as crashed\n", k ? "0" : "50 %",
			      crashed);
		if (!k)
			assert_true(crashed > 0.75 * 40 * 190 && crashed < 0.75 * 40 * 210);
		else
			assert_true(crashed < 0.75 * 40 * 10);
	}
}

/* ---- zone aware routing ---------------------------------------------------- */

/* Envoy's zone aware routing, its two cases.  web runs 3 replicas in
 * zones a, a, b (the local cluster: a holds 6666 ten-thousandths, b
 * 3333), the users reach them in turn, and web calls db (6 replicas in
 * a, b, c: 3333 each) through a sidecar balancer.  A caller in b finds
 * its zone's upstream share equal to its local share: all its calls stay
 * in b.  A caller in a finds 3333 against 6666: it keeps 3333 x 10000 /
 * 6666 = 5000 of them in a and sends the rest where upstream shares pass
 * local ones, c alone (3333 against 0).  So each zone of db takes a
 * third: a 2/3 x 1/2, b 1/3, c 2/3 x 1/2; and with links of 1 ms between
 * zones and 0.1 ms within, the mean call adds 2/3 x (0.2 + 2) / 2 + 1/3
 * x 0.2 = 0.8 ms to 3 ms of service.  Without zone aware routing (the
 * control) a random pick leaves a zone 2/3 of the time: 2/3 x 2 + 1/3 x
 * 0.2 = 1.4 ms; always staying home would give a 2/3 of db's calls.
 * A balancer with fewer backends than min_cluster_size would never route
 * by zone: it is refused. */
static void test_balancer_zone_aware_envoy(void **state)
{
	static const struct {
		const char *za;
		double share[3], mean_ms;
	} cases[] = {
		{ "zone_aware: {local_cluster: web}", { 1.0 / 3, 1.0 / 3, 1.0 / 3 }, 3.8 },
		{ "zone_aware: {local_cluster: web, routing_enabled: 0}", { 1.0 / 3, 1.0 / 3, 1.0 / 3 },
		  3 + 1.4 },
	};
	for (size_t i = 0; i < 2; i++) {
		char yaml[1400];
		snprintf(yaml, sizeof yaml,
			 "duration: 300s\nseed: 2\n"
			 "zones: {a: {}, b: {}, c: {}}\n"
			 "links:\n  - {within: \"*\", latency: 0.1ms}\n"
			 "  - {between: [\"*\", \"*\"], latency: 1ms}\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: web}\n"
			 "nodes:\n  web: {type: service, replicas: 3, zones: [a, a, b], workers: 50,\n"
			 "      service: 1ms, calls: [{to: dblb}]}\n"
			 "  dblb: {type: balancer, backends: db, policy: random, %s}\n"
			 "  db: {type: service, replicas: 6, zones: [a, b, c], workers: 50, service: 2ms}\n",
			 cases[i].za);
		double sent[6], mean;
		simtest_reps(yaml, 1, { "dblb[0].arrivals", &sent[0] }, { "dblb[1].arrivals", &sent[1] },
			     { "dblb[2].arrivals", &sent[2] }, { "dblb[3].arrivals", &sent[3] },
			     { "dblb[4].arrivals", &sent[4] }, { "dblb[5].arrivals", &sent[5] },
			     { "@latency_mean_s", &mean });
		double n = 0, zs[3] = { 0 };
		for (int b = 0; b < 6; b++) {
			n += sent[b];
			zs[b % 3] += sent[b];
		}
		print_message("    %s: zones a %.4f, b %.4f, c %.4f; mean %.4f ms\n", cases[i].za,
			      zs[0] / n, zs[1] / n, zs[2] / n, mean * 1e3);
		for (int z = 0; z < 3; z++)
			assert_true(fabs(zs[z] / n - cases[i].share[z]) < 4 * sqrt(0.25 / n));
		/* the mean call adds 0.2 ms, or 2 ms with the cross share q's
		 * chance: binomial, so within 4 of its standard errors, 1.8 x
		 * sqrt(q (1 - q) / n) ms (q = 1/3 routed by zone, 2/3 not) */
		double q = (cases[i].mean_ms - 3.2) / 1.8;
		double tol = 4 * 1.8 * sqrt(q * (1 - q) / n);
		print_message("      cross share %.4f, tolerance %.4f ms\n", q, tol);
		assert_true(fabs(mean * 1e3 - cases[i].mean_ms) < tol);
	}
	/* the local cluster is counted again when it changes: web, 4 replicas
	 * in a, b, a, b (5000 each), scaled to 3 at 0.5 s (a 6666, b 3333).
	 * Counted again, a keeps 5000 of its calls and b all of its own: a
	 * third to each zone of db, as above.  Left as it was (a and b
	 * 5000: each keeps 6666 and sends the rest to c), a would take
	 * 2/3 x 2/3 = 4/9 and b 2/9 (the control). */
	{
		char yaml[1400];
		snprintf(yaml, sizeof yaml,
			 "duration: 300s\nseed: 3\n"
			 "zones: {a: {}, b: {}, c: {}}\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: web}\n"
			 "nodes:\n  web: {type: service, replicas: 4, zones: [a, b], workers: 50,\n"
			 "      service: 1ms, calls: [{to: dblb}]}\n"
			 "  dblb: {type: balancer, backends: db, policy: random,\n"
			 "         zone_aware: {local_cluster: web}}\n"
			 "  db: {type: service, replicas: 6, zones: [a, b, c], workers: 50, service: 2ms}\n"
			 "timeline:\n  - {at: 0.5s, node: web, do: scale, replicas: 3}\n");
		double d[6];
		simtest_reps(yaml, 1, { "dblb[0].arrivals", &d[0] }, { "dblb[1].arrivals", &d[1] },
			     { "dblb[2].arrivals", &d[2] }, { "dblb[3].arrivals", &d[3] },
			     { "dblb[4].arrivals", &d[4] }, { "dblb[5].arrivals", &d[5] });
		double n = d[0] + d[1] + d[2] + d[3] + d[4] + d[5];
		double za = (d[0] + d[3]) / n, zb = (d[1] + d[4]) / n;
		print_message("    after a scale of the local cluster: a %.4f, b %.4f\n", za, zb);
		assert_true(fabs(za - 1.0 / 3) < 4 * sqrt(0.25 / n));
		assert_true(fabs(zb - 1.0 / 3) < 4 * sqrt(0.25 / n));
	}
	{
		struct sweep *set = NULL;
		struct sim_err err = { 0 };
		assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml",
						   "duration: 1s\nzones: {a: {}, b: {}}\n"
						   "workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
						   "nodes:\n  web: {type: service, replicas: 2, zones: [a, b], service: 1ms,\n"
						   "      calls: [{to: lb}]}\n"
						   "  lb: {type: balancer, backends: db, zone_aware: {local_cluster: web}}\n"
						   "  db: {type: service, replicas: 4, zones: [a, b], service: 1ms}\n",
						   NULL, 0, &set, &err), SIM_EINVAL);
		print_message("    %s\n", err.msg);
		assert_non_null(strstr(err.msg, "never routes by zone: 4 backends"));
	}
	/* a caller in b alone, its zone holding its share: every call stays */
	double sent[6];
	simtest_reps("duration: 100s\n"
		     "zones: {a: {}, b: {}, c: {}}\n"
		     "workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: web}\n"
		     "nodes:\n  web: {type: service, replicas: 3, zones: [a, a, b], workers: 50,\n"
		     "      service: 1ms, calls: [{to: dblb}]}\n"
		     "  dblb: {type: balancer, backends: db, policy: round_robin,\n"
		     "         zone_aware: {local_cluster: web}}\n"
		     "  db: {type: service, replicas: 6, zones: [a, b, c], workers: 50, service: 2ms}\n",
		     1, { "dblb[1].arrivals", &sent[1] }, { "dblb[4].arrivals", &sent[4] },
		     { "dblb[2].arrivals", &sent[2] }, { "dblb[5].arrivals", &sent[5] },
		     { "web[2].completed", &sent[0] });
	print_message("    round robin: b's replicas %g + %g, c's %g + %g; web[2] %g\n", sent[1],
		      sent[4], sent[2], sent[5], sent[0]);
	/* web[2] (in b) calls only db[1] and db[4], in turn */
	assert_true(fabs(sent[1] + sent[4] - sent[0]) <= 2 && fabs(sent[1] - sent[4]) <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balancer_smooth_weighted_round_robin),
		cmocka_unit_test(test_balancer_least_loaded_invariant),
		cmocka_unit_test(test_balancer_least_connections_weighted),
		cmocka_unit_test(test_balancer_least_connections_after_rebuilds),
		cmocka_unit_test(test_balancer_ties_do_not_favour_the_first),
		cmocka_unit_test(test_balancer_adds_exactly_its_overhead),
		cmocka_unit_test(test_balancer_layer4_pins_connections),
		cmocka_unit_test(test_balancer_health_checks_notice_a_crash),
		cmocka_unit_test(test_balancer_outlier_ejection),
		cmocka_unit_test(test_balancer_outlier_success_rate),
		cmocka_unit_test(test_balancer_nginx_max_fails),
		cmocka_unit_test(test_balancer_slow_start_scales_weights),
		cmocka_unit_test(test_balancer_health_checks_are_requests),
		cmocka_unit_test(test_balancer_panic_threshold),
		cmocka_unit_test(test_balancer_ketama_spread),
		cmocka_unit_test(test_balancer_ring_hash_is_envoys),
		cmocka_unit_test(test_balancer_ring_hash_bounded_load),
		cmocka_unit_test(test_balancer_keys_moved_on_join),
		cmocka_unit_test(test_balancer_maglev_ignores_list_order),
		cmocka_unit_test(test_balancer_paired_comparison),
		cmocka_unit_test(test_balancer_least_request_weighted_edf),
		cmocka_unit_test(test_balancer_least_request_samples_with_replacement),
		cmocka_unit_test(test_balancer_even_share_follows_a_scale),
		cmocka_unit_test(test_balancer_zone_aware_envoy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
