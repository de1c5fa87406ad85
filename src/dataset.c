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

/* ---- the record sort ----------------------------------------------------------
 * Records are the big array (ten million rows is an ordinary week), so they
 * get an LSD radix sort over a 4-byte index instead of the merge sort: that
 * needs 8 bytes per record of scratch (two index arrays) where the merge sort
 * needed a second 40-byte copy, and it runs in a fixed number of linear
 * passes. LSD radix is stable by construction — each pass keeps the order of
 * the previous one among equal digits, and the first pass starts from input
 * order — so input order survives among equal keys, as the contract says.
 * The sorted index is then applied to the records in place by following the
 * permutation's cycles, which needs no further memory.
 *
 * The key is (room, comm, user, time). Each field is taken relative to its
 * minimum, and only as many digits as its range needs are sorted, so a week
 * of data (a 30-bit time range, a few thousand rooms) takes about nine
 * passes rather than the fifteen a full 136-bit key would; a digit that
 * every record shares is skipped too. */

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
/* ceil(64 / 11) digits of time plus ceil(32 / 11) each for three ids. */
#define RADIX_MAX_DIGITS (6 + 3 * 3)

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

static int recs_sorted(const struct record *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (rec_key(&a[i - 1], &a[i]) > 0)
			return 0;
	return 1;
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

static int sort_records(struct record *a, size_t n)
{
	struct radix_digit dig[RADIX_MAX_DIGITS];
	uint64_t min[4], max[4];
	unsigned ndig = 0;
	uint32_t *count = NULL, *idx = NULL, *tmp = NULL;

	if (n < 2 || recs_sorted(a, n))
		return RR_OK;       /* also the common case of one pre-sorted export */
	/* The index is 32-bit: 4 G records would be 160 GB in memory. */
	if (n > UINT32_MAX)
		return RR_ENOMEM;

	/* Each field's range, least significant field first. */
	min[F_TIME] = max[F_TIME] = (uint64_t)a[0].time_ms ^ (UINT64_C(1) << 63);
	min[F_USER] = max[F_USER] = a[0].user;
	min[F_COMM] = max[F_COMM] = a[0].comm;
	min[F_ROOM] = max[F_ROOM] = a[0].room;
	for (size_t i = 1; i < n; i++) {
		/* Flipping the sign bit makes signed order unsigned order. */
		uint64_t v[4] = { (uint64_t)a[i].time_ms ^ (UINT64_C(1) << 63),
				  a[i].user, a[i].comm, a[i].room };
		for (int f = 0; f < 4; f++) {
			if (v[f] < min[f])
				min[f] = v[f];
			if (v[f] > max[f])
				max[f] = v[f];
		}
	}
	for (int f = 0; f < 4; f++) {
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

	/* All digits' histograms in one sequential pass over the records. */
	count = rr_calloc((size_t)ndig * RADIX_SIZE, sizeof *count);
	idx = rr_malloc(n * sizeof *idx);
	tmp = rr_malloc(n * sizeof *tmp);
	if (!count || !idx || !tmp) {
		rr_free(count);
		rr_free(idx);
		rr_free(tmp);
		return RR_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		idx[i] = (uint32_t)i;
		for (unsigned d = 0; d < ndig; d++)
			count[d * RADIX_SIZE + rec_digit(&a[i], &dig[d], min)]++;
	}

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
			continue;   /* every record has this digit: order unchanged */
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
	rr_free(tmp);
	rr_free(count);

	/* Position k receives record idx[k]. Walk each cycle once, holding one
	 * record aside; idx[k] = k marks a place as final. */
	for (size_t k = 0; k < n; k++) {
		if (idx[k] == k)
			continue;
		struct record hold = a[k];
		size_t cur = k;
		for (;;) {
			size_t src = idx[cur];
			idx[cur] = (uint32_t)cur;
			if (src == k) {
				a[cur] = hold;
				break;
			}
			a[cur] = a[src];
			cur = src;
		}
	}
	rr_free(idx);
	return RR_OK;
}

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

/* Sorts and de-duplicates one companion array; tmp is scratch for at least
 * n rows. */
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
	/* Records first, with their own low-memory sort; then one scratch
	 * buffer, sized for the largest companion array, serves the other three
	 * (allocated after the records' scratch is gone, so peaks do not add). */
	size_t bytes = 0;
	void *tmp = NULL;

	if (sort_records(ds->recs, ds->nrecs) != RR_OK ||
	    drop_repeats((unsigned char *)(void *)ds->recs, &ds->nrecs, sizeof *ds->recs,
			 rec_run, rec_rest, &ds->counts.duplicates) != RR_OK)
		return RR_ENOMEM;

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
