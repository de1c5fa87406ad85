/*
 * baseline — reads the headline figures of an earlier run's JSON.
 *
 * A streaming, validating RFC 8259 scanner over a 64 KiB read buffer: every
 * value is checked (string escapes and \u surrogate pairs, UTF-8, number
 * syntax, literals, nesting at most BASELINE_MAX_DEPTH) but only the
 * top-level "headline" object's integer members and the top-level
 * "generator" string are kept. Memory use is the buffer whatever the size
 * of the file.
 *
 * Figures are matched by report_headline_key(), the keys json.c writes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "util.h"

#define BASELINE_MAX_DEPTH 64
#define BASELINE_CHUNK 65536
#define KEY_MAX 64               /* longer keys match no figure */


struct scan {
	const unsigned char *p;  /* current buffer */
	size_t n, i;             /* its length and read position */
	uint64_t base;           /* file offset of p[0] */
	FILE *f;                 /* NULL when reading memory */
	unsigned char *chunk;
	int ioerr;
	const char *name;
	char *err;
	size_t errlen;
	int status;              /* RR_OK until the first error */
	struct baseline *b;
	int seen_headline;
	struct prev_day day;     /* the "days" element being read */
	uint8_t dim;             /* the breakdown dimension being read */
	struct baseline_bd_row *row;   /* the breakdown row being read, or NULL */
	int cx;                  /* the "context" exit being read */
	uint8_t top_causes;      /* reading "top_causes" (else "top_events") */
	struct baseline_top *top;      /* the top-list item being read, or NULL */
	/* "breakdown_bins_ms": read so far, and all of them report_bd_bin_lo's */
	unsigned bins_n;
	int bins_ok;
	/* the row's histogram being read (enum bd_hist), its length so far,
	 * and whether every count was one */
	int hist_k;
	unsigned hist_n;
	int hist_bad;
};

static uint64_t offset(const struct scan *s)
{
	return s->base + s->i;
}

static int fail_at(struct scan *s, uint64_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (s->status != RR_OK)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->status = RR_EDATA;
	if (s->errlen)
		snprintf(s->err, s->errlen, "%s: offset %llu: %s", s->name,
			 (unsigned long long)off, msg);
	return -1;
}

/* The next byte without consuming it, or -1 at the end (or on a read error,
 * recorded in s->ioerr and reported by the caller of the scan). */
static int peek(struct scan *s)
{
	if (s->i < s->n)
		return s->p[s->i];
	if (!s->f || s->ioerr)
		return -1;
	s->base += s->n;
	s->i = 0;
	s->n = fread(s->chunk, 1, BASELINE_CHUNK, s->f);
	if (s->n == 0) {
		if (ferror(s->f))
			s->ioerr = errno ? errno : EIO;
		return -1;
	}
	return s->p[0];
}

static int next(struct scan *s)
{
	int c = peek(s);

	if (c >= 0)
		s->i++;
	return c;
}

static int unexpected(struct scan *s, int c, const char *what)
{
	if (c < 0)
		return fail_at(s, offset(s), "unexpected end of input, expected %s", what);
	if (c >= 0x20 && c < 0x7F)
		return fail_at(s, offset(s), "unexpected '%c', expected %s", c, what);
	return fail_at(s, offset(s), "unexpected byte 0x%02X, expected %s", c, what);
}

static int skip_ws(struct scan *s)
{
	int c;

	while ((c = peek(s)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		s->i++;
	return c;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits after "\u". */
static int read_hex4(struct scan *s, uint32_t *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(peek(s));

		if (h < 0)
			return fail_at(s, offset(s), "%s", "bad \\u escape: expected 4 hex digits");
		s->i++;
		*v = *v << 4 | (uint32_t)h;
	}
	return 0;
}

struct strbuf {
	char *out;               /* NULL: validate only */
	size_t cap, len;         /* cap includes the NUL */
	int truncated;
};

static void put(struct strbuf *sb, const unsigned char *bytes, size_t n)
{
	if (!sb->out)
		return;
	if (sb->truncated || sb->len + n >= sb->cap) {
		sb->truncated = 1;
		return;
	}
	memcpy(sb->out + sb->len, bytes, n);
	sb->len += n;
}

static size_t utf8_encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* One escape after the backslash. */
static int read_escape(struct scan *s, struct strbuf *sb)
{
	uint64_t at = offset(s) - 1;
	unsigned char o[4];
	uint32_t cp, lo;
	int c = next(s);

	switch (c) {
	case '"': case '\\': case '/':
		o[0] = (unsigned char)c;
		put(sb, o, 1);
		return 0;
	case 'b': o[0] = '\b'; put(sb, o, 1); return 0;
	case 'f': o[0] = '\f'; put(sb, o, 1); return 0;
	case 'n': o[0] = '\n'; put(sb, o, 1); return 0;
	case 'r': o[0] = '\r'; put(sb, o, 1); return 0;
	case 't': o[0] = '\t'; put(sb, o, 1); return 0;
	case 'u':
		break;
	case -1:
		return fail_at(s, offset(s), "%s", "unexpected end of input in a string");
	default:
		return fail_at(s, at, "bad escape '\\%c'", c >= 0x20 && c < 0x7F ? c : '?');
	}
	if (read_hex4(s, &cp))
		return -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail_at(s, at, "%s", "lone low surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (next(s) != '\\' || next(s) != 'u')
			return fail_at(s, at, "%s", "high surrogate not followed by a low surrogate");
		if (read_hex4(s, &lo))
			return -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail_at(s, at, "%s", "high surrogate not followed by a low surrogate");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	put(sb, o, utf8_encode(cp, o));
	return 0;
}

/* One UTF-8 sequence whose lead byte c (>= 0x80) was consumed. */
static int read_utf8(struct scan *s, int c, struct strbuf *sb)
{
	uint64_t at = offset(s) - 1;
	unsigned char o[4];
	size_t need;
	int lo = 0x80, hi = 0xBF;

	o[0] = (unsigned char)c;
	/* Second-byte ranges exclude overlongs, surrogates and > U+10FFFF. */
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return fail_at(s, at, "%s", "invalid UTF-8 in a string");
	}
	for (size_t k = 1; k <= need; k++) {
		int d = peek(s);

		if (d < lo || d > hi)
			return fail_at(s, at, "%s", "invalid UTF-8 in a string");
		s->i++;
		o[k] = (unsigned char)d;
		lo = 0x80;
		hi = 0xBF;
	}
	put(sb, o, need + 1);
	return 0;
}

/* Printable ASCII but '"' and '\\': bytes a string's content takes as they
 * are. */
static int plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Steps over the run of plain bytes at the read position inside the
 * buffer in hand (a string skipped, not kept: the bulk of a run's JSON). */
static void skip_plain(struct scan *s)
{
	const unsigned char *p = s->p;
	size_t i = s->i, n = s->n;

	while (i < n && plain_byte(p[i]))
		i++;
	s->i = i;
}

/* A string; the opening quote is next. Decodes into sb (may be NULL). */
static int read_string(struct scan *s, struct strbuf *sb)
{
	struct strbuf none = { NULL, 0, 0, 0 };
	unsigned char o[1];

	if (!sb)
		sb = &none;
	s->i++;                  /* '"' */
	for (;;) {
		int c;

		if (!sb->out)
			skip_plain(s);
		c = next(s);

		if (c == '"')
			break;
		if (c < 0)
			return fail_at(s, offset(s), "%s", "unexpected end of input in a string");
		if (c == '\\') {
			if (read_escape(s, sb))
				return -1;
		} else if (c < 0x20) {
			return fail_at(s, offset(s) - 1, "%s", "control character in a string");
		} else if (c >= 0x80) {
			if (read_utf8(s, c, sb))
				return -1;
		} else {
			o[0] = (unsigned char)c;
			put(sb, o, 1);
		}
	}
	if (sb->out) {
		sb->len = utf8_cut(sb->out, sb->len);
		sb->out[sb->len] = '\0';
	}
	return 0;
}

static int digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A number. *is_int: no fraction or exponent and within int64 (not
 * INT64_MIN, which is RR_NONE); *v is then its value. */
static int read_number(struct scan *s, int *is_int, int64_t *v)
{
	uint64_t mag = 0;
	int neg = 0, big = 0, c;

	*is_int = 0;
	if (peek(s) == '-') {
		neg = 1;
		s->i++;
	}
	c = peek(s);
	if (!digit(c))
		return unexpected(s, c, "a digit");
	if (c == '0') {
		s->i++;
	} else {
		while (digit(c = peek(s))) {
			s->i++;
			if (mag > ((uint64_t)INT64_MAX - (uint64_t)(c - '0')) / 10)
				big = 1;
			else
				mag = mag * 10 + (uint64_t)(c - '0');
		}
	}
	c = peek(s);
	if (c == '.') {
		s->i++;
		if (!digit(peek(s)))
			return unexpected(s, peek(s), "a digit after '.'");
		while (digit(peek(s)))
			s->i++;
		big = -1;
	}
	c = peek(s);
	if (c == 'e' || c == 'E') {
		s->i++;
		c = peek(s);
		if (c == '+' || c == '-')
			s->i++;
		if (!digit(peek(s)))
			return unexpected(s, peek(s), "a digit in the exponent");
		while (digit(peek(s)))
			s->i++;
		big = -1;
	}
	if (big == 0) {
		*is_int = 1;
		*v = neg ? -(int64_t)mag : (int64_t)mag;
	} else if (big == 1) {
		*is_int = 2;     /* an integer, out of range */
	}
	return 0;
}

static int literal(struct scan *s, const char *word)
{
	uint64_t at = offset(s);

	for (const char *w = word; *w; w++)
		if (next(s) != *w)
			return fail_at(s, at, "invalid literal, expected '%s'", word);
	return 0;
}

/* CTX_DAYS, CTX_DAY, CTX_DAY_LATENCY: the "days" array, one day, its
 * latency; CTX_BDS: the "breakdowns" object; CTX_BD_LIST: a dimension's
 * array; CTX_BD_ROW: one of its rows; CTX_BD_LAT: its "entry_latency_ms". */
enum ctx { CTX_SKIP, CTX_TOP, CTX_HEADLINE, CTX_DAYS, CTX_DAY, CTX_DAY_LATENCY,
	   CTX_BDS, CTX_BD_LIST, CTX_BD_ROW, CTX_BD_LAT, CTX_BINS, CTX_BD_FF, CTX_BD_HIST,
	   /* Read by with_item: "context", an exit of it, its "with"; a
	    * "top_events"/"top_causes" object, one of its lists, an item. */
	   CTX_CONTEXT, CTX_CX_EXIT, CTX_CX_WITH, CTX_TOPS, CTX_TOP_LIST, CTX_TOP_ITEM };

static int value(struct scan *s, int depth, enum ctx ctx);
static int container(struct scan *s, int depth, enum ctx ctx);
static int with_item(struct scan *s, int depth, enum ctx ctx, int obj);
static enum ctx with_top(struct scan *s, const char *key);

/* ------------------------------------------------------------ days */

/* An integer or null (RR_NONE) into *v; c is its first byte. */
static int day_int(struct scan *s, int c, const char *key, int64_t *v)
{
	uint64_t at = offset(s);
	int is_int;

	if (c == 'n') {
		*v = RR_NONE;
		return literal(s, "null");
	}
	if (c != '-' && !digit(c))
		return fail_at(s, at, "days[%llu] \"%s\": not an integer or null",
			       (unsigned long long)s->b->days_total, key);
	if (read_number(s, &is_int, v))
		return -1;
	if (is_int != 1)
		return fail_at(s, at, "days[%llu] \"%s\": %s", (unsigned long long)s->b->days_total,
			       key, is_int == 2 ? "number out of range" : "not an integer");
	return 0;
}

/* Member key of a day object (or of its "entry_latency_ms"), its value
 * next (first byte c). 1 when the key is not one read here. */
static int day_member(struct scan *s, int depth, enum ctx ctx, const char *key, int c)
{
	static const char *const ikeys[] = {
		"calls", "sessions", "timeouts", "entry_failed", "entry_success_pm",
		"abnormal_experiences_per_100_x10" };
	struct prev_day *d = &s->day;
	int64_t *ivals[] = { &d->calls, &d->sessions, &d->timeouts, &d->entry_failed,
			     &d->entry_success_pm, &d->experiences_per_100_x10 };
	unsigned long long n = (unsigned long long)s->b->days_total;
	uint64_t at = offset(s);

	if (ctx == CTX_DAY_LATENCY) {
		if (strcmp(key, "p50") == 0 || strcmp(key, "p95") == 0)
			return day_int(s, c, key, key[1] == '5' ? &d->latency_p50 : &d->latency_p95);
		return 1;
	}
	for (size_t k = 0; k < sizeof ikeys / sizeof ikeys[0]; k++)
		if (strcmp(key, ikeys[k]) == 0)
			return day_int(s, c, key, ivals[k]);
	if (strcmp(key, "date") == 0) {
		struct strbuf db = { d->date, sizeof d->date, 0, 0 };

		if (c != '"')
			return fail_at(s, at, "days[%llu] \"date\": not a string", n);
		if (read_string(s, &db))
			return -1;
		d->day_no = db.truncated ? RR_NONE : report_day_of_date(d->date);
		if (d->day_no == RR_NONE)
			return fail_at(s, at, "days[%llu] \"date\": not a YYYY-MM-DD date", n);
		return 0;
	}
	if (strcmp(key, "partial") == 0) {
		d->partial = c == 't' ? 1 : c == 'f' ? 0 : -1;
		if (c == 't' || c == 'f' || c == 'n')
			return literal(s, c == 't' ? "true" : c == 'f' ? "false" : "null");
		return fail_at(s, at, "days[%llu] \"partial\": not true, false or null", n);
	}
	if (strcmp(key, "entry_latency_ms") == 0) {
		if (c == 'n')
			return literal(s, "null");
		if (c != '{')
			return fail_at(s, at, "days[%llu] \"entry_latency_ms\": not an object", n);
		return container(s, depth + 1, CTX_DAY_LATENCY);
	}
	return 1;
}

/* One element of "days" (next): an object with a date, kept in the ring
 * of the last BASELINE_DAYS. */
static int day_element(struct scan *s, int depth)
{
	struct baseline *b = s->b;
	struct prev_day *d = &s->day;
	uint64_t at = offset(s);

	if (peek(s) != '{')
		return fail_at(s, at, "days[%llu]: not an object", (unsigned long long)b->days_total);
	memset(d, 0, sizeof *d);
	d->day_no = RR_NONE;
	d->calls = d->sessions = d->timeouts = d->entry_failed = RR_NONE;
	d->entry_success_pm = d->latency_p50 = d->latency_p95 = RR_NONE;
	d->experiences_per_100_x10 = RR_NONE;
	d->partial = -1;
	if (container(s, depth, CTX_DAY))
		return -1;
	if (d->day_no == RR_NONE)
		return fail_at(s, at, "days[%llu]: no \"date\"", (unsigned long long)b->days_total);
	if (b->days_total == 0 || d->day_no < b->first_day)
		b->first_day = d->day_no;
	if (b->days_total == 0 || d->day_no > b->last_day)
		b->last_day = d->day_no;
	b->days[b->days_total % BASELINE_DAYS] = *d;
	b->days_total++;
	return 0;
}

static void reverse_days(struct prev_day *d, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct prev_day t = d[i];

		d[i] = d[n - 1 - i];
		d[n - 1 - i] = t;
	}
}

/* After the scan: the ring in the file's order. */
static void days_done(struct baseline *b)
{
	size_t k = (size_t)(b->days_total % BASELINE_DAYS);

	if (b->days_total == 0)
		b->first_day = b->last_day = RR_NONE;
	if (b->days_total <= BASELINE_DAYS) {
		b->ndays = (uint32_t)b->days_total;
		return;
	}
	b->ndays = BASELINE_DAYS;
	/* Oldest at k: rotate left by k. */
	reverse_days(b->days, k);
	reverse_days(b->days + k, BASELINE_DAYS - k);
	reverse_days(b->days, BASELINE_DAYS);
}

/* A breakdown row object begins: the next free row, if any is left. */
static void bd_row_start(struct scan *s, int obj)
{
	struct baseline *b = s->b;

	s->row = NULL;
	if (!obj || b->nbd >= BASELINE_BD_ROWS)
		return;
	s->row = &b->bd[b->nbd++];
	memset(s->row, 0, sizeof *s->row);
	s->row->dim = s->dim;
}

static const char *const bd_count_key[BC__COUNT] = {
	[BC_ENTERED] = "entered", [BC_ENTRY_OBSERVED] = "entry_observed",
	[BC_TIMEOUTS] = "timeouts", [BC_KICKS] = "kicks", [BC_ENTRY_FAILED] = "entry_failed",
	[BC_NO_EXIT] = "no_exit", [BC_FAST] = "entry_within_5s", [BC_LATENCY_N] = "n",
	[BC_FIRST_FRAME_N] = "n",
};

/* A count of the row (k) whose value (first byte c) is next. Returns 1
 * when it read the value, 0 when it is not a number, -1 on a syntax
 * error; a value that is not a count leaves it unset. */
static int bd_count_member(struct scan *s, int k, int c)
{
	int is_int;
	int64_t v;

	if (!(c == '-' || digit(c)))
		return 0;
	if (read_number(s, &is_int, &v))
		return -1;
	if (is_int == 1 && v >= 0 && v <= UINT32_MAX) {
		s->row->has_count[k] = 1;
		s->row->count[k] = (uint32_t)v;
	}
	return 1;
}

/* A member of a breakdown row whose key was read and whose value (first
 * byte c) is next: "key", "sessions", a rate or a count. Returns 1 when it
 * read the value, 0 when the caller is to skip it, -1 on a syntax error.
 * Values of another type than expected leave the figure unset. */
static int bd_member(struct scan *s, const char *key, int c)
{
	struct baseline_bd_row *row = s->row;
	int is_int, f = -1;
	int64_t v;

	for (int k = 0; k <= BC_FAST; k++)
		if (strcmp(key, bd_count_key[k]) == 0)
			return bd_count_member(s, k, c);

	if (strcmp(key, "key") == 0) {
		struct strbuf kb = { row->key, sizeof row->key, 0, 0 };

		if (c != '"')
			return 0;
		if (read_string(s, &kb))
			return -1;
		row->keyed = !kb.truncated;
		return 1;
	}
	for (int k = 0; k < BF__COUNT; k++)
		if (strcmp(key, report_bd_figure_key(k)) == 0)
			f = k;
	if ((f < 0 && strcmp(key, "sessions") != 0) || !(c == '-' || digit(c)))
		return 0;
	if (read_number(s, &is_int, &v))
		return -1;
	if (is_int != 1)
		return 1;
	if (f >= 0) {
		row->have[f] = 1;
		row->value[f] = v;
	} else if (v >= 0 && v <= UINT32_MAX) {
		row->has_sessions = 1;
		row->sessions = (uint32_t)v;
	}
	return 1;
}

/* One element of "breakdown_bins_ms" (CTX_BINS) or of a row's histogram
 * (CTX_BD_HIST), whose first byte is next: any value; a number that is not
 * the expected edge, or not a count, spoils the array (not an error). */
static int bin_element(struct scan *s, int depth, enum ctx ctx)
{
	int c = skip_ws(s), is_int;
	int64_t v;

	if (!(c == '-' || digit(c))) {
		if (ctx == CTX_BINS)
			s->bins_ok = 0;
		else
			s->hist_bad = 1;
		return value(s, depth + 1, CTX_SKIP);
	}
	if (read_number(s, &is_int, &v))
		return -1;
	if (ctx == CTX_BINS) {
		if (is_int != 1 || s->bins_n >= REPORT_BD_BINS || v != report_bd_bin_lo(s->bins_n))
			s->bins_ok = 0;
		s->bins_n++;
		return 0;
	}
	if (is_int != 1 || v < 0 || v > UINT32_MAX || s->hist_n >= REPORT_BD_BINS)
		s->hist_bad = 1;
	else
		s->row->hist[s->hist_k][s->hist_n] = (uint32_t)v;
	s->hist_n++;
	return 0;
}

/* Members of a breakdown row or of the top level read for the changes
 * (report_changes): "breakdown_bins_ms" at the top, a row's
 * "first_frame_ms" -> "n" and its histograms. The value (first byte c)
 * is next. 1 when the member is not one of these, 0 when read, -1 on a
 * syntax error. */
static int changes_member(struct scan *s, int depth, enum ctx ctx, const char *key, int c)
{
	if (ctx == CTX_TOP && strcmp(key, "breakdown_bins_ms") == 0 && c == '[') {
		s->bins_n = 0;
		s->bins_ok = 1;
		if (container(s, depth + 1, CTX_BINS))
			return -1;
		s->bins_ok = s->bins_ok && s->bins_n == REPORT_BD_BINS;
		return 0;
	}
	if (ctx == CTX_BD_FF) {
		int r = strcmp(key, "n") == 0 ? bd_count_member(s, BC_FIRST_FRAME_N, c) : 0;

		return r < 0 ? -1 : r ? 0 : 1;
	}
	if (ctx != CTX_BD_ROW || !s->row)
		return 1;
	if (strcmp(key, "first_frame_ms") == 0 && c == '{')
		return container(s, depth + 1, CTX_BD_FF) ? -1 : 0;
	s->hist_k = strcmp(key, "entry_latency_hist") == 0 ? BH_LATENCY
		    : strcmp(key, "first_frame_hist") == 0 ? BH_FIRST_FRAME : -1;
	if (s->hist_k < 0 || c != '[')
		return 1;
	s->hist_n = 0;
	s->hist_bad = !s->bins_ok;
	memset(s->row->hist[s->hist_k], 0, sizeof s->row->hist[s->hist_k]);
	if (container(s, depth + 1, CTX_BD_HIST))
		return -1;
	s->row->has_hist[s->hist_k] = !s->hist_bad;
	if (s->hist_bad)
		memset(s->row->hist[s->hist_k], 0, sizeof s->row->hist[s->hist_k]);
	return 0;
}

/* Reads an object member's key and the ':' after it into key (size
 * bytes; "" when the key is longer). 0, or -1 with the error set. */
static int member_key(struct scan *s, char *key, size_t size)
{
	struct strbuf kb = { key, size, 0, 0 };
	int c = skip_ws(s);

	if (c != '"')
		return unexpected(s, c, "a string key");
	if (read_string(s, &kb))
		return -1;
	if (kb.truncated)
		key[0] = '\0';
	c = skip_ws(s);
	if (c != ':')
		return unexpected(s, c, "':'");
	s->i++;
	return 0;
}

/* Headline figure hl (member key, its value starting with c at byte kat):
 * an integer or null. 0, or -1 with the error set. */
static int headline_value(struct scan *s, const char *key, int hl, int c, uint64_t kat)
{
	int is_int;
	int64_t v;

	if (c == 'n') {
		if (literal(s, "null"))
			return -1;
		s->b->have[hl] = 0;
		return 0;
	}
	if (c != '-' && !digit(c))
		return fail_at(s, kat, "headline \"%s\": not an integer or null", key);
	if (read_number(s, &is_int, &v))
		return -1;
	if (is_int != 1)
		return fail_at(s, kat, "headline \"%s\": %s", key,
			       is_int == 2 ? "number out of range" : "not an integer");
	s->b->have[hl] = 1;
	s->b->value[hl] = v;
	return 0;
}

/* ------------------------------------------------ what went with it */

/* A count (an integer 0..max) whose first byte c is next, into *v:
 * 1 read, 0 not such a number (the value is skipped), -1 on an error. */
static int with_count(struct scan *s, int depth, int c, int64_t max, int64_t *v)
{
	int is_int;

	if (c != '-' && !digit(c))
		return value(s, depth + 1, CTX_SKIP) ? -1 : 0;
	if (read_number(s, &is_int, v))
		return -1;
	return is_int == 1 && *v >= 0 && *v <= max;
}

/* A top-level member key whose object value is next: the context it is
 * read in, CTX_SKIP when it is not one of with_item's. */
static enum ctx with_top(struct scan *s, const char *key)
{
	if (strcmp(key, "context") == 0) {
		s->b->has_context = 1;
		memset(s->b->context, 0, sizeof s->b->context);
		return CTX_CONTEXT;
	}
	if (strcmp(key, "top_events") != 0 && strcmp(key, "top_causes") != 0)
		return CTX_SKIP;
	s->top_causes = key[4] == 'c';
	return CTX_TOPS;
}

/* An item of a top list ends: kept when it had a table, an id and a count. */
static void with_top_done(struct scan *s)
{
	struct baseline_top *t = s->top;

	if (t && t->ok == 7)
		t->ok = 1;
	else if (t)
		s->b->ntops--;
	s->top = NULL;
}

/* A member of a top-list item (key, its value's first byte c). */
static int with_top_member(struct scan *s, int depth, const char *key, int c)
{
	struct baseline_top *t = s->top;
	int64_t v;
	int is_int;

	if (strcmp(key, "table") == 0 && c == '"') {
		struct strbuf tb = { t->table, sizeof t->table, 0, 0 };

		if (read_string(s, &tb))
			return -1;
		t->ok |= tb.truncated ? 0 : 1;
		return 0;
	}
	if ((strcmp(key, "param_one") == 0 || strcmp(key, "param_two") == 0) && c == 'n') {
		*(key[6] == 'o' ? &t->p1 : &t->p2) = RR_NONE;
		return literal(s, "null");
	}
	if (strcmp(key, "id") && strcmp(key, "param_one") && strcmp(key, "param_two") &&
	    strcmp(key, "count") && strcmp(key, "users"))
		return value(s, depth + 1, CTX_SKIP);
	if (c != '-' && !digit(c))
		return value(s, depth + 1, CTX_SKIP);
	if (read_number(s, &is_int, &v))
		return -1;
	if (is_int != 1)
		return 0;
	if (key[0] == 'i' && v >= 0 && v <= INT32_MAX) {
		t->id = v;
		t->ok |= 2;
	} else if (key[0] == 'c' && v >= 0) {
		t->count = (uint64_t)v;
		t->ok |= 4;
	} else if (key[0] == 'u' && v >= 0) {
		t->users = v;
	} else if (key[0] == 'p' && v >= INT32_MIN && v <= INT32_MAX) {
		*(key[6] == 'o' ? &t->p1 : &t->p2) = v;
	}
	return 0;
}

/* A member (obj) or an element of one of with_item's contexts, key and
 * value; the value is read whole. 0, or -1 with the error set. */
static int with_item(struct scan *s, int depth, enum ctx ctx, int obj)
{
	struct baseline_context *cx = &s->b->context[s->cx];
	char key[KEY_MAX + 1] = "";
	enum ctx sub = CTX_SKIP;
	int64_t v;
	int c, rc;

	if (obj && member_key(s, key, sizeof key))
		return -1;
	c = skip_ws(s);
	if (ctx == CTX_CONTEXT && c == '{') {
		for (int e = 0; e < CX__COUNT; e++)
			if (strcmp(key, report_cx_exit_key(e)) == 0) {
				s->cx = e;
				memset(&s->b->context[e], 0, sizeof s->b->context[e]);
				sub = CTX_CX_EXIT;
			}
	} else if (ctx == CTX_CX_EXIT && strcmp(key, "sessions") == 0) {
		rc = with_count(s, depth, c, UINT32_MAX, &v);
		if (rc > 0) {
			cx->sessions = (uint32_t)v;
			cx->has_sessions = 1;
		}
		return rc < 0 ? -1 : 0;
	} else if (ctx == CTX_CX_EXIT && strcmp(key, "with") == 0 && c == '{') {
		sub = CTX_CX_WITH;
	} else if (ctx == CTX_CX_WITH) {
		for (int k = 0; k < CK__COUNT; k++)
			if (strcmp(key, report_cx_kind_key(k)) == 0) {
				rc = with_count(s, depth, c, UINT32_MAX, &v);
				if (rc > 0) {
					cx->with[k] = (uint32_t)v;
					cx->have[k] = 1;
				}
				return rc < 0 ? -1 : 0;
			}
	} else if (ctx == CTX_TOPS && c == '[' &&
		   (strcmp(key, "by_count") == 0 || strcmp(key, "by_users") == 0)) {
		sub = CTX_TOP_LIST;
	} else if (ctx == CTX_TOP_LIST && c == '{' && s->b->ntops < BASELINE_TOPS) {
		s->top = &s->b->tops[s->b->ntops++];
		memset(s->top, 0, sizeof *s->top);
		s->top->causes = s->top_causes;
		s->top->p1 = s->top->p2 = s->top->users = RR_NONE;
		sub = CTX_TOP_ITEM;
	} else if (ctx == CTX_TOP_ITEM && s->top) {
		return with_top_member(s, depth, key, c) ? -1 : 0;
	}
	if (sub == CTX_SKIP)
		return value(s, depth + 1, CTX_SKIP);
	if (container(s, depth + 1, sub))
		return -1;
	if (sub == CTX_TOP_ITEM)
		with_top_done(s);
	if (sub == CTX_CX_EXIT) {
		cx = &s->b->context[s->cx];
		cx->has = cx->has_sessions;
		for (int k = 0; k < CK__COUNT; k++)
			cx->has = cx->has && cx->have[k] && cx->with[k] <= cx->sessions;
	}
	return 0;
}

/* A member of an object none of whose values is kept: its key (validated,
 * not compared), ':' and value. 0, or -1 with the error set. */
static int skip_member(struct scan *s, int depth)
{
	int c = skip_ws(s);

	if (c != '"')
		return unexpected(s, c, "a string key");
	if (read_string(s, NULL))
		return -1;
	c = skip_ws(s);
	if (c != ':')
		return unexpected(s, c, "':'");
	s->i++;
	return value(s, depth + 1, CTX_SKIP);
}

/* A member of the top-level object: "headline" (sets *sub), "generator" and
 * "days" (read whole); key and its value's first byte c, at offset kat.
 * 1: not one of these (or *sub set; the caller goes on), 0: read, -1: error. */
static int top_member(struct scan *s, int depth, const char *key, int c, uint64_t kat,
		      enum ctx *sub)
{
	if (strcmp(key, "headline") == 0) {
		if (c != '{')
			return fail_at(s, kat, "%s", "\"headline\" is not an object");
		memset(s->b->have, 0, sizeof s->b->have);
		memset(s->b->value, 0, sizeof s->b->value);
		s->seen_headline = 1;
		*sub = CTX_HEADLINE;
		return 1;
	}
	if (strcmp(key, "generator") == 0 && c == '"') {
		struct strbuf gb = { s->b->generator, sizeof s->b->generator, 0, 0 };

		return read_string(s, &gb) ? -1 : 0;
	}
	if (strcmp(key, "days") == 0) {
		if (c != '[')
			return fail_at(s, kat, "%s", "\"days\" is not an array");
		memset(s->b->days, 0, sizeof s->b->days);
		s->b->days_total = 0;
		return container(s, depth + 1, CTX_DAYS) ? -1 : 0;
	}
	return 1;
}

/* An object or array; the opening bracket is next. */
static int container(struct scan *s, int depth, enum ctx ctx)
{
	int obj = peek(s) == '{', c;
	char key[KEY_MAX + 1];

	if (depth > BASELINE_MAX_DEPTH)
		return fail_at(s, offset(s), "nesting deeper than %d", BASELINE_MAX_DEPTH);
	if (ctx == CTX_BD_ROW)
		bd_row_start(s, obj);
	s->i++;
	c = skip_ws(s);
	if (c == (obj ? '}' : ']')) {
		s->i++;
		return 0;
	}
	for (;;) {
		enum ctx sub = CTX_SKIP;
		int hl = -1;

		if (!obj && ctx == CTX_DAYS) {
			skip_ws(s);
			if (day_element(s, depth + 1))
				return -1;
			goto member_done;
		}
		if (ctx >= CTX_CONTEXT) {        /* what went with it */
			if (with_item(s, depth, ctx, obj))
				return -1;
			goto member_done;
		}
		if (obj ? ctx == CTX_SKIP : ctx == CTX_BINS || ctx == CTX_BD_HIST) {
			if (obj ? skip_member(s, depth) : bin_element(s, depth, ctx))
				return -1;
			goto member_done;
		}
		if (obj) {
			uint64_t kat;
			int cm;

			if (member_key(s, key, sizeof key))
				return -1;
			c = skip_ws(s);
			kat = offset(s);
			cm = changes_member(s, depth, ctx, key, c);
			if (cm < 0)
				return -1;
			if (cm == 0)
				goto member_done;
			if (ctx == CTX_TOP && (cm = top_member(s, depth, key, c, kat, &sub)) <= 0) {
				if (cm < 0)
					return -1;
				goto member_done;
			} else if (sub != CTX_SKIP) {
				/* "headline": read by the headline context */
			} else if (ctx == CTX_DAY || ctx == CTX_DAY_LATENCY) {
				int dm = day_member(s, depth, ctx, key, c);

				if (dm < 0)
					return -1;
				if (dm == 0)
					goto member_done;
			} else if (ctx == CTX_TOP && c == '{' && (sub = with_top(s, key)) != CTX_SKIP) {
				/* "context", "top_events", "top_causes": with_item */
			} else if (ctx == CTX_TOP && strcmp(key, "breakdowns") == 0 && c == '{') {
				s->b->nbd = 0;
				sub = CTX_BDS;
			} else if (ctx == CTX_BDS && c == '[') {
				for (int k = 0; k < BDIM__COUNT; k++)
					if (strcmp(key, report_bd_dim_key(k)) == 0) {
						s->dim = (uint8_t)k;
						sub = CTX_BD_LIST;
					}
			} else if (ctx == CTX_BD_ROW && s->row && c == '{' &&
				   strcmp(key, "entry_latency_ms") == 0) {
				sub = CTX_BD_LAT;
			} else if ((ctx == CTX_BD_ROW || ctx == CTX_BD_LAT) && s->row) {
				int r = ctx == CTX_BD_ROW ? bd_member(s, key, c)
					: strcmp(key, "n") == 0 ? bd_count_member(s, BC_LATENCY_N, c) : 0;

				if (r < 0)
					return -1;
				if (r > 0)
					goto member_done;
			} else if (ctx == CTX_HEADLINE) {
				for (int k = 0; k < HL__COUNT; k++)
					if (strcmp(key, report_headline_key(k)) == 0)
						hl = k;
			}
			if (hl >= 0) {
				if (headline_value(s, key, hl, c, kat))
					return -1;
				goto member_done;
			}
		}
		if (!obj && ctx == CTX_BD_LIST)
			sub = CTX_BD_ROW;
		if (value(s, depth + 1, sub))
			return -1;
member_done:
		c = skip_ws(s);
		if (c == ',') {
			s->i++;
			continue;
		}
		if (c == (obj ? '}' : ']')) {
			s->i++;
			return 0;
		}
		return unexpected(s, c, obj ? "',' or '}'" : "',' or ']'");
	}
}

/* Any value at depth (containers count from 1). */
static int value(struct scan *s, int depth, enum ctx ctx)
{
	int c = skip_ws(s), is_int;
	int64_t v;

	switch (c) {
	case '{':
	case '[':
		return container(s, depth, c == '{' || ctx == CTX_BD_LIST ? ctx : CTX_SKIP);
	case '"':
		return read_string(s, NULL);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		if (c == '-' || digit(c))
			return read_number(s, &is_int, &v);
		return unexpected(s, c, "a value");
	}
}

static int scan_all(struct scan *s)
{
	uint64_t at;
	int c;

	memset(s->b, 0, sizeof *s->b);
	/* A UTF-8 byte order mark is tolerated (RFC 8259 §8.1). */
	if (peek(s) == 0xEF) {
		s->i++;
		if (next(s) != 0xBB || next(s) != 0xBF)
			return fail_at(s, 0, "%s", "not JSON (bad byte order mark)");
	}
	c = skip_ws(s);
	at = offset(s);
	if (value(s, 1, c == '{' ? CTX_TOP : CTX_SKIP) == 0) {
		c = skip_ws(s);
		if (c >= 0)
			unexpected(s, c, "the end of input");
	}
	if (s->ioerr) {
		s->status = RR_EIO;
		if (s->errlen)
			snprintf(s->err, s->errlen, "%s: %s", s->name, strerror(s->ioerr));
		return RR_EIO;
	}
	if (s->status == RR_OK && !s->seen_headline)
		fail_at(s, at, "%s", "no top-level \"headline\" object (not a roomreport JSON?)");
	if (s->status != RR_OK)
		memset(s->b, 0, sizeof *s->b);
	else
		days_done(s->b);
	return s->status;
}

int baseline_read_mem(const char *name, const char *buf, size_t len, struct baseline *b,
		      char *err, size_t errlen)
{
	struct scan s;

	memset(&s, 0, sizeof s);
	s.p = (const unsigned char *)buf;
	s.n = len;
	s.name = name;
	s.err = err;
	s.errlen = errlen;
	s.b = b;
	if (errlen)
		err[0] = '\0';
	return scan_all(&s);
}

int baseline_read(const char *path, struct baseline *b, char *err, size_t errlen)
{
	struct scan s;
	int st;

	memset(&s, 0, sizeof s);
	if (errlen)
		err[0] = '\0';
	s.f = fopen(path, "rb");
	if (!s.f) {
		memset(b, 0, sizeof *b);
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return RR_EIO;
	}
	s.chunk = rr_malloc(BASELINE_CHUNK);
	if (!s.chunk) {
		fclose(s.f);
		memset(b, 0, sizeof *b);
		return RR_ENOMEM;
	}
	s.p = s.chunk;
	s.name = path;
	s.err = err;
	s.errlen = errlen;
	s.b = b;
	errno = 0;
	st = scan_all(&s);
	rr_free(s.chunk);
	fclose(s.f);
	return st;
}

const struct baseline_bd_row *baseline_bd_find(const struct baseline *b, enum bd_dim dim,
					       const char *key)
{
	for (size_t i = 0; b && i < b->nbd; i++)
		if (b->bd[i].dim == dim && b->bd[i].keyed && strcmp(b->bd[i].key, key) == 0)
			return &b->bd[i];
	return NULL;
}

const struct baseline_top *baseline_top_find(const struct baseline *b, int causes,
					     const char *table, int64_t id, int64_t p1,
					     int64_t p2)
{
	for (size_t i = 0; b && i < b->ntops; i++) {
		const struct baseline_top *t = &b->tops[i];

		if (t->ok && t->causes == (causes != 0) && t->id == id && t->p1 == p1 &&
		    t->p2 == p2 && strcmp(t->table, table) == 0)
			return t;
	}
	return NULL;
}
