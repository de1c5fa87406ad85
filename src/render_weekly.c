/*
 * render_weekly — the overview's figures over time: the headline table
 * (with the change against a --baseline run), the trend charts (one small
 * chart per figure over the days) and the per-day table; and how figures
 * are shown in their unit (fmt_value).
 * Does not: compute the figures or decide what is a regression
 * (report.c, baseline.c), touch libxml2's structs, write files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

/* The unit headline figure id is shown in. */
static enum unit headline_unit(int id)
{
	switch (id) {
	case HL_USER_MS:
		return U_HOURS;
	case HL_ENTRY_SUCCESS_PM: case HL_ENTRY_FAST_PM:
		return U_PM;
	case HL_TIMEOUTS_PM: case HL_KICKS_PM: case HL_ENTRY_FAILED_PM: case HL_NO_EXIT_PM:
		return U_PER1000;
	case HL_ENTRY_LATENCY_P50: case HL_ENTRY_LATENCY_P95: case HL_FIRST_FRAME_P50:
		return U_MS;
	case HL_EXPERIENCES_PER_100_X10:
		return U_X10;
	default:
		return U_COUNT;
	}
}

/* v tenths as "12.3" (with a leading '+' for positive values when plus),
 * then suffix. */
static void fmt_tenths(int64_t v, int plus, const char *suffix, char *b, size_t n)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(b, n, "%s%" PRIu64 ".%" PRIu64 "%s", v < 0 ? "-" : plus && v > 0 ? "+" : "",
		 a / 10, a % 10, suffix);
}

/* Milliseconds as tenths of an hour, rounded half away from zero. */
static int64_t tenths_of_hours(int64_t ms)
{
	return ms >= 0 ? (ms + 180000) / 360000 : -((-ms + 180000) / 360000);
}

/* A value in its unit; "—" for RR_NONE. */
void fmt_value(enum unit u, int64_t v, char *b, size_t n)
{
	if (v == RR_NONE) {
		snprintf(b, n, "—");
		return;
	}
	switch (u) {
	case U_PM:
		fmt_tenths(v, 0, " %", b, n);
		break;
	case U_MS:
		fmt_duration(v, b, n);
		break;
	case U_X10:
		fmt_tenths(v, 0, "", b, n);
		break;
	case U_HOURS:
		fmt_tenths(tenths_of_hours(v), 0, " h", b, n);
		break;
	default:
		snprintf(b, n, "%" PRId64, v);
		break;
	}
}

/* A difference in the figure's unit, signed: "+120 ms", "-1.2 pts". */
static void fmt_change(enum unit u, int64_t v, char *b, size_t n)
{
	char t[48];

	if (v == RR_NONE) {
		snprintf(b, n, "—");
		return;
	}
	switch (u) {
	case U_PM:
		fmt_tenths(v, 1, " pts", b, n);
		break;
	case U_MS:
		fmt_duration(v, t, sizeof t);
		snprintf(b, n, "%s%s", v > 0 ? "+" : "", t);
		break;
	case U_X10:
		fmt_tenths(v, 1, "", b, n);
		break;
	case U_HOURS:
		fmt_tenths(tenths_of_hours(v), 1, " h", b, n);
		break;
	default:
		snprintf(b, n, v ? "%+" PRId64 : "%" PRId64, v);
		break;
	}
}

/* With several baselines: which runs the trend column draws. */
static void trend_note(struct page *p, xmlNodePtr n)
{
	const struct report *r = p->r;
	char b[256];

	if (r->ntrend < 2)
		return;
	snprintf(b, sizeof b, "Trend: the %zu baselines, oldest first (%s to %s … %s to %s), "
		 "then this report (the larger, filled dot); each from 0 to its largest value. "
		 "Changes are against the newest baseline.", r->ntrend, r->trend[0].first,
		 r->trend[0].last, r->trend[r->ntrend - 1].first, r->trend[r->ntrend - 1].last);
	add_el_text(p, n, "p", "note trend-note", b);
}

/* The headline figures; with a baseline, the previous value, the change
 * (arrow, signed difference, relative change) and a "regression" badge. */
void fill_headline(struct page *p, xmlNodePtr root)
{
	static const struct col cols[] = {
		{ "Figure", 0 }, { "This report", 1 }, { "Previous", 1 }, { "Change", 1 },
		{ "Change %", 1 }, { "Trend", 0 } };
	const struct report *r = p->r;
	xmlNodePtr n = slot(p, root, "headline"), tb, tr, th, td, pp;
	char b[64];

	if (!n)                  /* optional slot */
		return;
	if (r->has_baseline) {
		pp = add_el(p, n, "p", "baseline");
		add_text(p, pp, "Compared with ");
		add_el_text(p, pp, "span", "baseline-name", r->baseline_name);
		add_text(p, pp, ". Rows marked “regression” moved the worse way beyond the "
			 "threshold.");
	}
	/* With several baselines, a sixth column: their trend. */
	tb = add_table(p, n, r->has_baseline ? "headline compared" : "headline", cols,
		       !r->has_baseline ? 2 : r->ntrend > 1 ? 6 : 5);
	for (int i = 0; i < HL__COUNT; i++) {
		const struct headline *h = &r->headline[i];
		enum unit u = headline_unit(i);

		if (!h->label)   /* not filled */
			continue;
		tr = add_el(p, tb, "tr", r->has_baseline && h->regression ? "regression" : NULL);
		set_attr(p, tr, "data-key", h->key ? h->key : "");
		th = add_el(p, tr, "th", NULL);
		set_attr(p, th, "scope", "row");
		add_text(p, th, h->label);
		if (i == HL_EXPERIENCES_PER_100_X10 && !strstr(h->label, "sampl"))
			add_el_text(p, th, "span", "note", " (sampled)");
		if (r->has_baseline && h->sampled)
			add_el_text(p, th, "span", "note sample",
				    " — never marked as a regression");
		/* In the figure's cell: seen first, also on a phone where the
		 * table scrolls. */
		if (r->has_baseline && h->regression) {
			add_text(p, th, " ");
			add_el_text(p, th, "span", "badge regression", "regression");
		}
		fmt_value(u, h->value, b, sizeof b);
		td_text(p, tr, b, "num value");
		if (!r->has_baseline)
			continue;
		fmt_value(u, h->previous, b, sizeof b);
		td_text(p, tr, b, "num previous");
		if (h->value == RR_NONE || h->previous == RR_NONE || h->change == RR_NONE) {
			td_text(p, tr, "—", "num change");
		} else {
			td = add_el(p, tr, "td", "num change");
			add_el_text(p, td, "span", "arrow",
				    h->change > 0 ? "▲ " : h->change < 0 ? "▼ " : "= ");
			fmt_change(u, h->change, b, sizeof b);
			add_text(p, td, b);
		}
		if (h->change_pm == RR_NONE || h->previous == RR_NONE)
			snprintf(b, sizeof b, "—");
		else
			fmt_tenths(h->change_pm, 1, " %", b, sizeof b);
		td_text(p, tr, b, "num change-pm");
		if (r->ntrend > 1)
			fill_trend_cell(p, tr, i, u);
	}
	if (!r->has_baseline)
		add_el_text(p, n, "p", "note", "Run with --baseline OLD.json (the JSON of an "
			    "earlier run) to compare with it.");
	add_el_text(p, n, "p", "note", r->has_baseline
		    ? "Rates are per session; abnormal experiences are sampled by TRTC (at "
		      "most 20 per hour), so their rate is compared but never marked as a "
		      "regression."
		    : "Rates are per session; abnormal experiences are sampled by TRTC (at "
		      "most 20 per hour).");
	trend_note(p, n);
	fill_context(p, n);
}

/* ------------------------------------------------------------ day charts */

/* Small multiples: one chart per figure over the days. Columns for counts,
 * lines for rates and times; every value axis starts at 0 but entry
 * success's, which starts at the 10 % step below its lowest value and is
 * then marked as cut (a break mark on the axis and a note). With a
 * baseline's days, the baseline is drawn behind: a dashed line, or dashed
 * outline columns beside this report's. Partial days: "partial" under the
 * date, hollow dots, faded dashed columns. */
enum { TR_W = 360, TR_H = 140, TR_LEFT = 60, TR_RIGHT = 8, TR_TOP = 10, TR_BOTTOM = 32 };

enum trend_fig {
	TF_CALLS, TF_SESSIONS, TF_SUCCESS, TF_LATENCY, TF_TIMEOUTS, TF_FAILED, TF_EXP, TF__COUNT
};

static const struct trend {
	const char *key, *title;
	enum unit unit;
	int columns;
	int cut_ok;              /* the axis may start above 0 (marked as cut) */
	int nseries;
	const char *series[2];
} trends[TF__COUNT] = {
	{ "calls", "Calls", U_COUNT, 1, 0, 1, { "calls", NULL } },
	{ "sessions", "Sessions", U_COUNT, 1, 0, 1, { "sessions", NULL } },
	{ "entry-success", "Entry success", U_PM, 0, 1, 1, { "entry success", NULL } },
	{ "entry-latency", "Entry latency p50 / p95", U_MS, 0, 0, 2, { "p50", "p95" } },
	{ "timeouts", "Timeouts", U_COUNT, 1, 0, 1, { "timeouts", NULL } },
	{ "entry-failed", "Entry failures", U_COUNT, 1, 0, 1, { "entry failures", NULL } },
	{ "experiences", "Abnormal experiences per 100 sessions (sample)", U_X10, 0, 0, 1,
	  { "per 100 sessions", NULL } },
};

static int64_t trend_value(const struct day *d, int fig, int series)
{
	switch (fig) {
	case TF_CALLS:
		return d->calls;
	case TF_SESSIONS:
		return d->sessions;
	case TF_SUCCESS:
		return d->entry_success_pm;
	case TF_LATENCY:
		return series ? d->entry_latency.p95 : d->entry_latency.p50;
	case TF_TIMEOUTS:
		return d->timeouts;
	case TF_FAILED:
		return d->entry_failed;
	default:
		return d->experiences_per_100_x10;
	}
}

/* The baseline's value of figure fig on day k; RR_NONE without one. */
static int64_t prev_value(const struct report *r, size_t k, int fig, int series)
{
	const struct prev_day *d;

	if (!r->prev_days || !r->prev_days[k].date[0])
		return RR_NONE;
	d = &r->prev_days[k];
	switch (fig) {
	case TF_CALLS:
		return d->calls;
	case TF_SESSIONS:
		return d->sessions;
	case TF_SUCCESS:
		return d->entry_success_pm;
	case TF_LATENCY:
		return series ? d->latency_p95 : d->latency_p50;
	case TF_TIMEOUTS:
		return d->timeouts;
	case TF_FAILED:
		return d->entry_failed;
	default:
		return d->experiences_per_100_x10;
	}
}

/* One trend chart's scale: the plot's size, a day's width, the axis's
 * range (vmin..vmax; lo..hi as doubles); cut when vmin > 0. */
struct trend_scale {
	double pw, ph, slotw, lo, hi;
	int64_t vmin, vmax;
	int cut;
};

/* The range of figure fig's values (and the baseline's) over the days:
 * from 0, or for a cut_ok figure from the 10 % (100 per mille) step below
 * its lowest value. */
static void trend_scale(const struct report *r, int fig, struct trend_scale *sc)
{
	const struct trend *t = &trends[fig];
	int64_t vmin = INT64_MAX, vmax = INT64_MIN;

	sc->pw = TR_W - TR_LEFT - TR_RIGHT;
	sc->ph = TR_H - TR_TOP - TR_BOTTOM;
	sc->slotw = sc->pw / (double)r->ndays;
	for (size_t i = 0; i < r->ndays; i++) {
		for (int s = 0; s < 2 * t->nseries; s++) {
			int64_t x = s < t->nseries ? trend_value(&r->days[i], fig, s)
						   : prev_value(r, i, fig, s - t->nseries);

			if (x == RR_NONE)
				continue;
			if (x < vmin)
				vmin = x;
			if (x > vmax)
				vmax = x;
		}
	}
	if (vmax == INT64_MIN)
		vmin = vmax = 0;
	vmin = t->cut_ok && vmin >= 100 ? vmin / 100 * 100 : 0;
	if (vmin == vmax && vmin > 0)
		vmin -= 100;
	if (vmax < vmin)
		vmax = vmin;
	sc->cut = vmin > 0;
	sc->vmin = vmin;
	sc->vmax = vmax;
	sc->lo = (double)vmin;
	sc->hi = (double)vmax;
}

/* The y of value x. */
static double trend_y(const struct trend_scale *sc, int64_t x)
{
	if (sc->hi <= sc->lo)
		return TR_TOP + sc->ph;      /* all 0 */
	return TR_TOP + sc->ph * (1.0 - ((double)x - sc->lo) / (sc->hi - sc->lo));
}

/* Frame, y range labels (the cut's break mark), date labels and
 * "partial" under partial days. */
static void trend_axis(struct page *p, xmlNodePtr svg, const struct trend *t,
		       const struct trend_scale *sc)
{
	const struct report *r = p->r;
	size_t step = (r->ndays + 6) / 7;
	xmlNodePtr g, e;
	char v[48];

	g = add_el(p, svg, "g", "axis");
	e = add_el(p, g, "rect", "plot");
	set_num(p, e, "x", TR_LEFT);
	set_num(p, e, "y", TR_TOP);
	set_num(p, e, "width", sc->pw);
	set_num(p, e, "height", sc->ph);
	if (sc->vmax != sc->vmin) {
		fmt_value(t->unit, sc->vmax, v, sizeof v);
		e = add_el_text(p, g, "text", "y-label", v);
		set_num(p, e, "x", TR_LEFT - 4);
		set_num(p, e, "y", TR_TOP + 8);
	}
	fmt_value(t->unit, sc->vmin, v, sizeof v);
	e = add_el_text(p, g, "text", "y-label y-min", v);
	set_num(p, e, "x", TR_LEFT - 4);
	set_num(p, e, "y", TR_TOP + sc->ph);
	if (sc->cut) {
		/* Two slanted strokes across the axis, above its lowest value. */
		snprintf(v, sizeof v, "M%d %d l8 -4 M%d %d l8 -4", TR_LEFT - 4,
			 (int)(TR_TOP + sc->ph) - 8, TR_LEFT - 4, (int)(TR_TOP + sc->ph) - 4);
		e = add_el(p, g, "path", "axis-break");
		set_attr(p, e, "d", v);
		svg_title(p, e, "axis cut: it does not start at 0");
	}
	for (size_t i = 0; i < r->ndays; i++) {
		/* "MM-DD" of "YYYY-MM-DD". */
		const char *d = r->days[i].date;
		double x = TR_LEFT + ((double)i + 0.5) * sc->slotw;

		if (i % step == 0) {
			e = add_el_text(p, g, "text", "tick-label", strlen(d) == 10 ? d + 5 : d);
			set_num(p, e, "x", x);
			set_num(p, e, "y", TR_H - 18);
		}
		if (r->days[i].partial) {
			e = add_el_text(p, g, "text", "tick-label partial-label", "partial");
			set_num(p, e, "x", x);
			set_num(p, e, "y", TR_H - 6);
		}
	}
}

/* A point's title: "2026-11-20 (partial): p50 1.2 s". */
static void point_title(struct page *p, xmlNodePtr e, const struct trend *t, const char *date,
			int partial, const char *who, int s, int64_t x)
{
	char b[200], v[48];

	fmt_value(t->unit, x, v, sizeof v);
	snprintf(b, sizeof b, "%s%s%s: %s%s%s", date, partial ? " (partial)" : "", who,
		 t->nseries > 1 ? t->series[s] : "", t->nseries > 1 ? " " : "", v);
	svg_title(p, e, b);
}

/* Series s of figure fig into g (prev: the baseline's, dashed): a column
 * per day, or dots joined by a line that breaks at days without a value.
 * 0 when out of memory. */
static int trend_series(struct page *p, xmlNodePtr g, int fig, int s, int prev,
			const struct trend_scale *sc)
{
	const struct trend *t = &trends[fig];
	const struct report *r = p->r;
	int pair = r->nprev_days > 0;
	char *pts = NULL, b[64];
	size_t cap = r->ndays * 24 + 1, o = 0;
	xmlNodePtr e;

	if (!t->columns && !(pts = rr_malloc(cap)))
		return 0;
	for (size_t i = 0; i <= r->ndays; i++) {
		int64_t x = i == r->ndays ? RR_NONE
			    : prev ? prev_value(r, i, fig, s) : trend_value(&r->days[i], fig, s);
		double cx = TR_LEFT + ((double)i + 0.5) * sc->slotw, y;
		int partial = !prev && i < r->ndays && r->days[i].partial;

		/* A gap (no value) or the end: draw the line so far. */
		if (x == RR_NONE) {
			if (pts && o) {
				snprintf(b, sizeof b, prev ? "series prev s%d" : "series s%d", s);
				e = add_el(p, g, "polyline", b);
				set_attr(p, e, "points", pts);
				o = 0;
			}
			continue;
		}
		y = trend_y(sc, x);
		if (t->columns) {
			/* With a baseline: its column left, this report's right. */
			double w = sc->slotw * (pair ? 0.4 : 0.7);

			if (w > 28)
				w = 28;
			if (pair)
				cx += prev ? -w / 2 - 1 : w / 2 + 1;
			e = add_el(p, g, "rect", prev ? "pt prev-col" : partial ? "pt col partial"
						  : "pt col");
			set_num(p, e, "x", cx - w / 2);
			set_num(p, e, "y", y);
			set_num(p, e, "width", w);
			set_num(p, e, "height", TR_TOP + sc->ph - y);
		} else {
			if (o < cap)
				o += (size_t)snprintf(pts + o, cap - o, "%s%.1f,%.1f",
						      o ? " " : "", cx, y);
			snprintf(b, sizeof b, prev ? "pt prev-dot s%d" : partial ? "pt dot partial s%d"
							: "pt dot s%d", s);
			e = add_el(p, g, "circle", b);
			set_num(p, e, "cx", cx);
			set_num(p, e, "cy", y);
			set_num(p, e, "r", prev ? 1.5 : 2.5);
		}
		if (prev)
			point_title(p, e, t, r->prev_days[i].date, r->prev_days[i].partial == 1,
				    " (baseline)", s, x);
		else
			point_title(p, e, t, r->days[i].date, partial, "", s, x);
	}
	rr_free(pts);
	return 1;
}

/* The legend under a chart: with a baseline's days, which mark is this
 * report and which the baseline (solid or filled, dashed); else, for two
 * series, their names. */
static void trend_legend(struct page *p, xmlNodePtr fig_el, const struct trend *t)
{
	int prev = p->r->nprev_days > 0;
	xmlNodePtr ul, li;
	char b[64];

	if (!prev && t->nseries < 2)
		return;
	ul = add_el(p, fig_el, "ul", "legend chart-legend");
	for (int k = 0; k < (prev ? 2 : 1); k++) {
		for (int s = 0; s < t->nseries; s++) {
			li = add_el(p, ul, "li", NULL);
			snprintf(b, sizeof b, "swatch %s%s s%d", t->columns ? "col" : "line",
				 k ? " prev" : "", s);
			add_el(p, li, "span", b);
			snprintf(b, sizeof b, "%s%s%s", t->nseries > 1 ? t->series[s] : "",
				 t->nseries > 1 && prev ? ", " : "",
				 !prev ? "" : k ? "baseline (dashed)" : "this report");
			add_text(p, li, b);
		}
	}
}

/* The trend chart of figure fig: a <figure> with its caption, the chart,
 * its legend and, when its axis is cut, a note saying so. */
static void fill_trend(struct page *p, xmlNodePtr parent, int fig)
{
	const struct trend *t = &trends[fig];
	const struct report *r = p->r;
	struct trend_scale sc;
	xmlNodePtr fig_el, svg, g;
	char b[200], v[48];

	trend_scale(r, fig, &sc);
	fig_el = add_el(p, parent, "figure", "trend");
	set_attr(p, fig_el, "data-figure", t->key);
	add_el_text(p, fig_el, "figcaption", NULL, t->title);
	svg = add_el(p, fig_el, "svg", t->columns ? "trend columns" : "trend lines");
	snprintf(b, sizeof b, "0 0 %d %d", TR_W, TR_H);
	set_attr(p, svg, "viewBox", b);
	set_attr(p, svg, "role", "img");
	snprintf(b, sizeof b, "%s per day, %s to %s%s", t->title, r->days[0].date,
		 r->days[r->ndays - 1].date,
		 r->nprev_days ? ", with the baseline dashed" : "");
	add_el_text(p, svg, "title", NULL, b);
	trend_axis(p, svg, t, &sc);

	g = add_el(p, svg, "g", "data");
	for (int k = r->nprev_days ? 1 : 0; k >= 0; k--) {   /* the baseline behind */
		for (int s = 0; s < t->nseries; s++) {
			if (!trend_series(p, g, fig, s, k, &sc)) {
				p->oom = 1;
				return;
			}
		}
	}
	trend_legend(p, fig_el, t);
	if (sc.cut) {
		fmt_value(t->unit, sc.vmin, v, sizeof v);
		snprintf(b, sizeof b, "Axis cut: it starts at %s, not at 0 (marked // on the axis).", v);
		add_el_text(p, fig_el, "p", "note axis-note", b);
	}
}

/* A time of the day in sentences: "09:00:30", with the zone's
 * abbreviation ("02:30:00 CET") only when the day holds a change of the
 * zone's offset, where a bare time could be read on either side of it. */
static void day_time_text(const struct tz *z, int64_t t, char *b, size_t n)
{
	const int64_t day = 86400000;
	int64_t local = t + (z ? (int64_t)tz_offset(z, t) * 1000 : 0);
	int64_t start = t - ((local % day) + day) % day;   /* the day's start, near enough */
	size_t o;

	tz_format(z, t, TZF_TIME, b, n);
	o = strlen(b);
	if (z && o + 2 < n && tz_next_change(z, start - 3600000) < start + day + 3600000) {
		b[o++] = ' ';
		tz_abbr(z, t, b + o, n - o);
	}
}

/* Why day d is partial, in one sentence: "2026-11-20 is partial: --from
 * starts at 12:00:00 on it; the input's last row is at 18:02:11." */
static void days_partial_note(struct page *p, xmlNodePtr n, const struct day *d)
{
	const struct report *r = p->r;
	const char *what[2];
	int64_t at[2];
	char t[48];
	xmlNodePtr pn;
	int k = 0;

	if (!d->partial)
		return;
	if (d->partial & DAY_PARTIAL_FROM) {
		what[k] = " --from starts at %s on it;";
		at[k++] = r->window_from_ms;
	} else if (d->partial & DAY_PARTIAL_FIRST_ROW) {
		what[k] = " the input's first row is at %s;";
		at[k++] = r->rows_first_ms;
	}
	if (d->partial & DAY_PARTIAL_TO) {
		what[k] = " --to ends at %s on it;";
		at[k++] = r->window_to_ms;
	} else if (d->partial & DAY_PARTIAL_LAST_ROW) {
		what[k] = " the input's last row is at %s;";
		at[k++] = r->rows_last_ms;
	}
	/* Text, the time as a <time> (the zone switch re-draws it), text;
	 * the last ';' becomes the sentence's '.'. */
	pn = add_el(p, n, "p", "note partial-note");
	add_text(p, pn, d->date);
	add_text(p, pn, " is partial (its figures cover part of the day):");
	for (int i = 0; i < k; i++) {
		const char *s = what[i], *m = strstr(s, "%s");

		add_text_n(p, pn, s, (size_t)(m - s));
		day_time_text(r->tz, at[i], t, sizeof t);
		add_time(p, pn, at[i], TZF_TIME, t);
		if (i < k - 1) {
			add_text(p, pn, m + 2);
		} else {
			add_text_n(p, pn, m + 2, strlen(m + 2) - 1);   /* its ';' */
			add_text(p, pn, ".");
		}
	}
}

/* Under the charts: what the dashed marks are, or why there are none. */
static void days_baseline_note(struct page *p, xmlNodePtr n)
{
	const struct report *r = p->r;
	xmlNodePtr e;
	char b[200];

	if (!r->has_baseline)
		return;
	e = add_el(p, n, "p", "note baseline-days");
	if (!r->nprev_days) {
		add_el_text(p, e, "span", "baseline-name", r->baseline_name);
		add_text(p, e, r->baseline_days
			 ? " has no day on the same weekday of an earlier week, so no dashed "
			   "line is drawn."
			 : " has no days, so no dashed line is drawn.");
		return;
	}
	add_text(p, e, "Dashed: ");
	add_el_text(p, e, "span", "baseline-name", r->baseline_name);
	if (r->prev_gap_min == r->prev_gap_max)
		snprintf(b, sizeof b, ", each day against the same weekday %d days before "
			 "(%u of %zu days have one).", r->prev_gap_min, r->nprev_days, r->ndays);
	else
		snprintf(b, sizeof b, ", each day against the same weekday in the nearest earlier "
			 "week the baseline has (%d to %d days before; %u of %zu days have one).",
			 r->prev_gap_min, r->prev_gap_max, r->nprev_days, r->ndays);
	add_text(p, e, b);
}

void fill_days(struct page *p, xmlNodePtr root)
{
	static const struct col cols[] = {
		{ "Date", 0 }, { "Calls", 1 }, { "Sessions", 1 }, { "Users", 1 },
		{ "User-hours", 1 }, { "Entered", 1 }, { "Entry success", 1 },
		{ "Within 5 s", 1 }, { "Entry latency p50", 1 }, { "Entry latency p95", 1 },
		{ "First frame p50", 1 }, { "Timeouts", 1 }, { "Kicks", 1 },
		{ "Entry failures", 1 }, { "No exit recorded", 1 },
		{ "Abnormal experiences (sample)", 1 },
		{ "Experiences per 100 sessions (sample)", 1 } };
	const struct report *r = p->r;
	xmlNodePtr n = slot(p, root, "days"), grid, tb, tr, th;
	char b[48];

	if (r->ndays == 0) {
		empty_note(p, n, "No sessions.");
		return;
	}
	grid = add_el(p, n, "div", "trends");
	for (int f = 0; f < TF__COUNT; f++)
		fill_trend(p, grid, f);
	days_baseline_note(p, n);
	tb = add_table(p, n, "days", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < r->ndays; i++) {
		const struct day *d = &r->days[i];

		tr = add_el(p, tb, "tr", d->partial ? "partial" : NULL);
		th = add_el_text(p, tr, "th", NULL, d->date);
		set_attr(p, th, "scope", "row");
		if (d->partial)
			add_el_text(p, th, "span", "partial-mark", " (partial)");
		td_u64(p, tr, d->calls);
		td_u64(p, tr, d->sessions);
		td_u64(p, tr, d->users);
		fmt_value(U_HOURS, d->user_ms, b, sizeof b);
		td_text(p, tr, b, "num");
		td_u64(p, tr, d->entered);
		fmt_value(U_PM, d->entry_success_pm, b, sizeof b);
		td_text(p, tr, b, "num");
		fmt_value(U_PM, d->entry_fast_pm, b, sizeof b);
		td_text(p, tr, b, "num");
		fmt_value(U_MS, d->entry_latency.p50, b, sizeof b);
		td_text(p, tr, b, "num");
		fmt_value(U_MS, d->entry_latency.p95, b, sizeof b);
		td_text(p, tr, b, "num");
		fmt_value(U_MS, d->first_frame.p50, b, sizeof b);
		td_text(p, tr, b, "num");
		td_u64(p, tr, d->timeouts);
		td_u64(p, tr, d->kicks);
		td_u64(p, tr, d->entry_failed);
		td_u64(p, tr, d->no_exit);
		td_u64(p, tr, d->experiences);
		fmt_value(U_X10, d->experiences_per_100_x10, b, sizeof b);
		td_text(p, tr, b, "num");
	}
	add_el_text(p, n, "p", "note", "Days in the display zone; calls count on the day they "
		    "start, sessions on the day they start. Abnormal experiences are a sample "
		    "(TRTC returns at most 20 per hour).");
	days_partial_note(p, n, &r->days[0]);
	if (r->ndays > 1)
		days_partial_note(p, n, &r->days[r->ndays - 1]);
}
