/*
 * companion — links the users, rooms and quality rows of a finished dataset
 * to the calls and sessions that sessions_build made from the events, and
 * raises the findings those rows support.
 *
 * Everything is worked out first into scratch arrays (which rows go with
 * which session and call, which sessions are still in the room, the new
 * findings); only then is the model changed, by steps that cannot fail
 * after model_add_findings succeeded. So on RR_ENOMEM the model is exactly
 * as sessions_build left it.
 *
 * Quality samples come sorted by (room, comm, user, peer, metric, time):
 * each run of one series is walked once beside the user's sessions (sorted
 * by start), so a file of a million samples costs a few passes and no
 * allocation per sample. Does not: build sessions, aggregate, or chart.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "companion.h"
#include "textbuf.h"
#include "util.h"

#define SAMPLE_SLACK_MS 60000       /* a sample this close to a session belongs to it */
#define MIN_GAP_LIMIT_MS 10000      /* samples closer than this never split a stretch */
#define BEFORE_TIMEOUT_MS 120000    /* a stretch ending this close before a timeout says so */
#define PEER_TEXT_MAX 64
#define TIME_TEXT 40

void companion_options_init(struct companion_options *o)
{
	o->display_tz = NULL;
	o->join_tolerance_ms = 60000;
}

/* ---- metrics the findings look at ---- */

enum qkind { QK_NONE, QK_RTT, QK_ALOSS, QK_VLOSS, QK_CPU, QK_ABLOCK, QK_VBLOCK };

static enum qkind metric_kind(const char *name)
{
	static const struct { const char *name; enum qkind k; } known[] = {
		{ "rtt", QK_RTT }, { "aLoss", QK_ALOSS }, { "bigvLoss", QK_VLOSS },
		{ "sysCpu", QK_CPU }, { "aBlock", QK_ABLOCK }, { "bigvBlock", QK_VBLOCK },
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(name, known[i].name) == 0)
			return known[i].k;
	return QK_NONE;
}

/* The condition of a finding: value above (or, for stutter, at least) the
 * threshold. Loss has a second, severe level handled by the caller. */
static int meets(enum qkind k, double v)
{
	switch (k) {
	case QK_RTT: return v > COMPANION_RTT_HIGH;
	case QK_ALOSS:
	case QK_VLOSS: return v > COMPANION_LOSS_POOR;
	case QK_CPU: return v > COMPANION_SYS_CPU_HIGH;
	case QK_ABLOCK: return v >= COMPANION_AUDIO_STUTTER_MS;
	case QK_VBLOCK: return v >= COMPANION_VIDEO_STUTTER_MS;
	default: return 0;
	}
}

/* ---- indexes over the model ---- */

/* A session under (room, user, start); for room-less samples room is 0 in
 * every key, so the same type sorts by (user, start). */
struct skey {
	uint32_t room, user;
	int64_t start;
	uint32_t idx;
};

/* A call under (room, comm, start); by-comm copies have room 0. */
struct ckey {
	uint32_t room, comm;
	int64_t start;
	uint32_t idx;
};

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

static int cmp_skey(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;

	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_ckey(const void *pa, const void *pb)
{
	const struct ckey *a = pa, *b = pb;

	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	if (a->comm != b->comm)
		return a->comm < b->comm ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static size_t skey_lower(const struct skey *k, size_t n, uint32_t room, uint32_t user)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k[mid].room < room || (k[mid].room == room && k[mid].user < user))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t ckey_lower(const struct ckey *k, size_t n, uint32_t room, uint32_t comm)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k[mid].room < room || (k[mid].room == room && k[mid].comm < comm))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct linker {
	const struct dataset *ds;
	const struct companion_options *o;
	const struct tz *tz;
	struct model *m;
	struct skey *by_room_user;   /* sessions by (room, user, start) */
	struct skey *by_user;        /* sessions by (user, start), room 0 */
	struct ckey *by_room_comm;   /* calls by (room, comm, start) */
	struct ckey *by_comm;        /* calls by (comm, start), room 0 */
	uint8_t *last_in_call;       /* per session: the user's last in its call */
	uint32_t *sess_row;          /* per session: chosen users row, RR_NOIDX */
	uint32_t *call_room;         /* per call: chosen rooms row, RR_NOIDX */
	uint32_t *call_quality;      /* per call: samples linked */
	uint32_t *ongoing;           /* sessions to mark EXIT_ONGOING */
	size_t nongoing;
	uint32_t *cand;              /* candidate sessions of one row or series */
	size_t ncand, capcand;
	int64_t *gaps;               /* scratch for one series' median interval */
	size_t capgaps;
	struct finding_new *nf;      /* new findings; texts as offsets into pool */
	size_t nnf, capnf;
	size_t *toff;
	size_t captoff;
	char *pool;
	size_t npool, cappool;
	uint8_t kinds[DATASET_MAX_METRICS];
	struct unmatched um;         /* rows matching no call */
};

/* Counts ex->rows rows of kind k as matching no call; ex is kept as an
 * example while there is room. */
static void unmatched_add(struct linker *L, enum companion_kind k, const struct unmatched_example *ex)
{
	L->um.rows[k] += ex->rows;
	if (L->um.nex[k] < DATASET_UNMATCHED_EXAMPLES)
		L->um.ex[k][L->um.nex[k]++] = *ex;
}

static void time_text(const struct linker *L, int64_t ms, char *out)
{
	tz_time_text(L->tz, ms, out, TIME_TEXT);
}

static int add_finding(struct linker *L, uint32_t session, const char *code,
		       enum severity sev, int64_t time_ms, const struct textbuf *t,
		       const struct finding_times *ft)
{
	struct finding_new *f;

	if (rr_grow(&L->nf, &L->capnf, L->nnf + 1, sizeof *L->nf) != RR_OK ||
	    rr_grow(&L->toff, &L->captoff, L->nnf + 1, sizeof *L->toff) != RR_OK ||
	    rr_grow(&L->pool, &L->cappool, L->npool + t->len + 1, 1) != RR_OK)
		return RR_ENOMEM;
	memcpy(L->pool + L->npool, t->buf, t->len);
	L->pool[L->npool + t->len] = '\0';
	L->toff[L->nnf] = L->npool;
	L->npool += t->len + 1;
	f = &L->nf[L->nnf++];
	f->session = session;
	f->code = code;
	f->severity = sev;
	f->time_ms = time_ms;
	f->text = NULL;          /* the pool may still move: set when adding */
	f->times = *ft;
	return RR_OK;
}

static int build_indexes(struct linker *L)
{
	const struct model *m = L->m;
	uint32_t i, k;
	uint32_t *seen;
	uint32_t nstr = strtab_count(L->ds->strs);
	size_t ns = m->nsessions ? m->nsessions : 1, nc = m->ncalls ? m->ncalls : 1;

	L->by_room_user = rr_malloc(ns * sizeof *L->by_room_user);
	L->by_user = rr_malloc(ns * sizeof *L->by_user);
	L->by_room_comm = rr_malloc(nc * sizeof *L->by_room_comm);
	L->by_comm = rr_malloc(nc * sizeof *L->by_comm);
	L->last_in_call = rr_calloc(ns, 1);
	L->sess_row = rr_malloc(ns * sizeof *L->sess_row);
	L->call_room = rr_malloc(nc * sizeof *L->call_room);
	L->call_quality = rr_calloc(nc, sizeof *L->call_quality);
	L->ongoing = rr_malloc(ns * sizeof *L->ongoing);
	seen = rr_calloc(nstr ? nstr : 1, sizeof *seen);
	if (!L->by_room_user || !L->by_user || !L->by_room_comm || !L->by_comm ||
	    !L->last_in_call || !L->sess_row || !L->call_room || !L->call_quality ||
	    !L->ongoing || !seen) {
		rr_free(seen);
		return RR_ENOMEM;
	}
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];

		L->by_room_user[i].room = m->calls[s->call].room;
		L->by_room_user[i].user = s->user;
		L->by_room_user[i].start = s->start_ms;
		L->by_room_user[i].idx = i;
		L->by_user[i] = L->by_room_user[i];
		L->by_user[i].room = 0;
		L->sess_row[i] = RR_NOIDX;
	}
	for (i = 0; i < m->ncalls; i++) {
		const struct call *c = &m->calls[i];

		L->by_room_comm[i].room = c->room;
		L->by_room_comm[i].comm = c->comm;
		L->by_room_comm[i].start = c->start_ms;
		L->by_room_comm[i].idx = i;
		L->by_comm[i] = L->by_room_comm[i];
		L->by_comm[i].room = 0;
		L->call_room[i] = RR_NOIDX;
		/* Sessions are in start order within the call: walking back,
		 * the first one of each user is that user's last. */
		for (k = c->nsessions; k-- > 0;) {
			uint32_t s = c->first_session + k, u = m->sessions[s].user;

			if (u < nstr && seen[u] != i + 1) {
				seen[u] = i + 1;
				L->last_in_call[s] = 1;
			}
		}
	}
	rr_free(seen);
	qsort(L->by_room_user, m->nsessions, sizeof *L->by_room_user, cmp_skey);
	qsort(L->by_user, m->nsessions, sizeof *L->by_user, cmp_skey);
	qsort(L->by_room_comm, m->ncalls, sizeof *L->by_room_comm, cmp_ckey);
	qsort(L->by_comm, m->ncalls, sizeof *L->by_comm, cmp_ckey);
	return RR_OK;
}

/* The first call of (room, comm); without a room, the first of that comm.
 * RR_NOIDX when the events have none. */
static uint32_t find_call(const struct linker *L, uint32_t room, uint32_t comm)
{
	const struct ckey *k = room ? L->by_room_comm : L->by_comm;
	size_t n = L->m->ncalls, i = ckey_lower(k, n, room, comm);

	return i < n && k[i].room == room && k[i].comm == comm ? k[i].idx : RR_NOIDX;
}

static int cand_push(struct linker *L, uint32_t s)
{
	if (rr_grow(&L->cand, &L->capcand, L->ncand + 1, sizeof *L->cand) != RR_OK)
		return RR_ENOMEM;
	L->cand[L->ncand++] = s;
	return RR_OK;
}

/* ---- users file ---- */

/* Which of two users rows describes a session better: the one whose join
 * time is nearest its start, either side (clocks differ by a second or
 * two, so "before the start" alone picks an earlier stay's row), then a row
 * without a join time; the earlier row on a tie. */
static int row_better(const struct user_info *rows, uint32_t a, uint32_t b, int64_t start)
{
	int64_t ja = rows[a].join_ms, jb = rows[b].join_ms;
	int64_t da, db;

	if ((ja == RR_NONE) != (jb == RR_NONE))
		return jb == RR_NONE;
	if (ja == RR_NONE)
		return a < b;
	da = ja <= start ? start - ja : ja - start;
	db = jb <= start ? start - jb : jb - start;
	if (da != db)
		return da < db;
	return a < b;
}

/*
 * The sessions one users row speaks of, into L->cand (ascending session
 * index, so grouped by call in start order): with a CommId, the user's
 * sessions in that call; otherwise (or when no call has that CommId) the
 * user's sessions in the room's CommId-less calls overlapping [join, leave]
 * widened by the tolerance — all of them when the row gives no times. A
 * user still in the room has no real leave time ("now").
 */
static int user_candidates(struct linker *L, const struct user_info *u)
{
	const struct model *m = L->m;
	size_t n = m->nsessions, lo = skey_lower(L->by_room_user, n, u->room, u->user), i;
	int64_t tol = L->o->join_tolerance_ms, from = INT64_MIN, to = INT64_MAX;
	int by_comm = 0;
	int rc = RR_OK;

	L->ncand = 0;
	for (i = lo; u->comm && i < n && L->by_room_user[i].room == u->room &&
		     L->by_room_user[i].user == u->user; i++)
		if (m->calls[m->sessions[L->by_room_user[i].idx].call].comm == u->comm)
			by_comm = 1;
	if (u->join_ms != RR_NONE)
		from = u->join_ms - tol;
	if (u->leave_ms != RR_NONE && u->finished != 0)
		to = u->leave_ms + tol;
	for (i = lo; rc == RR_OK && i < n && L->by_room_user[i].room == u->room &&
		     L->by_room_user[i].user == u->user; i++) {
		uint32_t s = L->by_room_user[i].idx;
		const struct session *ss = &m->sessions[s];
		uint32_t comm = m->calls[ss->call].comm;

		/* A row without CommId may be of any call of its room (DESIGN
		 * §3, as event rows join): its times decide. */
		if (by_comm ? comm == u->comm
			    : (comm == 0 || u->comm == 0) && ss->end_ms >= from && ss->start_ms <= to)
			rc = cand_push(L, s);
	}
	/* by_room_user is in start order; session index order groups them by
	 * call (in start order within each), which the per-call checks use. */
	if (rc == RR_OK && L->ncand > 1)   /* cand is NULL while empty */
		qsort(L->cand, L->ncand, sizeof *L->cand, cmp_u32);
	return rc;
}

static void diff_text(struct textbuf *t, int64_t file_ms, int64_t event_ms)
{
	char d[32];
	int64_t diff = event_ms - file_ms;

	fmt_duration(diff < 0 ? -diff : diff, d, sizeof d);
	textbuf_add(t, " (%s %s)", d, diff < 0 ? "earlier" : "later");
}

/* The checks of one users row against its sessions ss[0..n) in one call
 * (in start order). latest: this is the row's latest call, the only one
 * where "still in the room" can be true (a row without a CommId or times
 * may cover earlier calls too). */
static int user_checks(struct linker *L, uint32_t row, const uint32_t *ss, size_t n, int latest)
{
	const struct user_info *u = &L->ds->users[row];
	const struct model *m = L->m;
	const struct session *first = &m->sessions[ss[0]], *last = &m->sessions[ss[n - 1]];
	int64_t tol = L->o->join_tolerance_ms;
	struct textbuf t = { .len = 0 };
	struct finding_times ft = { .n = 0 };
	char a[TIME_TEXT], b[TIME_TEXT];
	int rc;

	if (u->join_ms != RR_NONE && (first->start_ms - u->join_ms > tol ||
				      u->join_ms - first->start_ms > tol)) {
		time_text(L, u->join_ms, a);
		time_text(L, first->start_ms, b);
		textbuf_add(&t, "Users file says joined at ");
		finding_time_put(&t, &ft, u->join_ms, FT_TIME, a);
		textbuf_add(&t, "; events show ");
		finding_time_put(&t, &ft, first->start_ms, FT_TIME, b);
		diff_text(&t, u->join_ms, first->start_ms);
		if ((rc = add_finding(L, ss[0], "join_mismatch", SEV_INFO, first->start_ms, &t, &ft)))
			return rc;
	}
	t.len = 0;
	ft.n = 0;
	if (u->finished == 1 && u->leave_ms != RR_NONE &&
	    (last->end_ms - u->leave_ms > tol || u->leave_ms - last->end_ms > tol)) {
		time_text(L, u->leave_ms, a);
		time_text(L, last->end_ms, b);
		textbuf_add(&t, "Users file says left at ");
		finding_time_put(&t, &ft, u->leave_ms, FT_TIME, a);
		textbuf_add(&t, "; events show ");
		finding_time_put(&t, &ft, last->end_ms, FT_TIME, b);
		diff_text(&t, u->leave_ms, last->end_ms);
		return add_finding(L, ss[n - 1], "leave_mismatch", SEV_INFO, last->end_ms, &t, &ft);
	}
	if (u->finished != 0 || !latest || !L->last_in_call[ss[n - 1]])
		return RR_OK;
	if (last->exit == EXIT_UNKNOWN) {
		/* Not an exit that went unrecorded: the user had not left. */
		time_text(L, last->last_seen_ms, a);
		textbuf_add(&t, "Still in the room when the data was exported (last seen ");
		finding_time_put(&t, &ft, last->last_seen_ms, FT_TIME, a);
		textbuf_add(&t, ")");
		L->ongoing[L->nongoing++] = ss[n - 1];
		return add_finding(L, ss[n - 1], "still_in_room", SEV_INFO, last->last_seen_ms, &t, &ft);
	}
	if (last->exit != EXIT_ONGOING) {
		time_text(L, last->end_ms, a);
		textbuf_add(&t, "Users file says still in the room at export, but the events "
			    "show an exit at ");
		finding_time_put(&t, &ft, last->end_ms, FT_TIME, a);
		textbuf_add(&t, " (%s)", exit_reason_name(last->exit));
		return add_finding(L, ss[n - 1], "leave_mismatch", SEV_INFO, last->end_ms, &t, &ft);
	}
	return RR_OK;
}

static int link_users(struct linker *L)
{
	const struct dataset *ds = L->ds;
	const struct model *m = L->m;
	uint32_t row;
	size_t i;
	int rc;

	/* First every session gets its best row (a row with no session of its
	 * user in the call it names, or in its room's calls at its times,
	 * matches no call)... */
	for (row = 0; row < ds->nusers; row++) {
		const struct user_info *u = &ds->users[row];

		if ((rc = user_candidates(L, u)))
			return rc;
		if (L->ncand == 0) {
			struct unmatched_example ex = {
				.file = u->file, .line = u->line, .room = u->room, .comm = u->comm,
				.user = u->user, .rows = 1 };

			unmatched_add(L, COMPANION_USERS, &ex);
		}
		for (i = 0; i < L->ncand; i++) {
			uint32_t s = L->cand[i], cur = L->sess_row[s];

			if (cur == RR_NOIDX || row_better(ds->users, row, cur, m->sessions[s].start_ms))
				L->sess_row[s] = row;
		}
	}
	/* ...then each row is checked against the sessions it kept, call by
	 * call (a row may span calls only without a CommId). */
	for (row = 0; row < ds->nusers; row++) {
		size_t kept, e;

		if ((rc = user_candidates(L, &ds->users[row])))
			return rc;
		for (i = kept = 0; i < L->ncand; i++)
			if (L->sess_row[L->cand[i]] == row)
				L->cand[kept++] = L->cand[i];
		for (i = 0; i < kept; i = e) {
			for (e = i + 1; e < kept &&
			     m->sessions[L->cand[e]].call == m->sessions[L->cand[i]].call; e++)
				;
			if ((rc = user_checks(L, row, L->cand + i, e - i, e == kept)))
				return rc;
		}
	}
	return RR_OK;
}

/* ---- rooms file ---- */

static void link_rooms(struct linker *L)
{
	const struct dataset *ds = L->ds;
	const struct model *m = L->m;
	uint32_t row;

	for (row = 0; row < ds->nrooms; row++) {
		const struct room_info *ri = &ds->rooms[row];
		uint32_t c = ri->comm ? find_call(L, ri->room, ri->comm) : RR_NOIDX;
		int64_t from = ri->create_ms == RR_NONE ? INT64_MIN : ri->create_ms;
		int64_t to = ri->destroy_ms == RR_NONE || ri->finished == 0 ? INT64_MAX
									    : ri->destroy_ms;
		size_t i, n = m->ncalls;
		int matched = 0;

		if (c != RR_NOIDX) {
			if (L->call_room[c] == RR_NOIDX)
				L->call_room[c] = row;
			continue;
		}
		/* Events without a CommId: the room's calls within the room's
		 * lifetime. A rooms row matching no call adds nothing and is
		 * counted as unmatched; one whose calls an earlier row already
		 * bounds still matches them. */
		for (i = ckey_lower(L->by_room_comm, n, ri->room, 0);
		     i < n && L->by_room_comm[i].room == ri->room && L->by_room_comm[i].comm == 0; i++) {
			const struct call *cc = &m->calls[L->by_room_comm[i].idx];

			if (cc->end_ms < from || cc->start_ms > to)
				continue;
			matched = 1;
			if (L->call_room[L->by_room_comm[i].idx] == RR_NOIDX)
				L->call_room[L->by_room_comm[i].idx] = row;
		}
		if (!matched) {
			struct unmatched_example ex = {
				.file = ri->file, .line = ri->line, .room = ri->room, .comm = ri->comm,
				.rows = 1 };

			unmatched_add(L, COMPANION_ROOMS, &ex);
		}
	}
}

/* ---- quality samples ---- */

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

/* Longest allowed gap inside a stretch: twice the series' median interval,
 * and never less than MIN_GAP_LIMIT_MS. */
static int gap_limit(struct linker *L, const struct quality_sample *q, size_t n, int64_t *out)
{
	size_t i, k = 0;

	*out = MIN_GAP_LIMIT_MS;
	if (n < 2)
		return RR_OK;
	if (rr_grow(&L->gaps, &L->capgaps, n - 1, sizeof *L->gaps) != RR_OK)
		return RR_ENOMEM;
	for (i = 1; i < n; i++)
		if (q[i].time_ms > q[i - 1].time_ms)
			L->gaps[k++] = q[i].time_ms - q[i - 1].time_ms;
	if (k == 0)
		return RR_OK;
	qsort(L->gaps, k, sizeof *L->gaps, cmp_i64);
	if (2 * L->gaps[(k - 1) / 2] > *out)
		*out = 2 * L->gaps[(k - 1) / 2];
	return RR_OK;
}

static const char *kind_label(enum qkind k, int upstream)
{
	switch (k) {
	case QK_RTT: return "RTT";
	case QK_ALOSS: return upstream ? "Upstream audio loss" : "Audio loss";
	case QK_VLOSS: return upstream ? "Upstream video loss" : "Video loss";
	case QK_CPU: return "System CPU";
	case QK_ABLOCK: return "Audio stutter";
	case QK_VBLOCK: return "Video stutter";
	default: return "";
	}
}

/* One finding for a stretch [from, to] of series q (peer, metric) of
 * session s. level: the threshold crossed (the severe one for loss). */
static int stretch_finding(struct linker *L, uint32_t s, const struct quality_sample *q,
			   enum qkind k, double level, enum severity sev, int64_t from, int64_t to)
{
	static const char *const codes[] = {
		NULL, "high_rtt", "high_loss", "high_loss", "high_cpu", "audio_stutter",
		"video_stutter",
	};
	const struct session *ss = &L->m->sessions[s];
	const struct strtab *st = L->ds->strs;
	struct textbuf t = { .len = 0 };
	struct finding_times ft = { .n = 0 };
	char a[TIME_TEXT], d[32];

	textbuf_add(&t, "%s", kind_label(k, q->peer == 0));
	if (q->peer) {
		textbuf_add(&t, " from ");
		textbuf_add_clipped(&t, strtab_str(st, q->peer), strtab_len(st, q->peer),
				    PEER_TEXT_MAX);
	}
	if (k == QK_ABLOCK || k == QK_VBLOCK)
		textbuf_add(&t, " at %g ms or more", level);
	else
		textbuf_add(&t, " above %g %s", level, k == QK_RTT ? "ms" : "%");
	fmt_duration(to - from, d, sizeof d);
	if (ss->exit == EXIT_TIMEOUT && to <= ss->end_ms && ss->end_ms - to <= BEFORE_TIMEOUT_MS) {
		time_text(L, ss->end_ms, a);
		textbuf_add(&t, " for %s before the timeout at ", d);
		finding_time_put(&t, &ft, ss->end_ms, FT_TIME, a);
	} else {
		time_text(L, from, a);
		textbuf_add(&t, " for %s from ", d);
		finding_time_put(&t, &ft, from, FT_TIME, a);
	}
	return add_finding(L, s, codes[k], sev, from, &t, &ft);
}

/*
 * Findings of one series q[0..n) with its per-sample sessions sess[]: a
 * stretch is consecutive samples meeting the condition, in one session,
 * with no gap above the limit; it counts when it lasts (first to last
 * sample) at least COMPANION_MIN_SPAN_MS. A loss stretch above "poor" is an
 * error when it holds a long-enough run above "severe" (reported with that
 * run's times), else a warning.
 */
static int series_findings(struct linker *L, enum qkind k, const struct quality_sample *q,
			   const uint32_t *sess, size_t n)
{
	int64_t limit;
	size_t i, a;
	int rc;

	for (i = 0; i < n && !(sess[i] != RR_NOIDX && meets(k, q[i].value)); i++)
		;
	if (i == n)
		return RR_OK;    /* the usual case: nothing to look at, no sorting */
	if ((rc = gap_limit(L, q, n, &limit)))
		return rc;
	for (a = i; a < n;) {
		size_t e = a + 1, sa = SIZE_MAX, best_a = 0, best_e = 0;
		int64_t best = -1;

		if (sess[a] == RR_NOIDX || !meets(k, q[a].value)) {
			a++;
			continue;
		}
		while (e < n && sess[e] == sess[a] && meets(k, q[e].value) &&
		       q[e].time_ms >= q[e - 1].time_ms && q[e].time_ms - q[e - 1].time_ms <= limit)
			e++;
		if (q[e - 1].time_ms - q[a].time_ms >= COMPANION_MIN_SPAN_MS) {
			if (k == QK_ALOSS || k == QK_VLOSS) {
				for (i = a; i <= e; i++) {   /* longest run above severe */
					int in = i < e && q[i].value > COMPANION_LOSS_SEVERE;

					if (in && sa == SIZE_MAX)
						sa = i;
					if (!in && sa != SIZE_MAX) {
						if (q[i - 1].time_ms - q[sa].time_ms > best) {
							best = q[i - 1].time_ms - q[sa].time_ms;
							best_a = sa;
							best_e = i - 1;
						}
						sa = SIZE_MAX;
					}
				}
			}
			if (best >= COMPANION_MIN_SPAN_MS)
				rc = stretch_finding(L, sess[a], q, k, COMPANION_LOSS_SEVERE, SEV_ERROR,
						     q[best_a].time_ms, q[best_e].time_ms);
			else
				rc = stretch_finding(L, sess[a], q, k,
						     k == QK_ALOSS || k == QK_VLOSS ? COMPANION_LOSS_POOR :
						     k == QK_RTT ? COMPANION_RTT_HIGH :
						     k == QK_CPU ? COMPANION_SYS_CPU_HIGH :
						     k == QK_ABLOCK ? COMPANION_AUDIO_STUTTER_MS :
						     COMPANION_VIDEO_STUTTER_MS, SEV_WARNING,
						     q[a].time_ms, q[e - 1].time_ms);
			if (rc)
				return rc;
		}
		a = e;
	}
	return RR_OK;
}

/*
 * One series run [a, b): (room, comm, user, peer, metric) fixed. Candidate
 * sessions: with a CommId naming a call, the user's sessions in it (every
 * sample counts for that call, in a session or not); otherwise the user's
 * sessions in the room (any room when the file has none), and a sample
 * belongs to the call of the session whose span, widened by
 * SAMPLE_SLACK_MS, holds it. sess[] (scratch, b - a long) receives each
 * sample's session.
 */
static int link_series(struct linker *L, size_t a, size_t b, uint32_t *sess)
{
	const struct dataset *ds = L->ds;
	const struct model *m = L->m;
	const struct quality_sample *q = &ds->quality[a];
	uint32_t call = q->comm ? find_call(L, q->room, q->comm) : RR_NOIDX;
	const struct skey *k = q->room ? L->by_room_user : L->by_user;
	size_t n = m->nsessions, lo = skey_lower(k, n, q->room, q->user), i, j = 0;
	uint64_t lost = 0;
	int rc = RR_OK;

	L->ncand = 0;
	for (i = lo; rc == RR_OK && i < n && k[i].room == q->room && k[i].user == q->user; i++) {
		uint32_t cc = m->sessions[k[i].idx].call;

		if (call != RR_NOIDX ? cc == call : m->calls[cc].comm == 0 || !q->comm)
			rc = cand_push(L, k[i].idx);
	}
	if (rc)
		return rc;
	/* Candidates are in start order; samples in time order. */
	for (i = 0; i < b - a; i++) {
		int64_t t = q[i].time_ms;

		sess[i] = RR_NOIDX;
		while (j < L->ncand && m->sessions[L->cand[j]].end_ms + SAMPLE_SLACK_MS < t)
			j++;
		if (j < L->ncand && m->sessions[L->cand[j]].start_ms - SAMPLE_SLACK_MS <= t)
			sess[i] = L->cand[j];
		if (call != RR_NOIDX)
			L->call_quality[call]++;
		else if (sess[i] != RR_NOIDX)
			L->call_quality[m->sessions[sess[i]].call]++;
		else
			lost++;          /* counted for no call: matches none */
	}
	if (lost) {
		struct unmatched_example ex = {
			.file = q->file, .metric = q->metric, .room = q->room, .comm = q->comm,
			.user = q->user, .rows = lost };

		unmatched_add(L, COMPANION_QUALITY, &ex);
	}
	if (q->metric < ds->nmetrics && L->kinds[q->metric] != QK_NONE)
		rc = series_findings(L, (enum qkind)L->kinds[q->metric], q, sess, b - a);
	return rc;
}

static int link_quality(struct linker *L)
{
	const struct dataset *ds = L->ds;
	uint32_t *sess = NULL;
	size_t cap = 0, a, b, i;
	int rc = RR_OK;

	for (i = 0; i < ds->nmetrics && i < DATASET_MAX_METRICS; i++)
		L->kinds[i] = (uint8_t)metric_kind(strtab_str(ds->strs, ds->metrics[i]));
	for (a = 0; a < ds->nquality && rc == RR_OK; a = b) {
		const struct quality_sample *q = &ds->quality[a];

		for (b = a + 1; b < ds->nquality && ds->quality[b].room == q->room &&
				ds->quality[b].comm == q->comm && ds->quality[b].user == q->user &&
				ds->quality[b].peer == q->peer && ds->quality[b].metric == q->metric; b++)
			;
		if (rr_grow(&sess, &cap, b - a, sizeof *sess) != RR_OK)
			rc = RR_ENOMEM;
		else
			rc = link_series(L, a, b, sess);
	}
	rr_free(sess);
	return rc;
}

/* ---- applying ---- */

/* Only steps that cannot fail follow a successful model_add_findings. */
static int apply(struct linker *L)
{
	const struct dataset *ds = L->ds;
	struct model *m = L->m;
	uint32_t i;
	size_t k;
	int rc;

	for (k = 0; k < L->nnf; k++)
		L->nf[k].text = L->pool + L->toff[k];
	if ((rc = model_add_findings(m, L->nf, L->nnf)))
		return rc;
	qsort(L->ongoing, L->nongoing, sizeof *L->ongoing, cmp_u32);
	model_drop_findings(m, "no_exit", L->ongoing, L->nongoing);
	for (k = 0; k < L->nongoing; k++) {
		struct session *s = &m->sessions[L->ongoing[k]];

		m->calls[s->call].exits[s->exit]--;
		s->exit = EXIT_ONGOING;
		m->calls[s->call].exits[EXIT_ONGOING]++;
	}
	for (i = 0; i < m->nsessions; i++) {
		struct session *s = &m->sessions[i];
		const struct user_info *u;

		if (L->sess_row[i] == RR_NOIDX)
			continue;
		u = &ds->users[L->sess_row[i]];
		s->user_info = L->sess_row[i];
		s->device = u->device;
		s->sdk = u->sdk;
		s->ip = u->ip;
	}
	for (i = 0; i < m->ncalls; i++) {
		struct call *c = &m->calls[i];

		c->quality_samples = L->call_quality[i];
		if (L->call_room[i] != RR_NOIDX) {
			const struct room_info *ri = &ds->rooms[L->call_room[i]];

			c->room_info = L->call_room[i];
			c->created_ms = ri->create_ms;
			/* While the room is open its destroy time means nothing. */
			c->destroyed_ms = ri->finished == 0 ? RR_NONE : ri->destroy_ms;
			c->ongoing = ri->finished == 0;
		}
	}
	return RR_OK;
}

int companion_link(const struct dataset *ds, const struct companion_options *o, struct model *m)
{
	return companion_link_unmatched(ds, o, m, NULL);
}

void companion_count_unmatched(struct dataset *ds, const struct unmatched *um)
{
	uint64_t *kept[COMPANION__KINDS] = {
		&ds->counts.users, &ds->counts.rooms, &ds->counts.quality };

	ds->unmatched = *um;
	for (int k = 0; k < COMPANION__KINDS; k++) {
		*kept[k] -= um->rows[k];
		ds->counts.used -= um->rows[k];
		ds->counts.unmatched += um->rows[k];
	}
}

int companion_link_unmatched(const struct dataset *ds, const struct companion_options *o,
			     struct model *m, struct unmatched *um)
{
	struct linker L;
	struct tz *utc = NULL;
	char err[128];
	int rc;

	if (um)
		memset(um, 0, sizeof *um);
	if (ds->nusers == 0 && ds->nrooms == 0 && ds->nquality == 0)
		return RR_OK;
	memset(&L, 0, sizeof L);
	L.ds = ds;
	L.o = o;
	L.m = m;
	L.tz = o->display_tz;
	if (!L.tz) {
		/* Without a display zone, texts show UTC (as sessions_build). */
		if ((rc = tz_open("UTC", &utc, err, sizeof err)))
			return rc;
		L.tz = utc;
	}
	rc = build_indexes(&L);
	if (rc == RR_OK)
		rc = link_users(&L);
	if (rc == RR_OK)
		link_rooms(&L);
	if (rc == RR_OK)
		rc = link_quality(&L);
	if (rc == RR_OK)
		rc = apply(&L);
	if (rc == RR_OK && um)
		*um = L.um;
	rr_free(L.by_room_user);
	rr_free(L.by_user);
	rr_free(L.by_room_comm);
	rr_free(L.by_comm);
	rr_free(L.last_in_call);
	rr_free(L.sess_row);
	rr_free(L.call_room);
	rr_free(L.call_quality);
	rr_free(L.ongoing);
	rr_free(L.cand);
	rr_free(L.gaps);
	rr_free(L.nf);
	rr_free(L.toff);
	rr_free(L.pool);
	if (utc)
		tz_free(utc);
	return rc;
}

size_t companion_quality_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm)
{
	size_t lo = 0, hi = ds->nquality;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct quality_sample *q = &ds->quality[mid];

		if (q->room < room || (q->room == room && q->comm < comm))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
