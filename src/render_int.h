/*
 * render_int — what the render_*.c files share; not a public contract (see
 * render.h). The family, by job:
 *   render.c           template loading (render_open, render_close)
 *   render_node.c      node building, text cleaning, the call pages' node pool
 *                      (the only file that knows libxml2's struct internals)
 *   render_page.c      page helpers: slots, tables, facts, numbers, scratch text
 *   render_overview.c  the overview's content (totals, exits, top events, the
 *                      breakdown tables, worst calls, input and data quality)
 *   render_weekly.c    the overview's headline figures, trend charts, day table
 *   render_call.c      a call page's content but the timeline and the charts
 *                      (header facts, participants, findings, sessions, log)
 *   render_timeline.c  a call page's swimlane timeline
 *   render_chart.c     a call page's quality charts
 *   render_frame.c     a call template cut at its slots, filled per page
 *   render_ser.c       the serializer of the slots' nodes
 *   render_write.c     files, the atomic directory swap, the page threads,
 *                      the directory report in steps (render_dir_*)
 *   render_file.c      the single-file report in steps (render_file_*)
 *   render_index.c     the call index: "Find a call" and its data, the rows of
 *                      its lists, user links, a ticket file's head
 *   render_index_pages.c  a directory report's calls.html and index/ pages
 * Does not: anything a caller of render.h needs.
 */
#ifndef RR_RENDER_INT_H
#define RR_RENDER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>

#include "arena.h"
#include "callview.h"
#include "render.h"
#include "report.h"

/* The parsed templates (render_open). */
struct render {
	htmlDocPtr overview;     /* parsed templates, style/script/generator filled */
	htmlDocPtr call;         /* its <style> ends with CHARTS_MARK */
	char *charts_css;        /* for call pages with quality charts; "" when the
				  * call stylesheet has their rules already */
	size_t charts_len;
	unsigned threads;        /* page threads; 0: one per online processor */
};

/* Where the quality charts' rules go in a call page's stylesheet: a CSS
 * comment that render_open puts at its end and frame_open cuts out. */
#define CHARTS_MARK "/*roomreport-charts*/"

/* "PATH: what" into err (when err and errlen). */
void set_err(char *err, size_t errlen, const char *path, const char *what);
/* "PATH: write error", with the reason when e (an errno) has one. */
void set_write_err(char *err, size_t errlen, const char *path, int e);
/* libxml2's error handler that says nothing (per thread: every thread that
 * uses libxml2 sets it). */
void render_quiet(void *ctx, const char *msg, ...);

/* ------------------------------------------------------------ the page */

/* The page being built: its document, an XPath context for slots, and a
 * sticky failure flag so that builders can go on calling helpers after a
 * libxml2 allocation failed (helpers ignore a NULL parent) and the status is
 * checked once at the end. */
struct page {
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
	int oom;
	const struct report *r;
	const struct catalog *cat;
	int single;              /* single-file report: in-page links */
	char *tb;                /* text scratch of call pages (tb_*), reused */
	size_t tblen, tbcap;
	struct page_buf {        /* a second one (pb_add) */
		char *buf;
		size_t len, cap;
	} pb;
	struct mark_pos {        /* lane_marks' scratch */
		double x;
		int kind, bucket;
	} *mp;
	size_t mpcap;
	/* Call pages (lean = 1) build cheaply: names from the document's
	 * dictionary, looked up once per name (a small cache keyed by the
	 * literal's address), and short texts stored in their node. */
	int lean;
	struct { const char *key; const xmlChar *name; } names[32];
	/* Call pages: the nodes of the previous page, for the next one (see
	 * render_node.c). */
	struct pool {
		xmlNodePtr els, texts;   /* linked through next */
		xmlAttrPtr attrs;
		const xmlChar *text_name;  /* libxml2's name of text nodes */
	} pool;
	/* Call pages: the contents of the page's longer text nodes, emptied
	 * when the next page starts (page_next). */
	struct arena texts;
	/* add_time_shaped's last date and offset (tz_format_iso). */
	struct tz_iso_memo iso;
};

/* Sets p up for the overview (or another whole-document page): a copy of
 * tmpl. RR_OK or RR_ENOMEM. page_free frees what it made. */
int page_init(struct page *p, xmlDocPtr tmpl, const struct report *r,
	      const struct catalog *cat, int single);
void page_free(struct page *p);
/* Sets p up for call pages built in doc (lean nodes, pool, text arena);
 * page_lean_free frees those (not doc). */
void page_lean_init(struct page *p, xmlDocPtr doc, const struct report *r,
		    const struct catalog *cat, int single);
void page_lean_free(struct page *p);

/* ---------------------------------------------------------- render_node.c */

/* Nodes. Every string from the data enters the tree through these, cleaned
 * (control characters, noncharacters, invalid UTF-8 → U+FFFD) and escaped on
 * output. A NULL parent or node is ignored; a failure sets p->oom. */
xmlNodePtr add_el(struct page *p, xmlNodePtr parent, const char *name, const char *cls);
xmlNodePtr add_el_text(struct page *p, xmlNodePtr parent, const char *name, const char *cls,
		       const char *s);
void add_text(struct page *p, xmlNodePtr parent, const char *s);
void add_text_n(struct page *p, xmlNodePtr parent, const char *s, size_t n);
void add_u64(struct page *p, xmlNodePtr parent, uint64_t v);
/* Sets (replaces) attribute name; new_attr adds one the node lacks, from
 * the call pages' pool of nodes: the one to use on a node just made. */
void set_attr(struct page *p, xmlNodePtr node, const char *name, const char *s);
void new_attr(struct page *p, xmlNodePtr node, const char *name, const char *s);
/* As new_attr, but on call pages the value's bytes are kept in the page's
 * text arena (no allocation of their own) until the page's nodes go back
 * to the pool. Only for an attribute that nothing sets again, removes or
 * frees apart from its element: libxml2 would free those bytes. */
void new_attr_kept(struct page *p, xmlNodePtr node, const char *name, const char *s);
/* Frees n's children; drop_node unlinks and frees n. NULL is fine. */
void remove_children(xmlNodePtr n);
void drop_node(xmlNodePtr n);
/* 1 when element n is named name. */
int node_is(xmlNodePtr n, const char *name);
/* Takes the siblings after mark (and all under them) back into p's pool;
 * mark is then its parent's last child. */
void pool_put_after(struct page *p, xmlNodePtr mark);
/* A new call page starts: the previous page's texts are gone. */
void page_next(struct page *p);

/* ---------------------------------------------------------- render_page.c */

/* The first element at or under root with data-slot="name" (our constant),
 * or NULL; *oom set when XPath failed. */
xmlNodePtr find_slot(xmlXPathContextPtr xp, xmlNodePtr root, const char *name, int *oom);
xmlNodePtr slot(struct page *p, xmlNodePtr root, const char *name);
void slot_set_text(struct page *p, xmlNodePtr root, const char *name, const char *s);

/* 1 when call i has a page of its own (report_select_pages). */
int has_page(const struct report *r, uint32_t i);

void fmt_pm(int64_t pm, char *b, size_t n);
void fmt_dur(int64_t ms, char *b, size_t n);
/* Digits of v at b; returns the end (not terminated). */
char *put_u64(char *b, uint64_t v);
/* A viewBox number with at most one decimal at b, NUL-terminated; returns
 * the end. At most 24 bytes. */
char *put_coord(char *b, double x);
void coord_attr(struct page *p, xmlNodePtr n, const char *name, double x);
void set_num(struct page *p, xmlNodePtr n, const char *name, double x);
void svg_title(struct page *p, xmlNodePtr mark, const char *s);

struct col {
	const char *name;
	int num;                 /* right-aligned figures */
};
/* Makes wrap, a box that may scroll sideways, reachable by keyboard
 * (tabindex 0) and named for screen readers (a region called label). */
void scroll_region(struct page *p, xmlNodePtr wrap, const char *label);
xmlNodePtr add_table(struct page *p, xmlNodePtr parent, const char *cls,
		     const struct col *cols, size_t ncols);
xmlNodePtr td_text(struct page *p, xmlNodePtr tr, const char *s, const char *cls);
void td_u64(struct page *p, xmlNodePtr tr, uint64_t v);
void badge(struct page *p, xmlNodePtr parent, enum severity s);
/* When the report was filtered: sep, then "Filters: " (a span of class
 * "filters") and the filters as run_filters_text gave them, into n. */
void add_filters_note(struct page *p, xmlNodePtr n, const char *sep);
const char *sev_class(enum severity s);
void exit_cell(struct page *p, xmlNodePtr tr, enum exit_reason e);
xmlNodePtr add_fact(struct page *p, xmlNodePtr dl, const char *term);
void fact_u64(struct page *p, xmlNodePtr dl, const char *term, uint64_t v);
void fact_text(struct page *p, xmlNodePtr dl, const char *term, const char *s);
void empty_note(struct page *p, xmlNodePtr parent, const char *s);
/* A <time> element for the instant ms, appended to parent and returned:
 * datetime="2026-11-20T10:31:05.120+08:00" (the instant with the page
 * zone's offset at it), data-f naming the shape of the text ("dt" date and
 * time, "dtms" with milliseconds, "t" time of day, "d" date; what
 * templates/ scripts re-draw in another zone), and as text: text when not
 * NULL (a time already formatted, such as tz_time_text's "02:05:00 CET"),
 * else ms formatted with f in the page's zone. f is TZF_DATETIME,
 * TZF_DATETIME_MS, TZF_TIME or TZF_DATE. NULL when out of memory. */
xmlNodePtr add_time(struct page *p, xmlNodePtr parent, int64_t ms, enum tz_format f,
		    const char *text);
/* The len bytes of text (any length; NUL-terminated or not) into parent,
 * each time ft says they hold (struct finding_time) as a <time> element in
 * the shape of its text (data-f "dt" for a date and time, "t" a time of
 * day, "hm" hours and minutes), the rest as text: the same characters as
 * text. From a time not within them where ft says on, the rest is text.
 * Findings' sentences and the call view's texts with times. */
void add_timed_text(struct page *p, xmlNodePtr parent, const char *text, size_t len,
		    const struct finding_times *ft);

/* As add_time, with text (not NULL) in one of the shapes templates/zone.js
 * knows besides add_time's: "tms" (10:31:05.120, the event log) and "hm"
 * (10:31, an abnormal experience on the minute). NULL when out of memory. */
xmlNodePtr add_time_shaped(struct page *p, xmlNodePtr parent, int64_t ms, const char *shape,
			   const char *text);

/* The display zone's name ("Asia/Shanghai", "UTC") under parent, in a
 * <span data-zone> that templates/zone.js rewrites when the reader shows
 * the page's times in another zone. NULL when out of memory. */
xmlNodePtr add_zone_name(struct page *p, xmlNodePtr parent);

/* The page's text scratch (p->tb) and its second one (p->pb). */
void tb_reset(struct page *p);
void tb_add(struct page *p, const char *s, size_t n, int flat);
void tb_str(struct page *p, const char *s);
void tb_app(struct page *p, uint32_t room);
void tb_flush(struct page *p, xmlNodePtr parent);
void pb_add(struct page *p, const char *s, size_t n);

/* ------------------------------------------- render_overview.c, _weekly.c */

/* Fills the overview page p (root: its document's root). */
void fill_overview(struct page *p, xmlNodePtr root);

/* How a figure is shown (render_weekly.c). The renderer only formats: per
 * mille as a percentage with one decimal (success rates) or as a plain
 * number where the label says "per 1000 sessions", tenths as one decimal,
 * ms as a duration, summed ms as hours with one decimal; "—" for RR_NONE. */
enum unit { U_COUNT, U_PM, U_PER1000, U_MS, U_X10, U_HOURS };
void fmt_value(enum unit u, int64_t v, char *b, size_t n);
void fill_headline(struct page *p, xmlNodePtr root);
/* "What changed" (render_changes.c) under parent (the headline's slot),
 * when the report has a baseline; without one, "Where this week stands
 * out" when the report's standouts were built. */
void fill_changes(struct page *p, xmlNodePtr parent);
void fill_days(struct page *p, xmlNodePtr root);

/* render_context.c: what went with timeouts, kicks and entry failures
 * (under n); the trend cell of headline figure i in unit u (with several
 * baselines); a top list with its rates per 1000 sessions (by_users: of
 * users, else of rows) and, with a baseline, the baseline's. */
void fill_context(struct page *p, xmlNodePtr n);
void fill_trend_cell(struct page *p, xmlNodePtr tr, int i, enum unit u);
void fill_top_list(struct page *p, xmlNodePtr parent, const struct top_item *t, size_t n,
		   int causes, int by_users);

/* ---------------------------------------------------------- render_index.c */

/* User ID user (a strtab id) as a link to their calls: their row in the
 * call index's list of users (#u-N in the single file, or #find when its
 * users' lists are left out; index/users-K.html#u-N from a directory
 * report's overview, users-K.html#u-N with in_dir: on a page under
 * index/), with data-user, which report.js turns into #user=ID. Plain text
 * for a user with no call. */
void add_user_link(struct page *p, xmlNodePtr parent, uint32_t user, int in_dir);
/* The overview's "Find a call" section into n: the summary, the search
 * box (shown by report.js), the calls as JSON in <script
 * type="application/json" id="find-data">, and the fallback: the lists
 * (single file) or a link to calls.html. */
void fill_find(struct page *p, xmlNodePtr n);
/* Call i's start as the index shows it ("10:31:05", with the zone's
 * abbreviation when the calls span a change of offset) into b. */
void call_time(const struct report *r, uint32_t i, char *b, size_t n);
/* The index's rows under ul: calls from .. to) (li#c-N: the start, linked
 * to the call's page or section, room, CommId, users, findings), users
 * from .. to) (li#u-N: the ID, then each call linked by its start and
 * room). in_dir: the page is under index/. */
void fill_day_rows(struct page *p, xmlNodePtr ul, uint32_t from, uint32_t to, int in_dir);
void fill_user_rows(struct page *p, xmlNodePtr ul, uint32_t from, uint32_t to, int in_dir);

/* ---------------------------------------------------- render_index_pages.c */

/* A directory report's call index: calls.html (the days and the users'
 * pages, linked) and the pages under index/ (day-K.html, users-K.html; K
 * from 1). index_page_count: how many pages in all (0 when the report has
 * no index); build_index_page builds page k (0: calls.html, then the day
 * pages, then the users' pages) into p from the overview's template
 * (page_free frees it) and writes its path under the report directory
 * ("calls.html", "index/day-3.html") into name (32 bytes suffice). RR_OK
 * or RR_ENOMEM. */
uint32_t index_page_count(const struct report *r);
int build_index_page(struct render *rd, const struct report *r, const struct catalog *cat,
		     uint32_t k, struct page *p, char *name, size_t n);
/* A ticket file's head before calls (the "calls" slot): title, heading
 * and each call's findings. */
void fill_ticket(struct page *p, xmlNodePtr root, xmlNodePtr calls);

/* ------------------------------- render_call.c, _timeline.c, _chart.c */

/* The timeline's geometry, in viewBox units, which the charts share. Width
 * is fixed (the SVG scales to the page with CSS); height grows with the
 * lanes. */
enum {
	TL_W = 1000, TL_LABEL = 150, TL_RIGHT = 12, TL_AXIS = 22, TL_LANE = 22, TL_BOTTOM = 6
};
double tl_x(const struct callview *v, int64_t t);
void tick_fit(struct page *p, xmlNodePtr e, double x, const char *label);
void fill_timeline(struct page *p, xmlNodePtr n, const struct callview *v);
/* 0 when the call has no charts (the section is then left out). */
int fill_charts(struct page *p, xmlNodePtr n, const struct callview *v);

/* ----------------------------------------------------------- render_ser.c */

/* The bytes of one call page (or single-file section) as they are made:
 * the template's parts are appended directly, the slots' contents by the
 * serializer (sink_add, or libxml2's through sink_write, an
 * xmlOutputWriteCallback). The page then goes out in one write. RR_OK or
 * RR_ENOMEM (sink_write: n, or -1). */
struct sink {
	char *buf;
	size_t len, cap;
};
int sink_write(void *ctx, const char *b, int n);
int sink_add(struct sink *k, const char *b, size_t n);

/* The options of libxml2's serializer that ser_nodes writes the bytes of:
 * xmlSaveTree through xmlSaveToIO(..., "UTF-8", RENDER_SAVE_OPTIONS). */
#define RENDER_SAVE_OPTIONS (XML_SAVE_NO_EMPTY | XML_SAVE_NO_DECL | XML_SAVE_AS_XML)

struct ser {
	struct sink *k;
	xmlSaveCtxtPtr save;       /* the fallback, writing into k */
	xmlOutputBufferPtr esc;    /* text escaping, writing into k */
	xmlBufferPtr abuf;         /* attribute escaping */
};
/* A serializer writing into k; RR_OK or RR_ENOMEM (w then empty). */
int ser_open(struct ser *w, struct sink *k);
void ser_close(struct ser *w);
/* Writes n and its following siblings, with all under them, into w's sink:
 * the bytes xmlSaveTree writes with RENDER_SAVE_OPTIONS. RR_OK or
 * RR_ENOMEM. */
int ser_nodes(struct ser *w, xmlNodePtr n);

/* --------------------------------------------------------- render_frame.c */

/* The most slots a frame has. */
#define FRAME_SLOTS 24

/* The slots of a kind of page: names (data-slot values), and which ones
 * have their template content replaced rather than added to (bit k: slot
 * k). */
struct frame_spec {
	const char *const *names;
	unsigned n;
	uint32_t replace;
};

/* A page template cut at its slots (see render_frame.c). */
struct frame {
	xmlDocPtr doc;                 /* a copy of the template; builds the nodes */
	xmlNodePtr root;               /* the <section> (single file), else NULL */
	xmlNodePtr slot[FRAME_SLOTS];  /* NULL: not in the template */
	xmlNodePtr keep[FRAME_SLOTS];  /* the marker that the new children follow */
	uint8_t order[FRAME_SLOTS];    /* the slots present, in document order */
	unsigned nslots;
	char *bytes;                   /* the template, serialized, markers cut out */
	/* The parts between markers, [start, end) in bytes: part 0, and per
	 * slot k in order, the slot's start tag and own children (3k + 1), its
	 * end tag (3k + 2) and what follows up to the next slot (3k + 3). A
	 * section has one more part first: its start tag. */
	size_t part[3 * FRAME_SLOTS + 2][2];
	unsigned nparts;
	/* Where the stylesheet takes the charts' rules, in bytes (a page
	 * with charts gets css there), or SIZE_MAX. */
	size_t css_at;
	const char *css;
	size_t css_len;
};

/* Makes frame f from template tmpl with the slots of spec: the page
 * (section = 0), whose stylesheet gets css (css_len bytes, kept by the
 * caller) where CHARTS_MARK ends it when asked, or the single-file section
 * (section = 1: the element with data-slot="call", as a <section>, its
 * headings one level down). RR_OK; RR_ENOMEM; RR_EDATA when the template
 * has no "call" slot or uses the slot marker. */
int frame_open(struct frame *f, xmlDocPtr tmpl, const struct frame_spec *spec, int section,
	       const char *css, size_t css_len);
void frame_close(struct frame *f);
/* The comment frame_open refuses in a template. */
#define SLOT_MARK "roomreport-slot"

/* How frame_write fills one page: fill(ctx, p, slot, element) appends the
 * slot's content under element and returns 0 when the slot is to be left
 * out; id is the section's id (single file); css is 1 when the page gets
 * the charts' rules. */
struct frame_fill {
	int (*fill)(const void *ctx, struct page *p, int slot, xmlNodePtr n);
	const void *ctx;
	const char *id;
	int css;
};
/* Writes one page through f into out: the template's bytes and, between
 * them, each slot's new nodes, serialized by save (into out) and taken back
 * into p's pool. RR_OK or RR_ENOMEM. */
int frame_write(struct frame *f, struct page *p, const struct frame_fill *fl, struct ser *save,
		struct sink *out);

/* ---------------------------------------------------------- render_call.c */

/* The call page's slots, and the frame_fill of call view v. */
extern const struct frame_spec call_frame_spec;
void call_fill(struct frame_fill *fl, const struct callview *v, char *id, size_t idlen);

/* --------------------------------------------- render_write.c, _file.c */

/* r with the records of ds (see render_write.c). */
void report_view(const struct report *r, const struct dataset *ds, struct report *rv,
		 struct dataset *dv);
/* The k-th call of a step's list (calls NULL: k itself). */
uint32_t list_call(const uint32_t *calls, size_t k);
/* Joins a and b with '/' into a new string; NULL when out of memory. */
char *path_join(const char *a, const char *b);
/* The overview page p of r, built. RR_OK or RR_ENOMEM (p to page_free). */
int build_overview(struct render *rd, const struct report *r, const struct catalog *cat,
		   int single, struct page *p);

/*
 * A report being written (render_dir_* / render_file_*). The calls' records
 * come with each step; everything else (model, strings, companion rows) is
 * r's throughout. See render_file.c for the single file's fields.
 */
struct render_job {
	struct render *rd;
	const struct report *r;
	const struct catalog *cat;
	int rc;                  /* not RR_OK once a step failed */
	/* directory */
	char *base;              /* the report's path without a trailing '/' */
	char *tmp;               /* the fresh sibling directory */
	int exists;              /* base existed: swapped, not renamed */
	/* single file */
	char *path;              /* as given */
	char *ftmp;              /* the temporary name; NULL: a device, written in place */
	FILE *f;
	xmlOutputBufferPtr ov;   /* the overview's bytes; tail .. end still to write */
	const char *tail;
	size_t tail_len;
	struct frame fr;         /* the call template as a <section> */
	struct page cp;
	struct callview v;
	struct sink sk;          /* one section's bytes */
	struct ser save;         /* into sk */
	uint32_t next;           /* the first call not yet in f */
	int sfd;                 /* the sections written ahead; -1 until needed */
	char *spath;             /* its name while it had one, for messages */
	uint64_t send;           /* its length */
	uint64_t *soff;          /* per call: 1 + offset in sfd, 0 when not there */
	uint64_t *slen;
	char *copy;              /* a buffer for copying out of sfd */
};

#endif
