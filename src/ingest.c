/*
 * ingest — export files to dataset records (DESIGN §1): opening a file,
 * checking its header, and reading its rows, a big plain file in parts on
 * several threads.
 *
 * The family: ingest_header.c maps the header's columns; ingest_fast.c reads
 * the rows, the common shape in one pass; ingest_row.c turns any other row
 * into one fixed-size record or one rejection with file:line, reason and a
 * short detail. The per-row path allocates nothing except when the string
 * table meets a new room/user/peer/CommId: fields are read where the reader
 * left them, numbers and times are parsed in place. Room, user, peer and
 * CommId text is kept exactly as read (libcsv has only trimmed spaces around
 * unquoted fields). Companion files (users, rooms, quality samples) go
 * through the same record checks (field count, NUL, UTF-8), rejections and
 * filters, and become their own dataset rows.
 * Does not: decode IDs, sort or de-duplicate (later stages), or link
 * companion rows to calls (companion).
 */
#include "ingest_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "filter_seen.h"
#include "parallel.h"

void ingest_options_init(struct ingest_options *o)
{
	memset(o, 0, sizeof *o);
	o->from_ms = INT64_MIN;
	o->to_ms = INT64_MAX;
	o->part_min_bytes = INGEST_PART_MIN_BYTES;
	o->one_thread_above = UINT64_MAX;
}

/* passes() telling o->seen what the filters met: every --room and --user
 * value a row names, whatever the other filters say, and the rows left
 * out. The same answer as passes() without it. */
int ingest_passes_seen(const struct ingest_options *o, const char *room, size_t nroom,
		       const char *user, size_t nuser, int64_t t)
{
	int keep = 1;

	if (room && o->nrooms) {
		keep = 0;
		for (size_t i = 0; i < o->nrooms; i++)
			if (o->rooms[i] && strlen(o->rooms[i]) == nroom &&
			    memcmp(o->rooms[i], room, nroom) == 0) {
				filter_seen_room_hit(o->seen, i);
				keep = 1;
			}
	}
	if (user && o->nusers) {
		int named = 0;

		for (size_t i = 0; i < o->nusers; i++)
			if (o->users[i] && strlen(o->users[i]) == nuser &&
			    memcmp(o->users[i], user, nuser) == 0) {
				filter_seen_user_hit(o->seen, i);
				named = 1;
			}
		keep = keep && (named || o->users_whole_calls);
		/* Kept for the whole calls, but the input's users are said. */
		if (!named && keep && o->users_whole_calls)
			filter_seen_out(o->seen, NULL, 0, user, nuser, RR_NONE);
	}
	if (t != RR_NONE && (t < o->from_ms || t >= o->to_ms))
		keep = 0;
	if (!keep)
		filter_seen_out(o->seen, room, nroom, user, nuser, t);
	return keep;
}

int ingest_write_rejected_header(FILE *f)
{
	fputs("file,line,reason,detail,row\n", f);
	return ferror(f) ? RR_EIO : RR_OK;
}

/* ---- files ------------------------------------------------------------------ */

/* Cache entries per byte of file: about one user per 1 KiB and one other
 * ID per 4 KiB (an event row is about 100 bytes), at least 16 of each. */
#define CACHE_USER_BYTES 1024
#define CACHE_OTHER_BYTES 4096
#define CACHE_MIN_WAYS 16

/* The power of two of at least bytes / per entries, from CACHE_MIN_WAYS to
 * max. */
static uint32_t cache_ways(uint64_t bytes, uint64_t per, uint32_t max)
{
	uint32_t w = CACHE_MIN_WAYS;

	while (w < max && (uint64_t)w * per < bytes)
		w *= 2;
	return w;
}

void ingest_caches_init(struct ctx *c, uint64_t bytes)
{
	uint32_t user = cache_ways(bytes, CACHE_USER_BYTES, LAST_USER_WAYS);
	uint32_t other = cache_ways(bytes, CACHE_OTHER_BYTES, LAST_WAYS);

	c->last_user_mask = user - 1;
	c->last_mask = other - 1;
	memset(c->last_user, 0, user * sizeof *c->last_user);
	for (size_t k = 0; k < sizeof c->last / sizeof *c->last; k++)
		memset(c->last[k], 0, other * sizeof *c->last[k]);
}

int ingest_read_failed(struct reader *r, const char *name, char *err, size_t errlen)
{
	int st = reader_error_status(r);

	if (err && errlen)
		snprintf(err, errlen, "%s: %s", name, reader_error(r) ? reader_error(r) : "read error");
	return st == RR_OK ? RR_EIO : st;
}

static int register_file(struct ctx *c, char *err, size_t errlen)
{
	int rc = dataset_add_file(c->ds, c->name, &c->file);

	if (rc == RR_EDATA && err && errlen)
		snprintf(err, errlen, "%s: too many input files", c->name);
	return rc;
}

/* Where a part of the input comes from: a path, or a buffer (ingest_mem). */
struct source {
	const char *path;
	const void *buf;
	size_t len;
};

static int open_part(const struct source *src, uint64_t offset, uint64_t first_line,
		     struct reader **out, char *err, size_t errlen)
{
	if (src->path)
		return reader_open_file_part(src->path, offset, first_line, out, err, errlen);
	return reader_open_mem_part(src->buf, src->len, (size_t)offset, first_line, out, err, errlen);
}

/*
 * One part of a file read into its own dataset. Its line numbers count from
 * 1 at its first byte; dataset_absorb shifts them. It stops where the next
 * part starts (or at the end), like ingest_read_rows.
 */
struct part {
	struct ctx c;
	struct dataset ds;
	const struct source *src;
	const uint64_t *splits;
	size_t nsplits;
	size_t index;            /* starts at splits[index] */
	size_t stopped;          /* where it stopped: a split index or nsplits */
	uint64_t lines;          /* physical lines it consumed */
	int rc;
};

static void part_read(struct part *p)
{
	struct reader *r;
	char err[256];

	p->rc = open_part(p->src, p->splits[p->index], 1, &r, err, sizeof err);
	if (p->rc != RR_OK)
		return;
	p->rc = ingest_read_rows(&p->c, r, p->splits, p->nsplits, p->index + 1, &p->stopped,
			  err, sizeof err);
	p->lines = reader_line(r) - 1;
	reader_close(r);
}

/* The fan-out of read_parallel: part 0 is the first reader, on the calling
 * thread, reading into the file's own dataset; part k > 0 is parts[k - 1]. */
struct fanout {
	struct ctx *c;
	struct reader *r;
	const uint64_t *splits;
	size_t nsplits;
	size_t cur;              /* where the first reader stopped */
	int rc;                  /* the first reader's outcome */
	char *err;
	size_t errlen;
	struct part *parts;
};

static void fanout_run(void *arg, unsigned k)
{
	struct fanout *f = arg;

	if (k == 0)
		f->rc = ingest_read_rows(f->c, f->r, f->splits, f->nsplits, 0, &f->cur, f->err, f->errlen);
	else if (f->parts[k - 1].rc == RR_OK)
		part_read(&f->parts[k - 1]);
}

/* Parts for a file of `bytes` bytes of rows: o->threads (0: the online
 * processors), at most INGEST_MAX_THREADS, none under o->part_min_bytes. */
static unsigned part_count(const struct ingest_options *o, uint64_t bytes)
{
	uint64_t min = o->part_min_bytes ? o->part_min_bytes : 1;

	/* One part without asking how many cores there are (a system call or
	 * three: per file, it would show in a folder of 20,000 small ones). */
	if (bytes / min < 2)
		return 1;
	return parallel_parts(o->threads, INGEST_MAX_THREADS, (size_t)(bytes / min), 1);
}

/*
 * Reads the data rows of a plain event/abnormal file on several threads.
 * The input after the header is cut just after an LF near each k/n of it.
 * An LF can sit inside a quoted field, so a cut is only trusted when the
 * reader of the part before it lands exactly on it: that reader is the
 * sequential one up to there, and the reader carries nothing but the offset
 * and line number from one record to the next (reader_tell), so the part
 * read from the cut holds exactly the records the sequential reader would
 * have read. A part whose cut is passed over is dropped and the part before
 * reads on through it. The calling thread reads the first part into ds
 * itself (parallel_for's part 0); the others are absorbed in order, their
 * line numbers shifted. A part that failed (a read error, or the string
 * table's limits, whose message needs the right line) is read again on this
 * thread from its cut, which gives the sequential reader's outcome and
 * message.
 */
static int read_parallel(struct ctx *c, struct reader *r, const struct source *src,
			 uint64_t size, unsigned nparts, char *err, size_t errlen)
{
	uint64_t splits[INGEST_MAX_THREADS];
	struct part parts[INGEST_MAX_THREADS];
	uint64_t begin = reader_tell(r), base;
	size_t nsplits = 0, cur;
	struct fanout f;
	int rc = RR_OK;

	for (unsigned k = 1; k < nparts; k++) {
		uint64_t at;

		if (reader_next_line_start(r, begin + (size - begin) / nparts * k, &at) != RR_OK)
			break;
		if (at < size && (nsplits == 0 || at > splits[nsplits - 1]))
			splits[nsplits++] = at;
	}
	memset(parts, 0, sizeof parts);
	for (size_t k = 0; k < nsplits; k++) {
		struct part *p = &parts[k];

		p->c = *c;
		p->src = src;
		p->splits = splits;
		p->nsplits = nsplits;
		p->index = k;
		p->rc = dataset_init(&p->ds);
		p->c.ds = &p->ds;
		ingest_caches_init(&p->c, size);   /* ids of another table */
		p->c.lead_len = 0;
	}
	f = (struct fanout){ .c = c, .r = r, .splits = splits, .nsplits = nsplits,
			     .err = err, .errlen = errlen, .parts = parts };
	parallel_for((unsigned)nsplits + 1, fanout_run, &f);
	rc = f.rc;
	cur = f.cur;
	base = reader_line(r) - 1;
	while (rc == RR_OK && cur < nsplits) {
		struct part *p = &parts[cur];

		if (p->rc == RR_OK)
			rc = dataset_absorb(c->ds, &p->ds, base);
		if (p->rc != RR_OK || rc == RR_EDATA) {
			struct reader *again;

			rc = open_part(src, splits[cur], base + 1, &again, err, errlen);
			if (rc == RR_OK) {
				rc = ingest_read_rows(c, again, NULL, 0, 0, &cur, err, errlen);
				reader_close(again);
			}
			break;
		}
		if (rc != RR_OK) {
			if (err && errlen)
				snprintf(err, errlen, "%s: out of memory", c->name);
			break;
		}
		base += p->lines;
		cur = p->stopped;
	}
	for (size_t k = 0; k < nsplits; k++)
		dataset_free(&parts[k].ds);
	return rc;
}

/* The error for a refused header that looks like another kind of file
 * (ingest_header_misfit); 0 when it looks like none, and the caller words
 * its own. */
static int misfit_error(const char *name, const struct reader_record *rec,
			const struct reader_record *h, char *err, size_t errlen)
{
	unsigned long long line = (unsigned long long)rec->line;

	switch (ingest_header_misfit(rec->raw, rec->raw_len, h)) {
	case MISFIT_JSON:
		snprintf(err, errlen, "%s: this is JSON: the run's own JSON goes to --baseline",
			 name);
		return 1;
	case MISFIT_SEMICOLON:
		snprintf(err, errlen, "%s:%llu: looks ';'-separated; only ',' is read", name, line);
		return 1;
	case MISFIT_TAB:
		snprintf(err, errlen, "%s:%llu: looks tab-separated; only ',' is read", name, line);
		return 1;
	case MISFIT_SESSIONS_CSV:
		snprintf(err, errlen, "%s:%llu: this looks like roomreport's own --sessions-csv "
			 "output, not an export", name, line);
		return 1;
	case MISFIT_NONE:
		break;
	}
	return 0;
}

/* Records the file's rows (those counted since `rows` and, of them,
 * rejected as cut off since `cut_rows`) and where it was cut, if it was
 * (reader_cut). */
static int file_read(struct ctx *c, struct reader *r, uint64_t rows, uint64_t cut_rows)
{
	const struct diag *d = &c->ds->diag;
	struct diag_file f = { .rows = c->ds->counts.rows - rows, .cut_at = UINT64_MAX };

	f.cut = reader_cut(r, &f.cut_at);
	f.cut_row = d->count[REJ_CUT] > cut_rows;
	return diag_file_read(&c->ds->diag, c->file, &f);
}

static int ingest_reader(struct dataset *ds, const char *name, struct reader *r,
			 const struct source *src, const struct ingest_options *o,
			 char *err, size_t errlen)
{
	struct ctx c;
	struct reader_record rec;
	enum reader_status st;
	const char *kind = NULL;
	uint64_t rows = ds->counts.rows, cut_rows = ds->diag.count[REJ_CUT], size;
	size_t stopped;
	unsigned nparts = 1;
	int known, miss, rc;

	memset(&c, 0, offsetof(struct ctx, last_mask));   /* the caches: below */
	c.ds = ds;
	c.name = name;
	c.o = o;

	reader_keep_cut(r, 1);
	st = reader_next(r, &rec);
	if (st == READER_ERROR)
		return ingest_read_failed(r, name, err, errlen);
	if (st == READER_EOF || (st == READER_BAD && rec.bad_reason == READER_BAD_CUT)) {
		/* Empty, or cut before the header's end: no row to read. */
		rc = register_file(&c, err, errlen);
		if (rc == RR_OK)
			rc = file_read(&c, r, rows, cut_rows);
		if (rc == RR_OK && diag_note(&ds->diag, "%s: no data rows", name) != RR_OK)
			rc = RR_ENOMEM;
		return rc;
	}
	if (st == READER_BAD) {
		if (err && errlen && !misfit_error(name, &rec, NULL, err, errlen))
			snprintf(err, errlen, "%s: line %llu: cannot read the header (%s)", name,
				 (unsigned long long)rec.line, ingest_bad_detail(rec.bad_reason));
		return RR_EDATA;
	}
	if (ingest_map_header(&c, &rec, &known) != RR_OK)
		return RR_ENOMEM;
	if (!has(&c, COL_EVENTID) && !has(&c, COL_EXPID) && !has(&c, COL_ABNID)) {
		c.kind = ingest_companion_kind(&c);
		if (c.kind == FK_RECORDS && !known) {
			if (err && errlen && !misfit_error(name, &rec, &rec, err, errlen))
				snprintf(err, errlen,
					 "%s: no known column (expected RoomId, UserId, Time, EventId, ...)",
					 name);
			return RR_EDATA;
		}
	}
	miss = ingest_missing_column(&c, &kind);
	if (miss >= 0) {
		if (err && errlen && !misfit_error(name, &rec, &rec, err, errlen))
			snprintf(err, errlen, "%s: missing required column '%s' for %s rows", name,
				 ingest_col_name[miss], kind);
		return RR_EDATA;
	}
	rc = register_file(&c, err, errlen);
	if (rc != RR_OK)
		return rc;
	if (c.kind != FK_RECORDS)
		ds->companion_files[c.kind == FK_USERS ? COMPANION_USERS : c.kind == FK_ROOMS
				    ? COMPANION_ROOMS : COMPANION_QUALITY]++;
	ingest_plan_columns(&c);
	ingest_caches_init(&c, reader_is_plain(r, &size) ? size : UINT64_MAX);

	/* Companion files are small next to the event lists, and the rejected
	 * rows go to one stream in input order: both stay on one thread. */
	if (src && c.kind == FK_RECORDS && !o->rejected && reader_is_plain(r, &size) &&
	    size <= o->one_thread_above)
		nparts = part_count(o, size - reader_tell(r));
	if (nparts > 1)
		rc = read_parallel(&c, r, src, size, nparts, err, errlen);
	else
		rc = ingest_read_rows(&c, r, NULL, 0, 0, &stopped, err, errlen);
	if (rc == RR_OK)
		rc = file_read(&c, r, rows, cut_rows);
	if (rc != RR_OK)
		return rc;
	if (ds->counts.rows == rows && diag_note(&ds->diag, "%s: no data rows", name) != RR_OK)
		return RR_ENOMEM;
	return RR_OK;
}

int ingest_file(struct dataset *ds, const char *path,
		const struct ingest_options *o, char *err, size_t errlen)
{
	struct reader *r;
	int rc = reader_open_file(path, &r, err, errlen);

	if (rc != RR_OK)
		return rc;
	{
		struct source src = { path, NULL, 0 };

		rc = ingest_reader(ds, path, r, strcmp(path, "-") ? &src : NULL, o, err, errlen);
	}
	reader_close(r);
	return rc;
}

int ingest_mem(struct dataset *ds, const char *name, const void *buf, size_t len,
	       const struct ingest_options *o, char *err, size_t errlen)
{
	struct reader *r;
	char why[200];
	int rc = reader_open_mem(buf, len, &r, why, sizeof why);

	if (rc != RR_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", name, why);
		return rc;
	}
	{
		struct source src = { NULL, buf, len };

		rc = ingest_reader(ds, name, r, &src, o, err, errlen);
	}
	reader_close(r);
	return rc;
}
