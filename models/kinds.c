/*
 * registry.c - the component kinds that `nodes:` may name, and their
 * reference documentation.
 *
 * Adding a kind: write models/<kind>.c with its model_ops and parameter
 * table, then add one line here.  `archsim help` and docs/reference.md
 * pick it up from this list.
 */
#include "sim/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/balancer.h"
#include "models/cache.h"
#include "models/database.h"
#include "models/queue.h"
#include "models/service.h"
#include "models/shards.h"
#include "sim/breaker.h"
#include "sim/callplan.h"
#include "app/capacity.h"
#include "app/report.h"

const struct model_ops *const model_registry[] = {
	&service_ops,
	&balancer_ops,
	&cache_ops,
	&database_ops,
	&shards_ops,
	&queue_ops,
	NULL,
};

const struct model_ops *model_find(const char *name)
{
	for (size_t i = 0; model_registry[i]; i++)
		if (strcmp(model_registry[i]->kind, name) == 0)
			return model_registry[i];
	return NULL;
}

void model_kind_names(char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; model_registry[i] && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 model_registry[i]->kind);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* ---- reference documentation ------------------------------------------ */

const char *model_doc_name(const struct model_ops *ops)
{
	return ops == &client_ops ? "workload" : ops->kind;
}

const struct model_ops *model_doc_find(const char *name)
{
	if (strcmp(name, "workload") == 0)
		return &client_ops;
	return model_find(name);
}

void model_doc_names(const char **names, size_t len)
{
	size_t k = 0;
	if (k + 1 < len)
		names[k++] = "workload";
	for (size_t i = 0; model_registry[i] && k + 1 < len; i++)
		names[k++] = model_registry[i]->kind;
	if (len)
		names[k] = NULL;
}

void model_doc(FILE *f, const struct model_ops *ops, enum param_format fmt)
{
	const char *name = model_doc_name(ops);
	char where[160];
	if (ops == &client_ops)
		snprintf(where, sizeof where, "workloads: {NAME: {...}}");
	else
		snprintf(where, sizeof where, "nodes: {NAME: {type: %s, ...}}", ops->kind);
	if (fmt == PARAM_MARKDOWN)
		fprintf(f, "## `%s`\n\n`%s`: %s.\n\n", name, where, ops->summary);
	else
		fprintf(f, "%s - %s\nin a scenario: %s\n\n", name, ops->summary, where);
	param_doc(f, ops->params, fmt, "", 3);
	if (ops == &client_ops)
		return;
	/* what the timeline may do to it, and what it writes */
	int md = fmt == PARAM_MARKDOWN;
	fprintf(f, md ? "Timeline actions: " : "timeline actions: ");
	int any = 0;
	for (int a = 0; a < TL_NACTIONS; a++)
		if (ops->faults & SIM_FAULT(a))
			fprintf(f, md ? "%s`%s`" : "%s%s", any++ ? ", " : "",
				tl_action_name((enum tl_action)a));
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

/* timeline_doc prints the reference of the scenario's timeline. */
static void timeline_doc(FILE *f)
{
	fputs("## `timeline`\n\n"
	      "`timeline: [{at: TIME, node: NAME, do: ACTION, ...}, ...]`: faults and\n"
	      "changes at given times. Each entry starts `at` a time from the start of\n"
	      "the run (warm-up included) and ends after `for`, or lasts to the end.\n"
	      "`replica: K` (or `node: NAME[K]` in block style; inside `{...}`, brackets\n"
	      "are YAML syntax) applies it to one replica. While several entries act on\n"
	      "a replica, slow factors multiply, error rates combine as independent\n"
	      "chances, latencies add, and it is down while any crash covers it.\n\n"
	      "| key | type | default | meaning |\n| --- | --- | --- | --- |\n"
	      "| `at` | duration | required | when it starts, before the end of the run |\n"
	      "| `node` | node name, or `NAME[K]` | required | what it acts on |\n"
	      "| `replica` | integer | the whole node | one replica of the node |\n"
	      "| `consumer` | integer | the whole unit | `crash` and `recover`: one consumer of a queue's group (`node: NAME[G]`) |\n"
	      "| `do` | one of the actions below | required | what happens |\n"
	      "| `for` | duration > 0 | to the end | how long it lasts (not for `recover`) |\n", f);
	fprintf(f, "| `factor` | number from %g to %g | required by `slow` and `lag` | the service-time factor; the replication-lag factor |\n",
		TL_FACTOR_MIN, TL_FACTOR_MAX);
	fputs("| `rate` | number from 0 to 1 | required by `errors` | the probability that a request fails after its service |\n"
	      "| `add` | duration | required by `latency` | the delay before each arrival |\n", f);
	fprintf(f, "| `replicas` | integer from 1 to %d | required by `scale` | replicas taking new requests |\n"
		"| `promotion` | duration | required by `failover` | how long writes fail before a replica is the primary |\n"
		"| `shards` | integer from 1 to %d | required by `reshard` | shards from now on |\n\n"
		"| action | meaning |\n| --- | --- |\n", TL_MAX_REPLICAS, TL_MAX_REPLICAS);
	for (int a = 0; a < TL_NACTIONS; a++)
		fprintf(f, "| `%s` | %s |\n", tl_action_name((enum tl_action)a),
			tl_action_doc((enum tl_action)a));
	fputs("\n", f);
}

void model_doc_list(FILE *f)
{
	fprintf(f, "workloads (workloads: {NAME: {...}}):\n  %-10s%s\n",
		model_doc_name(&client_ops), client_ops.summary);
	fprintf(f, "nodes (nodes: {NAME: {type: KIND, ...}}):\n");
	for (size_t i = 0; model_registry[i]; i++)
		fprintf(f, "  %-10s%s\n", model_registry[i]->kind, model_registry[i]->summary);
}

static void reference(FILE *f)
{
	fputs("# Component reference\n"
	      "\n"
	      "<!-- Generated by `archsim help --markdown` (`make docs`) from the parameter\n"
	      "     tables in models/*.c: edit those, not this file. -->\n"
	      "\n"
	      "Every key that a workload or a node accepts, with its type, range, default\n"
	      "and meaning. These are the tables the checker applies: a default is checked\n"
	      "like a value from the file, and the words for a type are those of its error\n"
	      "messages. `archsim help KIND` prints one kind's part of this file. Units,\n"
	      "the top-level keys, distributions and sweeps are described in the\n"
	      "[README](../README.md#scenario-reference). After the kinds come the\n"
	      "timeline and every column of the output files.\n"
	      "\n"
	      "Kinds: ", f);
	fprintf(f, "[`%s`](#%s)", model_doc_name(&client_ops), model_doc_name(&client_ops));
	for (size_t i = 0; model_registry[i]; i++)
		fprintf(f, ", [`%s`](#%s)", model_registry[i]->kind, model_registry[i]->kind);
	fputs(", [`calls`](#calls), [`breakers`](#breakers), [`timeline`](#timeline), [output files](#output-files).\n\n", f);
	model_doc(f, &client_ops, PARAM_MARKDOWN);
	for (size_t i = 0; model_registry[i]; i++)
		model_doc(f, model_registry[i], PARAM_MARKDOWN);
	fputs("## `calls`\n\nEach entry of a service's `calls:` list.\n\n", f);
	param_doc(f, &callplan_edge_table, PARAM_MARKDOWN, "calls", 3);
	fputs("## `breakers`\n\nEach entry of the top-level `breakers:` mapping, `NAME: {...}`, named by the call edges it guards (`breaker: NAME`).\n\n", f);
	param_doc(f, &breaker_table, PARAM_MARKDOWN, "breakers", 3);
	timeline_doc(f);
	report_reference(f);
	cap_reference(f);
}

void model_reference(FILE *f)
{
	/* through a buffer, to end the file with one newline, not a blank
	 * line */
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		reference(f);
		return;
	}
	reference(m);
	if (fclose(m) == 0) {
		while (len > 1 && buf[len - 1] == '\n' && buf[len - 2] == '\n')
			len--;
		fwrite(buf, 1, len, f);
	} else {
		reference(f);
	}
	free(buf);
}
