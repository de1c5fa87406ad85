/*
 * dataset_absorb — moving everything one dataset holds into another, as if
 * its rows had been appended there (dataset_absorb): strings re-mapped,
 * records copied, spilled or their pages moved, companion rows, metrics,
 * counts and diagnostics appended.
 * Does not: sort or de-duplicate (dataset_finish), or read files.
 */
#define _GNU_SOURCE 1   /* mremap */

#include "dataset_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "parallel.h"
#include "util.h"

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

#if !RECS_NO_MREMAP
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
#endif

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
	size_t lo = parallel_share(0, j->n, k, j->parts), hi = parallel_share(0, j->n, k + 1, j->parts);

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
#define RESERVE_ROWS(arr, n, cap) \
	(src->n == 0 || rr_grow(&dst->arr, &dst->cap, dst->n + src->n, sizeof *dst->arr) == RR_OK)

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

/* What one dataset_absorb decided before anything moved. */
struct absorb {
	struct dataset *dst, *src;
	uint32_t *map;          /* src's string ids -> dst's */
	int identity;           /* map[i] == i for every i */
	/* Only records that would pass the spill limit go through the hook. */
	int spilling;
	int move;               /* try moving src's pages (absorb_move) */
	size_t at;              /* where they would land: dst's end, aligned */
	size_t src_bytes;       /* the length of src's mapping */
	size_t new_metrics;     /* src's metric names dst does not have */
	size_t new_kept;        /* src's kept diagnostics dst will keep */
	uint16_t metric_map[DATASET_MAX_METRICS];
};

/* The metric names and kept diagnostics src adds to dst. RR_EDATA past
 * DATASET_MAX_METRICS. */
static int absorb_count(struct absorb *ab)
{
	const struct dataset *dst = ab->dst, *src = ab->src;
	uint64_t seen[REJ__COUNT] = { 0 };

	for (size_t i = 0; i < src->nmetrics; i++) {
		uint32_t id;
		uint16_t index;
		if (!strtab_find(dst->strs, strtab_str(src->strs, src->metrics[i]),
				 strtab_len(src->strs, src->metrics[i]), &id) ||
		    !metric_index(dst, id, &index))
			ab->new_metrics++;
	}
	if (dst->nmetrics + ab->new_metrics > DATASET_MAX_METRICS)
		return RR_EDATA;
	for (size_t i = 0; i < src->diag.nkept; i++) {
		enum diag_reason r = src->diag.kept[i].reason;
		if (dst->diag.count[r] + seen[r]++ < DIAG_KEEP)
			ab->new_kept++;
	}
	return RR_OK;
}

/* All the memory dst will need for src's rows. RR_OK or RR_ENOMEM (what
 * was grown stays grown; no row moved). */
static int absorb_reserve(const struct absorb *ab)
{
	struct dataset *dst = ab->dst;
	const struct dataset *src = ab->src;

	if ((ab->move && (recs_reserve(dst, ab->at + (ab->src_bytes + sizeof(struct record) - 1) /
					   sizeof(struct record)) != RR_OK ||
			  rr_grow(&dst->seams, &dst->capseams, dst->nseams + 2,
				  sizeof *dst->seams) != RR_OK ||
			  rr_grow(&dst->pads, &dst->cappads, dst->npads + 1,
				  sizeof *dst->pads) != RR_OK)) ||
	    (dst->nrecs > 0 && !ab->spilling &&
	     recs_reserve(dst, dst->nrecs + src->nrecs) != RR_OK) ||
	    (ab->spilling && recs_reserve(dst, dst->spill_at) != RR_OK) ||
	    !RESERVE_ROWS(users, nusers, capusers) ||
	    !RESERVE_ROWS(rooms, nrooms, caprooms) ||
	    !RESERVE_ROWS(quality, nquality, capquality) ||
	    (ab->new_metrics && rr_grow(&dst->metrics, &dst->capmetrics,
					dst->nmetrics + ab->new_metrics,
					sizeof *dst->metrics) != RR_OK) ||
	    (ab->new_kept && rr_grow(&dst->diag.kept, &dst->diag.capkept,
				     dst->diag.nkept + ab->new_kept,
				     sizeof *dst->diag.kept) != RR_OK) ||
	    (src->diag.nnotes && rr_grow(&dst->diag.notes, &dst->diag.capnotes,
					 dst->diag.nnotes + src->diag.nnotes,
					 sizeof *dst->diag.notes) != RR_OK))
		return RR_ENOMEM;
	return RR_OK;
}

/* Metrics: the new ones appended in src's order, as a single run would
 * have met them; metric_map gets each src index's dst index. */
static void absorb_metrics(struct absorb *ab)
{
	struct dataset *dst = ab->dst;
	const struct dataset *src = ab->src;

	for (size_t i = 0; i < src->nmetrics; i++) {
		uint32_t name = ab->map[src->metrics[i]];
		if (!metric_index(dst, name, &ab->metric_map[i])) {
			ab->metric_map[i] = (uint16_t)dst->nmetrics;
			dst->metrics[dst->nmetrics++] = name;
		}
	}
}

/* Records past the spill limit go through dst's array, spilled whenever it
 * is full; src's array is released. Returns what the hook returned (on a
 * failure the rest of src is dropped like the records handed over: the
 * caller stops the run on this status). */
static int absorb_spilling(const struct absorb *ab)
{
	struct dataset *dst = ab->dst, *src = ab->src;
	size_t dropped = 0, i = 0;
	int rc = RR_OK;

	while (i < src->nrecs && rc == RR_OK) {
		size_t room = dst->spill_at > dst->nrecs ? dst->spill_at - dst->nrecs : 0, k;
		if (room == 0) {
			rc = recs_spill(dst);
			continue;
		}
		k = src->nrecs - i < room ? src->nrecs - i : room;
		if (k > ABSORB_STEP)
			k = ABSORB_STEP;
		memcpy(dst->recs + dst->nrecs, src->recs + i, k * sizeof *dst->recs);
		if (!ab->identity)
			translate_records(dst->recs + dst->nrecs, k, ab->map);
		dst->nrecs += k;
		i += k;
		recs_drop_prefix(src, i, &dropped);
	}
	recs_release(src);
	return rc;
}

/* src's records onto the end of dst's: spilled past the limit; else src's
 * pages moved when it is big; into an empty dst, src's mapping taken over
 * whole; else copied step by step, src's pages released behind the copy.
 * RR_OK, or the spill hook's status. */
static int absorb_records(const struct absorb *ab)
{
	struct dataset *dst = ab->dst, *src = ab->src;

	if (ab->spilling)
		return absorb_spilling(ab);
	if (ab->move && absorb_move(dst, src, ab->at, ab->src_bytes)) {
		struct translate_job tj = { dst->recs + ab->at, src->nrecs, ab->map,
					    parallel_parts(0, 2, src->nrecs, DATASET_PART_MIN) };

		if (!ab->identity)
			parallel_for(tj.parts, translate_part, &tj);
		if (ab->at > dst->nrecs)
			dst->pads[dst->npads++] = (struct dataset_pad){ dst->nrecs,
									ab->at - dst->nrecs };
		dst->nrecs = ab->at + src->nrecs;
		src->recs = NULL;
		src->nrecs = src->caprecs = 0;
	} else if (dst->nrecs == 0) {
		if (!ab->identity)
			translate_records(src->recs, src->nrecs, ab->map);
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
			if (!ab->identity)
				translate_records(d, k, ab->map);
			dst->nrecs += k;
			recs_drop_prefix(src, i + k, &dropped);
		}
		recs_release(src);
	}
	return RR_OK;
}

/* Companion rows, their ids translated; src's arrays freed. */
static void absorb_companions(const struct absorb *ab)
{
	struct dataset *dst = ab->dst, *src = ab->src;
	const uint32_t *map = ab->map;

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
		q.metric = ab->metric_map[q.metric];
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
}

/* Diagnostics: src's kept rows are the first of each reason in src, so the
 * j-th of a reason is kept when dst had fewer than DIAG_KEEP - j. Notes
 * appended, counts added; src's freed. */
static void absorb_diag(struct dataset *dst, struct dataset *src, uint64_t line_offset)
{
	uint64_t seen[REJ__COUNT] = { 0 };

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
}

/*
 * Every step that can fail comes first — the metric limit, all the memory
 * dst will need, then the strings (whose merge checks its own limits and is
 * all or nothing) — so on any failure dst holds what it held before and src
 * is untouched. After that, rows move without allocating.
 * A big src (ABSORB_MOVE_MIN records or more, one mapping) is not copied:
 * its pages are moved onto the end of dst's array, after up to
 * RECS_ALIGN - 1 copies of dst's last record that bring the array to a
 * page boundary (listed in dst->pads, dropped by dataset_finish).
 */
int dataset_absorb(struct dataset *dst, struct dataset *src, uint64_t line_offset)
{
	uint32_t nstr = strtab_count(src->strs);
	struct absorb ab;
	int rc;

	memset(&ab, 0, sizeof ab);
	ab.dst = dst;
	ab.src = src;
	ab.identity = 1;
	ab.spilling = dst->spill && (dst->nrecs >= dst->spill_at ||
				     src->nrecs > dst->spill_at - dst->nrecs);
	ab.move = !RECS_NO_MREMAP && !ab.spilling && dst->nrecs > 0 &&
		  src->nrecs >= ABSORB_MOVE_MIN && src->nseams == 0;
	ab.at = round_up(dst->nrecs, RECS_ALIGN);
	ab.src_bytes = src->recs ? recs_map_bytes(src->caprecs) : 0;

	ab.map = rr_malloc((size_t)nstr * sizeof *ab.map);
	if (!ab.map)
		return RR_ENOMEM;
	if ((rc = absorb_count(&ab)) != RR_OK || (rc = absorb_reserve(&ab)) != RR_OK ||
	    (rc = strtab_merge(dst->strs, src->strs, ab.map)) != RR_OK) {
		rr_free(ab.map);
		return rc;
	}
	for (uint32_t i = 0; i < nstr && ab.identity; i++)
		ab.identity = ab.map[i] == i;

	absorb_metrics(&ab);
	if ((rc = absorb_records(&ab)) != RR_OK) {
		rr_free(ab.map);
		return rc;
	}
	absorb_companions(&ab);
	absorb_diag(dst, src, line_offset);
	counts_add(&dst->counts, &src->counts);
	memset(&src->counts, 0, sizeof src->counts);
	rr_free(ab.map);
	return RR_OK;
}
