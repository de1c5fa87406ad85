/*
 * Tests for report.c's days: the partial-day rule (report_day_partial,
 * table-driven: windows and rows that cut the first day, the last, both,
 * none, a single day, in UTC and in a zone with an offset),
 * report_set_window on a report's days, report_day_of_date, and
 * report_compare_days (the same weekday in the nearest earlier week; more,
 * fewer, duplicate or no baseline days).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "report.h"
#include "tz.h"
#include "util.h"

#define DAY 86400000LL
#define HOUR 3600000LL
#define MINUTE 60000LL
#define D0 20409LL                 /* 2025-11-17, a Monday */
#define AT(day, ms) (((D0) + (day)) * DAY + (ms))
#define N RR_NONE

struct partial_case {
	const char *what;
	int64_t day;                   /* offset from D0 */
	int first, last;
	int64_t first_ms, last_ms, from_ms, to_ms;
	unsigned want;
};

static void test_partial_rule_utc(void **state)
{
	static const struct partial_case cases[] = {
		{ "rows cover the first day from its first hour", 0, 1, 0,
		  AT(0, 59 * MINUTE), AT(6, 23 * HOUR), N, N, 0 },
		{ "first row exactly an hour in: still covered", 0, 1, 0,
		  AT(0, HOUR), N, N, N, 0 },
		{ "first row an hour and a minute in", 0, 1, 0,
		  AT(0, HOUR + MINUTE), N, N, N, DAY_PARTIAL_FIRST_ROW },
		{ "rows start the day before: covered", 0, 1, 0,
		  AT(-1, 22 * HOUR), N, N, N, 0 },
		{ "--from cuts the first day (rows just after it)", 0, 1, 0,
		  AT(0, 12 * HOUR + MINUTE), N, AT(0, 12 * HOUR), N,
		  DAY_PARTIAL_FROM | DAY_PARTIAL_FIRST_ROW },
		{ "--from half an hour in, rows at once: the window cuts it", 0, 1, 0,
		  AT(0, 30 * MINUTE + 1000), N, AT(0, 30 * MINUTE), N, DAY_PARTIAL_FROM },
		{ "--from at midnight: not cut", 0, 1, 0,
		  AT(0, 10 * MINUTE), N, AT(0, 0), N, 0 },
		{ "--from before the day: not cut", 0, 1, 0,
		  AT(0, 10 * MINUTE), N, AT(-3, 0), N, 0 },
		{ "last row ends the day within the hour", 6, 0, 1,
		  N, AT(6, 23 * HOUR + MINUTE), N, N, 0 },
		{ "last row more than an hour before the end", 6, 0, 1,
		  N, AT(6, 22 * HOUR), N, N, DAY_PARTIAL_LAST_ROW },
		{ "rows run into the next day: covered", 6, 0, 1,
		  N, AT(7, 30 * MINUTE), N, N, 0 },
		{ "--to at the next midnight: not cut", 6, 0, 1,
		  N, AT(6, 23 * HOUR + 30 * MINUTE), N, AT(7, 0), 0 },
		{ "--to cuts the last day", 6, 0, 1,
		  N, AT(6, 17 * HOUR), N, AT(6, 18 * HOUR),
		  DAY_PARTIAL_TO | DAY_PARTIAL_LAST_ROW },
		{ "--to a minute before midnight", 6, 0, 1,
		  N, AT(6, 23 * HOUR + 58 * MINUTE), N, AT(7, 0) - MINUTE, DAY_PARTIAL_TO },
		{ "a day in between is never partial", 3, 0, 0,
		  AT(3, 20 * HOUR), AT(3, 21 * HOUR), AT(3, 19 * HOUR), AT(3, 22 * HOUR), 0 },
		{ "single day cut at both ends", 0, 1, 1,
		  AT(0, 9 * HOUR), AT(0, 17 * HOUR), N, N,
		  DAY_PARTIAL_FIRST_ROW | DAY_PARTIAL_LAST_ROW },
		{ "single day covered", 0, 1, 1,
		  AT(0, 5 * MINUTE), AT(0, 23 * HOUR + 50 * MINUTE), N, N, 0 },
		{ "single day, window cuts both ends", 0, 1, 1,
		  AT(0, 8 * HOUR), AT(0, 19 * HOUR), AT(0, 8 * HOUR), AT(0, 20 * HOUR),
		  DAY_PARTIAL_FROM | DAY_PARTIAL_FIRST_ROW | DAY_PARTIAL_TO | DAY_PARTIAL_LAST_ROW },
		{ "no rows, no window", 0, 1, 1, N, N, N, N, 0 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct partial_case *c = &cases[i];
		unsigned got = report_day_partial(D0 + c->day, NULL, c->first, c->last, c->first_ms,
						  c->last_ms, c->from_ms, c->to_ms);

		if (got != c->want)
			fail_msg("%s: got %u, want %u", c->what, got, c->want);
	}
}

/* Days are the display zone's: in Shanghai (UTC+8) the day starts at 16:00
 * UTC the day before. */
static void test_partial_rule_zone(void **state)
{
	struct tz *z;
	char err[128];
	(void)state;

	assert_int_equal(tz_open("Asia/Shanghai", &z, err, sizeof err), RR_OK);
	/* 2025-11-17 00:30 in Shanghai = 2025-11-16 16:30 UTC: covered. */
	assert_int_equal(report_day_partial(D0, z, 1, 0, AT(-1, 16 * HOUR + 30 * MINUTE), N, N, N),
			 0);
	/* 02:00 in Shanghai: partial; in UTC the same instant is the day
	 * before's evening. */
	assert_int_equal(report_day_partial(D0, z, 1, 0, AT(-1, 18 * HOUR), N, N, N),
			 DAY_PARTIAL_FIRST_ROW);
	/* --to 2025-11-17 23:00 Shanghai = 15:00 UTC cuts it. */
	assert_int_equal(report_day_partial(D0, z, 0, 1, N, AT(0, 15 * HOUR), N, AT(0, 15 * HOUR)),
			 DAY_PARTIAL_TO);
	tz_free(z);
}

static void days_of(struct day *d, size_t n)
{
	memset(d, 0, n * sizeof *d);
	for (size_t i = 0; i < n; i++) {
		d[i].day_no = D0 + (int64_t)i;
		snprintf(d[i].date, sizeof d[i].date, "2025-11-%02u", (unsigned)(17 + i) % 100u);
	}
}

/* report_set_window marks only the first and the last day. */
static void test_set_window(void **state)
{
	struct report r;
	struct day d[7];
	(void)state;

	memset(&r, 0, sizeof r);
	days_of(d, 7);
	r.days = d;
	r.ndays = 7;
	r.rows_first_ms = AT(0, 3 * HOUR);
	r.rows_last_ms = AT(6, 23 * HOUR + 30 * MINUTE);
	report_set_window(&r, N, N);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(d[i].partial, i == 0 ? DAY_PARTIAL_FIRST_ROW : 0);
	report_set_window(&r, AT(0, 0), AT(6, 12 * HOUR));
	assert_int_equal(r.window_from_ms, AT(0, 0));
	assert_int_equal(r.window_to_ms, AT(6, 12 * HOUR));
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(d[i].partial, i == 0 ? DAY_PARTIAL_FIRST_ROW
					       : i == 6 ? DAY_PARTIAL_TO : 0);
	r.ndays = 1;
	r.rows_last_ms = AT(0, 20 * HOUR);
	report_set_window(&r, N, N);
	assert_int_equal(d[0].partial, DAY_PARTIAL_FIRST_ROW | DAY_PARTIAL_LAST_ROW);
}

static void test_day_of_date(void **state)
{
	static const struct { const char *s; int64_t want; } cases[] = {
		{ "1970-01-01", 0 }, { "2025-11-17", D0 }, { "2024-02-29", 19782 },
		{ "2000-03-01", 11017 }, { "1969-12-31", -1 }, { "0000-03-01", -719468 },
		{ "2025-02-29", N }, { "1900-02-29", N }, { "2025-13-01", N }, { "2025-00-10", N },
		{ "2025-11-31", N }, { "2025-11-00", N }, { "2025-11-1", N }, { "2025-11-170", N },
		{ "2025/11/17", N }, { "2025-1a-17", N }, { "", N }, { "-025-11-17", N },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t got = report_day_of_date(cases[i].s);

		if (got != cases[i].want)
			fail_msg("'%s': got %lld, want %lld", cases[i].s, (long long)got,
				 (long long)cases[i].want);
	}
}

static void prev_of(struct prev_day *p, int64_t day_no, int64_t calls)
{
	memset(p, 0, sizeof *p);
	p->day_no = day_no;
	snprintf(p->date, sizeof p->date, "d%d", (int)((day_no - D0) % 1000));
	p->calls = calls;
	p->partial = -1;
}

/* The same weekday of the nearest earlier week the baseline has. */
static void test_compare_days(void **state)
{
	static struct baseline b;
	struct report r;
	struct day d[7];
	(void)state;

	memset(&r, 0, sizeof r);
	days_of(d, 7);
	r.days = d;
	r.ndays = 7;

	/* No baseline days: nothing matched. */
	memset(&b, 0, sizeof b);
	assert_int_equal(report_compare_days(&r, &b), RR_OK);
	assert_null(r.prev_days);
	assert_int_equal(r.nprev_days, 0);
	assert_int_equal(r.baseline_days, 0);

	/* Last week, fewer days (Tue..Fri) and in any order, plus a day of
	 * this week itself and one of two weeks ago. */
	prev_of(&b.days[0], D0 - 4, 40);         /* Thu last week */
	prev_of(&b.days[1], D0 - 6, 60);         /* Tue */
	prev_of(&b.days[2], D0 - 5, 50);         /* Wed */
	prev_of(&b.days[3], D0 - 3, 30);         /* Fri */
	prev_of(&b.days[4], D0, 999);            /* this Monday: not earlier */
	prev_of(&b.days[5], D0 - 14, 140);       /* Mon two weeks ago */
	prev_of(&b.days[6], D0 - 7 + 5, 77);     /* Sat last week */
	prev_of(&b.days[7], D0 - 7 + 5, 78);     /* the same date again: first wins */
	b.ndays = 8;
	assert_int_equal(report_compare_days(&r, &b), RR_OK);
	assert_non_null(r.prev_days);
	assert_int_equal(r.baseline_days, 8);
	assert_int_equal(r.nprev_days, 6);
	assert_int_equal(r.prev_days[0].calls, 140);   /* Mon: 14 days before */
	assert_int_equal(r.prev_days[1].calls, 60);
	assert_int_equal(r.prev_days[2].calls, 50);
	assert_int_equal(r.prev_days[3].calls, 40);
	assert_int_equal(r.prev_days[4].calls, 30);
	assert_int_equal(r.prev_days[5].calls, 77);
	assert_string_equal(r.prev_days[6].date, "");  /* Sun: none */
	assert_int_equal(r.prev_gap_min, 7);
	assert_int_equal(r.prev_gap_max, 14);

	/* More baseline days than this week (four weeks): the nearest wins. */
	memset(&b, 0, sizeof b);
	for (int k = 0; k < 28; k++)
		prev_of(&b.days[k], D0 - 28 + k, 1000 + k);
	b.ndays = 28;
	assert_int_equal(report_compare_days(&r, &b), RR_OK);
	assert_int_equal(r.nprev_days, 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(r.prev_days[i].calls, 1000 + 21 + i);
	assert_int_equal(r.prev_gap_min, 7);
	assert_int_equal(r.prev_gap_max, 7);

	/* Days that match nothing (a later week): prev_days back to NULL. */
	memset(&b, 0, sizeof b);
	prev_of(&b.days[0], D0 + 10, 1);
	b.ndays = 1;
	assert_int_equal(report_compare_days(&r, &b), RR_OK);
	assert_null(r.prev_days);
	assert_int_equal(r.nprev_days, 0);
	assert_int_equal(r.baseline_days, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_rule_utc),
		cmocka_unit_test(test_partial_rule_zone),
		cmocka_unit_test(test_set_window),
		cmocka_unit_test(test_day_of_date),
		cmocka_unit_test(test_compare_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
