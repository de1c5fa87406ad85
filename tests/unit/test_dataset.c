/* Unit tests: dataset (stable sort, exact-duplicate removal, counts, lookup)
 * and diag (counting, keeping the first rows per reason, cleaning text). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
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

/* Many records with one key (same user, same millisecond) and some with
 * another, interleaved: the sort must keep each key's records in input
 * order, and the index-based sort must not disturb them. */
static void test_many_equal_keys_keep_input_order(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < 20000; i++) {
		/* Odd rows go to room 1, even rows to room 2; id = input position,
		 * p1 differs so no row is a repeat of another. */
		struct record r = rec(i % 2 ? 1 : 2, 0, 5, 1000, i, i, 0);
		assert_int_equal(dataset_append(&ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(ds.nrecs, 20000);
	for (size_t i = 0; i < 20000; i++) {
		/* Room 1 first (ids 1, 3, 5, ...), then room 2 (0, 2, 4, ...). */
		int32_t want = i < 10000 ? (int32_t)(2 * i + 1) : (int32_t)(2 * (i - 10000));
		assert_int_equal(ds.recs[i].id, want);
		assert_int_equal(ds.recs[i].room, i < 10000 ? 1 : 2);
	}
	dataset_free(&ds);
}

/* A small deterministic generator (xorshift64*), so the test is the same on
 * every machine. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static int ref_cmp(const void *x, const void *y)
{
	const struct record *a = x, *b = y;
	if (a->room != b->room) return a->room < b->room ? -1 : 1;
	if (a->comm != b->comm) return a->comm < b->comm ? -1 : 1;
	if (a->user != b->user) return a->user < b->user ? -1 : 1;
	if (a->time_ms != b->time_ms) return a->time_ms < b->time_ms ? -1 : 1;
	/* id holds the input position: the tie-break that makes qsort stable. */
	return a->id < b->id ? -1 : a->id > b->id;
}

/* 100k records with random keys — few distinct ids and times so equal keys
 * are common, ids up to the 24-bit limit, times on both sides of the epoch —
 * against qsort with the input position as the last key. */
static void test_random_keys_match_reference(void **state)
{
	enum { N = 100000 };
	struct dataset ds;
	struct record *ref = malloc(N * sizeof *ref);
	uint64_t s = 0x9e3779b97f4a7c15u;
	(void)state;
	assert_non_null(ref);
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < N; i++) {
		uint64_t x = rng_next(&s);
		uint32_t room = (x & 1) ? (uint32_t)(x >> 1) % 7 : (uint32_t)(x >> 8) % (1u << 24);
		uint32_t comm = (uint32_t)(x >> 20) % 3;
		uint32_t user = (uint32_t)(x >> 30) % 50;
		int64_t t = (int64_t)(rng_next(&s) % 2000) - 1000;
		if (i % 97 == 0)
			t = (i % 2) ? INT64_MAX - 5 : INT64_MIN + 5;   /* the widest range */
		ref[i] = rec(room, comm, user, t, i, i, 0);
		assert_int_equal(dataset_append(&ds, &ref[i]), RR_OK);
	}
	qsort(ref, N, sizeof *ref, ref_cmp);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(ds.nrecs, N);
	assert_int_equal(ds.counts.duplicates, 0);
	for (size_t i = 0; i < N; i++)
		assert_memory_equal(&ds.recs[i], &ref[i], sizeof *ref);
	free(ref);
	dataset_free(&ds);
}

/* Every allocation the record sort makes may fail: dataset_finish then
 * returns RR_ENOMEM with all records still there (in some order), and
 * dataset_free releases everything (the sanitizer and valgrind runs check
 * for leaks). Then, with allocation working, the same input sorts. */
static void test_sort_allocation_failure(void **state)
{
	(void)state;
	for (unsigned long k = 1; k <= 3; k++) {
		struct dataset ds;
		assert_int_equal(dataset_init(&ds), RR_OK);
		for (int i = 0; i < 1000; i++) {
			struct record r = rec((uint32_t)(1000 - i) % 13, 0, (uint32_t)i % 5,
					      i * 7 % 31, i, 0, 0);
			assert_int_equal(dataset_append(&ds, &r), RR_OK);
		}
		rr_alloc_fail_at(k);
		assert_int_equal(dataset_finish(&ds), RR_ENOMEM);
		rr_alloc_fail_at(0);
		assert_int_equal(ds.nrecs, 1000);
		assert_false(ds.finished);
		int64_t sum = 0;
		for (size_t i = 0; i < ds.nrecs; i++)
			sum += ds.recs[i].id;
		assert_true(sum == 999 * 1000 / 2);
		assert_int_equal(dataset_finish(&ds), RR_OK);
		for (size_t i = 1; i < ds.nrecs; i++) {
			const struct record *a = &ds.recs[i - 1], *b = &ds.recs[i];
			assert_true(a->room < b->room || (a->room == b->room &&
				    (a->user < b->user || (a->user == b->user &&
				     (a->time_ms < b->time_ms ||
				      (a->time_ms == b->time_ms && a->id < b->id))))));
		}
		dataset_free(&ds);
	}
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
		cmocka_unit_test(test_many_equal_keys_keep_input_order),
		cmocka_unit_test(test_random_keys_match_reference),
		cmocka_unit_test(test_sort_allocation_failure),
		cmocka_unit_test(test_diag_keeps_first_per_reason),
		cmocka_unit_test(test_diag_cleans_hostile_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
