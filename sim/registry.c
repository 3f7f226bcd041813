/*
 * registry.c - service discovery's registry and its callers' view; see
 * registry.h.
 */
#include "sim/registry.h"

#include <stdlib.h>
#include <string.h>

#include "sim/err.h"
#include "sim/rng.h"

static int reg_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			void *obj)
{
	struct reg_cfg *c = obj;
	c->given = 1;
	if (c->expiry_ns < c->heartbeat_ns)
		return check_fail(ctx, map, what,
				  "expiry must be at least one heartbeat, or every live replica would be evicted");
	return 0;
}

static const struct param reg_params[] = {
	{ .name = "heartbeat", .type = PARAM_DURATION, PARAM_FIELD(struct reg_cfg, heartbeat_ns),
	  .min_ns = 1000000, .def = "30s",
	  .doc = "how often a replica renews its lease (Eureka's lease renewal interval)" },
	{ .name = "expiry", .type = PARAM_DURATION, PARAM_FIELD(struct reg_cfg, expiry_ns),
	  .min_ns = 1000000, .def = "90s",
	  .doc = "how old a replica's last renewal may be before the registry drops it (Eureka's lease expiration duration; Eureka itself waits twice this: write 180s to model it)" },
	{ .name = "eviction", .type = PARAM_DURATION, PARAM_FIELD(struct reg_cfg, eviction_ns),
	  .min_ns = 1000000, .def = "60s",
	  .doc = "how often the registry looks for expired leases (Eureka's eviction interval)" },
	{ .name = "fetch", .type = PARAM_DURATION, PARAM_FIELD(struct reg_cfg, fetch_ns),
	  .min_ns = 1000000, .def = "30s",
	  .doc = "how often the callers fetch the registry (Eureka's registry fetch interval): what they route by in between" },
	{ 0 }
};

const struct param_table reg_table = {
	.params = reg_params,
	.size = sizeof(struct reg_cfg),
	.validate = reg_validate,
	.doc = "Service discovery for the callers of a service that reach it without a balancer: they route round robin over their last copy of a registry, which a replica joins when it takes requests, leaves when removed, and drops out of `expiry` after its last heartbeat when it crashes (checked every `eviction`); the copy is fetched every `fetch`. A request sent to a listed replica that is gone fails as crashed; with none listed, as no_backend. Defaults are Eureka's.",
};

int reg_init(struct registry *g, const struct reg_cfg *cfg, uint32_t units, uint32_t active,
	     gsl_rng *rng)
{
	memset(g, 0, sizeof *g);
	g->cfg = cfg;
	g->units = units;
	if (!(g->registered = calloc(units, 1)) || !(g->joined = calloc(units, sizeof *g->joined)) ||
	    !(g->down_at = malloc(units * sizeof *g->down_at)) ||
	    !(g->gen = calloc(units, sizeof *g->gen)) ||
	    !(g->view = malloc(units * sizeof *g->view)) ||
	    !(g->view_gen = calloc(units, sizeof *g->view_gen))) {
		reg_fini(g);
		return SIM_ENOMEM;
	}
	for (uint32_t r = 0; r < units; r++) {
		g->down_at[r] = -1;
		if (r < active) {
			g->registered[r] = 1;
			g->joined[r] = -(int64_t)(gsl_rng_uniform(rng) * (double)cfg->heartbeat_ns);
			g->view[g->nview++] = r;
		}
	}
	return 0;
}

void reg_fini(struct registry *g)
{
	free(g->registered);
	free(g->joined);
	free(g->down_at);
	free(g->gen);
	free(g->view);
	free(g->view_gen);
	memset(g, 0, sizeof *g);
}

void reg_join(struct registry *g, uint32_t r, int64_t now, int fresh)
{
	if (fresh)
		g->gen[r]++;
	g->registered[r] = 1;
	g->joined[r] = now;
	g->down_at[r] = -1;
}

void reg_leave(struct registry *g, uint32_t r)
{
	g->registered[r] = 0;
	g->down_at[r] = -1;
}

void reg_crash(struct registry *g, uint32_t r, int64_t now)
{
	if (g->down_at[r] < 0)
		g->down_at[r] = now;
}

int64_t reg_last_renewal(const struct registry *g, uint32_t r, int64_t at)
{
	int64_t hb = g->cfg->heartbeat_ns, since = at - g->joined[r];
	return since < 0 ? g->joined[r] : at - since % hb;
}

uint32_t reg_sweep(struct registry *g, int64_t now)
{
	uint32_t dropped = 0;
	for (uint32_t r = 0; r < g->units; r++) {
		if (!g->registered[r] || g->down_at[r] < 0)
			continue;
		if (now - reg_last_renewal(g, r, g->down_at[r]) > g->cfg->expiry_ns) {
			g->registered[r] = 0;
			dropped++;
		}
	}
	return dropped;
}

void reg_fetch(struct registry *g)
{
	g->nview = 0;
	for (uint32_t r = 0; r < g->units; r++)
		if (g->registered[r]) {
			g->view_gen[g->nview] = g->gen[r];
			g->view[g->nview++] = r;
		}
}
