/*
 * arrival.c - the arrival processes; see arrival.h.
 *
 * One section per process: its parameter table, its validate hook (the
 * checks across keys, and what the run and the offered rate need worked
 * out once), and how it draws its next arrival.  The last section is the
 * variant's cases and the functions arrival.h exports, which dispatch on
 * the process.  Every process keeps its draws in the order they had in
 * the client, so a scenario's outputs do not depend on where this code
 * lives.
 */
#include "models/arrival.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/rng.h"
#include "sim/sim.h"

#define ARRIVAL_MAX_POINTS 100000
#define ARRIVAL_MAX_STATES 64
#define TRACE_LINE_MAX 4096


/* ---- scale ------------------------------------------------------------- */

/* scale_as scales c's load as process p's */
static void scale_as(struct arrival_cfg *c, enum arrival_process p, double f)
{
	switch (p) {
	case ARRIVAL_TRACE:
		c->scale *= f;
		break;
	case ARRIVAL_PROFILE:
		for (size_t i = 0; i < c->npoints; i++)
			c->points[i].rate_per_s *= f;
		c->period_area *= f;
		break;
	case ARRIVAL_MMPP:
		for (size_t i = 0; i < c->nstates; i++)
			c->states[i].rate_per_s *= f;
		c->mmpp_rate *= f;
		break;
	case ARRIVAL_CLOSED:
		break;
	default:
		c->rate_per_s *= f;
		break;
	}
}

void arrival_scale(struct arrival_cfg *c, double f)
{
	scale_as(c, c->process, f);
}

/* the `scale` of an open process other than a trace: its rates, as
 * given, times this (the trace's own, kept for its run, is below) */
#define SCALE_PARAM                                                                   	{ .name = "scale", .type = PARAM_NUMBER, PARAM_FIELD(struct arrival_cfg, scale),    	  .min = 1e-6, .max = ARRIVAL_SCALE_MAX, .def = "1",                                 	  .doc = "the load times this: every rate given is multiplied by it (next year's peak as `scale: 1.5` of today's profile); the scenario's `load_scale` multiplies it again" }

/* scale_rates applies an open process's own `scale` to its rates, once
 * they are checked, and leaves 1 for the scenario's load_scale. */
static void scale_rates(struct arrival_cfg *c, enum arrival_process p)
{
	double f = c->scale;
	c->scale = 1;
	scale_as(c, p, f);
}

/* ---- poisson and constant -------------------------------------------- */

static int open_validate(struct check_ctx *ctx, const char *path, const struct yt_node *arr,
			 void *obj)
{
	(void)ctx, (void)path, (void)arr;
	scale_rates(obj, ARRIVAL_POISSON);   /* and constant: a rate alike */
	return 0;
}

static const struct param open_params[] = {
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct arrival_cfg, rate_per_s),
	  .flags = PARAM_REQUIRED, .doc = "requests per unit of time" },
	SCALE_PARAM,
	{ 0 }
};

static const struct param_table open_table = {
	.params = open_params,
	.size = sizeof(struct arrival_cfg),
	.validate = open_validate,
};

/* ---- profile --------------------------------------------------------- */

/* profile_validate checks a profile's points as a whole (the first at 0,
 * times increasing, some rate above 0) and its period, and works out the
 * expected arrivals per period. */
static int profile_validate(struct check_ctx *ctx, const char *path,
			    const struct yt_node *arr, void *obj)
{
	struct arrival_cfg *c = obj;
	const struct yt_node *pts = yt_get(arr, "points");
	char what[256];
	double peak = 0;
	for (size_t i = 0; i < c->npoints; i++) {
		const struct yt_node *at = yt_get(pts->items[i], "at");
		snprintf(what, sizeof what, "%s.points[%zu].at", path, i);
		if (i == 0 && c->points[0].at_ns != 0)
			return check_fail(ctx, at, what, "the first point must be at 0s");
		if (i > 0 && c->points[i].at_ns <= c->points[i - 1].at_ns)
			return check_fail(ctx, at, what, "points must be in increasing time order");
		if (c->points[i].rate_per_s > peak)
			peak = c->points[i].rate_per_s;
	}
	if (peak <= 0) {
		/* named after the last point's rate, located at the list */
		snprintf(what, sizeof what, "%s.points[%zu].rate", path, c->npoints - 1);
		return check_fail(ctx, pts, what, "every rate is 0: no request would ever arrive");
	}
	if (c->period_ns) {
		snprintf(what, sizeof what, "%s.period", path);
		if (c->period_ns <= c->points[c->npoints - 1].at_ns)
			return check_fail(ctx, yt_get(arr, "period"), what,
				       "the period must be longer than the last point's time");
		for (size_t k = 0; k < c->npoints; k++) {
			int64_t end = k + 1 < c->npoints ? c->points[k + 1].at_ns : c->period_ns;
			double r1 = k + 1 < c->npoints ? c->points[k + 1].rate_per_s :
							 c->points[0].rate_per_s;
			c->period_area += (c->points[k].rate_per_s + r1) / 2 *
					  (double)(end - c->points[k].at_ns) * 1e-9;
		}
	}
	scale_rates(c, ARRIVAL_PROFILE);
	return 0;
}

static const struct param point_params[] = {
	{ .name = "at", .type = PARAM_DURATION, PARAM_FIELD(struct arrival_point, at_ns),
	  .flags = PARAM_REQUIRED,
	  .doc = "time from the start of the run, warm-up included" },
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct arrival_point, rate_per_s),
	  .flags = PARAM_REQUIRED | PARAM_ZERO, .doc = "the rate at that time" },
	{ 0 }
};

static const struct param_table point_table = {
	.params = point_params,
	.size = sizeof(struct arrival_point),
};

static const struct param point_elem = {
	.type = PARAM_MAP, .size = sizeof(struct arrival_point), .sub = &point_table,
};

static const struct param profile_params[] = {
	{ .name = "points", .type = PARAM_LIST, PARAM_FIELD(struct arrival_cfg, points),
	  PARAM_COUNT(struct arrival_cfg, npoints), .flags = PARAM_REQUIRED,
	  .elem = &point_elem, .elem_size = sizeof(struct arrival_point),
	  .min_len = 1, .max_len = ARRIVAL_MAX_POINTS, .item = "points",
	  .shape = "{at: TIME, rate: RATE}",
	  .doc = "the rate at given times, linear in between; the first at `0s`, times increasing" },
	{ .name = "period", .type = PARAM_DURATION, PARAM_FIELD(struct arrival_cfg, period_ns),
	  .min_ns = 1, .def_doc = "none: the last rate holds",
	  .doc = "the profile repeats with this period, returning linearly to the first point's rate at its end" },
	SCALE_PARAM,
	{ 0 }
};

static const struct param_table profile_table = {
	.params = profile_params,
	.size = sizeof(struct arrival_cfg),
	.validate = profile_validate,
};

/* seg_end_rate is the rate at the end of segment k (which starts at
 * points[k]): the next point's, or with a period the first point's. */
static double seg_end_rate(const struct arrival_cfg *c, size_t k)
{
	if (k + 1 < c->npoints)
		return c->points[k + 1].rate_per_s;
	return c->period_ns ? c->points[0].rate_per_s : c->points[k].rate_per_s;
}

/* seg_end_ns is where segment k ends: the next point, the period, or
 * never. */
static int64_t seg_end_ns(const struct arrival_cfg *c, size_t k)
{
	if (k + 1 < c->npoints)
		return c->points[k + 1].at_ns;
	return c->period_ns ? c->period_ns : SIM_NEVER;
}

/* profile_next returns the first arrival after t_ns (absolute time), or
 * SIM_NEVER.  See the essay in arrival.h: one unit exponential E is the
 * expected number of arrivals to wait for, and the integrated rate is
 * inverted for it. */
static int64_t profile_next(struct arrival *a, int64_t t_ns)
{
	const struct arrival_cfg *c = a->cfg;
	double e = rng_exp1(a->rng);
	double t = (double)(t_ns - a->cycle_ns) * 1e-9;    /* s into the period */
	for (;;) {
		size_t k = a->seg;
		double t0 = (double)c->points[k].at_ns * 1e-9;
		int64_t end_ns = seg_end_ns(c, k);
		double r0 = c->points[k].rate_per_s;
		if (end_ns == SIM_NEVER) {
			/* the last rate holds for ever */
			return r0 > 0 ? arrival_at(a->cycle_ns, (t + e / r0) * 1e9) : SIM_NEVER;
		}
		double t1 = (double)end_ns * 1e-9;
		double slope = (seg_end_rate(c, k) - r0) / (t1 - t0);
		double rt = r0 + slope * (t - t0);            /* rate at t */
		if (rt < 0)
			rt = 0;                               /* rounding */
		double left = (rt + seg_end_rate(c, k)) / 2 * (t1 - t);
		if (e <= left) {
			/* rt d + slope d^2 / 2 = e, the root in [0, t1 - t],
			 * written so that it does not cancel */
			double disc = rt * rt + 2 * slope * e;
			double den = rt + sqrt(disc > 0 ? disc : 0);
			double d = den > 0 ? 2 * e / den : t1 - t;
			if (d > t1 - t)
				d = t1 - t;
			return arrival_at(a->cycle_ns, (t + d) * 1e9);
		}
		e -= left;
		t = t1;
		if (++a->seg < c->npoints)
			continue;
		/* end of a period (there is one: without, the last segment
		 * never ends); whole periods are skipped by their area */
		a->seg = 0;
		t = 0;
		double n = floor(e / c->period_area);
		if ((n + 1) * (double)c->period_ns >
		    (double)(INT64_MAX / 4 - a->cycle_ns))
			return SIM_NEVER;                     /* beyond any run */
		a->cycle_ns += ((int64_t)n + 1) * c->period_ns;
		e -= n * c->period_area;
		if (e < 0)
			e = 0;
	}
}

/* profile_area is the integral of the profile's rate from 0 to t_s
 * (seconds): expected arrivals. */
static double profile_area(const struct arrival_cfg *c, double t_s)
{
	double area = 0, base = 0;
	if (c->period_ns) {
		double per = (double)c->period_ns * 1e-9;
		double n = floor(t_s / per);
		area = n * c->period_area;
		base = n * per;
	}
	for (size_t k = 0; k < c->npoints; k++) {
		double t0 = base + (double)c->points[k].at_ns * 1e-9;
		int64_t e = seg_end_ns(c, k);
		double t1 = e == SIM_NEVER ? INFINITY : base + (double)e * 1e-9;
		if (t_s <= t0)
			break;
		double r0 = c->points[k].rate_per_s, r1 = seg_end_rate(c, k);
		double hi = t_s < t1 ? t_s : t1;
		double slope = isfinite(t1) ? (r1 - r0) / (t1 - t0) : 0;
		area += (r0 + (r0 + slope * (hi - t0))) / 2 * (hi - t0);
	}
	return area;
}

/* ---- mmpp ------------------------------------------------------------ */

/* mmpp_validate: some state must have arrivals; works out the mean rate
 * (each state's rate weighted by its mean duration). */
static int mmpp_validate(struct check_ctx *ctx, const char *path, const struct yt_node *arr,
			 void *obj)
{
	struct arrival_cfg *c = obj;
	double area = 0, time = 0;
	for (size_t i = 0; i < c->nstates; i++) {
		area += c->states[i].rate_per_s * (double)c->states[i].mean_ns;
		time += (double)c->states[i].mean_ns;
	}
	if (!(area > 0)) {
		char what[256];
		snprintf(what, sizeof what, "%s.states", path);
		return check_fail(ctx, yt_get(arr, "states"), what,
			       "every rate is 0: no request would ever arrive");
	}
	c->mmpp_rate = area / time;
	scale_rates(c, ARRIVAL_MMPP);
	return 0;
}

static const struct param state_params[] = {
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct arrival_state, rate_per_s),
	  .flags = PARAM_REQUIRED | PARAM_ZERO, .doc = "the arrival rate in this state (0: off)" },
	{ .name = "mean", .type = PARAM_DURATION, PARAM_FIELD(struct arrival_state, mean_ns),
	  .flags = PARAM_REQUIRED, .min_ns = 1000,
	  .doc = "how long the state lasts on average (exponentially distributed)" },
	{ 0 }
};

static const struct param_table state_table = {
	.params = state_params,
	.size = sizeof(struct arrival_state),
};

static const struct param state_elem = {
	.type = PARAM_MAP, .size = sizeof(struct arrival_state), .sub = &state_table,
};

static const struct param mmpp_params[] = {
	{ .name = "states", .type = PARAM_LIST, PARAM_FIELD(struct arrival_cfg, states),
	  PARAM_COUNT(struct arrival_cfg, nstates), .flags = PARAM_REQUIRED,
	  .elem = &state_elem, .elem_size = sizeof(struct arrival_state),
	  .min_len = 2, .max_len = ARRIVAL_MAX_STATES, .item = "states",
	  .shape = "{rate: RATE, mean: TIME}",
	  .doc = "the states, visited in turn (the last returns to the first)" },
	SCALE_PARAM,
	{ 0 }
};

static const struct param_table mmpp_table = {
	.params = mmpp_params,
	.size = sizeof(struct arrival_cfg),
	.validate = mmpp_validate,
};

/* mmpp_hold draws how long state k lasts. */
static int64_t mmpp_hold(struct arrival *a, size_t k)
{
	return arrival_at(0, (double)a->cfg->states[k].mean_ns * rng_xoshiro_exp1(a->rng));
}

/* mmpp_start draws the first state from the long-run shares and its
 * time left (exponential, so the same law as a whole stay). */
static void mmpp_start(struct arrival *a)
{
	const struct arrival_cfg *c = a->cfg;
	double total = 0, acc = 0;
	for (size_t i = 0; i < c->nstates; i++)
		total += (double)c->states[i].mean_ns;
	double u = rng_uniform_pos(a->rng) * total;
	a->state = c->nstates - 1;
	for (size_t i = 0; i < c->nstates; i++) {
		acc += (double)c->states[i].mean_ns;
		if (u < acc) {
			a->state = i;
			break;
		}
	}
	a->state_end_ns = mmpp_hold(a, a->state);
}

/* mmpp_next returns the first arrival after now: a gap at the present
 * state's rate, or, when the state ends first, the same from its end in
 * the next state (the gaps are memoryless, so starting afresh there is
 * exact). */
static int64_t mmpp_next(struct arrival *a, int64_t now)
{
	const struct arrival_cfg *c = a->cfg;
	for (int guard = 0; guard < 1000000; guard++) {
		double r = c->states[a->state].rate_per_s;
		int64_t t = r > 0 ? arrival_at(now, 1e9 / r * rng_xoshiro_exp1(a->rng)) : SIM_NEVER;
		if (t <= a->state_end_ns)
			return t;
		now = a->state_end_ns;
		a->state = (a->state + 1) % c->nstates;
		int64_t h = mmpp_hold(a, a->state);
		if (h == SIM_NEVER || now > INT64_MAX / 4 - h)
			return SIM_NEVER;
		a->state_end_ns = now + h;
	}
	return SIM_NEVER;
}

/* ---- trace ----------------------------------------------------------- */

/* A trace line split into fields (commas; no quoting: timestamps, keys
 * and kinds need none). */
struct fields {
	char *f[64];
	int n;
};

static void split(char *line, struct fields *fs)
{
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = 0;
	fs->n = 0;
	char *p = line;
	for (;;) {
		if (fs->n < 64)
			fs->f[fs->n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = 0;
		p = c + 1;
	}
}

static int parse_time(const char *s, double *t)
{
	char *end;
	errno = 0;
	*t = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return end == s || *end || errno || !isfinite(*t) ? -1 : 0;
}

/* trace_fill reads a line's fields into l (time, key, kind as columns
 * say). */
static void trace_fill(const struct arrival *a, const struct fields *fs, double t,
		       struct arrival_line *l)
{
	const struct arrival_cfg *c = a->cfg;
	struct arrival_row *r = &l->row;
	l->t = t;
	r->has_key = 0;
	r->has_kind = c->kind_col >= 0;
	r->cls = 0;
	r->write = 0;
	if (c->key_col >= 0 && c->key_col < fs->n && *fs->f[c->key_col]) {
		const char *k = fs->f[c->key_col];
		char *end;
		errno = 0;
		unsigned long long v = strtoull(k, &end, 10);
		r->key = !*end && !errno && isdigit((unsigned char)*k) ? v : rng_hash64(k, 0);
		r->has_key = 1;
	}
	if (c->kind_col >= 0 && c->kind_col < fs->n) {
		const char *k = fs->f[c->kind_col];
		r->write = !strncmp(k, "write", 5);
		for (size_t i = 0; i < a->nkinds; i++)
			if (!strcmp(k, a->kinds[i])) {
				r->cls = (uint16_t)i;
				break;
			}
	}
}

/* trace_validate resolves the file against the scenario's directory and
 * reads it once through: a header naming `key` and `kind` (optional),
 * times in seconds, not negative and never going back.  It keeps the row
 * count and the last time, for the offered load. */
static int trace_validate(struct check_ctx *ctx, const char *path, const struct yt_node *arr,
			  void *obj)
{
	struct arrival_cfg *c = obj;
	char what[256], line[TRACE_LINE_MAX];
	snprintf(what, sizeof what, "%s.file", path);
	const struct yt_node *fnode = yt_get(arr, "file");
	char *full = check_path(ctx, c->file);
	if (!full)
		return sim_errf(ctx->err, SIM_ENOMEM, "out of memory");
	free(c->file);
	c->file = full;
	/* a pipe or a device would block the checker, or never end */
	struct stat st;
	if (stat(c->file, &st) == 0 && !S_ISREG(st.st_mode))
		return check_fail(ctx, fnode, what, "%s: not a regular file", c->file);
	FILE *f = fopen(c->file, "r");
	if (!f)
		return check_fail(ctx, fnode, what, "cannot open %s: %s", c->file, strerror(errno));
	c->key_col = c->kind_col = -1;
	double last = 0;
	uint64_t rows = 0;
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = sim_err_at(ctx->err, SIM_EINVAL, c->file, lineno, 1,
					"line longer than %d bytes", TRACE_LINE_MAX - 1);
			break;
		}
		struct fields fs;
		split(line, &fs);
		if (fs.n == 1 && !*fs.f[0])
			continue;                  /* a blank line */
		double t;
		if (lineno == 1 && parse_time(fs.f[0], &t)) {
			/* a header: the first column is the time, by position */
			for (int i = 1; i < fs.n; i++) {
				if (!strcmp(fs.f[i], "key"))
					c->key_col = i;
				else if (!strcmp(fs.f[i], "kind"))
					c->kind_col = i;
			}
			continue;
		}
		if (parse_time(fs.f[0], &t)) {
			rc = sim_err_at(ctx->err, SIM_EINVAL, c->file, lineno, 1,
					"'%s' is not a time in seconds", fs.f[0]);
			break;
		}
		if (t < 0 || t < last) {
			rc = sim_err_at(ctx->err, SIM_EINVAL, c->file, lineno, 1,
					t < 0 ? "time %g is negative" :
					"time %g is before the line above's (%g): a trace must be in time order",
					t, last);
			break;
		}
		if (t > 1e9) {
			rc = sim_err_at(ctx->err, SIM_EINVAL, c->file, lineno, 1,
					"time %g is beyond any run", t);
			break;
		}
		last = t;
		rows++;
	}
	if (!rc && ferror(f))
		rc = check_fail(ctx, fnode, what, "cannot read %s: %s", c->file, strerror(errno));
	fclose(f);
	if (rc)
		return rc;
	if (!rows)
		return check_fail(ctx, fnode, what, "%s has no arrivals", c->file);
	if (c->loop && !(last > 0))
		return check_fail(ctx, yt_get(arr, "loop"), what,
			       "%s lasts 0 s: it cannot loop", c->file);
	c->trace_rows = rows;
	c->trace_end_s = last;
	return 0;
}

static const struct param trace_params[] = {
	{ .name = "file", .type = PARAM_STRING, PARAM_FIELD(struct arrival_cfg, file),
	  .flags = PARAM_REQUIRED,
	  .doc = "a CSV file of arrivals, relative to the scenario's directory: the first column the time in seconds from the start of the run, in order; an optional header line naming the columns, of which `key` (a number, or any text, hashed) and `kind` (a name of `mix`, or `write...`) are used" },
	{ .name = "scale", .type = PARAM_NUMBER, PARAM_FIELD(struct arrival_cfg, scale),
	  .min = 1e-6, .max = ARRIVAL_SCALE_MAX, .def = "1",
	  .doc = "the trace's load times this: below 1 each arrival is kept with probability `scale`; above, each gives floor(scale) arrivals, and one more with probability scale - floor(scale), the extra ones at uniform times before the trace's next arrival" },
	{ .name = "loop", .type = PARAM_BOOL, PARAM_FIELD(struct arrival_cfg, loop),
	  .def = "false",
	  .doc = "at its end, the trace starts again, shifted by its last time" },
	{ 0 }
};

static const struct param_table trace_table = {
	.params = trace_params,
	.size = sizeof(struct arrival_cfg),
	.validate = trace_validate,
};

/* trace_read reads the next arrival's line into l: 1, or 0 at the end
 * (after looping back, with loop). */
static int trace_read(struct arrival *a, struct arrival_line *l)
{
	const struct arrival_cfg *c = a->cfg;
	char line[TRACE_LINE_MAX];
	int looped = 0;
	for (;;) {
		if (!fgets(line, sizeof line, a->trace)) {
			if (!c->loop || looped)
				return 0;
			/* again from the top, shifted by the trace's length */
			rewind(a->trace);
			a->loop_s += c->trace_end_s;
			looped = 1;
			continue;
		}
		struct fields fs;
		double t;
		split(line, &fs);
		if ((fs.n == 1 && !*fs.f[0]) || parse_time(fs.f[0], &t))
			continue;            /* a blank line, or the header */
		trace_fill(a, &fs, t + a->loop_s, l);
		return 1;
	}
}

/* trace_next returns the next arrival of the trace and puts its line in
 * a->next: the next copy of the line in hand, or the next line's copies
 * (none, thinned; one; or more, scaled up). */
static int64_t trace_next(struct arrival *a)
{
	const struct arrival_cfg *c = a->cfg;
	for (;;) {
		if (a->copy_at < a->ncopies) {
			a->next = a->copy_line;
			a->next.t = a->copies[a->copy_at++];
			return arrival_at(0, a->next.t * 1e9);
		}
		if (!a->ahead_ok)
			return SIM_NEVER;
		struct arrival_line line = a->ahead;
		a->ahead_ok = trace_read(a, &a->ahead);
		/* a whole scale needs no draw */
		uint32_t m = (uint32_t)floor(c->scale);
		double frac = c->scale - floor(c->scale);
		if (frac > 0 && rng_uniform_pos(a->rng) < frac)
			m++;
		if (!m)
			continue;
		/* the first copy at the line's time; the others uniform
		 * before the next line's, in order */
		double span = a->ahead_ok ? a->ahead.t - line.t : 0;
		a->ncopies = 0;
		a->copy_at = 0;
		a->copies[a->ncopies++] = line.t;
		for (uint32_t i = 1; i < m; i++) {
			double t = line.t + span * rng_uniform_pos(a->rng);
			uint32_t j = a->ncopies++;
			while (j > 1 && a->copies[j - 1] > t) {
				a->copies[j] = a->copies[j - 1];
				j--;
			}
			a->copies[j] = t;
		}
		a->copy_line = line;
	}
}

/* ---- closed ---------------------------------------------------------- */

static const struct param closed_params[] = {
	{ .name = "users", .type = PARAM_UINT, PARAM_FIELD(struct arrival_cfg, users),
	  .umin = 1, .umax = ARRIVAL_MAX_USERS, .flags = PARAM_REQUIRED,
	  .doc = "users, each with one request at a time" },
	{ .name = "think", .type = PARAM_DIST, PARAM_FIELD(struct arrival_cfg, think),
	  .def = "0s", .doc = "time from the end of a user's request to its next one" },
	{ 0 }
};

static const struct param_table closed_table = {
	.params = closed_params,
	.size = sizeof(struct arrival_cfg),
};

/* ---- the variant, and the run ---------------------------------------- */

/* in the order of enum arrival_process */
const struct param_case arrival_cases[] = {
	{ .name = "poisson", .table = &open_table,
	  .doc = "Open loop, exponential gaps." },
	{ .name = "constant", .table = &open_table,
	  .doc = "Open loop, one request every 1/rate. The first comes at 1/rate." },
	{ .name = "profile", .table = &profile_table,
	  .doc = "Open loop, Poisson with a piecewise-linear rate: `points: [{at: 0s, rate: 100/s}, {at: 1h, rate: 400/s}]`. The first point must be at `0s` and times must increase. A rate may be `0`. After the last point the rate holds, unless `period` is given: then it returns linearly to the first point's rate at `period` and the whole profile repeats. Times count from the start of the run, warm-up included. Sampled exactly by inverting the integrated rate, so a low or spiky rate costs nothing extra." },
	{ .name = "mmpp", .table = &mmpp_table,
	  .doc = "Open loop, Markov-modulated Poisson: bursty traffic when no trace exists. `states: [{rate: 100/s, mean: 50s}, {rate: 2000/s, mean: 10s}]` is an on/off source: Poisson at each state's rate while it lasts, for an exponential time of mean `mean`, then the next state (the last returns to the first). The first state is drawn from the long-run shares (each state's mean over their sum), so a run starts in the process's steady state. The long-run mean rate is the rates weighted by those shares." },
	{ .name = "trace", .table = &trace_table,
	  .doc = "Open loop, replayed from a file: `{process: trace, file: access.csv, scale: 1.5, loop: true}`. Each line's time is an arrival; `key` and `kind` columns, when the header names them, give the request's key and kind in place of `keys` and `mix`. The file is read as the run goes, a line at a time, so memory does not grow with it; the checker reads it once through first." },
	{ .name = "closed", .table = &closed_table,
	  .doc = "Closed loop: each user issues a request, waits until it finishes (served or rejected), thinks, and issues the next. Users start by thinking." },
	{ 0 }
};

int arrival_init(struct arrival *a, const struct arrival_cfg *cfg, gsl_rng *rng,
		 const char *const *kinds, size_t nkinds)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	a->rng = rng;
	a->kinds = kinds;
	a->nkinds = nkinds;
	switch (cfg->process) {
	case ARRIVAL_POISSON:
	case ARRIVAL_CONSTANT:
		a->gap_mean_ns = 1e9 / cfg->rate_per_s;
		break;
	case ARRIVAL_MMPP:
		mmpp_start(a);
		break;
	case ARRIVAL_TRACE:
		if (!(a->copies = malloc((ARRIVAL_SCALE_MAX + 1) * sizeof *a->copies)))
			return SIM_ENOMEM;
		if (!(a->trace = fopen(cfg->file, "r")))
			return SIM_EIO;
		a->ahead_ok = trace_read(a, &a->ahead);
		break;
	case ARRIVAL_PROFILE:
	case ARRIVAL_CLOSED:
		break;
	}
	return 0;
}

int64_t arrival_next_slow(struct arrival *a, int64_t now)
{
	/* the arrival returned last is the one happening now */
	a->cur = a->next.row;
	switch (a->cfg->process) {
	case ARRIVAL_POISSON:
		/* the client's own xoshiro stream: no test of its type */
		return arrival_at(now, a->gap_mean_ns * rng_xoshiro_exp1(a->rng));
	case ARRIVAL_CONSTANT:
		/* the k-th arrival at round(k / rate), so rounding never adds
		 * up (3,000,000/s gives 3,000,000 a second, not 3,003,003) */
		return arrival_at(0, (double)++a->drawn * a->gap_mean_ns);
	case ARRIVAL_PROFILE:
		return profile_next(a, now);
	case ARRIVAL_MMPP:
		return mmpp_next(a, now);
	case ARRIVAL_TRACE:
		return trace_next(a);
	case ARRIVAL_CLOSED:
		break;
	}
	return SIM_NEVER;
}

double arrival_offered(const struct arrival_cfg *c, int64_t t0, int64_t t1)
{
	switch (c->process) {
	case ARRIVAL_POISSON:
	case ARRIVAL_CONSTANT:
		return c->rate_per_s;
	case ARRIVAL_PROFILE:
		if (t1 <= t0)
			return NAN;
		return (profile_area(c, (double)t1 * 1e-9) -
			profile_area(c, (double)t0 * 1e-9)) / ((double)(t1 - t0) * 1e-9);
	case ARRIVAL_MMPP:
		return c->mmpp_rate;
	case ARRIVAL_TRACE:
		/* the trace's mean rate over its length (a lower bound for a
		 * window it does not cover when it does not loop) */
		return c->trace_end_s > 0 ? (double)c->trace_rows * c->scale / c->trace_end_s : NAN;
	case ARRIVAL_CLOSED:
		break;
	}
	return NAN;
}

void arrival_fini(struct arrival *a)
{
	if (a->trace)
		fclose(a->trace);
	a->trace = NULL;
	free(a->copies);
	a->copies = NULL;
}
