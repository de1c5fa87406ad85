/*
 * render_index_pages — a directory report's call index without scripts:
 * calls.html, a short page of links (each day's pages with their calls'
 * times and counts, the users' pages named by their first and last user
 * ID), and the pages under index/ it links to: day-K.html (the calls of
 * one day, or of a part of a day) and users-K.html (whole users with their
 * calls). The cuts are report_index's (report_index.h); the rows are
 * render_index.c's.
 * Does not: compute the cuts, write files (render_write.c does).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "report_index.h"
#include "util.h"

uint32_t index_page_count(const struct report *r)
{
	const struct call_index *x = r->index;

	if (!x || r->m->ncalls == 0)
		return 1;
	return 1 + x->ndpages + x->nupages;
}

/* The day that day page k lists. */
static uint32_t page_day(const struct call_index *x, uint32_t k)
{
	uint32_t d = 0;

	while (d + 1 < x->ndays && x->dday_first[d + 1] <= k)
		d++;
	return d;
}

/* Day page k's name: "2025-11-18", or "2025-11-18, part 2 of 4". */
static void day_label(const struct call_index *x, uint32_t k, char *b, size_t n)
{
	uint32_t d = page_day(x, k), parts = x->dday_first[d + 1] - x->dday_first[d];

	if (parts == 1)
		snprintf(b, n, "%s", x->days[d]);
	else
		snprintf(b, n, "%s, part %" PRIu32 " of %" PRIu32, x->days[d],
			 k - x->dday_first[d] + 1, parts);
}

/* Users' page k's name into the text scratch: "u1 to u9", or "u1". */
static void users_label(struct page *p, uint32_t k)
{
	const struct call_index *x = p->r->index;
	const struct strtab *st = p->r->ds->strs;
	uint32_t a = x->upage_first[k], z = x->upage_first[k + 1] - 1;

	tb_reset(p);
	tb_str(p, strtab_str(st, x->users[a]));
	if (z > a) {
		tb_str(p, " to ");
		tb_str(p, strtab_str(st, x->users[z]));
	}
}

/* A page from the overview's template: its head (stylesheet; no script,
 * these pages need none), title, an empty body with a header (h1 heading,
 * links up: "Call index" from index/, "Overview"), and its main returned
 * (NULL when out of memory). */
static xmlNodePtr index_page_open(struct page *p, const char *title, int in_dir)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc), body = NULL, head, e;

	drop_node(slot(p, root, "script"));
	for (xmlNodePtr n = xmlFirstElementChild(root); n; n = xmlNextElementSibling(n))
		if (node_is(n, "body"))
			body = n;
	if (!body)
		return NULL;
	remove_children(body);
	slot_set_text(p, root, "title", title);
	head = add_el(p, body, "header", "page-head");
	add_el_text(p, head, "h1", NULL, title);
	e = add_el(p, head, "p", NULL);
	if (in_dir) {
		set_attr(p, add_el_text(p, e, "a", NULL, "Call index"), "href", "../calls.html");
		add_text(p, e, " · ");
	}
	e = add_el_text(p, e, "a", NULL, "Overview");
	set_attr(p, e, "href", in_dir ? "../index.html" : "index.html");
	return add_el(p, body, "main", "overview call-index");
}

/* "Previous: LABEL · Next: LABEL" between the pages of one kind (day
 * pages, users' pages): k of n, file name stem. */
static void page_nav(struct page *p, xmlNodePtr main, uint32_t k, uint32_t n, const char *stem)
{
	const struct call_index *x = p->r->index;
	xmlNodePtr nav, a;
	char b[64], l[64];

	if (n < 2)
		return;
	nav = add_el(p, main, "nav", "index-nav");
	set_attr(p, nav, "aria-label", "Pages");
	for (int next = 0; next < 2; next++) {
		uint32_t j = next ? k + 1 : k - 1;

		if ((next && k + 1 >= n) || (!next && k == 0))
			continue;
		add_text(p, nav, next ? (k > 0 ? " · Next: " : "Next: ") : "Previous: ");
		a = add_el(p, nav, "a", NULL);
		snprintf(b, sizeof b, "%s-%" PRIu32 ".html", stem, j + 1);
		set_attr(p, a, "href", b);
		if (stem[0] == 'd') {
			day_label(x, j, l, sizeof l);
			add_text(p, a, l);
		} else {
			users_label(p, j);
			tb_flush(p, a);
		}
	}
}

/* index/day-K.html: the calls of day page k. */
static void fill_day_page(struct page *p, uint32_t k)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	uint32_t d = page_day(x, k), a = x->dpage_first[k], z = x->dpage_first[k + 1];
	uint32_t nday = x->day_first[d + 1] - x->day_first[d];
	xmlNodePtr main;
	char l[64], b[400];

	day_label(x, k, l, sizeof l);
	snprintf(b, sizeof b, "Calls of %s", l);
	if (!(main = index_page_open(p, b, 1))) {
		p->oom = 1;
		return;
	}
	if (z - a == nday)
		snprintf(b, sizeof b, "%" PRIu32 " call%s. Times in %s. Each call with its "
			 "room, CommId, users and findings; its time links to its page.", nday,
			 nday == 1 ? "" : "s", r->tz ? tz_name(r->tz) : "UTC");
	else
		snprintf(b, sizeof b, "Calls %" PRIu32 " to %" PRIu32 " of the day's %" PRIu32
			 ", in start order. Times in %s. Each call with its room, CommId, users "
			 "and findings; its time links to its page.", a - x->day_first[d] + 1,
			 z - x->day_first[d], nday, r->tz ? tz_name(r->tz) : "UTC");
	add_el_text(p, main, "p", "note", b);
	if (r->npages != r->m->ncalls)
		add_el_text(p, main, "p", "note pages", "Calls without a page of their own "
			    "(--pages) are listed without a link.");
	page_nav(p, main, k, x->ndpages, "day");
	fill_day_rows(p, add_el(p, main, "ul", "find-day"), a, z, 1);
}

/* index/users-K.html: the users of page k with their calls. */
static void fill_users_page(struct page *p, uint32_t k)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	uint32_t a = x->upage_first[k], z = x->upage_first[k + 1];
	uint32_t links = x->user_first[z] - x->user_first[a];
	xmlNodePtr main;
	char b[300];

	users_label(p, k);
	snprintf(b, sizeof b, "%s %.*s", z - a == 1 ? "User" : "Users",
		 (int)(p->tblen > 240 ? utf8_cut(p->tb, 240) : p->tblen), p->tb);
	if (!(main = index_page_open(p, b, 1))) {
		p->oom = 1;
		return;
	}
	snprintf(b, sizeof b, "%" PRIu32 " user%s, sorted by ID, with their %" PRIu32 " call%s "
		 "(a call of several of them is counted for each). Times in %s; each call "
		 "links to its page, or to its line in the list by day.", z - a,
		 z - a == 1 ? "" : "s", links, links == 1 ? "" : "s",
		 r->tz ? tz_name(r->tz) : "UTC");
	add_el_text(p, main, "p", "note", b);
	page_nav(p, main, k, x->nupages, "users");
	fill_user_rows(p, add_el(p, main, "ul", "find-users"), a, z, 1);
}

/* calls.html's list of day pages: each day with its count, and its pages
 * linked by the times of their first and last calls. */
static void hub_days(struct page *p, xmlNodePtr main)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	xmlNodePtr ul, li, a;
	char b[160];

	add_el_text(p, main, "h2", NULL, "Every call, by day");
	snprintf(b, sizeof b, "Times in %s. A day of more than %d calls is on several pages, "
		 "each named by the start times of its first and last calls.",
		 r->tz ? tz_name(r->tz) : "UTC", REPORT_INDEX_PAGE_CALLS);
	add_el_text(p, main, "p", "note", b);
	ul = add_el(p, main, "ul", "index-days");
	for (uint32_t d = 0; d < x->ndays; d++) {
		uint32_t n = x->day_first[d + 1] - x->day_first[d];

		li = add_el(p, ul, "li", NULL);
		snprintf(b, sizeof b, "%s: %" PRIu32 " call%s", x->days[d], n, n == 1 ? "" : "s");
		for (uint32_t k = x->dday_first[d]; k < x->dday_first[d + 1]; k++) {
			uint32_t c0 = x->dpage_first[k], c1 = x->dpage_first[k + 1] - 1;

			add_text(p, li, k == x->dday_first[d] ? b : "");
			add_text(p, li, k == x->dday_first[d] ? " · " : ", ");
			a = add_el(p, li, "a", NULL);
			call_time(r, c0, b, sizeof b);
			add_time(p, a, r->m->calls[c0].start_ms, TZF_TIME, b);
			if (c1 > c0) {
				add_text(p, a, " to ");
				call_time(r, c1, b, sizeof b);
				add_time(p, a, r->m->calls[c1].start_ms, TZF_TIME, b);
			}
			snprintf(b, sizeof b, "index/day-%" PRIu32 ".html", k + 1);
			set_attr(p, a, "href", b);
			snprintf(b, sizeof b, " (%" PRIu32 ")", c1 - c0 + 1);
			add_text(p, li, b);
		}
	}
}

/* calls.html's list of users' pages: each named by its first and last
 * user ID, with its counts. */
static void hub_users(struct page *p, xmlNodePtr main)
{
	const struct call_index *x = p->r->index;
	xmlNodePtr ul, li, a;
	char b[200];

	snprintf(b, sizeof b, "Every user (%" PRIu32 "), with their calls", x->nusers);
	add_el_text(p, main, "h2", NULL, b);
	snprintf(b, sizeof b, "Sorted by ID (byte order). A call is listed under each of its "
		 "users; a page holds whole users and at most %d such listings (a user with more "
		 "has a page alone).",
		 REPORT_INDEX_PAGE_LINKS);
	add_el_text(p, main, "p", "note", b);
	ul = add_el(p, main, "ul", "index-users");
	for (uint32_t k = 0; k < x->nupages; k++) {
		uint32_t a0 = x->upage_first[k], a1 = x->upage_first[k + 1];
		uint32_t links = x->user_first[a1] - x->user_first[a0];

		li = add_el(p, ul, "li", NULL);
		a = add_el(p, li, "a", NULL);
		users_label(p, k);
		tb_flush(p, a);
		snprintf(b, sizeof b, "index/users-%" PRIu32 ".html", k + 1);
		set_attr(p, a, "href", b);
		snprintf(b, sizeof b, " (%" PRIu32 " user%s, %" PRIu32 " call listing%s)", a1 - a0,
			 a1 - a0 == 1 ? "" : "s", links, links == 1 ? "" : "s");
		add_text(p, li, b);
	}
}

/* calls.html: the days and the users' pages, linked. */
static void fill_hub(struct page *p)
{
	const struct report *r = p->r;
	const struct call_index *x = r->index;
	xmlNodePtr main = index_page_open(p, "Call index", 0);
	char b[300];

	if (!main) {
		p->oom = 1;
		return;
	}
	if (r->m->ncalls == 0 || !x) {
		empty_note(p, main, "No calls.");
		return;
	}
	snprintf(b, sizeof b, "%" PRIu32 " calls on %" PRIu32 " pages that need no script: by "
		 "day, and by user. The overview (index.html) has a search box over the same "
		 "calls.", r->m->ncalls, x->ndpages + x->nupages);
	add_el_text(p, main, "p", "note", b);
	if (r->npages != r->m->ncalls) {
		snprintf(b, sizeof b, "%" PRIu32 " of %" PRIu32 " calls have a page of their own "
			 "(--pages); the others are listed without a link.", r->npages,
			 r->m->ncalls);
		add_el_text(p, main, "p", "note pages", b);
	}
	hub_days(p, main);
	hub_users(p, main);
}

int build_index_page(struct render *rd, const struct report *r, const struct catalog *cat,
		     uint32_t k, struct page *p, char *name, size_t n)
{
	const struct call_index *x = r->index;
	int rc = page_init(p, rd->overview, r, cat, 0);

	if (rc != RR_OK)
		return rc;
	if (k == 0) {
		snprintf(name, n, "calls.html");
		fill_hub(p);
	} else if (k <= x->ndpages) {
		snprintf(name, n, "index/day-%" PRIu32 ".html", k);
		fill_day_page(p, k - 1);
	} else {
		snprintf(name, n, "index/users-%" PRIu32 ".html", k - x->ndpages);
		fill_users_page(p, k - 1 - x->ndpages);
	}
	return p->oom ? RR_ENOMEM : RR_OK;
}
