/*
 * lang.c - the language archsim loads; see lang.h.
 */
#include "app/lang.h"

#include "app/capacity.h"
#include "models/client.h"
#include "models/kinds.h"

static const struct param sections[] = {
	CAP_SECTION,
	{ 0 }
};

const struct load_lang archsim_lang = {
	.kinds = models_kinds,
	.workload = &client_ops,
	.sections = sections,
};
