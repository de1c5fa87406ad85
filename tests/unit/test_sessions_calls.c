/*
 * Tests for sessions_calls.c: how sessions make calls (CommId, --call-gap),
 * their order, users and peaks.
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

/* ---- calls ---- */

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

/* DESIGN §3's nearest-call rule for an event outside every session, as
 * sessions_calls.c and user_calls.c both apply it. */
static void test_call_nearer_next(void **state)
{
	static const struct {
		int64_t t, first_end, next_start;
		int want;
	} cases[] = {
		{ 500, 1000, 5000, 0 },      /* inside the first call */
		{ 1000, 1000, 5000, 0 },     /* at its end */
		{ 2000, 1000, 5000, 0 },     /* nearer the first's end */
		{ 3000, 1000, 5000, 0 },     /* halfway: a tie goes to the first */
		{ 3001, 1000, 5000, 1 },     /* nearer the next's start */
		{ 4999, 1000, 5000, 1 },
		{ 5000, 1000, 5000, 1 },     /* at the next's start */
		{ 7000, 1000, 5000, 1 },     /* past the next's start */
		{ -5, -10, 10, 0 },          /* negative times */
		{ 4, -10, 10, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("case %zu\n", i);
		assert_int_equal(sessions_call_nearer_next(cases[i].t, cases[i].first_end,
							   cases[i].next_start), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_call_nearer_next),
		cmocka_unit_test(test_session_ties_by_user),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
