/* Unit tests: dataset (stable sort, exact-duplicate removal, counts, lookup)
 * and diag (counting, keeping the first rows per reason, cleaning text). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dataset.h"
#include "diag.h"
#include "util.h"

static struct record rec(uint32_t room, uint32_t comm, uint32_t user, int64_t t,
			 int32_t id, int32_t p1, uint16_t file)
{
	struct record r = { t, room, comm, user, 0, id, p1, -1, REC_EVENT, -1, file };
	return r;
}

static void test_record_is_compact(void **state)
{
	(void)state;
	assert_true(sizeof(struct record) <= 40);
}

static void test_sort_is_stable_and_grouped(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* Same user, same millisecond: input order (5001 before 5002) must stay. */
	const struct record in[] = {
		rec(2, 0, 1, 500, 7000, 0, 0),
		rec(1, 0, 1, 100, 5001, -1, 0),
		rec(1, 0, 1, 100, 5002, 1, 0),
		rec(1, 0, 2, 50, 5001, -1, 0),
		rec(1, 0, 1, 90, 1003, 1, 0),
	};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(dataset_append(&ds, &in[i]), RR_OK);
	ds.counts.rows = 5;
	assert_int_equal(dataset_finish(&ds), RR_OK);
	const int32_t want[] = { 1003, 5001, 5002, 5001, 7000 };
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(ds.recs[i].id, want[i]);
	assert_int_equal(ds.recs[3].user, 2);
	assert_int_equal(ds.counts.used, 5);
	assert_int_equal(ds.counts.events, 5);
	assert_int_equal(dataset_lower_bound(&ds, 2, 0), 4);
	assert_int_equal(dataset_lower_bound(&ds, 3, 0), 5);
	dataset_free(&ds);
}

static void test_duplicates_across_files(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	struct record a = rec(1, 0, 1, 100, 5001, -1, 0);
	struct record b = rec(1, 0, 1, 100, 5003, 1, 0);
	struct record a2 = a, b2 = b;
	a2.file = b2.file = 1;                 /* same rows from a second export */
	struct record differs = a;
	differs.peer = 7;                      /* not an exact repeat */
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

static void test_long_run_of_duplicates(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* 3000 rows in one millisecond, 3 distinct: takes the sorting path. */
	for (int i = 0; i < 3000; i++) {
		struct record r = rec(1, 0, 1, 100, 3001, i % 3, 0);
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

static void test_diag_keeps_first_per_reason(void **state)
{
	struct diag d;
	(void)state;
	diag_init(&d);
	for (int i = 0; i < DIAG_KEEP + 3; i++)
		assert_int_equal(diag_reject(&d, "a.csv", (uint64_t)i + 2, REJ_BAD_TIME, "bad"), RR_OK);
	assert_int_equal(diag_reject(&d, "b.csv", 9, REJ_RAGGED, "3 fields, header has 4"), RR_OK);
	assert_int_equal(d.count[REJ_BAD_TIME], DIAG_KEEP + 3);
	assert_int_equal(diag_total(&d), DIAG_KEEP + 4);
	assert_int_equal(d.nkept, DIAG_KEEP + 1);
	assert_int_equal(d.kept[0].line, 2);
	assert_string_equal(d.kept[DIAG_KEEP].file, "b.csv");
	assert_string_equal(diag_reason_code(REJ_RAGGED), "ragged_row");
	assert_string_equal(diag_reason_code(REJ_LONG_FIELD), "field_too_long");
	diag_free(&d);
}

static void test_diag_cleans_hostile_text(void **state)
{
	struct diag d;
	(void)state;
	diag_init(&d);
	assert_int_equal(diag_reject(&d, "x\xff.csv", 1, REJ_BAD_UTF8, "id \"\xc3\x28\"\n"), RR_OK);
	assert_string_equal(d.kept[0].file, "x?.csv");
	assert_string_equal(d.kept[0].detail, "id \"?(\"?");
	assert_int_equal(diag_note(&d, "%s: users file: not used yet (%d rows skipped)", "u.csv", 4), RR_OK);
	assert_string_equal(d.notes[0], "u.csv: users file: not used yet (4 rows skipped)");
	diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_is_compact),
		cmocka_unit_test(test_sort_is_stable_and_grouped),
		cmocka_unit_test(test_duplicates_across_files),
		cmocka_unit_test(test_long_run_of_duplicates),
		cmocka_unit_test(test_diag_keeps_first_per_reason),
		cmocka_unit_test(test_diag_cleans_hostile_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
