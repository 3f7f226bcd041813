/*
 * kinds.c - the component kinds that `nodes:` may name; see kinds.h.
 */
#include "models/kinds.h"

#include "models/balancer.h"
#include "models/cache.h"
#include "models/database.h"
#include "models/eventstore.h"
#include "models/projection.h"
#include "models/queue.h"
#include "models/service.h"
#include "models/shards.h"

const struct model_ops *const models_kinds[] = {
	&service_ops,
	&balancer_ops,
	&cache_ops,
	&database_ops,
	&shards_ops,
	&queue_ops,
	&eventstore_ops,
	&projection_ops,
	NULL,
};
