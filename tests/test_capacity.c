/*
 * test_capacity.c - the SLO search.  Its grammar (terms, limits, bounds)
 * and its refusals; then the known answers of queueing theory: for an
 * M/M/c the mean sojourn time is 1/mu + C(c, a) / (c mu - lambda), with
 * C Erlang's C formula, so the smallest c whose mean sojourn is below a
 * limit is known exactly, and the search must find it on several cases;
 * and for an M/M/1 the largest arrival rate whose mean sojourn is below
 * X is 1 - 1/X (mean service 1 s), which a continuous search must
 * bracket.
 */
#include "tests/simtest.h"

#include <math.h>
#include <unistd.h>

#include "app/capacity.h"
#include "app/report.h"

static void test_capacity_slo_grammar(void **state)
{
	struct cap_spec s;
	char why[600];
	memset(&s, 0, sizeof s);
	assert_int_equal(cap_parse_slo("latency_p99_s<50ms and reject_ratio < 0.001 and "
				       "throughput_per_s>900/s", &s, why, sizeof why), 0);
	assert_int_equal(s.nterms, 3);
	assert_int_equal(s.terms[0].metric, METRIC_P99);
	assert_false(s.terms[0].above);
	assert_true(fabs(s.terms[0].limit - 0.05) < 1e-12);
	assert_int_equal(s.terms[1].metric, METRIC_REJECT_RATIO);
	assert_true(s.terms[1].limit == 0.001);
	assert_true(s.terms[2].above && s.terms[2].limit == 900);
	static const char *const bad[][2] = {
		{ "latency_p98_s<50ms", "unknown metric 'latency_p98_s'" },
		{ "latency_p99_s=50ms", "a term is METRIC<LIMIT" },
		{ "latency_p99_s<50", "is not a limit for it (a duration" },
		{ "reject_ratio<lots", "is not a limit for it (a number" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(cap_parse_slo(bad[i][0], &s, why, sizeof why), -1);
		print_message("    %s: %s\n", bad[i][0], why);
		assert_non_null(strstr(why, bad[i][1]));
	}
	/* bounds: integers, rates, durations, and their mismatches */
	memset(&s, 0, sizeof s);
	assert_int_equal(cap_spec_finish(&s, "2", "64", why, sizeof why), 0);
	assert_true(s.integer && s.min == 2 && s.max == 64 && s.has_max);
	assert_int_equal(cap_spec_finish(&s, "100/s", "2000/s", why, sizeof why), 0);
	assert_true(!s.integer && !strcmp(s.unit, "/s"));
	char buf[64];
	cap_format(&s, 250, buf, sizeof buf);
	assert_string_equal(buf, "250/s");
	assert_int_equal(cap_spec_finish(&s, "0.5", "0.9", why, sizeof why), 0);
	assert_false(s.integer);
	assert_int_equal(cap_spec_finish(&s, "100/s", "2s", why, sizeof why), -1);
	assert_non_null(strstr(why, "not in the same unit"));
	assert_int_equal(cap_spec_finish(&s, "8", "4", why, sizeof why), -1);
	assert_non_null(strstr(why, "must be greater than min"));
}

/* search runs the capacity search on text (with overrides) into a fresh
 * directory; the test fails on error. */
static void search(const char *text, const char *slo, const char *vary, const char *min,
		   const char *max, struct cap_spec *spec, struct cap_result *res)
{
	char why[600], dir[] = "/tmp/archsim-capacity-XXXXXX";
	struct sim_err err = { 0 };
	memset(spec, 0, sizeof *spec);
	assert_int_equal(cap_parse_slo(slo, spec, why, sizeof why), 0);
	snprintf(spec->path, sizeof spec->path, "%s", vary);
	assert_int_equal(cap_spec_finish(spec, min, max, why, sizeof why), 0);
	assert_non_null(mkdtemp(dir));
	struct sweep_source src = { "t.yaml", text, NULL, 0 };
	if (cap_search(&archsim_lang, spec, &src, 2, NULL, dir, NULL, res, &err))
		fail_msg("capacity: %s", err.msg);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test -s %s/capacity-%s.csv && rm -rf %s", dir, vary, dir);
	assert_int_equal(system(cmd), 0);
}

/* For lambda 8 and 20 (mean service 1 s), limits on the mean sojourn
 * placed between consecutive c, the search finds the smallest c that
 * meets each: the answer of Erlang's C formula. */
static void test_capacity_finds_erlang_c(void **state)
{
	static const struct { double lambda, limit; } cases[] = {
		{ 8, 1.5 }, { 8, 1.1 }, { 20, 1.2 }, { 20, 1.1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double lam = cases[i].lambda, limit = cases[i].limit;
		int want = (int)lam + 1;
		while (1 + simtest_erlang_c(want, lam) / (want - lam) >= limit)
			want++;
		char text[1024], slo[64];
		snprintf(text, sizeof text,
			 "seed: 11\nduration: 2000s\nwarmup: 100s\nreplications: 5\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: %g/s}, target: web}\n"
			 "nodes:\n  web: {type: service, workers: 1, service: {dist: exponential, mean: 1s}}\n",
			 lam);
		snprintf(slo, sizeof slo, "latency_mean_s<%gs", limit);
		char min[16];
		snprintf(min, sizeof min, "%d", (int)lam + 1);
		struct cap_spec spec;
		struct cap_result res;
		search(text, slo, "nodes.web.workers", min, "64", &spec, &res);
		print_message("    lambda %g, mean sojourn < %g s: Erlang C says c = %d (%.4f s; c - 1: %.4f s); "
			      "the search: %g after %zu probes\n", lam, limit, want,
			      1 + simtest_erlang_c(want, lam) / (want - lam),
			      1 + simtest_erlang_c(want - 1, lam) / (want - 1 - lam), res.answer, res.nprobes);
		assert_true(res.found);
		assert_int_equal(res.goal, CAP_SMALLEST);
		assert_true(res.answer == want);
		/* every decided probe's verdict is the truth's, and there
		 * are such probes */
		size_t decided = 0;
		for (size_t k = 0; k < res.nprobes; k++) {
			const struct cap_probe *p = &res.probes[k];
			int c = (int)p->value;
			double truth = 1 + simtest_erlang_c(c, lam) / (c - lam);
			if (!p->decided)
				continue;
			decided++;
			assert_int_equal(p->meets, truth < limit);
		}
		assert_true(decided >= 2);
		cap_result_free(&res);
	}
}

/* The largest arrival rate at which an M/M/1 (mean service 1 s) keeps
 * its mean sojourn under 5 s is 0.8/s.  A continuous search to 2 %
 * finds a value with a decided probe that meets at or below it, and one
 * that misses just above; the truth lies between them. */
static void test_capacity_continuous_largest_load(void **state)
{
	const char *text =
		"seed: 3\nduration: 20000s\nwarmup: 1000s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.5/s}, target: s}\n"
		"nodes:\n  s: {type: service, service: {dist: exponential, mean: 1s}}\n";
	struct cap_spec spec;
	struct cap_result res;
	search(text, "latency_mean_s<5s", "workloads.u.arrival.rate", "0.5/s", "0.95/s", &spec,
	       &res);
	/* the bracket the search ended with */
	double met = 0, missed = INFINITY;
	for (size_t k = 0; k < res.nprobes; k++) {
		const struct cap_probe *p = &res.probes[k];
		if (!p->decided)
			continue;
		if (p->meets && p->value > met)
			met = p->value;
		if (!p->meets && p->value < missed)
			missed = p->value;
	}
	print_message("    largest rate with mean sojourn < 5 s: %g/s (truth 0.8/s), bracket [%g, %g], "
		      "%zu probes\n", res.answer, met, missed, res.nprobes);
	assert_true(res.found);
	assert_int_equal(res.goal, CAP_LARGEST);
	assert_true(res.answer == met);
	assert_true(met > 0 && isfinite(missed));
	assert_true(missed - met <= 0.02 * missed + 1e-12);
	assert_true(met <= 0.8 && 0.8 <= missed);
	cap_result_free(&res);
}

/* Erlang's loss formula, B(c, a) = a B(c - 1, a) / (c + a B(c - 1, a)). */
static double erlang_b(int c, double a)
{
	double b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return b;
}

/* Without a queue (`queue: 0`) every request served is served at once,
 * so a latency SLO holds with 1 worker while most requests are turned
 * away.  The SLO as written answers 1 ("over the whole range"); with the
 * availability terms added by default, the search answers the smallest
 * c whose Erlang B loss at a = 7 is below 0.001: 17 (B = 0.0006; 16
 * gives 0.00145), and every decided probe agrees with the formula. */
static void test_capacity_adds_availability(void **state)
{
	const char *text =
		"seed: 5\nduration: 100s\nwarmup: 5s\nreplications: 5\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 700/s}, target: web}\n"
		"nodes:\n  web: {type: service, workers: 1, queue: 0,\n"
		"        service: {dist: exponential, mean: 10ms}}\n";
	char why[600];
	struct cap_spec spec;
	memset(&spec, 0, sizeof spec);
	assert_int_equal(cap_parse_slo("latency_mean_s<1s", &spec, why, sizeof why), 0);
	assert_int_equal(cap_parse_availability("off", &spec, why, sizeof why), 0);
	assert_int_equal(cap_add_availability(&spec), 0);
	spec.availability = 0;
	assert_int_equal(cap_add_availability(&spec), 1);
	assert_string_equal(spec.slo,
			    "latency_mean_s<1s and reject_ratio<0.001 and error_ratio<0.001");
	assert_int_equal(cap_add_availability(&spec), 0);       /* named now */
	struct cap_spec full;                                    /* no room: said */
	memset(&full, 0, sizeof full);
	assert_int_equal(cap_parse_slo("latency_p50_s<1s and latency_p90_s<1s and latency_p99_s<1s "
				       "and latency_p999_s<1s and latency_mean_s<1s and "
				       "throughput_per_s>1/s and failed_latency_mean_s<1s",
				       &full, why, sizeof why), 0);
	assert_int_equal(cap_add_availability(&full), -1);
	assert_int_equal(full.nterms, 7);
	assert_int_equal(cap_parse_availability("1", &spec, why, sizeof why), -1);
	int want = 1;
	while (erlang_b(want, 7) >= 0.001)
		want++;
	struct cap_result res[2];
	for (int k = 0; k < 2; k++) {
		struct cap_spec sp;
		char dir[] = "/tmp/archsim-capacity-XXXXXX";
		struct sim_err err = { 0 };
		memset(&sp, 0, sizeof sp);
		assert_int_equal(cap_parse_slo("latency_mean_s<1s", &sp, why, sizeof why), 0);
		snprintf(sp.path, sizeof sp.path, "nodes.web.workers");
		assert_int_equal(cap_spec_finish(&sp, "1", "32", why, sizeof why), 0);
		if (k)
			cap_add_availability(&sp);
		assert_non_null(mkdtemp(dir));
		struct sweep_source src = { "t.yaml", text, NULL, 0 };
		if (cap_search(&archsim_lang, &sp, &src, 2, NULL, dir, NULL, &res[k], &err))
			fail_msg("capacity: %s", err.msg);
		char cmd[256];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
		for (size_t i = 0; k && i < res[k].nprobes; i++) {
			const struct cap_probe *p = &res[k].probes[i];
			if (p->decided)
				assert_int_equal(p->meets, erlang_b((int)p->value, 7) < 0.001);
		}
	}
	print_message("    latency alone: %g%s; with availability: %g (Erlang B: %d, B = %.5f; "
		      "%d: %.5f)\n", res[0].answer, res[0].both ? " (whole range)" : "",
		      res[1].answer, want, erlang_b(want, 7), want - 1, erlang_b(want - 1, 7));
	assert_true(res[0].found && res[0].answer == 1 && res[0].both);
	assert_true(res[1].found && res[1].answer == want);
	/* the answer's bottleneck: the one node, carrying a (1 - B) of its c
	 * workers */
	const struct cap_probe *at = NULL;
	for (size_t i = 0; i < res[1].nprobes; i++)
		if (res[1].probes[i].value == res[1].answer)
			at = &res[1].probes[i];
	assert_non_null(at);
	double rho = 7 * (1 - erlang_b(want, 7)) / want;
	print_message("    bottleneck %s at utilization %.4f (carried load / c: %.4f)\n",
		      at->bottleneck, at->bottleneck_util, rho);
	assert_string_equal(at->bottleneck, "web");
	assert_true(fabs(at->bottleneck_util - rho) < 0.01);
	/* headroom: at 17 workers the load may grow by s while B(17, 7 s) <
	 * 0.001, up to s = 1.0540; the search's bracket holds it */
	double truth_lo = 1, truth_hi = 2;
	for (int i = 0; i < 60; i++) {
		double m = (truth_lo + truth_hi) / 2;
		*(erlang_b(want, 7 * m) < 0.001 ? &truth_lo : &truth_hi) = m;
	}
	struct cap_spec hs;
	memset(&hs, 0, sizeof hs);
	assert_int_equal(cap_parse_slo("latency_mean_s<1s", &hs, why, sizeof why), 0);
	snprintf(hs.path, sizeof hs.path, "nodes.web.workers");
	assert_int_equal(cap_spec_finish(&hs, "1", "32", why, sizeof why), 0);
	cap_add_availability(&hs);
	char dir[] = "/tmp/archsim-capacity-XXXXXX";
	struct sim_err err = { 0 };
	assert_non_null(mkdtemp(dir));
	struct sweep_source src = { "t.yaml", text, NULL, 0 };
	struct cap_result h;
	if (cap_headroom(&archsim_lang, &hs, want, 1, &src, 2, NULL, dir, NULL, &h, &err))
		fail_msg("headroom: %s", err.msg);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "test -s %s/headroom-nodes.web.workers.csv && rm -rf %s", dir, dir);
	assert_int_equal(system(cmd), 0);
	double missed = INFINITY;
	for (size_t i = 0; i < h.nprobes; i++)
		if (!h.probes[i].meets && h.probes[i].decided && h.probes[i].value < missed)
			missed = h.probes[i].value;
	print_message("    headroom at %d: holds to %gx, misses at %gx; Erlang B: %.4fx\n", want,
		      h.answer, missed, truth_lo);
	assert_true(h.found && !h.both);
	assert_true(h.answer <= truth_lo && truth_lo <= missed);
	assert_true(missed - h.answer < 0.05);
	cap_result_free(&h);
	cap_result_free(&res[0]);
	cap_result_free(&res[1]);
}

/* A scenario with a sweep cannot be searched; nor one whose SLO holds
 * nowhere in range (that is an answer: none). */
static void test_capacity_refusals_and_none(void **state)
{
	const char *swept =
		"duration: 10s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 5/s}, target: s}\n"
		"nodes:\n  s: {type: service, service: {dist: exponential, mean: 100ms}}\n"
		"sweep: {nodes.s.workers: [1, 2]}\n";
	struct cap_spec spec;
	struct cap_result res;
	char why[600], dir[] = "/tmp/archsim-capacity-XXXXXX";
	struct sim_err err = { 0 };
	memset(&spec, 0, sizeof spec);
	assert_int_equal(cap_parse_slo("latency_mean_s<1s", &spec, why, sizeof why), 0);
	snprintf(spec.path, sizeof spec.path, "nodes.s.workers");
	assert_int_equal(cap_spec_finish(&spec, "1", "4", why, sizeof why), 0);
	assert_non_null(mkdtemp(dir));
	struct sweep_source src = { "t.yaml", swept, NULL, 0 };
	assert_int_equal(cap_search(&archsim_lang, &spec, &src, 1, NULL, dir, NULL, &res, &err), SIM_EINVAL);
	print_message("    %s\n", err.msg);
	assert_non_null(strstr(err.msg, "remove its sweep:"));
	cap_result_free(&res);
	/* a mean sojourn under 10 ms with 100 ms of service: never */
	const char *slow =
		"duration: 100s\nreplications: 3\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 5/s}, target: s}\n"
		"nodes:\n  s: {type: service, service: {dist: exponential, mean: 100ms}}\n";
	search(slow, "latency_mean_s<10ms", "nodes.s.workers", "1", "8", &spec, &res);
	assert_false(res.found);
	assert_int_equal(res.nprobes, 2);
	cap_result_free(&res);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_slo_grammar),
		cmocka_unit_test(test_capacity_finds_erlang_c),
		cmocka_unit_test(test_capacity_continuous_largest_load),
		cmocka_unit_test(test_capacity_adds_availability),
		cmocka_unit_test(test_capacity_refusals_and_none),
	};
	return cmocka_run_group_tests_name("capacity", tests, NULL, NULL);
}
