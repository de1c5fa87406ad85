/*
 * render_frame — a page template cut at its slots, for pages made many
 * times (call pages, the single file's call sections). The template is
 * serialized once with a marker comment around each slot; per page only
 * what the slot-filling callback (struct frame_fill) appends to the slots
 * is built, serialized between the template's bytes (render_ser.c) and
 * taken back into the page's pool. Each thread has a frame of its own:
 * libxml2 trees are not shared.
 * Does not: know what a slot holds (the callback does), or write files.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libxml/HTMLtree.h>
#include <libxml/xmlIO.h>

#include "render_int.h"
#include "util.h"

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

/*
 * A template, cut at its slots: its bytes were serialized once, with a
 * marker before each slot element, one after its own children (where a call
 * appends) and one after its end tag. Per call, only what is appended to the
 * slots is built, written (between the template's bytes) and freed again; a
 * slot left out (no charts) takes its start and end tags with it. For the
 * single file the frame is the template's <main> as a <section> (headings
 * one level down), whose start tag is written per call with the call's id.
 */

void frame_close(struct frame *f)
{
	if (f->doc)
		xmlFreeDoc(f->doc);
	rr_free(f->bytes);
	memset(f, 0, sizeof *f);
}

/* The value of n's data-slot attribute as a slot of spec, or -1. */
static int slot_of(const struct frame_spec *spec, xmlNodePtr n)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		if (a->ns || !xmlStrEqual(a->name, (const xmlChar *)"data-slot"))
			continue;
		if (!a->children || a->children->type != XML_TEXT_NODE || a->children->next)
			return -1;
		for (unsigned i = 0; i < spec->n; i++)
			if (xmlStrEqual(a->children->content, (const xmlChar *)spec->names[i]))
				return (int)i;
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

/* Records the slots of spec under n (the first of each name, in document
 * order; nothing under a slot is searched). */
static void collect_slots(struct frame *f, const struct frame_spec *spec, xmlNodePtr n)
{
	for (; n; n = n->next) {
		int s;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		s = slot_of(spec, n);
		if (s >= 0 && !f->slot[s]) {
			f->slot[s] = n;
			f->order[f->nslots++] = (uint8_t)s;
			continue;
		}
		collect_slots(f, spec, n->children);
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

int frame_open(struct frame *f, xmlDocPtr tmpl, const struct frame_spec *spec, int section,
	       const char *css, size_t css_len)
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
	collect_slots(f, spec, section ? f->root->children : top);
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

		if (spec->replace & (1u << f->order[k]))
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
		if (f->nparts == 3 * FRAME_SLOTS + 1) {
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


/* The single file's per-call start tag: the section's, with id. */
static int write_section_start(struct frame *f, struct page *p, const char *id,
			       struct sink *out)
{
	xmlOutputBufferPtr mem;
	xmlNodePtr tag, mark;
	const char *buf, *at;
	int rc = RR_ENOMEM;

	if (!(tag = xmlDocCopyNode(f->root, f->doc, 2)))
		return RR_ENOMEM;
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

/* A part of the template; the one with the stylesheet's end takes the
 * charts' rules when css is set. */
static int write_part(struct frame *f, const size_t *part, int css, struct sink *out)
{
	size_t mlen = strlen(CHARTS_MARK);
	int rc;

	if (f->css_at < part[0] || f->css_at >= part[1])
		return sink_add(out, f->bytes + part[0], part[1] - part[0]);
	if ((rc = sink_add(out, f->bytes + part[0], f->css_at - part[0])) != RR_OK ||
	    (css && (rc = sink_add(out, f->css, f->css_len)) != RR_OK))
		return rc;
	return sink_add(out, f->bytes + f->css_at + mlen, part[1] - f->css_at - mlen);
}

int frame_write(struct frame *f, struct page *p, const struct frame_fill *fl, struct ser *save,
		struct sink *out)
{
	const size_t (*pt)[2] = f->part;
	int rc;

	page_next(p);

	/* The template up to the first slot; a section's start tag is the
	 * page's own. */
	if (f->root) {
		if ((rc = write_section_start(f, p, fl->id, out)) != RR_OK)
			return rc;
		pt++;
	}
	if ((rc = write_part(f, pt[0], fl->css, out)) != RR_OK)
		return rc;
	for (unsigned k = 0; k < f->nslots; k++) {
		int s = f->order[k];

		if (fl->fill(fl->ctx, p, s, f->slot[s]) && !p->oom) {
			rc = write_part(f, pt[3 * k + 1], fl->css, out);
			if (rc == RR_OK)
				rc = ser_nodes(save, f->keep[s]->next);
			if (rc == RR_OK)
				rc = write_part(f, pt[3 * k + 2], fl->css, out);
			if (rc != RR_OK)
				p->oom = 1;
		}
		pool_put_after(p, f->keep[s]);
		if (p->oom)
			return RR_ENOMEM;
		if ((rc = write_part(f, pt[3 * k + 3], fl->css, out)) != RR_OK)
			return rc;
	}
	return RR_OK;
}
