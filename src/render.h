/*
 * render — the HTML report: fills the page templates (templates/, embedded
 * at build time, or --templates DIR) with libxml2 nodes mapped from the
 * report model and the call views, and writes the pages. The only module
 * that includes libxml2. Every value from the input enters the tree through
 * libxml2's escaping APIs; control characters are replaced first.
 * Does not: compute figures, order lists or format times (report/callview).
 */
#ifndef RR_RENDER_H
#define RR_RENDER_H

#include <stddef.h>

#include "catalog.h"
#include "report.h"

struct render;

/*
 * Loads and parses the templates from dir, or the embedded ones when dir is
 * NULL: overview.html, call.html, style.css (the overview's and the single
 * file's stylesheet), report.js (the overview's script; optional in dir),
 * call.css and charts.css (the call pages' stylesheet and the rules added
 * on pages with quality charts; optional in dir: without call.css, call
 * pages get style.css). Returns RR_OK; RR_EIO or RR_EDATA with err =
 * "FILE: reason" when a template is missing or lacks a slot; RR_ENOMEM.
 */
int render_open(const char *dir, struct render **out, char *err, size_t errlen);
void render_close(struct render *rd);

/*
 * Writes the multi-page report into directory dir: dir/index.html and
 * dir/calls/<report.call_file> for each call selected by report.call_page
 * (every call when call_page is NULL); links go only to written pages.
 * Call pages are written by one thread per online processor (at most 8),
 * each holding one call's tree at a time; the bytes do not depend on it.
 * They have no script. The pages are written into a fresh sibling
 * directory and swapped into place at the end, so an interrupted or failed
 * run leaves any previous report at dir untouched. Returns RR_OK, RR_EIO
 * (err names the path), or RR_ENOMEM.
 */
int render_write_dir(struct render *rd, const struct report *r, const struct catalog *cat,
		     const char *dir, char *err, size_t errlen);

/*
 * Writes everything — overview and every selected call — into one
 * self-contained file (for tickets), through a temporary name and a rename. Links between
 * parts are in-page anchors. Same returns as render_write_dir.
 */
int render_write_file(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, char *err, size_t errlen);

#endif
