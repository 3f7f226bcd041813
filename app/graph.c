/*
 * graph.c - the topology as DOT; see graph.h.
 */
#include "app/graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model.h"
#include "sim/zone.h"

/* dot_string writes s as a DOT quoted string's content. */
static void dot_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* zones_line writes, on a label line of its own, the zones node n is
 * placed in (its replicas' in turn), when it is. */
static void zones_line(FILE *f, const struct scenario *sc, const struct sc_node *n)
{
	if (!n->zone)
		return;
	fputs(n->nzone > 1 ? "\\nzones " : "\\nzone ", f);
	for (uint32_t i = 0; i < n->nzone; i++) {
		if (i)
			fputs(", ", f);
		dot_string(f, sc->zmap->names[n->zone[i]]);
	}
}

/* A call entry of the tree, in the order the call plan counts edges. */
struct edge_note {
	const struct yt_node *map;
};

/* collect appends, depth first, the maps with a `to` key under n. */
static void collect(const struct yt_node *n, struct edge_note *out, size_t *len, size_t cap)
{
	if (!n)
		return;
	if (n->type == YT_MAP && yt_get(n, "to")) {
		if (*len < cap)
			out[*len].map = n;
		(*len)++;
		return;
	}
	if (n->type == YT_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			collect(n->items[i], out, len, cap);
	} else if (n->type == YT_MAP) {
		const struct yt_node *p = yt_get(n, "parallel");
		if (p)
			collect(p, out, len, cap);
	}
}

/* The policies an edge's label shows: the entry's key, the key inside it
 * whose value is shown (NULL: the value itself, when a scalar), the words
 * before that value, and the words alone when there is none. */
static const struct {
	const char *key, *sub, *label, *bare;
} shown[] = {
	{ "timeout", NULL, "timeout ", "timeout" },
	{ "per_try_timeout", NULL, "per try ", "per try" },
	{ "retry", NULL, "", "" },
	{ "hedge", "after", "hedge after ", "hedge" },
	{ "breaker", NULL, "breaker ", "breaker" },
	{ "rate_limit", "rate", "rate limit ", "rate limit" },
	{ "max_connections", NULL, "pool ", "pool" },
	{ "max_requests", NULL, "max requests ", "max requests" },
	{ "cancel", NULL, "cancel ", "cancel" },
};

/* retry_label writes a retry policy: its style, how many retries it
 * allows when it says, and whether a budget or throttling limits them. */
static void retry_label(FILE *f, const char *sep, const struct yt_node *v)
{
	const struct yt_node *st = v->type == YT_MAP ? yt_get(v, "style") : NULL;
	const char *style = st && st->type == YT_SCALAR ? st->str : "envoy";
	const struct yt_node *nr = v->type == YT_MAP ? yt_get(v, "num_retries") : NULL;
	const struct yt_node *ma = v->type == YT_MAP ? yt_get(v, "max_attempts") : NULL;
	fprintf(f, "%s", sep);
	dot_string(f, style);
	fputs(" retry", f);
	if (nr && nr->type == YT_SCALAR) {
		fputs(" x", f);
		dot_string(f, nr->str);
	} else if (ma && ma->type == YT_SCALAR) {
		fputs(", attempts ", f);
		dot_string(f, ma->str);
	}
	if (v->type == YT_MAP && (yt_get(v, "retry_budget") || yt_get(v, "retry_throttling")))
		fputs(" (budget)", f);
}

/* policies writes the policies an edge's entry carries, one a line. */
static void policies(FILE *f, const struct yt_node *m)
{
	const char *sep = "";
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		const struct yt_node *v = yt_get(m, shown[i].key);
		if (!v)
			continue;
		const struct yt_node *x = shown[i].sub ?
			(v->type == YT_MAP ? yt_get(v, shown[i].sub) : NULL) : v;
		if (!strcmp(shown[i].key, "cancel")) {
			if (x && x->type == YT_SCALAR && !strcmp(x->str, "true"))
				fprintf(f, "%scancel", sep);
			continue;
		}
		if (!strcmp(shown[i].key, "retry")) {
			retry_label(f, sep, v);
			sep = "\\n";
			continue;
		}
		int val = x && x->type == YT_SCALAR;
		fprintf(f, "%s%s", sep, val ? shown[i].label : shown[i].bare);
		if (val)
			dot_string(f, x->str);
		sep = "\\n";
	}
}

void graph_dot(const struct scenario *sc, FILE *f)
{
	fputs("digraph \"", f);
	dot_string(f, sc->name);
	fputs("\" {\n\trankdir=LR;\n"
	      "\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"sans\", fontsize=10];\n"
	      "\tedge [fontname=\"sans\", fontsize=9];\n", f);
	int64_t end = sc->warmup_ns + sc->duration_ns;
	for (size_t k = 0; k < sc->nnodes; k++) {
		const struct sc_node *n = &sc->nodes[k];
		int client = k >= sc->ncomponents;
		fputs("\t\"", f);
		dot_string(f, n->name);
		fputs("\" [label=\"", f);
		dot_string(f, n->name);
		fputs("\\n", f);
		if (client) {
			const struct yt_node *arr = yt_get(n->src, "arrival");
			const struct yt_node *pr = arr ? yt_get(arr, "process") : NULL;
			if (pr && pr->type == YT_SCALAR)
				dot_string(f, pr->str);
			double rate = n->ops->offered ? n->ops->offered(n->cfg, 0, end) : NAN;
			if (isfinite(rate))
				fprintf(f, ", %.4g/s", rate);
			else if (arr && yt_get(arr, "users") && yt_get(arr, "users")->type == YT_SCALAR)
				fprintf(f, ", %s users", yt_get(arr, "users")->str);
			zones_line(f, sc, n);
			fputs("\", shape=ellipse, fillcolor=\"#fdf1dc\"];\n", f);
			continue;
		}
		fputs(n->ops->kind, f);
		struct node_capacity cap;
		if (n->ops->capacity && n->ops->capacity(n->cfg, &cap) == 0) {
			if (cap.replicas > 1)
				fprintf(f, ", %u x %g workers", cap.replicas, cap.workers);
			else
				fprintf(f, ", %g worker%s", cap.workers, cap.workers == 1 ? "" : "s");
		} else if (n->units > 1) {
			fprintf(f, ", %u units", n->units);
		}
		zones_line(f, sc, n);
		fputs("\"];\n", f);
	}
	for (size_t k = 0; k < sc->nnodes; k++) {
		const struct sc_node *n = &sc->nodes[k];
		uint32_t to;
		double p;
		for (size_t i = 0; n->ops->route && (p = n->ops->route(n->cfg, i, &to)) >= 0; i++) {
			fputs("\t\"", f);
			dot_string(f, n->name);
			fputs("\" -> \"", f);
			dot_string(f, sc->nodes[to].name);
			fputs("\"", f);
			if (k < sc->ncomponents) {
				fputs(" [style=dashed, label=\"next", f);
				if (p < 1)
					fprintf(f, " p=%g", p);
				fputs("\"]", f);
			}
			fputs(";\n", f);
		}
		/* call edges, paired with their entries in `calls:` when the
		 * tree's count agrees with the kind's */
		struct edge_note notes[256];
		size_t nnotes = 0, ncalls = 0;
		collect(n->src && n->src->type == YT_MAP ? yt_get(n->src, "calls") : NULL, notes,
			&nnotes, 256);
		while (n->ops->calls && n->ops->calls(n->cfg, ncalls, &to) >= 0)
			ncalls++;
		for (size_t i = 0; i < ncalls; i++) {
			p = n->ops->calls(n->cfg, i, &to);
			fputs("\t\"", f);
			dot_string(f, n->name);
			fputs("\" -> \"", f);
			dot_string(f, sc->nodes[to].name);
			fputs("\" [label=\"", f);
			char *pol = NULL;
			size_t plen = 0;
			if (nnotes == ncalls && nnotes <= 256 && notes[i].map) {
				FILE *m = open_memstream(&pol, &plen);
				if (m) {
					policies(m, notes[i].map);
					fclose(m);
				}
			}
			/* kinds that call only now and then (a cache's misses)
			 * say so with a token probability */
			if (p < 1e-6)
				fprintf(f, "some requests%s", plen ? "\\n" : "");
			else if (p < 1)
				fprintf(f, "p=%g%s", p, plen ? "\\n" : "");
			if (plen)
				fputs(pol, f);
			free(pol);
			fputs("\"];\n", f);
		}
	}
	fputs("}\n", f);
}
