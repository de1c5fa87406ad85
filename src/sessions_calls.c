/*
 * sessions_calls — one (room, comm) group of records at a time: each user's
 * run is walked (sessions_rules), the group's sessions are put in start
 * order where they lie, and they make one call, or, without a CommId,
 * several split where nobody was in the room for longer than --call-gap;
 * events outside every session go to the call containing them, else the
 * nearest. Also the calls' final order (start, room, CommId), which
 * sessions_finish follows, and the walk over a range of whole rooms.
 * Does not: decide which events open or close sessions (sessions_rules),
 * attach experiences (sessions_experiences) or move anything into its final
 * place (sessions_order).
 */
#include <string.h>

#include "sessions_int.h"
#include "util.h"

int sessions_call_nearer_next(int64_t t, int64_t first_end, int64_t next_start)
{
	return t > first_end && next_start - t < t - first_end;
}

/* ---- one (room, comm) group ---- */

static int cmp_i64_sort(const void *pa, const void *pb, const void *ctx)
{
	(void)ctx;
	return cmp_i64(*(const int64_t *)pa, *(const int64_t *)pb);
}

static int cmp_u64_sort(const void *pa, const void *pb, const void *ctx)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	(void)ctx;
	return a < b ? -1 : a > b;
}

struct group_ctx {
	const struct session *s;
	const struct strtab *strs;
};

/* Sessions of one group by start, then user ID, then creation order. */
static int cmp_group_start(const void *pa, const void *pb, const void *ctx)
{
	const struct group_ctx *g = ctx;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct session *a = &g->s[ia], *b = &g->s[ib];
	int c = cmp_i64(a->start_ms, b->start_ms);

	if (c)
		return c;
	c = cmp_str(g->strs, a->user, b->user);
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* Puts the group's sessions [s0, nsessions) in start order where they lie;
 * their findings (from f0 on) follow. */
static int group_order(struct builder *b, size_t s0, size_t f0)
{
	struct model *m = b->m;
	size_t n = m->nsessions - s0, i;
	struct group_ctx g = { m->sessions + s0, b->strs };
	uint32_t *ord, *inv;

	if (rr_grow(&b->idx, &b->capidx, 2 * n, sizeof *b->idx) != RR_OK)
		return RR_ENOMEM;
	ord = b->idx;
	inv = b->idx + n;
	for (i = 0; i < n; i++)
		ord[i] = (uint32_t)i;
	if (sessions_sort(b, ord, n, sizeof *ord, cmp_group_start, &g) != RR_OK)
		return RR_ENOMEM;
	for (i = 0; i < n; i++)
		inv[ord[i]] = (uint32_t)i;
	for (i = f0; i < m->nfindings; i++)
		b->p->owner[i] = (uint32_t)s0 + inv[b->p->owner[i] - s0];
	for (i = b->span0; i < m->nspans; i++)
		m->spans[i].session = (uint32_t)s0 + inv[m->spans[i].session - s0];
	sessions_permute(m->sessions + s0, sizeof *m->sessions, m->details ? m->details + s0 : NULL,
		sizeof *m->details, inv, n);
	return RR_OK;
}

/* Distinct users, peak concurrency and exits of call c, whose sessions are
 * in start order. Peak counts users: a session that a late timeout ended
 * after its user's next session started (late_timeout_apply) counts only
 * until that start. */
static int call_stats(struct builder *b, struct call *c)
{
	const struct session *s = &b->m->sessions[c->first_session];
	uint32_t i, j, cur = 0, n = c->nsessions;

	if (rr_grow(&b->keys, &b->capkeys, n, sizeof *b->keys) != RR_OK ||
	    rr_grow(&b->ends, &b->capends, n, sizeof *b->ends) != RR_OK)
		return RR_ENOMEM;
	for (i = 0; i < n; i++) {
		b->keys[i] = (uint64_t)s[i].user << 32 | i;
		b->ends[i] = s[i].end_ms;
		c->exits[s[i].exit]++;
	}
	if (sessions_sort(b, b->keys, n, sizeof *b->keys, cmp_u64_sort, NULL) != RR_OK)
		return RR_ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t user = (uint32_t)(b->keys[i] >> 32);

		if (i == 0 || user != (uint32_t)(b->keys[i - 1] >> 32)) {
			c->users++;
		} else {
			uint32_t was = (uint32_t)b->keys[i - 1], next = (uint32_t)b->keys[i];

			if (b->ends[was] > s[next].start_ms)
				b->ends[was] = s[next].start_ms;
		}
	}
	if (sessions_sort(b, b->ends, n, sizeof *b->ends, cmp_i64_sort, NULL) != RR_OK)
		return RR_ENOMEM;
	/* Sweep: at equal times a session that ends leaves before one that
	 * starts arrives. */
	for (i = 0, j = 0; i < n; i++) {
		while (j < i && b->ends[j] <= s[i].start_ms) {
			cur--;
			j++;
		}
		cur++;
		if (cur > c->peak_users)
			c->peak_users = cur;
	}
	return RR_OK;
}

static int call_add(struct builder *b, uint32_t room, uint32_t comm, size_t first,
		    size_t n, size_t rec_first, size_t rec_end)
{
	struct model *m = b->m;
	struct call *c;
	size_t i;

	if (m->ncalls >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&m->calls, &b->p->capcalls, m->ncalls + 1, sizeof *m->calls) != RR_OK)
		return RR_ENOMEM;
	c = &m->calls[m->ncalls];
	memset(c, 0, sizeof *c);
	c->room = room;
	c->comm = comm;
	c->first_session = (uint32_t)first;
	c->nsessions = (uint32_t)n;
	c->start_ms = m->sessions[first].start_ms;
	c->end_ms = m->sessions[first].end_ms;
	for (i = first; i < first + n; i++) {
		if (m->sessions[i].end_ms > c->end_ms)
			c->end_ms = m->sessions[i].end_ms;
		m->sessions[i].call = m->ncalls;
	}
	c->rec_first = (uint32_t)rec_first;
	c->rec_end = (uint32_t)rec_end;
	/* Rooms-file facts are absent until companion_link finds a row. */
	c->created_ms = c->destroyed_ms = RR_NONE;
	c->room_info = RR_NOIDX;
	m->ncalls++;
	return call_stats(b, c);
}

/* Builds the sessions and calls of the records [gb, ge) of one (room, comm). */
static int build_group(struct builder *b, size_t gb, size_t ge)
{
	const struct record *recs = b->ds->recs;
	struct model *m = b->m;
	size_t s0 = m->nsessions, c0 = m->ncalls, f0 = m->nfindings, ub, ue, i, first;
	int64_t max_end;
	int rc;

	b->noutside = 0;
	b->span0 = m->nspans;
	for (ub = gb; ub < ge; ub = ue) {
		for (ue = ub + 1; ue < ge && recs[ue].user == recs[ub].user; ue++)
			;
		if ((rc = sessions_walk_user(b, ub, ue)))
			return rc;
	}
	if (m->nsessions == s0)
		return RR_OK;      /* only abnormal rows: no call of its own */
	rc = group_order(b, s0, f0);
	if (rc)
		return rc;
	if (recs[gb].comm != 0) {
		rc = call_add(b, recs[gb].room, recs[gb].comm, s0, m->nsessions - s0, gb, ge);
	} else {
		/* Without a CommId, nobody in the room for longer than the gap
		 * separates two calls. */
		first = s0;
		max_end = m->sessions[s0].end_ms;
		for (i = s0 + 1; i < m->nsessions && rc == RR_OK; i++) {
			if (m->sessions[i].start_ms - max_end > b->o->call_gap_ms) {
				rc = call_add(b, recs[gb].room, 0, first, i - first, gb, ge);
				first = i;
			}
			if (m->sessions[i].end_ms > max_end)
				max_end = m->sessions[i].end_ms;
		}
		if (rc == RR_OK)
			rc = call_add(b, recs[gb].room, 0, first, m->nsessions - first, gb, ge);
	}
	if (rc)
		return rc;
	/* Outside events go to the call containing them, else the nearest. */
	for (i = 0; i < b->noutside; i++) {
		int64_t t = b->outside[i];
		size_t lo = c0 + 1, hi = m->ncalls, mid, k, best;

		/* k = the last call starting at or before t (else the first). */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (m->calls[mid].start_ms <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		k = lo - 1;
		best = k;
		if (k + 1 < m->ncalls &&
		    sessions_call_nearer_next(t, m->calls[k].end_ms, m->calls[k + 1].start_ms))
			best = k + 1;
		m->calls[best].outside_events++;
		if (m->noutside >= UINT32_MAX - 1 ||
		    rr_grow(&m->outside, &b->p->capoutside, (size_t)m->noutside + 1,
			    sizeof *m->outside) != RR_OK)
			return RR_ENOMEM;
		m->outside[m->noutside].call = (uint32_t)best;
		m->outside[m->noutside++].rec = b->outside_rec[i];
	}
	return RR_OK;
}


struct calls_ctx {
	const struct call *c;
	const struct strtab *strs;
};

/* ---- the calls' final order ---- */

/* Calls by start, then room ID, then CommId (build order among equals). */
static int cmp_call_order(const void *pa, const void *pb, const void *ctx)
{
	const struct ckey *ka = pa, *kb = pb;
	const struct calls_ctx *g = ctx;
	const struct call *a, *b;
	int c;

	if (ka->start != kb->start)
		return ka->start < kb->start ? -1 : 1;
	a = &g->c[ka->idx];
	b = &g->c[kb->idx];
	c = cmp_str(g->strs, a->room, b->room);
	if (c)
		return c;
	return cmp_str(g->strs, a->comm, b->comm);
}

/* Ends the room whose groups were built since the last call: remembers it
 * when it has abnormal rows (copied from abn_first on). */
static int room_end(struct builder *b, size_t abn_first, size_t s_first, size_t c_first)
{
	struct room_span *r;

	if (b->p->nabn == abn_first)
		return RR_OK;
	if (rr_grow(&b->p->rooms, &b->p->caprooms, b->p->nrooms + 1, sizeof *b->p->rooms) != RR_OK)
		return RR_ENOMEM;
	r = &b->p->rooms[b->p->nrooms++];
	r->abn_first = (uint32_t)abn_first;
	r->abn_end = (uint32_t)b->p->nabn;
	r->s_first = (uint32_t)s_first;
	r->s_end = b->m->nsessions;
	r->c_first = (uint32_t)c_first;
	r->c_end = b->m->ncalls;
	return RR_OK;
}

/* The calls in final order: by start, then room ID, then CommId, then
 * build order, as cmp_call_order and a stable sort would put them. The
 * starts are sorted by radix (stable passes over their offsets from the
 * earliest), then each run of equal starts by comparison. */
#define CALLS_RADIX_BITS 11

int sessions_calls_order(struct builder *b, struct ckey *k, size_t n)
{
	struct calls_ctx g = { b->m->calls, b->strs };
	struct ckey *tmp, *from = k, *to, *sw;
	int64_t min, max;
	uint64_t lo, span;
	size_t i, j;
	unsigned shift;

	if (n < 2)
		return RR_OK;
	min = max = k[0].start;
	for (i = 1; i < n; i++) {
		if (k[i].start < min)
			min = k[i].start;
		if (k[i].start > max)
			max = k[i].start;
	}
	lo = (uint64_t)min;     /* offsets from it are exact modulo 2^64 */
	span = (uint64_t)max - lo;
	tmp = rr_malloc(n * sizeof *tmp);
	if (!tmp)
		return RR_ENOMEM;
	to = tmp;
	for (shift = 0; shift < 64 && (span >> shift) != 0; shift += CALLS_RADIX_BITS) {
		size_t count[1u << CALLS_RADIX_BITS], sum = 0;
		const uint64_t mask = (1u << CALLS_RADIX_BITS) - 1;

		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[((uint64_t)from[i].start - lo) >> shift & mask]++;
		for (i = 0; i <= mask; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[((uint64_t)from[i].start - lo) >> shift & mask]++] = from[i];
		sw = from;
		from = to;
		to = sw;
	}
	if (from != k)
		memcpy(k, from, n * sizeof *k);
	rr_free(tmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && k[j].start == k[i].start; j++)
			;
		if (j - i > 1 && sessions_sort(b, k + i, j - i, sizeof *k, cmp_call_order, &g) != RR_OK)
			return RR_ENOMEM;
	}
	return RR_OK;
}

/* Builds the groups of records [rb, re), which begin and end at rooms'
 * boundaries. */
int sessions_build_range(struct builder *b, size_t rb, size_t re)
{
	const struct record *recs = b->ds->recs;
	size_t gb, ge, room_a = b->p->nabn, room_s = b->m->nsessions, room_c = b->m->ncalls;
	int rc;

	for (gb = rb; gb < re; gb = ge) {
		if (gb > rb && recs[gb].room != recs[gb - 1].room) {
			if ((rc = room_end(b, room_a, room_s, room_c)))
				return rc;
			room_a = b->p->nabn;
			room_s = b->m->nsessions;
			room_c = b->m->ncalls;
		}
		/* The first pass over these records: prefetched a page ahead,
		 * as the hardware's prefetch stops at page ends. */
		for (ge = gb + 1; ge < re && recs[ge].room == recs[gb].room &&
				  recs[ge].comm == recs[gb].comm; ge++)
			__builtin_prefetch(&recs[ge + 4096 / sizeof *recs]);
		if ((rc = build_group(b, gb, ge)))
			return rc;
	}
	return re > rb ? room_end(b, room_a, room_s, room_c) : RR_OK;
}
