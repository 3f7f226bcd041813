/*
 * test_sim.c - the engine: determinism, independence of random streams,
 * warm-up, interruption.
 *
 * Statistical assertions use bounds derived from the distribution of the
 * quantity checked (a Poisson count within 5 standard deviations), never a
 * tolerance picked by eye; exact assertions are exact.
 */
#include "tests/simtest.h"

#include <math.h>

#include "sim/model.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/lang.h"
#include "sim/sweep.h"
#include "sim/sim.h"

static int same_result(const struct rep_result *a, const struct rep_result *b,
		       const struct scenario *sc)
{
	const struct scope_result *x = &a->scopes[0], *y = &b->scopes[0];
	if (x->arrivals != y->arrivals || memcmp(x->ended, y->ended, sizeof x->ended) ||
	    a->events != b->events || x->latency.total != y->latency.total ||
	    memcmp(x->latency.counts, y->latency.counts,
		   HIST_NBUCKETS * sizeof *x->latency.counts) != 0)
		return 0;
	for (size_t k = 0; k < sc->ncomponents; k++)
		if (memcmp(a->nodes[k].v, b->nodes[k].v, a->nodes[k].nrows *
			   model_row_cols(sc->nodes[k].ops) * 2 * sizeof(double)))
			return 0;
	if (a->nts != b->nts)
		return 0;
	for (size_t i = 0; i < a->nts; i++)
		if (memcmp(a->ts[i].ended, b->ts[i].ended, sizeof a->ts[i].ended))
			return 0;
	return 1;
}

#define WEB \
	"duration: 200s\n" \
	"warmup: 20s\n" \
	"workloads:\n" \
	"  users: {arrival: {process: poisson, rate: 50/s}, target: web}\n" \
	"nodes:\n" \
	"  web: {type: service, workers: 2, queue: 5, service: {dist: lognormal, mean: 30ms, cv: 2},\n" \
	"        next: [{to: db, p: 0.5}]}\n" \
	"  db: {type: service, service: {dist: exponential, mean: %s}}\n"

static void test_sim_same_seed_same_result(void **state)
{
	char y[1024];
	snprintf(y, sizeof y, WEB, "5ms");
	struct sweep *set = simtest_load(y);
	const struct scenario *sc = set->points[0];
	struct rep_result a, b, c;
	simtest_run(sc, 0, &a);
	simtest_run(sc, 0, &b);
	simtest_run(sc, 1, &c);
	assert_true(simtest_ended(&a, REQ_OK) > 8000);
	assert_true(same_result(&a, &b, sc));
	/* another replication is another sample */
	assert_false(same_result(&a, &c, sc));
	rep_result_fini(&a);
	rep_result_fini(&b);
	rep_result_fini(&c);
	sweep_free(set);
}

static void test_sim_streams_are_per_node(void **state)
{
	/* common random numbers: a slower database changes nothing upstream
	 * of it - the arrivals and the web tier's service times and routing
	 * are the same draws */
	char y1[1024], y2[1024];
	snprintf(y1, sizeof y1, WEB, "5ms");
	snprintf(y2, sizeof y2, WEB, "9ms");
	struct sweep *s1 = simtest_load(y1), *s2 = simtest_load(y2);
	struct rep_result a, b;
	simtest_run(s1->points[0], 0, &a);
	simtest_run(s2->points[0], 0, &b);
	const struct scenario *c1 = s1->points[0], *c2 = s2->points[0];
	assert_int_equal(simtest_arrivals(&a), simtest_arrivals(&b));
	assert_true(simtest_node(c1, &a, 0, 0, "arrivals") ==
		    simtest_node(c2, &b, 0, 0, "arrivals"));
	assert_true(simtest_node(c1, &a, 0, 0, "rejected") ==
		    simtest_node(c2, &b, 0, 0, "rejected"));
	assert_true(simtest_node(c1, &a, 0, 0, "wait_mean_s") ==
		    simtest_node(c2, &b, 0, 0, "wait_mean_s"));
	assert_true(simtest_node(c1, &a, 1, 0, "arrivals") ==
		    simtest_node(c2, &b, 1, 0, "arrivals"));
	/* ...while the database itself did change: every request's own
	 * demand there grew by 9/5 (test_sim_demand_is_the_requests_own), so
	 * its busy time did too, but for the work cut at the measured
	 * window's two ends: at most two demands (under 50 ms but one time
	 * in 250) against 25 s of busy time at 5 ms, 0.004 */
	double ratio = simtest_node(c2, &b, 1, 0, "utilization") /
		       simtest_node(c1, &a, 1, 0, "utilization");
	assert_true(fabs(ratio - 1.8) < 1.8 * 2 * 0.05 / 25);
	rep_result_fini(&a);
	rep_result_fini(&b);
	sweep_free(s1);
	sweep_free(s2);
}

static volatile sig_atomic_t stop_now = 1;

static void test_sim_stops_when_asked(void **state)
{
	/* long enough that the flag, polled every 65,536 events, is seen:
	 * a replication that ends before the first poll is kept whole */
	char y[1024];
	snprintf(y, sizeof y, WEB, "5ms");
	struct sc_override longer[] = { { "duration", "20000s" } };
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	assert_int_equal(sweep_load_string(&archsim_lang, "t.yaml", y, longer, 1, &set, &err), 0);
	struct rep_result r;
	struct sim_hooks hooks = { .stop = &stop_now };
	assert_int_equal(rep_result_init(&r, set->points[0]), 0);
	assert_int_equal(sim_run(set->points[0], 0, &r, &hooks, &err), SIM_EINTR);
	assert_false(r.complete);
	assert_true(r.events < 100000);
	rep_result_fini(&r);

	/* the runner folds in nothing from the interrupted replication */
	struct report rep;
	assert_int_equal(report_init(&rep, set, "test"), 0);
	assert_int_equal(runner_run(set, &rep, &(struct runner_opts){ .stop = &stop_now }, &err), SIM_EINTR);
	assert_int_equal(simtest_summary(&rep, 0).replications, 0);
	report_fini(&rep);
	sweep_free(set);
}

static void test_sim_warmup_is_discarded(void **state)
{
	/* the same run with and without warm-up: counts differ by exactly the
	 * requests finished during the warm-up window */
	const char *y =
		"duration: %s\nwarmup: %s\nwindow: 10s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 20/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: {dist: exponential, mean: 10ms}}\n";
	char a[512], b[512];
	snprintf(a, sizeof a, y, "100s", "0s");
	snprintf(b, sizeof b, y, "80s", "20s");
	struct sweep *sa = simtest_load(a), *sb = simtest_load(b);
	struct rep_result ra, rb;
	simtest_run(sa->points[0], 0, &ra);
	simtest_run(sb->points[0], 0, &rb);
	uint64_t early = ra.ts[0].ended[REQ_OK] + ra.ts[1].ended[REQ_OK];
	assert_int_equal(simtest_ended(&ra, REQ_OK) - early, simtest_ended(&rb, REQ_OK));
	assert_true(rb.duration_s == 80);
	rep_result_fini(&ra);
	rep_result_fini(&rb);
	sweep_free(sa);
	sweep_free(sb);
}

/* A stand-in component that schedules three timers and cancels the middle
 * one, the way a timeout is dropped when its reply comes back. */
static int fired[8], nfired;

static int timer_init(struct sim *s, struct sim_node *n)
{
	nfired = 0;
	assert_non_null(sim_schedule(s, 1000000000, n->id, 1, NULL, 0));
	struct sim_timer mid = sim_timer_set(s, 2000000000, n->id, 2, NULL, 0);
	assert_non_null(mid.ev);
	assert_non_null(sim_schedule(s, 2000000000, n->id, 3, NULL, 0));
	assert_true(sim_timer_pending(&mid));
	sim_timer_cancel(&mid);
	assert_false(sim_timer_pending(&mid));
	return 0;
}

static void timer_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	sim_finish(s, req);
}

static void timer_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	if (nfired < 8)
		fired[nfired++] = ev->kind;
}

static void timer_fini(struct sim *s, struct sim_node *n)
{
}

static const struct model_ops timer_ops = {
	.kind = "timer",
	.init = timer_init,
	.arrive = timer_arrive,
	.event = timer_event,
	.fini = timer_fini,
};

static void test_sim_cancelled_events_never_fire(void **state)
{
	struct sweep *set = simtest_load(
		"duration: 10s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: t}\n"
		"nodes:\n  t: {type: service, service: 1ms}\n");
	struct sc_node *node = &set->points[0]->nodes[0];
	const struct model_ops *real = node->ops;
	node->ops = &timer_ops;
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	node->ops = real;     /* its config is the service's, freed by it */
	assert_int_equal(nfired, 2);
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 3);
	/* requests still went through: the clock ran past the timers */
	assert_int_equal(simtest_ended(&r, REQ_OK), 9);
	rep_result_fini(&r);
	sweep_free(set);
}

/* A request's demands, as the demand hook reports them. */
struct demand {
	uint64_t ident;
	uint16_t hop;
	uint32_t node, unit;
	int64_t ns;
};

struct demands {
	struct demand *d;
	size_t n, cap;
};

static void on_demand(void *arg, const struct request *req, uint32_t node,
		      uint32_t unit, int64_t ns)
{
	struct demands *ds = arg;
	if (ds->n == ds->cap) {
		ds->cap = ds->cap ? 2 * ds->cap : 1024;
		ds->d = realloc(ds->d, ds->cap * sizeof *ds->d);
		assert_non_null(ds->d);
	}
	ds->d[ds->n++] = (struct demand){ req->ident, req->hop, node, unit, ns };
}

static int by_ident(const void *a, const void *b)
{
	const struct demand *x = a, *y = b;
	if (x->ident != y->ident)
		return x->ident < y->ident ? -1 : 1;
	return (int)x->hop - (int)y->hop;
}

/* demands_in_order runs replication 0 of yaml and returns every demand
 * drawn, in the order they were drawn. */
static struct demands demands_in_order(const char *yaml)
{
	struct sweep *set = simtest_load(yaml);
	struct demands ds = { 0 };
	struct sim_hooks hooks = { .demand = on_demand, .arg = &ds };
	struct rep_result r;
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(&r, set->points[0]), 0);
	assert_int_equal(sim_run(set->points[0], 0, &r, &hooks, &err), 0);
	rep_result_fini(&r);
	sweep_free(set);
	return ds;
}

/* demands_of is the same, sorted by request and hop. */
static struct demands demands_of(const char *yaml)
{
	struct demands ds = demands_in_order(yaml);
	qsort(ds.d, ds.n, sizeof *ds.d, by_ident);
	return ds;
}

#define ROUTED \
	"duration: 100s\nwarmup: 10s\n" \
	"workloads:\n  u: {arrival: {process: poisson, rate: 40/s}, target: front}\n" \
	"nodes:\n" \
	"  front: {type: service, workers: 64, service: 0s, next: [%s]}\n" \
	"  a: {type: service, replicas: %d, workers: 2, service: {dist: lognormal, mean: 40ms, cv: 2}}\n" \
	"  b: {type: service, replicas: %d, workers: 2, service: {dist: lognormal, mean: 40ms, cv: 2}}\n"

static void test_sim_demand_is_the_requests_own(void **state)
{
	/* the same requests reach identical nodes and replicas by other
	 * routes: `next:` sends each to the other node, and each node has
	 * another number of replicas, so round robin gives each request
	 * another replica; every request still asks for the same demand */
	char y1[2048], y2[2048];
	snprintf(y1, sizeof y1, ROUTED, "{to: a, p: 0.5}, {to: b, p: 0.5}", 2, 2);
	snprintf(y2, sizeof y2, ROUTED, "{to: b, p: 0.5}, {to: a, p: 0.5}", 3, 1);
	struct demands d1 = demands_of(y1), d2 = demands_of(y2);
	assert_true(d1.n > 8000);
	assert_int_equal(d1.n, d2.n);
	size_t moved = 0, other_unit = 0;
	for (size_t i = 0; i < d1.n; i++) {
		assert_true(d1.d[i].ident == d2.d[i].ident);
		assert_int_equal(d1.d[i].hop, d2.d[i].hop);
		assert_int_equal(d1.d[i].ns, d2.d[i].ns);
		moved += d1.d[i].node != d2.d[i].node;
		other_unit += d1.d[i].unit != d2.d[i].unit;
	}
	/* and the routes really differed: every request that went on to a
	 * or b went to the other one */
	assert_true(moved > d1.n / 3);
	assert_true(other_unit > d1.n / 4);
	free(d1.d);
	free(d2.d);

	/* the control: which request is the k-th to start service at node
	 * a differs between the two routes, so a node's own stream, drawn
	 * in the order service starts, would have given most requests
	 * other numbers */
	struct demands c1 = demands_in_order(y1), c2 = demands_in_order(y2);
	size_t k1 = 0, k2 = 0, differ = 0, compared = 0;
	while (1) {
		while (k1 < c1.n && c1.d[k1].node != 1)
			k1++;
		while (k2 < c2.n && c2.d[k2].node != 1)
			k2++;
		if (k1 == c1.n || k2 == c2.n)
			break;
		differ += c1.d[k1++].ident != c2.d[k2++].ident;
		compared++;
	}
	assert_true(compared > 1000);
	assert_true(differ > compared / 2);
	free(c1.d);
	free(c2.d);
}

static void test_sim_demand_scales_with_the_distribution(void **state)
{
	/* the same unit draws for a slower database: every request's demand
	 * at db is 9/5 of what it was (exponential = mean x a unit draw) */
	char y1[1024], y2[1024];
	snprintf(y1, sizeof y1, WEB, "5ms");
	snprintf(y2, sizeof y2, WEB, "9ms");
	struct demands d1 = demands_of(y1), d2 = demands_of(y2);
	assert_int_equal(d1.n, d2.n);
	size_t at_db = 0;
	for (size_t i = 0; i < d1.n; i++) {
		assert_true(d1.d[i].ident == d2.d[i].ident);
		if (d1.d[i].node != 1) {
			assert_int_equal(d1.d[i].ns, d2.d[i].ns);
			continue;
		}
		at_db++;
		/* each rounded to the nanosecond */
		assert_true(llabs(d2.d[i].ns - (int64_t)llround(d1.d[i].ns * 1.8)) <= 1);
	}
	assert_true(at_db > 1000);
	free(d1.d);
	free(d2.d);
}

/* Keys and kinds, as every demand of a request tree sees them. */
struct seen_key {
	uint64_t issue, key;
	uint16_t cls;
	int set;
};

static struct seen_key roots[1 << 16];
static size_t key_mismatch, key_checked, nodes_seen[8];

static void on_key(void *arg, const struct request *req, uint32_t node,
		   uint32_t unit, int64_t ns)
{
	struct seen_key *r = &roots[req->issue & 0xffff];
	if (req->hop == 0 && req->call == 0 && node == 0) {
		/* the front, where the request tree starts */
		*r = (struct seen_key){ req->issue, req->key, req->cls, 1 };
		return;
	}
	if (node < 8)
		nodes_seen[node]++;
	if (!r->set || r->issue != req->issue)
		return;
	key_checked++;
	key_mismatch += r->key != req->key || r->cls != req->cls;
}

static void test_sim_keys_and_kinds_travel_with_calls(void **state)
{
	/* front -> calls auth, then a fan-out to search and ads; search
	 * forwards to db by next:, db calls disk: every demand drawn for a
	 * request's tree carries the key and kind it was issued with */
	struct sweep *set = simtest_load(
		"duration: 50s\n"
		"workloads:\n  u:\n    arrival: {process: poisson, rate: 50/s}\n    target: front\n"
		"    keys: {dist: zipf, n: 1000000, s: 0.99}\n    mix: {read: 0.9, write: 0.1}\n"
		"nodes:\n"
		"  front: {type: service, workers: 100, service: 1ms,\n"
		"          calls: [{to: auth}, {parallel: [{to: search}, {to: ads, p: 0.5}]}]}\n"
		"  auth: {type: service, workers: 100, service: 1ms}\n"
		"  search: {type: service, workers: 100, service: 1ms, next: [{to: db, p: 1}]}\n"
		"  ads: {type: service, workers: 100, service: 1ms}\n"
		"  db: {type: service, workers: 100, service: 1ms, calls: [{to: disk}]}\n"
		"  disk: {type: service, workers: 100, service: 1ms}\n");
	struct sim_hooks hooks = { .demand = on_key };
	struct rep_result r;
	struct sim_err err = { 0 };
	memset(roots, 0, sizeof roots);
	key_mismatch = key_checked = 0;
	memset(nodes_seen, 0, sizeof nodes_seen);
	assert_int_equal(rep_result_init(&r, set->points[0]), 0);
	assert_int_equal(sim_run(set->points[0], 0, &r, &hooks, &err), 0);
	assert_true(key_checked > 5 * 2000);
	assert_int_equal(key_mismatch, 0);
	for (int k = 1; k <= 5; k++)
		assert_true(nodes_seen[k] > 500);
	/* the keys and kinds themselves: not all 0, zipf's head is popular */
	size_t writes = 0, key0 = 0, n = 0;
	for (size_t i = 0; i < 1 << 16; i++) {
		if (!roots[i].set)
			continue;
		n++;
		writes += roots[i].cls == 1;
		key0 += roots[i].key == 0;
	}
	/* binomial counts within 5 standard deviations of their means:
	 * writes with p 0.1; key 0 with p = 1 / H(1e6, 0.99) = 0.0665 */
	assert_true(n > 2000);
	double pw = 0.1, pk = 0.0665;
	assert_true(fabs((double)writes - n * pw) < 5 * sqrt(n * pw * (1 - pw)));
	assert_true(fabs((double)key0 - n * pk) < 5 * sqrt(n * pk * (1 - pk)));
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_sim_constant_rate_does_not_drift(void **state)
{
	/* the k-th arrival at round(k / rate): 3,000,000/s for 1 s is
	 * 3,000,000 arrivals, not 3,003,003 (a rounded gap, added up) */
	struct sweep *set = simtest_load(
		"duration: 1s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 3000000/s}, target: w}\n"
		"nodes:\n  w: {type: service, workers: 10, service: 0s}\n");
	struct rep_result r;
	simtest_run(set->points[0], 0, &r);
	/* arrivals at 1/3 us, 2/3 us, ... up to 1 s (which is the end, not
	 * inside the run) */
	assert_int_equal(simtest_arrivals(&r), 2999999);
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_sim_stuck_clock_ends_the_run(void **state)
{
	/* two users with no think time, one worker and no queue: the one
	 * turned away issues again at once, for ever, at the same instant */
	struct sweep *set = simtest_load(
		"duration: 10s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: closed, users: 2, think: 0s}, target: web}\n"
		"nodes:\n  web: {type: service, workers: 1, queue: 0, service: 1s}\n");
	struct rep_result r;
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(&r, set->points[0]), 0);
	assert_int_equal(sim_run(set->points[0], 0, &r, NULL, &err), SIM_ESTUCK);
	assert_non_null(strstr(err.msg, "simulated time stopped advancing at 0s"));
	assert_non_null(strstr(err.msg, "at node 'web'"));
	/* it stopped soon: a few million events, not an endless loop */
	assert_true(r.events < 5000000);
	rep_result_fini(&r);
	/* with a think time the same scenario runs */
	struct sweep *ok = simtest_load(
		"duration: 10s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: closed, users: 2, think: 1ms}, target: web}\n"
		"nodes:\n  web: {type: service, workers: 1, queue: 0, service: 1s}\n");
	simtest_run(ok->points[0], 0, &r);
	rep_result_fini(&r);
	sweep_free(ok);
	sweep_free(set);
}

static void test_sim_calls_fail_their_callers(void **state)
{
	/* web calls db, which has one worker and no queue: a call that finds
	 * db busy is refused, and web's request fails with call_rejected
	 * (it had been served: a failure, not a refusal), the node where it
	 * arose being db */
	struct sweep *set = simtest_load(
		"duration: 1000s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 2/s}, target: web}\n"
		"nodes:\n"
		"  web: {type: service, workers: 100, service: 10ms, calls: [{to: db}]}\n"
		"  db: {type: service, workers: 1, queue: 0, service: {dist: exponential, mean: 200ms}}\n");
	const struct scenario *sc = set->points[0];
	struct rep_result r;
	simtest_run(sc, 0, &r);
	uint64_t failed = simtest_ended(&r, REQ_CALL_REJECTED);
	assert_true(failed > 100);
	assert_int_equal(simtest_ended(&r, REQ_REJECTED), 0);
	/* every one is a refusal at db, and a failure at web */
	assert_true(simtest_node(sc, &r, 1, 0, "rejected") == failed);
	assert_true(simtest_node(sc, &r, 0, 0, "failed") == failed);
	assert_true(simtest_node(sc, &r, 0, 0, "rejected") == 0);
	/* outcomes add up: every arrival ended one way or another, give or
	 * take the few in flight at the window's edges */
	uint64_t ended = simtest_ended(&r, REQ_OK) + failed;
	assert_true(llabs((long long)ended - (long long)simtest_arrivals(&r)) < 5);
	rep_result_fini(&r);
	sweep_free(set);
}

static void test_sim_fail_fast_and_late_replies(void **state)
{
	/* a parallel step: a fast call that always errs and a slow one that
	 * answers 1 s later.  The parent fails at once with the error; the
	 * slow reply comes back to an abandoned call, and is counted as
	 * late, once per request */
	struct sweep *set = simtest_load(
		"duration: 100s\nwarmup: 10s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: web}\n"
		"nodes:\n"
		"  web: {type: service, workers: 10, service: 1ms,\n"
		"        calls: [{parallel: [{to: bad}, {to: slow}]}]}\n"
		"  bad: {type: service, workers: 10, service: 1ms}\n"
		"  slow: {type: service, workers: 10, service: 1s}\n"
		"timeline: [{at: 0s, node: bad, do: errors, rate: 1}]\n");
	const struct scenario *sc = set->points[0];
	struct rep_result r;
	simtest_run(sc, 0, &r);
	uint64_t failed = simtest_ended(&r, REQ_ERROR);
	assert_true(failed >= 99 && failed <= 100);
	assert_int_equal(simtest_ended(&r, REQ_OK), 0);
	/* the failure came 2 ms after issue (web's 1 ms, bad's 1 ms), not
	 * after the slow call's second */
	assert_true(r.scopes[0].failed_latency_s / failed < 0.0021);
	double late = simtest_node(sc, &r, 0, 0, "late_replies");
	assert_true(late >= 99 && late <= 100);
	assert_true(simtest_node(sc, &r, 0, 0, "calls_made") == 2 * failed);
	rep_result_fini(&r);
	sweep_free(set);
}

/* Which of a parent's optional calls reached nodes a and b, by issue. */
struct reached {
	uint32_t a, b;           /* node ids */
	uint8_t *at_a, *at_b;    /* [issues] */
	size_t n;
};

static void on_reach(void *arg, const struct request *req, uint32_t node,
		     uint32_t unit, int64_t ns)
{
	struct reached *r = arg;
	if (req->issue >= r->n)
		return;
	if (node == r->a)
		r->at_a[req->issue] = 1;
	if (node == r->b)
		r->at_b[req->issue] = 1;
}

static void test_sim_optional_calls_draw_on_their_own(void **state)
{
	/* Each optional call of a plan is decided by a draw of its own: step
	 * 0 and step 256 (with 255 steps between that never call) must not
	 * share one.  Over n parents, two independent coins with p = 0.5
	 * agree in n/2 of them, standard deviation sqrt(n)/2; sharing a
	 * draw, they agree in all. */
	enum { N = 4000 };
	size_t cap = 64 * 1024, len = 0;
	char *y = malloc(cap);
	assert_non_null(y);
	len += (size_t)snprintf(y + len, cap - len,
		"duration: %gs\nwarmup: 0s\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 1/s}, target: front}\n"
		"nodes:\n"
		"  a: {type: service, workers: 1000, service: 1ms}\n"
		"  b: {type: service, workers: 1000, service: 1ms}\n"
		"  c: {type: service, workers: 1000, service: 1ms}\n"
		"  front:\n    type: service\n    workers: 1000\n    service: 1ms\n"
		"    calls:\n      - {to: a, p: 0.5}\n", (double)N);
	for (int st = 1; st < 256; st++)
		len += (size_t)snprintf(y + len, cap - len, "      - {to: c, p: 0}\n");
	len += (size_t)snprintf(y + len, cap - len, "      - {to: b, p: 0.5}\n");
	assert_true(len < cap);
	struct sweep *set = simtest_load(y);
	const struct scenario *sc = set->points[0];
	struct reached rc = { .n = N };
	rc.a = rc.b = SIM_ANY;
	for (uint32_t k = 0; k < sc->nnodes; k++) {
		if (!strcmp(sc->nodes[k].name, "a"))
			rc.a = k;
		if (!strcmp(sc->nodes[k].name, "b"))
			rc.b = k;
	}
	assert_true(rc.a != SIM_ANY && rc.b != SIM_ANY);
	rc.at_a = calloc(N, 1);
	rc.at_b = calloc(N, 1);
	assert_non_null(rc.at_a);
	assert_non_null(rc.at_b);
	struct sim_hooks hooks = { .demand = on_reach, .arg = &rc };
	struct rep_result r;
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(&r, sc), 0);
	assert_int_equal(sim_run(sc, 0, &r, &hooks, &err), 0);
	size_t agree = 0, calls_a = 0;
	for (size_t i = 0; i < N; i++) {
		agree += rc.at_a[i] == rc.at_b[i];
		calls_a += rc.at_a[i];
	}
	/* within 4 standard deviations of N/2: a correct engine fails one
	 * time in 16,000 seeds */
	double sd = sqrt((double)N) / 2;
	assert_true(fabs((double)calls_a - N / 2.0) < 4 * sd);
	assert_true(fabs((double)agree - N / 2.0) < 4 * sd);
	rep_result_fini(&r);
	free(rc.at_a);
	free(rc.at_b);
	sweep_free(set);
	free(y);
}

static void test_sim_crash_abandons_calls(void **state)
{
	/* web's replica 0 crashes at 50.5 s while its requests wait 1 s on
	 * slow: those fail as crashed, and the replies that come back for
	 * them later are late */
	struct sweep *set = simtest_load(
		"duration: 100s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: web}\n"
		"nodes:\n"
		"  web: {type: service, replicas: 2, workers: 100, service: 1ms, calls: [{to: slow}]}\n"
		"  slow: {type: service, workers: 100, service: 1s}\n"
		"timeline:\n  - {at: 50500ms, node: web, replica: 0, do: crash, for: 10s}\n");
	const struct scenario *sc = set->points[0];
	struct rep_result r;
	simtest_run(sc, 0, &r);
	/* in the second before the crash web[0] took 5 requests (every
	 * other one), all waiting on slow; afterwards, for 10 s, the 50 sent
	 * to it fail at once */
	uint64_t crashed = simtest_ended(&r, REQ_CRASHED);
	assert_int_equal(crashed, 5 + 50);
	double late = simtest_node(sc, &r, 0, 1, "late_replies");
	assert_true(late == 5);
	assert_true(simtest_node(sc, &r, 0, 2, "late_replies") == 0);
	rep_result_fini(&r);
	sweep_free(set);
}

/* A handle whose event has fired must not reach the event that reuses
 * its record: cancelling it is a no-op. */
static void test_sim_stale_timer_handle_cancels_nothing(void **state)
{
	struct sim s;
	memset(&s, 0, sizeof s);
	evq_init(&s.q);
	pool_init(&s.events, sizeof(struct event), 16);
	pool_keep(&s.events);
	struct sim_timer t1 = sim_timer_set(&s, 10, 0, 1, NULL, 0);
	assert_true(sim_timer_pending(&t1));
	/* it fires: the loop pops it and returns it to the pool */
	struct event *ev = evq_pop(&s.q);
	assert_ptr_equal(ev, t1.ev);
	s.now_ns = ev->time_ns;
	sim_event_done(&s, ev);
	assert_false(sim_timer_pending(&t1));
	/* the next event takes the same record (the pool is LIFO): the
	 * situation in which a bare pointer would cancel the wrong event */
	struct sim_timer t2 = sim_timer_set(&s, 20, 0, 2, NULL, 0);
	assert_ptr_equal(t2.ev, t1.ev);
	sim_timer_cancel(&t1);
	assert_null(t1.ev);
	assert_true(sim_timer_pending(&t2));
	ev = evq_pop(&s.q);
	assert_ptr_equal(ev, t2.ev);
	assert_false(ev->flags & SIM_EV_CANCELLED);
	/* and the live handle does cancel */
	evq_push(&s.q, ev);
	sim_timer_cancel(&t2);
	assert_true(evq_pop(&s.q)->flags & SIM_EV_CANCELLED);
	evq_fini(&s.q);
	pool_fini(&s.events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_same_seed_same_result),
		cmocka_unit_test(test_sim_streams_are_per_node),
		cmocka_unit_test(test_sim_stops_when_asked),
		cmocka_unit_test(test_sim_warmup_is_discarded),
		cmocka_unit_test(test_sim_cancelled_events_never_fire),
		cmocka_unit_test(test_sim_stale_timer_handle_cancels_nothing),
		cmocka_unit_test(test_sim_demand_is_the_requests_own),
		cmocka_unit_test(test_sim_demand_scales_with_the_distribution),
		cmocka_unit_test(test_sim_keys_and_kinds_travel_with_calls),
		cmocka_unit_test(test_sim_constant_rate_does_not_drift),
		cmocka_unit_test(test_sim_stuck_clock_ends_the_run),
		cmocka_unit_test(test_sim_calls_fail_their_callers),
		cmocka_unit_test(test_sim_fail_fast_and_late_replies),
		cmocka_unit_test(test_sim_crash_abandons_calls),
		cmocka_unit_test(test_sim_optional_calls_draw_on_their_own),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
