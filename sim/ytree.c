/*
 * ytree.c - YAML to a located tree; see ytree.h.
 *
 * The loader is a small stack machine over libyaml's parse events: a
 * mapping or sequence start pushes a container, a scalar is appended to the
 * container on top (as a key or a value when the container is a mapping),
 * an end pops.  Duplicate keys are found when a key is appended: by a scan
 * of the mapping's keys while it holds a handful (the usual case, with no
 * allocation), and through a string map once it holds more than
 * YT_SCAN_KEYS, so a `nodes:` section of ten thousand names loads in linear
 * time.
 */
#include "sim/ytree.h"

#include <ctype.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "sim/rng.h"
#include "sim/strmap.h"

/* File names, shared by a tree and its clones, freed with the last one. */
struct yt_strs {
	int refs;
	size_t n;
	char **s;
};

#define YT_MAX_DEPTH 64
#define YT_SCAN_KEYS 16
#define YT_MAX_FILE (64u << 20)

static const char *strs_intern(struct yt_strs *t, const char *s)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->s[i], s) == 0)
			return t->s[i];
	char **ns = realloc(t->s, (t->n + 1) * sizeof *ns);
	if (!ns)
		return NULL;
	t->s = ns;
	if (!(t->s[t->n] = strdup(s)))
		return NULL;
	return t->s[t->n++];
}

static void strs_release(struct yt_strs *t)
{
	if (!t || --t->refs > 0)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t);
}

const char *yt_type_name(enum yt_type t)
{
	switch (t) {
	case YT_SCALAR: return "scalar";
	case YT_MAP: return "mapping";
	case YT_SEQ: return "sequence";
	}
	return "?";
}

static struct yt_node *node_new(enum yt_type type, const char *file,
				int line, int col)
{
	struct yt_node *n = calloc(1, sizeof *n);
	if (n) {
		n->type = type;
		n->file = file;
		n->line = line;
		n->col = col;
	}
	return n;
}

static void node_free(struct yt_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

void yt_drop(struct yt_node *map, const char *key)
{
	if (!map || map->type != YT_MAP)
		return;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		if (strcmp(map->items[i]->str, key))
			continue;
		node_free(map->items[i]);
		node_free(map->items[i + 1]);
		memmove(map->items + i, map->items + i + 2, (map->n - i - 2) * sizeof *map->items);
		map->n -= 2;
		return;
	}
}

void yt_free(struct yt_node *root)
{
	if (!root)
		return;
	struct yt_strs *names = root->names;
	node_free(root);
	strs_release(names);
}

static int node_append(struct yt_node *c, struct yt_node *item)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct yt_node **ni = realloc(c->items, cap * sizeof *ni);
		if (!ni)
			return -1;
		c->items = ni;
		c->cap = cap;
	}
	c->items[c->n++] = item;
	return 0;
}

struct yt_node *yt_get(const struct yt_node *map, const char *key)
{
	if (!map || map->type != YT_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i += 2)
		if (strcmp(map->items[i]->str, key) == 0)
			return map->items[i + 1];
	return NULL;
}

static const char *event_name(yaml_event_type_t t)
{
	switch (t) {
	case YAML_ALIAS_EVENT: return "alias";
	default: return "event";
	}
}

/* bracket_hint explains the commonest flow-style mistake of a scenario: a
 * replica written web[1] inside {...}, where [ opens a sequence. */
static const char *bracket_hint(const yaml_parser_t *p)
{
	size_t i = p->problem_mark.index;
	const unsigned char *s = p->input.string.start;
	size_t len = (size_t)(p->input.string.end - s);
	if (!s || i == 0 || i >= len || s[i] != '[' ||
	    !(isalnum(s[i - 1]) || s[i - 1] == '_' || s[i - 1] == '-'))
		return "";
	return " (inside {...}, brackets are YAML syntax: quote a replica, \"web[1]\", or write replica: 1)";
}

/* parse_events reads one document from parser into *root.  `file` is the
 * interned name used in nodes and messages. */
static int parse_events(yaml_parser_t *p, const char *file,
			struct yt_node **root, struct sim_err *err)
{
	struct yt_node *stack[YT_MAX_DEPTH];
	struct strmap keys[YT_MAX_DEPTH];     /* keys of large mappings */
	int depth = 0;
	int docs = 0;
	struct yt_node *top = NULL;
	int rc = 0;
	yaml_event_t ev;

	for (;;) {
		if (!yaml_parser_parse(p, &ev)) {
			int line = (int)p->problem_mark.line + 1;
			int col = (int)p->problem_mark.column + 1;
			if (p->error == YAML_MEMORY_ERROR)
				rc = sim_errf(err, SIM_ENOMEM, "%s: out of memory", file);
			else if (p->context)
				rc = sim_err_at(err, SIM_EINVAL, file, line, col,
						"YAML syntax error: %s %s%s",
						p->problem ? p->problem : "", p->context,
						bracket_hint(p));
			else
				rc = sim_err_at(err, SIM_EINVAL, file, line, col,
						"YAML syntax error: %s",
						p->problem ? p->problem : "unknown");
			goto fail;
		}
		int line = (int)ev.start_mark.line + 1;
		int col = (int)ev.start_mark.column + 1;
		struct yt_node *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			goto done;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				rc = sim_err_at(err, SIM_EINVAL, file, line, col,
						"a scenario is one YAML document; found a second one");
				yaml_event_delete(&ev);
				goto fail;
			}
			break;
		case YAML_ALIAS_EVENT:
			rc = sim_err_at(err, SIM_EINVAL, file, line, col,
					"YAML aliases (*name) are not supported in scenarios; write the value out (%s)",
					event_name(ev.type));
			yaml_event_delete(&ev);
			goto fail;
		case YAML_SCALAR_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT: {
			const yaml_char_t *anchor =
				ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor :
				ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor :
				ev.data.sequence_start.anchor;
			if (anchor) {
				rc = sim_err_at(err, SIM_EINVAL, file, line, col,
						"YAML anchors (&%s) are not supported in scenarios",
						(const char *)anchor);
				yaml_event_delete(&ev);
				goto fail;
			}
			if (ev.type == YAML_SCALAR_EVENT) {
				n = node_new(YT_SCALAR, file, line, col);
				if (n && !(n->str = malloc(ev.data.scalar.length + 1))) {
					node_free(n);
					n = NULL;
				}
				if (n) {
					memcpy(n->str, ev.data.scalar.value, ev.data.scalar.length);
					n->str[ev.data.scalar.length] = 0;
					if (strlen(n->str) != ev.data.scalar.length) {
						rc = sim_err_at(err, SIM_EINVAL, file, line, col,
								"value contains a NUL character");
						node_free(n);
						yaml_event_delete(&ev);
						goto fail;
					}
					n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
				}
			} else {
				n = node_new(ev.type == YAML_MAPPING_START_EVENT ? YT_MAP : YT_SEQ,
					     file, line, col);
			}
			if (!n) {
				rc = sim_errf(err, SIM_ENOMEM, "%s: out of memory", file);
				yaml_event_delete(&ev);
				goto fail;
			}
			if (depth == 0) {
				top = n;
			} else {
				struct yt_node *c = stack[depth - 1];
				if (c->type == YT_MAP && c->n % 2 == 0) {
					/* n is a key */
					if (n->type != YT_SCALAR) {
						rc = sim_err_at(err, SIM_EINVAL, file, line, col,
								"a key must be a plain name, not a %s",
								yt_type_name(n->type));
						node_free(n);
						yaml_event_delete(&ev);
						goto fail;
					}
					struct yt_node *dup = NULL;
					struct strmap *km = &keys[depth - 1];
					if (c->n / 2 == YT_SCAN_KEYS) {
						/* from now on, an index */
						for (size_t i = 0; i < c->n; i += 2)
							if (strmap_put(km, c->items[i]->str,
								       (uint32_t)i, NULL) < 0) {
								node_free(n);
								goto nomem;
							}
					}
					if (c->n / 2 >= YT_SCAN_KEYS) {
						uint32_t at;
						int put = strmap_put(km, n->str, (uint32_t)c->n, &at);
						if (put < 0) {
							node_free(n);
							goto nomem;
						}
						if (put == 0)
							dup = c->items[at];
					} else {
						for (size_t i = 0; i < c->n; i += 2)
							if (strcmp(c->items[i]->str, n->str) == 0)
								dup = c->items[i];
					}
					if (dup) {
						rc = sim_err_at(err, SIM_EINVAL, file, line, col,
								"duplicate key '%s' (first at line %d)",
								n->str, dup->line);
						node_free(n);
						yaml_event_delete(&ev);
						goto fail;
					}
				}
				if (node_append(c, n)) {
					node_free(n);
					rc = sim_errf(err, SIM_ENOMEM, "%s: out of memory", file);
					yaml_event_delete(&ev);
					goto fail;
				}
			}
			if (n->type != YT_SCALAR) {
				if (depth == YT_MAX_DEPTH) {
					rc = sim_err_at(err, SIM_EINVAL, file, line, col,
							"nested deeper than %d levels", YT_MAX_DEPTH);
					yaml_event_delete(&ev);
					goto fail;
				}
				strmap_init(&keys[depth]);
				stack[depth++] = n;
			}
			break;
		}
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			strmap_fini(&keys[--depth]);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
done:
	while (depth > 0)
		strmap_fini(&keys[--depth]);
	if (!top) {
		*root = NULL;
		return sim_err_at(err, SIM_EINVAL, file, 1, 1, "the scenario is empty");
	}
	*root = top;
	return 0;
nomem:
	rc = sim_errf(err, SIM_ENOMEM, "%s: out of memory", file);
	yaml_event_delete(&ev);
fail:
	while (depth > 0)
		strmap_fini(&keys[--depth]);
	node_free(top);
	return rc;
}

static int load_buffer(const char *name, const char *text, size_t len,
		       struct yt_strs *names, struct yt_node **root,
		       struct sim_err *err)
{
	const char *file = strs_intern(names, name);
	if (!file)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	int rc = parse_events(&p, file, root, err);
	yaml_parser_delete(&p);
	return rc;
}

int yt_load_string(const char *name, const char *text, size_t len,
		   struct yt_node **root, struct sim_err *err)
{
	struct yt_strs *names = calloc(1, sizeof *names);
	if (!names)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	names->refs = 1;
	struct yt_node *t = NULL;
	int rc = load_buffer(name, text, len, names, &t, err);
	if (rc) {
		strs_release(names);
		return rc;
	}
	t->names = names;
	*root = t;
	return 0;
}

int yt_read_file(const char *path, char **text, size_t *len_out, struct sim_err *err)
{
	struct stat st;
	/* a missing or forbidden file is the user's to fix (status 2); other
	 * failures are the system's (status 1) */
	if (stat(path, &st) != 0)
		return sim_err_at(err, errno == ENOENT || errno == EACCES ||
				  errno == ENOTDIR ? SIM_EINVAL : SIM_EIO,
				  path, 1, 1, "cannot open: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return sim_err_at(err, SIM_EINVAL, path, 1, 1,
				  "is a directory, not a scenario file");
	FILE *f = fopen(path, "rb");
	if (!f)
		return sim_err_at(err, errno == EACCES ? SIM_EINVAL : SIM_EIO,
				  path, 1, 1, "cannot open: %s", strerror(errno));
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int rc = 0;
	while (buf) {
		if (len == cap) {
			if (cap >= YT_MAX_FILE) {
				rc = sim_err_at(err, SIM_EINVAL, path, 1, 1,
						"file is larger than %u MiB; not a scenario",
						YT_MAX_FILE >> 20);
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				rc = sim_err_at(err, SIM_EIO, path, 1, 1,
						"read error: %s", strerror(errno));
			break;
		}
	}
	fclose(f);
	if (!buf)
		return sim_errf(err, SIM_ENOMEM, "%s: out of memory", path);
	if (rc == 0 && memchr(buf, 0, len))
		rc = sim_err_at(err, SIM_EINVAL, path, 1, 1,
				"file contains NUL bytes; not a YAML scenario");
	if (rc) {
		free(buf);
		return rc;
	}
	/* room for a terminating NUL, so that the text is a string */
	char *t = realloc(buf, len + 1);
	if (!t) {
		free(buf);
		return sim_errf(err, SIM_ENOMEM, "%s: out of memory", path);
	}
	t[len] = 0;
	*text = t;
	*len_out = len;
	return 0;
}

int yt_load_file(const char *path, struct yt_node **root, struct sim_err *err)
{
	char *buf;
	size_t len;
	int rc = yt_read_file(path, &buf, &len, err);
	if (rc)
		return rc;
	rc = yt_load_string(path, buf, len, root, err);
	free(buf);
	return rc;
}

static struct yt_node *clone_node(const struct yt_node *s)
{
	struct yt_node *n = node_new(s->type, s->file, s->line, s->col);
	if (!n)
		return NULL;
	n->quoted = s->quoted;
	if (s->str && !(n->str = strdup(s->str)))
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		struct yt_node *c = clone_node(s->items[i]);
		if (!c || node_append(n, c)) {
			node_free(c);
			goto fail;
		}
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

struct yt_node *yt_clone(const struct yt_node *root)
{
	struct yt_node *n = clone_node(root);
	if (n && root->names) {
		n->names = root->names;
		root->names->refs++;
	}
	return n;
}

/* relocate moves a parsed override to where it was written. */
static void relocate(struct yt_node *n, const char *file, int line, int col)
{
	n->file = file;
	n->col = col + n->col - 1;
	n->line = line;
	for (size_t i = 0; i < n->n; i++)
		relocate(n->items[i], file, line, col);
}

/* find_slot walks a dotted path to the slot that holds its value: the
 * value is parent->items[*slot].  A missing last key of a mapping is added
 * with an empty scalar value.  Messages are located at (name, line, col). */
static int find_slot(struct yt_node *root, const char *path, const char *name,
		     int line, int col, struct yt_node **parent_out,
		     size_t *slot_out, struct sim_err *err)
{
	struct yt_node *cur = root;
	struct yt_node *parent = NULL;
	size_t slot = 0;
	int rc = 0;
	char *copy = strdup(path);
	if (!copy)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	char *save = NULL;
	char *tok = strtok_r(copy, ".", &save);
	if (!tok || !*path || path[strlen(path) - 1] == '.' || path[0] == '.' ||
	    strstr(path, "..")) {
		rc = sim_err_at(err, SIM_EINVAL, name, line, col,
				"'%s' is not a path like nodes.web.workers", path);
		goto out;
	}
	while (tok) {
		char *next = strtok_r(NULL, ".", &save);
		if (cur->type == YT_MAP) {
			size_t i;
			for (i = 0; i < cur->n; i += 2)
				if (strcmp(cur->items[i]->str, tok) == 0)
					break;
			if (i == cur->n) {
				if (next) {
					rc = sim_err_at(err, SIM_EINVAL, name, line, col,
							"%s: there is no '%s' in the scenario",
							path, tok);
					goto out;
				}
				/* a new last key: append (key, empty value) */
				const char *f = strs_intern(root->names, name);
				struct yt_node *k = f ? node_new(YT_SCALAR, f, line, col) : NULL;
				struct yt_node *v = f ? node_new(YT_SCALAR, f, line, col) : NULL;
				if (!k || !v || !(k->str = strdup(tok)) ||
				    !(v->str = strdup("")) || node_append(cur, k)) {
					node_free(k);
					node_free(v);
					rc = sim_errf(err, SIM_ENOMEM, "out of memory");
					goto out;
				}
				if (node_append(cur, v)) {
					cur->n--;
					node_free(k);
					node_free(v);
					rc = sim_errf(err, SIM_ENOMEM, "out of memory");
					goto out;
				}
			}
			parent = cur;
			slot = i + 1;
		} else if (cur->type == YT_SEQ) {
			char *end;
			errno = 0;
			unsigned long idx = strtoul(tok, &end, 10);
			if (*end || end == tok || errno || idx >= cur->n) {
				rc = sim_err_at(err, SIM_EINVAL, name, line, col,
						"%s: '%s' is not an index of the list at %s:%d:%d (it has %zu items)",
						path, tok, cur->file, cur->line, cur->col, cur->n);
				goto out;
			}
			parent = cur;
			slot = idx;
		} else {
			rc = sim_err_at(err, SIM_EINVAL, name, line, col,
					"%s: '%s' is below a plain value", path, tok);
			goto out;
		}
		cur = parent->items[slot];
		tok = next;
	}
	*parent_out = parent;
	*slot_out = slot;
out:
	free(copy);
	return rc;
}

/* place puts the tree v at path, replacing what was there, and takes
 * ownership of v (freed when the path is bad). */
static int place(struct yt_node *root, const char *path, struct yt_node *v,
		 const char *name, int line, int col, struct sim_err *err)
{
	struct yt_node *parent = NULL;
	size_t slot = 0;
	int rc = find_slot(root, path, name, line, col, &parent, &slot, err);
	if (rc) {
		node_free(v);
		return rc;
	}
	node_free(parent->items[slot]);
	parent->items[slot] = v;
	return 0;
}

int yt_set_path(struct yt_node *root, const char *path, const char *value,
		const char *name, int line, int col, struct sim_err *err)
{
	if (!root->names)
		return sim_errf(err, SIM_EINVAL, "internal: tree without names");
	const char *f = strs_intern(root->names, name);
	if (!f)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	/* parse the value first, so a bad value leaves the tree as it was */
	struct yt_node *v = NULL;
	struct yt_strs *tmp = calloc(1, sizeof *tmp);
	if (!tmp)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	tmp->refs = 1;
	int rc = load_buffer(f, value, strlen(value), tmp, &v, err);
	if (rc == SIM_EINVAL && strstr(err->msg, "the scenario is empty")) {
		/* an empty value is an empty string */
		v = node_new(YT_SCALAR, f, 1, 1);
		rc = (v && (v->str = strdup(""))) ? 0 : SIM_ENOMEM;
		if (rc) {
			node_free(v);
			v = NULL;
			sim_errf(err, rc, "out of memory");
		}
	} else if (rc == SIM_EINVAL) {
		/* re-anchor libyaml's message at the value: drop "F:L:C: " */
		char msg[SIM_ERR_MSG_MAX];
		const char *m = err->msg + strlen(f);
		int l, c, k = 0;
		if (sscanf(m, ":%d:%d: %n", &l, &c, &k) == 2 && k > 0) {
			snprintf(msg, sizeof msg, "%s", m + k);
			sim_err_at(err, SIM_EINVAL, name, line, col + c - 1, "%s", msg);
		}
	}
	strs_release(tmp);
	if (rc)
		return rc;
	/* nodes parsed from the value pointed at the temporary table's copy
	 * of the name: move them to the root's, and to where they were
	 * written */
	relocate(v, f, line, col);
	return place(root, path, v, name, line, 1, err);
}

int yt_put(struct yt_node *root, const char *path,
	   const struct yt_node *value, const char *name, int line, int col,
	   struct sim_err *err)
{
	struct yt_node *v = clone_node(value);
	if (!v)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	return place(root, path, v, name, line, col, err);
}

static unsigned long long mix(unsigned long long h, unsigned long long x)
{
	h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

unsigned long long yt_hash(const struct yt_node *n)
{
	unsigned long long h = mix(0, (unsigned long long)n->type + 1);
	if (n->str)
		h = mix(h, rng_hash64(n->str, 0));
	h = mix(h, n->n);
	for (size_t i = 0; i < n->n; i++)
		h = mix(h, yt_hash(n->items[i]));
	return h;
}
