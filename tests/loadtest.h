/*
 * loadtest.h - loading scenario text in the tests of the scenario
 * language (test_check.c, test_load.c, test_sweep.c): a load that must
 * pass, one that must fail, and a table of mistakes, each with the exact
 * message it must produce.  The text stands for a file named s.yaml.
 */
#ifndef LOADTEST_H
#define LOADTEST_H

#include "tests/testutil.h"

#include "app/lang.h"
#include "sim/sweep.h"

/* A scenario every mistake below is a change of. */
#define LOADTEST_BASE \
	"duration: 10s\n" \
	"workloads:\n" \
	"  users: {arrival: {process: poisson, rate: 5/s}, target: web}\n" \
	"nodes:\n" \
	"  web: {type: service, service: {dist: exponential, mean: 10ms}}\n"

/* loadtest_ok loads text with nov overrides; the test fails on error. */
static inline struct sweep *loadtest_ok(const char *text, const struct sc_override *ov,
					size_t nov)
{
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	if (sweep_load_string(&archsim_lang, "s.yaml", text, ov, nov, &set, &err))
		fail_msg("unexpected error: %s", err.msg);
	return set;
}

/* loadtest_err returns the message of a load that must be refused
 * (valid until the next call); the test fails when it is not. */
static inline const char *loadtest_err(const char *text, const struct sc_override *ov,
				       size_t nov)
{
	static struct sim_err err;
	struct sweep *set = NULL;
	memset(&err, 0, sizeof err);
	int rc = sweep_load_string(&archsim_lang, "s.yaml", text, ov, nov, &set, &err);
	if (rc != SIM_EINVAL)
		fail_msg("expected an error for:\n%s", text);
	assert_null(set);
	return err.msg;
}

/* A mistake and the exact message it must produce. */
struct loadtest_mistake {
	const char *yaml;
	const char *msg;
};

/* loadtest_mistakes loads each of the n mistakes and returns how many
 * did not give their message, printing each. */
static inline int loadtest_mistakes(const struct loadtest_mistake *m, size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		const char *got = loadtest_err(m[i].yaml, NULL, 0);
		if (strcmp(got, m[i].msg) != 0) {
			print_error("case %zu:\n  got      %s\n  expected %s\n", i, got, m[i].msg);
			bad++;
		}
	}
	return bad;
}

#endif
