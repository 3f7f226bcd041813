/*
 * registry.c - the component kinds that `nodes:` may name.
 *
 * Adding a kind: write models/<kind>.c with its model_ops, then add one
 * line here.
 */
#include "models/model.h"

#include <stdio.h>
#include <string.h>

#include "models/service.h"

const struct model_ops *const model_registry[] = {
	&service_ops,
	NULL,
};

const struct model_ops *model_find(const char *name)
{
	for (size_t i = 0; model_registry[i]; i++)
		if (strcmp(model_registry[i]->kind, name) == 0)
			return model_registry[i];
	return NULL;
}

void model_kind_names(char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; model_registry[i] && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 model_registry[i]->kind);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
