/*
 * test_err.c - error values and located messages.
 */
#include "tests/testutil.h"

#include "sim/err.h"

static void test_err_formats_located_messages(void **state)
{
	struct sim_err e;
	assert_int_equal(sim_err_at(&e, SIM_EINVAL, "a.yaml", 3, 7, "bad %s", "thing"),
			 SIM_EINVAL);
	assert_string_equal(e.msg, "a.yaml:3:7: bad thing");
	assert_int_equal(e.code, SIM_EINVAL);
	assert_int_equal(sim_errf(&e, SIM_EIO, "disk %d", 2), SIM_EIO);
	assert_string_equal(e.msg, "disk 2");
	/* a NULL error struct is allowed: only the code comes back */
	assert_int_equal(sim_errf(NULL, SIM_ENOMEM, "x"), SIM_ENOMEM);
	/* long messages are cut, never overflow */
	char big[3000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	sim_err_at(&e, SIM_EINVAL, "f", 1, 1, "%s", big);
	assert_int_equal(strlen(e.msg), SIM_ERR_MSG_MAX - 1);
}

static void test_err_strerror_covers_every_code(void **state)
{
	assert_string_equal(sim_strerror(SIM_OK), "success");
	assert_string_equal(sim_strerror(SIM_EINVAL), "invalid scenario or argument");
	assert_string_equal(sim_strerror(SIM_ENOMEM), "out of memory");
	assert_string_equal(sim_strerror(SIM_EIO), "input/output error");
	assert_string_equal(sim_strerror(SIM_EINTR), "interrupted");
	assert_string_equal(sim_strerror(-99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_formats_located_messages),
		cmocka_unit_test(test_err_strerror_covers_every_code),
	};
	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
