/*
 * simtest.h - helpers shared by the tests that run simulations: load a
 * scenario from text, run one replication.  Failures end the test with the
 * scenario's own message.
 */
#ifndef SIMTEST_H
#define SIMTEST_H

#include "tests/testutil.h"

#include "sim/scenario.h"
#include "sim/sim.h"

/* simtest_load checks a scenario given as text; the test fails on error. */
static inline struct scenario_set *simtest_load(const char *text)
{
	struct scenario_set *set = NULL;
	struct sim_err err = { 0 };
	if (scenario_load_string("t.yaml", text, NULL, 0, &set, &err))
		fail_msg("scenario: %s", err.msg);
	return set;
}

/* simtest_run runs replication rep of sc into *r (to be released with
 * rep_result_fini); the test fails on error. */
static inline void simtest_run(const struct scenario *sc, uint32_t rep,
			       struct rep_result *r)
{
	struct sim_err err = { 0 };
	assert_int_equal(rep_result_init(r, (uint32_t)sc->nnodes), 0);
	if (sim_run(sc, rep, r, NULL, &err))
		fail_msg("run: %s", err.msg);
}

#endif
