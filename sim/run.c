/*
 * run.c - one replication: the event loop, the timeline's faults and
 * the replication's measurements (sim_run, sim.h).  The calls in flight
 * are call.c's; what both use is sim.c's.
 *
 * sim_run sets a replication up (the nodes, their fault state and call
 * statistics, the calls' machinery through calls_init), runs the loop and
 * gathers what the kinds and the calls measured into the result.
 *
 * The loop runs in two phases, warm-up and measurement, so the hot loop has
 * no test for "is warm-up over" per event: each phase pops events until the
 * next one lies beyond the phase's end, which is pushed back (with its
 * original seq, so order is kept) for the next phase.
 *
 * Each turn takes the next of three sources in (time, seq) order: the
 * ladder queue, the FIFO of events at the current time, and the FIFO of
 * replies (see sim.h).  A reply goes to the node it answers (its done
 * callback), or, when it is a child request's (req->call set), to the
 * calls: sim_call_reply.  (A reply that would be the very next turn may be
 * handed over at once by the service that ends it, sim_finish_last; the
 * loop counts it as the event it would have been.)  An event goes to its
 * node's event callback unless
 * its kind carries SIM_EV_ENGINE: the engine's own, of which this file
 * handles the delayed arrivals and the timeline's entries and hands the
 * rest - timeouts, retries, refused attempts, breakers' waits, hedges,
 * free connections - to call.c (simint.h).  Time-series windows are
 * closed by the loop itself, before the first event past a window's end,
 * and so are the nodes' periodic calls (sim_every: an autoscaler's sync),
 * before the first event at or past their time or the phase's end.
 *
 * This file calls into call.c and sim.c, and neither calls back: call.c
 * uses only sim.h's inline helpers and sim.c nothing of either (simint.h
 * says why).  (One of those helpers, sim_finish_last, calls call.c's
 * sim_call_reply from a kind's handler, as this loop would next.)
 *
 * A clock that stops: closed-loop users with no think time whose requests
 * are refused at once reissue them at the same instant for ever.  Every
 * 65536 events the loop looks whether the clock has moved since its last
 * look; when it has not for more than a million events and sixteen per
 * live event and request (a legitimate burst at one instant is bounded by
 * what is alive), the run ends with SIM_ESTUCK and a message naming the
 * node where requests last failed.  The check costs nothing per event.
 */
#include "sim/sim.h"
#include "sim/simint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/timeline.h"
#include "sim/zone.h"

/* Events at one instant before the stuck check looks closer. */
#define SIM_STUCK_EVENTS 1000000u

/* ---- measurement ------------------------------------------------------ */

/* sample_nodes asks every kind with time-series columns for the values of
 * node-series window `win`. */
static void sample_nodes(struct sim *s, size_t win)
{
	struct rep_result *r = s->res;
	double *out = r->node_ts + win * r->node_ts_cells;
	for (size_t k = 0; k < s->sc->ncomponents; k++) {
		struct sim_node *n = &s->nodes[k];
		size_t nc = model_ts_cells(n->sc);
		if (!nc)
			continue;
		n->ops->sample(s, n, out);
		out += nc;
	}
}

/* ticks closes the time-series windows that end at or before t, as if
 * each closed at its end.  The loop calls it before an event later than
 * the next window's end: a tick is no event in the queue, where one far
 * ahead would slow the pushes of a small queue (evq.h). */
static void ticks(struct sim *s, int64_t t)
{
	struct rep_result *r = s->res;
	while (t >= s->next_tick_ns) {
		s->now_ns = s->next_tick_ns;
		s->ts_cur++;
		if (r->node_ts_cells && s->ts_cur % r->node_ts_every == 0)
			sample_nodes(s, s->ts_cur / r->node_ts_every - 1);
		s->next_tick_ns += r->ts_window_ns;
		if (s->ts_cur >= r->nts || s->next_tick_ns >= s->end_ns)
			s->next_tick_ns = INT64_MAX;
	}
}

/* periodic makes the nodes' periodic calls due at the earliest time they
 * are due, in the order they were asked for, after closing the windows
 * that end by then. */
static void periodic(struct sim *s)
{
	int64_t t = s->next_every_ns, next = INT64_MAX;
	if (t >= s->next_tick_ns)
		ticks(s, t);
	s->now_ns = t;
	for (size_t i = 0; i < s->nevery; i++) {
		struct sim_every *e = &s->every[i];
		if (e->next_ns == t) {
			e->next_ns += e->every_ns;
			struct sim_node *n = &s->nodes[e->node];
			n->ops->periodic(s, n);
		}
		if (e->next_ns < next)
			next = e->next_ns;
	}
	s->next_every_ns = next;
}

/* ---- the timeline ----------------------------------------------------- */

/* covers says whether entry t acts on replica `unit` of node n: the
 * whole node, the replica itself, or, for an entry of a zone, the
 * replicas placed there. */
static int covers(const struct sim_node *n, const struct tl_entry *t, uint32_t unit)
{
	if (t->zone)
		return n->zone && n->zone[unit % n->nzone] == t->zone;
	return t->unit == SIM_ANY || t->unit == unit;
}

/* tl_apply works out node k's fault state from the active entries and
 * tells the kind about crashes that began or ended. */
static void tl_apply(struct sim *s, uint32_t k)
{
	struct sim_node *n = &s->nodes[k];
	struct node_faults *f = n->faults;
	const struct scenario *sc = s->sc;
	f->add_ns = 0;
	for (uint32_t u = 0; u < n->units; u++) {
		double slow = 1, ok = 1;
		int down = 0;
		for (size_t i = 0; i < sc->ntimeline; i++) {
			const struct tl_entry *t = &sc->timeline[i];
			if (!s->tl_active[i] || t->node != k || !covers(n, t, u) ||
			    t->member != SIM_ANY)
				continue;
			switch (t->action) {
			case TL_CRASH: down = 1; break;
			case TL_SLOW: slow *= t->value; break;
			case TL_ERRORS: ok *= 1 - t->value; break;
			case TL_LATENCY:
				if (u == 0)
					f->add_ns += t->add_ns;
				break;
			default: break;
			}
		}
		f->slow[u] = slow;
		f->error[u] = 1 - ok;
		if (down != f->down[u]) {
			f->down[u] = (uint8_t)down;
			n->gen++;
			if (down)
				f->down_since[u] = s->now_ns;
			if (down && n->ops->crash)
				n->ops->crash(s, n, u);
			else if (!down && n->ops->recover)
				n->ops->recover(s, n, u);
		}
	}
}

/* links_apply works out the faults of each pair of zones from the active
 * entries of the links (`between:`): cut by any partition, delayed by the
 * sum of the latency spikes. */
static void links_apply(struct sim *s)
{
	const struct scenario *sc = s->sc;
	const struct zone_map *z = s->zmap;
	size_t w = (size_t)z->n + 1;
	memset(s->zfault, 0, w * w * sizeof *s->zfault);
	for (size_t i = 0; i < sc->ntimeline; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		if (t->node != TL_LINKS || !s->tl_active[i])
			continue;
		for (uint32_t a = 1; a <= z->n; a++)
			for (uint32_t b = 1; b <= z->n; b++) {
				/* between zones: a hop inside one is not touched */
				if (a == b || !zone_between(z, t->between[0], t->between[1], a, b))
					continue;
				struct sim_zfault *f = &s->zfault[a * w + b];
				if (t->action == TL_PARTITION) {
					if (!f->cut || t->add_ns < f->cut_ns)
						f->cut_ns = t->add_ns;
					f->cut++;
				} else {
					f->add_ns += t->add_ns;
				}
			}
	}
}

static void tl_event(struct sim *s, struct event *ev)
{
	const struct scenario *sc = s->sc;
	size_t i = (size_t)ev->arg;
	const struct tl_entry *t = &sc->timeline[i];
	int start = ev->kind == SIM_EV_TL_START;
	if (t->node == TL_LINKS) {
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		links_apply(s);
		return;
	}
	struct sim_node *n = &s->nodes[t->node];
	if (t->action == TL_SCALE) {
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		/* the active entry that started last decides; with none, the
		 * configured number holds */
		long w = tl_scale_winner(sc, t->node, s->tl_active);
		uint32_t units = w < 0 ? n->sc->units : sc->timeline[w].replicas;
		if (units != n->faults->units_set) {
			n->faults->units_set = units;
			n->units_now = units;
			n->gen++;
			n->ops->scale(s, n, units);
		}
		return;
	}
	if (t->member != SIM_ANY) {
		/* a crash or recover of one member of a unit (a queue's
		 * consumer): the kind keeps its state from the active entries */
		if (t->action == TL_RECOVER) {
			for (size_t j = 0; j < sc->ntimeline; j++) {
				const struct tl_entry *c = &sc->timeline[j];
				if (c->action == TL_CRASH && c->node == t->node &&
				    c->unit == t->unit && c->member == t->member)
					s->tl_active[j] = 0;
			}
		} else {
			s->tl_active[i] = (uint8_t)start;
			if (start && t->for_ns)
				sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		}
		n->ops->action(s, n, t, start);
		return;
	}
	if (t->action == TL_KIND) {
		/* the kind's own actions: it keeps their state */
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
		n->ops->action(s, n, t, start);
		return;
	}
	if (t->action == TL_RECOVER) {
		for (size_t j = 0; j < sc->ntimeline; j++) {
			const struct tl_entry *c = &sc->timeline[j];
			if (c->action != TL_CRASH || c->node != t->node || c->member != SIM_ANY)
				continue;
			if (t->zone) {
				/* a zone back: its crashes, and its replicas' */
				if (c->zone == t->zone ||
				    (c->unit != SIM_ANY && !c->zone && covers(n, t, c->unit)))
					s->tl_active[j] = 0;
			} else if (t->unit == SIM_ANY || (c->unit == t->unit && !c->zone)) {
				s->tl_active[j] = 0;
			}
		}
	} else {
		s->tl_active[i] = (uint8_t)start;
		if (start && t->for_ns)
			sim_schedule(s, s->now_ns + t->for_ns, 0, SIM_EV_TL_END, NULL, i);
	}
	tl_apply(s, t->node);
}

/* ---- the loop --------------------------------------------------------- */

/* engine_event handles an event of the engine's own (its kind carries
 * SIM_EV_ENGINE): a delayed arrival or a timeline entry here, the calls'
 * in call.c. */
static __attribute__((noinline)) void engine_event(struct sim *s, struct event *ev)
{
	struct request *req = ev->obj;
	switch (ev->kind) {
	case SIM_EV_DELIVER:
		req->node_arrival_ns = s->now_ns;
		sim_trace(s, SIM_TR_ARRIVE, req, NULL, ev->node, 0);
		s->nodes[ev->node].arrive(s, &s->nodes[ev->node], req);
		break;
	case SIM_EV_REPLY:
		sim_reply_now(s, req);
		break;
	case SIM_EV_LOST:
		/* its sender gave up: a timeout there, with nothing more to
		 * cross (the failure is the sender's own) */
		req->zflags = SIM_Z_MOVED | SIM_Z_BACK;
		req->zone = req->origin;
		if (ev->arg) {
			req->status = REQ_TIMEOUT;
			sim_reply_now(s, req);
		} else {
			sim_fail(s, req, REQ_TIMEOUT, ev->node);
		}
		break;
	case SIM_EV_TL_START:
	case SIM_EV_TL_END:
		tl_event(s, ev);
		break;
	/* the calls' (call.c) */
	case SIM_EV_TIMEOUT:
		timeouts_due(s, (uint32_t)(ev->arg >> 1), (unsigned)(ev->arg & 1));
		break;
	case SIM_EV_RETRY:
		retry_now(s, ev->arg, ev->node);
		break;
	case SIM_EV_DENIED:
		denied_now(s, ev->arg, ev->node);
		break;
	case SIM_EV_BREAKER:
		half_open_now(s, ev->node, ev->arg);
		break;
	case SIM_EV_HEDGE:
		hedge_now(s, ev->arg, ev->node);
		break;
	case SIM_EV_POOL:
		pool_send(s, (uint32_t)ev->arg, ev->node);
		break;
	}
}

/* next_event takes the next event earlier than end_ns, or returns NULL:
 * the ladder's head when it is at now_ns (it was scheduled before the
 * clock got there, so before anything in the FIFOs), else the FIFO of
 * events at now_ns, else the ladder's head.  A reply due before the event
 * it would return is taken instead: *reply is set and NULL returned. */
static inline struct event *next_event(struct sim *s, int64_t end_ns,
				       struct request **reply)
{
	struct event *ev = s->now_head;
	struct request *r = s->reply_head;
	if (ev || r) {
		if (s->now_ns >= end_ns)
			return NULL;
		struct event *l = evq_peek(&s->q);
		if (l && l->time_ns == s->now_ns)
			return evq_pop(&s->q);
		if (r && (!ev || r->seq < ev->seq)) {
			s->reply_head = r->next;
			if (!s->reply_head)
				s->reply_tail = NULL;
			*reply = r;
			return NULL;
		}
		s->now_head = ev->next;
		if (!s->now_head)
			s->now_tail = NULL;
		ev->next = NULL;
		return ev;
	}
	/* the ladder's head stays queued when it belongs to the next phase,
	 * or when a periodic call is due first (the caller makes it): what
	 * the call schedules may then come before it, at any time from the
	 * call's on, which a popped head would forbid (evq_push takes no
	 * time before the last pop) */
	ev = evq_peek(&s->q);
	if (!ev || ev->time_ns >= end_ns || ev->time_ns >= s->next_every_ns)
		return NULL;
	return evq_pop(&s->q);
}

/* stuck_check is called every 65536 events: it decides whether the
 * events since the clock last moved mean it cannot advance. */
static int stuck_check(struct sim *s, uint64_t same)
{
	uint64_t live = evq_size(&s->q) + s->requests.live + s->events.live;
	if (same < SIM_STUCK_EVENTS + 16 * live)
		return 0;
	s->stuck = 1;
	return 1;
}

/* run_until processes events earlier than end_ns.  Returns 0, or
 * SIM_EINTR when stopped, SIM_ENOMEM, or SIM_ESTUCK. */
static int run_until(struct sim *s, int64_t end_ns)
{
	struct event *ev;
	uint64_t n = 0, moved_at = 0;
	int64_t polled_ns = s->now_ns;
	uint64_t poll_at = 65536;
	int stopped = 0;
	s->replied_now = 0;
	for (;;) {
		struct request *reply = NULL;
		ev = next_event(s, end_ns, &reply);
		if (reply) {
			/* a reply, at the current time: a child's goes to
			 * the calls (call.c) */
			if (reply->call) {
				sim_call_reply(s, reply);
			} else {
				struct sim_node *node = &s->nodes[reply->reply_to];
				node->ops->done(s, node, reply);
			}
		} else if (!ev) {
			/* the phase's end; periodic calls due before it first */
			if (s->next_every_ns < end_ns && !s->oom) {
				periodic(s);
				continue;
			}
			break;
		} else {
			/* the windows that end first (a periodic call due
			 * first kept ev queued: next_event) */
			if (ev->time_ns >= s->next_tick_ns)
				ticks(s, ev->time_ns);
			s->now_ns = ev->time_ns;
			if (!(ev->flags & SIM_EV_CANCELLED)) {
				if (ev->kind & SIM_EV_ENGINE) {
					engine_event(s, ev);
				} else {
					struct sim_node *node = &s->nodes[ev->node];
					node->ops->event(s, node, ev);
				}
			}
			sim_event_done(s, ev);
		}
		/* this event, and the replies handed over at once during it
		 * (sim_finish_last), each counted as the event it would have
		 * been */
		n += 1 + s->replied_now;
		s->replied_now = 0;
		if (s->oom)
			break;
		/* every 65536 events (one later, when a reply handed over at
		 * once made the count jump past the multiple): hooks, and
		 * whether the clock moves */
		if (n >= poll_at) {
			poll_at += 65536;
			if (s->now_ns != polled_ns) {
				polled_ns = s->now_ns;
				moved_at = n;
			} else if (stuck_check(s, n - moved_at)) {
				break;
			}
			if (!s->hooks)
				continue;
			if (s->hooks->stop && *s->hooks->stop) {
				stopped = 1;
				break;
			}
			if (s->hooks->progress)
				s->hooks->progress(s->hooks->arg,
						   (double)s->now_ns / (double)s->end_ns,
						   s->res->events + n);
		}
	}
	s->res->events += n;
	if (s->oom)
		return SIM_ENOMEM;
	if (s->stuck)
		return SIM_ESTUCK;
	/* only a stop seen before the phase ended interrupts it: a replication
	 * that ran to its end is kept even if the signal came just after */
	return stopped ? SIM_EINTR : 0;
}

static int stuck_error(struct sim *s, struct sim_err *err)
{
	const struct scenario *sc = s->sc;
	if (s->last_fail_node < sc->nnodes)
		return sim_errf(err, SIM_ESTUCK,
				"simulated time stopped advancing at %gs: requests end at once at node '%s' and are issued again at the same instant (closed-loop users with no think time meeting a full or crashed node?); give the users a think time, or the node room to queue",
				(double)s->now_ns * 1e-9, sc->nodes[s->last_fail_node].name);
	return sim_errf(err, SIM_ESTUCK,
			"simulated time stopped advancing at %gs: events keep coming at the same instant (a loop of zero-time steps?)",
			(double)s->now_ns * 1e-9);
}

/* cost_per_hour is what the priced nodes cost an hour over the measured
 * window of duration_s: their instances' (and workers') time average x
 * their price per instance-hour (worker-hour), plus their requests per
 * hour / 10^6 x their price per million.  Each node's share goes in its
 * row's cost column (sim_cost_cols; NaN unpriced, and on replicas' rows).
 * NaN when no node has a price. */
static double cost_per_hour(struct sim *s, double duration_s, struct rep_result *out)
{
	double sum = 0;
	int priced = 0;
	for (uint32_t i = 0; i < s->sc->ncomponents; i++) {
		struct sim_node *n = &s->nodes[i];
		const struct sc_cost *c = &n->sc->cost;
		struct node_rows *o = &out->nodes[i];
		size_t at = o->ncols - 1;
		for (uint32_t r = 0; r < o->nrows; r++)
			node_row(o, r)[at * 2] = NAN;
		if (!c->given)
			continue;
		struct node_bill b = { n->sc->units, 0, 0, 0 };
		if (n->ops->billing)
			n->ops->billing(s, n, &b);
		priced = 1;
		double h = b.instances * c->per_replica_hour + b.workers * c->per_worker_hour +
			   b.speed * c->per_speed_hour;
		if (duration_s > 0)
			h += b.requests / duration_s * 3600 * 1e-6 * c->per_million;
		node_row(o, 0)[at * 2] = h;
		sum += h;
	}
	return priced ? sum : NAN;
}

/* chans_setup gives a run with links its channels, and with entries of
 * the links on its timeline their faults: 0 or SIM_ENOMEM. */
static int chans_setup(struct sim *s)
{
	for (size_t i = 0; s->zmap && i < s->sc->ntimeline; i++) {
		if (s->sc->timeline[i].node != TL_LINKS)
			continue;
		size_t w = (size_t)s->zmap->n + 1;
		if (!(s->zfault = calloc(w * w, sizeof *s->zfault)))
			return SIM_ENOMEM;
		break;
	}
	uint32_t n = s->zmap ? s->zmap->nchan : 0;
	if (!n)
		return 0;
	if (!(s->chans = calloc(n, sizeof *s->chans)))
		return SIM_ENOMEM;
	for (uint32_t c = 0; c < n; c++)
		if (hist_init(&s->chans[c].delay))
			return SIM_ENOMEM;
	return 0;
}

static void chans_teardown(struct sim *s)
{
	for (uint32_t c = 0; s->chans && c < s->zmap->nchan; c++)
		hist_fini(&s->chans[c].delay);
	free(s->chans);
	s->chans = NULL;
	free(s->zfault);
	s->zfault = NULL;
}

/* chans_measure clears the channels' counts when warm-up ends; their
 * transmitters go on as they are, busy with what was queued before. */
static void chans_measure(struct sim *s)
{
	for (uint32_t c = 0; s->chans && c < s->zmap->nchan; c++) {
		struct sim_chan *ch = &s->chans[c];
		struct hist h = ch->delay;
		int64_t free_ns = ch->free_ns;
		hist_reset(&h);
		memset(ch, 0, sizeof *ch);
		ch->delay = h;
		ch->free_ns = free_ns;
		/* what it still has to send it sends without a pause, from now */
		if (free_ns > s->now_ns)
			ch->busy_ns = (double)((free_ns < s->end_ns ? free_ns : s->end_ns) - s->now_ns);
	}
}

/* write_links fills links.csv's cells (sim_link_cols) of each channel and
 * returns what the links' traffic costs an hour (NaN: no link priced). */
static double write_links(struct sim *s, double duration_s, struct rep_result *out)
{
	const struct zone_map *z = s->zmap;
	double sum = 0;
	for (uint32_t c = 0; c < out->links.nrows; c++) {
		const struct sim_chan *ch = &s->chans[c];
		const struct zone_link *l = &z->links[z->chans[c].link];
		double *v = out->links.v + (size_t)c * LINK_NCOLS * 2, hops = (double)ch->hops;
		double per_h = duration_s > 0 ? 3600 / duration_s : NAN;
		v[2 * LINK_HOPS] = hops;
		v[2 * LINK_LOST] = (double)ch->lost;
		v[2 * LINK_GB] = ch->bytes * 1e-9;
		v[2 * LINK_GBIT] = duration_s > 0 ? ch->bytes * 8e-9 / duration_s : NAN;
		v[2 * LINK_UTIL] = l->bandwidth > 0 && duration_s > 0 ?
				   ch->busy_ns * 1e-9 / duration_s : NAN;
		v[2 * LINK_WAIT] = ch->wait_ns * 1e-9, v[2 * LINK_WAIT + 1] = hops;
		v[2 * LINK_TRANSFER] = ch->tx_ns * 1e-9, v[2 * LINK_TRANSFER + 1] = hops;
		v[2 * LINK_DELAY] = ch->delay_ns * 1e-9, v[2 * LINK_DELAY + 1] = hops;
		v[2 * LINK_P99] = ch->hops ? (double)hist_quantile(&ch->delay, 0.99) * 1e-9 : NAN;
		v[2 * LINK_COST] = l->priced ? ch->bytes * 1e-9 * l->per_gb * per_h : NAN;
		if (l->priced)
			sum += v[2 * LINK_COST];
	}
	return z && z->priced ? sum : NAN;
}

static int node_setup(struct sim *s, uint32_t i)
{
	struct sim_node *n = &s->nodes[i];
	const struct scenario *sc = s->sc;
	n->sc = &sc->nodes[i];
	n->ops = sc->nodes[i].ops;
	n->arrive = n->ops->arrive;
	n->id = i;
	n->units = n->sc->max_units ? n->sc->max_units : 1;
	n->units_now = n->sc->units;
	n->zone = n->sc->zone;
	n->nzone = n->sc->nzone;
	if (i >= sc->ncomponents)
		return 0;
	if (n->ops->calls_done && (!n->ops->makes_calls || n->ops->makes_calls(n->sc->cfg)) &&
	    !(n->cst = calloc(1 + (size_t)n->units, sizeof *n->cst)))
		return SIM_ENOMEM;
	/* fault state for the nodes the timeline names */
	int named = 0;
	for (size_t t = 0; t < sc->ntimeline && !named; t++)
		named = sc->timeline[t].node == i;
	if (named) {
		struct node_faults *f = calloc(1, sizeof *f);
		n->faults = f;
		if (!f || !(f->slow = malloc(n->units * sizeof *f->slow)) ||
		    !(f->error = calloc(n->units, sizeof *f->error)) ||
		    !(f->down = calloc(n->units, 1)) ||
		    !(f->down_since = calloc(n->units, sizeof *f->down_since)))
			return SIM_ENOMEM;
		for (uint32_t u = 0; u < n->units; u++)
			f->slow[u] = 1;
		f->units_set = n->sc->units;
	}
	return 0;
}

static void node_teardown(struct sim_node *n)
{
	if (n->faults) {
		free(n->faults->slow);
		free(n->faults->error);
		free(n->faults->down);
		free(n->faults->down_since);
		free(n->faults);
	}
	free(n->cst);
	if (n->wlog) {
		kvmap_free(&n->wlog->at);
		kvmap_free(&n->wlog->by);
		free(n->wlog);
	}
}

int sim_run(const struct scenario *sc, uint32_t rep, struct rep_result *out,
	    const struct sim_hooks *hooks, struct sim_err *err)
{
	struct sim s;
	int rc = 0;
	uint32_t inited = 0;

	memset(&s, 0, sizeof s);
	rep += sc->rep_offset;
	s.sc = sc;
	s.zmap = sc->zmap;
	s.replication = rep;
	s.res = out;
	s.hooks = hooks;
	s.demand_hook = hooks ? hooks->demand : NULL;
	s.trace_hook = hooks ? hooks->trace : NULL;
	s.warmup_end_ns = sc->warmup_ns;
	s.end_ns = sc->warmup_ns + sc->duration_ns;
	s.run_key = rng_key(rng_key(sc->seed, rep), 0x72657175657374ull);
	s.last_fail_node = SIM_ANY;
	s.next_every_ns = INT64_MAX;
	evq_init(&s.q);
	pool_init(&s.events, sizeof(struct event), 4096);
	pool_keep(&s.events);     /* timer handles read stale events' seq */
	pool_init(&s.requests, sizeof(struct request), 4096);
	s.nnodes = (uint32_t)sc->nnodes;
	s.nodes = calloc(s.nnodes, sizeof *s.nodes);
	s.draw = gsl_rng_alloc(rng_splitmix64);
	s.tl_active = calloc(sc->ntimeline ? sc->ntimeline : 1, 1);
	if (calls_init(&s) || chans_setup(&s))
		s.oom = 1;
	rep_result_clear(out);
	if (!s.nodes || !s.draw || !s.tl_active || s.oom) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < s.nnodes; i++) {
		if (node_setup(&s, i)) {
			rc = sim_errf(err, SIM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (; inited < s.nnodes; inited++) {
		struct sim_node *n = &s.nodes[inited];
		int irc = n->ops->init(&s, n);
		if (irc || s.oom) {
			inited++;   /* fini whatever init half-built */
			rc = irc == SIM_EIO ?
				sim_errf(err, SIM_EIO, "%s: cannot read the file it replays: %s",
					 n->sc->name, strerror(errno)) :
				sim_errf(err, SIM_ENOMEM, "out of memory");
			goto done;
		}
	}
	for (size_t i = 0; i < sc->ntimeline; i++)
		sim_schedule(&s, sc->timeline[i].at_ns, 0, SIM_EV_TL_START, NULL, i);
	s.next_tick_ns = out->ts_window_ns < s.end_ns ? out->ts_window_ns : INT64_MAX;
	if (s.oom) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto done;
	}

	rc = run_until(&s, s.warmup_end_ns);
	if (rc == 0) {
		s.now_ns = s.warmup_end_ns;
		s.measuring = 1;
		out->inflight[0] = s.inflight;
		for (uint32_t i = 0; i < s.nnodes; i++) {
			struct sim_node *n = &s.nodes[i];
			if (n->cst)
				memset(n->cst, 0, (1 + (size_t)n->units) * sizeof *n->cst);
			if (n->ops->warmup_end)
				n->ops->warmup_end(&s, n);
		}
		chans_measure(&s);
		rc = run_until(&s, s.end_ns);
	}
	if (rc == 0)
		s.now_ns = s.end_ns;
	if (rc == SIM_ENOMEM)
		sim_errf(err, SIM_ENOMEM, "out of memory during the run");
	else if (rc == SIM_EINTR)
		sim_errf(err, SIM_EINTR, "interrupted");
	else if (rc == SIM_ESTUCK)
		stuck_error(&s, err);
	out->complete = rc == 0;
	out->inflight[1] = s.inflight;
	/* measured time: up to the end, or to where an interrupted run got */
	out->duration_s = s.measuring ?
		(double)(s.now_ns - s.warmup_end_ns) * 1e-9 : 0.0;
	if (rc == 0) {
		/* windows with no event after them close at the end */
		ticks(&s, s.end_ns - 1);
		s.now_ns = s.end_ns;
		if (out->node_ts_cells)
			sample_nodes(&s, out->nts_node - 1);
		for (uint32_t i = 0; i < sc->ncomponents; i++) {
			struct sim_node *n = &s.nodes[i];
			if (n->ops->finish)
				n->ops->finish(&s, n, &out->nodes[i]);
			if (n->cst)
				write_call_cols(&s, n, &out->nodes[i]);
		}
		out->cost_per_hour = cost_per_hour(&s, out->duration_s, out);
		if (out->links.nrows) {
			double links = write_links(&s, out->duration_s, out);
			if (!isnan(links))
				out->cost_per_hour = isnan(out->cost_per_hour) ? links :
						     out->cost_per_hour + links;
		}
	}
done:
	for (uint32_t i = 0; i < inited; i++)
		s.nodes[i].ops->fini(&s, &s.nodes[i]);
	for (uint32_t i = 0; s.nodes && i < s.nnodes; i++)
		node_teardown(&s.nodes[i]);
	evq_fini(&s.q);
	pool_fini(&s.events);
	pool_fini(&s.requests);
	calls_fini(&s);
	chans_teardown(&s);
	free(s.nodes);
	free(s.every);
	free(s.tl_active);
	if (s.draw)
		gsl_rng_free(s.draw);
	return rc;
}
