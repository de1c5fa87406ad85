/*
 * Tests for user_calls.c: which records --user keeps (whole calls, by
 * CommId or split by --call-gap; events outside sessions with the nearest
 * call; abnormal rows with their experience's call), the counts, and which
 * companion rows go with the kept calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dataset.h"
#include "sessions.h"
#include "user_calls.h"
#include "kit.h"
#include "util.h"
#include "test_sessions_kit.h"

/* A session of u from s to e seconds in room, comm. */
#define SESS(room, comm, u, s, e) RC(room, comm, u, s, 5001, -1), RC(room, comm, u, e, 5008, 1)

struct keep_case {
	const char *name;
	struct row rows[16];
	const char *user;
	/* what is kept: "user@sec" of each record, in dataset order */
	const char *want[16];
	size_t nwant;
};

static const struct keep_case cases[] = {
	{ "CommId: the other call of the room goes",
	  { SESS("r", "c1", "x", 0, 60), SESS("r", "c1", "y", 5, 50), SESS("r", "c2", "y", 100, 160),
	    SESS("r", "c2", "z", 100, 160), END },
	  "x", { "x@0", "x@60", "y@5", "y@50" }, 4 },
	{ "no CommId: split by the gap, y's second call goes",
	  { SESS("r", "", "x", 0, 60), SESS("r", "", "y", 5, 50), SESS("r", "", "y", 3600, 3700),
	    SESS("r", "", "z", 3600, 3700), END },
	  "x", { "x@0", "x@60", "y@5", "y@50" }, 4 },
	{ "an event outside sessions goes with the nearest call",
	  { SESS("r", "", "x", 0, 60), SESS("r", "", "y", 3600, 3700),
	    RC("r", "", "y", 1000, 3001, 1), RC("r", "", "y", 3000, 3001, 1), END },
	  "x", { "x@0", "x@60", "y@1000" }, 3 },
	/* y's row of c1 goes to y's session (in c2, the room's only one of
	 * y); z, without a session, has its row on call c1 */
	{ "abnormal rows with their experience's call; a room without calls: the user's only",
	  { SESS("r", "c1", "x", 0, 60), SESS("r", "c2", "y", 100, 160),
	    AX("r", "c1", "y", 30, 5, 2015, "x"), AX("r", "c1", "z", 30, 5, 2015, NULL),
	    AX("q", "c9", "x", 10, 5, 2015, NULL), AX("q", "c9", "w", 10, 5, 2015, NULL), END },
	  "x", { "x@0", "x@60", "z@30", "x@10" }, 4 },
	{ "a user in no call keeps nothing",
	  { SESS("r", "c1", "x", 0, 60), END }, "nobody", { NULL }, 0 },
};

static void test_keep_records(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct keep_case *tc = &cases[c];
		struct sessions_options o;
		struct dataset ds;
		uint32_t ids[1];
		uint64_t dropped = 0, used, events, abnormal;
		const char *u = tc->user;
		size_t nids;
		char got[32];

		print_message("case: %s\n", tc->name);
		sessions_options_init(&o);
		load(&ds, tc->rows);
		used = ds.counts.used;
		events = ds.counts.events;
		abnormal = ds.counts.abnormal;
		nids = user_calls_ids(ds.strs, &u, 1, ids);
		assert_int_equal(user_calls_keep_records(&ds, kit_cat, &o, ids, nids, &dropped),
				 RR_OK);
		assert_int_equal(ds.nrecs, tc->nwant);
		for (size_t i = 0; i < ds.nrecs; i++) {
			snprintf(got, sizeof got, "%s@%lld", str(&ds, ds.recs[i].user),
				 (long long)((ds.recs[i].time_ms - T0) / 1000));
			assert_string_equal(got, tc->want[i]);
		}
		assert_int_equal(dropped, used - ds.counts.used);
		assert_int_equal(events + abnormal - ds.counts.events - ds.counts.abnormal, dropped);
		dataset_free(&ds);
	}
}

static void test_ids_and_selected(void **state)
{
	struct dataset ds;
	const char *users[] = { "b", "zz", "a", "b" };
	uint32_t ids[4];
	static const struct row rows[] = { SESS("r", "c", "a", 0, 1), SESS("r", "c", "b", 0, 1),
					   END };

	(void)state;
	load(&ds, rows);
	assert_int_equal(user_calls_ids(ds.strs, users, 4, ids), 2);   /* zz unknown, b twice */
	assert_string_equal(str(&ds, ids[0]), "b");
	assert_string_equal(str(&ds, ids[1]), "a");
	assert_true(user_calls_selected(ids, 2, ids[1]));
	assert_false(user_calls_selected(ids, 1, ids[1]));
	dataset_free(&ds);
}

/* Companion rows: a users row or sample goes unless its user has a
 * session in a kept call of its room; a rooms row unless it names a kept
 * call or its room has kept calls without CommId. */
static void test_keep_companions(void **state)
{
	static const struct row rows[] = { SESS("r", "c1", "x", 0, 60), SESS("r", "c1", "y", 5, 50),
					   END };
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	uint32_t r, q, c1, c2, x, y, z;
	uint64_t used;

	(void)state;
	sessions_options_init(&o);
	load(&ds, rows);
	assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
	r = kit_intern(ds.strs, "r");
	q = kit_intern(ds.strs, "q");
	c1 = kit_intern(ds.strs, "c1");
	c2 = kit_intern(ds.strs, "c2");
	x = kit_intern(ds.strs, "x");
	y = kit_intern(ds.strs, "y");
	z = kit_intern(ds.strs, "z");
	{
		struct user_info u[] = { { .room = r, .comm = c1, .user = y },
					 { .room = r, .comm = 0, .user = z },
					 { .room = q, .comm = c1, .user = x } };
		struct room_info k[] = { { .room = r, .comm = c1 }, { .room = r, .comm = c2 } };
		struct quality_sample s[] = { { .room = 0, .user = x }, { .room = r, .user = z } };

		for (size_t i = 0; i < 3; i++)
			assert_int_equal(dataset_append_user(&ds, &u[i]), RR_OK);
		for (size_t i = 0; i < 2; i++)
			assert_int_equal(dataset_append_room(&ds, &k[i]), RR_OK);
		for (size_t i = 0; i < 2; i++)
			assert_int_equal(dataset_append_quality(&ds, &s[i]), RR_OK);
	}
	ds.counts.users = 3;
	ds.counts.rooms = 2;
	ds.counts.quality = 2;
	ds.counts.used += 7;
	used = ds.counts.used;
	assert_int_equal(user_calls_keep_companions(&ds, &m), RR_OK);
	assert_int_equal(ds.nusers, 1);
	assert_int_equal(ds.users[0].user, y);
	assert_int_equal(ds.nrooms, 1);
	assert_int_equal(ds.rooms[0].comm, c1);
	assert_int_equal(ds.nquality, 1);
	assert_int_equal(ds.quality[0].user, x);
	assert_int_equal(ds.counts.filtered, 4);
	assert_int_equal(ds.counts.used, used - 4);
	assert_int_equal(ds.counts.users + ds.counts.rooms + ds.counts.quality, 3);
	model_free(&m);
	dataset_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_records),
		cmocka_unit_test(test_ids_and_selected),
		cmocka_unit_test(test_keep_companions),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
