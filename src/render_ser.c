/*
 * render_ser — the serializer of what call pages build in their slots:
 * ser_nodes writes the bytes that libxml2's xmlSaveTree writes with
 * RENDER_SAVE_OPTIONS (tests/unit/test_render_ser.c holds it to that), in a
 * fraction of the time, into a growing buffer (struct sink).
 * Does not: know what a page or a slot is, change the tree, or write files.
 */
#include <limits.h>
#include <string.h>

#include <libxml/xmlIO.h>
#include <libxml/xmlsave.h>

#include "render_int.h"
#include "util.h"

int sink_write(void *ctx, const char *b, int n)
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

int sink_add(struct sink *k, const char *b, size_t n)
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

/* A serializer for what is built in the slots, writing into sink k. XML
 * serialization of the (HTML) nodes, with explicit end tags: we build no
 * void elements (the template's own bytes come from the HTML serializer),
 * and it spares the HTML serializer's per-element tag lookups and
 * per-attribute copies. Either way libxml2 escapes every text and
 * attribute value; UTF-8 stays UTF-8. NULL when out of memory. */
static xmlSaveCtxtPtr slot_saver(struct sink *k)
{
	return xmlSaveToIO(sink_write, NULL, k, "UTF-8",
			   RENDER_SAVE_OPTIONS);
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

int ser_nodes(struct ser *w, xmlNodePtr n)
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
int ser_open(struct ser *w, struct sink *k)
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

void ser_close(struct ser *w)
{
	if (w->save)
		xmlSaveClose(w->save);
	if (w->esc)
		xmlOutputBufferClose(w->esc);
	if (w->abuf)
		xmlBufferFree(w->abuf);
	memset(w, 0, sizeof *w);
}
