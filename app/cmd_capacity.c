/*
 * cmd_capacity.c - `archsim capacity`: the smallest (or largest) value of
 * one parameter that meets a service-level objective.
 *
 * The search itself is capacity.h's.  Here the command line meets the
 * scenario's `capacity:` block: the block gives every key, each option
 * given replaces its key, and --slo and --vary are needed when there is
 * no block.  The answer is one line on stdout; capacity-PATH.csv holds every
 * probe's evidence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/capacity.h"
#include "app/cmd.h"
#include "app/lang.h"
#include "app/plan.h"
#include "sim/metric.h"
#include "sim/ytree.h"

/* print_headroom says how far the load can grow at the answer: the
 * largest load_scale that still met the SLO, and the least that missed. */
static void print_headroom(const struct cap_result *h, const char *ans, double base)
{
	double missed = 0;
	for (size_t i = 0; i < h->nprobes; i++)
		if (!h->probes[i].meets && (!missed || h->probes[i].value < missed))
			missed = h->probes[i].value;
	if (!h->found)
		printf("headroom at %s: none (a second look at its own load misses the SLO)\n",
		       ans);
	else if (h->both)
		printf("headroom at %s: the SLO holds at %gx this load, the most tried\n", ans,
		       (double)CAP_HEADROOM_MAX);
	else
		printf("headroom at %s: the SLO holds up to %.3gx this load, and misses at %.3gx "
		       "(load_scale)\n", ans, h->answer / base, missed / base);
}

/* say_cand prints candidate c of a plan: its values and its metric. */
static void say_cand(const struct cap_spec *spec, const struct plan_cand *c)
{
	for (size_t i = 0; i < spec->ndims; i++)
		printf("%s%s=%ld", i ? ", " : "", spec->dpath[i], c->v[i]);
	printf(": %s %.4g [%.4g, %.4g]", metric_name(spec->minimize - 1), c->at.mest, c->at.mlo,
	       c->at.mhi);
	for (size_t t = 0; t < spec->nterms; t++)
		printf(", %s %.4g", metric_name(spec->terms[t].metric), c->at.est[t]);
	printf("\n");
}

/* cheapest runs a plan's search (several paths) and says its answer. */
static int cheapest(const struct cap_spec *spec, const struct sweep_source *src,
		    const struct cmd_args *a, const char *outdir)
{
	struct plan_result res;
	struct sim_err err = { 0 };
	int rc = plan_search(&archsim_lang, spec, src, a->jobs, &cmd_stop, outdir,
			     a->quiet ? NULL : stderr, &res, &err);
	if (rc == SIM_EINTR) {
		plan_result_free(&res);
		fprintf(stderr, "archsim: interrupted; nothing written\n");
		return 128 + (int)cmd_stop;
	}
	if (rc) {
		plan_result_free(&res);
		return cmd_failed(rc, &err, rc == SIM_EINVAL ? "" : "archsim: ");
	}
	if (res.best < 0) {
		printf("no combination in range meets %s\n", spec->slo);
	} else {
		printf("cheapest that meets %s: ", spec->slo);
		say_cand(spec, &res.c[res.best]);
		if (res.second >= 0) {
			printf("runner-up: ");
			say_cand(spec, &res.c[res.second]);
		}
		size_t nf = 0, nm = 0;
		for (size_t i = 0; i < res.n; i++) {
			nf += res.c[i].front;
			nm += res.c[i].found;
		}
		printf("pareto front: %zu of the %zu combinations that meet it\n", nf, nm);
	}
	if (!a->quiet)
		printf("evidence: %s/plan.csv (%zu combinations, %zu probes)\n", outdir, res.n,
		       res.probes);
	plan_result_free(&res);
	return 0;
}

/* sweeps_searched says whether the scenario has a sweep, and every path
 * it sweeps is one the search varies. */
static int sweeps_searched(const struct sweep *set, const struct cap_spec *spec)
{
	for (size_t i = 0; i < set->nparams; i++) {
		int ours = !spec->ndims && !strcmp(set->param_paths[i], spec->path);
		for (size_t d = 0; d < spec->ndims; d++)
			ours |= !strcmp(set->param_paths[i], spec->dpath[d]);
		if (!ours)
			return 0;
	}
	return set->nparams > 0;
}

/* answer runs the search spec asks on the scenario in src (set: it,
 * loaded), writes its evidence in outdir and prints the answer. */
static int answer(struct cap_spec *spec, const struct sweep *set,
		  const struct sweep_source *src, const struct cmd_args *a, const char *outdir)
{
	struct sim_err err = { 0 };
	if (spec->ndims)
		return cheapest(spec, src, a, outdir);
	struct cap_result res;
	int rc = cap_search(&archsim_lang, spec, src, a->jobs, &cmd_stop, outdir,
			    a->quiet ? NULL : stderr, &res, &err);
	if (rc == SIM_EINTR) {
		cap_result_free(&res);
		fprintf(stderr, "archsim: interrupted; nothing written\n");
		return 128 + (int)cmd_stop;
	}
	if (rc) {
		cap_result_free(&res);
		/* bad input comes located (FILE:LINE:COL); the rest is archsim's */
		return cmd_failed(rc, &err, rc == SIM_EINVAL ? "" : "archsim: ");
	}
	char lo[64], hi[64], ans[64];
	cap_format(spec, spec->min, lo, sizeof lo);
	cap_format(spec, res.nprobes > 1 ? res.probes[1].value : spec->max, hi, sizeof hi);
	int headroom = res.found && res.goal != CAP_LARGEST;
	if (!res.found) {
		printf("no value of %s from %s to %s meets %s\n", spec->path, lo,
		       spec->has_max ? hi : "the doubling's end", spec->slo);
	} else {
		cap_format(spec, res.answer, ans, sizeof ans);
		printf("%s %s that meets %s: %s%s\n",
		       res.goal == CAP_LARGEST ? "largest" : "smallest", spec->path, spec->slo, ans,
		       res.both ? " (it holds over the whole range searched)" : "");
		/* where the answer leaves the least room: its busiest node */
		const struct cap_probe *at = NULL;
		for (size_t i = 0; i < res.nprobes; i++)
			if (res.probes[i].value == res.answer)
				at = &res.probes[i];
		if (at && at->bottleneck[0])
			printf("bottleneck at %s: %s, utilization %.2f\n", ans, at->bottleneck,
			       at->bottleneck_util);
		/* headroom: how much more load the answer takes; a search for
		 * the largest value (a load, which hurts) has found it already */
		struct cap_result h = { 0 };
		double base = set->points[0]->load_scale;
		if (res.goal != CAP_LARGEST)
			rc = cap_headroom(&archsim_lang, spec, res.answer, base, src, a->jobs,
					  &cmd_stop, outdir, a->quiet ? NULL : stderr, &h, &err);
		if (rc == 0 && res.goal != CAP_LARGEST)
			print_headroom(&h, ans, base);
		cap_result_free(&h);
		if (rc) {
			cap_result_free(&res);
			if (rc == SIM_EINTR) {
				fprintf(stderr, "archsim: interrupted; capacity-%s.csv written, headroom not\n", spec->path);
				return 128 + (int)cmd_stop;
			}
			return cmd_failed(rc, &err, rc == SIM_EINVAL ? "" : "archsim: ");
		}
	}
	if (!a->quiet)
		printf("evidence: %s/capacity-%s.csv (%zu probes)%s%s%s\n", outdir, spec->path,
		       res.nprobes, headroom ? ", headroom-" : "", headroom ? spec->path : "",
		       headroom ? ".csv" : "");
	cap_result_free(&res);
	return 0;
}

/* search runs the SLO search on the scenario in src (set: it, loaded and
 * checked). */
static int search(const struct sweep *set, const struct sweep_source *src,
		  const struct cmd_args *a)
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
			return CMD_EXIT_BADINPUT;
		}
	}
	if (!blk && (!a->slo || !a->vary)) {
		fprintf(stderr, "archsim: capacity needs --slo and --vary, or a capacity: block in %s\n",
			src->file);
		return CMD_EXIT_BADINPUT;
	}
	if (a->slo && cap_parse_slo(a->slo, &spec, why, sizeof why)) {
		fprintf(stderr, "archsim: --slo: %s\n", why);
		return CMD_EXIT_BADINPUT;
	}
	if (a->vary) {
		snprintf(spec.path, sizeof spec.path, "%s", a->vary);
		spec.ndims = 0;          /* one path, the command line's */
		if (!a->min)
			spec.min_text[0] = 0;
		if (!a->max)
			spec.max_text[0] = 0;
	}
	if (spec.ndims && (a->min || a->max)) {
		fprintf(stderr, "archsim: capacity: the block varies several paths: give their min and max there\n");
		return CMD_EXIT_BADINPUT;
	}
	if (a->goal) {
		int g = cap_goal_find(a->goal);
		if (g < 0) {
			fprintf(stderr, "archsim: --goal: expected smallest, largest or auto (got '%s')\n",
				a->goal);
			return CMD_EXIT_BADINPUT;
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
			return CMD_EXIT_BADINPUT;
		}
	}
	if (a->max_reps) {
		long n = strtol(a->max_reps, &end, 10);
		if (*end || n < CAP_REPS_MIN || n > CAP_REPS_MAX) {
			fprintf(stderr, "archsim: --max-replications: expected an integer from %d to %d (got '%s')\n",
				CAP_REPS_MIN, CAP_REPS_MAX, a->max_reps);
			return CMD_EXIT_BADINPUT;
		}
		spec.max_replications = (uint32_t)n;
	}
	if (a->availability && cap_parse_availability(a->availability, &spec, why, sizeof why)) {
		fprintf(stderr, "archsim: --availability: %s\n", why);
		return CMD_EXIT_BADINPUT;
	}
	/* the bounds: the command line's, else the block's as it checked
	 * them */
	const char *min = a->min ? a->min : spec.min_text[0] ? spec.min_text : NULL;
	const char *max = a->max ? a->max : spec.max_text[0] ? spec.max_text : NULL;
	if (spec.ndims && !spec.max_replications)
		spec.max_replications = CAP_DEFAULT_REPS;
	if (!spec.ndims && cap_spec_finish(&spec, min, max, why, sizeof why)) {
		fprintf(stderr, "archsim: capacity: %s\n", why);
		return CMD_EXIT_BADINPUT;
	}
	for (size_t i = 0; i < spec.nterms; i++)
		if (spec.terms[i].metric == METRIC_SLO_MISS && !set->points[0]->slo) {
			fprintf(stderr, "archsim: capacity: slo_miss_s is the time spent missing the scenario's slo:, and %s has none\n",
				src->file);
			return CMD_EXIT_BADINPUT;
		}
	int added = cap_add_availability(&spec);
	if (added > 0)
		fprintf(stderr,
			"archsim: warning: the SLO names no availability term, and latency "
			"percentiles count served requests only: searching for '%s' "
			"(--availability off searches the SLO as written)\n", spec.slo);
	else if (added < 0)
		fprintf(stderr,
			"archsim: warning: the SLO names no availability term and has no room for "
			"one (%d terms at most): latency percentiles count served requests only, "
			"so name reject_ratio or error_ratio in it\n", CAP_MAX_TERMS);
	else if (spec.availability > 0)
		fprintf(stderr, "archsim: warning: availability %g is not used: the SLO names "
			"its own reject_ratio or error_ratio term\n", spec.availability);
	char dirbuf[4096];
	const char *outdir = cmd_out_dir(a, set, dirbuf, sizeof dirbuf);
	cmd_catch_signals();
	/* a sweep of the searched paths alone is the search's to set: it is
	 * set aside (any other sweep is refused by the probes) */
	struct sweep_source own = *src;
	struct sc_override *sets = NULL;
	if (sweeps_searched(set, &spec)) {
		if (!(sets = calloc(src->nsets + 1, sizeof *sets))) {
			fprintf(stderr, "archsim: out of memory\n");
			return 1;
		}
		if (src->nsets)
			memcpy(sets, src->sets, src->nsets * sizeof *sets);
		sets[src->nsets] = (struct sc_override){ "sweep", "{}" };
		own.sets = sets;
		own.nsets = src->nsets + 1;
		if (!a->quiet)
			fprintf(stderr, "archsim: capacity: the file's sweep of the searched path is set aside\n");
	}
	int status = answer(&spec, set, &own, a, outdir);
	free(sets);
	return status;
}

static int capacity_exec(const struct cmd_args *a)
{
	struct sweep *set = NULL;
	struct sweep_source src = { 0 };
	/* each probe rebuilds the scenario from its text */
	int status = cmd_load(a, &set, &src);
	if (status == 0)
		status = search(set, &src, a);
	sweep_free(set);
	free((char *)src.text);
	return status;
}

const struct cmd_entry cmd_capacity_entry = {
	.name = "capacity",
	.args = "FILE",
	.options = "--slo --vary --min --max --goal --tolerance --max-replications "
		   "--availability -o --seed --set -j -q",
	.tolerates = "--stats",
	.doc = "find the smallest (or largest) value of PATH that meets the SLO "
	       "('latency_p99_s<50ms and reject_ratio<0.001'), deciding each probe with 95% "
	       "confidence; writes DIR/capacity-PATH.csv (the scenario's capacity: block gives "
	       "the same keys)",
	.exec = capacity_exec,
};
