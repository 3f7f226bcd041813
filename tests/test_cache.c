/*
 * test_cache.c - the cache kind against closed-form results.
 *
 *   - LRU under independent Zipf requests against Che's approximation;
 *     FIFO and random against theirs (occupancy lambda T / (1 + lambda T),
 *     summing to the capacity), for two exponents and two sizes each;
 *   - TTL caches of ample capacity against the exact per-key hit
 *     probabilities for Poisson requests: lambda T / (1 + lambda T) when
 *     the expiry is set at the fill, 1 - exp(-lambda T) when hits renew it;
 *   - a cache-aside and a read-through tier with a fixed hit ratio against
 *     their Jackson networks (they differ by the set's round trip);
 *   - a hot key under expiry, with and without coalescing, against the
 *     renewal-reward rate of backend reads;
 *   - write-behind's loss on a crash: exactly the writes queued since the
 *     last flush.
 *
 * Each statistical check compares the mean over replications with the
 * reference, within the t interval (99.9 %) of the replications' own
 * spread, and shows that a wrong reference (LRU's for FIFO, the other TTL
 * mode's, the other pattern's timing, no coalescing) falls outside it.
 * Che's approximation is not exact: at these sizes (10^4 keys, 100 and
 * 1000 entries) it is within 0.001 of long runs, below the interval's
 * half-width at the run lengths used here.
 */
#include "tests/simtest.h"
#include "tests/chetest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gsl/gsl_roots.h>
#include <gsl/gsl_statistics_double.h>

#include "sim/keys.h"
#include "sim/stats.h"

#define NREP 10

/* ---- references -------------------------------------------------------- */

/* ttl_hit: Poisson requests at `rate`, TTL T seconds, ample capacity. */
static double ttl_hit(const struct keys *k, double rate, double T, int refresh)
{
	double h = 0;
	for (uint64_t i = 0; i < k->n; i++) {
		double q = keys_pmf(k, i), x = q * rate * T;
		h += q * (refresh ? -expm1(-x) : x / (1 + x));
	}
	return h;
}

/* ---- eviction ---------------------------------------------------------- */

static const char *evict_yaml =
	"name: evict\nseed: 3\nduration: 4s\nwarmup: 1s\nreplications: 10\n"
	"workloads:\n"
	"  u:\n"
	"    arrival: {process: poisson, rate: 100000/s}\n"
	"    target: cache\n"
	"    keys: {dist: zipf, n: 10000, s: %g}\n"
	"nodes:\n"
	"  cache: {type: cache, mode: read_through, capacity: %u, eviction: %s, backend: db}\n"
	"  db: {type: service, workers: 1, service: {dist: constant, value: 0s}}\n";

static void test_cache_eviction_against_characteristic_time(void **state)
{
	(void)state;
	double ss[] = { 0.8, 1.2 };
	unsigned cs[] = { 100, 1000 };
	int wrong = 0, checks = 0;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			struct keys k;
			assert_int_equal(keys_zipf(&k, 10000, ss[i], NULL), 0);
			double lru = characteristic_hit(&k, cs[j], 0);
			double fifo = characteristic_hit(&k, cs[j], 1);
			const char *pol[] = { "lru", "fifo", "random" };
			for (int e = 0; e < 3; e++) {
				char yaml[1024], what[64];
				double x[NREP];
				snprintf(yaml, sizeof yaml, evict_yaml, ss[i], cs[j], pol[e]);
				simtest_reps(yaml, NREP, { "cache.hit_ratio", x });
				snprintf(what, sizeof what, "%s s=%g C=%u", pol[e], ss[i], cs[j]);
				assert_true(simtest_within(what, x, NREP, e ? fifo : lru));
				/* the other policy's reference is outside */
				snprintf(what, sizeof what, "  against %s's", e ? "lru" : "fifo");
				wrong += !simtest_within(what, x, NREP, e ? lru : fifo);
				checks++;
			}
		}
	assert_int_equal(wrong, checks);
}

/* ---- expiry ------------------------------------------------------------ */

static const char *ttl_yaml =
	"name: ttl\nseed: 5\nduration: 20s\nwarmup: 2s\nreplications: 10\n"
	"workloads:\n"
	"  u:\n"
	"    arrival: {process: poisson, rate: 10000/s}\n"
	"    target: cache\n"
	"    keys: {dist: zipf, n: 1000, s: 0.8}\n"
	"nodes:\n"
	"  cache: {type: cache, mode: read_through, capacity: 1000, ttl: 50ms, ttl_mode: %s, backend: db}\n"
	"  db: {type: service, workers: 1, service: {dist: constant, value: 0s}}\n";

static void test_cache_ttl_exact_per_key(void **state)
{
	(void)state;
	struct keys k;
	assert_int_equal(keys_zipf(&k, 1000, 0.8, NULL), 0);
	for (int refresh = 0; refresh < 2; refresh++) {
		char yaml[1024];
		double x[NREP];
		snprintf(yaml, sizeof yaml, ttl_yaml,
			 refresh ? "expire_after_access" : "expire_after_write");
		simtest_reps(yaml, NREP, { "cache.hit_ratio", x });
		assert_true(simtest_within(refresh ? "expire_after_access" : "expire_after_write", x, NREP,
				   ttl_hit(&k, 10000, 0.05, refresh)));
		assert_false(simtest_within("  against the other mode's", x, NREP,
				    ttl_hit(&k, 10000, 0.05, !refresh)));
	}
}

/* ---- timing: the Jackson network of app, cache and database ------------ */

static const char *tier_yaml =
	"name: tier\nseed: 11\nduration: 100s\nwarmup: 5s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 400/s}, target: app}\n"
	"nodes:\n"
	"  app: {type: service, service: {dist: exponential, mean: 1ms}, next: [{to: cache, p: 1}]}\n"
	"  cache: {type: cache, mode: %s, hit_ratio: 0.8,\n"
	"          hit: {dist: exponential, mean: 2ms}, miss: {dist: exponential, mean: 1ms}, backend: db}\n"
	"  db: {type: service, service: {dist: exponential, mean: 5ms}}\n";

/* Mean latency: the app's M/M/1 sojourn, then a hit (0.8) or a miss, a
 * read at the database (an M/M/1 fed by the misses, Poisson by thinning
 * and by Burke's theorem), and for cache-aside the set: one more hit
 * time on the miss path. */
static double tier_mean(int aside)
{
	double lam = 400, h = 0.8;
	double app = 1 / (1000 - lam), db = 1 / (200 - (1 - h) * lam);
	return app + h * 0.002 + (1 - h) * (0.001 + db + (aside ? 0.002 : 0));
}

static void test_cache_tier_is_its_jackson_network(void **state)
{
	(void)state;
	for (int aside = 0; aside < 2; aside++) {
		char yaml[1024];
		double x[NREP], util[NREP];
		snprintf(yaml, sizeof yaml, tier_yaml, aside ? "cache_aside" : "read_through");
		simtest_reps(yaml, NREP, { "@latency_mean_s", x }, { "db.utilization", util });
		assert_true(simtest_within(aside ? "cache_aside mean latency" : "read_through mean latency",
				   x, NREP, tier_mean(aside)));
		assert_false(simtest_within("  against the other pattern's", x, NREP, tier_mean(!aside)));
		assert_true(simtest_within("  database utilization", util, NREP, 0.2 * 400 * 0.005));
	}
}

/* ---- coalescing -------------------------------------------------------- */

static const char *hot_yaml =
	"name: hot\nseed: 13\nduration: 60s\nwarmup: 1s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 1000/s}, target: cache}\n"
	"nodes:\n"
	"  cache: {type: cache, mode: read_through, ttl: 100ms, coalesce: %s, backend: db}\n"
	"  db: {type: service, workers: 1000, service: {dist: constant, value: 20ms}}\n";

/* One hot key (every request has key 0), Poisson at lambda, TTL T set at
 * each fill, backend read D.  A cycle starts with the first request after
 * expiry, 1/lambda after it on average.  With coalescing, the requests
 * during the read wait for it: one backend read per cycle of length
 * 1/lambda + D + T.  Without, each request during the read misses and
 * reads too (1 + lambda D reads in all), and each of their replies fills
 * the entry again, so it expires T after the last of them: L + D + T
 * after the first miss, where L, the last Poisson point in [0, D) (0 if
 * none), has mean D - (1 - e^-lambda D) / lambda.  Rates are per second;
 * the wrong reference forgets the refills. */
static void test_cache_coalescing_against_renewal_reward(void **state)
{
	(void)state;
	double lam = 1000, D = 0.02, T = 0.1, cycle = 1 / lam + D + T;
	double last = D + expm1(-lam * D) / lam;
	for (int co = 0; co < 2; co++) {
		char yaml[1024];
		double x[NREP];
		snprintf(yaml, sizeof yaml, hot_yaml, co ? "true" : "false");
		simtest_reps(yaml, NREP, { "cache.backend_reads", x });
		for (int r = 0; r < NREP; r++)
			x[r] /= 60;
		double with = 1 / cycle, without = (1 + lam * D) / (cycle + last);
		assert_true(simtest_within(co ? "backend reads/s, coalesced" : "backend reads/s, not coalesced",
				   x, NREP, co ? with : without));
		assert_false(simtest_within("  against the other's", x, NREP, co ? without : with));
		if (!co)
			assert_false(simtest_within("  forgetting the refills", x, NREP, (1 + lam * D) / cycle));
	}
}

/* ---- write-behind ------------------------------------------------------ */

static const char *behind_yaml =
	"name: behind\nseed: 1\nduration: 7s\nwarmup: 0s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: constant, rate: 100/s}, target: cache, mix: {write: 1}}\n"
	"nodes:\n"
	"  cache: {type: cache, mode: write_behind, flush_interval: 995ms, backend: db,\n"
	"          write_coalescing: false}\n"
	"  db: {type: service, workers: 10, service: {dist: constant, value: 1ms}}\n"
	"timeline:\n"
	"  - {at: %s, node: cache, do: crash, for: 1s}\n";

/* Writes come every 10 ms from 10 ms on; flushes every 995 ms.  A crash
 * at 5.505 s loses the writes since the flush at 4.975 s: 4.98 s to
 * 5.50 s, 53 of them; a crash at 4.976 s loses none.  Every write is
 * accounted for: flushed, lost, sent straight to the database while the
 * node was down, or still queued at the end. */
static void test_cache_write_behind_loses_the_queue(void **state)
{
	(void)state;
	const char *at[] = { "5505ms", "4976ms" };
	double want[] = { 53, 0 };
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, behind_yaml, at[i]);
		double lost, sent, down;
		simtest_reps(yaml, 1, { "cache.lost_writes", &lost }, { "cache.backend_writes", &sent },
			     { "cache.unreachable", &down });
		print_message("    crash at %s: lost %g, sent %g (%g while down)\n", at[i], lost,
			      sent, down);
		assert_true(lost == want[i]);
		/* 700 writes; the last flush is at 6.965 s, so those after it
		 * are still queued: 6.97 s to 7.00 s, 4 of them */
		assert_true(sent + lost + 4 == 700);
		assert_true(down == 100);
	}
}

/* Write coalescing, as Hazelcast's write-behind does it: 10 keys written
 * 1000 times a second, flushed every second, send at most one write a key
 * per flush, 10 per flush, 100 in the 10 s; every other write merged into
 * one queued for its key.  Without it each flush sends every write it
 * queued, 1000.  A crash loses the writes merged, not just the keys. */
static void test_cache_write_behind_coalesces(void **state)
{
	(void)state;
	const char *y =
		"name: coalesce\nseed: 3\nduration: 10s\nwarmup: 0s\nreplications: 1\n"
		"workloads:\n"
		"  u: {arrival: {process: constant, rate: 1000/s}, target: cache, mix: {write: 1},\n"
		"      keys: {dist: uniform, n: 10}}\n"
		"nodes:\n"
		"  cache: {type: cache, mode: write_behind, flush_interval: 1s, flush_batch: 100000,\n"
		"          backend: db%s}\n"
		"  db: {type: service, workers: 1000, service: {dist: constant, value: 1ms}}\n"
		"timeline:\n  - {at: 9500ms, node: cache, do: crash, for: 1s}\n";
	for (int i = 0; i < 2; i++) {
		char yaml[1024];
		double sent, merged, lost, n, down;
		snprintf(yaml, sizeof yaml, y, i ? ", write_coalescing: false" : "");
		simtest_reps(yaml, 1, { "cache.backend_writes", &sent },
			     { "cache.writes_coalesced", &merged }, { "cache.lost_writes", &lost },
			     { "@arrivals", &n }, { "cache.unreachable", &down });
		/* the writes of the last 0.5 s go straight to the database */
		double flushed = sent - down;
		print_message("    %s: %g writes, %g sent by 9 flushes, %g merged, %g lost at the crash\n",
			      i ? "without" : "with coalescing", n, flushed, merged, lost);
		if (!i) {
			assert_true(flushed == 10 * 9);
			/* every write is accounted for: flushed as its key's
			 * write, merged into one, sent while the node was
			 * down, or one of the 10 keys' writes queued at the
			 * crash (the other lost writes were merged into them) */
			assert_true(flushed + merged + down + 10 == n);
		} else {
			assert_true(flushed + down + lost == n);
			assert_true(merged == 0);
		}
		/* the 500 writes since the flush at 9 s are lost either way */
		assert_true(lost == 500);
	}
}

/* Refresh-ahead, the stampede's fix: the hot key above, TTL 100 ms,
 * reloaded by the first hit after refresh_after 50 ms, the reload taking
 * D = 20 ms.  A cycle runs from a reload's answer to the next's: 50 ms,
 * then the wait for a request (1/lambda on average), then D: one backend
 * read per 71 ms, 14.08 a second, and the entry never expires (that would
 * take no request for 30 ms), so no read misses.  Expiring without it
 * costs the renewal rate of the test above, ten times more. */
static void test_cache_refresh_ahead(void **state)
{
	(void)state;
	double lam = 1000, D = 0.02, T = 0.1, L = D - (1 - exp(-lam * D)) / lam;
	double want = 1 / (0.05 + 1 / lam + D);
	double expire = (1 + lam * D) / (1 / lam + L + D + T);
	char yaml[1024];
	double rate[NREP], miss[NREP];
	snprintf(yaml, sizeof yaml,
		 "name: ahead\nseed: 17\nduration: 60s\nwarmup: 1s\nreplications: 10\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: 1000/s}, target: cache}\n"
		 "nodes:\n"
		 "  cache: {type: cache, mode: read_through, ttl: 100ms, ttl_mode: refresh_ahead,\n"
		 "          refresh_after: 50ms, backend: db}\n"
		 "  db: {type: service, workers: 1000, service: {dist: constant, value: 20ms}}\n");
	simtest_reps(yaml, NREP, { "cache.backend_reads", rate }, { "cache.misses", miss });
	for (uint32_t k = 0; k < NREP; k++) {
		rate[k] /= 60;
		assert_true(miss[k] == 0);
	}
	assert_true(simtest_within("reloads per second", rate, NREP, want));
	assert_false(simtest_within("  against expiring, the renewal rate", rate, NREP, expire));
}

/* The cache's backend as a call, with a call's policies: every read
 * misses (hit_ratio 0) and reads a backend of exponential service, mean
 * 10 ms, with ample workers, through a 5 ms per-try timeout.  A read
 * fails with probability e^-0.5; with one retry, (e^-0.5)^2.  Relayed
 * (a bare node name), none fails. */
static void test_cache_backend_as_a_call(void **state)
{
	(void)state;
	const char *backends[] = {
		"{to: db, per_try_timeout: 5ms}",
		"{to: db, per_try_timeout: 5ms, retry: {style: custom, max_attempts: 2, base: 1ms}}",
		"db",
	};
	double want[] = { exp(-0.5), exp(-1.0), 0 };
	for (int k = 0; k < 3; k++) {
		char yaml[1024];
		double failed[NREP], n[NREP];
		snprintf(yaml, sizeof yaml,
			 "name: edge\nseed: 19\nduration: 50s\nreplications: 10\n"
			 "workloads:\n  u: {arrival: {process: poisson, rate: 200/s}, target: cache}\n"
			 "nodes:\n"
			 "  cache: {type: cache, mode: read_through, hit_ratio: 0, backend: %s}\n"
			 "  db: {type: service, workers: 1000, service: {dist: exponential, mean: 10ms}}\n",
			 backends[k]);
		simtest_reps(yaml, NREP, { "@timeout", failed }, { "@arrivals", n });
		for (uint32_t i = 0; i < NREP; i++)
			failed[i] /= n[i];
		if (k < 2) {
			assert_true(simtest_within(backends[k], failed, NREP, want[k]));
			assert_false(simtest_within("  against the other", failed, NREP, want[!k]));
		} else {
			for (uint32_t i = 0; i < NREP; i++)
				assert_true(failed[i] == 0);
		}
	}
}

/* Stale hits: cache-aside, every set and delete taking 10 ms, the backend
 * 1 ms.  A read at 0 misses and fills the entry at 11 ms with the value
 * of 1 ms; a read at 20 ms hits it; a write at 30 ms commits at 31 ms and
 * its delete lands at 41 ms, so the read at 35 ms hits the value of 1 ms,
 * older than the write: stale; the read at 45 ms misses, and the one at
 * 60 ms hits the fresh value.  Exactly 1 stale hit of 3. */
static void test_cache_stale_hits(void **state)
{
	(void)state;
	char dir[] = "/tmp/archsim-stale-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256], yaml[1024];
	snprintf(path, sizeof path, "%s/t.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("time,key,kind\n0,1,read\n0.020,1,read\n0.030,1,write\n0.035,1,read\n"
	      "0.045,1,read\n0.060,1,read\n", f);
	fclose(f);
	snprintf(yaml, sizeof yaml,
		 "duration: 1s\nwarmup: 0s\nreplications: 1\n"
		 "workloads:\n  u:\n    arrival: {process: trace, file: %s}\n    target: cache\n"
		 "    mix: {read: 0.5, write: 0.5}\n"
		 "nodes:\n"
		 "  cache: {type: cache, mode: cache_aside, hit: {dist: constant, value: 10ms},\n"
		 "          miss: {dist: constant, value: 0s}, backend: db}\n"
		 "  db: {type: service, workers: 10, service: {dist: constant, value: 1ms}}\n", path);
	double stale, hits, misses;
	simtest_reps(yaml, 1, { "cache.stale_hits", &stale }, { "cache.hits", &hits },
		     { "cache.misses", &misses });
	print_message("    %g hits, %g stale; %g misses\n", hits, stale, misses);
	assert_true(stale == 1 && hits == 3 && misses == 2);
	remove(path);
	rmdir(dir);
}

/* Stale hits from a write that goes around the cache: a cache-aside cache
 * in front of a database (its writes logged for the cache), sets taking
 * 10 ms, a 50 ms TTL, the database 1 ms.  A read at 0 misses and fills at
 * 11 ms with the value of 1 ms; the read at 20 ms hits it fresh.  A write
 * sent to the database itself at 30 ms commits at 31 ms and invalidates
 * nothing, so the reads at 35 and 45 ms hit a value older than it: 2
 * stale; the entry expires at 61 ms, the read at 70 ms misses, and the
 * one at 90 ms hits the new value.  The same write sent through the cache
 * is its own (the delete lands at 41 ms): 1 stale hit, at 35 ms; the
 * read at 45 ms misses and fills at 56 ms, so 70 and 90 ms hit it. */
static void test_cache_stale_hits_around_the_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/archsim-stale2-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char reads[256], writes[256], yaml[2048];
	snprintf(reads, sizeof reads, "%s/r.csv", dir);
	snprintf(writes, sizeof writes, "%s/w.csv", dir);
	FILE *f = fopen(reads, "w");
	assert_non_null(f);
	fputs("time,key,kind\n0,1,read\n0.020,1,read\n0.035,1,read\n0.045,1,read\n"
	      "0.070,1,read\n0.090,1,read\n", f);
	fclose(f);
	f = fopen(writes, "w");
	assert_non_null(f);
	fputs("time,key,kind\n0.030,1,write\n", f);
	fclose(f);
	const char *target[2] = { "db", "cache" };
	double want[2][3] = { { 2, 4, 2 }, { 1, 4, 2 } };
	for (int k = 0; k < 2; k++) {
		snprintf(yaml, sizeof yaml,
			 "duration: 1s\nwarmup: 0s\nreplications: 1\n"
			 "workloads:\n"
			 "  r: {arrival: {process: trace, file: %s}, target: cache, mix: {read: 1}}\n"
			 "  w: {arrival: {process: trace, file: %s}, target: %s, mix: {write: 1}}\n"
			 "nodes:\n"
			 "  cache: {type: cache, mode: cache_aside, ttl: 50ms, hit: {dist: constant, value: 10ms},\n"
			 "          miss: {dist: constant, value: 0s}, backend: db}\n"
			 "  db: {type: database, primary: {workers: 10, service: {dist: constant, value: 1ms}}}\n",
			 reads, writes, target[k]);
		double stale, hits, misses;
		simtest_reps(yaml, 1, { "cache.stale_hits", &stale }, { "cache.hits", &hits },
			     { "cache.misses", &misses });
		print_message("    write to the %s: %g hits, %g stale; %g misses\n", target[k], hits,
			      stale, misses);
		assert_true(stale == want[k][0] && hits == want[k][1] && misses == want[k][2]);
	}
	remove(reads);
	remove(writes);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_eviction_against_characteristic_time),
		cmocka_unit_test(test_cache_ttl_exact_per_key),
		cmocka_unit_test(test_cache_tier_is_its_jackson_network),
		cmocka_unit_test(test_cache_coalescing_against_renewal_reward),
		cmocka_unit_test(test_cache_write_behind_loses_the_queue),
		cmocka_unit_test(test_cache_write_behind_coalesces),
		cmocka_unit_test(test_cache_refresh_ahead),
		cmocka_unit_test(test_cache_backend_as_a_call),
		cmocka_unit_test(test_cache_stale_hits),
		cmocka_unit_test(test_cache_stale_hits_around_the_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
