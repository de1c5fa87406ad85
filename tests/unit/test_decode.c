/*
 * Tests for decode: counting rows with unknown events, experiences and
 * causes, the order of the distinct unknowns, key counts, the same stats
 * gathered over several datasets in turn, and record labels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "catalog.h"
#include "dataset.h"
#include "decode.h"
#include "strtab.h"
#include "kit.h"
#include "util.h"

struct fixture {
	struct dataset ds;
	struct catalog *cat;
	int64_t t;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof f);
	if (dataset_init(&f.ds) != RR_OK || catalog_new(&f.cat) != RR_OK)
		return -1;
	f.t = 1700000000000;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dataset_free(&f->ds);
	catalog_free(f->cat);
	return 0;
}

/* Each row gets its own time so none is a duplicate of another. */
static void add(struct fixture *f, enum rec_kind kind, int32_t id, int32_t p1, int32_t p2)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = f->t++;
	r.kind = (uint8_t)kind;
	r.id = id;
	r.p1 = p1;
	r.p2 = kind == REC_EVENT ? p2 : -1;
	r.stream = -1;
	assert_int_equal(dataset_append(&f->ds, &r), RR_OK);
}

static void add_n(struct fixture *f, int n, enum rec_kind kind, int32_t id, int32_t p1, int32_t p2)
{
	for (int i = 0; i < n; i++)
		add(f, kind, id, p1, p2);
}

static void test_scan_counts_unknowns(void **state)
{
	static const struct unknown_id want[] = {
		{ CAT_SDK, 9999, -1, -1, 3 },
		{ CAT_EXPERIENCE, 9, -1, -1, 2 },   /* equal counts: table order */
		{ CAT_DISMISSAL, 3000, -1, -1, 2 },
		{ CAT_SDK, 1001, 7, -1, 1 },
		{ CAT_SDK, 40000, 1, 2, 1 },
		{ CAT_EXPERIENCE, 8, -1, -1, 1 },
		{ CAT_DISMISSAL, 3001, -1, -1, 1 },
	};
	struct fixture *f = *state;
	struct decode_stats st;

	/* known rows: never counted */
	add(f, REC_EVENT, 5001, -1, -1);
	add(f, REC_EVENT, 1001, 0, 42);           /* -1 in the table matches any */
	add(f, REC_EVENT, 4003, 1920, 1080);
	add(f, REC_EVENT, 32788, -1, -1);
	add(f, REC_ABNORMAL, 4, 2017, -1);
	add(f, REC_ABNORMAL, 1, -1, -1);          /* experience without a cause */
	add(f, REC_ABNORMAL, 0, 1013, -1);        /* cause without an experience */
	/* unknown rows */
	add_n(f, 3, REC_EVENT, 9999, -1, -1);
	add(f, REC_EVENT, 1001, 7, -1);           /* known ID, unknown parameter */
	add(f, REC_EVENT, 40000, 1, 2);
	add_n(f, 2, REC_ABNORMAL, 9, 1001, -1);   /* unknown experience, known cause */
	add_n(f, 2, REC_ABNORMAL, 4, 3000, -1);   /* known experience, unknown cause */
	add(f, REC_ABNORMAL, 8, 3001, -1);        /* both unknown: one row */
	assert_int_equal(dataset_finish(&f->ds), RR_OK);

	assert_int_equal(decode_scan(&f->ds, f->cat, &st), RR_OK);
	assert_int_equal(st.unknown_rows, 10);
	assert_int_equal(st.nunknown, sizeof want / sizeof want[0]);
	/* most frequent first, then table, id, p1, p2 */
	for (size_t i = 0; i < st.nunknown; i++) {
		const struct unknown_id *u = &st.unknown[i];
		size_t k = i;
		assert_int_equal(u->table, want[k].table);
		assert_int_equal(u->id, want[k].id);
		assert_int_equal(u->p1, want[k].p1);
		assert_int_equal(u->p2, want[k].p2);
		assert_int_equal(u->count, want[k].count);
	}
	decode_stats_free(&st);
	assert_null(st.unknown);
	assert_int_equal(st.nunknown, 0);
	decode_stats_free(&st);    /* twice is harmless */
}

static void test_scan_all_known(void **state)
{
	struct fixture *f = *state;
	struct decode_stats st;

	add(f, REC_EVENT, 7001, 1, -1);
	add(f, REC_ABNORMAL, 5, 2023, -1);
	assert_int_equal(dataset_finish(&f->ds), RR_OK);
	assert_int_equal(decode_scan(&f->ds, f->cat, &st), RR_OK);
	assert_int_equal(st.unknown_rows, 0);
	assert_int_equal(st.nunknown, 0);
	assert_null(st.unknown);
	decode_stats_free(&st);
}

static void test_scan_many_distinct(void **state)
{
	struct fixture *f = *state;
	struct decode_stats st;

	/* enough distinct keys to make the hash grow several times */
	for (int i = 0; i < 1000; i++)
		add_n(f, 1 + (i == 500) * 4, REC_EVENT, 100000 + i, i % 7, -1);
	assert_int_equal(dataset_finish(&f->ds), RR_OK);
	assert_int_equal(decode_scan(&f->ds, f->cat, &st), RR_OK);
	assert_int_equal(st.unknown_rows, 1004);
	assert_int_equal(st.nunknown, 1000);
	assert_int_equal(st.unknown[0].id, 100500);
	assert_int_equal(st.unknown[0].count, 5);
	for (size_t i = 2; i < st.nunknown; i++)
		assert_true(st.unknown[i - 1].id < st.unknown[i].id);
	decode_stats_free(&st);
}

/* A row of room and user given by name. */
static void add_ru(struct fixture *f, const char *room, const char *user, enum rec_kind kind,
		   int32_t id, int32_t p1, int32_t p2)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = f->t++;
	r.room = kit_intern(f->ds.strs, room);
	r.user = kit_intern(f->ds.strs, user);
	r.kind = (uint8_t)kind;
	r.id = id;
	r.p1 = p1;
	r.p2 = kind == REC_EVENT ? p2 : -1;
	r.stream = -1;
	assert_int_equal(dataset_append(&f->ds, &r), RR_OK);
}

/* Rows and distinct users per key: warning and error entries (per entry,
 * whatever the parameter values), unknown events (per exact values) and
 * causes; info events and experiences without a cause are not counted. */
static void test_key_counts(void **state)
{
	static const struct {
		enum cat_table table;
		int32_t id, p1, p2;
		int known;
		enum severity sev;
		uint64_t rows;
		uint32_t users;
	} want[] = {
		{ CAT_SDK, 1003, 0, -1, 1, SEV_WARNING, 4, 2 },
		{ CAT_SDK, 4013, CAT_ANY, 1, 1, SEV_WARNING, 2, 1 },
		{ CAT_SDK, 7001, 1, -1, 1, SEV_ERROR, 2, 2 },
		{ CAT_SDK, 9999, 1, 2, 0, SEV_WARNING, 1, 1 },
		{ CAT_SDK, 9999, 3, -1, 0, SEV_WARNING, 4, 3 },
		{ CAT_DISMISSAL, 1005, -1, -1, 1, SEV_ERROR, 1, 1 },
		{ CAT_DISMISSAL, 3000, -1, -1, 0, SEV_WARNING, 2, 1 },
		{ CAT_REALTIME, 2017, -1, -1, 1, SEV_WARNING, 3, 2 },
		{ CAT_REALTIME, 2999, -1, -1, 0, SEV_WARNING, 1, 1 },
	};
	struct fixture *f = *state;
	struct decode_stats one, st;

	/* ann in two rooms is one user; 3001 and 1003/1 are info. */
	add_ru(f, "r1", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r1", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r2", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r2", "bob", REC_EVENT, 1003, 1, -1);
	add_ru(f, "r1", "bob", REC_EVENT, 3001, 0, -1);
	add_ru(f, "r1", "bob", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r1", "bob", REC_EVENT, 4013, 7, 1);
	add_ru(f, "r2", "bob", REC_EVENT, 4013, 12, 1);
	add_ru(f, "r1", "ann", REC_EVENT, 7001, 1, -1);
	add_ru(f, "r1", "cy", REC_EVENT, 7001, 1, -1);
	add_ru(f, "r1", "cy", REC_EVENT, 7001, 0, -1);
	add_ru(f, "r1", "cy", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r2", "cy", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r2", "ann", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r3", "dee", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r3", "dee", REC_EVENT, 9999, 1, 2);
	add_ru(f, "r1", "ann", REC_ABNORMAL, 4, 2017, -1);
	add_ru(f, "r2", "ann", REC_ABNORMAL, 4, 2017, -1);
	add_ru(f, "r2", "bob", REC_ABNORMAL, 3, 2017, -1);
	add_ru(f, "r2", "bob", REC_ABNORMAL, 9, 1005, -1);
	add_ru(f, "r2", "bob", REC_ABNORMAL, 4, 3000, -1);
	add_ru(f, "r3", "bob", REC_ABNORMAL, 4, 3000, -1);
	add_ru(f, "r3", "dee", REC_ABNORMAL, 0, 2999, -1);
	add_ru(f, "r3", "dee", REC_ABNORMAL, 4, -1, -1);
	assert_int_equal(dataset_finish(&f->ds), RR_OK);

	assert_int_equal(decode_scan_threads(&f->ds, f->cat, 1, &one), RR_OK);
	assert_int_equal(one.ncounts, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < one.ncounts; i++) {
		const struct decode_count *c = &one.counts[i];

		assert_int_equal(c->table, want[i].table);
		assert_int_equal(c->id, want[i].id);
		assert_int_equal(c->p1, want[i].p1);
		assert_int_equal(c->p2, want[i].p2);
		assert_int_equal(c->e != NULL, want[i].known);
		assert_int_equal(c->severity, want[i].sev);
		assert_int_equal(c->rows, want[i].rows);
		assert_int_equal(c->users, want[i].users);
		if (c->e)
			assert_int_equal(c->e->id, c->id);
	}
	/* Split into parts anywhere, on threads: the same result. */
	for (unsigned t = 2; t <= 9; t++) {
		assert_int_equal(decode_scan_threads(&f->ds, f->cat, t, &st), RR_OK);
		assert_int_equal(st.unknown_rows, one.unknown_rows);
		assert_int_equal(st.nunknown, one.nunknown);
		assert_memory_equal(st.unknown, one.unknown, one.nunknown * sizeof *one.unknown);
		assert_int_equal(st.ncounts, one.ncounts);
		assert_memory_equal(st.counts, one.counts, one.ncounts * sizeof *one.counts);
		decode_stats_free(&st);
	}
	/* Any allocation failing, on any part: RR_ENOMEM and empty stats. */
	for (unsigned long n = 1; n < 60; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = decode_scan_threads(&f->ds, f->cat, 3, &st);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			assert_int_equal(st.ncounts, one.ncounts);
			decode_stats_free(&st);
			continue;
		}
		assert_int_equal(rc, RR_ENOMEM);
		assert_null(st.unknown);
		assert_null(st.counts);
		assert_int_equal(st.unknown_rows, 0);
	}
	decode_stats_free(&one);
	assert_null(one.counts);
}

/* Every field of two stats, in order. */
static void assert_stats_equal(const struct decode_stats *a, const struct decode_stats *b)
{
	assert_int_equal(a->unknown_rows, b->unknown_rows);
	assert_int_equal(a->nunknown, b->nunknown);
	for (size_t i = 0; i < a->nunknown; i++) {
		assert_int_equal(a->unknown[i].table, b->unknown[i].table);
		assert_int_equal(a->unknown[i].id, b->unknown[i].id);
		assert_int_equal(a->unknown[i].p1, b->unknown[i].p1);
		assert_int_equal(a->unknown[i].p2, b->unknown[i].p2);
		assert_int_equal(a->unknown[i].count, b->unknown[i].count);
	}
	assert_int_equal(a->ncounts, b->ncounts);
	for (size_t i = 0; i < a->ncounts; i++) {
		assert_ptr_equal(a->counts[i].e, b->counts[i].e);
		assert_int_equal(a->counts[i].table, b->counts[i].table);
		assert_int_equal(a->counts[i].id, b->counts[i].id);
		assert_int_equal(a->counts[i].p1, b->counts[i].p1);
		assert_int_equal(a->counts[i].p2, b->counts[i].p2);
		assert_int_equal(a->counts[i].severity, b->counts[i].severity);
		assert_int_equal(a->counts[i].rows, b->counts[i].rows);
		assert_int_equal(a->counts[i].users, b->counts[i].users);
	}
}

/* Scans full as consecutive views, the i-th ending at cut[i] (the last cut
 * is full->nrecs), through one scanner. Views share full's records and are
 * never freed. st is zeroed first, so it is empty on any failure. */
static int scan_views(const struct dataset *full, const struct catalog *c, const size_t *cut,
		      size_t ncut, struct decode_stats *st)
{
	struct decode_scanner *sc;
	size_t lo = 0;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = decode_begin(c, &sc)) != RR_OK) {
		assert_null(sc);
		return rc;
	}
	for (size_t i = 0; i < ncut; i++) {
		struct dataset v = *full;

		v.recs = full->recs + lo;
		v.nrecs = cut[i] - lo;
		if ((rc = decode_add(sc, &v)) != RR_OK) {
			decode_abort(sc);
			return rc;
		}
		lo = cut[i];
	}
	return decode_end(sc, st);
}

/* Five rooms; users with problem events in several rooms, unknown events,
 * experiences and causes spread over them, and a key whose rows are all in
 * one room. Returns the number of room starts written to starts (the first
 * is 0), plus nrecs as a last entry. */
static size_t fill_rooms(struct fixture *f, size_t *starts, size_t cap)
{
	size_t n = 0;

	add_ru(f, "r1", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r1", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r1", "ann", REC_EVENT, 7001, 1, -1);
	add_ru(f, "r1", "ann", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r1", "bob", REC_EVENT, 4013, 7, 1);
	add_ru(f, "r1", "cy", REC_ABNORMAL, 4, 2017, -1);
	add_ru(f, "r1", "cy", REC_ABNORMAL, 9, 3000, -1);
	add_ru(f, "r2", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r2", "ann", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r2", "bob", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r2", "bob", REC_EVENT, 40000, 1, 2);
	add_ru(f, "r2", "dee", REC_ABNORMAL, 8, 3001, -1);
	add_ru(f, "r2", "ann", REC_ABNORMAL, 4, 2017, -1);
	add_ru(f, "r3", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r3", "ann", REC_EVENT, 7001, 1, -1);
	add_ru(f, "r3", "cy", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r3", "cy", REC_EVENT, 3001, 0, -1);     /* info: not counted */
	add_ru(f, "r3", "dee", REC_ABNORMAL, 0, 2999, -1);
	add_ru(f, "r4", "bob", REC_EVENT, 4013, 12, 1);
	add_ru(f, "r4", "bob", REC_ABNORMAL, 9, 1005, -1);
	add_ru(f, "r4", "eve", REC_EVENT, 9999, 3, -1);
	add_ru(f, "r4", "eve", REC_EVENT, 40000, 1, 2);
	add_ru(f, "r5", "ann", REC_EVENT, 1003, 0, -1);
	add_ru(f, "r5", "ann", REC_ABNORMAL, 4, 2017, -1);
	add_ru(f, "r5", "dee", REC_ABNORMAL, 4, -1, -1);   /* no cause: not counted */
	add_ru(f, "r5", "eve", REC_EVENT, 1001, 7, -1);
	assert_int_equal(dataset_finish(&f->ds), RR_OK);
	for (size_t i = 0; i < f->ds.nrecs; i++) {
		if (i == 0 || f->ds.recs[i].room != f->ds.recs[i - 1].room) {
			assert_true(n < cap);
			starts[n++] = i;
		}
	}
	assert_true(n < cap);
	starts[n] = f->ds.nrecs;
	return n;
}

static const struct decode_count *find_count(const struct decode_stats *st, enum cat_table t,
					     int32_t id, int32_t p1, int32_t p2)
{
	for (size_t i = 0; i < st->ncounts; i++)
		if (st->counts[i].table == t && st->counts[i].id == id &&
		    st->counts[i].p1 == p1 && st->counts[i].p2 == p2)
			return &st->counts[i];
	return NULL;
}

/* Scanning room ranges one after another gives what one scan of all of them
 * gives, whatever the split: users met in several ranges count once. */
static void test_incremental_views(void **state)
{
	static const struct unknown_id want_unknown[] = {
		{ CAT_SDK, 9999, 3, -1, 5 },
		{ CAT_SDK, 40000, 1, 2, 2 },
		{ CAT_EXPERIENCE, 9, -1, -1, 2 },
		{ CAT_SDK, 1001, 7, -1, 1 },
		{ CAT_EXPERIENCE, 8, -1, -1, 1 },
		{ CAT_DISMISSAL, 2999, -1, -1, 1 },
		{ CAT_DISMISSAL, 3000, -1, -1, 1 },
		{ CAT_DISMISSAL, 3001, -1, -1, 1 },
	};
	struct fixture *f = *state;
	size_t starts[8], nrooms = fill_rooms(f, starts, 8);
	size_t nrecs = f->ds.nrecs;
	const struct decode_count *k;
	struct decode_stats whole, st;

	assert_int_equal(nrooms, 5);
	assert_int_equal(decode_scan(&f->ds, f->cat, &whole), RR_OK);
	/* The reference itself, so a fault shared by both ways is caught. */
	assert_int_equal(whole.unknown_rows, 12);
	assert_int_equal(whole.nunknown, sizeof want_unknown / sizeof want_unknown[0]);
	for (size_t i = 0; i < whole.nunknown; i++) {
		assert_int_equal(whole.unknown[i].table, want_unknown[i].table);
		assert_int_equal(whole.unknown[i].id, want_unknown[i].id);
		assert_int_equal(whole.unknown[i].p1, want_unknown[i].p1);
		assert_int_equal(whole.unknown[i].p2, want_unknown[i].p2);
		assert_int_equal(whole.unknown[i].count, want_unknown[i].count);
	}
	k = find_count(&whole, CAT_SDK, 1003, 0, -1);       /* ann, in four rooms */
	assert_non_null(k);
	assert_int_equal(k->rows, 5);
	assert_int_equal(k->users, 1);
	k = find_count(&whole, CAT_SDK, 9999, 3, -1);       /* ann twice, bob, cy, eve */
	assert_non_null(k);
	assert_null(k->e);
	assert_int_equal(k->rows, 5);
	assert_int_equal(k->users, 4);
	k = find_count(&whole, CAT_REALTIME, 2017, -1, -1); /* cy in r1, ann in r2 and r5 */
	assert_non_null(k);
	assert_int_equal(k->rows, 3);
	assert_int_equal(k->users, 2);
	k = find_count(&whole, CAT_SDK, 7001, 1, -1);       /* ann in r1 and r3 */
	assert_non_null(k);
	assert_int_equal(k->rows, 2);
	assert_int_equal(k->users, 1);
	assert_null(find_count(&whole, CAT_SDK, 3001, 0, -1));

	{
		/* 1, 2 and 3 parts at room starts, an empty first view, one
		 * view per room. */
		const size_t one[] = { nrecs };
		const size_t two[] = { starts[2], nrecs };
		const size_t three[] = { starts[1], starts[3], nrecs };
		const size_t empty_first[] = { 0, starts[4], nrecs };
		const struct {
			const size_t *cut;
			size_t n;
		} splits[] = {
			{ one, 1 },
			{ two, 2 },
			{ three, 3 },
			{ empty_first, 3 },
			{ starts + 1, nrooms },
		};

		for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++) {
			assert_int_equal(scan_views(&f->ds, f->cat, splits[i].cut, splits[i].n, &st),
					 RR_OK);
			assert_stats_equal(&st, &whole);
			decode_stats_free(&st);
		}
	}
	/* Not promised by the contract, but a cut inside a run changes
	 * nothing either. */
	for (size_t at = 0; at <= nrecs; at++) {
		const size_t cut[] = { at, nrecs };

		assert_int_equal(scan_views(&f->ds, f->cat, cut, 2, &st), RR_OK);
		assert_stats_equal(&st, &whole);
		decode_stats_free(&st);
	}
	decode_stats_free(&whole);
}

/* A scanner that is given nothing, or only empty datasets, ends empty. */
static void test_incremental_empty(void **state)
{
	struct fixture *f = *state;
	struct decode_scanner *sc;
	struct decode_stats st;

	assert_int_equal(dataset_finish(&f->ds), RR_OK);
	assert_int_equal(decode_begin(f->cat, &sc), RR_OK);
	assert_int_equal(decode_end(sc, &st), RR_OK);
	assert_int_equal(st.unknown_rows, 0);
	assert_null(st.unknown);
	assert_null(st.counts);
	assert_int_equal(st.nunknown + st.ncounts, 0);
	assert_int_equal(decode_begin(f->cat, &sc), RR_OK);
	assert_int_equal(decode_add(sc, &f->ds), RR_OK);
	assert_int_equal(decode_add(sc, &f->ds), RR_OK);
	assert_int_equal(decode_end(sc, &st), RR_OK);
	assert_null(st.unknown);
	assert_null(st.counts);
	decode_abort(NULL);
}

/* Any allocation failing anywhere in begin, add or end: RR_ENOMEM and empty
 * stats, or (a failed shrink is harmless) the right result. Leaks show
 * under the sanitizer build. */
static void test_incremental_out_of_memory(void **state)
{
	struct fixture *f = *state;
	size_t starts[8], nrooms = fill_rooms(f, starts, 8);
	struct decode_stats whole, st;
	unsigned failed = 0;

	assert_int_equal(decode_scan(&f->ds, f->cat, &whole), RR_OK);
	for (unsigned long n = 1; n < 200; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = scan_views(&f->ds, f->cat, starts + 1, nrooms, &st);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			assert_stats_equal(&st, &whole);
			decode_stats_free(&st);
			continue;
		}
		failed++;
		assert_int_equal(rc, RR_ENOMEM);
		assert_null(st.unknown);
		assert_null(st.counts);
		assert_int_equal(st.unknown_rows, 0);
	}
	/* Every add allocates: the loop must have hit many of them. */
	assert_true(failed >= nrooms);
	decode_stats_free(&whole);
}

static void test_scan_out_of_memory(void **state)
{
	struct fixture *f = *state;
	struct decode_stats st;

	for (int i = 0; i < 100; i++)
		add(f, REC_EVENT, 20000 + i, -1, -1);
	assert_int_equal(dataset_finish(&f->ds), RR_OK);
	for (unsigned long n = 1; n <= 3; n++) {
		rr_alloc_fail_at(n);
		assert_int_equal(decode_scan(&f->ds, f->cat, &st), RR_ENOMEM);
		rr_alloc_fail_at(0);
		assert_null(st.unknown);
		assert_int_equal(st.nunknown, 0);
		assert_int_equal(st.unknown_rows, 0);
	}
}

static void test_labels(void **state)
{
	static const struct {
		enum rec_kind kind;
		int32_t id, p1, p2;
		const char *label;
		int known;
	} cases[] = {
		{ REC_EVENT, 1003, 2, -1, "Network: 4G", 1 },
		{ REC_EVENT, 4009, 1500, -1, "User set bitrate to 1500 kbps", 1 },
		{ REC_EVENT, 4013, 3, 0, "3 frames failed to decode in 3 s (software)", 1 },
		{ REC_EVENT, 32789, -1, -1, "Left the room (WebRTC)", 1 },
		{ REC_EVENT, 9999, -1, -1, "Unknown event 9999 (-1, -1)", 0 },
		{ REC_EVENT, 33000, 4, 5, "Unknown event 33000 (4, 5)", 0 },
		{ REC_ABNORMAL, 4, 2017, -1, "Video lagged", 1 },
		{ REC_ABNORMAL, 7, 2017, -1, "Unknown experience 7", 0 },
		{ REC_ABNORMAL, 0, 1001, -1, "Audio device init failed", 1 },
		{ REC_ABNORMAL, 0, 2020, -1, "Downstream big-stream render fps abnormal", 1 },
		{ REC_ABNORMAL, 0, 4444, -1, "Unknown cause 4444", 0 },
	};
	struct fixture *f = *state;
	char buf[160];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct record r;
		const struct cat_entry *e;

		memset(&r, 0, sizeof r);
		r.kind = (uint8_t)cases[i].kind;
		r.id = cases[i].id;
		r.p1 = cases[i].p1;
		r.p2 = cases[i].p2;
		e = decode_label(f->cat, &r, buf, sizeof buf);
		assert_string_equal(buf, cases[i].label);
		assert_int_equal(e != NULL, cases[i].known);
	}
	/* a small buffer is still terminated */
	{
		struct record r;
		memset(&r, 0, sizeof r);
		r.kind = REC_EVENT;
		r.id = 9999;
		r.p1 = r.p2 = -1;
		decode_label(f->cat, &r, buf, 8);
		assert_string_equal(buf, "Unknown");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan_counts_unknowns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_all_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_many_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
