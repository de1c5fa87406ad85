/*
 * Tests for sessions.c: each rule of DESIGN §3 as a row of a table — an
 * event list in, the sessions, calls, experiences and findings expected out.
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

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)((sec) * 1000 + ((sec) < 0 ? -0.5 : 0.5)))
#define NONE RR_NONE
#define END { NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL }

enum { EV = REC_EVENT, AB = REC_ABNORMAL };

/* One input row. Abnormal rows: id = ExperienceId, p1 = AbnormalEventId. */
struct row {
	const char *room, *comm, *user;
	double sec;
	int kind;
	int32_t id, p1, p2;
	const char *peer;
};

/* Shorthands: an event of user u in room "r" without CommId. */
#define E(u, s, i, a) { "r", "", u, s, EV, i, a, -1, NULL }
#define E2(u, s, i, a, b) { "r", "", u, s, EV, i, a, b, NULL }


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
		if (rows->peer)
			r.peer = kit_intern(ds->strs, rows->peer);
		r.kind = (uint8_t)rows->kind;
		r.id = rows->id;
		r.p1 = rows->p1;
		r.p2 = rows->kind == AB ? -1 : rows->p2;
		r.stream = -1;
		assert_int_equal(dataset_append(ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
}

static void build_on(const struct row *rows, unsigned threads, struct dataset *ds, struct model *m)
{
	struct sessions_options o;

	sessions_options_init(&o);
	o.threads = threads;
	load(ds, rows);
	assert_int_equal(sessions_build(ds, kit_cat, &o, m), RR_OK);
}

static void build(const struct row *rows, struct dataset *ds, struct model *m)
{
	build_on(rows, 0, ds, m);
}

static const char *str(const struct dataset *ds, uint32_t id)
{
	return strtab_str(ds->strs, id);
}

/* ---- sessions: one table row per rule ---- */

struct want_session {
	const char *user;
	double start, end, last_seen;
	enum exit_reason exit;
	int observed, entered;
	int64_t latency_ms;
	enum platform platform;
	uint32_t reentries;
};

struct session_case {
	const char *name;
	struct row rows[16];
	struct want_session want[4];
	uint32_t nwant;
	uint32_t outside;              /* outside_events of the (single) call */
};

static const struct session_case session_cases[] = {
	{ "SDK session, entry latency, normal exit",
	  { E("u", 0, 5001, -1), E("u", 2, 5003, 1), E("u", 3, 1003, 1), E("u", 4, 5007, -1),
	    E("u", 100, 5008, 1), END },
	  { { "u", 0, 100, 4, EXIT_NORMAL, 1, 1, 2000, PLAT_SDK, 0 } }, 1, 0 },
	{ "WebRTC enter and exit",
	  { E("u", 0, 32788, -1), E("u", 1, 32768, -1), E("u", 50, 32789, -1), END },
	  { { "u", 0, 50, 1, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 } }, 1, 0 },
	{ "5008 then a late 7001 timeout: timeout, end not moved",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 5008, 1), E("u", 100, 7001, 1), END },
	  { { "u", 0, 10, 1, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "7001 kicked then 5008: stays kicked",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 7001, 2), E("u", 11, 5008, 1), END },
	  { { "u", 0, 10, 1, EXIT_KICKED, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "7001 timeout then 5008 normal: stays timeout",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 7001, 1), E("u", 12, 5008, 1), END },
	  { { "u", 0, 10, 1, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "entry failure",
	  { E("u", 0, 5001, -1), E("u", 3, 5003, 0), END },
	  { { "u", 0, 3, 0, EXIT_ENTRY_FAILED, 1, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "5008/0 is an exit failure",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 9, 5008, 0), END },
	  { { "u", 0, 9, 1, EXIT_EXIT_FAILED, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "unobserved start on 5003/1; earlier event outside",
	  { E("u", 0, 1003, 1), E("u", 5, 5003, 1), E("u", 20, 7001, 0), END },
	  { { "u", 5, 20, 5, EXIT_NORMAL, 0, 1, NONE, PLAT_SDK, 0 } }, 1, 1 },
	{ "unobserved start on 7000",
	  { E("u", 5, 7000, 0), E("u", 20, 5008, 1), END },
	  { { "u", 5, 20, 5, EXIT_NORMAL, 0, 1, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "closing event without an open session starts at the first event after the previous one",
	  { E("u", 0, 5001, -1), E("u", 10, 5008, 1), E("u", 20, 1003, 1), E("u", 25, 3001, 0),
	    E("u", 30, 7001, 1), END },
	  { { "u", 0, 10, 0, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 },
	    { "u", 20, 30, 25, EXIT_TIMEOUT, 0, 0, NONE, PLAT_SDK, 0 } }, 2, 0 },
	{ "closing event without any session starts at the user's first event",
	  { E("u", 5, 1003, 1), E("u", 9, 7001, 0), END },
	  { { "u", 5, 9, 5, EXIT_NORMAL, 0, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "a lone closing event is a session of its own",
	  { E("u", 3, 5008, 1), END },
	  { { "u", 3, 3, 3, EXIT_NORMAL, 0, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "new 5001 while open closes it as unknown at its last event",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 4, 1003, 1), E("u", 10, 5001, -1),
	    E("u", 11, 5003, 1), E("u", 20, 5008, 1), END },
	  { { "u", 0, 4, 4, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 },
	    { "u", 10, 20, 11, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, 2, 0 },
	{ "7000/1 while entered counts re-entries",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 5, 7000, 1), E("u", 8, 7000, 1),
	    E("u", 9, 7000, 0), E("u", 10, 5008, 1), END },
	  { { "u", 0, 10, 9, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 2 } }, 1, 0 },
	{ "events between sessions are outside; refining events are not",
	  { E("u", 0, 5001, -1), E("u", 5, 5008, 1), E("u", 6, 7001, 0), E("u", 10, 3001, 0),
	    E("u", 11, 3001, 1), E("u", 20, 5001, -1), E("u", 30, 5008, 1), END },
	  { { "u", 0, 5, 0, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 },
	    { "u", 20, 30, 20, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 2 },
	{ "a user without opening or closing events gets one unknown session",
	  { E("u", 0, 1003, 1), E("u", 5, 3001, 0), E("u", 9, 4001, 0), END },
	  { { "u", 0, 9, 9, EXIT_UNKNOWN, 0, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "a session still open at the end ends at its last event",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 7, 3001, 0), END },
	  { { "u", 0, 7, 7, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "mixed SDK and WebRTC events: the opening event's kind",
	  { E("u", 0, 32788, -1), E("u", 1, 1003, 1), E("u", 2, 3001, 0), E("u", 3, 32789, -1), END },
	  { { "u", 0, 3, 2, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 } }, 1, 0 },
	{ "unknown IDs only: platform unknown",
	  { E("u", 0, 99, -1), E("u", 4, 98, -1), END },
	  { { "u", 0, 4, 4, EXIT_UNKNOWN, 0, 0, NONE, PLAT_UNKNOWN, 0 } }, 1, 0 },
	{ "7001 with an unlisted reason is unknown, then refined by 5008",
	  { E("u", 0, 5001, -1), E("u", 2, 7001, 9), E("u", 3, 5008, 0), END },
	  { { "u", 0, 2, 0, EXIT_EXIT_FAILED, 1, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "abnormal rows interleaved with events do not disturb the walk",
	  { E("u", 0, 5001, -1), { "r", "", "u", 60, AB, 4, 2017, -1, NULL }, E("u", 61, 5008, 1), END },
	  { { "u", 0, 61, 0, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
};

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

/* ---- calls ---- */

struct want_call {
	const char *room, *comm;
	double start, end;
	uint32_t users, peak, nsessions;
};

struct call_case {
	const char *name;
	struct row rows[16];
	struct want_call want[3];
	uint32_t nwant;
};

#define RC(room, comm, u, s, i, a) { room, comm, u, s, EV, i, a, -1, NULL }

static const struct call_case call_cases[] = {
	{ "no CommId: a gap over 5 min splits the room into two calls",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("b", 50, 5001, -1), E("b", 200, 5008, 1),
	    E("a", 500.5, 5001, -1), E("a", 600, 5008, 1), END },
	  { { "r", "", 0, 200, 2, 2, 2 }, { "r", "", 500.5, 600, 1, 1, 1 } }, 2 },
	{ "no CommId: a gap of exactly 5 min does not split",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("b", 50, 5001, -1), E("b", 200, 5008, 1),
	    E("a", 500, 5001, -1), E("a", 600, 5008, 1), END },
	  { { "r", "", 0, 600, 2, 2, 3 } }, 1 },
	{ "one call per CommId, even when they overlap",
	  { RC("r", "c2", "a", 10, 5001, -1), RC("r", "c2", "a", 20, 5008, 1),
	    RC("r", "c1", "b", 0, 5001, -1), RC("r", "c1", "b", 15, 5008, 1), END },
	  { { "r", "c1", 0, 15, 1, 1, 1 }, { "r", "c2", 10, 20, 1, 1, 1 } }, 2 },
	{ "peak: a session ending when another starts does not overlap it",
	  { E("a", 0, 5001, -1), E("a", 10, 5008, 1), E("b", 10, 5001, -1), E("b", 20, 5008, 1),
	    E("c", 5, 5001, -1), E("c", 15, 5008, 1), END },
	  { { "r", "", 0, 20, 3, 2, 3 } }, 1 },
	{ "calls starting together are ordered by room",
	  { RC("r2", "", "a", 0, 5001, -1), RC("r2", "", "a", 9, 5008, 1),
	    RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 9, 5008, 1), END },
	  { { "r1", "", 0, 9, 1, 1, 1 }, { "r2", "", 0, 9, 1, 1, 1 } }, 2 },
	{ "calls starting together: by room, then CommId; one decades earlier first",
	  { RC("r1", "c2", "a", 0, 5001, -1), RC("r1", "c2", "a", 9, 5008, 1),
	    RC("r1", "c1", "a", 0, 5001, -1), RC("r1", "c1", "a", 7, 5008, 1),
	    RC("r9", "", "a", -1e9, 5001, -1), RC("r9", "", "a", -1e9 + 3, 5008, 1), END },
	  { { "r9", "", -1e9, -1e9 + 3, 1, 1, 1 }, { "r1", "c1", 0, 7, 1, 1, 1 },
	    { "r1", "c2", 0, 9, 1, 1, 1 } }, 3 },
	{ "calls a millisecond apart and decades apart keep their start order",
	  { RC("a", "", "u", 1e9, 5001, -1), RC("a", "", "u", 1e9 + 1, 5008, 1),
	    RC("b", "", "u", 0.001, 5001, -1), RC("b", "", "u", 2, 5008, 1),
	    RC("c", "", "u", 0, 5001, -1), RC("c", "", "u", 1, 5008, 1), END },
	  { { "c", "", 0, 1, 1, 1, 1 }, { "b", "", 0.001, 2, 1, 1, 1 },
	    { "a", "", 1e9, 1e9 + 1, 1, 1, 1 } }, 3 },
};

/* Each case on one thread and with the last steps on two. */
static void test_calls(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < 2 * sizeof call_cases / sizeof call_cases[0]; c++) {
		const struct call_case *tc = &call_cases[c / 2];
		struct dataset ds;
		struct model m;
		uint32_t i, j, n = 0;

		print_message("case: %s (%s)\n", tc->name, c % 2 ? "threads" : "one thread");
		build_on(tc->rows, c % 2 ? 3 : 1, &ds, &m);
		assert_int_equal(m.ncalls, tc->nwant);
		for (i = 0; i < tc->nwant; i++) {
			const struct call *k = &m.calls[i];

			assert_string_equal(str(&ds, k->room), tc->want[i].room);
			assert_string_equal(str(&ds, k->comm), tc->want[i].comm);
			assert_int_equal(k->start_ms, S(tc->want[i].start));
			assert_int_equal(k->end_ms, S(tc->want[i].end));
			assert_int_equal(k->users, tc->want[i].users);
			assert_int_equal(k->peak_users, tc->want[i].peak);
			assert_int_equal(k->nsessions, tc->want[i].nsessions);
			assert_int_equal(k->first_session, n);
			for (j = 0; j < k->nsessions; j++) {
				assert_int_equal(m.sessions[n + j].call, i);
				if (j)
					assert_true(m.sessions[n + j - 1].start_ms <=
						    m.sessions[n + j].start_ms);
			}
			n += k->nsessions;
			assert_int_equal(k->exits[EXIT_NORMAL], k->nsessions);
		}
		assert_int_equal(n, m.nsessions);
		model_free(&m);
		dataset_free(&ds);
	}
}

static void test_session_ties_by_user(void **state)
{
	static const struct row rows[] = {
		E("bob", 0, 5001, -1), E("bob", 5, 5008, 1), E("al", 0, 5001, -1), E("al", 5, 5008, 1),
		END,
	};
	struct dataset ds;
	struct model m;

	(void)state;
	build(rows, &ds, &m);
	assert_int_equal(m.nsessions, 2);
	assert_string_equal(str(&ds, m.sessions[0].user), "al");
	assert_string_equal(str(&ds, m.sessions[1].user), "bob");
	model_free(&m);
	dataset_free(&ds);
}

/* ---- abnormal experiences ---- */

#define AX(room, comm, u, s, exp, cause, peer) { room, comm, u, s, AB, exp, cause, -1, peer }

static const struct row attach_rows[] = {
	/* u: sessions [0,100] and [200,300] in room r, one call. */
	E("u", 0, 5001, -1), E("u", 100, 5008, 1), E("u", 200, 5001, -1), E("u", 300, 5008, 1),
	AX("r", "", "u", 60, 4, 2017, "8812"),   /* inside session 0 */
	AX("r", "", "u", 60, 5, -1, NULL),       /* same time, other experience, no cause */
	AX("r", "", "u", 60, 4, 2023, NULL),     /* second cause of the first */
	AX("r", "", "u", 120, 1, 1005, NULL),    /* after session 0 ended */
	AX("r", "", "u", 420, 2, 1016, NULL),    /* after the last session */
	AX("r", "", "u", -60, 3, -1, NULL),      /* before any: nearest session */
	AX("r", "", "v", 240, 4, -1, NULL),      /* no session of v: the call */
	AX("r", "", "v", 1200, 4, -1, NULL),     /* outside every call: nearest call */
	AX("q", "", "w", 0, 4, -1, NULL),        /* no call in room q: orphan */
	END,
};

static void test_experience_attachment(void **state)
{
	struct dataset ds;
	struct model m;
	const struct experience *x;
	const struct session *s0, *s1;
	const struct finding *f;
	uint32_t i;
	int seen_cause_text = 0, seen_none_text = 0;

	(void)state;
	build(attach_rows, &ds, &m);
	assert_int_equal(m.ncalls, 1);
	assert_int_equal(m.nsessions, 2);
	assert_int_equal(m.nexperiences, 8);
	s0 = &m.sessions[0];
	s1 = &m.sessions[1];
	/* Session 0: -60 (nearest), 60 (x2), 120 (ended before), by time. */
	assert_int_equal(s0->nexp, 4);
	x = &m.experiences[s0->first_exp];
	assert_int_equal(x[0].time_ms, S(-60));
	assert_int_equal(x[1].time_ms, S(60));
	assert_int_equal(x[1].id, 4);
	assert_int_equal(x[1].ncauses, 2);
	assert_int_equal(m.causes[x[1].first_cause].id, 2017);
	assert_string_equal(str(&ds, m.causes[x[1].first_cause].peer), "8812");
	assert_int_equal(m.causes[x[1].first_cause + 1].id, 2023);
	assert_int_equal(m.causes[x[1].first_cause + 1].peer, 0);
	assert_int_equal(x[2].id, 5);
	assert_int_equal(x[2].ncauses, 0);
	assert_int_equal(x[3].time_ms, S(120));
	for (i = 0; i < 4; i++) {
		assert_int_equal(x[i].session, 0);
		assert_int_equal(x[i].call, 0);
	}
	assert_int_equal(s1->nexp, 1);
	assert_int_equal(m.experiences[s1->first_exp].time_ms, S(420));
	assert_int_equal(m.experiences[s1->first_exp].session, 1);
	/* Call-only, then orphans, after every session's experiences. */
	assert_int_equal(m.calls[0].nexp, 2);
	assert_int_equal(m.calls[0].first_exp, 5);
	for (i = 5; i < 7; i++) {
		assert_int_equal(m.experiences[i].session, RR_NOIDX);
		assert_int_equal(m.experiences[i].call, 0);
	}
	assert_int_equal(m.norphan_exp, 1);
	assert_int_equal(m.first_orphan_exp, 7);
	assert_int_equal(m.experiences[7].call, RR_NOIDX);
	assert_int_equal(m.experiences[7].session, RR_NOIDX);

	for (i = 0; i < s0->nfindings; i++) {
		f = &m.findings[s0->first_finding + i];
		if (strcmp(f->code, "abnormal_experience") != 0)
			continue;
		assert_int_equal(f->severity, SEV_WARNING);
		if (f->time_ms == S(60) && strstr(f->text, "Video lagged")) {
			/* The peer's stream, not the viewer's upstream. */
			assert_string_equal(f->text, "Video lagged at 10:01 — possible causes: "
				"downstream big-stream loss too high on the stream from peer 8812, "
				"downstream audio stuttered");
			seen_cause_text = 1;
		}
		if (f->time_ms == S(60) && strstr(f->text, "Audio lagged")) {
			assert_string_equal(f->text, "Audio lagged at 10:01 — no cause listed");
			seen_none_text = 1;
		}
	}
	assert_true(seen_cause_text);
	assert_true(seen_none_text);
	model_free(&m);
	dataset_free(&ds);
}

static const struct row same_comm_rows[] = {
	RC("r", "A", "u", 0, 5001, -1), RC("r", "A", "u", 100, 5008, 1),
	RC("r", "B", "u", 0, 5001, -1), RC("r", "B", "u", 100, 5008, 1),
	AX("r", "B", "u", 50, 4, -1, NULL),   /* both contain it: comm B's */
	AX("r", "C", "u", 50, 5, -1, NULL),   /* unknown comm: any session of the room */
	END,
};

static void test_experience_same_comm(void **state)
{
	struct dataset ds;
	struct model m;
	uint32_t i;

	(void)state;
	build(same_comm_rows, &ds, &m);
	assert_int_equal(m.ncalls, 2);
	assert_int_equal(m.nexperiences, 2);
	for (i = 0; i < m.nexperiences; i++) {
		const struct experience *x = &m.experiences[i];

		assert_int_not_equal(x->session, RR_NOIDX);
		if (x->id == 4)
			assert_string_equal(str(&ds, m.calls[x->call].comm), "B");
	}
	model_free(&m);
	dataset_free(&ds);
}

/* ---- findings ---- */

struct want_finding {
	const char *code;
	enum severity severity;
	double sec;
	const char *text;
};

struct finding_case {
	const char *name;
	struct row rows[16];
	struct want_finding want[8];
	uint32_t nwant;
};

static const struct finding_case finding_cases[] = {
	{ "timeout with a network switch just before last seen",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 38, 1003, 2),
	    E("u", 44, 3001, 0), E("u", 134, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 134, "Timed out of the room at 10:02:14 (last seen 10:00:44); "
	      "network switched Wi-Fi → 4G 6 s before" } }, 1 },
	{ "timeout without a recent network change",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 100, 3001, 0),
	    E("u", 190, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 190, "Timed out of the room at 10:03:10 (last seen 10:01:40)" } }, 1 },
	{ "kicked",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 30, 7001, 2), END },
	  { { "kicked", SEV_WARNING, 30, "Removed from the room at 10:00:30" } }, 1 },
	{ "entry failed",
	  { E("u", 0, 5001, -1), E("u", 2, 5003, 0), END },
	  { { "entry_failed", SEV_ERROR, 0, "Could not enter the room (attempt at 10:00:00)" } }, 1 },
	{ "exit failed",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 9, 5008, 0), END },
	  { { "exit_failed", SEV_WARNING, 9, "Exit from the room failed at 10:00:09" } }, 1 },
	{ "no exit, slow entry, outage, background, re-entry; most severe first",
	  { E("u", 0, 5001, -1), E("u", 7.2, 5003, 1), E("u", 8, 1003, 1), E("u", 20, 1003, 0),
	    E("u", 67, 1003, 1), E("u", 70, 2001, 1), E("u", 75, 7000, 1), E("u", 80, 2001, 0),
	    E("u", 90, 3001, 0), END },
	  { { "entry_slow", SEV_WARNING, 7.2, "Entered after 7.2 s" },
	    { "network_lost", SEV_WARNING, 20, "No network for 47 s from 10:00:20" },
	    { "no_exit", SEV_WARNING, 90, "No exit recorded; last seen 10:01:30" },
	    { "background", SEV_INFO, 70, "In the background for 10 s" },
	    { "reentry", SEV_INFO, 75, "Entered again 1 time" } }, 5 },
	{ "device, permission and connection events",
	  { E("u", 0, 32788, -1), E("u", 3, 32790, -1), E("u", 4, 36864, -1), E("u", 5, 32792, -1),
	    E("u", 6, 2002, 5), E("u", 7, 4002, 0), E2("u", 8, 4013, 4, 1), E("u", 9, 2002, 2),
	    E("u", 10, 32789, -1), END },
	  { { "permission_missing", SEV_ERROR, 6, "Permission missing: camera (at 10:00:06)" },
	    { "camera_failed", SEV_ERROR, 7, "Front camera failed to start at 10:00:07" },
	    { "permission_missing", SEV_ERROR, 9, "Permission missing: read file (at 10:00:09)" },
	    { "signaling_lost", SEV_WARNING, 3, "Signaling connection lost at 10:00:03" },
	    { "signaling_lost", SEV_WARNING, 4,
	      "Signaling connection lost at 10:00:04 (reported by the server)" },
	    { "media_lost", SEV_WARNING, 5, "Media connection lost at 10:00:05" },
	    { "decode_failed", SEV_WARNING, 8,
	      "Video decoding failed at 10:00:08 (4 frames in 3 s, hardware)" } }, 7 },
	{ "an outage still running at the end lasts until the end",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 1003, 0), E("u", 40, 5008, 1), END },
	  { { "network_lost", SEV_WARNING, 10, "No network for 30 s from 10:00:10" } }, 1 },
	/* Issue 14 item 12: the words say what was seen. */
	{ "timeout whose last event was the network loss",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 14, 1003, 0),
	    E("u", 104, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 104, "Timed out of the room at 10:01:44 (last seen 10:00:14, "
	      "when the network was lost)" },
	    { "network_lost", SEV_WARNING, 14,
	      "No network from 10:00:14 until the timeout at 10:01:44" } }, 2 },
	{ "timeout whose last event was a network switch",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 44, 1003, 2),
	    E("u", 134, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 134, "Timed out of the room at 10:02:14 (last seen 10:00:44, "
	      "when the network switched Wi-Fi → 4G)" } }, 1 },
	{ "timeout whose last event was the first network report",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 44, 1003, 2), E("u", 134, 7001, 1),
	    END },
	  { { "timeout", SEV_ERROR, 134, "Timed out of the room at 10:02:14 (last seen 10:00:44, "
	      "when the network was reported as 4G)" } }, 1 },
	{ "events after the loss, then a timeout: no length for the outage",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 10, 1003, 0),
	    E("u", 20, 3001, 0), E("u", 110, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 110, "Timed out of the room at 10:01:50 (last seen 10:00:20); "
	      "network lost 10 s before" },
	    { "network_lost", SEV_WARNING, 10,
	      "No network from 10:00:10 until the timeout at 10:01:50" } }, 2 },
	{ "an outage until a normal exit, refined by a late timeout, keeps its length",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 1003, 0), E("u", 20, 3001, 0),
	    E("u", 40, 5008, 1), E("u", 130, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 40, "Timed out of the room at 10:00:40 (last seen 10:00:20); "
	      "network lost 10 s before" },
	    { "network_lost", SEV_WARNING, 10, "No network for 30 s from 10:00:10" } }, 2 },
	{ "an outage that ends before the timeout keeps its length",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 1003, 0), E("u", 20, 1003, 1),
	    E("u", 30, 3001, 0), E("u", 120, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 120, "Timed out of the room at 10:02:00 (last seen 10:00:30); "
	      "network switched no network → Wi-Fi 10 s before" },
	    { "network_lost", SEV_WARNING, 10, "No network for 10 s from 10:00:10" } }, 2 },
	{ "peers: the sender's side at the peer, what is received on the peer's stream",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1),
	    { "r", "", "u", 60, AB, 4, 1027, -1, "8812" }, { "r", "", "u", 60, AB, 4, 2005, -1, NULL },
	    { "r", "", "u", 60, AB, 4, 2007, -1, "8812" }, { "r", "", "u", 60, AB, 4, 2016, -1, "8812" },
	    E("u", 200, 5008, 1), END },
	  { { "abnormal_experience", SEV_WARNING, 60, "Video lagged at 10:01 — possible causes: "
	      "substream taken by another user (peer 8812), upstream audio loss too high, "
	      "upstream big-stream loss too high at peer 8812, "
	      "played audio is silent (volume 0) on the stream from peer 8812" } }, 1 },
	{ "a normal session raises nothing",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 40, 5008, 1), END },
	  { { NULL, SEV_INFO, 0, NULL } }, 0 },
};

static void test_findings(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof finding_cases / sizeof finding_cases[0]; c++) {
		const struct finding_case *tc = &finding_cases[c];
		struct dataset ds;
		struct model m;
		const struct session *s;
		uint32_t i;

		print_message("case: %s\n", tc->name);
		build(tc->rows, &ds, &m);
		assert_int_equal(m.nsessions, 1);
		s = &m.sessions[0];
		assert_int_equal(s->nfindings, tc->nwant);
		assert_int_equal(m.nfindings, tc->nwant);
		for (i = 0; i < tc->nwant; i++) {
			const struct finding *f = &m.findings[s->first_finding + i];

			assert_string_equal(f->code, tc->want[i].code);
			assert_int_equal(f->severity, tc->want[i].severity);
			assert_int_equal(f->time_ms, S(tc->want[i].sec));
			assert_string_equal(f->text, tc->want[i].text);
		}
		for (i = 0; i < SEV__COUNT; i++) {
			uint32_t n = 0, k;

			for (k = 0; k < tc->nwant; k++)
				n += tc->want[k].severity == (enum severity)i;
			assert_int_equal(m.calls[0].findings[i], n);
		}
		model_free(&m);
		dataset_free(&ds);
	}
}

/* ---- issue 14: entry not seen, same millisecond, late timeout, attachment ---- */

/* The sessions of m (one call) against want: times, exit, entry. */
static void check_sessions(const struct dataset *ds, const struct model *m,
			   const struct want_session *want, uint32_t nwant)
{
	assert_int_equal(m->nsessions, nwant);
	for (uint32_t i = 0; i < nwant; i++) {
		const struct want_session *w = &want[i];
		const struct session *s = &m->sessions[i];

		print_message("  session %u\n", i);
		assert_string_equal(str(ds, s->user), w->user);
		assert_int_equal(s->start_ms, S(w->start));
		assert_int_equal(s->end_ms, S(w->end));
		assert_int_equal(s->last_seen_ms, S(w->last_seen));
		assert_string_equal(exit_reason_name(s->exit), exit_reason_name(w->exit));
		assert_int_equal(s->start_observed, w->observed);
		assert_int_equal(s->entered, w->entered);
		assert_int_equal(s->entry_latency_ms, w->latency_ms);
		assert_string_equal(platform_name(s->platform), platform_name(w->platform));
		assert_int_equal(s->reentries, w->reentries);
	}
}

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

/*
 * DESIGN §3: an experience counted in the minute [t, t + 60 s) (issue 14
 * item 8). noa: session 1 09:50:00–09:58:30, session 2 opened 10:00:15.
 */
#define NOA \
	E("noa", -600, 5001, -1), E("noa", -599, 5003, 1), E("noa", -90, 7001, 0), \
	E("noa", 15, 5001, -1), E("noa", 27, 5003, 1), E("noa", 1200, 7001, 0)
#define X(u, s, exp, cause) { "r", "", u, s, AB, exp, cause, -1, NULL }

static const struct {
	const char *name;
	struct row rows[12];
	double session_start;          /* of the session it belongs to; NAN: the call */
} attach_cases[] = {
	{ "issue 14 item 8: slow entry at 10:00 goes to the session opened at 10:00:15",
	  { NOA, X("noa", 0, 1, 2003), END }, 15 },
	{ "video lag in the same minute: the session overlapping it",
	  { NOA, X("noa", 0, 4, 2017), END }, 15 },
	{ "slow entry a minute later: the session overlapping it",
	  { NOA, X("noa", 60, 1, 2003), END }, 15 },
	{ "two sessions overlap the minute: the one with more of it",
	  { E("a", -30, 5001, -1), E("a", 40, 5008, 1), E("a", 50, 5001, -1), E("a", 90, 5008, 1),
	    X("a", 0, 4, 2017), END }, -30 },
	{ "... but a slow entry goes to the one opening in it",
	  { E("a", -30, 5001, -1), E("a", 40, 5008, 1), E("a", 50, 5001, -1), E("a", 90, 5008, 1),
	    X("a", 0, 1, -1), END }, 50 },
	{ "slow entry: the first session opening in the minute",
	  { E("a", 5, 5001, -1), E("a", 8, 5003, 0), E("a", 20, 5001, -1), E("a", 90, 5008, 1),
	    X("a", 0, 1, -1), END }, 5 },
	{ "dismissal causes after the room closed: the last session that ended",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("a", 400, 5001, -1), E("a", 500, 5008, 1),
	    X("a", 240, 2, 1005), X("a", 240, 2, 1016), END }, 0 },
	{ "other causes in the gap: the nearest session",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("a", 400, 5001, -1), E("a", 500, 5008, 1),
	    X("a", 240, 4, 2017), END }, 400 },
	{ "a dismissal cause among others is not a dismissal experience",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("a", 400, 5001, -1), E("a", 500, 5008, 1),
	    X("a", 240, 2, 1005), X("a", 240, 2, 2017), END }, 400 },
	{ "no cause listed in the gap: the nearest",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("a", 400, 5001, -1), E("a", 500, 5008, 1),
	    X("a", 150, 5, -1), END }, 0 },
	{ "dismissal before every session: the nearest",
	  { E("a", 400, 5001, -1), E("a", 500, 5008, 1), X("a", 240, 2, 1005), END }, 400 },
	{ "a user without sessions in the room: the call",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), X("b", 0, 1, 1005), END }, NAN },
};

static void test_experience_minute(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof attach_cases / sizeof attach_cases[0]; c++) {
		struct dataset ds;
		struct model m;
		const struct experience *x;

		print_message("case: %s\n", attach_cases[c].name);
		build(attach_cases[c].rows, &ds, &m);
		assert_int_equal(m.nexperiences, 1);
		x = &m.experiences[0];
		if (isnan(attach_cases[c].session_start)) {
			assert_int_equal(x->session, RR_NOIDX);
			assert_int_equal(x->call, 0);
		} else {
			assert_int_not_equal(x->session, RR_NOIDX);
			assert_int_equal(m.sessions[x->session].start_ms, S(attach_cases[c].session_start));
			assert_int_equal(m.sessions[x->session].nexp, 1);
		}
		model_free(&m);
		dataset_free(&ds);
	}
}

static void test_hostile_peer_is_bounded(void **state)
{
	char peer[400];
	struct row rows[4] = {
		E("u", 0, 5001, -1), { "r", "", "u", 60, AB, 4, 2017, -1, peer }, E("u", 100, 5008, 1),
		END,
	};
	struct dataset ds;
	struct model m;
	const struct finding *f;

	(void)state;
	/* 2-byte characters, so a byte cut could split one. */
	peer[0] = 'x';
	for (size_t i = 1; i + 2 < sizeof peer; i += 2)
		memcpy(peer + i, "é", 2);
	peer[sizeof peer - 2] = '<';
	peer[sizeof peer - 1] = '\0';
	build(rows, &ds, &m);
	assert_int_equal(m.nfindings, 1);
	f = &m.findings[0];
	assert_true(strlen(f->text) < 200);
	assert_true(utf8_valid(f->text, strlen(f->text)));
	assert_non_null(strstr(f->text, "on the stream from peer xé"));
	assert_string_equal(f->text + strlen(f->text) - strlen("é…"), "é…");
	model_free(&m);
	dataset_free(&ds);
}

static void test_empty_dataset(void **state)
{
	static const struct row rows[] = { END };
	struct dataset ds;
	struct model m;

	(void)state;
	build(rows, &ds, &m);
	assert_int_equal(m.ncalls, 0);
	assert_int_equal(m.nsessions, 0);
	assert_int_equal(m.nexperiences, 0);
	model_free(&m);
	dataset_free(&ds);
}

/* Every allocation failure gives RR_ENOMEM and an empty model, no leak
 * (the sanitizer build checks the last part). */
static const struct row oom_rows[] = {
	E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 10, 1003, 0), E("a", 20, 1003, 1),
	E("a", 30, 7001, 1), E("b", 5, 32788, -1), E("b", 6, 2002, 4), E("b", 900, 32789, -1),
	AX("r", "", "a", 60, 4, 2017, "p"), AX("r", "", "z", 60, 4, -1, NULL),
	AX("q", "", "z", 60, 4, -1, NULL),
	/* A millisecond to reorder (the run's copy) and a late timeout. */
	E("c", 0, 3001, 0), E("c", 0, 5001, -1), E("c", 100, 5001, -1), E("c", 170, 7001, 1),
	E("c", 200, 5008, 1), END,
};

static void test_out_of_memory(void **state)
{
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	unsigned long n;
	int ok = 0;

	(void)state;
	sessions_options_init(&o);
	load(&ds, oom_rows);
	for (n = 1; n < 500 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = sessions_build(&ds, kit_cat, &o, &m);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(m.ncalls, 1);
			model_free(&m);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_int_equal(m.ncalls, 0);
			assert_null(m.sessions);
			assert_null(m.findings);
		}
	}
	assert_true(ok);
	dataset_free(&ds);
}

static void test_display_zone(void **state)
{
	static const struct row rows[] = {
		E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 30, 7001, 2), END,
	};
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	struct tz *z;
	char err[128];

	(void)state;
	assert_int_equal(tz_open("Asia/Shanghai", &z, err, sizeof err), RR_OK);
	sessions_options_init(&o);
	o.display_tz = z;
	load(&ds, rows);
	assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
	assert_int_equal(m.nfindings, 1);
	assert_string_equal(m.findings[0].text, "Removed from the room at 18:00:30");
	model_free(&m);
	dataset_free(&ds);
	tz_free(z);
}

/* Near a change of the zone's offset a finding's times carry the zone's
 * name (the autumn hour happens twice); elsewhere, and in zones without
 * changes, they are bare. A kick 30 s after entering, at each time. */
static void test_display_zone_changes(void **state)
{
	static const struct {
		const char *zone;
		double sec;              /* the 5001, from T0 */
		const char *text;
	} cases[] = {
		/* Berlin, 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00 UTC. */
		{ "Europe/Berlin", -2282100 - 30, "Removed from the room at 02:05:00 CEST" },
		{ "Europe/Berlin", -2278500 - 30, "Removed from the room at 02:05:00 CET" },
		/* 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00 UTC. */
		{ "Europe/Berlin", -20424600 - 30, "Removed from the room at 01:30:00 CET" },
		{ "Europe/Berlin", -20421000 - 30, "Removed from the room at 03:30:00 CEST" },
		/* Two days before the change, and on the sample day: bare. */
		{ "Europe/Berlin", -2455200 - 30, "Removed from the room at 02:00:00" },
		{ "Europe/Berlin", 0, "Removed from the room at 11:00:30" },
		{ "Asia/Shanghai", -2282100 - 30, "Removed from the room at 08:05:00" },
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct row rows[] = {
			{ "r", "", "u", cases[i].sec, EV, 5001, -1, -1, NULL },
			{ "r", "", "u", cases[i].sec + 1, EV, 5003, 1, -1, NULL },
			{ "r", "", "u", cases[i].sec + 30, EV, 7001, 2, -1, NULL },
			END,
		};
		struct sessions_options o;
		struct dataset ds;
		struct model m;
		struct tz *z;

		print_message("case %zu: %s\n", i, cases[i].text);
		assert_int_equal(tz_open(cases[i].zone, &z, err, sizeof err), RR_OK);
		sessions_options_init(&o);
		o.display_tz = z;
		load(&ds, rows);
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
		assert_int_equal(m.nfindings, 1);
		assert_string_equal(m.findings[0].text, cases[i].text);
		model_free(&m);
		dataset_free(&ds);
		tz_free(z);
	}
}

static void test_options_defaults(void **state)
{
	struct sessions_options o;

	(void)state;
	sessions_options_init(&o);
	assert_int_equal(o.call_gap_ms, 300000);
	assert_int_equal(o.slow_entry_ms, 5000);
	assert_null(o.display_tz);
	assert_string_equal(exit_reason_name(EXIT_ENTRY_FAILED), "entry_failed");
	assert_string_equal(platform_name(PLAT_WEBRTC), "webrtc");
}

/* ---- several threads ---- */

static void random_rows(struct dataset *ds, unsigned seed, int n)
{
	static const int32_t ids[] = { 5001, 5003, 5008, 7000, 7001, 32788, 32789, 1003, 2001, 2002,
				       3001, 4002, 4013, 5007, 32790, 9999 };
	static const char *const comms[] = { "", "c1", "c2" };
	uint64_t x = seed * 2654435761u + 1;

	assert_int_equal(dataset_init(ds), RR_OK);
	for (int i = 0; i < n; i++) {
		char room[16], user[16];
		struct record r;

		x = x * 6364136223846793005u + 1442695040888963407u;
		memset(&r, 0, sizeof r);
		snprintf(room, sizeof room, "r%u", (unsigned)(x >> 60) % 13);
		snprintf(user, sizeof user, "u%u", (unsigned)(x >> 40) % 9);
		r.room = kit_intern(ds->strs, room);
		r.comm = kit_intern(ds->strs, comms[(x >> 36) % 3]);
		r.user = kit_intern(ds->strs, user);
		r.time_ms = T0 + (int64_t)((x >> 20) % 7200) * 1000;
		r.stream = -1;
		r.p2 = -1;
		if ((x >> 8) % 11 == 0) {
			r.kind = REC_ABNORMAL;
			r.time_ms -= r.time_ms % 60000;
			r.id = (int32_t)((x >> 12) % 6);
			r.p1 = (x >> 14) % 3 ? 2017 : -1;
		} else {
			r.kind = REC_EVENT;
			r.id = ids[(x >> 4) % (sizeof ids / sizeof ids[0])];
			r.p1 = (int32_t)((x >> 16) % 4) - 1;
		}
		assert_int_equal(dataset_append(ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
}

/* outside_recs 0: the outside events' record indexes are not compared
 * (models of the same rows given in another order, whose records of one
 * millisecond sit elsewhere; see assert_same_outside). */
static void assert_same_model_ex(const struct model *a, const struct model *b, int outside_recs)
{
	assert_int_equal(a->nsessions, b->nsessions);
	assert_int_equal(a->ncalls, b->ncalls);
	assert_int_equal(a->nfindings, b->nfindings);
	assert_int_equal(a->nexperiences, b->nexperiences);
	assert_int_equal(a->ncauses, b->ncauses);
	assert_int_equal(a->first_orphan_exp, b->first_orphan_exp);
	assert_int_equal(a->norphan_exp, b->norphan_exp);
	assert_memory_equal(a->sessions, b->sessions, a->nsessions * sizeof *a->sessions);
	assert_true((a->details == NULL) == (b->details == NULL));
	if (a->details)
		assert_memory_equal(a->details, b->details, a->nsessions * sizeof *a->details);
	assert_memory_equal(a->calls, b->calls, a->ncalls * sizeof *a->calls);
	if (a->nexperiences)
		assert_memory_equal(a->experiences, b->experiences,
				    a->nexperiences * sizeof *a->experiences);
	if (a->ncauses)
		assert_memory_equal(a->causes, b->causes, a->ncauses * sizeof *a->causes);
	/* The measured spans and the outside events: the same whatever the threads. */
	assert_int_equal(a->nspans, b->nspans);
	if (a->nspans)
		assert_memory_equal(a->spans, b->spans, a->nspans * sizeof *a->spans);
	assert_int_equal(a->noutside, b->noutside);
	if (a->noutside && outside_recs)
		assert_memory_equal(a->outside, b->outside, a->noutside * sizeof *a->outside);
	for (uint32_t i = 0; i < a->noutside && !outside_recs; i++)
		assert_int_equal(a->outside[i].call, b->outside[i].call);
	for (uint32_t i = 0; i < a->nfindings; i++) {
		assert_string_equal(a->findings[i].code, b->findings[i].code);
		assert_int_equal(a->findings[i].severity, b->findings[i].severity);
		assert_int_equal(a->findings[i].time_ms, b->findings[i].time_ms);
		assert_string_equal(a->findings[i].text, b->findings[i].text);
	}
}

static void assert_same_model(const struct model *a, const struct model *b)
{
	assert_same_model_ex(a, b, 1);
}

/* The outside events of a (from dataset da) and b (from db) are the same
 * events, wherever their records sit: per call, the same multiset of
 * (user, time, id, p1, p2). */
static int cmp_rec_key(const void *pa, const void *pb)
{
	const struct record *x = pa, *y = pb;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->p1 != y->p1)
		return x->p1 < y->p1 ? -1 : 1;
	return x->p2 < y->p2 ? -1 : x->p2 > y->p2;
}

static void assert_same_outside(const struct model *a, const struct dataset *da,
				const struct model *b, const struct dataset *db)
{
	uint32_t n = a->noutside, i;
	struct record *ra = malloc((n ? n : 1) * sizeof *ra), *rb = malloc((n ? n : 1) * sizeof *rb);

	assert_non_null(ra);
	assert_non_null(rb);
	assert_int_equal(n, b->noutside);
	for (i = 0; i < n; i++) {
		assert_int_equal(a->outside[i].call, b->outside[i].call);
		ra[i] = da->recs[a->outside[i].rec];
		rb[i] = db->recs[b->outside[i].rec];
		assert_int_equal(ra[i].kind, REC_EVENT);
		assert_int_equal(rb[i].kind, REC_EVENT);
	}
	/* Within one call, the order follows the records: compare sorted. */
	for (i = 0; i < n;) {
		uint32_t e = i;

		while (e < n && a->outside[e].call == a->outside[i].call)
			e++;
		qsort(ra + i, e - i, sizeof *ra, cmp_rec_key);
		qsort(rb + i, e - i, sizeof *rb, cmp_rec_key);
		for (uint32_t k = i; k < e; k++)
			assert_int_equal(cmp_rec_key(&ra[k], &rb[k]), 0);
		i = e;
	}
	free(ra);
	free(rb);
}

/* What every model holds to, however it was built: calls in start order
 * (then room ID, then CommId), each owning the run of sessions that point
 * back at it, in start order; each session owning the run of findings that
 * follows its predecessor's, most severe first, then time, then code,
 * counted by severity in its call; experiences pointed at by exactly the
 * session, call or orphan range they name. */
static void assert_model_consistent(const struct model *m, const struct strtab *strs)
{
	uint32_t k, i, f, nf = 0, ns = 0;

	for (k = 0; k < m->ncalls; k++) {
		const struct call *c = &m->calls[k];
		uint32_t sev[SEV__COUNT] = { 0 };

		if (k) {
			const struct call *p = &m->calls[k - 1];

			assert_true(p->start_ms <= c->start_ms);
			if (p->start_ms == c->start_ms) {
				int r = strcmp(strtab_str(strs, p->room), strtab_str(strs, c->room));

				assert_true(r < 0 || (r == 0 && strcmp(strtab_str(strs, p->comm),
								      strtab_str(strs, c->comm)) <= 0));
			}
		}
		assert_int_equal(c->first_session, ns);
		for (i = ns; i < ns + c->nsessions; i++) {
			const struct session *s = &m->sessions[i];

			assert_int_equal(s->call, k);
			if (i > ns)
				assert_true(m->sessions[i - 1].start_ms <= s->start_ms);
			assert_int_equal(s->first_finding, nf);
			for (f = nf; f < nf + s->nfindings; f++) {
				const struct finding *a = &m->findings[f];

				sev[a->severity]++;
				if (f > nf) {
					const struct finding *p = &m->findings[f - 1];

					assert_true(p->severity >= a->severity);
					if (p->severity == a->severity) {
						assert_true(p->time_ms <= a->time_ms);
						if (p->time_ms == a->time_ms)
							assert_true(strcmp(p->code, a->code) <= 0);
					}
				}
			}
			nf += s->nfindings;
			for (f = s->first_exp; f < s->first_exp + s->nexp; f++)
				assert_int_equal(m->experiences[f].session, i);
		}
		ns += c->nsessions;
		for (i = 0; i < SEV__COUNT; i++)
			assert_int_equal(c->findings[i], sev[i]);
		for (f = c->first_exp; f < c->first_exp + c->nexp; f++) {
			assert_int_equal(m->experiences[f].session, RR_NOIDX);
			assert_int_equal(m->experiences[f].call, k);
		}
	}
	assert_int_equal(ns, m->nsessions);
	assert_int_equal(nf, m->nfindings);
	for (f = 0; f < m->nexperiences; f++) {
		const struct experience *x = &m->experiences[f];

		if (x->session != RR_NOIDX) {
			const struct session *s = &m->sessions[x->session];

			assert_true(f >= s->first_exp && f < s->first_exp + s->nexp);
			assert_int_equal(s->call, x->call);
		} else if (x->call != RR_NOIDX) {
			const struct call *c = &m->calls[x->call];

			assert_true(f >= c->first_exp && f < c->first_exp + c->nexp);
		} else {
			assert_true(f >= m->first_orphan_exp &&
				    f < m->first_orphan_exp + m->norphan_exp);
		}
	}
}

/* Chunks of rooms built on several threads make the model one thread
 * makes; an allocation failing anywhere gives RR_ENOMEM and an empty
 * model (and no leak, under the sanitizer). */
/* DESIGN §1: the order of rows inside one millisecond means nothing. Rows
 * on a coarse time grid (many users' events share a millisecond, with
 * openings, closings and late timeouts among them) appended in three orders
 * give one model, byte for byte, on one thread and on three. */
static void test_input_order_same_model(void **state)
{
	static const int32_t ids[] = { 5001, 5003, 5008, 7000, 7001, 32788, 32789, 1003, 2001,
				       3001, 4002, 5007, 32769, 9999 };
	static const char *const comms[] = { "", "c1" };
	enum { N = 4000 };
	struct record *recs = malloc(N * sizeof *recs);
	struct sessions_options o;
	struct model first, m;
	struct dataset ds0;

	(void)state;
	assert_non_null(recs);
	for (unsigned order = 0; order < 3; order++) {
		struct dataset ds;
		uint64_t x = 99;
		char name[16];

		assert_int_equal(dataset_init(&ds), RR_OK);
		/* The same string ids whatever the order of the rows. */
		for (unsigned k = 0; k < 7; k++) {
			snprintf(name, sizeof name, "r%u", k);
			kit_intern(ds.strs, name);
			snprintf(name, sizeof name, "u%u", k);
			kit_intern(ds.strs, name);
		}
		kit_intern(ds.strs, "c1");
		for (int i = 0; i < N; i++) {
			struct record *r = &recs[i];

			x = x * 6364136223846793005u + 1442695040888963407u;
			memset(r, 0, sizeof *r);
			snprintf(name, sizeof name, "r%u", (unsigned)(x >> 60) % 7);
			r->room = kit_intern(ds.strs, name);
			snprintf(name, sizeof name, "u%u", (unsigned)(x >> 40) % 7);
			r->user = kit_intern(ds.strs, name);
			r->comm = kit_intern(ds.strs, comms[(x >> 36) % 2]);
			r->time_ms = T0 + (int64_t)((x >> 20) % 400) * 500;
			r->stream = -1;
			r->p2 = -1;
			if ((x >> 8) % 13 == 0) {
				r->kind = REC_ABNORMAL;
				r->time_ms -= r->time_ms % 60000;
				r->id = (int32_t)((x >> 12) % 6);
				r->p1 = (x >> 14) % 3 ? 2017 : -1;
			} else {
				r->kind = REC_EVENT;
				r->id = ids[(x >> 4) % (sizeof ids / sizeof ids[0])];
				r->p1 = (int32_t)((x >> 16) % 4) - 1;
			}
		}
		for (int i = 0; i < N; i++) {
			int k = order == 0 ? i : order == 1 ? N - 1 - i : (i * 7919) % N;

			assert_int_equal(dataset_append(&ds, &recs[k]), RR_OK);
		}
		assert_int_equal(dataset_finish(&ds), RR_OK);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		if (order == 0) {
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &first), RR_OK);
			assert_model_consistent(&first, ds.strs);
			assert_true(first.nsessions > 100);
		}
		for (unsigned t = 1; t <= 3; t += 2) {
			o.threads = t;
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
			assert_same_model_ex(&first, &m, order == 0);
			assert_same_outside(&first, order == 0 ? &ds : &ds0, &m, &ds);
			model_free(&m);
		}
		if (order == 0)
			ds0 = ds;
		else
			dataset_free(&ds);
	}
	assert_true(first.noutside > 0);
	dataset_free(&ds0);
	model_free(&first);
	free(recs);
}

static void test_threads_same_model(void **state)
{
	struct sessions_options o;
	struct dataset ds;
	struct model one, m;

	(void)state;
	for (unsigned seed = 1; seed <= 4; seed++) {
		random_rows(&ds, seed, 3000);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &one), RR_OK);
		assert_true(one.ncalls > 13);
		assert_true(one.nexperiences > 0);
		assert_true(one.nfindings > one.nsessions);
		assert_model_consistent(&one, ds.strs);
		for (unsigned t = 2; t <= 6; t++) {
			o.threads = t;
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
			assert_model_consistent(&m, ds.strs);
			assert_same_model(&one, &m);
			model_free(&m);
		}
		o.threads = 3;
		for (unsigned long n = 1; n < 80; n += 3) {
			int rc;

			rr_alloc_fail_at(n);
			rc = sessions_build(&ds, kit_cat, &o, &m);
			rr_alloc_fail_at(0);
			if (rc == RR_OK) {
				assert_same_model(&one, &m);
				model_free(&m);
				continue;
			}
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(m.sessions);
			assert_int_equal(m.nsessions, 0);
		}
		model_free(&one);
		dataset_free(&ds);
	}
}

/* Without details the sessions reach their final places by a gather into a
 * new array; with them (or without the memory for the gather) they are
 * permuted in place. Both ways, on one thread or several, give the same
 * model, allocation failures included. */
static void test_gather_same_as_permute(void **state)
{
	struct sessions_options o;
	struct dataset ds;
	struct model with, m, x;

	(void)state;
	for (unsigned seed = 5; seed <= 7; seed++) {
		random_rows(&ds, seed, 3000);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &with), RR_OK);
		assert_non_null(with.details);
		assert_true(with.nsessions > 100);
		x = with;
		x.details = NULL;
		o.details = 0;
		for (unsigned t = 1; t <= 3; t++) {
			o.threads = t;
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
			assert_null(m.details);
			assert_model_consistent(&m, ds.strs);
			assert_same_model(&x, &m);
			model_free(&m);
		}
		for (unsigned long n = 1; n < 400; n++) {
			int rc;

			rr_alloc_fail_at(n);
			rc = sessions_build(&ds, kit_cat, &o, &m);
			rr_alloc_fail_at(0);
			if (rc == RR_OK) {
				assert_same_model(&x, &m);
				model_free(&m);
				continue;
			}
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(m.sessions);
		}
		model_free(&with);
		dataset_free(&ds);
	}
}

/* ---- the incremental builder (sessions_begin / add / end) ---- */

/* Inputs of several rooms whose abnormal rows land on sessions, on calls
 * only, or nowhere. Rooms are numbered in the string table in the order
 * they first appear here, which is the order of their records. */
static const struct row parts_sessions_rows[] = {
	RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 90, 5008, 1),
	AX("r1", "", "a", 60, 4, 2017, "b"), AX("r1", "", "a", 60, 4, 2023, NULL),
	RC("r2", "c", "b", 10, 32788, -1), RC("r2", "c", "b", 50, 32789, -1),
	AX("r2", "c", "b", 120, 1, 1005, NULL),      /* after its only session */
	RC("r3", "", "c", 0, 5001, -1), RC("r3", "", "c", 30, 7001, 1),
	RC("r3", "", "c", 900, 5001, -1), RC("r3", "", "c", 960, 5008, 1),
	AX("r3", "", "c", 940, 2, -1, NULL),         /* the second call's session */
	AX("r3", "", "c", -120, 3, 1016, NULL),      /* before both: the nearest */
	END,
};

static const struct row parts_calls_rows[] = {
	RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 90, 5008, 1),
	AX("r1", "", "z", 60, 4, -1, NULL),          /* z has no session: the call */
	RC("r2", "", "a", 0, 5001, -1), RC("r2", "", "a", 30, 5008, 1),
	RC("r2", "", "a", 1000, 5001, -1), RC("r2", "", "a", 1030, 5008, 1),
	AX("r2", "", "y", 1010, 5, 2017, "a"),       /* inside the second call */
	AX("r2", "", "y", 500, 5, -1, NULL),         /* between calls: the nearer */
	END,
};

static const struct row parts_orphans_rows[] = {
	AX("q1", "", "w", 0, 4, -1, NULL),           /* rooms with no call at all */
	RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 90, 5008, 1),
	AX("q2", "", "w", 60, 4, 2017, NULL), AX("q2", "", "w", 60, 1, -1, NULL),
	RC("r2", "", "a", 0, 5001, -1), RC("r2", "", "a", 90, 5008, 1),
	AX("r2", "", "a", 30, 3, -1, NULL),
	AX("q3", "k", "v", 0, 2, 1005, "a"),
	END,
};

/* Events between abnormal rows of one (comm, user, time): the copies of the
 * abnormal rows must still form one experience per ExperienceId. */
static const struct row parts_interleaved_rows[] = {
	RC("r1", "", "a", 0, 5001, -1),
	AX("r1", "", "a", 60, 4, 2017, NULL), RC("r1", "", "a", 60, 3001, 1),
	AX("r1", "", "a", 60, 5, -1, NULL), RC("r1", "", "a", 60, 1003, 2),
	AX("r1", "", "a", 60, 4, 2023, "b"),
	RC("r1", "", "a", 90, 5008, 1),
	RC("r2", "", "b", 60, 5001, -1), AX("r2", "", "b", 60, 4, 2017, NULL),
	RC("r2", "", "b", 61, 5008, 1),
	END,
};

struct parts_case {
	const char *name;
	const struct row *rows;     /* NULL: random_rows(seed) */
	unsigned seed;
	/* Experiences on sessions, on calls only, orphans (-1: not checked). */
	int on_sessions, on_calls, orphans;
};

#define PARTS_MAX_VIEWS 64

/* Records [lo[i], hi[i]) of a finished dataset, cut at room boundaries. */
struct cut {
	size_t lo[PARTS_MAX_VIEWS], hi[PARTS_MAX_VIEWS];
	size_t n;
};

/* Cuts ds into `parts` views of whole rooms (as even in rooms as can be;
 * fewer when there are fewer rooms), or one per room when parts is 0;
 * with `empties`, an empty view goes before every view and after the last. */
static void cut_rooms(const struct dataset *ds, unsigned parts, int empties, struct cut *c)
{
	size_t starts[PARTS_MAX_VIEWS], nrooms = 0, k, i;

	for (i = 0; i < ds->nrecs; i++)
		if (i == 0 || ds->recs[i].room != ds->recs[i - 1].room) {
			assert_true(nrooms < PARTS_MAX_VIEWS);
			starts[nrooms++] = i;
		}
	k = parts == 0 || parts > nrooms ? nrooms : parts;
	c->n = 0;
	for (i = 0; i < k || (i == 0 && k == 0); i++) {
		size_t lo = k ? starts[i * nrooms / k] : 0;
		size_t hi = i + 1 < k ? starts[(i + 1) * nrooms / k] : ds->nrecs;

		if (empties) {
			c->lo[c->n] = c->hi[c->n] = lo;
			c->n++;
		}
		assert_true(c->n < PARTS_MAX_VIEWS - 1);
		c->lo[c->n] = lo;
		c->hi[c->n] = hi;
		c->n++;
	}
	if (empties) {
		c->lo[c->n] = c->hi[c->n] = ds->nrecs;
		c->n++;
	}
}

/* Which step of build_views failed (0: none). */
enum { STEP_NONE, STEP_BEGIN, STEP_ADD, STEP_END };

/* Builds a model from the views of c in turn. Each view's records are a
 * copy that is overwritten and freed as soon as sessions_add returns, so a
 * record read later makes a different model (or an ASan report). Returns
 * the status of the step that failed, or RR_OK; *step says which. */
static int build_views(const struct dataset *full, const struct cut *c,
		       const struct sessions_options *o, struct model *m, int *step)
{
	/* Not NULL, so that a failing begin is seen to clear it. */
	struct sessions_builder *sb = (struct sessions_builder *)1;
	int rc;

	memset(m, 0, sizeof *m);
	*step = STEP_BEGIN;
	rc = sessions_begin(kit_cat, o, &sb);
	if (rc != RR_OK) {
		assert_null(sb);
		return rc;
	}
	assert_non_null(sb);
	*step = STEP_ADD;
	for (size_t i = 0; i < c->n; i++) {
		size_t n = c->hi[i] - c->lo[i];
		struct record *copy = malloc(n ? n * sizeof *copy : 1);
		struct dataset v = *full;

		assert_non_null(copy);
		if (n)
			memcpy(copy, full->recs + c->lo[i], n * sizeof *copy);
		v.recs = copy;
		v.nrecs = v.caprecs = n;
		rc = sessions_add(sb, &v);
		memset(copy, 0xa5, n * sizeof *copy);
		free(copy);
		if (rc != RR_OK) {
			sessions_abort(sb);
			return rc;
		}
	}
	*step = STEP_END;
	rc = sessions_end(sb, m);
	if (rc == RR_OK)
		*step = STEP_NONE;
	return rc;
}

/* b, built from the views of c, is a (built from all records), except that
 * its calls' record ranges count from the start of their view. */
static void assert_same_from_views(const struct model *a, const struct model *b,
				   const struct cut *c)
{
	assert_int_equal(a->nsessions, b->nsessions);
	assert_int_equal(a->ncalls, b->ncalls);
	assert_int_equal(a->nfindings, b->nfindings);
	assert_int_equal(a->nexperiences, b->nexperiences);
	assert_int_equal(a->ncauses, b->ncauses);
	assert_int_equal(a->first_orphan_exp, b->first_orphan_exp);
	assert_int_equal(a->norphan_exp, b->norphan_exp);
	if (a->nsessions)
		assert_memory_equal(a->sessions, b->sessions, a->nsessions * sizeof *a->sessions);
	assert_true((a->details == NULL) == (b->details == NULL));
	if (a->details && a->nsessions)
		assert_memory_equal(a->details, b->details, a->nsessions * sizeof *a->details);
	/* Spans as one dataset gives them; outside events' records index the
	 * dataset their call was built from. */
	assert_int_equal(a->nspans, b->nspans);
	if (a->nspans)
		assert_memory_equal(a->spans, b->spans, a->nspans * sizeof *a->spans);
	assert_int_equal(a->noutside, b->noutside);
	for (uint32_t i = 0; i < a->noutside; i++) {
		const struct call *ca = &a->calls[a->outside[i].call];

		assert_int_equal(a->outside[i].call, b->outside[i].call);
		assert_int_equal(a->outside[i].rec - ca->rec_first,
				 b->outside[i].rec - b->calls[b->outside[i].call].rec_first);
	}
	for (uint32_t i = 0; i < a->ncalls; i++) {
		struct call x = b->calls[i];
		size_t v;

		for (v = 0; v < c->n && !(c->lo[v] <= a->calls[i].rec_first &&
					  a->calls[i].rec_first < c->hi[v]); v++)
			;
		assert_true(v < c->n);
		assert_true(a->calls[i].rec_end <= c->hi[v]);
		assert_int_equal(x.rec_first + c->lo[v], a->calls[i].rec_first);
		assert_int_equal(x.rec_end + c->lo[v], a->calls[i].rec_end);
		x.rec_first = a->calls[i].rec_first;
		x.rec_end = a->calls[i].rec_end;
		assert_memory_equal(&x, &a->calls[i], sizeof x);
	}
	if (a->nexperiences)
		assert_memory_equal(a->experiences, b->experiences,
				    a->nexperiences * sizeof *a->experiences);
	if (a->ncauses)
		assert_memory_equal(a->causes, b->causes, a->ncauses * sizeof *a->causes);
	for (uint32_t i = 0; i < a->nfindings; i++) {
		assert_string_equal(a->findings[i].code, b->findings[i].code);
		assert_int_equal(a->findings[i].severity, b->findings[i].severity);
		assert_int_equal(a->findings[i].time_ms, b->findings[i].time_ms);
		assert_string_equal(a->findings[i].text, b->findings[i].text);
	}
}

static void assert_experience_classes(const struct model *m, const struct parts_case *pc)
{
	int on_sessions = 0, on_calls = 0, orphans = 0;

	for (uint32_t i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];

		if (x->session != RR_NOIDX)
			on_sessions++;
		else if (x->call != RR_NOIDX)
			on_calls++;
		else
			orphans++;
	}
	if (pc->on_sessions >= 0)
		assert_int_equal(on_sessions, pc->on_sessions);
	if (pc->on_calls >= 0)
		assert_int_equal(on_calls, pc->on_calls);
	if (pc->orphans >= 0)
		assert_int_equal(orphans, pc->orphans);
}

/* Every input of this file's tables, the multi-room ones above and random
 * ones: the model from views of 1, 2, 3 and one room each, on one thread
 * and on three, is the model sessions_build makes from all records. */
static void test_views_same_model(void **state)
{
	static const struct parts_case own[] = {
		{ "abnormal rows on sessions in three rooms", parts_sessions_rows, 0, 4, 0, 0 },
		{ "abnormal rows on calls only", parts_calls_rows, 0, 0, 3, 0 },
		{ "orphans between rooms with calls", parts_orphans_rows, 0, 1, 0, 4 },
		{ "events between abnormal rows of one key", parts_interleaved_rows, 0, 3, 0, 0 },
		{ "experiences attachment fixture", attach_rows, 0, 5, 2, 1 },
		{ "same CommId fixture", same_comm_rows, 0, 2, 0, 0 },
		{ "out-of-memory fixture", oom_rows, 0, 1, 1, 1 },
		{ "random 1", NULL, 1, -1, -1, -1 },
		{ "random 2", NULL, 2, -1, -1, -1 },
		{ "random 3", NULL, 3, -1, -1, -1 },
	};
	static const struct { unsigned parts; int empties; } cuts[] = {
		{ 1, 0 }, { 2, 0 }, { 3, 0 }, { 0, 0 }, { 0, 1 },
	};
	size_t ncases = sizeof own / sizeof own[0] + sizeof session_cases / sizeof session_cases[0] +
			sizeof call_cases / sizeof call_cases[0] +
			sizeof finding_cases / sizeof finding_cases[0];

	(void)state;
	for (size_t t = 0; t < ncases; t++) {
		struct parts_case pc = { NULL, NULL, 0, -1, -1, -1 };
		struct sessions_options o;
		struct dataset ds;
		struct model whole;
		size_t k = t;

		if (k < sizeof own / sizeof own[0]) {
			pc = own[k];
		} else if ((k -= sizeof own / sizeof own[0]) <
			   sizeof session_cases / sizeof session_cases[0]) {
			pc.name = session_cases[k].name;
			pc.rows = session_cases[k].rows;
		} else if ((k -= sizeof session_cases / sizeof session_cases[0]) <
			   sizeof call_cases / sizeof call_cases[0]) {
			pc.name = call_cases[k].name;
			pc.rows = call_cases[k].rows;
		} else {
			k -= sizeof call_cases / sizeof call_cases[0];
			pc.name = finding_cases[k].name;
			pc.rows = finding_cases[k].rows;
		}
		print_message("case: %s\n", pc.name);
		if (pc.rows)
			load(&ds, pc.rows);
		else
			random_rows(&ds, pc.seed, 3000);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &whole), RR_OK);
		assert_experience_classes(&whole, &pc);
		for (size_t ci = 0; ci < sizeof cuts / sizeof cuts[0]; ci++) {
			struct cut c;

			cut_rooms(&ds, cuts[ci].parts, cuts[ci].empties, &c);
			for (unsigned th = 1; th <= 3; th += 2) {
				struct model m;
				int step;

				o.threads = th;
				assert_int_equal(build_views(&ds, &c, &o, &m, &step), RR_OK);
				assert_same_from_views(&whole, &m, &c);
				model_free(&m);
			}
		}
		model_free(&whole);
		dataset_free(&ds);
	}
}

/* The cut itself: views hold whole rooms, in order, and cover everything
 * (so the test above really splits inputs of several rooms). */
static void test_cut_rooms(void **state)
{
	struct dataset ds;
	struct cut c;

	(void)state;
	load(&ds, parts_orphans_rows);   /* rooms q1 r1 q2 r2 q3 */
	cut_rooms(&ds, 0, 0, &c);
	assert_int_equal(c.n, 5);
	cut_rooms(&ds, 2, 0, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.lo[0], 0);
	assert_int_equal(c.hi[0], c.lo[1]);
	assert_int_equal(c.hi[1], ds.nrecs);
	assert_int_not_equal(ds.recs[c.lo[1]].room, ds.recs[c.lo[1] - 1].room);
	cut_rooms(&ds, 3, 1, &c);
	assert_int_equal(c.n, 7);
	assert_int_equal(c.hi[0], c.lo[0]);
	assert_int_equal(c.hi[6], ds.nrecs);
	dataset_free(&ds);
}

/* An allocation failing in begin, in any add or in end gives RR_ENOMEM
 * from that step, an empty model when it is end, and no leak (the
 * sanitizer build checks that); with no failure, the same model. */
static void test_views_out_of_memory(void **state)
{
	static const struct { const struct row *rows; unsigned seed; unsigned long stride; } cases[] = {
		{ parts_orphans_rows, 0, 1 }, { attach_rows, 0, 1 }, { parts_calls_rows, 0, 1 },
		{ NULL, 4, 5 },
	};

	(void)state;
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		struct sessions_options o;
		struct dataset ds;
		struct model whole;
		struct cut c;

		if (cases[t].rows)
			load(&ds, cases[t].rows);
		else
			random_rows(&ds, cases[t].seed, 3000);
		cut_rooms(&ds, 0, 1, &c);
		sessions_options_init(&o);
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &whole), RR_OK);
		for (unsigned th = 1; th <= 3; th += 2) {
			int seen[4] = { 0, 0, 0, 0 }, ok = 0;

			o.threads = th;
			for (unsigned long n = 1; n < 20000 && !ok; n += cases[t].stride) {
				struct model m;
				int rc, step;

				rr_alloc_fail_at(n);
				rc = build_views(&ds, &c, &o, &m, &step);
				rr_alloc_fail_at(0);
				seen[step] = 1;
				if (rc == RR_OK) {
					ok = 1;
					assert_same_from_views(&whole, &m, &c);
					model_free(&m);
					continue;
				}
				assert_int_equal(rc, RR_ENOMEM);
				assert_int_equal(m.nsessions, 0);
				assert_int_equal(m.ncalls, 0);
				assert_null(m.sessions);
				assert_null(m.calls);
				assert_null(m.findings);
				assert_null(m.experiences);
			}
			assert_true(ok);
			/* Failures were met in every step. */
			assert_true(seen[STEP_BEGIN] && seen[STEP_ADD] && seen[STEP_END]);
		}
		model_free(&whole);
		dataset_free(&ds);
	}
}

/* Nothing added: an empty model; a builder dropped unfinished (NULL too)
 * frees what it holds. */
static void test_builder_empty_and_abort(void **state)
{
	struct sessions_options o;
	struct sessions_builder *sb;
	struct dataset ds;
	struct model m;

	(void)state;
	sessions_options_init(&o);
	assert_int_equal(sessions_begin(kit_cat, &o, &sb), RR_OK);
	assert_int_equal(sessions_end(sb, &m), RR_OK);
	assert_int_equal(m.ncalls, 0);
	assert_int_equal(m.nsessions, 0);
	assert_int_equal(m.nexperiences, 0);
	model_free(&m);

	load(&ds, parts_sessions_rows);
	assert_int_equal(sessions_begin(kit_cat, &o, &sb), RR_OK);
	assert_int_equal(sessions_add(sb, &ds), RR_OK);
	sessions_abort(sb);
	sessions_abort(NULL);
	dataset_free(&ds);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_rules),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_main_network),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_session_ties_by_user),
		cmocka_unit_test(test_threads_same_model),
		cmocka_unit_test(test_input_order_same_model),
		cmocka_unit_test(test_gather_same_as_permute),
		cmocka_unit_test(test_experience_attachment),
		cmocka_unit_test(test_experience_same_comm),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_hostile_peer_is_bounded),
		cmocka_unit_test(test_entry_observed),
		cmocka_unit_test(test_same_millisecond_any_order),
		cmocka_unit_test(test_late_timeout),
		cmocka_unit_test(test_late_timeout_outage),
		cmocka_unit_test(test_experience_minute),
		cmocka_unit_test(test_empty_dataset),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_display_zone),
		cmocka_unit_test(test_display_zone_changes),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_cut_rooms),
		cmocka_unit_test(test_views_same_model),
		cmocka_unit_test(test_views_out_of_memory),
		cmocka_unit_test(test_builder_empty_and_abort),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
