/*
 * test_load.c - checking a scenario point (sim/load.h): the defaults of
 * what is left out, the nodes and workloads in their order, and every
 * mistake of structure - a top-level key, a section, a node's type or
 * keys, a reference to another node, a name used twice - with its exact
 * message and location.
 */
#include "tests/loadtest.h"

#include "models/client.h"

#define BASE LOADTEST_BASE

static void test_load_defaults(void **state)
{
	struct sweep *set = loadtest_ok(BASE, NULL, 0);
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

/* Each mistake, with the exact message it must produce. */
static const struct loadtest_mistake mistakes[] = {
	{ "duration: 10s\n",
	  "s.yaml:1:1: scenario: missing required key 'workloads'" },
	{ "- a\n- b\n",
	  "s.yaml:1:1: a scenario must be a mapping with duration, workloads and nodes (found a sequence)" },
	{ "durations: 10s\n",
	  "s.yaml:1:1: scenario: unknown key 'durations'; did you mean 'duration'?" },
	{ "zzz: 1\n" BASE,
	  "s.yaml:1:1: scenario: unknown key 'zzz' (allowed: name, description, seed, duration, warmup, replications, load_scale, precision, window, slo, workloads, nodes, sweep, compare, timeline, zones, links, breakers, capacity)" },
	{ "duration: 10s\nworkloads: {}\nnodes: {}\n",
	  "s.yaml:3:8: nodes: must be a non-empty mapping of names to nodes" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {service: 1s}\n",
	  "s.yaml:5:8: nodes.web: missing required key 'type' (one of: service, balancer, cache, database, shards, queue, eventstore, projection)" },
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
	  "nodes:\n  web: {type: service, service: 1s, next: [{to: dbb, p: 0.5}]}\n  db: {type: service, service: 1s}\n",
	  "s.yaml:5:49: nodes.web.next[0].to: no node named 'dbb'; did you mean 'db'?" },
	{ "duration: 10s\nworkloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
	  "nodes:\n  web: {type: service, service: 1s, next: [{to: db, p: 0.6}, {to: web, p: 0.6}]}\n"
	  "  db: {type: service, service: 1s}\n",
	  "s.yaml:5:75: nodes.web.next[1].p: routing probabilities add up to 1.2, more than 1" },
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
};

static void test_load_reports_each_mistake_exactly(void **state)
{
	assert_int_equal(loadtest_mistakes(mistakes, sizeof mistakes / sizeof mistakes[0]),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_defaults),
		cmocka_unit_test(test_load_reports_each_mistake_exactly),
	};
	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
