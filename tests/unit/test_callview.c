/*
 * Tests for callview.c: the page model of one call — lanes, bars, marks
 * (inside and outside sessions), outage and background spans, experiences,
 * the event log, findings order, header texts and axis ticks in several
 * zones — built from small datasets through sessions and report; spans and
 * outside marks held to the model on a corpus; without companion files, no
 * lane info and no charts.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callview.h"
#include "catalog.h"
#include "companion.h"
#include "dataset.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "ingest.h"
#include "kit.h"
#include "util.h"
#include "test_callview_kit.h"

/* ---- one call, two users ---- */

/* alice (SDK): enters after 1.2 s, loses the network 40..94 s (two "none"
 * reports, one outage), background 100..130 s, a decode failure, times out
 * at 200 s; an outside event at 210; rejoins 220..300 with background from
 * 230 to the end; a late 7001 after the exit only refines it. bob (WebRTC)
 * loses signaling once. carol has only an experience: no lane, the call's. */
static const struct row two_users[] = {
	E("c1", "alice", 0, 5001, -1), E("c1", "alice", 1.2, 5003, 1),
	E("c1", "alice", 5, 1003, 1), E("c1", "alice", 40, 1003, 0),
	E("c1", "alice", 50, 1003, 0), E("c1", "alice", 94, 1003, 2),
	E("c1", "alice", 100, 2001, 1), E("c1", "alice", 130, 2001, 0),
	E2("c1", "alice", 150, 4013, 5, 1), E("c1", "alice", 200, 7001, 1),
	E("c1", "alice", 210, 2001, 1), E("c1", "alice", 220, 5001, -1),
	E("c1", "alice", 221, 5003, 1), E("c1", "alice", 230, 2001, 1),
	E("c1", "alice", 300, 5008, 1), E("c1", "alice", 301, 7001, 0),
	{ "c1", "alice", 60, AB, 5, -1, -1, NULL },
	{ "c1", "alice", 240, AB, 4, 2017, -1, "bob" },
	E("c1", "bob", 10, 32788, -1), E("c1", "bob", 20, 32790, -1),
	E("c1", "bob", 280, 32789, -1),
	{ "c1", "carol", 120, AB, 1, -1, -1, NULL },
	END,
};

/* ivan's phone goes silent after 1844 s; he rejoins from a laptop at 1880
 * s; the phone's timeout is logged at 1935 s (DESIGN §3): the two sessions
 * overlap, so each bar takes half the lane. dan's two stays do not. */
static const struct row overlapping[] = {
	E("c1", "ivan", 0, 5001, -1), E("c1", "ivan", 1, 5003, 1),
	E("c1", "ivan", 1844, 3001, 1), E("c1", "ivan", 1880, 5001, -1),
	E("c1", "ivan", 1881, 5003, 1), E("c1", "ivan", 1935, 7001, 1),
	E("c1", "ivan", 2700, 7001, 0),
	E("c1", "dan", 10, 5001, -1), E("c1", "dan", 11, 5003, 1), E("c1", "dan", 100, 7001, 0),
	E("c1", "dan", 200, 5001, -1), E("c1", "dan", 201, 5003, 1), E("c1", "dan", 300, 7001, 0),
	END,
};

static void test_overlapping_bars(void **state)
{
	static const struct {
		const char *user;
		int64_t start, end;
		int exit, half;
	} want[] = {
		{ "ivan", 0, 1935, EXIT_TIMEOUT, CV_BAR_UPPER },
		{ "ivan", 1880, 2700, EXIT_NORMAL, CV_BAR_LOWER },
		{ "dan", 10, 100, EXIT_NORMAL, CV_BAR_FULL },
		{ "dan", 200, 300, EXIT_NORMAL, CV_BAR_FULL },
	};
	struct fixture fx;
	struct callview v;
	size_t w = 0;

	(void)state;
	fixture_build(&fx, overlapping, "UTC");
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
	assert_int_equal(v.nlanes, 2);
	for (uint32_t l = 0; l < v.nlanes; l++)
		for (uint32_t k = 0; k < v.lanes[l].nbars; k++, w++) {
			const struct cv_bar *bar = &v.bars[v.lanes[l].first_bar + k];

			print_message("bar %zu\n", w);
			assert_true(w < sizeof want / sizeof want[0]);
			assert_string_equal(v.lanes[l].user, want[w].user);
			assert_int_equal(bar->start_ms, S(want[w].start));
			assert_int_equal(bar->end_ms, S(want[w].end));
			assert_int_equal(bar->exit, want[w].exit);
			assert_int_equal(bar->half, want[w].half);
		}
	assert_int_equal(w, sizeof want / sizeof want[0]);
	callview_free(&v);
	fixture_free(&fx);
}

struct want_log {
	const char *time, *label, *raw, *peer;
	enum severity sev;
	int kind, outside;
};

/* The view of two_users in UTC, built once per test by two_users_setup. */
struct two_users_view {
	struct fixture fx;
	struct callview v;
};

static int two_users_setup(void **state)
{
	struct two_users_view *t = calloc(1, sizeof *t);

	assert_non_null(t);
	fixture_build(&t->fx, two_users, "UTC");
	assert_int_equal(t->fx.m.ncalls, 1);
	assert_int_equal(callview_build(&t->fx.r, kit_cat, 0, &t->v), RR_OK);
	assert_int_equal(t->v.nlanes, 2);    /* alice's lane, then bob's */
	*state = t;
	return 0;
}

static int two_users_teardown(void **state)
{
	struct two_users_view *t = *state;

	callview_free(&t->v);
	fixture_free(&t->fx);
	free(t);
	return 0;
}

/* The header texts and the axis. */
static void test_two_users_header(void **state)
{
	const struct callview *v = &((struct two_users_view *)*state)->v;

	assert_string_equal(v->room, "room");
	assert_string_equal(v->comm, "c1");
	assert_string_equal(v->zone, "UTC");
	assert_string_equal(v->span, "2026-11-20 10:00:00 – 10:05:00 (UTC)");
	assert_string_equal(v->duration, "5 min 00 s");
	/* The late 7001 at 301 s widens the axis past the call's end. */
	assert_int_equal(v->t0, S(0));
	assert_int_equal(v->t1, S(301));
}

/* One lane per user with a platform; alice's two bars and bob's one. */
static void test_two_users_lanes_and_bars(void **state)
{
	static const char *const alice_bars[] = {
		"10:00:00–10:03:20 · entered after 1.2 s · timed out",
		"10:03:40–10:05:00 · entered after 1 s · left normally",
	};
	const struct two_users_view *t = *state;
	const struct callview *v = &t->v;
	const struct cv_lane *a, *b;

	assert_int_equal(v->nlanes, 2);
	a = &v->lanes[0];
	b = &v->lanes[1];
	assert_string_equal(a->user, "alice");
	assert_string_equal(a->platform, "sdk");
	assert_string_equal(b->user, "bob");
	assert_string_equal(b->platform, "webrtc");

	assert_int_equal(v->nbars, 3);
	assert_int_equal(a->nbars, 2);
	for (uint32_t i = 0; i < 2; i++)
		assert_string_equal(v->bars[a->first_bar + i].title, alice_bars[i]);
	assert_int_equal(v->bars[a->first_bar].exit, EXIT_TIMEOUT);
	assert_int_equal(v->bars[a->first_bar].start_ms, S(0));
	assert_int_equal(v->bars[a->first_bar].end_ms, S(200));
	assert_int_equal(v->bars[a->first_bar + 1].exit, EXIT_NORMAL);
	assert_int_equal(b->nbars, 1);
	assert_string_equal(v->bars[b->first_bar].title,
			    "10:00:10–10:04:40 · entered · left normally");
	assert_int_equal(t->fx.m.sessions[v->bars[b->first_bar].session].user,
			 t->fx.m.sessions[t->fx.m.calls[0].first_session + 1].user);
}

/* Marks: every event, in time order; only the 2001 at 210 s is outside a
 * session. */
static void test_two_users_marks(void **state)
{
	const struct callview *v = &((struct two_users_view *)*state)->v;
	const struct cv_lane *a = &v->lanes[0], *b = &v->lanes[1];
	uint32_t outside = 0;

	assert_int_equal(a->nmarks, 16);
	assert_int_equal(b->nmarks, 3);
	assert_int_equal(v->nmarks, 19);
	for (uint32_t i = 0; i < a->nmarks; i++) {
		const struct cv_mark *mk = &v->marks[a->first_mark + i];

		if (i > 0)
			assert_true(mk->time_ms >= mk[-1].time_ms);
		if (mk->outside) {
			outside++;
			assert_int_equal(mk->time_ms, S(210));
		}
	}
	assert_int_equal(outside, 1);
	assert_string_equal(v->marks[a->first_mark + 3].title, "10:00:40 · Network: none (disconnected)");
	assert_int_equal(v->marks[a->first_mark + 3].severity, SEV_WARNING);
	assert_int_equal(v->marks[a->first_mark + 3].category, CC_NETWORK);
	assert_string_equal(v->marks[b->first_mark + 1].title, "10:00:20 · Signaling disconnected");
	assert_int_equal(a->problems, 4);    /* 1003/0 twice, 4013, 7001 timeout */
	assert_int_equal(b->problems, 1);
}

/* alice's outage and background spans; none for bob. */
static void test_two_users_spans(void **state)
{
	static const char *const spans[] = {
		"No network 10:00:40–10:01:34 (54 s)",
		"In the background 10:01:40–10:02:10 (30 s)",
		"In the background 10:03:50–10:05:00 (1 min 10 s)",
	};
	static const int64_t span_ms[][2] = { { 40, 94 }, { 100, 130 }, { 230, 300 } };
	const struct callview *v = &((struct two_users_view *)*state)->v;
	const struct cv_lane *a = &v->lanes[0], *b = &v->lanes[1];

	assert_int_equal(a->nspans, 3);
	assert_int_equal(b->nspans, 0);
	for (uint32_t i = 0; i < 3; i++) {
		const struct cv_span *sp = &v->spans[a->first_span + i];

		assert_string_equal(sp->title, spans[i]);
		assert_int_equal(sp->kind, i == 0 ? CV_SPAN_OUTAGE : CV_SPAN_BACKGROUND);
		assert_int_equal(sp->start_ms, S(span_ms[i][0]));
		assert_int_equal(sp->end_ms, S(span_ms[i][1]));
	}
}

/* alice's two experiences on her lane; carol's, without a lane, the call's. */
static void test_two_users_experiences(void **state)
{
	static const char *const exps[] = {
		"10:01 · Audio lagged — no cause listed",
		"10:04 · Video lagged — possible causes: downstream big-stream loss too high "
			    "on the stream from peer bob",
	};
	const struct callview *v = &((struct two_users_view *)*state)->v;
	const struct cv_lane *a = &v->lanes[0], *b = &v->lanes[1];

	assert_int_equal(a->nexps, 2);
	assert_int_equal(b->nexps, 0);
	for (uint32_t i = 0; i < 2; i++)
		assert_string_equal(v->exps[a->first_exp + i].title, exps[i]);
	assert_int_equal(v->ncall_exps, 1);
	assert_string_equal(v->call_exps[0].title, "10:02 · Slow room entry — no cause listed");
}

/* The event log: every record per lane; selected alice rows field by field. */
static void test_two_users_log(void **state)
{
	static const struct { uint32_t i; struct want_log w; } alice_log[] = {
		{ 0, { "10:00:00.000", "Entering room", "5001", "", SEV_INFO, EV, 0 } },
		{ 1, { "10:00:01.200", "Room entry succeeded", "5003 (1)", "", SEV_INFO, EV, 0 } },
		{ 3, { "10:00:40.000", "Network: none (disconnected)", "1003 (0)", "", SEV_WARNING, EV, 0 } },
		{ 5, { "10:01:00.000", "Audio lagged", "experience 5", "", SEV_WARNING, AB, 0 } },
		{ 9, { "10:02:30.000", "5 frames failed to decode in 3 s (hardware)", "4013 (5, 1)", "",
		       SEV_WARNING, EV, 0 } },
		{ 10, { "10:03:20.000", "Left room: timed out", "7001 (1)", "", SEV_ERROR, EV, 0 } },
		{ 11, { "10:03:30.000", "App moved to the background", "2001 (1)", "", SEV_INFO, EV, 1 } },
		{ 15, { "10:04:00.000", "Video lagged — possible cause: downstream big-stream loss too high "
			"on the stream from peer bob", "experience 4, cause 2017", "", SEV_WARNING, AB, 0 } },
		{ 17, { "10:05:01.000", "Left room: normal", "7001 (0)", "", SEV_INFO, EV, 0 } },
	};
	const struct callview *v = &((struct two_users_view *)*state)->v;
	const struct cv_lane *a = &v->lanes[0], *b = &v->lanes[1];

	assert_int_equal(a->nlog, 18);
	assert_int_equal(b->nlog, 3);
	for (uint32_t i = 0; i < sizeof alice_log / sizeof alice_log[0]; i++) {
		const struct cv_log *lg = &v->log[a->first_log + alice_log[i].i];
		const struct want_log *w = &alice_log[i].w;

		print_message("log row %u\n", alice_log[i].i);
		assert_string_equal(lg->time, w->time);
		assert_string_equal(lg->label, w->label);
		assert_string_equal(lg->raw, w->raw);
		assert_string_equal(lg->peer, w->peer);
		assert_int_equal(lg->severity, w->sev);
		assert_int_equal(lg->kind, w->kind);
		assert_int_equal(lg->outside, w->outside);
	}
	assert_string_equal(v->log[b->first_log].raw, "32788");
}

/* Findings in the view's order, each with its user and time. */
static void test_two_users_findings(void **state)
{
	static const struct { const char *code, *user; double sec; const char *time; } finds[] = {
		{ "timeout", "alice", 200, "10:03:20" },
		{ "signaling_lost", "bob", 20, "10:00:20" },
		{ "network_lost", "alice", 40, "10:00:40" },
		{ "abnormal_experience", "alice", 60, "10:01:00" },
		{ "decode_failed", "alice", 150, "10:02:30" },
		{ "abnormal_experience", "alice", 240, "10:04:00" },
		{ "background", "alice", 100, "10:01:40" },
		{ "background", "alice", 230, "10:03:50" },
	};
	const struct callview *v = &((struct two_users_view *)*state)->v;

	assert_int_equal(v->nfindings, sizeof finds / sizeof finds[0]);
	for (uint32_t i = 0; i < v->nfindings; i++) {
		print_message("finding %u: %s\n", i, v->findings[i].f->text);
		assert_string_equal(v->findings[i].f->code, finds[i].code);
		assert_string_equal(v->findings[i].user, finds[i].user);
		assert_int_equal(v->findings[i].f->time_ms, S(finds[i].sec));
		assert_string_equal(v->findings[i].time, finds[i].time);
	}
}

/* 301 s at 30 s steps: 11 ticks with seconds in their labels. */
static void test_two_users_ticks(void **state)
{
	const struct callview *v = &((struct two_users_view *)*state)->v;

	assert_int_equal(v->nticks, 11);
	assert_string_equal(v->ticks[0].label, "10:00:00");
	assert_string_equal(v->ticks[1].label, "10:00:30");
	assert_string_equal(v->ticks[10].label, "10:05:00");
}

/* Same input, same view: every text and number compares equal. */
static void test_deterministic(void **state)
{
	struct fixture fx;
	struct callview v1, v2;
	uint32_t i;

	(void)state;
	fixture_build(&fx, two_users, "Asia/Shanghai");
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v1), RR_OK);
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v2), RR_OK);
	assert_string_equal(v1.span, "2026-11-20 18:00:00 – 18:05:00 (Asia/Shanghai)");
	assert_int_equal(v1.nlog, v2.nlog);
	for (i = 0; i < v1.nlog; i++) {
		assert_string_equal(v1.log[i].time, v2.log[i].time);
		assert_string_equal(v1.log[i].label, v2.log[i].label);
	}
	assert_int_equal(v1.nmarks, v2.nmarks);
	for (i = 0; i < v1.nmarks; i++)
		assert_string_equal(v1.marks[i].title, v2.marks[i].title);
	assert_int_equal(v1.nfindings, v2.nfindings);
	for (i = 0; i < v1.nfindings; i++)
		assert_ptr_equal(v1.findings[i].f, v2.findings[i].f);
	assert_string_equal(v1.marks[0].title, "18:00:00 · Entering room");
	callview_free(&v1);
	callview_free(&v2);
	fixture_free(&fx);
}

/* Without a CommId, calls split by the gap share one record range: each
 * page shows only the records within its own call. */
static void test_split_call_records(void **state)
{
	static const struct row rows[] = {
		E("", "u", 0, 5001, -1), E("", "u", 10, 5008, 1),
		E("", "u", 1000, 5001, -1), E("", "u", 1005, 1003, 0), E("", "u", 1010, 5008, 1),
		END,
	};
	struct fixture fx;
	struct callview v;

	(void)state;
	fixture_build(&fx, rows, "UTC");
	assert_int_equal(fx.m.ncalls, 2);
	assert_int_equal(callview_build(&fx.r, kit_cat, 1, &v), RR_OK);
	assert_int_equal(v.call, 1);
	assert_string_equal(v.comm, "");
	assert_int_equal(v.nlanes, 1);
	assert_int_equal(v.nlog, 3);
	assert_string_equal(v.log[0].time, "10:16:40.000");
	assert_int_equal(v.nspans, 1);
	assert_string_equal(v.spans[0].title, "No network 10:16:45–10:16:50 (5 s)");
	assert_int_equal(v.t0, S(1000));
	assert_int_equal(v.t1, S(1010));
	callview_free(&v);
	fixture_free(&fx);
}

/* ---- one view reused across calls ---- */

static void assert_same_view(const struct callview *a, const struct callview *b)
{
	uint32_t i;

	assert_int_equal(a->call, b->call);
	assert_string_equal(a->room, b->room);
	assert_string_equal(a->span, b->span);
	assert_string_equal(a->duration, b->duration);
	assert_string_equal(a->room_span, b->room_span);
	assert_int_equal(a->t0, b->t0);
	assert_int_equal(a->t1, b->t1);
	assert_int_equal(a->nlanes, b->nlanes);
	for (i = 0; i < a->nlanes; i++) {
		assert_string_equal(a->lanes[i].user, b->lanes[i].user);
		assert_int_equal(a->lanes[i].nlog, b->lanes[i].nlog);
		assert_int_equal(a->lanes[i].problems, b->lanes[i].problems);
	}
	assert_int_equal(a->nbars, b->nbars);
	for (i = 0; i < a->nbars; i++)
		assert_string_equal(a->bars[i].title, b->bars[i].title);
	assert_int_equal(a->nmarks, b->nmarks);
	for (i = 0; i < a->nmarks; i++) {
		assert_string_equal(a->marks[i].title, b->marks[i].title);
		assert_int_equal(a->marks[i].severity, b->marks[i].severity);
	}
	assert_int_equal(a->nspans, b->nspans);
	for (i = 0; i < a->nspans; i++)
		assert_string_equal(a->spans[i].title, b->spans[i].title);
	assert_int_equal(a->nlog, b->nlog);
	for (i = 0; i < a->nlog; i++) {
		assert_string_equal(a->log[i].time, b->log[i].time);
		assert_string_equal(a->log[i].label, b->log[i].label);
		assert_string_equal(a->log[i].raw, b->log[i].raw);
		assert_string_equal(a->log[i].peer, b->log[i].peer);
	}
	assert_int_equal(a->nticks, b->nticks);
	for (i = 0; i < a->nticks; i++)
		assert_string_equal(a->ticks[i].label, b->ticks[i].label);
	assert_int_equal(a->nfindings, b->nfindings);
	for (i = 0; i < a->nfindings; i++) {
		assert_ptr_equal(a->findings[i].f, b->findings[i].f);
		assert_string_equal(a->findings[i].time, b->findings[i].time);
	}
}

/* callview_rebuild on one view, call after call (and back), gives what a
 * fresh build gives, though its storage (and its cache of labels) carries
 * over; a failure leaves the view empty and usable again. */
static void test_rebuild(void **state)
{
	static const struct row rows[] = {
		E("", "u", 0, 5001, -1), E("", "u", 1, 5003, 1), E("", "u", 5, 1003, 1),
		E2("", "u", 6, 4003, 1280, 720), E("", "u", 10, 5008, 1),
		E("", "v", 2, 5001, -1), E("", "v", 3, 5003, 1), E("", "v", 9, 7001, 1),
		E("", "u", 1000, 5001, -1), E("", "u", 1001, 5003, 1), E("", "u", 1005, 1003, 0),
		E2("", "u", 1006, 4003, 640, 360), E("", "u", 1010, 5008, 1),
		END,
	};
	static const uint32_t order[] = { 0, 1, 1, 0, 1 };
	struct fixture fx;
	struct callview v, fresh;
	unsigned long n;
	int ok = 0;

	(void)state;
	fixture_build(&fx, rows, "Asia/Kolkata");
	assert_int_equal(fx.m.ncalls, 2);
	memset(&v, 0, sizeof v);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		assert_int_equal(callview_rebuild(&fx.r, kit_cat, order[i], &v), RR_OK);
		assert_int_equal(callview_build(&fx.r, kit_cat, order[i], &fresh), RR_OK);
		assert_same_view(&v, &fresh);
		callview_free(&fresh);
	}
	/* The same event with other parameters is another label. */
	assert_int_equal(callview_rebuild(&fx.r, kit_cat, 1, &v), RR_OK);
	assert_string_equal(v.log[3].label, "Video resolution changed to 640×360");
	assert_string_equal(v.log[3].raw, "4003 (640, 360)");
	assert_int_equal(callview_rebuild(&fx.r, kit_cat, 5, &v), RR_EDATA);
	assert_null(v.storage);
	assert_int_equal(v.nlog, 0);
	/* Out of memory at every point of a rebuild over a built view. */
	for (n = 1; n < 500 && !ok; n++) {
		int rc;

		assert_int_equal(callview_rebuild(&fx.r, kit_cat, 0, &v), RR_OK);
		rr_alloc_fail_at(n);
		rc = callview_rebuild(&fx.r, kit_cat, 1, &v);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(v.storage);
			assert_null(v.log);
			assert_int_equal(v.nlog, 0);
		}
	}
	assert_true(ok);
	assert_int_equal(callview_build(&fx.r, kit_cat, 1, &fresh), RR_OK);
	assert_same_view(&v, &fresh);
	callview_free(&fresh);
	callview_free(&v);
	fixture_free(&fx);
}

/* ---- axis ticks ---- */

struct tick_case {
	const char *name, *zone;
	double start, len;             /* seconds from T0 */
	int64_t step_ms;
	uint32_t nticks;
	const char *first, *last;
	const char *span;
	const char *change;            /* zone_change */
	const char *labels;            /* every label, '|' between; NULL: not checked */
};

static const struct tick_case tick_cases[] = {
	{ "40 s: 5 s steps", "UTC", 0, 40, 5000, 9, "10:00:00", "10:00:40",
	  "2026-11-20 10:00:00 – 10:00:40 (UTC)", "", NULL },
	{ "40 s off the grid", "UTC", 3.5, 40, 5000, 8, "10:00:05", "10:00:40",
	  "2026-11-20 10:00:03 – 10:00:43 (UTC)", "", NULL },
	{ "7 min: 1 min steps", "UTC", 0, 420, 60000, 8, "10:00", "10:07",
	  "2026-11-20 10:00:00 – 10:07:00 (UTC)", "", NULL },
	{ "3 h: 30 min steps", "UTC", 0, 10800, 1800000, 7, "10:00", "13:00",
	  "2026-11-20 10:00:00 – 13:00:00 (UTC)", "", NULL },
	{ "3 h in a :30 zone: local half hours", "Asia/Kolkata", 0, 10800, 1800000, 7,
	  "15:30", "18:30", "2026-11-20 15:30:00 – 18:30:00 (Asia/Kolkata)", "", NULL },
	{ "7 h in a :45 zone: hour steps on local whole hours", "Asia/Kathmandu", 0, 25200,
	  3600000, 7, "16:00", "22:00", "2026-11-20 15:45:00 – 22:45:00 (Asia/Kathmandu)", "", NULL },
	{ "2 days: 6 h steps, date repeated at the end", "UTC", 0, 172800, 21600000, 8,
	  "12:00", "06:00", "2026-11-20 10:00:00 – 2026-11-22 10:00:00 (UTC)", "", NULL },
	{ "20 days: day steps show the date", "UTC", 0, 20 * 86400.0, 2 * 86400000LL, 10,
	  "11-21", "12-09", "2026-11-20 10:00:00 – 2026-12-10 10:00:00 (UTC)", "", NULL },
	{ "one instant: a 5 s axis", "UTC", 0, 0, 1000, 6, "10:00:00", "10:00:05",
	  "2026-11-20 10:00:00 – 10:00:00 (UTC)", "", NULL },
	/* Across a change of offset: real-time steps (the same 2 min or 30 min
	 * apart throughout), each side on its own clock, the zone named on the
	 * first tick and the first of each new offset, every other time of the
	 * page with its zone's name. */
	{ "Berlin, 25 Oct: the repeated hour", "Europe/Berlin", -2279400, 1200, 120000, 11,
	  "02:50 CEST", "02:10", "2026-10-25 02:50:00 CEST – 02:10:00 CET (Europe/Berlin)",
	  "clocks went back at 03:00 CEST to 02:00 CET (2026-10-25 01:00 UTC)",
	  "02:50 CEST|02:52|02:54|02:56|02:58|02:00 CET|02:02|02:04|02:06|02:08|02:10" },
	{ "Berlin, 29 Mar: the skipped hour", "Europe/Berlin", -20423400, 1200, 120000, 11,
	  "01:50 CET", "03:10", "2026-03-29 01:50:00 CET – 03:10:00 CEST (Europe/Berlin)",
	  "clocks went forward at 02:00 CET to 03:00 CEST (2026-03-29 01:00 UTC)",
	  "01:50 CET|01:52|01:54|01:56|01:58|03:00 CEST|03:02|03:04|03:06|03:08|03:10" },
	{ "Berlin, 25 Oct, 3 h: half hours on both clocks", "Europe/Berlin",
	  -2284200, 10800, 1800000, 7, "01:30 CEST", "03:30",
	  "2026-10-25 01:30:00 CEST – 03:30:00 CET (Europe/Berlin)",
	  "clocks went back at 03:00 CEST to 02:00 CET (2026-10-25 01:00 UTC)",
	  "01:30 CEST|02:00|02:30|02:00 CET|02:30|03:00|03:30" },
	{ "Sydney, 5 Apr: the end of summer time", "Australia/Sydney", -19851000, 1200,
	  120000, 11, "02:50 AEDT", "02:10", "2026-04-05 02:50:00 AEDT – 02:10:00 AEST (Australia/Sydney)",
	  "clocks went back at 03:00 AEDT to 02:00 AEST (2026-04-04 16:00 UTC)", NULL },
	{ "Berlin, no change: as ever", "Europe/Berlin", 0, 420, 60000, 8, "11:00", "11:07",
	  "2026-11-20 11:00:00 – 11:07:00 (Europe/Berlin)", "",
	  "11:00|11:01|11:02|11:03|11:04|11:05|11:06|11:07" },
};

/* The axis' stretches of one offset for the page's script (v.zones): the
 * first from t0; a change of offset starts the next, and on such a page
 * each names its zone. "%T0" stands for v.t0. */
static void test_zones(void **state)
{
	static const struct {
		const char *zone;
		double start, len;
		const char *want;
	} cases[] = {
		{ "UTC", 0, 420, "%T0 0" },
		{ "Asia/Kolkata", 0, 10800, "%T0 19800" },
		{ "Europe/Berlin", 0, 420, "%T0 3600" },
		{ "Europe/Berlin", -2279400, 1200, "%T0 7200 CEST;1792890000000 3600 CET" },
	};

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct row rows[3] = {
			E("k", "u", cases[c].start, 5001, -1),
			E("k", "u", cases[c].start + cases[c].len, 5008, 1), END,
		};
		struct fixture fx;
		struct callview v;
		char want[128];

		print_message("case: %s %g\n", cases[c].zone, cases[c].start);
		fixture_build(&fx, rows, cases[c].zone);
		assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
		snprintf(want, sizeof want, "%" PRId64 "%s", v.t0, cases[c].want + 3);
		assert_string_equal(v.zones, want);
		callview_free(&v);
		fixture_free(&fx);
	}
}

static void test_ticks(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof tick_cases / sizeof tick_cases[0]; c++) {
		const struct tick_case *tc = &tick_cases[c];
		struct row rows[3] = {
			E("k", "u", tc->start, 5001, -1), E("k", "u", tc->start + tc->len, 5008, 1), END,
		};
		struct fixture fx;
		struct callview v;
		uint32_t i;

		print_message("case: %s\n", tc->name);
		if (tc->len == 0)
			rows[1] = rows[2];
		fixture_build(&fx, rows, tc->zone);
		assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
		assert_string_equal(v.span, tc->span);
		/* Each time of the span carries the shape it was made in. */
		assert_int_equal(v.span_t.n, 2);
		assert_int_equal(v.span_t.t[0].shape, FT_DATETIME);
		assert_int_equal(v.span_t.t[1].shape,
				 strstr(tc->span, " – ")[strlen(" – ") + 4] == '-' ? FT_DATETIME : FT_TIME);
		assert_true(v.t1 > v.t0);
		assert_true(v.nticks >= 4 && v.nticks <= 12);
		assert_int_equal(v.nticks, tc->nticks);
		assert_string_equal(v.ticks[0].label, tc->first);
		assert_string_equal(v.ticks[v.nticks - 1].label, tc->last);
		assert_string_equal(v.zone_change, tc->change);
		if (tc->labels) {
			char all[512] = "";

			for (i = 0; i < v.nticks; i++)
				snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s",
					 i ? "|" : "", v.ticks[i].label);
			assert_string_equal(all, tc->labels);
		}
		for (i = 0; i < v.nticks; i++) {
			int64_t local = v.ticks[i].time_ms +
					(int64_t)tz_offset(fx.tz, v.ticks[i].time_ms) * 1000;

			assert_true(v.ticks[i].time_ms >= v.t0 && v.ticks[i].time_ms <= v.t1);
			assert_int_equal(local % tc->step_ms, 0);     /* round in local time */
			if (i > 0)
				assert_int_equal(v.ticks[i].time_ms - v.ticks[i - 1].time_ms,
						 tc->step_ms);
		}
		callview_free(&v);
		fixture_free(&fx);
	}
}

/*
 * The page draws what the model measured: on a corpus (the samples, the
 * e2e data, a generated week when python3 is there), every session's drawn
 * outage spans add up to its outage_ms and its background spans to its
 * background_ms, and every call's page marks as outside exactly the
 * events its outside_events counts.
 */
static int corpus_check(const char *const *paths, size_t n)
{
	struct fixture fx;
	struct ingest_options io;
	struct sessions_options o;
	struct companion_options co;
	struct callview v;
	char err[256];
	uint32_t c, i, checked = 0;

	memset(&fx, 0, sizeof fx);
	assert_int_equal(tz_open("Europe/Berlin", &fx.tz, err, sizeof err), RR_OK);
	assert_int_equal(dataset_init(&fx.ds), RR_OK);
	kit_ingest_options(&io);
	for (i = 0; i < n; i++)
		if (ingest_file(&fx.ds, paths[i], &io, err, sizeof err) != RR_OK)
			fail_msg("%s", err);
	assert_int_equal(dataset_finish(&fx.ds), RR_OK);
	sessions_options_init(&o);
	o.display_tz = fx.tz;
	assert_int_equal(sessions_build(&fx.ds, kit_cat, &o, &fx.m), RR_OK);
	companion_options_init(&co);
	co.display_tz = fx.tz;
	assert_int_equal(companion_link(&fx.ds, &co, &fx.m), RR_OK);
	assert_int_equal(report_build(&fx.ds, &fx.m, NULL, kit_cat, fx.tz, &fx.r), RR_OK);
	memset(&v, 0, sizeof v);
	for (c = 0; c < fx.m.ncalls; c++) {
		uint32_t outside = 0, k;

		assert_int_equal(callview_rebuild(&fx.r, kit_cat, c, &v), RR_OK);
		for (k = 0; k < v.nbars; k++) {
			const struct session *s = &fx.m.sessions[v.bars[k].session];
			int64_t out = 0, bg = 0;

			for (i = 0; i < v.nspans; i++) {
				if (v.spans[i].session != v.bars[k].session)
					continue;
				if (v.spans[i].kind == CV_SPAN_OUTAGE)
					out += v.spans[i].end_ms - v.spans[i].start_ms;
				else
					bg += v.spans[i].end_ms - v.spans[i].start_ms;
			}
			if (out != s->outage_ms || bg != s->background_ms)
				fail_msg("call %u session %u: drawn %lld/%lld ms, model %lld/%lld",
					 c, v.bars[k].session, (long long)out, (long long)bg,
					 (long long)s->outage_ms, (long long)s->background_ms);
			checked += s->outage_ms > 0 || s->background_ms > 0;
		}
		for (k = 0; k < v.nmarks; k++)
			outside += v.marks[k].outside;
		if (outside != fx.m.calls[c].outside_events)
			fail_msg("call %u: %u events drawn outside, model %u", c, outside,
				 fx.m.calls[c].outside_events);
	}
	callview_free(&v);
	fixture_free(&fx);
	return (int)checked;
}

static void test_spans_are_the_models(void **state)
{
	static const char *const samples[] = {
		RR_TEST_DATA "/../../samples/events.csv",
		RR_TEST_DATA "/../../samples/events-webrtc.csv",
		RR_TEST_DATA "/../../samples/abnormal.csv",
		RR_TEST_DATA "/../../samples/users.csv",
		RR_TEST_DATA "/../../samples/rooms.csv",
		RR_TEST_DATA "/../../samples/quality.csv",
	};
	static const char *const e2e[] = { RR_TEST_DATA "/e2e/unknown.csv" };
	char dir[] = "/tmp/rr-spans-XXXXXX", cmd[1024], ev[256], ab[256];
	const char *week[2] = { ev, ab };

	(void)state;
	assert_true(corpus_check(samples, 6) > 0);
	corpus_check(e2e, 1);
	/* A generated week (small): outages and background time aplenty. */
	if (!mkdtemp(dir))
		fail_msg("mkdtemp");
	snprintf(ev, sizeof ev, "%s/events.csv", dir);
	snprintf(ab, sizeof ab, "%s/abnormal.csv", dir);
	snprintf(cmd, sizeof cmd, "python3 '%s' --calls 150 --days 3 --seed 5 --out '%s' "
		 "--abnormal '%s' >/dev/null 2>&1", RR_TEST_DATA "/../bench/gen.py", ev, ab);
	if (system(cmd) == 0) {
		assert_true(corpus_check(week, 2) > 10);
	} else {
		print_message("python3 or gen.py not available: generated week skipped\n");
	}
	unlink(ev);
	unlink(ab);
	rmdir(dir);
}

/* Without companion files nothing changes: no charts, empty lane info. */
static void test_no_companion(void **state)
{
	struct fixture fx;
	struct callview v;
	uint32_t i;

	(void)state;
	fixture_build(&fx, two_users, "UTC");
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
	assert_string_equal(v.room_span, "");
	assert_int_equal(v.ongoing, 0);
	assert_int_equal(v.ncharts, 0);
	for (i = 0; i < v.nlanes; i++) {
		assert_string_equal(v.lanes[i].device, "");
		assert_string_equal(v.lanes[i].sdk, "");
		assert_string_equal(v.lanes[i].ip, "");
		assert_int_equal(v.lanes[i].ncharts, 0);
		assert_int_equal(v.lanes[i].still_in_room, 0);
	}
	callview_free(&v);
	fixture_free(&fx);
}

/* ---- out of memory ---- */

static void test_out_of_memory(void **state)
{
	struct fixture fx;
	struct callview v;
	unsigned long n;
	int ok = 0;

	(void)state;
	fixture_build(&fx, two_users, "UTC");
	for (n = 1; n < 1000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = callview_build(&fx.r, kit_cat, 0, &v);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(v.nlog, 21);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(v.lanes);
			assert_null(v.storage);
			assert_int_equal(v.nlog, 0);
		}
		callview_free(&v);
	}
	assert_true(ok);
	assert_true(n > 10);
	fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlapping_bars),
		cmocka_unit_test_setup_teardown(test_two_users_header, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_lanes_and_bars, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_marks, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_spans, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_experiences, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_log, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_findings, two_users_setup,
						two_users_teardown),
		cmocka_unit_test_setup_teardown(test_two_users_ticks, two_users_setup,
						two_users_teardown),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_split_call_records),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_spans_are_the_models),
		cmocka_unit_test(test_no_companion),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
