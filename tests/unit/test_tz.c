/* Tests for tz: zones from TZif files (DST, footer rules), parsing and
 * formatting of times. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"
#include "util.h"

static struct tz *open_zone(const char *name)
{
	struct tz *z = NULL;
	char err[128];

	if (tz_open(name, &z, err, sizeof err) != RR_OK)
		fail_msg("tz_open(%s): %s", name ? name : "(local)", err);
	return z;
}

/* ms of a UTC civil time, counted the slow, obvious way so it checks the
 * module's arithmetic rather than repeating it. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	int64_t days = 0;

	for (int yy = 1970; yy < y; yy++)
		days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)) ? 366 : 365;
	for (int mm = 1; mm < mo; mm++) {
		static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		days += dm[mm - 1];
		if (mm == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
			days++;
	}
	days += d - 1;
	return ((days * 24 + h) * 60 + mi) * 60000LL + s * 1000LL;
}

struct off_case {
	const char *zone;
	int64_t at;
	int32_t off;
};

static void test_offsets(void **state)
{
	const struct off_case cases[] = {
		{ "UTC", utc(2026, 11, 20, 10, 0, 0), 0 },
		{ "Asia/Shanghai", utc(2026, 1, 1, 0, 0, 0), 8 * 3600 },
		{ "Asia/Shanghai", utc(2026, 7, 1, 0, 0, 0), 8 * 3600 },
		{ "Asia/Shanghai", utc(2090, 7, 1, 0, 0, 0), 8 * 3600 },
		/* Berlin 2026: CEST from 2026-03-29 01:00Z to 2026-10-25 01:00Z */
		{ "Europe/Berlin", utc(2026, 3, 29, 0, 59, 59), 3600 },
		{ "Europe/Berlin", utc(2026, 3, 29, 1, 0, 0), 7200 },
		{ "Europe/Berlin", utc(2026, 10, 25, 0, 59, 59), 7200 },
		{ "Europe/Berlin", utc(2026, 10, 25, 1, 0, 0), 3600 },
		/* New York 2026: EDT from 2026-03-08 07:00Z to 2026-11-01 06:00Z */
		{ "America/New_York", utc(2026, 3, 8, 6, 59, 59), -5 * 3600 },
		{ "America/New_York", utc(2026, 3, 8, 7, 0, 0), -4 * 3600 },
		{ "America/New_York", utc(2026, 11, 1, 5, 59, 59), -4 * 3600 },
		{ "America/New_York", utc(2026, 11, 1, 6, 0, 0), -5 * 3600 },
		/* 2090: beyond the files' transitions, by the footer rule.
		 * Berlin: last Sunday of March 2090 is the 26th. */
		{ "Europe/Berlin", utc(2090, 3, 26, 0, 59, 59), 3600 },
		{ "Europe/Berlin", utc(2090, 3, 26, 1, 0, 0), 7200 },
		{ "Europe/Berlin", utc(2090, 10, 29, 0, 59, 59), 7200 },
		{ "Europe/Berlin", utc(2090, 10, 29, 1, 0, 0), 3600 },
		/* New York: second Sunday of March 2090 is the 12th, first of
		 * November the 5th. */
		{ "America/New_York", utc(2090, 3, 12, 6, 59, 59), -5 * 3600 },
		{ "America/New_York", utc(2090, 3, 12, 7, 0, 0), -4 * 3600 },
		{ "America/New_York", utc(2090, 11, 5, 5, 59, 59), -4 * 3600 },
		{ "America/New_York", utc(2090, 11, 5, 6, 0, 0), -5 * 3600 },
		/* Past the table expansion, the rule is evaluated directly. */
		{ "America/New_York", utc(2300, 7, 1, 0, 0, 0), -4 * 3600 },
		{ "America/New_York", utc(2300, 1, 1, 0, 0, 0), -5 * 3600 },
		/* Southern hemisphere: DST over the new year. */
		{ "Australia/Sydney", utc(2026, 1, 15, 0, 0, 0), 11 * 3600 },
		{ "Australia/Sydney", utc(2026, 7, 15, 0, 0, 0), 10 * 3600 },
		{ "Australia/Sydney", utc(2095, 1, 15, 0, 0, 0), 11 * 3600 },
		{ "Australia/Sydney", utc(2095, 7, 15, 0, 0, 0), 10 * 3600 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tz *z = open_zone(cases[i].zone);
		int32_t got = tz_offset(z, cases[i].at);
		if (got != cases[i].off)
			fail_msg("case %zu (%s): offset %d, want %d", i, cases[i].zone, got, cases[i].off);
		tz_free(z);
	}
}

static void test_open_errors(void **state)
{
	static const char *bad[] = {
		"Mars/Olympus", "../etc/passwd", "/etc/localtime", "Europe/../Europe/Berlin",
		"", "Europe", "zone.tab", "+15", "+08:60", "+123",
	};
	char err[128], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tz *z = (struct tz *)1;
		assert_int_equal(tz_open(bad[i], &z, err, sizeof err), RR_EUSAGE);
		assert_null(z);
		snprintf(want, sizeof want, "unknown time zone '%s'", bad[i]);
		assert_string_equal(err, want);
	}
}

/* Fixed offsets: the forms accepted, their name and abbreviation. */
static void test_fixed_offsets(void **state)
{
	static const struct { const char *in, *name, *abbr; int32_t off; } cases[] = {
		{ "+08:00", "UTC+08:00", "+08", 8 * 3600 },
		{ "+0800", "UTC+08:00", "+08", 8 * 3600 },
		{ "+08", "UTC+08:00", "+08", 8 * 3600 },
		{ "+8", "UTC+08:00", "+08", 8 * 3600 },
		{ "UTC+8", "UTC+08:00", "+08", 8 * 3600 },
		{ "UTC+05:30", "UTC+05:30", "+05:30", 5 * 3600 + 1800 },
		{ "-03:30", "UTC-03:30", "-03:30", -(3 * 3600 + 1800) },
		{ "UTC-10", "UTC-10:00", "-10", -10 * 3600 },
		{ "+14:00", "UTC+14:00", "+14", 14 * 3600 },
		{ "+00:00", "UTC+00:00", "UTC", 0 },
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tz *z;

		assert_int_equal(tz_open(cases[i].in, &z, NULL, 0), RR_OK);
		assert_string_equal(tz_name(z), cases[i].name);
		assert_int_equal(tz_offset(z, 1795168805000), cases[i].off);
		assert_int_equal(tz_next_change(z, 0), INT64_MAX);
		tz_abbr(z, 0, buf, sizeof buf);
		assert_string_equal(buf, cases[i].abbr);
		tz_free(z);
	}
}

/* Unknown names get the nearest zone names of the system's zoneinfo. */
static void test_suggestions(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "Shanghai", "unknown time zone 'Shanghai' \xe2\x80\x94 did you mean 'Asia/Shanghai'?" },
		{ "new york", "unknown time zone 'new york' \xe2\x80\x94 did you mean 'America/New_York'?" },
		{ "europe/berln", "unknown time zone 'europe/berln' \xe2\x80\x94 did you mean 'Europe/Berlin'?" },
		{ "Europe/Berlin\n", "unknown time zone 'Europe/Berlin\n' \xe2\x80\x94 did you mean 'Europe/Berlin'?" },
		{ "Mars/Olympus", "unknown time zone 'Mars/Olympus'" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tz *z;

		assert_int_equal(tz_open(cases[i].in, &z, err, sizeof err), RR_EUSAGE);
		assert_string_equal(err, cases[i].want);
	}
}

static void test_names(void **state)
{
	struct tz *z;

	(void)state;
	z = open_zone("Asia/Shanghai");
	assert_string_equal(tz_name(z), "Asia/Shanghai");
	tz_free(z);
	z = open_zone("UTC");
	assert_string_equal(tz_name(z), "UTC");
	tz_free(z);
	tz_free(NULL);
}

static void test_local_zone(void **state)
{
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	struct tz *z;

	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	z = open_zone(NULL);
	assert_string_equal(tz_name(z), "Europe/Berlin");
	assert_int_equal(tz_offset(z, utc(2026, 7, 1, 0, 0, 0)), 7200);
	tz_free(z);

	setenv("TZ", ":Asia/Shanghai", 1);
	z = open_zone(NULL);
	assert_string_equal(tz_name(z), "Asia/Shanghai");
	tz_free(z);

	/* A POSIX rule, not a file. */
	setenv("TZ", "XST-3XDT,M3.5.0,M10.5.0/3", 1);
	z = open_zone(NULL);
	assert_string_equal(tz_name(z), "XST-3XDT,M3.5.0,M10.5.0/3");
	assert_int_equal(tz_offset(z, utc(2026, 1, 1, 0, 0, 0)), 3 * 3600);
	assert_int_equal(tz_offset(z, utc(2026, 7, 1, 0, 0, 0)), 4 * 3600);
	tz_free(z);

	/* Unset: /etc/localtime or UTC, always a usable zone. */
	unsetenv("TZ");
	z = open_zone(NULL);
	assert_non_null(tz_name(z));
	assert_true(strlen(tz_name(z)) > 0);
	tz_free(z);

	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	}
}

/* tz_next_change and tz_abbr: the instants where offsets change (both
 * 2026 changes of Berlin, a southern-hemisphere zone, a zone without DST,
 * a POSIX rule) and the names of the offsets on either side. */
struct change_case {
	const char *zone;        /* NULL: the TZ value in posix */
	const char *posix;
	int64_t at;              /* utc ms asked about */
	int64_t want;            /* the next change, INT64_MAX: none */
	const char *abbr_at, *abbr_after;
};

static void test_changes_and_abbr(void **state)
{
	const struct change_case cases[] = {
		/* 29 Mar 2026 01:00Z: 02:00 CET becomes 03:00 CEST. */
		{ "Europe/Berlin", NULL, utc(2026, 3, 29, 0, 50, 0), utc(2026, 3, 29, 1, 0, 0),
		  "CET", "CEST" },
		{ "Europe/Berlin", NULL, utc(2026, 3, 29, 0, 59, 59) + 999,
		  utc(2026, 3, 29, 1, 0, 0), "CET", "CEST" },
		/* Exactly at the change: the new offset, the next change is October's. */
		{ "Europe/Berlin", NULL, utc(2026, 3, 29, 1, 0, 0), utc(2026, 10, 25, 1, 0, 0),
		  "CEST", "CET" },
		/* 25 Oct 2026 01:00Z: 03:00 CEST becomes 02:00 CET (the repeated hour). */
		{ "Europe/Berlin", NULL, utc(2026, 10, 25, 0, 50, 0), utc(2026, 10, 25, 1, 0, 0),
		  "CEST", "CET" },
		/* Far beyond the file's table: the footer rule. */
		{ "Europe/Berlin", NULL, utc(2150, 1, 1, 0, 0, 0), utc(2150, 3, 29, 1, 0, 0),
		  "CET", "CEST" },
		/* Sydney: DST ends 5 Apr 2026 16:00Z (03:00 AEDT -> 02:00 AEST). */
		{ "Australia/Sydney", NULL, utc(2026, 3, 1, 0, 0, 0), utc(2026, 4, 4, 16, 0, 0),
		  "AEDT", "AEST" },
		/* No DST since 1991: no change ahead. */
		{ "Asia/Shanghai", NULL, utc(2026, 3, 1, 0, 0, 0), INT64_MAX, "CST", "CST" },
		{ "UTC", NULL, utc(2026, 3, 1, 0, 0, 0), INT64_MAX, "UTC", "UTC" },
		/* India: a :30 offset named in the file. */
		{ "Asia/Kolkata", NULL, utc(2026, 3, 1, 0, 0, 0), INT64_MAX, "IST", "IST" },
		/* A POSIX rule alone. */
		{ NULL, "XST-3XDT,M3.5.0,M10.5.0/3", utc(2026, 3, 1, 0, 0, 0),
		  utc(2026, 3, 28, 23, 0, 0), "XST", "XDT" },
	};
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct change_case *c = &cases[i];
		struct tz *z;
		char a[16], b[16];
		int64_t got;

		if (!c->zone)
			setenv("TZ", c->posix, 1);
		z = open_zone(c->zone);
		got = tz_next_change(z, c->at);
		tz_abbr(z, c->at, a, sizeof a);
		tz_abbr(z, got == INT64_MAX ? c->at : got, b, sizeof b);
		if (got != c->want || strcmp(a, c->abbr_at) || strcmp(b, c->abbr_after))
			fail_msg("case %zu (%s): next change %lld (want %lld), %s -> %s (want %s -> %s)",
				 i, c->zone ? c->zone : c->posix, (long long)got, (long long)c->want,
				 a, b, c->abbr_at, c->abbr_after);
		tz_free(z);
	}
	/* No zone: UTC. */
	{
		char a[16];

		tz_abbr(NULL, 0, a, sizeof a);
		assert_string_equal(a, "UTC");
		assert_true(tz_next_change(NULL, 0) == INT64_MAX);
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
}

struct parse_case {
	const char *zone;
	const char *in;
	int64_t want;
};

static void test_parse_ok(void **state)
{
	const int64_t base = utc(2026, 11, 20, 10, 31, 5);
	const struct parse_case cases[] = {
		{ "UTC", "1763634665120", 1763634665120LL },
		{ "UTC", "1763634665", 1763634665000LL },
		{ "UTC", "1763634665.5", 1763634665500LL },
		{ "UTC", "1763634665.123456", 1763634665123LL },
		{ "UTC", "  1763634665  ", 1763634665000LL },
		{ "UTC", "99999999999", 99999999999000LL },
		{ "UTC", "100000000000", 100000000000LL },
		{ "UTC", "0", 0 },
		{ "UTC", "2026-11-20T10:31:05.120+08:00", base - 8 * 3600000LL + 120 },
		{ "UTC", "2026-11-20T10:31:05Z", base },
		{ "UTC", "2026-11-20t10:31:05z", base },
		{ "UTC", "2026-11-20 10:31:05", base },
		{ "UTC", "2026-11-20 10:31", base - 5000 },
		{ "UTC", "2026-11-20T10:31:05.1", base + 100 },
		{ "UTC", "2026-11-20T10:31:05,250", base + 250 },
		{ "UTC", "2026-11-20T10:31:05.123456789", base + 123 },
		{ "UTC", "2026-11-20T10:31:05-0530", base + 5 * 3600000LL + 30 * 60000 },
		{ "UTC", "2026-11-20T10:31:05+08", base - 8 * 3600000LL },
		{ "UTC", "2026-11-20", utc(2026, 11, 20, 0, 0, 0) },
		{ "UTC", "2028-02-29 00:00:00", utc(2028, 2, 29, 0, 0, 0) },
		{ "UTC", "9999-12-31 23:59:59.999", 253402300799999LL },
		{ "Asia/Shanghai", "2026-11-20 10:31:05", base - 8 * 3600000LL },
		{ "Asia/Shanghai", "2026-11-20 10:31:05+00:00", base },
		{ "Europe/Berlin", "2026-07-01 12:00:00", utc(2026, 7, 1, 10, 0, 0) },
		{ "Europe/Berlin", "2026-12-01 12:00:00", utc(2026, 12, 1, 11, 0, 0) },
		/* 02:30 on 2026-10-25 happens twice in Berlin: the first (CEST). */
		{ "Europe/Berlin", "2026-10-25 02:30:00", utc(2026, 10, 25, 0, 30, 0) },
		/* 02:30 on 2026-03-29 does not exist: read with the offset
		 * before the change (CET), i.e. 03:30 CEST. */
		{ "Europe/Berlin", "2026-03-29 02:30:00", utc(2026, 3, 29, 1, 30, 0) },
		{ "America/New_York", "2026-11-01 01:30:00", utc(2026, 11, 1, 5, 30, 0) },
		{ "America/New_York", "2026-03-08 02:30:00", utc(2026, 3, 8, 7, 30, 0) },
		{ "America/New_York", "2090-07-04 12:00:00", utc(2090, 7, 4, 16, 0, 0) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tz *z = open_zone(cases[i].zone);
		int64_t ms = -12345;
		if (tz_parse_time(z, cases[i].in, strlen(cases[i].in), &ms) != 0)
			fail_msg("case %zu: \"%s\" rejected", i, cases[i].in);
		if (ms != cases[i].want)
			fail_msg("case %zu: \"%s\" gave %lld, want %lld", i, cases[i].in,
				 (long long)ms, (long long)cases[i].want);
		tz_free(z);
	}
}

static void test_parse_rejected(void **state)
{
	static const char *bad[] = {
		"", "   ", "abc", "2026-13-01 00:00:00", "2026-11-20T25:00:00", "12:00", "1e5",
		"--1", "-1", "+5", "1763634665x", "1763634665.", "1.2.3", "2026-11-20T10:31:05 junk",
		"2026-11-20T10:31:05Zx", "2026-02-29 00:00:00", "2026-11-31", "2026-11-20T10:60:00",
		"2026-11-20T10:31:60", "2026-11-20T10", "2026-11-20X10:31", "1969-12-31 23:59:59",
		"10000-01-01", "2026/11/20 10:31:05", "2026-11-20T10:31:05+25:00",
		"2026-11-20T10:31:05.", "99999999999999999999", "253402300800000",
		"1970-01-01T00:00:00+01:00", "2026-1-20 10:31:05",
	};
	struct tz *z = open_zone("UTC");
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (tz_parse_time(z, bad[i], strlen(bad[i]), &ms) != -1)
			fail_msg("case %zu: \"%s\" accepted as %lld", i, bad[i], (long long)ms);
	}
	/* Length-bounded: bytes after n are not looked at. */
	assert_int_equal(tz_parse_time(z, "1763634665junk", 10, &ms), 0);
	assert_int_equal(ms, 1763634665000LL);
	assert_int_equal(tz_parse_time(z, "1763634665\0", 11, &ms), -1);
	tz_free(z);
}

struct fmt_case {
	const char *zone;
	int64_t at;
	enum tz_format f;
	const char *want;
};

static void test_format(void **state)
{
	const int64_t t = utc(2026, 11, 20, 2, 31, 5) + 120;
	const struct fmt_case cases[] = {
		{ "Asia/Shanghai", t, TZF_DATETIME, "2026-11-20 10:31:05" },
		{ "Asia/Shanghai", t, TZF_DATETIME_MS, "2026-11-20 10:31:05.120" },
		{ "Asia/Shanghai", t, TZF_TIME, "10:31:05" },
		{ "Asia/Shanghai", t, TZF_DATE, "2026-11-20" },
		{ "Asia/Shanghai", t, TZF_ISO, "2026-11-20T10:31:05.120+08:00" },
		{ "UTC", t, TZF_ISO, "2026-11-20T02:31:05.120+00:00" },
		{ "America/New_York", t, TZF_ISO, "2026-11-19T21:31:05.120-05:00" },
		{ "America/New_York", utc(2026, 7, 1, 0, 0, 0), TZF_ISO, "2026-06-30T20:00:00.000-04:00" },
		{ "Europe/Berlin", utc(2090, 8, 1, 12, 0, 0), TZF_DATETIME, "2090-08-01 14:00:00" },
		{ "UTC", 0, TZF_DATETIME_MS, "1970-01-01 00:00:00.000" },
		{ "UTC", -1, TZF_DATETIME_MS, "1969-12-31 23:59:59.999" },
		{ "UTC", 253402300799999LL, TZF_ISO, "9999-12-31T23:59:59.999+00:00" },
		{ "Asia/Kolkata", t, TZF_ISO, "2026-11-20T08:01:05.120+05:30" },
	};
	char buf[40];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tz *z = open_zone(cases[i].zone);
		tz_format(z, cases[i].at, cases[i].f, buf, sizeof buf);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: got %s want %s", i, buf, cases[i].want);
		tz_free(z);
	}
	/* Truncates but always terminates. */
	{
		struct tz *z = open_zone("UTC");
		tz_format(z, t, TZF_DATETIME, buf, 5);
		assert_string_equal(buf, "2026");
		tz_free(z);
	}
}

/* tz_format_iso gives tz_format's TZF_ISO bytes whatever the memo holds:
 * instants in order, out of order and jumping across changes of offset
 * and days, in zones with half-hour, 45-minute and seconds offsets (Monrovia
 * before 1972: -0:44:30), at the clamped extremes and cut short. */
static void test_format_iso_memo(void **state)
{
	static const char *zones[] = { "UTC", "Europe/Berlin", "America/New_York",
				       "Asia/Kathmandu", "Australia/Lord_Howe",
				       "Africa/Monrovia", NULL };
	const int64_t around[] = {
		utc(2026, 10, 25, 0, 59, 59) + 999,   /* Berlin's change back */
		utc(2026, 3, 29, 0, 59, 59),           /* and forward */
		utc(2026, 11, 1, 5, 59, 59),           /* New York's */
		utc(1971, 12, 31, 23, 0, 0),           /* Monrovia's -0:44:30 ends */
		0, -1, 253402300799999LL,
	};
	const int64_t edges[] = { INT64_MAX, INT64_MIN, 8000000000000001LL,
				  -8000000000000001LL };
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char want[64], got[64];

	(void)state;
	for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
		struct tz *z = zones[zi] ? open_zone(zones[zi]) : NULL;
		struct tz_iso_memo m;

		memset(&m, 0, sizeof m);
		for (int i = 0; i < 20000; i++) {
			int64_t at;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			if (i % 4 == 3) {
				at = (int64_t)(seed >> 11) % (INT64_C(200) * 365 * 86400000) -
				     INT64_C(50) * 365 * 86400000;      /* anywhere, 1920-2120 */
			} else {
				at = around[(seed >> 33) % (sizeof around / sizeof around[0])] +
				     (int64_t)((seed >> 13) % 7200000) - 3600000;   /* an hour either side */
			}
			if (i < (int)(sizeof edges / sizeof edges[0]))
				at = edges[i];
			tz_format(z, at, TZF_ISO, want, sizeof want);
			tz_format_iso(z, &m, at, got, sizeof got);
			if (strcmp(got, want) != 0)
				fail_msg("%s, %" PRId64 ": got %s want %s",
					 zones[zi] ? zones[zi] : "(none)", at, got, want);
		}
		/* Cut short: the same prefix. */
		tz_format(z, around[0], TZF_ISO, want, 12);
		tz_format_iso(z, &m, around[0], got, 12);
		assert_string_equal(got, want);
		assert_int_equal(strlen(got), 11);
		tz_free(z);
	}
}

/* Round trip every hour for years in two zones: format then parse. */
static void test_round_trip(void **state)
{
	static const char *zones[] = { "Europe/Berlin", "America/New_York", "Asia/Shanghai" };
	char buf[40];

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		struct tz *z = open_zone(zones[k]);
		for (int64_t t = utc(2025, 1, 1, 0, 0, 0); t < utc(2027, 1, 1, 0, 0, 0); t += 3600000 + 7) {
			int64_t back;
			tz_format(z, t, TZF_ISO, buf, sizeof buf);
			assert_int_equal(tz_parse_time(z, buf, strlen(buf), &back), 0);
			assert_int_equal(back, t);
		}
		tz_free(z);
	}
}

/* tz_parse_time_how: how a time filter was read (issue 17 item 6), DST
 * days included: the spring-forward gap and the repeated autumn hour. */
static void test_parse_how(void **state)
{
	static const struct {
		const char *zone, *in;
		int64_t want;
		unsigned how;
	} cases[] = {
		{ "Asia/Shanghai", "2026-03-02 18:30", 1772447400000LL, 0 },
		{ "Asia/Shanghai", "2026-03-02T18:30:00.000+08:00", 1772447400000LL,
		  TZ_PARSED_OFFSET },
		{ "Asia/Shanghai", "2026-03-02T10:30:00Z", 1772447400000LL, TZ_PARSED_OFFSET },
		{ "Asia/Shanghai", "1772447400000", 1772447400000LL, TZ_PARSED_OFFSET },
		{ "Asia/Shanghai", "1772447400", 1772447400000LL, TZ_PARSED_OFFSET },
		{ "UTC", "2026-03-02 10:30", 1772447400000LL, 0 },
		/* New York, 2026-03-08: 02:00 EST -> 03:00 EDT. */
		{ "America/New_York", "2026-03-08 01:59:59", 1772953199000LL, 0 },
		{ "America/New_York", "2026-03-08 02:00", 1772953200000LL, TZ_PARSED_SKIPPED },
		{ "America/New_York", "2026-03-08 02:30", 1772955000000LL, TZ_PARSED_SKIPPED },
		{ "America/New_York", "2026-03-08 03:00", 1772953200000LL, 0 },
		{ "America/New_York", "2026-03-08 12:00", 1772985600000LL, 0 },
		/* 2026-11-01: 02:00 EDT -> 01:00 EST, 01:30 comes twice. */
		{ "America/New_York", "2026-11-01 01:30", 1793511000000LL, TZ_PARSED_REPEATED },
		{ "America/New_York", "2026-11-01 00:30", 1793507400000LL, 0 },
		{ "America/New_York", "2026-11-01 02:30", 1793518200000LL, 0 },
		{ "Europe/Berlin", "2026-03-29 02:30", 1774747800000LL, TZ_PARSED_SKIPPED },
		{ "Europe/Berlin", "2026-10-25 02:30", 1792888200000LL, TZ_PARSED_REPEATED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tz *z = open_zone(cases[i].zone);
		int64_t ms = 0;
		unsigned how = 99;

		print_message("case %zu: %s %s\n", i, cases[i].zone, cases[i].in);
		assert_int_equal(tz_parse_time_how(z, cases[i].in, strlen(cases[i].in), &ms, &how), 0);
		assert_int_equal(ms, cases[i].want);
		assert_int_equal(how, cases[i].how);
		tz_free(z);
	}
	{
		int64_t ms;
		unsigned how = 99;

		assert_int_equal(tz_parse_time_how(NULL, "18:30", 5, &ms, &how), -1);
		assert_int_equal(how, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_how),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_fixed_offsets),
		cmocka_unit_test(test_suggestions),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_local_zone),
		cmocka_unit_test(test_changes_and_abbr),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_rejected),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_iso_memo),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
