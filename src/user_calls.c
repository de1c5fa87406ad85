/*
 * user_calls — `--user` keeps whole calls (user_calls.h). The records'
 * calls come from a model built on the range itself, then thrown away: the
 * range's calls are needed before its records are decoded and kept.
 */
#include <stdlib.h>
#include <string.h>

#include "user_calls.h"
#include "util.h"

size_t user_calls_ids(const struct strtab *strs, const char *const *users, size_t n,
		      uint32_t *ids)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t id;

		if (users[i] && strtab_find(strs, users[i], strlen(users[i]), &id) &&
		    !user_calls_selected(ids, k, id))
			ids[k++] = id;
	}
	return k;
}

int user_calls_selected(const uint32_t *ids, size_t nids, uint32_t user)
{
	for (size_t i = 0; i < nids; i++)
		if (ids[i] == user)
			return 1;
	return 0;
}

/* ---- the records' calls ---- */

/* An experience's key, as its abnormal rows hold it, and its call. */
struct exp_key {
	int64_t time;
	uint32_t room, comm, user, call;
	int32_t id;
};

static int cmp_exp_key(const void *pa, const void *pb)
{
	const struct exp_key *a = pa, *b = pb;

	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	if (a->comm != b->comm)
		return a->comm < b->comm ? -1 : 1;
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* A call by its records: a (room, CommId)'s calls share rec_first and are
 * taken in start order. */
struct ckey {
	int64_t start, end;
	uint32_t rec_first, rec_end, call;
};

static int cmp_ckey(const void *pa, const void *pb)
{
	const struct ckey *a = pa, *b = pb;

	if (a->rec_first != b->rec_first)
		return a->rec_first < b->rec_first ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->call < b->call ? -1 : a->call > b->call;
}

/* The walk over a range's records in order, naming each one's call. */
struct walk {
	const struct record *recs;
	struct ckey *c;      /* sorted */
	size_t nc, p, q;     /* [p, q): the calls of the group at the walk's record */
	struct exp_key *exp; /* sorted */
	size_t nexp;
};

static int walk_init(struct walk *w, const struct dataset *d, const struct model *m)
{
	memset(w, 0, sizeof *w);
	w->recs = d->recs;
	w->c = rr_malloc(((size_t)m->ncalls + 1) * sizeof *w->c);
	w->exp = rr_malloc(((size_t)m->nexperiences + 1) * sizeof *w->exp);
	if (!w->c || !w->exp) {
		rr_free(w->c);
		rr_free(w->exp);
		return RR_ENOMEM;
	}
	for (uint32_t i = 0; i < m->ncalls; i++) {
		const struct call *c = &m->calls[i];

		w->c[i] = (struct ckey){ c->start_ms, c->end_ms, c->rec_first, c->rec_end, i };
	}
	w->nc = m->ncalls;
	qsort(w->c, w->nc, sizeof *w->c, cmp_ckey);
	for (uint32_t i = 0; i < m->nexperiences; i++) {
		const struct experience *e = &m->experiences[i];

		w->exp[i] = (struct exp_key){ e->time_ms, e->room, e->comm, e->user, e->call, e->id };
	}
	w->nexp = m->nexperiences;
	qsort(w->exp, w->nexp, sizeof *w->exp, cmp_exp_key);
	return RR_OK;
}

static void walk_free(struct walk *w)
{
	rr_free(w->c);
	rr_free(w->exp);
}

/* The walk starts again at record 0. */
static void walk_rewind(struct walk *w)
{
	w->p = w->q = 0;
}

/* Among the group's calls [p, q) (start order), the one containing t,
 * else the nearest (sessions_calls' rule for events outside sessions). */
static uint32_t nearest_call(const struct walk *w, int64_t t)
{
	size_t k = w->p;

	while (k + 1 < w->q && w->c[k + 1].start <= t)
		k++;
	if (k + 1 < w->q && sessions_call_nearer_next(t, w->c[k].end, w->c[k + 1].start))
		k++;
	return w->c[k].call;
}

/* The call of record i (called with i ascending), or RR_NOIDX. */
static uint32_t walk_call(struct walk *w, size_t i)
{
	const struct record *r = &w->recs[i];

	if (r->kind == REC_ABNORMAL) {
		struct exp_key k = { r->time_ms, r->room, r->comm, r->user, 0, r->id };
		const struct exp_key *e = bsearch(&k, w->exp, w->nexp, sizeof *w->exp, cmp_exp_key);

		return e ? e->call : RR_NOIDX;
	}
	while (w->p < w->nc && w->c[w->p].rec_end <= i)
		w->p++;
	if (w->q <= w->p) {
		w->q = w->p;
		while (w->q < w->nc && w->c[w->q].rec_first == w->c[w->p].rec_first)
			w->q++;
	}
	if (w->p >= w->nc || w->c[w->p].rec_first > i)
		return RR_NOIDX;
	return nearest_call(w, r->time_ms);
}

/* Marks in keep[] the calls in which a selected user has a record; then
 * moves the records kept to the front. Returns the number kept. */
static size_t keep_marked(struct walk *w, struct dataset *d, unsigned char *keep,
			  const uint32_t *ids, size_t nids)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nrecs; i++) {
		uint32_t c = walk_call(w, i);

		if (c != RR_NOIDX && user_calls_selected(ids, nids, d->recs[i].user))
			keep[c] = 1;
	}
	walk_rewind(w);
	for (size_t i = 0; i < d->nrecs; i++) {
		uint32_t c = walk_call(w, i);
		int k = c != RR_NOIDX ? keep[c] : user_calls_selected(ids, nids, d->recs[i].user);

		if (!k) {
			if (d->recs[i].kind == REC_ABNORMAL)
				d->counts.abnormal--;
			else
				d->counts.events--;
			continue;
		}
		if (n != i)
			d->recs[n] = d->recs[i];
		n++;
	}
	return n;
}

int user_calls_keep_records(struct dataset *d, const struct catalog *cat,
			    const struct sessions_options *o, const uint32_t *ids, size_t nids,
			    uint64_t *dropped)
{
	struct model m;
	struct walk w;
	unsigned char *keep;
	size_t n;
	int st;

	if (d->nrecs == 0)
		return RR_OK;
	memset(&m, 0, sizeof m);
	st = sessions_build(d, cat, o, &m);
	if (st != RR_OK)
		return st;
	keep = rr_calloc((size_t)m.ncalls + 1, 1);
	if (!keep || walk_init(&w, d, &m) != RR_OK) {
		rr_free(keep);
		model_free(&m);
		return RR_ENOMEM;
	}
	n = keep_marked(&w, d, keep, ids, nids);
	*dropped += d->nrecs - n;
	d->counts.used -= d->nrecs - n;
	d->nrecs = n;
	walk_free(&w);
	rr_free(keep);
	model_free(&m);
	return RR_OK;
}

/* ---- companion rows ---- */

/* A participant of a kept call: (user, room, CommId). */
struct part_key {
	uint32_t user, room, comm;
};

static int cmp_part(const void *pa, const void *pb)
{
	const struct part_key *a = pa, *b = pb;

	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	return a->comm < b->comm ? -1 : a->comm > b->comm;
}

/* The first key not below k in keys[0..n). */
static size_t lower(const struct part_key *keys, size_t n, const struct part_key *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_part(&keys[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 when keys (sorted) hold user in room (any room when room is 0), in a
 * call of any CommId: a row's CommId that names no call falls back to the
 * room's CommId-less calls (companion.h), so the room is what decides. */
static int has_user(const struct part_key *keys, size_t n, uint32_t user, uint32_t room)
{
	struct part_key k = { user, room, 0 };
	size_t i = lower(keys, n, &k);

	return i < n && keys[i].user == user && (room == 0 || keys[i].room == room);
}

/* 1 when keys hold the call (room, comm) itself (user 0). */
static int has_call(const struct part_key *keys, size_t n, uint32_t room, uint32_t comm)
{
	struct part_key k = { 0, room, comm };
	size_t i = lower(keys, n, &k);

	return i < n && cmp_part(&keys[i], &k) == 0;
}

/* Participants (users of sessions; user 0 for the calls themselves, so
 * rooms rows find them too), sorted, into *out (*n). */
static int parts_of(const struct model *m, struct part_key **out, size_t *n)
{
	size_t k = 0;
	struct part_key *p = rr_malloc(((size_t)m->nsessions + m->ncalls + 1) * sizeof *p);

	if (!p)
		return RR_ENOMEM;
	for (uint32_t i = 0; i < m->nsessions; i++) {
		const struct call *c = &m->calls[m->sessions[i].call];

		p[k++] = (struct part_key){ m->sessions[i].user, c->room, c->comm };
	}
	for (uint32_t i = 0; i < m->ncalls; i++)
		p[k++] = (struct part_key){ 0, m->calls[i].room, m->calls[i].comm };
	qsort(p, k, sizeof *p, cmp_part);
	*out = p;
	*n = k;
	return RR_OK;
}

int user_calls_keep_companions(struct dataset *ds, const struct model *m)
{
	struct part_key *p;
	size_t np, n, k;
	int st = parts_of(m, &p, &np);

	if (st != RR_OK)
		return st;
	for (n = k = 0; k < ds->nusers; k++) {
		const struct user_info *u = &ds->users[k];

		if (has_user(p, np, u->user, u->room))
			ds->users[n++] = *u;
	}
	ds->counts.users -= ds->nusers - n;
	ds->counts.filtered += ds->nusers - n;
	ds->counts.used -= ds->nusers - n;
	ds->nusers = n;
	for (n = k = 0; k < ds->nrooms; k++) {
		const struct room_info *r = &ds->rooms[k];

		/* Its call, or the room's CommId-less calls it may overlap. */
		if (has_call(p, np, r->room, r->comm) || has_call(p, np, r->room, 0))
			ds->rooms[n++] = *r;
	}
	ds->counts.rooms -= ds->nrooms - n;
	ds->counts.filtered += ds->nrooms - n;
	ds->counts.used -= ds->nrooms - n;
	ds->nrooms = n;
	for (n = k = 0; k < ds->nquality; k++) {
		const struct quality_sample *q = &ds->quality[k];

		if (has_user(p, np, q->user, q->room))
			ds->quality[n++] = *q;
	}
	ds->counts.quality -= ds->nquality - n;
	ds->counts.filtered += ds->nquality - n;
	ds->counts.used -= ds->nquality - n;
	ds->nquality = n;
	rr_free(p);
	return RR_OK;
}
