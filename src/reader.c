/*
 * reader — bytes to CSV records with physical line numbers.
 *
 * Input flows through a window of bytes win[pos..end). Plain regular files
 * are read with pread into one fixed buffer (READER_MAX_RECORD plus a read
 * chunk), a chunk at a time, so the bytes are still in the core's cache
 * when they are scanned; gzip files, stdin and pipes go through zlib's
 * gzread, memory buffers are copied or inflated into the same kind of
 * buffer, so memory stays bounded whatever the input.
 *
 * Two ways to a record. The fast path takes a record that ends inside the
 * window and has no quote: one pass, sixteen or eight bytes at a time, finds
 * its commas and its line end and cuts the fields out of a copy of the
 * record with the same trimming and limits as libcsv applies (the test in
 * tests/unit/test_reader_fast.c holds the two to that). Everything else --
 * quotes, the last record without a line end, records over a limit -- goes
 * the general way: a small RFC 4180 state machine finds where the record
 * ends, so a broken record can be skipped and the next physical line read,
 * and only then is the record handed to libcsv (strict mode) to split and
 * unquote its fields.
 *
 * Between records the reader's only state is the offset and the line
 * number (an LF owed to a CR-ended record is settled by reader_tell), which
 * is what lets a big file be read in parts on several threads.
 *
 * Choices made here, on purpose:
 *  - libcsv's trimming of spaces and tabs around unquoted fields is kept: the
 *    exports never rely on them and trimmed IDs are what people expect.
 *    Spaces before an opening quote and after a closing quote are allowed,
 *    as libcsv allows them.
 *  - A line holding only spaces and tabs is blank (libcsv yields no row).
 *  - A corrupt gzip stream is RR_EIO: the file could not be read to its
 *    end, as with any other read failure. So is a truncated one, unless
 *    the caller keeps the records before the cut (reader_keep_cut): then
 *    the input ends at the cut, and a record the cut fell inside is
 *    READER_BAD_CUT, whatever its bytes look like (its end is lost).
 *  - An over-long record without an open quote is skipped up to the next
 *    physical line end, without looking at quotes beyond the limit.
 * Where the bytes come from (files, mappings, gzip, memory) and opening
 * readers: reader_input.c.
 * Does not: interpret fields, check field counts or UTF-8 (ingest does).
 * zlib's gz* functions allocate with malloc, outside rr_malloc's policy;
 * their failures still come back as errors.
 */
#include "reader_int.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"

/* libcsv's realloc hook cannot carry context, so the cap flags live here,
 * one set per thread (parts of a file are read on several threads). */
static _Thread_local int field_capped;
static _Thread_local int field_oom;

static void *capped_realloc(void *p, size_t n)
{
	void *np;

	/* libcsv wants room for the NUL (CSV_APPEND_NULL) and one byte of
	 * lookahead, so a field of exactly the limit needs limit + 2. The exact
	 * limit is checked in cb_field; this only bounds the buffer. */
	if (n > READER_MAX_FIELD + 2) {
		field_capped = 1;
		return NULL;
	}
	np = rr_realloc(p, n);
	if (!np)
		field_oom = 1;
	return np;
}

int reader_fields_init(struct reader *r)
{
	if (csv_init(&r->csv, CSV_OPTS) != 0)
		return RR_ENOMEM;
	r->csv_live = 1;
	csv_set_realloc_func(&r->csv, capped_realloc);
	csv_set_free_func(&r->csv, rr_free);
	/* Growth step, not a limit: fewer reallocs on the way to a long field. */
	csv_set_blk_size(&r->csv, 4096);
	return RR_OK;
}

/* ---- finding record boundaries ----------------------------------------- */

/* Byte classes for the scanner: everything else is ordinary data. */
enum { C_DATA = 0, C_COMMA, C_QUOTE, C_CR, C_LF, C_SPACE };
static const unsigned char cls[256] = {
	[','] = C_COMMA, ['"'] = C_QUOTE, ['\r'] = C_CR, ['\n'] = C_LF,
	[' '] = C_SPACE, ['\t'] = C_SPACE,
};

enum scan_state {
	S_FSTART,   /* at a field's start (spaces skipped) */
	S_UNQ,      /* inside an unquoted field */
	S_QUOTED,   /* inside a quoted field */
	S_QQ,       /* a quote inside a quoted field: closing, or first of "" */
	S_AFTERQ,   /* spaces after a closing quote */
};

enum scan_result {
	SC_RECORD,      /* len bytes, then a terminator (or end of input) */
	SC_STRAY,       /* stray quote */
	SC_OPEN,        /* quote still open at end of input or past the limit */
	SC_LONG,        /* over the limit with no quote open */
	SC_EOF,
	SC_ERROR,
};

struct scan {
	size_t len;         /* record bytes before its terminator */
	size_t nfields;
	uint64_t inner;     /* line ends inside quoted fields */
	int have_nl;        /* a line end was seen inside the record */
	size_t first_nl;    /* its offset from the record's start */
	size_t stop;        /* where scanning stopped (for SC_LONG/SC_STRAY) */
};

/* Makes sure win[pos + off] exists if the input has it. Returns 1 when it
 * does, 0 at end of input, -1 on error. Offsets stay valid across refills
 * because they are relative to pos. */
static int need(struct reader *r, size_t off)
{
	while (r->pos + off >= r->end) {
		if (r->eof || off >= r->cap)
			return 0;
		if (reader_refill(r) != 0)
			return -1;
	}
	return 1;
}

/* Consumes an LF that pairs with a CR ending the previous line. */
static int eat_pending_lf(struct reader *r)
{
	int h;

	if (!r->skip_lf)
		return 0;
	h = need(r, 0);
	if (h < 0)
		return -1;
	r->skip_lf = 0;
	if (h > 0 && r->win[r->pos] == '\n')
		r->pos++;
	return 0;
}

/* Where scan_window stopped. */
enum window_stop {
	W_MORE,     /* the window's bytes ran out: more are needed */
	W_END,      /* at the record's line end */
	W_STRAY,    /* at a stray quote */
};

/* Runs the record state machine over the window bytes [*pp, e), from state
 * *st; *pp is left where it stopped. start is the record's first byte, for
 * the offsets kept in sc. */
static inline enum window_stop scan_window(struct scan *sc, enum scan_state *st, int *prev_cr,
					   const unsigned char *start, const unsigned char **pp,
					   const unsigned char *e)
{
	const unsigned char *p = *pp;
	enum window_stop stop = W_MORE;

	while (p < e) {
		unsigned c = cls[*p];

		switch (*st) {
		case S_UNQ:
			/* The common case: run to the next special byte. */
			while (c == C_DATA || c == C_SPACE) {
				if (++p == e)
					goto out;
				c = cls[*p];
			}
			if (c == C_COMMA) {
				sc->nfields++;
				*st = S_FSTART;
			} else {
				stop = c == C_QUOTE ? W_STRAY : W_END;
				goto out;
			}
			break;
		case S_FSTART:
			if (c == C_COMMA)
				sc->nfields++;
			else if (c == C_QUOTE)
				*st = S_QUOTED;
			else if (c == C_CR || c == C_LF)
				stop = W_END;
			else if (c == C_DATA)
				*st = S_UNQ;
			break;
		case S_QUOTED:
			while (c == C_DATA || c == C_SPACE || c == C_COMMA) {
				*prev_cr = 0;
				if (++p == e)
					goto out;
				c = cls[*p];
			}
			if (c == C_QUOTE) {
				*st = S_QQ;
			} else {
				/* A line end inside the field: counts as a line,
				 * CRLF once. */
				if (!(c == C_LF && *prev_cr)) {
					sc->inner++;
					if (!sc->have_nl) {
						sc->have_nl = 1;
						sc->first_nl = (size_t)(p - start);
					}
				}
				*prev_cr = c == C_CR;
				p++;
				continue;
			}
			break;
		case S_QQ:
			if (c == C_QUOTE)
				*st = S_QUOTED;
			else if (c == C_COMMA) {
				sc->nfields++;
				*st = S_FSTART;
			} else if (c == C_SPACE)
				*st = S_AFTERQ;
			else
				stop = c == C_CR || c == C_LF ? W_END : W_STRAY;
			break;
		case S_AFTERQ:
			if (c == C_COMMA) {
				sc->nfields++;
				*st = S_FSTART;
			} else if (c == C_CR || c == C_LF)
				stop = W_END;
			else if (c != C_SPACE)
				stop = W_STRAY;
			break;
		}
		if (stop != W_MORE)
			break;
		*prev_cr = 0;
		p++;
	}
out:
	*pp = p;
	return stop;
}

/* Finds where the record at pos ends (the general way): its length, field
 * count and the line ends inside its quoted fields, or why it is broken. */
static enum scan_result scan_record(struct reader *r, struct scan *sc)
{
	enum scan_state st = S_FSTART;
	size_t off = 0;
	int prev_cr = 0;

	memset(sc, 0, sizeof *sc);
	sc->nfields = 1;
	if (eat_pending_lf(r) != 0)
		return SC_ERROR;
	for (;;) {
		const unsigned char *p, *e, *start;
		size_t lim;
		int h;

		if (off > READER_MAX_RECORD) {
			sc->stop = off;
			return st == S_QUOTED ? SC_OPEN : SC_LONG;
		}
		h = need(r, off);
		if (h < 0)
			return SC_ERROR;
		if (h == 0) {
			sc->len = off;
			if (off == 0)
				return SC_EOF;
			if (st == S_QUOTED)
				return SC_OPEN;
			return SC_RECORD;
		}
		start = r->win + r->pos;
		p = start + off;
		lim = r->end - r->pos;
		if (lim > READER_MAX_RECORD + 1)
			lim = READER_MAX_RECORD + 1;
		e = start + lim;
		switch (scan_window(sc, &st, &prev_cr, start, &p, e)) {
		case W_MORE:
			off = (size_t)(p - start);
			break;
		case W_END:
			sc->len = (size_t)(p - start);
			return SC_RECORD;
		case W_STRAY:
			sc->stop = (size_t)(p - start);
			return SC_STRAY;
		}
	}
}

/* Consumes len record bytes and the line end after them. */
static void consume_record(struct reader *r, size_t len, uint64_t lines_in)
{
	r->pos += len;
	r->line += lines_in;
	if (r->pos < r->end) {
		unsigned char c = r->win[r->pos];
		if (c == '\r' || c == '\n') {
			r->pos++;
			r->line++;
			r->skip_lf = c == '\r';
		}
	}
}

/*
 * Skips from offset off (relative to the record start at pos) to just after
 * the next physical line end, streaming through input that does not fit:
 * the record's first READER_MAX_RECORD bytes stay in the window for raw.
 * Returns 0 with raw and raw_len set, or -1 on a read error.
 */
static int skip_line(struct reader *r, size_t off, const char **raw, size_t *raw_len)
{
	for (;;) {
		unsigned char *base = r->win + r->pos;
		unsigned char *p = base + off, *e = r->win + r->end;

		while (p < e && *p != '\n' && *p != '\r')
			p++;
		if (p < e) {
			size_t at = (size_t)(p - base);
			*raw = (const char *)base;
			*raw_len = at < READER_MAX_RECORD ? at : READER_MAX_RECORD;
			r->skip_lf = *p == '\r';
			r->pos += at + 1;
			return 0;
		}
		off = r->end - r->pos;
		if (r->eof) {
			*raw = (const char *)base;
			*raw_len = off < READER_MAX_RECORD ? off : READER_MAX_RECORD;
			r->pos = r->end;
			return 0;
		}
		if (r->pos == 0 && r->end == r->cap) {
			/* Window full of this one line: keep its head, drop the rest.
			 * What is read next lands where the dropped bytes were, so
			 * base moves on by as many to keep the offsets right past
			 * the head. */
			r->end = READER_MAX_RECORD;
			off = READER_MAX_RECORD;
			r->base += r->cap - READER_MAX_RECORD;
		}
		if (reader_refill(r) != 0)
			return -1;
	}
}

/* ---- splitting fields with libcsv --------------------------------------- */

static void cb_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	size_t need_bytes;

	if (r->discard || r->cb_oom)
		return;
	if (r->nfields >= READER_MAX_FIELDS) {
		r->too_wide = 1;
		return;
	}
	if (len > READER_MAX_FIELD) {
		r->too_long = 1;
		return;
	}
	need_bytes = r->arena_len + len + 1;
	if (need_bytes > r->arena_cap &&
	    rr_grow(&r->arena, &r->arena_cap, need_bytes, 1) != RR_OK) {
		r->cb_oom = 1;
		return;
	}
	if (len)
		memcpy(r->arena + r->arena_len, s, len);
	r->arena[r->arena_len + len] = '\0';
	r->foff[r->nfields] = r->arena_len;
	r->flen[r->nfields] = len;
	r->arena_len += len + 1;
	r->nfields++;
}

static void cb_row(int c, void *data)
{
	struct reader *r = data;

	(void)c;
	if (!r->discard)
		r->got_row = 1;
}

enum split_result { SP_ROW, SP_BLANK, SP_QUOTE, SP_LONG, SP_WIDE, SP_OOM };

/*
 * Empties the parser after a failed record, dropping what it holds. With
 * CSV_STRICT_FINI, csv_fini refuses (and resets nothing) while a quoted
 * field is open -- as it is when such a field ran into the length cap --
 * and the next record would carry on inside that field. So the flag is off
 * for this one call.
 */
static void reset_parser(struct reader *r)
{
	r->discard = 1;
	csv_set_opts(&r->csv, CSV_OPTS & ~CSV_STRICT_FINI);
	csv_fini(&r->csv, cb_field, cb_row, r);
	csv_set_opts(&r->csv, CSV_OPTS);
	r->discard = 0;
}

static enum split_result split_fields(struct reader *r, const unsigned char *s, size_t len)
{
	size_t used;
	int e;

	r->nfields = 0;
	r->arena_len = 0;
	r->got_row = 0;
	r->discard = 0;
	r->cb_oom = 0;
	r->too_wide = 0;
	r->too_long = 0;
	field_capped = 0;
	field_oom = 0;
	used = csv_parse(&r->csv, s, len, cb_field, cb_row, r);
	e = csv_error(&r->csv);
	if (used == len && e == CSV_SUCCESS) {
		if (csv_fini(&r->csv, cb_field, cb_row, r) != 0) {
			e = CSV_EPARSE;
			reset_parser(r);
		}
	} else {
		if (e == CSV_SUCCESS)
			e = CSV_EPARSE;
		reset_parser(r);
	}
	if (r->cb_oom || field_oom)
		return SP_OOM;
	if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
		return field_capped ? SP_LONG : SP_OOM;
	if (e != CSV_SUCCESS)
		return SP_QUOTE;
	if (r->too_long)
		return SP_LONG;
	if (r->too_wide)
		return SP_WIDE;
	if (!r->got_row)
		return SP_BLANK;
	return SP_ROW;
}

/* ---- the fast path: records without quotes --------------------------------- */

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The high bit of every byte of w below ',' + 1: the four bytes the fast
 * path stops at (comma, quote, CR, LF) are all there, and ordinary ID and
 * number text (digits, letters, '-', '_', ':', '.', UTF-8) is not. Exact
 * per byte: no carry crosses a byte since the high bits are masked off
 * before the add. */
static inline uint64_t low_bytes(uint64_t w)
{
	return ~(((w & ~HIGHS) + ONES * (0x80 - ',' - 1)) | w) & HIGHS;
}

static inline bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Cuts the field ar[a..b) the way libcsv does for an unquoted field: leading
 * and trailing spaces and tabs go, and the limit falls where libcsv's capped
 * buffer runs out. That buffer holds the field from its first non-blank byte
 * to its end, trailing blanks included, and can take READER_MAX_FIELD + 1
 * bytes: one more is over, and so is that many when a comma still follows
 * (libcsv asks for room before it looks at the next byte); at the record's
 * end the trimmed length is what cb_field checks. Returns 0, or -1 when the
 * field is too long.
 */
static int cut_field(struct reader *r, unsigned char *ar, size_t a, size_t b, size_t i, bool last)
{
	size_t held;

	while (a < b && is_blank(ar[a]))
		a++;
	held = b - a;
	while (b > a && is_blank(ar[b - 1]))
		b--;
	if (held > READER_MAX_FIELD + 1 || (held == READER_MAX_FIELD + 1 && !last) ||
	    b - a > READER_MAX_FIELD)
		return -1;
	ar[b] = '\0';
	r->fptr[i] = (const char *)ar + a;
	r->flen[i] = b - a;
	return 0;
}

/* The common case of cut_field, inline: a field with no blank or other
 * low byte at either end, within the limit (or empty). */
static inline int emit_field(struct reader *r, unsigned char *ar, size_t a, size_t b, size_t i,
			     bool last)
{
	size_t n = b - a;

	if (n == 0 || (n <= READER_MAX_FIELD && ar[a] > ' ' && ar[b - 1] > ' ')) {
		ar[b] = '\0';
		r->fptr[i] = (const char *)ar + a;
		r->flen[i] = n;
		return 0;
	}
	return cut_field(r, ar, a, b, i, last);
}

enum fast_result { FR_ROW, FR_LONG, FR_SLOW, FR_ERROR };

/*
 * The next record, when it ends (CR or LF) inside the window within the
 * record limit, has no quote and at most READER_MAX_FIELDS fields: rows are
 * returned (FR_ROW), over-long fields reported (FR_LONG, record consumed),
 * blank lines consumed on the way. FR_SLOW leaves the reader at the start
 * of a record for the general path; FR_ERROR has the error recorded.
 *
 * One pass: each word of the record is copied to the arena as it is
 * scanned, and each comma found ends a field there (NUL over the comma),
 * so raw stays the untouched bytes in the window.
 */
static enum fast_result fast_record(struct reader *r, struct reader_record *rec)
{
	unsigned char *ar = (unsigned char *)r->arena;

	for (;;) {
		const unsigned char *s;
		size_t avail, lim, i = 0, a = 0, nf = 0, len;
		bool long_field = false, nul = false;
		unsigned hi = 0;
		unsigned char term;

		if (eat_pending_lf(r) != 0)
			return FR_ERROR;
		s = r->win + r->pos;
		avail = r->end - r->pos;
		lim = avail < READER_MAX_RECORD + 1 ? avail : READER_MAX_RECORD + 1;

/* What to do with a byte below ',' + 1 at offset k of the record. */
#define FAST_SPECIAL(k)                                                        \
	do {                                                                   \
		unsigned char c_ = s[k];                                       \
		if (c_ == ',') {                                               \
			if (nf == READER_MAX_FIELDS - 1)                       \
				return FR_SLOW;                                \
			if (!long_field &&                                     \
			    emit_field(r, ar, a, (k), nf, false) != 0)         \
				long_field = true;                             \
			nf++;                                                  \
			a = (k) + 1;                                           \
		} else if (c_ == '\n' || c_ == '\r') {                         \
			len = (k);                                             \
			goto found;                                            \
		} else if (c_ == '"') {                                        \
			return FR_SLOW;                                        \
		} else if (c_ == '\0') {                                       \
			nul = true;                                            \
		}                                                              \
	} while (0)

#ifdef __SSE2__
		while (i + 16 <= lim) {
			__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
			unsigned m = (unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(',')), v));

			_mm_storeu_si128((__m128i *)(ar + i), v);
			hi |= (unsigned)_mm_movemask_epi8(v);
			while (m) {
				size_t k = i + (size_t)__builtin_ctz(m);

				m &= m - 1;
				FAST_SPECIAL(k);
			}
			i += 16;
		}
#endif
		while (i + 8 <= lim) {
			uint64_t w = rr_load_le64(s + i), m = low_bytes(w);

			memcpy(ar + i, s + i, 8);
			hi |= (w & UINT64_C(0x8080808080808080)) != 0;
			while (m) {
				size_t k = i + ((size_t)__builtin_ctzll(m) >> 3);

				m &= m - 1;
				FAST_SPECIAL(k);
			}
			i += 8;
		}
		for (; i < lim; i++) {
			ar[i] = s[i];
			hi |= s[i] & 0x80;
			if (s[i] <= ',')
				FAST_SPECIAL(i);
		}
#undef FAST_SPECIAL
		/* No line end in the window: read more if the record could still
		 * fit, else (end of input, over the limit) it is not ours. */
		if (r->eof || avail > READER_MAX_RECORD)
			return FR_SLOW;
		if (reader_refill(r) != 0)
			return FR_ERROR;
		continue;
found:
		term = s[len];
		if (len > 0) {
			if (!long_field && emit_field(r, ar, a, len, nf, true) != 0)
				long_field = true;
			rec->line = r->line;
			if (long_field) {
				rec->raw = (const char *)s;
				rec->raw_len = len;
				rec->bad_reason = READER_BAD_LONG;
				consume_record(r, len, 0);
				return FR_LONG;
			}
			/* A line of blanks alone is no row for libcsv either. */
			if (nf > 0 || r->flen[0] > 0) {
				rec->raw = (const char *)s;
				rec->raw_len = len;
				rec->nfields = nf + 1;
				rec->field = r->fptr;
				rec->len = r->flen;
				/* hi may have seen bytes past the line end: then
				 * plain is 0, which only costs the caller a check. */
				rec->plain = !hi && !nul;
				r->pos += len + 1;
				r->line++;
				r->skip_lf = term == '\r';
				return FR_ROW;
			}
		}
		r->pos += len + 1;
		r->line++;
		r->skip_lf = term == '\r';
	}
}

/* ---- the public iterator -------------------------------------------------- */

static void fill_fields(struct reader *r, struct reader_record *rec)
{
	for (size_t i = 0; i < r->nfields; i++)
		r->fptr[i] = r->arena + r->foff[i];
	rec->nfields = r->nfields;
	rec->field = r->fptr;
	rec->len = r->flen;
}

static void clear_record(struct reader_record *rec)
{
	rec->nfields = 0;
	rec->field = NULL;
	rec->len = NULL;
	rec->raw = NULL;
	rec->raw_len = 0;
	rec->bad_reason = READER_BAD_QUOTE;
	rec->plain = 0;
}

/* A truncated gzip stream found by the last read is an error unless the
 * caller keeps what came before the cut (reader_keep_cut). 1 when it is. */
static int cut_is_error(struct reader *r)
{
	if (!r->cut || r->keep_cut)
		return 0;
	if (r->done != READER_ERROR)
		set_error(r, RR_EIO, "truncated gzip stream");
	return 1;
}

/* 1 when the record of len bytes at pos runs to where a truncated stream
 * was cut, with no line end after it. */
static int runs_to_cut(const struct reader *r, size_t len)
{
	return r->cut && r->eof && r->pos + len == r->end;
}

enum reader_status reader_next(struct reader *r, struct reader_record *rec)
{
	struct scan sc;

	clear_record(rec);
	rec->line = r->line;
	if (r->done != READER_ROW || cut_is_error(r))
		return r->done;
	for (;;) {
		enum scan_result res;

		if (r->fast) {
			switch (fast_record(r, rec)) {
			case FR_ROW:
				return READER_ROW;
			case FR_LONG:
				return READER_BAD;
			case FR_ERROR:
				return READER_ERROR;
			case FR_SLOW:
				break;
			}
		}
		res = scan_record(r, &sc);
		uint64_t start_line = r->line;
		size_t raw_len = 0;

		rec->line = start_line;
		if (res != SC_ERROR && cut_is_error(r))
			return READER_ERROR;
		if ((res == SC_RECORD || (res == SC_OPEN && !sc.have_nl)) && sc.len > 0 &&
		    runs_to_cut(r, sc.len)) {
			/* The cut fell inside this record: its end is lost. */
			rec->raw = (const char *)r->win + r->pos;
			rec->raw_len = sc.len;
			rec->bad_reason = READER_BAD_CUT;
			r->pos += sc.len;
			r->line += sc.inner;
			return READER_BAD;
		}
		switch (res) {
		case SC_ERROR:
			return READER_ERROR;
		case SC_EOF:
			r->done = READER_EOF;
			return READER_EOF;
		case SC_RECORD: {
			const unsigned char *s = r->win + r->pos;
			enum split_result sp;

			if (sc.len == 0) {
				consume_record(r, 0, 0);
				continue;
			}
			rec->raw = (const char *)s;
			rec->raw_len = sc.len;
			if (sc.nfields > READER_MAX_FIELDS) {
				consume_record(r, sc.len, sc.inner);
				rec->bad_reason = READER_BAD_WIDE;
				return READER_BAD;
			}
			sp = split_fields(r, s, sc.len);
			consume_record(r, sc.len, sc.inner);
			switch (sp) {
			case SP_ROW:
				fill_fields(r, rec);
				return READER_ROW;
			case SP_BLANK:
				clear_record(rec);
				continue;
			case SP_OOM:
				set_error(r, RR_ENOMEM, "out of memory");
				return READER_ERROR;
			case SP_LONG:
				rec->bad_reason = READER_BAD_LONG;
				return READER_BAD;
			case SP_WIDE:
				rec->bad_reason = READER_BAD_WIDE;
				return READER_BAD;
			case SP_QUOTE:
				rec->bad_reason = READER_BAD_QUOTE;
				return READER_BAD;
			}
			return READER_BAD;
		}
		case SC_STRAY:
		case SC_OPEN: {
			/* Resume on the line after the record's first line, so rows
			 * after a broken one are still read. */
			size_t from = sc.have_nl ? sc.first_nl : res == SC_STRAY ? sc.stop : sc.len;

			if (skip_line(r, from, &rec->raw, &raw_len) != 0)
				return READER_ERROR;
			r->line = start_line + 1;
			rec->bad_reason = READER_BAD_QUOTE;
			break;
		}
		case SC_LONG:
			if (skip_line(r, sc.stop, &rec->raw, &raw_len) != 0)
				return READER_ERROR;
			r->line = start_line + sc.inner + 1;
			rec->bad_reason = READER_BAD_LONG;
			break;
		}
		rec->raw_len = raw_len;
		return READER_BAD;
	}
}

/* ---- parts -------------------------------------------------------------------- */

/* Settles the LF owed to a CR-ended record. The window holds the current
 * record, so when the next byte is not in it yet it is read into the stash
 * (refill hands it over first) instead of refilling. */
static void settle_lf(struct reader *r)
{
	unsigned char c;
	long got;

	if (r->pos < r->end || r->eof) {
		(void)eat_pending_lf(r);
		return;
	}
	got = reader_src_read(r, &c, 1);
	if (got < 0)
		return;
	r->skip_lf = 0;
	if (got == 0)
		r->eof = 1;
	else if (c == '\n')
		r->base++;   /* read past win[end]: what comes next lands one further on */
	else {
		r->stash = c;
		r->have_stash = 1;
	}
}

uint64_t reader_tell(struct reader *r)
{
	if (r->skip_lf && r->done == READER_ROW)
		settle_lf(r);
	return r->base + r->pos;
}

uint64_t reader_line(const struct reader *r)
{
	return r->line;
}

int reader_is_plain(const struct reader *r, uint64_t *size)
{
	if (r->kind != SRC_FD && r->kind != SRC_MEM)
		return 0;
	if (size)
		*size = r->size;
	return 1;
}

int reader_next_line_start(struct reader *r, uint64_t from, uint64_t *out)
{
	unsigned char buf[16384];

	if (r->kind != SRC_FD && r->kind != SRC_MEM)
		return RR_EIO;
	*out = r->size;
	if (from >= r->size)
		return RR_OK;
	if (r->kind == SRC_MEM) {
		const unsigned char *nl = memchr(r->mem + from, '\n', r->size - from);
		if (nl)
			*out = (uint64_t)(nl - r->mem) + 1;
		return RR_OK;
	}
	while (from < r->size) {
		size_t want = r->size - from < sizeof buf ? (size_t)(r->size - from) : sizeof buf;
		ssize_t got = pread(r->fd, buf, want, (off_t)from);
		const unsigned char *nl;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return RR_EIO;
		}
		if (got == 0)
			break;   /* the file shrank: no LF before its old size */
		nl = memchr(buf, '\n', (size_t)got);
		if (nl) {
			*out = from + (uint64_t)(nl - buf) + 1;
			return RR_OK;
		}
		from += (uint64_t)got;
	}
	return RR_OK;
}

size_t reader_peek(struct reader *r, const char **p)
{
	if (r->done != READER_ROW || eat_pending_lf(r) != 0) {
		*p = NULL;
		return 0;
	}
	*p = (const char *)r->win + r->pos;
	return r->end - r->pos;
}

void reader_take(struct reader *r, size_t len)
{
	/* The same steps as the end of fast_record. */
	r->skip_lf = r->win[r->pos + len] == '\r';
	r->pos += len + 1;
	r->line++;
}

void reader_set_fast(struct reader *r, int on)
{
	r->fast = on != 0;
}
