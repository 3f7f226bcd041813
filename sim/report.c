/*
 * report.c - summaries and CSV output; see report.h.
 */
#include "sim/report.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/stats.h"

static const char *const metric_names[RM_COUNT] = {
	"throughput_per_s", "latency_mean_s", "latency_p50_s", "latency_p90_s",
	"latency_p99_s", "latency_p999_s", "reject_ratio",
};

/* The quantile behind each percentile metric. */
static const double metric_q[RM_COUNT] = {
	[RM_P50] = 0.5, [RM_P90] = 0.9, [RM_P99] = 0.99, [RM_P999] = 0.999,
};

int report_init(struct report *r, const struct scenario_set *set,
		const char *version)
{
	memset(r, 0, sizeof *r);
	r->set = set;
	r->version = version;
	r->points = calloc(set->npoints, sizeof *r->points);
	return r->points ? 0 : SIM_ENOMEM;
}

void report_fini(struct report *r)
{
	for (size_t i = 0; r->points && i < r->set->npoints; i++) {
		hist_fini(&r->points[i].latency);
		free(r->points[i].nodes);
		free(r->points[i].ts);
	}
	free(r->points);
	r->points = NULL;
}

int report_add_point(struct report *r, size_t p, const struct rep_result *reps,
		     uint32_t n)
{
	const struct scenario *sc = r->set->points[p];
	struct report_point *pt = &r->points[p];
	if (n == 0)
		return 0;
	double *x = calloc(n, sizeof *x);
	pt->nodes = calloc(sc->ncomponents ? sc->ncomponents : 1, sizeof *pt->nodes);
	pt->nts = reps[0].nts;
	pt->ts = calloc(pt->nts ? pt->nts : 1, sizeof *pt->ts);
	if (!x || !pt->nodes || !pt->ts || hist_init(&pt->latency)) {
		free(x);
		return SIM_ENOMEM;
	}
	pt->replications = n;
	pt->complete = n == sc->replications;
	for (uint32_t i = 0; i < n; i++) {
		pt->arrivals += reps[i].arrivals;
		pt->completed += reps[i].completed;
		pt->rejected += reps[i].rejected;
		r->events += reps[i].events;
		r->requests += reps[i].requests;
		hist_merge(&pt->latency, &reps[i].latency);
		if (!reps[i].complete)
			pt->complete = 0;
	}
	for (int m = 0; m < RM_COUNT; m++) {
		for (uint32_t i = 0; i < n; i++) {
			const struct rep_result *q = &reps[i];
			const struct hist *h = &q->latency;
			double v = NAN;
			switch (m) {
			case RM_THROUGHPUT:
				v = q->duration_s > 0 ? q->completed / q->duration_s : NAN;
				break;
			case RM_LATENCY_MEAN:
				v = h->total ? hist_mean(h) * 1e-9 : NAN;
				break;
			case RM_P50:
			case RM_P90:
			case RM_P99:
			case RM_P999:
				v = h->total ? hist_quantile(h, metric_q[m]) * 1e-9 : NAN;
				break;
			case RM_REJECT_RATIO:
				v = q->arrivals ? (double)q->rejected / q->arrivals : NAN;
				break;
			}
			x[i] = v;
		}
		stats_ci95(x, n, &pt->mean[m], &pt->ci95[m]);
	}
	for (size_t k = 0; k < sc->ncomponents; k++) {
		struct report_node *rn = &pt->nodes[k];
		for (uint32_t i = 0; i < n; i++) {
			const struct node_result *nr = &reps[i].nodes[k];
			rn->arrivals += nr->arrivals;
			rn->completed += nr->completed;
			rn->rejected += nr->rejected;
		}
		/* means over the replications that measured something (a node
		 * that served nothing in one replication reports NaN there) */
		static const size_t field[] = {
			offsetof(struct node_result, utilization),
			offsetof(struct node_result, queue_len_mean),
			offsetof(struct node_result, wait_mean_s),
			offsetof(struct node_result, latency_mean_s),
			offsetof(struct node_result, waited_ratio),
		};
		double *out[] = {
			&rn->utilization, &rn->queue_len_mean, &rn->wait_mean_s,
			&rn->latency_mean_s, &rn->waited_ratio,
		};
		for (size_t f = 0; f < sizeof field / sizeof field[0]; f++) {
			double half;
			for (uint32_t i = 0; i < n; i++)
				x[i] = *(const double *)((const char *)&reps[i].nodes[k] + field[f]);
			stats_ci95(x, n, out[f], f == 0 ? &rn->utilization_ci95 : &half);
		}
	}
	int64_t w = reps[0].ts_window_ns;
	int64_t end = sc->warmup_ns + sc->duration_ns;
	for (size_t t = 0; t < pt->nts; t++) {
		struct report_window *rw = &pt->ts[t];
		int64_t start = (int64_t)t * w;
		int64_t len = end - start < w ? end - start : w;
		double comp = 0, rej = 0;
		for (uint32_t i = 0; i < n; i++) {
			comp += reps[i].ts[t].completed;
			rej += reps[i].ts[t].rejected;
		}
		rw->t_s = start * 1e-9;
		rw->throughput_per_s = comp / n / (len * 1e-9);
		rw->rejected = rej / n;
		for (uint32_t i = 0; i < n; i++)
			x[i] = reps[i].ts[t].p50_s;
		double half;
		stats_ci95(x, n, &rw->p50_s, &half);
		for (uint32_t i = 0; i < n; i++)
			x[i] = reps[i].ts[t].p99_s;
		stats_ci95(x, n, &rw->p99_s, &half);
	}
	free(x);
	return 0;
}

/* num prints a double for CSV: %.9g, NaN for missing. */
static void num(FILE *f, double v)
{
	if (isnan(v))
		fputs(",NaN", f);
	else
		fprintf(f, ",%.9g", v);
}

/* csv_field prints a string as a CSV field, quoted when it must be. */
static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

static void write_summary(const struct report *r, FILE *f)
{
	const struct scenario_set *set = r->set;
	fputs("point", f);
	for (size_t i = 0; i < set->nparams; i++) {
		fputc(',', f);
		csv_field(f, set->param_paths[i]);
	}
	fputs(",replications,arrivals,completed,rejected", f);
	for (int m = 0; m < RM_COUNT; m++)
		fprintf(f, ",%s,%s_ci95", metric_names[m], metric_names[m]);
	fputs(",complete,seed,scenario_hash,version\n", f);
	for (size_t p = 0; p < r->set->npoints; p++) {
		/* a point with no replication (a run stopped before it) still
		 * gets its row, so the file says what is missing */
		const struct report_point *pt = &r->points[p];
		fprintf(f, "%zu", p);
		for (size_t i = 0; i < set->nparams; i++) {
			fputc(',', f);
			csv_field(f, set->param_values[p * set->nparams + i]);
		}
		fprintf(f, ",%u,%llu,%llu,%llu", pt->replications,
			(unsigned long long)pt->arrivals,
			(unsigned long long)pt->completed,
			(unsigned long long)pt->rejected);
		for (int m = 0; m < RM_COUNT; m++) {
			num(f, pt->replications ? pt->mean[m] : NAN);
			num(f, pt->replications ? pt->ci95[m] : NAN);
		}
		fprintf(f, ",%s,%llu,%016llx,%s\n", pt->complete ? "true" : "false",
			(unsigned long long)set->points[p]->seed,
			set->points[p]->hash, r->version);
	}
}

static void write_nodes(const struct report *r, FILE *f)
{
	fputs("point,node,arrivals,completed,rejected,utilization,queue_len_mean,"
	      "wait_mean_s,latency_mean_s,utilization_ci95,waited_ratio\n", f);
	for (size_t p = 0; p < r->set->npoints; p++) {
		const struct report_point *pt = &r->points[p];
		const struct scenario *sc = r->set->points[p];
		if (!pt->replications)
			continue;
		for (size_t k = 0; k < sc->ncomponents; k++) {
			const struct report_node *n = &pt->nodes[k];
			fprintf(f, "%zu,", p);
			csv_field(f, sc->nodes[k].name);
			fprintf(f, ",%llu,%llu,%llu", (unsigned long long)n->arrivals,
				(unsigned long long)n->completed,
				(unsigned long long)n->rejected);
			num(f, n->utilization);
			num(f, n->queue_len_mean);
			num(f, n->wait_mean_s);
			num(f, n->latency_mean_s);
			num(f, n->utilization_ci95);
			num(f, n->waited_ratio);
			fputc('\n', f);
		}
	}
}

static void write_latency(const struct report *r, FILE *f)
{
	fputs("point,le_s,count,cdf\n", f);
	for (size_t p = 0; p < r->set->npoints; p++) {
		const struct hist *h = &r->points[p].latency;
		if (!r->points[p].replications || !h->total)
			continue;
		uint64_t cum = 0;
		for (size_t i = 0; i < HIST_NBUCKETS; i++) {
			if (!h->counts[i])
				continue;
			cum += h->counts[i];
			fprintf(f, "%zu,%.9g,%llu,%.9g\n", p,
				(double)hist_bucket_hi(i) * 1e-9,
				(unsigned long long)h->counts[i],
				(double)cum / (double)h->total);
		}
	}
}

static void write_timeseries(const struct report *r, FILE *f)
{
	fputs("point,t_s,throughput_per_s,latency_p50_s,latency_p99_s,rejected\n", f);
	for (size_t p = 0; p < r->set->npoints; p++) {
		const struct report_point *pt = &r->points[p];
		for (size_t t = 0; pt->replications && t < pt->nts; t++) {
			const struct report_window *w = &pt->ts[t];
			fprintf(f, "%zu,%.9g", p, w->t_s);
			num(f, w->throughput_per_s);
			num(f, w->p50_s);
			num(f, w->p99_s);
			num(f, w->rejected);
			fputc('\n', f);
		}
	}
}

static int mkdir_p(const char *dir)
{
	char buf[4096];
	if (!*dir) {
		errno = ENOENT;
		return -1;
	}
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(buf, &st) || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	void (*write)(const struct report *, FILE *);
} outputs[] = {
	{ "summary.csv", write_summary },
	{ "nodes.csv", write_nodes },
	{ "latency.csv", write_latency },
	{ "timeseries.csv", write_timeseries },
};
#define NOUTPUTS (sizeof outputs / sizeof outputs[0])

int report_write(const struct report *r, const char *dir, struct sim_err *err)
{
	char tmp[NOUTPUTS][4200], fin[NOUTPUTS][4200];
	size_t made = 0;
	int rc = 0;

	if (mkdir_p(dir))
		return sim_errf(err, SIM_EIO, "%s: cannot create output directory: %s",
				dir, strerror(errno));
	for (; made < NOUTPUTS; made++) {
		snprintf(fin[made], sizeof fin[made], "%s/%s", dir, outputs[made].name);
		snprintf(tmp[made], sizeof tmp[made], "%s/.%s.%ld.tmp", dir,
			 outputs[made].name, (long)getpid());
		FILE *f = fopen(tmp[made], "w");
		if (!f) {
			rc = sim_errf(err, SIM_EIO, "%s: cannot write: %s", tmp[made],
				      strerror(errno));
			break;
		}
		outputs[made].write(r, f);
		int bad = ferror(f);
		int e = errno;
		if (fflush(f) || fsync(fileno(f))) {
			bad = 1;
			e = errno;
		}
		if (fclose(f)) {
			bad = 1;
			e = errno;
		}
		if (bad) {
			rc = sim_errf(err, SIM_EIO, "%s: write failed: %s", fin[made],
				      strerror(e));
			made++;
			break;
		}
	}
	if (rc) {
		for (size_t i = 0; i < made; i++)
			unlink(tmp[i]);
		return rc;
	}
	/* make sure every rename can succeed before doing any: a directory
	 * (or anything but a file) in a result's place would stop one half
	 * way, leaving old and new results mixed */
	for (size_t i = 0; i < NOUTPUTS; i++) {
		struct stat st;
		if (lstat(fin[i], &st) == 0 && !S_ISREG(st.st_mode)) {
			for (size_t j = 0; j < NOUTPUTS; j++)
				unlink(tmp[j]);
			return sim_errf(err, SIM_EIO,
					"%s: exists and is not a regular file; nothing was replaced",
					fin[i]);
		}
	}
	for (size_t i = 0; i < NOUTPUTS; i++) {
		if (rename(tmp[i], fin[i])) {
			rc = sim_errf(err, SIM_EIO, "%s: cannot rename into place: %s",
				      fin[i], strerror(errno));
			for (size_t j = i; j < NOUTPUTS; j++)
				unlink(tmp[j]);
			return rc;
		}
	}
	return 0;
}

static void fmt_time(char *buf, size_t len, double s)
{
	if (isnan(s))
		snprintf(buf, len, "-");
	else if (s < 1e-6)
		snprintf(buf, len, "%.3g ns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, len, "%.3g us", s * 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else
		snprintf(buf, len, "%.3g s", s);
}

void report_print_table(const struct report *r, FILE *f)
{
	fprintf(f, "%-6s %-16s %-22s %-12s %-12s %-12s %s\n", "point", "throughput/s",
		"mean latency", "p50", "p99", "p99.9", "rejected");
	for (size_t p = 0; p < r->set->npoints; p++) {
		const struct report_point *pt = &r->points[p];
		if (!pt->replications)
			continue;
		char thr[32], mean[40], m[16], h[16], p50[16], p99[16], p999[16], rej[16];
		snprintf(thr, sizeof thr, "%.4g", pt->mean[RM_THROUGHPUT]);
		fmt_time(m, sizeof m, pt->mean[RM_LATENCY_MEAN]);
		fmt_time(h, sizeof h, pt->ci95[RM_LATENCY_MEAN]);
		if (isnan(pt->ci95[RM_LATENCY_MEAN]))
			snprintf(mean, sizeof mean, "%s", m);
		else
			snprintf(mean, sizeof mean, "%s ± %s", m, h);
		fmt_time(p50, sizeof p50, pt->mean[RM_P50]);
		fmt_time(p99, sizeof p99, pt->mean[RM_P99]);
		fmt_time(p999, sizeof p999, pt->mean[RM_P999]);
		snprintf(rej, sizeof rej, "%.3g%%", 100 * (isnan(pt->mean[RM_REJECT_RATIO]) ?
							 0 : pt->mean[RM_REJECT_RATIO]));
		fprintf(f, "%-6zu %-16s %-22s %-12s %-12s %-12s %s%s\n", p, thr, mean,
			p50, p99, p999, rej, pt->complete ? "" : "  (incomplete)");
	}
}
