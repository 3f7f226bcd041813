/*
 * strmap.c - string to index map; see strmap.h.
 */
#include "sim/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

void strmap_init(struct strmap *m)
{
	m->slot = NULL;
	m->cap = 0;
	m->n = 0;
}

void strmap_fini(struct strmap *m)
{
	free(m->slot);
	strmap_init(m);
}

/* find returns the slot holding key, or the empty slot where it would go. */
static struct strmap_slot *find(const struct strmap *m, const char *key)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)rng_hash64(key, 0) & mask;
	while (m->slot[i].key && strcmp(m->slot[i].key, key) != 0)
		i = (i + 1) & mask;
	return &m->slot[i];
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 16;
	struct strmap_slot *old = m->slot;
	size_t oldcap = m->cap;
	m->slot = calloc(cap, sizeof *m->slot);
	if (!m->slot) {
		m->slot = old;
		return -1;
	}
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key) = old[i];
	free(old);
	return 0;
}

int strmap_put(struct strmap *m, const char *key, uint32_t value, uint32_t *old)
{
	if (2 * (m->n + 1) > m->cap && grow(m))
		return -1;
	struct strmap_slot *s = find(m, key);
	if (s->key) {
		if (old)
			*old = s->value;
		return 0;
	}
	s->key = key;
	s->value = value;
	m->n++;
	return 1;
}

int strmap_get(const struct strmap *m, const char *key, uint32_t *value)
{
	if (!m->cap)
		return 0;
	const struct strmap_slot *s = find(m, key);
	if (!s->key)
		return 0;
	*value = s->value;
	return 1;
}
