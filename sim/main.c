/*
 * main.c - the archsim command line.
 *
 *   archsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE ...] [-j N] [-q] [--stats]
 *   archsim check FILE [--seed N] [--set PATH=VALUE ...]
 *   archsim help [KIND] [--markdown]
 *   archsim --help | --version
 *
 * Exit status: 0 success; 1 a run failed (I/O, memory); 2 bad input (the
 * scenario, an override, the command line), with nothing written;
 * 130 / 143 stopped by SIGINT / SIGTERM after writing what finished.
 * This is the only place where error codes become exit statuses.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "models/model.h"
#include "sim/report.h"
#include "sim/runner.h"
#include "sim/scenario.h"

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
	model_kind_names(kinds, sizeof kinds);
	fprintf(f,
		"usage: archsim run FILE [-o DIR] [--seed N] [--set PATH=VALUE ...] [-j N] [-q] [--stats]\n"
		"       archsim check FILE [--seed N] [--set PATH=VALUE ...]\n"
		"       archsim help [KIND] [--markdown]\n"
		"       archsim --help | --version\n"
		"\n"
		"Simulates the architecture described in the YAML scenario FILE and\n"
		"writes summary.csv, nodes.csv, latency.csv and timeseries.csv.\n"
		"\n"
		"commands:\n"
		"  run      check the scenario, simulate it, write the results\n"
		"  check    check the scenario only; print nothing when it is valid\n"
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
		"  -q                 quiet: no progress line and no results table\n"
		"  --stats            print events, requests and wall time on stderr\n"
		"  -h, --help         this help\n"
		"  --version          print the version\n"
		"\n"
		"component kinds: %s (archsim help KIND: their keys)\n"
		"exit status: 0 ok, 1 run failed, 2 bad input, 130/143 interrupted\n",
		kinds);
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
		model_reference(stdout);
	} else if (!kind) {
		printf("usage: archsim help [KIND] [--markdown]\n\n");
		model_doc_list(stdout);
		printf("\narchsim help KIND prints the keys a kind accepts; archsim help --markdown\n"
		       "prints the whole reference (docs/reference.md).\n");
	} else {
		const struct model_ops *ops = model_doc_find(kind);
		if (!ops) {
			const char *names[64];
			model_doc_names(names, 64);
			const char *near = sc_closest(kind, names);
			if (near) {
				fprintf(stderr, "archsim: unknown kind '%s'; did you mean '%s'?\n",
					kind, near);
			} else {
				fprintf(stderr, "archsim: unknown kind '%s' (kinds:", kind);
				for (size_t i = 0; names[i]; i++)
					fprintf(stderr, "%s %s", i ? "," : "", names[i]);
				fprintf(stderr, ")\n");
			}
			return EXIT_BADINPUT;
		}
		model_doc(stdout, ops, markdown ? PARAM_MARKDOWN : PARAM_TEXT);
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

int main(int argc, char **argv)
{
	const char *cmd = NULL, *file = NULL, *outdir = NULL;
	struct sc_override *sets = calloc((size_t)argc + 1, sizeof *sets);
	size_t nsets = 0;
	int quiet = 0, want_stats = 0;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	int status = 0;
	char *seed_arg = NULL;

	/* GSL reports failures (out of memory) by return value, not abort */
	gsl_set_error_handler_off();
	if (argc >= 2 && !strcmp(argv[1], "help")) {
		free(sets);
		return help(argc - 2, argv + 2);
	}
	if (!sets) {
		fprintf(stderr, "archsim: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			goto out;
		} else if (!strcmp(a, "--version")) {
			printf("archsim %s\n", ARCHSIM_VERSION);
			goto out;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = 1;
		} else if (!strcmp(a, "--stats")) {
			want_stats = 1;
		} else if (!strcmp(a, "-j") || !strncmp(a, "-j", 2) || !strcmp(a, "--jobs")) {
			const char *v = a[1] == 'j' && a[2] ? a + 2 : i + 1 < argc ? argv[++i] : NULL;
			char *end;
			long n = v ? strtol(v, &end, 10) : 0;
			if (!v || !*v || *end || n < 1 || n > 256) {
				fprintf(stderr, "archsim: -j needs a number of processes from 1 to 256\n");
				status = EXIT_BADINPUT;
				goto out;
			}
			jobs = n;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--seed") || !strcmp(a, "--set")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "archsim: %s needs a value\n", a);
				status = EXIT_BADINPUT;
				goto out;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "-o")) {
				if (!*v) {
					fprintf(stderr, "archsim: -o needs a directory name\n");
					status = EXIT_BADINPUT;
					goto out;
				}
				outdir = v;
			} else if (!strcmp(a, "--seed")) {
				seed_arg = (char *)v;
			} else {
				const char *eq = strchr(v, '=');
				if (!eq || eq == v) {
					fprintf(stderr, "archsim: --set %s: expected PATH=VALUE\n", v);
					status = EXIT_BADINPUT;
					goto out;
				}
				char *path = strndup(v, (size_t)(eq - v));
				if (!path) {
					fprintf(stderr, "archsim: out of memory\n");
					status = 1;
					goto out;
				}
				sets[nsets].path = path;
				sets[nsets].value = eq + 1;
				nsets++;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "archsim: unknown option '%s' (see archsim --help)\n", a);
			status = EXIT_BADINPUT;
			goto out;
		} else if (!cmd) {
			cmd = a;
		} else if (!file) {
			file = a;
		} else {
			fprintf(stderr, "archsim: unexpected argument '%s'\n", a);
			status = EXIT_BADINPUT;
			goto out;
		}
	}
	if (!cmd || (strcmp(cmd, "run") && strcmp(cmd, "check")) || !file) {
		if (cmd && strcmp(cmd, "run") && strcmp(cmd, "check"))
			fprintf(stderr, "archsim: unknown command '%s'\n", cmd);
		usage(stderr);
		status = EXIT_BADINPUT;
		goto out;
	}
	if (seed_arg) {
		/* --seed is an override like any other, checked the same way */
		if (!(sets[nsets].path = strdup("seed"))) {
			fprintf(stderr, "archsim: out of memory\n");
			status = 1;
			goto out;
		}
		sets[nsets].value = seed_arg;
		nsets++;
	}

	struct sim_err err = { 0 };
	struct scenario_set *set = NULL;
	int rc = scenario_load(file, sets, nsets, &set, &err);
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		status = rc == SIM_EINVAL ? EXIT_BADINPUT : 1;
		goto out;
	}
	if (!strcmp(cmd, "check")) {
		scenario_set_free(set);
		goto out;
	}

	char dirbuf[4096];
	if (!outdir) {
		snprintf(dirbuf, sizeof dirbuf, "results/%s", set->points[0]->name);
		outdir = dirbuf;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct progress_state ps = { .tty = isatty(STDERR_FILENO) };
	clock_gettime(CLOCK_MONOTONIC, &ps.start);
	ps.last = ps.start;
	struct report rep;
	if (report_init(&rep, set, ARCHSIM_VERSION)) {
		fprintf(stderr, "archsim: out of memory\n");
		scenario_set_free(set);
		status = 1;
		goto out;
	}
	/* the output files are opened first, so an unwritable directory is
	 * found before the simulation, and rows are written point by point */
	if ((rc = report_open(&rep, outdir, &err))) {
		fprintf(stderr, "archsim: %s\n", err.msg);
		report_fini(&rep);
		scenario_set_free(set);
		status = 1;
		goto out;
	}
	struct runner_opts ro = {
		.jobs = jobs < 1 ? 1 : (unsigned)jobs,
		.stop = &stop_signal,
		.progress = ps.tty && !quiet ? on_progress : NULL,
		.arg = &ps,
	};
	rc = runner_run(set, &rep, &ro, &err);
	if (ps.shown)
		fprintf(stderr, "\r\033[K");
	if (want_stats) {
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		fprintf(stderr, "archsim: stats events=%llu requests=%llu sim_wall_s=%.6f\n",
			(unsigned long long)rep.events, (unsigned long long)rep.requests,
			since(&ps.start, &end));
	}
	if (rc && rc != SIM_EINTR) {
		fprintf(stderr, "archsim: %s\n", err.msg);
		report_abort(&rep);
		status = 1;
	} else {
		struct sim_err werr = { 0 };
		if (report_commit(&rep, &werr)) {
			fprintf(stderr, "archsim: %s\n", werr.msg);
			status = 1;
		} else {
			if (!quiet)
				report_print_table(&rep, stdout);
			report_print_warnings(&rep, stderr);
			if (rc == SIM_EINTR) {
				fprintf(stderr, "archsim: interrupted; wrote what finished to %s/ (complete=false)\n",
					outdir);
				status = 128 + (int)stop_signal;
			} else if (!quiet) {
				printf("results: %s/{summary,workloads,nodes,latency,timeseries,node_timeseries,timeline,compare}.csv\n",
				       outdir);
			}
		}
	}
	report_fini(&rep);
	scenario_set_free(set);
out:
	for (size_t i = 0; i < nsets; i++)
		free((char *)sets[i].path);
	free(sets);
	return status;
}
