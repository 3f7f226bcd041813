/*
 * fuzz_scenario.c - libFuzzer harness over the scenario loader and checker.
 *
 * Any byte string is a scenario file; loading it must either succeed or
 * fail with SIM_EINVAL / SIM_EIO / SIM_ENOMEM and a located message, never
 * crash, hang, leak or touch memory it does not own (the harness is built
 * with AddressSanitizer and UBSan).  A loaded scenario is also expanded
 * (sweeps) and freed, which exercises every parameter table and param_free.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "app/lang.h"
#include "sim/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once) {
		gsl_set_error_handler_off();
		once = 1;
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct sweep *set = NULL;
	struct sim_err err = { 0 };
	int rc = sweep_load_string(&archsim_lang, "fuzz.yaml", text, NULL, 0, &set, &err);
	if (rc == 0) {
		if (!set || set->npoints == 0)
			abort();
		sweep_free(set);
	} else if (err.msg[0] == 0 || set) {
		abort();    /* an error must say what it is, and leave nothing */
	}
	free(text);
	return 0;
}
