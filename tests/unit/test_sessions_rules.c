/*
 * Tests for sessions_rules.c: each rule of DESIGN §3 that decides sessions
 * (opening, entering, closing, refining, same millisecond, late timeouts)
 * and the metrics the walk measures, as rows of tables: an event list in,
 * the sessions expected out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dataset.h"
#include "sessions.h"
#include "tz.h"
#include "kit.h"
#include "util.h"
#include "test_sessions_kit.h"
#include "test_sessions_tables.h"

/* ---- sessions: one table row per rule ---- */

static void test_session_rules(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof session_cases / sizeof session_cases[0]; c++) {
		const struct session_case *tc = &session_cases[c];
		struct dataset ds;
		struct model m;
		uint32_t i;

		print_message("case: %s\n", tc->name);
		build(tc->rows, &ds, &m);
		assert_int_equal(m.ncalls, 1);
		assert_int_equal(m.nsessions, tc->nwant);
		assert_int_equal(m.calls[0].outside_events, tc->outside);
		for (i = 0; i < tc->nwant; i++) {
			const struct want_session *w = &tc->want[i];
			const struct session *s = &m.sessions[i];

			assert_string_equal(str(&ds, s->user), w->user);
			assert_int_equal(s->start_ms, S(w->start));
			assert_int_equal(s->end_ms, S(w->end));
			assert_int_equal(s->last_seen_ms, S(w->last_seen));
			assert_string_equal(exit_reason_name(s->exit), exit_reason_name(w->exit));
			assert_int_equal(s->start_observed, w->observed);
			assert_int_equal(s->entered, w->entered);
			assert_int_equal(s->entry_latency_ms, w->latency_ms);
			assert_string_equal(platform_name(s->platform), platform_name(w->platform));
			assert_int_equal(s->reentries, w->reentries);
			assert_int_equal(s->call, 0);
		}
		model_free(&m);
		dataset_free(&ds);
	}
}

/* ---- metrics ---- */

static void test_metrics(void **state)
{
	static const struct row rows[] = {
		E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 3, 5007, -1),
		E("u", 3.5, 5007, -1), E("u", 4, 5009, -1), E("u", 5, 3003, 10), E("u", 5.5, 3003, 11),
		E2("u", 6, 6001, 1, 2), E("u", 10, 1003, 0), E("u", 12, 1003, 0), E("u", 57, 1003, 2),
		E("u", 60, 2001, 1), E("u", 70, 2001, 0), E("u", 80, 2001, 1), E("u", 81, 3001, 1),
		E("u", 82, 4001, 0), E("u", 83, 32770, -1), E("u", 84, 4003, 640), E("u", 85, 4008, 15),
		E("u", 86, 4011, -1), E("u", 87, 2002, 4), E("u", 88, 4002, 1),
		E("u", 100, 5008, 1), END,
	};
	struct sessions_options o;
	struct dataset ds;
	struct model m, plain;
	const struct session *s;
	const struct session_detail *d;

	(void)state;
	sessions_options_init(&o);
	o.details = 1;
	load(&ds, rows);
	assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
	assert_int_equal(m.nsessions, 1);
	assert_non_null(m.details);
	s = &m.sessions[0];
	d = &m.details[0];
	assert_int_equal(s->first_frame_ms, 3000);
	assert_int_equal(s->net_changes, 3);
	assert_int_equal(s->outages, 2);
	assert_int_equal(s->outage_ms, 47000);
	/* 8 s on Wi-Fi, 47 s without network, 43 s on 4G: mostly "no network". */
	assert_int_equal(s->network, 1);
	assert_int_equal(s->background_ms, 30000);
	assert_int_equal(s->nevents, 24);
	assert_int_equal(d->entered_ms, S(1));
	assert_int_equal(d->first_audio_ms, 4000);
	assert_int_equal(d->net_ms[0], 47000);
	assert_int_equal(d->net_ms[1], 8000);
	assert_int_equal(d->net_ms[2], 43000);
	assert_int_equal(d->net_ms[3], 0);
	assert_int_equal(d->mic_changes, 1);
	assert_int_equal(d->camera_changes, 3);
	assert_int_equal(d->video_changes, 2);
	assert_int_equal(d->device_failures, 2);
	assert_int_equal(d->permission_failures, 1);
	assert_int_equal(d->audio_codec, 11);
	assert_int_equal(d->qos_mode, 1);
	assert_int_equal(d->qos_scene, 2);

	/* Without asking, the same sessions and no details. */
	o.details = 0;
	assert_int_equal(sessions_build(&ds, kit_cat, &o, &plain), RR_OK);
	assert_null(plain.details);
	assert_int_equal(plain.nsessions, 1);
	assert_memory_equal(&plain.sessions[0], s, sizeof *s);
	model_free(&plain);
	model_free(&m);
	dataset_free(&ds);
}

/* The network a session spent most time on (the breakdown key). */
static void test_main_network(void **state)
{
	static const struct {
		const char *name;
		struct row rows[8];
		uint8_t network;
	} cases[] = {
		{ "no 1003: not reported",
		  { E("u", 0, 5001, -1), E("u", 10, 5008, 1), END }, 0 },
		{ "a 1003 only at the very end: not reported",
		  { E("u", 0, 5001, -1), E("u", 10, 1003, 2), E("u", 10, 5008, 1), END }, 0 },
		{ "Wi-Fi then longer on 4G",
		  { E("u", 0, 5001, -1), E("u", 1, 1003, 1), E("u", 3, 1003, 2), E("u", 10, 5008, 1),
		    END }, 3 },
		{ "equal time on 4G and Wi-Fi: the lower type",
		  { E("u", 0, 5001, -1), E("u", 0, 1003, 2), E("u", 5, 1003, 1), E("u", 10, 5008, 1),
		    END }, 2 },
		{ "an unlisted type counts for nothing",
		  { E("u", 0, 5001, -1), E("u", 0, 1003, 9), E("u", 8, 1003, 5), E("u", 10, 5008, 1),
		    END }, 6 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct dataset ds;
		struct model m;

		print_message("case: %s\n", cases[c].name);
		build(cases[c].rows, &ds, &m);
		assert_int_equal(m.nsessions, 1);
		assert_int_equal(m.sessions[0].network, cases[c].network);
		model_free(&m);
		dataset_free(&ds);
	}
}

/* ---- issue 14: entry not seen, same millisecond, late timeout, attachment ---- */

/* DESIGN §3: entered is a fact only where the entry was observed. */
static const struct {
	const char *name;
	struct row rows[8];
	uint8_t entered[3], observed[3];
	uint32_t nwant;
} entry_cases[] = {
	{ "issue 14 item 2 (tom): start before the export, left normally: entry not seen",
	  { E("tom", 30, 1003, 1), E("tom", 1200, 7001, 0), END }, { 0 }, { 0 }, 1 },
	{ "no opening or closing event at all: entry not seen",
	  { E("u", 0, 1003, 1), E("u", 5, 3001, 0), END }, { 0 }, { 0 }, 1 },
	{ "a lone closing event: entry not seen",
	  { E("u", 3, 5008, 1), END }, { 0 }, { 0 }, 1 },
	{ "an observed opening that never entered: did not enter",
	  { E("u", 0, 5001, -1), E("u", 5, 3001, 0), END }, { 0 }, { 1 }, 1 },
	{ "an entry failure of its own, start not seen: did not enter",
	  { E("u", 0, 1003, 1), E("u", 5, 5003, 0), END }, { 0 }, { 1 }, 1 },
	{ "an entry failure refining an unobserved close: did not enter",
	  { E("u", 0, 1003, 1), E("u", 2, 7001, 1), E("u", 3, 5003, 0), END }, { 0 }, { 1 }, 1 },
	{ "entered on 5003/1 or 7000 without the opening: entered",
	  { E("u", 5, 5003, 1), E("u", 20, 7001, 0), E("u", 30, 7000, 0), E("u", 40, 5008, 1),
	    END }, { 1, 1 }, { 1, 1 }, 2 },
	{ "WebRTC 32788 opens and enters",
	  { E("u", 0, 32788, -1), E("u", 9, 32789, -1), END }, { 1 }, { 1 }, 1 },
	{ "an unobserved session after an observed one: only the first is seen",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 5008, 1), E("u", 20, 3001, 1),
	    E("u", 30, 7001, 0), END }, { 1, 0 }, { 1, 0 }, 2 },
};

static void test_entry_observed(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof entry_cases / sizeof entry_cases[0]; c++) {
		struct dataset ds;
		struct model m;

		print_message("case: %s\n", entry_cases[c].name);
		build(entry_cases[c].rows, &ds, &m);
		assert_int_equal(m.nsessions, entry_cases[c].nwant);
		for (uint32_t i = 0; i < m.nsessions; i++) {
			assert_int_equal(m.sessions[i].entered, entry_cases[c].entered[i]);
			assert_int_equal(m.sessions[i].entry_observed, entry_cases[c].observed[i]);
		}
		model_free(&m);
		dataset_free(&ds);
	}
}

/*
 * DESIGN §1/§3: the order of rows inside one millisecond means nothing.
 * Every permutation of each case's rows gives the same sessions, outside
 * events and finding texts.
 */
struct ms_case {
	const char *name;
	struct row rows[8];
	uint32_t nrows;
	struct want_session want[3];
	uint32_t nevents[3];
	uint32_t nwant;
	uint32_t outside;
};

static const struct ms_case ms_cases[] = {
	{ "issue 14 item 7 (WebRTC): 32769 in the millisecond of 32788 is inside",
	  { E("u", 0, 32769, -1), E("u", 0, 32788, -1), E("u", 5, 32789, -1) }, 3,
	  { { "u", 0, 5, 0, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 } }, { 3 }, 1, 0 },
	{ "official example: four events of the entered millisecond, then one later",
	  { E("u", 0, 32769, -1), E("u", 0, 32791, -1), E("u", 0, 32768, -1),
	    E("u", 0, 32788, -1), E("u", 70, 32793, -1) }, 5,
	  { { "u", 0, 70, 70, EXIT_UNKNOWN, 1, 1, NONE, PLAT_WEBRTC, 0 } }, { 5 }, 1, 0 },
	{ "SDK: network, mic and entry in the millisecond of 5001",
	  { E("u", 0, 1003, 1), E("u", 0, 3001, 1), E("u", 0, 5003, 1), E("u", 0, 5001, -1),
	    E("u", 10, 5008, 1) }, 5,
	  { { "u", 0, 10, 0, EXIT_NORMAL, 1, 1, 0, PLAT_SDK, 0 } }, { 5 }, 1, 0 },
	{ "a closing and an opening in one millisecond: close first, then open",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 7001, 0), E("u", 10, 5001, -1),
	    E("u", 10, 5003, 1), E("u", 10, 3001, 0), E("u", 20, 5008, 1) }, 7,
	  { { "u", 0, 10, 1, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 },
	    { "u", 10, 20, 10, EXIT_NORMAL, 1, 1, 0, PLAT_SDK, 0 } }, { 3, 4 }, 2, 0 },
	{ "WebRTC: leave and enter again in one millisecond",
	  { E("u", 0, 32788, -1), E("u", 8, 32789, -1), E("u", 8, 32788, -1), E("u", 8, 32769, -1),
	    E("u", 15, 32789, -1) }, 5,
	  { { "u", 0, 8, 0, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 },
	    { "u", 8, 15, 8, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 } }, { 2, 3 }, 2, 0 },
	{ "an event in the millisecond of the closing is inside the closed session",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 3001, 0), E("u", 10, 7001, 0),
	    E("u", 10, 5008, 1) }, 5,
	  { { "u", 0, 10, 10, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, { 5 }, 1, 0 },
	{ "the first events: an opening and its entry failure in one millisecond",
	  { E("u", 0, 5003, 0), E("u", 0, 5001, -1), E("u", 0, 1003, 1) }, 3,
	  { { "u", 0, 0, 0, EXIT_ENTRY_FAILED, 1, 0, NONE, PLAT_SDK, 0 } }, { 3 }, 1, 0 },
	{ "a late exit in the millisecond of the next opening refines the closed session",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 5008, 1), E("u", 30, 7001, 1),
	    E("u", 30, 5001, -1), E("u", 31, 5003, 1), E("u", 40, 5008, 1) }, 7,
	  { { "u", 0, 10, 1, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 },
	    { "u", 30, 40, 31, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, { 4, 3 }, 2, 0 },
	{ "waiting events, then a closing and an opening in one millisecond",
	  { E("u", 0, 1003, 1), E("u", 5, 3001, 0), E("u", 9, 5001, -1), E("u", 9, 7001, 0),
	    E("u", 9, 4001, 1), E("u", 12, 5008, 1) }, 6,
	  { { "u", 0, 9, 5, EXIT_NORMAL, 0, 0, NONE, PLAT_SDK, 0 },
	    { "u", 9, 12, 9, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 } }, { 3, 3 }, 2, 0 },
	{ "network reports of one millisecond: one outcome",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 4, 1003, 0), E("u", 4, 1003, 2),
	    E("u", 4, 1003, 1), E("u", 9, 5008, 1) }, 6,
	  { { "u", 0, 9, 4, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, { 6 }, 1, 0 },
};

/* Builds one order of a case and checks it; texts collects the finding
 * texts of the first order, which every other order must repeat. */
static void ms_check(const struct ms_case *tc, const struct row *rows, char *texts, size_t cap)
{
	struct dataset ds;
	struct model m;
	char got[2048] = "";

	build(rows, &ds, &m);
	assert_int_equal(m.ncalls, 1);
	check_sessions(&ds, &m, tc->want, tc->nwant);
	for (uint32_t i = 0; i < tc->nwant; i++)
		assert_int_equal(m.sessions[i].nevents, tc->nevents[i]);
	assert_int_equal(m.calls[0].outside_events, tc->outside);
	for (uint32_t i = 0; i < m.nfindings; i++) {
		strncat(got, m.findings[i].text, sizeof got - strlen(got) - 2);
		strcat(got, "|");
	}
	if (!texts[0])
		snprintf(texts, cap, "%s", got[0] ? got : "|");
	else
		assert_string_equal(got[0] ? got : "|", texts);
	model_free(&m);
	dataset_free(&ds);
}

static void test_same_millisecond_any_order(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof ms_cases / sizeof ms_cases[0]; c++) {
		const struct ms_case *tc = &ms_cases[c];
		struct row rows[9];
		uint32_t n = tc->nrows, idx[8], cnt[8] = { 0 }, i = 0, perms = 1;
		char texts[2048] = "";

		print_message("case: %s\n", tc->name);
		for (uint32_t k = 0; k < n; k++)
			idx[k] = k;
		/* Heap's algorithm: every order of the rows once. */
		for (;;) {
			for (uint32_t k = 0; k < n; k++)
				rows[k] = tc->rows[idx[k]];
			rows[n] = (struct row)END;
			ms_check(tc, rows, texts, sizeof texts);
			while (i < n && cnt[i] >= i) {
				cnt[i] = 0;
				i++;
			}
			if (i >= n)
				break;
			uint32_t j = i % 2 ? cnt[i] : 0, t = idx[j];

			idx[j] = idx[i];
			idx[i] = t;
			cnt[i]++;
			i = 0;
			perms++;
		}
		assert_int_equal(perms, n == 3 ? 6 : n == 5 ? 120 : n == 6 ? 720 : 5040);
	}
}

/*
 * DESIGN §3, the late timeout after a rejoin (issue 14 item 3, user ivan):
 * the phone goes silent after 10:30:44, the laptop opens at 10:31:20, the
 * phone's timeout is logged at 10:32:15.
 */
#define IVAN_PHONE \
	E("ivan", 0, 5001, -1), E("ivan", 1, 5003, 1), E("ivan", 2, 1003, 2), \
	E("ivan", 1840, 1003, 1), E("ivan", 1844, 3001, 1)
#define IVAN_LAPTOP_TAIL \
	E("ivan", 1881, 5003, 1), E("ivan", 1882, 1003, 0), E("ivan", 1890, 1003, 1), \
	E("ivan", 2400, 3001, 0), E("ivan", 2700, 7001, 0)

struct late_case {
	const char *name;
	struct row rows[16];
	struct want_session want[3];
	uint32_t nwant;
	uint32_t peak;
	const char *timeout_text;      /* the only timeout finding's, NULL: none */
	uint32_t timeout_session;
};

static const struct late_case late_cases[] = {
	{ "issue 14 item 3: the phone's late timeout is the phone's",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1935, 7001, 1), IVAN_LAPTOP_TAIL, END },
	  { { "ivan", 0, 1935, 1844, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 2700, 2400, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, 2, 1,
	  "Timed out of the room at 10:32:15 (last seen 10:30:44); "
	  "network switched 4G → Wi-Fi 4 s before", 0 },
	{ "the new session opened 120 s before the timeout: the new one's",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1881, 5003, 1),
	    E("ivan", 2000, 7001, 1), END },
	  { { "ivan", 0, 1844, 1844, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 2000, 1881, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 } }, 2, 1,
	  "Timed out of the room at 10:33:20 (last seen 10:31:21)", 1 },
	{ "119.999 s after the opening: still the earlier one's",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1999.999, 7001, 1), END },
	  { { "ivan", 0, 1999.999, 1844, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 1880, 1880, EXIT_UNKNOWN, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 1,
	  "Timed out of the room at 10:33:19 (last seen 10:30:44); "
	  "network switched 4G → Wi-Fi 4 s before", 0 },
	{ "the earlier one silent for less than 60 s: the new one's",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1903.999, 7001, 1), END },
	  { { "ivan", 0, 1844, 1844, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 1903.999, 1880, EXIT_TIMEOUT, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 1,
	  "Timed out of the room at 10:31:43 (last seen 10:31:20)", 1 },
	{ "silent for exactly 60 s: the earlier one's",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1904, 7001, 1), END },
	  { { "ivan", 0, 1904, 1844, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 1880, 1880, EXIT_UNKNOWN, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 1,
	  "Timed out of the room at 10:31:44 (last seen 10:30:44); "
	  "network switched 4G → Wi-Fi 4 s before", 0 },
	{ "the earlier one left normally: the timeout closes the open one",
	  { IVAN_PHONE, E("ivan", 1850, 7001, 0), E("ivan", 1880, 5001, -1),
	    E("ivan", 1935, 7001, 1), END },
	  { { "ivan", 0, 1850, 1844, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 1935, 1880, EXIT_TIMEOUT, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 1,
	  "Timed out of the room at 10:32:15 (last seen 10:31:20)", 1 },
	{ "a normal 7001 after a rejoin closes the open session",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1935, 7001, 0), END },
	  { { "ivan", 0, 1844, 1844, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 1935, 1880, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 1, NULL, 0 },
	{ "a second timeout: the first is the phone's, the second closes the laptop",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1935, 7001, 1),
	    E("ivan", 1950, 7001, 1), END },
	  { { "ivan", 0, 1935, 1844, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 1950, 1880, EXIT_TIMEOUT, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 1, NULL, 0 },
	{ "another user's sessions around it still count in the peak",
	  { IVAN_PHONE, E("ivan", 1880, 5001, -1), E("ivan", 1935, 7001, 1), IVAN_LAPTOP_TAIL,
	    E("bo", 1900, 5001, -1), E("bo", 1901, 5003, 1), E("bo", 1920, 5008, 1), END },
	  { { "ivan", 0, 1935, 1844, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 },
	    { "ivan", 1880, 2700, 2400, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 },
	    { "bo", 1900, 1920, 1901, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, 3, 2, NULL, 0 },
};

static void test_late_timeout(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof late_cases / sizeof late_cases[0]; c++) {
		const struct late_case *tc = &late_cases[c];
		struct dataset ds;
		struct model m;
		uint32_t ntimeout = 0;

		print_message("case: %s\n", tc->name);
		build(tc->rows, &ds, &m);
		assert_int_equal(m.ncalls, 1);
		check_sessions(&ds, &m, tc->want, tc->nwant);
		assert_int_equal(m.calls[0].users, tc->nwant == 3 ? 2 : 1);
		assert_int_equal(m.calls[0].peak_users, tc->peak);
		assert_int_equal(m.calls[0].outside_events, 0);
		for (uint32_t i = 0; i < m.nfindings; i++) {
			const struct finding *f = &m.findings[i];
			uint32_t owner = 0;

			if (strcmp(f->code, "timeout") != 0)
				continue;
			ntimeout++;
			for (uint32_t k = 0; k < m.nsessions; k++)
				if (i >= m.sessions[k].first_finding &&
				    i < m.sessions[k].first_finding + m.sessions[k].nfindings)
					owner = k;
			if (tc->timeout_text) {
				assert_string_equal(f->text, tc->timeout_text);
				assert_int_equal(owner, tc->timeout_session);
			}
		}
		if (tc->timeout_text)
			assert_int_equal(ntimeout, 1);
		model_free(&m);
		dataset_free(&ds);
	}
}

/* The phone without network when it went silent: the outage runs on to the
 * late timeout, and the words say what was seen. */
static void test_late_timeout_outage(void **state)
{
	static const struct row rows[] = {
		E("ivan", 0, 5001, -1), E("ivan", 1, 5003, 1), E("ivan", 2, 1003, 1),
		E("ivan", 1844, 1003, 0), E("ivan", 1880, 5001, -1), E("ivan", 1935, 7001, 1),
		IVAN_LAPTOP_TAIL, END,
	};
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	const struct session *s;

	(void)state;
	sessions_options_init(&o);
	o.details = 1;
	load(&ds, rows);
	assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
	assert_int_equal(m.nsessions, 2);
	s = &m.sessions[0];
	assert_int_equal(s->exit, EXIT_TIMEOUT);
	assert_int_equal(s->end_ms, S(1935));
	assert_int_equal(s->outage_ms, 91000);
	assert_int_equal(m.details[0].net_ms[1], 1842000);
	assert_int_equal(m.details[0].net_ms[0], 91000);
	assert_int_equal(s->nfindings, 2);
	assert_string_equal(m.findings[s->first_finding].text,
			    "Timed out of the room at 10:32:15 (last seen 10:30:44, "
			    "when the network was lost)");
	assert_string_equal(m.findings[s->first_finding + 1].text,
			    "No network from 10:30:44 until the timeout at 10:32:15");
	/* The laptop's own short outage, ended by a report. */
	s = &m.sessions[1];
	assert_int_equal(s->outage_ms, 8000);
	assert_int_equal(s->nfindings, 1);
	assert_string_equal(m.findings[s->first_finding].text, "No network for 8 s from 10:31:22");
	model_free(&m);
	dataset_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_rules),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_main_network),
		cmocka_unit_test(test_entry_observed),
		cmocka_unit_test(test_same_millisecond_any_order),
		cmocka_unit_test(test_late_timeout),
		cmocka_unit_test(test_late_timeout_outage),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
