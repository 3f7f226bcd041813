/*
 * test_plan.c - the cheapest plan: on a tandem of two M/M/c stations
 * priced per worker, the combination of workers the search answers is
 * the one an exhaustive enumeration of Erlang's C formula finds, for
 * three limits on the mean sojourn time that each have a different
 * answer; the block's mistakes are refused with their message.
 */
#include "tests/simtest.h"

#include <math.h>
#include <stdlib.h>

#include "app/plan.h"
#include "sim/ytree.h"

/* The tandem: 40 requests a second through station a (mean service
 * 100 ms) and then b (100 ms), a's workers at 2 an hour, b's at 1. */
#define LAMBDA 40.0
#define S_A 0.1
#define S_B 0.1
#define P_A 2.0
#define P_B 1.0

static const char *const tandem =
	"duration: 1000s\n"
	"warmup: 100s\n"
	"replications: 4\n"
	"seed: 3\n"
	"workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: a}\n"
	"nodes:\n"
	"  a: {type: service, workers: 5, service: {dist: exponential, mean: 100ms},\n"
	"      next: [{to: b, p: 1}], cost: {per_worker_hour: 2}}\n"
	"  b: {type: service, workers: 5, service: {dist: exponential, mean: 100ms},\n"
	"      cost: {per_worker_hour: 1}}\n"
	"capacity:\n"
	"  slo: \"latency_mean_s<%s\"\n"
	"  availability: \"off\"\n"
	"  vary: [nodes.a.workers, nodes.b.workers]\n"
	"  min: [5, 5]\n"
	"  max: [10, 10]\n"
	"  minimize: cost_per_hour\n";

/* sojourn is an M/M/c station's mean time in system. */
static double sojourn(int c, double s)
{
	double a = LAMBDA * s;
	if (c <= a)
		return INFINITY;
	return s + simtest_erlang_c(c, a) / (c / s - LAMBDA);
}

/* reference enumerates every (ca, cb) in range and returns the cheapest
 * whose mean sojourn (a's plus b's, Jackson) is under limit, after
 * checking that the answer is no near thing: its own sojourn, and every
 * combination that costs no more, lie 4 % or more from the limit. */
static void reference(double limit, int *ca, int *cb)
{
	double best = INFINITY;
	for (int a = 5; a <= 10; a++)
		for (int b = 5; b <= 10; b++) {
			double t = sojourn(a, S_A) + sojourn(b, S_B), cost = P_A * a + P_B * b;
			if (t < limit && (cost < best || (cost == best && a + b < *ca + *cb))) {
				best = cost;
				*ca = a;
				*cb = b;
			}
		}
	assert_true(isfinite(best));
	double t = sojourn(*ca, S_A) + sojourn(*cb, S_B);
	assert_true(t < 0.96 * limit);
	for (int a = 5; a <= 10; a++)
		for (int b = 5; b <= 10; b++) {
			double u = sojourn(a, S_A) + sojourn(b, S_B);
			if (P_A * a + P_B * b <= best && !(a == *ca && b == *cb))
				assert_true(u > 1.04 * limit);
		}
}

/* plan runs the block's search on text into a fresh directory. */
static int plan(const char *text, struct plan_result *res, struct cap_spec *spec,
		struct sim_err *err)
{
	struct sweep *set = simtest_load(text);
	struct check_ctx ctx = { set->points[0], err, &archsim_lang };
	memset(spec, 0, sizeof *spec);
	int rc = param_fill(&ctx, "capacity", yt_get(set->points[0]->tree, "capacity"),
			    &cap_table, NULL, spec);
	sweep_free(set);
	if (rc)
		return rc;
	spec->max_replications = CAP_DEFAULT_REPS;
	char dir[] = "/tmp/archsim-plan-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sweep_source src = { "t.yaml", text, NULL, 0 };
	rc = plan_search(&archsim_lang, spec, &src, 2, NULL, dir, NULL, res, err);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test -s %s/plan.csv && rm -rf %s", dir, dir);
	assert_int_equal(system(cmd), rc ? 256 : 0);
	return rc;
}

static void test_plan_tandem_against_erlang_c(void **state)
{
	(void)state;
	static const char *const limits[] = { "243ms", "290ms", "400ms" };
	static const double lim_s[] = { 0.243, 0.29, 0.4 };
	int seen[3][2];
	for (int i = 0; i < 3; i++) {
		int ca = 0, cb = 0;
		reference(lim_s[i], &ca, &cb);
		char text[2048];
		snprintf(text, sizeof text, tandem, limits[i]);
		struct plan_result res;
		struct cap_spec spec;
		struct sim_err err = { 0 };
		if (plan(text, &res, &spec, &err))
			fail_msg("plan: %s", err.msg);
		assert_true(res.best >= 0);
		const struct plan_cand *c = &res.c[res.best];
		print_message("    limit %s: Erlang C says a=%d, b=%d; the search a=%ld, b=%ld "
			      "(cost %.4g, sojourn %.4g s; %zu probes)\n", limits[i], ca, cb, c->v[0],
			      c->v[1], c->at.mest, c->at.est[0], res.probes);
		assert_int_equal(c->v[0], ca);
		assert_int_equal(c->v[1], cb);
		assert_true(fabs(c->at.mest - (P_A * ca + P_B * cb)) < 1e-9);
		/* the runner-up costs no less, and the answer is on the front */
		assert_true(res.second >= 0 && res.c[res.second].at.mest >= c->at.mest);
		assert_true(c->front);
		seen[i][0] = ca;
		seen[i][1] = cb;
		plan_result_free(&res);
	}
	/* each limit has its own answer: the check tells them apart */
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < i; j++)
			assert_true(seen[i][0] != seen[j][0] || seen[i][1] != seen[j][1]);
}

/* The block's mistakes. */
static void test_plan_block_mistakes(void **state)
{
	(void)state;
	static const struct { const char *from, *to, *msg; } bad[] = {
		{ "  minimize: cost_per_hour\n", "", "say what to minimize" },
		{ "  max: [10, 10]\n", "  max: [10]\n", "a list of 2 integers" },
		{ "  max: [10, 10]\n", "  max: [10, 4]\n", "max 4 is below min 5" },
		{ "  minimize: cost_per_hour\n", "  minimize: cost\n", "unknown metric 'cost'" },
		{ "  vary: [nodes.a.workers, nodes.b.workers]\n",
		  "  vary: [nodes.a.workers, nodes.a.workers]\n", "listed twice" },
	};
	char base[2048];
	snprintf(base, sizeof base, tandem, "400ms");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[2048];
		const char *at = strstr(base, bad[i].from);
		assert_non_null(at);
		snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, bad[i].to,
			 at + strlen(bad[i].from));
		struct sweep *set = NULL;
		struct sim_err err = { 0 };
		/* the block is checked with the scenario */
		assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml", text, NULL, 0, &set, &err),
				 SIM_EINVAL);
		print_message("    %s\n", err.msg);
		assert_non_null(strstr(err.msg, bad[i].msg));
		assert_non_null(strstr(err.msg, "t.yaml:"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_tandem_against_erlang_c),
		cmocka_unit_test(test_plan_block_mistakes),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
