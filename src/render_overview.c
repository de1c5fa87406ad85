/*
 * render_overview — the overview page's content (index.html, or the top of
 * the single file): title, totals, entry, exits and their bar, the latency
 * and duration histograms, abnormal experiences (with those of rooms
 * without events), top events and causes, worst calls, problem users, the
 * list of all calls, the breakdown tables (by platform, network, device,
 * SDK version), the input summary and the data-quality section. The
 * headline figures, trend charts and day table are render_weekly.c's.
 * Does not: compute figures (report.c), touch libxml2's structs, write
 * files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "report_index.h"
#include "util.h"

/* The page's scope: its zone, when SOURCE_DATE_EPOCH gave one the
 * generation time, and the filters applied. */
static void fill_generated(struct page *p, xmlNodePtr root)
{
	xmlNodePtr n = slot(p, root, "generated");

	if (!n)
		return;
	add_text(p, n, "Times in ");
	add_zone_name(p, n);
	if (p->r->generated_ms != RR_NONE && p->r->tz) {
		add_text(p, n, ". Generated ");
		add_time(p, n, p->r->generated_ms, TZF_DATETIME, NULL);
	}
	add_filters_note(p, n, ". ");
	add_text(p, n, ".");
}

/* ------------------------------------------------------------- overview */
/* Link target of call i: its page in a multi-page report, its section in a
 * single file. Only for calls with a page. */
static void call_href(const struct page *p, uint32_t i, char *b, size_t n)
{
	if (p->single)
		snprintf(b, n, "#call-%" PRIu32, i + 1);
	else
		snprintf(b, n, "%s", p->r->call_file[i]);
}

/* The user IDs of call i, each linked to their calls, at most 8 of them
 * ("and N more"). */
static void call_user_links(struct page *p, xmlNodePtr td, uint32_t i)
{
	const struct call_index *x = p->r->index;
	uint32_t first, n;
	char b[48];

	if (!x)
		return;
	first = x->call_first[i];
	n = x->call_first[i + 1] - first;
	for (uint32_t k = 0; k < n && k < 8; k++) {
		if (k)
			add_text(p, td, ", ");
		add_user_link(p, td, x->users[x->call_users[first + k]], 0);
	}
	if (n > 8) {
		snprintf(b, sizeof b, " and %" PRIu32 " more", n - 8);
		add_text(p, td, b);
	}
}

/* Rows for calls idx[0..n) (or calls 0..n when idx is NULL); the room links
 * to the call's page when it has one, else it is plain text. */
static void fill_calls_table(struct page *p, xmlNodePtr parent, const uint32_t *idx, size_t n)
{
	static const struct col cols[] = {
		{ "Room", 0 }, { "CommId", 0 }, { "Start", 0 }, { "Users", 1 }, { "Sessions", 1 },
		{ "Errors", 1 }, { "Warnings", 1 }, { "Timeouts", 1 }, { "Kicked", 1 },
		{ "Entry failed", 1 }, { "User IDs", 0 } };
	/* The same with the app, for calls of several apps. */
	static const struct col app_cols[] = {
		{ "Room", 0 }, { "SdkAppId", 0 }, { "CommId", 0 }, { "Start", 0 },
		{ "Users", 1 }, { "Sessions", 1 }, { "Errors", 1 }, { "Warnings", 1 },
		{ "Timeouts", 1 }, { "Kicked", 1 }, { "Entry failed", 1 }, { "User IDs", 0 } };
	const struct model *m = p->r->m;
	const struct strtab *st = p->r->ds->strs;
	int apps = p->r->several_apps;
	xmlNodePtr tb, tr, td, a;
	char b[64];

	tb = apps ? add_table(p, parent, "calls", app_cols, sizeof app_cols / sizeof app_cols[0])
		  : add_table(p, parent, "calls", cols, sizeof cols / sizeof cols[0]);
	for (size_t k = 0; k < n; k++) {
		uint32_t i = idx ? idx[k] : (uint32_t)k;
		const struct call *c = &m->calls[i];

		tr = add_el(p, tb, "tr", NULL);
		td = add_el(p, tr, "td", "id");
		if (has_page(p->r, i)) {
			a = add_el(p, td, "a", NULL);
			call_href(p, i, b, sizeof b);
			set_attr(p, a, "href", b);
			add_text(p, a, dataset_room_name(st, c->room, NULL));
		} else {
			add_text(p, td, dataset_room_name(st, c->room, NULL));
		}
		if (apps) {
			size_t an;
			const char *app = dataset_room_app(st, c->room, &an);

			td = add_el(p, tr, "td", "id");
			if (app)
				add_text_n(p, td, app, an);
			else
				add_text(p, td, "—");
		}
		td_text(p, tr, strtab_str(st, c->comm), "id");
		/* The call list has no formatted start in the model; the zone's
		 * formatter is the one callview uses. Every start carries its
		 * zone's name for its offset ("10:00:05 CST"), so a time copied
		 * from the page says which zone it is in. */
		tz_format(p->r->tz, c->start_ms, TZF_DATETIME, b, sizeof b);
		{
			size_t nb = strlen(b);

			b[nb++] = ' ';
			tz_abbr(p->r->tz, c->start_ms, b + nb, sizeof b - nb);
		}
		add_time(p, add_el(p, tr, "td", NULL), c->start_ms, TZF_DATETIME, b);
		td_u64(p, tr, c->users);
		td_u64(p, tr, c->nsessions);
		td_u64(p, tr, c->findings[SEV_ERROR]);
		td_u64(p, tr, c->findings[SEV_WARNING]);
		td_u64(p, tr, c->exits[EXIT_TIMEOUT]);
		td_u64(p, tr, c->exits[EXIT_KICKED]);
		td_u64(p, tr, c->exits[EXIT_ENTRY_FAILED]);
		call_user_links(p, add_el(p, tr, "td", "id users"), i);
	}
}

static void fill_top(struct page *p, xmlNodePtr parent, const struct top_item *t, size_t n,
		     int causes)
{
	/* render_context.c: with the rates per 1000 sessions and the baseline's. */
	fill_top_list(p, parent, t, n, causes, t && (t == p->r->top_events_by_users ||
						     t == p->r->top_causes_by_users));
}

static void fill_input(struct page *p, xmlNodePtr root)
{
	const struct report *r = p->r;
	const struct input_counts *ic = &r->ds->counts;
	xmlNodePtr n = slot(p, root, "input"), dl, ul;

	dl = add_el(p, n, "dl", "facts");
	ul = add_el(p, add_fact(p, dl, "Files"), "ul", "files");
	for (size_t i = 0; i < r->ds->nfiles; i++)
		add_el_text(p, ul, "li", NULL, r->ds->files[i]);
	fact_u64(p, dl, "Rows read", ic->rows);
	fact_u64(p, dl, "Used", ic->used);
	fact_u64(p, dl, "Filtered out", ic->filtered);
	fact_u64(p, dl, "Rejected", ic->rejected);
	fact_u64(p, dl, "Duplicates", ic->duplicates);
	fact_u64(p, dl, "Companion rows matching no call", ic->unmatched);
	fact_u64(p, dl, "Event rows", ic->events);
	fact_u64(p, dl, "Abnormal-experience rows", ic->abnormal);
	/* Used companion rows, for each kind of companion file given: with
	 * them the kinds add up to Used. */
	if (r->ds->companion_files[COMPANION_USERS])
		fact_u64(p, dl, "Users-file rows", ic->users);
	if (r->ds->companion_files[COMPANION_ROOMS])
		fact_u64(p, dl, "Rooms-file rows", ic->rooms);
	if (r->ds->companion_files[COMPANION_QUALITY])
		fact_u64(p, dl, "Quality samples", ic->quality);
	fact_u64(p, dl, "Rows with unknown IDs", r->dec ? r->dec->unknown_rows : 0);
}

/* Companion rows (users, rooms, quality) that match no call: per kind, how
 * many and the first of them by file:line (a quality series by its IDs). */
static void fill_unmatched(struct page *p, xmlNodePtr n)
{
	static const char *const what[COMPANION__KINDS] = {
		"users-file row", "rooms-file row", "quality sample" };
	static const char *const why[COMPANION__KINDS] = {
		"no session of their user is in the call they name (or, without a CommId, "
		"in their room at their times)",
		"no call of the events has their RoomId and CommId, and no call of their "
		"room without a CommId lies within the room's lifetime they give",
		"they lie in no call of the events (by CommId, or within a minute of a "
		"session of their user)" };
	const struct dataset *ds = p->r->ds;
	const struct strtab *st = ds->strs;
	xmlNodePtr ul, li, ex;
	char b[160];
	int files = 0;

	for (int k = 0; k < COMPANION__KINDS; k++)
		files += ds->companion_files[k] != 0;
	if (!files)
		return;
	add_el_text(p, n, "h3", NULL, "Companion rows that match no call");
	if (ds->counts.unmatched == 0) {
		empty_note(p, n, "Every users, rooms and quality row given matches a call.");
		return;
	}
	ul = add_el(p, n, "ul", "unmatched");
	for (int k = 0; k < COMPANION__KINDS; k++) {
		uint64_t rows = ds->unmatched.rows[k];

		if (!rows)
			continue;
		li = add_el(p, ul, "li", NULL);
		set_attr(p, li, "data-kind", k == COMPANION_USERS ? "users" : k == COMPANION_ROOMS
			 ? "rooms" : "quality");
		snprintf(b, sizeof b, "%" PRIu64 " %s%s match%s no call: ", rows, what[k],
			 rows == 1 ? "" : "s", rows == 1 ? "es" : "");
		add_text(p, li, b);
		add_text(p, li, why[k]);
		add_text(p, li, ". Counted as unmatched and shown nowhere else. First:");
		ex = add_el(p, li, "ul", "examples");
		for (uint32_t i = 0; i < ds->unmatched.nex[k]; i++) {
			const struct unmatched_example *x = &ds->unmatched.ex[k][i];
			xmlNodePtr e = add_el(p, ex, "li", "id");

			add_text(p, e, x->file < ds->nfiles ? ds->files[x->file] : "");
			if (x->line) {
				snprintf(b, sizeof b, ":%" PRIu32, x->line);
				add_text(p, e, b);
			}
			add_text(p, e, ": room ");
			add_text(p, e, x->room ? dataset_room_name(st, x->room, NULL) : "(none)");
			if (x->comm) {
				add_text(p, e, ", CommId ");
				add_text(p, e, strtab_str(st, x->comm));
			}
			if (x->user) {
				add_text(p, e, ", user ");
				add_text(p, e, strtab_str(st, x->user));
			}
			if (k == COMPANION_QUALITY) {
				add_text(p, e, ", ");
				add_text(p, e, x->metric < ds->nmetrics
					 ? strtab_str(st, ds->metrics[x->metric]) : "");
				snprintf(b, sizeof b, ": %" PRIu64 " sample%s", x->rows,
					 x->rows == 1 ? "" : "s");
				add_text(p, e, b);
			}
		}
	}
}

/* Input files whose gzip stream was cut short (diag.h): each with where
 * and how many rows were read before the cut. Nothing when none was. */
static void fill_cuts(struct page *p, xmlNodePtr n)
{
	const struct dataset *ds = p->r->ds;
	const struct diag *d = &ds->diag;
	xmlNodePtr ul, li;
	char b[200];

	if (!d->ncut)
		return;
	add_el_text(p, n, "h3", NULL, "Truncated files");
	ul = add_el(p, n, "ul", "truncated");
	for (size_t i = 0; i < d->nfiles && i < ds->nfiles; i++) {
		const struct diag_file *f = &d->files[i];
		uint64_t whole = f->rows - (f->cut_row != 0);

		if (!f->cut)
			continue;
		li = add_el(p, ul, "li", NULL);
		add_el_text(p, li, "span", "id", ds->files[i]);
		if (f->cut_at != UINT64_MAX)
			snprintf(b, sizeof b, ": truncated gzip stream, cut at byte %" PRIu64 ".",
				 f->cut_at);
		else
			snprintf(b, sizeof b, ": truncated gzip stream.");
		add_text(p, li, b);
		snprintf(b, sizeof b, " The %" PRIu64 " complete row%s before the cut %s read%s; "
			 "the rest of the file is missing.", whole, whole == 1 ? "" : "s",
			 whole == 1 ? "is" : "are", f->cut_row ? " (the row cut off is rejected)" : "");
		add_text(p, li, b);
	}
}

static void fill_quality(struct page *p, xmlNodePtr root)
{
	static const struct col rcols[] = {
		{ "Reason", 0 }, { "Code", 0 }, { "Rows", 1 }, { "First examples", 0 } };
	static const struct col ucols[] = {
		{ "Table", 0 }, { "ID", 1 }, { "ParamOne", 1 }, { "ParamTwo", 1 }, { "Shown as", 0 },
		{ "Rows", 1 } };
	const struct diag *d = &p->r->ds->diag;
	const struct decode_stats *dec = p->r->dec;
	xmlNodePtr n = slot(p, root, "quality"), tb, tr, ul, li;
	char b[200];
	int any = 0;

	fill_cuts(p, n);
	add_el_text(p, n, "h3", NULL, "Rejected rows");
	for (int k = 0; k < REJ__COUNT; k++)
		any |= d->count[k] != 0;
	if (!any) {
		empty_note(p, n, "No rejected rows.");
	} else {
		tb = add_table(p, n, "rejected", rcols, sizeof rcols / sizeof rcols[0]);
		for (int k = 0; k < REJ__COUNT; k++) {
			if (!d->count[k])
				continue;
			tr = add_el(p, tb, "tr", NULL);
			td_text(p, tr, diag_reason_text((enum diag_reason)k), NULL);
			td_text(p, tr, diag_reason_code((enum diag_reason)k), "raw");
			td_u64(p, tr, d->count[k]);
			ul = add_el(p, add_el(p, tr, "td", "id"), "ul", "examples");
			for (size_t i = 0; i < d->nkept; i++) {
				if (d->kept[i].reason != (enum diag_reason)k)
					continue;
				li = add_el(p, ul, "li", NULL);
				add_text(p, li, d->kept[i].file);
				snprintf(b, sizeof b, ":%" PRIu64 ": ", d->kept[i].line);
				add_text(p, li, b);
				add_text(p, li, d->kept[i].detail);
			}
		}
	}

	add_el_text(p, n, "h3", NULL, "Unknown IDs");
	if (!dec || dec->nunknown == 0) {
		empty_note(p, n, "Every ID was found in the catalog.");
	} else {
		tb = add_table(p, n, "unknown", ucols, sizeof ucols / sizeof ucols[0]);
		for (size_t i = 0; i < dec->nunknown; i++) {
			const struct unknown_id *u = &dec->unknown[i];

			tr = add_el(p, tb, "tr", "sev-warning");
			td_text(p, tr, cat_table_name(u->table), NULL);
			snprintf(b, sizeof b, "%" PRId32, u->id);
			td_text(p, tr, b, "num");
			snprintf(b, sizeof b, "%" PRId32, u->p1);
			td_text(p, tr, b, "num");
			snprintf(b, sizeof b, "%" PRId32, u->p2);
			td_text(p, tr, b, "num");
			catalog_format(NULL, u->table, u->id, u->p1, u->p2, b, sizeof b);
			td_text(p, tr, b, NULL);
			td_u64(p, tr, u->count);
		}
	}

	fill_unmatched(p, n);

	if (d->nnotes) {
		add_el_text(p, n, "h3", NULL, "Notes");
		ul = add_el(p, n, "ul", "notes");
		for (size_t i = 0; i < d->nnotes; i++)
			add_el_text(p, ul, "li", NULL, d->notes[i]);
	}
}

/* The unit a breakdown figure is shown in (the headline's). */
static enum unit bd_unit(enum bd_figure f)
{
	if (f == BF_ENTRY_SUCCESS_PM || f == BF_ENTRY_FAST_PM)
		return U_PM;
	if (f >= BF_ENTRY_LATENCY_P50)
		return U_MS;
	return U_PER1000;
}

/* A change in the figure's unit, signed: "+1.2 pts", "+35", "+2.0 s". */
static void bd_fmt_change(enum bd_figure f, int64_t v, char *b, size_t n)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	const char *sign = v < 0 ? "-" : v > 0 ? "+" : "";
	char t[40];

	switch (bd_unit(f)) {
	case U_PM:
		snprintf(b, n, "%s%" PRIu64 ".%" PRIu64 " pts", sign, a / 10, a % 10);
		break;
	case U_MS:
		fmt_duration((int64_t)a, t, sizeof t);
		snprintf(b, n, "%s%.40s", sign, t);
		break;
	default:
		snprintf(b, n, "%s%" PRIu64, sign, a);
		break;
	}
}

/* One figure's cell: the value; with a baseline, under it "was X, ▲ +Y"
 * and a "▲ regression" badge when marked. */
static void bd_cell(struct page *p, xmlNodePtr tr, const struct breakdown *b, enum bd_figure f)
{
	xmlNodePtr td = add_el(p, tr, "td", "num");
	char v[48], c[64], t[128];

	fmt_value(bd_unit(f), b->value[f], v, sizeof v);
	add_text(p, td, v);
	if (!p->r->has_baseline || b->previous[f] == RR_NONE)
		return;
	fmt_value(bd_unit(f), b->previous[f], v, sizeof v);
	if (b->change[f] == RR_NONE) {
		snprintf(t, sizeof t, "was %s", v);
	} else {
		bd_fmt_change(f, b->change[f], c, sizeof c);
		snprintf(t, sizeof t, "was %s, %s %s", v,
			 b->change[f] > 0 ? "▲" : b->change[f] < 0 ? "▼" : "=", c);
	}
	add_text(p, td, " ");
	add_el_text(p, td, "span", "was", t);
	if (b->regression[f]) {
		add_text(p, td, " ");
		add_el_text(p, td, "span", "badge regression", "regression");
	}
}

static void fill_breakdown(struct page *p, xmlNodePtr parent, const char *heading,
			   const char *key, enum bd_dim d, const struct breakdown *b, size_t n)
{
	const struct col cols[] = {
		{ key, 0 }, { "Users", 1 }, { "Sessions", 1 }, { "Entry success", 1 },
		{ "Entered within 5 s", 1 }, { "Timeouts /1000", 1 }, { "Kicks /1000", 1 },
		{ "Entry failures /1000", 1 }, { "No exit /1000", 1 }, { "Entry latency p50", 1 },
		{ "Entry latency p95", 1 }, { "First frame p50", 1 } };
	xmlNodePtr div, tb, tr, td;
	char t[64];

	if (n == 0)
		return;
	div = add_el(p, parent, "div", "breakdown");
	add_el_text(p, div, "h3", NULL, heading);
	tb = add_table(p, div, "breakdown", cols, sizeof cols / sizeof cols[0]);
	/* The table scrolls sideways on a phone: its wrapper takes the focus
	 * so the keyboard can scroll it too, and is named for that. */
	set_attr(p, tb->parent->parent, "tabindex", "0");
	set_attr(p, tb->parent->parent, "role", "region");
	set_attr(p, tb->parent->parent, "aria-label", heading);
	for (size_t i = 0; i < n; i++) {
		tr = add_el(p, tb, "tr", NULL);
		snprintf(t, sizeof t, "bd-%s-%zu", report_bd_dim_key(d), i + 1);
		set_attr(p, tr, "id", t);
		td = td_text(p, tr, b[i].key, "id key");
		if (p->r->has_baseline && b[i].small)
			add_el_text(p, td, "span", "note small", " (small: never marked)");
		td_u64(p, tr, b[i].users);
		td_u64(p, tr, b[i].sessions);
		for (int f = 0; f < BF__COUNT; f++)
			bd_cell(p, tr, &b[i], (enum bd_figure)f);
	}
}

/* Breakdowns by platform, network type, device type and SDK version: each
 * table only when it has rows (a note when none has: the section stays, the
 * page's contents link to it). */
static void fill_breakdowns(struct page *p, xmlNodePtr root)
{
	const struct report *r = p->r;
	xmlNodePtr n = slot(p, root, "breakdowns"), pair;

	if (!n)                  /* optional slot */
		return;
	if (r->nby_platform + r->nby_device + r->nby_sdk + r->nby_network + r->nby_app == 0) {
		empty_note(p, n, "No sessions.");
		return;
	}
	if (r->has_baseline) {
		char b[700];

		snprintf(b, sizeof b, "Under each rate: its value in the baseline's row of the "
			 "same key and the change. A rate is marked “regression” when it is worse "
			 "by more than the threshold, as in the headline, and beyond chance: a "
			 "two-proportion test, p < 0.01, against the baseline's row. Latency and "
			 "first-frame percentiles are never marked on a row: there is no spread of "
			 "last week's row to test them against, so their change is shown only. "
			 "Rows with fewer than %d sessions in either report are small: shown, never "
			 "marked.", REPORT_BD_MIN_SESSIONS);
		add_el_text(p, n, "p", "note", b);
	}
	pair = add_el(p, n, "div", "breakdowns");
	fill_breakdown(p, pair, "By platform", "Platform", BDIM_PLATFORM, r->by_platform,
		       r->nby_platform);
	fill_breakdown(p, pair, "By network type", "Network", BDIM_NETWORK, r->by_network,
		       r->nby_network);
	fill_breakdown(p, pair, "By device type", "Device type", BDIM_DEVICE, r->by_device,
		       r->nby_device);
	fill_breakdown(p, pair, "By SDK version", "SDK version", BDIM_SDK, r->by_sdk, r->nby_sdk);
	fill_breakdown(p, pair, "By app", "SdkAppId", BDIM_APP, r->by_app, r->nby_app);
}

/* --------------------------------------------------------- distributions */

enum { HG_W = 480, HG_H = 170, HG_SIDE = 8, HG_TOP = 16, HG_BOTTOM = 22 };

/* A histogram as columns: the bin's label under each, its count on it, and
 * a <title>. what names the counted things ("sessions"). */
static void fill_histogram(struct page *p, xmlNodePtr parent, const char *heading,
			   const char *what, const struct histogram *h)
{
	uint32_t nb = h->nbins < REPORT_HIST_BINS ? h->nbins : REPORT_HIST_BINS, max = 0;
	double pw = HG_W - 2 * HG_SIDE, ph = HG_H - HG_TOP - HG_BOTTOM, slotw;
	xmlNodePtr fig, wrap, svg, g, e;
	char b[160];

	fig = add_el(p, parent, "figure", "hist");
	add_el_text(p, fig, "figcaption", NULL, heading);
	if (nb == 0 || h->total == 0) {
		empty_note(p, fig, "No values.");
		return;
	}
	for (uint32_t i = 0; i < nb; i++)
		if (h->count[i] > max)
			max = h->count[i];
	slotw = pw / nb;
	wrap = add_el(p, fig, "div", "svg-wrap");
	scroll_region(p, wrap, heading);
	svg = add_el(p, wrap, "svg", "hist");
	snprintf(b, sizeof b, "0 0 %d %d", HG_W, HG_H);
	set_attr(p, svg, "viewBox", b);
	set_attr(p, svg, "role", "img");
	snprintf(b, sizeof b, "%s: %" PRIu32 " %s", heading, h->total, what);
	add_el_text(p, svg, "title", NULL, b);
	e = add_el(p, svg, "line", "baseline");
	set_num(p, e, "x1", HG_SIDE);
	set_num(p, e, "x2", HG_W - HG_SIDE);
	set_num(p, e, "y1", HG_TOP + ph);
	set_num(p, e, "y2", HG_TOP + ph);
	for (uint32_t i = 0; i < nb; i++) {
		double x = HG_SIDE + i * slotw, bh = max ? ph * h->count[i] / max : 0;
		const char *label = h->label[i] ? h->label[i] : "";

		g = add_el(p, svg, "g", "bin");
		snprintf(b, sizeof b, "%s: %" PRIu32 " %s", label, h->count[i], what);
		svg_title(p, g, b);
		e = add_el(p, g, "rect", "bar");
		set_num(p, e, "x", x + slotw * 0.1);
		set_num(p, e, "y", HG_TOP + ph - bh);
		set_num(p, e, "width", slotw * 0.8);
		set_num(p, e, "height", bh);
		e = add_el(p, g, "text", "count");
		set_num(p, e, "x", x + slotw / 2);
		set_num(p, e, "y", HG_TOP + ph - bh - 3);
		add_u64(p, e, h->count[i]);
		e = add_el_text(p, g, "text", "bin-label", label);
		set_num(p, e, "x", x + slotw / 2);
		set_num(p, e, "y", HG_H - 7);
	}
}

/* Exits as one stacked bar, beside the table (which carries the numbers and
 * the colour key). */
static void fill_exit_bar(struct page *p, xmlNodePtr parent)
{
	const struct report *r = p->r;
	uint64_t total = 0, acc = 0;
	xmlNodePtr wrap, svg, e;
	char b[96];

	for (int k = 0; k < EXIT__COUNT; k++)
		total += r->exits[k];
	if (total == 0)
		return;
	wrap = add_el(p, parent, "div", "exit-bar");
	svg = add_el(p, wrap, "svg", "exit-bar");
	set_attr(p, svg, "viewBox", "0 0 1000 24");
	set_attr(p, svg, "preserveAspectRatio", "none");
	set_attr(p, svg, "role", "img");
	add_el_text(p, svg, "title", NULL, "Sessions by exit reason");
	for (int k = 0; k < EXIT__COUNT; k++) {
		double x0 = 1000.0 * (double)acc / (double)total, x1;

		if (!r->exits[k])
			continue;
		acc += r->exits[k];
		x1 = 1000.0 * (double)acc / (double)total;
		snprintf(b, sizeof b, "seg exit-%s", exit_reason_name((enum exit_reason)k));
		e = add_el(p, svg, "rect", b);
		set_num(p, e, "x", x0);
		set_num(p, e, "y", 0);
		set_num(p, e, "width", x1 - x0);
		set_num(p, e, "height", 24);
		snprintf(b, sizeof b, "%s: %" PRIu32 " sessions",
			 exit_reason_label((enum exit_reason)k), r->exits[k]);
		svg_title(p, e, b);
	}
}

static void fill_distributions(struct page *p, xmlNodePtr root)
{
	xmlNodePtr n = slot(p, root, "distributions"), pair;

	if (!n)                  /* optional slot */
		return;
	pair = add_el(p, n, "div", "pair");
	fill_histogram(p, add_el(p, pair, "div", NULL), "Entry latency", "sessions",
		       &p->r->latency_hist);
	fill_histogram(p, add_el(p, pair, "div", NULL), "Session duration", "sessions",
		       &p->r->duration_hist);
}

static void fill_problem_users(struct page *p, xmlNodePtr root)
{
	static const struct col cols[] = {
		{ "User", 0 }, { "Sessions", 1 }, { "Calls", 1 }, { "Errors", 1 },
		{ "Warnings", 1 }, { "Timeouts", 1 }, { "Kicked", 1 }, { "Entry failed", 1 } };
	const struct report *r = p->r;
	xmlNodePtr n = slot(p, root, "problem-users"), tb, tr;

	if (!n)                  /* optional slot */
		return;
	if (r->nproblem_users == 0) {
		empty_note(p, n, "No user has a warning or an error.");
		return;
	}
	tb = add_table(p, n, "problem-users", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < r->nproblem_users; i++) {
		const struct problem_user *u = &r->problem_users[i];

		tr = add_el(p, tb, "tr", u->errors ? "sev-error" : u->warnings ? "sev-warning" : NULL);
		add_user_link(p, add_el(p, tr, "td", "id"), u->user, 0);
		td_u64(p, tr, u->sessions);
		td_u64(p, tr, u->calls);
		td_u64(p, tr, u->errors);
		td_u64(p, tr, u->warnings);
		td_u64(p, tr, u->timeouts);
		td_u64(p, tr, u->kicks);
		td_u64(p, tr, u->entry_failed);
	}
}

/* Every call, found by room, user, CommId and time (render_index.c). */
static void fill_all_calls(struct page *p, xmlNodePtr root)
{
	fill_find(p, slot(p, root, "all-calls"));
}

/* Experiences of rooms whose events were not given: they have no call
 * page, so they are listed here with what they carry. */
static void fill_orphans(struct page *p, xmlNodePtr n)
{
	static const struct col cols[] = {
		{ "Time", 0 }, { "Room", 0 }, { "User", 0 }, { "Experience", 0 },
		{ "Possible causes", 0 } };
	const struct report *r = p->r;
	const struct model *m = r->m;
	const struct strtab *st = r->ds->strs;
	xmlNodePtr pp, tb, tr, ul;
	char b[200];

	if (r->norphan_total == 0)
		return;
	add_el_text(p, n, "h3", NULL, "In rooms without events");
	pp = add_el(p, n, "p", "orphans");
	snprintf(b, sizeof b, "%" PRIu32 " abnormal experience%s of %" PRIu32 " user%s in %"
		 PRIu32 " room%s", r->norphan_total, r->norphan_total == 1 ? "" : "s",
		 r->orphan_users, r->orphan_users == 1 ? "" : "s", r->orphan_rooms,
		 r->orphan_rooms == 1 ? "" : "s");
	add_text(p, pp, b);
	add_text(p, pp, " belong to no call: the events of those rooms were not given, so no "
		 "session or call page shows them. Times in ");
	add_zone_name(p, pp);
	add_text(p, pp, ".");
	tb = add_table(p, n, "orphans", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < r->norphans; i++) {
		const struct orphan_exp *o = &r->orphans[i];
		const struct experience *x = &m->experiences[o->exp];
		const char *c = o->causes;

		tr = add_el(p, tb, "tr", NULL);
		add_time(p, add_el(p, tr, "td", NULL), x->time_ms, TZF_DATETIME, NULL);
		td_text(p, tr, dataset_room_name(st, x->room, NULL), "id");
		td_text(p, tr, strtab_str(st, x->user), "id");
		td_text(p, tr, o->label, NULL);
		if (o->ncauses == 0) {
			td_text(p, tr, "no cause listed", NULL);
			continue;
		}
		ul = add_el(p, add_el(p, tr, "td", NULL), "ul", "causes");
		for (uint32_t k = 0; k < o->ncauses; k++, c += strlen(c) + 1)
			add_el_text(p, ul, "li", NULL, c);
	}
	if (r->norphans < r->norphan_total) {
		snprintf(b, sizeof b, "The first %zu are listed; the JSON (--json) has all %" PRIu32
			 " in unattached_experiences.", r->norphans, r->norphan_total);
		add_el_text(p, n, "p", "note", b);
	}
}

void fill_overview(struct page *p, xmlNodePtr root)
{
	static const struct col ecols[] = { { "Exit", 0 }, { "Sessions", 1 } };
	const struct report *r = p->r;
	const char *title = r->title && *r->title ? r->title : "roomreport";
	xmlNodePtr n, dl, tb, tr;
	char b[64];

	slot_set_text(p, root, "title", title);
	slot_set_text(p, root, "heading", title);
	fill_generated(p, root);
	fill_changes(p, slot(p, root, "headline"));
	fill_headline(p, root);

	dl = add_el(p, slot(p, root, "totals"), "dl", "facts");
	fact_u64(p, dl, "Calls", r->calls);
	fact_u64(p, dl, "Rooms", r->rooms);
	fact_u64(p, dl, "Users", r->users);
	fact_u64(p, dl, "Sessions", r->sessions);
	fact_u64(p, dl, "Entered", r->entered);
	fact_u64(p, dl, "Still in the room at export", r->ongoing);
	fmt_value(U_HOURS, r->user_ms, b, sizeof b);
	fact_text(p, dl, "User-hours", b);
	fact_u64(p, dl, "Error findings", r->findings[SEV_ERROR]);
	fact_u64(p, dl, "Warning findings", r->findings[SEV_WARNING]);

	dl = add_el(p, slot(p, root, "entry"), "dl", "facts");
	fmt_pm(r->entry_success_pm, b, sizeof b);
	fact_text(p, dl, "Entry success", b);
	/* Its denominator: sessions that began before the export window
	 * (entry not seen) count neither way. */
	fact_u64(p, dl, "Sessions with the entry seen", r->entry_observed);
	fmt_pm(r->entry_fast_pm, b, sizeof b);
	fact_text(p, dl, "Entered within 5 s", b);
	fmt_dur(r->entry_latency.p50, b, sizeof b);
	fact_text(p, dl, "Entry latency p50", b);
	fmt_dur(r->entry_latency.p95, b, sizeof b);
	fact_text(p, dl, "Entry latency p95", b);
	fact_u64(p, dl, "Sessions with an entry latency", r->entry_latency.n);

	n = slot(p, root, "exits");
	fill_exit_bar(p, n);
	tb = add_table(p, n, "exits", ecols, 2);
	for (int e = 0; e < EXIT__COUNT; e++) {
		tr = add_el(p, tb, "tr", NULL);
		exit_cell(p, tr, (enum exit_reason)e);
		td_u64(p, tr, r->exits[e]);
	}
	fill_distributions(p, root);

	n = slot(p, root, "experiences");
	dl = add_el(p, n, "dl", "facts");
	fact_u64(p, dl, "Abnormal experiences", r->abnormal_experiences);
	add_el_text(p, n, "p", "note", "Sampled (TRTC returns at most 20 per hour): counts are "
		    "lower bounds, not totals.");
	fill_orphans(p, n);

	fill_top(p, slot(p, root, "top-events-count"), r->top_events_by_count,
		 r->ntop_events_by_count, 0);
	fill_top(p, slot(p, root, "top-events-users"), r->top_events_by_users,
		 r->ntop_events_by_users, 0);
	fill_top(p, slot(p, root, "top-causes-count"), r->top_causes_by_count,
		 r->ntop_causes_by_count, 1);
	fill_top(p, slot(p, root, "top-causes-users"), r->top_causes_by_users,
		 r->ntop_causes_by_users, 1);

	fill_days(p, root);

	n = slot(p, root, "worst");
	if (r->nworst == 0)
		empty_note(p, n, "No call has a warning or an error.");
	else
		fill_calls_table(p, n, r->worst, r->nworst);
	fill_problem_users(p, root);

	fill_all_calls(p, root);
	fill_breakdowns(p, root);
	fill_input(p, root);
	fill_quality(p, root);
}

