/*
 * report — the report model: aggregates over the calls and sessions that
 * every output shows (totals, exits, entry latency percentiles, per-day
 * figures). Renderers and writers read this and compute nothing.
 * Does not: change the session model or format anything.
 */
#ifndef RR_REPORT_H
#define RR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "decode.h"
#include "sessions.h"
#include "tz.h"

/* Percentiles use the nearest-rank method: the value at rank ceil(q*n) of
 * the sorted sample. With n == 0 they are RR_NONE. */
struct latency {
	uint64_t n;
	int64_t p50, p95;
};

struct day {
	char date[11];           /* YYYY-MM-DD in the display zone */
	uint32_t calls;          /* calls starting that day */
	uint32_t sessions;       /* sessions starting that day */
	uint32_t entered, entry_failed, timeouts;
};

struct report {
	const struct dataset *ds;
	const struct model *m;
	const struct decode_stats *dec;
	const struct tz *tz;
	const char *title;               /* --title, not copied; NULL when none */
	uint32_t calls, rooms, users, sessions, entered;
	uint32_t exits[EXIT__COUNT];
	struct latency entry_latency;
	uint32_t abnormal_experiences;   /* sampled by TRTC: at most 20 an hour */
	struct day *days;                /* in date order */
	size_t ndays;
};

/* Builds the aggregates; the report keeps pointers to ds, m, dec and tz,
 * which must outlive it. Returns RR_OK or RR_ENOMEM. */
int report_build(const struct dataset *ds, const struct model *m,
		 const struct decode_stats *dec, const struct tz *tz, struct report *r);
void report_free(struct report *r);

/* Nearest-rank percentile q (0 < q <= 1) of n values, sorted in place.
 * Returns RR_NONE when n == 0. */
int64_t percentile_nearest_rank(int64_t *v, size_t n, double q);

#endif
