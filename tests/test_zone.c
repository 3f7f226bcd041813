/*
 * test_zone.c - zones and links (sim/zone.h): a hop to a replica in
 * another zone pays its link's one-way delay, and the reply pays it back;
 * a chain of calls over three zones adds the sum of its hops; the first
 * link that matches a pair is the one it takes; replicas spread over
 * their zones in turn; a node without zones sits with its caller.  A
 * link's bandwidth: messages queue for it one at a time (exactly, and as
 * the M/M/1 of its rate over the mean size), a direction's transmitter is
 * shared by every pair of zones the link joins, and its traffic costs per
 * GB.
 */
#include "tests/simtest.h"

#include "sim/zone.h"

/* the scenario's head: three zones, a <-> b 10 ms, anything <-> c 30 ms
 * (c <-> c too: first match), within a 1 ms; users in a */
static const char head[] =
	"duration: 100s\n"
	"zones:\n  a: {}\n  b: {}\n  c: {region: far}\n"
	"links:\n"
	"  - {between: [a, b], latency: 10ms}\n"
	"  - {within: a, latency: 1ms}\n"
	"  - {between: [\"*\", c], latency: 30ms}\n"
	"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: api, zone: a}\n"
	"nodes:\n";

/* latency_of runs head + nodes once and gives every served request's
 * latency, which must be the same for all, in ms. */
static double latency_of(const char *nodes)
{
	char yaml[2000];
	snprintf(yaml, sizeof yaml, "%s%s", head, nodes);
	double lo, hi, ok;
	simtest_reps(yaml, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi },
		     { "@ok", &ok });
	assert_true(ok == 99);
	print_message("    %.6f .. %.6f ms\n", lo * 1e-6, hi * 1e-6);
	assert_true(hi - lo <= 2);
	return lo * 1e-6;
}

static void test_zone_hops_add_their_delays(void **state)
{
	/* api in a (1 ms there and back from the users, within a), calls db
	 * in b: 10 ms each way; 1 + 2 ms of service */
	double t = latency_of("  api: {type: service, service: 1ms, zones: [a], calls: [{to: db}]}\n"
			      "  db: {type: service, service: 2ms, zones: [b]}\n");
	assert_true(fabs(t - (2 * 1 + 2 * 10 + 3)) < 1e-5);
	/* the same db in c: 30 ms each way */
	t = latency_of("  api: {type: service, service: 1ms, zones: [a], calls: [{to: db}]}\n"
		       "  db: {type: service, service: 2ms, zones: [c]}\n");
	assert_true(fabs(t - (2 * 1 + 2 * 30 + 3)) < 1e-5);
	/* a chain a -> b -> c: each call pays its own hop both ways, 2 x (10 +
	 * 30), and the users' 2 x 1 */
	t = latency_of("  api: {type: service, service: 1ms, zones: [a], calls: [{to: mid}]}\n"
		       "  mid: {type: service, service: 1ms, zones: [b], calls: [{to: leaf}]}\n"
		       "  leaf: {type: service, service: 1ms, zones: [c]}\n");
	assert_true(fabs(t - (2 * 1 + 2 * 10 + 2 * 30 + 3)) < 1e-5);
	/* next: forwards a -> b -> c, and the reply goes from c straight back
	 * to the users in a (30 ms): 1 + 10 + 30 + 30 */
	t = latency_of("  api: {type: service, service: 1ms, zones: [a], next: [{to: mid, p: 1}]}\n"
		       "  mid: {type: service, service: 1ms, zones: [b], next: [{to: leaf, p: 1}]}\n"
		       "  leaf: {type: service, service: 1ms, zones: [c]}\n");
	assert_true(fabs(t - (1 + 10 + 30 + 30 + 3)) < 1e-5);
	/* c <-> c takes the first link that matches it, "* <-> c" */
	t = latency_of("  api: {type: service, service: 1ms, zones: [c]}\n");
	assert_true(fabs(t - (2 * 30 + 1)) < 1e-5);
}

/* Users outside every zone, and a node without zones, cost nothing; a
 * balancer sits with its caller. */
static void test_zone_unplaced_costs_nothing(void **state)
{
	double t = latency_of("  api: {type: service, service: 1ms, calls: [{to: db}]}\n"
			      "  db: {type: service, service: 2ms}\n");
	assert_true(fabs(t - 3) < 1e-5);
	/* api in a behind a balancer (a sidecar: in the users' zone) */
	t = latency_of("  api: {type: balancer, backends: web}\n"
		       "  web: {type: service, service: 1ms, zones: [b], replicas: 2}\n");
	assert_true(fabs(t - (2 * 10 + 1)) < 1e-5);
}

/* Replicas spread over their zones in turn: of 4 replicas over [a, b],
 * 0 and 2 are in a and 1 and 3 in b; round robin sends every other
 * request across, so latencies are 1 + 2 (in a) or 1 + 20 (in b): the
 * first request goes to replica 0, so 50 of the 99 stay in a. */
static void test_zone_replicas_spread(void **state)
{
	char yaml[2000];
	snprintf(yaml, sizeof yaml, "%s%s", head,
		 "  api: {type: service, service: 1ms, zones: [a, b], replicas: 4}\n");
	double lo, hi, mean;
	simtest_reps(yaml, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi },
		     { "@latency_mean_s", &mean });
	print_message("    %.3f .. %.3f ms, mean %.4f ms\n", lo * 1e-6, hi * 1e-6, mean * 1e3);
	assert_true(fabs(lo - 3e6) <= 2 && fabs(hi - 21e6) <= 2);
	/* requests at 1 .. 99 s in turn from replica 0: 50 in a, 49 in b */
	assert_true(fabs(mean - (50 * 0.003 + 49 * 0.021) / 99) < 1e-9);
}

/* A link's delay drawn per hop: exponential of mean 10 ms each way adds
 * 20 ms on average (within the replications' 99.9 % interval), and a
 * spread: the latency's p99 is the sum of two exponentials' (the
 * Erlang-2's 66.4 ms, plus the 1 ms of service), where a constant delay
 * would give 21 ms (the control). */
static void test_zone_random_delay(void **state)
{
	enum { REPS = 10 };
	double mean[REPS], p99[REPS];
	struct sweep *set = simtest_load(
		"duration: 200s\nseed: 4\n"
		"zones:\n  a: {}\n  b: {}\n"
		"links:\n  - {between: [a, b], latency: {dist: exponential, mean: 10ms}}\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 100/s}, target: api, zone: a}\n"
		"nodes:\n  api: {type: service, workers: 1000, service: 1ms, zones: [b]}\n");
	for (uint32_t k = 0; k < REPS; k++) {
		struct rep_result r;
		simtest_run(set->points[0], k, &r);
		mean[k] = hist_mean(&r.scopes[0].latency) * 1e-9;
		p99[k] = (double)hist_quantile(&r.scopes[0].latency, 0.99) * 1e-9;
		rep_result_fini(&r);
	}
	sweep_free(set);
	double m = gsl_stats_mean(mean, 1, REPS), q = gsl_stats_mean(p99, 1, REPS);
	double half = stats_t_quantile(0.9995, REPS - 1) * gsl_stats_sd(mean, 1, REPS) / sqrt(REPS) +
		      HIST_REL_ERR * 0.021;
	double qhalf = stats_t_quantile(0.9995, REPS - 1) * gsl_stats_sd(p99, 1, REPS) / sqrt(REPS) +
		       HIST_REL_ERR * 0.0674;
	print_message("    mean %.5f s +- %.5f, reference 0.021; p99 %.4f +- %.4f, reference 0.0674\n",
		      m, half, q, qhalf);
	assert_true(fabs(m - 0.021) <= half);
	assert_true(fabs(q - 0.0674) <= qhalf);
	assert_true(fabs(q - 0.021) > qhalf);
}

/* A zone outage crashes the replicas placed there, of every node: users
 * reach web's two replicas (a, b) in turn at 10/s, and web[0] calls db's
 * two (a, b) in turn.  Zone b down for 10 s (from 10.05 s) fails the
 * requests of those 10 s sent to web[1] (50) and half of web[0]'s calls
 * (25): 75, one entry per node in the timeline.  A recover of the zone
 * halfway (15.05 s) halves that; a recover of web alone at 15.05 s
 * leaves db down: web[1]'s 25 failures, web[0]'s 25 calls to db[1], and
 * half of web[1]'s 25 calls once it is back, 62. */
static void test_zone_outage(void **state)
{
	static const struct {
		const char *tl;
		double failed;
	} cases[] = {
		{ "  - {at: 10.05s, zone: b, do: crash, for: 10s}\n", 75 },
		{ "  - {at: 10.05s, zone: b, do: crash}\n  - {at: 15.05s, zone: b, do: recover}\n", 37 },
		{ "  - {at: 10.05s, zone: b, do: crash, for: 10s}\n  - {at: 15.05s, node: web, do: recover}\n", 62 },
	};
	for (size_t i = 0; i < 3; i++) {
		char yaml[1000];
		snprintf(yaml, sizeof yaml,
			 "duration: 30s\nzones: {a: {}, b: {}}\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: web}\n"
			 "nodes:\n  web: {type: service, replicas: 2, zones: [a, b], workers: 10,\n"
			 "      service: 1ms, calls: [{to: db}]}\n"
			 "  db: {type: service, replicas: 2, zones: [a, b], workers: 10, service: 1ms}\n"
			 "timeline:\n%s", cases[i].tl);
		double failed;
		simtest_reps(yaml, 1, { "@crashed", &failed });
		print_message("    %g failed, %g expected\n", failed, cases[i].failed);
		assert_true(failed == cases[i].failed);
	}
	struct sweep *set = simtest_load(
		"duration: 30s\nzones: {a: {}, b: {}}\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: web}\n"
		"nodes:\n  web: {type: service, replicas: 2, zones: [a, b], service: 1ms}\n"
		"  db: {type: service, zones: [b], service: 1ms}\n"
		"  other: {type: service, service: 1ms}\n"
		"timeline:\n  - {at: 1s, node: other, do: slow, factor: 2}\n"
		"  - {at: 10s, zone: b, do: crash}\n");
	const struct scenario *sc = set->points[0];
	assert_int_equal(sc->ntimeline, 3);
	assert_int_equal(sc->timeline[1].node, 0);
	assert_int_equal(sc->timeline[2].node, 1);
	assert_string_equal(sc->timeline[2].label, "b down");
	sweep_free(set);
}

/* A queue sits with its publisher: its consumers call from the zone the
 * message was published in, so a call from them to b pays the a <-> b
 * link both ways: 2 x 50 ms + 1 ms.  And a request on its way to a
 * replica removed meanwhile (scaled away, drain 0 s) is refused when it
 * arrives, not served by a replica that is gone: of requests every 100
 * ms in turn to two replicas (b's 100 ms away), the one of 1 s is in
 * flight to replica 1 when the scale to one replica comes at 1.05 s.  So
 * is one a `latency` fault delays on its way from a balancer. */
static void test_zone_queue_and_transit(void **state)
{
	double wait;
	simtest_reps("duration: 10s\n"
		     "zones: {a: {}, b: {}}\n"
		     "links:\n  - {between: [a, b], latency: 50ms}\n"
		     "workloads:\n  u: {arrival: {process: poisson, rate: 20/s}, target: A, zone: a}\n"
		     "nodes:\n  A: {type: service, zones: [a], workers: 4, service: 1ms, calls: [{to: q}]}\n"
		     "  q:\n    type: queue\n    partitions: 2\n"
		     "    consumers:\n      - {group: g, count: 2, service: 1ms, calls: [{to: B}]}\n"
		     "  B: {type: service, zones: [b], workers: 4, service: 1ms}\n",
		     1, { "q.call_wait_mean_s", &wait });
	print_message("    queue's consumers wait %.6f s on their calls\n", wait);
	assert_true(fabs(wait - 0.101) < 1e-9);
	double failed, served;
	simtest_reps("duration: 3s\n"
		     "zones: {a: {}, b: {}}\n"
		     "links:\n  - {between: [a, b], latency: 100ms}\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: svc, zone: a}\n"
		     "nodes:\n  svc: {type: service, replicas: 2, zones: [a, b], drain: 0s, service: 1ms}\n"
		     "timeline:\n  - {at: 1.05s, node: svc, do: scale, replicas: 1}\n",
		     1, { "svc[1].failed", &failed }, { "svc[1].completed", &served });
	print_message("    replica 1: %g served, %g refused\n", served, failed);
	assert_true(failed == 1 && served == 4);
	/* the same through a balancer and a `latency` fault of 100 ms, no
	 * zones: the arrival delayed by the fault is refused alike */
	simtest_reps("duration: 3s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: lb}\n"
		     "nodes:\n  lb: {type: balancer, backends: svc}\n"
		     "  svc: {type: service, replicas: 2, drain: 0s, service: 1ms}\n"
		     "timeline:\n  - {at: 0s, node: svc, do: latency, add: 100ms}\n"
		     "  - {at: 1.05s, node: svc, do: scale, replicas: 1}\n",
		     1, { "svc[1].failed", &failed }, { "svc[1].completed", &served });
	print_message("    through a latency fault: %g served, %g refused\n", served, failed);
	assert_true(failed == 1 && served == 4);
}

/* link_cell is column `name` of links.csv's row `chan` in a
 * replication's result: its value, or with part 1 a ratio's denominator. */
static double link_cell(const struct rep_result *r, uint32_t chan, const char *name, int part)
{
	size_t nc = model_ncols(sim_link_cols);
	assert_true(chan < r->links.nrows);
	for (size_t c = 0; c < nc; c++)
		if (!strcmp(sim_link_cols[c].name, name))
			return r->links.v[(chan * nc + c) * 2 + (size_t)part];
	fail_msg("no link column %s", name);
	return NAN;
}

/* A link with a bandwidth sends one message at a time, in order.  Users
 * in a send a request of 2.5 MB every second (from 1 s) to api in b over
 * 8 Mbit/s (10^6 bytes/s): each takes 2.5 s to send, so request k waits
 * 1.5 k s behind those before it, then pays the 10 ms latency; its reply
 * carries nothing (10 ms back).  In 100 s, requests 0 .. 38 are done
 * (request 39 would end at 101.021 s), of latencies 2.521 + 1.5 k s; the
 * transmitter is busy from 1 s to the end, 99 % of the time.  The same
 * with a response of 2.5 MB and no request size: the replies queue on the
 * link's other direction alike, from 1.011 s.  Without the bandwidth (the control),
 * every latency is 21 ms. */
static void test_zone_bandwidth_queues(void **state)
{
	static const char *const sizes[] = { "{request: 2.5MB}", "{response: 2.5MB}" };
	for (int back = 0; back < 2; back++) {
		for (int limited = 0; limited < 2; limited++) {
			char yaml[1000];
			snprintf(yaml, sizeof yaml,
				 "duration: 100s\n"
				 "zones: {a: {}, b: {}}\n"
				 "links:\n  - {between: [a, b], latency: 10ms%s}\n"
				 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: api,"
				 " zone: a, size: %s}\n"
				 "nodes:\n  api: {type: service, service: 1ms, zones: [b]}\n",
				 limited ? ", bandwidth: 8Mbit/s" : "", sizes[back]);
			struct sweep *set = simtest_load(yaml);
			struct rep_result r;
			simtest_run(set->points[0], 0, &r);
			const struct hist *h = &r.scopes[0].latency;
			double lo = (double)h->min_ns * 1e-9, hi = (double)h->max_ns * 1e-9;
			double util = link_cell(&r, (uint32_t)back, "utilization", 0);
			double wait = link_cell(&r, (uint32_t)back, "wait_mean_s", 0) /
				      link_cell(&r, (uint32_t)back, "wait_mean_s", 1);
			print_message("    %s%s: %llu served, %.6f .. %.6f s, utilization %.6f, wait %.6f s\n",
				      back ? "responses" : "requests", limited ? "" : " (no bandwidth)",
				      (unsigned long long)h->total, lo, hi, util, wait);
			if (limited) {
				assert_true(h->total == 39);
				assert_true(fabs(lo - 2.521) < 1e-8 && fabs(hi - (2.521 + 1.5 * 38)) < 1e-8);
				/* replies reach the link 11 ms after their
				 * requests were issued */
				assert_true(fabs(util - (back ? 1 - 0.01011 : 0.99)) < 1e-9);
				/* all 99 hops are counted as they reach the
				 * link, the 60 still waiting at the end too:
				 * 1.5 k s for k = 0 .. 98 */
				assert_true(fabs(wait - 1.5 * 98 / 2) < 1e-6);
			} else {
				assert_true(h->total == 99);
				assert_true(fabs(lo - 0.021) < 1e-8 && fabs(hi - 0.021) < 1e-8);
				assert_true(isnan(util) && wait == 0);
			}
			rep_result_fini(&r);
			sweep_free(set);
		}
	}
}

/* The M/M/1 of a link: Poisson requests at 50/s of exponential sizes of
 * mean 10 KB over 8 Mbit/s are served at mu = 100/s, so rho = 0.5 and a
 * request waits W = rho / (mu - lambda) = 10 ms on average before it is
 * sent; its whole delay on the link (wait, sending, 1 ms of latency) has
 * the mean 1 / (mu - lambda) + 1 ms = 21 ms and, exponential, the p99
 * ln(100) / 50 s + 1 ms = 93.1 ms; utilization 0.5.  Each within its
 * replications' 99.9 % interval (plus the histogram's bucket for the
 * p99).  Constant sizes of 10 KB (M/D/1, the control) wait half as long,
 * 5 ms, which the M/M/1 interval must exclude. */
static void test_zone_bandwidth_mm1(void **state)
{
	enum { REPS = 8 };
	static const char *const size[] = { "{dist: exponential, mean: 10KB}", "10KB" };
	for (int d = 0; d < 2; d++) {
		char yaml[1000];
		snprintf(yaml, sizeof yaml,
			 "duration: 1000s\nwarmup: 10s\nseed: 9\n"
			 "zones: {a: {}, b: {}}\n"
			 "links:\n  - {between: [a, b], latency: 1ms, bandwidth: 8Mbit/s}\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 50/s}, target: api,"
			 " zone: a, size: {request: %s}}\n"
			 "nodes:\n  api: {type: service, workers: 100, service: 1us, zones: [b]}\n",
			 size[d]);
		struct sweep *set = simtest_load(yaml);
		double w[REPS], t[REPS], q[REPS], u[REPS];
		for (uint32_t k = 0; k < REPS; k++) {
			struct rep_result r;
			simtest_run(set->points[0], k, &r);
			double hops = link_cell(&r, 0, "wait_mean_s", 1);
			w[k] = link_cell(&r, 0, "wait_mean_s", 0) / hops;
			t[k] = link_cell(&r, 0, "delay_mean_s", 0) / hops;
			q[k] = link_cell(&r, 0, "delay_p99_s", 0);
			u[k] = link_cell(&r, 0, "utilization", 0);
			rep_result_fini(&r);
		}
		sweep_free(set);
		double tq = stats_t_quantile(0.9995, REPS - 1);
#define HALF(x) (tq * gsl_stats_sd(x, 1, REPS) / sqrt(REPS))
		double wb = gsl_stats_mean(w, 1, REPS), hw = HALF(w);
		double tb = gsl_stats_mean(t, 1, REPS), ht = HALF(t);
		double qb = gsl_stats_mean(q, 1, REPS), hq = HALF(q) + HIST_REL_ERR * 0.0931;
		double ub = gsl_stats_mean(u, 1, REPS), hu = HALF(u);
#undef HALF
		print_message("    %s sizes: wait %.5f +- %.5f s, delay %.5f +- %.5f, p99 %.4f +- %.4f, utilization %.4f +- %.4f\n",
			      d ? "constant" : "exponential", wb, hw, tb, ht, qb, hq, ub, hu);
		assert_true(fabs(ub - 0.5) <= hu);
		if (d == 0) {
			assert_true(fabs(wb - 0.010) <= hw);
			assert_true(fabs(tb - 0.021) <= ht);
			assert_true(fabs(qb - (log(100) / 50 + 0.001)) <= hq);
			assert_true(fabs(0.005 - wb) > hw);     /* the control's mean */
		} else {
			assert_true(fabs(wb - 0.005) <= hw);
			assert_true(fabs(0.010 - wb) > hw);
		}
	}
}

/* One transmitter per direction of a link, whichever zones it joins:
 * users in a and in b each send 0.6 s of data every second to api in c.
 * Over one link `[ab] <-> c` the two share it, 1.2 s a second: the waits
 * grow (the last served waited over 10 s).  Over a link each (the
 * control), nobody waits.  And its cost: 0.02 a GB, 0.6 MB a request
 * and a reply, over the separate links, is gb x 0.02 x 3600 / 60 s an
 * hour, in summary.csv's cost_per_hour. */
static void test_zone_bandwidth_shared(void **state)
{
	for (int shared = 0; shared < 2; shared++) {
		char yaml[1200];
		snprintf(yaml, sizeof yaml,
			 "duration: 60s\n"
			 "zones: {a: {}, b: {}, c: {}}\n"
			 "links:\n%s"
			 "workloads:\n"
			 "  u: {arrival: {process: constant, rate: 1/s}, target: api, zone: a, size: {request: 0.6MB, response: 0.6MB}}\n"
			 "  v: {arrival: {process: constant, rate: 1/s}, target: api, zone: b, size: {request: 0.6MB, response: 0.6MB}}\n"
			 "nodes:\n  api: {type: service, workers: 10, service: 1ms, zones: [c]}\n",
			 shared ? "  - {between: [\"[ab]\", c], latency: 1ms, bandwidth: 1MB/s, cost: {per_gb: 0.02}}\n" :
				  "  - {between: [a, c], latency: 1ms, bandwidth: 1MB/s, cost: {per_gb: 0.02}}\n"
				  "  - {between: [b, c], latency: 1ms, bandwidth: 1MB/s, cost: {per_gb: 0.02}}\n");
		struct sweep *set = simtest_load(yaml);
		struct rep_result r;
		simtest_run(set->points[0], 0, &r);
		const struct hist *h = &r.scopes[0].latency;
		print_message("    %s: %u channels, latencies %.4f .. %.4f s, cost %.6f an hour\n",
			      shared ? "one link" : "a link each", r.links.nrows,
			      (double)h->min_ns * 1e-9, (double)h->max_ns * 1e-9, r.cost_per_hour);
		if (shared) {
			assert_true(r.links.nrows == 2);
			assert_true((double)h->max_ns * 1e-9 > 10);
		} else {
			assert_true(r.links.nrows == 4);
			assert_true(fabs((double)h->max_ns * 1e-9 - 1.203) < 1e-8);
			/* 59 requests and 59 replies per workload, 0.6 MB each */
			double gb = 0;
			for (uint32_t c = 0; c < 4; c++)
				gb += link_cell(&r, c, "gb", 0);
			assert_true(fabs(gb - 4 * 59 * 0.6e-3) < 1e-9);
			assert_true(fabs(r.cost_per_hour - gb * 0.02 * 3600 / 60) < 1e-9);
		}
		rep_result_fini(&r);
		sweep_free(set);
	}
}

/* links.csv's rows: a link between two patterns has a channel each way,
 * one within zones or between a pattern and itself has one.  The head's
 * three links give a->b, b->a, within a, *->c and c->*. */
static void test_zone_channels(void **state)
{
	char yaml[2000];
	snprintf(yaml, sizeof yaml, "%s%s", head,
		 "  api: {type: service, service: 1ms, zones: [b]}\n");
	struct sweep *set = simtest_load(yaml);
	const struct zone_map *z = set->points[0]->zmap;
	static const char *const want[][2] = {
		{ "a", "b" }, { "b", "a" }, { "a", "a" }, { "*", "c" }, { "c", "*" },
	};
	assert_int_equal(z->nchan, 5);
	for (uint32_t c = 0; c < 5; c++) {
		assert_string_equal(z->chans[c].from, want[c][0]);
		assert_string_equal(z->chans[c].to, want[c][1]);
	}
	/* users in a reach b over a->b, and the replies come back over b->a */
	assert_int_equal(zone_chan_of(z, 1, 2), 0);
	assert_int_equal(zone_chan_of(z, 2, 1), 1);
	assert_int_equal(zone_chan_of(z, 3, 1), 4);
	assert_int_equal(zone_chan_of(z, 3, 3), 3);  /* c -> c: first match, forward */
	sweep_free(set);
	set = simtest_load("duration: 1s\nzones: {a: {}, b: {}}\n"
			   "links:\n  - {between: [\"*\", \"*\"], latency: 1ms}\n"
			   "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: api}\n"
			   "nodes:\n  api: {type: service, service: 1ms, zones: [b]}\n");
	z = set->points[0]->zmap;
	assert_int_equal(z->nchan, 1);
	assert_int_equal(zone_chan_of(z, 1, 2), 0);
	assert_int_equal(zone_chan_of(z, 2, 1), 0);
	sweep_free(set);
}

/* What a link carries at its edges.  A refused request's reply carries no
 * response: 1 MB back per served request only (a service of one worker
 * and no queue refuses most of 50/s of 100 ms).  A link still sending
 * what queued in the warm-up is busy from the window's first moment:
 * 2 MB a second over 1 MB/s is busy for all of it.  Messages beyond what
 * the engine's clock can reach (a 1 TB message over 1 kbit/s, for ever)
 * leave it busy to the end, not beyond. */
static void test_zone_bandwidth_edges(void **state)
{
	struct sweep *set = simtest_load(
		"duration: 100s\nseed: 3\n"
		"zones: {a: {}, b: {}}\n"
		"links:\n  - {between: [a, b], latency: 1ms, bandwidth: 1GB/s}\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 50/s}, target: api, zone: a,"
		" size: {response: 1MB}}\n"
		"nodes:\n  api: {type: service, workers: 1, queue: 0, service: 100ms, zones: [b]}\n");
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	double ok = (double)simtest_ended(&r, REQ_OK), refused = (double)simtest_ended(&r, REQ_REJECTED);
	double back = link_cell(&r, 1, "gb", 0);
	print_message("    %g served, %g refused: %g GB back\n", ok, refused, back);
	assert_true(refused > ok);
	assert_true(fabs(back - ok * 1e-3) < 1e-9);
	rep_result_fini(&r);
	sweep_free(set);

	set = simtest_load("duration: 10s\nwarmup: 10s\n"
			   "zones: {a: {}, b: {}}\n"
			   "links:\n  - {between: [a, b], latency: 1ms, bandwidth: 1MB/s}\n"
			   "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: api, zone: a,"
			   " size: {request: 2MB}}\n"
			   "nodes:\n  api: {type: service, service: 1ms, zones: [b]}\n");
	simtest_run(set->points[0], 0, &r);
	double util = link_cell(&r, 0, "utilization", 0);
	print_message("    backlog from the warm-up: utilization %.6f\n", util);
	assert_true(fabs(util - 1) < 1e-9);
	rep_result_fini(&r);
	sweep_free(set);

	set = simtest_load("duration: 100s\n"
			   "zones: {a: {}, b: {}}\n"
			   "links:\n  - {between: [a, b], latency: 1ms, bandwidth: 1kbit/s}\n"
			   "workloads:\n  u: {arrival: {process: constant, rate: 30/s}, target: api, zone: a,"
			   " size: {request: 1TB}}\n"
			   "nodes:\n  api: {type: service, service: 1ms, zones: [b]}\n");
	simtest_run(set->points[0], 0, &r);
	util = link_cell(&r, 0, "utilization", 0);
	print_message("    1 TB over 1 kbit/s: utilization %.6f, %llu served\n", util,
		      (unsigned long long)simtest_ended(&r, REQ_OK));
	/* busy from the first request, at 1/30 s, to the end */
	assert_true(fabs(util - (1 - 1 / 30.0 / 100)) < 1e-9);
	assert_true(simtest_ended(&r, REQ_OK) == 0);
	rep_result_fini(&r);
	sweep_free(set);
}

/* The timeline's faults of the links.  A partition between a and b from
 * 10.005 s for 5 s loses the 500 requests users in a send to api in b
 * meanwhile (10.01 s to 15.00 s): they never arrive, and fail as timeouts
 * when their sender gives up, the partition's timeout (5 s by default)
 * later (links.csv counts them lost on a->b).  With web in a calling api
 * with a 200 ms timeout, the 500 calls made then fail as timeouts, 200
 * ms after they were made, and the lost children's own ends, 5 s on,
 * change nothing.  A latency spike of 50
 * ms on the same link adds 100 ms to the requests whose hops both fall
 * in it (10.01 s to 14.99 s: 499), 50 ms to the one of 15.00 s (its reply
 * leaves at 15.052 s, after the spike), and nothing to the others. */
static void test_zone_link_faults(void **state)
{
	static const char head2[] =
		"duration: 30s\n"
		"zones: {a: {}, b: {}}\n"
		"links:\n  - {between: [a, b], latency: 1ms}\n";
	char yaml[1500];
	snprintf(yaml, sizeof yaml, "%s%s", head2,
		 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: api, zone: a}\n"
		 "nodes:\n  api: {type: service, service: 1ms, zones: [b]}\n"
		 "timeline:\n  - {at: 10.005s, between: [a, b], do: partition, for: 5s}\n");
	struct sweep *set = simtest_load(yaml);
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	double lost = link_cell(&r, 0, "lost", 0), back = link_cell(&r, 1, "lost", 0);
	print_message("    partition: %llu served of %llu, %llu timed out after %.6f s, %g lost on the way, %g back\n",
		      (unsigned long long)simtest_ended(&r, REQ_OK),
		      (unsigned long long)simtest_arrivals(&r),
		      (unsigned long long)simtest_ended(&r, REQ_TIMEOUT),
		      r.scopes[0].failed_latency_s / 500, lost, back);
	assert_true(simtest_ended(&r, REQ_OK) == 2999 - 500);
	assert_true(simtest_ended(&r, REQ_TIMEOUT) == 500);
	assert_true(fabs(r.scopes[0].failed_latency_s - 500 * 5.0) < 1e-6);
	assert_true(lost == 500 && back == 0);
	rep_result_fini(&r);
	sweep_free(set);
	/* with 10 ms of service and a 1 s timeout, the reply of the
	 * request of 10.00 s leaves at 10.011 s and is lost too: 501
	 * timeouts, the 500 after 1 s and that one after 1.011 s */
	snprintf(yaml, sizeof yaml, "%s%s", head2,
		 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: api, zone: a}\n"
		 "nodes:\n  api: {type: service, workers: 10, service: 10ms, zones: [b]}\n"
		 "timeline:\n  - {at: 10.005s, between: [a, b], do: partition, for: 5s, timeout: 1s}\n");
	set = simtest_load(yaml);
	simtest_run(set->points[0], 0, &r);
	print_message("    a reply lost too: %llu timed out, %.6f s in all, %g replies lost\n",
		      (unsigned long long)simtest_ended(&r, REQ_TIMEOUT),
		      r.scopes[0].failed_latency_s, link_cell(&r, 1, "lost", 0));
	assert_true(simtest_ended(&r, REQ_TIMEOUT) == 501);
	assert_true(fabs(r.scopes[0].failed_latency_s - (500 + 1.011)) < 1e-6);
	assert_true(link_cell(&r, 1, "lost", 0) == 1);
	rep_result_fini(&r);
	sweep_free(set);

	double failed, fl;
	snprintf(yaml, sizeof yaml, "%s%s", head2,
		 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: web, zone: a}\n"
		 "nodes:\n  web: {type: service, workers: 100, service: 1ms, zones: [a],"
		 " calls: [{to: api, timeout: 200ms}]}\n"
		 "  api: {type: service, service: 1ms, zones: [b]}\n"
		 "timeline:\n  - {at: 10.005s, between: [a, b], do: partition, for: 5s}\n");
	simtest_reps(yaml, 1, { "@timeout", &failed }, { "@failed_latency_s", &fl });
	print_message("    behind a timeout: %g failed, %.6f s each\n", failed, fl / failed);
	/* the call leaves 1 ms after the request (web's service) */
	assert_true(failed == 500);
	assert_true(fabs(fl / failed - 0.201) < 1e-9);

	double lo, hi, slow, ok;
	snprintf(yaml, sizeof yaml, "%s%s", head2,
		 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: api, zone: a}\n"
		 "nodes:\n  api: {type: service, service: 1ms, zones: [b]}\n"
		 "timeline:\n  - {at: 10.005s, between: [\"*\", b], do: latency, add: 50ms, for: 5s}\n");
	simtest_reps(yaml, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi },
		     { "@latency_above[50ms]", &slow }, { "@ok", &ok });
	print_message("    latency spike: %g served, %g ms .. %g ms, %g slow\n", ok, lo * 1e-6, hi * 1e-6,
		      slow);
	assert_true(ok == 2999);
	assert_true(fabs(lo - 3e6) < 1 && fabs(hi - 103e6) < 1);
	assert_true(slow == 499 + 1);
}

/* What is refused, each at its place. */
static void test_zone_refusals(void **state)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
		{ "links:\n  - {between: [a, b], latency: 1ms}\n", "needs zones: to join" },
		{ "zones:\n  a: {}\nlinks:\n  - {between: [a, x], latency: 1ms}\n", "matches no pair of zones" },
		{ "zones: {a: {}, b: {}}\nlinks:\n  - {between: [\"*\", \"*\"], latency: 1ms}\n"
		  "  - {between: [a, b], latency: 10ms}\n", "takes an earlier link first (links[0])" },
		{ "zones:\n  a: {}\nlinks:\n  - {within: a, between: [a, a], latency: 1ms}\n", "needs one of between" },
		{ "zones:\n  \"a*\": {}\n", "not a valid zone name" },
		{ "zones: {a: {}}\ntimeline:\n  - {at: 0.5s, zone: a, do: slow, factor: 2}\n",
		  "unknown action for a zone 'slow'" },
		{ "zones: {a: {}}\ntimeline:\n  - {at: 0.5s, zone: a, do: crash}\n",
		  "no node is placed in zone a" },
		{ "zones: {a: {}}\ntimeline:\n  - {at: 0.5s, zone: x, do: crash}\n", "unknown zone 'x'" },
		{ "zones: {a: {}}\nlinks:\n  - {within: a, latency: 1ms, bandwidth: 100}\n",
		  "'100' needs a unit: bit/s" },
		{ "zones: {a: {}}\nlinks:\n  - {within: a, latency: 1ms, bandwidth: 0Gbit/s}\n",
		  "must be greater than 0" },
		{ "zones: {a: {}}\nlinks:\n  - {within: a, latency: 1ms, bandwidth: 1Gbps}\n",
		  "must be a bandwidth" },
		{ "zones: {a: {}}\nlinks:\n  - {within: a, latency: 1ms, cost: {per_gb: -1}}\n",
		  "per_gb" },
		{ "zones: {a: {}, b: {}}\ntimeline:\n  - {at: 0.5s, between: [a, c], do: partition}\n",
		  "unknown zone 'c'" },
		{ "zones: {a: {}, b: {}}\ntimeline:\n  - {at: 0.5s, between: [a, \"x*\"], do: partition}\n",
		  "'x*' matches no zone (zones: a, b)" },
		{ "zones: {a: {}, b: {}}\ntimeline:\n  - {at: 0.5s, between: [a, a], do: partition}\n",
		  "matches no pair of distinct zones" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char yaml[1000];
		snprintf(yaml, sizeof yaml,
			 "duration: 1s\n%s"
			 "workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: api}\n"
			 "nodes:\n  api: {type: service, service: 1ms}\n", cases[i].yaml);
		struct sweep *set = NULL;
		struct sim_err err = { 0 };
		assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml", yaml, NULL, 0, &set, &err),
				 SIM_EINVAL);
		print_message("    %s\n", err.msg);
		assert_non_null(strstr(err.msg, cases[i].msg));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_hops_add_their_delays),
		cmocka_unit_test(test_zone_unplaced_costs_nothing),
		cmocka_unit_test(test_zone_replicas_spread),
		cmocka_unit_test(test_zone_random_delay),
		cmocka_unit_test(test_zone_outage),
		cmocka_unit_test(test_zone_queue_and_transit),
		cmocka_unit_test(test_zone_channels),
		cmocka_unit_test(test_zone_bandwidth_queues),
		cmocka_unit_test(test_zone_bandwidth_mm1),
		cmocka_unit_test(test_zone_bandwidth_shared),
		cmocka_unit_test(test_zone_bandwidth_edges),
		cmocka_unit_test(test_zone_link_faults),
		cmocka_unit_test(test_zone_refusals),
	};
	return cmocka_run_group_tests_name("zone", tests, NULL, NULL);
}
