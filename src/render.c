/*
 * render — the HTML report (see render.h). The only module that includes
 * libxml2.
 *
 * How a page is made: the templates are parsed once (render_open) and the
 * stylesheet, script and generator are put into them then. The overview is a
 * copy of its template (xmlCopyDoc) whose slots — elements with
 * data-slot="NAME", found by XPath — get new nodes appended. Call pages, of
 * which there are many, are cut from the call template serialized once
 * (struct frame): per call only the nodes appended to the slots are built,
 * serialized between the template's bytes (ser_nodes: the bytes
 * xmlSaveTree would write, with libxml2's escapers) and taken back into a
 * pool for the next page (pool_take). Every string from the
 * model enters the tree as text or attribute value nodes, which libxml2
 * escapes on output, after clean() has replaced what HTML forbids (control
 * characters, noncharacters, invalid UTF-8). Nothing here concatenates
 * markup, and no data ever goes into <script> or <style>.
 *
 * Memory: one page's tree at a time. The multi-page report takes each call
 * page's nodes back (into the writer's pool, for the next page) after
 * writing it; the single-file report writes the overview,
 * then each call's <section>, one at a time (see struct render_job).
 */
#define _GNU_SOURCE 1   /* syscall() for renameat2 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fs.h>   /* RENAME_EXCHANGE */

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>

#include "callview.h"
#include "render.h"
#include "templates.h"
#include "util.h"
#include "version.h"

#define PARSE_FLAGS (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | \
		     HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD)

/* Comment put into the overview's "calls" slot in single-file mode, where
 * the call sections are streamed in (see render_file_begin). */
#define CALLS_MARK "roomreport:calls"

struct render {
	htmlDocPtr overview;     /* parsed templates, style/script/generator filled */
	htmlDocPtr call;         /* its <style> ends with CHARTS_MARK */
	char *charts_css;        /* for call pages with quality charts; "" when the
				  * call stylesheet has their rules already */
	size_t charts_len;
};

/* Where the quality charts' rules go in a call page's stylesheet: a CSS
 * comment that render_open puts at its end and frame_open cuts out. */
#define CHARTS_MARK "/*roomreport-charts*/"

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
	 * pool_take). */
	struct pool {
		xmlNodePtr els, texts;   /* linked through next */
		xmlAttrPtr attrs;
		const xmlChar *text_name;  /* libxml2's name of text nodes */
	} pool;
	/* Call pages: the contents of the page's longer text nodes (see
	 * text_keep), emptied when the next page starts. */
	struct text_block {
		struct text_block *next;
		size_t used, cap;
		char data[];
	} *texts;
};

/* Marks (in the node's psvi, which nothing else here uses) a text node
 * whose content is in the page's text blocks, not libxml2's to free. */
static char text_in_block;
#define TEXT_KEPT ((void *)&text_in_block)
#define TEXT_BLOCK 65536

static void set_err(char *err, size_t errlen, const char *path, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, what);
}

/* "PATH: write error", with the reason when errno has one. */
static void set_write_err(char *err, size_t errlen, const char *path, int e)
{
	if (err && errlen && e)
		snprintf(err, errlen, "%s: write error: %s", path, strerror(e));
	else
		set_err(err, errlen, path, "write error");
}

/* ------------------------------------------------------------------ text */

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or 0
 * when it is invalid (the caller then replaces one byte). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Characters HTML does not allow in text or attribute values: controls
 * other than tab and newline (C0, DEL, C1) and noncharacters. */
static int forbidden(uint32_t c)
{
	if (c < 0x20)
		return c != '\t' && c != '\n';
	if (c >= 0x7F && c <= 0x9F)
		return 1;
	if (c >= 0xFDD0 && c <= 0xFDEF)
		return 1;
	return (c & 0xFFFE) == 0xFFFE;
}

/* Whether any byte of the 8 in w is below 0x20, or above 0x7E: the word
 * may hold something other than printable ASCII. */
static int word_unusual(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;

	return ((w - ones * 0x20) & ~w & highs) || (((w + ones * (0x7F - 0x7E)) | w) & highs);
}

/*
 * Returns s (n bytes) itself when it can go into the tree as is, else a
 * cleaned copy (rr_malloc'd; *owned set) with every forbidden character,
 * and every byte of an invalid sequence, replaced by U+FFFD; *outn gets the
 * length. IDs reach us as valid UTF-8, but libxml2 would drop a text with
 * invalid UTF-8, so this stays defensive. NULL when out of memory.
 */
static const char *clean_n(const char *s, size_t n, size_t *outn, char **owned)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, o = 0;
	uint32_t cp;
	char *out;

	*owned = NULL;
	*outn = n;
	for (;;) {
		/* Printable ASCII, the bulk of every page: a word at a time,
		 * then bytes. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, u + i, 8);
			if (word_unusual(w))
				break;
			i += 8;
		}
		while (i < n && u[i] >= 0x20 && u[i] < 0x7F)
			i++;
		if (i == n)
			return s;
		if (u[i] == '\t' || u[i] == '\n') {
			i++;
			continue;
		}
		k = utf8_next(u + i, n - i, &cp);
		if (k == 0 || forbidden(cp))
			break;
		i += k;
	}
	/* Each replaced byte becomes at most 3 bytes. */
	if (n > (SIZE_MAX - 1) / 3 || !(out = rr_malloc(3 * n + 1)))
		return NULL;
	memcpy(out, u, i);
	o = i;
	while (i < n) {
		k = utf8_next(u + i, n - i, &cp);
		if (k == 0 || forbidden(cp)) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i += k ? k : 1;
		} else {
			memcpy(out + o, u + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	*owned = out;
	*outn = o;
	return out;
}

/* clean_n of a string (NULL is read as ""). */
static const char *clean(const char *s, char **owned)
{
	size_t n;

	s = s ? s : "";
	return clean_n(s, strlen(s), &n, owned);
}

static xmlNodePtr lean_text(struct page *p, const char *c, size_t n, int keep);

/* Text goes into the tree in pieces of at most this many bytes. glibc's
 * malloc sorts out its small free blocks (a page's nodes, just freed) on
 * every request of 1 KB or more, which made the big texts of call pages
 * (a user's event log) cost more than all their nodes. */
#define TEXT_PIECE 960

/* Appends the n bytes at s to element parent as text (escaped on output):
 * one text node, or several after each other when n > TEXT_PIECE (linked
 * directly: xmlAddChild would merge them back into one). */
static void add_text_n(struct page *p, xmlNodePtr parent, const char *s, size_t n)
{
	char *owned;
	const char *c;
	xmlNodePtr t;

	if (!parent)
		return;
	if (!(c = clean_n(s, n, &n, &owned))) {
		p->oom = 1;
		return;
	}
	if (p->lean && n > 0) {
		/* One node in the page's text blocks, appended directly (a
		 * text after a text stays a node of its own: same bytes). */
		if (!(t = lean_text(p, c, n, 1))) {
			p->oom = 1;
		} else {
			t->parent = parent;
			if (parent->last) {
				t->prev = parent->last;
				parent->last->next = t;
			} else {
				parent->children = t;
			}
			parent->last = t;
		}
		n = 0;
	}
	while (n > 0) {
		size_t k = n > TEXT_PIECE ? utf8_cut(c, TEXT_PIECE) : n;

		if (k == 0)
			k = n;           /* cannot happen with valid UTF-8 */
		t = lean_text(p, c, k, 0);
		if (!t) {
			p->oom = 1;
			break;
		}
		if (!parent->last || parent->last->type != XML_TEXT_NODE) {
			if (!xmlAddChild(parent, t)) {
				xmlFreeNode(t);
				p->oom = 1;
				break;
			}
		} else {
			t->parent = parent;
			t->prev = parent->last;
			parent->last->next = t;
			parent->last = t;
		}
		c += k;
		n -= k;
	}
	rr_free(owned);
}

/* Appends text s to element parent (escaped on output). */
static void add_text(struct page *p, xmlNodePtr parent, const char *s)
{
	s = s ? s : "";
	add_text_n(p, parent, s, strlen(s));
}

static void add_u64(struct page *p, xmlNodePtr parent, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof b, "%" PRIu64, v);
	add_text(p, parent, b);
}

/* Sets attribute name of node to s (escaped on output). */
static void set_attr(struct page *p, xmlNodePtr node, const char *name, const char *s)
{
	char *owned;
	const char *c;

	if (!node)
		return;
	if (!(c = clean(s, &owned))) {
		p->oom = 1;
		return;
	}
	if (!xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)c))
		p->oom = 1;
	rr_free(owned);
}

static void new_attr(struct page *p, xmlNodePtr node, const char *name, const char *s);

/* The dictionary's copy of name (one of our literals), or NULL when out
 * of memory. */
static const xmlChar *lean_name(struct page *p, const char *name)
{
	size_t n = sizeof p->names / sizeof p->names[0];
	size_t h = ((uintptr_t)name >> 3) % n;

	for (size_t i = 0; i < n; i++, h = (h + 1) % n) {
		if (p->names[h].key == name)
			return p->names[h].name;
		if (!p->names[h].key) {
			const xmlChar *d = xmlDictLookup(p->doc->dict, (const xmlChar *)name, -1);

			if (d) {
				p->names[h].key = name;
				p->names[h].name = d;
			}
			return d;
		}
	}
	return xmlDictLookup(p->doc->dict, (const xmlChar *)name, -1);
}

/*
 * Node reuse on call pages. A page's nodes are not freed when it has been
 * written: pool_put takes them back (a few free lists), and the next page's
 * add_el/new_attr/lean_text take them from there, set up as libxml2 sets
 * up a new node of the kind (xmlNewNodeEatName, xmlNewPropInternal,
 * xmlNewText: zeroed, type, name, doc). A full report makes millions of
 * nodes; this spares a malloc and a free for each. Only nodes whose names
 * the document's dictionary owns and plain text nodes are kept; any other
 * node is freed by libxml2 as before. Memory: the nodes of the largest
 * page so far.
 */
static xmlNodePtr pool_take(struct pool *pl, int type)
{
	xmlNodePtr n = NULL;

	if (type == XML_ELEMENT_NODE && (n = pl->els)) {
		pl->els = n->next;
		memset(n, 0, sizeof *n);
		n->type = XML_ELEMENT_NODE;
	} else if (type == XML_TEXT_NODE && (n = pl->texts)) {
		pl->texts = n->next;
		memset(n, 0, sizeof *n);
		n->type = XML_TEXT_NODE;
		n->name = pl->text_name;
	}
	return n;
}

static void pool_put_list(struct pool *pl, xmlDocPtr doc, xmlNodePtr n);

/* A NUL-terminated copy of the n bytes at c in p's text blocks, which live
 * until text_reset: a text node's content without a malloc and a free of
 * its own. NULL when out of memory. */
static char *text_keep(struct page *p, const char *c, size_t n)
{
	struct text_block *b = p->texts;
	char *d;

	if (!b || b->cap - b->used <= n) {
		size_t cap = n + 1 > TEXT_BLOCK ? n + 1 : TEXT_BLOCK;

		if (!(b = rr_malloc(sizeof *b + cap)))
			return NULL;
		b->used = 0;
		b->cap = cap;
		/* A big text's block goes behind the current one, which
		 * still has room. */
		if (p->texts && cap > TEXT_BLOCK) {
			b->next = p->texts->next;
			p->texts->next = b;
		} else {
			b->next = p->texts;
			p->texts = b;
		}
	}
	d = b->data + b->used;
	memcpy(d, c, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

/* Empties the text blocks (no node may point into them any more), keeping
 * one of the standard size; all == 1 frees them all. */
static void text_reset(struct page *p, int all)
{
	struct text_block *b = p->texts, *next, *keep = NULL;

	for (; b; b = next) {
		next = b->next;
		if (!all && !keep && b->cap == TEXT_BLOCK) {
			keep = b;
			continue;
		}
		rr_free(b);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	p->texts = keep;
}

/* Takes back attribute a and its value; what it cannot keep, it frees. */
static void pool_put_attr(struct pool *pl, xmlDocPtr doc, xmlAttrPtr a)
{
	pool_put_list(pl, doc, a->children);
	a->children = a->last = NULL;
	if (a->atype == XML_ATTRIBUTE_ID || a->ns || !xmlDictOwns(doc->dict, a->name)) {
		a->next = a->prev = NULL;
		a->parent = NULL;
		xmlFreeProp(a);
		return;
	}
	a->next = (xmlAttrPtr)pl->attrs;
	pl->attrs = a;
}

/* Takes back n, its following siblings and everything under them. The
 * links between them are not kept: the nodes are only fit for pool_take. */
static void pool_put_list(struct pool *pl, xmlDocPtr doc, xmlNodePtr n)
{
	xmlNodePtr next;

	for (; n; n = next) {
		next = n->next;
		if (n->type == XML_TEXT_NODE && pl->text_name && n->name == pl->text_name) {
			if (n->content && n->content != (xmlChar *)&n->properties &&
			    n->psvi != TEXT_KEPT && !xmlDictOwns(doc->dict, n->content))
				xmlFree(n->content);
			n->next = pl->texts;
			pl->texts = n;
		} else if (n->type == XML_ELEMENT_NODE && !n->ns && !n->nsDef &&
			   xmlDictOwns(doc->dict, n->name)) {
			xmlAttrPtr a, an;

			pool_put_list(pl, doc, n->children);
			for (a = n->properties; a; a = an) {
				an = a->next;
				pool_put_attr(pl, doc, a);
			}
			n->next = pl->els;
			pl->els = n;
		} else {
			/* Its children may hold kept texts: ours to take. */
			if (n->type == XML_ELEMENT_NODE) {
				pool_put_list(pl, doc, n->children);
				n->children = n->last = NULL;
			}
			n->next = n->prev = NULL;
			n->parent = NULL;
			xmlFreeNode(n);
		}
	}
}

static void pool_free(struct pool *pl)
{
	xmlNodePtr n;
	xmlAttrPtr a;

	while ((n = pl->els)) {
		pl->els = n->next;
		xmlFree(n);
	}
	while ((n = pl->texts)) {
		pl->texts = n->next;
		xmlFree(n);
	}
	while ((a = pl->attrs)) {
		pl->attrs = a->next;
		xmlFree(a);
	}
}

/* A new attribute name on element node, as xmlNewNsPropEatName(node, NULL,
 * name, NULL) makes it (name is the dictionary's), from the pool when it
 * has one. */
static xmlAttrPtr pool_attr(struct page *p, xmlNodePtr node, const xmlChar *name)
{
	xmlAttrPtr a = p->pool.attrs;

	if (!a)
		return xmlNewNsPropEatName(node, NULL, (xmlChar *)name, NULL);
	p->pool.attrs = a->next;
	memset(a, 0, sizeof *a);
	a->type = XML_ATTRIBUTE_NODE;
	a->parent = node;
	a->doc = node->doc;
	a->name = name;
	if (!node->properties) {
		node->properties = a;
	} else {
		xmlAttrPtr prev = node->properties;

		while (prev->next)
			prev = prev->next;
		prev->next = a;
		a->prev = prev;
	}
	return a;
}

/* A text node holding the n bytes at c (already clean). A short one keeps
 * its bytes in the node itself, in the space that only elements use for
 * attributes: libxml2's own compact text nodes (XML_PARSE_COMPACT), which
 * it knows not to free separately. On call pages a longer one's bytes go
 * into the page's text blocks when keep is set (element text only: a node
 * that libxml2 may free itself, an attribute's value, must own its bytes). */
static xmlNodePtr lean_text(struct page *p, const char *c, size_t n, int keep)
{
	xmlNodePtr t;

	if (!p->lean)
		return xmlNewDocTextLen(p->doc, (const xmlChar *)c, (int)n);
	if (!(t = pool_take(&p->pool, XML_TEXT_NODE))) {
		if (!(t = xmlNewDocText(p->doc, NULL)))
			return NULL;
		p->pool.text_name = t->name;
	}
	t->doc = p->doc;
	if (n >= 2 * sizeof(void *)) {
		if (keep) {
			t->content = (xmlChar *)text_keep(p, c, n);
			t->psvi = TEXT_KEPT;
		} else {
			t->content = xmlStrndup((const xmlChar *)c, (int)n);
		}
		if (!t->content) {
			t->psvi = NULL;
			xmlFreeNode(t);
			return NULL;
		}
		return t;
	}
	/* The node's properties and nsDef fields, as libxml2 does it. */
	t->content = (xmlChar *)&t->properties;
	memcpy(t->content, c, n);
	t->content[n] = '\0';
	return t;
}

/* A new element name under parent (NULL when parent is NULL or on failure),
 * with class cls unless NULL. Element names are always ours. */
static xmlNodePtr add_el(struct page *p, xmlNodePtr parent, const char *name, const char *cls)
{
	xmlNodePtr e;

	if (!parent)
		return NULL;
	if (p->lean) {
		const xmlChar *d = lean_name(p, name);

		if (d && (e = pool_take(&p->pool, XML_ELEMENT_NODE))) {
			e->name = d;
			e->doc = p->doc;
		} else {
			e = d ? xmlNewDocNodeEatName(p->doc, NULL, (xmlChar *)d, NULL) : NULL;
		}
		if (e) {
			/* Appended directly: a new element merges with nothing. */
			e->parent = parent;
			if (parent->last) {
				e->prev = parent->last;
				parent->last->next = e;
			} else {
				parent->children = e;
			}
			parent->last = e;
		} else {
			p->oom = 1;
			return NULL;
		}
		if (cls)
			new_attr(p, e, "class", cls);
		return e;
	}
	e = xmlNewDocNode(p->doc, NULL, (const xmlChar *)name, NULL);
	if (!e || !xmlAddChild(parent, e)) {
		xmlFreeNode(e);
		p->oom = 1;
		return NULL;
	}
	if (cls)
		set_attr(p, e, "class", cls);
	return e;
}

/* A new attribute on an element that does not have it yet (no search for
 * an old value, unlike set_attr). Names are ours; the value is escaped. */
static void new_attr(struct page *p, xmlNodePtr node, const char *name, const char *s)
{
	char *owned;
	const char *c;
	size_t n;
	xmlAttrPtr a;
	xmlNodePtr t;

	if (!node)
		return;
	s = s ? s : "";
	if (!(c = clean_n(s, strlen(s), &n, &owned))) {
		p->oom = 1;
		return;
	}
	if (!p->lean) {
		if (!xmlNewProp(node, (const xmlChar *)name, (const xmlChar *)c))
			p->oom = 1;
	} else {
		const xmlChar *d = lean_name(p, name);

		/* The attribute, then its value as a (lean) text child. */
		if (!d || !(a = pool_attr(p, node, d)) ||
		    !(t = lean_text(p, c, n, 0))) {
			p->oom = 1;
		} else {
			t->parent = (xmlNodePtr)a;
			a->children = a->last = t;
		}
	}
	rr_free(owned);
}

/* An element holding text s. */
static xmlNodePtr add_el_text(struct page *p, xmlNodePtr parent, const char *name,
			      const char *cls, const char *s)
{
	xmlNodePtr e = add_el(p, parent, name, cls);

	add_text(p, e, s);
	return e;
}

static void remove_children(xmlNodePtr n)
{
	xmlNodePtr c, next;

	for (c = n ? n->children : NULL; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

/* --------------------------------------------------------------- numbers */

/* Per mille as "93.4 %", or "—" for RR_NONE. */
static void fmt_pm(int64_t pm, char *b, size_t n)
{
	if (pm == RR_NONE || pm < 0)
		snprintf(b, n, "—");
	else
		snprintf(b, n, "%" PRId64 ".%" PRId64 " %%", pm / 10, pm % 10);
}

static void fmt_dur(int64_t ms, char *b, size_t n)
{
	if (ms == RR_NONE)
		snprintf(b, n, "—");
	else
		fmt_duration(ms, b, n);
}

/* ----------------------------------------------------------------- slots */

/* The first element at or under root with data-slot="name". Slot names are
 * our constants, never data. */
static xmlNodePtr find_slot(xmlXPathContextPtr xp, xmlNodePtr root, const char *name, int *oom)
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

static xmlNodePtr slot(struct page *p, xmlNodePtr root, const char *name)
{
	return find_slot(p->xp, root, name, &p->oom);
}

/* Replaces the text of a slot such as <title> (never <script>/<style>). */
static void slot_set_text(struct page *p, xmlNodePtr root, const char *name, const char *s)
{
	xmlNodePtr n = slot(p, root, name);

	remove_children(n);
	add_text(p, n, s);
}

static int page_init(struct page *p, xmlDocPtr tmpl, const struct report *r,
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

static void page_free(struct page *p)
{
	if (p->xp)
		xmlXPathFreeContext(p->xp);
	if (p->doc)
		xmlFreeDoc(p->doc);
	p->xp = NULL;
	p->doc = NULL;
}

/* ---------------------------------------------------------------- tables */

struct col {
	const char *name;
	int num;                 /* right-aligned figures */
};

/* A table (in a scrolling wrapper) with a header row; returns its tbody. */
static xmlNodePtr add_table(struct page *p, xmlNodePtr parent, const char *cls,
			    const struct col *cols, size_t ncols)
{
	xmlNodePtr wrap = add_el(p, parent, "div", "table-wrap");
	xmlNodePtr t = add_el(p, wrap, "table", cls);
	xmlNodePtr tr = add_el(p, add_el(p, t, "thead", NULL), "tr", NULL);

	for (size_t i = 0; i < ncols; i++) {
		xmlNodePtr th = add_el_text(p, tr, "th", cols[i].num ? "num" : NULL, cols[i].name);
		set_attr(p, th, "scope", "col");
	}
	return add_el(p, t, "tbody", NULL);
}

static xmlNodePtr td_text(struct page *p, xmlNodePtr tr, const char *s, const char *cls)
{
	return add_el_text(p, tr, "td", cls, s);
}

static void td_u64(struct page *p, xmlNodePtr tr, uint64_t v)
{
	add_u64(p, add_el(p, tr, "td", "num"), v);
}

static void badge(struct page *p, xmlNodePtr parent, enum severity s)
{
	static const char *const cls[SEV__COUNT] = {
		"badge sev-info", "badge sev-warning", "badge sev-error" };

	add_el_text(p, parent, "span", cls[s < SEV__COUNT ? s : SEV_INFO], severity_name(s));
}

static const char *sev_class(enum severity s)
{
	static const char *const cls[SEV__COUNT] = { "sev-info", "sev-warning", "sev-error" };

	return cls[s < SEV__COUNT ? s : SEV_INFO];
}

/* A cell with the exit reason's colour swatch and name. */
static void exit_cell(struct page *p, xmlNodePtr tr, enum exit_reason e)
{
	xmlNodePtr td = add_el(p, tr, "td", NULL);
	char cls[48];

	snprintf(cls, sizeof cls, "swatch exit-%s", exit_reason_name(e));
	add_el(p, td, "span", cls);
	add_text(p, td, exit_reason_name(e));
}

/* A definition list of facts; add_fact appends one. */
static xmlNodePtr add_fact(struct page *p, xmlNodePtr dl, const char *term)
{
	add_el_text(p, dl, "dt", NULL, term);
	return add_el(p, dl, "dd", NULL);
}

static void fact_u64(struct page *p, xmlNodePtr dl, const char *term, uint64_t v)
{
	add_u64(p, add_fact(p, dl, term), v);
}

static void fact_text(struct page *p, xmlNodePtr dl, const char *term, const char *s)
{
	add_text(p, add_fact(p, dl, term), s);
}

static void empty_note(struct page *p, xmlNodePtr parent, const char *s)
{
	add_el_text(p, parent, "p", "empty", s);
}

/* ----------------------------------------------------------- page header */

/* Title and, when SOURCE_DATE_EPOCH gave one, the generation time. */
static void fill_head(struct page *p, const char *title)
{
	xmlNodePtr root = xmlDocGetRootElement(p->doc);

	slot_set_text(p, root, "title", title);
}

static void fill_generated(struct page *p, xmlNodePtr root)
{
	xmlNodePtr n = slot(p, root, "generated");
	char b[48];

	if (!n)
		return;
	if (p->r->generated_ms == RR_NONE || !p->r->tz) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
		return;
	}
	tz_format(p->r->tz, p->r->generated_ms, TZF_DATETIME, b, sizeof b);
	add_text(p, n, "Generated ");
	add_text(p, n, b);
	add_text(p, n, " (");
	add_text(p, n, tz_name(p->r->tz));
	add_text(p, n, ")");
}

/* ------------------------------------------------------------- overview */

/* 1 when call i has a page of its own (report_select_pages; all when the
 * report has no selection). */
static int has_page(const struct report *r, uint32_t i)
{
	return !r->call_page || r->call_page[i];
}

/* Link target of call i: its page in a multi-page report, its section in a
 * single file. Only for calls with a page. */
static void call_href(const struct page *p, uint32_t i, char *b, size_t n)
{
	if (p->single)
		snprintf(b, n, "#call-%" PRIu32, i + 1);
	else
		snprintf(b, n, "%s", p->r->call_file[i]);
}

/* Rows for calls idx[0..n) (or calls 0..n when idx is NULL); the room links
 * to the call's page when it has one, else it is plain text. */
static void fill_calls_table(struct page *p, xmlNodePtr parent, const uint32_t *idx, size_t n)
{
	static const struct col cols[] = {
		{ "Room", 0 }, { "CommId", 0 }, { "Start", 0 }, { "Users", 1 }, { "Sessions", 1 },
		{ "Errors", 1 }, { "Warnings", 1 }, { "Timeouts", 1 }, { "Kicked", 1 },
		{ "Entry failed", 1 } };
	/* The same with the app, for calls of several apps. */
	static const struct col app_cols[] = {
		{ "Room", 0 }, { "SdkAppId", 0 }, { "CommId", 0 }, { "Start", 0 },
		{ "Users", 1 }, { "Sessions", 1 }, { "Errors", 1 }, { "Warnings", 1 },
		{ "Timeouts", 1 }, { "Kicked", 1 }, { "Entry failed", 1 } };
	const struct model *m = p->r->m;
	const struct strtab *st = p->r->ds->strs;
	int apps = p->r->several_apps;
	xmlNodePtr tb, tr, td, a;
	char b[64];
	int64_t last = INT64_MIN;
	int zoned;

	/* The report's calls, first start to last end (calls are in start
	 * order), cross a change of the zone's offset. */
	for (uint32_t i = 0; i < m->ncalls; i++)
		if (m->calls[i].end_ms > last)
			last = m->calls[i].end_ms;
	zoned = m->ncalls > 0 && tz_next_change(p->r->tz, m->calls[0].start_ms) <= last;
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
		 * formatter is the one callview uses. Over calls that span a
		 * change of offset, the start says which side it is on. */
		tz_format(p->r->tz, c->start_ms, TZF_DATETIME, b, sizeof b);
		if (zoned) {
			size_t nb = strlen(b);

			b[nb++] = ' ';
			tz_abbr(p->r->tz, c->start_ms, b + nb, sizeof b - nb);
		}
		td_text(p, tr, b, NULL);
		td_u64(p, tr, c->users);
		td_u64(p, tr, c->nsessions);
		td_u64(p, tr, c->findings[SEV_ERROR]);
		td_u64(p, tr, c->findings[SEV_WARNING]);
		td_u64(p, tr, c->exits[EXIT_TIMEOUT]);
		td_u64(p, tr, c->exits[EXIT_KICKED]);
		td_u64(p, tr, c->exits[EXIT_ENTRY_FAILED]);
	}
}

static void fill_top(struct page *p, xmlNodePtr parent, const struct top_item *t, size_t n,
		     int causes)
{
	static const struct col cols[] = {
		{ "Event", 0 }, { "Severity", 0 }, { "ID", 0 }, { "Rows", 1 }, { "Users", 1 } };
	xmlNodePtr tb, tr;

	if (n == 0) {
		empty_note(p, parent, causes ? "No causes." : "No problem events.");
		return;
	}
	tb = add_table(p, parent, "top", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < n; i++) {
		tr = add_el(p, tb, "tr", sev_class(t[i].severity));
		td_text(p, tr, t[i].label, NULL);
		badge(p, add_el(p, tr, "td", NULL), t[i].severity);
		td_text(p, tr, t[i].raw, "raw");
		td_u64(p, tr, t[i].count);
		td_u64(p, tr, t[i].users);
	}
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

static void fill_breakdown(struct page *p, xmlNodePtr parent, const char *heading,
			   const char *key, const struct breakdown *b, size_t n)
{
	const struct col cols[] = {
		{ key, 0 }, { "Users", 1 }, { "Sessions", 1 }, { "Entered", 1 }, { "Timeouts", 1 },
		{ "Entry latency p50", 1 }, { "Entry latency p95", 1 } };
	xmlNodePtr div, tb, tr;
	char t[64];

	if (n == 0)
		return;
	div = add_el(p, parent, "div", "breakdown");
	add_el_text(p, div, "h3", NULL, heading);
	tb = add_table(p, div, "breakdown", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < n; i++) {
		tr = add_el(p, tb, "tr", NULL);
		td_text(p, tr, b[i].key, "id key");
		td_u64(p, tr, b[i].users);
		td_u64(p, tr, b[i].sessions);
		td_u64(p, tr, b[i].entered);
		td_u64(p, tr, b[i].timeouts);
		fmt_dur(b[i].entry_latency.p50, t, sizeof t);
		td_text(p, tr, t, "num");
		fmt_dur(b[i].entry_latency.p95, t, sizeof t);
		td_text(p, tr, t, "num");
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
	if (r->nby_platform + r->nby_device + r->nby_sdk + r->nby_network == 0) {
		empty_note(p, n, "No sessions.");
		return;
	}
	pair = add_el(p, n, "div", "breakdowns");
	fill_breakdown(p, pair, "By platform", "Platform", r->by_platform, r->nby_platform);
	fill_breakdown(p, pair, "By network type", "Network", r->by_network, r->nby_network);
	fill_breakdown(p, pair, "By device type", "Device type", r->by_device, r->nby_device);
	fill_breakdown(p, pair, "By SDK version", "SDK version", r->by_sdk, r->nby_sdk);
}

static void set_num(struct page *p, xmlNodePtr n, const char *name, double x)
{
	char b[32];

	snprintf(b, sizeof b, "%.1f", x);
	set_attr(p, n, name, b);
}

/* <title> as the first child: the hover text of an SVG mark. */
static void svg_title(struct page *p, xmlNodePtr mark, const char *s)
{
	add_el_text(p, mark, "title", NULL, s);
}

/* ---------------------------------------------------------- weekly view */

/* How a figure is shown. The renderer only formats: per mille as a
 * percentage with one decimal (success rates) or as a plain number where the
 * label says "per 1000 sessions", tenths as one decimal, ms as a duration,
 * summed ms as hours with one decimal. */
enum unit { U_COUNT, U_PM, U_PER1000, U_MS, U_X10, U_HOURS };

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
static void fmt_value(enum unit u, int64_t v, char *b, size_t n)
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

/* The headline figures; with a baseline, the previous value, the change
 * (arrow, signed difference, relative change) and a "regression" badge. */
static void fill_headline(struct page *p, xmlNodePtr root)
{
	static const struct col cols[] = {
		{ "Figure", 0 }, { "This report", 1 }, { "Previous", 1 }, { "Change", 1 },
		{ "Change %", 1 } };
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
	tb = add_table(p, n, r->has_baseline ? "headline compared" : "headline", cols,
		       r->has_baseline ? 5 : 2);
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
}

/* ------------------------------------------------------------ day charts */

/* Small multiples: one chart per figure over the days. Columns for counts
 * (from 0), lines for rates and times (over their own range, labelled). */
enum { TR_W = 360, TR_H = 130, TR_LEFT = 60, TR_RIGHT = 8, TR_TOP = 10, TR_BOTTOM = 22 };

enum trend_fig {
	TF_CALLS, TF_SESSIONS, TF_SUCCESS, TF_LATENCY, TF_TIMEOUTS, TF_FAILED, TF_EXP, TF__COUNT
};

static const struct trend {
	const char *key, *title;
	enum unit unit;
	int columns;
	int nseries;
	const char *series[2];
} trends[TF__COUNT] = {
	{ "calls", "Calls", U_COUNT, 1, 1, { "calls", NULL } },
	{ "sessions", "Sessions", U_COUNT, 1, 1, { "sessions", NULL } },
	{ "entry-success", "Entry success", U_PM, 0, 1, { "entry success", NULL } },
	{ "entry-latency", "Entry latency p50 / p95", U_MS, 0, 2, { "p50", "p95" } },
	{ "timeouts", "Timeouts", U_COUNT, 1, 1, { "timeouts", NULL } },
	{ "entry-failed", "Entry failures", U_COUNT, 1, 1, { "entry failures", NULL } },
	{ "experiences", "Abnormal experiences per 100 sessions (sample)", U_X10, 0, 1,
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

static void fill_trend(struct page *p, xmlNodePtr parent, int fig)
{
	const struct trend *t = &trends[fig];
	const struct report *r = p->r;
	double pw = TR_W - TR_LEFT - TR_RIGHT, ph = TR_H - TR_TOP - TR_BOTTOM;
	double slotw = pw / (double)r->ndays, lo, hi;
	int64_t vmin = INT64_MAX, vmax = INT64_MIN;
	size_t step = (r->ndays + 6) / 7;
	xmlNodePtr fig_el, svg, g, e, ul, li;
	char b[200], v[48];

	for (size_t i = 0; i < r->ndays; i++) {
		for (int s = 0; s < t->nseries; s++) {
			int64_t x = trend_value(&r->days[i], fig, s);

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
	if (t->columns)
		vmin = 0;     /* columns stand on 0 */
	lo = (double)vmin;
	hi = (double)vmax;

	fig_el = add_el(p, parent, "figure", "trend");
	set_attr(p, fig_el, "data-figure", t->key);
	add_el_text(p, fig_el, "figcaption", NULL, t->title);
	svg = add_el(p, fig_el, "svg", t->columns ? "trend columns" : "trend lines");
	snprintf(b, sizeof b, "0 0 %d %d", TR_W, TR_H);
	set_attr(p, svg, "viewBox", b);
	set_attr(p, svg, "role", "img");
	snprintf(b, sizeof b, "%s per day, %s to %s", t->title, r->days[0].date,
		 r->days[r->ndays - 1].date);
	add_el_text(p, svg, "title", NULL, b);

	/* Frame, y range labels, date labels. */
	g = add_el(p, svg, "g", "axis");
	e = add_el(p, g, "rect", "plot");
	set_num(p, e, "x", TR_LEFT);
	set_num(p, e, "y", TR_TOP);
	set_num(p, e, "width", pw);
	set_num(p, e, "height", ph);
	fmt_value(t->unit, vmax, v, sizeof v);
	e = add_el_text(p, g, "text", "y-label", v);
	set_num(p, e, "x", TR_LEFT - 4);
	set_num(p, e, "y", TR_TOP + 8);
	if (vmin != vmax) {
		fmt_value(t->unit, vmin, v, sizeof v);
		e = add_el_text(p, g, "text", "y-label", v);
		set_num(p, e, "x", TR_LEFT - 4);
		set_num(p, e, "y", TR_TOP + ph);
	}
	for (size_t i = 0; i < r->ndays; i += step) {
		/* "MM-DD" of "YYYY-MM-DD". */
		const char *d = r->days[i].date;

		e = add_el_text(p, g, "text", "tick-label", strlen(d) == 10 ? d + 5 : d);
		set_num(p, e, "x", TR_LEFT + ((double)i + 0.5) * slotw);
		set_num(p, e, "y", TR_H - 7);
	}

	g = add_el(p, svg, "g", "data");
	for (int s = 0; s < t->nseries; s++) {
		char *pts = NULL;
		size_t cap = r->ndays * 24 + 1, o = 0;

		if (!t->columns && !(pts = rr_malloc(cap))) {
			p->oom = 1;
			return;
		}
		for (size_t i = 0; i <= r->ndays; i++) {
			int64_t x = i < r->ndays ? trend_value(&r->days[i], fig, s) : RR_NONE;
			double cx = TR_LEFT + ((double)i + 0.5) * slotw, y;

			/* A gap (no value) or the end: draw the line so far. */
			if (x == RR_NONE) {
				if (pts && o) {
					snprintf(b, sizeof b, "series s%d", s);
					e = add_el(p, g, "polyline", b);
					set_attr(p, e, "points", pts);
					o = 0;
				}
				continue;
			}
			y = hi > lo ? TR_TOP + ph * (1.0 - ((double)x - lo) / (hi - lo))
				    : t->columns ? TR_TOP + ph : TR_TOP + ph / 2.0;
			if (t->columns && hi <= lo)
				y = TR_TOP + ph;     /* all zero */
			fmt_value(t->unit, x, v, sizeof v);
			if (t->nseries > 1)
				snprintf(b, sizeof b, "%s: %s %s", r->days[i].date, t->series[s], v);
			else
				snprintf(b, sizeof b, "%s: %s", r->days[i].date, v);
			if (t->columns) {
				double w = slotw * 0.7 > 28 ? 28 : slotw * 0.7;

				e = add_el(p, g, "rect", "pt col");
				set_num(p, e, "x", cx - w / 2);
				set_num(p, e, "y", y);
				set_num(p, e, "width", w);
				set_num(p, e, "height", TR_TOP + ph - y);
			} else {
				if (o < cap)
					o += (size_t)snprintf(pts + o, cap - o, "%s%.1f,%.1f",
							      o ? " " : "", cx, y);
				snprintf(v, sizeof v, "pt dot s%d", s);
				e = add_el(p, g, "circle", v);
				set_num(p, e, "cx", cx);
				set_num(p, e, "cy", y);
				set_num(p, e, "r", 2.5);
			}
			svg_title(p, e, b);
		}
		rr_free(pts);
	}
	if (t->nseries > 1) {
		ul = add_el(p, fig_el, "ul", "legend chart-legend");
		for (int s = 0; s < t->nseries; s++) {
			li = add_el(p, ul, "li", NULL);
			snprintf(b, sizeof b, "swatch line s%d", s);
			add_el(p, li, "span", b);
			add_text(p, li, t->series[s]);
		}
	}
}

static void fill_days(struct page *p, xmlNodePtr root)
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
	tb = add_table(p, n, "days", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < r->ndays; i++) {
		const struct day *d = &r->days[i];

		tr = add_el(p, tb, "tr", NULL);
		th = add_el_text(p, tr, "th", NULL, d->date);
		set_attr(p, th, "scope", "row");
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
			 exit_reason_name((enum exit_reason)k), r->exits[k]);
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
		td_text(p, tr, strtab_str(r->ds->strs, u->user), "id");
		td_u64(p, tr, u->sessions);
		td_u64(p, tr, u->calls);
		td_u64(p, tr, u->errors);
		td_u64(p, tr, u->warnings);
		td_u64(p, tr, u->timeouts);
		td_u64(p, tr, u->kicks);
		td_u64(p, tr, u->entry_failed);
	}
}

/* All calls (model order), at most REPORT_CALL_LIST of them. */
static void fill_all_calls(struct page *p, xmlNodePtr root)
{
	const struct report *r = p->r;
	uint32_t ncalls = r->m->ncalls, shown = ncalls < REPORT_CALL_LIST ? ncalls : REPORT_CALL_LIST;
	uint32_t pages = 0;
	xmlNodePtr n = slot(p, root, "all-calls"), det;
	char b[160];

	if (ncalls == 0) {
		empty_note(p, n, "No calls.");
		return;
	}
	for (uint32_t i = 0; i < ncalls; i++)
		pages += has_page(r, i) != 0;
	if (pages < ncalls) {
		snprintf(b, sizeof b, "%" PRIu32 " of %" PRIu32 " calls have a page of their "
			 "own (--pages); the others are listed without a link.", pages, ncalls);
		add_el_text(p, n, "p", "note pages", b);
	}
	/* Folded: the list is long. */
	det = add_el(p, n, "details", "all-calls");
	if (shown < ncalls)
		snprintf(b, sizeof b, "%" PRIu32 " calls, in start order (the first %" PRIu32
			 " listed)", ncalls, shown);
	else
		snprintf(b, sizeof b, "%" PRIu32 " calls, in start order", ncalls);
	add_el_text(p, det, "summary", NULL, b);
	fill_calls_table(p, det, NULL, shown);
	if (shown < ncalls) {
		snprintf(b, sizeof b, "%" PRIu32 " more calls not listed (every call is in the "
			 "--json and --sessions-csv outputs).", ncalls - shown);
		add_el_text(p, det, "p", "note more", b);
	}
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
	add_text(p, pp, r->tz ? tz_name(r->tz) : "UTC");
	add_text(p, pp, ".");
	tb = add_table(p, n, "orphans", cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < r->norphans; i++) {
		const struct orphan_exp *o = &r->orphans[i];
		const struct experience *x = &m->experiences[o->exp];
		const char *c = o->causes;

		tr = add_el(p, tb, "tr", NULL);
		tz_format(r->tz, x->time_ms, TZF_DATETIME, b, sizeof b);
		td_text(p, tr, b, NULL);
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

static void fill_overview(struct page *p, xmlNodePtr root)
{
	static const struct col ecols[] = { { "Exit", 0 }, { "Sessions", 1 } };
	const struct report *r = p->r;
	const char *title = r->title && *r->title ? r->title : "roomreport";
	xmlNodePtr n, dl, tb, tr;
	char b[64];

	fill_head(p, title);
	slot_set_text(p, root, "heading", title);
	fill_generated(p, root);
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

/* In the single file a call is a section under the overview's <h1>: its
 * headings go one level down (h1 → h2, h2 → h3...). */
static void demote_headings(xmlNodePtr n)
{
	static const char *const h[] = { "h1", "h2", "h3", "h4", "h5", "h6" };

	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (int i = 0; i < 5; i++) {
			if (xmlStrcasecmp(c->name, (const xmlChar *)h[i]) == 0) {
				xmlNodeSetName(c, (const xmlChar *)h[i + 1]);
				break;
			}
		}
		demote_headings(c);
	}
}

/* ------------------------------------------------------------- call page */

/*
 * Call pages are nearly all of a report's bytes and time (one page per call,
 * every event of the call on it), so they are made differently from the
 * overview. The template is serialized once and cut at its slots (struct
 * frame, below); per call only the slots' contents are built as nodes,
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

static const char *const cslot_names[CS__COUNT] = {
	"title", "back", "heading", "zone", "summary", "timeline", "charts", "findings",
	"participants", "sessions", "experiences", "log",
	"fact-room", "fact-comm", "fact-time", "fact-duration", "fact-lifetime", "fact-users",
	"fact-peak", "fact-sessions", "fact-exits", "fact-findings" };

/* The timeline's geometry, in viewBox units. Width is fixed (the SVG scales
 * to the page with CSS); height grows with the lanes. */
enum {
	TL_W = 1000, TL_LABEL = 150, TL_RIGHT = 12, TL_AXIS = 22, TL_LANE = 22, TL_BOTTOM = 6
};

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

/* Linear map of a time to x, clamped to the plot. */
static double tl_x(const struct callview *v, int64_t t)
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

static char *put_u64(char *b, uint64_t v)
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
static char *put_coord(char *b, double x)
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

static void coord_attr(struct page *p, xmlNodePtr n, const char *name, double x)
{
	char b[32];

	put_coord(b, x);
	new_attr(p, n, name, b);
}

/* ---- the page's text scratch: one growing buffer, reused ---- */

static void tb_reset(struct page *p)
{
	p->tblen = 0;
	if (p->tb)
		p->tb[0] = '\0';
}

/* Appends n bytes at s; newlines and tabs become spaces when flat is set
 * (data going into one line of text). */
static void tb_add(struct page *p, const char *s, size_t n, int flat)
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

static void tb_str(struct page *p, const char *s)
{
	tb_add(p, s, strlen(s), 1);
}

/* After a room, when the report's calls are of several apps: which app
 * (its SdkAppId, or "no SdkAppId" for rows that gave none). */
static void tb_app(struct page *p, uint32_t room)
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
static void pb_add(struct page *p, const char *s, size_t n)
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
static void tb_flush(struct page *p, xmlNodePtr parent)
{
	if (p->tblen)
		add_text_n(p, parent, p->tb, p->tblen);
	tb_reset(p);
}

/* ---- timeline ---- */

/* A lane's event marks. Every event is drawn where it happened (a tick for
 * an info, a dot for a warning or an error), but the marks of one kind
 * (severity, inside or outside sessions) in one stretch of the lane (see
 * MARK_BUCKET_INFO) are one <path>, whose hover text lists their events: a busy lane
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
				} else {
					/* A dot: two half circles. */
					q = put_coord(q, last - (kind / 2 == SEV_ERROR ? 4.5 : 3.5));
					*q++ = ' ';
					q = put_coord(q, y0 + TL_LANE / 2.0);
					q = stpcpy(q, kind / 2 == SEV_ERROR ? "a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0-9 0"
									 : "a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0");
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
		}
	}
}

/* Bytes of the longest start of s that fits LABEL_COLUMNS columns (all of
 * s when it fits), on a character boundary. */
static size_t label_cut(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, cols = 0;

	while (u[i]) {
		size_t k = 1;

		if (u[i] >= 0x80)
			while ((u[i + k] & 0xC0) == 0x80)
				k++;
		cols += u[i] >= 0x80 ? 2 : 1;
		if (cols > LABEL_COLUMNS)
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
static void tick_fit(struct page *p, xmlNodePtr e, double x, const char *label)
{
	if (strchr(label, ' ') && x + 3.2 * (double)strlen(label) > TL_W)
		new_attr(p, e, "text-anchor", "end");
}

static void fill_timeline(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr svg, g, e, t;
	char b[160], *q;
	double height = TL_AXIS + (double)v->nlanes * TL_LANE + TL_BOTTOM;

	svg = add_el(p, n, "svg", "timeline");
	q = b + sprintf(b, "0 0 %d ", TL_W);
	put_coord(q, height);
	new_attr(p, svg, "viewBox", b);
	new_attr(p, svg, "role", "img");
	add_el_text(p, svg, "title", NULL, "Timeline: one lane per user");

	/* Lane bands first (every other lane, one path), then the axis over
	 * them, then the lanes. */
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
	/* The tick lines start at the group's origin (no y1), the labels
	 * share their class and baseline through theirs. */
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

	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];
		double y0 = TL_AXIS + (double)i * TL_LANE, mid = y0 + TL_LANE / 2.0;
		size_t cut = label_cut(l->user);

		g = add_el(p, svg, "g", "lane");
		/* The name, cut to fit the label column; then the whole name
		 * is the hover text. */
		t = add_el(p, g, "text", "lane-label");
		coord_attr(p, t, "x", 4);
		coord_attr(p, t, "y", y0 + TL_LANE * 0.68);
		if (l->user[cut]) {
			svg_title(p, t, l->user);
			tb_reset(p);
			tb_add(p, l->user, cut, 1);
			tb_str(p, "…");
			tb_flush(p, t);
		} else {
			add_text(p, t, l->user);
		}

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
			svg_title(p, e, bar->title);
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
				svg_title(p, e, "still in the room at export");
			}
		}
		for (uint32_t k = 0; k < l->nspans; k++) {
			const struct cv_span *s = &v->spans[l->first_span + k];
			double x0 = tl_x(v, s->start_ms), x1 = tl_x(v, s->end_ms);

			e = add_el(p, g, "path", s->kind == CV_SPAN_OUTAGE ? "span span-outage"
									     : "span span-background");
			lane_box(p, e, x0, x1, y0);
			svg_title(p, e, s->title);
		}
		lane_marks(p, g, v, l, y0);
		for (uint32_t k = 0; k < l->nexps; k++) {
			const struct cv_exp *x = &v->exps[l->first_exp + k];

			/* A diamond: distinct from the event dots. */
			e = add_el(p, g, "path", "exp");
			q = b;
			*q++ = 'M';
			q = put_coord(q, tl_x(v, x->time_ms));
			*q++ = ' ';
			q = put_coord(q, mid - 6);
			strcpy(q, "l6 6l-6 6l-6-6z");
			new_attr(p, e, "d", b);
			svg_title(p, e, x->title);
		}
	}
}

/* The text of header fact s (CS_ROOM .. CS_NFINDINGS) into the scratch. */
static void fact_of(struct page *p, int s, const struct callview *v)
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
		tb_str(p, v->span);
		break;
	case CS_DURATION:
		tb_str(p, v->duration);
		break;
	case CS_LIFETIME:
		/* From the rooms file; it says "still open at export" too. */
		tb_str(p, v->room_span && *v->room_span ? v->room_span
			   : v->ongoing ? "not finished at export (ongoing)" : "—");
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
				 exit_reason_name((enum exit_reason)e), c->exits[e]);
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

		fact_of(p, facts[i].slot, v);
		tb_flush(p, dd);
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

static void fill_chart(struct page *p, xmlNodePtr parent, const struct callview *v,
		       const struct cv_lane *l, const struct cv_chart *c)
{
	xmlNodePtr fig, wrap, svg, g, e, ul, li;
	char b[200], num[32], *q;
	double height = CH_TOP + CH_PLOT + CH_BOTTOM;

	fig = add_el(p, parent, "figure", "chart");
	wrap = add_el(p, fig, "div", "svg-wrap");
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

	/* The plot's frame and the timeline's tick grid. */
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

	/* Reference lines under the data. */
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

	/* Legend and the text summary (shown when SVG is not). */
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

/* The "charts" section: one block per lane with charts. Returns 0 when no
 * lane has any: the section is then left out. */
static int fill_charts(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr blk, h;

	if (v->ncharts == 0)
		return 0;
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];

		if (l->ncharts == 0)
			continue;
		blk = add_el(p, n, "div", "lane-charts");
		new_attr(p, blk, "data-user", l->user);
		h = add_el(p, blk, "h3", NULL);
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

static void fill_findings(struct page *p, xmlNodePtr n, const struct callview *v)
{
	xmlNodePtr ol, li;

	if (v->nfindings == 0) {
		empty_note(p, n, "No findings.");
		return;
	}
	ol = add_el(p, n, "ol", "findings");
	for (uint32_t i = 0; i < v->nfindings; i++) {
		const struct cv_finding *f = &v->findings[i];
		char cls[64];

		snprintf(cls, sizeof cls, "finding %s", sev_class(f->f->severity));
		li = add_el(p, ol, "li", cls);
		new_attr(p, li, "data-code", f->f->code);
		badge(p, li, f->f->severity);
		add_el_text(p, li, "span", "when", f->time);
		add_el_text(p, li, "span", "user", f->user);
		add_el_text(p, li, "span", "text", f->f->text);
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
	if (!xmlStrEqual(n->name, (const xmlChar *)"tbody")) {
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
			td_text(p, tr, bar->title, NULL);
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
 */
static void fill_log(struct page *p, xmlNodePtr n, const struct callview *v)
{
	static const char *const row_cls[2 * SEV__COUNT] = {
		NULL, "outside", "sev-warning", "sev-warning outside", "sev-error",
		"sev-error outside" };
	static const char *const sev_word[SEV__COUNT] = { "", "warning: ", "error: " };
	char b[96];

	if (v->nlanes == 0) {
		empty_note(p, n, "No events.");
		return;
	}
	for (uint32_t i = 0; i < v->nlanes; i++) {
		const struct cv_lane *l = &v->lanes[i];
		const struct cv_log *g = v->log + l->first_log;
		xmlNodePtr h, pre;

		h = add_el(p, n, p->single ? "h4" : "h3", "log-user");
		snprintf(b, sizeof b, " · %" PRIu32 " events · %" PRIu32 " problems · %s",
			 l->nlog, l->problems, l->platform);
		tb_reset(p);
		tb_str(p, l->user);
		tb_add(p, b, strlen(b), 0);
		tb_flush(p, h);
		if (l->nlog == 0)
			continue;
		pre = add_el(p, n, "pre", "log");
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
			tb_add(p, g[k].time, strlen(g[k].time), 0);
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

/* The bytes of one call page (or single-file section) as they are made:
 * the template's parts are appended directly, the slots' contents by
 * libxml2's serializer through sink_write. The page then goes out in one
 * write. */
struct sink {
	char *buf;
	size_t len, cap;
};

static int sink_write(void *ctx, const char *b, int n)
{
	struct sink *k = ctx;

	if (n <= 0)
		return n < 0 ? -1 : 0;
	if (rr_grow(&k->buf, &k->cap, k->len + (size_t)n, 1) != RR_OK)
		return -1;
	memcpy(k->buf + k->len, b, (size_t)n);
	k->len += (size_t)n;
	return n;
}

static int sink_add(struct sink *k, const char *b, size_t n)
{
	/* Most writes are a few bytes into room already there. */
	if (n < k->cap - k->len) {
		if (n) {
			memcpy(k->buf + k->len, b, n);
			k->len += n;
		}
		return RR_OK;
	}
	return n > INT_MAX || sink_write(k, b, (int)n) < 0 ? RR_ENOMEM : RR_OK;
}

/* ---- frames: a call template cut at its slots ---- */

/* The comment that stands for a slot while the template is serialized. A
 * template with this comment of its own is refused (frame_open). */
#define SLOT_MARK "roomreport-slot"

/*
 * A call template, cut at its slots: its bytes were serialized once, with a
 * marker before each slot element, one after its own children (where a call
 * appends) and one after its end tag. Per call, only what is appended to the
 * slots is built, written (between the template's bytes) and freed again; a
 * slot left out (no charts) takes its start and end tags with it. For the
 * single file the frame is the template's <main> as a <section> (headings
 * one level down), whose start tag is written per call with the call's id.
 * Each thread has a frame of its own: libxml2 trees are not shared.
 */
struct frame {
	xmlDocPtr doc;                 /* a copy of the template; builds the nodes */
	xmlNodePtr root;               /* the <section> (single file), else NULL */
	xmlNodePtr slot[CS__COUNT];    /* NULL: not in the template */
	xmlNodePtr keep[CS__COUNT];    /* the marker that the new children follow */
	uint8_t order[CS__COUNT];      /* the slots present, in document order */
	unsigned nslots;
	char *bytes;                   /* the template, serialized, markers cut out */
	/* The parts between markers, [start, end) in bytes: part 0, and per
	 * slot k in order, the slot's start tag and own children (3k + 1), its
	 * end tag (3k + 2) and what follows up to the next slot (3k + 3). A
	 * section has one more part first: its start tag. */
	size_t part[3 * CS__COUNT + 2][2];
	unsigned nparts;
	/* Where the stylesheet takes the charts' rules, in bytes (a page
	 * with charts gets css there), or SIZE_MAX. */
	size_t css_at;
	const char *css;
	size_t css_len;
};

static void frame_close(struct frame *f)
{
	if (f->doc)
		xmlFreeDoc(f->doc);
	rr_free(f->bytes);
	memset(f, 0, sizeof *f);
}

/* The value of n's data-slot attribute as a call slot, or -1. */
static int slot_of(xmlNodePtr n)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		if (a->ns || !xmlStrEqual(a->name, (const xmlChar *)"data-slot"))
			continue;
		if (!a->children || a->children->type != XML_TEXT_NODE || a->children->next)
			return -1;
		for (int i = 0; i < CS__COUNT; i++)
			if (xmlStrEqual(a->children->content, (const xmlChar *)cslot_names[i]))
				return i;
		return -1;
	}
	return -1;
}

/* The first element at or under n with data-slot="call". */
static xmlNodePtr find_call_slot(xmlNodePtr n)
{
	for (; n; n = n->next) {
		xmlNodePtr r;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (xmlAttrPtr a = n->properties; a; a = a->next)
			if (!a->ns && xmlStrEqual(a->name, (const xmlChar *)"data-slot") &&
			    a->children && a->children->type == XML_TEXT_NODE &&
			    xmlStrEqual(a->children->content, (const xmlChar *)"call"))
				return n;
		if ((r = find_call_slot(n->children)))
			return r;
	}
	return NULL;
}

/* Records the call slots under n (the first of each name, in document
 * order; nothing under a slot is searched). */
static void collect_slots(struct frame *f, xmlNodePtr n)
{
	for (; n; n = n->next) {
		int s;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		s = slot_of(n);
		if (s >= 0 && !f->slot[s]) {
			f->slot[s] = n;
			f->order[f->nslots++] = (uint8_t)s;
			continue;
		}
		collect_slots(f, n->children);
	}
}

/* Removes the comments at and after n and under them: notes for whoever
 * edits a template, not for the reader of every page. */
static void strip_comments(xmlNodePtr n)
{
	xmlNodePtr next;

	for (; n; n = next) {
		next = n->next;
		if (n->type == XML_COMMENT_NODE) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		} else if (n->type == XML_ELEMENT_NODE) {
			strip_comments(n->children);
		}
	}
}

/* Makes frame f from the call template tmpl (parsed, style filled): the page
 * (section = 0), whose stylesheet gets css (css_len bytes, kept by the
 * caller) where CHARTS_MARK ends it when the call has charts, or the
 * single-file section (section = 1). RR_OK; RR_ENOMEM; RR_EDATA when the
 * template has no "call" slot or uses the slot marker. */
static int frame_open(struct frame *f, xmlDocPtr tmpl, int section, const char *css,
		      size_t css_len)
{
	xmlOutputBufferPtr mem = NULL;
	xmlNodePtr top, mark;
	const char *buf, *at;
	size_t len, mlen = strlen("<!--" SLOT_MARK "-->"), from;
	int rc = RR_ENOMEM;

	memset(f, 0, sizeof *f);
	if (!(f->doc = xmlCopyDoc(tmpl, 1)))
		return RR_ENOMEM;
	/* Element and attribute names from a dictionary: no copy per node. */
	if (!f->doc->dict && !(f->doc->dict = xmlDictCreate()))
		goto out;
	strip_comments(f->doc->children);
	top = xmlDocGetRootElement(f->doc);
	if (section) {
		if (!(f->root = find_call_slot(top))) {
			rc = RR_EDATA;
			goto out;
		}
		/* The section stays in the document, which is never written as
		 * a whole. */
		xmlNodeSetName(f->root, (const xmlChar *)"section");
		demote_headings(f->root);
		top = f->root;
	}
	collect_slots(f, section ? f->root->children : top);
	if (section) {
		/* Cuts off the start tag, which is written per call. */
		if (!(mark = xmlNewDocComment(f->doc, (const xmlChar *)SLOT_MARK)))
			goto out;
		if (f->root->children)
			xmlAddPrevSibling(f->root->children, mark);
		else
			xmlAddChild(f->root, mark);
	}
	for (unsigned k = 0; k < f->nslots; k++) {
		xmlNodePtr n = f->slot[f->order[k]], m[3];

		if (f->order[k] == CS_TITLE || f->order[k] == CS_HEADING)
			remove_children(n);     /* replaced, not added to */
		for (int i = 0; i < 3; i++)
			if (!(m[i] = xmlNewDocComment(f->doc, (const xmlChar *)SLOT_MARK)))
				goto out;
		xmlAddPrevSibling(n, m[0]);
		xmlAddChild(n, m[1]);
		xmlAddNextSibling(n, m[2]);
		f->keep[f->order[k]] = m[1];
	}
	if (!(mem = xmlAllocOutputBuffer(NULL)))
		goto out;
	if (section)
		htmlNodeDumpFormatOutput(mem, f->doc, f->root, "UTF-8", 0);
	else
		htmlDocContentDumpFormatOutput(mem, f->doc, "UTF-8", 0);
	buf = (const char *)xmlOutputBufferGetContent(mem);
	len = xmlOutputBufferGetSize(mem);
	if (mem->error || !buf || !(f->bytes = rr_malloc(len + 1)))
		goto out;
	memcpy(f->bytes, buf, len);
	f->bytes[len] = '\0';
	/* Every marker is ours: exactly three per slot (plus the start
	 * tag's). */
	from = 0;
	for (at = f->bytes; (at = strstr(at, "<!--" SLOT_MARK "-->")); at += mlen) {
		if (f->nparts == 3 * CS__COUNT + 1) {
			rc = RR_EDATA;
			goto out;
		}
		f->part[f->nparts][0] = from;
		f->part[f->nparts][1] = (size_t)(at - f->bytes);
		f->nparts++;
		from = (size_t)(at - f->bytes) + mlen;
	}
	f->part[f->nparts][0] = from;
	f->part[f->nparts][1] = len;
	f->nparts++;
	rc = f->nparts == 3 * f->nslots + 1 + (unsigned)section ? RR_OK : RR_EDATA;
	/* The charts' rules: at the end of the stylesheet, if it has the
	 * mark there, once. */
	f->css_at = SIZE_MAX;
	f->css = css;
	f->css_len = css_len;
	if (rc == RR_OK && !section && (at = strstr(f->bytes, CHARTS_MARK "</style>")) &&
	    !strstr(at + 1, CHARTS_MARK))
		f->css_at = (size_t)(at - f->bytes);
out:
	if (mem)
		xmlOutputBufferClose(mem);
	if (rc != RR_OK)
		frame_close(f);
	return rc;
}

/* Takes back what a call added to slot s into p's pool. */
static void frame_clear(struct frame *f, struct page *p, int s)
{
	xmlNodePtr m = f->keep[s], c = m->next;

	if (!c)
		return;
	m->next = NULL;
	m->parent->last = m;
	pool_put_list(&p->pool, f->doc, c);
}

/* Fills slot s for call view v; 0 when the slot is to be left out. */
static int fill_slot(struct page *p, int s, xmlNodePtr n, const struct callview *v)
{
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
		tb_str(p, v->zone);
		if (*v->zone_change) {
			/* Where the page's clock changes: its times carry
			 * the zone's name for their offset. */
			tb_str(p, "; ");
			tb_str(p, v->zone_change);
		}
		tb_flush(p, n);
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
		fact_of(p, s, v);
		tb_flush(p, n);
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

/* The single file's per-call start tag: the section's, with id="call-N". */
static int write_section_start(struct frame *f, struct page *p, uint32_t call,
			       struct sink *out)
{
	xmlOutputBufferPtr mem;
	xmlNodePtr tag, mark;
	const char *buf, *at;
	char id[32];
	int rc = RR_ENOMEM;

	if (!(tag = xmlDocCopyNode(f->root, f->doc, 2)))
		return RR_ENOMEM;
	snprintf(id, sizeof id, "call-%" PRIu32, call + 1);
	new_attr(p, tag, "id", id);
	mark = xmlNewDocComment(f->doc, (const xmlChar *)SLOT_MARK);
	if (!mark || !xmlAddChild(tag, mark)) {
		xmlFreeNode(mark);
		xmlFreeNode(tag);
		return RR_ENOMEM;
	}
	if ((mem = xmlAllocOutputBuffer(NULL))) {
		htmlNodeDumpFormatOutput(mem, f->doc, tag, "UTF-8", 0);
		buf = (const char *)xmlOutputBufferGetContent(mem);
		if (!mem->error && buf && (at = strstr(buf, "<!--" SLOT_MARK "-->")))
			rc = sink_add(out, buf, (size_t)(at - buf));
		xmlOutputBufferClose(mem);
	}
	xmlFreeNode(tag);
	return p->oom ? RR_ENOMEM : rc;
}

/* A serializer for what is built in the slots, writing into sink k. XML
 * serialization of the (HTML) nodes, with explicit end tags: we build no
 * void elements (the template's own bytes come from the HTML serializer),
 * and it spares the HTML serializer's per-element tag lookups and
 * per-attribute copies. Either way libxml2 escapes every text and
 * attribute value; UTF-8 stays UTF-8. NULL when out of memory. */
static xmlSaveCtxtPtr slot_saver(struct sink *k)
{
	return xmlSaveToIO(sink_write, NULL, k, "UTF-8",
			   XML_SAVE_NO_EMPTY | XML_SAVE_NO_DECL | XML_SAVE_AS_XML);
}

/*
 * What slot_saver's xmlSaveTree writes for the nodes from n on (and their
 * following siblings), written straight into sink k: the nodes call pages
 * are made of (elements without namespaces, attributes whose value is
 * text, text) are walked here, anything else goes to xmlSaveTree itself
 * (save, flushed at once so the order holds). The bytes are the same:
 * "<name", ' attr="value"' for each attribute, then ">" children "</name>"
 * (also when there are no children: XML_SAVE_NO_EMPTY). The escaping stays
 * libxml2's: a text or value that has a character its escaper would change
 * (see text_plain, attr_plain) is passed to it (xmlOutputBufferWriteEscape
 * with the default content escaper, xmlAttrSerializeTxtContent); one that
 * has none is copied, as the escaper would copy it. Saves the serializer's
 * per-node calls and output buffer, a quarter of a call page's time.
 * RR_OK or RR_ENOMEM.
 */
struct ser {
	struct sink *k;
	xmlSaveCtxtPtr save;       /* the fallback, writing into k */
	xmlOutputBufferPtr esc;    /* text escaping, writing into k */
	xmlBufferPtr abuf;         /* attribute escaping */
};

/* What libxml2's escapers change. In text (xmlOutputBufferWriteEscape
 * with no escaper of its own: xmlEscapeContent): these. In attribute
 * values (xmlBufAttrSerializeTxtContent): attr_special's, where a byte >=
 * 0x80 may or may not be, depending on the document's encoding, so goes to
 * libxml2 anyway. */
#define TEXT_SPECIAL "<>&\r"

static int attr_special(unsigned char c)
{
	return c >= 0x80 || c == '<' || c == '>' || c == '&' || c == '"' || c == '\n' ||
	       c == '\r' || c == '\t';
}

/* The length of s, and in *plain whether it has none of TEXT_SPECIAL. */
static size_t text_scan(const xmlChar *s, int *plain)
{
	size_t i = strcspn((const char *)s, TEXT_SPECIAL);

	*plain = s[i] == '\0';
	return *plain ? i : i + strlen((const char *)s + i);
}

static int ser_text(struct ser *w, const xmlChar *s)
{
	int plain;
	size_t n = text_scan(s, &plain);

	if (plain)
		return sink_add(w->k, (const char *)s, n);
	/* libxml2's content escaper, flushed into the sink right away. */
	if (xmlOutputBufferWriteEscape(w->esc, s, NULL) < 0 || xmlOutputBufferFlush(w->esc) < 0)
		return RR_ENOMEM;
	return RR_OK;
}

static int ser_attr_value(struct ser *w, xmlAttrPtr a, const xmlChar *s)
{
	size_t i = 0;

	while (s[i] && !attr_special(s[i]))
		i++;
	if (!s[i])
		return sink_add(w->k, (const char *)s, i);
	xmlBufferEmpty(w->abuf);
	xmlAttrSerializeTxtContent(w->abuf, a->doc, a, s);
	return sink_add(w->k, (const char *)xmlBufferContent(w->abuf),
			(size_t)xmlBufferLength(w->abuf));
}

static int ser_str(struct ser *w, const xmlChar *s)
{
	return sink_add(w->k, (const char *)s, strlen((const char *)s));
}

/* 1 when ser_nodes writes element n itself (not through the fallback):
 * no namespace, attributes of text only. */
static int ser_simple(xmlNodePtr n)
{
	if (n->ns || n->nsDef)
		return 0;
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		if (a->ns)
			return 0;
		for (xmlNodePtr t = a->children; t; t = t->next)
			if (t->type != XML_TEXT_NODE || !t->content)
				return 0;
	}
	return 1;
}

static int ser_nodes(struct ser *w, xmlNodePtr n)
{
	int rc = RR_OK;

	for (; n && rc == RR_OK; n = n->next) {
		/* A "textnoenc" node (unescaped text) is the fallback's. */
		if (n->type == XML_TEXT_NODE && !xmlStrEqual(n->name, (const xmlChar *)"textnoenc")) {
			if (n->content)
				rc = ser_text(w, n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE || !ser_simple(n)) {
			if (xmlSaveTree(w->save, n) < 0 || xmlSaveFlush(w->save) < 0)
				rc = RR_ENOMEM;
			continue;
		}
		if ((rc = sink_add(w->k, "<", 1)) != RR_OK || (rc = ser_str(w, n->name)) != RR_OK)
			break;
		for (xmlAttrPtr a = n->properties; a && rc == RR_OK; a = a->next) {
			if ((rc = sink_add(w->k, " ", 1)) != RR_OK ||
			    (rc = ser_str(w, a->name)) != RR_OK ||
			    (rc = sink_add(w->k, "=\"", 2)) != RR_OK)
				break;
			for (xmlNodePtr t = a->children; t && rc == RR_OK; t = t->next)
				rc = ser_attr_value(w, a, t->content);
			if (rc == RR_OK)
				rc = sink_add(w->k, "\"", 1);
		}
		if (rc != RR_OK)
			break;
		if (n->children) {
			if ((rc = sink_add(w->k, ">", 1)) != RR_OK ||
			    (rc = ser_nodes(w, n->children)) != RR_OK ||
			    (rc = sink_add(w->k, "</", 2)) != RR_OK)
				break;
		} else if ((rc = sink_add(w->k, "></", 3)) != RR_OK) {
			break;
		}
		if ((rc = ser_str(w, n->name)) == RR_OK)
			rc = sink_add(w->k, ">", 1);
	}
	return rc;
}

/* A ser writing into sink k; RR_OK or RR_ENOMEM (w then empty). */
static int ser_open(struct ser *w, struct sink *k)
{
	memset(w, 0, sizeof *w);
	w->k = k;
	if (!(w->save = slot_saver(k)) ||
	    !(w->esc = xmlOutputBufferCreateIO(sink_write, NULL, k, NULL)) ||
	    !(w->abuf = xmlBufferCreate())) {
		if (w->save)
			xmlSaveClose(w->save);
		if (w->esc)
			xmlOutputBufferClose(w->esc);
		memset(w, 0, sizeof *w);
		return RR_ENOMEM;
	}
	return RR_OK;
}

static void ser_close(struct ser *w)
{
	if (w->save)
		xmlSaveClose(w->save);
	if (w->esc)
		xmlOutputBufferClose(w->esc);
	if (w->abuf)
		xmlBufferFree(w->abuf);
	memset(w, 0, sizeof *w);
}

/* A part of the template; the one with the stylesheet's end takes the
 * charts' rules when v has charts. */
static int write_part(struct frame *f, const size_t *part, const struct callview *v,
		      struct sink *out)
{
	size_t mlen = strlen(CHARTS_MARK);
	int rc;

	if (f->css_at < part[0] || f->css_at >= part[1])
		return sink_add(out, f->bytes + part[0], part[1] - part[0]);
	if ((rc = sink_add(out, f->bytes + part[0], f->css_at - part[0])) != RR_OK ||
	    (v->ncharts && (rc = sink_add(out, f->css, f->css_len)) != RR_OK))
		return rc;
	return sink_add(out, f->bytes + f->css_at + mlen, part[1] - f->css_at - mlen);
}

/* Writes call view v through frame f into sink out: the template's bytes
 * and, in between, each slot's new children, serialized by save (which
 * writes into the same sink) and freed again. RR_OK or RR_ENOMEM. */
static int frame_write(struct frame *f, struct page *p, const struct callview *v,
		       struct ser *save, struct sink *out)
{
	const size_t (*pt)[2] = f->part;
	int rc;

	/* The previous page's nodes are all in the pool by now. */
	text_reset(p, 0);

	/* The template up to the first slot; a section's start tag is the
	 * call's own. */
	if (f->root) {
		if ((rc = write_section_start(f, p, v->call, out)) != RR_OK)
			return rc;
		pt++;
	}
	if ((rc = write_part(f, pt[0], v, out)) != RR_OK)
		return rc;
	for (unsigned k = 0; k < f->nslots; k++) {
		int s = f->order[k];

		if (fill_slot(p, s, f->slot[s], v) && !p->oom) {
			rc = write_part(f, pt[3 * k + 1], v, out);
			if (rc == RR_OK)
				rc = ser_nodes(save, f->keep[s]->next);
			if (rc == RR_OK)
				rc = write_part(f, pt[3 * k + 2], v, out);
			if (rc != RR_OK)
				p->oom = 1;
		}
		frame_clear(f, p, s);
		if (p->oom)
			return RR_ENOMEM;
		if ((rc = write_part(f, pt[3 * k + 3], v, out)) != RR_OK)
			return rc;
	}
	return RR_OK;
}

/* -------------------------------------------------------------- writing */

/* Writes doc to an open stream; RR_OK or RR_EIO. Through an output buffer
 * on the FILE with no encoder: that keeps UTF-8 as UTF-8 (the default
 * serializer writes entities instead). */
static int save_stream(xmlDocPtr doc, FILE *f)
{
	xmlOutputBufferPtr out = xmlOutputBufferCreateFile(f, NULL);

	if (!out)
		return RR_ENOMEM;
	htmlDocContentDumpFormatOutput(out, doc, "UTF-8", 1);
	return xmlOutputBufferClose(out) < 0 ? RR_EIO : RR_OK;
}

/* Creates path (it must not exist: our fresh temporary directory) and writes
 * doc into it. */
static int save_new(xmlDocPtr doc, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	FILE *f;
	int rc, bad;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		set_err(err, errlen, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return RR_EIO;
	}
	rc = save_stream(doc, f);
	errno = 0;
	bad = ferror(f) != 0;
	if (fclose(f) != 0)
		bad = 1;
	if (rc == RR_OK && bad)
		rc = RR_EIO;
	if (rc == RR_EIO)
		set_write_err(err, errlen, path, errno);
	else if (rc == RR_ENOMEM)
		set_err(err, errlen, path, "out of memory");
	return rc;
}

static int build_overview(struct render *rd, const struct report *r, const struct catalog *cat,
			  int single, struct page *p)
{
	int rc = page_init(p, rd->overview, r, cat, single);

	if (rc != RR_OK)
		return rc;
	fill_overview(p, xmlDocGetRootElement(p->doc));
	return p->oom ? RR_ENOMEM : RR_OK;
}

/* Creates name in directory dfd (it must not exist: our fresh temporary
 * directory) holding the n bytes at b: one open, one write, one close.
 * RR_OK or RR_EIO (err names the file as dir/name). */
static int write_new_file(int dfd, const char *dir, const char *name, const char *b, size_t n,
			  char *err, size_t errlen)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), e;

	if (fd < 0) {
		e = errno;
		goto fail;
	}
	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s/%s: write error%s%s", dir, name,
					 k < 0 ? ": " : "", k < 0 ? strerror(errno) : "");
			close(fd);
			return RR_EIO;
		}
		b += k;
		n -= (size_t)k;
	}
	if (close(fd) == 0)
		return RR_OK;
	e = errno;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(e));
	return RR_EIO;
}

/* What one page-writing thread keeps from call to call: its frame (its own
 * copy of the template), the page state with its text scratch, the call
 * view's storage, and the output buffer with its sink. */
struct writer {
	struct frame frame;
	struct page page;
	struct callview view;
	struct sink sink;
	struct ser save;         /* into sink */
};

static void writer_close(struct writer *w)
{
	ser_close(&w->save);
	frame_close(&w->frame);
	callview_free(&w->view);
	rr_free(w->page.tb);
	rr_free(w->page.pb.buf);
	rr_free(w->page.mp);
	pool_free(&w->page.pool);
	text_reset(&w->page, 1);
	rr_free(w->sink.buf);
	memset(w, 0, sizeof *w);
}

static int writer_open(struct writer *w, xmlDocPtr tmpl, const char *css, size_t css_len,
		       const struct report *r, const struct catalog *cat)
{
	int rc;

	memset(w, 0, sizeof *w);
	if ((rc = frame_open(&w->frame, tmpl, 0, css, css_len)) != RR_OK)
		return rc;
	w->page.doc = w->frame.doc;
	w->page.r = r;
	w->page.cat = cat;
	w->page.lean = 1;
	if (ser_open(&w->save, &w->sink) != RR_OK) {
		writer_close(w);
		return RR_ENOMEM;
	}
	return RR_OK;
}

/* Builds call i's view and page and writes it to name in dfd (dir, for
 * messages). */
static int write_call_page(struct writer *w, uint32_t i, int dfd, const char *dir,
			   const char *name, char *err, size_t errlen)
{
	int rc;

	w->page.oom = 0;
	w->sink.len = 0;
	if ((rc = callview_rebuild(w->page.r, w->page.cat, i, &w->view)) == RR_OK)
		rc = frame_write(&w->frame, &w->page, &w->view, &w->save, &w->sink);
	if (rc != RR_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s/%s: out of memory", dir, name);
		return rc;
	}
	return write_new_file(dfd, dir, name, w->sink.buf, w->sink.len, err, errlen);
}

/* Joins a and b with '/' into a new string; NULL when out of memory. */
static char *path_join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = rr_malloc(na + nb + 2);

	if (s) {
		memcpy(s, a, na);
		s[na] = '/';
		memcpy(s + na + 1, b, nb + 1);
	}
	return s;
}

/* Removes a report tree that we wrote: index.html, calls/ *.html, then the
 * directories. Anything else is left in place (rmdir then fails and the
 * directory stays): never delete what we could not have written. */
static void remove_report_tree(const char *dir)
{
	char *idx = path_join(dir, "index.html"), *calls = path_join(dir, "calls");
	DIR *d;
	struct dirent *de;

	if (idx)
		unlink(idx);
	if (calls && (d = opendir(calls))) {
		int fd = dirfd(d);

		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			struct stat st;

			if (n > 5 && strcmp(de->d_name + n - 5, ".html") == 0 &&
			    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode))
				unlinkat(fd, de->d_name, 0);
		}
		closedir(d);
		rmdir(calls);
	}
	rmdir(dir);
	rr_free(idx);
	rr_free(calls);
}

/* 1 when dir may be replaced: an empty directory, or one holding index.html
 * (a previous report); 0 when not; -1 when out of memory. */
static int looks_like_report(const char *dir)
{
	char *idx = path_join(dir, "index.html");
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ok = 0;

	if (!idx)
		return -1;
	if (lstat(idx, &st) == 0 && S_ISREG(st.st_mode))
		ok = 1;
	rr_free(idx);
	if (ok)
		return 1;
	if (!(d = opendir(dir)))
		return 0;
	ok = 1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			ok = 0;
	closedir(d);
	return ok;
}

/* Puts the finished tree tmp at dir. When dir exists the two are exchanged
 * atomically (renameat2 RENAME_EXCHANGE) so readers see either report, and
 * the old one, now at tmp, is removed. On file systems without exchange, the
 * old tree is moved aside first. */
static int swap_into_place(const char *tmp, const char *dir, int exists, char *err, size_t errlen)
{
	if (!exists) {
		if (rename(tmp, dir) != 0) {
			set_err(err, errlen, dir, strerror(errno));
			return RR_EIO;
		}
		return RR_OK;
	}
	if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
		remove_report_tree(tmp);
		return RR_OK;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
		set_err(err, errlen, dir, strerror(errno));
		return RR_EIO;
	}
	{
		size_t n = strlen(dir) + 16;
		char *old = rr_malloc(n);
		int rc = RR_OK;

		if (!old) {
			set_err(err, errlen, dir, "out of memory");
			return RR_ENOMEM;
		}
		/* A fresh unique name: create it, then let rename replace the
		 * empty directory. */
		snprintf(old, n, "%s.old.XXXXXX", dir);
		if (!mkdtemp(old) || rename(dir, old) != 0) {
			set_err(err, errlen, dir, strerror(errno));
			rc = RR_EIO;
		} else if (rename(tmp, dir) != 0) {
			set_err(err, errlen, dir, strerror(errno));
			rename(old, dir);
			rc = RR_EIO;
		} else {
			remove_report_tree(old);
		}
		if (rc != RR_OK)
			rmdir(old);
		rr_free(old);
		return rc;
	}
}

/* ---- call pages, in parallel ---- */

static void quiet(void *ctx, const char *msg, ...);

#define MAX_WORKERS 8

/* One page-writing thread. Calls are handed out through a shared counter
 * over the step's list; each thread holds one call's view and tree at a
 * time and has its own copy of the template, so threads share only
 * read-only data (the report, the catalog, the string table, the records).
 * Pages do not depend on the order they are written in, so the output is
 * the same whatever the scheduling. */
struct worker {
	pthread_t thread;
	xmlDocPtr tmpl;          /* the parsed call template (read only) */
	const char *css;         /* the charts' stylesheet (read only) */
	size_t css_len;
	const struct report *r;  /* its ds holds the step's records */
	const struct catalog *cat;
	const char *dir;
	const char *calls_dir;   /* dir/calls */
	int dir_fd, calls_fd;    /* open on those two */
	const uint32_t *calls;   /* the step's calls; NULL: 0 .. ncalls - 1 */
	size_t ncalls;
	atomic_size_t *next;
	atomic_int *stop;
	int rc;
	uint32_t failed;         /* the call whose page failed (rc != RR_OK) */
	char err[512];
};

/* The k-th call of a step's list. */
static uint32_t list_call(const uint32_t *calls, size_t k)
{
	return calls ? calls[k] : (uint32_t)k;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct writer wr;
	size_t k;

	/* libxml2's error handler is per thread. */
	xmlSetGenericErrorFunc(NULL, quiet);
	if ((w->rc = writer_open(&wr, w->tmpl, w->css, w->css_len, w->r, w->cat)) != RR_OK) {
		set_err(w->err, sizeof w->err, w->dir, "out of memory");
		w->failed = 0;
		atomic_store(w->stop, 1);
		return NULL;
	}
	while (!atomic_load(w->stop) && (k = atomic_fetch_add(w->next, 1)) < w->ncalls) {
		uint32_t i = list_call(w->calls, k);
		const char *name;

		if (i >= w->r->m->ncalls || !has_page(w->r, i))
			continue;
		/* Opened in calls/ itself: the kernel walks no path per page. */
		name = w->r->call_file[i];
		if (strncmp(name, "calls/", 6) == 0)
			w->rc = write_call_page(&wr, i, w->calls_fd, w->calls_dir, name + 6, w->err,
						sizeof w->err);
		else
			w->rc = write_call_page(&wr, i, w->dir_fd, w->dir, name, w->err,
						sizeof w->err);
		if (w->rc != RR_OK) {
			w->failed = i;
			atomic_store(w->stop, 1);
		}
	}
	writer_close(&wr);
	return NULL;
}

/* How many page-writing threads: the online processors, at most
 * MAX_WORKERS, never more than there are pages. */
static unsigned worker_count(size_t pages)
{
	unsigned n = rr_threads(MAX_WORKERS);

	return pages < n ? (pages ? (unsigned)pages : 1) : n;
}

/* Writes the pages of the listed calls (NULL: every call; those without a
 * page skipped) into dir/calls/, with r (whose ds holds their records). On
 * failure err holds the message of the lowest-numbered call that failed. */
static int write_call_pages(struct render *rd, const struct report *r, const struct catalog *cat,
			    const char *dir, const uint32_t *calls, size_t ncalls, char *err,
			    size_t errlen)
{
	struct worker w[MAX_WORKERS];
	atomic_size_t next = 0;
	atomic_int stop = 0;
	unsigned n, started = 0, k;
	size_t pages = 0;
	int rc = RR_OK, dir_fd, calls_fd = -1;
	char *calls_dir;
	const struct worker *bad = NULL;

	for (size_t j = 0; j < ncalls; j++) {
		uint32_t i = list_call(calls, j);

		pages += i < r->m->ncalls && has_page(r, i);
	}
	if (pages == 0)
		return RR_OK;
	n = worker_count(pages);
	memset(w, 0, sizeof w);
	if (!(calls_dir = path_join(dir, "calls"))) {
		set_err(err, errlen, dir, "out of memory");
		return RR_ENOMEM;
	}
	if ((dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (calls_fd = open(calls_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_err(err, errlen, dir_fd < 0 ? dir : calls_dir, strerror(errno));
		if (dir_fd >= 0)
			close(dir_fd);
		rr_free(calls_dir);
		return RR_EIO;
	}
	for (k = 0; k < n; k++) {
		w[k].dir_fd = dir_fd;
		w[k].calls_fd = calls_fd;
		w[k].calls_dir = calls_dir;
		w[k].r = r;
		w[k].cat = cat;
		w[k].css = rd->charts_css;
		w[k].css_len = rd->charts_len;
		w[k].dir = dir;
		w[k].calls = calls;
		w[k].ncalls = ncalls;
		w[k].next = &next;
		w[k].stop = &stop;
		w[k].rc = RR_OK;
		/* Copied here, in one thread: libxml2 documents are not shared. */
		if (!(w[k].tmpl = xmlCopyDoc(rd->call, 1))) {
			rc = RR_ENOMEM;
			break;
		}
	}
	if (rc == RR_OK && n == 1) {
		worker_run(&w[0]);
		started = 0;
	} else if (rc == RR_OK) {
		for (k = 0; k < n; k++, started++)
			if (pthread_create(&w[k].thread, NULL, worker_run, &w[k]) != 0)
				break;
		if (started == 0)
			worker_run(&w[0]);  /* no thread at all: write them here */
		for (k = 0; k < started; k++)
			pthread_join(w[k].thread, NULL);
	}
	for (k = 0; k < n; k++) {
		if (w[k].rc != RR_OK && (!bad || w[k].failed < bad->failed))
			bad = &w[k];
		if (w[k].tmpl)
			xmlFreeDoc(w[k].tmpl);
	}
	close(dir_fd);
	close(calls_fd);
	rr_free(calls_dir);
	if (rc != RR_OK) {
		set_err(err, errlen, dir, "out of memory");
		return rc;
	}
	if (bad) {
		if (err && errlen)
			snprintf(err, errlen, "%s", bad->err);
		return bad->rc;
	}
	return RR_OK;
}

/* ---- reports in steps ---- */

/*
 * A report being written (render_dir_* / render_file_*). The calls' records
 * come with each step; everything else (model, strings, companion rows) is
 * r's throughout.
 *
 * Single file: the overview does not read records, so render_file_begin
 * writes it up to its "calls" slot at once and keeps the rest (tail) for
 * render_file_end. A section that arrives when it is the next one in model
 * order goes straight after what is written; one that arrives early goes to
 * an unlinked temporary file (its offset and length kept per call) and is
 * copied over when its turn comes. Calls given in model order, as
 * render_write_file gives them, are thus written once, and the temporary
 * file is never even created.
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

#define COPY_BUF 65536

/* r with the records of ds: callview reads a call's records through r->ds
 * (its rec_first/rec_end index ds's), its strings and companion rows are
 * r->ds's anyway. */
static void report_view(const struct report *r, const struct dataset *ds, struct report *rv,
			struct dataset *dv)
{
	*dv = *r->ds;
	if (ds) {
		dv->recs = ds->recs;
		dv->nrecs = ds->nrecs;
	}
	*rv = *r;
	rv->ds = dv;
}

int render_dir_begin(struct render *rd, const struct report *r, const struct catalog *cat,
		     const char *dir, struct render_job **out, char *err, size_t errlen)
{
	struct render_job *job;
	struct stat st;
	char *path = NULL;
	size_t n;
	int rc;
	mode_t mask;

	*out = NULL;
	if (!(job = rr_calloc(1, sizeof *job)))
		goto nomem;
	job->rd = rd;
	job->r = r;
	job->cat = cat;
	job->sfd = -1;
	/* "report/" and "report" are the same directory; renaming needs the
	 * name without the slash. */
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!(job->base = rr_strndup(dir, n)))
		goto nomem;
	job->exists = lstat(job->base, &st) == 0;
	rc = 1;
	if (job->exists && S_ISDIR(st.st_mode) && (rc = looks_like_report(job->base)) < 0)
		goto nomem;
	if (job->exists && (!S_ISDIR(st.st_mode) || rc == 0)) {
		set_err(err, errlen, job->base, "exists and is not a roomreport report");
		render_dir_abort(job);
		return RR_EIO;
	}
	if (!(job->tmp = rr_malloc(n + 16)))
		goto nomem;
	snprintf(job->tmp, n + 16, "%s.tmp.XXXXXX", job->base);
	if (!mkdtemp(job->tmp)) {
		set_err(err, errlen, job->base, strerror(errno));
		rr_free(job->tmp);
		job->tmp = NULL;
		render_dir_abort(job);
		return RR_EIO;
	}
	/* mkdtemp makes the directory private; a report is as readable as any
	 * file the user creates. */
	mask = umask(0);
	umask(mask);
	chmod(job->tmp, 0777 & ~mask);
	if (!(path = path_join(job->tmp, "calls")))
		goto nomem;
	if (mkdir(path, 0777) != 0) {
		set_err(err, errlen, path, strerror(errno));
		rr_free(path);
		render_dir_abort(job);
		return RR_EIO;
	}
	rr_free(path);
	*out = job;
	return RR_OK;
nomem:
	set_err(err, errlen, dir, "out of memory");
	render_dir_abort(job);
	return RR_ENOMEM;
}

/* render_dir_calls, where calls == NULL stands for every call. */
static int dir_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		     size_t n, char *err, size_t errlen)
{
	struct report rv;
	struct dataset dv;

	if (job->rc != RR_OK)
		return job->rc;
	report_view(job->r, ds, &rv, &dv);
	job->rc = write_call_pages(job->rd, &rv, job->cat, job->tmp, calls, n, err, errlen);
	return job->rc;
}

int render_dir_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		     size_t n, char *err, size_t errlen)
{
	return n ? dir_calls(job, ds, calls, n, err, errlen) : job->rc;
}

int render_dir_end(struct render_job *job, char *err, size_t errlen)
{
	struct page p;
	char *path;
	int rc = job->rc;

	if (rc != RR_OK) {
		render_dir_abort(job);
		return rc;
	}
	if (!(path = path_join(job->tmp, "index.html"))) {
		set_err(err, errlen, job->base, "out of memory");
		render_dir_abort(job);
		return RR_ENOMEM;
	}
	if ((rc = build_overview(job->rd, job->r, job->cat, 0, &p)) == RR_OK)
		rc = save_new(p.doc, path, err, errlen);
	else
		set_err(err, errlen, path, "out of memory");
	page_free(&p);
	rr_free(path);
	if (rc == RR_OK)
		rc = swap_into_place(job->tmp, job->base, job->exists, err, errlen);
	if (rc == RR_OK) {
		rr_free(job->tmp);
		job->tmp = NULL;    /* nothing left to remove */
	}
	render_dir_abort(job);
	return rc;
}

void render_dir_abort(struct render_job *job)
{
	if (!job)
		return;
	if (job->tmp)
		remove_report_tree(job->tmp);
	rr_free(job->tmp);
	rr_free(job->base);
	rr_free(job);
}

int render_write_dir(struct render *rd, const struct report *r, const struct catalog *cat,
		     const char *dir, char *err, size_t errlen)
{
	struct render_job *job;
	int rc;

	if ((rc = render_dir_begin(rd, r, cat, dir, &job, err, errlen)) != RR_OK)
		return rc;
	if ((rc = dir_calls(job, r->ds, NULL, r->m->ncalls, err, errlen)) != RR_OK) {
		render_dir_abort(job);
		return rc;
	}
	return render_dir_end(job, err, errlen);
}

/* ---- the single file in steps ---- */

/* Sets job->rc (and err, naming the file) for a failed step. */
static int file_fail(struct render_job *job, int rc, const char *path, char *err, size_t errlen)
{
	if (rc == RR_ENOMEM)
		set_err(err, errlen, path, "out of memory");
	else
		set_write_err(err, errlen, path, errno);
	job->rc = rc;
	return rc;
}

/* Appends n bytes to the output file; RR_OK or RR_EIO. */
static int file_put(struct render_job *job, const char *b, size_t n)
{
	errno = 0;
	if (n && fwrite(b, 1, n, job->f) != n)
		return RR_EIO;
	return ferror(job->f) ? RR_EIO : RR_OK;
}

/* Writes n bytes at b to fd, all of them; RR_OK or RR_EIO (errno set). */
static int fd_put(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return RR_EIO;
		}
		b += k;
		n -= (size_t)k;
	}
	return RR_OK;
}

/* The unlinked temporary file for sections that arrive early, in $TMPDIR
 * (else /tmp), with the per-call offsets. RR_OK; RR_EIO (err names it);
 * RR_ENOMEM. */
static int spill_open(struct render_job *job, char *err, size_t errlen)
{
	const char *d = getenv("TMPDIR");
	uint32_t nc = job->r->m->ncalls;

	if (!(job->soff = rr_calloc(nc, sizeof *job->soff)) ||
	    !(job->slen = rr_calloc(nc, sizeof *job->slen)) ||
	    !(job->spath = path_join(d && *d ? d : "/tmp", "roomreport-sections.XXXXXX")))
		return file_fail(job, RR_ENOMEM, job->path, err, errlen);
	if ((job->sfd = mkostemp(job->spath, O_CLOEXEC)) < 0) {
		set_err(err, errlen, job->spath, strerror(errno));
		return job->rc = RR_EIO;
	}
	/* Gone from the directory at once: whatever happens to us, nothing is
	 * left behind. */
	unlink(job->spath);
	return RR_OK;
}

/* Copies stored section i into the output file. */
static int spill_copy(struct render_job *job, uint32_t i, char *err, size_t errlen)
{
	uint64_t at = job->soff[i] - 1, left = job->slen[i];

	if (!job->copy && !(job->copy = rr_malloc(COPY_BUF)))
		return file_fail(job, RR_ENOMEM, job->path, err, errlen);
	while (left > 0) {
		size_t want = left < COPY_BUF ? (size_t)left : COPY_BUF;
		ssize_t k = pread(job->sfd, job->copy, want, (off_t)at);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			set_err(err, errlen, job->spath, k < 0 ? strerror(errno) : "read error");
			return job->rc = RR_EIO;
		}
		if (file_put(job, job->copy, (size_t)k) != RR_OK)
			return file_fail(job, RR_EIO, job->path, err, errlen);
		at += (uint64_t)k;
		left -= (uint64_t)k;
	}
	job->soff[i] = 0;
	return RR_OK;
}

/* Moves job->next past calls without a page and past stored sections,
 * copying those out. */
static int file_drain(struct render_job *job, char *err, size_t errlen)
{
	const struct report *r = job->r;
	int rc;

	for (; job->next < r->m->ncalls; job->next++) {
		if (!has_page(r, job->next))
			continue;
		if (!job->soff || !job->soff[job->next])
			break;
		if ((rc = spill_copy(job, job->next, err, errlen)) != RR_OK)
			return rc;
	}
	return RR_OK;
}

int render_file_begin(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, struct render_job **out, char *err, size_t errlen)
{
	struct render_job *job;
	struct stat st;
	struct page p;
	xmlNodePtr calls, mark;
	const char *buf, *at = NULL;
	size_t n = strlen(path) + 16, len, mlen = strlen("<!--" CALLS_MARK "-->");
	int fd, rc;

	*out = NULL;
	if (!(job = rr_calloc(1, sizeof *job)) || !(job->path = rr_strndup(path, strlen(path)))) {
		rr_free(job);
		set_err(err, errlen, path, "out of memory");
		return RR_ENOMEM;
	}
	job->rd = rd;
	job->r = r;
	job->cat = cat;
	job->sfd = -1;
	/* A device (/dev/null, /dev/stdout) is written in place: renaming over
	 * it would replace the device node. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			set_err(err, errlen, path, "is a directory");
			render_file_abort(job);
			return RR_EIO;
		}
		if (!(job->f = fopen(path, "w"))) {
			set_err(err, errlen, path, strerror(errno));
			render_file_abort(job);
			return RR_EIO;
		}
	} else {
		if (!(job->ftmp = rr_malloc(n))) {
			set_err(err, errlen, path, "out of memory");
			render_file_abort(job);
			return RR_ENOMEM;
		}
		snprintf(job->ftmp, n, "%s.tmp.XXXXXX", path);
		fd = mkstemp(job->ftmp);
		if (fd < 0 || !(job->f = fdopen(fd, "w"))) {
			set_err(err, errlen, path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(job->ftmp);
			}
			rr_free(job->ftmp);
			job->ftmp = NULL;
			render_file_abort(job);
			return RR_EIO;
		}
		/* mkstemp makes the file private; give it the usual mode. */
		{
			mode_t mask = umask(0);

			umask(mask);
			fchmod(fd, 0666 & ~mask);
		}
	}

	/* The overview, serialized to memory with a marker comment in its
	 * "calls" slot, the last element of <body>; the bytes before the
	 * marker go out now. The marker is found searching from the end,
	 * after every value from the data, so no data can be mistaken for
	 * it. */
	rc = build_overview(rd, r, cat, 1, &p);
	calls = rc == RR_OK ? slot(&p, xmlDocGetRootElement(p.doc), "calls") : NULL;
	mark = calls ? xmlNewDocComment(p.doc, (const xmlChar *)CALLS_MARK) : NULL;
	if (!mark || !xmlAddChild(calls, mark)) {
		xmlFreeNode(mark);
		rc = RR_ENOMEM;
	} else if (!(job->ov = xmlAllocOutputBuffer(NULL))) {
		rc = RR_ENOMEM;
	} else {
		htmlDocContentDumpFormatOutput(job->ov, p.doc, "UTF-8", 1);
		buf = (const char *)xmlOutputBufferGetContent(job->ov);
		len = xmlOutputBufferGetSize(job->ov);
		for (size_t i = len >= mlen ? len - mlen + 1 : 0; buf && i-- > 0;) {
			if (memcmp(buf + i, "<!--" CALLS_MARK "-->", mlen) == 0) {
				at = buf + i;
				break;
			}
		}
		if (!at || job->ov->error)
			rc = RR_ENOMEM;
	}
	page_free(&p);
	if (rc == RR_OK) {
		job->tail = at + mlen;
		job->tail_len = len - (size_t)(at - buf) - mlen;
		if (file_put(job, buf, (size_t)(at - buf)) != RR_OK)
			rc = RR_EIO;
	}
	/* The frame the sections are cut from, and their serializer. */
	if (rc == RR_OK && frame_open(&job->fr, rd->call, 1, NULL, 0) != RR_OK)
		rc = RR_ENOMEM;          /* render_open checked the template */
	if (rc == RR_OK && ser_open(&job->save, &job->sk) != RR_OK)
		rc = RR_ENOMEM;
	if (rc != RR_OK) {
		file_fail(job, rc, path, err, errlen);
		render_file_abort(job);
		return rc;
	}
	job->cp.doc = job->fr.doc;
	job->cp.r = r;
	job->cp.cat = cat;
	job->cp.single = 1;
	job->cp.lean = 1;
	*out = job;
	return file_drain(job, err, errlen) == RR_OK ? RR_OK : (render_file_abort(job), RR_EIO);
}

int render_file_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		      size_t n, char *err, size_t errlen)
{
	const struct report *r = job->r;
	struct report rv;
	struct dataset dv;
	int rc = job->rc;

	report_view(r, ds, &rv, &dv);
	job->cp.r = &rv;
	for (size_t k = 0; k < n && rc == RR_OK; k++) {
		uint32_t i = list_call(calls, k);

		/* Not a page, or one already given: the contract says neither
		 * comes, and neither changes the file. */
		if (i >= r->m->ncalls || !has_page(r, i) || i < job->next ||
		    (job->soff && job->soff[i]))
			continue;
		if ((rc = callview_rebuild(&rv, job->cat, i, &job->v)) != RR_OK) {
			rc = file_fail(job, rc, job->path, err, errlen);
			break;
		}
		job->cp.oom = 0;
		job->sk.len = 0;
		if ((rc = frame_write(&job->fr, &job->cp, &job->v, &job->save, &job->sk)) != RR_OK) {
			rc = file_fail(job, rc, job->path, err, errlen);
			break;
		}
		if (i == job->next) {
			if (file_put(job, job->sk.buf, job->sk.len) != RR_OK) {
				rc = file_fail(job, RR_EIO, job->path, err, errlen);
				break;
			}
			job->next++;
			rc = file_drain(job, err, errlen);
			continue;
		}
		if (job->sfd < 0 && (rc = spill_open(job, err, errlen)) != RR_OK)
			break;
		if (fd_put(job->sfd, job->sk.buf, job->sk.len) != RR_OK) {
			rc = file_fail(job, RR_EIO, job->spath, err, errlen);
			break;
		}
		job->soff[i] = job->send + 1;
		job->slen[i] = job->sk.len;
		job->send += job->sk.len;
	}
	job->cp.r = r;
	job->rc = rc;
	return rc;
}

int render_file_end(struct render_job *job, char *err, size_t errlen)
{
	int rc = job->rc, bad;

	/* Sections of calls never given would have stopped the drain: what
	 * follows them still goes out, in order. */
	while (rc == RR_OK && job->next < job->r->m->ncalls) {
		job->next++;
		rc = file_drain(job, err, errlen);
	}
	if (rc == RR_OK && file_put(job, job->tail, job->tail_len) != RR_OK)
		rc = file_fail(job, RR_EIO, job->path, err, errlen);
	if (rc != RR_OK) {
		render_file_abort(job);
		return rc;
	}
	errno = 0;
	bad = ferror(job->f) != 0;
	if (fclose(job->f) != 0)
		bad = 1;
	job->f = NULL;
	if (bad)
		rc = file_fail(job, RR_EIO, job->path, err, errlen);
	if (rc == RR_OK && job->ftmp && rename(job->ftmp, job->path) != 0) {
		set_err(err, errlen, job->path, strerror(errno));
		rc = RR_EIO;
	}
	if (rc == RR_OK) {
		rr_free(job->ftmp);
		job->ftmp = NULL;   /* it is the report now */
	}
	render_file_abort(job);
	return rc;
}

void render_file_abort(struct render_job *job)
{
	if (!job)
		return;
	if (job->f)
		fclose(job->f);
	if (job->ftmp)
		unlink(job->ftmp);
	if (job->sfd >= 0)
		close(job->sfd);
	if (job->ov)
		xmlOutputBufferClose(job->ov);
	ser_close(&job->save);
	frame_close(&job->fr);
	callview_free(&job->v);
	rr_free(job->cp.tb);
	rr_free(job->cp.pb.buf);
	rr_free(job->cp.mp);
	pool_free(&job->cp.pool);
	text_reset(&job->cp, 1);
	rr_free(job->sk.buf);
	rr_free(job->soff);
	rr_free(job->slen);
	rr_free(job->copy);
	rr_free(job->spath);
	rr_free(job->ftmp);
	rr_free(job->path);
	rr_free(job);
}

/* Writes everything into one file: the steps above with every call at once,
 * in model order, so each section goes straight into the file. */
int render_write_file(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, char *err, size_t errlen)
{
	struct render_job *job;
	int rc;

	if ((rc = render_file_begin(rd, r, cat, path, &job, err, errlen)) != RR_OK)
		return rc;
	if ((rc = render_file_calls(job, r->ds, NULL, r->m->ncalls, err, errlen)) != RR_OK) {
		render_file_abort(job);
		return rc;
	}
	return render_file_end(job, err, errlen);
}

/* ------------------------------------------------------------- templates */

/* The contents of template name: from dir, or the embedded copy. *buf is
 * rr_malloc'd (NUL-terminated). RR_EIO when missing; RR_ENOMEM. */
static int load_file(const char *dir, const char *name, char **buf, size_t *len,
		     char *err, size_t errlen)
{
	const struct template_file *t;
	char *path;
	FILE *f;
	size_t cap = 0, n = 0, k;
	char *b = NULL, *nb;

	*buf = NULL;
	*len = 0;
	if (!dir) {
		if (!(t = templates_find(name))) {
			set_err(err, errlen, name, "no embedded template");
			return RR_EIO;
		}
		if (!(*buf = rr_strndup((const char *)t->data, t->len)))
			return RR_ENOMEM;
		*len = t->len;
		return RR_OK;
	}
	if (!(path = path_join(dir, name)))
		return RR_ENOMEM;
	if (!(f = fopen(path, "rb"))) {
		set_err(err, errlen, path, strerror(errno));
		rr_free(path);
		return RR_EIO;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			if (!(nb = rr_realloc(b, cap))) {
				rr_free(b);
				fclose(f);
				rr_free(path);
				return RR_ENOMEM;
			}
			b = nb;
		}
		k = fread(b + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		set_err(err, errlen, path, "read error");
		rr_free(b);
		fclose(f);
		rr_free(path);
		return RR_EIO;
	}
	fclose(f);
	rr_free(path);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return RR_OK;
}

/* 1 when text s of n bytes contains "</" + tag, case-insensitively: it
 * would end the <style>/<script> element early. */
static int has_end_tag(const char *s, size_t n, const char *tag)
{
	size_t t = strlen(tag);

	for (size_t i = 0; i + 2 + t <= n; i++) {
		size_t k;

		if (s[i] != '<' || s[i + 1] != '/')
			continue;
		for (k = 0; k < t; k++) {
			char c = s[i + 2 + k];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != tag[k])
				break;
		}
		if (k == t)
			return 1;
	}
	return 0;
}

/* Parses one page template and puts the (constant) generator, stylesheet and
 * script into it, checking that it has every slot the renderer fills. */
static int prepare(const char *dir, const char *name, const char *const *slots,
		   const char *css, const char *js, htmlDocPtr *out, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	htmlDocPtr doc;
	xmlXPathContextPtr xp;
	xmlNodePtr root, n;
	int rc, oom = 0;

	*out = NULL;
	if ((rc = load_file(dir, name, &buf, &len, err, errlen)) != RR_OK)
		return rc;
	if (len > INT32_MAX) {
		rr_free(buf);
		set_err(err, errlen, name, "too large");
		return RR_EDATA;
	}
	doc = htmlReadMemory(buf, (int)len, name, "UTF-8", PARSE_FLAGS);
	rr_free(buf);
	if (!doc || !(root = xmlDocGetRootElement(doc))) {
		if (doc)
			xmlFreeDoc(doc);
		set_err(err, errlen, name, "not an HTML template");
		return RR_EDATA;
	}
	/* <!DOCTYPE html>, whatever the template said. */
	if (doc->intSubset) {
		xmlDtdPtr dtd = doc->intSubset;

		xmlUnlinkNode((xmlNodePtr)dtd);   /* also clears doc->intSubset */
		xmlFreeDtd(dtd);
	}
	if (!xmlCreateIntSubset(doc, (const xmlChar *)"html", NULL, NULL)) {
		xmlFreeDoc(doc);
		return RR_ENOMEM;
	}
	if (!(xp = xmlXPathNewContext(doc))) {
		xmlFreeDoc(doc);
		return RR_ENOMEM;
	}
	for (size_t i = 0; slots[i]; i++) {
		if (!find_slot(xp, root, slots[i], &oom)) {
			if (err && errlen)
				snprintf(err, errlen, "%s: no element with data-slot=\"%s\"", name,
					 slots[i]);
			xmlXPathFreeContext(xp);
			xmlFreeDoc(doc);
			return oom ? RR_ENOMEM : RR_EDATA;
		}
	}
	n = find_slot(xp, root, "generator", &oom);
	if (n && !xmlSetProp(n, (const xmlChar *)"content", (const xmlChar *)"roomreport " RR_VERSION))
		oom = 1;
	/* Our stylesheet and script, never data: the only text that goes into
	 * <style> and <script>, which the serializer writes unescaped. */
	n = find_slot(xp, root, "style", &oom);
	remove_children(n);
	if (n)
		xmlNodeAddContent(n, (const xmlChar *)css);
	n = find_slot(xp, root, "script", &oom);
	remove_children(n);
	if (n && js && *js) {
		xmlNodeAddContent(n, (const xmlChar *)js);
	} else if (n) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
	xmlXPathFreeContext(xp);
	if (oom) {
		xmlFreeDoc(doc);
		return RR_ENOMEM;
	}
	*out = doc;
	return RR_OK;
}

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Checks a stylesheet or script that goes into <style>/<script> unescaped. */
static int check_raw(const char *name, const char *s, size_t n, const char *tag, char *err,
		     size_t errlen)
{
	if (has_end_tag(s, n, tag) || strlen(s) != n) {
		if (err && errlen)
			snprintf(err, errlen, "%s: contains </%s or a NUL byte", name, tag);
		return RR_EDATA;
	}
	if (!utf8_valid(s, n)) {
		set_err(err, errlen, name, "not valid UTF-8");
		return RR_EDATA;
	}
	return RR_OK;
}

int render_open(const char *dir, struct render **out, char *err, size_t errlen)
{
	static const char *const overview_slots[] = {
		"title", "style", "heading", "totals", "entry", "exits", "experiences", "worst",
		"top-events-count", "top-events-users", "top-causes-count", "top-causes-users",
		"days", "all-calls", "input", "quality", "calls", NULL };
	static const char *const call_slots[] = {
		"title", "style", "call", "back", "heading", "zone", "timeline",
		"findings", "sessions", "experiences", "log", NULL };
	struct render *rd;
	struct frame fr;
	char *css = NULL, *js = NULL, *ccss = NULL, *page_css = NULL;
	const char *ccss_name = "call.css";
	size_t csslen, jslen = 0, ccsslen = 0;
	int rc;

	*out = NULL;
	/* libxml2 would print its own messages (write errors, parse
	 * recoveries) on stderr; every failure reaches the caller as a status
	 * and err instead. */
	xmlSetGenericErrorFunc(NULL, quiet);
	if (!(rd = rr_calloc(1, sizeof *rd)))
		return RR_ENOMEM;
	if ((rc = load_file(dir, "style.css", &css, &csslen, err, errlen)) != RR_OK)
		goto fail;
	/* The script is optional in a --templates directory. */
	rc = load_file(dir, "report.js", &js, &jslen, err, errlen);
	if (rc == RR_EIO && dir) {
		rc = RR_OK;
		if (err && errlen)
			err[0] = '\0';
	}
	if (rc != RR_OK)
		goto fail;
	/* Call pages have a stylesheet of their own, made from style.css when
	 * the binary is built; a --templates directory may have one too, and
	 * without it its style.css serves the call pages as well. */
	rc = load_file(dir, "call.css", &ccss, &ccsslen, err, errlen);
	if (rc == RR_EIO && dir) {
		rc = RR_OK;
		ccss_name = "style.css";
		if (err && errlen)
			err[0] = '\0';
	}
	if (rc != RR_OK)
		goto fail;
	/* ... and the charts' rules apart, when the call stylesheet is
	 * call.css (else style.css has them). */
	if (ccss) {
		rc = load_file(dir, "charts.css", &rd->charts_css, &rd->charts_len, err, errlen);
		if (rc == RR_EIO && dir) {
			rc = RR_OK;
			if (err && errlen)
				err[0] = '\0';
		}
		if (rc != RR_OK)
			goto fail;
	}
	if (!rd->charts_css && !(rd->charts_css = rr_strndup("", 0))) {
		rc = RR_ENOMEM;
		goto fail;
	}
	if ((rc = check_raw("style.css", css, csslen, "style", err, errlen)) != RR_OK ||
	    (rc = check_raw("charts.css", rd->charts_css, rd->charts_len, "style", err,
			    errlen)) != RR_OK ||
	    (ccss && (rc = check_raw(ccss_name, ccss, ccsslen, "style", err, errlen)) != RR_OK) ||
	    (js && (rc = check_raw("report.js", js, jslen, "script", err, errlen)) != RR_OK))
		goto fail;
	if ((rc = prepare(dir, "overview.html", overview_slots, css, js, &rd->overview, err,
			  errlen)) != RR_OK)
		goto fail;
	/* No script on call pages: what it did for them (open the logs for
	 * printing, filter rows) the pages no longer need. */
	/* The call pages' stylesheet, with the place of the charts' rules
	 * at its end. */
	{
		const char *c = ccss ? ccss : css;
		size_t n = strlen(c);

		if (!(page_css = rr_malloc(n + sizeof CHARTS_MARK))) {
			rc = RR_ENOMEM;
			goto fail;
		}
		memcpy(page_css, c, n);
		memcpy(page_css + n, CHARTS_MARK, sizeof CHARTS_MARK);
	}
	if ((rc = prepare(dir, "call.html", call_slots, page_css, NULL, &rd->call, err,
			  errlen)) != RR_OK)
		goto fail;
	if ((rc = frame_open(&fr, rd->call, 0, NULL, 0)) != RR_OK ||
	    (frame_close(&fr), rc = frame_open(&fr, rd->call, 1, NULL, 0)) != RR_OK) {
		if (rc == RR_EDATA && err && errlen)
			snprintf(err, errlen, "call.html: contains <!--%s-->", SLOT_MARK);
		goto fail;
	}
	frame_close(&fr);
	rr_free(css);
	rr_free(js);
	rr_free(ccss);
	rr_free(page_css);
	*out = rd;
	return RR_OK;
fail:
	if (rc == RR_ENOMEM && err && errlen)
		snprintf(err, errlen, "templates: out of memory");
	rr_free(css);
	rr_free(js);
	rr_free(ccss);
	rr_free(page_css);
	render_close(rd);
	return rc;
}

void render_close(struct render *rd)
{
	if (!rd)
		return;
	if (rd->overview)
		xmlFreeDoc(rd->overview);
	if (rd->call)
		xmlFreeDoc(rd->call);
	rr_free(rd->charts_css);
	rr_free(rd);
}
