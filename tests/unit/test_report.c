/*
 * Tests for report.c: nearest-rank percentiles, totals and per-day figures
 * over a session model built from a small dataset; entry rates, user time
 * and finding totals; the top event and cause lists; the worst calls; and
 * the call page file names, hostile room IDs included; breakdowns by
 * platform, device type and SDK version, and the ongoing total; the same
 * report on one thread as on several, also when an allocation fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "companion.h"
#include "baseline.h"
#include "dataset.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "kit.h"
#include "util.h"

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)(sec) * 1000)
#define END { NULL, NULL, NULL, 0, 0, 0, 0, 0 }

struct row {
	const char *room, *comm, *user;
	int64_t sec;
	int kind;
	int32_t id, p1, p2;     /* p2 is ignored for abnormal rows (always -1) */
};

#define E(room, u, s, i, a) { room, "", u, s, REC_EVENT, i, a, -1 }
#define E2(room, u, s, i, a, b) { room, "", u, s, REC_EVENT, i, a, b }
#define AB(room, u, s, x, c) { room, "", u, s, REC_ABNORMAL, x, c, -1 }

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

static int cmp_i64_ref(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Selection gives what sorting would, on the shapes that trouble
 * quickselect: sorted, reversed, few distinct values, organ pipe, random. */
static void test_percentiles_match_sort(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 20, 101, 1000, 4096, 20011 };
	static const double qs[] = { 0.01, 0.5, 0.95, 0.999, 1.0 };
	uint64_t seed = 12345;

	(void)state;
	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		size_t n = sizes[si];
		int64_t *v = malloc(n * sizeof *v), *ref = malloc(n * sizeof *ref);

		assert_non_null(v);
		assert_non_null(ref);
		for (int shape = 0; shape < 5; shape++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 6364136223846793005u + 1442695040888963407u;
				ref[i] = shape == 0 ? (int64_t)i : shape == 1 ? (int64_t)(n - i)
				       : shape == 2 ? (int64_t)(seed >> 61)
				       : shape == 3 ? (int64_t)(i < n / 2 ? i : n - i)
				       : (int64_t)(seed >> 1) - INT64_MAX / 2;
			}
			for (size_t qi = 0; qi < sizeof qs / sizeof qs[0]; qi++) {
				double r = ceil(qs[qi] * (double)n - 1e-9);
				size_t rank = r < 1 ? 1 : (size_t)r;
				int64_t got;

				memcpy(v, ref, n * sizeof *v);
				got = percentile_nearest_rank(v, n, qs[qi]);
				memcpy(v, ref, n * sizeof *v);
				qsort(v, n, sizeof *v, cmp_i64_ref);
				assert_int_equal(got, v[rank - 1]);
			}
		}
		free(v);
		free(ref);
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
		r.room = kit_intern(ds->strs, rows->room);
		r.comm = kit_intern(ds->strs, rows->comm);
		r.user = kit_intern(ds->strs, rows->user);
		r.kind = (uint8_t)rows->kind;
		r.id = rows->id;
		r.p1 = rows->p1;
		r.p2 = rows->kind == REC_ABNORMAL ? -1 : rows->p2;
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
	AB("r1", "a", 86460, 4, -1),
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
		assert_int_equal(report_build(&ds, &m, NULL, cat, z, &r), RR_OK);

		assert_ptr_equal(r.m, &m);
		assert_ptr_equal(r.ds, &ds);
		assert_int_equal(r.calls, 3);
		assert_int_equal(r.rooms, 2);
		assert_int_equal(r.users, 2);
		assert_int_equal(r.sessions, 4);
		assert_int_equal(r.entered, 3);
		assert_int_equal(r.entry_observed, 4);
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
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	memset(&m, 0, sizeof m);
	assert_int_equal(report_build(&ds, &m, NULL, cat, NULL, &r), RR_OK);
	assert_int_equal(r.calls, 0);
	assert_int_equal(r.users, 0);
	assert_int_equal(r.entry_latency.n, 0);
	assert_int_equal(r.entry_latency.p50, RR_NONE);
	assert_int_equal(r.entry_latency.p95, RR_NONE);
	assert_int_equal(r.ndays, 0);
	assert_int_equal(r.entry_success_pm, RR_NONE);
	assert_int_equal(r.entry_fast_pm, RR_NONE);
	assert_int_equal(r.user_ms, 0);
	assert_int_equal(r.generated_ms, RR_NONE);
	assert_int_equal(r.ntop_events_by_count + r.ntop_causes_by_users + r.nworst, 0);
	assert_null(r.call_file);
	report_free(&r);
	dataset_free(&ds);
	catalog_free(cat);
}

/* Builds the dataset, the model and the report in UTC. */
static void build_all(const struct row *rows, struct catalog *cat, struct dataset *ds,
		      struct model *m, struct report *r)
{
	struct sessions_options o;

	load(ds, rows);
	sessions_options_init(&o);
	assert_int_equal(sessions_build(ds, cat, &o, m), RR_OK);
	assert_int_equal(report_build(ds, m, NULL, cat, NULL, r), RR_OK);
}

static void free_all(struct dataset *ds, struct model *m, struct report *r)
{
	report_free(r);
	model_free(m);
	dataset_free(ds);
}

/* ---- rates, user time, finding totals ---- */

static void test_day_rows_aggregates(void **state)
{
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	build_all(day_rows, cat, &ds, &m, &r);
	/* 3 of 4 sessions entered; 2 of the 3 latencies (2 s, 8 s, 4 s) <= 5 s. */
	assert_int_equal(r.entry_success_pm, 750);
	assert_int_equal(r.entry_fast_pm, 667);
	/* 100 s + 190 s + 1 s + 100 s */
	assert_int_equal(r.user_ms, 391000);
	/* timeout + entry_failed; entry_slow (8 s) + the abnormal experience */
	assert_int_equal(r.findings[SEV_ERROR], 2);
	assert_int_equal(r.findings[SEV_WARNING], 2);
	assert_int_equal(r.findings[SEV_INFO], 0);
	assert_int_equal(r.generated_ms, RR_NONE);
	free_all(&ds, &m, &r);
	catalog_free(cat);
}

struct rate_case {
	const char *name;
	uint32_t sessions, entered;
	uint32_t unseen;          /* the last sessions: entry not observed (never entered) */
	int64_t latency[8];       /* of the first sessions; 0 ends the list */
	int64_t want_success, want_fast;
};

static const struct rate_case rate_cases[] = {
	{ "no latency at all", 2, 0, 0, { 0 }, 0, RR_NONE },
	{ "one of three rounds down", 3, 1, 0, { 5000, 0 }, 333, 1000 },
	{ "two of three rounds up", 3, 2, 0, { 5001, 4999, 0 }, 667, 500 },
	{ "exactly 5 s counts as fast", 1, 1, 0, { 5000, 0 }, 1000, 1000 },
	{ "one half per mille rounds up", 8, 1, 0, { 7000, 0 }, 125, 0 },
	{ "1 of 2000 is 0.5 per mille: up to 1", 2000, 1, 0, { 1, 0 }, 1, 1000 },
	{ "1 of 2001 is below a half: 0", 2001, 1, 0, { 1, 0 }, 0, 1000 },
	/* DESIGN §3: entry not seen counts neither for nor against. */
	{ "entry not seen: out of the denominator", 4, 1, 2, { 2000, 0 }, 500, 1000 },
	{ "one entered, the rest unseen: 100 %", 5, 1, 4, { 0 }, 1000, RR_NONE },
	{ "no entry seen at all: no rate", 3, 0, 3, { 0 }, RR_NONE, RR_NONE },
};

static void test_entry_rates(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof rate_cases / sizeof rate_cases[0]; c++) {
		const struct rate_case *tc = &rate_cases[c];
		struct session *ss = calloc(tc->sessions, sizeof *ss);
		struct dataset ds;
		struct model m;
		struct report r;
		uint32_t i;

		print_message("case: %s\n", tc->name);
		assert_non_null(ss);
		for (i = 0; i < tc->sessions; i++) {
			ss[i].entered = i < tc->entered;
			ss[i].entry_observed = i < tc->sessions - tc->unseen;
			ss[i].entry_latency_ms = i < 8 && tc->latency[i] ? tc->latency[i] : RR_NONE;
			ss[i].start_ms = ss[i].end_ms = T0;
		}
		memset(&m, 0, sizeof m);
		m.sessions = ss;
		m.nsessions = tc->sessions;
		assert_int_equal(dataset_init(&ds), RR_OK);
		assert_int_equal(dataset_finish(&ds), RR_OK);
		assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
		assert_int_equal(r.entry_success_pm, tc->want_success);
		assert_int_equal(r.entry_fast_pm, tc->want_fast);
		assert_int_equal(r.entry_observed, tc->sessions - tc->unseen);
		assert_int_equal(r.ndays, 1);
		assert_int_equal(r.days[0].entry_observed, tc->sessions - tc->unseen);
		assert_int_equal(r.days[0].entry_success_pm, tc->want_success);
		assert_int_equal(r.headline[HL_ENTRY_SUCCESS_PM].value, tc->want_success);
		report_free(&r);
		dataset_free(&ds);
		free(ss);
	}
}

/* ---- top lists ---- */

/* 1003/0 five times by a (twice in rooms r1 and r2: one user) and b; 4013
 * with three frame counts (two hardware, one software); 7001 timeouts of b
 * and c; an unknown 9999 four times by c. Causes: 2017 three times (a, a,
 * b), 1001 and the unknown 2999 once each by c, and one experience with no
 * cause (not counted). */
static const struct row top_rows[] = {
	E("r1", "a", 0, 5001, -1), E("r1", "a", 1, 5003, 1), E("r1", "a", 10, 1003, 0),
	E("r1", "a", 20, 1003, 0), E("r1", "a", 30, 1003, 0), E2("r1", "a", 40, 4013, 7, 1),
	E("r1", "a", 100, 5008, 1),
	E("r2", "a", 0, 5001, -1), E("r2", "a", 5, 1003, 0), E("r2", "a", 50, 5008, 1),
	E("r1", "b", 0, 5001, -1), E("r1", "b", 10, 1003, 0), E2("r1", "b", 20, 4013, 12, 1),
	E("r1", "b", 60, 7001, 1),
	E("r1", "c", 0, 5001, -1), E2("r1", "c", 1, 9999, 1, 2), E2("r1", "c", 2, 9999, 1, 2),
	E2("r1", "c", 3, 9999, 1, 2), E2("r1", "c", 4, 9999, 1, 2), E2("r1", "c", 5, 4013, 3, 0),
	E("r1", "c", 30, 7001, 1),
	AB("r1", "a", 60, 4, 2017), AB("r1", "a", 120, 4, 2017), AB("r1", "b", 60, 4, 2017),
	AB("r1", "c", 60, 5, 1001), AB("r1", "c", 60, 5, 2999), AB("r1", "c", 120, 4, -1),
	END,
};

struct want_top {
	enum cat_table table;
	int32_t id, p1, p2;
	enum severity sev;
	const char *label, *raw;
	uint64_t count;
	uint32_t users;
};

static void check_top(const struct top_item *got, size_t n, const struct want_top *want,
		      size_t nwant)
{
	size_t i;

	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		print_message("  item %zu: %s\n", i, want[i].label);
		assert_int_equal(got[i].table, want[i].table);
		assert_int_equal(got[i].id, want[i].id);
		assert_int_equal(got[i].p1, want[i].p1);
		assert_int_equal(got[i].p2, want[i].p2);
		assert_int_equal(got[i].severity, want[i].sev);
		assert_string_equal(got[i].label, want[i].label);
		assert_string_equal(got[i].raw, want[i].raw);
		assert_int_equal(got[i].count, want[i].count);
		assert_int_equal(got[i].users, want[i].users);
	}
}

#define NET0 { CAT_SDK, 1003, 0, -1, SEV_WARNING, "Network: none (disconnected)", "1003 (0, -1)", 5, 2 }
#define UNK { CAT_SDK, 9999, 1, 2, SEV_WARNING, "Unknown event 9999 (1, 2)", "9999 (1, 2)", 4, 1 }
#define DEC_HW { CAT_SDK, 4013, CAT_ANY, 1, SEV_WARNING, \
	"N frames failed to decode in 3 s (hardware)", "4013 (N, 1)", 2, 2 }
#define DEC_SW { CAT_SDK, 4013, CAT_ANY, 0, SEV_WARNING, \
	"N frames failed to decode in 3 s (software)", "4013 (N, 0)", 1, 1 }
#define TIMEOUT { CAT_SDK, 7001, 1, -1, SEV_ERROR, "Left room: timed out", "7001 (1, -1)", 2, 2 }
#define C2017 { CAT_REALTIME, 2017, -1, -1, SEV_WARNING, "Downstream big-stream loss too high", "2017", 3, 2 }
#define C1001 { CAT_DISMISSAL, 1001, -1, -1, SEV_ERROR, "Audio device init failed", "1001", 1, 1 }
#define C2999 { CAT_REALTIME, 2999, -1, -1, SEV_WARNING, "Unknown cause 2999", "2999", 1, 1 }

static void test_top_lists(void **state)
{
	/* Ties: 4013 (N, 1) before 7001 (same count 2); by users, keys order
	 * each group (1003 < 4013 < 7001; 4013 (N, 0) < 9999). Causes tied at
	 * one row: the dismissal table before the real-time one. */
	static const struct want_top by_count[] = { NET0, UNK, DEC_HW, TIMEOUT, DEC_SW };
	static const struct want_top by_users[] = { NET0, DEC_HW, TIMEOUT, DEC_SW, UNK };
	static const struct want_top causes[] = { C2017, C1001, C2999 };
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	build_all(top_rows, cat, &ds, &m, &r);
	print_message("events by count\n");
	check_top(r.top_events_by_count, r.ntop_events_by_count, by_count, 5);
	print_message("events by users\n");
	check_top(r.top_events_by_users, r.ntop_events_by_users, by_users, 5);
	print_message("causes by count\n");
	check_top(r.top_causes_by_count, r.ntop_causes_by_count, causes, 3);
	print_message("causes by users\n");
	check_top(r.top_causes_by_users, r.ntop_causes_by_users, causes, 3);
	free_all(&ds, &m, &r);
	catalog_free(cat);
}

/* Many distinct problem events, more rows than the per-run cache holds:
 * the list keeps REPORT_TOP items, ties ordered by ID. */
static void test_top_truncated(void **state)
{
	struct row rows[400];
	char users[3][2] = { "x", "y", "z" };
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	size_t n = 0, i;
	int k;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	memset(rows, 0, sizeof rows);
	/* IDs 9000..9099 once each by x; 9050 also by y and z; 9070 fifty
	 * more times by x, interleaved so the cache is evicted often. */
	for (k = 0; k < 100; k++) {
		struct row e = E2("q", users[0], k, 9000 + k, -1, -1);
		struct row f = E2("q", users[0], k, 9070, -1, -1);

		rows[n++] = e;
		if (k < 50)
			rows[n++] = f;
	}
	for (i = 1; i < 3; i++) {
		struct row e = E2("q", users[i], 5, 9050, -1, -1);

		rows[n++] = e;
	}
	build_all(rows, cat, &ds, &m, &r);
	assert_int_equal(r.ntop_events_by_count, REPORT_TOP);
	assert_int_equal(r.top_events_by_count[0].id, 9070);
	assert_int_equal(r.top_events_by_count[0].count, 51);
	assert_int_equal(r.top_events_by_count[0].users, 1);
	assert_int_equal(r.top_events_by_count[1].id, 9050);
	assert_int_equal(r.top_events_by_count[1].count, 3);
	for (i = 2; i < REPORT_TOP; i++)
		assert_int_equal(r.top_events_by_count[i].id, 9000 + (int32_t)i - 2);
	assert_int_equal(r.ntop_events_by_users, REPORT_TOP);
	assert_int_equal(r.top_events_by_users[0].id, 9050);
	assert_int_equal(r.top_events_by_users[0].users, 3);
	assert_int_equal(r.top_events_by_users[1].id, 9000);
	assert_int_equal(r.ntop_causes_by_count, 0);
	assert_null(r.top_causes_by_count);
	free_all(&ds, &m, &r);
	catalog_free(cat);
}

/* ---- worst calls ---- */

struct worst_call {
	uint32_t errors, warnings, timeouts, kicks, entry_failed;
	int64_t start;
};

static void test_worst_calls(void **state)
{
	static const struct worst_call calls[] = {
		{ 0, 1, 0, 0, 0, 100 },   /* 0 */
		{ 2, 0, 0, 0, 0, 100 },   /* 1 */
		{ 0, 0, 5, 0, 0, 100 },   /* 2: info only, left out */
		{ 2, 1, 0, 0, 0, 100 },   /* 3 */
		{ 2, 1, 1, 0, 0, 100 },   /* 4: as 3 but a timeout */
		{ 0, 1, 0, 0, 0, 50 },    /* 5: as 0, earlier */
		{ 0, 1, 0, 0, 0, 50 },    /* 6: as 5: model order */
		{ 2, 1, 0, 1, 1, 100 },   /* 7: kick + entry failure beat 4's timeout */
	};
	static const uint32_t want[] = { 7, 4, 3, 1, 5, 6, 0 };
	struct call cs[30];
	struct dataset ds;
	struct model m;
	struct report r;
	size_t i;

	(void)state;
	memset(cs, 0, sizeof cs);
	for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		cs[i].findings[SEV_ERROR] = calls[i].errors;
		cs[i].findings[SEV_WARNING] = calls[i].warnings;
		cs[i].findings[SEV_INFO] = 3;
		cs[i].exits[EXIT_TIMEOUT] = calls[i].timeouts;
		cs[i].exits[EXIT_KICKED] = calls[i].kicks;
		cs[i].exits[EXIT_ENTRY_FAILED] = calls[i].entry_failed;
		cs[i].start_ms = calls[i].start;
	}
	memset(&m, 0, sizeof m);
	m.calls = cs;
	m.ncalls = sizeof calls / sizeof calls[0];
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.nworst, sizeof want / sizeof want[0]);
	for (i = 0; i < r.nworst; i++)
		assert_int_equal(r.worst[i], want[i]);
	report_free(&r);

	/* More than REPORT_WORST candidates: the first 20 in start order. */
	for (i = 0; i < 30; i++) {
		memset(&cs[i], 0, sizeof cs[i]);
		cs[i].findings[SEV_WARNING] = 1;
		cs[i].start_ms = 1000 - (int64_t)i;
	}
	m.ncalls = 30;
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.nworst, REPORT_WORST);
	for (i = 0; i < REPORT_WORST; i++)
		assert_int_equal(r.worst[i], 29 - i);
	report_free(&r);
	dataset_free(&ds);
}

/* ---- call page file names ---- */

struct file_case {
	const char *room;
	const char *want;        /* exact name, or NULL: only the shape is checked */
	const char *prefix;      /* else: the name starts with this */
};

static void test_call_files(void **state)
{
	static char longroom[10241];
	/* Rooms differing only in characters the slug drops, with the same
	 * FNV-1a hash for this start time: a forced collision. */
	const struct file_case cases[] = {
		{ "../../etc/passwd", "calls/etc-passwd-f485baf1.html", NULL },
		{ "con", "calls/con-90438f16.html", NULL },
		{ "a b", "calls/a-b-6088c369.html", NULL },
		{ "a/b", "calls/a-b-1d28dbd8.html", NULL },
		{ "c!##:@@", "calls/c-65ddac6a.html", NULL },
		{ "c!#?)$;", "calls/c-65ddac6a-2.html", NULL },
		{ "<script>alert(\"x\")</script>", NULL, "calls/script-alert-x-script-" },
		{ "会议室", NULL, "calls/room-" },
		{ "", NULL, "calls/room-" },
		{ "..", NULL, "calls/room-" },
		{ "-_-", NULL, "calls/_-" },
		{ longroom, NULL, "calls/ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-ab-a-" },
	};
	enum { N = sizeof cases / sizeof cases[0] };
	struct row rows[N + 1];
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	regex_t re;
	size_t i, j, k;

	(void)state;
	for (i = 0; i + 3 < sizeof longroom; i += 3)
		memcpy(longroom + i, "ab/", 3);
	assert_int_equal(regcomp(&re, "^calls/[A-Za-z0-9_-]{1,60}\\.html$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(catalog_new(&cat), RR_OK);
	memset(rows, 0, sizeof rows);
	for (i = 0; i < N; i++) {
		struct row e = E(cases[i].room, "u", 0, 5001, -1);

		rows[i] = e;
	}
	build_all(rows, cat, &ds, &m, &r);
	assert_int_equal(m.ncalls, N);
	assert_non_null(r.call_file);
	for (i = 0; i < N; i++) {
		const char *room = cases[i].room, *name = NULL;

		for (k = 0; k < m.ncalls; k++)
			if (strcmp(strtab_str(ds.strs, m.calls[k].room), room) == 0)
				name = r.call_file[k];
		assert_non_null(name);
		assert_int_equal(regexec(&re, name, 0, NULL, 0), 0);
		assert_null(strstr(name, ".."));
		assert_null(strchr(name + 6, '/'));
		if (cases[i].want)
			assert_string_equal(name, cases[i].want);
		else
			assert_memory_equal(name, cases[i].prefix, strlen(cases[i].prefix));
	}
	for (i = 0; i < m.ncalls; i++)
		for (j = i + 1; j < m.ncalls; j++)
			assert_string_not_equal(r.call_file[i], r.call_file[j]);
	free_all(&ds, &m, &r);
	regfree(&re);
	catalog_free(cat);
}

/* Names depend on (room, CommId, start) only: rebuilding gives the same. */
static void test_call_files_stable(void **state)
{
	struct catalog *cat;
	struct dataset ds[2];
	struct model m[2];
	struct report r[2];
	uint32_t i;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	build_all(day_rows, cat, &ds[0], &m[0], &r[0]);
	build_all(day_rows, cat, &ds[1], &m[1], &r[1]);
	assert_int_equal(m[0].ncalls, 3);
	/* r1 twice (two days): same slug, different start, different hash. */
	assert_string_not_equal(r[0].call_file[0], r[0].call_file[2]);
	assert_memory_equal(r[0].call_file[0], "calls/r1-", 9);
	assert_memory_equal(r[0].call_file[2], "calls/r1-", 9);
	for (i = 0; i < m[0].ncalls; i++)
		assert_string_equal(r[0].call_file[i], r[1].call_file[i]);
	free_all(&ds[0], &m[0], &r[0]);
	free_all(&ds[1], &m[1], &r[1]);
	catalog_free(cat);
}

/* ---- breakdowns ---- */

static void check_bd_rates(const struct breakdown *b, size_t n);

static uint32_t intern(struct dataset *ds, const char *s)
{
	uint32_t id = 0;

	if (s && *s)
		assert_int_equal(strtab_intern(ds->strs, s, strlen(s), &id), RR_OK);
	return id;
}

static void ev(struct dataset *ds, const char *user, int64_t ms, int32_t id, int32_t p1)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = ms;
	r.room = intern(ds, "r1");
	r.user = intern(ds, user);
	r.kind = REC_EVENT;
	r.id = id;
	r.p1 = p1;
	r.p2 = -1;
	r.stream = -1;
	assert_int_equal(dataset_append(ds, &r), RR_OK);
}

/*
 * 25 SDK users u00..u24 in one call, entering after (1 + n % 3) s: u00..u02
 * on "iPhone" with SDK "11.4" (u00 has a second session in a later call, u02
 * times out, u01 has no exit and is still in the room per the users file),
 * u03/u04 on "Pixel", u05..u23 on a device each, u24 without a users row;
 * one WebRTC user w, also without one.
 */
static void breakdown_model(struct dataset *ds, struct model *m, int with_users)
{
	struct sessions_options so;
	struct companion_options co;
	struct catalog *cat;
	char name[16], dev[16];
	int n;

	assert_int_equal(dataset_init(ds), RR_OK);
	for (n = 0; n < 25; n++) {
		int64_t lat = 1000 * (1 + n % 3);

		snprintf(name, sizeof name, "u%02d", n);
		ev(ds, name, S(0), 5001, -1);
		ev(ds, name, S(0) + lat, 5003, 1);
		if (n == 1)
			ev(ds, name, S(100), 1003, 1);
		else if (n == 2)
			ev(ds, name, S(100), 7001, 1);
		else
			ev(ds, name, S(100), 5008, 1);
		if (with_users && n < 24) {
			struct user_info u;

			memset(&u, 0, sizeof u);
			u.room = intern(ds, "r1");
			u.user = intern(ds, name);
			u.join_ms = u.leave_ms = RR_NONE;
			u.finished = n == 1 ? 0 : -1;
			snprintf(dev, sizeof dev, "dev%02d", n);
			u.device = intern(ds, n < 3 ? "iPhone" : n < 5 ? "Pixel" : dev);
			u.sdk = intern(ds, n < 3 ? "11.4" : NULL);
			assert_int_equal(dataset_append_user(ds, &u), RR_OK);
		}
	}
	ev(ds, "u00", S(2000), 5001, -1);
	ev(ds, "u00", S(2001), 5003, 1);
	ev(ds, "u00", S(2100), 5008, 1);
	ev(ds, "w", S(10), 32788, -1);
	ev(ds, "w", S(50), 32789, -1);
	assert_int_equal(dataset_finish(ds), RR_OK);
	assert_int_equal(catalog_new(&cat), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(ds, cat, &so, m), RR_OK);
	companion_options_init(&co);
	assert_int_equal(companion_link(ds, &co, m), RR_OK);
	catalog_free(cat);
}

struct want_bd {
	const char *key;
	uint32_t users, sessions, entered, timeouts;
	uint64_t n;
	int64_t p50, p95;
};

static void check_bd(const struct breakdown *b, size_t nb, const struct want_bd *w, size_t nw)
{
	size_t i;

	assert_int_equal(nb, nw);
	for (i = 0; i < nw; i++) {
		if (!w[i].key)
			continue;   /* not checked */
		print_message("row %zu: %s\n", i, w[i].key);
		assert_string_equal(b[i].key, w[i].key);
		assert_int_equal(b[i].users, w[i].users);
		assert_int_equal(b[i].sessions, w[i].sessions);
		assert_int_equal(b[i].entered, w[i].entered);
		assert_int_equal(b[i].timeouts, w[i].timeouts);
		assert_int_equal(b[i].entry_latency.n, w[i].n);
		assert_int_equal(b[i].entry_latency.p50, w[i].p50);
		assert_int_equal(b[i].entry_latency.p95, w[i].p95);
	}
}

static void test_breakdowns(void **state)
{
	static const struct want_bd platform[] = {
		{ "sdk", 25, 26, 26, 1, 26, 2000, 3000 },
		{ "webrtc", 1, 1, 1, 0, 0, RR_NONE, RR_NONE },
	};
	/* iPhone: latencies 1, 1 (u00 twice), 2, 3 s. Singles tie on one
	 * session and go by key: "(not given)" sorts before "dev..". */
	static const struct want_bd device[21] = {
		{ "iPhone", 3, 4, 4, 1, 4, 1000, 3000 },
		{ "(not given)", 2, 2, 2, 0, 1, 1000, 1000 },
		{ "Pixel", 2, 2, 2, 0, 2, 1000, 2000 },
		{ "dev05", 1, 1, 1, 0, 1, 3000, 3000 },
		[19] = { "dev21", 1, 1, 1, 0, 1, 1000, 1000 },
		[20] = { "(other)", 2, 2, 2, 0, 2, 2000, 3000 },
	};
	static const struct want_bd sdk[] = {
		{ "(not given)", 23, 23, 23, 0, 22, 2000, 3000 },
		{ "11.4", 3, 4, 4, 1, 4, 1000, 3000 },
	};
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	breakdown_model(&ds, &m, 1);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	check_bd(r.by_platform, r.nby_platform, platform, 2);
	check_bd(r.by_device, r.nby_device, device, 21);
	check_bd(r.by_sdk, r.nby_sdk, sdk, 2);
	assert_int_equal(r.ongoing, 1);
	assert_int_equal(r.exits[EXIT_ONGOING], 1);
	assert_int_equal(r.exits[EXIT_UNKNOWN], 0);
	report_free(&r);
	assert_null(r.by_platform);
	assert_null(r.by_device);
	assert_int_equal(r.nby_sdk, 0);
	model_free(&m);
	dataset_free(&ds);

	/* Without a users file: platforms only, nobody ongoing. */
	breakdown_model(&ds, &m, 0);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	check_bd(r.by_platform, r.nby_platform, platform, 2);
	assert_int_equal(r.nby_device, 0);
	assert_null(r.by_device);
	assert_int_equal(r.nby_sdk, 0);
	assert_int_equal(r.ongoing, 0);
	report_free(&r);
	model_free(&m);
	dataset_free(&ds);
}

static void test_breakdowns_out_of_memory(void **state)
{
	struct dataset ds;
	struct model m;
	struct report r;
	unsigned long n;
	int ok = 0;

	(void)state;
	breakdown_model(&ds, &m, 1);
	for (n = 1; n < 1000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = report_build(&ds, &m, NULL, NULL, NULL, &r);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(r.nby_device, 21);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(r.by_platform);
			assert_null(r.by_device);
			assert_null(r.by_sdk);
		}
		report_free(&r);
	}
	assert_true(ok);
	assert_true(n > 20);
	model_free(&m);
	dataset_free(&ds);
}

/* Failing each allocation in turn: RR_ENOMEM and nothing leaked (run under
 * ASan/valgrind), until the build needs no more. */
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
	load(&ds, top_rows);
	sessions_options_init(&o);
	assert_int_equal(sessions_build(&ds, cat, &o, &m), RR_OK);
	for (n = 1; n < 1000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = report_build(&ds, &m, NULL, cat, NULL, &r);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(r.ntop_events_by_count, 5);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(r.days);
			assert_null(r.top_events_by_count);
			assert_null(r.call_file);
		}
		report_free(&r);
	}
	assert_true(ok);
	assert_true(n > 10);
	model_free(&m);
	dataset_free(&ds);
	catalog_free(cat);
}

/* ---- experiences of rooms without events ---- */

/* r1 has events; r2 and r3 have only abnormal rows (orphans), ghost's row
 * in r1 attaches to r1's call and is no orphan. */
static const struct row orphan_rows[] = {
	E("r1", "a", 0, 5001, -1), E("r1", "a", 1, 5003, 1), E("r1", "a", 100, 5008, 1),
	AB("r1", "ghost", 60, 4, 2017),
	AB("r2", "x", 60, 4, 2017), AB("r2", "x", 60, 4, 1001), AB("r2", "y", 120, 5, -1),
	AB("r3", "x", 180, 4, 2999),
	END,
};

static void test_orphans(void **state)
{
	static const struct {
		const char *room, *user, *label;
		int64_t sec;
		uint32_t ncauses;
		const char *causes[2];
	} want[] = {
		{ "r2", "x", "Video lagged", 60, 2,
		  { "Downstream big-stream loss too high", "Audio device init failed" } },
		{ "r2", "y", "Audio lagged", 120, 0, { NULL, NULL } },
		{ "r3", "x", "Video lagged", 180, 1, { "Unknown cause 2999", NULL } },
	};
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	build_all(orphan_rows, cat, &ds, &m, &r);
	assert_int_equal(r.abnormal_experiences, 4);
	assert_int_equal(r.norphan_total, 3);
	assert_int_equal(r.norphans, 3);
	assert_int_equal(r.orphan_rooms, 2);
	assert_int_equal(r.orphan_users, 2);
	/* The rate is of the calls' own experiences (ghost's, in r1) per
	 * session: the orphans had no session among those counted. */
	assert_int_equal(r.headline[HL_EXPERIENCES_PER_100_X10].value, 1000);
	assert_int_equal(r.ndays, 1);
	assert_int_equal(r.days[0].experiences, 4);
	assert_int_equal(r.days[0].experiences_per_100_x10, 1000);
	for (size_t i = 0; i < 3; i++) {
		const struct orphan_exp *o = &r.orphans[i];
		const struct experience *x = &m.experiences[o->exp];
		const char *c = o->causes;

		print_message("orphan %zu\n", i);
		assert_int_equal(x->call, RR_NOIDX);
		assert_string_equal(strtab_str(ds.strs, x->room), want[i].room);
		assert_string_equal(strtab_str(ds.strs, x->user), want[i].user);
		assert_int_equal(x->time_ms, S(want[i].sec));
		assert_string_equal(o->label, want[i].label);
		assert_int_equal(o->ncauses, want[i].ncauses);
		for (uint32_t k = 0; k < o->ncauses; k++, c += strlen(c) + 1)
			assert_string_equal(c, want[i].causes[k]);
	}
	free_all(&ds, &m, &r);

	/* Without a catalog: the IDs, as catalog_format shows unknown ones. */
	build_all(orphan_rows, NULL, &ds, &m, &r);
	assert_int_equal(r.norphans, 3);
	assert_non_null(strstr(r.orphans[0].label, "4"));
	free_all(&ds, &m, &r);
	catalog_free(cat);
}

/* More orphans than the overview lists: all counted, REPORT_ORPHANS kept;
 * and an allocation failure anywhere leaves no list behind. */
static void test_orphans_many(void **state)
{
	struct row rows[REPORT_ORPHANS + 51];
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	unsigned long n;
	int ok = 0;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	for (int i = 0; i < REPORT_ORPHANS + 50; i++) {
		struct row ab = AB("r9", "z", (int64_t)i * 60, 4, 2017);

		rows[i] = ab;
	}
	memset(&rows[REPORT_ORPHANS + 50], 0, sizeof rows[0]);
	build_all(rows, cat, &ds, &m, &r);
	assert_int_equal(r.norphan_total, REPORT_ORPHANS + 50);
	assert_int_equal(r.norphans, REPORT_ORPHANS);
	assert_int_equal(r.orphan_rooms, 1);
	assert_int_equal(r.orphan_users, 1);
	report_free(&r);
	for (n = 1; n < 1000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = report_build(&ds, &m, NULL, cat, NULL, &r);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(r.norphans, REPORT_ORPHANS);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(r.orphans);
			assert_int_equal(r.norphans, 0);
		}
		report_free(&r);
	}
	assert_true(ok);
	model_free(&m);
	dataset_free(&ds);
	catalog_free(cat);
}

/* ---- the same report on any number of threads ---- */

static void eq_latency(const struct latency *a, const struct latency *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->p50, b->p50);
	assert_int_equal(a->p95, b->p95);
}

static void eq_hist(const struct histogram *a, const struct histogram *b)
{
	assert_int_equal(a->nbins, b->nbins);
	assert_int_equal(a->total, b->total);
	assert_memory_equal(a->lo, b->lo, sizeof a->lo);
	assert_memory_equal(a->count, b->count, sizeof a->count);
	for (uint32_t i = 0; i < a->nbins; i++)
		assert_string_equal(a->label[i], b->label[i]);
}

static void eq_tops(const struct top_item *a, size_t na, const struct top_item *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i].table, b[i].table);
		assert_int_equal(a[i].id, b[i].id);
		assert_int_equal(a[i].p1, b[i].p1);
		assert_int_equal(a[i].p2, b[i].p2);
		assert_int_equal(a[i].severity, b[i].severity);
		assert_string_equal(a[i].label, b[i].label);
		assert_string_equal(a[i].raw, b[i].raw);
		assert_int_equal(a[i].count, b[i].count);
		assert_int_equal(a[i].users, b[i].users);
	}
}

static void eq_bd(const struct breakdown *a, size_t na, const struct breakdown *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i].key, b[i].key);
		assert_int_equal(a[i].users, b[i].users);
		assert_int_equal(a[i].sessions, b[i].sessions);
		assert_int_equal(a[i].entered, b[i].entered);
		assert_int_equal(a[i].timeouts, b[i].timeouts);
		eq_latency(&a[i].entry_latency, &b[i].entry_latency);
		eq_latency(&a[i].first_frame, &b[i].first_frame);
		for (int f = 0; f < BF__COUNT; f++)
			assert_int_equal(a[i].value[f], b[i].value[f]);
	}
}

/* Every field of two reports of the same model. */
static void eq_report(const struct report *a, const struct report *b)
{
	size_t i;

	assert_int_equal(a->calls, b->calls);
	assert_int_equal(a->rooms, b->rooms);
	assert_int_equal(a->users, b->users);
	assert_int_equal(a->sessions, b->sessions);
	assert_int_equal(a->entered, b->entered);
	assert_memory_equal(a->exits, b->exits, sizeof a->exits);
	eq_latency(&a->entry_latency, &b->entry_latency);
	assert_int_equal(a->entry_success_pm, b->entry_success_pm);
	assert_int_equal(a->entry_fast_pm, b->entry_fast_pm);
	assert_int_equal(a->user_ms, b->user_ms);
	assert_memory_equal(a->findings, b->findings, sizeof a->findings);
	assert_int_equal(a->abnormal_experiences, b->abnormal_experiences);
	assert_int_equal(a->ongoing, b->ongoing);
	assert_int_equal(a->ndays, b->ndays);
	for (i = 0; i < a->ndays; i++) {
		const struct day *x = &a->days[i], *y = &b->days[i];

		assert_string_equal(x->date, y->date);
		assert_int_equal(x->calls, y->calls);
		assert_int_equal(x->sessions, y->sessions);
		assert_int_equal(x->users, y->users);
		assert_int_equal(x->user_ms, y->user_ms);
		assert_int_equal(x->entered, y->entered);
		assert_int_equal(x->entry_failed, y->entry_failed);
		assert_int_equal(x->timeouts, y->timeouts);
		assert_int_equal(x->kicks, y->kicks);
		assert_int_equal(x->no_exit, y->no_exit);
		assert_int_equal(x->entry_success_pm, y->entry_success_pm);
		assert_int_equal(x->entry_fast_pm, y->entry_fast_pm);
		eq_latency(&x->entry_latency, &y->entry_latency);
		eq_latency(&x->first_frame, &y->first_frame);
		assert_int_equal(x->experiences, y->experiences);
		assert_int_equal(x->experiences_per_100_x10, y->experiences_per_100_x10);
	}
	eq_tops(a->top_events_by_count, a->ntop_events_by_count, b->top_events_by_count,
		b->ntop_events_by_count);
	eq_tops(a->top_events_by_users, a->ntop_events_by_users, b->top_events_by_users,
		b->ntop_events_by_users);
	eq_tops(a->top_causes_by_count, a->ntop_causes_by_count, b->top_causes_by_count,
		b->ntop_causes_by_count);
	eq_tops(a->top_causes_by_users, a->ntop_causes_by_users, b->top_causes_by_users,
		b->ntop_causes_by_users);
	assert_int_equal(a->nworst, b->nworst);
	if (a->nworst)
		assert_memory_equal(a->worst, b->worst, a->nworst * sizeof *a->worst);
	assert_int_equal(a->call_file == NULL, b->call_file == NULL);
	for (i = 0; a->call_file && i < a->m->ncalls; i++)
		assert_string_equal(a->call_file[i], b->call_file[i]);
	eq_bd(a->by_platform, a->nby_platform, b->by_platform, b->nby_platform);
	eq_bd(a->by_device, a->nby_device, b->by_device, b->nby_device);
	eq_bd(a->by_sdk, a->nby_sdk, b->by_sdk, b->nby_sdk);
	eq_bd(a->by_network, a->nby_network, b->by_network, b->nby_network);
	eq_bd(a->by_app, a->nby_app, b->by_app, b->nby_app);
	eq_hist(&a->latency_hist, &b->latency_hist);
	eq_hist(&a->duration_hist, &b->duration_hist);
	assert_int_equal(a->nproblem_users, b->nproblem_users);
	if (a->nproblem_users)
		assert_memory_equal(a->problem_users, b->problem_users,
				    a->nproblem_users * sizeof *a->problem_users);
	for (i = 0; i < HL__COUNT; i++) {
		assert_string_equal(a->headline[i].key, b->headline[i].key);
		assert_int_equal(a->headline[i].value, b->headline[i].value);
	}
	assert_int_equal(a->npages, b->npages);
	if (a->npages)
		assert_memory_equal(a->call_page, b->call_page, a->m->ncalls);
}

/*
 * A model big enough that each step has work on both threads and the
 * breakdowns an "(other)" row: 600 users over 40 rooms and three days,
 * each user on one of 30 devices and 25 SDK versions, with latencies,
 * first frames, timeouts, kicks and warnings spread by a fixed rule.
 */
static void spread_model(struct dataset *ds, struct model *m, struct catalog *cat)
{
	struct sessions_options so;
	struct companion_options co;
	char name[16], room[16], dev[16], sdk[16];
	int n;

	assert_int_equal(dataset_init(ds), RR_OK);
	for (n = 0; n < 600; n++) {
		int64_t t = S(n % 3 * 86400 + n * 7), lat = 300 + (int64_t)(n * 7919 % 9000);
		struct record r;
		struct user_info u;
		int closer = n % 11 == 0 ? 7001 : n % 13 == 0 ? 7002 : 5008;

		snprintf(name, sizeof name, "u%03d", n);
		snprintf(room, sizeof room, "room%02d", n % 40);
		memset(&r, 0, sizeof r);
		r.room = intern(ds, room);
		r.comm = intern(ds, NULL);
		r.user = intern(ds, name);
		r.kind = REC_EVENT;
		r.p2 = -1;
		r.stream = -1;
		r.time_ms = t;
		r.id = 5001;
		r.p1 = -1;
		assert_int_equal(dataset_append(ds, &r), RR_OK);
		r.time_ms = t + lat;
		r.id = 5003;
		r.p1 = n % 17 == 0 ? 0 : 1;
		assert_int_equal(dataset_append(ds, &r), RR_OK);
		if (n % 3) {
			r.time_ms = t + lat + 10 + n % 500;
			r.id = 1003;
			r.p1 = n % 4;
			assert_int_equal(dataset_append(ds, &r), RR_OK);
		}
		if (n % 5 == 0) {
			r.time_ms = t + lat + 600;
			r.id = 1003;
			r.p1 = 0;
			assert_int_equal(dataset_append(ds, &r), RR_OK);
		}
		r.time_ms = t + lat + 1000 + (int64_t)n * 977 % 3600000;
		r.id = closer;
		r.p1 = 1;
		assert_int_equal(dataset_append(ds, &r), RR_OK);
		memset(&u, 0, sizeof u);
		u.room = intern(ds, room);
		u.user = intern(ds, name);
		u.join_ms = u.leave_ms = RR_NONE;
		u.finished = -1;
		snprintf(dev, sizeof dev, "dev%02d", n % 30);
		snprintf(sdk, sizeof sdk, "9.%d", n % 25);
		u.device = intern(ds, dev);
		u.sdk = intern(ds, sdk);
		if (n % 7)
			assert_int_equal(dataset_append_user(ds, &u), RR_OK);
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(ds, cat, &so, m), RR_OK);
	companion_options_init(&co);
	assert_int_equal(companion_link(ds, &co, m), RR_OK);
}

/* Each fixture's report on 1 thread equals the report on 2, 3 and 4. */
static void test_threads_same_report(void **state)
{
	const struct row *fixtures[] = { day_rows, top_rows };
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report one, many;
	size_t f;
	unsigned t;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	for (f = 0; f < 4; f++) {
		if (f < 2) {
			struct sessions_options o;

			load(&ds, fixtures[f]);
			sessions_options_init(&o);
			assert_int_equal(sessions_build(&ds, cat, &o, &m), RR_OK);
		} else if (f == 2) {
			breakdown_model(&ds, &m, 1);
		} else {
			spread_model(&ds, &m, cat);
			assert_true(m.nsessions >= 600);
		}
		assert_int_equal(report_build_threads(&ds, &m, NULL, cat, NULL, 1, &one), RR_OK);
		if (f == 3) {
			/* The fixture reaches what it is for. */
			assert_int_equal(one.ndays, 3);
			assert_int_equal(one.nby_device, REPORT_BREAKDOWN + 1);
			assert_int_equal(one.nby_sdk, REPORT_BREAKDOWN + 1);
			assert_int_equal(one.nproblem_users, REPORT_PROBLEM_USERS);
			assert_true(one.nby_network > 2);
			/* Rates on every row, "(other)" included; its first
			 * frames moved with its latencies: none lost. */
			check_bd_rates(one.by_device, one.nby_device);
			check_bd_rates(one.by_sdk, one.nby_sdk);
			{
				uint64_t nf = 0, nl = 0, wf = 0, wl = 0;

				for (size_t k = 0; k < one.nby_device; k++) {
					nf += one.by_device[k].first_frame.n;
					nl += one.by_device[k].entry_latency.n;
				}
				for (uint32_t k = 0; k < m.nsessions; k++) {
					wf += m.sessions[k].first_frame_ms != RR_NONE;
					wl += m.sessions[k].entry_latency_ms != RR_NONE;
				}
				assert_true(wl > 0);
				assert_int_equal(nf, wf);
				assert_int_equal(nl, wl);
			}
		}
		for (t = 2; t <= 4; t++) {
			assert_int_equal(report_build_threads(&ds, &m, NULL, cat, NULL, t, &many),
					 RR_OK);
			eq_report(&one, &many);
			report_free(&many);
		}
		report_free(&one);
		model_free(&m);
		dataset_free(&ds);
	}
	catalog_free(cat);
}

/* Failing each allocation in turn on 2 threads: RR_ENOMEM, an empty report
 * and nothing leaked (ASan), until the build needs no more; then the
 * report is the one thread's. */
static void test_threads_out_of_memory(void **state)
{
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report one, r;
	unsigned long n;
	int ok = 0;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	spread_model(&ds, &m, cat);
	assert_int_equal(report_build_threads(&ds, &m, NULL, cat, NULL, 1, &one), RR_OK);
	for (n = 1; n < 2000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = report_build_threads(&ds, &m, NULL, cat, NULL, 2, &r);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			eq_report(&one, &r);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(r.days);
			assert_null(r.by_device);
			assert_null(r.problem_users);
			assert_null(r.call_file);
			assert_null(r.top_events_by_count);
		}
		report_free(&r);
	}
	assert_true(ok);
	assert_true(n > 20);
	report_free(&one);
	model_free(&m);
	dataset_free(&ds);
	catalog_free(cat);
}

/* Every row's rates are its counts over the headline's denominators: entry
 * success over entry_observed, within 5 s over sessions with a latency,
 * exits per mille of sessions; no previous values without a baseline. */
static void check_bd_rates(const struct breakdown *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct breakdown *x = &b[i];
		const int64_t want[BF__COUNT] = {
			[BF_ENTRY_SUCCESS_PM] = x->entry_observed
				? (x->entered * 2000 + x->entry_observed) / (x->entry_observed * 2)
				: RR_NONE,
			[BF_ENTRY_FAST_PM] = x->entry_latency.n
				? (int64_t)((x->fast * 2000 + x->entry_latency.n) /
					    (x->entry_latency.n * 2)) : RR_NONE,
			[BF_TIMEOUTS_PM] = (x->timeouts * 2000 + x->sessions) / (x->sessions * 2),
			[BF_KICKS_PM] = (x->kicks * 2000 + x->sessions) / (x->sessions * 2),
			[BF_ENTRY_FAILED_PM] = (x->entry_failed * 2000 + x->sessions) /
					       (x->sessions * 2),
			[BF_NO_EXIT_PM] = (x->no_exit * 2000 + x->sessions) / (x->sessions * 2),
			[BF_ENTRY_LATENCY_P50] = x->entry_latency.p50,
			[BF_ENTRY_LATENCY_P95] = x->entry_latency.p95,
			[BF_FIRST_FRAME_P50] = x->first_frame.p50,
		};

		for (int f = 0; f < BF__COUNT; f++) {
			assert_int_equal(x->value[f], want[f]);
			assert_int_equal(x->previous[f], RR_NONE);
			assert_int_equal(x->change[f], RR_NONE);
			assert_int_equal(x->regression[f], 0);
		}
		assert_int_equal(x->has_previous, 0);
	}
}

static void test_breakdown_rates(void **state)
{
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	breakdown_model(&ds, &m, 1);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	/* Hand-computed: "sdk" has 26 sessions, all entered (observed), one
	 * timeout (u02), latencies 1-3 s, no first frame. */
	assert_string_equal(r.by_platform[0].key, "sdk");
	assert_int_equal(r.by_platform[0].value[BF_ENTRY_SUCCESS_PM], 1000);
	assert_int_equal(r.by_platform[0].value[BF_ENTRY_FAST_PM], 1000);
	assert_int_equal(r.by_platform[0].value[BF_TIMEOUTS_PM], 38);   /* 1/26 = 38.5 */
	assert_int_equal(r.by_platform[0].value[BF_ENTRY_LATENCY_P50], 2000);
	assert_int_equal(r.by_platform[0].value[BF_FIRST_FRAME_P50], RR_NONE);
	/* "11.4": 4 sessions (u00 twice, u01, u02), u02 timed out. */
	assert_string_equal(r.by_sdk[1].key, "11.4");
	assert_int_equal(r.by_sdk[1].value[BF_TIMEOUTS_PM], 250);
	assert_int_equal(r.by_sdk[1].value[BF_NO_EXIT_PM], 0);
	/* The WebRTC session: entered, no latency. */
	assert_int_equal(r.by_platform[1].value[BF_ENTRY_FAST_PM], RR_NONE);
	check_bd_rates(r.by_platform, r.nby_platform);
	check_bd_rates(r.by_device, r.nby_device);
	check_bd_rates(r.by_sdk, r.nby_sdk);
	check_bd_rates(r.by_network, r.nby_network);
	report_free(&r);
	model_free(&m);
	dataset_free(&ds);
}

/* Sets the count of figure f's sessions (x) and its denominator (n) in
 * a row and, when x0 >= 0, in the baseline's row (x0 of n0); x0 < 0
 * leaves the baseline's count out, so it is derived from its rate. */
static void set_share(struct breakdown *row, struct baseline_bd_row *o, enum bd_figure f,
		      uint32_t x, uint32_t n, int64_t x0, uint32_t n0)
{
	static const int bc[] = { BC_ENTERED, -1, BC_TIMEOUTS, BC_KICKS, BC_ENTRY_FAILED,
				  BC_NO_EXIT };
	uint32_t *const cx[] = { &row->entered, &row->fast, &row->timeouts, &row->kicks,
				 &row->entry_failed, &row->no_exit };

	if (f >= BF_ENTRY_LATENCY_P50)
		return;
	*cx[f] = x;
	if (f == BF_ENTRY_SUCCESS_PM)
		row->entry_observed = n;
	if (f == BF_ENTRY_FAST_PM)
		row->entry_latency.n = n;
	if (!o)
		return;
	o->has_count[BC_ENTRY_OBSERVED] = o->has_count[BC_LATENCY_N] = 1;
	o->count[BC_ENTRY_OBSERVED] = o->count[BC_LATENCY_N] = n0;
	if (x0 >= 0 && bc[f] >= 0) {
		o->has_count[bc[f]] = 1;
		o->count[bc[f]] = (uint32_t)x0;
	}
}

/* report_compare_breakdowns, table-driven on hand-made rows: previous and
 * change from the baseline's row of the same dimension and key; a mark
 * when the headline's rule (10 %: relative for rates per 1000, 2 points
 * for success rates) holds and a pooled two-proportion test gives
 * p < 0.01 (p values in the comments, computed by hand); never a mark on
 * a small row or on a percentile. */
static void test_compare_breakdowns(void **state)
{
	static const struct {
		const char *key;
		uint32_t sessions, prev_sessions;   /* prev_sessions 0: no row in the baseline */
		enum bd_figure f;
		int64_t value, previous;
		uint32_t x;          /* this week's count of the figure */
		int64_t x0;          /* the baseline's; -1: not given, derived from its rate */
		int small, regression;
	} t[] = {
		{ "a", 6664, 5787, BF_TIMEOUTS_PM, 197, 75, 1310, 433, 0, 1 },   /* p = 6e-85 */
		{ "b", 6664, 5787, BF_TIMEOUTS_PM, 82, 75, 546, 434, 0, 0 },     /* +9.3 % */
		/* +10.7 % but p = 0.10: beyond the threshold, not beyond chance */
		{ "c", 6664, 5787, BF_TIMEOUTS_PM, 83, 75, 553, 434, 0, 0 },
		/* the same rates over 60000 sessions: p = 3e-7 */
		{ "c2", 60000, 60000, BF_TIMEOUTS_PM, 83, 75, 4980, 4500, 0, 1 },
		{ "d", 6664, 5787, BF_TIMEOUTS_PM, 50, 75, 333, 434, 0, 0 },     /* better */
		{ "e", 999, 5787, BF_TIMEOUTS_PM, 197, 75, 197, 433, 1, 0 },     /* small now */
		{ "f", 6664, 999, BF_TIMEOUTS_PM, 197, 75, 1310, 75, 1, 0 },     /* small then */
		/* percentiles: previous and change, never a mark */
		{ "g", 6664, 5787, BF_ENTRY_LATENCY_P50, 4294, 2298, 0, 0, 0, 0 },
		{ "g2", 60000, 60000, BF_ENTRY_LATENCY_P95, 9000, 5000, 0, 0, 0, 0 },
		{ "h", 2000, 2000, BF_ENTRY_SUCCESS_PM, 941, 960, 1882, 1920, 0, 0 }, /* -1.9 pts */
		/* p = 0.0024, 7th smallest of the page's 11 tests: Holm's
		 * correction makes it 0.0024 x 5 = 0.012, not beyond 0.01 */
		{ "i", 2000, 2000, BF_ENTRY_SUCCESS_PM, 939, 960, 1878, 1920, 0, 0 },
		{ "j", 2000, 0, BF_TIMEOUTS_PM, 197, RR_NONE, 394, 0, 0, 0 },  /* new row */
		/* from 0: p = 0.0015, 6th: x 6 = 0.0092, still beyond */
		{ "k", 2000, 2000, BF_KICKS_PM, 5, 0, 10, 0, 0, 1 },
		/* the baseline's count derived from 75 per 1000 of 5787: 434 */
		{ "l", 6664, 5787, BF_TIMEOUTS_PM, 197, 75, 1310, -1, 0, 1 },
		{ "l2", 6664, 5787, BF_TIMEOUTS_PM, 83, 75, 553, -1, 0, 0 },
		/* within 5 s: 1900 of 2000 derived from 950 per 1000; p = 2e-9 */
		{ "m", 2000, 2000, BF_ENTRY_FAST_PM, 900, 950, 1800, -1, 0, 1 },
	};
	enum { N = sizeof t / sizeof t[0] };
	struct breakdown rows[N];
	struct baseline *b = calloc(1, sizeof *b);
	struct report r;

	(void)state;
	assert_non_null(b);
	memset(&r, 0, sizeof r);
	memset(rows, 0, sizeof rows);
	for (size_t i = 0; i < N; i++) {
		struct baseline_bd_row *o = &b->bd[b->nbd];

		rows[i].key = (char *)t[i].key;
		rows[i].sessions = t[i].sessions;
		for (int f = 0; f < BF__COUNT; f++)
			rows[i].value[f] = RR_NONE;
		rows[i].value[t[i].f] = t[i].value;
		if (!t[i].prev_sessions) {
			set_share(&rows[i], NULL, t[i].f, t[i].x, t[i].sessions, 0, 0);
			continue;
		}
		set_share(&rows[i], o, t[i].f, t[i].x, t[i].sessions, t[i].x0, t[i].prev_sessions);
		o->dim = BDIM_SDK;
		o->keyed = 1;
		o->has_sessions = 1;
		o->sessions = t[i].prev_sessions;
		snprintf(o->key, sizeof o->key, "%s", t[i].key);
		o->have[t[i].f] = 1;
		o->value[t[i].f] = t[i].previous;
		b->nbd++;
	}
	/* The same key in another dimension is not this row's. */
	b->bd[b->nbd].dim = BDIM_DEVICE;
	b->bd[b->nbd].keyed = 1;
	snprintf(b->bd[b->nbd].key, sizeof b->bd[b->nbd].key, "j");
	b->bd[b->nbd].have[BF_TIMEOUTS_PM] = 1;
	b->nbd++;
	r.by_sdk = rows;
	r.nby_sdk = N;
	report_compare_breakdowns(&r, b, 10);
	for (size_t i = 0; i < N; i++) {
		print_message("row %s\n", t[i].key);
		assert_int_equal(rows[i].has_previous, t[i].prev_sessions != 0);
		assert_int_equal(rows[i].prev_sessions, t[i].prev_sessions);
		assert_int_equal(rows[i].small, t[i].small);
		assert_int_equal(rows[i].previous[t[i].f], t[i].previous);
		assert_int_equal(rows[i].change[t[i].f],
				 t[i].previous == RR_NONE ? RR_NONE : t[i].value - t[i].previous);
		for (int f = 0; f < BF__COUNT; f++) {
			assert_int_equal(rows[i].regression[f], f == (int)t[i].f && t[i].regression);
			if (f != (int)t[i].f)
				assert_int_equal(rows[i].change[f], RR_NONE);
		}
	}
	/* Without a baseline: cleared. */
	report_compare_breakdowns(&r, NULL, 10);
	assert_int_equal(rows[0].has_previous, 0);
	assert_int_equal(rows[0].regression[BF_TIMEOUTS_PM], 0);
	assert_int_equal(rows[0].previous[BF_TIMEOUTS_PM], RR_NONE);
	free(b);
}

/* Sessions of rooms by key: "APP\xffROOM" keys carry the app. */
static void app_model(struct dataset *ds, struct model *m, const char *const *rooms, int n)
{
	struct sessions_options so;
	struct catalog *cat;
	struct record rec;
	char name[16];

	assert_int_equal(dataset_init(ds), RR_OK);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "u%d", i);
		for (int k = 0; k < 3; k++) {
			static const int32_t id[3] = { 5001, 5003, 5008 };

			memset(&rec, 0, sizeof rec);
			rec.time_ms = S(0) + 1000 * k;
			rec.room = intern(ds, rooms[i]);
			rec.user = intern(ds, name);
			rec.kind = REC_EVENT;
			rec.id = id[k];
			rec.p1 = k ? 1 : -1;
			rec.p2 = -1;
			rec.stream = -1;
			if (i == 0 && k == 2)
				rec.id = 7001;   /* u0 times out */
			assert_int_equal(dataset_append(ds, &rec), RR_OK);
		}
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
	assert_int_equal(catalog_new(&cat), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(ds, cat, &so, m), RR_OK);
	catalog_free(cat);
}

/* By app: one row per SdkAppId (and "(not given)"), most sessions first,
 * only when the calls are of several apps. */
static void test_breakdown_by_app(void **state)
{
	static const char *const several[] = {
		"1400\xffr1", "1400\xffr1", "1400\xffr2", "1500\xffr3", "1500\xffr3", "r4" };
	static const char *const one[] = { "1400\xffr1", "1400\xffr2" };
	struct dataset ds;
	struct model m;
	struct report r;

	(void)state;
	app_model(&ds, &m, several, 6);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	assert_true(r.several_apps);
	assert_int_equal(r.nby_app, 3);
	assert_string_equal(r.by_app[0].key, "1400");
	assert_int_equal(r.by_app[0].sessions, 3);
	assert_int_equal(r.by_app[0].timeouts, 1);
	assert_int_equal(r.by_app[0].value[BF_TIMEOUTS_PM], 333);
	assert_string_equal(r.by_app[1].key, "1500");
	assert_int_equal(r.by_app[1].sessions, 2);
	assert_int_equal(r.by_app[1].value[BF_TIMEOUTS_PM], 0);
	assert_string_equal(r.by_app[2].key, "(not given)");
	assert_int_equal(r.by_app[2].sessions, 1);
	check_bd_rates(r.by_app, r.nby_app);
	report_free(&r);
	assert_null(r.by_app);
	model_free(&m);
	dataset_free(&ds);

	app_model(&ds, &m, one, 2);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	assert_false(r.several_apps);
	assert_int_equal(r.nby_app, 0);
	assert_null(r.by_app);
	report_free(&r);
	model_free(&m);
	dataset_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_percentiles_match_sort),
		cmocka_unit_test(test_breakdowns),
		cmocka_unit_test(test_breakdowns_out_of_memory),
		cmocka_unit_test(test_breakdown_rates),
		cmocka_unit_test(test_compare_breakdowns),
		cmocka_unit_test(test_breakdown_by_app),
		cmocka_unit_test(test_totals_and_days),
		cmocka_unit_test(test_empty_model),
		cmocka_unit_test(test_day_rows_aggregates),
		cmocka_unit_test(test_entry_rates),
		cmocka_unit_test(test_top_lists),
		cmocka_unit_test(test_top_truncated),
		cmocka_unit_test(test_worst_calls),
		cmocka_unit_test(test_call_files),
		cmocka_unit_test(test_call_files_stable),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_orphans_many),
		cmocka_unit_test(test_threads_same_report),
		cmocka_unit_test(test_threads_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
