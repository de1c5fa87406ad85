/*
 * baseline — the headline figures of an earlier run, read from its JSON
 * (--baseline OLD.json) for week-over-week comparison. Only the top-level
 * "headline" object, the "days" array (struct prev_day, for the per-day
 * charts) and the rows of "breakdowns" (into fixed arrays) are kept;
 * every other value is skipped by a validating scanner with a depth
 * limit, so a large or hostile file costs time in proportion to its size
 * and no memory beyond the struct.
 * Does not: compare (report_compare, report_compare_days do) or read
 * anything else of the run.
 */
#ifndef RR_BASELINE_H
#define RR_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define BASELINE_DAYS 366
/* The counts of a breakdown row read besides its rates: the row's
 * "entered", "entry_observed", "timeouts", "kicks", "entry_failed",
 * "no_exit", "entry_within_5s" (older runs did not write it),
 * "entry_latency_ms" -> "n" and "first_frame_ms" -> "n". */
enum bd_count {
	BC_ENTERED, BC_ENTRY_OBSERVED, BC_TIMEOUTS, BC_KICKS, BC_ENTRY_FAILED, BC_NO_EXIT,
	BC_FAST, BC_LATENCY_N, BC_FIRST_FRAME_N, BC__COUNT
};

/* A breakdown row of the old run ("breakdowns" -> dimension -> row): its
 * "key", "sessions", the rates named by report_bd_figure_key and the
 * counts of enum bd_count. */
struct baseline_bd_row {
	uint8_t dim;                 /* enum bd_dim */
	uint8_t keyed;               /* "key" was a string of at most 127 bytes */
	uint8_t has_sessions;
	uint8_t have[BF__COUNT];
	uint8_t has_count[BC__COUNT];
	char key[128];
	uint32_t sessions;
	uint32_t count[BC__COUNT];
	int64_t value[BF__COUNT];
	/* "entry_latency_hist" and "first_frame_hist" (enum bd_hist): kept
	 * when the file's "breakdown_bins_ms", before "breakdowns", are
	 * report_bd_bin_lo's and every count is one; else has_hist 0. */
	uint8_t has_hist[BH__COUNT];
	uint32_t hist[BH__COUNT][REPORT_BD_BINS];
};
/* Rows kept: a run writes at most REPORT_BREAKDOWN + 1 per dimension;
 * rows past this many are skipped. */
#define BASELINE_BD_ROWS (BDIM__COUNT * (REPORT_BREAKDOWN + 1))

/* The "context" of the old run, per exit (enum cx_exit): its "sessions"
 * and "with" counts (report_context.c). has: every one was read, each a
 * count no larger than sessions. */
struct baseline_context {
	uint8_t has, has_sessions;
	uint8_t have[CK__COUNT];
	uint32_t sessions, with[CK__COUNT];
};

/* An item of the old run's top lists ("top_events" or "top_causes", then
 * "by_count" or "by_users"): its table name, id, parameters (RR_NONE for
 * null: any value), count and users. ok: table, id and count were read. */
struct baseline_top {
	uint8_t causes, ok;
	char table[16];
	int64_t id, p1, p2;
	uint64_t count;
	int64_t users;           /* RR_NONE when absent */
};
#define BASELINE_TOPS (4 * REPORT_TOP)

struct baseline {
	uint8_t have[HL__COUNT];     /* 1 when the figure is a number (not null/absent) */
	int64_t value[HL__COUNT];
	char generator[64];          /* "roomreport X.Y.Z" of the old run, or "" */
	/* The top-level "days" array (the last one when given twice): its last
	 * BASELINE_DAYS days in the file's order, ndays of days_total read. */
	struct prev_day days[BASELINE_DAYS];
	uint32_t ndays;
	uint64_t days_total;
	struct baseline_bd_row bd[BASELINE_BD_ROWS];
	size_t nbd;
	/* The run's period: the earliest and the latest "date" of its days
	 * (all of them, not only the last BASELINE_DAYS kept); RR_NONE
	 * without days. */
	int64_t first_day, last_day;
	/* "context" (the last one when given twice); has_context: present. */
	int has_context;
	struct baseline_context context[CX__COUNT];
	/* The items of its four top lists, in the file's order, ntops of
	 * them (the first BASELINE_TOPS). */
	struct baseline_top tops[BASELINE_TOPS];
	size_t ntops;
};

/* The baseline's top-list item of the kind (causes 0: events) with this
 * table name, id and parameters (RR_NONE: any), or NULL. */
const struct baseline_top *baseline_top_find(const struct baseline *b, int causes,
					     const char *table, int64_t id, int64_t p1,
					     int64_t p2);

/* The baseline's row of dimension dim whose key is key, or NULL. */
const struct baseline_bd_row *baseline_bd_find(const struct baseline *b, enum bd_dim dim,
					       const char *key);

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
