/*
 * render_index — the call index on the HTML pages: the overview's "Find a
 * call" section (a search box that report.js builds over the calls as JSON
 * in a <script type="application/json">, and the fallback without
 * scripts), the fallback lists (every call by day, every user with their
 * calls: in the single file, or the directory report's calls.html), links
 * from user IDs to their calls, and the head of a ticket file (a single
 * file of a few calls: their findings first).
 * Does not: compute the index (report_index.c), touch libxml2's structs,
 * write files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "render_int.h"
#include "report_index.h"
#include "util.h"

/* Byte order, the shorter first on a common prefix (report_index's). */
static int cmp_id(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	return c ? c : (na > nb) - (na < nb);
}

/* The index of user (a strtab id) in the index's sorted users, or
 * UINT32_MAX when the user has no call. */
static uint32_t user_rank(const struct report *r, uint32_t user)
{
	const struct call_index *x = r->index;
	const struct strtab *st = r->ds->strs;
	const char *s = strtab_str(st, user);
	size_t n = strtab_len(st, user);
	uint32_t lo = 0, hi = x ? x->nusers : 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmp_id(strtab_str(st, x->users[mid]), strtab_len(st, x->users[mid]), s, n);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX;
}

void add_user_link(struct page *p, xmlNodePtr parent, uint32_t user, int in_dir)
{
	const struct call_index *x = p->r->index;
	uint32_t k = user_rank(p->r, user);
	const char *id = strtab_str(p->r->ds->strs, user);
	xmlNodePtr a;
	char b[64];

	if (k == UINT32_MAX) {
		add_text(p, parent, id);
		return;
	}
	if (p->single && x->users_left_out)
		snprintf(b, sizeof b, "#find");
	else if (p->single)
		snprintf(b, sizeof b, "#u-%" PRIu32, k + 1);
	else
		snprintf(b, sizeof b, "%susers-%" PRIu32 ".html#u-%" PRIu32, in_dir ? "" : "index/",
			 report_index_user_page(x, k) + 1, k + 1);
	a = add_el(p, parent, "a", "user");
	set_attr(p, a, "href", b);
	set_attr(p, a, "data-user", id);
	add_text(p, a, id);
}

/* Where call i is: its page (directory) or section (single file), else its
 * row in the index's list by day. in_dir: the link is on a page under
 * index/. */
static void index_href(const struct page *p, uint32_t i, int in_dir, char *b, size_t n)
{
	if (has_page(p->r, i) && p->single)
		snprintf(b, n, "#call-%" PRIu32, i + 1);
	else if (has_page(p->r, i))
		snprintf(b, n, "%s%s", in_dir ? "../" : "", p->r->call_file[i]);
	else if (p->single)
		snprintf(b, n, "#c-%" PRIu32, i + 1);
	else
		snprintf(b, n, "%sday-%" PRIu32 ".html#c-%" PRIu32, in_dir ? "" : "index/",
			 report_index_day_page(p->r->index, i) + 1, i + 1);
}

/* ------------------------------------------------------------ the JSON */

/* A JSON buffer; failures set p->oom. */
struct jbuf {
	struct page *p;
	struct sink k;
};

static void jb_put(struct jbuf *j, const char *s, size_t n)
{
	if (sink_add(&j->k, s, n) != RR_OK)
		j->p->oom = 1;
}

static void jb_lit(struct jbuf *j, const char *s)
{
	jb_put(j, s, strlen(s));
}

static void jb_u32(struct jbuf *j, uint32_t v)
{
	char b[16];

	jb_put(j, b, (size_t)snprintf(b, sizeof b, "%" PRIu32, v));
}

static void jb_i64(struct jbuf *j, int64_t v)
{
	char b[24];

	jb_put(j, b, (size_t)snprintf(b, sizeof b, "%" PRId64, v));
}

/* A JSON string, escaped for a <script> element (json_escape_html). */
static void jb_str(struct jbuf *j, const char *s, size_t n)
{
	char buf[6 * 64];

	jb_lit(j, "\"");
	while (n > 0) {
		size_t k = n > 64 ? utf8_cut(s, 64) : n;

		if (k == 0)
			k = n > 64 ? 64 : n;
		jb_put(j, buf, json_escape_html(buf, s, k));
		s += k;
		n -= k;
	}
	jb_lit(j, "\"");
}

/* A call's start as the index shows it: "10:31:05", with the zone's
 * abbreviation when the calls span a change of offset. */
void call_time(const struct report *r, uint32_t i, char *b, size_t n)
{
	int64_t t = r->m->calls[i].start_ms;

	tz_format(r->tz, t, TZF_TIME, b, n);
	if (r->index->zoned) {
		size_t k = strlen(b);

		if (k + 2 < n) {
			b[k++] = ' ';
			tz_abbr(r->tz, t, b + k, n - k);
		}
	}
}

/* One call: [day, time, room, CommId, [users], errors, warnings, page,
 * start] (page: the file name's stem, 1 for a section of the single file,
 * 0 for none; start: ms after the previous call's start, the first call's
 * after "t0"). */
static void json_call(struct jbuf *j, uint32_t i, uint32_t day)
{
	const struct report *r = j->p->r;
	const struct call_index *x = r->index;
	const struct call *c = &r->m->calls[i];
	const struct strtab *st = r->ds->strs;
	char b[64];

	jb_lit(j, i ? ",[" : "[");
	jb_u32(j, day);
	call_time(r, i, b, sizeof b);
	jb_lit(j, ",");
	jb_str(j, b, strlen(b));
	jb_lit(j, ",");
	jb_u32(j, x->call_room[i]);
	jb_lit(j, ",");
	jb_str(j, strtab_str(st, c->comm), strtab_len(st, c->comm));
	jb_lit(j, ",[");
	for (uint32_t k = x->call_first[i]; k < x->call_first[i + 1]; k++) {
		if (k > x->call_first[i])
			jb_lit(j, ",");
		jb_u32(j, x->call_users[k]);
	}
	jb_lit(j, "],");
	jb_u32(j, c->findings[SEV_ERROR]);
	jb_lit(j, ",");
	jb_u32(j, c->findings[SEV_WARNING]);
	jb_lit(j, ",");
	if (!has_page(r, i)) {
		jb_lit(j, "0");
	} else if (j->p->single) {
		jb_lit(j, "1");
	} else {
		const char *f = r->call_file[i] + 6;          /* after "calls/" */

		jb_str(j, f, strlen(f) - 5);                  /* before ".html" */
	}
	jb_lit(j, ",");
	jb_i64(j, i ? c->start_ms - c[-1].start_ms : 0);
	jb_lit(j, "]");
}

/* "t0" (the first call's start, epoch ms) and "offsets": [[from, seconds],
 * ...], the zone's UTC offset in effect from each instant on, over the
 * calls' starts; in a directory report "day_pages": the first call (from
 * 0) of each page under index/ that lists the calls by day. */
static void json_instants(struct page *p, struct jbuf *j)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	int64_t t = r->m->calls[0].start_ms, last = r->m->calls[r->m->ncalls - 1].start_ms;

	jb_lit(j, ",\"t0\":");
	jb_i64(j, t);
	jb_lit(j, ",\"offsets\":[");
	for (int first = 1; t <= last; first = 0) {
		jb_lit(j, first ? "[" : ",[");
		jb_i64(j, t);
		jb_lit(j, ",");
		jb_i64(j, r->tz ? tz_offset(r->tz, t) : 0);
		jb_lit(j, "]");
		t = r->tz ? tz_next_change(r->tz, t) : INT64_MAX;
	}
	jb_lit(j, "]");
	if (p->single)
		return;
	jb_lit(j, ",\"day_pages\":[");
	for (uint32_t k = 0; k < x->ndpages; k++) {
		jb_lit(j, k ? "," : "");
		jb_u32(j, x->dpage_first[k]);
	}
	jb_lit(j, "]");
}

/* When the calls are of several apps, after "rooms": their apps,
 * "room_apps": [SdkAppId, or null for a room without one] in the order of
 * "rooms", so two rooms of one RoomId are told apart. */
static void json_room_apps(struct page *p, struct jbuf *j)
{
	const struct call_index *x = p->r->index;
	const struct strtab *st = p->r->ds->strs;

	if (!p->r->several_apps)
		return;
	jb_lit(j, "],\"room_apps\":[");
	for (uint32_t k = 0; k < x->nrooms; k++) {
		size_t n;
		const char *a = dataset_room_app(st, x->rooms[k], &n);

		jb_lit(j, k ? "," : "");
		if (a)
			jb_str(j, a, n);
		else
			jb_lit(j, "null");
	}
}

/* The index as JSON: {"zone", "fallback", "t0", "offsets", ["day_pages"],
 * "days", "rooms", ["room_apps"], "users", "calls"} (README "Finding a
 * call"). */
static void fill_json(struct page *p, xmlNodePtr parent)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	const struct strtab *st = r->ds->strs;
	struct jbuf j = { p, { NULL, 0, 0 } };
	const char *z = r->tz ? tz_name(r->tz) : "UTC";
	xmlNodePtr s;

	jb_lit(&j, "{\"zone\":");
	jb_str(&j, z, strlen(z));
	jb_lit(&j, p->single ? ",\"fallback\":\"\"" : ",\"fallback\":\"calls.html\"");
	json_instants(p, &j);
	jb_lit(&j, ",\"days\":[");
	for (uint32_t d = 0; d < x->ndays; d++) {
		jb_lit(&j, d ? "," : "");
		jb_str(&j, x->days[d], 10);
	}
	jb_lit(&j, "],\"rooms\":[");
	for (uint32_t k = 0; k < x->nrooms; k++) {
		size_t n;
		const char *s2 = dataset_room_name(st, x->rooms[k], &n);

		jb_lit(&j, k ? "," : "");
		jb_str(&j, s2, n);
	}
	json_room_apps(p, &j);
	jb_lit(&j, "],\"users\":[");
	for (uint32_t k = 0; k < x->nusers; k++) {
		jb_lit(&j, k ? "," : "");
		jb_str(&j, strtab_str(st, x->users[k]), strtab_len(st, x->users[k]));
	}
	jb_lit(&j, "],\"calls\":[");
	for (uint32_t d = 0; d < x->ndays; d++)
		for (uint32_t i = x->day_first[d]; i < x->day_first[d + 1]; i++)
			json_call(&j, i, d);
	jb_lit(&j, "]}");
	s = add_el(p, parent, "script", NULL);
	set_attr(p, s, "type", "application/json");
	set_attr(p, s, "id", "find-data");
	if (!p->oom)
		add_text_n(p, s, j.k.buf, j.k.len);
	rr_free(j.k.buf);
}

/* ------------------------------------------------------ the fallback */

/* "users: a, b, c · 2 errors, 1 warning" after a call's row. */
static void row_tail(struct page *p, xmlNodePtr li, uint32_t i)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	const struct call *c = &r->m->calls[i];
	const struct strtab *st = r->ds->strs;
	uint32_t n = x->call_first[i + 1] - x->call_first[i];
	char b[96];

	tb_reset(p);
	tb_app(p, c->room);
	if (c->comm) {
		tb_str(p, " · CommId ");
		tb_str(p, strtab_str(st, c->comm));
	}
	tb_str(p, n == 1 ? " · user " : " · users ");
	for (uint32_t k = x->call_first[i]; k < x->call_first[i + 1]; k++) {
		if (k > x->call_first[i])
			tb_str(p, ", ");
		tb_str(p, strtab_str(st, x->users[x->call_users[k]]));
	}
	if (c->findings[SEV_ERROR] + c->findings[SEV_WARNING]) {
		snprintf(b, sizeof b, " · %" PRIu32 " error%s, %" PRIu32 " warning%s",
			 c->findings[SEV_ERROR], c->findings[SEV_ERROR] == 1 ? "" : "s",
			 c->findings[SEV_WARNING], c->findings[SEV_WARNING] == 1 ? "" : "s");
		tb_str(p, b);
	}
	if (!has_page(r, i))
		tb_str(p, p->single ? " · no section in this file" : " · no page (--pages)");
	tb_flush(p, li);
}

void fill_day_rows(struct page *p, xmlNodePtr ul, uint32_t from, uint32_t to, int in_dir)
{
	const struct report *r = p->r;
	const struct strtab *st = r->ds->strs;
	xmlNodePtr li, a;
	char b[160];

	for (uint32_t i = from; i < to; i++) {
		li = add_el(p, ul, "li", NULL);
		snprintf(b, sizeof b, "c-%" PRIu32, i + 1);
		set_attr(p, li, "id", b);
		a = li;
		if (has_page(r, i)) {
			a = add_el(p, li, "a", NULL);
			index_href(p, i, in_dir, b, sizeof b);
			set_attr(p, a, "href", b);
		}
		call_time(r, i, b, sizeof b);
		add_time(p, a, r->m->calls[i].start_ms, TZF_TIME, b);
		add_text(p, li, " room ");
		add_text(p, li, dataset_room_name(st, r->m->calls[i].room, NULL));
		row_tail(p, li, i);
	}
}

void fill_user_rows(struct page *p, xmlNodePtr ul, uint32_t from, uint32_t to, int in_dir)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	const struct strtab *st = r->ds->strs;
	xmlNodePtr li, a;
	char b[160];

	for (uint32_t u = from; u < to; u++) {
		li = add_el(p, ul, "li", NULL);
		snprintf(b, sizeof b, "u-%" PRIu32, u + 1);
		set_attr(p, li, "id", b);
		add_el_text(p, li, "span", "id", strtab_str(st, x->users[u]));
		add_text(p, li, ": ");
		for (uint32_t k = x->user_first[u]; k < x->user_first[u + 1]; k++) {
			uint32_t i = x->user_calls[k];

			if (k > x->user_first[u])
				add_text(p, li, ", ");
			a = add_el(p, li, "a", NULL);
			index_href(p, i, in_dir, b, sizeof b);
			set_attr(p, a, "href", b);
			add_time(p, a, r->m->calls[i].start_ms, TZF_DATETIME, NULL);
		}
	}
}

/* The single file's lists: every call by day; every user with their calls,
 * unless past the budget (users_left_out). */
static void fill_file_lists(struct page *p, xmlNodePtr parent)
{
	const struct call_index *x = p->r->index;
	xmlNodePtr sec;
	char b[400];

	sec = add_el(p, parent, "section", "find-list");
	set_attr(p, sec, "id", "calls-by-day");
	add_el_text(p, sec, "h3", NULL, "Every call, by day");
	snprintf(b, sizeof b, "Times in %s. Each call with its room, CommId, users and "
		 "findings.", p->r->tz ? tz_name(p->r->tz) : "UTC");
	add_el_text(p, sec, "p", "note", b);
	for (uint32_t d = 0; d < x->ndays; d++) {
		uint32_t n = x->day_first[d + 1] - x->day_first[d];

		snprintf(b, sizeof b, "%s (%" PRIu32 " call%s)", x->days[d], n, n == 1 ? "" : "s");
		add_el_text(p, sec, "h4", NULL, b);
		fill_day_rows(p, add_el(p, sec, "ul", "find-day"), x->day_first[d],
			      x->day_first[d + 1], 0);
	}
	sec = add_el(p, parent, "section", "find-list");
	set_attr(p, sec, "id", "calls-by-user");
	snprintf(b, sizeof b, "Every user (%" PRIu32 "), with their calls", x->nusers);
	add_el_text(p, sec, "h3", NULL, b);
	if (!x->users_left_out) {
		fill_user_rows(p, add_el(p, sec, "ul", "find-users"), 0, x->nusers, 0);
		return;
	}
	snprintf(b, sizeof b, "Not in this file: each user's calls (%" PRIu32 " links, more "
		 "than this file's %d). Every call above names its users; the search box finds "
		 "any user's calls; a directory report (-o DIR) lists them on pages that need no "
		 "script.", x->user_first[x->nusers], REPORT_FILE_USER_LINKS);
	add_el_text(p, sec, "p", "note users-left-out", b);
}

/* "N calls of U users in R rooms, FIRST to LAST (ZONE)." */
static void find_summary(struct page *p, xmlNodePtr parent)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	char b[320];

	snprintf(b, sizeof b, "%" PRIu32 " call%s of %" PRIu32 " user%s in %" PRIu32 " room%s, "
		 "%s to %s (%s). Search by user ID, room, CommId, date or time: a whole ID "
		 "finds exactly its calls (u217 does not find u2170); other words find "
		 "every call with them in its room, CommId, users, date or time.",
		 r->m->ncalls, r->m->ncalls == 1 ? "" : "s", x->nusers, x->nusers == 1 ? "" : "s",
		 x->nrooms, x->nrooms == 1 ? "" : "s", x->days[0], x->days[x->ndays - 1],
		 r->tz ? tz_name(r->tz) : "UTC");
	add_el_text(p, parent, "p", "note find-summary", b);
}

/* What has a page or section, when not every call has one. */
static void find_pages_note(struct page *p, xmlNodePtr parent)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	uint32_t ncalls = r->m->ncalls;
	char b[600];

	if (r->npages == ncalls)
		return;
	if (p->single && x->left_out)
		snprintf(b, sizeof b, "This file has %" PRIu32 " of the %" PRIu32 " calls in full: "
			 "the worst %d by error findings, then warning findings, then timeouts, "
			 "kicks and entry failures. The other %" PRIu32 " are listed in the index "
			 "without their details. A directory report (-o DIR) has a page for every "
			 "call; --room, --user, --from and --to choose calls for a file.", r->npages,
			 ncalls, REPORT_FILE_BODIES, ncalls - r->npages);
	else if (p->single)
		snprintf(b, sizeof b, "%" PRIu32 " of %" PRIu32 " calls have a section in this file "
			 "(--pages); the others are listed in the index without one.", r->npages,
			 ncalls);
	else
		snprintf(b, sizeof b, "%" PRIu32 " of %" PRIu32 " calls have a page of their own "
			 "(--pages); the others are listed without a link.", r->npages, ncalls);
	add_el_text(p, parent, "p", "note pages", b);
}

/* The search box, hidden until report.js shows it. */
static void find_box(struct page *p, xmlNodePtr parent)
{
	xmlNodePtr box = add_el(p, parent, "div", "find"), e;

	set_attr(p, box, "id", "find-box");
	set_attr(p, box, "hidden", "");
	e = add_el_text(p, box, "label", NULL, "Find calls ");
	set_attr(p, e, "for", "find-q");
	e = add_el(p, box, "input", NULL);
	set_attr(p, e, "type", "search");
	set_attr(p, e, "id", "find-q");
	set_attr(p, e, "autocomplete", "off");
	set_attr(p, e, "placeholder", "user ID, room, CommId, 2025-11-18 10:31");
	e = add_el(p, box, "p", "find-count");
	set_attr(p, e, "id", "find-count");
	set_attr(p, e, "role", "status");
	e = add_el(p, box, "ol", "find-results");
	set_attr(p, e, "id", "find-results");
	e = add_el_text(p, box, "button", NULL, "Show all");
	set_attr(p, e, "type", "button");
	set_attr(p, e, "id", "find-more");
	set_attr(p, e, "hidden", "");
}

void fill_find(struct page *p, xmlNodePtr n)
{
	const struct report *r = p->r;
	xmlNodePtr e, det;

	if (!n)
		return;
	if (r->m->ncalls == 0 || !r->index) {
		empty_note(p, n, "No calls.");
		return;
	}
	find_summary(p, n);
	find_pages_note(p, n);
	find_box(p, n);
	fill_json(p, n);
	if (!p->single) {
		e = add_el(p, n, "p", "find-fallback");
		add_text(p, e, "Every call by day, and every user with their calls, on pages "
			 "that need no script: ");
		e = add_el_text(p, e, "a", NULL, "the call index (calls.html)");
		set_attr(p, e, "href", "calls.html");
		return;
	}
	det = add_el(p, n, "details", "find-all");
	add_el_text(p, det, "summary", NULL, "Every call by day, and every user with their calls");
	fill_file_lists(p, det);
}

/* ---------------------------------------------------------- the ticket */

/* One call's findings, most severe first (the model's order), at most
 * TICKET_FINDINGS of them. */
#define TICKET_FINDINGS 30

static void ticket_findings(struct page *p, xmlNodePtr parent, uint32_t i)
{
	const struct model *m = p->r->m;
	const struct call *c = &m->calls[i];
	const struct strtab *st = p->r->ds->strs;
	uint32_t shown = 0, total = 0;
	xmlNodePtr ul = NULL, li;
	char b[96];

	for (uint32_t s = c->first_session; s < c->first_session + c->nsessions; s++)
		total += m->sessions[s].nfindings;
	if (total == 0) {
		empty_note(p, parent, "No findings.");
		return;
	}
	/* Errors first over the whole call, then warnings, then the rest. */
	for (int sev = SEV_ERROR; sev >= SEV_INFO; sev--) {
		for (uint32_t s = c->first_session; s < c->first_session + c->nsessions; s++) {
			const struct session *se = &m->sessions[s];

			for (uint32_t f = se->first_finding; f < se->first_finding + se->nfindings; f++) {
				const struct finding *fd = &m->findings[f];

				if ((int)fd->severity != sev || shown == TICKET_FINDINGS)
					continue;
				if (!ul)
					ul = add_el(p, parent, "ul", "ticket-findings");
				li = add_el(p, ul, "li", sev_class(fd->severity));
				badge(p, li, fd->severity);
				add_text(p, li, " ");
				add_time(p, li, fd->time_ms, TZF_TIME, NULL);
				add_text(p, li, " ");
				add_el_text(p, li, "span", "id", strtab_str(st, se->user));
				add_text(p, li, ": ");
				add_timed_text(p, add_el(p, li, "span", "text"), fd->text, strlen(fd->text),
					       &fd->times);
				shown++;
			}
		}
	}
	if (shown < total) {
		snprintf(b, sizeof b, "%" PRIu32 " more in the call's section below.", total - shown);
		add_el_text(p, parent, "p", "note", b);
	}
}

/* "room 3101, 2026-11-20 10:12:03 – 10:40:55 (UTC)" into b. */
static void ticket_call_name(const struct report *r, uint32_t i, char *b, size_t n)
{
	const struct call *c = &r->m->calls[i];
	char t0[48], t1[48];

	tz_format(r->tz, c->start_ms, TZF_DATETIME, t0, sizeof t0);
	tz_format(r->tz, c->end_ms, TZF_DATETIME, t1, sizeof t1);
	snprintf(b, n, "room %.160s, %s – %s (%s)", dataset_room_name(r->ds->strs, c->room, NULL),
		 t0, strncmp(t0, t1, 11) == 0 ? t1 + 11 : t1, r->tz ? tz_name(r->tz) : "UTC");
}

void fill_ticket(struct page *p, xmlNodePtr root, xmlNodePtr calls)
{
	const struct report *r = p->r;
	const struct model *m = r->m;
	xmlNodePtr head, e, h;
	char b[400], t[460];

	if (!calls || m->ncalls == 0)
		return;
	head = xmlNewDocNode(p->doc, NULL, (const xmlChar *)"header", NULL);
	if (!head || !xmlAddPrevSibling(calls, head)) {
		xmlFreeNode(head);
		p->oom = 1;
		return;
	}
	set_attr(p, head, "class", "ticket");
	ticket_call_name(r, 0, b, sizeof b);
	if (m->ncalls == 1)
		snprintf(t, sizeof t, "Call in %s", b);
	else
		snprintf(t, sizeof t, "%" PRIu32 " calls, the first in %s", m->ncalls, b);
	add_el_text(p, head, "h1", NULL, t);
	if (r->title && *r->title)
		snprintf(t + strlen(t), sizeof t - strlen(t), " — %.200s", r->title);
	slot_set_text(p, root, "title", t);
	add_el_text(p, head, "p", "note", "The calls' findings first, then each call in full, "
		    "then the overview of the calls in this file.");
	for (uint32_t i = 0; i < m->ncalls; i++) {
		h = add_el(p, head, "h2", NULL);
		ticket_call_name(r, i, b, sizeof b);
		if (m->ncalls == 1)
			snprintf(t, sizeof t, "Findings");
		else
			snprintf(t, sizeof t, "Findings: %s", b);
		if (has_page(r, i)) {
			e = add_el_text(p, h, "a", NULL, t);
			snprintf(b, sizeof b, "#call-%" PRIu32, i + 1);
			set_attr(p, e, "href", b);
		} else {
			add_text(p, h, t);
		}
		ticket_findings(p, head, i);
	}
}
