/*
 * kinds.h - the component kinds that `nodes:` may name, in the order the
 * reference lists them.
 *
 * The program hands this list to the loader (load.h); nothing below the
 * program looks it up.  Adding a kind: write models/<kind>.c with its
 * model_ops and parameter table (model.h), then add one line to kinds.c.
 */
#ifndef MODELS_KINDS_H
#define MODELS_KINDS_H

#include "sim/model.h"

/* The kinds of `nodes:`, NULL-terminated. */
extern const struct model_ops *const models_kinds[];

#endif
