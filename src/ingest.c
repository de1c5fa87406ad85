/*
 * ingest — export files to dataset records (DESIGN §1).
 *
 * Reads the header once to map columns (case, '_', '-' and spaces ignored;
 * aliases folded), decides what kind of file it is, then turns each data row
 * into one fixed-size record or one rejection with file:line, reason and a
 * short detail. The per-row path allocates nothing except when the string
 * table meets a new room/user/peer/CommId: fields are read where the reader
 * left them, numbers and times are parsed in place.
 * Room, user, peer and CommId text is kept exactly as read (libcsv has only
 * trimmed spaces around unquoted fields).
 * Does not: decode IDs, sort or de-duplicate (later stages), or use user,
 * room and quality files yet (they are recognised and skipped with a note).
 */
#include "ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "csvout.h"
#include "reader.h"
#include "util.h"

enum col {
	COL_ROOM, COL_USER, COL_TIME, COL_EVENTTIME, COL_EVENTID, COL_P1, COL_P2,
	COL_TYPE, COL_PEER, COL_COMM, COL_SDKAPPID, COL_EXPID, COL_ABNID,
	/* Columns of the optional files, only used to recognise them. */
	COL_DATATYPE, COL_VALUE, COL_JOINTS, COL_LEAVETS, COL_DEVICETYPE,
	COL_SDKVERSION, COL_CLIENTIP, COL_FINISHED, COL_CREATETIME,
	COL_DESTROYTIME, COL_ISFINISHED,
	COL__COUNT
};

/* Canonical names, used in messages. */
static const char *const col_name[COL__COUNT] = {
	[COL_ROOM] = "RoomId", [COL_USER] = "UserId", [COL_TIME] = "Time",
	[COL_EVENTTIME] = "EventTime", [COL_EVENTID] = "EventId",
	[COL_P1] = "ParamOne", [COL_P2] = "ParamTwo", [COL_TYPE] = "Type",
	[COL_PEER] = "PeerId", [COL_COMM] = "CommId", [COL_SDKAPPID] = "SdkAppId",
	[COL_EXPID] = "ExperienceId", [COL_ABNID] = "AbnormalEventId",
	[COL_DATATYPE] = "DataType", [COL_VALUE] = "Value", [COL_JOINTS] = "JoinTs",
	[COL_LEAVETS] = "LeaveTs", [COL_DEVICETYPE] = "DeviceType",
	[COL_SDKVERSION] = "SdkVersion", [COL_CLIENTIP] = "ClientIp",
	[COL_FINISHED] = "Finished", [COL_CREATETIME] = "CreateTime",
	[COL_DESTROYTIME] = "DestroyTime", [COL_ISFINISHED] = "IsFinished",
};

/* Header names after normalisation (lower case, no '_' '-' ' '). */
static const struct {
	const char *norm;
	enum col col;
} aliases[] = {
	{ "roomid", COL_ROOM }, { "roomstr", COL_ROOM }, { "roomstring", COL_ROOM },
	{ "userid", COL_USER },
	{ "time", COL_TIME }, { "timestamp", COL_TIME },
	{ "eventtime", COL_EVENTTIME },
	{ "eventid", COL_EVENTID },
	{ "paramone", COL_P1 }, { "param1", COL_P1 },
	{ "paramtwo", COL_P2 }, { "param2", COL_P2 },
	{ "type", COL_TYPE },
	{ "peerid", COL_PEER },
	{ "commid", COL_COMM },
	{ "sdkappid", COL_SDKAPPID },
	{ "experienceid", COL_EXPID },
	{ "abnormaleventid", COL_ABNID },
	{ "datatype", COL_DATATYPE }, { "value", COL_VALUE },
	{ "joints", COL_JOINTS }, { "leavets", COL_LEAVETS },
	{ "devicetype", COL_DEVICETYPE }, { "sdkversion", COL_SDKVERSION },
	{ "clientip", COL_CLIENTIP }, { "finished", COL_FINISHED },
	{ "createtime", COL_CREATETIME }, { "destroytime", COL_DESTROYTIME },
	{ "isfinished", COL_ISFINISHED },
};

struct ctx {
	struct dataset *ds;
	const char *name;
	const struct ingest_options *o;
	uint16_t file;
	size_t ncols;
	int idx[COL__COUNT];        /* header position of each column, -1 = absent */
	signed char col_at[READER_MAX_FIELDS];  /* the reverse, for messages */
};

void ingest_options_init(struct ingest_options *o)
{
	memset(o, 0, sizeof *o);
	o->from_ms = INT64_MIN;
	o->to_ms = INT64_MAX;
}

int ingest_write_rejected_header(FILE *f)
{
	fputs("file,line,reason,detail,row\n", f);
	return ferror(f) ? RR_EIO : RR_OK;
}

/* ---- header ------------------------------------------------------------------ */

static int lookup_column(const char *s, size_t n)
{
	char norm[24];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '_' || c == '-' || c == ' ' || c == '\t')
			continue;
		if (k + 1 >= sizeof norm)
			return -1;
		norm[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	norm[k] = '\0';
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(norm, aliases[i].norm) == 0)
			return (int)aliases[i].col;
	}
	return -1;
}

/* Maps the header. Returns RR_OK or RR_ENOMEM (notes). */
static int map_header(struct ctx *c, const struct reader_record *h, int *known)
{
	*known = 0;
	for (int i = 0; i < COL__COUNT; i++)
		c->idx[i] = -1;
	memset(c->col_at, -1, sizeof c->col_at);
	c->ncols = h->nfields;
	for (size_t i = 0; i < h->nfields; i++) {
		int col = lookup_column(h->field[i], h->len[i]);
		if (col < 0)
			continue;
		(*known)++;
		if (c->idx[col] >= 0) {
			if (diag_note(&c->ds->diag, "%s: column %zu is another '%s'; the first one (column %d) is used",
				      c->name, i + 1, col_name[col], c->idx[col] + 1) != RR_OK)
				return RR_ENOMEM;
			continue;
		}
		c->idx[col] = (int)i;
		c->col_at[i] = (signed char)col;
	}
	return RR_OK;
}

static int has(const struct ctx *c, enum col col)
{
	return c->idx[col] >= 0;
}

/* The kind of optional file the header describes, or NULL. */
static const char *optional_kind(const struct ctx *c)
{
	if (has(c, COL_DATATYPE) && has(c, COL_VALUE))
		return "quality";
	if (has(c, COL_JOINTS) || has(c, COL_LEAVETS) || has(c, COL_DEVICETYPE) ||
	    has(c, COL_SDKVERSION) || has(c, COL_CLIENTIP) || has(c, COL_FINISHED))
		return "users";
	if (has(c, COL_CREATETIME) || has(c, COL_DESTROYTIME) || has(c, COL_ISFINISHED))
		return "rooms";
	return NULL;
}

/* The first required column the header lacks for the row kinds it allows,
 * or -1. *kind names that kind. */
static int missing_column(const struct ctx *c, const char **kind)
{
	static const enum col ev_req[] = { COL_ROOM, COL_USER, COL_TIME, COL_EVENTID };

	if (has(c, COL_EVENTID) || !(has(c, COL_EXPID) || has(c, COL_ABNID))) {
		*kind = "event";
		for (size_t i = 0; i < sizeof ev_req / sizeof ev_req[0]; i++) {
			if (!has(c, ev_req[i]))
				return (int)ev_req[i];
		}
	}
	if (has(c, COL_EXPID) || has(c, COL_ABNID)) {
		*kind = "abnormal";
		if (!has(c, COL_ROOM))
			return COL_ROOM;
		if (!has(c, COL_USER))
			return COL_USER;
		if (!has(c, COL_EVENTTIME) && !has(c, COL_TIME))
			return COL_EVENTTIME;
	}
	return -1;
}

/* ---- values ------------------------------------------------------------------ */

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

enum num_result { NUM_OK, NUM_BAD, NUM_RANGE };

/* A decimal integer with optional sign and surrounding spaces, within
 * [lo, hi]. */
static enum num_result parse_int(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	int neg = 0, big = 0;
	int64_t v = 0;
	size_t i = 0;

	trim(&s, &n);
	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return NUM_BAD;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NUM_BAD;
		if (v > 100000000000LL)
			big = 1;        /* keep scanning: a later letter makes it "not a number" */
		else
			v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (big || v < lo || v > hi)
		return NUM_RANGE;
	*out = v;
	return NUM_OK;
}

/* Copies at most 40 bytes of a value for a message, cut on a UTF-8 boundary. */
static void quote_value(char *out, size_t size, const char *s, size_t n)
{
	size_t k = n;

	if (k > 40) {
		k = 40;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
	}
	snprintf(out, size, "\"%.*s%s\"", (int)k, s, k < n ? "..." : "");
}

/* ---- rows ------------------------------------------------------------------ */

static int reject(struct ctx *c, const struct reader_record *rec, enum diag_reason why,
		  const char *detail)
{
	FILE *f = c->o->rejected;

	c->ds->counts.rejected++;
	if (diag_reject(&c->ds->diag, c->name, rec->line, why, detail) != RR_OK)
		return RR_ENOMEM;
	if (f) {
		csv_field_str(f, c->name, 1);
		csv_field_int(f, (int64_t)rec->line, 0);
		csv_field_str(f, diag_reason_code(why), 0);
		csv_field_str(f, detail, 0);
		csv_field(f, rec->raw ? rec->raw : "", rec->raw ? rec->raw_len : 0, 0);
		csv_end(f);
		if (ferror(f))
			return RR_EIO;
	}
	return RR_OK;
}

/* A column's cell, or empty when the file has no such column. */
static void cell(const struct ctx *c, const struct reader_record *rec, enum col col,
		 const char **s, size_t *n)
{
	int i = c->idx[col];

	if (i < 0) {
		*s = "";
		*n = 0;
	} else {
		*s = rec->field[i];
		*n = rec->len[i];
	}
}

static int is_blank(const char *s, size_t n)
{
	trim(&s, &n);
	return n == 0;
}

/* Parses an integer column into *v (dflt when blank). Returns -1 when done,
 * else the reason to reject with, detail filled. */
static int int_column(const struct ctx *c, const struct reader_record *rec, enum col col,
		      int64_t lo, int64_t hi, int64_t dflt, enum diag_reason bad,
		      int64_t *v, char *detail, size_t dsize)
{
	const char *s;
	size_t n;
	char q[64];
	enum num_result r;

	cell(c, rec, col, &s, &n);
	if (is_blank(s, n)) {
		*v = dflt;
		return -1;
	}
	r = parse_int(s, n, lo, hi, v);
	if (r == NUM_OK)
		return -1;
	quote_value(q, sizeof q, s, n);
	snprintf(detail, dsize, "%s %s %s", col_name[col], q,
		 r == NUM_BAD ? "is not a number" : "is out of range");
	return r == NUM_BAD ? (int)bad : (int)REJ_RANGE;
}

static int matches(const char *s, size_t n, const char *const *list, size_t nlist)
{
	for (size_t i = 0; i < nlist; i++) {
		if (list[i] && strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	}
	return 0;
}

/* "column 3 (RoomId)", or "column 3" for a column ingest does not use. */
static void column_label(const struct ctx *c, size_t i, char *out, size_t size)
{
	if (i < READER_MAX_FIELDS && c->col_at[i] >= 0)
		snprintf(out, size, "column %zu (%s)", i + 1, col_name[(int)c->col_at[i]]);
	else
		snprintf(out, size, "column %zu", i + 1);
}

/* 1 when the n bytes at s hold neither NUL nor a byte >= 0x80: then every
 * field is valid UTF-8 without NUL and the per-field checks are skipped.
 * Most rows are like that. */
static int plain_ascii(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char any_high = 0;

	if (memchr(s, '\0', n))
		return 0;
	for (size_t i = 0; i < n; i++)
		any_high |= p[i];
	return !(any_high & 0x80);
}

/* NUL and UTF-8 checks per field. Returns 1 and fills detail and *why when
 * the row must be rejected. */
static int bad_bytes(const struct ctx *c, const struct reader_record *rec,
		     enum diag_reason *why, char *detail, size_t dsize)
{
	char lab[48];

	for (size_t i = 0; i < rec->nfields; i++) {
		if (memchr(rec->field[i], '\0', rec->len[i])) {
			column_label(c, i, lab, sizeof lab);
			snprintf(detail, dsize, "NUL byte in %s", lab);
			*why = REJ_NUL;
			return 1;
		}
	}
	for (size_t i = 0; i < rec->nfields; i++) {
		if (!utf8_valid(rec->field[i], rec->len[i])) {
			column_label(c, i, lab, sizeof lab);
			snprintf(detail, dsize, "invalid UTF-8 in %s", lab);
			*why = REJ_BAD_UTF8;
			return 1;
		}
	}
	return 0;
}

static int row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160];
	struct record r;
	const char *room, *user, *comm, *peer, *ts;
	size_t nroom, nuser, ncomm, npeer, nts;
	enum col tcol;
	enum diag_reason bad;
	int64_t v1, v2, v3;
	int why, rc;

	memset(&r, 0, sizeof r);
	if (rec->nfields != c->ncols) {
		snprintf(detail, sizeof detail, "%zu fields, the header has %zu",
			 rec->nfields, c->ncols);
		return reject(c, rec, REJ_RAGGED, detail);
	}
	if (!plain_ascii(rec->raw, rec->raw_len) &&
	    bad_bytes(c, rec, &bad, detail, sizeof detail))
		return reject(c, rec, bad, detail);

	{
		const char *s;
		size_t n;
		cell(c, rec, COL_EVENTID, &s, &n);
		if (!is_blank(s, n)) {
			r.kind = REC_EVENT;
		} else {
			const char *s2;
			size_t n2;
			cell(c, rec, COL_EXPID, &s, &n);
			cell(c, rec, COL_ABNID, &s2, &n2);
			if (is_blank(s, n) && is_blank(s2, n2))
				return reject(c, rec, REJ_MISSING,
					      "no EventId, ExperienceId or AbnormalEventId");
			r.kind = REC_ABNORMAL;
		}
	}
	cell(c, rec, COL_ROOM, &room, &nroom);
	cell(c, rec, COL_USER, &user, &nuser);
	if (nroom == 0)
		return reject(c, rec, REJ_MISSING, "RoomId is empty");
	if (nuser == 0)
		return reject(c, rec, REJ_MISSING, "UserId is empty");

	if (r.kind == REC_EVENT) {
		if ((why = int_column(c, rec, COL_EVENTID, 0, INT32_MAX, 0, REJ_BAD_ID,
				      &v1, detail, sizeof detail)) >= 0 ||
		    (why = int_column(c, rec, COL_P1, INT32_MIN, INT32_MAX, -1, REJ_BAD_PARAM,
				      &v2, detail, sizeof detail)) >= 0 ||
		    (why = int_column(c, rec, COL_P2, INT32_MIN, INT32_MAX, -1, REJ_BAD_PARAM,
				      &v3, detail, sizeof detail)) >= 0)
			return reject(c, rec, (enum diag_reason)why, detail);
		r.id = (int32_t)v1;
		r.p1 = (int32_t)v2;
		r.p2 = (int32_t)v3;
		if ((why = int_column(c, rec, COL_TYPE, INT8_MIN, INT8_MAX, -1, REJ_BAD_PARAM,
				      &v1, detail, sizeof detail)) >= 0)
			return reject(c, rec, (enum diag_reason)why, detail);
		r.stream = (int8_t)v1;
		tcol = COL_TIME;
	} else {
		if ((why = int_column(c, rec, COL_EXPID, 0, INT32_MAX, 0, REJ_BAD_ID,
				      &v1, detail, sizeof detail)) >= 0 ||
		    (why = int_column(c, rec, COL_ABNID, 0, INT32_MAX, -1, REJ_BAD_ID,
				      &v2, detail, sizeof detail)) >= 0)
			return reject(c, rec, (enum diag_reason)why, detail);
		r.id = (int32_t)v1;
		r.p1 = (int32_t)v2;
		r.p2 = -1;
		r.stream = -1;
		tcol = COL_EVENTTIME;
		cell(c, rec, COL_EVENTTIME, &ts, &nts);
		if (is_blank(ts, nts) && has(c, COL_TIME))
			tcol = COL_TIME;
	}
	cell(c, rec, tcol, &ts, &nts);
	if (is_blank(ts, nts)) {
		snprintf(detail, sizeof detail, "%s is empty", col_name[tcol]);
		return reject(c, rec, REJ_BAD_TIME, detail);
	}
	if (tz_parse_time(c->o->input_tz, ts, nts, &r.time_ms) != 0) {
		char q[64];
		quote_value(q, sizeof q, ts, nts);
		snprintf(detail, sizeof detail, "%s %s is not a time", col_name[tcol], q);
		return reject(c, rec, REJ_BAD_TIME, detail);
	}
	/* TRTC exports cannot hold such times; a number this far off is a unit
	 * or column mix-up, not a call. */
	if (r.time_ms < INGEST_MIN_TIME_MS || r.time_ms >= INGEST_MAX_TIME_MS) {
		char q[64];
		quote_value(q, sizeof q, ts, nts);
		snprintf(detail, sizeof detail, "%s %s is outside 2000-2099", col_name[tcol], q);
		return reject(c, rec, REJ_BAD_TIME, detail);
	}

	if ((c->o->nrooms && !matches(room, nroom, c->o->rooms, c->o->nrooms)) ||
	    (c->o->nusers && !matches(user, nuser, c->o->users, c->o->nusers)) ||
	    r.time_ms < c->o->from_ms || r.time_ms >= c->o->to_ms) {
		c->ds->counts.filtered++;
		return RR_OK;
	}

	cell(c, rec, COL_COMM, &comm, &ncomm);
	cell(c, rec, COL_PEER, &peer, &npeer);
	if ((rc = strtab_intern(c->ds->strs, room, nroom, &r.room)) != RR_OK ||
	    (rc = strtab_intern(c->ds->strs, user, nuser, &r.user)) != RR_OK ||
	    (rc = strtab_intern(c->ds->strs, comm, ncomm, &r.comm)) != RR_OK ||
	    (rc = strtab_intern(c->ds->strs, peer, npeer, &r.peer)) != RR_OK)
		return rc;
	r.file = c->file;
	return dataset_append(c->ds, &r);
}

/* ---- files ------------------------------------------------------------------ */

static int read_failed(struct reader *r, const char *name, char *err, size_t errlen)
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

/* Reads the rest of an optional file only to count its rows. */
static int skip_file(struct ctx *c, struct reader *r, const char *kind, char *err, size_t errlen)
{
	struct reader_record rec;
	enum reader_status st;
	uint64_t rows = 0;
	int rc;

	while ((st = reader_next(r, &rec)) == READER_ROW || st == READER_BAD)
		rows++;
	if (st == READER_ERROR)
		return read_failed(r, c->name, err, errlen);
	rc = register_file(c, err, errlen);
	if (rc != RR_OK)
		return rc;
	if (diag_note(&c->ds->diag, "%s: %s file: not used yet (%llu rows skipped)",
		      c->name, kind, (unsigned long long)rows) != RR_OK)
		return RR_ENOMEM;
	return RR_OK;
}

static enum diag_reason bad_reason(enum reader_bad b)
{
	return b == READER_BAD_QUOTE ? REJ_BAD_QUOTE : REJ_LONG_FIELD;
}

static const char *bad_detail(enum reader_bad b)
{
	switch (b) {
	case READER_BAD_QUOTE:
		return "stray or unterminated quote";
	case READER_BAD_WIDE:
		return "more than 1024 fields";
	case READER_BAD_LONG:
		break;
	}
	return "a field over 65536 bytes or a row over 1 MiB";
}

static int ingest_reader(struct dataset *ds, const char *name, struct reader *r,
			 const struct ingest_options *o, char *err, size_t errlen)
{
	struct ctx c;
	struct reader_record rec;
	enum reader_status st;
	const char *kind = NULL;
	uint64_t rows = 0;
	int known, miss, rc;

	memset(&c, 0, sizeof c);
	c.ds = ds;
	c.name = name;
	c.o = o;

	st = reader_next(r, &rec);
	if (st == READER_ERROR)
		return read_failed(r, name, err, errlen);
	if (st == READER_EOF) {
		rc = register_file(&c, err, errlen);
		if (rc == RR_OK && diag_note(&ds->diag, "%s: no data rows", name) != RR_OK)
			rc = RR_ENOMEM;
		return rc;
	}
	if (st == READER_BAD) {
		if (err && errlen)
			snprintf(err, errlen, "%s: line %llu: cannot read the header (%s)", name,
				 (unsigned long long)rec.line, bad_detail(rec.bad_reason));
		return RR_EDATA;
	}
	if (map_header(&c, &rec, &known) != RR_OK)
		return RR_ENOMEM;
	if (!has(&c, COL_EVENTID) && !has(&c, COL_EXPID) && !has(&c, COL_ABNID)) {
		const char *opt = optional_kind(&c);
		if (opt)
			return skip_file(&c, r, opt, err, errlen);
		if (!known) {
			if (err && errlen)
				snprintf(err, errlen,
					 "%s: no known column (expected RoomId, UserId, Time, EventId, ...)",
					 name);
			return RR_EDATA;
		}
	}
	miss = missing_column(&c, &kind);
	if (miss >= 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: missing required column '%s' for %s rows", name,
				 col_name[miss], kind);
		return RR_EDATA;
	}
	rc = register_file(&c, err, errlen);
	if (rc != RR_OK)
		return rc;

	while ((st = reader_next(r, &rec)) != READER_EOF) {
		if (st == READER_ERROR)
			return read_failed(r, name, err, errlen);
		ds->counts.rows++;
		rows++;
		if (st == READER_BAD)
			rc = reject(&c, &rec, bad_reason(rec.bad_reason), bad_detail(rec.bad_reason));
		else
			rc = row(&c, &rec);
		if (rc != RR_OK) {
			if (err && errlen && rc == RR_EDATA)
				snprintf(err, errlen, "%s:%" PRIu64 ": more than %u distinct IDs or %u MiB "
					 "of ID text (rooms, users, peers, CommIds); split the input",
					 name, rec.line, STRTAB_MAX_STRINGS, STRTAB_MAX_BYTES >> 20);
			else if (err && errlen)
				snprintf(err, errlen, "%s: %s", name,
					 rc == RR_EIO ? "cannot write the rejected rows" : "out of memory");
			return rc;
		}
	}
	if (rows == 0 && diag_note(&ds->diag, "%s: no data rows", name) != RR_OK)
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
	rc = ingest_reader(ds, path, r, o, err, errlen);
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
	rc = ingest_reader(ds, name, r, o, err, errlen);
	reader_close(r);
	return rc;
}
