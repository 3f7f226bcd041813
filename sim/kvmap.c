/*
 * kvmap.c - a map from 64-bit keys to 64-bit times; see kvmap.h.
 */
#include "sim/kvmap.h"

#include <stdlib.h>
#include <string.h>

#include "sim/keys.h"

/* slot: where key is in m, or the empty slot where it would go. */
static size_t slot(const struct kvmap *m, uint64_t key)
{
	size_t mask = m->cap - 1, i = keys_hash(key) & mask;
	while (m->used[i] && m->key[i] != key)
		i = (i + 1) & mask;
	return i;
}

int kvmap_get(const struct kvmap *m, uint64_t key, int64_t *v)
{
	if (!m->cap)
		return 0;
	size_t i = slot(m, key);
	if (!m->used[i])
		return 0;
	*v = m->val[i];
	return 1;
}

int kvmap_put(struct kvmap *m, uint64_t key, int64_t v)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64, ocap = m->cap;
		uint64_t *k = malloc(cap * sizeof *k), *ok = m->key;
		int64_t *x = malloc(cap * sizeof *x), *ox = m->val;
		uint8_t *u = calloc(cap, 1), *ou = m->used;
		if (!k || !x || !u) {
			free(k), free(x), free(u);
			return -1;
		}
		m->key = k, m->val = x, m->used = u, m->cap = cap;
		for (size_t i = 0; i < ocap; i++)
			if (ou[i]) {
				size_t j = slot(m, ok[i]);
				m->key[j] = ok[i], m->val[j] = ox[i], m->used[j] = 1;
			}
		free(ok), free(ox), free(ou);
	}
	size_t i = slot(m, key);
	if (!m->used[i]) {
		m->used[i] = 1;
		m->key[i] = key;
		m->n++;
	}
	m->val[i] = v;
	return 0;
}

void kvmap_free(struct kvmap *m)
{
	free(m->key), free(m->val), free(m->used);
	memset(m, 0, sizeof *m);
}
