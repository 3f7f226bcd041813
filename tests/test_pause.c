/*
 * test_pause.c - stop-the-world pause schedules (sim/pause.h): work runs
 * in the gaps between pauses and a start inside one waits for its end;
 * the schedule is one per key, whatever order it is asked in; the
 * first pause falls at a uniform share of its gap; nothing is drawn past
 * the horizon.
 */
#include "tests/testutil.h"

#include <gsl/gsl_statistics_double.h>

#include "sim/pause.h"
#include "sim/rng.h"

#define MS 1000000LL
#define S 1000000000LL
#define FAR (1000 * S)

static struct pause_cfg every_second(void)
{
	struct pause_cfg c = { .given = 1 };
	struct sim_err err;
	assert_int_equal(dist_constant(&c.every, 1, &err), 0);
	assert_int_equal(dist_constant(&c.duration, 0.1, &err), 0);
	return c;
}

/* first_start: where the first pause of schedule p falls. */
static int64_t first_start(struct pauses *p, const struct pause_cfg *c, gsl_rng *r)
{
	assert_true(pause_stretch(p, c, r, 0, 0, FAR) >= 0);
	return p->start[p->head];
}

/* 100 ms every 1 s from s0: work across them, into them, from within. */
static void test_pause_stretch_exactly(void **state)
{
	struct pause_cfg c = every_second();
	gsl_rng *r = gsl_rng_alloc(rng_splitmix64);
	struct pauses p;
	pauses_init(&p, 42);
	int64_t s0 = first_start(&p, &c, r);
	assert_true(s0 > 0 && s0 < S);
	/* up to a pause's start: not delayed */
	assert_int_equal(pause_stretch(&p, &c, r, s0 - 10 * MS, 10 * MS, FAR), s0);
	/* into it: the pause's 100 ms added */
	assert_int_equal(pause_stretch(&p, &c, r, s0 - 10 * MS, 30 * MS, FAR),
			 s0 + 120 * MS);
	/* begun inside it: from its end */
	assert_int_equal(pause_stretch(&p, &c, r, s0 + 10 * MS, 0, FAR), s0 + 100 * MS);
	assert_int_equal(pause_stretch(&p, &c, r, s0 + 10 * MS, 5 * MS, FAR), s0 + 105 * MS);
	/* 2.5 s from the first pause's end runs 0.9 + 0.9 + 0.7 s in three
	 * gaps: two pauses more */
	assert_int_equal(pause_stretch(&p, &c, r, s0 + 100 * MS, 2500 * MS, FAR),
			 s0 + 2800 * MS);
	/* the pauses over are let go: 10,000 s of asking keeps a few */
	for (int64_t t = s0 + 3 * S; t < 10000 * S; t += 7 * MS)
		assert_true(pause_stretch(&p, &c, r, t, 5 * MS, FAR) >= t + 5 * MS);
	assert_true(p.cap <= 16);
	/* past the horizon nothing is drawn: the work runs on unpaused */
	uint64_t k = p.k;
	assert_int_equal(pause_stretch(&p, &c, r, 10000 * S, 500 * S, 10001 * S),
			 10000 * S + 500 * S + 100 * MS);
	assert_true(p.k <= k + 2);
	pauses_fini(&p);
	/* work spanning 100,000 pauses keeps a thousand or so, and ends as
	 * the pauses say: 100,000 s of work in gaps of 0.9 s is 111,111
	 * gaps and a bit, each followed by a pause of 0.1 s */
	pauses_init(&p, 43);
	s0 = first_start(&p, &c, r);
	int64_t end = pause_stretch(&p, &c, r, s0 + 100 * MS, 100000 * S, INT64_MAX / 4);
	int64_t gaps = 100000 * S / (900 * MS);
	int64_t rest = 100000 * S - gaps * 900 * MS;
	assert_int_equal(end, s0 + 100 * MS + gaps * S + rest);
	assert_true(p.cap <= 2048);
	/* and the schedule it did not keep is the one drawn later */
	assert_int_equal(pause_stretch(&p, &c, r, end - rest - 50 * MS, 0, INT64_MAX / 4),
			 end - rest);
	pauses_fini(&p);
	gsl_rng_free(r);
}

/* One key, one schedule, asked far ahead at once or step by step; another
 * key, another phase. */
static void test_pause_schedule_is_the_keys(void **state)
{
	struct pause_cfg c = every_second();
	struct sim_err err;
	assert_int_equal(dist_exponential(&c.every, 1, &err), 0);
	gsl_rng *r = gsl_rng_alloc(rng_splitmix64);
	struct pauses a, b, other;
	pauses_init(&a, 7);
	pauses_init(&b, 7);
	pauses_init(&other, 8);
	int64_t far_end = pause_stretch(&a, &c, r, 0, 50 * S, FAR);
	int64_t t = 0, left = 50 * S;
	while (left > 0) {
		int64_t e = pause_stretch(&b, &c, r, t, S, FAR);
		assert_true(e >= t + S);
		t = e;
		left -= S;
	}
	assert_int_equal(t, far_end);
	assert_true(first_start(&other, &c, r) != first_start(&a, &c, r) || a.head);
	pauses_fini(&a);
	pauses_fini(&b);
	pauses_fini(&other);
	gsl_rng_free(r);
}

/* The first pause of many schedules falls uniformly over the first gap:
 * mean 0.5 s, sd 1 / sqrt(12) s (2000 keys: each within 4 standard
 * errors: the mean's 1 / sqrt(12 N), the sd's sqrt((mu4 - sigma^4) / N)
 * / (2 sigma), with mu4 = 1/80 for a uniform). */
static void test_pause_first_phase_uniform(void **state)
{
	struct pause_cfg c = every_second();
	gsl_rng *r = gsl_rng_alloc(rng_splitmix64);
	enum { N = 2000 };
	static double x[N];
	for (int i = 0; i < N; i++) {
		struct pauses p;
		pauses_init(&p, rng_key(99, (uint64_t)i));
		x[i] = (double)first_start(&p, &c, r) / S;
		pauses_fini(&p);
	}
	double m = gsl_stats_mean(x, 1, N), sd = gsl_stats_sd(x, 1, N);
	print_message("    first pause: mean %.4f s, sd %.4f s\n", m, sd);
	assert_true(fabs(m - 0.5) < 4 / sqrt(12.0 * N));
	double sigma = 1 / sqrt(12.0);
	assert_true(fabs(sd - sigma) < 4 * sqrt((1.0 / 80 - 1.0 / 144) / N) / (2 * sigma));
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pause_stretch_exactly),
		cmocka_unit_test(test_pause_schedule_is_the_keys),
		cmocka_unit_test(test_pause_first_phase_uniform),
	};
	return cmocka_run_group_tests_name("pause", tests, NULL, NULL);
}
