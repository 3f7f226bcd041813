/*
 * test_shards.c - the shards kind: each shard's share of the requests
 * under range sharding and Zipf keys, and the share of keys a reshard
 * moves under each strategy.
 */
#include "tests/simtest.h"

#include <math.h>
#include <string.h>

#include "sim/hashring.h"
#include "sim/keys.h"
#include "sim/rng.h"

#define NREP 10

static const char *range_yaml =
	"name: range\nseed: 9\nduration: 20s\nwarmup: 1s\nreplications: 10\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 2000/s}, target: users,\n"
	"      keys: {dist: zipf, n: 10000, s: 1}}\n"
	"nodes:\n"
	"  users:\n"
	"    type: shards\n"
	"    strategy: range\n"
	"    shards: 4\n"
	"    ranges: [0, 2500, 5000, 7500]\n"
	"    %s\n"
	"    shard: {primary: {workers: 16, service: {dist: exponential, mean: 1ms}}}\n";

/* Shard i's share is the Zipf mass of the keys placed in its range.  With
 * key_order: ordered, key k's place is k, and the first range, the most
 * popular keys, runs hot (about 0.86 of the requests), far from the even
 * 1/4.  Scrambled (the default), a key's place is its place in the
 * node's shuffle of [0, 10000): each shard's share is the mass of the keys
 * the shuffle puts in its range, summed here key by key (the hottest key
 * alone is a tenth of the requests, and lands where it lands), and each
 * is far from the ordered one. */
static void test_shards_range_shares_follow_the_key_mass(void **state)
{
	(void)state;
	struct keys k;
	assert_int_equal(keys_zipf(&k, 10000, 1, NULL), 0);
	for (int scrambled = 0; scrambled < 2; scrambled++) {
		char yaml[1024];
		double x[4][NREP], cv[NREP], mass[2][4] = { { 0 } };
		snprintf(yaml, sizeof yaml, range_yaml,
			 scrambled ? "key_space: 10000" : "key_order: ordered");
		simtest_reps(yaml, NREP, { "users[0].share", x[0] }, { "users[1].share", x[1] },
			     { "users[2].share", x[2] }, { "users[3].share", x[3] },
			     { "users.load_cv", cv });
		for (uint64_t key = 0; key < 10000; key++) {
			uint64_t place = keys_permute(key, 10000, rng_hash64("users", 0));
			mass[0][key / 2500] += keys_pmf(&k, key);
			mass[1][place / 2500] += keys_pmf(&k, key);
		}
		for (uint32_t i = 0; i < 4; i++) {
			char what[64];
			snprintf(what, sizeof what, "%s: users[%u] share",
				 scrambled ? "scrambled" : "ordered", i);
			assert_true(simtest_within(what, x[i], NREP, mass[scrambled][i]));
			assert_false(simtest_within("  against the other order's", x[i], NREP,
						    mass[!scrambled][i]));
		}
		if (!scrambled)
			assert_true(cv[0] > 1);
	}
}

static const char *reshard_yaml =
	"name: reshard\nseed: 9\nduration: 4s\nwarmup: 1s\nreplications: 1\n"
	"workloads:\n"
	"  u: {arrival: {process: poisson, rate: 1000/s}, target: users,\n"
	"      keys: {dist: uniform, n: 100000}}\n"
	"nodes:\n"
	"  users:\n"
	"    type: shards\n"
	"    strategy: %s\n"
	"    shards: 8\n"
	"    shard: {primary: {workers: 16, service: {dist: exponential, mean: 1ms}}}\n"
	"timeline:\n"
	"  - {at: 2s, node: users, do: reshard, shards: 9}\n";

/* From 8 shards to 9: modulo moves 8/9 of the key space, jump 1/9, each
 * within 4 binomial sd of the probes.  A ring moves the ninth shard's
 * share, which depends on where its points fall: its 160 points among the
 * 9 x 160 put a Beta(160, 8 x 160) share on it, mean 1/9 and variance
 * p (1 - p) / (9 x 160 + 1), measured through the probes; so within 4 sd
 * of both.  Requests after the reshard reach the ninth shard. */
static void test_shards_reshard_moves_keys(void **state)
{
	(void)state;
	const char *strat[] = { "hash", "jump", "ring" };
	double p = 1.0 / 9, sd = sqrt(p * (1 - p) / HRING_PROBES);
	for (int i = 0; i < 3; i++) {
		char yaml[1024];
		snprintf(yaml, sizeof yaml, reshard_yaml, strat[i]);
		double moved, ninth, even8, even0, n;
		simtest_reps(yaml, 1, { "users.keys_moved_share", &moved }, { "users[8].arrivals", &ninth },
			     { "users[8].even_share", &even8 }, { "users[0].even_share", &even0 },
			     { "users.arrivals", &n });
		print_message("    %s: %.4f of the keys moved; users[8] took %g requests, "
			      "even shares %.4f and %.4f\n", strat[i], moved, ninth, even0, even8);
		/* even shares: the requests of the last 3 s of the 4 measured
		 * (a binomial part of them) split over 9 shards, of the first
		 * over 8; the 9 shares sum to 1 */
		double sdf = sqrt(0.75 * 0.25 / n);
		assert_true(fabs(even8 - 0.75 / 9) < 4 * sdf / 9);
		assert_true(fabs(8 * even0 + even8 - 1) < 1e-9);
		if (i == 0)
			assert_true(fabs(moved - (1 - p)) < 4 * sd);
		else if (i == 1)
			assert_true(fabs(moved - p) < 4 * sd);
		else
			assert_true(fabs(moved - p) <
				    4 * sqrt(p * (1 - p) * (1.0 / (9 * 160 + 1) + 1.0 / HRING_PROBES)));
		assert_true(ninth > 0);
	}
}

/* migrate: at the reshard every stored key whose shard changed is copied,
 * a read and a write each: as many keys as the moved share of the 20,000
 * stored (the share is measured on other keys, the probes: both are
 * samples of the key space, held to 4 sd of their difference), and the
 * shards' arrivals grow by two requests per key copied. */
static void test_shards_migration_copies_the_moved_keys(void **state)
{
	(void)state;
	char yaml[1024], with[1200];
	snprintf(yaml, sizeof yaml, reshard_yaml, "jump");
	snprintf(with, sizeof with, "%s", yaml);
	char *at = strstr(with, "    shard:");
	assert_non_null(at);
	snprintf(at, sizeof with - (size_t)(at - with), "    migrate: {keys: 20000, rate: 10000/s}\n%s",
		 strstr(yaml, "    shard:"));
	double got[2][3];
	const char *texts[] = { yaml, with };
	for (int i = 0; i < 2; i++)
		simtest_reps(texts[i], 1, { "users.keys_moved_share", &got[i][0] },
			     { "users.migrated_keys", &got[i][1] }, { "users.arrivals", &got[i][2] });
	double p = got[1][0], share = got[1][1] / 20000;
	double sd = sqrt(p * (1 - p) * (1.0 / 20000 + 1.0 / HRING_PROBES));
	print_message("    moved share %.4f; copied %g keys (%.4f of 20,000); arrivals %g against %g\n",
		      p, got[1][1], share, got[1][2], got[0][2]);
	print_message("    without migrate: %g\n", got[0][1]);
	assert_true(isnan(got[0][1]));
	assert_true(fabs(share - p) < 4 * sd);
	assert_true(got[1][2] - got[0][2] == 2 * got[1][1]);
}

/* Range resharding splits [0, key_space) evenly over the new count: from
 * 8 ranges to 9, the place x in [0, 1) moves unless floor(8x) =
 * floor(9x), which holds on sum over i < 8 of ((i + 1)/9 - i/8) = 1/2 of
 * the space: half the keys move, within 4 binomial sd of the probes (not
 * the ninth a ring or Jump hash moves).  Requests reach the ninth shard
 * after. */
static void test_shards_range_reshard(void **state)
{
	(void)state;
	double moved, ninth, sd = sqrt(0.25 / HRING_PROBES);
	simtest_reps(
		"name: rreshard\nseed: 9\nduration: 4s\nwarmup: 1s\nreplications: 1\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1000/s}, target: users,\n"
		"      keys: {dist: uniform, n: 100000}}\n"
		"nodes:\n"
		"  users:\n"
		"    type: shards\n"
		"    strategy: range\n"
		"    shards: 8\n"
		"    ranges: [0, 12500, 25000, 37500, 50000, 62500, 75000, 87500]\n"
		"    key_space: 100000\n"
		"    shard: {primary: {workers: 16, service: {dist: exponential, mean: 1ms}}}\n"
		"timeline:\n  - {at: 2s, node: users, do: reshard, shards: 9}\n",
		1, { "users.keys_moved_share", &moved }, { "users[8].arrivals", &ninth });
	print_message("    range: %.4f of the keys moved; users[8] took %g requests\n", moved, ninth);
	assert_true(fabs(moved - 0.5) < 4 * sd);
	assert_false(fabs(moved - 1.0 / 9) < 4 * sd);
	assert_true(ninth > 0);
}

static const char *split_yaml =
	"name: split\nseed: 9\nduration: %s\nwarmup: %s\nreplications: 1\n"
	"workloads:\n  u: {arrival: {process: poisson, rate: 3600/s}, target: users,\n"
	"      keys: {dist: uniform, n: 1000}}\n"
	"nodes:\n"
	"  users:\n"
	"    type: shards\n"
	"    strategy: range\n"
	"    shards: 2\n"
	"    ranges: [0, 1000]\n"
	"    key_order: ordered\n"
	"    %s\n"
	"    shard: {primary: {workers: 16, service: {dist: exponential, mean: 1ms}}}\n";

/* Splitting by load: all 3,600 requests a second go to keys 0 .. 999, the
 * first range, on shard 0.  At CockroachDB's 2,500 a second the range
 * starts a finder after its first second and splits about 10 s later
 * (11 s), at a sampled key with between 3/8 and 5/8 of the load above
 * it; that half moves to the idle shard 1.  Each half then takes at most
 * 2,250 a second, 5 Poisson sd below the threshold, so there is exactly
 * one split.  Measured from 13 s, shard 1's share is inside (3/8, 5/8)
 * (give or take 4 binomial sd); without split it is 0. */
static void test_shards_split_by_load(void **state)
{
	(void)state;
	char yaml[1024];
	double splits, late_splits, share[2], n;
	snprintf(yaml, sizeof yaml, split_yaml, "30s", "1s", "split: {}");
	simtest_reps(yaml, 1, { "users.range_splits", &splits });
	snprintf(yaml, sizeof yaml, split_yaml, "30s", "13s", "split: {}");
	simtest_reps(yaml, 1, { "users.range_splits", &late_splits }, { "users[1].share", &share[1] },
		     { "users.arrivals", &n });
	snprintf(yaml, sizeof yaml, split_yaml, "30s", "13s", "description: no split");
	simtest_reps(yaml, 1, { "users[1].share", &share[0] });
	/* with migrate, the keys copied are those of the half that moved:
	 * the decider sees the same users' requests (copies bypass it), so
	 * the split is the same, and the keys above it are shard 1's share
	 * of the uniform keys */
	double migrated;
	snprintf(yaml, sizeof yaml, split_yaml, "30s", "1s",
		 "split: {}\n    migrate: {keys: 1000, rate: 10000/s}");
	simtest_reps(yaml, 1, { "users.migrated_keys", &migrated });
	double sd = sqrt(0.25 / n);
	print_message("    %g split in 30 s, %g after 13 s; shard 1's share %.4f (without split %.4f); "
		      "%g keys migrated\n", splits, late_splits, share[1], share[0], migrated);
	assert_true(fabs(migrated / 1000 - share[1]) < 4 * sd + 0.001);
	assert_true(migrated > 0);
	assert_true(splits == 1);
	assert_true(late_splits == 0);
	assert_true(share[1] > 0.375 - 4 * sd && share[1] < 0.625 + 4 * sd);
	assert_false(share[0] > 0.375 - 4 * sd && share[0] < 0.625 + 4 * sd);
}

/* The hot range: Zipf keys in order put about 0.86 of the load
 * on shard 0 of 4.  With split at 200 a second, after 60 s the hot ranges
 * have split and spread: no shard takes more than half (the hottest key
 * alone is a tenth, and cannot be split from itself), and the spread of
 * the shards' loads (load_cv) is below half of what it is without. */
static void test_shards_split_spreads_zipf(void **state)
{
	(void)state;
	double mx[2] = { 0, 0 }, cv[2];
	for (int split = 0; split < 2; split++) {
		char yaml[1024], head[1024];
		double x[4];
		snprintf(yaml, sizeof yaml, range_yaml,
			 split ? "key_order: ordered\n    split: {load_qps_threshold: 200/s}"
			       : "key_order: ordered");
		/* a warm-up of 60 s: the splits done */
		const char *w = strstr(yaml, "warmup: 1s");
		assert_non_null(w);
		snprintf(head, sizeof head, "%.*swarmup: 60s%s", (int)(w - yaml), yaml, w + 10);
		memcpy(yaml, head, strlen(head) + 1);
		simtest_reps(yaml, 1, { "users[0].share", &x[0] }, { "users[1].share", &x[1] },
			     { "users[2].share", &x[2] }, { "users[3].share", &x[3] },
			     { "users.load_cv", &cv[split] });
		for (int i = 0; i < 4; i++)
			mx[split] = fmax(mx[split], x[i]);
	}
	print_message("    largest share %.3f with split, %.3f without; load_cv %.3f, %.3f\n",
		      mx[1], mx[0], cv[1], cv[0]);
	assert_true(mx[1] < 0.5);
	assert_false(mx[0] < 0.5);
	assert_true(cv[1] < cv[0] / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shards_range_shares_follow_the_key_mass),
		cmocka_unit_test(test_shards_reshard_moves_keys),
		cmocka_unit_test(test_shards_range_reshard),
		cmocka_unit_test(test_shards_migration_copies_the_moved_keys),
		cmocka_unit_test(test_shards_split_by_load),
		cmocka_unit_test(test_shards_split_spreads_zipf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
