/* Unit tests: dataset storage (the packed record, the record array's
 * growth as a counted allocation), strtab_merge, and diag (counting,
 * keeping the first rows per reason, cleaning text). The sort, duplicates,
 * CommId join and dataset_absorb have files of their own
 * (test_dataset_*.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "ingest.h"
#include "diag.h"
#include "kit.h"
#include "util.h"

/* 32 bytes with the int32 fields aligned, and every field holds the ends
 * of its range with its neighbours set to theirs (the ids share bytes, the
 * time shares a word). */
static void test_record_is_compact(void **state)
{
	static const struct {
		int64_t t;
		uint32_t room, comm, user, peer;
		int kind, stream;
		int32_t id, p1, p2;
	} row[] = {
		{ RECORD_MIN_TIME_MS, 0, 0, 0, 0, REC_EVENT, -128, INT32_MIN, INT32_MIN, INT32_MIN },
		{ RECORD_MAX_TIME_MS, 0xffffff, 0xffffff, 0xffffff, 0xffffff, REC_ABNORMAL, 127,
		  INT32_MAX, INT32_MAX, INT32_MAX },
		{ INGEST_MIN_TIME_MS, 1, 0xffffff, 1, 0xffffff, REC_EVENT, -1, 0, -1, -1 },
		{ INGEST_MAX_TIME_MS - 1, 0xffffff, 1, 0xffffff, 1, REC_ABNORMAL, 0, 5001, 1, -1 },
		{ -1, 0x800000, 0x7fffff, 0x800001, 0x7ffffe, REC_EVENT, 1, -1, 0, 0 },
	};
	(void)state;
	assert_true(sizeof(struct record) == 32);
	assert_true(offsetof(struct record, id) % 4 == 0);
	for (size_t i = 0; i < sizeof row / sizeof row[0]; i++) {
		struct record r;

		memset(&r, 0xff, sizeof r);
		r.time_ms = row[i].t;
		r.room = row[i].room;
		r.comm = row[i].comm;
		r.user = row[i].user;
		r.peer = row[i].peer;
		r.kind = (unsigned)row[i].kind;
		r.stream = row[i].stream;
		r.id = row[i].id;
		r.p1 = row[i].p1;
		r.p2 = row[i].p2;
		assert_true(r.time_ms == row[i].t);
		assert_int_equal(r.room, row[i].room);
		assert_int_equal(r.comm, row[i].comm);
		assert_int_equal(r.user, row[i].user);
		assert_int_equal(r.peer, row[i].peer);
		assert_int_equal(r.kind, row[i].kind);
		assert_int_equal(r.stream, row[i].stream);
		assert_int_equal(r.id, row[i].id);
		assert_int_equal(r.p1, row[i].p1);
		assert_int_equal(r.p2, row[i].p2);
	}
}

/* The record array's growth counts as an allocation: it can be made to
 * fail, and the records stay as they were. */
static void test_append_allocation_failure(void **state)
{
	struct dataset ds;
	struct record r = kit_rec(1, 2, 3, 4, 5, 6);
	(void)state;

	assert_int_equal(dataset_init(&ds), RR_OK);
	rr_alloc_fail_at(1);
	assert_int_equal(dataset_append(&ds, &r), RR_ENOMEM);
	rr_alloc_fail_at(0);
	assert_int_equal(ds.nrecs, 0);
	do {
		r.id = (int32_t)ds.nrecs;
		assert_int_equal(dataset_append(&ds, &r), RR_OK);
	} while (ds.nrecs < ds.caprecs);
	size_t n = ds.nrecs;
	rr_alloc_fail_at(1);
	assert_int_equal(dataset_append(&ds, &r), RR_ENOMEM);
	rr_alloc_fail_at(0);
	assert_int_equal(ds.nrecs, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ds.recs[i].id, (int32_t)i);
	r.id = -7;
	assert_int_equal(dataset_append(&ds, &r), RR_OK);
	assert_true(ds.caprecs > n);
	assert_int_equal(ds.recs[n].id, -7);
	assert_int_equal(ds.recs[n - 1].id, (int32_t)(n - 1));
	dataset_free(&ds);
}

/* ---- strtab_merge -------------------------------------------------------- */

static uint32_t put(struct strtab *t, const char *s)
{
	uint32_t id;
	assert_int_equal(strtab_intern(t, s, strlen(s), &id), RR_OK);
	return id;
}

static void test_strtab_merge(void **state)
{
	struct strtab *t = strtab_new(), *src = strtab_new(), *empty = strtab_new();
	uint32_t map[5], id;
	(void)state;

	assert_true(t && src && empty);
	uint32_t a = put(t, "a"), b = put(t, "b");
	put(src, "b");
	put(src, "c");
	put(src, "a");
	put(src, "d");
	assert_int_equal(strtab_merge(t, src, map), RR_OK);
	/* Known strings keep their ids; new ones follow in src's order. */
	assert_int_equal(map[0], 0);
	assert_int_equal(map[1], b);
	assert_int_equal(map[2], 3);
	assert_int_equal(map[3], a);
	assert_int_equal(map[4], 4);
	assert_int_equal(strtab_count(t), 5);
	assert_string_equal(strtab_str(t, 3), "c");
	assert_string_equal(strtab_str(t, 4), "d");
	assert_true(strtab_find(t, "d", 1, &id));
	assert_int_equal(id, 4);
	/* Again: nothing new, same answer. */
	assert_int_equal(strtab_merge(t, src, map), RR_OK);
	assert_int_equal(strtab_count(t), 5);
	assert_int_equal(map[2], 3);
	/* Into an empty table: the same ids. */
	assert_int_equal(strtab_merge(empty, src, map), RR_OK);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(map[i], i);
	strtab_free(t);
	strtab_free(src);
	strtab_free(empty);
}

static void test_strtab_merge_limits_and_memory(void **state)
{
	enum { N = 2000 };
	struct strtab *src = strtab_new();
	uint32_t *map = malloc(N * sizeof *map + 64), id;
	char buf[256];
	(void)state;

	assert_true(src && map);
	put(src, "a");
	/* Long strings, enough to need a new arena chunk, more slots and more
	 * string entries: every allocation strtab_merge can make. */
	for (int i = 0; i < N; i++) {
		int len = snprintf(buf, sizeof buf, "%0200d", i);
		assert_int_equal(strtab_intern(src, buf, (size_t)len, &id), RR_OK);
	}
	for (int lim = 0; lim < 2; lim++) {
		struct strtab *t = strtab_new();
		assert_non_null(t);
		put(t, "a");
		if (lim == 0)
			strtab_set_limits(t, 2 + N - 1, STRTAB_MAX_BYTES);   /* one string short */
		else
			strtab_set_limits(t, STRTAB_MAX_STRINGS, 1 + 200 * N - 1); /* one byte short */
		assert_int_equal(strtab_merge(t, src, map), RR_EDATA);
		assert_int_equal(strtab_count(t), 2);
		assert_false(strtab_find(t, buf, strlen(buf), &id));
		strtab_free(t);
	}
	unsigned long k;
	for (k = 1;; k++) {
		struct strtab *t = strtab_new();
		assert_non_null(t);
		put(t, "a");
		rr_alloc_fail_at(k);
		int st = strtab_merge(t, src, map);
		rr_alloc_fail_at(0);
		if (st == RR_OK) {
			assert_int_equal(strtab_count(t), 2 + N);
			assert_true(strtab_find(t, buf, strlen(buf), &id));
			assert_int_equal(map[N + 1], id);
			strtab_free(t);
			break;
		}
		assert_int_equal(st, RR_ENOMEM);
		assert_int_equal(strtab_count(t), 2);
		assert_false(strtab_find(t, buf, strlen(buf), &id));
		/* Still usable. */
		assert_int_equal(strtab_intern(t, "z", 1, &id), RR_OK);
		assert_int_equal(id, 2);
		strtab_free(t);
	}
	assert_true(k > 4);     /* slots, entries, then the text's arena blocks */
	free(map);
	strtab_free(src);
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
		cmocka_unit_test(test_append_allocation_failure),
		cmocka_unit_test(test_strtab_merge),
		cmocka_unit_test(test_strtab_merge_limits_and_memory),
		cmocka_unit_test(test_diag_keeps_first_per_reason),
		cmocka_unit_test(test_diag_cleans_hostile_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
