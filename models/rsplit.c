/*
 * rsplit.c - load-based range splitting; see rsplit.h.
 */
#include "models/rsplit.h"

#include <math.h>
#include <string.h>

#define RS_WINDOW_NS 1000000000LL  /* minQueriesPerSecondSampleDuration */

void rs_reset(struct rs_range *r)
{
	memset(r, 0, sizeof *r);
	r->window_ns = -1;
	r->finder_ns = -1;
}

int rs_key(const struct rs_range *r, uint64_t *place_out, double *right_out)
{
	int best = -1;
	double best_score = 2;
	uint32_t n = r->seen < RS_SAMPLES ? (uint32_t)r->seen : RS_SAMPLES;
	for (uint32_t i = 0; i < n; i++) {
		const struct rs_sample *s = &r->s[i];
		uint64_t total = (uint64_t)s->left + s->right;
		if (total < RS_MIN_COUNTER)
			continue;
		double score = fabs((double)s->left - (double)s->right) / (double)total;
		if (score >= RS_BALANCE)
			continue;
		if (score < best_score)
			best = (int)i, best_score = score;
	}
	if (best < 0)
		return 0;
	*place_out = r->s[best].place;
	*right_out = (double)r->s[best].right / ((double)r->s[best].left + r->s[best].right);
	return 1;
}

/* draw_below: uniform in [0, n), as Go's rand.Intn; the generators give
 * 32 bits a draw, so n beyond that is drawn from a double */
static uint64_t draw_below(gsl_rng *rng, uint64_t n)
{
	if (n <= gsl_rng_max(rng) - gsl_rng_min(rng))
		return gsl_rng_uniform_int(rng, (unsigned long)n);
	uint64_t i = (uint64_t)(gsl_rng_uniform(rng) * (double)n);
	return i < n ? i : n - 1;
}

/* finder_record: the reservoir step for one request */
static void finder_record(struct rs_range *r, uint64_t place, gsl_rng *rng)
{
	uint64_t n = r->seen++;
	uint64_t i = n;
	if (n >= RS_SAMPLES && (i = draw_below(rng, n)) >= RS_SAMPLES) {
		for (uint32_t k = 0; k < RS_SAMPLES; k++) {
			if (r->s[k].place <= place)
				r->s[k].right++;
			else
				r->s[k].left++;
		}
		return;
	}
	r->s[i] = (struct rs_sample){ .place = place };
}

int rs_record(struct rs_range *r, int64_t now_ns, uint64_t place, double threshold_qps,
	      int64_t record_ns, gsl_rng *rng, uint64_t *place_out, double *right_out)
{
	r->count++;
	if (r->window_ns < 0)
		r->window_ns = now_ns;
	int64_t elapsed = now_ns - r->window_ns;
	if (elapsed >= RS_WINDOW_NS) {
		r->qps = (double)r->count / (double)elapsed * 1e9;
		r->window_ns = now_ns;
		r->count = 0;
		if (r->qps >= threshold_qps) {
			if (r->finder_ns < 0) {
				r->finder_ns = now_ns;
				r->seen = 0;
			}
		} else {
			r->finder_ns = -1;
		}
	}
	if (r->finder_ns < 0)
		return 0;
	finder_record(r, place, rng);
	return now_ns - r->finder_ns > record_ns && rs_key(r, place_out, right_out);
}
