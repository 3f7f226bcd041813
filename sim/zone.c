/*
 * zone.c - zones and links, as a scenario declares them; see zone.h.
 */
#include "sim/zone.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/param.h"
#include "sim/scenario.h"
#include "sim/ytree.h"

/* One entry of `zones:`. */
struct zone_def {
	char *region;
};

static const struct param zone_params[] = {
	{ .name = "region", .type = PARAM_STRING, PARAM_FIELD(struct zone_def, region),
	  .def_doc = "the zone's own name", .doc = "the region the zone belongs to, for the reader and the report" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

const struct param_table zone_table = {
	.params = zone_params,
	.size = sizeof(struct zone_def),
	.doc = "`zones:` names the zones replicas run in: `{us-east-1a: {}, eu-west-1a: {region: eu}}`. A service's `zones: [A, B, ...]` places its replica r in the list's zone r mod its length; a workload's `zone:` is where its users are. A node without zones sits with whoever sends to it (a balancer as a sidecar, a cache beside its caller), and a workload without one is outside every zone.",
};

/* One entry of `links:`: the patterns it joins, as written (they point
 * into the scenario's tree). */
struct link_cost {
	int given;
	double per_gb;
};

struct link_def {
	const char *between[2];
	const char *within;
	struct dist latency;
	double bandwidth;
	struct link_cost cost;
};

static const struct param link_cost_params[] = {
	{ .name = "per_gb", .type = PARAM_NUMBER, PARAM_FIELD(struct link_cost, per_gb),
	  .min = 0, .max = 1e12, .def = "0",
	  .doc = "the price of a GB (10^9 bytes) carried, in the currency of the nodes' `cost:`, each way (AWS bills a GB between two zones of a region 0.01 as it leaves and 0.01 as it arrives: write 0.02 for that link)" },
	{ 0 }
};

static const struct param_table link_cost_table = {
	.params = link_cost_params, .size = sizeof(struct link_cost), .validate = param_mark_given,
	.doc = "What the traffic over a link costs: added to summary.csv's cost_per_hour, and per link in links.csv.",
};

static int parse_bandwidth(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			   void *field)
{
	return check_bandwidth(ctx, n, what, field);
}

static int parse_between(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			 void *field)
{
	const char **pat = field;
	if (n->type != YT_SEQ || n->n != 2)
		return check_fail(ctx, n, what, "must be two zone patterns, such as [us-east-1a, \"eu-*\"]");
	for (int i = 0; i < 2; i++) {
		int rc = check_string(ctx, n->items[i], what, &pat[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_within(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			void *field)
{
	return check_string(ctx, n, what, (const char **)field);
}

static int link_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			 void *obj)
{
	const struct link_def *l = obj;
	if (!l->between[0] == !l->within)
		return check_fail(ctx, map, what,
				  "needs one of between: [A, B] (a hop from one zone to the other, either way) or within: A (a hop inside one zone)");
	return 0;
}

static const struct param link_params[] = {
	{ .name = "between", .type = PARAM_CUSTOM, PARAM_FIELD(struct link_def, between),
	  .parse = parse_between, .shape = "[PATTERN, PATTERN]", .def_doc = "none",
	  .doc = "the link joins the zones matching the first pattern to those matching the second, both ways (shell globs: \"us-*\")" },
	{ .name = "within", .type = PARAM_CUSTOM, PARAM_FIELD(struct link_def, within),
	  .parse = parse_within, .shape = "PATTERN", .def_doc = "none",
	  .doc = "the link is a hop that stays inside one zone matching the pattern" },
	{ .name = "latency", .type = PARAM_DIST, PARAM_FIELD(struct link_def, latency),
	  .flags = PARAM_REQUIRED,
	  .doc = "the one-way delay of a hop: a request to a replica across it, or a reply back; drawn per hop" },
	{ .name = "bandwidth", .type = PARAM_CUSTOM, PARAM_FIELD(struct link_def, bandwidth),
	  .parse = parse_bandwidth, .shape = "BANDWIDTH", .def_doc = "no limit",
	  .doc = "each direction's capacity, such as 1Gbit/s or 100MB/s: a message (its `size:`, from the workload or the call) is sent after those before it, first come first served, in size / bandwidth, then takes the latency; one transmitter per direction, shared by every pair of zones the link joins (a `within` link, or one between a pattern and itself such as [\"*\", \"*\"], has one for all its hops)" },
	{ .name = "cost", .type = PARAM_MAP, PARAM_FIELD(struct link_def, cost),
	  .sub = &link_cost_table, .shape = "{per_gb: PRICE}", .def_doc = "free",
	  .doc = "the price of the traffic it carries" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

const struct param_table zone_link_table = {
	.params = link_params,
	.size = sizeof(struct link_def),
	.doc = "`links:` lists the one-way delays between zones. Each ordered pair of zones takes the first link, in file order, that matches it; a pair no link matches costs nothing, and a link that matches no pair is refused. Every hop to a replica placed in a zone pays its link's delay, from the zone the request is in (its workload's, or its caller's replica's), and so does the reply back.",
	.validate = link_validate,
};

static int parse_size(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		      void *field)
{
	return check_dist_bytes(ctx, n, what, field);
}

static void fini_size(void *field)
{
	dist_fini(field);
}

static const struct param size_params[] = {
	{ .name = "request", .type = PARAM_CUSTOM, PARAM_FIELD(struct zone_size, request),
	  .parse = parse_size, .fini = fini_size, .shape = "SIZE", .def = "0B",
	  .doc = "the request's size: a size such as 2KB, or a distribution of sizes such as {dist: exponential, mean: 2KB} (drawn per request)" },
	{ .name = "response", .type = PARAM_CUSTOM, PARAM_FIELD(struct zone_size, response),
	  .parse = parse_size, .fini = fini_size, .shape = "SIZE", .def = "0B",
	  .doc = "its response's size, the same way" },
	{ 0 }
};

const struct param_table zone_size_table = {
	.params = size_params, .size = sizeof(struct zone_size), .validate = param_mark_given,
	.doc = "The sizes of a message and of its response, in bytes (B, KB or kB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: of 1024; an empirical distribution's file holds plain numbers of bytes), for the links' `bandwidth`: each hop over a link with a bandwidth takes size / bandwidth to send, after the messages before it. A workload's `size:` is its requests' (and their `next:` forwards'); a call's is its own, and a call without one carries the size of the request that makes it.",
};

void zone_map_free(struct zone_map *z)
{
	if (!z)
		return;
	for (uint32_t i = 0; i <= z->n; i++) {
		if (z->names)
			free(z->names[i]);
		if (z->regions)
			free(z->regions[i]);
	}
	free(z->names);
	free(z->regions);
	for (uint32_t i = 0; i < z->nlinks; i++)
		dist_fini(&z->links[i].latency);
	for (uint32_t i = 0; i < z->nchan; i++) {
		free(z->chans[i].from);
		free(z->chans[i].to);
	}
	free(z->chans);
	free(z->links);
	free(z->pair);
	free(z->chan);
	free(z);
}

static int matches(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

/* link_matches says whether link l applies to a hop from zone a to b. */
static int link_matches(const struct link_def *l, const char *a, const char *b, int same)
{
	if (l->within)
		return same && matches(l->within, a);
	return (matches(l->between[0], a) && matches(l->between[1], b)) ||
	       (matches(l->between[1], a) && matches(l->between[0], b));
}

int zone_check_pattern(struct check_ctx *ctx, const struct zone_map *z, const struct yt_node *n,
		       const char *what, const char *p)
{
	for (uint32_t i = 1; i <= z->n; i++)
		if (matches(p, z->names[i]))
			return 0;
	if (!strpbrk(p, "*?["))
		return check_unknown(ctx, n, what, "zone", p, (const char *const *)z->names + 1);
	char list[512];
	check_join(list, sizeof list, (const char *const *)z->names + 1);
	return check_fail(ctx, n, what, "'%s' matches no zone (zones: %s)", p, list);
}

int zone_between(const struct zone_map *z, const char *p, const char *q, uint32_t a, uint32_t b)
{
	const char *na = z->names[a], *nb = z->names[b];
	return (matches(p, na) && matches(q, nb)) || (matches(q, na) && matches(p, nb));
}

static int read_zones(struct check_ctx *ctx, struct zone_map *z, const struct yt_node *zs)
{
	if (zs->type != YT_MAP || zs->n == 0)
		return check_fail(ctx, zs, "zones",
				  "must be a non-empty mapping of zone names, such as {us-east-1a: {}, us-east-1b: {}}");
	z->n = (uint32_t)(zs->n / 2);
	if (z->n > ZONE_MAX)
		return check_fail(ctx, zs, "zones", "at most %d zones", ZONE_MAX);
	/* names[1 .. n], NULL-ended for messages; names[0] unused */
	if (!(z->names = calloc(z->n + 2, sizeof *z->names)) ||
	    !(z->regions = calloc(z->n + 1, sizeof *z->regions)))
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	for (uint32_t i = 1; i <= z->n; i++) {
		const struct yt_node *k = yt_key(zs, i - 1), *v = yt_val(zs, i - 1);
		char what[128];
		snprintf(what, sizeof what, "zones.%.100s", k->str);
		if (!k->str[0] || strlen(k->str) > 64 || strpbrk(k->str, "*?[]/ "))
			return check_fail(ctx, k, "zones",
					  "'%s' is not a valid zone name (no spaces, '/' or pattern characters * ? [ ], at most 64)",
					  k->str);
		for (uint32_t j = 1; j < i; j++)
			if (!strcmp(z->names[j], k->str))
				return check_fail(ctx, k, "zones", "the zone '%s' is named twice", k->str);
		struct zone_def d = { 0 };
		int rc = param_fill(ctx, what, v, &zone_table, NULL, &d);
		if (rc) {
			param_fini(&zone_table, &d);
			return rc;
		}
		z->names[i] = strdup(k->str);
		z->regions[i] = strdup(d.region ? d.region : k->str);
		param_fini(&zone_table, &d);
		if (!z->names[i] || !z->regions[i])
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	}
	return 0;
}

static int read_links(struct check_ctx *ctx, struct zone_map *z, const struct yt_node *ls)
{
	size_t w = (size_t)z->n + 1;
	if (!(z->pair = malloc(w * w * sizeof *z->pair)) ||
	    !(z->chan = malloc(w * w * sizeof *z->chan)))
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < w * w; i++)
		z->pair[i] = z->chan[i] = -1;
	if (!ls)
		return 0;
	if (ls->type != YT_SEQ)
		return check_fail(ctx, ls, "links",
				  "must be a list of links, such as [{between: [a, b], latency: 1ms}]");
	if (!(z->links = calloc(ls->n ? ls->n : 1, sizeof *z->links)) ||
	    !(z->chans = calloc(ls->n ? 2 * ls->n : 1, sizeof *z->chans)))
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	for (size_t l = 0; l < ls->n; l++) {
		char what[64];
		snprintf(what, sizeof what, "links[%zu]", l);
		struct link_def d;
		memset(&d, 0, sizeof d);
		int rc = param_fill(ctx, what, ls->items[l], &zone_link_table, NULL, &d);
		if (rc) {
			param_fini(&zone_link_table, &d);
			return rc;
		}
		struct zone_link *k = &z->links[z->nlinks++];
		k->latency = d.latency;          /* taken over: not freed below */
		memset(&d.latency, 0, sizeof d.latency);
		k->bandwidth = d.bandwidth;
		k->per_gb = d.cost.per_gb;
		k->priced = d.cost.given;
		z->priced |= d.cost.given;
		if (d.within)
			snprintf(k->name, sizeof k->name, "within %s", d.within);
		else
			snprintf(k->name, sizeof k->name, "%s<->%s", d.between[0], d.between[1]);
		/* its channels: forward (first pattern to second), and for a
		 * link between two patterns, the reverse; between a pattern
		 * and itself, every hop is forward */
		uint32_t c0 = z->nchan;
		int one = d.within || !strcmp(d.between[0], d.between[1]);
		for (int dir = 0; dir < (one ? 1 : 2); dir++) {
			struct zone_chan *c = &z->chans[z->nchan++];
			c->link = (uint32_t)l;
			c->from = strdup(d.within ? d.within : d.between[dir]);
			c->to = strdup(d.within ? d.within : d.between[1 - dir]);
			if (!c->from || !c->to) {
				param_fini(&zone_link_table, &d);
				return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
			}
		}
		int matched = 0, taken = 0;
		int32_t before = -1;
		for (uint32_t a = 1; a <= z->n; a++)
			for (uint32_t b = 1; b <= z->n; b++) {
				if (!link_matches(&d, z->names[a], z->names[b], a == b))
					continue;
				matched = 1;
				if (z->pair[a * w + b] < 0) {
					z->pair[a * w + b] = (int32_t)l;
					/* forward when the hop goes from the first
					 * pattern to the second */
					int fwd = d.within || (matches(d.between[0], z->names[a]) &&
							       matches(d.between[1], z->names[b]));
					z->chan[a * w + b] = (int32_t)(c0 + (fwd ? 0 : 1));
					taken = 1;
				} else if (before < 0) {
					before = z->pair[a * w + b];
				}
			}
		param_fini(&zone_link_table, &d);
		if (!matched) {
			char list[512];
			check_join(list, sizeof list, (const char *const *)z->names + 1);
			return check_fail(ctx, ls->items[l], what, "matches no pair of zones (zones: %s)",
					  list);
		}
		if (!taken)
			return check_fail(ctx, ls->items[l], what,
					  "every pair of zones it matches takes an earlier link first (links[%d]): put the narrower link first",
					  (int)before);
	}
	return 0;
}

int zone_check(struct check_ctx *ctx, struct scenario *sc, const struct yt_node *tree)
{
	const struct yt_node *zs = yt_get(tree, "zones"), *ls = yt_get(tree, "links");
	if (!zs) {
		if (ls)
			return check_fail(ctx, ls, "links", "needs zones: to join");
		return 0;
	}
	struct zone_map *z = calloc(1, sizeof *z);
	if (!z)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	sc->zmap = z;                    /* load_free frees it, whatever happens */
	int rc = read_zones(ctx, z, zs);
	return rc ? rc : read_links(ctx, z, ls);
}

int zone_check_name(struct check_ctx *ctx, const struct zone_map *z, const struct yt_node *n,
		    const char *what, uint32_t *zone)
{
	const char *name;
	int rc = check_string(ctx, n, what, &name);
	if (rc)
		return rc;
	for (uint32_t i = 1; i <= z->n; i++)
		if (!strcmp(z->names[i], name)) {
			*zone = i;
			return 0;
		}
	return check_unknown(ctx, n, what, "zone", name, (const char *const *)z->names + 1);
}

int zone_check_node(struct check_ctx *ctx, const struct scenario *sc, struct sc_node *n,
		    const char *what, int workload, int placeable)
{
	const char *key = workload ? "zone" : "zones";
	const struct yt_node *v = yt_get(n->src, key);
	if (!v)
		return 0;
	char w[160];
	snprintf(w, sizeof w, "%s.%s", what, key);
	if (!sc->zmap)
		return check_fail(ctx, v, w, "names a zone, and the scenario has no zones:");
	if (!workload && !placeable)
		return check_fail(ctx, v, w,
				  "only services and databases are placed in zones so far; this node sits with whoever sends to it");
	int rc = 0;
	uint32_t z = 0;
	if (workload) {
		if (!(n->zone = malloc(sizeof *n->zone)))
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		rc = zone_check_name(ctx, sc->zmap, v, w, &z);
		n->zone[0] = (uint16_t)z;
		n->nzone = 1;
		return rc;
	}
	if (v->type != YT_SEQ || v->n == 0)
		return check_fail(ctx, v, w, "must be a list of zones, such as [us-east-1a, us-east-1b]");
	if (!(n->zone = malloc(v->n * sizeof *n->zone)))
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < v->n && !rc; i++) {
		rc = zone_check_name(ctx, sc->zmap, v->items[i], w, &z);
		n->zone[i] = (uint16_t)z;
		n->nzone = (uint32_t)i + 1;
	}
	return rc;
}
