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

/* check_ranks checks, against every candidate, that the answer is the
 * cheapest that meets the SLO, the runner-up the next, and the front
 * exactly those no other candidate beats on both cost and latency. */
static void check_ranks(const struct plan_result *r)
{
	/* cheaper: the metric, then the fewer of the paths summed, then
	 * the first searched */
	long best = -1, second = -1;
	for (size_t i = 0; i < r->n; i++) {
		if (!r->c[i].found)
			continue;
		for (long *slot = &best; slot; slot = slot == &best ? &second : NULL) {
			long j = *slot;
			if (j >= 0) {
				double mi = r->c[i].at.mest, mj = r->c[j].at.mest;
				long si = 0, sj = 0;
				for (int d = 0; d < CAP_MAX_DIMS; d++)
					si += r->c[i].v[d], sj += r->c[j].v[d];
				if (!(mi < mj || (mi == mj && si < sj)))
					continue;
			}
			if (slot == &best)
				second = best;
			*slot = (long)i;
			break;
		}
	}
	assert_int_equal(r->best, best);
	assert_int_equal(r->second, second);
	for (size_t i = 0; i < r->n; i++) {
		int beaten = 0;
		for (size_t j = 0; j < r->n; j++) {
			const struct cap_probe *a = &r->c[i].at, *b = &r->c[j].at;
			if (j != i && r->c[j].found && b->mest <= a->mest &&
			    b->est[r->lat_term] <= a->est[r->lat_term] &&
			    (b->mest < a->mest || b->est[r->lat_term] < a->est[r->lat_term]))
				beaten = 1;
		}
		assert_int_equal(r->c[i].front, r->c[i].found && !beaten);
		assert_int_equal(r->c[i].rank, (long)i == best ? 1 : (long)i == second ? 2 : 0);
	}
}

/* unpruned counts the probes a search of [lo, hi] for the least value
 * that meets, `answer` (hi + 1: none), makes with no bound from its
 * neighbours: the top, the bottom when the top meets, then bisection. */
static size_t unpruned(long lo, long hi, long answer)
{
	size_t n = 1;
	if (answer > hi)
		return n;
	if (lo < hi) {
		n++;
		if (answer == lo)
			return n;
		long good = hi;
		while (good - lo > 1) {
			long mid = lo + (good - lo) / 2;
			n++;
			if (mid >= answer)
				good = mid;
			else
				lo = mid;
		}
	}
	return n;
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
		check_ranks(&res);
		/* the prune: fewer probes than the same search would make
		 * with every combination's range whole */
		size_t whole = 0;
		for (size_t k = 0; k < res.n; k++)
			whole += unpruned(5, 10, res.c[k].found ? res.c[k].v[1] : 11);
		print_message("    %zu probes, %zu without the prune\n", res.probes, whole);
		assert_true(res.probes < whole);
		seen[i][0] = ca;
		seen[i][1] = cb;
		plan_result_free(&res);
	}
	/* each limit has its own answer: the check tells them apart */
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < i; j++)
			assert_true(seen[i][0] != seen[j][0] || seen[i][1] != seen[j][1]);
}

/* Three paths: a third station c (mean service 50 ms, 3 an hour per
 * worker) after b; the search walks a x b and bisects c.  Erlang C's
 * cheapest under 0.36 s is a = 5, b = 6, c = 3, with 4 % or more to
 * spare (worked out as reference() does, over the three). */
static void test_plan_three_paths(void **state)
{
	(void)state;
	const char *text =
		"duration: 1000s\nwarmup: 100s\nreplications: 4\nseed: 3\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: a}\n"
		"nodes:\n"
		"  a: {type: service, workers: 5, service: {dist: exponential, mean: 100ms},\n"
		"      next: [{to: b, p: 1}], cost: {per_worker_hour: 2}}\n"
		"  b: {type: service, workers: 5, service: {dist: exponential, mean: 100ms},\n"
		"      next: [{to: c, p: 1}], cost: {per_worker_hour: 1}}\n"
		"  c: {type: service, workers: 3, service: {dist: exponential, mean: 50ms},\n"
		"      cost: {per_worker_hour: 3}}\n"
		"capacity:\n"
		"  slo: \"latency_mean_s<360ms\"\n"
		"  availability: \"off\"\n"
		"  vary: [nodes.a.workers, nodes.b.workers, nodes.c.workers]\n"
		"  min: [5, 5, 3]\n"
		"  max: [8, 8, 6]\n"
		"  minimize: cost_per_hour\n";
	/* the reference, over the three stations */
	double best = INFINITY;
	int ba = 0, bb = 0, bc = 0;
	for (int a = 5; a <= 8; a++)
		for (int b = 5; b <= 8; b++)
			for (int c = 3; c <= 6; c++) {
				double t = sojourn(a, 0.1) + sojourn(b, 0.1) + sojourn(c, 0.05);
				double cost = 2.0 * a + b + 3.0 * c;
				if (t < 0.36 && cost < best) {
					best = cost;
					ba = a, bb = b, bc = c;
				}
			}
	assert_true(ba == 5 && bb == 6 && bc == 3);
	struct plan_result res;
	struct cap_spec spec;
	struct sim_err err = { 0 };
	if (plan(text, &res, &spec, &err))
		fail_msg("plan: %s", err.msg);
	assert_int_equal(res.n, 16);
	assert_true(res.best >= 0);
	const struct plan_cand *c = &res.c[res.best];
	print_message("    three paths: the search a=%ld, b=%ld, c=%ld (cost %.4g; %zu probes)\n",
		      c->v[0], c->v[1], c->v[2], c->at.mest, res.probes);
	assert_true(c->v[0] == ba && c->v[1] == bb && c->v[2] == bc);
	check_ranks(&res);
	plan_result_free(&res);
}

/* Minimising a cost with no price anywhere is refused, not answered. */
static void test_plan_without_prices(void **state)
{
	(void)state;
	char bare[2048];
	snprintf(bare, sizeof bare, tandem, "400ms");
	/* the two cost: entries become descriptions, of the same length */
	for (char *c; (c = strstr(bare, "cost: {per_worker_hour: "));) {
		char *end = strchr(c, '}');
		memset(c, ' ', (size_t)(end - c + 1));
		memcpy(c, "description: x", 14);
	}
	struct plan_result res;
	struct cap_spec spec;
	struct sim_err err = { 0 };
	assert_int_equal(plan(bare, &res, &spec, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "cost_per_hour has no value"));
	plan_result_free(&res);
}

/* The block's mistakes. */
static void test_plan_block_mistakes(void **state)
{
	(void)state;
	static const struct { const char *from, *to, *msg; } bad[] = {
		{ "  minimize: cost_per_hour\n", "", "say what to minimize" },
		{ "  max: [10, 10]\n", "  max: [10]\n", "a list of 2 integers" },
		{ "  max: [10, 10]\n", "  max: [10, 4]\n", "max 4 is below min 5" },
		{ "  max: [10, 10]\n", "  max: [99999999999999999999, 10]\n", "a list of 2 integers" },
		{ "  max: [10, 10]\n", "  max: [900000, 10]\n", "combinations of the paths before the last" },
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
		cmocka_unit_test(test_plan_three_paths),
		cmocka_unit_test(test_plan_without_prices),
		cmocka_unit_test(test_plan_block_mistakes),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
