/*
 * sessions — turns the sorted records of a finished dataset into calls,
 * sessions, per-session metrics, abnormal experiences and findings, following
 * DESIGN §3 rule by rule. Each (room, comm, user) run is walked once; events
 * that wait outside any session are replayed at most once more, when a
 * closing event shows they belonged to a session whose start was not seen.
 *
 * Memory is the model plus scratch of one (room, comm) group. Sessions are
 * written straight into the model's array as they are built; what only the
 * walk and the findings need stays in scratch of one user's run. A group's
 * sessions are put in start order where they lie; once every call is known,
 * sessions and calls are moved into call order in place, along the cycles
 * of the permutation, and findings are placed by session the same way.
 * Finding texts go into a store of large blocks, not one allocation each.
 * Large datasets are built on several threads, each taking chunks of whole
 * rooms into a part of its own; parts join the model in record order, so
 * the result is what one thread builds.
 * The records may come in several finished datasets, one after the other
 * (sessions_add): each is walked while it is there, and the only thing kept
 * of its records is a copy of the abnormal rows, which the experiences are
 * made of once every call is known (sessions_end). sessions_build is the
 * same three steps on a single dataset.
 * Does not: aggregate across calls (report.c), decide how anything is shown,
 * or escape text (peer and user strings go into finding texts as data).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
#define TIME_TEXT 40

/* What an event does to the session state machine. */
enum role { ROLE_PLAIN, ROLE_OPEN, ROLE_ENTER, ROLE_CLOSE };

/* What a session of the user being walked needs besides struct session,
 * until its findings are written at the end of the user's run. */
struct textra {
	uint8_t exit_from_7001;   /* the exit reason came from a 7001 and is final */
	uint8_t ended_by_timeout; /* its end is a 7001 timeout (not a refined close) */
	int8_t close_net;         /* 1003 type when it closed, -1 none */
	int64_t outage_open;      /* start of the outage running when it closed, RR_NONE */
	int64_t bg_open;          /* start of the background stretch running when it
				   * closed, RR_NONE */
	int32_t net_from, net_to; /* network types around the last 1003 (-1: not known) */
	int64_t net_change_ms;    /* last 1003 of the session, RR_NONE when none */
	int64_t reentry_ms;       /* first re-entry */
	int64_t background_ms;    /* first switch to the background */
	struct session_detail d;
};

/* State of the walk over one user's run of records. Sessions are indexes
 * into model.sessions; those of the run start at run_first. */
struct walk {
	int open;                 /* sessions[cur] is open */
	size_t cur;
	int64_t last_ms;          /* time of the open session's latest event */
	int refining;             /* closing events now refine sessions[prev] */
	size_t prev;
	size_t run_first;         /* first session of this run */
	size_t pend_first;        /* first record waiting outside any session */
	uint32_t npend;
	int64_t opened_5001;      /* time of the observed 5001, RR_NONE otherwise */
	/* The open session's opening closed sessions[rejoin_prev] as unknown
	 * (a 5001 while it was open): a late timeout may still be that one's. */
	int rejoin;
	size_t rejoin_prev;
	int net_type;             /* current 1003 value, -1 before the first */
	int64_t net_since;
	uint32_t net_reports;
	int64_t outage_since;     /* RR_NONE while a network is reported */
	int64_t bg_since;         /* RR_NONE while in the foreground */
	uint32_t nsdk, nwebrtc;
	enum platform first_kind;
};

/* A room with abnormal rows: where its abnormal rows (copied into
 * part.abn), sessions and calls are, so its experiences can be attached
 * once the final order is known. Sessions and calls are in build order
 * (before the moves into call order). */
struct room_span {
	uint32_t abn_first, abn_end;
	uint32_t s_first, s_end;
	uint32_t c_first, c_end;
};

/*
 * What a builder writes: a model and what goes with it until the end. The
 * main part holds the model being built. With several threads each thread
 * builds chunks of whole rooms into a part of its own, and the parts are
 * appended to the main part in record order, so it ends as one thread
 * would have left it.
 */
struct part {
	struct model m;
	size_t capsessions, capdetails, capcalls, capfindings, capexp, capcauses;
	size_t capspans, capoutside;
	uint32_t *owner;          /* per finding: the index of its session */
	size_t capowner;
	struct room_span *rooms;  /* rooms with abnormal rows */
	size_t nrooms, caprooms;
	/* Copies of the abnormal rows, in record order: the records are gone
	 * by the time the experiences are made. */
	struct record *abn;
	size_t nabn, capabn;
};

/* One record of a millisecond group being put in walk order. */
struct gkey {
	int32_t id, p1, p2;
	uint32_t idx;             /* its place in the run */
	uint8_t rank;
};

struct builder {
	const struct dataset *ds;  /* the dataset being added; NULL between adds */
	/* The records of the user being walked, in walk order: the dataset's
	 * own until a millisecond group must be reordered, then runbuf, a
	 * copy of the run in which the groups are reordered. */
	const struct record *run;
	struct record *runbuf;
	size_t caprunbuf;
	size_t run_base;          /* the run's first record in the dataset */
	uint32_t *runidx;         /* with runbuf: each record's place in the
				   * dataset's run (outside events name it) */
	size_t caprunidx;
	struct gkey *grp;         /* scratch: one millisecond group */
	size_t capgrp;
	const struct strtab *strs; /* shared by every dataset added */
	const struct catalog *cat;
	const struct sessions_options *o;
	const struct tz *tz;
	struct part *p;           /* where the builder writes */
	struct model *m;          /* &p->m */
	struct textra *tx;        /* tx[i - w.run_first] goes with sessions[i] */
	size_t captx;
	int64_t *outside;         /* times of outside events of the current group */
	size_t noutside, capoutside;
	uint32_t *outside_rec;    /* and their records */
	size_t capoutside_rec;
	size_t span0;             /* the current group's first span */
	uint32_t *idx;            /* scratch of one group or room */
	size_t capidx;
	int64_t *ends;            /* scratch: session ends of one call */
	size_t capends;
	uint64_t *keys;           /* scratch: (user, place) of one call's sessions */
	size_t capkeys;
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

static int sort_with(unsigned char **scratch, size_t *cap, void *base, size_t n, size_t sz,
		     int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
	if (n < 2)
		return RR_OK;
	if (rr_grow(scratch, cap, (n / 2 + 1) * sz, 1) != RR_OK)
		return RR_ENOMEM;
	msort_rec(base, *scratch, n, sz, cmp, ctx);
	return RR_OK;
}

static int sort_stable(struct builder *b, void *base, size_t n, size_t sz,
		       int (*cmp)(const void *, const void *, const void *), const void *ctx)
{
	return sort_with(&b->scratch, &b->capscratch, base, n, sz, cmp, ctx);
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

static int cmp_u64_sort(const void *pa, const void *pb, const void *ctx)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	(void)ctx;
	return a < b ? -1 : a > b;
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

/* How many places along a cycle permute prefetches ahead of the one it is
 * moving. */
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

static void permute(void *a, size_t asize, void *b, size_t bsize, uint32_t *dest, size_t n)
{
	permute_land(a, asize, b, bsize, dest, n, NULL, NULL);
}

_Static_assert(sizeof(struct session) <= PERMUTE_MAX && sizeof(struct session_detail) <= PERMUTE_MAX &&
	       sizeof(struct call) <= PERMUTE_MAX && sizeof(struct finding) <= PERMUTE_MAX,
	       "model rows fit permute's buffer");

/* ---- the text store ---- */

#define TEXT_BLOCK 65536

struct model_text {
	struct model_text *next;
	size_t used, cap;
	char data[];
};

/* A NUL-terminated copy of the n bytes at s in m's store, or NULL when out
 * of memory. */
static char *text_copy(struct model *m, const char *s, size_t n)
{
	struct model_text *t = m->text;
	char *p;

	if (!t || t->cap - t->used < n + 1) {
		size_t cap = n + 1 > TEXT_BLOCK ? n + 1 : TEXT_BLOCK;

		t = rr_malloc(sizeof *t + cap);
		if (!t)
			return NULL;
		t->next = m->text;
		t->used = 0;
		t->cap = cap;
		m->text = t;
	}
	p = t->data + t->used;
	memcpy(p, s, n);
	p[n] = '\0';
	t->used += n + 1;
	return p;
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

/* A local time for a finding's text (with the zone's name near a change of
 * offset, see tz_time_text). */
static void time_text(const struct builder *b, int64_t ms, char *out)
{
	tz_time_text(b->tz, ms, out, TIME_TEXT);
}

/* Appends a finding of session `owner` (its index in model.sessions at the
 * time; the index is kept up to date as sessions move). */
static int finding_add(struct builder *b, uint32_t owner, const char *code,
		       enum severity sev, int64_t time_ms, const struct textbuf *t)
{
	struct model *m = b->m;
	struct finding *f;
	char *copy;

	if (m->nfindings >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&m->findings, &b->p->capfindings, m->nfindings + 1, sizeof *m->findings) != RR_OK ||
	    rr_grow(&b->p->owner, &b->p->capowner, m->nfindings + 1, sizeof *b->p->owner) != RR_OK)
		return RR_ENOMEM;
	copy = text_copy(m, t->buf, t->len);
	if (!copy)
		return RR_ENOMEM;
	f = &m->findings[m->nfindings];
	f->code = code;
	f->severity = sev;
	f->time_ms = time_ms;
	f->text = copy;
	b->p->owner[m->nfindings++] = owner;
	return RR_OK;
}

/* Findings raised by single events inside session `si`. */
static int event_findings(struct builder *b, uint32_t si, const struct record *r)
{
	static const char *const permissions[] = {
		NULL, "network", "read file", "write file", "microphone", "camera",
	};
	struct textbuf x;         /* not zeroed: 1 KB per event would cost more than the rest */
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
	x.len = 0;
	time_text(b, r->time_ms, at);
	switch (r->id) {
	case EV_PERMISSION:
		if (r->p1 >= 1 && r->p1 <= 5)
			textbuf_add(&x, "Permission missing: %s (at %s)", permissions[r->p1], at);
		else
			textbuf_add(&x, "Permission missing: permission %d (at %s)", (int)r->p1, at);
		return finding_add(b, si, "permission_missing", SEV_ERROR, r->time_ms, &x);
	case EV_CAMERA_FAILED:
		textbuf_add(&x, "%s failed to start at %s",
			 r->p1 == 0 ? "Front camera" : r->p1 == 1 ? "Rear camera" : "Camera", at);
		return finding_add(b, si, "camera_failed", SEV_ERROR, r->time_ms, &x);
	case EV_DECODE_FAILED:
		textbuf_add(&x, "Video decoding failed at %s", at);
		if (r->p1 >= 0)
			textbuf_add(&x, " (%d frames in 3 s%s)", (int)r->p1,
				 r->p2 == 1 ? ", hardware" : r->p2 == 0 ? ", software" : "");
		return finding_add(b, si, "decode_failed", SEV_WARNING, r->time_ms, &x);
	case EV_W_SIGNALING_LOST:
	case EV_W_SIGNALING_LOST_SERVER:
		textbuf_add(&x, "Signaling connection lost at %s%s", at,
			 r->id == EV_W_SIGNALING_LOST_SERVER ? " (reported by the server)" : "");
		return finding_add(b, si, "signaling_lost", SEV_WARNING, r->time_ms, &x);
	case EV_W_MEDIA_LOST:
		textbuf_add(&x, "Media connection lost at %s", at);
		return finding_add(b, si, "media_lost", SEV_WARNING, r->time_ms, &x);
	default:
		return RR_OK;
	}
}

/* Keeps a measured stretch [from, to) of session si (a build index) for
 * the page: every addition to outage_ms or background_ms goes with one. */
static int span_note(struct builder *b, uint32_t si, enum span_kind kind, int64_t from, int64_t to)
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

/* A network outage from `from` to `to`. until_timeout: no 1003 followed
 * the loss and the session ended at a 7001 timeout, which the server logs
 * about 90 s after it last heard from the user: the span up to it is mostly
 * that wait, not an observed outage, so the text gives both ends and no
 * length. */
static int outage_finding(struct builder *b, uint32_t si, int64_t from, int64_t to,
			  int until_timeout)
{
	struct textbuf x;
	char at[TIME_TEXT], end[TIME_TEXT], dur[32];

	if (to <= from)
		return RR_OK;
	x.len = 0;
	time_text(b, from, at);
	if (until_timeout) {
		time_text(b, to, end);
		textbuf_add(&x, "No network from %s until the timeout at %s", at, end);
	} else {
		fmt_duration(to - from, dur, sizeof dur);
		textbuf_add(&x, "No network for %s from %s", dur, at);
	}
	return finding_add(b, si, "network_lost", SEV_WARNING, from, &x);
}

/* Findings about a whole session; run once its exit reason is final. */
static int session_findings(struct builder *b, uint32_t si, const struct textra *t)
{
	const struct session *s = &b->m->sessions[si];
	struct textbuf x;
	char a[TIME_TEXT], c[TIME_TEXT], dur[32];
	int rc = RR_OK;

	x.len = 0;
	time_text(b, s->end_ms, a);
	time_text(b, s->last_seen_ms, c);
	switch (s->exit) {
	case EXIT_TIMEOUT:
		/* Circumstances from this session's own events only. */
		textbuf_add(&x, "Timed out of the room at %s (last seen %s", a, c);
		if (t->net_change_ms == RR_NONE || t->net_change_ms > s->last_seen_ms ||
		    s->last_seen_ms - t->net_change_ms > NET_NOTE_WINDOW_MS) {
			textbuf_add(&x, ")");
		} else if (t->net_change_ms == s->last_seen_ms) {
			/* The last thing heard was the network report itself. */
			const char *from = network_name(t->net_from), *to = network_name(t->net_to);

			if (t->net_to == 0)
				textbuf_add(&x, ", when the network was lost)");
			else if (from && to)
				textbuf_add(&x, ", when the network switched %s → %s)", from, to);
			else if (to)
				textbuf_add(&x, ", when the network was reported as %s)", to);
			else
				textbuf_add(&x, ", when the network changed)");
		} else {
			const char *from = network_name(t->net_from), *to = network_name(t->net_to);

			fmt_duration(s->last_seen_ms - t->net_change_ms, dur, sizeof dur);
			if (t->net_to == 0)
				textbuf_add(&x, "); network lost %s before", dur);
			else if (from && to)
				textbuf_add(&x, "); network switched %s → %s %s before", from, to, dur);
			else if (to)
				textbuf_add(&x, "); network reported as %s %s before", to, dur);
			else
				textbuf_add(&x, "); network changed %s before", dur);
		}
		rc = finding_add(b, si, "timeout", SEV_ERROR, s->end_ms, &x);
		break;
	case EXIT_KICKED:
		textbuf_add(&x, "Removed from the room at %s", a);
		rc = finding_add(b, si, "kicked", SEV_WARNING, s->end_ms, &x);
		break;
	case EXIT_EXIT_FAILED:
		textbuf_add(&x, "Exit from the room failed at %s", a);
		rc = finding_add(b, si, "exit_failed", SEV_WARNING, s->end_ms, &x);
		break;
	case EXIT_ENTRY_FAILED:
		time_text(b, s->start_ms, a);
		textbuf_add(&x, "Could not enter the room (attempt at %s)", a);
		rc = finding_add(b, si, "entry_failed", SEV_ERROR, s->start_ms, &x);
		break;
	case EXIT_UNKNOWN:
		textbuf_add(&x, "No exit recorded; last seen %s", c);
		rc = finding_add(b, si, "no_exit", SEV_WARNING, s->last_seen_ms, &x);
		break;
	default:
		break;
	}
	if (rc != RR_OK)
		return rc;
	/* What was still running at the end, now that the end is final (a
	 * late timeout may have moved it): the stretches for the page, and
	 * the outage's finding. */
	if (t->bg_open != RR_NONE && (rc = span_note(b, si, SPAN_BACKGROUND, t->bg_open, s->end_ms)))
		return rc;
	if (t->outage_open != RR_NONE) {
		rc = span_note(b, si, SPAN_OUTAGE, t->outage_open, s->end_ms);
		if (rc == RR_OK)
			rc = outage_finding(b, si, t->outage_open, s->end_ms, t->ended_by_timeout);
		if (rc != RR_OK)
			return rc;
	}
	if (s->entry_latency_ms != RR_NONE && s->entry_latency_ms > b->o->slow_entry_ms) {
		x.len = 0;
		fmt_duration(s->entry_latency_ms, dur, sizeof dur);
		textbuf_add(&x, "Entered after %s", dur);
		rc = finding_add(b, si, "entry_slow", SEV_WARNING, t->d.entered_ms, &x);
		if (rc != RR_OK)
			return rc;
	}
	if (s->reentries > 0) {
		x.len = 0;
		textbuf_add(&x, "Entered again %u time%s", (unsigned)s->reentries,
			 s->reentries == 1 ? "" : "s");
		rc = finding_add(b, si, "reentry", SEV_INFO, t->reentry_ms, &x);
		if (rc != RR_OK)
			return rc;
	}
	if (s->background_ms > 0) {
		x.len = 0;
		fmt_duration(s->background_ms, dur, sizeof dur);
		textbuf_add(&x, "In the background for %s", dur);
		rc = finding_add(b, si, "background", SEV_INFO, t->background_ms, &x);
	}
	return rc;
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
			rc = span_note(b, si, SPAN_OUTAGE, w->outage_since, now);
			if (rc == RR_OK)
				rc = outage_finding(b, si, w->outage_since, now, 0);
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
			rc = span_note(b, si, SPAN_BACKGROUND, w->bg_since, now);
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
	return event_findings(b, si, r);
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

/* Keeps a copy of an abnormal row for room_experiences. */
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
	if (sort_stable(b, g, n, sizeof *g, cmp_gkey, NULL) != RR_OK)
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
static int walk_user(struct builder *b, size_t ub, size_t ue)
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
	for (i = w->run_first; rc == RR_OK && i < m->nsessions; i++)
		rc = session_findings(b, (uint32_t)i, &b->tx[i - w->run_first]);
	if (rc == RR_OK && b->o->details && m->nsessions > w->run_first) {
		if (rr_grow(&m->details, &b->p->capdetails, m->nsessions, sizeof *m->details) != RR_OK)
			return RR_ENOMEM;
		for (i = w->run_first; i < m->nsessions; i++)
			m->details[i] = b->tx[i - w->run_first].d;
	}
	return rc;
}

/* ---- calls ---- */

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
	if (sort_stable(b, ord, n, sizeof *ord, cmp_group_start, &g) != RR_OK)
		return RR_ENOMEM;
	for (i = 0; i < n; i++)
		inv[ord[i]] = (uint32_t)i;
	for (i = f0; i < m->nfindings; i++)
		b->p->owner[i] = (uint32_t)s0 + inv[b->p->owner[i] - s0];
	for (i = b->span0; i < m->nspans; i++)
		m->spans[i].session = (uint32_t)s0 + inv[m->spans[i].session - s0];
	permute(m->sessions + s0, sizeof *m->sessions, m->details ? m->details + s0 : NULL,
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
	if (sort_stable(b, b->keys, n, sizeof *b->keys, cmp_u64_sort, NULL) != RR_OK)
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
	if (sort_stable(b, b->ends, n, sizeof *b->ends, cmp_i64_sort, NULL) != RR_OK)
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
		if ((rc = walk_user(b, ub, ue)))
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
		if (t > m->calls[k].end_ms && k + 1 < m->ncalls &&
		    m->calls[k + 1].start_ms - t < t - m->calls[k].end_ms)
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

/* A call's sort key, copied out so the comparisons stay in one array;
 * n, its number of sessions, rides along (in what would be padding) so
 * the final places can be counted without reading the calls again. */
struct ckey {
	int64_t start;
	uint32_t idx;
	uint32_t n;
};

struct calls_ctx {
	const struct call *c;
	const struct strtab *strs;
};

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

/* ---- abnormal experiences ---- */

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
static int room_experiences(struct builder *b, const struct room_span *r, const uint32_t *fmap,
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
	if (sort_stable(b, sk, ns, sizeof *sk, cmp_skey, NULL) != RR_OK)
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
	if (sort_stable(b, ck, nc, sizeof *ck, cmp_ck, cmap) != RR_OK)
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
		if (sort_stable(b, grp, n, sizeof *grp, cmp_abn_id, recs) != RR_OK)
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
static int experiences_sort(struct builder *b)
{
	struct model *m = b->m;

	return sort_stable(b, m->experiences, m->nexperiences, sizeof *m->experiences,
			   cmp_experience, NULL);
}

/* Points the calls (in their final places) and the orphans at their
 * experiences. */
static void experiences_point_calls(struct model *m)
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
static void experiences_point_sessions(struct model *m)
{
	uint32_t i;

	for (i = 0; i < m->nexperiences && m->experiences[i].session != RR_NOIDX; i++) {
		struct session *s = &m->sessions[m->experiences[i].session];

		if (s->nexp++ == 0)
			s->first_exp = i;
	}
}

static int experience_findings(struct builder *b)
{
	const struct model *m = b->m;
	const struct strtab *st = b->strs;
	uint32_t i, k;
	int rc;

	for (i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];
		const struct cat_entry *e;
		struct textbuf t;
		char label[512], at[TIME_TEXT];
		size_t n;

		if (x->session == RR_NOIDX)
			continue;
		t.len = 0;
		e = catalog_find_experience(b->cat, x->id);
		catalog_format(e, CAT_EXPERIENCE, x->id, -1, -1, label, sizeof label);
		time_text(b, x->time_ms, at);
		n = strlen(at);
		if (n >= 8 && memcmp(at + 5, ":00", 3) == 0 && (at[8] == '\0' || at[8] == ' '))
			memmove(at + 5, at + 8, n - 8 + 1);   /* minute-aligned: "10:11" */
		textbuf_add(&t, "%s at %s", label, at);
		if (x->ncauses == 0)
			textbuf_add(&t, " — no cause listed");
		for (k = 0; k < x->ncauses; k++) {
			const struct cause *c = &m->causes[x->first_cause + k];

			catalog_cause_phrase(b->cat, c->id, c->peer ? strtab_str(st, c->peer) : NULL,
					     c->peer ? strtab_len(st, c->peer) : 0, label, sizeof label);
			textbuf_add(&t, "%s%s", k ? ", " : " — possible causes: ", label);
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

static int cmp_finding(const void *pa, const void *pb, const void *ctx)
{
	const struct finding *a = pa, *b = pb;

	(void)ctx;
	return cmp_finding_order(a->severity, a->time_ms, a->code,
				 b->severity, b->time_ms, b->code);
}

/* Where the findings go: grouped by session (owner holds final session
 * indexes), in creation order. owner becomes each finding's final place,
 * ffirst each final session's first finding, and ffirst[nsessions] their
 * number. */
static void findings_slots(struct model *m, uint32_t *owner, uint32_t *ffirst)
{
	uint32_t i, nf = m->nfindings, pos = 0;

	memset(ffirst, 0, ((size_t)m->nsessions + 1) * sizeof *ffirst);
	for (i = 0; i < nf; i++)
		ffirst[owner[i]]++;
	for (i = 0; i < m->nsessions; i++) {
		pos += ffirst[i];
		ffirst[i] = pos;      /* one past its last, for now */
	}
	ffirst[m->nsessions] = nf;
	/* Backwards, so each session's findings keep their creation order. */
	for (i = nf; i-- > 0;)
		owner[i] = --ffirst[owner[i]];
}

/* Moves the findings to the places findings_slots gave them, sorts each
 * session's, and counts them per call (calls in their final places). The
 * sessions themselves may be moving meanwhile (finish). */
static int findings_place(struct builder *b, const uint32_t *ffirst)
{
	struct model *m = b->m;
	uint32_t i;

	permute(m->findings, sizeof *m->findings, NULL, 0, b->p->owner, m->nfindings);
	for (i = 0; i < m->nsessions; i++) {
		uint32_t n = ffirst[i + 1] - ffirst[i];

		if (n > 1 && sort_stable(b, m->findings + ffirst[i], n, sizeof *m->findings,
					 cmp_finding, NULL) != RR_OK)
			return RR_ENOMEM;
	}
	for (i = 0; i < m->ncalls; i++) {
		struct call *c = &m->calls[i];
		uint32_t k, end = ffirst[c->first_session + c->nsessions];

		for (k = ffirst[c->first_session]; k < end; k++)
			c->findings[m->findings[k].severity]++;
	}
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
 * copied into the store before anything changes, so a failure leaves the
 * findings as they were (copies made by then stay unused in the store). At
 * equal keys an existing finding stays ahead of a new one.
 */
int model_add_findings(struct model *m, const struct finding_new *f, size_t n)
{
	const struct finding_new **order = NULL;
	struct finding *out = NULL;
	char **texts = NULL;
	unsigned char *scratch = NULL;
	size_t capscratch = 0, i, j, k, total;
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
	order = rr_malloc(n * sizeof *order);
	texts = rr_calloc(n, sizeof *texts);
	out = rr_calloc(total, sizeof *out);
	if (!order || !texts || !out)
		goto fail;
	for (i = 0; i < n; i++) {
		order[i] = &f[i];
		texts[i] = text_copy(m, f[i].text, strlen(f[i].text));
		if (!texts[i])
			goto fail;
	}
	if (sort_with(&scratch, &capscratch, order, n, sizeof *order, cmp_finding_new,
		      NULL) != RR_OK)
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
	rr_free(texts);
	rr_free(order);
	rr_free(out);
	rr_free(scratch);
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
	o->details = 0;
	o->threads = 0;
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

static int calls_order(struct builder *b, struct ckey *k, size_t n)
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
		if (j - i > 1 && sort_stable(b, k + i, j - i, sizeof *k, cmp_call_order, &g) != RR_OK)
			return RR_ENOMEM;
	}
	return RR_OK;
}

/* The last steps of finish, on two threads when it pays: one moves the
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

	permute(m->calls, sizeof *m->calls, NULL, 0, t->cdest, m->ncalls);
	for (k = 0; k < m->ncalls; k++) {
		m->calls[k].first_session = pos;
		pos += m->calls[k].nsessions;
	}
	experiences_point_calls(m);
	t->rc = findings_place(b, t->ffirst);
}

static void *tail_rest_thread(void *arg)
{
	tail_rest(arg);
	return NULL;
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
	if (sort_stable(b, m->spans, m->nspans, sizeof *m->spans, cmp_span, NULL) != RR_OK ||
	    sort_stable(b, m->outside, m->noutside, sizeof *m->outside, cmp_outside, NULL) != RR_OK)
		return RR_ENOMEM;
	return RR_OK;
}

/* Sessions below which the tail stays on one thread: starting one costs
 * more than it saves. */
#define TAIL_PARALLEL_MIN ((uint32_t)1 << 15)

/* Once every group is built: calls into start order and sessions after
 * them, experiences attached, findings placed. */
static int finish(struct builder *b)
{
	struct model *m = b->m;
	struct ckey *corder = NULL;
	uint32_t *cmap = NULL, *cdest = NULL, *fmap = NULL, *ffirst = NULL, i, k, pos = 0;
	struct skey *sk = NULL;
	size_t capsk = 0;
	struct tail t = { 0 };
	pthread_t th;
	int two, rc = RR_ENOMEM;

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
	if (calls_order(b, corder, m->ncalls) != RR_OK)
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
		if (room_experiences(b, &b->p->rooms[i], fmap, cmap, &sk, &capsk) != RR_OK)
			goto out;
	rr_free(b->p->abn);     /* the abnormal rows are experiences by now */
	b->p->abn = NULL;
	b->p->nabn = b->p->capabn = 0;
	for (i = 0; i < m->nfindings; i++)
		b->p->owner[i] = fmap[b->p->owner[i]];
	/* Every finding exists before the places are counted. */
	if (experiences_sort(b) != RR_OK || experience_findings(b) != RR_OK)
		goto out;
	findings_slots(m, b->p->owner, ffirst);
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
	two = b->o->threads != 1 && (b->o->threads > 1 ||
				     (m->nsessions >= TAIL_PARALLEL_MIN && rr_threads(2) > 1));
	/* The other thread does allocate; this one does not. */
	two = two && pthread_create(&th, NULL, tail_rest_thread, &t) == 0;
	tail_sessions(&t);
	if (two)
		pthread_join(th, NULL);
	else
		tail_rest(&t);
	if (t.rc != RR_OK)
		goto out;
	experiences_point_sessions(m);
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

/* Builds the groups of records [rb, re), which begin and end at rooms'
 * boundaries. */
static int build_range(struct builder *b, size_t rb, size_t re)
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

static void builder_free(struct builder *b)
{
	rr_free(b->tx);
	rr_free(b->outside);
	rr_free(b->outside_rec);
	rr_free(b->idx);
	rr_free(b->ends);
	rr_free(b->scratch);
	rr_free(b->runbuf);
	rr_free(b->runidx);
	rr_free(b->grp);
	rr_free(b->keys);
}

static void part_free(struct part *p)
{
	model_free(&p->m);
	rr_free(p->owner);
	rr_free(p->rooms);
	rr_free(p->abn);
	memset(p, 0, sizeof *p);
}

/* Appends what part q built to part p, and empties q (keeping its arrays
 * for the next chunk). On RR_ENOMEM nothing was appended. */
static int part_append(struct part *p, struct part *q)
{
	struct model *m = &p->m, *n = &q->m;
	uint32_t s_off = m->nsessions, c_off = m->ncalls, f_off = m->nfindings, i;
	struct model_text *tail;

	if (n->nsessions > UINT32_MAX - 1 - m->nsessions || n->ncalls > UINT32_MAX - 1 - m->ncalls ||
	    n->nfindings > UINT32_MAX - 1 - m->nfindings || q->nabn > UINT32_MAX - 1 - p->nabn)
		return RR_ENOMEM;
	if (rr_grow(&m->sessions, &p->capsessions, (size_t)s_off + n->nsessions,
		    sizeof *m->sessions) != RR_OK ||
	    (n->details && rr_grow(&m->details, &p->capdetails, (size_t)s_off + n->nsessions,
				   sizeof *m->details) != RR_OK) ||
	    rr_grow(&m->calls, &p->capcalls, (size_t)c_off + n->ncalls, sizeof *m->calls) != RR_OK ||
	    rr_grow(&m->findings, &p->capfindings, (size_t)f_off + n->nfindings,
		    sizeof *m->findings) != RR_OK ||
	    rr_grow(&p->owner, &p->capowner, (size_t)f_off + n->nfindings, sizeof *p->owner) != RR_OK ||
	    rr_grow(&p->rooms, &p->caprooms, p->nrooms + q->nrooms, sizeof *p->rooms) != RR_OK ||
	    (q->nabn && rr_grow(&p->abn, &p->capabn, p->nabn + q->nabn, sizeof *p->abn) != RR_OK) ||
	    n->nspans > UINT32_MAX - 1 - m->nspans || n->noutside > UINT32_MAX - 1 - m->noutside ||
	    (n->nspans && rr_grow(&m->spans, &p->capspans, (size_t)m->nspans + n->nspans,
				  sizeof *m->spans) != RR_OK) ||
	    (n->noutside && rr_grow(&m->outside, &p->capoutside, (size_t)m->noutside + n->noutside,
				    sizeof *m->outside) != RR_OK))
		return RR_ENOMEM;
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
	/* The texts stay where they are: their blocks join p's list. */
	if (n->text) {
		for (tail = n->text; tail->next; tail = tail->next)
			;
		tail->next = m->text;
		m->text = n->text;
		n->text = NULL;
	}
	m->nsessions += n->nsessions;
	m->ncalls += n->ncalls;
	m->nfindings += n->nfindings;
	n->nsessions = n->ncalls = n->nfindings = 0;
	q->nrooms = 0;
	return RR_OK;
}

/* ---- several threads ---- */

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
	pthread_t thread;
	int started;
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
		rc = build_range(&w->b, s->first[k], s->first[k + 1]);
		pthread_mutex_lock(&s->lock);
		while (s->rc == RR_OK && s->next_commit != k)
			pthread_cond_wait(&s->cv, &s->lock);
		if (rc == RR_OK && s->rc == RR_OK)
			rc = part_append(s->main, &w->part);
		if (rc != RR_OK && s->rc == RR_OK)
			s->rc = rc;
		s->next_commit++;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->lock);
		if (rc != RR_OK)
			break;
	}
}

static void *chunk_thread(void *arg)
{
	run_chunks(arg);
	return NULL;
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

	if (threads == 0) {
		*nt = rr_threads(SESSIONS_MAX_THREADS);
		while (*nt > 1 && ds->nrecs / *nt < SESSIONS_PART_MIN)
			(*nt)--;
		size = SESSIONS_CHUNK;
	} else {
		*nt = threads > SESSIONS_MAX_THREADS ? SESSIONS_MAX_THREADS : threads;
		size = ds->nrecs / (4 * (size_t)*nt) + 1;
	}
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
		ws[k].b = *b;            /* the shared inputs; scratch of its own */
		ws[k].b.tx = NULL;
		ws[k].b.outside = NULL;
		ws[k].b.outside_rec = NULL;
		ws[k].b.capoutside_rec = 0;
		ws[k].b.idx = NULL;
		ws[k].b.ends = NULL;
		ws[k].b.scratch = NULL;
		ws[k].b.runbuf = NULL;
		ws[k].b.runidx = NULL;
		ws[k].b.caprunidx = 0;
		ws[k].b.grp = NULL;
		ws[k].b.keys = NULL;
		ws[k].b.captx = ws[k].b.capoutside = ws[k].b.capidx = ws[k].b.capends = 0;
		ws[k].b.capscratch = ws[k].b.caprunbuf = ws[k].b.capgrp = ws[k].b.capkeys = 0;
		ws[k].b.p = &ws[k].part;
		ws[k].b.m = &ws[k].part.m;
		ws[k].s = &s;
	}
	/* This thread is worker 0; a thread that cannot start leaves its
	 * share to the others. */
	for (k = 1; k < nt; k++)
		ws[k].started = pthread_create(&ws[k].thread, NULL, chunk_thread, &ws[k]) == 0;
	run_chunks(&ws[0]);
	for (k = 0; k < nt; k++) {
		if (ws[k].started)
			pthread_join(ws[k].thread, NULL);
		builder_free(&ws[k].b);
		part_free(&ws[k].part);
	}
	rc = s.rc;
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.lock);
	rr_free(ws);
	return rc;
}

/* Builds the groups of b->ds, on as many threads as the options say. */
static int build(struct builder *b)
{
	size_t *first = NULL, nchunks;
	unsigned nt;
	int rc;

	nchunks = plan_chunks(b->ds, b->o->threads, &nt, &first);
	if (nchunks == 0)
		return RR_ENOMEM;
	if (nt <= 1 || nchunks <= 1)
		rc = build_range(b, 0, b->ds->nrecs);
	else
		rc = build_parallel(b, nt, first, nchunks);
	rr_free(first);
	return rc;
}

/* The builder's main part is what the workers append to and what finish
 * orders; it lives here so that b.p can point at it across calls. */
struct sessions_builder {
	struct builder b;
	struct part main;
	struct tz *utc;           /* opened when no display zone is given */
	int failed;               /* an add failed: the model is incomplete */
};

int sessions_begin(const struct catalog *cat, const struct sessions_options *o,
		   struct sessions_builder **out)
{
	struct sessions_builder *sb = rr_calloc(1, sizeof *sb);
	char err[128];
	int rc;

	*out = NULL;
	if (!sb)
		return RR_ENOMEM;
	sb->b.cat = cat;
	sb->b.o = o;
	sb->b.tz = o->display_tz;
	sb->b.p = &sb->main;
	sb->b.m = &sb->main.m;
	if (!sb->b.tz) {
		/* Without a display zone, texts show UTC. */
		rc = tz_open("UTC", &sb->utc, err, sizeof err);
		if (rc != RR_OK) {
			rr_free(sb);
			return rc;
		}
		sb->b.tz = sb->utc;
	}
	*out = sb;
	return RR_OK;
}

int sessions_add(struct sessions_builder *sb, const struct dataset *ds)
{
	int rc;

	if (sb->failed)
		return RR_ENOMEM;
	if (ds->nrecs > UINT32_MAX) {
		sb->failed = 1;        /* dataset_finish refuses these already */
		return RR_ENOMEM;
	}
	sb->b.ds = ds;
	sb->b.strs = ds->strs;
	rc = build(&sb->b);
	sb->b.ds = NULL;           /* nothing past this point reads a record */
	if (rc != RR_OK)
		sb->failed = 1;
	return rc;
}

void sessions_abort(struct sessions_builder *sb)
{
	if (!sb)
		return;
	builder_free(&sb->b);
	part_free(&sb->main);
	if (sb->utc)
		tz_free(sb->utc);
	rr_free(sb);
}

int sessions_end(struct sessions_builder *sb, struct model *m)
{
	int rc = sb->failed ? RR_ENOMEM : finish(&sb->b);

	memset(m, 0, sizeof *m);
	if (rc == RR_OK) {
		*m = sb->main.m;
		memset(&sb->main.m, 0, sizeof sb->main.m);
	}
	sessions_abort(sb);
	return rc;
}

int sessions_build(const struct dataset *ds, const struct catalog *cat,
		   const struct sessions_options *o, struct model *m)
{
	struct sessions_builder *sb;
	int rc;

	memset(m, 0, sizeof *m);
	rc = sessions_begin(cat, o, &sb);
	if (rc != RR_OK)
		return rc;
	rc = sessions_add(sb, ds);
	if (rc != RR_OK) {
		sessions_abort(sb);
		return rc;
	}
	return sessions_end(sb, m);
}

void model_free(struct model *m)
{
	struct model_text *t, *next;

	if (!m)
		return;
	for (t = m->text; t; t = next) {
		next = t->next;
		rr_free(t);
	}
	rr_free(m->findings);
	rr_free(m->calls);
	rr_free(m->sessions);
	rr_free(m->details);
	rr_free(m->experiences);
	rr_free(m->causes);
	rr_free(m->spans);
	rr_free(m->outside);
	memset(m, 0, sizeof *m);
}
