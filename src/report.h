/*
 * report — the report model: aggregates over the calls and sessions that
 * every output shows (totals, exits, entry latency percentiles, per-day
 * figures). Renderers and writers read this and compute nothing.
 * Does not: change the session model or format anything.
 */
#ifndef RR_REPORT_H
#define RR_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "dataset.h"
#include "decode.h"
#include "sessions.h"
#include "tz.h"

/* Percentiles use the nearest-rank method: the value at rank ceil(q*n) of
 * the sorted sample. With n == 0 they are RR_NONE. */
struct latency {
	uint64_t n;
	int64_t p50, p95;
};

/* Figures of one day in the display zone. Calls count by their start,
 * sessions (and everything measured on sessions) by the session's start,
 * experiences by their own time. Rates are integers so output is exact:
 * _pm = per mille; experiences_per_100_x10 = tenths of experiences per 100
 * sessions (a sample: TRTC returns at most 20 an hour). */
struct day {
	char date[11];           /* YYYY-MM-DD */
	uint32_t calls, sessions;
	uint32_t users;          /* distinct users with a session starting that day */
	int64_t user_ms;         /* summed session durations */
	uint32_t entered, entry_failed, timeouts, kicks;
	uint32_t entry_observed; /* sessions whose entry was observed (session.entry_observed) */
	uint32_t no_exit;        /* sessions with EXIT_UNKNOWN */
	int64_t entry_success_pm;    /* entered / entry_observed; RR_NONE without any */
	int64_t entry_fast_pm;       /* latency <= 5 s / sessions with a latency; RR_NONE */
	struct latency entry_latency;
	struct latency first_frame;  /* time to first video frame (5001 -> 5007) */
	uint32_t experiences;    /* all of the day, those of rooms without events too */
	/* Experiences of the day in calls of the events (not orphans) per 100
	 * sessions, x10: the sessions' own rate. RR_NONE without sessions. */
	int64_t experiences_per_100_x10;
	int64_t day_no;          /* days since 1970-01-01 (the date above) */
	/* DAY_PARTIAL_* bits: why the input does not cover the whole day
	 * (report_day_partial); 0 when it does. Only the first and the last
	 * day can be partial. */
	uint8_t partial;
};

/* A day is partial (its figures cover part of it) when, for the report's
 * first day, --from starts after the day's start or the input's first row
 * is more than REPORT_PARTIAL_MARGIN_MS after it; for the last day, --to
 * ends before the day's end or the last row is more than the margin before
 * it. Days in the display zone. */
enum {
	DAY_PARTIAL_FROM = 1,
	DAY_PARTIAL_FIRST_ROW = 2,
	DAY_PARTIAL_TO = 4,
	DAY_PARTIAL_LAST_ROW = 8
};
#define REPORT_PARTIAL_MARGIN_MS 3600000LL

/* One day of a baseline run as its JSON "days" wrote it: the figures the
 * trend charts draw, RR_NONE where it had null or nothing. */
struct prev_day {
	char date[11];           /* YYYY-MM-DD; "" for no day */
	int64_t day_no;          /* days since 1970-01-01 */
	int64_t calls, sessions, timeouts, entry_failed;
	int64_t entry_success_pm, latency_p50, latency_p95, experiences_per_100_x10;
	int8_t partial;          /* 1, 0, or -1 when the old run did not say */
};

/* A histogram with fixed bins: bin i holds values in [lo[i], lo[i+1]), the
 * last bin is open-ended. Labels are static text ("1–2 s", "2 h+"). */
#define REPORT_HIST_BINS 8
struct histogram {
	uint32_t nbins;
	int64_t lo[REPORT_HIST_BINS];
	const char *label[REPORT_HIST_BINS];
	uint32_t count[REPORT_HIST_BINS];
	uint32_t total;
};

/* A user with problems, over the whole input. */
struct problem_user {
	uint32_t user;           /* strtab id */
	uint32_t sessions, calls;
	uint32_t errors, warnings;   /* findings of their sessions */
	uint32_t timeouts, kicks, entry_failed;
};
#define REPORT_PROBLEM_USERS 10

/* Headline figures: what a weekly report compares with last week. Keys are
 * stable (they are the JSON keys of "headline" and what --baseline reads). */
enum headline_id {
	HL_CALLS, HL_SESSIONS, HL_USERS, HL_USER_MS,
	HL_ENTRY_SUCCESS_PM, HL_ENTRY_FAST_PM,
	HL_ENTRY_LATENCY_P50, HL_ENTRY_LATENCY_P95, HL_FIRST_FRAME_P50,
	HL_TIMEOUTS_PM, HL_KICKS_PM, HL_ENTRY_FAILED_PM, HL_NO_EXIT_PM,
	HL_EXPERIENCES_PER_100_X10,
	HL__COUNT
};

struct headline {
	const char *key;         /* "entry_latency_p50_ms", ... static */
	const char *label;       /* "Entry latency p50" static */
	int8_t better;           /* +1 higher is better, -1 lower is better, 0 volume */
	uint8_t absolute;        /* compared in absolute points (success rates) */
	/* Counted from a sample (abnormal experiences: TRTC returns at most 20
	 * an hour): compared with the baseline, never a regression. */
	uint8_t sampled;
	int64_t value;           /* RR_NONE when not measurable */
	/* Set by report_compare; RR_NONE / 0 without a baseline. */
	int64_t previous;
	int64_t change;          /* value - previous */
	int64_t change_pm;       /* relative change, per mille of previous; RR_NONE */
	uint8_t regression;      /* worse beyond the threshold */
};

/* The stable JSON key of headline figure id ("entry_latency_p50_ms"...). */
const char *report_headline_key(enum headline_id id);

struct baseline;
struct call_index;

/* --pages: which calls get a page of their own. */
enum report_pages { REPORT_PAGES_ALL, REPORT_PAGES_PROBLEMS, REPORT_PAGES_NONE };

#define REPORT_CALL_LIST 200     /* calls listed on the overview's "All calls" */

/*
 * One row of a "top" list: an event (table CAT_SDK/CAT_WEBRTC, id, p1, p2)
 * or a cause (CAT_DISMISSAL/CAT_REALTIME, id, p1 = p2 = -1).
 * Known events are counted per catalog ENTRY, not per parameter value: all
 * "4013 (7, 1)", "4013 (12, 1)"... rows are one item whose p1/p2 are the
 * entry's (CAT_ANY or -1 where it takes any value) and whose label shows a
 * wildcard parameter as "N" ({1}) or "M" ({2}): "N frames failed to decode
 * in 3 s (hardware)". Unknown events (no entry; counted as warnings) are
 * keyed by their exact (id, p1, p2) with table CAT_SDK, as decode lists
 * them. Causes of unknown ID get CAT_REALTIME for 2001..2999, else
 * CAT_DISMISSAL, and severity warning.
 */
struct top_item {
	enum cat_table table;
	int32_t id, p1, p2;
	enum severity severity;
	char *label;             /* owned; rendered as above, or "Unknown ..." */
	char raw[48];            /* "4013 (N, 1)", "1003 (0, -1)", "2017": the IDs as shown */
	uint64_t count;          /* rows */
	uint32_t users;          /* distinct users (user ID strings) over the whole input */
	/* count and users per 1000 sessions of the report (report_per_mille;
	 * RR_NONE without sessions). With a baseline (report_compare_tops):
	 * the same of the baseline's item of the same table, id and
	 * parameters, from either of its two lists of the kind and its
	 * headline sessions; RR_NONE when it lists no such item (it lists
	 * only its top REPORT_TOP of each). change = now - previous. */
	int64_t count_pm, users_pm;
	int64_t prev_count_pm, prev_users_pm;
	int64_t count_pm_change, users_pm_change;
};

/* The rates every breakdown row carries, with the headline's definitions
 * and denominators (report_build_headline): entry success over sessions
 * whose entry was observed, within 5 s over sessions with a latency, the
 * exits per mille of sessions, nearest-rank percentiles. Their JSON keys
 * are the headline keys of the same figures (report_bd_figure_key). */
enum bd_figure {
	BF_ENTRY_SUCCESS_PM, BF_ENTRY_FAST_PM,
	BF_TIMEOUTS_PM, BF_KICKS_PM, BF_ENTRY_FAILED_PM, BF_NO_EXIT_PM,
	BF_ENTRY_LATENCY_P50, BF_ENTRY_LATENCY_P95, BF_FIRST_FRAME_P50,
	BF__COUNT
};

/* The breakdown dimensions, in the JSON's order; the key is the member of
 * "breakdowns" ("platform", "device", "sdk_version", "network", "app"). */
enum bd_dim { BDIM_PLATFORM, BDIM_DEVICE, BDIM_SDK, BDIM_NETWORK, BDIM_APP, BDIM__COUNT };
const char *report_bd_dim_key(enum bd_dim d);

/* The headline figure a breakdown figure is the segment's value of. */
enum headline_id report_bd_figure_headline(enum bd_figure f);
/* Its JSON key ("timeouts_pm"), the headline's. */
const char *report_bd_figure_key(enum bd_figure f);

/* A breakdown row with fewer sessions than this, this week or in the
 * baseline, is "small": shown with its previous value, never marked as a
 * regression (README "Weekly report" gives the reasoning). */
#define REPORT_BD_MIN_SESSIONS 1000
/* A row's share of sessions (entry success, within 5 s, the exits per
 * mille) is marked only when its move is beyond chance: a pooled
 * two-proportion test against the baseline's row gives p below this.
 * Percentiles (entry latency, first frame) are never marked on a row. */
#define REPORT_BD_MAX_P 0.01

/* A breakdown row's entry latencies and first-frame times as counts per
 * bin: bin i holds [report_bd_bin_lo(i), report_bd_bin_lo(i + 1)), 50 ms
 * wide below 2 s, 100 ms below 10 s, 500 ms below 30 s, 5 s below 120 s,
 * and the last bin everything from 120 s up. Written in the JSON, read by
 * --baseline: what the percentiles' "what changed" is computed from. */
#define REPORT_BD_BINS 179
enum bd_hist { BH_LATENCY, BH_FIRST_FRAME, BH__COUNT };
/* The lower edge of bin i (ms); i == REPORT_BD_BINS gives INT64_MAX. */
int64_t report_bd_bin_lo(unsigned i);
/* The bin of a time in ms (negative: bin 0). */
unsigned report_bd_bin_of(int64_t ms);

/* One row of a breakdown (by platform, device type or SDK version). */
struct breakdown {
	char *key;               /* owned: "sdk", "iPhone14,2", "11.4.0"; "(not given)" */
	uint8_t unknown;         /* the sessions whose value was not given or not known */
	uint32_t users, sessions, entered, timeouts;
	uint32_t entry_observed; /* sessions whose entry was observed */
	struct latency entry_latency;
	uint32_t kicks, entry_failed, no_exit;
	uint32_t fast;           /* sessions with a latency <= 5000 ms */
	struct latency first_frame;
	int64_t value[BF__COUNT];    /* RR_NONE when not measurable */
	/* Set by report_compare when the baseline has a row of the same
	 * dimension and key; else has_previous 0, previous/change RR_NONE. */
	uint8_t has_previous;
	uint8_t small;           /* sessions or prev_sessions < REPORT_BD_MIN_SESSIONS */
	uint32_t prev_sessions;
	int64_t previous[BF__COUNT], change[BF__COUNT];
	/* The headline's rule and beyond chance (REPORT_BD_MAX_P after Holm's
	 * correction over every row's test of the page); never when small,
	 * never for a percentile. */
	uint8_t regression[BF__COUNT];
	/* The two-proportion test's p against the baseline's row, as made,
	 * and after Holm's correction over every test of the page's rows;
	 * -1 when no test was made (small rows, percentiles, no counts). */
	double p_raw[BF__COUNT], p_holm[BF__COUNT];
	uint32_t hist[BH__COUNT][REPORT_BD_BINS];   /* see REPORT_BD_BINS */
};

/* An abnormal experience of a room none of whose events were given (a
 * model orphan: DESIGN §3 still shows it), as the overview lists it. */
struct orphan_exp {
	uint32_t exp;            /* index into model.experiences */
	char *label;             /* owned: "Video lagged" (decoded ExperienceId) */
	/* Owned: the decoded causes as catalog_cause_phrase words them, with
	 * their peers ("upstream ... at peer 8812\0downstream ...\0"), in the
	 * experience's order, ncauses of them. */
	char *causes;
	uint32_t ncauses;
};

/*
 * What went with the problem exits (report_context.c, README "Weekly
 * report"): of the sessions that timed out, were kicked or failed to
 * enter, how many had each circumstance in their exit's window
 * (session_context_window): the session.context bits, and an abnormal
 * experience of the same user in the same call whose EventTime (the start
 * of the minute it was counted in) lies in the window (a sample). CK_NETWORK
 * is loss or change, CK_ANY any of the five; "none" = sessions - any.
 */
enum cx_exit { CX_TIMEOUT, CX_KICKED, CX_ENTRY_FAILED, CX__COUNT };
enum cx_kind { CK_NET_LOSS, CK_NET_CHANGE, CK_BACKGROUND, CK_DEVICE, CK_EXPERIENCE,
	       CK_NETWORK, CK_ANY, CK__COUNT };
/* JSON keys: "timeouts", "kicks", "entry_failed"; "network_loss", ...,
 * "network", "any". */
const char *report_cx_exit_key(enum cx_exit e);
const char *report_cx_kind_key(enum cx_kind k);
/* The headline figure of an exit (HL_TIMEOUTS_PM, ...). */
enum headline_id report_cx_exit_headline(enum cx_exit e);

/* Where the rise of an exit's rate is (report_compare_context): in the
 * sessions without a network loss or change before them, in those with
 * one, or in both. */
enum cx_rise { CXR_NONE, CXR_WITHOUT, CXR_WITH, CXR_BOTH };
/* The without part's share of the rise at or above this (per mille) is
 * "the rise is in ... without"; at or below 1000 minus it, "with". */
#define REPORT_CX_RISE_PM 800

struct context_row {
	uint32_t sessions;               /* sessions with this exit */
	uint32_t with[CK__COUNT];        /* of them, with each circumstance */
	uint32_t none;                   /* with none of them */
	int64_t share_pm[CK__COUNT], none_pm;   /* of sessions; RR_NONE without any */
	/* With a baseline that has "context" (report_compare_context): its
	 * counts; else has_previous 0 and the rest 0 / RR_NONE. */
	uint8_t has_previous;
	uint32_t prev_sessions, prev_with[CK__COUNT], prev_none;
	int64_t prev_share_pm[CK__COUNT], prev_none_pm;
	/* Per 1000 sessions of the whole report (the headline's denominator)
	 * now and in the baseline: [0] this exit without a network loss or
	 * change before it, [1] with one. */
	int64_t net_pm[2], prev_net_pm[2];
	/* Set only when the exit's headline figure is marked as a regression
	 * and the two parts' sum rose: where the rise is, and the without
	 * part's share of the rise (per mille, may pass 1000 or go below 0
	 * when the other part fell). */
	uint8_t rise;                    /* enum cx_rise */
	int64_t rise_without_pm;
};

/* One earlier run given with --baseline, for the headline's trend: its
 * period (the first and last of its days; "" and RR_NONE when it has no
 * days) and headline figures (RR_NONE where it had none). */
struct trend_run {
	char first[11], last[11];
	int64_t first_day, last_day;     /* days since 1970-01-01 */
	int64_t value[HL__COUNT];
};

/* ---- "What changed" (report_changes.c) ---- */

/* A segment is named when its test, after Holm's correction over every
 * test of the page's changes, gives p below this. */
#define REPORT_CHANGES_MAX_P 0.01
/* Named segments kept per figure, the largest share first. */
#define REPORT_CHANGES_PER_FIGURE 5

/* One segment (breakdown row) that accounts for part of a headline
 * figure's move against the baseline. Parts are in the figure's unit (per
 * mille, ms) and add up, over all segments of the dimension, to the
 * figure's change (rates exactly; percentiles see README). */
struct change {
	enum bd_figure figure;
	enum bd_dim dim;
	int32_t row;             /* index in this week's rows of dim; -1: none this week */
	/* The row's key: this week's row's, else the baseline's row's (the
	 * baseline given to report_changes_build must then outlive the
	 * report). */
	const char *segment;
	int64_t seg_before, seg_after;     /* the segment's figure; RR_NONE when absent */
	uint32_t n_before, n_after;        /* its sessions counted by the figure */
	int64_t w_before_pm, w_after_pm;   /* their share of the dimension's, per mille */
	uint8_t w_steady;        /* |w_after - w_before| <= max(10, w_before / 10) pm */
	int32_t share_pct;       /* of the figure's change, rounded */
	double mix_part, rate_part;
	double p_value;          /* after Holm */
};

/* A headline figure that moved beyond the threshold, either way. */
struct change_figure {
	enum bd_figure figure;
	int8_t direction;        /* +1 rose, -1 fell */
	int64_t before, after;   /* the headline's previous and value */
	uint8_t dims_tested;     /* bit per enum bd_dim: its segments were tested */
	uint8_t dims_named;      /* bit per enum bd_dim: a segment of it is named */
	uint32_t first, n;       /* its changes: report.changes[first, first + n) */
	uint32_t more;           /* named beyond REPORT_CHANGES_PER_FIGURE */
};

/* Without a baseline (report_standouts_build): a breakdown row whose rate
 * differs from the rest of its dimension this week beyond chance. Rates
 * per mille; ratio = the segment's rate / the rest's. */
struct standout {
	enum bd_figure figure;   /* a rate: < BF_ENTRY_LATENCY_P50 */
	enum bd_dim dim;
	int32_t row;             /* index in this week's rows of dim */
	const char *segment;     /* the row's key (the report's) */
	int64_t seg_value, rest_value;
	double ratio;
	uint32_t n, rest_n;      /* sessions counted by the figure */
	double p_value;          /* after Holm */
};
/* Standouts kept; the rest counted in standouts_more. */
#define REPORT_STANDOUTS 20

#define REPORT_ORPHANS 100       /* orphan experiences listed on the overview */
#define REPORT_TOP 10            /* length of every top list */
#define REPORT_BREAKDOWN 20      /* rows per breakdown; the rest summed as "(other)" */
#define REPORT_WORST 20          /* length of the worst-calls list */

struct report {
	const struct dataset *ds;
	const struct model *m;
	const struct decode_stats *dec;
	const struct tz *tz;
	const char *title;               /* --title, not copied; NULL when none */
	/* The filters applied, for every page's header ("room 3101; user
	 * chen; from ..."), not copied; NULL when none. */
	const char *filters;
	/* --user: the selected users some row named (string ids of ds->strs,
	 * not copied), whose whole calls the report keeps (user_calls.h);
	 * their lanes are marked and their findings come first. NULL, 0: no
	 * --user. */
	const uint32_t *selected_users;
	size_t nselected;
	int64_t generated_ms;            /* from SOURCE_DATE_EPOCH; RR_NONE when unset */
	uint32_t calls, rooms, users, sessions, entered;
	/* Sessions whose entry was observed (an opening, entered or entry
	 * failure event of their own): the entry success denominator. The
	 * others' entry was not seen (they began before the export window). */
	uint32_t entry_observed;
	/* The calls are of more than one app (SdkAppId, or none): pages
	 * name the app beside the room. */
	int several_apps;
	uint32_t exits[EXIT__COUNT];
	struct latency entry_latency;
	/* Entry success: entered / entry_observed (per mille, RR_NONE without
	 * any); within 5 s: sessions entered with a latency <= 5000 ms /
	 * sessions with a latency (a latency needs an observed 5001, so these
	 * are sessions whose entry was observed). */
	int64_t entry_success_pm, entry_fast_pm;   /* rounded half up */
	int64_t user_ms;                 /* sum of session durations (user-hours) */
	uint32_t findings[SEV__COUNT];   /* over all sessions */
	uint32_t abnormal_experiences;   /* sampled by TRTC: at most 20 an hour */
	/* Experiences of rooms without events (model orphans): the first
	 * REPORT_ORPHANS in model order; norphan_total of them in all, of
	 * orphan_rooms rooms and orphan_users users (distinct IDs). */
	struct orphan_exp *orphans;
	size_t norphans;
	uint32_t norphan_total, orphan_rooms, orphan_users;
	struct day *days;                /* in date order */
	size_t ndays;
	/* Top lists, most first (ties: table, id, p1, p2), at most REPORT_TOP
	 * each, over every used record (also those of no call). Events are
	 * those of severity warning or error ("problem events", unknown IDs
	 * included); causes are all AbnormalEventId rows. See struct top_item. */
	struct top_item *top_events_by_count, *top_events_by_users;
	size_t ntop_events_by_count, ntop_events_by_users;
	struct top_item *top_causes_by_count, *top_causes_by_users;
	size_t ntop_causes_by_count, ntop_causes_by_users;
	/* Calls by badness: error findings, then warning findings, then
	 * timeouts+kicks+entry failures (each most first), then start, then
	 * model order; at most REPORT_WORST, only calls with at least one
	 * warning or error finding. Indexes into model.calls. */
	uint32_t *worst;
	size_t nworst;
	/* Per call (model order): its page's file name relative to the report
	 * directory, "calls/<slug>-<hash8>.html": slug = the room ID's ASCII
	 * letters, digits, '-' and '_' (others become '-', runs of '-'
	 * collapsed, leading and trailing '-' dropped, at most 40 bytes, "room"
	 * when empty); hash8 = 8 lowercase hex digits of the 32-bit FNV-1a of
	 * room, '\0', CommId, '\0', decimal start_ms. A name already taken by
	 * an earlier call (model order) gets "-2", "-3"... before ".html".
	 * Unique within the report; matches calls/[A-Za-z0-9_-]{1,60}\.html;
	 * never a raw ID, never "..", never a reserved device name (the hash
	 * always follows the slug). NULL when there are no calls. One block:
	 * free only through report_free. */
	char **call_file;
	/* Breakdowns, most sessions first (ties: key). Device type and SDK
	 * version come from the users file (empty lists without one). */
	struct breakdown *by_platform, *by_device, *by_sdk, *by_network;
	size_t nby_platform, nby_device, nby_sdk, nby_network;
	/* By app (SdkAppId; "(not given)" for calls without one): empty
	 * unless the calls are of several (several_apps). */
	struct breakdown *by_app;
	size_t nby_app;
	uint32_t ongoing;                /* sessions still in the room at export */
	/* Weekly-report figures. by_network: the network type each session
	 * spent most time on ("Wi-Fi", "4G", ..., "(not reported)"). */
	struct histogram latency_hist;   /* entry latency: 0,1,2,3,5,10,20,30 s+ */
	struct histogram duration_hist;  /* session duration: 0,1,5,15,30 min,1,2,4 h+ */
	struct problem_user *problem_users;  /* errors, warnings, sessions desc, user */
	size_t nproblem_users;
	struct headline headline[HL__COUNT];
	int has_baseline;                /* report_compare was called */
	/* What went with timeouts, kicks and entry failures, by enum cx_exit. */
	struct context_row context[CX__COUNT];
	/* Every --baseline, oldest first by period (the newest, last, is the
	 * one compared with); ntrend 0 without. Owned. */
	struct trend_run *trend;
	size_t ntrend;
	char baseline_name[256];         /* the baseline's file name, for the page */
	/* Per call: 1 when it gets a page (report_select_pages; all by default). */
	uint8_t *call_page;
	uint32_t npages;
	/* Days: the input's first and last row time (earliest call start or
	 * experience, latest call end or experience; RR_NONE without any) and
	 * the --from/--to window (RR_NONE where not given; report_set_window),
	 * from which the days' partial marks come. */
	int64_t rows_first_ms, rows_last_ms, window_from_ms, window_to_ms;
	/* With a baseline that has days (report_compare_days): per day, the
	 * baseline's day of the same weekday in the nearest earlier week it
	 * has (date "" when none); NULL otherwise. nprev_days days have one,
	 * prev_gap_min..prev_gap_max days before; baseline_days: the days the
	 * baseline has. */
	struct prev_day *prev_days;
	uint32_t nprev_days, baseline_days;
	int32_t prev_gap_min, prev_gap_max;
	/* What changed (report_changes_build): the figures that moved, in
	 * enum bd_figure order, and their named segments, each figure's by
	 * share, largest first. changes_done: built (with a baseline). */
	int changes_done;
	int threshold_pct;
	struct change_figure change_fig[BF__COUNT];
	uint32_t nchange_fig;
	struct change changes[BF__COUNT * REPORT_CHANGES_PER_FIGURE];
	uint32_t nchanges;
	/* Where this week stands out (report_standouts_build, without a
	 * baseline): figures in enum bd_figure order, each by p, smallest
	 * first. standouts_done: built. */
	int standouts_done;
	struct standout standouts[REPORT_STANDOUTS];
	uint32_t nstandouts, standouts_more;
	/* The call index (report_index.h): users per call, users and rooms
	 * with their calls, days; NULL until report_index_build. */
	struct call_index *index;
};

/* Builds the aggregates; the report keeps pointers to ds, m, dec and tz,
 * which must outlive it; labels come from cat. The top lists come from
 * dec's counts (made with cat); with dec NULL report_build runs decode_scan
 * itself for them. Without cat (or ds) there are none. With dec given,
 * neither report_build nor anything reading the report but the HTML
 * renderer reads ds's records (counts, strings and companion rows only).
 * Returns RR_OK or RR_ENOMEM. */
int report_build(const struct dataset *ds, const struct model *m,
		 const struct decode_stats *dec, const struct catalog *cat,
		 const struct tz *tz, struct report *r);
/* The same on `threads` threads (0: as report_build chooses). The report
 * does not depend on the number. */
int report_build_threads(const struct dataset *ds, const struct model *m,
			 const struct decode_stats *dec, const struct catalog *cat,
			 const struct tz *tz, unsigned threads, struct report *r);
/* Frees what r owns (not ds, m, dec or tz) and empties it; NULL, or a
 * report already freed, is allowed. */
void report_free(struct report *r);

/* Chooses the calls that get a page: all, only those with a warning or
 * error finding or a timeout, kick or entry failure, or none. */
void report_select_pages(struct report *r, enum report_pages mode);

/* Fills previous/change/regression of every headline figure from b. A
 * figure regresses when it moves the worse way by more than threshold_pct
 * percent of its previous value, or, for absolute figures (success rates),
 * by more than threshold_pct / 5 percentage points (10 % -> 2 points).
 * Volumes (better == 0) and sampled figures never regress. */
void report_compare(struct report *r, const struct baseline *b, const char *name,
		    int threshold_pct);

/* The DAY_PARTIAL_* bits of day day_no (days since 1970-01-01 in zone
 * tz; tz NULL = UTC) as the report's first (is_first) and/or last
 * (is_last) day: first_ms/last_ms the input's first and last row,
 * from_ms/to_ms the --from/--to window (RR_NONE: not given; to_ms is
 * exclusive). 0 for a day in between. */
unsigned report_day_partial(int64_t day_no, const struct tz *tz, int is_first, int is_last,
			    int64_t first_ms, int64_t last_ms, int64_t from_ms, int64_t to_ms);
/* Sets the --from/--to window (RR_NONE where not given) and the days'
 * partial marks from it and the rows. report_build marks them without a
 * window. */
void report_set_window(struct report *r, int64_t from_ms, int64_t to_ms);
/* Days since 1970-01-01 of a "YYYY-MM-DD" date (exactly 10 bytes, a real
 * date, year 0000..9999); RR_NONE when it is not one. */
int64_t report_day_of_date(const char *date);
/* Matches every day with the baseline's day of the same weekday in the
 * nearest earlier week (7, 14, ... days before; the first such in the
 * baseline's order when it has the date twice) and keeps them in
 * r->prev_days. Without baseline days, prev_days stays NULL. RR_OK or
 * RR_ENOMEM (r unchanged). */
int report_compare_days(struct report *r, const struct baseline *b);
/* Part of report_compare: each breakdown row's previous values from the
 * baseline's row of the same dimension and key, the change, and a
 * regression mark when a share of sessions moved the worse way by the
 * headline's rule and beyond chance (REPORT_BD_MAX_P); never on small
 * rows, never on percentiles. b NULL clears them. */
void report_compare_breakdowns(struct report *r, const struct baseline *b, int threshold_pct);

/* Part of report_compare: the baseline's context counts (b NULL clears
 * them) and, for each exit marked as a regression, where its rise is. */
void report_compare_context(struct report *r, const struct baseline *b);
/* Part of report_compare: the top lists' previous rates (b NULL clears). */
void report_compare_tops(struct report *r, const struct baseline *b);
/* Keeps a copy of the n --baseline runs (oldest first) in r->trend, for
 * the headline's trend and the JSON's "baselines". RR_OK or RR_ENOMEM. */
int report_set_trend(struct report *r, const struct trend_run *runs, size_t n);

/* Part of report_compare_breakdowns: Holm's correction over the tests of
 * every row of every dimension (p_raw >= 0) into p_holm, and the marks
 * kept only where p_holm < REPORT_BD_MAX_P. Does nothing when no test was
 * made; on a failed allocation keeps no mark (RR_ENOMEM). */
int report_breakdown_holm(struct report *r);

/* Nearest-rank percentile q (0 < q <= 1) of n values, which it reorders.
 * Returns RR_NONE when n == 0. */
int64_t percentile_nearest_rank(int64_t *v, size_t n, double q);

#endif
