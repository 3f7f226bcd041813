/*
 * cmd_plot.c - `archsim plot DIR...`: every chart the CSV files in each
 * DIR support, as PNG and SVG.
 *
 * The charts are gnuplot scripts (plots/) that scripts/plot.sh runs; both
 * stay in archsim's own tree, which plot finds from the program's path
 * (the nearest directory above it that holds scripts/plot.sh: the tree
 * build/archsim was built in) unless ARCHSIM_HOME says where it is.  The
 * script runs from there on each directory in turn, so plot works from
 * any working directory.
 */
#define _DEFAULT_SOURCE 1     /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cmd.h"

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
	/* up from the program's directory (build/, build/debug/) to the
	 * first that holds scripts/plot.sh */
	home[0] = 0;
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			break;
		*slash = 0;
		char try[4200];
		snprintf(try, sizeof try, "%s/scripts/plot.sh", exe);
		if (!access(try, R_OK)) {
			snprintf(home, len, "%s", exe);
			break;
		}
	}
	return 0;
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
		if (!realpath(a->pos[i], dir)) {
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

const struct cmd_entry cmd_plot_entry = {
	.name = "plot",
	.args = "DIR...",
	.doc = "draw every chart the CSV files in DIR support, as PNG and SVG, with "
	       "gnuplot and the scripts in plots/",
	.exec = plot_exec,
};
