/*
 * test_database.c - the database kind: its stations against Erlang C, the
 * stale-read ratio against 1 - exp(-w L), read-your-writes routing,
 * replica crashes and failover; replication's appliers against M/M/1
 * sojourns, and the stale reads that follow from them; a database placed
 * in zones.
 */
#include "tests/simtest.h"

#include <math.h>

#define NREP 10

static const char *mmc_yaml =
	"name: mmc\nseed: 2\nduration: 60s\nwarmup: 5s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 600/s}, target: db, mix: {write: 1}}\n"
	"nodes:\n"
	"  db: {type: database, primary: {workers: %d, service: {dist: exponential, mean: 5ms}}}\n";

/* The primary alone is an M/M/c queue: mean sojourn 1/mu + C(c, a) /
 * (c mu - lambda).  One worker more is shown to be another system. */
static void test_database_primary_is_mmc(void **state)
{
	(void)state;
	double lam = 600, mu = 200, a = lam / mu;
	double want = 1 / mu + simtest_erlang_c(4, a) / (4 * mu - lam);
	double other = 1 / mu + simtest_erlang_c(5, a) / (5 * mu - lam);
	char yaml[1024];
	double x[NREP];
	snprintf(yaml, sizeof yaml, mmc_yaml, 4);
	simtest_reps(yaml, NREP, { "db.latency_mean_s", x });
	assert_true(simtest_within("M/M/4 at rho 0.75: mean sojourn", x, NREP, want));
	assert_false(simtest_within("  against M/M/5's", x, NREP, other));
}

static const char *stale_yaml =
	"name: stale\nseed: 4\nduration: 100s\nwarmup: 1s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 1020/s}, target: db,\n"
	"      mix: {read: %.10f, write: %.10f}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 1000, service: {dist: constant, value: 0s}}\n"
	"    replicas: 1\n"
	"    lag: {dist: constant, value: %s}\n";

/* One key, Poisson writes at w = 20/s committing at once, lag L: a read
 * at a random moment is stale when a write committed in the last L,
 * probability 1 - exp(-w L).  Shown off the linear guess w L and off the
 * formula at half the lag. */
static void test_database_stale_ratio(void **state)
{
	(void)state;
	const char *lags[] = { "50ms", "10ms" };
	double L[] = { 0.05, 0.01 }, w = 20;
	for (int i = 0; i < 2; i++) {
		char yaml[1024], what[64];
		double x[NREP];
		snprintf(yaml, sizeof yaml, stale_yaml, 1000 / 1020.0, 20 / 1020.0, lags[i]);
		simtest_reps(yaml, NREP, { "db.stale_ratio", x });
		snprintf(what, sizeof what, "stale ratio, w L = %g", w * L[i]);
		assert_true(simtest_within(what, x, NREP, -expm1(-w * L[i])));
		assert_false(simtest_within("  against w L", x, NREP, w * L[i]));
		assert_false(simtest_within("  against half the lag", x, NREP, -expm1(-w * L[i] / 2)));
	}
}

static const char *ryw_yaml =
	"name: ryw\nseed: 6\nduration: 30s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: closed, users: 20, think: {dist: exponential, mean: 10ms}},\n"
	"      target: db, keys: {dist: uniform, n: 200}, mix: {read: 0.5, write: 0.5}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 100, service: {dist: exponential, mean: 1ms}}\n"
	"    replicas: 2\n"
	"    lag: {dist: constant, value: 100ms}\n"
	"    routing: %s\n";

/* Every service start, from the demand hook: the engine's own account,
 * from which the test recounts stale reads and violations by itself. */
#define MAXLOG 400000
struct start {
	int64_t t, end;
	uint64_t key;
	uint32_t user, unit;
	int write;
};
static struct start lg[MAXLOG];
static size_t nlg;

static void on_demand(void *arg, const struct request *req, uint32_t node,
		      uint32_t unit, int64_t demand_ns)
{
	(void)arg, (void)node;
	if (nlg < MAXLOG)
		/* with ample workers nothing waits: service starts on arrival */
		lg[nlg++] = (struct start){ req->node_arrival_ns, req->node_arrival_ns + demand_ns,
					    req->key, req->user, unit, req->write };
}

/* With a constant lag L, a write that commits at c (the end of its
 * service at the primary) is applied everywhere at c + L, in order.  A
 * read at a replica starting at t is stale when some write to its key
 * committed in (t - L, t]; a violation when one of them is the reader's
 * own within the window (1 s, longer than L). */
static void recount(int64_t L, double *stale, double *ryw)
{
	/* the writes of each key, in log order, linked by next */
	static size_t first[200], next[MAXLOG];
	for (size_t k = 0; k < 200; k++)
		first[k] = SIZE_MAX;
	for (size_t j = nlg; j-- > 0;)
		if (lg[j].write) {
			next[j] = first[lg[j].key];
			first[lg[j].key] = j;
		}
	*stale = *ryw = 0;
	for (size_t i = 0; i < nlg; i++) {
		const struct start *r = &lg[i];
		if (r->write || r->unit == 0 || r->t < 1000000000)
			continue;
		int st = 0, own = 0;
		for (size_t j = first[r->key]; j != SIZE_MAX; j = next[j]) {
			const struct start *w = &lg[j];
			if (w->end > r->t || w->end <= r->t - L)
				continue;
			st = 1;
			own |= w->user == r->user;
		}
		*stale += st;
		*ryw += own;
	}
}

/* A user who wrote a key reads it back soon after.  The database's
 * stale_reads and ryw_violations equal a recount from the service starts
 * it logged, exactly; read_replicas has violations, read_your_writes
 * sends those reads to the primary and has none, while still serving the
 * others from the replicas. */
static void test_database_read_your_writes(void **state)
{
	(void)state;
	const char *routing[] = { "read_replicas", "read_your_writes" };
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, ryw_yaml, routing[i]);
		struct sim_hooks h = { .demand = on_demand };
		double v, stale, rep_reads;
		nlg = 0;
		simtest_reps_hooked(yaml, 1, &h, { "db.ryw_violations", &v }, { "db.stale_reads", &stale },
				    { "db[1].reads", &rep_reads });
		assert_true(nlg < MAXLOG);
		double st2, v2;
		recount(100000000, &st2, &v2);
		print_message("    %s: %g violations (recounted %g), %g stale reads (recounted %g), %g reads at db[1]\n",
			      routing[i], v, v2, stale, st2, rep_reads);
		assert_true(v == v2);
		assert_true(stale == st2);
		if (i == 0)
			assert_true(v > 100);
		else
			assert_true(v == 0);
		assert_true(rep_reads > 1000);
	}
}

static const char *fault_yaml =
	"name: faults\nseed: 8\nduration: 20s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n"
	"  w: {arrival: {process: constant, rate: 100/s}, target: db, mix: {write: 1}}\n"
	"  r: {arrival: {process: poisson, rate: 500/s}, target: db}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 8, service: {dist: exponential, mean: 1ms}}\n"
	"    replicas: 2\n"
	"timeline:\n"
	"  - {at: 0s, node: db, replica: 1, do: crash}\n"
	"  - {at: 10005ms, node: db, do: failover, promotion: 2s}\n";

/* db[1] is down from the start: reads go to db[2] only, and none fail.
 * Writes come every 10 ms; the primary fails over at 10.005 s and the
 * promotion takes 2 s: exactly the 200 writes from 10.01 s to 12.00 s
 * fail as unavailable, and db[2] takes the writes after: 12.01 s to
 * 19.99 s (the run ends before anything at 20 s), 799 of them. */
static void test_database_replica_crash_and_failover(void **state)
{
	(void)state;
	double down, crashed, unavailable, w0, w2;
	simtest_reps(fault_yaml, 1, { "db[1].arrivals", &down }, { "@crashed", &crashed },
		     { "@unavailable", &unavailable }, { "db[0].writes", &w0 }, { "db[2].writes", &w2 });
	assert_true(down == 0);
	assert_true(crashed == 0);
	assert_true(unavailable == 200);
	print_message("    writes at db[0] %g, at db[2] %g\n", w0, w2);
	assert_true(w0 == 1000);
	assert_true(w2 == 799);
}

static const char *late_yaml =
	"name: late\nseed: 8\nduration: 20s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n"
	"  w: {arrival: {process: constant, rate: 100/s}, target: db, mix: {write: 1}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 8, service: {dist: exponential, mean: 1ms}}\n"
	"    replicas: 1\n"
	"timeline:\n"
	"  - {at: 5s, node: db, replica: 1, do: crash, for: 2005ms}\n"
	"  - {at: 5005ms, node: db, do: failover, promotion: 1s}\n";

/* The only replica is down when the promotion ends: the database waits
 * for it, and promotes it when it recovers at 7.005 s.  Writes from
 * 5.01 s to 7.00 s fail, 200 of them; the replica takes the 1299 after. */
static void test_database_failover_waits_for_a_replica(void **state)
{
	(void)state;
	double unavailable, w1;
	simtest_reps(late_yaml, 1, { "@unavailable", &unavailable }, { "db[1].writes", &w1 });
	assert_true(unavailable == 200);
	assert_true(w1 == 1299);
}

static const char *applier_yaml =
	"name: applier\nseed: 41\nduration: 200s\nwarmup: 20s\nreplications: 10\n"
	"workloads:\n"
	"  w: {arrival: {process: poisson, rate: %g/s}, target: db, keys: {dist: uniform, n: 1000000},\n"
	"      mix: {write: 1}}\n"
	"  r: {arrival: {process: poisson, rate: %g/s}, target: db, keys: {dist: uniform, n: 1000000},\n"
	"      mix: {read: 1}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 100000, service: {dist: constant, value: 0s}}\n"
	"    replicas: 2\n"
	"    replica: {workers: 100000, service: {dist: constant, value: 0s}}\n"
	"    replication: {apply: {dist: exponential, mean: 1ms}, appliers: %d}\n";

/* One applier per replica, Poisson writes at w = 500/s, exponential apply
 * time a = 1 ms: each write's lag is the M/M/1 sojourn, exponential with
 * mean a / (1 - w a) = 2 ms (p99 ln(100) times that), whatever the reads
 * (5000/s of them change nothing).  The older model's lag, a running
 * maximum of per-write delays, is no such thing.  With 4 appliers by key
 * at 2000 writes/s each thread is the same M/M/1 (its key's share of a
 * Poisson stream is Poisson), not the M/M/4 of a shared queue (1.087 ms). */
static void test_database_applier_is_mm1(void **state)
{
	(void)state;
	const struct {
		double w, r;
		int appliers;
	} cases[] = { { 500, 1, 1 }, { 500, 5000, 1 }, { 2000, 1, 4 } };
	double mm4 = 1e-3 * (1 + simtest_erlang_c(4, 2) / (4 - 2));
	for (size_t i = 0; i < 3; i++) {
		char yaml[2048], what[80];
		double m[NREP], p99[NREP];
		snprintf(yaml, sizeof yaml, applier_yaml, cases[i].w, cases[i].r, cases[i].appliers);
		simtest_reps(yaml, NREP, { "db.lag_mean_s", m }, { "db.lag_p99_s", p99 });
		snprintf(what, sizeof what, "w %g/s, reads %g/s, %d applier%s: mean", cases[i].w,
			 cases[i].r, cases[i].appliers, cases[i].appliers > 1 ? "s" : "");
		assert_true(simtest_within(what, m, NREP, 0.002));
		if (cases[i].appliers > 1)
			assert_false(simtest_within("  against a shared queue, M/M/4", m, NREP, mm4));
		else
			assert_false(simtest_within("  against the apply time alone", m, NREP, 0.001));
		/* the p99 from the histogram: within its interval widened by the
		 * buckets' relative error */
		double pm = gsl_stats_mean(p99, 1, NREP), want = 0.002 * log(100);
		double half = stats_t_quantile(0.9995, NREP - 1) * gsl_stats_sd(p99, 1, NREP) / sqrt(NREP);
		print_message("    p99 %.5f +- %.5f, exact %.5f\n", pm, half, want);
		assert_true(fabs(pm - want) <= half + want * HIST_REL_ERR);
	}
}

static const char *stale_one_key_yaml =
	"name: stale1\nseed: 43\nduration: 200s\nwarmup: 20s\nreplications: 10\n"
	"workloads:\n"
	"  w: {arrival: {process: poisson, rate: 500/s}, target: db, keys: {dist: uniform, n: 1},\n"
	"      mix: {write: 1}}\n"
	"  r: {arrival: {process: poisson, rate: 200/s}, target: db, keys: {dist: uniform, n: 1},\n"
	"      mix: {read: 1}}\n"
	"nodes:\n"
	"  db:\n"
	"    type: database\n"
	"    primary: {workers: 100000, service: {dist: constant, value: 0s}}\n"
	"    replicas: 1\n"
	"    replica: {workers: 100000, service: {dist: constant, value: 0s}}\n"
	"    replication: {%sapply: {dist: exponential, mean: 1ms}}\n";

/* Stale reads follow from the lag.  One key, written at w = 500/s and
 * read at a replica: a read is stale when the key's latest write, of age
 * A ~ Exp(w) (Poisson writes, seen by Poisson reads), has not been
 * applied: its lag is d + L, L ~ Exp(mu - w) independent of A, so P(stale)
 * = 1 - e^(-w d) (mu - w) / mu: rho = 0.5 with no delay, 0.697 with d =
 * 1 ms.  Each is shown outside the other's interval. */
static void test_database_stale_reads_follow_the_lag(void **state)
{
	(void)state;
	double w = 500, mu = 1000;
	double want[2] = { w / mu, 1 - exp(-w * 0.001) * (mu - w) / mu };
	for (int i = 0; i < 2; i++) {
		char yaml[2048], what[80];
		double x[NREP];
		snprintf(yaml, sizeof yaml, stale_one_key_yaml,
			 i ? "delay: {dist: constant, value: 1ms}, " : "");
		simtest_reps(yaml, NREP, { "db.stale_ratio", x });
		snprintf(what, sizeof what, "stale share, delay %s", i ? "1 ms" : "0");
		assert_true(simtest_within(what, x, NREP, want[i]));
		assert_false(simtest_within("  against the other delay", x, NREP, want[!i]));
	}
}

/* Failover promotes the most caught-up replica.  Writes commit every
 * 10 ms; replica 2 receives them 10 ms later, replica 1 (its lag 100
 * times) 1 s later.  The primary fails at 10.005 s: replica 1 had not
 * received the last 100 writes, replica 2 the last one.  Replica 2 is
 * promoted, and that one write is lost; replica 1, the first up (the
 * older rule's choice), takes none. */
static void test_database_failover_promotes_the_most_caught_up(void **state)
{
	(void)state;
	double w1, w2, lost;
	simtest_reps(
		"name: caughtup\nseed: 9\nduration: 20s\nwarmup: 0s\nreplications: 1\n"
		"workloads:\n"
		"  w: {arrival: {process: constant, rate: 100/s}, target: db, mix: {write: 1}}\n"
		"nodes:\n"
		"  db:\n"
		"    type: database\n"
		"    primary: {workers: 8, service: {dist: constant, value: 0s}}\n"
		"    replicas: 2\n"
		"    replica: {workers: 8, service: {dist: constant, value: 0s}}\n"
		"    replication: {delay: {dist: constant, value: 10ms}}\n"
		"timeline:\n"
		"  - {at: 0s, node: db, replica: 1, do: lag, factor: 100}\n"
		"  - {at: 10005ms, node: db, do: failover, promotion: 1s}\n",
		1, { "db[1].writes", &w1 }, { "db[2].writes", &w2 }, { "db.failover_lost_writes", &lost });
	print_message("    writes at db[1] %g, at db[2] %g; %g lost\n", w1, w2, lost);
	assert_true(w1 == 0 && w2 > 800);
	assert_true(lost == 1);
}

/* Session read-your-writes: one user issues a request every 100 ms, half
 * of them writes of random keys among a million.  Pinning the session
 * to the primary for 1 s after a write sends a read there unless none of
 * the 10 requests before it wrote: 1 - 2^-10 of the reads.  Per key, the
 * session's reads of what it wrote are all but none. */
static void test_database_session_pin(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		char yaml[2048];
		double prim, all;
		snprintf(yaml, sizeof yaml,
			 "name: pin\nseed: 11\nduration: 200s\nwarmup: 2s\nreplications: 1\n"
			 "workloads:\n"
			 "  u: {arrival: {process: closed, users: 1, think: {dist: constant, value: 100ms}},\n"
			 "      target: db, keys: {dist: uniform, n: 1000000}, mix: {read: 0.5, write: 0.5}}\n"
			 "nodes:\n"
			 "  db:\n"
			 "    type: database\n"
			 "    primary: {workers: 8, service: {dist: constant, value: 0s}}\n"
			 "    replicas: 2\n"
			 "    replica: {workers: 8, service: {dist: constant, value: 0s}}\n"
			 "    routing: read_your_writes\n"
			 "    read_your_writes_scope: %s\n",
			 k ? "key" : "session");
		simtest_reps(yaml, 1, { "db[0].reads", &prim }, { "db.reads", &all });
		print_message("    scope %s: %g of %g reads at the primary\n", k ? "key" : "session", prim,
			      all);
		if (!k)
			assert_true(prim / all > 0.99);
		else
			assert_true(prim / all < 0.01);
	}
}

/* node_timeseries.csv's database rows: the node's, then one per unit
 * (the primary, each replica).  A replica crashed from 40 s to 70 s is
 * idle in every window inside the crash and busy before it, and in each
 * window the node's utilization is its units' busy time over their
 * workers, the units' own weighted by their workers (16, 8, 8). */
static const char *unit_ts_yaml =
	"name: units\nseed: 2\nduration: 100s\nwarmup: 0s\nreplications: 1\nwindow: 2s\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 2000/s}, target: db,\n"
	"      keys: {dist: uniform, n: 1000}, mix: {read: 0.9, write: 0.1}}\n"
	"nodes:\n"
	"  db:\n    type: database\n"
	"    primary: {workers: 16, service: {dist: exponential, mean: 2ms}}\n"
	"    replicas: 2\n"
	"    replica: {workers: 8, service: {dist: exponential, mean: 3ms}}\n"
	"    lag: {dist: constant, value: 10ms}\n"
	"timeline:\n  - {at: 40s, node: db, replica: 2, do: crash, for: 30s}\n";

static void check_unit_series(void *arg, const struct scenario *sc, uint32_t rep,
			      const struct rep_result *res)
{
	(void)arg, (void)sc, (void)rep;
	assert_int_equal(res->node_ts_cells, 3 * 4);
	const double w[3] = { 16, 8, 8 };
	size_t idle = 0;
	for (size_t t = 0; t < res->nts_node; t++) {
		const double *v = res->node_ts + t * res->node_ts_cells;
		double t_s = 2.0 * (double)t;     /* the window's start */
		double weighted = (w[0] * v[3] + w[1] * v[6] + w[2] * v[9]) / 32;
		assert_true(fabs(v[0] - weighted) < 1e-9);
		if (t_s >= 40 && t_s + 2 <= 70) {
			assert_true(v[9] == 0);
			idle++;
		} else if (t_s + 2 <= 40) {
			assert_true(v[9] > 0.1);
		}
	}
	assert_int_equal(idle, 15);
}

static void test_database_series_per_unit(void **state)
{
	(void)state;
	simtest_each(unit_ts_yaml, 1, NULL, check_unit_series, NULL);
}

/* A database placed in zones: the primary in a, the replica in b, 10 ms
 * apart.  A write from users in a reaches the primary at no cost and
 * takes its 1 ms; a read routed to the replica crosses to b and back (21
 * ms); the log of each write crosses too, so the replica applies it 5 ms
 * (replication's delay) + 10 ms after its commit.  Without zones (the
 * control) every request takes 1 ms and the lag is 5 ms.  A zone outage
 * of b takes the replica down with it: reads go to the primary. */
static void test_database_zones(void **state)
{
	static const char *const place[] = { "zones: [a, b], ", "" };
	for (int z = 0; z < 2; z++) {
		char yaml[1200];
		snprintf(yaml, sizeof yaml,
			 "duration: 100s\nwarmup: 0s\n"
			 "zones: {a: {}, b: {}}\n"
			 "links:\n  - {between: [a, b], latency: 10ms}\n"
			 "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: db, zone: a,"
			 " mix: {read: 0.5, write: 0.5}}\n"
			 "nodes:\n  db: {type: database, %sprimary: {service: 1ms}, replicas: 1,"
			 " routing: read_replicas, replication: {delay: 5ms}}\n",
			 place[z]);
		double lo, hi, lag, reads;
		simtest_reps(yaml, 1, { "@latency_min_ns", &lo }, { "@latency_max_ns", &hi },
			     { "db.lag_mean_s", &lag }, { "db[1].arrivals", &reads });
		print_message("    %s: %g .. %g ms, lag %.6f s, %g reads at the replica\n",
			      z ? "no zones" : "in zones", lo * 1e-6, hi * 1e-6, lag, reads);
		/* about half of the 999 requests are reads: within 5 sd of
		 * the binomial's 499.5 (sd 15.8) */
		assert_true(fabs(lo - 1e6) < 1 && fabs(reads - 499.5) <= 5 * sqrt(999 * 0.25));
		assert_true(fabs(hi - (z ? 1e6 : 21e6)) < 1);
		assert_true(fabs(lag - (z ? 0.005 : 0.015)) < 1e-12);
	}
	double at_replica;
	simtest_reps("duration: 100s\nwarmup: 0s\n"
		     "zones: {a: {}, b: {}}\n"
		     "links:\n  - {between: [a, b], latency: 10ms}\n"
		     "workloads:\n  u: {arrival: {process: constant, rate: 10/s}, target: db, zone: a,"
		     " mix: {read: 0.5, write: 0.5}}\n"
		     "nodes:\n  db: {type: database, zones: [a, b], primary: {service: 1ms}, replicas: 1,"
		     " routing: read_replicas, replication: {delay: 5ms}}\n"
		     "timeline:\n  - {at: 0s, zone: b, do: crash}\n",
		     1, { "db[1].arrivals", &at_replica });
	print_message("    zone b down: %g reads reach the replica\n", at_replica);
	assert_true(at_replica == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_database_primary_is_mmc),
		cmocka_unit_test(test_database_stale_ratio),
		cmocka_unit_test(test_database_read_your_writes),
		cmocka_unit_test(test_database_replica_crash_and_failover),
		cmocka_unit_test(test_database_failover_waits_for_a_replica),
		cmocka_unit_test(test_database_applier_is_mm1),
		cmocka_unit_test(test_database_stale_reads_follow_the_lag),
		cmocka_unit_test(test_database_failover_promotes_the_most_caught_up),
		cmocka_unit_test(test_database_session_pin),
		cmocka_unit_test(test_database_series_per_unit),
		cmocka_unit_test(test_database_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
