/*
 * test_scenario.c - checking a scenario: defaults, units, every kind of
 * mistake with its exact message and location, overrides and sweeps.
 */
#include "tests/testutil.h"

#include "app/lang.h"
#include "models/client.h"
#include "sim/sweep.h"

#define BASE \
	"duration: 10s\n" \
	"workloads:\n" \
	"  users: {arrival: {process: poisson, rate: 5/s}, target: web}\n" \
	"nodes:\n" \
	"  web: {type: service, service: {dist: exponential, mean: 10ms}}\n"

static struct sweep *load(const char *text, const struct sc_override *ov,
				 size_t nov)
{
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	if (sweep_load_string(&archsim_lang, "s.yaml", text, ov, nov, &set, &err))
		fail_msg("unexpected error: %s", err.msg);
	return set;
}

static const char *load_err(const char *text, const struct sc_override *ov, size_t nov)
{
	static struct sim_err err;
	struct sweep *set = NULL;
	memset(&err, 0, sizeof err);
	int rc = sweep_load_string(&archsim_lang, "s.yaml", text, ov, nov, &set, &err);
	if (rc != SIM_EINVAL)
		fail_msg("expected an error for:\n%s", text);
	assert_null(set);
	return err.msg;
}

static void test_scenario_defaults(void **state)
{
	struct sweep *set = load(BASE, NULL, 0);
	assert_int_equal(set->npoints, 1);
	assert_int_equal(set->nparams, 0);
	const struct scenario *sc = set->points[0];
	assert_string_equal(sc->name, "s");
	assert_int_equal(sc->seed, 1);
	assert_int_equal(sc->replications, 5);
	assert_int_equal(sc->warmup_ns, 0);
	assert_int_equal(sc->duration_ns, 10000000000LL);
	assert_int_equal(sc->window_ns, 1000000000LL);
	assert_int_equal(sc->nnodes, 2);
	assert_int_equal(sc->ncomponents, 1);
	assert_string_equal(sc->nodes[0].name, "web");
	assert_ptr_equal(sc->nodes[0].ops, load_kind(&archsim_lang, "service"));
	assert_string_equal(sc->nodes[1].name, "users");
	assert_ptr_equal(sc->nodes[1].ops, &client_ops);
	assert_int_equal(scenario_node_index(sc, "users"), 1);
	assert_int_equal(scenario_node_index(sc, "nope"), -1);
	sweep_free(set);
}

static void test_scenario_parses_durations_and_rates(void **state)
{
	static const struct { const char *s; int64_t ns; } d[] = {
		{ "1ns", 1 }, { "1.5us", 1500 }, { "250ms", 250000000 },
		{ "2s", 2000000000LL }, { "1.5m", 90000000000LL },
		{ "1h", 3600000000000LL }, { "0", 0 }, { "1e3ms", 1000000000LL },
		{ "2 s", 2000000000LL },
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		int64_t v = -1;
		assert_int_equal(check_parse_duration(d[i].s, &v), 0);
		assert_int_equal(v, d[i].ns);
	}
	static const char *const bad_d[] = {
		"5", "5 sec", "-1s", "s", "", "1e400s", "inf s", "nan s", "1s2",
		"100000000h",
	};
	for (size_t i = 0; i < sizeof bad_d / sizeof bad_d[0]; i++) {
		int64_t v;
		if (check_parse_duration(bad_d[i], &v) == 0)
			fail_msg("'%s' parsed as a duration", bad_d[i]);
	}
	static const struct { const char *s; double r; } r[] = {
		{ "5/s", 5 }, { "120/m", 2 }, { "7200/h", 2 }, { "0.5 / s", 0.5 },
	};
	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		double v = -1;
		assert_int_equal(check_parse_rate(r[i].s, &v), 0);
		assert_true(v == r[i].r);
	}
	static const char *const bad_r[] = { "5", "5/d", "0/s", "-1/s", "1e400/s", "/s", "x/s" };
	for (size_t i = 0; i < sizeof bad_r / sizeof bad_r[0]; i++) {
		double v;
		if (check_parse_rate(bad_r[i], &v) == 0)
			fail_msg("'%s' parsed as a rate", bad_r[i]);
	}
}

/* Each mistake, with the exact message it must produce. */
static const struct {
	const char *yaml;
	const char *msg;
} mistakes[] = {
	{ "duration: 10s\n",
	  "s.yaml:1:1: scenario: missing required key 'workloads'" },
	{ "- a\n- b\n",
	  "s.yaml:1:1: a scenario must be a mapping with duration, workloads and nodes (found a sequence)" },
	{ "durations: 10s\n",
	  "s.yaml:1:1: scenario: unknown key 'durations'; did you mean 'duration'?" },
	{ "zzz: 1\n" BASE,
	  "s.yaml:1:1: scenario: unknown key 'zzz' (allowed: name, description, seed, duration, warmup, replications, precision, window, workloads, nodes, sweep, compare, timeline, breakers, capacity)" },
	{ "duration: 10\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: '10' needs a unit: ns, us, ms, s, m or h (e.g. 10s)" },
	{ "duration: -5s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: must not be negative (got -5s)" },
	{ "duration: 0s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: must be greater than 0 (got 0s)" },
	{ "duration: 1e400s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:1:11: duration: 1e400s is too large (at most about 73 years)" },
	{ "replications: 0\n" BASE,
	  "s.yaml:1:15: replications: must be an integer from 1 to 100000 (got 0)" },
	{ "replications: 10000000000\n" BASE,
	  "s.yaml:1:15: replications: must be an integer from 1 to 100000 (got 10000000000)" },
	{ "replications: two\n" BASE,
	  "s.yaml:1:15: replications: must be an integer from 1 to 100000 (got 'two')" },
	{ "seed: -3\n" BASE,
	  "s.yaml:1:7: seed: must be an integer from 0 to 18446744073709551615, not negative (got -3)" },
	{ "name: a/b\n" BASE,
	  "s.yaml:1:7: name: 'a/b' is not a valid name (letters, digits, '_', '-', '.', not only dots; at most 64): it names the output directory" },
	{ "duration: 10s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:3:8: nodes: must be a non-empty mapping of names to nodes" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {service: 1s}\n",
	  "s.yaml:5:8: nodes.web: missing required key 'type' (one of: service, balancer, cache, database, shards, queue)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: servise, service: 1s}\n",
	  "s.yaml:5:15: nodes.web.type: unknown type 'servise'; did you mean 'service'?" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service}\n",
	  "s.yaml:5:8: nodes.web: missing required key 'service'" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, worker: 3}\n",
	  "s.yaml:5:37: nodes.web: unknown key 'worker'; did you mean 'workers'?" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, workers: 0}\n",
	  "s.yaml:5:46: nodes.web.workers: must be an integer from 1 to 1000000 (got 0)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, replicas: 10000000000}\n",
	  "s.yaml:5:47: nodes.web.replicas: must be an integer from 1 to 100000 (got 10000000000)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: {dist: expo, mean: 1s}}\n",
	  "s.yaml:5:40: nodes.web.service.dist: unknown distribution 'expo' (allowed: constant, exponential, uniform, normal, lognormal, gamma, weibull, hyperexponential, erlang, pareto, empirical)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: {dist: exponential, mean: 0s}}\n",
	  "s.yaml:5:59: nodes.web.service: the mean must be greater than 0" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: {dist: lognormal, mean: 1s}}\n",
	  "s.yaml:5:33: nodes.web.service: missing required key 'cv'" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: fast}\n",
	  "s.yaml:5:33: nodes.web.service: must be a distribution such as {dist: exponential, mean: 10ms}, or a duration (got 'fast')" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, next: [{to: dbb, p: 0.5}]}\n  db: {type: service, service: 1s}\n",
	  "s.yaml:5:49: nodes.web.next[0].to: no node named 'dbb'; did you mean 'db'?" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, next: [{to: db, p: 1.5}]}\n  db: {type: service, service: 1s}\n",
	  "s.yaml:5:56: nodes.web.next[0].p: must be a number from 0 to 1 (got 1.5)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, next: [{to: db, p: 0.6}, {to: web, p: 0.6}]}\n"
	  "  db: {type: service, service: 1s}\n",
	  "s.yaml:5:75: nodes.web.next[1].p: routing probabilities add up to 1.2, more than 1" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 0/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.rate: must be greater than 0 (got 0/s)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 5}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.rate: '5' needs a unit: /s, /m or /h (e.g. 5/s)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1e400/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.rate: 1e400/s is too large (at most 1e12/s)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: closed, users: 0}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:41: workloads.u.arrival.users: must be an integer from 1 to 10000000 (got 0)" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poison, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:26: workloads.u.arrival.process: unknown process 'poison'; did you mean 'poisson'?" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: www}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:55: workloads.u.target: no node named 'www' (nodes: web)" },
	{ "duration: 10s\nworkloads:\n  web: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:3: workloads: the name 'web' is already used by a node" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: profile, points: [{at: 1s, rate: 1/s}]}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s}\n",
	  "s.yaml:3:49: workloads.u.arrival.points[0].at: the first point must be at 0s" },
	{ BASE "sweep: {nodes.web.workers: []}\n",
	  "s.yaml:6:28: sweep: nodes.web.workers: must be a non-empty list of values" },
	{ BASE "sweep: {nodes.web.workers: [1, 0]}\n",
	  "s.yaml:6:32: nodes.web.workers: must be an integer from 1 to 1000000 (got 0)" },
	{ BASE "sweep: {nodes.api.workers: [1]}\n",
	  "s.yaml:6:9: nodes.api.workers: there is no 'api' in the scenario" },
};

static void test_scenario_reports_each_mistake_exactly(void **state)
{
	int bad = 0;
	for (size_t i = 0; i < sizeof mistakes / sizeof mistakes[0]; i++) {
		const char *m = load_err(mistakes[i].yaml, NULL, 0);
		if (strcmp(m, mistakes[i].msg) != 0) {
			print_error("case %zu:\n  got      %s\n  expected %s\n", i, m,
				    mistakes[i].msg);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_scenario_set_overrides(void **state)
{
	struct sc_override ov[] = {
		{ "nodes.web.workers", "4" }, { "seed", "99" },
		{ "workloads.users.arrival.rate", "8/s" },
	};
	struct sweep *set = load(BASE, ov, 3);
	assert_int_equal(set->points[0]->seed, 99);
	sweep_free(set);

	struct sc_override bad[] = { { "nodes.web.workers", "0" } };
	assert_string_equal(load_err(BASE, bad, 1),
			    "--set:1:19: nodes.web.workers: must be an integer from 1 to 1000000 (got 0)");
	struct sc_override missing[] = { { "seed", "1" }, { "nodes.api.workers", "2" } };
	assert_string_equal(load_err(BASE, missing, 2),
			    "--set:2:1: nodes.api.workers: there is no 'api' in the scenario");
	struct sc_override typo[] = { { "nodes.web.wrokers", "2" } };
	assert_string_equal(load_err(BASE, typo, 1),
			    "--set:1:1: nodes.web: unknown key 'wrokers'; did you mean 'workers'?");
}

static void test_scenario_sweep_expands_cross_product(void **state)
{
	struct sweep *set = load(BASE "sweep:\n  nodes.web.workers: [1, 2, 3]\n"
					"  workloads.users.arrival.rate: [1/s, 2/s]\n", NULL, 0);
	assert_int_equal(set->npoints, 6);
	assert_int_equal(set->nparams, 2);
	assert_string_equal(set->param_paths[0], "nodes.web.workers");
	assert_string_equal(set->param_paths[1], "workloads.users.arrival.rate");
	/* the last parameter varies fastest */
	static const char *const expect[6][2] = {
		{ "1", "1/s" }, { "1", "2/s" }, { "2", "1/s" },
		{ "2", "2/s" }, { "3", "1/s" }, { "3", "2/s" },
	};
	for (size_t p = 0; p < 6; p++) {
		assert_string_equal(sweep_param_value(set, p, 0), expect[p][0]);
		assert_string_equal(sweep_param_value(set, p, 1), expect[p][1]);
	}
	/* points differ, and so do their hashes */
	unsigned long long h0 = sweep_point(set, 0, NULL)->hash;
	unsigned long long h1 = sweep_point(set, 1, NULL)->hash;
	assert_true(h0 != h1);
	assert_true(h1 != sweep_point(set, 2, NULL)->hash);
	sweep_free(set);
}

/* Only point 0 is kept after loading; the others are built when asked
 * for, the same each time, and at most SWEEP_HELD of them are held. */
static void test_scenario_points_are_built_on_demand(void **state)
{
	const char *y = BASE "replications: 3\n"
			"sweep: {nodes.web.workers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n";
	struct sweep *set = load(y, NULL, 0);
	assert_int_equal(set->npoints, 10);
	assert_non_null(set->points[0]);
	for (size_t p = 1; p < 10; p++)
		assert_null(set->points[p]);
	unsigned long long hash[10];
	for (size_t p = 0; p < 10; p++) {
		struct scenario *sc = sweep_point(set, p, NULL);
		assert_non_null(sc);
		hash[p] = sc->hash;
		assert_true(set->item_base[p + 1] - set->item_base[p] == sc->replications);
	}
	size_t held = 0;
	for (size_t p = 1; p < 10; p++)
		held += set->points[p] != NULL;
	assert_int_equal(held, SWEEP_HELD);
	assert_null(set->points[1]);      /* the oldest went first */
	/* a warm-up given while a point is not held survives its rebuilding */
	sweep_set_warmup(set, 1, 12345);
	assert_int_equal(sweep_point(set, 1, NULL)->warmup_ns, 12345);
	for (size_t p = 0; p < 10; p++)
		assert_true(sweep_point(set, p, NULL)->hash == hash[p]);
	struct sim_err err = { 0 };
	assert_null(sweep_point(set, 10, &err));
	assert_int_equal(err.code, SIM_EINVAL);
	sweep_free(set);
}

static void add_replications(struct scenario *sc, void *arg)
{
	sc->replications += *(uint32_t *)arg;
}

/* A view's points are the chosen points of its set, adjusted. */
static void test_scenario_view(void **state)
{
	const char *y = BASE "replications: 3\nsweep: {nodes.web.workers: [1, 2, 3, 4]}\n";
	struct sweep *set = load(y, NULL, 0), *v = NULL;
	struct sim_err err = { 0 };
	size_t of[] = { 3, 1 };
	uint32_t more = 2;
	assert_int_equal(sweep_view(set, of, 2, add_replications, &more, &v, &err), 0);
	assert_int_equal(v->npoints, 2);
	assert_int_equal(v->item_base[2], 10);
	for (size_t i = 0; i < 2; i++) {
		const struct scenario *a = sweep_point(v, i, NULL), *b = sweep_point(set, of[i], NULL);
		assert_true(a->hash == b->hash);
		assert_int_equal(a->replications, b->replications + 2);
	}
	sweep_free(v);
	sweep_free(set);
}

static void test_scenario_set_may_not_fight_the_sweep(void **state)
{
	const char *y = BASE "sweep: {nodes.web.workers: [1, 2]}\n";
	struct sc_override same[] = { { "nodes.web.workers", "50" } };
	assert_string_equal(load_err(y, same, 1),
			    "--set:1:1: nodes.web.workers: the sweep at s.yaml:6:9 sets nodes.web.workers; "
			    "change the sweep instead (--set 'sweep={nodes.web.workers: [...]}')");
	struct sc_override above[] = { { "seed", "2" }, { "nodes.web", "{type: service, service: 1s}" } };
	assert_non_null(strstr(load_err(y, above, 2), "--set:2:1: nodes.web: the sweep at"));
	/* a --set elsewhere, or one that replaces the sweep, is fine */
	struct sc_override other[] = { { "nodes.web.queue", "3" } };
	sweep_free(load(y, other, 1));
	struct sc_override sweep[] = { { "sweep", "{nodes.web.workers: [4, 8, 16]}" } };
	struct sweep *set = load(y, sweep, 1);
	assert_int_equal(set->npoints, 3);
	assert_string_equal(sweep_param_value(set, 2, 0), "16");
	sweep_free(set);
}

static void test_scenario_distribution_forms(void **state)
{
	static const char *const ok[] = {
		"5ms", "{dist: constant, value: 1s}", "{dist: constant, mean: 1s}",
		"{dist: exponential, rate: 10/s}", "{dist: uniform, min: 1ms, max: 2ms}",
		"{dist: normal, mean: 1s, sd: 100ms}", "{dist: gamma, mean: 1s, cv: 0.5}",
		"{dist: weibull, mean: 1s, cv: 2}", "{dist: hyperexponential, mean: 1s, cv: 3}",
		"{dist: erlang, k: 3, mean: 1s}", "{dist: pareto, shape: 2.5, scale: 1ms}",
		"{dist: pareto, shape: 2.5, mean: 1ms}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char y[1024];
		snprintf(y, sizeof y,
			 "duration: 1s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: w}\n"
			 "nodes:\n  w: {type: service, service: %s}\n", ok[i]);
		sweep_free(load(y, NULL, 0));
	}
	static const char *const bad[] = {
		"{dist: exponential, mean: 1s, rate: 1/s}",
		"{dist: hyperexponential, mean: 1s, cv: 0.5}",
		"{dist: uniform, min: 2ms, max: 1ms}",
		"{dist: pareto, shape: 0.5, mean: 1s}",
		"{dist: empirical, file: /nonexistent.csv}",
		"{mean: 1s}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char y[1024];
		snprintf(y, sizeof y,
			 "duration: 1s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: w}\n"
			 "nodes:\n  w: {type: service, service: %s}\n", bad[i]);
		const char *m = load_err(y, NULL, 0);
		assert_true(strncmp(m, "s.yaml:5:", 9) == 0);
		assert_non_null(strstr(m, "nodes.w.service"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_defaults),
		cmocka_unit_test(test_scenario_parses_durations_and_rates),
		cmocka_unit_test(test_scenario_reports_each_mistake_exactly),
		cmocka_unit_test(test_scenario_set_overrides),
		cmocka_unit_test(test_scenario_sweep_expands_cross_product),
		cmocka_unit_test(test_scenario_points_are_built_on_demand),
		cmocka_unit_test(test_scenario_view),
		cmocka_unit_test(test_scenario_set_may_not_fight_the_sweep),
		cmocka_unit_test(test_scenario_distribution_forms),
	};
	return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
