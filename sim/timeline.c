/*
 * timeline.c - checking the `timeline:` list; see timeline.h.  The engine
 * applies it (sim.c).
 */
#include "sim/timeline.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model.h"
#include "sim/scenario.h"

#define TL_MAX_ENTRIES 100000

static const char *const tl_words[] = {
#define TL_WORD(name, word, doc) word,
	TL_ACTIONS(TL_WORD)
#undef TL_WORD
	NULL
};

static const char *const tl_docs[] = {
#define TL_DOC(name, word, doc) doc,
	TL_ACTIONS(TL_DOC)
#undef TL_DOC
};

const char *tl_action_name(enum tl_action a)
{
	return tl_words[a];
}

const char *tl_action_doc(enum tl_action a)
{
	return tl_docs[a];
}

/* The keys each action takes besides at, node, do and for. */
static const char *const *action_keys(enum tl_action a)
{
	static const char *const crash[] = { "at", "node", "replica", "consumer", "do", "for", NULL };
	static const char *const recover[] = { "at", "node", "replica", "consumer", "do", NULL };
	static const char *const slow[] = { "at", "node", "replica", "do", "for", "factor", NULL };
	static const char *const errors[] = { "at", "node", "replica", "do", "for", "rate", NULL };
	static const char *const latency[] = { "at", "node", "do", "for", "add", NULL };
	static const char *const scale[] = { "at", "node", "do", "for", "replicas", NULL };
	static const char *const flush[] = { "at", "node", "replica", "do", NULL };
	static const char *const lag[] = { "at", "node", "replica", "do", "for", "factor", NULL };
	static const char *const failover[] = { "at", "node", "do", "promotion", NULL };
	static const char *const reshard[] = { "at", "node", "do", "for", "shards", NULL };
	switch (a) {
	case TL_FLUSH: return flush;
	case TL_LAG: return lag;
	case TL_FAILOVER: return failover;
	case TL_RESHARD: return reshard;
	case TL_CRASH: return crash;
	case TL_RECOVER: return recover;
	case TL_SLOW: return slow;
	case TL_ERRORS: return errors;
	case TL_LATENCY: return latency;
	case TL_SCALE: return scale;
	default: return crash;
	}
}

static const char *action_value_key(enum tl_action a)
{
	switch (a) {
	case TL_SLOW: return "factor";
	case TL_ERRORS: return "rate";
	case TL_LATENCY: return "add";
	case TL_SCALE: return "replicas";
	case TL_LAG: return "factor";
	case TL_FAILOVER: return "promotion";
	case TL_RESHARD: return "shards";
	default: return NULL;
	}
}

/* parse_target reads "name" or "name[k]" at n into node and unit. */
static int parse_target(struct sc_ctx *ctx, const struct yt_node *n,
			const char *what, uint32_t *node, uint32_t *unit)
{
	const char *s;
	int rc = sc_string(ctx, n, what, &s);
	if (rc)
		return rc;
	const char *br = strchr(s, '[');
	char name[80];
	*unit = UINT32_MAX;
	if (br) {
		const char *p = br + 1;
		char *end;
		if (!isdigit((unsigned char)*p))
			return sc_fail(ctx, n, what,
				       "'%s': a replica is written NODE[INDEX], e.g. web[0]", s);
		unsigned long k = strtoul(p, &end, 10);
		if (*end != ']' || end[1] != 0 || k >= TL_MAX_REPLICAS)
			return sc_fail(ctx, n, what,
				       "'%s': a replica is written NODE[INDEX], e.g. web[0]", s);
		*unit = (uint32_t)k;
		if ((size_t)(br - s) >= sizeof name)
			return sc_fail(ctx, n, what, "no node named '%.*s'", (int)(br - s), s);
		snprintf(name, sizeof name, "%.*s", (int)(br - s), s);
	} else {
		snprintf(name, sizeof name, "%s", s);
	}
	int i = scenario_node_index(ctx->sc, name);
	if (i < 0 || (size_t)i >= ctx->sc->ncomponents) {
		/* the node reference check gives the usual message */
		struct yt_node tmp = *n;
		tmp.str = name;
		return sc_node_ref(ctx, &tmp, what, node);
	}
	*node = (uint32_t)i;
	const struct sc_node *nd = &ctx->sc->nodes[i];
	if (*unit != UINT32_MAX && *unit >= nd->max_units)
		return sc_fail(ctx, n, what, "'%s' has %u replica%s (%s[0] to %s[%u])",
			       nd->name, nd->max_units, nd->max_units == 1 ? "" : "s",
			       nd->name, nd->name, nd->max_units - 1);
	return 0;
}

static int check_entry(struct sc_ctx *ctx, const struct yt_node *e, size_t i,
		       struct tl_entry *t)
{
	char what[96], w[128];
	const char *word;
	int rc;
	struct scenario *sc = ctx->sc;
	snprintf(what, sizeof what, "timeline[%zu]", i);
	if (e->type != YT_MAP)
		return sc_fail(ctx, e, what,
			       "must be a mapping such as {at: 5m, node: db, do: slow, factor: 10, for: 30s}");
	const struct yt_node *dn = yt_get(e, "do");
	snprintf(w, sizeof w, "%s.do", what);
	if (!dn) {
		char list[160] = "";
		for (size_t k = 0; tl_words[k]; k++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
				 k ? ", " : "", tl_words[k]);
		return sc_fail(ctx, e, what, "missing required key 'do' (one of: %s)", list);
	}
	if ((rc = sc_string(ctx, dn, w, &word)))
		return rc;
	size_t a;
	for (a = 0; tl_words[a]; a++)
		if (!strcmp(word, tl_words[a]))
			break;
	if (!tl_words[a])
		return sc_unknown(ctx, dn, w, "action", word, tl_words);
	t->action = (enum tl_action)a;
	static const char *const req_base[] = { "at", "node", NULL };
	if ((rc = sc_keys(ctx, e, what, action_keys(t->action), req_base)))
		return rc;
	snprintf(w, sizeof w, "%s.at", what);
	if ((rc = sc_duration(ctx, yt_get(e, "at"), w, 0, &t->at_ns)))
		return rc;
	int64_t end = sc->warmup_ns + sc->duration_ns;
	if (t->at_ns >= end)
		return sc_fail(ctx, yt_get(e, "at"), w,
			       "is at or after the end of the run (warmup + duration = %gs): it would never happen",
			       (double)end * 1e-9);
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
			return sc_fail(ctx, rn, w, "the replica is already named by node: %s",
				       nn->str);
		if ((rc = sc_uint(ctx, rn, w, 0, nd->max_units - 1, &k)))
			return rc;
		t->unit = (uint32_t)k;
	}
	if (!(nd->ops->faults & SIM_FAULT(t->action)))
		return sc_fail(ctx, dn, what, "nodes of type %s do not support '%s'",
			       nd->ops->kind, word);
	if ((t->action == TL_LATENCY || t->action == TL_SCALE ||
	     t->action == TL_FAILOVER || t->action == TL_RESHARD) && t->unit != UINT32_MAX)
		return sc_fail(ctx, nn, w, "'%s' applies to a whole node: write %s, not a replica",
			       word, nd->name);
	t->member = UINT32_MAX;
	const struct yt_node *mn = yt_get(e, "consumer");
	if (mn) {
		snprintf(w, sizeof w, "%s.consumer", what);
		if (!nd->ops->members)
			return sc_fail(ctx, mn, w, "nodes of type %s have no consumers",
				       nd->ops->kind);
		if (t->unit == UINT32_MAX && nd->max_units > 1)
			return sc_fail(ctx, mn, w,
				       "'%s' has %u groups: name the consumer's group, e.g. node: %s[0]",
				       nd->name, nd->max_units, nd->name);
		if (t->unit == UINT32_MAX)
			t->unit = 0;
		uint64_t k;
		if ((rc = sc_uint(ctx, mn, w, 0, nd->ops->members(nd->cfg, t->unit) - 1, &k)))
			return rc;
		t->member = (uint32_t)k;
	}
	const struct yt_node *fn = yt_get(e, "for");
	if (fn) {
		snprintf(w, sizeof w, "%s.for", what);
		if ((rc = sc_duration(ctx, fn, w, 1, &t->for_ns)))
			return rc;
	}
	const char *vk = action_value_key(t->action);
	const struct yt_node *vn = vk ? yt_get(e, vk) : NULL;
	if (vk && !vn)
		return sc_fail(ctx, e, what, "missing required key '%s' for '%s'", vk, word);
	if (vk)
		snprintf(w, sizeof w, "%s.%s", what, vk);
	uint64_t u;
	char tgt[80];
	if (t->unit == UINT32_MAX)
		snprintf(tgt, sizeof tgt, "%s", nd->name);
	else
		snprintf(tgt, sizeof tgt, "%s[%u]", nd->name, t->unit);
	switch (t->action) {
	case TL_SLOW:
		if ((rc = sc_double(ctx, vn, w, TL_FACTOR_MIN, TL_FACTOR_MAX, &t->value)))
			return rc;
		snprintf(t->label, sizeof t->label, "%s slow x%g", tgt, t->value);
		break;
	case TL_ERRORS:
		if ((rc = sc_double(ctx, vn, w, 0, 1, &t->value)))
			return rc;
		snprintf(t->label, sizeof t->label, "%s errors %g%%", tgt, 100 * t->value);
		break;
	case TL_LATENCY:
		if ((rc = sc_duration(ctx, vn, w, 0, &t->add_ns)))
			return rc;
		snprintf(t->label, sizeof t->label, "%s +%s", tgt, vn->str);
		break;
	case TL_SCALE:
		if ((rc = sc_uint(ctx, vn, w, 1, TL_MAX_REPLICAS, &u)))
			return rc;
		t->replicas = (uint32_t)u;
		snprintf(t->label, sizeof t->label, "%s scale to %u", tgt, t->replicas);
		break;
	case TL_RESHARD:
		if ((rc = sc_uint(ctx, vn, w, 1, TL_MAX_REPLICAS, &u)))
			return rc;
		t->replicas = (uint32_t)u;
		t->action = TL_SCALE;
		snprintf(t->label, sizeof t->label, "%s reshard to %u", tgt, t->replicas);
		break;
	case TL_LAG:
		if ((rc = sc_double(ctx, vn, w, TL_FACTOR_MIN, TL_FACTOR_MAX, &t->value)))
			return rc;
		snprintf(t->label, sizeof t->label, "%s lag x%g", tgt, t->value);
		break;
	case TL_FAILOVER:
		if ((rc = sc_duration(ctx, vn, w, 0, &t->add_ns)))
			return rc;
		snprintf(t->label, sizeof t->label, "%s failover", tgt);
		break;
	default:
		if (t->member != UINT32_MAX)
			snprintf(t->label, sizeof t->label, "%s consumer %u %s", tgt, t->member, word);
		else
			snprintf(t->label, sizeof t->label, "%s %s", tgt, word);
		break;
	}
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

int tl_check(struct sc_ctx *ctx, const struct yt_node *n)
{
	struct scenario *sc = ctx->sc;
	if (!n)
		return 0;
	if (n->type != YT_SEQ)
		return sc_fail(ctx, n, "timeline",
			       "must be a list of entries such as {at: 5m, node: db, do: slow, factor: 10, for: 30s}");
	if (n->n > TL_MAX_ENTRIES)
		return sc_fail(ctx, n, "timeline", "at most %d entries", TL_MAX_ENTRIES);
	if (n->n == 0)
		return 0;
	sc->timeline = calloc(n->n, sizeof *sc->timeline);
	if (!sc->timeline)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	/* scale first: a replica index is checked against the most replicas
	 * the node will have */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n->n; i++) {
			const struct yt_node *e = n->items[i];
			const struct yt_node *dn = e->type == YT_MAP ? yt_get(e, "do") : NULL;
			int is_scale = dn && dn->type == YT_SCALAR && !strcmp(dn->str, "scale");
			if (pass == 0 && !is_scale)
				continue;
			if (pass == 1 && is_scale)
				continue;
			struct tl_entry *t = &sc->timeline[i];
			int rc = check_entry(ctx, e, i, t);
			if (rc)
				return rc;
			if (t->action == TL_SCALE &&
			    t->replicas > sc->nodes[t->node].max_units)
				sc->nodes[t->node].max_units = t->replicas;
		}
	}
	sc->ntimeline = n->n;
	return 0;
}
