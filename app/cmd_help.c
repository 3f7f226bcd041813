/*
 * cmd_help.c - `archsim help [TOPIC] [--markdown]`: the reference.
 *
 * The reference is help.h's, gathered from the tables that declare what
 * a scenario may say.  Alone, help lists the topics; with TOPIC, it
 * prints that one; --markdown prints it in Markdown, and alone the whole
 * reference, docs/reference.md.  (`archsim --help` is the command line's
 * own help, cmd.c's.)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/cmd.h"
#include "app/help.h"
#include "app/lang.h"
#include "sim/check.h"

static int help_exec(const struct cmd_args *a)
{
	const char *topic = a->npos ? a->pos[0] : NULL;
	if (!topic && a->markdown) {
		help_reference(stdout, &archsim_lang);
	} else if (!topic) {
		cmd_usage(stdout, &cmd_help_entry);
		printf("\n");
		help_list(stdout, &archsim_lang);
		printf("\narchsim help TOPIC prints one topic; archsim help --markdown prints the\n"
		       "whole reference (docs/reference.md).\n");
	} else if (help_topic(stdout, &archsim_lang, topic,
			      a->markdown ? PARAM_MARKDOWN : PARAM_TEXT)) {
		const char *names[128];
		help_names(&archsim_lang, names, 128);
		const char *near = check_closest(topic, names);
		if (near) {
			fprintf(stderr, "archsim: unknown topic '%s'; did you mean '%s'?\n",
				topic, near);
		} else {
			fprintf(stderr, "archsim: unknown topic '%s' (topics:", topic);
			for (size_t i = 0; names[i]; i++)
				fprintf(stderr, "%s %s", i ? "," : "", names[i]);
			fprintf(stderr, ")\n");
		}
		return CMD_EXIT_BADINPUT;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "archsim: write failed: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = "[TOPIC]",
	.options = "--markdown",
	.doc = "list the topics of the reference: the scenario's sections and the kinds "
	       "of workloads and nodes; with TOPIC, its keys with their types, ranges, "
	       "defaults and meaning; with --markdown, in Markdown (alone: the whole "
	       "reference, docs/reference.md)",
	.exec = help_exec,
};
