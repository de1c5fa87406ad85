/* Unit tests: records without CommId join the CommId call of their room
 * whose span holds them (DESIGN §3), case by case. The join is also held to
 * a plain reference over many input shapes in test_dataset_sort.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "kit.h"
#include "util.h"

/* DESIGN §3: records without CommId join the CommId call of their room whose
 * span holds them. Per case, rows of (room, CommId or 0, time) and rooms-file
 * rows (room, CommId, CreateTime, DestroyTime, IsFinished); what CommId each
 * row has after dataset_finish, in input order (the rows have distinct
 * p1, so they are not duplicates). */
struct join_row {
	uint32_t room, comm;
	int64_t t;
	uint32_t want;
	uint32_t user;           /* 0: a user of its own */
};

static const struct {
	const char *what;
	struct join_row rows[6];
	struct room_info rooms[2];
} join_cases[] = {
	{ "inside and after the call", { { 1, 5, 100, 5, 0 }, { 1, 5, 200, 5, 0 }, { 1, 0, 150, 5, 0 },
	  { 1, 0, 100, 5, 0 }, { 1, 0, 201, 0, 0 }, { 1, 0, 99, 0, 0 } }, { { 0 } } },
	{ "two calls: the earliest-starting that holds it", { { 1, 5, 100, 5, 0 }, { 1, 5, 200, 5, 0 },
	  { 1, 6, 150, 6, 0 }, { 1, 6, 300, 6, 0 }, { 1, 0, 160, 5, 0 }, { 1, 0, 250, 6, 0 } }, { { 0 } } },
	{ "another room's call does not take it", { { 1, 5, 100, 5, 0 }, { 1, 5, 200, 5, 0 },
	  { 2, 0, 150, 0, 0 } }, { { 0 } } },
	{ "the rooms file widens the span", { { 1, 5, 100, 5, 0 }, { 1, 0, 60, 5, 0 },
	  { 1, 0, 390, 5, 0 }, { 1, 0, 401, 0, 0 } },
	  { { 50, 400, 1, 5, 1, 0, 0 } } },
	{ "a rooms-file call without records", { { 1, 0, 60, 7, 0 }, { 1, 0, 30, 0, 0 } },
	  { { 50, 400, 1, 7, 1, 0, 0 } } },
	{ "a call still open at export", { { 1, 5, 100, 5, 0 }, { 1, 0, 99999, 5, 0 } },
	  { { 50, RR_NONE, 1, 5, 0, 0, 0 } } },
	/* Call 5's last row (a late timeout, say) comes after call 6 began:
	 * in the overlap a row goes to the call its user was in then. */
	{ "overlapping calls: the user's own call", { { 1, 5, 100, 5, 1 }, { 1, 5, 300, 5, 1 },
	  { 1, 6, 200, 6, 2 }, { 1, 6, 400, 6, 2 }, { 1, 0, 250, 6, 2 }, { 1, 0, 260, 5, 1 } },
	  { { 0 } } },
	{ "overlapping calls: a call with the user at all", { { 1, 5, 100, 5, 1 },
	  { 1, 5, 300, 5, 1 }, { 1, 6, 200, 6, 2 }, { 1, 6, 210, 6, 2 }, { 1, 6, 400, 6, 3 },
	  { 1, 0, 250, 6, 2 } }, { { 0 } } },
	{ "overlapping calls: a row of the user in that millisecond", { { 1, 5, 100, 5, 1 },
	  { 1, 5, 300, 5, 1 }, { 1, 6, 250, 6, 1 }, { 1, 6, 400, 6, 1 }, { 1, 0, 250, 6, 1 } },
	  { { 0 } } },
	{ "overlapping calls: the user's latest row before", { { 1, 5, 100, 5, 1 },
	  { 1, 5, 300, 5, 1 }, { 1, 6, 200, 6, 1 }, { 1, 6, 400, 6, 1 }, { 1, 0, 250, 6, 1 },
	  { 1, 0, 150, 5, 1 } }, { { 0 } } },
	{ "overlapping calls: neither has the user", { { 1, 5, 100, 5, 1 }, { 1, 5, 300, 5, 1 },
	  { 1, 6, 200, 6, 2 }, { 1, 6, 400, 6, 2 }, { 1, 0, 250, 5, 4 } }, { { 0 } } },
};

static void test_join_commless(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof join_cases / sizeof join_cases[0]; c++) {
		struct dataset ds;
		size_t n = 0;

		assert_int_equal(dataset_init(&ds), RR_OK);
		for (; n < 6 && join_cases[c].rows[n].room; n++) {
			const struct join_row *j = &join_cases[c].rows[n];
			struct record r = kit_rec(j->room, j->comm, j->user ? j->user : 10 + (uint32_t)n,
					      j->t, 5001, (int32_t)n);

			assert_int_equal(dataset_append(&ds, &r), RR_OK);
		}
		for (size_t k = 0; k < 2 && join_cases[c].rooms[k].room; k++)
			assert_int_equal(dataset_append_room(&ds, &join_cases[c].rooms[k]), RR_OK);
		assert_int_equal(dataset_finish(&ds), RR_OK);
		assert_int_equal(ds.nrecs, n);
		for (size_t i = 0; i < n; i++) {
			const struct join_row *j = &join_cases[c].rows[i];
			size_t k;

			for (k = 0; k < n && ds.recs[k].p1 != (int32_t)i; k++)
				;
			assert_true(k < n);
			if (ds.recs[k].comm != j->want)
				fail_msg("%s: row %zu has CommId %u, want %u", join_cases[c].what, i,
					 (unsigned)ds.recs[k].comm, (unsigned)j->want);
		}
		dataset_free(&ds);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_commless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
