/*
 * ingest_row — one data record to one dataset row, the general way: the
 * values (integers, times, flags, quality values) parsed from the fields the
 * reader split, the row checks (field count, NUL, UTF-8), the filters, and
 * the rejections with file:line, reason and a short detail. Every row the
 * column-specialised parser (ingest_fast.c) does not take comes here, and
 * this is the reference it is held to.
 * Does not: read the input (reader), map the header (ingest_header.c), or
 * decide which rows take the fast way (ingest_fast.c).
 */
#include "ingest_int.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"

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

/* The shape nearly every exported number has: an optional '-' and at most
 * 11 digits, nothing around them. Returns 1 with *out set for those; the
 * caller takes every other spelling (spaces, '+', blank, junk) through
 * parse_int, which gives the same value for these. */
static inline int quick_int(const char *s, size_t n, int64_t *out)
{
	size_t i = s[0] == '-';
	int64_t v = 0;

	if (n <= i || n > 11)
		return 0;
	for (size_t k = i; k < n; k++) {
		unsigned d = (unsigned)((unsigned char)s[k] - '0');

		if (d > 9)
			return 0;
		v = v * 10 + d;
	}
	*out = i ? -v : v;
	return 1;
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

/* Finished / IsFinished: 1, 0, or -1 when blank; -2 when not a yes/no word. */
static int parse_flag(const char *s, size_t n)
{
	static const struct {
		const char *word;
		int v;
	} words[] = { { "true", 1 }, { "1", 1 }, { "yes", 1 },
		      { "false", 0 }, { "0", 0 }, { "no", 0 } };
	char low[8];

	trim(&s, &n);
	if (n == 0)
		return -1;
	if (n >= sizeof low)
		return -2;
	for (size_t i = 0; i < n; i++)
		low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(low, words[i].word) == 0)
			return words[i].v;
	}
	return -2;
}

/* Exact powers of ten as doubles (all below 2^53 * 2^22 are exact). */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * A quality Value: [sign] digits [. digits] [e [sign] digits], with at least
 * one digit before the exponent, surrounding spaces allowed. The syntax is
 * checked here, so "inf", "nan" and hex floats never reach strtod.
 * Most values ("12", "0.35", "1350.5") take the fast path: an integer
 * mantissa below 2^53 divided by an exact power of ten, which is the
 * correctly rounded double, as strtod would give. Others (exponents, long
 * mantissas) go to strtod on a bounded NUL-terminated copy; the program never
 * calls setlocale, so strtod's decimal point is '.'. Either way the double is
 * then rounded to float, so both paths agree.
 */
static enum num_result parse_value(const char *s, size_t n, float *out)
{
	size_t i = 0, ndig = 0, nfrac = 0;
	uint64_t mant = 0;
	int neg = 0, exact = 1;
	double d;

	trim(&s, &n);
	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ndig++) {
		if (mant < (1ULL << 53) / 10)
			mant = mant * 10 + (uint64_t)(s[i] - '0');
		else
			exact = 0;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, ndig++, nfrac++) {
			if (mant < (1ULL << 53) / 10)
				mant = mant * 10 + (uint64_t)(s[i] - '0');
			else
				exact = 0;
		}
	}
	if (ndig == 0)
		return NUM_BAD;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e0;
		exact = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		e0 = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == e0)
			return NUM_BAD;
	}
	if (i != n)
		return NUM_BAD;
	if (exact && nfrac < sizeof pow10_exact / sizeof pow10_exact[0]) {
		d = (double)mant / pow10_exact[nfrac];
		if (neg)
			d = -d;
	} else {
		char buf[64];
		if (n >= sizeof buf)
			return NUM_RANGE;
		memcpy(buf, s, n);
		buf[n] = '\0';
		d = strtod(buf, NULL);
	}
	if (!isfinite(d) || d > FLT_MAX || d < -FLT_MAX)
		return NUM_RANGE;
	*out = (float)d;
	return NUM_OK;
}

/* ---- rows ------------------------------------------------------------------ */

int ingest_reject(struct ctx *c, const struct reader_record *rec, enum diag_reason why,
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
	if (quick_int(s, n, v) && *v >= lo && *v <= hi)
		return -1;
	if (is_blank(s, n)) {
		*v = dflt;
		return -1;
	}
	r = parse_int(s, n, lo, hi, v);
	if (r == NUM_OK)
		return -1;
	quote_value(q, sizeof q, s, n);
	snprintf(detail, dsize, "%s %s %s", ingest_col_name[col], q,
		 r == NUM_BAD ? "is not a number" : "is out of range");
	return r == NUM_BAD ? (int)bad : (int)REJ_RANGE;
}


/* "column 3 (RoomId)", or "column 3" for a column ingest does not use. */
static void column_label(const struct ctx *c, size_t i, char *out, size_t size)
{
	if (i < READER_MAX_FIELDS && c->col_at[i] >= 0)
		snprintf(out, size, "column %zu (%s)", i + 1, ingest_col_name[(int)c->col_at[i]]);
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

/*
 * Parses time column col into *ms. A blank cell gives RR_NONE when the column
 * is optional and a rejection when required. Returns -1 when done, else
 * REJ_BAD_TIME with detail filled. Event and companion times share this, so
 * units (seconds, ms, ISO) and the 2000-2099 range are judged the same.
 */
static int time_column(const struct ctx *c, const struct reader_record *rec, enum col col,
		       int required, int64_t *ms, char *detail, size_t dsize)
{
	const char *ts;
	size_t nts;
	char q[64];

	cell(c, rec, col, &ts, &nts);
	/* Epoch milliseconds (13 digits) or seconds (10), as TRTC writes them:
	 * the same values tz_parse_time gives, without its general path. */
	if (nts == 13 || nts == 10) {
		int64_t v = 0;
		size_t i;

		for (i = 0; i < nts && (unsigned)((unsigned char)ts[i] - '0') <= 9; i++)
			v = v * 10 + (ts[i] - '0');
		if (i == nts) {
			v = nts == 10 ? v * 1000 : v;
			if (v >= INGEST_MIN_TIME_MS && v < INGEST_MAX_TIME_MS) {
				*ms = v;
				return -1;
			}
		}
	}
	if (is_blank(ts, nts)) {
		if (!required) {
			*ms = RR_NONE;
			return -1;
		}
		snprintf(detail, dsize, "%s is empty", ingest_col_name[col]);
		return REJ_BAD_TIME;
	}
	if (tz_parse_time(c->o->input_tz, ts, nts, ms) != 0) {
		quote_value(q, sizeof q, ts, nts);
		snprintf(detail, dsize, "%s %s is not a time", ingest_col_name[col], q);
		return REJ_BAD_TIME;
	}
	/* TRTC exports cannot hold such times; a number this far off is a unit
	 * or column mix-up, not a call. */
	if (*ms < INGEST_MIN_TIME_MS || *ms >= INGEST_MAX_TIME_MS) {
		quote_value(q, sizeof q, ts, nts);
		snprintf(detail, dsize, "%s %s is outside 2000-2099", ingest_col_name[col], q);
		return REJ_BAD_TIME;
	}
	return -1;
}

/* Finished/IsFinished into *v (1, 0, -1 blank). Returns -1 when done, else
 * REJ_BAD_PARAM with detail filled. */
static int flag_column(const struct ctx *c, const struct reader_record *rec, enum col col,
		       int8_t *v, char *detail, size_t dsize)
{
	const char *s;
	size_t n;
	char q[64];
	int f;

	cell(c, rec, col, &s, &n);
	f = parse_flag(s, n);
	if (f >= -1) {
		*v = (int8_t)f;
		return -1;
	}
	quote_value(q, sizeof q, s, n);
	snprintf(detail, dsize, "%s %s is not true/false", ingest_col_name[col], q);
	return REJ_BAD_PARAM;
}

/* A required text cell: -1 when filled, else REJ_MISSING with detail. */
static int need(const struct ctx *c, const struct reader_record *rec, enum col col,
		const char **s, size_t *n, char *detail, size_t dsize)
{
	cell(c, rec, col, s, n);
	if (!is_blank(*s, *n))
		return -1;
	snprintf(detail, dsize, "%s is empty", ingest_col_name[col]);
	return REJ_MISSING;
}


/* Interns the cell of col (empty when the file has none) into *id. */
static int intern_col(struct ctx *c, const struct reader_record *rec, enum col col, uint32_t *id)
{
	const char *s;
	size_t n;

	cell(c, rec, col, &s, &n);
	return strtab_intern(c->ds->strs, s, n, id);
}


/* The SdkAppId cell of a row: none when the file has no such column or the
 * cell is blank. */
static void app_cell(const struct ctx *c, const struct reader_record *rec, const char **s,
		     size_t *n)
{
	cell(c, rec, COL_SDKAPPID, s, n);
	if (is_blank(*s, *n))
		*n = 0;
}

static int event_row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160];
	struct record r;
	const char *room, *user, *ts, *comm, *peer, *app;
	size_t nroom, nuser, nts, ncomm, npeer, napp;
	uint32_t ids[4];
	int64_t t;
	enum col tcol;
	int64_t v1, v2, v3;
	int why, rc;

	memset(&r, 0, sizeof r);
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
				return ingest_reject(c, rec, REJ_MISSING,
					      "no EventId, ExperienceId or AbnormalEventId");
			r.kind = REC_ABNORMAL;
		}
	}
	cell(c, rec, COL_ROOM, &room, &nroom);
	cell(c, rec, COL_USER, &user, &nuser);
	if (nroom == 0)
		return ingest_reject(c, rec, REJ_MISSING, "RoomId is empty");
	if (nuser == 0)
		return ingest_reject(c, rec, REJ_MISSING, "UserId is empty");

	if (r.kind == REC_EVENT) {
		if ((why = int_column(c, rec, COL_EVENTID, 0, INT32_MAX, 0, REJ_BAD_ID,
				      &v1, detail, sizeof detail)) >= 0 ||
		    (why = int_column(c, rec, COL_P1, INT32_MIN, INT32_MAX, -1, REJ_BAD_PARAM,
				      &v2, detail, sizeof detail)) >= 0 ||
		    (why = int_column(c, rec, COL_P2, INT32_MIN, INT32_MAX, -1, REJ_BAD_PARAM,
				      &v3, detail, sizeof detail)) >= 0)
			return ingest_reject(c, rec, (enum diag_reason)why, detail);
		r.id = (int32_t)v1;
		r.p1 = (int32_t)v2;
		r.p2 = (int32_t)v3;
		if ((why = int_column(c, rec, COL_TYPE, INT8_MIN, INT8_MAX, -1, REJ_BAD_PARAM,
				      &v1, detail, sizeof detail)) >= 0)
			return ingest_reject(c, rec, (enum diag_reason)why, detail);
		r.stream = (int8_t)v1;
		tcol = COL_TIME;
	} else {
		if ((why = int_column(c, rec, COL_EXPID, 0, INT32_MAX, 0, REJ_BAD_ID,
				      &v1, detail, sizeof detail)) >= 0 ||
		    (why = int_column(c, rec, COL_ABNID, 0, INT32_MAX, -1, REJ_BAD_ID,
				      &v2, detail, sizeof detail)) >= 0)
			return ingest_reject(c, rec, (enum diag_reason)why, detail);
		r.id = (int32_t)v1;
		r.p1 = (int32_t)v2;
		r.p2 = -1;
		r.stream = -1;
		tcol = COL_EVENTTIME;
		cell(c, rec, COL_EVENTTIME, &ts, &nts);
		if (is_blank(ts, nts) && has(c, COL_TIME))
			tcol = COL_TIME;
	}
	if ((why = time_column(c, rec, tcol, 1, &t, detail, sizeof detail)) >= 0)
		return ingest_reject(c, rec, (enum diag_reason)why, detail);
	r.time_ms = t;

	if (!passes(c->o, room, nroom, user, nuser, t))
		return filtered(c);

	cell(c, rec, COL_COMM, &comm, &ncomm);
	cell(c, rec, COL_PEER, &peer, &npeer);
	app_cell(c, rec, &app, &napp);
	if ((rc = intern_room(c, app, napp, room, nroom, &ids[0])) != RR_OK ||
	    (rc = intern_last(c, LAST_USER, user, nuser, &ids[1])) != RR_OK ||
	    (rc = intern_last(c, LAST_COMM, comm, ncomm, &ids[2])) != RR_OK ||
	    (rc = intern_last(c, LAST_PEER, peer, npeer, &ids[3])) != RR_OK)
		return rc;
	r.room = ids[0];
	r.user = ids[1];
	r.comm = ids[2];
	r.peer = ids[3];
	return dataset_append(c->ds, &r);
}

/* One users-file row: RoomId and UserId required, the rest optional. */
static int user_row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160];
	struct user_info u;
	const char *room, *user, *app;
	size_t nroom, nuser, napp;
	int why, rc;

	memset(&u, 0, sizeof u);
	if ((why = need(c, rec, COL_ROOM, &room, &nroom, detail, sizeof detail)) >= 0 ||
	    (why = need(c, rec, COL_USER, &user, &nuser, detail, sizeof detail)) >= 0 ||
	    (why = time_column(c, rec, COL_JOINTS, 0, &u.join_ms, detail, sizeof detail)) >= 0 ||
	    (why = time_column(c, rec, COL_LEAVETS, 0, &u.leave_ms, detail, sizeof detail)) >= 0 ||
	    (why = flag_column(c, rec, COL_FINISHED, &u.finished, detail, sizeof detail)) >= 0)
		return ingest_reject(c, rec, (enum diag_reason)why, detail);

	if (!passes(c->o, room, nroom, user, nuser, u.join_ms))
		return filtered(c);

	app_cell(c, rec, &app, &napp);
	if ((rc = intern_room(c, app, napp, room, nroom, &u.room)) != RR_OK ||
	    (rc = strtab_intern(c->ds->strs, user, nuser, &u.user)) != RR_OK ||
	    (rc = intern_col(c, rec, COL_COMM, &u.comm)) != RR_OK ||
	    (rc = intern_col(c, rec, COL_DEVICETYPE, &u.device)) != RR_OK ||
	    (rc = intern_col(c, rec, COL_SDKVERSION, &u.sdk)) != RR_OK ||
	    (rc = intern_col(c, rec, COL_CLIENTIP, &u.ip)) != RR_OK)
		return rc;
	u.file = c->file;
	u.line = rec->line < UINT32_MAX ? (uint32_t)rec->line : UINT32_MAX;
	return dataset_append_user(c->ds, &u);
}

/* One rooms-file row: RoomId and CommId required. A room has no user, so
 * only --room and the time filters apply. */
static int room_row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160];
	struct room_info r;
	const char *room, *comm, *app;
	size_t nroom, ncomm, napp;
	int why, rc;

	memset(&r, 0, sizeof r);
	if ((why = need(c, rec, COL_ROOM, &room, &nroom, detail, sizeof detail)) >= 0 ||
	    (why = need(c, rec, COL_COMM, &comm, &ncomm, detail, sizeof detail)) >= 0 ||
	    (why = time_column(c, rec, COL_CREATETIME, 0, &r.create_ms, detail, sizeof detail)) >= 0 ||
	    (why = time_column(c, rec, COL_DESTROYTIME, 0, &r.destroy_ms, detail, sizeof detail)) >= 0 ||
	    (why = flag_column(c, rec, COL_ISFINISHED, &r.finished, detail, sizeof detail)) >= 0)
		return ingest_reject(c, rec, (enum diag_reason)why, detail);

	if (!passes(c->o, room, nroom, NULL, 0, r.create_ms))
		return filtered(c);

	app_cell(c, rec, &app, &napp);
	if ((rc = intern_room(c, app, napp, room, nroom, &r.room)) != RR_OK ||
	    (rc = strtab_intern(c->ds->strs, comm, ncomm, &r.comm)) != RR_OK)
		return rc;
	r.file = c->file;
	r.line = rec->line < UINT32_MAX ? (uint32_t)rec->line : UINT32_MAX;
	return dataset_append_room(c->ds, &r);
}

/* The metric index of DataType name (a strtab id), through the per-file
 * cache; RR_EDATA past DATASET_MAX_METRICS. */
static int metric_index(struct ctx *c, uint32_t name, uint16_t *index)
{
	uint32_t h = name * 2654435761u;
	size_t slot = (h ^ (h >> 16)) % METRIC_SLOTS;
	int rc;

	while (c->metric_id[slot] != 0) {
		if (c->metric_id[slot] == name) {
			*index = c->metric_idx[slot];
			return RR_OK;
		}
		slot = (slot + 1) % METRIC_SLOTS;
	}
	rc = dataset_metric(c->ds, name, index);
	if (rc == RR_OK) {
		/* At most DATASET_MAX_METRICS names succeed, half the slots:
		 * there is always a free one. */
		c->metric_id[slot] = name;
		c->metric_idx[slot] = *index;
	}
	return rc;
}

/* One quality sample: UserId, DataType, Time and Value required; RoomId,
 * CommId and PeerId optional. --room applies only when the row names a room. */
static int quality_row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160], q[64];
	struct quality_sample s;
	const char *room, *user, *name, *val, *app;
	size_t nroom, nuser, nname, nval, napp;
	uint32_t name_id;
	enum num_result nr;
	int why, rc;

	memset(&s, 0, sizeof s);
	if ((why = need(c, rec, COL_USER, &user, &nuser, detail, sizeof detail)) >= 0 ||
	    (why = need(c, rec, COL_DATATYPE, &name, &nname, detail, sizeof detail)) >= 0 ||
	    (why = time_column(c, rec, COL_TIME, 1, &s.time_ms, detail, sizeof detail)) >= 0 ||
	    (why = need(c, rec, COL_VALUE, &val, &nval, detail, sizeof detail)) >= 0)
		return ingest_reject(c, rec, (enum diag_reason)why, detail);
	nr = parse_value(val, nval, &s.value);
	if (nr != NUM_OK) {
		quote_value(q, sizeof q, val, nval);
		snprintf(detail, sizeof detail, "Value %s %s", q,
			 nr == NUM_BAD ? "is not a number" : "is out of range");
		return ingest_reject(c, rec, nr == NUM_BAD ? REJ_BAD_PARAM : REJ_RANGE, detail);
	}
	cell(c, rec, COL_ROOM, &room, &nroom);

	if (!passes(c->o, nroom ? room : NULL, nroom, user, nuser, s.time_ms))
		return filtered(c);

	if ((rc = strtab_intern(c->ds->strs, name, nname, &name_id)) != RR_OK)
		return rc;
	rc = metric_index(c, name_id, &s.metric);
	if (rc == RR_EDATA) {
		quote_value(q, sizeof q, name, nname);
		snprintf(detail, sizeof detail, "DataType %s is past the limit of %d metric names",
			 q, DATASET_MAX_METRICS);
		return ingest_reject(c, rec, REJ_RANGE, detail);
	}
	/* A sample without a room has no room key either. */
	app_cell(c, rec, &app, &napp);
	if (rc != RR_OK ||
	    (rc = (nroom ? intern_room(c, app, napp, room, nroom, &s.room)
		   : strtab_intern(c->ds->strs, room, nroom, &s.room))) != RR_OK ||
	    (rc = strtab_intern(c->ds->strs, user, nuser, &s.user)) != RR_OK ||
	    (rc = intern_col(c, rec, COL_COMM, &s.comm)) != RR_OK ||
	    (rc = intern_col(c, rec, COL_PEER, &s.peer)) != RR_OK)
		return rc;
	s.file = c->file;
	return dataset_append_quality(c->ds, &s);
}

static enum diag_reason bad_reason(enum reader_bad b)
{
	return b == READER_BAD_QUOTE ? REJ_BAD_QUOTE : b == READER_BAD_CUT ? REJ_CUT : REJ_LONG_FIELD;
}

const char *ingest_bad_detail(enum reader_bad b)
{
	switch (b) {
	case READER_BAD_QUOTE:
		return "stray or unterminated quote";
	case READER_BAD_WIDE:
		return "more than 1024 fields";
	case READER_BAD_CUT:
		return "the truncated gzip stream ends inside this row";
	case READER_BAD_LONG:
		break;
	}
	return "a field over 65536 bytes or a row over 1 MiB";
}

int ingest_reject_bad(struct ctx *c, const struct reader_record *rec)
{
	return ingest_reject(c, rec, bad_reason(rec->bad_reason), ingest_bad_detail(rec->bad_reason));
}

/* Checks shared by every kind of row (field count, NUL, UTF-8), then the
 * kind's own parser. */
int ingest_row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160];
	enum diag_reason bad;

	if (rec->nfields != c->ncols) {
		snprintf(detail, sizeof detail, "%zu fields, the header has %zu",
			 rec->nfields, c->ncols);
		return ingest_reject(c, rec, REJ_RAGGED, detail);
	}
	if (!rec->plain && !plain_ascii(rec->raw, rec->raw_len) &&
	    bad_bytes(c, rec, &bad, detail, sizeof detail))
		return ingest_reject(c, rec, bad, detail);
	switch (c->kind) {
	case FK_USERS:
		return user_row(c, rec);
	case FK_ROOMS:
		return room_row(c, rec);
	case FK_QUALITY:
		return quality_row(c, rec);
	case FK_RECORDS:
		break;
	}
	return event_row(c, rec);
}
