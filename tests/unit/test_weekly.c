/*
 * Tests for the weekly-report figures of report.c: every per-day field,
 * the entry-latency and session-duration histograms, the users with
 * problems, the network breakdown, the headline figures, report_compare
 * against a hand-made baseline and report_select_pages, plus their JSON
 * (the JSON writer itself: test_json.c).
 * The model is written by hand (no sessions stage), so every expected
 * number below is derived from the table of sessions in this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "catalog.h"
#include "decode.h"
#include "json.h"
#include "report.h"
#include "sessions.h"
#include "strtab.h"
#include "tz.h"
#include "kit.h"
#include "util.h"

#define D1 1795132800000LL           /* 2026-11-20 00:00:00 UTC */
#define MIN(m) (D1 + (int64_t)(m) * 60000)
#define N RR_NONE

/* ---- the model ---- */

/*
 * Four calls, nine sessions, five users (interned "zed", "bob", "amy",
 * "cat", "dan" so strtab order is not name order):
 *  C0 r1 day 1 01:00: S0 amy normal, S1 bob timeout, S2 amy entry failed
 *  C1 r2 day 1 23:50: S3 cat kicked (starts day 1), S4 zed no exit (starts
 *                     day 2 00:10)
 *  C2 r1 day 2 10:00: S5 amy normal, S6 bob exit failed, S7 dan ongoing
 *  C3 r3 day 3 00:05: S8 dan timeout
 * Experiences at day 1 01:05 and 01:20, day 2 00:05, day 3 00:20 and one
 * orphan on day 4 01:20 (a day with no call or session).
 */
struct srow {
	uint32_t call;
	const char *user;
	int64_t start, dur;          /* ms */
	uint8_t entered;
	int64_t lat, ff;
	enum exit_reason exit;
	uint8_t network;             /* 1 + main network type (none, Wi-Fi, 4G, 3G, 2G,
					wired); 0 not reported */
	uint32_t errors, warnings, infos;
};

static const struct srow srows[] = {
	{ 0, "amy", MIN(60), 600000, 1, 800, 1500, EXIT_NORMAL, 2 /* Wi-Fi */, 0, 1, 0 },
	{ 0, "bob", MIN(61), 1800000, 1, 2500, 4000, EXIT_TIMEOUT, 3 /* 4G */, 1, 1, 0 },
	{ 0, "amy", MIN(75), 30000, 0, N, N, EXIT_ENTRY_FAILED, 0, 1, 0, 0 },
	{ 1, "cat", MIN(1430), 7800000, 1, 12000, 15000, EXIT_KICKED,
	  1 /* none */, 1, 2, 0 },
	{ 1, "zed", MIN(1450), 18000000, 1, 5000, N, EXIT_UNKNOWN, 4 /* 3G */, 0, 0, 0 },
	{ 2, "amy", MIN(2040), 60000, 1, 1000, 2000, EXIT_NORMAL, 2 /* Wi-Fi */, 0, 0, 1 },
	{ 2, "bob", MIN(2041), 59999, 1, 30000, 31000, EXIT_EXIT_FAILED, 5 /* 2G */, 0, 0, 0 },
	{ 2, "dan", MIN(2042), 900000, 1, 999, 1200, EXIT_ONGOING, 0, 0, 0, 1 },
	{ 3, "dan", MIN(2885), 3600000, 1, 4999, 5000, EXIT_TIMEOUT, 2 /* Wi-Fi */, 0, 0, 0 },
};
enum { NS = sizeof srows / sizeof srows[0] };

static const int64_t call_start[] = { MIN(60), MIN(1430), MIN(2040), MIN(2885) };
static const char *const call_room[] = { "r1", "r2", "r1", "r3" };
enum { NC = sizeof call_start / sizeof call_start[0] };

static const int64_t exp_time[] = { MIN(65), MIN(80), MIN(1445), MIN(2900), MIN(4400) };
enum { NX = sizeof exp_time / sizeof exp_time[0] };

struct fixture {
	struct dataset ds;
	struct model m;
	struct call calls[NC];
	struct session sessions[NS];
	struct finding findings[64];
	struct experience exps[NX];
};

static uint32_t intern(struct dataset *ds, const char *s)
{
	uint32_t id = 0;

	assert_int_equal(strtab_intern(ds->strs, s, strlen(s), &id), RR_OK);
	return id;
}

static void fixture_init(struct fixture *f)
{
	static const char *const order[] = { "zed", "bob", "amy", "cat", "dan" };
	uint32_t i, k, nf = 0;

	memset(f, 0, sizeof *f);
	assert_int_equal(dataset_init(&f->ds), RR_OK);
	for (i = 0; i < 5; i++)
		intern(&f->ds, order[i]);
	assert_int_equal(dataset_finish(&f->ds), RR_OK);
	for (i = 0; i < NC; i++) {
		f->calls[i].room = intern(&f->ds, call_room[i]);
		f->calls[i].start_ms = call_start[i];
		f->calls[i].end_ms = call_start[i];
		f->calls[i].created_ms = f->calls[i].destroyed_ms = RR_NONE;
		f->calls[i].room_info = RR_NOIDX;
	}
	for (i = 0; i < NS; i++) {
		const struct srow *w = &srows[i];
		struct session *s = &f->sessions[i];
		struct call *c = &f->calls[w->call];

		s->call = w->call;
		s->user = intern(&f->ds, w->user);
		s->platform = PLAT_SDK;
		s->exit = w->exit;
		s->entered = w->entered;
		s->entry_observed = 1;
		s->start_ms = w->start;
		s->end_ms = w->start + w->dur;
		s->entry_latency_ms = w->lat;
		s->first_frame_ms = w->ff;
		s->last_seen_ms = s->end_ms;
		s->network = w->network;
		s->user_info = RR_NOIDX;
		s->first_finding = nf;
		for (k = 0; k < w->errors + w->warnings + w->infos; k++) {
			struct finding *x = &f->findings[nf++];

			x->code = "test";
			x->severity = k < w->errors ? SEV_ERROR
				      : k < w->errors + w->warnings ? SEV_WARNING : SEV_INFO;
			x->time_ms = w->start;
			x->text = (char *)"finding";
			c->findings[x->severity]++;
		}
		s->nfindings = nf - s->first_finding;
		c->exits[w->exit]++;
		if (c->nsessions++ == 0)
			c->first_session = i;
		if (s->end_ms > c->end_ms)
			c->end_ms = s->end_ms;
	}
	for (i = 0; i < NX; i++) {
		f->exps[i].time_ms = exp_time[i];
		f->exps[i].call = f->exps[i].session = RR_NOIDX;
	}
	f->m.calls = f->calls;
	f->m.ncalls = NC;
	f->m.sessions = f->sessions;
	f->m.nsessions = NS;
	f->m.findings = f->findings;
	f->m.nfindings = nf;
	f->m.experiences = f->exps;
	f->m.nexperiences = NX;
	f->m.first_orphan_exp = NX - 1;
	f->m.norphan_exp = 1;
}

static void fixture_free(struct fixture *f)
{
	dataset_free(&f->ds);
}

/* ---- days ---- */

struct want_day {
	const char *date;
	uint32_t calls, sessions, users;
	int64_t user_ms;
	uint32_t entered, entry_failed, timeouts, kicks, no_exit;
	int64_t success_pm, fast_pm;
	uint64_t lat_n;
	int64_t lat_p50, lat_p95;
	uint64_t ff_n;
	int64_t ff_p50, ff_p95;
	uint32_t exps;
	int64_t exps_x10;
};

/*
 * Day 1: calls C0, C1 (C1 starts 23:50); sessions S0..S3; users amy, bob,
 * cat; 600000 + 1800000 + 30000 + 7800000 ms; latencies 800, 2500, 12000
 * (2 of 3 within 5 s: 667); first frames 1500, 4000, 15000; experiences
 * 01:05 and 01:20: 2 per 4 sessions = 50.0 per 100.
 * Day 2: C2; S4 (C1's, after midnight), S5..S7; users zed, amy, bob, dan;
 * 18000000 + 60000 + 59999 + 900000 ms; latencies 5000, 1000, 30000, 999
 * (3 of 4 within 5 s, 5000 included); first frames 2000, 31000, 1200; no
 * exit: S4 only (S7 is ongoing, S6 exit failed); 1 experience of 4.
 * Day 3: C3, S8 (timeout), latency 4999, frame 5000, 1 experience of 1.
 * Day 4: only the orphan experience.
 */
static const struct want_day want_days[] = {
	{ "2026-11-20", 2, 4, 3, 10230000, 3, 1, 1, 1, 0, 750, 667, 3, 2500, 12000,
	  3, 4000, 15000, 2, 500 },
	{ "2026-11-21", 1, 4, 4, 19019999, 4, 0, 0, 0, 1, 1000, 750, 4, 1000, 30000,
	  3, 2000, 31000, 1, 250 },
	{ "2026-11-22", 1, 1, 1, 3600000, 1, 0, 1, 0, 0, 1000, 1000, 1, 4999, 4999,
	  1, 5000, 5000, 1, 1000 },
	{ "2026-11-23", 0, 0, 0, 0, 0, 0, 0, 0, 0, N, N, 0, N, N, 0, N, N, 1, N },
};

static void check_day(const struct day *d, const struct want_day *w)
{
	print_message("day %s\n", w->date);
	assert_string_equal(d->date, w->date);
	assert_int_equal(d->calls, w->calls);
	assert_int_equal(d->sessions, w->sessions);
	assert_int_equal(d->users, w->users);
	assert_int_equal(d->user_ms, w->user_ms);
	assert_int_equal(d->entered, w->entered);
	assert_int_equal(d->entry_failed, w->entry_failed);
	assert_int_equal(d->timeouts, w->timeouts);
	assert_int_equal(d->kicks, w->kicks);
	assert_int_equal(d->no_exit, w->no_exit);
	assert_int_equal(d->entry_success_pm, w->success_pm);
	assert_int_equal(d->entry_fast_pm, w->fast_pm);
	assert_int_equal(d->entry_latency.n, w->lat_n);
	assert_int_equal(d->entry_latency.p50, w->lat_p50);
	assert_int_equal(d->entry_latency.p95, w->lat_p95);
	assert_int_equal(d->first_frame.n, w->ff_n);
	assert_int_equal(d->first_frame.p50, w->ff_p50);
	assert_int_equal(d->first_frame.p95, w->ff_p95);
	assert_int_equal(d->experiences, w->exps);
	assert_int_equal(d->experiences_per_100_x10, w->exps_x10);
}

static void test_days(void **state)
{
	struct fixture f;
	struct report r;
	size_t i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.ndays, 4);
	for (i = 0; i < 4; i++)
		check_day(&r.days[i], &want_days[i]);
	report_free(&r);
	fixture_free(&f);
}

/* In Asia/Shanghai (UTC+8) C1 (23:50 UTC) and S3 move to day 2 (07:50),
 * joining S4 (08:10); everything else stays on its day (C2 18:00, C3 and S8
 * 08:05 day 3; experiences 09:05 and 09:20 day 1, 08:05 day 2, 08:20 day 3,
 * 09:20 day 4). Day 1: S0..S2 (amy, bob), latencies 800, 2500, frames 1500,
 * 4000, 2 experiences per 3 sessions = 66.7 per 100. Day 2: S3..S7 (cat,
 * zed, amy, bob, dan), latencies sorted 999, 1000, 5000, 12000, 30000 (3 of
 * 5 within 5 s), frames 1200, 2000, 15000, 31000, 1 experience of 5. */
static void test_days_in_zone(void **state)
{
	static const struct want_day want[] = {
		{ "2026-11-20", 1, 3, 2, 2430000, 2, 1, 1, 0, 0, 667, 1000, 2, 800, 2500,
		  2, 1500, 4000, 2, 667 },
		{ "2026-11-21", 2, 5, 5, 26819999, 5, 0, 0, 1, 1, 1000, 600, 5, 5000, 30000,
		  4, 2000, 31000, 1, 200 },
		{ "2026-11-22", 1, 1, 1, 3600000, 1, 0, 1, 0, 0, 1000, 1000, 1, 4999, 4999,
		  1, 5000, 5000, 1, 1000 },
		{ "2026-11-23", 0, 0, 0, 0, 0, 0, 0, 0, 0, N, N, 0, N, N, 0, N, N, 1, N },
	};
	struct fixture f;
	struct report r;
	struct tz *z;
	char err[128];
	size_t i;

	(void)state;
	assert_int_equal(tz_open("Asia/Shanghai", &z, err, sizeof err), RR_OK);
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, z, &r), RR_OK);
	assert_int_equal(r.ndays, 4);
	for (i = 0; i < 4; i++)
		check_day(&r.days[i], &want[i]);
	report_free(&r);
	fixture_free(&f);
	tz_free(z);
}

/* ---- histograms ---- */

static void test_histograms(void **state)
{
	/* Latencies 800, 2500, 12000, 5000, 1000, 30000, 999, 4999: bounds
	 * belong to the upper bin (1000 -> 1-2 s, 5000 -> 5-10 s, 30000 ->
	 * 30 s+). Durations 10 min, 30 min, 30 s, 2 h 10 min, 5 h, 60 s,
	 * 59.999 s, 15 min, 60 min. */
	static const uint32_t want_lat[8] = { 2, 1, 1, 1, 1, 1, 0, 1 };
	static const uint32_t want_dur[8] = { 2, 1, 1, 1, 1, 1, 1, 1 };
	static const int64_t lat_lo[8] = { 0, 1000, 2000, 3000, 5000, 10000, 20000, 30000 };
	static const int64_t dur_lo[8] = { 0, 60000, 300000, 900000, 1800000, 3600000,
					   7200000, 14400000 };
	static const char *const lat_label[8] = {
		"0–1 s", "1–2 s", "2–3 s", "3–5 s", "5–10 s", "10–20 s", "20–30 s", "30 s+",
	};
	static const char *const dur_label[8] = {
		"0–1 min", "1–5 min", "5–15 min", "15–30 min", "30–60 min", "1–2 h", "2–4 h",
		"4 h+",
	};
	struct fixture f;
	struct report r;
	int i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.latency_hist.nbins, 8);
	assert_int_equal(r.duration_hist.nbins, 8);
	assert_int_equal(r.latency_hist.total, 8);
	assert_int_equal(r.duration_hist.total, 9);
	for (i = 0; i < 8; i++) {
		assert_int_equal(r.latency_hist.count[i], want_lat[i]);
		assert_int_equal(r.latency_hist.lo[i], lat_lo[i]);
		assert_string_equal(r.latency_hist.label[i], lat_label[i]);
		assert_int_equal(r.duration_hist.count[i], want_dur[i]);
		assert_int_equal(r.duration_hist.lo[i], dur_lo[i]);
		assert_string_equal(r.duration_hist.label[i], dur_label[i]);
	}
	report_free(&r);
	fixture_free(&f);
}

/* ---- problem users ---- */

static void test_problem_users(void **state)
{
	/* cat: 1 error, 2 warnings (S3, kicked). amy: S0 warning, S2 error and
	 * entry failure, S5 info; 3 sessions in C0 and C2. bob: S1 error,
	 * warning, timeout; S6; 2 sessions. dan: S7 info only, S8 timeout with
	 * no finding. zed: no exit only - not a problem. amy before bob on
	 * sessions. */
	static const struct {
		const char *user;
		uint32_t sessions, calls, errors, warnings, timeouts, kicks, entry_failed;
	} want[] = {
		{ "cat", 1, 1, 1, 2, 0, 1, 0 },
		{ "amy", 3, 2, 1, 1, 0, 0, 1 },
		{ "bob", 2, 2, 1, 1, 1, 0, 0 },
		{ "dan", 2, 2, 0, 0, 1, 0, 0 },
	};
	struct fixture f;
	struct report r;
	size_t i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.nproblem_users, 4);
	for (i = 0; i < 4; i++) {
		const struct problem_user *u = &r.problem_users[i];

		print_message("user %s\n", want[i].user);
		assert_string_equal(strtab_str(f.ds.strs, u->user), want[i].user);
		assert_int_equal(u->sessions, want[i].sessions);
		assert_int_equal(u->calls, want[i].calls);
		assert_int_equal(u->errors, want[i].errors);
		assert_int_equal(u->warnings, want[i].warnings);
		assert_int_equal(u->timeouts, want[i].timeouts);
		assert_int_equal(u->kicks, want[i].kicks);
		assert_int_equal(u->entry_failed, want[i].entry_failed);
	}
	report_free(&r);
	fixture_free(&f);
}

/* Twelve users tied on everything, interned in reverse name order: the
 * first REPORT_PROBLEM_USERS by name. */
static void test_problem_users_ties(void **state)
{
	struct session ss[12];
	struct finding fs[12];
	struct dataset ds;
	struct model m;
	struct report r;
	char name[8];
	int i;

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	memset(ss, 0, sizeof ss);
	memset(fs, 0, sizeof fs);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "u%02d", 11 - i);
		ss[i].user = intern(&ds, name);
		ss[i].call = 0;
		ss[i].exit = EXIT_NORMAL;
		ss[i].start_ms = ss[i].end_ms = D1;
		ss[i].entry_latency_ms = ss[i].first_frame_ms = RR_NONE;
		ss[i].first_finding = (uint32_t)i;
		ss[i].nfindings = 1;
		fs[i].code = "x";
		fs[i].severity = SEV_WARNING;
		fs[i].text = (char *)"x";
	}
	memset(&m, 0, sizeof m);
	m.sessions = ss;
	m.nsessions = 12;
	m.findings = fs;
	m.nfindings = 12;
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.nproblem_users, REPORT_PROBLEM_USERS);
	for (i = 0; i < REPORT_PROBLEM_USERS; i++) {
		snprintf(name, sizeof name, "u%02d", i);
		assert_string_equal(strtab_str(ds.strs, r.problem_users[i].user), name);
		assert_int_equal(r.problem_users[i].warnings, 1);
		assert_int_equal(r.problem_users[i].calls, 1);
	}
	report_free(&r);
	dataset_free(&ds);
}

/* ---- network breakdown ---- */

static void test_network_breakdown(void **state)
{
	/* Wi-Fi: S0 (amy), S5 (amy), S8 (dan, 1 ms, timeout); latencies 800,
	 * 1000, 4999. Not reported (no time on any type): S2 amy (not
	 * entered), S7 dan (999). S1 4G (1000000 beats Wi-Fi 800000); S3 ties
	 * no network / wired at 5000 -> no network; S4 3G; S6 2G. Singles by
	 * key text: "2G" < "3G" < "4G" < "no network". */
	static const struct {
		const char *key;
		uint32_t users, sessions, entered, timeouts;
		uint64_t n;
		int64_t p50, p95;
	} want[] = {
		{ "Wi-Fi", 2, 3, 3, 1, 3, 1000, 4999 },
		{ "(not reported)", 2, 2, 1, 0, 1, 999, 999 },
		{ "2G", 1, 1, 1, 0, 1, 30000, 30000 },
		{ "3G", 1, 1, 1, 0, 1, 5000, 5000 },
		{ "4G", 1, 1, 1, 1, 1, 2500, 2500 },
		{ "no network", 1, 1, 1, 0, 1, 12000, 12000 },
	};
	struct fixture f;
	struct report r;
	size_t i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.nby_network, 6);
	for (i = 0; i < 6; i++) {
		const struct breakdown *b = &r.by_network[i];

		print_message("row %s\n", want[i].key);
		assert_string_equal(b->key, want[i].key);
		assert_int_equal(b->users, want[i].users);
		assert_int_equal(b->sessions, want[i].sessions);
		assert_int_equal(b->entered, want[i].entered);
		assert_int_equal(b->timeouts, want[i].timeouts);
		assert_int_equal(b->entry_latency.n, want[i].n);
		assert_int_equal(b->entry_latency.p50, want[i].p50);
		assert_int_equal(b->entry_latency.p95, want[i].p95);
	}
	/* The names are the sessions stage's. */
	assert_string_equal(network_name(0), "no network");
	assert_string_equal(network_name(5), "wired");
	assert_null(network_name(6));
	assert_null(network_name(-1));
	report_free(&r);
	assert_null(r.by_network);
	assert_int_equal(r.nby_network, 0);
	fixture_free(&f);
}

/* ---- headline ---- */

/*
 * 4 calls, 9 sessions, 5 users, 32849999 ms (the days' sum); 8 of 9
 * entered (888.9 -> 889); latencies sorted 800, 999, 1000, 2500, 4999,
 * 5000, 12000, 30000: 6 within 5 s (750), p50 rank 4 = 2500, p95 rank 8 =
 * 30000; first frames sorted 1200, 1500, 2000, 4000, 5000, 15000, 31000:
 * p50 rank 4 = 4000; timeouts 2/9 (222.2), kicks, entry failures and no
 * exit 1/9 (111.1); 4 experiences in calls / 9 sessions = 44.44 per 100 -> 444 (the fifth, an
 * orphan, is of no call and not counted).
 */
static const struct {
	const char *key;
	int8_t better;
	uint8_t absolute;
	int64_t value;
} want_headline[HL__COUNT] = {
	{ "calls", 0, 0, 4 },
	{ "sessions", 0, 0, 9 },
	{ "users", 0, 0, 5 },
	{ "user_ms", 0, 0, 32849999 },
	{ "entry_success_pm", 1, 1, 889 },
	{ "entry_within_5s_pm", 1, 1, 750 },
	{ "entry_latency_p50_ms", -1, 0, 2500 },
	{ "entry_latency_p95_ms", -1, 0, 30000 },
	{ "first_frame_p50_ms", -1, 0, 4000 },
	{ "timeouts_pm", -1, 0, 222 },
	{ "kicks_pm", -1, 0, 111 },
	{ "entry_failed_pm", -1, 0, 111 },
	{ "no_exit_pm", -1, 0, 111 },
	{ "abnormal_experiences_per_100_x10", -1, 0, 444 },
};

static void test_headline(void **state)
{
	struct fixture f;
	struct report r;
	int i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	assert_int_equal(r.has_baseline, 0);
	assert_string_equal(r.baseline_name, "");
	for (i = 0; i < HL__COUNT; i++) {
		const struct headline *h = &r.headline[i];

		print_message("figure %s\n", want_headline[i].key);
		assert_string_equal(h->key, want_headline[i].key);
		assert_non_null(h->label);
		assert_true(h->label[0] != '\0');
		assert_int_equal(h->better, want_headline[i].better);
		assert_int_equal(h->absolute, want_headline[i].absolute);
		assert_int_equal(h->value, want_headline[i].value);
		assert_int_equal(h->previous, RR_NONE);
		assert_int_equal(h->change, RR_NONE);
		assert_int_equal(h->change_pm, RR_NONE);
		assert_int_equal(h->regression, 0);
	}
	assert_int_equal(r.user_ms, 32849999);
	report_free(&r);
	fixture_free(&f);
}

static void test_headline_empty(void **state)
{
	struct dataset ds;
	struct model m;
	struct report r;
	int i;

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	memset(&m, 0, sizeof m);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	for (i = HL_ENTRY_SUCCESS_PM; i < HL__COUNT; i++)
		assert_int_equal(r.headline[i].value, RR_NONE);
	for (i = HL_CALLS; i <= HL_USER_MS; i++)
		assert_int_equal(r.headline[i].value, 0);
	assert_null(r.call_page);
	assert_int_equal(r.npages, 0);
	assert_int_equal(r.nproblem_users, 0);
	assert_int_equal(r.nby_network, 0);
	assert_int_equal(r.latency_hist.total, 0);
	assert_int_equal(r.duration_hist.nbins, 8);
	report_select_pages(&r, REPORT_PAGES_PROBLEMS);
	assert_int_equal(r.npages, 0);
	report_free(&r);
	dataset_free(&ds);
}

/* ---- report_compare ---- */

struct cmp_case {
	const char *name;
	int8_t better;
	uint8_t absolute;
	int threshold;
	int64_t value;
	int have;
	int64_t previous;
	int64_t want_change, want_pm;
	int want_regression;
};

static const struct cmp_case cmp_cases[] = {
	/* Absolute (per mille) figures, higher is better: threshold 10 % ->
	 * 2 points = 20 per mille. */
	{ "rate down 21 per mille regresses", 1, 1, 10, 880, 1, 901, -21, -23, 1 },
	{ "rate down exactly 20 per mille does not", 1, 1, 10, 880, 1, 900, -20, -22, 0 },
	{ "rate up is no regression", 1, 1, 10, 950, 1, 900, 50, 56, 0 },
	{ "threshold 25: 50 per mille allowed", 1, 1, 25, 950, 1, 1000, -50, -50, 0 },
	{ "threshold 25: 51 per mille regresses", 1, 1, 25, 949, 1, 1000, -51, -51, 1 },
	/* Relative figures, lower is better. */
	{ "10.1 % up regresses", -1, 0, 10, 1101, 1, 1000, 101, 101, 1 },
	{ "exactly 10 % up does not", -1, 0, 10, 1100, 1, 1000, 100, 100, 0 },
	{ "10.035 % up regresses though change_pm rounds to 100", -1, 0, 10, 2500, 1, 2272,
	  228, 100, 1 },
	{ "down is better", -1, 0, 10, 500, 1, 1000, -500, -500, 0 },
	{ "up from 0 regresses, no relative change", -1, 0, 10, 3, 1, 0, 3, N, 1 },
	{ "0 to 0", -1, 0, 10, 0, 1, 0, 0, N, 0 },
	{ "threshold 0: any worsening", -1, 0, 0, 1001, 1, 1000, 1, 1, 1 },
	{ "higher-is-better relative down 11 %", 1, 0, 10, 89, 1, 100, -11, -110, 1 },
	/* Missing values. */
	{ "no previous", -1, 0, 10, 1000, 0, 5, N, N, 0 },
	{ "no value", -1, 0, 10, N, 1, 100, N, N, 0 },
	{ "previous given as null-like", 1, 1, 10, 900, 1, N, N, N, 0 },
	/* Volume figures never regress. */
	{ "volume up 900 %", 0, 0, 10, 10, 1, 1, 9, 9000, 0 },
	{ "volume down 90 %", 0, 0, 10, 1, 1, 10, -9, -900, 0 },
	/* Rounding half away from zero. */
	{ "+0.5 per mille rounds to 1", 0, 0, 10, 2001, 1, 2000, 1, 1, 0 },
	{ "-0.5 per mille rounds to -1", 0, 0, 10, 1999, 1, 2000, -1, -1, 0 },
	{ "-0.4995 per mille rounds to 0", 0, 0, 10, 2001, 1, 2002, -1, 0, 0 },
	/* Hostile baselines: no overflow. */
	{ "difference overflows: no change", -1, 0, 10, INT64_MAX, 1, -5, N, N, 0 },
	{ "huge relative change is clamped", 0, 0, 10, INT64_MAX - 1, 1, 1, INT64_MAX - 2,
	  INT64_MAX, 0 },
	{ "negative previous", 0, 0, 10, 10, 1, -10, 20, -2000, 0 },
};

static void test_compare_cases(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof cmp_cases / sizeof cmp_cases[0]; c++) {
		const struct cmp_case *tc = &cmp_cases[c];
		struct baseline b;
		struct report r;
		int k;

		print_message("case: %s\n", tc->name);
		memset(&r, 0, sizeof r);
		memset(&b, 0, sizeof b);
		/* Every figure gets the case, so the index mapping is tested
		 * too: figure k's previous is b.value[k]. */
		for (k = 0; k < HL__COUNT; k++) {
			r.headline[k].better = tc->better;
			r.headline[k].absolute = tc->absolute;
			r.headline[k].value = tc->value;
			b.have[k] = (uint8_t)tc->have;
			b.value[k] = tc->have ? tc->previous : 12345;
		}
		report_compare(&r, &b, "old.json", tc->threshold);
		assert_int_equal(r.has_baseline, 1);
		assert_string_equal(r.baseline_name, "old.json");
		for (k = 0; k < HL__COUNT; k++) {
			const struct headline *h = &r.headline[k];

			assert_int_equal(h->previous, tc->have ? tc->previous : RR_NONE);
			assert_int_equal(h->change, tc->want_change);
			assert_int_equal(h->change_pm, tc->want_pm);
			assert_int_equal(h->regression, tc->want_regression);
		}
	}
}

/* A sampled figure (abnormal experiences) gets the same previous value and
 * change as any other, but never the regression mark, whatever the case. */
static void test_compare_sampled(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof cmp_cases / sizeof cmp_cases[0]; c++) {
		const struct cmp_case *tc = &cmp_cases[c];
		struct baseline b;
		struct report r;
		int k;

		print_message("case: %s\n", tc->name);
		memset(&r, 0, sizeof r);
		memset(&b, 0, sizeof b);
		for (k = 0; k < HL__COUNT; k++) {
			r.headline[k].better = tc->better;
			r.headline[k].absolute = tc->absolute;
			r.headline[k].sampled = k % 2;
			r.headline[k].value = tc->value;
			b.have[k] = (uint8_t)tc->have;
			b.value[k] = tc->have ? tc->previous : 12345;
		}
		report_compare(&r, &b, "old.json", tc->threshold);
		for (k = 0; k < HL__COUNT; k++) {
			const struct headline *h = &r.headline[k];

			assert_int_equal(h->change, tc->want_change);
			assert_int_equal(h->change_pm, tc->want_pm);
			assert_int_equal(h->regression, k % 2 ? 0 : tc->want_regression);
		}
	}
}

/* The report marks only the abnormal-experience rate as sampled. */
static void test_headline_sampled(void **state)
{
	struct fixture f;
	struct baseline b;
	struct report r;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	for (int k = 0; k < HL__COUNT; k++)
		assert_int_equal(r.headline[k].sampled, k == HL_EXPERIENCES_PER_100_X10);
	assert_non_null(strstr(r.headline[HL_EXPERIENCES_PER_100_X10].label, "(sample)"));
	/* From 0 to any rate: worse, lower is better, but a sample. */
	memset(&b, 0, sizeof b);
	b.have[HL_EXPERIENCES_PER_100_X10] = 1;
	b.value[HL_EXPERIENCES_PER_100_X10] = 0;
	b.have[HL_TIMEOUTS_PM] = 1;
	b.value[HL_TIMEOUTS_PM] = 0;
	report_compare(&r, &b, "old.json", 10);
	assert_true(r.headline[HL_EXPERIENCES_PER_100_X10].value > 0);
	assert_int_equal(r.headline[HL_EXPERIENCES_PER_100_X10].change,
			 r.headline[HL_EXPERIENCES_PER_100_X10].value);
	assert_int_equal(r.headline[HL_EXPERIENCES_PER_100_X10].regression, 0);
	assert_int_equal(r.headline[HL_TIMEOUTS_PM].regression, 1);
	report_free(&r);
	fixture_free(&f);
}

static void test_compare_report(void **state)
{
	struct fixture f;
	struct baseline b;
	struct report r;
	char name[600];
	size_t i;

	(void)state;
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, NULL, NULL, NULL, &r), RR_OK);
	memset(&b, 0, sizeof b);
	b.have[HL_CALLS] = 1;
	b.value[HL_CALLS] = 2;                  /* +2, +1000 per mille, volume */
	b.have[HL_ENTRY_SUCCESS_PM] = 1;
	b.value[HL_ENTRY_SUCCESS_PM] = 910;     /* 889: -21 per mille: regression */
	b.have[HL_ENTRY_FAST_PM] = 1;
	b.value[HL_ENTRY_FAST_PM] = 770;        /* 750: -20: not beyond 20 */
	b.have[HL_TIMEOUTS_PM] = 1;
	b.value[HL_TIMEOUTS_PM] = 0;            /* 222 from 0: regression */
	b.have[HL_KICKS_PM] = 1;
	b.value[HL_KICKS_PM] = 101;             /* 111: +9.9 %: not beyond 10 % */
	b.have[HL_ENTRY_FAILED_PM] = 1;
	b.value[HL_ENTRY_FAILED_PM] = 100;      /* 111: +11 %: regression */
	b.have[HL_FIRST_FRAME_P50] = 1;
	b.value[HL_FIRST_FRAME_P50] = 5000;     /* 4000: better */
	/* A long name of 2-byte characters is cut whole. */
	for (i = 0; i + 2 < sizeof name; i += 2)
		memcpy(name + i, "\xc3\xa9", 2);
	name[i] = '\0';
	report_compare(&r, &b, name, 10);
	assert_int_equal(r.has_baseline, 1);
	assert_int_equal(strlen(r.baseline_name), 254);
	assert_true(utf8_valid(r.baseline_name, strlen(r.baseline_name)));

	assert_int_equal(r.headline[HL_CALLS].change, 2);
	assert_int_equal(r.headline[HL_CALLS].change_pm, 1000);
	assert_int_equal(r.headline[HL_CALLS].regression, 0);
	assert_int_equal(r.headline[HL_ENTRY_SUCCESS_PM].previous, 910);
	assert_int_equal(r.headline[HL_ENTRY_SUCCESS_PM].change, -21);
	assert_int_equal(r.headline[HL_ENTRY_SUCCESS_PM].change_pm, -23);
	assert_int_equal(r.headline[HL_ENTRY_SUCCESS_PM].regression, 1);
	assert_int_equal(r.headline[HL_ENTRY_FAST_PM].change, -20);
	assert_int_equal(r.headline[HL_ENTRY_FAST_PM].regression, 0);
	assert_int_equal(r.headline[HL_TIMEOUTS_PM].change, 222);
	assert_int_equal(r.headline[HL_TIMEOUTS_PM].change_pm, RR_NONE);
	assert_int_equal(r.headline[HL_TIMEOUTS_PM].regression, 1);
	assert_int_equal(r.headline[HL_KICKS_PM].change_pm, 99);
	assert_int_equal(r.headline[HL_KICKS_PM].regression, 0);
	assert_int_equal(r.headline[HL_ENTRY_FAILED_PM].change_pm, 110);
	assert_int_equal(r.headline[HL_ENTRY_FAILED_PM].regression, 1);
	assert_int_equal(r.headline[HL_FIRST_FRAME_P50].change, -1000);
	assert_int_equal(r.headline[HL_FIRST_FRAME_P50].change_pm, -200);
	assert_int_equal(r.headline[HL_FIRST_FRAME_P50].regression, 0);
	/* Not in the baseline. */
	assert_int_equal(r.headline[HL_SESSIONS].previous, RR_NONE);
	assert_int_equal(r.headline[HL_SESSIONS].change, RR_NONE);
	assert_int_equal(r.headline[HL_NO_EXIT_PM].regression, 0);

	/* Compared again (no baseline figures, no name): reset. */
	memset(&b, 0, sizeof b);
	report_compare(&r, &b, NULL, 10);
	assert_string_equal(r.baseline_name, "");
	for (i = 0; i < HL__COUNT; i++) {
		assert_int_equal(r.headline[i].previous, RR_NONE);
		assert_int_equal(r.headline[i].regression, 0);
		assert_int_equal(r.headline[i].value, want_headline[i].value);
	}
	report_free(&r);
	fixture_free(&f);
}

/* ---- report_select_pages ---- */

static void test_select_pages(void **state)
{
	/* warnings, errors, infos, timeouts, kicks, entry failures, exit
	 * failures, unknown exits -> a page under "problems": an error, an
	 * exit of those four kinds, or SEVERITY_PAGE_WARNINGS (3) warnings */
	static const struct {
		uint32_t warn, err, info, timeout, kick, ef, xf, unk;
		uint8_t want;
	} calls[] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 1, 0, 0, 0, 0, 0, 0, 0, 0 },   /* one warning: no page */
		{ 2, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 3, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0, 1, 0, 0, 0, 0, 0, 0, 1 },
		{ 0, 0, 5, 0, 0, 0, 0, 0, 0 },   /* info findings only */
		{ 0, 0, 0, 1, 0, 0, 0, 0, 1 },
		{ 0, 0, 0, 0, 1, 0, 0, 0, 1 },
		{ 0, 0, 0, 0, 0, 1, 0, 0, 1 },
		{ 0, 0, 0, 0, 0, 0, 1, 1, 1 },   /* a failed exit: a page */
		{ 0, 0, 0, 0, 0, 0, 0, 1, 0 },   /* no exit recorded only: no page */
	};
	enum { NP = sizeof calls / sizeof calls[0] };
	struct call cs[NP];
	struct dataset ds;
	struct model m;
	struct report r;
	size_t i;

	(void)state;
	memset(cs, 0, sizeof cs);
	for (i = 0; i < NP; i++) {
		cs[i].findings[SEV_WARNING] = calls[i].warn;
		cs[i].findings[SEV_ERROR] = calls[i].err;
		cs[i].findings[SEV_INFO] = calls[i].info;
		cs[i].exits[EXIT_TIMEOUT] = calls[i].timeout;
		cs[i].exits[EXIT_KICKED] = calls[i].kick;
		cs[i].exits[EXIT_ENTRY_FAILED] = calls[i].ef;
		cs[i].exits[EXIT_EXIT_FAILED] = calls[i].xf;
		cs[i].exits[EXIT_UNKNOWN] = calls[i].unk;
		cs[i].start_ms = D1 + (int64_t)i;
	}
	memset(&m, 0, sizeof m);
	m.calls = cs;
	m.ncalls = NP;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(report_build(&ds, &m, NULL, NULL, NULL, &r), RR_OK);
	/* All by default. */
	assert_non_null(r.call_page);
	assert_int_equal(r.npages, NP);
	for (i = 0; i < NP; i++)
		assert_int_equal(r.call_page[i], 1);
	report_select_pages(&r, REPORT_PAGES_PROBLEMS);
	assert_int_equal(r.npages, 6);
	for (i = 0; i < NP; i++) {
		print_message("call %zu\n", i);
		assert_int_equal(r.call_page[i], calls[i].want);
	}
	report_select_pages(&r, REPORT_PAGES_NONE);
	assert_int_equal(r.npages, 0);
	for (i = 0; i < NP; i++)
		assert_int_equal(r.call_page[i], 0);
	report_select_pages(&r, REPORT_PAGES_ALL);
	assert_int_equal(r.npages, NP);
	for (i = 0; i < NP; i++)
		assert_int_equal(r.call_page[i], 1);
	report_free(&r);
	assert_null(r.call_page);
	assert_int_equal(r.npages, 0);
	dataset_free(&ds);
}

/* ---- JSON ---- */

static char *json_of(const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(json_write(r, f), RR_OK);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("missing in JSON: %s", needle);
}

static void test_json(void **state)
{
	struct decode_stats dec;
	struct fixture f;
	struct baseline b;
	struct report r;
	char *js;

	(void)state;
	memset(&dec, 0, sizeof dec);
	fixture_init(&f);
	assert_int_equal(report_build(&f.ds, &f.m, &dec, NULL, NULL, &r), RR_OK);
	report_select_pages(&r, REPORT_PAGES_PROBLEMS);
	js = json_of(&r);
	assert_contains(js, "\"days\":[{\"date\":\"2026-11-20\",\"calls\":2,\"sessions\":4,"
			"\"users\":3,\"user_ms\":10230000,\"entered\":3,\"entry_observed\":4,\"entry_failed\":1,"
			"\"timeouts\":1,\"kicks\":1,\"no_exit\":0,\"entry_success_pm\":750,"
			"\"entry_within_5s_pm\":667,"
			"\"entry_latency_ms\":{\"n\":3,\"p50\":2500,\"p95\":12000},"
			"\"first_frame_ms\":{\"n\":3,\"p50\":4000,\"p95\":15000},"
			"\"abnormal_experiences\":2,\"abnormal_experiences_per_100_x10\":500,"
			"\"abnormal_experiences_sampled\":true,\"partial\":false}");
	assert_contains(js, "{\"date\":\"2026-11-23\",\"calls\":0,\"sessions\":0,\"users\":0,"
			"\"user_ms\":0,\"entered\":0,\"entry_observed\":0,\"entry_failed\":0,\"timeouts\":0,"
			"\"kicks\":0,\"no_exit\":0,\"entry_success_pm\":null,"
			"\"entry_within_5s_pm\":null,"
			"\"entry_latency_ms\":{\"n\":0,\"p50\":null,\"p95\":null},"
			"\"first_frame_ms\":{\"n\":0,\"p50\":null,\"p95\":null},"
			"\"abnormal_experiences\":1,\"abnormal_experiences_per_100_x10\":null,"
			"\"abnormal_experiences_sampled\":true,\"partial\":true}]");
	assert_contains(js, "\"headline\":{\"calls\":4,\"sessions\":9,\"users\":5,"
			"\"user_ms\":32849999,\"entry_success_pm\":889,"
			"\"entry_within_5s_pm\":750,\"entry_latency_p50_ms\":2500,"
			"\"entry_latency_p95_ms\":30000,\"first_frame_p50_ms\":4000,"
			"\"timeouts_pm\":222,\"kicks_pm\":111,\"entry_failed_pm\":111,"
			"\"no_exit_pm\":111,\"abnormal_experiences_per_100_x10\":444},"
			"\"baseline\":null");
	assert_contains(js, "\"distributions\":{\"entry_latency\":[{\"label\":\"0–1 s\","
			"\"lo_ms\":0,\"count\":2},{\"label\":\"1–2 s\",\"lo_ms\":1000,\"count\":1}");
	assert_contains(js, "{\"label\":\"4 h+\",\"lo_ms\":14400000,\"count\":1}]}");
	assert_contains(js, "\"problem_users\":[{\"user_id\":\"cat\",\"sessions\":1,\"calls\":1,"
			"\"errors\":1,\"warnings\":2,\"timeouts\":0,\"kicks\":1,"
			"\"entry_failed\":0},{\"user_id\":\"amy\"");
	assert_contains(js, "\"network\":[{\"key\":\"Wi-Fi\",\"users\":2,\"sessions\":3,");
	assert_contains(js, "\"top_events\":{\"by_count\":[],\"by_users\":[]},"
			"\"top_causes\":{\"by_count\":[],\"by_users\":[]}");
	/* C2 has info findings and bob's failed exit: a page under "problems"
	 * too (every call has one). */
	assert_true(strstr(js, "\"page\":null,") == NULL);
	assert_contains(js, "\"pages\":4");
	/* Worst: C0 (S1's and S2's errors, S0's and S1's warnings) before C1
	 * (1 error); C2 has info findings only, C3 none. */
	assert_contains(js, "\"worst_calls\":[{\"call\":0,\"room_id\":\"r1\",\"sdk_app_id\":null,\"comm_id\":null,"
			"\"start_ms\":1795136400000,\"errors\":2,\"warnings\":2,\"timeouts\":1,"
			"\"kicks\":0,\"entry_failed\":1,\"page\":\"calls/r1-");
	free(js);

	memset(&b, 0, sizeof b);
	b.have[HL_TIMEOUTS_PM] = 1;
	b.value[HL_TIMEOUTS_PM] = 200;
	report_compare(&r, &b, "last<week>.json", 10);
	js = json_of(&r);
	assert_contains(js, "\"baseline\":{\"file\":\"last\\u003cweek\\u003e.json\","
			"\"figures\":{\"calls\":{\"value\":4,\"previous\":null,\"change\":null,"
			"\"change_pm\":null,\"regression\":false},");
	assert_contains(js, "\"timeouts_pm\":{\"value\":222,\"previous\":200,\"change\":22,"
			"\"change_pm\":110,\"regression\":true}");
	free(js);
	report_free(&r);
	fixture_free(&f);
}

/* ---- allocation failures ---- */

static void test_out_of_memory(void **state)
{
	struct fixture f;
	struct report r;
	unsigned long n;
	int ok = 0;

	(void)state;
	fixture_init(&f);
	for (n = 1; n < 1000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = report_build(&f.ds, &f.m, NULL, NULL, NULL, &r);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(r.ndays, 4);
			assert_int_equal(r.nproblem_users, 4);
			assert_int_equal(r.nby_network, 6);
			assert_int_equal(r.npages, NC);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(r.days);
			assert_null(r.problem_users);
			assert_null(r.by_network);
			assert_null(r.call_page);
			assert_int_equal(r.npages, 0);
		}
		report_free(&r);
	}
	assert_true(ok);
	assert_true(n > 10);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_days_in_zone),
		cmocka_unit_test(test_histograms),
		cmocka_unit_test(test_problem_users),
		cmocka_unit_test(test_problem_users_ties),
		cmocka_unit_test(test_network_breakdown),
		cmocka_unit_test(test_headline),
		cmocka_unit_test(test_headline_empty),
		cmocka_unit_test(test_compare_cases),
		cmocka_unit_test(test_compare_sampled),
		cmocka_unit_test(test_headline_sampled),
		cmocka_unit_test(test_compare_report),
		cmocka_unit_test(test_select_pages),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
