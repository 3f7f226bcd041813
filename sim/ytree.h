/*
 * ytree.h - a YAML document as a small tree that remembers where each value
 * came from.
 *
 * libyaml's event parser (yaml_parser_parse) is read once into a tree of
 * scalars, mappings and sequences; every node keeps the file, line and
 * column of its first character so that the scenario checker can say
 * exactly where a bad value is.  The tree is what `--set PATH=VALUE` and
 * sweeps edit before the scenario is checked, so an override is checked by
 * the same code, with the same messages, as the file itself.
 *
 * Rejected while loading, each with its location: syntax errors (libyaml's
 * own message), duplicate keys, keys that are not plain scalars, aliases
 * and anchors, more than one document, and an empty document.
 *
 * Ownership: yt_load_* return a tree the caller frees with yt_free.  Each
 * node's `file` points at a string owned by the tree's root (file names of
 * cloned and overridden nodes are interned there too), so a tree is
 * self-contained.
 */
#ifndef SIM_YTREE_H
#define SIM_YTREE_H

#include <stddef.h>

#include "sim/err.h"

enum yt_type { YT_SCALAR, YT_MAP, YT_SEQ };

struct yt_node {
	enum yt_type type;
	int line, col;          /* 1-based position of the node's first char */
	const char *file;       /* where it was read, for messages */
	char *str;              /* scalar text (owned); NULL for map and seq */
	int quoted;             /* scalar was quoted: never a number */
	struct yt_node **items; /* seq: n items; map: n (key, value) pairs as
				 * items[2i], items[2i+1] */
	size_t n, cap;
	struct yt_strs *names;  /* root only: interned file names */
};

/* yt_read_file reads a scenario file's text, with the checks of
 * yt_load_file (a directory, NUL bytes, too large): 0 with a malloc'd
 * NUL-terminated *text of *len bytes, or SIM_EINVAL / SIM_EIO /
 * SIM_ENOMEM. */
int yt_read_file(const char *path, char **text, size_t *len, struct sim_err *err);

/* yt_load_file reads and parses a file.  0, or SIM_EINVAL / SIM_EIO with
 * "FILE:LINE:COL: message" in err.  *root is set only on success. */
int yt_load_file(const char *path, struct yt_node **root, struct sim_err *err);

/* yt_load_string parses len bytes of text; `name` stands for the file name
 * in messages. */
int yt_load_string(const char *name, const char *text, size_t len,
		   struct yt_node **root, struct sim_err *err);

/* yt_free frees a whole tree (NULL is fine). */
void yt_free(struct yt_node *root);

/* yt_clone deep-copies a tree; NULL on ENOMEM. */
struct yt_node *yt_clone(const struct yt_node *root);

/* yt_get returns the value under key in a mapping, or NULL (also when map is
 * not a mapping). */
struct yt_node *yt_get(const struct yt_node *map, const char *key);

/* yt_key returns the key node of pair i of a mapping. */
static inline struct yt_node *yt_key(const struct yt_node *map, size_t i)
{
	return map->items[2 * i];
}

/* yt_val returns the value node of pair i of a mapping. */
static inline struct yt_node *yt_val(const struct yt_node *map, size_t i)
{
	return map->items[2 * i + 1];
}

/* yt_set_path replaces the scalar at a dotted path ("nodes.web.workers";
 * a sequence element is addressed by its index, "nodes.web.next.0.p") with
 * `value`, parsed as a YAML scalar, flow mapping or flow sequence.  The new
 * nodes are located at (name, line, col).  The last key may be new if its
 * parent is a mapping (the checker then judges it like any key); every
 * other step must exist.  0, or SIM_EINVAL with a message naming the path. */
int yt_set_path(struct yt_node *root, const char *path, const char *value,
		const char *name, int line, int col, struct sim_err *err);

/* yt_put puts a deep copy of `value` (keeping its locations) at a dotted
 * path, under the same rules as yt_set_path; a bad path is reported at
 * (name, line, col).  0, SIM_EINVAL or SIM_ENOMEM. */
int yt_put(struct yt_node *root, const char *path,
	   const struct yt_node *value, const char *name, int line, int col,
	   struct sim_err *err);

/* yt_drop removes key and its value from the mapping map, if there. */
void yt_drop(struct yt_node *map, const char *key);

/* yt_type_name returns "scalar", "mapping" or "sequence". */
const char *yt_type_name(enum yt_type t);

/* yt_hash returns a stable 64-bit hash of a tree's content (keys, values,
 * structure; not locations), for recording which scenario produced a
 * result. */
unsigned long long yt_hash(const struct yt_node *root);

#endif
