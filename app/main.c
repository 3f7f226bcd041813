/*
 * main.c - the archsim command line.
 *
 *   archsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE ...] [-j N]
 *               [--shard I/N] [--trace N] [-q] [--stats]
 *   archsim merge DIR... [-o DIR] [-q]
 *   archsim capacity FILE [--slo S] [--vary PATH] [--min A] [--max B]
 *               [--goal G] [--tolerance R] [--max-replications N] [options]
 *   archsim check FILE [--seed N] [--set PATH=VALUE ...]
 *   archsim plot DIR...
 *   archsim graph FILE [--set PATH=VALUE ...]
 *   archsim help [KIND] [--markdown]
 *   archsim --help | --version
 *
 * Exit status: 0 success; 1 a run failed (I/O, memory); 2 bad input (the
 * scenario, an override, the command line), with nothing written;
 * 130 / 143 stopped by SIGINT / SIGTERM after writing what finished.
 * This is the only place where error codes become exit statuses.
 */
#define _DEFAULT_SOURCE 1     /* realpath */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <gsl/gsl_errno.h>

#include "app/capacity.h"
#include "app/graph.h"
#include "app/help.h"
#include "app/lang.h"
#include "app/report.h"
#include "app/runner.h"
#include "app/split.h"
#include "app/trace.h"
#include "sim/sweep.h"
#include "sim/ytree.h"
#ifdef ARCHSIM_MPI
#include "app/mpiwork.h"

/* this process's rank and the number of ranks (1 without mpirun) */
static int mpi_rank, mpi_size = 1;
#endif

#ifndef ARCHSIM_VERSION
#define ARCHSIM_VERSION "0.0.0"
#endif

#define EXIT_BADINPUT 2

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	char kinds[256];
	const char *names[64];
	size_t nk = 0;
	for (; archsim_lang.kinds[nk] && nk < 63; nk++)
		names[nk] = archsim_lang.kinds[nk]->kind;
	names[nk] = NULL;
	check_join(kinds, sizeof kinds, names);
	fprintf(f,
		"usage: archsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE ...] [-j N]\n"
		"                   [--shard I/N] [--trace N] [-q] [--stats]\n"
		"       archsim merge DIR... [-o DIR] [-q]\n"
		"       archsim capacity FILE --slo SLO --vary PATH [--min A] [--max B]\n"
		"                   [--goal smallest|largest] [--tolerance R]\n"
		"                   [--max-replications N] [-o DIR] [--set ...] [-j N] [-q]\n"
		"       archsim check FILE [--seed N] [--set PATH=VALUE ...]\n"
		"       archsim plot DIR...\n"
		"       archsim graph FILE [--seed N] [--set PATH=VALUE ...]\n"
		"       archsim help [KIND] [--markdown]\n"
		"       archsim --help | --version\n"
		"\n"
		"Simulates the architecture described in the YAML scenario FILE and\n"
		"writes summary.csv, nodes.csv, latency.csv and timeseries.csv.\n"
		"\n"
		"commands:\n"
		"  run      check the scenario, simulate it, write the results\n"
		"  merge    combine the shard files of a sweep run with --shard (in the\n"
		"           directories given) into the files one run would write\n"
		"  capacity find the smallest (or largest) value of PATH that meets the\n"
		"           SLO ('latency_p99_s<50ms and reject_ratio<0.001'), deciding\n"
		"           each probe with 95%% confidence; writes DIR/capacity.csv\n"
		"           (the scenario's capacity: block gives the same keys)\n"
		"  check    check the scenario only; print nothing when it is valid\n"
		"  graph    print the topology as Graphviz DOT (dot -Tpng renders it)\n"
		"  plot     draw every chart the CSV files in DIR support, as PNG and SVG,\n"
		"           with gnuplot and the scripts in plots/\n"
		"  help     list the kinds of workloads and nodes; with KIND, the keys it\n"
		"           accepts with their types, ranges, defaults and meaning;\n"
		"           with --markdown, in Markdown (alone: the whole reference,\n"
		"           docs/reference.md)\n"
		"\n"
		"options:\n"
		"  -o DIR             output directory (default: results/NAME, NAME from\n"
		"                     the scenario's name: or its file name)\n"
		"  --seed N           use seed N instead of the scenario's seed:\n"
		"  --set PATH=VALUE   override one value, e.g. --set nodes.web.workers=4\n"
		"                     (repeatable; VALUE is YAML: 10ms, [1, 2], {a: 1})\n"
		"  -j N               run replications and sweep points in N processes\n"
		"                     (default: one per core); the results are the same\n"
		"                     bytes for every N\n"
		"  --shard I/N        run only shard I of N of the sweep's work items and\n"
		"                     write them to DIR/shard-I-of-N.rec, for archsim merge\n"
		"  --trace N          also write DIR/trace.json: the first N requests of\n"
		"                     replication 0 (or a share, 0.01) as Chrome trace\n"
		"                     events, for Perfetto or chrome://tracing\n"
		"  -q                 quiet: no progress line and no results table\n"
		"  --stats            print events, requests and wall time on stderr\n"
		"  -h, --help         this help\n"
		"  --version          print the version\n"
		"\n"
		"component kinds: %s (archsim help KIND: their keys)\n"
		"exit status: 0 ok, 1 run failed, 2 bad input, 130/143 interrupted\n",
		kinds);
}

/* plot is `archsim plot DIR...`: scripts/plot.sh on each directory, run
 * from archsim's own tree (ARCHSIM_HOME, or the nearest directory above
 * this program's that holds scripts/plot.sh: the tree build/archsim was
 * built in), where plots/ is.  It returns the exit status. */
static int plot(int argc, char **argv)
{
	char home[4096], exe[4096];
	const char *env = getenv("ARCHSIM_HOME");
	if (argc < 1) {
		fprintf(stderr, "usage: archsim plot DIR...\n");
		return EXIT_BADINPUT;
	}
	if (env && *env) {
		snprintf(home, sizeof home, "%s", env);
	} else {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n <= 0) {
			fprintf(stderr, "archsim: cannot find where archsim is: set ARCHSIM_HOME to the directory holding plots/ and scripts/\n");
			return 1;
		}
		exe[n] = 0;
		/* up from the program's directory (build/, build/debug/) to
		 * the first that holds scripts/plot.sh */
		home[0] = 0;
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(exe, '/');
			if (!slash)
				break;
			*slash = 0;
			char try[4200];
			snprintf(try, sizeof try, "%s/scripts/plot.sh", exe);
			if (!access(try, R_OK)) {
				snprintf(home, sizeof home, "%s", exe);
				break;
			}
		}
	}
	char script[4200];
	snprintf(script, sizeof script, "%s/scripts/plot.sh", home);
	if (!home[0] || access(script, R_OK)) {
		fprintf(stderr, "archsim: no chart scripts at %s: set ARCHSIM_HOME to the directory holding plots/ and scripts/\n",
			script);
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		char dir[4096];
		if (argv[i][0] == '-') {
			fprintf(stderr, "archsim: unknown option '%s' (see archsim --help)\n", argv[i]);
			return EXIT_BADINPUT;
		}
		if (!realpath(argv[i], dir)) {
			fprintf(stderr, "archsim: %s: %s\n", argv[i], strerror(errno));
			return EXIT_BADINPUT;
		}
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "archsim: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			if (chdir(home)) {
				fprintf(stderr, "archsim: %s: %s\n", home, strerror(errno));
				_exit(1);
			}
			execlp("sh", "sh", "scripts/plot.sh", dir, (char *)NULL);
			fprintf(stderr, "archsim: cannot run sh: %s\n", strerror(errno));
			_exit(1);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return 1;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	return 0;
}

/* help is `archsim help [KIND] [--markdown]`; it returns the exit status. */
static int help(int argc, char **argv)
{
	const char *kind = NULL;
	int markdown = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown")) {
			markdown = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "archsim: unknown option '%s' (see archsim --help)\n", argv[i]);
			return EXIT_BADINPUT;
		} else if (!kind) {
			kind = argv[i];
		} else {
			fprintf(stderr, "archsim: unexpected argument '%s'\n", argv[i]);
			return EXIT_BADINPUT;
		}
	}
	if (!kind && markdown) {
		help_reference(stdout, &archsim_lang);
	} else if (!kind) {
		printf("usage: archsim help [TOPIC] [--markdown]\n\n");
		help_list(stdout, &archsim_lang);
		printf("\narchsim help TOPIC prints one topic; archsim help --markdown prints the\n"
		       "whole reference (docs/reference.md).\n");
	} else if (help_topic(stdout, &archsim_lang, kind,
			      markdown ? PARAM_MARKDOWN : PARAM_TEXT)) {
		const char *names[128];
		help_names(&archsim_lang, names, 128);
		const char *near = check_closest(kind, names);
		if (near) {
			fprintf(stderr, "archsim: unknown topic '%s'; did you mean '%s'?\n",
				kind, near);
		} else {
			fprintf(stderr, "archsim: unknown topic '%s' (topics:", kind);
			for (size_t i = 0; names[i]; i++)
				fprintf(stderr, "%s %s", i ? "," : "", names[i]);
			fprintf(stderr, ")\n");
		}
		return EXIT_BADINPUT;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "archsim: write failed: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

struct progress_state {
	struct timespec start, last;
	int shown;
	int tty;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) * 1e-9;
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
	double done = ((double)p->items_done + p->done) / (double)p->items;
	double el = since(&ps->start, &now);
	char left[32] = "";
	if (done > 0.01)
		snprintf(left, sizeof left, ", %.0f s left", el / done * (1 - done));
	fprintf(stderr, "\rarchsim: %llu/%llu runs (point %zu/%zu, replication %u/%u), %3.0f%%, %.0f s%s \033[K",
		(unsigned long long)p->items_done, (unsigned long long)p->items,
		p->point + 1, p->npoints, p->rep + 1, p->nreps, 100 * done, el, left);
	ps->shown = 1;
}

#ifdef ARCHSIM_MPI
#define MPI_RUN(cmd) (!strcmp((cmd), "run") && mpi_size > 1)
#else
#define MPI_RUN(cmd) 0
#endif

/* The command line, parsed. */
struct args {
	const char *cmd;
	char **pos;                  /* positional arguments after cmd */
	size_t npos;
	const char *outdir;
	struct sc_override *sets;
	size_t nsets;
	int quiet, want_stats;
	unsigned jobs;               /* 1 to 256 */
	const char *shard;
	const char *trace;           /* --trace N or SHARE */
	uint64_t trace_count;
	double trace_share;
	/* capacity */
	const char *slo, *vary, *min, *max, *goal, *tolerance, *max_reps;
};

/* finish commits rep (filled by a run or a merge whose status is rc),
 * prints the table and warnings, and returns the exit status. */
static int finish(struct report *rep, int rc, const struct sim_err *err, const char *outdir,
		  const struct args *a, const struct progress_state *ps)
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
		return rc == SIM_EINVAL ? EXIT_BADINPUT : 1;
	}
	struct sim_err werr = { 0 };
	if (report_commit(rep, &werr)) {
		fprintf(stderr, "archsim: %s\n", werr.msg);
		return 1;
	}
	if (!a->quiet)
		report_print_table(rep, stdout);
	report_print_warnings(rep, stderr);
	if (rc == SIM_EINTR) {
		fprintf(stderr, "archsim: interrupted; wrote what finished to %s/ (complete=false)\n",
			outdir);
		status = 128 + (int)stop_signal;
	} else if (!a->quiet) {
		printf("results: %s/{summary,workloads,nodes,latency,timeseries,node_timeseries,timeline,compare}.csv\n",
		       outdir);
	}
	return status;
}

static void on_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* out_dir is -o's directory, or results/NAME (in buf). */
static const char *out_dir(const struct args *a, const struct sweep *set, char *buf,
			   size_t len)
{
	if (a->outdir)
		return a->outdir;
	snprintf(buf, len, "results/%s", set->points[0]->name);
	return buf;
}

static void progress_start(struct progress_state *ps)
{
	memset(ps, 0, sizeof *ps);
	ps->tty = isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &ps->start);
	ps->last = ps->start;
}

/* run_set runs (or, with shards, merges into) the report of set. */
static int run_set(const struct sweep *set, const struct args *a,
		   struct split_set *shards)
{
	char dirbuf[4096];
	const char *outdir = out_dir(a, set, dirbuf, sizeof dirbuf);
	struct progress_state ps;
	on_signals();
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
		rc = split_merge(shards, set, &rep, &stop_signal, &err);
		if (rc == SIM_EINTR) {
			/* a merge is quick to run again: it leaves nothing */
			report_abort(&rep);
			report_fini(&rep);
			fprintf(stderr, "archsim: interrupted; nothing written\n");
			return 128 + (int)stop_signal;
		}
	} else {
		struct runner_opts ro = {
			.jobs = a->jobs,
			.stop = &stop_signal,
			.progress = ps.tty && !a->quiet ? on_progress : NULL,
			.arg = &ps,
		};
#ifdef ARCHSIM_MPI
		/* the other ranks are the workers */
		struct runner_transport t;
		mpiwork_transport(&t, mpi_size);
		rc = mpi_size > 1 ? runner_run_on(set, &rep, &ro, &t, &err) :
				    runner_run(set, &rep, &ro, &err);
#else
		rc = runner_run(set, &rep, &ro, &err);
#endif
	}
	int status = finish(&rep, rc, &err, outdir, a, &ps);
	report_fini(&rep);
	if (status == 0 && a->trace) {
		/* replication 0 of the first point once more, traced */
		struct sim_err terr = { 0 };
		int trc = trace_write(set->points[0], a->trace_count, a->trace_share, outdir,
				      &stop_signal, &terr);
		if (trc == SIM_EINTR) {
			fprintf(stderr, "archsim: interrupted; no trace written\n");
			return 128 + (int)stop_signal;
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
		     const struct args *a)
{
	struct sim_err err = { 0 };
	uint32_t index, count;
	if (split_parse(a->shard, &index, &count, &err)) {
		fprintf(stderr, "archsim: %s\n", err.msg);
		return EXIT_BADINPUT;
	}
	char dirbuf[4096], path[4200];
	const char *outdir = out_dir(a, set, dirbuf, sizeof dirbuf);
	struct progress_state ps;
	on_signals();
	progress_start(&ps);
	struct runner_opts ro = {
		.jobs = a->jobs,
		.stop = &stop_signal,
		.progress = ps.tty && !a->quiet ? on_progress : NULL,
		.arg = &ps,
	};
	int rc = split_run(set, src, index, count, outdir, ARCHSIM_VERSION, &ro, path,
			   sizeof path, &err);
	if (ps.shown)
		fprintf(stderr, "\r\033[K");
	if (rc == SIM_EINTR) {
		fprintf(stderr, "archsim: interrupted; shard %u of %u not written\n", index + 1, count);
		return 128 + (int)stop_signal;
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

/* run_capacity runs the SLO search on the scenario in src (set: it,
 * loaded and checked). */
static int run_capacity(const struct sweep *set, const struct sweep_source *src,
			const struct args *a)
{
	struct cap_spec spec;
	struct sim_err err = { 0 };
	char why[700];
	const struct yt_node *blk = yt_get(set->points[0]->tree, "capacity");
	memset(&spec, 0, sizeof spec);
	if (blk) {
		struct check_ctx ctx = { set->points[0], &err, &archsim_lang };
		if (param_fill(&ctx, "capacity", blk, &cap_table, NULL, &spec)) {
			fprintf(stderr, "%s\n", err.msg);
			return EXIT_BADINPUT;
		}
	}
	if (!blk && (!a->slo || !a->vary)) {
		fprintf(stderr, "archsim: capacity needs --slo and --vary, or a capacity: block in %s\n",
			src->file);
		return EXIT_BADINPUT;
	}
	if (a->slo && cap_parse_slo(a->slo, &spec, why, sizeof why)) {
		fprintf(stderr, "archsim: --slo: %s\n", why);
		return EXIT_BADINPUT;
	}
	if (a->vary)
		snprintf(spec.path, sizeof spec.path, "%s", a->vary);
	if (a->goal) {
		int g = cap_goal_find(a->goal);
		if (g < 0) {
			fprintf(stderr, "archsim: --goal: expected smallest, largest or auto (got '%s')\n",
				a->goal);
			return EXIT_BADINPUT;
		}
		spec.goal = (enum cap_goal)g;
	}
	char *end;
	if (a->tolerance) {
		spec.tolerance = strtod(a->tolerance, &end);
		if (*end || !(spec.tolerance >= CAP_TOLERANCE_MIN &&
			      spec.tolerance <= CAP_TOLERANCE_MAX)) {
			fprintf(stderr, "archsim: --tolerance: expected a number from %g to %g (got '%s')\n",
				CAP_TOLERANCE_MIN, CAP_TOLERANCE_MAX, a->tolerance);
			return EXIT_BADINPUT;
		}
	}
	if (a->max_reps) {
		long n = strtol(a->max_reps, &end, 10);
		if (*end || n < CAP_REPS_MIN || n > CAP_REPS_MAX) {
			fprintf(stderr, "archsim: --max-replications: expected an integer from %d to %d (got '%s')\n",
				CAP_REPS_MIN, CAP_REPS_MAX, a->max_reps);
			return EXIT_BADINPUT;
		}
		spec.max_replications = (uint32_t)n;
	}
	/* the bounds: the command line's, else the block's */
	const struct yt_node *bmin = blk ? yt_get(blk, "min") : NULL;
	const struct yt_node *bmax = blk ? yt_get(blk, "max") : NULL;
	const char *min = a->min ? a->min : bmin ? bmin->str : NULL;
	const char *max = a->max ? a->max : bmax ? bmax->str : NULL;
	if (cap_spec_finish(&spec, min, max, why, sizeof why)) {
		fprintf(stderr, "archsim: capacity: %s\n", why);
		return EXIT_BADINPUT;
	}
	char dirbuf[4096];
	const char *outdir = out_dir(a, set, dirbuf, sizeof dirbuf);
	on_signals();
	struct cap_result res;
	int rc = cap_search(&archsim_lang, &spec, src, a->jobs, &stop_signal, outdir,
			    a->quiet ? NULL : stderr, &res, &err);
	if (rc == SIM_EINTR) {
		cap_result_free(&res);
		fprintf(stderr, "archsim: interrupted; nothing written\n");
		return 128 + (int)stop_signal;
	}
	if (rc) {
		cap_result_free(&res);
		fprintf(stderr, "%s%s\n", rc == SIM_EINVAL ? "" : "archsim: ", err.msg);
		return rc == SIM_EINVAL ? EXIT_BADINPUT : 1;
	}
	char lo[64], hi[64], ans[64];
	cap_format(&spec, spec.min, lo, sizeof lo);
	cap_format(&spec, res.nprobes > 1 ? res.probes[1].value : spec.max, hi, sizeof hi);
	if (!res.found) {
		printf("no value of %s from %s to %s meets %s\n", spec.path, lo,
		       spec.has_max ? hi : "the doubling's end", spec.slo);
	} else {
		cap_format(&spec, res.answer, ans, sizeof ans);
		printf("%s %s that meets %s: %s%s\n",
		       res.goal == CAP_LARGEST ? "largest" : "smallest", spec.path, spec.slo, ans,
		       res.both ? " (it holds over the whole range searched)" : "");
	}
	if (!a->quiet)
		printf("evidence: %s/capacity.csv (%zu probes)\n", outdir, res.nprobes);
	cap_result_free(&res);
	return 0;
}

/* parse reads the command line into a; 0, or the exit status to end
 * with (-1: done, status 0). */
static int parse(int argc, char **argv, struct args *a)
{
	char *seed_arg = NULL;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(s, "--version")) {
			printf("archsim %s\n", ARCHSIM_VERSION);
			return -1;
		} else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
			a->quiet = 1;
		} else if (!strcmp(s, "--stats")) {
			a->want_stats = 1;
		} else if (!strncmp(s, "-j", 2) || !strcmp(s, "--jobs")) {
			const char *v = s[1] == 'j' && s[2] ? s + 2 : i + 1 < argc ? argv[++i] : NULL;
			char *end;
			long n = v ? strtol(v, &end, 10) : 0;
			if (!v || !*v || *end || n < 1 || n > 256) {
				fprintf(stderr, "archsim: -j needs a number of processes from 1 to 256\n");
				return EXIT_BADINPUT;
			}
			a->jobs = (unsigned)n;
		} else if (!strcmp(s, "--slo") || !strcmp(s, "--vary") || !strcmp(s, "--min") ||
			   !strcmp(s, "--max") || !strcmp(s, "--goal") || !strcmp(s, "--tolerance") ||
			   !strcmp(s, "--max-replications")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "archsim: %s needs a value\n", s);
				return EXIT_BADINPUT;
			}
			const char **slot = !strcmp(s, "--slo") ? &a->slo : !strcmp(s, "--vary") ? &a->vary :
				!strcmp(s, "--min") ? &a->min : !strcmp(s, "--max") ? &a->max :
				!strcmp(s, "--goal") ? &a->goal : !strcmp(s, "--tolerance") ? &a->tolerance :
				&a->max_reps;
			*slot = argv[++i];
		} else if (!strcmp(s, "--trace")) {
			if (i + 1 >= argc || trace_parse(argv[i + 1], &a->trace_count, &a->trace_share)) {
				fprintf(stderr, "archsim: --trace needs a number of requests (100) or a share of them (0.01)\n");
				return EXIT_BADINPUT;
			}
			a->trace = argv[++i];
		} else if (!strcmp(s, "-o") || !strcmp(s, "--seed") || !strcmp(s, "--set") ||
			   !strcmp(s, "--shard")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "archsim: %s needs a value\n", s);
				return EXIT_BADINPUT;
			}
			const char *v = argv[++i];
			if (!strcmp(s, "-o")) {
				if (!*v) {
					fprintf(stderr, "archsim: -o needs a directory name\n");
					return EXIT_BADINPUT;
				}
				a->outdir = v;
			} else if (!strcmp(s, "--seed")) {
				seed_arg = (char *)v;
			} else if (!strcmp(s, "--shard")) {
				a->shard = v;
			} else {
				const char *eq = strchr(v, '=');
				if (!eq || eq == v) {
					fprintf(stderr, "archsim: --set %s: expected PATH=VALUE\n", v);
					return EXIT_BADINPUT;
				}
				char *path = strndup(v, (size_t)(eq - v));
				if (!path) {
					fprintf(stderr, "archsim: out of memory\n");
					return 1;
				}
				a->sets[a->nsets].path = path;
				a->sets[a->nsets].value = eq + 1;
				a->nsets++;
			}
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "archsim: unknown option '%s' (see archsim --help)\n", s);
			return EXIT_BADINPUT;
		} else if (!a->cmd) {
			a->cmd = s;
		} else {
			a->pos[a->npos++] = argv[i];
		}
	}
	int run = a->cmd && !strcmp(a->cmd, "run"), check = a->cmd && !strcmp(a->cmd, "check");
	int merge = a->cmd && !strcmp(a->cmd, "merge");
	int capacity = a->cmd && !strcmp(a->cmd, "capacity");
	int graph = a->cmd && !strcmp(a->cmd, "graph");
	if (a->cmd && !run && !check && !merge && !capacity && !graph) {
		fprintf(stderr, "archsim: unknown command '%s'\n", a->cmd);
		usage(stderr);
		return EXIT_BADINPUT;
	}
	if (!a->cmd || a->npos == 0 || (!merge && a->npos > 1)) {
		if (a->npos > 1)
			fprintf(stderr, "archsim: unexpected argument '%s'\n", a->pos[1]);
		usage(stderr);
		return EXIT_BADINPUT;
	}
	if (merge && (a->nsets || seed_arg || a->shard)) {
		fprintf(stderr, "archsim: merge takes the scenario and its overrides from the shard files: no --set, --seed or --shard\n");
		return EXIT_BADINPUT;
	}
	if (a->shard && !run) {
		fprintf(stderr, "archsim: --shard is an option of run\n");
		return EXIT_BADINPUT;
	}
	if (a->trace && (!run || a->shard)) {
		fprintf(stderr, "archsim: --trace is an option of run, without --shard\n");
		return EXIT_BADINPUT;
	}
	if (!capacity && (a->slo || a->vary || a->min || a->max || a->goal || a->tolerance ||
			  a->max_reps)) {
		fprintf(stderr, "archsim: --slo, --vary, --min, --max, --goal, --tolerance and --max-replications are options of capacity\n");
		return EXIT_BADINPUT;
	}
	if (seed_arg) {
		/* --seed is an override like any other, checked the same way */
		if (!(a->sets[a->nsets].path = strdup("seed"))) {
			fprintf(stderr, "archsim: out of memory\n");
			return 1;
		}
		a->sets[a->nsets].value = seed_arg;
		a->nsets++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct args a = { .jobs = cores < 1 ? 1 : cores > 256 ? 256 : (unsigned)cores };
	int status;

	/* GSL reports failures (out of memory) by return value, not abort */
	gsl_set_error_handler_off();
#ifdef __GLIBC__
	/* every replication allocates its event and request pools (megabytes)
	 * and frees them at its end, often at the top of the heap: by default
	 * glibc hands that memory back to the system each time and the next
	 * replication faults it in again, which cost a sweep of short runs
	 * two thirds of its time in the kernel.  Keep up to 64 MB of free
	 * heap, and take blocks up to 32 MB from the heap, not from mmap. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
#ifdef ARCHSIM_MPI
	if (mpiwork_init(&argc, &argv, &mpi_rank, &mpi_size)) {
		fprintf(stderr, "archsim: MPI could not start\n");
		return 1;
	}
	if (mpi_rank != 0) {
		/* a worker says nothing: rank 0 reports for all */
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			return 1;
	}
	/* forked workers under MPI would share its connections: the ranks
	 * are the workers */
	a.jobs = 1;
#endif
	if (argc >= 2 && !strcmp(argv[1], "plot")) {
#ifdef ARCHSIM_MPI
		int st = mpi_rank == 0 ? plot(argc - 2, argv + 2) : 0;
		mpiwork_finish(-1, mpi_size);
		return st;
#else
		return plot(argc - 2, argv + 2);
#endif
	}
	if (argc >= 2 && !strcmp(argv[1], "help")) {
#ifdef ARCHSIM_MPI
		mpiwork_finish(-1, mpi_size);
#endif
		return help(argc - 2, argv + 2);
	}
	a.sets = calloc((size_t)argc + 1, sizeof *a.sets);
	a.pos = calloc((size_t)argc + 1, sizeof *a.pos);
	if (!a.sets || !a.pos) {
		fprintf(stderr, "archsim: out of memory\n");
		return 1;
	}
	status = parse(argc, argv, &a);
#ifdef ARCHSIM_MPI
	if (mpi_rank != 0) {
		/* a worker: the scenario comes from rank 0, checked here with
		 * the same overrides; then items until rank 0 says the end */
		char *file = NULL, *text = NULL;
		struct sweep *set = NULL;
		struct sim_err err = { 0 };
		if (mpiwork_share_text(mpi_rank, &file, &text) == 0 && file && status == 0 &&
		    sweep_load_string(&archsim_lang, file, text, a.sets, a.nsets, &set, &err) == 0 &&
		    mpiwork_share_warmups(mpi_rank, set) == 0) {
			on_signals();
			mpiwork_serve(set, &stop_signal);
		}
		sweep_free(set);
		free(file), free(text);
		mpiwork_finish(mpi_rank, mpi_size);
		status = 0;
		goto out;
	}
	if (status) {
		char *none = NULL;
		mpiwork_share_text(0, &none, &none);
		mpiwork_finish(0, mpi_size);
	}
#endif
	if (status) {
		if (status < 0)
			status = 0;
		goto out;
	}

	struct sim_err err = { 0 };
	struct sweep *set = NULL;
	struct split_set *shards = NULL;
	struct sweep_source src = { 0 };
	char *text = NULL;
	int rc;
	if (!strcmp(a.cmd, "merge")) {
		rc = split_open(a.pos, a.npos, ARCHSIM_VERSION, &shards, &src, &err);
		if (rc == 0)
			rc = sweep_load_string(&archsim_lang, src.file, src.text, src.sets, src.nsets, &set, &err);
		if (rc == 0)
			rc = split_warmups(shards, set, &err);
	} else if (a.shard || MPI_RUN(a.cmd) || !strcmp(a.cmd, "capacity")) {
		/* the shard file keeps the scenario's text for the merge; MPI
		 * sends it to the other ranks */
		size_t len;
		rc = yt_read_file(a.pos[0], &text, &len, &err);
		if (rc == 0)
			rc = sweep_load_string(&archsim_lang, a.pos[0], text, a.sets, a.nsets, &set, &err);
		src = (struct sweep_source){ a.pos[0], text, a.sets, a.nsets };
	} else {
		rc = sweep_load(&archsim_lang, a.pos[0], a.sets, a.nsets, &set, &err);
	}
	if (rc == 0 && strcmp(a.cmd, "check") && strcmp(a.cmd, "capacity") &&
	    strcmp(a.cmd, "graph") && !shards) {
		/* `warmup: auto`: each such point's pilot run, before the
		 * work is split (a merge has the cuts from its shards) */
		on_signals();
		rc = runner_warmups(set, a.jobs, &stop_signal, &err);
		char msg[sizeof err.msg];
		snprintf(msg, sizeof msg, "%s", err.msg);
		if (rc == SIM_EINTR)
			snprintf(err.msg, sizeof err.msg, "archsim: interrupted; nothing written");
		else if (rc)
			snprintf(err.msg, sizeof err.msg, "archsim: %.900s (in the pilot run of warmup: auto)",
				 msg);
	}
#ifdef ARCHSIM_MPI
	{
		/* the workers take part in a run without shards, once checked,
		 * with the warm-ups found */
		char *file = (char *)a.pos[0], *t = text;
		if (rc || a.shard || !MPI_RUN(a.cmd))
			file = t = NULL;
		mpiwork_share_text(0, &file, &t);
		if (file)
			mpiwork_share_warmups(0, set);
	}
#endif
	if (rc == SIM_EINTR) {
		fprintf(stderr, "%s\n", err.msg);
		status = 128 + (int)stop_signal;
	} else if (rc) {
		fprintf(stderr, "%s%s\n", shards || strcmp(a.cmd, "merge") ? "" : "archsim: ",
			err.msg);
		status = rc == SIM_EINVAL ? EXIT_BADINPUT : 1;
	} else if (!strcmp(a.cmd, "check")) {
		status = 0;
	} else if (!strcmp(a.cmd, "graph")) {
		/* a sweep's first point stands for all */
		graph_dot(set->points[0], stdout);
		status = fflush(stdout) || ferror(stdout) ? 1 : 0;
	} else if (!strcmp(a.cmd, "capacity")) {
		status = run_capacity(set, &src, &a);
	} else if (a.shard) {
		status = run_shard(set, &src, &a);
	} else {
		status = run_set(set, &a, shards);
	}
	sweep_free(set);
	split_close(shards);
	free(text);
#ifdef ARCHSIM_MPI
	mpiwork_finish(0, mpi_size);
#endif
out:
	for (size_t i = 0; i < a.nsets; i++)
		free((char *)a.sets[i].path);
	free(a.sets);
	free(a.pos);
	return status;
}
