/*
 * cmd.h - the command line as two tables: the options, and the commands.
 *
 * An option is one row of cmd_options (cmd.c): its name and any other
 * spelling, the name of its value, its line in `archsim --help`, and
 * where its value goes - a field of struct cmd_args, through a function
 * that checks and converts it when a plain string or flag will not do.
 * A command is one struct cmd_entry, beside its function in an
 * app/cmd_*.c file (a command's own, or one it shares with its nearest
 * kin: run and merge, check and graph), as tmux declares its commands;
 * cmd_table in cmd.c lists them.  The entry gives its name, its positional arguments as the usage
 * shows them, its line in `archsim --help`, the options it takes, and
 * the function that carries it out.
 *
 * Everything else is read off the two tables, so that a new option is a
 * row (and a field), and a new command an entry (and its function):
 *
 *   - the parser (cmd_parse) is one loop over the words of the line; a
 *     word is looked up among the options, else it is the command or one
 *     of its arguments;
 *   - whether an option may go with a command is whether the command
 *     lists it; the refusal names the commands that do ("--shard and
 *     --trace are options of run");
 *   - how many arguments a command takes is read from its usage ("FILE"
 *     one, "DIR..." one or more, "[TOPIC]" at most one);
 *   - `archsim --help` prints every command's usage and line and every
 *     option's line, in the tables' order.
 *
 * Exit statuses: 0 success; 1 a run failed (I/O, memory); 2 bad input
 * (the scenario, an override, the command line), with nothing written;
 * 130 / 143 stopped by SIGINT / SIGTERM after writing what finished.
 * The commands are where error codes become exit statuses.
 */
#ifndef APP_CMD_H
#define APP_CMD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/param.h"
#include "sim/scenario.h"
#include "sim/sweep.h"

#ifndef ARCHSIM_VERSION
#define ARCHSIM_VERSION "0.0.0"
#endif

/* the exit status of bad input */
#define CMD_EXIT_BADINPUT 2

/* The command line, read: where every option's value goes.  An option
 * not given leaves its field zero (NULL), but for jobs. */
struct cmd_args {
	const struct cmd_entry *entry;   /* the command */
	char **pos;                  /* its positional arguments */
	size_t npos;
	const char *outdir;          /* -o */
	struct cmd_sets {            /* --set, in order, then --seed */
		struct sc_override *v;
		size_t n;
	} sets;
	const char *seed;            /* --seed */
	unsigned jobs;               /* -j: 1 to 256 */
	const char *shard;           /* --shard I/N */
	struct cmd_trace {           /* --trace N or SHARE */
		const char *arg;
		uint64_t count;
		double share;
	} trace;
	int quiet;                   /* -q */
	int want_stats;              /* --stats */
	const char *slo, *vary, *min, *max, *goal, *tolerance, *max_reps, /* capacity's */
		*availability;
	int markdown;                /* help's --markdown */
};

/* What an option's take function returns: 0, CMD_TAKE_BAD for a value
 * that is not what the option wants (the parser says "NAME needs WANT"),
 * or an exit status after saying why itself. */
#define CMD_TAKE_BAD (-1)

/* One option. */
struct cmd_option {
	const char *name;            /* as the usage and messages name it: "-j" */
	const char *alias;           /* another spelling, or NULL: "--jobs" */
	const char *meta;            /* its value's name ("N"); NULL: a flag */
	const char *help;            /* its line in archsim --help */
	/* or, for an option that says a key of a table (the capacity
	 * search's), that key: its line is the key's doc and default */
	const struct param_table *table;
	const char *key;
	/* where the value goes: offsetof(struct cmd_args, field); a flag
	 * sets an int to 1, a value is stored as a string unless take says
	 * otherwise */
	size_t at;
	/* take checks and stores value at the field (at, as a pointer) */
	int (*take)(void *at, const char *value);
	/* what a value must be, for the message when it is missing or take
	 * refuses it ("a number of processes from 1 to 256"); NULL: "a value" */
	const char *want;
	/* an option it does not go with, or NULL */
	const char *without;
	/* answer prints the answer on stdout (--help, --version): the line
	 * is then done, with status 0, whatever else is on it */
	void (*answer)(void);
	unsigned repeat : 1;         /* may be given again: [--set PATH=VALUE ...] */
	unsigned glued : 1;          /* the value may follow at once: -j4, as make's */
};

/* One command. */
struct cmd_entry {
	const char *name;
	/* its positional arguments as the usage shows them; each word is one
	 * argument: "[WORD]" optional, "WORD..." one or more */
	const char *args;
	const char *doc;             /* its line in archsim --help */
	/* the options it takes, by name, in the order its usage shows them */
	const char *options;
	/* options it accepts and ignores, for lines written for another
	 * command (`check FILE -q -j 4`); not in its usage */
	const char *tolerates;
	/* why it refuses options that several other commands take, said
	 * instead of naming those commands; NULL for none */
	const char *refuses;
	/* exec carries out the command line a: its exit status */
	int (*exec)(const struct cmd_args *a);
};

/* The commands, each defined beside its function. */
extern const struct cmd_entry cmd_run_entry, cmd_merge_entry, cmd_capacity_entry,
	cmd_check_entry, cmd_graph_entry, cmd_plot_entry, cmd_help_entry;

/* cmd_parse reads the command line (argv[1] on) into a, whose jobs start
 * at `jobs`; on bad input it says why on stderr.  0, with a->entry the
 * command to run; -1 when an option answered the line (--help), which
 * ends with status 0; else the exit status.  cmd_args_free releases a in
 * every case. */
int cmd_parse(int argc, char **argv, unsigned jobs, struct cmd_args *a);

/* cmd_usage prints e's usage line: "usage: archsim NAME ARGS [OPTION]...",
 * wrapped. */
void cmd_usage(FILE *f, const struct cmd_entry *e);

/* cmd_args_free releases what cmd_parse allocated in a. */
void cmd_args_free(struct cmd_args *a);

/* ---- for the commands ----------------------------------------------------- */

/* The signal (SIGINT or SIGTERM) that asked a run to stop, or 0; set once
 * cmd_catch_signals has run. */
extern volatile sig_atomic_t cmd_stop;

/* cmd_catch_signals makes SIGINT and SIGTERM set cmd_stop instead of
 * ending the process, so that a run can write what finished. */
void cmd_catch_signals(void);

/* cmd_load loads the scenario a->pos[0] with the line's overrides into
 * *set (the caller's, sweep_free).  With src, through the file's text,
 * which src then describes and holds (free src->text): a shard file keeps
 * the text for the merge, and MPI sends it to the other ranks.  0, or the
 * exit status after saying why. */
int cmd_load(const struct cmd_args *a, struct sweep **set, struct sweep_source *src);

/* cmd_failed says err's message on stderr (after prefix) and returns the
 * exit status for rc, a failure code (sim/err.h): 2 for bad input,
 * 128 + the signal when stopped, else 1. */
int cmd_failed(int rc, const struct sim_err *err, const char *prefix);

/* cmd_out_dir is -o's directory, or results/NAME for set's first point
 * (written in buf). */
const char *cmd_out_dir(const struct cmd_args *a, const struct sweep *set, char *buf,
			size_t len);

#endif
