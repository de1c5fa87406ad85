/*
 * dataset — record and companion-row storage, the stable sorts that group
 * them by call and user, exact-duplicate removal, and the metric-name table.
 * Does not: know what IDs or metric names mean.
 */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int dataset_init(struct dataset *ds)
{
	memset(ds, 0, sizeof *ds);
	diag_init(&ds->diag);
	ds->strs = strtab_new();
	return ds->strs ? RR_OK : RR_ENOMEM;
}

void dataset_free(struct dataset *ds)
{
	strtab_free(ds->strs);
	rr_free(ds->recs);
	rr_free(ds->users);
	rr_free(ds->rooms);
	rr_free(ds->quality);
	rr_free(ds->metrics);
	for (size_t i = 0; i < ds->nfiles; i++)
		rr_free(ds->files[i]);
	rr_free(ds->files);
	diag_free(&ds->diag);
	memset(ds, 0, sizeof *ds);
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

int dataset_append(struct dataset *ds, const struct record *r)
{
	if (ds->nrecs == ds->caprecs &&
	    rr_grow(&ds->recs, &ds->caprecs, ds->nrecs + 1, sizeof *ds->recs) != RR_OK)
		return RR_ENOMEM;
	ds->recs[ds->nrecs++] = *r;
	return RR_OK;
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

static int rec_key(const struct record *a, const struct record *b)
{
	CMP(room); CMP(comm); CMP(user); CMP(time_ms);
	return 0;
}

static int rec_rest(const void *x, const void *y)
{
	const struct record *a = x, *b = y;
	CMP(peer); CMP(id); CMP(p1); CMP(p2); CMP(kind); CMP(stream);
	return 0;
}

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
 * Bottom-up merge sort, one per row type so the comparison inlines (a
 * million quality samples sort in well under a second): stable, so input
 * order survives among equal keys.
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

DEFINE_MERGE_SORT(sort_records, struct record, rec_key)
DEFINE_MERGE_SORT(sort_users, struct user_info, user_key)
DEFINE_MERGE_SORT(sort_rooms, struct room_info, room_key)
DEFINE_MERGE_SORT(sort_quality, struct quality_sample, quality_key)

static const unsigned char *sort_base;
static size_t sort_size;
static int (*sort_rest)(const void *, const void *);

static int index_cmp(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	int c = sort_rest(sort_base + i * sort_size, sort_base + j * sort_size);

	return c ? c : (i < j ? -1 : i > j);
}

/*
 * Marks repeats in the run a[0..n) of size-byte rows that share one sort key
 * by setting keep[i] = 0 (the first of equal rows stays). Short runs compare
 * pairwise; long ones (many events in one millisecond) sort an index so
 * hostile input cannot make this quadratic.
 */
static int mark_run(const unsigned char *a, size_t n, size_t size,
		    int (*rest)(const void *, const void *), unsigned char *keep)
{
	if (n <= 16) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (keep[j] && rest(a + i * size, a + j * size) == 0) {
					keep[i] = 0;
					break;
				}
		return RR_OK;
	}
	uint32_t *idx = rr_malloc(n * sizeof *idx);
	if (!idx)
		return RR_ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	sort_base = a;
	sort_size = size;
	sort_rest = rest;
	qsort(idx, n, sizeof *idx, index_cmp);
	for (size_t i = 1; i < n; i++)
		if (rest(a + idx[i] * size, a + idx[i - 1] * size) == 0)
			keep[idx[i]] = 0;
	rr_free(idx);
	return RR_OK;
}

/*
 * Removes exact repeats from the sorted rows base[0..*n), keeping order,
 * given where each run of equal sort keys ends (run_end). Adds the number
 * removed to *dups and sets *n to the rows kept.
 */
static int drop_repeats(unsigned char *base, size_t *n, size_t size,
			size_t (*run_end)(const unsigned char *, size_t, size_t),
			int (*rest)(const void *, const void *), uint64_t *dups)
{
	unsigned char keep[4096];
	size_t out = 0;

	for (size_t lo = 0; lo < *n;) {
		size_t hi = run_end(base, lo, *n);
		size_t len = hi - lo;
		if (len == 1) {
			if (out != lo)
				memcpy(base + out * size, base + lo * size, size);
			out++;
		} else {
			unsigned char *k = len <= sizeof keep ? keep : rr_malloc(len);
			if (!k)
				return RR_ENOMEM;
			memset(k, 1, len);
			if (mark_run(base + lo * size, len, size, rest, k) != RR_OK) {
				if (k != keep)
					rr_free(k);
				return RR_ENOMEM;
			}
			for (size_t i = 0; i < len; i++) {
				if (!k[i]) {
					(*dups)++;
					continue;
				}
				if (out != lo + i)
					memcpy(base + out * size, base + (lo + i) * size, size);
				out++;
			}
			if (k != keep)
				rr_free(k);
		}
		lo = hi;
	}
	*n = out;
	return RR_OK;
}

/* End of the run of equal sort keys starting at lo, typed so the key
 * comparison inlines. */
#define DEFINE_RUN_END(name, T, cmp)                                          \
	static size_t name(const unsigned char *base, size_t lo, size_t n)     \
	{                                                                      \
		const T *a = (const T *)(const void *)base;                    \
		size_t hi = lo + 1;                                            \
		while (hi < n && cmp(&a[lo], &a[hi]) == 0)                     \
			hi++;                                                  \
		return hi;                                                     \
	}

DEFINE_RUN_END(rec_run, struct record, rec_key)
DEFINE_RUN_END(user_run, struct user_info, user_key)
DEFINE_RUN_END(room_run, struct room_info, room_key)
DEFINE_RUN_END(quality_run, struct quality_sample, quality_key)

/* Sorts and de-duplicates one array; tmp is scratch for at least n rows. */
#define SORT_AND_DEDUPE(arr, n, sorter, run, rest)                                      \
	do {                                                                            \
		if ((n) > 1)                                                            \
			sorter((arr), (void *)tmp, (n));                                \
		if (drop_repeats((unsigned char *)(void *)(arr), &(n), sizeof *(arr),   \
				 run, rest, &ds->counts.duplicates) != RR_OK) {          \
			rr_free(tmp);                                                   \
			return RR_ENOMEM;                                               \
		}                                                                       \
	} while (0)

int dataset_finish(struct dataset *ds)
{
	/* One scratch buffer, sized for the largest array, serves all four sorts. */
	size_t bytes = ds->nrecs * sizeof *ds->recs;
	void *tmp = NULL;

	if (ds->nusers * sizeof *ds->users > bytes)
		bytes = ds->nusers * sizeof *ds->users;
	if (ds->nrooms * sizeof *ds->rooms > bytes)
		bytes = ds->nrooms * sizeof *ds->rooms;
	if (ds->nquality * sizeof *ds->quality > bytes)
		bytes = ds->nquality * sizeof *ds->quality;
	if (bytes && !(tmp = rr_malloc(bytes)))
		return RR_ENOMEM;

	SORT_AND_DEDUPE(ds->recs, ds->nrecs, sort_records, rec_run, rec_rest);
	SORT_AND_DEDUPE(ds->users, ds->nusers, sort_users, user_run, user_rest);
	SORT_AND_DEDUPE(ds->rooms, ds->nrooms, sort_rooms, room_run, room_rest);
	SORT_AND_DEDUPE(ds->quality, ds->nquality, sort_quality, quality_run, quality_rest);
	rr_free(tmp);

	ds->counts.events = ds->counts.abnormal = 0;
	for (size_t i = 0; i < ds->nrecs; i++) {
		if (ds->recs[i].kind == REC_EVENT)
			ds->counts.events++;
		else
			ds->counts.abnormal++;
	}
	ds->counts.users = ds->nusers;
	ds->counts.rooms = ds->nrooms;
	ds->counts.quality = ds->nquality;
	/* Every kept row of every file, so rows = used + filtered + rejected +
	 * duplicates holds over companion files too. */
	ds->counts.used = ds->nrecs + ds->nusers + ds->nrooms + ds->nquality;
	ds->finished = 1;
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
