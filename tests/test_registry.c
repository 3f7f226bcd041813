/*
 * test_registry.c - service discovery (sim/registry.h): a crashed
 * replica's last renewal, its eviction once that is older than the
 * expiry, the callers' view as of their last fetch, round robin over it;
 * then a service with `discovery:` whose callers keep sending to a dead
 * replica until their view drops it, learn of a new one at their next
 * fetch, and send to a removed one until then.
 */
#include "tests/simtest.h"

#include <gsl/gsl_statistics_double.h>

#include "sim/registry.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define S 1000000000LL

/* The registry alone, with heartbeats every 1 s from known phases. */
static void test_registry_lease_sweep_fetch(void **state)
{
	struct reg_cfg c = { .given = 1, .heartbeat_ns = S, .expiry_ns = 3 * S,
			     .eviction_ns = S, .fetch_ns = S };
	gsl_rng *r = gsl_rng_alloc(rng_splitmix64);
	gsl_rng_set(r, 1);
	struct registry g;
	int gone = 0;
	assert_int_equal(reg_init(&g, &c, 3, 2, r), 0);
	/* [0, 2) registered and known, each renewing at a phase in (-1 s, 0] */
	assert_int_equal(g.nview, 2);
	for (uint32_t k = 0; k < 2; k++)
		assert_true(g.joined[k] <= 0 && g.joined[k] > -S);
	g.joined[0] = 0;
	g.joined[1] = -S / 4;               /* renews at 0.75, 1.75, ... */
	assert_int_equal(reg_pick(&g, &gone), 0);
	assert_int_equal(reg_pick(&g, &gone), 1);
	assert_int_equal(reg_pick(&g, &gone), 0);
	/* replica 1 crashes at 10.5 s: its last renewal was at 9.75 s */
	reg_crash(&g, 1, 10 * S + S / 2);
	assert_true(reg_last_renewal(&g, 1, 10 * S + S / 2) == 9 * S + 3 * S / 4);
	/* the sweep at 12.75 s finds it 3 s old (not older): kept; at 12.76
	 * s, dropped; the callers still know it until they fetch */
	assert_int_equal(reg_sweep(&g, 12 * S + 3 * S / 4), 0);
	assert_int_equal(reg_sweep(&g, 12 * S + 76 * S / 100), 1);
	assert_int_equal(g.nview, 2);
	reg_fetch(&g);
	assert_int_equal(g.nview, 1);
	assert_int_equal(reg_pick(&g, &gone), 0);
	assert_int_equal(reg_pick(&g, &gone), 0);
	/* replica 2 joins, replica 0 leaves: the view follows at the fetch */
	reg_join(&g, 2, 13 * S, 1);
	reg_leave(&g, 0);
	assert_int_equal(reg_pick(&g, &gone), 0);
	assert_false(gone);
	reg_fetch(&g);
	assert_int_equal(g.nview, 1);
	assert_int_equal(reg_pick(&g, &gone), 2);
	assert_false(gone);
	/* a crash and a recovery before any sweep: never dropped, and the
	 * same instance the callers know */
	reg_crash(&g, 2, 14 * S);
	reg_join(&g, 2, 15 * S, 0);
	assert_int_equal(reg_sweep(&g, 100 * S), 0);
	assert_int_equal(reg_pick(&g, &gone), 2);
	assert_false(gone);
	/* another instance in the slot: the callers' is gone until they
	 * fetch */
	reg_join(&g, 2, 16 * S, 1);
	assert_int_equal(reg_pick(&g, &gone), 2);
	assert_true(gone);
	reg_fetch(&g);
	assert_int_equal(reg_pick(&g, &gone), 2);
	assert_false(gone);
	/* and with nothing registered, nothing to pick */
	reg_leave(&g, 2);
	reg_fetch(&g);
	assert_true(reg_pick(&g, &gone) == UINT32_MAX);
	reg_fini(&g);
	gsl_rng_free(r);
}

/* The formulas below count requests as if they came continuously, at 50
 * (or 33.3) a second to the replica in question; they come every 10 ms,
 * alternating, so a replication's count is within 1 of its formula, and
 * so is the mean's expectation: each mean is held to the replications'
 * 99.9 % interval widened by that 1. */
#define GRID 1

#define SCENARIO(disc, timeline)                                                        \
	"duration: 100s\nwarmup: 0s\n"                                                   \
	"workloads:\n  u: {arrival: {process: constant, rate: 100/s}, target: web}\n"    \
	"nodes:\n  web: {type: service, replicas: 2, service: 1ms, drain: 0s" disc "}\n"  \
	"timeline:\n  - " timeline "\n"
#define DISC ", discovery: {heartbeat: 1s, expiry: 3s, eviction: 1s, fetch: 1s}"

/* A crash at 10.005 s: replica 1 renewed last U1 s before it (U1 uniform
 * in [0, 1)), is dropped at the first sweep more than 3 s after that (U2
 * of a 1 s sweep later), and the callers learn of it at their next fetch
 * (U3 of a second later): it stays in their view 3 - U1 + U2 + U3 s, 2 to
 * 5 s and 3.5 s on average, and half of the 100 requests a second fail
 * meanwhile: 100 to 250, 175 on average (within the replications'
 * 99.9 % interval).  Without discovery (the control) the callers never
 * learn: half of the 8,999 requests from 10.01 s on, 4,499, fail. */
static void test_registry_dead_replica_stays_listed(void **state)
{
	enum { REPS = 40 };
	double failed[REPS];
	simtest_reps(SCENARIO(DISC, "{at: 10.005s, node: web, replica: 1, do: crash}"), REPS,
		     { "@crashed", failed });
	for (int k = 0; k < REPS; k++)
		assert_true(failed[k] >= 100 - GRID && failed[k] <= 250 + GRID);
	double m = gsl_stats_mean(failed, 1, REPS);
	double half = stats_t_quantile(0.9995, REPS - 1) * gsl_stats_sd(failed, 1, REPS) / sqrt(REPS);
	print_message("    %g +- %.3g failed a replication (reference 175)\n", m, half);
	assert_true(fabs(m - 175) <= half + GRID);
	double none;
	simtest_reps(SCENARIO("", "{at: 10.005s, node: web, replica: 1, do: crash}"), 1,
		     { "@crashed", &none });
	print_message("    without discovery: %g\n", none);
	assert_true(none == 4499);
}

/* Scaled from 2 to 3 at 10.005 s, with no start-up: replica 2 is
 * registered at once, and sent requests from the callers' next fetch, U
 * of a second later: a third of the 8,998.5 - 100 U requests from then
 * on, 2,982.8 on average; without discovery, from 10.005 s exactly (a
 * third of the 8,999 left: 3,000, the round robin's turn given).  Scaled from 2 to 1, replica 1 deregisters at once and is
 * gone (no drain), but the callers send it half their requests until
 * they fetch: 0 to 50 refused, 25 on average. */
static void test_registry_callers_learn_at_their_fetch(void **state)
{
	enum { REPS = 40 };
	double got[REPS];
	simtest_reps(SCENARIO(DISC, "{at: 10.005s, node: web, do: scale, replicas: 3}"), REPS,
		     { "web[2].completed", got });
	for (int k = 0; k < REPS; k++)
		assert_true(got[k] >= (8998.5 - 100) / 3 - GRID && got[k] <= 8998.5 / 3 + GRID);
	double m = gsl_stats_mean(got, 1, REPS);
	double half = stats_t_quantile(0.9995, REPS - 1) * gsl_stats_sd(got, 1, REPS) / sqrt(REPS);
	double want = (8998.5 - 50) / 3;
	print_message("    new replica: %g +- %.3g served (reference %.1f)\n", m, half, want);
	assert_true(fabs(m - want) <= half + GRID);
	double all;
	simtest_reps(SCENARIO("", "{at: 10.005s, node: web, do: scale, replicas: 3}"), 1,
		     { "web[2].completed", &all });
	assert_true(all == 3000);
	double refused[REPS];
	simtest_reps(SCENARIO(DISC, "{at: 10.005s, node: web, do: scale, replicas: 1}"), REPS,
		     { "@crashed", refused });
	for (int k = 0; k < REPS; k++)
		assert_true(refused[k] >= 0 && refused[k] <= 50 + GRID);
	m = gsl_stats_mean(refused, 1, REPS);
	half = stats_t_quantile(0.9995, REPS - 1) * gsl_stats_sd(refused, 1, REPS) / sqrt(REPS);
	print_message("    removed replica: %g +- %.3g refused (reference 25)\n", m, half);
	assert_true(fabs(m - 25) <= half + GRID);
	simtest_reps(SCENARIO("", "{at: 10.005s, node: web, do: scale, replicas: 1}"), 1,
		     { "@crashed", &all });
	assert_true(all == 0);
}

/* Scaled from 3 to 2 at 10.005 s and back to 3 at 20.005 s, with no
 * start-up or drain, and a fetch every 100,000 s: replica 2's callers keep it in their
 * view all along, so its share of the requests (a third) is refused from
 * 10.005 s on, the new instance in its slot included, which they never
 * learn of.  Without discovery (the control) only the removal's 10 s is
 * lost, and not even that: the callers know at once. */
static void test_registry_replaced_instance(void **state)
{
	double refused, none;
	const char *disc =
		"duration: 100s\nwarmup: 0s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 99/s}, target: web}\n"
		"nodes:\n  web: {type: service, replicas: 3, service: 1ms, drain: 0s,"
		" discovery: {heartbeat: 1s, expiry: 3s, eviction: 1s, fetch: 100000s}}\n"
		"timeline:\n  - {at: 10.005s, node: web, do: scale, replicas: 2, for: 10s}\n";
	simtest_reps(disc, 1, { "@crashed", &refused });
	print_message("    never fetched: %g refused\n", refused);
	/* a third of the 99 a second from 10.005 s to the end */
	assert_true(fabs(refused - 89.995 * 33) <= 1);
	simtest_reps("duration: 100s\nwarmup: 0s\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 99/s}, target: web}\n"
		     "nodes:\n  web: {type: service, replicas: 3, service: 1ms, drain: 0s}\n"
		     "timeline:\n  - {at: 10.005s, node: web, do: scale, replicas: 2, for: 10s}\n",
		     1, { "@crashed", &none });
	assert_true(none == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_lease_sweep_fetch),
		cmocka_unit_test(test_registry_dead_replica_stays_listed),
		cmocka_unit_test(test_registry_callers_learn_at_their_fetch),
		cmocka_unit_test(test_registry_replaced_instance),
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
