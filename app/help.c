/*
 * help.c - `archsim help`; see help.h.
 *
 * A topic is a row of the table below: its name, a line for the list,
 * where it goes in a scenario, and the function that prints it from its
 * declarations.  The kinds are topics too, one per kind of the language,
 * after the workload kind.  Every printer writes plain text or Markdown
 * through param_doc, so the reference reads alike throughout.
 */
#include "app/help.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "app/capacity.h"
#include "app/plan.h"
#include "app/outputs.h"
#include "sim/breaker.h"
#include "sim/callplan.h"
#include "sim/dist.h"
#include "sim/sim.h"
#include "sim/timeline.h"
#include "sim/zone.h"

/* heading prints a topic's heading and the line saying where it goes in
 * a scenario (where: NULL for a topic that is not in one). */
static void heading(FILE *f, enum param_format fmt, const char *name, const char *summary,
		    const char *where)
{
	if (fmt == PARAM_MARKDOWN && where)
		fprintf(f, "## `%s`\n\n`%s`: %s.\n\n", name, where, summary);
	else if (fmt == PARAM_MARKDOWN)
		fprintf(f, "## `%s`\n\n", name);
	else if (where)
		fprintf(f, "%s - %s\nin a scenario: %s\n\n", name, summary, where);
	else
		fprintf(f, "%s - %s\n\n", name, summary);
}

/* ---- the kinds --------------------------------------------------------- */

/* kind_doc prints one kind: its keys, then what the timeline may do to
 * it and what it writes. */
static void kind_doc(FILE *f, const struct load_lang *lang, const struct model_ops *ops,
		     enum param_format fmt)
{
	int md = fmt == PARAM_MARKDOWN;
	char where[160];
	if (ops == lang->workload) {
		heading(f, fmt, "workload", ops->summary, "workloads: {NAME: {...}}");
		param_doc(f, ops->params, fmt, "", 3);
		return;
	}
	snprintf(where, sizeof where, "nodes: {NAME: {type: %s, ...}}", ops->kind);
	heading(f, fmt, ops->kind, ops->summary, where);
	param_doc(f, ops->params, fmt, "", 3);
	fprintf(f, md ? "Timeline actions: " : "timeline actions: ");
	int any = 0;
	for (int a = 0; a < TL_NENGINE; a++)
		if (ops->faults & SIM_FAULT(a))
			fprintf(f, md ? "%s`%s`" : "%s%s", any++ ? ", " : "",
				tl_engine_actions[a].name);
	for (size_t i = 0; ops->actions && ops->actions[i]; i++)
		fprintf(f, md ? "%s`%s`" : "%s%s", any++ ? ", " : "", ops->actions[i]->name);
	fprintf(f, "%s.\n\n", any ? "" : "none");
	fprintf(f, md ? "Columns in nodes.csv: " : "columns in nodes.csv: ");
	size_t n = model_ncols(ops->cols);
	for (size_t i = 0; i < n; i++)
		fprintf(f, md ? "%s`%s`" : "%s%s", i ? ", " : "", ops->cols[i].name);
	for (size_t i = 0; ops->calls_done && sim_call_cols[i].name; i++)
		fprintf(f, md ? ", `%s`" : ", %s", sim_call_cols[i].name);
	fprintf(f, md ? ". In node_timeseries.csv: " : "; in node_timeseries.csv: ");
	n = model_ncols(ops->ts_cols);
	for (size_t i = 0; i < n; i++)
		fprintf(f, md ? "%s`%s`" : "%s%s", i ? ", " : "", ops->ts_cols[i].name);
	fprintf(f, "%s.\n\n", n ? "" : "none");
}

/* ---- the sections of a scenario ------------------------------------------ */

static void scenario_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	heading(f, fmt, "scenario", "the top level of a scenario file",
		"name: ..., duration: 10m, workloads: {...}, nodes: {...}, ...");
	/* the scenario's keys, then the program's sections (each a topic of
	 * its own) */
	struct param params[PARAM_MAX_KEYS + 1];
	struct param_table t;
	load_top_table(lang, params, &t);
	param_doc(f, &t, fmt, "", 3);
}

/* dist_doc prints each distribution's form as a table of its keys. */
static void dist_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	int md = fmt == PARAM_MARKDOWN;
	heading(f, fmt, "distributions", "how a time is written: a service time, a think time, a delay",
		"service: {dist: lognormal, mean: 10ms, cv: 1.5}, or service: 10ms");
	fputs(md ? "A time that varies is a distribution: `{dist: NAME, ...}` with the keys of its form below. A bare duration (`10ms`) is a constant. Times are written with a unit; each form's mean and variance are exact, and the steady-state check and the analytic validation read them.\n\n" :
		   "  A time that varies is a distribution: {dist: NAME, ...} with the keys of\n  its form below.  A bare duration (10ms) is a constant.\n\n", f);
	for (const struct dist_form *d = dist_forms; d->name; d++) {
		struct param params[DIST_MAX_ARGS + 1];
		char either[DIST_MAX_ARGS][64];
		size_t n = 0;
		for (int k = 0; d->args[k].key; k++, n++) {
			const struct dist_arg *g = &d->args[k];
			struct param *e = &params[n];
			*e = (struct param){ .name = g->key, .doc = g->doc,
					     .flags = g->required ? PARAM_REQUIRED : 0 };
			switch (g->type) {
			case DIST_ARG_TIME: e->type = PARAM_DURATION; break;
			case DIST_ARG_NUMBER: e->type = PARAM_NUMBER; e->min = g->min; e->max = g->max; break;
			case DIST_ARG_COUNT:
				e->type = PARAM_UINT;
				e->umin = (uint64_t)g->min;
				e->umax = (uint64_t)g->max;
				break;
			case DIST_ARG_RATE: e->type = PARAM_RATE; break;
			case DIST_ARG_FILE: e->type = PARAM_STRING; e->shape = "file"; break;
			}
			int other = d->one_of[0] == k ? d->one_of[1] : d->one_of[1] == k ? d->one_of[0] : -1;
			if (other >= 0) {
				snprintf(either[k], sizeof either[k],
					 md ? "none: give this or `%s`" : "none: give this or %s",
					 d->args[other].key);
				e->def_doc = either[k];
			}
		}
		params[n] = (struct param){ 0 };
		struct param_table t = { .params = params, .doc = d->doc };
		char title[64];
		snprintf(title, sizeof title, md ? "### `dist: %s`\n\n" : "dist: %s\n", d->name);
		fputs(title, f);
		param_doc(f, &t, fmt, "", 4);
	}
}

static void calls_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	heading(f, fmt, "calls", "a node's synchronous calls, made after its own work",
		"nodes: {NAME: {type: service, calls: [{to: NODE, ...}, {parallel: [...]}]}}");
	param_doc(f, &callplan_table, fmt, "", 3);
}

static void breakers_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	heading(f, fmt, "breakers", "circuit breakers, named by the call edges they guard",
		"breakers: {NAME: {...}}, and breaker: NAME on a call");
	param_doc(f, &breaker_table, fmt, "breakers", 3);
}

static void cost_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	(void)lang;
	heading(f, fmt, "cost", "a node's prices, which summary.csv's cost columns add up",
		"nodes: {NAME: {type: KIND, cost: {per_replica_hour: 0.2}, ...}}");
	param_doc(f, &load_cost_table, fmt, "cost", 3);
}

static void zones_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	(void)lang;
	heading(f, fmt, "zones", "the zones replicas run in",
		"zones: {NAME: {region: NAME}}; nodes: {NAME: {type: service, zones: [ZONE, ...]}}; workloads: {NAME: {zone: ZONE}}");
	param_doc(f, &zone_table, fmt, "zones", 3);
	heading(f, fmt, "links", "the one-way delays of hops between zones",
		"links: [{between: [PATTERN, PATTERN], latency: DIST}, {within: PATTERN, latency: DIST}]");
	param_doc(f, &zone_link_table, fmt, "links", 3);
}

/* The timeline's actions: the engine's, then each kind's own, each once. */
static size_t all_actions(const struct load_lang *lang, const struct tl_action_def **out,
			  size_t len)
{
	size_t n = 0;
	for (int a = 0; a < TL_NENGINE && n < len; a++)
		out[n++] = &tl_engine_actions[a];
	for (size_t k = 0; lang->kinds[k]; k++)
		for (size_t i = 0; lang->kinds[k]->actions && lang->kinds[k]->actions[i]; i++) {
			const struct tl_action_def *d = lang->kinds[k]->actions[i];
			size_t j;
			for (j = 0; j < n && out[j] != d; j++)
				;
			if (j == n && n < len)
				out[n++] = d;
		}
	return n;
}

static void timeline_doc(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	int md = fmt == PARAM_MARKDOWN;
	const struct tl_action_def *acts[64];
	size_t na = all_actions(lang, acts, 64);
	heading(f, fmt, "timeline", "faults and changes at given times",
		"timeline: [{at: 5m, node: db, do: slow, factor: 10, for: 30s}, ...]");
	/* the keys of every entry, then each action's own value key, with
	 * the actions that require it */
	struct param params[PARAM_MAX_KEYS + 1];
	char req[PARAM_MAX_KEYS][200];
	size_t n = 0, nentry;
	for (const struct param *e = tl_entry_table.params; e->name; e++)
		params[n++] = *e;
	nentry = n;
	for (size_t i = 0; i < na; i++) {
		const struct param *v = acts[i]->value;
		size_t j;
		if (!v)
			continue;
		for (j = 0; j < n && strcmp(params[j].name, v->name); j++)
			;
		/* an action's key is its own, never one of every entry's */
		assert(j >= nentry);
		if (j == n) {
			if (n == PARAM_MAX_KEYS)
				continue;
			params[n] = *v;
			params[n].flags = 0;
			snprintf(req[n], sizeof req[n], md ? "required by `%s`" : "required by %s",
				 acts[i]->name);
			params[n].def_doc = req[n];
			n++;
		} else {
			/* the row this loop added for the key: req[j] */
			size_t used = strlen(req[j]);
			snprintf(req[j] + used, sizeof req[j] - used, md ? " and `%s`" : " and %s",
				 acts[i]->name);
		}
	}
	/* then each action's optional keys, with the action they belong to
	 * and their default */
	for (size_t i = 0; i < na; i++) {
		for (const struct param *m = acts[i]->more; m && m->name; m++) {
			if (n == PARAM_MAX_KEYS)
				break;
			params[n] = *m;
			snprintf(req[n], sizeof req[n], md ? "with `%s`: %s" : "with %s: %s",
				 acts[i]->name, m->def_doc ? m->def_doc : "none");
			params[n].def_doc = req[n];
			n++;
		}
	}
	params[n] = (struct param){ 0 };
	struct param_table t = tl_entry_table;
	t.params = params;
	param_doc(f, &t, fmt, "timeline", 3);
	/* the actions, and the kinds that take each */
	fputs(md ? "| action | meaning | kinds |\n| --- | --- | --- |\n" : "actions:\n", f);
	for (size_t i = 0; i < na; i++) {
		char kinds[256] = "";
		size_t used = 0;
		for (size_t k = 0; lang->kinds[k]; k++) {
			const struct model_ops *ops = lang->kinds[k];
			int has = acts[i]->engine < TL_NENGINE && acts[i] == &tl_engine_actions[acts[i]->engine] ?
				  (ops->faults & SIM_FAULT(acts[i]->engine)) != 0 : 0;
			for (size_t j = 0; !has && ops->actions && ops->actions[j]; j++)
				has = ops->actions[j] == acts[i];
			if (has && used < sizeof kinds)
				used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%s",
							 used ? ", " : "", ops->kind);
		}
		/* the engine's actions of the links between zones */
		if (!used && acts[i]->engine == TL_PARTITION)
			snprintf(kinds, sizeof kinds, "links between zones");
		if (md)
			fprintf(f, "| `%s` | %s | %s |\n", acts[i]->name, acts[i]->doc, kinds);
		else
			fprintf(f, "  %-10s%s (%s)\n", acts[i]->name, acts[i]->doc, kinds);
	}
	fputs("\n", f);
}

/* section_doc prints a section of the program's own (`capacity:`). */
static void section_doc(FILE *f, const struct param *e, enum param_format fmt)
{
	char where[300];
	snprintf(where, sizeof where, "%s: %s", e->name, e->shape);
	heading(f, fmt, e->name, e->doc, where);
	param_doc(f, e->sub, fmt, e->name, 3);
}

static void outputs_topic(FILE *f, const struct load_lang *lang, enum param_format fmt)
{
	int md = fmt == PARAM_MARKDOWN;
	heading(f, fmt, "outputs", "every column of every file archsim writes", NULL);
	fputs(md ? "`archsim run` writes these files into the output directory, all of them or none; `archsim capacity` writes capacity-PATH.csv and headroom-PATH.csv. Times are in seconds, rates per second. `NaN` marks a value that does not exist (a percentile of nothing, an interval from one replication). A name in capitals stands for a family of columns, one per member.\n\n" :
		   "  archsim run writes these files into the output directory, all of them or\n"
		   "  none; archsim capacity writes capacity-PATH.csv.  Times are in seconds, rates\n"
		   "  per second.  NaN marks a value that does not exist.  A name in capitals\n"
		   "  stands for a family of columns, one per member.\n\n", f);
	outputs_doc(f, lang->kinds, md ? 3 : 0);
	csv_doc(f, &cap_file, NULL, md ? 3 : 0);
	csv_doc(f, &plan_file, NULL, md ? 3 : 0);
}

/* ---- the topics ---------------------------------------------------------- */

struct topic {
	const char *name;
	const char *summary;
	void (*print)(FILE *f, const struct load_lang *lang, enum param_format fmt);
};

/* Before the kinds, and after them; the program's sections come after
 * `timeline`. */
static const struct topic before[] = {
	{ "scenario", "the top-level keys: duration, warmup, replications, precision, sweep ...",
	  scenario_doc },
	{ "distributions", "how a time is written: {dist: lognormal, mean: 10ms, cv: 1.5}",
	  dist_doc },
	{ NULL, NULL, NULL }
};

static const struct topic after[] = {
	{ "calls", "a service's synchronous calls: timeouts, retries, hedges, limits", calls_doc },
	{ "breakers", "circuit breakers, named by the call edges they guard", breakers_doc },
	{ "cost", "a node's prices: per instance-hour, per million requests", cost_doc },
	{ "zones", "zones and the links between them: where replicas run, what a hop costs",
	  zones_doc },
	{ "timeline", "faults and changes at given times: crash, slow, scale ...", timeline_doc },
	{ NULL, NULL, NULL }
};

static const struct topic results[] = {
	{ "outputs", "every column of every file archsim writes", outputs_topic },
	{ NULL, NULL, NULL }
};

static const struct topic *find_in(const struct topic *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int help_topic(FILE *f, const struct load_lang *lang, const char *name, enum param_format fmt)
{
	const struct topic *t = find_in(before, name);
	if (!t)
		t = find_in(after, name);
	if (!t)
		t = find_in(results, name);
	if (t) {
		t->print(f, lang, fmt);
		return 0;
	}
	if (!strcmp(name, "workload")) {
		kind_doc(f, lang, lang->workload, fmt);
		return 0;
	}
	const struct model_ops *ops = load_kind(lang, name);
	if (ops) {
		kind_doc(f, lang, ops, fmt);
		return 0;
	}
	for (const struct param *e = lang->sections; e && e->name; e++)
		if (!strcmp(e->name, name)) {
			section_doc(f, e, fmt);
			return 0;
		}
	return -1;
}

void help_names(const struct load_lang *lang, const char **names, size_t len)
{
	size_t k = 0;
	const struct topic *lists[] = { before, after, results };
	for (size_t l = 0; l < 3; l++)
		for (const struct topic *t = lists[l]; t->name && k + 1 < len; t++)
			names[k++] = t->name;
	for (const struct param *e = lang->sections; e && e->name && k + 1 < len; e++)
		names[k++] = e->name;
	if (k + 1 < len)
		names[k++] = "workload";
	for (size_t i = 0; lang->kinds[i] && k + 1 < len; i++)
		names[k++] = lang->kinds[i]->kind;
	if (len)
		names[k] = NULL;
}

#define LIST_WIDTH 15

void help_list(FILE *f, const struct load_lang *lang)
{
	fprintf(f, "the scenario file:\n");
	for (const struct topic *t = before; t->name; t++)
		fprintf(f, "  %-*s%s\n", LIST_WIDTH, t->name, t->summary);
	for (const struct topic *t = after; t->name; t++)
		fprintf(f, "  %-*s%s\n", LIST_WIDTH, t->name, t->summary);
	for (const struct param *e = lang->sections; e && e->name; e++)
		fprintf(f, "  %-*s%s\n", LIST_WIDTH, e->name, e->sub->doc ? "its own block" : "");
	fprintf(f, "workloads (workloads: {NAME: {...}}):\n  %-*s%s\n", LIST_WIDTH, "workload",
		lang->workload->summary);
	fprintf(f, "nodes (nodes: {NAME: {type: KIND, ...}}):\n");
	for (size_t i = 0; lang->kinds[i]; i++)
		fprintf(f, "  %-*s%s\n", LIST_WIDTH, lang->kinds[i]->kind, lang->kinds[i]->summary);
	fprintf(f, "results:\n");
	for (const struct topic *t = results; t->name; t++)
		fprintf(f, "  %-*s%s\n", LIST_WIDTH, t->name, t->summary);
}

static void reference(FILE *f, const struct load_lang *lang)
{
	fputs("# Reference\n"
	      "\n"
	      "<!-- Generated by `archsim help --markdown` (`make docs`) from the tables\n"
	      "     that declare each key, action and column: edit those, not this file. -->\n"
	      "\n"
	      "Every key a scenario may hold, every timeline action and every column of\n"
	      "the files archsim writes, with its type, range, default and meaning. These\n"
	      "are the tables the checker applies: a default is checked like a value\n"
	      "from the file, and the words for a type are those of its error messages.\n"
	      "`archsim help TOPIC` prints one part of this file.\n"
	      "\n"
	      "Topics: ", f);
	const char *names[128];
	help_names(lang, names, 128);
	for (size_t i = 0; names[i]; i++)
		fprintf(f, "%s[`%s`](#%s)", i ? ", " : "", names[i], names[i]);
	fputs(".\n\n", f);
	for (const struct topic *t = before; t->name; t++)
		t->print(f, lang, PARAM_MARKDOWN);
	kind_doc(f, lang, lang->workload, PARAM_MARKDOWN);
	for (size_t i = 0; lang->kinds[i]; i++)
		kind_doc(f, lang, lang->kinds[i], PARAM_MARKDOWN);
	for (const struct topic *t = after; t->name; t++)
		t->print(f, lang, PARAM_MARKDOWN);
	for (const struct param *e = lang->sections; e && e->name; e++)
		section_doc(f, e, PARAM_MARKDOWN);
	for (const struct topic *t = results; t->name; t++)
		t->print(f, lang, PARAM_MARKDOWN);
}

void help_reference(FILE *f, const struct load_lang *lang)
{
	/* through a buffer, to end the file with one newline, not a blank
	 * line */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		reference(f, lang);
		return;
	}
	reference(m, lang);
	if (fclose(m) == 0) {
		while (len > 1 && buf[len - 1] == '\n' && buf[len - 2] == '\n')
			len--;
		fwrite(buf, 1, len, f);
	} else {
		reference(f, lang);
	}
	free(buf);
}
