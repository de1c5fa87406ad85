/*
 * render_chart — a call page's quality charts (from a quality file): per
 * user with charts, one chart per metric group, its series as polylines on
 * the timeline's time axis, reference lines, legend and description.
 * Does not: choose series, ranges or reference lines (callview.c), touch
 * libxml2's structs, write files.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

/* Quality charts: the timeline's x mapping (tl_x: same viewBox width, label
 * column and plot width, same t0..t1) so that a time lines up vertically
 * with the swimlane above; the y range is the chart's. */
enum { CH_TOP = 8, CH_PLOT = 84, CH_BOTTOM = 18 };

static double ch_y(const struct cv_chart *c, double v)
{
	double lo = c->y_min, hi = c->y_max, y;

	if (!(hi > lo))          /* also NaN: a flat line in the middle */
		return CH_TOP + CH_PLOT / 2.0;
	if (v != v || v < lo)    /* NaN at the bottom */
		v = lo;
	if (v > hi)
		v = hi;
	y = CH_TOP + CH_PLOT * (1.0 - (v - lo) / (hi - lo));
	/* Infinite ranges: never a non-number in an attribute. */
	return isfinite(y) ? y : CH_TOP + CH_PLOT / 2.0;
}

/* "rtt (ms)", "myCustomMetric": a series' name and unit as text of n. */
static void add_series_name(struct page *p, xmlNodePtr n, const struct cv_series *s)
{
	tb_reset(p);
	tb_str(p, s->name);
	if (s->unit && *s->unit) {
		tb_str(p, " (");
		tb_str(p, s->unit);
		tb_str(p, ")");
	}
	tb_flush(p, n);
}

/* The plot's frame and the timeline's tick grid; the chart's name and y
 * range in the label column. */
static void chart_axis(struct page *p, xmlNodePtr svg, const struct callview *v,
		       const struct cv_chart *c)
{
	double height = CH_TOP + CH_PLOT + CH_BOTTOM;
	xmlNodePtr g, e;
	char num[32];

	g = add_el(p, svg, "g", "axis");
	e = add_el(p, g, "rect", "plot");
	coord_attr(p, e, "x", TL_LABEL);
	coord_attr(p, e, "y", CH_TOP);
	coord_attr(p, e, "width", TL_W - TL_LABEL - TL_RIGHT);
	coord_attr(p, e, "height", CH_PLOT);
	for (uint32_t i = 0; i < v->nticks; i++) {
		double x = tl_x(v, v->ticks[i].time_ms);

		e = add_el(p, g, "line", "tick");
		coord_attr(p, e, "x1", x);
		coord_attr(p, e, "x2", x);
		coord_attr(p, e, "y1", CH_TOP);
		coord_attr(p, e, "y2", CH_TOP + CH_PLOT);
		e = add_el(p, g, "text", "tick-label");
		coord_attr(p, e, "x", x);
		coord_attr(p, e, "y", height - 5);
		tick_fit(p, e, x, v->ticks[i].label);
		add_text(p, e, v->ticks[i].label);
	}
	/* Chart name and y range in the label column. */
	e = add_el(p, g, "text", "chart-name");
	coord_attr(p, e, "x", 4);
	coord_attr(p, e, "y", CH_TOP + 10);
	add_text(p, e, c->title);
	snprintf(num, sizeof num, "%g", c->y_max);
	e = add_el(p, g, "text", "y-label");
	coord_attr(p, e, "x", TL_LABEL - 4);
	coord_attr(p, e, "y", CH_TOP + 8);
	add_text(p, e, num);
	snprintf(num, sizeof num, "%g", c->y_min);
	e = add_el(p, g, "text", "y-label");
	coord_attr(p, e, "x", TL_LABEL - 4);
	coord_attr(p, e, "y", CH_TOP + CH_PLOT);
	add_text(p, e, num);

}

/* Reference lines, under the data. */
static void chart_refs(struct page *p, xmlNodePtr svg, const struct cv_chart *c)
{
	xmlNodePtr g, e;
	char b[200];

	g = add_el(p, svg, "g", "refs");
	for (uint32_t k = 0; k < c->nrefs; k++) {
		const struct cv_refline *r = &c->refs[k];
		double y = ch_y(c, r->value);
		xmlNodePtr rg;

		snprintf(b, sizeof b, "ref %s", sev_class(r->severity));
		rg = add_el(p, g, "g", b);
		svg_title(p, rg, r->label);
		e = add_el(p, rg, "line", "ref-line");
		coord_attr(p, e, "x1", TL_LABEL);
		coord_attr(p, e, "x2", TL_W - TL_RIGHT);
		coord_attr(p, e, "y1", y);
		coord_attr(p, e, "y2", y);
		/* Labels alternate between the plot's right and left ends, so
		 * that two close lines keep readable labels. */
		e = add_el(p, rg, "text", k % 2 ? "ref-label left" : "ref-label");
		coord_attr(p, e, "x", k % 2 ? TL_LABEL + 2 : TL_W - TL_RIGHT - 2);
		coord_attr(p, e, "y", y - 2);
		add_text(p, e, r->label);
	}

}

/* The series: a polyline each (a dot too for a single sample). */
static void chart_data(struct page *p, xmlNodePtr svg, const struct callview *v,
		       const struct cv_chart *c)
{
	xmlNodePtr g, e;
	char b[200], num[32], *q;

	g = add_el(p, svg, "g", "data");
	for (uint32_t k = 0; k < c->nseries; k++) {
		const struct cv_series *s = &v->series[c->first_series + k];
		const struct cv_point *pt = v->points + s->first_point;

		snprintf(b, sizeof b, "series s%u", (unsigned)(s->style % 8));
		e = add_el(p, g, "polyline", b);
		add_series_name(p, add_el(p, e, "title", NULL), s);
		if (s->npoints == 0)
			continue;        /* no points attribute: nothing drawn */
		tb_reset(p);
		for (uint32_t i = 0; i < s->npoints; i++) {
			q = num;
			if (i)
				*q++ = ' ';
			q = put_coord(q, tl_x(v, pt[i].time_ms));
			*q++ = ',';
			q = put_coord(q, ch_y(c, pt[i].value));
			tb_add(p, num, (size_t)(q - num), 0);
		}
		new_attr(p, e, "points", p->tb ? p->tb : "");
		if (s->npoints == 1) {
			/* One sample draws no line: a dot instead. */
			snprintf(b, sizeof b, "dot s%u", (unsigned)(s->style % 8));
			e = add_el(p, g, "circle", b);
			coord_attr(p, e, "cx", tl_x(v, pt[0].time_ms));
			coord_attr(p, e, "cy", ch_y(c, pt[0].value));
			coord_attr(p, e, "r", 2.5);
			add_series_name(p, add_el(p, e, "title", NULL), s);
		}
	}

}

/* Legend and the text summary (shown when SVG is not). */
static void chart_legend(struct page *p, xmlNodePtr fig, const struct callview *v,
			 const struct cv_chart *c)
{
	xmlNodePtr ul, li;
	char b[200];

	ul = add_el(p, fig, "ul", "legend chart-legend");
	for (uint32_t k = 0; k < c->nseries; k++) {
		const struct cv_series *s = &v->series[c->first_series + k];

		if (s->continued)
			continue;        /* one legend entry per line, not per piece */
		li = add_el(p, ul, "li", NULL);
		snprintf(b, sizeof b, "swatch line s%u", (unsigned)(s->style % 8));
		add_el(p, li, "span", b);
		add_series_name(p, li, s);
	}
	for (uint32_t k = 0; k < c->nrefs; k++) {
		snprintf(b, sizeof b, "ref-key %s", sev_class(c->refs[k].severity));
		li = add_el(p, ul, "li", b);
		add_el(p, li, "span", "swatch dash");
		add_text(p, li, c->refs[k].label);
	}
	if (c->desc && *c->desc)
		add_el_text(p, fig, "figcaption", "chart-desc", c->desc);
}


/* One chart of lane l. */
static void fill_chart(struct page *p, xmlNodePtr parent, const struct callview *v,
		       const struct cv_lane *l, const struct cv_chart *c)
{
	xmlNodePtr fig, wrap, svg;
	char b[200], *q;
	double height = CH_TOP + CH_PLOT + CH_BOTTOM;

	fig = add_el(p, parent, "figure", "chart");
	wrap = add_el(p, fig, "div", "svg-wrap");
	scroll_region(p, wrap, c->title);
	svg = add_el(p, wrap, "svg", "chart");
	q = b + sprintf(b, "0 0 %d ", TL_W);
	put_coord(q, height);
	new_attr(p, svg, "viewBox", b);
	new_attr(p, svg, "role", "img");
	new_attr(p, svg, "data-group", c->group == CV_CHART_NETWORK ? "network"
				       : c->group == CV_CHART_MEDIA ? "media"
				       : c->group == CV_CHART_DEVICE ? "device" : "other");
	{
		xmlNodePtr t = add_el(p, svg, "title", NULL);

		tb_reset(p);
		tb_str(p, c->title);
		tb_str(p, " · ");
		tb_str(p, l->user);
		tb_flush(p, t);
	}
	chart_axis(p, svg, v, c);
	chart_refs(p, svg, c);
	chart_data(p, svg, v, c);
	chart_legend(p, fig, v, c);
}

/* The "charts" section: one block per lane with charts. Returns 0 when no
 * lane has any: the section is then left out. */
int fill_charts(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr blk, h;

	if (v->ncharts == 0)
		return 0;
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];

		if (l->ncharts == 0)
			continue;
		/* Per user a <details>, collapsed on a big call. */
		blk = add_el(p, n, "details", "lane-charts");
		new_attr(p, blk, "data-user", l->user);
		if (!v->findings_by_user)
			new_attr(p, blk, "open", "");
		h = add_el(p, add_el(p, blk, "summary", NULL), "h3", NULL);
		tb_reset(p);
		tb_str(p, l->user);
		if (l->device && *l->device) {
			tb_str(p, " · ");
			tb_str(p, l->device);
		}
		tb_flush(p, h);
		if (l->still_in_room)
			add_el_text(p, h, "span", "badge ongoing", "still in the room");
		for (uint32_t k = 0; k < l->ncharts; k++)
			fill_chart(p, blk, v, l, &v->charts[l->first_chart + k]);
	}
	return 1;
}
