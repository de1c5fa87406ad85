/*
 * baselines — several --baseline files (older runs' JSONs, in any order):
 * each read with baseline_read, ordered oldest to newest by period (the
 * first and last date of its days), the newest kept whole for the
 * comparisons, every one's period and headline kept for the headline's
 * trend (struct trend_run).
 * With one file nothing is checked beyond baseline_read (a run of the same
 * week, e.g. before and after a fix, may be compared). With several, each
 * needs its days (else its period is unknown), no two may have the same
 * period, and none may end on or after the day this run begins
 * (baselines_check, once this run's days are known).
 * Does not: compare (report_compare) or read anything but baseline_read.
 */
#ifndef RR_BASELINES_H
#define RR_BASELINES_H

#include <stddef.h>

#include "baseline.h"
#include "report.h"

/* The most --baseline files a run takes (the trend draws each). */
#define BASELINES_MAX 52

struct baselines {
	struct trend_run *runs;  /* n of them, oldest first; owned */
	const char **names;      /* their paths, in the same order; owned array */
	size_t n;
};

/*
 * Reads paths[0..n) (n >= 1) into bs and the newest by period (the last
 * given among equals, which with one file is it) into *newest. Returns
 * RR_OK; RR_EIO when a file cannot be read, RR_EDATA when one is broken
 * or there are more than BASELINES_MAX ("PATH: more than 52 ...", PATH
 * the first past it)
 * (err as baseline_read writes it: "PATH: ..."), or, with n > 1, when one
 * has no days ("PATH: has no days ...") or two have one period ("PATH:
 * the same period (A to B) as OTHER ..."); RR_ENOMEM. bs is empty on
 * failure. The caller frees bs with baselines_free.
 */
int baselines_read(const char *const *paths, size_t n, struct baseline *newest,
		   struct baselines *bs, char *err, size_t errlen);

/* With more than one baseline: RR_EDATA (err "PATH: its period (A to B)
 * ...") when one does not end before first_day, this run's first day
 * (days since 1970-01-01; RR_NONE: this run has no days, nothing is
 * checked). RR_OK otherwise. */
int baselines_check(const struct baselines *bs, int64_t first_day, int64_t last_day,
		    char *err, size_t errlen);

/* "YYYY-MM-DD" of days since 1970-01-01 (proleptic Gregorian). */
void baselines_date(int64_t day, char out[11]);

void baselines_free(struct baselines *bs);

#endif
