/*
 * cmd.c - the option table, the command table, and what reads them: the
 * parser, the checks of an option against its command, and the text of
 * `archsim --help`.  See cmd.h.
 *
 * The parser reads the words in order, as archsim always has: an option
 * anywhere on the line (before the command too), its value the next word;
 * the first other word is the command and the rest its arguments.  The
 * value of an option is checked as it is read, and --help or --version
 * answers at once; the command, its number of arguments, and whether it
 * takes each option given are checked once the line is read, in that
 * order, options in the table's order.  So the first fault of a line is
 * the one reported, and the same line always reports the same.
 */
#include "app/cmd.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/capacity.h"
#include "app/lang.h"
#include "app/trace.h"
#include "sim/check.h"
#include "sim/ytree.h"

static void usage(FILE *f);

/* ---- where the values go ---------------------------------------------- */

/* -o: a directory name, not empty */
static int take_dir(void *at, const char *v)
{
	if (!*v)
		return CMD_TAKE_BAD;
	*(const char **)at = v;
	return 0;
}

/* -j: 1 to 256 processes */
static int take_jobs(void *at, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > 256)
		return CMD_TAKE_BAD;
	*(unsigned *)at = (unsigned)n;
	return 0;
}

/* --trace: a count of requests, or a share of them */
static int take_trace(void *at, const char *v)
{
	struct cmd_trace *t = at;
	if (trace_parse(v, &t->count, &t->share))
		return CMD_TAKE_BAD;
	t->arg = v;
	return 0;
}

/* --set PATH=VALUE: one more override (the list has room for every word
 * of the line) */
static int take_set(void *at, const char *v)
{
	struct cmd_sets *s = at;
	const char *eq = strchr(v, '=');
	if (!eq || eq == v) {
		fprintf(stderr, "archsim: --set %s: expected PATH=VALUE\n", v);
		return CMD_EXIT_BADINPUT;
	}
	char *path = strndup(v, (size_t)(eq - v));
	if (!path) {
		fprintf(stderr, "archsim: out of memory\n");
		return 1;
	}
	s->v[s->n].path = path;
	s->v[s->n].value = eq + 1;
	s->n++;
	return 0;
}

static void answer_help(void)
{
	usage(stdout);
}

static void answer_version(void)
{
	printf("archsim %s\n", ARCHSIM_VERSION);
}

#define AT(field) offsetof(struct cmd_args, field)

/* The options, in the order of archsim --help and of the checks. */
static const struct cmd_option cmd_options[] = {
	{ .name = "-o", .meta = "DIR", .at = AT(outdir), .take = take_dir,
	  .want = "a directory name",
	  .help = "output directory (default: results/NAME, NAME from the scenario's name: "
		  "or its file name)" },
	{ .name = "--set", .meta = "PATH=VALUE", .at = AT(sets), .take = take_set, .repeat = 1,
	  .help = "override one value, e.g. --set nodes.web.workers=4 (repeatable; VALUE is "
		  "YAML: 10ms, [1, 2], {a: 1})" },
	{ .name = "--seed", .meta = "N", .at = AT(seed),
	  .help = "use seed N instead of the scenario's seed: (the same as --set seed=N, "
		  "after every --set)" },
	{ .name = "-j", .alias = "--jobs", .meta = "N", .at = AT(jobs), .take = take_jobs,
	  .glued = 1, .want = "a number of processes from 1 to 256",
	  .help = "run replications and sweep points in N processes (default: one per "
		  "core); the results are the same bytes for every N" },
	{ .name = "--shard", .meta = "I/N", .at = AT(shard),
	  .help = "run only shard I of N of the sweep's work items and write them to "
		  "DIR/shard-I-of-N.rec, for archsim merge" },
	{ .name = "--trace", .meta = "N", .at = AT(trace), .take = take_trace,
	  .want = "a number of requests (100) or a share of them (0.01)", .without = "--shard",
	  .help = "also write DIR/trace.json: the first N requests of replication 0 (or a "
		  "share, 0.01) as Chrome trace events, for Perfetto or chrome://tracing" },
	{ .name = "-q", .alias = "--quiet", .at = AT(quiet),
	  .help = "quiet: no progress line and no results table" },
	{ .name = "--stats", .at = AT(want_stats),
	  .help = "print events, requests and wall time on stderr" },
	/* capacity's: each says a key of the `capacity:` block (capacity.h) */
	{ .name = "--slo", .meta = "SLO", .at = AT(slo), .table = &cap_table, .key = "slo" },
	{ .name = "--vary", .meta = "PATH", .at = AT(vary), .table = &cap_table, .key = "vary" },
	{ .name = "--min", .meta = "A", .at = AT(min), .table = &cap_table, .key = "min" },
	{ .name = "--max", .meta = "B", .at = AT(max), .table = &cap_table, .key = "max" },
	{ .name = "--goal", .meta = "GOAL", .at = AT(goal), .table = &cap_table, .key = "goal" },
	{ .name = "--tolerance", .meta = "R", .at = AT(tolerance), .table = &cap_table,
	  .key = "tolerance" },
	{ .name = "--max-replications", .meta = "N", .at = AT(max_reps), .table = &cap_table,
	  .key = "max_replications" },
	{ .name = "--availability", .meta = "A", .at = AT(availability), .table = &cap_table,
	  .key = "availability" },
	{ .name = "--markdown", .at = AT(markdown),
	  .help = "help in Markdown; alone, the whole reference (docs/reference.md)" },
	{ .name = "--help", .alias = "-h", .answer = answer_help,
	  .help = "this help" },
	{ .name = "--version", .answer = answer_version,
	  .help = "print the version" },
};

#define NOPTIONS (sizeof cmd_options / sizeof cmd_options[0])

/* The commands, in the order of archsim --help. */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_run_entry,
	&cmd_merge_entry,
	&cmd_capacity_entry,
	&cmd_check_entry,
	&cmd_graph_entry,
	&cmd_plot_entry,
	&cmd_help_entry,
};

#define NCOMMANDS (sizeof cmd_table / sizeof cmd_table[0])

/* a set of commands is a bit set of cmd_table's rows (users) */
_Static_assert(NCOMMANDS <= 32, "more commands than bits in an unsigned");

/* ---- reading the tables ------------------------------------------------ */

/* listed: whether the space-separated list names name */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && !strncmp(p, name, len))
			return 1;
		p += n + strspn(p + n, " ");
	}
	return 0;
}

static const struct cmd_option *find_option(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (!strcmp(cmd_options[i].name, name) ||
		    (cmd_options[i].alias && !strcmp(cmd_options[i].alias, name)))
			return &cmd_options[i];
	return NULL;
}

static const struct cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(cmd_table[i]->name, name))
			return cmd_table[i];
	return NULL;
}

/* takes: whether e accepts option o */
static int takes(const struct cmd_entry *e, const struct cmd_option *o)
{
	return listed(e->options, o->name) || listed(e->tolerates, o->name);
}

/* users: the commands that list o among their options, as a bit set of
 * cmd_table's rows */
static unsigned users(const struct cmd_option *o)
{
	unsigned set = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (listed(cmd_table[i]->options, o->name))
			set |= 1u << i;
	return set;
}

static size_t count(unsigned set)
{
	size_t n = 0;
	for (; set; set &= set - 1)
		n++;
	return n;
}

/* say_list prints the names of the n items, "a, b and c" (or "or") */
static void say_list(FILE *f, const char *const *names, size_t n, const char *last)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i == 0 ? "" : i + 1 == n ? last : ", ", names[i]);
}

/* say_commands prints the commands of set, "run, capacity and check" */
static void say_commands(FILE *f, unsigned set)
{
	const char *names[NCOMMANDS];
	size_t n = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (set & 1u << i)
			names[n++] = cmd_table[i]->name;
	say_list(f, names, n, " and ");
}

/* refuse says why command e does not take option o, and returns the exit
 * status.  An option that one command alone lists is named with its
 * fellows, as that command's own ("--slo, ..., --max-replications are
 * options of capacity"); one that several list is named with them, unless
 * e says why it takes none of those. */
static int refuse(const struct cmd_entry *e, const struct cmd_option *o)
{
	unsigned set = users(o);
	const char *names[NOPTIONS];
	size_t n = 0;
	if (count(set) > 1 && e->refuses) {
		for (size_t i = 0; i < NOPTIONS; i++)
			if (!cmd_options[i].answer && !takes(e, &cmd_options[i]) &&
			    count(users(&cmd_options[i])) > 1)
				names[n++] = cmd_options[i].name;
		fprintf(stderr, "archsim: %s %s: no ", e->name, e->refuses);
		say_list(stderr, names, n, " or ");
		fprintf(stderr, "\n");
		return CMD_EXIT_BADINPUT;
	}
	if (count(set) == 1) {
		for (size_t i = 0; i < NOPTIONS; i++)
			if (users(&cmd_options[i]) == set)
				names[n++] = cmd_options[i].name;
	} else {
		names[n++] = o->name;
	}
	fprintf(stderr, "archsim: ");
	say_list(stderr, names, n, " and ");
	if (!set) {
		fprintf(stderr, " is not an option of %s\n", e->name);
		return CMD_EXIT_BADINPUT;
	}
	fprintf(stderr, n > 1 ? " are options of " : " is an option of ");
	say_commands(stderr, set);
	fprintf(stderr, "\n");
	return CMD_EXIT_BADINPUT;
}

/* arity reads how many arguments e takes from its usage: *max -1 for any
 * number */
static void arity(const struct cmd_entry *e, size_t *min, long *max)
{
	*min = 0;
	*max = 0;
	for (const char *p = e->args; p && *p;) {
		size_t n = strcspn(p, " ");
		int optional = p[0] == '[';
		int more = n >= 3 + (size_t)optional && !strncmp(p + n - 3 - optional, "...", 3);
		if (!optional)
			(*min)++;
		*max = *max < 0 || more ? -1 : *max + 1;
		p += n + strspn(p + n, " ");
	}
}

/* tables_ok: every option a command names is in the option table, by
 * its name (a programmer's check) */
static int tables_ok(void)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *lists[] = { cmd_table[i]->options, cmd_table[i]->tolerates };
		for (size_t l = 0; l < 2; l++) {
			for (const char *p = lists[l]; p && *p;) {
				char name[64];
				size_t n = strcspn(p, " ");
				snprintf(name, sizeof name, "%.*s", (int)n, p);
				if (!find_option(name) || strcmp(find_option(name)->name, name))
					return 0;
				p += n + strspn(p + n, " ");
			}
		}
	}
	return 1;
}

/* ---- archsim --help ---------------------------------------------------- */

/* option_help is option o's line: its own, or its key's doc and default
 * (in buf). */
static const char *option_help(const struct cmd_option *o, char *buf, size_t len)
{
	if (!o->key)
		return o->help;
	for (const struct param *e = o->table->params; e->name; e++) {
		if (strcmp(e->name, o->key))
			continue;
		if (e->def || e->def_doc)
			snprintf(buf, len, "%s (default: %s)", e->doc, e->def ? e->def : e->def_doc);
		else
			snprintf(buf, len, "%s", e->doc);
		return buf;
	}
	return "";
}

#define WIDTH 78

/* wrap prints the words of text (a bracketed group is one word) from
 * column col, where a line starts when fresh, a space before each word
 * but at the start of a line, breaking lines before WIDTH and indenting
 * them by indent; it returns the column it ends at */
static size_t wrap(FILE *f, size_t col, size_t indent, int fresh, const char *text)
{
	const char *p = text;
	while (*p) {
		size_t n = 0;
		int depth = 0;
		while (p[n] && (depth > 0 || p[n] != ' ')) {
			depth += p[n] == '[' ? 1 : p[n] == ']' ? -1 : 0;
			n++;
		}
		if (!fresh && col + 1 + n > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)n, p);
		col += n;
		fresh = 0;
		p += n;
		while (*p == ' ')
			p++;
	}
	return col;
}

/* entry_usage prints e's synopsis after lead ("usage: "): its arguments,
 * then its options as [NAME META] */
static void entry_usage(FILE *f, const struct cmd_entry *e, const char *lead)
{
	char word[128];
	size_t col = (size_t)fprintf(f, "%sarchsim %s", lead, e->name);
	/* the lines after the first start under run's arguments */
	size_t indent = strlen(lead) + strlen("archsim run ");
	if (e->args && *e->args)
		col = wrap(f, col, indent, 0, e->args);
	for (const char *p = e->options; p && *p;) {
		size_t n = strcspn(p, " ");
		snprintf(word, sizeof word, "%.*s", (int)n, p);
		const struct cmd_option *o = find_option(word);
		snprintf(word, sizeof word, "[%s%s%s%s]", o->name, o->meta ? " " : "",
			 o->meta ? o->meta : "", o->repeat ? " ..." : "");
		col = wrap(f, col, indent, 0, word);
		p += n + strspn(p + n, " ");
	}
	fputc('\n', f);
}

/* option_names writes "-j, --jobs N" (the short spelling first) */
static size_t option_names(char *buf, size_t len, const struct cmd_option *o)
{
	const char *a = o->name, *b = o->alias;
	if (b && b[1] != '-') {
		a = o->alias;
		b = o->name;
	}
	return (size_t)snprintf(buf, len, "%s%s%s%s%s", a, b ? ", " : "", b ? b : "",
				o->meta ? " " : "", o->meta ? o->meta : "");
}

static void usage(FILE *f)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		entry_usage(f, cmd_table[i], i == 0 ? "usage: " : "       ");
	fprintf(f, "       archsim");
	for (size_t i = 0, n = 0; i < NOPTIONS; i++)
		if (cmd_options[i].answer)
			fprintf(f, "%s%s", n++ ? " | " : " ", cmd_options[i].name);
	fprintf(f, "\n\n"
		"Simulates the architecture described in the YAML scenario FILE and\n"
		"writes its results as CSV files (archsim help outputs).\n"
		"\ncommands:\n");
	size_t width = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strlen(cmd_table[i]->name) > width)
			width = strlen(cmd_table[i]->name);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fprintf(f, "  %-*s ", (int)width, cmd_table[i]->name);
		wrap(f, width + 3, width + 3, 1, cmd_table[i]->doc);
		fputc('\n', f);
	}
	char names[128];
	width = 0;
	for (size_t i = 0; i < NOPTIONS; i++) {
		size_t n = option_names(names, sizeof names, &cmd_options[i]);
		if (n > width)
			width = n;
	}
	fprintf(f, "\noptions:\n");
	for (size_t i = 0; i < NOPTIONS; i++) {
		char help[1024];
		option_names(names, sizeof names, &cmd_options[i]);
		fprintf(f, "  %-*s  ", (int)width, names);
		wrap(f, width + 4, width + 4, 1, option_help(&cmd_options[i], help, sizeof help));
		fputc('\n', f);
	}
	char kinds[256];
	const char *kind[64];
	size_t nk = 0;
	for (; archsim_lang.kinds[nk] && nk < 63; nk++)
		kind[nk] = archsim_lang.kinds[nk]->kind;
	kind[nk] = NULL;
	check_join(kinds, sizeof kinds, kind);
	fprintf(f, "\ncomponent kinds: %s (archsim help KIND: their keys; archsim help: every topic)\n"
		"exit status: 0 ok, 1 run failed, 2 bad input, 130/143 interrupted\n", kinds);
}

void cmd_usage(FILE *f, const struct cmd_entry *e)
{
	entry_usage(f, e, "usage: ");
}

/* ---- the parser ---------------------------------------------------------- */

/* take_option reads option o, spelled s at argv[*i] (its value the rest
 * of s when glued, else the next word); 0, -1 when it answered the line,
 * or the exit status */
static int take_option(const struct cmd_option *o, const char *s, int argc, char **argv,
		       int *i, struct cmd_args *a)
{
	void *at = (char *)a + o->at;
	if (o->answer) {
		o->answer();
		return -1;
	}
	if (!o->meta) {
		*(int *)at = 1;
		return 0;
	}
	size_t len = strlen(o->name);
	const char *v = o->glued && !strncmp(s, o->name, len) && s[len] ? s + len :
			*i + 1 < argc ? argv[++*i] : NULL;
	int rc = !v ? CMD_TAKE_BAD : o->take ? o->take(at, v) : 0;
	if (v && !o->take)
		*(const char **)at = v;
	if (rc == CMD_TAKE_BAD) {
		if (o->want)
			fprintf(stderr, "archsim: %s needs %s\n", o->name, o->want);
		else
			fprintf(stderr, "archsim: %s needs a value\n", s);
		return CMD_EXIT_BADINPUT;
	}
	return rc;
}

/* spelled: the option s names; a glued one (-j4) by its prefix */
static const struct cmd_option *spelled(const char *s)
{
	const struct cmd_option *o = find_option(s);
	for (size_t i = 0; !o && i < NOPTIONS; i++)
		if (cmd_options[i].glued &&
		    !strncmp(s, cmd_options[i].name, strlen(cmd_options[i].name)))
			o = &cmd_options[i];
	return o;
}

int cmd_parse(int argc, char **argv, unsigned jobs, struct cmd_args *a)
{
	unsigned char given[NOPTIONS] = { 0 };
	const char *cmd = NULL;
	assert(tables_ok());
	memset(a, 0, sizeof *a);
	a->jobs = jobs;
	a->sets.v = calloc((size_t)argc + 1, sizeof *a->sets.v);
	a->pos = calloc((size_t)argc + 1, sizeof *a->pos);
	if (!a->sets.v || !a->pos) {
		fprintf(stderr, "archsim: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (s[0] != '-' || !s[1]) {
			if (!cmd)
				cmd = s;
			else
				a->pos[a->npos++] = argv[i];
			continue;
		}
		const struct cmd_option *o = spelled(s);
		if (!o) {
			fprintf(stderr, "archsim: unknown option '%s' (see archsim --help)\n", s);
			return CMD_EXIT_BADINPUT;
		}
		int rc = take_option(o, s, argc, argv, &i, a);
		if (rc)
			return rc;
		given[o - cmd_options] = 1;
	}
	if (!cmd) {
		usage(stderr);
		return CMD_EXIT_BADINPUT;
	}
	if (!(a->entry = find_command(cmd))) {
		fprintf(stderr, "archsim: unknown command '%s'\n", cmd);
		usage(stderr);
		return CMD_EXIT_BADINPUT;
	}
	size_t min;
	long max;
	arity(a->entry, &min, &max);
	if (a->npos < min || (max >= 0 && a->npos > (size_t)max)) {
		if (a->npos >= min)
			fprintf(stderr, "archsim: unexpected argument '%s'\n", a->pos[max]);
		cmd_usage(stderr, a->entry);
		return CMD_EXIT_BADINPUT;
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct cmd_option *o = &cmd_options[i];
		if (!given[i])
			continue;
		if (!takes(a->entry, o))
			return refuse(a->entry, o);
		const struct cmd_option *w = o->without ? find_option(o->without) : NULL;
		if (w && given[w - cmd_options]) {
			fprintf(stderr, "archsim: %s is an option of ", o->name);
			say_commands(stderr, users(o));
			fprintf(stderr, ", without %s\n", w->name);
			return CMD_EXIT_BADINPUT;
		}
	}
	if (a->seed) {
		/* --seed is an override like any other, checked the same way;
		 * the last, so that it wins */
		if (!(a->sets.v[a->sets.n].path = strdup("seed"))) {
			fprintf(stderr, "archsim: out of memory\n");
			return 1;
		}
		a->sets.v[a->sets.n++].value = a->seed;
	}
	return 0;
}

void cmd_args_free(struct cmd_args *a)
{
	for (size_t i = 0; a->sets.v && i < a->sets.n; i++)
		free((char *)a->sets.v[i].path);
	free(a->sets.v);
	free(a->pos);
	memset(a, 0, sizeof *a);
}

/* ---- for the commands ----------------------------------------------------- */

volatile sig_atomic_t cmd_stop;

static void on_signal(int sig)
{
	cmd_stop = sig;
}

void cmd_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_load(const struct cmd_args *a, struct sweep **set, struct sweep_source *src)
{
	struct sim_err err = { 0 };
	int rc;
	*set = NULL;
	if (src) {
		char *text = NULL;
		size_t len;
		rc = yt_read_file(a->pos[0], &text, &len, &err);
		if (rc == 0)
			rc = sweep_load_string(&archsim_lang, a->pos[0], text, a->sets.v, a->sets.n,
					       set, &err);
		*src = (struct sweep_source){ a->pos[0], text, a->sets.v, a->sets.n };
	} else {
		rc = sweep_load(&archsim_lang, a->pos[0], a->sets.v, a->sets.n, set, &err);
	}
	return rc ? cmd_failed(rc, &err, "") : 0;
}

int cmd_failed(int rc, const struct sim_err *err, const char *prefix)
{
	fprintf(stderr, "%s%s\n", prefix, err->msg);
	if (rc == SIM_EINTR)
		return 128 + (int)cmd_stop;
	return rc == SIM_EINVAL ? CMD_EXIT_BADINPUT : 1;
}

const char *cmd_out_dir(const struct cmd_args *a, const struct sweep *set, char *buf,
			size_t len)
{
	if (a->outdir)
		return a->outdir;
	snprintf(buf, len, "results/%s", set->points[0]->name);
	return buf;
}
