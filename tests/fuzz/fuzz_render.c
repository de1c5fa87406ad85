/* Fuzz target: the single-file HTML report of a model built from any bytes,
 * parsed back with libxml2 and checked for injected markup: exactly the
 * template's one <script> (and at most one inert application/json data
 * block, the call index), one <style> and one <link rel=icon>, no other
 * active element, no on* attribute, no javascript: or off-page (//) link. */
#include <libxml/HTMLparser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "catalog.h"
#include "dataset.h"
#include "decode.h"
#include "ingest.h"
#include "render.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "util.h"

static char path[64];
static int nscript, nstyle, ndata;

static void rm_out(void) { unlink(path); }

static void check(xmlNodePtr n)
{
	for (; n; n = n->next) {
		const char *e = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcasecmp(e, "script")) {
			/* The call index's data is inert JSON; any other is code. */
			xmlChar *t = xmlGetProp(n, (const xmlChar *)"type");

			if (t && !strcmp((const char *)t, "application/json"))
				ndata++;
			else
				nscript++;
			xmlFree(t);
		}
		nstyle += !strcasecmp(e, "style");
		if (!strcasecmp(e, "iframe") || !strcasecmp(e, "object") || !strcasecmp(e, "embed") ||
		    !strcasecmp(e, "img") || !strcasecmp(e, "base") || !strcasecmp(e, "form"))
			abort();
		for (xmlAttrPtr a = n->properties; a; a = a->next) {
			const char *k = (const char *)a->name;
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			const char *s = v ? (const char *)v : "";
			size_t kl = strlen(k);

			if (!strncasecmp(k, "on", 2))
				abort();
			if ((!strcasecmp(k, "href") || !strcasecmp(k, "src") ||
			     (kl >= 5 && !strcasecmp(k + kl - 5, ":href"))) &&
			    (!strncasecmp(s + strspn(s, " \t\r\n"), "javascript:", 11) ||
			     strstr(s, "//")))
				abort();
			if (!strcasecmp(e, "link") && !strcasecmp(k, "rel") && strcasecmp(s, "icon"))
				abort();
			if (!strcasecmp(e, "meta") && !strcasecmp(k, "http-equiv"))
				abort();
			xmlFree(v);
		}
		check(n->children);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tz *utc;
	static struct catalog *cat;
	static struct render *rd;
	struct ingest_options o;
	struct sessions_options so;
	struct dataset ds;
	struct decode_stats dec = { 0 };
	struct model m = { 0 };
	struct report r = { 0 };
	char err[256];

	if (!utc) {
		if (tz_open("UTC", &utc, err, sizeof err) != RR_OK || catalog_new(&cat) != RR_OK ||
		    render_open(NULL, &rd, err, sizeof err) != RR_OK)
			abort();
		snprintf(path, sizeof path, "/dev/shm/fuzz_render.%ld.html", (long)getpid());
		atexit(rm_out);
	}
	if (dataset_init(&ds) != RR_OK)
		return 0;
	ingest_options_init(&o);
	o.input_tz = utc;
	sessions_options_init(&so);
	so.display_tz = utc;
	if (ingest_mem(&ds, "fuzz.csv", data, size, &o, err, sizeof err) == RR_OK &&
	    dataset_finish(&ds) == RR_OK && decode_scan(&ds, cat, &dec) == RR_OK &&
	    sessions_build(&ds, cat, &so, &m) == RR_OK &&
	    report_build(&ds, &m, &dec, cat, utc, &r) == RR_OK) {
		r.title = "<script>alert(1)</script>\" onload=\"x";
		r.generated_ms = 0;
		if (render_write_file(rd, &r, cat, path, err, sizeof err) == RR_OK) {
			htmlDocPtr doc = htmlReadFile(path, "UTF-8",
						      HTML_PARSE_RECOVER | HTML_PARSE_NONET |
							      HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
			if (!doc)
				abort();
			nscript = nstyle = ndata = 0;
			check(xmlDocGetRootElement(doc));
			if (nscript != 1 || nstyle != 1 || ndata > 1)
				abort();
			xmlFreeDoc(doc);
		} else if (strstr(err, "out of memory") == NULL) {
			fprintf(stderr, "render_write_file: %s\n", err);
			abort();
		}
	}
	report_free(&r);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	return 0;
}
