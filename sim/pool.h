/*
 * pool.h - fixed-size object pools with a free list.
 *
 * Events and requests are created and dropped millions of times a second;
 * a pool hands them out from chunks it never returns until pool_fini, so
 * the steady state of a run allocates nothing and recently freed objects,
 * still in cache, are reused first (LIFO free list).  A new chunk is not
 * threaded onto the free list: its objects are handed out in address
 * order from a bump pointer once the free list is empty (the same order
 * the list would give), so a replication that needs ten requests touches
 * ten, not a chunk's 640 KiB: runs of many short replications spent a
 * third of their time linking chunks they never used.
 *
 * With SIM_DEBUG_POOLS defined (make debug) every object is a separate
 * malloc/free, so AddressSanitizer and valgrind see each use after free.
 * Each such object carries a small header linking it into the pool's list
 * of live objects, so pool_fini still frees whatever a run left in flight.
 */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct pool_chunk;

struct pool {
	size_t size;              /* object size, >= sizeof(void *) */
	size_t per_chunk;
	void *free;               /* free list, linked through each object's
				   * first word */
	char *bump, *bump_end;    /* the newest chunk's objects never handed
				   * out: [bump, bump_end) */
	struct pool_chunk *chunks;
	size_t live;              /* objects handed out and not returned */
	struct pool_dbg *dbg;     /* SIM_DEBUG_POOLS: live objects */
	int keep;                 /* SIM_DEBUG_POOLS: never free a returned
				   * object before pool_fini (see pool_keep) */
};

/* Header of each object in a SIM_DEBUG_POOLS build. */
struct pool_dbg {
	struct pool_dbg *prev, *next;
	max_align_t data[];
};

/* pool_init prepares a pool of objects of `size` bytes; allocates nothing. */
void pool_init(struct pool *p, size_t size, size_t per_chunk);

/* pool_keep marks a pool whose returned objects may still be read (never
 * written) through a stale pointer until pool_fini: the engine's timer
 * handles read an event's seq to see whether it is still the event they
 * name.  Such a pool always hands out objects from chunks, which are never
 * freed before pool_fini, even in a SIM_DEBUG_POOLS build; there a returned
 * object is first filled with 0xdb bytes, so a stale read sees a seq that
 * no live event has. */
static inline void pool_keep(struct pool *p)
{
	p->keep = 1;
}

/* pool_fini frees every chunk; objects still out become invalid. */
void pool_fini(struct pool *p);

/* pool_grow adds a chunk, its objects to be handed out from the bump
 * pointer: 0, or -1 on ENOMEM.  What was left of the chunk before is
 * dropped, so pool_get calls it only when that is used up. */
int pool_grow(struct pool *p);

/* pool_get returns an uninitialised object, or NULL on ENOMEM. */
static inline void *pool_get(struct pool *p)
{
#ifdef SIM_DEBUG_POOLS
	if (!p->keep) {
		struct pool_dbg *d = malloc(sizeof *d + p->size);
		if (!d)
			return NULL;
		d->prev = NULL;
		d->next = p->dbg;
		if (p->dbg)
			p->dbg->prev = d;
		p->dbg = d;
		p->live++;
		return d->data;
	}
#endif
	void *o = p->free;
	if (__builtin_expect(o != NULL, 1)) {
		p->free = *(void **)o;
	} else {
		if (p->bump == p->bump_end && pool_grow(p))
			return NULL;
		o = p->bump;
		p->bump += p->size;
	}
	p->live++;
	return o;
}

/* pool_put returns an object obtained from pool_get on the same pool. */
static inline void pool_put(struct pool *p, void *o)
{
	p->live--;
#ifdef SIM_DEBUG_POOLS
	if (!p->keep) {
		struct pool_dbg *d = (struct pool_dbg *)((char *)o -
			offsetof(struct pool_dbg, data));
		if (d->prev)
			d->prev->next = d->next;
		else
			p->dbg = d->next;
		if (d->next)
			d->next->prev = d->prev;
		free(d);
		return;
	}
	memset(o, 0xdb, p->size);
#endif
	*(void **)o = p->free;
	p->free = o;
}

#endif
