/*
 * help.h - `archsim help`: the reference of everything a user writes and
 * reads, gathered from the tables that declare it.
 *
 * Nothing here is written by hand but the few sentences that introduce a
 * topic: the keys come from parameter tables (param.h) - the scenario's
 * top level and `precision:` (load.h), each distribution's form (dist.h),
 * each kind's keys, columns and timeline actions (model.h), the call
 * edges (callplan.h), the breakers (breaker.h), the timeline's entries
 * and the engine's actions (timeline.h), the `capacity:` block
 * (capacity.h) - and the output files' columns from the report's and the
 * kinds' column tables.  docs/reference.md is `archsim help --markdown`
 * (make docs), and a test fails when the two differ.
 */
#ifndef APP_HELP_H
#define APP_HELP_H

#include <stdio.h>

#include "sim/load.h"
#include "sim/param.h"

/* help_topic prints topic `name` (a section such as "timeline", or a
 * kind) of lang's reference in fmt: 0, or -1 when there is no such
 * topic. */
int help_topic(FILE *f, const struct load_lang *lang, const char *name, enum param_format fmt);

/* help_list prints the topics with a line each, in plain text. */
void help_list(FILE *f, const struct load_lang *lang);

/* help_names fills names (len slots) with every topic's name and a NULL
 * after the last, for suggestions. */
void help_names(const struct load_lang *lang, const char **names, size_t len);

/* help_reference prints the whole reference in Markdown: the text of
 * docs/reference.md. */
void help_reference(FILE *f, const struct load_lang *lang);

#endif
