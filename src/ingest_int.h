/*
 * ingest_int.h — what the ingest family shares: the column map, the per-file
 * context, and the small per-row helpers (filters, interning with the
 * previous row's cache) that the general row parser and the
 * column-specialised one both call on every row, kept inline here.
 * Not a contract for other modules: only ingest*.c include it.
 */
#ifndef RR_INGEST_INT_H
#define RR_INGEST_INT_H

#include <stdint.h>
#include <string.h>

#include "dataset.h"
#include "diag.h"
#include "ingest.h"
#include "reader.h"
#include "strtab.h"
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

/* Canonical names, used in messages (ingest_header.c). */
extern const char *const ingest_col_name[COL__COUNT];

/* IDs up to this long are remembered by intern_last, in this many entries
 * for users and for each other ID column (powers of two: a few hundred
 * users come and go among a few dozen calls and rooms). */
#define LAST_MAX 52
#define LAST_USER_WAYS 1024
#define LAST_WAYS 256

/* Event files with at most this many columns get the column-specialised
 * row parser; wider ones (no export is) take the general way. */
#define PLAN_MAX_COLS 64
/* ... and only for records shorter than this, so that no field can reach
 * READER_MAX_FIELD. */
#define PLAN_MAX_RECORD 4096

/* The column-specialised parser (plan_row, ingest_fast.c) remembers at
 * most this many leading columns of a row, and at most this many bytes of
 * them. */
#define LEAD_MAX_COLS 8
#define LEAD_MAX_BYTES 256

/* What a file holds, decided once from its header. */
enum file_kind { FK_RECORDS, FK_USERS, FK_ROOMS, FK_QUALITY };

/* Slots of the per-file DataType cache: twice DATASET_MAX_METRICS, so the
 * open-addressed table never fills. */
#define METRIC_SLOTS (2 * DATASET_MAX_METRICS)

/* One file (or one part of it) being read into a dataset. */
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
	/* The strings and ids each ID column met lately, by their hash (a
	 * direct-mapped cache of up to LAST_WAYS entries): exports list a
	 * user's events together, and rows of calls mixed or sorted by time
	 * keep coming back to a few hundred rooms, calls and users, so most
	 * rows find their IDs here and skip the string table's lookup (three
	 * dependent cache misses in a table of every string). last_user for
	 * LAST_USER, last for the others. Ids of ds->strs; len 0 = none.
	 * Only the first last_mask + 1 (last_user_mask + 1) entries are used
	 * and cleared (ingest_caches_init): a small file takes fewer, so a
	 * run of 20,000 small files does not clear 128 KiB per file. Last in
	 * the struct, so the rest is cleared without them. */
	uint32_t last_mask, last_user_mask;
	struct last_entry {
		uint32_t id, len, hash;
		char s[LAST_MAX];
	} last[4][LAST_WAYS], last_user[LAST_USER_WAYS];
};

enum { LAST_ROOM, LAST_USER, LAST_COMM, LAST_PEER };

/* Sizes c's ID caches for a file of `bytes` bytes (UINT64_MAX: not known)
 * and empties them. Any size gives the same ids: a hit is an id the string
 * table gave for the same bytes. (ingest.c) */
void ingest_caches_init(struct ctx *c, uint64_t bytes);

static inline int has(const struct ctx *c, enum col col)
{
	return c->idx[col] >= 0;
}

static inline int matches(const char *s, size_t n, const char *const *list, size_t nlist)
{
	for (size_t i = 0; i < nlist; i++) {
		if (list[i] && strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * 1 when the --room/--user/--from/--to filters keep a row. room or user NULL:
 * that filter does not apply to this row; t == RR_NONE: the row has no time
 * and is not time-filtered.
 */
int ingest_passes_seen(const struct ingest_options *o, const char *room, size_t nroom,
		       const char *user, size_t nuser, int64_t t);

static inline int passes(const struct ingest_options *o, const char *room, size_t nroom,
			 const char *user, size_t nuser, int64_t t)
{
	if (o->seen)
		return ingest_passes_seen(o, room, nroom, user, nuser, t);
	if (room && o->nrooms && !matches(room, nroom, o->rooms, o->nrooms))
		return 0;
	if (user && o->nusers && !o->users_whole_calls &&
	    !matches(user, nuser, o->users, o->nusers))
		return 0;
	if (t != RR_NONE && (t < o->from_ms || t >= o->to_ms))
		return 0;
	return 1;
}

static inline int filtered(struct ctx *c)
{
	c->ds->counts.filtered++;
	return RR_OK;
}

/* strtab_intern, trying this column's recent strings first. */
static inline int intern_last(struct ctx *c, int slot, const char *s, size_t n, uint32_t *id)
{
	uint32_t h;
	struct last_entry *e;
	int rc;

	if (n == 0) {
		*id = 0;
		return RR_OK;
	}
	h = strtab_hash(s, n);
	e = slot == LAST_USER ? &c->last_user[h & c->last_user_mask]
			      : &c->last[slot][h & c->last_mask];
	if (n == e->len && h == e->hash && memcmp(e->s, s, n) == 0) {
		*id = e->id;
		return RR_OK;
	}
	rc = strtab_intern_hashed(c->ds->strs, s, n, h, id);
	if (rc == RR_OK && n <= LAST_MAX) {
		e->id = *id;
		e->len = (uint32_t)n;
		e->hash = h;
		memcpy(e->s, s, n);
	}
	return rc;
}

/* Room keys (dataset.h) up to this long are put together on the stack;
 * longer ones (hostile input only: TRTC RoomIds are at most 64 bytes) take
 * an allocation of their own. */
#define KEY_INLINE 320

/* Interns the room key of app (napp 0: none) and room into *id. */
static inline int intern_room(struct ctx *c, const char *app, size_t napp, const char *room,
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

/* ---- ingest_header.c: the header line ---- */

/* Maps the header's columns into c->idx and c->col_at, noting duplicate
 * columns in diag; *known counts the columns recognised. Returns RR_OK or
 * RR_ENOMEM (notes). */
int ingest_map_header(struct ctx *c, const struct reader_record *h, int *known);

/* The companion kind the header describes, or FK_RECORDS when none. Only
 * asked when the header has no EventId/ExperienceId/AbnormalEventId. */
enum file_kind ingest_companion_kind(const struct ctx *c);

/* The first required column the header lacks for the row kinds it allows,
 * or -1. *kind names that kind. */
int ingest_missing_column(const struct ctx *c, const char **kind);

/* What a header that cannot be read as an export looks like instead, so the
 * error can say so: a JSON document (its first byte, after a BOM and
 * blanks, is '{' or '['), another delimiter (split by ';' or by tab it has
 * two or more fields and a known column), or the tool's own
 * --sessions-csv output (columns start_ms and exit_reason). raw is the
 * header's bytes as read (raw_len of them); h, when not NULL, its fields.
 * Only asked when the header is refused, so valid inputs never meet it. */
enum ingest_misfit {
	MISFIT_NONE,
	MISFIT_JSON,
	MISFIT_SEMICOLON,
	MISFIT_TAB,
	MISFIT_SESSIONS_CSV,
};
enum ingest_misfit ingest_header_misfit(const char *raw, size_t raw_len,
					const struct reader_record *h);

/* ---- ingest_row.c: one record, the general way ---- */

/* Counts a rejected row in diag (and writes it to o->rejected when set).
 * RR_OK, RR_ENOMEM or RR_EIO (the rejected-rows stream). */
int ingest_reject(struct ctx *c, const struct reader_record *rec, enum diag_reason why,
		  const char *detail);

/* Rejects a record the reader could not split (READER_BAD). */
int ingest_reject_bad(struct ctx *c, const struct reader_record *rec);

/* Why the reader could not split a record, in words. */
const char *ingest_bad_detail(enum reader_bad b);

/* Checks one data record (field count, NUL, UTF-8) and appends its row to
 * c->ds, counts it filtered, or rejects it. RR_OK, RR_EDATA (string table
 * limits), RR_ENOMEM or RR_EIO. */
int ingest_row(struct ctx *c, const struct reader_record *rec);

/* ---- ingest_fast.c: reading rows ---- */

/* Sets c->plan_on and c->plan from the mapped header. */
void ingest_plan_columns(struct ctx *c);

/*
 * Reads data rows from r into c's dataset until the end of the input, or
 * until the reader lands exactly on one of the ascending offsets
 * splits[next..] (then *stopped is that index; nsplits at the end of the
 * input). Offsets it passes without landing on them are skipped: the part
 * that starts there is not a record boundary for this reader and will not
 * be used. RR_OK, or the first row's failure with err filled.
 */
int ingest_read_rows(struct ctx *c, struct reader *r, const uint64_t *splits, size_t nsplits,
		     size_t next, size_t *stopped, char *err, size_t errlen);

/* ---- ingest.c ---- */

/* The status of r's read error, with err = "NAME: reason". */
int ingest_read_failed(struct reader *r, const char *name, char *err, size_t errlen);

#endif
