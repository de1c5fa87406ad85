/*
 * dataset_join — records without CommId join the CommId call of their room
 * whose span holds them (DESIGN §3), once the records are sorted and
 * de-duplicated: spans from the records and the rooms file, the best call
 * for each record, the room sorted again and its duplicates removed.
 * Does not: sort the whole array or decide what a duplicate is
 * (dataset_dedup.c).
 */
#include "dataset_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
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

	struct dedup dd = { j->scratch, 0, 0 };
	size_t out = rb;
	for (size_t i = rb, k; i < re; i = k) {
		for (k = i + 1; k < re && a[k].comm == a[i].comm; k++)
			;
		out = dedupe_call(a, i, k, out, &dd);
	}
	*dups += dd.dups;
	*end = out;
	return RR_OK;
}

/* (dataset_int.h) */
int join_commless(struct dataset *ds)
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
