/*
 * registry.h - service discovery: a registry of a service's replicas,
 * kept alive by heartbeats, and the view of it its callers route by.
 *
 * Callers that reach a service without a balancer of their own (a client
 * library over Eureka, Consul or a DNS name) pick among the replicas
 * their last copy of the registry lists, and that copy lags the truth.
 * With `discovery:` a service's replicas are known that way:
 *
 *   - a replica registers when it starts taking requests (up, and past
 *     its `registration_delay`), and renews its lease every `heartbeat`
 *     from then on;
 *   - one removed on purpose (a scale down, a rollout) deregisters at
 *     once; one that crashes stops renewing, and the registry drops it
 *     at the first of its eviction sweeps (every `eviction`) that finds
 *     its last renewal older than `expiry`; one that recovers registers
 *     again;
 *   - the callers fetch the registry every `fetch` and route round robin
 *     over what they fetched: a new replica gets nothing until the next
 *     fetch, and a dead one still listed gets its share, which fails
 *     (refused, as a dead address refuses a connection).
 *
 * The defaults are Eureka's: leases renewed every 30 s and expiring after
 * 90 s, an eviction sweep every 60 s, clients fetching every 30 s.  (Eureka
 * itself waits twice its lease duration before it evicts, an error its
 * Lease.renew documents; write `expiry: 180s` to have that too.)  Each
 * replica's heartbeats keep the phase of its registration; the sweeps and
 * the fetches have a phase drawn per replication, as a server and its
 * clients start when they do.
 *
 * The registry keeps, per replica slot, whether it is registered, the
 * phase of its heartbeats, when it crashed, and which instance holds the
 * slot (a generation: a replica added where one was removed is another
 * address); the view is the list of slots, with their instances,
 * registered at the last fetch.  A caller's pick of an instance no longer
 * there is refused, as a connection to a dead address is.  Nothing here
 * schedules: the service calls reg_sweep and reg_fetch on its own
 * events.
 */
#ifndef SIM_REGISTRY_H
#define SIM_REGISTRY_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sim/param.h"

/* `discovery:` as a scenario writes it. */
struct reg_cfg {
	int given;
	int64_t heartbeat_ns, expiry_ns, eviction_ns, fetch_ns;
};

/* its keys, for the reference */
extern const struct param_table reg_table;

struct registry {
	const struct reg_cfg *cfg;
	uint32_t units;
	uint8_t *registered;       /* [units] */
	int64_t *joined;           /* [units] when it last registered (its
				    * heartbeats' phase) */
	int64_t *down_at;          /* [units] when it crashed, or -1 */
	uint32_t *gen;             /* [units] the instance holding the slot */
	uint32_t *view;            /* [units] the slots the callers know, */
	uint32_t *view_gen;        /* [units] and the instances they knew */
	uint32_t nview, rr;
};

/* reg_init makes a registry of `units` slots for cfg, [0, active) of them
 * registered since before the start (their heartbeats' phases drawn from
 * rng) and in the callers' view: 0 or SIM_ENOMEM.  reg_fini frees it
 * (safe on a zeroed one). */
int reg_init(struct registry *g, const struct reg_cfg *cfg, uint32_t units, uint32_t active,
	     gsl_rng *rng);
void reg_fini(struct registry *g);

/* reg_join: replica r registers now: a new instance in the slot (up and
 * taking requests), or with fresh 0 the same one back from a crash;
 * reg_leave: it deregisters (removed on purpose); reg_crash: it crashed
 * now, and stops renewing. */
void reg_join(struct registry *g, uint32_t r, int64_t now, int fresh);
void reg_leave(struct registry *g, uint32_t r);
void reg_crash(struct registry *g, uint32_t r, int64_t now);

/* reg_last_renewal is when crashed replica r last renewed its lease,
 * crashed at `at`: the last of its heartbeats, every cfg->heartbeat_ns
 * from its registration, at or before at. */
int64_t reg_last_renewal(const struct registry *g, uint32_t r, int64_t at);

/* reg_sweep is an eviction sweep at now: every registered replica whose
 * last renewal is older than cfg->expiry_ns is dropped.  Returns how many. */
uint32_t reg_sweep(struct registry *g, int64_t now);

/* reg_fetch: the callers' view becomes the slots registered now. */
void reg_fetch(struct registry *g);

/* reg_pick is the next slot of the view, round robin, or UINT32_MAX when
 * the view is empty; *gone says the instance the callers knew there is
 * no longer the slot's. */
static inline uint32_t reg_pick(struct registry *g, int *gone)
{
	if (!g->nview)
		return UINT32_MAX;
	if (g->rr >= g->nview)
		g->rr = 0;
	uint32_t k = g->rr++, r = g->view[k];
	*gone = g->view_gen[k] != g->gen[r];
	return r;
}

#endif
