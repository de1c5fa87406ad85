/*
 * sessions_order — sorting and moving for the sessions family, and the last
 * steps of a build (sessions_finish): once every group is built, calls go
 * into start order and sessions after them, experiences are made and
 * attached, findings are placed by session, spans and outside events follow
 * their sessions and calls.
 * A group's sessions are put in start order where they lie (sessions_calls);
 * once every call is known, sessions and calls are moved into call order,
 * along the cycles of the permutation or gathered into a new array, and
 * findings are placed by session the same way. The moves are split over two
 * threads when there are many sessions: one moves the sessions, the other
 * everything that does not touch them.
 * Does not: decide anything about sessions, calls or experiences (the other
 * files of the family do); it only puts them in their places.
 */
#include <string.h>

#include "hugemem.h"
#include "parallel.h"
#include "sessions_int.h"
#include "util.h"

/* ---- sorting and moving ---- */

/* Stable merge sort with a context pointer (qsort has neither property). */
static void msort_rec(unsigned char *a, unsigned char *tmp, size_t n, size_t sz,
		      int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
	size_t h, i, j, k;

	if (n < 2)
		return;
	h = n / 2;
	msort_rec(a, tmp, h, sz, cmp, ctx);
	msort_rec(a + h * sz, tmp, n - h, sz, cmp, ctx);
	if (cmp(a + (h - 1) * sz, a + h * sz, ctx) <= 0)
		return;
	memcpy(tmp, a, h * sz);
	i = 0;
	j = h;
	k = 0;
	while (i < h && j < n) {
		if (cmp(tmp + i * sz, a + j * sz, ctx) <= 0)
			memcpy(a + k++ * sz, tmp + i++ * sz, sz);
		else
			memmove(a + k++ * sz, a + j++ * sz, sz);
	}
	if (i < h)
		memcpy(a + k * sz, tmp + i * sz, (h - i) * sz);
}

int sessions_sort_with(unsigned char **scratch, size_t *cap, void *base, size_t n, size_t sz,
		     int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
	if (n < 2)
		return RR_OK;
	if (rr_grow(scratch, cap, (n / 2 + 1) * sz, 1) != RR_OK)
		return RR_ENOMEM;
	msort_rec(base, *scratch, n, sz, cmp, ctx);
	return RR_OK;
}

int sessions_sort(struct builder *b, void *base, size_t n, size_t sz,
		       int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
	return sessions_sort_with(&b->scratch, &b->capscratch, base, n, sz, cmp, ctx);
}

/* Swaps the size-byte elements i and j of base (size <= PERMUTE_MAX). */
#define PERMUTE_MAX 256
static inline void swap_elems(void *base, size_t size, size_t i, size_t j)
{
	unsigned char t[PERMUTE_MAX], *x = (unsigned char *)base + i * size,
		      *y = (unsigned char *)base + j * size;

	memcpy(t, x, size);
	memcpy(x, y, size);
	memcpy(y, t, size);
}

/* How many places along a cycle sessions_permute prefetches ahead of the
 * one it is moving. */
#define PERMUTE_AHEAD 12

static inline void prefetch_elem(const void *base, size_t size, size_t i)
{
#if defined(__GNUC__)
	const char *p = (const char *)base + i * size;

	for (size_t o = 0; o < size; o += 64)
		__builtin_prefetch(p + o, 1);
	__builtin_prefetch(p + size - 1, 1);
#else
	(void)base;
	(void)size;
	(void)i;
#endif
}

/* Moves element i of a (and of b, when set, in step) to position dest[i] for
 * every i, following the cycles of the permutation; dest ends as the
 * identity. Nothing is allocated. land, when set, is called once for each
 * position as soon as its element is there for good (while it is still in
 * cache). Each step of a cycle lands on a place far from the last, so
 * waiting for memory is most of the time: the places the next steps will
 * swap with are known from dest (not yet visited, so still as given) and
 * prefetched a few steps ahead. */
static void permute_land(void *a, size_t asize, void *b, size_t bsize, uint32_t *dest, size_t n,
			 void (*land)(void *ctx, size_t pos), void *ctx)
{
	/* Elements already in place land now; the others land as a swap puts
	 * them in place, or (a cycle's first) once their cycle is done. */
	for (size_t i = 0; land && i < n; i++)
		if (dest[i] == i)
			land(ctx, i);
	for (size_t i = 0; i < n; i++) {
		size_t ahead = i, lead = 0;
		int ended = 0;

		if (dest[i] == i)
			continue;
		while (dest[i] != i) {
			uint32_t j;

			/* ahead is lead places past the next swap; lead >= 1
			 * once started, so dest[ahead] is an unvisited place's. */
			while (!ended && lead < PERMUTE_AHEAD) {
				uint32_t nx = dest[ahead];

				if (nx == i) {
					ended = 1;
					break;
				}
				ahead = nx;
				lead++;
				prefetch_elem(a, asize, ahead);
				if (b)
					prefetch_elem(b, bsize, ahead);
			}
			j = dest[i];
			swap_elems(a, asize, i, j);
			if (b)
				swap_elems(b, bsize, i, j);
			dest[i] = dest[j];
			dest[j] = j;
			if (land)
				land(ctx, j);
			if (lead)
				lead--;
		}
		if (land)
			land(ctx, i);
	}
}

void sessions_permute(void *a, size_t asize, void *b, size_t bsize, uint32_t *dest, size_t n)
{
	permute_land(a, asize, b, bsize, dest, n, NULL, NULL);
}

_Static_assert(sizeof(struct session) <= PERMUTE_MAX && sizeof(struct session_detail) <= PERMUTE_MAX &&
	       sizeof(struct call) <= PERMUTE_MAX && sizeof(struct finding) <= PERMUTE_MAX,
	       "model rows fit sessions_permute's buffer");

/* ---- the last steps ---- */

/* The tail of sessions_finish, on two threads when it pays: one moves the
 * sessions into their final places, pointing each at its call and its
 * findings as it lands, while the other does everything that does not
 * touch them. */
struct tail {
	struct builder *b;
	uint32_t *fmap;           /* session build index -> final; consumed */
	/* When set, sessions are gathered into this new array (nsessions of
	 * them), from[k] naming the build index of final session k; NULL:
	 * they are permuted in place. */
	struct session *gather;
	uint32_t *from;
	const uint32_t *cmap;     /* call build index -> final */
	uint32_t *cdest;          /* a copy of cmap, consumed */
	const uint32_t *ffirst;   /* per final session: its first finding */
	int rc;                   /* of tail_rest */
};

/* Final session pos, s, gets its final call and findings. */
static inline void session_fix(const struct tail *t, struct session *s, size_t pos)
{
	s->call = t->cmap[s->call];
	s->first_finding = t->ffirst[pos];
	s->nfindings = t->ffirst[pos + 1] - t->ffirst[pos];
}

static void session_land(void *ctx, size_t pos)
{
	const struct tail *t = ctx;

	session_fix(t, &t->b->m->sessions[pos], pos);
}

/* How many sessions ahead the gather prefetches. */
#define GATHER_AHEAD 8

static void tail_sessions(struct tail *t)
{
	struct model *m = t->b->m;
	uint32_t n = m->nsessions;

	if (!t->gather) {
		permute_land(m->sessions, sizeof *m->sessions, m->details, sizeof *m->details,
			     t->fmap, n, session_land, t);
		return;
	}
	/* Reading each session from its build place in final order writes
	 * the new array in sequence; the places read are known ahead. */
	for (uint32_t i = 0; i < n; i++)
		t->from[t->fmap[i]] = i;
	for (uint32_t k = 0; k < n; k++) {
#if defined(__GNUC__)
		if (k + GATHER_AHEAD < n) {
			const char *p = (const char *)&m->sessions[t->from[k + GATHER_AHEAD]];
			__builtin_prefetch(p);
			__builtin_prefetch(p + sizeof *m->sessions - 1);
		}
#endif
		t->gather[k] = m->sessions[t->from[k]];
		session_fix(t, &t->gather[k], k);
	}
	rr_free(m->sessions);
	m->sessions = t->gather;
	t->b->p->capsessions = n;
	t->gather = NULL;
}

/* Calls into final order and pointed at their experiences, findings into
 * final order. Touches no session. */
static void tail_rest(struct tail *t)
{
	struct builder *b = t->b;
	struct model *m = b->m;
	uint32_t k, pos = 0;

	sessions_permute(m->calls, sizeof *m->calls, NULL, 0, t->cdest, m->ncalls);
	for (k = 0; k < m->ncalls; k++) {
		m->calls[k].first_session = pos;
		pos += m->calls[k].nsessions;
	}
	sessions_experiences_point_calls(m);
	t->rc = sessions_findings_place(b, t->ffirst);
}

static void tail_part(void *arg, unsigned k)
{
	if (k == 0)
		tail_sessions(arg);
	else
		tail_rest(arg);
}

static int cmp_span(const void *pa, const void *pb, const void *ctx)
{
	const struct span *a = pa, *b = pb;
	int c;

	(void)ctx;
	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	if ((c = cmp_i64(a->start_ms, b->start_ms)))
		return c;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
}

static int cmp_outside(const void *pa, const void *pb, const void *ctx)
{
	const struct outside_event *a = pa, *b = pb;

	(void)ctx;
	if (a->call != b->call)
		return a->call < b->call ? -1 : 1;
	return a->rec < b->rec ? -1 : a->rec > b->rec;
}

/* Spans and outside events to the final sessions and calls, in order. */
static int spans_place(struct builder *b, const uint32_t *fmap, const uint32_t *cmap)
{
	struct model *m = b->m;
	uint32_t i;

	for (i = 0; i < m->nspans; i++)
		m->spans[i].session = fmap[m->spans[i].session];
	for (i = 0; i < m->noutside; i++)
		m->outside[i].call = cmap[m->outside[i].call];
	if (sessions_sort(b, m->spans, m->nspans, sizeof *m->spans, cmp_span, NULL) != RR_OK ||
	    sessions_sort(b, m->outside, m->noutside, sizeof *m->outside, cmp_outside, NULL) != RR_OK)
		return RR_ENOMEM;
	return RR_OK;
}

/* Sessions per part below which the tail stays on one thread (so two parts
 * from 2^15 sessions on): starting one costs more than it saves. */
#define TAIL_PART_MIN ((size_t)1 << 14)

/* Once every group is built: calls into start order and sessions after
 * them, experiences attached, findings placed. */
int sessions_finish(struct builder *b)
{
	struct model *m = b->m;
	struct ckey *corder = NULL;
	uint32_t *cmap = NULL, *cdest = NULL, *fmap = NULL, *ffirst = NULL, i, k, pos = 0;
	struct skey *sk = NULL;
	size_t capsk = 0;
	struct tail t = { 0 };
	int rc = RR_ENOMEM;

	corder = rr_malloc(((size_t)m->ncalls + 1) * sizeof *corder);
	cmap = rr_malloc(((size_t)m->ncalls + 1) * sizeof *cmap);
	cdest = rr_malloc(((size_t)m->ncalls + 1) * sizeof *cdest);
	fmap = rr_malloc(((size_t)m->nsessions + 1) * sizeof *fmap);
	ffirst = rr_malloc(((size_t)m->nsessions + 1) * sizeof *ffirst);
	if (!corder || !cmap || !cdest || !fmap || !ffirst)
		goto out;
	/* The calls are read once, in sequence: cmap holds each one's first
	 * session (build order) until it is replaced by its final index. */
	for (i = 0; i < m->ncalls; i++) {
		corder[i].start = m->calls[i].start_ms;
		corder[i].idx = i;
		corder[i].n = m->calls[i].nsessions;
		cmap[i] = m->calls[i].first_session;
	}
	if (sessions_calls_order(b, corder, m->ncalls) != RR_OK)
		goto out;
	for (k = 0; k < m->ncalls; k++) {
		uint32_t first = cmap[corder[k].idx];

		for (i = 0; i < corder[k].n; i++)
			fmap[first + i] = pos + i;
		pos += corder[k].n;
		cmap[corder[k].idx] = k;
	}
	rr_free(corder);    /* early: this is the sessions stage's peak */
	corder = NULL;
	if (spans_place(b, fmap, cmap) != RR_OK)
		goto out;
	for (i = 0; i < b->p->nrooms; i++)
		if (sessions_room_experiences(b, &b->p->rooms[i], fmap, cmap, &sk, &capsk) != RR_OK)
			goto out;
	rr_free(b->p->abn);     /* the abnormal rows are experiences by now */
	b->p->abn = NULL;
	b->p->nabn = b->p->capabn = 0;
	for (i = 0; i < m->nfindings; i++)
		b->p->owner[i] = fmap[b->p->owner[i]];
	/* Every finding exists before the places are counted. */
	if (sessions_experiences_sort(b) != RR_OK || sessions_experience_findings(b) != RR_OK)
		goto out;
	sessions_findings_slots(m, b->p->owner, ffirst);
	if (m->ncalls)
		memcpy(cdest, cmap, m->ncalls * sizeof *cdest);
	t.b = b;
	t.fmap = fmap;
	t.cmap = cmap;
	t.cdest = cdest;
	t.ffirst = ffirst;
	t.rc = RR_OK;
	/* A gather into a new array beats following the permutation's cycles
	 * (at ten million events, 46 MB of sessions: the tail took 0.041 s in
	 * place, 0.027 s gathered); without the memory for it, or with details
	 * to move in step, the sessions are permuted in place. Allocated here:
	 * the tail threads must not both allocate (failure injection counts in
	 * order). */
	if (!m->details && m->nsessions > 0 &&
	    (t.gather = rr_malloc((size_t)m->nsessions * sizeof *m->sessions)) &&
	    !(t.from = rr_malloc((size_t)m->nsessions * sizeof *t.from))) {
		rr_free(t.gather);
		t.gather = NULL;
	}
	if (t.gather) {
		hugemem_advise(t.gather, (size_t)m->nsessions * sizeof *m->sessions);
		hugemem_advise(t.from, (size_t)m->nsessions * sizeof *t.from);
	}
	/* Part 0, on this thread, allocates nothing; part 1 does. */
	if (parallel_parts(b->o->threads, 2, m->nsessions, TAIL_PART_MIN) == 2) {
		parallel_for(2, tail_part, &t);
	} else {
		tail_sessions(&t);
		tail_rest(&t);
	}
	if (t.rc != RR_OK)
		goto out;
	sessions_experiences_point_sessions(m);
	rc = RR_OK;
out:
	rr_free(t.from);
	rr_free(corder);
	rr_free(cmap);
	rr_free(cdest);
	rr_free(fmap);
	rr_free(ffirst);
	rr_free(sk);
	return rc;
}

