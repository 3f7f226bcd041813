/*
 * queue.c - the queue kind; see queue.h.
 *
 * Each group holds its own copy of every message, in per-partition FIFO
 * lists; a message is a pooled record.  A consumer serving a message
 * holds an internal request of its own (named by the message and the
 * group), which carries the message's key and draws its service time and
 * calls; the request's `issue` field says which group and consumer hold
 * it.
 *
 * A message with a key goes to its key's partition; one without, as
 * Kafka's producer sends it: sticky (a batch to one partition, then to
 * another drawn at random, since Kafka 2.4) or round robin, each
 * producing node keeping its own place (struct producer).
 *
 * Each group assigns its partitions round robin over its live consumers
 * (partition p to the (p mod live)-th), as Kafka's round-robin assignor
 * does.  A consumer's crash (a timeline `crash` with `consumer: K`) stops
 * its partitions until the group notices, `session_timeout` later, and
 * reassigns them; its return rebalances at once.  Meanwhile the messages
 * of its partitions wait: that is the consumer lag a crash causes.
 */
#include "models/queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/keys.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/stats.h"

#define Q_MAX_PARTITIONS 100000
#define Q_MAX_GROUPS 64
#define Q_MAX_CONSUMERS 100000

enum { Q_EV_DONE = 1, Q_EV_REBALANCE, Q_EV_POLL_DEADLINE, Q_EV_RESUME };
enum { D_AT_LEAST_ONCE, D_AT_MOST_ONCE };
enum { K_STICKY, K_ROUND_ROBIN };

static const char *const delivery_names[] = { "at_least_once", "at_most_once", NULL };
static const char *const keyless_names[] = { "sticky", "round_robin", NULL };

/* The draw that picks a keyless message's next sticky partition. */
#define Q_DRAW_STICKY SIM_DRAW_KIND_BASE

struct group_cfg {
	char *group;
	uint32_t count;
	struct dist service;
	struct call_plan calls;
};

struct queue_cfg {
	uint32_t partitions;
	uint64_t capacity;           /* per group's backlog; 0: no limit */
	unsigned delivery;
	int64_t commit_ns;           /* auto_commit_interval; 0: every message */
	uint32_t max_poll_records;   /* messages one poll returns at most */
	int64_t max_poll_ns;         /* max_poll_interval */
	int64_t rebalance_ns;        /* a rebalance stops the group this long */
	uint32_t max_deliveries;     /* then to dead_letter; 0: no limit */
	uint32_t dead_letter;        /* a node, or UINT32_MAX: none */
	unsigned keyless;            /* K_*: where a message without a key goes */
	uint32_t batch;              /* sticky: messages to one partition */
	int64_t session_ns;          /* a crash is noticed after it */
	struct group_cfg *groups;
	size_t ngroups;
};

static int parse_calls(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		       void *field)
{
	return callplan_check(ctx, n, what, field);
}

static void free_calls(void *field)
{
	callplan_free(field);
}

static const struct param group_params[] = {
	{ .name = "group", .type = PARAM_STRING, PARAM_FIELD(struct group_cfg, group),
	  .flags = PARAM_REQUIRED, .doc = "the consumer group's name" },
	{ .name = "count", .type = PARAM_UINT, PARAM_FIELD(struct group_cfg, count),
	  .umin = 1, .umax = Q_MAX_CONSUMERS, .def = "1",
	  .doc = "consumers in the group; they share the partitions round robin (partition p is consumer p mod count's while all are up)" },
	{ .name = "service", .type = PARAM_DIST, PARAM_FIELD(struct group_cfg, service),
	  .flags = PARAM_REQUIRED, .doc = "time a consumer takes per message" },
	{ .name = "calls", .type = PARAM_CUSTOM, PARAM_FIELD(struct group_cfg, calls),
	  .parse = parse_calls, .fini = free_calls, .shape = "[{to: NODE}, ...]",
	  .doc = "calls made for each message after its service, as a service's; a failed call fails the message (redelivered under at_least_once)" },
	{ 0 }
};

static const struct param_table group_table = {
	.params = group_params, .size = sizeof(struct group_cfg),
};

static const struct param group_elem = {
	.type = PARAM_MAP, .size = sizeof(struct group_cfg), .sub = &group_table,
};

static void q_cfg_init(void *obj)
{
	((struct queue_cfg *)obj)->dead_letter = UINT32_MAX;
}

static int q_validate(struct check_ctx *ctx, const char *what, const struct yt_node *map,
		      void *obj)
{
	struct queue_cfg *c = obj;
	if (yt_get(map, "dead_letter") && !c->max_deliveries) {
		char w[256];
		snprintf(w, sizeof w, "%s.dead_letter", what);
		return check_fail(ctx, yt_get(map, "dead_letter"), w, "needs max_deliveries");
	}
	for (size_t i = 0; i < c->ngroups; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->groups[i].group, c->groups[j].group)) {
				char w[256];
				snprintf(w, sizeof w, "%s.consumers[%zu].group", what, i);
				return check_fail(ctx, yt_get(yt_get(map, "consumers")->items[i], "group"), w,
					       "the group '%s' is already declared", c->groups[i].group);
			}
	return 0;
}

static const struct param q_params[] = {
	{ .name = "partitions", .type = PARAM_UINT, PARAM_FIELD(struct queue_cfg, partitions),
	  .umin = 1, .umax = Q_MAX_PARTITIONS, .def = "1",
	  .doc = "partitions: a message with a key (its workload has keys:) goes to the one of its key (hash modulo partitions); one without, as keyless says" },
	{ .name = "keyless", .type = PARAM_ENUM, PARAM_FIELD(struct queue_cfg, keyless),
	  .names = keyless_names, .def = "sticky",
	  .doc = "where a producer sends messages without a key, as Kafka's producer does: sticky (since Kafka 2.4, KIP-480/794), a batch of them to one partition, then to another drawn at random; round_robin (before 2.4, and the RoundRobinPartitioner), each to the next partition.  Each producing node keeps its own" },
	{ .name = "batch", .type = PARAM_UINT, PARAM_FIELD(struct queue_cfg, batch),
	  .umin = 1, .umax = 1000000, .def = "16",
	  .doc = "sticky: messages sent to one partition before the producer moves on (Kafka's batch.size, 16384 bytes, over messages of about 1 KiB)" },
	{ .name = "capacity", .type = PARAM_UINT, PARAM_FIELD(struct queue_cfg, capacity),
	  .umin = 1, .umax = UINT64_MAX, .def_doc = "no limit",
	  .doc = "messages a group's backlog may hold; a publish that finds one full is refused (rejected, and dropped for every group)" },
	{ .name = "delivery", .type = PARAM_ENUM, PARAM_FIELD(struct queue_cfg, delivery),
	  .names = delivery_names, .def = "at_least_once",
	  .doc = "what a consumer's crash or a failed call does to the message it holds: at_least_once redelivers it (a possible duplicate), at_most_once loses it" },
	{ .name = "auto_commit_interval", .type = PARAM_DURATION,
	  PARAM_FIELD(struct queue_cfg, commit_ns), .min_ns = 0, .def = "5s",
	  .doc = "at_least_once: a consumer commits what it consumed at a poll this long after its last commit (Kafka's auto.commit.interval.ms, with enable.auto.commit; an idle consumer keeps polling); one that crashes leaves its partitions to be read again from the last commit, so what it consumed since is delivered again (redelivered, duplicates); a clean rebalance commits first; 0 commits each message as it is consumed" },
	{ .name = "max_poll_records", .type = PARAM_UINT,
	  PARAM_FIELD(struct queue_cfg, max_poll_records), .umin = 1, .umax = 1000000, .def = "500",
	  .doc = "messages one poll hands a consumer at most (Kafka's max.poll.records): it takes them one after another, and polls again when they are done or none is left; offsets are committed at a poll" },
	{ .name = "max_poll_interval", .type = PARAM_DURATION,
	  PARAM_FIELD(struct queue_cfg, max_poll_ns), .min_ns = 1, .def = "300s",
	  .doc = "a consumer that has not polled again this long after a poll is put out of the group (Kafka's max.poll.interval.ms): what it holds and what it consumed since its last commit are delivered again, and the group rebalances (poll_timeouts)" },
	{ .name = "rebalance_time", .type = PARAM_DURATION,
	  PARAM_FIELD(struct queue_cfg, rebalance_ns), .min_ns = 0, .def = "0s",
	  .doc = "how long a rebalance stops the whole group, as Kafka's eager rebalance protocol does: no consumer starts a message meanwhile (0: at once)" },
	{ .name = "max_deliveries", .type = PARAM_UINT, PARAM_FIELD(struct queue_cfg, max_deliveries),
	  .umin = 1, .umax = 1000000, .def_doc = "no limit",
	  .doc = "a message that has failed this many deliveries goes to dead_letter instead of back to its partition (Spring Kafka's DeadLetterPublishingRecoverer, SQS's maxReceiveCount)" },
	{ .name = "dead_letter", .type = PARAM_NODE, PARAM_FIELD(struct queue_cfg, dead_letter),
	  .def_doc = "none: the message is dropped (dead_lettered counts it)",
	  .doc = "the node a message past max_deliveries is published to" },
	{ .name = "session_timeout", .type = PARAM_DURATION,
	  PARAM_FIELD(struct queue_cfg, session_ns), .def = "45s",
	  .doc = "how long a group takes to notice a crashed consumer and give its partitions to the others (Kafka's session.timeout.ms); a consumer's return rebalances at once" },
	{ .name = "consumers", .type = PARAM_LIST, PARAM_FIELD(struct queue_cfg, groups),
	  PARAM_COUNT(struct queue_cfg, ngroups), .elem = &group_elem,
	  .elem_size = sizeof(struct group_cfg), .min_len = 1, .max_len = Q_MAX_GROUPS,
	  .flags = PARAM_REQUIRED, .item = "groups",
	  .shape = "[{group: NAME, count: 4, service: DIST, calls: [...]}, ...]",
	  .doc = "the consumer groups: each receives every message" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table q_table = {
	.params = q_params,
	.size = sizeof(struct queue_cfg),
	.doc = "A message broker: a publish completes at once, and each consumer group consumes every message, its consumers sharing the partitions.",
	.init = q_cfg_init,
	.validate = q_validate,
};

/* ---- run state -------------------------------------------------------- */

struct msg {
	struct msg *next;
	uint64_t key, ident;
	int64_t pub_ns;
	uint32_t part;               /* its partition */
	uint32_t deliveries;         /* failed so far */
	uint8_t keyed;
	uint8_t prio;                /* its publisher's priority class */
	uint16_t zone;               /* its publisher's zone (zone.h): the
				      * queue sits with it, and so do its
				      * consumers' calls */
	float bytes[2];              /* its publisher's sizes, which its
				      * consumer's calls carry */
};

struct consumer {
	struct request *req;         /* the message's request, or NULL: idle */
	struct msg *m;
	uint32_t rr;                 /* next of its partitions to look at */
	int down;                    /* crashed (`consumer: K`) */
	/* its poll loop: the messages left of the last poll, when it was,
	 * its number (naming its deadline), when it last committed, and
	 * since when it has found nothing (polling empty) */
	uint32_t batch_left, poll_gen;
	int in_poll;                 /* on a poll's messages */
	int64_t poll_ns, commit_ns, idle_ns;
};

struct gstat {
	uint64_t published, consumed, dropped, redelivered, lost, dead_lettered, poll_timeouts;
	struct twa backlog, busy;
	struct hist delay;
};

struct group {
	struct msg **head, **tail;   /* [partitions] */
	struct msg **uhead, **utail; /* [partitions] consumed, not committed */
	uint64_t backlog;            /* queued and in progress */
	struct consumer *cons;       /* [count] */
	uint32_t *owner;             /* [partitions] its consumer */
	uint32_t *parts;             /* [partitions] grouped by consumer: */
	uint32_t *first;             /* [count + 1] consumer c's from first[c] */
	int down;                    /* the whole group crashed */
	int paused;                  /* a rebalance is under way */
	int64_t resume_ns;           /* ... until then */
	uint64_t win_consumed;       /* in this time-series window */
	struct gstat st;
};

/* A producing node's place in its keyless messages: its sticky partition
 * and how many more go there (started: it has picked one), or its next
 * partition in turn. */
struct producer {
	uint32_t part, left;
	int started;
};

struct queue {
	const struct queue_cfg *cfg;
	struct group *g;
	struct pool msgs;
	uint64_t ident_base, npub;
	int64_t ts_prev_ns;
	struct producer *prod;       /* [s->nnodes], by the publishing node */
	uint32_t nprod;
};

/* assign gives group gi's partitions to its live consumers, round robin;
 * with none live it leaves them where they are. */
static void assign(struct queue *q, uint32_t gi)
{
	struct group *g = &q->g[gi];
	uint32_t count = q->cfg->groups[gi].count, P = q->cfg->partitions;
	uint32_t live = 0;
	for (uint32_t c = 0; c < count; c++)
		live += !g->cons[c].down;
	if (live) {
		/* the k-th live consumer takes partitions k, k + live, ... */
		uint32_t *rank = g->first;       /* scratch: live rank -> consumer */
		for (uint32_t c = 0, k = 0; c < count; c++)
			if (!g->cons[c].down)
				rank[k++] = c;
		for (uint32_t p = 0; p < P; p++)
			g->owner[p] = rank[p % live];
	}
	/* counting sort of the partitions by owner */
	memset(g->first, 0, (count + 1) * sizeof *g->first);
	for (uint32_t p = 0; p < P; p++)
		g->first[g->owner[p] + 1]++;
	for (uint32_t c = 0; c < count; c++)
		g->first[c + 1] += g->first[c];
	for (uint32_t p = 0; p < P; p++)
		g->parts[g->first[g->owner[p]]++] = p;
	for (uint32_t c = count; c > 0; c--)
		g->first[c] = g->first[c - 1];
	g->first[0] = 0;
	for (uint32_t c = 0; c < count; c++)
		g->cons[c].rr = 0;
}

static int q_init(struct sim *s, struct sim_node *n)
{
	const struct queue_cfg *c = n->sc->cfg;
	struct queue *q = calloc(1, sizeof *q);
	n->state = q;
	if (!q)
		return SIM_ENOMEM;
	q->cfg = c;
	pool_init(&q->msgs, sizeof(struct msg), 1024);
	q->ident_base = rng_key(s->run_key, rng_hash64(n->sc->name, 3));
	if (!(q->g = calloc(c->ngroups, sizeof *q->g)) ||
	    !(q->prod = calloc(s->nnodes, sizeof *q->prod)))
		return SIM_ENOMEM;
	q->nprod = s->nnodes;
	for (size_t i = 0; i < c->ngroups; i++) {
		struct group *g = &q->g[i];
		if (!(g->head = calloc(c->partitions, sizeof *g->head)) ||
		    !(g->tail = calloc(c->partitions, sizeof *g->tail)) ||
		    !(g->uhead = calloc(c->partitions, sizeof *g->uhead)) ||
		    !(g->utail = calloc(c->partitions, sizeof *g->utail)) ||
		    !(g->cons = calloc(c->groups[i].count, sizeof *g->cons)) ||
		    !(g->owner = calloc(c->partitions, sizeof *g->owner)) ||
		    !(g->parts = calloc(c->partitions, sizeof *g->parts)) ||
		    !(g->first = calloc(c->groups[i].count + 1, sizeof *g->first)) ||
		    hist_init(&g->st.delay))
			return SIM_ENOMEM;
		assign(q, (uint32_t)i);
		twa_init(&g->st.backlog, s->now_ns, 0);
		twa_init(&g->st.busy, s->now_ns, 0);
		for (uint32_t ci = 0; ci < c->groups[i].count; ci++)
			g->cons[ci].idle_ns = g->cons[ci].commit_ns = s->now_ns;
	}
	return 0;
}

static void q_fini(struct sim *s, struct sim_node *n)
{
	struct queue *q = n->state;
	(void)s;
	if (!q)
		return;
	for (size_t i = 0; q->g && i < q->cfg->ngroups; i++) {
		free(q->g[i].head), free(q->g[i].tail), free(q->g[i].cons);
		free(q->g[i].uhead), free(q->g[i].utail);
		free(q->g[i].owner), free(q->g[i].parts), free(q->g[i].first);
		hist_fini(&q->g[i].st.delay);
	}
	pool_fini(&q->msgs);
	free(q->g), free(q->prod), free(q);
}

static void start_next(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi,
		       uint32_t ci);

/* push puts m at the tail (or, redelivered, the head) of partition p of
 * group gi, and wakes its consumer. */
static void push(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi,
		 uint32_t p, struct msg *m, int at_head)
{
	struct group *g = &q->g[gi];
	if (at_head) {
		m->next = g->head[p];
		g->head[p] = m;
		if (!g->tail[p])
			g->tail[p] = m;
	} else {
		m->next = NULL;
		if (g->tail[p])
			g->tail[p]->next = m;
		else
			g->head[p] = m;
		g->tail[p] = m;
	}
	uint32_t ci = g->owner[p];
	if (!g->down && !g->paused && !g->cons[ci].down && !g->cons[ci].req)
		start_next(s, n, q, gi, ci);
}

/* ---- offsets: what a group consumed and has not committed --------------- */

/* commit_part forgets partition p's consumed messages: their offsets are
 * committed. */
static void commit_part(struct queue *q, struct group *g, uint32_t p)
{
	for (struct msg *m = g->uhead[p], *next; m; m = next) {
		next = m->next;
		pool_put(&q->msgs, m);
	}
	g->uhead[p] = g->utail[p] = NULL;
}

static void commit_all(struct queue *q, struct group *g)
{
	for (uint32_t p = 0; p < q->cfg->partitions; p++)
		commit_part(q, g, p);
}

/* commit_mine commits consumer ci's partitions. */
static void commit_mine(struct queue *q, struct group *g, uint32_t ci)
{
	for (uint32_t k = g->first[ci]; k < g->first[ci + 1]; k++)
		commit_part(q, g, g->parts[k]);
}

/* caught_up: an idle consumer of group g keeps polling, empty: by now it
 * has committed if auto_commit_interval has passed since it went idle
 * or last committed, whichever is later. */
static void caught_up(struct queue *q, struct group *g, uint32_t ci, int64_t now)
{
	struct consumer *cs = &g->cons[ci];
	int64_t due = cs->commit_ns + q->cfg->commit_ns;
	if (cs->in_poll || cs->req || !q->cfg->commit_ns)
		return;
	if (due < cs->idle_ns)
		due = cs->idle_ns;
	if (now >= due) {
		commit_mine(q, g, ci);
		cs->commit_ns = due;
	}
}

/* rewind puts partition p's consumed and uncommitted messages back at its
 * head, in order: its next owner reads from the last committed offset,
 * and delivers them again. */
static void rewind_part(struct sim *s, struct queue *q, struct group *g, uint32_t p)
{
	uint64_t k = 0;
	for (struct msg *m = g->uhead[p]; m; m = m->next)
		k++;
	if (!k)
		return;
	g->utail[p]->next = g->head[p];
	if (!g->head[p])
		g->tail[p] = g->utail[p];
	g->head[p] = g->uhead[p];
	g->uhead[p] = g->utail[p] = NULL;
	g->backlog += k;
	twa_add(&g->st.backlog, s->now_ns, (double)k);
	if (s->measuring)
		g->st.redelivered += k;
}

/* dead_letter takes m, failed max_deliveries times, out of group g: to
 * the dead_letter node as a publish of the queue's own, or dropped. */
static void dead_letter(struct sim *s, struct sim_node *n, struct queue *q, struct group *g,
			struct msg *m)
{
	const struct queue_cfg *c = q->cfg;
	g->backlog--;
	twa_add(&g->st.backlog, s->now_ns, -1);
	if (s->measuring)
		g->st.dead_lettered++;
	if (c->dead_letter != UINT32_MAX) {
		struct request *r = sim_request_new(s);
		if (!r) {
			s->oom = 1;
		} else {
			r->ident = rng_key(m->ident, 0x646c71);
			r->key = m->key;
			r->keyed = m->keyed;
			r->prio = m->prio;
			r->zone = r->origin = m->zone;
			r->bytes[0] = m->bytes[0], r->bytes[1] = m->bytes[1];
			r->reply_to = n->id;
			sim_send(s, c->dead_letter, r);
		}
	}
	pool_put(&q->msgs, m);
}

static uint32_t partition_of(const struct queue *q, uint64_t key)
{
	return (uint32_t)(keys_hash(key) % q->cfg->partitions);
}

/* keyless_partition: where the node publishing req sends it, req having
 * no key: its sticky partition while its batch lasts, then another drawn
 * uniformly from the rest (a draw of the request's own); or the next in
 * turn. */
static uint32_t keyless_partition(struct sim *s, struct queue *q, const struct request *req)
{
	const struct queue_cfg *c = q->cfg;
	struct producer *p = &q->prod[req->reply_to < q->nprod ? req->reply_to : 0];
	if (c->keyless == K_ROUND_ROBIN) {
		uint32_t k = p->part;
		p->part = (k + 1) % c->partitions;
		return k;
	}
	if (!p->left) {
		/* the first pick is any partition, each next one any other */
		uint32_t P = c->partitions, others = p->started && P > 1 ? P - 1 : P;
		uint32_t k = (uint32_t)(rng_uniform_pos(sim_draws(s, req, Q_DRAW_STICKY)) * others);
		p->part = p->started && P > 1 && k >= p->part ? k + 1 : k;
		p->started = 1;
		p->left = c->batch;
	}
	p->left--;
	return p->part;
}

static void q_arrive(struct sim *s, struct sim_node *n, struct request *req)
{
	struct queue *q = n->state;
	const struct queue_cfg *c = q->cfg;
	for (size_t i = 0; c->capacity && i < c->ngroups; i++)
		if (q->g[i].backlog >= c->capacity) {
			for (size_t j = 0; s->measuring && j < c->ngroups; j++)
				q->g[j].st.dropped++;
			sim_fail(s, req, REQ_REJECTED, n->id);
			return;
		}
	uint32_t p = req->keyed ? partition_of(q, req->key) : keyless_partition(s, q, req);
	uint64_t ident = rng_key(q->ident_base, q->npub++);
	for (uint32_t i = 0; i < c->ngroups; i++) {
		struct msg *m = pool_get(&q->msgs);
		if (!m) {
			s->oom = 1;
			return;
		}
		m->key = req->key;
		m->keyed = req->keyed;
		m->prio = req->prio;
		m->zone = req->zone;
		m->bytes[0] = req->bytes[0], m->bytes[1] = req->bytes[1];
		m->part = p;
		m->deliveries = 0;
		m->ident = rng_key(ident, i);
		m->pub_ns = s->now_ns;
		struct group *g = &q->g[i];
		g->backlog++;
		twa_add(&g->st.backlog, s->now_ns, 1);
		if (s->measuring)
			g->st.published++;
		push(s, n, q, i, p, m, 0);
	}
	/* the producer does not wait */
	req->status = REQ_OK;
	sim_finish(s, req);
}

/* poll: consumer ci of group gi polls: it commits what it consumed if
 * auto_commit_interval has passed, takes up to max_poll_records
 * messages, and must poll again within max_poll_interval. */
static void poll(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi, uint32_t ci)
{
	struct group *g = &q->g[gi];
	struct consumer *cs = &g->cons[ci];
	caught_up(q, g, ci, s->now_ns);
	if (q->cfg->commit_ns && s->now_ns - cs->commit_ns >= q->cfg->commit_ns) {
		commit_mine(q, g, ci);
		cs->commit_ns = s->now_ns;
	}
	cs->batch_left = q->cfg->max_poll_records;
	cs->poll_ns = s->now_ns;
	cs->in_poll = 1;
	cs->poll_gen++;
	sim_schedule(s, s->now_ns + q->cfg->max_poll_ns, n->id, Q_EV_POLL_DEADLINE, NULL,
		     (uint64_t)cs->poll_gen << 32 | (uint64_t)gi << 20 | ci);
}

/* start_next gives consumer ci of group gi its next message, if any. */
static void start_next(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi,
		       uint32_t ci)
{
	const struct group_cfg *gc = &q->cfg->groups[gi];
	struct group *g = &q->g[gi];
	struct consumer *cs = &g->cons[ci];
	/* its partitions, in turn */
	const uint32_t *mine = g->parts + g->first[ci];
	uint32_t nmine = g->first[ci + 1] - g->first[ci];
	for (uint32_t k = 0; k < nmine; k++) {
		uint32_t p = mine[(cs->rr + k) % nmine];
		struct msg *m = g->head[p];
		if (!m)
			continue;
		if (!cs->in_poll || !cs->batch_left)
			poll(s, n, q, gi, ci);
		cs->batch_left--;
		g->head[p] = m->next;
		if (!g->head[p])
			g->tail[p] = NULL;
		cs->rr = (cs->rr + k + 1) % nmine;
		struct request *r = sim_request_new(s);
		if (!r) {
			s->oom = 1;
			return;
		}
		r->ident = m->ident;
		r->key = m->key;
		r->keyed = m->keyed;
		r->prio = m->prio;
		r->zone = r->origin = m->zone;
		r->bytes[0] = m->bytes[0], r->bytes[1] = m->bytes[1];
		r->issue = (uint64_t)gi << 32 | ci;
		r->reply_to = n->id;
		cs->req = r;
		cs->m = m;
		twa_add(&g->st.busy, s->now_ns, 1);
		int64_t d = sim_demand_ns(s, n, gi, r, &gc->service, 1.0);
		r->timer = sim_timer_set(s, s->now_ns + d, n->id, Q_EV_DONE, r, r->issue);
		return;
	}
	/* none left: the poll is over, and it polls empty from now on */
	if (cs->in_poll) {
		cs->in_poll = 0;
		cs->batch_left = 0;
		cs->idle_ns = s->now_ns;
	}
}

/* settle ends consumer ci's message: consumed (ok), or failed:
 * redelivered or lost by the delivery guarantee. */
static void settle(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi,
		   uint32_t ci, int ok)
{
	struct group *g = &q->g[gi];
	struct consumer *cs = &g->cons[ci];
	struct msg *m = cs->m;
	sim_request_free(s, cs->req);
	cs->req = NULL;
	cs->m = NULL;
	twa_add(&g->st.busy, s->now_ns, -1);
	if (ok || q->cfg->delivery == D_AT_MOST_ONCE) {
		g->backlog--;
		twa_add(&g->st.backlog, s->now_ns, -1);
		if (s->measuring) {
			if (ok) {
				g->st.consumed++;
				hist_record(&g->st.delay, s->now_ns - m->pub_ns);
			} else {
				g->st.lost++;
			}
		}
		if (ok)
			g->win_consumed++;
		if (ok && q->cfg->delivery == D_AT_LEAST_ONCE && q->cfg->commit_ns) {
			/* consumed, its offset not committed yet */
			uint32_t p = m->part;
			m->next = NULL;
			if (g->utail[p])
				g->utail[p]->next = m;
			else
				g->uhead[p] = m;
			g->utail[p] = m;
		} else {
			pool_put(&q->msgs, m);
		}
	} else if (q->cfg->max_deliveries && ++m->deliveries >= q->cfg->max_deliveries) {
		dead_letter(s, n, q, g, m);
	} else {
		if (s->measuring)
			g->st.redelivered++;
		push(s, n, q, gi, m->part, m, 1);
	}
	if (!g->down && !g->paused && !cs->down && !cs->req)
		start_next(s, n, q, gi, ci);
}

/* wake starts every idle live consumer of group gi. */
static void wake(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi)
{
	struct group *g = &q->g[gi];
	if (g->down || g->paused)
		return;
	for (uint32_t ci = 0; ci < q->cfg->groups[gi].count; ci++)
		if (!g->cons[ci].down && !g->cons[ci].req)
			start_next(s, n, q, gi, ci);
}

/* drop fails the message consumer ci of group gi holds, if any. */
static void drop(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi, uint32_t ci)
{
	struct consumer *cs = &q->g[gi].cons[ci];
	if (!cs->req)
		return;
	sim_timer_cancel(&cs->req->timer);
	if (cs->req->waiting)
		sim_calls_abandon(s, cs->req);
	settle(s, n, q, gi, ci, 0);
}

/* rebalance: group gi's membership changed.  The consumers commit what
 * they consumed (a clean revoke), and the partitions are assigned anew,
 * at once or after rebalance_time with the group stopped meanwhile. */
static void rebalance(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi)
{
	struct group *g = &q->g[gi];
	commit_all(q, g);
	if (q->cfg->rebalance_ns) {
		/* a rebalance during one starts the pause again */
		g->paused = 1;
		g->resume_ns = s->now_ns + q->cfg->rebalance_ns;
		sim_schedule(s, g->resume_ns, n->id, Q_EV_RESUME, NULL, gi);
		return;
	}
	assign(q, gi);
	wake(s, n, q, gi);
}

/* poll_timeout: consumer ci of group gi has not polled within
 * max_poll_interval: the group puts it out and takes it back at once (it
 * polls again), rebalancing; what it holds and what it consumed since
 * its last commit are delivered again. */
static void poll_timeout(struct sim *s, struct sim_node *n, struct queue *q, uint32_t gi,
			 uint32_t ci)
{
	struct group *g = &q->g[gi];
	struct consumer *cs = &g->cons[ci];
	if (s->measuring)
		g->st.poll_timeouts++;
	cs->in_poll = 0;
	cs->batch_left = 0;
	cs->idle_ns = s->now_ns;
	/* out of the group meanwhile: it takes nothing until the rebalance */
	cs->down = 1;
	drop(s, n, q, gi, ci);
	for (uint32_t k = g->first[ci]; k < g->first[ci + 1]; k++)
		rewind_part(s, q, g, g->parts[k]);
	cs->down = 0;
	rebalance(s, n, q, gi);
}

static void q_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct queue *q = n->state;
	if (ev->kind == Q_EV_REBALANCE) {
		rebalance(s, n, q, (uint32_t)ev->arg);
		return;
	}
	if (ev->kind == Q_EV_RESUME) {
		if (s->now_ns < q->g[ev->arg].resume_ns)
			return;         /* a later rebalance's pause is on */
		q->g[ev->arg].paused = 0;
		assign(q, (uint32_t)ev->arg);
		wake(s, n, q, (uint32_t)ev->arg);
		return;
	}
	if (ev->kind == Q_EV_POLL_DEADLINE) {
		uint32_t gi = (uint32_t)(ev->arg >> 20) & 0xfff, ci = (uint32_t)ev->arg & 0xfffff;
		struct consumer *cs = &q->g[gi].cons[ci];
		/* still on that poll's messages: out of the group */
		if (cs->poll_gen == (uint32_t)(ev->arg >> 32) && cs->in_poll && !cs->down)
			poll_timeout(s, n, q, gi, ci);
		return;
	}
	struct request *r = ev->obj;
	uint32_t gi = (uint32_t)(ev->arg >> 32), ci = (uint32_t)ev->arg;
	r->timer.ev = NULL;
	const struct group_cfg *gc = &q->cfg->groups[gi];
	if (sim_fault_errors(s, n, gi, r)) {
		settle(s, n, q, gi, ci, 0);
		return;
	}
	if (gc->calls.nsteps && sim_calls_start(s, n, gi, r, &gc->calls))
		return;
	settle(s, n, q, gi, ci, 1);
}

static void q_calls_done(struct sim *s, struct sim_node *n, struct request *req, int status)
{
	struct queue *q = n->state;
	settle(s, n, q, (uint32_t)(req->issue >> 32), (uint32_t)req->issue, status == REQ_OK);
}

/* q_done: the answer to a dead letter the queue published. */
static void q_done(struct sim *s, struct sim_node *n, struct request *req)
{
	(void)n;
	sim_request_free(s, req);
}

static void q_crash(struct sim *s, struct sim_node *n, uint32_t gi)
{
	struct queue *q = n->state;
	struct group *g = &q->g[gi];
	g->down = 1;
	for (uint32_t ci = 0; ci < q->cfg->groups[gi].count; ci++) {
		caught_up(q, g, ci, s->now_ns);
		drop(s, n, q, gi, ci);
	}
	for (uint32_t p = 0; p < q->cfg->partitions; p++)
		rewind_part(s, q, g, p);
}

static void q_recover(struct sim *s, struct sim_node *n, uint32_t gi)
{
	struct queue *q = n->state;
	q->g[gi].down = 0;
	wake(s, n, q, gi);
}

/* q_action: consumer t->member of group t->unit crashes or returns.  It is
 * down while any active crash entry names it (the engine keeps them). */
static void q_action(struct sim *s, struct sim_node *n, const struct tl_entry *t, int start)
{
	struct queue *q = n->state;
	uint32_t gi = t->unit, ci = t->member;
	int down = 0;
	(void)start;
	for (size_t i = 0; i < s->sc->ntimeline; i++) {
		const struct tl_entry *c = &s->sc->timeline[i];
		if (s->tl_active[i] && c->action == TL_CRASH && c->node == n->id &&
		    c->unit == gi && c->member == ci)
			down = 1;
	}
	struct consumer *cs = &q->g[gi].cons[ci];
	if (down == cs->down)
		return;
	cs->down = down;
	if (down) {
		struct group *g = &q->g[gi];
		caught_up(q, g, ci, s->now_ns);
		drop(s, n, q, gi, ci);
		/* what it consumed since its last commit is read again */
		for (uint32_t k = g->first[ci]; k < g->first[ci + 1]; k++)
			rewind_part(s, q, g, g->parts[k]);
	}
	/* the group notices a crash after the session timeout, a return at
	 * once */
	int64_t at = s->now_ns + (down ? q->cfg->session_ns : 0);
	if (at == s->now_ns)
		rebalance(s, n, q, gi);
	else
		sim_schedule(s, at, n->id, Q_EV_REBALANCE, NULL, gi);
}

static uint32_t q_members(const void *cfg, uint32_t unit)
{
	return ((const struct queue_cfg *)cfg)->groups[unit].count;
}

static void q_warmup_end(struct sim *s, struct sim_node *n)
{
	struct queue *q = n->state;
	for (size_t i = 0; i < q->cfg->ngroups; i++) {
		struct gstat *st = &q->g[i].st;
		st->published = st->consumed = st->dropped = st->redelivered = st->lost = 0;
		st->dead_lettered = st->poll_timeouts = 0;
		twa_restart(&st->backlog, s->now_ns);
		twa_restart(&st->busy, s->now_ns);
		hist_reset(&st->delay);
	}
}

static void row_write(double *v, const struct gstat *st, int64_t now, double consumers)
{
	v[0] = (double)st->published;
	v[2] = (double)st->consumed;
	v[4] = (double)st->dropped;
	v[6] = (double)st->redelivered;
	v[8] = (double)st->lost;
	v[10] = twa_mean(&st->backlog, now);
	v[12] = st->delay.total ? hist_mean(&st->delay) * 1e-9 : NAN;
	v[14] = st->delay.total ? (double)hist_quantile(&st->delay, 0.5) * 1e-9 : NAN;
	v[16] = st->delay.total ? (double)hist_quantile(&st->delay, 0.99) * 1e-9 : NAN;
	v[18] = consumers > 0 ? twa_mean(&st->busy, now) / consumers : NAN;
	v[20] = (double)st->dead_lettered;
	v[22] = (double)st->poll_timeouts;
}

static void q_finish(struct sim *s, struct sim_node *n, struct node_rows *o)
{
	struct queue *q = n->state;
	const struct queue_cfg *c = q->cfg;
	struct gstat all = { 0 };
	double consumers = 0, busy = 0, backlog = 0;
	if (hist_init(&all.delay)) {
		s->oom = 1;
		return;
	}
	for (size_t i = 0; i < c->ngroups; i++) {
		const struct gstat *st = &q->g[i].st;
		all.published += st->published, all.consumed += st->consumed;
		all.dropped = st->dropped;       /* the same for every group */
		all.redelivered += st->redelivered, all.lost += st->lost;
		all.dead_lettered += st->dead_lettered;
		all.poll_timeouts += st->poll_timeouts;
		hist_merge(&all.delay, &st->delay);
		consumers += c->groups[i].count;
		busy += twa_mean(&st->busy, s->now_ns);
		backlog += twa_mean(&st->backlog, s->now_ns);
		if (o->nrows > 1)
			row_write(node_row(o, 1 + (uint32_t)i), st, s->now_ns,
				  c->groups[i].count);
	}
	double *v = node_row(o, 0);
	row_write(v, &all, s->now_ns, 0);
	v[10] = backlog;
	v[18] = busy / consumers;
	hist_fini(&all.delay);
}

/* q_sample writes the backlog and the consumption rate of all groups,
 * then, with several groups, of each. */
static void q_sample(struct sim *s, struct sim_node *n, double *out)
{
	struct queue *q = n->state;
	size_t ng = q->cfg->ngroups;
	uint64_t b = 0, c = 0;
	double dt = (double)(s->now_ns - q->ts_prev_ns) * 1e-9;
	for (size_t i = 0; i < ng; i++) {
		struct group *g = &q->g[i];
		b += g->backlog;
		c += g->win_consumed;
		if (ng > 1) {
			out[2 + 2 * i] = (double)g->backlog;
			out[3 + 2 * i] = dt > 0 ? (double)g->win_consumed / dt : NAN;
		}
		g->win_consumed = 0;
	}
	out[0] = (double)b;
	out[1] = dt > 0 ? (double)c / dt : NAN;
	q->ts_prev_ns = s->now_ns;
}

static double q_calls(const void *cfg, size_t i, uint32_t *to)
{
	const struct queue_cfg *c = cfg;
	for (size_t g = 0; g < c->ngroups; g++) {
		if (i < c->groups[g].calls.nedges)
			return callplan_edge(&c->groups[g].calls, i, to);
		i -= c->groups[g].calls.nedges;
	}
	return -1;
}

/* billing: one broker (the queue is one service, however many groups
 * read it), and the messages published to it, as a managed queue bills */
static void q_billing(struct sim *s, struct sim_node *n, struct node_bill *b)
{
	const struct queue *q = n->state;
	(void)s;
	b->instances = 1;
	b->requests = q->cfg->ngroups ? (double)q->g[0].st.published : 0;
}

static uint32_t q_units(const void *cfg)
{
	return (uint32_t)((const struct queue_cfg *)cfg)->ngroups;
}

static const struct col_def q_cols[] = {
	{ "published", COL_SUM, "queue: messages published (a group's row: received)" },
	{ "consumed", COL_SUM, "queue: messages consumed (served, calls answered)" },
	{ "dropped", COL_SUM, "queue: publishes refused by a full backlog" },
	{ "redelivered", COL_SUM, "queue: messages put back after a consumer crash or a failed call (at_least_once: possible duplicates)" },
	{ "lost", COL_SUM, "queue: messages lost that way (at_most_once)" },
	{ "backlog_mean", COL_MEAN, "queue: messages waiting or in progress, time-averaged (the group's consumer lag)" },
	{ "delay_mean_s", COL_MEAN, "queue: time from publish to consumed" },
	{ "delay_p50_s", COL_MEAN, "queue: its median, per replication, averaged" },
	{ "delay_p99_s", COL_MEAN, "queue: its 99th percentile, per replication, averaged" },
	{ "consumer_utilization", COL_MEAN, "queue: consumers busy with a message, time-averaged" },
	{ "dead_lettered", COL_SUM, "queue: messages past max_deliveries, sent to dead_letter (or dropped)" },
	{ "poll_timeouts", COL_SUM, "queue: consumers put out of their group for not polling within max_poll_interval" },
	{ NULL, 0, NULL },
};

static const struct col_def q_ts_cols[] = {
	{ "backlog", COL_MEAN, "queue: messages waiting or in progress at the window's end (the node's row: all groups; a group's row, queue[g]: its consumer lag)" },
	{ "consumed_per_s", COL_MEAN, "queue: messages consumed per second" },
	{ NULL, 0, NULL },
};

const struct model_ops queue_ops = {
	.kind = "queue",
	.summary = "a message broker: partitions, consumer groups, at-least-once delivery; backlog and publish-to-consume delay",
	.params = &q_table,
	.units = q_units,
	.init = q_init,
	.arrive = q_arrive,
	.event = q_event,
	.calls_done = q_calls_done,
	.done = q_done,
	.crash = q_crash,
	.recover = q_recover,
	.action = q_action,
	.members = q_members,
	.faults = SIM_FAULT(TL_CRASH) | SIM_FAULT(TL_RECOVER) | SIM_FAULT(TL_SLOW) |
		  SIM_FAULT(TL_ERRORS) | SIM_FAULT(TL_LATENCY),
	.warmup_end = q_warmup_end,
	.billing = q_billing,
	.bills = BILL_REQUESTS,
	.finish = q_finish,
	.cols = q_cols,
	.sample = q_sample,
	.ts_cols = q_ts_cols,
	.ts_units = 1,
	.fini = q_fini,
	.calls = q_calls,
};
