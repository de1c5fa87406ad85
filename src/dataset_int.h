/*
 * dataset_int — what the dataset files share and nothing outside them may
 * use: the record array's storage steps, the helpers every pass inlines
 * (key order, the duplicate rule), and the record sort's levels, which live
 * in several files (dataset_sort*.c). Include it only from src/dataset*.c;
 * dataset.h is the contract for everyone else.
 * Does not: describe anything a caller of dataset.h may rely on.
 *
 * The family:
 *   dataset.c           the record array (its own mapping), companion rows,
 *                       files and metric names: init, append, spill, free
 *   dataset_apps.c      room keys and the app of rows without SdkAppId
 *   dataset_finish.c    dataset_finish's steps in order; companion rows'
 *                       sort and exact repeats; time order, lower bound
 *   dataset_sort.c      the record sort: level 1 (the calls), its plan,
 *                       the big calls, closing the gaps
 *   dataset_sort_radix.c  LSD radix sort of record positions (1..n threads)
 *   dataset_sort_move.c   level 2: moving records to their places in place
 *   dataset_sort_call.c   level 3: one call's records by (user, time)
 *   dataset_dedup.c     the duplicate rule for records (DESIGN §1)
 *   dataset_join.c      records without CommId join their call (DESIGN §3)
 *   dataset_absorb.c    moving one dataset's rows into another
 */
#ifndef RR_DATASET_INT_H
#define RR_DATASET_INT_H

#include <string.h>

#include "dataset.h"

/* ---- record storage (dataset.c) ---- */

#define RECS_PAGE ((size_t)4096)
/* How far ahead the passes that stream through the records prefetch: a
 * page, as the hardware's own prefetch stops at page ends. */
#define RECS_AHEAD (RECS_PAGE / sizeof(struct record))

/* ThreadSanitizer does not follow mremap: memory moved by it keeps the
 * shadow state of its old address, and a later mapping there shows races
 * that are not. Its builds grow by copying and never move pages. */
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

static inline size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/* The length of the record mapping of cap records. */
static inline size_t recs_map_bytes(size_t cap)
{
	return round_up(cap * sizeof(struct record), RECS_PAGE);
}

/* Makes room for at least need records. RR_OK, or RR_ENOMEM with the array
 * unchanged. */
int recs_reserve(struct dataset *ds, size_t need);
/* Unmaps the record array: recs NULL, no records, seams or pads. */
void recs_release(struct dataset *ds);
/* Returns the whole pages inside recs[0..upto) at or past byte *done to the
 * kernel (the records there are no longer needed) and advances *done. */
void recs_drop_prefix(struct dataset *ds, size_t upto, size_t *done);
/* Hands the records held, pads left out, to ds->spill and empties the
 * array (its memory kept). Returns what the hook returns. */
int recs_spill(struct dataset *ds);

/* ---- rooms and apps (dataset_apps.c) ---- */

/* Gives every row of ds the room key its room stands for (ds->room_map). */
void room_map_apply(struct dataset *ds);

/* ---- shared by the passes ---- */

/* (user, time) order, the key within one call. */
static inline int ut_less(const struct record *x, const struct record *y)
{
	return x->user != y->user ? x->user < y->user : x->time_ms < y->time_ms;
}

/* Runs of equal keys up to this long are compared pairwise; longer ones
 * (hostile input) sort positions, so no run is quadratic. */
#define SHORT_RUN 16

/*
 * Bottom-up merge sort, one per row type so the comparison inlines:
 * stable, so input order survives among equal keys. It needs a second copy
 * of the array (tmp), which is fine for the smaller tables it sorts; the
 * records have their own sort (dataset_sort.c).
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

/* ---- duplicate records (dataset_dedup.c) ----
 * DESIGN §1: two records of one (room, comm, user, time) are the same event
 * when kind, id, p1 and p2 agree and each of Type (stream) and PeerId
 * (peer) agrees where both rows carry it. */

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

/* What removing one call's duplicates needs and counts. */
struct dedup {
	uint32_t *scratch;      /* 2 * the longest run of one (user, time), when
				 * that is over SHORT_RUN */
	uint64_t dups, events;  /* added to: records dropped, events kept */
};

/*
 * Marks the duplicates among n records of one (room, comm, user, time):
 * returns flags, flags[i] 0 for a duplicate and 1 for a record kept. Up to
 * SHORT_RUN records compare pairwise into small; more sort their positions
 * in scratch (2 * n entries).
 */
const uint32_t *mark_recs(const struct record *a, size_t n, uint32_t small[SHORT_RUN],
			  uint32_t *scratch);

/*
 * Removes the duplicates among one call's records a[lo..hi), sorted by
 * (user, time), moving the records kept to a[out...] (out <= lo) in order;
 * returns the new end of the kept records. A record whose (user, time)
 * differs from both neighbours' is kept without a look at the rest of it.
 * Inline: level 3 calls it once per call, and calls of one record are
 * common (the whole-array radix path has millions).
 */
static inline size_t dedupe_call(struct record *a, size_t lo, size_t hi, size_t out,
				 struct dedup *d)
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
		const uint32_t *keep = mark_recs(&a[i], j - i, small, d->scratch);
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
	d->events += events;
	d->dups += dups;
	return out;
}

/* ---- rows without CommId (dataset_join.c) ---- */

/* Joins every room's CommId-less records to their call (DESIGN §3), after
 * the records and ds->rooms (or ds->span_rooms) are sorted. RR_OK, or
 * RR_ENOMEM with the rooms after the one that failed as they were (the
 * array closed up, the counts right). */
int join_commless(struct dataset *ds);

/* ---- the record sort (dataset_sort*.c) ---- */

/* Sorts ds->recs by (room, comm, user, time), stably, and removes the
 * duplicates (counted in counts.duplicates, nrecs lowered); counts events
 * and abnormal records. RR_ENOMEM only before any record has moved. */
int sort_records(struct dataset *ds);

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

/* The key fields, least significant first. */
enum { F_TIME, F_USER, F_COMM, F_ROOM };

/* Sorts the positions idx[0..n) = 0, 1, ... n-1 of a[0..n) by the fields
 * lo..hi (F_*; hi most significant), stably, through tmp (n entries);
 * count holds RADIX_COUNT entries. Returns the array holding the result. */
uint32_t *radix_index(const struct record *a, uint32_t *idx, uint32_t *tmp, size_t n,
		      int lo, int hi, uint32_t *count);
/* Words of memory radix_index_par needs per part, for parts parts. */
size_t radix_par_words(unsigned parts);
/* radix_index on `parts` parts (2 or more): idx need not be filled; mem
 * holds parts * radix_par_words(parts) entries. The result is the same. */
uint32_t *radix_index_par(const struct record *a, uint32_t *idx, uint32_t *tmp, size_t n,
			  int lo, int hi, unsigned parts, uint32_t *mem);

/* More buckets than level 2's usual number, when that keeps each within
 * the buffer (dataset_sort_move.c). */
#define APPLY_MAX_BUCKETS 4096
/* Records in each thread's moving buffer (576 kB: a bucket, the buffer and
 * its places fit the 2 MB second-level cache of the machines this runs on). */
#define APPLY_BUF 16384
/* Calls of at least 1 / (BIG_CALLS / DATASET_MAX_THREADS) of a thread's
 * share of the records are sorted by all threads together. */
#define BIG_CALLS (2 * DATASET_MAX_THREADS)

/* A thread's share of level 3: whole calls a[lo..hi). */
struct call_part {
	size_t lo, hi;
	size_t done;            /* the calls before are sorted and de-duplicated */
	size_t out;             /* the kept records are a[lo..out) */
	struct dedup dd;        /* scratch: twice its largest call (or tie,
				 * when sorted) */
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

/* Scratch entries level 3 needs for a call of n records. */
static inline size_t call_need(size_t n)
{
	return n > SHORT_RUN ? 2 * n : 0;
}

/* Level 3 (dataset_sort_call.c). */
void split_init(struct split *s, unsigned parts, size_t n);
/* The next call in order, len records at pos: a part starts with the first
 * call at or past its equal share. */
void split_call(struct split *s, size_t pos, size_t len);
/* The scratch all parts need together. */
size_t split_need(const struct split *s);
/* Joins neighbouring parts, the pair with the fewest records first, until
 * their scratch fits in avail (one part always does). */
void split_fit(struct split *s, size_t avail);
/* Level 3 for the calls of p from p->done on. */
void calls_run(const struct call_job *job, struct call_part *p);
/* calls_run for part k of job (a struct call_job), for parallel_for. */
void calls_part_run(void *job, unsigned k);
/* Level 3 for a bucket of p put in order into buf, len records that belong
 * at a[blo..blo+len). */
void bucket_calls(const struct call_job *job, struct call_part *p, const struct record *buf,
		  size_t blo, size_t len);

/* Level 2 (dataset_sort_move.c). */
/* Moves each a[i] to a[dest[i]] for i in [lo, hi), dest[lo..hi) a
 * permutation of lo .. hi-1, in place; dest is consumed. buf holds bufrecs
 * records (bufrecs may be 0). With p, a[lo..hi) is p's part of level 3
 * (cj's), done here too. */
void apply_region(struct record *a, uint32_t *dest, size_t lo, size_t hi,
		  struct record *buf, size_t bufrecs, const struct call_job *cj,
		  struct call_part *p);
/* Moves each a[i] to a[dest[i]] (dest a permutation of 0..n-1) in place on
 * `parts` threads; dest is consumed. The regions the threads end with are
 * [bounds[k], bounds[k+1]) (bounds NULL: equal shares). buf: parts buffers
 * of bufrecs records. With cj, the regions are its parts, and level 3 is
 * done as they are put in order. */
void apply_dest(struct record *a, uint32_t *dest, size_t n, unsigned parts,
		const size_t *bounds, struct record *buf, size_t bufrecs,
		struct call_job *cj);

#endif
