/*
 * client.c - the client kind; see client.h.
 */
#include "models/client.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/keys.h"
#include "sim/rng.h"

#define CLIENT_MAX_USERS 10000000
#define CLIENT_MAX_POINTS 100000
#define CLIENT_MAX_CLASSES 1024

enum { CL_EV_ARRIVAL = 1, CL_EV_ISSUE = 2 };

enum arrival_process { ARR_POISSON, ARR_CONSTANT, ARR_PROFILE, ARR_MMPP, ARR_TRACE, ARR_CLOSED };

#define TRACE_LINE_MAX 4096
#define TRACE_SCALE_MAX 1000

#define CLIENT_MAX_STATES 64

struct profile_point {
	int64_t at_ns;
	double rate_per_s;
};

/* An MMPP state: its arrival rate, and the mean time it lasts. */
struct mmpp_state {
	double rate_per_s;
	int64_t mean_ns;
};

struct client_cfg {
	enum arrival_process process;
	struct mmpp_state *states;         /* mmpp: visited in turn */
	size_t nstates;
	double mmpp_rate;                  /* mmpp: its long-run mean rate */
	char *file;                        /* trace: its path, resolved */
	double scale;                      /* trace: thinning or copies */
	int loop;                          /* trace: repeat it */
	int key_col, kind_col;             /* trace: columns, or -1 */
	double trace_end_s;                /* trace: its last time */
	uint64_t trace_rows;
	double rate_per_s;                 /* poisson, constant */
	struct profile_point *points;      /* profile: sorted by time, first at 0 */
	size_t npoints;
	int64_t period_ns;                 /* profile: 0 = hold the last rate */
	double period_area;                /* profile: expected arrivals per period */
	uint32_t users;                    /* closed */
	struct dist think;                 /* closed */
	uint32_t target;
	/* keys: the variant chosen, its parameters, the sampler built */
	enum keys_kind key_dist;
	struct key_params {
		uint64_t n;
		double s, fraction, share;
	} keyp;
	int has_keys;
	struct keys keys;
	/* mix: request kinds and their shares, cumulated */
	struct share {
		char *name;
		double p;
		double cum;
		int write;                 /* the name begins with "write" */
	} *mix;
	size_t nmix;
	uint32_t connections;              /* 0: none declared */
};

struct client {
	const struct client_cfg *cfg;
	gsl_rng *rng_arrival;
	double gap_mean_ns;                /* poisson, constant */
	uint64_t wl_key;                   /* names this workload's requests in
					    * this replication */
	uint64_t issued;                   /* open loop: requests issued */
	uint64_t scanned;                  /* requests issued, every user's:
					    * the position of a sequential key */
	/* profile state */
	int64_t cycle_ns;                  /* start of the current period */
	size_t seg;                        /* current segment */
	/* mmpp state */
	size_t state;                      /* the state now */
	int64_t state_end_ns;              /* when it ends */
	/* trace state: the file, the row read ahead, copies still to come
	 * of the row in hand (times ascending), and the arrivals' rows */
	FILE *trace;
	double loop_s;                     /* added to times: loops so far */
	struct trace_row {
		double t;                  /* seconds, loop offset included */
		uint64_t key;
		int has_key;
		uint16_t cls;
		int write;
	} ahead, cur, next;
	int ahead_ok;                      /* `ahead` holds a row */
	double copies[TRACE_SCALE_MAX + 1];
	uint32_t ncopies, copy_at;
	struct trace_row copy_row;
};

/* profile_validate checks a profile's points as a whole (the first at 0,
 * times increasing, some rate above 0) and its period, and works out the
 * expected arrivals per period. */
static int profile_validate(struct check_ctx *ctx, const char *path,
			    const struct yt_node *arr, void *obj)
{
	struct client_cfg *c = obj;
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
	return 0;
}

/* mmpp_validate: some state must have arrivals; works out the mean rate
 * (each state's rate weighted by its mean duration). */
static int mmpp_validate(struct check_ctx *ctx, const char *path, const struct yt_node *arr,
			 void *obj)
{
	struct client_cfg *c = obj;
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
	return 0;
}

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

/* trace_fill reads row fields into r (time, key, kind as columns say). */
static void trace_fill(const struct client_cfg *c, const struct fields *fs, double t,
		       struct trace_row *r)
{
	r->t = t;
	r->has_key = 0;
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
		for (size_t i = 0; i < c->nmix; i++)
			if (!strcmp(k, c->mix[i].name)) {
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
	struct client_cfg *c = obj;
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

/* client_validate builds the key sampler and cumulates the mix. */
static int client_validate(struct check_ctx *ctx, const char *path,
			   const struct yt_node *map, void *obj)
{
	struct client_cfg *c = obj;
	char what[256];
	const struct yt_node *kn = yt_get(map, "keys");
	if (kn) {
		struct sim_err kerr;
		const struct key_params *k = &c->keyp;
		int rc = 0;
		switch (c->key_dist) {
		case KEYS_UNIFORM: rc = keys_uniform(&c->keys, k->n, &kerr); break;
		case KEYS_ZIPF: rc = keys_zipf(&c->keys, k->n, k->s, &kerr); break;
		case KEYS_HOTSET:
			rc = keys_hotset(&c->keys, k->n, k->fraction, k->share, &kerr);
			break;
		case KEYS_SEQUENTIAL: rc = keys_sequential(&c->keys, k->n, &kerr); break;
		}
		snprintf(what, sizeof what, "%s.keys", path);
		if (rc)
			return check_fail(ctx, kn, what, "%s", kerr.msg);
		c->has_keys = 1;
	}
	if (c->nmix) {
		double cum = 0;
		for (size_t i = 0; i < c->nmix; i++) {
			cum += c->mix[i].p;
			c->mix[i].cum = cum;
			c->mix[i].write = !strncmp(c->mix[i].name, "write", 5);
		}
		snprintf(what, sizeof what, "%s.mix", path);
		if (fabs(cum - 1) > 1e-6)
			return check_fail(ctx, yt_get(map, "mix"), what,
				       "the shares add up to %g; they must add up to 1", cum);
		c->mix[c->nmix - 1].cum = 1;
	}
	return 0;
}

static const struct param open_params[] = {
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct client_cfg, rate_per_s),
	  .flags = PARAM_REQUIRED, .doc = "requests per unit of time" },
	{ 0 }
};

static const struct param_table open_table = {
	.params = open_params,
	.size = sizeof(struct client_cfg),
};

static const struct param point_params[] = {
	{ .name = "at", .type = PARAM_DURATION, PARAM_FIELD(struct profile_point, at_ns),
	  .flags = PARAM_REQUIRED,
	  .doc = "time from the start of the run, warm-up included" },
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct profile_point, rate_per_s),
	  .flags = PARAM_REQUIRED | PARAM_ZERO, .doc = "the rate at that time" },
	{ 0 }
};

static const struct param_table point_table = {
	.params = point_params,
	.size = sizeof(struct profile_point),
};

static const struct param point_elem = {
	.type = PARAM_MAP, .size = sizeof(struct profile_point), .sub = &point_table,
};

static const struct param state_params[] = {
	{ .name = "rate", .type = PARAM_RATE, PARAM_FIELD(struct mmpp_state, rate_per_s),
	  .flags = PARAM_REQUIRED | PARAM_ZERO, .doc = "the arrival rate in this state (0: off)" },
	{ .name = "mean", .type = PARAM_DURATION, PARAM_FIELD(struct mmpp_state, mean_ns),
	  .flags = PARAM_REQUIRED, .min_ns = 1000,
	  .doc = "how long the state lasts on average (exponentially distributed)" },
	{ 0 }
};

static const struct param_table state_table = {
	.params = state_params,
	.size = sizeof(struct mmpp_state),
};

static const struct param state_elem = {
	.type = PARAM_MAP, .size = sizeof(struct mmpp_state), .sub = &state_table,
};

static const struct param mmpp_params[] = {
	{ .name = "states", .type = PARAM_LIST, PARAM_FIELD(struct client_cfg, states),
	  PARAM_COUNT(struct client_cfg, nstates), .flags = PARAM_REQUIRED,
	  .elem = &state_elem, .elem_size = sizeof(struct mmpp_state),
	  .min_len = 2, .max_len = CLIENT_MAX_STATES, .item = "states",
	  .shape = "{rate: RATE, mean: TIME}",
	  .doc = "the states, visited in turn (the last returns to the first)" },
	{ 0 }
};

static const struct param_table mmpp_table = {
	.params = mmpp_params,
	.size = sizeof(struct client_cfg),
	.validate = mmpp_validate,
};

static const struct param trace_params[] = {
	{ .name = "file", .type = PARAM_STRING, PARAM_FIELD(struct client_cfg, file),
	  .flags = PARAM_REQUIRED,
	  .doc = "a CSV file of arrivals, relative to the scenario's directory: the first column the time in seconds from the start of the run, in order; an optional header line naming the columns, of which `key` (a number, or any text, hashed) and `kind` (a name of `mix`, or `write...`) are used" },
	{ .name = "scale", .type = PARAM_NUMBER, PARAM_FIELD(struct client_cfg, scale),
	  .min = 1e-6, .max = TRACE_SCALE_MAX, .def = "1",
	  .doc = "the trace's load times this: below 1 each arrival is kept with probability `scale`; above, each gives floor(scale) arrivals, and one more with probability scale - floor(scale), the extra ones at uniform times before the trace's next arrival" },
	{ .name = "loop", .type = PARAM_BOOL, PARAM_FIELD(struct client_cfg, loop),
	  .def = "false",
	  .doc = "at its end, the trace starts again, shifted by its last time" },
	{ 0 }
};

static const struct param_table trace_table = {
	.params = trace_params,
	.size = sizeof(struct client_cfg),
	.validate = trace_validate,
};

static const struct param profile_params[] = {
	{ .name = "points", .type = PARAM_LIST, PARAM_FIELD(struct client_cfg, points),
	  PARAM_COUNT(struct client_cfg, npoints), .flags = PARAM_REQUIRED,
	  .elem = &point_elem, .elem_size = sizeof(struct profile_point),
	  .min_len = 1, .max_len = CLIENT_MAX_POINTS, .item = "points",
	  .shape = "{at: TIME, rate: RATE}",
	  .doc = "the rate at given times, linear in between; the first at `0s`, times increasing" },
	{ .name = "period", .type = PARAM_DURATION, PARAM_FIELD(struct client_cfg, period_ns),
	  .min_ns = 1, .def_doc = "none: the last rate holds",
	  .doc = "the profile repeats with this period, returning linearly to the first point's rate at its end" },
	{ 0 }
};

static const struct param_table profile_table = {
	.params = profile_params,
	.size = sizeof(struct client_cfg),
	.validate = profile_validate,
};

static const struct param closed_params[] = {
	{ .name = "users", .type = PARAM_UINT, PARAM_FIELD(struct client_cfg, users),
	  .umin = 1, .umax = CLIENT_MAX_USERS, .flags = PARAM_REQUIRED,
	  .doc = "users, each with one request at a time" },
	{ .name = "think", .type = PARAM_DIST, PARAM_FIELD(struct client_cfg, think),
	  .def = "0s", .doc = "time from the end of a user's request to its next one" },
	{ 0 }
};

static const struct param_table closed_table = {
	.params = closed_params,
	.size = sizeof(struct client_cfg),
};

/* in the order of enum arrival_process */
static const struct param_case arrival_cases[] = {
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

#define N_PARAM { \
	.name = "n", .type = PARAM_UINT, PARAM_FIELD(struct key_params, n), \
	.umin = 1, .umax = KEYS_ZIPF_N_MAX, .flags = PARAM_REQUIRED, \
	.doc = "number of keys: 0 to n - 1", \
}

static const struct param uniform_params[] = { N_PARAM, { 0 } };
static const struct param zipf_params[] = {
	N_PARAM,
	{ .name = "s", .type = PARAM_NUMBER, PARAM_FIELD(struct key_params, s),
	  .min = 0, .max = 100, .def = "1",
	  .doc = "exponent: key k (from 0) is drawn with probability proportional to (k + 1)^-s" },
	{ 0 }
};
static const struct param hotset_params[] = {
	N_PARAM,
	{ .name = "fraction", .type = PARAM_PROB, PARAM_FIELD(struct key_params, fraction),
	  .def = "0.2", .doc = "share of the keys that are hot: the first round(fraction n)" },
	{ .name = "share", .type = PARAM_PROB, PARAM_FIELD(struct key_params, share),
	  .def = "0.8", .doc = "share of the requests that go to a hot key" },
	{ 0 }
};

static const struct param_table uniform_table = {
	.params = uniform_params, .size = sizeof(struct key_params),
};
static const struct param_table zipf_table = {
	.params = zipf_params, .size = sizeof(struct key_params),
};
static const struct param_table hotset_table = {
	.params = hotset_params, .size = sizeof(struct key_params),
};

/* in the order of enum keys_kind */
static const struct param_case keys_cases[] = {
	{ .name = "uniform", .table = &uniform_table, .doc = "Every key equally likely." },
	{ .name = "zipf", .table = &zipf_table,
	  .doc = "Zipf's law over n keys, drawn exactly in O(1) time and memory by rejection-inversion (Hörmann and Derflinger 1996), for n up to 10^12." },
	{ .name = "hotset", .table = &hotset_table,
	  .doc = "A hot set of round(fraction n) keys receives `share` of the requests, uniformly; the rest go uniformly to the other keys." },
	{ .name = "sequential", .table = &uniform_table,
	  .doc = "Request k of the workload gets key k mod n (a scan)." },
	{ 0 }
};

static const struct param share_elem = {
	.type = PARAM_PROB, PARAM_FIELD(struct share, p),
	.doc = "the share of requests of this kind",
};

static const struct param client_params[] = {
	{ .name = "arrival", .type = PARAM_VARIANT, PARAM_FIELD(struct client_cfg, process),
	  .flags = PARAM_REQUIRED, .key = "process", .cases = arrival_cases,
	  .shape = "{process: poisson, rate: 10/s}",
	  .doc = "the arrival process, one of the six below" },
	{ .name = "target", .type = PARAM_NODE, PARAM_FIELD(struct client_cfg, target),
	  .flags = PARAM_REQUIRED, .doc = "the node that receives the requests" },
	{ .name = "keys", .type = PARAM_VARIANT, PARAM_FIELD(struct client_cfg, key_dist),
	  .sub_off = offsetof(struct client_cfg, keyp), .key = "dist",
	  .noun = "key distribution", .cases = keys_cases,
	  .shape = "{dist: zipf, n: 1000000, s: 0.99}",
	  .def_doc = "none: every request has key 0",
	  .doc = "the popularity of the keys requests carry (for caches, shards, hashing); drawn when the request is issued, carried by it and by all its calls" },
	{ .name = "mix", .type = PARAM_LIST, PARAM_FIELD(struct client_cfg, mix),
	  PARAM_COUNT(struct client_cfg, nmix), .flags = PARAM_KEYED, .elem = &share_elem,
	  .elem_size = sizeof(struct share), .name_off = offsetof(struct share, name),
	  .max_len = CLIENT_MAX_CLASSES, .item = "kinds", .shape = "{read: 0.95, write: 0.05}",
	  .def_doc = "one kind",
	  .doc = "kinds of request and their shares, adding up to 1; drawn when the request is issued, carried by it and by all its calls.  A kind whose name begins with `write` is a write (caches and databases treat writes apart: they update, invalidate and replicate); every other kind is a read" },
	{ .name = "connections", .type = PARAM_UINT, PARAM_FIELD(struct client_cfg, connections),
	  .umin = 1, .umax = CLIENT_MAX_USERS,
	  .def_doc = "open loop: a connection per request; closed loop: one per user",
	  .doc = "long-lived connections the workload's requests ride, each request on one drawn at random (its own draw). A layer-4 balancer pins each connection to a backend. A closed loop's users share them: user u rides connection u mod `connections`" },
	{ .name = "description", .type = PARAM_STRING, .doc = "free text" },
	{ 0 }
};

static const struct param_table client_table = {
	.params = client_params,
	.size = sizeof(struct client_cfg),
	.validate = client_validate,
	.doc = "Each entry of `workloads:` is a client that issues requests to its `target`. Open-loop clients never wait for replies, so a slow system meets the same demand as a fast one. Latency is measured from the moment the client issued the request, which avoids coordinated omission.",
};

/* seg_end_rate is the rate at the end of segment k (which starts at
 * points[k]): the next point's, or with a period the first point's. */
static double seg_end_rate(const struct client_cfg *c, size_t k)
{
	if (k + 1 < c->npoints)
		return c->points[k + 1].rate_per_s;
	return c->period_ns ? c->points[0].rate_per_s : c->points[k].rate_per_s;
}

/* seg_end_ns is where segment k ends: the next point, the period, or
 * never. */
static int64_t seg_end_ns(const struct client_cfg *c, size_t k)
{
	if (k + 1 < c->npoints)
		return c->points[k + 1].at_ns;
	return c->period_ns ? c->period_ns : SIM_NEVER;
}

/* at returns base + offset_ns rounded, or SIM_NEVER when the offset lies
 * beyond any run (a rate so low that the next arrival never comes): the
 * conversion of a huge or infinite double to int64 is undefined. */
static inline int64_t at(int64_t base, double offset_ns)
{
	if (!(offset_ns < (double)(INT64_MAX / 4)))
		return SIM_NEVER;
	return base + (int64_t)(offset_ns + 0.5);
}

/* profile_next returns the first arrival after t_ns (absolute time), or
 * SIM_NEVER.  See the essay in client.h: one unit exponential E is the
 * expected number of arrivals to wait for, and the integrated rate is
 * inverted for it. */
static int64_t profile_next(struct client *cl, int64_t t_ns)
{
	const struct client_cfg *c = cl->cfg;
	double e = rng_exp1(cl->rng_arrival);
	double t = (double)(t_ns - cl->cycle_ns) * 1e-9;   /* s into the period */
	for (;;) {
		size_t k = cl->seg;
		double t0 = (double)c->points[k].at_ns * 1e-9;
		int64_t end_ns = seg_end_ns(c, k);
		double r0 = c->points[k].rate_per_s;
		if (end_ns == SIM_NEVER) {
			/* the last rate holds for ever */
			return r0 > 0 ? at(cl->cycle_ns, (t + e / r0) * 1e9) : SIM_NEVER;
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
			return at(cl->cycle_ns, (t + d) * 1e9);
		}
		e -= left;
		t = t1;
		if (++cl->seg < c->npoints)
			continue;
		/* end of a period (there is one: without, the last segment
		 * never ends); whole periods are skipped by their area */
		cl->seg = 0;
		t = 0;
		double n = floor(e / c->period_area);
		if ((n + 1) * (double)c->period_ns >
		    (double)(INT64_MAX / 4 - cl->cycle_ns))
			return SIM_NEVER;                     /* beyond any run */
		cl->cycle_ns += ((int64_t)n + 1) * c->period_ns;
		e -= n * c->period_area;
		if (e < 0)
			e = 0;
	}
}

/* mmpp_hold draws how long state k lasts. */
static int64_t mmpp_hold(struct client *cl, size_t k)
{
	return at(0, (double)cl->cfg->states[k].mean_ns * rng_xoshiro_exp1(cl->rng_arrival));
}

/* mmpp_start draws the first state from the long-run shares and its
 * time left (exponential, so the same law as a whole stay). */
static void mmpp_start(struct client *cl)
{
	const struct client_cfg *c = cl->cfg;
	double total = 0, acc = 0;
	for (size_t i = 0; i < c->nstates; i++)
		total += (double)c->states[i].mean_ns;
	double u = rng_uniform_pos(cl->rng_arrival) * total;
	cl->state = c->nstates - 1;
	for (size_t i = 0; i < c->nstates; i++) {
		acc += (double)c->states[i].mean_ns;
		if (u < acc) {
			cl->state = i;
			break;
		}
	}
	cl->state_end_ns = mmpp_hold(cl, cl->state);
}

/* mmpp_next returns the first arrival after now: a gap at the present
 * state's rate, or, when the state ends first, the same from its end in
 * the next state (the gaps are memoryless, so starting afresh there is
 * exact). */
static int64_t mmpp_next(struct client *cl, int64_t now)
{
	const struct client_cfg *c = cl->cfg;
	for (int guard = 0; guard < 1000000; guard++) {
		double r = c->states[cl->state].rate_per_s;
		int64_t t = r > 0 ? at(now, 1e9 / r * rng_xoshiro_exp1(cl->rng_arrival)) : SIM_NEVER;
		if (t <= cl->state_end_ns)
			return t;
		now = cl->state_end_ns;
		cl->state = (cl->state + 1) % c->nstates;
		int64_t h = mmpp_hold(cl, cl->state);
		if (h == SIM_NEVER || now > INT64_MAX / 4 - h)
			return SIM_NEVER;
		cl->state_end_ns = now + h;
	}
	return SIM_NEVER;
}

/* trace_read reads the next arrival's line into r: 1, or 0 at the end
 * (after looping back, with loop). */
static int trace_read(struct client *cl, struct trace_row *r)
{
	const struct client_cfg *c = cl->cfg;
	char line[TRACE_LINE_MAX];
	int looped = 0;
	for (;;) {
		if (!fgets(line, sizeof line, cl->trace)) {
			if (!c->loop || looped)
				return 0;
			/* again from the top, shifted by the trace's length */
			rewind(cl->trace);
			cl->loop_s += c->trace_end_s;
			looped = 1;
			continue;
		}
		struct fields fs;
		double t;
		split(line, &fs);
		if ((fs.n == 1 && !*fs.f[0]) || parse_time(fs.f[0], &t))
			continue;            /* a blank line, or the header */
		trace_fill(c, &fs, t + cl->loop_s, r);
		return 1;
	}
}

/* trace_next returns the next arrival of the trace and puts its line in
 * cl->next: the next copy of the line in hand, or the next line's
 * copies (none, thinned; one; or more, scaled up). */
static int64_t trace_next(struct client *cl)
{
	const struct client_cfg *c = cl->cfg;
	for (;;) {
		if (cl->copy_at < cl->ncopies) {
			cl->next = cl->copy_row;
			cl->next.t = cl->copies[cl->copy_at++];
			return at(0, cl->next.t * 1e9);
		}
		if (!cl->ahead_ok)
			return SIM_NEVER;
		struct trace_row row = cl->ahead;
		cl->ahead_ok = trace_read(cl, &cl->ahead);
		/* a whole scale needs no draw */
		uint32_t m = (uint32_t)floor(c->scale);
		double frac = c->scale - floor(c->scale);
		if (frac > 0 && rng_uniform_pos(cl->rng_arrival) < frac)
			m++;
		if (!m)
			continue;
		/* the first copy at the line's time; the others uniform
		 * before the next line's, in order */
		double span = cl->ahead_ok ? cl->ahead.t - row.t : 0;
		cl->ncopies = 0;
		cl->copy_at = 0;
		cl->copies[cl->ncopies++] = row.t;
		for (uint32_t i = 1; i < m; i++) {
			double t = row.t + span * rng_uniform_pos(cl->rng_arrival);
			uint32_t j = cl->ncopies++;
			while (j > 1 && cl->copies[j - 1] > t) {
				cl->copies[j] = cl->copies[j - 1];
				j--;
			}
			cl->copies[j] = t;
		}
		cl->copy_row = row;
	}
}

static int64_t next_arrival(struct client *cl, int64_t now)
{
	switch (cl->cfg->process) {
	case ARR_POISSON:
		/* the client's own xoshiro stream: no test of its type */
		return at(now, cl->gap_mean_ns * rng_xoshiro_exp1(cl->rng_arrival));
	case ARR_CONSTANT:
		/* the k-th arrival at round(k / rate), so rounding never adds
		 * up (3,000,000/s gives 3,000,000 a second, not 3,003,003) */
		return at(0, (double)(cl->issued + 1) * cl->gap_mean_ns);
	case ARR_PROFILE:
		return profile_next(cl, now);
	case ARR_MMPP:
		return mmpp_next(cl, now);
	case ARR_TRACE:
		return trace_next(cl);
	case ARR_CLOSED:
		break;
	}
	return SIM_NEVER;
}

/* ident names a request of this workload: issue k of the open loop, or
 * the k-th request of closed-loop user u.  A closed loop's requests are
 * named by user, not by the order they happen to be issued in, so a
 * faster system does not give a user's 10th request another identity. */
static inline uint64_t ident(const struct client *cl, uint32_t u, uint64_t k)
{
	/* open loop: a Weyl sequence from the workload's key, mixed */
	if (cl->cfg->process != ARR_CLOSED)
		return rng_mix64(cl->wl_key + k * RNG_GAMMA);
	return rng_key(rng_key(cl->wl_key, u), k);
}

/* think_ns draws user u's think time before its request k, from the
 * identity of that request. */
static int64_t think_ns(struct sim *s, const struct client *cl, uint32_t u,
			uint64_t k)
{
	struct request r = { .ident = ident(cl, u, k) };
	return dist_sample_ns(&cl->cfg->think, sim_draws(s, &r, SIM_DRAW_THINK));
}

static int client_init(struct sim *s, struct sim_node *n)
{
	const struct client_cfg *c = n->sc->cfg;
	struct client *cl = calloc(1, sizeof *cl);
	n->state = cl;
	if (!cl)
		return SIM_ENOMEM;
	cl->cfg = c;
	cl->wl_key = rng_key(s->run_key, rng_hash64(n->sc->name, 0));
	cl->rng_arrival = sim_stream(s, n, "arrival");
	if (!cl->rng_arrival)
		return SIM_ENOMEM;
	if (c->process == ARR_CLOSED) {
		/* users start by thinking, so they do not all arrive at 0 */
		for (uint32_t u = 0; u < c->users; u++)
			if (!sim_schedule(s, think_ns(s, cl, u, 0), n->id, CL_EV_ISSUE,
					  NULL, u))
				return SIM_ENOMEM;
	} else {
		if (c->process == ARR_POISSON || c->process == ARR_CONSTANT)
			cl->gap_mean_ns = 1e9 / c->rate_per_s;
		if (c->process == ARR_MMPP)
			mmpp_start(cl);
		if (c->process == ARR_TRACE) {
			if (!(cl->trace = fopen(c->file, "r")))
				return SIM_EIO;
			cl->ahead_ok = trace_read(cl, &cl->ahead);
		}
		int64_t t = next_arrival(cl, 0);
		if (t != SIM_NEVER && !sim_schedule(s, t, n->id, CL_EV_ARRIVAL, NULL, 0))
			return SIM_ENOMEM;
	}
	return 0;
}

static void client_fini(struct sim *s, struct sim_node *n)
{
	struct client *cl = n->state;
	if (!cl)
		return;
	if (cl->rng_arrival)
		gsl_rng_free(cl->rng_arrival);
	if (cl->trace)
		fclose(cl->trace);
	free(cl);
	n->state = NULL;
}

static void issue(struct sim *s, struct sim_node *n, struct client *cl,
		  uint32_t user, uint64_t k)
{
	struct request *req = sim_request_new(s);
	if (!req)
		return;
	req->client = n->id;
	req->reply_to = n->id;
	req->user = user;
	req->issue = k;
	req->ident = ident(cl, user, k);
	const struct client_cfg *c = cl->cfg;
	/* a sequential key follows the workload's issues, not a user's */
	uint64_t nth = cl->scanned++;
	/* a trace's key and kind, where it has them, stand for the draws
	 * (each draw is named by the request and its purpose, so leaving
	 * one out changes no other) */
	if (c->process == ARR_TRACE && cl->cur.has_key)
		req->key = cl->cur.key;
	else if (c->has_keys)
		req->key = keys_sample(&c->keys, sim_draws(s, req, SIM_DRAW_KEY), nth);
	if (c->process == ARR_TRACE && c->kind_col >= 0) {
		/* a mix kind by name, and a write by its name */
		req->cls = cl->cur.cls;
		req->write = (uint8_t)cl->cur.write;
	} else if (c->nmix) {
		if (c->nmix > 1) {
			double u = rng_uniform_pos(sim_draws(s, req, SIM_DRAW_CLASS));
			uint16_t i = 0;
			while (u >= c->mix[i].cum)
				i++;
			req->cls = i;
		}
		req->write = (uint8_t)c->mix[req->cls].write;
	}
	if (c->process == ARR_CLOSED)
		req->conn = c->connections ? user % c->connections : user;
	else if (c->connections)
		/* an open loop's connection is its session, for databases: it
		 * goes in user, which calls carry to their children */
		req->user = req->conn = (uint32_t)(rng_uniform_pos(sim_draws(s, req, SIM_DRAW_CONN)) *
						   c->connections);
	sim_measure_arrival(s, req);
	sim_send(s, cl->cfg->target, req);
}

/* Closed-loop issue events carry the user and its request number. */
#define CL_USER_BITS 24
#define CL_USER_MASK ((1u << CL_USER_BITS) - 1)

static void client_event(struct sim *s, struct sim_node *n, struct event *ev)
{
	struct client *cl = n->state;
	if (ev->kind == CL_EV_ARRIVAL) {
		/* schedule the next one first: the send below may take long
		 * paths, and the order of draws must not depend on them */
		uint64_t k = cl->issued++;
		cl->cur = cl->next;          /* a trace's line for this one */
		int64_t t = next_arrival(cl, s->now_ns);
		if (t != SIM_NEVER)
			sim_schedule(s, t, n->id, CL_EV_ARRIVAL, NULL, 0);
		issue(s, n, cl, 0, k);
		return;
	}
	issue(s, n, cl, (uint32_t)(ev->arg & CL_USER_MASK), ev->arg >> CL_USER_BITS);
}

static void client_done(struct sim *s, struct sim_node *n, struct request *req)
{
	struct client *cl = n->state;
	const struct client_cfg *c = cl->cfg;
	sim_measure_done(s, req);
	if (c->process == ARR_CLOSED) {
		uint64_t k = req->issue + 1;
		sim_schedule(s, s->now_ns + think_ns(s, cl, req->user, k), n->id,
			     CL_EV_ISSUE, NULL, k << CL_USER_BITS | req->user);
	}
	sim_request_free(s, req);
}

/* profile_area is the integral of the profile's rate from 0 to t_s
 * (seconds): expected arrivals. */
static double profile_area(const struct client_cfg *c, double t_s)
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

static double client_offered(const void *cfg, int64_t t0, int64_t t1)
{
	const struct client_cfg *c = cfg;
	switch (c->process) {
	case ARR_POISSON:
	case ARR_CONSTANT:
		return c->rate_per_s;
	case ARR_PROFILE:
		if (t1 <= t0)
			return NAN;
		return (profile_area(c, (double)t1 * 1e-9) -
			profile_area(c, (double)t0 * 1e-9)) / ((double)(t1 - t0) * 1e-9);
	case ARR_MMPP:
		return c->mmpp_rate;
	case ARR_TRACE:
		/* the trace's mean rate over its length (a lower bound for a
		 * window it does not cover when it does not loop) */
		return c->trace_end_s > 0 ? (double)c->trace_rows * c->scale / c->trace_end_s : NAN;
	case ARR_CLOSED:
		break;
	}
	return NAN;
}

static double client_route(const void *cfg, size_t i, uint32_t *to)
{
	const struct client_cfg *c = cfg;
	if (i > 0)
		return -1;
	*to = c->target;
	return 1;
}

const struct model_ops client_ops = {
	.kind = "client",
	.summary = "open-loop arrivals or closed-loop users",
	.params = &client_table,
	.init = client_init,
	.done = client_done,
	.event = client_event,
	.fini = client_fini,
	.route = client_route,
	.offered = client_offered,
};
