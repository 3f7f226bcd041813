/*
 * test_csv.c - output files declared column by column (app/csv.h): a
 * small file of two single columns and a family gives its header, a row
 * and its reference as declared, the family expanded for its context (and
 * shown by its pattern without one); numbers print as %.9g or NaN; text is
 * quoted when it holds a comma, a quote or a line break.
 */
#include "tests/testutil.h"

#include <math.h>

#include "app/csv.h"

/* The family's context: how many members it has. */
struct ctx {
	size_t n;
};

struct row {
	const char *name;
	double x;
	double v[4];
};

static void put_name(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, ((const struct row *)row)->name);
}

static void put_x(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_num(f, ((const struct row *)row)->x);
}

static size_t v_count(const void *ctx)
{
	return ctx ? ((const struct ctx *)ctx)->n : 0;
}

/* member k is v_k; v_1 has a meaning of its own, with a '|' that the
 * Markdown table must escape */
static void v_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	snprintf(name, len, "v_%zu", k);
	if (k == 1)
		*doc = "the second | the odd one";
}

static void put_v(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_num(f, ((const struct row *)row)->v[k]);
}

static const struct csv_col cols[] = {
	{ "name", "the row's name", NULL, NULL, put_name },
	{ "x", "a number", NULL, NULL, put_x },
	{ "v_K", "each value", v_count, v_member, put_v },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct csv_file file = { "t.csv", "A file of the test.", cols };

/* Capturing what a function writes: open a stream on memory, write, and
 * read the text back (valid until the next capture). */
static char *buf;
static size_t buflen;

static FILE *capture(void)
{
	free(buf);
	buf = NULL;
	FILE *f = open_memstream(&buf, &buflen);
	assert_non_null(f);
	return f;
}

static const char *captured(FILE *f)
{
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_csv_header_row_and_doc_as_declared(void **state)
{
	struct ctx three = { 3 }, none = { 0 };
	struct row r = { "a,b", NAN, { 1, 0.1, 1e20 / 3, 99 } };
	FILE *f = capture();
	csv_header(f, &file, &three);
	assert_string_equal(captured(f), "name,x,v_0,v_1,v_2\n");
	f = capture();
	csv_row(f, &file, &three, &r);
	assert_string_equal(captured(f), "\"a,b\",NaN,1,0.1,3.33333333e+19\n");
	/* a family of no members adds no column, to the header or the row */
	f = capture();
	csv_header(f, &file, &none);
	assert_string_equal(captured(f), "name,x\n");
	f = capture();
	csv_row(f, &file, &none, &r);
	assert_string_equal(captured(f), "\"a,b\",NaN\n");
	/* the reference: with a context, each member and its meaning (the
	 * family's, unless the member gives its own); without, the pattern */
	f = capture();
	csv_doc(f, &file, &(struct ctx){ 2 }, 3);
	assert_string_equal(captured(f),
			    "### `t.csv`\n\nA file of the test.\n\n"
			    "| column | meaning |\n| --- | --- |\n"
			    "| `name` | the row's name |\n"
			    "| `x` | a number |\n"
			    "| `v_0` | each value |\n"
			    "| `v_1` | the second \\| the odd one |\n\n");
	f = capture();
	csv_doc(f, &file, NULL, 2);
	assert_string_equal(captured(f),
			    "## `t.csv`\n\nA file of the test.\n\n"
			    "| column | meaning |\n| --- | --- |\n"
			    "| `name` | the row's name |\n"
			    "| `x` | a number |\n"
			    "| `v_K` | each value |\n\n");
}

static void test_csv_numbers(void **state)
{
	static const struct {
		double v;
		const char *text;
	} nums[] = {
		{ 0, "0" }, { 1, "1" }, { -2.5, "-2.5" }, { 0.1, "0.1" },
		{ 1.0 / 3, "0.333333333" }, { 123456789, "123456789" },
		{ 1234567890, "1.23456789e+09" }, { 1e-12, "1e-12" },
		{ 2.0 / 3 * 1e-7, "6.66666667e-08" }, { NAN, "NaN" }, { -NAN, "NaN" },
		/* whole numbers take a path of their own: its edges */
		{ -0.0, "-0" }, { -7, "-7" }, { 999999999, "999999999" },
		{ -999999999, "-999999999" }, { 1e9, "1e+09" }, { -1e9, "-1e+09" },
		{ 4294967296.0, "4.2949673e+09" }, { 1e300, "1e+300" }, { INFINITY, "inf" },
	};
	int wrong = 0;
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		FILE *f = capture();
		csv_num(f, nums[i].v);
		const char *got = captured(f);
		if (strcmp(got, nums[i].text)) {
			print_error("%.17g: got %s, expected %s\n", nums[i].v, got, nums[i].text);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
	/* and every whole number as printf writes it, at random over the
	 * range that path takes, and beyond */
	uint64_t x = 88172645463325252u;
	char want[32];
	for (int i = 0; i < 100000 && !wrong; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double v = (double)(int64_t)(x % 4000000001u) - 2000000000.0;
		FILE *f = capture();
		csv_num(f, v);
		const char *got = captured(f);
		snprintf(want, sizeof want, "%.9g", v);
		if (strcmp(got, want)) {
			print_error("%.17g: got %s, printf gives %s\n", v, got, want);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

static void test_csv_text_is_quoted_when_it_must_be(void **state)
{
	static const struct {
		const char *s, *text;
	} texts[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "web[0]", "web[0]" },
		{ "semi;colon and space", "semi;colon and space" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "\"", "\"\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\rhere", "\"cr\rhere\"" },
	};
	int wrong = 0;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		FILE *f = capture();
		csv_text(f, texts[i].s);
		const char *got = captured(f);
		if (strcmp(got, texts[i].text)) {
			print_error("'%s': got '%s', expected '%s'\n", texts[i].s, got, texts[i].text);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

static int teardown(void **state)
{
	free(buf);
	buf = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_header_row_and_doc_as_declared),
		cmocka_unit_test(test_csv_numbers),
		cmocka_unit_test(test_csv_text_is_quoted_when_it_must_be),
	};
	return cmocka_run_group_tests_name("csv", tests, NULL, teardown);
}
