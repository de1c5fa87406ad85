/*
 * render — the HTML report (see render.h): template loading (render_open,
 * render_close). The rest of the family, by job, is listed in
 * render_int.h; the only module that includes libxml2.
 *
 * How a page is made: the templates are parsed once (here) and the
 * stylesheet, script and generator are put into them then. The overview is
 * a copy of its template (xmlCopyDoc) whose slots — elements with
 * data-slot="NAME", found by XPath — get new nodes appended
 * (render_overview.c, render_weekly.c). Call pages, of which there are
 * many, are cut from the call template serialized once (render_frame.c):
 * per call only the nodes appended to the slots are built (render_call.c,
 * render_timeline.c, render_chart.c), serialized between the template's
 * bytes (render_ser.c: the bytes xmlSaveTree would write, with libxml2's
 * escapers) and taken back into a pool for the next page
 * (render_node.c). Every string from the model enters the tree as text or
 * attribute value nodes, which libxml2 escapes on output, after cleaning
 * has replaced what HTML forbids (control characters, noncharacters,
 * invalid UTF-8). Nothing concatenates markup, and no data ever goes into
 * <style> or into a <script> that runs: the one data block, the call
 * index's <script type="application/json"> (render_index.c), holds JSON
 * whose strings escape <, >, & and U+2028/9 (json_escape_html).
 *
 * Memory: one page's tree at a time per thread. The multi-page report
 * takes each call page's nodes back (into the writer's pool, for the next
 * page) after writing it (render_write.c); the single-file report writes
 * the overview, then each call's <section>, one at a time (render_file.c).
 * Does not: fill pages or write files (the other render_*.c files).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "render_int.h"
#include "script_min.h"
#include "templates.h"
#include "util.h"
#include "version.h"

#define PARSE_FLAGS (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | \
		     HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD)

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

void render_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* As load_file, but a file missing from a --templates directory (dir) is
 * no error: RR_OK with *buf NULL. */
static int load_optional(const char *dir, const char *name, char **buf, size_t *len,
			 char *err, size_t errlen)
{
	int rc = load_file(dir, name, buf, len, err, errlen);

	if (rc == RR_EIO && dir) {
		*buf = NULL;
		rc = RR_OK;
		if (err && errlen)
			err[0] = '\0';
	}
	return rc;
}

/* As load_optional, for a script: what it loaded is shrunk (script_min)
 * before anything checks or uses it, the embedded scripts and a --templates
 * directory's alike. */
static int load_script(const char *dir, const char *name, char **buf, size_t *len,
		       char *err, size_t errlen)
{
	int rc = load_optional(dir, name, buf, len, err, errlen);

	if (rc == RR_OK && *buf) {
		*len = script_min_shrink(*buf, *len);
		(*buf)[*len] = '\0';
	}
	return rc;
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

/* *a (n bytes, may be NULL), a newline and b (bn bytes, may be NULL) as one
 * new *a; *b is freed and NULL. Returns RR_OK or RR_ENOMEM. */
static int join_scripts(char **a, size_t *n, char **b, size_t bn)
{
	char *s;

	if (!*b)
		return RR_OK;
	if (!*a) {
		*a = *b;
		*n = bn;
		*b = NULL;
		return RR_OK;
	}
	if (!(s = rr_malloc(*n + bn + 2)))
		return RR_ENOMEM;
	memcpy(s, *a, *n);
	s[*n] = '\n';
	memcpy(s + *n + 1, *b, bn + 1);
	rr_free(*a);
	rr_free(*b);
	*b = NULL;
	*a = s;
	*n += bn + 1;
	return RR_OK;
}

/* The pages' scripts, shrunk, each optional in a --templates directory: *js
 * the overview's (report.js), *cjs the call pages' (call.js, then timeline.js,
 * the timeline's zoom); every page that has a script gets zone.js (the
 * local/UTC switch) after it. NULL for a page without. Returns RR_OK, or
 * RR_EIO/RR_EDATA/RR_ENOMEM with err set; the caller frees *js and *cjs
 * either way. */
static int load_scripts(const char *dir, char **js, size_t *jslen, char **cjs, size_t *cjslen,
			char *err, size_t errlen)
{
	char *tjs = NULL, *zjs = NULL, *zjs2 = NULL;   /* zone.js, for each script */
	size_t tjslen = 0, zjslen = 0, zjslen2 = 0;
	int rc;

	*js = *cjs = NULL;
	if ((rc = load_script(dir, "report.js", js, jslen, err, errlen)) != RR_OK ||
	    (rc = load_script(dir, "call.js", cjs, cjslen, err, errlen)) != RR_OK ||
	    (rc = load_script(dir, "timeline.js", &tjs, &tjslen, err, errlen)) != RR_OK ||
	    (rc = load_script(dir, "zone.js", &zjs, &zjslen, err, errlen)) != RR_OK ||
	    (rc = load_script(dir, "zone.js", &zjs2, &zjslen2, err, errlen)) != RR_OK)
		goto out;
	if ((*js && (rc = check_raw("report.js", *js, *jslen, "script", err, errlen)) != RR_OK) ||
	    (*cjs && (rc = check_raw("call.js", *cjs, *cjslen, "script", err, errlen)) != RR_OK) ||
	    (tjs && (rc = check_raw("timeline.js", tjs, tjslen, "script", err, errlen)) != RR_OK) ||
	    (zjs && (rc = check_raw("zone.js", zjs, zjslen, "script", err, errlen)) != RR_OK))
		goto out;
	if ((rc = join_scripts(cjs, cjslen, &tjs, tjslen)) != RR_OK ||
	    (*js && (rc = join_scripts(js, jslen, &zjs, zjslen)) != RR_OK) ||
	    (*cjs && (rc = join_scripts(cjs, cjslen, &zjs2, zjslen2)) != RR_OK))
		goto out;
out:
	rr_free(tjs);
	rr_free(zjs);
	rr_free(zjs2);
	return rc;
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
	char *css = NULL, *js = NULL, *ccss = NULL, *page_css = NULL, *cjs = NULL;
	const char *ccss_name = "call.css";
	size_t csslen, jslen = 0, ccsslen = 0, cjslen = 0;
	int rc;

	*out = NULL;
	/* libxml2 would print its own messages (write errors, parse
	 * recoveries) on stderr; every failure reaches the caller as a status
	 * and err instead. */
	xmlSetGenericErrorFunc(NULL, render_quiet);
	if (!(rd = rr_calloc(1, sizeof *rd)))
		return RR_ENOMEM;
	if ((rc = load_file(dir, "style.css", &css, &csslen, err, errlen)) != RR_OK)
		goto fail;
	if ((rc = load_scripts(dir, &js, &jslen, &cjs, &cjslen, err, errlen)) != RR_OK)
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
	    (ccss && (rc = check_raw(ccss_name, ccss, ccsslen, "style", err, errlen)) != RR_OK))
		goto fail;
	if ((rc = prepare(dir, "overview.html", overview_slots, css, js, &rd->overview, err,
			  errlen)) != RR_OK)
		goto fail;
	/* Call pages get call.js (filters; without it everything is shown),
	 * not report.js. */
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
	if ((rc = prepare(dir, "call.html", call_slots, page_css, cjs, &rd->call, err,
			  errlen)) != RR_OK)
		goto fail;
	if ((rc = frame_open(&fr, rd->call, &call_frame_spec, 0, NULL, 0)) != RR_OK ||
	    (frame_close(&fr),
	     rc = frame_open(&fr, rd->call, &call_frame_spec, 1, NULL, 0)) != RR_OK) {
		if (rc == RR_EDATA && err && errlen)
			snprintf(err, errlen, "call.html: contains <!--%s-->", SLOT_MARK);
		goto fail;
	}
	frame_close(&fr);
	rr_free(css);
	rr_free(js);
	rr_free(ccss);
	rr_free(page_css);
	rr_free(cjs);
	*out = rd;
	return RR_OK;
fail:
	if (rc == RR_ENOMEM && err && errlen)
		snprintf(err, errlen, "templates: out of memory");
	rr_free(css);
	rr_free(js);
	rr_free(ccss);
	rr_free(page_css);
	rr_free(cjs);
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
