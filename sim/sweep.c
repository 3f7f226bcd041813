/*
 * sweep.c - loading, overriding and expanding a scenario; see sweep.h.
 *
 * A point's tree is the loaded tree without its `sweep:`, with the
 * point's value of each swept path put in (yt_put), so that the work of
 * building a point does not grow with the sweep.  The points are checked
 * one by one at load (load_point), and what is kept of each is a few
 * numbers: its first work item, warm-up, seed and tree hash.
 */
#include "sim/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/check.h"

void sweep_free(struct sweep *set)
{
	if (!set)
		return;
	for (size_t i = 0; set->points && i < set->npoints; i++)
		load_free(set->points[i]);
	free(set->points);
	free(set->item_base);
	free(set->warmup_ns);
	free(set->warmup_auto);
	free(set->seed);
	free(set->hash);
	free(set->precise);
	free(set->map);
	for (size_t i = 0; set->param_paths && i < set->nparams; i++)
		free(set->param_paths[i]);
	free(set->param_paths);
	free(set->param_nvalues);
	free(set->param_unit);
	yt_free(set->tree);
	yt_free(set->base);
	free(set->file);
	free(set);
}

/* value_at is parameter i's value at point p (the last parameter varies
 * fastest), and *k its place in the sweep's list of values. */
static const struct yt_node *value_at(const struct sweep *set, size_t p, size_t i, size_t *k)
{
	size_t stride = 1;
	for (size_t j = i + 1; j < set->nparams; j++)
		stride *= set->param_nvalues[j];
	const struct yt_node *vals = yt_val(set->sweep, i);
	*k = (p / stride) % vals->n;
	return vals->items[*k];
}

/* last_word is a path's last word ("rate" of "workloads.u.arrival.rate") */
static const char *last_word(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? dot + 1 : path;
}

const char *sweep_param_value(const struct sweep *set, size_t p, size_t i)
{
	size_t k;
	const struct yt_node *n = value_at(set, p, i, &k);
	if (n->type == YT_SCALAR)
		return n->str;
	return n->type == YT_MAP ? "{...}" : "[...]";
}

/* value_unit is the unit one written value has: SWEEP_NUMBER for a plain
 * number, SWEEP_SECONDS or SWEEP_PER_S for a duration or a rate (with its
 * value in *v), else SWEEP_TEXT. */
static int value_unit(const struct yt_node *n, double *v)
{
	if (n->type != YT_SCALAR || n->quoted || !n->str[0])
		return SWEEP_TEXT;
	char *end;
	double x = strtod(n->str, &end);
	int64_t ns;
	if (*end == 0 && isfinite(x)) {
		*v = x;
		return SWEEP_NUMBER;
	}
	if (check_parse_duration(n->str, &ns) == 0) {
		*v = (double)ns * 1e-9;
		return SWEEP_SECONDS;
	}
	if (check_parse_rate(n->str, v) == 0)
		return SWEEP_PER_S;
	return SWEEP_TEXT;
}

/* values_unit is the unit of a swept path's list of values, as
 * sweep_param_unit gives it: worked out once, when the sweep is read, as a
 * file's every row asks for it (over a sweep of 20,000 values, each row
 * reading the whole list made the files quadratic in the points) */
static int values_unit(const struct yt_node *vals)
{
	int unit = SWEEP_NUMBER, nonzero = 0;
	for (size_t k = 0; k < vals->n; k++) {
		double v;
		int u = value_unit(vals->items[k], &v);
		if (u == SWEEP_TEXT)
			return SWEEP_TEXT;
		if (u == SWEEP_NUMBER)
			nonzero |= v != 0;
		else if (unit == SWEEP_NUMBER)
			unit = u;
		else if (unit != u)
			return SWEEP_TEXT;
	}
	/* a plain number other than 0 beside durations or rates: text */
	return unit != SWEEP_NUMBER && nonzero ? SWEEP_TEXT : unit;
}

int sweep_param_unit(const struct sweep *set, size_t i)
{
	return set->param_unit[i];
}

void sweep_param_column(const struct sweep *set, size_t i, char *buf, size_t len)
{
	static const char *const suffix[] = { "", "", "_s", "_per_s" };
	snprintf(buf, len, "%s%s", set->param_paths[i], suffix[sweep_param_unit(set, i)]);
}

double sweep_param_number(const struct sweep *set, size_t p, size_t i)
{
	size_t k;
	double v;
	if (sweep_param_unit(set, i) == SWEEP_TEXT ||
	    value_unit(value_at(set, p, i, &k), &v) == SWEEP_TEXT)
		return NAN;
	return v;
}

void sweep_point_label(const struct sweep *set, size_t p, char *buf, size_t len)
{
	size_t at = 0;
	snprintf(buf, len, "%s", set->nparams ? "" : "all");
	for (size_t i = 0; i < set->nparams && at < len; i++) {
		size_t v;
		const struct yt_node *n = value_at(set, p, i, &v);
		int w;
		if (n->type == YT_SCALAR) {
			w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", n->str);
		} else {
			/* a mapping or a list: its path's last word and its
			 * place in the sweep's list, so that labels differ */
			w = snprintf(buf + at, len - at, "%s%s #%zu", i ? ", " : "",
				     last_word(set->param_paths[i]), v + 1);
		}
		at += w > 0 ? (size_t)w : 0;
	}
}

void sweep_param_words(const struct sweep *set, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = 0;
	for (size_t i = 0; i < set->nparams && at < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				 last_word(set->param_paths[i]));
		at += w > 0 ? (size_t)w : 0;
	}
}

/* point_tree builds point p's tree: the set's tree without its sweep, with
 * the sweep's values for p put in.  The last parameter varies fastest. */
static int point_tree(const struct sweep *set, size_t p, struct yt_node **out,
		      struct sim_err *err)
{
	struct yt_node *t = yt_clone(set->base ? set->base : set->tree);
	if (!t)
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	if (set->sweep) {
		size_t rest = p;
		for (size_t i = set->nparams; i-- > 0;) {
			const struct yt_node *k = yt_key(set->sweep, i), *vals = yt_val(set->sweep, i);
			const struct yt_node *val = vals->items[rest % vals->n];
			rest /= vals->n;
			int rc = yt_put(t, k->str, val, k->file, k->line, k->col, err);
			if (rc) {
				yt_free(t);
				return rc;
			}
		}
	}
	*out = t;
	return 0;
}

/* build_point checks point p of set into *out: from the set's tree, or for
 * a view from the point of the set it views, then adjusted. */
static int build_point(const struct sweep *set, size_t p, struct scenario **out,
		       struct sim_err *err)
{
	int rc;
	if (set->of) {
		if ((rc = build_point(set->of, set->map[p], out, err)))
			return rc;
		if (set->adjust)
			set->adjust(*out, set->adjust_arg);
		return 0;
	}
	struct yt_node *t = NULL;
	if ((rc = point_tree(set, p, &t, err)) || (rc = load_point(set->lang, t, set->file, out, err)))
		return rc;
	if (set->warmup_ns)
		(*out)->warmup_ns = set->warmup_ns[p];
	return 0;
}

/* check_all builds and checks each of the set's npoints points, keeping
 * point 0 and what the arrays hold of the others. */
static int check_all(struct sweep *set, struct sim_err *err)
{
	size_t n = set->npoints ? set->npoints : 1;
	set->points = calloc(n, sizeof *set->points);
	set->item_base = malloc((n + 1) * sizeof *set->item_base);
	int64_t *warmups = calloc(n, sizeof *warmups);
	set->warmup_auto = calloc(n, 1);
	set->seed = calloc(n, sizeof *set->seed);
	set->hash = calloc(n, sizeof *set->hash);
	set->precise = calloc(n, 1);
	if (!set->points || !set->item_base || !warmups || !set->warmup_auto || !set->seed ||
	    !set->hash || !set->precise) {
		free(warmups);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	set->item_base[0] = 0;
	for (size_t p = 0; p < set->npoints; p++) {
		struct scenario *sc;
		int rc = build_point(set, p, &sc, err);
		if (rc) {
			free(warmups);
			return rc;
		}
		set->item_base[p + 1] = set->item_base[p] + sc_max_replications(sc);
		warmups[p] = sc->warmup_ns;
		set->warmup_auto[p] = (unsigned char)sc->warmup_auto;
		set->seed[p] = sc->seed;
		set->hash[p] = sc->hash;
		set->precise[p] = sc->precision.metric >= 0;
		if (p == 0)
			set->points[0] = sc;
		else
			load_free(sc);
	}
	set->warmup_ns = warmups;
	return 0;
}

struct scenario *sweep_point(const struct sweep *cset, size_t p, struct sim_err *err)
{
	struct sweep *set = (struct sweep *)cset;
	struct sim_err spare = { 0 };
	if (!err)
		err = &spare;
	if (p >= set->npoints) {
		sim_errf(err, SIM_EINVAL, "a sweep of %zu points has no point %zu", set->npoints, p);
		return NULL;
	}
	if (set->points[p]) {
		/* held: now the most recent */
		for (size_t i = 0; i < set->nheld; i++)
			if (set->held[i] == p) {
				memmove(&set->held[i], &set->held[i + 1],
					(set->nheld - i - 1) * sizeof *set->held);
				set->held[set->nheld - 1] = p;
				break;
			}
		return set->points[p];
	}
	struct scenario *sc;
	if (build_point(set, p, &sc, err))
		return NULL;
	if (set->nheld == SWEEP_HELD) {
		load_free(set->points[set->held[0]]);
		set->points[set->held[0]] = NULL;
		memmove(&set->held[0], &set->held[1], (SWEEP_HELD - 1) * sizeof *set->held);
		set->nheld--;
	}
	set->held[set->nheld++] = p;
	set->points[p] = sc;
	return sc;
}

void sweep_set_warmup(struct sweep *set, size_t p, int64_t ns)
{
	set->warmup_ns[p] = ns;
	if (set->points[p])
		set->points[p]->warmup_ns = ns;
}

int sweep_view(const struct sweep *set, const size_t *of, size_t n,
		  void (*adjust)(struct scenario *sc, void *arg), void *arg,
		  struct sweep **out, struct sim_err *err)
{
	struct sweep *v = calloc(1, sizeof *v);
	if (!v || !(v->file = strdup(set->file)) ||
	    !(v->map = malloc((n ? n : 1) * sizeof *v->map))) {
		sweep_free(v);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	memcpy(v->map, of, n * sizeof *of);
	v->of = set;
	v->lang = set->lang;
	v->adjust = adjust;
	v->adjust_arg = arg;
	v->npoints = n;
	int rc = check_all(v, err);
	if (rc) {
		sweep_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

/* path_overlaps: one dotted path is the other, or lies below it. */
static int path_overlaps(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la < lb ? la : lb;
	return strncmp(a, b, n) == 0 && (la == lb || (la < lb ? b : a)[n] == '.');
}

/* expand reads the sweep of the set's tree and checks every point. */
static int expand(struct sweep *set, const struct sc_override *sets, size_t nsets,
		  struct sim_err *err)
{
	struct yt_node *tree = set->tree;
	struct check_ctx ctx = { NULL, err, NULL };
	const struct yt_node *sw = tree->type == YT_MAP ? yt_get(tree, "sweep") : NULL;
	size_t npoints = 1;

	int aside = 0;
	if (sw && sw->type == YT_MAP && sw->n == 0) {
		sw = NULL;           /* `sweep: {}`: one point (--set 'sweep={}') */
		aside = 1;           /* and a `compare:` of it is set aside too */
	}
	if (sw) {
		if (sw->type != YT_MAP)
			return check_fail(&ctx, sw, "sweep",
				       "must be a mapping of paths to lists of values, e.g. {nodes.web.workers: [1, 2, 4]}");
		set->nparams = sw->n / 2;
		set->param_paths = calloc(set->nparams, sizeof *set->param_paths);
		set->param_nvalues = calloc(set->nparams, sizeof *set->param_nvalues);
		set->param_unit = calloc(set->nparams, sizeof *set->param_unit);
		if (!set->param_paths || !set->param_nvalues || !set->param_unit)
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		for (size_t i = 0; i < set->nparams; i++) {
			const struct yt_node *k = yt_key(sw, i), *vals = yt_val(sw, i);
			if (strncmp(k->str, "sweep", 5) == 0 &&
			    (k->str[5] == 0 || k->str[5] == '.'))
				return check_fail(&ctx, k, "sweep", "a sweep cannot change the sweep");
			if (vals->type != YT_SEQ || vals->n == 0)
				return check_fail(&ctx, vals, "sweep",
					       "%s: must be a non-empty list of values", k->str);
			/* a --set on a swept path would be silently replaced
			 * by the sweep's values */
			for (size_t j = 0; j < nsets; j++)
				if (path_overlaps(sets[j].path, k->str))
					return sim_err_at(err, SIM_EINVAL, "--set", (int)j + 1, 1,
							  "%s: the sweep at %s:%d:%d sets %s; change the sweep instead (--set 'sweep={%s: [...]}')",
							  sets[j].path, k->file, k->line, k->col, k->str, k->str);
			if (npoints > SWEEP_MAX_POINTS / vals->n)
				return check_fail(&ctx, vals, "sweep",
					       "more than %d points in all", SWEEP_MAX_POINTS);
			npoints *= vals->n;
			set->param_nvalues[i] = vals->n;
			set->param_unit[i] = values_unit(vals);
			if (!(set->param_paths[i] = strdup(k->str)))
				return sim_errf(err, SIM_ENOMEM, "out of memory");
		}
	}
	set->compare = 0;
	const struct yt_node *cmp = tree->type == YT_MAP ? yt_get(tree, "compare") : NULL;
	if (cmp && !aside) {
		size_t i = 0;
		if (cmp->type == YT_SCALAR)
			for (; i < set->nparams; i++)
				if (!strcmp(set->param_paths[i], cmp->str))
					break;
		if (cmp->type != YT_SCALAR || i == set->nparams) {
			char list[512] = "";
			for (size_t j = 0; j < set->nparams; j++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					 j ? ", " : "", set->param_paths[j]);
			return check_fail(&ctx, cmp, "compare",
				       set->nparams ? "must name a swept path (one of: %s)" :
				       "needs a sweep: it names the swept path whose values are compared%s",
				       list);
		}
		set->compare = i;
	}
	set->sweep = sw;
	set->npoints = npoints;
	/* each point starts from the tree without its sweep: the sweep holds
	 * every value of every parameter, and copying it for each point
	 * would make the work grow as the square of the points */
	if (sw) {
		if (!(set->base = yt_clone(tree)))
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		yt_drop(set->base, "sweep");
	}
	return check_all(set, err);
}

static int load_tree(const struct load_lang *lang, struct yt_node *tree, const char *file,
		     const struct sc_override *sets, size_t nsets,
		     struct sweep **out, struct sim_err *err)
{
	int rc = 0;
	struct sweep *set = calloc(1, sizeof *set);
	if (!set || !(set->file = strdup(file))) {
		free(set);
		yt_free(tree);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	set->lang = lang;
	for (size_t i = 0; i < nsets; i++) {
		/* column of the value inside "PATH=VALUE" */
		int col = (int)strlen(sets[i].path) + 2;
		if (tree->type != YT_MAP) {
			rc = sim_errf(err, SIM_EINVAL, "%s: the scenario is not a mapping", file);
			break;
		}
		if ((rc = yt_set_path(tree, sets[i].path, sets[i].value, "--set",
				      (int)i + 1, col, err)))
			break;
	}
	set->tree = tree;
	if (rc == 0)
		rc = expand(set, sets, nsets, err);
	if (rc) {
		sweep_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

int sweep_load(const struct load_lang *lang, const char *path, const struct sc_override *sets,
	       size_t nsets, struct sweep **out, struct sim_err *err)
{
	struct yt_node *tree;
	int rc = yt_load_file(path, &tree, err);
	if (rc)
		return rc;
	return load_tree(lang, tree, path, sets, nsets, out, err);
}

int sweep_load_string(const struct load_lang *lang, const char *name, const char *text,
		      const struct sc_override *sets, size_t nsets, struct sweep **out,
		      struct sim_err *err)
{
	struct yt_node *tree;
	int rc = yt_load_string(name, text, strlen(text), &tree, err);
	if (rc)
		return rc;
	return load_tree(lang, tree, name, sets, nsets, out, err);
}

int sweep_load_source(const struct load_lang *lang, const struct sweep_source *src,
		      struct sweep **out, struct sim_err *err)
{
	return sweep_load_string(lang, src->file, src->text, src->sets, src->nsets, out, err);
}
