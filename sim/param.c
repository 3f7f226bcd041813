/*
 * param.c - parameter tables: checking, defaults, freeing and reference
 * documentation from one declaration; see param.h.
 *
 * Checking a mapping against a table (fill) goes in four steps:
 *
 *   1. the table's init hook sets what zero does not mean;
 *   2. check_keys refuses unknown keys (suggesting the nearest) and reports
 *      the first missing required one, in table order;
 *   3. each entry, in table order, reads its key's value, or when the key
 *      is absent its default, through parse_value: scalars go through the
 *      check_* helper of their type (check.h), so the messages are the
 *      checker's own;
 *      MAP, LIST and VARIANT call fill again on their tables, with the
 *      dotted path grown by ".key", "[i]" or ".name";
 *   4. the table's validate hook checks across keys.
 *
 * The first problem stops the walk.  What was stored up to then stays in
 * the struct, each owned thing in a field the table describes (a list's
 * count is stored before its elements are read; a variant's choice before
 * its keys), so param_fini can always walk the table to free it.
 *
 * A default is YAML text.  A plain scalar ("1", "0s") is checked as a
 * scalar node built on the stack, which is what libyaml would make of it;
 * a flow collection ("{dist: constant, value: 0s}") is parsed by libyaml.
 * Either way it then takes the same path as a value from the file.
 *
 * The documentation walks the same tables: one row per key with the type
 * text that param_type_doc derives from the type and range (the words of
 * the checker's own messages), the default as written, and the entry's
 * line; then a section per list, mapping or variant the table holds.
 */
#include "sim/param.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define WHAT_MAX 320
#define TEXT_WIDTH 79

/* ---- fields of variable width ---------------------------------------- */

static void store_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(p, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(p, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(p, &x, 4);
		break;
	}
	default:
		assert(size == 8);
		memcpy(p, &v, 8);
		break;
	}
}

static uint64_t load_uint(const void *p, size_t size)
{
	switch (size) {
	case 1: {
		uint8_t x;
		memcpy(&x, p, 1);
		return x;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, p, 4);
		return x;
	}
	default: {
		uint64_t x;
		assert(size == 8);
		memcpy(&x, p, 8);
		return x;
	}
	}
}

static void *load_ptr(const void *p)
{
	void *v;
	memcpy(&v, p, sizeof v);
	return v;
}

static void store_ptr(void *p, void *v)
{
	memcpy(p, &v, sizeof v);
}

static void sub_what(char *buf, const char *what, const char *key)
{
	if (what && *what)
		snprintf(buf, WHAT_MAX, "%s.%s", what, key);
	else
		snprintf(buf, WHAT_MAX, "%s", key);
}

/* or_list writes "a, b or c" (each in quotes when quote) into buf. */
static void or_list(char *buf, size_t len, const char *const *names, int quote)
{
	size_t used = 0, n = 0;
	const char *q = quote ? "'" : "";
	while (names[n])
		n++;
	buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s%s%s",
				 i == 0 ? "" : i + 1 == n ? " or " : ", ", q, names[i], q);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}

/* enum_names fills names (PARAM_MAX_NAMES + 1 of them) with an ENUM's
 * choices, NULL-terminated, from its names or its rows' names, and
 * returns how many. */
static size_t enum_names(const struct param *e, const char **names)
{
	size_t n = 0;
	if (e->names) {
		for (; e->names[n] && n < PARAM_MAX_NAMES; n++)
			names[n] = e->names[n];
	} else {
		const char *row = e->rows;
		for (; n < PARAM_MAX_NAMES; n++, row += e->row_size) {
			const char *name;
			memcpy(&name, row, sizeof name);
			if (!name)
				break;
			names[n] = name;
		}
	}
	names[n] = NULL;
	return n;
}

/* ---- checking -------------------------------------------------------- */

static int fill(struct check_ctx *ctx, const char *what, const struct yt_node *map,
		const struct param_table *t, const char *lead, char *base);


static int parse_list(struct check_ctx *ctx, const struct param *e,
		      const char *what, const struct yt_node *n, char *base)
{
	int keyed = (e->flags & PARAM_KEYED) != 0;
	enum yt_type want = keyed ? YT_MAP : YT_SEQ;
	size_t len = n->type == want ? (keyed ? n->n / 2 : n->n) : 0;
	const char *kind = keyed ? "mapping of names to" : "list of";
	if (n->type != want || len < e->min_len) {
		if (e->min_len > 1)
			return check_fail(ctx, n, what, "must be a %s at least %zu %s", kind,
				       e->min_len, e->shape);
		return check_fail(ctx, n, what, "must be a %s%s %s",
			       e->min_len ? "non-empty " : "", kind, e->shape);
	}
	if (len > e->max_len)
		return check_fail(ctx, n, what, "at most %zu %s", e->max_len,
			       e->item ? e->item : "elements");
	char *arr = calloc(len ? len : 1, e->elem_size);
	if (!arr)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	store_ptr(base + e->off, arr);
	store_uint(base + e->count_off, e->count_size, len);
	for (size_t i = 0; i < len; i++) {
		char w[WHAT_MAX];
		char *el = arr + i * e->elem_size;
		const struct yt_node *v;
		int rc;
		if (keyed) {
			const struct yt_node *k = yt_key(n, i);
			char *name = strdup(k->str);
			if (!name)
				return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
			store_ptr(el + e->name_off, name);
			snprintf(w, sizeof w, "%s.%s", what, k->str);
			v = yt_val(n, i);
		} else {
			snprintf(w, sizeof w, "%s[%zu]", what, i);
			v = n->items[i];
		}
		if ((rc = param_check_one(ctx, e->elem, w, v, el)))
			return rc;
	}
	return 0;
}

static size_t case_names(const struct param *e, const char **names)
{
	size_t nc = 0;
	for (; e->cases[nc].name; nc++) {
		assert(nc < PARAM_MAX_CASES);
		names[nc] = e->cases[nc].name;
	}
	names[nc] = NULL;
	return nc;
}

static int parse_variant(struct check_ctx *ctx, const struct param *e,
			 const char *what, const struct yt_node *n, char *base)
{
	const char *names[PARAM_MAX_CASES + 1];
	size_t nc = case_names(e, names), k;
	char list[512];
	int rc;
	if (n->type != YT_MAP) {
		if (e->shape)
			return check_fail(ctx, n, what, "must be a mapping such as %s", e->shape);
		return check_keys(ctx, n, what, names, NULL);
	}
	if (e->key) {
		const struct yt_node *kn = yt_get(n, e->key);
		if (!kn && !e->key_def) {
			or_list(list, sizeof list, names, 0);
			return check_fail(ctx, n, what, "needs '%s': %s", e->key, list);
		}
		char kw[WHAT_MAX];
		const char *s = e->key_def;
		sub_what(kw, what, e->key);
		if (kn && (rc = check_string(ctx, kn, kw, &s)))
			return rc;
		for (k = 0; k < nc && strcmp(s, names[k]) != 0; k++)
			;
		if (k == nc)
			return check_unknown(ctx, kn, kw, e->noun ? e->noun : e->key, s, names);
	} else {
		for (k = 0; k < nc && !yt_get(n, names[k]); k++)
			;
		if (k == nc && (e->flags & PARAM_ELSE_LAST))
			k = nc - 1;
		if (k == nc) {
			or_list(list, sizeof list, names, 1);
			return check_fail(ctx, n, what, "needs %s", list);
		}
	}
	/* the choice first, so that param_fini frees the right fields */
	store_uint(base + e->off, e->size, k);
	return fill(ctx, what, n, e->cases[k].table, e->key, base + e->sub_off);
}

int param_check_one(struct check_ctx *ctx, const struct param *e, const char *what,
		    const struct yt_node *n, void *obj)
{
	char *base = obj;
	void *field = base + e->off;
	int rc = 0;
	switch (e->type) {
	case PARAM_UINT: {
		uint64_t u;
		if ((rc = check_uint(ctx, n, what, e->umin, e->umax, &u)) == 0)
			store_uint(field, e->size, u);
		return rc;
	}
	case PARAM_NUMBER:
		return check_double(ctx, n, what, e->min, e->max, field);
	case PARAM_PROB:
		return check_double(ctx, n, what, 0, 1, field);
	case PARAM_DURATION:
		return check_duration(ctx, n, what, e->min_ns, field);
	case PARAM_RATE:
		return e->flags & PARAM_ZERO ? check_rate_or_zero(ctx, n, what, field) :
					       check_rate(ctx, n, what, field);
	case PARAM_DIST:
		return check_dist(ctx, n, what, field);
	case PARAM_ENUM: {
		const char *s, *names[PARAM_MAX_NAMES + 1];
		if ((rc = check_string(ctx, n, what, &s)))
			return rc;
		enum_names(e, names);
		for (size_t i = 0; names[i]; i++) {
			if (strcmp(s, names[i]) == 0) {
				store_uint(field, e->size, i);
				return 0;
			}
		}
		return check_unknown(ctx, n, what, e->noun ? e->noun : e->name, s, names);
	}
	case PARAM_NODE:
		return check_node_ref(ctx, n, what, field);
	case PARAM_STRING: {
		const char *s;
		if ((rc = check_string(ctx, n, what, &s)) || e->size == 0)
			return rc;
		char *copy = strdup(s);
		if (!copy)
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		store_ptr(field, copy);
		return 0;
	}
	case PARAM_BOOL: {
		int b = 0;
		if ((rc = check_bool(ctx, n, what, &b)) == 0)
			store_uint(field, e->size, (uint64_t)b);
		return rc;
	}
	case PARAM_MAP:
		if (n->type != YT_MAP && e->shape)
			return check_fail(ctx, n, what, "must be a mapping such as %s", e->shape);
		return fill(ctx, what, n, e->sub, NULL, field);
	case PARAM_LIST:
		return parse_list(ctx, e, what, n, base);
	case PARAM_VARIANT:
		return parse_variant(ctx, e, what, n, base);
	case PARAM_CUSTOM:
		return e->parse(ctx, what, n, field);
	}
	assert(!"unknown parameter type");
	return SIM_EINVAL;
}

/* apply_default checks e's default text as if it were the value at key
 * `what`; a fault in it is reported at "(default):1:1". */
static int apply_default(struct check_ctx *ctx, const struct param *e,
			 const char *what, char *base)
{
	struct yt_node *tree = NULL;
	struct yt_node scalar = {
		.type = YT_SCALAR, .line = 1, .col = 1, .file = "(default)",
		.str = (char *)e->def,
	};
	const struct yt_node *n = &scalar;
	int rc;
	if (e->def[0] == '{' || e->def[0] == '[') {
		if ((rc = yt_load_string("(default)", e->def, strlen(e->def), &tree, ctx->err)))
			return rc;
		n = tree;
	}
	rc = param_check_one(ctx, e, what, n, base);
	yt_free(tree);
	return rc;
}

static int fill(struct check_ctx *ctx, const char *what, const struct yt_node *map,
		const struct param_table *t, const char *lead, char *base)
{
	int rc;
	if (t->init)
		t->init(base);
	if (map) {
		const char *allowed[PARAM_MAX_KEYS + 6], *required[PARAM_MAX_KEYS + 1];
		char leads[64];
		size_t na = 0, nr = 0;
		if (lead) {
			/* one key, or a few separated by spaces ("type cost") */
			snprintf(leads, sizeof leads, "%s", lead);
			char *save = NULL;
			for (char *k = strtok_r(leads, " ", &save); k && na < 4;
			     k = strtok_r(NULL, " ", &save))
				allowed[na++] = k;
		}
		for (const struct param *e = t->params; e->name; e++) {
			assert(na <= PARAM_MAX_KEYS);
			allowed[na++] = e->name;
			if (e->flags & PARAM_REQUIRED)
				required[nr++] = e->name;
		}
		allowed[na] = required[nr] = NULL;
		if ((rc = check_keys(ctx, map, what, allowed, required)))
			return rc;
	}
	for (const struct param *e = t->params; e->name; e++) {
		const struct yt_node *n = map ? yt_get(map, e->name) : NULL;
		char w[WHAT_MAX];
		sub_what(w, what, e->name);
		if (n)
			rc = param_check_one(ctx, e, w, n, base);
		else if (e->def)
			rc = apply_default(ctx, e, w, base);
		else if (e->type == PARAM_MAP)
			rc = fill(ctx, w, NULL, e->sub, NULL, base + e->off);
		else
			rc = 0;
		if (rc)
			return rc;
	}
	if (map && t->validate)
		return t->validate(ctx, what, map, base);
	return 0;
}

int param_mark_given(struct check_ctx *ctx, const char *what,
		     const struct yt_node *map, void *obj)
{
	(void)ctx, (void)what, (void)map;
	*(int *)obj = 1;
	return 0;
}

int param_fill(struct check_ctx *ctx, const char *what, const struct yt_node *map,
	       const struct param_table *t, const char *lead, void *obj)
{
	return fill(ctx, what, map, t, lead, obj);
}

int param_new(struct check_ctx *ctx, const char *what, const struct yt_node *map,
	      const struct param_table *t, const char *lead, void **out)
{
	void *obj = calloc(1, t->size ? t->size : 1);
	if (!obj)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	int rc = fill(ctx, what, map, t, lead, obj);
	if (rc) {
		param_free(t, obj);
		return rc;
	}
	*out = obj;
	return 0;
}

/* ---- freeing --------------------------------------------------------- */

static void fini_value(const struct param *e, char *base)
{
	void *field = base + e->off;
	switch (e->type) {
	case PARAM_DIST:
		dist_fini(field);
		break;
	case PARAM_STRING:
		if (e->size)
			free(load_ptr(field));
		break;
	case PARAM_MAP:
		param_fini(e->sub, field);
		break;
	case PARAM_LIST: {
		char *arr = load_ptr(field);
		size_t len = (size_t)load_uint(base + e->count_off, e->count_size);
		for (size_t i = 0; arr && i < len; i++) {
			char *el = arr + i * e->elem_size;
			fini_value(e->elem, el);
			if (e->flags & PARAM_KEYED)
				free(load_ptr(el + e->name_off));
		}
		free(arr);
		break;
	}
	case PARAM_VARIANT: {
		uint64_t k = load_uint(field, e->size);
		for (uint64_t i = 0; e->cases[i].name; i++)
			if (i == k)
				param_fini(e->cases[i].table, base + e->sub_off);
		break;
	}
	case PARAM_CUSTOM:
		if (e->fini)
			e->fini(field);
		break;
	default:
		break;
	}
}

void param_fini(const struct param_table *t, void *obj)
{
	if (t->fini)
		t->fini(obj);
	for (const struct param *e = t->params; e->name; e++)
		fini_value(e, obj);
}

void param_free(const struct param_table *t, void *obj)
{
	if (!obj)
		return;
	param_fini(t, obj);
	free(obj);
}

/* ---- checking a table ------------------------------------------------ */

static int int_size(size_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static int check_table(const struct param_table *t, const char *what,
		       struct sim_err *err);

/* check_entry checks e, an entry of a struct of `room` bytes. */
static int check_entry(const struct param *e, size_t room, const char *what,
		       struct sim_err *err)
{
	char w[WHAT_MAX];
	if (e->name)
		sub_what(w, what, e->name);
	else
		snprintf(w, sizeof w, "%s[]", what);     /* a list's element */
#define NEED(cond, msg) \
	do { if (!(cond)) return sim_errf(err, SIM_EINVAL, "%s: %s", w, msg); } while (0)
	NEED(!e->name || (e->doc && *e->doc), "every key needs a doc line");
	NEED(e->off + e->size <= room, "field outside the struct");
	NEED(!(e->def && (e->flags & PARAM_REQUIRED)), "a required key has no default");
	NEED(!(e->def && e->def_doc), "a default is a value or a text, not both");
	NEED(!(e->flags & PARAM_ZERO) || e->type == PARAM_RATE, "PARAM_ZERO is for rates");
	NEED(!(e->flags & PARAM_KEYED) || e->type == PARAM_LIST, "PARAM_KEYED is for lists");
	NEED(!(e->flags & PARAM_ELSE_LAST) || (e->type == PARAM_VARIANT && !e->key),
	     "PARAM_ELSE_LAST is for variants without a key");
	switch (e->type) {
	case PARAM_UINT:
		NEED(int_size(e->size), "an integer field of 1, 2, 4 or 8 bytes");
		NEED(e->umin <= e->umax, "min above max");
		NEED(e->size == 8 || e->umax >> (8 * e->size) == 0, "max does not fit the field");
		break;
	case PARAM_NUMBER:
		NEED(e->min <= e->max, "min above max");
		/* fall through */
	case PARAM_PROB:
	case PARAM_RATE:
		NEED(e->size == sizeof(double), "a double field");
		break;
	case PARAM_DURATION:
		NEED(e->size == sizeof(int64_t) && e->min_ns >= 0, "an int64_t field, min_ns >= 0");
		break;
	case PARAM_DIST:
		NEED(e->size == sizeof(struct dist), "a struct dist field");
		break;
	case PARAM_ENUM: {
		const char *names[PARAM_MAX_NAMES + 1];
		NEED(!e->names != !e->rows, "names or rows to choose from, not both");
		NEED(!e->rows || e->row_size >= sizeof(char *), "rows that open with a name");
		size_t n = enum_names(e, names);
		NEED(n > 0, "names to choose from");
		NEED(n < PARAM_MAX_NAMES, "too many names");
		NEED(int_size(e->size), "an integer field");
		break;
	}
	case PARAM_NODE:
		NEED(e->size == sizeof(uint32_t) && !e->def, "a uint32_t field and no default");
		break;
	case PARAM_STRING:
		NEED(e->size == 0 || e->size == sizeof(char *), "a char * field, or none");
		break;
	case PARAM_BOOL:
		NEED(e->size == 1 || e->size == sizeof(int), "a bool or int field");
		break;
	case PARAM_MAP:
		NEED(e->sub && e->sub->size == e->size, "a sub-table the size of the field");
		return check_table(e->sub, w, err);
	case PARAM_LIST:
		NEED(e->shape && e->elem && e->elem_size && e->max_len >= e->min_len &&
		     e->max_len > 0, "a shape, an element, a maximum length");
		NEED(e->size == sizeof(void *), "a pointer field");
		NEED(int_size(e->count_size) && e->count_off + e->count_size <= room,
		     "a count field");
		NEED(!(e->flags & PARAM_KEYED) || e->name_off + sizeof(char *) <= e->elem_size,
		     "a name field in each element");
		NEED(!e->elem->def && !(e->elem->flags & PARAM_REQUIRED), "an element has no default");
		return check_entry(e->elem, e->elem_size, w, err);
	case PARAM_VARIANT: {
		NEED(e->cases && e->cases[0].name && int_size(e->size), "cases and an integer field");
		NEED(!e->key_def || e->key, "a default case is for a variant with a key");
		size_t nc = 0;
		int def_found = 0;
		for (const struct param_case *c = e->cases; c->name; c++, nc++) {
			NEED(nc < PARAM_MAX_CASES, "too many cases");
			NEED(c->table && e->sub_off + c->table->size <= room, "each case a table that fits");
			int has_own = 0;
			for (const struct param *x = c->table->params; x->name; x++) {
				has_own |= strcmp(x->name, c->name) == 0;
				NEED(!e->key || strcmp(x->name, e->key) != 0,
				     "the discriminator is not a key of a case");
			}
			NEED(e->key || has_own, "without a discriminator, a case's table has its own key");
			def_found |= e->key_def && strcmp(e->key_def, c->name) == 0;
			char cw[WHAT_MAX];
			snprintf(cw, sizeof cw, "%s(%s)", w, c->name);
			int rc = check_table(c->table, cw, err);
			if (rc)
				return rc;
		}
		NEED(!e->key_def || def_found, "the default case is one of the cases");
		break;
	}
	case PARAM_CUSTOM:
		NEED(e->parse && e->shape, "a parse callback and a shape");
		break;
	default:
		NEED(0, "unknown type");
	}
#undef NEED
	return 0;
}

static int check_table(const struct param_table *t, const char *what,
		       struct sim_err *err)
{
	size_t n = 0;
	for (const struct param *e = t->params; e->name; e++, n++) {
		if (n >= PARAM_MAX_KEYS)
			return sim_errf(err, SIM_EINVAL, "%s: more than %d keys", what,
					PARAM_MAX_KEYS);
		for (const struct param *x = t->params; x != e; x++)
			if (strcmp(x->name, e->name) == 0)
				return sim_errf(err, SIM_EINVAL, "%s: key '%s' twice", what, e->name);
		int rc = check_entry(e, t->size, what, err);
		if (rc)
			return rc;
		if (!e->def)
			continue;
		/* the default must pass its own check */
		struct scenario sc = { 0 };
		struct sim_err derr = { 0 };
		struct check_ctx ctx = { &sc, &derr, NULL };
		char *scratch = calloc(1, t->size ? t->size : 1);
		if (!scratch)
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		if (t->init)
			t->init(scratch);
		rc = apply_default(&ctx, e, e->name, scratch);
		fini_value(e, scratch);
		free(scratch);
		if (rc)
			return sim_errf(err, SIM_EINVAL, "%s: bad default: %s", what, derr.msg);
	}
	return 0;
}

int param_table_check(const struct param_table *t, struct sim_err *err)
{
	return check_table(t, "", err);
}

/* ---- documentation --------------------------------------------------- */

/* param_type_doc writes the type column of entry e ("integer from 1 to
 * 100000") into buf. */
void param_type_doc(const struct param *e, enum param_format fmt, char *buf, size_t len)
{
	const char *q = fmt == PARAM_MARKDOWN ? "`" : "";
	int used = 0;
	switch (e->type) {
	case PARAM_UINT:
		used = snprintf(buf, len, "integer from %llu to %llu",
				(unsigned long long)e->umin, (unsigned long long)e->umax);
		break;
	case PARAM_NUMBER:
		used = snprintf(buf, len, "number from %g to %g", e->min, e->max);
		break;
	case PARAM_PROB:
		used = snprintf(buf, len, "probability from 0 to 1");
		break;
	case PARAM_DURATION:
		if (e->min_ns == 0)
			used = snprintf(buf, len, "duration");
		else if (e->min_ns == 1)
			used = snprintf(buf, len, "duration > 0");
		else if (e->min_ns % 1000000 == 0)
			used = snprintf(buf, len, "duration, at least %lldms",
					(long long)(e->min_ns / 1000000));
		else if (e->min_ns % 1000 == 0)
			used = snprintf(buf, len, "duration, at least %lldus",
					(long long)(e->min_ns / 1000));
		else
			used = snprintf(buf, len, "duration, at least %lldns",
					(long long)e->min_ns);
		break;
	case PARAM_RATE:
		used = snprintf(buf, len, e->flags & PARAM_ZERO ? "rate, 0 allowed" : "rate > 0");
		break;
	case PARAM_DIST:
		used = snprintf(buf, len, "distribution");
		break;
	case PARAM_ENUM: {
		const char *names[PARAM_MAX_NAMES + 1];
		enum_names(e, names);
		used = snprintf(buf, len, "one of");
		for (size_t i = 0; names[i] && used >= 0 && (size_t)used < len; i++) {
			int w = snprintf(buf + used, len - (size_t)used, "%s %s%s%s",
					 i ? "," : "", q, names[i], q);
			used = w < 0 ? w : used + w;
		}
		break;
	}
	case PARAM_NODE:
		used = snprintf(buf, len, "node name");
		break;
	case PARAM_STRING:
		used = snprintf(buf, len, "string");
		break;
	case PARAM_BOOL:
		used = snprintf(buf, len, "true or false");
		break;
	case PARAM_MAP:
		if (e->shape) {
			snprintf(buf, len, "mapping such as %s%s%s", q, e->shape, q);
			return;
		}
		used = snprintf(buf, len, "mapping");
		break;
	case PARAM_LIST:
		if (e->min_len > 1)
			snprintf(buf, len, "%s at least %zu %s%s%s, at most %zu",
				 e->flags & PARAM_KEYED ? "mapping of names to" : "list of",
				 e->min_len, q, e->shape, q, e->max_len);
		else
			snprintf(buf, len, "%s%s %s%s%s, at most %zu",
				 e->min_len ? "non-empty " : "",
				 e->flags & PARAM_KEYED ? "mapping of names to" : "list of",
				 q, e->shape, q, e->max_len);
		return;
	case PARAM_VARIANT:
		if (e->key && e->key_def)
			snprintf(buf, len, "mapping, by %s%s%s (%s%s: %s%s when it is absent)", q,
				 e->key, q, q, e->key, e->key_def, q);
		else if (e->key)
			snprintf(buf, len, "mapping, by %s%s%s", q, e->key, q);
		else
			snprintf(buf, len, "mapping, by which key is present");
		return;
	case PARAM_CUSTOM:
		snprintf(buf, len, "%s%s%s", q, e->shape, q);
		return;
	}
	/* a scalar's shape is its unit or form, shown after its type */
	if (e->shape && used >= 0 && (size_t)used < len)
		snprintf(buf + used, len - (size_t)used, " (%s%s%s)", q, e->shape, q);
}

/* put writes s, with '|' escaped in a Markdown table cell.  Backticks
 * stay in plain text too: "goes on to `to`" reads better than without. */
static void put(FILE *f, enum param_format fmt, const char *s, int cell)
{
	for (; *s; s++) {
		if (fmt == PARAM_MARKDOWN && cell && *s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* wrap prints text indented by `indent` spaces, in lines of at most
 * TEXT_WIDTH columns where the words allow, and ends the last line. */
static void wrap(FILE *f, const char *text, size_t indent)
{
	const char *p = text;
	size_t col = 0;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t wl = strcspn(p, " ");
		if (col == 0) {
			fprintf(f, "%*s", (int)indent, "");
			col = indent;
		} else if (col + 1 + wl > TEXT_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, wl, f);
		col += wl;
		p += wl;
	}
	fputc('\n', f);
}

static void heading(FILE *f, enum param_format fmt, int level, const char *title)
{
	if (fmt == PARAM_MARKDOWN) {
		fprintf(f, "%.*s ", level, "######");
		put(f, fmt, title, 0);
		fputs("\n\n", f);
	} else {
		put(f, fmt, title, 0);
		fputc('\n', f);
	}
}

static void paragraph(FILE *f, enum param_format fmt, const char *text, size_t indent)
{
	if (fmt == PARAM_MARKDOWN) {
		put(f, fmt, text, 0);
		fputs("\n\n", f);
	} else {
		wrap(f, text, indent);
		fputc('\n', f);
	}
}

static void default_text(const struct param *e, enum param_format fmt, char *buf,
			 size_t len)
{
	if (e->flags & PARAM_REQUIRED)
		snprintf(buf, len, "required");
	else if (e->def)
		snprintf(buf, len, fmt == PARAM_MARKDOWN ? "`%s`" : "default %s", e->def);
	else if (e->def_doc)
		/* "required by ...": a rule, not a value that is the default */
		snprintf(buf, len, fmt == PARAM_MARKDOWN || !strncmp(e->def_doc, "required", 8) ?
			 "%s" : "default %s", e->def_doc);
	else
		snprintf(buf, len, "%s", fmt == PARAM_MARKDOWN ? "—" : "");
}

static void rows(FILE *f, const struct param_table *t, enum param_format fmt)
{
	char type[512], def[256];
	if (!t->params[0].name) {
		fputs(fmt == PARAM_MARKDOWN ? "No other keys.\n\n" : "  (no other keys)\n\n", f);
		return;
	}
	if (fmt == PARAM_MARKDOWN) {
		fputs("| key | type | default | meaning |\n| --- | --- | --- | --- |\n", f);
		for (const struct param *e = t->params; e->name; e++) {
			param_type_doc(e, fmt, type, sizeof type);
			default_text(e, fmt, def, sizeof def);
			fprintf(f, "| `%s` | ", e->name);
			put(f, fmt, type, 1);
			fputs(" | ", f);
			put(f, fmt, def, 1);
			fputs(" | ", f);
			put(f, fmt, e->doc, 1);
			fputs(" |\n", f);
		}
		fputc('\n', f);
		return;
	}
	size_t w = 0;
	for (const struct param *e = t->params; e->name; e++)
		if (strlen(e->name) > w)
			w = strlen(e->name);
	w += 2;
	for (const struct param *e = t->params; e->name; e++) {
		param_type_doc(e, fmt, type, sizeof type);
		default_text(e, fmt, def, sizeof def);
		fprintf(f, "  %-*s%s%s%s\n", (int)w, e->name, type, *def ? ", " : "", def);
		wrap(f, e->doc, 2 + w);
	}
	fputc('\n', f);
}

static void doc_table(FILE *f, const struct param_table *t, enum param_format fmt,
		      const char *what, int level);

static void doc_cases(FILE *f, const struct param *e, enum param_format fmt,
		      const char *path, int level)
{
	const char *q = fmt == PARAM_MARKDOWN ? "`" : "";
	char title[WHAT_MAX * 2];
	for (const struct param_case *c = e->cases; c->name; c++) {
		if (e->key)
			snprintf(title, sizeof title, "%s%s%s with %s%s: %s%s", q, path, q,
				 q, e->key, c->name, q);
		else
			snprintf(title, sizeof title, "%s%s%s with %s%s%s", q, path, q,
				 q, c->name, q);
		heading(f, fmt, level, title);
		if (c->doc)
			paragraph(f, fmt, c->doc, 2);
		doc_table(f, c->table, fmt, path, level + 1);
	}
}

static void doc_sections(FILE *f, const struct param *e, enum param_format fmt,
			 const char *what, int level)
{
	const char *q = fmt == PARAM_MARKDOWN ? "`" : "";
	char path[WHAT_MAX], title[WHAT_MAX + 32];
	sub_what(path, what, e->name);
	if (e->flags & PARAM_SEE_ABOVE)
		return;
	switch (e->type) {
	case PARAM_MAP:
		snprintf(title, sizeof title, "%s%s%s", q, path, q);
		heading(f, fmt, level, title);
		doc_table(f, e->sub, fmt, path, level + 1);
		break;
	case PARAM_LIST:
		if (e->elem->type != PARAM_MAP && e->elem->type != PARAM_VARIANT)
			break;
		snprintf(title, sizeof title, "%s%s%s %s", q, path, q,
			 e->flags & PARAM_KEYED ? "entries" : "elements");
		heading(f, fmt, level, title);
		if (e->elem->type == PARAM_MAP)
			doc_table(f, e->elem->sub, fmt, path, level + 1);
		else
			doc_cases(f, e->elem, fmt, path, level + 1);
		break;
	case PARAM_VARIANT:
		doc_cases(f, e, fmt, path, level);
		break;
	default:
		break;
	}
}

static void doc_table(FILE *f, const struct param_table *t, enum param_format fmt,
		      const char *what, int level)
{
	if (t->doc)
		paragraph(f, fmt, t->doc, 2);
	rows(f, t, fmt);
	for (const struct param *e = t->params; e->name; e++)
		doc_sections(f, e, fmt, what, level);
}

void param_doc(FILE *f, const struct param_table *t, enum param_format fmt,
	       const char *what, int level)
{
	doc_table(f, t, fmt, what, level);
}
