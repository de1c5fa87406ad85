/*
 * ingest_fast — reading a file's rows, fast: the loop over the rows, and
 * the column-specialised row parser it tries first, which takes event rows
 * of the common shape (no quotes, plain ASCII, bare numbers) straight from
 * the reader's window in one pass, with the same result as the general way.
 * The parser sits beside the loop so that it is inlined into it.
 * Does not: handle any other shape (the loop hands those to ingest_row.c),
 * map headers, or cut files into parts (ingest.c).
 */
#include "ingest_int.h"

#include <inttypes.h>
#include <stdio.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- the column-specialised row parser ---------------------------------------- */

/*
 * Nearly every row of an event export has one shape: no quotes, no spaces
 * around fields, plain ASCII, numbers as bare digits, the time as 13 (or 10)
 * digits. plan_row takes such a row straight from the reader's
 * window in one pass, column by column as the header laid them out --
 * numbers and the time parsed as they are scanned, no field array -- and
 * gives up on the first byte that is not that shape, leaving the row
 * untouched for the general way (reader_next and ingest_row), which stays
 * the reference: a row plan_row takes gives the same record, string
 * ids, filter decision and counts as the general way gives it.
 * tests/unit/test_ingest_fast.c runs both on the whole test corpus and on
 * generated near-miss rows.
 */
enum plan_op { OP_SKIP, OP_ROOM, OP_USER, OP_COMM, OP_PEER, OP_APP, OP_TIME, OP_EVENTID,
	       OP_P1, OP_P2, OP_TYPE };
/* The slot of OP_APP's text beside the four ID columns' (LAST_*). */
#define SLOT_APP (OP_APP - OP_ROOM)

/* Sets c->plan_on and c->plan from the header: only event files (EventId
 * and Time present) qualify. Columns ingest does not use are skipped, but
 * still checked for the shape, since the general way checks their bytes. */
void ingest_plan_columns(struct ctx *c)
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

/* What plan_row gathers from one row before it appends it: the text of
 * each ID column (slots LAST_* and SLOT_APP), their ids where known, where
 * the leading columns end, and the numbers. */
struct plan_fields {
	const unsigned char *str[5];
	size_t slen[5];
	uint32_t ids[5];          /* the app's stays 0: only its text counts */
	int known[5];
	size_t ends[LEAD_MAX_COLS];
	int64_t id, p1, p2, type, t;
	int got_id;
};

/* The leading columns a row shares with the last row kept in c->lead: their
 * fields and ids are taken from there. Returns how many columns that is,
 * with *i past them. */
static inline size_t plan_reuse(const struct ctx *c, const unsigned char *s, size_t lim,
				struct plan_fields *f, size_t *i)
{
	size_t col = 0, same;

	if (!c->lead_len)
		return 0;
	same = common_prefix(s, c->lead, lim < c->lead_len ? lim : c->lead_len);
	for (; col < c->nlead && c->lead_end[col] <= same; col++) {
		size_t a = col ? c->lead_end[col - 1] : 0;

		f->ends[col] = c->lead_end[col];
		if (c->plan[col] != OP_SKIP) {
			int slot = c->plan[col] - OP_ROOM;

			f->str[slot] = s + a;
			f->slen[slot] = c->lead_end[col] - 1 - a;
			f->ids[slot] = c->lead_id[col];
			f->known[slot] = 1;
		}
	}
	*i = col ? c->lead_end[col - 1] : 0;
	return col;
}

/* The time cell at s[*i]: 13 digits (ms) or 10 (s) within 2000-2099.
 * Returns 1 with *t set and *i past it, 0 for any other shape. */
static inline int plan_time(const unsigned char *s, size_t *i, size_t lim, int64_t *t)
{
	size_t a = *i, k = a;
	int64_t x = 0;

	if (k + 13 < lim && digits8(s + k) && digits8(s + k + 5)) {
		/* 13 digits, overlapping loads: the second holds digits 5..12,
		 * of which the last five count. A 14th digit fails the
		 * separator check of the caller. */
		x = (int64_t)(value8(s + k) * 100000 + value8(s + k + 5) % 100000);
		k += 13;
	} else {
		while (k < lim && k - a < 14 && (unsigned)s[k] - '0' <= 9) {
			x = x * 10 + (s[k] - '0');
			k++;
		}
		if (k - a == 10)
			x *= 1000;
		else if (k - a != 13)
			return 0;
	}
	if (x < INGEST_MIN_TIME_MS || x >= INGEST_MAX_TIME_MS)
		return 0;
	*i = k;
	*t = x;
	return 1;
}

/* Scans columns col.. of the row at s, column by column as c->plan says,
 * into f. Returns the offset of the row's line end, or 0 when the row is
 * not of the common shape (a row's line end is never at offset 0). */
static inline size_t plan_scan(const struct ctx *c, const unsigned char *s, size_t lim,
			       size_t col, size_t i, struct plan_fields *f)
{
	for (; col < c->ncols; col++) {
		size_t a = i;
		int64_t v;
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
			f->str[slot] = s + a;
			f->slen[slot] = i - a;
			break;
		}
		case OP_TIME:
			if (!plan_time(s, &i, lim, &f->t))
				return 0;
			break;
		case OP_EVENTID:
			if (plan_int(s, &i, lim, &v) <= 0 || v < 0 || v > INT32_MAX)
				return 0;
			f->id = v;
			f->got_id = 1;
			break;
		case OP_P1:
		case OP_P2:
		case OP_TYPE:
			k = plan_int(s, &i, lim, &v);
			if (k < 0)
				return 0;
			if (k > 0) {
				if (c->plan[col] == OP_TYPE ? v < INT8_MIN || v > INT8_MAX
				    : v < INT32_MIN || v > INT32_MAX)
					return 0;
				if (c->plan[col] == OP_P1)
					f->p1 = v;
				else if (c->plan[col] == OP_P2)
					f->p2 = v;
				else
					f->type = v;
			}
			break;
		}
		if (i >= lim)
			return 0;
		if (col + 1 < c->ncols) {
			if (s[i] != ',')
				return 0;
			i++;
			if (col < c->nlead)
				f->ends[col] = i;
		} else if (s[i] != '\n' && s[i] != '\r') {
			return 0;
		}
	}
	return i;
}

/* Interns the ID columns plan_reuse did not already know. RR_OK or
 * strtab's failure. */
static inline int plan_intern(struct ctx *c, struct plan_fields *f)
{
	for (int k = 0; k < 4; k++) {
		int rc;

		if (f->known[k])
			continue;
		rc = k == LAST_ROOM ? intern_room(c, (const char *)f->str[SLOT_APP], f->slen[SLOT_APP],
						  (const char *)f->str[k], f->slen[k], &f->ids[k])
				    : intern_last(c, k, (const char *)f->str[k], f->slen[k], &f->ids[k]);
		if (rc != RR_OK)
			return rc;
	}
	return RR_OK;
}

/* Keeps the leading columns from `reused` on of the row at s in c->lead,
 * for the next row (or forgets them when they do not fit). */
static inline void plan_keep_lead(struct ctx *c, const unsigned char *s, size_t reused,
				  const struct plan_fields *f)
{
	if (reused >= c->nlead)
		return;
	if (f->ends[c->nlead - 1] <= LEAD_MAX_BYTES) {
		size_t from = reused ? f->ends[reused - 1] : 0;

		memcpy(c->lead + from, s + from, f->ends[c->nlead - 1] - from);
		for (size_t k = reused; k < c->nlead; k++) {
			c->lead_end[k] = (uint16_t)f->ends[k];
			if (c->plan[k] != OP_SKIP)
				c->lead_id[k] = f->ids[c->plan[k] - OP_ROOM];
		}
		c->lead_len = f->ends[c->nlead - 1];
	} else {
		c->lead_len = 0;
	}
}

/*
 * Takes the next row through c->plan when it has the common shape: appends
 * its record (or counts it filtered) and moves the reader past it, with *rc
 * the outcome and *line the row's line. PLAN_GENERAL: not that shape (or not
 * all of it in the window); the reader has not moved.
 */
enum plan_result { PLAN_TAKEN, PLAN_GENERAL };

static enum plan_result plan_row(struct ctx *c, struct reader *rd, int *rc, uint64_t *line)
{
	const char *p;
	size_t avail = reader_peek(rd, &p), lim, i = 0, reused, end;
	const unsigned char *s = (const unsigned char *)p;
	struct plan_fields f = { .p1 = -1, .p2 = -1, .type = -1 };
	struct record r;

	lim = avail < PLAN_MAX_RECORD ? avail : PLAN_MAX_RECORD;
	reused = plan_reuse(c, s, lim, &f, &i);
	end = plan_scan(c, s, lim, reused, i, &f);
	/* The general way rejects rows with an empty RoomId or UserId. */
	if (!end || !f.got_id || f.slen[LAST_ROOM] == 0 || f.slen[LAST_USER] == 0)
		return PLAN_GENERAL;

	*line = reader_line(rd);
	reader_take(rd, end);
	if (!passes(c->o, (const char *)f.str[LAST_ROOM], f.slen[LAST_ROOM],
		    (const char *)f.str[LAST_USER], f.slen[LAST_USER], f.t)) {
		*rc = filtered(c);
		return PLAN_TAKEN;
	}
	*rc = plan_intern(c, &f);
	if (*rc != RR_OK)
		return PLAN_TAKEN;
	plan_keep_lead(c, s, reused, &f);
	/* Every field at once, so the bit-fields are put together in registers. */
	r = (struct record){
		.time_ms = f.t, .room = f.ids[LAST_ROOM], .kind = REC_EVENT,
		.comm = f.ids[LAST_COMM], .stream = (int8_t)f.type, .user = f.ids[LAST_USER],
		.peer = f.ids[LAST_PEER],
		.id = (int32_t)f.id, .p1 = (int32_t)f.p1, .p2 = (int32_t)f.p2,
	};
	*rc = dataset_append(c->ds, &r);
	return PLAN_TAKEN;
}

/* ---- the loop over a file's rows ---- */

/*
 * Reads data rows from r into c's dataset until the end of the input, or
 * until the reader lands exactly on one of the ascending offsets splits[next..]
 * (then *stopped is that index; nsplits at the end of the input). Offsets it
 * passes without landing on them are skipped: the part that starts there is
 * not a record boundary for this reader and will not be used.
 */
int ingest_read_rows(struct ctx *c, struct reader *r, const uint64_t *splits, size_t nsplits,
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
				return ingest_read_failed(r, c->name, err, errlen);
			line = rec.line;
			rc = st == READER_BAD ? ingest_reject_bad(c, &rec) : ingest_row(c, &rec);
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
