/*
 * test_callplan.c - call lists: steps in order, parallel groups, the
 * probability of each call, the flat view the checker's searches use, and
 * the exact message and place of each mistake.
 */
#include "tests/simtest.h"

#include "sim/callplan.h"

#define NODES \
	"duration: 10s\n" \
	"workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n" \
	"nodes:\n  db: {type: service, service: 1ms}\n  ads: {type: service, service: 1ms}\n"

static struct sweep *set;
static struct sim_err err;

/* check parses the list `text` (YAML) as web's calls. */
static int check(const char *text, struct call_plan *plan)
{
	char y[2048];
	snprintf(y, sizeof y, NODES "  web: {type: service, service: 1ms, calls: %s}\n", text);
	struct sweep *s = NULL;
	memset(&err, 0, sizeof err);
	int rc = sweep_load_string(&archsim_lang, "t.yaml", y, NULL, 0, &s, &err);
	if (rc == 0) {
		/* the service's plan, parsed again on its own to look at it */
		struct check_ctx ctx = { s->points[0], &err, &archsim_lang };
		const struct yt_node *calls = yt_get(yt_get(yt_get(s->points[0]->tree, "nodes"),
							   "web"), "calls");
		rc = callplan_check(&ctx, calls, "nodes.web.calls", plan);
	}
	set = s;
	return rc;
}

static void test_callplan_steps_groups_and_probabilities(void **state)
{
	struct call_plan plan;
	assert_int_equal(check("[{to: db}, {parallel: [{to: db}, {to: ads, p: 0.5}]}, {to: ads, p: 0}]",
			       &plan), 0);
	assert_int_equal(plan.nsteps, 3);
	assert_int_equal(plan.steps[0].nedges, 1);
	assert_true(plan.steps[0].edges[0].p == 1);
	assert_int_equal(plan.steps[1].nedges, 2);
	assert_true(plan.steps[1].edges[1].p == 0.5);
	/* the flat view: every edge of every step, in order */
	uint32_t to;
	int db = scenario_node_index(set->points[0], "db");
	int ads = scenario_node_index(set->points[0], "ads");
	assert_true(callplan_edge(&plan, 0, &to) == 1 && to == (uint32_t)db);
	assert_true(callplan_edge(&plan, 1, &to) == 1 && to == (uint32_t)db);
	assert_true(callplan_edge(&plan, 2, &to) == 0.5 && to == (uint32_t)ads);
	assert_true(callplan_edge(&plan, 3, &to) == 0 && to == (uint32_t)ads);
	assert_true(callplan_edge(&plan, 4, &to) < 0);
	callplan_free(&plan);
	callplan_free(&plan);     /* safe twice */
	sweep_free(set);
}

static void test_callplan_mistakes(void **state)
{
	static const struct {
		const char *calls, *msg;
	} bad[] = {
		{ "db", "t.yaml:7:45: nodes.web.calls: must be a list of calls such as {to: NODE, p: PROBABILITY} or {parallel: [...]}" },
		{ "[{to: dbx}]", "t.yaml:7:51: nodes.web.calls[0].to: no node named 'dbx'; did you mean 'db'?" },
		{ "[{p: 0.5}]", "t.yaml:7:46: nodes.web.calls[0]: missing required key 'to'" },
		{ "[{to: db, p: -0.1}]", "t.yaml:7:58: nodes.web.calls[0].p: must be a number from 0 to 1 (got -0.1)" },
		{ "[{parallel: [{to: db}], to: db}]", "t.yaml:7:69: nodes.web.calls[0]: unknown key 'to' (allowed: parallel)" },
		{ "[{parallel: {to: db}}]", "t.yaml:7:57: nodes.web.calls[0].parallel: must be a non-empty list of calls such as {to: NODE, p: PROBABILITY}" },
		{ "[{parallel: [{to: db, p: 2}]}]", "t.yaml:7:70: nodes.web.calls[0].parallel[0].p: must be a number from 0 to 1 (got 2)" },
		{ "[{to: u}]", "t.yaml:7:51: nodes.web.calls[0].to: no node named 'u' (nodes: db, ads, web)" },
	};
	int wrong = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct call_plan plan;
		if (check(bad[i].calls, &plan) == 0) {
			callplan_free(&plan);
			print_error("case %zu: accepted\n", i);
			wrong++;
		} else if (strcmp(err.msg, bad[i].msg)) {
			print_error("case %zu:\n  got      %s\n  expected %s\n", i, err.msg, bad[i].msg);
			wrong++;
		}
		sweep_free(set);
	}
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callplan_steps_groups_and_probabilities),
		cmocka_unit_test(test_callplan_mistakes),
	};
	return cmocka_run_group_tests_name("callplan", tests, NULL, NULL);
}
