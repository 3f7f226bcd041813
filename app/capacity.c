/*
 * capacity.c - SLO search; see capacity.h.
 */
#include "app/capacity.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/outfile.h"
#include "app/report.h"
#include "sim/check.h"
#include "sim/metric.h"

/* ---- the SLO and the bounds ---------------------------------------------- */

int cap_parse_slo(const char *text, struct cap_spec *spec, char *why, size_t len)
{
	struct slo slo;
	if (slo_parse(text, &slo, why, len))
		return -1;
	memcpy(spec->terms, slo.terms, slo.nterms * sizeof slo.terms[0]);
	spec->nterms = slo.nterms;
	snprintf(spec->slo, sizeof spec->slo, "%s", slo.text);
	return 0;
}

int cap_parse_bound(const char *text, double *v, char *unit, int *integer)
{
	char *end;
	int64_t ns;
	errno = 0;
	double x = strtod(text, &end);
	*integer = 0;
	unit[0] = 0;
	if (end != text && !*end && !errno && isfinite(x)) {
		*v = x;
		*integer = x == floor(x) && !strpbrk(text, ".eE");
		return 0;
	}
	if (check_parse_rate(text, v) == 0) {
		snprintf(unit, 8, "/s");
		return 0;
	}
	if (check_parse_duration(text, &ns) == 0) {
		*v = (double)ns * 1e-9;
		snprintf(unit, 8, "s");
		return 0;
	}
	return -1;
}

int cap_spec_finish(struct cap_spec *spec, const char *min, const char *max,
		    char *why, size_t len)
{
	char u1[8] = "", u2[8] = "";
	int i1 = 1, i2 = 1;
	if (!min) {
		spec->min = CAP_DEFAULT_MIN;
	} else if (cap_parse_bound(min, &spec->min, u1, &i1)) {
		snprintf(why, len, "min: '%s' is not a number, a rate or a duration", min);
		return -1;
	}
	spec->has_max = max != NULL;
	if (max && cap_parse_bound(max, &spec->max, u2, &i2)) {
		snprintf(why, len, "max: '%s' is not a number, a rate or a duration", max);
		return -1;
	}
	if (max && strcmp(u1, u2)) {
		snprintf(why, len, "min (%s) and max (%s) are not in the same unit", min, max);
		return -1;
	}
	if (max && !(spec->max > spec->min)) {
		snprintf(why, len, "max (%s) must be greater than min (%s)", max,
			 min ? min : "1");
		return -1;
	}
	if (!max && !(spec->min > 0)) {
		snprintf(why, len, "without max, the search doubles from min, which must be greater than 0");
		return -1;
	}
	spec->integer = i1 && i2 && !u1[0];
	snprintf(spec->unit, sizeof spec->unit, "%s", u1);
	if (!(spec->tolerance > 0))
		spec->tolerance = CAP_DEFAULT_TOLERANCE;
	if (!spec->max_replications)
		spec->max_replications = CAP_DEFAULT_REPS;
	return 0;
}

void cap_format(const struct cap_spec *spec, double v, char *buf, size_t len)
{
	if (spec->integer)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.9g%s", v, spec->unit);
}

int cap_parse_availability(const char *text, struct cap_spec *spec, char *why, size_t len)
{
	char *end;
	if (!strcmp(text, "off")) {
		spec->availability = -1;
		return 0;
	}
	double v = strtod(text, &end);
	if (end == text || *end || !(v > 0 && v < 1)) {
		snprintf(why, len, "expected a ratio above 0 and below 1, or off (got '%s')", text);
		return -1;
	}
	spec->availability = v;
	return 0;
}

int cap_add_availability(struct cap_spec *spec)
{
	double a = spec->availability ? spec->availability : CAP_DEFAULT_AVAILABILITY;
	if (a < 0)
		return 0;
	for (size_t i = 0; i < spec->nterms; i++)
		if (spec->terms[i].metric == METRIC_REJECT_RATIO ||
		    spec->terms[i].metric == METRIC_ERROR_RATIO)
			return 0;
	if (spec->nterms + 2 > CAP_MAX_TERMS)
		return -1;
	spec->terms[spec->nterms++] = (struct slo_term){ METRIC_REJECT_RATIO, 0, a };
	spec->terms[spec->nterms++] = (struct slo_term){ METRIC_ERROR_RATIO, 0, a };
	size_t n = strlen(spec->slo);
	snprintf(spec->slo + n, sizeof spec->slo - n, " and reject_ratio<%g and error_ratio<%g", a,
		 a);
	return 1;
}

const char *const cap_goal_names[] = { "auto", "smallest", "largest", NULL };

int cap_goal_find(const char *name)
{
	for (int i = 0; cap_goal_names[i]; i++)
		if (!strcmp(name, cap_goal_names[i]))
			return i;
	return -1;
}

/* ---- the `capacity:` block ------------------------------------------------ */

/* parse_text reads a text field of the block into the spec with parse,
 * which the command line's option uses too; its reason is the message */
static int parse_text(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		      struct cap_spec *spec,
		      int (*parse)(const char *text, struct cap_spec *spec, char *why, size_t len))
{
	char why[600];
	const char *s;
	int rc = check_string(ctx, n, what, &s);
	if (rc)
		return rc;
	if (parse(s, spec, why, sizeof why))
		return check_fail(ctx, n, what, "%s", why);
	return 0;
}

static int parse_slo(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		     void *field)
{
	return parse_text(ctx, what, n, field, cap_parse_slo);
}

static int parse_availability(struct check_ctx *ctx, const char *what,
			      const struct yt_node *n, void *field)
{
	return parse_text(ctx, what, n, field, cap_parse_availability);
}

static int parse_vary(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		      void *field)
{
	struct cap_spec *spec = field;
	const char *v;
	int rc;
	if (n->type == YT_SEQ) {
		/* several: the cheapest plan's parameters */
		if (n->n < 2 || n->n > CAP_MAX_DIMS)
			return check_fail(ctx, n, what, "a list of 2 to %d paths (one: write it alone)",
					  CAP_MAX_DIMS);
		for (size_t i = 0; i < n->n; i++) {
			char w[300];
			snprintf(w, sizeof w, "%s[%zu]", what, i);
			if ((rc = check_string(ctx, n->items[i], w, &v)))
				return rc;
			if (strlen(v) >= sizeof spec->dpath[i])
				return check_fail(ctx, n->items[i], w, "too long");
			for (size_t j = 0; j < i; j++)
				if (!strcmp(spec->dpath[j], v))
					return check_fail(ctx, n->items[i], w, "'%s' is listed twice", v);
			snprintf(spec->dpath[i], sizeof spec->dpath[i], "%s", v);
		}
		spec->ndims = n->n;
		snprintf(spec->path, sizeof spec->path, "%s", spec->dpath[n->n - 1]);
		return 0;
	}
	rc = check_string(ctx, n, what, &v);
	if (rc)
		return rc;
	if (strlen(v) >= sizeof spec->path)
		return check_fail(ctx, n, what, "too long");
	snprintf(spec->path, sizeof spec->path, "%s", v);
	return 0;
}

/* parse_bound keeps a bound's text (min or max), checked with the other
 * by the table's validate. */
static int parse_bound(struct check_ctx *ctx, const char *what, const struct yt_node *n,
		       void *field)
{
	const char *v;
	int rc;
	if (n->type == YT_SEQ) {
		/* a plan's: one integer per path, kept as "1,1" for validate */
		char buf[CAP_BOUND_MAX] = "";
		for (size_t i = 0; i < n->n; i++) {
			char w[300];
			snprintf(w, sizeof w, "%s[%zu]", what, i);
			if ((rc = check_string(ctx, n->items[i], w, &v)))
				return rc;
			if (strlen(buf) + strlen(v) + 2 >= sizeof buf || strchr(v, ','))
				return check_fail(ctx, n->items[i], w, "too long");
			strcat(buf, i ? "," : "");
			strcat(buf, v);
		}
		snprintf(field, CAP_BOUND_MAX, "%s", buf);
		return 0;
	}
	rc = check_string(ctx, n, what, &v);
	if (rc)
		return rc;
	if (strlen(v) >= CAP_BOUND_MAX)
		return check_fail(ctx, n, what, "too long");
	snprintf(field, CAP_BOUND_MAX, "%s", v);
	return 0;
}

static int parse_minimize(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			  void *field)
{
	const char *v;
	int rc = check_string(ctx, n, what, &v);
	if (rc)
		return rc;
	int m = metric_find(v);
	if (m < 0)
		return check_unknown(ctx, n, what, "metric", v, metric_names);
	*(int *)field = m + 1;
	return 0;
}

/* plan_bounds reads a plan's min or max list ("1,4") into out[ndims]. */
static int plan_bounds(struct check_ctx *ctx, const char *what, const struct yt_node *at,
		       const char *text, size_t ndims, long *out)
{
	char buf[CAP_BOUND_MAX], *save = NULL;
	size_t k = 0;
	snprintf(buf, sizeof buf, "%s", text);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), k++) {
		char *end;
		errno = 0;
		long v = strtol(t, &end, 10);
		if (k >= ndims || *end || end == t || v < 0 || v > CAP_PLAN_MAX_VALUE || errno)
			return check_fail(ctx, at, what,
					  "a list of %zu integers, one per path of vary", ndims);
		out[k] = v;
	}
	if (k != ndims)
		return check_fail(ctx, at, what, "a list of %zu integers, one per path of vary",
				  ndims);
	return 0;
}

/* plan_validate checks a plan's block: a list of bounds for each path,
 * max given and not below min, and what to minimise. */
static int plan_validate(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			 struct cap_spec *spec)
{
	const struct yt_node *mn = yt_get(n, "min"), *mx = yt_get(n, "max");
	char w[300];
	if (!mx)
		return check_fail(ctx, n, what, "vary lists several paths: give max as a list, one integer for each");
	if (!spec->minimize)
		return check_fail(ctx, n, what, "vary lists several paths: say what to minimize (minimize: cost_per_hour)");
	int rc;
	snprintf(w, sizeof w, "%s.max", what);
	if ((rc = plan_bounds(ctx, w, mx, spec->max_text, spec->ndims, spec->dmax)))
		return rc;
	snprintf(w, sizeof w, "%s.min", what);
	for (size_t i = 0; i < spec->ndims; i++)
		spec->dmin[i] = CAP_DEFAULT_MIN;
	if (mn && (rc = plan_bounds(ctx, w, mn, spec->min_text, spec->ndims, spec->dmin)))
		return rc;
	snprintf(w, sizeof w, "%s.max", what);
	double combos = 1;
	for (size_t i = 0; i < spec->ndims; i++) {
		if (spec->dmax[i] < spec->dmin[i])
			return check_fail(ctx, mx, w, "%s: max %ld is below min %ld", spec->dpath[i],
					  spec->dmax[i], spec->dmin[i]);
		if (i + 1 < spec->ndims)
			combos *= (double)(spec->dmax[i] - spec->dmin[i] + 1);
	}
	if (combos > CAP_PLAN_MAX_COMBOS)
		return check_fail(ctx, mx, w, "%.0f combinations of the paths before the last: at most %d",
				  combos, CAP_PLAN_MAX_COMBOS);
	spec->integer = 1;
	spec->has_max = 1;
	spec->min = (double)spec->dmin[spec->ndims - 1];
	spec->max = (double)spec->dmax[spec->ndims - 1];
	return 0;
}

static int cap_validate(struct check_ctx *ctx, const char *what, const struct yt_node *n,
			void *obj)
{
	struct cap_spec *spec = obj;
	char why[600];
	if (spec->ndims)
		return plan_validate(ctx, what, n, spec);
	const struct yt_node *mn = yt_get(n, "min"), *mx = yt_get(n, "max");
	if (cap_spec_finish(spec, mn ? spec->min_text : NULL, mx ? spec->max_text : NULL, why,
			    sizeof why))
		return check_fail(ctx, mx && strstr(why, "max") == why ? mx : mn ? mn : n,
				  what, "%s", why);
	return 0;
}

static const struct param cap_params[] = {
	{ .name = "slo", .type = PARAM_CUSTOM, .parse = parse_slo, .flags = PARAM_REQUIRED,
	  .shape = "METRIC<LIMIT and ...",
	  .doc = "the objective: terms joined by `and`, each a summary.csv metric, `<` or `>`, and a limit in its unit (`latency_p99_s<50ms and reject_ratio<0.001`)" },
	{ .name = "vary", .type = PARAM_CUSTOM, .parse = parse_vary, .flags = PARAM_REQUIRED,
	  .shape = "PATH, or [PATH, PATH, ...]",
	  .doc = "the parameter searched: any path --set accepts (`nodes.web.replicas`); a list of 2 to 4 integer parameters searches for the cheapest plan (min and max then lists, one integer each, and minimize)" },
	{ .name = "minimize", .type = PARAM_CUSTOM, PARAM_FIELD(struct cap_spec, minimize),
	  .parse = parse_minimize, .shape = "METRIC", .def_doc = "none",
	  .doc = "with several paths: the metric the plan minimises among those that meet the SLO (`cost_per_hour`); each path is taken to help the SLO and to cost more as it grows" },
	{ .name = "min", .type = PARAM_CUSTOM, PARAM_FIELD(struct cap_spec, min_text),
	  .parse = parse_bound, .shape = "number, rate or duration", .def_doc = CAP_STR(CAP_DEFAULT_MIN),
	  .doc = "the least value searched; a plain integer makes the parameter an integer" },
	{ .name = "max", .type = PARAM_CUSTOM, PARAM_FIELD(struct cap_spec, max_text),
	  .parse = parse_bound, .shape = "number, rate or duration",
	  .def_doc = "none: double from min until the verdict changes",
	  .doc = "the most searched, in min's unit" },
	{ .name = "goal", .type = PARAM_ENUM, PARAM_FIELD(struct cap_spec, goal),
	  .names = cap_goal_names, .def = "auto",
	  .doc = "smallest: the least value that meets the SLO (more helps, as replicas do); largest: the most (more hurts, as load does); auto: whichever the bounds' verdicts say" },
	{ .name = "tolerance", .type = PARAM_NUMBER, PARAM_FIELD(struct cap_spec, tolerance),
	  .min = CAP_TOLERANCE_MIN, .max = CAP_TOLERANCE_MAX, .def_doc = CAP_STR(CAP_DEFAULT_TOLERANCE),
	  .doc = "a continuous parameter's search stops when the bracket is this narrow, relative to its ends" },
	{ .name = "max_replications", .type = PARAM_UINT,
	  PARAM_FIELD(struct cap_spec, max_replications), .umin = CAP_REPS_MIN,
	  .umax = CAP_REPS_MAX, .def_doc = CAP_STR(CAP_DEFAULT_REPS),
	  .doc = "a probe's replications double while a term is undecided, up to this; then its estimates decide (decided = false)" },
	{ .name = "availability", .type = PARAM_CUSTOM, .parse = parse_availability,
	  .shape = "ratio or off", .def_doc = CAP_STR(CAP_DEFAULT_AVAILABILITY),
	  .doc = "an SLO that names neither reject_ratio nor error_ratio is searched with `reject_ratio<A and error_ratio<A` added, and a warning says so: latency percentiles count served requests only, so latency alone can be met with most requests turned away; off searches the SLO as written" },
	{ 0 }
};

const struct param_table cap_table = {
	.params = cap_params,
	.size = sizeof(struct cap_spec),
	.doc = "The SLO search of `archsim capacity`, as a block of the scenario (the command line's --slo, --vary, --min, --max, --goal, --tolerance and --max-replications say the same, and win). Each probe runs the scenario with the parameter set and decides each term from its 95 % interval, doubling the replications while one is undecided; the search probes the bounds, then bisects.",
	.validate = cap_validate,
};


/* ---- probes -------------------------------------------------------------- */

/* verdict of one term from an interval: 1 met, 0 missed, -1 undecided */
static int term_verdict(const struct slo_term *t, double lo, double hi)
{
	if (isnan(lo) || isnan(hi))
		return -1;
	if (t->above)
		return lo > t->limit ? 1 : hi <= t->limit ? 0 : -1;
	return hi < t->limit ? 1 : lo >= t->limit ? 0 : -1;
}

/* one_point refuses a scenario a search cannot vary: one with a sweep,
 * or with run-length control of its own. */
static int one_point(const struct sweep *set, const char *file, struct sim_err *err)
{
	if (set->npoints == 1 && set->points[0]->precision.metric < 0)
		return 0;
	return sim_errf(err, SIM_EINVAL,
			"%s: a capacity search runs the scenario at one point and sets its replications itself: remove its %s",
			file, set->npoints != 1 ? "sweep:" : "precision:");
}

/* What probe_enough needs to judge a probe's replications so far. */
struct probe_rule {
	const struct cap_spec *spec;
	uint32_t first;
};

/* probe_enough: the replications folded so far decide every term.  It
 * looks only at the first batch and then at each doubling (first, 2
 * first, 4 first, ...), so that a probe's verdict is not taken at every
 * replication, where chance would decide one sooner. */
static int probe_enough(void *arg, const struct report *r, size_t p, uint32_t n)
{
	const struct probe_rule *pr = arg;
	if (n < pr->first || n % pr->first || ((n / pr->first) & (n / pr->first - 1)))
		return 0;
	for (size_t i = 0; i < pr->spec->nterms; i++) {
		double est, lo, hi;
		if (report_estimate(r, p, pr->spec->terms[i].metric, &est, &lo, &hi) ||
		    term_verdict(&pr->spec->terms[i], lo, hi) < 0)
			return 0;
	}
	return 1;
}

/* cap_probe_run runs the scenario at value v into pr: its first `first`
 * replications, doubled until the intervals decide every term or
 * max_replications have run, one run folding them as they come (the
 * runner's `enough` rule). */
int cap_probe_run(const struct load_lang *lang, const struct cap_spec *spec,
		  const struct sweep_source *src, double v, uint32_t first, unsigned jobs,
		  volatile sig_atomic_t *stop, struct cap_probe *pr, struct sim_err *err)
{
	uint32_t n = spec->max_replications;
	struct sc_override *ov = calloc(src->nsets + 2, sizeof *ov);
	char val[64], reps[32];
	if (!ov)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	if (src->nsets)
		memcpy(ov, src->sets, src->nsets * sizeof *ov);
	cap_format(spec, v, val, sizeof val);
	snprintf(reps, sizeof reps, "%u", n);
	ov[src->nsets] = (struct sc_override){ spec->path, val };
	ov[src->nsets + 1] = (struct sc_override){ "replications", reps };
	struct sweep *set = NULL;
	int rc = sweep_load_string(lang, src->file, src->text, ov, src->nsets + 2, &set, err);
	free(ov);
	if (rc)
		return rc;
	if ((rc = one_point(set, src->file, err))) {
		sweep_free(set);
		return rc;
	}
	rc = runner_warmups(set, jobs, stop, err);
	struct report rep;
	if (rc == 0 && report_init(&rep, set, "capacity"))
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
	if (rc == 0) {
		struct probe_rule rule = { spec, first };
		struct runner_opts o = { .jobs = jobs, .stop = stop, .enough = probe_enough,
					 .enough_arg = &rule };
		rc = runner_run(set, &rep, &o, err);
		struct report_summary sum, *s = &sum;
		if (report_point(&rep, 0, s) && rc == 0)
			rc = sim_errf(err, SIM_EIO,
				      "cannot read back a probe's results from a temporary file");
		pr->value = v;
		pr->replications = s->replications;
		pr->bottleneck[0] = 0;
		pr->bottleneck_util = s->busiest_util;
		pr->mest = pr->mlo = pr->mhi = NAN;
		if (spec->minimize) {
			pr->mest = s->mean[spec->minimize - 1];
			pr->mlo = s->lo[spec->minimize - 1];
			pr->mhi = s->hi[spec->minimize - 1];
		}
		if (s->busiest != UINT32_MAX)
			snprintf(pr->bottleneck, sizeof pr->bottleneck, "%s",
				 set->points[0]->nodes[s->busiest].name);
		int all = 1, any_missed = 0;
		for (size_t i = 0; i < spec->nterms; i++) {
			int m = spec->terms[i].metric;
			pr->est[i] = s->mean[m];
			pr->lo[i] = s->lo[m];
			pr->hi[i] = s->hi[m];
			int tv = term_verdict(&spec->terms[i], s->lo[m], s->hi[m]);
			all &= tv == 1;
			any_missed |= tv == 0;
		}
		pr->decided = all || any_missed;
		if (pr->decided) {
			pr->meets = all;
		} else {
			/* undecided: the point estimates say */
			pr->meets = 1;
			for (size_t i = 0; i < spec->nterms; i++) {
				const struct slo_term *t = &spec->terms[i];
				double e = pr->est[i];
				if (isnan(e) || (t->above ? !(e > t->limit) : !(e < t->limit)))
					pr->meets = 0;
			}
		}
		report_fini(&rep);
	}
	sweep_free(set);
	return rc;
}

struct search {
	const struct load_lang *lang;
	const struct cap_spec *spec;
	const struct sweep_source *src;
	unsigned jobs;
	volatile sig_atomic_t *stop;
	FILE *log;
	struct cap_result *res;
	uint32_t first;              /* replications a probe starts with */
};

/* probe decides value v and records it; *meets is its verdict. */
static int probe(struct search *sr, double v, int *meets, struct sim_err *err)
{
	const struct cap_spec *spec = sr->spec;
	struct cap_probe pr;
	int rc;
	if ((rc = cap_probe_run(sr->lang, spec, sr->src, v, sr->first, sr->jobs, sr->stop, &pr, err)))
		return rc;
	struct cap_result *res = sr->res;
	struct cap_probe *p = realloc(res->probes, (res->nprobes + 1) * sizeof *p);
	if (!p)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	res->probes = p;
	p[res->nprobes++] = pr;
	*meets = pr.meets;
	if (sr->log) {
		char val[64];
		cap_format(spec, v, val, sizeof val);
		fprintf(sr->log, "archsim: probe %zu: %s=%s: ", res->nprobes, spec->path, val);
		for (size_t i = 0; i < spec->nterms; i++)
			fprintf(sr->log, "%s%s %.4g [%.4g, %.4g]", i ? ", " : "",
				metric_name(spec->terms[i].metric), pr.est[i], pr.lo[i],
				pr.hi[i]);
		fprintf(sr->log, ": %s%s (%u replications)\n", pr.meets ? "meets" : "misses",
			pr.decided ? "" : ", undecided", pr.replications);
		fflush(sr->log);
	}
	return 0;
}

/* done says whether the bracket [lo, hi] is as narrow as asked: for a
 * continuous parameter, within the tolerance of its ends, or of the range
 * first searched (width0), so that a bracket closing on 0 ends too. */
static int done(const struct cap_spec *spec, double lo, double hi, double width0)
{
	if (spec->integer)
		return hi - lo <= 1;
	double w = hi - lo;
	return w <= spec->tolerance * fmax(fabs(lo), fabs(hi)) || w <= spec->tolerance * width0;
}

static double middle(const struct cap_spec *spec, double lo, double hi)
{
	return spec->integer ? floor(lo + (hi - lo) / 2) : lo + (hi - lo) / 2;
}

/* ---- capacity.csv ------------------------------------------------------------ */

/* A row of capacity.csv: probe k of res.  The file's context is the
 * cap_spec searched. */
struct probe_row {
	const struct cap_result *res;
	size_t k;
};

static const struct cap_spec *spec_of(const void *ctx)
{
	return ctx;
}

static const struct probe_row *prow(const void *row)
{
	return row;
}

static const struct cap_probe *probe_of(const void *row)
{
	return &prow(row)->res->probes[prow(row)->k];
}

static void put_probe(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%zu", prow(row)->k + 1);
}

/* the varied path: one column named by it */
static size_t path_count(const void *ctx)
{
	return ctx ? 1 : 0;
}

static void path_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	const struct cap_spec *spec = ctx;
	/* a rate per second, a duration in seconds: the unit in the name,
	 * as summary.csv names a swept path */
	snprintf(name, len, "%s%s", spec->path,
		 !strcmp(spec->unit, "/s") ? "_per_s" : !strcmp(spec->unit, "s") ? "_s" : "");
}

static void put_value(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_num(f, probe_of(row)->value);
}

static void put_reps(FILE *f, const void *ctx, const void *row, size_t k)
{
	fprintf(f, "%u", probe_of(row)->replications);
}

static void put_meets(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(probe_of(row)->meets ? "true" : "false", f);
}

static void put_decided(FILE *f, const void *ctx, const void *row, size_t k)
{
	fputs(probe_of(row)->decided ? "true" : "false", f);
}

static void put_answer(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct cap_result *res = prow(row)->res;
	fputs(res->found && probe_of(row)->value == res->answer ? "true" : "false", f);
}

/* each term: M, M_lo, M_hi, M_limit */
static size_t term_count(const void *ctx)
{
	return ctx ? 4 * ((const struct cap_spec *)ctx)->nterms : 0;
}

static void term_member(const void *ctx, size_t k, char *name, size_t len, const char **doc)
{
	static const char *const suffix[] = { "", "_lo", "_hi", "_limit" };
	const struct cap_spec *spec = ctx;
	snprintf(name, len, "%s%s", metric_name(spec->terms[k / 4].metric), suffix[k % 4]);
}

static void put_term(FILE *f, const void *ctx, const void *row, size_t k)
{
	const struct cap_probe *p = probe_of(row);
	const struct slo_term *t = &spec_of(ctx)->terms[k / 4];
	const double v[] = { p->est[k / 4], p->lo[k / 4], p->hi[k / 4], t->limit };
	fprintf(f, "%.9g", v[k % 4]);
}

static void put_bottleneck(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_text(f, probe_of(row)->bottleneck);
}

static void put_bottleneck_util(FILE *f, const void *ctx, const void *row, size_t k)
{
	csv_num(f, probe_of(row)->bottleneck_util);
}

static const struct csv_col capacity_cols[] = {
	{ "probe", "its number, from 1, in the order run", NULL, NULL, put_probe },
	{ "PATH", "the value probed of the varied path (`nodes.web.replicas`): a number, per second (`PATH_per_s`) for a rate, in seconds (`PATH_s`) for a duration",
	  path_count, path_member, put_value },
	{ "replications", "replications run at the probe: the scenario's, doubled while a term was undecided",
	  NULL, NULL, put_reps },
	{ "meets", "`true` when the probe meets every term of the SLO", NULL, NULL, put_meets },
	{ "decided", "`true` when the intervals decided it; `false` when max_replications left a term undecided and the estimates decided",
	  NULL, NULL, put_decided },
	{ "answer", "`true` on the probe of the value reported", NULL, NULL, put_answer },
	{ "M, M_lo, M_hi, M_limit", "for each term's metric M: its estimate and 95 % interval, as in summary.csv, and the term's limit in M's unit",
	  term_count, term_member, put_term },
	{ "bottleneck", "the node with the highest utilization at the probe (its own row in nodes.csv): where more load would queue first",
	  NULL, NULL, put_bottleneck },
	{ "bottleneck_utilization", "its utilization, the mean over the probe's replications",
	  NULL, NULL, put_bottleneck_util },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct csv_file cap_file = {
	"capacity-PATH.csv", "Written by `archsim capacity`, named by the path varied (capacity-nodes.web.replicas.csv), so that searches of different parameters into one directory keep their own: one row per probe of the search.  Its headroom search writes headroom-PATH.csv with the same columns, `load_scale` in place of PATH.",
	capacity_cols,
};

static int write_csv(const struct cap_spec *spec, const struct cap_result *res, const char *dir,
		     struct sim_err *err)
{
	struct outfile out;
	char name[sizeof spec->path + 32];
	if (spec->file[0])
		snprintf(name, sizeof name, "%s", spec->file);
	else
		snprintf(name, sizeof name, "capacity-%s.csv", spec->path);
	int rc = outfile_open(&out, dir, name, err);
	if (rc)
		return rc;
	csv_header(out.f, &cap_file, spec);
	for (size_t k = 0; k < res->nprobes; k++) {
		struct probe_row row = { res, k };
		csv_row(out.f, &cap_file, spec, &row);
	}
	return outfile_commit(&out, err);
}

int cap_search(const struct load_lang *lang, const struct cap_spec *spec,
	       const struct sweep_source *src, unsigned jobs, volatile sig_atomic_t *stop,
	       const char *dir, FILE *log, struct cap_result *res, struct sim_err *err)
{
	struct search sr = { lang, spec, src, jobs, stop, log, res, 0 };
	memset(res, 0, sizeof *res);
	if (!(sr.first = cap_first_replications(lang, spec, src, err)))
		return err->code ? err->code : sim_errf(err, SIM_EINVAL, "no replications to run");
	int rc;
	double lo = spec->min, hi = spec->max;
	int mlo, mhi;
	if ((rc = probe(&sr, lo, &mlo, err)))
		return rc;
	if (spec->has_max) {
		if ((rc = probe(&sr, hi, &mhi, err)))
			return rc;
	} else if (mlo != (spec->goal == CAP_LARGEST)) {
		/* without max, more of the parameter is taken to help (as
		 * replicas do) unless the goal is the largest: min meeting
		 * the SLO is then the answer, and missing it for the largest
		 * means none */
		mhi = mlo;
		hi = lo;
	} else {
		/* double until the verdict changes */
		double cap = spec->integer ? 1048576 : 1e12;
		for (mhi = mlo, hi = lo; mhi == mlo && hi < cap;) {
			lo = hi;
			hi = 2 * hi;
			if ((rc = probe(&sr, hi, &mhi, err)))
				return rc;
		}
	}
	enum cap_goal goal = spec->goal;
	if (goal == CAP_AUTO && !spec->has_max)
		goal = CAP_SMALLEST;
	if (goal == CAP_AUTO && mlo != mhi)
		goal = mhi ? CAP_SMALLEST : CAP_LARGEST;
	res->goal = goal;
	if (mlo && mhi) {
		/* met throughout: the answer is the bound the goal asks for */
		res->both = 1;
		res->found = 1;
		res->answer = goal == CAP_LARGEST ? hi : lo;
	} else if (!mlo && !mhi) {
		res->found = 0;
	} else if ((goal == CAP_SMALLEST && !mhi) || (goal == CAP_LARGEST && !mlo)) {
		/* the verdicts run the other way from the goal asked for */
		res->found = goal == CAP_SMALLEST ? mlo : mhi;
		res->answer = goal == CAP_SMALLEST ? lo : hi;
	} else {
		/* bisect, keeping a bound that meets and one that misses */
		double width0 = hi - lo;
		while (!done(spec, lo, hi, width0)) {
			double mid = middle(spec, lo, hi);
			int m;
			if ((rc = probe(&sr, mid, &m, err)))
				return rc;
			if (m == (goal == CAP_SMALLEST))
				hi = mid;
			else
				lo = mid;
		}
		res->found = 1;
		res->answer = goal == CAP_SMALLEST ? hi : lo;
	}
	return write_csv(spec, res, dir, err);
}

uint32_t cap_first_replications(const struct load_lang *lang, const struct cap_spec *spec,
				const struct sweep_source *src, struct sim_err *err)
{
	/* the scenario's own replications start each probe (at least 2, for
	 * an interval) */
	struct sweep *set = NULL;
	if (sweep_load_source(lang, src, &set, err))
		return 0;
	uint32_t first = set->points[0]->replications < 2 ? 2 : set->points[0]->replications;
	int rc = one_point(set, src->file, err);
	sweep_free(set);
	if (rc)
		return 0;
	return first > spec->max_replications ? spec->max_replications : first;
}

void cap_result_free(struct cap_result *res)
{
	free(res->probes);
	res->probes = NULL;
	res->nprobes = 0;
}

int cap_headroom(const struct load_lang *lang, const struct cap_spec *spec, double answer,
		 double base, const struct sweep_source *src, unsigned jobs,
		 volatile sig_atomic_t *stop, const char *dir, FILE *log, struct cap_result *res,
		 struct sim_err *err)
{
	struct cap_spec h = *spec;
	snprintf(h.path, sizeof h.path, "load_scale");
	snprintf(h.file, sizeof h.file, "headroom-%s.csv", spec->path);
	h.min = base;
	h.max = CAP_HEADROOM_MAX * base;
	h.has_max = 1;
	h.integer = 0;
	h.unit[0] = 0;
	h.tolerance = CAP_HEADROOM_TOL;
	h.goal = CAP_LARGEST;
	/* the scenario as answered: the parameter at its answer */
	char val[64];
	cap_format(spec, answer, val, sizeof val);
	struct sc_override *ov = calloc(src->nsets + 1, sizeof *ov);
	if (!ov) {
		memset(res, 0, sizeof *res);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	if (src->nsets)
		memcpy(ov, src->sets, src->nsets * sizeof *ov);
	ov[src->nsets] = (struct sc_override){ spec->path, val };
	struct sweep_source at = *src;
	at.sets = ov;
	at.nsets = src->nsets + 1;
	int rc = cap_search(lang, &h, &at, jobs, stop, dir, log, res, err);
	free(ov);
	return rc;
}
