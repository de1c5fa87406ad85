/*
 * run_filters — the run's filters as a person reads them: --from and --to
 * read in the display zone unless they carry an offset (said, with a time
 * the zone skips or repeats), --from not before --to refused; values and
 * windows no row matched warned about with what the input holds; a run
 * with nothing left to report stopped (exit 1); and the line every page's
 * header gives the filters in.
 * Does not: filter rows (ingest) or keep what they met (filter_seen).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "filter_seen.h"
#include "run_filters.h"
#include "util.h"

/* "2026-11-20 18:10:00 Asia/Shanghai" for a message. */
static void when(const struct tz *zone, int64_t ms, char *buf, size_t size)
{
	char t[48], a[16];

	tz_format(zone, ms, TZF_DATETIME, t, sizeof t);
	tz_abbr(zone, ms, a, sizeof a);
	snprintf(buf, size, "%s %s", t, a);
}

/* One of --from/--to into *ms; a note unless quiet. -1 on a usage error
 * (said). */
static int one_time(const struct run_options *o, const struct tz *zone, const char *opt,
		    const char *s, int64_t *ms)
{
	unsigned how;
	char at[80], utc[80];

	if (tz_parse_time_how(zone, s, strlen(s), ms, &how) != 0) {
		char fmt[96];

		snprintf(fmt, sizeof fmt, "invalid --%s time '%%s'", opt);
		o->usage_error(fmt, s);
		return -1;
	}
	if (o->quiet || (how & TZ_PARSED_OFFSET))
		return 0;
	when(zone, *ms, at, sizeof at);
	when(NULL, *ms, utc, sizeof utc);
	if (how & TZ_PARSED_SKIPPED)
		fprintf(stderr, "%s: --%s %s is a time %s skips (its clocks moved forward); "
			"read with the offset before the change: %s (%s)\n", o->name, opt, s,
			tz_name(zone), at, utc);
	else if (how & TZ_PARSED_REPEATED)
		fprintf(stderr, "%s: --%s %s comes twice in %s (its clocks moved back); "
			"read as the first: %s (%s)\n", o->name, opt, s, tz_name(zone), at, utc);
	else
		fprintf(stderr, "%s: --%s %s read in %s (--tz): %s\n", o->name, opt, s,
			tz_name(zone), utc);
	return 0;
}

int run_filter_window(const struct run_options *o, const struct tz *zone, int64_t *from,
		      int64_t *to)
{
	*from = RR_NONE;
	*to = RR_NONE;
	if (o->from && one_time(o, zone, "from", o->from, from) != 0)
		return RR_EUSAGE;
	if (o->to && one_time(o, zone, "to", o->to, to) != 0)
		return RR_EUSAGE;
	if (o->from && o->to && *from >= *to) {
		char a[80], b[80], msg[256];

		when(zone, *from, a, sizeof a);
		when(zone, *to, b, sizeof b);
		snprintf(msg, sizeof msg, "--from (%s) is not before --to (%s): no time is in "
			 "[from, to)%%s", a, b);
		o->usage_error(msg, "");
		return RR_EUSAGE;
	}
	return RR_OK;
}

int run_filters_active(const struct run_options *o)
{
	return o->nrooms || o->nusers || o->from || o->to;
}

/* "no rows of room X; the input has rooms ..." for each value no row
 * named. Returns RR_OK or RR_ENOMEM. */
static int unnamed(const struct run_options *o, const struct filter_seen *seen, int users)
{
	const char *const *vals = users ? o->users : o->rooms;
	size_t n = users ? o->nusers : o->nrooms;
	char names[1024];
	int said = 0;

	for (size_t i = 0; i < n; i++) {
		int dup = 0;

		if (users ? filter_seen_user_named(seen, i) : filter_seen_room_named(seen, i))
			continue;
		for (size_t k = 0; k < i; k++)
			dup |= strcmp(vals[k], vals[i]) == 0;
		if (dup)
			continue;
		if (!said && filter_seen_names(seen, users, vals, n, names, sizeof names) != RR_OK)
			return RR_ENOMEM;
		said = 1;
		fprintf(stderr, "%s: warning: no rows of %s %s; the input has %s\n", o->name,
			users ? "user" : "room", vals[i], names);
	}
	return RR_OK;
}

/* Appends "label v1, v2" (after "; " when buf has text). */
static size_t add_list(char *buf, size_t size, size_t used, const char *label,
		       const char *const *v, size_t n)
{
	if (used < size)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? "; " : "", label);
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", v[i]);
	return used;
}

void run_filters_text(const struct run_options *o, const struct tz *zone, int64_t from,
		      int64_t to, char *buf, size_t size)
{
	size_t used = 0;
	char t[80];

	buf[0] = '\0';
	if (o->nrooms)
		used = add_list(buf, size, used, o->nrooms == 1 ? "room " : "rooms ", o->rooms,
				o->nrooms);
	if (o->nusers && used < size)
		used = add_list(buf, size, used, o->nusers == 1 ? "user " : "users ", o->users,
				o->nusers);
	if (o->nusers && o->cmd != RUN_EVENTS && used < size)
		used += (size_t)snprintf(buf + used, size - used, ": %s", USER_FILTER_KEEPS);
	if (from != RR_NONE && used < size) {
		when(zone, from, t, sizeof t);
		used += (size_t)snprintf(buf + used, size - used, "%sfrom %s", used ? "; " : "", t);
	}
	if (to != RR_NONE && used < size) {
		when(zone, to, t, sizeof t);
		snprintf(buf + used, size - used, "%sto %s (not included)", used ? "; " : "", t);
	}
}

int run_filter_check(const struct run_options *o, const struct filter_seen *seen,
		     const struct tz *zone, const char *filters, uint64_t used, uint32_t ncalls,
		     int events)
{
	int64_t lo, hi;
	char a[80], b[80];

	if (!seen || !run_filters_active(o))
		return RR_OK;
	if (unnamed(o, seen, 0) != RR_OK || unnamed(o, seen, 1) != RR_OK)
		return RR_ENOMEM;
	if ((events ? used : ncalls) > 0)
		return RR_OK;
	if ((o->from || o->to) && used == 0 && filter_seen_span(seen, &lo, &hi) == 0) {
		when(zone, lo, a, sizeof a);
		when(zone, hi, b, sizeof b);
		fprintf(stderr, "%s: warning: the input's rows span %s to %s\n", o->name, a, b);
	}
	fprintf(stderr, "%s: nothing left to report: no %s match the filters (%s)\n", o->name,
		events ? "rows" : "calls", filters);
	return RR_EDATA;
}
