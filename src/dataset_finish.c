/*
 * dataset_finish — dataset_finish's steps in order (room keys, the record
 * sort, the companion rows' sort and exact repeats, the CommId join, the
 * counts), and the lookups a finished dataset answers: time order and the
 * first record of a call.
 * Does not: sort records (dataset_sort.c), apply the duplicate rule for
 * records (dataset_dedup.c) or join records without CommId (dataset_join.c).
 *
 * Memory: records are rearranged in place. The record sort's scratch is
 * described in dataset_sort.c (at most 8 bytes per record, usually 4 or
 * none, plus under 1 MB of buffers per thread); the companion arrays then
 * share one scratch buffer the size of the largest of them, allocated after
 * the records' scratch is gone, so the peaks do not add.
 * Time: one pass over the records when they are already in order; input
 * grouped by call (in any call order) costs a few sequential passes.
 */
#define _GNU_SOURCE 1   /* qsort_r */

#include "dataset_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- companion rows: sort keys and comparisons ----
 * Each kind has a sort key (what later stages group by) and the rest of its
 * fields; two rows are exact repeats when both compare equal. `file` is in
 * neither, so overlapping exports collapse. */

#define CMP(f) if (a->f != b->f) return a->f < b->f ? -1 : 1

/* Records have a rule of their own (mark_recs): optional columns that one
 * row lacks do not tell two rows apart. */

static int user_key(const struct user_info *a, const struct user_info *b)
{
	CMP(room); CMP(comm); CMP(user); CMP(join_ms);
	return 0;
}

static int user_rest(const void *x, const void *y)
{
	const struct user_info *a = x, *b = y;
	CMP(leave_ms); CMP(device); CMP(sdk); CMP(ip); CMP(finished);
	return 0;
}

static int room_key(const struct room_info *a, const struct room_info *b)
{
	CMP(room); CMP(comm); CMP(create_ms);
	return 0;
}

static int room_rest(const void *x, const void *y)
{
	const struct room_info *a = x, *b = y;
	CMP(destroy_ms); CMP(finished);
	return 0;
}

static int quality_key(const struct quality_sample *a, const struct quality_sample *b)
{
	CMP(room); CMP(comm); CMP(user); CMP(peer); CMP(metric); CMP(time_ms);
	return 0;
}

/* Values are finite (ingest rejects NaN), so < and > order them totally. */
static int quality_rest(const void *x, const void *y)
{
	const struct quality_sample *a = x, *b = y;
	CMP(value);
	return 0;
}

#undef CMP

/* The companion rows sort by merge sort (DEFINE_MERGE_SORT: a million
 * quality samples sort in well under a second). */
DEFINE_MERGE_SORT(sort_users, struct user_info, user_key)
DEFINE_MERGE_SORT(sort_rooms, struct room_info, room_key)
DEFINE_MERGE_SORT(sort_quality, struct quality_sample, quality_key)

/* ---- companion rows: exact repeats ----
 * After sorting, rows with equal sort keys are adjacent; among them a row equal
 * to an earlier one in every other field (`file` aside) is a repeat. */

/* Stable merge sort of the positions s[0..n) (ascending on entry) by
 * rest(row), through t; returns the array holding the result. */
static uint32_t *sort_by_rest(const unsigned char *a, size_t size,
			      int (*rest)(const void *, const void *),
			      uint32_t *s, uint32_t *t, size_t n)
{
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				t[k++] = rest(a + s[j] * size, a + s[i] * size) < 0 ? s[j++] : s[i++];
			while (i < mid)
				t[k++] = s[i++];
			while (j < hi)
				t[k++] = s[j++];
		}
		uint32_t *x = s;
		s = t;
		t = x;
	}
	return s;
}


/*
 * Marks the repeats in a run a[0..n) of size-byte rows that share one sort
 * key: returns flags where flags[i] is 0 for a row equal to an earlier one
 * and 1 otherwise. Runs up to SHORT_RUN rows compare pairwise into small;
 * longer ones (many rows in one millisecond) sort their positions in
 * scratch, which holds 2 * n entries, so hostile input cannot make this
 * quadratic.
 */
static const uint32_t *mark_run(const unsigned char *a, size_t n, size_t size,
				int (*rest)(const void *, const void *),
				uint32_t small[SHORT_RUN], uint32_t *scratch)
{
	if (n <= SHORT_RUN) {
		for (size_t i = 0; i < n; i++) {
			small[i] = 1;
			for (size_t j = 0; j < i; j++)
				if (small[j] && rest(a + i * size, a + j * size) == 0) {
					small[i] = 0;
					break;
				}
		}
		return small;
	}
	uint32_t *s = scratch, *t = scratch + n;
	for (size_t i = 0; i < n; i++)
		s[i] = (uint32_t)i;
	uint32_t *r = sort_by_rest(a, size, rest, s, t, n);
	uint32_t *flags = r == s ? t : s;
	for (size_t i = 0; i < n; i++)
		flags[i] = 1;
	for (size_t i = 1; i < n; i++)
		if (rest(a + r[i] * size, a + r[i - 1] * size) == 0)
			flags[r[i]] = 0;
	return flags;
}

/*
 * Removes the repeats among the sorted rows base[lo..hi), moving the rows
 * kept to base[out...] (out <= lo) in order; returns the new end of the
 * kept rows and adds the number removed to *dups. run_end gives where a run
 * of equal sort keys ends; scratch holds twice the longest such run when
 * that is over SHORT_RUN rows.
 */
static size_t dedupe_range(unsigned char *base, size_t lo, size_t hi, size_t out, size_t size,
			   size_t (*run_end)(const unsigned char *, size_t, size_t),
			   int (*rest)(const void *, const void *), uint64_t *dups,
			   uint32_t *scratch)
{
	uint32_t small[SHORT_RUN];

	while (lo < hi) {
		size_t end = run_end(base, lo, hi);
		size_t len = end - lo;
		if (len == 1) {
			if (out != lo)
				memcpy(base + out * size, base + lo * size, size);
			out++;
		} else {
			const uint32_t *keep = mark_run(base + lo * size, len, size, rest, small,
							scratch);
			for (size_t i = 0; i < len; i++) {
				if (!keep[i]) {
					(*dups)++;
					continue;
				}
				if (out != lo + i)
					memcpy(base + out * size, base + (lo + i) * size, size);
				out++;
			}
		}
		lo = end;
	}
	return out;
}

/* End of the run of equal sort keys starting at lo (before n), typed so the
 * key comparison inlines. */
#define DEFINE_RUN_END(name, T, cmp)                                          \
	static size_t name(const unsigned char *base, size_t lo, size_t n)     \
	{                                                                      \
		const T *a = (const T *)(const void *)base;                    \
		size_t hi = lo + 1;                                            \
		while (hi < n && cmp(&a[lo], &a[hi]) == 0)                     \
			hi++;                                                  \
		return hi;                                                     \
	}

DEFINE_RUN_END(user_run, struct user_info, user_key)
DEFINE_RUN_END(room_run, struct room_info, room_key)
DEFINE_RUN_END(quality_run, struct quality_sample, quality_key)


/* Sorts and de-duplicates one companion array through tmp, scratch for at
 * least n rows, which then serves as the repeat-marking scratch (every row
 * type is at least 8 bytes, two positions). */
#define SORT_AND_DEDUPE(arr, n, sorter, run, rest)                                      \
	do {                                                                            \
		if ((n) > 1)                                                            \
			sorter((arr), (void *)tmp, (n));                                \
		(n) = dedupe_range((unsigned char *)(void *)(arr), 0, (n), 0, sizeof *(arr), \
				   run, rest, &ds->counts.duplicates, tmp);             \
	} while (0)

int dataset_finish(struct dataset *ds)
{
	/* Records first, with their own low-memory sort; then one scratch
	 * buffer, sized for the largest companion array, serves the other three
	 * (allocated after the records' scratch is gone, so peaks do not add). */
	size_t bytes = 0;
	uint32_t *tmp = NULL;

	/* Rows without SdkAppId take the room key of their app first: the
	 * sort groups by it. */
	if (!ds->shared_strs && dataset_resolve_apps(ds, NULL, 0) != RR_OK)
		return RR_ENOMEM;
	room_map_apply(ds);
	if (sort_records(ds) != RR_OK)
		return RR_ENOMEM;
	/* The padding of dataset_absorb went as repeats of the record it
	 * copies; it was never input. */
	for (size_t i = 0; i < ds->npads; i++)
		ds->counts.duplicates -= ds->pads[i].n;
	ds->npads = 0;

	if (ds->nusers * sizeof *ds->users > bytes)
		bytes = ds->nusers * sizeof *ds->users;
	if (ds->nrooms * sizeof *ds->rooms > bytes)
		bytes = ds->nrooms * sizeof *ds->rooms;
	if (ds->nquality * sizeof *ds->quality > bytes)
		bytes = ds->nquality * sizeof *ds->quality;
	if (bytes && !(tmp = rr_malloc(bytes)))
		return RR_ENOMEM;

	SORT_AND_DEDUPE(ds->users, ds->nusers, sort_users, user_run, user_rest);
	SORT_AND_DEDUPE(ds->rooms, ds->nrooms, sort_rooms, room_run, room_rest);
	SORT_AND_DEDUPE(ds->quality, ds->nquality, sort_quality, quality_run, quality_rest);
	rr_free(tmp);
	/* After the rooms are in order: their spans take part. */
	if (join_commless(ds) != RR_OK)
		return RR_ENOMEM;

	ds->counts.users = ds->nusers;
	ds->counts.rooms = ds->nrooms;
	ds->counts.quality = ds->nquality;
	/* Every kept row of every file, so rows = used + filtered + rejected +
	 * duplicates holds over companion files too. */
	ds->counts.used = ds->nrecs + ds->nusers + ds->nrooms + ds->nquality;
	ds->finished = 1;
	return RR_OK;
}

static int by_time(const void *x, const void *y, void *ctx)
{
	const struct record *recs = ctx;
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	int64_t a = recs[i].time_ms, b = recs[j].time_ms;

	if (a != b)
		return a < b ? -1 : 1;
	return i < j ? -1 : i > j;
}

int dataset_time_order(const struct dataset *ds, uint32_t **out)
{
	uint32_t *order;

	*out = NULL;
	if (ds->nrecs == 0)
		return RR_OK;
	if (ds->nrecs > UINT32_MAX || !(order = rr_malloc(ds->nrecs * sizeof *order)))
		return RR_ENOMEM;
	for (size_t i = 0; i < ds->nrecs; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, ds->nrecs, sizeof *order, by_time, ds->recs);
	*out = order;
	return RR_OK;
}

size_t dataset_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm)
{
	size_t lo = 0, hi = ds->nrecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct record *r = &ds->recs[mid];
		if (r->room < room || (r->room == room && r->comm < comm))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
