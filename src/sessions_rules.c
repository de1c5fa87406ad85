/*
 * sessions_rules — the session rules of DESIGN §3: the walk over one user's
 * records in one (room, comm), deciding which event opens, enters, closes or
 * refines a session (a late timeout after a rejoin included), what each
 * event adds to the open session's metrics, and what waits outside any
 * session. Each (room, comm, user) run is walked once; events that wait
 * outside any session are replayed at most once more, when a closing event
 * shows they belonged to a session whose start was not seen. Sessions are
 * written straight into the model's array as they are built; what only the
 * walk and the findings need stays in scratch of one user's run.
 * Does not: word findings (sessions_findings), make calls
 * (sessions_calls) or attach experiences (sessions_experiences).
 */
#include <string.h>

#include "sessions_int.h"
#include "util.h"

#define WEBRTC_FIRST_ID 32768

/* What an event does to the session state machine. */
enum role { ROLE_PLAIN, ROLE_OPEN, ROLE_ENTER, ROLE_CLOSE };

/* One record of a millisecond group being put in walk order. */
struct gkey {
	int32_t id, p1, p2;
	uint32_t idx;             /* its place in the run */
	uint8_t rank;
};

/* ---- what an event is ---- */

static enum platform event_kind(int32_t id)
{
	if (id >= WEBRTC_FIRST_ID)
		return PLAT_WEBRTC;
	if (id >= 1000 && id < 10000)
		return PLAT_SDK;
	return PLAT_UNKNOWN;
}

static enum role event_role(const struct record *r, enum exit_reason *why, int *from_7001)
{
	*from_7001 = 0;
	switch (r->id) {
	case EV_ENTERING:
	case EV_W_ENTERED:
		return ROLE_OPEN;
	case EV_ENTERED:
		return ROLE_ENTER;
	case EV_ENTER_RESULT:
		if (r->p1 == 1)
			return ROLE_ENTER;
		if (r->p1 == 0) {
			*why = EXIT_ENTRY_FAILED;
			return ROLE_CLOSE;
		}
		return ROLE_PLAIN;
	case EV_EXITED:
		*from_7001 = 1;
		*why = r->p1 == 0 ? EXIT_NORMAL : r->p1 == 1 ? EXIT_TIMEOUT
		     : r->p1 == 2 ? EXIT_KICKED : EXIT_UNKNOWN;
		return ROLE_CLOSE;
	case EV_EXIT_RESULT:
		*why = r->p1 == 1 ? EXIT_NORMAL : r->p1 == 0 ? EXIT_EXIT_FAILED : EXIT_UNKNOWN;
		return ROLE_CLOSE;
	case EV_W_EXITED:
		*why = EXIT_NORMAL;
		return ROLE_CLOSE;
	default:
		return ROLE_PLAIN;
	}
}

/* Keeps a measured stretch [from, to) of session si (a build index) for
 * the page: every addition to outage_ms or background_ms goes with one. */
int sessions_span_note(struct builder *b, uint32_t si, enum span_kind kind, int64_t from, int64_t to)
{
	struct model *m = b->m;
	struct span *sp;

	if (to <= from)
		return RR_OK;
	if (m->nspans >= UINT32_MAX - 1 ||
	    rr_grow(&m->spans, &b->p->capspans, (size_t)m->nspans + 1, sizeof *m->spans) != RR_OK)
		return RR_ENOMEM;
	sp = &m->spans[m->nspans++];
	sp->start_ms = from;
	sp->end_ms = to;
	sp->session = si;
	sp->kind = kind;
	return RR_OK;
}

/* ---- the walk over one user's records ---- */

static int session_open(struct builder *b, const struct record *r, int observed)
{
	struct model *m = b->m;
	struct walk *w = &b->w;
	struct textra *t;
	struct session *s;

	if (m->nsessions >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&m->sessions, &b->p->capsessions, m->nsessions + 1, sizeof *m->sessions) != RR_OK ||
	    rr_grow(&b->tx, &b->captx, m->nsessions + 1 - w->run_first, sizeof *b->tx) != RR_OK)
		return RR_ENOMEM;
	t = &b->tx[m->nsessions - w->run_first];
	memset(t, 0, sizeof *t);
	t->net_change_ms = RR_NONE;
	t->net_from = t->net_to = -1;
	t->close_net = -1;
	t->outage_open = t->bg_open = RR_NONE;
	t->reentry_ms = RR_NONE;
	t->background_ms = RR_NONE;
	t->ctx_last[0] = t->ctx_last[1] = t->ctx_last[2] = t->ctx_last[3] = RR_NONE;
	t->d.entered_ms = t->d.first_audio_ms = RR_NONE;
	t->d.audio_codec = t->d.qos_mode = t->d.qos_scene = -1;
	s = &m->sessions[m->nsessions];
	memset(s, 0, sizeof *s);
	s->call = RR_NOIDX;
	s->user = r->user;
	s->platform = PLAT_UNKNOWN;
	s->exit = EXIT_UNKNOWN;
	s->start_observed = observed ? 1 : 0;
	s->entry_observed = s->start_observed;
	s->start_ms = s->end_ms = s->last_seen_ms = r->time_ms;
	s->entry_latency_ms = RR_NONE;
	s->first_frame_ms = RR_NONE;
	s->user_info = RR_NOIDX;     /* device, sdk, ip: 0 until companion_link */

	w->cur = m->nsessions++;
	w->open = 1;
	w->refining = 0;
	w->last_ms = r->time_ms;
	w->opened_5001 = observed && r->id == EV_ENTERING ? r->time_ms : RR_NONE;
	w->net_type = -1;
	w->net_since = RR_NONE;
	w->net_reports = 0;
	w->outage_since = RR_NONE;
	w->bg_since = RR_NONE;
	w->nsdk = w->nwebrtc = 0;
	w->first_kind = PLAT_UNKNOWN;
	w->rejoin = 0;
	return RR_OK;
}

static int is_enter_event(const struct record *r)
{
	return (r->id == EV_ENTER_RESULT && r->p1 == 1) || r->id == EV_ENTERED ||
	       r->id == EV_W_ENTERED;
}

/* A 1003 of the open session: network time by type, changes, outages. */
static int session_network_event(struct builder *b, const struct record *r)
{
	struct walk *w = &b->w;
	uint32_t si = (uint32_t)w->cur;
	struct session *s = &b->m->sessions[si];
	struct textra *t = &b->tx[w->cur - w->run_first];
	struct session_detail *d = &t->d;
	int64_t now = r->time_ms;
	int rc;

	if (w->net_reports++ > 0)
		s->net_changes++;
	if (w->net_type >= 0 && w->net_type < NET__TYPES)
		d->net_ms[w->net_type] += now - w->net_since;
	t->net_from = w->net_type;
	t->net_to = r->p1;
	t->net_change_ms = now;
	if (r->p1 == 0) {
		/* Repeated "no network" reports extend one outage. */
		if (w->outage_since == RR_NONE)
			w->outage_since = now;
		s->outages++;
	} else if (w->outage_since != RR_NONE) {
		s->outage_ms += now - w->outage_since;
		rc = sessions_span_note(b, si, SPAN_OUTAGE, w->outage_since, now);
		if (rc == RR_OK)
			rc = sessions_outage_finding(b, si, w->outage_since, now, 0);
		w->outage_since = RR_NONE;
		if (rc != RR_OK)
			return rc;
	}
	w->net_type = r->p1;
	w->net_since = now;
	return RR_OK;
}

/* Applies one event of the open session to its metrics. */
static int session_feed(struct builder *b, const struct record *r)
{
	struct walk *w = &b->w;
	uint32_t si = (uint32_t)w->cur;
	struct session *s = &b->m->sessions[si];
	struct textra *t = &b->tx[w->cur - w->run_first];
	struct session_detail *d = &t->d;
	int64_t now = r->time_ms;
	enum platform kind = event_kind(r->id);
	int rc;

	if (s->nevents == 0)
		w->first_kind = kind;
	s->nevents++;
	if (kind == PLAT_SDK)
		w->nsdk++;
	else if (kind == PLAT_WEBRTC)
		w->nwebrtc++;
	w->last_ms = now;
	sessions_context_note(t, r);

	if (is_enter_event(r)) {
		if (!s->entered) {
			s->entered = 1;
			s->entry_observed = 1;
			d->entered_ms = now;
			if (w->opened_5001 != RR_NONE)
				s->entry_latency_ms = now - w->opened_5001;
		} else if (r->id == EV_ENTERED && r->p1 == 1) {
			if (s->reentries == 0)
				t->reentry_ms = now;
			s->reentries++;
		}
	}
	switch (r->id) {
	case EV_FIRST_FRAME:
		if (s->first_frame_ms == RR_NONE && w->opened_5001 != RR_NONE)
			s->first_frame_ms = now - w->opened_5001;
		break;
	case EV_FIRST_AUDIO:
		if (d->first_audio_ms == RR_NONE && w->opened_5001 != RR_NONE)
			d->first_audio_ms = now - w->opened_5001;
		break;
	case EV_NETWORK:
		return session_network_event(b, r);
	case EV_BACKGROUND:
		if (r->p1 == 1 && w->bg_since == RR_NONE) {
			w->bg_since = now;
			if (t->background_ms == RR_NONE)
				t->background_ms = now;
		} else if (r->p1 == 0 && w->bg_since != RR_NONE) {
			s->background_ms += now - w->bg_since;
			rc = sessions_span_note(b, si, SPAN_BACKGROUND, w->bg_since, now);
			w->bg_since = RR_NONE;
			if (rc != RR_OK)
				return rc;
		}
		break;
	case EV_PERMISSION:
		d->permission_failures++;
		break;
	case EV_MIC:
		d->mic_changes++;
		break;
	case EV_CODEC:
		d->audio_codec = r->p1;
		break;
	case EV_QOS:
		d->qos_mode = r->p1;
		d->qos_scene = r->p2;
		break;
	case EV_CAMERA_FAILED:
		d->device_failures++;
		d->camera_changes++;
		break;
	case EV_CAMERA_ON:
	case EV_VIDEO_UPSTREAM:
	case EV_W_VIDEO_ON:
	case EV_W_VIDEO_OFF:
	case EV_W_VIDEO_BLACK:
	case EV_W_VIDEO_ON_AGAIN:
		d->camera_changes++;
		break;
	case EV_RESOLUTION:
	case EV_USER_RESOLUTION:
	case EV_FRAME_RATE:
	case EV_BITRATE:
		d->video_changes++;
		break;
	case EV_HW_DECODER_FAILED:
	case EV_DECODE_FAILED:
		d->device_failures++;
		break;
	default:
		break;
	}
	return event_has_finding(r->id) ? sessions_event_findings(b, si, r) : RR_OK;
}

/* The network type the session spent most time on (see struct session). */
static void session_network(struct session *s, const struct textra *t)
{
	int64_t best = 0;

	s->network = 0;
	for (int k = 0; k < NET__TYPES; k++)
		if (t->d.net_ms[k] > best) {
			best = t->d.net_ms[k];
			s->network = (uint8_t)(k + 1);
		}
}

/* Closes the open session at end_ms; spans still running end there (what
 * was still running is kept, for a late timeout that moves the end and for
 * the outage's finding, written once the end is final). */
static void session_close(struct builder *b, int64_t end_ms, int64_t last_seen_ms,
			  enum exit_reason why, int from_7001)
{
	struct walk *w = &b->w;
	struct session *s = &b->m->sessions[w->cur];
	struct textra *t = &b->tx[w->cur - w->run_first];

	if (w->net_type >= 0 && w->net_type < NET__TYPES) {
		t->d.net_ms[w->net_type] += end_ms - w->net_since;
		t->close_net = (int8_t)w->net_type;
	}
	if (w->outage_since != RR_NONE)
		s->outage_ms += end_ms - w->outage_since;
	t->outage_open = w->outage_since;
	if (w->bg_since != RR_NONE)
		s->background_ms += end_ms - w->bg_since;
	t->bg_open = w->bg_since;
	s->end_ms = end_ms;
	s->last_seen_ms = last_seen_ms;
	s->exit = (uint8_t)why;
	t->exit_from_7001 = from_7001 && why != EXIT_UNKNOWN;
	t->ended_by_timeout = from_7001 && why == EXIT_TIMEOUT;
	if (w->nwebrtc && !w->nsdk)
		s->platform = PLAT_WEBRTC;
	else if (w->nsdk && !w->nwebrtc)
		s->platform = PLAT_SDK;
	else if (w->nsdk && w->nwebrtc)
		s->platform = (uint8_t)w->first_kind;
	session_network(s, t);
	w->open = 0;
	w->refining = 1;
	w->prev = w->cur;
}

/*
 * DESIGN §3, the late timeout after a rejoin: TRTC logs a timeout about
 * 90 s after it last heard from the user, so it may come after the same
 * user opened a new session (often on another device), whose 5001 closed
 * the silent one as unknown. A 7001 timeout is that earlier session's when
 * the open session opened less than LATE_TIMEOUT_OPEN_MS before it and the
 * earlier one was silent for LATE_TIMEOUT_SILENT_MS or more before it.
 */
#define LATE_TIMEOUT_OPEN_MS 120000
#define LATE_TIMEOUT_SILENT_MS 60000

static int late_timeout_is_earlier(const struct builder *b, const struct record *r)
{
	const struct walk *w = &b->w;
	const struct session *cur = &b->m->sessions[w->cur], *prev;

	if (!w->open || !w->rejoin || r->id != EV_EXITED || r->p1 != 1)
		return 0;
	prev = &b->m->sessions[w->rejoin_prev];
	return r->time_ms - cur->start_ms < LATE_TIMEOUT_OPEN_MS &&
	       prev->exit == EXIT_UNKNOWN &&
	       r->time_ms - prev->last_seen_ms >= LATE_TIMEOUT_SILENT_MS;
}

/* Refines the earlier session to a timeout ending at r (last seen stays
 * its last event); what was running when it closed runs on to the new end.
 * The open session is left as it is. */
static void late_timeout_apply(struct builder *b, const struct record *r)
{
	struct walk *w = &b->w;
	struct session *s = &b->m->sessions[w->rejoin_prev];
	struct textra *t = &b->tx[w->rejoin_prev - w->run_first];
	int64_t more = r->time_ms - s->end_ms;

	if (t->close_net >= 0)
		t->d.net_ms[t->close_net] += more;
	if (t->outage_open != RR_NONE)
		s->outage_ms += more;
	if (t->bg_open != RR_NONE)
		s->background_ms += more;
	s->end_ms = r->time_ms;
	s->exit = EXIT_TIMEOUT;
	s->nevents++;
	t->exit_from_7001 = 1;
	t->ended_by_timeout = 1;
	session_network(s, t);
	w->rejoin = 0;
}

/* A closing event right after a close: only the reason may change, and a
 * 7001's reason is the one that stays. */
static void session_refine(struct session *s, struct textra *t, enum exit_reason why,
			   int from_7001)
{
	s->nevents++;
	if (from_7001 && why != EXIT_UNKNOWN) {
		if (!t->exit_from_7001) {
			s->exit = (uint8_t)why;
			t->exit_from_7001 = 1;
		}
	} else if (s->exit == EXIT_UNKNOWN && why != EXIT_UNKNOWN) {
		s->exit = (uint8_t)why;
	}
}

/* Events waiting outside any session turned out to be outside for good. */
static int pending_drop(struct builder *b, size_t until)
{
	const struct record *recs = b->run;
	struct walk *w = &b->w;
	size_t i;

	if (w->npend == 0)
		return RR_OK;
	if (rr_grow(&b->outside, &b->capoutside, b->noutside + w->npend, sizeof *b->outside) != RR_OK ||
	    rr_grow(&b->outside_rec, &b->capoutside_rec, b->noutside + w->npend,
		    sizeof *b->outside_rec) != RR_OK)
		return RR_ENOMEM;
	for (i = w->pend_first; i < until; i++)
		if (recs[i].kind == REC_EVENT) {
			b->outside_rec[b->noutside] =
				(uint32_t)(b->run_base + (b->run == b->runbuf ? b->runidx[i] : i));
			b->outside[b->noutside++] = recs[i].time_ms;
		}
	w->npend = 0;
	return RR_OK;
}

/* Opens an unobserved session at the first waiting event and replays the
 * waiting events into it. */
static int pending_adopt(struct builder *b, size_t until)
{
	const struct record *recs = b->run;
	struct walk *w = &b->w;
	size_t i;
	int rc;

	rc = session_open(b, &recs[w->pend_first], 0);
	for (i = w->pend_first; rc == RR_OK && i < until; i++)
		if (recs[i].kind == REC_EVENT)
			rc = session_feed(b, &recs[i]);
	w->npend = 0;
	return rc;
}

/* Event i of the run, in walk order. */
static int walk_event(struct builder *b, size_t i)
{
	const struct record *r = &b->run[i];
	struct walk *w = &b->w;
	enum exit_reason why = EXIT_UNKNOWN;
	int from_7001, rc, closed;
	int64_t last_seen;
	size_t before;

	switch (event_role(r, &why, &from_7001)) {
	case ROLE_OPEN:
		if (w->open && r->id == EV_W_ENTERED)
			return session_feed(b, r);
		closed = w->open;
		before = w->cur;
		if (w->open)
			session_close(b, w->last_ms, w->last_ms, EXIT_UNKNOWN, 0);
		if ((rc = pending_drop(b, i)) || (rc = session_open(b, r, 1)))
			return rc;
		if (closed) {
			w->rejoin = 1;
			w->rejoin_prev = before;
		}
		return session_feed(b, r);
	case ROLE_ENTER:
		if (!w->open && ((rc = pending_drop(b, i)) || (rc = session_open(b, r, 0))))
			return rc;
		return session_feed(b, r);
	case ROLE_CLOSE:
		if (late_timeout_is_earlier(b, r)) {
			late_timeout_apply(b, r);
			return RR_OK;
		}
		if (!w->open && w->refining && w->npend == 0) {
			session_refine(&b->m->sessions[w->prev], &b->tx[w->prev - w->run_first],
				       why, from_7001);
			if (r->id == EV_ENTER_RESULT)   /* an entry failure of its own */
				b->m->sessions[w->prev].entry_observed = 1;
			return RR_OK;
		}
		if (!w->open) {
			rc = w->npend ? pending_adopt(b, i) : session_open(b, r, 0);
			if (rc)
				return rc;
		}
		last_seen = b->m->sessions[w->cur].nevents ? w->last_ms : r->time_ms;
		if ((rc = session_feed(b, r)))
			return rc;
		if (r->id == EV_ENTER_RESULT)
			b->m->sessions[w->cur].entry_observed = 1;
		session_close(b, r->time_ms, last_seen, why, from_7001);
		return RR_OK;
	default:
		if (w->open)
			return session_feed(b, r);
		w->refining = 0;
		if (w->npend++ == 0)
			w->pend_first = i;
		return RR_OK;
	}
}

/* Keeps a copy of an abnormal row for sessions_room_experiences. */
static int abn_keep(struct builder *b, const struct record *r)
{
	struct part *p = b->p;

	if (p->nabn >= UINT32_MAX - 1 ||
	    rr_grow(&p->abn, &p->capabn, p->nabn + 1, sizeof *p->abn) != RR_OK)
		return RR_ENOMEM;
	p->abn[p->nabn++] = *r;
	return RR_OK;
}

static int walk_record(struct builder *b, size_t i)
{
	const struct record *r = &b->run[i];

	return r->kind == REC_EVENT ? walk_event(b, i) : abn_keep(b, r);
}

/* Places of the roles in a millisecond's walk order. */
enum { GR_CLOSE_FIRST, GR_OPEN, GR_ENTER, GR_PLAIN, GR_CLOSE_LAST };

static int cmp_gkey(const void *pa, const void *pb, const void *ctx)
{
	const struct gkey *a = pa, *b = pb;

	(void)ctx;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->p1 != b->p1)
		return a->p1 < b->p1 ? -1 : 1;
	if (a->p2 != b->p2)
		return a->p2 < b->p2 ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Walks records [i, j) of the run, which share one millisecond (DESIGN §1:
 * their order means nothing; §3: an event of the millisecond of an opening
 * or closing event is inside that session). The events go in an order
 * fixed by what they are, whatever the input order: openings, entered
 * events, the others, closings — so the others of the millisecond are
 * inside the session it opens or closes — except that when it holds both
 * an opening and a closing event and there is something for the closing to
 * end (an open session, events waiting for one, or a close it refines), the
 * closings come first and the opening then opens the next session. Among
 * events of one role: by ID and parameters, which is all the walk reads
 * (the input order of exact equals does not matter). Abnormal rows keep
 * their places. When that order is not the run's, the run is copied once
 * (the waiting events are places in it) and the group is reordered there.
 */
static int walk_group(struct builder *b, size_t i, size_t j, size_t ub, size_t ue)
{
	/* Each role's place, closings last (moved first below when they
	 * have something to close). */
	static const uint8_t place[] = { [ROLE_OPEN] = GR_OPEN, [ROLE_ENTER] = GR_ENTER,
		[ROLE_PLAIN] = GR_PLAIN, [ROLE_CLOSE] = GR_CLOSE_LAST };
	const struct walk *w = &b->w;
	struct gkey *g;
	struct record *tmp;
	size_t n = 0, k, e;
	int has_open = 0, has_close = 0, moved = 0, rc;

	if (rr_grow(&b->grp, &b->capgrp, j - i, sizeof *b->grp) != RR_OK)
		return RR_ENOMEM;
	g = b->grp;
	for (k = i; k < j; k++) {
		const struct record *r = &b->run[k];
		enum exit_reason why;
		int from_7001;
		enum role role;

		if (r->kind != REC_EVENT)
			continue;
		role = event_role(r, &why, &from_7001);
		has_open |= role == ROLE_OPEN;
		has_close |= role == ROLE_CLOSE;
		g[n].id = r->id;
		g[n].p1 = r->p1;
		g[n].p2 = r->p2;
		g[n].idx = (uint32_t)(k - i);
		g[n].rank = place[role];
		n++;
	}
	if (has_open && has_close && (w->open || w->npend || w->refining))
		for (k = 0; k < n; k++)
			if (g[k].rank == GR_CLOSE_LAST)
				g[k].rank = GR_CLOSE_FIRST;
	if (sessions_sort(b, g, n, sizeof *g, cmp_gkey, NULL) != RR_OK)
		return RR_ENOMEM;
	/* The event places of the group, in order, get the sorted events. */
	for (k = i, e = 0; k < j; k++)
		if (b->run[k].kind == REC_EVENT)
			moved |= g[e++].idx != k - i;
	if (moved) {
		uint32_t *tmpidx;

		if (b->run != b->runbuf) {
			if (rr_grow(&b->runbuf, &b->caprunbuf, ue - ub, sizeof *b->runbuf) != RR_OK ||
			    rr_grow(&b->runidx, &b->caprunidx, ue - ub, sizeof *b->runidx) != RR_OK)
				return RR_ENOMEM;
			memcpy(b->runbuf, b->run, (ue - ub) * sizeof *b->runbuf);
			for (k = 0; k < ue - ub; k++)
				b->runidx[k] = (uint32_t)k;
			b->run = b->runbuf;
		}
		if (rr_grow(&b->scratch, &b->capscratch, (j - i) * (sizeof *tmp + sizeof *tmpidx), 1) != RR_OK)
			return RR_ENOMEM;
		tmp = (struct record *)(void *)b->scratch;
		tmpidx = (uint32_t *)(void *)(tmp + (j - i));
		memcpy(tmp, b->runbuf + i, (j - i) * sizeof *tmp);
		memcpy(tmpidx, b->runidx + i, (j - i) * sizeof *tmpidx);
		for (k = i, e = 0; k < j; k++)
			if (tmp[k - i].kind == REC_EVENT) {
				b->runbuf[k] = tmp[g[e].idx];
				b->runidx[k] = tmpidx[g[e].idx];
				e++;
			}
	}
	for (k = i, rc = RR_OK; k < j && rc == RR_OK; k++)
		rc = walk_record(b, k);
	return rc;
}

/* Walks records [ub, ue) of one (room, comm, user). */
int sessions_walk_user(struct builder *b, size_t ub, size_t ue)
{
	struct model *m = b->m;
	struct walk *w = &b->w;
	size_t i, j, n = ue - ub;
	int rc = RR_OK;

	memset(w, 0, sizeof *w);
	w->run_first = m->nsessions;
	b->run = b->ds->recs + ub;
	b->run_base = ub;
	for (i = 0; i < n && rc == RR_OK; i = j) {
		int64_t t = b->run[i].time_ms;

		j = i + 1;
		if (j < n && b->run[j].time_ms == t) {
			while (j < n && b->run[j].time_ms == t)
				j++;
			rc = walk_group(b, i, j, ub, ue);
		} else {
			rc = walk_record(b, i);
		}
	}
	if (rc == RR_OK && w->open)
		session_close(b, w->last_ms, w->last_ms, EXIT_UNKNOWN, 0);
	if (rc == RR_OK && w->npend) {
		/* A user with no opening or closing event at all still stayed
		 * somewhere: one session over everything seen. */
		if (m->nsessions == w->run_first) {
			rc = pending_adopt(b, n);
			if (rc == RR_OK)
				session_close(b, w->last_ms, w->last_ms, EXIT_UNKNOWN, 0);
		} else {
			rc = pending_drop(b, n);
		}
	}
	for (i = w->run_first; rc == RR_OK && i < m->nsessions; i++) {
		m->sessions[i].context = sessions_context_bits(&m->sessions[i],
							       &b->tx[i - w->run_first]);
		rc = sessions_session_findings(b, (uint32_t)i, &b->tx[i - w->run_first]);
	}
	if (rc == RR_OK && b->o->details && m->nsessions > w->run_first) {
		if (rr_grow(&m->details, &b->p->capdetails, m->nsessions, sizeof *m->details) != RR_OK)
			return RR_ENOMEM;
		for (i = w->run_first; i < m->nsessions; i++)
			m->details[i] = b->tx[i - w->run_first].d;
	}
	return rc;
}
