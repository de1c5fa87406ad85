/* Unit tests: the duplicate rule for records (DESIGN §1) as dataset_finish
 * applies it: repeats across files, the rule case by case on the pairwise
 * and the sorting path, long runs of one millisecond. */
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

static void test_duplicates_across_files(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	struct record a = kit_rec(1, 0, 1, 100, 5001, -1);
	struct record b = kit_rec(1, 0, 1, 100, 5003, 1);
	a.peer = 3;
	struct record a2 = a, b2 = b;          /* the same rows from a second export */
	struct record differs = a;
	differs.peer = 7;                      /* another PeerId: another event */
	const struct record in[] = { a, b, a2, differs, b2 };
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(dataset_append(&ds, &in[i]), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(ds.counts.duplicates, 2);
	assert_int_equal(ds.nrecs, 3);
	assert_int_equal(ds.recs[0].id, 5001);
	assert_int_equal(ds.recs[1].id, 5003);
	assert_int_equal(ds.recs[2].peer, 7);
	dataset_free(&ds);
}

/* DESIGN §1's duplicate rule, case by case, on one (room, CommId, user,
 * time): each row's Type (-1: none), PeerId (0: none), kind and id, and
 * which rows stay ('1') or go ('0'). Each case runs as it is (the pairwise
 * path) and again after 17 more copies of its first row (the sorting path
 * for long runs): the same rows must stay, the copies go. */
struct dup_row {
	int stream;
	uint32_t peer;
	int kind;
	int32_t id;
};

static const struct {
	const char *what;
	struct dup_row rows[6];
	const char *keep;
} dup_cases[] = {
	{ "exact repeat", { { 0, 5, REC_EVENT, 1 }, { 0, 5, REC_EVENT, 1 } }, "10" },
	{ "Type against none", { { 2, 0, REC_EVENT, 1 }, { -1, 0, REC_EVENT, 1 } }, "10" },
	{ "none against Type: the row with Type stays", { { -1, 0, REC_EVENT, 1 },
	  { 2, 0, REC_EVENT, 1 } }, "01" },
	{ "Type 2, Type 3, none", { { 2, 0, REC_EVENT, 1 }, { 3, 0, REC_EVENT, 1 },
	  { -1, 0, REC_EVENT, 1 } }, "110" },
	{ "PeerId against none", { { -1, 7, REC_EVENT, 1 }, { -1, 0, REC_EVENT, 1 } }, "10" },
	{ "two PeerIds", { { -1, 7, REC_EVENT, 1 }, { -1, 8, REC_EVENT, 1 } }, "11" },
	{ "Type alone against PeerId alone", { { 2, 0, REC_EVENT, 1 },
	  { -1, 7, REC_EVENT, 1 } }, "10" },
	{ "PeerId alone against Type alone", { { -1, 7, REC_EVENT, 1 },
	  { 2, 0, REC_EVENT, 1 } }, "01" },
	{ "both, then each alone, then neither", { { 2, 7, REC_EVENT, 1 }, { 2, 0, REC_EVENT, 1 },
	  { -1, 7, REC_EVENT, 1 }, { -1, 0, REC_EVENT, 1 } }, "1000" },
	{ "each alone matching one of two full rows; a third PeerId", { { 2, 7, REC_EVENT, 1 },
	  { 3, 8, REC_EVENT, 1 }, { 2, 0, REC_EVENT, 1 }, { -1, 8, REC_EVENT, 1 },
	  { -1, 9, REC_EVENT, 1 } }, "11001" },
	{ "a full row first in class, wherever it is", { { 2, 0, REC_EVENT, 1 },
	  { -1, 7, REC_EVENT, 1 }, { 3, 7, REC_EVENT, 1 } }, "101" },
	{ "another EventId", { { -1, 0, REC_EVENT, 1 }, { -1, 0, REC_EVENT, 2 } }, "11" },
	{ "causes: an empty PeerId is not a remote user", { { -1, 0, REC_ABNORMAL, 4 },
	  { -1, 7, REC_ABNORMAL, 4 }, { -1, 0, REC_ABNORMAL, 4 } }, "110" },
	{ "an event and a cause of one id", { { -1, 0, REC_EVENT, 4 },
	  { -1, 0, REC_ABNORMAL, 4 } }, "11" },
};

static void check_dup_case(size_t c, size_t pad)
{
	struct dataset ds;
	size_t n = strlen(dup_cases[c].keep), want = 0;
	struct record r[6];

	assert_int_equal(dataset_init(&ds), RR_OK);
	for (size_t i = 0; i < n; i++) {
		const struct dup_row *d = &dup_cases[c].rows[i];

		r[i] = kit_rec(1, 3, 1, 100, d->id, d->kind == REC_ABNORMAL ? 1201 : -1);
		r[i].stream = (signed char)d->stream;
		r[i].peer = d->peer;
		r[i].kind = (unsigned)d->kind;
		assert_int_equal(dataset_append(&ds, &r[i]), RR_OK);
		want += dup_cases[c].keep[i] == '1';
	}
	for (size_t i = 0; i < pad; i++)
		assert_int_equal(dataset_append(&ds, &r[0]), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	if (ds.nrecs != want || ds.counts.duplicates != n + pad - want)
		fail_msg("%s (+%zu copies): kept %zu, want %zu", dup_cases[c].what, pad, ds.nrecs,
			 want);
	for (size_t i = 0, k = 0; i < n; i++) {
		if (dup_cases[c].keep[i] != '1')
			continue;
		if (memcmp(&ds.recs[k++], &r[i], sizeof r[i]) != 0)
			fail_msg("%s (+%zu copies): row %zu is not kept", dup_cases[c].what, pad, i);
	}
	dataset_free(&ds);
}

static void test_duplicate_rule(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof dup_cases / sizeof dup_cases[0]; c++) {
		check_dup_case(c, 0);
		check_dup_case(c, 17);
	}
}

static void test_long_run_of_duplicates(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* 3000 rows in one millisecond, 3 distinct: takes the sorting path. */
	for (int i = 0; i < 3000; i++) {
		struct record r = kit_rec(1, 0, 1, 100, 3001, i % 3);
		assert_int_equal(dataset_append(&ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(ds.nrecs, 3);
	assert_int_equal(ds.counts.duplicates, 2997);
	/* First occurrences kept in input order. */
	assert_int_equal(ds.recs[0].p1, 0);
	assert_int_equal(ds.recs[1].p1, 1);
	assert_int_equal(ds.recs[2].p1, 2);
	dataset_free(&ds);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicates_across_files),
		cmocka_unit_test(test_long_run_of_duplicates),
		cmocka_unit_test(test_duplicate_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
