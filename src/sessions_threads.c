/*
 * sessions_threads — building on several threads: with sessions_options
 * threads 0, one per online processor (at most 8) with at least a million
 * records each, so small inputs use one. The records are cut into
 * chunks of whole rooms (a quarter million records each, or about four per
 * thread when the caller chose the count); each thread takes the next chunk,
 * builds it into a part of its own, and waits its turn to append the part
 * to the main one, so parts join in record order and the model is what one
 * thread builds. A thread holds one chunk's part at a time.
 * The threads run under parallel_for; a part waits only for the one that
 * took the chunk before its own, which is running (chunks are taken only by
 * running parts), so a part whose thread did not start, run after the
 * others, finds no chunk left and returns.
 * Does not: build anything itself (sessions_calls, sessions_rules) or order
 * the result (sessions_order).
 */
#include <pthread.h>
#include <string.h>

#include "hugemem.h"
#include "parallel.h"
#include "sessions_int.h"
#include "util.h"

/* ---- joining a part ---- */

/* Asks for huge pages under elements at..cap of arr (size sz each), about
 * to be written: the main part's arrays grow to the whole model, and their
 * first writes are page faults (see hugemem.h). */
static void advise_tail(void *arr, size_t at, size_t cap, size_t sz)
{
	hugemem_advise((char *)arr + at * sz, (cap - at) * sz);
}

/* How far the chunks appended so far reach: done of all records. */
struct reach {
	size_t done, all;
};

/* rr_grow, growing to what the whole input will likely need when it must
 * grow: need scaled by all / done, plus an eighth. Each growth of the main
 * part's arrays is a realloc that copies them (and faults in the copy's
 * pages), so growing once to the estimate replaces a dozen doublings. */
static int grow_ahead(void *arr, size_t *cap, size_t need, size_t sz, const struct reach *r)
{
	if (need <= *cap)
		return RR_OK;
	if (r->done && r->done < r->all) {
		double est = (double)need * (double)r->all / (double)r->done * 1.125;

		if (est > (double)need && est < (double)(SIZE_MAX / 2 / (sz ? sz : 1)))
			need = (size_t)est;
	}
	return rr_grow(arr, cap, need, sz);
}

/* Appends what part q built to part p, and empties q (keeping its arrays
 * for the next chunk); r: how far the records reach with q's. On
 * RR_ENOMEM nothing was appended. */
static int part_append(struct part *p, struct part *q, const struct reach *r)
{
	struct model *m = &p->m, *n = &q->m;
	uint32_t s_off = m->nsessions, c_off = m->ncalls, f_off = m->nfindings, i;

	if (n->nsessions > UINT32_MAX - 1 - m->nsessions || n->ncalls > UINT32_MAX - 1 - m->ncalls ||
	    n->nfindings > UINT32_MAX - 1 - m->nfindings || q->nabn > UINT32_MAX - 1 - p->nabn)
		return RR_ENOMEM;
	if (grow_ahead(&m->sessions, &p->capsessions, (size_t)s_off + n->nsessions,
		       sizeof *m->sessions, r) != RR_OK ||
	    (n->details && grow_ahead(&m->details, &p->capdetails, (size_t)s_off + n->nsessions,
				      sizeof *m->details, r) != RR_OK) ||
	    grow_ahead(&m->calls, &p->capcalls, (size_t)c_off + n->ncalls, sizeof *m->calls,
		       r) != RR_OK ||
	    grow_ahead(&m->findings, &p->capfindings, (size_t)f_off + n->nfindings,
		       sizeof *m->findings, r) != RR_OK ||
	    grow_ahead(&p->owner, &p->capowner, (size_t)f_off + n->nfindings, sizeof *p->owner,
		       r) != RR_OK ||
	    grow_ahead(&p->rooms, &p->caprooms, p->nrooms + q->nrooms, sizeof *p->rooms,
		       r) != RR_OK ||
	    (q->nabn && grow_ahead(&p->abn, &p->capabn, p->nabn + q->nabn, sizeof *p->abn,
				   r) != RR_OK) ||
	    n->nspans > UINT32_MAX - 1 - m->nspans || n->noutside > UINT32_MAX - 1 - m->noutside ||
	    (n->nspans && grow_ahead(&m->spans, &p->capspans, (size_t)m->nspans + n->nspans,
				     sizeof *m->spans, r) != RR_OK) ||
	    (n->noutside && grow_ahead(&m->outside, &p->capoutside,
				       (size_t)m->noutside + n->noutside, sizeof *m->outside,
				       r) != RR_OK))
		return RR_ENOMEM;
	advise_tail(m->sessions, s_off, p->capsessions, sizeof *m->sessions);
	if (n->details)
		advise_tail(m->details, s_off, p->capdetails, sizeof *m->details);
	advise_tail(m->calls, c_off, p->capcalls, sizeof *m->calls);
	advise_tail(m->findings, f_off, p->capfindings, sizeof *m->findings);
	for (i = 0; i < n->nspans; i++) {
		m->spans[m->nspans + i] = n->spans[i];
		m->spans[m->nspans + i].session += s_off;
	}
	for (i = 0; i < n->noutside; i++) {
		m->outside[m->noutside + i] = n->outside[i];
		m->outside[m->noutside + i].call += c_off;
	}
	m->nspans += n->nspans;
	m->noutside += n->noutside;
	n->nspans = n->noutside = 0;
	if (n->nsessions)
		memcpy(m->sessions + s_off, n->sessions, n->nsessions * sizeof *n->sessions);
	if (n->details && n->nsessions)
		memcpy(m->details + s_off, n->details, n->nsessions * sizeof *n->details);
	for (i = s_off; i < s_off + n->nsessions; i++)
		m->sessions[i].call += c_off;
	if (n->ncalls)
		memcpy(m->calls + c_off, n->calls, n->ncalls * sizeof *n->calls);
	for (i = c_off; i < c_off + n->ncalls; i++)
		m->calls[i].first_session += s_off;
	if (n->nfindings)
		memcpy(m->findings + f_off, n->findings, n->nfindings * sizeof *n->findings);
	for (i = 0; i < n->nfindings; i++)
		p->owner[f_off + i] = q->owner[i] + s_off;
	for (size_t r = 0; r < q->nrooms; r++) {
		struct room_span x = q->rooms[r];

		x.s_first += s_off;
		x.s_end += s_off;
		x.c_first += c_off;
		x.c_end += c_off;
		x.abn_first += (uint32_t)p->nabn;
		x.abn_end += (uint32_t)p->nabn;
		p->rooms[p->nrooms++] = x;
	}
	if (q->nabn)
		memcpy(p->abn + p->nabn, q->abn, q->nabn * sizeof *q->abn);
	p->nabn += q->nabn;
	q->nabn = 0;
	/* The texts stay where they are: their blocks join p's. */
	arena_join(&m->text, &n->text);
	m->nsessions += n->nsessions;
	m->ncalls += n->ncalls;
	m->nfindings += n->nfindings;
	n->nsessions = n->ncalls = n->nfindings = 0;
	q->nrooms = 0;
	return RR_OK;
}

/* ---- the threads ---- */

/* Chunks of whole rooms, taken by the threads in order and appended to the
 * main part in that same order. */
struct sched {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	const size_t *first;      /* nchunks + 1 record indexes */
	size_t nchunks, next_take, next_commit;
	struct part *main;
	int rc;                   /* the first failure */
};

struct worker {
	struct builder b;
	struct part part;
	struct sched *s;
};

static void run_chunks(struct worker *w)
{
	struct sched *s = w->s;

	for (;;) {
		size_t k;
		int rc;

		pthread_mutex_lock(&s->lock);
		k = s->next_take++;
		rc = s->rc;
		pthread_mutex_unlock(&s->lock);
		if (rc != RR_OK || k >= s->nchunks)
			break;
		rc = sessions_build_range(&w->b, s->first[k], s->first[k + 1]);
		pthread_mutex_lock(&s->lock);
		while (s->rc == RR_OK && s->next_commit != k)
			pthread_cond_wait(&s->cv, &s->lock);
		if (rc == RR_OK && s->rc == RR_OK) {
			struct reach r = { s->first[k + 1], s->first[s->nchunks] };

			rc = part_append(s->main, &w->part, &r);
		}
		if (rc != RR_OK && s->rc == RR_OK)
			s->rc = rc;
		s->next_commit++;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->lock);
		if (rc != RR_OK)
			break;
	}
}

static void worker_run(void *arg, unsigned k)
{
	struct worker *ws = arg;

	run_chunks(&ws[k]);
}

#define SESSIONS_MAX_THREADS 8
#define SESSIONS_PART_MIN ((size_t)1 << 20)   /* records per thread worth one */
#define SESSIONS_CHUNK ((size_t)1 << 18)      /* records per chunk */

/* How many threads, and chunk boundaries at rooms' starts (*first, set
 * only for more than one thread). Returns the number of chunks, 0 when out
 * of memory. */
static size_t plan_chunks(const struct dataset *ds, unsigned threads, unsigned *nt,
			  size_t **first)
{
	const struct record *recs = ds->recs;
	size_t want, size, n = 0, pos;

	*nt = parallel_parts(threads, SESSIONS_MAX_THREADS, ds->nrecs, SESSIONS_PART_MIN);
	/* Chosen counts (tests) get about four chunks per thread. */
	size = threads ? ds->nrecs / (4 * (size_t)*nt) + 1 : SESSIONS_CHUNK;
	if (*nt <= 1)
		return 1;
	want = ds->nrecs / size + 2;
	*first = rr_malloc((want + 1) * sizeof **first);
	if (!*first)
		return 0;
	(*first)[0] = 0;
	while (n + 1 < want) {
		pos = (*first)[n] + size;
		if (pos >= ds->nrecs)
			break;
		while (pos < ds->nrecs && recs[pos].room == recs[pos - 1].room)
			pos++;
		(*first)[++n] = pos;
	}
	if ((*first)[n] != ds->nrecs)
		(*first)[++n] = ds->nrecs;
	return n ? n : 1;
}

static int build_parallel(struct builder *b, unsigned nt, const size_t *first, size_t nchunks)
{
	struct worker *ws = rr_calloc(nt, sizeof *ws);
	struct sched s;
	unsigned k;
	int rc;

	if (!ws)
		return RR_ENOMEM;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cv, NULL);
	s.first = first;
	s.nchunks = nchunks;
	s.main = b->p;
	for (k = 0; k < nt; k++) {
		/* The shared inputs; scratch and a part of its own. */
		ws[k].b.ds = b->ds;
		ws[k].b.strs = b->strs;
		ws[k].b.cat = b->cat;
		ws[k].b.o = b->o;
		ws[k].b.tz = b->tz;
		ws[k].b.p = &ws[k].part;
		ws[k].b.m = &ws[k].part.m;
		ws[k].s = &s;
	}
	parallel_for(nt, worker_run, ws);
	for (k = 0; k < nt; k++) {
		sessions_builder_free(&ws[k].b);
		sessions_part_free(&ws[k].part);
	}
	rc = s.rc;
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.lock);
	rr_free(ws);
	return rc;
}

/* Builds the groups of b->ds, on as many threads as the options say. */
int sessions_build_dataset(struct builder *b)
{
	size_t *first = NULL, nchunks;
	unsigned nt;
	int rc;

	nchunks = plan_chunks(b->ds, b->o->threads, &nt, &first);
	if (nchunks == 0)
		return RR_ENOMEM;
	if (nt <= 1 || nchunks <= 1)
		rc = sessions_build_range(b, 0, b->ds->nrecs);
	else
		rc = build_parallel(b, nt, first, nchunks);
	rr_free(first);
	return rc;
}
