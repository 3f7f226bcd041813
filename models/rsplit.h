/*
 * rsplit.h - load-based splitting of one key range, as CockroachDB's split
 * decider and finder do it (pkg/kv/kvserver/split: decider.go, finder.go).
 *
 * The decider measures the range's requests per second over windows of at
 * least a second: the window rolls over at the first request a second or
 * more after it began, and its rate is the requests counted since (this
 * one included) over the time.  A rate at or above the threshold
 * (CockroachDB's kv.range_split.load_qps_threshold, 2500 by default)
 * starts a finder, if none runs; a rate below it drops the finder.
 *
 * The finder keeps a reservoir of 20 request keys.  The request numbered
 * n (from 0) fills slot n while n < 20; after, it draws i uniform in [0,
 * n): i < 20 replaces sample i with this key and new counters, and
 * otherwise each sample counts the request on its right (the sample's key
 * at or below the request's) or on its left.  A key is offered once the
 * finder has run longer than 10 s: among the samples with 100 or more
 * requests counted, the one with the least |left - right| / (left +
 * right), if that is below 0.25.  Splitting there puts the keys below it
 * in one range and the rest in another, between 3/8 and 5/8 of the load
 * on each side.  A lone hot key cannot be split from itself: a sample at
 * the range's first key counts every request on its right.
 *
 * Requests here are single keys, so CockroachDB's "contained" counter
 * (spans across a sample) is always 0 and is left out.
 */
#ifndef MODELS_RSPLIT_H
#define MODELS_RSPLIT_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#define RS_SAMPLES 20            /* splitKeySampleSize */
#define RS_MIN_COUNTER 100       /* splitKeyMinCounter */
#define RS_BALANCE 0.25          /* splitKeyThreshold */

struct rs_sample {
	uint64_t place;
	uint32_t left, right;
};

struct rs_range {
	int64_t window_ns;             /* this rate window's start; -1: none yet */
	uint64_t count;                /* requests since it began */
	double qps;                    /* the last window's rate */
	int64_t finder_ns;             /* the finder's start; -1: no finder */
	uint64_t seen;                 /* requests the finder has taken */
	struct rs_sample s[RS_SAMPLES];
};

/* rs_reset starts r afresh, as a range that has just been split: no rate
 * window and no finder. */
void rs_reset(struct rs_range *r);

/* rs_record counts a request for the key at `place` at time now_ns, with
 * threshold_qps the rate that starts a finder and record_ns how long a
 * finder runs before it offers a key; rng draws the reservoir's slot and is
 * used only while a finder runs.  Returns 1 with *place_out the split key
 * and *right_out the share of the counted requests at or above it when the
 * finder offers one, 0 otherwise. */
int rs_record(struct rs_range *r, int64_t now_ns, uint64_t place, double threshold_qps,
	      int64_t record_ns, gsl_rng *rng, uint64_t *place_out, double *right_out);

/* rs_key is the finder's choice over the samples as they stand: 1 with
 * the key and its right share, or 0 when no sample qualifies. */
int rs_key(const struct rs_range *r, uint64_t *place_out, double *right_out);

#endif
