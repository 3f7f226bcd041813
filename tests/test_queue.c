/*
 * test_queue.c - the queue kind: one consumer under Poisson publishes is
 * an M/M/1 queue for the publish-to-consumed delay; every group gets
 * every message; a crash under at_least_once redelivers, under
 * at_most_once loses; a full backlog refuses publishes; one consumer's
 * crash holds its partitions' messages until the group rebalances.
 */
#include "tests/simtest.h"

#include <math.h>

#define NREP 10

static const char *mm1_yaml =
	"name: q\nseed: 31\nduration: 200s\nwarmup: 20s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 80/s}, target: orders, keys: {dist: uniform, n: 1000}}\n"
	"nodes:\n"
	"  orders:\n"
	"    type: queue\n"
	"    partitions: 1\n"
	"    consumers: [{group: billing, service: {dist: exponential, mean: 10ms}}]\n";

/* lambda = 80/s, mu = 100/s: the delay is the M/M/1 sojourn, exponential
 * with mean 1/(mu - lambda) = 50 ms, median ln 2 times that.  The
 * producer's own latency is nil: publishing does not wait. */
static void test_queue_one_consumer_is_mm1(void **state)
{
	(void)state;
	double mean[NREP], p50[NREP], lat[NREP];
	simtest_reps(mm1_yaml, NREP, { "orders.delay_mean_s", mean }, { "orders.delay_p50_s", p50 },
		     { "@latency_mean_s", lat });
	for (uint32_t k = 0; k < NREP; k++)
		assert_true(lat[k] == 0);
	assert_true(simtest_within("publish-to-consumed mean", mean, NREP, 0.05));
	assert_false(simtest_within("  against the service time alone", mean, NREP, 0.01));
	/* the median, from the histogram's buckets: within its own 99.9 %
	 * interval widened by the buckets' relative error */
	double m = gsl_stats_mean(p50, 1, NREP), want = log(2) * 0.05;
	double half = stats_t_quantile(0.9995, NREP - 1) * gsl_stats_sd(p50, 1, NREP) / sqrt(NREP);
	print_message("    median %.5f +- %.5f, exact %.5f\n", m, half, want);
	assert_true(fabs(m - want) <= half + want * HIST_REL_ERR);
	assert_false(fabs(m - 0.05) <= half + 0.05 * HIST_REL_ERR);   /* the mean is not the median */
}

static const char *groups_yaml =
	"name: g\nseed: 33\nduration: 60s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 100/s}, target: orders, keys: {dist: uniform, n: 1000}}\n"
	"nodes:\n"
	"  orders:\n"
	"    type: queue\n"
	"    partitions: 4\n"
	"    delivery: %s\n"
	"    auto_commit_interval: 0s\n"
	"    consumers:\n"
	"      - {group: billing, count: 4, service: {dist: exponential, mean: 20ms}}\n"
	"      - {group: email, count: 1, service: {dist: exponential, mean: 5ms}}\n"
	"timeline:\n"
	"  - {at: 30s, node: orders, replica: 0, do: crash, for: 5s}\n";

/* What test_queue_groups_and_delivery reads of its run: billing is the
 * queue's first group (row 1), email its second. */
struct groups {
	double pub, b_pub, e_pub, b_red, b_lost, e_cons, b_cons, left, b_left, e_left;
};

static void read_groups(void *arg, const struct scenario *sc, uint32_t rep,
			const struct rep_result *res)
{
	struct groups *g = arg;
	g->pub = simtest_value(sc, res, "@arrivals");
	g->b_pub = simtest_value(sc, res, "orders[0].published");
	g->e_pub = simtest_value(sc, res, "orders[1].published");
	g->b_red = simtest_value(sc, res, "orders[0].redelivered");
	g->b_lost = simtest_value(sc, res, "orders[0].lost");
	g->e_cons = simtest_value(sc, res, "orders[1].consumed");
	g->b_cons = simtest_value(sc, res, "orders[0].consumed");
	/* the last node-series window ends with the run: each group's
	 * row (after the node's two values) holds its backlog then */
	const double *end = res->node_ts + (res->nts_node - 1) * res->node_ts_cells;
	assert_int_equal(res->node_ts_cells, 6);
	g->left = end[0];
	g->b_left = end[2];
	g->e_left = end[4];
}

/* Both groups receive every message.  Billing's crash for 5 s holds its
 * four in-progress messages: redelivered under at_least_once, lost under
 * at_most_once; its backlog drains after.  Offsets are committed as
 * each message is consumed (auto_commit_interval 0). */
static void test_queue_groups_and_delivery(void **state)
{
	(void)state;
	const char *modes[] = { "at_least_once", "at_most_once" };
	for (int i = 0; i < 2; i++) {
		char yaml[2048];
		snprintf(yaml, sizeof yaml, groups_yaml, modes[i]);
		struct groups g;
		simtest_each(yaml, 1, NULL, read_groups, &g);
		double pub = g.pub, b_pub = g.b_pub, e_pub = g.e_pub, b_red = g.b_red;
		double b_lost = g.b_lost, e_cons = g.e_cons, b_cons = g.b_cons;
		double b_left = g.b_left, e_left = g.e_left;
		assert_true(g.left == b_left + e_left);
		print_message("    %s: %g published; billing got %g, redelivered %g, lost %g; email got %g, consumed %g\n",
			      modes[i], pub, b_pub, b_red, b_lost, e_pub, e_cons);
		assert_true(b_pub == pub && e_pub == pub);
		/* every message is consumed, lost, or still in the backlog */
		assert_true(e_cons + e_left == pub);
		assert_true(b_cons + b_lost + b_left == pub);
		assert_true(e_left <= 2 && b_left <= 8);   /* both keep up */
		if (i == 0)
			assert_true(b_red >= 1 && b_red <= 4 && b_lost == 0);
		else
			assert_true(b_lost >= 1 && b_lost <= 4 && b_red == 0);
	}
}

static const char *full_yaml =
	"name: f\nseed: 35\nduration: 10s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: constant, rate: 100/s}, target: orders}\n"
	"nodes:\n"
	"  orders:\n"
	"    type: queue\n"
	"    capacity: 50\n"
	"    consumers: [{group: slow, service: {dist: constant, value: 1s}}]\n";

/* A consumer at 1/s behind 100/s of publishes and room for 50: the
 * backlog fills, and then a publish passes only when a message has been
 * consumed: 50 + 9 pass in 10 s (the consumer ends one each second from
 * 1.01 s), the other 940 are dropped and their producers refused. */
static void test_queue_capacity_drops(void **state)
{
	(void)state;
	double dropped, published, rejected;
	simtest_reps(full_yaml, 1, { "orders.dropped", &dropped }, { "orders.published", &published },
		     { "@rejected", &rejected });
	print_message("    published %g, dropped %g, rejected %llu\n", published, dropped,
		      (unsigned long long)rejected);
	assert_true(published == 59);
	assert_true(dropped == 1000 - 59 - 1);   /* the 1000th comes at 10 s: after the end */
	assert_true(rejected == dropped);
}

static const char *consumer_yaml =
	"name: c\nseed: 37\nduration: 90s\nwarmup: 0s\nreplications: 1\nwindow: 5s\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 400/s}, target: orders, keys: {dist: uniform, n: 100000}}\n"
	"nodes:\n"
	"  orders:\n"
	"    type: queue\n"
	"    partitions: 8\n"
	"    session_timeout: %s\n"
	"    auto_commit_interval: 0s\n"
	"    consumers: [{group: billing, count: 4, service: {dist: constant, value: 1ms}}]\n"
	"timeline:\n"
	"  - {at: 30s, node: orders, consumer: 1, do: crash, for: 40s}\n";

/* Consumer 1 of 4 owns partitions 1 and 5: a quarter of the messages.  It
 * crashes at 30 s.  Until the group notices (session_timeout 20 s, so at
 * 50 s) those messages wait: at 45 s the backlog holds the 400/s x 1/4 x
 * 15 s = 1500 published since: the 6000 published, a Poisson count,
 * thinned by the two partitions' share of the keys (sd 0.0014 of 0.25
 * over 100,000 uniform keys), so its variance is 1500 + (6000 x 0.0014)^2.
 * Consumers at 1 ms each keep every other backlog near zero (four M/D/1
 * queues at rho 0.1: a backlog above 8 has probability about 1e-9), so
 * after the rebalance it drains, and with session_timeout 0 it never
 * grows. */
struct backlogs {
	double at25, at45, at60, at85;
};

/* read_backlogs reads the backlog at 25, 45, 60 and 85 s: one value per
 * 5 s window. */
static void read_backlogs(void *arg, const struct scenario *sc, uint32_t rep,
			  const struct rep_result *res)
{
	struct backlogs *b = arg;
	assert_int_equal(res->node_ts_every, 1);
	assert_int_equal(res->node_ts_cells, 2);
	b->at45 = res->node_ts[8 * 2], b->at25 = res->node_ts[4 * 2];
	b->at60 = res->node_ts[11 * 2], b->at85 = res->node_ts[16 * 2];
}

/* read_backlog_31 reads the backlog at the end of the 1 s window that
 * ends at 31 s (into at25). */
static void read_backlog_31(void *arg, const struct scenario *sc, uint32_t rep,
			    const struct rep_result *res)
{
	struct backlogs *b = arg;
	(void)sc, (void)rep;
	b->at25 = res->node_ts[30 * res->node_ts_cells];
}

static void test_queue_consumer_crash(void **state)
{
	(void)state;
	for (int instant = 0; instant < 2; instant++) {
		char yaml[2048];
		snprintf(yaml, sizeof yaml, consumer_yaml, instant ? "0s" : "20s");
		struct backlogs b;
		simtest_each(yaml, 1, NULL, read_backlogs, &b);
		double at45 = b.at45, at25 = b.at25, at60 = b.at60, at85 = b.at85;
		print_message("    session_timeout %s: backlog %g at 25 s, %g at 45 s, %g at 60 s, %g at 85 s\n",
			      instant ? "0s" : "20s", at25, at45, at60, at85);
		assert_true(at25 <= 8 && at60 <= 8 && at85 <= 8);
		if (instant) {
			assert_true(at45 <= 8);
		} else {
			double sd = sqrt(1500 + pow(0.0014 * 400 * 15, 2));
			assert_true(fabs(at45 - 1500) <= 5 * sd);
		}
	}
}

static const char *keyless_yaml =
	"name: keyless\nseed: 71\nduration: 200s\nwarmup: 20s\nreplications: 10\n"
	"workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: orders}\n"
	"nodes:\n"
	"  orders:\n"
	"    type: queue\n"
	"    partitions: 32\n"
	"    keyless: %s\n"
	"    consumers: [{group: billing, count: 8, service: {dist: exponential, mean: 20ms}}]\n";

/* Messages without a key spread over the partitions, as Kafka's producer
 * spreads them (sticky batches, or round robin): 8 consumers of 32
 * partitions share 200 messages a second of 20 ms each, a utilization of
 * lambda S / 8 = 0.5.  Had they all gone to one partition, one consumer
 * would work flat out and the rest idle: 1/8. */
static void test_queue_keyless_messages_spread(void **state)
{
	(void)state;
	const char *modes[] = { "sticky", "round_robin" };
	for (int i = 0; i < 2; i++) {
		char yaml[1024], what[64];
		double u[NREP];
		snprintf(yaml, sizeof yaml, keyless_yaml, modes[i]);
		simtest_reps(yaml, NREP, { "orders.consumer_utilization", u });
		snprintf(what, sizeof what, "%s: lambda S / 8", modes[i]);
		assert_true(simtest_within(what, u, NREP, 200 * 0.02 / 8));
		assert_false(simtest_within("  against one partition's 1/8", u, NREP, 1.0 / 8));
	}
}

/* Kafka's auto-commit: one consumer of one partition, a message every
 * 10 ms served in 1 ms, offsets committed every 5 s.  A crash at 12.5 s
 * leaves the 250 messages consumed since the commit at 10 s to be read
 * again (and the one in service, perhaps): redelivered, consumed twice.
 * Committing each message, only the one in service. */
static void test_queue_auto_commit_redelivers(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		double red, cons, pub;
		snprintf(yaml, sizeof yaml,
			 "name: commit\nseed: 3\nduration: 20s\nwarmup: 0s\nreplications: 1\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: orders}\n"
			 "nodes:\n"
			 "  orders: {type: queue, auto_commit_interval: %s,\n"
			 "           consumers: [{group: g, service: {dist: constant, value: 1ms}}]}\n"
			 "timeline:\n  - {at: 12500ms, node: orders, consumer: 0, do: crash, for: 1s}\n",
			 k ? "0s" : "5s");
		simtest_reps(yaml, 1, { "orders.redelivered", &red }, { "orders.consumed", &cons },
			     { "orders.published", &pub });
		print_message("    auto_commit_interval %s: %g redelivered, %g consumed of %g\n",
			      k ? "0" : "5 s", red, cons, pub);
		if (!k)
			assert_true(red >= 250 && red <= 251);
		else
			assert_true(red <= 1);
		assert_true(cons == pub + red);
	}
}

/* A poison message: every message's call fails.  Each is delivered 3
 * times (2 redeliveries), then published to the dead-letter queue, whose
 * consumer takes them all. */
static void test_queue_dead_letter(void **state)
{
	(void)state;
	double pub, red, dead, dlq;
	simtest_reps(
		"name: dlq\nseed: 5\nduration: 20s\nwarmup: 0s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: orders}\n"
		"nodes:\n"
		"  orders: {type: queue, max_deliveries: 3, dead_letter: dlq,\n"
		"           consumers: [{group: g, service: {dist: constant, value: 1ms},\n"
		"                        calls: [{to: pay}]}]}\n"
		"  pay: {type: service, service: {dist: constant, value: 1ms}}\n"
		"  dlq: {type: queue, consumers: [{group: ops, service: {dist: constant, value: 1ms}}]}\n"
		"timeline:\n  - {at: 0s, node: pay, do: errors, rate: 1}\n",
		1, { "orders.published", &pub }, { "orders.redelivered", &red },
		{ "orders.dead_lettered", &dead }, { "dlq.published", &dlq });
	print_message("    %g published, %g redelivered, %g dead-lettered, %g at the dead-letter queue\n",
		      pub, red, dead, dlq);
	assert_true(dead >= pub - 1 && dead <= pub);
	assert_true(dlq == dead);
	assert_true(red >= 2 * dead && red <= 2 * dead + 2);
}

/* An eager rebalance stops the group: a consumer of 4 crashes at 30 s
 * and the group rebalances at once (session_timeout 0), then takes 2 s,
 * during which no message is started: at 31 s the backlog holds the
 * second's 400 messages, where without the pause it stays near 0
 * (offsets committed each message: no rewind adds to it). */
static void test_queue_rebalance_pauses(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml,
			 "name: pause\nseed: 7\nduration: 40s\nwarmup: 0s\nreplications: 1\nwindow: 1s\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 400/s}, target: orders,\n"
			 "      keys: {dist: uniform, n: 100000}}\n"
			 "nodes:\n"
			 "  orders: {type: queue, partitions: 8, session_timeout: 0s, rebalance_time: %s,\n"
			 "           auto_commit_interval: 0s,\n"
			 "           consumers: [{group: g, count: 4, service: {dist: constant, value: 1ms}}]}\n"
			 "timeline:\n  - {at: 30s, node: orders, consumer: 1, do: crash, for: 5s}\n",
			 k ? "0s" : "2s");
		struct backlogs b;
		simtest_each(yaml, 1, NULL, read_backlog_31, &b);
		print_message("    rebalance_time %s: backlog %g at 31 s\n", k ? "0" : "2 s", b.at25);
		if (!k)
			assert_true(b.at25 >= 390 && b.at25 <= 410);
		else
			assert_true(b.at25 <= 8);
	}
}

/* Kafka's poll loop: 1,000 messages arrive in the first second for one
 * consumer that takes 1 s each.  A poll of max_poll_records 500 takes
 * 500 s, past max_poll_interval 300 s: the consumer is put out of the
 * group, and what it consumed since its last commit (made at a poll:
 * none) is delivered again, poll after poll, a storm that never drains.
 * Polls of 100 take 100 s: each commits the last, and every message is
 * consumed once. */
static void test_queue_poll_interval(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[1024];
		double pub, cons, red, out;
		snprintf(yaml, sizeof yaml,
			 "name: poll\nseed: 9\nduration: 1200s\nwarmup: 0s\nreplications: 1\n"
			 "workloads:\n  u: {arrival: {process: profile, points: [{at: 0s, rate: 1000/s},\n"
			 "      {at: 1s, rate: 1000/s}, {at: 1001ms, rate: 0/s}]}, target: orders}\n"
			 "nodes:\n"
			 "  orders: {type: queue, max_poll_records: %d,\n"
			 "           consumers: [{group: g, service: {dist: constant, value: 1s}}]}\n",
			 k ? 100 : 500);
		simtest_reps(yaml, 1, { "orders.published", &pub }, { "orders.consumed", &cons },
			     { "orders.redelivered", &red }, { "orders.poll_timeouts", &out });
		print_message("    max_poll_records %d: %g published, %g consumed, %g redelivered, %g poll timeouts\n",
			      k ? 100 : 500, pub, cons, red, out);
		if (!k) {
			assert_true(out >= 3 && red >= 3 * 299);
			assert_true(cons < pub + red);   /* never drained */
		} else {
			assert_true(out == 0 && red == 0 && cons == pub);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_keyless_messages_spread),
		cmocka_unit_test(test_queue_auto_commit_redelivers),
		cmocka_unit_test(test_queue_dead_letter),
		cmocka_unit_test(test_queue_rebalance_pauses),
		cmocka_unit_test(test_queue_poll_interval),
		cmocka_unit_test(test_queue_one_consumer_is_mm1),
		cmocka_unit_test(test_queue_groups_and_delivery),
		cmocka_unit_test(test_queue_capacity_drops),
		cmocka_unit_test(test_queue_consumer_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
