/*
 * trace.c - Chrome trace-event JSON of a run's first requests; see
 * trace.h.
 *
 * The hook keeps one record per traced request (a client's, or a call's
 * child), found by the request's identity in an open-addressing table:
 * its process and thread, its caller, and the visit in progress.  Times
 * are written in microseconds with nanosecond digits.  One event per
 * line, so the file is easy to read and to check.
 */
#include "app/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/outfile.h"
#include "sim/rng.h"
#include "sim/sim.h"

int trace_parse(const char *arg, uint64_t *count, double *share)
{
	char *end;
	errno = 0;
	*count = 0;
	*share = 0;
	if (strpbrk(arg, ".eE")) {
		double x = strtod(arg, &end);
		if (end == arg || *end || errno || !(x > 0 && x < 1))
			return -1;
		*share = x;
		return 0;
	}
	unsigned long long n = strtoull(arg, &end, 10);
	if (end == arg || *end || errno || n < 1 || *arg == '-')
		return -1;
	*count = n;
	return 0;
}

struct treq {
	uint64_t ident;
	uint32_t pid, tid;
	uint32_t parent;             /* the caller's record, or UINT32_MAX */
	uint32_t root;               /* the record of its client's request */
	uint32_t next_tid;           /* a root's: its calls' next thread */
	uint32_t attempt;
	int32_t node;                /* the visit's node, or -1 */
	int64_t arrive_ns, served_ns;   /* the visit's arrival, first service */
	int64_t birth_ns;
	uint64_t flow;               /* the arrow to end at its first arrival */
	int named;
};

struct tw {
	FILE *f;
	const struct scenario *sc;
	struct treq *r;
	size_t n, cap;
	uint32_t *tab;               /* index + 1, or 0 */
	size_t tabcap;
	uint64_t count, issued, flows;
	double share;
	uint32_t pids;
	int oom;
};

static uint32_t find(const struct tw *w, uint64_t ident)
{
	if (!w->tabcap)
		return UINT32_MAX;
	size_t i = rng_mix64(ident) & (w->tabcap - 1);
	while (w->tab[i]) {
		if (w->r[w->tab[i] - 1].ident == ident)
			return w->tab[i] - 1;
		i = (i + 1) & (w->tabcap - 1);
	}
	return UINT32_MAX;
}

/* add makes a record for ident; UINT32_MAX when memory ran out. */
static uint32_t add(struct tw *w, uint64_t ident)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct treq *r = realloc(w->r, cap * sizeof *r);
		if (!r)
			goto oom;
		w->r = r;
		w->cap = cap;
	}
	if (2 * (w->n + 1) > w->tabcap) {
		size_t cap = w->tabcap ? 2 * w->tabcap : 128;
		uint32_t *t = calloc(cap, sizeof *t);
		if (!t)
			goto oom;
		for (size_t k = 0; k < w->n; k++) {
			size_t i = rng_mix64(w->r[k].ident) & (cap - 1);
			while (t[i])
				i = (i + 1) & (cap - 1);
			t[i] = (uint32_t)k + 1;
		}
		free(w->tab);
		w->tab = t;
		w->tabcap = cap;
	}
	uint32_t k = (uint32_t)w->n++;
	memset(&w->r[k], 0, sizeof w->r[k]);
	w->r[k].ident = ident;
	w->r[k].node = -1;
	w->r[k].parent = UINT32_MAX;
	size_t i = rng_mix64(ident) & (w->tabcap - 1);
	while (w->tab[i])
		i = (i + 1) & (w->tabcap - 1);
	w->tab[i] = k + 1;
	return k;
oom:
	w->oom = 1;
	return UINT32_MAX;
}

static void us(FILE *f, int64_t ns)
{
	fprintf(f, "%lld.%03lld", (long long)(ns / 1000), (long long)(ns % 1000));
}

/* span writes a complete ("X") event. */
static void span(struct tw *w, const struct treq *x, const char *name, const char *cat,
		 int64_t t0, int64_t t1, const char *args)
{
	fprintf(w->f, ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":",
		name, cat, x->pid, x->tid);
	us(w->f, t0);
	fputs(",\"dur\":", w->f);
	us(w->f, t1 - t0);
	if (args)
		fprintf(w->f, ",\"args\":{%s}", args);
	fputc('}', w->f);
}

static void name_thread(struct tw *w, const struct treq *x, const char *name)
{
	fprintf(w->f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
		"\"args\":{\"name\":\"%s\"}}", x->pid, x->tid, name);
}

/* close_visit ends x's visit in progress at t with `how`. */
static void close_visit(struct tw *w, struct treq *x, int64_t t, const char *how)
{
	if (x->node < 0)
		return;
	char args[160];
	snprintf(args, sizeof args, "\"status\":\"%s\",\"attempt\":%u", how, x->attempt);
	span(w, x, w->sc->nodes[x->node].name, "visit", x->arrive_ns, t, args);
	x->node = -1;
}

static void on_trace(void *arg, const struct sim_trace_ev *ev)
{
	struct tw *w = arg;
	const struct request *req = ev->req;
	uint32_t k = find(w, req->ident);
	struct treq *x = k == UINT32_MAX ? NULL : &w->r[k];
	char buf[200];
	switch (ev->what) {
	case SIM_TR_ISSUE: {
		int take = w->count ? w->issued < w->count :
			   (double)(rng_mix64(req->ident) >> 11) * 0x1p-53 < w->share;
		w->issued++;
		if (!take || x || (k = add(w, req->ident)) == UINT32_MAX)
			return;
		x = &w->r[k];
		x->pid = ++w->pids;
		x->tid = 1;
		x->root = k;
		x->next_tid = 2;
		x->birth_ns = ev->t_ns;
		const char *wl = w->sc->nodes[req->client].name;
		fprintf(w->f, ",\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,"
			"\"args\":{\"name\":\"request %u (%s)\"}}", x->pid, x->pid, wl);
		fprintf(w->f, ",\n{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%u,"
			"\"args\":{\"sort_index\":%u}}", x->pid, x->pid);
		snprintf(buf, sizeof buf, "%s (client)", wl);
		name_thread(w, x, buf);
		x->named = 1;
		return;
	}
	case SIM_TR_CHILD: {
		uint32_t pk = find(w, ev->parent->ident);
		if (pk == UINT32_MAX || x || (k = add(w, req->ident)) == UINT32_MAX)
			return;
		x = &w->r[k];
		struct treq *p = &w->r[pk], *root = &w->r[p->root];
		x->pid = p->pid;
		x->tid = root->next_tid++;
		x->root = p->root;
		x->parent = pk;
		x->attempt = req->attempt;
		x->flow = ++w->flows;
		fprintf(w->f, ",\n{\"name\":\"call\",\"cat\":\"call\",\"ph\":\"s\",\"id\":%llu,"
			"\"pid\":%u,\"tid\":%u,\"ts\":", (unsigned long long)x->flow, p->pid, p->tid);
		us(w->f, ev->t_ns);
		fputc('}', w->f);
		return;
	}
	case SIM_TR_ARRIVE:
		if (!x)
			return;
		close_visit(w, x, ev->t_ns, "forwarded");
		x->node = (int32_t)ev->node;
		x->arrive_ns = ev->t_ns;
		x->served_ns = -1;
		if (!x->named) {
			const char *to = w->sc->nodes[ev->node].name;
			if (x->attempt)
				snprintf(buf, sizeof buf, "attempt %u: call to %s", x->attempt + 1, to);
			else
				snprintf(buf, sizeof buf, "call to %s", to);
			name_thread(w, x, buf);
			x->named = 1;
		}
		if (x->flow) {
			fprintf(w->f, ",\n{\"name\":\"call\",\"cat\":\"call\",\"ph\":\"f\",\"bp\":\"e\","
				"\"id\":%llu,\"pid\":%u,\"tid\":%u,\"ts\":",
				(unsigned long long)x->flow, x->pid, x->tid);
			us(w->f, ev->t_ns);
			fputc('}', w->f);
			x->flow = 0;
		}
		return;
	case SIM_TR_SERVICE:
		if (!x || x->node < 0)
			return;
		if (x->served_ns < 0) {
			x->served_ns = ev->t_ns;
			if (ev->t_ns > x->arrive_ns)
				span(w, x, "queue", "queue", x->arrive_ns, ev->t_ns, NULL);
		}
		span(w, x, "service", "service", ev->t_ns, ev->t_ns + ev->demand_ns, NULL);
		return;
	case SIM_TR_END:
		if (x)
			close_visit(w, x, ev->t_ns, req_status_name(req->status));
		return;
	case SIM_TR_TIMEOUT:
		if (!x)
			return;
		for (int i = 0; i < 2; i++) {
			const struct treq *on = i == 0 ? x :
				x->parent != UINT32_MAX ? &w->r[x->parent] : NULL;
			if (!on)
				continue;
			fprintf(w->f, ",\n{\"name\":\"timeout\",\"cat\":\"timeout\",\"ph\":\"i\",\"s\":\"t\","
				"\"pid\":%u,\"tid\":%u,\"ts\":", on->pid, on->tid);
			us(w->f, ev->t_ns);
			fputc('}', w->f);
		}
		return;
	case SIM_TR_DONE:
		if (!x)
			return;
		close_visit(w, x, ev->t_ns, req_status_name(req->status));
		snprintf(buf, sizeof buf, "\"status\":\"%s\",\"latency_us\":%.3f",
			 req_status_name(req->status), (double)(ev->t_ns - x->birth_ns) * 1e-3);
		span(w, x, "request", "request", x->birth_ns, ev->t_ns, buf);
		return;
	}
}

int trace_write(const struct scenario *sc, uint64_t count, double share, const char *dir,
		volatile sig_atomic_t *stop, struct sim_err *err)
{
	struct outfile out;
	int rc = outfile_open(&out, dir, "trace.json", err);
	if (rc)
		return rc;
	struct tw w = { .sc = sc, .count = count, .share = share, .f = out.f };
	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"scenario\":\"", w.f);
	for (const char *c = sc->name; *c; c++)
		fputc(*c == '"' || *c == '\\' ? '_' : *c, w.f);
	/* the list opens with the run's own name, so that every event
	 * after it is written as ",\n{...}" */
	fputs("\",\"replication\":0},\n\"traceEvents\":[\n"
	      "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"args\":{\"name\":\"", w.f);
	for (const char *c = sc->name; *c; c++)
		fputc(*c == '"' || *c == '\\' ? '_' : *c, w.f);
	fputs(" (archsim)\"}}", w.f);
	struct rep_result res;
	struct sim_hooks hooks = { .stop = stop, .trace = on_trace, .arg = &w };
	rc = rep_result_init(&res, sc) ? sim_errf(err, SIM_ENOMEM, "out of memory") : 0;
	if (rc == 0)
		rc = sim_run(sc, 0, &res, &hooks, err);
	rep_result_fini(&res);
	if (rc == 0 && w.oom)
		rc = sim_errf(err, SIM_ENOMEM, "out of memory");
	fputs("\n]}\n", w.f);
	if (rc)
		outfile_abort(&out);
	else
		rc = outfile_commit(&out, err);
	free(w.r);
	free(w.tab);
	return rc;
}
