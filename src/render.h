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
 * Writes the multi-page report into directory dir: dir/index.html,
 * dir/calls.html and dir/index/ *.html (the call index without scripts) and
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
 * The same report written in steps, for runs larger than memory
 * (partition.h), where the calls' records are in memory a range of rooms
 * at a time. render_dir_begin prepares the fresh sibling directory;
 * render_dir_calls writes the pages of the n listed calls (model indexes;
 * those report.call_page leaves out are skipped), reading their records
 * from ds, the dataset their rec_first/rec_end index (its string table and
 * companion rows are r->ds's); render_dir_end writes index.html and swaps
 * the directory into place. Every call page is listed in exactly one
 * render_dir_calls, in any order, with any n; the bytes written are those
 * of render_write_dir. A step that fails returns as render_write_dir does
 * and leaves the job only fit for render_dir_abort, which removes what was
 * written (NULL is fine). render_dir_end frees the job in every case.
 * render_write_file has the same three steps (render_file_*): call
 * sections may come in any order; a section that is next in model order
 * goes straight into the file, one that comes early is kept in an unlinked
 * temporary file in $TMPDIR (else /tmp) until its turn. render_file_begin
 * writes the overview's first part; render_file_end the rest, and renames
 * the file into place. Calls given in model order need no temporary file.
 * A call listed twice or out of range is ignored.
 */
struct render_job;
int render_dir_begin(struct render *rd, const struct report *r, const struct catalog *cat,
		     const char *dir, struct render_job **out, char *err, size_t errlen);
int render_dir_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		     size_t n, char *err, size_t errlen);
int render_dir_end(struct render_job *job, char *err, size_t errlen);
void render_dir_abort(struct render_job *job);

int render_file_begin(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, struct render_job **out, char *err, size_t errlen);
int render_file_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		      size_t n, char *err, size_t errlen);
int render_file_end(struct render_job *job, char *err, size_t errlen);
void render_file_abort(struct render_job *job);

/*
 * Writes everything — overview and every selected call — into one
 * self-contained file (for tickets), through a temporary name and a rename. Links between
 * parts are in-page anchors. A report whose index is marked a ticket
 * (report_index_budget) opens on its calls, the overview after them.
 * Same returns as render_write_dir.
 */
int render_write_file(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, char *err, size_t errlen);

#endif
