/*
 * callview — the report model of one call page: one lane per user with
 * session bars, event marks, shaded spans (network outages, background) and
 * abnormal-experience marks; the time axis with its ticks; the call's
 * findings in reading order; and the decoded event log grouped per user.
 * Every text a page shows is formatted here (times in the display zone,
 * labels from the catalog), so the renderer only maps this to HTML.
 * Built for one call at a time: memory holds one call's view, not all.
 * Does not: decide sessions or findings (sessions), or produce markup.
 */
#ifndef RR_CALLVIEW_H
#define RR_CALLVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "report.h"
#include "sessions.h"

/* All strings below are NUL-terminated, valid UTF-8 (IDs were validated at
 * ingest), owned by the view (IDs: by the dataset's string table, which
 * outlives it), and may hold any character a CSV allowed: they are data, to
 * be escaped by whoever writes them out.
 * Records shown: all of the call's (room, CommId) for users with a session
 * in it; without a CommId (calls split by --call-gap) those whose time lies
 * within the call's span. */

enum { CV_BAR_FULL, CV_BAR_UPPER, CV_BAR_LOWER };

struct cv_bar {
	uint32_t session;        /* index into model.sessions */
	int64_t start_ms, end_ms;
	enum exit_reason exit;
	uint8_t start_observed, entered;
	uint8_t entry_observed;  /* session.entry_observed: entered 0 means "did not enter"
				  * only with it */
	/* Where in the lane: CV_BAR_FULL, or, where the user's sessions
	 * overlap in time (a timeout logged after the user came back from
	 * another device, DESIGN §3), the earlier one in the upper half and
	 * the later in the lower, so neither hides the other. */
	uint8_t half;
	const char *title;       /* "10:00:05–10:20:30 · entered after 1.1 s · left normally";
				  * " (start not seen)" after the times when inferred,
				  * "entered" without a latency, "did not enter", or "entry
				  * not seen" (entry_observed 0) */
	struct finding_times title_t;  /* where title holds its two times */
};

struct cv_mark {
	int64_t time_ms;
	enum severity severity;
	enum cat_category category;
	uint8_t outside;         /* an event the model counts outside every session
				  * (model.outside; call.outside_events of this call) */
	const char *title;       /* "10:10:40 · Network: none (disconnected)" */
};

enum cv_span_kind { CV_SPAN_OUTAGE, CV_SPAN_BACKGROUND };

/* The model's measured spans (model.spans) of the lane's sessions, in
 * session order: a session's outage spans add up to its outage_ms, its
 * background spans to its background_ms. */
struct cv_span {
	int64_t start_ms, end_ms;
	uint32_t session;        /* index into model.sessions */
	enum cv_span_kind kind;
	const char *title;       /* "No network 10:10:40–10:12:14 (1 min 34 s)" */
};

struct cv_exp {
	int64_t time_ms;
	const char *title;       /* "10:11 · Video lagged — possible causes: ..." */
};

struct cv_log {
	int64_t time_ms;
	const char *time;        /* "10:10:40.120" in the display zone */
	const char *label;       /* decoded, parameters rendered; abnormal rows:
				  * "Video lagged — possible cause: downstream ..." */
	const char *raw;         /* "1003 (0)": the ID and the parameters up to the
				  * last one that is not -1 ("5001", "4003 (1280,
				  * 720)", "6001 (-1, 3)"); "experience 4, cause 2017",
				  * "experience 4" (no cause), "cause 2017" (no experience) */
	const char *peer;        /* "" when none, and for an abnormal row whose label
				  * names it ("... on the stream from peer 8812") */
	enum severity severity;  /* SEV_WARNING for unknown IDs */
	uint8_t kind;            /* enum rec_kind */
	uint8_t outside;         /* events: as cv_mark.outside; abnormal rows: the
				  * model attached no experience of that time and
				  * ExperienceId to a session of the lane */
};

/* Quality charts (companion quality file): per lane, one chart per group
 * and unit ("Network · ms", "Network · %": every series of a chart shares
 * its unit), samples of the lane's user clipped to the timeline's axis
 * [t0, t1]; a series of more than 2000 points keeps the lowest and highest
 * of 1000 equal-count buckets. */
enum cv_chart_group { CV_CHART_NETWORK, CV_CHART_MEDIA, CV_CHART_DEVICE, CV_CHART_OTHER };

struct cv_point {
	int64_t time_ms;
	float value;
};

struct cv_series {
	const char *name;        /* "rtt", "bigvLoss from ben", or the raw DataType */
	const char *unit;        /* "ms", "%", "kbps", "fps", "" */
	uint32_t first_point, npoints;   /* into callview.points, time order */
	uint8_t style;           /* 0..7: which colour/dash the renderer uses */
	/* A series is cut where its samples stop for a while (a gap longer
	 * than CV_GAP_FACTOR median intervals and CV_GAP_MIN_MS), so no line
	 * is drawn across time without data; each later piece is a series of
	 * its own with continued = 1: same name, style and legend entry. */
	uint8_t continued;
};

#define CV_GAP_FACTOR 3
#define CV_GAP_MIN_MS 10000

struct cv_refline {
	double value;
	const char *label;       /* "loss 5 % (poor)" */
	enum severity severity;  /* how strongly to draw it */
};

struct cv_chart {
	enum cv_chart_group group;
	const char *title;       /* "Network", "Media", "Device", "Other" */
	double y_min, y_max;     /* 0 (or below the lowest point) .. a 1/2/2.5/5 x 10^k
				  * ceiling covering the points and refs */
	const struct cv_refline *refs;   /* static or view-owned; only the lines up to
					  * 1.5 x the data maximum, so a 10 % line
					  * never flattens a 0.5 % series */
	uint32_t nrefs;
	uint32_t first_series, nseries;  /* into callview.series */
	const char *desc;        /* text summary for screen readers / no-SVG */
};

struct cv_lane {
	const char *user;        /* the user ID */
	const char *device;      /* users file: DeviceType, "" when none */
	const char *sdk;         /* users file: SdkVersion, "" when none */
	const char *ip;          /* users file: ClientIp, "" when none */
	uint8_t still_in_room;   /* a session ends EXIT_ONGOING */
	uint8_t in_users_file;   /* a users-file row describes one of its sessions */
	uint8_t selected;        /* its user is selected with --user (report.selected_users) */
	uint32_t first_chart, ncharts;   /* into callview.charts */
	const char *platform;    /* "sdk", "webrtc", "unknown", or "sdk+webrtc" */
	uint32_t first_bar, nbars;
	uint32_t first_mark, nmarks;
	uint32_t first_span, nspans;
	uint32_t first_exp, nexps;
	uint32_t first_log, nlog;
	uint32_t problems;       /* warning + error marks */
	uint32_t nfind[SEV__COUNT];  /* the call's findings of this user, per severity */
	uint8_t log_open;        /* the lane's log is shown open: at most
				  * CV_LOG_OPEN_LINES records on a call of at most
				  * CV_GROUP_LANES users; else it starts collapsed */
};

/* A call of more than CV_GROUP_LANES users lists its findings per user;
 * a lane's log of more than CV_LOG_OPEN_LINES records starts collapsed. */
#define CV_GROUP_LANES 8
#define CV_LOG_OPEN_LINES 60

struct cv_tick {
	int64_t time_ms;
	const char *label;       /* "10:05:30" (step < 1 min), "10:05" (< 1 day),
				  * "11-20" (MM-DD, steps of days) */
};

struct cv_finding {
	const struct finding *f; /* into model.findings */
	const char *user;        /* the session's user ID */
	const char *time;        /* "10:12:14" */
	uint32_t lane;           /* index into callview.lanes: the user's lane */
	uint32_t group;          /* with findings_by_user: the user's rank (0 first,
				  * users selected with --user ranked first); else 0
				  * for a selected user's finding, 1 for the others
				  * (all 0 without --user) */
};

struct callview {
	uint32_t call;           /* index into model.calls */
	const char *room, *comm; /* comm "" when none */
	const char *span;        /* "2026-11-20 10:00:05 – 10:40:12 (UTC)" */
	struct finding_times span_t;   /* where span holds its two times */
	const char *zone_change; /* "" unless the axis spans a change of the zone's
				  * offset: then "clocks went back at 03:00 CEST to
				  * 02:00 CET (2026-10-25 01:00 UTC)" (the first
				  * change), and every time the view shows, header,
				  * titles, log and findings, carries the zone's name
				  * for its offset: "02:10:00 CET" (ticks: see ticks) */
	const char *duration;    /* "40 min 07 s" */
	const char *zone;        /* display zone name */
	int64_t t0, t1;          /* axis range: call start/end, widened to every mark
				  * and lane experience and to at least 5 s; call_exps
				  * may fall outside it */
	struct cv_lane *lanes;   /* in order of first session start, then user ID */
	uint32_t nlanes;
	struct cv_bar *bars;
	struct cv_mark *marks;   /* per lane, in time order */
	struct cv_span *spans;
	struct cv_exp *exps;
	struct cv_log *log;      /* per lane, in time order (then input order) */
	struct cv_tick *ticks;   /* 4..12 ticks at a round step (1 s .. 1 day, then 2,
				  * 4, 7, 14... days) on the display zone's clock,
				  * stepping in real time: across a change of offset
				  * each side is on its own clock, and the first tick
				  * and the first of each new offset carry the zone's
				  * name ("02:50 CEST", "02:52", ..., "02:00 CET") */
	uint32_t nbars, nmarks, nspans, nexps, nlog, nticks;
	const char *zones;       /* the axis' stretches of one UTC offset, for the
				  * page's script: "FROM_MS OFFSET_S[ ABBR]" each (the
				  * zone's name on a page that spans a change), the
				  * first from t0, ";" between them, at most 8 */
	struct cv_finding *findings; /* most severe first, then time, user, code; with
				      * findings_by_user, per user instead: the users in
				      * the order of their first finding in that order,
				      * and each user's findings in that order */
	uint32_t nfindings;
	uint8_t findings_by_user;    /* a big call (more than CV_GROUP_LANES lanes): the
				      * findings grouped by user, and each user's
				      * quality charts start collapsed */
	struct cv_exp *call_exps;    /* experiences attached to the call only */
	uint32_t ncall_exps;
	const char *room_span;   /* rooms file: "created 10:00:00 · dismissed 10:41:00",
				  * "created 10:00:00 · still open at export", or "";
				  * a time on another day than the call's start shows its date */
	struct finding_times room_t;   /* where room_span holds its times */
	uint8_t ongoing;         /* rooms file: not finished at export */
	struct cv_chart *charts;
	struct cv_series *series;
	struct cv_point *points;
	uint32_t ncharts, nseries, npoints;
	struct cv_storage *storage;  /* private: strings and array capacities */
};

/* Builds the view of call number `call` of r's model, using the records of
 * r->ds. Returns RR_OK, or RR_ENOMEM with v empty (RR_EDATA, v empty, when
 * call is out of range). Whatever v held before is ignored (not freed).
 * r and cat are only read; the caller frees v with callview_free, and keeps
 * r's dataset (whose string table holds the IDs) until then. */
int callview_build(const struct report *r, const struct catalog *cat, uint32_t call,
		   struct callview *v);

/* As callview_build, but v must be zeroed or hold a view made by one of the
 * two: its storage (arrays, string blocks) is reused for the new view and
 * pointers into the old one become invalid. For a writer that goes through
 * many calls one at a time without allocating per call. Same returns; on
 * failure v is freed (empty). */
int callview_rebuild(const struct report *r, const struct catalog *cat, uint32_t call,
		     struct callview *v);

/* Releases everything v holds and zeroes it; v may be empty. */
void callview_free(struct callview *v);

#endif
