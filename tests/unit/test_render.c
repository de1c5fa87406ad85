/*
 * Tests for render.c, template loading: a --templates directory (its own
 * templates, stylesheets and script, and the ones it may leave out), and
 * templates that are refused; and render_page.c's times (add_time,
 * add_timed_text). The other render files have theirs in
 * test_render_*.c, which share the fixture in render_kit.c: reports built
 * through the real pipeline from a small dataset with ordinary and hostile
 * IDs, written to a temporary directory and parsed back with libxml2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "callview.h"
#include "catalog.h"
#include "dataset.h"
#include "render.h"
#include "render_int.h"
#include "render_kit.h"
#include "report.h"
#include "templates.h"
#include "tz.h"
#include "util.h"
#include "version.h"

static void test_templates_dir(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "tpl"), err[256];
	struct render *rd = NULL;
	const char *names[] = { "overview.html", "call.html", "style.css" };

	(void)state;
	/* Missing directory: RR_EIO naming the file. */
	assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_EIO);
	assert_non_null(strstr(err, "style.css"));
	assert_int_equal(mkdir(dir, 0755), 0);
	for (int i = 0; i < 3; i++) {
		char *f = join(dir, names[i]);
		FILE *fp = fopen(f, "w");

		assert_non_null(fp);
		if (i == 0)
			fputs("<html><head><title data-slot=title></title></head><body></body></html>", fp);
		else if (i == 1)
			fputs("<p>no slots</p>", fp);
		else
			fputs("body { color: red }", fp);
		fclose(fp);
		free(f);
	}
	/* A template without its slots: RR_EDATA naming the slot. */
	assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_EDATA);
	assert_non_null(strstr(err, "overview.html: no element with data-slot=\"style\""));
	assert_null(rd);
	{
		char *f = join(dir, "style.css");
		FILE *fp = fopen(f, "w");

		fputs("a{}</style><script>alert(1)</script>", fp);
		fclose(fp);
		assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_EDATA);
		assert_non_null(strstr(err, "</style"));
		free(f);
	}
	/* A copy of the built-in templates: without call.css the call pages
	 * get the whole style.css; with call.css and charts.css, those. */
	for (int round = 0; round < 2; round++) {
		static const char *const files[] = { "overview.html", "call.html", "style.css",
						     "call.css", "charts.css" };
		char *out = join(fx->tmp, round ? "tplout2" : "tplout1");
		struct render *saved = fx->rd;

		for (int i = 0; i < (round ? 5 : 3); i++) {
			const struct template_file *t = templates_find(files[i]);
			char *f = join(dir, files[i]);
			FILE *fp = fopen(f, "w");

			assert_non_null(t);
			assert_non_null(fp);
			if (i < 3)
				assert_int_equal(fwrite(t->data, 1, t->len, fp), t->len);
			else
				fputs(i == 3 ? "p.call-only{color:red}" : "p.charts-only{color:blue}", fp);
			fclose(fp);
			free(f);
		}
		assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_OK);
		fx->rd = rd;
		write_dir(fx, out);
		fx->rd = saved;
		render_close(rd);
		rd = NULL;
		for (uint32_t c = 0; c < fx->m.ncalls; c++) {
			char *path = join(out, fx->r.call_file[c]);
			struct parsed p;
			char *css;
			int charts;

			parse_file(path, &p);
			css = xstr(&p, "string(//style)");
			charts = COUNT(&p, "//svg[@class='chart']") > 0;
			if (round == 0) {
				assert_non_null(strstr(css, "svg.hist"));
				assert_non_null(strstr(css, "svg.chart"));
			} else {
				assert_string_equal(css, charts ? "p.call-only{color:red}p.charts-only{color:blue}"
								: "p.call-only{color:red}");
			}
			free(css);
			parsed_free(&p);
			free(path);
		}
		free(out);
	}
	free(dir);
}

/* add_time (render_page.c): <time datetime="ISO with offset" data-f=SHAPE>
 * with the time in the page's zone as text, or the text given; NULL zone =
 * UTC; across a change of offset the datetime carries each side's offset. */
static void test_add_time(void **state)
{
	static const struct {
		const char *zone;        /* NULL: the report has no zone (UTC) */
		int64_t ms;
		enum tz_format f;
		const char *text;        /* given, or NULL */
		const char *want_dt, *want_f, *want_text;
	} cases[] = {
		{ NULL, INT64_C(1795168805000), TZF_DATETIME, NULL,
		  "2026-11-20T10:00:05.000+00:00", "dt", "2026-11-20 10:00:05" },
		{ "UTC", INT64_C(1795168805120), TZF_TIME, NULL,
		  "2026-11-20T10:00:05.120+00:00", "t", "10:00:05" },
		{ "Asia/Shanghai", INT64_C(1795168805000), TZF_DATETIME, NULL,
		  "2026-11-20T18:00:05.000+08:00", "dt", "2026-11-20 18:00:05" },
		{ "Asia/Shanghai", INT64_C(1795168805120), TZF_DATETIME_MS, NULL,
		  "2026-11-20T18:00:05.120+08:00", "dtms", "2026-11-20 18:00:05.120" },
		{ "Asia/Shanghai", INT64_C(1795168805000), TZF_DATE, NULL,
		  "2026-11-20T18:00:05.000+08:00", "d", "2026-11-20" },
		{ "Asia/Shanghai", INT64_C(1795168805000), TZF_DATETIME, "2026-11-20 18:00:05 CST",
		  "2026-11-20T18:00:05.000+08:00", "dt", "2026-11-20 18:00:05 CST" },
		/* Berlin, 25 Oct 2026: 02:50 CEST (00:50 UTC), then 02:10 CET (01:10 UTC). */
		{ "Europe/Berlin", INT64_C(1792889400000), TZF_TIME, "02:50:00 CEST",
		  "2026-10-25T02:50:00.000+02:00", "t", "02:50:00 CEST" },
		{ "Europe/Berlin", INT64_C(1792890600000), TZF_TIME, NULL,
		  "2026-10-25T02:10:00.000+01:00", "t", "02:10:00" },
		{ "Europe/Berlin", INT64_C(1792890600000), TZF_DATETIME, "2026-10-25 02:10:00 CET",
		  "2026-10-25T02:10:00.000+01:00", "dt", "2026-10-25 02:10:00 CET" },
	};
	htmlDocPtr tmpl = htmlReadMemory("<html><body></body></html>", 26, NULL, "UTF-8",
					 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);

	(void)state;
	assert_non_null(tmpl);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct report r;
		struct page p;
		struct tz *z = NULL;
		char err[128];
		xmlNodePtr t;
		xmlChar *v;

		memset(&r, 0, sizeof r);
		if (cases[i].zone)
			assert_int_equal(tz_open(cases[i].zone, &z, err, sizeof err), RR_OK);
		r.tz = z;
		assert_int_equal(page_init(&p, tmpl, &r, NULL, 0), RR_OK);
		t = add_time(&p, xmlDocGetRootElement(p.doc), cases[i].ms, cases[i].f, cases[i].text);
		assert_non_null(t);
		assert_string_equal((const char *)t->name, "time");
		v = xmlGetProp(t, BAD_CAST "datetime");
		assert_string_equal((const char *)v, cases[i].want_dt);
		xmlFree(v);
		v = xmlGetProp(t, BAD_CAST "data-f");
		assert_string_equal((const char *)v, cases[i].want_f);
		xmlFree(v);
		v = xmlNodeGetContent(t);
		assert_string_equal((const char *)v, cases[i].want_text);
		xmlFree(v);
		/* The zone's name, for the switch to rewrite. */
		t = add_zone_name(&p, xmlDocGetRootElement(p.doc));
		v = xmlGetProp(t, BAD_CAST "data-zone");
		assert_string_equal((const char *)v, cases[i].zone ? cases[i].zone : "UTC");
		xmlFree(v);
		page_free(&p);
		tz_free(z);
	}
	xmlFreeDoc(tmpl);
}

/* parent's children as "TEXT" for a text node and "[F|TEXT]" for a <time>
 * with data-f F, into out (n bytes). */
static void children_of(xmlNodePtr parent, char *out, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (xmlNodePtr c = parent->children; c && at < n; c = c->next) {
		xmlChar *v = xmlNodeGetContent(c);
		xmlChar *f = c->type == XML_ELEMENT_NODE ? xmlGetProp(c, BAD_CAST "data-f") : NULL;

		assert_true(c->type == XML_TEXT_NODE ||
			    (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "time")));
		at += (size_t)snprintf(out + at, n - at, f ? "[%s|%s]" : "%s%s",
				       f ? (const char *)f : "", (const char *)v);
		xmlFree(f);
		xmlFree(v);
	}
}

/* add_timed_text (render_page.c): the len bytes of a text, each time where
 * its struct finding_times says as a <time> in its text's shape, the rest
 * as text. A text far over 128 bytes (a call's span with long zone names
 * once lost its times past 128 bytes) keeps every time; a length that ends
 * before a time writes that time's bytes as nothing; a time not where it
 * is said to be, and everything after it, is text. */
static void test_add_timed_text(void **state)
{
	static const char dt[] = "2026-11-20 10:00:05", t[] = "10:31:05 CET", hm[] = "10:11";
	char head[160], text[512], got[1024], want[1024];
	struct finding_times ft = { .n = 2 };
	struct report r;
	struct page p;
	xmlNodePtr el;
	size_t k;
	htmlDocPtr tmpl = htmlReadMemory("<html><body></body></html>", 26, NULL, "UTF-8",
					 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);

	(void)state;
	assert_non_null(tmpl);
	memset(&r, 0, sizeof r);
	assert_int_equal(page_init(&p, tmpl, &r, NULL, 0), RR_OK);
	memset(head, 0, sizeof head);
	for (k = 0; k + 4 < 150; k += 4)
		memcpy(head + k, "<&> ", 4);       /* hostile-looking, 148 bytes */
	snprintf(text, sizeof text, "%s%s – %s (Some/Zone) after", head, dt, t);
	ft.t[0] = (struct finding_time){ INT64_C(1795168805000), (uint16_t)strlen(head),
					 (uint8_t)strlen(dt), FT_DATETIME };
	ft.t[1] = (struct finding_time){ INT64_C(1795170665000),
					 (uint16_t)(strlen(head) + strlen(dt) + 5), (uint8_t)strlen(t),
					 FT_TIME };
	assert_true(ft.t[1].off > 128);

	/* The whole text: both times, every byte. */
	el = add_el(&p, xmlDocGetRootElement(p.doc), "p", NULL);
	add_timed_text(&p, el, text, strlen(text), &ft);
	children_of(el, got, sizeof got);
	snprintf(want, sizeof want, "%s[dt|%s] – [t|%s] (Some/Zone) after", head, dt, t);
	assert_string_equal(got, want);

	/* Up to the second time's end (span_fact, before the zone's name). */
	el = add_el(&p, xmlDocGetRootElement(p.doc), "p", NULL);
	add_timed_text(&p, el, text, (size_t)ft.t[1].off + ft.t[1].len, &ft);
	children_of(el, got, sizeof got);
	snprintf(want, sizeof want, "%s[dt|%s] – [t|%s]", head, dt, t);
	assert_string_equal(got, want);

	/* A length that ends inside the second time: that much, as text. */
	el = add_el(&p, xmlDocGetRootElement(p.doc), "p", NULL);
	add_timed_text(&p, el, text, (size_t)ft.t[1].off + 2, &ft);
	children_of(el, got, sizeof got);
	snprintf(want, sizeof want, "%s[dt|%s] – 10", head, dt);
	assert_string_equal(got, want);

	/* A second time said to start inside the first: from it on, text. */
	ft.t[1].off = (uint16_t)(ft.t[0].off + 3);
	el = add_el(&p, xmlDocGetRootElement(p.doc), "p", NULL);
	add_timed_text(&p, el, text, strlen(text), &ft);
	children_of(el, got, sizeof got);
	snprintf(want, sizeof want, "%s[dt|%s] – %s (Some/Zone) after", head, dt, t);
	assert_string_equal(got, want);

	/* An abnormal experience on the minute: "hm"; no times: all text. */
	snprintf(text, sizeof text, "Audio lagged at %s for 2 s", hm);
	ft.n = 1;
	ft.t[0] = (struct finding_time){ INT64_C(1795169460000), 16, (uint8_t)strlen(hm), FT_HM };
	el = add_el(&p, xmlDocGetRootElement(p.doc), "p", NULL);
	add_timed_text(&p, el, text, strlen(text), &ft);
	children_of(el, got, sizeof got);
	assert_string_equal(got, "Audio lagged at [hm|10:11] for 2 s");
	ft.n = 0;
	el = add_el(&p, xmlDocGetRootElement(p.doc), "p", NULL);
	add_timed_text(&p, el, text, strlen(text), &ft);
	children_of(el, got, sizeof got);
	assert_string_equal(got, text);
	assert_false(p.oom);
	page_free(&p);
	xmlFreeDoc(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates_dir),
		cmocka_unit_test(test_add_time),
		cmocka_unit_test(test_add_timed_text),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
