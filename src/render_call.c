/*
 * render_call — a call page's content, slot by slot (call_fill_slot, the
 * frame's callback): title, header facts, participants, findings, the
 * sessions table, abnormal experiences and the event log; the timeline and
 * the quality charts are render_timeline.c's and render_chart.c's.
 * Does not: build the call view (callview.c), serialize or write the page
 * (render_frame.c, render_write.c), touch libxml2's structs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

/*
 * Call pages are nearly all of a report's bytes and time (one page per call,
 * every event of the call on it), so they are made differently from the
 * overview. The template is serialized once and cut at its slots (struct
 * frame, render_frame.c); per call only the slots' contents are built as nodes,
 * written between the template's bytes and freed. The markup is lean: timeline
 * marks merged per lane, kind and x unit; the event log as preformatted text
 * with an element only for the rows that need one; classes, never inline
 * styles, and no classes the stylesheet does not use.
 */

/* The slots filled per call. */
enum cslot {
	CS_TITLE, CS_BACK, CS_HEADING, CS_ZONE, CS_SUMMARY, CS_TIMELINE, CS_CHARTS,
	CS_FINDINGS, CS_PARTICIPANTS, CS_SESSIONS, CS_EXPERIENCES, CS_LOG,
	/* The header's facts one by one, their terms in the template (the
	 * built-in one); a template may have "summary" instead, which gets
	 * the whole list. */
	CS_ROOM, CS_COMM, CS_TIME, CS_DURATION, CS_LIFETIME, CS_USERS, CS_PEAK,
	CS_NSESSIONS, CS_EXITS, CS_NFINDINGS, CS__COUNT
};

_Static_assert(CS__COUNT <= FRAME_SLOTS, "a frame has room for every call slot");

static const char *const cslot_names[CS__COUNT] = {
	"title", "back", "heading", "zone", "summary", "timeline", "charts", "findings",
	"participants", "sessions", "experiences", "log",
	"fact-room", "fact-comm", "fact-time", "fact-duration", "fact-lifetime", "fact-users",
	"fact-peak", "fact-sessions", "fact-exits", "fact-findings" };


/* The call's span: its times as <time>, its zone as add_zone_name; a span
 * not in that shape, as it is, its times as <time>. */
static void span_fact(struct page *p, xmlNodePtr n, const struct callview *v)
{
	size_t len = strlen(v->span), zl = strlen(v->zone);
	const struct finding_time *z = &v->span_t.t[1];
	size_t k = v->span_t.n == 2 ? (size_t)z->off + z->len : 0;   /* the second time's end */

	/* "A – Z (ZONE)": the zone's name after the second time. */
	if (!k || k + zl + 3 != len) {
		add_timed_text(p, n, v->span, len, &v->span_t);
		return;
	}
	add_timed_text(p, n, v->span, k, &v->span_t);
	add_text(p, n, " (");
	add_zone_name(p, n);
	add_text(p, n, ")");
}

/* Writes fact s of v under parent n. */
static void fact_of(struct page *p, int s, const struct callview *v, xmlNodePtr n)
{
	const struct call *c = &p->r->m->calls[v->call];
	char b[64];
	int first = 1;

	tb_reset(p);
	switch (s) {
	case CS_ROOM:
		tb_str(p, v->room);
		tb_app(p, c->room);
		break;
	case CS_COMM:
		tb_str(p, *v->comm ? v->comm : "—");
		break;
	case CS_TIME:
		span_fact(p, n, v);
		return;
	case CS_DURATION:
		tb_str(p, v->duration);
		break;
	case CS_LIFETIME:
		/* From the rooms file; it says "still open at export" too. */
		if (v->room_span && *v->room_span) {
			add_timed_text(p, n, v->room_span, strlen(v->room_span), &v->room_t);
			return;
		}
		tb_str(p, v->ongoing ? "not finished at export (ongoing)" : "—");
		break;
	case CS_USERS:
	case CS_PEAK:
	case CS_NSESSIONS:
		snprintf(b, sizeof b, "%" PRIu32, s == CS_USERS ? c->users
				 : s == CS_PEAK ? c->peak_users : c->nsessions);
		tb_str(p, b);
		break;
	case CS_EXITS:
		for (int e = 0; e < EXIT__COUNT; e++) {
			if (!c->exits[e])
				continue;
			snprintf(b, sizeof b, "%s%s %" PRIu32, first ? "" : ", ",
				 exit_reason_label((enum exit_reason)e), c->exits[e]);
			tb_str(p, b);
			first = 0;
		}
		if (first)
			tb_str(p, "none");
		break;
	case CS_NFINDINGS:
		snprintf(b, sizeof b, "errors %" PRIu32 ", warnings %" PRIu32,
			 c->findings[SEV_ERROR], c->findings[SEV_WARNING]);
		tb_str(p, b);
		break;
	}
	tb_flush(p, n);
}

/* The whole list of facts, for a template with a "summary" slot. */
static void fill_call_summary(struct page *p, xmlNodePtr n, const struct callview *v)
{
	static const struct {
		int slot;
		const char *term;
	} facts[] = {
		{ CS_ROOM, "Room" }, { CS_COMM, "CommId" }, { CS_TIME, "Time" },
		{ CS_DURATION, "Duration" }, { CS_LIFETIME, "Room lifetime" },
		{ CS_USERS, "Users" }, { CS_PEAK, "Peak users" }, { CS_NSESSIONS, "Sessions" },
		{ CS_EXITS, "Exits" }, { CS_NFINDINGS, "Findings" } };
	xmlNodePtr dl = add_el(p, n, "dl", "facts");

	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
		xmlNodePtr dd = add_fact(p, dl, facts[i].term);

		fact_of(p, facts[i].slot, v, dd);
	}
}

/* One row per lane: what the users file says of the user. When the table
 * would say nothing but "—" a note says why instead: no users file was
 * given, or none of its rows is of these users in this call. A lane the
 * users file does not describe says so, and its "still in the room" is
 * not known. */
static void fill_participants(struct page *p, xmlNodePtr n, const struct callview *v)
{
	static const struct col cols[] = {
		{ "User", 0 }, { "Platform", 0 }, { "Device", 0 }, { "SDK version", 0 },
		{ "Client IP", 0 }, { "Still in the room at export", 0 } };
	int users_file = p->r->ds && p->r->ds->companion_files[COMPANION_USERS] != 0;
	xmlNodePtr tb, tr, td;
	int known = 0;

	if (v->nlanes == 0) {
		empty_note(p, n, "No users.");
		return;
	}
	for (uint32_t i = 0; i < v->nlanes && !known; i++) {
		const struct cv_lane *l = &v->lanes[i];

		known = l->still_in_room || (l->device && *l->device) || (l->sdk && *l->sdk) ||
			(l->ip && *l->ip);
	}
	if (!known && !users_file) {
		empty_note(p, n, "No device, SDK version or client IP known (no users file), "
				 "and nobody still in the room at export.");
		return;
	}
	if (!known) {
		int any = 0;

		for (uint32_t i = 0; i < v->nlanes && !any; i++)
			any = v->lanes[i].in_users_file;
		empty_note(p, n, any ? "The users file gives no device, SDK version or client "
				       "IP of these users, and nobody still in the room at export."
				     : "No user of this call is in the users file: their device, "
				       "SDK version, client IP, and whether they were still in the "
				       "room at export, are not known.");
		return;
	}
	tb = add_table(p, n, "participants", cols, sizeof cols / sizeof cols[0]);
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];

		tr = add_el(p, tb, "tr", l->still_in_room ? "still-in-room" : NULL);
		td_text(p, tr, l->user, "id");
		td_text(p, tr, l->platform, NULL);
		td_text(p, tr, l->device && *l->device ? l->device : "—", "id");
		td_text(p, tr, l->sdk && *l->sdk ? l->sdk : "—", "id");
		td_text(p, tr, l->ip && *l->ip ? l->ip : "—", "id");
		td = add_el(p, tr, "td", NULL);
		if (l->still_in_room) {
			add_el(p, td, "span", "swatch exit-ongoing");
			add_text(p, td, "yes");
		} else if (users_file && !l->in_users_file) {
			add_text(p, td, "not known (not in the users file)");
		} else {
			add_text(p, td, "no");
		}
	}
}

/* The heading of a user's group of findings on a big call:
 * "chen · errors 1 · warnings 2 · info 0". */
static void findings_group_head(struct page *p, xmlNodePtr n, const struct cv_lane *l)
{
	char b[96];

	snprintf(b, sizeof b, " · errors %" PRIu32 " · warnings %" PRIu32 " · info %" PRIu32,
		 l->nfind[SEV_ERROR], l->nfind[SEV_WARNING], l->nfind[SEV_INFO]);
	tb_reset(p);
	tb_str(p, l->user);
	tb_add(p, b, strlen(b), 0);
	tb_flush(p, add_el(p, n, p->single ? "h4" : "h3", "finding-user"));
}

/* The findings, most severe first: one list, or on a big call
 * (findings_by_user) one list per user under the user's heading. Each item
 * carries its time (data-t, ms since the epoch) and user (data-user) for
 * the page's script. */
static void fill_findings(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr ol = NULL, li;
	char b[32];

	if (v->nfindings == 0) {
		empty_note(p, n, "No findings.");
		return;
	}
	for (uint32_t i = 0; i < v->nfindings; i++) {
		const struct cv_finding *f = &v->findings[i];
		char cls[64];

		if (!ol || (v->findings_by_user && f->group != v->findings[i - 1].group)) {
			if (v->findings_by_user)
				findings_group_head(p, n, &v->lanes[f->lane]);
			ol = add_el(p, n, "ol", "findings");
		}
		snprintf(cls, sizeof cls, "finding %s", sev_class(f->f->severity));
		li = add_el(p, ol, "li", cls);
		new_attr(p, li, "data-code", f->f->code);
		snprintf(b, sizeof b, "%" PRId64, f->f->time_ms);
		new_attr(p, li, "data-t", b);
		new_attr(p, li, "data-user", f->user);
		badge(p, li, f->f->severity);
		add_time(p, add_el(p, li, "span", "when"), f->f->time_ms, TZF_TIME, f->time);
		add_el_text(p, li, "span", "user", f->user);
		add_timed_text(p, add_el(p, li, "span", "text"), f->f->text, strlen(f->f->text),
			       &f->f->times);
	}
}

/* One row per session, into the slot when it is the table's <tbody>, else
 * into a table of its own. Cells carry no classes: the stylesheet aligns the
 * columns of table.sessions by position. */
static void fill_sessions(struct page *p, xmlNodePtr n, const struct callview *v)
{
	static const struct col cols[] = {
		{ "User", 0 }, { "Session", 0 }, { "Platform", 0 }, { "Exit", 0 },
		{ "Entered after", 1 }, { "First video frame", 1 }, { "Re-entries", 1 },
		{ "Network changes", 1 }, { "No network", 1 }, { "In background", 1 },
		{ "Events", 1 }, { "Findings", 1 } };
	const struct model *m = p->r->m;
	xmlNodePtr tb = n, tr;
	char b[64];

	/* The built-in template has the table and its head, and the slot is
	 * the body; a --templates copy may have a container instead. */
	if (!node_is(n, "tbody")) {
		if (v->nbars == 0) {
			empty_note(p, n, "No sessions.");
			return;
		}
		tb = add_table(p, n, "sessions", cols, sizeof cols / sizeof cols[0]);
	}
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];

		for (uint32_t k = 0; k < l->nbars; k++) {
			const struct cv_bar *bar = &v->bars[l->first_bar + k];
			const struct session *s = &m->sessions[bar->session];

			tr = add_el(p, tb, "tr", NULL);
			td_text(p, tr, l->user, NULL);
			add_timed_text(p, add_el(p, tr, "td", NULL), bar->title, strlen(bar->title),
				       &bar->title_t);
			td_text(p, tr, platform_name(s->platform), NULL);
			exit_cell(p, tr, s->exit);
			fmt_dur(s->entry_latency_ms, b, sizeof b);
			td_text(p, tr, b, NULL);
			fmt_dur(s->first_frame_ms, b, sizeof b);
			td_text(p, tr, b, NULL);
			put_u64(b, s->reentries)[0] = '\0';
			td_text(p, tr, b, NULL);
			put_u64(b, s->net_changes)[0] = '\0';
			td_text(p, tr, b, NULL);
			fmt_dur(s->outages ? s->outage_ms : RR_NONE, b, sizeof b);
			td_text(p, tr, b, NULL);
			fmt_dur(s->background_ms > 0 ? s->background_ms : RR_NONE, b, sizeof b);
			td_text(p, tr, b, NULL);
			put_u64(b, s->nevents)[0] = '\0';
			td_text(p, tr, b, NULL);
			put_u64(b, s->nfindings)[0] = '\0';
			td_text(p, tr, b, NULL);
		}
	}
}

/*
 * The event log: per lane a heading and a <pre> of one line per record,
 *   "10:10:40.120  1003 (0)<TAB>Network: none (disconnected)  (peer ben)"
 * (time, raw ID, label, peer); the tab lines the labels up (the stylesheet
 * sets the tab stops past the longest usual raw ID), and the columns come
 * apart again when the lines are pasted into a spreadsheet.
 * Plain lines (info, inside a session) run together as one text; a warning,
 * error or outside-session line is an element of its own, so the stylesheet
 * can mark it, and says its severity in words ("warning: ...").
 * Each lane is a <details> whose summary is the heading, open unless the
 * view says the log starts collapsed (cv_lane.log_open).
 */
static void fill_log(struct page *p, xmlNodePtr n, const struct callview *v)
{
	static const char *const row_cls[2 * SEV__COUNT] = {
		NULL, "outside", "sev-warning", "sev-warning outside", "sev-error",
		"sev-error outside" };
	static const char *const sev_word[SEV__COUNT] = { "", "warning: ", "error: " };
	char b[96], id[48];

	if (v->nlanes == 0) {
		empty_note(p, n, "No events.");
		return;
	}
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];
		const struct cv_log *g = v->log + l->first_log;
		xmlNodePtr h, pre, det;

		det = add_el(p, n, "details", "lane-log");
		new_attr(p, det, "data-user", l->user);
		if (l->log_open)
			new_attr(p, det, "open", "");
		h = add_el(p, add_el(p, det, "summary", NULL), p->single ? "h4" : "h3", "log-user");
		/* The log scrolls sideways on a narrow screen: a region that
		 * the keyboard reaches, named by this heading. */
		snprintf(id, sizeof id, "log-%" PRIu32 "-%" PRIu32, v->call + 1, i + 1);
		new_attr(p, h, "id", id);
		snprintf(b, sizeof b, " · %" PRIu32 " events · %" PRIu32 " problems · %s",
			 l->nlog, l->problems, l->platform);
		tb_reset(p);
		tb_str(p, l->user);
		tb_add(p, b, strlen(b), 0);
		tb_flush(p, h);
		if (l->nlog == 0)
			continue;
		pre = add_el(p, det, "pre", "log");
		new_attr(p, pre, "tabindex", "0");
		new_attr(p, pre, "role", "region");
		new_attr(p, pre, "aria-labelledby", id);
		tb_reset(p);
		for (uint32_t k = 0; k < l->nlog; k++) {
			unsigned sev = g[k].severity < SEV__COUNT ? g[k].severity : SEV_WARNING;
			unsigned kind = sev * 2 + (g[k].outside != 0);
			size_t r = strlen(g[k].raw);
			xmlNodePtr row = NULL;

			if (k)
				tb_add(p, "\n", 1, 0);
			if (row_cls[kind]) {
				/* The plain lines so far, then this one in its own
				 * element. */
				tb_flush(p, pre);
				row = add_el(p, pre, "span", row_cls[kind]);
				if (g[k].outside)
					new_attr(p, row, "title", "outside every session");
			}
			/* Times, raw IDs and our words hold no line breaks;
			 * labels and peers may (a --catalog label, a quoted
			 * CSV field), and are flattened. */
			/* The time as a <time> (the zone switch re-draws it). */
			tb_flush(p, row ? row : pre);
			add_time_shaped(p, row ? row : pre, g[k].time_ms, "tms", g[k].time);
			tb_add(p, "  ", 2, 0);
			tb_add(p, g[k].raw, r, 0);
			tb_add(p, "\t", 1, 0);
			tb_add(p, sev_word[sev], strlen(sev_word[sev]), 0);
			tb_str(p, g[k].label);
			if (g[k].peer && *g[k].peer) {
				tb_add(p, "  (peer ", 8, 0);
				tb_str(p, g[k].peer);
				tb_add(p, ")", 1, 0);
			}
			if (row)
				tb_flush(p, row);
		}
		tb_flush(p, pre);
	}
}

static void fill_call_exps(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr ul;

	if (v->ncall_exps == 0) {
		empty_note(p, n, "None.");
		return;
	}
	ul = add_el(p, n, "ul", "experiences");
	for (uint32_t i = 0; i < v->ncall_exps; i++)
		add_el_text(p, ul, "li", NULL, v->call_exps[i].title);
}


/* Fills slot s for call view v; 0 when the slot is to be left out. */
static int call_fill_slot(const void *ctx, struct page *p, int s, xmlNodePtr n)
{
	const struct callview *v = ctx;
	char b[64];
	xmlNodePtr a;

	switch (s) {
	case CS_TITLE:
		snprintf(b, sizeof b, "Call %" PRIu32 " · Room ", v->call + 1);
		tb_reset(p);
		tb_str(p, b);
		tb_str(p, v->room);
		tb_app(p, p->r->m->calls[v->call].room);
		tb_str(p, " · ");
		tb_str(p, v->span);
		tb_flush(p, n);
		break;
	case CS_BACK:
		a = add_el(p, n, "a", NULL);
		new_attr(p, a, "href", p->single ? "#top" : "../index.html");
		add_text(p, a, p->single ? "↑ Overview" : "← Overview");
		break;
	case CS_HEADING:
		tb_reset(p);
		tb_str(p, "Room ");
		tb_str(p, v->room);
		tb_app(p, p->r->m->calls[v->call].room);
		if (v->ongoing)
			tb_str(p, " ");
		tb_flush(p, n);
		if (v->ongoing)
			add_el_text(p, n, "span", "badge ongoing", "ongoing");
		break;
	case CS_ZONE:
		tb_reset(p);
		tb_str(p, "Times in ");
		tb_flush(p, n);
		add_zone_name(p, n);
		if (*v->zone_change) {
			/* Where the page's clock changes: its times carry
			 * the zone's name for their offset. In a span of its
			 * own, which the zone switch hides while it shows
			 * another zone. */
			tb_str(p, "; ");
			tb_str(p, v->zone_change);
			tb_flush(p, add_el(p, n, "span", "zone-change"));
		}
		add_filters_note(p, n, ". ");
		break;
	case CS_SUMMARY:
		fill_call_summary(p, n, v);
		break;
	case CS_ROOM:
	case CS_COMM:
	case CS_TIME:
	case CS_DURATION:
	case CS_LIFETIME:
	case CS_USERS:
	case CS_PEAK:
	case CS_NSESSIONS:
	case CS_EXITS:
	case CS_NFINDINGS:
		fact_of(p, s, v, n);
		break;
	case CS_TIMELINE:
		fill_timeline(p, n, v);
		break;
	case CS_CHARTS:
		return fill_charts(p, n, v);
	case CS_FINDINGS:
		fill_findings(p, n, v);
		break;
	case CS_PARTICIPANTS:
		fill_participants(p, n, v);
		break;
	case CS_SESSIONS:
		fill_sessions(p, n, v);
		break;
	case CS_EXPERIENCES:
		fill_call_exps(p, n, v);
		break;
	case CS_LOG:
		fill_log(p, n, v);
		break;
	}
	return 1;
}


const struct frame_spec call_frame_spec = {
	cslot_names, CS__COUNT, (1u << CS_TITLE) | (1u << CS_HEADING)
};

void call_fill(struct frame_fill *fl, const struct callview *v, char *id, size_t idlen)
{
	snprintf(id, idlen, "call-%" PRIu32, v->call + 1);
	fl->fill = call_fill_slot;
	fl->ctx = v;
	fl->id = id;
	fl->css = v->ncharts != 0;
}
