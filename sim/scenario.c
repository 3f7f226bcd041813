/*
 * scenario.c - load, override, expand and check a scenario; see scenario.h.
 *
 * The checker reads the tree top-down with the sc_* helpers, which share
 * one message format: "FILE:LINE:COL: path: problem (what is allowed)".
 * Node names are gathered before any node is configured, so a reference
 * may point forward in the file.
 */
#include "sim/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/model.h"
#include "sim/breaker.h"
#include "app/capacity.h"
#include "sim/param.h"
#include "app/report.h"

#define SC_MAX_NODES 1000000
#define SC_MAX_REPLICATIONS 100000
#define SC_MAX_POINTS 100000
/* Durations stay below this so that sums of a few cannot overflow int64
 * nanoseconds: about 73 years. */
#define SC_MAX_DURATION_NS (INT64_MAX / 4)

/* ---- messages ------------------------------------------------------- */

int sc_fail(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    const char *fmt, ...)
{
	char msg[SIM_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (what && *what)
		return sim_err_at(ctx->err, SIM_EINVAL, n->file, n->line, n->col,
				  "%s: %s", what, msg);
	return sim_err_at(ctx->err, SIM_EINVAL, n->file, n->line, n->col, "%s", msg);
}

/* edit_distance is Levenshtein's, capped at 9: enough to suggest. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 9;
	int row[41];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int sub = prev + (tolower((unsigned char)a[i - 1]) !=
					  tolower((unsigned char)b[j - 1]));
			int best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

/* closest returns the entry of a NULL-terminated list nearest to s, or NULL
 * when none is near enough to be a likely typo. */
const char *sc_closest(const char *s, const char *const *list)
{
	const char *best = NULL;
	int bd = 9;
	for (size_t i = 0; list[i]; i++) {
		int d = edit_distance(s, list[i]);
		if (d < bd) {
			bd = d;
			best = list[i];
		}
	}
	size_t len = strlen(s);
	int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	return bd <= limit ? best : NULL;
}

static void join(char *buf, size_t len, const char *const *list)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; list[i] && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", list[i]);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

int sc_unknown(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	       const char *kind, const char *value, const char *const *allowed)
{
	const char *near = sc_closest(value, allowed);
	if (near)
		return sc_fail(ctx, n, what, "unknown %s '%s'; did you mean '%s'?",
			       kind, value, near);
	char list[512];
	join(list, sizeof list, allowed);
	return sc_fail(ctx, n, what, "unknown %s '%s' (allowed: %s)", kind, value, list);
}

int sc_keys(struct sc_ctx *ctx, const struct yt_node *map, const char *what,
	    const char *const *allowed, const char *const *required)
{
	if (!map)
		return sim_errf(ctx->err, SIM_EINVAL, "%s: missing", what);
	if (map->type != YT_MAP)
		return sc_fail(ctx, map, what, "must be a mapping of keys, not a %s",
			       map->type == YT_SCALAR && map->str[0] == 0 ?
			       "empty value" : yt_type_name(map->type));
	for (size_t i = 0; i < map->n / 2; i++) {
		const struct yt_node *k = yt_key(map, i);
		size_t j;
		for (j = 0; allowed[j]; j++)
			if (strcmp(k->str, allowed[j]) == 0)
				break;
		if (allowed[j])
			continue;
		const char *near = sc_closest(k->str, allowed);
		char list[512];
		join(list, sizeof list, allowed);
		if (near)
			return sc_fail(ctx, k, what, "unknown key '%s'; did you mean '%s'?",
				       k->str, near);
		return sc_fail(ctx, k, what, "unknown key '%s' (allowed: %s)", k->str, list);
	}
	for (size_t j = 0; required && required[j]; j++)
		if (!yt_get(map, required[j]))
			return sc_fail(ctx, map, what, "missing required key '%s'",
				       required[j]);
	return 0;
}

static int need_scalar(struct sc_ctx *ctx, const struct yt_node *n,
		       const char *what, const char *expect)
{
	if (n->type != YT_SCALAR)
		return sc_fail(ctx, n, what, "must be %s, not a %s", expect,
			       yt_type_name(n->type));
	if (n->str[0] == 0)
		return sc_fail(ctx, n, what, "must be %s; the value is empty", expect);
	return 0;
}

int sc_string(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	      const char **out)
{
	int rc = need_scalar(ctx, n, what, "a string");
	if (rc)
		return rc;
	*out = n->str;
	return 0;
}

int sc_uint(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    uint64_t min, uint64_t max, uint64_t *out)
{
	char expect[96];
	snprintf(expect, sizeof expect, "an integer from %llu to %llu",
		 (unsigned long long)min, (unsigned long long)max);
	int rc = need_scalar(ctx, n, what, expect);
	if (rc)
		return rc;
	const char *s = n->str;
	int digits = 1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			digits = 0;
	if (digits && n->quoted)
		return sc_fail(ctx, n, what, "must be %s; got the text \"%s\" (remove the quotes)",
			       expect, s);
	if (!digits) {
		if (s[0] == '-' && isdigit((unsigned char)s[1]))
			return sc_fail(ctx, n, what, "must be %s, not negative (got %s)",
				       expect, s);
		return sc_fail(ctx, n, what, "must be %s (got '%s')", expect, s);
	}
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return sc_fail(ctx, n, what, "must be %s (got %s)", expect, s);
	*out = v;
	return 0;
}

/* parse_number reads a finite double at the start of s, setting *end. */
static int parse_number(const char *s, double *v, char **end)
{
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || (!isdigit((unsigned char)*s) && *s != '.' && *s != '-' && *s != '+'))
		return -1;
	errno = 0;
	*v = strtod(s, end);
	if (*end == s)
		return -1;
	if (errno == ERANGE && fabs(*v) > 1)
		return -2;                  /* too large */
	if (!isfinite(*v))
		return -1;
	if (errno == ERANGE)
		*v = 0;                     /* underflow: as good as zero */
	return 0;
}

/* parse_quantity reads "NUMBER [UNIT]": the number into *v and *unit to
 * the first non-space after it ("" when there is no unit).  0, or -1 / -2
 * as parse_number. */
static int parse_quantity(const char *s, double *v, const char **unit)
{
	char *end;
	int pr = parse_number(s, v, &end);
	if (pr)
		return pr;
	while (isspace((unsigned char)*end))
		end++;
	*unit = end;
	return 0;
}

int sc_double(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	      double min, double max, double *out)
{
	char expect[96];
	snprintf(expect, sizeof expect, "a number from %g to %g", min, max);
	int rc = need_scalar(ctx, n, what, expect);
	if (rc)
		return rc;
	double v;
	const char *unit;
	int pr = parse_quantity(n->str, &v, &unit);
	if (pr == -2)
		return sc_fail(ctx, n, what, "%s is too large to represent", n->str);
	if (pr || n->quoted || *unit)
		return sc_fail(ctx, n, what, "must be %s (got '%s')", expect, n->str);
	if (v < min || v > max)
		return sc_fail(ctx, n, what, "must be %s (got %s)", expect, n->str);
	*out = v;
	return 0;
}

int sc_bool(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    int *out)
{
	int rc = need_scalar(ctx, n, what, "true or false");
	if (rc)
		return rc;
	if (!strcmp(n->str, "true") || !strcmp(n->str, "yes") || !strcmp(n->str, "on"))
		*out = 1;
	else if (!strcmp(n->str, "false") || !strcmp(n->str, "no") || !strcmp(n->str, "off"))
		*out = 0;
	else
		return sc_fail(ctx, n, what, "must be true or false (got '%s')", n->str);
	return 0;
}

static const struct {
	const char *name;
	double ns;
} duration_units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	{ "m", 60e9 }, { "h", 3600e9 }, { NULL, 0 }
};

/* parse_duration: 0; -1 not a duration; -2 too large; -3 no unit;
 * -4 negative. */
static int parse_duration(const char *s, int64_t *out)
{
	double v;
	const char *end;
	int pr = parse_quantity(s, &v, &end);
	if (pr)
		return pr;
	if (!*end)
		return v == 0 ? (*out = 0, 0) : -3;
	for (size_t i = 0; duration_units[i].name; i++) {
		if (strcmp(end, duration_units[i].name) == 0) {
			if (v < 0)
				return -4;
			double ns = v * duration_units[i].ns;
			if (ns > (double)SC_MAX_DURATION_NS)
				return -2;
			*out = (int64_t)llround(ns);
			return 0;
		}
	}
	return -1;
}

int sc_parse_duration(const char *s, int64_t *out_ns)
{
	return parse_duration(s, out_ns) ? -1 : 0;
}

int sc_duration(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
		int64_t min_ns, int64_t *out_ns)
{
	int rc = need_scalar(ctx, n, what, "a duration such as 250ms");
	if (rc)
		return rc;
	int64_t v;
	switch (n->quoted ? -1 : parse_duration(n->str, &v)) {
	case 0:
		break;
	case -2:
		return sc_fail(ctx, n, what, "%s is too large (at most about 73 years)",
			       n->str);
	case -3:
		return sc_fail(ctx, n, what,
			       "'%s' needs a unit: ns, us, ms, s, m or h (e.g. %ss)",
			       n->str, n->str);
	case -4:
		return sc_fail(ctx, n, what, "must not be negative (got %s)", n->str);
	default:
		return sc_fail(ctx, n, what,
			       "must be a duration: a number and a unit ns, us, ms, s, m or h (got '%s')",
			       n->str);
	}
	if (v < min_ns) {
		if (min_ns == 1)
			return sc_fail(ctx, n, what, "must be greater than 0 (got %s)", n->str);
		if (min_ns % 1000000 == 0)
			return sc_fail(ctx, n, what, "must be at least %lldms (got %s)",
				       (long long)(min_ns / 1000000), n->str);
		if (min_ns % 1000 == 0)
			return sc_fail(ctx, n, what, "must be at least %lldus (got %s)",
				       (long long)(min_ns / 1000), n->str);
		return sc_fail(ctx, n, what, "must be at least %lldns (got %s)",
			       (long long)min_ns, n->str);
	}
	*out_ns = v;
	return 0;
}

/* parse_rate: 0; -1 not a rate; -2 too large; -3 no unit; -4 negative;
 * -5 zero. */
static int parse_rate(const char *s, double *per_s)
{
	double v;
	const char *end;
	int pr = parse_quantity(s, &v, &end);
	if (pr)
		return pr;
	if (!*end)
		return -3;
	if (*end != '/')
		return -1;
	end++;
	while (isspace((unsigned char)*end))
		end++;
	double div;
	if (!strcmp(end, "s"))
		div = 1;
	else if (!strcmp(end, "m"))
		div = 60;
	else if (!strcmp(end, "h"))
		div = 3600;
	else
		return -1;
	if (v < 0)
		return -4;
	if (v == 0)
		return -5;
	if (v / div > 1e12)
		return -2;
	*per_s = v / div;
	return 0;
}

int sc_parse_rate(const char *s, double *per_s)
{
	return parse_rate(s, per_s) ? -1 : 0;
}

/* rate_check is sc_rate, with zero allowed or not. */
static int rate_check(struct sc_ctx *ctx, const struct yt_node *n,
		      const char *what, int zero_ok, double *per_s)
{
	int rc = need_scalar(ctx, n, what, "a rate such as 100/s");
	if (rc)
		return rc;
	int pr = n->quoted ? -1 : parse_rate(n->str, per_s);
	/* -3 is a number without a unit: allowed when it is 0 */
	if (zero_ok && (pr == -5 || (pr == -3 && strtod(n->str, NULL) == 0))) {
		*per_s = 0;     /* 0/s, 0/m, or a bare 0 */
		return 0;
	}
	switch (pr) {
	case 0:
		return 0;
	case -2:
		return sc_fail(ctx, n, what, "%s is too large (at most 1e12/s)", n->str);
	case -3:
		return sc_fail(ctx, n, what, "'%s' needs a unit: /s, /m or /h (e.g. %s/s)",
			       n->str, n->str);
	case -4:
	case -5:
		return sc_fail(ctx, n, what, "must be greater than 0 (got %s)", n->str);
	default:
		return sc_fail(ctx, n, what,
			       "must be a rate: a number and /s, /m or /h (got '%s')", n->str);
	}
}

int sc_rate(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    double *per_s)
{
	return rate_check(ctx, n, what, 0, per_s);
}

int sc_rate_or_zero(struct sc_ctx *ctx, const struct yt_node *n,
		    const char *what, double *per_s)
{
	return rate_check(ctx, n, what, 1, per_s);
}

/* ---- distributions -------------------------------------------------- */

static int dist_param_time(struct sc_ctx *ctx, const struct yt_node *map,
			   const char *key, const char *what, double *out_s)
{
	char w[300];
	int64_t ns = 0;
	snprintf(w, sizeof w, "%s.%s", what, key);
	int rc = sc_duration(ctx, yt_get(map, key), w, 0, &ns);
	if (rc == 0)
		*out_s = (double)ns * 1e-9;
	return rc;
}

static int dist_param_num(struct sc_ctx *ctx, const struct yt_node *map,
			  const char *key, const char *what, double min,
			  double max, double *out)
{
	char w[300];
	snprintf(w, sizeof w, "%s.%s", what, key);
	return sc_double(ctx, yt_get(map, key), w, min, max, out);
}

int sc_dist(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
	    struct dist *out)
{
	struct sim_err derr;
	int rc;
	double a = 0, b = 0;
	if (!n)
		return sim_errf(ctx->err, SIM_EINVAL, "%s: missing", what);
	/* shorthand: a bare duration is a constant */
	if (n->type == YT_SCALAR) {
		int64_t ns;
		if ((rc = sc_duration(ctx, n, what, 0, &ns))) {
			/* a number got the duration's own message (a missing
			 * unit, say); anything else is probably not meant as a
			 * duration at all */
			if (isdigit((unsigned char)n->str[0]) || n->str[0] == '-')
				return rc;
			return sc_fail(ctx, n, what,
				       "must be a distribution such as {dist: exponential, mean: 10ms}, or a duration (got '%s')",
				       n->str);
		}
		return dist_constant(out, (double)ns * 1e-9, &derr) ?
			sc_fail(ctx, n, what, "%s", derr.msg) : 0;
	}
	if (n->type != YT_MAP)
		return sc_fail(ctx, n, what,
			       "must be a distribution such as {dist: exponential, mean: 10ms}");
	const struct yt_node *kn = yt_get(n, "dist");
	if (!kn)
		return sc_fail(ctx, n, what, "missing required key 'dist' (one of: %s)",
			       dist_kind_names);
	char kw[300];
	snprintf(kw, sizeof kw, "%s.dist", what);
	const char *kname;
	if ((rc = sc_string(ctx, kn, kw, &kname)))
		return rc;
	enum dist_kind kind;
	if (dist_kind_parse(kname, &kind)) {
		const char *names[DIST_EMPIRICAL + 2];
		for (int i = 0; i <= DIST_EMPIRICAL; i++)
			names[i] = dist_kind_name((enum dist_kind)i);
		names[DIST_EMPIRICAL + 1] = NULL;
		return sc_unknown(ctx, kn, kw, "distribution", kname, names);
	}

	static const char *const k_const[] = { "dist", "value", "mean", NULL };
	static const char *const k_exp[] = { "dist", "mean", "rate", NULL };
	static const char *const k_unif[] = { "dist", "min", "max", NULL };
	static const char *const k_norm[] = { "dist", "mean", "sd", NULL };
	static const char *const k_cv[] = { "dist", "mean", "cv", NULL };
	static const char *const k_erl[] = { "dist", "k", "mean", NULL };
	static const char *const k_par[] = { "dist", "shape", "scale", "mean", NULL };
	static const char *const k_emp[] = { "dist", "file", NULL };
	static const char *const r_unif[] = { "min", "max", NULL };
	static const char *const r_norm[] = { "mean", "sd", NULL };
	static const char *const r_cv[] = { "mean", "cv", NULL };
	static const char *const r_erl[] = { "k", "mean", NULL };
	static const char *const r_par[] = { "shape", NULL };
	static const char *const r_emp[] = { "file", NULL };

	switch (kind) {
	case DIST_CONSTANT:
	case DIST_EXPONENTIAL: {
		const char *alt = kind == DIST_CONSTANT ? "value" : "rate";
		if ((rc = sc_keys(ctx, n, what, kind == DIST_CONSTANT ? k_const : k_exp, NULL)))
			return rc;
		const struct yt_node *m = yt_get(n, "mean"), *x = yt_get(n, alt);
		if ((m != NULL) == (x != NULL))
			return sc_fail(ctx, n, what, "give exactly one of 'mean' and '%s'", alt);
		if (m)
			rc = dist_param_time(ctx, n, "mean", what, &a);
		else if (kind == DIST_CONSTANT)
			rc = dist_param_time(ctx, n, "value", what, &a);
		else {
			char w[300];
			snprintf(w, sizeof w, "%s.rate", what);
			rc = sc_rate(ctx, x, w, &b);
			a = 1.0 / b;
		}
		if (rc)
			return rc;
		if (kind == DIST_EXPONENTIAL && a <= 0)
			return sc_fail(ctx, m ? m : x, what, "the mean must be greater than 0");
		rc = kind == DIST_CONSTANT ? dist_constant(out, a, &derr) :
					     dist_exponential(out, a, &derr);
		break;
	}
	case DIST_UNIFORM:
		if ((rc = sc_keys(ctx, n, what, k_unif, r_unif)) ||
		    (rc = dist_param_time(ctx, n, "min", what, &a)) ||
		    (rc = dist_param_time(ctx, n, "max", what, &b)))
			return rc;
		rc = dist_uniform(out, a, b, &derr);
		break;
	case DIST_NORMAL:
		if ((rc = sc_keys(ctx, n, what, k_norm, r_norm)) ||
		    (rc = dist_param_time(ctx, n, "mean", what, &a)) ||
		    (rc = dist_param_time(ctx, n, "sd", what, &b)))
			return rc;
		rc = dist_normal(out, a, b, &derr);
		break;
	case DIST_LOGNORMAL:
	case DIST_GAMMA:
	case DIST_WEIBULL:
	case DIST_HYPEREXP:
		if ((rc = sc_keys(ctx, n, what, k_cv, r_cv)) ||
		    (rc = dist_param_time(ctx, n, "mean", what, &a)) ||
		    (rc = dist_param_num(ctx, n, "cv", what, 0, 1e3, &b)))
			return rc;
		rc = kind == DIST_LOGNORMAL ? dist_lognormal(out, a, b, &derr) :
		     kind == DIST_GAMMA ? dist_gamma(out, a, b, &derr) :
		     kind == DIST_WEIBULL ? dist_weibull(out, a, b, &derr) :
		     dist_hyperexp(out, a, b, &derr);
		break;
	case DIST_ERLANG: {
		uint64_t k;
		char w[300];
		snprintf(w, sizeof w, "%s.k", what);
		if ((rc = sc_keys(ctx, n, what, k_erl, r_erl)) ||
		    (rc = sc_uint(ctx, yt_get(n, "k"), w, 1, 1000000, &k)) ||
		    (rc = dist_param_time(ctx, n, "mean", what, &a)))
			return rc;
		rc = dist_erlang(out, (unsigned)k, a, &derr);
		break;
	}
	case DIST_PARETO: {
		if ((rc = sc_keys(ctx, n, what, k_par, r_par)) ||
		    (rc = dist_param_num(ctx, n, "shape", what, 1e-6, 1e6, &a)))
			return rc;
		const struct yt_node *sn = yt_get(n, "scale"), *mn = yt_get(n, "mean");
		if ((sn != NULL) == (mn != NULL))
			return sc_fail(ctx, n, what, "give exactly one of 'scale' and 'mean'");
		if (sn) {
			if ((rc = dist_param_time(ctx, n, "scale", what, &b)))
				return rc;
		} else {
			double m;
			if ((rc = dist_param_time(ctx, n, "mean", what, &m)))
				return rc;
			if (a <= 1)
				return sc_fail(ctx, mn, what,
					       "a Pareto distribution with shape <= 1 has no finite mean; give 'scale' instead");
			b = m * (a - 1) / a;
		}
		rc = dist_pareto(out, a, b, &derr);
		break;
	}
	case DIST_EMPIRICAL: {
		const char *file;
		char w[300];
		snprintf(w, sizeof w, "%s.file", what);
		if ((rc = sc_keys(ctx, n, what, k_emp, r_emp)) ||
		    (rc = sc_string(ctx, yt_get(n, "file"), w, &file)))
			return rc;
		char *path = sc_path(ctx, file);
		if (!path)
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		rc = dist_empirical_file(out, path, &derr);
		free(path);
		if (rc)
			return sc_fail(ctx, yt_get(n, "file"), w, "%s", derr.msg);
		return 0;
	}
	default:
		return sc_fail(ctx, kn, kw, "unsupported distribution");
	}
	if (rc)
		return sc_fail(ctx, n, what, "%s", derr.msg);
	return 0;
}

char *sc_path(const struct sc_ctx *ctx, const char *file)
{
	const char *dir = ctx->sc->dir;
	if (file[0] == '/' || !dir || !strcmp(dir, "."))
		return strdup(file);
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

int scenario_node_index(const struct scenario *sc, const char *name)
{
	uint32_t i;
	return strmap_get(&sc->names, name, &i) ? (int)i : -1;
}

int sc_node_ref(struct sc_ctx *ctx, const struct yt_node *n, const char *what,
		uint32_t *out)
{
	const char *name;
	int rc;
	if (!n)
		return sim_errf(ctx->err, SIM_EINVAL, "%s: missing", what);
	if ((rc = sc_string(ctx, n, what, &name)))
		return rc;
	const struct scenario *sc = ctx->sc;
	uint32_t i;
	if (strmap_get(&sc->names, name, &i) && i < sc->ncomponents) {
		*out = i;
		return 0;
	}
	const char *names[64];
	size_t k = 0;
	for (size_t i = 0; i < sc->ncomponents && k < 63; i++)
		names[k++] = sc->nodes[i].name;
	names[k] = NULL;
	const char *near = sc_closest(name, names);
	if (near)
		return sc_fail(ctx, n, what, "no node named '%s'; did you mean '%s'?",
			       name, near);
	char list[512];
	join(list, sizeof list, names);
	return sc_fail(ctx, n, what, "no node named '%s' (nodes: %s)", name, list);
}

/* ---- the scenario --------------------------------------------------- */

static void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nnodes; i++) {
		if (sc->nodes[i].cfg && sc->nodes[i].ops)
			param_free(sc->nodes[i].ops->params, sc->nodes[i].cfg);
		free(sc->nodes[i].name);
	}
	free(sc->nodes);
	strmap_fini(&sc->names);
	free(sc->name);
	free(sc->dir);
	free(sc->timeline);
	for (size_t i = 0; i < sc->nbreakers; i++) {
		param_free(&breaker_table, sc->breakers[i].cfg);
		free(sc->breakers[i].name);
	}
	free(sc->breakers);
	yt_free(sc->tree);
	free(sc);
}

/* check_breakers reads `breakers:` (NULL: none), before the nodes whose
 * call edges name them. */
static int check_breakers(struct sc_ctx *c, const struct yt_node *bs)
{
	struct scenario *sc = c->sc;
	if (!bs)
		return 0;
	if (bs->type != YT_MAP)
		return sc_fail(c, bs, "breakers",
			       "must be a mapping of names to breakers, such as {payments_cb: {failure_rate_threshold: 50}}");
	size_t n = bs->n / 2;
	if (!(sc->breakers = calloc(n ? n : 1, sizeof *sc->breakers)))
		return sim_errf(c->err, SIM_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct yt_node *k = yt_key(bs, i), *v = yt_val(bs, i);
		char what[128];
		snprintf(what, sizeof what, "breakers.%s", k->str);
		struct sc_breaker *b = &sc->breakers[i];
		if (!(b->name = strdup(k->str)))
			return sim_errf(c->err, SIM_ENOMEM, "out of memory");
		sc->nbreakers = i + 1;
		b->src = v;
		void *cfg;
		int rc = param_new(c, what, v, &breaker_table, NULL, &cfg);
		if (rc)
			return rc;
		b->cfg = cfg;
	}
	return 0;
}

int sc_breaker_ref(struct sc_ctx *c, const struct yt_node *n, const char *what,
		   uint32_t *out)
{
	const struct scenario *sc = c->sc;
	const char *name;
	int rc = sc_string(c, n, what, &name);
	if (rc)
		return rc;
	for (size_t i = 0; i < sc->nbreakers; i++)
		if (!strcmp(sc->breakers[i].name, name)) {
			*out = (uint32_t)i;
			return 0;
		}
	const char *names[65];
	size_t k = 0;
	for (; k < sc->nbreakers && k < 64; k++)
		names[k] = sc->breakers[k].name;
	names[k] = NULL;
	if (!k)
		return sc_fail(c, n, what, "no breaker named '%s' (the scenario's `breakers:` declares none)",
			       name);
	return sc_unknown(c, n, what, "breaker", name, names);
}

void scenario_set_free(struct scenario_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; set->points && i < set->npoints; i++)
		scenario_free(set->points[i]);
	free(set->points);
	free(set->item_base);
	free(set->warmup_ns);
	free(set->warmup_auto);
	free(set->seed);
	free(set->hash);
	free(set->map);
	for (size_t i = 0; set->param_paths && i < set->nparams; i++)
		free(set->param_paths[i]);
	free(set->param_paths);
	free(set->param_nvalues);
	yt_free(set->tree);
	yt_free(set->base);
	free(set->file);
	free(set);
}

/* valid_name: letters, digits, '_', '-', '.', at most 64, and not dots
 * alone (".." as a scenario name would write results outside results/). */
static int valid_name(const char *s)
{
	int other = 0;
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
		other |= *s != '.';
	}
	return other;
}

static const char *const top_keys[] = {
	"name", "description", "seed", "duration", "warmup", "replications",
	"precision", "window", "workloads", "nodes", "sweep", "compare", "timeline", "breakers",
	"capacity", NULL
};
static const char *const top_required[] = { "duration", "workloads", "nodes", NULL };

/* check_precision reads `precision:` at n (NULL: none) into pr. */
static int check_precision(struct sc_ctx *c, const struct yt_node *n, struct sc_precision *pr)
{
	static const char *const keys[] = { "metric", "relative", "absolute", "max_replications",
					    NULL };
	static const char *const required[] = { "metric", NULL };
	const char *names[RM_COUNT + 1];
	const char *m;
	uint64_t u;
	int rc;
	pr->metric = -1;
	if (!n)
		return 0;
	if ((rc = sc_keys(c, n, "precision", keys, required)))
		return rc;
	if ((rc = sc_string(c, yt_get(n, "metric"), "precision.metric", &m)))
		return rc;
	for (int i = 0; i < RM_COUNT; i++)
		names[i] = report_metric_name(i);
	names[RM_COUNT] = NULL;
	if ((pr->metric = report_metric_find(m)) < 0)
		return sc_unknown(c, yt_get(n, "metric"), "precision.metric", "metric", m, names);
	const struct yt_node *rel = yt_get(n, "relative"), *abs = yt_get(n, "absolute");
	if (!rel == !abs)
		return sc_fail(c, rel && abs ? abs : n, "precision",
			       "give one target: relative (a share of the estimate, e.g. 0.05) or absolute (in the metric's unit)");
	if (rel && (rc = sc_double(c, rel, "precision.relative", 1e-6, 1, &pr->relative)))
		return rc;
	if (abs && (rc = sc_double(c, abs, "precision.absolute", 0, 1e300, &pr->absolute)))
		return rc;
	if (abs && !(pr->absolute > 0))
		return sc_fail(c, abs, "precision.absolute", "must be greater than 0");
	pr->max_replications = 200;
	if (yt_get(n, "max_replications")) {
		if ((rc = sc_uint(c, yt_get(n, "max_replications"), "precision.max_replications", 2,
				  SC_MAX_REPLICATIONS, &u)))
			return rc;
		pr->max_replications = (uint32_t)u;
	}
	return 0;
}

/* default_name is the file's base name without its extension. */
static char *default_name(const char *file)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	char *s = strdup(b);
	if (!s)
		return NULL;
	char *dot = strrchr(s, '.');
	if (dot && dot != s)
		*dot = 0;
	for (char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			*p = '_';
	if (!valid_name(s)) {
		/* "...yaml" and the like: a safe name instead */
		free(s);
		s = strdup("scenario");
	}
	return s;
}

static char *dir_of(const char *file)
{
	const char *b = strrchr(file, '/');
	if (!b)
		return strdup(".");
	size_t n = (size_t)(b - file);
	char *s = malloc(n + 2);
	if (s) {
		memcpy(s, file, n ? n : 1);
		s[n ? n : 1] = 0;
	}
	return s;
}

/* check_section checks that `nodes` or `workloads` is a non-empty
 * mapping of names to mappings. */
static int check_section(struct sc_ctx *ctx, const struct yt_node *sec,
			 const char *what)
{
	if (sec->type != YT_MAP || sec->n == 0)
		return sc_fail(ctx, sec, what, "must be a non-empty mapping of names to %s",
			       strcmp(what, "nodes") ? "workloads" : "nodes");
	if (sec->n / 2 > SC_MAX_NODES)
		return sc_fail(ctx, sec, what, "at most %d entries", SC_MAX_NODES);
	for (size_t i = 0; i < sec->n / 2; i++) {
		const struct yt_node *k = yt_key(sec, i);
		/* no '.': a name is a step of a dotted path (--set, sweeps);
		 * no '[': web[2] names a replica */
		if (!valid_name(k->str) || strchr(k->str, '.'))
			return sc_fail(ctx, k, what,
				       "'%s' is not a valid name (letters, digits, '_' and '-', at most 64: a name is a step in paths such as nodes.NAME.workers)",
				       k->str);
	}
	return 0;
}

/* edges lists, for each component j, its neighbours by `next:` routes
 * (and by calls when calls is set) with p > 0: those it leads to, or with
 * reverse those that lead to it, in compressed rows adj[first[j] ..
 * first[j + 1]).  0 or SIM_ENOMEM. */
struct edges {
	size_t *first;
	uint32_t *adj;
};

static int edges_build(const struct scenario *sc, int calls, int reverse,
		       struct edges *g)
{
	size_t n = sc->ncomponents;
	g->first = calloc(n + 2, sizeof *g->first);
	g->adj = NULL;
	if (!g->first)
		return SIM_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		size_t *fill = pass ? calloc(n + 1, sizeof *fill) : NULL;
		if (pass && !fill)
			return SIM_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const struct sc_node *nd = &sc->nodes[i];
			for (int k = 0; k < 1 + calls; k++) {
				double (*edge)(const void *, size_t, uint32_t *) =
					k ? nd->ops->calls : nd->ops->route;
				double p;
				uint32_t to;
				for (size_t e = 0; edge && (p = edge(nd->cfg, e, &to)) >= 0; e++) {
					if (p <= 0)
						continue;
					size_t row = reverse ? to : i;
					uint32_t other = reverse ? (uint32_t)i : to;
					if (pass == 0)
						g->first[row + 1]++;
					else
						g->adj[g->first[row] + fill[row]++] = other;
				}
			}
		}
		if (pass == 0) {
			for (size_t j = 0; j < n; j++)
				g->first[j + 1] += g->first[j];
			if (!(g->adj = malloc((g->first[n] + 1) * sizeof *g->adj)))
				return SIM_ENOMEM;
		}
		free(fill);
	}
	return 0;
}

static void edges_free(struct edges *g)
{
	free(g->first);
	free(g->adj);
}

/* check_exits finds components from which a request can never finish:
 * every route out of them leads, with probability 1, back into a set of
 * nodes none of which lets a request finish.  A node can finish a request
 * if some probability is left after its routes, or if some route with
 * p > 0 leads to a node that can.  The nodes that can are found by a
 * search backwards from those with probability left, over the reversed
 * routes: linear in nodes and routes. */
static int check_exits(struct sc_ctx *c, struct scenario *sc)
{
	size_t n = sc->ncomponents;
	struct edges g;
	char *ok = calloc(n ? n : 1, 1);
	uint32_t *stack = malloc((n ? n : 1) * sizeof *stack);
	size_t top = 0;
	int rc = edges_build(sc, 0, 1, &g);
	if (rc || !ok || !stack) {
		rc = sim_errf(c->err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		double sum = 0, p;
		uint32_t to;
		for (size_t e = 0; nd->ops->route && (p = nd->ops->route(nd->cfg, e, &to)) >= 0; e++)
			sum += p;
		if (!nd->ops->route || sum < 1 - 1e-9) {
			ok[i] = 1;
			stack[top++] = (uint32_t)i;
		}
	}
	while (top) {
		uint32_t j = stack[--top];
		for (size_t e = g.first[j]; e < g.first[j + 1]; e++) {
			uint32_t i = g.adj[e];
			if (!ok[i]) {
				ok[i] = 1;
				stack[top++] = i;
			}
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (ok[i])
			continue;
		const struct yt_node *nx = yt_get(sc->nodes[i].src, "next");
		char what[128];
		snprintf(what, sizeof what, "nodes.%s.next", sc->nodes[i].name);
		rc = sc_fail(c, nx ? nx : sc->nodes[i].src, what,
			     "requests that reach '%s' can never finish: its routes lead only into a loop with no exit (somewhere on the loop the p values must add up to less than 1)",
			     sc->nodes[i].name);
	}
done:
	edges_free(&g);
	free(ok);
	free(stack);
	return rc;
}

/* check_call_cycles refuses a call that can lead back to its caller: a
 * worker waiting on a call whose request (or its forwards and calls)
 * needs a worker of the same node can deadlock a finite pool.  The
 * strongly connected components of the graph of routes and calls are
 * found with Tarjan's algorithm, iteratively; a call edge inside one is a
 * cycle through a call. */
static int check_call_cycles(struct sc_ctx *c, struct scenario *sc)
{
	size_t n = sc->ncomponents;
	struct edges g;
	uint32_t *index = malloc((n ? n : 1) * sizeof *index);
	uint32_t *low = malloc((n ? n : 1) * sizeof *low);
	uint32_t *comp = malloc((n ? n : 1) * sizeof *comp);
	uint32_t *stack = malloc((n ? n : 1) * sizeof *stack);
	uint32_t *call = malloc((n ? n : 1) * sizeof *call);   /* DFS path */
	size_t *edge = malloc((n ? n : 1) * sizeof *edge);
	char *on = calloc(n ? n : 1, 1);
	int rc = edges_build(sc, 1, 0, &g);
	if (rc || !index || !low || !comp || !stack || !call || !edge || !on) {
		rc = sim_errf(c->err, SIM_ENOMEM, "out of memory");
		goto done;
	}
	const uint32_t none = UINT32_MAX;
	for (size_t i = 0; i < n; i++)
		index[i] = none;
	uint32_t next = 0, sp = 0, ncomp = 0;
	for (size_t root = 0; root < n; root++) {
		if (index[root] != none)
			continue;
		size_t depth = 0;
		call[depth] = (uint32_t)root;
		edge[depth] = g.first[root];
		index[root] = low[root] = next++;
		stack[sp++] = (uint32_t)root;
		on[root] = 1;
		while (1) {
			uint32_t v = call[depth];
			if (edge[depth] < g.first[v + 1]) {
				uint32_t w = g.adj[edge[depth]++];
				if (index[w] == none) {
					depth++;
					call[depth] = w;
					edge[depth] = g.first[w];
					index[w] = low[w] = next++;
					stack[sp++] = w;
					on[w] = 1;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = stack[--sp];
					on[w] = 0;
					comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			if (depth == 0)
				break;
			depth--;
			uint32_t u = call[depth];
			if (low[v] < low[u])
				low[u] = low[v];
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sc_node *nd = &sc->nodes[i];
		double p;
		uint32_t to;
		for (size_t e = 0; nd->ops->calls && rc == 0 &&
		     (p = nd->ops->calls(nd->cfg, e, &to)) >= 0; e++) {
			if (p <= 0 || comp[to] != comp[i])
				continue;
			const struct yt_node *cl = yt_get(nd->src, "calls");
			char what[128];
			snprintf(what, sizeof what, "nodes.%s.calls", nd->name);
			rc = sc_fail(c, cl ? cl : nd->src, what,
				     "the call to '%s' can lead back to '%s': a cycle of synchronous calls can deadlock a finite pool of workers (forward with `next:` instead)",
				     sc->nodes[to].name, nd->name);
		}
	}
done:
	edges_free(&g);
	free(index);
	free(low);
	free(comp);
	free(stack);
	free(call);
	free(edge);
	free(on);
	return rc;
}

/* check_point checks one point's tree into a scenario. */
static int check_point(struct yt_node *tree, const char *file,
		       struct scenario **out, struct sim_err *err)
{
	struct scenario *sc = calloc(1, sizeof *sc);
	if (!sc) {
		yt_free(tree);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	sc->tree = tree;
	struct sc_ctx ctx = { sc, err };
	struct sc_ctx *c = &ctx;
	int rc;
	uint64_t u;
	const struct yt_node *v;

	if (tree->type != YT_MAP) {
		rc = sc_fail(c, tree, "",
			     "a scenario must be a mapping with duration, workloads and nodes (found a %s)",
			     yt_type_name(tree->type));
		goto fail;
	}
	if ((rc = sc_keys(c, tree, "scenario", top_keys, top_required)))
		goto fail;
	if ((v = yt_get(tree, "name"))) {
		const char *name;
		if ((rc = sc_string(c, v, "name", &name)))
			goto fail;
		if (!valid_name(name)) {
			rc = sc_fail(c, v, "name",
				     "'%s' is not a valid name (letters, digits, '_', '-', '.', not only dots; at most 64): it names the output directory",
				     name);
			goto fail;
		}
		sc->name = strdup(name);
	} else {
		sc->name = default_name(file);
	}
	sc->dir = dir_of(file);
	if (!sc->name || !sc->dir) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto fail;
	}
	if ((v = yt_get(tree, "description")) && (rc = need_scalar(c, v, "description", "a string")))
		goto fail;
	sc->seed = 1;
	if ((v = yt_get(tree, "seed"))) {
		if ((rc = sc_uint(c, v, "seed", 0, UINT64_MAX, &u)))
			goto fail;
		sc->seed = u;
	}
	if ((rc = sc_duration(c, yt_get(tree, "duration"), "duration", 1, &sc->duration_ns)))
		goto fail;
	if ((v = yt_get(tree, "warmup")) && v->type == YT_SCALAR && !v->quoted &&
	    !strcmp(v->str, "auto"))
		sc->warmup_auto = 1;      /* runner_warmups sets the cut */
	else if (v && v->type == YT_SCALAR && v->str && isalpha((unsigned char)v->str[0])) {
		rc = sc_fail(c, v, "warmup", "must be a duration such as 1m, or auto (got '%s')",
			     v->str);
		goto fail;
	} else if (v && (rc = sc_duration(c, v, "warmup", 0, &sc->warmup_ns)))
		goto fail;
	if (sc->warmup_ns + sc->duration_ns > 2 * (int64_t)(SC_MAX_DURATION_NS / 2)) {
		rc = sc_fail(c, yt_get(tree, "duration"), "duration",
			     "warmup plus duration is too long (at most about 73 years)");
		goto fail;
	}
	sc->replications = 5;
	if ((v = yt_get(tree, "replications"))) {
		if ((rc = sc_uint(c, v, "replications", 1, SC_MAX_REPLICATIONS, &u)))
			goto fail;
		sc->replications = (uint32_t)u;
	}
	if ((rc = check_precision(c, yt_get(tree, "precision"), &sc->precision)))
		goto fail;
	if ((v = yt_get(tree, "capacity")) && (rc = cap_check(c, v, NULL)))
		goto fail;
	if (sc->precision.metric >= 0 && sc->precision.max_replications < sc->replications) {
		rc = sc_fail(c, yt_get(yt_get(tree, "precision"), "max_replications"),
			     "precision.max_replications",
			     "is below replications (%u), the replications every point runs first",
			     sc->replications);
		goto fail;
	}
	sc->window_ns = 1000000000;
	if ((v = yt_get(tree, "window")) &&
	    (rc = sc_duration(c, v, "window", 1000, &sc->window_ns)))
		goto fail;

	if ((rc = check_breakers(c, yt_get(tree, "breakers"))))
		goto fail;
	const struct yt_node *nodes = yt_get(tree, "nodes");
	const struct yt_node *wls = yt_get(tree, "workloads");
	if ((rc = check_section(c, nodes, "nodes")) ||
	    (rc = check_section(c, wls, "workloads")))
		goto fail;
	size_t ncomp = nodes->n / 2, nwl = wls->n / 2;
	sc->nodes = calloc(ncomp + nwl, sizeof *sc->nodes);
	if (!sc->nodes) {
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
		goto fail;
	}
	/* names first, so references may point forward */
	for (size_t i = 0; i < ncomp + nwl; i++) {
		const struct yt_node *k = i < ncomp ? yt_key(nodes, i) : yt_key(wls, i - ncomp);
		if (!(sc->nodes[i].name = strdup(k->str))) {
			rc = sim_errf(err, SIM_ENOMEM, "out of memory");
			goto fail;
		}
		sc->nnodes = i + 1;
		int put = strmap_put(&sc->names, sc->nodes[i].name, (uint32_t)i, NULL);
		if (put < 0) {
			rc = sim_errf(err, SIM_ENOMEM, "out of memory");
			goto fail;
		}
		if (put == 0) {
			rc = sc_fail(c, k, i < ncomp ? "nodes" : "workloads",
				     "the name '%s' is already used by a node", k->str);
			goto fail;
		}
		sc->nodes[i].src = i < ncomp ? yt_val(nodes, i) : yt_val(wls, i - ncomp);
	}
	sc->ncomponents = ncomp;
	for (size_t i = 0; i < ncomp; i++) {
		struct sc_node *n = &sc->nodes[i];
		char what[128], tw[140];
		snprintf(what, sizeof what, "nodes.%s", n->name);
		snprintf(tw, sizeof tw, "%s.type", what);
		if (n->src->type != YT_MAP) {
			rc = sc_fail(c, n->src, what,
				     "must be a mapping such as {type: service, ...}");
			goto fail;
		}
		const struct yt_node *tn = yt_get(n->src, "type");
		char kinds[256];
		model_kind_names(kinds, sizeof kinds);
		if (!tn) {
			rc = sc_fail(c, n->src, what, "missing required key 'type' (one of: %s)",
				     kinds);
			goto fail;
		}
		const char *tname;
		if ((rc = sc_string(c, tn, tw, &tname)))
			goto fail;
		n->ops = model_find(tname);
		if (!n->ops) {
			const char *names[64];
			size_t k = 0;
			for (; model_registry[k] && k < 63; k++)
				names[k] = model_registry[k]->kind;
			names[k] = NULL;
			rc = sc_unknown(c, tn, tw, "type", tname, names);
			goto fail;
		}
		if ((rc = param_new(c, what, n->src, n->ops->params, "type", &n->cfg)))
			goto fail;
		n->units = n->ops->units ? n->ops->units(n->cfg) : 1;
		n->max_units = n->units;
	}
	for (size_t i = ncomp; i < ncomp + nwl; i++) {
		struct sc_node *n = &sc->nodes[i];
		char what[128];
		snprintf(what, sizeof what, "workloads.%s", n->name);
		n->ops = &client_ops;
		if ((rc = param_new(c, what, n->src, n->ops->params, NULL, &n->cfg)))
			goto fail;
	}
	if ((rc = tl_check(c, yt_get(tree, "timeline"))))
		goto fail;
	for (size_t i = 0; i < ncomp; i++) {
		struct sc_node *n = &sc->nodes[i];
		if (n->ops->link && (rc = n->ops->link(c, sc, n)))
			goto fail;
	}
	if ((rc = check_exits(c, sc)) || (rc = check_call_cycles(c, sc)))
		goto fail;
	sc->hash = yt_hash(tree);
	*out = sc;
	return 0;
fail:
	scenario_free(sc);
	return rc;
}

const char *scenario_param_value(const struct scenario_set *set, size_t p, size_t i)
{
	size_t stride = 1;
	for (size_t j = i + 1; j < set->nparams; j++)
		stride *= set->param_nvalues[j];
	const struct yt_node *vals = yt_val(set->sweep, i);
	const struct yt_node *n = vals->items[(p / stride) % vals->n];
	if (n->type == YT_SCALAR)
		return n->str;
	return n->type == YT_MAP ? "{...}" : "[...]";
}

/* point_tree builds point p's tree: the set's tree without its sweep, with
 * the sweep's values for p put in.  The last parameter varies fastest. */
static int point_tree(const struct scenario_set *set, size_t p, struct yt_node **out,
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
static int build_point(const struct scenario_set *set, size_t p, struct scenario **out,
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
	if ((rc = point_tree(set, p, &t, err)) || (rc = check_point(t, set->file, out, err)))
		return rc;
	if (set->warmup_ns)
		(*out)->warmup_ns = set->warmup_ns[p];
	return 0;
}

/* check_all builds and checks each of the set's npoints points, keeping
 * point 0 and what the arrays hold of the others. */
static int check_all(struct scenario_set *set, struct sim_err *err)
{
	size_t n = set->npoints ? set->npoints : 1;
	set->points = calloc(n, sizeof *set->points);
	set->item_base = malloc((n + 1) * sizeof *set->item_base);
	int64_t *warmups = calloc(n, sizeof *warmups);
	set->warmup_auto = calloc(n, 1);
	set->seed = calloc(n, sizeof *set->seed);
	set->hash = calloc(n, sizeof *set->hash);
	if (!set->points || !set->item_base || !warmups || !set->warmup_auto || !set->seed ||
	    !set->hash) {
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
		if (p == 0)
			set->points[0] = sc;
		else
			scenario_free(sc);
	}
	set->warmup_ns = warmups;
	return 0;
}

struct scenario *scenario_point(const struct scenario_set *cset, size_t p, struct sim_err *err)
{
	struct scenario_set *set = (struct scenario_set *)cset;
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
	if (set->nheld == SC_HELD) {
		scenario_free(set->points[set->held[0]]);
		set->points[set->held[0]] = NULL;
		memmove(&set->held[0], &set->held[1], (SC_HELD - 1) * sizeof *set->held);
		set->nheld--;
	}
	set->held[set->nheld++] = p;
	set->points[p] = sc;
	return sc;
}

void scenario_set_warmup(struct scenario_set *set, size_t p, int64_t ns)
{
	set->warmup_ns[p] = ns;
	if (set->points[p])
		set->points[p]->warmup_ns = ns;
}

int scenario_view(const struct scenario_set *set, const size_t *of, size_t n,
		  void (*adjust)(struct scenario *sc, void *arg), void *arg,
		  struct scenario_set **out, struct sim_err *err)
{
	struct scenario_set *v = calloc(1, sizeof *v);
	if (!v || !(v->file = strdup(set->file)) ||
	    !(v->map = malloc((n ? n : 1) * sizeof *v->map))) {
		scenario_set_free(v);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	memcpy(v->map, of, n * sizeof *of);
	v->of = set;
	v->adjust = adjust;
	v->adjust_arg = arg;
	v->npoints = n;
	int rc = check_all(v, err);
	if (rc) {
		scenario_set_free(v);
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
static int expand(struct scenario_set *set, const struct sc_override *sets, size_t nsets,
		  struct sim_err *err)
{
	struct yt_node *tree = set->tree;
	struct sc_ctx ctx = { NULL, err };
	const struct yt_node *sw = tree->type == YT_MAP ? yt_get(tree, "sweep") : NULL;
	size_t npoints = 1;

	if (sw) {
		if (sw->type != YT_MAP || sw->n == 0)
			return sc_fail(&ctx, sw, "sweep",
				       "must be a mapping of paths to lists of values, e.g. {nodes.web.workers: [1, 2, 4]}");
		set->nparams = sw->n / 2;
		set->param_paths = calloc(set->nparams, sizeof *set->param_paths);
		set->param_nvalues = calloc(set->nparams, sizeof *set->param_nvalues);
		if (!set->param_paths || !set->param_nvalues)
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		for (size_t i = 0; i < set->nparams; i++) {
			const struct yt_node *k = yt_key(sw, i), *vals = yt_val(sw, i);
			if (strncmp(k->str, "sweep", 5) == 0 &&
			    (k->str[5] == 0 || k->str[5] == '.'))
				return sc_fail(&ctx, k, "sweep", "a sweep cannot change the sweep");
			if (vals->type != YT_SEQ || vals->n == 0)
				return sc_fail(&ctx, vals, "sweep",
					       "%s: must be a non-empty list of values", k->str);
			/* a --set on a swept path would be silently replaced
			 * by the sweep's values */
			for (size_t j = 0; j < nsets; j++)
				if (path_overlaps(sets[j].path, k->str))
					return sim_err_at(err, SIM_EINVAL, "--set", (int)j + 1, 1,
							  "%s: the sweep at %s:%d:%d sets %s; change the sweep instead (--set 'sweep={%s: [...]}')",
							  sets[j].path, k->file, k->line, k->col, k->str, k->str);
			if (npoints > SC_MAX_POINTS / vals->n)
				return sc_fail(&ctx, vals, "sweep",
					       "more than %d points in all", SC_MAX_POINTS);
			npoints *= vals->n;
			set->param_nvalues[i] = vals->n;
			if (!(set->param_paths[i] = strdup(k->str)))
				return sim_errf(err, SIM_ENOMEM, "out of memory");
		}
	}
	set->compare = 0;
	const struct yt_node *cmp = tree->type == YT_MAP ? yt_get(tree, "compare") : NULL;
	if (cmp) {
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
			return sc_fail(&ctx, cmp, "compare",
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

static int load_tree(struct yt_node *tree, const char *file,
		     const struct sc_override *sets, size_t nsets,
		     struct scenario_set **out, struct sim_err *err)
{
	int rc = 0;
	struct scenario_set *set = calloc(1, sizeof *set);
	if (!set || !(set->file = strdup(file))) {
		free(set);
		yt_free(tree);
		return sim_errf(err, SIM_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < nsets; i++) {
		char name[64];
		snprintf(name, sizeof name, "--set %s", sets[i].path);
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
		scenario_set_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

int scenario_load(const char *path, const struct sc_override *sets,
		  size_t nsets, struct scenario_set **out, struct sim_err *err)
{
	struct yt_node *tree;
	int rc = yt_load_file(path, &tree, err);
	if (rc)
		return rc;
	return load_tree(tree, path, sets, nsets, out, err);
}

int scenario_load_string(const char *name, const char *text,
			 const struct sc_override *sets, size_t nsets,
			 struct scenario_set **out, struct sim_err *err)
{
	struct yt_node *tree;
	int rc = yt_load_string(name, text, strlen(text), &tree, err);
	if (rc)
		return rc;
	return load_tree(tree, name, sets, nsets, out, err);
}
