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
 * Companion files (users, rooms, quality samples) go through the same
 * record checks (field count, NUL, UTF-8), rejections and filters, and become
 * their own dataset rows.
 * Does not: decode IDs, sort or de-duplicate (later stages), or link
 * companion rows to calls (companion).
 */
#include "ingest.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csvout.h"
#include "reader.h"
#include "util.h"

enum col {
	COL_ROOM, COL_USER, COL_TIME, COL_EVENTTIME, COL_EVENTID, COL_P1, COL_P2,
	COL_TYPE, COL_PEER, COL_COMM, COL_SDKAPPID, COL_EXPID, COL_ABNID,
	/* Columns of the companion files. */
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

/* IDs up to this long are remembered by intern_last. */
#define LAST_MAX 56

/* Event files with at most this many columns get the column-specialised
 * row parser; wider ones (no export is) take the general way. */
#define PLAN_MAX_COLS 64
/* ... and only for records shorter than this, so that no field can reach
 * READER_MAX_FIELD. */
#define PLAN_MAX_RECORD 4096

/* plan_row remembers at most this many leading columns of a row, and at
 * most this many bytes of them. */
#define LEAD_MAX_COLS 8
#define LEAD_MAX_BYTES 256

/* What a file holds, decided once from its header. */
enum file_kind { FK_RECORDS, FK_USERS, FK_ROOMS, FK_QUALITY };

/* Slots of the per-file DataType cache: twice DATASET_MAX_METRICS, so the
 * open-addressed table never fills. */
#define METRIC_SLOTS (2 * DATASET_MAX_METRICS)

struct ctx {
	struct dataset *ds;
	enum file_kind kind;
	const char *name;
	const struct ingest_options *o;
	uint16_t file;
	size_t ncols;
	int idx[COL__COUNT];        /* header position of each column, -1 = absent */
	signed char col_at[READER_MAX_FIELDS];  /* the reverse, for messages */
	/* DataType strtab id -> metric index, so a sample costs one hash probe
	 * instead of a scan of the metric table. id 0 ("") marks a free slot:
	 * empty names are rejected before they get here. */
	uint32_t metric_id[METRIC_SLOTS];
	uint16_t metric_idx[METRIC_SLOTS];
	/* The string and id each ID column had on the previous row: exports
	 * list a user's events together, so most rows repeat the room, call and
	 * user of the row before and skip the hash lookup. Ids of ds->strs;
	 * len 0 = none. */
	struct {
		uint32_t id, len;
		char s[LAST_MAX];
	} last[4];
	/* The column-specialised row parser (plan_row): what to do with each
	 * column; plan_on is 0 when the file's rows all take the general way. */
	int plan_on;
	unsigned char plan[PLAN_MAX_COLS];
	/* The leading columns of the last row plan_row interned, when the file
	 * starts with ID columns and skipped ones (exports begin SdkAppId,
	 * CommId, RoomId, UserId, PeerId): their bytes, where each column ends
	 * (past its comma) and the id each ID column gave. A row that begins
	 * with the same bytes has the same fields there, so plan_row neither
	 * splits nor looks them up again. nlead: how many leading columns
	 * qualify (0: none); lead_len 0: nothing kept (a new part, or another
	 * string table). */
	size_t nlead, lead_len;
	uint16_t lead_end[LEAD_MAX_COLS];
	uint32_t lead_id[LEAD_MAX_COLS];
	unsigned char lead[LEAD_MAX_BYTES];
};

enum { LAST_ROOM, LAST_USER, LAST_COMM, LAST_PEER };

void ingest_options_init(struct ingest_options *o)
{
	memset(o, 0, sizeof *o);
	o->from_ms = INT64_MIN;
	o->to_ms = INT64_MAX;
	o->part_min_bytes = INGEST_PART_MIN_BYTES;
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

/* The companion kind the header describes, or FK_RECORDS when none. Only
 * asked when the header has no EventId/ExperienceId/AbnormalEventId. */
static enum file_kind companion_kind(const struct ctx *c)
{
	if (has(c, COL_DATATYPE))
		return FK_QUALITY;
	if (has(c, COL_JOINTS) || has(c, COL_LEAVETS) || has(c, COL_DEVICETYPE) ||
	    has(c, COL_SDKVERSION) || has(c, COL_CLIENTIP) || has(c, COL_FINISHED))
		return FK_USERS;
	if (has(c, COL_CREATETIME) || has(c, COL_DESTROYTIME) || has(c, COL_ISFINISHED))
		return FK_ROOMS;
	return FK_RECORDS;
}

/* The first required column the header lacks for the row kinds it allows,
 * or -1. *kind names that kind. */
static int missing_column(const struct ctx *c, const char **kind)
{
	static const enum col ev_req[] = { COL_ROOM, COL_USER, COL_TIME, COL_EVENTID };
	static const enum col user_req[] = { COL_ROOM, COL_USER };
	static const enum col room_req[] = { COL_ROOM, COL_COMM };
	static const enum col q_req[] = { COL_USER, COL_DATATYPE, COL_TIME, COL_VALUE };
	const enum col *req = NULL;
	size_t nreq = 0;

	switch (c->kind) {
	case FK_USERS:
		*kind = "users";
		req = user_req;
		nreq = sizeof user_req / sizeof user_req[0];
		break;
	case FK_ROOMS:
		*kind = "rooms";
		req = room_req;
		nreq = sizeof room_req / sizeof room_req[0];
		break;
	case FK_QUALITY:
		*kind = "quality";
		req = q_req;
		nreq = sizeof q_req / sizeof q_req[0];
		break;
	case FK_RECORDS:
		break;
	}
	for (size_t i = 0; i < nreq; i++) {
		if (!has(c, req[i]))
			return (int)req[i];
	}
	if (req)
		return -1;

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
		snprintf(detail, dsize, "%s is empty", col_name[col]);
		return REJ_BAD_TIME;
	}
	if (tz_parse_time(c->o->input_tz, ts, nts, ms) != 0) {
		quote_value(q, sizeof q, ts, nts);
		snprintf(detail, dsize, "%s %s is not a time", col_name[col], q);
		return REJ_BAD_TIME;
	}
	/* TRTC exports cannot hold such times; a number this far off is a unit
	 * or column mix-up, not a call. */
	if (*ms < INGEST_MIN_TIME_MS || *ms >= INGEST_MAX_TIME_MS) {
		quote_value(q, sizeof q, ts, nts);
		snprintf(detail, dsize, "%s %s is outside 2000-2099", col_name[col], q);
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
	snprintf(detail, dsize, "%s %s is not true/false", col_name[col], q);
	return REJ_BAD_PARAM;
}

/* A required text cell: -1 when filled, else REJ_MISSING with detail. */
static int need(const struct ctx *c, const struct reader_record *rec, enum col col,
		const char **s, size_t *n, char *detail, size_t dsize)
{
	cell(c, rec, col, s, n);
	if (!is_blank(*s, *n))
		return -1;
	snprintf(detail, dsize, "%s is empty", col_name[col]);
	return REJ_MISSING;
}

/*
 * 1 when the --room/--user/--from/--to filters keep a row. room or user NULL:
 * that filter does not apply to this row; t == RR_NONE: the row has no time
 * and is not time-filtered.
 */
static int passes(const struct ingest_options *o, const char *room, size_t nroom,
		  const char *user, size_t nuser, int64_t t)
{
	if (room && o->nrooms && !matches(room, nroom, o->rooms, o->nrooms))
		return 0;
	if (user && o->nusers && !matches(user, nuser, o->users, o->nusers))
		return 0;
	if (t != RR_NONE && (t < o->from_ms || t >= o->to_ms))
		return 0;
	return 1;
}

static int filtered(struct ctx *c)
{
	c->ds->counts.filtered++;
	return RR_OK;
}

/* strtab_intern, trying the previous row's string of this column first. */
static int intern_last(struct ctx *c, int slot, const char *s, size_t n, uint32_t *id)
{
	int rc;

	if (n == 0) {
		*id = 0;
		return RR_OK;
	}
	if (n == c->last[slot].len && memcmp(c->last[slot].s, s, n) == 0) {
		*id = c->last[slot].id;
		return RR_OK;
	}
	rc = strtab_intern(c->ds->strs, s, n, id);
	if (rc == RR_OK && n <= LAST_MAX) {
		c->last[slot].id = *id;
		c->last[slot].len = (uint32_t)n;
		memcpy(c->last[slot].s, s, n);
	}
	return rc;
}

/* Interns the cell of col (empty when the file has none) into *id. */
static int intern_col(struct ctx *c, const struct reader_record *rec, enum col col, uint32_t *id)
{
	const char *s;
	size_t n;

	cell(c, rec, col, &s, &n);
	return strtab_intern(c->ds->strs, s, n, id);
}

/* Room keys (dataset.h) up to this long are put together on the stack;
 * longer ones (hostile input only: TRTC RoomIds are at most 64 bytes) take
 * an allocation of their own. */
#define KEY_INLINE 320

/* Interns the room key of app (napp 0: none) and room into *id. */
static int intern_room(struct ctx *c, const char *app, size_t napp, const char *room,
		       size_t nroom, uint32_t *id)
{
	char buf[KEY_INLINE], *key = buf;
	size_t n = napp + 1 + nroom;
	int rc;

	if (napp == 0)
		return intern_last(c, LAST_ROOM, room, nroom, id);
	if (n > sizeof buf && !(key = rr_malloc(n)))
		return RR_ENOMEM;
	memcpy(key, app, napp);
	key[napp] = DATASET_APP_SEP;
	memcpy(key + napp + 1, room, nroom);
	rc = intern_last(c, LAST_ROOM, key, n, id);
	if (key != buf)
		rr_free(key);
	return rc;
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
	if ((why = time_column(c, rec, tcol, 1, &t, detail, sizeof detail)) >= 0)
		return reject(c, rec, (enum diag_reason)why, detail);
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
		return reject(c, rec, (enum diag_reason)why, detail);

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
		return reject(c, rec, (enum diag_reason)why, detail);

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
		return reject(c, rec, (enum diag_reason)why, detail);
	nr = parse_value(val, nval, &s.value);
	if (nr != NUM_OK) {
		quote_value(q, sizeof q, val, nval);
		snprintf(detail, sizeof detail, "Value %s %s", q,
			 nr == NUM_BAD ? "is not a number" : "is out of range");
		return reject(c, rec, nr == NUM_BAD ? REJ_BAD_PARAM : REJ_RANGE, detail);
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
		return reject(c, rec, REJ_RANGE, detail);
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

/* Checks shared by every kind of row (field count, NUL, UTF-8), then the
 * kind's own parser. */
static int row(struct ctx *c, const struct reader_record *rec)
{
	char detail[160];
	enum diag_reason bad;

	if (rec->nfields != c->ncols) {
		snprintf(detail, sizeof detail, "%zu fields, the header has %zu",
			 rec->nfields, c->ncols);
		return reject(c, rec, REJ_RAGGED, detail);
	}
	if (!rec->plain && !plain_ascii(rec->raw, rec->raw_len) &&
	    bad_bytes(c, rec, &bad, detail, sizeof detail))
		return reject(c, rec, bad, detail);
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

/* ---- the column-specialised row parser ---------------------------------------- */

/*
 * Nearly every row of an event export has one shape: no quotes, no spaces
 * around fields, plain ASCII, numbers as bare digits, the time as 13 (or 10)
 * digits. plan_row takes such a row straight from the reader's window in one
 * pass, column by column as the header laid them out -- numbers and the time
 * parsed as they are scanned, no field array -- and gives up on the first
 * byte that is not that shape, leaving the row untouched for the general way
 * (reader_next and row()), which stays the reference: a row plan_row takes
 * gives the same record, string ids, filter decision and counts as the
 * general way gives it. tests/unit/test_ingest_fast.c runs both on the
 * whole test corpus and on generated near-miss rows.
 */
enum plan_op { OP_SKIP, OP_ROOM, OP_USER, OP_COMM, OP_PEER, OP_APP, OP_TIME, OP_EVENTID,
	       OP_P1, OP_P2, OP_TYPE };
/* The slot of OP_APP's text beside the four ID columns' (LAST_*). */
#define SLOT_APP (OP_APP - OP_ROOM)

/* Sets c->plan_on and c->plan from the header: only event files (EventId
 * and Time present) qualify. Columns ingest does not use are skipped, but
 * still checked for the shape, since the general way checks their bytes. */
static void plan_columns(struct ctx *c)
{
	static const struct {
		enum col col;
		enum plan_op op;
	} uses[] = {
		{ COL_ROOM, OP_ROOM }, { COL_USER, OP_USER }, { COL_COMM, OP_COMM },
		{ COL_PEER, OP_PEER }, { COL_TIME, OP_TIME }, { COL_EVENTID, OP_EVENTID },
		{ COL_P1, OP_P1 }, { COL_P2, OP_P2 }, { COL_TYPE, OP_TYPE },
		{ COL_SDKAPPID, OP_APP },
	};

	c->plan_on = 0;
	if (c->kind != FK_RECORDS || !has(c, COL_EVENTID) || !has(c, COL_TIME) ||
	    c->ncols > PLAN_MAX_COLS || c->o->general_rows)
		return;
	memset(c->plan, OP_SKIP, sizeof c->plan);
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
		if (has(c, uses[i].col))
			c->plan[c->idx[uses[i].col]] = (unsigned char)uses[i].op;
	}
	/* Leading columns end with a comma: the last column cannot be one. */
	c->nlead = 0;
	c->lead_len = 0;
	while (c->nlead + 1 < c->ncols && c->nlead < LEAD_MAX_COLS &&
	       c->plan[c->nlead] <= OP_APP)
		c->nlead++;
	/* The room's id is its key with the app (dataset.h): kept for a row
	 * only when the app before it is the same too, so with the app after
	 * the room the leading columns stop before the room. */
	if (has(c, COL_SDKAPPID) && c->idx[COL_SDKAPPID] > c->idx[COL_ROOM] &&
	    c->nlead > (size_t)c->idx[COL_ROOM])
		c->nlead = (size_t)c->idx[COL_ROOM];
	c->plan_on = 1;
}

/* Bytes a field of the common shape is made of: above ',' and below 0x80.
 * That leaves out the separators, quotes, line ends, blanks (trimmed by the
 * general way), NUL and every byte of a multi-byte UTF-8 sequence. */
static inline int plain_byte(unsigned char b)
{
	return (signed char)b > ',';
}

/* The offset of the first byte at or after i, below lim, that plain_byte
 * refuses, or lim. */
static inline size_t plain_run(const unsigned char *s, size_t i, size_t lim)
{
#ifdef __SSE2__
	const __m128i comma = _mm_set1_epi8(',');

	while (i + 16 <= lim) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(v, comma)) ^ 0xffffu;

		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < lim && plain_byte(s[i]))
		i++;
	return i;
}

/* How many bytes a and b have in common from the start, at most n. */
static inline size_t common_prefix(const unsigned char *a, const unsigned char *b, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(a + i));
		__m128i y = _mm_loadu_si128((const __m128i *)(b + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) ^ 0xffffu;

		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* An integer cell at s[*i] in quick_int's shape: an optional '-' and 1 to
 * 11 characters in all. Returns 1 with *v set, 0 for an empty cell, -1 for
 * anything else; *i is left past the digits. */
static inline int plan_int(const unsigned char *s, size_t *i, size_t lim, int64_t *v)
{
	size_t a = *i, k = a;
	int64_t x = 0;
	int neg = k < lim && s[k] == '-';

	k += (size_t)neg;
	while (k < lim && k - a < 12) {
		unsigned d = (unsigned)s[k] - '0';

		if (d > 9)
			break;
		x = x * 10 + d;
		k++;
	}
	*i = k;
	if (k == a)
		return 0;
	if (k == a + (size_t)neg || k - a > 11)
		return -1;
	*v = neg ? -x : x;
	return 1;
}

/* 1 when the eight bytes at p are all ASCII digits: each byte's high
 * nibble is 3, and so it still is after adding 6 (which carries out of the
 * low nibble for ':' and up). */
static inline int digits8(const unsigned char *p)
{
	uint64_t w = rr_load_le64(p);

	return ((w & 0xf0f0f0f0f0f0f0f0u) |
		(((w + 0x0606060606060606u) & 0xf0f0f0f0f0f0f0f0u) >> 4)) == 0x3333333333333333u;
}

/* The eight digits at p (digits8 true) as a number: pairs, then fours,
 * then the whole, each step one multiply on all lanes at once. */
static inline uint64_t value8(const unsigned char *p)
{
	uint64_t w = rr_load_le64(p) - 0x3030303030303030u;

	w = w * 10 + (w >> 8);
	w = (((w & 0x000000ff000000ffu) * (100 + (1000000ull << 32))) +
	     (((w >> 16) & 0x000000ff000000ffu) * (1 + (10000ull << 32)))) >> 32;
	return w;
}

enum plan_result { PLAN_TAKEN, PLAN_GENERAL };

/*
 * Takes the next row through c->plan when it has the common shape: appends
 * its record (or counts it filtered) and moves the reader past it, with *rc
 * the outcome and *line the row's line. PLAN_GENERAL: not that shape (or not
 * all of it in the window); the reader has not moved.
 */
static enum plan_result plan_row(struct ctx *c, struct reader *rd, int *rc, uint64_t *line)
{
	const unsigned char *s;
	const char *p;
	size_t avail = reader_peek(rd, &p), lim, i = 0;
	const unsigned char *str[5] = { NULL, NULL, NULL, NULL, NULL };
	size_t slen[5] = { 0, 0, 0, 0, 0 };
	int64_t v, id = 0, p1 = -1, p2 = -1, type = -1, t = 0;
	uint32_t ids[5] = { 0, 0, 0, 0, 0 };   /* the app's stays 0: only its text counts */
	struct record r;
	int got_id = 0, known[5] = { 0, 0, 0, 0, 0 };
	size_t col = 0, ends[LEAD_MAX_COLS];

	s = (const unsigned char *)p;
	lim = avail < PLAN_MAX_RECORD ? avail : PLAN_MAX_RECORD;
	if (c->lead_len) {
		size_t same = common_prefix(s, c->lead, lim < c->lead_len ? lim : c->lead_len);

		for (; col < c->nlead && c->lead_end[col] <= same; col++) {
			size_t a = col ? c->lead_end[col - 1] : 0;

			ends[col] = c->lead_end[col];
			if (c->plan[col] != OP_SKIP) {
				int slot = c->plan[col] - OP_ROOM;

				str[slot] = s + a;
				slen[slot] = c->lead_end[col] - 1 - a;
				ids[slot] = c->lead_id[col];
				known[slot] = 1;
			}
		}
		i = col ? c->lead_end[col - 1] : 0;
	}
	size_t reused = col;

	for (; col < c->ncols; col++) {
		size_t a = i;
		int k;

		switch (c->plan[col]) {
		case OP_SKIP:
			i = plain_run(s, i, lim);
			break;
		case OP_ROOM:
		case OP_USER:
		case OP_COMM:
		case OP_PEER:
		case OP_APP: {
			int slot = c->plan[col] - OP_ROOM;

			i = plain_run(s, i, lim);
			str[slot] = s + a;
			slen[slot] = i - a;
			break;
		}
		case OP_TIME: {
			int64_t x = 0;

			if (i + 13 < lim && digits8(s + i) && digits8(s + i + 5)) {
				/* 13 digits, overlapping loads: the second holds
				 * digits 5..12, of which the last five count. A
				 * 14th digit fails the separator check below. */
				x = (int64_t)(value8(s + i) * 100000 + value8(s + i + 5) % 100000);
				i += 13;
			} else {
				while (i < lim && i - a < 14 && (unsigned)s[i] - '0' <= 9) {
					x = x * 10 + (s[i] - '0');
					i++;
				}
				if (i - a == 10)
					x *= 1000;
				else if (i - a != 13)
					return PLAN_GENERAL;
			}
			if (x < INGEST_MIN_TIME_MS || x >= INGEST_MAX_TIME_MS)
				return PLAN_GENERAL;
			t = x;
			break;
		}
		case OP_EVENTID:
			if (plan_int(s, &i, lim, &v) <= 0 || v < 0 || v > INT32_MAX)
				return PLAN_GENERAL;
			id = v;
			got_id = 1;
			break;
		case OP_P1:
		case OP_P2:
		case OP_TYPE:
			k = plan_int(s, &i, lim, &v);
			if (k < 0)
				return PLAN_GENERAL;
			if (k > 0) {
				if (c->plan[col] == OP_TYPE ? v < INT8_MIN || v > INT8_MAX
				    : v < INT32_MIN || v > INT32_MAX)
					return PLAN_GENERAL;
				if (c->plan[col] == OP_P1)
					p1 = v;
				else if (c->plan[col] == OP_P2)
					p2 = v;
				else
					type = v;
			}
			break;
		}
		if (i >= lim)
			return PLAN_GENERAL;
		if (col + 1 < c->ncols) {
			if (s[i] != ',')
				return PLAN_GENERAL;
			i++;
			if (col < c->nlead)
				ends[col] = i;
		} else if (s[i] != '\n' && s[i] != '\r') {
			return PLAN_GENERAL;
		}
	}
	/* The general way rejects rows with an empty RoomId or UserId. */
	if (!got_id || slen[0] == 0 || slen[1] == 0)
		return PLAN_GENERAL;

	*line = reader_line(rd);
	reader_take(rd, i);
	if (!passes(c->o, (const char *)str[0], slen[0], (const char *)str[1], slen[1], t)) {
		*rc = filtered(c);
		return PLAN_TAKEN;
	}
	for (int k = 0; k < 4; k++) {
		if (known[k])
			continue;
		*rc = k == LAST_ROOM ? intern_room(c, (const char *)str[SLOT_APP], slen[SLOT_APP],
						   (const char *)str[k], slen[k], &ids[k])
				     : intern_last(c, k, (const char *)str[k], slen[k], &ids[k]);
		if (*rc != RR_OK)
			return PLAN_TAKEN;
	}
	if (reused < c->nlead && ends[c->nlead - 1] <= LEAD_MAX_BYTES) {
		/* Keep what changed for the next row. */
		size_t from = reused ? ends[reused - 1] : 0;

		memcpy(c->lead + from, s + from, ends[c->nlead - 1] - from);
		for (size_t k = reused; k < c->nlead; k++) {
			c->lead_end[k] = (uint16_t)ends[k];
			if (c->plan[k] != OP_SKIP)
				c->lead_id[k] = ids[c->plan[k] - OP_ROOM];
		}
		c->lead_len = ends[c->nlead - 1];
	} else if (reused < c->nlead) {
		c->lead_len = 0;
	}
	/* Every field at once, so the bit-fields are put together in registers. */
	r = (struct record){
		.time_ms = t, .room = ids[LAST_ROOM], .kind = REC_EVENT,
		.comm = ids[LAST_COMM], .stream = (int8_t)type, .user = ids[LAST_USER],
		.peer = ids[LAST_PEER],
		.id = (int32_t)id, .p1 = (int32_t)p1, .p2 = (int32_t)p2,
	};
	*rc = dataset_append(c->ds, &r);
	return PLAN_TAKEN;
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

/* Where a part of the input comes from: a path, or a buffer (ingest_mem). */
struct source {
	const char *path;
	const void *buf;
	size_t len;
};

/*
 * Reads data rows from r into c's dataset until the end of the input, or
 * until the reader lands exactly on one of the ascending offsets splits[next..]
 * (then *stopped is that index; nsplits at the end of the input). Offsets it
 * passes without landing on them are skipped: the part that starts there is
 * not a record boundary for this reader and will not be used.
 */
static int read_rows(struct ctx *c, struct reader *r, const uint64_t *splits, size_t nsplits,
		     size_t next, size_t *stopped, char *err, size_t errlen)
{
	struct reader_record rec;
	enum reader_status st;
	uint64_t line;
	int rc;

	for (;;) {
		if (!c->plan_on || plan_row(c, r, &rc, &line) != PLAN_TAKEN) {
			st = reader_next(r, &rec);
			if (st == READER_EOF)
				break;
			if (st == READER_ERROR)
				return read_failed(r, c->name, err, errlen);
			line = rec.line;
			if (st == READER_BAD)
				rc = reject(c, &rec, bad_reason(rec.bad_reason),
					    bad_detail(rec.bad_reason));
			else
				rc = row(c, &rec);
		}
		c->ds->counts.rows++;
		if (rc != RR_OK) {
			if (err && errlen && rc == RR_EDATA)
				snprintf(err, errlen, "%s:%" PRIu64 ": more than %u distinct IDs or %u MiB "
					 "of ID text (rooms, users, peers, CommIds, device types, versions, IPs, metric names); split the input",
					 c->name, line, STRTAB_MAX_STRINGS, STRTAB_MAX_BYTES >> 20);
			else if (err && errlen)
				snprintf(err, errlen, "%s: %s", c->name,
					 rc == RR_EIO ? "cannot write the rejected rows" : "out of memory");
			return rc;
		}
		if (next < nsplits) {
			uint64_t at = reader_tell(r);

			while (next < nsplits && at > splits[next])
				next++;
			if (next < nsplits && at == splits[next]) {
				*stopped = next;
				return RR_OK;
			}
		}
	}
	*stopped = nsplits;
	return RR_OK;
}

static int open_part(const struct source *src, uint64_t offset, uint64_t first_line,
		     struct reader **out, char *err, size_t errlen)
{
	if (src->path)
		return reader_open_file_part(src->path, offset, first_line, out, err, errlen);
	return reader_open_mem_part(src->buf, src->len, (size_t)offset, first_line, out, err, errlen);
}

/*
 * One part of a file read on its own thread into its own dataset. Its line
 * numbers count from 1 at its first byte; dataset_absorb shifts them. It
 * stops where the next part starts (or at the end), like read_rows.
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
	int started;
	pthread_t thread;
};

static void *part_run(void *arg)
{
	struct part *p = arg;
	struct reader *r;
	char err[256];

	p->rc = open_part(p->src, p->splits[p->index], 1, &r, err, sizeof err);
	if (p->rc != RR_OK)
		return NULL;
	p->rc = read_rows(&p->c, r, p->splits, p->nsplits, p->index + 1, &p->stopped,
			  err, sizeof err);
	p->lines = reader_line(r) - 1;
	reader_close(r);
	return NULL;
}

static unsigned part_count(const struct ingest_options *o, uint64_t bytes)
{
	uint64_t n = o->threads;
	uint64_t min = o->part_min_bytes ? o->part_min_bytes : 1;

	if (n == 0)
		n = rr_threads(INGEST_MAX_THREADS);
	if (n > INGEST_MAX_THREADS)
		n = INGEST_MAX_THREADS;
	if (bytes / min < n)
		n = bytes / min;
	return n ? (unsigned)n : 1;
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
 * reads on through it. The main thread reads the first part into ds itself;
 * the others are absorbed in order, their line numbers shifted. A part that
 * failed (a read error, or the string table's limits, whose message needs
 * the right line) is read again on this thread from its cut, which gives the
 * sequential reader's outcome and message.
 */
static int read_parallel(struct ctx *c, struct reader *r, const struct source *src,
			 uint64_t size, unsigned nparts, char *err, size_t errlen)
{
	uint64_t splits[INGEST_MAX_THREADS];
	struct part parts[INGEST_MAX_THREADS];
	uint64_t begin = reader_tell(r), base;
	size_t nsplits = 0, cur;
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
		if (p->rc != RR_OK)
			continue;
		p->c.ds = &p->ds;
		memset(p->c.last, 0, sizeof p->c.last);   /* ids of another table */
		p->c.lead_len = 0;
		p->started = pthread_create(&p->thread, NULL, part_run, p) == 0;
		if (!p->started)
			p->rc = RR_ENOMEM;
	}

	rc = read_rows(c, r, splits, nsplits, 0, &cur, err, errlen);
	base = reader_line(r) - 1;
	for (size_t k = 0; k < nsplits; k++) {
		if (parts[k].started)
			pthread_join(parts[k].thread, NULL);
	}
	while (rc == RR_OK && cur < nsplits) {
		struct part *p = &parts[cur];

		if (p->rc == RR_OK)
			rc = dataset_absorb(c->ds, &p->ds, base);
		if (p->rc != RR_OK || rc == RR_EDATA) {
			struct reader *again;

			rc = open_part(src, splits[cur], base + 1, &again, err, errlen);
			if (rc == RR_OK) {
				rc = read_rows(c, again, NULL, 0, 0, &cur, err, errlen);
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

static int ingest_reader(struct dataset *ds, const char *name, struct reader *r,
			 const struct source *src, const struct ingest_options *o,
			 char *err, size_t errlen)
{
	struct ctx c;
	struct reader_record rec;
	enum reader_status st;
	const char *kind = NULL;
	uint64_t rows = ds->counts.rows, size;
	size_t stopped;
	unsigned nparts = 1;
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
		c.kind = companion_kind(&c);
		if (c.kind == FK_RECORDS && !known) {
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
	if (c.kind != FK_RECORDS)
		ds->companion_files[c.kind == FK_USERS ? COMPANION_USERS : c.kind == FK_ROOMS
				    ? COMPANION_ROOMS : COMPANION_QUALITY]++;
	plan_columns(&c);

	/* Companion files are small next to the event lists, and the rejected
	 * rows go to one stream in input order: both stay on one thread. */
	if (src && c.kind == FK_RECORDS && !o->rejected && reader_is_plain(r, &size))
		nparts = part_count(o, size - reader_tell(r));
	if (nparts > 1)
		rc = read_parallel(&c, r, src, size, nparts, err, errlen);
	else
		rc = read_rows(&c, r, NULL, 0, 0, &stopped, err, errlen);
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
