/*
 * sessions_int.h — what the sessions family shares (sessions.c and its
 * sessions_*.c files; see sessions.c for the map): the event IDs the rules
 * read, the builder and the part it writes, and the functions one file of
 * the family calls in another. Nothing outside the family includes it.
 * Does not: hold any rule or any step of the build (each lives in its .c).
 */
#ifndef RR_SESSIONS_INT_H
#define RR_SESSIONS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sessions.h"
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

#define NET_NOTE_WINDOW_MS 60000   /* a network change this close to "last seen" is mentioned */
#define TIME_TEXT 40

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
	/* The last time of each circumstance (sessions_context.c), RR_NONE
	 * when none: loss, change, background, device. */
	int64_t ctx_last[4];
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

/* One build: its inputs (the same in every thread's builder), the part it
 * writes, the state of the walk and scratch of its own. */
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

/* A call's sort key, copied out so the comparisons stay in one array;
 * n, its number of sessions, rides along (in what would be padding) so
 * the final places can be counted without reading the calls again. */
struct ckey {
	int64_t start;
	uint32_t idx;
	uint32_t n;
};

/* ---- shared helpers ---- */

static inline int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Strings of the table compared bytewise (shorter first on a tie). */
static inline int cmp_str(const struct strtab *t, uint32_t a, uint32_t b)
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

/* The events sessions_event_findings writes a finding for: checked inline
 * for every event of the walk, so the others cost no call. */
static inline int event_has_finding(int32_t id)
{
	switch (id) {
	case EV_PERMISSION:
	case EV_CAMERA_FAILED:
	case EV_DECODE_FAILED:
	case EV_W_SIGNALING_LOST:
	case EV_W_SIGNALING_LOST_SERVER:
	case EV_W_MEDIA_LOST:
		return 1;
	default:
		return 0;
	}
}

/* ---- sessions_order.c: sorting, moving, the last steps ---- */

/* Stable sort of n elements of sz bytes with a context pointer, using
 * *scratch (capacity *cap, grown as needed). RR_OK or RR_ENOMEM. */
int sessions_sort_with(unsigned char **scratch, size_t *cap, void *base, size_t n, size_t sz,
		       int (*cmp)(const void *, const void *, const void *), const void *ctx);
/* The same with the builder's scratch. */
int sessions_sort(struct builder *b, void *base, size_t n, size_t sz,
		  int (*cmp)(const void *, const void *, const void *), const void *ctx);
/* Moves element i of a (and of b, when set, in step) to dest[i] for every
 * i; dest ends as the identity. Allocates nothing. */
void sessions_permute(void *a, size_t asize, void *b, size_t bsize, uint32_t *dest, size_t n);
/* Once every group is built: calls and sessions into their final order,
 * experiences made and attached, findings placed. RR_OK or RR_ENOMEM. */
int sessions_finish(struct builder *b);

/* ---- sessions_rules.c: the walk over one user's records (DESIGN §3) ---- */

/* Walks records [ub, ue) of b->ds, one (room, comm, user) run: its
 * sessions, their metrics and findings, its outside events. */
int sessions_walk_user(struct builder *b, size_t ub, size_t ue);
/* Keeps a measured stretch [from, to) of session si (a build index). */
int sessions_span_note(struct builder *b, uint32_t si, enum span_kind kind, int64_t from,
		       int64_t to);

/* ---- sessions_context.c: what the minute before an exit held ---- */

/* Notes event r of the session whose extra is t, before the walk applies
 * it (a 1003 compares with the session's previous 1003, t->net_to). */
void sessions_context_note(struct textra *t, const struct record *r);
/* Session s's SCTX_* bits, once its end is final. */
uint8_t sessions_context_bits(const struct session *s, const struct textra *t);

/* ---- sessions_findings.c: finding texts and their order ---- */

/* The finding of event r inside session si, when it raises one
 * (event_has_finding). */
int sessions_event_findings(struct builder *b, uint32_t si, const struct record *r);
/* A network outage of session si from `from` to `to`. */
int sessions_outage_finding(struct builder *b, uint32_t si, int64_t from, int64_t to,
			    int until_timeout);
/* Findings about the whole session si, once its exit reason is final. */
int sessions_session_findings(struct builder *b, uint32_t si, const struct textra *t);
/* A finding for every experience attached to a session. */
int sessions_experience_findings(struct builder *b);
/* Final places of the findings (see sessions_findings.c). */
void sessions_findings_slots(struct model *m, uint32_t *owner, uint32_t *ffirst);
int sessions_findings_place(struct builder *b, const uint32_t *ffirst);

/* ---- sessions_calls.c: groups into calls ---- */

/* Builds the groups of records [rb, re) of b->ds, which begin and end at
 * rooms' boundaries. */
int sessions_build_range(struct builder *b, size_t rb, size_t re);
/* Sorts the n call keys into the calls' final order. */
int sessions_calls_order(struct builder *b, struct ckey *k, size_t n);

/* ---- sessions_experiences.c: abnormal experiences ---- */

struct skey;
/* Makes one room's experiences and attaches each; *skp is scratch kept
 * from room to room. fmap and cmap map build indexes to final ones. */
int sessions_room_experiences(struct builder *b, const struct room_span *r,
			      const uint32_t *fmap, const uint32_t *cmap, struct skey **skp,
			      size_t *capsk);
int sessions_experiences_sort(struct builder *b);
void sessions_experiences_point_calls(struct model *m);
void sessions_experiences_point_sessions(struct model *m);

/* ---- sessions_threads.c: building on several threads ---- */

/* Builds the groups of b->ds, on as many threads as the options say. */
int sessions_build_dataset(struct builder *b);

/* ---- sessions.c ---- */

void sessions_builder_free(struct builder *b);
void sessions_part_free(struct part *p);

#endif
