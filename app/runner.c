/*
 * runner.c - all points, all replications, in one process or several;
 * see runner.h.
 *
 * Worker protocol: the parent writes item numbers (uint64_t) to a
 * worker's command pipe, a batch at once; the worker runs them in turn
 * and answers on its result pipe, for each, with a header (item, status,
 * lengths of the error message and of the record), the message, then the
 * record, writing a batch's answers together.  End of file on the command
 * pipe tells it to exit.  A worker that dies shows as end of file on its
 * result pipe.
 *
 * Groups: a point whose replications the report folds in groups
 * (report_group) and whose items are short is sent a whole group as one
 * command, its first item with RUNNER_GROUP_BIT set.  The worker runs the
 * group, folds it (report_part_fold) and answers once, with the group's
 * record; the parent merges it (report_fold_group).  Long items go one by
 * one, and the parent folds them into the same groups, so how the work
 * travelled never shows in the output.
 */
/* MAP_ANONYMOUS, for the workers' progress slots */
#define _DEFAULT_SOURCE
#define _GNU_SOURCE              /* F_SETPIPE_SZ */
#include "app/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/repio.h"
#include "app/report.h"
#include "sim/steady.h"

/* The pilots' series, pooled per point as their results come in. */
struct pilots {
	const struct sweep *set;
	double **sum, **count;       /* [pilot point][window] */
	size_t *nts;
	int64_t *window_ns;
};

static int pilot_sink(void *arg, uint64_t item, const struct rep_result *res,
		      struct sim_err *err)
{
	struct pilots *pi = arg;
	size_t p;
	uint32_t k;
	runner_item_at(pi->set, item, &p, &k);
	if (!pi->sum[p]) {
		pi->nts[p] = res->nts;
		pi->window_ns[p] = res->ts_window_ns;
		pi->sum[p] = calloc(res->nts ? res->nts : 1, sizeof **pi->sum);
		pi->count[p] = calloc(res->nts ? res->nts : 1, sizeof **pi->count);
		if (!pi->sum[p] || !pi->count[p])
			return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < res->nts && i < pi->nts[p]; i++) {
		pi->sum[p][i] += res->ts[i].lat_sum_s;
		pi->count[p][i] += (double)res->ts[i].ended[REQ_OK];
	}
	return 0;
}

/* pilot turns a point into its pilot: no warm-up, at most RUNNER_PILOTS
 * replications, no run-length control, streams of its own. */
static void pilot(struct scenario *sc, void *arg)
{
	(void)arg;
	sc->warmup_ns = 0;
	if (sc->replications > RUNNER_PILOTS)
		sc->replications = RUNNER_PILOTS;
	sc->precision.metric = -1;
	sc->rep_offset = RUNNER_PILOT_STREAMS;
}

int runner_warmups(struct sweep *set, unsigned jobs, volatile sig_atomic_t *stop,
		   struct sim_err *err)
{
	size_t n = 0;
	for (size_t p = 0; p < set->npoints; p++)
		n += set->warmup_auto[p];
	if (!n)
		return 0;
	/* a view of the points with warmup: auto, each as its pilot */
	size_t *of = calloc(n, sizeof *of);
	if (!of)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	for (size_t p = 0, i = 0; p < set->npoints; p++)
		if (set->warmup_auto[p])
			of[i++] = p;
	struct sweep *pset = NULL;
	struct pilots pi = {
		.sum = calloc(n, sizeof *pi.sum), .count = calloc(n, sizeof *pi.count),
		.nts = calloc(n, sizeof *pi.nts), .window_ns = calloc(n, sizeof *pi.window_ns),
	};
	int rc = 0;
	if (!pi.sum || !pi.count || !pi.nts || !pi.window_ns)
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
	if (rc == 0)
		rc = sweep_view(set, of, n, pilot, NULL, &pset, err);
	if (rc == 0) {
		struct runner_opts o = { .jobs = jobs, .stop = stop, .sink = pilot_sink,
					 .sink_arg = &pi };
		pi.set = pset;
		rc = runner_run(pset, NULL, &o, err);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		/* MSER-5's cut, or the settling time if longer (steady.h) */
		int64_t cut = pi.sum[i] ?
			(int64_t)steady_mser5(pi.sum[i], pi.count[i], pi.nts[i]) * pi.window_ns[i] : 0;
		struct scenario *sc = sweep_point(set, of[i], err);
		if (!sc) {
			rc = err->code;
			break;
		}
		if ((rc = steady_warmup_ns(sc, cut, &cut)))
			rc = sim_errf(err, rc, "out of memory");
		else
			sweep_set_warmup(set, of[i], cut);
	}
	for (size_t i = 0; i < n && pi.sum && pi.count; i++)
		free(pi.sum[i]), free(pi.count[i]);
	free(pi.sum), free(pi.count), free(pi.nts), free(pi.window_ns);
	sweep_free(pset);
	free(of);
	return rc;
}

uint64_t runner_items(const struct sweep *set)
{
	return set->item_base[set->npoints];
}

void runner_item_at(const struct sweep *set, uint64_t i, size_t *p, uint32_t *k)
{
	const uint64_t *b = set->item_base;
	/* the last point whose first item is at or before i */
	size_t lo = 0, hi = set->npoints;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (b[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	*p = lo;
	*k = (uint32_t)(i - b[lo]);
}

/* point_reps is how many replications point p may run. */
static uint32_t point_reps(const struct sweep *set, size_t p)
{
	return (uint32_t)(set->item_base[p + 1] - set->item_base[p]);
}

/* The items this run takes: every one, or a shard's, as a sequence. */
struct plan {
	const struct sweep *set;
	const struct runner_opts *o;
	struct report *r;
	uint64_t n;                  /* items in the sequence */
	uint32_t stride, first;
	unsigned char *closed;       /* [npoints]: the report closed it */
};

static int plan_init(struct plan *pl, const struct sweep *set,
		     const struct runner_opts *o, struct report *r)
{
	uint64_t total = runner_items(set);
	pl->closed = calloc(set->npoints ? set->npoints : 1, 1);
	pl->set = set;
	pl->o = o;
	pl->r = r;
	pl->stride = o->nshards > 1 ? o->nshards : 1;
	pl->first = o->nshards > 1 ? o->shard : 0;
	pl->n = total > pl->first ? (total - pl->first + pl->stride - 1) / pl->stride : 0;
	if (r && o->enough)
		r->per_rep = 1;              /* it looks at every replication */
	return pl->closed ? 0 : SIM_ENOMEM;
}

/* plan_item is the item at position s of the sequence. */
static uint64_t plan_item(const struct plan *pl, uint64_t s)
{
	return s * pl->stride + pl->first;
}

/* plan_skip says whether the item at position s belongs to a point the
 * report has closed (its precision target was met). */
static int plan_skip(const struct plan *pl, uint64_t s)
{
	size_t p;
	uint32_t k;
	if (pl->o->sink)
		return 0;
	runner_item_at(pl->set, plan_item(pl, s), &p, &k);
	return pl->closed[p];
}

/* precise says whether point p, as folded so far, meets its precision
 * target: an interval exists and its larger half-width is within it. */
static int precise(const struct report *r, size_t p, const struct sc_precision *pr)
{
	double est, lo, hi;
	if (report_estimate(r, p, pr->metric, &est, &lo, &hi) || isnan(lo) || isnan(hi) ||
	    !isfinite(est))
		return 0;
	double half = est - lo > hi - est ? est - lo : hi - est;
	double target = sc_precision_target(pr, est);
	return target > 0 && half <= target;
}

int runner_fold(const struct sweep *set, struct report *r, unsigned char *closed,
		uint64_t item, const struct rep_result *res, const struct runner_opts *o)
{
	size_t p;
	uint32_t k;
	runner_item_at(set, item, &p, &k);
	if (closed[p])
		return 0;
	/* the caller has just built the point for res: it is held */
	const struct scenario *sc = sweep_point(set, p, &r->err);
	if (!sc)
		return r->err.code;
	int rc = report_fold(r, p, k, res);
	if (rc)
		return rc;
	int met = 0;
	if (o && o->enough)
		met = o->enough(o->enough_arg, r, p, k + 1);
	else if (sc->precision.metric >= 0 && k + 1 >= sc->replications && k + 1 >= 2)
		met = precise(r, p, &sc->precision);
	/* a target no count of replications can meet ends the point now,
	 * not met (the report says why) */
	int never = !met && !(o && o->enough) && sc->precision.metric >= 0 &&
		    k + 1 >= sc->replications && k + 1 >= 2 &&
		    report_never(r, p, sc->precision.metric);
	if (!met && !never && k + 1 < sc_max_replications(sc))
		return 0;
	if (sc->precision.metric >= 0)
		report_set_precision(r, p, met);
	closed[p] = 1;
	return report_point_done(r, p);
}

/* fold_group folds the record of a whole group of replications (a
 * worker's, report_fold_group), the one that begins at item, n of them,
 * and closes its point after its last.  0, or an error as report_error. */
static int fold_group(const struct plan *pl, uint64_t item, const struct runner_reply *s,
		      uint32_t n, struct sim_err *err)
{
	size_t p;
	uint32_t k;
	runner_item_at(pl->set, item, &p, &k);
	int rc = report_fold_group(pl->r, p, k, s->rec, s->reclen);
	if (rc == 0 && (uint64_t)k + n >= point_reps(pl->set, p)) {
		pl->closed[p] = 1;
		rc = report_point_done(pl->r, p);
	}
	return rc ? report_error(pl->r, rc, err) : 0;
}

const struct scenario *runner_point_result(const struct sweep *set, size_t p,
					   struct rep_result *res, size_t *cur,
					   struct sim_err *err)
{
	const struct scenario *sc = sweep_point(set, p, err);
	if (!sc || *cur == p)
		return sc;
	rep_result_fini(res);
	*cur = SIZE_MAX;
	if (rep_result_init(res, sc)) {
		sim_errf(err, SIM_ENOMEM, "out of memory");
		return NULL;
	}
	*cur = p;
	return sc;
}

/* deliver hands item's result on: to the sink, or folded into the report
 * (runner_fold). */
static int deliver(const struct plan *pl, uint64_t item, const struct rep_result *res,
		   struct sim_err *err)
{
	if (pl->o->sink)
		return pl->o->sink(pl->o->sink_arg, item, res, err);
	int rc = runner_fold(pl->set, pl->r, pl->closed, item, res, pl->o);
	return rc ? report_error(pl->r, rc, err) : 0;
}

/* stopped closes, in a report, the first point not closed from the item
 * at position s on, the first not delivered: it is marked incomplete
 * with what it has. */
static int stopped(const struct plan *pl, uint64_t s, struct sim_err *err)
{
	if (pl->o->sink)
		return SIM_EINTR;
	while (s < pl->n && plan_skip(pl, s))
		s++;
	if (s >= pl->n)
		return SIM_EINTR;
	size_t p;
	uint32_t k;
	runner_item_at(pl->set, plan_item(pl, s), &p, &k);
	int rc = report_point_done(pl->r, p);
	return rc ? report_error(pl->r, rc, err) : SIM_EINTR;
}

/* ---- one process --------------------------------------------------------- */

struct hook_ctx {
	struct runner_progress p;
	const struct runner_opts *o;
	uint64_t events_done;        /* of the items finished */
};

static void on_progress(void *arg, double done, uint64_t events)
{
	struct hook_ctx *h = arg;
	h->p.done = done;
	h->p.events = h->events_done + events;
	h->o->progress(h->o->arg, &h->p);
}

static int run_serial(const struct plan *pl, struct sim_err *err)
{
	const struct runner_opts *o = pl->o;
	struct hook_ctx hc = { .o = o };
	struct sim_hooks hooks = {
		.stop = o->stop,
		.progress = o->progress ? on_progress : NULL,
		.arg = &hc,
	};
	struct rep_result res = { 0 };
	size_t cur = SIZE_MAX;
	int rc = 0;
	hc.p.npoints = pl->set->npoints;
	hc.p.items = pl->n;
	for (uint64_t s = 0; s < pl->n; s++) {
		uint64_t item = plan_item(pl, s);
		size_t p;
		uint32_t k;
		if (plan_skip(pl, s))
			continue;
		runner_item_at(pl->set, item, &p, &k);
		if (o->stop && *o->stop) {
			rc = stopped(pl, s, err);
			break;
		}
		const struct scenario *sc = runner_point_result(pl->set, p, &res, &cur, err);
		if (!sc) {
			rc = err->code;
			break;
		}
		hc.p.point = p;
		hc.p.rep = k;
		hc.p.nreps = point_reps(pl->set, p);
		hc.p.done = 0;
		hc.p.events = hc.events_done;
		if (o->progress)
			o->progress(o->arg, &hc.p);
		rc = sim_run(sc, k, &res, &hooks, err);
		hc.events_done += res.events;
		if (rc == SIM_EINTR)
			rc = stopped(pl, s, err);
		if (rc || (rc = deliver(pl, item, &res, err)))
			break;
		hc.p.items_done++;
	}
	rep_result_fini(&res);
	return rc;
}

/* ---- the parent's side of workers ---------------------------------------- */

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What the items of one point cost, as their batches come back: a batch's
 * time from its sending to its last answer, over its items.  A batch
 * holds items of one point, and a point's first batch is of one item, so
 * a point of slow items never inherits the batches of a fast one (a
 * point with a precision target would run them past its target). */
struct pace {
	size_t point;                /* the point `per_s` is of */
	double per_s;                /* seconds an item, or 0: not known */
};

/* batch_size: how many items of point p to give an idle worker: about
 * RUNNER_BATCH_NS of work at the point's pace, one while its pace is not
 * known, at most max, and no more than an even share of what is left.
 * It changes how the work travels, never what is folded, nor in what
 * order. */
static uint64_t batch_size(const struct pace *pc, size_t p, unsigned jobs, uint64_t left,
			   uint64_t max)
{
	if (pc->point != p || !(pc->per_s > 0))
		return 1;
	double b = RUNNER_BATCH_NS * 1e-9 / pc->per_s;
	uint64_t n = b >= (double)max ? max : b >= 1 ? (uint64_t)b : 1;
	uint64_t share = (left + jobs - 1) / jobs;
	return n < share ? n : share ? share : 1;
}

/* run_on runs plan pl on the workers of transport t. */
static int run_on(const struct plan *pl, const struct runner_transport *t,
		  struct sim_err *err)
{
	const struct sweep *set = pl->set;
	const struct runner_opts *o = pl->o;
	unsigned jobs = t->workers;
	uint64_t total = pl->n;      /* positions in the sequence */
	/* items run ahead of the next to fold: enough to keep every worker
	 * busy with a batch while one slow item holds the fold back */
	uint64_t bmax = t->batch_max ? t->batch_max : 1;
	uint64_t ahead = 4 * (uint64_t)jobs * bmax;
	if (ahead > 4096)
		ahead = 4096;                /* a reply slot is over 1 KiB: 4 MiB */
	/* workers that fold whole groups (report_group) are sent a group of
	 * short items as one command and answer it with one record: the
	 * window holds several groups a worker (2048 items or more, for
	 * groups of 64) */
	int groups = t->groups && t->batch_max && !o->sink && pl->stride == 1 && pl->r &&
		     !pl->r->per_rep;
	_Static_assert(4 * 2 * RUNNER_BATCH_MAX >= 2 * REPORT_GROUP,
		       "two workers' window holds two groups");
	double group_ns = o->group_ns > 0 ? o->group_ns : RUNNER_BATCH_NS;
	size_t gpoint = SIZE_MAX;        /* the point whose group size is gsize */
	uint32_t gsize = 1;
	/* items given to each worker and not yet answered; each one's batch:
	 * when it went, how many items, of which point */
	uint64_t *busy = calloc(jobs, sizeof *busy);
	struct batch_out { double sent; uint64_t n; size_t point; } *bat = calloc(jobs, sizeof *bat);
	struct pace pc = { SIZE_MAX, 0 };
	struct runner_reply *slots = calloc(ahead, sizeof *slots);
	/* per position in the window: 0 not sent, 1 sent, 2 its reply in */
	unsigned char *ready = calloc(ahead, 1);
	struct rep_result res = { 0 };
	size_t res_point = SIZE_MAX;
	struct runner_progress pr = { .npoints = set->npoints, .items = total };
	struct runner_reply in;
	int rc = 0;
	if (!busy || !bat || !slots || !ready) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto out;
	}
	uint64_t next_send = 0, next_fold = 0, inflight = 0;
	int stopping = 0;
	while (next_fold < total) {
		if (!stopping && o->stop && *o->stop) {
			/* the workers may not have had the signal (a kill
			 * of this process alone): pass it on */
			stopping = 1;
			if (t->interrupt)
				t->interrupt(t->ctx);
		}
		for (unsigned i = 0; i < jobs && !stopping; i++) {
			if (busy[i])
				continue;
			/* items of a point already closed are not run */
			while (next_send < total && next_send < next_fold + ahead &&
			       plan_skip(pl, next_send))
				next_send++;
			if (next_send >= total || next_send >= next_fold + ahead)
				continue;
			size_t p;
			uint32_t k;
			runner_item_at(set, plan_item(pl, next_send), &p, &k);
			uint64_t b = batch_size(&pc, p, jobs, total - next_send, bmax);
			bat[i] = (struct batch_out){ mono_s(), 0, p };
			if (groups && p != gpoint) {
				gsize = report_group(set, p, 0);
				gpoint = p;
			}
			/* a group goes whole when it is at most a batch's
			 * work, from its first item; longer items go one by
			 * one, to as many workers as there are, and are
			 * folded here into the same groups */
			int whole = groups && gsize > 1 && k % gsize == 0 && pc.point == p &&
				    pc.per_s > 0 && pc.per_s * gsize * 1e9 <= group_ns;
			while (whole && (bat[i].n == 0 || bat[i].n + gsize <= b) &&
			       next_send < total) {
				size_t q;
				runner_item_at(set, plan_item(pl, next_send), &q, &k);
				uint64_t n = report_group_len(set, q, k);
				if (q != p || next_send + n > next_fold + ahead)
					break;
				if (t->send(t->ctx, i, RUNNER_GROUP_BIT | plan_item(pl, next_send))) {
					rc = sim_errf(err, SIM_EIO, "a worker was lost");
					goto out;
				}
				for (uint64_t j = 0; j < n; j++)
					ready[(next_send + j) % ahead] = j ? 3 : 1;
				busy[i] += n;
				bat[i].n += n;
				next_send += n;
				inflight += n;
			}
			while (!whole && bat[i].n < b && next_send < total &&
			       next_send < next_fold + ahead) {
				size_t q;
				runner_item_at(set, plan_item(pl, next_send), &q, &k);
				if (q != p)
					break;               /* a batch holds one point */
				if (groups && gsize > 1 && bat[i].n && k % gsize == 0)
					break;               /* the next batch may take
								* the group whole */
				if (t->send(t->ctx, i, plan_item(pl, next_send))) {
					rc = sim_errf(err, SIM_EIO, "a worker was lost");
					goto out;
				}
				ready[next_send % ahead] = 1;
				busy[i]++;
				bat[i].n++;
				next_send++;
				inflight++;
			}
		}
		if (!inflight && stopping)
			break;                       /* all in */
		/* wait for one reply, then take only those already in, so
		 * that a worker done is given its next item at once */
		unsigned w;
		int got = 0, first = 1;
		while (inflight && (got = t->recv(t->ctx, &w, &in, first, err)) == 1) {
			first = 0;
			/* a group's answer stands for its n items */
			int grp = (in.item & RUNNER_GROUP_BIT) != 0;
			uint64_t item = in.item & ~RUNNER_GROUP_BIT, n = 1;
			uint64_t at = (item - pl->first) / pl->stride;
			if (grp && groups && item < runner_items(set)) {
				size_t q;
				uint32_t k;
				runner_item_at(set, item, &q, &k);
				n = report_group_len(set, q, k);
			}
			if (w >= jobs || busy[w] < n || item < pl->first || (grp && !groups) ||
			    (item - pl->first) % pl->stride || at < next_fold ||
			    at >= next_fold + ahead || ready[at % ahead] != 1 ||
			    (n > 1 && ready[(at + 1) % ahead] != 3)) {
				free(in.rec);
				rc = sim_errf(err, SIM_EIO, "a worker sent an item it was not given");
				goto out;
			}
			slots[at % ahead] = in;
			ready[at % ahead] = 2;
			busy[w] -= n;
			inflight -= n - 1;
			pr.items_done += n - 1;
			if (!busy[w] && bat[w].n) {
				/* its batch is in: the pace of its point */
				pc.point = bat[w].point;
				pc.per_s = (mono_s() - bat[w].sent) / (double)bat[w].n;
			}
			inflight--;
			pr.items_done++;
			if (!inflight)
				break;
		}
		if (got < 0) {
			rc = err->code ? err->code : SIM_EIO;
			goto out;
		}
		/* fold what is next, in order.  An item of a point closed
		 * meanwhile (its precision met) is passed over: at once when
		 * it was never sent, its reply dropped when it was */
		while (next_fold < next_send) {
			unsigned char *st = &ready[next_fold % ahead];
			struct runner_reply *s = &slots[next_fold % ahead];
			if (plan_skip(pl, next_fold)) {
				if (*st == 1)
					break;
				if (*st == 2) {
					free(s->rec);
					s->rec = NULL;
				}
				*st = 0;
				next_fold++;
				continue;
			}
			if (*st != 2)
				break;
			uint64_t item = plan_item(pl, next_fold);
			size_t p;
			uint32_t k;
			runner_item_at(set, item, &p, &k);
			if (s->rc == SIM_EINTR) {
				stopping = 1;
				break;
			}
			if (s->rc) {
				rc = sim_errf(err, s->rc, "%s", s->msg);
				goto out;
			}
			if (s->item & RUNNER_GROUP_BIT) {
				/* a whole group, folded by its worker */
				uint32_t n = report_group_len(set, p, k);
				if ((rc = fold_group(pl, item, s, n, err)))
					goto out;
				free(s->rec);
				s->rec = NULL;
				for (uint64_t j = 0; j < n; j++)
					ready[(next_fold + j) % ahead] = 0;
				next_fold += n;
				continue;
			}
			if (!runner_point_result(set, p, &res, &res_point, err)) {
				rc = err->code;
				goto out;
			}
			int urc = repio_unpack(&res, s->rec, s->reclen);
			if (urc) {
				rc = sim_errf(err, urc == SIM_ENOMEM ? SIM_ENOMEM : SIM_EIO,
					      urc == SIM_ENOMEM ? "out of memory" :
					      "a worker's result was damaged");
				goto out;
			}
			if ((rc = deliver(pl, item, &res, err)))
				goto out;
			*st = 0;
			free(s->rec);
			s->rec = NULL;
			next_fold++;
		}
		if (o->progress && next_fold < total) {
			runner_item_at(set, plan_item(pl, next_fold), &pr.point, &pr.rep);
			pr.nreps = point_reps(set, pr.point);
			if (t->inflight)
				t->inflight(t->ctx, &pr.done, &pr.events);
			o->progress(o->arg, &pr);
		}
	}
	if (next_fold < total)
		rc = stopped(pl, next_fold, err);
out:
	for (uint64_t i = 0; slots && i < ahead; i++)
		free(slots[i].rec);
	free(slots);
	free(ready);
	free(busy);
	free(bat);
	rep_result_fini(&res);
	return rc;
}

int runner_run_on(const struct sweep *set, struct report *r,
		  const struct runner_opts *o, const struct runner_transport *t,
		  struct sim_err *err)
{
	static const struct runner_opts none = { 0 };
	struct plan pl;
	int rc = plan_init(&pl, set, o ? o : &none, r) ?
		 sim_errf(err, SIM_ENOMEM, "out of memory") : run_on(&pl, t, err);
	free(pl.closed);
	return rc;
}

/* ---- the worker's side --------------------------------------------------- */

/* slot_progress shows a worker's progress in its slot */
static void slot_progress(void *arg, double done, uint64_t events)
{
	struct runner_slot *sl = arg;
	atomic_store_explicit(&sl->done, done, memory_order_relaxed);
	atomic_store_explicit(&sl->events, sl->events_done + events, memory_order_relaxed);
}

/* serve_group runs the group of replications that begins at item, folds
 * them into *part (made at the first group) and answers with its record
 * (report_part_pack), or with the first failure.  0, or -1 to stop
 * serving (the answer could not be sent, or the parent asked for a group
 * the sweep does not have). */
static int serve_group(const struct sweep *set, const struct runner_worker *wk,
		       const struct sim_hooks *hooks, uint64_t item, struct rep_result *res,
		       size_t *cur, struct report_part **part, struct repio_buf *buf)
{
	struct sim_err err = { 0 };
	int rc = 0, bad = 0;       /* bad: not a group this sweep has */
	size_t p = 0;
	uint32_t k = 0, n = 0;
	const struct scenario *sc = NULL;
	if (item >= runner_items(set)) {
		rc = sim_errf(&err, SIM_EIO, "work item %llu asked of a sweep of %llu",
			      (unsigned long long)item, (unsigned long long)runner_items(set));
		bad = 1;
	} else {
		runner_item_at(set, item, &p, &k);
		sc = runner_point_result(set, p, res, cur, &err);
		rc = sc ? 0 : err.code;
	}
	if (rc == 0) {
		uint32_t g = report_group(set, p, 0);
		n = report_group_len(set, p, k);
		if (g == 1 || k % g) {
			rc = sim_errf(&err, SIM_EIO, "work item %llu does not begin a group",
				      (unsigned long long)item);
			bad = 1;
		}
	}
	if (rc == 0 && !*part && !(*part = report_part_new()))
		rc = sim_errf(&err, SIM_ENOMEM, "out of memory");
	for (uint32_t j = 0; rc == 0 && j < n; j++) {
		rc = sim_run(sc, k + j, res, hooks, &err);
		if (wk->slot) {
			wk->slot->events_done += res->events;
			atomic_store_explicit(&wk->slot->events, wk->slot->events_done,
					      memory_order_relaxed);
			atomic_store_explicit(&wk->slot->done, 0.0, memory_order_relaxed);
		}
		if (rc == 0)
			rc = report_part_fold(*part, set, p, k + j, res, &err);
		/* the point is held: sc stays valid */
	}
	if (rc == 0 && report_part_pack(*part, buf))
		rc = sim_errf(&err, SIM_ENOMEM, "out of memory");
	if (wk->reply(wk->ctx, item | RUNNER_GROUP_BIT, rc, rc ? err.msg : "",
		      rc ? NULL : buf->data, rc ? 0 : buf->len))
		return -1;
	return bad ? -1 : 0;
}

void runner_serve(const struct sweep *set, const struct runner_worker *wk,
		  volatile sig_atomic_t *stop)
{
	struct rep_result res = { 0 };
	size_t cur = SIZE_MAX;
	struct repio_buf buf = { 0 };
	struct sim_hooks hooks = {
		.stop = stop, .progress = wk->slot ? slot_progress : NULL, .arg = wk->slot,
	};
	uint64_t cmd, total = runner_items(set);
	struct report_part *part = NULL;
	while (wk->next(wk->ctx, &cmd) == 1) {
		size_t p;
		uint32_t k;
		struct sim_err err = { 0 };
		int rc = 0;
		uint64_t item = cmd & ~RUNNER_GROUP_BIT;
		if (cmd & RUNNER_GROUP_BIT) {
			if (serve_group(set, wk, &hooks, item, &res, &cur, &part, &buf))
				break;
			continue;
		}
		if (item >= total) {
			rc = sim_errf(&err, SIM_EIO, "work item %llu asked of a sweep of %llu",
				      (unsigned long long)item, (unsigned long long)total);
			wk->reply(wk->ctx, item, rc, err.msg, NULL, 0);
			break;
		}
		runner_item_at(set, item, &p, &k);
		const struct scenario *sc = runner_point_result(set, p, &res, &cur, &err);
		rc = sc ? sim_run(sc, k, &res, &hooks, &err) : err.code;
		if (wk->slot) {
			/* finished: its events count (none when its point could
			 * not be built), its fraction no longer */
			wk->slot->events_done += sc ? res.events : 0;
			atomic_store_explicit(&wk->slot->events, wk->slot->events_done,
					      memory_order_relaxed);
			atomic_store_explicit(&wk->slot->done, 0.0, memory_order_relaxed);
		}
		if (rc == 0 && repio_pack(&res, &buf))
			rc = sim_errf(&err, SIM_ENOMEM, "out of memory");
		if (wk->reply(wk->ctx, item, rc, rc ? err.msg : "", rc ? NULL : buf.data,
			      rc ? 0 : buf.len))
			break;
	}
	free(buf.data);
	report_part_free(part);
	rep_result_fini(&res);
}

/* ---- forked workers ------------------------------------------------------ *
 *
 * The parent writes item numbers (uint64_t) to a worker's command pipe:
 * procs_send gathers a batch, and procs_recv writes it before it waits.
 * The worker reads what is there at once, runs the items in turn and
 * answers each on its result pipe with a header (item, status, lengths of
 * the message and of the record), the message, then the record; it
 * keeps the answers until it has run every item it had read, then writes
 * them at once.  End of file on the command pipe tells it to exit; a
 * worker that dies shows as end of file on its result pipe. */

#define PROC_CMDS 512

struct proc {
	pid_t pid;
	int cmd, res;                /* the parent's ends; the worker's */
	uint64_t busy;               /* items given and not answered */
	/* the parent's: items gathered and not yet written */
	uint64_t out[PROC_CMDS];
	unsigned nout;
	/* the parent's: what it has read of the worker's answers */
	unsigned char *rbuf;
	size_t rlen, rpos, rcap;
	/* the worker's: items read and not yet run, and its answers kept */
	uint64_t in[PROC_CMDS];
	unsigned nin, at;
	unsigned char *ans;
	size_t nans, cap;
};

struct procs {
	struct proc *w;
	unsigned n;
	struct runner_slot *slots;   /* [n], shared with the workers */
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* child_next: the next item, from those read; when none is left, a read
 * of whatever the parent has written (at least one item, or the end). */
static int child_next(void *ctx, uint64_t *item)
{
	struct proc *p = ctx;
	if (p->at == p->nin) {
		ssize_t got;
		size_t have = 0;
		/* whole items: a batch's write may reach the pipe in parts */
		do {
			got = read(p->cmd, (char *)p->in + have, sizeof p->in - have);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return 0;
			have += (size_t)got;
		} while (have % sizeof *p->in);
		p->nin = (unsigned)(have / sizeof *p->in);
		p->at = 0;
	}
	*item = p->in[p->at++];
	return 1;
}

/* child_reply keeps an item's answer, and writes the answers kept once
 * the items read are all run (or they reach 4 MiB). */
static int child_reply(void *ctx, uint64_t item, int rc, const char *msg, const void *rec,
		       size_t len)
{
	struct proc *p = ctx;
	struct runner_hdr h = { .item = item, .rc = rc, .msglen = strlen(msg), .reclen = len };
	size_t need = p->nans + sizeof h + h.msglen + len;
	if (need > p->cap) {
		size_t cap = p->cap ? p->cap : 65536;
		while (cap < need)
			cap *= 2;
		unsigned char *a = realloc(p->ans, cap);
		if (!a) {
			/* no room to keep it: what is kept, then it, at once */
			int bad = write_all(p->res, p->ans, p->nans);
			p->nans = 0;
			return bad || write_all(p->res, &h, sizeof h) ||
			       write_all(p->res, msg, (size_t)h.msglen) ||
			       write_all(p->res, rec, len) ? -1 : 0;
		}
		p->ans = a;
		p->cap = cap;
	}
	memcpy(p->ans + p->nans, &h, sizeof h);
	memcpy(p->ans + p->nans + sizeof h, msg, (size_t)h.msglen);
	if (len)
		memcpy(p->ans + p->nans + sizeof h + h.msglen, rec, len);
	p->nans = need;
	/* a failure goes at once: the worker may stop after it */
	if (rc == 0 && p->at < p->nin && p->nans < ((size_t)4 << 20))
		return 0;
	int bad = write_all(p->res, p->ans, p->nans);
	p->nans = 0;
	return bad ? -1 : 0;
}

/* flush writes the items gathered for worker w. */
static int flush(struct proc *p)
{
	int bad = p->nout && write_all(p->cmd, p->out, p->nout * sizeof *p->out);
	p->nout = 0;
	return bad ? -1 : 0;
}

static int procs_send(void *ctx, unsigned w, uint64_t item)
{
	struct procs *ps = ctx;
	struct proc *p = &ps->w[w];
	if (p->nout == PROC_CMDS && flush(p))
		return -1;
	p->out[p->nout++] = item;
	p->busy++;
	return 0;
}

/* take moves the first answer in worker p's read buffer to out: 1, or 0
 * when the buffer holds no whole answer yet, or -1 (err set). */
static int take(struct proc *p, struct runner_reply *out, struct sim_err *err)
{
	struct runner_hdr h;
	size_t have = p->rlen - p->rpos;
	if (have < sizeof h)
		return 0;
	memcpy(&h, p->rbuf + p->rpos, sizeof h);
	if (h.msglen >= SIM_ERR_MSG_MAX || h.reclen > ((uint64_t)1 << 40)) {
		sim_errf(err, SIM_EIO, "a worker's result was damaged");
		return -1;
	}
	if (have - sizeof h < h.msglen + h.reclen)
		return 0;
	const unsigned char *at = p->rbuf + p->rpos + sizeof h;
	out->item = h.item;
	out->rc = (int)h.rc;
	memcpy(out->msg, at, (size_t)h.msglen);
	out->msg[h.msglen] = 0;
	out->reclen = h.reclen;
	out->rec = h.reclen ? malloc(h.reclen) : NULL;
	if (h.reclen && !out->rec) {
		sim_errf(err, SIM_ENOMEM, "out of memory");
		return -1;
	}
	if (h.reclen)
		memcpy(out->rec, at + h.msglen, (size_t)h.reclen);
	p->rpos += sizeof h + h.msglen + h.reclen;
	p->busy--;
	return 1;
}

/* fill reads what worker p has written into its buffer (at least a
 * byte): 0, or SIM_EIO when it has died, SIM_ENOMEM. */
static int fill(struct proc *p)
{
	if (p->rpos) {
		memmove(p->rbuf, p->rbuf + p->rpos, p->rlen - p->rpos);
		p->rlen -= p->rpos;
		p->rpos = 0;
	}
	if (p->rcap - p->rlen < 65536) {
		size_t cap = p->rcap ? 2 * p->rcap : 262144;
		unsigned char *b = realloc(p->rbuf, cap);
		if (!b)
			return SIM_ENOMEM;
		p->rbuf = b;
		p->rcap = cap;
	}
	for (;;) {
		ssize_t got = read(p->res, p->rbuf + p->rlen, p->rcap - p->rlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return SIM_EIO;
		p->rlen += (size_t)got;
		return 0;
	}
}

static int procs_recv(void *ctx, unsigned *w, struct runner_reply *out, int wait,
		      struct sim_err *err)
{
	struct procs *ps = ctx;
	struct pollfd pf[256];
	unsigned map[256], np = 0;
	int r;
	for (unsigned i = 0; i < ps->n; i++)
		if (flush(&ps->w[i])) {
			sim_errf(err, SIM_EIO, "a worker process died");
			return -1;
		}
	/* answers already read come first: no system call */
	for (unsigned i = 0; i < ps->n; i++)
		if (ps->w[i].busy && (r = take(&ps->w[i], out, err)) != 0) {
			*w = i;
			return r;
		}
	for (unsigned i = 0; i < ps->n && np < 256; i++)
		if (ps->w[i].busy) {
			pf[np].fd = ps->w[i].res;
			pf[np].events = POLLIN;
			map[np++] = i;
		}
	if (!np)
		return 0;
	int n = poll(pf, np, wait ? 250 : 0);
	if (n < 0 && errno != EINTR) {
		sim_errf(err, SIM_EIO, "poll: %s", strerror(errno));
		return -1;
	}
	for (unsigned j = 0; n > 0 && j < np; j++) {
		if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		struct proc *p = &ps->w[map[j]];
		int frc = fill(p);
		if (frc) {
			sim_errf(err, frc, frc == SIM_ENOMEM ? "out of memory" : "a worker process died");
			return -1;
		}
		if ((r = take(p, out, err)) != 0) {
			*w = map[j];
			return r;
		}
	}
	return 0;
}

static void procs_inflight(void *ctx, double *done, uint64_t *events)
{
	struct procs *ps = ctx;
	*done = 0;
	*events = 0;
	for (unsigned i = 0; ps->slots && i < ps->n; i++) {
		*done += ps->w[i].busy ?
			atomic_load_explicit(&ps->slots[i].done, memory_order_relaxed) : 0;
		*events += atomic_load_explicit(&ps->slots[i].events, memory_order_relaxed);
	}
}

static void procs_interrupt(void *ctx)
{
	struct procs *ps = ctx;
	for (unsigned i = 0; i < ps->n; i++)
		kill(ps->w[i].pid, SIGINT);
}

/* start_procs forks n workers; 0 or SIM_EIO. */
static int start_procs(const struct sweep *set, struct procs *ps, unsigned n,
		       volatile sig_atomic_t *stop, struct sim_err *err)
{
	for (unsigned i = 0; i < n; i++) {
		int c[2], r[2];
		if (pipe(c))
			return sim_errf(err, SIM_EIO, "cannot start a worker: %s", strerror(errno));
		if (pipe(r)) {
			close(c[0]), close(c[1]);
			return sim_errf(err, SIM_EIO, "cannot start a worker: %s", strerror(errno));
		}
#ifdef F_SETPIPE_SZ
		/* answers travel a batch at a time: a pipe of 256 KiB takes
		 * one with four times fewer wake-ups of the parent than 64 KiB.
		 * A hint, given up once refused: past the user's quota of pipe
		 * pages, the system would shrink every new pipe of the user */
		static int refused;
		if (!refused && fcntl(r[1], F_SETPIPE_SZ, 1 << 18) < 0)
			refused = 1;
#endif
		pid_t pid = fork();
		if (pid < 0) {
			close(c[0]), close(c[1]), close(r[0]), close(r[1]);
			return sim_errf(err, SIM_EIO, "cannot start a worker: %s", strerror(errno));
		}
		if (pid == 0) {
			/* the worker keeps its own two ends and no other
			 * worker's, so that each sees end of file when the
			 * parent closes its command pipe */
			for (unsigned j = 0; j < ps->n; j++)
				close(ps->w[j].cmd), close(ps->w[j].res);
			close(c[1]), close(r[0]);
			static struct proc self;
			self = (struct proc){ .cmd = c[0], .res = r[1] };
			struct runner_worker wk = {
				&self, child_next, child_reply, ps->slots ? &ps->slots[i] : NULL,
			};
			runner_serve(set, &wk, stop);
			_exit(0);
		}
		close(c[0]), close(r[1]);
		ps->w[i] = (struct proc){ .pid = pid, .cmd = c[1], .res = r[0] };
		ps->n = i + 1;
	}
	return 0;
}

static void stop_procs(struct procs *ps, int kill_them)
{
	for (unsigned i = 0; i < ps->n; i++) {
		if (kill_them)
			kill(ps->w[i].pid, SIGINT);
		close(ps->w[i].cmd);
		close(ps->w[i].res);
		free(ps->w[i].rbuf);
	}
	for (unsigned i = 0; i < ps->n; i++)
		while (waitpid(ps->w[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
}

static int run_forked(const struct plan *pl, unsigned jobs, struct sim_err *err)
{
	struct procs ps = { .w = calloc(jobs, sizeof *ps.w) };
	if (!ps.w)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	/* the workers' progress, in memory shared across the fork; without
	 * it, progress is known per item only */
	void *m = mmap(NULL, jobs * sizeof *ps.slots, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ps.slots = m == MAP_FAILED ? NULL : m;
	/* a worker that dies must not kill the parent on a write */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	int rc = start_procs(pl->set, &ps, jobs, pl->o->stop, err);
	if (rc == 0) {
		struct runner_transport t = {
			.workers = jobs, .ctx = &ps,
			.send = procs_send, .recv = procs_recv, .interrupt = procs_interrupt,
			.inflight = procs_inflight, .batch_max = RUNNER_BATCH_MAX,
			.groups = 1,
		};
		rc = run_on(pl, &t, err);
	}
	stop_procs(&ps, rc != 0);
	sigaction(SIGPIPE, &old_pipe, NULL);
	if (ps.slots)
		munmap(ps.slots, jobs * sizeof *ps.slots);
	free(ps.w);
	return rc;
}

int runner_run(const struct sweep *set, struct report *r,
	       const struct runner_opts *o, struct sim_err *err)
{
	static const struct runner_opts none = { 0 };
	struct plan pl;
	if (plan_init(&pl, set, o ? o : &none, r)) {
		free(pl.closed);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	unsigned jobs = pl.o->jobs;
	if (jobs > pl.n)
		jobs = (unsigned)pl.n;
	if (jobs > 256)
		jobs = 256;
	int rc = jobs <= 1 ? run_serial(&pl, err) : run_forked(&pl, jobs, err);
	free(pl.closed);
	return rc;
}
