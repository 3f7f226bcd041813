/*
 * check.c - the scenario checker's helpers; see check.h.
 *
 * A scalar is checked in two steps: that it is a non-empty scalar at all
 * (check_scalar), then that its text is what the type wants.  Numbers are
 * read with strtod and refused when anything but a unit follows them, or
 * when they were quoted (a quoted "10" is text in YAML).  A distribution is
 * checked against its form in dist.h: the keys it allows and requires, the
 * one of two it wants exactly one of, each key's type, then the form's own
 * constructor.
 */
#include "sim/check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ------------------------------------------------------- */

int check_fail(struct check_ctx *ctx, const struct yt_node *n, const char *what,
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
const char *check_closest(const char *s, const char *const *list)
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

void check_join(char *buf, size_t len, const char *const *list)
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

int check_unknown(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       const char *kind, const char *value, const char *const *allowed)
{
	const char *near = check_closest(value, allowed);
	if (near)
		return check_fail(ctx, n, what, "unknown %s '%s'; did you mean '%s'?",
			       kind, value, near);
	char list[512];
	check_join(list, sizeof list, allowed);
	return check_fail(ctx, n, what, "unknown %s '%s' (allowed: %s)", kind, value, list);
}

int check_keys(struct check_ctx *ctx, const struct yt_node *map, const char *what,
	    const char *const *allowed, const char *const *required)
{
	if (!map)
		return sim_errf(ctx->err, SIM_EINVAL, "%s: missing", what);
	if (map->type != YT_MAP)
		return check_fail(ctx, map, what, "must be a mapping of keys, not a %s",
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
		const char *near = check_closest(k->str, allowed);
		char list[512];
		check_join(list, sizeof list, allowed);
		if (near)
			return check_fail(ctx, k, what, "unknown key '%s'; did you mean '%s'?",
				       k->str, near);
		return check_fail(ctx, k, what, "unknown key '%s' (allowed: %s)", k->str, list);
	}
	for (size_t j = 0; required && required[j]; j++)
		if (!yt_get(map, required[j]))
			return check_fail(ctx, map, what, "missing required key '%s'",
				       required[j]);
	return 0;
}

int check_scalar(struct check_ctx *ctx, const struct yt_node *n,
		       const char *what, const char *expect)
{
	if (n->type != YT_SCALAR)
		return check_fail(ctx, n, what, "must be %s, not a %s", expect,
			       yt_type_name(n->type));
	if (n->str[0] == 0)
		return check_fail(ctx, n, what, "must be %s; the value is empty", expect);
	return 0;
}

int check_string(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	      const char **out)
{
	int rc = check_scalar(ctx, n, what, "a string");
	if (rc)
		return rc;
	*out = n->str;
	return 0;
}

int check_uint(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	    uint64_t min, uint64_t max, uint64_t *out)
{
	char expect[96];
	snprintf(expect, sizeof expect, "an integer from %llu to %llu",
		 (unsigned long long)min, (unsigned long long)max);
	int rc = check_scalar(ctx, n, what, expect);
	if (rc)
		return rc;
	const char *s = n->str;
	int digits = 1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			digits = 0;
	if (digits && n->quoted)
		return check_fail(ctx, n, what, "must be %s; got the text \"%s\" (remove the quotes)",
			       expect, s);
	if (!digits) {
		if (s[0] == '-' && isdigit((unsigned char)s[1]))
			return check_fail(ctx, n, what, "must be %s, not negative (got %s)",
				       expect, s);
		return check_fail(ctx, n, what, "must be %s (got '%s')", expect, s);
	}
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return check_fail(ctx, n, what, "must be %s (got %s)", expect, s);
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

int check_double(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	      double min, double max, double *out)
{
	char expect[96];
	snprintf(expect, sizeof expect, "a number from %g to %g", min, max);
	int rc = check_scalar(ctx, n, what, expect);
	if (rc)
		return rc;
	double v;
	const char *unit;
	int pr = parse_quantity(n->str, &v, &unit);
	if (pr == -2)
		return check_fail(ctx, n, what, "%s is too large to represent", n->str);
	if (pr || n->quoted || *unit)
		return check_fail(ctx, n, what, "must be %s (got '%s')", expect, n->str);
	if (v < min || v > max)
		return check_fail(ctx, n, what, "must be %s (got %s)", expect, n->str);
	*out = v;
	return 0;
}

int check_bool(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	    int *out)
{
	int rc = check_scalar(ctx, n, what, "true or false");
	if (rc)
		return rc;
	if (!strcmp(n->str, "true") || !strcmp(n->str, "yes") || !strcmp(n->str, "on"))
		*out = 1;
	else if (!strcmp(n->str, "false") || !strcmp(n->str, "no") || !strcmp(n->str, "off"))
		*out = 0;
	else
		return check_fail(ctx, n, what, "must be true or false (got '%s')", n->str);
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
			if (ns > (double)CHECK_MAX_DURATION_NS)
				return -2;
			*out = (int64_t)llround(ns);
			return 0;
		}
	}
	return -1;
}

int check_parse_duration(const char *s, int64_t *out_ns)
{
	return parse_duration(s, out_ns) ? -1 : 0;
}

int check_duration(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		int64_t min_ns, int64_t *out_ns)
{
	int rc = check_scalar(ctx, n, what, "a duration such as 250ms");
	if (rc)
		return rc;
	int64_t v;
	switch (n->quoted ? -1 : parse_duration(n->str, &v)) {
	case 0:
		break;
	case -2:
		return check_fail(ctx, n, what, "%s is too large (at most about 73 years)",
			       n->str);
	case -3:
		return check_fail(ctx, n, what,
			       "'%s' needs a unit: ns, us, ms, s, m or h (e.g. %ss)",
			       n->str, n->str);
	case -4:
		return check_fail(ctx, n, what, "must not be negative (got %s)", n->str);
	default:
		return check_fail(ctx, n, what,
			       "must be a duration: a number and a unit ns, us, ms, s, m or h (got '%s')",
			       n->str);
	}
	if (v < min_ns) {
		if (min_ns == 1)
			return check_fail(ctx, n, what, "must be greater than 0 (got %s)", n->str);
		if (min_ns % 1000000 == 0)
			return check_fail(ctx, n, what, "must be at least %lldms (got %s)",
				       (long long)(min_ns / 1000000), n->str);
		if (min_ns % 1000 == 0)
			return check_fail(ctx, n, what, "must be at least %lldus (got %s)",
				       (long long)(min_ns / 1000), n->str);
		return check_fail(ctx, n, what, "must be at least %lldns (got %s)",
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

int check_parse_rate(const char *s, double *per_s)
{
	return parse_rate(s, per_s) ? -1 : 0;
}

/* rate_check is check_rate, with zero allowed or not. */
static int rate_check(struct check_ctx *ctx, const struct yt_node *n,
		      const char *what, int zero_ok, double *per_s)
{
	int rc = check_scalar(ctx, n, what, "a rate such as 100/s");
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
		return check_fail(ctx, n, what, "%s is too large (at most 1e12/s)", n->str);
	case -3:
		return check_fail(ctx, n, what, "'%s' needs a unit: /s, /m or /h (e.g. %s/s)",
			       n->str, n->str);
	case -4:
	case -5:
		return check_fail(ctx, n, what, "must be greater than 0 (got %s)", n->str);
	default:
		return check_fail(ctx, n, what,
			       "must be a rate: a number and /s, /m or /h (got '%s')", n->str);
	}
}

int check_rate(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	    double *per_s)
{
	return rate_check(ctx, n, what, 0, per_s);
}

int check_rate_or_zero(struct check_ctx *ctx, const struct yt_node *n,
		    const char *what, double *per_s)
{
	return rate_check(ctx, n, what, 1, per_s);
}

/* ---- sizes and bandwidths ------------------------------------------ */

/* A unit of a size (bytes) or of a bandwidth (bytes per second): sizes
 * count in bytes, decimal (KB = 1000 B, as networks and cloud prices
 * count) or binary (KiB = 1024 B); bandwidths in bits or bytes per second. */
struct scaled_unit {
	const char *name;
	double bytes;
};

static const struct scaled_unit size_units[] = {
	{ "B", 1 }, { "KB", 1e3 }, { "kB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "TB", 1e12 },
	{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
	{ "TiB", 1099511627776.0 }, { NULL, 0 }
};

static const struct scaled_unit bandwidth_units[] = {
	{ "bit/s", 1 / 8.0 }, { "kbit/s", 1e3 / 8 }, { "Kbit/s", 1e3 / 8 }, { "Mbit/s", 1e6 / 8 },
	{ "Gbit/s", 1e9 / 8 }, { "Tbit/s", 1e12 / 8 }, { "B/s", 1 }, { "KB/s", 1e3 },
	{ "kB/s", 1e3 }, { "MB/s", 1e6 }, { "GB/s", 1e9 }, { NULL, 0 }
};

/* parse_scaled: "NUMBER UNIT" with a unit of units -> *out; 0, -1 not
 * such a quantity, -2 beyond 1e15, -3 no unit, -4 negative. */
static int parse_scaled(const char *s, const struct scaled_unit *units, double *out)
{
	double v;
	const char *end;
	int pr = parse_quantity(s, &v, &end);
	if (pr)
		return pr;
	if (!*end)
		return -3;
	for (size_t i = 0; units[i].name; i++) {
		if (strcmp(end, units[i].name))
			continue;
		if (v < 0)
			return -4;
		if (v * units[i].bytes > 1e15)
			return -2;
		*out = v * units[i].bytes;
		return 0;
	}
	return -1;
}

/* scaled_check is check_bytes (min_zero) or check_bandwidth. */
static int scaled_check(struct check_ctx *ctx, const struct yt_node *n, const char *what,
			const struct scaled_unit *units, const char *noun, const char *example,
			int zero_ok, double *out)
{
	char expect[96], list[256] = "";
	snprintf(expect, sizeof expect, "%s such as %s", noun, example);
	int rc = check_scalar(ctx, n, what, expect);
	if (rc)
		return rc;
	for (size_t i = 0, used = 0; units[i].name && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
					 units[i].name);
	double v = 0;
	switch (n->quoted ? -1 : parse_scaled(n->str, units, &v)) {
	case 0:
		break;
	case -2:
		return check_fail(ctx, n, what, "%s is too large (at most 1e15 bytes)", n->str);
	case -3:
		return check_fail(ctx, n, what, "'%s' needs a unit: %s", n->str, list);
	case -4:
		return check_fail(ctx, n, what, "must not be negative (got %s)", n->str);
	default:
		return check_fail(ctx, n, what, "must be %s, a number and a unit: %s (got '%s')",
				  noun, list, n->str);
	}
	if (!zero_ok && !(v > 0))
		return check_fail(ctx, n, what, "must be greater than 0 (got %s)", n->str);
	*out = v;
	return 0;
}

int check_bytes(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		double *bytes)
{
	return scaled_check(ctx, n, what, size_units, "a size", "64KB", 1, bytes);
}

int check_bandwidth(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		    double *bytes_per_s)
{
	return scaled_check(ctx, n, what, bandwidth_units, "a bandwidth", "1Gbit/s", 0,
			    bytes_per_s);
}

int check_parse_bytes(const char *s, double *bytes)
{
	return parse_scaled(s, size_units, bytes) ? -1 : 0;
}

int check_parse_bandwidth(const char *s, double *bytes_per_s)
{
	double v = 0;
	if (parse_scaled(s, bandwidth_units, &v) || !(v > 0))
		return -1;
	*bytes_per_s = v;
	return 0;
}

/* ---- distributions -------------------------------------------------- */

/* dist_arg_check checks the value of arg k of form f at v into a. */
static int dist_arg_check(struct check_ctx *ctx, const struct dist_arg *g, const struct yt_node *v,
			  const char *what, struct dist_args *a, int k, char **file, int bytes)
{
	char w[300];
	int64_t ns = 0;
	uint64_t u;
	const char *s;
	int rc;
	snprintf(w, sizeof w, "%s.%s", what, g->key);
	switch (g->type) {
	case DIST_ARG_TIME:
		if (bytes)      /* a size's distribution: its values in bytes */
			return check_bytes(ctx, v, w, &a->v[k]);
		if ((rc = check_duration(ctx, v, w, 0, &ns)) == 0)
			a->v[k] = (double)ns * 1e-9;
		return rc;
	case DIST_ARG_NUMBER:
		return check_double(ctx, v, w, g->min, g->max, &a->v[k]);
	case DIST_ARG_COUNT:
		if ((rc = check_uint(ctx, v, w, (uint64_t)g->min, (uint64_t)g->max, &u)) == 0)
			a->v[k] = (double)u;
		return rc;
	case DIST_ARG_RATE:
		if (bytes)      /* a rate of bytes means nothing */
			return check_fail(ctx, v, w, "a size's distribution takes mean, not a rate");
		return check_rate(ctx, v, w, &a->v[k]);
	case DIST_ARG_FILE:
		if ((rc = check_string(ctx, v, w, &s)))
			return rc;
		if (!(*file = check_path(ctx, s)))
			return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
		a->file = *file;
		return 0;
	}
	return check_fail(ctx, v, w, "unsupported key");
}

/* dist_check is check_dist, or with bytes check_dist_bytes. */
static int dist_check(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		      struct dist *out, int bytes)
{
	struct sim_err derr;
	int rc;
	if (!n)
		return sim_errf(ctx->err, SIM_EINVAL, "%s: missing", what);
	const char *names[DIST_EMPIRICAL + 2];
	for (int i = 0; i <= DIST_EMPIRICAL; i++)
		names[i] = dist_forms[i].name;
	names[DIST_EMPIRICAL + 1] = NULL;
	const char *example = bytes ? "{dist: exponential, mean: 64KB}, or a size" :
				      "{dist: exponential, mean: 10ms}, or a duration";
	/* shorthand: a bare size is a constant */
	if (bytes && n->type == YT_SCALAR) {
		double b = 0;
		if ((rc = check_bytes(ctx, n, what, &b))) {
			if (isdigit((unsigned char)n->str[0]) || n->str[0] == '-')
				return rc;
			return check_fail(ctx, n, what, "must be a distribution such as %s (got '%s')",
					  example, n->str);
		}
		return dist_constant(out, b, &derr) ? check_fail(ctx, n, what, "%s", derr.msg) : 0;
	}
	/* shorthand: a bare duration is a constant */
	if (n->type == YT_SCALAR) {
		int64_t ns;
		if ((rc = check_duration(ctx, n, what, 0, &ns))) {
			/* a number got the duration's own message (a missing
			 * unit, say); anything else is probably not meant as a
			 * duration at all */
			if (isdigit((unsigned char)n->str[0]) || n->str[0] == '-')
				return rc;
			return check_fail(ctx, n, what,
					  "must be a distribution such as {dist: exponential, mean: 10ms}, or a duration (got '%s')",
					  n->str);
		}
		return dist_constant(out, (double)ns * 1e-9, &derr) ?
			check_fail(ctx, n, what, "%s", derr.msg) : 0;
	}
	if (n->type != YT_MAP)
		return check_fail(ctx, n, what, "must be a distribution such as %s",
				  bytes ? "{dist: exponential, mean: 64KB}" :
					  "{dist: exponential, mean: 10ms}");
	const struct yt_node *kn = yt_get(n, "dist");
	if (!kn) {
		char list[512];
		check_join(list, sizeof list, names);
		return check_fail(ctx, n, what, "missing required key 'dist' (one of: %s)", list);
	}
	char kw[300];
	snprintf(kw, sizeof kw, "%s.dist", what);
	const char *kname;
	if ((rc = check_string(ctx, kn, kw, &kname)))
		return rc;
	enum dist_kind kind;
	if (dist_kind_parse(kname, &kind))
		return check_unknown(ctx, kn, kw, "distribution", kname, names);
	const struct dist_form *f = &dist_forms[kind];
	const char *allowed[DIST_MAX_ARGS + 2], *required[DIST_MAX_ARGS + 1];
	size_t na = 0, nr = 0;
	allowed[na++] = "dist";
	for (int k = 0; f->args[k].key; k++) {
		allowed[na++] = f->args[k].key;
		if (f->args[k].required)
			required[nr++] = f->args[k].key;
	}
	allowed[na] = required[nr] = NULL;
	if ((rc = check_keys(ctx, n, what, allowed, required)))
		return rc;
	struct dist_args a;
	memset(&a, 0, sizeof a);
	for (int k = 0; f->args[k].key; k++)
		a.given[k] = yt_get(n, f->args[k].key) != NULL;
	/* the keys that stand alone first, then that exactly one of the
	 * pair is given, then the one that is */
	char *file = NULL;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && f->one_of[0] >= 0 && a.given[f->one_of[0]] == a.given[f->one_of[1]]) {
			free(file);
			return check_fail(ctx, n, what, "give exactly one of '%s' and '%s'",
					  f->args[f->one_of[0]].key, f->args[f->one_of[1]].key);
		}
		for (int k = 0; f->args[k].key; k++) {
			int paired = k == f->one_of[0] || k == f->one_of[1];
			if (!a.given[k] || paired != pass)
				continue;
			if ((rc = dist_arg_check(ctx, &f->args[k], yt_get(n, f->args[k].key), what,
						 &a, k, &file, bytes))) {
				free(file);
				return rc;
			}
		}
	}
	int at = -1;
	rc = f->make(out, &a, &at, &derr);
	free(file);
	if (!rc)
		return 0;
	if (at < 0)
		return check_fail(ctx, n, what, "%s", derr.msg);
	/* a file's problems are the file key's; a value's, the mapping's */
	const struct dist_arg *g = &f->args[at];
	char w[300];
	snprintf(w, sizeof w, "%s.%s", what, g->key);
	return check_fail(ctx, yt_get(n, g->key), g->type == DIST_ARG_FILE ? w : what, "%s",
			  derr.msg);
}

int check_dist(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       struct dist *out)
{
	return dist_check(ctx, n, what, out, 0);
}

int check_dist_bytes(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		     struct dist *out)
{
	return dist_check(ctx, n, what, out, 1);
}

char *check_path(const struct check_ctx *ctx, const char *file)
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

int check_node_ref(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		uint32_t *out)
{
	const char *name;
	int rc;
	if (!n)
		return sim_errf(ctx->err, SIM_EINVAL, "%s: missing", what);
	if ((rc = check_string(ctx, n, what, &name)))
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
	const char *near = check_closest(name, names);
	if (near)
		return check_fail(ctx, n, what, "no node named '%s'; did you mean '%s'?",
			       name, near);
	char list[512];
	check_join(list, sizeof list, names);
	return check_fail(ctx, n, what, "no node named '%s' (nodes: %s)", name, list);
}

/* ---- references ------------------------------------------------------ */

int check_breaker_ref(struct check_ctx *c, const struct yt_node *n, const char *what,
		   uint32_t *out)
{
	const struct scenario *sc = c->sc;
	const char *name;
	int rc = check_string(c, n, what, &name);
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
		return check_fail(c, n, what, "no breaker named '%s' (the scenario's `breakers:` declares none)",
			       name);
	return check_unknown(c, n, what, "breaker", name, names);
}
