/*
 * test_simtest.c - the tests' own fixture (tests/simtest.h): every name
 * simtest_reps reads gives what the replication holds, read by hand;
 * simtest_reps gives each replication's values in its own place, the
 * same as simtest_each; and a name that does not resolve is refused with
 * its exact message.
 */
#include "tests/simtest.h"

#include <math.h>

#define SMALL \
	"name: small\nseed: 5\nduration: 20s\nwarmup: 1s\nwindow: 5s\n" \
	"workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: front}\n" \
	"nodes:\n" \
	"  front: {type: service, workers: 100, service: {dist: constant, value: 0s},\n" \
	"          calls: [{to: leaf, timeout: 15ms}]}\n" \
	"  leaf: {type: service, replicas: 2, service: {dist: exponential, mean: 8ms}}\n" \
	"timeline:\n  - {at: 10s, node: leaf, replica: 1, do: errors, rate: 0.5}\n"

/* by_hand compares every name with the replication's own fields. */
static void by_hand(void *arg, const struct scenario *sc, uint32_t rep,
		    const struct rep_result *r)
{
	const struct scope_result *s = &r->scopes[0];
	const struct hist *h = &s->latency;
	uint64_t ok = s->ended[REQ_OK], refused = 0, failed = 0, above = 0;
	for (int st = 0; st < REQ_NSTATUS; st++) {
		refused += req_status_group(st) == REQ_GROUP_REFUSED ? s->ended[st] : 0;
		failed += req_status_group(st) == REQ_GROUP_FAILED ? s->ended[st] : 0;
	}
	for (size_t b = hist_index(10000000) + 1; b < HIST_NBUCKETS; b++)
		above += h->counts[b];
	/* the run has something of each to show */
	assert_true(ok > 1000 && s->ended[REQ_TIMEOUT] > 10 && s->ended[REQ_ERROR] > 10);
	assert_true(r->nts == 5 && above > 0);
	const struct {
		const char *what;
		double want;
	} names[] = {
		{ "front.calls_made", simtest_node(sc, r, 0, 0, "calls_made") },
		{ "front.timeouts", simtest_node(sc, r, 0, 0, "timeouts") },
		{ "leaf.utilization", simtest_node(sc, r, 1, 0, "utilization") },
		{ "leaf[0].arrivals", simtest_node(sc, r, 1, 1, "arrivals") },
		{ "leaf[1].failed", simtest_node(sc, r, 1, 2, "failed") },
		{ "@arrivals", (double)s->arrivals },
		{ "@ok", (double)ok },
		{ "@timeout", (double)s->ended[REQ_TIMEOUT] },
		{ "@error", (double)s->ended[REQ_ERROR] },
		{ "@ok[0]", (double)r->ts[0].ended[REQ_OK] },
		{ "@error[4]", (double)r->ts[4].ended[REQ_ERROR] },
		{ "@throughput_per_s", (double)ok / r->duration_s },
		{ "@latency_mean_s", hist_mean(h) * 1e-9 },
		{ "@latency_p50_s", (double)hist_quantile(h, 0.5) * 1e-9 },
		{ "@latency_p999_s", (double)hist_quantile(h, 0.999) * 1e-9 },
		{ "@reject_ratio", (double)refused / (double)s->arrivals },
		{ "@error_ratio", (double)failed / (double)s->arrivals },
		{ "@failed_latency_mean_s", s->failed_latency_s / (double)failed },
		{ "@latency_min_ns", (double)h->min_ns },
		{ "@latency_max_ns", (double)h->max_ns },
		{ "@latency_bucket[10ms]", (double)h->counts[hist_index(10000000)] },
		{ "@latency_above[10ms]", (double)above },
		{ "@failed_latency_s", s->failed_latency_s },
		{ "@requests", (double)r->requests },
		{ "@events", (double)r->events },
		{ "@duration_s", r->duration_s },
		{ "@windows", (double)r->nts },
	};
	int *wrong = arg;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		double got = simtest_value(sc, r, names[i].what);
		if (got != names[i].want) {
			print_error("%s: %.17g, by hand %.17g\n", names[i].what, got, names[i].want);
			(*wrong)++;
		}
	}
}

static void test_simtest_names_read_what_the_run_holds(void **state)
{
	int wrong = 0;
	simtest_each(SMALL, 2, NULL, by_hand, &wrong);
	assert_int_equal(wrong, 0);
}

static void keep_made(void *arg, const struct scenario *sc, uint32_t rep,
		      const struct rep_result *r)
{
	((double *)arg)[rep] = simtest_node(sc, r, 0, 0, "calls_made");
}

/* Each replication's values land at its own index, and are those a loop
 * of simtest_each sees; simtest_col reads the same. */
static void test_simtest_reps_fill_each_replication(void **state)
{
	double made[3], timeouts[3], each[3], col[3];
	simtest_reps(SMALL, 3, { "front.calls_made", made }, { "@timeout", timeouts });
	simtest_each(SMALL, 3, NULL, keep_made, each);
	simtest_col(SMALL, "front", 0, "calls_made", col, 3);
	for (int k = 0; k < 3; k++) {
		assert_true(made[k] == each[k] && made[k] == col[k]);
		assert_true(timeouts[k] > 0);
	}
	/* the replications differ */
	assert_true(made[0] != made[1] && made[1] != made[2]);
}

static void test_simtest_refuses_what_does_not_resolve(void **state)
{
	static const struct {
		const char *what, *msg;
	} bad[] = {
		{ "frnt.calls_made", "'frnt.calls_made': no node named 'frnt' (nodes: front, leaf)" },
		{ "u.arrivals", "'u.arrivals': no node named 'u' (nodes: front, leaf)" },
		{ "front[0].arrivals",
		  "'front[0].arrivals': node front has one replica, and no row of its own for it: "
		  "write front.arrivals" },
		{ "leaf[2].arrivals", "'leaf[2].arrivals': node leaf has replicas leaf[0] to leaf[1]" },
		{ "leaf[x].arrivals", "'leaf[x].arrivals': a replica is written NODE[INDEX], e.g. web[0]" },
		{ "front", "'front': write NODE.COLUMN, NODE[REPLICA].COLUMN or @WORD" },
		{ "front.", "'front.': write NODE.COLUMN, NODE[REPLICA].COLUMN or @WORD" },
		{ "@ok[x]", "'@ok[x]': a window is a number, e.g. @ok[0]" },
		{ "@ok[", "'@ok[': write @ok[ARG]" },
		{ "@arrivals[0]", "'@arrivals[0]': @arrivals takes no [...]" },
		{ "@latency_bucket[soon]",
		  "'@latency_bucket[soon]': write @latency_bucket[DURATION], e.g. @latency_bucket[200ms]" },
		{ "@latency_above",
		  "'@latency_above': write @latency_above[DURATION], e.g. @latency_above[200ms]" },
		{ "@oks", "'@oks': unknown (@arrivals, @requests, @events, @duration_s, @windows, "
			  "@failed_latency_s, @latency_min_ns, @latency_max_ns, @latency_bucket[D], "
			  "@latency_above[D], a status such as @ok or @ok[W], or a metric such as "
			  "@latency_mean_s)" },
	};
	struct sweep *set = simtest_load(SMALL);
	int wrong = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct simtest_what w;
		char msg[1024] = "";
		if (simtest_resolve(set->points[0], bad[i].what, &w, msg, sizeof msg) == 0) {
			print_error("%s: resolved\n", bad[i].what);
			wrong++;
		} else if (strcmp(msg, bad[i].msg)) {
			print_error("%s:\n  got      %s\n  expected %s\n", bad[i].what, msg, bad[i].msg);
			wrong++;
		}
	}
	/* an unknown column lists the kind's columns, the engine's call
	 * columns among them */
	struct simtest_what w;
	char msg[2048];
	assert_int_equal(simtest_resolve(set->points[0], "front.cals_made", &w, msg, sizeof msg), -1);
	print_message("    %s\n", msg);
	const char *start = "'front.cals_made': no column 'cals_made' for node front of type "
			    "service (columns: arrivals, ";
	assert_true(strncmp(msg, start, strlen(start)) == 0);
	assert_non_null(strstr(msg, ", calls_made, "));
	sweep_free(set);
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simtest_names_read_what_the_run_holds),
		cmocka_unit_test(test_simtest_reps_fill_each_replication),
		cmocka_unit_test(test_simtest_refuses_what_does_not_resolve),
	};
	return cmocka_run_group_tests_name("simtest", tests, NULL, NULL);
}
