/*
 * test_keep.c - records at fixed offsets (app/keep.h), in memory and in
 * an unlinked temporary file: what was put at scattered offsets, in any
 * order and overwritten in part, reads back as put, and every byte never
 * written reads as zero, up to and past the end of what was written.
 * Each store is held to a copy kept in a plain array.
 */
#include "tests/testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "app/keep.h"

#define SPAN (3u << 20)      /* the offsets used, 3 MiB */

/* fill writes n bytes of a pattern that differs from record to record,
 * and has no zero byte (so a zero read back is a zero kept). */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(1 + (seed * 131 + i * 7) % 255);
}

/* round_trip puts records at scattered offsets into k and into a copy,
 * then reads all of k back in pieces of several sizes against the copy. */
static void round_trip(struct keep *k)
{
	static const struct {
		size_t at, n;
	} recs[] = {
		{ 1000000, 4096 }, { 0, 1 }, { 7, 300 }, { 4093, 10 },   /* across a page */
		{ 2500000, 65536 }, { 123457, 33 }, { 1000100, 50 },     /* over the first, in part */
		{ SPAN - 64, 64 },                                        /* the last bytes */
	};
	unsigned char *copy = calloc(SPAN, 1), *rec = malloc(65536), *got = malloc(SPAN);
	assert_non_null(copy);
	assert_non_null(rec);
	assert_non_null(got);
	struct sim_err err = { 0 };
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		fill(rec, recs[i].n, (unsigned)i + 1);
		assert_int_equal(keep_put(k, rec, recs[i].n, (off_t)recs[i].at, &err), 0);
		memcpy(copy + recs[i].at, rec, recs[i].n);
	}
	/* each record on its own, the second overwritten in part */
	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		assert_int_equal(keep_get(k, got, recs[i].n, (off_t)recs[i].at, &err), 0);
		assert_memory_equal(got, copy + recs[i].at, recs[i].n);
	}
	/* the whole span at once, and again in odd pieces: the gaps are zeros */
	memset(got, 0xee, SPAN);
	assert_int_equal(keep_get(k, got, SPAN, 0, &err), 0);
	assert_memory_equal(got, copy, SPAN);
	size_t zeros = 0;
	for (size_t i = 0; i < SPAN; i++)
		zeros += copy[i] == 0;
	assert_true(zeros > SPAN - 80000);
	for (size_t at = 0, step = 1; at < SPAN; at += step, step = step * 3 % 100003 + 1) {
		size_t n = at + step <= SPAN ? step : SPAN - at;
		memset(got, 0xee, n);
		assert_int_equal(keep_get(k, got, n, (off_t)at, &err), 0);
		assert_memory_equal(got, copy + at, n);
	}
	/* past the end of everything put: zeros */
	memset(got, 0xee, 1000);
	assert_int_equal(keep_get(k, got, 1000, (off_t)SPAN + 12345, &err), 0);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(got[i], 0);
	/* straddling the end: the last record, then zeros */
	memset(got, 0xee, 128);
	assert_int_equal(keep_get(k, got, 128, (off_t)SPAN - 64, &err), 0);
	assert_memory_equal(got, copy + SPAN - 64, 64);
	for (size_t i = 64; i < 128; i++)
		assert_int_equal(got[i], 0);
	free(copy);
	free(rec);
	free(got);
}

static void test_keep_in_memory(void **state)
{
	struct keep k;
	keep_open(&k, 0);
	assert_int_equal(k.fd, -1);
	round_trip(&k);
	keep_close(&k);
	assert_null(k.mem);
}

static void test_keep_in_a_file(void **state)
{
	struct keep k;
	keep_open(&k, 1);
	assert_true(k.fd >= 0);
	/* unlinked at once: no name to leave behind, and closed on exec */
	struct stat st;
	assert_int_equal(fstat(k.fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	round_trip(&k);
	assert_null(k.mem);              /* the bytes went to the file */
	assert_int_equal(fstat(k.fd, &st), 0);
	assert_int_equal(st.st_size, SPAN);
	keep_close(&k);
}

/* A store that cannot make its file keeps its bytes in memory. */
static void test_keep_falls_back_to_memory(void **state)
{
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	assert_int_equal(setenv("TMPDIR", "/nonexistent/archsim-keep", 1), 0);
	struct keep k;
	keep_open(&k, 1);
	if (saved) {
		setenv("TMPDIR", saved, 1);
		free(saved);
	} else {
		unsetenv("TMPDIR");
	}
	assert_int_equal(k.fd, -1);
	round_trip(&k);
	keep_close(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_in_memory),
		cmocka_unit_test(test_keep_in_a_file),
		cmocka_unit_test(test_keep_falls_back_to_memory),
	};
	return cmocka_run_group_tests_name("keep", tests, NULL, NULL);
}
