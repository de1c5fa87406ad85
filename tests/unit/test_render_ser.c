/*
 * Tests for render_ser.c: ser_nodes, the serializer of call pages' slots,
 * held to its reference. For each tree in the table (hostile text and
 * attribute values, entity references, comments, empty void and non-void
 * elements, namespaced elements, deep nesting), built twice — with the
 * render node builders (render_node.c, as call pages and as the overview
 * build) and with plain libxml2 calls — ser_nodes must write exactly the
 * bytes of xmlSaveTree with RENDER_SAVE_OPTIONS. Where the data needs no
 * cleaning, both builds must give the same bytes; a few cases also have
 * their expected bytes written out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "render_int.h"
#include "util.h"

/* A tree to build: an element (name, attributes as name/value pairs,
 * children), a text, a comment or an entity reference (name "&amp;"). */
enum kind { K_EL, K_TEXT, K_COMMENT, K_REF, K_EL_NS, K_EL_PARSED };

struct tn {
	enum kind kind;
	const char *name;          /* element, comment text or reference */
	const char *text;          /* K_TEXT */
	const char *attrs[8];      /* name, value pairs; NULL ends */
	const struct tn *kids[8];  /* NULL ends */
};

#define EL(n, ...) { K_EL, n, NULL, { NULL }, { __VA_ARGS__ } }
#define T(s) { K_TEXT, NULL, s, { NULL }, { NULL } }

/* Texts. */
static const struct tn t_markup = T("<script>alert(1)</script> a > b && c");
static const struct tn t_entities = T("&amp; &lt; &#x3C; &unknown; &");
static const struct tn t_quotes = T("\"double\" and 'single'");
static const struct tn t_space = T("tab\there\nnewline  two  spaces ");
static const struct tn t_cr = T("carriage\rreturn\r\n");
static const struct tn t_utf8 = T("张伟 مرحبا 👩‍💻 \xC2\xA0nbsp \xEF\xBF\xBD");
static const struct tn t_seps = T("line\xE2\x80\xA8sep para\xE2\x80\xA9sep");
static const struct tn t_short = T("<&>");
static const struct tn t_empty = T("");
static const struct tn t_cdata = T("]]> --> <!-- x");

/* Elements with attributes. */
static const struct tn a_hostile = { K_EL, "p", NULL,
	{ "class", "a\"b'c", "title", "x & y < z > w", "data-x", "&amp;literal" }, { &t_short } };
static const struct tn a_space = { K_EL, "span", NULL,
	{ "title", "line one\nline two\ttab", "data-e", "" }, { NULL } };
static const struct tn a_nl = { K_EL, "span", NULL,
	{ "title", "two\nlines", "class", "tab\tonly", "alt", "quote\"only" }, { NULL } };
static const struct tn a_cr = { K_EL, "span", NULL, { "title", "cr\rhere" }, { NULL } };
static const struct tn a_utf8 = { K_EL, "td", NULL,
	{ "title", "张伟 \xE2\x80\xA8 \xE2\x80\xA9 👩‍💻", "data-user", "مرحبا\"" }, { &t_utf8 } };
static const struct tn a_parsed = { K_EL_PARSED, "a", NULL,
	{ "href", "x&amp;y&lt;z", "title", "&quot;q&quot;" }, { &t_entities } };

/* Empty elements, void and not. */
static const struct tn e_br = EL("br", NULL);
static const struct tn e_td = EL("td", NULL);
static const struct tn e_script = EL("script", NULL);
static const struct tn e_img = { K_EL, "img", NULL, { "alt", "" }, { NULL } };
static const struct tn e_tr = EL("tr", &e_td, &e_td, &e_br, &e_img);

/* Comments, references, namespaces. */
static const struct tn c_plain = { K_COMMENT, " a note ", NULL, { NULL }, { NULL } };
static const struct tn c_hostile = { K_COMMENT, "<b>&amp;</b> -- x", NULL, { NULL }, { NULL } };
static const struct tn r_amp = { K_REF, "&amp;", NULL, { NULL }, { NULL } };
static const struct tn r_nbsp = { K_REF, "&nbsp;", NULL, { NULL }, { NULL } };
static const struct tn ns_el = { K_EL_NS, "svg", NULL, { "viewBox", "0 0 1 1" }, { &t_short } };

/* Mixtures. */
static const struct tn m_texts = EL("pre", &t_markup, &t_cr, &t_space, &t_empty, &t_short);
static const struct tn m_refs = EL("p", &t_quotes, &r_amp, &t_seps, &r_nbsp, &c_plain);
static const struct tn m_mixed = EL("li", &a_hostile, &e_br, &c_hostile, &t_cdata, &ns_el,
				    &a_parsed);
static const struct tn m_table = EL("table", &e_tr, &a_utf8, &a_space, &a_cr, &e_script);

struct ser_case {
	const char *what;
	const struct tn *tree;
	int clean;                 /* needs no cleaning: both builds give the same bytes */
	const char *want;          /* expected bytes, or NULL */
};

static const struct ser_case cases[] = {
	{ "markup in text", &(const struct tn)EL("div", &t_markup), 1,
	  "<div>&lt;script&gt;alert(1)&lt;/script&gt; a &gt; b &amp;&amp; c</div>" },
	{ "entities as text", &(const struct tn)EL("div", &t_entities), 1,
	  "<div>&amp;amp; &amp;lt; &amp;#x3C; &amp;unknown; &amp;</div>" },
	{ "quotes in text", &(const struct tn)EL("div", &t_quotes), 1,
	  "<div>\"double\" and 'single'</div>" },
	{ "tabs and newlines", &(const struct tn)EL("div", &t_space), 1, NULL },
	{ "carriage returns", &(const struct tn)EL("div", &t_cr), 0, NULL },
	{ "non-ASCII", &(const struct tn)EL("div", &t_utf8), 1, NULL },
	{ "U+2028 and U+2029", &(const struct tn)EL("div", &t_seps), 1, NULL },
	{ "empty text", &(const struct tn)EL("div", &t_empty), 1, "<div></div>" },
	{ "comment-like text", &(const struct tn)EL("div", &t_cdata), 1, NULL },
	{ "hostile attributes", &(const struct tn)EL("div", &a_hostile), 1,
	  "<div><p class=\"a&quot;b'c\" title=\"x &amp; y &lt; z &gt; w\" "
	  "data-x=\"&amp;amp;literal\">&lt;&amp;&gt;</p></div>" },
	{ "newline and tab in attributes", &(const struct tn)EL("div", &a_space), 1,
	  "<div><span title=\"line one&#10;line two&#9;tab\" data-e=\"\"></span></div>" },
	{ "one special character per attribute", &(const struct tn)EL("div", &a_nl), 1,
	  "<div><span title=\"two&#10;lines\" class=\"tab&#9;only\" alt=\"quote&quot;only\">"
	  "</span></div>" },
	{ "carriage return in an attribute", &(const struct tn)EL("div", &a_cr), 0, NULL },
	{ "non-ASCII attributes", &(const struct tn)EL("div", &a_utf8), 1, NULL },
	{ "attributes with entity references", &(const struct tn)EL("div", &a_parsed), 1, NULL },
	{ "empty elements", &(const struct tn)EL("div", &e_br, &e_td, &e_script, &e_img), 1,
	  "<div><br></br><td></td><script></script><img alt=\"\"></img></div>" },
	{ "empty root", &e_td, 1, "<td></td>" },
	{ "comments", &(const struct tn)EL("div", &c_plain, &c_hostile), 1, NULL },
	{ "entity references", &(const struct tn)EL("div", &r_amp, &r_nbsp), 1, NULL },
	{ "namespaced element", &(const struct tn)EL("div", &ns_el), 1, NULL },
	{ "texts in a row", &m_texts, 0, NULL },
	{ "texts and references", &m_refs, 1, NULL },
	{ "mixed", &m_mixed, 1, NULL },
	{ "table", &m_table, 0, NULL },
};

/* ---- building ---- */

struct doc {
	xmlDocPtr doc;
	struct page lean;          /* call pages' builders */
	struct page full;          /* the overview's */
};

static void doc_open(struct doc *d)
{
	/* An HTML document with a dictionary, as a call frame's copy of its
	 * template is. */
	d->doc = htmlNewDocNoDtD(NULL, NULL);
	assert_non_null(d->doc);
	d->doc->dict = xmlDictCreate();
	assert_non_null(d->doc->dict);
	page_lean_init(&d->lean, d->doc, NULL, NULL, 0);
	memset(&d->full, 0, sizeof d->full);
	d->full.doc = d->doc;
}

static void doc_close(struct doc *d)
{
	page_lean_free(&d->lean);
	xmlFreeDoc(d->doc);
}

/* Gives n (a tree that call page builders made) back to the pool, as a
 * page's nodes go after it is written: their texts may be in the page's
 * arena, which is not libxml2's to free. */
static void give_back(struct doc *d, xmlNodePtr n)
{
	xmlNodePtr holder = xmlNewDocNode(d->doc, NULL, (const xmlChar *)"x", NULL);
	xmlNodePtr mark = xmlNewDocComment(d->doc, (const xmlChar *)"m");

	assert_non_null(holder);
	assert_non_null(mark);
	xmlAddChild(holder, mark);
	xmlAddChild(holder, n);
	pool_put_after(&d->lean, mark);
	xmlFreeNode(holder);
}

static xmlNodePtr attach(xmlNodePtr parent, xmlNodePtr n)
{
	assert_non_null(n);
	if (parent)
		assert_non_null(xmlAddChild(parent, n));
	return n;
}

/* What render has no builder for (comments, references, namespaced
 * elements, attributes parsed for references): plain libxml2 calls in
 * both builds. */
static xmlNodePtr build_other(xmlDocPtr doc, xmlNodePtr parent, const struct tn *t)
{
	xmlNodePtr n;

	switch (t->kind) {
	case K_COMMENT:
		return attach(parent, xmlNewDocComment(doc, (const xmlChar *)t->name));
	case K_REF:
		return attach(parent, xmlNewReference(doc, (const xmlChar *)t->name));
	case K_EL_NS:
		n = attach(parent, xmlNewDocNode(doc, NULL, (const xmlChar *)t->name, NULL));
		xmlSetNs(n, xmlNewNs(n, (const xmlChar *)"http://www.w3.org/2000/svg",
				     (const xmlChar *)"s"));
		break;
	case K_EL_PARSED:
		n = attach(parent, xmlNewDocNode(doc, NULL, (const xmlChar *)t->name, NULL));
		for (int i = 0; t->attrs[i]; i += 2) {
			xmlAttrPtr a = xmlNewDocProp(doc, (const xmlChar *)t->attrs[i],
						     (const xmlChar *)t->attrs[i + 1]);

			assert_non_null(a);
			assert_non_null(xmlAddChild(n, (xmlNodePtr)a));
		}
		return n;
	default:
		return NULL;
	}
	for (int i = 0; t->attrs[i]; i += 2)
		assert_non_null(xmlNewProp(n, (const xmlChar *)t->attrs[i],
					   (const xmlChar *)t->attrs[i + 1]));
	return n;
}

/* t under parent with render's builders (parent NULL: a new root). */
static xmlNodePtr build_render(struct page *p, xmlNodePtr parent, const struct tn *t)
{
	xmlNodePtr n;

	if (t->kind == K_TEXT) {
		add_text(p, parent, t->text);
		return NULL;
	}
	if (t->kind != K_EL) {
		n = build_other(p->doc, parent, t);
	} else if (parent) {
		n = add_el(p, parent, t->name, NULL);
		for (int i = 0; t->attrs[i]; i += 2)
			(p->lean ? new_attr : set_attr)(p, n, t->attrs[i], t->attrs[i + 1]);
	} else {
		/* The root: a plain element that the pages' builders append to. */
		n = xmlNewDocNode(p->doc, NULL, (const xmlChar *)t->name, NULL);
		assert_non_null(n);
		for (int i = 0; t->attrs[i]; i += 2)
			set_attr(p, n, t->attrs[i], t->attrs[i + 1]);
	}
	assert_non_null(n);
	if (t->kind == K_EL || t->kind == K_EL_NS || t->kind == K_EL_PARSED)
		for (int i = 0; t->kids[i]; i++)
			build_render(p, n, t->kids[i]);
	assert_false(p->oom);
	return n;
}

/* t under parent with plain libxml2 calls. */
static xmlNodePtr build_plain(xmlDocPtr doc, xmlNodePtr parent, const struct tn *t)
{
	xmlNodePtr n;

	if (t->kind == K_TEXT)
		return attach(parent, xmlNewDocText(doc, (const xmlChar *)t->text));
	if (t->kind != K_EL) {
		n = build_other(doc, parent, t);
	} else {
		n = attach(parent, xmlNewDocNode(doc, NULL, (const xmlChar *)t->name, NULL));
		for (int i = 0; t->attrs[i]; i += 2)
			assert_non_null(xmlNewProp(n, (const xmlChar *)t->attrs[i],
						   (const xmlChar *)t->attrs[i + 1]));
	}
	if (t->kind == K_EL || t->kind == K_EL_NS || t->kind == K_EL_PARSED)
		for (int i = 0; t->kids[i]; i++)
			build_plain(doc, n, t->kids[i]);
	return n;
}

/* ---- writing ---- */

/* ser_nodes' bytes of n (and its following siblings: none here). */
static char *by_ser(xmlNodePtr n)
{
	struct sink k = { 0 };
	struct ser w;

	assert_int_equal(ser_open(&w, &k), RR_OK);
	assert_int_equal(ser_nodes(&w, n), RR_OK);
	ser_close(&w);
	assert_int_equal(sink_add(&k, "", 1), RR_OK);    /* NUL-terminated */
	return k.buf;
}

/* xmlSaveTree's bytes of n, with the options ser_nodes stands for. */
static char *by_libxml2(xmlNodePtr n)
{
	struct sink k = { 0 };
	xmlSaveCtxtPtr s = xmlSaveToIO(sink_write, NULL, &k, "UTF-8", RENDER_SAVE_OPTIONS);

	assert_non_null(s);
	assert_true(xmlSaveTree(s, n) >= 0);
	assert_true(xmlSaveClose(s) >= 0);
	assert_int_equal(sink_add(&k, "", 1), RR_OK);
	return k.buf;
}

/* ser_nodes(n) == xmlSaveTree(n); returns the bytes. */
static char *same_bytes(const char *what, const char *build, xmlNodePtr n)
{
	char *a = by_ser(n), *b = by_libxml2(n);

	if (strcmp(a, b) != 0) {
		print_error("%s (%s):\n ser_nodes:   %s\n xmlSaveTree: %s\n", what, build, a, b);
		fail();
	}
	free(b);
	return a;
}

static void test_ser_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct ser_case *c = &cases[i];
		struct doc d;
		xmlNodePtr lean, full, plain;
		char *bl, *bf, *bp;

		doc_open(&d);
		lean = build_render(&d.lean, NULL, c->tree);
		full = build_render(&d.full, NULL, c->tree);
		plain = build_plain(d.doc, NULL, c->tree);
		bl = same_bytes(c->what, "call page builders", lean);
		bf = same_bytes(c->what, "overview builders", full);
		bp = same_bytes(c->what, "libxml2 calls", plain);
		/* The builders' bytes are the same whatever the way. */
		assert_string_equal(bl, bf);
		if (c->clean)
			assert_string_equal(bl, bp);
		else
			assert_string_not_equal(bl, bp);   /* cleaning replaced something */
		if (c->want)
			assert_string_equal(bp, c->want);
		free(bl);
		free(bf);
		free(bp);
		xmlFreeNode(plain);
		xmlFreeNode(full);
		give_back(&d, lean);
		doc_close(&d);
	}
}

/* Long texts: split into pieces (the overview), kept in the page's arena
 * (call pages), or in the node itself (short ones); deep nesting. */
static void test_ser_long_and_deep(void **state)
{
	struct doc d;
	xmlNodePtr roots[2], n;
	char *text = malloc(5001), *want = NULL;

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 5000; i += 5)
		memcpy(text + i, i % 3 ? "ab<&\xC3" : "\xA9xyz>", 5);   /* é across the cuts */
	text[5000] = '\0';
	doc_open(&d);
	for (int b = 0; b < 2; b++) {
		struct page *p = b ? &d.full : &d.lean;

		roots[b] = n = xmlNewDocNode(d.doc, NULL, (const xmlChar *)"div", NULL);
		assert_non_null(n);
		for (int depth = 0; depth < 300; depth++) {
			n = add_el(p, n, depth % 2 ? "span" : "b", depth % 7 ? NULL : "k\"&");
			if (depth % 50 == 0)
				add_text(p, n, text);
			else if (depth % 3 == 0)
				add_text(p, n, "x<y");
		}
		add_text(p, n, text);
		add_text(p, n, "");
		add_text(p, n, "tail");
		assert_false(p->oom);
	}
	{
		char *a = same_bytes("long and deep", "call page builders", roots[0]);
		char *b = same_bytes("long and deep", "overview builders", roots[1]);

		assert_string_equal(a, b);
		assert_non_null(strstr(a, "é"));
		assert_non_null(strstr(a, "<b class=\"k&quot;&amp;\">"));
		want = a;
		free(b);
	}
	free(want);
	free(text);
	xmlFreeNode(roots[1]);
	give_back(&d, roots[0]);
	doc_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ser_cases),
		cmocka_unit_test(test_ser_long_and_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
