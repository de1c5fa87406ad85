/*
 * dataset — record and companion-row storage, the stable sorts that group
 * them by call and user, exact-duplicate removal, the metric-name table, and
 * moving one dataset's rows into another.
 * Does not: know what IDs or metric names mean.
 */
#define _GNU_SOURCE 1   /* mremap, MAP_ANONYMOUS, MADV_DONTNEED */

#include "dataset.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	if (ds->recs)
		p = mremap(ds->recs, old, bytes, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
	recs_release(ds);
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
	if (ds->nrecs == ds->caprecs && recs_reserve(ds, ds->nrecs + 1) != RR_OK)
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

DEFINE_RUN_END(rec_run, struct record, rec_key)
DEFINE_RUN_END(user_run, struct user_info, user_key)
DEFINE_RUN_END(room_run, struct room_info, room_key)
DEFINE_RUN_END(quality_run, struct quality_sample, quality_key)

/* ---- the record sort ----------------------------------------------------------
 * Records are the big array (ten million rows is an ordinary week), and
 * exports usually arrive grouped already: by call, then by user, each user's
 * events in time order, the calls themselves in some other order. So the sort
 * works in two levels, each of which notices order that is already there:
 *
 *  1. One pass finds the distinct (room, comm) pairs — the calls — in a small
 *     hash table, counting each and noting whether the input is sorted or at
 *     least grouped with the calls in order.
 *  2. Unless they are, a counting sort by call gives each record its place
 *     (stable: input order within a call) in a 4-byte index written in one
 *     sequential pass, and the records are moved there in place (apply_dest).
 *  3. Each call's records, now contiguous, are sorted by (user, time) through
 *     a small index of their own — skipped when already in order, a merge of
 *     the natural runs when there are few (a call's users one after the
 *     other), an LSD radix sort when a big call has many — and its exact
 *     repeats are removed while it is still in cache.
 *
 * Every level is stable, so input order survives among equal keys. Scratch is
 * the index (4 bytes per record; only when the calls must be reordered), or
 * twice the largest call when that is more, plus the call table. When calls
 * are tiny (more than one per RADIX_CALL_RATIO records) the table would cost
 * more than the index, so the whole array takes one LSD radix sort over the
 * full key instead (8 bytes per record). */

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
/* ceil(64 / 11) digits of time plus ceil(32 / 11) each for three ids. */
#define RADIX_MAX_DIGITS (6 + 3 * 3)
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
 * RADIX_MAX_DIGITS * RADIX_SIZE entries. Returns the array holding the
 * result. Each field is taken relative to its minimum, and only as many
 * digits as its range needs are sorted (a week of times is 30 bits, three
 * digits, not six); a digit every record shares costs no pass.
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

/* Up to this many records, the cycles stay in cache and cycle_dest alone is
 * fast. */
#define APPLY_LOCAL 65536
#define APPLY_BUCKETS 1024

/*
 * Moves each a[i] to a[dest[i]] (dest a permutation of 0..n-1), in place;
 * dest is consumed. Following the cycles of a big permutation directly is a
 * chain of dependent cache misses (a quarter of a microsecond per record at
 * ten million records). So first every record is moved into its bucket of
 * about n / APPLY_BUCKETS destinations, American-flag style: each bucket is
 * filled from its front, so the places written next are few and sequential
 * and can be prefetched; then each bucket, now small enough for the cache,
 * follows its own cycles.
 */
static void apply_dest(struct record *a, uint32_t *dest, size_t n)
{
	size_t next[APPLY_BUCKETS], end[APPLY_BUCKETS];
	unsigned shift = 0;
	size_t nb;

	if (n <= APPLY_LOCAL) {
		cycle_dest(a, dest, n, 0);
		return;
	}
	while (((n - 1) >> shift) >= APPLY_BUCKETS)
		shift++;
	nb = ((n - 1) >> shift) + 1;
	for (size_t b = 0; b < nb; b++) {
		next[b] = b << shift;
		end[b] = (b + 1) << shift < n ? (b + 1) << shift : n;
	}
	for (size_t b = 0; b < nb; b++) {
		while (next[b] < end[b]) {
			size_t i = next[b];
			size_t bb = dest[i] >> shift;
			if (bb == b) {
				next[b]++;
				continue;
			}
			struct record hold = a[i];
			uint32_t hd = dest[i];
			do {
				size_t j = next[bb]++;
#if defined(__GNUC__)
				__builtin_prefetch(&a[j + 1], 1);
				__builtin_prefetch((const char *)&a[j + 1] + sizeof *a, 1);
				__builtin_prefetch(&dest[j + 16], 1);
#endif
				struct record t = a[j];
				uint32_t td = dest[j];
				a[j] = hold;
				dest[j] = hd;
				hold = t;
				hd = td;
				bb = hd >> shift;
			} while (bb != b);
			a[i] = hold;
			dest[i] = hd;
			next[b]++;
		}
	}
	for (size_t b = 0; b < nb; b++) {
		size_t lo = b << shift;
		cycle_dest(a + lo, dest + lo, end[b] - lo, lo);
	}
}

/* Turns the sorted positions r[0..n) (record r[k] goes to k) into
 * destinations in d and moves the records. */
static void apply_sorted(struct record *a, const uint32_t *r, uint32_t *d, size_t n)
{
	for (size_t k = 0; k < n; k++)
		d[r[k]] = (uint32_t)k;
	apply_dest(a, d, n);
}

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

/*
 * Sorts one call's records a[0..n) by (user, time), stably. scratch holds
 * 2 * n entries and count is the radix histogram space.
 */
static void sort_call(struct record *a, size_t n, uint32_t *scratch, uint32_t *count)
{
	size_t descents = 0;
	int time_sorted = 1;

	for (size_t i = 1; i < n; i++) {
		if (ut_less(&a[i], &a[i - 1]))
			descents++;
		if (a[i].time_ms < a[i - 1].time_ms)
			time_sorted = 0;
	}
	if (descents == 0)
		return;
	if (n <= SHORT_RUN) {
		/* Insertion sort: stable, and cheaper than an index here. */
		for (size_t i = 1; i < n; i++) {
			struct record r = a[i];
			size_t j = i;
			while (j > 0 && ut_less(&r, &a[j - 1])) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = r;
		}
		return;
	}
	uint32_t *s = scratch, *t = scratch + n, *r;
	for (size_t i = 0; i < n; i++)
		s[i] = (uint32_t)i;
	if (n >= RADIX_MIN_CALL && descents >= RADIX_MIN_RUNS)
		/* Time order already there (a time-sorted export of one room
		 * without CommIds): a stable sort by user finishes the job. */
		r = radix_index(a, s, t, n, time_sorted ? F_USER : F_TIME, F_USER, count);
	else
		r = merge_index(a, s, t, n);
	apply_sorted(a, r, r == s ? t : s, n);
}

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

/* Rebuilds the slots for the calls in their current order. */
static int call_rehash(struct call_table *t, size_t nslots)
{
	uint32_t *slots = rr_calloc(nslots, sizeof *slots);

	if (!slots)
		return RR_ENOMEM;
	rr_free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	for (size_t k = 0; k < t->n; k++)
		t->slots[call_slot(t, t->c[k].room, t->c[k].comm)] = (uint32_t)k + 1;
	return RR_OK;
}

static void call_table_free(struct call_table *t)
{
	rr_free(t->c);
	rr_free(t->slots);
	memset(t, 0, sizeof *t);
}

static int call_cmp(const void *x, const void *y)
{
	const struct call *a = x, *b = y;

	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	return a->comm < b->comm ? -1 : a->comm > b->comm;
}

/* What one pass over the records found. */
struct rec_scan {
	int sorted;             /* already in (room, comm, user, time) order */
	int grouped;            /* each call's records contiguous, calls in order */
	size_t longest_tie;     /* longest run of equal keys (when sorted) */
	size_t largest_call;
};

enum { SCAN_OK = RR_OK, SCAN_NOMEM = RR_ENOMEM, SCAN_TOO_MANY = -1 };

/* Fills t with the calls of a[0..n) and sc with what the order looks like.
 * SCAN_TOO_MANY when there are more than max_calls calls; sc->sorted and
 * sc->longest_tie are still right then. */
static int scan_records(const struct record *a, size_t n, struct call_table *t,
			struct rec_scan *sc, size_t max_calls)
{
	size_t tie = 1;
	int full = 0;

	memset(sc, 0, sizeof *sc);
	sc->sorted = sc->grouped = 1;
	sc->longest_tie = 1;
	if (call_rehash(t, 1024) != RR_OK)
		return SCAN_NOMEM;
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;

		for (hi = lo + 1; hi < n && a[hi].room == room && a[hi].comm == comm; hi++) {
			if (!sc->sorted)
				continue;
			const struct record *p = &a[hi - 1], *r = &a[hi];
			if (ut_less(r, p)) {
				sc->sorted = 0;
			} else if (r->user == p->user && r->time_ms == p->time_ms) {
				if (++tie > sc->longest_tie)
					sc->longest_tie = tie;
			} else {
				tie = 1;
			}
		}
		tie = 1;
		if (lo > 0 && (a[lo - 1].room > room ||
			       (a[lo - 1].room == room && a[lo - 1].comm > comm)))
			sc->sorted = sc->grouped = 0;
		if (full) {
			if (!sc->sorted)
				break;          /* nothing more to learn */
			continue;
		}

		size_t i = call_slot(t, room, comm);
		if (t->slots[i]) {
			/* Seen before, with another call in between. */
			sc->sorted = sc->grouped = 0;
			t->c[t->slots[i] - 1].count += (uint32_t)(hi - lo);
			continue;
		}
		if (t->n >= max_calls) {
			full = 1;
			continue;
		}
		if (rr_grow(&t->c, &t->cap, t->n + 1, sizeof *t->c) != RR_OK)
			return SCAN_NOMEM;
		t->c[t->n] = (struct call){ room, comm, (uint32_t)(hi - lo), 0 };
		t->slots[i] = (uint32_t)++t->n;
		if (t->n * 2 > t->nslots && call_rehash(t, t->nslots * 2) != RR_OK)
			return SCAN_NOMEM;
	}
	if (full)
		return SCAN_TOO_MANY;
	for (size_t k = 0; k < t->n; k++)
		if (t->c[k].count > sc->largest_call)
			sc->largest_call = t->c[k].count;
	return SCAN_OK;
}

/* Writes into dest where each record of a[0..n) goes in call order, input
 * order within a call: a counting sort with the calls as buckets. */
static int index_by_call(const struct record *a, size_t n, struct call_table *t, uint32_t *dest)
{
	uint32_t pos = 0;

	qsort(t->c, t->n, sizeof *t->c, call_cmp);
	if (call_rehash(t, t->nslots) != RR_OK)
		return RR_ENOMEM;
	for (size_t k = 0; k < t->n; k++) {
		t->c[k].next = pos;
		pos += t->c[k].count;
	}
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;
		struct call *c = &t->c[t->slots[call_slot(t, room, comm)] - 1];

		for (hi = lo; hi < n && a[hi].room == room && a[hi].comm == comm; hi++)
			dest[hi] = c->next++;
	}
	return RR_OK;
}

/*
 * Sorts ds->recs and removes exact repeats (counted in counts.duplicates,
 * nrecs lowered); also counts events and abnormal records. RR_ENOMEM only
 * before any record has moved.
 */
static int finish_records(struct dataset *ds)
{
	struct record *a = ds->recs;
	size_t n = ds->nrecs;
	struct call_table calls = { 0 };
	struct rec_scan sc;
	size_t nscratch, out = 0;
	uint32_t *mem = NULL, *count, *scratch;
	int whole_radix = 0, st;

	/* Positions are 32-bit: 4 G records would be 160 GB in memory. */
	if (n > UINT32_MAX)
		return RR_ENOMEM;
	if (n < 2) {
		memset(&sc, 0, sizeof sc);
		sc.sorted = sc.grouped = 1;
		st = SCAN_OK;
	} else {
		st = scan_records(a, n, &calls, &sc, n / RADIX_CALL_RATIO + 64);
	}
	if (st == SCAN_NOMEM) {
		call_table_free(&calls);
		return RR_ENOMEM;
	}
	if (sc.sorted) {
		call_table_free(&calls);
		nscratch = sc.longest_tie > SHORT_RUN ? 2 * sc.longest_tie : 0;
	} else if (st == SCAN_TOO_MANY) {
		call_table_free(&calls);
		whole_radix = 1;
		nscratch = 2 * n;
	} else {
		nscratch = 2 * sc.largest_call;
		if (!sc.grouped && nscratch < n)
			nscratch = n;
	}
	/* All the memory this needs, before anything moves. */
	if (nscratch) {
		mem = rr_malloc(((size_t)RADIX_MAX_DIGITS * RADIX_SIZE + nscratch) * sizeof *mem);
		if (!mem) {
			call_table_free(&calls);
			return RR_ENOMEM;
		}
	}
	count = mem;
	scratch = mem ? mem + (size_t)RADIX_MAX_DIGITS * RADIX_SIZE : NULL;

	if (whole_radix) {
		for (size_t i = 0; i < n; i++)
			scratch[i] = (uint32_t)i;
		uint32_t *r = radix_index(a, scratch, scratch + n, n, F_TIME, F_ROOM, count);
		apply_sorted(a, r, r == scratch ? scratch + n : scratch, n);
		sc.sorted = 1;
	} else if (!sc.grouped) {
		if (index_by_call(a, n, &calls, scratch) != RR_OK) {
			call_table_free(&calls);
			rr_free(mem);
			return RR_ENOMEM;
		}
		apply_dest(a, scratch, n);
	}
	call_table_free(&calls);

	/* Calls are contiguous now: sort each, then drop its repeats while it
	 * is in cache. */
	ds->counts.events = ds->counts.abnormal = 0;
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;
		size_t first = out;

		for (hi = lo + 1; hi < n && a[hi].room == room && a[hi].comm == comm; hi++)
			;
		if (!sc.sorted)
			sort_call(a + lo, hi - lo, scratch, count);
		out = dedupe_range((unsigned char *)(void *)a, lo, hi, out, sizeof *a, rec_run,
				   rec_rest, &ds->counts.duplicates, scratch);
		for (size_t i = first; i < out; i++) {
			if (a[i].kind == REC_EVENT)
				ds->counts.events++;
			else
				ds->counts.abnormal++;
		}
	}
	ds->nrecs = out;
	rr_free(mem);
	return RR_OK;
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

	if (finish_records(ds) != RR_OK)
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

/* ---- moving one dataset into another -------------------------------------------- */

/* Records per copying step in dataset_absorb: after each, the source pages
 * copied so far go back to the kernel. */
#define ABSORB_STEP 16384

static void translate_records(struct record *r, size_t n, const uint32_t *map)
{
	for (size_t i = 0; i < n; i++) {
		r[i].room = map[r[i].room];
		r[i].comm = map[r[i].comm];
		r[i].user = map[r[i].user];
		r[i].peer = map[r[i].peer];
	}
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

	if ((dst->nrecs > 0 && recs_reserve(dst, dst->nrecs + src->nrecs) != RR_OK) ||
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

	/* Records. Into an empty dst, src's mapping is taken over whole. */
	if (dst->nrecs == 0) {
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
