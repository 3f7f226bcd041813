/*
 * test_sweep.c - a scenario file as loaded (sim/sweep.h): --set overrides
 * and the mistakes in them, a sweep's cross product of points in order,
 * points built on demand with at most SWEEP_HELD held, views of some
 * points, and an override that would fight the sweep.
 */
#include "tests/loadtest.h"

#include <math.h>

#define BASE LOADTEST_BASE

static void test_sweep_set_overrides(void **state)
{
	struct sc_override ov[] = {
		{ "nodes.web.workers", "4" }, { "seed", "99" },
		{ "workloads.users.arrival.rate", "8/s" },
	};
	struct sweep *set = loadtest_ok(BASE, ov, 3);
	assert_int_equal(set->points[0]->seed, 99);
	sweep_free(set);

	/* an empty sweep is one point: --set 'sweep={}' sets a file's aside */
	struct sc_override none[] = { { "sweep", "{}" } };
	set = loadtest_ok(BASE, none, 1);
	assert_int_equal(set->npoints, 1);
	assert_int_equal(set->nparams, 0);
	sweep_free(set);
	/* and a compare: of the sweep set aside goes with it */
	set = loadtest_ok(BASE "sweep: {nodes.web.workers: [1, 2]}\ncompare: nodes.web.workers\n",
			  none, 1);
	assert_int_equal(set->npoints, 1);
	sweep_free(set);

	struct sc_override bad[] = { { "nodes.web.workers", "0" } };
	assert_string_equal(loadtest_err(BASE, bad, 1),
			    "--set:1:19: nodes.web.workers: must be an integer from 1 to 1000000 (got 0)");
	struct sc_override missing[] = { { "seed", "1" }, { "nodes.api.workers", "2" } };
	assert_string_equal(loadtest_err(BASE, missing, 2),
			    "--set:2:1: nodes.api.workers: there is no 'api' in the scenario");
	struct sc_override typo[] = { { "nodes.web.wrokers", "2" } };
	assert_string_equal(loadtest_err(BASE, typo, 1),
			    "--set:1:1: nodes.web: unknown key 'wrokers'; did you mean 'workers'?");
}

static void test_sweep_expands_cross_product(void **state)
{
	struct sweep *set = loadtest_ok(BASE "sweep:\n  nodes.web.workers: [1, 2, 3]\n"
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

/* A swept parameter's values are numbers in the output files when they
 * can all be: durations in seconds, rates per second, plain numbers as
 * written (a plain 0 among durations or rates is one of them); any other
 * value (here a mapping) makes the whole column text. */
static void test_sweep_values_as_numbers(void **state)
{
	struct sweep *set = loadtest_ok(BASE "sweep:\n"
					"  nodes.web.workers: [1, 2]\n"
					"  warmup: [250us, 0, 1.5s]\n"
					"  workloads.users.arrival.rate: [90/m, 2/s]\n", NULL, 0);
	char col[128], label[128];
	assert_int_equal(sweep_param_unit(set, 0), SWEEP_NUMBER);
	assert_int_equal(sweep_param_unit(set, 1), SWEEP_SECONDS);
	assert_int_equal(sweep_param_unit(set, 2), SWEEP_PER_S);
	sweep_param_column(set, 1, col, sizeof col);
	assert_string_equal(col, "warmup_s");
	sweep_param_column(set, 2, col, sizeof col);
	assert_string_equal(col, "workloads.users.arrival.rate_per_s");
	sweep_param_column(set, 0, col, sizeof col);
	assert_string_equal(col, "nodes.web.workers");
	/* point 0: 1, 250us, 90/m; the last varies fastest */
	assert_true(sweep_param_number(set, 0, 0) == 1);
	assert_true(fabs(sweep_param_number(set, 0, 1) - 250e-6) < 1e-15);
	assert_true(fabs(sweep_param_number(set, 0, 2) - 1.5) < 1e-12);
	assert_true(sweep_param_number(set, 2, 1) == 0);
	assert_true(fabs(sweep_param_number(set, 11, 1) - 1.5) < 1e-12);
	assert_true(sweep_param_number(set, 11, 2) == 2);
	sweep_point_label(set, 11, label, sizeof label);
	assert_string_equal(label, "2, 1.5s, 2/s");
	sweep_free(set);

	set = loadtest_ok(BASE "sweep:\n"
			  "  warmup: [0, 10ms]\n"
			  "  workloads.users.arrival.rate: [1/s, 2/s]\n"
			  "  nodes.web.service: [20ms, {dist: exponential, mean: 10ms}]\n", NULL, 0);
	assert_int_equal(sweep_param_unit(set, 0), SWEEP_SECONDS);
	assert_true(sweep_param_number(set, 0, 0) == 0);
	assert_int_equal(sweep_param_unit(set, 2), SWEEP_TEXT);
	assert_true(isnan(sweep_param_number(set, 0, 2)));
	sweep_param_column(set, 2, col, sizeof col);
	assert_string_equal(col, "nodes.web.service");
	sweep_point_label(set, 1, label, sizeof label);
	assert_string_equal(label, "0, 1/s, service #2");
	sweep_point_label(set, 0, label, sizeof label);
	assert_string_equal(label, "0, 1/s, 20ms");
	sweep_free(set);
	/* no sweep: one point, named "all" */
	set = loadtest_ok(BASE, NULL, 0);
	sweep_point_label(set, 0, label, sizeof label);
	assert_string_equal(label, "all");
	sweep_free(set);
}

/* Only point 0 is kept after loading; the others are built when asked
 * for, the same each time, and at most SWEEP_HELD of them are held. */
static void test_sweep_points_are_built_on_demand(void **state)
{
	const char *y = BASE "replications: 3\n"
			"sweep: {nodes.web.workers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}\n";
	struct sweep *set = loadtest_ok(y, NULL, 0);
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
static void test_sweep_view(void **state)
{
	const char *y = BASE "replications: 3\nsweep: {nodes.web.workers: [1, 2, 3, 4]}\n";
	struct sweep *set = loadtest_ok(y, NULL, 0), *v = NULL;
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

static void test_sweep_set_may_not_fight_the_sweep(void **state)
{
	const char *y = BASE "sweep: {nodes.web.workers: [1, 2]}\n";
	struct sc_override same[] = { { "nodes.web.workers", "50" } };
	assert_string_equal(loadtest_err(y, same, 1),
			    "--set:1:1: nodes.web.workers: the sweep at s.yaml:6:9 sets nodes.web.workers; "
			    "change the sweep instead (--set 'sweep={nodes.web.workers: [...]}')");
	struct sc_override above[] = { { "seed", "2" }, { "nodes.web", "{type: service, service: 1s}" } };
	assert_non_null(strstr(loadtest_err(y, above, 2), "--set:2:1: nodes.web: the sweep at"));
	/* a --set elsewhere, or one that replaces the sweep, is fine */
	struct sc_override other[] = { { "nodes.web.queue", "3" } };
	sweep_free(loadtest_ok(y, other, 1));
	struct sc_override sweep[] = { { "sweep", "{nodes.web.workers: [4, 8, 16]}" } };
	struct sweep *set = loadtest_ok(y, sweep, 1);
	assert_int_equal(set->npoints, 3);
	assert_string_equal(sweep_param_value(set, 2, 0), "16");
	sweep_free(set);
}

/* Each mistake in a sweep, with the exact message it must produce. */
static const struct loadtest_mistake sweep_mistakes[] = {
	{ BASE "sweep: {nodes.web.workers: []}\n",
	  "s.yaml:6:28: sweep: nodes.web.workers: must be a non-empty list of values" },
	{ BASE "sweep: {nodes.web.workers: [1, 0]}\n",
	  "s.yaml:6:32: nodes.web.workers: must be an integer from 1 to 1000000 (got 0)" },
	{ BASE "sweep: {nodes.api.workers: [1]}\n",
	  "s.yaml:6:9: nodes.api.workers: there is no 'api' in the scenario" },
};

static void test_sweep_reports_each_mistake_exactly(void **state)
{
	assert_int_equal(loadtest_mistakes(sweep_mistakes, sizeof sweep_mistakes / sizeof sweep_mistakes[0]),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_set_overrides),
		cmocka_unit_test(test_sweep_expands_cross_product),
		cmocka_unit_test(test_sweep_values_as_numbers),
		cmocka_unit_test(test_sweep_points_are_built_on_demand),
		cmocka_unit_test(test_sweep_view),
		cmocka_unit_test(test_sweep_set_may_not_fight_the_sweep),
		cmocka_unit_test(test_sweep_reports_each_mistake_exactly),
	};
	return cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
}
