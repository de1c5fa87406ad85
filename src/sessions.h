/*
 * sessions — calls, sessions, metrics, experiences and findings (DESIGN §3),
 * built from a finished dataset. This is where the rules live: which event
 * opens, enters, closes or refines a session; how calls split; where an
 * abnormal experience attaches; which findings are raised.
 * Does not: aggregate across calls (report), format output (json, csv, render).
 */
#ifndef RR_SESSIONS_H
#define RR_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "catalog.h"
#include "dataset.h"
#include "tz.h"
#include "util.h"


/* EXIT_ONGOING: no exit recorded and the users file says the user was still
 * in the room at export (set by companion_link); not an exit. */
enum exit_reason { EXIT_NORMAL, EXIT_TIMEOUT, EXIT_KICKED, EXIT_EXIT_FAILED,
		   EXIT_ENTRY_FAILED, EXIT_UNKNOWN, EXIT_ONGOING, EXIT__COUNT };
enum platform { PLAT_UNKNOWN, PLAT_SDK, PLAT_WEBRTC };
/* 1003 ParamOne values: 0 none, 1 Wi-Fi, 2 4G, 3 3G, 4 2G, 5 wired. */
enum { NET__TYPES = 6 };

const char *exit_reason_name(enum exit_reason e);   /* "normal", "timeout", ... */
/* The exit in words for pages: "left normally", "timed out", ...; static. */
const char *exit_reason_label(enum exit_reason e);
const char *platform_name(enum platform p);         /* "sdk", "webrtc", "unknown" */
/* 1003 ParamOne type: "no network", "Wi-Fi", "4G", "3G", "2G", "wired"; NULL
 * outside 0..NET__TYPES-1. */
const char *network_name(int32_t type);

/* Where a text holds an instant: bytes [off, off + len) of the text are ms
 * formatted in the display zone, with the zone's name after it where the
 * text adds one: a finding's time as tz_time_text writes it ("10:31:05",
 * "02:10:00 CET"; an abnormal experience's "10:11" when on the minute), or
 * a call view's (callview.h) date and time ("2026-11-20 10:00:05") or time
 * of day. The pages write each as a <time> element (render_page.c's
 * add_timed_text) whose shape is the one its maker gave: a date and time, a
 * time of day, or hours and minutes. At most FINDING_TIMES, in text order. */
#define FINDING_TIMES 2
enum finding_shape {
	FT_TIME,        /* 10:31:05 */
	FT_DATETIME,    /* 2026-11-20 10:31:05 */
	FT_HM,          /* 10:11 */
};
struct finding_time {
	int64_t ms;
	uint16_t off;
	uint8_t len;
	uint8_t shape;           /* enum finding_shape */
};
struct finding_times {
	struct finding_time t[FINDING_TIMES];
	uint8_t n;
};

struct finding {
	const char *code;        /* stable code, e.g. "timeout"; static storage */
	enum severity severity;
	int64_t time_ms;
	char *text;              /* in model.text (model_free frees it);
				    times in it are in the display zone */
	struct finding_times times;  /* where text holds them */
};

struct textbuf;
/* Appends s (ms formatted in the display zone in the given shape, see
 * struct finding_time) to x and notes where in ft (when ft has room and the
 * text is short enough to say where). Findings' and the call view's texts
 * are made with it. */
void finding_time_put(struct textbuf *x, struct finding_times *ft, int64_t ms,
		      enum finding_shape shape, const char *s);

struct cause {
	int32_t id;              /* AbnormalEventId */
	uint32_t peer;           /* strtab id; 0 = not caused by a remote user */
};

struct experience {
	int64_t time_ms;
	int32_t id;              /* ExperienceId (0 = none given) */
	uint32_t room, comm, user;
	uint32_t call;           /* RR_NOIDX: no call of that room (orphan) */
	uint32_t session;        /* RR_NOIDX: attached to the call only */
	uint32_t first_cause, ncauses;   /* into model.causes */
};

/*
 * One stay of one user in one call. The figures no output shows live apart,
 * in struct session_detail, kept only on request (sessions_options.details).
 * platform and exit hold enum platform and enum exit_reason values.
 */
struct session {
	int64_t start_ms, end_ms;
	int64_t entry_latency_ms;/* 5001 -> entered; RR_NONE without both */
	int64_t first_frame_ms;  /* 5001 -> first 5007; RR_NONE without both */
	int64_t last_seen_ms;    /* last event before the closing one (= end when none) */
	int64_t outage_ms;       /* after 1003/0 until the next 1003 or the end */
	int64_t background_ms;   /* after 2001/1 until 2001/0 or the end */
	uint32_t call, user;
	uint32_t reentries;
	uint32_t net_changes;    /* 1003 events after the first */
	uint32_t outages;        /* number of 1003/0 events */
	uint32_t nevents;        /* events inside the session, refining closers included */
	uint32_t first_finding, nfindings;   /* into model.findings */
	uint32_t first_exp, nexp;            /* into model.experiences */
	/* From the users file (companion_link); 0 / RR_NOIDX when there is
	 * none for this user and call. */
	uint32_t device, sdk, ip;            /* strtab ids */
	uint32_t user_info;                  /* index into dataset.users */
	uint8_t platform;        /* enum platform */
	uint8_t exit;            /* enum exit_reason */
	uint8_t start_observed;  /* opened by 5001/32788 (not inferred) */
	uint8_t entered;         /* an entered event (5003/1, 7000, 32788) was seen */
	/* Its entry was observed: an opening event (5001/32788), an entered
	 * event or an entry failure (5003/0) of its own. Without one, whether
	 * it entered is not known ("entry not seen", JSON entered null): it
	 * counts neither for nor against the entry success rate. */
	uint8_t entry_observed;
	/* The 1003 network type the session spent most time on, plus one
	 * (ties: the lower type); 0 when it spent no time on any (no 1003, or
	 * only at its very end). */
	uint8_t network;
	/* SCTX_* bits: what was observed in the session in the minute before
	 * its exit (session_context_window; sessions_context.c). */
	uint8_t context;
};

/*
 * What went with an exit (README "Weekly report"): the circumstances seen
 * among a session's own events in the window before its end, as bits of
 * session.context. SCTX_NET_LOSS: 1003 ParamOne 0 (no network), 32790
 * (signaling channel disconnected), 32792 (media channel disconnected);
 * SCTX_NET_CHANGE: a 1003 naming a network type (1-5) other than the
 * session's previous 1003; SCTX_BACKGROUND: 2001 ParamOne 1 (app to the
 * background); SCTX_DEVICE: 4002 (camera failed to open) or 2002 (a
 * permission missing).
 */
enum { SCTX_NET_LOSS = 1, SCTX_NET_CHANGE = 2, SCTX_BACKGROUND = 4, SCTX_DEVICE = 8 };
#define SESSION_CONTEXT_WINDOW_MS 60000

/* The window of session s's exit, [*from, *to] inclusive: the minute up to
 * its end; for a timeout, which TRTC logs about 90 s after it last heard
 * from the user, the minute before its last seen event, through its end. */
void session_context_window(const struct session *s, int64_t *from, int64_t *to);

/* The rest of a session's figures (DESIGN §3), parallel to model.sessions
 * when asked for. */
struct session_detail {
	int64_t entered_ms;      /* RR_NONE when never entered */
	int64_t first_audio_ms;  /* 5001 -> first 5009; RR_NONE without both */
	int64_t net_ms[NET__TYPES]; /* time spent on each network type */
	uint32_t mic_changes, camera_changes, video_changes;
	uint32_t device_failures, permission_failures;
	int32_t audio_codec;     /* last 3003 ParamOne, -1 none */
	int32_t qos_mode, qos_scene; /* last 6001 parameters, -1 none */
};

/* One call: a (room, CommId), or a stretch of a room without CommId. */
struct call {
	uint32_t room, comm;     /* comm 0: split by --call-gap */
	int64_t start_ms, end_ms;
	/* Distinct users; the most users in the call at once (a user counts
	 * once while a late timeout's session overlaps their next one). */
	uint32_t users, peak_users;
	uint32_t first_session, nsessions;   /* into model.sessions, in start order */
	uint32_t exits[EXIT__COUNT];
	uint32_t findings[SEV__COUNT];       /* findings of its sessions by severity */
	uint32_t first_exp, nexp;            /* experiences attached to the call only */
	uint32_t outside_events;             /* events outside every session */
	/* Records of (room, comm), a superset when split by gap (a finished
	 * dataset holds fewer than 2^32 records). */
	uint32_t rec_first, rec_end;
	/* From the rooms file (companion_link): RR_NONE when not given. The
	 * call's start/end stay those of its sessions; these bound it on the
	 * page. ongoing: the room was not finished at export. */
	int64_t created_ms, destroyed_ms;
	uint32_t room_info;                  /* index into dataset.rooms; RR_NOIDX */
	uint32_t quality_samples;            /* samples linked to this call */
	uint8_t ongoing;
};

/* A stretch of a session the walk measured: network.outage_ms is the sum
 * of a session's SPAN_OUTAGE spans, background_ms of its SPAN_BACKGROUND
 * ones (spans of no length are not kept). What the call page shades. */
enum span_kind { SPAN_OUTAGE, SPAN_BACKGROUND };

struct span {
	int64_t start_ms, end_ms;
	uint32_t session;        /* index into model.sessions */
	uint32_t kind;           /* enum span_kind */
};

/* An event outside every session (DESIGN §3), as counted in its call's
 * outside_events. */
struct outside_event {
	uint32_t call;           /* index into model.calls */
	uint32_t rec;            /* index of its record in the dataset the call
				  * was built from (as call.rec_first/rec_end) */
};

struct model {
	struct call *calls;              /* in start order */
	uint32_t ncalls;
	struct session *sessions;        /* grouped by call, in start order within it */
	uint32_t nsessions;
	struct session_detail *details;  /* details[i] is of sessions[i]; NULL unless asked for */
	struct finding *findings;        /* grouped by session, most severe first, then time */
	uint32_t nfindings;
	struct experience *experiences;  /* grouped by session / call; orphans last */
	uint32_t nexperiences;
	uint32_t first_orphan_exp, norphan_exp;
	struct cause *causes;
	uint32_t ncauses;
	struct span *spans;              /* by session, then start, then kind */
	uint32_t nspans;
	struct outside_event *outside;   /* by call, then record */
	uint32_t noutside;
	struct arena text;                /* the findings' texts */
};

struct sessions_options {
	int64_t call_gap_ms;             /* --call-gap, default 5 min */
	int64_t slow_entry_ms;           /* entry_slow threshold, default 5000 */
	const struct tz *display_tz;     /* zone of times in finding texts; NULL: UTC */
	int details;                     /* also fill model.details (default 0) */
	/* Threads building the sessions: 0 (default) as many as pay, up to
	 * one per online processor (at most 8); 1 builds on the calling
	 * thread only. The model does not depend on the number. */
	unsigned threads;
};

void sessions_options_init(struct sessions_options *o);

/* A finding to add after sessions_build (see model_add_findings). */
struct finding_new {
	uint32_t session;        /* index into model.sessions */
	const char *code;        /* static storage */
	enum severity severity;
	int64_t time_ms;
	const char *text;        /* copied */
	struct finding_times times;  /* where text holds its times */
};

/* Adds findings to their sessions, keeping every session's findings most
 * severe first, then time, then code, and the calls' counts by severity in
 * step. Returns RR_OK, or RR_ENOMEM with the findings unchanged (texts
 * copied by then stay unused in model.text); RR_EDATA, with nothing
 * changed, when a session index or severity is out of range. Texts are
 * copied into model.text; f is only read. */
int model_add_findings(struct model *m, const struct finding_new *f, size_t n);

/* Drops every finding with the given code of the listed sessions
 * (ascending session indexes), keeping the calls' counts in step (their
 * texts stay in model.text until model_free). Cannot
 * fail (nothing is allocated): pair it with model_add_findings to replace a
 * finding, e.g. an unknown exit's "no_exit" by "still_in_room". */
void model_drop_findings(struct model *m, const char *code, const uint32_t *sessions, size_t n);

/* DESIGN §3's rule for an event outside every session of its (room,
 * CommId): it belongs to the call containing it, else the nearest. Given
 * the last call starting at or before t (ending at first_end) and the next
 * one (starting at next_start), returns 1 when t belongs to the next one
 * (t is after the first's end and nearer the next's start), 0 when to the
 * first. Ties go to the first. */
int sessions_call_nearer_next(int64_t t, int64_t first_end, int64_t next_start);

/* Builds the model from a finished dataset: sessions_begin, sessions_add(ds),
 * sessions_end. The catalog gives the words of findings; ds, cat and o are
 * only read, and only during the call, but the model's IDs (users, rooms,
 * peers) are those of ds's string table. Returns RR_OK with the model in
 * *m (the caller frees it with model_free), or RR_ENOMEM with m left
 * empty. */
int sessions_build(const struct dataset *ds, const struct catalog *cat,
		   const struct sessions_options *o, struct model *m);

/*
 * The same model built from several finished datasets in turn, for runs
 * larger than memory (partition.h): each holds the records of a range of
 * rooms, all share one string table, and they are added in the order their
 * records would have in one finished dataset (ascending room id), so no room
 * spans two of them. sessions_end then gives exactly the model
 * sessions_build gives on one dataset holding all of them, except that a
 * call's rec_first/rec_end index the records of the dataset it was built
 * from. No record is read after sessions_add returns (what the last steps
 * need of abnormal rows is copied), so each dataset can be freed before the
 * next is added. The builder keeps pointers to cat, o and the string table
 * (o->display_tz included), which must outlive it. Between the calls it
 * holds the model built so far and a copy of the abnormal rows.
 * sessions_begin: RR_OK or RR_ENOMEM (*out NULL). sessions_add: RR_OK or
 * RR_ENOMEM, after which the builder is only fit for sessions_abort.
 * sessions_end: RR_OK with the model in *m, or RR_ENOMEM with m empty; it
 * frees the builder either way. sessions_abort frees an unfinished builder
 * (NULL is fine).
 */
struct sessions_builder;
int sessions_begin(const struct catalog *cat, const struct sessions_options *o,
		   struct sessions_builder **out);
int sessions_add(struct sessions_builder *sb, const struct dataset *ds);
int sessions_end(struct sessions_builder *sb, struct model *m);
void sessions_abort(struct sessions_builder *sb);

/* Frees everything the model holds, texts included, and empties it. NULL
 * is fine. */
void model_free(struct model *m);

#endif
