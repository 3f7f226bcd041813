/*
 * test_runner.c - every point, every replication: the report is filled in
 * order, progress is reported, and a sweep point equals the same scenario
 * run on its own (so how the work is split cannot change a result), and
 * any number of worker processes writes the same bytes as one, and
 * `precision:` stops a point at the first replication whose interval
 * meets the target.
 */
#include "tests/simtest.h"

#include <math.h>
#include <unistd.h>

#include "tests/csvtest.h"

#include "app/report.h"
#include "app/runner.h"

#define SWEPT \
	"duration: 50s\nwarmup: 5s\nreplications: 3\n" \
	"workloads:\n  u: {arrival: {process: poisson, rate: 20/s}, target: w}\n" \
	"nodes:\n  w: {type: service, workers: 2, service: {dist: exponential, mean: 50ms}}\n"

struct seen {
	size_t calls;
	size_t last_point;
	uint32_t last_rep;
};

static void on_progress(void *arg, const struct runner_progress *p)
{
	struct seen *s = arg;
	/* progress only moves forward */
	assert_true(p->point > s->last_point || s->calls == 0 ||
		    (p->point == s->last_point && p->rep >= s->last_rep));
	assert_int_equal(p->npoints, 3);
	assert_int_equal(p->nreps, 3);
	s->calls++;
	s->last_point = p->point;
	s->last_rep = p->rep;
}

static void test_runner_fills_every_point_in_order(void **state)
{
	struct sweep *set = simtest_load(SWEPT "sweep: {nodes.w.workers: [1, 2, 3]}\n");
	struct report rep;
	struct sim_err err = { 0 };
	struct seen seen = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, &(struct runner_opts){ .progress = on_progress, .arg = &seen }, &err), 0);
	/* one call at the start of each replication, at least */
	assert_true(seen.calls >= 9);
	assert_int_equal(seen.last_point, 2);
	assert_int_equal(seen.last_rep, 2);
	for (size_t p = 0; p < 3; p++) {
		assert_int_equal(simtest_summary(&rep, p).replications, 3);
		assert_true(simtest_summary(&rep, p).complete);
	}
	/* the same arrivals at every point (common random numbers) */
	assert_int_equal(simtest_summary(&rep, 0).arrivals, simtest_summary(&rep, 1).arrivals);
	assert_int_equal(simtest_summary(&rep, 1).arrivals, simtest_summary(&rep, 2).arrivals);
	/* more workers, less waiting */
	assert_true(simtest_summary(&rep, 0).mean[METRIC_LATENCY_MEAN] > simtest_summary(&rep, 2).mean[METRIC_LATENCY_MEAN]);
	report_fini(&rep);
	sweep_free(set);
}

/* What the progress of a run in workers showed. */
struct inflight_seen {
	size_t calls, early;         /* calls; those before any item ended
				      * that saw a worker's fraction */
	double most;                 /* the largest in-flight sum */
	uint64_t events;             /* the last events count */
	int backwards;               /* the events count went down */
};

static void on_inflight(void *arg, const struct runner_progress *p)
{
	struct inflight_seen *s = arg;
	s->calls++;
	if (p->items_done == 0 && p->done > 0 && p->events > 0)
		s->early++;
	if (p->done > s->most)
		s->most = p->done;
	if (p->events < s->events)
		s->backwards = 1;
	s->events = p->events;
}

/* Under -j the progress is known from the workers' slots before any
 * replication ends: a fraction of each item in flight (at most one per
 * worker, so the sum stays under the workers' count) and the events run,
 * which only grow.  Two replications long enough that the parent polls
 * (every quarter of a second) while they run. */
static void test_runner_progress_from_workers(void **state)
{
	struct sweep *set = simtest_load(
		"duration: 20000s\nreplications: 2\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 400/s}, target: w}\n"
		"nodes:\n  w: {type: service, service: {dist: exponential, mean: 1ms}}\n");
	struct report rep;
	struct sim_err err = { 0 };
	struct inflight_seen seen = { 0 };
	struct runner_opts o = { .jobs = 2, .progress = on_inflight, .arg = &seen };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, &o, &err), 0);
	print_message("    %zu progress calls, %zu before a replication ended; in flight at most %.3f; %llu events\n",
		      seen.calls, seen.early, seen.most, (unsigned long long)seen.events);
	assert_true(seen.early > 0);
	assert_true(seen.most > 0 && seen.most <= 2);
	assert_false(seen.backwards);
	report_fini(&rep);
	sweep_free(set);
}

/* run_jobs_grouped runs set into dir in `jobs` processes, a group going
 * whole to a worker when its items' pace says it is at most group_ns of
 * work (0: the runner's own bound): the test fails on error.  Returns the
 * whole groups its workers sent. */
static uint64_t run_jobs_grouped(const struct sweep *set, const char *dir, unsigned jobs,
				 double group_ns)
{
	struct report rep;
	struct sim_err err = { 0 };
	struct runner_opts o = { .jobs = jobs, .group_ns = group_ns };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_open(&rep, dir, &err), 0);
	assert_int_equal(runner_run(set, &rep, &o, &err), 0);
	assert_int_equal(report_commit(&rep, &err), 0);
	uint64_t whole = rep.group_records;
	report_fini(&rep);
	return whole;
}

static void run_jobs(const struct sweep *set, const char *dir, unsigned jobs)
{
	run_jobs_grouped(set, dir, jobs, 0);
}

static void run_to(const struct sweep *set, const char *dir)
{
	run_jobs(set, dir, 1);
}

/* rows_of returns the lines of file that begin with "P," with that prefix
 * removed, concatenated. */
/* rows_of is file's rows of point p without their point column; with
 * swept, each row's swept value (field from_end from its end: before
 * duration_s, warmup_s and, but in workloads.csv, replications) is
 * checked to be `swept` and taken out, so that a point of a sweep reads
 * as the scenario alone. */
static char *rows_of(const char *file, int p, const char *swept, size_t from_end)
{
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	char line[8192], want[16];
	size_t cap = 1 << 20, len = 0;
	char *out = calloc(cap, 1);
	assert_non_null(out);
	snprintf(want, sizeof want, "%d,", p);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		if (swept) {
			char *c[8];
			size_t k = 0, e = from_end;
			for (char *q = line + strlen(line); q > line && k < e; q--)
				if (q[-1] == ',')
					c[k++] = q - 1;
			assert_int_equal(k, e);
			/* c[e - 1] is the comma before the swept value, c[e - 2]
			 * after it */
			char *a = c[e - 1], *b = c[e - 2];
			if ((size_t)(b - a - 1) != strlen(swept) || strncmp(a + 1, swept, strlen(swept)))
				fail_msg("%s: swept value %.*s, not %s", file, (int)(b - a - 1), a + 1,
					 swept);
			memmove(a, b, strlen(b) + 1);
		}
		size_t n = strlen(line) - strlen(want);
		assert_true(len + n < cap);
		memcpy(out + len, line + strlen(want), n);
		len += n;
	}
	fclose(f);
	return out;
}

static void test_runner_point_equals_the_scenario_alone(void **state)
{
	struct sweep *swept = simtest_load(SWEPT "sweep: {nodes.w.workers: [1, 2, 3]}\n");
	struct sweep *alone = simtest_load(SWEPT);   /* workers: 2 */
	char da[] = "/tmp/archsim-runner-XXXXXX", db[] = "/tmp/archsim-runner-XXXXXX";
	assert_non_null(mkdtemp(da));
	assert_non_null(mkdtemp(db));
	run_to(swept, da);
	run_to(alone, db);
	/* every file's rows of point 1 of the sweep are byte for byte those
	 * of point 0 run alone */
	static const char *const files[] = {
		"workloads.csv", "nodes.csv", "latency.csv", "timeseries.csv",
		"node_timeseries.csv",
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char fa[128], fb[128];
		snprintf(fa, sizeof fa, "%s/%s", da, files[i]);
		snprintf(fb, sizeof fb, "%s/%s", db, files[i]);
		size_t at = strcmp(files[i], "workloads.csv") ? 4 : 3;
		char *ra = rows_of(fa, 1, "2", at), *rb = rows_of(fb, 0, NULL, 0);
		assert_true(strlen(ra) > 0);
		assert_string_equal(ra, rb);
		free(ra);
		free(rb);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", da, db);
	assert_int_equal(system(cmd), 0);
	sweep_free(swept);
	sweep_free(alone);
}

/* same_bytes_over_jobs runs the scenario yaml (a format whose %d is the
 * seed; `items` work items) four times: with seed 1 in jobs[0], jobs[1]
 * and jobs[2] processes, and with seed 2, the control, in jobs[3]; the
 * first three must write the same bytes, the control others.  group_ns
 * is runner_opts.group_ns; whole[i] the whole groups run i's workers
 * sent. */
static void same_bytes_over_jobs(const char *yaml, uint64_t items, const unsigned jobs[4],
				 double group_ns, uint64_t whole[4])
{
	char text[2048];
	char dirs[4][32];
	for (int i = 0; i < 4; i++) {
		snprintf(dirs[i], sizeof dirs[i], "/tmp/archsim-jobs-XXXXXX");
		assert_non_null(mkdtemp(dirs[i]));
		snprintf(text, sizeof text, yaml, i == 3 ? 2 : 1);
		struct sweep *set = simtest_load(text);
		assert_int_equal(runner_items(set), items);
		whole[i] = run_jobs_grouped(set, dirs[i], jobs[i], group_ns);
		print_message("    %u processes, seed %d: %llu whole groups\n", jobs[i], i == 3 ? 2 : 1,
			      (unsigned long long)whole[i]);
		sweep_free(set);
	}
	char cmd[256];
	for (int i = 1; i < 4; i++) {
		snprintf(cmd, sizeof cmd, "diff -r %s %s >/dev/null", dirs[0], dirs[i]);
		int same = system(cmd) == 0;
		print_message("    %u processes%s: %s\n", jobs[i], i == 3 ? ", another seed" : "",
			      same ? "the same bytes" : "different");
		assert_true(i == 3 ? !same : same);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s %s %s %s", dirs[0], dirs[1], dirs[2], dirs[3]);
	assert_int_equal(system(cmd), 0);
}

/* A sweep of points with different replication counts, a queue with
 * groups, a cache, retries, a link with a bandwidth and a timeline: every
 * output file (links.csv too) is the same bytes from 1, 2 and 5 processes
 * (more than there are items of a point, so items of several points are
 * in flight at once); another seed, as a control, is not. */
static void test_runner_jobs_give_the_same_bytes(void **state)
{
	static const char *yaml =
		"name: j\nseed: %d\nduration: 20s\nwarmup: 2s\nreplications: 3\nwindow: 2s\n"
		"zones: {a: {}, b: {}}\n"
		"links:\n  - {between: [a, b], latency: 1ms, bandwidth: 20Mbit/s, cost: {per_gb: 0.02}}\n"
		"workloads:\n"
		"  u: {arrival: {process: poisson, rate: 200/s}, target: web, keys: {dist: zipf, n: 1000, s: 1},\n"
		"      zone: a, size: {request: {dist: exponential, mean: 4KB}, response: 2KB}}\n"
		"nodes:\n"
		"  web: {type: service, replicas: 2, workers: 4, zones: [a, b], service: {dist: exponential, mean: 5ms},\n"
		"        calls: [{to: cache, per_try_timeout: 20ms, retry: {num_retries: 1}}, {to: q, p: 0.5}]}\n"
		"  cache: {type: cache, capacity: 100, backend: db}\n"
		"  db: {type: database, primary: {service: {dist: exponential, mean: 2ms}}}\n"
		"  q: {type: queue, partitions: 4, consumers: [{group: a, count: 2, service: 3ms}, {group: b, service: 1ms}]}\n"
		"timeline:\n"
		"  - {at: 8s, node: web, replica: 1, do: crash, for: 3s}\n"
		"sweep:\n"
		"  replications: [2, 3]\n"
		"  nodes.web.workers: [2, 4]\n";
	static const unsigned jobs[] = { 1, 2, 5, 2 };
	uint64_t whole[4];
	same_bytes_over_jobs(yaml, 2 + 2 + 3 + 3, jobs, 0, whole);
}

/* Points of more replications than a group (report_group): workers
 * fold whole groups of short items and send each as one record, and the
 * parent merges them; longer items go one by one and the parent folds
 * them into the same groups.  Every output file, compare.csv's paired
 * differences too, is the same bytes from 1, 2 and 3 processes; the last
 * group of each point is short (150 = 2 x 64 + 22, 70 = 64 + 6); another
 * seed, as a control, is not the same. */
static void test_runner_groups_give_the_same_bytes(void **state)
{
	static const char *yaml =
		"name: g\nseed: %d\nduration: 100ms\nwindow: 25ms\nreplications: 150\n"
		"workloads:\n"
		"  u: {arrival: {process: poisson, rate: 200/s}, target: web, keys: {dist: zipf, n: 100, s: 1}}\n"
		"nodes:\n"
		"  web: {type: service, replicas: 2, workers: 2, service: {dist: exponential, mean: 5ms},\n"
		"        calls: [{to: cache, timeout: 10ms}]}\n"
		"  cache: {type: cache, capacity: 20, backend: db}\n"
		"  db: {type: database, primary: {service: {dist: exponential, mean: 2ms}}}\n"
		"sweep:\n"
		"  replications: [150, 70]\n"
		"  duration: [100ms, 1s]\n";
	char text[1024];
	snprintf(text, sizeof text, yaml, 1);
	struct sweep *set = simtest_load(text);
	assert_int_equal(report_group(set, 0, 0), REPORT_GROUP);
	assert_int_equal(report_group(set, 1, 0), REPORT_GROUP);
	sweep_free(set);
	/* every group whose point's pace is known when it is sent goes
	 * whole (no bound on its work): not a point's first, which goes one
	 * by one while the pace is measured, nor one sent while another
	 * point's batch was the last to finish */
	static const unsigned jobs[] = { 1, 2, 3, 2 };
	uint64_t whole[4];
	same_bytes_over_jobs(yaml, 2 * 150 + 2 * 70, jobs, 1e15, whole);
	assert_int_equal(whole[0], 0);
	for (int i = 1; i < 4; i++)
		assert_true(whole[i] >= 1);
}

/* Stopped before it starts, a parallel run closes its first point empty
 * and says it was interrupted. */
static void test_runner_jobs_stop(void **state)
{
	struct sweep *set = simtest_load(SWEPT "sweep: {nodes.w.workers: [1, 2, 3]}\n");
	struct report rep;
	struct sim_err err = { 0 };
	volatile sig_atomic_t stop = 1;
	struct runner_opts o = { .jobs = 2, .stop = &stop };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, &o, &err), SIM_EINTR);
	assert_int_equal(simtest_summary(&rep, 0).replications, 0);
	assert_false(simtest_summary(&rep, 0).complete);
	report_fini(&rep);
	sweep_free(set);
}

static void test_runner_node_means_skip_replications_without_data(void **state)
{
	/* db sees about one request per replication, and in some none; a
	 * visit always lasts at least its 1 s of service, so the mean over
	 * replications must too (an empty replication counted as 0 would
	 * pull it down) */
	struct sweep *set = simtest_load(
		"duration: 10s\nreplications: 20\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 10/s}, target: web}\n"
		"nodes:\n  web: {type: service, service: 1ms, next: [{to: db, p: 0.01}]}\n"
		"  db: {type: service, service: 1s}\n");
	char dir[] = "/tmp/archsim-runner-XXXXXX";
	assert_non_null(mkdtemp(dir));
	run_to(set, dir);
	char path[128];
	snprintf(path, sizeof path, "%s/nodes.csv", dir);
	struct csvt c;
	csvt_load(&c, path);
	size_t db = csvt_find(&c, "node", "db");
	double done = csvt_num(&c, db, "completed");
	assert_true(done > 0 && done < 40);
	assert_true(csvt_num(&c, db, "latency_mean_s") >= 1.0);
	csvt_free(&c);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	sweep_free(set);
}

static void test_runner_workloads_add_up(void **state)
{
	/* two workloads into one service: workloads.csv has a row for each,
	 * and their counts add up to summary.csv's; the slow one's requests
	 * have their own latencies */
	struct sweep *set = simtest_load(
		"duration: 100s\nreplications: 3\n"
		"workloads:\n"
		"  fast: {arrival: {process: poisson, rate: 20/s}, target: a}\n"
		"  slow: {arrival: {process: poisson, rate: 5/s}, target: b}\n"
		"nodes:\n"
		"  a: {type: service, workers: 10, service: 10ms}\n"
		"  b: {type: service, workers: 10, service: 100ms, next: [{to: a, p: 1}]}\n");
	char dir[] = "/tmp/archsim-runner-XXXXXX";
	assert_non_null(mkdtemp(dir));
	run_to(set, dir);
	char path[128];
	struct csvt sum, wl;
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	csvt_load(&sum, path);
	snprintf(path, sizeof path, "%s/workloads.csv", dir);
	csvt_load(&wl, path);
	assert_int_equal(wl.rows, 3);
	size_t f = csvt_find(&wl, "workload", "fast"), sl = csvt_find(&wl, "workload", "slow");
	static const char *const counts[] = { "arrivals", "completed", "rejected", "failed" };
	for (size_t i = 0; i < 4; i++)
		assert_true(csvt_num(&wl, f, counts[i]) + csvt_num(&wl, sl, counts[i]) ==
			    csvt_num(&sum, 0, counts[i]));
	/* fast: 10 ms; slow: 100 ms + 10 ms; all of them none queued */
	assert_true(fabs(csvt_num(&wl, f, "latency_mean_s") - 0.010) < 1e-6);
	assert_true(fabs(csvt_num(&wl, sl, "latency_mean_s") - 0.110) < 1e-6);
	assert_true(csvt_num(&wl, sl, "arrivals") < csvt_num(&wl, f, "arrivals"));
	csvt_free(&sum);
	csvt_free(&wl);
	/* latency.csv: one histogram for all, and one per workload */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "grep -q '^0,slow,' %s/latency.csv && "
		 "grep -q '^0,fast,' %s/latency.csv && grep -q '^0,all,' %s/latency.csv",
		 dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	sweep_free(set);
}

#define MM1_PREC(prec) \
	"duration: 100s\nwarmup: 10s\nreplications: %s\n" prec \
	"workloads:\n  u: {arrival: {process: poisson, rate: 50/s}, target: s}\n" \
	"nodes:\n  s: {type: service, service: {dist: exponential, mean: 10ms}}\n"

/* summary_of runs text in `jobs` processes and returns point 0's summary
 * (the report is freed; `own` is not kept). */
static struct report_summary summary_of(const char *text, unsigned jobs)
{
	struct sweep *set = simtest_load(text);
	struct report rep;
	struct sim_err err = { 0 };
	struct runner_opts o = { .jobs = jobs };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, &o, &err), 0);
	struct report_summary s = simtest_summary(&rep, 0);
	report_fini(&rep);
	sweep_free(set);
	return s;
}

/* An M/M/1 at rho 0.5 with a 4 % target on p99: the point stops at some
 * n between its first 3 and its 100, and its interval meets the target
 * there; the same scenario with a fixed n - 1 replications does not (so
 * it stopped at the first n that did), and with n it gives the same
 * numbers.  In 2 processes, where items run ahead and are dropped, the
 * same n. */
static void test_runner_precision_stops_at_the_first_that_meets(void **state)
{
	char text[1024];
	snprintf(text, sizeof text,
		 MM1_PREC("precision: {metric: latency_p99_s, relative: 0.04, max_replications: 100}\n"),
		 "3");
	struct report_summary a = summary_of(text, 1), b = summary_of(text, 2);
	uint32_t n = a.replications;
	double half = a.ci95[METRIC_P99];
	print_message("    stopped after %u replications: p99 %.5f +- %.5f (target %.5f)\n", n,
		      a.mean[METRIC_P99], half, 0.04 * a.mean[METRIC_P99]);
	assert_true(n > 3 && n < 100);
	assert_int_equal(a.precision, 1);
	assert_true(a.complete);
	assert_true(half <= 0.04 * a.mean[METRIC_P99]);
	assert_int_equal(b.replications, n);
	assert_memory_equal(a.mean, b.mean, sizeof a.mean);
	char reps[16];
	snprintf(reps, sizeof reps, "%u", n - 1);
	snprintf(text, sizeof text, MM1_PREC(""), reps);
	struct report_summary c = summary_of(text, 1);
	assert_true(c.ci95[METRIC_P99] > 0.04 * c.mean[METRIC_P99]);
	assert_int_equal(c.precision, 0);
	snprintf(reps, sizeof reps, "%u", n);
	snprintf(text, sizeof text, MM1_PREC(""), reps);
	struct report_summary d = summary_of(text, 1);
	assert_memory_equal(a.mean, d.mean, sizeof a.mean);
	assert_memory_equal(a.ci95, d.ci95, sizeof a.ci95);
}

/* A metric that never has an interval is never precise: p99.9 of a run
 * too short for its tail, and the error ratio (0 in every replication)
 * against a relative target.  The error ratio runs to max_replications
 * and says so; p99.9, whose tail comes in too few bursts per 2 s
 * replication (0.001 x 2 s / a settling time of 0.08 s, under the
 * report's 0.15), ends after its first 2, as no count would do. */
static void test_runner_precision_without_samples_is_not_met(void **state)
{
	static const char *const targets[] = {
		"precision: {metric: latency_p999_s, relative: 0.5, max_replications: 6}\n",
		"precision: {metric: error_ratio, relative: 0.1, max_replications: 6}\n",
	};
	for (int i = 0; i < 2; i++) {
		char text[1024], fmt[1024];
		snprintf(fmt, sizeof fmt, "%s%s%s", "duration: 2s\nwarmup: 0s\nreplications: %s\n",
			 targets[i],
			 "workloads:\n  u: {arrival: {process: poisson, rate: 50/s}, target: s}\n"
			 "nodes:\n  s: {type: service, service: {dist: exponential, mean: 10ms}}\n");
		snprintf(text, sizeof text, fmt, "2");
		struct report_summary a = summary_of(text, 1);
		assert_int_equal(a.replications, i == 0 ? 2 : 6);
		assert_int_equal(a.precision, 2);
		assert_true(a.complete);
	}
	/* p99 at rho 0.9 over 2 s replications: 0.01 x 2 s / a settling time
	 * of 3.6 s is under the burst rule's 0.15 (report.c), so no count of
	 * replications gives it an interval: the point ends after its first
	 * 2, not met, and the warning says that only a longer duration
	 * helps */
	struct sweep *set = simtest_load(
		"duration: 2s\nwarmup: 0s\nreplications: 2\n"
		"precision: {metric: latency_p99_s, relative: 0.5, max_replications: 6}\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 90/s}, target: s}\n"
		"nodes:\n  s: {type: service, service: {dist: exponential, mean: 10ms}}\n");
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, NULL, &err), 0);
	assert_int_equal(simtest_summary(&rep, 0).precision, 2);
	assert_int_equal(simtest_summary(&rep, 0).replications, 2);
	int said = 0;
	for (size_t i = 0; i < rep.nwarnings; i++)
		said |= strstr(rep.warnings[i], "latency_p99_s has no interval after 2 replications, nor "
						"would it after more") != NULL &&
			strstr(rep.warnings[i], "replications of 54 s or more") != NULL;
	assert_true(said);
	report_fini(&rep);
	sweep_free(set);
}

#define TRANSIENT(warmup) \
	"seed: 5\nduration: 2000s\nwarmup: " warmup "\nreplications: 10\nwindow: 5s\n" \
	"workloads:\n  u: {arrival: {process: poisson, rate: 0.5/s}, target: s}\n" \
	"nodes:\n  s: {type: service, service: {dist: exponential, mean: 1s}}\n" \
	"timeline:\n  - {at: 0s, node: s, do: slow, factor: 3, for: 200s}\n"

/* An M/M/1 at rho 0.5 (mean sojourn 2 s, p99 2 ln 100) that starts
 * overloaded: three times slower for its first 200 s, so a backlog of
 * about 33 builds and then drains at 0.5 a second.  warmup: auto cuts
 * after the slow spell, within the first half, and the intervals of the
 * mean and p99 then hold the steady state's exact values; with no
 * warm-up the same runs miss the mean.  The cut is the same in 1 and 3
 * processes. */
static void test_runner_warmup_auto_cuts_the_transient(void **state)
{
	double cut[2];
	for (unsigned j = 0; j < 2; j++) {
		struct sweep *set = simtest_load(TRANSIENT("auto"));
		struct sim_err err = { 0 };
		assert_int_equal(runner_warmups(set, j ? 3 : 1, NULL, &err), 0);
		cut[j] = (double)set->points[0]->warmup_ns * 1e-9;
		sweep_free(set);
	}
	print_message("    cut at %g s\n", cut[0]);
	assert_true(cut[0] == cut[1]);
	assert_true(cut[0] > 200 && cut[0] <= 1000);
	char text[2048], w[32];
	snprintf(w, sizeof w, "%gs", cut[0]);
	snprintf(text, sizeof text,
		 "seed: 5\nduration: 2000s\nwarmup: %s\nreplications: 10\nwindow: 5s\n"
		 "workloads:\n  u: {arrival: {process: poisson, rate: 0.5/s}, target: s}\n"
		 "nodes:\n  s: {type: service, service: {dist: exponential, mean: 1s}}\n"
		 "timeline:\n  - {at: 0s, node: s, do: slow, factor: 3, for: 200s}\n", w);
	struct report_summary a = summary_of(text, 1);
	struct report_summary z = summary_of(TRANSIENT("0s"), 1);
	double p99 = 2 * log(100);
	print_message("    mean %.4f [%.4f, %.4f], p99 %.3f [%.3f, %.3f]; no warm-up: mean %.4f [%.4f, %.4f]\n",
		      a.mean[METRIC_LATENCY_MEAN], a.lo[METRIC_LATENCY_MEAN], a.hi[METRIC_LATENCY_MEAN],
		      a.mean[METRIC_P99], a.lo[METRIC_P99], a.hi[METRIC_P99], z.mean[METRIC_LATENCY_MEAN],
		      z.lo[METRIC_LATENCY_MEAN], z.hi[METRIC_LATENCY_MEAN]);
	assert_true(a.lo[METRIC_LATENCY_MEAN] <= 2 && 2 <= a.hi[METRIC_LATENCY_MEAN]);
	assert_true(a.lo[METRIC_P99] <= p99 && p99 <= a.hi[METRIC_P99]);
	assert_false(z.lo[METRIC_LATENCY_MEAN] <= 2 && 2 <= z.hi[METRIC_LATENCY_MEAN]);
}

/* Near saturation MSER-5 on short noisy pilots cuts too little: on an
 * M/M/1 at rho 0.9, whose settling time 4 rho E[S] / (1 - rho)^2 is 360
 * s, it found 10-55 s.  warmup: auto is at least the settling time, and
 * at most the measured duration (at rho 0.99, tau = 39,600 s). */
static void test_runner_warmup_auto_is_at_least_the_settling_time(void **state)
{
	static const char *const y[] = {
		"seed: 8\nduration: 2000s\nwarmup: auto\nreplications: 10\nwindow: 5s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.9/s}, target: s}\n"
		"nodes:\n  s: {type: service, service: {dist: exponential, mean: 1s}}\n",
		"seed: 8\nduration: 2000s\nwarmup: auto\nreplications: 2\nwindow: 5s\n"
		"workloads:\n  u: {arrival: {process: poisson, rate: 0.99/s}, target: s}\n"
		"nodes:\n  s: {type: service, service: {dist: exponential, mean: 1s}}\n",
	};
	const double want[] = { 360, 2000 };
	for (int i = 0; i < 2; i++) {
		struct sweep *set = simtest_load(y[i]);
		struct sim_err err = { 0 };
		assert_int_equal(runner_warmups(set, 1, NULL, &err), 0);
		double cut = (double)set->points[0]->warmup_ns * 1e-9;
		print_message("    rho %s: warm-up %g s\n", i ? "0.99" : "0.9", cut);
		assert_true(fabs(cut - want[i]) < 1e-9);
		sweep_free(set);
	}
}

/* A large sweep: every point's summary is read back from where the report
 * keeps it, each as the point alone gives it, while only a few points are
 * held; and past REPORT_WARNINGS_MAX the warnings are counted, not kept. */
static void test_runner_large_sweep_keeps_little(void **state)
{
	char yaml[8192] = "duration: 2s\nreplications: 2\n"
			  "workloads:\n  u: {arrival: {process: poisson, rate: 4/s}, target: w}\n"
			  "nodes:\n  w: {type: service, service: {dist: exponential, mean: 50ms}}\n"
			  "sweep: {nodes.w.workers: [";
	for (int i = 1; i <= 300; i++)
		snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml), "%s%d", i > 1 ? ", " : "", i);
	strcat(yaml, "]}\n");
	struct sweep *set = simtest_load(yaml);
	struct report rep;
	struct sim_err err = { 0 };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(runner_run(set, &rep, NULL, &err), 0);
	size_t held = 0;
	for (size_t p = 1; p < set->npoints; p++)
		held += set->points[p] != NULL;
	assert_true(held <= SWEEP_HELD);
	/* replication r of every point sees the same arrivals */
	struct report_summary first = simtest_summary(&rep, 0);
	assert_true(first.arrivals > 0);
	for (size_t p = 0; p < set->npoints; p++) {
		struct report_summary s = simtest_summary(&rep, p);
		assert_int_equal(s.replications, 2);
		assert_int_equal(s.arrivals, first.arrivals);
	}
	struct interval_pair pr;
	assert_int_equal(report_compare(&rep, 0, 299, 0, &pr), 0);
	assert_int_equal(pr.pairs, 2);
	/* 2 s at 4/s leaves every percentile without an interval: a warning
	 * per point at least */
	assert_int_equal(rep.nwarnings, REPORT_WARNINGS_MAX);
	assert_true(rep.more_warnings >= 300 - REPORT_WARNINGS_MAX);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	report_print_warnings(&rep, f);
	fclose(f);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_int_equal(lines, REPORT_WARNINGS_MAX + 1);
	assert_non_null(strstr(text, "more warnings about"));
	free(text);
	report_fini(&rep);
	sweep_free(set);
}

struct gone {
	const char *file;
	volatile sig_atomic_t *stop;
};

/* while point 1 runs (its trace open), the trace file goes away and the
 * run is stopped */
static void file_gone(void *arg, const struct runner_progress *p)
{
	struct gone *g = arg;
	if (p->point == 1 && p->done > 0 && !*g->stop) {
		unlink(g->file);
		*g->stop = 1;
	}
}

/* A run stopped after a file its points read went away still commits:
 * point 0's results are kept, point 1 closes with what it has, and point
 * 2, never run and no longer buildable, gets its summary row alone. */
static void test_runner_commits_when_a_point_cannot_be_rebuilt(void **state)
{
	char dir[] = "/tmp/archsim-gone-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char trace[256], out[256], path[300], y[1024];
	snprintf(trace, sizeof trace, "%s/t.csv", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	FILE *f = fopen(trace, "w");
	assert_non_null(f);
	fputs("time\n0.25\n0.5\n1\n1.5\n", f);
	fclose(f);
	snprintf(y, sizeof y,
		 "duration: 10000s\nreplications: 2\n"
		 "workloads:\n  u: {arrival: {process: trace, file: %s, loop: true}, target: w}\n"
		 "nodes:\n  w: {type: service, service: {dist: constant, value: 10ms}}\n"
		 "sweep: {nodes.w.workers: [1, 2, 3]}\n", trace);
	struct sweep *set = simtest_load(y);
	struct report rep;
	struct sim_err err = { 0 };
	volatile sig_atomic_t stop = 0;
	struct gone g = { trace, &stop };
	struct runner_opts o = { .jobs = 1, .stop = &stop, .progress = file_gone, .arg = &g };
	assert_int_equal(report_init(&rep, set, "t"), 0);
	assert_int_equal(report_open(&rep, out, &err), 0);
	assert_int_equal(runner_run(set, &rep, &o, &err), SIM_EINTR);
	assert_int_equal(report_commit(&rep, &err), 0);
	assert_int_equal(simtest_summary(&rep, 0).replications, 2);
	/* 4 arrivals every 1.5 s (the trace's length) over 10,000 s, the
	 * one at 10,000 s itself outside: 26,666 a replication */
	assert_int_equal(simtest_summary(&rep, 0).arrivals, 2 * 26666);
	report_fini(&rep);
	struct csvt c;
	snprintf(path, sizeof path, "%s/summary.csv", out);
	csvt_load(&c, path);
	assert_int_equal(c.rows, 4);
	assert_string_equal(csvt_get(&c, 0, "replications"), "2");
	assert_string_equal(csvt_get(&c, 0, "complete"), "true");
	/* stopped during its replication 0 or 1: what it has, incomplete */
	assert_string_equal(csvt_get(&c, 1, "point"), "1");
	assert_true(!strcmp(csvt_get(&c, 1, "replications"), "0") ||
		    !strcmp(csvt_get(&c, 1, "replications"), "1"));
	assert_string_equal(csvt_get(&c, 1, "complete"), "false");
	assert_string_equal(csvt_get(&c, 2, "point"), "2");
	assert_string_equal(csvt_get(&c, 2, "replications"), "0");
	csvt_free(&c);
	sweep_free(set);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Without a temporary directory the report keeps its points in memory,
 * with the same results. */
static void test_runner_keeps_points_in_memory_without_a_temporary_file(void **state)
{
	struct report_summary s[2][3];
	struct interval_pair pr[2];
	for (int k = 0; k < 2; k++) {
		struct sweep *set = simtest_load(SWEPT "sweep: {nodes.w.workers: [1, 2, 3]}\n");
		struct report rep;
		struct sim_err err = { 0 };
		const char *old = getenv("TMPDIR");
		char *keep = old ? strdup(old) : NULL;
		if (k)
			setenv("TMPDIR", "/nonexistent/archsim", 1);
		assert_int_equal(report_init(&rep, set, "t"), 0);
		assert_int_equal(runner_run(set, &rep, NULL, &err), 0);
		if (keep)
			setenv("TMPDIR", keep, 1);
		else
			unsetenv("TMPDIR");
		free(keep);
		assert_true(k ? rep.keep.fd < 0 : rep.keep.fd >= 0);
		for (size_t p = 0; p < 3; p++)
			s[k][p] = simtest_summary(&rep, p);
		assert_int_equal(report_compare(&rep, 0, 2, 1, &pr[k]), 0);
		report_fini(&rep);
		sweep_free(set);
	}
	for (size_t p = 0; p < 3; p++) {
		assert_int_equal(s[1][p].replications, 3);
		assert_memory_equal(s[0][p].mean, s[1][p].mean, sizeof s[0][p].mean);
		assert_memory_equal(s[0][p].lo, s[1][p].lo, sizeof s[0][p].lo);
	}
	assert_int_equal(pr[1].pairs, 3);
	assert_memory_equal(&pr[0], &pr[1], sizeof pr[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runner_fills_every_point_in_order),
		cmocka_unit_test(test_runner_point_equals_the_scenario_alone),
		cmocka_unit_test(test_runner_progress_from_workers),
		cmocka_unit_test(test_runner_jobs_give_the_same_bytes),
		cmocka_unit_test(test_runner_groups_give_the_same_bytes),
		cmocka_unit_test(test_runner_jobs_stop),
		cmocka_unit_test(test_runner_precision_stops_at_the_first_that_meets),
		cmocka_unit_test(test_runner_precision_without_samples_is_not_met),
		cmocka_unit_test(test_runner_warmup_auto_cuts_the_transient),
		cmocka_unit_test(test_runner_warmup_auto_is_at_least_the_settling_time),
		cmocka_unit_test(test_runner_node_means_skip_replications_without_data),
		cmocka_unit_test(test_runner_workloads_add_up),
		cmocka_unit_test(test_runner_large_sweep_keeps_little),
		cmocka_unit_test(test_runner_commits_when_a_point_cannot_be_rebuilt),
		cmocka_unit_test(test_runner_keeps_points_in_memory_without_a_temporary_file),
	};
	return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
