/*
 * csvtest.h - reading archsim's CSV files back in tests: a whole file as
 * rows of fields, and a field by its column name.  The files the tests
 * read have no quoted fields.
 */
#ifndef CSVTEST_H
#define CSVTEST_H

#include "tests/testutil.h"

#define CSV_MAX_ROWS 65536
#define CSV_MAX_COLS 128

struct csvt {
	char *text;
	char **f;              /* [rows * CSV_MAX_COLS] */
	size_t rows, cols;     /* rows includes the header */
};

/* csvt_load reads path; the test fails when it cannot. */
static inline void csvt_load(struct csvt *c, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	c->text = malloc((size_t)n + 1);
	assert_non_null(c->text);
	assert_int_equal(fread(c->text, 1, (size_t)n, f), (size_t)n);
	c->text[n] = 0;
	fclose(f);
	c->f = calloc(CSV_MAX_ROWS * (size_t)CSV_MAX_COLS, sizeof *c->f);
	assert_non_null(c->f);
	c->rows = c->cols = 0;
	char *p = c->text;
	while (*p && c->rows < CSV_MAX_ROWS) {
		size_t k = 0;
		char **row = c->f + c->rows * CSV_MAX_COLS;
		row[k++] = p;
		for (; *p && *p != '\n'; p++)
			if (*p == ',' && k < CSV_MAX_COLS) {
				*p = 0;
				row[k++] = p + 1;
			}
		if (*p)
			*p++ = 0;
		if (c->rows == 0)
			c->cols = k;
		c->rows++;
	}
}

static inline void csvt_free(struct csvt *c)
{
	free(c->text);
	free(c->f);
}

/* csvt_col returns the index of column name; the test fails without it. */
static inline size_t csvt_col(const struct csvt *c, const char *name)
{
	for (size_t i = 0; i < c->cols; i++)
		if (!strcmp(c->f[i], name))
			return i;
	fail_msg("no column %s", name);
	return 0;
}

/* csvt_get returns field `name` of data row r (0 is the first after the
 * header). */
static inline const char *csvt_get(const struct csvt *c, size_t r, const char *name)
{
	assert_true(r + 1 < c->rows);
	return c->f[(r + 1) * CSV_MAX_COLS + csvt_col(c, name)];
}

static inline double csvt_num(const struct csvt *c, size_t r, const char *name)
{
	return strtod(csvt_get(c, r, name), NULL);
}

/* csvt_find returns the first data row whose column `key` is `value`, or
 * fails. */
static inline size_t csvt_find(const struct csvt *c, const char *key, const char *value)
{
	size_t k = csvt_col(c, key);
	for (size_t r = 1; r < c->rows; r++)
		if (!strcmp(c->f[r * CSV_MAX_COLS + k], value))
			return r - 1;
	fail_msg("no row with %s = %s", key, value);
	return 0;
}

#endif
