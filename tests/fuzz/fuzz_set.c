/*
 * fuzz_set.c - libFuzzer harness over `--set PATH=VALUE` overrides.
 *
 * The input is split at its first NUL (or newline) into PATH and VALUE,
 * applied with up to one more override to a fixed valid scenario, and the
 * result checked: any outcome but a crash, a hang, a leak or a silent
 * failure is acceptable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "app/lang.h"
#include "sim/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
	"name: fuzz\n"
	"duration: 10s\n"
	"workloads:\n"
	"  users: {arrival: {process: poisson, rate: 5/s}, target: web}\n"
	"nodes:\n"
	"  web: {type: service, workers: 2, queue: 5, service: {dist: lognormal, mean: 10ms, cv: 1},\n"
	"        next: [{to: db, p: 0.5}]}\n"
	"  db: {type: service, service: 5ms}\n"
	"sweep:\n"
	"  nodes.web.workers: [1, 2]\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once) {
		gsl_set_error_handler_off();
		once = 1;
	}
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	/* PATH, VALUE, and optionally a second PATH=VALUE, separated by
	 * newlines (or NULs, which end the C string early: also fine) */
	struct sc_override ov[2];
	size_t n = 0;
	char *save = NULL;
	char *path = strtok_r(buf, "\n", &save);
	char *value = path ? strtok_r(NULL, "\n", &save) : NULL;
	if (path) {
		ov[n].path = path;
		ov[n].value = value ? value : "";
		n++;
		char *second = strtok_r(NULL, "\n", &save);
		char *eq = second ? strchr(second, '=') : NULL;
		if (eq) {
			*eq = 0;
			ov[n].path = second;
			ov[n].value = eq + 1;
			n++;
		}
	}
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	int rc = sweep_load_string(&archsim_lang, "fuzz.yaml", base, ov, n, &set, &err);
	if (rc == 0)
		sweep_free(set);
	else if (err.msg[0] == 0 || set)
		abort();
	free(buf);
	return 0;
}
