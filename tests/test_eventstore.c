/*
 * test_eventstore.c - the eventstore kind: a load's replay against the
 * snapshot cycle (exact), optimistic-concurrency conflicts against the
 * dead-time share r D / (1 + r D) over a Zipf workload, group commit's
 * batches and waits (exact with constant arrivals; A / T when the writer
 * is saturated), a crash that loses a batch being written, which retry
 * policies retry a conflict, and the outbox relay's delay (half its
 * polling interval) and batch.
 */
#include "tests/simtest.h"

#include <math.h>

#define NREP 10

static const char *cycle_yaml =
	"duration: 20s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: constant, rate: 100/s}, target: store, mix: {write: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, read_snapshot: 1ms, replay_per_event: %s,\n"
	"          append: 1ms, snapshot_every: %u, snapshot_write: 2ms}\n";

/* One aggregate, a command every 10 ms, each done (and its snapshot
 * written) within 5 ms: command i finds i mod N events since the
 * snapshot, so the replay averages (N - 1) / 2 over whole cycles, and
 * the load 1 ms + that x 100 us.  The window holds whole cycles but for
 * one partial one at each end, which moves the mean by at most
 * (N - 1) N / loads.  N = 20's reference is shown to miss. */
static void test_eventstore_snapshot_cycle(void **state)
{
	(void)state;
	unsigned ns[] = { 10, 20 };
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double rep, load, loads, snaps;
		snprintf(yaml, sizeof yaml, cycle_yaml, "100us", ns[i]);
		simtest_reps(yaml, 1, { "store.replayed_mean", &rep }, { "store.load_mean_s", &load },
			     { "store.commands", &loads }, { "store.snapshots", &snaps });
		double N = ns[i], want = (N - 1) / 2, tol = (N - 1) * N / loads;
		print_message("    snapshot_every %u: replay %.4f (reference %.4f +- %.4f), load %.6f s, %g snapshots of %g\n",
			      ns[i], rep, want, tol, load, snaps, loads);
		assert_true(fabs(rep - want) <= tol);
		assert_true(fabs(load - (1e-3 + rep * 1e-4)) < 1e-9);
		assert_true(fabs(snaps - loads / N) <= 1);
		if (i == 1)
			assert_false(fabs(rep - 4.5) <= tol);
	}
	/* without snapshots every load replays every event so far (1 us
	 * each here, so that the loads stay shorter than the period) */
	double rep, loads;
	char yaml[1024];
	snprintf(yaml, sizeof yaml, cycle_yaml, "1us", 0);
	simtest_reps(yaml, 1, { "store.replayed_mean", &rep }, { "store.commands", &loads });
	print_message("    no snapshots: replay %.1f, events before the window 100, in it %g\n", rep, loads);
	assert_true(fabs(rep - (100 + (loads - 1) / 2)) <= 1);
}

static const char *conflict_yaml =
	"duration: 60s\nwarmup: 1s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 200/s}, target: store,\n"
	"      keys: {dist: zipf, n: 5, s: 1}, mix: {write: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, workers: 1000, decide: %s, append: 0s}\n";

/* Five aggregates of Zipf popularity, Poisson commands, a constant D
 * from load to check and appends durable at once: after each accepted
 * append, the commands to its aggregate in the next D conflict (their
 * loads began before it), and the first after D is accepted again.  A
 * share r D / (1 + r D) of an aggregate's commands conflict, r its rate;
 * over the workload, sum_k p_k r_k D / (1 + r_k D).  Shown off
 * 1 - exp(-r D), which counts conflicting appends as moving the
 * aggregate on. */
static void test_eventstore_conflicts(void **state)
{
	(void)state;
	const char *ds[] = { "5ms", "20ms" };
	double D[] = { 0.005, 0.02 }, lam = 200, h = 0;
	for (int k = 1; k <= 5; k++)
		h += 1.0 / k;
	for (int i = 0; i < 2; i++) {
		double want = 0, naive = 0, x[NREP];
		for (int k = 1; k <= 5; k++) {
			double p = 1.0 / k / h, rd = lam * p * D[i];
			want += p * rd / (1 + rd);
			naive += p * -expm1(-rd);
		}
		char yaml[1024], what[64];
		snprintf(yaml, sizeof yaml, conflict_yaml, ds[i]);
		simtest_reps(yaml, NREP, { "store.conflict_ratio", x });
		snprintf(what, sizeof what, "conflict share, D = %s", ds[i]);
		assert_true(simtest_within(what, x, NREP, want));
		assert_false(simtest_within("  against 1 - exp(-r D)", x, NREP, naive));
	}
}

/* One aggregate, a command every 1 ms, a batch closing 4.5 ms after it
 * opens: the five commands of a batch loaded the same version, so the
 * check at the close accepts the first and fails the other four, however
 * many events are already durable: conflict_ratio 0.8 (the window's ends
 * aside). */
static void test_eventstore_conflicts_within_a_batch(void **state)
{
	(void)state;
	double ratio, cmds;
	simtest_reps("duration: 20s\nwarmup: 1s\nreplications: 1\n"
		     "workloads:\n"
		     "  u: {arrival: {process: constant, rate: 1000/s}, target: store, mix: {write: 1}}\n"
		     "nodes:\n"
		     "  store: {type: eventstore, append: 0s, commit_interval: 4.5ms}\n",
		     1, { "store.conflict_ratio", &ratio }, { "store.commands", &cmds });
	print_message("    one aggregate, batches of 5: conflict ratio %.5f of %g commands\n", ratio, cmds);
	assert_true(fabs(ratio - 0.8) <= 5 / cmds);
}

static const char *batch_yaml =
	"duration: 30s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: constant, rate: 1000/s}, target: store,\n"
	"      keys: {dist: sequential, n: 1000000000}, mix: {write: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, append: %s, commit_interval: %s}\n";

/* A command every 1 ms, each to an aggregate of its own, no load time.
 * commit_interval 2.5 ms, writes of 0.4 ms: a batch opens with one
 * command, takes the next two, closes 2.5 ms after it opened and is
 * durable 0.4 ms later, before the next command: batches of 3, waits of
 * 2.9, 1.9 and 0.9 ms.  With no interval and writes of 2.5 ms the writer
 * is always busy, and each write carries what came in during the one
 * before: A / T = 2.5 commands a batch, the first of each pair of
 * batches waiting no interval.  Partial batches at the window's ends
 * move the means by at most a batch over the batches. */
static void test_eventstore_group_commit(void **state)
{
	(void)state;
	char yaml[1024];
	double size, wait, nb, lat;
	snprintf(yaml, sizeof yaml, batch_yaml, "0.4ms", "2.5ms");
	simtest_reps(yaml, 1, { "store.batch_size_mean", &size }, { "store.commit_wait_mean_s", &wait },
		     { "store.batches", &nb }, { "store.latency_mean_s", &lat });
	print_message("    interval 2.5 ms: batch %.4f (3), commit wait %.6f s (0.0019), latency %.6f, %g batches\n",
		      size, wait, lat, nb);
	assert_true(fabs(size - 3) <= 3 / nb);
	assert_true(fabs(wait - 0.0019) <= 0.003 / nb);
	assert_true(fabs(lat - wait) < 1e-9);
	assert_false(fabs(size - 2.5) <= 3 / nb);

	snprintf(yaml, sizeof yaml, batch_yaml, "2.5ms", "0s");
	simtest_reps(yaml, 1, { "store.batch_size_mean", &size }, { "store.batches", &nb },
		     { "store.utilization", &wait });
	print_message("    writer saturated: batch %.4f (2.5), %g batches\n", size, nb);
	assert_true(fabs(size - 2.5) <= 3 / nb);
}

/* A crash while a batch is being written loses it (its commands fail as
 * crashed, its versions are never taken), and commands go on after the
 * recovery without a conflict: the aggregate's version is the committed
 * one.  One aggregate, a command every 10 ms taking 1 ms to load and 5 ms
 * to write; the crash at 5.0035 s lands in the write of the command of
 * 5.000 s. */
static void test_eventstore_crash(void **state)
{
	(void)state;
	double failed, conflicts, events, cmds;
	simtest_reps("duration: 10s\nwarmup: 0s\nreplications: 1\n"
		     "workloads:\n"
		     "  u: {arrival: {process: constant, rate: 100/s}, target: store, mix: {write: 1}}\n"
		     "nodes:\n"
		     "  store: {type: eventstore, decide: 1ms, append: 5ms}\n"
		     "timeline:\n  - {at: 5.0035s, node: store, do: crash, for: 1ms}\n",
		     1, { "store.failed", &failed }, { "store.conflicts", &conflicts },
		     { "store.events_appended", &events }, { "store.commands", &cmds });
	print_message("    crash: %g failed, %g conflicts, %g events of %g commands\n",
		      failed, conflicts, events, cmds);
	assert_true(failed == 1);
	assert_true(conflicts == 0);
	assert_true(events == cmds - 1);
}

static const char *retry_yaml =
	"duration: 30s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 50/s}, target: api, mix: {write: 1}}\n"
	"nodes:\n"
	"  api: {type: service, workers: 1000, service: 0s,\n"
	"        calls: [{to: store, retry: %s}]}\n"
	"  store: {type: eventstore, workers: 100, decide: 10ms, append: 0s}\n";

/* A conflict is a 409 to Envoy (retried under retriable-4xx, not 5xx),
 * ABORTED to gRPC, conflict (or error) to a custom policy. */
static void test_eventstore_conflict_retries(void **state)
{
	(void)state;
	struct { const char *retry; int retried; } cases[] = {
		{ "{style: envoy, num_retries: 3, retry_on: 5xx}", 0 },
		{ "{style: envoy, num_retries: 3, retry_on: retriable-4xx}", 1 },
		{ "{style: grpc, max_attempts: 4, initial_backoff: 10ms, max_backoff: 100ms, backoff_multiplier: 2, retryable_status_codes: [ABORTED]}", 1 },
		{ "{style: grpc, max_attempts: 4, initial_backoff: 10ms, max_backoff: 100ms, backoff_multiplier: 2, retryable_status_codes: [UNAVAILABLE]}", 0 },
		{ "{style: custom, max_attempts: 4, retry_on: [conflict]}", 1 },
		{ "{style: custom, max_attempts: 4, retry_on: [timeout]}", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char yaml[1024];
		double retries, conflicts;
		snprintf(yaml, sizeof yaml, retry_yaml, cases[i].retry);
		simtest_reps(yaml, 1, { "api.retries", &retries }, { "store.conflicts", &conflicts });
		print_message("    %s: %g retries, %g conflicts\n", cases[i].retry, retries, conflicts);
		assert_true(conflicts > 0);
		if (cases[i].retried)
			assert_true(retries > 0);
		else
			assert_true(retries == 0);
	}
}

static const char *outbox_yaml =
	"duration: 60s\nwarmup: 2s\nreplications: %u\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 200/s}, target: store,\n"
	"      keys: {dist: sequential, n: 1000000000}, mix: {write: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, workers: 1000, append: 0s,\n"
	"          outbox: {to: topic, interval: 100ms%s}}\n"
	"  topic: {type: queue, partitions: 1, consumers: [{group: g, service: 1ms}]}\n";

/* The outbox relay (Eventuate's polling reader) waits 100 ms after a
 * poll that found nothing, and polls again at once after one that found
 * events.  At 200 commits a second the queue acknowledges a poll's
 * publishes at once, so the next poll finds nothing: an event committed
 * at a moment uniform between two polls waits half the interval on
 * average, and the queue receives every event (but those the window's
 * ends cut off, a poll of events at most).  With batch: 5 a poll
 * publishes 5, and the relay polls again until the outbox is empty: it
 * still publishes every event, where a relay that waited the interval
 * after every poll would publish 50 a second, 3000 in the 60 s. */
static void test_eventstore_outbox(void **state)
{
	(void)state;
	char yaml[1024];
	double delay[NREP], pub, events, got;
	snprintf(yaml, sizeof yaml, outbox_yaml, NREP, "");
	simtest_reps(yaml, NREP, { "store.outbox_delay_mean_s", delay });
	assert_true(simtest_within("outbox delay, half the interval", delay, NREP, 0.05));
	assert_false(simtest_within("  against the interval", delay, NREP, 0.1));
	snprintf(yaml, sizeof yaml, outbox_yaml, 1u, "");
	simtest_reps(yaml, 1, { "store.outbox_published", &pub }, { "store.events_appended", &events },
		     { "topic.published", &got });
	print_message("    %g events, %g published, %g reached the queue\n", events, pub, got);
	assert_true(fabs(pub - events) <= 200 * 0.1 * 3);
	assert_true(got == pub);
	snprintf(yaml, sizeof yaml, outbox_yaml, 1u, ", batch: 5");
	simtest_reps(yaml, 1, { "store.outbox_published", &pub }, { "store.events_appended", &events });
	print_message("    batch 5: %g published of %g (a relay that always waits: 3000)\n",
		      pub, events);
	assert_true(fabs(pub - events) <= 200 * 0.1 * 3);
	assert_true(pub > 3000 + 200 * 0.1 * 3);
	/* a queue of 10 messages whose consumer takes 50 a second refuses
	 * publishes, and a refused publish fails its whole poll, which is
	 * published again after the interval (Eventuate's PollingDao marks a
	 * poll published only when every publish is acknowledged).  A poll of
	 * 1000 never fits: the relay sends the same first events again and
	 * again, and after the warm-up none is published for the first time,
	 * while the queue still takes its consumer's 50 a second, all
	 * duplicates (a relay that resent only the refused would publish
	 * about 3000 new events).  Polls of 5 fit: the relay publishes what
	 * the queue takes, with duplicates of the polls that met a full queue
	 * (here half of what the queue takes) */
	snprintf(yaml, sizeof yaml, "%s", outbox_yaml);
	char *at = strstr(yaml, "consumers: [{group: g, service: 1ms}]");
	assert_non_null(at);
	char slow[1024];
	snprintf(slow, sizeof slow, "%.*scapacity: 10, consumers: [{group: g, service: 20ms}]}\n",
		 (int)(at - yaml), yaml);
	double again;
	for (int small = 0; small < 2; small++) {
		snprintf(yaml, sizeof yaml, slow, 1u, small ? ", batch: 5" : "");
		simtest_reps(yaml, 1, { "store.outbox_published", &pub },
			     { "store.outbox_republished", &again }, { "topic.published", &got });
		print_message("    full queue, batch %s: %g published, %g sent again, %g reached the queue\n",
			      small ? "5" : "1000", pub, again, got);
		assert_true(again > 0);
		/* the queue is kept busy either way: at least 90 % of its
		 * consumer's 3000 over the 60 s */
		assert_true(got >= 0.9 * 50 * 60 && got <= 50 * 60 + 10 + 1);
		/* 1000: stuck; 5: progress, and duplicates beyond the 10 the
		 * queue holds at the window's ends (none where only the
		 * refused went again: pub == got) */
		if (small)
			assert_true(pub > 0 && pub < got - 10);
		else
			assert_true(pub == 0);
	}
}

/* Behind a balancer a conflict is an answer (a 409), not a 5xx: two
 * stores with hot-key conflicts on about 43 % of their commands are never
 * ejected by outlier detection (3 consecutive 5xx) nor marked down by
 * nginx's max_fails (3).  The control: errors on one store eject it. */
static void test_eventstore_conflicts_are_not_5xx(void **state)
{
	(void)state;
	const char *faults[] = { "", "timeline:\n  - {at: 0s, node: s1, do: errors, rate: 1}\n" };
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double ejections, conflicts;
		snprintf(yaml, sizeof yaml,
			 "duration: 60s\nwarmup: 0s\nreplications: 1\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: lb, mix: {write: 1}}\n"
			 "nodes:\n"
			 "  lb: {type: balancer, policy: round_robin, backends: [s1, s2], max_fails: 3,\n"
			 "       outlier_detection: {consecutive_5xx: 3, base_ejection_time: 10s, interval: 1s}}\n"
			 "  s1: {type: eventstore, workers: 100, decide: 10ms, append: 0s}\n"
			 "  s2: {type: eventstore, workers: 100, decide: 10ms, append: 0s}\n%s", faults[i]);
		simtest_reps(yaml, 1, { "lb.ejections", &ejections }, { "s2.conflicts", &conflicts });
		print_message("    %s: %g ejections, %g conflicts at s2\n", i ? "errors at s1" : "conflicts only",
			      ejections, conflicts);
		assert_true(conflicts > 1000);
		if (i)
			assert_true(ejections > 0);
		else
			assert_true(ejections == 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eventstore_snapshot_cycle),
		cmocka_unit_test(test_eventstore_conflicts),
		cmocka_unit_test(test_eventstore_conflicts_within_a_batch),
		cmocka_unit_test(test_eventstore_group_commit),
		cmocka_unit_test(test_eventstore_crash),
		cmocka_unit_test(test_eventstore_conflict_retries),
		cmocka_unit_test(test_eventstore_conflicts_are_not_5xx),
		cmocka_unit_test(test_eventstore_outbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
