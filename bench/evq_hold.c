/*
 * evq_hold.c - the classic hold benchmark for the event queues.
 *
 * The hold model (Jones, "An empirical comparison of priority-queue and
 * event-set implementations", CACM 1986) keeps the queue at a fixed size
 * N: prefill N events, then repeat "pop the earliest, push it back at its
 * time plus an increment".  Increments and prefill times are exponential
 * with mean 1 ms (in nanoseconds), one of the cases the ladder queue paper
 * reports.
 * For each N the program runs N holds (at least 10^5) untimed to settle the
 * structure, then times batches of holds until 0.25 s have passed, and
 * prints the mean cost of one hold for the ladder queue and the heap.
 *
 * Increments come from a table of 2^20 exponential variates drawn once, so
 * the timed loop spends its time in the queue rather than in log().  Both
 * queues see the same prefill and increments, and the untimed holds must
 * pop the same times from both, which the program checks.
 *
 * Usage: evq_hold [N ...]   (default 1000 100000 1000000)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/event.h"
#include "sim/evq.h"
#include "sim/heapq.h"

#define HOLD_MEAN_NS 1e6
#define HOLD_TARGET_S 0.25
#define HOLD_BATCH 65536
#define HOLD_NINC (1u << 20)

static int64_t hold_inc[HOLD_NINC];

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int64_t draw_exp_ns(uint64_t *s)
{
	double u = (double)(splitmix64(s) >> 11) * 0x1p-53;
	return (int64_t)(-HOLD_MEAN_NS * log(1.0 - u));
}

static void die(const char *name, const char *what)
{
	fprintf(stderr, "evq_hold: %s: %s\n", name, what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A queue under test, as a table of its operations. */
struct hold_queue {
	const char *name;
	size_t size;                 /* bytes of state */
	void (*init)(void *q);
	void (*fini)(void *q);
	int (*push)(void *q, struct event *ev);
	struct event *(*pop)(void *q);
};

static void ladder_init(void *q) { evq_init(q); }
static void ladder_fini(void *q) { evq_fini(q); }
static int ladder_push(void *q, struct event *ev) { return evq_push(q, ev); }
static struct event *ladder_pop(void *q) { return evq_pop(q); }
static void heap_init(void *q) { heapq_init(q); }
static void heap_fini(void *q) { heapq_fini(q); }
static int heap_push(void *q, struct event *ev) { return heapq_push(q, ev); }
static struct event *heap_pop(void *q) { return heapq_pop(q); }

#define NQUEUES 2
static const struct hold_queue hold_queues[NQUEUES] = {
	{ .name = "ladder", .size = sizeof(struct evq), .init = ladder_init,
	  .fini = ladder_fini, .push = ladder_push, .pop = ladder_pop },
	{ .name = "heap", .size = sizeof(struct heapq), .init = heap_init,
	  .fini = heap_fini, .push = heap_push, .pop = heap_pop },
};

struct hold_result {
	double ns_per_hold;
	uint64_t check;              /* sum of times popped while settling */
};

/* hold runs `count` holds starting at increment *j; returns the sum of the
 * popped times, or aborts on a queue failure. */
static uint64_t hold(const struct hold_queue *hq, void *q, uint64_t count,
		     uint64_t *j, uint64_t *seq)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < count; i++) {
		struct event *ev = hq->pop(q);
		if (!ev)
			die(hq->name, "queue ran empty");
		sum += (uint64_t)ev->time_ns;
		ev->time_ns += hold_inc[(*j)++ & (HOLD_NINC - 1)];
		ev->seq = (*seq)++;
		if (hq->push(q, ev))
			die(hq->name, "out of memory");
	}
	return sum;
}

static struct hold_result run(const struct hold_queue *hq, size_t n)
{
	struct hold_result res = { 0 };
	struct event *ev = calloc(n, sizeof *ev);
	void *q = malloc(hq->size);
	if (!ev || !q)
		die(hq->name, "out of memory");
	hq->init(q);
	uint64_t s = 12345, seq = 0, j = 0;
	for (size_t i = 0; i < n; i++) {
		ev[i].time_ns = draw_exp_ns(&s);
		ev[i].seq = seq++;
		if (hq->push(q, &ev[i]))
			die(hq->name, "out of memory");
	}
	res.check = hold(hq, q, n < 100000 ? 100000 : n, &j, &seq);

	uint64_t done = 0;
	double t0 = now_s(), t1;
	do {
		hold(hq, q, HOLD_BATCH, &j, &seq);
		done += HOLD_BATCH;
		t1 = now_s();
	} while (t1 - t0 < HOLD_TARGET_S);
	res.ns_per_hold = (t1 - t0) * 1e9 / (double)done;

	hq->fini(q);
	free(q);
	free(ev);
	return res;
}

int main(int argc, char **argv)
{
	enum { MAXSIZES = 16 };
	size_t sizes[MAXSIZES] = { 1000, 100000, 1000000 };
	size_t nsizes = 3;
	if (argc > 1) {
		nsizes = (size_t)argc - 1;
		for (size_t k = 0; k < nsizes; k++) {
			char *end;
			if (k < MAXSIZES)
				sizes[k] = strtoull(argv[k + 1], &end, 10);
			if (k >= MAXSIZES || sizes[k] == 0 || *end) {
				fprintf(stderr, "usage: evq_hold [N ...], "
					"at most %d sizes\n", MAXSIZES);
				return 2;
			}
		}
	}
	uint64_t s = 777;
	for (size_t i = 0; i < HOLD_NINC; i++)
		hold_inc[i] = draw_exp_ns(&s);

	printf("%-6s %8s %12s\n", "queue", "pending", "ns_per_hold");
	for (size_t k = 0; k < nsizes; k++) {
		size_t n = sizes[k];
		uint64_t check = 0;
		for (size_t i = 0; i < NQUEUES; i++) {
			struct hold_result r = run(&hold_queues[i], n);
			printf("%-6s %8zu %12.1f\n", hold_queues[i].name, n,
			       r.ns_per_hold);
			fflush(stdout);
			if (i > 0 && r.check != check)
				die(hold_queues[i].name, "popped other times "
				    "than the first queue");
			check = r.check;
		}
	}
	return 0;
}
