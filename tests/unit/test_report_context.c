/*
 * Tests for what went with the problem exits: the walk's context bits
 * (sessions_context.c) and the report's counts (report_context.c), as
 * table rows: an event list in, the counts of each circumstance before
 * each exit out. The window: the minute before the exit (before the last
 * seen event for a timeout), through the exit's own millisecond; same
 * user, same call; events of one millisecond in any row order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "catalog.h"
#include "dataset.h"
#include "report.h"
#include "sessions.h"
#include "kit.h"
#include "util.h"
#include "test_sessions_kit.h"

/* Counts wanted for one exit: sessions, then with[] in enum cx_kind order
 * (loss, change, background, device, experience, network, any). */
struct want_cx {
	uint32_t sessions, with[CK__COUNT];
};

struct cx_case {
	const char *name;
	struct row rows[16];
	struct want_cx want[CX__COUNT];
};

#define NO_EXIT { 0, { 0 } }

static const struct cx_case cases[] = {
	{ "kick with a network loss 30 s before",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 70, 1003, 0), E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 1, 0, 0, 0, 0, 1, 1 } }, NO_EXIT } },
	{ "exactly 60 s before the kick is within the minute",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 40, 1003, 0), E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 1, 0, 0, 0, 0, 1, 1 } }, NO_EXIT } },
	{ "61 s before the kick is not",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 39, 1003, 0), E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 0 } }, NO_EXIT } },
	{ "after the kick is not (outside the session)",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 100, 7001, 2), E("a", 110, 1003, 0), END },
	  { NO_EXIT, { 1, { 0 } }, NO_EXIT } },
	{ "another user's network loss is not",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("b", 0, 5001, -1), E("b", 1, 5003, 1),
	    E("b", 90, 1003, 0), E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 0 } }, NO_EXIT } },
	{ "the same user's loss in another call is not",
	  { RC("r1", "c1", "a", 0, 5001, -1), RC("r1", "c1", "a", 1, 5003, 1),
	    RC("r2", "c2", "a", 2, 5001, -1), RC("r2", "c2", "a", 3, 5003, 1),
	    RC("r2", "c2", "a", 95, 1003, 0), RC("r1", "c1", "a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 0 } }, NO_EXIT } },
	{ "same millisecond as the kick, listed after it",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 100, 7001, 2), E("a", 100, 1003, 0), END },
	  { NO_EXIT, { 1, { 1, 0, 0, 0, 0, 1, 1 } }, NO_EXIT } },
	{ "same millisecond as the kick, listed before it",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 100, 1003, 0), E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 1, 0, 0, 0, 0, 1, 1 } }, NO_EXIT } },
	{ "timeout: the minute before the user was last seen, not before the 7001",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 20, 1003, 1), E("a", 30, 2001, 1),
	    E("a", 80, 3001, 1), E("a", 170, 7001, 1), END },
	  { { 1, { 0, 0, 1, 0, 0, 0, 1 } }, NO_EXIT, NO_EXIT } },
	{ "timeout: 61 s before the last seen event is not",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 19, 2001, 1), E("a", 80, 3001, 1),
	    E("a", 170, 7001, 1), END },
	  { { 1, { 0 } }, NO_EXIT, NO_EXIT } },
	{ "network change: a 1003 naming another type than the one before",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 2, 1003, 1), E("a", 90, 1003, 2),
	    E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 0, 1, 0, 0, 0, 1, 1 } }, NO_EXIT } },
	{ "the same type reported again is no change; the first report neither",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 50, 1003, 1), E("a", 90, 1003, 1),
	    E("a", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 0 } }, NO_EXIT } },
	{ "entry failure after a camera and a permission failure",
	  { E("a", 0, 5001, -1), E("a", 5, 4002, 0), E("a", 6, 2002, 4), E("a", 10, 5003, 0), END },
	  { NO_EXIT, NO_EXIT, { 1, { 0, 0, 0, 1, 0, 0, 1 } } } },
	{ "WebRTC signaling lost before a kick",
	  { E("w", 0, 32788, -1), E("w", 60, 32790, -1), E("w", 100, 7001, 2), END },
	  { NO_EXIT, { 1, { 1, 0, 0, 0, 0, 1, 1 } }, NO_EXIT } },
	{ "an abnormal experience of the user in the window; another user's is not",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("b", 0, 5001, -1), E("b", 1, 5003, 1),
	    AX("r", "", "a", 60, 4, 2003, NULL), AX("r", "", "b", 60, 4, 2003, NULL),
	    E("a", 100, 7001, 2), E("b", 300, 7001, 2), END },
	  { NO_EXIT, { 2, { 0, 0, 0, 0, 1, 0, 1 } }, NO_EXIT } },
	{ "normal exits are not counted",
	  { E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 90, 1003, 0), E("a", 100, 7001, 0), END },
	  { NO_EXIT, NO_EXIT, NO_EXIT } },
};

static void test_context_cases(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct cx_case *tc = &cases[c];
		struct dataset ds;
		struct model m;
		struct report r;

		print_message("case: %s\n", tc->name);
		build(tc->rows, &ds, &m);
		assert_int_equal(report_build(&ds, &m, NULL, kit_cat, NULL, &r), RR_OK);
		for (int e = 0; e < CX__COUNT; e++) {
			const struct context_row *row = &r.context[e];

			assert_int_equal(row->sessions, tc->want[e].sessions);
			for (int k = 0; k < CK__COUNT; k++)
				assert_int_equal(row->with[k], tc->want[e].with[k]);
			assert_int_equal(row->none, row->sessions - row->with[CK_ANY]);
		}
		report_free(&r);
		model_free(&m);
		dataset_free(&ds);
	}
}

/* The window itself: a timeout's starts a minute before its last seen
 * event, every other exit's a minute before its end; both end at the end. */
static void test_context_window(void **state)
{
	struct session s;
	int64_t from, to;

	(void)state;
	memset(&s, 0, sizeof s);
	s.end_ms = 200000;
	s.last_seen_ms = 100000;
	s.exit = EXIT_TIMEOUT;
	session_context_window(&s, &from, &to);
	assert_int_equal(from, 40000);
	assert_int_equal(to, 200000);
	s.exit = EXIT_KICKED;
	session_context_window(&s, &from, &to);
	assert_int_equal(from, 140000);
	assert_int_equal(to, 200000);
}

/* Where a rise is, against a baseline's counts: rates per 1000 of all
 * sessions, the without part's share of the rise, marked only when the
 * headline figure is a regression. Hand-computed rows. */
struct rise_case {
	const char *name;
	uint32_t sessions, timeouts, with_net;          /* this run */
	uint32_t psessions, ptimeouts, pwith_net;       /* the baseline */
	uint8_t regression;
	enum cx_rise want;
	int64_t want_without_pm;
};

static const struct rise_case rise_cases[] = {
	/* 1000 sessions: without 50 -> 90, with 10 -> 10: all of +40. */
	{ "all in the without part", 1000, 100, 10, 1000, 60, 10, 1, CXR_WITHOUT, 1000 },
	/* without 50 -> 52, with 10 -> 48: 2 of 40 = 50 pm. */
	{ "all but a little in the with part", 1000, 100, 48, 1000, 60, 10, 1, CXR_WITH, 50 },
	/* without 50 -> 70, with 10 -> 30: 500 pm. */
	{ "split", 1000, 100, 30, 1000, 60, 10, 1, CXR_BOTH, 500 },
	/* without 50 -> 95, with 10 -> 5: 45 of 40 = 1125 pm. */
	{ "the with part fell", 1000, 100, 5, 1000, 60, 10, 1, CXR_WITHOUT, 1125 },
	{ "not a regression: nothing said", 1000, 100, 10, 1000, 60, 10, 0, CXR_NONE, RR_NONE },
	/* 2000 sessions before: without 40 -> 80 (per 1000), with 5 -> 20: 40 of 55. */
	{ "different denominators", 1000, 100, 20, 2000, 90, 10, 1, CXR_BOTH, 727 },
};

static void test_context_rise(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof rise_cases / sizeof rise_cases[0]; c++) {
		const struct rise_case *tc = &rise_cases[c];
		static struct baseline b;
		struct report r;
		struct context_row *row = &r.context[CX_TIMEOUT];

		print_message("case: %s\n", tc->name);
		memset(&r, 0, sizeof r);
		memset(&b, 0, sizeof b);
		r.sessions = tc->sessions;
		row->sessions = tc->timeouts;
		row->with[CK_NETWORK] = row->with[CK_ANY] = tc->with_net;
		row->net_pm[1] = (tc->with_net * 1000 + tc->sessions / 2) / tc->sessions;
		row->net_pm[0] = ((tc->timeouts - tc->with_net) * 1000 + tc->sessions / 2) /
				 tc->sessions;
		r.headline[HL_TIMEOUTS_PM].regression = tc->regression;
		b.have[HL_SESSIONS] = 1;
		b.value[HL_SESSIONS] = tc->psessions;
		b.has_context = 1;
		b.context[CX_TIMEOUT].has = 1;
		b.context[CX_TIMEOUT].sessions = tc->ptimeouts;
		b.context[CX_TIMEOUT].with[CK_NETWORK] = tc->pwith_net;
		b.context[CX_TIMEOUT].with[CK_ANY] = tc->pwith_net;
		report_compare_context(&r, &b);
		assert_int_equal(row->has_previous, 1);
		assert_int_equal(row->prev_sessions, tc->ptimeouts);
		assert_int_equal(row->rise, tc->want);
		assert_int_equal(row->rise_without_pm, tc->want_without_pm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_cases),
		cmocka_unit_test(test_context_window),
		cmocka_unit_test(test_context_rise),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
