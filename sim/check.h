/*
 * check.h - the scenario checker's helpers: one value at a time, one
 * message format.
 *
 * Every problem in a scenario is reported as
 *
 *   FILE:LINE:COL: path.to.key: what is wrong (what is allowed)
 *
 * with the location libyaml gave the value (ytree.h) and the dotted path
 * the caller passes as `what`.  The helpers below check one value each
 * and convert it (durations to int64 nanoseconds, rates to per second,
 * a `{dist: ...}` mapping to a struct dist); parameter tables (param.h),
 * the timeline, the call lists and the loader are built on them, so a
 * message reads the same whichever kind or section it comes from.
 *
 * Units: durations are written with ns, us, ms, s, m or h; rates with /s,
 * /m or /h.  A bare number is refused for both, because a missing unit is
 * the most common silent mistake in such files.
 *
 * Each helper returns 0, or SIM_EINVAL (SIM_ENOMEM where it allocates)
 * with the located message in ctx->err.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "sim/dist.h"
#include "sim/err.h"
#include "sim/scenario.h"
#include "sim/ytree.h"

struct load_lang;

/* What a check needs: the scenario being built (its node names, its
 * breakers, its file's directory), where to put the message, and the
 * language the program loads (load.h; NULL when checking a table alone). */
struct check_ctx {
	struct scenario *sc;
	struct sim_err *err;
	const struct load_lang *lang;
};

/* check_fail reports a problem at node n. */
int check_fail(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* check_keys checks that map is a mapping whose keys are all in the
 * NULL-terminated list `allowed` (suggesting the closest when one is near),
 * and that every key in the NULL-terminated `required` is present. */
int check_keys(struct check_ctx *ctx, const struct yt_node *map, const char *what,
	       const char *const *allowed, const char *const *required);

/* check_scalar checks that n is a non-empty scalar; `expect` says what it
 * should be ("a string"). */
int check_scalar(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		 const char *expect);

/* check_string: a non-empty scalar; *out points into the tree. */
int check_string(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		 const char **out);
/* check_uint: an unquoted integer in [min, max]. */
int check_uint(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       uint64_t min, uint64_t max, uint64_t *out);
/* check_double: an unquoted number with no unit, in [min, max]. */
int check_double(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		 double min, double max, double *out);
/* check_bool: true, yes or on -> 1; false, no or off -> 0. */
int check_bool(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       int *out);
/* check_duration: a number with a unit; min_ns is the least allowed. */
int check_duration(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		   int64_t min_ns, int64_t *out_ns);
/* check_rate: a positive number with /s, /m or /h; stored per second. */
int check_rate(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       double *per_s);
/* check_rate_or_zero: the same, but 0 (0/s, 0/m, 0/h or a bare 0) is
 * allowed. */
int check_rate_or_zero(struct check_ctx *ctx, const struct yt_node *n,
		       const char *what, double *per_s);
/* check_dist: a distribution as dist.h's forms declare them
 * ({dist: KIND, ...its keys}), or a bare duration for a constant ->
 * a constructed distribution. */
int check_dist(struct check_ctx *ctx, const struct yt_node *n, const char *what,
	       struct dist *out);
/* check_node_ref: the name of a component in `nodes:` -> its index. */
/* check_dist_bytes: the same for a size: its values (a mean, a scale)
 * and the shorthand constant are sizes in bytes (check_bytes), as are an
 * empirical file's plain numbers. */
int check_dist_bytes(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		     struct dist *out);
/* check_bytes: a size, a number with a unit B, KB, MB, GB, TB (powers of
 * 1000) or KiB, MiB, GiB, TiB (of 1024), >= 0 -> bytes. */
int check_bytes(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		double *bytes);
/* check_bandwidth: a positive number with a unit bit/s, kbit/s, Mbit/s,
 * Gbit/s, Tbit/s, B/s, KB/s, MB/s or GB/s (powers of 1000) -> bytes per
 * second. */
int check_bandwidth(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		    double *bytes_per_s);
int check_node_ref(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		   uint32_t *out);
/* check_breaker_ref resolves the breaker name at n (`breaker:` of a call
 * edge) to its index in sc->breakers. */
int check_breaker_ref(struct check_ctx *c, const struct yt_node *n, const char *what,
		      uint32_t *out);

/* check_path is the file named in the scenario, resolved against the
 * scenario file's directory (malloc'd; NULL when memory ran out). */
char *check_path(const struct check_ctx *ctx, const char *file);

/* check_closest returns the entry of the NULL-terminated list nearest to
 * s in edit distance, or NULL when none is near enough to be a likely
 * typo. */
const char *check_closest(const char *s, const char *const *list);

/* check_unknown reports that `value` at n is not one of the
 * NULL-terminated `allowed` names: "unknown KIND 'value'; did you mean
 * 'x'?" when one is close, else "unknown KIND 'value' (allowed: a, b, c)". */
int check_unknown(struct check_ctx *ctx, const struct yt_node *n, const char *what,
		  const char *kind, const char *value, const char *const *allowed);

/* check_join writes "a, b, c" of the NULL-terminated list into buf. */
void check_join(char *buf, size_t len, const char *const *list);

/* check_parse_duration / check_parse_rate parse text alone (no
 * location): 0 or -1.  For the command line and tests. */
int check_parse_duration(const char *s, int64_t *out_ns);
int check_parse_rate(const char *s, double *per_s);
int check_parse_bytes(const char *s, double *bytes);
int check_parse_bandwidth(const char *s, double *bytes_per_s);

/* The longest duration a scenario may give: sums of a few cannot
 * overflow int64 nanoseconds (about 73 years). */
#define CHECK_MAX_DURATION_NS (INT64_MAX / 4)

#endif
