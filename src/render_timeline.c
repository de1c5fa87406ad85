/*
 * render_timeline — a call page's swimlane timeline: one lane per user,
 * session bars coloured by exit, outage and background spans, event marks
 * (merged per lane, kind and stretch, with their events as hover text),
 * abnormal experiences as diamonds, and the time axis that the quality
 * charts share (tl_x).
 * Does not: decide what is on a lane or format times (callview.c), touch
 * libxml2's structs, write files.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "util.h"


/* Timeline marks of one kind within the same stretch of the lane (1/8 of
 * the plot for infos, 1/80 for warnings and errors) share one element and
 * its hover text, which lists at most MARK_LINES events; the rest are
 * counted (the event log has them all). */
#define MARK_BUCKET_INFO 105
#define MARK_BUCKET_PROBLEM 10
#define MARK_LINES 8
/* A lane's label shows at most this many columns of the user ID (a wide
 * character counts two), so that it stays in the label column; the
 * whole ID is its hover text and in the tables. */
#define LABEL_COLUMNS 18

/* An instant in ms as attribute name of e (data-* for the page's script,
 * templates/timeline.js). */
static void ms_attr(struct page *p, xmlNodePtr e, const char *name, int64_t ms)
{
	char b[24];

	snprintf(b, sizeof b, "%" PRId64, ms);
	new_attr(p, e, name, b);
}

/* Linear map of a time to x, clamped to the plot. */
double tl_x(const struct callview *v, int64_t t)
{
	double w = TL_W - TL_LABEL - TL_RIGHT;
	double x;

	if (v->t1 <= v->t0)     /* callview widens the range; never divide by 0 */
		return TL_LABEL;
	if (t < v->t0)
		t = v->t0;
	if (t > v->t1)
		t = v->t1;
	x = TL_LABEL + (double)(t - v->t0) * w / (double)(v->t1 - v->t0);
	return x;
}


/* A lane's event marks. Every event is drawn where it happened (a tick for
 * an info, a dot for a warning or an error), but the marks of one kind
 * (severity, inside or outside sessions) in one stretch of the lane (see
 * MARK_BUCKET_INFO) are one <path>, whose hover text lists their events (a
 * warning is a triangle, an error a square): a busy lane
 * gets a bounded number of elements, not one per event. A group per kind
 * carries the class; infos come first so that dots are drawn on top. */
static void lane_marks(struct page *p, xmlNodePtr lane, const struct callview *v,
		       const struct cv_lane *l, double y0)
{
	static const char *const cls[2 * SEV__COUNT] = {
		"mk sev-info", "mk sev-info outside", "mk sev-warning", "mk sev-warning outside",
		"mk sev-error", "mk sev-error outside" };
	const struct cv_mark *m = v->marks + l->first_mark;
	struct page_buf *d = &p->pb;
	struct mark_pos *mp;
	char num[96], *q;
	/* The instants of a group's events, for data-ts: in the text buffer
	 * after its title (tb), which is flushed first. */
	int used[2 * SEV__COUNT] = { 0 };

	/* Where each mark goes: its kind, x unit and stretch, once. */
	if (rr_grow(&p->mp, &p->mpcap, l->nmarks ? l->nmarks : 1, sizeof *p->mp) != RR_OK) {
		p->oom = 1;
		return;
	}
	mp = p->mp;
	for (uint32_t k = 0; k < l->nmarks; k++) {
		double x = tl_x(v, m[k].time_ms);
		int kind = (m[k].severity < SEV__COUNT ? (int)m[k].severity : SEV_WARNING) * 2 +
			   (m[k].outside != 0);

		mp[k].kind = kind;
		mp[k].x = floor(x + 0.5);
		mp[k].bucket = (int)floor((x - TL_LABEL) /
					  (kind / 2 == SEV_INFO ? MARK_BUCKET_INFO : MARK_BUCKET_PROBLEM));
		used[kind] = 1;
	}
	for (int kind = 0; kind < 2 * SEV__COUNT; kind++) {
		xmlNodePtr g = NULL, e;
		uint32_t k, j;

		if (!used[kind])
			continue;
		for (k = 0; k < l->nmarks; k = j) {
			uint32_t n = 0;
			double last = -1;

			if (mp[k].kind != kind) {
				j = k + 1;
				continue;
			}
			tb_reset(p);
			d->len = 0;
			for (j = k; j < l->nmarks; j++) {
				if (mp[j].kind != kind)
					continue;
				if (mp[j].bucket != mp[k].bucket)
					break;
				if (n < MARK_LINES) {
					/* Hover text: line breaks in a label would
					 * only add lines. */
					if (n)
						tb_add(p, "\n", 1, 0);
					tb_add(p, m[j].title, strlen(m[j].title), 0);
				}
				n++;
				/* One drawing per distinct x unit. */
				if (mp[j].x == last)
					continue;
				last = mp[j].x;
				q = num;
				*q++ = 'M';
				if (kind / 2 == SEV_INFO) {
					/* A tick across the lane. */
					q = put_coord(q, last);
					*q++ = ' ';
					q = put_coord(q, y0 + 3);
					q = stpcpy(q, "v16");
				} else if (kind / 2 == SEV_ERROR) {
					/* An error: a square (a shape as well as a
					 * colour, WCAG 1.4.1). */
					q = put_coord(q, last - 4.5);
					*q++ = ' ';
					q = put_coord(q, y0 + TL_LANE / 2.0 - 4.5);
					q = stpcpy(q, "h9v9h-9z");
				} else {
					/* A warning: a triangle, point up. */
					q = put_coord(q, last - 4.5);
					*q++ = ' ';
					q = put_coord(q, y0 + TL_LANE / 2.0 + 4);
					q = stpcpy(q, "l4.5-8l4.5 8z");
				}
				pb_add(p, num, (size_t)(q - num));
			}
			if (n > MARK_LINES) {
				char more[64];

				snprintf(more, sizeof more, "\n… and %" PRIu32 " more (see the event log)",
					 n - MARK_LINES);
				tb_add(p, more, strlen(more), 0);
			}
			if (!g)
				g = add_el(p, lane, "g", cls[kind]);
			e = add_el(p, g, "path", NULL);
			new_attr(p, e, "d", d->len ? d->buf : "");
			tb_flush(p, add_el(p, e, "title", NULL));
			/* Each event's instant, for the script's zoom. */
			for (uint32_t i = k; i < j; i++) {
				if (mp[i].kind != kind)
					continue;
				q = num + snprintf(num, sizeof num, "%s%" PRId64,
						   p->tblen ? " " : "", m[i].time_ms);
				tb_add(p, num, (size_t)(q - num), 0);
			}
			new_attr(p, e, "data-ts", p->tb);
			tb_reset(p);
		}
	}
}

/* Bytes of the longest start of s that fits max columns (all of s when it
 * fits), on a character boundary. */
static size_t label_cut(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, cols = 0;

	while (u[i]) {
		size_t k = 1;

		if (u[i] >= 0x80)
			while ((u[i + k] & 0xC0) == 0x80)
				k++;
		cols += u[i] >= 0x80 ? 2 : 1;
		if (cols > max)
			return i;
		i += k;
	}
	return i;
}

/* A bar across the middle of the lane at y0 from x0 to x1 (at least one
 * unit wide), as the path data of e. */
/* A box from x0 to x1 in the lane at y0: the lane's bar height, or its
 * upper or lower half (cv_bar.half). */
static void lane_box_in(struct page *p, xmlNodePtr e, double x0, double x1, double y0, int half)
{
	char d[96], *q = d;
	double w = x1 - x0 < 1 ? 1 : x1 - x0, h = TL_LANE - 10, top = y0 + 5;

	if (half != CV_BAR_FULL) {
		h /= 2;
		if (half == CV_BAR_LOWER)
			top += h;
	}
	*q++ = 'M';
	q = put_coord(q, x0);
	*q++ = ' ';
	q = put_coord(q, top);
	*q++ = 'h';
	q = put_coord(q, w);
	*q++ = 'v';
	q = put_coord(q, h);
	*q++ = 'h';
	q = put_coord(q, -w);
	strcpy(q, "z");
	new_attr(p, e, "d", d);
}

static void lane_box(struct page *p, xmlNodePtr e, double x0, double x1, double y0)
{
	lane_box_in(p, e, x0, x1, y0, CV_BAR_FULL);
}

/* A tick label with a zone name ("02:10 CET", on a page across a change
 * of offset) centred at x that would run past the right edge (about 3.2
 * units per character either side at the axes' font sizes) ends at its
 * tick instead. Other labels are left as they always were. */
void tick_fit(struct page *p, xmlNodePtr e, double x, const char *label)
{
	if (strchr(label, ' ') && x + 3.2 * (double)strlen(label) > TL_W)
		new_attr(p, e, "text-anchor", "end");
}

/* Lane bands (every other lane, one path), then the axis over them: tick
 * lines from the group's origin (no y1) and their labels, which share
 * their class and baseline through theirs. */
static void timeline_axis(struct page *p, xmlNodePtr svg, const struct callview *v,
			  double height)
{
	xmlNodePtr g, e;
	char b[160], *q;

	if (v->nlanes > 1) {
		tb_reset(p);
		for (uint32_t i = 1; i < v->nlanes; i += 2) {
			q = stpcpy(b, "M0 ");
			q = put_coord(q, TL_AXIS + (double)i * TL_LANE);
			q += sprintf(q, "h%dv%dh-%dz", TL_W, TL_LANE, TL_W);
			tb_add(p, b, (size_t)(q - b), 0);
		}
		e = add_el(p, svg, "path", "lane-band");
		new_attr(p, e, "d", p->tb);
	}
	g = add_el(p, svg, "g", "axis");
	e = add_el(p, g, "g", NULL);
	q = stpcpy(b, "translate(0 ");
	q = put_coord(q, TL_AXIS - 4);
	strcpy(q, ")");
	new_attr(p, e, "transform", b);
	for (uint32_t i = 0; i < v->nticks; i++) {
		double x = tl_x(v, v->ticks[i].time_ms);
		xmlNodePtr l = add_el(p, e, "line", "tick");

		coord_attr(p, l, "x1", x);
		coord_attr(p, l, "x2", x);
		coord_attr(p, l, "y2", height - TL_BOTTOM - (TL_AXIS - 4));
	}
	g = add_el(p, g, "g", "tick-label");
	q = stpcpy(b, "translate(0 ");
	q = put_coord(q, TL_AXIS - 8);
	strcpy(q, ")");
	new_attr(p, g, "transform", b);
	for (uint32_t i = 0; i < v->nticks; i++) {
		e = add_el(p, g, "text", NULL);
		coord_attr(p, e, "x", tl_x(v, v->ticks[i].time_ms));
		tick_fit(p, e, tl_x(v, v->ticks[i].time_ms), v->ticks[i].label);
		add_text(p, e, v->ticks[i].label);
	}
}

/* What a selected user's lane label ends with (--user). */
#define LANE_SELECTED " (selected)"

/* The lane's label: the user's name, cut to fit the label column; then the
 * whole name is the hover text. A user selected with --user is marked in
 * words after the name. */
static void lane_label(struct page *p, xmlNodePtr g, const struct cv_lane *l, double y0)
{
	size_t mark = l->selected ? sizeof LANE_SELECTED - 1 : 0;
	size_t cut = label_cut(l->user, LABEL_COLUMNS - mark);
	xmlNodePtr t = add_el(p, g, "text", "lane-label");

	coord_attr(p, t, "x", 4);
	coord_attr(p, t, "y", y0 + TL_LANE * 0.68);
	if (l->user[cut] || mark) {
		if (l->user[cut])
			svg_title(p, t, l->user);
		tb_reset(p);
		tb_add(p, l->user, cut, 1);
		if (l->user[cut])
			tb_str(p, "…");
		if (mark)
			tb_str(p, LANE_SELECTED);
		tb_flush(p, t);
	} else {
		add_text(p, t, l->user);
	}
}

/* Each exit reason but "normal" and "ongoing" has a pattern as well as a
 * colour (WCAG 1.4.1): white stripes, hatching, dots or lines drawn over the
 * bar by an overlay of the same shape. The pattern's drawing per reason
 * (enum exit_reason order); NULL for none. */
static const char *const exit_pattern[EXIT__COUNT] = {
	NULL,                           /* normal: solid */
	"M-1 1l2-2M0 6l6-6M5 7l2-2",    /* timeout: diagonal stripes */
	"M0 0l6 6M6 0l-6 6",            /* kicked: cross-hatching */
	"c",                            /* exit failed: dots (a circle) */
	"M3 0v6",                       /* entry failed: vertical lines */
	"M0 3h6",                       /* unknown: horizontal lines */
	NULL,                           /* ongoing: solid, an arrow past its end */
};

/* The id of exit e's pattern on the page of call `call` (unique within a
 * single-file report too): "x3-timeout". */
static void pattern_id(char *b, size_t n, uint32_t call, enum exit_reason e)
{
	snprintf(b, n, "x%" PRIu32 "-%s", call + 1, exit_reason_name(e));
}

/* The timeline's <defs>: the patterns of the exit reasons that its bars
 * have. */
static void timeline_patterns(struct page *p, xmlNodePtr svg, const struct callview *v)
{
	int used[EXIT__COUNT] = { 0 }, any = 0;
	xmlNodePtr defs = NULL, pat, e;
	char id[48];

	for (uint32_t i = 0; i < v->nbars; i++)
		if (v->bars[i].exit < EXIT__COUNT)
			any |= used[v->bars[i].exit] = exit_pattern[v->bars[i].exit] != NULL;
	if (!any)
		return;
	defs = add_el(p, svg, "defs", NULL);
	for (int x = 0; x < EXIT__COUNT; x++) {
		if (!used[x])
			continue;
		pat = add_el(p, defs, "pattern", "exit-pattern");
		pattern_id(id, sizeof id, v->call, (enum exit_reason)x);
		new_attr(p, pat, "id", id);
		new_attr(p, pat, "patternUnits", "userSpaceOnUse");
		new_attr(p, pat, "width", "6");
		new_attr(p, pat, "height", "6");
		if (exit_pattern[x][0] == 'c') {
			e = add_el(p, pat, "circle", NULL);
			new_attr(p, e, "cx", "3");
			new_attr(p, e, "cy", "3");
			new_attr(p, e, "r", "1.3");
		} else {
			e = add_el(p, pat, "path", NULL);
			new_attr(p, e, "d", exit_pattern[x]);
		}
	}
}

/* The lane's session bars, each coloured by its exit, with the exit's
 * pattern over it (an overlay, class "pat", data-exit naming the reason);
 * an ongoing one has an arrow past its end. */
static void lane_bars(struct page *p, xmlNodePtr g, const struct callview *v,
		      const struct cv_lane *l, double y0)
{
	xmlNodePtr e;
	char b[160], *q;

	for (uint32_t k = 0; k < l->nbars; k++) {
		const struct cv_bar *bar = &v->bars[l->first_bar + k];
		double x0 = tl_x(v, bar->start_ms), x1 = tl_x(v, bar->end_ms);

		q = stpcpy(stpcpy(b, "bar exit-"), exit_reason_name(bar->exit));
		if (!bar->start_observed)
			q = stpcpy(q, " unobserved");
		if (bar->entry_observed && !bar->entered)
			stpcpy(q, " not-entered");
		e = add_el(p, g, "path", b);
		lane_box_in(p, e, x0, x1, y0, bar->half);
		ms_attr(p, e, "data-start", bar->start_ms);
		ms_attr(p, e, "data-end", bar->end_ms);
		svg_title(p, e, bar->title);
		if (bar->exit < EXIT__COUNT && exit_pattern[bar->exit]) {
			char id[48];

			e = add_el(p, g, "path", "pat");
			lane_box_in(p, e, x0, x1, y0, bar->half);
			ms_attr(p, e, "data-start", bar->start_ms);
			ms_attr(p, e, "data-end", bar->end_ms);
			pattern_id(id + 5, sizeof id - 6, v->call, bar->exit);
			memcpy(id, "url(#", 5);
			strcat(id, ")");
			new_attr(p, e, "fill", id);
			new_attr(p, e, "data-exit", exit_reason_name(bar->exit));
			new_attr(p, e, "aria-hidden", "true");
		}
		if (bar->exit == EXIT_ONGOING) {
			/* An arrow past the bar's end: the stay goes on
			 * beyond the export. */
			e = add_el(p, g, "path", "ongoing-mark");
			q = b;
			*q++ = 'M';
			q = put_coord(q, x1);
			*q++ = ' ';
			q = put_coord(q, y0 + 5);
			strcpy(q, "l7 6l-7 6z");
			new_attr(p, e, "d", b);
			ms_attr(p, e, "data-t", bar->end_ms);
			svg_title(p, e, "still in the room at export");
		}
	}
}

/* The lane's outage and background spans, and its abnormal experiences
 * (diamonds: distinct from the event dots). */
static void lane_spans_exps(struct page *p, xmlNodePtr g, const struct callview *v,
			    const struct cv_lane *l, double y0)
{
	double mid = y0 + TL_LANE / 2.0;
	xmlNodePtr e;
	char b[160], *q;

	for (uint32_t k = 0; k < l->nspans; k++) {
		const struct cv_span *s = &v->spans[l->first_span + k];
		double x0 = tl_x(v, s->start_ms), x1 = tl_x(v, s->end_ms);

		e = add_el(p, g, "path", s->kind == CV_SPAN_OUTAGE ? "span span-outage"
								     : "span span-background");
		lane_box(p, e, x0, x1, y0);
		ms_attr(p, e, "data-start", s->start_ms);
		ms_attr(p, e, "data-end", s->end_ms);
		svg_title(p, e, s->title);
	}
	lane_marks(p, g, v, l, y0);
	for (uint32_t k = 0; k < l->nexps; k++) {
		const struct cv_exp *x = &v->exps[l->first_exp + k];

		e = add_el(p, g, "path", "exp");
		q = b;
		*q++ = 'M';
		q = put_coord(q, tl_x(v, x->time_ms));
		*q++ = ' ';
		q = put_coord(q, mid - 6);
		strcpy(q, "l6 6l-6 6l-6-6z");
		new_attr(p, e, "d", b);
		ms_attr(p, e, "data-t", x->time_ms);
		svg_title(p, e, x->title);
	}
}

void fill_timeline(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr svg, g;
	char b[160], *q;
	double height = TL_AXIS + (double)v->nlanes * TL_LANE + TL_BOTTOM;

	svg = add_el(p, n, "svg", "timeline");
	q = b + sprintf(b, "0 0 %d ", TL_W);
	put_coord(q, height);
	new_attr(p, svg, "viewBox", b);
	new_attr(p, svg, "role", "img");
	/* What the script (templates/timeline.js) needs to zoom: the axis'
	 * instants, the plot's x range and the zone's offsets. */
	ms_attr(p, svg, "data-t0", v->t0);
	ms_attr(p, svg, "data-t1", v->t1);
	ms_attr(p, svg, "data-x0", TL_LABEL);
	ms_attr(p, svg, "data-x1", TL_W - TL_RIGHT);
	new_attr(p, svg, "data-zones", v->zones ? v->zones : "");
	add_el_text(p, svg, "title", NULL, "Timeline: one lane per user");
	timeline_patterns(p, svg, v);
	timeline_axis(p, svg, v, height);
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];
		double y0 = TL_AXIS + (double)i * TL_LANE;

		g = add_el(p, svg, "g", l->selected ? "lane lane-selected" : "lane");
		new_attr(p, g, "data-user", l->user);
		lane_label(p, g, l, y0);
		lane_bars(p, g, v, l, y0);
		lane_spans_exps(p, g, v, l, y0);
	}
}
