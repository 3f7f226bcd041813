/*
 * test_param.c - parameter tables: every type reads good values and refuses
 * bad ones with the checker's messages at the value's location; defaults
 * are applied from their text; required and unknown keys; lists, keyed
 * lists, nested tables, variants by discriminator and by key presence,
 * custom entries and validate hooks; the shapes of the kinds still to come
 * (calls, keys, mix, a balancer policy); the self-check of tables, those of
 * the registered kinds included; an enum named by a table's rows; and the
 * exact text of the reference.
 */
#include "tests/testutil.h"

#include <stdbool.h>

#include "app/lang.h"
#include "models/client.h"
#include "models/kinds.h"
#include "app/capacity.h"
#include "sim/breaker.h"
#include "sim/callplan.h"
#include "sim/load.h"
#include "sim/param.h"
#include "sim/timeline.h"
#include "sim/sweep.h"

/* A scenario whose nodes (web, db) node references resolve against. */
static struct sweep *world;
static struct sim_err err;
static struct check_ctx ctx;

static int setup(void **state)
{
	const char *y =
		"duration: 1s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 1/s}, target: web}\n"
		"nodes:\n  web: {type: service, service: 1ms}\n  db: {type: service, service: 1ms}\n";
	if (sweep_load_string(&archsim_lang, "w.yaml", y, NULL, 0, &world, &err))
		return -1;
	ctx.sc = world->points[0];
	ctx.err = &err;
	return 0;
}

static int teardown(void **state)
{
	sweep_free(world);
	return 0;
}

/* parse checks yaml (one document) against t at path "x". */
static int parse(const struct param_table *t, const char *yaml, void **out)
{
	struct yt_node *root;
	memset(&err, 0, sizeof err);
	if (yt_load_string("t.yaml", yaml, strlen(yaml), &root, &err))
		fail_msg("bad test YAML: %s", err.msg);
	*out = NULL;
	int rc = param_new(&ctx, "x", root, t, NULL, out);
	yt_free(root);
	return rc;
}

/* good parses yaml, failing the test on error. */
static void *good(const struct param_table *t, const char *yaml)
{
	void *obj;
	if (parse(t, yaml, &obj))
		fail_msg("%s\n  refused: %s", yaml, err.msg);
	return obj;
}

/* bad_count counts mismatches, so one test reports every wrong case. */
static int bad_count;

static void bad(const struct param_table *t, const char *yaml, const char *msg)
{
	void *obj;
	int rc = parse(t, yaml, &obj);
	if (rc != SIM_EINVAL || strcmp(err.msg, msg) != 0) {
		print_error("%s\n  got      %s (rc %d)\n  expected %s\n", yaml,
			    rc ? err.msg : "(accepted)", rc, msg);
		bad_count++;
	}
	assert_null(obj);
}

/* ---- one table with every type -------------------------------------- */

enum color { RED, GREEN, BLUE };
static const char *const colors[] = { "red", "green", "blue", NULL };

struct inner {
	uint32_t n;
	double s;
};

struct pt {
	int64_t at_ns;
	double rate;
};

struct all {
	uint32_t u;
	uint8_t tiny;
	int64_t queue;
	double num, prob;
	int64_t dur_ns;
	double rate, rate0;
	struct dist d;
	enum color color;
	uint32_t node;
	char *label;
	int flag;
	bool quick;
	struct inner inner;
	struct pt *pts;
	size_t npts;
	uint32_t hex;
};

static int hex_parse(struct check_ctx *c, const char *what, const struct yt_node *n,
		     void *field)
{
	const char *s;
	char *end;
	int rc = check_string(c, n, what, &s);
	if (rc)
		return rc;
	unsigned long v = strtoul(s, &end, 16);
	if (*end || end == s || v > UINT32_MAX)
		return check_fail(c, n, what, "must be a hexadecimal number (got '%s')", s);
	*(uint32_t *)field = (uint32_t)v;
	return 0;
}

static const struct param inner_params[] = {
	{ .name = "n", .type = PARAM_UINT, PARAM_FIELD(struct inner, n), .umin = 1,
	  .umax = 10, .def = "3", .doc = "a count" },
	{ .name = "s", .type = PARAM_NUMBER, PARAM_FIELD(struct inner, s), .min = 0,
	  .max = 1, .doc = "a share" },
	{ 0 }
};
static const struct param_table inner_table = {
	.params = inner_params, .size = sizeof(struct inner),
};

static const struct param pt_params[] = {
	{ .name = "at", .type = PARAM_DURATION, PARAM_FIELD(struct pt, at_ns),
	  .flags = PARAM_REQUIRED, .doc = "when" },
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct pt, rate),
	  .flags = PARAM_REQUIRED | PARAM_ZERO, .doc = "how often" },
	{ 0 }
};
static const struct param_table pt_table = {
	.params = pt_params, .size = sizeof(struct pt),
};
static const struct param pt_elem = {
	.type = PARAM_MAP, .size = sizeof(struct pt), .sub = &pt_table, .doc = "a point",
};

static void all_init(void *obj)
{
	((struct all *)obj)->queue = -1;
}

static int all_validate(struct check_ctx *c, const char *what, const struct yt_node *map,
			void *obj)
{
	const struct all *a = obj;
	for (size_t i = 1; i < a->npts; i++) {
		if (a->pts[i].at_ns <= a->pts[i - 1].at_ns) {
			char w[128];
			snprintf(w, sizeof w, "%s.pts[%zu].at", what, i);
			return check_fail(c, yt_get(yt_get(map, "pts")->items[i], "at"), w,
				       "points must be in increasing time order");
		}
	}
	return 0;
}

static const struct param all_params[] = {
	{ .name = "u", .type = PARAM_UINT, PARAM_FIELD(struct all, u), .umin = 1,
	  .umax = 100, .def = "7", .doc = "an integer" },
	{ .name = "tiny", .type = PARAM_UINT, PARAM_FIELD(struct all, tiny), .umin = 0,
	  .umax = 255, .doc = "a byte" },
	{ .name = "queue", .type = PARAM_UINT, PARAM_FIELD(struct all, queue), .umin = 0,
	  .umax = 1000, .def_doc = "unbounded", .doc = "places" },
	{ .name = "num", .type = PARAM_NUMBER, PARAM_FIELD(struct all, num), .min = 0.5,
	  .max = 2, .def = "1", .doc = "a factor" },
	{ .name = "prob", .type = PARAM_PROB, PARAM_FIELD(struct all, prob), .doc = "a chance" },
	{ .name = "dur", .type = PARAM_DURATION, PARAM_FIELD(struct all, dur_ns),
	  .min_ns = 1000, .def = "250ms", .doc = "a time" },
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct all, rate), .doc = "a rate" },
	{ .name = "rate0", .type = PARAM_RATE, PARAM_FIELD(struct all, rate0),
	  .flags = PARAM_ZERO, .doc = "a rate or 0" },
	{ .name = "d", .type = PARAM_DIST, PARAM_FIELD(struct all, d),
	  .def = "{dist: exponential, mean: 10ms}", .doc = "a distribution" },
	{ .name = "color", .type = PARAM_ENUM, PARAM_FIELD(struct all, color),
	  .names = colors, .noun = "colour", .def = "green", .doc = "a choice" },
	{ .name = "node", .type = PARAM_NODE, PARAM_FIELD(struct all, node), .doc = "a node" },
	{ .name = "label", .type = PARAM_STRING, PARAM_FIELD(struct all, label), .doc = "text" },
	{ .name = "flag", .type = PARAM_BOOL, PARAM_FIELD(struct all, flag), .def = "false",
	  .doc = "a switch" },
	{ .name = "quick", .type = PARAM_BOOL, PARAM_FIELD(struct all, quick), .doc = "a bool" },
	{ .name = "inner", .type = PARAM_MAP, PARAM_FIELD(struct all, inner),
	  .sub = &inner_table, .doc = "nested" },
	{ .name = "pts", .type = PARAM_LIST, PARAM_FIELD(struct all, pts),
	  PARAM_COUNT(struct all, npts), .elem = &pt_elem, .elem_size = sizeof(struct pt),
	  .min_len = 1, .max_len = 3, .item = "points", .shape = "{at: TIME, rate: RATE}",
	  .doc = "points" },
	{ .name = "hex", .type = PARAM_CUSTOM, PARAM_FIELD(struct all, hex),
	  .parse = hex_parse, .shape = "hexadecimal number", .doc = "custom" },
	{ 0 }
};
static const struct param_table all_table = {
	.params = all_params, .size = sizeof(struct all), .init = all_init,
	.validate = all_validate,
};

static void test_param_reads_every_type(void **state)
{
	struct all *a = good(&all_table,
		"{u: 5, tiny: 255, queue: 0, num: 0.5, prob: 1, dur: 1us, rate: 120/m,"
		" rate0: 0, d: 5ms, color: blue, node: db, label: hello, flag: yes,"
		" quick: true, inner: {n: 10, s: 0.25},"
		" pts: [{at: 0s, rate: 0/s}, {at: 1s, rate: 2/s}], hex: ff}");
	assert_int_equal(a->u, 5);
	assert_int_equal(a->tiny, 255);
	assert_int_equal(a->queue, 0);
	assert_true(a->num == 0.5 && a->prob == 1);
	assert_int_equal(a->dur_ns, 1000);
	assert_true(a->rate == 2 && a->rate0 == 0);
	assert_int_equal(a->d.kind, DIST_CONSTANT);
	assert_true(a->d.mean == 0.005);
	assert_int_equal(a->color, BLUE);
	assert_int_equal(a->node, (uint32_t)scenario_node_index(ctx.sc, "db"));
	assert_string_equal(a->label, "hello");
	assert_int_equal(a->flag, 1);
	assert_true(a->quick);
	assert_int_equal(a->inner.n, 10);
	assert_true(a->inner.s == 0.25);
	assert_int_equal(a->npts, 2);
	assert_int_equal(a->pts[1].at_ns, 1000000000);
	assert_true(a->pts[1].rate == 2);
	assert_int_equal(a->hex, 255);
	param_free(&all_table, a);
}

static void test_param_applies_defaults_from_their_text(void **state)
{
	struct all *a = good(&all_table, "{}");
	assert_int_equal(a->u, 7);
	assert_int_equal(a->queue, -1);             /* init's sentinel */
	assert_true(a->num == 1);
	assert_int_equal(a->dur_ns, 250000000);
	assert_int_equal(a->d.kind, DIST_EXPONENTIAL); /* a flow mapping default */
	assert_true(a->d.mean == 0.01);
	assert_int_equal(a->color, GREEN);
	assert_int_equal(a->flag, 0);
	assert_int_equal(a->inner.n, 3);            /* an absent mapping's defaults */
	assert_null(a->label);
	assert_null(a->pts);
	assert_int_equal(a->npts, 0);
	param_free(&all_table, a);
	/* a value given replaces the default */
	a = good(&all_table, "{inner: {s: 1}, color: red}");
	assert_int_equal(a->inner.n, 3);
	assert_int_equal(a->color, RED);
	param_free(&all_table, a);
}

static void test_param_refuses_with_the_scalar_messages(void **state)
{
	bad_count = 0;
	bad(&all_table, "{u: 0}", "t.yaml:1:5: x.u: must be an integer from 1 to 100 (got 0)");
	bad(&all_table, "{u: -1}",
	    "t.yaml:1:5: x.u: must be an integer from 1 to 100, not negative (got -1)");
	bad(&all_table, "{u: \"5\"}",
	    "t.yaml:1:5: x.u: must be an integer from 1 to 100; got the text \"5\" (remove the quotes)");
	bad(&all_table, "{u: [1]}", "t.yaml:1:5: x.u: must be an integer from 1 to 100, not a sequence");
	bad(&all_table, "{tiny: 256}", "t.yaml:1:8: x.tiny: must be an integer from 0 to 255 (got 256)");
	bad(&all_table, "{num: 3}", "t.yaml:1:7: x.num: must be a number from 0.5 to 2 (got 3)");
	bad(&all_table, "{num: fast}", "t.yaml:1:7: x.num: must be a number from 0.5 to 2 (got 'fast')");
	bad(&all_table, "{prob: 1.5}", "t.yaml:1:8: x.prob: must be a number from 0 to 1 (got 1.5)");
	bad(&all_table, "{dur: 10}", "t.yaml:1:7: x.dur: '10' needs a unit: ns, us, ms, s, m or h (e.g. 10s)");
	bad(&all_table, "{dur: 1ns}", "t.yaml:1:7: x.dur: must be at least 1us (got 1ns)");
	bad(&all_table, "{rate: 0/s}", "t.yaml:1:8: x.rate: must be greater than 0 (got 0/s)");
	bad(&all_table, "{rate: 5}", "t.yaml:1:8: x.rate: '5' needs a unit: /s, /m or /h (e.g. 5/s)");
	bad(&all_table, "{rate0: -1/s}", "t.yaml:1:9: x.rate0: must be greater than 0 (got -1/s)");
	bad(&all_table, "{d: {dist: expo, mean: 1s}}",
	    "t.yaml:1:12: x.d.dist: unknown distribution 'expo' (allowed: constant, exponential, uniform, normal, lognormal, gamma, weibull, hyperexponential, erlang, pareto, empirical)");
	bad(&all_table, "{color: bleu}", "t.yaml:1:9: x.color: unknown colour 'bleu'; did you mean 'blue'?");
	bad(&all_table, "{color: purple}",
	    "t.yaml:1:9: x.color: unknown colour 'purple' (allowed: red, green, blue)");
	bad(&all_table, "{node: dbb}", "t.yaml:1:8: x.node: no node named 'dbb'; did you mean 'db'?");
	bad(&all_table, "{node: u}", "t.yaml:1:8: x.node: no node named 'u' (nodes: web, db)");
	bad(&all_table, "{label: {a: 1}}", "t.yaml:1:9: x.label: must be a string, not a mapping");
	bad(&all_table, "{label: ''}", "t.yaml:1:9: x.label: must be a string; the value is empty");
	bad(&all_table, "{flag: maybe}", "t.yaml:1:8: x.flag: must be true or false (got 'maybe')");
	bad(&all_table, "{hex: zz}", "t.yaml:1:7: x.hex: must be a hexadecimal number (got 'zz')");
	assert_int_equal(bad_count, 0);
}

static void test_param_unknown_and_required_keys(void **state)
{
	bad_count = 0;
	bad(&all_table, "{quack: 1}",
	    "t.yaml:1:2: x: unknown key 'quack'; did you mean 'quick'?");
	bad(&all_table, "{zzzzzzzz: 1}",
	    "t.yaml:1:2: x: unknown key 'zzzzzzzz' (allowed: u, tiny, queue, num, prob, dur, rate, rate0, d, color, node, label, flag, quick, inner, pts, hex)");
	bad(&all_table, "[1]", "t.yaml:1:1: x: must be a mapping of keys, not a sequence");
	bad(&all_table, "{inner: {m: 1}}", "t.yaml:1:10: x.inner: unknown key 'm'; did you mean 'n'?");
	bad(&all_table, "{inner: 3}", "t.yaml:1:9: x.inner: must be a mapping of keys, not a scalar");
	bad(&all_table, "{inner: {n: 11}}",
	    "t.yaml:1:13: x.inner.n: must be an integer from 1 to 10 (got 11)");
	bad(&all_table, "{pts: [{at: 0s}]}", "t.yaml:1:8: x.pts[0]: missing required key 'rate'");
	assert_int_equal(bad_count, 0);

	/* a lead key (a node's `type`) is allowed, listed first, not read */
	struct yt_node *root;
	const char *y = "{type: x, wat: 1}";
	assert_int_equal(yt_load_string("t.yaml", y, strlen(y), &root, &err), 0);
	void *obj = NULL;
	assert_int_equal(param_new(&ctx, "x", root, &inner_table, "type", &obj), SIM_EINVAL);
	assert_string_equal(err.msg, "t.yaml:1:11: x: unknown key 'wat' (allowed: type, n, s)");
	assert_null(obj);
	yt_free(root);
}

static void test_param_lists(void **state)
{
	bad_count = 0;
	bad(&all_table, "{pts: []}",
	    "t.yaml:1:7: x.pts: must be a non-empty list of {at: TIME, rate: RATE}");
	bad(&all_table, "{pts: {at: 0s}}",
	    "t.yaml:1:7: x.pts: must be a non-empty list of {at: TIME, rate: RATE}");
	bad(&all_table, "{pts: [{at: 0s, rate: 1/s}, {at: 1s, rate: 1/s}, {at: 2s, rate: 1/s},"
	    " {at: 3s, rate: 1/s}]}", "t.yaml:1:7: x.pts: at most 3 points");
	/* an element's mistake is located at the element, its path indexed */
	bad(&all_table, "{pts: [{at: 0s, rate: 1/s},\n {at: 1s, rate: 1}]}",
	    "t.yaml:2:17: x.pts[1].rate: '1' needs a unit: /s, /m or /h (e.g. 1/s)");
	bad(&all_table, "{pts: [{at: 0s, rate: 1/s}, 5]}",
	    "t.yaml:1:29: x.pts[1]: must be a mapping of keys, not a scalar");
	bad(&all_table, "{pts: [{at: 0s, rate: 1/s}, {at: 0s, rate: 1/s}]}",
	    "t.yaml:1:34: x.pts[1].at: points must be in increasing time order");
	assert_int_equal(bad_count, 0);
}

/* ---- the kinds still to come ------------------------------------------
 *
 * These tables are the shapes that balancers, caches and clients with a
 * request mix will declare; that they check and free cleanly here is what
 * makes them fit. */

/* calls: [{to: NODE, p: PROB} | {parallel: [{to: NODE}...]}] */
enum call_kind { CALL_ONE, CALL_PARALLEL };

struct leg {
	uint32_t to;
};

struct tcall {
	enum call_kind kind;
	uint32_t to;
	double p;
	struct leg *legs;
	size_t nlegs;
};

struct svc2 {
	struct tcall *calls;
	size_t ncalls;
	enum { KEYS_ZIPF, KEYS_UNIFORM, KEYS_HOTSET, KEYS_SEQUENTIAL } keys_dist;
	struct keys {
		uint64_t n;
		double s, fraction, share;
	} keys;
	struct share {
		char *name;
		double p;
	} *mix;
	size_t nmix;
	int policy;
};

static const struct param leg_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct leg, to),
	  .flags = PARAM_REQUIRED, .doc = "the node called" },
	{ 0 }
};
static const struct param_table leg_table = { .params = leg_params, .size = sizeof(struct leg) };
static const struct param leg_elem = {
	.type = PARAM_MAP, .size = sizeof(struct leg), .sub = &leg_table, .doc = "a leg",
};

static const struct param one_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct tcall, to),
	  .flags = PARAM_REQUIRED, .doc = "the node called" },
	{ .name = "p", .type = PARAM_PROB, PARAM_FIELD(struct tcall, p), .def = "1",
	  .doc = "the probability of the call" },
	{ 0 }
};
static const struct param_table one_table = { .params = one_params, .size = sizeof(struct tcall) };
static const struct param par_params[] = {
	{ .name = "parallel", .type = PARAM_LIST, PARAM_FIELD(struct tcall, legs),
	  PARAM_COUNT(struct tcall, nlegs), .elem = &leg_elem, .elem_size = sizeof(struct leg),
	  .min_len = 1, .max_len = 64, .item = "calls", .shape = "{to: NODE}",
	  .doc = "calls made at once" },
	{ 0 }
};
static const struct param_table par_table = { .params = par_params, .size = sizeof(struct tcall) };
static const struct param_case call_cases[] = {
	{ .name = "to", .table = &one_table, .doc = "one call" },
	{ .name = "parallel", .table = &par_table, .doc = "calls in parallel" },
	{ 0 }
};
static const struct param call_elem = {
	.type = PARAM_VARIANT, PARAM_FIELD(struct tcall, kind), .cases = call_cases,
	.doc = "a call",
};

static const struct param zipf_params[] = {
	{ .name = "n", .type = PARAM_UINT, PARAM_FIELD(struct keys, n), .umin = 1,
	  .umax = 1000000000, .flags = PARAM_REQUIRED, .doc = "keys" },
	{ .name = "s", .type = PARAM_NUMBER, PARAM_FIELD(struct keys, s), .min = 0,
	  .max = 10, .def = "1", .doc = "skew" },
	{ 0 }
};
static const struct param n_params[] = {
	{ .name = "n", .type = PARAM_UINT, PARAM_FIELD(struct keys, n), .umin = 1,
	  .umax = 1000000000, .flags = PARAM_REQUIRED, .doc = "keys" },
	{ 0 }
};
static const struct param hot_params[] = {
	{ .name = "n", .type = PARAM_UINT, PARAM_FIELD(struct keys, n), .umin = 1,
	  .umax = 1000000000, .flags = PARAM_REQUIRED, .doc = "keys" },
	{ .name = "fraction", .type = PARAM_PROB, PARAM_FIELD(struct keys, fraction),
	  .def = "0.2", .doc = "hot keys" },
	{ .name = "share", .type = PARAM_PROB, PARAM_FIELD(struct keys, share),
	  .def = "0.8", .doc = "requests to hot keys" },
	{ 0 }
};
static const struct param_table zipf_table = { .params = zipf_params, .size = sizeof(struct keys) };
static const struct param_table n_table = { .params = n_params, .size = sizeof(struct keys) };
static const struct param_table hot_table = { .params = hot_params, .size = sizeof(struct keys) };
static const struct param_case keys_cases[] = {
	{ .name = "zipf", .table = &zipf_table },
	{ .name = "uniform", .table = &n_table },
	{ .name = "hotset", .table = &hot_table },
	{ .name = "sequential", .table = &n_table },
	{ 0 }
};

static const struct param share_elem = {
	.type = PARAM_PROB, PARAM_FIELD(struct share, p), .doc = "share",
};
static const char *const policies[] = {
	"round_robin", "random", "least_connections", "p2c", NULL
};

static int svc2_validate(struct check_ctx *c, const char *what, const struct yt_node *map,
			 void *obj)
{
	const struct svc2 *s = obj;
	double sum = 0;
	for (size_t i = 0; i < s->nmix; i++)
		sum += s->mix[i].p;
	if (s->nmix && sum > 1 + 1e-9) {
		char w[128];
		snprintf(w, sizeof w, "%s.mix", what);
		return check_fail(c, yt_get(map, "mix"), w, "shares add up to %g, more than 1", sum);
	}
	return 0;
}

static const struct param svc2_params[] = {
	{ .name = "calls", .type = PARAM_LIST, PARAM_FIELD(struct svc2, calls),
	  PARAM_COUNT(struct svc2, ncalls), .elem = &call_elem, .elem_size = sizeof(struct tcall),
	  .max_len = 16, .item = "calls", .shape = "{to: NODE, p: PROB} or {parallel: [...]}",
	  .doc = "calls made in sequence" },
	{ .name = "keys", .type = PARAM_VARIANT, PARAM_FIELD(struct svc2, keys_dist),
	  .sub_off = offsetof(struct svc2, keys), .key = "dist", .noun = "key distribution",
	  .cases = keys_cases, .def = "{dist: uniform, n: 1}", .doc = "key popularity" },
	{ .name = "mix", .type = PARAM_LIST, PARAM_FIELD(struct svc2, mix),
	  PARAM_COUNT(struct svc2, nmix), .flags = PARAM_KEYED, .elem = &share_elem,
	  .elem_size = sizeof(struct share), .name_off = offsetof(struct share, name),
	  .max_len = 8, .item = "classes", .shape = "probabilities", .doc = "request classes" },
	{ .name = "policy", .type = PARAM_ENUM, PARAM_FIELD(struct svc2, policy),
	  .names = policies, .def = "round_robin", .doc = "balancing policy" },
	{ 0 }
};
static const struct param_table svc2_table = {
	.params = svc2_params, .size = sizeof(struct svc2), .validate = svc2_validate,
};

static void test_param_variants_and_the_shapes_to_come(void **state)
{
	struct svc2 *s = good(&svc2_table,
		"{calls: [{to: db, p: 0.5}, {parallel: [{to: web}, {to: db}]}, {to: web}],"
		" keys: {dist: hotset, n: 100, share: 0.9}, mix: {read: 0.9, write: 0.1},"
		" policy: p2c}");
	assert_int_equal(s->ncalls, 3);
	assert_int_equal(s->calls[0].kind, CALL_ONE);
	assert_true(s->calls[0].p == 0.5);
	assert_int_equal(s->calls[1].kind, CALL_PARALLEL);
	assert_int_equal(s->calls[1].nlegs, 2);
	assert_int_equal(s->calls[1].legs[1].to, (uint32_t)scenario_node_index(ctx.sc, "db"));
	assert_true(s->calls[2].p == 1);                /* the case's default */
	assert_int_equal(s->keys_dist, KEYS_HOTSET);
	assert_int_equal(s->keys.n, 100);
	assert_true(s->keys.fraction == 0.2 && s->keys.share == 0.9);
	assert_int_equal(s->nmix, 2);
	assert_string_equal(s->mix[1].name, "write");
	assert_true(s->mix[1].p == 0.1);
	assert_int_equal(s->policy, 3);
	param_free(&svc2_table, s);

	s = good(&svc2_table, "{}");
	assert_int_equal(s->keys_dist, KEYS_UNIFORM);    /* a variant's default */
	assert_int_equal(s->keys.n, 1);
	assert_int_equal(s->policy, 0);
	param_free(&svc2_table, s);

	bad_count = 0;
	bad(&svc2_table, "{keys: {n: 5}}",
	    "t.yaml:1:8: x.keys: needs 'dist': zipf, uniform, hotset or sequential");
	bad(&svc2_table, "{keys: {dist: zipff, n: 5}}",
	    "t.yaml:1:15: x.keys.dist: unknown key distribution 'zipff'; did you mean 'zipf'?");
	bad(&svc2_table, "{keys: {dist: uniform, n: 5, zz: 1}}",
	    "t.yaml:1:30: x.keys: unknown key 'zz' (allowed: dist, n)");
	bad(&svc2_table, "{keys: {dist: zipf}}", "t.yaml:1:8: x.keys: missing required key 'n'");
	bad(&svc2_table, "{keys: {dist: [zipf], n: 1}}",
	    "t.yaml:1:15: x.keys.dist: must be a string, not a sequence");
	bad(&svc2_table, "{keys: zipf}", "t.yaml:1:8: x.keys: must be a mapping of keys, not a scalar");
	bad(&svc2_table, "{calls: [{p: 0.5}]}", "t.yaml:1:10: x.calls[0]: needs 'to' or 'parallel'");
	bad(&svc2_table, "{calls: [{to: web}, {parallel: []}]}",
	    "t.yaml:1:32: x.calls[1].parallel: must be a non-empty list of {to: NODE}");
	bad(&svc2_table, "{calls: [{parallel: [{to: dbx}]}]}",
	    "t.yaml:1:27: x.calls[0].parallel[0].to: no node named 'dbx'; did you mean 'db'?");
	bad(&svc2_table, "{calls: [{to: web, parallel: [{to: db}]}]}",
	    "t.yaml:1:20: x.calls[0]: unknown key 'parallel' (allowed: to, p)");
	bad(&svc2_table, "{mix: {read: 2}}", "t.yaml:1:14: x.mix.read: must be a number from 0 to 1 (got 2)");
	bad(&svc2_table, "{mix: [0.5]}", "t.yaml:1:7: x.mix: must be a mapping of names to probabilities");
	bad(&svc2_table, "{mix: {read: 0.6, write: 0.6}}",
	    "t.yaml:1:7: x.mix: shares add up to 1.2, more than 1");
	bad(&svc2_table, "{policy: least_conections}",
	    "t.yaml:1:10: x.policy: unknown policy 'least_conections'; did you mean 'least_connections'?");
	assert_int_equal(bad_count, 0);
}

/* ---- tables are checked ----------------------------------------------- */

static void test_param_table_check(void **state)
{
	struct sim_err e = { 0 };
	assert_int_equal(param_table_check(&all_table, &e), 0);
	assert_int_equal(param_table_check(&svc2_table, &e), 0);
	assert_int_equal(param_table_check(&callplan_edge_table, &e), 0);
	assert_int_equal(param_table_check(&callplan_table, &e), 0);
	/* every other table a scenario is checked with */
	const struct param_table *const more[] = {
		&load_scenario_table, &load_precision_table, &breaker_table, &rate_limit_table,
		&cap_table, &tl_entry_table,
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		if (param_table_check(more[i], &e))
			fail_msg("table %zu: %s", i, e.msg);
	/* every kind's table, the client's included */
	for (size_t i = 0; models_kinds[i]; i++)
		if (param_table_check(models_kinds[i]->params, &e))
			fail_msg("%s: %s", models_kinds[i]->kind, e.msg);
	if (param_table_check(client_ops.params, &e))
		fail_msg("client: %s", e.msg);

	/* faults a table can have */
	static const struct param bad_def[] = {
		{ .name = "u", .type = PARAM_UINT, PARAM_FIELD(struct inner, n), .umin = 1,
		  .umax = 10, .def = "0", .doc = "a count" },
		{ 0 }
	};
	static const struct param too_big[] = {
		{ .name = "u", .type = PARAM_UINT, PARAM_FIELD(struct all, tiny), .umin = 1,
		  .umax = 256, .doc = "a count" },
		{ 0 }
	};
	static const struct param req_def[] = {
		{ .name = "u", .type = PARAM_UINT, PARAM_FIELD(struct inner, n), .umin = 1,
		  .umax = 10, .def = "1", .flags = PARAM_REQUIRED, .doc = "a count" },
		{ 0 }
	};
	static const struct param no_doc[] = {
		{ .name = "u", .type = PARAM_UINT, PARAM_FIELD(struct inner, n), .umax = 1 },
		{ 0 }
	};
	static const struct param twice[] = {
		{ .name = "n", .type = PARAM_UINT, PARAM_FIELD(struct inner, n), .umax = 1, .doc = "a" },
		{ .name = "n", .type = PARAM_NUMBER, PARAM_FIELD(struct inner, s), .max = 1, .doc = "b" },
		{ 0 }
	};
	static const struct param wrong_size[] = {
		{ .name = "n", .type = PARAM_NUMBER, PARAM_FIELD(struct inner, n), .max = 1, .doc = "a" },
		{ 0 }
	};
	const struct { const struct param *p; size_t size; const char *msg; } faults[] = {
		{ bad_def, sizeof(struct inner),
		  ": bad default: (default):1:1: u: must be an integer from 1 to 10 (got 0)" },
		{ too_big, sizeof(struct all), "u: max does not fit the field" },
		{ req_def, sizeof(struct inner), "u: a required key has no default" },
		{ no_doc, sizeof(struct inner), "u: every key needs a doc line" },
		{ twice, sizeof(struct inner), ": key 'n' twice" },
		{ wrong_size, sizeof(struct inner), "n: a double field" },
	};
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		struct param_table t = { .params = faults[i].p, .size = faults[i].size };
		assert_int_equal(param_table_check(&t, &e), SIM_EINVAL);
		assert_string_equal(e.msg, faults[i].msg);
	}
}

/* ---- an enum named by a table's rows ---------------------------------- */

/* A kind whose choices are rows (the balancer's policies) gives the rows,
 * each opening with its name, and the names come from there. */
struct shape_row {
	const char *name;
	unsigned corners;
};

static const struct shape_row shape_rows[] = {
	{ "triangle", 3 }, { "square", 4 }, { "circle", 0 }, { NULL, 0 },
};

struct drawing {
	unsigned shape;
};

static const struct param drawing_params[] = {
	{ .name = "shape", .type = PARAM_ENUM, PARAM_FIELD(struct drawing, shape),
	  .rows = shape_rows, .row_size = sizeof shape_rows[0], .def = "square",
	  .doc = "what is drawn" },
	{ 0 }
};
static const struct param_table drawing_table = {
	.params = drawing_params, .size = sizeof(struct drawing),
};

static void test_param_enum_names_from_rows(void **state)
{
	struct drawing *d = good(&drawing_table, "{shape: circle}");
	assert_int_equal(d->shape, 2);
	assert_int_equal(shape_rows[d->shape].corners, 0);
	param_free(&drawing_table, d);
	d = good(&drawing_table, "{}");
	assert_int_equal(d->shape, 1);
	param_free(&drawing_table, d);

	bad_count = 0;
	bad(&drawing_table, "{shape: hexagon}",
	    "t.yaml:1:9: x.shape: unknown shape 'hexagon' (allowed: triangle, square, circle)");
	bad(&drawing_table, "{shape: sqare}",
	    "t.yaml:1:9: x.shape: unknown shape 'sqare'; did you mean 'square'?");
	assert_int_equal(bad_count, 0);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	param_doc(f, &drawing_table, PARAM_TEXT, "", 3);
	fclose(f);
	assert_non_null(strstr(buf, "one of triangle, square, circle, default square"));
	free(buf);

	struct sim_err e = { 0 };
	assert_int_equal(param_table_check(&drawing_table, &e), 0);
	static const char *const names[] = { "a", NULL };
	static const struct param both[] = {
		{ .name = "shape", .type = PARAM_ENUM, PARAM_FIELD(struct drawing, shape),
		  .names = names, .rows = shape_rows, .row_size = sizeof shape_rows[0],
		  .doc = "a" },
		{ 0 }
	};
	static const struct param narrow[] = {
		{ .name = "shape", .type = PARAM_ENUM, PARAM_FIELD(struct drawing, shape),
		  .rows = shape_rows, .row_size = 1, .doc = "a" },
		{ 0 }
	};
	static const struct shape_row no_rows[] = { { NULL, 0 } };
	static const struct param empty[] = {
		{ .name = "shape", .type = PARAM_ENUM, PARAM_FIELD(struct drawing, shape),
		  .rows = no_rows, .row_size = sizeof no_rows[0], .doc = "a" },
		{ 0 }
	};
	const struct { const struct param *p; const char *msg; } faults[] = {
		{ both, "shape: names or rows to choose from, not both" },
		{ narrow, "shape: rows that open with a name" },
		{ empty, "shape: names to choose from" },
	};
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		struct param_table t = { .params = faults[i].p, .size = sizeof(struct drawing) };
		assert_int_equal(param_table_check(&t, &e), SIM_EINVAL);
		assert_string_equal(e.msg, faults[i].msg);
	}
}

/* ---- the reference ---------------------------------------------------- */

struct hop {
	uint32_t to;
	double p;
};

struct small {
	uint32_t workers;
	int64_t queue;
	struct hop *next;
	size_t nnext;
};

static const struct param hop_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct hop, to),
	  .flags = PARAM_REQUIRED, .doc = "the next node" },
	{ .name = "p", .type = PARAM_PROB, PARAM_FIELD(struct hop, p), .def = "1",
	  .doc = "the probability of this hop" },
	{ 0 }
};
static const struct param_table hop_table = { .params = hop_params, .size = sizeof(struct hop) };
static const struct param hop_elem = {
	.type = PARAM_MAP, .size = sizeof(struct hop), .sub = &hop_table, .doc = "a hop",
};
static const struct param small_params[] = {
	{ .name = "workers", .type = PARAM_UINT, PARAM_FIELD(struct small, workers),
	  .umin = 1, .umax = 64, .def = "1", .doc = "servers" },
	{ .name = "queue", .type = PARAM_UINT, PARAM_FIELD(struct small, queue),
	  .umax = 1000, .def_doc = "unbounded",
	  .doc = "waiting places; a request that finds them all taken is rejected at once and counted in `rejected`" },
	{ .name = "next", .type = PARAM_LIST, PARAM_FIELD(struct small, next),
	  PARAM_COUNT(struct small, nnext), .elem = &hop_elem, .elem_size = sizeof(struct hop),
	  .max_len = 8, .item = "hops", .shape = "{to: NODE, p: PROB}", .doc = "where requests go after service" },
	{ 0 }
};
static const struct param_table small_table = {
	.params = small_params, .size = sizeof(struct small),
	.doc = "A small kind: `workers` servers and a queue.",
};

static char *doc_text(enum param_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	param_doc(f, &small_table, fmt, "", 3);
	fclose(f);
	return buf;
}

static void test_param_doc_exact_text(void **state)
{
	char *md = doc_text(PARAM_MARKDOWN);
	assert_string_equal(md,
		"A small kind: `workers` servers and a queue.\n"
		"\n"
		"| key | type | default | meaning |\n"
		"| --- | --- | --- | --- |\n"
		"| `workers` | integer from 1 to 64 | `1` | servers |\n"
		"| `queue` | integer from 0 to 1000 | unbounded | waiting places; a request that finds them all taken is rejected at once and counted in `rejected` |\n"
		"| `next` | list of `{to: NODE, p: PROB}`, at most 8 | — | where requests go after service |\n"
		"\n"
		"### `next` elements\n"
		"\n"
		"| key | type | default | meaning |\n"
		"| --- | --- | --- | --- |\n"
		"| `to` | node name | required | the next node |\n"
		"| `p` | probability from 0 to 1 | `1` | the probability of this hop |\n"
		"\n");
	free(md);
	char *txt = doc_text(PARAM_TEXT);
	assert_string_equal(txt,
		"  A small kind: `workers` servers and a queue.\n"
		"\n"
		"  workers  integer from 1 to 64, default 1\n"
		"           servers\n"
		"  queue    integer from 0 to 1000, default unbounded\n"
		"           waiting places; a request that finds them all taken is rejected at\n"
		"           once and counted in `rejected`\n"
		"  next     list of {to: NODE, p: PROB}, at most 8\n"
		"           where requests go after service\n"
		"\n"
		"next elements\n"
		"  to  node name, required\n"
		"      the next node\n"
		"  p   probability from 0 to 1, default 1\n"
		"      the probability of this hop\n"
		"\n");
	free(txt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_reads_every_type),
		cmocka_unit_test(test_param_applies_defaults_from_their_text),
		cmocka_unit_test(test_param_refuses_with_the_scalar_messages),
		cmocka_unit_test(test_param_unknown_and_required_keys),
		cmocka_unit_test(test_param_lists),
		cmocka_unit_test(test_param_variants_and_the_shapes_to_come),
		cmocka_unit_test(test_param_table_check),
		cmocka_unit_test(test_param_enum_names_from_rows),
		cmocka_unit_test(test_param_doc_exact_text),
	};
	return cmocka_run_group_tests_name("param", tests, setup, teardown);
}
