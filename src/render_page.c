/*
 * render_page — what every page's content is made with, above single nodes:
 * slots, tables with a header row, fact lists, severity badges, numbers as
 * the pages show them (percentages, durations, viewBox coordinates), and
 * the page's text scratch, which builds one text node from many pieces.
 * Does not: know which page it is on, touch libxml2's structs, or write
 * anything.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

void set_err(char *err, size_t errlen, const char *path, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, what);
}

/* "PATH: write error", with the reason when errno has one. */
void set_write_err(char *err, size_t errlen, const char *path, int e)
{
	if (err && errlen && e)
		snprintf(err, errlen, "%s: write error: %s", path, strerror(e));
	else
		set_err(err, errlen, path, "write error");
}

/* ----------------------------------------------------------------- times */

xmlNodePtr add_time(struct page *p, xmlNodePtr parent, int64_t ms, enum tz_format f,
		    const char *text)
{
	static const char *const shape[] = {
		[TZF_DATETIME] = "dt", [TZF_DATETIME_MS] = "dtms",
		[TZF_TIME] = "t", [TZF_DATE] = "d", [TZF_ISO] = "dt",
	};
	char b[40];

	if (!text) {
		tz_format(p->r->tz, ms, f, b, sizeof b);
		text = b;
	}
	return add_time_shaped(p, parent, ms, shape[f], text);
}

xmlNodePtr add_time_shaped(struct page *p, xmlNodePtr parent, int64_t ms, const char *shape,
			   const char *text)
{
	char iso[40];
	xmlNodePtr t;

	tz_format_iso(p->r->tz, &p->iso, ms, iso, sizeof iso);
	if (!(t = add_el_text(p, parent, "time", NULL, text)))
		return NULL;
	new_attr_kept(p, t, "datetime", iso);   /* a fresh element's, never set again */
	new_attr(p, t, "data-f", shape);
	return t;
}

xmlNodePtr add_zone_name(struct page *p, xmlNodePtr parent)
{
	const char *z = p->r->tz ? tz_name(p->r->tz) : "UTC";
	xmlNodePtr n = add_el_text(p, parent, "span", "zone-name", z);

	if (n)
		set_attr(p, n, "data-zone", z);
	return n;
}

void add_timed_text(struct page *p, xmlNodePtr parent, const char *text, size_t len,
		    const struct finding_times *ft)
{
	static const char *const shape[] = { [FT_TIME] = "t", [FT_DATETIME] = "dt", [FT_HM] = "hm" };
	size_t at = 0;
	char b[256];

	for (uint32_t k = 0; k < ft->n && k < FINDING_TIMES; k++) {
		const struct finding_time *t = &ft->t[k];

		if (t->off < at || (size_t)t->off + t->len > len || t->len < 5)
			break;   /* not where the model said: the rest as text */
		add_text_n(p, parent, text + at, t->off - at);
		memcpy(b, text + t->off, t->len);
		b[t->len] = '\0';
		add_time_shaped(p, parent, t->ms, t->shape <= FT_HM ? shape[t->shape] : "t", b);
		at = (size_t)t->off + t->len;
	}
	add_text_n(p, parent, text + at, len - at);
}

/* --------------------------------------------------------------- numbers */

/* Per mille as "93.4 %", or "—" for RR_NONE. */
void fmt_pm(int64_t pm, char *b, size_t n)
{
	if (pm == RR_NONE || pm < 0)
		snprintf(b, n, "—");
	else
		snprintf(b, n, "%" PRId64 ".%" PRId64 " %%", pm / 10, pm % 10);
}

void fmt_dur(int64_t ms, char *b, size_t n)
{
	if (ms == RR_NONE)
		snprintf(b, n, "—");
	else
		fmt_duration(ms, b, n);
}

/* ----------------------------------------------------------------- slots */

/* The first element at or under root with data-slot="name". Slot names are
 * our constants, never data. */
xmlNodePtr find_slot(xmlXPathContextPtr xp, xmlNodePtr root, const char *name, int *oom)
{
	char expr[128];
	xmlXPathObjectPtr o;
	xmlNodePtr n = NULL;

	snprintf(expr, sizeof expr, "descendant-or-self::*[@data-slot='%s']", name);
	xp->node = root;
	o = xmlXPathEvalExpression((const xmlChar *)expr, xp);
	if (!o) {
		if (oom)
			*oom = 1;
		return NULL;
	}
	if (o->nodesetval && o->nodesetval->nodeNr > 0)
		n = o->nodesetval->nodeTab[0];
	xmlXPathFreeObject(o);
	return n;
}

xmlNodePtr slot(struct page *p, xmlNodePtr root, const char *name)
{
	return find_slot(p->xp, root, name, &p->oom);
}

/* Replaces the text of a slot such as <title> (never <script>/<style>). */
void slot_set_text(struct page *p, xmlNodePtr root, const char *name, const char *s)
{
	xmlNodePtr n = slot(p, root, name);

	remove_children(n);
	add_text(p, n, s);
}

int page_init(struct page *p, xmlDocPtr tmpl, const struct report *r,
	      const struct catalog *cat, int single)
{
	memset(p, 0, sizeof *p);
	p->r = r;
	p->cat = cat;
	p->single = single;
	if (!(p->doc = xmlCopyDoc(tmpl, 1)))
		return RR_ENOMEM;
	if (!(p->xp = xmlXPathNewContext(p->doc))) {
		xmlFreeDoc(p->doc);
		p->doc = NULL;
		return RR_ENOMEM;
	}
	return RR_OK;
}

void page_free(struct page *p)
{
	if (p->xp)
		xmlXPathFreeContext(p->xp);
	if (p->doc)
		xmlFreeDoc(p->doc);
	rr_free(p->tb);          /* the text buffer (tb_add), on any page */
	p->xp = NULL;
	p->doc = NULL;
	p->tb = NULL;
	p->tbcap = p->tblen = 0;
}

/* ---------------------------------------------------------------- tables */

void scroll_region(struct page *p, xmlNodePtr wrap, const char *label)
{
	new_attr(p, wrap, "tabindex", "0");
	new_attr(p, wrap, "role", "region");
	new_attr(p, wrap, "aria-label", label);
}

/* A table (in a scrolling wrapper) with a header row; returns its tbody.
 * The wrapper is a keyboard-reachable region named by the table's first
 * columns ("Table: User, Session, Platform, …"). */
xmlNodePtr add_table(struct page *p, xmlNodePtr parent, const char *cls,
		     const struct col *cols, size_t ncols)
{
	xmlNodePtr wrap = add_el(p, parent, "div", "table-wrap");
	xmlNodePtr t = add_el(p, wrap, "table", cls);
	xmlNodePtr tr = add_el(p, add_el(p, t, "thead", NULL), "tr", NULL);
	char label[160];
	size_t k = (size_t)snprintf(label, sizeof label, "Table:");

	for (size_t i = 0; i < ncols && i < 3 && k < sizeof label; i++)
		k += (size_t)snprintf(label + k, sizeof label - k, "%s %s", i ? "," : "",
				      cols[i].name);
	if (ncols > 3 && k < sizeof label)
		snprintf(label + k, sizeof label - k, ", …");
	scroll_region(p, wrap, label);

	for (size_t i = 0; i < ncols; i++) {
		xmlNodePtr th = add_el_text(p, tr, "th", cols[i].num ? "num" : NULL, cols[i].name);
		set_attr(p, th, "scope", "col");
	}
	return add_el(p, t, "tbody", NULL);
}

xmlNodePtr td_text(struct page *p, xmlNodePtr tr, const char *s, const char *cls)
{
	return add_el_text(p, tr, "td", cls, s);
}

void td_u64(struct page *p, xmlNodePtr tr, uint64_t v)
{
	add_u64(p, add_el(p, tr, "td", "num"), v);
}

void badge(struct page *p, xmlNodePtr parent, enum severity s)
{
	static const char *const cls[SEV__COUNT] = {
		"badge sev-info", "badge sev-warning", "badge sev-error" };

	add_el_text(p, parent, "span", cls[s < SEV__COUNT ? s : SEV_INFO], severity_name(s));
}

const char *sev_class(enum severity s)
{
	static const char *const cls[SEV__COUNT] = { "sev-info", "sev-warning", "sev-error" };

	return cls[s < SEV__COUNT ? s : SEV_INFO];
}

/* A cell with the exit reason's colour swatch and name. */
void exit_cell(struct page *p, xmlNodePtr tr, enum exit_reason e)
{
	xmlNodePtr td = add_el(p, tr, "td", NULL);
	char cls[48];

	snprintf(cls, sizeof cls, "swatch exit-%s", exit_reason_name(e));
	add_el(p, td, "span", cls);
	add_text(p, td, exit_reason_label(e));
}

/* A definition list of facts; add_fact appends one. */
xmlNodePtr add_fact(struct page *p, xmlNodePtr dl, const char *term)
{
	add_el_text(p, dl, "dt", NULL, term);
	return add_el(p, dl, "dd", NULL);
}

void fact_u64(struct page *p, xmlNodePtr dl, const char *term, uint64_t v)
{
	add_u64(p, add_fact(p, dl, term), v);
}

void fact_text(struct page *p, xmlNodePtr dl, const char *term, const char *s)
{
	add_text(p, add_fact(p, dl, term), s);
}

void empty_note(struct page *p, xmlNodePtr parent, const char *s)
{
	add_el_text(p, parent, "p", "empty", s);
}



/* 1 when call i has a page of its own (report_select_pages; all when the
 * report has no selection). */
int has_page(const struct report *r, uint32_t i)
{
	return !r->call_page || r->call_page[i];
}


void set_num(struct page *p, xmlNodePtr n, const char *name, double x)
{
	char b[32];

	snprintf(b, sizeof b, "%.1f", x);
	set_attr(p, n, name, b);
}

/* <title> as the first child: the hover text of an SVG mark. */
void svg_title(struct page *p, xmlNodePtr mark, const char *s)
{
	add_el_text(p, mark, "title", NULL, s);
}

char *put_u64(char *b, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*b++ = tmp[--n];
	return b;
}

/* A viewBox number with at most one decimal ("150", "150.6", "-3.5") at
 * b, NUL-terminated; returns the end. At most 24 bytes. Non-numbers and
 * absurd values (never produced by the geometry) become 0. */
char *put_coord(char *b, double x)
{
	int64_t t;
	int neg = x < 0;

	if (!(x > -1e15 && x < 1e15))
		x = 0;
	if (neg)
		x = -x;
	t = (int64_t)(x * 10 + 0.5);
	if (neg && t)
		*b++ = '-';
	if (t < 10000) {
		/* The usual case, without division loops: 0 .. 999.9. */
		int i = (int)(t / 10), f = (int)(t % 10);

		if (i >= 100)
			*b++ = (char)('0' + i / 100);
		if (i >= 10)
			*b++ = (char)('0' + i / 10 % 10);
		*b++ = (char)('0' + i % 10);
		if (f) {
			*b++ = '.';
			*b++ = (char)('0' + f);
		}
	} else {
		b = put_u64(b, (uint64_t)t / 10);
		if (t % 10) {
			*b++ = '.';
			*b++ = (char)('0' + t % 10);
		}
	}
	*b = '\0';
	return b;
}

void coord_attr(struct page *p, xmlNodePtr n, const char *name, double x)
{
	char b[32];

	put_coord(b, x);
	new_attr(p, n, name, b);
}

/* ---- the page's text scratch: one growing buffer, reused ---- */

void tb_reset(struct page *p)
{
	p->tblen = 0;
	if (p->tb)
		p->tb[0] = '\0';
}

/* Appends n bytes at s; newlines and tabs become spaces when flat is set
 * (data going into one line of text). */
void tb_add(struct page *p, const char *s, size_t n, int flat)
{
	char *d;

	/* Called for every piece of every log line: grows only when full. */
	if (p->tbcap - p->tblen <= n &&
	    rr_grow(&p->tb, &p->tbcap, p->tblen + n + 1, 1) != RR_OK) {
		p->oom = 1;
		return;
	}
	d = p->tb + p->tblen;
	memcpy(d, s, n);
	if (flat)
		for (size_t i = 0; i < n; i++)
			if (d[i] == '\n' || d[i] == '\t')
				d[i] = ' ';
	p->tblen += n;
	p->tb[p->tblen] = '\0';
}

void tb_str(struct page *p, const char *s)
{
	tb_add(p, s, strlen(s), 1);
}

/* After a room, when the report's calls are of several apps: which app
 * (its SdkAppId, or "no SdkAppId" for rows that gave none). */
void tb_app(struct page *p, uint32_t room)
{
	size_t n;
	const char *a;

	if (!p->r->several_apps)
		return;
	a = dataset_room_app(p->r->ds->strs, room, &n);
	tb_str(p, a ? " (app " : " (no SdkAppId");
	if (a)
		tb_add(p, a, n, 1);
	tb_str(p, ")");
}

/* The second scratch (path data while tb holds a title). */
void pb_add(struct page *p, const char *s, size_t n)
{
	struct page_buf *b = &p->pb;

	if (b->cap - b->len <= n && rr_grow(&b->buf, &b->cap, b->len + n + 1, 1) != RR_OK) {
		p->oom = 1;
		return;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/* The scratch as a text node of parent, then emptied. */
void tb_flush(struct page *p, xmlNodePtr parent)
{
	if (p->tblen)
		add_text_n(p, parent, p->tb, p->tblen);
	tb_reset(p);
}

/* ---- the scope of a page: zone and filters (issue 17 items 4 and 6) ---- */

void add_filters_note(struct page *p, xmlNodePtr n, const char *sep)
{
	if (!p->r->filters || !*p->r->filters)
		return;
	add_text(p, n, sep);
	add_el_text(p, n, "span", "filters", "Filters: ");
	add_text(p, n, p->r->filters);
}
