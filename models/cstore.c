/*
 * cstore.c - the entries of one cache node; see cstore.h.
 */
#include "models/cstore.h"

#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

#define NONE UINT32_MAX
#define CSTORE_START 1024u

static inline uint32_t hash32(uint64_t key)
{
	return (uint32_t)(rng_mix64(key) >> 32);
}

/* home: the slot a hash starts its probe at, h scaled to the table */
static inline uint64_t home(const struct cstore *c, uint32_t h)
{
	return ((uint64_t)h * c->size) >> 32;
}

static inline uint64_t next_slot(const struct cstore *c, uint64_t i)
{
	return i + 1 == c->size ? 0 : i + 1;
}

/* find returns key's position in the table, or the empty slot where it
 * would go; *found says which. */
static uint64_t find(const struct cstore *c, uint64_t key, int *found)
{
	uint32_t h = hash32(key);
	uint64_t i = home(c, h);
	while (c->tab[i].e != NONE) {
		if (c->tab[i].h == h && c->ent[c->tab[i].e].key == key) {
			*found = 1;
			return i;
		}
		i = next_slot(c, i);
	}
	*found = 0;
	return i;
}

/* The list an entry is on: the store's (LRU, FIFO) or its frequency
 * node's (LFU). */
static void list_of(struct cstore *c, uint32_t e, uint32_t **head, uint32_t **tail)
{
	if (c->policy == CSTORE_LFU) {
		struct cstore_fnode *f = &c->fn[c->ent[e].fn];
		*head = &f->head, *tail = &f->tail;
	} else {
		*head = &c->head, *tail = &c->tail;
	}
}

static void unlink_ent(struct cstore *c, uint32_t e)
{
	uint32_t *head, *tail;
	list_of(c, e, &head, &tail);
	struct cstore_ent *x = &c->ent[e];
	if (x->prev != NONE)
		c->ent[x->prev].next = x->next;
	else
		*head = x->next;
	if (x->next != NONE)
		c->ent[x->next].prev = x->prev;
	else
		*tail = x->prev;
	x->prev = x->next = NONE;
}

static void append_ent(struct cstore *c, uint32_t e)
{
	uint32_t *head, *tail;
	list_of(c, e, &head, &tail);
	struct cstore_ent *x = &c->ent[e];
	x->prev = *tail;
	x->next = NONE;
	if (*tail != NONE)
		c->ent[*tail].next = e;
	else
		*head = e;
	*tail = e;
}

/* ---- LFU's frequency nodes ---------------------------------------------- */

/* fnode_new takes a node of frequency f and links it after node `after`
 * (NONE: first).  There are never more nodes than entries + 1, and the
 * node array has cap_now + 1 slots, so one is always free. */
static uint32_t fnode_new(struct cstore *c, uint32_t f, uint32_t after)
{
	uint32_t x = c->ffree;
	c->ffree = c->fn[x].next;
	struct cstore_fnode *n = &c->fn[x];
	n->freq = f;
	n->head = n->tail = NONE;
	n->prev = after;
	n->next = after == NONE ? c->fhead : c->fn[after].next;
	if (n->next != NONE)
		c->fn[n->next].prev = x;
	if (after == NONE)
		c->fhead = x;
	else
		c->fn[after].next = x;
	return x;
}

static void fnode_free(struct cstore *c, uint32_t x)
{
	struct cstore_fnode *n = &c->fn[x];
	if (n->prev != NONE)
		c->fn[n->prev].next = n->next;
	else
		c->fhead = n->next;
	if (n->next != NONE)
		c->fn[n->next].prev = n->prev;
	n->next = c->ffree;
	c->ffree = x;
}

static void fnodes_reset(struct cstore *c, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		c->fn[i].next = i + 1 < to ? i + 1 : c->ffree;
	if (from < to)
		c->ffree = from;
}

static void lfu_leave(struct cstore *c, uint32_t e)
{
	uint32_t x = c->ent[e].fn;
	unlink_ent(c, e);
	if (c->fn[x].head == NONE)
		fnode_free(c, x);
}

static void lfu_insert(struct cstore *c, uint32_t e)
{
	uint32_t h = c->fhead;
	if (h == NONE || c->fn[h].freq != 1)
		h = fnode_new(c, 1, NONE);
	c->ent[e].fn = h;
	append_ent(c, e);
}

static void lfu_touch(struct cstore *c, uint32_t e)
{
	uint32_t x = c->ent[e].fn;
	uint32_t f = c->fn[x].freq;
	if (f == UINT32_MAX) {
		/* saturated: the newest among equals */
		unlink_ent(c, e);
		append_ent(c, e);
		return;
	}
	uint32_t y = c->fn[x].next;
	if (y == NONE || c->fn[y].freq != f + 1)
		y = fnode_new(c, f + 1, x);
	lfu_leave(c, e);
	c->ent[e].fn = y;
	append_ent(c, e);
}

/* ---- the map -------------------------------------------------------- */

static void touch(struct cstore *c, uint32_t e)
{
	if (c->policy == CSTORE_LRU) {
		unlink_ent(c, e);
		append_ent(c, e);
	} else if (c->policy == CSTORE_LFU) {
		lfu_touch(c, e);
	}
}

/* remove_at removes entry e, found at table position p, and moves the
 * last entry into its place. */
static void remove_at(struct cstore *c, uint32_t e, uint64_t p)
{
	if (c->policy == CSTORE_LFU)
		lfu_leave(c, e);
	else if (c->policy != CSTORE_RANDOM)
		unlink_ent(c, e);
	/* backward shift: pull up each later entry of the run that may sit
	 * at or before the hole (its home is not cyclically in (i, j]) */
	uint64_t i = p, j = p;
	for (;;) {
		j = next_slot(c, j);
		if (c->tab[j].e == NONE)
			break;
		uint64_t k = home(c, c->tab[j].h);
		if (j > i ? (k <= i || k > j) : (k <= i && k > j)) {
			c->tab[i] = c->tab[j];
			c->ent[c->tab[i].e].slot = (uint32_t)i;
			i = j;
		}
	}
	c->tab[i].e = NONE;
	uint32_t last = --c->count;
	if (e == last)
		return;
	c->ent[e] = c->ent[last];
	c->tab[c->ent[e].slot].e = e;
	struct cstore_ent *x = &c->ent[e];
	if (c->policy != CSTORE_RANDOM) {
		uint32_t *head, *tail;
		list_of(c, e, &head, &tail);
		if (x->prev != NONE)
			c->ent[x->prev].next = e;
		else
			*head = e;
		if (x->next != NONE)
			c->ent[x->next].prev = e;
		else
			*tail = e;
	}
}

/* table_alloc makes a table for n entries, at most 0.7 full, and puts
 * the entries held into it. */
static int table_alloc(struct cstore *c, uint32_t n)
{
	uint64_t size = (uint64_t)n * 10 / 7 + 2;
	struct cstore_slot *tab = malloc(size * sizeof *tab);
	if (!tab)
		return -1;
	for (uint64_t i = 0; i < size; i++)
		tab[i].e = NONE;
	free(c->tab);
	c->tab = tab;
	c->size = size;
	for (uint32_t e = 0; e < c->count; e++) {
		int found;
		uint64_t i = find(c, c->ent[e].key, &found);
		c->tab[i] = (struct cstore_slot){ e, hash32(c->ent[e].key) };
		c->ent[e].slot = (uint32_t)i;
	}
	return 0;
}

static int grow(struct cstore *c)
{
	uint32_t n = c->cap_now > c->capacity / 2 ? c->capacity : c->cap_now * 2;
	struct cstore_ent *ent = realloc(c->ent, (size_t)n * sizeof *ent);
	if (!ent)
		return -1;
	c->ent = ent;
	if (c->policy == CSTORE_LFU) {
		struct cstore_fnode *fn = realloc(c->fn, ((size_t)n + 1) * sizeof *fn);
		if (!fn)
			return -1;
		c->fn = fn;
		fnodes_reset(c, c->cap_now + 1, n + 1);
	}
	if (table_alloc(c, n))
		return -1;
	c->cap_now = n;
	return 0;
}

int cstore_init(struct cstore *c, uint32_t capacity, enum cstore_policy p)
{
	memset(c, 0, sizeof *c);
	c->policy = p;
	c->capacity = capacity;
	c->cap_now = capacity < CSTORE_START ? capacity : CSTORE_START;
	c->head = c->tail = c->fhead = c->ffree = NONE;
	c->ent = malloc((size_t)c->cap_now * sizeof *c->ent);
	if (p == CSTORE_LFU) {
		c->fn = malloc(((size_t)c->cap_now + 1) * sizeof *c->fn);
		if (c->fn)
			fnodes_reset(c, 0, c->cap_now + 1);
	}
	if (!c->ent || (p == CSTORE_LFU && !c->fn) || table_alloc(c, c->cap_now)) {
		cstore_fini(c);
		return -1;
	}
	return 0;
}

void cstore_fini(struct cstore *c)
{
	free(c->ent), free(c->tab), free(c->fn);
	c->ent = NULL, c->tab = NULL, c->fn = NULL;
}

int cstore_get(struct cstore *c, uint64_t key, int64_t now, int64_t refresh_ns)
{
	int found;
	uint64_t p = find(c, key, &found);
	if (!found)
		return 0;
	uint32_t e = c->tab[p].e;
	if (c->ent[e].expire_ns <= now) {
		remove_at(c, e, p);
		c->expirations++;
		return 0;
	}
	if (refresh_ns > 0)
		c->ent[e].expire_ns = now + refresh_ns;
	touch(c, e);
	return 1;
}

int cstore_has(const struct cstore *c, uint64_t key, int64_t now)
{
	int found;
	uint64_t p = find(c, key, &found);
	return found && c->ent[c->tab[p].e].expire_ns > now;
}

int64_t cstore_expiry(const struct cstore *c, uint64_t key)
{
	int found;
	uint64_t p = find(c, key, &found);
	return found ? c->ent[c->tab[p].e].expire_ns : -1;
}

int cstore_put(struct cstore *c, uint64_t key, int64_t expire_ns, gsl_rng *r)
{
	int found;
	uint64_t p = find(c, key, &found);
	if (found) {
		uint32_t e = c->tab[p].e;
		c->ent[e].expire_ns = expire_ns;
		touch(c, e);
		return 0;
	}
	if (c->count == c->cap_now && c->cap_now < c->capacity) {
		if (grow(c))
			return -1;
		p = find(c, key, &found);
	}
	if (c->count == c->capacity) {
		uint32_t v;
		switch (c->policy) {
		case CSTORE_LFU: v = c->fn[c->fhead].head; break;
		case CSTORE_RANDOM: v = (uint32_t)gsl_rng_uniform_int(r, c->count); break;
		default: v = c->head; break;
		}
		remove_at(c, v, c->ent[v].slot);
		c->evictions++;
		p = find(c, key, &found);
	}
	uint32_t e = c->count++;
	c->ent[e] = (struct cstore_ent){ key, expire_ns, NONE, NONE, NONE, (uint32_t)p };
	c->tab[p] = (struct cstore_slot){ e, hash32(key) };
	if (c->policy == CSTORE_LFU)
		lfu_insert(c, e);
	else if (c->policy != CSTORE_RANDOM)
		append_ent(c, e);
	return 0;
}

int cstore_del(struct cstore *c, uint64_t key)
{
	int found;
	uint64_t p = find(c, key, &found);
	if (!found)
		return 0;
	remove_at(c, c->tab[p].e, p);
	return 1;
}

void cstore_clear(struct cstore *c)
{
	for (uint64_t i = 0; i < c->size; i++)
		c->tab[i].e = NONE;
	c->count = 0;
	c->head = c->tail = c->fhead = c->ffree = NONE;
	if (c->policy == CSTORE_LFU)
		fnodes_reset(c, 0, c->cap_now + 1);
}
