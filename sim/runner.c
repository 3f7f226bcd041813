/*
 * runner.c - all points, all replications; see runner.h.
 */
#include "sim/runner.h"

#include <stdlib.h>

struct hook_ctx {
	struct runner_progress p;
	void (*progress)(void *arg, const struct runner_progress *p);
	void *arg;
};

static void on_progress(void *arg, double done)
{
	struct hook_ctx *h = arg;
	h->p.done = done;
	h->progress(h->arg, &h->p);
}

int runner_run(const struct scenario_set *set, struct report *r,
	       volatile sig_atomic_t *stop,
	       void (*progress)(void *arg, const struct runner_progress *p),
	       void *arg, struct sim_err *err)
{
	struct hook_ctx hc = { .progress = progress, .arg = arg };
	struct sim_hooks hooks = {
		.stop = stop,
		.progress = progress ? on_progress : NULL,
		.arg = &hc,
	};
	int rc = 0;
	hc.p.npoints = set->npoints;
	for (size_t p = 0; p < set->npoints && rc == 0; p++) {
		const struct scenario *sc = set->points[p];
		struct rep_result res;
		if (rep_result_init(&res, sc))
			return sim_errf(err, SIM_ENOMEM, "out of memory");
		hc.p.point = p;
		hc.p.nreps = sc->replications;
		/* one result record, reused: each replication is folded into
		 * the report as it finishes, in index order */
		for (uint32_t k = 0; k < sc->replications; k++) {
			if (stop && *stop) {
				rc = SIM_EINTR;
				break;
			}
			hc.p.rep = k;
			hc.p.done = 0;
			if (progress)
				progress(arg, &hc.p);
			if ((rc = sim_run(sc, k, &res, &hooks, err)))
				break;
			if (report_fold(r, p, k, &res)) {
				rc = sim_errf(err, SIM_ENOMEM, "out of memory");
				break;
			}
		}
		rep_result_fini(&res);
		if (rc == 0 || rc == SIM_EINTR) {
			int arc = report_point_done(r, p);
			if (arc && rc == 0)
				rc = sim_errf(err, arc, "out of memory");
		}
	}
	return rc;
}
