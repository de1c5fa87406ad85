/*
 * run — the stages of one run in order: templates, catalog and baseline
 * first (a wrong one fails before any work), the inputs read into the
 * dataset (spilling past --max-memory), then range after range of rooms:
 * decode and sessions; then the companion files, the report and the
 * outputs, committed together; the summary last.
 * Does not: parse options or exit (main), write output files' bytes
 * (json, tables, render) or rename them (run_out.c).
 *
 * One orchestration: a run held in memory is a split run with one range,
 * the run's own dataset. The steps it shares with a split run cost it
 * nothing: decode_add and sessions_add on the whole dataset are what
 * decode_scan and sessions_build do, and the pages written through
 * render_*_begin/calls/end with every call in one list are what
 * render_write_dir/file write, in the same way. The one difference in
 * order is that the rejected rows are told, and --strict and "no usable
 * rows" refuse the input, after the calls are built: a split run only
 * knows its duplicates once every range is loaded (in memory, a refused
 * input now costs its decode and sessions first).
 * Measured against the two orchestrations this replaced (Release build,
 * tests/bench/gen.py --seed 1, 1,000,067 rows, 8,603 calls): instructions
 * (callgrind) for --no-html --json: 1,779,328,798 -> 1,779,336,094; for
 * the full report on 200,000 rows (--seed 2): 1,376,688,253 ->
 * 1,371,945,929 (thread scheduling); peak RSS, highest of 5: JSON only
 * 49,392 -> 48,920 KB, full report 52,112 -> 52,224 KB, split (8M)
 * 25,544 -> 25,640 KB. Wall times on the shared machine were noise (load
 * 5-8 on 2 cores): JSON 1.27 -> 1.23 s, full 34.8 -> 32.6 s.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "baseline.h"
#include "baselines.h"
#include "catalog.h"
#include "companion.h"
#include "dataset.h"
#include "filter_seen.h"
#include "decode.h"
#include "ingest.h"
#include "inputs.h"
#include "json.h"
#include "partition.h"
#include "render.h"
#include "run_filters.h"
#include "report.h"
#include "report_index.h"
#include "run.h"
#include "run_int.h"
#include "report_changes.h"
#include "sessions.h"
#include "tables.h"
#include "tz.h"
#include "user_calls.h"
#include "util.h"

/* Everything the run owns, released in one place whatever the way out. */
struct run {
	const struct run_options *o;
	const char *name;          /* o->name */
	struct tz *tz, *input_tz;
	struct catalog *cat;
	struct dataset ds;
	int ds_ready;
	struct decode_stats dec;
	struct model model;
	struct report rep;
	struct render *rd;         /* NULL: no HTML report */
	struct baseline baseline;     /* the newest --baseline */
	struct baselines baselines;   /* every --baseline, oldest first */
	int have_baseline;
	struct partition *part;    /* records over --max-memory */
	int parted;                /* records were spilled: split by range */
	size_t nranges;            /* 1 in memory, else partition_count */
	struct out rejected, json, sessions_csv;
	struct inputs in;          /* the input files, directories expanded */
	struct filter_seen *seen;  /* what the filters met; NULL without filters */
	int64_t from_ms, to_ms;    /* --from, --to; RR_NONE when not given */
	char filters[1024];        /* the filters for page headers (run_filters_text) */
	uint32_t *user_ids;        /* --user values some row named (user_calls_ids) */
	size_t nuser_ids;
};

/* Input rows are at least this long (an event row has ten fields); used to
 * bound how many records a file can hold before reading it. */
#define MIN_ROW_BYTES 24

/* The memory --max-memory allows: as given, else half of physical memory
 * (or no limit when the system does not say). */
static uint64_t memory_limit(const struct run_options *o)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (o->max_memory)
		return o->max_memory;
	if (pages <= 0 || size <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * (uint64_t)size / 2;
}

/* Reading a file in parallel parts holds all of its records at once, so a
 * file that may hold more than the limit allows (size / MIN_ROW_BYTES
 * records over limit / PARTITION_BYTES_PER_RECORD) is read on one thread
 * and spills as it goes: the largest size read in parts. */
static uint64_t parts_max_bytes(uint64_t limit)
{
	uint64_t recs = limit / PARTITION_BYTES_PER_RECORD;

	if (recs >= UINT64_MAX / MIN_ROW_BYTES - 1)
		return UINT64_MAX;
	return (recs + 1) * MIN_ROW_BYTES - 1;
}

/* Says why the temporary files of a split run failed, when they did (an
 * RR_EIO that may also come from elsewhere). */
static void say_partition_error(const struct run *r)
{
	if (partition_error(r->part))
		fprintf(stderr, "%s: %s\n", r->name, partition_error(r->part));
}

static void say_written(const struct run *r, const char *path)
{
	if (!r->o->quiet && strcmp(path, "-") != 0)
		fprintf(stderr, "%s: wrote %s\n", r->name, path);
}

static void print_rejects(const struct run *r)
{
	const struct diag *d = &r->ds.diag;
	uint64_t shown = 0, total = diag_total(d);

	for (size_t i = 0; i < d->nkept; i++, shown++) {
		const char *text = diag_reason_text(d->kept[i].reason);
		const char *detail = d->kept[i].detail;

		if (!detail[0] || strcmp(detail, text) == 0)
			fprintf(stderr, "%s:%" PRIu64 ": rejected: %s\n", d->kept[i].file,
				d->kept[i].line, text);
		else
			fprintf(stderr, "%s:%" PRIu64 ": rejected: %s (%s)\n", d->kept[i].file,
				d->kept[i].line, text, detail);
	}
	if (total > shown)
		fprintf(stderr, "%s: %" PRIu64 " more rejected rows not shown%s\n", r->name,
			total - shown, "; --rejected FILE lists them all");
	for (size_t i = 0; i < d->nnotes; i++)
		fprintf(stderr, "%s: note: %s\n", r->name, d->notes[i]);
}

/* A warning per input file whose gzip stream was cut short (diag.h). */
static void print_cuts(const struct run *r)
{
	const struct diag *d = &r->ds.diag;
	char at[48];

	for (size_t i = 0; i < d->nfiles && i < r->ds.nfiles; i++) {
		const struct diag_file *f = &d->files[i];
		uint64_t whole = f->rows - (f->cut_row != 0);

		if (!f->cut)
			continue;
		at[0] = '\0';
		if (f->cut_at != UINT64_MAX)
			snprintf(at, sizeof at, ", cut at byte %" PRIu64, f->cut_at);
		fprintf(stderr, "%s: warning: %s: truncated gzip stream%s: the %" PRIu64
			" complete row%s before the cut %s read%s; the rest of the file is missing\n",
			r->name, r->ds.files[i], at, whole, whole == 1 ? "" : "s",
			whole == 1 ? "is" : "are", f->cut_row ? " (the row cut off is rejected)" : "");
	}
}

static void print_summary(const struct run *r)
{
	const struct input_counts *n = &r->ds.counts;
	char filtered[48] = "", unmatched[48] = "";

	if (n->filtered)
		snprintf(filtered, sizeof filtered, ", %" PRIu64 " filtered", n->filtered);
	if (n->unmatched)
		snprintf(unmatched, sizeof unmatched, ", %" PRIu64 " unmatched", n->unmatched);
	fprintf(stderr, "%s: read %" PRIu64 " row%s from %zu file%s: %" PRIu64 " used%s, %"
		PRIu64 " rejected, %" PRIu64 " duplicate%s%s \xe2\x86\x92" " %" PRIu32 " call%s, %"
		PRIu32 " session%s\n", r->name, n->rows, n->rows == 1 ? "" : "s", r->ds.nfiles,
		r->ds.nfiles == 1 ? "" : "s", n->used, filtered, n->rejected,
		n->duplicates, n->duplicates == 1 ? "" : "s", unmatched,
		r->model.ncalls, r->model.ncalls == 1 ? "" : "s",
		r->model.nsessions, r->model.nsessions == 1 ? "" : "s");
}

/* The list of input files (inputs.h): the arguments, directories
 * expanded, and --files-from; files skipped below directories noted. */
static int list_inputs(struct run *r)
{
	const struct run_options *o = r->o;
	char err[512];
	int st = RR_OK;

	err[0] = '\0';
	for (size_t i = 0; st == RR_OK && i < o->nfiles; i++)
		st = inputs_add(&r->in, o->files[i], err, sizeof err);
	if (st == RR_OK && o->files_from)
		st = inputs_add_list(&r->in, o->files_from, err, sizeof err);
	if (st != RR_OK && st != RR_ENOMEM)
		fprintf(stderr, "%s: %s\n", r->name, err);
	if (st == RR_OK && r->in.skipped &&
	    diag_note(&r->ds.diag, "not CSV, skipped: %zu file%s below the directories given "
		      "(the first: %s)", r->in.skipped, r->in.skipped == 1 ? "" : "s",
		      r->in.first_skipped) != RR_OK)
		st = RR_ENOMEM;
	return st;
}

/* Reads every input file into the dataset, writing the rejected rows to
 * --rejected as it goes (committed at the end of the run). */
static int load_inputs(struct run *r)
{
	const struct run_options *o = r->o;
	struct ingest_options io;
	struct out *rej = &r->rejected;
	char err[512];
	int st = RR_OK, progress = !o->quiet && isatty(2);
	uint64_t limit = memory_limit(o);   /* once: a system call, and 20,000 files */

	ingest_options_init(&io);
	/* Test hook: small parts make the parallel reader run on small inputs. */
	if (getenv("ROOMREPORT_PART_BYTES"))
		io.part_min_bytes = strtoull(getenv("ROOMREPORT_PART_BYTES"), NULL, 10);
	io.input_tz = r->input_tz;
	io.one_thread_above = parts_max_bytes(limit);
	io.rooms = o->rooms;
	io.nrooms = o->nrooms;
	io.users = o->users;
	io.nusers = o->nusers;
	io.users_whole_calls = o->cmd != RUN_EVENTS;
	if ((st = run_filter_window(o, r->tz, &r->from_ms, &r->to_ms)) != RR_OK)
		return st;
	if (r->from_ms != RR_NONE)
		io.from_ms = r->from_ms;
	if (r->to_ms != RR_NONE)
		io.to_ms = r->to_ms;
	run_filters_text(o, r->tz, r->from_ms, r->to_ms, r->filters, sizeof r->filters);
	if (run_filters_active(o) &&
	    (st = filter_seen_new(o->nrooms, o->nusers, &r->seen)) != RR_OK)
		return st;
	io.seen = r->seen;
	if ((st = list_inputs(r)) != RR_OK)
		return st;
	if (o->rejected) {
		st = out_open(rej, r->name, o->rejected);
		if (st != RR_OK)
			return st;
		io.rejected = rej->f;
		st = ingest_write_rejected_header(rej->f);
	}
	for (size_t i = 0; st == RR_OK && i < r->in.n; i++) {
		if (progress)
			fprintf(stderr, "\rroomreport: reading %zu/%zu %.60s\033[K", i + 1,
				r->in.n, r->in.path[i]);
		err[0] = '\0';
		st = ingest_file(&r->ds, r->in.path[i], &io, err, sizeof err);
		if (st != RR_OK && st != RR_ENOMEM && (err[0] || partition_error(r->part))) {
			if (progress)
				fputs("\r\033[K", stderr);
			/* A failing spill surfaces through ingest as a write error;
			 * the partition knows what failed. */
			fprintf(stderr, "%s: %s\n", r->name,
				partition_error(r->part) ? partition_error(r->part) : err);
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	return out_close(rej, st);
}

/* The inputs read and the dataset finished: in memory, or spilled and cut
 * into ranges of rooms (said unless quiet). */
static int read_dataset(struct run *r)
{
	uint64_t lim = memory_limit(r->o);
	int st;

	st = dataset_init(&r->ds);
	if (st != RR_OK)
		return st;
	r->ds_ready = 1;
	st = partition_open(&r->ds, lim, &r->part);
	if (st == RR_OK)
		st = load_inputs(r);
	r->parted = partition_active(r->part);
	if (st == RR_OK && r->parted) {
		st = partition_plan(r->part);
		if (st == RR_EIO)
			say_partition_error(r);
		if (st == RR_OK && !r->o->quiet) {
			char size[32];

			if (lim >= 1 << 20)
				snprintf(size, sizeof size, "%.1f MiB", (double)lim / (1 << 20));
			else
				snprintf(size, sizeof size, "%" PRIu64 " bytes", lim);
			fprintf(stderr, "%s: the events need more memory than %s (--max-memory): "
				"building the calls in %zu ranges of rooms\n", r->name, size,
				partition_count(r->part));
		}
	}
	r->nranges = r->parted ? partition_count(r->part) : 1;
	if (st == RR_OK)
		st = dataset_finish(&r->ds);
	return st;
}

/* Range k's records, finished, in *d: in memory the run's own dataset,
 * else loaded into part (released by range_put, also on failure). */
static int range_get(struct run *r, size_t k, struct dataset *part, const struct dataset **d)
{
	int st;

	*d = &r->ds;
	if (!r->parted)
		return RR_OK;
	dataset_init_part(part, r->ds.strs);
	dataset_part_of(part, &r->ds);
	st = partition_load(r->part, k, part);
	if (st == RR_OK)
		st = dataset_finish(part);
	*d = part;
	return st;
}

static void range_put(struct run *r, struct dataset *part)
{
	if (r->parted)
		dataset_free(part);
}

/* A loaded range's counts join the run's (each range was de-duplicated on
 * its own); in memory the run's dataset has them already. */
static void range_count(struct run *r, const struct dataset *d)
{
	struct input_counts *n = &r->ds.counts;

	if (d == &r->ds)
		return;
	n->used += d->counts.used;
	n->duplicates += d->counts.duplicates;
	n->events += d->counts.events;
	n->abnormal += d->counts.abnormal;
}

/* Decode and sessions, fed range after range. */
struct builders {
	const struct sessions_options *so;
	struct decode_scanner *dsc;
	struct sessions_builder *sb;   /* NULL until the first range is decoded */
};

/* Range k (of r->nranges) into the decode stats and the sessions. The
 * sessions builder starts once the first range is decoded, and the stats
 * are finished once the last one is, before the sessions read it: in
 * memory that is decode_scan then sessions_build, in that order. (Starting
 * the builder before decoding added 0.5 MB, 1 %, to the peak RSS of a
 * million rows held in memory: heap order.) */
static int builders_add(struct run *r, struct builders *b, size_t k, const struct dataset *d)
{
	int st = decode_add(b->dsc, d);

	if (st == RR_OK && k + 1 == r->nranges) {
		st = decode_end(b->dsc, &r->dec);
		b->dsc = NULL;
	}
	if (st == RR_OK && !b->sb)
		st = sessions_begin(r->cat, b->so, &b->sb);
	if (st == RR_OK)
		st = sessions_add(b->sb, d);
	return st;
}

/* The model, once every range is in (st: how adding them went). Unless
 * pages read them again, the run's records go back to the kernel before
 * the sessions' last steps, which then have their memory. */
static int builders_end(struct run *r, struct builders *b, int st)
{
	if (st == RR_OK && b->dsc) {     /* no range at all */
		st = decode_end(b->dsc, &r->dec);
		b->dsc = NULL;
	}
	if (st == RR_OK && !b->sb)
		st = sessions_begin(r->cat, b->so, &b->sb);
	if (st != RR_OK) {
		decode_abort(b->dsc);
		sessions_abort(b->sb);
		return st;
	}
	if (!r->rd)
		dataset_drop_records(&r->ds);
	return sessions_end(b->sb, &r->model);
}

/* The ranges in room order, into decode and sessions, or for `events`, a
 * split run's ranges set aside in time order for the merge. */
static int build_ranges(struct run *r, const struct sessions_options *so)
{
	struct builders b = { so, NULL, NULL };
	int report = r->o->cmd != RUN_EVENTS, st = RR_OK;

	if (report)
		st = decode_begin(r->cat, &b.dsc);
	if (st == RR_OK && report && r->o->nusers) {
		r->user_ids = rr_malloc(r->o->nusers * sizeof *r->user_ids);
		if (!r->user_ids)
			st = RR_ENOMEM;
		else
			r->nuser_ids = user_calls_ids(r->ds.strs, r->o->users, r->o->nusers,
						      r->user_ids);
	}
	for (size_t k = 0; st == RR_OK && k < r->nranges; k++) {
		struct dataset part;
		const struct dataset *d;

		st = range_get(r, k, &part, &d);
		if (st == RR_OK && report && r->o->nusers)
			st = user_calls_keep_records(r->parted ? &part : &r->ds, r->cat, so,
						     r->user_ids, r->nuser_ids,
						     &r->ds.counts.filtered);
		if (st == RR_OK) {
			range_count(r, d);
			if (report)
				st = builders_add(r, &b, k, d);
			else if (r->parted)
				st = partition_add_events(r->part, d);
		}
		if (st == RR_EIO)
			say_partition_error(r);
		range_put(r, &part);
	}
	return report ? builders_end(r, &b, st) : st;
}

/* The input refused as a whole: --strict with rejected rows, or nothing
 * usable. The rejected-rows file says why, so it is kept; nothing else is
 * written. RR_OK when the input is accepted. */
static int refuse_input(struct run *r)
{
	const struct input_counts *n = &r->ds.counts;

	if (r->o->strict && r->ds.diag.ncut)
		fprintf(stderr, "%s: --strict: %zu truncated file%s\n", r->name,
			r->ds.diag.ncut, r->ds.diag.ncut == 1 ? "" : "s");
	else if (r->o->strict && n->rejected)
		fprintf(stderr, "%s: --strict: %" PRIu64 " rejected row%s\n", r->name,
			n->rejected, n->rejected == 1 ? "" : "s");
	else if (n->used == 0 && n->filtered == 0)
		fprintf(stderr, "%s: no usable rows in the input\n", r->name);
	else
		return RR_OK;
	return out_commit(&r->rejected) == RR_OK ? RR_EDATA : RR_EIO;
}

/* `events`: the decoded log on stdout, then the rejected rows committed. */
static int write_events(struct run *r)
{
	struct out o = { stdout, "-", r->name, NULL };
	int st;

	st = r->parted ? partition_write_events(r->part, r->cat, r->tz, stdout)
		       : tables_write_events(&r->ds, r->cat, r->tz, stdout);
	if (st == RR_EIO)
		say_partition_error(r);
	st = out_close(&o, st);
	return st == RR_OK ? out_commit(&r->rejected) : st;
}

/* The report against the newest --baseline, with every one's trend;
 * several must all be earlier than this run (baselines_check). */
static int compare_baselines(struct run *r)
{
	const struct baselines *bs = &r->baselines;
	const char *path = bs->names[bs->n - 1], *slash = strrchr(path, '/');
	const struct report *rep = &r->rep;
	char err[512];
	int st;

	st = baselines_check(bs, rep->ndays ? rep->days[0].day_no : RR_NONE,
			     rep->ndays ? rep->days[rep->ndays - 1].day_no : RR_NONE, err,
			     sizeof err);
	if (st != RR_OK) {
		fprintf(stderr, "%s: --baseline %s\n", r->name, err);
		return st;
	}
	report_compare(&r->rep, &r->baseline, slash && slash[1] ? slash + 1 : path,
		       r->o->regression_pct);
	st = report_set_trend(&r->rep, bs->runs, bs->n);
	if (st == RR_OK)
		st = report_compare_days(&r->rep, &r->baseline);
	if (st == RR_OK)
		st = report_changes_build(&r->rep, &r->baseline, r->o->regression_pct);
	return st;
}

/* The companion files joined, then the report and what it is compared
 * with. */
static int build_report(struct run *r)
{
	const struct run_options *o = r->o;
	struct companion_options co;
	struct unmatched um;
	int st;

	companion_options_init(&co);
	co.display_tz = r->tz;
	st = companion_link_unmatched(&r->ds, &co, &r->model, &um);
	if (st == RR_OK)
		companion_count_unmatched(&r->ds, &um);
	if (st == RR_OK)
		st = report_build(&r->ds, &r->model, &r->dec, r->cat, r->tz, &r->rep);
	if (st == RR_OK) {
		report_set_window(&r->rep, r->from_ms, r->to_ms);
		r->rep.filters = r->filters[0] ? r->filters : NULL;
		r->rep.selected_users = r->user_ids;
		r->rep.nselected = r->nuser_ids;
		report_select_pages(&r->rep, o->pages);
		if (r->have_baseline)
			st = compare_baselines(r);
		else
			st = report_standouts_build(&r->rep);
	}
	r->rep.title = o->title;
	r->rep.generated_ms = o->generated_ms;
	return st;
}

static size_t call_range(const void *ctx, uint32_t call)
{
	const struct run *r = ctx;

	return r->parted ? partition_of_room(r->part, r->model.calls[call].room) : 0;
}

/* The HTML report, its call pages a range of rooms at a time from each
 * range's records. */
static int write_pages(struct run *r, int single, char *err, size_t errlen)
{
	const struct model *m = &r->model;
	size_t *first = rr_malloc((r->nranges + 1) * sizeof *first);
	uint32_t *calls = rr_malloc(((size_t)m->ncalls + 1) * sizeof *calls);
	struct render_job *job = NULL;
	int st;

	if (!first || !calls) {
		rr_free(first);
		rr_free(calls);
		return RR_ENOMEM;
	}
	run_calls_by_range(m->ncalls, r->nranges, call_range, r, first, calls);
	st = single ? render_file_begin(r->rd, &r->rep, r->cat, r->o->output, &job, err, errlen)
		    : render_dir_begin(r->rd, &r->rep, r->cat, r->o->output, &job, err, errlen);
	for (size_t k = 0; st == RR_OK && k < r->nranges; k++) {
		size_t n = first[k + 1] - first[k];
		struct dataset part;
		const struct dataset *d;

		if (n == 0)
			continue;
		st = range_get(r, k, &part, &d);
		if (st == RR_OK)
			st = single ? render_file_calls(job, d, calls + first[k], n, err, errlen)
				    : render_dir_calls(job, d, calls + first[k], n, err, errlen);
		range_put(r, &part);
	}
	/* Every call page is written: the overview and the call index read
	 * the model, not the records, whose memory goes back before the
	 * index's tree is built (a third of the 10M-row report's peak). */
	if (!single)
		dataset_drop_records(&r->ds);
	if (st == RR_OK)
		st = single ? render_file_end(job, err, errlen) : render_dir_end(job, err, errlen);
	else if (single)
		render_file_abort(job);
	else
		render_dir_abort(job);
	rr_free(first);
	rr_free(calls);
	return st;
}

static int is_html_file(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && strcasecmp(path + n - 5, ".html") == 0) ||
	       (n > 4 && strcasecmp(path + n - 4, ".htm") == 0);
}

static int write_html(struct run *r)
{
	const char *output = r->o->output;
	int single = is_html_file(output);
	char err[512] = "", index[4096];
	int st;

	/* The single file's budget (after --json, whose "page" stays the
	 * directory report's). */
	st = single ? report_index_budget(&r->rep) : RR_OK;
	if (st == RR_OK)
		st = write_pages(r, single, err, sizeof err);
	if (st == RR_EIO && !err[0] && partition_error(r->part))
		snprintf(err, sizeof err, "%s", partition_error(r->part));
	if (single)
		snprintf(index, sizeof index, "%s", output);
	else
		snprintf(index, sizeof index, "%s/index.html", output);
	if (st != RR_OK && st != RR_ENOMEM && err[0])
		fprintf(stderr, "%s: %s\n", r->name, err);
	if (st == RR_OK)
		say_written(r, index);
	if (st == RR_OK && single && !r->o->quiet && r->rep.index && r->rep.index->left_out)
		fprintf(stderr, "%s: %s: %" PRIu32 " of %" PRIu32 " calls are in full in this "
			"file: the worst %d (error findings, then warning findings, then timeouts, "
			"kicks and entry failures); the other %" PRIu32 " are only listed in its "
			"index. For a page per call write a directory report (-o DIR); for a file "
			"of some calls choose them with --room, --user, --from or --to.\n", r->name,
			output, r->rep.npages, r->model.ncalls, REPORT_FILE_BODIES,
			r->model.ncalls - r->rep.npages);
	if (st == RR_OK && single && !r->o->quiet && r->rep.index && r->rep.index->users_left_out)
		fprintf(stderr, "%s: %s: its index lists every call by day with its users, but "
			"not each user's calls (%" PRIu32 " links, more than this file's %d). The "
			"search box finds any user's calls; a directory report (-o DIR) lists them "
			"on pages that need no script.\n", r->name, output,
			r->rep.index->user_first[r->rep.index->nusers], REPORT_FILE_USER_LINKS);
	return st;
}

/* Writes every output; the HTML last, since a report directory is swapped
 * in by the renderer itself, then the files renamed into place together. */
static int write_outputs(struct run *r)
{
	const struct run_options *o = r->o;
	int st = RR_OK;

	if (o->json) {
		st = out_open(&r->json, r->name, o->json);
		if (st == RR_OK)
			st = out_close(&r->json, json_write(&r->rep, r->json.f));
	}
	if (st == RR_OK && o->sessions_csv) {
		st = out_open(&r->sessions_csv, r->name, o->sessions_csv);
		if (st == RR_OK)
			st = out_close(&r->sessions_csv, tables_write_sessions(&r->rep, r->sessions_csv.f));
	}
	if (st == RR_OK && r->rd)
		st = write_html(r);
	if (st != RR_OK)
		return st;
	st = out_commit(&r->rejected);
	if (st == RR_OK)
		st = out_commit(&r->json);
	if (st == RR_OK)
		st = out_commit(&r->sessions_csv);
	if (st == RR_OK) {
		if (o->rejected)
			say_written(r, o->rejected);
		if (o->json)
			say_written(r, o->json);
		if (o->sessions_csv)
			say_written(r, o->sessions_csv);
	}
	return st;
}

/* What can be wrong without reading the input, checked before reading it:
 * the zones, the catalog, the templates, the baseline. `catalog` is done
 * here. Returns RR_OK to go on, or the run's status, *done set when the
 * run is over. */
static int run_setup(struct run *r, int *done)
{
	const struct run_options *o = r->o;
	char err[512];
	int st;

	*done = 1;
	st = tz_open(o->tz, &r->tz, err, sizeof err);
	if (st == RR_OK)
		st = tz_open(o->input_tz ? o->input_tz : "UTC", &r->input_tz, err, sizeof err);
	if (st == RR_EUSAGE) {
		o->usage_error("%s", err);
		return RR_EUSAGE;
	}
	if (st == RR_OK)
		st = catalog_new(&r->cat);
	if (st == RR_OK && o->catalog) {
		err[0] = '\0';
		st = catalog_load(r->cat, o->catalog, err, sizeof err);
		if (st != RR_OK && st != RR_ENOMEM && err[0])
			fprintf(stderr, "%s: %s\n", r->name, err);
	}
	if (st != RR_OK)
		return st;
	if (o->cmd == RUN_REPORT && !o->no_html) {
		/* Templates first: a broken --templates DIR fails before any work. */
		err[0] = '\0';
		st = render_open(o->templates, &r->rd, err, sizeof err);
		if (st != RR_OK) {
			if (st != RR_ENOMEM && err[0])
				fprintf(stderr, "%s: %s\n", r->name, err);
			return st;
		}
	}
	if (o->cmd == RUN_CATALOG) {
		struct out out = { stdout, "-", r->name, NULL };

		return out_close(&out, catalog_write_csv(r->cat, stdout));
	}
	if (o->cmd == RUN_REPORT && o->nbaselines) {
		/* Read before the input, so a wrong file fails at once. */
		err[0] = '\0';
		st = baselines_read(o->baselines, o->nbaselines, &r->baseline, &r->baselines, err,
				    sizeof err);
		if (st != RR_OK) {
			if (st != RR_ENOMEM && err[0])
				fprintf(stderr, "%s: --baseline %s\n", r->name, err);
			return st;
		}
		r->have_baseline = 1;
	}
	*done = 0;
	return RR_OK;
}

/* The stages in order, after run_setup. */
static int run_stages(struct run *r)
{
	const struct run_options *o = r->o;
	struct sessions_options so;
	int st;

	sessions_options_init(&so);
	so.call_gap_ms = o->call_gap_ms;
	so.display_tz = r->tz;
	st = read_dataset(r);
	if (st == RR_OK)
		st = build_ranges(r, &so);
	if (st == RR_OK && o->cmd != RUN_EVENTS && o->nusers)
		st = user_calls_keep_companions(&r->ds, &r->model);
	if (st != RR_OK)
		return st;
	if (!o->quiet) {
		print_cuts(r);
		print_rejects(r);
	}
	st = refuse_input(r);
	if (st != RR_OK)
		return st;
	st = run_filter_check(o, r->seen, r->tz, r->filters, r->ds.counts.used, r->model.ncalls,
			      o->cmd == RUN_EVENTS);
	if (st == RR_EDATA)
		return out_commit(&r->rejected) == RR_OK ? RR_EDATA : RR_EIO;
	if (st != RR_OK)
		return st;
	if (o->cmd == RUN_EVENTS)
		return write_events(r);
	st = build_report(r);
	if (st == RR_OK)
		st = write_outputs(r);
	if (st == RR_OK && !o->quiet)
		print_summary(r);
	return st;
}

int run(const struct run_options *o)
{
	/* On the heap: the baseline tables make struct run a few hundred KB. */
	struct run *r = rr_calloc(1, sizeof *r);
	int st, done;

	if (!r)
		return RR_ENOMEM;
	r->o = o;
	r->name = o->name;
	st = run_setup(r, &done);
	if (st == RR_OK && !done)
		st = run_stages(r);
	/* Outputs not committed by now belong to a failed run. */
	out_discard(&r->rejected);
	out_discard(&r->json);
	out_discard(&r->sessions_csv);
	report_free(&r->rep);
	baselines_free(&r->baselines);
	model_free(&r->model);
	decode_stats_free(&r->dec);
	partition_close(r->part);     /* removes the temporary files */
	if (r->ds_ready)
		dataset_free(&r->ds);
	render_close(r->rd);
	catalog_free(r->cat);
	tz_free(r->tz);
	tz_free(r->input_tz);
	inputs_free(&r->in);
	filter_seen_free(r->seen);
	rr_free(r->user_ids);
	rr_free(r);
	return st;
}
