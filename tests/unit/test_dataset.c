/* Unit tests: dataset (record storage, stable sort, exact-duplicate removal,
 * counts, lookup, absorbing one dataset into another), strtab_merge, and diag
 * (counting, keeping the first rows per reason, cleaning text). */
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
#include "util.h"

/* ThreadSanitizer builds copy instead of moving pages (dataset.c). */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif
#define MOVES_PAGES (!UNDER_TSAN)

static struct record rec(uint32_t room, uint32_t comm, uint32_t user, int64_t t,
			 int32_t id, int32_t p1)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = t;
	r.room = room;
	r.comm = comm;
	r.user = user;
	r.id = id;
	r.p1 = p1;
	r.p2 = -1;
	r.kind = REC_EVENT;
	r.stream = -1;
	return r;
}

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

static void test_sort_is_stable_and_grouped(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* Same user, same millisecond: input order (5001 before 5002) must stay. */
	const struct record in[] = {
		rec(2, 0, 1, 500, 7000, 0),
		rec(1, 0, 1, 100, 5001, -1),
		rec(1, 0, 1, 100, 5002, 1),
		rec(1, 0, 2, 50, 5001, -1),
		rec(1, 0, 1, 90, 1003, 1),
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
	struct record a = rec(1, 0, 1, 100, 5001, -1);
	struct record b = rec(1, 0, 1, 100, 5003, 1);
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

		r[i] = rec(1, 3, 1, 100, d->id, d->kind == REC_ABNORMAL ? 1201 : -1);
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
			struct record r = rec(j->room, j->comm, j->user ? j->user : 10 + (uint32_t)n,
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

static void test_long_run_of_duplicates(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* 3000 rows in one millisecond, 3 distinct: takes the sorting path. */
	for (int i = 0; i < 3000; i++) {
		struct record r = rec(1, 0, 1, 100, 3001, i % 3);
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
		struct record r = rec(i % 2 ? 1 : 2, 0, 5, 1000, i, i);
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
		uint32_t comm = 1 + (uint32_t)(x >> 20) % 3;   /* 0 would join (DESIGN §3) */
		uint32_t user = (uint32_t)(x >> 30) % 50;
		int64_t t = (int64_t)(rng_next(&s) % 2000) - 1000;
		if (i % 97 == 0)
			t = (i % 2) ? INT64_MAX - 5 : INT64_MIN + 5;   /* the widest range */
		ref[i] = rec(room, comm, user, t, i, i);
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
					      i * 7 % 31, i, 0);
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

/* ---- the sort over input shapes, against a reference ------------------------ */

static int key_cmp(const struct record *a, const struct record *b)
{
	if (a->room != b->room) return a->room < b->room ? -1 : 1;
	if (a->comm != b->comm) return a->comm < b->comm ? -1 : 1;
	if (a->user != b->user) return a->user < b->user ? -1 : 1;
	if (a->time_ms != b->time_ms) return a->time_ms < b->time_ms ? -1 : 1;
	return 0;
}

/* Whether r carries a PeerId: a cause of an abnormal experience always
 * does (an empty one says "not a remote user's"). */
static int ref_peer(const struct record *r)
{
	return r->peer != 0 || r->kind == REC_ABNORMAL;
}

/* The same event (DESIGN §1): equal kind, id, p1 and p2, and Type (stream)
 * and PeerId (peer) equal where both rows carry them. */
static int same_rest(const struct record *a, const struct record *b)
{
	return a->id == b->id && a->p1 == b->p1 && a->p2 == b->p2 && a->kind == b->kind &&
	       (a->stream < 0 || b->stream < 0 || a->stream == b->stream) &&
	       (!ref_peer(a) || !ref_peer(b) || a->peer == b->peer);
}

/* 0: carries Type and PeerId, 1: Type, 2: PeerId, 3: neither. */
static int ref_class(const struct record *r)
{
	return (r->stream < 0 ? 2 : 0) + !ref_peer(r);
}

/* The plainest stable sort: top-down merge sort by key. */
static void ref_msort(struct record *a, struct record *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	ref_msort(a, tmp, h);
	ref_msort(a + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = key_cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
	while (i < h)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

/* Drops the duplicates among sorted a[0..n), key by key, the plainest way:
 * rows taken class by class (more columns first), each dropped when it is
 * the same event as a row kept; the rows kept stay in order. Returns how
 * many are kept and adds the others to *dups. */
static size_t ref_dedupe(struct record *a, size_t n, uint64_t *dups)
{
	char *keep = calloc(n ? n : 1, 1);
	size_t *kept = malloc((n ? n : 1) * sizeof *kept), m = 0;

	assert_non_null(keep);
	assert_non_null(kept);
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		size_t nkept = 0;

		for (hi = lo + 1; hi < n && key_cmp(&a[hi], &a[lo]) == 0; hi++)
			;
		for (int cls = 0; cls < 4; cls++)
			for (size_t i = lo; i < hi; i++) {
				if (ref_class(&a[i]) != cls)
					continue;
				keep[i] = 1;
				for (size_t j = 0; j < nkept; j++)
					if (same_rest(&a[i], &a[kept[j]])) {
						keep[i] = 0;
						break;
					}
				if (keep[i])
					kept[nkept++] = i;
			}
	}
	free(kept);
	for (size_t i = 0; i < n; i++) {
		if (keep[i])
			a[m++] = a[i];
		else
			(*dups)++;
	}
	free(keep);
	return m;
}

/* DESIGN §3 on sorted, de-duplicated a[0..n): in each room, a record
 * without CommId (comm 0) takes the comm of a call whose span (first..last
 * record of a comm) holds its time: best one with its duplicate, then one
 * with a row of its user in that millisecond, then one with rows of the user
 * before and after it (the latest row before nearest), then one with rows of
 * the user, then any; the earliest-starting of equals (ties: lower comm).
 * The room is then sorted stably again and de-duplicated. Returns the
 * number kept. */
static size_t ref_join(struct record *a, size_t n, uint64_t *dups)
{
	struct record *tmp = malloc((n ? n : 1) * sizeof *tmp);
	size_t m = 0;

	assert_non_null(tmp);
	for (size_t rb = 0, re; rb < n; rb = re) {
		struct ref_span { uint32_t comm; int64_t lo, hi; } *sp;
		size_t nsp = 0;

		for (re = rb + 1; re < n && a[re].room == a[rb].room; re++)
			;
		sp = malloc((re - rb) * sizeof *sp);
		assert_non_null(sp);
		for (size_t i = rb; i < re; i++) {
			size_t k;

			if (a[i].comm == 0)
				continue;
			for (k = 0; k < nsp && sp[k].comm != a[i].comm; k++)
				;
			if (k == nsp) {
				sp[nsp].comm = a[i].comm;
				sp[nsp].lo = sp[nsp].hi = a[i].time_ms;
				nsp++;
			}
			if (a[i].time_ms < sp[k].lo)
				sp[k].lo = a[i].time_ms;
			if (a[i].time_ms > sp[k].hi)
				sp[k].hi = a[i].time_ms;
		}
		uint32_t *to = calloc(re - rb, sizeof *to);

		assert_non_null(to);
		/* Decided on the CommId rows alone, then applied. */
		for (size_t i = rb; i < re; i++) {
			uint32_t best = 0;
			int64_t best_lo = 0;
			int best_fit = 5;

			if (a[i].comm != 0)
				continue;
			int64_t best_gap = INT64_MAX;

			for (size_t k = 0; k < nsp; k++) {
				int64_t prev = INT64_MIN, gap = INT64_MAX;
				int fit = 4, after = 0;

				if (sp[k].lo > a[i].time_ms || a[i].time_ms > sp[k].hi)
					continue;
				/* The user's own rows in that call. */
				for (size_t x = rb; x < re; x++) {
					if (a[x].comm != sp[k].comm || a[x].user != a[i].user)
						continue;
					if (a[x].time_ms == a[i].time_ms)
						fit = same_rest(&a[x], &a[i]) ? 0 : fit < 1 ? fit : 1;
					else if (a[x].time_ms < a[i].time_ms && a[x].time_ms > prev)
						prev = a[x].time_ms;
					else if (a[x].time_ms > a[i].time_ms)
						after = 1;
				}
				if (fit > 1 && prev != INT64_MIN && after) {
					fit = 2;
					gap = a[i].time_ms - prev;
				} else if (fit > 1 && (prev != INT64_MIN || after)) {
					fit = 3;
				}
				if (fit < best_fit || (fit == best_fit && gap < best_gap) ||
				    (fit == best_fit && gap == best_gap &&
				     (sp[k].lo < best_lo || (sp[k].lo == best_lo && sp[k].comm < best)))) {
					best = sp[k].comm;
					best_lo = sp[k].lo;
					best_fit = fit;
					best_gap = gap;
				}
			}
			to[i - rb] = best;
		}
		for (size_t i = rb; i < re; i++)
			if (a[i].comm == 0)
				a[i].comm = to[i - rb];
		free(to);
		free(sp);
		ref_msort(a + rb, tmp, re - rb);
		size_t kept = ref_dedupe(a + rb, re - rb, dups);
		memmove(a + m, a + rb, kept * sizeof *a);
		m += kept;
	}
	free(tmp);
	return m;
}

/* What dataset_finish should make of in[0..n): sorted stably, the
 * duplicates of each key dropped, the CommId-less records joined.
 * Returns the number kept; *dups gets the number dropped. */
static size_t ref_finish(const struct record *in, size_t n, struct record *out, uint64_t *dups)
{
	struct record *tmp = malloc((n ? n : 1) * sizeof *tmp);
	size_t m;

	assert_non_null(tmp);
	memcpy(out, in, n * sizeof *in);
	ref_msort(out, tmp, n);
	free(tmp);
	*dups = 0;
	m = ref_dedupe(out, n, dups);
	return ref_join(out, m, dups);
}

/* Input orders the sort must handle, each with the fast path it is meant to
 * take. Fields other than the key come from small ranges, so exact repeats
 * are common wherever keys tie. */
enum shape {
	SH_SCATTERED,           /* a few calls, records in random order: reordered by call */
	SH_TINY_CALLS,          /* a call per record or two: one radix sort of everything */
	SH_CALLS_OUT_OF_ORDER,  /* grouped by call and user, calls in any order (exports) */
	SH_CALLS_IN_ORDER,      /* calls contiguous and in order, users not */
	SH_SORTED,              /* already in order */
	SH_BIG_CALL_TIME_SORTED,/* one call, time order, users interleaved */
	SH_BIG_CALL_RANDOM,     /* one call, random order */
	SH_MIXED,               /* half one big call, half scattered */
	SH_TIES,                /* three calls, a few keys each: long ties, many repeats */
	SH_TIES_SORTED,         /* the same in order */
	SH_BY_TIME,             /* twenty calls of 1-10 users interleaved, in time order
				 * but for a few records a little late */
	SH_BIG_CALL_BLOCKS,     /* one call, five users one after the other, highest first */
	SH__COUNT
};

static void fill_rest(struct record *r, uint64_t *s)
{
	uint64_t x = rng_next(s);

	r->peer = (uint32_t)(x % 3);
	r->id = (int32_t)((x >> 8) % 3);
	r->p1 = (int32_t)((x >> 16) % 2);
	r->p2 = -1;
	r->kind = (x >> 24) % 4 == 0 ? REC_ABNORMAL : REC_EVENT;
	r->stream = (int8_t)((x >> 28) % 2) - 1;
}

static void gen_shape(int shape, struct record *a, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15u + 1;
	uint32_t call = 0;

	for (size_t i = 0; i < n;) {
		uint64_t x = rng_next(&s);
		struct record *r = &a[i];

		switch (shape) {
		case SH_SCATTERED:
		case SH_SORTED:
			*r = rec(1 + (uint32_t)(x % 5), (uint32_t)(x >> 8) % 4, 1 + (uint32_t)(x >> 16) % 20,
				 (int64_t)((x >> 32) % 500), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_TINY_CALLS:
			*r = rec(1 + (uint32_t)(x % 1000000), (uint32_t)(x >> 20) % 2,
				 (uint32_t)(x >> 40) % 4, (int64_t)(rng_next(&s) % 2000) - 1000, 0, 0);
			if (i % 97 == 0)
				r->time_ms = (i % 2) ? INT64_MAX - 5 : INT64_MIN + 5;
			fill_rest(r, &s);
			i++;
			break;
		case SH_CALLS_OUT_OF_ORDER:
		case SH_CALLS_IN_ORDER: {
			/* One call: a few users' blocks, each in time order; a user
			 * may come back for a second block. */
			uint32_t room, comm, users = 1 + (uint32_t)(x % 6);
			call++;
			if (shape == SH_CALLS_IN_ORDER) {
				room = call / 3 + 1;
				comm = call;
			} else {
				room = 1 + (uint32_t)(x >> 8) % 50;
				comm = 1000000 - call;
			}
			for (uint32_t u = 0; u < users && i < n; u++) {
				uint64_t y = rng_next(&s);
				uint32_t user = 1 + (uint32_t)(y % 100);
				size_t len = 1 + (size_t)(y >> 8) % 40;
				int64_t t = (int64_t)((y >> 16) % 100000);
				for (size_t k = 0; k < len && i < n; k++, i++) {
					t += (int64_t)(rng_next(&s) % 3);
					a[i] = rec(room, comm, user, t, 0, 0);
					fill_rest(&a[i], &s);
				}
			}
			break;
		}
		case SH_BIG_CALL_TIME_SORTED:
			*r = rec(7, 3, 1 + (uint32_t)(x % 50), (int64_t)(i / 3), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_BIG_CALL_RANDOM:
			/* Times in steps of 4096 ms: the lowest radix digit is the
			 * same for all, a pass the sort skips. */
			*r = rec(7, 3, (uint32_t)(x % 5000), (int64_t)((x >> 20) % 100000) * 4096,
				 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_TIES:
		case SH_TIES_SORTED:
			*r = rec(1 + (uint32_t)(x % 3), 0, 1 + (uint32_t)(x >> 8) % 2,
				 (int64_t)((x >> 32) % 4), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_BY_TIME: {
			uint32_t c = (uint32_t)(x % 20);
			*r = rec(100 + c, 5, 1 + (uint32_t)(x >> 8) % (1 + c % 10), (int64_t)(i / 3),
				 0, 0);
			if (i % 997 == 0)
				r->time_ms -= 7;
			fill_rest(r, &s);
			i++;
			break;
		}
		case SH_BIG_CALL_BLOCKS:
			*r = rec(9, 9, 5 - (uint32_t)(i * 5 / n), (int64_t)(i % (n / 5 + 1)), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		default: /* SH_MIXED */
			if (x % 2)
				*r = rec(7, 3, (uint32_t)(x >> 8) % 300, (int64_t)((x >> 20) % 1000), 0, 0);
			else
				*r = rec(1 + (uint32_t)(x >> 8) % 500, 1, 1 + (uint32_t)(x >> 20) % 5,
					 (int64_t)((x >> 32) % 50), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		}
	}
	if (shape == SH_SORTED || shape == SH_TIES_SORTED) {
		struct record *tmp = malloc((n ? n : 1) * sizeof *tmp);
		assert_non_null(tmp);
		ref_msort(a, tmp, n);
		free(tmp);
	}
}

/* Checks ds (after dataset_finish) against the reference for in[0..n). */
/* What ref_finish gives for some input: computed once, checked against
 * as many runs as needed. */
struct ref_out {
	struct record *want;
	size_t m;
	uint64_t dups, events;
};

static void ref_compute(const struct record *in, size_t n, struct ref_out *r)
{
	r->want = malloc((n ? n : 1) * sizeof *r->want);
	assert_non_null(r->want);
	r->m = ref_finish(in, n, r->want, &r->dups);
	r->events = 0;
	for (size_t i = 0; i < r->m; i++)
		r->events += r->want[i].kind == REC_EVENT;
}

static void check_against(const struct dataset *ds, const struct ref_out *r, size_t n, int shape)
{
	if (ds->nrecs != r->m || ds->counts.duplicates != r->dups) {
		print_message("shape %d, %zu records: kept %zu (want %zu), dropped %llu (want %llu)\n",
			      shape, n, ds->nrecs, r->m, (unsigned long long)ds->counts.duplicates,
			      (unsigned long long)r->dups);
		fail();
	}
	for (size_t i = 0; i < r->m; i++) {
		if (memcmp(&ds->recs[i], &r->want[i], sizeof *r->want) != 0) {
			print_message("shape %d, %zu records: first difference at %zu\n", shape, n, i);
			fail();
		}
	}
	assert_int_equal(ds->counts.events, r->events);
	assert_int_equal(ds->counts.abnormal, r->m - r->events);
	assert_true(ds->finished);
}

static void check_finished(const struct dataset *ds, const struct record *in, size_t n,
			   int shape)
{
	struct ref_out r;

	ref_compute(in, n, &r);
	check_against(ds, &r, n, shape);
	free(r.want);
}

static void test_sort_shapes_match_reference(void **state)
{
	/* 100000 is past the size where records are moved through buckets;
	 * 250 scatters about a dozen records over each of twenty calls. */
	static const size_t sizes[] = { 0, 1, 2, 17, 40, 250, 1000, 100000 };
	(void)state;

	for (int shape = 0; shape < SH__COUNT; shape++) {
		for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
			size_t n = sizes[si];
			struct record *in = malloc((n ? n : 1) * sizeof *in);
			struct dataset ds;

			assert_non_null(in);
			gen_shape(shape, in, n, (uint64_t)shape * 100 + si);
			assert_int_equal(dataset_init(&ds), RR_OK);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(dataset_append(&ds, &in[i]), RR_OK);
			assert_int_equal(dataset_finish(&ds), RR_OK);
			check_finished(&ds, in, n, shape);
			dataset_free(&ds);
			free(in);
		}
	}
}

static int rec_bytes_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(struct record));
}

static void fill_dataset(struct dataset *ds, const struct record *in, size_t n, unsigned threads)
{
	assert_int_equal(dataset_init(ds), RR_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dataset_append(ds, &in[i]), RR_OK);
	ds->threads = threads;
}

static int keys_in_order(const struct record *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&a[i - 1], &a[i]) > 0)
			return 0;
	return 1;
}

/* Allocation failure at every step of dataset_finish on n records of the
 * given shape, sorted on `threads` threads (0: dataset_init's choice):
 * RR_ENOMEM with every record still there and nothing counted, and a second
 * call then gives the right result. Every path allocates something: more
 * than one step (one per scanning thread), fewer than max_steps. */
static void check_allocation_failures(int shape, size_t n, unsigned threads, uint64_t seed,
				      unsigned long max_steps)
{
	struct record *in = malloc(n * sizeof *in), *bag = malloc(n * sizeof *bag);
	struct record *got = malloc(n * sizeof *got);
	struct ref_out ref;
	unsigned long k;

	assert_true(in && bag && got);
	gen_shape(shape, in, n, seed);
	ref_compute(in, n, &ref);   /* once: every run below must give it */
	memcpy(bag, in, n * sizeof *in);
	qsort(bag, n, sizeof *bag, rec_bytes_cmp);
	for (k = 1;; k++) {
		struct dataset ds;
		int st;

		fill_dataset(&ds, in, n, threads);
		rr_alloc_fail_at(k);
		st = dataset_finish(&ds);
		rr_alloc_fail_at(0);
		if (st == RR_OK) {
			check_against(&ds, &ref, n, shape);
			dataset_free(&ds);
			break;
		}
		assert_int_equal(st, RR_ENOMEM);
		assert_false(ds.finished);
		/* A failure while CommId-less records join (after the sort)
		 * leaves the duplicates removed so far counted and some joined;
		 * before, nothing is lost or changed. */
		assert_int_equal(ds.nrecs + ds.counts.duplicates, n);
		if (!keys_in_order(ds.recs, ds.nrecs)) {
			assert_int_equal(ds.nrecs, n);
			memcpy(got, ds.recs, n * sizeof *got);
			qsort(got, n, sizeof *got, rec_bytes_cmp);
			assert_memory_equal(got, bag, n * sizeof *got);
		}
		assert_int_equal(dataset_finish(&ds), RR_OK);
		check_against(&ds, &ref, n, shape);
		dataset_free(&ds);
		assert_true(k < max_steps);
	}
	assert_true(k > (threads > 1 ? threads : 1));
	free(ref.want);
	free(in);
	free(bag);
	free(got);
}

/* Each path through the sort on one thread. */
static void test_sort_shapes_allocation_failure(void **state)
{
	static const struct { int shape; size_t n; } cases[] = {
		{ SH_SCATTERED, 3000 }, { SH_TINY_CALLS, 3000 }, { SH_CALLS_IN_ORDER, 3000 },
		{ SH_SORTED, 3000 }, { SH_BIG_CALL_RANDOM, 10000 }, { SH_CALLS_OUT_OF_ORDER, 3000 },
		{ SH_CALLS_OUT_OF_ORDER, 40000 },   /* enough calls to grow the call table */
	};
	(void)state;

	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
		check_allocation_failures(cases[c].shape, cases[c].n, 0, 7 + c, 100);
}

/* ---- the sort on several threads ------------------------------------------------ */

/* Every shape and size, on 2 to 6 threads (and more than the most there can
 * be), gives exactly what one thread gives: the same records in the same
 * order and the same counts. The sizes reach past a thread's region being
 * moved in buckets (over 65536 records each), where the calls are sorted as
 * their buckets come into order. */
static void test_threads_match_one_thread(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 17, 40, 250, 1000, 20000, 40000, 100000, 300000 };
	static const unsigned threads[] = { 2, 3, 4, 5, 6, 64 };
	(void)state;

	for (int shape = 0; shape < SH__COUNT; shape++) {
		for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
			size_t n = sizes[si];
			struct record *in;
			struct dataset one;

			/* The biggest size for the shapes with their own paths. */
			if (n == 300000 && shape != SH_CALLS_OUT_OF_ORDER && shape != SH_SCATTERED &&
			    shape != SH_TINY_CALLS && shape != SH_TIES_SORTED && shape != SH_BY_TIME)
				continue;
			in = malloc((n ? n : 1) * sizeof *in);
			assert_non_null(in);
			gen_shape(shape, in, n, (uint64_t)shape * 1000 + si + 5);
			fill_dataset(&one, in, n, 1);
			assert_int_equal(dataset_finish(&one), RR_OK);
			/* The plain reference is slow under ThreadSanitizer, which
			 * is here for the threads: its big inputs are held to
			 * one thread's result only (other builds check both). */
			if (!UNDER_TSAN || n < 100000)
				check_finished(&one, in, n, shape);
			for (size_t ti = 0; ti < sizeof threads / sizeof *threads; ti++) {
				struct dataset ds;
				fill_dataset(&ds, in, n, threads[ti]);
				assert_int_equal(dataset_finish(&ds), RR_OK);
				if (ds.nrecs != one.nrecs ||
				    memcmp(&ds.counts, &one.counts, sizeof ds.counts) != 0 ||
				    (n && memcmp(ds.recs, one.recs, one.nrecs * sizeof *ds.recs) != 0)) {
					print_message("shape %d, %zu records, %u threads: differs from one thread\n",
						      shape, n, threads[ti]);
					fail();
				}
				assert_true(ds.finished);
				dataset_free(&ds);
			}
			dataset_free(&one);
			free(in);
		}
	}
}

/* Allocation failure at every step on several threads (the scans allocate
 * on their own threads); the sanitizer runs check that nothing leaks. */
static void test_threads_allocation_failure(void **state)
{
	static const struct { int shape; size_t n; unsigned threads; } cases[] = {
		{ SH_SCATTERED, 3000, 2 }, { SH_TINY_CALLS, 3000, 3 }, { SH_CALLS_IN_ORDER, 3000, 2 },
		{ SH_SORTED, 3000, 4 }, { SH_BIG_CALL_RANDOM, 10000, 2 }, { SH_MIXED, 40000, 3 },
		{ SH_CALLS_OUT_OF_ORDER, 40000, 2 }, { SH_CALLS_OUT_OF_ORDER, 200000, 3 },
		{ SH_TIES, 5000, 5 }, { SH_TIES_SORTED, 5000, 6 },
	};
	(void)state;

	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
		check_allocation_failures(cases[c].shape, cases[c].n, cases[c].threads, 31 + c, 200);
}

/* The record array's growth counts as an allocation: it can be made to
 * fail, and the records stay as they were. */
static void test_append_allocation_failure(void **state)
{
	struct dataset ds;
	struct record r = rec(1, 2, 3, 4, 5, 6);
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

/* ---- dataset_absorb ----------------------------------------------------------
 * Rows are fed to datasets the way ingest feeds them (strings interned in row
 * order); a dataset fed rows [0, n) in one go is the reference for one fed a
 * prefix and then absorbing the rest in parts. */

enum trow_kind { T_EVENT, T_USER, T_ROOM, T_QUALITY, T_REJECT, T_NOTE };

struct trow {
	int kind;
	unsigned room, comm, user, peer;        /* string numbers; comm/peer 0 = none */
	int64_t time;
	int32_t id;
	enum diag_reason reason;
};

static uint32_t put_num(struct dataset *ds, const char *prefix, unsigned n)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%s%u", prefix, n);
	uint32_t id;

	assert_int_equal(strtab_intern(ds->strs, buf, (size_t)len, &id), RR_OK);
	return id;
}

/* Feeds rows[lo..hi) to ds; a row's line is its index + 2 - line_base. */
static void feed(struct dataset *ds, const struct trow *rows, size_t lo, size_t hi,
		 uint64_t line_base)
{
	for (size_t i = lo; i < hi; i++) {
		const struct trow *t = &rows[i];
		uint64_t line = i + 2 - line_base;
		uint32_t room = put_num(ds, "room", t->room);
		uint32_t comm = t->comm ? put_num(ds, "comm", t->comm) : 0;
		uint32_t user = put_num(ds, "u", t->user);
		char detail[32];

		ds->counts.rows++;
		switch (t->kind) {
		case T_EVENT: {
			struct record r = rec(room, comm, user, t->time, t->id, -1);
			r.peer = t->peer ? put_num(ds, "u", t->peer) : 0;
			assert_int_equal(dataset_append(ds, &r), RR_OK);
			break;
		}
		case T_USER: {
			struct user_info u;
			memset(&u, 0, sizeof u);
			u.room = room;
			u.comm = comm;
			u.user = user;
			u.device = put_num(ds, "device", t->peer);
			u.sdk = put_num(ds, "sdk", (unsigned)t->id % 4);
			u.join_ms = t->time;
			u.leave_ms = RR_NONE;
			u.finished = -1;
			assert_int_equal(dataset_append_user(ds, &u), RR_OK);
			break;
		}
		case T_ROOM: {
			struct room_info r;
			memset(&r, 0, sizeof r);
			r.room = room;
			r.comm = comm;
			r.create_ms = t->time;
			r.destroy_ms = RR_NONE;
			r.finished = 1;
			assert_int_equal(dataset_append_room(ds, &r), RR_OK);
			break;
		}
		case T_QUALITY: {
			struct quality_sample q;
			memset(&q, 0, sizeof q);
			q.room = room;
			q.comm = comm;
			q.user = user;
			assert_int_equal(dataset_metric(ds, put_num(ds, "metric", t->peer % 7), &q.metric),
					 RR_OK);
			q.time_ms = t->time;
			q.value = (float)t->id;
			assert_int_equal(dataset_append_quality(ds, &q), RR_OK);
			break;
		}
		case T_REJECT:
			snprintf(detail, sizeof detail, "row %zu", i);
			assert_int_equal(diag_reject(&ds->diag, "a.csv", line, t->reason, detail), RR_OK);
			ds->counts.rejected++;
			break;
		default:
			assert_int_equal(diag_note(&ds->diag, "note %zu", i), RR_OK);
			break;
		}
	}
}

static void gen_rows(struct trow *rows, size_t n, uint64_t seed, int events_only)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15u + 3;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = rng_next(&s), y = rng_next(&s);
		unsigned k = (unsigned)(x % 16);
		struct trow *t = &rows[i];

		t->kind = events_only || k < 10 ? T_EVENT : k == 10 ? T_USER : k == 11 ? T_ROOM :
			  k == 12 ? T_QUALITY : k < 15 ? T_REJECT : T_NOTE;
		t->room = 1 + (unsigned)(x >> 8) % 30;
		t->comm = (unsigned)(x >> 16) % 40;
		t->user = 1 + (unsigned)(x >> 24) % 200;
		t->peer = (unsigned)(x >> 40) % 50;
		t->time = (int64_t)(y % 100000);
		t->id = (int32_t)((y >> 20) % 5000);
		t->reason = (enum diag_reason)((y >> 40) % REJ__COUNT);
	}
}

/* ds's records without the padding dataset_absorb may have put in (a
 * malloc'd copy; *n records). */
static struct record *unpadded(const struct dataset *ds, size_t *n)
{
	struct record *out = malloc((ds->nrecs + 1) * sizeof *out);
	size_t from = 0, k = 0;

	assert_non_null(out);
	for (size_t i = 0; i <= ds->npads; i++) {
		size_t to = i < ds->npads ? ds->pads[i].at : ds->nrecs;

		assert_true(to >= from && to <= ds->nrecs);
		memcpy(out + k, ds->recs + from, (to - from) * sizeof *out);
		k += to - from;
		if (i < ds->npads) {
			/* A pad is copies of the record before it. */
			for (size_t j = 0; j < ds->pads[i].n; j++)
				assert_memory_equal(&ds->recs[to + j], &ds->recs[to - 1], sizeof *out);
			from = to + ds->pads[i].n;
		}
	}
	*n = k;
	return out;
}

static void assert_same_dataset(const struct dataset *a, const struct dataset *b)
{
	uint32_t n = strtab_count(a->strs);
	struct record *ra, *rb;
	size_t na, nb;

	assert_int_equal(n, strtab_count(b->strs));
	for (uint32_t id = 0; id < n; id++)
		assert_string_equal(strtab_str(a->strs, id), strtab_str(b->strs, id));
	ra = unpadded(a, &na);
	rb = unpadded(b, &nb);
	assert_int_equal(na, nb);
	if (na)
		assert_memory_equal(ra, rb, na * sizeof *ra);
	free(ra);
	free(rb);
	assert_int_equal(a->nusers, b->nusers);
	for (size_t i = 0; i < a->nusers; i++) {
		const struct user_info *x = &a->users[i], *y = &b->users[i];
		assert_true(x->room == y->room && x->comm == y->comm && x->user == y->user &&
			    x->device == y->device && x->sdk == y->sdk && x->ip == y->ip &&
			    x->join_ms == y->join_ms && x->leave_ms == y->leave_ms &&
			    x->finished == y->finished && x->file == y->file);
	}
	assert_int_equal(a->nrooms, b->nrooms);
	for (size_t i = 0; i < a->nrooms; i++) {
		const struct room_info *x = &a->rooms[i], *y = &b->rooms[i];
		assert_true(x->room == y->room && x->comm == y->comm && x->create_ms == y->create_ms &&
			    x->destroy_ms == y->destroy_ms && x->finished == y->finished &&
			    x->file == y->file);
	}
	assert_int_equal(a->nquality, b->nquality);
	for (size_t i = 0; i < a->nquality; i++) {
		const struct quality_sample *x = &a->quality[i], *y = &b->quality[i];
		assert_true(x->room == y->room && x->comm == y->comm && x->user == y->user &&
			    x->peer == y->peer && x->metric == y->metric && x->time_ms == y->time_ms &&
			    x->value == y->value && x->file == y->file);
	}
	assert_int_equal(a->nmetrics, b->nmetrics);
	for (size_t i = 0; i < a->nmetrics; i++)
		assert_int_equal(a->metrics[i], b->metrics[i]);
	assert_memory_equal(&a->counts, &b->counts, sizeof a->counts);
	assert_memory_equal(a->diag.count, b->diag.count, sizeof a->diag.count);
	assert_int_equal(a->diag.nkept, b->diag.nkept);
	for (size_t i = 0; i < a->diag.nkept; i++) {
		assert_string_equal(a->diag.kept[i].file, b->diag.kept[i].file);
		assert_string_equal(a->diag.kept[i].detail, b->diag.kept[i].detail);
		assert_int_equal(a->diag.kept[i].line, b->diag.kept[i].line);
		assert_int_equal(a->diag.kept[i].reason, b->diag.kept[i].reason);
	}
	assert_int_equal(a->diag.nnotes, b->diag.nnotes);
	for (size_t i = 0; i < a->diag.nnotes; i++)
		assert_string_equal(a->diag.notes[i], b->diag.notes[i]);
}

static void init_with_file(struct dataset *ds)
{
	uint16_t f;

	assert_int_equal(dataset_init(ds), RR_OK);
	assert_int_equal(dataset_add_file(ds, "a.csv", &f), RR_OK);
	assert_int_equal(f, 0);
}

/* dst fed rows[0..cut[0]) itself, then absorbing parts [cut[j], cut[j+1]),
 * each read into its own dataset with lines counted from its start. */
static void absorb_parts(struct dataset *dst, const struct trow *rows, const size_t *cut,
			 size_t ncut)
{
	init_with_file(dst);
	feed(dst, rows, 0, cut[0], 0);
	for (size_t j = 0; j + 1 < ncut; j++) {
		struct dataset src;
		assert_int_equal(dataset_init(&src), RR_OK);
		feed(&src, rows, cut[j], cut[j + 1], cut[j]);
		assert_int_equal(dataset_absorb(dst, &src, cut[j]), RR_OK);
		dataset_free(&src);
	}
}

static void test_absorb_equals_sequential(void **state)
{
	enum { N = 1500 };
	static const struct { size_t ncut; size_t cut[6]; } cases[] = {
		{ 2, { 0, N } },                    /* all into an empty dataset */
		{ 3, { 0, 700, N } },               /* empty, then one with records */
		{ 3, { 3, 700, N } },               /* strings but no records, then more */
		{ 4, { 100, 600, 1100, N } },       /* three parts after a prefix */
		{ 6, { 0, 0, 500, 500, 1499, N } }, /* empty parts, a one-row part */
		{ 2, { N, N } },                    /* an empty part at the end */
	};
	struct trow *rows = malloc(N * sizeof *rows);
	struct dataset seq;
	(void)state;

	assert_non_null(rows);
	gen_rows(rows, N, 11, 0);
	for (size_t i = 0; i < 3; i++)
		rows[i].kind = T_USER;
	init_with_file(&seq);
	feed(&seq, rows, 0, N, 0);
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct dataset dst;
		absorb_parts(&dst, rows, cases[c].cut, cases[c].ncut);
		assert_same_dataset(&seq, &dst);
		dataset_free(&dst);
	}
	/* And after dataset_finish on both. */
	struct dataset dst;
	absorb_parts(&dst, rows, cases[3].cut, cases[3].ncut);
	assert_int_equal(dataset_finish(&seq), RR_OK);
	assert_int_equal(dataset_finish(&dst), RR_OK);
	assert_same_dataset(&seq, &dst);
	dataset_free(&dst);
	dataset_free(&seq);
	free(rows);
}

/* Enough records that the copy runs in many steps (pages of the source are
 * released as it goes), with new strings, then a part with exactly dst's
 * strings in dst's order (ids need no translating). */
static void test_absorb_many_records(void **state)
{
	enum { N = 130000, CUT = 30000 };
	struct trow *rows = malloc(N * sizeof *rows);
	struct dataset seq, dst, src;
	(void)state;

	assert_non_null(rows);
	gen_rows(rows, N, 5, 1);
	for (size_t i = CUT; i < N; i++)
		rows[i].user += 1000;      /* strings dst has not seen */
	init_with_file(&seq);
	feed(&seq, rows, 0, N, 0);
	feed(&seq, rows, 0, CUT, 0);
	init_with_file(&dst);
	feed(&dst, rows, 0, CUT, 0);
	assert_int_equal(dataset_init(&src), RR_OK);
	feed(&src, rows, CUT, N, CUT);
	assert_int_equal(dataset_absorb(&dst, &src, CUT), RR_OK);
	assert_int_equal(src.nrecs, 0);
	dataset_free(&src);
	assert_int_equal(dataset_init(&src), RR_OK);
	feed(&src, rows, 0, CUT, 0);
	assert_int_equal(dataset_absorb(&dst, &src, 0), RR_OK);
	dataset_free(&src);
	assert_same_dataset(&seq, &dst);
	dataset_free(&dst);
	dataset_free(&seq);
	free(rows);
}

static void test_absorb_diag_order_and_lines(void **state)
{
	struct dataset dst, src;
	static const struct { enum diag_reason r; uint64_t line; } in[] = {
		{ REJ_BAD_TIME, 1 }, { REJ_RAGGED, 5 }, { REJ_BAD_TIME, 2 },
		{ REJ_BAD_TIME, 3 }, { REJ_RAGGED, 6 }, { REJ_BAD_TIME, 4 },
	};
	static const uint64_t want[] = { 2, 3, 4, 101, 105, 102, 106 };
	(void)state;

	init_with_file(&dst);
	assert_int_equal(dataset_init(&src), RR_OK);
	for (uint64_t line = 2; line <= 4; line++)
		assert_int_equal(diag_reject(&dst.diag, "a.csv", line, REJ_BAD_TIME, "t"), RR_OK);
	assert_int_equal(diag_note(&dst.diag, "n1"), RR_OK);
	for (size_t i = 0; i < sizeof in / sizeof *in; i++)
		assert_int_equal(diag_reject(&src.diag, "a.csv", in[i].line, in[i].r, "s"), RR_OK);
	assert_int_equal(diag_note(&src.diag, "n2"), RR_OK);
	src.counts.rows = 6;
	src.counts.rejected = 6;
	dst.counts.rows = 3;
	dst.counts.rejected = 3;
	assert_int_equal(dataset_absorb(&dst, &src, 100), RR_OK);
	dataset_free(&src);
	/* DIAG_KEEP of each reason overall: the first two of src's bad times
	 * join dst's three; both of its ragged rows are kept. */
	assert_int_equal(dst.diag.nkept, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(dst.diag.kept[i].line, want[i]);
	assert_int_equal(dst.diag.kept[4].reason, REJ_RAGGED);
	assert_string_equal(dst.diag.kept[3].detail, "s");
	assert_int_equal(dst.diag.count[REJ_BAD_TIME], 7);
	assert_int_equal(dst.diag.count[REJ_RAGGED], 2);
	assert_int_equal(dst.diag.nnotes, 2);
	assert_string_equal(dst.diag.notes[0], "n1");
	assert_string_equal(dst.diag.notes[1], "n2");
	assert_int_equal(dst.counts.rows, 9);
	assert_int_equal(dst.counts.rejected, 9);
	dataset_free(&dst);
}

/* Past a limit, dataset_absorb returns RR_EDATA and both datasets are as
 * they were: compared with twins built the same way. */
static void test_absorb_limits_leave_both_unchanged(void **state)
{
	enum { N = 400, CUT = 200 };
	struct trow *rows = malloc(N * sizeof *rows);
	(void)state;

	assert_non_null(rows);
	gen_rows(rows, N, 3, 0);
	for (size_t i = CUT; i < N; i++)
		rows[i].room += 100;       /* new strings in the second half */
	for (int lim = 0; lim < 3; lim++) {
		struct dataset dst, src, dst2, src2;
		init_with_file(&dst);
		init_with_file(&dst2);
		assert_int_equal(dataset_init(&src), RR_OK);
		assert_int_equal(dataset_init(&src2), RR_OK);
		feed(&dst, rows, 0, CUT, 0);
		feed(&dst2, rows, 0, CUT, 0);
		if (lim == 2) {
			/* Fill dst's metric table; src brings one more name. */
			for (unsigned m = dst.nmetrics; m < DATASET_MAX_METRICS; m++) {
				uint16_t index;
				assert_int_equal(dataset_metric(&dst, put_num(&dst, "full", m), &index), RR_OK);
				assert_int_equal(dataset_metric(&dst2, put_num(&dst2, "full", m), &index), RR_OK);
			}
			struct trow q = { T_QUALITY, 1, 1, 1, 7, 5, 5, REJ_RAGGED };   /* metric7 */
			feed(&src, &q, 0, 1, 0);
			feed(&src2, &q, 0, 1, 0);
		}
		feed(&src, rows, CUT, N, CUT);
		feed(&src2, rows, CUT, N, CUT);
		if (lim == 0) {
			strtab_set_limits(dst.strs, strtab_count(dst.strs) + 1, STRTAB_MAX_BYTES);
		} else if (lim == 1) {
			size_t bytes = 0;
			for (uint32_t id = 0; id < strtab_count(dst.strs); id++)
				bytes += strtab_len(dst.strs, id);
			strtab_set_limits(dst.strs, STRTAB_MAX_STRINGS, bytes + 3);
		}
		assert_int_equal(dataset_absorb(&dst, &src, CUT), RR_EDATA);
		assert_same_dataset(&dst, &dst2);
		assert_same_dataset(&src, &src2);
		dataset_free(&dst);
		dataset_free(&src);
		dataset_free(&dst2);
		dataset_free(&src2);
	}
	free(rows);
}

/* Allocation failure at every step: RR_ENOMEM, and freeing both releases
 * everything (the sanitizer and valgrind runs check for leaks); for dst
 * with and without records of its own. */
/* Every allocation of dataset_absorb failing in turn: RR_ENOMEM, nothing
 * leaked; cuts into an empty dataset, a copied part and (n big enough) a
 * part whose pages are moved. */
static void check_absorb_allocation_failure(size_t N, const size_t *cuts, size_t ncuts)
{
	struct trow *rows = malloc(N * sizeof *rows);

	assert_non_null(rows);
	gen_rows(rows, N, 9, 0);
	for (size_t c = 0; c < ncuts; c++) {
		size_t cut = cuts[c];
		struct dataset seq;
		unsigned long k;

		init_with_file(&seq);
		feed(&seq, rows, 0, N, 0);
		for (k = 1;; k++) {
			struct dataset dst, src;
			init_with_file(&dst);
			feed(&dst, rows, 0, cut, 0);
			assert_int_equal(dataset_init(&src), RR_OK);
			feed(&src, rows, cut, N, cut);
			rr_alloc_fail_at(k);
			int st = dataset_absorb(&dst, &src, cut);
			rr_alloc_fail_at(0);
			if (st == RR_OK) {
				assert_same_dataset(&seq, &dst);
				/* The big case must have taken the moving path. */
				assert_int_equal(dst.npads, MOVES_PAGES && N - cut >= 100000);
			} else {
				assert_int_equal(st, RR_ENOMEM);
			}
			dataset_free(&dst);
			dataset_free(&src);
			if (st == RR_OK)
				break;
			assert_true(k < 100);
		}
		assert_true(k > 5);
		dataset_free(&seq);
	}
	free(rows);
}

static void test_absorb_allocation_failure(void **state)
{
	static const size_t small[] = { 0, 1000 }, big[] = { 1031 };
	(void)state;

	check_absorb_allocation_failure(3000, small, 2);
	if (MOVES_PAGES)
		check_absorb_allocation_failure(1031 + 70000 * 16 / 10, big, 1);
}

/* Parts big enough to have their pages moved, after an unaligned prefix;
 * rows appended between absorbs (the array, now several mappings, must
 * grow); exact repeats across the parts and right at the cuts (a pad
 * copies the record before the cut, which must not change the count of
 * duplicates). Compared with one dataset fed everything, before and after
 * dataset_finish. */
static void test_absorb_moves_pages(void **state)
{
	enum { N = 300000 };
	static const size_t cut[] = { 1031, 71000, 150000, 150100, 230000, N };
	struct trow *rows;
	struct dataset seq, dst;
	(void)state;

	if (!MOVES_PAGES)
		skip();     /* no moving path to test, and slow under TSan */
	rows = malloc(N * sizeof *rows);

	assert_non_null(rows);
	gen_rows(rows, N, 21, 1);
	for (size_t i = 0; i < N; i += 97)
		rows[i + 1 < N ? i + 1 : i] = rows[i];   /* repeats */
	for (size_t c = 0; c + 1 < sizeof cut / sizeof *cut; c++)
		rows[cut[c]] = rows[cut[c] - 1];          /* a repeat across each cut */
	init_with_file(&seq);
	feed(&seq, rows, 0, N, 0);
	init_with_file(&dst);
	feed(&dst, rows, 0, cut[0], 0);
	for (size_t c = 0; c + 1 < sizeof cut / sizeof *cut; c++) {
		struct dataset src;

		if (cut[c + 1] - cut[c] < 1000) {       /* appended, not absorbed */
			feed(&dst, rows, cut[c], cut[c + 1], 0);
			continue;
		}
		assert_int_equal(dataset_init(&src), RR_OK);
		feed(&src, rows, cut[c], cut[c + 1], cut[c]);
		assert_int_equal(dataset_absorb(&dst, &src, cut[c]), RR_OK);
		assert_int_equal(src.nrecs, 0);
		dataset_free(&src);
	}
	if (MOVES_PAGES)
		assert_int_equal(dst.npads, 4);
	assert_same_dataset(&seq, &dst);
	assert_int_equal(dataset_finish(&seq), RR_OK);
	assert_int_equal(dataset_finish(&dst), RR_OK);
	assert_true(seq.counts.duplicates >= N / 97);
	assert_int_equal(dst.npads, 0);
	assert_same_dataset(&seq, &dst);
	dataset_free(&dst);
	dataset_free(&seq);
	free(rows);
}

struct spilled {
	struct record *r;
	size_t n;
};

static int collect(void *ctx, const struct record *recs, size_t n)
{
	struct spilled *s = ctx;

	memcpy(s->r + s->n, recs, n * sizeof *recs);
	s->n += n;
	return RR_OK;
}

/* A dataset that spills after a part's pages were moved in hands the hook
 * its records without the padding, in input order. */
static void test_absorb_pads_never_spilled(void **state)
{
	enum { N = 200000, CUT = 1001, PART = 100000, SPILL_AT = 150000 };
	struct trow *rows;
	struct dataset seq, dst, src;
	struct spilled got;
	struct record *want;
	size_t nwant;
	(void)state;

	if (!MOVES_PAGES)
		skip();     /* no padding without the moving path */
	rows = malloc(N * sizeof *rows);
	got = (struct spilled){ malloc((N + 1) * sizeof(struct record)), 0 };

	assert_non_null(rows);
	assert_non_null(got.r);
	gen_rows(rows, N, 8, 1);
	init_with_file(&seq);
	feed(&seq, rows, 0, N, 0);
	init_with_file(&dst);
	dst.spill = collect;
	dst.spill_ctx = &got;
	dst.spill_at = SPILL_AT;
	feed(&dst, rows, 0, CUT, 0);
	assert_int_equal(dataset_init(&src), RR_OK);
	feed(&src, rows, CUT, CUT + PART, CUT);
	assert_int_equal(dataset_absorb(&dst, &src, CUT), RR_OK);
	dataset_free(&src);
	if (MOVES_PAGES)
		assert_int_equal(dst.npads, 1);
	feed(&dst, rows, CUT + PART, N, 0);     /* passes spill_at */
	assert_true(got.n > 0);
	assert_int_equal(dataset_spill_rest(&dst), RR_OK);
	want = unpadded(&seq, &nwant);
	assert_int_equal(got.n, nwant);
	assert_memory_equal(got.r, want, nwant * sizeof *want);
	free(want);
	free(got.r);
	dataset_free(&dst);
	dataset_free(&seq);
	free(rows);
}

/* Dropping the records keeps everything else: strings, counts, companion
 * rows; the dataset can still be freed. */
static void test_drop_records_keeps_the_rest(void **state)
{
	enum { N = 2000 };
	struct trow *rows = malloc(N * sizeof *rows);
	struct dataset ds;
	struct input_counts before;
	uint32_t nstr;
	size_t nusers;
	(void)state;

	assert_non_null(rows);
	gen_rows(rows, N, 4, 0);
	init_with_file(&ds);
	feed(&ds, rows, 0, N, 0);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_true(ds.nrecs > 0 && ds.nusers > 0);
	before = ds.counts;
	nstr = strtab_count(ds.strs);
	nusers = ds.nusers;
	dataset_drop_records(&ds);
	assert_null(ds.recs);
	assert_int_equal(ds.nrecs, 0);
	assert_memory_equal(&ds.counts, &before, sizeof before);
	assert_int_equal(strtab_count(ds.strs), nstr);
	assert_int_equal(ds.nusers, nusers);
	dataset_free(&ds);
	free(rows);
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
		cmocka_unit_test(test_duplicate_rule),
		cmocka_unit_test(test_join_commless),
		cmocka_unit_test(test_many_equal_keys_keep_input_order),
		cmocka_unit_test(test_random_keys_match_reference),
		cmocka_unit_test(test_sort_allocation_failure),
		cmocka_unit_test(test_sort_shapes_match_reference),
		cmocka_unit_test(test_sort_shapes_allocation_failure),
		cmocka_unit_test(test_threads_match_one_thread),
		cmocka_unit_test(test_threads_allocation_failure),
		cmocka_unit_test(test_append_allocation_failure),
		cmocka_unit_test(test_strtab_merge),
		cmocka_unit_test(test_strtab_merge_limits_and_memory),
		cmocka_unit_test(test_absorb_equals_sequential),
		cmocka_unit_test(test_absorb_many_records),
		cmocka_unit_test(test_absorb_diag_order_and_lines),
		cmocka_unit_test(test_absorb_limits_leave_both_unchanged),
		cmocka_unit_test(test_absorb_allocation_failure),
		cmocka_unit_test(test_absorb_moves_pages),
		cmocka_unit_test(test_absorb_pads_never_spilled),
		cmocka_unit_test(test_drop_records_keeps_the_rest),
		cmocka_unit_test(test_diag_keeps_first_per_reason),
		cmocka_unit_test(test_diag_cleans_hostile_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
