/*
 * pool.c - object pools; see pool.h.
 */
#include "sim/pool.h"

#include <stdint.h>

struct pool_chunk {
	struct pool_chunk *next;
	max_align_t data[];
};

void pool_init(struct pool *p, size_t size, size_t per_chunk)
{
	size_t align = sizeof(max_align_t);
	if (size < sizeof(void *))
		size = sizeof(void *);
	/* round up so every object in a chunk stays aligned */
	p->size = (size + align - 1) / align * align;
	p->per_chunk = per_chunk ? per_chunk : 1024;
	p->free = NULL;
	p->bump = p->bump_end = NULL;
	p->chunks = NULL;
	p->live = 0;
	p->dbg = NULL;
	p->keep = 0;
}

void pool_fini(struct pool *p)
{
	struct pool_chunk *c = p->chunks;
	while (c) {
		struct pool_chunk *next = c->next;
		free(c);
		c = next;
	}
	p->chunks = NULL;
	p->free = NULL;
	p->bump = p->bump_end = NULL;
	while (p->dbg) {
		struct pool_dbg *d = p->dbg;
		p->dbg = d->next;
		free(d);
	}
	p->live = 0;
}

int pool_grow(struct pool *p)
{
	struct pool_chunk *c = malloc(sizeof *c + p->size * p->per_chunk);
	if (!c)
		return -1;
	c->next = p->chunks;
	p->chunks = c;
	p->bump = (char *)c->data;
	p->bump_end = p->bump + p->size * p->per_chunk;
	return 0;
}
