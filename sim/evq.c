/*
 * evq.c - the ladder queue; see evq.h for the algorithm and its bounds.
 *
 * Invariants, all checked by evq_check():
 *
 *   - rung[0].last_ns == ladder_max_ns, and rung[k].last_ns ==
 *     rung[k-1].cur_ns - 1: each rung ends where the one above resumes;
 *   - on every rung cur < nbuckets, buckets before cur are empty, and an
 *     event in bucket i lies in [start + i*w, start + (i+1)*w - 1], or in
 *     [start + i*w, last_ns] for the last bucket;
 *   - Bottom is sorted and earlier than the lowest rung's cur_ns (or not
 *     later than ladder_max_ns when there are no rungs);
 *   - every rung has an event in its last bucket (the one at the maximum
 *     it was built from), so a rung is never empty and the cursor's scan
 *     for the next non-empty bucket cannot run off the end;
 *   - with rungs or Bottom non-empty, Top is later than ladder_max_ns.
 *     With both empty, ladder_max_ns means nothing and every push goes to
 *     Top.
 */
#include "sim/evq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

void evq_init(struct evq *q)
{
	memset(q, 0, sizeof *q);
	q->last_pop_ns = INT64_MIN;
}

void evq_fini(struct evq *q)
{
	for (int k = 0; k < EVQ_MAX_RUNGS; k++)
		free(q->rung[k].bucket);
	evq_init(q);
}

/* evq_grow makes room for at least `need` buckets on rung k, keeping its
 * contents.  Growth at least doubles, so a rising high-water mark costs
 * amortised O(1) per bucket. */
static int evq_grow(struct evq *q, int k, size_t need)
{
	struct evq_rung *r = &q->rung[k];
	if (need <= r->cap)
		return 0;
	size_t cap = r->cap < 32 ? 64 : r->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof *r->bucket)
			return SIM_ENOMEM;
		cap *= 2;
	}
	struct event **b = realloc(r->bucket, cap * sizeof *b);
	if (!b)
		return SIM_ENOMEM;
	r->bucket = b;
	r->cap = cap;
	return 0;
}

/* Offset of t from a rung's start, exact for any two int64_t times with
 * t >= start: unsigned subtraction is modular and the true difference fits
 * in 64 unsigned bits. */
static inline uint64_t evq_off(int64_t t, int64_t start)
{
	return (uint64_t)t - (uint64_t)start;
}

/* Lower edge of bucket i.  start + i*w never exceeds the rung's last time,
 * so the modular sum converts back to the true value. */
static inline int64_t evq_edge(const struct evq_rung *r, size_t i)
{
	return (int64_t)((uint64_t)r->start_ns + ((uint64_t)i << r->shift));
}

static inline size_t evq_index(const struct evq_rung *r, int64_t t)
{
	uint64_t i = evq_off(t, r->start_ns) >> r->shift;
	/* the last bucket reaches up to last_ns, beyond its nominal width */
	return i < r->nbuckets ? (size_t)i : r->nbuckets - 1;
}

static struct event *evq_merge(struct event *a, struct event *b)
{
	struct event head, *t = &head;
	while (a && b) {
		if (event_before(b, a)) {
			t->next = b;
			b = b->next;
		} else {
			t->next = a;
			a = a->next;
		}
		t = t->next;
	}
	t->next = a ? a : b;
	return head.next;
}

/* evq_sort sorts a list in event_before() order, bottom-up: bin[i] holds a
 * sorted run of 2^i events, merged in like a binary counter, so the sort is
 * O(n log n) with no allocation and no recursion.  Stores the last event in
 * *tail. */
static struct event *evq_sort(struct event *list, struct event **tail)
{
	struct event *bin[64] = { 0 };
	int nbins = 0;
	while (list) {
		struct event *run = list;
		list = list->next;
		run->next = NULL;
		int i;
		for (i = 0; i < nbins && bin[i]; i++) {
			run = evq_merge(bin[i], run);
			bin[i] = NULL;
		}
		bin[i] = run;
		if (i == nbins)
			nbins++;
	}
	struct event *out = NULL;
	for (int i = 0; i < nbins; i++)
		if (bin[i])
			out = evq_merge(bin[i], out);
	struct event *t = out;
	while (t && t->next)
		t = t->next;
	*tail = t;
	return out;
}

/* A small bucket is sorted as an array of keys copied out of its events:
 * insertion sort, which for the few events a bucket usually holds beats
 * merging lists, and touches no event memory while it runs. */
struct evq_key {
	int64_t time_ns;
	uint64_t seq;
	struct event *ev;
};

static void evq_sort_keys(struct evq_key *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct evq_key x = a[i];
		size_t j = i;
		while (j > 0 && (x.time_ns < a[j - 1].time_ns ||
				 (x.time_ns == a[j - 1].time_ns &&
				  x.seq < a[j - 1].seq))) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

static void evq_set_bottom(struct evq *q, struct event *list, size_t n)
{
	q->bottom = evq_sort(list, &q->bottom_tail);
	q->bottom_count = n;
}

/* evq_keys_to_bottom links n >= 1 sorted keys into Bottom. */
static void evq_keys_to_bottom(struct evq *q, struct evq_key *key, size_t n)
{
	for (size_t j = 0; j + 1 < n; j++)
		key[j].ev->next = key[j + 1].ev;
	key[n - 1].ev->next = NULL;
	q->bottom = key[0].ev;
	q->bottom_tail = key[n - 1].ev;
	q->bottom_count = n;
}

/* evq_spawn builds rung k from a list of n >= 2 events whose times span
 * [min, max] with min < max; the rung covers [min, last].  The width is the
 * smallest power of two 2^s with (max - min) >> s < n, so there are at most
 * n buckets and min and max land in different ones.  Returns 0, or -1 when
 * rung k's array is too small; then nothing changes and the next push is
 * asked to grow it. */
static int evq_spawn(struct evq *q, int k, struct event *list, size_t n,
		     int64_t min, int64_t max, int64_t last)
{
	struct evq_rung *r = &q->rung[k];
	assert(n >= 2 && min < max && max <= last);
	uint64_t span = evq_off(max, min);
	unsigned s = 0;
	for (uint64_t w = span / n; w; w >>= 1)
		s++;
	size_t nb = (size_t)(span >> s) + 1;
	assert(nb >= 2 && nb <= n);
	if (nb > r->cap) {
		if (nb > r->want)
			r->want = nb;
		q->want_any = 1;
		return -1;
	}
	memset(r->bucket, 0, nb * sizeof *r->bucket);
	r->nbuckets = nb;
	r->cur = 0;
	r->count = n;
	r->start_ns = min;
	r->cur_ns = min;
	r->last_ns = last;
	r->shift = s;
	r->warm = 0;
	while (list) {
		struct event *ev = list;
		list = list->next;
		/* no clamp needed: ev->time_ns <= max */
		size_t i = (size_t)(evq_off(ev->time_ns, min) >> s);
		ev->next = r->bucket[i];
		r->bucket[i] = ev;
	}
	q->nrungs = k + 1;
	return 0;
}

/* evq_warm walks the lists of buckets [i, i + EVQ_WARM) together, one node
 * of each per round, so that their cache misses overlap instead of
 * following one another down each list.  The refills that take these
 * buckets then find their events in cache.  Events pushed into them later
 * were touched by the push and are likely still cached. */
static void evq_warm(const struct evq_rung *r, size_t i)
{
	const struct event *p[EVQ_WARM];
	size_t m = 0;
	size_t end = r->nbuckets - i < EVQ_WARM ? r->nbuckets : i + EVQ_WARM;
	for (size_t j = i; j < end; j++)
		if (r->bucket[j])
			p[m++] = r->bucket[j];
	while (m) {
		for (size_t k = 0; k < m;) {
			const struct event *e = p[k]->next;
			if (e) {
				/* the key may lie on the line before next's */
				__builtin_prefetch(e);
				p[k++] = e;
			} else {
				p[k] = p[--m];
			}
		}
	}
}

/* evq_top_to_ladder empties Top into rung 0, or into Bottom when it is small
 * or all at one time.  Called with no rungs and Bottom empty. */
static void evq_top_to_ladder(struct evq *q)
{
	struct event *list = q->top;
	size_t n = q->top_count;
	int64_t min = q->top_min_ns, max = q->top_max_ns;
	q->top = NULL;
	q->top_count = 0;
	q->ladder_max_ns = max;
	if (n <= 2) {
		/* an idle M/M/1's next arrival and departure: the order of
		 * two needs no key array */
		struct event *a = list, *b = list->next;
		if (b && event_before(b, a)) {
			struct event *t = a;
			a = b;
			b = t;
		}
		a->next = b;
		if (b)
			b->next = NULL;
		q->bottom = a;
		q->bottom_tail = b ? b : a;
		q->bottom_count = n;
		return;
	}
	if (n <= EVQ_THRES) {
		/* the common case of a small queue (an M/M/1 holds two
		 * events): a key-array sort, as for a small bucket */
		struct evq_key key[EVQ_THRES];
		size_t m = 0;
		for (struct event *ev = list; ev; ev = ev->next, m++) {
			key[m].time_ns = ev->time_ns;
			key[m].seq = ev->seq;
			key[m].ev = ev;
		}
		evq_sort_keys(key, m);
		evq_keys_to_bottom(q, key, m);
		return;
	}
	if (min < max && evq_spawn(q, 0, list, n, min, max, max) == 0)
		return;
	evq_set_bottom(q, list, n);
}

/* evq_refill puts the next events into Bottom, which is empty.  Returns 0
 * when the whole queue is empty. */
static int evq_refill(struct evq *q)
{
	assert(!q->bottom && q->bottom_count == 0);
	for (;;) {
		if (q->nrungs == 0) {
			if (!q->top)
				return 0;
			evq_top_to_ladder(q);
			if (q->bottom)
				return 1;
			continue;
		}
		/* The scan ends inside the rung: its last bucket holds the
		 * event at the maximum the rung was built from until the
		 * cursor takes that bucket, and then the rung is dropped. */
		struct evq_rung *r = &q->rung[q->nrungs - 1];
		assert(r->count > 0 && r->bucket[r->nbuckets - 1]);
		size_t i = r->cur;
		while (!r->bucket[i])
			i++;
		if (i >= r->warm) {
			evq_warm(r, i);
			r->warm = i + EVQ_WARM;
		}
		struct event *list = r->bucket[i];
		r->bucket[i] = NULL;
		int64_t hi;
		if (i + 1 == r->nbuckets) {
			/* last bucket: the rung is spent, and its child (if the
			 * bucket splits) takes its place */
			hi = r->last_ns;
			r->cur = i + 1;
			q->nrungs--;
		} else {
			r->cur = i + 1;
			r->cur_ns = evq_edge(r, i + 1);
			hi = r->cur_ns - 1;
		}
		/* one pass: count, range, and the keys of a small bucket */
		struct evq_key key[EVQ_THRES];
		size_t n = 0;
		int64_t min = list->time_ns, max = min;
		for (struct event *ev = list; ev; ev = ev->next) {
			if (n < EVQ_THRES) {
				key[n].time_ns = ev->time_ns;
				key[n].seq = ev->seq;
				key[n].ev = ev;
			}
			n++;
			if (ev->time_ns < min)
				min = ev->time_ns;
			if (ev->time_ns > max)
				max = ev->time_ns;
		}
		r->count -= n;
		if (n <= EVQ_THRES) {
			evq_sort_keys(key, n);
			evq_keys_to_bottom(q, key, n);
			return 1;
		}
		if (min < max && q->nrungs < EVQ_MAX_RUNGS &&
		    evq_spawn(q, q->nrungs, list, n, min, max, hi) == 0)
			continue;
		evq_set_bottom(q, list, n);
		return 1;
	}
}

/* evq_grow_wanted grows the rungs a refill found too small.  Best effort: a
 * failure only leaves those rungs sorting their buckets into Bottom. */
static void evq_grow_wanted(struct evq *q)
{
	for (int k = 0; k < EVQ_MAX_RUNGS; k++) {
		if (q->rung[k].want > q->rung[k].cap)
			(void)evq_grow(q, k, q->rung[k].want);
		q->rung[k].want = 0;
	}
	q->want_any = 0;
}

/* evq_bottom_to_rung turns Bottom into a new lowest rung, so that a long
 * Bottom is not walked by insertions.  Needs at least two distinct times in
 * Bottom and a free rung; may allocate. */
static int evq_bottom_to_rung(struct evq *q)
{
	int k = q->nrungs;
	int rc = evq_grow(q, k, q->bottom_count);
	if (rc)
		return rc;
	int64_t last = k ? q->rung[k - 1].cur_ns - 1 : q->ladder_max_ns;
	rc = evq_spawn(q, k, q->bottom, q->bottom_count, q->bottom->time_ns,
		       q->bottom_tail->time_ns, last);
	assert(rc == 0);
	(void)rc;
	q->bottom = q->bottom_tail = NULL;
	q->bottom_count = 0;
	return 0;
}

static void evq_rung_add(struct evq_rung *r, struct event *ev)
{
	size_t i = evq_index(r, ev->time_ns);
	ev->next = r->bucket[i];
	r->bucket[i] = ev;
	r->count++;
}

int evq_push_slow(struct evq *q, struct event *ev)
{
	int64_t t = ev->time_ns;
	assert(t >= q->last_pop_ns);
	if (q->want_any)
		evq_grow_wanted(q);

	if (q->nrungs == 0 && !q->top && q->bottom && q->bottom_count < EVQ_SMALL) {
		/* small queue (see evq.h): Bottom alone, sorted.  evq_push
		 * takes the ends inline, but not while rungs wait to grow
		 * (want_any), so they are taken here too */
		if (evq_push_end(q, ev))
			return 0;
		struct event *b = q->bottom;
		while (b->next && event_before(b->next, ev))
			b = b->next;
		ev->next = b->next;
		b->next = ev;
		q->bottom_count++;
		q->size++;
		return 0;
	}
	if ((q->nrungs == 0 && !q->bottom) || t > q->ladder_max_ns) {
		/* Rung 0 must have a bucket per Top event by the time Top moves
		 * down, since pop cannot allocate. */
		if (q->top_count >= EVQ_THRES &&
		    evq_grow(q, 0, q->top_count + 1))
			return SIM_ENOMEM;
		if (!q->top) {
			q->top_min_ns = q->top_max_ns = t;
		} else if (t < q->top_min_ns) {
			q->top_min_ns = t;
		} else if (t > q->top_max_ns) {
			q->top_max_ns = t;
		}
		ev->next = q->top;
		q->top = ev;
		q->top_count++;
		q->size++;
		return 0;
	}

	for (int k = 0; k < q->nrungs; k++) {
		if (t >= q->rung[k].cur_ns) {
			evq_rung_add(&q->rung[k], ev);
			q->size++;
			return 0;
		}
	}

	/* Bottom: O(1) at either end, else a walk, unless Bottom is long
	 * enough to be worth a rung of its own. */
	struct event *b = q->bottom;
	if (!b) {
		ev->next = NULL;
		q->bottom = q->bottom_tail = ev;
	} else if (!event_before(ev, q->bottom_tail)) {
		ev->next = NULL;
		q->bottom_tail->next = ev;
		q->bottom_tail = ev;
	} else if (event_before(ev, b)) {
		ev->next = b;
		q->bottom = ev;
	} else if (q->bottom_count > EVQ_BOTTOM_MAX &&
		   q->nrungs < EVQ_MAX_RUNGS &&
		   b->time_ns < q->bottom_tail->time_ns) {
		if (evq_bottom_to_rung(q))
			return SIM_ENOMEM;
		/* ev is after the old head, so at or past the new cursor */
		assert(t >= q->rung[q->nrungs - 1].cur_ns);
		evq_rung_add(&q->rung[q->nrungs - 1], ev);
		q->size++;
		return 0;
	} else {
		while (b->next && event_before(b->next, ev))
			b = b->next;
		ev->next = b->next;
		b->next = ev;
	}
	q->bottom_count++;
	q->size++;
	return 0;
}

struct event *evq_peek_refill(struct evq *q)
{
	if (!q->bottom && !evq_refill(q))
		return NULL;
	return q->bottom;
}

struct event *evq_pop_refill(struct evq *q)
{
	if (!evq_refill(q))
		return NULL;
	return evq_pop(q);
}

static int evq_check_rung(const struct evq *q, int k, size_t *total)
{
	const struct evq_rung *r = &q->rung[k];
	if (r->nbuckets < 1 || r->nbuckets > r->cap || r->cur >= r->nbuckets ||
	    r->shift > 63 || r->bucket == NULL)
		return -1;
	if (r->start_ns > r->last_ns || r->cur_ns != evq_edge(r, r->cur) ||
	    r->cur_ns > r->last_ns)
		return -1;
	/* the last bucket's lower edge must be inside the rung */
	if (evq_off(r->last_ns, r->start_ns) >> r->shift < r->nbuckets - 1)
		return -1;
	int64_t last = k ? q->rung[k - 1].cur_ns - 1 : q->ladder_max_ns;
	if (r->last_ns != last)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < r->nbuckets; i++) {
		if (i < r->cur) {
			if (r->bucket[i])
				return -1;
			continue;
		}
		int64_t lo = evq_edge(r, i);
		int64_t hi = i + 1 < r->nbuckets ? evq_edge(r, i + 1) - 1 :
						   r->last_ns;
		for (const struct event *ev = r->bucket[i]; ev; ev = ev->next) {
			if (ev->time_ns < lo || ev->time_ns > hi ||
			    ev->time_ns < q->last_pop_ns || ++n > q->size)
				return -1;
		}
	}
	if (n != r->count || !r->bucket[r->nbuckets - 1])
		return -1;
	*total += n;
	return 0;
}

void evq_each(const struct evq *q, void (*fn)(void *arg, struct event *ev), void *arg)
{
	for (struct event *ev = q->bottom; ev; ev = ev->next)
		fn(arg, ev);
	for (int k = 0; k < q->nrungs; k++) {
		const struct evq_rung *r = &q->rung[k];
		for (size_t i = r->cur; i < r->nbuckets; i++)
			for (struct event *ev = r->bucket[i]; ev; ev = ev->next)
				fn(arg, ev);
	}
	for (struct event *ev = q->top; ev; ev = ev->next)
		fn(arg, ev);
}

int evq_check(const struct evq *q)
{
	size_t total = 0;
	if (q->nrungs < 0 || q->nrungs > EVQ_MAX_RUNGS)
		return -1;
	for (int k = 0; k < q->nrungs; k++)
		if (evq_check_rung(q, k, &total))
			return -1;

	size_t n = 0;
	const struct event *prev = NULL;
	for (const struct event *ev = q->bottom; ev; ev = ev->next) {
		if (++n > q->size || ev->time_ns < q->last_pop_ns)
			return -1;
		if (prev && !event_before(prev, ev))
			return -1;
		prev = ev;
	}
	if (n != q->bottom_count || prev != q->bottom_tail)
		return -1;
	if (prev) {
		if (q->nrungs ? prev->time_ns >= q->rung[q->nrungs - 1].cur_ns :
				prev->time_ns > q->ladder_max_ns)
			return -1;
	}
	total += n;

	int ladder = q->nrungs > 0 || q->bottom;
	n = 0;
	int64_t min = INT64_MAX, max = INT64_MIN;
	for (const struct event *ev = q->top; ev; ev = ev->next) {
		if (++n > q->size || ev->time_ns < q->last_pop_ns)
			return -1;
		if (ladder && ev->time_ns <= q->ladder_max_ns)
			return -1;
		if (ev->time_ns < min)
			min = ev->time_ns;
		if (ev->time_ns > max)
			max = ev->time_ns;
	}
	if (n != q->top_count)
		return -1;
	if (n && (min != q->top_min_ns || max != q->top_max_ns))
		return -1;
	/* pop must never need to allocate for Top */
	if (n > EVQ_THRES && q->rung[0].cap < n)
		return -1;
	total += n;
	return total == q->size ? 0 : -1;
}
