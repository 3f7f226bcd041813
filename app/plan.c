/*
 * plan.c - the cheapest plan's search and plan.csv; see plan.h.
 *
 * The combinations of the other paths are walked as an odometer, the
 * last of them fastest; each one's least value of the last path is kept
 * by the combination's index, where the combinations one step lower in
 * one path (already walked: the odometer reaches them first) find it for
 * their bound.
 */
#include "app/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/csv.h"
#include "app/outfile.h"
#include "sim/metric.h"

/* What one search needs at every probe. */
struct walk {
	const struct load_lang *lang;
	const struct cap_spec *spec;     /* the plan's */
	struct cap_spec last;            /* the single-path search of the last */
	const struct sweep_source *src;
	unsigned jobs;
	volatile sig_atomic_t *stop;
	FILE *log;
	uint32_t first;
	size_t probes;
};

/* probe runs the combination v (its last path's value too). */
static int probe(struct walk *w, const long *v, struct cap_probe *pr, struct sim_err *err)
{
	const struct cap_spec *spec = w->spec;
	size_t k = spec->ndims - 1;
	struct sc_override *ov = calloc(w->src->nsets + k, sizeof *ov);
	char val[CAP_MAX_DIMS][32];
	if (!ov)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	if (w->src->nsets)
		memcpy(ov, w->src->sets, w->src->nsets * sizeof *ov);
	for (size_t i = 0; i < k; i++) {
		snprintf(val[i], sizeof val[i], "%ld", v[i]);
		ov[w->src->nsets + i] = (struct sc_override){ spec->dpath[i], val[i] };
	}
	struct sweep_source at = *w->src;
	at.sets = ov;
	at.nsets = w->src->nsets + k;
	int rc = cap_probe_run(w->lang, &w->last, &at, (double)v[k], w->first, w->jobs, w->stop,
			       pr, err);
	free(ov);
	if (rc)
		return rc;
	w->probes++;
	if (w->log) {
		fprintf(w->log, "archsim: probe %zu:", w->probes);
		for (size_t i = 0; i <= k; i++)
			fprintf(w->log, "%s %s=%ld", i ? "," : "", spec->dpath[i], v[i]);
		fprintf(w->log, ": %s %.4g [%.4g, %.4g]", metric_name(spec->minimize - 1), pr->mest,
			pr->mlo, pr->mhi);
		for (size_t i = 0; i < spec->nterms; i++)
			fprintf(w->log, ", %s %.4g [%.4g, %.4g]", metric_name(spec->terms[i].metric),
				pr->est[i], pr->lo[i], pr->hi[i]);
		fprintf(w->log, ": %s%s (%u replications)\n", pr->meets ? "meets" : "misses",
			pr->decided ? "" : ", undecided", pr->replications);
		fflush(w->log);
	}
	return 0;
}

/* least finds, for the combination c (its other paths set), the least
 * value of the last path from its min to hi that meets the SLO. */
static int least(struct walk *w, struct plan_cand *c, long hi, struct sim_err *err)
{
	const struct cap_spec *spec = w->spec;
	size_t k = spec->ndims - 1;
	long lo = spec->dmin[k];
	struct cap_probe p;
	int rc;
	c->v[k] = hi;
	if ((rc = probe(w, c->v, &p, err)))
		return rc;
	if (!p.meets && hi < spec->dmax[k]) {
		/* the bound from a neighbour missed here (chance, or a
		 * parameter that does not help): the range's top decides */
		lo = hi + 1;
		hi = spec->dmax[k];
		c->v[k] = hi;
		if ((rc = probe(w, c->v, &p, err)))
			return rc;
	}
	c->at = p;
	if (!p.meets)
		return 0;               /* none in range */
	c->found = 1;
	struct cap_probe meet = p;
	long good = hi;
	if (lo < good) {
		c->v[k] = lo;
		if ((rc = probe(w, c->v, &p, err)))
			return rc;
		if (p.meets) {
			meet = p;
			good = lo;
		}
		/* bisect, keeping lo that misses and good that meets */
		while (good - lo > 1 && !p.meets) {
			long mid = lo + (good - lo) / 2;
			c->v[k] = mid;
			if ((rc = probe(w, c->v, &p, err)))
				return rc;
			if (p.meets) {
				meet = p;
				good = mid;
				p.meets = 0;     /* go on narrowing */
			} else {
				lo = mid;
			}
		}
	}
	c->v[k] = good;
	c->at = meet;
	return 0;
}

/* better says whether candidate a is cheaper than b (a tie: fewer of
 * the parameters, summed; then the first searched). */
static int better(const struct plan_result *r, size_t a, size_t b, size_t nd)
{
	double ma = r->c[a].at.mest, mb = r->c[b].at.mest;
	if (ma != mb)
		return ma < mb;
	long sa = 0, sb = 0;
	for (size_t i = 0; i < nd; i++)
		sa += r->c[a].v[i], sb += r->c[b].v[i];
	return sa != sb ? sa < sb : a < b;
}

static void rank(struct plan_result *r, const struct cap_spec *spec)
{
	r->best = r->second = -1;
	for (size_t i = 0; i < r->n; i++) {
		if (!r->c[i].found || isnan(r->c[i].at.mest))
			continue;
		if (r->best < 0 || better(r, i, (size_t)r->best, spec->ndims)) {
			r->second = r->best;
			r->best = (long)i;
		} else if (r->second < 0 || better(r, i, (size_t)r->second, spec->ndims)) {
			r->second = (long)i;
		}
	}
	if (r->best >= 0)
		r->c[r->best].rank = 1;
	if (r->second >= 0)
		r->c[r->second].rank = 2;
	/* the front against the first latency term (the mean or a
	 * percentile), else the first term */
	r->lat_term = 0;
	for (size_t t = spec->nterms; t-- > 0;)
		if (spec->terms[t].metric == METRIC_LATENCY_MEAN ||
		    metric_quantile(spec->terms[t].metric) > 0)
			r->lat_term = (int)t;
	for (size_t i = 0; i < r->n; i++) {
		const struct plan_cand *a = &r->c[i];
		if (!a->found || isnan(a->at.mest))
			continue;
		double la = a->at.est[r->lat_term];
		int beaten = 0;
		for (size_t j = 0; j < r->n && !beaten; j++) {
			const struct plan_cand *b = &r->c[j];
			if (j == i || !b->found || isnan(b->at.mest))
				continue;
			double lb = b->at.est[r->lat_term];
			beaten = b->at.mest <= a->at.mest && lb <= la &&
				 (b->at.mest < a->at.mest || lb < la);
		}
		r->c[i].front = !beaten;
	}
}

/* ---- plan.csv ---------------------------------------------------------------- */

struct plan_row {
	const struct plan_result *res;
	size_t k;
};

static const struct plan_cand *cand(const void *row)
{
	const struct plan_row *r = row;
	return &r->res->c[r->k];
}

static size_t dim_count(const void *ctx)
{
	return ctx ? ((const struct cap_spec *)ctx)->ndims : 0;
}

static void dim_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	(void)doc;
	snprintf(name, len, "%s", ((const struct cap_spec *)ctx)->dpath[k]);
}

static void put_dim(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx;
	fprintf(f, "%ld", cand(row)->v[k]);
}

static void put_found(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx, (void)k;
	fputs(cand(row)->found ? "true" : "false", f);
}

static void put_reps(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx, (void)k;
	fprintf(f, "%u", cand(row)->at.replications);
}

static size_t min_count(const void *ctx)
{
	return ctx ? 3 : 0;
}

static void min_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	(void)doc;
	static const char *const sfx[] = { "", "_lo", "_hi" };
	snprintf(name, len, "%s%s", metric_name(((const struct cap_spec *)ctx)->minimize - 1),
		 sfx[k]);
}

static void put_min(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx;
	const struct cap_probe *p = &cand(row)->at;
	csv_num(f, k == 0 ? p->mest : k == 1 ? p->mlo : p->mhi);
}

static size_t term_count(const void *ctx)
{
	return ctx ? 4 * ((const struct cap_spec *)ctx)->nterms : 0;
}

static void term_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	(void)doc;
	static const char *const sfx[] = { "", "_lo", "_hi", "_limit" };
	const struct cap_spec *spec = ctx;
	snprintf(name, len, "slo_%s%s", metric_name(spec->terms[k / 4].metric), sfx[k % 4]);
}

static void put_term(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct cap_spec *spec = ctx;
	const struct cap_probe *p = &cand(row)->at;
	size_t t = k / 4;
	csv_num(f, k % 4 == 0 ? p->est[t] : k % 4 == 1 ? p->lo[t] : k % 4 == 2 ? p->hi[t] :
		spec->terms[t].limit);
}

static void put_rank(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx, (void)k;
	fprintf(f, "%d", cand(row)->rank);
}

static void put_front(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx, (void)k;
	fputs(cand(row)->front ? "true" : "false", f);
}

static void put_bottleneck(FILE *f, const void *ctx, const void *row, size_t k)
{
	(void)ctx, (void)k;
	csv_text(f, cand(row)->at.bottleneck);
}

static const struct csv_col plan_cols[] = {
	{ "PATH", "the combination's value of each varied path, the last the least that meets the SLO there (or its max, when none does)",
	  dim_count, dim_member, put_dim },
	{ "meets", "`true` when some value of the last path in its range meets the SLO at this combination",
	  NULL, NULL, put_found },
	{ "replications", "replications run at the row's probe", NULL, NULL, put_reps },
	{ "M, M_lo, M_hi", "the metric minimised (`cost_per_hour`): its estimate and 95 % interval at the row's probe",
	  min_count, min_member, put_min },
	{ "slo_T, slo_T_lo, slo_T_hi, slo_T_limit", "for each term's metric T: its estimate and 95 % interval at the row's probe, and the term's limit",
	  term_count, term_member, put_term },
	{ "rank", "1 on the answer (the cheapest that meets the SLO), 2 on the runner-up, 0 elsewhere",
	  NULL, NULL, put_rank },
	{ "front", "`true` on a combination that meets the SLO and that no other beats on both the metric minimised and the SLO's first latency term (the Pareto front)",
	  NULL, NULL, put_front },
	{ "bottleneck", "the node with the highest utilization at the row's probe", NULL, NULL,
	  put_bottleneck },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct csv_file plan_file = {
	"plan.csv", "Written by `archsim capacity` when its block varies several paths: one row per combination of all but the last path, with the least value of the last that meets the SLO there, in the order searched.",
	plan_cols,
};

static int write_csv(const struct cap_spec *spec, const struct plan_result *res,
		     const char *dir, struct sim_err *err)
{
	struct outfile out;
	int rc = outfile_open(&out, dir, "plan.csv", err);
	if (rc)
		return rc;
	csv_header(out.f, &plan_file, spec);
	for (size_t k = 0; k < res->n; k++) {
		struct plan_row row = { res, k };
		csv_row(out.f, &plan_file, spec, &row);
	}
	return outfile_commit(&out, err);
}

/* ---- the search ------------------------------------------------------------------ */

int plan_search(const struct load_lang *lang, const struct cap_spec *spec,
		const struct sweep_source *src, unsigned jobs, volatile sig_atomic_t *stop,
		const char *dir, FILE *log, struct plan_result *res, struct sim_err *err)
{
	memset(res, 0, sizeof *res);
	res->best = res->second = -1;
	size_t k = spec->ndims - 1, n = 1;
	for (size_t i = 0; i < k; i++)
		n *= (size_t)(spec->dmax[i] - spec->dmin[i] + 1);
	struct walk w = { .lang = lang, .spec = spec, .last = *spec, .src = src, .jobs = jobs,
			  .stop = stop, .log = log };
	w.last.ndims = 0;
	snprintf(w.last.path, sizeof w.last.path, "%s", spec->dpath[k]);
	if (!(w.first = cap_first_replications(lang, spec, src, err)))
		return err->code ? err->code : sim_errf(err, SIM_EINVAL, "no replications to run");
	if (!(res->c = calloc(n, sizeof *res->c)))
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	long v[CAP_MAX_DIMS] = { 0 };
	for (size_t i = 0; i < k; i++)
		v[i] = spec->dmin[i];
	for (size_t idx = 0; idx < n; idx++) {
		struct plan_cand *c = &res->c[idx];
		memcpy(c->v, v, sizeof v);
		/* the bound: the least found one step lower in each path */
		long hi = spec->dmax[k];
		size_t stride = 1;
		for (size_t i = k; i-- > 0;) {
			if (v[i] > spec->dmin[i]) {
				const struct plan_cand *b = &res->c[idx - stride];
				if (b->found && b->v[k] < hi)
					hi = b->v[k];
			}
			stride *= (size_t)(spec->dmax[i] - spec->dmin[i] + 1);
		}
		int rc = least(&w, c, hi, err);
		res->n = idx + 1;
		if (!rc && c->found && isnan(c->at.mest))
			rc = sim_errf(err, SIM_EINVAL,
				      "%s: minimize: %s has no value where the SLO is met%s",
				      src->file, metric_name(spec->minimize - 1),
				      spec->minimize - 1 == METRIC_COST_PER_HOUR ||
				      spec->minimize - 1 == METRIC_COST_TOTAL ?
				      " (give the nodes a cost:)" : "");
		if (rc) {
			res->probes = w.probes;
			return rc;
		}
		/* the odometer, the last of the other paths fastest */
		for (size_t i = k; i-- > 0;) {
			if (++v[i] <= spec->dmax[i])
				break;
			v[i] = spec->dmin[i];
		}
	}
	res->probes = w.probes;
	rank(res, spec);
	return write_csv(spec, res, dir, err);
}

void plan_result_free(struct plan_result *res)
{
	free(res->c);
	res->c = NULL;
	res->n = 0;
}
