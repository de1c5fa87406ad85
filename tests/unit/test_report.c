/*
 * Tests for report.c: nearest-rank percentiles, totals and per-day figures
 * over a session model built from a small dataset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "catalog.h"
#include "dataset.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "util.h"

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)(sec) * 1000)
#define END { NULL, NULL, NULL, 0, 0, 0, 0 }

struct row {
	const char *room, *comm, *user;
	int64_t sec;
	int kind;
	int32_t id, p1;
};

#define E(room, u, s, i, a) { room, "", u, s, REC_EVENT, i, a }

/* ---- percentiles ---- */

struct pct_case {
	const char *name;
	int64_t v[24];
	size_t n;
	double q;
	int64_t want;
};

static const struct pct_case pct_cases[] = {
	{ "empty", { 0 }, 0, 0.5, RR_NONE },
	{ "one value, p50", { 42 }, 1, 0.5, 42 },
	{ "one value, p95", { 42 }, 1, 0.95, 42 },
	{ "twenty values, p50 is rank 10",
	  { 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 }, 20, 0.5, 10 },
	{ "twenty values, p95 is rank 19",
	  { 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 }, 20, 0.95, 19 },
	{ "twenty values, p100 is the maximum",
	  { 5, 3, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 4, 2, 1 }, 20, 1.0, 20 },
	{ "three values, p50 rounds the rank up", { 300, 100, 200 }, 3, 0.5, 200 },
	{ "negative and large values sort numerically",
	  { INT64_MAX, -5, 0 }, 3, 0.95, INT64_MAX },
};

static void test_percentiles(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof pct_cases / sizeof pct_cases[0]; c++) {
		int64_t v[24];

		print_message("case: %s\n", pct_cases[c].name);
		memcpy(v, pct_cases[c].v, sizeof v);
		assert_int_equal(percentile_nearest_rank(v, pct_cases[c].n, pct_cases[c].q),
				 pct_cases[c].want);
	}
}

/* ---- totals and days ---- */

static void load(struct dataset *ds, const struct row *rows)
{
	assert_int_equal(dataset_init(ds), RR_OK);
	for (; rows->room; rows++) {
		struct record r;

		memset(&r, 0, sizeof r);
		r.time_ms = S(rows->sec);
		assert_int_equal(strtab_intern(ds->strs, rows->room, strlen(rows->room), &r.room), RR_OK);
		assert_int_equal(strtab_intern(ds->strs, rows->comm, strlen(rows->comm), &r.comm), RR_OK);
		assert_int_equal(strtab_intern(ds->strs, rows->user, strlen(rows->user), &r.user), RR_OK);
		r.kind = (uint8_t)rows->kind;
		r.id = rows->id;
		r.p1 = rows->p1;
		r.p2 = -1;
		r.stream = -1;
		assert_int_equal(dataset_append(ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
}

/* Day 1 (2026-11-20): room r1 has a (latency 2 s, normal) and b (latency
 * 8 s, timeout) in one call; room r2 has a failing to enter at 21:00 UTC.
 * Day 2: a in r1 again (latency 4 s), plus one abnormal experience. */
static const struct row day_rows[] = {
	E("r1", "a", 0, 5001, -1), E("r1", "a", 2, 5003, 1), E("r1", "a", 100, 5008, 1),
	E("r1", "b", 10, 5001, -1), E("r1", "b", 18, 5003, 1), E("r1", "b", 200, 7001, 1),
	E("r2", "a", 39600, 5001, -1), E("r2", "a", 39601, 5003, 0),
	E("r1", "a", 86400, 5001, -1), E("r1", "a", 86404, 5003, 1), E("r1", "a", 86500, 5008, 1),
	{ "r1", "", "a", 86460, REC_ABNORMAL, 4, -1 },
	END,
};

struct want_day {
	const char *date;
	uint32_t calls, sessions, entered, entry_failed, timeouts;
};

struct day_case {
	const char *name;
	const char *zone;                /* NULL: report without a zone (UTC dates) */
	struct want_day days[3];
	size_t ndays;
};

static const struct day_case day_cases[] = {
	{ "UTC dates", "UTC",
	  { { "2026-11-20", 2, 3, 2, 1, 1 }, { "2026-11-21", 1, 1, 1, 0, 0 } }, 2 },
	{ "no zone is UTC", NULL,
	  { { "2026-11-20", 2, 3, 2, 1, 1 }, { "2026-11-21", 1, 1, 1, 0, 0 } }, 2 },
	{ "Shanghai moves the 21:00 UTC call to the next day", "Asia/Shanghai",
	  { { "2026-11-20", 1, 2, 2, 0, 1 }, { "2026-11-21", 2, 2, 1, 1, 0 } }, 2 },
	{ "Pago Pago (UTC-11) moves every day back", "Pacific/Pago_Pago",
	  { { "2026-11-19", 1, 2, 2, 0, 1 }, { "2026-11-20", 2, 2, 1, 1, 0 } }, 2 },
};

static void test_totals_and_days(void **state)
{
	struct catalog *cat;
	struct dataset ds;
	size_t c;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	load(&ds, day_rows);
	for (c = 0; c < sizeof day_cases / sizeof day_cases[0]; c++) {
		const struct day_case *tc = &day_cases[c];
		struct sessions_options o;
		struct tz *z = NULL;
		struct model m;
		struct report r;
		char err[128];
		size_t i;

		print_message("case: %s\n", tc->name);
		if (tc->zone)
			assert_int_equal(tz_open(tc->zone, &z, err, sizeof err), RR_OK);
		sessions_options_init(&o);
		o.display_tz = z;
		assert_int_equal(sessions_build(&ds, cat, &o, &m), RR_OK);
		assert_int_equal(report_build(&ds, &m, NULL, z, &r), RR_OK);

		assert_ptr_equal(r.m, &m);
		assert_ptr_equal(r.ds, &ds);
		assert_int_equal(r.calls, 3);
		assert_int_equal(r.rooms, 2);
		assert_int_equal(r.users, 2);
		assert_int_equal(r.sessions, 4);
		assert_int_equal(r.entered, 3);
		assert_int_equal(r.exits[EXIT_NORMAL], 2);
		assert_int_equal(r.exits[EXIT_TIMEOUT], 1);
		assert_int_equal(r.exits[EXIT_ENTRY_FAILED], 1);
		assert_int_equal(r.exits[EXIT_UNKNOWN], 0);
		assert_int_equal(r.entry_latency.n, 3);
		assert_int_equal(r.entry_latency.p50, 4000);
		assert_int_equal(r.entry_latency.p95, 8000);
		assert_int_equal(r.abnormal_experiences, 1);

		assert_int_equal(r.ndays, tc->ndays);
		for (i = 0; i < tc->ndays; i++) {
			const struct day *d = &r.days[i];
			const struct want_day *w = &tc->days[i];

			assert_string_equal(d->date, w->date);
			assert_int_equal(d->calls, w->calls);
			assert_int_equal(d->sessions, w->sessions);
			assert_int_equal(d->entered, w->entered);
			assert_int_equal(d->entry_failed, w->entry_failed);
			assert_int_equal(d->timeouts, w->timeouts);
		}
		report_free(&r);
		model_free(&m);
		if (z)
			tz_free(z);
	}
	dataset_free(&ds);
	catalog_free(cat);
}

static void test_empty_model(void **state)
{
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	memset(&m, 0, sizeof m);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.calls, 0);
	assert_int_equal(r.users, 0);
	assert_int_equal(r.entry_latency.n, 0);
	assert_int_equal(r.entry_latency.p50, RR_NONE);
	assert_int_equal(r.entry_latency.p95, RR_NONE);
	assert_int_equal(r.ndays, 0);
	report_free(&r);
	dataset_free(&ds);
}

static void test_out_of_memory(void **state)
{
	struct catalog *cat;
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	struct report r;
	unsigned long n;
	int ok = 0;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	load(&ds, day_rows);
	sessions_options_init(&o);
	assert_int_equal(sessions_build(&ds, cat, &o, &m), RR_OK);
	for (n = 1; n < 50 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = report_build(&ds, &m, NULL, NULL, &r);
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			ok = 1;
		else
			assert_int_equal(rc, RR_ENOMEM);
		report_free(&r);
	}
	assert_true(ok);
	model_free(&m);
	dataset_free(&ds);
	catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_totals_and_days),
		cmocka_unit_test(test_empty_model),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
