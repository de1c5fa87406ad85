/*
 * dataset — record and companion-row storage, the stable sorts that group
 * them by call and user, exact-duplicate removal, the metric-name table, and
 * moving one dataset's rows into another.
 * Does not: know what IDs or metric names mean.
 */
#define _GNU_SOURCE 1   /* mremap, MAP_ANONYMOUS, MADV_DONTNEED */

#include "dataset.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* ---- record storage -----------------------------------------------------------
 * The record array is the one big allocation (ten million records are 400 MB),
 * so it lives in its own anonymous mapping rather than on the heap: growth is
 * an mremap, which moves page tables instead of copying; pages never written
 * cost no memory; and dataset_absorb can hand the pages it has consumed back
 * to the kernel while it is still copying, so moving one dataset into another
 * never needs room for a third copy. caprecs is always the number of whole
 * records in the mapping, whose length is caprecs * sizeof(struct record)
 * rounded up to a page.
 * No MADV_HUGEPAGE: measured on the 2-core VM this runs on, faulting in fresh
 * 2 MB pages cost 0.75 s more CPU for ten million records than 4 kB pages,
 * and saved 0.03 s in the sort. */

#define RECS_PAGE ((size_t)4096)
/* How far ahead the passes that stream through the records prefetch: a
 * page, as the hardware's own prefetch stops at page ends. */
#define RECS_AHEAD (RECS_PAGE / sizeof(struct record))

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static size_t recs_map_bytes(size_t cap)
{
	return round_up(cap * sizeof(struct record), RECS_PAGE);
}

/* The mapping is not a heap allocation, so the failure-injection counter in
 * util.c does not see it; one throwaway rr_malloc per growth puts every
 * growth on that count, so tests can make exactly this step fail. */
static int counted_alloc_ok(void)
{
	void *p = rr_malloc(1);

	if (!p)
		return 0;
	rr_free(p);
	return 1;
}

/* ThreadSanitizer does not follow mremap: memory moved by it keeps the
 * shadow state of its old address, and a later mapping there shows races
 * that are not. Its builds grow by copying. */
#if defined(__SANITIZE_THREAD__)
#define RECS_NO_MREMAP 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RECS_NO_MREMAP 1
#endif
#endif
#ifndef RECS_NO_MREMAP
#define RECS_NO_MREMAP 0
#endif

#if !RECS_NO_MREMAP
/* Moves the mapping pieces of ds->recs (old bytes in all) to the same
 * offsets at to, whose mapping is at least as long. A piece the kernel
 * will not move (too many mappings, say) is copied instead, as far as it
 * holds records, so this cannot fail. */
static void recs_move_pieces(struct dataset *ds, void *to, size_t old)
{
	char *from = (char *)ds->recs, *dst = to;
	size_t used = ds->nrecs * sizeof(struct record);

	for (size_t i = 0; i <= ds->nseams; i++) {
		size_t lo = i ? ds->seams[i - 1] : 0, hi = i < ds->nseams ? ds->seams[i] : old;

		if (hi <= lo)
			continue;
		if (mremap(from + lo, hi - lo, hi - lo, MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst + lo) != MAP_FAILED)
			continue;
		if (used > lo)
			memcpy(dst + lo, from + lo, (used < hi ? used : hi) - lo);
		munmap(from + lo, hi - lo);
	}
}
#endif

/* Makes room for at least need records. RR_OK, or RR_ENOMEM with the array
 * unchanged. */
static int recs_reserve(struct dataset *ds, size_t need)
{
	size_t old = ds->recs ? recs_map_bytes(ds->caprecs) : 0, bytes;
	void *p;

	if (need <= ds->caprecs)
		return RR_OK;
	if (need > SIZE_MAX / 2 / sizeof(struct record))
		return RR_ENOMEM;
	bytes = need * sizeof(struct record);
	if (bytes < old * 2)
		bytes = old * 2;
	bytes = round_up(bytes, RECS_PAGE);
	if (!counted_alloc_ok())
		return RR_ENOMEM;
#if RECS_NO_MREMAP
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return RR_ENOMEM;
	if (ds->recs) {
		memcpy(p, ds->recs, ds->nrecs * sizeof(struct record));
		munmap(ds->recs, old);
	}
#else
	if (!ds->recs) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else if ((p = mremap(ds->recs, old, bytes, MREMAP_MAYMOVE)) != MAP_FAILED) {
		ds->nseams = 0;   /* the kernel took it as one mapping */
	} else if (ds->nseams) {
		/* Several mappings cannot grow as one: each moves to its place
		 * in a new, larger one. Growing the seam list first keeps this
		 * from failing half way. */
		if (rr_grow(&ds->seams, &ds->capseams, ds->nseams + 1, sizeof *ds->seams) != RR_OK)
			return RR_ENOMEM;
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return RR_ENOMEM;
		recs_move_pieces(ds, p, old);
		ds->seams[ds->nseams++] = old;
	}
	if (p == MAP_FAILED)
		return RR_ENOMEM;
#endif
	ds->recs = p;
	ds->caprecs = bytes / sizeof(struct record);
	return RR_OK;
}

static void recs_release(struct dataset *ds)
{
	if (ds->recs)
		munmap(ds->recs, recs_map_bytes(ds->caprecs));
	ds->recs = NULL;
	ds->nrecs = ds->caprecs = 0;
	ds->nseams = 0;
	ds->npads = 0;
}

/* Returns the whole pages inside recs[0..upto) at or past byte *done to the
 * kernel (the records there are no longer needed) and advances *done. */
static void recs_drop_prefix(struct dataset *ds, size_t upto, size_t *done)
{
	size_t end = upto * sizeof(struct record) / RECS_PAGE * RECS_PAGE;

	if (end > *done) {
		(void)madvise((char *)ds->recs + *done, end - *done, MADV_DONTNEED);
		*done = end;
	}
}

void dataset_drop_records(struct dataset *ds)
{
	recs_release(ds);
}

int dataset_init(struct dataset *ds)
{
	memset(ds, 0, sizeof *ds);
	diag_init(&ds->diag);
	ds->strs = strtab_new();
	return ds->strs ? RR_OK : RR_ENOMEM;
}

void dataset_init_part(struct dataset *ds, struct strtab *strs)
{
	memset(ds, 0, sizeof *ds);
	diag_init(&ds->diag);
	ds->strs = strs;
	ds->shared_strs = 1;
}

void dataset_free(struct dataset *ds)
{
	if (!ds->shared_strs)
		strtab_free(ds->strs);
	recs_release(ds);
	rr_free(ds->seams);
	rr_free(ds->pads);
	rr_free(ds->users);
	rr_free(ds->rooms);
	rr_free(ds->quality);
	rr_free(ds->metrics);
	if (!ds->shared_strs)
		rr_free(ds->room_map);
	for (size_t i = 0; i < ds->nfiles; i++)
		rr_free(ds->files[i]);
	rr_free(ds->files);
	diag_free(&ds->diag);
	memset(ds, 0, sizeof *ds);
}

/* ---- rooms and apps --------------------------------------------------------------- */

const char *dataset_room_name(const struct strtab *st, uint32_t room, size_t *len)
{
	const char *s = strtab_str(st, room);
	size_t n = strtab_len(st, room);
	const char *sep = memchr(s, (unsigned char)DATASET_APP_SEP, n);

	if (sep) {
		n -= (size_t)(sep + 1 - s);
		s = sep + 1;
	}
	if (len)
		*len = n;
	return s;
}

const char *dataset_room_app(const struct strtab *st, uint32_t room, size_t *len)
{
	const char *s = strtab_str(st, room);
	const char *sep = memchr(s, (unsigned char)DATASET_APP_SEP, strtab_len(st, room));

	*len = sep ? (size_t)(sep - s) : 0;
	return sep ? s : NULL;
}

void dataset_part_of(struct dataset *part, const struct dataset *whole)
{
	part->room_map = whole->room_map;
	part->nroom_map = whole->nroom_map;
	part->apps_resolved = 1;
	part->span_rooms = whole->rooms;
	part->nspan_rooms = whole->nrooms;
}

/* A RoomId with an app's key: the plain id and the key's. */
struct app_key {
	uint32_t plain, key;
};

static int app_key_cmp(const void *x, const void *y)
{
	const struct app_key *a = x, *b = y;

	if (a->plain != b->plain)
		return a->plain < b->plain ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* Notes past this many RoomIds of several apps are summed up in one. */
#define AMBIGUOUS_NOTES 20

/* Index of plain in the sorted ids[0..n), or n. */
static size_t find_id(const uint32_t *ids, size_t n, uint32_t plain)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < plain)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == plain ? lo : n;
}

/* The notes for the RoomIds amb[0..namb) (sorted plain ids) that several
 * apps use, whose keys are in keys[0..nkeys) (sorted): the rows without
 * SdkAppId of each, from ds and used[]. */
static int note_ambiguous(struct dataset *ds, const uint32_t *amb, size_t namb,
			  const struct app_key *keys, size_t nkeys, const uint32_t *used,
			  size_t nused)
{
	const struct strtab *st = ds->strs;
	uint64_t *rows = rr_calloc(namb, sizeof *rows);
	struct { char *s; size_t len, cap; } apps = { NULL, 0, 0 };
	size_t noted = 0, more = 0, k = 0;
	int rc = RR_OK;

	if (!rows)
		return RR_ENOMEM;
	/* Rows by room, one pass over each kind. */
#define COUNT_ROWS(arr, n)                                                     \
	for (size_t i = 0; i < (n); i++) {                                     \
		size_t x = find_id(amb, namb, (arr)[i].room);                  \
		if (x < namb)                                                  \
			rows[x]++;                                             \
	}
	COUNT_ROWS(ds->recs, ds->nrecs)
	COUNT_ROWS(ds->users, ds->nusers)
	COUNT_ROWS(ds->rooms, ds->nrooms)
	COUNT_ROWS(ds->quality, ds->nquality)
#undef COUNT_ROWS
	for (size_t x = 0; x < namb && rc == RR_OK; x++) {
		uint32_t napps = 0;

		if (amb[x] < nused && used)
			rows[x] += used[amb[x]];
		while (k < nkeys && keys[k].plain < amb[x])
			k++;
		if (!rows[x])
			continue;
		if (noted == AMBIGUOUS_NOTES) {
			more++;
			continue;
		}
		apps.len = 0;
		for (size_t y = k; y < nkeys && keys[y].plain == amb[x]; y++) {
			size_t al;
			const char *app = dataset_room_app(st, keys[y].key, &al);

			if (rr_grow(&apps.s, &apps.cap, apps.len + al + 3, 1) != RR_OK) {
				rc = RR_ENOMEM;
				break;
			}
			if (napps++) {
				memcpy(apps.s + apps.len, ", ", 2);
				apps.len += 2;
			}
			memcpy(apps.s + apps.len, app, al);
			apps.len += al;
			apps.s[apps.len] = '\0';
		}
		if (rc == RR_OK)
			rc = diag_note(&ds->diag, "RoomId %s is used by %" PRIu32 " apps (SdkAppId "
				       "%s): its %" PRIu64 " row%s without SdkAppId could belong to "
				       "any of them and %s kept apart as room %s without an app",
				       strtab_str(st, amb[x]), napps, apps.s ? apps.s : "", rows[x],
				       rows[x] == 1 ? "" : "s", rows[x] == 1 ? "is" : "are",
				       strtab_str(st, amb[x]));
		noted++;
	}
	if (rc == RR_OK && more)
		rc = diag_note(&ds->diag, "%zu more RoomIds used by several apps have rows without "
			       "SdkAppId, each kept apart as a room without an app", more);
	rr_free(apps.s);
	rr_free(rows);
	return rc;
}

int dataset_resolve_apps(struct dataset *ds, const uint32_t *used, size_t nused)
{
	const struct strtab *st = ds->strs;
	uint32_t n = strtab_count(st), *map = NULL, *amb = NULL;
	struct app_key *keys = NULL;
	size_t nkeys = 0, capkeys = 0, namb = 0;
	int rc = RR_ENOMEM;

	if (ds->apps_resolved)
		return RR_OK;
	/* Every room key with an app whose RoomId is also a string of its own. */
	for (uint32_t id = 1; id < n; id++) {
		const char *s = strtab_str(st, id);
		size_t len = strtab_len(st, id);
		const char *sep = memchr(s, (unsigned char)DATASET_APP_SEP, len);
		uint32_t plain;

		if (!sep || !strtab_find(st, sep + 1, len - (size_t)(sep + 1 - s), &plain))
			continue;
		if (rr_grow(&keys, &capkeys, nkeys + 1, sizeof *keys) != RR_OK)
			goto out;
		keys[nkeys].plain = plain;
		keys[nkeys++].key = id;
	}
	if (nkeys) {
		if (!(map = rr_malloc((size_t)n * sizeof *map)) ||
		    !(amb = rr_malloc(nkeys * sizeof *amb)))
			goto out;
		qsort(keys, nkeys, sizeof *keys, app_key_cmp);
		for (uint32_t i = 0; i < n; i++)
			map[i] = i;
		/* One app: its key; several: the RoomId stays a room of its own. */
		for (size_t i = 0, e; i < nkeys; i = e) {
			for (e = i + 1; e < nkeys && keys[e].plain == keys[i].plain; e++)
				;
			if (e == i + 1)
				map[keys[i].plain] = keys[i].key;
			else
				amb[namb++] = keys[i].plain;
		}
		if (namb && note_ambiguous(ds, amb, namb, keys, nkeys, used, nused) != RR_OK)
			goto out;
	}
	ds->room_map = map;
	ds->nroom_map = map ? n : 0;
	map = NULL;
	ds->apps_resolved = 1;
	rc = RR_OK;
out:
	rr_free(map);
	rr_free(keys);
	rr_free(amb);
	return rc;
}

/* Gives every row of ds the room key its room stands for. */
static void apply_room_map(struct dataset *ds)
{
	if (!ds->room_map)
		return;
	for (size_t i = 0; i < ds->nrecs; i++)
		ds->recs[i].room = dataset_room_of(ds, ds->recs[i].room);
	for (size_t i = 0; i < ds->nusers; i++)
		ds->users[i].room = dataset_room_of(ds, ds->users[i].room);
	for (size_t i = 0; i < ds->nrooms; i++)
		ds->rooms[i].room = dataset_room_of(ds, ds->rooms[i].room);
	for (size_t i = 0; i < ds->nquality; i++)
		ds->quality[i].room = dataset_room_of(ds, ds->quality[i].room);
}

int dataset_add_file(struct dataset *ds, const char *name, uint16_t *index)
{
	char *copy;

	if (ds->nfiles >= UINT16_MAX)
		return RR_EDATA;
	if (rr_grow(&ds->files, &ds->capfiles, ds->nfiles + 1, sizeof *ds->files) != RR_OK)
		return RR_ENOMEM;
	copy = rr_strndup(name, strlen(name));
	if (!copy)
		return RR_ENOMEM;
	ds->files[ds->nfiles] = copy;
	*index = (uint16_t)ds->nfiles++;
	return RR_OK;
}

/* Hands the records held to the spill hook and empties the array. */
static int spill_now(struct dataset *ds)
{
	size_t n = ds->nrecs, from = 0;
	int rc = RR_OK;

	ds->nrecs = 0;
	for (size_t i = 0; i < ds->npads && rc == RR_OK; i++) {
		if (ds->pads[i].at > from)
			rc = ds->spill(ds->spill_ctx, ds->recs + from, ds->pads[i].at - from);
		from = ds->pads[i].at + ds->pads[i].n;
	}
	ds->npads = 0;
	if (rc == RR_OK && n > from)
		rc = ds->spill(ds->spill_ctx, ds->recs + from, n - from);
	return rc;
}

int dataset_append(struct dataset *ds, const struct record *r)
{
	if (ds->spill && ds->nrecs >= ds->spill_at) {
		int rc = spill_now(ds);
		if (rc != RR_OK)
			return rc;
	}
	if (ds->nrecs == ds->caprecs && recs_reserve(ds, ds->nrecs + 1) != RR_OK)
		return RR_ENOMEM;
	ds->recs[ds->nrecs++] = *r;
	return RR_OK;
}

int dataset_reserve(struct dataset *ds, size_t n)
{
	size_t old = ds->recs ? recs_map_bytes(ds->caprecs) : 0, bytes;
	void *q;

	if (n <= ds->caprecs)
		return RR_OK;
	if (ds->nrecs || n > SIZE_MAX / 2 / sizeof(struct record))
		return recs_reserve(ds, n);
	/* Empty: map exactly what is asked, not twice the old size. */
	bytes = round_up(n * sizeof(struct record), RECS_PAGE);
	if (!counted_alloc_ok())
		return RR_ENOMEM;
	q = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return RR_ENOMEM;
	if (ds->recs)
		munmap(ds->recs, old);
	ds->recs = q;
	ds->caprecs = bytes / sizeof(struct record);
	ds->nseams = 0;
	return RR_OK;
}

int dataset_append_many(struct dataset *ds, const struct record *r, size_t n)
{
	if (n == 0)
		return RR_OK;
	if (n > SIZE_MAX / 2 - ds->nrecs || recs_reserve(ds, ds->nrecs + n) != RR_OK)
		return RR_ENOMEM;
	memcpy(ds->recs + ds->nrecs, r, n * sizeof *r);
	ds->nrecs += n;
	return RR_OK;
}

int dataset_spill_rest(struct dataset *ds)
{
	int rc = ds->spill ? spill_now(ds) : RR_OK;

	recs_release(ds);
	return rc;
}

int dataset_append_user(struct dataset *ds, const struct user_info *u)
{
	if (ds->nusers == ds->capusers &&
	    rr_grow(&ds->users, &ds->capusers, ds->nusers + 1, sizeof *ds->users) != RR_OK)
		return RR_ENOMEM;
	ds->users[ds->nusers++] = *u;
	return RR_OK;
}

int dataset_append_room(struct dataset *ds, const struct room_info *r)
{
	if (ds->nrooms == ds->caprooms &&
	    rr_grow(&ds->rooms, &ds->caprooms, ds->nrooms + 1, sizeof *ds->rooms) != RR_OK)
		return RR_ENOMEM;
	ds->rooms[ds->nrooms++] = *r;
	return RR_OK;
}

int dataset_append_quality(struct dataset *ds, const struct quality_sample *q)
{
	if (ds->nquality == ds->capquality &&
	    rr_grow(&ds->quality, &ds->capquality, ds->nquality + 1, sizeof *ds->quality) != RR_OK)
		return RR_ENOMEM;
	ds->quality[ds->nquality++] = *q;
	return RR_OK;
}

/* A linear scan: the table holds at most DATASET_MAX_METRICS names and ingest
 * caches the answer per name, so this runs once per name and file, not per
 * sample. */
int dataset_metric(struct dataset *ds, uint32_t name, uint16_t *index)
{
	for (size_t i = 0; i < ds->nmetrics; i++) {
		if (ds->metrics[i] == name) {
			*index = (uint16_t)i;
			return RR_OK;
		}
	}
	if (ds->nmetrics >= DATASET_MAX_METRICS)
		return RR_EDATA;
	if (rr_grow(&ds->metrics, &ds->capmetrics, ds->nmetrics + 1, sizeof *ds->metrics) != RR_OK)
		return RR_ENOMEM;
	ds->metrics[ds->nmetrics] = name;
	*index = (uint16_t)ds->nmetrics++;
	return RR_OK;
}

/* ---- sort keys and row comparisons ------------------------------------------
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

/*
 * Bottom-up merge sort for the companion rows, one per row type so the
 * comparison inlines (a million quality samples sort in well under a
 * second): stable, so input order survives among equal keys. It needs a
 * second copy of the array, which is fine for these smaller tables; the
 * records have their own sort below.
 */
#define DEFINE_MERGE_SORT(name, T, cmp)                                              \
	static void name(T *a, T *tmp, size_t n)                                     \
	{                                                                            \
		T *src = a, *dst = tmp;                                              \
		for (size_t width = 1; width < n; width *= 2) {                      \
			for (size_t lo = 0; lo < n; lo += 2 * width) {               \
				size_t mid = lo + width < n ? lo + width : n;        \
				size_t hi = lo + 2 * width < n ? lo + 2 * width : n; \
				size_t i = lo, j = mid, k = lo;                      \
				while (i < mid && j < hi)                            \
					dst[k++] = cmp(&src[j], &src[i]) < 0 ?       \
						   src[j++] : src[i++];              \
				while (i < mid)                                      \
					dst[k++] = src[i++];                         \
				while (j < hi)                                       \
					dst[k++] = src[j++];                         \
			}                                                            \
			T *t = src;                                                  \
			src = dst;                                                   \
			dst = t;                                                     \
		}                                                                    \
		if (src != a)                                                        \
			memcpy(a, src, n * sizeof *a);                               \
	}

DEFINE_MERGE_SORT(sort_users, struct user_info, user_key)
DEFINE_MERGE_SORT(sort_rooms, struct room_info, room_key)
DEFINE_MERGE_SORT(sort_quality, struct quality_sample, quality_key)

/* ---- exact repeats -------------------------------------------------------------
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

#define SHORT_RUN 16

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

/* ---- the record sort ----------------------------------------------------------
 * Records are the big array (ten million rows is an ordinary week), and
 * exports usually arrive grouped already: by call, then by user, each user's
 * events in time order, the calls themselves in some other order. So the sort
 * works in levels, each of which notices order that is already there:
 *
 *  1. One pass finds the distinct (room, comm) pairs — the calls — in small
 *     hash tables, counting each and noting whether the input is sorted or at
 *     least grouped with the calls in order.
 *  2. Unless they are, a counting sort by call gives each record its place
 *     (stable: input order within a call) in a 4-byte index, and the records
 *     are moved there in place: first into buckets of places, then each
 *     bucket into order through a buffer (apply_region).
 *  3. Each call's records, now contiguous, are sorted by (user, time) —
 *     nothing to do when they are in order already, a merge straight from
 *     the runs already in order when there are few (a call's users one after
 *     the other), else through an index of their own (a natural merge sort,
 *     or an LSD radix sort when a big call has many runs) — and its exact
 *     repeats are removed while it is still in cache. When every call fits
 *     the buffer, this is done as level 2 puts each bucket in order: the
 *     calls go from the buffer straight to their sorted places.
 *
 * Every level is stable, so input order survives among equal keys. Scratch is
 * the index (4 bytes per record; only when the calls must be reordered), or
 * twice the largest call when that is more, plus the call tables, and per
 * thread a buffer of APPLY_BUF records, radix counts (when a call is big
 * enough for the radix sort) and, when level 3 is done with the moves, twice
 * its largest call. When calls are tiny (more than one per RADIX_CALL_RATIO
 * records) the tables would cost more than the index, so the whole array
 * takes one LSD radix sort over the full key instead (8 bytes per record).
 *
 * Threads. The array is cut into consecutive slices, one per thread, each cut
 * where a call's run of records begins, so no run is split. Level 1 scans each
 * slice into a table of its own; the order checks compare neighbouring slices'
 * edges. Level 2 gives a call's records from earlier slices the earlier places,
 * so each slice fills its share of the index alone, exactly as one pass would.
 * The moves are split by first swapping records across the middle of the array
 * until each half holds just the records whose places are in it (again for each
 * half, until there is a region per thread); each region then moves its own.
 * Level 3 takes consecutive runs of whole calls per thread (the same as the
 * regions when it is done with the moves), each thread closing up its own
 * repeats; the gaps between the threads' parts are closed at the end. Each
 * record ends where the one-thread sort puts it, so the result does not
 * depend on the number of threads. Every allocation is made before the first
 * record moves (the scans allocate on their threads), so RR_ENOMEM still
 * leaves the records as they were. */

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
/* ceil(64 / 11) digits of time plus ceil(32 / 11) each for three ids. */
#define RADIX_MAX_DIGITS (6 + 3 * 3)
#define RADIX_COUNT ((size_t)RADIX_MAX_DIGITS * RADIX_SIZE)
/* Calls at least this big with at least this many runs take the radix sort. */
#define RADIX_MIN_CALL 8192
#define RADIX_MIN_RUNS 32
/* Fewer records per call than this on average: sort the whole array by radix. */
#define RADIX_CALL_RATIO 8

enum { F_TIME, F_USER, F_COMM, F_ROOM };

struct radix_digit {
	int field;              /* F_* */
	unsigned shift;         /* bit offset within the field's relative key */
};

static inline uint64_t rec_field(const struct record *r, int field, const uint64_t *min)
{
	switch (field) {
	case F_TIME: return (uint64_t)r->time_ms - min[F_TIME];
	case F_USER: return r->user - min[F_USER];
	case F_COMM: return r->comm - min[F_COMM];
	default:     return r->room - min[F_ROOM];
	}
}

static inline unsigned rec_digit(const struct record *r, const struct radix_digit *d,
				 const uint64_t *min)
{
	return (unsigned)(rec_field(r, d->field, min) >> d->shift) & (RADIX_SIZE - 1);
}

/* Number of bits needed to write v. */
static unsigned bit_width(uint64_t v)
{
	unsigned w = 0;

	while (v) {
		w++;
		v >>= 1;
	}
	return w;
}

/* How far ahead the scatter loop prefetches the record it will read: the
 * index order is random with respect to memory after the first pass, and
 * without this each read is a cache miss waited for in turn. */
#define RADIX_PREFETCH 16

/*
 * LSD radix sort of the positions idx[0..n) = 0, 1, ... n-1 of a[0..n) by the
 * fields lo..hi (F_*; hi most significant), through tmp; count holds
 * RADIX_COUNT entries. Returns the array holding the result. Each field is
 * taken relative to its minimum, and only as many digits as its range needs
 * are sorted (a week of times is 30 bits, three digits, not six); a digit
 * every record shares costs no pass.
 */
static uint32_t *radix_index(const struct record *a, uint32_t *idx, uint32_t *tmp, size_t n,
			     int lo, int hi, uint32_t *count)
{
	struct radix_digit dig[RADIX_MAX_DIGITS];
	uint64_t min[4] = { 0 }, max[4] = { 0 };
	unsigned ndig = 0;

	/* Flipping the sign bit makes signed order unsigned order. */
	min[F_TIME] = max[F_TIME] = (uint64_t)a[0].time_ms ^ (UINT64_C(1) << 63);
	min[F_USER] = max[F_USER] = a[0].user;
	min[F_COMM] = max[F_COMM] = a[0].comm;
	min[F_ROOM] = max[F_ROOM] = a[0].room;
	for (size_t i = 1; i < n; i++) {
		uint64_t v[4] = { (uint64_t)a[i].time_ms ^ (UINT64_C(1) << 63),
				  a[i].user, a[i].comm, a[i].room };
		for (int f = lo; f <= hi; f++) {
			if (v[f] < min[f])
				min[f] = v[f];
			if (v[f] > max[f])
				max[f] = v[f];
		}
	}
	for (int f = lo; f <= hi; f++) {
		unsigned w = bit_width(max[f] - min[f]);
		for (unsigned s = 0; s < w; s += RADIX_BITS) {
			dig[ndig].field = f;
			dig[ndig].shift = s;
			ndig++;
		}
	}
	/* rec_field subtracts min from the raw value; for time that is the
	 * sign-flipped minimum flipped back, and (uint64_t)t - (uint64_t)tmin
	 * is then the unsigned distance, which preserves order. */
	min[F_TIME] ^= UINT64_C(1) << 63;

	/* All digits' histograms in one sequential pass. */
	memset(count, 0, (size_t)ndig * RADIX_SIZE * sizeof *count);
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < ndig; d++)
			count[d * RADIX_SIZE + rec_digit(&a[i], &dig[d], min)]++;

	for (unsigned d = 0; d < ndig; d++) {
		uint32_t *c = count + (size_t)d * RADIX_SIZE;
		uint32_t sum = 0;
		int trivial = 0;

		for (unsigned b = 0; b < RADIX_SIZE; b++) {
			uint32_t k = c[b];
			if (k == n)
				trivial = 1;
			c[b] = sum;
			sum += k;
		}
		if (trivial)
			continue;
		for (size_t i = 0; i < n; i++) {
#if defined(__GNUC__)
			if (i + RADIX_PREFETCH < n)
				__builtin_prefetch(&a[idx[i + RADIX_PREFETCH]]);
#endif
			uint32_t j = idx[i];
			tmp[c[rec_digit(&a[j], &dig[d], min)]++] = j;
		}
		uint32_t *t = idx;
		idx = tmp;
		tmp = t;
	}
	return idx;
}

/* ---- threads ------------------------------------------------------------------ */

struct part_run {
	void (*fn)(void *, unsigned);
	void *arg;
	unsigned k;
};

static void *part_thread(void *x)
{
	struct part_run *r = x;

	r->fn(r->arg, r->k);
	return NULL;
}

/* Runs fn(arg, k) for k = 0 .. n-1 (n <= DATASET_MAX_THREADS), every part
 * but the first on a thread of its own; a part whose thread cannot be
 * started runs on this one afterwards, so parts must not wait for each
 * other. */
static void run_parts(unsigned n, void (*fn)(void *, unsigned), void *arg)
{
	pthread_t tid[DATASET_MAX_THREADS];
	struct part_run r[DATASET_MAX_THREADS];
	int started[DATASET_MAX_THREADS] = { 0 };

	for (unsigned k = 1; k < n; k++) {
		r[k] = (struct part_run){ fn, arg, k };
		started[k] = pthread_create(&tid[k], NULL, part_thread, &r[k]) == 0;
	}
	fn(arg, 0);
	for (unsigned k = 1; k < n; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			fn(arg, k);
	}
}

static unsigned finish_threads(const struct dataset *ds, size_t n)
{
	unsigned t;

	if (ds->threads)
		return ds->threads > DATASET_MAX_THREADS ? DATASET_MAX_THREADS : ds->threads;
	t = rr_threads(DATASET_MAX_THREADS);
	while (t > 1 && n / t < DATASET_PART_MIN)
		t--;
	return t;
}

/* The start of part j of k equal parts of [lo, hi). */
static size_t share(size_t lo, size_t hi, unsigned j, unsigned k)
{
	return lo + (hi - lo) * j / k;
}

/* ---- the radix sort on several threads -------------------------------------------
 * The same sort as radix_index, each pass shared out: every thread takes an
 * equal share of the positions in their current order and needs, for each
 * bucket, how many records of that share fall in it, to know where its own
 * start. For the first pass that is a histogram of its share of the records;
 * for each later one, the thread counts while scattering the pass before,
 * by the share of the output each record lands in, so no pass reads the
 * records twice. */

/* Words of memory per thread, for parts threads. */
static size_t radix_par_words(unsigned parts)
{
	return RADIX_COUNT + ((size_t)parts + 3) * RADIX_SIZE;
}

struct radix_part {
	uint32_t *count;        /* RADIX_COUNT: every digit's histogram of its share */
	uint32_t *next;         /* parts * RADIX_SIZE: the next digit's counts, by
				 * the share of the output each record went to */
	uint32_t *off, *cur, *lim;  /* RADIX_SIZE each: per bucket, the next
				 * place, its share and that share's end */
	uint64_t min[4], max[4];
};

struct radix_job {
	const struct record *a;
	uint32_t *idx, *tmp;
	size_t n;
	unsigned parts;
	int lo, hi;             /* the fields, as for radix_index */
	const struct radix_digit *d, *dn;   /* this pass's digit and the next's (or NULL) */
	uint64_t min[4];
	struct radix_part p[DATASET_MAX_THREADS];
};

static inline void rec_fields(const struct record *r, uint64_t *v)
{
	v[F_TIME] = (uint64_t)r->time_ms ^ (UINT64_C(1) << 63);
	v[F_USER] = r->user;
	v[F_COMM] = r->comm;
	v[F_ROOM] = r->room;
}

static void radix_range_run(void *arg, unsigned k)
{
	struct radix_job *job = arg;
	struct radix_part *p = &job->p[k];
	size_t lo = share(0, job->n, k, job->parts), hi = share(0, job->n, k + 1, job->parts);
	uint64_t v[4];

	for (int f = 0; f < 4; f++) {
		p->min[f] = UINT64_MAX;
		p->max[f] = 0;
	}
	for (size_t i = lo; i < hi; i++) {
		job->idx[i] = (uint32_t)i;
		rec_fields(&job->a[i], v);
		for (int f = job->lo; f <= job->hi; f++) {
			if (v[f] < p->min[f])
				p->min[f] = v[f];
			if (v[f] > p->max[f])
				p->max[f] = v[f];
		}
	}
}

static void radix_hist_run(void *arg, unsigned k)
{
	struct radix_job *job = arg;
	struct radix_part *p = &job->p[k];
	size_t lo = share(0, job->n, k, job->parts), hi = share(0, job->n, k + 1, job->parts);
	const struct radix_digit *dig = job->d;
	unsigned ndig = (unsigned)(job->dn - job->d);

	memset(p->count, 0, (size_t)ndig * RADIX_SIZE * sizeof *p->count);
	for (size_t i = lo; i < hi; i++)
		for (unsigned d = 0; d < ndig; d++)
			p->count[d * RADIX_SIZE + rec_digit(&job->a[i], &dig[d], job->min)]++;
}

static void radix_scatter_run(void *arg, unsigned k)
{
	struct radix_job *job = arg;
	struct radix_part *p = &job->p[k];
	const struct record *a = job->a;
	const uint32_t *idx = job->idx;
	uint32_t *tmp = job->tmp;
	size_t n = job->n, lo = share(0, n, k, job->parts), hi = share(0, n, k + 1, job->parts);

	for (size_t i = lo; i < hi; i++) {
#if defined(__GNUC__)
		if (i + RADIX_PREFETCH < hi)
			__builtin_prefetch(&a[idx[i + RADIX_PREFETCH]]);
#endif
		uint32_t j = idx[i];
		unsigned b = rec_digit(&a[j], job->d, job->min);
		uint32_t q = p->off[b]++;
		tmp[q] = j;
		if (job->dn) {
			while (q >= p->lim[b]) {
				p->cur[b]++;
				p->lim[b] = (uint32_t)share(0, n, p->cur[b] + 1, job->parts);
			}
			p->next[p->cur[b] * RADIX_SIZE + rec_digit(&a[j], job->dn, job->min)]++;
		}
	}
}

/*
 * radix_index on `parts` threads (2 or more): sorts the positions of
 * a[0..n) by the fields lo..hi into idx or tmp (both n entries; idx need
 * not be filled) and returns which; mem holds parts * radix_par_words(parts)
 * entries.
 */
static uint32_t *radix_index_par(const struct record *a, uint32_t *idx, uint32_t *tmp, size_t n,
				 int lo, int hi, unsigned parts, uint32_t *mem)
{
	struct radix_job job;
	struct radix_digit dig[RADIX_MAX_DIGITS];
	uint64_t max[4] = { 0 };
	unsigned ndig = 0;

	memset(&job, 0, sizeof job);
	job.a = a;
	job.idx = idx;
	job.tmp = tmp;
	job.n = n;
	job.parts = parts;
	job.lo = lo;
	job.hi = hi;
	for (unsigned k = 0; k < parts; k++) {
		struct radix_part *p = &job.p[k];
		p->count = mem + k * radix_par_words(parts);
		p->next = p->count + RADIX_COUNT;
		p->off = p->next + (size_t)parts * RADIX_SIZE;
		p->cur = p->off + RADIX_SIZE;
		p->lim = p->cur + RADIX_SIZE;
	}
	run_parts(parts, radix_range_run, &job);
	for (int f = lo; f <= hi; f++) {
		job.min[f] = UINT64_MAX;
		for (unsigned k = 0; k < parts; k++) {
			if (job.p[k].min[f] < job.min[f])
				job.min[f] = job.p[k].min[f];
			if (job.p[k].max[f] > max[f])
				max[f] = job.p[k].max[f];
		}
		unsigned w = bit_width(max[f] - job.min[f]);
		for (unsigned sh = 0; sh < w; sh += RADIX_BITS) {
			dig[ndig].field = f;
			dig[ndig].shift = sh;
			ndig++;
		}
	}
	job.min[F_TIME] ^= UINT64_C(1) << 63;   /* as in radix_index */

	job.d = dig;
	job.dn = dig + ndig;
	run_parts(parts, radix_hist_run, &job);

	/* The digits that sort anything (one every record shares does not). */
	unsigned live[RADIX_MAX_DIGITS], nlive = 0;
	for (unsigned d = 0; d < ndig; d++) {
		int trivial = 0;
		for (unsigned b = 0; b < RADIX_SIZE && !trivial; b++) {
			size_t sum = 0;
			for (unsigned k = 0; k < parts; k++)
				sum += job.p[k].count[d * RADIX_SIZE + b];
			trivial = sum == n;
		}
		if (!trivial)
			live[nlive++] = d;
	}

	for (unsigned x = 0; x < nlive; x++) {
		/* Each share's count of each bucket: the histogram for the
		 * first pass, what the pass before counted for the others. */
		uint32_t base = 0;
		for (unsigned b = 0; b < RADIX_SIZE; b++) {
			for (unsigned k = 0; k < parts; k++) {
				uint32_t c = 0;
				if (x == 0) {
					c = job.p[k].count[live[0] * RADIX_SIZE + b];
				} else {
					for (unsigned u = 0; u < parts; u++)
						c += job.p[u].next[k * RADIX_SIZE + b];
				}
				job.p[k].off[b] = base;
				base += c;
			}
		}
		for (unsigned k = 0; k < parts; k++) {
			struct radix_part *p = &job.p[k];
			for (unsigned b = 0; b < RADIX_SIZE; b++) {
				unsigned c = 0;
				while (c + 1 < parts && p->off[b] >= share(0, n, c + 1, parts))
					c++;
				p->cur[b] = c;
				p->lim[b] = (uint32_t)share(0, n, c + 1, parts);
			}
		}
		job.d = &dig[live[x]];
		job.dn = x + 1 < nlive ? &dig[live[x + 1]] : NULL;
		if (job.dn)
			for (unsigned k = 0; k < parts; k++)
				memset(job.p[k].next, 0, (size_t)parts * RADIX_SIZE * sizeof *job.p[k].next);
		run_parts(parts, radix_scatter_run, &job);
		uint32_t *t = job.idx;
		job.idx = job.tmp;
		job.tmp = t;
	}
	return job.idx;
}

/* ---- putting records in place -------------------------------------------------- */

/* Moves each a[i] to a[dest[i] - base] for the permutation dest of base,
 * base + 1, ... base + n - 1, in place: each step puts the record in hand
 * where it belongs and picks up the one it displaces. dest is consumed. */
static void cycle_dest(struct record *a, uint32_t *dest, size_t n, size_t base)
{
	for (size_t k = 0; k < n; k++) {
		size_t j = dest[k] - base;
		if (j == k)
			continue;
		struct record hold = a[k];
		for (;;) {
			struct record t = a[j];
			size_t next = dest[j] - base;
			a[j] = hold;
			dest[j] = (uint32_t)(j + base);
			if (next == k) {
				a[k] = t;
				dest[k] = (uint32_t)(k + base);
				break;
			}
			hold = t;
			j = next;
		}
	}
}

/* The same through buf (room for n records): a copy out and one store per
 * record, none of which waits for another, where following the cycles
 * waits on each load in turn. */
static void scatter_dest(struct record *a, const uint32_t *dest, size_t n, size_t base,
			 struct record *buf)
{
	memcpy(buf, a, n * sizeof *a);
	for (size_t i = 0; i < n; i++)
		a[dest[i] - base] = buf[i];
}

/* The same, but the records go to buf[dest[i] - base] (the caller puts
 * them back). */
static void scatter_out(const struct record *a, const uint32_t *dest, size_t n, size_t base,
			struct record *buf)
{
	for (size_t i = 0; i < n; i++)
		buf[dest[i] - base] = a[i];
}

/* Up to this many records, the cycles stay in cache and cycle_dest alone is
 * fast. */
#define APPLY_LOCAL 65536
#define APPLY_BUCKETS 1024
/* More buckets, when that keeps each within the buffer (see below). */
#define APPLY_MAX_BUCKETS 4096
/* Records in each thread's moving buffer (576 kB: a bucket, the buffer and
 * its places fit the 2 MB second-level cache of the machines this runs on). */
#define APPLY_BUF 16384
/* Calls of at least 1 / (BIG_CALLS / DATASET_MAX_THREADS) of a thread's
 * share of the records are sorted by all threads together. */
#define BIG_CALLS (2 * DATASET_MAX_THREADS)
/* Gaps are closed on several threads from this many records a thread. */
#define CLOSE_MIN 4096

/* ---- level 3: one call's records ---------------------------------------------- */

/* (user, time) order, the key within one call. */
static inline int ut_less(const struct record *x, const struct record *y)
{
	return x->user != y->user ? x->user < y->user : x->time_ms < y->time_ms;
}

/* Natural merge sort of the positions s[0..n) (ascending on entry) of one
 * call's records a[0..n) by (user, time), through t: each pass merges pairs
 * of the runs already in order, so k users' time-ordered blocks take
 * ceil(log2 k) passes. Returns the array holding the result. */
static uint32_t *merge_index(const struct record *a, uint32_t *s, uint32_t *t, size_t n)
{
	for (;;) {
		size_t runs = 0;

		for (size_t i = 0; i < n;) {
			size_t j = i + 1, k;
			while (j < n && !ut_less(&a[s[j]], &a[s[j - 1]]))
				j++;
			runs++;
			if (j == n) {
				memcpy(t + i, s + i, (n - i) * sizeof *s);
				break;
			}
			k = j + 1;
			while (k < n && !ut_less(&a[s[k]], &a[s[k - 1]]))
				k++;
			size_t x = i, y = j, o = i;
			while (x < j && y < k)
				t[o++] = ut_less(&a[s[y]], &a[s[x]]) ? s[y++] : s[x++];
			while (x < j)
				t[o++] = s[x++];
			while (y < k)
				t[o++] = s[y++];
			i = k;
		}
		uint32_t *x = s;
		s = t;
		t = x;
		if (runs == 1)
			return s;
	}
}

struct call_job;
struct call_part;
static void apply_region(struct record *a, uint32_t *dest, size_t lo, size_t hi,
			 struct record *buf, size_t bufrecs, const struct call_job *cj,
			 struct call_part *p);

/* Puts a[r[k]] at a[k] for the sorted positions r[0..n), through buf when
 * the n records fit there, else through the places in d. */
static void apply_sorted(struct record *a, const uint32_t *r, uint32_t *d, size_t n,
			 struct record *buf, size_t bufrecs)
{
	if (n <= bufrecs) {
		for (size_t k = 0; k < n; k++)
			buf[k] = a[r[k]];
		memcpy(a, buf, n * sizeof *a);
		return;
	}
	for (size_t k = 0; k < n; k++)
		d[r[k]] = (uint32_t)k;
	apply_region(a, d, 0, n, buf, bufrecs, NULL, NULL);
}

/* Insertion sort of a[0..n) by (user, time): stable, and cheaper than an
 * index for a few records. */
static void insertion_sort(struct record *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct record r = a[i];
		size_t j = i;
		while (j > 0 && ut_less(&r, &a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = r;
	}
}

/* At most this many users in a call, each user's records in time order (as
 * in an export sorted by time): sorted by counting. */
#define FEW_USERS 8

/*
 * The (user, time) order of one call's records a[0..n) in s, when they have
 * at most FEW_USERS users and each user's records come in time order: a
 * stable counting sort by user then gives it. NULL otherwise, found out as
 * soon as it shows. t holds n entries.
 */
static uint32_t *user_order(const struct record *a, size_t n, uint32_t *s, uint32_t *t)
{
	uint32_t user[FEW_USERS], off[FEW_USERS], rank[FEW_USERS];
	int64_t last[FEW_USERS];
	unsigned nu = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t u = a[i].user;
		unsigned q = 0;
		while (q < nu && user[q] != u)
			q++;
		if (q == nu) {
			if (nu == FEW_USERS)
				return NULL;
			user[nu] = u;
			last[nu] = INT64_MIN;
			off[nu++] = 0;
		}
		if (a[i].time_ms < last[q])
			return NULL;
		last[q] = a[i].time_ms;
		off[q]++;
		t[i] = q;
	}
	/* The users in order, their records' places after all lower ones'. */
	for (unsigned q = 0; q < nu; q++) {
		unsigned j = q;
		while (j > 0 && user[rank[j - 1]] > user[q]) {
			rank[j] = rank[j - 1];
			j--;
		}
		rank[j] = q;
	}
	for (unsigned j = 0, pos = 0; j < nu; j++) {
		unsigned q = rank[j], c = off[q];
		off[q] = pos;
		pos += c;
	}
	for (size_t i = 0; i < n; i++)
		s[off[t[i]]++] = (uint32_t)i;
	return s;
}

/*
 * The (user, time) order of one call's records a[0..n), stably: NULL when
 * they are in order already or, setting *small, when n <= SHORT_RUN (an
 * insertion sort is cheaper then); else the positions in order, in scratch
 * (2 * n entries); count holds RADIX_COUNT entries when n >= RADIX_MIN_CALL.
 */
static const uint32_t *call_order(const struct record *a, size_t n, uint32_t *scratch,
				  uint32_t *count, int *small)
{
	size_t descents = 0;
	int time_sorted = 1;

	*small = 0;
	for (size_t i = 1; i < n; i++) {
		descents += ut_less(&a[i], &a[i - 1]);
		time_sorted &= a[i].time_ms >= a[i - 1].time_ms;
	}
	if (descents == 0)
		return NULL;
	if (n <= SHORT_RUN) {
		*small = 1;
		return NULL;
	}
	uint32_t *s = scratch, *t = scratch + n, *r;
	if (descents >= FEW_USERS && (r = user_order(a, n, s, t)))
		return r;
	for (size_t i = 0; i < n; i++)
		s[i] = (uint32_t)i;
	if (n >= RADIX_MIN_CALL && descents >= RADIX_MIN_RUNS)
		/* Time order already there (a time-sorted export of one room
		 * without CommIds): a stable sort by user finishes the job. */
		return radix_index(a, s, t, n, time_sorted ? F_USER : F_TIME, F_USER, count);
	return merge_index(a, s, t, n);
}

/* Sorts one call's records a[0..n) by (user, time), stably, in place.
 * scratch holds 2 * n entries when n > SHORT_RUN, count RADIX_COUNT when n
 * >= RADIX_MIN_CALL, buf bufrecs records. */
static void sort_call(struct record *a, size_t n, uint32_t *scratch, uint32_t *count,
		      struct record *buf, size_t bufrecs)
{
	int small;
	const uint32_t *r = call_order(a, n, scratch, count, &small);

	if (small)
		insertion_sort(a, n);
	else if (r)
		apply_sorted(a, r, r == scratch ? scratch + n : scratch, n, buf, bufrecs);
}

/* Scratch entries sort_call and the repeat marking need for a call of n
 * records. */
static size_t call_need(size_t n)
{
	return n > SHORT_RUN ? 2 * n : 0;
}

/* A thread's share of level 3: whole calls a[lo..hi). */
struct call_part {
	size_t lo, hi;
	size_t done;            /* the calls before are sorted and de-duplicated */
	size_t out;             /* the kept records are a[lo..out) */
	uint64_t dups, events;
	uint32_t *scratch;      /* twice its largest call (or tie, when sorted) */
	uint32_t *count;        /* RADIX_COUNT entries, or NULL when no call is
				 * big enough for the radix sort */
	struct record *buf;
};

struct call_job {
	struct record *a;
	int sorted;             /* the records are in order already */
	size_t bufrecs;
	struct call_part p[DATASET_MAX_THREADS];
};

/* ---- duplicate records -----------------------------------------------------------
 * DESIGN §1: two records of one (room, comm, user, time) are the same event
 * when kind, id, p1 and p2 agree and each of Type (stream) and PeerId (peer)
 * agrees where both rows carry it (stream -1 and an event's peer 0 carry
 * nothing; see rec_has_peer for the causes of abnormal experiences):
 * overlapping exports of different shapes describe the same events with
 * more or fewer columns. That is no equivalence (a row without Type matches
 * rows of Type 2 and of Type 3, which do not match each other), so the rows
 * are taken in a fixed order -- the class of columns they carry, both
 * first, then Type alone, PeerId alone, neither -- and a row is a duplicate
 * when it matches a row already kept. Within one class a match is an exact
 * repeat, so the order among them does not matter; the result depends on
 * the rows, not on their order, except which of exact repeats stays. */

/* Whether r carries a PeerId. A cause of an abnormal experience always
 * does: an empty PeerId there says the cause is not a remote user's (DESIGN
 * §1), so it tells two causes apart like any other value. */
static inline int rec_has_peer(const struct record *r)
{
	return r->peer != 0 || r->kind == REC_ABNORMAL;
}

/* 0: Type and PeerId, 1: Type alone, 2: PeerId alone, 3: neither. */
static inline unsigned rec_class(const struct record *r)
{
	return (unsigned)(r->stream < 0) << 1 | (unsigned)!rec_has_peer(r);
}

static inline int rec_same_event(const struct record *a, const struct record *b)
{
	return a->id == b->id && a->p1 == b->p1 && a->p2 == b->p2 && a->kind == b->kind &&
	       (a->stream < 0 || b->stream < 0 || a->stream == b->stream) &&
	       (!rec_has_peer(a) || !rec_has_peer(b) || a->peer == b->peer);
}

#define CMP(f) if (a->f != b->f) return a->f < b->f ? -1 : 1

/* Positions into ctx's records by (kind, id, p1, p2, class, stream, peer),
 * then position: a total order. */
static int dup_order(const void *x, const void *y, void *ctx)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	const struct record *a = (const struct record *)ctx + i, *b = (const struct record *)ctx + j;
	unsigned ca = rec_class(a), cb = rec_class(b);

	CMP(kind); CMP(id); CMP(p1); CMP(p2);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	CMP(stream); CMP(peer);
	return i < j ? -1 : i > j;
}

/* Positions by peer, then position. */
static int peer_order(const void *x, const void *y, void *ctx)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	const struct record *a = (const struct record *)ctx + i, *b = (const struct record *)ctx + j;

	CMP(peer);
	return i < j ? -1 : i > j;
}

#undef CMP

/*
 * Marks the duplicates among n records of one (room, comm, user, time):
 * returns flags, flags[i] 0 for a duplicate and 1 for a record kept. Up to
 * SHORT_RUN records compare pairwise into small; more (hostile input: many
 * rows in one millisecond) sort their positions in scratch (2 * n entries)
 * and walk each event's rows class by class, so this is never quadratic.
 */
static const uint32_t *mark_recs(const struct record *a, size_t n, uint32_t small[SHORT_RUN],
				 uint32_t *scratch)
{
	if (n <= SHORT_RUN) {
		for (size_t i = 0; i < n; i++)
			small[i] = 0;
		for (unsigned cls = 0; cls < 4; cls++) {
			for (size_t i = 0; i < n; i++) {
				if (rec_class(&a[i]) != cls)
					continue;
				small[i] = 1;
				for (size_t j = 0; j < n; j++)
					if (small[j] && j != i && rec_same_event(&a[i], &a[j])) {
						small[i] = 0;
						break;
					}
			}
		}
		return small;
	}
	uint32_t *s = scratch, *flags = scratch + n;
	for (size_t i = 0; i < n; i++) {
		s[i] = (uint32_t)i;
		flags[i] = 1;
	}
	qsort_r(s, n, sizeof *s, dup_order, (void *)a);
	for (size_t g = 0, ge; g < n; g = ge) {
		const struct record *x = &a[s[g]];
		size_t i = g, a0, a1, b0, c0, c1, ia;
		int kept_b = 0, pending = 0;

		for (ge = g + 1; ge < n; ge++) {
			const struct record *y = &a[s[ge]];
			if (y->kind != x->kind || y->id != x->id || y->p1 != x->p1 || y->p2 != x->p2)
				break;
		}
		/* Both columns: exact repeats are neighbours. */
		for (a0 = i; i < ge && rec_class(&a[s[i]]) == 0; i++)
			if (i > a0 && a[s[i]].stream == a[s[i - 1]].stream &&
			    a[s[i]].peer == a[s[i - 1]].peer)
				flags[s[i]] = 0;
		a1 = i;
		/* Type alone: the same Type kept before, or among the above
		 * (in Type order too). */
		for (b0 = i, ia = a0; i < ge && rec_class(&a[s[i]]) == 1; i++) {
			int st = a[s[i]].stream;

			while (ia < a1 && a[s[ia]].stream < st)
				ia++;
			if ((i > b0 && a[s[i - 1]].stream == st) || (ia < a1 && a[s[ia]].stream == st))
				flags[s[i]] = 0;
			else
				kept_b = 1;
		}
		/* PeerId alone: any Type-alone row kept matches; else the same
		 * PeerId before, or among the rows with both (looked up below). */
		for (c0 = i; i < ge && rec_class(&a[s[i]]) == 2; i++) {
			if (kept_b || (i > c0 && a[s[i - 1]].peer == a[s[i]].peer))
				flags[s[i]] = 0;
			else if (a1 > a0)
				pending = 1;
		}
		c1 = i;
		/* Neither: matches whatever came first. */
		for (; i < ge; i++)
			if (i > g)
				flags[s[i]] = 0;
		if (pending) {
			qsort_r(s + a0, a1 - a0, sizeof *s, peer_order, (void *)a);
			qsort_r(s + c0, c1 - c0, sizeof *s, peer_order, (void *)a);
			ia = a0;
			for (size_t k = c0; k < c1; k++) {
				if (!flags[s[k]])
					continue;
				while (ia < a1 && a[s[ia]].peer < a[s[k]].peer)
					ia++;
				if (ia < a1 && a[s[ia]].peer == a[s[k]].peer)
					flags[s[k]] = 0;
			}
		}
	}
	return flags;
}

/*
 * Removes the duplicates among one call's sorted records a[lo..hi),
 * moving the records kept to a[out...] (out <= lo) in order; returns the
 * new end of the kept records. A record whose (user, time) differs from both
 * neighbours' is kept without a look at the rest of it.
 */
static size_t dedupe_call(struct record *a, size_t lo, size_t hi, size_t out, struct call_part *p)
{
	uint32_t small[SHORT_RUN];
	uint64_t events = 0, dups = 0;

	for (size_t i = lo, j; i < hi; i = j) {
		uint32_t user = a[i].user;
		int64_t t = a[i].time_ms;

		for (j = i + 1; j < hi && a[j].time_ms == t && a[j].user == user; j++)
			;
		if (j == i + 1) {
			if (out != i)
				a[out] = a[i];
			events += a[out].kind == REC_EVENT;
			out++;
			continue;
		}
		const uint32_t *keep = mark_recs(&a[i], j - i, small, p->scratch);
		for (size_t k = 0; k < j - i; k++) {
			if (!keep[k]) {
				dups++;
				continue;
			}
			if (out != i + k)
				a[out] = a[i + k];
			events += a[out].kind == REC_EVENT;
			out++;
		}
	}
	p->events += events;
	p->dups += dups;
	return out;
}

/* Level 3 for one call, a[lo..hi) (lo = p->done): buf is the part's
 * buffer, or NULL when that is in use. */
static void call_finish(const struct call_job *job, struct call_part *p, size_t lo, size_t hi,
			struct record *buf)
{
	if (!job->sorted)
		sort_call(job->a + lo, hi - lo, p->scratch, p->count, buf, buf ? job->bufrecs : 0);
	p->out = dedupe_call(job->a, lo, hi, p->out, p);
	p->done = hi;
}

/* Level 3 for the calls of p from p->done on. */
static void calls_run(const struct call_job *job, struct call_part *p)
{
	struct record *a = job->a;

	for (size_t lo = p->done, hi; lo < p->hi; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;

		for (hi = lo + 1; hi < p->hi && a[hi].room == room && a[hi].comm == comm; hi++)
			;
		call_finish(job, p, lo, hi, p->buf);
	}
}

/* A call with at most this many runs in (user, time) order (its users'
 * blocks, as exports come) is merged straight from the runs. */
#define MERGE_WAYS 8

/* (user, time) order, ties to the earlier run x < y: whether src[i] of run x
 * goes before src[j] of run y. */
static inline int run_before(const struct record *src, uint32_t i, unsigned x, uint32_t j,
			     unsigned y)
{
	return ut_less(&src[i], &src[j]) || (x < y && !ut_less(&src[j], &src[i]));
}

/* Merges the runs src[start[q]..start[q+1]) for q < k, each in (user, time)
 * order, into dst, stably (ties in run order). The run in front gives all
 * the records that go before every other run's next one in one go: a call's
 * users' blocks are copied whole. */
static void merge_runs(struct record *dst, const struct record *src, const uint32_t *start,
		       unsigned k)
{
	uint32_t pos[MERGE_WAYS], end[MERGE_WAYS];
	unsigned live = 0;
	size_t o = 0;

	for (unsigned q = 0; q < k; q++) {
		pos[q] = start[q];
		end[q] = start[q + 1];
		live += pos[q] < end[q];
	}
	while (live > 1) {
		unsigned best = k, second = k;
		for (unsigned q = 0; q < k; q++) {
			if (pos[q] == end[q])
				continue;
			if (best == k || run_before(src, pos[q], q, pos[best], best)) {
				second = best;
				best = q;
			} else if (second == k || run_before(src, pos[q], q, pos[second], second)) {
				second = q;
			}
		}
		uint32_t from = pos[best];
		do
			pos[best]++;
		while (pos[best] < end[best] &&
		       run_before(src, pos[best], best, pos[second], second));
		memcpy(dst + o, src + from, (pos[best] - from) * sizeof *dst);
		o += pos[best] - from;
		live -= pos[best] == end[best];
	}
	for (unsigned q = 0; q < k; q++) {
		if (pos[q] < end[q]) {
			memcpy(dst + o, src + pos[q], (end[q] - pos[q]) * sizeof *dst);
			o += end[q] - pos[q];
		}
	}
}

/* Level 3 for one call whose records, in input order, are src[0..n),
 * outside the array: sorted straight into their places from a[p->out], then
 * de-duplicated there. */
static void place_call(const struct call_job *job, struct call_part *p, const struct record *src,
		       size_t n)
{
	struct record *dst = job->a + p->out;
	uint32_t start[MERGE_WAYS + 1];
	unsigned runs = 1;

	start[0] = 0;
	for (size_t i = 1; i < n; i++) {
		if (!ut_less(&src[i], &src[i - 1]))
			continue;
		if (runs == MERGE_WAYS) {
			runs++;
			break;
		}
		start[runs++] = (uint32_t)i;
	}
	if (runs <= MERGE_WAYS) {
		start[runs] = (uint32_t)n;
		merge_runs(dst, src, start, runs);
	} else if (n <= SHORT_RUN) {
		memcpy(dst, src, n * sizeof *dst);
		insertion_sort(dst, n);
	} else {
		int small;
		const uint32_t *r = call_order(src, n, p->scratch, p->count, &small);
		for (size_t k = 0; k < n; k++)
			dst[k] = src[r[k]];
	}
	p->out = dedupe_call(job->a, p->out, p->out + n, p->out, p);
}

/* Level 3 for a bucket of p put in order into buf, len records that belong
 * at a[blo..blo+len): each call wholly in it goes from buf straight to its
 * place (one copy instead of three). The call the bucket ends in the middle
 * of, unless that is the part's end, goes back as it is, to be finished with
 * the next bucket (in place, buf being in use then). */
static void bucket_calls(const struct call_job *job, struct call_part *p, const struct record *buf,
			 size_t blo, size_t len)
{
	struct record *a = job->a;
	size_t c = 0, bhi = blo + len;

	if (p->done < blo) {
		uint32_t room = a[p->done].room, comm = a[p->done].comm;
		while (c < len && buf[c].room == room && buf[c].comm == comm)
			c++;
		memcpy(a + blo, buf, c * sizeof *a);
		if (c == len && bhi < p->hi)
			return;
		call_finish(job, p, p->done, blo + c, NULL);
	}
	while (c < len) {
		size_t e = c + 1;
		uint32_t room = buf[c].room, comm = buf[c].comm;
		while (e < len && buf[e].room == room && buf[e].comm == comm)
			e++;
		if (e == len && bhi < p->hi) {
			memcpy(a + blo + c, buf + c, (len - c) * sizeof *a);
			p->done = blo + c;
			return;
		}
		place_call(job, p, buf + c, e - c);
		c = e;
	}
	p->done = bhi;
}

static void call_part_run(void *arg, unsigned k)
{
	struct call_job *job = arg;

	calls_run(job, &job->p[k]);
}

/* How level 3 shares the array out: part k takes a[lo[k]..lo[k+1]), whole
 * calls, and needs need[k] scratch entries. */
struct split {
	unsigned parts, cur;
	size_t n;
	size_t lo[DATASET_MAX_THREADS + 1];
	size_t need[DATASET_MAX_THREADS];
	/* The calls too big for one thread to sort while the others wait: at
	 * least bigmin records, so at most BIG_CALLS of them. */
	size_t bigmin, nbig;
	size_t bigpos[BIG_CALLS], biglen[BIG_CALLS];
};

static void split_init(struct split *s, unsigned parts, size_t n)
{
	memset(s, 0, sizeof *s);
	s->parts = parts;
	s->n = n;
	for (unsigned k = 1; k <= parts; k++)
		s->lo[k] = n;
	s->bigmin = SIZE_MAX;
	if (parts > 1) {
		s->bigmin = n / (BIG_CALLS / DATASET_MAX_THREADS * parts);
		if (s->bigmin < RADIX_MIN_CALL)
			s->bigmin = RADIX_MIN_CALL;
	}
}

/* The next call in order, len records at pos: a part starts with the first
 * call at or past its equal share. */
static void split_call(struct split *s, size_t pos, size_t len)
{
	while (s->cur + 1 < s->parts && pos >= share(0, s->n, s->cur + 1, s->parts)) {
		s->cur++;
		s->lo[s->cur] = pos;
	}
	if (call_need(len) > s->need[s->cur])
		s->need[s->cur] = call_need(len);
	if (len >= s->bigmin && s->nbig < BIG_CALLS) {
		s->bigpos[s->nbig] = pos;
		s->biglen[s->nbig++] = len;
	}
}

static size_t split_need(const struct split *s)
{
	size_t sum = 0;

	for (unsigned k = 0; k < s->parts; k++)
		sum += s->need[k];
	return sum;
}

/* Joins neighbouring parts, the pair with the fewest records first, until
 * their scratch fits in avail (one part always does). */
static void split_fit(struct split *s, size_t avail)
{
	while (s->parts > 1 && split_need(s) > avail) {
		unsigned best = 0;
		size_t len = SIZE_MAX;

		for (unsigned k = 0; k + 1 < s->parts; k++) {
			if (s->lo[k + 2] - s->lo[k] < len) {
				len = s->lo[k + 2] - s->lo[k];
				best = k;
			}
		}
		if (s->need[best + 1] > s->need[best])
			s->need[best] = s->need[best + 1];
		for (unsigned k = best + 1; k + 1 < s->parts; k++)
			s->need[k] = s->need[k + 1];
		for (unsigned k = best + 1; k < s->parts; k++)
			s->lo[k] = s->lo[k + 1];
		s->parts--;
	}
}

/* ---- level 2: the moves ------------------------------------------------------------ */

/*
 * Moves every record of r[0..) into its bucket: bucket b holds the records
 * whose place d - lo, shifted right by shift, is b, and spans
 * [next[b], end[b]) on entry. Each bucket is filled from its front: a record
 * not in its bucket is carried to the next free place of the one it belongs
 * to, and the record there taken on, until one belongs where the chain
 * started. The places written next in each bucket are few and sequential,
 * so they are prefetched. (Following several chains side by side was
 * measured slower: this is bound by memory traffic, not by waiting.)
 */
static void distribute(struct record *r, uint32_t *d, size_t lo, unsigned shift,
		       uint32_t *next, const uint32_t *end, size_t nb)
{
	for (size_t b = 0; b < nb; b++) {
		while (next[b] < end[b]) {
			size_t i = next[b];
			size_t bb = (d[i] - lo) >> shift;
			if (bb == b) {
				next[b]++;
				continue;
			}
			struct record hold = r[i];
			uint32_t hd = d[i];
			do {
				size_t j = next[bb]++;
#if defined(__GNUC__)
				__builtin_prefetch(&r[j + 1], 1);
				__builtin_prefetch((const char *)&r[j + 1] + sizeof *r, 1);
				__builtin_prefetch(&d[j + 16], 1);
#endif
				struct record t = r[j];
				uint32_t td = d[j];
				r[j] = hold;
				d[j] = hd;
				hold = t;
				hd = td;
				bb = (hd - lo) >> shift;
			} while (bb != b);
			r[i] = hold;
			d[i] = hd;
			next[b]++;
		}
	}
}

/*
 * Moves each a[i] to a[dest[i]] for i in [lo, hi), dest[lo..hi) a
 * permutation of lo .. hi-1, in place; dest is consumed. buf holds bufrecs
 * records (bufrecs may be 0). Following the cycles of a big permutation
 * directly is a chain of dependent cache misses (a quarter of a microsecond
 * per record at ten million records). So first every record is moved into
 * its bucket of about n / APPLY_BUCKETS destinations (distribute); then each
 * bucket, now small enough for the cache, is put in order through buf.
 * With p, a[lo..hi) is p's part of level 3 (cj's), done here too, each
 * bucket's calls right after the bucket is in order and still in cache.
 */
static void apply_region(struct record *a, uint32_t *dest, size_t lo, size_t hi,
			 struct record *buf, size_t bufrecs, const struct call_job *cj,
			 struct call_part *p)
{
	uint32_t next[APPLY_MAX_BUCKETS], end[APPLY_MAX_BUCKETS];
	struct record *r = a + lo;
	uint32_t *d = dest + lo;
	size_t n = hi - lo, nb;
	unsigned shift = 0;

	if (n <= bufrecs && p) {
		scatter_out(r, d, n, lo, buf);
		bucket_calls(cj, p, buf, lo, n);
	} else if (n <= bufrecs) {
		scatter_dest(r, d, n, lo, buf);
	} else if (n <= APPLY_LOCAL) {
		cycle_dest(r, d, n, lo);
	} else {
		while (((n - 1) >> shift) >= APPLY_BUCKETS)
			shift++;
		/* With level 3 to do, every bucket goes through the buffer: the
		 * caller keeps regions within APPLY_MAX_BUCKETS of them. */
		while (p && ((size_t)1 << shift) > bufrecs)
			shift--;
		nb = ((n - 1) >> shift) + 1;
		for (size_t b = 0; b < nb; b++) {
			next[b] = (uint32_t)(b << shift);
			end[b] = (uint32_t)((b + 1) << shift < n ? (b + 1) << shift : n);
		}
		distribute(r, d, lo, shift, next, end, nb);
		for (size_t b = 0; b < nb; b++) {
			size_t blo = b << shift, len = end[b] - blo;
			if (p) {
				scatter_out(r + blo, d + blo, len, lo + blo, buf);
				bucket_calls(cj, p, buf, lo + blo, len);
			} else if (len <= bufrecs) {
				scatter_dest(r + blo, d + blo, len, lo + blo, buf);
			} else {
				cycle_dest(r + blo, d + blo, len, lo + blo);
			}
		}
		return;
	}
	if (p)
		calls_run(cj, p);
}

/* One region being split at mid by `parts` threads: after the swaps, every
 * record in [lo, mid) has its place there, and likewise [mid, hi). Each
 * side is counted in parts * CUT_BLOCKS blocks, so that finding where a
 * thread's share of the swaps starts reads at most one block. */
#define CUT_BLOCKS 64
#define CUT_MAX (DATASET_MAX_THREADS * CUT_BLOCKS)

struct cut {
	size_t lo, mid, hi;
	unsigned parts;
	/* Records on the wrong side in each block of the left and right side. */
	size_t left[CUT_MAX], right[CUT_MAX];
	size_t x[DATASET_MAX_THREADS], y[DATASET_MAX_THREADS];  /* where part j starts */
	size_t r[DATASET_MAX_THREADS + 1];                     /* the pairs part j swaps */
};

struct cut_job {
	struct record *a;
	uint32_t *dest;
	struct cut cut[DATASET_MAX_THREADS / 2];
	unsigned owner[DATASET_MAX_THREADS];   /* part -> its cut */
	unsigned index[DATASET_MAX_THREADS];   /* part -> its number in the cut */
};

static inline int wrong_side(uint32_t d, size_t mid, int left)
{
	return left ? d >= mid : d < mid;
}

static void cut_count(void *arg, unsigned k)
{
	struct cut_job *job = arg;
	struct cut *c = &job->cut[job->owner[k]];
	unsigned nb = c->parts * CUT_BLOCKS;

	for (unsigned b = job->index[k] * CUT_BLOCKS; b < (job->index[k] + 1) * CUT_BLOCKS; b++) {
		size_t nl = 0, nr = 0;
		for (size_t i = share(c->lo, c->mid, b, nb); i < share(c->lo, c->mid, b + 1, nb); i++)
			nl += job->dest[i] >= c->mid;
		for (size_t i = share(c->mid, c->hi, b, nb); i < share(c->mid, c->hi, b + 1, nb); i++)
			nr += job->dest[i] < c->mid;
		c->left[b] = nl;
		c->right[b] = nr;
	}
}

/* The place in side [lo, hi) past exactly r of its records on the wrong
 * side, from the blocks' counts. */
static size_t cut_seek(const uint32_t *dest, size_t lo, size_t hi, unsigned nb,
		       const size_t *count, size_t r, size_t mid, int left)
{
	size_t seen = 0, i;
	unsigned b = 0;

	while (b + 1 < nb && seen + count[b] <= r)
		seen += count[b++];
	for (i = share(lo, hi, b, nb); seen < r; i++)
		seen += wrong_side(dest[i], mid, left);
	return i;
}

/* Where each part of the cut starts: part j swaps the pairs of wrong-side
 * records ranked [r[j], r[j+1]) on both sides, the k-th from the left with
 * the k-th from the right. Done before any swap, which would change what
 * the search reads. */
static void cut_plan(struct cut *c, const uint32_t *dest)
{
	unsigned nb = c->parts * CUT_BLOCKS;
	size_t m = 0;

	for (unsigned b = 0; b < nb; b++)
		m += c->left[b];
	for (unsigned j = 0; j <= c->parts; j++)
		c->r[j] = m * j / c->parts;
	for (unsigned j = 0; j < c->parts; j++) {
		c->x[j] = cut_seek(dest, c->lo, c->mid, nb, c->left, c->r[j], c->mid, 1);
		c->y[j] = cut_seek(dest, c->mid, c->hi, nb, c->right, c->r[j], c->mid, 0);
	}
}

static void cut_swap(void *arg, unsigned k)
{
	struct cut_job *job = arg;
	struct cut *c = &job->cut[job->owner[k]];
	struct record *a = job->a;
	uint32_t *dest = job->dest;
	unsigned j = job->index[k];
	size_t mid = c->mid, x = c->x[j], y = c->y[j];

	for (size_t r = c->r[j]; r < c->r[j + 1]; r++, x++, y++) {
		while (dest[x] < mid)
			x++;
		while (dest[y] >= mid)
			y++;
		struct record t = a[x];
		uint32_t td = dest[x];
		a[x] = a[y];
		dest[x] = dest[y];
		a[y] = t;
		dest[y] = td;
	}
}

struct region {
	size_t lo, hi;
	unsigned first, parts;  /* the parts [first, first + parts) share it */
};

struct apply_job {
	struct record *a;
	uint32_t *dest;
	struct region reg[DATASET_MAX_THREADS];
	struct record *buf;     /* a buffer of bufrecs records per part */
	size_t bufrecs;
	struct call_job *cj;
};

static void apply_part(void *arg, unsigned k)
{
	struct apply_job *job = arg;

	apply_region(job->a, job->dest, job->reg[k].lo, job->reg[k].hi,
		     job->buf ? job->buf + k * job->bufrecs : NULL, job->bufrecs, job->cj,
		     job->cj ? &job->cj->p[k] : NULL);
}

/* Moves each a[i] to a[dest[i]] (dest a permutation of 0..n-1) in place on
 * `parts` threads; dest is consumed. The regions the threads end with are
 * [bounds[k], bounds[k+1]) (bounds NULL: equal shares). buf: parts buffers
 * of bufrecs records. With cj, the regions are its parts, and level 3 is
 * done as they are put in order. */
static void apply_dest(struct record *a, uint32_t *dest, size_t n, unsigned parts,
		       const size_t *bounds, struct record *buf, size_t bufrecs,
		       struct call_job *cj)
{
	struct apply_job aj = { a, dest, { { 0, n, 0, parts } }, buf, bufrecs, cj };
	unsigned nreg = 1;

	while (nreg < parts) {
		struct cut_job cj2;
		unsigned ncut = 0, np = 0, n2 = 0;
		struct region next[DATASET_MAX_THREADS];

		cj2.a = a;
		cj2.dest = dest;
		for (unsigned r = 0; r < nreg; r++) {
			struct region *g = &aj.reg[r];
			unsigned k1 = g->parts / 2;
			if (g->parts < 2) {
				next[n2++] = *g;
				continue;
			}
			struct cut *c = &cj2.cut[ncut];
			c->lo = g->lo;
			c->hi = g->hi;
			c->mid = bounds ? bounds[g->first + k1] : share(g->lo, g->hi, k1, g->parts);
			c->parts = g->parts;
			for (unsigned j = 0; j < g->parts; j++) {
				cj2.owner[np] = ncut;
				cj2.index[np++] = j;
			}
			next[n2++] = (struct region){ g->lo, c->mid, g->first, k1 };
			next[n2++] = (struct region){ c->mid, g->hi, g->first + k1, g->parts - k1 };
			ncut++;
		}
		run_parts(np, cut_count, &cj2);
		for (unsigned c = 0; c < ncut; c++)
			cut_plan(&cj2.cut[c], dest);
		run_parts(np, cut_swap, &cj2);
		memcpy(aj.reg, next, n2 * sizeof *next);
		nreg = n2;
	}
	run_parts(parts, apply_part, &aj);
}

struct invert_job {
	const uint32_t *r;
	uint32_t *d;
	size_t n;
	unsigned parts;
};

static void invert_part(void *arg, unsigned k)
{
	struct invert_job *job = arg;

	for (size_t i = share(0, job->n, k, job->parts); i < share(0, job->n, k + 1, job->parts); i++)
		job->d[job->r[i]] = (uint32_t)i;
}

/* ---- level 1: the calls ----------------------------------------------------------- */

/* The calls: distinct (room, comm) pairs with their record counts, in an
 * open-addressing table. */
struct call {
	uint32_t room, comm;
	uint32_t count;         /* records of this call */
	uint32_t next;          /* while filling the index: its next free place */
};

struct call_table {
	struct call *c;
	size_t n, cap;
	uint32_t *slots;        /* call index + 1; 0 = empty */
	size_t nslots;          /* power of two */
};

static size_t call_slot(const struct call_table *t, uint32_t room, uint32_t comm)
{
	uint64_t h = ((uint64_t)room << 32 | comm) * UINT64_C(0x9E3779B97F4A7C15);
	size_t mask = t->nslots - 1, i = (size_t)(h >> 32) & mask;

	for (;;) {
		uint32_t v = t->slots[i];
		if (v == 0 || (t->c[v - 1].room == room && t->c[v - 1].comm == comm))
			return i;
		i = (i + 1) & mask;
	}
}

/* The calls met lately, by a few bits of their hash, with what is to be
 * added to the call's count or its next place: when calls come interleaved
 * (an export in time order), most runs find theirs here, with no look in
 * the big table; the table is brought up to date when a hint is replaced,
 * and at the end. v is the call's index + 1, 0 = none. */
#define CALL_HINTS 1024

struct call_hint {
	uint32_t room, comm, v;
	uint32_t acc;
};

static inline size_t hint_index(uint32_t room, uint32_t comm)
{
	return (size_t)((((uint64_t)room << 32 | comm) * UINT64_C(0x9E3779B97F4A7C15)) >> 54);
}

/* Fills the slots for the calls in their current order. */
static void call_reslot(struct call_table *t)
{
	memset(t->slots, 0, t->nslots * sizeof *t->slots);
	for (size_t k = 0; k < t->n; k++)
		t->slots[call_slot(t, t->c[k].room, t->c[k].comm)] = (uint32_t)k + 1;
}

static int call_rehash(struct call_table *t, size_t nslots)
{
	uint32_t *slots = rr_calloc(nslots, sizeof *slots);

	if (!slots)
		return RR_ENOMEM;
	rr_free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	call_reslot(t);
	return RR_OK;
}

static void call_table_free(struct call_table *t)
{
	rr_free(t->c);
	rr_free(t->slots);
	memset(t, 0, sizeof *t);
}

static inline int call_key(const struct call *a, const struct call *b)
{
	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	return a->comm < b->comm ? -1 : a->comm > b->comm;
}

DEFINE_MERGE_SORT(sort_calls, struct call, call_key)

enum { SCAN_OK = RR_OK, SCAN_NOMEM = RR_ENOMEM, SCAN_TOO_MANY = -1 };

/* Keep the list of the runs only while they average at least this many
 * records: it saves level 2 reading the records again. */
#define RUN_LIST_RATIO 32

/* One thread's slice of level 1: the runs of records of one call that
 * start in [from, to). */
struct scan_part {
	size_t from, to, max_calls;
	size_t first, end;      /* the records it covers */
	struct call_table t;    /* its calls in the order first met */
	uint32_t *runs;         /* while runs_ok, for each run: where it starts
				 * and its call's index in t.c */
	size_t nruns, capruns;
	int runs_ok;
	int status;             /* SCAN_*: SCAN_TOO_MANY past max_calls calls */
	int sorted;             /* in (room, comm, user, time) order */
	int grouped;            /* each call's records contiguous, calls in order */
	size_t longest_tie;     /* longest run of equal keys (when sorted) */
};

struct scan_job {
	const struct record *a;
	uint32_t *dest;
	size_t n;
	struct scan_part p[DATASET_MAX_THREADS];
};

static void scan_part_free(struct scan_part *p)
{
	call_table_free(&p->t);
	rr_free(p->runs);
	p->runs = NULL;
	p->nruns = p->capruns = 0;
	p->runs_ok = 0;
}

/* Fills p's table and flags. With SCAN_TOO_MANY the table is of no use, but
 * sorted and longest_tie are still right and, when sorted, end too. */
static void scan_run(void *arg, unsigned k)
{
	struct scan_job *job = arg;
	struct scan_part *p = &job->p[k];
	const struct record *a = job->a;
	struct call_table *t = &p->t;
	size_t n = job->n, lo = p->from, hi, tie = 1;
	size_t max_runs = (p->to - p->from) / RUN_LIST_RATIO + 16;
	struct call_hint hint[CALL_HINTS];
	int full = 0;

	memset(hint, 0, sizeof hint);

	p->sorted = p->grouped = 1;
	p->longest_tie = 1;
	p->status = SCAN_OK;
	p->runs_ok = 1;
	if (lo > 0)
		while (lo < p->to && a[lo].room == a[lo - 1].room && a[lo].comm == a[lo - 1].comm)
			lo++;
	p->first = p->end = lo;
	if (lo >= p->to)
		return;
	if (call_rehash(t, 1024) != RR_OK) {
		p->status = SCAN_NOMEM;
		return;
	}
	for (; lo < p->to; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;

		hi = lo + 1;
		if (p->sorted) {
			size_t longest = p->longest_tie;
			for (; hi < n && a[hi].room == room && a[hi].comm == comm; hi++) {
				const struct record *q = &a[hi - 1], *r = &a[hi];

				__builtin_prefetch(r + RECS_AHEAD);
				if (ut_less(r, q)) {
					p->sorted = 0;
					break;
				} else if (r->user == q->user && r->time_ms == q->time_ms) {
					if (++tie > longest)
						longest = tie;
				} else {
					tie = 1;
				}
			}
			p->longest_tie = longest;
		}
		for (; hi < n && a[hi].room == room && a[hi].comm == comm; hi++)
			__builtin_prefetch(&a[hi + RECS_AHEAD]);
		tie = 1;
		p->end = hi;
		if (lo > p->first && (a[lo - 1].room > room ||
				      (a[lo - 1].room == room && a[lo - 1].comm > comm)))
			p->sorted = p->grouped = 0;
		if (full) {
			if (!p->sorted)
				break;          /* nothing more to learn */
			continue;
		}
		if (p->runs_ok && p->nruns >= max_runs)
			p->runs_ok = 0;
		if (p->runs_ok && rr_grow(&p->runs, &p->capruns, 2 * p->nruns + 2,
					  sizeof *p->runs) != RR_OK) {
			p->status = SCAN_NOMEM;
			return;
		}

		struct call_hint *h = &hint[hint_index(room, comm)];
		size_t i = 0;
		uint32_t v;
		if (h->v && h->room == room && h->comm == comm) {
			v = h->v;
			h->acc += (uint32_t)(hi - lo);
		} else if ((v = t->slots[i = call_slot(t, room, comm)])) {
			if (h->v)
				t->c[h->v - 1].count += h->acc;
			*h = (struct call_hint){ room, comm, v, (uint32_t)(hi - lo) };
		}
		if (v) {
			/* Seen before, with another call in between. */
			p->sorted = p->grouped = 0;
			if (p->runs_ok) {
				p->runs[2 * p->nruns] = (uint32_t)lo;
				p->runs[2 * p->nruns++ + 1] = v - 1;
			}
			continue;
		}
		if (t->n >= p->max_calls) {
			full = 1;
			p->runs_ok = 0;
			continue;
		}
		if (p->runs_ok) {
			p->runs[2 * p->nruns] = (uint32_t)lo;
			p->runs[2 * p->nruns++ + 1] = (uint32_t)t->n;
		}
		if (rr_grow(&t->c, &t->cap, t->n + 1, sizeof *t->c) != RR_OK) {
			p->status = SCAN_NOMEM;
			return;
		}
		t->c[t->n] = (struct call){ room, comm, 0, 0 };
		t->slots[i] = (uint32_t)++t->n;
		if (h->v)
			t->c[h->v - 1].count += h->acc;
		*h = (struct call_hint){ room, comm, (uint32_t)t->n, (uint32_t)(hi - lo) };
		if (t->n * 2 > t->nslots && call_rehash(t, t->nslots * 2) != RR_OK) {
			p->status = SCAN_NOMEM;
			return;
		}
	}
	for (size_t k = 0; k < CALL_HINTS; k++)
		if (hint[k].v)
			t->c[hint[k].v - 1].count += hint[k].acc;
	if (full)
		p->status = SCAN_TOO_MANY;
}

/* Sorts a slice's calls by (room, comm) for place_calls. The run list's
 * call indexes follow them (the slots, no longer needed then, hold the
 * new index of each old one); without the list, the slots are rebuilt.
 * SCAN_NOMEM in status when there is no memory for the sort, before
 * anything changed. */
static void sort_table_run(void *arg, unsigned k)
{
	struct scan_part *p = &((struct scan_job *)arg)->p[k];
	struct call_table *t = &p->t;
	struct call *tmp;

	if (!t->n)
		return;
	tmp = rr_malloc(t->n * sizeof *tmp);
	if (!tmp) {
		p->status = SCAN_NOMEM;
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		t->c[i].next = (uint32_t)i;
	sort_calls(t->c, tmp, t->n);
	rr_free(tmp);
	if (!p->runs_ok) {
		call_reslot(t);
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		t->slots[t->c[i].next] = (uint32_t)i;
	for (size_t r = 0; r < p->nruns; r++)
		p->runs[2 * r + 1] = t->slots[p->runs[2 * r + 1]];
}

/* Gives the calls of all slices (tables sorted) their first places: calls
 * in (room, comm) order, within a call the slices in order, so the records
 * keep their input order. Feeds the calls to s; returns the largest. */
static size_t place_calls(struct scan_part *sp, unsigned ns, struct split *s)
{
	size_t head[DATASET_MAX_THREADS] = { 0 }, largest = 0;
	uint32_t pos = 0;

	for (;;) {
		const struct call *best = NULL;
		for (unsigned k = 0; k < ns; k++)
			if (head[k] < sp[k].t.n &&
			    (!best || call_key(&sp[k].t.c[head[k]], best) < 0))
				best = &sp[k].t.c[head[k]];
		if (!best)
			break;
		uint32_t room = best->room, comm = best->comm, len = 0;
		for (unsigned k = 0; k < ns; k++) {
			struct call *c = &sp[k].t.c[head[k]];
			if (head[k] < sp[k].t.n && c->room == room && c->comm == comm) {
				c->next = pos + len;
				len += c->count;
				head[k]++;
			}
		}
		split_call(s, pos, len);
		if (len > largest)
			largest = len;
		pos += len;
	}
	return largest;
}

/* Writes each record's place into dest, for the records of slice k. */
static void index_run(void *arg, unsigned k)
{
	struct scan_job *job = arg;
	struct scan_part *p = &job->p[k];
	const struct record *a = job->a;
	uint32_t *dest = job->dest;

	if (p->runs_ok) {
		for (size_t r = 0; r < p->nruns; r++) {
			size_t lo = p->runs[2 * r], hi = r + 1 < p->nruns ? p->runs[2 * r + 2] : p->end;
			struct call *c = &p->t.c[p->runs[2 * r + 1]];
			uint32_t pos = c->next;
			for (size_t i = lo; i < hi; i++)
				dest[i] = pos++;
			c->next = pos;
		}
		return;
	}
	struct call_hint hint[CALL_HINTS];
	memset(hint, 0, sizeof hint);
	for (size_t lo = p->first, hi; lo < p->end; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;
		struct call_hint *h = &hint[hint_index(room, comm)];
		if (!h->v || h->room != room || h->comm != comm) {
			if (h->v)
				p->t.c[h->v - 1].next = h->acc;
			uint32_t v = p->t.slots[call_slot(&p->t, room, comm)];
			*h = (struct call_hint){ room, comm, v, p->t.c[v - 1].next };
		}
		uint32_t pos = h->acc;

		for (hi = lo + 1; hi < p->end && a[hi].room == room && a[hi].comm == comm; hi++)
			;
		for (size_t i = lo; i < hi; i++)
			dest[i] = pos++;
		h->acc = pos;
	}
}

/* A part of the array after the whole-array radix sort, cut where calls
 * start. */
static void split_sorted(struct split *s, const struct record *a, size_t n, unsigned parts)
{
	split_init(s, parts, n);
	for (unsigned k = 1; k < parts; k++) {
		size_t i = share(0, n, k, parts);
		if (i < s->lo[k - 1])
			i = s->lo[k - 1];
		while (i > 0 && i < n && a[i].room == a[i - 1].room && a[i].comm == a[i - 1].comm)
			i++;
		s->lo[k] = i;
	}
	for (unsigned k = 0; k < parts; k++)
		s->need[k] = 2 * (s->lo[k + 1] - s->lo[k]);
}

/* ---- the big calls -------------------------------------------------------------- */

struct order_job {
	const struct record *a;
	size_t n;
	unsigned parts;
	size_t descents[DATASET_MAX_THREADS];
	int time_sorted[DATASET_MAX_THREADS];
};

/* What call_order first looks at, for share k of one call's records. */
static void order_run(void *arg, unsigned k)
{
	struct order_job *job = arg;
	const struct record *a = job->a;
	size_t lo = share(0, job->n, k, job->parts), hi = share(0, job->n, k + 1, job->parts);
	size_t descents = 0;
	int time_sorted = 1;

	for (size_t i = lo ? lo : 1; i < hi; i++) {
		descents += ut_less(&a[i], &a[i - 1]);
		time_sorted &= a[i].time_ms >= a[i - 1].time_ms;
	}
	job->descents[k] = descents;
	job->time_sorted[k] = time_sorted;
}

/*
 * Sorts each of s's big calls (contiguous by now) by (user, time) on nt
 * threads, as sort_call would on one, so that level 3 finds them in order:
 * those with many runs by the radix sort; those with few, which merge
 * quickly, are left to level 3. scratch holds twice the largest call,
 * radix nt * radix_par_words(nt) entries, buf nt buffers of bufrecs records.
 */
static void sort_big_calls(struct record *a, const struct split *s, unsigned nt,
			   uint32_t *scratch, uint32_t *radix, struct record *buf, size_t bufrecs)
{
	for (size_t c = 0; c < s->nbig; c++) {
		struct record *x = a + s->bigpos[c];
		size_t n = s->biglen[c], descents = 0;
		struct order_job oj = { x, n, nt, { 0 }, { 0 } };
		int time_sorted = 1;

		run_parts(nt, order_run, &oj);
		for (unsigned k = 0; k < nt; k++) {
			descents += oj.descents[k];
			time_sorted &= oj.time_sorted[k];
		}
		if (descents < RADIX_MIN_RUNS)
			continue;
		uint32_t *r = radix_index_par(x, scratch, scratch + n, n, time_sorted ? F_USER : F_TIME,
					      F_USER, nt, radix);
		struct invert_job ij = { r, r == scratch ? scratch + n : scratch, n, nt };
		run_parts(nt, invert_part, &ij);
		apply_dest(x, ij.d, n, nt, NULL, buf, bufrecs, NULL);
	}
}

/* ---- closing the gaps ------------------------------------------------------------- */

/* A part's records kept, a[lo..lo+len), to move `shift` places down. */
struct close_seg {
	size_t lo, len, shift;
};

struct close_job {
	struct record *a;
	struct close_seg seg[DATASET_MAX_THREADS];
	unsigned nseg;
	/* Thread j moves records [cut[j], cut[j+1]) of the segments taken one
	 * after the other; the last ntail[j] of them it takes from tail[j]. */
	size_t cut[DATASET_MAX_THREADS + 1];
	size_t ntail[DATASET_MAX_THREADS];
	struct record *tail[DATASET_MAX_THREADS];
};

static void close_part(void *arg, unsigned j)
{
	struct close_job *job = arg;
	struct record *a = job->a;
	size_t u = 0;

	for (unsigned k = 0; k < job->nseg; u += job->seg[k++].len) {
		const struct close_seg *s = &job->seg[k];
		size_t from = job->cut[j] > u ? job->cut[j] : u;
		size_t to = job->cut[j + 1] < u + s->len ? job->cut[j + 1] : u + s->len;
		if (from >= to)
			continue;
		size_t src = s->lo + (from - u), len = to - from, tail = 0;
		if (to == job->cut[j + 1])
			tail = job->ntail[j];
		memmove(a + src - s->shift, a + src, (len - tail) * sizeof *a);
		if (tail)
			memcpy(a + src + len - tail - s->shift, job->tail[j], tail * sizeof *a);
	}
}

/*
 * Moves the parts' kept records together, in order; returns how many there
 * are. Each part after a part with repeats moves down by their number,
 * which is a copy of most of the array even for one repeat; so, when it is
 * big and the moves are short (all but the tail of a thread's share of the
 * records being where the next thread writes), it is shared by the threads,
 * each thread's tail saved in buf (bufrecs records per thread) first.
 */
static size_t close_gaps(struct record *a, struct call_job *cj, unsigned parts, unsigned nt,
			 struct record *buf, size_t bufrecs)
{
	struct close_job job;
	size_t out = cj->p[0].out, total = 0;

	memset(&job, 0, sizeof job);
	job.a = a;
	for (unsigned k = 1; k < parts; k++) {
		struct call_part *p = &cj->p[k];
		size_t len = p->out - p->lo;
		if (len && out != p->lo) {
			job.seg[job.nseg++] = (struct close_seg){ p->lo, len, p->lo - out };
			total += len;
		}
		out += len;
	}
	if (nt < 2 || !buf || total < (size_t)nt * CLOSE_MIN) {
		for (unsigned k = 0; k < job.nseg; k++)
			memmove(a + job.seg[k].lo - job.seg[k].shift, a + job.seg[k].lo,
				job.seg[k].len * sizeof *a);
		return out;
	}
	/* Equal shares, a cut dropped where the tail would not fit the buffer,
	 * reach back past its segment's start or past the share's start. */
	unsigned m = 0;
	job.cut[0] = 0;
	for (unsigned j = 1; j < nt; j++) {
		size_t c = share(0, total, j, nt), u = 0;
		unsigned k = 0;
		while (c > u + job.seg[k].len) {
			u += job.seg[k].len;
			k++;
		}
		size_t g = job.seg[k].shift;
		if (g > bufrecs || c - u < g || c - job.cut[m] < g)
			continue;
		job.ntail[m] = g;
		job.tail[m] = buf + (size_t)m * bufrecs;
		memcpy(job.tail[m], a + job.seg[k].lo + (c - u) - g, g * sizeof *a);
		job.cut[++m] = c;
	}
	job.cut[++m] = total;
	run_parts(m, close_part, &job);
	return out;
}

/*
 * Sorts ds->recs and removes exact repeats (counted in counts.duplicates,
 * nrecs lowered); also counts events and abnormal records. RR_ENOMEM only
 * before any record has moved.
 */
static int finish_records(struct dataset *ds)
{
	struct record *a = ds->recs;
	size_t n = ds->nrecs, nscratch = 0, nlocal = 0, largest = 0, longest_tie = 1;
	size_t bufrecs = 0, ncount = 0, nradix = 0;
	unsigned nt = finish_threads(ds, n), ns = 0;
	struct scan_job sj;
	struct split sp;
	struct call_job cj;
	uint32_t *mem = NULL, *scratch = NULL, *local = NULL, *count = NULL;
	struct record *buf = NULL;
	int sorted = 1, grouped = 1, too_many = 0, whole_radix, fused = 0, nomem = 0;

	/* Positions are 32-bit: 4 G records would be 160 GB in memory. */
	if (n > UINT32_MAX)
		return RR_ENOMEM;
	memset(&sj, 0, sizeof sj);
	sj.a = a;
	sj.n = n;
	if (n >= 2) {
		ns = nt;
		for (unsigned k = 0; k < ns; k++) {
			sj.p[k].from = share(0, n, k, ns);
			sj.p[k].to = share(0, n, k + 1, ns);
			sj.p[k].max_calls = (sj.p[k].to - sj.p[k].from) / RADIX_CALL_RATIO + 64;
		}
		run_parts(ns, scan_run, &sj);
		for (unsigned k = 0; k < ns; k++) {
			struct scan_part *p = &sj.p[k];
			nomem |= p->status == SCAN_NOMEM;
			too_many |= p->status == SCAN_TOO_MANY;
			sorted &= p->sorted;
			grouped &= p->grouped;
			if (p->longest_tie > longest_tie)
				longest_tie = p->longest_tie;
		}
		/* Slice edges: the calls either side must be in order too (a
		 * slice stopped early is unsorted, and then this cannot matter). */
		for (unsigned k = 0, prev = ns; k < ns && (sorted || !too_many); k++) {
			const struct scan_part *p = &sj.p[k];
			if (p->first >= p->end)
				continue;
			if (prev < ns) {
				const struct record *x = &a[sj.p[prev].end - 1], *y = &a[p->first];
				if (x->room > y->room || (x->room == y->room && x->comm > y->comm))
					sorted = grouped = 0;
			}
			prev = k;
		}
		if (nomem)
			goto fail;
	}

	/* Decide the path and the memory it takes. */
	whole_radix = !sorted && too_many;
	if (sorted) {
		/* Level 3 alone, on the slices as they are (an empty slice
		 * starts where the next one does). */
		split_init(&sp, ns ? ns : 1, n);
		for (unsigned k = ns; k-- > 1;)
			sp.lo[k] = sj.p[k].first < sj.p[k].end ? sj.p[k].first : sp.lo[k + 1];
		for (unsigned k = 0; k < ns; k++)
			sp.need[k] = call_need(sj.p[k].longest_tie);
		nscratch = call_need(longest_tie);
	} else if (whole_radix) {
		nscratch = 2 * n;
		ncount = 1;
		bufrecs = n;
	} else {
		split_init(&sp, nt, n);
		if (grouped) {
			size_t pos = 0;
			for (unsigned k = 0; k < ns; k++) {
				for (size_t i = 0; i < sj.p[k].t.n; i++) {
					size_t len = sj.p[k].t.c[i].count;
					split_call(&sp, pos, len);
					if (len > largest)
						largest = len;
					pos += len;
				}
			}
		} else {
			run_parts(ns, sort_table_run, &sj);
			for (unsigned k = 0; k < ns; k++)
				if (sj.p[k].status == SCAN_NOMEM)
					goto fail;
			largest = place_calls(sj.p, ns, &sp);
		}
		/* Calls that fit the moving buffer are sorted as their buckets
		 * are put in order, each part with scratch of its own. */
		fused = !grouped && largest <= APPLY_BUF;
		for (unsigned k = 0; k < sp.parts; k++)
			if (sp.lo[k + 1] - sp.lo[k] > (size_t)APPLY_MAX_BUCKETS * APPLY_BUF)
				fused = 0;
		nscratch = 2 * largest;
		if (!grouped && nscratch < n)
			nscratch = n;
		if (fused)
			nlocal = split_need(&sp);
		bufrecs = grouped ? largest : n;
		if (largest >= RADIX_MIN_CALL)
			ncount = 1;
	}
	if (!whole_radix && !fused) {
		/* Room for every part's scratch, as far as the index's 4 bytes a
		 * record (or twice the largest call) go; fewer parts otherwise. */
		size_t want = split_need(&sp), cap = nscratch > n ? nscratch : n;
		if (want > nscratch)
			nscratch = want < cap ? want : cap;
		split_fit(&sp, nscratch);
	}
	if (ncount && !whole_radix)
		ncount = sp.parts;
	if (fused || sorted || whole_radix)
		sp.nbig = 0;
	if (nt > 1 && (whole_radix || sp.nbig))
		nradix = nt * radix_par_words(nt);
	if (nradix < ncount * RADIX_COUNT)
		nradix = ncount * RADIX_COUNT;
	if (bufrecs > APPLY_BUF)
		bufrecs = APPLY_BUF;
	/* The call tables are done with, but for the index. */
	if (sorted || whole_radix || grouped)
		for (unsigned k = 0; k < ns; k++)
			scan_part_free(&sj.p[k]);
	/* All the memory this needs, before anything moves. */
	size_t words = nradix + nscratch + nlocal + nt * bufrecs * (sizeof *buf / sizeof *mem);
	if (words) {
		mem = rr_malloc(words * sizeof *mem);
		if (!mem)
			goto fail;
		count = ncount ? mem : NULL;
		scratch = mem + nradix;
		local = scratch + nscratch;
		buf = bufrecs ? (struct record *)(void *)(local + nlocal) : NULL;
	}

	/* Level 3's parts (for the whole-array radix sort, once it is done). */
	memset(&cj, 0, sizeof cj);
	cj.a = a;
	cj.sorted = sorted || whole_radix;
	cj.bufrecs = bufrecs;
	if (whole_radix) {
		uint32_t *r;
		if (nt > 1) {
			r = radix_index_par(a, scratch, scratch + n, n, F_TIME, F_ROOM, nt, mem);
		} else {
			for (size_t i = 0; i < n; i++)
				scratch[i] = (uint32_t)i;
			r = radix_index(a, scratch, scratch + n, n, F_TIME, F_ROOM, count);
		}
		struct invert_job ij = { r, r == scratch ? scratch + n : scratch, n, nt };
		run_parts(nt, invert_part, &ij);
		apply_dest(a, ij.d, n, nt, NULL, buf, bufrecs, NULL);
		split_sorted(&sp, a, n, nt);
		count = NULL;
	}
	for (size_t k = 0, off = 0; k < sp.parts; k++) {
		struct call_part *p = &cj.p[k];
		p->lo = p->done = p->out = sp.lo[k];
		p->hi = sp.lo[k + 1];
		p->scratch = (fused ? local : scratch) + off;
		off += sp.need[k];
		p->count = count ? count + k * RADIX_COUNT : NULL;
		p->buf = buf ? buf + k * bufrecs : NULL;
	}
	if (!sorted && !whole_radix && !grouped) {
		sj.dest = scratch;
		run_parts(ns, index_run, &sj);
		for (unsigned k = 0; k < ns; k++)
			scan_part_free(&sj.p[k]);
		if (fused)
			apply_dest(a, scratch, n, sp.parts, sp.lo, buf, bufrecs, &cj);
		else
			apply_dest(a, scratch, n, nt, NULL, buf, bufrecs, NULL);
	}
	if (!fused) {
		sort_big_calls(a, &sp, nt, scratch, mem, buf, bufrecs);
		run_parts(sp.parts, call_part_run, &cj);
	}

	size_t out = close_gaps(a, &cj, sp.parts, nt, buf, bufrecs);
	uint64_t dups = 0, events = 0;
	for (unsigned k = 0; k < sp.parts; k++) {
		dups += cj.p[k].dups;
		events += cj.p[k].events;
	}
	ds->nrecs = out;
	ds->counts.duplicates += dups;
	ds->counts.events = events;
	ds->counts.abnormal = out - events;
	rr_free(mem);
	return RR_OK;

fail:
	for (unsigned k = 0; k < ns; k++)
		scan_part_free(&sj.p[k]);
	return RR_ENOMEM;
}

/* ---- rows without CommId ----------------------------------------------------------
 * DESIGN §3: a room's records without CommId (comm 0, so first among its
 * records) join the CommId call whose span holds them. Runs after the sort,
 * room by room: a room with records of both kinds, or with rooms-file calls,
 * gets its CommId-less records' comm set, its records sorted again by
 * (comm, user, time) (stably: merge sort) and each call's duplicates
 * removed by the record rule, which is how one meeting exported with and
 * without CommId becomes one call with each event once. */

struct join_span {
	int64_t lo, hi;
	uint32_t comm;
	uint32_t rlo, rhi;         /* its records, sorted by (user, time) */
};

static int span_less(const struct join_span *a, const struct join_span *b)
{
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->comm < b->comm ? -1 : a->comm > b->comm;
}

static int call_key_cmp(const struct record *a, const struct record *b)
{
	if (a->comm != b->comm)
		return a->comm < b->comm ? -1 : 1;
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	return 0;
}

DEFINE_MERGE_SORT(sort_spans, struct join_span, span_less)
DEFINE_MERGE_SORT(sort_by_call, struct record, call_key_cmp)

/* End of the records of a[lo]'s room (before n): galloping, so rooms cost
 * their logarithm, not their records. */
static size_t room_end(const struct record *a, size_t lo, size_t n)
{
	uint32_t room = a[lo].room;
	size_t step = 1, hi = lo + 1;

	while (hi < n && a[hi].room == room) {
		lo = hi;
		hi = n - hi > step ? hi + step : n;
		step *= 2;
	}
	/* a[lo] is of the room; a[hi] (or n) is not. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].room == room)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* First rooms-file row of (room, comm) or later in rows sorted by (room, comm, create). */
static size_t rooms_lower(const struct room_info *r, size_t n, uint32_t room, uint32_t comm)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].room < room || (r[mid].room == room && r[mid].comm < comm))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct joiner {
	struct join_span *sp;
	size_t nsp, capsp;
	int64_t *reach;            /* reach[i]: the latest hi of sp[0..i] */
	size_t capreach;
	struct join_span *tmp;
	size_t captmp;
	struct record *buf;
	size_t capbuf;
	uint32_t *scratch;
	size_t capscratch;
};

static void joiner_free(struct joiner *j)
{
	rr_free(j->sp);
	rr_free(j->reach);
	rr_free(j->tmp);
	rr_free(j->buf);
	rr_free(j->scratch);
}

/* The CommId calls of room (records a[z..re), sorted by comm) and of the
 * rooms file, with their spans, into j->sp sorted by start. */
static int join_spans(struct joiner *j, const struct record *a, size_t z, size_t re,
		      const struct room_info *rooms, size_t nrooms, uint32_t room)
{
	size_t ri = rooms_lower(rooms, nrooms, room, 1), i = z;

	j->nsp = 0;
	while (i < re || (ri < nrooms && rooms[ri].room == room)) {
		uint32_t comm = i < re ? a[i].comm : UINT32_MAX;
		struct join_span sp = { INT64_MAX, INT64_MIN, 0, 0, 0 };

		if (ri < nrooms && rooms[ri].room == room && rooms[ri].comm < comm)
			comm = rooms[ri].comm;
		sp.comm = comm;
		sp.rlo = (uint32_t)i;
		for (; i < re && a[i].comm == comm; i++) {
			if (a[i].time_ms < sp.lo)
				sp.lo = a[i].time_ms;
			if (a[i].time_ms > sp.hi)
				sp.hi = a[i].time_ms;
		}
		sp.rhi = (uint32_t)i;
		for (; ri < nrooms && rooms[ri].room == room && rooms[ri].comm == comm; ri++) {
			const struct room_info *r = &rooms[ri];
			if (r->create_ms != RR_NONE && r->create_ms < sp.lo)
				sp.lo = r->create_ms;
			if (r->destroy_ms != RR_NONE && r->destroy_ms > sp.hi)
				sp.hi = r->destroy_ms;
			if (r->finished == 0)
				sp.hi = INT64_MAX;    /* still open at export */
			if (sp.hi == INT64_MIN && r->create_ms != RR_NONE)
				sp.hi = r->create_ms;
		}
		if (sp.lo > sp.hi)
			continue;             /* a rooms row without times */
		if (rr_grow(&j->sp, &j->capsp, j->nsp + 1, sizeof *j->sp) != RR_OK)
			return RR_ENOMEM;
		j->sp[j->nsp++] = sp;
	}
	if (j->nsp > 1) {
		if (rr_grow(&j->tmp, &j->captmp, j->nsp, sizeof *j->tmp) != RR_OK)
			return RR_ENOMEM;
		sort_spans(j->sp, j->tmp, j->nsp);
	}
	if (rr_grow(&j->reach, &j->capreach, j->nsp ? j->nsp : 1, sizeof *j->reach) != RR_OK)
		return RR_ENOMEM;
	for (size_t k = 0; k < j->nsp; k++)
		j->reach[k] = k && j->reach[k - 1] > j->sp[k].hi ? j->reach[k - 1] : j->sp[k].hi;
	return RR_OK;
}

/* Spans holding one time that are looked at for the user's own rows; past
 * them (hostile input only) the earliest-starting one is taken. */
#define JOIN_CANDIDATES 16

/* How well call sp fits CommId-less record r, lower is better: 0 when the
 * call has the same event of the same user (r's duplicate), 1 a row of the
 * user in the same millisecond, 2 rows of the user before and after r (then
 * *gap: how long before), 3 rows of the user at all, 4 none. */
static int join_fit(const struct record *a, const struct join_span *sp, const struct record *r,
		    int64_t *gap)
{
	size_t lo = sp->rlo, hi = sp->rhi;
	uint32_t user = r->user;
	int64_t t = r->time_ms;

	/* The first record at or after (user, t). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].user < user || (a[mid].user == user && a[mid].time_ms < t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sp->rhi && a[lo].user == user && a[lo].time_ms == t) {
		for (size_t k = lo; k < sp->rhi && k < lo + JOIN_CANDIDATES && a[k].user == user &&
		     a[k].time_ms == t; k++)
			if (rec_same_event(&a[k], r))
				return 0;
		return 1;
	}
	if (lo < sp->rhi && a[lo].user == user && lo > sp->rlo && a[lo - 1].user == user) {
		*gap = t - a[lo - 1].time_ms;
		return 2;
	}
	if ((lo < sp->rhi && a[lo].user == user) || (lo > sp->rlo && a[lo - 1].user == user))
		return 3;
	return 4;
}

/* The CommId of the call CommId-less record r joins, or 0: of the spans
 * holding its time, the one that fits best (join_fit; of two the user was
 * in, the one where the user's last row before was later), the
 * earliest-starting among equals. */
static uint32_t join_find(const struct joiner *j, const struct record *a, const struct record *r)
{
	size_t lo = 0, hi = j->nsp, best;
	int64_t t = r->time_ms, best_gap = INT64_MAX;
	int fit = 5;

	/* The first span whose reach gets to t: it ends at or after t, and
	 * every one before ends before t. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->reach[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= j->nsp || j->sp[lo].lo > t)
		return 0;
	if (lo + 1 == j->nsp || j->sp[lo + 1].lo > t)
		return j->sp[lo].comm;     /* the only one */
	best = lo;
	for (size_t k = lo, seen = 0; k < j->nsp && j->sp[k].lo <= t && fit > 0 &&
	     seen < JOIN_CANDIDATES; k++) {
		int64_t gap = INT64_MAX;
		int f;

		if (j->sp[k].hi < t)
			continue;
		seen++;
		f = join_fit(a, &j->sp[k], r, &gap);
		if (f < fit || (f == fit && f == 2 && gap < best_gap)) {
			fit = f;
			best = k;
			best_gap = gap;
		}
	}
	return j->sp[best].comm;
}

/* Joins room a[rb..re) (CommId-less records first, until z). Returns the
 * new end of its records (duplicates gone) in *end; RR_OK or RR_ENOMEM
 * (nothing changed). */
static int join_room(struct joiner *j, struct record *a, size_t rb, size_t z, size_t re,
		     const struct room_info *rooms, size_t nrooms, size_t *end,
		     uint64_t *dups)
{
	size_t n = re - rb, joined = 0;
	int rc;

	*end = re;
	if ((rc = join_spans(j, a, z, re, rooms, nrooms, a[rb].room)) != RR_OK)
		return rc;
	if (j->nsp == 0)
		return RR_OK;
	for (size_t i = rb; i < z; i++)
		joined += join_find(j, a, &a[i]) != 0;
	if (!joined)
		return RR_OK;
	if (rr_grow(&j->buf, &j->capbuf, n, sizeof *j->buf) != RR_OK ||
	    rr_grow(&j->scratch, &j->capscratch, 2 * n, sizeof *j->scratch) != RR_OK)
		return RR_ENOMEM;
	for (size_t i = rb; i < z; i++)
		a[i].comm = join_find(j, a, &a[i]);
	sort_by_call(a + rb, j->buf, n);

	struct call_part p;
	size_t out = rb;
	memset(&p, 0, sizeof p);
	p.scratch = j->scratch;
	for (size_t i = rb, k; i < re; i = k) {
		for (k = i + 1; k < re && a[k].comm == a[i].comm; k++)
			;
		out = dedupe_call(a, i, k, out, &p);
	}
	*dups += p.dups;
	*end = out;
	return RR_OK;
}

/* Joins every room's CommId-less records. RR_OK, or RR_ENOMEM with the
 * rooms after the one that failed as they were (the array closed up, the
 * counts right). */
static int join_commless(struct dataset *ds)
{
	const struct room_info *rooms = ds->span_rooms ? ds->span_rooms : ds->rooms;
	size_t nrooms = ds->span_rooms ? ds->nspan_rooms : ds->nrooms;
	struct record *a = ds->recs;
	size_t n = ds->nrecs, out = 0, rb = 0;
	uint64_t dups = 0;
	struct joiner j;
	int rc = RR_OK;

	memset(&j, 0, sizeof j);
	while (rb < n) {
		size_t re = room_end(a, rb, n), end = re;

		if (a[rb].comm == 0 &&
		    (a[re - 1].comm != 0 ||
		     rooms_lower(rooms, nrooms, a[rb].room, 1) <
		     rooms_lower(rooms, nrooms, a[rb].room + 1, 0))) {
			size_t z = rb;
			while (z < re && a[z].comm == 0)
				z++;
			if ((rc = join_room(&j, a, rb, z, re, rooms, nrooms, &end, &dups)) != RR_OK)
				break;
		}
		if (out != rb)
			memmove(a + out, a + rb, (end - rb) * sizeof *a);
		out += end - rb;
		rb = re;
	}
	if (rb < n) {
		if (out != rb)
			memmove(a + out, a + rb, (n - rb) * sizeof *a);
		out += n - rb;
	}
	if (out != n) {
		/* Some rows went: the counts follow. */
		uint64_t events = 0;
		for (size_t i = 0; i < out; i++)
			events += a[i].kind == REC_EVENT;
		ds->nrecs = out;
		ds->counts.duplicates += dups;
		ds->counts.events = events;
		ds->counts.abnormal = out - events;
	}
	joiner_free(&j);
	return rc;
}

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
	apply_room_map(ds);
	if (finish_records(ds) != RR_OK)
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

/* ---- moving one dataset into another -------------------------------------------- */

/* Records per copying step in dataset_absorb: after each, the source pages
 * copied so far go back to the kernel. */
#define ABSORB_STEP 16384

/* A part at least this big has its pages moved into the array rather than
 * copied (at 10M rows the copy was a serial 0.12 s, page faults included).
 * The pages can only land on a page boundary that is also a record
 * boundary: every RECS_ALIGN records (whole pages for any record size that
 * is a multiple of 4 bytes). */
#define ABSORB_MOVE_MIN 65536
#define RECS_ALIGN (RECS_PAGE / 4)

_Static_assert(RECS_ALIGN * sizeof(struct record) % RECS_PAGE == 0,
	       "RECS_ALIGN records end on a page");

/* Records [lo, hi) of the array now form one mapping of their own (bytes
 * lo..hi, hi possibly the array's end): seams inside go, lo and hi come
 * in. Room for two more seams was made beforehand. */
static void seams_cut(struct dataset *ds, size_t lo, size_t hi)
{
	size_t out[2] = { lo, hi }, nout = hi < recs_map_bytes(ds->caprecs) ? 2 : 1;
	size_t i = 0, j;

	/* Seams before lo stay; those in [lo, hi] go; the rest follow the new ones. */
	while (i < ds->nseams && ds->seams[i] < lo)
		i++;
	for (j = i; j < ds->nseams && ds->seams[j] <= hi; j++)
		;
	memmove(ds->seams + i + nout, ds->seams + j, (ds->nseams - j) * sizeof *ds->seams);
	memcpy(ds->seams + i, out, nout * sizeof *out);
	ds->nseams = i + nout + (ds->nseams - j);
}

static void translate_records(struct record *r, size_t n, const uint32_t *map)
{
	for (size_t i = 0; i < n; i++) {
		__builtin_prefetch(&r[i + RECS_AHEAD], 1);
		r[i].room = map[r[i].room];
		r[i].comm = map[r[i].comm];
		r[i].user = map[r[i].user];
		r[i].peer = map[r[i].peer];
	}
}

struct translate_job {
	struct record *r;
	size_t n;
	const uint32_t *map;
	unsigned parts;
};

static void translate_part(void *arg, unsigned k)
{
	struct translate_job *j = arg;
	size_t lo = share(0, j->n, k, j->parts), hi = share(0, j->n, k + 1, j->parts);

	translate_records(j->r + lo, hi - lo, j->map);
}

static int metric_index(const struct dataset *ds, uint32_t name, uint16_t *index)
{
	for (size_t i = 0; i < ds->nmetrics; i++) {
		if (ds->metrics[i] == name) {
			*index = (uint16_t)i;
			return 1;
		}
	}
	return 0;
}

static void counts_add(struct input_counts *d, const struct input_counts *s)
{
	d->rows += s->rows;
	d->used += s->used;
	d->filtered += s->filtered;
	d->rejected += s->rejected;
	d->duplicates += s->duplicates;
	d->events += s->events;
	d->abnormal += s->abnormal;
	d->users += s->users;
	d->rooms += s->rooms;
	d->quality += s->quality;
}

/* Grows a companion array of dst for its rows plus src's. */
#define RESERVE_ROWS(arr, n, cap)                                                    	(src->n == 0 || rr_grow(&dst->arr, &dst->cap, dst->n + src->n, sizeof *dst->arr) == RR_OK)

/* Pads dst's records to record at with copies of its last one and moves
 * src's pages (src_bytes) there. 1 when moved; 0 when the kernel would not
 * (src and dst unchanged but for the padding, which lies past dst->nrecs
 * and is overwritten by the copy the caller then makes). dst's array must
 * reach past at + src_bytes, and its seam list have room for two more. */
static int absorb_move(struct dataset *dst, const struct dataset *src, size_t at,
		       size_t src_bytes)
{
#if RECS_NO_MREMAP
	(void)dst, (void)src, (void)at, (void)src_bytes;
	return 0;
#else
	char *to = (char *)(dst->recs + at);

	for (size_t i = dst->nrecs; i < at; i++)
		dst->recs[i] = dst->recs[dst->nrecs - 1];
	if (mremap(src->recs, src_bytes, src_bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED)
		return 0;
	seams_cut(dst, at * sizeof(struct record), at * sizeof(struct record) + src_bytes);
	return 1;
#endif
}

/*
 * Every step that can fail comes first — the metric limit, all the memory
 * dst will need, then the strings (whose merge checks its own limits and is
 * all or nothing) — so on any failure dst holds what it held before and src
 * is untouched. After that, rows move without allocating.
 */
int dataset_absorb(struct dataset *dst, struct dataset *src, uint64_t line_offset)
{
	uint32_t nstr = strtab_count(src->strs), *map;
	uint16_t metric_map[DATASET_MAX_METRICS];
	uint64_t seen[REJ__COUNT] = { 0 };
	size_t new_metrics = 0, new_kept = 0;
	int identity = 1;
	/* Only records that would pass the spill limit go through the hook. */
	int spilling = dst->spill && (dst->nrecs >= dst->spill_at ||
				       src->nrecs > dst->spill_at - dst->nrecs);
	int move = !RECS_NO_MREMAP && !spilling && dst->nrecs > 0 &&
		   src->nrecs >= ABSORB_MOVE_MIN && src->nseams == 0;
	size_t at = round_up(dst->nrecs, RECS_ALIGN);
	size_t src_bytes = src->recs ? recs_map_bytes(src->caprecs) : 0;

	map = rr_malloc((size_t)nstr * sizeof *map);
	if (!map)
		return RR_ENOMEM;

	for (size_t i = 0; i < src->nmetrics; i++) {
		uint32_t id;
		uint16_t index;
		if (!strtab_find(dst->strs, strtab_str(src->strs, src->metrics[i]),
				 strtab_len(src->strs, src->metrics[i]), &id) ||
		    !metric_index(dst, id, &index))
			new_metrics++;
	}
	if (dst->nmetrics + new_metrics > DATASET_MAX_METRICS) {
		rr_free(map);
		return RR_EDATA;
	}
	for (size_t i = 0; i < src->diag.nkept; i++) {
		enum diag_reason r = src->diag.kept[i].reason;
		if (dst->diag.count[r] + seen[r]++ < DIAG_KEEP)
			new_kept++;
	}

	if ((move && (recs_reserve(dst, at + (src_bytes + sizeof(struct record) - 1) /
					 sizeof(struct record)) != RR_OK ||
		      rr_grow(&dst->seams, &dst->capseams, dst->nseams + 2,
			      sizeof *dst->seams) != RR_OK ||
		      rr_grow(&dst->pads, &dst->cappads, dst->npads + 1,
			      sizeof *dst->pads) != RR_OK)) ||
	    (dst->nrecs > 0 && !spilling &&
	     recs_reserve(dst, dst->nrecs + src->nrecs) != RR_OK) ||
	    (spilling && recs_reserve(dst, dst->spill_at) != RR_OK) ||
	    !RESERVE_ROWS(users, nusers, capusers) ||
	    !RESERVE_ROWS(rooms, nrooms, caprooms) ||
	    !RESERVE_ROWS(quality, nquality, capquality) ||
	    (new_metrics && rr_grow(&dst->metrics, &dst->capmetrics, dst->nmetrics + new_metrics,
				    sizeof *dst->metrics) != RR_OK) ||
	    (new_kept && rr_grow(&dst->diag.kept, &dst->diag.capkept, dst->diag.nkept + new_kept,
				 sizeof *dst->diag.kept) != RR_OK) ||
	    (src->diag.nnotes && rr_grow(&dst->diag.notes, &dst->diag.capnotes,
					 dst->diag.nnotes + src->diag.nnotes,
					 sizeof *dst->diag.notes) != RR_OK)) {
		rr_free(map);
		return RR_ENOMEM;
	}
	int st = strtab_merge(dst->strs, src->strs, map);
	if (st != RR_OK) {
		rr_free(map);
		return st;
	}
	for (uint32_t i = 0; i < nstr && identity; i++)
		identity = map[i] == i;

	/* Metrics: the new ones appended in src's order, as a single run would
	 * have met them. */
	for (size_t i = 0; i < src->nmetrics; i++) {
		uint32_t name = map[src->metrics[i]];
		if (!metric_index(dst, name, &metric_map[i])) {
			metric_map[i] = (uint16_t)dst->nmetrics;
			dst->metrics[dst->nmetrics++] = name;
		}
	}

	/* Records. Past the spill limit they go through dst's array, spilled
	 * whenever it is full; else into an empty dst, src's mapping is taken
	 * over whole. */
	if (spilling) {
		size_t dropped = 0, i = 0;
		int rc = RR_OK;
		while (i < src->nrecs && rc == RR_OK) {
			size_t room = dst->spill_at > dst->nrecs ? dst->spill_at - dst->nrecs : 0, k;
			if (room == 0) {
				rc = spill_now(dst);
				continue;
			}
			k = src->nrecs - i < room ? src->nrecs - i : room;
			if (k > ABSORB_STEP)
				k = ABSORB_STEP;
			memcpy(dst->recs + dst->nrecs, src->recs + i, k * sizeof *dst->recs);
			if (!identity)
				translate_records(dst->recs + dst->nrecs, k, map);
			dst->nrecs += k;
			i += k;
			recs_drop_prefix(src, i, &dropped);
		}
		recs_release(src);
		if (rc != RR_OK) {
			/* The rest of src is dropped like the records handed over:
			 * the caller stops the run on this status. */
			rr_free(map);
			return rc;
		}
	} else if (move && absorb_move(dst, src, at, src_bytes)) {
		struct translate_job tj = { dst->recs + at, src->nrecs, map,
					    src->nrecs >= 2 * DATASET_PART_MIN ? rr_threads(2) : 1 };

		if (!identity)
			run_parts(tj.parts, translate_part, &tj);
		if (at > dst->nrecs)
			dst->pads[dst->npads++] = (struct dataset_pad){ dst->nrecs, at - dst->nrecs };
		dst->nrecs = at + src->nrecs;
		src->recs = NULL;
		src->nrecs = src->caprecs = 0;
	} else if (dst->nrecs == 0) {
		if (!identity)
			translate_records(src->recs, src->nrecs, map);
		recs_release(dst);
		dst->recs = src->recs;
		dst->nrecs = src->nrecs;
		dst->caprecs = src->caprecs;
		src->recs = NULL;
		src->nrecs = src->caprecs = 0;
	} else {
		size_t dropped = 0;
		for (size_t i = 0; i < src->nrecs; i += ABSORB_STEP) {
			size_t k = src->nrecs - i < ABSORB_STEP ? src->nrecs - i : ABSORB_STEP;
			struct record *d = dst->recs + dst->nrecs;
			memcpy(d, src->recs + i, k * sizeof *d);
			if (!identity)
				translate_records(d, k, map);
			dst->nrecs += k;
			recs_drop_prefix(src, i + k, &dropped);
		}
		recs_release(src);
	}

	/* Companion rows. */
	for (size_t i = 0; i < src->nusers; i++) {
		struct user_info u = src->users[i];
		u.room = map[u.room];
		u.comm = map[u.comm];
		u.user = map[u.user];
		u.device = map[u.device];
		u.sdk = map[u.sdk];
		u.ip = map[u.ip];
		dst->users[dst->nusers++] = u;
	}
	for (size_t i = 0; i < src->nrooms; i++) {
		struct room_info r = src->rooms[i];
		r.room = map[r.room];
		r.comm = map[r.comm];
		dst->rooms[dst->nrooms++] = r;
	}
	for (size_t i = 0; i < src->nquality; i++) {
		struct quality_sample q = src->quality[i];
		q.room = map[q.room];
		q.comm = map[q.comm];
		q.user = map[q.user];
		q.peer = map[q.peer];
		q.metric = metric_map[q.metric];
		dst->quality[dst->nquality++] = q;
	}
	rr_free(src->users);
	rr_free(src->rooms);
	rr_free(src->quality);
	rr_free(src->metrics);
	src->users = NULL;
	src->rooms = NULL;
	src->quality = NULL;
	src->metrics = NULL;
	src->nusers = src->capusers = src->nrooms = src->caprooms = 0;
	src->nquality = src->capquality = src->nmetrics = src->capmetrics = 0;

	/* Diagnostics: src's kept rows are the first of each reason in src, so
	 * the j-th of a reason is kept when dst had fewer than DIAG_KEEP - j. */
	memset(seen, 0, sizeof seen);
	for (size_t i = 0; i < src->diag.nkept; i++) {
		struct diag_item *it = &src->diag.kept[i];
		if (dst->diag.count[it->reason] + seen[it->reason]++ >= DIAG_KEEP)
			continue;
		dst->diag.kept[dst->diag.nkept] = *it;
		dst->diag.kept[dst->diag.nkept++].line += line_offset;
		it->file = it->detail = NULL;
	}
	for (size_t i = 0; i < src->diag.nnotes; i++) {
		dst->diag.notes[dst->diag.nnotes++] = src->diag.notes[i];
		src->diag.notes[i] = NULL;
	}
	for (int r = 0; r < REJ__COUNT; r++)
		dst->diag.count[r] += src->diag.count[r];
	diag_free(&src->diag);
	counts_add(&dst->counts, &src->counts);
	memset(&src->counts, 0, sizeof src->counts);
	rr_free(map);
	return RR_OK;
}
