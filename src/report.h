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

#include "catalog.h"
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

/* One row of a "top" list: an event (table CAT_SDK/CAT_WEBRTC, id, p1, p2)
 * or a cause (CAT_DISMISSAL/CAT_REALTIME, id, p1 = p2 = -1). */
struct top_item {
	enum cat_table table;
	int32_t id, p1, p2;
	enum severity severity;
	char *label;             /* owned; rendered with parameters, or "Unknown ..." */
	uint64_t count;          /* rows */
	uint32_t users;          /* distinct users affected */
};

#define REPORT_TOP 10            /* length of every top list */
#define REPORT_WORST 20          /* length of the worst-calls list */

struct report {
	const struct dataset *ds;
	const struct model *m;
	const struct decode_stats *dec;
	const struct tz *tz;
	const char *title;               /* --title, not copied; NULL when none */
	int64_t generated_ms;            /* from SOURCE_DATE_EPOCH; RR_NONE when unset */
	uint32_t calls, rooms, users, sessions, entered;
	uint32_t exits[EXIT__COUNT];
	struct latency entry_latency;
	/* Entry success: entered / sessions (per mille, RR_NONE without
	 * sessions); within 5 s: sessions entered with a latency <= 5000 ms /
	 * sessions with a latency. */
	int64_t entry_success_pm, entry_fast_pm;
	int64_t user_ms;                 /* sum of session durations (user-hours) */
	uint32_t findings[SEV__COUNT];   /* over all sessions */
	uint32_t abnormal_experiences;   /* sampled by TRTC: at most 20 an hour */
	struct day *days;                /* in date order */
	size_t ndays;
	/* Top lists, most first (ties: table, id, p1, p2). Events are those of
	 * severity warning or error ("problem events"). */
	struct top_item *top_events_by_count, *top_events_by_users;
	size_t ntop_events_by_count, ntop_events_by_users;
	struct top_item *top_causes_by_count, *top_causes_by_users;
	size_t ntop_causes_by_count, ntop_causes_by_users;
	/* Calls by badness: error findings, then warning findings, then
	 * timeouts+kicks+entry failures, then start; at most REPORT_WORST, only
	 * calls with at least one warning or error. Indexes into model.calls. */
	uint32_t *worst;
	size_t nworst;
	/* Per call (model order): its page's file name relative to the report
	 * directory, "calls/<slug>-<hash8>.html": slug = the room ID's ASCII
	 * letters, digits, '-' and '_' (others become '-', runs collapsed, at
	 * most 40 bytes, "room" when empty); hash8 = 8 hex digits of a hash of
	 * (room, CommId, start). Unique within the report; never a raw ID. */
	char **call_file;
};

/* Builds the aggregates; the report keeps pointers to ds, m, dec and tz,
 * which must outlive it; labels come from cat. Returns RR_OK or RR_ENOMEM. */
int report_build(const struct dataset *ds, const struct model *m,
		 const struct decode_stats *dec, const struct catalog *cat,
		 const struct tz *tz, struct report *r);
void report_free(struct report *r);

/* Nearest-rank percentile q (0 < q <= 1) of n values, sorted in place.
 * Returns RR_NONE when n == 0. */
int64_t percentile_nearest_rank(int64_t *v, size_t n, double q);

#endif
