/*
 * param.h - parameter tables: each component kind declares its keys once.
 *
 * A kind describes the YAML mapping it accepts as a const struct
 * param_table: one struct param per key, giving the key's name, its type
 * and range, where the checked value goes in the kind's config struct
 * (offsetof), its default, whether it is required, and a line of
 * documentation.  From that one declaration come
 *
 *   - checking: param_new fills the config struct, reporting every
 *     problem through the helpers of check.h, so a message is the
 *     same whichever kind or table it comes from ("FILE:LINE:COL: path:
 *     problem (what is allowed)");
 *   - defaults: written as YAML text ("1", "0s") and put through the same
 *     check as a value from the file, so what the reference prints is what
 *     is applied;
 *   - documentation: param_doc prints the table as plain text (`archsim
 *     help KIND`) or Markdown (docs/reference.md), so the reference cannot
 *     drift from the checker.
 *
 * Scalar types map onto the check_* helpers one to one (UINT -> check_uint, RATE
 * -> check_rate...).  Three types hold other tables: MAP (a nested mapping
 * filling a sub-struct), LIST (a YAML sequence, or with PARAM_KEYED a
 * mapping of names, each element checked by one element entry into an
 * allocated array plus a count), and VARIANT (a mapping whose
 * discriminator key, such as `process`, selects one of several tables, or
 * with no key, whichever case's key is present; the chosen case's index
 * goes into an enum field).  CUSTOM is a callback for what fits none of
 * these.  A table may have an init hook (sentinels that no YAML value can
 * express, such as "unbounded" = -1), a validate hook (checks across keys:
 * probabilities that must not add up to more than 1), and a fini hook for
 * memory the entries do not describe.
 *
 * A key missing from the mapping gets its default when the entry has one;
 * otherwise the field keeps what init left (zero unless init says
 * otherwise), and `def_doc` says in words what that means ("unbounded").
 * A required key has no default.
 *
 * Ownership: param_new allocates the config and param_free releases it
 * with everything the entries own (distributions, strings, list arrays and
 * their elements, the chosen variant's fields, custom fini) and whatever
 * the table's fini frees.  A failed parse leaves nothing to free for
 * param_new's caller.  Tables are const and never change.
 */
#ifndef SIM_PARAM_H
#define SIM_PARAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/check.h"

enum param_type {
	PARAM_UINT,      /* integer in [umin, umax] -> unsigned field of 1..8 bytes */
	PARAM_NUMBER,    /* number in [min, max] -> double */
	PARAM_PROB,      /* number in [0, 1] -> double */
	PARAM_DURATION,  /* duration >= min_ns -> int64_t nanoseconds */
	PARAM_RATE,      /* rate > 0 (>= 0 with PARAM_ZERO) -> double per second */
	PARAM_DIST,      /* distribution (check_dist) -> struct dist */
	PARAM_ENUM,      /* one of names[] (or rows) -> its index, in an integer field */
	PARAM_NODE,      /* name of a component in `nodes:` -> uint32_t index */
	PARAM_STRING,    /* text -> char * (an owned copy); size 0: not kept */
	PARAM_BOOL,      /* true/false, yes/no, on/off -> int or bool field */
	PARAM_MAP,       /* mapping checked by sub -> the sub-struct at off */
	PARAM_LIST,      /* sequence of elem -> array pointer at off, count */
	PARAM_VARIANT,   /* mapping; key selects one of cases[] -> index at off */
	PARAM_CUSTOM,    /* parse callback -> whatever it fills at off */
};

enum param_flag {
	PARAM_REQUIRED = 1 << 0,  /* the key must be present */
	PARAM_ZERO = 1 << 1,      /* RATE: 0 is allowed */
	PARAM_KEYED = 1 << 2,     /* LIST: a mapping NAME: ELEMENT, not a sequence */
	PARAM_ELSE_LAST = 1 << 3, /* VARIANT without a key: when no case's key
				   * is present, the last case (whose table
				   * then says what is missing) */
	PARAM_SEE_ABOVE = 1 << 4, /* LIST, MAP: its keys are documented
				   * elsewhere in the same reference */
};

struct param_table;

/* One case of a VARIANT: the discriminator's value (or, when the variant
 * has no key, the key whose presence selects the case) and the table of
 * the other keys it allows. */
struct param_case {
	const char *name;
	const struct param_table *table;
	const char *doc;                 /* a sentence or two, for the reference */
};

/* One key.  Only the fields of its type are read; designated initializers
 * leave the rest zero. */
struct param {
	const char *name;                /* the YAML key; NULL ends a table */
	enum param_type type;
	size_t off, size;                /* the field (PARAM_FIELD) */
	unsigned flags;                  /* enum param_flag */
	const char *def;                 /* default as YAML text, or NULL */
	const char *def_doc;             /* a default that is not a value */
	const char *shape;               /* docs and messages: what the value
					  * looks like ("{to: NODE, p: PROB}");
					  * for scalars, a unit shown in docs */
	const char *doc;                 /* one line */

	uint64_t umin, umax;             /* UINT */
	double min, max;                 /* NUMBER */
	int64_t min_ns;                  /* DURATION */
	const char *const *names;        /* ENUM: NULL-terminated */
	/* ENUM, instead of names: a table of row_size-byte rows, each
	 * opening with its name (a const char *), ended by a row whose name
	 * is NULL.  A kind whose choices are rows of callbacks (the
	 * balancer's policies) then names them once, in its table. */
	const void *rows;
	size_t row_size;
	const char *noun;                /* ENUM, VARIANT: the word in "unknown
					  * NOUN 'x'"; the key name if NULL */
	const struct param_table *sub;   /* MAP */

	/* LIST: elem checks one element (its off is within the element);
	 * the array of elem_size-byte elements goes at off, its length at
	 * count_off; with PARAM_KEYED each element's name (an owned char *)
	 * goes at name_off within the element. */
	const struct param *elem;
	size_t elem_size;
	size_t count_off, count_size;
	size_t name_off;
	size_t min_len, max_len;         /* max_len > 0 */
	const char *item;                /* "routes", for "at most N routes" */

	/* VARIANT: the discriminator (NULL: by which case's key is present),
	 * the cases (ended by a NULL name), and where the cases' tables
	 * write, relative to the struct this entry belongs to (0: into that
	 * struct itself, beside its other entries' fields, never onto
	 * them). */
	const char *key;
	const char *key_def;             /* with a key: the case taken when it
					  * is absent (NULL: it is required) */
	const struct param_case *cases;
	size_t sub_off;

	/* CUSTOM: check n and fill field; fini frees what parse kept.  An
	 * entry with no PARAM_FIELD (off 0, size 0) is handed the whole
	 * struct its table fills, for a key that sets several fields (a
	 * scenario's `warmup`: a duration, or auto). */
	int (*parse)(struct check_ctx *ctx, const char *what,
		     const struct yt_node *n, void *field);
	void (*fini)(void *field);
};

struct param_table {
	const struct param *params;      /* ended by an entry with name NULL */
	size_t size;                     /* of the struct it fills */
	const char *doc;                 /* a paragraph for the reference */
	/* init sets what zero does not mean, before anything is read. */
	void (*init)(void *obj);
	/* validate checks across keys once all are read; map is the checked
	 * mapping (for locations), what its dotted path.  0 or SIM_EINVAL. */
	int (*validate)(struct check_ctx *ctx, const char *what,
			const struct yt_node *map, void *obj);
	/* fini frees what the entries do not describe. */
	void (*fini)(void *obj);
};

/* PARAM_FIELD(type, member) places an entry's value. */
#define PARAM_FIELD(type, member) \
	.off = offsetof(type, member), .size = sizeof(((type *)0)->member)
/* PARAM_COUNT(type, member) places a LIST's element count. */
#define PARAM_COUNT(type, member) \
	.count_off = offsetof(type, member), \
	.count_size = sizeof(((type *)0)->member)

/* The most keys one table may have, cases one variant, and names one
 * enum. */
#define PARAM_MAX_KEYS 64
#define PARAM_MAX_CASES 32
#define PARAM_MAX_NAMES 64

/* param_mark_given is a table's validate for an optional mapping whose
 * struct begins with `int given`: it sets it, so that the kind can tell
 * a mapping that was written (with its defaults) from one that was not. */
int param_mark_given(struct check_ctx *ctx, const char *what,
		     const struct yt_node *map, void *obj);

/* param_new allocates a zeroed t->size-byte struct, checks map (a mapping
 * at dotted path `what`) into it and sets *out.  `lead` is a key checked by
 * the caller (a node's `type`), or up to four separated by spaces, that the
 * mapping may hold besides the table's, listed first in messages; NULL if
 * none.  Returns 0, or
 * SIM_EINVAL / SIM_ENOMEM with the first problem in ctx->err and nothing
 * allocated.  Free *out with param_free. */
int param_new(struct check_ctx *ctx, const char *what, const struct yt_node *map,
	      const struct param_table *t, const char *lead, void **out);

/* param_fill is param_new into obj, a zeroed t->size-byte struct of the
 * caller's.  On failure obj holds what was stored so far: release it
 * with param_fini. */
int param_fill(struct check_ctx *ctx, const char *what, const struct yt_node *map,
	       const struct param_table *t, const char *lead, void *obj);

/* param_check_one checks n, the value of key e at dotted path `what`,
 * into its field of obj (the struct e belongs to).  0, or SIM_EINVAL /
 * SIM_ENOMEM with the message in ctx->err. */
int param_check_one(struct check_ctx *ctx, const struct param *e, const char *what,
		    const struct yt_node *n, void *obj);

/* param_fini frees what a parse of t stored in obj (not obj itself). */
void param_fini(const struct param_table *t, void *obj);

/* param_free is param_fini and free(obj); NULL is fine. */
void param_free(const struct param_table *t, void *obj);

/* param_table_check verifies a table against the rules above: field sizes
 * that fit their types, unique names, no default on a required key, a
 * shape for every list and custom entry, defaults that pass their own
 * check, and the same for every table it holds.  0, or SIM_EINVAL with the
 * first fault in err (for tests: a faulty table is a programming error). */
int param_table_check(const struct param_table *t, struct sim_err *err);

enum param_format { PARAM_TEXT, PARAM_MARKDOWN };

/* param_type_doc writes the type column of entry e's reference ("integer
 * from 1 to 100000") into buf: the words of the checker's messages. */
void param_type_doc(const struct param *e, enum param_format fmt, char *buf, size_t len);

/* param_doc prints the reference of table t: its doc paragraph, one row
 * per key (name, type and range, default, doc), then a section for each
 * key that holds tables (elements of a list, keys of a mapping, cases of
 * a variant).  `what` names the mapping in those sections' titles
 * ("arrival"); `level` is the Markdown heading level of those sections. */
void param_doc(FILE *f, const struct param_table *t, enum param_format fmt,
	       const char *what, int level);

#endif
