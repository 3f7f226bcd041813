/*
 * mm1_loop.c - the yardstick: a minimal hand-written M/M/1 event loop.
 *
 * No generality at all: one queue, two event kinds, a binary heap of
 * (time, kind) pairs, xoshiro256++ with inline exponential draws, the
 * response-time sum as its only statistic.  `make bench` runs it next to
 * build/archsim on the same M/M/1 and reports the ratio of their speeds;
 * the ratio, not either figure alone, is what is compared across machines.
 *
 *   mm1_loop N RHO   simulate N customers at utilisation RHO (mu = 1)
 * prints: requests events wall_s mean_response
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct ev {
	double t;
	int kind;      /* 0 arrival, 1 departure */
};

static struct ev *heap;
static size_t hn;

static void push(double t, int kind)
{
	size_t i = hn++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (heap[p].t <= t)
			break;
		heap[i] = heap[p];
		i = p;
	}
	heap[i].t = t;
	heap[i].kind = kind;
}

static struct ev pop(void)
{
	struct ev top = heap[0], last = heap[--hn];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= hn)
			break;
		if (c + 1 < hn && heap[c + 1].t < heap[c].t)
			c++;
		if (last.t <= heap[c].t)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = last;
	return top;
}

static uint64_t s[4] = { 0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull,
			 0x94d049bb133111ebull, 0x2545f4914f6cdd1dull };

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(void)
{
	uint64_t r = rotl(s[0] + s[3], 23) + s[0], t = s[1] << 17;
	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t; s[3] = rotl(s[3], 45);
	return r;
}

static inline double expo(double mean)
{
	return -mean * log(((double)(next() >> 11) + 0.5) * 0x1.0p-53);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	double rho = argc > 2 ? atof(argv[2]) : 0.9;
	heap = malloc(16 * sizeof *heap);
	/* FIFO of arrival times of customers in the system */
	size_t cap = 1 << 20, head = 0, len = 0;
	double *fifo = malloc(cap * sizeof *fifo);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	long done = 0, events = 0;
	double sum = 0, now;
	push(expo(1 / rho), 0);
	while (done < n) {
		struct ev e = pop();
		now = e.t;
		events++;
		if (e.kind == 0) {
			push(now + expo(1 / rho), 0);
			if (len == cap) {
				fifo = realloc(fifo, 2 * cap * sizeof *fifo);
				for (size_t i = 0; i < head; i++)
					fifo[cap + i] = fifo[i];
				cap *= 2;
			}
			fifo[(head + len++) & (cap - 1)] = now;
			if (len == 1)
				push(now + expo(1), 1);
		} else {
			sum += now - fifo[head];
			head = (head + 1) & (cap - 1);
			len--;
			done++;
			if (len)
				push(now + expo(1), 1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double wall = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
	printf("%ld %ld %.6f %.6f\n", n, events, wall, sum / n);
	free(heap);
	free(fifo);
	return 0;
}
