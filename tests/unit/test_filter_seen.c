/*
 * Tests for filter_seen: what the filters met, and the names a message
 * gives ("rooms 3101, 3102, … (6 rooms)"), table-driven.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "filter_seen.h"
#include "util.h"

static void test_names(void **state)
{
	static const struct {
		const char *out[8];       /* rooms of rows left out */
		const char *vals[3];      /* --room values */
		int hit[3];
		const char *want;
	} cases[] = {
		{ { NULL }, { "8812-standup" }, { 0 }, "no rooms" },
		{ { "3102", "3101", "4200", "3103", "3101" }, { "8812-standup" }, { 0 },
		  "rooms 3101, 3102, 3103, 4200 (4 rooms)" },
		{ { "3102", "4200" }, { "3101", "x" }, { 1, 0 }, "rooms 3101, 3102, 4200 (3 rooms)" },
		{ { "f", "e", "d", "c", "b", "a" }, { "z" }, { 0 },
		  "rooms a, b, c, d, e, \xe2\x80\xa6 (6 rooms)" },
		{ { NULL }, { "3101", "3101" }, { 1, 1 }, "rooms 3101 (1 room)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct filter_seen *s = NULL;
		char buf[256];
		size_t nv = 0;

		while (nv < 3 && cases[i].vals[nv])
			nv++;
		assert_int_equal(filter_seen_new(nv, 0, &s), RR_OK);
		for (size_t k = 0; k < 8 && cases[i].out[k]; k++)
			filter_seen_out(s, cases[i].out[k], strlen(cases[i].out[k]), "u", 1, RR_NONE);
		for (size_t k = 0; k < nv; k++)
			if (cases[i].hit[k])
				filter_seen_room_hit(s, k);
		assert_int_equal(filter_seen_names(s, 0, cases[i].vals, nv, buf, sizeof buf), RR_OK);
		print_message("case %zu\n", i);
		assert_string_equal(buf, cases[i].want);
		for (size_t k = 0; k < nv; k++)
			assert_int_equal(filter_seen_room_named(s, k), cases[i].hit[k]);
		filter_seen_free(s);
	}
}

static void test_users_and_span(void **state)
{
	struct filter_seen *s = NULL;
	const char *vals[] = { "chen" };
	char buf[64];
	int64_t lo, hi;

	(void)state;
	assert_int_equal(filter_seen_new(0, 1, &s), RR_OK);
	assert_int_equal(filter_seen_span(s, &lo, &hi), -1);
	filter_seen_out(s, "r", 1, "anna", 4, 2000);
	filter_seen_out(s, "r", 1, NULL, 0, 1000);
	filter_seen_out(s, NULL, 0, "ben", 3, RR_NONE);
	filter_seen_user_hit(s, 0);
	filter_seen_user_hit(s, 5);          /* out of range: ignored */
	assert_int_equal(filter_seen_names(s, 1, vals, 1, buf, sizeof buf), RR_OK);
	assert_string_equal(buf, "users anna, ben, chen (3 users)");
	assert_int_equal(filter_seen_span(s, &lo, &hi), 0);
	assert_int_equal(lo, 1000);
	assert_int_equal(hi, 2000);
	/* A short buffer is cut, never overrun. */
	assert_int_equal(filter_seen_names(s, 1, vals, 1, buf, 10), RR_OK);
	assert_int_equal(strlen(buf), 9);
	filter_seen_free(s);
	filter_seen_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_users_and_span),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
