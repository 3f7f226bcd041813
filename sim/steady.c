/*
 * steady.c - the steady-state check from the scenario alone; see
 * steady.h.
 */
#include "sim/steady.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/callplan.h"
#include "sim/dist.h"
#include "sim/timeline.h"
#include "sim/stats.h"

/* Gauss-Seidel sweeps before giving up on the flows (the check is then
 * skipped: it says nothing rather than something wrong). */
#define STEADY_MAX_SWEEPS 2000

static int add_note(struct steady_check *c, struct steady_note n)
{
	struct steady_note *v = realloc(c->notes, (c->nnotes + 1) * sizeof *v);
	if (!v)
		return SIM_ENOMEM;
	c->notes = v;
	c->notes[c->nnotes++] = n;
	if (n.what == STEADY_OVERLOAD || n.what == STEADY_SLOW || n.what == STEADY_VERSION)
		c->unsteady = 1;
	return 0;
}

/* flows solves lambda = ext + P^T lambda over the components by
 * Gauss-Seidel sweeps over each node's incoming edges; 0 when it
 * converged, -1 when not (or out of memory). */
static int flows(const struct scenario *sc, double *lam, const double *ext)
{
	size_t n = sc->ncomponents, m = 0;
	/* incoming edges in compressed rows: first[j] .. first[j + 1] */
	size_t *first = calloc(n + 1, sizeof *first);
	for (size_t i = 0; first && i < n; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		double p;
		uint32_t to;
		for (int k = 0; k < 2; k++) {
			double (*edge)(const void *, size_t, uint32_t *) =
				k ? nd->ops->calls : nd->ops->route;
			for (size_t e = 0; edge && (p = edge(nd->cfg, e, &to)) >= 0; e++)
				first[to + 1]++;
		}
	}
	for (size_t j = 0; first && j < n; j++)
		first[j + 1] += first[j];
	m = first ? first[n] : 0;
	uint32_t *src = malloc((m ? m : 1) * sizeof *src);
	double *prob = malloc((m ? m : 1) * sizeof *prob);
	size_t *fill = calloc(n + 1, sizeof *fill);
	int ok = 0;
	if (!first || !src || !prob || !fill)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		double p;
		uint32_t to;
		for (int k = 0; k < 2; k++) {
			double (*edge)(const void *, size_t, uint32_t *) =
				k ? nd->ops->calls : nd->ops->route;
			for (size_t e = 0; edge && (p = edge(nd->cfg, e, &to)) >= 0; e++) {
				size_t at = first[to] + fill[to]++;
				src[at] = (uint32_t)i;
				prob[at] = p;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		lam[i] = ext[i];
	for (int sweep = 0; sweep < STEADY_MAX_SWEEPS && !ok; sweep++) {
		double change = 0, total = 0;
		for (size_t j = 0; j < n; j++) {
			double l = ext[j];
			for (size_t e = first[j]; e < first[j + 1]; e++)
				l += prob[e] * lam[src[e]];
			change += fabs(l - lam[j]);
			total += l;
			lam[j] = l;
		}
		ok = change <= 1e-12 * (total > 0 ? total : 1);
	}
done:
	free(first);
	free(src);
	free(prob);
	free(fill);
	return ok ? 0 : -1;
}

/* held_s works out, for node i and recursively its callees, a lower
 * bound on the time a server is held per request (steady.h, 2). */
static double held_s(const struct scenario *sc, size_t i, double *memo,
		     unsigned char *state)
{
	if (state[i] == 2)
		return memo[i];
	if (state[i] == 1)
		return 0;     /* a call cycle: refused by the checker already */
	state[i] = 1;
	const struct sc_node *nd = &sc->nodes[i];
	struct node_capacity cap;
	double h = 0;
	if (nd->ops->capacity && nd->ops->capacity(nd->cfg, &cap) == 0) {
		h = cap.mean_s;
		for (uint32_t st = 0; cap.calls && st < cap.calls->nsteps; st++) {
			const struct call_step *step = &cap.calls->steps[st];
			/* a step lasts at least as long as its longest call */
			double longest = 0;
			for (uint32_t e = 0; e < step->nedges; e++) {
				double x = step->edges[e].p *
					   held_s(sc, step->edges[e].to, memo, state);
				if (x > longest)
					longest = x;
			}
			h += longest;
		}
	}
	state[i] = 2;
	memo[i] = h;
	return h;
}

int steady_analyze(const struct scenario *sc, struct steady_check *out)
{
	size_t n = sc->ncomponents;
	out->notes = NULL;
	out->nnotes = 0;
	out->unsteady = 0;
	out->tau_s = 0;
	double *ext = calloc(n ? n : 1, sizeof *ext);
	double *lam = calloc(n ? n : 1, sizeof *lam);
	int rc = 0;
	if (!ext || !lam) {
		rc = SIM_ENOMEM;
		goto done;
	}
	int64_t t0 = sc->warmup_ns, t1 = sc->warmup_ns + sc->duration_ns;
	for (size_t w = n; w < sc->nnodes; w++) {
		const struct sc_node *nd = &sc->nodes[w];
		double rate = nd->ops->offered ? nd->ops->offered(nd->cfg, t0, t1) : NAN;
		uint32_t to;
		if (!isnan(rate) && nd->ops->route && nd->ops->route(nd->cfg, 0, &to) >= 0)
			ext[to] += rate;
	}
	int have_flows = flows(sc, lam, ext) == 0;
	double dur_s = (double)sc->duration_ns * 1e-9;
	double warm_s = (double)sc->warmup_ns * 1e-9;
	double *memo = calloc(n ? n : 1, sizeof *memo);
	unsigned char *state = calloc(n ? n : 1, 1);
	if (!memo || !state) {
		free(memo);
		free(state);
		rc = SIM_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		struct node_capacity cap;
		if (!nd->ops->capacity || nd->ops->capacity(nd->cfg, &cap))
			continue;
		struct steady_note note = { .node = (uint32_t)i, .shape = cap.tail_shape,
					    .lambda = lam[i] };
		if (cap.tail_shape <= 2) {
			note.what = STEADY_INFINITE_MEAN;
			rc = add_note(out, note);
		} else if (cap.tail_shape <= 3) {
			note.what = STEADY_HEAVY_TAIL;
			rc = add_note(out, note);
		}
		double hold = held_s(sc, i, memo, state);
		if (rc || !have_flows || lam[i] <= 0 || cap.bounded || !(hold > 0))
			continue;
		double servers = cap.workers *
			tl_mean_units(sc, (uint32_t)i, cap.replicas, sc->warmup_ns,
				      sc->warmup_ns + sc->duration_ns);
		note.capacity = servers / hold;
		note.rho = lam[i] / note.capacity;
		if (note.rho >= 1 - 1e-12) {
			note.what = STEADY_OVERLOAD;
			rc = add_note(out, note);
			continue;
		}
		/* a mean over replications that see too few of the demands
		 * that set the waiting time's spread, where there is enough
		 * waiting for it to matter (a queue of its own, a utilisation
		 * of 0.1 or more) */
		double x3 = NAN, p3 = cap.tail_shape > 3 && cap.demand ?
			dist_tail3(cap.demand, &x3) : NAN;
		if (note.rho >= STEADY_SKEW_RHO && p3 * lam[i] * dur_s < 1) {
			struct steady_note k = note;
			k.what = STEADY_SKEWED;
			k.n3 = p3 * lam[i] * dur_s;
			k.x3_s = x3 * (cap.demand->mean > 0 ? cap.mean_s / cap.demand->mean : 1);
			if ((rc = add_note(out, k)))
				continue;
		}
		/* a settling time needs a finite variance of the service; an
		 * infinite one is the heavy-tail note's */
		if (!isfinite(cap.scv))
			continue;
		note.tau_s = 2 * note.rho * hold * (1 + cap.scv) /
			     (servers * (1 - note.rho) * (1 - note.rho));
		if (note.tau_s > out->tau_s)
			out->tau_s = note.tau_s;
		if (note.tau_s > dur_s) {
			note.what = STEADY_SLOW;
			rc = add_note(out, note);
		} else if (note.tau_s > warm_s && note.tau_s > dur_s / 100) {
			/* the start's bias is of order tau / duration: worth a
			 * word only when that is above a percent */
			note.what = STEADY_WARMUP;
			rc = add_note(out, note);
		}
	}
	free(memo);
	free(state);
	/* a rollout to another service time or speed that starts inside
	 * the measured window: before it and after it are two systems (one
	 * that starts in the warm-up may end before the window or in it:
	 * its end is the run's, not known here, and the trend check of the
	 * report is left to judge it) */
	for (size_t i = 0; i < sc->ntimeline && rc == 0; i++) {
		const struct tl_entry *t = &sc->timeline[i];
		if (!(t->roll.given & (TL_ROLL_SERVICE | TL_ROLL_SPEED)) || t->at_ns >= t1 ||
		    t->at_ns < t0)
			continue;
		struct steady_note note = { .what = STEADY_VERSION, .node = t->node,
					    .tau_s = (double)t->at_ns * 1e-9 };
		rc = add_note(out, note);
	}
done:
	free(ext);
	free(lam);
	if (rc)
		steady_free(out);
	return rc;
}

int steady_warmup_ns(const struct scenario *sc, int64_t mser_ns, int64_t *out)
{
	struct steady_check c;
	int rc = steady_analyze(sc, &c);
	*out = mser_ns;
	if (rc)
		return rc;
	/* up to the millisecond (its last bits of rounding aside) */
	double tau_ns = ceil(c.tau_s * 1e3 - 1e-6) * 1e6;
	if (tau_ns > (double)sc->duration_ns)
		tau_ns = (double)sc->duration_ns;
	if (tau_ns > (double)mser_ns)
		*out = (int64_t)tau_ns;
	steady_free(&c);
	return 0;
}

void steady_free(struct steady_check *c)
{
	free(c->notes);
	c->notes = NULL;
	c->nnotes = 0;
}

void steady_note_text(const struct scenario *sc, const struct steady_note *n,
		      char *buf, size_t len)
{
	const char *name = sc->nodes[n->node].name;
	char a[32], b[32];
	switch (n->what) {
	case STEADY_OVERLOAD:
		snprintf(buf, len,
			 "node '%s' is overloaded: offered %.4g/s against a capacity of %.4g/s (utilisation %.3g); its queue grows without bound, so its latencies depend on the run length, not on the system",
			 name, n->lambda, n->capacity, n->rho);
		break;
	case STEADY_SLOW:
		stats_fmt_seconds(a, sizeof a, n->tau_s);
		stats_fmt_seconds(b, sizeof b, (double)sc->duration_ns * 1e-9);
		snprintf(buf, len,
			 "node '%s' runs at utilisation %.4g and needs about %s to settle, longer than the measured %s: the run shows its start, not its steady state",
			 name, n->rho, a, b);
		break;
	case STEADY_WARMUP:
		stats_fmt_seconds(a, sizeof a, n->tau_s);
		stats_fmt_seconds(b, sizeof b, (double)sc->warmup_ns * 1e-9);
		snprintf(buf, len,
			 "node '%s' (utilisation %.3g) needs about %s to settle, longer than the warm-up of %s: the estimates keep some bias from the empty start",
			 name, n->rho, a, b);
		break;
	case STEADY_INFINITE_MEAN:
		snprintf(buf, len,
			 "node '%s': Pareto service with shape %g has infinite variance, so waiting times have an infinite mean; mean latency and its interval do not converge (percentiles do)",
			 name, n->shape);
		break;
	case STEADY_HEAVY_TAIL:
		snprintf(buf, len,
			 "node '%s': Pareto service with shape %g has an infinite third moment, so waiting times have infinite variance; the mean latency's interval is not valid (percentiles are)",
			 name, n->shape);
		break;
	case STEADY_VERSION:
		stats_fmt_seconds(a, sizeof a, n->tau_s);
		snprintf(buf, len,
			 "node '%s': the rollout at %s changes its service time inside the measured window, so the point's measures mix two versions and are neither's steady state; timeseries.csv shows each, and a run that starts after the rollout measures the new one",
			 name, a);
		break;
	case STEADY_SKEWED:
		stats_fmt_seconds(a, sizeof a, n->x3_s);
		stats_fmt_seconds(b, sizeof b, (double)sc->duration_ns * 1e-9 / n->n3);
		snprintf(buf, len,
			 "node '%s': its service demands are so skewed that half their third moment, which sets how much waiting times spread, comes from demands above %s, and a replication sees %.2g of those on average: the intervals of mean latency and of tail percentiles are likely too narrow (they hold less often than 95 %%); replications of %s or more would see one each",
			 name, a, n->n3, b);
		break;
	}
}

size_t steady_mser5(const double *sum, const double *count, size_t n)
{
	size_t nb = n / 5, best = 0, used = 0;
	double *z = malloc((nb ? nb : 1) * sizeof *z);
	size_t *at = malloc((nb ? nb : 1) * sizeof *at);
	if (!z || !at) {
		free(z), free(at);
		return 0;
	}
	for (size_t j = 0; j < nb; j++) {
		double s = 0, c = 0;
		for (size_t i = 5 * j; i < 5 * j + 5; i++)
			s += sum[i], c += count[i];
		if (c > 0) {
			z[used] = s / c;
			at[used++] = j;
		}
	}
	if (used >= 4) {
		/* the sums of what is left, less each batch cut: O(1) per d */
		double s1 = 0, s2 = 0, best_v = INFINITY;
		for (size_t j = 0; j < used; j++)
			s1 += z[j], s2 += z[j] * z[j];
		for (size_t d = 0; d <= used / 2; d++) {
			double m = (double)(used - d);
			double ss = s2 - s1 * s1 / m;
			double v = (ss > 0 ? ss : 0) / (m * m);
			if (v < best_v) {
				best_v = v;
				best = d;
			}
			s1 -= z[d], s2 -= z[d] * z[d];
		}
		best = best ? 5 * at[best] : 0;
	}
	free(z), free(at);
	return best;
}
