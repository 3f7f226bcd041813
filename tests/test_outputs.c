/*
 * test_outputs.c - the files a run writes, against their declarations
 * (app/outputs.h).  A small sweep of two points, two workloads, nodes of
 * several kinds, one with replicas, and a timeline entry is run into a
 * temporary directory; then for every file of outputs_files[]:
 *
 *   - its header is exactly its declared columns, each family expanded
 *     for the run (walked here from the declaration, and as csv_header
 *     writes it), and names no column twice;
 *   - it has rows, and every row has as many fields as the header
 *     (a quoted field read as CSV reads it, should one ever be).
 *
 * And every column of every kind's tables appears in nodes.csv (and
 * node_timeseries.csv for the sampled ones), the engine's call columns
 * too.
 */
#include "tests/simtest.h"

#include <unistd.h>

#include "app/csv.h"
#include "app/outputs.h"
#include "app/runner.h"

#define SCENARIO \
	"name: out\nseed: 3\nduration: 4s\nwarmup: 1s\nwindow: 1s\nreplications: 2\n" \
	"zones: {a: {}, b: {}}\n" \
	"links:\n  - {between: [a, b], latency: 1ms, bandwidth: 1Gbit/s, cost: {per_gb: 0.02}}\n" \
	"workloads:\n" \
	"  u: {arrival: {process: poisson, rate: 40/s}, target: lb, zone: a, size: {request: 1KB}}\n" \
	"  v: {arrival: {process: poisson, rate: 20/s}, target: cache, keys: {dist: zipf, n: 100, s: 1}}\n" \
	"nodes:\n" \
	"  lb: {type: balancer, backends: web}\n" \
	"  web: {type: service, replicas: 2, workers: 2, zones: [a, b], service: {dist: exponential, mean: 5ms},\n" \
	"        calls: [{to: db, timeout: 50ms}]}\n" \
	"  db: {type: database, primary: {workers: 4, service: 1ms}, replicas: 1}\n" \
	"  cache: {type: cache, mode: read_through, capacity: 10, backend: db}\n" \
	"  q: {type: queue, consumers: [{group: g, service: 1ms}]}\n" \
	"timeline:\n" \
	"  - {at: 2s, node: web, replica: 1, do: crash, for: 1s}\n" \
	"sweep: {nodes.web.workers: [2, 3]}\n"

/* A file read back as CSV: its records, each a list of fields. */
struct table {
	char ***rec;               /* [n][fields of each], unquoted */
	size_t *nf;
	size_t n;
};

/* parse splits text into records and fields as CSV reads them: a field
 * in quotes may hold commas, line breaks and doubled quotes. */
static void parse(const char *text, struct table *t)
{
	size_t cap = 16;
	t->rec = malloc(cap * sizeof *t->rec);
	t->nf = malloc(cap * sizeof *t->nf);
	t->n = 0;
	assert_non_null(t->rec);
	assert_non_null(t->nf);
	const char *p = text;
	while (*p) {
		if (t->n == cap) {
			cap *= 2;
			t->rec = realloc(t->rec, cap * sizeof *t->rec);
			t->nf = realloc(t->nf, cap * sizeof *t->nf);
			assert_non_null(t->rec);
			assert_non_null(t->nf);
		}
		size_t fcap = 8, nf = 0;
		char **f = malloc(fcap * sizeof *f);
		assert_non_null(f);
		for (;;) {
			size_t len = strlen(p), k = 0;
			char *v = malloc(len + 1);
			assert_non_null(v);
			if (*p == '"') {
				for (p++;; p++) {
					if (!*p)
						fail_msg("a quoted field runs to the end of the file");
					if (*p == '"' && p[1] == '"')
						v[k++] = *p++;
					else if (*p == '"')
						break;
					else
						v[k++] = *p;
				}
				p++;
				if (*p != ',' && *p != '\n' && *p)
					fail_msg("text after a quoted field: '%.20s'", p);
			} else {
				for (; *p && *p != ',' && *p != '\n'; p++) {
					if (*p == '"')
						fail_msg("a quote inside an unquoted field: '%.20s'", p);
					v[k++] = *p;
				}
			}
			v[k] = 0;
			if (nf == fcap) {
				fcap *= 2;
				f = realloc(f, fcap * sizeof *f);
				assert_non_null(f);
			}
			f[nf++] = v;
			if (*p != ',')
				break;
			p++;
		}
		if (*p != '\n')
			fail_msg("the last line has no end");
		p++;
		t->rec[t->n] = f;
		t->nf[t->n++] = nf;
	}
}

static void table_free(struct table *t)
{
	for (size_t r = 0; r < t->n; r++) {
		for (size_t i = 0; i < t->nf[r]; i++)
			free(t->rec[r][i]);
		free(t->rec[r]);
	}
	free(t->rec);
	free(t->nf);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char *text = NULL;
	size_t len = 0, got;
	char chunk[65536];
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		text = realloc(text, len + got + 1);
		assert_non_null(text);
		memcpy(text + len, chunk, got);
		len += got;
	}
	fclose(f);
	if (!text)
		text = calloc(1, 1);
	assert_non_null(text);
	text[len] = 0;
	return text;
}

/* has says whether the header record h names col. */
static int has(char **h, size_t n, const char *col)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(h[i], col))
			return 1;
	return 0;
}

/* check_file holds one file to its declaration in ctx. */
static void check_file(const char *dir, const struct csv_file *file, const struct outputs_ctx *ctx)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, file->name);
	char *text = slurp(path);
	/* the header line as csv_header writes it for the run */
	char *want = NULL;
	size_t wlen = 0;
	FILE *m = open_memstream(&want, &wlen);
	assert_non_null(m);
	csv_header(m, file, ctx);
	assert_int_equal(fclose(m), 0);
	if (strncmp(text, want, wlen))
		fail_msg("%s: header\n  %.*s  not as declared\n  %s", file->name,
			 (int)(strcspn(text, "\n") + 1), text, want);
	struct table t;
	parse(text, &t);
	assert_true(t.n >= 1);
	/* the declaration walked here: each column, each family's members */
	size_t k = 0, nh = t.nf[0];
	char **h = t.rec[0];
	for (const struct csv_col *c = file->cols; c->name; c++) {
		size_t n = c->count ? c->count(ctx) : 1;
		for (size_t j = 0; j < n; j++, k++) {
			char name[256];
			const char *doc = c->doc;
			if (c->count)
				c->member(ctx, j, name, sizeof name, &doc);
			else
				snprintf(name, sizeof name, "%s", c->name);
			if (k >= nh || strcmp(h[k], name))
				fail_msg("%s: column %zu is '%s', declared '%s'", file->name, k,
					 k < nh ? h[k] : "(none)", name);
			assert_true(doc && *doc);
		}
	}
	if (k != nh)
		fail_msg("%s: %zu columns, %zu declared", file->name, nh, k);
	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(h[i], h[j]))
				fail_msg("%s: column '%s' twice", file->name, h[i]);
	/* rows, each as wide as the header */
	if (t.n < 2)
		fail_msg("%s: no rows", file->name);
	for (size_t r = 1; r < t.n; r++)
		if (t.nf[r] != nh)
			fail_msg("%s: row %zu has %zu fields, the header %zu", file->name, r, t.nf[r], nh);
	print_message("    %-20s %3zu columns, %4zu rows\n", file->name, nh, t.n - 1);
	table_free(&t);
	free(want);
	free(text);
}

/* header_of reads file's header (the caller frees it with table_free). */
static void header_of(const char *dir, const char *file, struct table *t)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	char *text = slurp(path);
	parse(text, t);
	free(text);
	assert_true(t->n >= 1);
}

/* col_of is the index of column name in t's header; the test fails
 * without it. */
static size_t col_of(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->nf[0]; i++)
		if (!strcmp(t->rec[0][i], name))
			return i;
	fail_msg("no column %s", name);
	return 0;
}

/* points_named checks that every row of the file in t names its point
 * as summary.csv s does: the swept value as a number, the duration, the
 * warm-up and the replications. */
static void points_named(const char *file, const struct table *t, const struct table *s)
{
	size_t tp = col_of(t, "point"), sp = col_of(s, "point");
	static const char *const cols[] = {
		"nodes.web.workers", "duration_s", "warmup_s", "replications",
	};
	for (size_t r = 1; r < t->n; r++) {
		size_t p = (size_t)atoi(t->rec[r][tp]);
		assert_true(p + 1 < s->n);
		assert_int_equal(atoi(s->rec[p + 1][sp]), (int)p);
		for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
			if (strcmp(t->rec[r][col_of(t, cols[c])], s->rec[p + 1][col_of(s, cols[c])]))
				fail_msg("%s row %zu: %s is %s, summary.csv's %s", file, r, cols[c],
					 t->rec[r][col_of(t, cols[c])],
					 s->rec[p + 1][col_of(s, cols[c])]);
	}
}

static void test_outputs_files_are_as_declared(void **state)
{
	char dir[] = "/tmp/archsim-outputs-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sweep *set = simtest_load(SCENARIO);
	assert_int_equal(set->npoints, 2);
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_open(&rep, dir, &err), 0);
	assert_int_equal(runner_run(set, &rep, NULL, &err), 0);
	assert_int_equal(report_commit(&rep, &err), 0);
	report_fini(&rep);

	struct outputs_catalogue nodes, ts;
	outputs_catalogue_of(&nodes, archsim_lang.kinds, 0);
	outputs_catalogue_of(&ts, archsim_lang.kinds, 1);
	struct outputs_ctx ctx = { set, &nodes, &ts, NULL };
	for (int i = 0; i < OUT_NFILES; i++)
		check_file(dir, &outputs_files[i], &ctx);

	/* every kind's columns are nodes.csv's, and its sampled ones
	 * node_timeseries.csv's */
	struct table n, nts;
	header_of(dir, outputs_files[OUT_NODES].name, &n);
	header_of(dir, outputs_files[OUT_NODE_TS].name, &nts);
	size_t cols = 0;
	for (const struct model_ops *const *k = archsim_lang.kinds; *k; k++) {
		for (const struct col_def *d = (*k)->cols; d && d->name; d++, cols++)
			if (!has(n.rec[0], n.nf[0], d->name))
				fail_msg("nodes.csv has no column %s (of kind %s)", d->name, (*k)->kind);
		for (const struct col_def *d = (*k)->ts_cols; d && d->name; d++, cols++)
			if (!has(nts.rec[0], nts.nf[0], d->name))
				fail_msg("node_timeseries.csv has no column %s (of kind %s)", d->name,
					 (*k)->kind);
	}
	for (const struct col_def *d = sim_call_cols; d->name; d++, cols++)
		assert_true(has(n.rec[0], n.nf[0], d->name));
	print_message("    %zu columns of the kinds and the engine, all there\n", cols);
	assert_true(cols > 50);
	/* a unit's row names its node in `parent`; the node's own row leaves it
	 * empty and covers its units: web's arrivals are web[0]'s and web[1]'s */
	size_t pc = col_of(&n, "parent"), ac = col_of(&n, "arrivals");
	double web = -1, units = 0;
	size_t nunits = 0;
	for (size_t r = 1; r < n.n; r++) {
		const char *name = n.rec[r][1], *br = strchr(name, '[');
		if (br) {
			assert_int_equal(strlen(n.rec[r][pc]), (size_t)(br - name));
			assert_int_equal(strncmp(n.rec[r][pc], name, (size_t)(br - name)), 0);
			nunits++;
		} else {
			assert_string_equal(n.rec[r][pc], "");
		}
		if (!strcmp(n.rec[r][0], "0") && !strcmp(name, "web"))
			web = atof(n.rec[r][ac]);
		if (!strcmp(n.rec[r][0], "0") && !strncmp(name, "web[", 4))
			units += atof(n.rec[r][ac]);
	}
	print_message("    %zu unit rows name their node; web's %g arrivals are its units' %g\n",
		      nunits, web, units);
	/* a balancer's unit rows say which backend each is; a replica's row
	 * says nothing more */
	size_t uc = col_of(&n, "unit"), lbrows = 0;
	for (size_t r = 1; r < n.n; r++) {
		const char *name = n.rec[r][1];
		if (!strcmp(name, "lb[0]") || !strcmp(name, "lb[1]")) {
			char want[16];
			snprintf(want, sizeof want, "web[%c]", name[3]);
			assert_string_equal(n.rec[r][uc], want);
			lbrows++;
		} else {
			assert_string_equal(n.rec[r][uc], "");
		}
	}
	assert_int_equal(lbrows, 4);     /* two points */
	assert_true(nunits > 0);
	assert_true(web > 0 && web == units);

	/* the points are named: summary.csv's swept value is a number, its
	 * label the values as written; every other file's rows carry the
	 * same values as their point's summary row */
	struct table sm;
	header_of(dir, outputs_files[OUT_SUMMARY].name, &sm);
	assert_int_equal(sm.n, 3);
	size_t wc = col_of(&sm, "nodes.web.workers"), lc = col_of(&sm, "label");
	assert_string_equal(sm.rec[1][wc], "2");
	assert_string_equal(sm.rec[2][wc], "3");
	assert_string_equal(sm.rec[2][lc], "3");
	assert_string_equal(sm.rec[2][col_of(&sm, "duration_s")], "4");
	assert_string_equal(sm.rec[2][col_of(&sm, "warmup_s")], "1");
	assert_string_equal(sm.rec[2][col_of(&sm, "replications")], "2");
	for (int i = 0; i < OUT_NFILES; i++) {
		if (i == OUT_SUMMARY || i == OUT_COMPARE)
			continue;
		struct table t;
		header_of(dir, outputs_files[i].name, &t);
		points_named(outputs_files[i].name, &t, &sm);
		table_free(&t);
	}
	/* the long table holds nodes.csv's values, one row per value that
	 * applies: each agrees with its cell, and a column that does not
	 * apply (NaN in nodes.csv) has no row */
	struct table lt;
	header_of(dir, outputs_files[OUT_NODES_LONG].name, &lt);
	size_t lnode = col_of(&lt, "node"), lmetric = col_of(&lt, "metric"),
	       lvalue = col_of(&lt, "value"), lpoint = col_of(&lt, "point");
	size_t checked = 0, nan = 0;
	for (size_t r = 1; r < n.n; r++) {
		for (size_t c = 3; c < pc; c++) {
			const char *name = n.rec[0][c], *v = n.rec[r][c];
			size_t len = strlen(name);
			if (len > 5 && !strcmp(name + len - 5, "_ci95"))
				continue;
			size_t found = 0;
			for (size_t l = 1; l < lt.n; l++)
				if (!strcmp(lt.rec[l][lpoint], n.rec[r][0]) &&
				    !strcmp(lt.rec[l][lnode], n.rec[r][1]) &&
				    !strcmp(lt.rec[l][lmetric], name)) {
					found++;
					if (strcmp(lt.rec[l][lvalue], v))
						fail_msg("nodes_long.csv: %s %s is %s, nodes.csv says %s",
							 n.rec[r][1], name, lt.rec[l][lvalue], v);
					checked++;
				}
			assert_true(found <= 1);
			nan += !found;
			if (!found && strcmp(v, "NaN"))
				fail_msg("nodes_long.csv: no row for %s %s (%s)", n.rec[r][1], name, v);
		}
	}
	print_message("    nodes_long.csv: %zu values as in nodes.csv; %zu cells that do not apply have no row\n",
		      checked, nan);
	assert_int_equal(checked, lt.n - 1);
	assert_true(nan > 0);
	table_free(&lt);
	table_free(&sm);
	table_free(&n);
	table_free(&nts);
	sweep_free(set);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A swept duration, warm-up or replication count is the point's own
 * column, not a second column of the same name. */
static void test_outputs_swept_duration_is_one_column(void **state)
{
	struct sweep *set = simtest_load(
		"duration: 2s\nworkloads:\n  u: {arrival: {process: poisson, rate: 4/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: 1ms}\n"
		"sweep: {duration: [2s, 3s], warmup: [0s, 1s], replications: [2, 3], "
		"nodes.w.workers: [1, 2]}\n");
	struct outputs_catalogue nodes, ts;
	outputs_catalogue_of(&nodes, archsim_lang.kinds, 0);
	outputs_catalogue_of(&ts, archsim_lang.kinds, 1);
	struct outputs_ctx ctx = { set, &nodes, &ts, NULL };
	for (int i = 0; i < OUT_NFILES; i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		assert_non_null(m);
		csv_header(m, &outputs_files[i], &ctx);
		assert_int_equal(fclose(m), 0);
		struct table t;
		parse(text, &t);
		for (size_t a = 0; a < t.nf[0]; a++)
			for (size_t b = 0; b < a; b++)
				if (!strcmp(t.rec[0][a], t.rec[0][b]))
					fail_msg("%s: column '%s' twice", outputs_files[i].name,
						 t.rec[0][a]);
		if (i != OUT_COMPARE)
			assert_true(has(t.rec[0], t.nf[0], "nodes.w.workers"));
		table_free(&t);
		free(text);
	}
	sweep_free(set);
}

/* The reader above reads quoted fields as CSV does, so that a row that
 * quotes is counted right. */
static void test_outputs_reader_reads_quotes(void **state)
{
	struct table t;
	parse("a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\n", &t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.nf[0], 3);
	assert_int_equal(t.nf[1], 3);
	assert_int_equal(t.nf[2], 3);
	assert_string_equal(t.rec[1][0], "x,1");
	assert_string_equal(t.rec[1][1], "say \"hi\"");
	assert_string_equal(t.rec[1][2], "two\nlines");
	assert_string_equal(t.rec[2][1], "");
	table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outputs_reader_reads_quotes),
		cmocka_unit_test(test_outputs_files_are_as_declared),
		cmocka_unit_test(test_outputs_swept_duration_is_one_column),
	};
	return cmocka_run_group_tests_name("outputs", tests, NULL, NULL);
}
