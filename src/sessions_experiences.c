/*
 * sessions_experiences — abnormal experiences (DESIGN §3): one room's
 * abnormal rows, copied while its records were there, grouped by (CommId,
 * user, time, ExperienceId) into experiences with their listed causes, each
 * attached to the user's session the rules name, or to a call, or to none
 * (an orphan); then their order (by session, by call, orphans last) and
 * the sessions' and calls' pointers to them.
 * Does not: word their findings (sessions_findings) or read records (the
 * copies are all it sees, so the datasets may be gone).
 */
#include <string.h>

#include "sessions_int.h"
#include "util.h"

static int cmp_abn_id(const void *pa, const void *pb, const void *ctx)
{
	const struct record *recs = ctx;
	int32_t a = recs[*(const uint32_t *)pa].id, b = recs[*(const uint32_t *)pb].id;

	return a < b ? -1 : a > b;
}

/* A session of one room: p its index in build order, f its final index. */
struct skey {
	uint32_t user, p, f;
	int64_t start;
};

/* By user, then start, then final order. */
static int cmp_skey(const void *pa, const void *pb, const void *ctx)
{
	const struct skey *a = pa, *b = pb;

	(void)ctx;
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->f < b->f ? -1 : a->f > b->f;
}

/* What experience_attach looks at: one room's sessions and calls, and
 * where the final order puts them. */
struct attach_ctx {
	const struct model *m;    /* sessions and calls still in build order */
	const struct skey *sk;    /* the room's sessions, cmp_skey order */
	size_t nsk;
	const uint32_t *ck;       /* the room's calls (build indexes) in final order */
	size_t nck;
	const uint32_t *cmap;     /* build call index -> final */
};

/* The minute an experience's EventTime starts (DESIGN §1). */
#define EXPERIENCE_SPAN_MS 60000
/* Room-dismissal abnormal events (causes), reported after the room closed. */
#define DISMISSAL_FIRST 1001
#define DISMISSAL_LAST 1032
#define EXP_SLOW_ENTRY 1

/* Every listed cause is a room-dismissal event (and there is one). */
static int experience_dismissal(const struct model *m, const struct experience *x)
{
	for (uint32_t k = 0; k < x->ncauses; k++) {
		int32_t id = m->causes[x->first_cause + k].id;

		if (id < DISMISSAL_FIRST || id > DISMISSAL_LAST)
			return 0;
	}
	return x->ncauses > 0;
}

/*
 * DESIGN §3: an experience counted in the minute [t, t + 60 s) belongs to
 * the user's session overlapping that minute (the one with the most of it,
 * the later on a tie); a slow room entry first to the session whose opening
 * lies in the minute (the first). Failing that, an experience whose causes
 * are room-dismissal events, reported after the room closed, goes to the
 * user's last session that ended before it; any other to the user's session
 * nearest the minute (the earlier on a tie); a user without a session in
 * the room gets the call (the nearest of the room's). Sessions and calls of
 * the experience's CommId, when the user has any, are preferred.
 */
static void experience_attach(const struct attach_ctx *a, struct experience *x)
{
	const struct model *m = a->m;
	const struct skey *sk = a->sk;
	size_t lo = 0, hi = a->nsk, mid, i, best = SIZE_MAX;
	int64_t t = x->time_ms, t1 = t + EXPERIENCE_SPAN_MS, best_d = 0;
	int same_comm = 0;

	x->session = RR_NOIDX;
	x->call = RR_NOIDX;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sk[mid].user < x->user)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < a->nsk && sk[hi].user == x->user; hi++)
		if (x->comm && m->calls[m->sessions[sk[hi].p].call].comm == x->comm)
			same_comm = 1;
#define SESSION_OK(i) (!same_comm || m->calls[m->sessions[sk[i].p].call].comm == x->comm)
	for (i = lo; x->id == EXP_SLOW_ENTRY && i < hi; i++) {   /* opened in the minute */
		const struct session *s = &m->sessions[sk[i].p];

		if (SESSION_OK(i) && s->start_ms >= t && s->start_ms < t1) {
			best = i;
			break;
		}
	}
	for (i = lo; best == SIZE_MAX && i < hi; i++) {   /* overlapping the minute */
		const struct session *s = &m->sessions[sk[i].p];
		int64_t d;

		if (!SESSION_OK(i) || s->start_ms >= t1 || s->end_ms < t)
			continue;
		d = (s->end_ms < t1 ? s->end_ms : t1) - (s->start_ms > t ? s->start_ms : t);
		if (best == SIZE_MAX || d >= best_d) {
			best = i;
			best_d = d;
		}
	}
	if (best == SIZE_MAX && experience_dismissal(m, x)) {
		for (i = lo; i < hi; i++) {           /* the last that ended before it */
			const struct session *s = &m->sessions[sk[i].p];

			if (SESSION_OK(i) && s->end_ms < t &&
			    (best == SIZE_MAX || s->end_ms >= m->sessions[sk[best].p].end_ms))
				best = i;
		}
	}
	if (best == SIZE_MAX) {
		for (i = lo; i < hi; i++) {           /* the nearest */
			const struct session *s = &m->sessions[sk[i].p];
			int64_t d = s->end_ms < t ? t - s->end_ms : s->start_ms - t1;

			if (SESSION_OK(i) && (best == SIZE_MAX || d < best_d)) {
				best = i;
				best_d = d;
			}
		}
	}
#undef SESSION_OK
	if (best != SIZE_MAX) {
		x->session = sk[best].f;
		x->call = a->cmap[m->sessions[sk[best].p].call];
		return;
	}

	same_comm = 0;
	for (i = 0; i < a->nck; i++)
		if (x->comm && m->calls[a->ck[i]].comm == x->comm)
			same_comm = 1;
	for (i = 0; i < a->nck; i++) {
		const struct call *c = &m->calls[a->ck[i]];
		int64_t d;

		if (same_comm && c->comm != x->comm)
			continue;
		d = t < c->start_ms ? c->start_ms - t : t > c->end_ms ? t - c->end_ms : 0;
		if (best == SIZE_MAX || d < best_d) {
			best = i;
			best_d = d;
		}
	}
	if (best != SIZE_MAX)
		x->call = a->cmap[a->ck[best]];
}

static int cmp_ck(const void *pa, const void *pb, const void *ctx)
{
	const uint32_t *cmap = ctx;
	uint32_t a = cmap[*(const uint32_t *)pa], b = cmap[*(const uint32_t *)pb];

	return a < b ? -1 : a > b;
}

/* The end of the run of abnormal rows from i on that share (comm, user,
 * time). The records were sorted by (room, comm, user, time), so all rows
 * of one room with equal keys are adjacent, and the copies, which keep the
 * abnormal ones in record order, hold each such run whole: the runs are
 * the groups the records would give, in the same order, less their events. */
static size_t abn_run_end(const struct record *recs, size_t i, size_t end)
{
	size_t j;

	for (j = i + 1; j < end && recs[j].comm == recs[i].comm && recs[j].user == recs[i].user &&
			recs[j].time_ms == recs[i].time_ms; j++)
		;
	return j;
}

/* Groups one room's abnormal rows into experiences with their causes and
 * attaches each. fmap and cmap give the final index of a session or call
 * from its build index. */
int sessions_room_experiences(struct builder *b, const struct room_span *r, const uint32_t *fmap,
			    const uint32_t *cmap, struct skey **skp, size_t *capsk)
{
	const struct record *recs = b->p->abn;
	struct model *m = b->m;
	struct attach_ctx a;
	struct skey *sk;
	uint32_t *ck, *grp;
	size_t ns = r->s_end - r->s_first, nc = r->c_end - r->c_first, i, j, k, n;

	if (rr_grow(skp, capsk, ns ? ns : 1, sizeof **skp) != RR_OK)
		return RR_ENOMEM;
	sk = *skp;
	for (i = 0; i < ns; i++) {
		uint32_t p = r->s_first + (uint32_t)i;

		sk[i].user = m->sessions[p].user;
		sk[i].start = m->sessions[p].start_ms;
		sk[i].p = p;
		sk[i].f = fmap[p];
	}
	if (sessions_sort(b, sk, ns, sizeof *sk, cmp_skey, NULL) != RR_OK)
		return RR_ENOMEM;
	/* ck first, then one (comm, user, time) group of abnormal rows. */
	for (i = r->abn_first, n = 0; i < r->abn_end; i = j) {
		j = abn_run_end(recs, i, r->abn_end);
		if (j - i > n)
			n = j - i;
	}
	if (rr_grow(&b->idx, &b->capidx, nc + n, sizeof *b->idx) != RR_OK)
		return RR_ENOMEM;
	ck = b->idx;
	grp = b->idx + nc;
	for (i = 0; i < nc; i++)
		ck[i] = r->c_first + (uint32_t)i;
	if (sessions_sort(b, ck, nc, sizeof *ck, cmp_ck, cmap) != RR_OK)
		return RR_ENOMEM;
	a.m = m;
	a.sk = sk;
	a.nsk = ns;
	a.ck = ck;
	a.nck = nc;
	a.cmap = cmap;

	for (i = r->abn_first; i < r->abn_end; i = j) {
		j = abn_run_end(recs, i, r->abn_end);
		n = 0;
		for (size_t e = i; e < j; e++)
			grp[n++] = (uint32_t)e;
		/* Rows of one time may interleave experience IDs. */
		if (sessions_sort(b, grp, n, sizeof *grp, cmp_abn_id, recs) != RR_OK)
			return RR_ENOMEM;
		for (k = 0; k < n;) {
			const struct record *rk = &recs[grp[k]];
			struct experience *x;
			size_t e;

			if (m->nexperiences >= UINT32_MAX - 1 ||
			    rr_grow(&m->experiences, &b->p->capexp, m->nexperiences + 1,
				    sizeof *m->experiences) != RR_OK)
				return RR_ENOMEM;
			x = &m->experiences[m->nexperiences++];
			memset(x, 0, sizeof *x);
			x->time_ms = rk->time_ms;
			x->id = rk->id;
			x->room = rk->room;
			x->comm = rk->comm;
			x->user = rk->user;
			x->first_cause = m->ncauses;
			for (e = k; e < n && recs[grp[e]].id == rk->id; e++) {
				const struct record *rc_ = &recs[grp[e]];

				if (rc_->p1 == -1)
					continue;   /* a blank cause: no listed cause */
				if (m->ncauses >= UINT32_MAX - 1 ||
				    rr_grow(&m->causes, &b->p->capcauses, m->ncauses + 1,
					    sizeof *m->causes) != RR_OK)
					return RR_ENOMEM;
				m->causes[m->ncauses].id = rc_->p1;
				m->causes[m->ncauses].peer = rc_->peer;
				m->ncauses++;
				x->ncauses++;
			}
			experience_attach(&a, x);
			k = e;
		}
	}
	return RR_OK;
}

static int experience_class(const struct experience *x)
{
	return x->session != RR_NOIDX ? 0 : x->call != RR_NOIDX ? 1 : 2;
}

static int cmp_experience(const void *pa, const void *pb, const void *ctx)
{
	const struct experience *a = pa, *b = pb;
	int ca = experience_class(a), cb = experience_class(b), c;

	(void)ctx;
	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ca == 0 && a->session != b->session)
		return a->session < b->session ? -1 : 1;
	if (ca == 1 && a->call != b->call)
		return a->call < b->call ? -1 : 1;
	c = cmp_i64(a->time_ms, b->time_ms);
	if (c)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Orders the experiences (final indexes by now). */
int sessions_experiences_sort(struct builder *b)
{
	struct model *m = b->m;

	return sessions_sort(b, m->experiences, m->nexperiences, sizeof *m->experiences,
			   cmp_experience, NULL);
}

/* Points the calls (in their final places) and the orphans at their
 * experiences. */
void sessions_experiences_point_calls(struct model *m)
{
	uint32_t i;

	m->first_orphan_exp = m->nexperiences;
	for (i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];

		if (x->session != RR_NOIDX)
			continue;
		if (x->call != RR_NOIDX) {
			struct call *c = &m->calls[x->call];

			if (c->nexp++ == 0)
				c->first_exp = i;
		} else if (m->norphan_exp++ == 0) {
			m->first_orphan_exp = i;
		}
	}
}

/* Points the sessions (in their final places) at their experiences, which
 * come first in the experiences' order. */
void sessions_experiences_point_sessions(struct model *m)
{
	uint32_t i;

	for (i = 0; i < m->nexperiences && m->experiences[i].session != RR_NOIDX; i++) {
		struct session *s = &m->sessions[m->experiences[i].session];

		if (s->nexp++ == 0)
			s->first_exp = i;
	}
}
