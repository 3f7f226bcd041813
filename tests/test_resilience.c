/*
 * test_resilience.c - timeouts and retries on call edges, against their
 * closed forms:
 *
 *   - independent failures with probability p and up to r retries: the
 *     success ratio is 1 - p^(r+1), the mean attempts per request
 *     (1 - p^(r+1)) / (1 - p);
 *   - a timeout tau on a call to a leaf with ample workers and
 *     exponential service of mean m times out with probability
 *     e^(-tau/m), and every attempt that timed out is still served;
 *   - backoffs: the waits of fixed and exponential backoff exactly, and
 *     the means of full and equal jitter;
 *   - a retry budget holds retries to its share of first attempts;
 *   - a timeout that never fires leaves nothing in the event queue: the
 *     run processes no more events than without it, but for the few
 *     armed ones.
 *
 * Statistical checks take the mean over 10 replications, hold it to its
 * own 99.9 % t interval, and show a wrong reference outside it.
 */
#include "tests/simtest.h"

#include <math.h>

#include "sim/breaker.h"

#define NREP 10

static const char *retry_yaml =
	"name: retry\nseed: 3\nduration: 100s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, retry: {style: custom, max_attempts: %u, base: 1ms}}]}\n"
	"  leaf: {type: service, workers: 1000, service: {dist: exponential, mean: 10ms}}\n"
	"timeline:\n"
	"  - {at: 0s, node: leaf, do: errors, rate: %g}\n";

static void test_resilience_independent_failures(void **state)
{
	(void)state;
	double p = 0.5;
	for (unsigned r = 1; r <= 3; r++) {
		char yaml[1024], what[64];
		snprintf(yaml, sizeof yaml, retry_yaml, r + 1, p);
		double n[NREP], ok[NREP], att[NREP];
		simtest_reps(yaml, NREP, { "@arrivals", n }, { "@ok", ok }, { "front.calls_made", att });
		for (uint32_t k = 0; k < NREP; k++) {
			ok[k] /= n[k];
			att[k] /= n[k];
		}
		double pr = pow(p, r + 1);
		snprintf(what, sizeof what, "success ratio, %u retr%s", r, r == 1 ? "y" : "ies");
		assert_true(simtest_within(what, ok, NREP, 1 - pr));
		assert_false(simtest_within("  against 1 - p^r", ok, NREP, 1 - pow(p, r)));
		assert_true(simtest_within("  attempts per request", att, NREP, (1 - pr) / (1 - p)));
		assert_false(simtest_within("  against unbounded retries", att, NREP, 1 / (1 - p)));
	}
}

/* QUIET_END(rate, t_ms): Poisson arrivals at `rate` until t_ms (in ms;
 * the rate falls to 0 over the next microsecond), then none, so
 * that everything sent has been served by the end of the run and the
 * counts of wasted work add up exactly. */
#define QUIET_END(rate, t_ms) \
	"{process: profile, points: [{at: 0s, rate: " rate "}, {at: " t_ms "ms, rate: " rate "}, " \
	"{at: " t_ms "001us, rate: 0/s}]}"

static const char *timeout_yaml =
	"name: timeout\nseed: 5\nduration: 100s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: " QUIET_END("200/s", "99000") ", target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, timeout: %s}]}\n"
	"  leaf: {type: service, workers: 1000, service: {dist: exponential, mean: 10ms}}\n";

static void test_resilience_timeout_probability(void **state)
{
	(void)state;
	const char *taus[] = { "5ms", "20ms" };
	double tau[] = { 0.005, 0.02 }, m = 0.01;
	for (int i = 0; i < 2; i++) {
		char yaml[1024], what[64];
		snprintf(yaml, sizeof yaml, timeout_yaml, taus[i]);
		double x[NREP], made[NREP], to[NREP], failed[NREP], orphans[NREP];
		simtest_reps(yaml, NREP, { "front.calls_made", made }, { "front.timeouts", to },
			     { "@timeout", failed }, { "leaf.orphans_served", orphans });
		for (uint32_t k = 0; k < NREP; k++) {
			x[k] = to[k] / made[k];
			/* each timed-out attempt fails its request, and its
			 * callee serves it all the same (wasted work): with
			 * no arrival in the last second, every one has been
			 * served by the end */
			assert_true((uint64_t)failed[k] == (uint64_t)to[k]);
			assert_true(orphans[k] == to[k]);
		}
		snprintf(what, sizeof what, "P(timeout), tau/m = %g", tau[i] / m);
		assert_true(simtest_within(what, x, NREP, exp(-tau[i] / m)));
		assert_false(simtest_within("  against e^(-tau/2m)", x, NREP, exp(-tau[i] / (2 * m))));
	}
}

static const char *backoff_yaml =
	"name: backoff\nseed: 7\nduration: 20s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, retry: {style: custom, max_attempts: 4, backoff: %s, base: 10ms, cap: 25ms, jitter: %s}}]}\n"
	"  leaf: {type: service, workers: 1000, service: {dist: constant, value: 0s}}\n"
	"timeline:\n"
	"  - {at: 0s, node: leaf, do: errors, rate: 1}\n";

/* Every attempt fails at once, so a request's latency is its three
 * waits: fixed 10 + 10 + 10 ms; exponential min(25, 10, 20, 40) = 10 +
 * 20 + 25 ms; full jitter half that on average, equal jitter three
 * quarters.  Failed requests' latencies are in failed_latency_s. */
static void test_resilience_backoff_waits(void **state)
{
	(void)state;
	const struct { const char *backoff, *jitter; double want; int exact; } cases[] = {
		{ "fixed", "none", 0.030, 1 },
		{ "exponential", "none", 0.055, 1 },
		{ "exponential", "full", 0.0275, 0 },
		{ "exponential", "equal", 0.04125, 0 },
	};
	for (size_t i = 0; i < 4; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, backoff_yaml, cases[i].backoff, cases[i].jitter);
		double n, waited, retries;
		simtest_reps(yaml, 1, { "@error", &n }, { "@failed_latency_s", &waited },
			     { "front.retries", &retries });
		double mean = waited / n;
		print_message("    %s, jitter %s: mean wait %.6f s over %g requests (expected %g)\n",
			      cases[i].backoff, cases[i].jitter, mean, n, cases[i].want);
		assert_true(n > 1500);
		assert_true(retries >= 3 * n);
		if (cases[i].exact) {
			assert_true(fabs(mean - cases[i].want) < 1e-9);
		} else {
			/* the sum of three uniform waits: sd below 0.01 s, so the
			 * mean of n is within 4 sd / sqrt(n) */
			assert_true(fabs(mean - cases[i].want) < 4 * 0.01 / sqrt(n));
		}
	}
}

static const char *budget_yaml =
	"name: budget\nseed: 9\nduration: 100s\nwarmup: 10s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 200/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, retry: {style: custom, max_attempts: 5, base: 1ms,\n"
	"                                   retry_budget: {min_retries_per_sec: 0.3, percent_can_retry: 0.1}}}]}\n"
	"  leaf: {type: service, workers: 1000, service: {dist: constant, value: 1ms}}\n"
	"timeline:\n"
	"  - {at: 0s, node: leaf, do: errors, rate: 1}\n";

/* Every attempt fails: without a budget each request would make 5; with
 * Finagle's budget of 0.1 per request and 0.3 a second, retries over its
 * 10 s ttl stay within a tenth of the first attempts plus 3, and the
 * rest are refused. */
static void test_resilience_retry_budget(void **state)
{
	(void)state;
	double n, retries, denied;
	simtest_reps(budget_yaml, 1, { "@arrivals", &n }, { "front.retries", &retries },
		     { "front.retries_denied", &denied });
	print_message("    %g requests, %g retries (%.4f), %g refused\n", n, retries, retries / n, denied);
	/* the measured 90 s: a tenth of the requests, 0.3 a second on top,
	 * and a bucket's worth at the window's edges */
	assert_true(retries <= 0.1 * n + 0.3 * 90 + 10);
	assert_true(retries >= 0.1 * n + 0.3 * 90 - 10);
	assert_true(denied > 0.8 * n);
}

static const char *never_yaml =
	"name: never\nseed: 11\nduration: 1000s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: q%s}]}\n"
	"  q: {type: service, service: {dist: exponential, mean: 5ms}}\n";

/* A 30 s timeout that never fires: the timeouts wait in their edge's
 * list, not in the event queue.  The run handles as many events as
 * without the timeout, plus the armed ones: at most one per 30 s, and
 * one per timeout cancelled while armed, far below one per request. */
static void test_resilience_cancelled_timeouts_cost_no_events(void **state)
{
	(void)state;
	uint64_t ev[2], req = 0;
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, never_yaml, i ? ", timeout: 30s" : "");
		double events, requests, timeouts;
		simtest_reps(yaml, 1, { "@events", &events }, { "@requests", &requests },
			     { "@timeout", &timeouts });
		ev[i] = (uint64_t)events;
		req = (uint64_t)requests;
		assert_true(timeouts == 0);
	}
	print_message("    %llu requests: %llu events without the timeout, %llu with\n",
		      (unsigned long long)req, (unsigned long long)ev[0], (unsigned long long)ev[1]);
	assert_true(ev[1] >= ev[0]);
	assert_true(ev[1] - ev[0] <= 1000 / 30 + 2);
}

static const char *breaker_yaml =
	"name: brk\nseed: 13\nduration: 100s\nreplications: 1\n"
	"breakers:\n"
	"  cb: {sliding_window_size: 20, minimum_number_of_calls: 10, failure_rate_threshold: 50,\n"
	"       wait_duration_in_open_state: 5s, permitted_number_of_calls_in_half_open_state: 3}\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, breaker: cb}]}\n"
	"  leaf: {type: service, workers: 1000, service: {dist: constant, value: 1ms}}\n"
	"timeline:\n"
	"  - {at: 0s, node: leaf, do: errors, rate: 1}\n";

/* A dependency that always fails, behind a breaker: it opens at the
 * 10th call (the minimum), then every 5 s lets 3 calls through, which
 * fail and open it again.  So the calls made are exactly 10 + 3 per
 * reopening, every other request fails fast without a call, and the
 * half-open probes come a little over 5 s apart: 19 in 100 s. */
static void test_resilience_breaker_in_the_engine(void **state)
{
	(void)state;
	double made, opened, np, n, half, closed, fast;
	simtest_reps(breaker_yaml, 1, { "front.calls_made", &made }, { "front.breaker_opened", &opened },
		     { "front.breaker_not_permitted", &np }, { "@arrivals", &n },
		     { "front.breaker_half_opened", &half }, { "front.breaker_closed", &closed },
		     { "@breaker_open", &fast });
	print_message("    %g requests: %g calls made, opened %g times, %g failed fast\n", n, made, opened, np);
	assert_true(made == 10 + 3 * (opened - 1));
	assert_true(opened == 20);
	assert_true(half == 19);
	assert_true(closed == 0);
	assert_true(np == fast);
	assert_true(np + made >= n - 5 && np + made <= n);
}

static const char *bucket_yaml =
	"name: bucket\nseed: 15\nduration: 10s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: constant, rate: 1000/s}, target: q}\n"
	"nodes:\n"
	"  q: {type: service, workers: 1000, service: {dist: constant, value: 1ms},\n"
	"      rate_limit: {rate: 100/s, burst: 20}}\n";

/* Ten times the rate for 10 s: the bucket passes its 20 and then 100 a
 * second, 1020, give or take the one at the boundary; the rest are
 * rejected. */
static void test_resilience_token_bucket(void **state)
{
	(void)state;
	double ok, rej, n;
	simtest_reps(bucket_yaml, 1, { "@ok", &ok }, { "q.rejected", &rej }, { "@arrivals", &n });
	print_message("    passed %g, rejected %g of %llu\n", ok, rej, (unsigned long long)n);
	assert_true(fabs(ok - 1020) <= 1);
	assert_true(ok + rej == n);
}

static const char *shed_yaml =
	"name: shed\nseed: 17\nduration: 100s\nwarmup: 5s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 200/s}, target: q}\n"
	"nodes:\n"
	"  q: {type: service, service: {dist: constant, value: 10ms}%s}\n";

/* Twice the capacity: without shedding the queue grows for ever; with
 * max_queue_wait 50 ms no served request waited longer, so none took
 * longer than 60 ms, the server stays busy, and the rest are shed. */
static void test_resilience_shedding_by_queue_wait(void **state)
{
	(void)state;
	char yaml[1024];
	snprintf(yaml, sizeof yaml, shed_yaml, ", max_queue_wait: 50ms");
	double ok, shed, p999, util, node_shed;
	simtest_reps(yaml, 1, { "@ok", &ok }, { "@shed", &shed }, { "@latency_p999_s", &p999 },
		     { "q.utilization", &util }, { "q.shed", &node_shed });
	print_message("    served %g, shed %g, p99.9 %.4f s\n", ok, shed, p999);
	assert_true(p999 <= 0.060 * (1 + HIST_REL_ERR));
	/* the server never idles: busy all 100 s, it serves one request
	 * each 10 ms (give or take the one at each end of the window) */
	print_message("    utilization %.6f\n", util);
	assert_true(util > 1 - 1e-6);
	assert_true(fabs(ok - 100 * 100) <= 1);
	assert_true(shed > 9000);
	assert_true(node_shed == shed);
	/* the control: no shedding, and latencies far beyond */
	snprintf(yaml, sizeof yaml, shed_yaml, "");
	double p50;
	simtest_reps(yaml, 1, { "@latency_p50_s", &p50 });
	assert_true(p50 > 1);
}

static const char *limit_yaml =
	"name: limit\nseed: 19\nduration: 50s\nwarmup: 5s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 150/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf%s}]}\n"
	"  leaf: {type: service, service: {dist: exponential, mean: 10ms}}\n";

/* An edge allowing 5 attempts out at once in front of an overloaded
 * single server: at most 5 are there, so at most 4 wait; the others fail
 * at once, as rejected calls.  Without the limit the queue grows. */
static void test_resilience_edge_max_requests(void **state)
{
	(void)state;
	char yaml[1024];
	double q[2], rej[2];
	for (int i = 0; i < 2; i++) {
		snprintf(yaml, sizeof yaml, limit_yaml, i ? ", max_requests: 5" : "");
		simtest_reps(yaml, 1, { "leaf.queue_len_mean", &q[i] }, { "@call_rejected", &rej[i] });
	}
	print_message("    queue %.2f and %g rejected calls without the limit, %.2f and %g with\n",
		      q[0], rej[0], q[1], rej[1]);
	assert_true(q[1] <= 4);
	assert_true(q[0] > 100);
	assert_true(rej[1] > 1000 && rej[0] == 0);
}

static const char *hedge_yaml =
	"name: hedge\nseed: 21\nduration: 100s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 200/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, hedge: {after: %s}}]}\n"
	"  leaf: {type: service, workers: 10000, service: {dist: exponential, mean: 10ms}}\n";

/* A hedge after d on a leaf with ample workers and exponential service of
 * mean m: the latency is X1 when X1 <= d, else min(X1, d + X2), whose
 * mean is m - (m/2) e^(-d/m).  Without the hedge it would be m; the
 * copies are a share e^(-d/m) of the attempts. */
static void test_resilience_hedge_mean(void **state)
{
	(void)state;
	const char *ds[] = { "5ms", "20ms" };
	double d[] = { 0.005, 0.02 }, m = 0.01;
	for (int i = 0; i < 2; i++) {
		char yaml[1024], what[64];
		snprintf(yaml, sizeof yaml, hedge_yaml, ds[i]);
		double x[NREP], copies[NREP], n[NREP];
		simtest_reps(yaml, NREP, { "@latency_mean_s", x }, { "front.hedges", copies },
			     { "@arrivals", n });
		for (uint32_t k = 0; k < NREP; k++)
			copies[k] /= n[k];
		snprintf(what, sizeof what, "mean latency, hedge after %s", ds[i]);
		assert_true(simtest_within(what, x, NREP, m - m / 2 * exp(-d[i] / m)));
		assert_false(simtest_within("  against no hedge", x, NREP, m));
		assert_true(simtest_within("  copies per request", copies, NREP, exp(-d[i] / m)));
	}
}

/* ---- regressions --------------------------------------------------- */

/* A late reply of a step's timed-out attempt is never taken for the next
 * step's: with b taking 100 ms, no request can end sooner. */
static void test_resilience_late_reply_of_an_earlier_step(void **state)
{
	(void)state;
	double served, min_ns;
	simtest_reps(
		"name: late\nseed: 41\nduration: 20s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: a, per_try_timeout: 5ms, retry: {style: custom, max_attempts: 3, base: 1ms}}, {to: b}]}\n"
		"  a: {type: service, workers: 1000, service: {dist: exponential, mean: 5ms}}\n"
		"  b: {type: service, workers: 1000, service: {dist: constant, value: 100ms}}\n",
		1, { "@ok", &served }, { "@latency_min_ns", &min_ns });
	/* the served requests are the latencies recorded */
	assert_true(served > 1000);
	assert_true(min_ns >= 100000000);
}

/* Two parallel calls, each edge with a pool of one connection and room
 * for one waiting attempt, at one call a second (at 1, 2 and 3 s) against
 * 1.4 s services.  Each edge alone is a D/D/1 queue holding at most one
 * waiting: the call at 1 s takes the connection, the one at 2 s waits
 * until 2.4 s, the one at 3 s until 3.8 s.  So nothing is refused, on
 * either edge, although both pools are full at once at 2 and 3 s: one
 * edge's waiting attempt does not count against the other's room.
 * Control: with no room to wait, the call at 2 s is refused. */
static void test_resilience_parallel_pools_are_separate(void **state)
{
	(void)state;
	for (int room = 1; room >= 0; room--) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "name: pools\nseed: 3\nduration: 3.5s\nreplications: 1\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: front}\n"
			 "nodes:\n"
			 "  front: {type: service, workers: 100, service: {dist: constant, value: 0s},\n"
			 "          calls: [{parallel: [{to: a, max_connections: 1, max_pending_requests: %d},\n"
			 "                              {to: b, max_connections: 1, max_pending_requests: %d}]}]}\n"
			 "  a: {type: service, workers: 100, service: {dist: constant, value: 1.4s}}\n"
			 "  b: {type: service, workers: 100, service: {dist: constant, value: 1.4s}}\n",
			 room, room);
		double refused, n;
		simtest_reps(yaml, 1, { "@call_rejected", &refused }, { "@arrivals", &n });
		print_message("    max_pending_requests %d: %llu of %llu refused\n", room,
			      (unsigned long long)refused, (unsigned long long)n);
		assert_true(n >= 3);
		if (room)
			assert_int_equal(refused, 0);
		else
			assert_true(refused >= 1);
	}
}

/* A breaker on one call of a parallel group whose other call fails half
 * the time: attempts given up when the group fails fast give their
 * half-open permits back, so the breaker never sticks half-open. */
static void test_resilience_breaker_permits_given_back(void **state)
{
	(void)state;
	double ok, n;
	simtest_reps(
		"name: leak\nseed: 43\nduration: 60s\nreplications: 1\n"
		"breakers:\n  cb: {sliding_window_size: 10, minimum_number_of_calls: 5,\n"
		"       failure_rate_threshold: 50, wait_duration_in_open_state: 1s,\n"
		"       permitted_number_of_calls_in_half_open_state: 3}\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{parallel: [{to: a, breaker: cb}, {to: b}]}]}\n"
		"  a: {type: service, workers: 1000, service: {dist: constant, value: 10ms}}\n"
		"  b: {type: service, workers: 1000, service: {dist: constant, value: 1ms}}\n"
		"timeline:\n  - {at: 0s, node: b, do: errors, rate: 0.5}\n"
		"  - {at: 10s, node: a, do: errors, rate: 1, for: 5s}\n",
		1, { "@ok", &ok }, { "@arrivals", &n });
	print_message("    %g ok of %llu\n", ok, (unsigned long long)n);
	/* after a's failures end at 15 s the breaker closes again: about
	 * half of the 4,500 requests after it succeed (b's coin) */
	assert_true(ok > 1500);
}

/* An edge's own max_requests refusals are no breaker calls: on a healthy
 * leaf the breaker never opens. */
static void test_resilience_limit_refusals_are_not_breaker_failures(void **state)
{
	(void)state;
	double opened, refused;
	simtest_reps(
		"name: brkrej\nseed: 45\nduration: 30s\nreplications: 1\n"
		"breakers:\n  cb: {sliding_window_size: 10, minimum_number_of_calls: 5,\n"
		"       failure_rate_threshold: 100, slow_call_duration_threshold: 1s}\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: a, max_requests: 1, breaker: cb}]}\n"
		"  a: {type: service, workers: 1000, service: {dist: constant, value: 5ms}}\n",
		1, { "front.breaker_opened", &opened }, { "@call_rejected", &refused });
	assert_true(opened == 0);
	assert_true(refused > 100);
}

/* Each retry draws its own jitter.  Fixed 10 ms waits under full jitter,
 * half the attempts failing: a request is served at attempt k with
 * probability 2^-k, after k - 1 uniform waits; the sum of two exceeds
 * 18 ms with probability 0.02, of three 0.284.  So 0.0216 of the served
 * requests waited longer (binomial sd 0.001 here); shared draws (u, 2u,
 * 3u) would make it 0.04. */
static void test_resilience_each_retry_its_own_jitter(void **state)
{
	(void)state;
	double over, served;
	simtest_reps(
		"name: jit\nseed: 47\nduration: 200s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: a, retry: {style: custom, max_attempts: 4, backoff: fixed, base: 10ms, jitter: full}}]}\n"
		"  a: {type: service, workers: 1000, service: {dist: constant, value: 0s}}\n"
		"timeline:\n  - {at: 0s, node: a, do: errors, rate: 0.5}\n",
		1, { "@latency_above[18ms]", &over }, { "@ok", &served });
	/* the served requests are the latencies recorded */
	double f = over / served;
	print_message("    %.4f of %llu served requests waited over 18 ms\n", f,
		      (unsigned long long)served);
	double want = (0.02 / 8 + 0.284 / 16) / (15.0 / 16);
	double sd = sqrt(want * (1 - want) / served);
	assert_true(fabs(f - want) < 4 * sd);
	assert_false(fabs(f - 0.04) < 4 * sd);
}

/* Wasted work is seen through a balancer too. */
static void test_resilience_orphans_behind_a_balancer(void **state)
{
	(void)state;
	double to, orph;
	simtest_reps(
		"name: lborph\nseed: 49\nduration: 30s\nreplications: 1\n"
		"workloads:\n  u: {arrival: " QUIET_END("200/s", "29000") ", target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: lb, timeout: 10ms}]}\n"
		"  lb: {type: balancer, backends: web}\n"
		"  web: {type: service, replicas: 2, workers: 1000, service: {dist: exponential, mean: 10ms}}\n",
		1, { "front.timeouts", &to }, { "web.orphans_served", &orph });
	print_message("    %g timeouts, %g orphans served behind the balancer\n", to, orph);
	assert_true(orph == to && to > 1000);
}

static const char *cancel_yaml =
	"name: cancel\nseed: 51\nduration: 60s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n  u: {arrival: " QUIET_END("95/s", "45000") ", target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, timeout: 30ms, cancel: %s}]}\n"
	"  leaf: {type: service, service: {dist: exponential, mean: 10ms}}\n";

/* A leaf at rho 0.95 behind a 30 ms timeout: most timed-out attempts are
 * still waiting when their caller gives up.  Without cancel they are all
 * served for nobody; with it they are dropped unstarted, the leaf's
 * queue shortens, and fewer attempts time out. */
static void test_resilience_cancel_drops_the_unstarted(void **state)
{
	(void)state;
	double orph[2], canc[2], to[2];
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, cancel_yaml, i ? "true" : "false");
		simtest_reps(yaml, 1, { "leaf.orphans_served", &orph[i] }, { "leaf.cancelled", &canc[i] },
			     { "front.timeouts", &to[i] });
	}
	print_message("    without cancel: %g timeouts, %g served for nobody; with: %g timeouts, %g served, %g dropped\n",
		      to[0], orph[0], to[1], orph[1], canc[1]);
	assert_true(canc[0] == 0 && canc[1] > 0);
	/* every one of them served, or dropped unstarted: no arrival in the
	 * last 15 s, so the leaf's queue has drained by the end (no warm-up,
	 * so none timed out before the counts began) */
	assert_true(orph[0] == to[0]);
	assert_true(orph[1] + canc[1] == to[1]);
	assert_true(orph[1] < orph[0] / 2 && to[1] < to[0]);
}

static const char *pool_yaml =
	"name: pool\nseed: 53\nduration: 3000s\nwarmup: 100s\nreplications: 10\n"
	"workloads:\n  u: {arrival: {process: poisson, rate: 3.2/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, max_connections: 4%s}]}\n"
	"  leaf: {type: service, workers: 10000, service: {dist: exponential, mean: 1s}}\n";

/* A pool of 4 connections before a leaf with ample workers and Exp(1)
 * service, at 3.2 calls a second, is an M/M/4 queue: the mean latency is
 * 1 + C(4, 3.2) / (4 - 3.2) by Erlang C (control: 4 servers more).  With
 * no waiting allowed (max_pending_requests: 0) it is Erlang's loss system
 * M/M/4/4: the refused share is Erlang B(4, 3.2). */
static void test_resilience_connection_pool(void **state)
{
	(void)state;
	double a = 3.2, x[NREP], blk[NREP];
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, pool_yaml, i ? ", max_pending_requests: 0" : "");
		double n[NREP];
		simtest_reps(yaml, NREP, { "@latency_mean_s", x }, { "@call_rejected", blk },
			     { "@arrivals", n });
		for (uint32_t k = 0; k < NREP; k++)
			blk[k] /= n[k];
		if (!i) {
			assert_true(simtest_within("pool of 4: M/M/4 mean latency", x, NREP,
						   1 + simtest_erlang_c(4, a) / (4 - a)));
			assert_false(simtest_within("  against M/M/8", x, NREP,
						    1 + simtest_erlang_c(8, a) / (8 - a)));
		} else {
			double term = 1, sum = 1;
			for (int k = 1; k <= 4; k++) {
				term *= a / k;
				sum += term;
			}
			assert_true(simtest_within("no pending: Erlang B refusals", blk, NREP, term / sum));
			assert_false(simtest_within("  against none refused", blk, NREP, 0));
		}
	}
}

/* The same bucket on an edge: 1000 calls a second for 10 s through a
 * bucket of 100/s and burst 20 make 1020 calls, within one; the rest
 * fail at once as rejected calls. */
static void test_resilience_edge_token_bucket(void **state)
{
	(void)state;
	double made, refused, n;
	simtest_reps(
		"name: ebucket\nseed: 55\nduration: 10s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1000/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: leaf, rate_limit: {rate: 100/s, burst: 20}}]}\n"
		"  leaf: {type: service, workers: 1000, service: {dist: constant, value: 1ms}}\n",
		1, { "front.calls_made", &made }, { "@call_rejected", &refused }, { "@arrivals", &n });
	print_message("    %g calls made, %llu refused\n", made, (unsigned long long)refused);
	assert_true(fabs(made - 1020) <= 1);
	assert_true(made + refused == n);
}

static const char *scope_yaml =
	"name: scope\nseed: 57\nduration: 200s\nwarmup: 10s\nreplications: 10\n"
	"workloads:\n  u: {arrival: {process: poisson, rate: 400/s}, target: lb}\n"
	"nodes:\n"
	"  lb: {type: balancer, policy: random, backends: api}\n"
	"  api: {type: service, replicas: 4, workers: 10000, service: {dist: constant, value: 0s},\n"
	"        calls: [{to: dep, max_requests: 5%s}]}\n"
	"  dep: {type: service, workers: 10000, service: {dist: exponential, mean: 100ms}}\n";

/* erlang_b: the share refused by c servers with no waiting room under an
 * offered load of a erlangs (Erlang's loss formula, by its recurrence). */
static double erlang_b(int c, double a)
{
	double b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return b;
}

/* Where an edge's limit lives.  4 replicas behind a random balancer at
 * 400/s, each allowed 5 calls out at once to a 100 ms dependency with
 * ample workers: each replica is an Erlang loss system of 5 servers under
 * 100/s x 0.1 s = 10 erlangs, so a share 1 - B(10, 5) = 0.436 of the
 * requests succeeds (174.4/s), as four sidecars would let through.  With
 * scope: node one limit of 5 serves all 40 erlangs: 1 - B(40, 5) = 0.122
 * (48.7/s).  Each is shown outside the other's interval. */
static void test_resilience_limit_per_replica(void **state)
{
	(void)state;
	double per[2] = { 1 - erlang_b(5, 10), 1 - erlang_b(5, 40) };
	const char *what[2] = { "scope replica: 1 - B(10, 5)", "scope node: 1 - B(40, 5)" };
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double ok[NREP], n[NREP];
		snprintf(yaml, sizeof yaml, scope_yaml, i ? ", scope: node" : "");
		simtest_reps(yaml, NREP, { "@ok", ok }, { "@arrivals", n });
		for (uint32_t k = 0; k < NREP; k++)
			ok[k] /= n[k];
		print_message("    %.1f/s served\n", 400 * gsl_stats_mean(ok, 1, NREP));
		assert_true(simtest_within(what[i], ok, NREP, per[i]));
		assert_false(simtest_within("  against the other scope", ok, NREP, per[!i]));
	}
}

/* A breaker per calling replica: 4 replicas of a caller whose dependency
 * always fails, behind a breaker that opens after 10 calls and stays
 * open past the run.  Each replica's instance sees its own 10 failures
 * and opens: 4 openings and 40 calls made; with scope: node one instance
 * opens after the first 10 calls of all. */
static void test_resilience_breaker_per_replica(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double made, opened;
		snprintf(yaml, sizeof yaml,
			 "name: brk\nseed: 13\nduration: 20s\nreplications: 1\n"
			 "breakers:\n"
			 "  cb: {sliding_window_size: 20, minimum_number_of_calls: 10,\n"
			 "       wait_duration_in_open_state: 1000s}\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
			 "nodes:\n"
			 "  front: {type: service, replicas: 4, workers: 1000,\n"
			 "          service: {dist: constant, value: 0s},\n"
			 "          calls: [{to: leaf, breaker: cb%s}]}\n"
			 "  leaf: {type: service, workers: 1000, service: {dist: constant, value: 1ms}}\n"
			 "timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n",
			 i ? ", scope: node" : "");
		simtest_reps(yaml, 1, { "front.calls_made", &made }, { "front.breaker_opened", &opened });
		print_message("    scope %s: opened %g times, %g calls made\n", i ? "node" : "replica",
			      opened, made);
		assert_true(opened == (i ? 1 : 4));
		assert_true(made == (i ? 10 : 40));
	}
}

/* ---- the production styles: Envoy's and gRPC's retries ---------------- */

#define MAX_RETRY_SEEN 6
#define WAIT_BINS 5

/* What the trace shows of each retry: its wait since the attempt before,
 * in WAIT_BINS equal parts of its bound, and whether every wait was a
 * whole number of milliseconds below the bound. */
struct waits_seen {
	const double *bound_ns;      /* [MAX_RETRY_SEEN] retry n's bound */
	int64_t last_ns;
	uint64_t count[MAX_RETRY_SEEN][WAIT_BINS];
	double sum[MAX_RETRY_SEEN];
	int whole_ms, below;
};

static void on_child(void *arg, const struct sim_trace_ev *ev)
{
	struct waits_seen *w = arg;
	if (ev->what != SIM_TR_CHILD)
		return;
	unsigned k = ev->req->attempt;
	if (k > 0 && k < MAX_RETRY_SEEN) {
		int64_t wait = ev->t_ns - w->last_ns;
		double b = w->bound_ns[k];
		w->whole_ms &= wait % 1000000 == 0;
		w->below &= wait >= 0 && (double)wait < b;
		int bin = (int)((double)wait / b * WAIT_BINS);
		w->count[k][bin < WAIT_BINS ? bin : WAIT_BINS - 1]++;
		w->sum[k] += (double)wait;
	}
	w->last_ns = ev->t_ns;
}

/* chi2_uniform: Pearson's statistic of counts c[WAIT_BINS] against equal
 * shares. */
static double chi2_uniform(const uint64_t *c)
{
	double n = 0, x = 0;
	for (int i = 0; i < WAIT_BINS; i++)
		n += (double)c[i];
	for (int i = 0; i < WAIT_BINS; i++) {
		double e = n / WAIT_BINS;
		x += ((double)c[i] - e) * ((double)c[i] - e) / e;
	}
	return x;
}

static const char *envoy_yaml =
	"name: envoy\nseed: 61\nduration: 4000s\nreplications: 1\n"
	"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: front}\n"
	"nodes:\n"
	"  front: {type: service, workers: 100, service: {dist: constant, value: 0s},\n"
	"          calls: [{to: leaf, retry: {num_retries: 5%s}}]}\n"
	"  leaf: {type: service, workers: 100, service: {dist: constant, value: 0s}}\n"
	"timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n";

/* Envoy's backoff, as its JitteredExponentialBackOffStrategy draws it:
 * retry n waits a whole number of milliseconds uniform in [0, b_n), b
 * starting at base_interval 25 ms and doubling up to max_interval 250 ms:
 * 25, 50, 100, 200, 250.  Every attempt fails at once, so the trace's
 * gaps between a request's attempts are the waits.  Each retry's waits
 * fall in five equal parts of its bound as a uniform's do (chi-square,
 * 4 degrees of freedom, below 18.47 with probability 0.999), and not as
 * the older formula's bound (2^n - 1) x 25 ms would put them. */
static void test_resilience_envoy_backoff(void **state)
{
	(void)state;
	const double ms = 1e6;
	double bounds[MAX_RETRY_SEEN] = { 0, 25 * ms, 50 * ms, 100 * ms, 200 * ms, 250 * ms };
	double older[MAX_RETRY_SEEN] = { 0, 25 * ms, 75 * ms, 175 * ms, 250 * ms, 250 * ms };
	struct waits_seen w = { .bound_ns = bounds, .whole_ms = 1, .below = 1 };
	struct sim_hooks hooks = { .trace = on_child, .arg = &w };
	char yaml[1024];
	snprintf(yaml, sizeof yaml, envoy_yaml, "");
	double n, retries;
	simtest_reps_hooked(yaml, 1, &hooks, { "@arrivals", &n }, { "front.retries", &retries });
	assert_true(w.whole_ms && w.below);
	assert_true(retries == 5 * n);
	for (int k = 1; k < MAX_RETRY_SEEN; k++) {
		double x = chi2_uniform(w.count[k]), mean = w.sum[k] / n / ms;
		print_message("    retry %d: bound %3.0f ms, mean wait %.2f ms (uniform's %.1f), chi2 %.2f\n",
			      k, bounds[k] / ms, mean, (bounds[k] / ms - 1) / 2, x);
		assert_true(x < 18.47);
	}
	/* the older bound, on the same gaps: retry 2 spread over 75 ms puts
	 * none in its top parts */
	struct waits_seen o = { .bound_ns = older, .whole_ms = 1, .below = 1 };
	hooks.arg = &o;
	simtest_reps_hooked(yaml, 1, &hooks, { "@arrivals", &n });
	print_message("    against (2^n - 1) x 25 ms: retry 2 chi2 %.1f\n", chi2_uniform(o.count[2]));
	assert_false(chi2_uniform(o.count[2]) < 18.47);
}

/* Envoy's default max_retries, 3 retries open at once per calling
 * replica.  Every first attempt fails at once and its one retry waits a
 * uniform 0..24 ms (mean 12 ms) while open: at 1000 requests a second
 * the retries are an Erlang loss system of 3 servers under 12 erlangs,
 * and a share 1 - B(12, 3) of the failures is retried.  With
 * max_retries: 1000 nearly all are. */
static void test_resilience_envoy_max_retries(void **state)
{
	(void)state;
	const char *y =
		"name: envoymax\nseed: 63\nduration: 100s\nwarmup: 5s\nreplications: 10\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1000/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: leaf, retry: {num_retries: 1%s}}]}\n"
		"  leaf: {type: service, workers: 10000, service: {dist: constant, value: 0s}}\n"
		"timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n";
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double r[NREP], n[NREP];
		snprintf(yaml, sizeof yaml, y, i ? ", max_retries: 1000" : "");
		simtest_reps(yaml, NREP, { "front.retries", r }, { "@arrivals", n });
		for (uint32_t k = 0; k < NREP; k++)
			r[k] /= n[k];
		if (!i) {
			assert_true(simtest_within("retried: 1 - B(12, 3)", r, NREP, 1 - erlang_b(3, 12)));
			assert_false(simtest_within("  against no limit", r, NREP, 1));
		} else {
			assert_true(simtest_within("max_retries 1000: 1 - B(12, 1000)", r, NREP,
						   1 - erlang_b(1000, 12)));
		}
	}
}

/* The call's timeout ends it whatever attempts are left: each attempt
 * fails after 30 ms, each retry waits below 25 ms, ten are allowed; a
 * 100 ms timeout ends every request at exactly 100 ms, as a timeout.
 * Without it the requests end when their attempts run out, later. */
static void test_resilience_call_timeout_is_exact(void **state)
{
	(void)state;
	const char *y =
		"name: deadline\nseed: 65\nduration: 100s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 10000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: leaf, timeout: %s, retry: {num_retries: 10, max_retries: 100000}}]}\n"
		"  leaf: {type: service, workers: 10000, service: {dist: constant, value: 30ms}}\n"
		"timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n";
	char yaml[1024];
	double n, to, lat;
	snprintf(yaml, sizeof yaml, y, "100ms");
	simtest_reps(yaml, 1, { "@arrivals", &n }, { "@timeout", &to }, { "@failed_latency_s", &lat });
	print_message("    %g requests, %g timed out, mean latency %.9f s\n", n, to, lat / to);
	assert_true(to >= n - 20 && to <= n);   /* those still out at the end */
	assert_true(fabs(lat / to - 0.1) < 1e-9);
	snprintf(yaml, sizeof yaml, y, "15s");
	simtest_reps(yaml, 1, { "@error", &to }, { "@failed_latency_s", &lat });
	print_message("    with 15 s: %g failed as errors, mean latency %.4f s\n", to, lat / to);
	assert_true(lat / to > 0.3);
}

/* gRPC's backoff: retry n waits uniformly in [0, min(initial x
 * multiplier^(n-1), max)): 10, 20, 40, 50 ms for initial 10 ms,
 * multiplier 2, max 50 ms; checked by parts as Envoy's. */
static void test_resilience_grpc_backoff(void **state)
{
	(void)state;
	const double ms = 1e6;
	double bounds[MAX_RETRY_SEEN] = { 0, 10 * ms, 20 * ms, 40 * ms, 50 * ms, 50 * ms };
	struct waits_seen w = { .bound_ns = bounds, .whole_ms = 1, .below = 1 };
	struct sim_hooks hooks = { .trace = on_child, .arg = &w };
	double n, retries;
	simtest_reps_hooked(
		"name: grpc\nseed: 67\nduration: 4000s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 100, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: leaf, retry: {style: grpc, max_attempts: 5, initial_backoff: 10ms,\n"
		"                   max_backoff: 50ms, backoff_multiplier: 2,\n"
		"                   retryable_status_codes: [INTERNAL]}}]}\n"
		"  leaf: {type: service, workers: 100, service: {dist: constant, value: 0s}}\n"
		"timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n",
		1, &hooks, { "@arrivals", &n }, { "front.retries", &retries });
	assert_true(w.below && !w.whole_ms);
	assert_true(retries == 4 * n);
	for (int k = 1; k < 5; k++) {
		double x = chi2_uniform(w.count[k]);
		print_message("    retry %d: bound %2.0f ms, mean wait %.3f ms, chi2 %.2f\n", k,
			      bounds[k] / ms, w.sum[k] / n / ms, x);
		assert_true(x < 18.47);
	}
}

/* gRPC's retry throttling: the tokens start at max_tokens 10 and each
 * failure takes one; retries stop once they are at most 5.  With every
 * attempt failing and no success to refill them, the run makes exactly
 * 4 retries (at 9, 8, 7 and 6 tokens), then none; without throttling,
 * 4 per request. */
static void test_resilience_grpc_throttling(void **state)
{
	(void)state;
	const char *y =
		"name: throttle\nseed: 69\nduration: 100s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 100, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: leaf, retry: {style: grpc, max_attempts: 5, initial_backoff: 1ms,\n"
		"                   max_backoff: 1ms, backoff_multiplier: 1,\n"
		"                   retryable_status_codes: [INTERNAL]%s}}]}\n"
		"  leaf: {type: service, workers: 100, service: {dist: constant, value: 0s}}\n"
		"timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n";
	char yaml[1024];
	double n, retries;
	snprintf(yaml, sizeof yaml, y, ", retry_throttling: {max_tokens: 10, token_ratio: 0.1}");
	simtest_reps(yaml, 1, { "@arrivals", &n }, { "front.retries", &retries });
	print_message("    throttled: %g retries over %g requests\n", retries, n);
	assert_true(retries == 4);
	snprintf(yaml, sizeof yaml, y, "");
	simtest_reps(yaml, 1, { "@arrivals", &n }, { "front.retries", &retries });
	assert_true(retries == 4 * n);
}

/* resilience4j's spellings of the window type are ours: COUNT_BASED is
 * count, TIME_BASED is time. */
static void test_resilience_breaker_enum_spellings(void **state)
{
	(void)state;
	const char *words[] = { "count", "COUNT_BASED", "time", "TIME_BASED" };
	for (int k = 0; k < 4; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "duration: 1s\nbreakers:\n  cb: {sliding_window_type: %s}\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: a}\n"
			 "nodes:\n  a: {type: service, service: 1ms, calls: [{to: b, breaker: cb}]}\n"
			 "  b: {type: service, service: 1ms}\n", words[k]);
		struct sweep *set = simtest_load(yaml);
		assert_int_equal(set->points[0]->breakers[0].cfg->window_type,
				 k < 2 ? BRK_WINDOW_COUNT : BRK_WINDOW_TIME);
		sweep_free(set);
	}
}

/* gRPC's hedging: max_attempts 3 to a leaf failing half its requests
 * (INTERNAL).  With INTERNAL non-fatal, a failure sends the next copy at
 * once and the first success commits: the request succeeds with
 * probability 1 - p^3 = 0.875, after (1 - p^3) / (1 - p) = 1.75 calls on
 * average, whether the copies wait for a hedging_delay of 10 s (never
 * reached) or all go at once (0).  With no non-fatal code the first
 * reply commits, whatever it is: 0.5. */
static void test_resilience_grpc_hedging(void **state)
{
	(void)state;
	const char *cases[] = {
		"hedging_delay: 10s, non_fatal_status_codes: [INTERNAL]",
		"non_fatal_status_codes: [INTERNAL]",
		"hedging_delay: 10s",
	};
	for (int k = 0; k < 3; k++) {
		char yaml[1024], what[96];
		double ok[NREP], n[NREP], calls[NREP];
		snprintf(yaml, sizeof yaml,
			 "name: hedging\nseed: 71\nduration: 100s\nreplications: 10\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: front}\n"
			 "nodes:\n"
			 "  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
			 "          calls: [{to: leaf, hedge: {style: grpc, max_attempts: 3, %s}}]}\n"
			 "  leaf: {type: service, workers: 1000, service: {dist: exponential, mean: 10ms}}\n"
			 "timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 0.5}\n", cases[k]);
		simtest_reps(yaml, NREP, { "@ok", ok }, { "@arrivals", n }, { "front.calls_made", calls });
		for (uint32_t i = 0; i < NREP; i++) {
			ok[i] /= n[i];
			calls[i] /= n[i];
		}
		snprintf(what, sizeof what, "success ratio, %s", cases[k]);
		if (k < 2) {
			assert_true(simtest_within(what, ok, NREP, 0.875));
			assert_false(simtest_within("  against the first reply's", ok, NREP, 0.5));
			if (k == 0)
				assert_true(simtest_within("  calls per request", calls, NREP, 1.75));
		} else {
			assert_true(simtest_within(what, ok, NREP, 0.5));
		}
	}
}

/* A non-fatal failure sends the next copy at once, even when it is the
 * attempt's own and a copy is still out.  A leaf that fails every request
 * after 100 ms, copies 80 ms apart, 3 in all: the first attempt fails at
 * 100 ms and the third goes then (not at 160 ms); the second fails at
 * 180, the third at 200 ms, when the request fails. */
static void test_resilience_grpc_hedging_at_once(void **state)
{
	(void)state;
	double lat, n;
	simtest_reps(
		"name: hedgeonce\nseed: 73\nduration: 10s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: front}\n"
		"nodes:\n"
		"  front: {type: service, workers: 1000, service: {dist: constant, value: 0s},\n"
		"          calls: [{to: leaf, hedge: {style: grpc, max_attempts: 3, hedging_delay: 80ms,\n"
		"                   non_fatal_status_codes: [INTERNAL]}}]}\n"
		"  leaf: {type: service, workers: 1000, service: {dist: constant, value: 100ms}}\n"
		"timeline:\n  - {at: 0s, node: leaf, do: errors, rate: 1}\n",
		1, { "@failed_latency_s", &lat }, { "@error", &n });
	print_message("    %g failed, at %.6f s each\n", n, lat / n);
	assert_true(n > 90);
	assert_true(fabs(lat / n - 0.2) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resilience_independent_failures),
		cmocka_unit_test(test_resilience_timeout_probability),
		cmocka_unit_test(test_resilience_backoff_waits),
		cmocka_unit_test(test_resilience_retry_budget),
		cmocka_unit_test(test_resilience_cancelled_timeouts_cost_no_events),
		cmocka_unit_test(test_resilience_breaker_in_the_engine),
		cmocka_unit_test(test_resilience_token_bucket),
		cmocka_unit_test(test_resilience_shedding_by_queue_wait),
		cmocka_unit_test(test_resilience_edge_max_requests),
		cmocka_unit_test(test_resilience_hedge_mean),
		cmocka_unit_test(test_resilience_late_reply_of_an_earlier_step),
		cmocka_unit_test(test_resilience_breaker_permits_given_back),
		cmocka_unit_test(test_resilience_parallel_pools_are_separate),
		cmocka_unit_test(test_resilience_limit_refusals_are_not_breaker_failures),
		cmocka_unit_test(test_resilience_each_retry_its_own_jitter),
		cmocka_unit_test(test_resilience_orphans_behind_a_balancer),
		cmocka_unit_test(test_resilience_cancel_drops_the_unstarted),
		cmocka_unit_test(test_resilience_connection_pool),
		cmocka_unit_test(test_resilience_edge_token_bucket),
		cmocka_unit_test(test_resilience_limit_per_replica),
		cmocka_unit_test(test_resilience_breaker_per_replica),
		cmocka_unit_test(test_resilience_breaker_enum_spellings),
		cmocka_unit_test(test_resilience_envoy_backoff),
		cmocka_unit_test(test_resilience_envoy_max_retries),
		cmocka_unit_test(test_resilience_call_timeout_is_exact),
		cmocka_unit_test(test_resilience_grpc_backoff),
		cmocka_unit_test(test_resilience_grpc_throttling),
		cmocka_unit_test(test_resilience_grpc_hedging),
		cmocka_unit_test(test_resilience_grpc_hedging_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
