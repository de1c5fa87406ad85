/*
 * templates — the default page templates (overview.html, call.html, style.css,
 * report.js, call.js: the call page's filter script), embedded in the binary at build time by
 * cmake/embed_templates.cmake so the installed binary works anywhere. The
 * same step cuts two minified stylesheets out of style.css's tagged
 * sections: call.css (what every call page uses) and charts.css (only pages
 * with quality charts), so call pages carry less than the overview.
 * Does not: parse or fill them (render does).
 */
#ifndef RR_TEMPLATES_H
#define RR_TEMPLATES_H

#include <stddef.h>

struct template_file {
	const char *name;            /* "overview.html", "call.html", "style.css", "report.js",
	                              * "call.js", "call.css", "charts.css" */
	const unsigned char *data;   /* len bytes, followed by a NUL */
	size_t len;
};

/* The embedded file called name, or NULL when there is none. */
const struct template_file *templates_find(const char *name);

#endif
