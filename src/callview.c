/*
 * callview — the model of one call page: lanes (one per user) with session
 * bars, event marks, outage/background spans and experience marks; the
 * decoded event log per user; the call's findings in reading order; the time
 * axis and its ticks; and every text those show, formatted in the display
 * zone. The lanes' quality charts are callview_charts.c's. Strings live in arenas (arena.h: never one allocation per event),
 * emptied between views so a writer going through many calls allocates
 * nothing per call; arrays grow geometrically.
 * Does not: decide sessions, exits or findings (sessions.c), aggregate
 * across calls (report.c), escape or lay out anything (render.c).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callview.h"

#include "arena.h"
#include "callview_int.h"
#include "decode.h"
#include "textbuf.h"
#include "user_calls.h"
#include "util.h"

#define MIN_AXIS_MS 5000      /* so even a one-event call gets >= 4 ticks */
#define MAX_TICKS 12

/* ---- the builder ---- */

static int64_t floor_div(int64_t a, int64_t b);

/* Appends " CET" (the zone's name for the offset at ms) to the time text in
 * out[40], on pages that span a change of offset. The name is looked up
 * once per offset. */
static void zone_after(struct builder *b, int64_t ms, char out[40])
{
	int32_t off = b->tz ? tz_offset(b->tz, ms) : 0;
	size_t n = strlen(out);

	if (!b->abbr[0] || off != b->abbr_off) {
		tz_abbr(b->tz, ms, b->abbr, sizeof b->abbr);
		b->abbr_off = off;
	}
	snprintf(out + n, 40 - n, " %s", b->abbr);
}

/* "HH:MM:SS" of ms in the display zone, as tz_format's TZF_TIME writes it
 * but without its calendar work (this runs once per record); the zone's
 * offset, which tz_offset gives per second, is looked up once per second.
 * On a page that spans a change of offset, "HH:MM:SS CET". */
static void time_of_day(struct builder *b, int64_t ms, char out[40])
{
	int64_t sec, local, sod;

	if (ms > 8000000000000000LL || ms < -8000000000000000LL) {
		tz_format(b->tz, ms, TZF_TIME, out, 40);   /* clamped there */
		if (b->zoned)
			zone_after(b, ms, out);
		return;
	}
	sec = floor_div(ms, 1000);
	if (!b->off_known || sec != b->off_sec) {
		b->off = b->tz ? tz_offset(b->tz, ms) : 0;
		b->off_sec = sec;
		b->off_known = 1;
	}
	local = ms + (int64_t)b->off * 1000;
	sod = (local - floor_div(local, 86400000) * 86400000) / 1000;
	out[0] = (char)('0' + sod / 36000);
	out[1] = (char)('0' + sod / 3600 % 10);
	out[2] = ':';
	out[3] = (char)('0' + sod / 600 % 6);
	out[4] = (char)('0' + sod / 60 % 10);
	out[5] = ':';
	out[6] = (char)('0' + sod % 60 / 10);
	out[7] = (char)('0' + sod % 10);
	out[8] = '\0';
	if (b->zoned)
		zone_after(b, ms, out);
}

/* ---- lanes ---- */

struct ukey {
	uint32_t user, pos;      /* pos: index of the session within the call */
};

static int cmp_ukey(const void *pa, const void *pb)
{
	const struct ukey *a = pa, *b = pb;

	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* One user's sessions in k[]: where they start and the first one's position. */
struct urun {
	uint32_t first_pos, at, n;
};

static int cmp_urun(const void *pa, const void *pb)
{
	const struct urun *a = pa, *b = pb;

	return a->first_pos < b->first_pos ? -1 : a->first_pos > b->first_pos;
}

/* Lanes in order of their user's first session: sessions are already in
 * (start, user string) order, so the first session's position is the key.
 * order[] receives the call's session positions grouped by lane, each
 * lane's in start order; lane.first_bar/nbars index order[] for now. */
static int make_lanes(struct builder *b, uint32_t *order)
{
	const struct call *c = b->c;
	struct callview *v = b->v;
	struct ukey *k;
	struct urun *u;
	uint32_t i, j, n = c->nsessions, nu = 0, pos = 0;

	k = rr_malloc((size_t)n * sizeof *k);
	u = rr_malloc((size_t)n * sizeof *u);
	if (!k || !u || rr_grow(&v->lanes, &b->st_->caplanes, n, sizeof *v->lanes) != RR_OK) {
		rr_free(k);
		rr_free(u);
		return RR_ENOMEM;
	}
	memset(v->lanes, 0, (size_t)n * sizeof *v->lanes);
	for (i = 0; i < n; i++) {
		k[i].user = b->m->sessions[c->first_session + i].user;
		k[i].pos = i;
	}
	qsort(k, n, sizeof *k, cmp_ukey);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && k[j].user == k[i].user; j++)
			;
		u[nu].first_pos = k[i].pos;
		u[nu].at = i;
		u[nu].n = j - i;
		nu++;
	}
	qsort(u, nu, sizeof *u, cmp_urun);
	for (i = 0; i < nu; i++) {
		struct cv_lane *ln = &v->lanes[i];

		ln->user = strtab_str(b->st, k[u[i].at].user);
		ln->selected = (uint8_t)user_calls_selected(b->r->selected_users,
							    b->r->nselected, k[u[i].at].user);
		ln->first_bar = pos;
		ln->nbars = u[i].n;
		for (j = 0; j < u[i].n; j++)
			order[pos++] = k[u[i].at + j].pos;
	}
	v->nlanes = nu;
	rr_free(k);
	rr_free(u);
	return RR_OK;
}

static const char *lane_platform(const struct session *const *s, uint32_t n)
{
	int sdk = 0, web = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		sdk |= s[i]->platform == PLAT_SDK;
		web |= s[i]->platform == PLAT_WEBRTC;
	}
	return sdk && web ? "sdk+webrtc" : sdk ? "sdk" : web ? "webrtc" : "unknown";
}

/* What the users file says of the lane's user: from the first session
 * (in start order) that has each value; "" when none has. */
static void lane_info(const struct builder *b, struct cv_lane *ln, const struct session *const *s,
		      uint32_t n)
{
	uint32_t i, device = 0, sdk = 0, ip = 0;

	for (i = 0; i < n; i++) {
		device = device ? device : s[i]->device;
		sdk = sdk ? sdk : s[i]->sdk;
		ip = ip ? ip : s[i]->ip;
		ln->still_in_room |= s[i]->exit == EXIT_ONGOING;
		ln->in_users_file |= s[i]->user_info != RR_NOIDX;
	}
	ln->device = strtab_str(b->st, device);
	ln->sdk = strtab_str(b->st, sdk);
	ln->ip = strtab_str(b->st, ip);
}

/* A lane's bars, in start order: a bar that starts before an earlier one
 * ends goes to the lower half, and the earlier ones it overlaps to the
 * upper half. */
static void bars_halve(struct cv_bar *bar, uint32_t n)
{
	int64_t end = INT64_MIN;

	for (uint32_t k = 0; k < n; k++) {
		if (bar[k].start_ms < end) {
			bar[k].half = CV_BAR_LOWER;
			for (uint32_t j = 0; j < k; j++)
				if (bar[j].end_ms > bar[k].start_ms && bar[j].half == CV_BAR_FULL)
					bar[j].half = CV_BAR_UPPER;
		}
		if (bar[k].end_ms > end)
			end = bar[k].end_ms;
	}
}

static int add_bar(struct builder *b, uint32_t sidx)
{
	const struct session *s = &b->m->sessions[sidx];
	struct callview *v = b->v;
	struct cv_bar *bar;
	struct textbuf t = { .len = 0 };
	char a[40], z[40], d[32];

	if (rr_grow(&v->bars, &b->st_->capbars, (size_t)v->nbars + 1, sizeof *v->bars) != RR_OK)
		return RR_ENOMEM;
	bar = &v->bars[v->nbars];
	bar->title_t.n = 0;
	time_of_day(b, s->start_ms, a);
	time_of_day(b, s->end_ms, z);
	finding_time_put(&t, &bar->title_t, s->start_ms, FT_TIME, a);
	textbuf_add(&t, "–");
	finding_time_put(&t, &bar->title_t, s->end_ms, FT_TIME, z);
	if (!s->start_observed)
		textbuf_add(&t, " (start not seen)");
	if (s->entered && s->entry_latency_ms != RR_NONE) {
		fmt_duration(s->entry_latency_ms, d, sizeof d);
		textbuf_add(&t, " · entered after %s", d);
	} else {
		textbuf_add(&t, s->entered ? " · entered" : s->entry_observed ? " · did not enter"
									   : " · entry not seen");
	}
	textbuf_add(&t, " · %s", exit_reason_label(s->exit));
	bar->session = sidx;
	bar->start_ms = s->start_ms;
	bar->end_ms = s->end_ms;
	bar->exit = s->exit;
	bar->start_observed = s->start_observed;
	bar->entered = s->entered;
	bar->entry_observed = s->entry_observed;
	bar->half = CV_BAR_FULL;
	bar->title = put_text(b, &t);
	if (!bar->title)
		return RR_ENOMEM;
	v->nbars++;
	return RR_OK;
}

/* ---- marks, spans and log of one lane ---- */

static int add_span(struct builder *b, uint32_t session, enum cv_span_kind kind, int64_t from,
		    int64_t to)
{
	struct callview *v = b->v;
	struct cv_span *sp;
	struct textbuf t = { .len = 0 };
	char a[40], z[40], d[32];

	if (to <= from)
		return RR_OK;   /* the model keeps none; kept as a guard */
	if (rr_grow(&v->spans, &b->st_->capspans, (size_t)v->nspans + 1, sizeof *v->spans) != RR_OK)
		return RR_ENOMEM;
	time_of_day(b, from, a);
	time_of_day(b, to, z);
	fmt_duration(to - from, d, sizeof d);
	textbuf_add(&t, "%s %s–%s (%s)", kind == CV_SPAN_OUTAGE ? "No network" : "In the background",
		 a, z, d);
	sp = &v->spans[v->nspans];
	sp->start_ms = from;
	sp->end_ms = to;
	sp->session = session;
	sp->kind = kind;
	sp->title = put_text(b, &t);
	if (!sp->title)
		return RR_ENOMEM;
	v->nspans++;
	return RR_OK;
}

/* How cause id reads in a sentence, with the remote user peer names (strtab
 * id, 0 = none). */
static void cause_text(const struct builder *b, int32_t id, uint32_t peer, char *out, size_t n)
{
	catalog_cause_phrase(b->cat, id, peer ? strtab_str(b->st, peer) : NULL,
			     peer ? strtab_len(b->st, peer) : 0, out, n);
}

/* The cached label of event rec (decoded and stored on first use in this
 * call), or NULL when out of memory. */
static struct label_slot *event_label(struct builder *b, const struct record *rec)
{
	struct cv_storage *st = b->st_;
	uint32_t h = ((uint32_t)rec->id * 2654435761u) ^ ((uint32_t)rec->p1 * 40503u) ^
		     (uint32_t)rec->p2;
	struct label_slot *ls = NULL;
	char label[256];

	h = (h ^ (h >> 15)) % LABEL_CACHE;
	for (unsigned i = 0; i < 8; i++) {
		struct label_slot *c = &st->labels[(h + i) % LABEL_CACHE];

		if (c->gen == st->gen && c->id == rec->id && c->p1 == rec->p1 && c->p2 == rec->p2)
			return c;
		if (!ls && c->gen != st->gen)
			ls = c;
	}
	if (!ls)
		ls = &st->labels[h];     /* a full run: replace the first */
	if (st->label_bytes >= LABEL_BYTES) {
		arena_reset(&st->label_arena);
		st->label_bytes = 0;
		if (++st->gen == 0) {
			memset(st->labels, 0, sizeof st->labels);
			st->gen = 1;
		}
		ls = &st->labels[h];
	}
	ls->e = decode_label(b->cat, rec, label, sizeof label);
	ls->len = strlen(label);
	st->label_bytes += ls->len + 1;
	if (!(ls->label = arena_put(&st->label_arena, label, ls->len))) {
		ls->gen = 0;
		return NULL;
	}
	ls->id = rec->id;
	ls->p1 = rec->p1;
	ls->p2 = rec->p2;
	ls->gen = st->gen;
	return ls;
}

/* Writes v in decimal at p; returns the end (no NUL). At most 11 bytes. */
static char *put_i32(char *p, int32_t v)
{
	char tmp[12];
	size_t n = 0;
	uint32_t u = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* One record into the mark and log arrays. Called once per record of the
 * call: the text is put together by hand, without printf, as it is the
 * hot path of a full report. */
static int add_record(struct builder *b, const struct record *rec, int outside)
{
	struct callview *v = b->v;
	const struct cat_entry *e;
	struct cv_log *lg;
	char at[40], label[256], raw[64], title[40 + 5 + sizeof label], *q;
	size_t nat, nlabel, prefix;
	int64_t msec;

	if (rr_grow(&v->log, &b->st_->caplog, (size_t)v->nlog + 1, sizeof *v->log) != RR_OK)
		return RR_ENOMEM;
	time_of_day(b, rec->time_ms, at);
	if (rec->kind == REC_EVENT) {
		struct label_slot *ls = event_label(b, rec);

		if (!ls)
			return RR_ENOMEM;
		e = ls->e;
		memcpy(label, ls->label, ls->len + 1);
	} else {
		e = decode_label(b->cat, rec, label, sizeof label);
	}
	q = raw;
	if (rec->kind == REC_EVENT) {
		/* Unused parameters (-1) at the end are left out. */
		q = put_i32(q, rec->id);
		if (rec->p1 != -1 || rec->p2 != -1) {
			memcpy(q, " (", 2);
			q = put_i32(q + 2, rec->p1);
			if (rec->p2 != -1) {
				memcpy(q, ", ", 2);
				q = put_i32(q + 2, rec->p2);
			}
			*q++ = ')';
		}
	} else {
		if (rec->id > 0 && rec->p1 != -1) {
			char cl[200];

			cause_text(b, rec->p1, rec->peer, cl, sizeof cl);
			/* The experience's label, then this row's cause. */
			snprintf(label + strlen(label), sizeof label - strlen(label),
				 " — possible cause: %s", cl);
			label[utf8_cut(label, strlen(label))] = '\0';
		}
		if (rec->id > 0) {
			memcpy(q, "experience ", 11);
			q = put_i32(q + 11, rec->id);
		}
		if (rec->id > 0 && rec->p1 != -1) {
			memcpy(q, ", ", 2);
			q += 2;
		}
		if (rec->id <= 0 || rec->p1 != -1) {
			memcpy(q, "cause ", 6);
			q = put_i32(q + 6, rec->p1);
		}
	}
	*q = '\0';
	/* The mark's title is "time · label"; the log row's label is its tail,
	 * so each label is stored once. */
	nat = strlen(at);
	nlabel = strlen(label);
	memcpy(title, at, nat);
	memcpy(title + nat, " · ", 4);
	prefix = nat + 4;
	memcpy(title + prefix, label, nlabel);
	lg = &v->log[v->nlog];
	memset(lg, 0, sizeof *lg);
	if (!(lg->label = arena_put(b->arena, title, prefix + nlabel)))
		return RR_ENOMEM;
	lg->label += prefix;
	lg->time_ms = rec->time_ms;
	lg->raw = arena_put(b->arena, raw, (size_t)(q - raw));
	msec = rec->time_ms % 1000;
	if (msec < 0)
		msec += 1000;
	/* "10:10:40.120", and the zone after it on a page that has one. */
	memmove(at + 12, at + 8, nat - 8);
	at[8] = '.';
	at[9] = (char)('0' + msec / 100);
	at[10] = (char)('0' + msec / 10 % 10);
	at[11] = (char)('0' + msec % 10);
	lg->time = arena_put(b->arena, at, nat + 4);
	if (!lg->raw || !lg->time)
		return RR_ENOMEM;
	/* An abnormal row's cause names its peer in the label. */
	lg->peer = strtab_str(b->st, rec->kind == REC_EVENT || rec->id <= 0 || rec->p1 == -1
				     ? rec->peer : 0);
	lg->severity = e ? e->severity : SEV_WARNING;
	lg->kind = rec->kind;
	lg->outside = (uint8_t)outside;
	v->nlog++;
	if (rec->kind == REC_EVENT) {
		struct cv_mark *mk;

		if (rr_grow(&v->marks, &b->st_->capmarks, (size_t)v->nmarks + 1, sizeof *v->marks) != RR_OK)
			return RR_ENOMEM;
		mk = &v->marks[v->nmarks++];
		mk->time_ms = rec->time_ms;
		mk->severity = lg->severity;
		mk->category = e ? e->category : CC_APP;
		mk->outside = (uint8_t)outside;
		mk->title = lg->label - prefix;
	}
	return RR_OK;
}

/* First record of user in [lo, hi) (sorted by user within a (room, comm)). */
static size_t user_lower(const struct record *recs, size_t lo, size_t hi, uint32_t user)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (recs[mid].user < user)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First index in [lo, hi) of arr (n items of size sz, ascending by the
 * uint32 key at offset off) whose key is not below key. */
static size_t lower_u32(const void *arr, size_t sz, size_t off, size_t lo, size_t hi, uint32_t key)
{
	const unsigned char *base = arr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t k;

		memcpy(&k, base + mid * sz + off, sizeof k);
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An abnormal row is inside a session of the lane when the model attached
 * its experience (same time and ExperienceId) to one of them. */
static int exp_in_lane(const struct builder *b, const struct session *const *ss, uint32_t n,
		       const struct record *rec)
{
	const struct model *m = b->m;
	uint32_t k, e;

	for (k = 0; k < n; k++)
		for (e = 0; e < ss[k]->nexp; e++) {
			const struct experience *x = &m->experiences[ss[k]->first_exp + e];

			if (x->time_ms == rec->time_ms && x->id == rec->id)
				return 1;
		}
	return 0;
}

/*
 * Walks one user's records of the call: each record becomes a log row and
 * each event a mark. What is outside every session, and the outage and
 * background spans of each session, are what the model measured
 * (model.outside, model.spans): the rules live in sessions.c alone.
 * Without a CommId one (room, comm) holds several calls: this call's
 * records are those within its span and the outside events the model
 * counted for it.
 */
static int walk_lane(struct builder *b, struct cv_lane *ln, const struct session *const *ss)
{
	const struct dataset *ds = b->r->ds;
	const struct model *m = b->m;
	const struct call *c = b->c;
	uint32_t user = ss[0]->user, k, call = (uint32_t)(c - m->calls);
	int rc = RR_OK;
	size_t i, ue, o, oe;

	i = user_lower(ds->recs, c->rec_first, c->rec_end, user);
	for (ue = i; ue < c->rec_end && ds->recs[ue].user == user; ue++)
		;
	/* This call's outside events, from this user's first record on. */
	o = lower_u32(m->outside, sizeof *m->outside, offsetof(struct outside_event, call), 0,
		      m->noutside, call);
	oe = lower_u32(m->outside, sizeof *m->outside, offsetof(struct outside_event, call), o,
		       m->noutside, call + 1);
	o = lower_u32(m->outside, sizeof *m->outside, offsetof(struct outside_event, rec), o, oe,
		      (uint32_t)i);
	for (; i < ue && rc == RR_OK; i++) {
		const struct record *rec = &ds->recs[i];
		int outside;

		while (o < oe && m->outside[o].rec < i)
			o++;
		outside = o < oe && m->outside[o].rec == i;
		if (!outside && c->comm == 0 && (rec->time_ms < c->start_ms || rec->time_ms > c->end_ms))
			continue;
		if (rec->kind != REC_EVENT)
			outside = !exp_in_lane(b, ss, ln->nbars, rec);
		rc = add_record(b, rec, outside);
	}
	for (k = 0; k < ln->nbars && rc == RR_OK; k++) {
		uint32_t si = (uint32_t)(ss[k] - m->sessions);
		size_t p = lower_u32(m->spans, sizeof *m->spans, offsetof(struct span, session), 0,
				     m->nspans, si);

		for (; p < m->nspans && m->spans[p].session == si && rc == RR_OK; p++)
			rc = add_span(b, si, m->spans[p].kind == SPAN_OUTAGE ? CV_SPAN_OUTAGE :
				      CV_SPAN_BACKGROUND, m->spans[p].start_ms, m->spans[p].end_ms);
	}
	return rc;
}

/* ---- experiences ---- */

static int add_exp(struct builder *b, struct cv_exp **arr, uint32_t *n, size_t *cap,
		   const struct experience *x)
{
	const struct cat_entry *e;
	struct textbuf t = { .len = 0 };
	char at[40], label[256];
	uint32_t k;

	if (rr_grow(arr, cap, (size_t)*n + 1, sizeof **arr) != RR_OK)
		return RR_ENOMEM;
	time_of_day(b, x->time_ms, at);
	if (strlen(at) >= 8 && memcmp(at + 5, ":00", 3) == 0 && (at[8] == '\0' || at[8] == ' '))
		memmove(at + 5, at + 8, strlen(at + 8) + 1);   /* minute-aligned: "10:11" */
	e = catalog_find_experience(b->cat, x->id);
	catalog_format(e, CAT_EXPERIENCE, x->id, -1, -1, label, sizeof label);
	textbuf_add(&t, "%s · %s", at, label);
	if (x->ncauses == 0)
		textbuf_add(&t, " — no cause listed");
	for (k = 0; k < x->ncauses; k++) {
		const struct cause *cs = &b->m->causes[x->first_cause + k];
		char ct[512];

		cause_text(b, cs->id, cs->peer, ct, sizeof ct);
		textbuf_add(&t, "%s%s", k ? ", " : " — possible causes: ", ct);
	}
	(*arr)[*n].time_ms = x->time_ms;
	(*arr)[*n].title = put_text(b, &t);
	if (!(*arr)[*n].title)
		return RR_ENOMEM;
	(*n)++;
	return RR_OK;
}

static int cmp_exp(const void *pa, const void *pb)
{
	const struct cv_exp *a = pa, *b = pb;

	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	/* qsort is not stable: equal times are ordered by their text, so
	 * the order never depends on the sort's internals. */
	return strcmp(a->title, b->title);
}

/* ---- findings ---- */

static int cmp_finding(const void *pa, const void *pb)
{
	const struct cv_finding *a = pa, *b = pb;
	int c;

	if (a->f->severity != b->f->severity)
		return a->f->severity > b->f->severity ? -1 : 1;
	if (a->f->time_ms != b->f->time_ms)
		return a->f->time_ms < b->f->time_ms ? -1 : 1;
	c = strcmp(a->user, b->user);
	if (c)
		return c;
	c = strcmp(a->f->code, b->f->code);
	if (c)
		return c;
	/* Same array: index order, fixed by the model. */
	return a->f < b->f ? -1 : a->f > b->f;
}

/* With findings_by_user: the rank of the finding's user first. */
static int cmp_finding_grouped(const void *pa, const void *pb)
{
	const struct cv_finding *a = pa, *b = pb;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return cmp_finding(pa, pb);
}

/* The lane of each finding, the lanes' counts and whether their logs start
 * open; on a big call the findings grouped by user, each user ranked by
 * where their first finding stands in the flat order (most severe first,
 * then time). The findings of users selected with --user come first (in
 * the flat order, group 0 before the others' group 1). rank: scratch of
 * nlanes entries. */
static void group_findings(struct callview *v, uint32_t *rank)
{
	uint32_t i, k, nrank = 0;
	int any_sel = 0;

	for (i = 0; i < v->nfindings; i++) {
		struct cv_finding *f = &v->findings[i];

		for (k = 0; k < v->nlanes && v->lanes[k].user != f->user &&
			    strcmp(v->lanes[k].user, f->user); k++)
			;
		f->lane = k < v->nlanes ? k : 0;
		if (k < v->nlanes && f->f->severity < SEV__COUNT)
			v->lanes[k].nfind[f->f->severity]++;
	}
	for (k = 0; k < v->nlanes; k++) {
		v->lanes[k].log_open = v->nlanes <= CV_GROUP_LANES &&
				       v->lanes[k].nlog <= CV_LOG_OPEN_LINES;
		rank[k] = UINT32_MAX;
	}
	v->findings_by_user = v->nlanes > CV_GROUP_LANES;
	for (int pass = 1; pass >= 0; pass--)    /* selected users' lanes first */
		for (i = 0; i < v->nfindings; i++) {
			struct cv_finding *f = &v->findings[i];

			if (v->lanes[f->lane].selected == pass && rank[f->lane] == UINT32_MAX)
				rank[f->lane] = nrank++;
		}
	for (i = 0; i < v->nfindings; i++) {
		struct cv_finding *f = &v->findings[i];

		f->group = v->findings_by_user ? rank[f->lane] : !v->lanes[f->lane].selected;
		any_sel |= v->lanes[f->lane].selected;
	}
	if ((v->findings_by_user || any_sel) && v->nfindings > 1)
		qsort(v->findings, v->nfindings, sizeof *v->findings, cmp_finding_grouped);
}

static int build_findings(struct builder *b)
{
	const struct model *m = b->m;
	const struct call *c = b->c;
	struct callview *v = b->v;
	uint32_t i, k, n = 0;
	char at[40];

	for (i = 0; i < c->nsessions; i++)
		n += m->sessions[c->first_session + i].nfindings;
	if (n == 0) {
		group_findings(v, b->st_->order);
		return RR_OK;
	}
	if (rr_grow(&v->findings, &b->st_->capfindings, n, sizeof *v->findings) != RR_OK)
		return RR_ENOMEM;
	for (i = 0; i < c->nsessions; i++) {
		const struct session *s = &m->sessions[c->first_session + i];

		for (k = 0; k < s->nfindings; k++) {
			struct cv_finding *f = &v->findings[v->nfindings++];

			f->f = &m->findings[s->first_finding + k];
			f->user = strtab_str(b->st, s->user);
			time_of_day(b, f->f->time_ms, at);
			f->time = arena_put(b->arena, at, strlen(at));
			if (!f->time)
				return RR_ENOMEM;
		}
	}
	qsort(v->findings, v->nfindings, sizeof *v->findings, cmp_finding);
	group_findings(v, b->st_->order);
	return RR_OK;
}

/* ---- axis ---- */

static const int64_t tick_steps[] = {
	1000, 2000, 5000, 10000, 15000, 30000,
	60000, 120000, 300000, 600000, 900000, 1800000,
	3600000, 7200000, 10800000, 21600000, 43200000,
	86400000, 2 * 86400000LL, 4 * 86400000LL, 7 * 86400000LL,
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The axis [t0, t1] in stretches of one UTC offset: the first starts at t0,
 * each next one where the offset changes; *end is where this one stops
 * (exclusive; INT64_MAX for the last). */
static int32_t stretch(const struct tz *z, int64_t from, int64_t *end)
{
	*end = z ? tz_next_change(z, from) : INT64_MAX;
	return z ? tz_offset(z, from) : 0;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

/* Ticks at step on [t0, t1]: in each stretch of one offset, the instants
 * whose local time is a multiple of step. Counted when ticks is NULL, else
 * written there (at most cap). Real (UTC) time is what the axis steps in:
 * across a change the ticks go on at their true places, labelled on the
 * local clock of each side. */
static uint64_t ticks_at(const struct builder *b, int64_t step, struct cv_tick *ticks, size_t cap,
			 int64_t *at)
{
	const struct callview *v = b->v;
	int64_t from = v->t0, end, hi, k, k1;
	uint64_t n = 0;

	while (from <= v->t1) {
		int64_t off = (int64_t)stretch(b->tz, from, &end) * 1000;

		hi = end == INT64_MAX || end - 1 > v->t1 ? v->t1 : end - 1;
		k = ceil_div(from + off, step);
		k1 = floor_div(hi + off, step);
		if (k1 >= k) {
			if (!ticks)
				n += (uint64_t)(k1 - k + 1);
			for (; ticks && k <= k1 && n < cap; k++)
				at[n++] = k * step - off;
		}
		if (end == INT64_MAX)
			break;
		from = end;
	}
	return n;
}

/* Ticks at the smallest round step that gives at most MAX_TICKS, aligned to
 * the display zone's clock (a 1 h step falls on local whole hours, also in
 * zones with a :30 or :45 offset). The axis is at least MIN_AXIS_MS long and
 * each step at most 2.5 times the previous one, so at least 4 ticks fit. */
static int build_ticks(struct builder *b)
{
	struct callview *v = b->v;
	int64_t step = 0, at[MAX_TICKS + 1];
	size_t s, n = sizeof tick_steps / sizeof tick_steps[0];
	uint64_t i, nt;
	char buf[40];

	for (s = 0; s < n; s++) {
		step = tick_steps[s];
		if (ticks_at(b, step, NULL, 0, NULL) <= MAX_TICKS)
			break;
	}
	while (s == n && ticks_at(b, step, NULL, 0, NULL) > MAX_TICKS)
		step *= 2;       /* beyond a week: 14, 28... days */
	if (rr_grow(&v->ticks, &b->st_->capticks, MAX_TICKS + 1, sizeof *v->ticks) != RR_OK)
		return RR_ENOMEM;
	nt = ticks_at(b, step, v->ticks, MAX_TICKS + 1, at);
	for (i = 0; i < nt; i++) {
		struct cv_tick *tk;
		int64_t t = at[i];
		/* Across a change, the first tick and the first on each new
		 * offset carry the zone's name; those between are on the same
		 * clock as the named one before them. */
		int named = b->zoned && (i == 0 || tz_offset(b->tz, at[i - 1]) != tz_offset(b->tz, t));

		tz_format(b->tz, t, step >= 86400000 ? TZF_DATE : TZF_TIME, buf, sizeof buf);
		if (step >= 86400000) {
			memmove(buf, buf + 5, 6);        /* "MM-DD": every tick is 00:00 */
		} else {
			if (step >= 60000)
				buf[5] = '\0';           /* "HH:MM" */
			if (named)
				zone_after(b, t, buf);
		}
		tk = &v->ticks[v->nticks++];
		tk->time_ms = t;
		tk->label = arena_put(b->arena, buf, strlen(buf));
		if (!tk->label)
			return RR_ENOMEM;
	}
	return RR_OK;
}

/* ---- header ---- */

/* A time as "10:00:00", or with its date when not on the day `day`. */
static enum finding_shape room_time(struct builder *b, int64_t ms, const char *day, char out[40])
{
	char d[40];
	int other_day;

	tz_format(b->tz, ms, TZF_DATE, d, sizeof d);
	other_day = strcmp(d, day) != 0;
	tz_format(b->tz, ms, other_day ? TZF_DATETIME : TZF_TIME, out, 40);
	if (b->zoned)
		zone_after(b, ms, out);
	return other_day ? FT_DATETIME : FT_TIME;
}

/* On a page that spans a change of offset, where its clocks changed:
 * "clocks went back at 03:00 CEST to 02:00 CET (2026-10-25 01:00:00 UTC)";
 * the first change within the axis, "" on other pages. */
static int zone_change_note(struct builder *b)
{
	struct callview *v = b->v;
	struct textbuf t = { .len = 0 };
	int64_t at = b->zoned ? tz_next_change(b->tz, v->t0) : INT64_MAX;
	int32_t before, after;
	char x[40], y[40], u[40];

	if (at != INT64_MAX && at <= v->t1) {
		before = tz_offset(b->tz, at - 1);
		after = tz_offset(b->tz, at);
		/* The same instant on the clock before and after the change. */
		tz_format(NULL, at + (int64_t)before * 1000, TZF_TIME, x, sizeof x);
		tz_format(NULL, at + (int64_t)after * 1000, TZF_TIME, y, sizeof y);
		x[5] = y[5] = '\0';
		zone_after(b, at - 1, x);
		zone_after(b, at, y);
		tz_format(NULL, at, TZF_DATETIME, u, sizeof u);
		u[16] = '\0';
		textbuf_add(&t, "clocks went %s at %s to %s (%s UTC)",
			    after < before ? "back" : "forward", x, y, u);
	}
	v->zone_change = put_text(b, &t);
	return v->zone_change ? RR_OK : RR_ENOMEM;
}

/* The axis' stretches of one UTC offset, for a script that labels times
 * (templates/timeline.js): "FROM_MS OFFSET_S" per stretch, the first from
 * t0, separated by ";"; on a page that spans a change each also names its
 * zone ("1761350400000 3600 CET"). At most 8 stretches. */
static int build_zones(struct builder *b)
{
	struct callview *v = b->v;
	struct textbuf t = { .len = 0 };
	int64_t from = v->t0, end;
	char abbr[40];

	for (int k = 0; k < 8 && from <= v->t1; k++) {
		int32_t off = stretch(b->tz, from, &end);

		textbuf_add(&t, "%s%" PRId64 " %" PRId32, k ? ";" : "", from, off);
		if (b->zoned) {
			tz_abbr(b->tz, from, abbr, sizeof abbr);
			textbuf_add(&t, " %s", abbr);
		}
		if (end == INT64_MAX)
			break;
		from = end;
	}
	v->zones = put_text(b, &t);
	return v->zones ? RR_OK : RR_ENOMEM;
}

static int build_header(struct builder *b)
{
	struct callview *v = b->v;
	const struct call *c = b->c;
	struct textbuf t = { .len = 0 };
	char a[40], z[40], da[40], dz[40], d[32];
	enum finding_shape end_shape, shape;

	v->room = dataset_room_name(b->st, c->room, NULL);   /* the app: render, from c->room */
	v->comm = strtab_str(b->st, c->comm);
	v->zone = b->tz ? tz_name(b->tz) : "UTC";
	tz_format(b->tz, c->start_ms, TZF_DATETIME, a, sizeof a);
	tz_format(b->tz, c->start_ms, TZF_DATE, da, sizeof da);
	tz_format(b->tz, c->end_ms, TZF_DATE, dz, sizeof dz);
	end_shape = strcmp(da, dz) ? FT_DATETIME : FT_TIME;
	tz_format(b->tz, c->end_ms, end_shape == FT_DATETIME ? TZF_DATETIME : TZF_TIME, z, sizeof z);
	if (b->zoned) {
		zone_after(b, c->start_ms, a);
		zone_after(b, c->end_ms, z);
	}
	v->span_t.n = 0;
	finding_time_put(&t, &v->span_t, c->start_ms, FT_DATETIME, a);
	textbuf_add(&t, " – ");
	finding_time_put(&t, &v->span_t, c->end_ms, end_shape, z);
	textbuf_add(&t, " (%s)", v->zone);
	v->span = put_text(b, &t);
	fmt_duration(c->end_ms - c->start_ms, d, sizeof d);
	v->duration = arena_put(b->arena, d, strlen(d));
	if (!v->span || !v->duration)
		return RR_ENOMEM;

	/* The rooms file's lifetime, in the zone and on the day of the call's
	 * start (a time on another day shows its date). */
	v->ongoing = c->ongoing;
	v->room_t.n = 0;
	t.len = 0;
	if (c->room_info != RR_NOIDX) {
		if (c->created_ms != RR_NONE) {
			shape = room_time(b, c->created_ms, da, a);
			textbuf_add(&t, "created ");
			finding_time_put(&t, &v->room_t, c->created_ms, shape, a);
		}
		if (c->ongoing) {
			textbuf_add(&t, "%sstill open at export", t.len ? " · " : "");
		} else if (c->destroyed_ms != RR_NONE) {
			shape = room_time(b, c->destroyed_ms, da, a);
			textbuf_add(&t, "%sdismissed ", t.len ? " · " : "");
			finding_time_put(&t, &v->room_t, c->destroyed_ms, shape, a);
		}
	}
	v->room_span = put_text(b, &t);
	return v->room_span ? RR_OK : RR_ENOMEM;
}

/* ---- entry points ---- */

static int build(struct builder *b, uint32_t *order, const struct session **ss)
{
	struct callview *v = b->v;
	const struct model *m = b->m;
	const struct call *c = b->c;
	uint32_t l, i;
	int rc;

	if ((rc = build_header(b)) || (rc = make_lanes(b, order)))
		return rc;
	for (i = 0; i < c->nsessions; i++)
		ss[i] = &m->sessions[c->first_session + order[i]];
	for (l = 0; l < v->nlanes; l++) {
		struct cv_lane *ln = &v->lanes[l];
		const struct session *const *ls = ss + ln->first_bar;
		uint32_t nb = ln->nbars, k;

		ln->platform = lane_platform(ls, nb);
		lane_info(b, ln, ls, nb);
		ln->first_bar = v->nbars;
		ln->nbars = 0;
		for (k = 0; k < nb; k++)
			if ((rc = add_bar(b, (uint32_t)(ls[k] - m->sessions))))
				return rc;
		ln->nbars = nb;
		bars_halve(v->bars + ln->first_bar, nb);
		ln->first_mark = v->nmarks;
		ln->first_span = v->nspans;
		ln->first_log = v->nlog;
		if ((rc = walk_lane(b, ln, ls)))
			return rc;
		ln->nmarks = v->nmarks - ln->first_mark;
		ln->nspans = v->nspans - ln->first_span;
		ln->nlog = v->nlog - ln->first_log;
		for (k = ln->first_mark; k < v->nmarks; k++)
			ln->problems += v->marks[k].severity >= SEV_WARNING;
		ln->first_exp = v->nexps;
		for (k = 0; k < nb; k++) {
			uint32_t e;

			for (e = 0; e < ls[k]->nexp; e++)
				if ((rc = add_exp(b, &v->exps, &v->nexps, &b->st_->capexps,
						  &m->experiences[ls[k]->first_exp + e])))
					return rc;
		}
		ln->nexps = v->nexps - ln->first_exp;
		if (ln->nexps > 1)
			qsort(v->exps + ln->first_exp, ln->nexps, sizeof *v->exps, cmp_exp);
	}
	for (i = 0; i < c->nexp; i++)
		if ((rc = add_exp(b, &v->call_exps, &v->ncall_exps, &b->st_->capcx,
				  &m->experiences[c->first_exp + i])))
			return rc;
	if (v->ncall_exps > 1)
		qsort(v->call_exps, v->ncall_exps, sizeof *v->call_exps, cmp_exp);
	if ((rc = build_findings(b)))
		return rc;

	/* The axis covers the call and whatever its lanes show. */
	v->t0 = c->start_ms;
	v->t1 = c->end_ms;
	for (i = 0; i < v->nmarks; i++) {
		if (v->marks[i].time_ms < v->t0)
			v->t0 = v->marks[i].time_ms;
		if (v->marks[i].time_ms > v->t1)
			v->t1 = v->marks[i].time_ms;
	}
	for (i = 0; i < v->nexps; i++) {
		if (v->exps[i].time_ms < v->t0)
			v->t0 = v->exps[i].time_ms;
		if (v->exps[i].time_ms > v->t1)
			v->t1 = v->exps[i].time_ms;
	}
	if (v->t1 - v->t0 < MIN_AXIS_MS)
		v->t1 = v->t0 + MIN_AXIS_MS;
	if ((rc = build_ticks(b)) || (rc = zone_change_note(b)) || (rc = build_zones(b)))
		return rc;
	/* Charts last: they are cut to the axis, never widen it. */
	for (l = 0; l < v->nlanes && b->r->ds->nquality > 0; l++)
		if ((rc = callview_lane_charts(b, &v->lanes[l],
				      m->sessions[v->bars[v->lanes[l].first_bar].session].user)))
			return rc;
	return RR_OK;
}

/* Empties v for another build, keeping its arrays and storage. */
static void view_clear(struct callview *v)
{
	struct callview keep = *v;

	arena_reset(&v->storage->arena);
	memset(v, 0, sizeof *v);
	v->storage = keep.storage;
	v->lanes = keep.lanes;
	v->bars = keep.bars;
	v->marks = keep.marks;
	v->spans = keep.spans;
	v->exps = keep.exps;
	v->log = keep.log;
	v->ticks = keep.ticks;
	v->findings = keep.findings;
	v->call_exps = keep.call_exps;
	v->charts = keep.charts;
	v->series = keep.series;
	v->points = keep.points;
}

int callview_build(const struct report *r, const struct catalog *cat, uint32_t call,
		   struct callview *v)
{
	memset(v, 0, sizeof *v);
	return callview_rebuild(r, cat, call, v);
}

int callview_rebuild(const struct report *r, const struct catalog *cat, uint32_t call,
		     struct callview *v)
{
	struct cv_storage *st = v->storage;
	struct builder b;
	size_t n;
	int rc;

	if (!r || !r->m || !r->ds || call >= r->m->ncalls) {
		callview_free(v);
		return RR_EDATA;
	}
	if (!st && !(st = rr_calloc(1, sizeof *st))) {
		memset(v, 0, sizeof *v);
		return RR_ENOMEM;
	}
	if (st->gen == 0 || st->label_cat != cat) {
		/* 0 marks an empty cache entry; another catalog, other labels */
		memset(st->labels, 0, sizeof st->labels);
		st->gen = 1;
		st->label_cat = cat;
	}
	/* Counts and scalars start from zero; the arrays stay. */
	v->storage = st;
	view_clear(v);

	for (int zoned = 0;; zoned = 1) {
		memset(&b, 0, sizeof b);
		b.r = r;
		b.cat = cat;
		b.m = r->m;
		b.c = &r->m->calls[call];
		b.st = r->ds->strs;
		b.tz = r->tz;
		b.v = v;
		b.st_ = st;
		b.arena = &st->arena;
		b.zoned = zoned;
		v->call = call;
		n = b.c->nsessions ? b.c->nsessions : 1;
		if (rr_grow(&st->order, &st->caporder, n, sizeof *st->order) != RR_OK ||
		    rr_grow(&st->ss, &st->capss, n, sizeof *st->ss) != RR_OK)
			rc = RR_ENOMEM;
		else
			rc = build(&b, st->order, st->ss);
		/* The axis is known only once everything on it is: a page whose
		 * axis spans a change of offset is made again, its times now
		 * with the zone's name for their offset. */
		if (rc != RR_OK || zoned || tz_next_change(r->tz, v->t0) > v->t1)
			break;
		view_clear(v);
	}
	if (rc != RR_OK)
		callview_free(v);
	return rc;
}

void callview_free(struct callview *v)
{
	if (!v)
		return;
	rr_free(v->lanes);
	rr_free(v->bars);
	rr_free(v->marks);
	rr_free(v->spans);
	rr_free(v->exps);
	rr_free(v->log);
	rr_free(v->ticks);
	rr_free(v->findings);
	rr_free(v->call_exps);
	rr_free(v->charts);
	rr_free(v->series);
	rr_free(v->points);
	if (v->storage) {
		arena_free(&v->storage->arena);
		arena_free(&v->storage->label_arena);
		rr_free(v->storage->pieces);
		rr_free(v->storage->order);
		rr_free(v->storage->ss);
		rr_free(v->storage);
	}
	memset(v, 0, sizeof *v);
}
