/*
 * zone.h - zones, and the links between them: where replicas run and
 * what a hop between them costs.
 *
 * A scenario may name its zones (`zones:`, each with an optional
 * region) and the one-way delays between them (`links:`).  A link is
 * written between two zone patterns (`between: [us-*, eu-*]`, both
 * directions) or within one (`within: "*"`, a hop that stays in its
 * zone); patterns are shell globs on zone names.  Each ordered pair of
 * zones takes the first link, in file order, that matches it, as a
 * firewall takes its first matching rule; a pair no link matches costs
 * nothing, and a link that matches no pair is refused as a likely typo.
 *
 * Nodes are placed by a `zones:` list (services and databases, for
 * now; a database's unit 0 is its first primary): replica r
 * runs in the list's zone r mod its length, so replicas spread evenly in
 * the order given.  A workload's `zone:` is where its users are.  A node
 * without zones sits with whoever sends to it (a balancer as a sidecar or
 * client library, a queue or cache beside its caller), and a workload
 * without one is outside every zone: hops from it cost nothing.
 *
 * A link may have a `bandwidth`: then a hop over it is a message of the
 * size its request carries (`size:` of the workload or of the call, in
 * bytes; a reply carries the response's), sent after the messages before
 * it in size / bandwidth, then delayed by the latency.  The unit that
 * sends is a channel: one direction of a link between two patterns, the
 * only one of a link within zones or between a pattern and itself.  A
 * channel is first come first served with one transmitter, so its state
 * is the moment the transmitter is next free (hops reach it in time
 * order: Lindley's recursion needs nothing else), and no event.  Channels
 * are also what links.csv reports: hops, bytes, waits, delays, and the
 * cost of the traffic by the link's `cost: {per_gb}`.
 *
 * Zones are numbered from 1; ZONE_NONE (0) is "no zone".  The pair tables
 * have a row and a column for it, so that a lookup needs no test.
 */
#ifndef SIM_ZONE_H
#define SIM_ZONE_H

#include <stdint.h>

#include "sim/check.h"
#include "sim/dist.h"

#define ZONE_NONE 0
#define ZONE_MAX 4096

struct zone_link {
	struct dist latency;       /* one way */
	double bandwidth;          /* bytes per second each way; 0: no limit */
	double per_gb;             /* price of a GB (10^9 bytes) carried */
	int priced;                /* `cost:` given */
	char name[96];             /* "us-east-1a<->us-east-1b", "within *" */
};

/* A channel: one direction of a link (a `within` link has one), the unit
 * that links.csv reports on and that a link's bandwidth is shared in:
 * every hop a link carries in one direction, whichever zones it joins,
 * queues for the same transmitter. */
struct zone_chan {
	uint32_t link;
	char *from, *to;           /* the patterns, as written */
};

/* A message's sizes (`size:` of a workload or a call), in bytes. */
struct zone_size {
	int given;
	struct dist request, response;
};

struct zone_map {
	uint32_t n;                /* zones, numbered 1 .. n */
	char **names;              /* [n + 2]: names[1 .. n], then NULL;
				    * names[0] is unused */
	char **regions;            /* [n + 1]: as given, or the zone's name */
	struct zone_link *links;   /* [nlinks], in file order */
	uint32_t nlinks;
	int32_t *pair;             /* [(n + 1) x (n + 1)]: from x (n + 1) + to
				    * -> the link it takes, or -1 */
	int32_t *chan;             /* the same -> the channel, or -1 */
	struct zone_chan *chans;   /* [nchan]: each link's, in file order */
	uint32_t nchan;
	int priced;                /* a link has a cost */
};

struct scenario;
struct sc_node;
struct param_table;

/* `zones:` entries and `links:` entries, for the reference; `size:` of
 * a workload or a call */
extern const struct param_table zone_table;
extern const struct param_table zone_link_table;
extern const struct param_table zone_size_table;

/* zone_check reads `zones:` and `links:` of tree (either may be absent)
 * into sc->zmap, left NULL when there are no zones; links without zones
 * are refused.  0, or SIM_EINVAL / SIM_ENOMEM with a located message. */
int zone_check(struct check_ctx *ctx, struct scenario *sc, const struct yt_node *tree);

/* zone_check_node reads node n's placement: `zones:` (a list) for a
 * component whose kind takes one (placeable), `zone:` (one name) for a
 * workload; either may be absent.  what is the node's dotted path. */
int zone_check_node(struct check_ctx *ctx, const struct scenario *sc, struct sc_node *n,
		    const char *what, int workload, int placeable);

void zone_map_free(struct zone_map *z);

/* zone_check_name reads the zone named at n (a scalar) into *zone, or
 * reports it unknown: 0, or SIM_EINVAL with a located message. */
int zone_check_name(struct check_ctx *ctx, const struct zone_map *z, const struct yt_node *n,
		    const char *what, uint32_t *zone);

/* zone_check_pattern checks pattern p at n (a scalar): one with no glob
 * character must name a zone (unknown: refused with the nearest name),
 * one with them must match one: 0, or SIM_EINVAL with a located message. */
int zone_check_pattern(struct check_ctx *ctx, const struct zone_map *z, const struct yt_node *n,
		       const char *what, const char *p);

/* zone_between says whether a hop from zone a to zone b is one between
 * patterns p and q, either way, as a `between:` matches it. */
int zone_between(const struct zone_map *z, const char *p, const char *q, uint32_t a, uint32_t b);

/* zone_link_of is the link a hop from zone a to zone b takes, or NULL. */
static inline const struct zone_link *zone_link_of(const struct zone_map *z, uint32_t a,
						   uint32_t b)
{
	int32_t l = z->pair[a * (z->n + 1) + b];
	return l < 0 ? NULL : &z->links[l];
}

/* zone_chan_of is the channel a hop from zone a to zone b takes: the
 * link's forward one (from its first pattern to its second) or its
 * reverse; -1 where no link applies. */
static inline int32_t zone_chan_of(const struct zone_map *z, uint32_t a, uint32_t b)
{
	return z->chan[a * (z->n + 1) + b];
}

#endif
