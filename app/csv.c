/*
 * csv.c - output files as tables of declared columns; see csv.h.
 */
#include "app/csv.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void csv_num(FILE *f, double v)
{
	if (isnan(v)) {
		fputs("NaN", f);
	} else if (fabs(v) < 1e9 && v == (double)(int32_t)v && !(v == 0 && signbit(v))) {
		/* a whole number below 10^9, as %.9g writes it, without
		 * printf's multiple-precision path: counts are most cells */
		char buf[16], *p = buf + sizeof buf;
		int32_t i = (int32_t)v;
		uint32_t u = i < 0 ? -(uint32_t)i : (uint32_t)i;
		*--p = 0;
		do
			*--p = (char)('0' + u % 10);
		while (u /= 10);
		if (i < 0)
			*--p = '-';
		fputs(p, f);
	} else {
		fprintf(f, "%.9g", v);
	}
}

void csv_text(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

/* ncols is how many columns declaration c has in ctx. */
static size_t ncols(const struct csv_col *c, const void *ctx)
{
	return c->count ? c->count(ctx) : 1;
}

void csv_header(FILE *out, const struct csv_file *f, const void *ctx)
{
	int first = 1;
	for (const struct csv_col *c = f->cols; c->name; c++) {
		size_t n = ncols(c, ctx);
		for (size_t k = 0; k < n; k++) {
			char name[256];
			const char *doc;
			if (!first)
				fputc(',', out);
			first = 0;
			if (c->count) {
				c->member(ctx, k, name, sizeof name, &doc);
				csv_text(out, name);
			} else {
				csv_text(out, c->name);
			}
		}
	}
	fputc('\n', out);
}

void csv_row(FILE *out, const struct csv_file *f, const void *ctx, const void *row)
{
	int first = 1;
	for (const struct csv_col *c = f->cols; c->name; c++) {
		size_t n = ncols(c, ctx);
		for (size_t k = 0; k < n; k++) {
			if (!first)
				fputc(',', out);
			first = 0;
			c->put(out, ctx, row, k);
		}
	}
	fputc('\n', out);
}

/* cell writes s in a Markdown table cell ('|' escaped). */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* wrap prints text from column `col`, lines of at most 79 columns where
 * the words allow, continued at `indent`, and ends the line. */
static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
	size_t at = col;
	int first = 1;
	while (*text) {
		while (*text == ' ')
			text++;
		size_t wl = strcspn(text, " ");
		if (!wl)
			break;
		if (!first && at + 1 + wl > 79) {
			fprintf(out, "\n%*s", (int)indent, "");
			at = indent;
		} else if (!first) {
			fputc(' ', out);
			at++;
		}
		fwrite(text, 1, wl, out);
		at += wl;
		text += wl;
		first = 0;
	}
	fputc('\n', out);
}

/* row prints one column's line of the reference. */
static void doc_row(FILE *out, const char *name, const char *doc, int level)
{
	if (level) {
		fprintf(out, "| `%s` | ", name);
		cell(out, doc);
		fputs(" |\n", out);
		return;
	}
	fprintf(out, "  %s\n    ", name);
	wrap(out, doc, 4, 4);
}

void csv_doc(FILE *out, const struct csv_file *f, const void *ctx, int level)
{
	if (level) {
		fprintf(out, "%.*s `%s`\n\n", level, "######", f->name);
		if (f->doc)
			fprintf(out, "%s\n\n", f->doc);
		fputs("| column | meaning |\n| --- | --- |\n", out);
	} else {
		fprintf(out, "%s\n", f->name);
		if (f->doc) {
			fputs("  ", out);
			wrap(out, f->doc, 2, 2);
		}
		fputc('\n', out);
	}
	for (const struct csv_col *c = f->cols; c->name; c++) {
		size_t n = c->count ? c->count(ctx) : 0;
		if (!c->count || !n) {
			doc_row(out, c->name, c->doc, level);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			char name[256];
			const char *doc = c->doc;
			c->member(ctx, k, name, sizeof name, &doc);
			doc_row(out, name, doc, level);
		}
	}
	fputc('\n', out);
}
