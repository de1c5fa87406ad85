/*
 * baseline — the headline figures of an earlier run, read from its JSON
 * (--baseline OLD.json) for week-over-week comparison. Only the top-level
 * "headline" object is kept; every other value is skipped by a validating
 * scanner with a depth limit, so a large or hostile file costs time in
 * proportion to its size and no memory beyond the figures.
 * The "days" array is read too (struct prev_day, for the per-day charts).
 * Does not: compare (report_compare, report_compare_days do) or read
 * anything else of the run.
 */
#ifndef RR_BASELINE_H
#define RR_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define BASELINE_DAYS 366

struct baseline {
	uint8_t have[HL__COUNT];     /* 1 when the figure is a number (not null/absent) */
	int64_t value[HL__COUNT];
	char generator[64];          /* "roomreport X.Y.Z" of the old run, or "" */
	/* The top-level "days" array (the last one when given twice): its last
	 * BASELINE_DAYS days in the file's order, ndays of days_total read. */
	struct prev_day days[BASELINE_DAYS];
	uint32_t ndays;
	uint64_t days_total;
};

/*
 * Reads path. Returns RR_OK; RR_EIO when it cannot be read (err = "PATH:
 * reason"); RR_EDATA when it is not JSON, nests deeper than 64, or has no
 * top-level "headline" object (err = "PATH: offset N: reason"); RR_ENOMEM.
 * Unknown keys inside "headline" are ignored; missing ones stay unset.
 * "days", when present, must be an array of objects, each with a "date"
 * "YYYY-MM-DD"; their figures (calls, sessions, timeouts, entry_failed,
 * entry_success_pm, abnormal_experiences_per_100_x10, entry_latency_ms
 * {p50, p95}) integers or null, "partial" true, false or null; anything
 * else is RR_EDATA ("days[N] ..."). Figures left out are RR_NONE.
 */
int baseline_read(const char *path, struct baseline *b, char *err, size_t errlen);
int baseline_read_mem(const char *name, const char *buf, size_t len, struct baseline *b,
		      char *err, size_t errlen);

#endif
