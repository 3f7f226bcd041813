/*
 * test_evq.c - the ladder queue (evq.h) and the reference heap (heapq.h).
 *
 * The heap is checked directly against sorted keys; the ladder queue is
 * checked the same way and then driven side by side with the heap: the same
 * event pointers go into both (the heap never touches ev->next, so an event
 * can sit in both at once) and every pop must return the same pointer.  The
 * streams come from a seeded SplitMix64, so a failure repeats exactly.
 */
#include "tests/testutil.h"

#include <math.h>
#include <sys/resource.h>

#include "sim/err.h"
#include "sim/event.h"
#include "sim/evq.h"
#include "sim/heapq.h"

static uint64_t prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) with 53 bits */
static double prng_unit(uint64_t *s)
{
	return (double)(prng_next(s) >> 11) * 0x1p-53;
}

/* uniform in [0, n), n > 0; the modulo bias is irrelevant here */
static uint64_t prng_below(uint64_t *s, uint64_t n)
{
	return prng_next(s) % n;
}

static int64_t prng_exp(uint64_t *s, double mean)
{
	return (int64_t)(-mean * log(1.0 - prng_unit(s)));
}

/* t + d, saturating at INT64_MAX so far-future streams pile up there as
 * ties instead of overflowing */
static int64_t add_sat(int64_t t, int64_t d)
{
	return d > INT64_MAX - t ? INT64_MAX : t + d;
}

static void fill_shuffled(uint64_t *seed, uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)prng_below(seed, i);
		uint64_t x = v[i - 1];
		v[i - 1] = v[j];
		v[j] = x;
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct event *x = *(struct event *const *)a;
	const struct event *y = *(struct event *const *)b;
	return event_before(x, y) ? -1 : event_before(y, x) ? 1 : 0;
}

static void test_heapq_empty_pops_null(void **state)
{
	struct heapq h;
	heapq_init(&h);
	assert_null(heapq_pop(&h));
	assert_int_equal(heapq_size(&h), 0);
	assert_int_equal(heapq_check(&h), 0);
	struct event e = { .time_ns = 7, .seq = 1 };
	assert_int_equal(heapq_push(&h, &e), 0);
	assert_ptr_equal(heapq_pop(&h), &e);
	assert_null(heapq_pop(&h));
	heapq_fini(&h);
}

/* Pushes n events with the given times into the heap or the ladder and
 * checks that they come out in exactly the order qsort gives. */
static void check_sorted_pops(int use_evq, const int64_t *times,
			      const uint64_t *seqs, size_t n)
{
	struct event *ev = calloc(n, sizeof *ev);
	struct event **want = calloc(n, sizeof *want);
	assert_non_null(ev);
	assert_non_null(want);
	struct evq q;
	struct heapq h;
	evq_init(&q);
	heapq_init(&h);
	for (size_t i = 0; i < n; i++) {
		ev[i].time_ns = times[i];
		ev[i].seq = seqs[i];
		want[i] = &ev[i];
		if (use_evq)
			assert_int_equal(evq_push(&q, &ev[i]), 0);
		else
			assert_int_equal(heapq_push(&h, &ev[i]), 0);
	}
	qsort(want, n, sizeof *want, key_cmp);
	assert_int_equal(use_evq ? evq_check(&q) : heapq_check(&h), 0);
	for (size_t i = 0; i < n; i++) {
		struct event *got = use_evq ? evq_pop(&q) : heapq_pop(&h);
		assert_ptr_equal(got, want[i]);
		if (use_evq && i % 257 == 0)
			assert_int_equal(evq_check(&q), 0);
	}
	assert_null(use_evq ? evq_pop(&q) : heapq_pop(&h));
	assert_int_equal(use_evq ? evq_size(&q) : heapq_size(&h), 0);
	evq_fini(&q);
	heapq_fini(&h);
	free(want);
	free(ev);
}

static void random_keys(uint64_t seed, int64_t *times, uint64_t *seqs,
			size_t n, int64_t range)
{
	fill_shuffled(&seed, seqs, n);
	for (size_t i = 0; i < n; i++)
		times[i] = (int64_t)prng_below(&seed, (uint64_t)range);
}

static void test_heapq_pops_in_time_order(void **state)
{
	enum { N = 5000 };
	static int64_t times[N];
	static uint64_t seqs[N];
	random_keys(11, times, seqs, N, 1000000000);
	check_sorted_pops(0, times, seqs, N);
	random_keys(12, times, seqs, N, 10);
	check_sorted_pops(0, times, seqs, N);
}

static void test_heapq_check_detects_corruption(void **state)
{
	struct heapq h;
	struct event ev[100];
	heapq_init(&h);
	for (int i = 0; i < 100; i++) {
		ev[i].time_ns = 1000 - i;
		ev[i].seq = (uint64_t)i;
		assert_int_equal(heapq_push(&h, &ev[i]), 0);
	}
	assert_int_equal(heapq_check(&h), 0);
	struct event *root = h.a[0];
	int64_t t = root->time_ns;
	root->time_ns = 5000;
	assert_int_equal(heapq_check(&h), -1);
	root->time_ns = t;
	assert_int_equal(heapq_check(&h), 0);
	heapq_fini(&h);
}

static void test_evq_empty_pops_null(void **state)
{
	struct evq q;
	evq_init(&q);
	assert_null(evq_pop(&q));
	assert_int_equal(evq_size(&q), 0);
	assert_int_equal(evq_check(&q), 0);
	struct event e = { .time_ns = 7, .seq = 1 };
	assert_int_equal(evq_push(&q, &e), 0);
	assert_int_equal(evq_size(&q), 1);
	assert_int_equal(evq_check(&q), 0);
	assert_ptr_equal(evq_pop(&q), &e);
	assert_null(e.next);
	assert_null(evq_pop(&q));
	assert_null(evq_pop(&q));
	assert_int_equal(evq_check(&q), 0);
	evq_fini(&q);
	/* fini leaves an empty queue that can be used again */
	assert_null(evq_pop(&q));
	assert_int_equal(evq_push(&q, &e), 0);
	assert_ptr_equal(evq_pop(&q), &e);
	evq_fini(&q);
}

static void test_evq_pops_in_time_order(void **state)
{
	enum { N = 20000 };
	static int64_t times[N];
	static uint64_t seqs[N];
	random_keys(21, times, seqs, N, 1000000000);
	check_sorted_pops(1, times, seqs, N);
	/* exponential times: dense at the front, so buckets there split */
	uint64_t s = 22;
	for (size_t i = 0; i < N; i++)
		times[i] = prng_exp(&s, 1e6);
	check_sorted_pops(1, times, seqs, N);
	/* a few small clusters far apart */
	for (size_t i = 0; i < N; i++)
		times[i] = (int64_t)(prng_below(&s, 4) * 1000000000000ll +
				     prng_below(&s, 300));
	check_sorted_pops(1, times, seqs, N);
}

static void test_evq_ties_pop_in_seq_order(void **state)
{
	enum { N = 3000 };
	static int64_t times[N];
	static uint64_t seqs[N];
	uint64_t s = 31;
	/* one time: cannot be split, so sorted by seq alone */
	fill_shuffled(&s, seqs, N);
	for (size_t i = 0; i < N; i++)
		times[i] = 42;
	check_sorted_pops(1, times, seqs, N);
	/* a handful of times, each with hundreds of ties */
	for (size_t i = 0; i < N; i++)
		times[i] = (int64_t)prng_below(&s, 7) * 3;
	check_sorted_pops(1, times, seqs, N);
	/* small Tops go straight to Bottom */
	check_sorted_pops(1, times, seqs, 40);

	/* A long Bottom at one time cannot become a rung; a tie whose seq
	 * falls among the queued ones must still be walked into place. */
	struct evq q;
	static struct event ev[2 * N];
	evq_init(&q);
	for (size_t i = 0; i < N; i++) {
		ev[i] = (struct event){ .time_ns = 9, .seq = 2 * i };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	assert_ptr_equal(evq_pop(&q), &ev[0]);
	assert_int_equal(q.bottom_count, N - 1);
	for (size_t i = N; i < 2 * N; i++) {
		ev[i] = (struct event){ .time_ns = 9, .seq = 2 * (i - N) + 1 };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	assert_int_equal(evq_check(&q), 0);
	for (size_t i = 1; i < 2 * N; i++) {
		struct event *e = evq_pop(&q);
		assert_non_null(e);
		assert_int_equal(e->seq, i);
	}
	assert_null(evq_pop(&q));
	evq_fini(&q);
}

static void test_evq_large_and_zero_times(void **state)
{
	enum { N = 4000 };
	static int64_t times[N];
	static uint64_t seqs[N];
	uint64_t s = 41;
	fill_shuffled(&s, seqs, N);
	const int64_t big = INT64_MAX / 4;
	for (size_t i = 0; i < N; i++)
		times[i] = big + (int64_t)prng_below(&s, 1000000);
	check_sorted_pops(1, times, seqs, N);
	/* the whole range at once: 0, INT64_MAX and everything between */
	for (size_t i = 0; i < N; i++) {
		switch (i % 4) {
		case 0: times[i] = 0; break;
		case 1: times[i] = INT64_MAX; break;
		case 2: times[i] = (int64_t)(prng_next(&s) >> 1); break;
		default: times[i] = big + (int64_t)prng_below(&s, 100); break;
		}
	}
	check_sorted_pops(1, times, seqs, N);
}

static void test_evq_empties_and_refills(void **state)
{
	enum { N = 3000 };
	static struct event ev[N];
	struct evq q;
	evq_init(&q);
	uint64_t s = 51, seq = 0;
	int64_t now = 0;
	for (int round = 0; round < 6; round++) {
		size_t n = round % 2 ? N : 20 + (size_t)round;
		for (size_t i = 0; i < n; i++) {
			double mean = 1000.0 * (round + 1);
			ev[i].time_ns = now + prng_exp(&s, mean);
			ev[i].seq = seq++;
			assert_int_equal(evq_push(&q, &ev[i]), 0);
		}
		assert_int_equal(evq_size(&q), n);
		assert_int_equal(evq_check(&q), 0);
		struct event *prev = NULL;
		for (size_t i = 0; i < n; i++) {
			struct event *e = evq_pop(&q);
			assert_non_null(e);
			if (prev)
				assert_true(event_before(prev, e));
			prev = e;
		}
		assert_null(evq_pop(&q));
		assert_int_equal(evq_size(&q), 0);
		assert_int_equal(evq_check(&q), 0);
		now = prev->time_ns;
	}
	evq_fini(&q);
}

/* An event pushed at or just after the time last popped, below the lowest
 * rung's cursor, must come out before everything queued. */
static void test_evq_push_before_cursor_pops_next(void **state)
{
	enum { N = 1000 };
	static struct event ev[N];
	struct event a = { .time_ns = 0, .seq = N };
	struct event b = { .time_ns = 500, .seq = N + 1 };
	struct event c = { .time_ns = 500, .seq = N + 2 };
	struct evq q;
	evq_init(&q);
	for (int i = 0; i < N; i++) {
		ev[i] = (struct event){ .time_ns = (int64_t)i * 1000,
					.seq = (uint64_t)i };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	assert_ptr_equal(evq_pop(&q), &ev[0]);
	assert_true(q.nrungs > 0);
	assert_int_equal(evq_push(&q, &c), 0);
	assert_int_equal(evq_push(&q, &a), 0);
	assert_int_equal(evq_push(&q, &b), 0);
	assert_int_equal(evq_check(&q), 0);
	assert_ptr_equal(evq_pop(&q), &a);
	assert_ptr_equal(evq_pop(&q), &b);
	assert_ptr_equal(evq_pop(&q), &c);
	for (int i = 1; i < N; i++) {
		assert_ptr_equal(evq_pop(&q), &ev[i]);
		/* the engine pushes back, unchanged, an event it popped too
		 * early: it must come out again first */
		if (i % 100 == 0) {
			assert_int_equal(evq_push(&q, &ev[i]), 0);
			assert_ptr_equal(evq_pop(&q), &ev[i]);
		}
	}
	assert_null(evq_pop(&q));
	evq_fini(&q);
}

/* A fresh queue has no buckets on rung 1, so a large bucket of rung 0 is
 * sorted into Bottom whole; an insertion into the middle of that long
 * Bottom must turn it into a rung rather than walk it. */
static void test_evq_long_bottom_becomes_rung(void **state)
{
	enum { N = 1000 };
	static struct event ev[N];
	struct evq q;
	evq_init(&q);
	for (int i = 0; i < N; i++) {
		int64_t t = i < N / 2 ? i : 1000000 + i;
		ev[i] = (struct event){ .time_ns = t, .seq = (uint64_t)i };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	assert_ptr_equal(evq_pop(&q), &ev[0]);
	assert_int_equal(q.nrungs, 1);
	assert_int_equal(q.bottom_count, N / 2 - 1);
	struct event mid = { .time_ns = 250, .seq = N };
	assert_int_equal(evq_push(&q, &mid), 0);
	assert_int_equal(q.nrungs, 2);
	assert_int_equal(q.bottom_count, 0);
	assert_int_equal(evq_check(&q), 0);
	for (int i = 1; i < N; i++) {
		assert_ptr_equal(evq_pop(&q), &ev[i]);
		if (i == 250)
			assert_ptr_equal(evq_pop(&q), &mid);
	}
	assert_null(evq_pop(&q));
	evq_fini(&q);
}

/* evq_each visits every queued event once, wherever it sits: Bottom, the
 * rungs and Top, checked as pops move events between them.  Each visit
 * marks its event (arg counts the visits); the marks must be exactly the
 * events still queued. */
static void mark(void *arg, struct event *ev)
{
	ev->flags++;
	(*(size_t *)arg)++;
}

static void test_evq_each_visits_every_event(void **state)
{
	enum { N = 3000 };
	static struct event ev[N];
	uint64_t s = 31;
	struct evq q;
	evq_init(&q);
	for (int i = 0; i < N; i++) {
		ev[i] = (struct event){ .time_ns = prng_exp(&s, 1e6), .seq = (uint64_t)i };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	static unsigned char popped[N];
	unsigned tiers = 0;          /* which held events at a visit */
	for (int round = 0; round < 6; round++) {
		size_t n = 0;
		for (int i = 0; i < N; i++)
			ev[i].flags = 0;
		evq_each(&q, mark, &n);
		assert_int_equal(n, evq_size(&q));
		for (int i = 0; i < N; i++)
			assert_int_equal(ev[i].flags, popped[i] ? 0 : 1);
		tiers |= (q.top != NULL) | (q.nrungs > 0) << 1 | (q.bottom != NULL) << 2;
		/* pops refill Bottom from the rungs; late pushes go to Top */
		for (int k = 0; k < 400 && evq_size(&q); k++) {
			struct event *e = evq_pop(&q);
			popped[e - ev] = 1;
		}
		for (int k = 0; k < 40; k++) {
			int i = (int)prng_below(&s, N);
			if (!popped[i])
				continue;
			ev[i].time_ns = q.last_pop_ns + 1000000000ll + k;
			ev[i].next = NULL;
			assert_int_equal(evq_push(&q, &ev[i]), 0);
			popped[i] = 0;
		}
	}
	assert_int_equal(tiers, 7);
	for (int i = 0; i < N; i++)
		ev[i].flags = 0;
	assert_int_equal(evq_check(&q), 0);
	evq_fini(&q);
}

/* Nested clusters: each split peels off one outlier and leaves the rest in
 * one bucket, so the ladder reaches EVQ_MAX_RUNGS and the bucket left at the
 * bottom, though it spans several times, is sorted into Bottom whole.  The
 * first rounds grow the deeper rungs one push at a time. */
static void test_evq_deep_clusters_reach_rung_limit(void **state)
{
	enum { NCORE = 80, NOUT = 9, N = NCORE + NOUT };
	static struct event ev[N];
	static struct event *want[N];
	struct evq q;
	evq_init(&q);
	uint64_t s = 61, seq = 0;
	int64_t base = 0;
	int deepest = 0;
	for (int round = 0; round < 12; round++) {
		for (int i = 0; i < N; i++) {
			/* outliers 2^2, 2^9, ..., 2^58: seven bits apart, so
			 * each split of about 80 events peels off one */
			int64_t off = i < NCORE ?
				(int64_t)prng_below(&s, 4) :
				(int64_t)1 << (2 + 7 * (i - NCORE));
			ev[i] = (struct event){ .time_ns = base + off,
						.seq = seq++ };
			want[i] = &ev[i];
			assert_int_equal(evq_push(&q, &ev[i]), 0);
		}
		qsort(want, N, sizeof *want, key_cmp);
		for (int i = 0; i < N; i++) {
			assert_ptr_equal(evq_pop(&q), want[i]);
			if (q.nrungs > deepest)
				deepest = q.nrungs;
			if (i % 50 == 0)
				assert_int_equal(evq_check(&q), 0);
		}
		assert_null(evq_pop(&q));
		base = want[N - 1]->time_ns;
	}
	assert_int_equal(deepest, EVQ_MAX_RUNGS);
	evq_fini(&q);
}

static void test_evq_check_detects_corruption(void **state)
{
	enum { N = 1000 };
	static struct event ev[N];
	struct evq q;
	evq_init(&q);
	for (int i = 0; i < N; i++) {
		ev[i] = (struct event){ .time_ns = (int64_t)i * 1000,
					.seq = (uint64_t)i };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	struct event tie = { .time_ns = 0, .seq = N };
	assert_ptr_equal(evq_pop(&q), &ev[0]);
	assert_int_equal(evq_push(&q, &tie), 0);
	assert_int_equal(evq_check(&q), 0);

	/* an event moved out of its bucket's range */
	int64_t t = ev[900].time_ns;
	ev[900].time_ns = 1;
	assert_int_equal(evq_check(&q), -1);
	ev[900].time_ns = t;
	assert_int_equal(evq_check(&q), 0);

	/* Bottom out of order (tie is in Bottom, below the cursor) */
	assert_ptr_equal(q.bottom, &tie);
	tie.seq = 0;
	tie.time_ns = -1;
	assert_int_equal(evq_check(&q), -1);
	tie.time_ns = 0;
	tie.seq = N;
	assert_int_equal(evq_check(&q), 0);

	/* counts that do not add up */
	q.size++;
	assert_int_equal(evq_check(&q), -1);
	q.size--;
	assert_int_equal(evq_check(&q), 0);
	evq_fini(&q);
}

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifndef TEST_ASAN
/* Bytes of address space the process maps now, from /proc/self/statm;
 * 0 where that cannot be read. */
static size_t mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return (size_t)pages * 4096;
}
#endif

/* With the address space capped a little above what is mapped, Top keeps
 * growing until rung 0's array cannot follow: that push must fail with
 * SIM_ENOMEM and leave the queue as it was, and once memory is back the
 * queue must work on with the same events.  Linux only; skipped under
 * AddressSanitizer, whose shadow memory needs an uncapped address space. */
static void test_evq_push_reports_enomem_and_stays_usable(void **state)
{
#ifdef TEST_ASAN
	skip();
#else
	enum { N = 1 << 19 };
	struct event *ev = calloc(N, sizeof *ev);
	assert_non_null(ev);
	uint64_t s = 91;
	for (size_t i = 0; i < N; i++) {
		ev[i].time_ns = (int64_t)prng_below(&s, 1000000000);
		ev[i].seq = i;
	}
	struct rlimit old;
	size_t mapped = mapped_bytes();
	if (mapped == 0 || getrlimit(RLIMIT_AS, &old) != 0) {
		free(ev);
		skip();
	}
	struct evq q;
	evq_init(&q);
	struct rlimit cap = old;
	cap.rlim_cur = mapped + (512u << 10);
	if (old.rlim_max != RLIM_INFINITY && cap.rlim_cur > old.rlim_max)
		cap.rlim_cur = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_AS, &cap), 0);
	size_t pushed = 0;
	int rc = 0;
	while (pushed < N && (rc = evq_push(&q, &ev[pushed])) == 0)
		pushed++;
	assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);

	assert_int_equal(rc, SIM_ENOMEM);
	assert_true(pushed < N);
	assert_int_equal(evq_size(&q), pushed);
	assert_int_equal(evq_check(&q), 0);
	for (size_t i = pushed; i < N; i++)
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	assert_int_equal(evq_check(&q), 0);
	struct event *prev = NULL;
	for (size_t i = 0; i < N; i++) {
		struct event *e = evq_pop(&q);
		assert_non_null(e);
		if (prev)
			assert_true(event_before(prev, e));
		prev = e;
	}
	assert_null(evq_pop(&q));
	evq_fini(&q);
	free(ev);
#endif
}

/*
 * Differential driver: a pool of events, a free list, and both queues.
 */

enum pattern {
	PAT_EXP,      /* exponential, mean 1 us */
	PAT_UNIFORM,  /* uniform on [0, 2 us] */
	PAT_ZERO,     /* always 0: every push ties with the time just popped */
	PAT_TIES,     /* mostly 0 or 1 ns, sometimes 1 us */
	PAT_BIMODAL,  /* mostly short, one in ten up to 10^17 ns ahead */
	PAT_MIXED,    /* each draw picks one of the above */
	NPATTERNS
};

static int64_t draw_incr(uint64_t *s, enum pattern p)
{
	switch (p) {
	case PAT_EXP:
		return prng_exp(s, 1000.0);
	case PAT_UNIFORM:
		return (int64_t)prng_below(s, 2001);
	case PAT_ZERO:
		return 0;
	case PAT_TIES: {
		uint64_t r = prng_below(s, 10);
		return r < 6 ? 0 : r < 9 ? 1 : 1000;
	}
	case PAT_BIMODAL:
		if (prng_below(s, 10) == 0)
			return (int64_t)prng_below(s, 100000000000000000ull);
		return prng_exp(s, 100.0);
	case PAT_MIXED:
		return draw_incr(s, (enum pattern)prng_below(s, PAT_MIXED));
	case NPATTERNS:
		break;
	}
	return 0;
}

struct diff {
	struct evq q;
	struct heapq h;
	struct event *pool;
	struct event **free;
	size_t nfree, cap;
	uint64_t seed, seq;
	int64_t now_ns;
	unsigned long ops;
};

static void diff_init(struct diff *d, size_t cap, uint64_t seed,
		      int64_t now_ns)
{
	evq_init(&d->q);
	heapq_init(&d->h);
	d->pool = calloc(cap, sizeof *d->pool);
	d->free = calloc(cap, sizeof *d->free);
	assert_non_null(d->pool);
	assert_non_null(d->free);
	for (size_t i = 0; i < cap; i++)
		d->free[i] = &d->pool[cap - 1 - i];
	d->nfree = d->cap = cap;
	d->seed = seed;
	d->seq = 0;
	d->now_ns = now_ns;
	d->ops = 0;
}

static void diff_check(struct diff *d)
{
	assert_int_equal(evq_size(&d->q), heapq_size(&d->h));
	assert_int_equal(evq_size(&d->q) + d->nfree, d->cap);
	assert_int_equal(evq_check(&d->q), 0);
	assert_int_equal(heapq_check(&d->h), 0);
}

static void diff_tick(struct diff *d)
{
	if (++d->ops % 211 == 0)
		diff_check(d);
}

static void diff_push(struct diff *d, struct event *ev, enum pattern p)
{
	ev->time_ns = add_sat(d->now_ns, draw_incr(&d->seed, p));
	ev->seq = d->seq++;
	assert_int_equal(evq_push(&d->q, ev), 0);
	assert_int_equal(heapq_push(&d->h, ev), 0);
	diff_tick(d);
}

static struct event *diff_pop(struct diff *d)
{
	struct event *e = evq_pop(&d->q);
	struct event *h = heapq_pop(&d->h);
	assert_ptr_equal(e, h);
	if (e) {
		assert_true(e->time_ns >= d->now_ns);
		d->now_ns = e->time_ns;
	}
	return e;
}

static void diff_push_new(struct diff *d, size_t n, enum pattern p)
{
	for (size_t i = 0; i < n && d->nfree > 0; i++)
		diff_push(d, d->free[--d->nfree], p);
}

static void diff_drain(struct diff *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct event *e = diff_pop(d);
		if (!e)
			break;
		d->free[d->nfree++] = e;
		diff_tick(d);
	}
}

/* The hold model: pop one, push it back at now + increment. */
static void diff_hold(struct diff *d, size_t n, enum pattern p)
{
	for (size_t i = 0; i < n; i++) {
		struct event *e = diff_pop(d);
		assert_non_null(e);
		diff_push(d, e, p);
	}
}

static void diff_fini(struct diff *d)
{
	diff_drain(d, d->cap);
	assert_null(evq_pop(&d->q));
	assert_null(heapq_pop(&d->h));
	diff_check(d);
	evq_fini(&d->q);
	heapq_fini(&d->h);
	free(d->pool);
	free(d->free);
}

static const uint64_t seeds[] = { 1, 2, 3, 0x5eed, 0xdeadbeefcafef00dull };
#define NSEEDS (sizeof seeds / sizeof seeds[0])

/* Prefill with the pattern, hold at two sizes, drain, refill and hold
 * again: each seed runs the ladder through many Top transfers. */
static void run_hold(enum pattern p, int64_t base_ns)
{
	for (size_t k = 0; k < NSEEDS; k++) {
		struct diff d;
		diff_init(&d, 6000, seeds[k], base_ns);
		diff_push_new(&d, 300, p);
		diff_hold(&d, 6000, p);
		diff_push_new(&d, 5700, p);
		diff_hold(&d, 30000, p);
		diff_drain(&d, 5990);
		diff_hold(&d, 2000, p);
		diff_drain(&d, 10);
		diff_check(&d);
		diff_push_new(&d, 4000, p);
		diff_hold(&d, 12000, p);
		diff_fini(&d);
	}
}

static void test_evq_matches_heapq_hold_exponential(void **state)
{
	run_hold(PAT_EXP, 0);
}

static void test_evq_matches_heapq_hold_uniform(void **state)
{
	run_hold(PAT_UNIFORM, 0);
}

static void test_evq_matches_heapq_hold_zero_increments(void **state)
{
	/* PAT_ZERO alone never leaves the prefill time, so prefill with
	 * spread times and hold with zero increments */
	for (size_t k = 0; k < NSEEDS; k++) {
		struct diff d;
		diff_init(&d, 4000, seeds[k], 0);
		diff_push_new(&d, 4000, PAT_EXP);
		diff_hold(&d, 20000, PAT_ZERO);
		diff_hold(&d, 5000, PAT_TIES);
		diff_hold(&d, 5000, PAT_ZERO);
		diff_fini(&d);
	}
}

static void test_evq_matches_heapq_hold_ties(void **state)
{
	run_hold(PAT_TIES, 0);
}

static void test_evq_matches_heapq_hold_bimodal(void **state)
{
	run_hold(PAT_BIMODAL, 0);
}

static void test_evq_matches_heapq_hold_large_times(void **state)
{
	run_hold(PAT_MIXED, INT64_MAX / 4);
	run_hold(PAT_BIMODAL, INT64_MAX - 1000000000000000000ll);
}

/* Bursts of pushes, then partial or complete drains, with every pattern. */
static void test_evq_matches_heapq_bursts_and_drains(void **state)
{
	for (size_t k = 0; k < NSEEDS; k++) {
		struct diff d;
		uint64_t s = seeds[k] ^ 0xb0b;
		diff_init(&d, 8000, seeds[k], 0);
		for (int round = 0; round < 60; round++) {
			enum pattern p = (enum pattern)(round % NPATTERNS);
			size_t push = (size_t)prng_below(&s, 3000) + 1;
			diff_push_new(&d, push, p);
			size_t size = evq_size(&d.q);
			size_t pop = round % 7 == 6 ? size :
				     (size_t)prng_below(&s, size + 1);
			diff_drain(&d, pop);
			if (round % 5 == 0)
				diff_hold(&d, evq_size(&d.q), p);
			diff_check(&d);
		}
		diff_fini(&d);
	}
}

/* Once the hold model has reached its high-water mark, holds allocate
 * nothing: every rung keeps its array. */
/* A small queue's Bottom while rungs wait to grow (want_any): the push
 * goes the general way, which must still take the ends.  Built as the
 * engine can reach it: a rung too small for the bucket it splits sorts
 * that bucket into Bottom and asks the next push to grow it; pops then
 * leave fewer than EVQ_SMALL events and no rung.  An event before the
 * head must come out first, and two after the tail must both come out. */
static void test_evq_small_bottom_while_rungs_wait(void **state)
{
	enum { N = 60, M = 200 };
	static struct event ev[N], burst[M];
	struct event early = { 0 }, late[2] = { { 0 } };
	struct evq q;
	evq_init(&q);
	uint64_t seq = 0;
	for (int i = 0; i < N; i++) {
		ev[i] = (struct event){ .time_ns = (int64_t)i * 10000000, .seq = seq++ };
		assert_int_equal(evq_push(&q, &ev[i]), 0);
	}
	for (int i = 0; i < N - 1; i++)
		assert_ptr_equal(evq_pop(&q), &ev[i]);
	for (int k = 0; k < M; k++) {
		burst[k] = (struct event){ .time_ns = 587300000 + (int64_t)k * 10000, .seq = seq++ };
		assert_int_equal(evq_push(&q, &burst[k]), 0);
	}
	/* the order they come out in: the burst around the last of ev */
	struct event *want[M + 1];
	size_t nw = 0;
	for (int k = 0; k < M; k++)
		if (burst[k].time_ns < ev[N - 1].time_ns)
			want[nw++] = &burst[k];
	want[nw++] = &ev[N - 1];
	for (int k = 0; k < M; k++)
		if (burst[k].time_ns >= ev[N - 1].time_ns)
			want[nw++] = &burst[k];
	size_t popped = 0;
	/* this pop takes the bucket: the rung is spent, and the 200 left
	 * go to Bottom unsplit, the rung to split them wanting room */
	assert_ptr_equal(evq_pop(&q), want[popped++]);
	assert_true(q.want_any && q.nrungs == 0 && q.bottom_count == M);
	while (q.bottom_count >= 11)
		assert_ptr_equal(evq_pop(&q), want[popped++]);
	assert_true(q.want_any && q.nrungs == 0 && !q.top && q.bottom_count < EVQ_SMALL);
	int64_t last = want[popped - 1]->time_ns;
	early = (struct event){ .time_ns = last + 1, .seq = seq++ };
	assert_true(early.time_ns < q.bottom->time_ns);
	assert_int_equal(evq_push(&q, &early), 0);
	assert_int_equal(evq_check(&q), 0);
	late[0] = (struct event){ .time_ns = 600000000, .seq = seq++ };
	late[1] = (struct event){ .time_ns = 601000000, .seq = seq++ };
	assert_int_equal(evq_push(&q, &late[0]), 0);
	assert_int_equal(evq_push(&q, &late[1]), 0);
	assert_int_equal(evq_check(&q), 0);
	assert_ptr_equal(evq_pop(&q), &early);
	while (popped < nw)
		assert_ptr_equal(evq_pop(&q), want[popped++]);
	assert_ptr_equal(evq_pop(&q), &late[0]);
	assert_ptr_equal(evq_pop(&q), &late[1]);
	assert_null(evq_pop(&q));
	evq_fini(&q);
}

static void test_evq_steady_state_keeps_arrays(void **state)
{
	struct diff d;
	diff_init(&d, 20000, 77, 0);
	diff_push_new(&d, 20000, PAT_EXP);
	diff_hold(&d, 200000, PAT_EXP);
	struct event **bucket[EVQ_MAX_RUNGS];
	size_t cap[EVQ_MAX_RUNGS];
	for (int k = 0; k < EVQ_MAX_RUNGS; k++) {
		bucket[k] = d.q.rung[k].bucket;
		cap[k] = d.q.rung[k].cap;
	}
	assert_true(cap[0] >= 20000);
	diff_hold(&d, 100000, PAT_EXP);
	for (int k = 0; k < EVQ_MAX_RUNGS; k++) {
		assert_ptr_equal(d.q.rung[k].bucket, bucket[k]);
		assert_int_equal(d.q.rung[k].cap, cap[k]);
	}
	diff_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heapq_empty_pops_null),
		cmocka_unit_test(test_heapq_pops_in_time_order),
		cmocka_unit_test(test_heapq_check_detects_corruption),
		cmocka_unit_test(test_evq_empty_pops_null),
		cmocka_unit_test(test_evq_pops_in_time_order),
		cmocka_unit_test(test_evq_ties_pop_in_seq_order),
		cmocka_unit_test(test_evq_large_and_zero_times),
		cmocka_unit_test(test_evq_empties_and_refills),
		cmocka_unit_test(test_evq_push_before_cursor_pops_next),
		cmocka_unit_test(test_evq_each_visits_every_event),
		cmocka_unit_test(test_evq_long_bottom_becomes_rung),
		cmocka_unit_test(test_evq_deep_clusters_reach_rung_limit),
		cmocka_unit_test(test_evq_check_detects_corruption),
		cmocka_unit_test(test_evq_push_reports_enomem_and_stays_usable),
		cmocka_unit_test(test_evq_matches_heapq_hold_exponential),
		cmocka_unit_test(test_evq_matches_heapq_hold_uniform),
		cmocka_unit_test(test_evq_matches_heapq_hold_zero_increments),
		cmocka_unit_test(test_evq_matches_heapq_hold_ties),
		cmocka_unit_test(test_evq_matches_heapq_hold_bimodal),
		cmocka_unit_test(test_evq_matches_heapq_hold_large_times),
		cmocka_unit_test(test_evq_matches_heapq_bursts_and_drains),
		cmocka_unit_test(test_evq_small_bottom_while_rungs_wait),
		cmocka_unit_test(test_evq_steady_state_keeps_arrays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
