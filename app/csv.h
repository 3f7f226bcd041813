/*
 * csv.h - an output file as a table of declared columns: one declaration
 * gives its header, every row, and its reference.
 *
 * A file is a list of column declarations.  A declaration is one column
 * (`replications`) or a family of them whose members depend on the run
 * (one column per swept path, per failure status, per metric and its
 * interval, per kind's nodes.csv column, per SLO term): the family says
 * how many members it has, what each is called and what it means.  The
 * same declaration then
 *
 *   - writes the header (csv_header), expanding families;
 *   - writes each row (csv_row): every column's put callback writes its
 *     value for that row, so a row cannot disagree with its header;
 *   - prints the reference (csv_doc), a table of column and meaning, for
 *     `archsim help outputs` and docs/reference.md.
 *
 * Values: numbers as %.9g and NaN for a value that does not exist, so the
 * same inputs give the same bytes; text quoted as CSV needs it.  A
 * family's context (`ctx`) is whatever the file's members depend on (the
 * sweep, the kinds); a row (`row`) is whatever its values come from.  A
 * family's count is also asked with ctx NULL, for the reference: it gives
 * its members when it can list them without a run (the statuses, the
 * metrics), or 0, and the reference then shows its pattern
 * (`failed_STATUS`) and meaning.
 */
#ifndef APP_CSV_H
#define APP_CSV_H

#include <stddef.h>
#include <stdio.h>

struct csv_col {
	const char *name;          /* the column; a family: its pattern */
	const char *doc;           /* its meaning; a family: what each is */
	/* a family: how many columns it has in ctx, and the name and meaning
	 * of column k (doc may be left as the family's); NULL for one column */
	size_t (*count)(const void *ctx);
	void (*member)(const void *ctx, size_t k, char *name, size_t len, const char **doc);
	/* put writes the value of column k (0 for a single column) of row,
	 * without separators; ctx is the one the header was written with */
	void (*put)(FILE *f, const void *ctx, const void *row, size_t k);
};

struct csv_file {
	const char *name;          /* "summary.csv" */
	const char *doc;           /* a paragraph for the reference */
	const struct csv_col *cols;  /* ended by a NULL name */
};

/* csv_header writes f's header line for ctx. */
void csv_header(FILE *out, const struct csv_file *f, const void *ctx);

/* csv_row writes one row: each column of f (families expanded for ctx)
 * from row, separated by commas, and the line's end. */
void csv_row(FILE *out, const struct csv_file *f, const void *ctx, const void *row);

/* csv_doc prints f's reference in Markdown under a heading of `level`
 * (0: in plain text): its paragraph, then each column (or family) and its
 * meaning; a family lists its members when it can without ctx (ctx may be
 * NULL). */
void csv_doc(FILE *out, const struct csv_file *f, const void *ctx, int level);

/* csv_num writes a number as %.9g, or NaN. */
void csv_num(FILE *f, double v);

/* csv_text writes a string as a CSV field, quoted when it must be. */
void csv_text(FILE *f, const char *s);

#endif
