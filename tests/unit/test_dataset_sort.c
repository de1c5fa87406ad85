/* Unit tests: dataset_finish's record sort — stable, grouped by call,
 * lookups by (room, comm) — against plain references (qsort; a merge sort
 * with the duplicate rule and the CommId join) over input shapes that take
 * each of its paths, on one thread and on several (the same result), with
 * allocation failure at every step. */
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

/* ThreadSanitizer is slow on the plain reference (see
 * test_threads_match_one_thread). */
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

static void test_sort_is_stable_and_grouped(void **state)
{
	struct dataset ds;
	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* Same user, same millisecond: input order (5001 before 5002) must stay. */
	const struct record in[] = {
		kit_rec(2, 0, 1, 500, 7000, 0),
		kit_rec(1, 0, 1, 100, 5001, -1),
		kit_rec(1, 0, 1, 100, 5002, 1),
		kit_rec(1, 0, 2, 50, 5001, -1),
		kit_rec(1, 0, 1, 90, 1003, 1),
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
		struct record r = kit_rec(i % 2 ? 1 : 2, 0, 5, 1000, i, i);
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
		uint64_t x = kit_rng_next(&s);
		uint32_t room = (x & 1) ? (uint32_t)(x >> 1) % 7 : (uint32_t)(x >> 8) % (1u << 24);
		uint32_t comm = 1 + (uint32_t)(x >> 20) % 3;   /* 0 would join (DESIGN §3) */
		uint32_t user = (uint32_t)(x >> 30) % 50;
		int64_t t = (int64_t)(kit_rng_next(&s) % 2000) - 1000;
		if (i % 97 == 0)
			t = (i % 2) ? INT64_MAX - 5 : INT64_MIN + 5;   /* the widest range */
		ref[i] = kit_rec(room, comm, user, t, i, i);
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
			struct record r = kit_rec((uint32_t)(1000 - i) % 13, 0, (uint32_t)i % 5,
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
	SH_CALLS_SHUFFLED,      /* 64 calls of 1-9 users, records shuffled together, times
				 * with ties (rows of several calls mixed) */
	SH__COUNT
};

static void fill_rest(struct record *r, uint64_t *s)
{
	uint64_t x = kit_rng_next(s);

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
		uint64_t x = kit_rng_next(&s);
		struct record *r = &a[i];

		switch (shape) {
		case SH_SCATTERED:
		case SH_SORTED:
			*r = kit_rec(1 + (uint32_t)(x % 5), (uint32_t)(x >> 8) % 4, 1 + (uint32_t)(x >> 16) % 20,
				 (int64_t)((x >> 32) % 500), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_TINY_CALLS:
			*r = kit_rec(1 + (uint32_t)(x % 1000000), (uint32_t)(x >> 20) % 2,
				 (uint32_t)(x >> 40) % 4, (int64_t)(kit_rng_next(&s) % 2000) - 1000, 0, 0);
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
				uint64_t y = kit_rng_next(&s);
				uint32_t user = 1 + (uint32_t)(y % 100);
				size_t len = 1 + (size_t)(y >> 8) % 40;
				int64_t t = (int64_t)((y >> 16) % 100000);
				for (size_t k = 0; k < len && i < n; k++, i++) {
					t += (int64_t)(kit_rng_next(&s) % 3);
					a[i] = kit_rec(room, comm, user, t, 0, 0);
					fill_rest(&a[i], &s);
				}
			}
			break;
		}
		case SH_BIG_CALL_TIME_SORTED:
			*r = kit_rec(7, 3, 1 + (uint32_t)(x % 50), (int64_t)(i / 3), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_BIG_CALL_RANDOM:
			/* Times in steps of 4096 ms: the lowest radix digit is the
			 * same for all, a pass the sort skips. */
			*r = kit_rec(7, 3, (uint32_t)(x % 5000), (int64_t)((x >> 20) % 100000) * 4096,
				 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_TIES:
		case SH_TIES_SORTED:
			*r = kit_rec(1 + (uint32_t)(x % 3), 0, 1 + (uint32_t)(x >> 8) % 2,
				 (int64_t)((x >> 32) % 4), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		case SH_BY_TIME: {
			uint32_t c = (uint32_t)(x % 20);
			*r = kit_rec(100 + c, 5, 1 + (uint32_t)(x >> 8) % (1 + c % 10), (int64_t)(i / 3),
				 0, 0);
			if (i % 997 == 0)
				r->time_ms -= 7;
			fill_rest(r, &s);
			i++;
			break;
		}
		case SH_CALLS_SHUFFLED: {
			uint32_t c = (uint32_t)(x % 64);
			*r = kit_rec(200 + c / 4, c, 1 + (uint32_t)(x >> 8) % (1 + c % 9),
				 (int64_t)((x >> 32) % 300), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		}
		case SH_BIG_CALL_BLOCKS:
			*r = kit_rec(9, 9, 5 - (uint32_t)(i * 5 / n), (int64_t)(i % (n / 5 + 1)), 0, 0);
			fill_rest(r, &s);
			i++;
			break;
		default: /* SH_MIXED */
			if (x % 2)
				*r = kit_rec(7, 3, (uint32_t)(x >> 8) % 300, (int64_t)((x >> 20) % 1000), 0, 0);
			else
				*r = kit_rec(1 + (uint32_t)(x >> 8) % 500, 1, 1 + (uint32_t)(x >> 20) % 5,
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_is_stable_and_grouped),
		cmocka_unit_test(test_many_equal_keys_keep_input_order),
		cmocka_unit_test(test_random_keys_match_reference),
		cmocka_unit_test(test_sort_allocation_failure),
		cmocka_unit_test(test_sort_shapes_match_reference),
		cmocka_unit_test(test_sort_shapes_allocation_failure),
		cmocka_unit_test(test_threads_match_one_thread),
		cmocka_unit_test(test_threads_allocation_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
