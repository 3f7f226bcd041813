/*
 * timeline.c - checking the `timeline:` list; see timeline.h.  The engine
 * applies it (run.c).
 *
 * An entry is checked in the order a reader would: which action (`do`),
 * which keys it allows, when (`at`, before the end of the run), on what
 * (`node`, `replica`, and whether the node's kind supports the action),
 * on which member (`consumer`), for how long (`for`), and its value.
 * Entries that scale a node are checked first, so that a replica index
 * elsewhere in the list is checked against the most replicas the node
 * will have.  An entry of a zone (`zone:` instead of `node:`, a crash or
 * a recover) becomes one entry per node placed there, each covering the
 * node's replicas in the zone, in the entry's place: the engine then
 * knows only entries of nodes.
 */
#include "sim/timeline.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/zone.h"

/* ---- the engine's actions --------------------------------------------- */

static void label_errors(char *buf, size_t len, const char *target, const struct tl_entry *t,
			 const char *text)
{
	snprintf(buf, len, "%s errors %g%%", target, 100 * t->value);
}

static void label_latency(char *buf, size_t len, const char *target, const struct tl_entry *t,
			  const char *text)
{
	snprintf(buf, len, "%s +%s", target, text);
}

static void label_scale(char *buf, size_t len, const char *target, const struct tl_entry *t,
			const char *text)
{
	snprintf(buf, len, "%s scale to %u", target, t->replicas);
}

void tl_label_factor(char *buf, size_t len, const char *target, const struct tl_entry *t,
		     const char *text)
{
	snprintf(buf, len, "%s %s x%g", target, t->def->name, t->value);
}

const struct param tl_factor_key = {
	.name = "factor", .type = PARAM_NUMBER, PARAM_FIELD(struct tl_entry, value),
	.min = TL_FACTOR_MIN, .max = TL_FACTOR_MAX, .flags = PARAM_REQUIRED,
	.doc = "the factor"
};

static const struct param rate_key = {
	.name = "rate", .type = PARAM_PROB, PARAM_FIELD(struct tl_entry, value),
	.flags = PARAM_REQUIRED,
	.doc = "the probability that a request fails after its service"
};

static const struct param add_key = {
	.name = "add", .type = PARAM_DURATION, PARAM_FIELD(struct tl_entry, add_ns),
	.flags = PARAM_REQUIRED, .doc = "the delay before each arrival"
};

/* a partition's `timeout` when it has none (in tl_entry.add_ns): Envoy's
 * default connect_timeout */
#define TL_PARTITION_TIMEOUT_NS 5000000000LL

static const struct param replicas_key = {
	.name = "replicas", .type = PARAM_UINT, PARAM_FIELD(struct tl_entry, replicas),
	.umin = 1, .umax = TL_MAX_REPLICAS, .flags = PARAM_REQUIRED,
	.doc = "replicas taking new requests"
};

static const struct param partition_more[] = {
	{ .name = "timeout", .type = PARAM_DURATION, PARAM_FIELD(struct tl_entry, add_ns),
	  .min_ns = 1, .def_doc = "5s",
	  .doc = "how long the sender of a hop the partition loses waits before it gives up, failing it as timeout (Envoy's default connect_timeout); a caller's own shorter timeout ends its wait first" },
	{ 0 }
};

const struct tl_action_def tl_engine_actions[] = {
	[TL_CRASH] = { .name = "crash", .flags = TLA_MEMBERS, .engine = TL_CRASH,
		       .doc = "the replica (or every replica) goes down: what it holds fails, and requests sent to it fail at once" },
	[TL_RECOVER] = { .name = "recover", .flags = TLA_INSTANT | TLA_MEMBERS,
			 .engine = TL_RECOVER, .doc = "ends the crashes that cover the target" },
	[TL_SLOW] = { .name = "slow", .engine = TL_SLOW, .value = &tl_factor_key,
		      .label = tl_label_factor,
		      .doc = "service times are multiplied by `factor`" },
	[TL_ERRORS] = { .name = "errors", .engine = TL_ERRORS, .value = &rate_key,
			.label = label_errors,
			.doc = "each request fails after its service with probability `rate`" },
	[TL_LATENCY] = { .name = "latency", .flags = TLA_WHOLE, .engine = TL_LATENCY,
			 .value = &add_key, .label = label_latency,
			 .doc = "`add` is added before every arrival at the node (whole nodes only)" },
	[TL_SCALE] = { .name = "scale", .flags = TLA_WHOLE, .engine = TL_SCALE,
		       .value = &replicas_key, .label = label_scale,
		       .doc = "the node has `replicas` replicas from now on: a service's added ones take requests after its `startup`, its removed ones drain for up to its `drain`; elsewhere removed ones finish what they hold (whole nodes only)" },
	[TL_PARTITION] = { .name = "partition", .engine = TL_PARTITION,
			   .more = partition_more,
			   .doc = "with `between: [A, B]` instead of a node: every hop between a zone matching A and another matching B, either way, is lost (a request never arrives, a reply never comes back), and its sender gives up after `timeout` (or a caller's own shorter timeout), failing it as timeout; hops inside a zone are not touched.  `latency` with `between:` adds `add` to each hop instead.  A balancer's health checks come from no zone, and do not see a partition" },
	{ 0 }
};

/* by_hand: node, replica, consumer and do depend on the node and its
 * kind, and are checked by check_entry itself; the table declares them
 * for the key check and the reference. */
static int by_hand(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		   void *field)
{
	return 0;
}

static const struct param entry_params[] = {
	{ .name = "at", .type = PARAM_DURATION, PARAM_FIELD(struct tl_entry, at_ns),
	  .flags = PARAM_REQUIRED,
	  .doc = "when it starts, from the start of the run (warm-up included), before its end" },
	{ .name = "node", .type = PARAM_CUSTOM, .parse = by_hand, .shape = "NAME or NAME[K]", .flags = PARAM_REQUIRED,
	  .doc = "what it acts on: a node, or one replica of it (in flow style {...} brackets are YAML syntax: quote \"web[2]\" or use `replica`)" },
	{ .name = "replica", .type = PARAM_CUSTOM, .parse = by_hand, .shape = "integer", .def_doc = "the whole node",
	  .doc = "one replica of the node" },
	{ .name = "zone", .type = PARAM_CUSTOM, .parse = by_hand, .shape = "ZONE", .def_doc = "none",
	  .doc = "instead of node: `crash` and `recover` of every replica placed in the zone, of every node (a zone outage)" },
	{ .name = "between", .type = PARAM_CUSTOM, .parse = by_hand, .shape = "[PATTERN, PATTERN]",
	  .def_doc = "none",
	  .doc = "instead of node: `partition` or `latency` of the hops between two zone patterns, either way (a partition, a latency spike)" },
	{ .name = "consumer", .type = PARAM_CUSTOM, .parse = by_hand, .shape = "integer", .def_doc = "the whole unit",
	  .doc = "`crash` and `recover`: one consumer of a queue's group (`node: NAME[G]`)" },
	{ .name = "do", .type = PARAM_CUSTOM, .parse = by_hand, .shape = "ACTION", .flags = PARAM_REQUIRED,
	  .doc = "what happens: one of the actions below" },
	{ .name = "for", .type = PARAM_DURATION, PARAM_FIELD(struct tl_entry, for_ns), .min_ns = 1,
	  .def_doc = "to the end", .doc = "how long it lasts (not for instant actions)" },
	{ 0 }
};

const struct param_table tl_entry_table = {
	.params = entry_params,
	.size = sizeof(struct tl_entry),
	.doc = "`timeline: [{at: TIME, node: NAME, do: ACTION, ...}, ...]`: faults and changes at given times. Each entry starts `at` a time from the start of the run (warm-up included) and ends after `for`, or lasts to the end. `replica: K` (or `node: NAME[K]` in block style; inside `{...}`, brackets are YAML syntax) applies it to one replica. While several entries act on a replica, slow factors multiply, error rates combine as independent chances, latencies add, and it is down while any crash covers it.",
};

static const struct param *entry_key(const char *name)
{
	for (const struct param *e = entry_params; e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

const char *tl_action_word(const struct tl_entry *t)
{
	return t->action == TL_KIND ? t->def->name : tl_engine_actions[t->action].name;
}

/* ---- checking ---------------------------------------------------------- */

/* The actions a scenario may name: the engine's, then each kind's own in
 * the order of the kinds, each word once. */
#define TL_MAX_WORDS 64

struct words {
	const struct tl_action_def *def[TL_MAX_WORDS];
	const char *name[TL_MAX_WORDS + 1];
	size_t n;
};

static void words_add(struct words *w, const struct tl_action_def *d)
{
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->name[i], d->name))
			continue;
		/* one word, one action: the keys an entry is checked with are
		 * the action's whatever the node (kinds share an action, as
		 * shards take the database's, by pointing at it) */
		assert(w->def[i] == d);
		return;
	}
	if (w->n < TL_MAX_WORDS) {
		w->def[w->n] = d;
		w->name[w->n++] = d->name;
		w->name[w->n] = NULL;
	}
}

static void words_of(struct words *w, const struct model_ops *const *kinds)
{
	w->n = 0;
	w->name[0] = NULL;
	for (int a = 0; a < TL_NENGINE; a++)
		words_add(w, &tl_engine_actions[a]);
	for (size_t k = 0; kinds && kinds[k]; k++)
		for (size_t i = 0; kinds[k]->actions && kinds[k]->actions[i]; i++)
			words_add(w, kinds[k]->actions[i]);
}

/* supported returns the action called word as node kind ops has it: one
 * of the engine's that its faults allow, or one of its own; NULL if it
 * has none of that name. */
static const struct tl_action_def *supported(const struct model_ops *ops, const char *word)
{
	for (int a = 0; a < TL_NENGINE; a++)
		if (!strcmp(word, tl_engine_actions[a].name))
			return ops->faults & SIM_FAULT(a) ? &tl_engine_actions[a] : NULL;
	for (size_t i = 0; ops->actions && ops->actions[i]; i++)
		if (!strcmp(word, ops->actions[i]->name))
			return ops->actions[i];
	return NULL;
}

/* allowed_keys lists the keys an entry of action d may have. */
static void allowed_keys(const struct tl_action_def *d, const char **keys)
{
	size_t n = 0;
	keys[n++] = "at";
	keys[n++] = "node";
	if (!(d->flags & TLA_WHOLE))
		keys[n++] = "replica";
	if (d->flags & TLA_MEMBERS)
		keys[n++] = "consumer";
	keys[n++] = "do";
	if (!(d->flags & TLA_INSTANT))
		keys[n++] = "for";
	if (d->value)
		keys[n++] = d->value->name;
	for (const struct param *m = d->more; m && m->name; m++)
		keys[n++] = m->name;
	keys[n] = NULL;
}

/* parse_target reads "name" or "name[k]" at n into node and unit. */
static int parse_target(struct check_ctx *ctx, const struct yt_node *n,
			const char *what, uint32_t *node, uint32_t *unit)
{
	const char *s;
	int rc = check_string(ctx, n, what, &s);
	if (rc)
		return rc;
	const char *br = strchr(s, '[');
	char name[80];
	*unit = UINT32_MAX;
	if (br) {
		const char *p = br + 1;
		char *end;
		if (!isdigit((unsigned char)*p))
			return check_fail(ctx, n, what,
					  "'%s': a replica is written NODE[INDEX], e.g. web[0]", s);
		unsigned long k = strtoul(p, &end, 10);
		if (*end != ']' || end[1] != 0 || k >= TL_MAX_REPLICAS)
			return check_fail(ctx, n, what,
					  "'%s': a replica is written NODE[INDEX], e.g. web[0]", s);
		*unit = (uint32_t)k;
		if ((size_t)(br - s) >= sizeof name)
			return check_fail(ctx, n, what, "no node named '%.*s'", (int)(br - s), s);
		snprintf(name, sizeof name, "%.*s", (int)(br - s), s);
	} else {
		snprintf(name, sizeof name, "%s", s);
	}
	int i = scenario_node_index(ctx->sc, name);
	if (i < 0 || (size_t)i >= ctx->sc->ncomponents) {
		/* the node reference check gives the usual message */
		struct yt_node tmp = *n;
		tmp.str = name;
		return check_node_ref(ctx, &tmp, what, node);
	}
	*node = (uint32_t)i;
	const struct sc_node *nd = &ctx->sc->nodes[i];
	if (*unit != UINT32_MAX && *unit >= nd->max_units)
		return check_fail(ctx, n, what, "'%s' has %u replica%s (%s[0] to %s[%u])",
				  nd->name, nd->max_units, nd->max_units == 1 ? "" : "s",
				  nd->name, nd->name, nd->max_units - 1);
	return 0;
}

/* check_at reads entry e's `at` into t, before the end of the run. */
static int check_at(struct check_ctx *ctx, const struct yt_node *e, const char *what,
		    struct tl_entry *t)
{
	char w[128];
	snprintf(w, sizeof w, "%s.at", what);
	int rc = param_check_one(ctx, entry_key("at"), w, yt_get(e, "at"), t);
	if (rc)
		return rc;
	int64_t end = ctx->sc->warmup_ns + ctx->sc->duration_ns;
	if (t->at_ns >= end)
		return check_fail(ctx, yt_get(e, "at"), w,
				  "is at or after the end of the run (warmup + duration = %gs): it would never happen",
				  (double)end * 1e-9);
	return 0;
}

/* check_when reads entry e's `at`, then its `for` if it has one. */
static int check_when(struct check_ctx *ctx, const struct yt_node *e, const char *what,
		      struct tl_entry *t)
{
	int rc = check_at(ctx, e, what, t);
	const struct yt_node *fn = yt_get(e, "for");
	if (rc || !fn)
		return rc;
	char w[128];
	snprintf(w, sizeof w, "%s.for", what);
	return param_check_one(ctx, entry_key("for"), w, fn, t);
}

/* pick_word reads entry e's `do`, one of words (NULL-ended), into *k, for
 * an entry of `noun` ("a zone") whose actions words are. */
static int pick_word(struct check_ctx *ctx, const struct yt_node *e, const char *what,
		     const char *const *words, const char *noun, size_t *k)
{
	char w[128], list[200];
	const char *word;
	const struct yt_node *dn = yt_get(e, "do");
	snprintf(w, sizeof w, "%s.do", what);
	check_join(list, sizeof list, words);
	if (!dn)
		return check_fail(ctx, e, what, "missing required key 'do' (%s)", list);
	int rc = check_string(ctx, dn, w, &word);
	if (rc)
		return rc;
	for (*k = 0; words[*k]; (*k)++)
		if (!strcmp(word, words[*k]))
			return 0;
	char kind[64];
	snprintf(kind, sizeof kind, "action for %s", noun);
	return check_unknown(ctx, dn, w, kind, word, words);
}

static int check_entry(struct check_ctx *ctx, const struct yt_node *e, size_t i,
		       const struct words *words, struct tl_entry *t)
{
	char what[96], w[128];
	const char *word;
	int rc;
	struct scenario *sc = ctx->sc;
	snprintf(what, sizeof what, "timeline[%zu]", i);
	if (e->type != YT_MAP)
		return check_fail(ctx, e, what,
				  "must be a mapping such as {at: 5m, node: db, do: slow, factor: 10, for: 30s}");
	const struct yt_node *dn = yt_get(e, "do");
	snprintf(w, sizeof w, "%s.do", what);
	if (!dn) {
		char list[300];
		check_join(list, sizeof list, words->name);
		return check_fail(ctx, e, what, "missing required key 'do' (one of: %s)", list);
	}
	if ((rc = check_string(ctx, dn, w, &word)))
		return rc;
	size_t a;
	for (a = 0; a < words->n; a++)
		if (!strcmp(word, words->name[a]))
			break;
	if (a == words->n)
		return check_unknown(ctx, dn, w, "action", word, words->name);
	const struct tl_action_def *d = words->def[a];
	const char *keys[24];
	static const char *const req_base[] = { "at", "node", NULL };
	allowed_keys(d, keys);
	if ((rc = check_keys(ctx, e, what, keys, req_base)))
		return rc;
	if ((rc = check_at(ctx, e, what, t)))
		return rc;
	snprintf(w, sizeof w, "%s.node", what);
	const struct yt_node *nn = yt_get(e, "node");
	if ((rc = parse_target(ctx, nn, w, &t->node, &t->unit)))
		return rc;
	const struct sc_node *nd = &sc->nodes[t->node];
	const struct yt_node *rn = yt_get(e, "replica");
	if (rn) {
		/* `replica: 2` says what `node: web[2]` says, and unlike it can
		 * be written in YAML's flow style, where [ ] are syntax */
		uint64_t k;
		snprintf(w, sizeof w, "%s.replica", what);
		if (t->unit != UINT32_MAX)
			return check_fail(ctx, rn, w, "the replica is already named by node: %s",
					  nn->str);
		if ((rc = check_uint(ctx, rn, w, 0, nd->max_units - 1, &k)))
			return rc;
		t->unit = (uint32_t)k;
	}
	/* the node's kind may know the word as another action than the
	 * first of that name (its own) */
	if (!strcmp(word, tl_engine_actions[TL_PARTITION].name))
		return check_fail(ctx, dn, what,
				  "a partition cuts the links between zones: write between: [A, B] instead of node:");
	if (!(d = supported(nd->ops, word)))
		return check_fail(ctx, dn, what, "nodes of type %s do not support '%s'",
				  nd->ops->kind, word);
	t->def = d;
	t->action = d->engine;
	if ((d->flags & TLA_WHOLE) && t->unit != UINT32_MAX)
		return check_fail(ctx, nn, w, "'%s' applies to a whole node: write %s, not a replica",
				  word, nd->name);
	if (t->action == TL_SCALE && nd->ops->autoscale && nd->ops->autoscale(nd->cfg))
		return check_fail(ctx, dn, what,
				  "'%s' has an autoscaler, which sets its replicas: change its min_replicas or max_replicas instead",
				  nd->name);
	t->member = UINT32_MAX;
	const struct yt_node *mn = yt_get(e, "consumer");
	if (mn) {
		snprintf(w, sizeof w, "%s.consumer", what);
		if (!nd->ops->members)
			return check_fail(ctx, mn, w, "nodes of type %s have no consumers",
					  nd->ops->kind);
		if (t->unit == UINT32_MAX && nd->max_units > 1)
			return check_fail(ctx, mn, w,
					  "'%s' has %u groups: name the consumer's group, e.g. node: %s[0]",
					  nd->name, nd->max_units, nd->name);
		if (t->unit == UINT32_MAX)
			t->unit = 0;
		uint64_t k;
		if ((rc = check_uint(ctx, mn, w, 0, nd->ops->members(nd->cfg, t->unit) - 1, &k)))
			return rc;
		t->member = (uint32_t)k;
	}
	const struct yt_node *fn = yt_get(e, "for");
	if (fn) {
		snprintf(w, sizeof w, "%s.for", what);
		if ((rc = param_check_one(ctx, entry_key("for"), w, fn, t)))
			return rc;
	}
	const char *text = "";
	if (d->value) {
		const struct yt_node *vn = yt_get(e, d->value->name);
		if (!vn)
			return check_fail(ctx, e, what, "missing required key '%s' for '%s'",
					  d->value->name, word);
		snprintf(w, sizeof w, "%s.%s", what, d->value->name);
		if ((rc = param_check_one(ctx, d->value, w, vn, t)))
			return rc;
		text = vn->str;
	}
	/* the optional keys: what is absent, the kind makes up (its
	 * defaults are its own, as they may depend on the node) */
	for (const struct param *m = d->more; m && m->name; m++) {
		const struct yt_node *mn = yt_get(e, m->name);
		if (!mn)
			continue;
		snprintf(w, sizeof w, "%s.%s", what, m->name);
		if ((rc = param_check_one(ctx, m, w, mn, t)))
			return rc;
		t->more_given |= 1u << (m - d->more);
	}
	char tgt[80];
	if (t->unit == UINT32_MAX)
		snprintf(tgt, sizeof tgt, "%s", nd->name);
	else
		snprintf(tgt, sizeof tgt, "%s[%u]", nd->name, t->unit);
	if (d->label)
		d->label(t->label, sizeof t->label, tgt, t, text);
	else if (t->member != UINT32_MAX)
		snprintf(t->label, sizeof t->label, "%s consumer %u %s", tgt, t->member, word);
	else
		snprintf(t->label, sizeof t->label, "%s %s", tgt, word);
	return 0;
}

long tl_scale_winner(const struct scenario *sc, uint32_t node,
		     const unsigned char *active)
{
	long best = -1;
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		if (!active[i] || t->action != TL_SCALE || t->node != node)
			continue;
		if (best < 0 || t->at_ns >= sc->timeline[best].at_ns)
			best = (long)i;
	}
	return best;
}

double tl_mean_units(const struct scenario *sc, uint32_t node,
		     uint32_t configured, int64_t t0, int64_t t1)
{
	size_t n = 0;
	for (size_t i = 0; i < sc->ntimeline; i++)
		n += sc->timeline[i].action == TL_SCALE && sc->timeline[i].node == node;
	if (!n || t1 <= t0)
		return configured;
	/* the count changes only where a scale entry starts or ends: walk
	 * those times in order and hold the count between them */
	int64_t *edge = malloc(2 * n * sizeof *edge);
	unsigned char *active = calloc(sc->ntimeline, 1);
	if (!edge || !active) {
		free(edge);
		free(active);
		return configured;
	}
	size_t ne = 0;
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		if (t->action != TL_SCALE || t->node != node)
			continue;
		edge[ne++] = t->at_ns;
		if (t->for_ns)
			edge[ne++] = t->at_ns + t->for_ns;
	}
	double area = 0;
	int64_t from = t0;
	for (;;) {
		/* the count on [from, next edge) */
		for (size_t i = 0; i < sc->ntimeline; i++) {
			const struct tl_entry *t = &sc->timeline[i];
			active[i] = t->action == TL_SCALE && t->node == node &&
				    t->at_ns <= from &&
				    (!t->for_ns || from < t->at_ns + t->for_ns);
		}
		long w = tl_scale_winner(sc, node, active);
		double units = w < 0 ? configured : sc->timeline[w].replicas;
		int64_t next = t1;
		for (size_t e = 0; e < ne; e++)
			if (edge[e] > from && edge[e] < next)
				next = edge[e];
		area += units * (double)(next - from);
		if (next >= t1)
			break;
		from = next;
	}
	free(edge);
	free(active);
	return area / (double)(t1 - t0);
}

/* zone_of_entry is the zone entry e names (`zone:`), 0 when it names
 * none; -1 after reporting a wrong one. */
static long zone_of_entry(struct check_ctx *ctx, const struct yt_node *e, size_t i)
{
	const struct yt_node *zn = e->type == YT_MAP ? yt_get(e, "zone") : NULL;
	if (!zn)
		return 0;
	char what[96];
	snprintf(what, sizeof what, "timeline[%zu].zone", i);
	if (!ctx->sc->zmap) {
		check_fail(ctx, zn, what, "names a zone, and the scenario has no zones:");
		return -1;
	}
	uint32_t z;
	return zone_check_name(ctx, ctx->sc->zmap, zn, what, &z) ? -1 : (long)z;
}

/* placed_in says whether node nd has a replica in zone z. */
static int placed_in(const struct sc_node *nd, uint32_t z)
{
	for (uint32_t k = 0; k < nd->nzone; k++)
		if (nd->zone[k] == z)
			return 1;
	return 0;
}

/* check_zone_entry checks entry e, a crash or recover of zone z, into
 * one entry per node placed there, from t on; *made says how many. */
static int check_zone_entry(struct check_ctx *ctx, const struct yt_node *e, size_t i,
			    uint32_t z, struct tl_entry *t, size_t *made)
{
	struct scenario *sc = ctx->sc;
	char what[96], w[128];
	snprintf(what, sizeof what, "timeline[%zu]", i);
	static const char *const keys[] = { "at", "zone", "do", "for", NULL };
	static const char *const req[] = { "at", "zone", "do", NULL };
	int rc;
	if (yt_get(e, "node"))
		return check_fail(ctx, yt_get(e, "node"), what,
				  "names both a node and a zone: write node: (one node, or a replica) or zone: (every replica placed there)");
	static const char *const zone_words[] = { "crash", "recover", NULL };
	size_t k;
	if ((rc = pick_word(ctx, e, what, zone_words, "a zone", &k)))
		return rc;
	int a = k == 0 ? TL_CRASH : TL_RECOVER;
	if ((rc = check_keys(ctx, e, what, keys, req)))
		return rc;
	struct tl_entry proto = { 0 };
	if ((rc = check_at(ctx, e, what, &proto)))
		return rc;
	if (a == TL_RECOVER && yt_get(e, "for"))
		return check_fail(ctx, yt_get(e, "for"), what, "'recover' is instant: it takes no 'for'");
	if ((rc = check_when(ctx, e, what, &proto)))
		return rc;
	proto.unit = UINT32_MAX;
	proto.member = UINT32_MAX;
	proto.zone = z;
	proto.action = (enum tl_action)a;
	proto.def = &tl_engine_actions[a];
	snprintf(proto.label, sizeof proto.label, "%s %s", sc->zmap->names[z],
		 a == TL_CRASH ? "down" : "back");
	*made = 0;
	for (size_t k = 0; k < sc->ncomponents; k++) {
		if (!placed_in(&sc->nodes[k], z) ||
		    !(sc->nodes[k].ops->faults & SIM_FAULT(a)))
			continue;
		t[*made] = proto;
		t[*made].node = (uint32_t)k;
		(*made)++;
	}
	if (!*made) {
		snprintf(w, sizeof w, "%s.zone", what);
		return check_fail(ctx, yt_get(e, "zone"), w, "no node is placed in zone %s",
				  sc->zmap->names[z]);
	}
	return 0;
}

/* check_link_entry checks entry e (index i), one of the links between
 * two zone patterns (`between:`): a partition, or a latency spike. */
static int check_link_entry(struct check_ctx *ctx, const struct yt_node *e, size_t i,
			    struct tl_entry *t)
{
	struct scenario *sc = ctx->sc;
	const struct zone_map *z = sc->zmap;
	char what[96], w[128];
	snprintf(what, sizeof what, "timeline[%zu]", i);
	const struct yt_node *bn = yt_get(e, "between");
	int rc;
	snprintf(w, sizeof w, "%s.between", what);
	if (!z)
		return check_fail(ctx, bn, w, "names zones, and the scenario has no zones:");
	if (yt_get(e, "node") || yt_get(e, "zone"))
		return check_fail(ctx, e, what,
				  "names a node or a zone and the links between zones: write between: [A, B] alone for a partition or a latency spike of the links");
	if (bn->type != YT_SEQ || bn->n != 2)
		return check_fail(ctx, bn, w, "must be two zone patterns, such as [us-east-1a, \"eu-*\"]");
	for (int k = 0; k < 2; k++) {
		const char *p;
		if ((rc = check_string(ctx, bn->items[k], w, &p)))
			return rc;
		if (strlen(p) >= sizeof t->between[k])
			return check_fail(ctx, bn->items[k], w, "a pattern of at most %zu characters",
					  sizeof t->between[k] - 1);
		snprintf(t->between[k], sizeof t->between[k], "%s", p);
		if ((rc = zone_check_pattern(ctx, z, bn->items[k], w, p)))
			return rc;
	}
	int any = 0;
	for (uint32_t a = 1; a <= z->n && !any; a++)
		for (uint32_t b = 1; b <= z->n && !any; b++)
			any = a != b && zone_between(z, t->between[0], t->between[1], a, b);
	if (!any)
		return check_fail(ctx, bn, w,
				  "matches no pair of distinct zones (a hop inside one zone is not a link's to cut)");
	static const char *const link_words[] = { "partition", "latency", NULL };
	size_t k;
	if ((rc = pick_word(ctx, e, what, link_words, "the links between zones", &k)))
		return rc;
	int a = k == 0 ? TL_PARTITION : TL_LATENCY;
	static const char *const pkeys[] = { "at", "between", "do", "for", "timeout", NULL };
	static const char *const lkeys[] = { "at", "between", "do", "for", "add", NULL };
	static const char *const preq[] = { "at", "between", "do", NULL };
	static const char *const lreq[] = { "at", "between", "do", "add", NULL };
	if ((rc = check_keys(ctx, e, what, a == TL_LATENCY ? lkeys : pkeys,
			     a == TL_LATENCY ? lreq : preq)))
		return rc;
	if ((rc = check_when(ctx, e, what, t)))
		return rc;
	const char *text = "";
	if (a == TL_LATENCY) {
		const struct yt_node *an = yt_get(e, "add");
		snprintf(w, sizeof w, "%s.add", what);
		if ((rc = param_check_one(ctx, &add_key, w, an, t)))
			return rc;
		text = an->str;
	} else {
		/* how long a sender waits for a hop the partition loses */
		const struct yt_node *tn = yt_get(e, "timeout");
		t->add_ns = TL_PARTITION_TIMEOUT_NS;
		snprintf(w, sizeof w, "%s.timeout", what);
		if (tn && (rc = param_check_one(ctx, &partition_more[0], w, tn, t)))
			return rc;
	}
	t->node = TL_LINKS;
	t->unit = UINT32_MAX;
	t->member = UINT32_MAX;
	t->action = (enum tl_action)a;
	t->def = &tl_engine_actions[a];
	if (a == TL_LATENCY)
		snprintf(t->label, sizeof t->label, "%.30s<->%.30s +%.20s", t->between[0],
			 t->between[1], text);
	else
		snprintf(t->label, sizeof t->label, "%.30s<->%.30s partition", t->between[0],
			 t->between[1]);
	return 0;
}

int tl_check(struct check_ctx *ctx, const struct yt_node *n,
	     const struct model_ops *const *kinds)
{
	struct scenario *sc = ctx->sc;
	if (!n)
		return 0;
	if (n->type != YT_SEQ)
		return check_fail(ctx, n, "timeline",
				  "must be a list of entries such as {at: 5m, node: db, do: slow, factor: 10, for: 30s}");
	if (n->n > TL_MAX_ENTRIES)
		return check_fail(ctx, n, "timeline", "at most %d entries", TL_MAX_ENTRIES);
	if (n->n == 0)
		return 0;
	/* an entry of a zone becomes one per node placed there: where each
	 * entry's own begin */
	size_t *base = malloc((n->n + 1) * sizeof *base);
	if (!base)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	base[0] = 0;
	for (size_t i = 0; i < n->n; i++) {
		long z = zone_of_entry(ctx, n->items[i], i);
		if (z < 0) {
			free(base);
			return SIM_EINVAL;
		}
		size_t k = 1;
		if (z > 0) {
			k = 0;
			for (size_t j = 0; j < sc->ncomponents; j++)
				k += placed_in(&sc->nodes[j], (uint32_t)z);
			k = k ? k : 1;
		}
		base[i + 1] = base[i] + k;
	}
	sc->timeline = calloc(base[n->n], sizeof *sc->timeline);
	if (!sc->timeline) {
		free(base);
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	}
	struct words words;
	words_of(&words, kinds);
	size_t total = 0;
	/* scale first: a replica index is checked against the most replicas
	 * the node will have */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n->n; i++) {
			const struct yt_node *e = n->items[i];
			const struct yt_node *dn = e->type == YT_MAP ? yt_get(e, "do") : NULL;
			int is_scale = dn && dn->type == YT_SCALAR &&
				       !strcmp(dn->str, tl_engine_actions[TL_SCALE].name);
			if (pass == 0 && !is_scale)
				continue;
			if (pass == 1 && is_scale)
				continue;
			struct tl_entry *t = &sc->timeline[base[i]];
			long z = zone_of_entry(ctx, e, i);
			int rc;
			size_t made = 1;
			if (z > 0)
				rc = check_zone_entry(ctx, e, i, (uint32_t)z, t, &made);
			else if (e->type == YT_MAP && yt_get(e, "between"))
				rc = check_link_entry(ctx, e, i, t);
			else
				rc = check_entry(ctx, e, i, &words, t);
			if (rc) {
				/* every slot, for load_free to release what
				 * the entries parsed so far hold */
				sc->ntimeline = base[n->n];
				free(base);
				return rc;
			}
			/* the slots of a zone's nodes the kinds cannot crash stay
			 * unused: they are squeezed out below */
			for (size_t k = made; k < base[i + 1] - base[i]; k++)
				t[k].node = UINT32_MAX;
			total += made;
			if (t->action == TL_SCALE &&
			    t->replicas > sc->nodes[t->node].max_units)
				sc->nodes[t->node].max_units = t->replicas;
			if (t->def && t->def->units) {
				uint32_t u = t->def->units(&sc->nodes[t->node], t);
				if (u > sc->nodes[t->node].max_units)
					sc->nodes[t->node].max_units = u;
			}
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < base[n->n]; i++)
		if (sc->timeline[i].node != UINT32_MAX)
			sc->timeline[k++] = sc->timeline[i];
	free(base);
	sc->ntimeline = total;
	return 0;
}
