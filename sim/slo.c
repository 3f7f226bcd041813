/*
 * slo.c - the SLO's one-line form; see slo.h.
 */
#include "sim/slo.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/check.h"
#include "sim/metric.h"

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* trim copies s into dst without the spaces around it. */
static void trim(char *dst, size_t len, const char *s)
{
	s = skip_space(s);
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	snprintf(dst, len, "%.*s", (int)n, s);
}

/* parse_limit reads a limit for metric m in its unit. */
static int parse_limit(int m, const char *s, double *out)
{
	char *end;
	if (metric_unit(m) == METRIC_UNIT_RATE)
		return check_parse_rate(s, out);
	if (metric_unit(m) == METRIC_UNIT_TIME) {
		int64_t ns;
		if (check_parse_duration(s, &ns) == 0) {
			*out = (double)ns * 1e-9;
			return 0;
		}
		return -1;
	}
	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out))
		return -1;
	return 0;
}

int slo_parse(const char *text, struct slo *out, char *why, size_t len)
{
	char buf[sizeof out->text];
	if (strlen(text) >= sizeof buf) {
		snprintf(why, len, "too long");
		return -1;
	}
	snprintf(out->text, sizeof out->text, "%s", text);
	snprintf(buf, sizeof buf, "%s", text);
	out->nterms = 0;
	char *s = buf;
	for (;;) {
		/* one term: NAME OP LIMIT, up to " and " or the end */
		char *and = strstr(s, " and ");
		if (and)
			*and = 0;
		if (out->nterms == SLO_MAX_TERMS) {
			snprintf(why, len, "at most %d terms", SLO_MAX_TERMS);
			return -1;
		}
		char *op = strpbrk(s, "<>");
		if (!op) {
			snprintf(why, len, "'%s': a term is METRIC<LIMIT or METRIC>LIMIT, e.g. latency_p99_s<50ms",
				 skip_space(s));
			return -1;
		}
		struct slo_term *t = &out->terms[out->nterms];
		t->above = *op == '>';
		*op = 0;
		char name[64];
		trim(name, sizeof name, s);
		t->metric = metric_find(name);
		if (t->metric < 0) {
			size_t w = (size_t)snprintf(why, len, "unknown metric '%s' (metrics:", name);
			for (int m = 0; m < METRIC_COUNT && w < len; m++)
				w += (size_t)snprintf(why + w, len - w, "%s %s", m ? "," : "",
						      metric_name(m));
			if (w < len)
				snprintf(why + w, len - w, ")");
			return -1;
		}
		char lim[64];
		const char *b = skip_space(op + 1);
		if (*b == '=')
			b++;   /* <= reads as < for a continuous metric */
		trim(lim, sizeof lim, b);
		if (parse_limit(t->metric, lim, &t->limit)) {
			static const char *const want[] = {
				[METRIC_UNIT_RATE] = "a rate such as 900/s",
				[METRIC_UNIT_TIME] = "a duration such as 50ms",
				[METRIC_UNIT_NUMBER] = "a number such as 0.001",
			};
			snprintf(why, len, "%s: '%s' is not a limit for it (%s)", name, lim,
				 want[metric_unit(t->metric)]);
			return -1;
		}
		out->nterms++;
		if (!and)
			break;
		s = and + 5;
	}
	return 0;
}

int slo_window_metric(int m)
{
	switch (m) {
	case METRIC_THROUGHPUT:
	case METRIC_LATENCY_MEAN:
	case METRIC_P50:
	case METRIC_P90:
	case METRIC_P99:
	case METRIC_P999:
	case METRIC_REJECT_RATIO:
	case METRIC_ERROR_RATIO:
		return 1;
	default:
		return 0;
	}
}

int slo_holds(const struct slo *slo, const double *v)
{
	for (size_t i = 0; i < slo->nterms; i++) {
		const struct slo_term *t = &slo->terms[i];
		double x = v[t->metric];
		if (isnan(x))
			continue;
		if (t->above ? !(x > t->limit) : !(x < t->limit))
			return 0;
	}
	return 1;
}

const struct slo_term *slo_unjudged(const struct slo *slo, const double *v)
{
	for (size_t i = 0; i < slo->nterms; i++)
		if (isnan(v[slo->terms[i].metric]))
			return &slo->terms[i];
	return NULL;
}
