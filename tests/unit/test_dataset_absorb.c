/* Unit tests: dataset_absorb (one dataset's rows moved into another equal
 * the same rows fed to one dataset: records, strings, companion rows,
 * metrics, counts, diagnostics; limits; allocation failure; pages moved
 * and their padding never spilled) and dataset_drop_records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "diag.h"
#include "kit.h"
#include "util.h"

/* ThreadSanitizer builds copy instead of moving pages (RECS_NO_MREMAP in
 * dataset_int.h). */
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
			struct record r = kit_rec(room, comm, user, t->time, t->id, -1);
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
		uint64_t x = kit_rng_next(&s), y = kit_rng_next(&s);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absorb_equals_sequential),
		cmocka_unit_test(test_absorb_many_records),
		cmocka_unit_test(test_absorb_diag_order_and_lines),
		cmocka_unit_test(test_absorb_limits_leave_both_unchanged),
		cmocka_unit_test(test_absorb_allocation_failure),
		cmocka_unit_test(test_absorb_moves_pages),
		cmocka_unit_test(test_absorb_pads_never_spilled),
		cmocka_unit_test(test_drop_records_keeps_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
