/*
 * test_ytree.c - the located YAML tree: structure, locations, rejections,
 * overrides and hashing.
 */
#include "tests/testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/ytree.h"

static struct yt_node *load(const char *text)
{
	struct yt_node *t = NULL;
	struct sim_err err = { 0 };
	int rc = yt_load_string("t.yaml", text, strlen(text), &t, &err);
	if (rc)
		fail_msg("unexpected error: %s", err.msg);
	return t;
}

/* load_err returns the message of a load that must fail. */
static const char *load_err(const char *text)
{
	static struct sim_err err;
	struct yt_node *t = NULL;
	int rc = yt_load_string("t.yaml", text, strlen(text), &t, &err);
	assert_int_equal(rc, SIM_EINVAL);
	assert_null(t);
	return err.msg;
}

static void test_ytree_builds_nested_structure_with_locations(void **state)
{
	struct yt_node *t = load("a: 1\nb:\n  c: [x, 'y']\n  d: {e: f}\n");
	assert_int_equal(t->type, YT_MAP);
	assert_int_equal(t->n, 4);
	struct yt_node *a = yt_get(t, "a");
	assert_string_equal(a->str, "1");
	assert_int_equal(a->line, 1);
	assert_int_equal(a->col, 4);
	struct yt_node *c = yt_get(yt_get(t, "b"), "c");
	assert_int_equal(c->type, YT_SEQ);
	assert_int_equal(c->n, 2);
	assert_string_equal(c->items[1]->str, "y");
	assert_true(c->items[1]->quoted);
	assert_false(c->items[0]->quoted);
	assert_int_equal(c->items[1]->line, 3);
	assert_int_equal(c->items[1]->col, 10);
	assert_string_equal(yt_get(yt_get(yt_get(t, "b"), "d"), "e")->str, "f");
	assert_string_equal(yt_key(t, 1)->str, "b");
	assert_int_equal(yt_key(t, 1)->line, 2);
	assert_null(yt_get(t, "zz"));
	assert_null(yt_get(a, "x"));
	yt_free(t);
}

static void test_ytree_rejects_duplicate_keys(void **state)
{
	assert_string_equal(load_err("a: 1\nb: 2\na: 3\n"),
			    "t.yaml:3:1: duplicate key 'a' (first at line 1)");
}

static void test_ytree_rejects_duplicate_keys_in_large_mappings(void **state)
{
	/* past a few keys, duplicates are found through an index: same
	 * message, same location */
	char text[8192];
	size_t len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "k%d: %d\n", i, i);
	struct yt_node *t = load(text);
	assert_int_equal(t->n, 200);
	yt_free(t);
	snprintf(text + len, sizeof text - len, "k17: again\n");
	assert_string_equal(load_err(text), "t.yaml:101:1: duplicate key 'k17' (first at line 18)");
	/* and in the first few keys of a large mapping */
	snprintf(text + len, sizeof text - len, "k3: again\n");
	assert_string_equal(load_err(text), "t.yaml:101:1: duplicate key 'k3' (first at line 4)");
}

static void test_ytree_reports_syntax_errors_with_location(void **state)
{
	const char *m = load_err("a:\n\tb: 1\n");
	assert_non_null(strstr(m, "t.yaml:2:1: YAML syntax error"));
	m = load_err("a: [1, 2\nb: 3\n");
	assert_true(strncmp(m, "t.yaml:", 7) == 0);
	assert_non_null(strstr(m, "YAML syntax error"));
}

static void test_ytree_rejects_empty_aliases_and_documents(void **state)
{
	assert_string_equal(load_err(""), "t.yaml:1:1: the scenario is empty");
	assert_string_equal(load_err("# only a comment\n"), "t.yaml:1:1: the scenario is empty");
	assert_non_null(strstr(load_err("a: &x 1\nb: *x\n"), "t.yaml:1:4: YAML anchors"));
	assert_non_null(strstr(load_err("a: 1\n---\nb: 2\n"), "t.yaml:2:1: a scenario is one YAML document"));
	assert_non_null(strstr(load_err("? [a, b]\n: 1\n"), "a key must be a plain name"));
}

static void test_ytree_load_file_errors(void **state)
{
	struct yt_node *t = NULL;
	struct sim_err err = { 0 };
	assert_int_equal(yt_load_file("/nonexistent/x.yaml", &t, &err), SIM_EINVAL);
	assert_string_equal(err.msg, "/nonexistent/x.yaml:1:1: cannot open: No such file or directory");
	assert_int_equal(yt_load_file("/tmp", &t, &err), SIM_EINVAL);
	assert_string_equal(err.msg, "/tmp:1:1: is a directory, not a scenario file");
	char path[] = "/tmp/ytree-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a: 1\n\0\x01\x02", 8), 8);
	close(fd);
	assert_int_equal(yt_load_file(path, &t, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "NUL bytes"));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "a: 1\n", 5), 5);
	close(fd);
	assert_int_equal(yt_load_file(path, &t, &err), 0);
	assert_string_equal(yt_get(t, "a")->str, "1");
	assert_string_equal(yt_get(t, "a")->file, path);
	yt_free(t);
	unlink(path);
}

static void test_ytree_set_path_replaces_and_adds(void **state)
{
	struct yt_node *t = load("nodes:\n  web: {workers: 2, next: [{to: db, p: 0.5}]}\n");
	struct sim_err err = { 0 };
	assert_int_equal(yt_set_path(t, "nodes.web.workers", "8", "--set", 1, 19, &err), 0);
	struct yt_node *w = yt_get(yt_get(yt_get(t, "nodes"), "web"), "workers");
	assert_string_equal(w->str, "8");
	assert_string_equal(w->file, "--set");
	assert_int_equal(w->col, 19);
	assert_int_equal(yt_set_path(t, "nodes.web.next.0.p", "0.25", "--set", 2, 20, &err), 0);
	assert_string_equal(yt_get(yt_get(yt_get(yt_get(t, "nodes"), "web"), "next")->items[0],
				   "p")->str, "0.25");
	/* a new last key is added; a flow value becomes a structure */
	assert_int_equal(yt_set_path(t, "nodes.web.service", "{dist: constant, value: 1s}",
				     "--set", 3, 19, &err), 0);
	struct yt_node *s = yt_get(yt_get(yt_get(t, "nodes"), "web"), "service");
	assert_int_equal(s->type, YT_MAP);
	assert_string_equal(yt_get(s, "value")->str, "1s");
	yt_free(t);
}

static void test_ytree_set_path_errors(void **state)
{
	struct yt_node *t = load("nodes:\n  web: {workers: 2, next: [{to: db}]}\n");
	struct sim_err err = { 0 };
	assert_int_equal(yt_set_path(t, "nodes.api.workers", "8", "--set", 1, 19, &err), SIM_EINVAL);
	assert_string_equal(err.msg, "--set:1:1: nodes.api.workers: there is no 'api' in the scenario");
	assert_int_equal(yt_set_path(t, "nodes.web.next.3.to", "x", "--set", 1, 21, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "'3' is not an index of the list"));
	assert_int_equal(yt_set_path(t, "nodes.web.workers.x", "1", "--set", 1, 21, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "is below a plain value"));
	assert_int_equal(yt_set_path(t, "nodes..web", "1", "--set", 1, 12, &err), SIM_EINVAL);
	assert_non_null(strstr(err.msg, "is not a path"));
	assert_int_equal(yt_set_path(t, "nodes.web.workers", "[1, 2", "--set", 1, 19, &err), SIM_EINVAL);
	assert_true(strncmp(err.msg, "--set:1:", 8) == 0);
	/* failed overrides leave the tree as it was */
	assert_string_equal(yt_get(yt_get(yt_get(t, "nodes"), "web"), "workers")->str, "2");
	yt_free(t);
}

static void test_ytree_clone_and_hash(void **state)
{
	struct yt_node *t = load("a: {b: [1, 2]}\nc: x\n");
	struct yt_node *c = yt_clone(t);
	assert_non_null(c);
	assert_true(yt_hash(t) == yt_hash(c));
	struct sim_err err = { 0 };
	assert_int_equal(yt_set_path(c, "a.b.1", "3", "--set", 1, 1, &err), 0);
	assert_true(yt_hash(t) != yt_hash(c));
	assert_string_equal(yt_get(yt_get(t, "a"), "b")->items[1]->str, "2");
	/* the clone outlives the original */
	yt_free(t);
	assert_string_equal(yt_get(c, "c")->file, "t.yaml");
	yt_free(c);
	/* whitespace and comments do not change the hash; values do */
	struct yt_node *x = load("a: 1  # one\nb: [2]\n");
	struct yt_node *y = load("a:   1\nb:\n  - 2\n");
	struct yt_node *z = load("a: 1\nb: [3]\n");
	assert_true(yt_hash(x) == yt_hash(y));
	assert_true(yt_hash(x) != yt_hash(z));
	yt_free(x);
	yt_free(y);
	yt_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ytree_builds_nested_structure_with_locations),
		cmocka_unit_test(test_ytree_rejects_duplicate_keys),
		cmocka_unit_test(test_ytree_rejects_duplicate_keys_in_large_mappings),
		cmocka_unit_test(test_ytree_reports_syntax_errors_with_location),
		cmocka_unit_test(test_ytree_rejects_empty_aliases_and_documents),
		cmocka_unit_test(test_ytree_load_file_errors),
		cmocka_unit_test(test_ytree_set_path_replaces_and_adds),
		cmocka_unit_test(test_ytree_set_path_errors),
		cmocka_unit_test(test_ytree_clone_and_hash),
	};
	return cmocka_run_group_tests_name("ytree", tests, NULL, NULL);
}
