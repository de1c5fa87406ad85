/*
 * run_filters — the run's filters as a person reads them (run_filters.c):
 * --from/--to in the display zone, what matched nothing, the header line.
 * Messages on stderr start with o->name.
 */
#ifndef RR_RUN_FILTERS_H
#define RR_RUN_FILTERS_H

#include <stddef.h>
#include <stdint.h>

#include "filter_seen.h"
#include "run.h"
#include "tz.h"

/* --from and --to (when given) into *from, *to (else RR_NONE): read in
 * zone unless they carry an offset or are epoch times; unless quiet, a
 * note says which zone was used, and a time the zone skips or repeats is
 * said with the instant taken. RR_OK, or RR_EUSAGE (said through
 * o->usage_error) for an invalid time or --from not before --to. */
int run_filter_window(const struct run_options *o, const struct tz *zone, int64_t *from,
		      int64_t *to);

/* 1 when any of --room, --user, --from, --to is given. */
int run_filters_active(const struct run_options *o);

/* What --user keeps in a report, said after the users in the filters. */
#define USER_FILTER_KEEPS "the whole calls they are in, with every participant"

/* The filters for a page header: "room 3101; user chen: the whole calls
 * they are in, with every participant;
 * from 2026-11-20 18:10:00 CST; to ... (not included)"; "" when none; for
 * `events`, without what --user keeps (it keeps that user's rows). Always
 * NUL-terminates buf (cut at size). */
void run_filters_text(const struct run_options *o, const struct tz *zone, int64_t from,
		      int64_t to, char *buf, size_t size);

/* After the calls are built: a warning for each --room/--user value no
 * row named, with what the input holds; when nothing is left (no calls,
 * or for `events`, no rows used), the input's time span when a time
 * filter is given, and "nothing left to report" naming the filters.
 * Returns RR_OK to go on, RR_EDATA when nothing is left (exit 1), RR_ENOMEM.
 * seen NULL or no filter: RR_OK. */
int run_filter_check(const struct run_options *o, const struct filter_seen *seen,
		     const struct tz *zone, const char *filters, uint64_t used, uint32_t ncalls,
		     int events);

#endif
