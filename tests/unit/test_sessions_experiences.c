/*
 * Tests for sessions_experiences.c: abnormal experiences, their causes and
 * where they attach (DESIGN §3).
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

/* ---- abnormal experiences ---- */

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
		/* The experience's catalog severity (severity_of_experience):
		 * "could not start" is an error, a lag a warning. */
		assert_int_equal(f->severity, strstr(f->text, "could not start") ? SEV_ERROR
					      : SEV_WARNING);
		if (f->time_ms == S(60) && strstr(f->text, "Video lagged")) {
			/* The peer's stream, not the viewer's upstream. */
			assert_string_equal(f->text, "Video lagged at 10:01 — possible causes: "
				"downstream big-stream loss too high on the stream from peer 8812, "
				"downstream audio stuttered");
			seen_cause_text = 1;
		}
		if (f->time_ms == S(60) && strstr(f->text, "Audio lagged")) {
			assert_string_equal(f->text, "Audio lagged at 10:01 — no cause listed");
			/* "10:01" is a time on the minute, in that shape. */
			assert_int_equal(f->times.n, 1);
			assert_int_equal(f->times.t[0].off, strlen("Audio lagged at "));
			assert_int_equal(f->times.t[0].len, 5);
			assert_int_equal(f->times.t[0].shape, FT_HM);
			seen_none_text = 1;
		}
	}
	assert_true(seen_cause_text);
	assert_true(seen_none_text);
	model_free(&m);
	dataset_free(&ds);
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_experience_attachment),
		cmocka_unit_test(test_experience_same_comm),
		cmocka_unit_test(test_experience_minute),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
