/*
 * cmd_check.c - `archsim check` and `archsim graph`: the scenario loaded
 * and checked, and nothing run.
 *
 * check says nothing when the scenario is valid, and one located line
 * (FILE:LINE:COL: message) when it is not.  graph prints its topology as
 * Graphviz DOT (graph.h); a sweep's first point stands for all.
 */
#include <stdio.h>

#include "app/cmd.h"
#include "app/graph.h"

static int check_exec(const struct cmd_args *a)
{
	struct sweep *set;
	int status = cmd_load(a, &set, NULL);
	sweep_free(set);
	return status;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.args = "FILE",
	.options = "--seed --set",
	.tolerates = "-o -j -q --stats",
	.doc = "check the scenario only; print nothing when it is valid",
	.exec = check_exec,
};

static int graph_exec(const struct cmd_args *a)
{
	struct sweep *set;
	int status = cmd_load(a, &set, NULL);
	if (status == 0) {
		graph_dot(set->points[0], stdout);
		status = fflush(stdout) || ferror(stdout) ? 1 : 0;
	}
	sweep_free(set);
	return status;
}

const struct cmd_entry cmd_graph_entry = {
	.name = "graph",
	.args = "FILE",
	.options = "--seed --set",
	.tolerates = "-o -j -q --stats",
	.doc = "print the topology as Graphviz DOT (dot -Tpng renders it)",
	.exec = graph_exec,
};
