/*
 * render_node — the nodes of the report's pages: text cleaning, elements,
 * text and attributes (add_el, add_text, set_attr...), and the pool that
 * call pages take their nodes from and give them back to.
 *
 * The only file of render that knows libxml2's struct internals: call pages
 * (lean = 1) link nodes by hand, recycle them (a recycled node is zeroed
 * with memset and set up as libxml2 sets up a new one), keep a short text
 * in the node itself (in `properties` and `nsDef`, as libxml2's own compact
 * text nodes do), keep a longer one in the page's text arena and mark such
 * a node in its `psvi`. Checked against libxml2 2.9.14 (the build refuses
 * other series: see below). Does not: decide what goes on a page, write
 * bytes, or touch files.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlversion.h>

#include "render_int.h"
#include "util.h"

/*
 * What the pool relies on, as libxml2 2.9 has it (tree.c, 2.9.14): a text
 * node whose content points at its own `properties` field is a compact one
 * that xmlFreeNode does not free separately (and the content may run on
 * into `nsDef`, 2 pointers in all); xmlNewDocNodeEatName, xmlNewPropInternal
 * and xmlNewText make a zeroed node and set type, name (a dictionary's for
 * elements and attributes), parent and doc; nothing in the tree calls
 * here uses `psvi` of a text node; names in the document's dictionary are
 * not freed with the node. A libxml2 of another series may differ in any of
 * these: recheck tree.c (xmlFreeNode, xmlFreeProp, xmlNewDocText,
 * xmlNewNodeEatName, xmlNewPropInternal) before widening the range.
 */
#if LIBXML_VERSION < 20900 || LIBXML_VERSION >= 21000
#error "render_node.c was checked against libxml2 2.9 (2.9.14): its node pool writes into libxml2's structs; recheck it against this libxml2 before changing this range"
#endif
_Static_assert(offsetof(xmlNode, nsDef) == offsetof(xmlNode, properties) + sizeof(void *),
	       "a compact text node's content runs from properties into nsDef");
_Static_assert(sizeof(((xmlNode *)0)->properties) == sizeof(void *) &&
	       sizeof(((xmlNode *)0)->nsDef) == sizeof(void *),
	       "properties and nsDef are pointers");
_Static_assert(offsetof(xmlNode, type) == offsetof(xmlAttr, type) &&
	       offsetof(xmlNode, name) == offsetof(xmlAttr, name) &&
	       offsetof(xmlNode, children) == offsetof(xmlAttr, children) &&
	       offsetof(xmlNode, parent) == offsetof(xmlAttr, parent) &&
	       offsetof(xmlNode, next) == offsetof(xmlAttr, next) &&
	       offsetof(xmlNode, doc) == offsetof(xmlAttr, doc),
	       "an attribute's value is linked as a node's children are");

/* Marks (in the node's psvi, which nothing else here uses) a text node
 * whose content is in the page's text arena, not libxml2's to free. */
static char text_in_arena;
#define TEXT_KEPT ((void *)&text_in_arena)

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
void add_text_n(struct page *p, xmlNodePtr parent, const char *s, size_t n)
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
		/* One node in the page's text arena, appended directly (a
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
void add_text(struct page *p, xmlNodePtr parent, const char *s)
{
	s = s ? s : "";
	add_text_n(p, parent, s, strlen(s));
}

void add_u64(struct page *p, xmlNodePtr parent, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof b, "%" PRIu64, v);
	add_text(p, parent, b);
}

/* Sets attribute name of node to s (escaped on output). */
/* Each set_attr is libxml2's allocation of its own, outside the pool: an
 * attribute on every event of every call page set this way took the
 * 10M-row report's peak RSS from 0.47 to 5.7 GB (2026-12-07). */
void set_attr(struct page *p, xmlNodePtr node, const char *name, const char *s)
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
 * written: pool_put_after takes them back (a few free lists), and the next page's
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
 * into the page's text arena when keep is set (element text, or the value
 * of an attribute that libxml2 will not free itself: new_attr_kept). */
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
			t->content = (xmlChar *)arena_put(&p->texts, c, n);
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
xmlNodePtr add_el(struct page *p, xmlNodePtr parent, const char *name, const char *cls)
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
 * an old value, unlike set_attr). Names are ours; the value is escaped; on
 * call pages keep puts a longer value in the page's text arena. */
static void attr_add(struct page *p, xmlNodePtr node, const char *name, const char *s, int keep)
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
		    !(t = lean_text(p, c, n, keep))) {
			p->oom = 1;
		} else {
			t->parent = (xmlNodePtr)a;
			a->children = a->last = t;
		}
	}
	rr_free(owned);
}

void new_attr(struct page *p, xmlNodePtr node, const char *name, const char *s)
{
	attr_add(p, node, name, s, 0);
}

void new_attr_kept(struct page *p, xmlNodePtr node, const char *name, const char *s)
{
	attr_add(p, node, name, s, 1);
}

/* An element holding text s. */
xmlNodePtr add_el_text(struct page *p, xmlNodePtr parent, const char *name, const char *cls,
		       const char *s)
{
	xmlNodePtr e = add_el(p, parent, name, cls);

	add_text(p, e, s);
	return e;
}

void remove_children(xmlNodePtr n)
{
	xmlNodePtr c, next;

	for (c = n ? n->children : NULL; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

void drop_node(xmlNodePtr n)
{
	if (n) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
}

int node_is(xmlNodePtr n, const char *name)
{
	return n && xmlStrEqual(n->name, (const xmlChar *)name);
}

void pool_put_after(struct page *p, xmlNodePtr mark)
{
	xmlNodePtr c = mark->next;

	if (!c)
		return;
	mark->next = NULL;
	mark->parent->last = mark;
	pool_put_list(&p->pool, p->doc, c);
}

void page_next(struct page *p)
{
	/* The previous page's nodes are all in the pool by now. */
	arena_reset(&p->texts);
}

void page_lean_init(struct page *p, xmlDocPtr doc, const struct report *r,
		    const struct catalog *cat, int single)
{
	memset(p, 0, sizeof *p);
	p->doc = doc;
	p->r = r;
	p->cat = cat;
	p->single = single;
	p->lean = 1;
}

void page_lean_free(struct page *p)
{
	rr_free(p->tb);
	rr_free(p->pb.buf);
	rr_free(p->mp);
	pool_free(&p->pool);
	arena_free(&p->texts);
	p->tb = NULL;
	p->pb.buf = NULL;
	p->mp = NULL;
}
