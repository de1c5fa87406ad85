/*
 * render_context — what went with the problem exits, the headline's trend
 * over several baselines, and the top lists with their rates per 1000
 * sessions (with a baseline, last run's and the change): the overview's
 * parts of issue 16 items 3 and 5. Maps the report model (report_context.c,
 * report_lists.c, report_set_trend) to nodes; computes nothing but
 * coordinates and words.
 * Does not: count, compare or decide what is said (report_context.c
 * decides where a rise is), touch libxml2's structs, write files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

static const char *const exit_title[CX__COUNT] = { "Timeouts", "Kicks", "Entry failures" };
static const char *const exit_noun[CX__COUNT] = { "timeouts", "kicks", "entry failures" };
static const char *const kind_label[CK__COUNT] = {
	"Network loss", "Network change", "App in the background", "Device or permission failure",
	"Abnormal experience (sampled)", "Network loss or change", "Any of these" };

/* "12.3 % (80 of 650)". */
static void share_text(int64_t pm, uint32_t with, uint32_t of, char *b, size_t n)
{
	char s[32];

	fmt_pm(pm, s, sizeof s);
	snprintf(b, n, "%s (%" PRIu32 " of %" PRIu32 ")", s, with, of);
}

/* One cell: this run's share and, with a baseline, the earlier one. */
static void share_cell(struct page *p, xmlNodePtr tr, const struct context_row *c, int k)
{
	uint32_t with = k < 0 ? c->none : c->with[k], pw = k < 0 ? c->prev_none : c->prev_with[k];
	int64_t pm = k < 0 ? c->none_pm : c->share_pm[k];
	int64_t ppm = k < 0 ? c->prev_none_pm : c->prev_share_pm[k];
	xmlNodePtr td;
	char b[96], s[80];

	share_text(pm, with, c->sessions, b, sizeof b);
	td = td_text(p, tr, b, "num");
	if (!p->r->has_baseline)
		return;
	add_text(p, td, " ");   /* the span is a line of its own; its text a word apart */
	if (!c->has_previous) {
		add_el_text(p, td, "span", "was", "baseline: not given");
		return;
	}
	share_text(ppm, pw, c->prev_sessions, s, sizeof s);
	snprintf(b, sizeof b, "was %s", s);
	add_el_text(p, td, "span", "was", b);
}

/* "rose 5 → 6", "fell 5 → 3", "stayed at 5" (per 1000 sessions). */
static void moved_text(int64_t before, int64_t after, char *b, size_t n)
{
	if (after == before)
		snprintf(b, n, "stayed at %" PRId64, after);
	else
		snprintf(b, n, "%s %" PRId64 " → %" PRId64, after > before ? "rose" : "fell", before,
			 after);
}

/* "94 % of the rise", or "more than the whole rise" past 100 %. */
static void part_text(int64_t pm, char *b, size_t n)
{
	if (pm > 1000)
		snprintf(b, n, "more than the whole rise");
	else
		snprintf(b, n, "%" PRId64 " %% of the rise", (pm + 5) / 10);
}

/* The sentence on where the rise of exit e is (report_compare_context). */
static void rise_sentence(struct page *p, xmlNodePtr n, int e)
{
	const struct context_row *c = &p->r->context[e];
	const struct headline *h = &p->r->headline[report_cx_exit_headline(e)];
	const char *x = exit_noun[e];
	char b[640], part[48], other[64];

	if (c->rise == CXR_WITHOUT) {
		part_text(c->rise_without_pm, part, sizeof part);
		moved_text(c->prev_net_pm[1], c->net_pm[1], other, sizeof other);
		snprintf(b, sizeof b, "%s per 1000 sessions rose %" PRId64 " → %" PRId64 ". The "
			 "rise is in %s without a network loss or change before them: %" PRId64
			 " → %" PRId64 " per 1000 sessions (%s); %s preceded by one %s.",
			 exit_title[e], h->previous, h->value, x, c->prev_net_pm[0], c->net_pm[0],
			 part, x, other);
	} else if (c->rise == CXR_WITH) {
		part_text(1000 - c->rise_without_pm, part, sizeof part);
		moved_text(c->prev_net_pm[0], c->net_pm[0], other, sizeof other);
		snprintf(b, sizeof b, "%s per 1000 sessions rose %" PRId64 " → %" PRId64 ". The "
			 "rise is in %s preceded by a network loss or change: %" PRId64 " → %" PRId64
			 " per 1000 sessions (%s); %s without one %s.", exit_title[e], h->previous,
			 h->value, x, c->prev_net_pm[1], c->net_pm[1], part, x, other);
	} else if (c->rise == CXR_BOTH) {
		part_text(c->rise_without_pm, part, sizeof part);
		snprintf(b, sizeof b, "%s per 1000 sessions rose %" PRId64 " → %" PRId64 ", both "
			 "in %s without a network loss or change before them (%" PRId64 " → %"
			 PRId64 " per 1000 sessions, %s) and in %s preceded by one (%" PRId64 " → %"
			 PRId64 ").", exit_title[e], h->previous, h->value, x, c->prev_net_pm[0],
			 c->net_pm[0], part, x, c->prev_net_pm[1], c->net_pm[1]);
	} else {
		return;
	}
	add_el_text(p, n, "p", "context-rise", b);
}

void fill_context(struct page *p, xmlNodePtr n)
{
	static const struct col cols[] = {
		{ "Seen before the exit", 0 }, { "Timeouts", 1 }, { "Kicks", 1 },
		{ "Entry failures", 1 } };
	static const int kinds[] = { CK_NET_LOSS, CK_NET_CHANGE, CK_NETWORK, CK_BACKGROUND,
				     CK_DEVICE, CK_EXPERIENCE, -1 };
	const struct report *r = p->r;
	xmlNodePtr h, tb, tr, th;

	if (!n)
		return;
	h = add_el_text(p, n, "h3", NULL, "What went with timeouts, kicks and entry failures");
	set_attr(p, h, "id", "context");
	add_el_text(p, n, "p", "note", "Of the sessions with each exit, the share whose own "
		    "events showed a circumstance in the minute before the exit (for a timeout, "
		    "which TRTC logs about 90 s late: the minute before the user was last seen, "
		    "through the timeout), or whose user had an abnormal experience in that call "
		    "counted in a minute starting in that window. These were seen before the exit; "
		    "the data does not say they caused it. A session can have several.");
	tb = add_table(p, n, "context", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		tr = add_el(p, tb, "tr", kinds[i] < 0 ? "none" : NULL);
		th = add_el(p, tr, "th", NULL);
		set_attr(p, th, "scope", "row");
		add_text(p, th, kinds[i] < 0 ? "None of these" : kind_label[kinds[i]]);
		for (int e = 0; e < CX__COUNT; e++)
			share_cell(p, tr, &r->context[e], kinds[i]);
	}
	for (int e = 0; e < CX__COUNT; e++)
		rise_sentence(p, n, e);
}

/* ------------------------------------------------------------ the trend */

enum { SP_W = 96, SP_H = 24, SP_PAD = 3, SP_MAX = 64 };

/* Figure i's value in run k of the trend (k == ntrend: this report). */
static int64_t trend_at(const struct report *r, int i, size_t k)
{
	return k < r->ntrend ? r->trend[k].value[i] : r->headline[i].value;
}

/* The trend cell of headline figure i: a sparkline over the baselines,
 * oldest first, and this report last (filled; the others hollow), from 0
 * to the largest value, with the values in its title and label. */
void fill_trend_cell(struct page *p, xmlNodePtr tr, int i, enum unit u)
{
	const struct report *r = p->r;
	size_t n = r->ntrend + 1 < SP_MAX ? r->ntrend + 1 : SP_MAX, np = 0;
	int64_t max = 0;
	xmlNodePtr td = add_el(p, tr, "td", "trend-cell"), svg, e;
	char text[4096], v[48], pts[SP_MAX * 50], *q = pts;
	double cx[SP_MAX], cy[SP_MAX];
	uint8_t have[SP_MAX];
	size_t len;

	len = (size_t)snprintf(text, sizeof text, "%s, oldest first: ", r->headline[i].label);
	for (size_t k = 0; k < n; k++) {
		int64_t x = trend_at(r, i, k);

		if (x != RR_NONE && x > max)
			max = x;
		fmt_value(u, x, v, sizeof v);
		if (len < sizeof text)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s%s (%s%s%s)",
						k ? ", " : "", v,
						k < r->ntrend ? r->trend[k].first : "this report",
						k < r->ntrend && r->trend[k].first[0] ? " to " : "",
						k < r->ntrend ? r->trend[k].last : "");
	}
	for (size_t k = 0; k < n; k++) {
		int64_t x = trend_at(r, i, k);

		have[k] = x != RR_NONE;
		cx[k] = SP_PAD + (double)(SP_W - 2 * SP_PAD) * (double)k / (double)(n > 1 ? n - 1 : 1);
		cy[k] = SP_H - SP_PAD - (max > 0 && have[k]
			? (double)(SP_H - 2 * SP_PAD) * (double)x / (double)max : 0);
		if (!have[k])
			continue;
		q = put_coord(q, cx[k]);
		*q++ = ',';
		q = put_coord(q, cy[k]);
		*q++ = ' ';
		np++;
	}
	svg = add_el(p, td, "svg", "spark");
	set_attr(p, svg, "viewBox", "0 0 96 24");
	set_attr(p, svg, "role", "img");
	set_attr(p, svg, "aria-label", text);
	add_el_text(p, svg, "title", NULL, text);
	if (np > 1) {
		q[-1] = '\0';
		e = add_el(p, svg, "polyline", "line");
		set_attr(p, e, "points", pts);
	}
	for (size_t k = 0; k < n; k++) {
		if (!have[k])
			continue;
		e = add_el(p, svg, "circle", k + 1 == n ? "pt now" : "pt");
		coord_attr(p, e, "cx", cx[k]);
		coord_attr(p, e, "cy", cy[k]);
		set_attr(p, e, "r", k + 1 == n ? "2.5" : "2");
	}
}

/* ------------------------------------------------------------ top lists */

/* "4.2" per 1000 sessions as a whole number; with a baseline "was 3, ▲ +1"
 * or "not in its top 10". */
static void rate_cell(struct page *p, xmlNodePtr tr, int64_t now, int64_t prev, int64_t change)
{
	xmlNodePtr td;
	char b[64];

	fmt_value(U_PER1000, now, b, sizeof b);
	td = td_text(p, tr, b, "num");
	if (!p->r->has_baseline)
		return;
	add_text(p, td, " ");
	if (prev == RR_NONE) {
		add_el_text(p, td, "span", "was", "not in the baseline's lists");
		return;
	}
	snprintf(b, sizeof b, "was %" PRId64 ", %s%+" PRId64, prev,
		 change > 0 ? "▲ " : change < 0 ? "▼ " : "= ", change);
	if (change == 0)
		snprintf(b, sizeof b, "was %" PRId64 ", = 0", prev);
	add_el_text(p, td, "span", "was", b);
}

void fill_top_list(struct page *p, xmlNodePtr parent, const struct top_item *t, size_t n,
		   int causes, int by_users)
{
	static const struct col cols[] = {
		{ "Event", 0 }, { "Severity", 0 }, { "ID", 0 }, { "Rows", 1 }, { "Users", 1 },
		{ "Per 1000 sessions", 1 } };
	struct col c[6];
	xmlNodePtr tb, tr;

	if (n == 0) {
		empty_note(p, parent, causes ? "No causes." : "No problem events.");
		return;
	}
	memcpy(c, cols, sizeof c);
	c[5].name = by_users ? "Users per 1000 sessions" : "Rows per 1000 sessions";
	tb = add_table(p, parent, "top", c, 6);
	for (size_t i = 0; i < n; i++) {
		tr = add_el(p, tb, "tr", sev_class(t[i].severity));
		td_text(p, tr, t[i].label, NULL);
		badge(p, add_el(p, tr, "td", NULL), t[i].severity);
		td_text(p, tr, t[i].raw, "raw");
		td_u64(p, tr, t[i].count);
		td_u64(p, tr, t[i].users);
		if (by_users)
			rate_cell(p, tr, t[i].users_pm, t[i].prev_users_pm, t[i].users_pm_change);
		else
			rate_cell(p, tr, t[i].count_pm, t[i].prev_count_pm, t[i].count_pm_change);
	}
	if (p->r->has_baseline)
		add_el_text(p, parent, "p", "note", "Under each rate: the baseline's, from its own "
			    "top lists and sessions (it lists only its top 10 of each).");
}
