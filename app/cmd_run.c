/*
 * cmd_run.c - `archsim run` and `archsim merge`: a scenario's results.
 *
 * run checks the scenario, finds the warm-up of each `warmup: auto`
 * point, and runs every replication of every point: in -j forked
 * processes (runner.h), or, in archsim-mpi under mpirun, on the other
 * ranks (mpiwork.h).  It writes the report's files (report.h), then,
 * with --trace, runs replication 0 once more, traced (trace.h).  With
 * --shard I/N it runs only shard I's work items, into a shard file
 * (split.h); merge folds the N shard files into the report one run would
 * have written, the same bytes.  Both end alike: the report committed,
 * the results table, the warnings.
 *
 * A progress line, when stderr is a terminal and the run takes over a
 * second, says the items done, the point and replication next to fold,
 * and the time left.
 */
#define _DEFAULT_SOURCE 1     /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/cmd.h"
#include "app/lang.h"
#include "app/mpiwork.h"
#include "app/outputs.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/split.h"
#include "app/trace.h"

struct progress_state {
	struct timespec start, last;
	int shown;
	int tty;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) * 1e-9;
}

/* fmt_left writes a time left as people read it: 45 s, 12 min, 3.5 h */
static void fmt_left(char *buf, size_t len, double s)
{
	if (s < 120)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

static void on_progress(void *arg, const struct runner_progress *p)
{
	struct progress_state *ps = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* only for runs longer than a second, at most four times a second */
	if (since(&ps->start, &now) < 1.0 || since(&ps->last, &now) < 0.25)
		return;
	ps->last = now;
	/* the items finished and the fractions of those in flight (each
	 * worker's, under -j), so that the estimate starts in the first
	 * second, not when a replication ends */
	double done = ((double)p->items_done + p->done) / (double)p->items;
	double el = since(&ps->start, &now);
	char left[48] = "", rate[48] = "", t[24];
	if (done > 0 && done < 1) {
		fmt_left(t, sizeof t, el / done * (1 - done));
		snprintf(left, sizeof left, ", %s left", t);
	}
	if (p->events)
		snprintf(rate, sizeof rate, ", %.3g M events/s", (double)p->events / el * 1e-6);
	fprintf(stderr, "\rarchsim: %llu/%llu runs (point %zu/%zu, replication %u/%u), %3.0f%%, %.0f s%s%s \033[K",
		(unsigned long long)p->items_done, (unsigned long long)p->items,
		p->point + 1, p->npoints, p->rep + 1, p->nreps, 100 * done, el, rate, left);
	ps->shown = 1;
}

static void progress_start(struct progress_state *ps)
{
	memset(ps, 0, sizeof *ps);
	ps->tty = isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &ps->start);
	ps->last = ps->start;
}

/* finish commits rep (filled by a run or a merge whose status is rc),
 * prints the table and warnings, and returns the exit status. */
static int finish(struct report *rep, int rc, const struct sim_err *err, const char *outdir,
		  const struct cmd_args *a, const struct progress_state *ps)
{
	int status = 0;
	if (ps->shown)
		fprintf(stderr, "\r\033[K");
	if (a->want_stats) {
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		fprintf(stderr, "archsim: stats events=%llu requests=%llu sim_wall_s=%.6f\n",
			(unsigned long long)rep->events, (unsigned long long)rep->requests,
			since(&ps->start, &end));
	}
	if (rc && rc != SIM_EINTR) {
		fprintf(stderr, "archsim: %s\n", err->msg);
		report_abort(rep);
		return rc == SIM_EINVAL ? CMD_EXIT_BADINPUT : 1;
	}
	struct sim_err werr = { 0 };
	/* a stopped run's results go beside the directory, never over the
	 * complete results an earlier run may have left in it */
	char partial[4200], real[4096];
	if (!realpath(outdir, real))       /* ".", "out/." and links: the real one */
		snprintf(real, sizeof real, "%s", outdir);
	snprintf(partial, sizeof partial, "%.4000s", real);
	for (size_t n = strlen(partial); n > 1 && partial[n - 1] == '/'; n--)
		partial[n - 1] = 0;
	strcat(partial, ".incomplete");
	if (report_commit_to(rep, rc == SIM_EINTR ? partial : NULL, &werr)) {
		fprintf(stderr, "archsim: %s\n", werr.msg);
		return 1;
	}
	if (!a->quiet)
		report_print_table(rep, stdout);
	report_print_warnings(rep, stderr);
	if (rc == SIM_EINTR) {
		fprintf(stderr,
			"archsim: interrupted; wrote the replications that finished to %s/ "
			"(complete=false); %s/ was left as it was\n", partial, outdir);
		status = 128 + (int)cmd_stop;
	} else if (!a->quiet) {
		/* results: DIR/{summary,workloads,...}.csv, the files declared */
		printf("results: %s/{", outdir);
		for (int i = 0; i < OUT_NFILES; i++) {
			const char *name = outputs_files[i].name;
			printf("%s%.*s", i ? "," : "", (int)(strlen(name) - 4), name);
		}
		printf("}.csv\n");
	}
	return status;
}

/* run_set runs set into its report, on t's workers (NULL: -j forked
 * ones), or with shards merges them into it. */
static int run_set(const struct sweep *set, const struct cmd_args *a,
		   struct split_set *shards, const struct runner_transport *t)
{
	char dirbuf[4096];
	const char *outdir = cmd_out_dir(a, set, dirbuf, sizeof dirbuf);
	struct progress_state ps;
	cmd_catch_signals();
	progress_start(&ps);
	struct sim_err err = { 0 };
	struct report rep;
	if (report_init(&rep, set, ARCHSIM_VERSION)) {
		fprintf(stderr, "archsim: out of memory\n");
		return 1;
	}
	/* the output files are opened first, so an unwritable directory is
	 * found before the simulation, and rows are written point by point */
	int rc = report_open(&rep, outdir, &err);
	if (rc) {
		fprintf(stderr, "archsim: %s\n", err.msg);
		report_fini(&rep);
		return 1;
	}
	if (shards) {
		rc = split_merge(shards, set, &rep, &cmd_stop, &err);
		if (rc == SIM_EINTR) {
			/* a merge is quick to run again: it leaves nothing */
			report_abort(&rep);
			report_fini(&rep);
			fprintf(stderr, "archsim: interrupted; nothing written\n");
			return 128 + (int)cmd_stop;
		}
	} else {
		struct runner_opts ro = {
			.jobs = a->jobs,
			.stop = &cmd_stop,
			.progress = ps.tty && !a->quiet ? on_progress : NULL,
			.arg = &ps,
		};
		rc = t ? runner_run_on(set, &rep, &ro, t, &err) : runner_run(set, &rep, &ro, &err);
	}
	int status = finish(&rep, rc, &err, outdir, a, &ps);
	report_fini(&rep);
	if (status == 0 && a->trace.arg) {
		/* replication 0 of the first point once more, traced */
		struct sim_err terr = { 0 };
		int trc = trace_write(set->points[0], a->trace.count, a->trace.share, outdir,
				      &cmd_stop, &terr);
		if (trc == SIM_EINTR) {
			fprintf(stderr, "archsim: interrupted; no trace written\n");
			return 128 + (int)cmd_stop;
		}
		if (trc) {
			fprintf(stderr, "archsim: %s\n", terr.msg);
			return 1;
		}
		if (!a->quiet)
			printf("trace: %s/trace.json (open it in ui.perfetto.dev or chrome://tracing)\n",
			       outdir);
	}
	return status;
}

/* run_shard runs one shard of set into its shard file. */
static int run_shard(const struct sweep *set, const struct sweep_source *src,
		     const struct cmd_args *a)
{
	struct sim_err err = { 0 };
	uint32_t index, count;
	if (split_parse(a->shard, &index, &count, &err)) {
		fprintf(stderr, "archsim: %s\n", err.msg);
		return CMD_EXIT_BADINPUT;
	}
	char dirbuf[4096], path[4200];
	const char *outdir = cmd_out_dir(a, set, dirbuf, sizeof dirbuf);
	struct progress_state ps;
	cmd_catch_signals();
	progress_start(&ps);
	struct runner_opts ro = {
		.jobs = a->jobs,
		.stop = &cmd_stop,
		.progress = ps.tty && !a->quiet ? on_progress : NULL,
		.arg = &ps,
	};
	int rc = split_run(set, src, index, count, outdir, ARCHSIM_VERSION, &ro, path,
			   sizeof path, &err);
	if (ps.shown)
		fprintf(stderr, "\r\033[K");
	if (rc == SIM_EINTR) {
		fprintf(stderr, "archsim: interrupted; shard %u of %u not written\n", index + 1, count);
		return 128 + (int)cmd_stop;
	}
	if (rc) {
		fprintf(stderr, "archsim: %s\n", err.msg);
		return 1;
	}
	if (!a->quiet)
		printf("shard %u of %u: %s (combine the %u shards with archsim merge)\n",
		       index + 1, count, path, count);
	return 0;
}

/* warm_up runs the pilot runs of each `warmup: auto` point, before the
 * work is split (a merge has the cuts from its shards): 0, or the exit
 * status after saying why. */
static int warm_up(struct sweep *set, const struct cmd_args *a)
{
	struct sim_err err = { 0 };
	cmd_catch_signals();
	int rc = runner_warmups(set, a->jobs, &cmd_stop, &err);
	if (rc == SIM_EINTR) {
		fprintf(stderr, "archsim: interrupted; nothing written\n");
		return 128 + (int)cmd_stop;
	}
	if (rc) {
		fprintf(stderr, "archsim: %.900s (in the pilot run of warmup: auto)\n", err.msg);
		return rc == SIM_EINVAL ? CMD_EXIT_BADINPUT : 1;
	}
	return 0;
}

static int run_exec(const struct cmd_args *a)
{
	/* in archsim-mpi under mpirun, the other ranks are the workers */
	struct runner_transport t;
	int ranks = mpiwork_transport(&t) && !a->shard;
	struct sweep *set = NULL;
	struct sweep_source src = { 0 };
	/* a shard file keeps the scenario's text for the merge; the ranks
	 * are sent it */
	int status = cmd_load(a, &set, a->shard || ranks ? &src : NULL);
	if (status == 0)
		status = warm_up(set, a);
	if (status == 0 && ranks)
		mpiwork_share_scenario(src.file, src.text, set);
	if (status == 0)
		status = a->shard ? run_shard(set, &src, a) : run_set(set, a, NULL, ranks ? &t : NULL);
	sweep_free(set);
	free((char *)src.text);
	return status;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.args = "FILE",
	.options = "-o --seed --set -j --shard --trace -q --stats",
	.doc = "check the scenario, simulate it, write the results",
	.exec = run_exec,
};

static int merge_exec(const struct cmd_args *a)
{
	struct sim_err err = { 0 };
	struct split_set *shards = NULL;
	struct sweep_source src = { 0 };
	struct sweep *set = NULL;
	int rc = split_open(a->pos, a->npos, ARCHSIM_VERSION, &shards, &src, &err);
	if (rc == 0)
		rc = sweep_load_string(&archsim_lang, src.file, src.text, src.sets, src.nsets, &set,
				       &err);
	if (rc == 0)
		rc = split_warmups(shards, set, &err);
	/* the shard files' faults are archsim's to say; the scenario's
	 * come located (FILE:LINE:COL) */
	int status = rc ? cmd_failed(rc, &err, shards ? "" : "archsim: ") :
			  run_set(set, a, shards, NULL);
	sweep_free(set);
	split_close(shards);
	return status;
}

const struct cmd_entry cmd_merge_entry = {
	.name = "merge",
	.args = "DIR...",
	.options = "-o -q --stats",
	.tolerates = "-j",
	.refuses = "takes the scenario and its overrides from the shard files",
	.doc = "combine the shard files of a sweep run with --shard (in the directories "
	       "given) into the files one run would write",
	.exec = merge_exec,
};
