/*
 * service.c - the service kind; see service.h.
 *
 * A request's demand, its fate under an `errors` fault and its route
 * after service are the request's own draws (sim_draws), so which replica
 * serves it never changes what it asks for.
 *
 * Each replica keeps its queue and, when the timeline can crash the node,
 * the list of requests its workers hold (in service, or waiting on calls),
 * so that a crash can fail them all:
 * in-service requests by cancelling their end-of-service timers, calling
 * ones by abandoning their calls.  Statistics are kept for the node and,
 * when it has more than one replica, for each replica (nodes.csv rows
 * web, web[0], web[1], ...); a node of one replica pays for one set.
 *
 * The replica count: replicas [0, active) take new requests; the others
 * finish what they hold.  A change of the count (a timeline `scale`, or
 * the node's autoscaler) goes through set_spec: replicas added start,
 * each up after its own `startup` draw and taking requests after the
 * `registration_delay` more (the first to be ready takes the lowest free
 * index, so the replicas taking requests are always a prefix, as
 * balancers read them; one up and not yet registered is read by the
 * autoscaler as an idle replica); replicas removed are the
 * starting ones first, ranked as a ReplicaSet ranks pods to delete (not
 * yet up before up, then the newest), then the highest of those taking
 * requests, which drain:
 * they take nothing new, and what they still hold after `drain` fails
 * (the kubelet's SIGKILL after terminationGracePeriodSeconds).  A replica
 * that becomes ready at an index still draining takes over what it holds:
 * the one simplification the prefix costs.
 *
 * A service that uses none of the features its arrivals and ends test
 * for takes a plain path of its own (svc_arrive_plain, plain_done): the
 * same steps in the same order with the same draws, less the tests whose
 * answers cannot change during the run.  Its choice is made once, at set
 * up, from the configuration (service_plain), and test_service.c checks
 * that both paths measure the same to the bit.
 *
 * The autoscaler (sim/autoscale.h) runs here, on the node's periodic call
 * (sim_every): every interval it reads each replica's metric as the difference
 * of its cumulative integrals since the last reading, counting only the
 * replicas up and taking requests for the whole interval (and, for
 * target tracking, past their warm-up), and hands the reading to
 * as_decide.  The integrals are the per-replica statistics' own; the
 * readings survive the restart at the end of warm-up by an offset.
 */
#include "models/service.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "models/station.h"
#include "sim/autoscale.h"
#include "sim/codel.h"
#include "sim/pause.h"
#include "sim/psq.h"
#include "sim/registry.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "sim/timeline.h"

#define SVC_MAX_REPLICAS 100000
#define SVC_MAX_WORKERS 1000000
#define SVC_MAX_QUEUE 1000000000
#define SVC_MAX_NEXT 1024
/* a change of the replica count the other way from the last one within
 * this long is a flap: the HPA's default scale-down stabilization window */
#define SVC_FLAP_NS (300 * 1000000000LL)

enum { SVC_EV_DONE = 1, SVC_EV_READY, SVC_EV_REGISTER, SVC_EV_DRAIN, SVC_EV_PS,
       SVC_EV_DONE_CLASS, SVC_EV_SWEEP, SVC_EV_FETCH, SVC_EV_STEP, SVC_EV_PLAIN };

/* The order a replica's waiting requests are served in (`discipline`). */
enum { DISC_FIFO, DISC_LIFO, DISC_ADAPTIVE_LIFO, DISC_CODEL, DISC_PRIORITY, DISC_DEADLINE,
       DISC_PS };


struct route {
	uint32_t to;
	double p;              /* as given */
	double cum;            /* cumulative probability up to this edge */
};

struct service_cfg {
	uint32_t replicas;
	uint32_t workers;
	int64_t queue;         /* waiting places per replica; -1 unbounded */
	double speed;
	struct dist service;
	double contention;
	struct edge_rate rate_limit;
	int64_t max_wait_ns;   /* max_queue_wait; 0: none */
	struct route *next;
	size_t nnext;
	struct call_plan calls;
	struct dist startup;   /* from the decision to add a replica to its
				* being up */
	int64_t register_ns;   /* from its being up to its taking requests */
	int64_t drain_ns;      /* a removed replica's grace period */
	struct as_cfg as;      /* autoscale; as.given when present */
	int discipline;        /* DISC_* */
	uint32_t lifo_threshold; /* adaptive_lifo; UINT32_MAX: not given */
	int preemptive;        /* priority: preemptive-resume */
	struct codel_cfg codel;
	struct pause_cfg pauses;
	struct reg_cfg discovery;     /* callers without a balancer route by a
				       * registry (registry.h) */
};

static void svc_cfg_init(void *obj)
{
	struct service_cfg *c = obj;
	c->queue = -1;
	c->lifo_threshold = UINT32_MAX;
}

/* svc_validate turns the routes' probabilities into cumulative ones, which
 * must not pass 1. */
static int svc_validate(struct check_ctx *ctx, const char *path,
			const struct yt_node *map, void *obj)
{
	struct service_cfg *c = obj;
	double cum = 0;
	for (size_t i = 0; i < c->nnext; i++) {
		cum += c->next[i].p;
		if (cum > 1 + 1e-9) {
			char what[256];
			snprintf(what, sizeof what, "%s.next[%zu].p", path, i);
			return check_fail(ctx, yt_get(yt_get(map, "next")->items[i], "p"), what,
				       "routing probabilities add up to %g, more than 1", cum);
		}
		c->next[i].cum = cum;
	}
	char what[256];
	if (c->discipline == DISC_ADAPTIVE_LIFO && c->lifo_threshold == UINT32_MAX) {
		snprintf(what, sizeof what, "%s.discipline", path);
		return check_fail(ctx, yt_get(map, "discipline"), what,
				  "adaptive_lifo needs lifo_threshold: how many others must wait for the newest to go first");
	}
	int preemptive = c->preemptive && c->discipline == DISC_PRIORITY;
	if (c->pauses.given && (c->discipline == DISC_PS || preemptive)) {
		snprintf(what, sizeof what, "%s.pauses", path);
		return check_fail(ctx, yt_get(map, "pauses"), what,
				  "not supported with %s: a pause would stall %s work, which is not modelled",
				  preemptive ? "preemptive priority" : "discipline ps",
				  preemptive ? "resumed" : "shared");
	}
	if (c->discipline == DISC_PS && (c->contention > 0 || c->max_wait_ns)) {
		const char *key = c->contention > 0 ? "contention" : "max_queue_wait";
		snprintf(what, sizeof what, "%s.%s", path, key);
		return check_fail(ctx, yt_get(map, key), what,
				  "has no meaning under discipline ps: nothing waits, and the sharing is the slowdown");
	}
	return 0;
}

static const char *const disc_names[] = { "fifo", "lifo", "adaptive_lifo", "codel", "priority",
					   "deadline", "ps", NULL };

/* codel_validate: folly refuses an interval that is not longer than the
 * target (Codel::setOptions). */
static int codel_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			  void *obj)
{
	const struct codel_cfg *c = obj;
	if (c->interval_ns <= c->target_ns) {
		char w[300];
		snprintf(w, sizeof w, "%s.interval", what);
		return check_fail(ctx, yt_get(map, "interval") ? yt_get(map, "interval") : map, w,
				  "must be longer than target");
	}
	return 0;
}

static const struct param codel_params[] = {
	{ .name = "target", .type = PARAM_DURATION, PARAM_FIELD(struct codel_cfg, target_ns),
	  .min_ns = 1, .def = "5ms",
	  .doc = "the queueing delay the least of an interval's must stay under (folly's codel_target_delay)" },
	{ .name = "interval", .type = PARAM_DURATION, PARAM_FIELD(struct codel_cfg, interval_ns),
	  .min_ns = 1, .def = "100ms",
	  .doc = "how long a minimum is taken over (folly's codel_interval)" },
	{ 0 }
};

static const struct param_table codel_table = {
	.params = codel_params, .size = sizeof(struct codel_cfg), .validate = codel_validate,
};

/* pause_validate: a schedule whose pauses last as long as its gaps on
 * average would stop the replica for good. */
static int pause_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
			  void *obj)
{
	const struct pause_cfg *c = obj;
	if (c->every.mean <= c->duration.mean) {
		char w[300];
		snprintf(w, sizeof w, "%s.every", what);
		return check_fail(ctx, yt_get(map, "every"), w,
				  "must be longer than duration on average (%g s against %g s): the replica would never run",
				  c->every.mean, c->duration.mean);
	}
	return param_mark_given(ctx, what, map, obj);
}

static const struct param pause_params[] = {
	{ .name = "every", .type = PARAM_DIST, PARAM_FIELD(struct pause_cfg, every),
	  .flags = PARAM_REQUIRED,
	  .doc = "from the start of one pause to the start of the next (never before it ended): a runtime's collection interval" },
	{ .name = "duration", .type = PARAM_DIST, PARAM_FIELD(struct pause_cfg, duration),
	  .flags = PARAM_REQUIRED, .doc = "how long each pause stops the replica" },
	{ .name = "synchronized", .type = PARAM_BOOL, PARAM_FIELD(struct pause_cfg, synchronized),
	  .def = "false",
	  .doc = "the replicas pause together, on one schedule; otherwise each on its own, from its own phase" },
	{ 0 }
};

static const struct param_table pause_table = {
	.params = pause_params, .size = sizeof(struct pause_cfg), .validate = pause_validate,
};

static const struct param route_params[] = {
	{ .name = "to", .type = PARAM_NODE, PARAM_FIELD(struct route, to),
	  .flags = PARAM_REQUIRED, .doc = "the node the request goes on to" },
	{ .name = "p", .type = PARAM_PROB, PARAM_FIELD(struct route, p),
	  .flags = PARAM_REQUIRED, .doc = "the probability of this route" },
	{ 0 }
};

static const struct param_table route_table = {
	.params = route_params,
	.size = sizeof(struct route),
};

static const struct param route_elem = {
	.type = PARAM_MAP, .size = sizeof(struct route), .sub = &route_table,
};

static int svc_parse_calls(struct check_ctx *ctx, const char *what,
			   const struct yt_node *n, void *field)
{
	return callplan_check(ctx, n, what, field);
}

static void svc_free_calls(void *field)
{
	callplan_free(field);
}

static const struct param svc_params[] = {
	{ .name = "replicas", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, replicas),
	  .umin = 1, .umax = SVC_MAX_REPLICAS, .def = "1",
	  .doc = "instances. Without a balancer in front, arrivals go to them in round robin" },
	{ .name = "workers", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, workers),
	  .umin = 1, .umax = SVC_MAX_WORKERS, .def = "1",
	  .doc = "servers per instance" },
	{ .name = "queue", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, queue),
	  .umin = 0, .umax = SVC_MAX_QUEUE, .def_doc = "unbounded",
	  .doc = "waiting places per instance. A request that finds every worker busy and the queue full is rejected (it finishes at once, counted in `rejected`)" },
	{ .name = "service", .type = PARAM_DIST, PARAM_FIELD(struct service_cfg, service),
	  .flags = PARAM_REQUIRED,
	  .doc = "service time of one request (before `speed`)" },
	{ .name = "speed", .type = PARAM_NUMBER, PARAM_FIELD(struct service_cfg, speed),
	  .min = 1e-6, .max = 1e6, .def = "1",
	  .doc = "service times are divided by it (vertical scaling)" },
	{ .name = "contention", .type = PARAM_NUMBER, PARAM_FIELD(struct service_cfg, contention),
	  .min = 0, .max = 1e6, .def = "0",
	  .doc = "a request's service time is multiplied by 1 + contention x (the other busy workers of its instance) when it starts: the slowdown of lock contention, cache thrashing and GC that lets overload feed itself" },
	{ .name = "rate_limit", .type = PARAM_MAP, PARAM_FIELD(struct service_cfg, rate_limit),
	  .sub = &rate_limit_table, .shape = "{rate: 100/s, burst: 20}", .def_doc = "none",
	  .doc = "a token bucket per instance: a request that arrives to find no token is rejected at once (counted in `rejected`)" },
	{ .name = "max_queue_wait", .type = PARAM_DURATION, PARAM_FIELD(struct service_cfg, max_wait_ns),
	  .min_ns = 1, .def_doc = "none",
	  .doc = "a request that has waited longer than this when its turn comes is dropped as `shed` instead of served (load shedding by queue wait)" },
	{ .name = "discipline", .type = PARAM_ENUM, PARAM_FIELD(struct service_cfg, discipline),
	  .names = disc_names, .def = "fifo",
	  .doc = "the order each replica serves its waiting requests in: `fifo`; `lifo`, the newest first; `adaptive_lifo`, HHVM's job queue: the oldest first, but the newest while `lifo_threshold` or more others wait; `codel`, folly's CoDel for RPC queues: the oldest first, and while the least queueing delay of the last `codel.interval` was above `codel.target`, a request whose wait passed twice the target when its turn comes is dropped as `shed`; `priority`, non-preemptive priority classes: a waiting request of a lower workload `priority` first, first come first served within a class; `deadline`, first come first served, but a request whose caller no longer waits for it (its timeout passed, as a gRPC server learns from the deadline the call carries) is dropped, counted in `cancelled`, instead of started; `ps`, processor sharing: nothing waits, every request present is served at once, each at min(1, workers / present) of a worker's speed (a CPU-bound server with many threads: `workers` are its cores, and `queue` bounds the requests held beyond them). With `max_queue_wait`, the oldest is dropped first once it has waited longer, as HHVM does" },
	{ .name = "lifo_threshold", .type = PARAM_UINT, PARAM_FIELD(struct service_cfg, lifo_threshold),
	  .umin = 0, .umax = SVC_MAX_QUEUE, .def_doc = "none: adaptive_lifo needs it",
	  .doc = "for discipline adaptive_lifo (other disciplines keep it unused, so that a sweep can compare them): the newest is served first while at least this many others wait (HHVM's Server.ThreadJobLIFOSwitchThreshold; 0 is lifo)" },
	{ .name = "preemptive", .type = PARAM_BOOL, PARAM_FIELD(struct service_cfg, preemptive),
	  .def = "false",
	  .doc = "for discipline priority (other disciplines keep it unused, so that a sweep can compare them): a request that finds every worker busy takes the worker of one in service of a later class (the latest class, and of it the least served), which waits at the head of its class and later resumes where it stopped (preemptive-resume), when the queue has room for it. A request waiting on its calls keeps its worker" },
	{ .name = "codel", .type = PARAM_MAP, PARAM_FIELD(struct service_cfg, codel),
	  .sub = &codel_table, .def = "{}", .shape = "{target: 5ms, interval: 100ms}",
	  .doc = "discipline codel's settings, with folly's defaults (other disciplines keep them unused)" },
	{ .name = "pauses", .type = PARAM_MAP, PARAM_FIELD(struct service_cfg, pauses),
	  .sub = &pause_table, .def_doc = "none",
	  .shape = "{every: {dist: exponential, mean: 5s}, duration: 80ms, synchronized: false}",
	  .doc = "stop-the-world pauses (garbage collection) of each replica: work in service stalls until a pause ends, and a request started during one waits for its end (its worker is held). The first pause falls at a uniform share of the first gap, so replicas do not line up unless `synchronized`. Not modelled with discipline ps or preemptive priority" },
	{ .name = "discovery", .type = PARAM_MAP, PARAM_FIELD(struct service_cfg, discovery),
	  .sub = &reg_table, .def_doc = "none: its callers know its replicas at once",
	  .shape = "{heartbeat: 30s, expiry: 90s, eviction: 60s, fetch: 30s}",
	  .doc = "service discovery for the callers that reach it without a balancer: they route round robin over their last fetch of a registry that learns of a crashed replica only when its lease expires (below); a balancer in front routes by its own view instead" },
	{ .name = "next", .type = PARAM_LIST, PARAM_FIELD(struct service_cfg, next),
	  PARAM_COUNT(struct service_cfg, nnext), .elem = &route_elem,
	  .elem_size = sizeof(struct route), .max_len = SVC_MAX_NEXT, .item = "routes",
	  .shape = "{to: NODE, p: PROBABILITY}",
	  .doc = "after service, the request goes on to `to` with probability `p`. With the remaining probability it completes. Probabilities must add up to at most 1. This gives open and closed Jackson networks, with feedback" },
	{ .name = "calls", .type = PARAM_CUSTOM, PARAM_FIELD(struct service_cfg, calls),
	  .parse = svc_parse_calls, .fini = svc_free_calls,
	  .shape = "[{to: NODE, p: PROBABILITY, timeout: DURATION, retry: {...}}, {parallel: [...]}, ...]",
	  .doc = "synchronous calls made after the request's own service, in order; the worker is held until each reply is in. An entry `{to: NODE}` calls NODE; with `p` it calls with that probability (default 1); `timeout` and `retry` set what a slow or failed call does (see calls below). `{parallel: [...]}` makes its calls at once and waits for the slowest. A failed call fails the request. A cycle of calls is refused" },
	{ .name = "startup", .type = PARAM_DIST, PARAM_FIELD(struct service_cfg, startup),
	  .def = "{dist: constant, value: 0s}",
	  .doc = "for a replica added (by `scale` or the autoscaler), the time from the decision to its taking requests: scheduling, image pull, start-up, readiness probe; drawn per replica" },
	{ .name = "registration_delay", .type = PARAM_DURATION,
	  PARAM_FIELD(struct service_cfg, register_ns), .min_ns = 0, .def = "0s",
	  .doc = "after a replica's start-up, the time before balancers send it requests: endpoints reaching every proxy (Kubernetes), or a new target passing its first health check (an AWS target group: up to HealthCheckIntervalSeconds, 30 s by default). Meanwhile the replica is up and idle, and an autoscaler reads it so (after a whole interval up); it counts among replicas_starting" },
	{ .name = "drain", .type = PARAM_DURATION, PARAM_FIELD(struct service_cfg, drain_ns),
	  .min_ns = 0, .def = "30s",
	  .doc = "a replica removed takes no new requests and finishes what it holds, queued or in service, for up to this long; what it holds after that fails as crashed, counted in drain_cut (Kubernetes' terminationGracePeriodSeconds)" },
	{ .name = "autoscale", .type = PARAM_VARIANT, PARAM_FIELD(struct service_cfg, as.style),
	  .key = "style", .key_def = "kubernetes_hpa", .cases = as_cases,
	  .sub_off = offsetof(struct service_cfg, as), .def_doc = "none: replicas stay as set",
	  .doc = "a horizontal autoscaler that sets the replica count from a metric, starting from `replicas`; `style` picks whose algorithm and defaults (below)" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table svc_table = {
	.params = svc_params,
	.size = sizeof(struct service_cfg),
	.doc = "A service has `replicas` instances. Each instance has `workers` servers and its own queue, served in the order `discipline` says.",
	.init = svc_cfg_init,
	.validate = svc_validate,
};

/* ---- running ----------------------------------------------------------- */

/* A replica's requests under discipline ps, and the timer of the next
 * to leave. */
struct shared {
	struct psq q;
	struct sim_timer t;
};

/* Statistics since warm-up, for the node or one replica.  What every
 * request changes comes first, up to the queue's average: with a
 * replica's own fields before them, 128 bytes, two cache lines (struct
 * replica), where a balancer over 10^5 replicas picks one at random for
 * each request and its lines are seldom cached. */
struct svc_stats {
	uint64_t arrivals, started, completed, waited;
	double wait_sum_ns, resid_sum_ns;   /* double: no overflow on long runs */
	struct twa busy;       /* workers holding a request */
	struct twa queued;     /* requests waiting */
	uint64_t rejected, failed, shed;
	uint64_t orphans;      /* served after their caller stopped waiting */
	uint64_t cancelled;    /* dropped unstarted: their caller cancelled */
	double orphan_busy_ns; /* the service time spent on them */
	struct twa capacity;   /* workers of the replicas that count (below) */
	struct twa calling;    /* workers waiting on calls */
};

/* A replica, aligned to a cache line: what a request on the plain path
 * touches is its first two lines (busy, the queue, and the statistics'
 * first fields).  A rate limit (bucket), a list of what the workers hold
 * (held) and calls (st.calling) each add a line when a service has
 * them. */
struct replica {
	uint32_t busy;
	uint32_t qlen;
	struct request *head, *tail;     /* waiting, FIFO */
	struct svc_stats st;             /* when the node has several */
	struct token_bucket bucket;      /* rate_limit */
	int counted;                     /* its workers count as capacity: up,
					  * and taking requests or still
					  * finishing what it holds */
	struct request *held;            /* held by its workers (HELD_LIST),
					  * or waiting on calls (HELD_SCAN) */
} __attribute__((aligned(64)));
_Static_assert(offsetof(struct replica, st.queued.area) + sizeof(double) <= 128,
	       "what a request on the plain path touches of a replica fits its first two lines");

struct service {
	const struct service_cfg *cfg;
	struct replica *rep;             /* [units] */
	uint32_t units;                  /* allotted */
	uint32_t active;                 /* taking new requests (scale) */
	uint32_t rr;                     /* round-robin cursor */
	int track;                       /* HELD_*: keep what each replica
					  * holds, for a crash or a drain's end
					  * to fail */
	double inv_speed;
	int stretch;                     /* contention or pauses: a service's
					  * end is not its start + demand */
	uint16_t done_kind;              /* the event of a service's end:
					  * SVC_EV_DONE, SVC_EV_DONE_CLASS
					  * where each class's are counted, or
					  * SVC_EV_PLAIN on the plain path */
	struct svc_stats tot;
	double ts_prev[4];               /* integrals at the last sample */
	int64_t ts_prev_ns;
	int32_t brk;                     /* the first breaker on its calls, or -1 */
	double brk_prev;                 /* its level's integral at the last sample */
	/* the replica count (set_spec): spec = active + starting */
	uint32_t spec, starting;
	struct sim_timer *start_t;       /* [units] starting replicas' timers:
					  * start-up, then registration */
	int64_t *start_at;               /* [units] when each was added */
	int64_t *up_at;                  /* [units] when one registering came
					  * up (INT64_MAX: still starting) */
	int64_t *ready_since;            /* [units] when it last began taking requests */
	uint32_t *drain_gen;             /* [units] a drain's deadline is void
					  * once this moves on */
	uint8_t *phase;                  /* [units] PH_*, for the counts */
	uint32_t nready, ndraining;      /* up and taking requests; draining */
	struct twa reps[4];              /* spec, nready, starting, ndraining:
					  * from time 0, for the time series */
	struct twa billed;               /* spec + ndraining, since warm-up */
	double reps_prev[4];             /* reps' integrals at the last sample */
	uint64_t ups, downs, cut, flaps; /* since warm-up */
	int last_dir;                    /* the last change: +1 up, -1 down */
	int64_t last_change_ns;
	gsl_rng *rng;                    /* startup draws */
	struct codel *codel;             /* [units] with discipline codel */
	struct shared *ps;               /* [units] with discipline ps */
	struct pauses *pz;               /* [units], or [1] synchronized:
					  * with pauses */
	struct request **plast;          /* [units][SIM_PRIORITIES] with
					  * discipline priority: each class's
					  * last in the queue */
	uint32_t *inserv;                /* [units][SIM_PRIORITIES] with
					  * preemptive priority: each class's
					  * requests in service */

	/* the version served (a rollout's new one once it is over): demands
	 * are drawn from dist at speed 1 / inv_speed; new replicas start in
	 * a draw of startup */
	const struct dist *dist, *startup;
	/* a rollout in progress (roll not NULL): the replicas of the new
	 * version up and taking requests are nnew of those, and the first
	 * nnew slots draw from its version (see roll_step) */
	const struct tl_entry *roll, *roll_next;
	uint32_t nnew, roll_target;
	const struct dist *roll_dist, *roll_startup;
	double roll_inv_speed;
	int64_t roll_start_ns;
	uint32_t roll_stepno;            /* the canary step reached for, or
					  * nsteps: all */
	int roll_paused;                 /* holding a step (SVC_EV_STEP due) */
	uint32_t roll_up;                /* new replicas up and still in their
					  * registration_delay: available to
					  * the controller, as a Ready pod is */
	int in_roll;                     /* roll_step is running: a replica
					  * ready meanwhile leaves it to go on */
	uint64_t rollouts;               /* ended in the measured window, */
	double rollout_s;                /* taking this long in all */
	struct twa ready_w;              /* nready, since warm-up */
	uint32_t ready_min;              /* the fewest ready since warm-up */

	/* with discovery: the registry and its callers' view (reg.cfg NULL
	 * without) */
	struct registry reg;

	/* the autoscaler, when the node has one */
	struct as_state as;
	double *mprev;                   /* [units] the cumulative metric at
					  * the last reading */
};

enum { PH_NONE, PH_READY, PH_DRAIN };

/* What a replica's workers hold is kept when something may fail it: as a
 * list of every request it holds (a timeline crash or scale), or, for an
 * autoscaled node, a list of those waiting on calls alone: the ones in
 * service are found when they must fail, at a drain's end or a crash, by
 * their end-of-service events (sim_each_pending).  A drain's end is rare
 * and a request's start and end are not, so the autoscaler costs each
 * request nothing. */
enum { HELD_NONE, HELD_LIST, HELD_SCAN };

/* The statistics a change at replica r touches: the node's, and r's own
 * when there are several.  STAT(sv, r, expr) applies expr to both, with
 * `st` naming each in turn. */
#define STAT(sv, r, body)                                          \
	do {                                                       \
		struct svc_stats *st = &(sv)->tot;                 \
		body;                                              \
		if ((sv)->units > 1) {                             \
			st = &(sv)->rep[r].st;                     \
			body;                                      \
		}                                                  \
	} while (0)

static void stats_start(struct svc_stats *st, int64_t now, double cap)
{
	memset(st, 0, sizeof *st);
	twa_init(&st->busy, now, 0);
	twa_init(&st->capacity, now, cap);
	twa_init(&st->queued, now, 0);
	twa_init(&st->calling, now, 0);
}

static void stats_restart(struct svc_stats *st, int64_t now)
{
	st->arrivals = st->completed = st->rejected = st->failed = 0;
	st->started = st->waited = st->shed = st->orphans = st->cancelled = 0;
	st->wait_sum_ns = st->resid_sum_ns = st->orphan_busy_ns = 0;
	twa_restart(&st->busy, now);
	twa_restart(&st->capacity, now);
	twa_restart(&st->queued, now);
	twa_restart(&st->calling, now);
}

static int scaling_init(struct sim *s, struct sim_node *n, struct service *sv);
static void svc_arrive_zoned(struct sim *s, struct sim_node *n, struct request *req);
static void svc_arrive(struct sim *s, struct sim_node *n, struct request *req);
static void svc_arrive_plain(struct sim *s, struct sim_node *n, struct request *req);
static int plain_ok(const struct sim *s, const struct sim_node *n, const struct service *sv);

static int svc_init(struct sim *s, struct sim_node *n)
{
	const struct service_cfg *c = n->sc->cfg;
	struct service *sv = calloc(1, sizeof *sv);
	n->state = sv;
	if (!sv)
		return SIM_ENOMEM;
	sv->cfg = c;
	if (n->zone)
		n->arrive = svc_arrive_zoned;
	sv->inv_speed = 1.0 / c->speed;
	sv->dist = &c->service;
	sv->startup = &c->startup;
	sv->stretch = c->contention > 0 || c->pauses.given;
	sv->units = n->units;
	sv->active = c->replicas;
	/* the held lists: a crash, or the end of a drain, fails them */
	sv->track = c->as.given ? HELD_SCAN : HELD_NONE;
	for (size_t i = 0; i < s->sc->ntimeline && !c->as.given; i++)
		if (s->sc->timeline[i].node == n->id &&
		    (s->sc->timeline[i].action == TL_CRASH ||
		     s->sc->timeline[i].action == TL_SCALE ||
		     s->sc->timeline[i].action == TL_KIND))
			sv->track = HELD_LIST;
	sv->brk = -1;
	for (size_t i = 0; i < c->calls.nedges && sv->brk < 0; i++)
		if (c->calls.edges[i].policy)
			sv->brk = c->calls.edges[i].policy->breaker;
	/* aligned as the type says (calloc's are to 16 bytes); units >= 1
	 * (run.c) */
	assert(sv->units > 0);
	sv->rep = aligned_alloc(_Alignof(struct replica), sv->units * sizeof *sv->rep);
	if (!sv->rep)
		return SIM_ENOMEM;
	memset(sv->rep, 0, sv->units * sizeof *sv->rep);
	if (c->discipline == DISC_PRIORITY &&
	    !(sv->plast = calloc((size_t)sv->units * SIM_PRIORITIES, sizeof *sv->plast)))
		return SIM_ENOMEM;
	sv->done_kind = SVC_EV_DONE;
	if (c->preemptive && c->discipline == DISC_PRIORITY) {
		sv->track = HELD_LIST;   /* a victim is found among what it holds */
		if (!(sv->inserv = calloc((size_t)sv->units * SIM_PRIORITIES, sizeof *sv->inserv)))
			return SIM_ENOMEM;
		sv->done_kind = SVC_EV_DONE_CLASS;
	}
	if (c->discipline == DISC_PS) {
		if (!(sv->ps = calloc(sv->units, sizeof *sv->ps)))
			return SIM_ENOMEM;
		for (uint32_t r = 0; r < sv->units; r++)
			psq_init(&sv->ps[r].q, c->workers, s->now_ns);
		/* what it serves is in its set: a list keeps the calling alone */
		if (sv->track == HELD_LIST)
			sv->track = HELD_SCAN;
	}
	if (c->pauses.given) {
		uint32_t k = c->pauses.synchronized ? 1 : sv->units;
		if (!(sv->pz = calloc(k, sizeof *sv->pz)))
			return SIM_ENOMEM;
		uint64_t base = rng_key(rng_key(s->run_key, 0x7061757365ull /* "pause" */), n->id);
		for (uint32_t r = 0; r < k; r++)
			pauses_init(&sv->pz[r], rng_key(base, r));
	}
	if (c->discipline == DISC_CODEL) {
		if (!(sv->codel = calloc(sv->units, sizeof *sv->codel)))
			return SIM_ENOMEM;
		for (uint32_t r = 0; r < sv->units; r++)
			codel_init(&sv->codel[r], s->now_ns);
	}
	stats_start(&sv->tot, s->now_ns, (double)sv->active * c->workers);
	for (uint32_t r = 0; r < sv->units; r++) {
		sv->rep[r].counted = r < sv->active;
		stats_start(&sv->rep[r].st, s->now_ns,
			    r < sv->active ? (double)c->workers : 0);
	}
	int rc = scaling_init(s, n, sv);
	if (!rc && plain_ok(s, n, sv)) {
		n->arrive = svc_arrive_plain;
		sv->done_kind = SVC_EV_PLAIN;
	}
	return rc;
}

/* reps_note records the replica counts' new values at now. */
static void reps_note(struct sim *s, struct service *sv)
{
	int64_t now = s->now_ns;
	twa_set(&sv->reps[0], now, sv->spec);
	twa_set(&sv->reps[1], now, sv->nready);
	twa_set(&sv->reps[2], now, sv->starting);
	twa_set(&sv->reps[3], now, sv->ndraining);
	twa_set(&sv->billed, now, (double)sv->spec + sv->ndraining);
	twa_set(&sv->ready_w, now, sv->nready);
	if (s->measuring && sv->nready < sv->ready_min)
		sv->ready_min = sv->nready;
}

static void phase_set(struct sim *s, struct service *sv, uint32_t r, uint8_t ph)
{
	uint8_t was = sv->phase[r];
	sv->nready += (ph == PH_READY) - (was == PH_READY);
	sv->ndraining += (ph == PH_DRAIN) - (was == PH_DRAIN);
	sv->phase[r] = ph;
	reps_note(s, sv);
}

/* recount decides again whether replica r's workers count as capacity,
 * for utilisation: a replica that is down does not; one that no longer
 * takes requests (scaled away) counts while it finishes what it holds, so
 * that its busy workers never exceed its capacity. */
static void recount(struct sim *s, struct sim_node *n, struct service *sv,
		    uint32_t r)
{
	struct replica *rp = &sv->rep[r];
	int down = sim_unit_down(n, r);
	uint8_t ph = down ? PH_NONE : r < sv->active ? PH_READY :
		rp->busy > 0 || rp->qlen > 0 ? PH_DRAIN : PH_NONE;
	if (ph != sv->phase[r])
		phase_set(s, sv, r, ph);
	int want = !down && (r < sv->active || rp->busy > 0);
	if (want == rp->counted)
		return;
	rp->counted = want;
	double w = want ? sv->cfg->workers : -(double)sv->cfg->workers;
	STAT(sv, r, twa_add(&st->capacity, s->now_ns, w));
}

static void svc_fini(struct sim *s, struct sim_node *n)
{
	struct service *sv = n->state;
	if (!sv)
		return;
	/* requests still held belong to the pool, which the engine frees */
	reg_fini(&sv->reg);
	free(sv->rep);
	free(sv->start_t);
	free(sv->start_at);
	free(sv->up_at);
	free(sv->codel);
	for (uint32_t r = 0; sv->ps && r < sv->units; r++)
		psq_fini(&sv->ps[r].q);
	free(sv->ps);
	for (uint32_t r = 0; sv->pz && r < (sv->cfg->pauses.synchronized ? 1 : sv->units); r++)
		pauses_fini(&sv->pz[r]);
	free(sv->pz);
	free(sv->plast);
	free(sv->inserv);
	free(sv->ready_since);
	free(sv->drain_gen);
	free(sv->phase);
	free(sv->mprev);
	if (sv->rng)
		gsl_rng_free(sv->rng);
	as_state_fini(&sv->as);
	free(sv);
	n->state = NULL;
}

/* reject ends req, which replica r has no room for (a full queue, the
 * rate limit), as rejected. */
static void reject(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		   struct request *req)
{
	STAT(sv, r, st->rejected++);
	sim_fail(s, req, REQ_REJECTED, n->id);
}

/* drop_given_up ends req, whose caller gave it up before replica r
 * started it, unserved: counted in cancelled. */
static void drop_given_up(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
			  struct request *req)
{
	STAT(sv, r, st->cancelled++);
	sim_fail(s, req, REQ_SHED, n->id);
}

/* stretched_end says when the service of demand d begun now at replica
 * r ends, with `contention` (the other busy workers slow it) or `pauses`
 * (it stalls while the replica is paused).  Out of line: a service
 * without either never calls it. */
static __attribute__((noinline)) int64_t stretched_end(struct sim *s, struct service *sv,
						       uint32_t r, int64_t d)
{
	const struct service_cfg *c = sv->cfg;
	if (c->contention > 0) {
		double x = (double)d * (1 + c->contention * (sv->rep[r].busy - 1));
		d = x < (double)(INT64_MAX / 4) ? (int64_t)x : INT64_MAX / 4;
	}
	if (!sv->pz)
		return s->now_ns + d;
	struct pauses *p = &sv->pz[c->pauses.synchronized ? 0 : r];
	int64_t end = pause_stretch(p, &c->pauses, s->draw, s->now_ns, d, s->end_ns);
	if (end < 0) {
		s->oom = 1;
		return s->now_ns + d;
	}
	return end;
}

/* note_started counts a worker of replica r taken, at now, by req, which
 * waited here since its arrival.  With `pass` (a constant at each call)
 * the worker passes to req at once from the request it has just served:
 * release()'s busy - 1 and a start's busy + 1 at one instant leave the
 * count as it was and its average brought up to now, which is what is
 * done (twa_touch), in one step. */
static inline __attribute__((always_inline)) void
note_started(struct service *sv, uint32_t r, const struct request *req, int64_t now, int pass)
{
	int64_t wait = now - req->node_arrival_ns;
	if (!pass)
		sv->rep[r].busy++;
	STAT(sv, r, {
		if (pass)
			twa_touch(&st->busy, now);
		else
			twa_add(&st->busy, now, 1);
		st->started++;
		st->waited += wait > 0;
		st->wait_sum_ns += (double)wait;
	});
}

/* note_freed counts a worker of replica r freed at now, with no request
 * waiting there to take it. */
static inline __attribute__((always_inline)) void
note_freed(struct service *sv, uint32_t r, int64_t now)
{
	sv->rep[r].busy--;
	STAT(sv, r, twa_add(&st->busy, now, -1));
}

/* start_at starts req's service at replica r (pass: note_started's). */
static inline __attribute__((always_inline)) void
start_at(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r, struct request *req,
	 int pass)
{
	int64_t now = s->now_ns;
	if (sv->track == HELD_LIST)
		held_add(&sv->rep[r].held, req);
	note_started(sv, r, req, now, pass);
	int64_t d = __builtin_expect(r < sv->nnew, 0) ?
		    sim_demand_ns(s, n, r, req, sv->roll_dist, sv->roll_inv_speed) :
		    sim_demand_ns(s, n, r, req, sv->dist, sv->inv_speed);
	int64_t end = __builtin_expect(sv->stretch, 0) ? stretched_end(s, sv, r, d) : now + d;
	req->seq = (uint64_t)now;        /* its service's start (seq is free
					  * until the request is a reply) */
	req->timer = sim_timer_set(s, end, n->id, sv->done_kind, req, r);
}

static void start(struct sim *s, struct sim_node *n, struct service *sv,
		  uint32_t r, struct request *req)
{
	start_at(s, n, sv, r, req, 0);
}

/* start_passed is start() by a worker passing at once from the request
 * it served (release): its busy count unchanged. */
static void start_passed(struct sim *s, struct sim_node *n, struct service *sv,
			 uint32_t r, struct request *req)
{
	start_at(s, n, sv, r, req, 1);
}

/* queue_pop_head takes the oldest waiting request from replica rp's
 * queue, which is not empty. */
static inline struct request *queue_pop_head(struct replica *rp)
{
	struct request *q = rp->head;
	rp->head = q->next;
	if (!rp->head)
		rp->tail = NULL;
	return q;
}

/* take_newest removes the request replica rp serves next under lifo or
 * adaptive_lifo: the newest, or the oldest below the threshold; but with
 * max_queue_wait, first the oldest once it has waited longer (HHVM's job
 * queue looks at its front first), for release to drop.  Out of line:
 * first come, first served only takes the head. */
static struct request *take_newest(const struct service_cfg *c, struct replica *rp, int64_t now)
{
	struct request *q = rp->head;
	int newest = c->discipline == DISC_LIFO || rp->qlen - 1 >= c->lifo_threshold;
	if (newest && !(c->max_wait_ns && now - q->node_arrival_ns > c->max_wait_ns) &&
	    rp->tail != q) {
		q = rp->tail;
		rp->tail = q->hprev;     /* not the head: its back link holds */
		rp->tail->next = NULL;
		return q;
	}
	return queue_pop_head(rp);
}

/* past_deadline says whether, under discipline deadline, req's caller no
 * longer waits for it.  Out of line: an arrival's path stays short. */
static __attribute__((noinline)) int past_deadline(struct sim *s, const struct service *sv,
						   const struct request *req)
{
	return sv->cfg->discipline == DISC_DEADLINE && (req->call || req->via) &&
	       sim_request_orphan(s, req);
}

/* startable says whether q, just taken from replica r's queue, is to be
 * served: one whose caller gave it up, or that waited longer than
 * max_queue_wait or (when `ordered`, the disciplines' path) than CoDel
 * allows, is dropped as shed instead. */
static inline int startable(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
			    struct request *q, int64_t now, int ordered)
{
	const struct service_cfg *c = sv->cfg;
	if (q->cancelled || (ordered && past_deadline(s, sv, q))) {
		/* its caller gave it up: not started */
		drop_given_up(s, n, sv, r, q);
		return 0;
	}
	if ((c->max_wait_ns && now - q->node_arrival_ns > c->max_wait_ns) ||
	    (ordered && sv->codel &&
	     codel_drops(&sv->codel[r], &c->codel, now, now - q->node_arrival_ns))) {
		/* waited too long: dropped, and the next one is looked at */
		STAT(sv, r, st->shed++);
		sim_fail(s, q, REQ_SHED, n->id);
		return 0;
	}
	return 1;
}

/* resume starts again, at replica r, the service of req, stopped by a
 * preemption with req->seq of its demand left; its wait was counted
 * when it first started. */
static void resume(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		   struct request *req)
{
	int64_t now = s->now_ns, left = (int64_t)req->seq;
	int64_t wait = now - (int64_t)req->timer.seq, served = (int64_t)req->waiting;
	sv->rep[r].busy++;
	held_add(&sv->rep[r].held, req);
	STAT(sv, r, {
		twa_add(&st->busy, now, 1);
		st->wait_sum_ns += (double)wait;
	});
	req->preempted = 0;
	req->waiting = 0;
	req->seq = (uint64_t)(now - served);     /* as if served since then */
	req->timer = sim_timer_set(s, now + left, n->id, SVC_EV_DONE_CLASS, req, r);
}

/* unpreempt clears what a preempted request, failed while it waits,
 * keeps in fields that mean something else elsewhere. */
static inline void unpreempt(struct request *req)
{
	if (req->preempted)
		req->preempted = 0, req->waiting = 0;
}

/* start_ordered starts req at replica r under a discipline other than
 * fifo: afresh, or where a preemption stopped it. */
static void start_ordered(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
			  struct request *req)
{
	if (req->preempted)
		resume(s, n, sv, r, req);
	else
		start(s, n, sv, r, req);
	if (sv->inserv)
		sv->inserv[(size_t)r * SIM_PRIORITIES + req->prio]++;
}

/* enqueue_by_priority queues req at replica r behind every waiting
 * request of its class or a lower-numbered one, before the others: the
 * queue stays in the order it is served in, each class first come first
 * served, and finding the place looks at SIM_PRIORITIES classes at most. */
static __attribute__((noinline)) void enqueue_by_priority(struct service *sv, uint32_t r,
							   struct request *req)
{
	struct replica *rp = &sv->rep[r];
	struct request **last = &sv->plast[(size_t)r * SIM_PRIORITIES];
	struct request *after = NULL;
	for (int k = req->prio; k >= 0 && !after; k--)
		after = last[k];
	if (after) {
		req->next = after->next;
		after->next = req;
	} else {
		req->next = rp->head;
		rp->head = req;
	}
	if (!req->next)
		rp->tail = req;
	last[req->prio] = req;
}

/* serve_next counts a worker of replica r freed and starts its next
 * request, under a discipline other than fifo, and says whether there
 * was one to start; out of line, so that the default keeps release
 * short.  Under ps there is nothing to start: the set counts its own. */
static int serve_next(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		       int64_t now)
{
	struct replica *rp = &sv->rep[r];
	const struct service_cfg *c = sv->cfg;
	if (sv->ps)
		return 0;                /* its set counts what it serves */
	STAT(sv, r, twa_add(&st->busy, now, -1));
	while (rp->head) {
		struct request *q;
		if (c->discipline == DISC_LIFO || c->discipline == DISC_ADAPTIVE_LIFO) {
			q = take_newest(c, rp, now);
		} else {
			q = queue_pop_head(rp);
			if (sv->plast && sv->plast[r * SIM_PRIORITIES + q->prio] == q)
				sv->plast[r * SIM_PRIORITIES + q->prio] = NULL;
		}
		rp->qlen--;
		STAT(sv, r, twa_add(&st->queued, now, -1));
		if (q->preempted || startable(s, n, sv, r, q, now, 1)) {
			start_ordered(s, n, sv, r, q);
			return 1;
		}
	}
	return 0;
}

/* release frees the worker holding req at replica r and starts the next
 * waiting request. */
static void release(struct sim *s, struct sim_node *n, struct service *sv,
		    uint32_t r, struct request *req)
{
	struct replica *rp = &sv->rep[r];
	int64_t now = s->now_ns;
	if (sv->track == HELD_LIST)
		held_remove(&sv->rep[r].held, req);
	if (__builtin_expect(sv->cfg->discipline != DISC_FIFO, 0)) {
		rp->busy--;
		if (serve_next(s, n, sv, r, now))
			return;
	} else {
		/* the worker goes at once to the first waiting request that
		 * may start (start_passed: its busy count stays), or is
		 * freed; what a drop reads (startable) is neither count */
		while (rp->head) {
			struct request *q = queue_pop_head(rp);
			rp->qlen--;
			STAT(sv, r, twa_add(&st->queued, now, -1));
			if (!startable(s, n, sv, r, q, now, 0))
				continue;
			start_passed(s, n, sv, r, q);
			return;
		}
		note_freed(sv, r, now);
	}
	if (r >= sv->active && !rp->busy)
		recount(s, n, sv, r);    /* a replica scaled away, now idle */
}

/* fail ends req, which replica r no longer holds, with `status`, arisen
 * at node `at` (this node, or a callee). */
static void fail(struct sim *s, struct service *sv, uint32_t r,
		 struct request *req, int status, uint32_t at)
{
	STAT(sv, r, st->failed++);
	sim_fail(s, req, status, at);
}

/* queue_append puts req at the tail of replica rp's queue.  The queue
 * runs oldest (head) to newest (tail); hprev, free while a request waits,
 * links back for the disciplines that take the newest. */
static inline void queue_append(struct replica *rp, struct request *req)
{
	req->next = NULL;
	req->hprev = rp->tail;
	if (rp->tail)
		rp->tail->next = req;
	else
		rp->head = req;
	rp->tail = req;
}

/* wait_or_reject queues req at replica r, whose workers are all busy,
 * or rejects it when the queue is full; `ordered` (a constant at each
 * call) says whether a discipline may keep its own order. */
static inline void wait_or_reject(struct sim *s, struct sim_node *n, struct service *sv,
				  uint32_t r, struct request *req, int ordered)
{
	const struct service_cfg *c = sv->cfg;
	struct replica *rp = &sv->rep[r];
	if (c->queue < 0 || rp->qlen < (uint64_t)c->queue) {
		if (ordered && sv->plast)
			enqueue_by_priority(sv, r, req);
		else
			queue_append(rp, req);
		rp->qlen++;
		STAT(sv, r, twa_add(&st->queued, s->now_ns, 1));
	} else {
		reject(s, n, sv, r, req);
	}
}

/* ps_rearm sets replica r's timer for the next to leave its set. */
static void ps_rearm(struct sim *s, struct sim_node *n, struct shared *p, uint32_t r)
{
	sim_timer_cancel(&p->t);
	int64_t at = psq_next_ns(&p->q);
	if (at != INT64_MAX) {
		p->t = sim_timer_set(s, at, n->id, SVC_EV_PS, NULL, r);
		s->oom |= !p->t.ev;
	}
}

/* ps_count counts a request joining (d = 1) or leaving (d = -1) replica
 * r's set, where it is the k-th present: the first `workers` are busy
 * workers, the others are counted as waiting, so that busy_mean plus
 * queue_len_mean is the number served at once. */
static void ps_count(struct service *sv, uint32_t r, uint32_t k, int64_t now, int d)
{
	if (k <= sv->cfg->workers)
		STAT(sv, r, twa_add(&st->busy, now, d));
	else
		STAT(sv, r, twa_add(&st->queued, now, d));
}

/* ps_arrive: req joins replica r's set under discipline ps, or is
 * rejected when the replica holds workers + queue already. */
static void ps_arrive(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		      struct request *req)
{
	const struct service_cfg *c = sv->cfg;
	struct replica *rp = &sv->rep[r];
	int64_t now = s->now_ns;
	if (c->queue >= 0 && rp->busy >= c->workers + (uint64_t)c->queue) {
		reject(s, n, sv, r, req);
		return;
	}
	int64_t d = r < sv->nnew ? sim_demand_ns(s, n, r, req, sv->roll_dist, sv->roll_inv_speed) :
				   sim_demand_ns(s, n, r, req, sv->dist, sv->inv_speed);
	struct shared *p = &sv->ps[r];
	if (psq_add(&p->q, now, d, req)) {
		s->oom = 1;
		return;
	}
	rp->busy++;
	req->seq = (uint64_t)d;          /* its demand, for orphan_busy_s */
	STAT(sv, r, st->started++);
	ps_count(sv, r, p->q.n, now, 1);
	ps_rearm(s, n, p, r);
}

/* preempt gives req, which found every worker of replica r busy, the
 * worker of one in service of a later class, when there is one and the
 * queue has room for it, and says whether it did.  The one stopped is of
 * the latest class, and of it the latest started (the least served so
 * far, on average); it waits at the head of its class and resumes with
 * what it had left.  Each class's requests in service are counted (their
 * ends are events of their own kind, so that no other service pays for
 * the count), and what the replica holds is looked through only when one
 * is to be stopped. */
static int preempt(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		   struct request *req)
{
	const struct service_cfg *c = sv->cfg;
	struct replica *rp = &sv->rep[r];
	uint32_t *count = &sv->inserv[(size_t)r * SIM_PRIORITIES];
	int k = SIM_PRIORITIES - 1;
	while (k > req->prio && !count[k])
		k--;
	if (k <= req->prio || (c->queue >= 0 && rp->qlen >= (uint64_t)c->queue))
		return 0;
	struct request *v = NULL;
	for (struct request *h = rp->held; h; h = h->hnext)
		if (h->prio == k && !h->waiting && h->timer.ev && (!v || h->seq > v->seq))
			v = h;
	assert(v);
	int64_t now = s->now_ns;
	int64_t left = v->timer.ev->time_ns - now;
	sim_timer_cancel(&v->timer);
	held_remove(&sv->rep[r].held, v);
	rp->busy--;
	count[k]--;
	STAT(sv, r, twa_add(&st->busy, now, -1));
	/* while it waits, three fields hold where it stopped: seq the
	 * demand left, timer.seq when it stopped (for its wait), waiting
	 * (0 while no call is made) how long it was served */
	v->preempted = 1;
	v->waiting = (uint64_t)(now - (int64_t)v->seq);
	v->timer.seq = (uint64_t)now;
	v->seq = (uint64_t)left;
	/* at the head of its class: behind the last of an earlier one */
	struct request **last = &sv->plast[(size_t)r * SIM_PRIORITIES];
	struct request *after = NULL;
	for (int j = k - 1; j >= 0 && !after; j--)
		after = last[j];
	struct request **at = after ? &after->next : &rp->head;
	v->next = *at;
	*at = v;
	if (!v->next)
		rp->tail = v;
	if (!last[k])
		last[k] = v;
	rp->qlen++;
	STAT(sv, r, twa_add(&st->queued, now, 1));
	start_ordered(s, n, sv, r, req);
	return 1;
}

/* arrive_ordered: req reaches replica r of a service with a discipline
 * other than fifo, past the checks every arrival makes.  Out of line, so
 * that the default's arrival stays short. */
static __attribute__((noinline)) void arrive_ordered(struct sim *s, struct sim_node *n,
						     struct service *sv, uint32_t r,
						     struct request *req)
{
	const struct service_cfg *c = sv->cfg;
	struct replica *rp = &sv->rep[r];
	if (sv->ps) {
		ps_arrive(s, n, sv, r, req);
	} else if (past_deadline(s, sv, req)) {
		/* its caller gave it up on its way here */
		drop_given_up(s, n, sv, r, req);
	} else if (rp->busy < c->workers) {
		if (sv->codel)
			codel_drops(&sv->codel[r], &c->codel, s->now_ns, 0);  /* dequeued at once */
		start_ordered(s, n, sv, r, req);
	} else if (!sv->inserv || !preempt(s, n, sv, r, req)) {
		wait_or_reject(s, n, sv, r, req, 1);
	}
}

/* pick: the replica req goes to: the one chosen upstream, or the next in
 * turn. */
static inline uint32_t pick(struct service *sv, const struct request *req)
{
	uint32_t r = req->replica;
	if (r == SIM_ANY) {
		if (sv->rr >= sv->active)
			sv->rr = 0;
		r = sv->rr++;
	}
	/* a replica that does not exist is a bug upstream, not a choice */
	assert(r < sv->units);
	return r;
}

static inline __attribute__((always_inline)) void arrive_at(struct sim *s, struct sim_node *n, struct service *sv,
			     uint32_t r, struct request *req);

/* unlisted: req's callers could not reach a replica by their view of the
 * registry: none listed (status REQ_NO_BACKEND, as a balancer with no
 * backend fails it), or the one they knew gone (REQ_CRASHED). */
static void unlisted(struct sim *s, struct sim_node *n, struct service *sv, struct request *req,
		     int status)
{
	sv->tot.arrivals++;
	sv->tot.failed++;
	sim_fail(s, req, status, n->id);
}

static void svc_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct service *sv = n->state;
	arrive_at(s, n, sv, pick(sv, req), req);
}

/* arrive_placed is arrive_at for the arrivals of services placed in
 * zones or found by discovery: out of line, so that the common arrival
 * above keeps its inlined path (a third copy of it costs that path its
 * own inlining). */
static __attribute__((noinline)) void arrive_placed(struct sim *s, struct sim_node *n,
						    struct service *sv, uint32_t r,
						    struct request *req)
{
	arrive_at(s, n, sv, r, req);
}

/* svc_arrive_listed is the arrival of a service with discovery: a
 * request no balancer has placed goes to the next replica of its
 * callers' view (registry.h).  Its own function, as the zones' is. */
static void svc_arrive_listed(struct sim *s, struct sim_node *n, struct request *req)
{
	struct service *sv = n->state;
	int gone = 0;
	uint32_t r = req->replica == SIM_ANY ? reg_pick(&sv->reg, &gone) : req->replica;
	if (r == UINT32_MAX || gone) {
		unlisted(s, n, sv, req, gone ? REQ_CRASHED : REQ_NO_BACKEND);
		return;
	}
	if (sim_zone_hop(s, n, r, req))
		return;                  /* here again after the hop's delay */
	arrive_placed(s, n, sv, r, req);
}

/* svc_arrive_zoned is the arrival of a service placed in zones: the hop
 * to the replica's zone is paid first (sim_zone_hop).  Its own function,
 * so that an arrival elsewhere does not test for zones. */
static void svc_arrive_zoned(struct sim *s, struct sim_node *n, struct request *req)
{
	struct service *sv = n->state;
	uint32_t r = pick(sv, req);
	if (sim_zone_hop(s, n, r, req))
		return;                  /* here again after the hop's delay */
	arrive_placed(s, n, sv, r, req);
}

/* arrive_at: req reaches replica r. */
static inline __attribute__((always_inline)) void arrive_at(struct sim *s, struct sim_node *n, struct service *sv,
			     uint32_t r, struct request *req)
{
	const struct service_cfg *c = sv->cfg;
	req->replica = r;
	STAT(sv, r, st->arrivals++);
	if (req->cancelled) {
		/* given up on its way here (a delay, a relay) */
		drop_given_up(s, n, sv, r, req);
		return;
	}
	if (sim_unit_down(n, r) ||
	    (__builtin_expect(r >= sv->active, 0) && sv->phase[r] != PH_DRAIN)) {
		/* down; or removed, and gone, while it was on its way here
		 * (a hop between zones, a `latency` fault): refused, as a
		 * deleted pod's address refuses a connection */
		fail(s, sv, r, req, REQ_CRASHED, n->id);
		return;
	}
	struct replica *rp = &sv->rep[r];
	if (c->rate_limit.given && !token_take(&rp->bucket, &c->rate_limit, s->now_ns)) {
		reject(s, n, sv, r, req);
		return;
	}
	if (__builtin_expect(c->discipline != DISC_FIFO, 0)) {
		arrive_ordered(s, n, sv, r, req);
	} else if (rp->busy < c->workers) {
		start(s, n, sv, r, req);
	} else {
		wait_or_reject(s, n, sv, r, req, 0);
	}
}

/* route_on sends req, served here, on by `next:` and says 1, or says 0
 * when it goes nowhere (it then ends). */
static inline __attribute__((always_inline)) int
route_on(struct sim *s, const struct service_cfg *c, struct request *req)
{
	if (!c->nnext)
		return 0;
	double u = rng_uniform_pos(sim_draws(s, req, SIM_DRAW_ROUTE));
	for (size_t i = 0; i < c->nnext; i++) {
		if (u < c->next[i].cum) {
			sim_forward(s, c->next[i].to, req);
			return 1;
		}
	}
	return 0;
}

/* note_orphan counts req, served at replica r, as served for nobody when
 * its caller stopped waiting: wasted work (seq holds its start, or under
 * ps (`shared`) its demand). */
static inline __attribute__((always_inline)) void
note_orphan(struct sim *s, struct service *sv, uint32_t r, const struct request *req, int shared)
{
	if ((req->call || req->via) && s->measuring && sim_request_orphan(s, req)) {
		double busy = shared ? (double)req->seq : (double)(s->now_ns - (int64_t)req->seq);
		STAT(sv, r, {
			st->orphans++;
			st->orphan_busy_ns += busy;
		});
	}
}

/* note_completed counts req's visit to replica r as completed, with its
 * time here. */
static inline __attribute__((always_inline)) void
note_completed(struct sim *s, struct service *sv, uint32_t r, const struct request *req)
{
	double resid = (double)(s->now_ns - req->node_arrival_ns);
	STAT(sv, r, {
		st->completed++;
		st->resid_sum_ns += resid;
	});
}

/* complete: req is done here; the worker is freed, then the request
 * moves on by `next:` or ends. */
static void complete(struct sim *s, struct sim_node *n, struct service *sv,
		     uint32_t r, struct request *req)
{
	const struct service_cfg *c = sv->cfg;
	note_completed(s, sv, r, req);
	release(s, n, sv, r, req);
	/* this node's state is settled: the request may now come back here */
	if (!route_on(s, c, req))
		sim_finish(s, req);
}

static void one_ready(struct sim *s, struct sim_node *n, struct service *sv);
static void drain_end(struct sim *s, struct sim_node *n, struct service *sv, uint64_t arg);
static void roll_step(struct sim *s, struct sim_node *n, struct service *sv);

/* scaling_event: a replica's start-up or drain ends (rare, out of the
 * end-of-service path). */
static void scaling_event(struct sim *s, struct sim_node *n,
						     struct event *ev)
{
	struct service *sv = n->state;
	uint32_t slot = (uint32_t)ev->arg;
	if (ev->kind == SVC_EV_READY && sv->cfg->register_ns > 0) {
		/* up: the balancers hear of it after the registration delay */
		sv->start_t[slot] = sim_timer_set(s, s->now_ns + sv->cfg->register_ns, n->id,
						  SVC_EV_REGISTER, NULL, slot);
		sv->up_at[slot] = s->now_ns;
		s->oom |= !sv->start_t[slot].ev;
		if (sv->roll) {
			/* Ready: the rollout counts it available */
			sv->roll_up++;
			roll_step(s, n, sv);
		}
	} else if (ev->kind == SVC_EV_READY || ev->kind == SVC_EV_REGISTER) {
		sv->start_t[slot].ev = NULL;
		sv->up_at[slot] = INT64_MAX;
		one_ready(s, n, sv);
	} else {
		drain_end(s, n, sv, ev->arg);
	}
}

/* served: replica r has served req (`shared`: under ps); its calls
 * follow, or it completes. */
static inline __attribute__((always_inline)) void
served(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r, struct request *req,
       int shared)
{
	note_orphan(s, sv, r, req, shared);
	if (sim_fault_errors(s, n, r, req)) {
		release(s, n, sv, r, req);
		fail(s, sv, r, req, REQ_ERROR, n->id);
		return;
	}
	if (sv->cfg->calls.nsteps && !req->cancelled &&
	    sim_calls_start(s, n, r, req, &sv->cfg->calls)) {
		STAT(sv, r, twa_add(&st->calling, s->now_ns, 1));
		if (sv->track == HELD_SCAN)
			held_add(&sv->rep[r].held, req);
		return;
	}
	complete(s, n, sv, r, req);
}

/* ps_done: the first of replica r's set has had its demand. */
static void ps_done(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r)
{
	struct shared *p = &sv->ps[r];
	p->t.ev = NULL;
	uint32_t k = p->q.n;
	struct request *req = psq_pop(&p->q, s->now_ns);
	ps_count(sv, r, k, s->now_ns, -1);
	ps_rearm(s, n, p, r);
	served(s, n, sv, r, req, 1);
}

/* ---- the plain path ------------------------------------------------------ */

/* A service with none of the features an arrival or a service's end
 * tests for (service_plain, service.h) runs this path: the same steps as
 * the general one, in the same order and with the same draws, less the
 * tests whose answer is fixed for the whole run.  Requests from callers
 * may still be given up, so those tests stay. */

int service_plain(const struct scenario *sc, uint32_t k)
{
	const struct sc_node *nd = &sc->nodes[k];
	if (nd->ops != &service_ops)
		return 0;
	const struct service_cfg *c = nd->cfg;
	if (nd->zone || c->discovery.given || c->discipline != DISC_FIFO || c->contention > 0 ||
	    c->pauses.given || c->rate_limit.given || c->max_wait_ns || c->calls.nsteps ||
	    c->as.given || (nd->max_units ? nd->max_units : 1) != c->replicas)
		return 0;
	for (size_t i = 0; i < sc->ntimeline; i++)
		if (sc->timeline[i].node == k)
			return 0;
	return 1;
}

/* plain_ok says whether node n, just set up, takes the plain path: what
 * service_plain says of its configuration, which the state made from it
 * bears out. */
static int plain_ok(const struct sim *s, const struct sim_node *n, const struct service *sv)
{
	if (!service_plain(s->sc, n->id))
		return 0;
	assert(n->arrive == svc_arrive && !n->faults && !sv->stretch && sv->track == HELD_NONE &&
	       sv->active == sv->units && sv->done_kind == SVC_EV_DONE);
	return 1;
}

/* plain_serve is the rest of start() on the plain path, once the
 * worker is counted taken: req's demand drawn and its end scheduled. */
static inline __attribute__((always_inline)) void
plain_serve(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
	    struct request *req, int64_t now)
{
	int64_t d = sim_demand_ns(s, n, r, req, sv->dist, sv->inv_speed);
	req->seq = (uint64_t)now;
	req->timer = sim_timer_set(s, now + d, n->id, SVC_EV_PLAIN, req, r);
}

/* plain_start is start() on the plain path. */
static void plain_start(struct sim *s, struct sim_node *n, struct service *sv,
			uint32_t r, struct request *req, int64_t now)
{
	note_started(sv, r, req, now, 0);
	plain_serve(s, n, sv, r, req, now);
}

/* plain_pass is plain_start for a worker that passes at once from the
 * request it served to req (note_started's `pass`). */
static void plain_pass(struct sim *s, struct sim_node *n, struct service *sv,
		       uint32_t r, struct request *req, int64_t now)
{
	note_started(sv, r, req, now, 1);
	plain_serve(s, n, sv, r, req, now);
}

/* svc_arrive_plain is arrive_at() on the plain path. */
static void svc_arrive_plain(struct sim *s, struct sim_node *n, struct request *req)
{
	struct service *sv = n->state;
	uint32_t r = pick(sv, req);
	req->replica = r;
	STAT(sv, r, st->arrivals++);
	if (req->cancelled)
		drop_given_up(s, n, sv, r, req);
	else if (sv->rep[r].busy < sv->cfg->workers)
		plain_start(s, n, sv, r, req, s->now_ns);
	else
		wait_or_reject(s, n, sv, r, req, 0);
}

/* plain_next gives replica r's worker, just done, to the first request
 * waiting there that was not given up (plain_pass), dropping those that
 * were: 1, or 0 when none waits. */
static inline __attribute__((always_inline)) int
plain_next(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r, int64_t now)
{
	struct replica *rp = &sv->rep[r];
	while (rp->head) {
		struct request *q = queue_pop_head(rp);
		rp->qlen--;
		STAT(sv, r, twa_add(&st->queued, now, -1));
		if (q->cancelled) {
			drop_given_up(s, n, sv, r, q);
			continue;
		}
		plain_pass(s, n, sv, r, q, now);
		return 1;
	}
	return 0;
}

/* plain_done is served(), complete() and release() on the plain path:
 * replica r has served req. */
static void plain_done(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		       struct request *req)
{
	const struct service_cfg *c = sv->cfg;
	int64_t now = s->now_ns;
	req->timer.ev = NULL;
	note_orphan(s, sv, r, req, 0);
	note_completed(s, sv, r, req);
	/* the worker goes to the first waiting request not given up, or is
	 * freed: release() frees it (busy - 1), then start() takes it
	 * (busy + 1), in one instant, and a given-up request's drop reads
	 * neither count */
	if (!plain_next(s, n, sv, r, now))
		note_freed(sv, r, now);
	if (!route_on(s, c, req))
		sim_finish_last(s, req);
}

static void svc_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct service *sv = n->state;
	if (__builtin_expect(ev->kind == SVC_EV_PLAIN, 1)) {
		plain_done(s, n, sv, (uint32_t)ev->arg, ev->obj);
		return;
	}
	if (ev->kind == SVC_EV_DONE) {
		struct request *req = ev->obj;
		req->timer.ev = NULL;
		served(s, n, sv, (uint32_t)ev->arg, req, 0);
	} else if (ev->kind == SVC_EV_DONE_CLASS) {
		struct request *req = ev->obj;
		req->timer.ev = NULL;
		sv->inserv[(size_t)ev->arg * SIM_PRIORITIES + req->prio]--;
		served(s, n, sv, (uint32_t)ev->arg, req, 0);
	} else if (ev->kind == SVC_EV_PS) {
		ps_done(s, n, sv, (uint32_t)ev->arg);
	} else if (ev->kind == SVC_EV_STEP) {
		/* a canary step held long enough: on to the next */
		sv->roll_paused = 0;
		sv->roll_stepno++;
		roll_step(s, n, sv);
	} else if (ev->kind == SVC_EV_SWEEP || ev->kind == SVC_EV_FETCH) {
		/* the registry's eviction sweep, or its callers' fetch, and
		 * the next one */
		const struct reg_cfg *g = &sv->cfg->discovery;
		if (ev->kind == SVC_EV_SWEEP)
			reg_sweep(&sv->reg, s->now_ns);
		else
			reg_fetch(&sv->reg);
		int64_t every = ev->kind == SVC_EV_SWEEP ? g->eviction_ns : g->fetch_ns;
		if (!sim_schedule(s, s->now_ns + every, n->id, ev->kind, NULL, 0))
			s->oom = 1;
	} else {
		scaling_event(s, n, ev);
	}
}

static void svc_calls_done(struct sim *s, struct sim_node *n,
			   struct request *req, int status)
{
	struct service *sv = n->state;
	uint32_t r = req->replica;
	if (sv->track == HELD_SCAN)
		held_remove(&sv->rep[r].held, req);
	STAT(sv, r, twa_add(&st->calling, s->now_ns, -1));
	if (status == REQ_OK) {
		complete(s, n, sv, r, req);
		return;
	}
	/* a failed call fails the request; fail_node says where it arose */
	release(s, n, sv, r, req);
	fail(s, sv, r, req, status, req->fail_node);
}

/* fail_one fails req, which replica r holds (in service or waiting on
 * calls) and no list keeps any more, as crashed. */
static void fail_one(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r,
		     struct request *req)
{
	int64_t now = s->now_ns;
	sv->rep[r].busy--;
	if (!sv->ps)                     /* its set counts those it serves */
		STAT(sv, r, twa_add(&st->busy, now, -1));
	if (req->waiting) {
		sim_calls_abandon(s, req);
		STAT(sv, r, twa_add(&st->calling, now, -1));
	} else {
		sim_timer_cancel(&req->timer);
		if (sv->inserv)
			sv->inserv[(size_t)r * SIM_PRIORITIES + req->prio]--;
	}
	fail(s, sv, r, req, REQ_CRASHED, n->id);
}

/* What find_served gathers: the requests replica r of node `node` is
 * serving, by their end-of-service events. */
struct served {
	uint32_t node, r;
	struct request **v;
	uint32_t n, cap;
};

static void find_served(void *arg, struct event *ev)
{
	struct served *f = arg;
	if (ev->node == f->node && (ev->kind == SVC_EV_DONE || ev->kind == SVC_EV_DONE_CLASS ||
	     ev->kind == SVC_EV_PLAIN) &&
	    (uint32_t)ev->arg == f->r &&
	    !(ev->flags & SIM_EV_CANCELLED) && f->n < f->cap)
		f->v[f->n++] = ev->obj;
}

/* by_end orders requests in service by when their service would end. */
static int by_end(const void *a, const void *b)
{
	const struct event *x = (*(struct request *const *)a)->timer.ev;
	const struct event *y = (*(struct request *const *)b)->timer.ev;
	return event_before(x, y) ? -1 : event_before(y, x);
}

/* fail_shared fails, as crashed, the requests replica r serves under
 * discipline ps, in the order they would have left. */
static void fail_shared(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r)
{
	struct shared *p = &sv->ps[r];
	uint32_t k = p->q.n, c = sv->cfg->workers;
	void **v = malloc(k * sizeof *v);
	if (!v) {
		s->oom = 1;
		return;
	}
	psq_take_all(&p->q, s->now_ns, v);
	sim_timer_cancel(&p->t);
	STAT(sv, r, {
		twa_add(&st->busy, s->now_ns, -(double)(k < c ? k : c));
		twa_add(&st->queued, s->now_ns, -(double)(k < c ? 0 : k - c));
	});
	for (uint32_t i = 0; i < k; i++) {
		sv->rep[r].busy--;
		fail(s, sv, r, v[i], REQ_CRASHED, n->id);
	}
	free(v);
}

/* fail_held fails every request replica r holds or queues, as crashed:
 * with a list of them, in its order; else those waiting on calls (the
 * list), then those in service, found by their events, in the order
 * their service would have ended. */
static void fail_held(struct sim *s, struct sim_node *n, struct service *sv, uint32_t r)
{
	struct replica *rp = &sv->rep[r];
	int64_t now = s->now_ns;
	while (rp->held) {
		struct request *req = rp->held;
		held_remove(&sv->rep[r].held, req);
		fail_one(s, n, sv, r, req);
	}
	if (sv->ps && sv->ps[r].q.n)
		fail_shared(s, n, sv, r);
	if (sv->track == HELD_SCAN && rp->busy) {
		struct served f = { n->id, r, malloc(rp->busy * sizeof *f.v), 0, rp->busy };
		if (!f.v) {
			s->oom = 1;
			return;
		}
		sim_each_pending(s, find_served, &f);
		assert(f.n == rp->busy);
		qsort(f.v, f.n, sizeof *f.v, by_end);
		for (uint32_t i = 0; i < f.n; i++)
			fail_one(s, n, sv, r, f.v[i]);
		free(f.v);
	}
	while (rp->head) {
		struct request *req = rp->head;
		rp->head = req->next;
		rp->qlen--;
		STAT(sv, r, twa_add(&st->queued, now, -1));
		unpreempt(req);
		fail(s, sv, r, req, REQ_CRASHED, n->id);
	}
	rp->tail = NULL;
	if (sv->plast)
		memset(&sv->plast[(size_t)r * SIM_PRIORITIES], 0, SIM_PRIORITIES * sizeof *sv->plast);
	recount(s, n, sv, r);
}

static void svc_crash(struct sim *s, struct sim_node *n, uint32_t r)
{
	struct service *sv = n->state;
	if (sv->reg.cfg)
		reg_crash(&sv->reg, r, s->now_ns);
	fail_held(s, n, sv, r);
}

static void svc_recover(struct sim *s, struct sim_node *n, uint32_t r)
{
	struct service *sv = n->state;
	/* back up: its metric counts again after a whole interval */
	sv->ready_since[r] = s->now_ns;
	if (sv->reg.cfg && r < sv->active)
		reg_join(&sv->reg, r, s->now_ns, 0);    /* registers again */
	recount(s, n, sv, r);
}

/* ---- the replica count ------------------------------------------------ */

/* set_active makes replicas [0, k) the ones taking requests, and tells
 * the balancers (units_now). */
static void set_active(struct sim *s, struct sim_node *n, struct service *sv, uint32_t k)
{
	uint32_t was = sv->active;
	sv->active = k;
	n->units_now = k;
	n->gen++;
	uint32_t lo = was < k ? was : k, hi = was < k ? k : was;
	for (uint32_t r = lo; r < hi; r++)
		recount(s, n, sv, r);
}

/* one_ready: a starting replica takes requests, at the lowest free index
 * (during a rollout, one of the new version: the rollout goes on). */
static void one_ready(struct sim *s, struct sim_node *n, struct service *sv)
{
	uint32_t r = sv->active;
	sv->starting--;
	sv->ready_since[r] = s->now_ns;
	sv->drain_gen[r]++;              /* a drain at r is over: taken over */
	set_active(s, n, sv, r + 1);
	reps_note(s, sv);
	if (sv->reg.cfg)
		reg_join(&sv->reg, r, s->now_ns, 1);
	if (sv->roll) {
		sv->nnew++;
		if (sv->cfg->register_ns > 0 && sv->roll_up)
			sv->roll_up--;
		if (!sv->in_roll)
			roll_step(s, n, sv);
	}
}

/* add_one adds a replica that starts now, up after a draw of startup
 * (and registered after registration_delay). */
static void add_one(struct sim *s, struct sim_node *n, struct service *sv,
		    const struct dist *startup)
{
	const struct service_cfg *c = sv->cfg;
	sv->spec++;
	sv->starting++;
	int64_t d = dist_sample_ns(startup, sv->rng);
	if (d <= 0 && c->register_ns <= 0) {
		one_ready(s, n, sv);
		return;
	}
	uint32_t slot = 0;
	while (sim_timer_pending(&sv->start_t[slot]))
		slot++;
	/* up at once: straight to its registration */
	sv->up_at[slot] = d <= 0 ? s->now_ns : INT64_MAX;
	if (d <= 0 && sv->roll)
		sv->roll_up++;
	sv->start_t[slot] = d <= 0 ?
		sim_timer_set(s, s->now_ns + c->register_ns, n->id, SVC_EV_REGISTER, NULL, slot) :
		sim_timer_set(s, s->now_ns + d, n->id, SVC_EV_READY, NULL, slot);
	if (!sv->start_t[slot].ev) {
		s->oom = 1;
		return;
	}
	sv->start_at[slot] = s->now_ns;
}

/* drain_top removes the k highest of the replicas taking requests: they
 * take nothing new, and drain. */
static void drain_top(struct sim *s, struct sim_node *n, struct service *sv, uint32_t k)
{
	uint32_t to = sv->active - k;
	for (uint32_t r = to; r < sv->active; r++) {
		sim_schedule(s, s->now_ns + sv->cfg->drain_ns, n->id, SVC_EV_DRAIN, NULL,
			     (uint64_t)sv->drain_gen[r] << 32 | r);
		if (sv->reg.cfg)
			reg_leave(&sv->reg, r);      /* deregisters on its way out */
	}
	sv->spec -= k;
	set_active(s, n, sv, to);
}

/* set_spec makes the replica count k: replicas added start, replicas
 * removed are the starting ones (see the loop), then the highest of
 * those taking requests, which drain. */
static void set_spec(struct sim *s, struct sim_node *n, struct service *sv, uint32_t k)
{
	if (k > sv->units)
		k = sv->units;
	if (k == sv->spec)
		return;
	int dir = k > sv->spec ? 1 : -1;
	if (s->measuring) {
		dir > 0 ? sv->ups++ : sv->downs++;
		sv->flaps += sv->last_dir && dir != sv->last_dir &&
			     s->now_ns - sv->last_change_ns < SVC_FLAP_NS;
	}
	sv->last_dir = dir;
	sv->last_change_ns = s->now_ns;
	while (sv->spec < k && !s->oom)
		add_one(s, n, sv, sv->startup);
	while (sv->spec > k && sv->starting) {
		/* as a ReplicaSet ranks pods to delete (controller.ActivePods'
		 * Less): those not yet up before those up and registering;
		 * of those up, the latest up first; of the others, the
		 * newest first; of those alike, the highest slot */
		uint32_t best = UINT32_MAX;
		for (uint32_t i = 0; i < sv->units; i++) {
			if (!sim_timer_pending(&sv->start_t[i]))
				continue;
			int up = sv->up_at[i] != INT64_MAX;
			int best_up = best != UINT32_MAX && sv->up_at[best] != INT64_MAX;
			const int64_t *t = up ? sv->up_at : sv->start_at;
			if (best == UINT32_MAX || up < best_up || (up == best_up && t[i] >= t[best]))
				best = i;
		}
		if (best == UINT32_MAX)
			break;               /* none pending: out of memory earlier */
		sim_timer_cancel(&sv->start_t[best]);
		sv->up_at[best] = INT64_MAX;
		sv->spec--;
		sv->starting--;
	}
	if (sv->spec > k)            /* none is starting now */
		drain_top(s, n, sv, sv->spec - k);
	reps_note(s, sv);
}

/* drain_end: replica r's grace period is over; what it still holds fails. */
static void drain_end(struct sim *s, struct sim_node *n, struct service *sv, uint64_t arg)
{
	uint32_t r = (uint32_t)arg;
	if ((uint32_t)(arg >> 32) != sv->drain_gen[r] || r < sv->active)
		return;
	uint64_t before = sv->tot.failed;
	fail_held(s, n, sv, r);
	if (s->measuring)
		sv->cut += sv->tot.failed - before;
}

/* ---- rollouts ------------------------------------------------------------ */

/* roll_step does what Kubernetes' Deployment controller does for a
 * RollingUpdate on each change (rolloutRolling: reconcileNewReplicaSet,
 * then reconcileOldReplicaSets, until neither changes anything): it adds
 * replicas of the new version while the replicas that exist (up or
 * starting: spec) stay within target + max_surge and the new ones within
 * target, and removes old ones (the highest slots, which drain) while
 * those taking requests stay at target - max_unavailable or more.  The
 * new version's replicas up are counted (nnew) rather than placed: the
 * first nnew slots draw their demands from it, so that the replicas
 * taking requests stay a prefix; a removed slot may have held new
 * requests and a kept one old, which changes no count.  When every
 * replica is new, the version is the service's own. */
static void roll_begin(struct sim *s, struct sim_node *n, struct service *sv,
		       const struct tl_entry *t);

/* canary_counts is how Argo Rollouts' basic canary (no traffic routing)
 * splits n replicas for a step of weight w % with a surge of `surge`
 * (replicaset/canary.go, approximateWeightedCanaryStableReplicaCounts):
 * of the candidates ceil(n w / 100) or floor(n w / 100) new replicas
 * among n, or among n + 1 when it may surge, the one nearest the weight,
 * the first on a tie; a floor of 0 only for a weight of 100 (or 0), or a
 * single replica with no surge; a floor equidistant with the ceiling is
 * skipped (the larger count wins). */
static void canary_counts(uint32_t n, uint32_t w, uint32_t surge, uint32_t *fresh,
			  uint32_t *old)
{
	double x = (double)n * w / 100;
	uint32_t ceil_c = (uint32_t)ceil(x - 1e-9), floor_c = (uint32_t)floor(x + 1e-9);
	int zero_ok = w == 100 || w == 0 || (n == 1 && surge == 0);
	struct { uint32_t c, t; } opt[4];
	int k = 0;
	double frac = x - floor(x + 1e-9);
	int tied = fabs(frac - 0.5) < 1e-9;
	if (ceil_c < n || zero_ok)
		opt[k].c = ceil_c, opt[k++].t = n;
	if (!tied && (floor_c || zero_ok))
		opt[k].c = floor_c, opt[k++].t = n;
	if (surge > 0) {
		double y = (double)(n + 1) * w / 100;
		int tied1 = fabs(y - floor(y + 1e-9) - 0.5) < 1e-9;
		opt[k].c = ceil_c, opt[k++].t = n + 1;
		if (!tied1 && (floor_c || zero_ok))
			opt[k].c = floor_c, opt[k++].t = n + 1;
	}
	if (!k) {
		*fresh = 0, *old = n;
		return;
	}
	int best = 0;
	double bd = fabs(100.0 * opt[0].c / opt[0].t - w);
	for (int i = 1; i < k; i++) {
		double d = fabs(100.0 * opt[i].c / opt[i].t - w);
		if (d < bd)
			best = i, bd = d;
	}
	*fresh = opt[best].c;
	*old = opt[best].t - opt[best].c;
}

static void roll_step(struct sim *s, struct sim_node *n, struct service *sv)
{
	const struct tl_rollout *ro = &sv->roll->roll;
	uint32_t target = sv->roll_target;
	uint32_t floor = target > ro->nunavail ? target - ro->nunavail : 0;
	if (sv->roll_paused)
		return;                  /* holding a canary step */
	/* the new version's replicas this step asks for, and the old ones it
	 * keeps (canary_counts); after the last step, all new */
	uint32_t want = target, keep = 0;
	if (sv->roll_stepno < ro->nsteps)
		canary_counts(target, ro->weight[sv->roll_stepno], ro->nsurge, &want, &keep);
	/* a replica ready at once (no start-up) counts in nnew from within
	 * add_one; the loop, not a nested call, goes on from there */
	sv->in_roll = 1;
	for (int changed = 1; changed && !s->oom;) {
		changed = 0;
		/* the new version's: up (nnew) or starting */
		while (sv->spec < target + ro->nsurge && sv->nnew + sv->starting < want &&
		       !s->oom) {
			add_one(s, n, sv, sv->roll_startup);
			changed = 1;
		}
		reps_note(s, sv);
		uint32_t old = sv->active - sv->nnew, avail = sv->active + sv->roll_up;
		if (old > keep && avail > floor) {
			uint32_t k = avail - floor < old - keep ? avail - floor : old - keep;
			drain_top(s, n, sv, k);
			reps_note(s, sv);
			changed = 1;
		}
	}
	sv->in_roll = 0;
	if (sv->nnew < want || sv->active != want + keep || sv->starting)
		return;
	if (sv->roll_stepno < ro->nsteps) {
		/* the step's weight is reached: hold it, then the next */
		sv->roll_paused = 1;
		if (!sim_schedule(s, s->now_ns + ro->pause_ns[sv->roll_stepno], n->id, SVC_EV_STEP,
				  NULL, 0))
			s->oom = 1;
		return;
	}
	/* over: the new version is the service's */
	sv->dist = sv->roll_dist;
	sv->inv_speed = sv->roll_inv_speed;
	sv->startup = sv->roll_startup;
	sv->nnew = 0;
	sv->roll = NULL;
	if (s->measuring) {
		sv->rollouts++;
		sv->rollout_s += (double)(s->now_ns - sv->roll_start_ns) * 1e-9;
	}
	if (sv->roll_next) {
		const struct tl_entry *t = sv->roll_next;
		sv->roll_next = NULL;
		roll_begin(s, n, sv, t);
	}
}

/* roll_begin starts the rollout of entry t, or, while one is under way,
 * keeps it for when that one is over (the latest such wins). */
static void roll_begin(struct sim *s, struct sim_node *n, struct service *sv,
		       const struct tl_entry *t)
{
	if (sv->roll) {
		sv->roll_next = t;
		return;
	}
	const struct tl_rollout *ro = &t->roll;
	sv->roll = t;
	sv->roll_target = sv->spec;
	sv->roll_start_ns = t->at_ns;    /* a queued one's wait counts */
	sv->nnew = 0;
	sv->roll_up = 0;
	sv->roll_stepno = 0;
	sv->roll_paused = 0;
	sv->roll_dist = ro->given & TL_ROLL_SERVICE ? &ro->service : sv->dist;
	sv->roll_inv_speed = ro->given & TL_ROLL_SPEED ? 1.0 / ro->speed : sv->inv_speed;
	sv->roll_startup = ro->given & TL_ROLL_STARTUP ? &ro->startup : sv->startup;
	roll_step(s, n, sv);
}

static void svc_action(struct sim *s, struct sim_node *n, const struct tl_entry *t, int start)
{
	if (start)
		roll_begin(s, n, n->state, t);
}

/* parse_bound reads max_surge or max_unavailable: a count, or a whole
 * percentage of the replicas ("25%", quoted or not, as a Deployment's
 * IntOrString takes it), at most 100 % for max_unavailable. */
static int parse_bound(struct check_ctx *ctx, const char *what, const struct yt_node *v,
		       struct tl_entry *t, unsigned bit, double *out)
{
	double x;
	size_t len = v->type == YT_SCALAR ? strlen(v->str) : 0;
	if (len > 1 && v->str[len - 1] == '%') {
		char *end;
		unsigned long p = strtoul(v->str, &end, 10);
		unsigned long most = bit == TL_ROLL_UNAVAIL ? 100 : 100000;
		if (end != v->str + len - 1 || !isdigit((unsigned char)v->str[0]) || p > most)
			return check_fail(ctx, v, what,
					  "must be a count of replicas or a whole percentage from 0%% to %lu%% (got '%s')",
					  most, v->str);
		x = (double)p;
		t->roll.pct |= bit;
	} else {
		uint64_t u;
		int rc = check_uint(ctx, v, what, 0, TL_MAX_REPLICAS, &u);
		if (rc)
			return rc;
		x = (double)u;
	}
	*out = x;
	return 0;
}

static int parse_surge(struct check_ctx *ctx, const char *what, const struct yt_node *v,
		       void *field)
{
	struct tl_entry *t = field;
	return parse_bound(ctx, what, v, t, TL_ROLL_SURGE, &t->roll.surge);
}

static int parse_unavail(struct check_ctx *ctx, const char *what, const struct yt_node *v,
			 void *field)
{
	struct tl_entry *t = field;
	int rc = parse_bound(ctx, what, v, t, TL_ROLL_UNAVAIL, &t->roll.unavail);
	/* as the Deployment API validates them (max_surge is read first) */
	if (!rc && t->roll.unavail == 0 && (t->more_given & TL_ROLL_SURGE) && t->roll.surge == 0)
		return check_fail(ctx, v, what,
				  "may not be 0 when max_surge is 0: nothing could be replaced (Kubernetes refuses it too)");
	return rc;
}

/* parse_canary reads `canary: [{weight: 10, pause: 5m}, ...]`: weights
 * that grow, each a whole percentage from 1 to 100, each held `pause`. */
static int parse_canary(struct check_ctx *ctx, const char *what, const struct yt_node *v,
			void *field)
{
	struct tl_entry *t = field;
	struct tl_rollout *ro = &t->roll;
	if (v->type != YT_SEQ || v->n == 0 || v->n > TL_ROLL_STEPS)
		return check_fail(ctx, v, what,
				  "must be a list of 1 to %d steps such as {weight: 10, pause: 5m}",
				  TL_ROLL_STEPS);
	static const char *const keys[] = { "weight", "pause", NULL };
	static const char *const need[] = { "weight", NULL };
	for (size_t i = 0; i < v->n; i++) {
		const struct yt_node *e = v->items[i];
		char w[160];
		snprintf(w, sizeof w, "%s[%zu]", what, i);
		if (e->type != YT_MAP)
			return check_fail(ctx, e, w, "must be a step such as {weight: 10, pause: 5m}");
		int rc = check_keys(ctx, e, w, keys, need);
		if (rc)
			return rc;
		uint64_t pct;
		char ww[180];
		snprintf(ww, sizeof ww, "%s.weight", w);
		const struct yt_node *wn = yt_get(e, "weight");
		size_t len = wn->type == YT_SCALAR ? strlen(wn->str) : 0;
		if (len > 1 && wn->str[len - 1] == '%') {
			/* as setWeight's 10, or written 10% */
			char *end;
			pct = strtoull(wn->str, &end, 10);
			if (end != wn->str + len - 1 || !isdigit((unsigned char)wn->str[0]) || pct < 1 ||
			    pct > 100)
				return check_fail(ctx, wn, ww,
						  "must be a whole percentage from 1 to 100 (got '%s')",
						  wn->str);
		} else if ((rc = check_uint(ctx, wn, ww, 1, 100, &pct))) {
			return rc;
		}
		if (i && pct <= ro->weight[i - 1])
			return check_fail(ctx, yt_get(e, "weight"), ww,
					  "must be more than the step before's (%u): a canary only grows",
					  ro->weight[i - 1]);
		ro->weight[i] = (uint8_t)pct;
		ro->pause_ns[i] = 0;
		const struct yt_node *pn = yt_get(e, "pause");
		snprintf(ww, sizeof ww, "%s.pause", w);
		if (pn && (rc = check_duration(ctx, pn, ww, 0, &ro->pause_ns[i])))
			return rc;
	}
	ro->nsteps = (uint32_t)v->n;
	return 0;
}

/* in the order of TL_ROLL_*, whose bits say which were written */
static const struct param rollout_keys[] = {
	{ .name = "max_surge", .type = PARAM_CUSTOM, .parse = parse_surge,
	  .shape = "COUNT or PERCENT", .def_doc = "25%",
	  .doc = "replicas that may exist beyond the count while it runs, a count or a percentage of the replicas rounded up (Kubernetes' maxSurge)" },
	{ .name = "max_unavailable", .type = PARAM_CUSTOM, .parse = parse_unavail,
	  .shape = "COUNT or PERCENT", .def_doc = "25%",
	  .doc = "replicas that may be missing from those taking requests while it runs, a count or a percentage rounded down; not 0 with max_surge 0, and when both come to 0 by rounding (10% of 8 with no surge), 1 (Kubernetes' maxUnavailable)" },
	{ .name = "startup", .type = PARAM_DIST, PARAM_FIELD(struct tl_entry, roll.startup),
	  .def_doc = "the service's", .doc = "the new version's `startup`" },
	{ .name = "service", .type = PARAM_DIST, PARAM_FIELD(struct tl_entry, roll.service),
	  .def_doc = "the service's", .doc = "the new version's service time (`service`)" },
	{ .name = "speed", .type = PARAM_NUMBER, PARAM_FIELD(struct tl_entry, roll.speed),
	  .min = 1e-6, .max = 1e6, .def_doc = "the service's",
	  .doc = "the new version's `speed` (a slower build: below the old)" },
	{ .name = "canary", .type = PARAM_CUSTOM, .parse = parse_canary,
	  .shape = "[{weight: PERCENT, pause: DURATION}, ...]", .def_doc = "none: a plain rolling update",
	  .doc = "steps before the rest, as Argo Rollouts' canary steps (setWeight, then a pause of that long) without traffic routing: the replicas are split as Argo splits them, the nearest to the weight of ceil or floor(weight x count / 100) new ones among the count, or the count + 1 when max_surge allows, keeping one of each for a weight under 100 (10 replicas at 25 %: 3 new and 8 old), and so about that share of a balancer's requests, within max_surge and max_unavailable; once a step's replicas are all up it holds for `pause` (0 if none: on at once, as a setWeight with no pause after it); after the last step, all are replaced" },
	{ 0 }
};

static uint32_t rollout_units(const struct sc_node *nd, struct tl_entry *t);

static void label_rollout(char *buf, size_t len, const char *target, const struct tl_entry *t,
			  const char *text)
{
	snprintf(buf, len, "%s rollout", target);
}

static const struct tl_action_def svc_rollout = {
	.name = "rollout", .flags = TLA_WHOLE | TLA_INSTANT, .engine = TL_KIND,
	.more = rollout_keys, .label = label_rollout, .units = rollout_units,
	.doc = "replaces a service's replicas by a new version, as a Kubernetes Deployment's RollingUpdate does: new replicas start while those that exist stay within the count + `max_surge`, and old ones drain while those taking requests stay at the count - `max_unavailable` or more; the new version may have its own `service`, `speed` and `startup`.  A new replica counts as available once up (a Ready pod), before its registration_delay is over.  Two simplifications: a rollout that starts while one runs waits for it to end (Kubernetes rolls over to the newer at once), and a replica that crashes during a rollout still counts as available to it (Kubernetes removes it first)",
};

static const struct tl_action_def *const svc_actions[] = { &svc_rollout, NULL };

/* round_bound resolves a bound as Kubernetes does
 * (intstr.GetScaledValueFromIntOrPercent): a percentage of n, rounded up
 * (surge) or down. */
static uint32_t round_bound(double v, int pct, uint32_t n, int up)
{
	if (!pct)
		return (uint32_t)v;
	double x = v * n / 100;
	return (uint32_t)(up ? ceil(x - 1e-9) : floor(x + 1e-9));
}

/* rollout_units resolves a rollout's bounds against the node's replicas
 * (as deployment util's ResolveFenceposts: both rounded to 0 makes
 * max_unavailable 1) and gives the most replicas it may have: the count
 * and the surge. */
static uint32_t rollout_units(const struct sc_node *nd, struct tl_entry *t)
{
	const struct service_cfg *c = nd->cfg;
	struct tl_rollout *ro = &t->roll;
	uint32_t n = c->replicas;
	ro->given = t->more_given;       /* for steady.c, which knows no kind */
	ro->nsurge = ro->given & TL_ROLL_SURGE ?
		     round_bound(ro->surge, ro->pct & TL_ROLL_SURGE, n, 1) : round_bound(25, 1, n, 1);
	ro->nunavail = ro->given & TL_ROLL_UNAVAIL ?
		       round_bound(ro->unavail, ro->pct & TL_ROLL_UNAVAIL, n, 0) :
		       round_bound(25, 1, n, 0);
	if (!ro->nsurge && !ro->nunavail)
		ro->nunavail = 1;
	if ((uint64_t)n + ro->nsurge > SVC_MAX_REPLICAS)
		ro->nsurge = n < SVC_MAX_REPLICAS ? SVC_MAX_REPLICAS - n : 0;
	return n + ro->nsurge;
}

/* svc_link refuses a rollout of a node whose replica count something else
 * changes. */
static int svc_link(struct check_ctx *ctx, struct scenario *sc, struct sc_node *self)
{
	const struct service_cfg *c = self->cfg;
	uint32_t id = (uint32_t)(self - sc->nodes);
	int rolled = 0, scaled = 0;
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		if (t->node != id)
			continue;
		scaled |= t->action == TL_SCALE;
		rolled |= t->action == TL_KIND && t->def == &svc_rollout;
	}
	if (!rolled || (!c->as.given && !scaled && !c->discovery.given))
		return 0;
	/* where to say it: the node's first rollout entry */
	const struct yt_node *tl = yt_get(sc->tree, "timeline"), *at = tl;
	char what[48] = "timeline";
	for (size_t i = 0; tl && tl->type == YT_SEQ && i < tl->n; i++) {
		const struct yt_node *e = tl->items[i], *nn = yt_get(e, "node"), *dn = yt_get(e, "do");
		if (nn && dn && nn->type == YT_SCALAR && dn->type == YT_SCALAR &&
		    !strcmp(nn->str, self->name) && !strcmp(dn->str, "rollout")) {
			at = e;
			snprintf(what, sizeof what, "timeline[%zu]", i);
			break;
		}
	}
	if (c->discovery.given)
		return check_fail(ctx, at, what,
				  "a rollout of '%s', whose callers find it by discovery:, is not modelled (a rollout replaces replicas in place, where the registry would see new instances): put a balancer in front, or leave discovery out",
				  self->name);
	return check_fail(ctx, at, what,
			  "a rollout of '%s', whose replica count %s also changes, is not modelled: give the rollout a node of fixed replicas",
			  self->name, c->as.given ? "its autoscaler" : "a `scale` entry");
}

static void svc_scale(struct sim *s, struct sim_node *n, uint32_t units)
{
	struct service *sv = n->state;
	set_spec(s, n, sv, units);
	/* the engine set units_now to the count asked; those taking requests
	 * are the ones ready */
	n->units_now = sv->active;
}

/* ---- the autoscaler ---------------------------------------------------- */

/* cumulative is replica r's metric integral so far (since the last restart
 * of its statistics): worker-seconds busy, request-seconds held or
 * waiting, arrivals, request-seconds waiting. */
static double cumulative(const struct service *sv, uint32_t r, int64_t now)
{
	const struct svc_stats *st = sv->units > 1 ? &sv->rep[r].st : &sv->tot;
	switch (sv->cfg->as.metric) {
	case AS_UTILIZATION:
		return twa_integral(&st->busy, now) * 1e-9 / sv->cfg->workers;
	case AS_CONCURRENCY:
		return (twa_integral(&st->busy, now) + twa_integral(&st->queued, now)) * 1e-9;
	case AS_RPS:
		return (double)st->arrivals;
	default:
		return twa_integral(&st->queued, now) * 1e-9;
	}
}

static void autoscale_sync(struct sim *s, struct sim_node *n, struct service *sv)
{
	const struct as_cfg *c = &sv->cfg->as;
	int64_t now = s->now_ns, every = as_interval_ns(c);
	int64_t need = every;            /* a full interval of metric */
	if (as_warmup_ns(c) > need)
		need = as_warmup_ns(c);
	struct as_reading rd = { 0, 0, 0 };
	for (uint32_t r = 0; r < sv->units; r++) {
		double cur = cumulative(sv, r, now);
		if (r < sv->active && !sim_unit_down(n, r) && now - sv->ready_since[r] >= need) {
			rd.counted++;
			rd.sum += (cur - sv->mprev[r]) / ((double)every * 1e-9);
		}
		sv->mprev[r] = cur;
		/* one up and waiting for its registration reads idle */
		rd.counted += sim_timer_pending(&sv->start_t[r]) && sv->up_at[r] <= now - need;
	}
	rd.other = sv->spec > rd.counted ? sv->spec - rd.counted : 0;
	long k = as_decide(&sv->as, c, now, &rd);
	if (k < 0)
		s->oom = 1;
	else
		set_spec(s, n, sv, (uint32_t)k);
}

static void svc_periodic(struct sim *s, struct sim_node *n)
{
	autoscale_sync(s, n, n->state);
}

static int scaling_init(struct sim *s, struct sim_node *n, struct service *sv)
{
	const struct service_cfg *c = sv->cfg;
	int64_t now = s->now_ns;
	sv->spec = sv->active;
	if (!(sv->start_t = calloc(sv->units, sizeof *sv->start_t)) ||
	    !(sv->start_at = calloc(sv->units, sizeof *sv->start_at)) ||
	    !(sv->up_at = malloc(sv->units * sizeof *sv->up_at)) ||
	    !(sv->ready_since = malloc(sv->units * sizeof *sv->ready_since)) ||
	    !(sv->drain_gen = calloc(sv->units, sizeof *sv->drain_gen)) ||
	    !(sv->phase = calloc(sv->units, 1)) ||
	    !(sv->rng = sim_stream(s, n, "startup")))
		return SIM_ENOMEM;
	for (uint32_t r = 0; r < sv->units; r++) {
		/* the first replicas have been taking requests for ever */
		sv->ready_since[r] = INT64_MIN / 2;
		sv->up_at[r] = INT64_MAX;
		if (r < sv->active)
			sv->phase[r] = PH_READY;
	}
	sv->nready = sv->active;
	for (int i = 0; i < 4; i++)
		twa_init(&sv->reps[i], now, 0);
	twa_init(&sv->billed, now, 0);
	twa_init(&sv->ready_w, now, 0);
	sv->ready_min = sv->nready;
	reps_note(s, sv);
	if (c->discovery.given) {
		/* the registry's sweeps and its callers' fetches keep a phase
		 * of their own, drawn per replication */
		gsl_rng *g = sim_stream(s, n, "discovery");
		int rc = !g || reg_init(&sv->reg, &c->discovery, sv->units, sv->active, g) ||
			 !sim_schedule(s, (int64_t)(gsl_rng_uniform(g) *
						    (double)c->discovery.eviction_ns),
				       n->id, SVC_EV_SWEEP, NULL, 0) ||
			 !sim_schedule(s, (int64_t)(gsl_rng_uniform(g) * (double)c->discovery.fetch_ns),
				       n->id, SVC_EV_FETCH, NULL, 0);
		if (g)
			gsl_rng_free(g);
		if (rc)
			return SIM_ENOMEM;
		n->arrive = svc_arrive_listed;
	}
	if (!c->as.given)
		return 0;
	if (!(sv->mprev = calloc(sv->units, sizeof *sv->mprev)) ||
	    as_state_init(&sv->as, &c->as, sv->spec, now) ||
	    sim_every(s, n, now + as_interval_ns(&c->as), as_interval_ns(&c->as)))
		return SIM_ENOMEM;
	return 0;
}

static void svc_warmup_end(struct sim *s, struct sim_node *n)
{
	struct service *sv = n->state;
	/* the window that spans the end of warm-up keeps its first part */
	double *prev = sv->ts_prev;
	prev[0] -= twa_integral(&sv->tot.busy, s->now_ns);
	prev[1] -= twa_integral(&sv->tot.capacity, s->now_ns);
	prev[2] -= twa_integral(&sv->tot.queued, s->now_ns);
	prev[3] -= twa_integral(&sv->tot.calling, s->now_ns);
	/* and the autoscaler's readings too */
	for (uint32_t r = 0; sv->mprev && r < sv->units; r++)
		sv->mprev[r] -= cumulative(sv, r, s->now_ns);
	twa_restart(&sv->billed, s->now_ns);
	twa_restart(&sv->ready_w, s->now_ns);
	sv->ready_min = sv->nready;
	sv->rollouts = 0;
	sv->rollout_s = 0;
	sv->ups = sv->downs = sv->cut = sv->flaps = 0;
	stats_restart(&sv->tot, s->now_ns);
	for (uint32_t r = 0; r < sv->units && sv->units > 1; r++)
		stats_restart(&sv->rep[r].st, s->now_ns);
}

/* billing: the replicas that existed (starting, taking requests, or
 * draining), time-averaged, and the requests that arrived */
static void svc_billing(struct sim *s, struct sim_node *n, struct node_bill *b)
{
	struct service *sv = n->state;
	b->instances = twa_mean(&sv->billed, s->now_ns);
	b->workers = b->instances * sv->cfg->workers;
	b->speed = b->instances * sv->cfg->speed;
	b->requests = (double)sv->tot.arrivals;
}

/* row_write fills a nodes.csv row from st; `shared` (ps): a request
 * waiting on calls holds no worker, so the share of calling is of the
 * time requests were held, busy or calling. */
static void row_write(double *v, const struct svc_stats *st, int64_t now, int shared)
{
	/* in the order of svc_cols */
	v[0] = (double)st->arrivals;
	v[2] = (double)st->completed;
	v[4] = (double)st->rejected;
	v[6] = (double)st->failed;
	double cap = twa_integral(&st->capacity, now);
	double busy = twa_integral(&st->busy, now);
	v[8] = cap > 0 ? busy / cap : NAN;
	v[10] = twa_mean(&st->queued, now);
	v[12] = st->wait_sum_ns * 1e-9;
	v[13] = (double)st->started;
	v[14] = (double)st->waited;
	v[15] = (double)st->started;
	v[16] = st->resid_sum_ns * 1e-9;
	v[17] = (double)st->completed;
	v[18] = twa_integral(&st->calling, now);
	v[19] = shared ? busy + v[18] : busy;
	v[20] = (double)st->orphans;
	v[22] = st->orphan_busy_ns * 1e-9;
	v[24] = (double)st->shed;
	v[26] = (double)st->cancelled;
	v[28] = NAN;
	v[30] = v[32] = v[34] = v[36] = 0;
	v[38] = v[40] = NAN;
	v[42] = v[44] = v[45] = 0;
}

static void svc_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct service *sv = n->state;
	double *v = node_row(o, 0);
	row_write(v, &sv->tot, s->now_ns, sv->ps != NULL);
	v[28] = twa_mean(&sv->billed, s->now_ns);
	v[30] = (double)sv->ups;
	v[32] = (double)sv->downs;
	v[34] = (double)sv->cut;
	v[36] = (double)sv->flaps;
	v[38] = twa_mean(&sv->ready_w, s->now_ns);
	v[40] = sv->ready_min;
	v[42] = (double)sv->rollouts;
	v[44] = sv->rollout_s;
	v[45] = (double)sv->rollouts;
	for (uint32_t r = 0; r < sv->units && o->nrows > 1; r++)
		row_write(node_row(o, 1 + r), &sv->rep[r].st, s->now_ns, sv->ps != NULL);
}

static void svc_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct service *sv = n->state;
	int64_t now = s->now_ns;
	double cur[4] = {
		twa_integral(&sv->tot.busy, now), twa_integral(&sv->tot.capacity, now),
		twa_integral(&sv->tot.queued, now), twa_integral(&sv->tot.calling, now),
	};
	double dt = (double)(now - sv->ts_prev_ns);
	double cap = cur[1] - sv->ts_prev[1];
	out[0] = cap > 0 ? (cur[0] - sv->ts_prev[0]) / cap : NAN;
	out[1] = dt > 0 ? (cur[2] - sv->ts_prev[2]) / dt : NAN;
	out[2] = dt > 0 ? (cur[0] - sv->ts_prev[0]) / dt : NAN;
	out[3] = dt > 0 ? (cur[3] - sv->ts_prev[3]) / dt : NAN;
	for (int i = 0; i < 4; i++) {
		double a = twa_integral(&sv->reps[i], now);
		out[5 + i] = dt > 0 ? (a - sv->reps_prev[i]) / dt : NAN;
		sv->reps_prev[i] = a;
	}
	out[4] = NAN;
	if (sv->brk >= 0) {
		/* the breaker's level, time-averaged over the window; it is
		 * observed from time 0, so no restart to account for */
		double b = sim_breaker_level(s, n, (uint32_t)sv->brk, now);
		out[4] = dt > 0 ? (b - sv->brk_prev) / dt : NAN;
		sv->brk_prev = b;
	}
	memcpy(sv->ts_prev, cur, sizeof cur);
	sv->ts_prev_ns = now;
}

static double svc_route(const void *cfg, size_t i, uint32_t *to)
{
	const struct service_cfg *c = cfg;
	if (i >= c->nnext)
		return -1;
	*to = c->next[i].to;
	return c->next[i].cum - (i ? c->next[i - 1].cum : 0);
}

static double svc_calls(const void *cfg, size_t i, uint32_t *to)
{
	const struct service_cfg *c = cfg;
	return callplan_edge(&c->calls, i, to);
}

static uint32_t svc_units(const void *cfg)
{
	const struct service_cfg *c = cfg;
	return c->replicas;
}

static const struct as_cfg *svc_autoscale(const void *cfg)
{
	const struct service_cfg *c = cfg;
	return c->as.given ? &c->as : NULL;
}

static int svc_capacity(const void *cfg, struct node_capacity *out)
{
	const struct service_cfg *c = cfg;
	out->workers = c->workers;
	/* with an autoscaler, the steady-state checks see the most it may set */
	out->replicas = c->as.given ? c->as.max : c->replicas;
	out->mean_s = c->service.mean / c->speed;
	out->calls = c->calls.nsteps ? &c->calls : NULL;
	out->scv = c->service.mean > 0 ?
		c->service.var / (c->service.mean * c->service.mean) : 0;
	/* a finite queue turns overload into rejections, CoDel into sheds */
	out->bounded = c->queue >= 0 || c->discipline == DISC_CODEL;
	out->tail_shape = dist_tail_shape(&c->service);
	out->demand = &c->service;
	return 0;
}

static const struct col_def svc_cols[] = {
	{ "arrivals", COL_SUM, "requests that reached the node" },
	{ "completed", COL_SUM, "requests that finished here (served, and their calls answered)" },
	{ "rejected", COL_SUM, "requests refused by a full queue or the rate limit" },
	{ "failed", COL_SUM,
	  "requests that failed here: crashed, an `errors` fault, or a call that failed" },
	{ "utilization", COL_MEAN,
	  "busy workers over the workers of the replicas that are up and take requests (or still finish what they hold), time-averaged; a worker waiting on calls is busy" },
	{ "queue_len_mean", COL_MEAN, "waiting requests, time-averaged" },
	{ "wait_mean_s", COL_RATIO,
	  "queueing time of the requests that started service (with preemption, their waits after it too)" },
	{ "waited_ratio", COL_RATIO, "share of those that waited at all before they started, P(wait > 0)" },
	{ "latency_mean_s", COL_RATIO,
	  "time from arrival to the end of the node's work (service and calls)" },
	{ "call_wait_share", COL_RATIO,
	  "share of busy worker time spent waiting on calls (under discipline ps, where a request waiting on calls holds no worker, of the time requests were held)" },
	{ "orphans_served", COL_SUM,
	  "requests served after their caller had stopped waiting (a timeout, a crash): wasted work" },
	{ "orphan_busy_s", COL_SUM, "service time spent on those, worker-seconds" },
	{ "shed", COL_SUM, "requests dropped after waiting longer than max_queue_wait, or by discipline codel" },
	{ "cancelled", COL_SUM, "requests dropped before they started: their caller gave them up (`cancel: true` on the call, or `discipline: deadline`)" },
	{ "replicas_mean", COL_MEAN,
	  "replicas that exist, time-averaged: starting, taking requests (crashed ones too) or draining; what is billed" },
	{ "scale_ups", COL_SUM, "changes of the replica count upwards (autoscaler or `scale`)" },
	{ "scale_downs", COL_SUM, "changes of the replica count downwards" },
	{ "drain_cut", COL_SUM,
	  "requests a removed replica still held at the end of its `drain`, failed as crashed" },
	{ "flaps", COL_SUM,
	  "changes of the replica count the other way from the previous change within 5 minutes of it (the HPA's default scale-down window): an autoscaler that flaps" },
	{ "replicas_ready_mean", COL_MEAN,
	  "replicas taking requests, time-averaged: replicas_mean less those starting, draining or down, the capacity there was" },
	{ "replicas_ready_min", COL_MEAN,
	  "the fewest replicas taking requests at any moment of the measured window (a rollout's max_unavailable, a crash, a slow start)" },
	{ "rollouts", COL_SUM, "rollouts (`do: rollout`) that ended in the measured window" },
	{ "rollout_mean_s", COL_RATIO, "their time from their `at` (a queued one's wait included) until every new replica takes requests, each" },
	{ NULL, 0, NULL },
};

static const struct col_def svc_ts_cols[] = {
	{ "utilization", COL_MEAN, "busy workers over the workers that count, as in nodes.csv" },
	{ "queue_len_mean", COL_MEAN, "waiting requests" },
	{ "busy_mean", COL_MEAN, "workers holding a request" },
	{ "calling_mean", COL_MEAN, "workers holding a request while waiting on its calls" },
	{ "breaker_state", COL_MEAN,
	  "the first circuit breaker on the node's calls: 0 closed, 0.5 half-open, 1 open, time-averaged over the window and over its instances (one per replica unless the edge says scope: node)" },
	{ "replicas", COL_MEAN, "the replica count set (by `replicas`, `scale` or the autoscaler): starting or taking requests" },
	{ "replicas_ready", COL_MEAN, "replicas up and taking requests" },
	{ "replicas_starting", COL_MEAN, "replicas added and not yet taking requests (`startup`, then `registration_delay`)" },
	{ "replicas_draining", COL_MEAN, "replicas removed and still finishing what they hold (`drain`)" },
	{ NULL, 0, NULL },
};

const struct model_ops service_ops = {
	.kind = "service",
	.summary = "replicas x workers with FIFO queues, a service-time distribution, calls and routing",
	.params = &svc_table,
	.units = svc_units,
	.autoscale = svc_autoscale,
	.init = svc_init,
	.arrive = svc_arrive,
	.calls_done = svc_calls_done,
	.event = svc_event,
	.periodic = svc_periodic,
	.crash = svc_crash,
	.recover = svc_recover,
	.scale = svc_scale,
	.link = svc_link,
	.actions = svc_actions,
	.action = svc_action,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_ERRORS) | SIM_FAULT(TL_LATENCY) | SIM_FAULT(TL_SCALE),
	.placeable = 1,
	.warmup_end = svc_warmup_end,
	.billing = svc_billing,
	.bills = BILL_WORKERS | BILL_REQUESTS | BILL_SPEED,
	.finish = svc_finish,
	.cols = svc_cols,
	.sample = svc_sample,
	.ts_cols = svc_ts_cols,
	.fini = svc_fini,
	.route = svc_route,
	.calls = svc_calls,
	.capacity = svc_capacity,
};
