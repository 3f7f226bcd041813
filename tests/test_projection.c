/*
 * test_projection.c - the projection kind: an applier's lag against the
 * M/M/1 sojourn, stale reads against w / (w + mu - lambda), appliers by
 * key against one M/M/1 queue per applier, a rebuild's catch-up against
 * E / (mu - lambda) (exact with constant times), and poison events:
 * skipped to a dead-letter queue, or blocking their applier.
 */
#include "tests/simtest.h"

#include <math.h>

#include "sim/rng.h"

#define NREP 10

static const char *lag_yaml =
	"duration: 100s\nwarmup: 2s\nreplications: 10\n"
	"workloads:\n"
	"  cmd: {arrival: {process: poisson, rate: 500/s}, target: store,\n"
	"        keys: {dist: uniform, n: 4}, mix: {write: 1}}\n"
	"  rd: {arrival: {process: poisson, rate: 200/s}, target: view,\n"
	"       keys: {dist: uniform, n: 4}, mix: {read: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, workers: 1000, append: 0s}\n"
	"  view: {type: projection, source: store, appliers: %u,\n"
	"         apply: {dist: exponential, mean: 1ms}}\n";

/* Commands commit the moment they arrive (no load, writes of no time),
 * so events reach the projection as a Poisson stream at lambda = 500/s,
 * each applied in 1 ms on average (mu = 1000/s): one applier is an M/M/1
 * queue, mean lag 1 / (mu - lambda) = 2 ms.  A read of one of the 4 keys
 * (events at w = lambda / 4 each) is stale when its key's latest event is
 * not yet applied: the time since that event, exponential of rate w,
 * falls short of its sojourn, exponential of rate mu - lambda: w / (w +
 * mu - lambda) = 0.2.  Shown off the apply time alone and off the
 * applier's busy share. */
static void test_projection_lag_is_mm1(void **state)
{
	(void)state;
	char yaml[1024];
	double lag[NREP], stale[NREP];
	snprintf(yaml, sizeof yaml, lag_yaml, 1u);
	simtest_reps(yaml, NREP, { "view.apply_lag_mean_s", lag }, { "view.view_stale_ratio", stale });
	assert_true(simtest_within("lag, M/M/1 at rho 0.5", lag, NREP, 0.002));
	assert_false(simtest_within("  against the apply time", lag, NREP, 0.001));
	assert_true(simtest_within("stale reads", stale, NREP, 0.2));
	assert_false(simtest_within("  against rho", stale, NREP, 0.5));
}

/* Two appliers, each event on the applier of its key: each applier is an
 * M/M/1 queue of the events of its keys.  Which keys go where is worked
 * out here as the projection does it (a hash of the key modulo 2); the
 * mean lag is then sum over keys of p_k / (mu - lambda_j(k)).  Shown off
 * one applier's 2 ms. */
static void test_projection_appliers_by_key(void **state)
{
	(void)state;
	int on[2] = { 0, 0 }, at[4];
	for (uint64_t k = 0; k < 4; k++)
		on[at[k] = (int)(rng_mix64(k) % 2)]++;
	double want = 0;
	for (int k = 0; k < 4; k++)
		want += 0.25 / (1000 - 500 * on[at[k]] / 4.0);
	print_message("    keys per applier: %d and %d\n", on[0], on[1]);
	char yaml[1024];
	double lag[NREP];
	snprintf(yaml, sizeof yaml, lag_yaml, 2u);
	simtest_reps(yaml, NREP, { "view.apply_lag_mean_s", lag });
	assert_true(simtest_within("lag, an M/M/1 queue per applier", lag, NREP, want));
	assert_false(simtest_within("  against one applier", lag, NREP, 0.002));
}

static const char *rebuild_yaml =
	"duration: 90s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  cmd: {arrival: {process: constant, rate: 100/s}, target: store,\n"
	"        keys: %s, mix: {write: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, append: 0s%s}\n"
	"  view: {type: projection, source: store, apply: 5ms}\n"
	"timeline:\n  - {at: 30s, node: view, do: rebuild}\n";

/* A rebuild at 30 s replays the E = 3000 events committed by then (the
 * store keeps all) at mu = 200/s while new ones come at lambda = 100/s:
 * the backlog is gone after E / (mu - lambda) = 30 s, give or take an
 * event's period and apply time.  Shown off E / mu, which forgets the
 * events that keep coming.  A store that keeps 10 events a stream, over
 * 100 streams of about 30 events each (fewer than 10 has a chance below
 * 1e-4 per stream), keeps and replays E = 1000: 10 s. */
static void test_projection_rebuild_catch_up(void **state)
{
	(void)state;
	struct { const char *keys, *keep; double want; } cases[] = {
		{ "{dist: sequential, n: 1000000}", "", 30 },
		{ "{dist: uniform, n: 100}", ", snapshot_every: 10, max_count: 10", 10 },
	};
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double catchup, rebuilds, applied;
		snprintf(yaml, sizeof yaml, rebuild_yaml, cases[i].keys, cases[i].keep);
		simtest_reps(yaml, 1, { "view.catchup_mean_s", &catchup }, { "view.rebuilds", &rebuilds },
			     { "view.events_applied", &applied });
		print_message("    rebuild, keys %s%s: caught up after %.4f s (%g), %g applied\n",
			      cases[i].keys, cases[i].keep, catchup, cases[i].want, applied);
		assert_true(rebuilds == 1);
		assert_true(fabs(catchup - cases[i].want) <= 0.015);
		assert_false(fabs(catchup - cases[i].want / 2) <= 0.015);
	}
}

/* Reads during a rebuild.  Aggregates 0 ... 2999 get one event each,
 * every 10 ms, in the first 30 s; a rebuild at 30 s replays them at
 * 5 ms each, so aggregate k is stale from 30 s until 30 s + (k + 1) x
 * 5 ms.  Reads of those aggregates at 100/s find a share 1 - u / 15 s of
 * them stale u seconds into the replay: half of the 1,500 reads of its
 * 15 s, 750 (the 5 ms after each first apply add 0.5), binomial and
 * Poisson in spread.  The view that thinks itself caught up at once would
 * have none. */
static void test_projection_stale_during_rebuild(void **state)
{
	(void)state;
	double stale, reads;
	simtest_reps("duration: 90s\nwarmup: 0s\nreplications: 1\n"
		     "workloads:\n"
		     "  cmd: {arrival: {process: constant, rate: 100/s}, target: store,\n"
		     "        keys: {dist: sequential, n: 1000000}, mix: {write: 1}}\n"
		     "  rd: {arrival: {process: poisson, rate: 100/s}, target: view,\n"
		     "       keys: {dist: uniform, n: 3000}, mix: {read: 1}}\n"
		     "nodes:\n"
		     "  store: {type: eventstore, append: 0s}\n"
		     "  view: {type: projection, source: store, apply: 5ms}\n"
		     "timeline:\n  - {at: 30s, node: view, do: rebuild}\n",
		     1, { "view.view_stale_reads", &stale }, { "view.view_reads", &reads });
	double sd = sqrt(750 + 1500.0 / 6);
	print_message("    %g stale reads of %g (750 +- %.0f)\n", stale, reads, 4 * sd);
	assert_true(fabs(stale - 750.5) <= 4 * sd);
}

static const char *poison_yaml =
	"duration: 60s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  cmd: {arrival: {process: poisson, rate: 200/s}, target: store,\n"
	"        keys: {dist: sequential, n: 1000000000}, mix: {write: 1}}\n"
	"nodes:\n"
	"  store: {type: eventstore, workers: 1000, append: 0s}\n"
	"  view: {type: projection, source: store, apply: 1ms, poison: %s, max_attempts: 3%s}\n"
	"  dlq: {type: queue, partitions: 1, consumers: [{group: g, service: 0s}]}\n";

/* A share p = 0.1 of the events fail every attempt: each fails
 * max_attempts = 3 times (apply_failures = 3 x poison_events, but for an
 * event at work at a window's end) and is then skipped to the dead-letter
 * queue, which receives each one; poison_events is binomial(events, p).
 * With on_poison: block the applier stops at the first poison event (in
 * the warm-up, about the hundredth) and applies nothing after it: the
 * events behind grow to 12,000, 6,000 on average. */
static void test_projection_poison(void **state)
{
	(void)state;
	char yaml[1024];
	double fails, poisoned, applied, dlq, blocked;
	snprintf(yaml, sizeof yaml, poison_yaml, "0.1", ", dead_letter: dlq");
	simtest_reps(yaml, 1, { "view.apply_failures", &fails }, { "view.poison_events", &poisoned },
		     { "view.events_applied", &applied }, { "dlq.published", &dlq },
		     { "view.blocked_appliers", &blocked });
	double want = 0.1 * applied, sd = sqrt(applied * 0.1 * 0.9);
	print_message("    poison 0.1: %g failed attempts, %g given up (%.0f +- %.0f), %g dead letters, %g applied\n",
		      fails, poisoned, want, 4 * sd, dlq, applied);
	assert_true(fabs(fails - 3 * poisoned) <= 3);
	assert_true(fabs(poisoned - want) <= 4 * sd);
	assert_false(fabs(poisoned - 0.05 * applied) <= 4 * sd);
	assert_true(dlq == poisoned);
	assert_true(blocked == 0);
	snprintf(yaml, sizeof yaml, poison_yaml, "0.01", ", on_poison: block");
	simtest_reps(yaml, 1, { "view.events_applied", &applied }, { "view.blocked_appliers", &blocked },
		     { "view.poison_events", &poisoned }, { "view.lag_events_mean", &fails });
	print_message("    poison 0.01, block: %g applied, %g blocked, %.0f behind on average\n",
		      applied, blocked, fails);
	assert_true(blocked == 1);
	assert_true(poisoned == 0);
	assert_true(fails > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_projection_lag_is_mm1),
		cmocka_unit_test(test_projection_appliers_by_key),
		cmocka_unit_test(test_projection_rebuild_catch_up),
		cmocka_unit_test(test_projection_stale_during_rebuild),
		cmocka_unit_test(test_projection_poison),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
