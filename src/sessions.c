/*
 * sessions — turns the sorted records of a finished dataset into calls,
 * sessions, per-session metrics, abnormal experiences and findings, following
 * DESIGN §3 rule by rule. Each (room, comm, user) run is walked once; events
 * that wait outside any session are replayed at most once more, when a
 * closing event shows they belonged to a session whose start was not seen.
 * Allocation is per session, call, finding or experience, into growth arrays.
 * Does not: aggregate across calls (report.c), decide how anything is shown,
 * or escape text (peer and user strings go into finding texts as data).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "textbuf.h"
#include "util.h"

/* The event IDs the rules look at (Event ID Mapping Table). */
enum {
	EV_NETWORK = 1003,
	EV_BACKGROUND = 2001,
	EV_PERMISSION = 2002,
	EV_MIC = 3001,
	EV_CODEC = 3003,
	EV_CAMERA_ON = 4001,
	EV_CAMERA_FAILED = 4002,
	EV_RESOLUTION = 4003,
	EV_VIDEO_UPSTREAM = 4006,
	EV_USER_RESOLUTION = 4007,
	EV_FRAME_RATE = 4008,
	EV_BITRATE = 4009,
	EV_HW_DECODER_FAILED = 4011,
	EV_DECODE_FAILED = 4013,
	EV_ENTERING = 5001,
	EV_ENTER_RESULT = 5003,
	EV_FIRST_FRAME = 5007,
	EV_EXIT_RESULT = 5008,
	EV_FIRST_AUDIO = 5009,
	EV_QOS = 6001,
	EV_ENTERED = 7000,
	EV_EXITED = 7001,
	EV_W_VIDEO_ON = 32768,
	EV_W_VIDEO_OFF = 32770,
	EV_W_VIDEO_BLACK = 32773,
	EV_W_VIDEO_ON_AGAIN = 32775,
	EV_W_ENTERED = 32788,
	EV_W_EXITED = 32789,
	EV_W_SIGNALING_LOST = 32790,
	EV_W_MEDIA_LOST = 32792,
	EV_W_SIGNALING_LOST_SERVER = 36864,
};

#define WEBRTC_FIRST_ID 32768
#define NET_NOTE_WINDOW_MS 60000   /* a network change this close to "last seen" is mentioned */
#define PEER_TEXT_MAX 64           /* bytes of a peer ID quoted in a finding */
#define TIME_TEXT 40

/* What an event does to the session state machine. */
enum role { ROLE_PLAIN, ROLE_OPEN, ROLE_ENTER, ROLE_CLOSE };

/* A session while it is being built, with what its findings need later. */
struct tsess {
	struct session s;
	uint32_t seq;             /* creation order: findings refer to sessions by it */
	uint8_t exit_from_7001;   /* the exit reason came from a 7001 and is final */
	int64_t net_change_ms;    /* last 1003 of the session, RR_NONE when none */
	int32_t net_from, net_to; /* network types around it (-1: not known) */
	int64_t reentry_ms;       /* first re-entry */
	int64_t background_ms;    /* first switch to the background */
};

struct tfind {
	struct finding f;
	uint32_t owner;           /* session seq while walking, final index later */
};

/* State of the walk over one user's run of records. */
struct walk {
	int open;                 /* b->ts[cur] is open */
	size_t cur;
	int64_t last_ms;          /* time of the open session's latest event */
	int refining;             /* closing events now refine b->ts[prev] */
	size_t prev;
	size_t run_first;         /* first session of this run in b->ts */
	size_t pend_first;        /* first record waiting outside any session */
	uint32_t npend;
	int64_t opened_5001;      /* time of the observed 5001, RR_NONE otherwise */
	int net_type;             /* current 1003 value, -1 before the first */
	int64_t net_since;
	uint32_t net_reports;
	int64_t outage_since;     /* RR_NONE while a network is reported */
	int64_t bg_since;         /* RR_NONE while in the foreground */
	uint32_t nsdk, nwebrtc;
	enum platform first_kind;
};

struct builder {
	const struct dataset *ds;
	const struct catalog *cat;
	const struct sessions_options *o;
	const struct tz *tz;
	struct tsess *ts;
	size_t nts, capts;
	struct tfind *tf;
	size_t ntf, captf;
	struct call *calls;       /* temporary calls: first_session indexes ts */
	size_t ncalls, capcalls;
	int64_t *outside;         /* times of outside events of the current group */
	size_t noutside, capoutside;
	size_t *abn;              /* indices of REC_ABNORMAL records, in dataset order */
	size_t nabn, capabn;
	unsigned char *scratch;   /* merge-sort buffer */
	size_t capscratch;
	struct walk w;
};

/* ---- small helpers ---- */

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

static int sort_stable(struct builder *b, void *base, size_t n, size_t sz,
		       int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
	if (n < 2)
		return RR_OK;
	if (rr_grow(&b->scratch, &b->capscratch, (n / 2 + 1) * sz, 1) != RR_OK)
		return RR_ENOMEM;
	msort_rec(base, b->scratch, n, sz, cmp, ctx);
	return RR_OK;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_i64_sort(const void *pa, const void *pb, const void *ctx)
{
	(void)ctx;
	return cmp_i64(*(const int64_t *)pa, *(const int64_t *)pb);
}

static int cmp_str(const struct strtab *t, uint32_t a, uint32_t b)
{
	size_t la, lb;
	int c;

	if (a == b)
		return 0;
	la = strtab_len(t, a);
	lb = strtab_len(t, b);
	c = memcmp(strtab_str(t, a), strtab_str(t, b), la < lb ? la : lb);
	if (c)
		return c;
	return la < lb ? -1 : la > lb;
}

const char *exit_reason_name(enum exit_reason e)
{
	static const char *const names[EXIT__COUNT] = {
		"normal", "timeout", "kicked", "exit_failed", "entry_failed", "unknown", "ongoing",
	};
	return (unsigned)e < EXIT__COUNT ? names[e] : "unknown";
}

const char *platform_name(enum platform p)
{
	switch (p) {
	case PLAT_SDK: return "sdk";
	case PLAT_WEBRTC: return "webrtc";
	default: return "unknown";
	}
}

const char *network_name(int32_t type)
{
	static const char *const names[NET__TYPES] = {
		"no network", "Wi-Fi", "4G", "3G", "2G", "wired",
	};
	return type >= 0 && type < NET__TYPES ? names[type] : NULL;
}

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

/* ---- finding texts ---- */

static void time_text(const struct builder *b, int64_t ms, char *out)
{
	tz_format(b->tz, ms, TZF_TIME, out, TIME_TEXT);
}

static int finding_add(struct builder *b, uint32_t owner, const char *code,
		       enum severity sev, int64_t time_ms, const struct textbuf *t)
{
	struct tfind *f;
	char *copy;

	if (b->ntf >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&b->tf, &b->captf, b->ntf + 1, sizeof *b->tf) != RR_OK)
		return RR_ENOMEM;
	copy = rr_strndup(t->buf, t->len);
	if (!copy)
		return RR_ENOMEM;
	f = &b->tf[b->ntf++];
	f->f.code = code;
	f->f.severity = sev;
	f->f.time_ms = time_ms;
	f->f.text = copy;
	f->owner = owner;
	return RR_OK;
}

/* Findings raised by single events inside a session. */
static int event_findings(struct builder *b, const struct tsess *t, const struct record *r)
{
	static const char *const permissions[] = {
		NULL, "network", "read file", "write file", "microphone", "camera",
	};
	struct textbuf x = { .len = 0 };
	char at[TIME_TEXT];

	switch (r->id) {
	case EV_PERMISSION:
	case EV_CAMERA_FAILED:
	case EV_DECODE_FAILED:
	case EV_W_SIGNALING_LOST:
	case EV_W_SIGNALING_LOST_SERVER:
	case EV_W_MEDIA_LOST:
		break;
	default:
		return RR_OK;   /* most events raise nothing: skip the formatting */
	}
	time_text(b, r->time_ms, at);
	switch (r->id) {
	case EV_PERMISSION:
		if (r->p1 >= 1 && r->p1 <= 5)
			textbuf_add(&x, "Permission missing: %s (at %s)", permissions[r->p1], at);
		else
			textbuf_add(&x, "Permission missing: permission %d (at %s)", (int)r->p1, at);
		return finding_add(b, t->seq, "permission_missing", SEV_ERROR, r->time_ms, &x);
	case EV_CAMERA_FAILED:
		textbuf_add(&x, "%s failed to start at %s",
			 r->p1 == 0 ? "Front camera" : r->p1 == 1 ? "Rear camera" : "Camera", at);
		return finding_add(b, t->seq, "camera_failed", SEV_ERROR, r->time_ms, &x);
	case EV_DECODE_FAILED:
		textbuf_add(&x, "Video decoding failed at %s", at);
		if (r->p1 >= 0)
			textbuf_add(&x, " (%d frames in 3 s%s)", (int)r->p1,
				 r->p2 == 1 ? ", hardware" : r->p2 == 0 ? ", software" : "");
		return finding_add(b, t->seq, "decode_failed", SEV_WARNING, r->time_ms, &x);
	case EV_W_SIGNALING_LOST:
	case EV_W_SIGNALING_LOST_SERVER:
		textbuf_add(&x, "Signaling connection lost at %s%s", at,
			 r->id == EV_W_SIGNALING_LOST_SERVER ? " (reported by the server)" : "");
		return finding_add(b, t->seq, "signaling_lost", SEV_WARNING, r->time_ms, &x);
	case EV_W_MEDIA_LOST:
		textbuf_add(&x, "Media connection lost at %s", at);
		return finding_add(b, t->seq, "media_lost", SEV_WARNING, r->time_ms, &x);
	default:
		return RR_OK;
	}
}

static int outage_finding(struct builder *b, const struct tsess *t, int64_t from, int64_t to)
{
	struct textbuf x = { .len = 0 };
	char at[TIME_TEXT], dur[32];

	if (to <= from)
		return RR_OK;
	time_text(b, from, at);
	fmt_duration(to - from, dur, sizeof dur);
	textbuf_add(&x, "No network for %s from %s", dur, at);
	return finding_add(b, t->seq, "network_lost", SEV_WARNING, from, &x);
}

/* Findings about a whole session; run once its exit reason is final. */
static int session_findings(struct builder *b, const struct tsess *t)
{
	const struct session *s = &t->s;
	struct textbuf x = { .len = 0 };
	char a[TIME_TEXT], c[TIME_TEXT], dur[32];
	int rc = RR_OK;

	time_text(b, s->end_ms, a);
	time_text(b, s->last_seen_ms, c);
	switch (s->exit) {
	case EXIT_TIMEOUT:
		textbuf_add(&x, "Timed out of the room at %s (last seen %s)", a, c);
		if (t->net_change_ms != RR_NONE && t->net_change_ms <= s->last_seen_ms &&
		    s->last_seen_ms - t->net_change_ms <= NET_NOTE_WINDOW_MS) {
			const char *from = network_name(t->net_from), *to = network_name(t->net_to);

			fmt_duration(s->last_seen_ms - t->net_change_ms, dur, sizeof dur);
			if (from && to)
				textbuf_add(&x, "; network switched %s → %s %s before", from, to, dur);
			else if (to)
				textbuf_add(&x, "; network reported as %s %s before", to, dur);
			else
				textbuf_add(&x, "; network changed %s before", dur);
		}
		rc = finding_add(b, t->seq, "timeout", SEV_ERROR, s->end_ms, &x);
		break;
	case EXIT_KICKED:
		textbuf_add(&x, "Removed from the room at %s", a);
		rc = finding_add(b, t->seq, "kicked", SEV_WARNING, s->end_ms, &x);
		break;
	case EXIT_EXIT_FAILED:
		textbuf_add(&x, "Exit from the room failed at %s", a);
		rc = finding_add(b, t->seq, "exit_failed", SEV_WARNING, s->end_ms, &x);
		break;
	case EXIT_ENTRY_FAILED:
		time_text(b, s->start_ms, a);
		textbuf_add(&x, "Could not enter the room (attempt at %s)", a);
		rc = finding_add(b, t->seq, "entry_failed", SEV_ERROR, s->start_ms, &x);
		break;
	case EXIT_UNKNOWN:
		textbuf_add(&x, "No exit recorded; last seen %s", c);
		rc = finding_add(b, t->seq, "no_exit", SEV_WARNING, s->last_seen_ms, &x);
		break;
	default:
		break;
	}
	if (rc != RR_OK)
		return rc;
	if (s->entry_latency_ms != RR_NONE && s->entry_latency_ms > b->o->slow_entry_ms) {
		x.len = 0;
		fmt_duration(s->entry_latency_ms, dur, sizeof dur);
		textbuf_add(&x, "Entered after %s", dur);
		rc = finding_add(b, t->seq, "entry_slow", SEV_WARNING, s->entered_ms, &x);
		if (rc != RR_OK)
			return rc;
	}
	if (s->reentries > 0) {
		x.len = 0;
		textbuf_add(&x, "Entered again %u time%s", (unsigned)s->reentries,
			 s->reentries == 1 ? "" : "s");
		rc = finding_add(b, t->seq, "reentry", SEV_INFO, t->reentry_ms, &x);
		if (rc != RR_OK)
			return rc;
	}
	if (s->background_ms > 0) {
		x.len = 0;
		fmt_duration(s->background_ms, dur, sizeof dur);
		textbuf_add(&x, "In the background for %s", dur);
		rc = finding_add(b, t->seq, "background", SEV_INFO, t->background_ms, &x);
	}
	return rc;
}

/* ---- the walk over one user's records ---- */

static int session_open(struct builder *b, const struct record *r, int observed)
{
	struct walk *w = &b->w;
	struct tsess *t;
	struct session *s;

	if (b->nts >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&b->ts, &b->capts, b->nts + 1, sizeof *b->ts) != RR_OK)
		return RR_ENOMEM;
	t = &b->ts[b->nts];
	memset(t, 0, sizeof *t);
	t->seq = (uint32_t)b->nts;
	t->net_change_ms = RR_NONE;
	t->net_from = t->net_to = -1;
	t->reentry_ms = RR_NONE;
	t->background_ms = RR_NONE;
	s = &t->s;
	s->call = RR_NOIDX;
	s->user = r->user;
	s->platform = PLAT_UNKNOWN;
	s->exit = EXIT_UNKNOWN;
	s->start_observed = observed ? 1 : 0;
	s->start_ms = s->end_ms = s->last_seen_ms = r->time_ms;
	s->entered_ms = s->entry_latency_ms = RR_NONE;
	s->first_frame_ms = s->first_audio_ms = RR_NONE;
	s->audio_codec = s->qos_mode = s->qos_scene = -1;
	s->user_info = RR_NOIDX;     /* device, sdk, ip: 0 until companion_link */

	w->cur = b->nts++;
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
	return RR_OK;
}

static int is_enter_event(const struct record *r)
{
	return (r->id == EV_ENTER_RESULT && r->p1 == 1) || r->id == EV_ENTERED ||
	       r->id == EV_W_ENTERED;
}

/* Applies one event of the open session to its metrics. */
static int session_feed(struct builder *b, const struct record *r)
{
	struct walk *w = &b->w;
	struct tsess *t = &b->ts[w->cur];
	struct session *s = &t->s;
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

	if (is_enter_event(r)) {
		if (!s->entered) {
			s->entered = 1;
			s->entered_ms = now;
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
		if (s->first_audio_ms == RR_NONE && w->opened_5001 != RR_NONE)
			s->first_audio_ms = now - w->opened_5001;
		break;
	case EV_NETWORK:
		if (w->net_reports++ > 0)
			s->net_changes++;
		if (w->net_type >= 0 && w->net_type < NET__TYPES)
			s->net_ms[w->net_type] += now - w->net_since;
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
			rc = outage_finding(b, t, w->outage_since, now);
			w->outage_since = RR_NONE;
			if (rc != RR_OK)
				return rc;
		}
		w->net_type = r->p1;
		w->net_since = now;
		break;
	case EV_BACKGROUND:
		if (r->p1 == 1 && w->bg_since == RR_NONE) {
			w->bg_since = now;
			if (t->background_ms == RR_NONE)
				t->background_ms = now;
		} else if (r->p1 == 0 && w->bg_since != RR_NONE) {
			s->background_ms += now - w->bg_since;
			w->bg_since = RR_NONE;
		}
		break;
	case EV_PERMISSION:
		s->permission_failures++;
		break;
	case EV_MIC:
		s->mic_changes++;
		break;
	case EV_CODEC:
		s->audio_codec = r->p1;
		break;
	case EV_QOS:
		s->qos_mode = r->p1;
		s->qos_scene = r->p2;
		break;
	case EV_CAMERA_FAILED:
		s->device_failures++;
		s->camera_changes++;
		break;
	case EV_CAMERA_ON:
	case EV_VIDEO_UPSTREAM:
	case EV_W_VIDEO_ON:
	case EV_W_VIDEO_OFF:
	case EV_W_VIDEO_BLACK:
	case EV_W_VIDEO_ON_AGAIN:
		s->camera_changes++;
		break;
	case EV_RESOLUTION:
	case EV_USER_RESOLUTION:
	case EV_FRAME_RATE:
	case EV_BITRATE:
		s->video_changes++;
		break;
	case EV_HW_DECODER_FAILED:
	case EV_DECODE_FAILED:
		s->device_failures++;
		break;
	default:
		break;
	}
	return event_findings(b, t, r);
}

/* Closes the open session at end_ms; spans still running end there. */
static int session_close(struct builder *b, int64_t end_ms, int64_t last_seen_ms,
			 enum exit_reason why, int from_7001)
{
	struct walk *w = &b->w;
	struct tsess *t = &b->ts[w->cur];
	struct session *s = &t->s;
	int rc = RR_OK;

	if (w->net_type >= 0 && w->net_type < NET__TYPES)
		s->net_ms[w->net_type] += end_ms - w->net_since;
	if (w->outage_since != RR_NONE) {
		s->outage_ms += end_ms - w->outage_since;
		rc = outage_finding(b, t, w->outage_since, end_ms);
	}
	if (w->bg_since != RR_NONE)
		s->background_ms += end_ms - w->bg_since;
	s->end_ms = end_ms;
	s->last_seen_ms = last_seen_ms;
	s->exit = why;
	t->exit_from_7001 = from_7001 && why != EXIT_UNKNOWN;
	if (w->nwebrtc && !w->nsdk)
		s->platform = PLAT_WEBRTC;
	else if (w->nsdk && !w->nwebrtc)
		s->platform = PLAT_SDK;
	else if (w->nsdk && w->nwebrtc)
		s->platform = w->first_kind;
	w->open = 0;
	w->refining = 1;
	w->prev = w->cur;
	return rc;
}

/* A closing event right after a close: only the reason may change, and a
 * 7001's reason is the one that stays. */
static void session_refine(struct tsess *t, enum exit_reason why, int from_7001)
{
	t->s.nevents++;
	if (from_7001 && why != EXIT_UNKNOWN) {
		if (!t->exit_from_7001) {
			t->s.exit = why;
			t->exit_from_7001 = 1;
		}
	} else if (t->s.exit == EXIT_UNKNOWN && why != EXIT_UNKNOWN) {
		t->s.exit = why;
	}
}

/* Events waiting outside any session turned out to be outside for good. */
static int pending_drop(struct builder *b, size_t until)
{
	const struct record *recs = b->ds->recs;
	struct walk *w = &b->w;
	size_t i;

	if (w->npend == 0)
		return RR_OK;
	if (rr_grow(&b->outside, &b->capoutside, b->noutside + w->npend, sizeof *b->outside) != RR_OK)
		return RR_ENOMEM;
	for (i = w->pend_first; i < until; i++)
		if (recs[i].kind == REC_EVENT)
			b->outside[b->noutside++] = recs[i].time_ms;
	w->npend = 0;
	return RR_OK;
}

/* Opens an unobserved session at the first waiting event and replays the
 * waiting events into it. */
static int pending_adopt(struct builder *b, size_t until)
{
	const struct record *recs = b->ds->recs;
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

static int walk_event(struct builder *b, size_t i)
{
	const struct record *r = &b->ds->recs[i];
	struct walk *w = &b->w;
	enum exit_reason why = EXIT_UNKNOWN;
	int from_7001, rc;
	int64_t last_seen;

	switch (event_role(r, &why, &from_7001)) {
	case ROLE_OPEN:
		if (w->open && r->id == EV_W_ENTERED)
			return session_feed(b, r);
		if (w->open && (rc = session_close(b, w->last_ms, w->last_ms, EXIT_UNKNOWN, 0)))
			return rc;
		if ((rc = pending_drop(b, i)) || (rc = session_open(b, r, 1)))
			return rc;
		return session_feed(b, r);
	case ROLE_ENTER:
		if (!w->open && ((rc = pending_drop(b, i)) || (rc = session_open(b, r, 0))))
			return rc;
		return session_feed(b, r);
	case ROLE_CLOSE:
		if (!w->open && w->refining && w->npend == 0) {
			session_refine(&b->ts[w->prev], why, from_7001);
			return RR_OK;
		}
		if (!w->open) {
			rc = w->npend ? pending_adopt(b, i) : session_open(b, r, 0);
			if (rc)
				return rc;
		}
		last_seen = b->ts[w->cur].s.nevents ? w->last_ms : r->time_ms;
		if ((rc = session_feed(b, r)))
			return rc;
		return session_close(b, r->time_ms, last_seen, why, from_7001);
	default:
		if (w->open)
			return session_feed(b, r);
		w->refining = 0;
		if (w->npend++ == 0)
			w->pend_first = i;
		return RR_OK;
	}
}

/* Walks records [ub, ue) of one (room, comm, user). */
static int walk_user(struct builder *b, size_t ub, size_t ue)
{
	const struct record *recs = b->ds->recs;
	struct walk *w = &b->w;
	size_t i;
	int rc = RR_OK;

	memset(w, 0, sizeof *w);
	w->run_first = b->nts;
	for (i = ub; i < ue && rc == RR_OK; i++) {
		if (recs[i].kind == REC_EVENT) {
			rc = walk_event(b, i);
		} else {
			if (rr_grow(&b->abn, &b->capabn, b->nabn + 1, sizeof *b->abn) != RR_OK)
				return RR_ENOMEM;
			b->abn[b->nabn++] = i;
		}
	}
	if (rc == RR_OK && w->open)
		rc = session_close(b, w->last_ms, w->last_ms, EXIT_UNKNOWN, 0);
	if (rc == RR_OK && w->npend) {
		/* A user with no opening or closing event at all still stayed
		 * somewhere: one session over everything seen. */
		if (b->nts == w->run_first) {
			rc = pending_adopt(b, ue);
			if (rc == RR_OK)
				rc = session_close(b, w->last_ms, w->last_ms, EXIT_UNKNOWN, 0);
		} else {
			rc = pending_drop(b, ue);
		}
	}
	for (i = w->run_first; rc == RR_OK && i < b->nts; i++)
		rc = session_findings(b, &b->ts[i]);
	return rc;
}

/* ---- calls ---- */

static int cmp_tsess_start(const void *pa, const void *pb, const void *ctx)
{
	const struct tsess *a = pa, *b = pb;
	int c = cmp_i64(a->s.start_ms, b->s.start_ms);

	if (c)
		return c;
	c = cmp_str(ctx, a->s.user, b->s.user);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int call_add(struct builder *b, uint32_t room, uint32_t comm, size_t first,
		    size_t n, size_t rec_first, size_t rec_end)
{
	struct call *c;
	size_t i;

	if (b->ncalls >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&b->calls, &b->capcalls, b->ncalls + 1, sizeof *b->calls) != RR_OK)
		return RR_ENOMEM;
	c = &b->calls[b->ncalls++];
	memset(c, 0, sizeof *c);
	c->room = room;
	c->comm = comm;
	c->first_session = (uint32_t)first;
	c->nsessions = (uint32_t)n;
	c->start_ms = b->ts[first].s.start_ms;
	c->end_ms = b->ts[first].s.end_ms;
	for (i = first + 1; i < first + n; i++)
		if (b->ts[i].s.end_ms > c->end_ms)
			c->end_ms = b->ts[i].s.end_ms;
	c->rec_first = rec_first;
	c->rec_end = rec_end;
	/* Rooms-file facts are absent until companion_link finds a row. */
	c->created_ms = c->destroyed_ms = RR_NONE;
	c->room_info = RR_NOIDX;
	return RR_OK;
}

/* Builds the sessions and calls of the records [gb, ge) of one (room, comm). */
static int build_group(struct builder *b, size_t gb, size_t ge)
{
	const struct record *recs = b->ds->recs;
	size_t s0 = b->nts, c0 = b->ncalls, ub, ue, i, first;
	int64_t max_end;
	int rc;

	b->noutside = 0;
	for (ub = gb; ub < ge; ub = ue) {
		for (ue = ub + 1; ue < ge && recs[ue].user == recs[ub].user; ue++)
			;
		if ((rc = walk_user(b, ub, ue)))
			return rc;
	}
	if (b->nts == s0)
		return RR_OK;      /* only abnormal rows: no call of its own */
	rc = sort_stable(b, b->ts + s0, b->nts - s0, sizeof *b->ts, cmp_tsess_start,
			 b->ds->strs);
	if (rc)
		return rc;
	if (recs[gb].comm != 0) {
		rc = call_add(b, recs[gb].room, recs[gb].comm, s0, b->nts - s0, gb, ge);
	} else {
		/* Without a CommId, nobody in the room for longer than the gap
		 * separates two calls. */
		first = s0;
		max_end = b->ts[s0].s.end_ms;
		for (i = s0 + 1; i < b->nts && rc == RR_OK; i++) {
			if (b->ts[i].s.start_ms - max_end > b->o->call_gap_ms) {
				rc = call_add(b, recs[gb].room, 0, first, i - first, gb, ge);
				first = i;
			}
			if (b->ts[i].s.end_ms > max_end)
				max_end = b->ts[i].s.end_ms;
		}
		if (rc == RR_OK)
			rc = call_add(b, recs[gb].room, 0, first, b->nts - first, gb, ge);
	}
	if (rc)
		return rc;
	/* Outside events go to the call containing them, else the nearest. */
	for (i = 0; i < b->noutside; i++) {
		int64_t t = b->outside[i];
		size_t lo = c0 + 1, hi = b->ncalls, mid, k, best;

		/* k = the last call starting at or before t (else the first). */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (b->calls[mid].start_ms <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		k = lo - 1;
		best = k;
		if (t > b->calls[k].end_ms && k + 1 < b->ncalls &&
		    b->calls[k + 1].start_ms - t < t - b->calls[k].end_ms)
			best = k + 1;
		b->calls[best].outside_events++;
	}
	return RR_OK;
}

static int cmp_call_order(const void *pa, const void *pb, const void *ctx)
{
	const struct call *a = pa, *b = pb;
	int c = cmp_i64(a->start_ms, b->start_ms);

	if (c)
		return c;
	c = cmp_str(ctx, a->room, b->room);
	if (c)
		return c;
	return cmp_str(ctx, a->comm, b->comm);
}

/* Puts calls in start order and their sessions into the model, grouped by
 * call; map[seq] receives each session's final index. */
static int order_calls(struct builder *b, struct model *m, uint32_t *map)
{
	size_t k, j, pos = 0;
	int rc;

	rc = sort_stable(b, b->calls, b->ncalls, sizeof *b->calls, cmp_call_order, b->ds->strs);
	if (rc)
		return rc;
	m->calls = rr_calloc(b->ncalls ? b->ncalls : 1, sizeof *m->calls);
	m->sessions = rr_calloc(b->nts ? b->nts : 1, sizeof *m->sessions);
	if (!m->calls || !m->sessions)
		return RR_ENOMEM;
	for (k = 0; k < b->ncalls; k++) {
		struct call *c = &m->calls[k];

		*c = b->calls[k];
		for (j = c->first_session; j < (size_t)c->first_session + c->nsessions; j++) {
			m->sessions[pos] = b->ts[j].s;
			m->sessions[pos].call = (uint32_t)k;
			map[b->ts[j].seq] = (uint32_t)pos;
			pos++;
		}
		c->first_session = (uint32_t)(pos - c->nsessions);
	}
	m->ncalls = (uint32_t)b->ncalls;
	m->nsessions = (uint32_t)b->nts;
	return RR_OK;
}

/* Distinct users, peak concurrency and exits of each call. */
static int call_stats(struct builder *b, struct model *m)
{
	uint32_t *seen = NULL;
	int64_t *ends = NULL;
	size_t capends = 0, k, i, j;
	uint32_t nstr = strtab_count(b->ds->strs);

	seen = rr_calloc(nstr ? nstr : 1, sizeof *seen);
	if (!seen)
		return RR_ENOMEM;
	for (k = 0; k < m->ncalls; k++) {
		struct call *c = &m->calls[k];
		const struct session *s = &m->sessions[c->first_session];
		uint32_t cur = 0;

		if (rr_grow(&ends, &capends, c->nsessions, sizeof *ends) != RR_OK) {
			rr_free(seen);
			rr_free(ends);
			return RR_ENOMEM;
		}
		for (i = 0; i < c->nsessions; i++) {
			if (s[i].user < nstr && seen[s[i].user] != k + 1) {
				seen[s[i].user] = (uint32_t)(k + 1);
				c->users++;
			}
			c->exits[s[i].exit]++;
			ends[i] = s[i].end_ms;
		}
		if (sort_stable(b, ends, c->nsessions, sizeof *ends, cmp_i64_sort, NULL) != RR_OK) {
			rr_free(seen);
			rr_free(ends);
			return RR_ENOMEM;
		}
		/* Sweep: at equal times a session that ends leaves before one
		 * that starts arrives. */
		for (i = 0, j = 0; i < c->nsessions; i++) {
			while (j < i && ends[j] <= s[i].start_ms) {
				cur--;
				j++;
			}
			cur++;
			if (cur > c->peak_users)
				c->peak_users = cur;
		}
	}
	rr_free(seen);
	rr_free(ends);
	return RR_OK;
}

/* ---- abnormal experiences ---- */

static int cmp_abn_id(const void *pa, const void *pb, const void *ctx)
{
	const struct record *recs = ctx;
	int32_t a = recs[*(const size_t *)pa].id, b = recs[*(const size_t *)pb].id;

	return a < b ? -1 : a > b;
}

/* Session index sorted by (room, user, start). */
struct skey {
	uint32_t room, user;
	int64_t start;
	uint32_t idx;
};

static int cmp_skey(const void *pa, const void *pb, const void *ctx)
{
	const struct skey *a = pa, *b = pb;

	(void)ctx;
	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	return cmp_i64(a->start, b->start);
}

static int cmp_ckey(const void *pa, const void *pb, const void *ctx)
{
	const struct skey *a = pa, *b = pb;

	(void)ctx;
	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	return cmp_i64(a->start, b->start);
}

/* First index in k[0..n) whose (room, user) is not below the given one. */
static size_t skey_lower(const struct skey *k, size_t n, uint32_t room, uint32_t user)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k[mid].room < room || (k[mid].room == room && k[mid].user < user))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void experience_attach(const struct model *m, const struct skey *sk, size_t nsk,
			      const struct skey *ck, size_t nck, struct experience *x)
{
	size_t lo, hi, i, best = SIZE_MAX, contained;
	int64_t t = x->time_ms, best_d = 0;
	int same_comm = 0;

	x->session = RR_NOIDX;
	x->call = RR_NOIDX;

	lo = skey_lower(sk, nsk, x->room, x->user);
	for (hi = lo; hi < nsk && sk[hi].room == x->room && sk[hi].user == x->user; hi++)
		if (x->comm && m->calls[m->sessions[sk[hi].idx].call].comm == x->comm)
			same_comm = 1;
#define SESSION_OK(i) (!same_comm || m->calls[m->sessions[sk[i].idx].call].comm == x->comm)
	for (i = lo; i < hi; i++) {          /* containing the time: the latest such */
		const struct session *s = &m->sessions[sk[i].idx];

		if (SESSION_OK(i) && s->start_ms <= t && t <= s->end_ms)
			best = i;
	}
	contained = best;
	for (i = lo; contained == SIZE_MAX && i < hi; i++) {   /* ended before it */
		const struct session *s = &m->sessions[sk[i].idx];

		if (SESSION_OK(i) && s->end_ms < t) {
			int64_t d = t - s->end_ms;

			if (best == SIZE_MAX || d <= best_d) {
				best = i;
				best_d = d;
			}
		}
	}
	for (i = lo; best == SIZE_MAX && i < hi; i++)      /* all start after it */
		if (SESSION_OK(i))
			best = i;
#undef SESSION_OK
	if (best != SIZE_MAX) {
		x->session = sk[best].idx;
		x->call = m->sessions[x->session].call;
		return;
	}

	lo = skey_lower(ck, nck, x->room, 0);
	same_comm = 0;
	for (hi = lo; hi < nck && ck[hi].room == x->room; hi++)
		if (x->comm && m->calls[ck[hi].idx].comm == x->comm)
			same_comm = 1;
	for (i = lo; i < hi; i++) {
		const struct call *c = &m->calls[ck[i].idx];
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
		x->call = ck[best].idx;
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

/* Groups abnormal rows into experiences with their causes. */
static int experiences_collect(struct builder *b, struct model *m)
{
	const struct record *recs = b->ds->recs;
	size_t capx = 0, capc = 0, i = 0, j, k;
	int rc;

	while (i < b->nabn) {
		const struct record *r0 = &recs[b->abn[i]];

		for (j = i + 1; j < b->nabn; j++) {
			const struct record *r = &recs[b->abn[j]];

			if (r->room != r0->room || r->comm != r0->comm || r->user != r0->user ||
			    r->time_ms != r0->time_ms)
				break;
		}
		/* Rows of one time may interleave experience IDs. */
		rc = sort_stable(b, b->abn + i, j - i, sizeof *b->abn, cmp_abn_id, recs);
		if (rc)
			return rc;
		for (k = i; k < j;) {
			const struct record *rk = &recs[b->abn[k]];
			struct experience *x;
			size_t e;

			if (m->nexperiences >= UINT32_MAX - 1 ||
			    rr_grow(&m->experiences, &capx, m->nexperiences + 1,
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
			for (e = k; e < j && recs[b->abn[e]].id == rk->id; e++) {
				const struct record *rc_ = &recs[b->abn[e]];

				if (rc_->p1 == -1)
					continue;   /* a blank cause: no listed cause */
				if (m->ncauses >= UINT32_MAX - 1 ||
				    rr_grow(&m->causes, &capc, m->ncauses + 1, sizeof *m->causes) != RR_OK)
					return RR_ENOMEM;
				m->causes[m->ncauses].id = rc_->p1;
				m->causes[m->ncauses].peer = rc_->peer;
				m->ncauses++;
				x->ncauses++;
			}
			k = e;
		}
		i = j;
	}
	return RR_OK;
}

static int experiences_attach_all(struct builder *b, struct model *m)
{
	struct skey *sk = NULL, *ck = NULL;
	uint32_t i;
	int rc = RR_ENOMEM;

	sk = rr_calloc(m->nsessions ? m->nsessions : 1, sizeof *sk);
	ck = rr_calloc(m->ncalls ? m->ncalls : 1, sizeof *ck);
	if (!sk || !ck)
		goto out;
	for (i = 0; i < m->nsessions; i++) {
		sk[i].room = m->calls[m->sessions[i].call].room;
		sk[i].user = m->sessions[i].user;
		sk[i].start = m->sessions[i].start_ms;
		sk[i].idx = i;
	}
	for (i = 0; i < m->ncalls; i++) {
		ck[i].room = m->calls[i].room;
		ck[i].start = m->calls[i].start_ms;
		ck[i].idx = i;
	}
	if (sort_stable(b, sk, m->nsessions, sizeof *sk, cmp_skey, NULL) ||
	    sort_stable(b, ck, m->ncalls, sizeof *ck, cmp_ckey, NULL))
		goto out;
	for (i = 0; i < m->nexperiences; i++)
		experience_attach(m, sk, m->nsessions, ck, m->ncalls, &m->experiences[i]);
	if (sort_stable(b, m->experiences, m->nexperiences, sizeof *m->experiences,
			cmp_experience, NULL))
		goto out;
	m->first_orphan_exp = m->nexperiences;
	for (i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];

		if (x->session != RR_NOIDX) {
			struct session *s = &m->sessions[x->session];

			if (s->nexp++ == 0)
				s->first_exp = i;
		} else if (x->call != RR_NOIDX) {
			struct call *c = &m->calls[x->call];

			if (c->nexp++ == 0)
				c->first_exp = i;
		} else {
			if (m->norphan_exp++ == 0)
				m->first_orphan_exp = i;
		}
	}
	rc = RR_OK;
out:
	rr_free(sk);
	rr_free(ck);
	return rc;
}

/* Cause labels read as part of a sentence: "possible causes: downstream ...". */
static void lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z')
		s[0] = (char)(s[0] - 'A' + 'a');
}

static int experience_findings(struct builder *b, const struct model *m)
{
	const struct strtab *st = b->ds->strs;
	uint32_t i, k;
	int rc;

	for (i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];
		const struct cat_entry *e;
		struct textbuf t = { .len = 0 };
		char label[256], at[TIME_TEXT];
		size_t n;

		if (x->session == RR_NOIDX)
			continue;
		e = catalog_find_experience(b->cat, x->id);
		catalog_format(e, CAT_EXPERIENCE, x->id, -1, -1, label, sizeof label);
		time_text(b, x->time_ms, at);
		n = strlen(at);
		if (n == 8 && strcmp(at + 5, ":00") == 0)
			at[5] = '\0';   /* experience times are minute-aligned */
		textbuf_add(&t, "%s at %s", label, at);
		if (x->ncauses == 0)
			textbuf_add(&t, " — no cause listed");
		for (k = 0; k < x->ncauses; k++) {
			const struct cause *c = &m->causes[x->first_cause + k];
			enum cat_table table;

			e = catalog_find_cause(b->cat, c->id);
			table = e ? e->table : c->id >= 2001 && c->id <= 2999 ? CAT_REALTIME
									: CAT_DISMISSAL;
			catalog_format(e, table, c->id, -1, -1, label, sizeof label);
			lower_first(label);
			textbuf_add(&t, "%s%s", k ? ", " : " — possible causes: ", label);
			if (c->peer) {
				textbuf_add(&t, " (peer ");
				textbuf_add_clipped(&t, strtab_str(st, c->peer), strtab_len(st, c->peer),
						 PEER_TEXT_MAX);
				textbuf_add(&t, ")");
			}
		}
		rc = finding_add(b, x->session, "abnormal_experience", SEV_WARNING, x->time_ms, &t);
		if (rc)
			return rc;
	}
	return RR_OK;
}

/* ---- findings order ---- */

/* Order within one session: most severe first, then time, then code. Used
 * by sessions_build and model_add_findings alike, so both agree. */
static int cmp_finding_order(enum severity sa, int64_t ta, const char *ca,
			     enum severity sb, int64_t tb, const char *cb)
{
	int c;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	c = cmp_i64(ta, tb);
	if (c)
		return c;
	return strcmp(ca, cb);
}

static int cmp_tfind(const void *pa, const void *pb, const void *ctx)
{
	const struct tfind *a = pa, *b = pb;

	(void)ctx;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	return cmp_finding_order(a->f.severity, a->f.time_ms, a->f.code,
				 b->f.severity, b->f.time_ms, b->f.code);
}

static int findings_finish(struct builder *b, struct model *m)
{
	size_t i;
	int rc;

	rc = sort_stable(b, b->tf, b->ntf, sizeof *b->tf, cmp_tfind, NULL);
	if (rc)
		return rc;
	m->findings = rr_calloc(b->ntf ? b->ntf : 1, sizeof *m->findings);
	if (!m->findings)
		return RR_ENOMEM;
	for (i = 0; i < b->ntf; i++) {
		struct session *s = &m->sessions[b->tf[i].owner];

		m->findings[i] = b->tf[i].f;
		b->tf[i].f.text = NULL;   /* now owned by the model */
		if (s->nfindings++ == 0)
			s->first_finding = (uint32_t)i;
		m->calls[s->call].findings[m->findings[i].severity]++;
	}
	m->nfindings = (uint32_t)b->ntf;
	b->ntf = 0;
	return RR_OK;
}

/* ---- findings added later (companion_link) ---- */

static int cmp_finding_new(const void *pa, const void *pb, const void *ctx)
{
	const struct finding_new *a = *(const struct finding_new *const *)pa;
	const struct finding_new *b = *(const struct finding_new *const *)pb;

	(void)ctx;
	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	return cmp_finding_order(a->severity, a->time_ms, a->code,
				 b->severity, b->time_ms, b->code);
}

/*
 * The new findings are sorted (through pointers, so f stays as given) and
 * merged with the existing ones session by session into a fresh array: one
 * pass over everything, whatever the number of sessions touched. Texts are
 * copied before anything changes, so a failure leaves m as it was. At equal
 * keys an existing finding stays ahead of a new one.
 */
int model_add_findings(struct model *m, const struct finding_new *f, size_t n)
{
	struct builder b;
	const struct finding_new **order = NULL;
	struct finding *out = NULL;
	char **texts = NULL;
	size_t i, j, k, total;
	uint32_t s;
	int rc = RR_ENOMEM;

	if (n == 0)
		return RR_OK;
	for (i = 0; i < n; i++)
		if (f[i].session >= m->nsessions || (unsigned)f[i].severity >= SEV__COUNT)
			return RR_EDATA;   /* a caller's mistake: refuse rather than corrupt */
	if (n > (size_t)(UINT32_MAX - 1) - m->nfindings)
		return RR_ENOMEM;
	total = (size_t)m->nfindings + n;
	memset(&b, 0, sizeof b);
	order = rr_malloc(n * sizeof *order);
	texts = rr_calloc(n, sizeof *texts);
	out = rr_calloc(total, sizeof *out);
	if (!order || !texts || !out)
		goto fail;
	for (i = 0; i < n; i++) {
		order[i] = &f[i];
		texts[i] = rr_strndup(f[i].text, strlen(f[i].text));
		if (!texts[i])
			goto fail;
	}
	if (sort_stable(&b, order, n, sizeof *order, cmp_finding_new, NULL) != RR_OK)
		goto fail;

	/* From here on nothing can fail. */
	for (s = 0, j = 0, k = 0; s < m->nsessions; s++) {
		struct session *ss = &m->sessions[s];
		const struct finding *old = m->findings + ss->first_finding;
		uint32_t nold = ss->nfindings, o = 0, added = 0;

		ss->first_finding = (uint32_t)k;
		while (o < nold || (j < n && order[j]->session == s)) {
			const struct finding_new *nw = j < n && order[j]->session == s ? order[j] : NULL;

			if (o < nold && (!nw || cmp_finding_order(old[o].severity, old[o].time_ms,
					old[o].code, nw->severity, nw->time_ms, nw->code) <= 0)) {
				out[k++] = old[o++];
				continue;
			}
			out[k].code = nw->code;
			out[k].severity = nw->severity;
			out[k].time_ms = nw->time_ms;
			out[k].text = texts[nw - f];
			texts[nw - f] = NULL;
			k++;
			j++;
			added++;
			m->calls[ss->call].findings[nw->severity]++;
		}
		ss->nfindings = nold + added;
	}
	rr_free(m->findings);
	m->findings = out;
	m->nfindings = (uint32_t)total;
	out = NULL;
	rc = RR_OK;
fail:
	for (i = 0; texts && i < n; i++)
		rr_free(texts[i]);
	rr_free(texts);
	rr_free(order);
	rr_free(out);
	rr_free(b.scratch);
	return rc;
}

/* One compaction pass over all findings; sessions[] is ascending, so it is
 * walked alongside. Nothing is allocated: this cannot fail, which lets
 * companion_link add first (the step that can fail) and drop after. */
void model_drop_findings(struct model *m, const char *code, const uint32_t *sessions, size_t n)
{
	uint32_t s, i, k = 0;
	size_t p = 0;

	if (n == 0)
		return;
	for (s = 0; s < m->nsessions; s++) {
		struct session *ss = &m->sessions[s];
		uint32_t first = ss->first_finding, nf = ss->nfindings;
		int listed;

		while (p < n && sessions[p] < s)
			p++;
		listed = p < n && sessions[p] == s;
		ss->first_finding = k;
		for (i = first; i < first + nf; i++) {
			struct finding *f = &m->findings[i];

			if (listed && strcmp(f->code, code) == 0) {
				m->calls[ss->call].findings[f->severity]--;
				rr_free(f->text);
				ss->nfindings--;
				continue;
			}
			m->findings[k++] = *f;
		}
	}
	m->nfindings = k;
}

/* ---- entry points ---- */

void sessions_options_init(struct sessions_options *o)
{
	o->call_gap_ms = 5 * 60 * 1000;
	o->slow_entry_ms = 5000;
	o->display_tz = NULL;
}

static int build(struct builder *b, struct model *m)
{
	const struct dataset *ds = b->ds;
	uint32_t *map = NULL;
	size_t gb, ge, i;
	int rc;

	for (gb = 0; gb < ds->nrecs; gb = ge) {
		for (ge = gb + 1; ge < ds->nrecs && ds->recs[ge].room == ds->recs[gb].room &&
				  ds->recs[ge].comm == ds->recs[gb].comm; ge++)
			;
		if ((rc = build_group(b, gb, ge)))
			return rc;
	}
	map = rr_calloc(b->nts ? b->nts : 1, sizeof *map);
	if (!map)
		return RR_ENOMEM;
	rc = order_calls(b, m, map);
	if (rc == RR_OK) {
		for (i = 0; i < b->ntf; i++)
			b->tf[i].owner = map[b->tf[i].owner];
	}
	rr_free(map);
	if (rc == RR_OK)
		rc = call_stats(b, m);
	if (rc == RR_OK)
		rc = experiences_collect(b, m);
	if (rc == RR_OK)
		rc = experiences_attach_all(b, m);
	if (rc == RR_OK)
		rc = experience_findings(b, m);
	if (rc == RR_OK)
		rc = findings_finish(b, m);
	return rc;
}

int sessions_build(const struct dataset *ds, const struct catalog *cat,
		   const struct sessions_options *o, struct model *m)
{
	struct builder b;
	struct tz *utc = NULL;
	char err[128];
	size_t i;
	int rc;

	memset(m, 0, sizeof *m);
	memset(&b, 0, sizeof b);
	b.ds = ds;
	b.cat = cat;
	b.o = o;
	b.tz = o->display_tz;
	if (!b.tz) {
		/* Without a display zone, texts show UTC. */
		rc = tz_open("UTC", &utc, err, sizeof err);
		if (rc != RR_OK)
			return rc;
		b.tz = utc;
	}
	rc = build(&b, m);
	for (i = 0; i < b.ntf; i++)
		rr_free(b.tf[i].f.text);
	rr_free(b.tf);
	rr_free(b.ts);
	rr_free(b.calls);
	rr_free(b.outside);
	rr_free(b.abn);
	rr_free(b.scratch);
	if (utc)
		tz_free(utc);
	if (rc != RR_OK)
		model_free(m);
	return rc;
}

void model_free(struct model *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; i < m->nfindings; i++)
		rr_free(m->findings[i].text);
	rr_free(m->findings);
	rr_free(m->calls);
	rr_free(m->sessions);
	rr_free(m->experiences);
	rr_free(m->causes);
	memset(m, 0, sizeof *m);
}
