/*
 * cmd_plot.c - `archsim plot DIR...`: every chart the CSV files in each
 * DIR support, as PNG and SVG.
 *
 * The charts are gnuplot scripts (plots/) that scripts/plot.sh runs; both
 * stay in archsim's own tree, which plot finds from the program's path
 * (the nearest directory above it that holds scripts/plot.sh: the tree
 * build/archsim was built in; or share/archsim/ beside an installed
 * bin/archsim) unless ARCHSIM_HOME says where it is.  The
 * script runs from there on each directory in turn, so plot works from
 * any working directory.
 *
 * A scenario file in place of a directory stands for its results, where
 * `archsim run FILE` writes them (results/NAME, NAME from its `name:`),
 * and adds its topology, DIR/graph.png, when Graphviz's dot is installed:
 * what `make run` and `make plots` draw, whatever the file is called.
 */
#define _DEFAULT_SOURCE 1     /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cmd.h"
#include "app/graph.h"
#include "app/lang.h"
#include "sim/sweep.h"

#include <sys/stat.h>

/* find_home writes archsim's tree into home: 0, or -1 after saying why */
static int find_home(char *home, size_t len)
{
	char exe[4096];
	const char *env = getenv("ARCHSIM_HOME");
	if (env && *env) {
		snprintf(home, len, "%s", env);
		return 0;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		fprintf(stderr, "archsim: cannot find where archsim is: set ARCHSIM_HOME to the directory holding plots/ and scripts/\n");
		return -1;
	}
	exe[n] = 0;
	/* up from the program's directory (build/, build/debug/, or an
	 * installed PREFIX/bin/) to the first that holds scripts/plot.sh, or
	 * share/archsim/scripts/plot.sh (make install) */
	home[0] = 0;
	for (int up = 0; up < 4 && !home[0]; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = 0;
		static const char *const under[] = { "", "/share/archsim" };
		for (int k = 0; k < 2 && !home[0]; k++) {
			char try[4300];
			snprintf(try, sizeof try, "%s%s/scripts/plot.sh", exe, under[k]);
			if (!access(try, R_OK))
				snprintf(home, len, "%s%s", exe, under[k]);
		}
	}
	return 0;
}

/* topology writes DIR/graph.png from the scenario with dot, when dot is
 * installed: 0, or 1 after saying why. */
static int topology(const struct scenario *sc, const char *dir)
{
	if (system("command -v dot >/dev/null 2>&1"))
		return 0;
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "dot -Tpng -o '%s/graph.png'", dir);
	if (strchr(dir, '\''))
		return 0;      /* a quote in the name: no shell line for it */
	FILE *f = popen(cmd, "w");
	if (!f) {
		fprintf(stderr, "archsim: cannot run dot: %s\n", strerror(errno));
		return 1;
	}
	graph_dot(sc, f);
	if (pclose(f)) {
		fprintf(stderr, "archsim: dot could not draw %s/graph.png\n", dir);
		return 1;
	}
	printf("topology: %s/graph.png\n", dir);
	return 0;
}

/* results_of finds the results directory of scenario file `file` (with
 * the overrides given) into dir, and draws its topology there: 0, or an
 * exit status after saying why. */
static int results_of(const struct cmd_args *a, const char *file, char *dir, size_t len)
{
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	int rc = sweep_load(&archsim_lang, file, a->sets.v, a->sets.n, &set, &err);
	if (rc)
		return cmd_failed(rc, &err, "");
	char tmp[4096], buf[4096];
	snprintf(buf, sizeof buf, "%s", cmd_out_dir(a, set, tmp, sizeof tmp));
	int status = 0;
	if (!realpath(buf, dir)) {
		fprintf(stderr, "archsim: %s: %s (run it first: archsim run %s)\n", buf,
			strerror(errno), file);
		status = CMD_EXIT_BADINPUT;
	} else {
		status = topology(set->points[0], dir);
	}
	sweep_free(set);
	(void)len;
	return status;
}

static int plot_exec(const struct cmd_args *a)
{
	char home[4096];
	if (find_home(home, sizeof home))
		return 1;
	char script[4200];
	snprintf(script, sizeof script, "%s/scripts/plot.sh", home);
	if (!home[0] || access(script, R_OK)) {
		fprintf(stderr, "archsim: no chart scripts at %s: set ARCHSIM_HOME to the directory holding plots/ and scripts/\n",
			script);
		return 1;
	}
	for (size_t i = 0; i < a->npos; i++) {
		char dir[4096];
		struct stat sb;
		size_t len = strlen(a->pos[i]);
		int yaml = (len > 5 && !strcmp(a->pos[i] + len - 5, ".yaml")) ||
			   (len > 4 && !strcmp(a->pos[i] + len - 4, ".yml"));
		if (stat(a->pos[i], &sb) == 0 && S_ISREG(sb.st_mode) && !yaml) {
			fprintf(stderr, "archsim: %s: not a results directory nor a scenario (.yaml)\n",
				a->pos[i]);
			return CMD_EXIT_BADINPUT;
		}
		char scen[4096] = "";
		if (stat(a->pos[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
			int status = results_of(a, a->pos[i], dir, sizeof dir);
			if (status)
				return status;
			if (!realpath(a->pos[i], scen))
				scen[0] = 0;
		} else if (!realpath(a->pos[i], dir)) {
			fprintf(stderr, "archsim: %s: %s\n", a->pos[i], strerror(errno));
			return CMD_EXIT_BADINPUT;
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
			execlp("sh", "sh", "scripts/plot.sh", dir, scen, (char *)NULL);
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

const struct cmd_entry cmd_plot_entry = {
	.name = "plot",
	.args = "DIR|FILE...",
	.options = "-o --set",
	.doc = "draw every chart the CSV files in DIR support, as PNG and SVG, with "
	       "gnuplot and the scripts in plots/; a scenario FILE in place of DIR stands "
	       "for its results (results/NAME, or -o DIR) and adds its topology, graph.png, "
	       "when Graphviz is installed",
	.exec = plot_exec,
};
