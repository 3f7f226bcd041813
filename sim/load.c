/*
 * load.c - one scenario point checked into a struct scenario; see load.h.
 *
 * The top level is a parameter table like any kind's: its scalar keys
 * are read in table order by param_fill, and its validate hook then does
 * what depends on them and on each other, in the order load.h gives.
 * The sections that hold other tables (nodes, workloads, breakers,
 * timeline) are declared in the table for the reference and the key
 * check, and read by that hook.
 */
#include "sim/load.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/autoscale.h"
#include "sim/breaker.h"
#include "sim/metric.h"
#include "sim/slo.h"
#include "sim/timeline.h"
#include "sim/topo.h"
#include "sim/zone.h"

/* ---- the scenario ------------------------------------------------------ */

void load_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nnodes; i++) {
		if (sc->nodes[i].cfg && sc->nodes[i].ops)
			param_free(sc->nodes[i].ops->params, sc->nodes[i].cfg);
		free(sc->nodes[i].name);
		free(sc->nodes[i].zone);
	}
	free(sc->nodes);
	strmap_fini(&sc->names);
	free(sc->name);
	free(sc->dir);
	for (size_t i = 0; sc->timeline && i < sc->ntimeline; i++) {
		dist_fini(&sc->timeline[i].roll.startup);
		dist_fini(&sc->timeline[i].roll.service);
	}
	free(sc->timeline);
	for (size_t i = 0; i < sc->nbreakers; i++) {
		param_free(&breaker_table, sc->breakers[i].cfg);
		free(sc->breakers[i].name);
	}
	free(sc->breakers);
	free(sc->slo);
	zone_map_free(sc->zmap);
	yt_free(sc->tree);
	free(sc);
}

const struct model_ops *load_kind(const struct load_lang *lang, const char *name)
{
	for (size_t i = 0; lang->kinds[i]; i++)
		if (strcmp(lang->kinds[i]->kind, name) == 0)
			return lang->kinds[i];
	return NULL;
}

/* valid_name: letters, digits, '_', '-', '.', at most 64, and not dots
 * alone (".." as a scenario name would write results outside results/). */
static int valid_name(const char *s)
{
	int other = 0;
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
		other |= *s != '.';
	}
	return other;
}

/* default_name is the file's base name without its extension. */
static char *default_name(const char *file)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	char *s = strdup(b);
	if (!s)
		return NULL;
	char *dot = strrchr(s, '.');
	if (dot && dot != s)
		*dot = 0;
	for (char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			*p = '_';
	if (!valid_name(s)) {
		/* "...yaml" and the like: a safe name instead */
		free(s);
		s = strdup("scenario");
	}
	return s;
}

static char *dir_of(const char *file)
{
	const char *b = strrchr(file, '/');
	if (!b)
		return strdup(".");
	size_t n = (size_t)(b - file);
	char *s = malloc(n + 2);
	if (s) {
		memcpy(s, file, n ? n : 1);
		s[n ? n : 1] = 0;
	}
	return s;
}

/* ---- `precision:` ------------------------------------------------------- */

static void precision_init(void *obj)
{
	((struct sc_precision *)obj)->metric = -1;
}

static int precision_validate(struct check_ctx *c, const char *what, const struct yt_node *n,
			      void *obj)
{
	struct sc_precision *pr = obj;
	const struct yt_node *rel = yt_get(n, "relative"), *abs = yt_get(n, "absolute");
	if (!rel == !abs)
		return check_fail(c, rel && abs ? abs : n, what,
				  "give one target: relative (a share of the estimate, e.g. 0.05) or absolute (in the metric's unit)");
	if (abs && !(pr->absolute > 0))
		return check_fail(c, abs, "precision.absolute", "must be greater than 0");
	return 0;
}

static const struct param precision_params[] = {
	{ .name = "metric", .type = PARAM_ENUM, PARAM_FIELD(struct sc_precision, metric),
	  .names = metric_names, .noun = "metric", .flags = PARAM_REQUIRED,
	  .doc = "the summary.csv metric whose interval must be narrow enough" },
	{ .name = "relative", .type = PARAM_NUMBER, PARAM_FIELD(struct sc_precision, relative),
	  .min = 1e-6, .max = 1, .def_doc = "none: give this or absolute",
	  .doc = "the target 95 % half-width as a share of the estimate (0.05: within 5 %)" },
	{ .name = "absolute", .type = PARAM_NUMBER, PARAM_FIELD(struct sc_precision, absolute),
	  .min = 0, .max = 1e300, .def_doc = "none: give this or relative",
	  .doc = "the target 95 % half-width in the metric's unit (seconds, a ratio, per second)" },
	{ .name = "max_replications", .type = PARAM_UINT,
	  PARAM_FIELD(struct sc_precision, max_replications), .umin = 2,
	  .umax = LOAD_MAX_REPLICATIONS, .def = "200",
	  .doc = "a point stops here if the target is still not met (precision_met = false)" },
	{ 0 }
};

const struct param_table load_precision_table = {
	.params = precision_params,
	.size = sizeof(struct sc_precision),
	.doc = "Run-length control: each point runs its `replications`, then one more at a time until the metric's 95 % half-width meets the target (or `max_replications` have run). Runs, -j, MPI and merges stop a point at the same replication.",
	.init = precision_init,
	.validate = precision_validate,
};

/* ---- the top level ------------------------------------------------------- */

static int parse_name(struct check_ctx *c, const char *what, const struct yt_node *n,
		      void *field)
{
	const char *name;
	int rc = check_string(c, n, what, &name);
	if (rc)
		return rc;
	if (!valid_name(name))
		return check_fail(c, n, what,
				  "'%s' is not a valid name (letters, digits, '_', '-', '.', not only dots; at most 64): it names the output directory",
				  name);
	char *copy = strdup(name);
	if (!copy)
		return sim_errf(c->err, SIM_ENOMEM, "out of memory");
	free(*(char **)field);
	*(char **)field = copy;
	return 0;
}

static int parse_warmup(struct check_ctx *c, const char *what, const struct yt_node *v,
			void *field)
{
	struct scenario *sc = field;
	if (v->type == YT_SCALAR && !v->quoted && !strcmp(v->str, "auto")) {
		sc->warmup_auto = 1;      /* runner_warmups sets the cut */
		return 0;
	}
	if (v->type == YT_SCALAR && v->str && isalpha((unsigned char)v->str[0]))
		return check_fail(c, v, what, "must be a duration such as 1m, or auto (got '%s')",
				  v->str);
	return check_duration(c, v, what, 0, &sc->warmup_ns);
}

static int parse_slo(struct check_ctx *c, const char *what, const struct yt_node *v,
		     void *field)
{
	struct scenario *sc = field;
	const char *text;
	char why[600];
	int rc = check_string(c, v, what, &text);
	if (rc)
		return rc;
	struct slo *slo = calloc(1, sizeof *slo);
	if (!slo)
		return sim_errf(c->err, SIM_ENOMEM, "out of memory");
	if (slo_parse(text, slo, why, sizeof why)) {
		free(slo);
		return check_fail(c, v, what, "%s", why);
	}
	for (size_t i = 0; i < slo->nterms; i++) {
		int m = slo->terms[i].metric;
		if (!slo_window_metric(m)) {
			free(slo);
			return check_fail(c, v, what,
					  "%s is not measured per window: a window's SLO may name throughput_per_s, latency_mean_s, the latency percentiles, reject_ratio and error_ratio",
					  metric_name(m));
		}
	}
	free(sc->slo);
	sc->slo = slo;
	return 0;
}

/* What sweep.h reads, and what the validate hook below reads in order:
 * here they are declared for the key check and the reference. */
static int parse_later(struct check_ctx *c, const char *what, const struct yt_node *n,
		       void *field)
{
	return 0;
}

static int top_validate(struct check_ctx *c, const char *what, const struct yt_node *tree,
			void *obj);

static const struct param top_params[] = {
	{ .name = "name", .type = PARAM_CUSTOM, PARAM_FIELD(struct scenario, name),
	  .parse = parse_name, .shape = "NAME", .def_doc = "the file's name",
	  .doc = "names the output directory, results/NAME (letters, digits, '_', '-', '.')" },
	{ .name = "description", .type = PARAM_STRING, .size = 0, .def_doc = "none",
	  .doc = "a line for the reader; archsim does not use it" },
	{ .name = "seed", .type = PARAM_UINT, PARAM_FIELD(struct scenario, seed),
	  .umin = 0, .umax = UINT64_MAX, .def = "1",
	  .doc = "every random stream derives from it: the same seed, the same bytes" },
	{ .name = "duration", .type = PARAM_DURATION, PARAM_FIELD(struct scenario, duration_ns),
	  .min_ns = 1, .flags = PARAM_REQUIRED,
	  .doc = "simulated time measured per replication, after the warm-up" },
	{ .name = "warmup", .type = PARAM_CUSTOM, .parse = parse_warmup, .shape = "duration, or auto",
	  .def_doc = "0s",
	  .doc = "simulated time run and discarded before the measurement; `auto`: cut where MSER-5 finds the transient ends in pilot runs of each point" },
	{ .name = "replications", .type = PARAM_UINT, PARAM_FIELD(struct scenario, replications),
	  .umin = 1, .umax = LOAD_MAX_REPLICATIONS, .def = "5",
	  .doc = "independent runs of each point, from which every interval comes; with precision, the first batch" },
	{ .name = "load_scale", .type = PARAM_NUMBER, PARAM_FIELD(struct scenario, load_scale),
	  .min = 1e-3, .max = 1e3, .def = "1",
	  .doc = "every open-loop workload's load times this (each rate, or a trace's scale), on top of its own `scale`: the same traffic, heavier or lighter, in one key (`--set load_scale=1.5`, `archsim capacity`'s headroom); closed-loop users are left as they are" },
	{ .name = "precision", .type = PARAM_MAP, PARAM_FIELD(struct scenario, precision),
	  .sub = &load_precision_table, .shape = "{metric: latency_p99_s, relative: 0.05}",
	  .def_doc = "none: `replications` each",
	  .doc = "run-length control: replications are added until the metric's interval is narrow enough" },
	{ .name = "window", .type = PARAM_DURATION, PARAM_FIELD(struct scenario, window_ns),
	  .min_ns = 1000, .def = "1s",
	  .doc = "the time series' resolution (coarsened to at most 2000 windows a run)" },
	{ .name = "slo", .type = PARAM_CUSTOM, .parse = parse_slo,
	  .shape = "'latency_p99_s<300ms and reject_ratio<0.01'", .def_doc = "none",
	  .doc = "a service-level objective judged on every time-series window of every replication (terms on throughput_per_s, latency_mean_s, the latency percentiles, reject_ratio and error_ratio, the ratios over the requests that ended in the window): summary.csv's slo_miss_s is the measured time spent in windows that miss it, timeseries.csv's slo_missed each window's share of replications that missed it; a window with too few latencies for a percentile (fewer than 10 / (1 - q)) is not judged on it, and a warning counts such windows; one in which requests ended and none was served misses every latency term" },
	{ .name = "workloads", .type = PARAM_CUSTOM, .parse = parse_later, .flags = PARAM_REQUIRED,
	  .shape = "{NAME: WORKLOAD, ...}",
	  .doc = "the clients: see `workload`; any of them may have a `zone:`, where its users are (see `zones`)" },
	{ .name = "nodes", .type = PARAM_CUSTOM, .parse = parse_later, .flags = PARAM_REQUIRED,
	  .shape = "{NAME: {type: KIND, ...}, ...}",
	  .doc = "the components: see each kind; any of them may have a `cost:` (see `cost`), and a service `zones:`, the zones its replicas run in, in turn (see `zones`)" },
	{ .name = "sweep", .type = PARAM_CUSTOM, .parse = parse_later,
	  .shape = "{PATH: [VALUE, ...], ...}", .def_doc = "one point",
	  .doc = "runs every combination of the values (the last path varies fastest); a PATH is what --set takes, such as nodes.web.workers" },
	{ .name = "compare", .type = PARAM_CUSTOM, .parse = parse_later, .shape = "PATH",
	  .def_doc = "the first swept path",
	  .doc = "the swept path whose values compare.csv pairs, at each combination of the others" },
	{ .name = "timeline", .type = PARAM_CUSTOM, .parse = parse_later,
	  .shape = "[{at: TIME, node: NAME, do: ACTION, ...}, ...]", .def_doc = "none",
	  .doc = "faults and changes at given times: see `timeline`" },
	{ .name = "zones", .type = PARAM_CUSTOM, .parse = parse_later,
	  .shape = "{NAME: {region: NAME}, ...}", .def_doc = "none",
	  .doc = "the zones replicas run in: see `zones`" },
	{ .name = "links", .type = PARAM_CUSTOM, .parse = parse_later,
	  .shape = "[{between: [PATTERN, PATTERN], latency: DIST}, {within: PATTERN, latency: DIST}, ...]",
	  .def_doc = "none: hops cost nothing",
	  .doc = "the one-way delays of hops between zones and within them: see `links`" },
	{ .name = "breakers", .type = PARAM_CUSTOM, .parse = parse_later,
	  .shape = "{NAME: BREAKER, ...}", .def_doc = "none",
	  .doc = "circuit breakers, named by the call edges they guard: see `breakers`" },
	{ 0 }
};

const struct param_table load_scenario_table = {
	.params = top_params,
	.size = sizeof(struct scenario),
	.doc = "The top level of a scenario file. Durations are written with a unit (ns, us, ms, s, m, h) and rates per unit of time (/s, /m, /h): a bare number is refused for both. `--set PATH=VALUE` changes any value before the file is checked, and `sweep:` runs the scenario at several.",
	.validate = top_validate,
};

static const struct param cost_params[] = {
	{ .name = "per_replica_hour", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct sc_cost, per_replica_hour), .min = 0, .max = 1e12, .def = "0",
	  .doc = "the price of one instance for an hour: a service's replica (as many as exist at each moment, starting and draining ones too), a balancer's instance, a cache node, a database's primary or replica, a shard; a queue is one instance" },
	{ .name = "per_worker_hour", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct sc_cost, per_worker_hour), .min = 0, .max = 1e12, .def = "0",
	  .doc = "the price of one worker of an instance for an hour (a vCPU): a service's replicas x its workers; services" },
	{ .name = "per_speed_hour", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct sc_cost, per_speed_hour), .min = 0, .max = 1e12, .def = "0",
	  .doc = "the price of an instance for an hour per unit of its `speed` (instance size: one of speed 2 costs twice one of speed 1, as a cloud family's sizes are priced), so that fewer bigger instances and more smaller ones compare; services" },
	{ .name = "per_million_requests", .type = PARAM_NUMBER,
	  PARAM_FIELD(struct sc_cost, per_million), .min = 0, .max = 1e12, .def = "0",
	  .doc = "the price of a million requests arriving at the node (a serverless function, an API gateway); for a queue, per million messages published; services, balancers and queues" },
	{ 0 }
};

const struct param_table load_cost_table = {
	.params = cost_params, .size = sizeof(struct sc_cost), .validate = param_mark_given,
	.doc = "Any node may have a `cost:`, its prices in any currency, the same in every node. summary.csv's cost_per_hour adds up every priced node's instances (time-averaged over the measured window) and requests, per hour, and the traffic of every link with a `cost:` (`links:`); cost_total is that times the measured hours.",
};

/* check_cost reads node n's `cost:`, if it has one. */
static int check_cost(struct check_ctx *c, const char *what, struct sc_node *n)
{
	const struct yt_node *cn = yt_get(n->src, "cost");
	if (!cn)
		return 0;
	char w[160];
	snprintf(w, sizeof w, "%s.cost", what);
	int rc = param_fill(c, w, cn, &load_cost_table, NULL, &n->cost);
	if (rc)
		return rc;
	static const struct { unsigned bit; const char *key, *why; } need[] = {
		{ BILL_WORKERS, "per_worker_hour", "no workers to price (a service has)" },
		{ BILL_REQUESTS, "per_million_requests",
		  "no requests to price (services, balancers and queues have)" },
		{ BILL_SPEED, "per_speed_hour", "no speed to price (a service has)" },
	};
	for (size_t i = 0; i < 3; i++) {
		double price = i == 0 ? n->cost.per_worker_hour : i == 1 ? n->cost.per_million :
			n->cost.per_speed_hour;
		if (price > 0 && !(n->ops->bills & need[i].bit)) {
			snprintf(w, sizeof w, "%s.cost.%s", what, need[i].key);
			return check_fail(c, yt_get(cn, need[i].key), w,
					  "nodes of type %s have %s", n->ops->kind, need[i].why);
		}
	}
	return 0;
}

/* check_breakers reads `breakers:` (NULL: none), before the nodes whose
 * call edges name them. */
static int check_breakers(struct check_ctx *c, const struct yt_node *bs)
{
	struct scenario *sc = c->sc;
	if (!bs)
		return 0;
	if (bs->type != YT_MAP)
		return check_fail(c, bs, "breakers",
				  "must be a mapping of names to breakers, such as {payments_cb: {failure_rate_threshold: 50}}");
	size_t n = bs->n / 2;
	if (!(sc->breakers = calloc(n ? n : 1, sizeof *sc->breakers)))
		return sim_errf(c->err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct yt_node *k = yt_key(bs, i), *v = yt_val(bs, i);
		char what[128];
		snprintf(what, sizeof what, "breakers.%s", k->str);
		struct sc_breaker *b = &sc->breakers[i];
		if (!(b->name = strdup(k->str)))
			return sim_errf(c->err, SIM_ENOMEM, "out of memory");
		sc->nbreakers = i + 1;
		b->src = v;
		void *cfg;
		int rc = param_new(c, what, v, &breaker_table, NULL, &cfg);
		if (rc)
			return rc;
		b->cfg = cfg;
	}
	return 0;
}

/* check_section checks that `nodes` or `workloads` is a non-empty
 * mapping of names to mappings. */
static int check_section(struct check_ctx *ctx, const struct yt_node *sec,
			 const char *what)
{
	if (sec->type != YT_MAP || sec->n == 0)
		return check_fail(ctx, sec, what, "must be a non-empty mapping of names to %s",
				  strcmp(what, "nodes") ? "workloads" : "nodes");
	if (sec->n / 2 > LOAD_MAX_NODES)
		return check_fail(ctx, sec, what, "at most %d entries", LOAD_MAX_NODES);
	for (size_t i = 0; i < sec->n / 2; i++) {
		const struct yt_node *k = yt_key(sec, i);
		/* no '.': a name is a step of a dotted path (--set, sweeps);
		 * no '[': web[2] names a replica */
		if (!valid_name(k->str) || strchr(k->str, '.'))
			return check_fail(ctx, k, what,
					  "'%s' is not a valid name (letters, digits, '_' and '-', at most 64: a name is a step in paths such as nodes.NAME.workers)",
					  k->str);
	}
	return 0;
}

/* check_nodes gathers every name, then configures each node and each
 * workload against its kind's table. */
static int check_nodes(struct check_ctx *c, const struct load_lang *lang)
{
	struct scenario *sc = c->sc;
	const struct yt_node *tree = sc->tree;
	const struct yt_node *nodes = yt_get(tree, "nodes");
	const struct yt_node *wls = yt_get(tree, "workloads");
	int rc;
	if ((rc = check_section(c, nodes, "nodes")) || (rc = check_section(c, wls, "workloads")))
		return rc;
	size_t ncomp = nodes->n / 2, nwl = wls->n / 2;
	sc->nodes = calloc(ncomp + nwl, sizeof *sc->nodes);
	if (!sc->nodes)
		return sim_errf(c->err, SIM_ENOMEM, "out of memory");
	/* names first, so references may point forward */
	for (size_t i = 0; i < ncomp + nwl; i++) {
		const struct yt_node *k = i < ncomp ? yt_key(nodes, i) : yt_key(wls, i - ncomp);
		if (!(sc->nodes[i].name = strdup(k->str)))
			return sim_errf(c->err, SIM_ENOMEM, "out of memory");
		sc->nnodes = i + 1;
		int put = strmap_put(&sc->names, sc->nodes[i].name, (uint32_t)i, NULL);
		if (put < 0)
			return sim_errf(c->err, SIM_ENOMEM, "out of memory");
		if (put == 0)
			return check_fail(c, k, i < ncomp ? "nodes" : "workloads",
					  "the name '%s' is already used by a node", k->str);
		sc->nodes[i].src = i < ncomp ? yt_val(nodes, i) : yt_val(wls, i - ncomp);
	}
	sc->ncomponents = ncomp;
	const char *names[65];
	size_t nk = 0;
	for (; lang->kinds[nk] && nk < 64; nk++)
		names[nk] = lang->kinds[nk]->kind;
	names[nk] = NULL;
	for (size_t i = 0; i < ncomp; i++) {
		struct sc_node *n = &sc->nodes[i];
		char what[128], tw[140];
		snprintf(what, sizeof what, "nodes.%s", n->name);
		snprintf(tw, sizeof tw, "%s.type", what);
		if (n->src->type != YT_MAP)
			return check_fail(c, n->src, what,
					  "must be a mapping such as {type: service, ...}");
		const struct yt_node *tn = yt_get(n->src, "type");
		if (!tn) {
			char kinds[256];
			check_join(kinds, sizeof kinds, names);
			return check_fail(c, n->src, what, "missing required key 'type' (one of: %s)",
					  kinds);
		}
		const char *tname;
		if ((rc = check_string(c, tn, tw, &tname)))
			return rc;
		if (!(n->ops = load_kind(lang, tname)))
			return check_unknown(c, tn, tw, "type", tname, names);
		if ((rc = param_new(c, what, n->src, n->ops->params, "type cost zones", &n->cfg)) ||
		    (rc = check_cost(c, what, n)) ||
		    (rc = zone_check_node(c, sc, n, what, 0, n->ops->placeable)))
			return rc;
		n->units = n->ops->units ? n->ops->units(n->cfg) : 1;
		n->max_units = n->units;
		const struct as_cfg *as = n->ops->autoscale ? n->ops->autoscale(n->cfg) : NULL;
		if (as && as->max > n->max_units)
			n->max_units = as->max;
	}
	for (size_t i = ncomp; i < ncomp + nwl; i++) {
		struct sc_node *n = &sc->nodes[i];
		char what[128];
		snprintf(what, sizeof what, "workloads.%s", n->name);
		n->ops = lang->workload;
		if ((rc = param_new(c, what, n->src, n->ops->params, "zone", &n->cfg)) ||
		    (rc = zone_check_node(c, sc, n, what, 1, 0)))
			return rc;
	}
	return 0;
}

/* check_sections checks the program's own sections, and frees what they
 * made: the program reads them again when it needs them. */
static int check_sections(struct check_ctx *c, const struct load_lang *lang)
{
	for (const struct param *e = lang->sections; e && e->name; e++) {
		const struct yt_node *v = yt_get(c->sc->tree, e->name);
		void *obj;
		if (!v)
			continue;
		int rc = param_new(c, e->name, v, e->sub, NULL, &obj);
		if (rc)
			return rc;
		param_free(e->sub, obj);
	}
	return 0;
}

static int top_validate(struct check_ctx *c, const char *what, const struct yt_node *tree,
			void *obj)
{
	struct scenario *sc = obj;
	const struct load_lang *lang = c->lang;
	int rc;
	(void)what;
	if (sc->precision.metric >= 0 && sc->precision.max_replications < sc->replications) {
		/* at the key when it is given, else at precision: (its
		 * default is below) */
		const struct yt_node *pn = yt_get(tree, "precision");
		const struct yt_node *mn = yt_get(pn, "max_replications");
		return check_fail(c, mn ? mn : pn, "precision.max_replications",
				  "is below replications (%u), the replications every point runs first",
				  sc->replications);
	}
	if (sc->precision.metric == METRIC_SLO_MISS && !sc->slo) {
		const struct yt_node *pn = yt_get(tree, "precision");
		return check_fail(c, yt_get(pn, "metric"), "precision.metric",
				  "slo_miss_s is the time spent missing the scenario's slo:, and it has none");
	}
	if (sc->warmup_ns + sc->duration_ns > CHECK_MAX_DURATION_NS)
		return check_fail(c, yt_get(tree, "duration"), "duration",
				  "warmup plus duration is too long (at most about 73 years)");
	if ((rc = check_sections(c, lang)) ||
	    (rc = check_breakers(c, yt_get(tree, "breakers"))) ||
	    (rc = zone_check(c, sc, tree)) ||
	    (rc = check_nodes(c, lang)) ||
	    (rc = tl_check(c, yt_get(tree, "timeline"), lang->kinds)))
		return rc;
	for (size_t i = 0; i < sc->ncomponents; i++) {
		struct sc_node *n = &sc->nodes[i];
		if (n->ops->link && (rc = n->ops->link(c, sc, n)))
			return rc;
	}
	if ((rc = topo_check_exits(c, sc)))
		return rc;
	return topo_check_call_cycles(c, sc);
}

void load_top_table(const struct load_lang *lang, struct param *params,
		    struct param_table *t)
{
	size_t n = 0;
	for (const struct param *e = top_params; e->name; e++)
		params[n++] = *e;
	for (const struct param *e = lang->sections; e && e->name && n < PARAM_MAX_KEYS; e++)
		params[n++] = (struct param){ .name = e->name, .type = PARAM_CUSTOM,
					      .parse = parse_later, .shape = e->shape,
					      .doc = e->doc };
	params[n] = (struct param){ 0 };
	*t = load_scenario_table;
	t->params = params;
}

int load_point(const struct load_lang *lang, struct yt_node *tree, const char *file,
	       struct scenario **out, struct sim_err *err)
{
	struct scenario *sc = calloc(1, sizeof *sc);
	if (!sc) {
		yt_free(tree);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	sc->tree = tree;
	struct check_ctx ctx = { sc, err, lang };
	struct param params[PARAM_MAX_KEYS + 1];
	struct param_table top;
	int rc;
	if (tree->type != YT_MAP) {
		rc = check_fail(&ctx, tree, "",
				"a scenario must be a mapping with duration, workloads and nodes (found a %s)",
				yt_type_name(tree->type));
		goto fail;
	}
	sc->name = default_name(file);
	sc->dir = dir_of(file);
	if (!sc->name || !sc->dir) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto fail;
	}
	load_top_table(lang, params, &top);
	/* the keys are checked under the name "scenario"; the values under
	 * their own names ("seed", not "scenario.seed") */
	const char *allowed[PARAM_MAX_KEYS + 1], *required[PARAM_MAX_KEYS + 1];
	size_t na = 0, nr = 0;
	for (const struct param *e = params; e->name; e++) {
		allowed[na++] = e->name;
		if (e->flags & PARAM_REQUIRED)
			required[nr++] = e->name;
	}
	allowed[na] = required[nr] = NULL;
	if ((rc = check_keys(&ctx, tree, "scenario", allowed, required)) ||
	    (rc = param_fill(&ctx, "", tree, &top, NULL, sc)))
		goto fail;
	sc->hash = yt_hash(tree);
	*out = sc;
	return 0;
fail:
	load_free(sc);
	return rc;
}
