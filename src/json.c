/*
 * json — the machine-readable form of the report. Strings are escaped for
 * JSON and for embedding in HTML (<, >, & and U+2028/9 as \u escapes), so the
 * same text is safe inside a <script> block later.
 * Does not: aggregate; every figure comes from the report or the model.
 */
#include "json.h"

#include <math.h>
#include <inttypes.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parallel.h"
#include "util.h"
#include "version.h"

/*
 * Output goes through a buffer of our own: a model of a million sessions is
 * hundreds of MB of JSON, and stdio's per-call locking costs more than the
 * formatting. The buffer is handed to stdio in pieces small enough that
 * stdio buffers them as it would single characters (a large fwrite is
 * written past stdio's buffer): after a write error the stream then still
 * holds unwritten data, so the caller's final fflush fails again and
 * reports the system's reason, as with character-wise writing.
 *
 * The calls, nearly all of the output, can be formatted on several
 * threads: they are cut into chunks of consecutive calls, each thread takes
 * the next chunk and formats it into its own buffer, and the chunks reach
 * the file strictly in order (a thread waits for its chunk's turn before
 * writing). A buffer grows while its chunk waits, up to JW_HOLD bytes (or
 * as far as memory allows); past that its thread waits for the turn and
 * writes as it goes. So memory stays a few MB, nothing can fail for want
 * of it, and the bytes are those of a single thread. json_write uses one
 * thread below JSON_MIN_PARALLEL sessions, else one per online processor
 * (at most JSON_MAX_THREADS).
 */
#define JW_BUF 65536
#define JW_PIECE 1024
#define JW_HOLD (4u << 20)
#define JSON_CHUNK_SESSIONS 1024       /* sessions per chunk, about 0.5 MB of JSON */
#define JSON_MIN_PARALLEL 16384        /* fewer sessions: one thread */
#define JSON_MAX_THREADS 4

struct jpar;

struct jw {
	FILE *f;
	int first;          /* no comma needed before the next member */
	char *buf;
	size_t len, cap;
	struct jpar *par;   /* set while formatting chunks for later */
	size_t chunk;       /* the chunk being formatted */
	int turn;           /* that chunk is the next to be written */
	int *err;           /* errno of the first failed write (shared by all
			     * buffers of one document: they write in turn) */
};

/* Shared by the threads of the parallel section. */
struct jpar {
	pthread_mutex_t lock;
	pthread_cond_t turn_cv;
	size_t next_take;            /* next chunk to format */
	size_t next_write;           /* chunk whose turn it is */
	size_t nchunks;
	const uint32_t *chunk_first; /* nchunks + 1 call indexes */
};

static void write_out(struct jw *w)
{
	for (size_t i = 0; i < w->len; i += JW_PIECE) {
		size_t n = w->len - i < JW_PIECE ? w->len - i : JW_PIECE;

		errno = 0;
		if (fwrite(w->buf + i, 1, n, w->f) != n && *w->err == 0)
			*w->err = errno ? errno : EIO;
	}
	w->len = 0;
}

static void wait_turn(struct jw *w)
{
	struct jpar *p = w->par;

	pthread_mutex_lock(&p->lock);
	while (p->next_write != w->chunk)
		pthread_cond_wait(&p->turn_cv, &p->lock);
	pthread_mutex_unlock(&p->lock);
	w->turn = 1;
}

/* Makes room for n more bytes (n <= JW_BUF). */
static void make_room(struct jw *w, size_t n)
{
	if (w->par && !w->turn && w->cap < JW_HOLD) {
		size_t cap = w->cap * 2 < JW_HOLD ? w->cap * 2 : JW_HOLD;
		char *b = rr_realloc(w->buf, cap);

		if (b) {
			w->buf = b;
			w->cap = cap;
			if (w->cap - w->len >= n)
				return;
		}
	}
	if (w->par && !w->turn)
		wait_turn(w);
	write_out(w);
}

/* Where the next n bytes (n <= JW_BUF) go; the caller adds n to len. */
static inline char *room(struct jw *w, size_t n)
{
	if (w->cap - w->len < n)
		make_room(w, n);
	return w->buf + w->len;
}

static void put(struct jw *w, const char *s, size_t n)
{
	while (n > 0) {
		size_t k = n < JW_BUF ? n : JW_BUF;

		memcpy(room(w, k), s, k);
		w->len += k;
		s += k;
		n -= k;
	}
}

static inline void putch(struct jw *w, char c)
{
	*room(w, 1) = c;
	w->len++;
}

/* Bytes that jstr cannot write as they are: quotes, backslashes, controls,
 * DEL, <, >, & and 0xE2 (which may start U+2028/9). */
static const unsigned char special[256] = {
	[0x00] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1, [0x7F] = 1, [0xE2] = 1,
};

/* Writers at p, into room the caller made: each returns where it ended. */

static const char two_digits[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

#define CUR_LIT(p, lit) ((p) = (char *)memcpy((p), (lit), sizeof(lit) - 1) + sizeof(lit) - 1)

/* Decimal, as printf's %" PRId64 " writes it; at most RR_I64_CHARS bytes. */
static inline char *cur_i64(char *p, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char tmp[RR_I64_CHARS], *e = tmp + sizeof tmp, *d = e;

	while (u >= 100) {
		d -= 2;
		memcpy(d, two_digits + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		d -= 2;
		memcpy(d, two_digits + 2 * u, 2);
	} else {
		*--d = (char)('0' + u);
	}
	if (v < 0)
		*p++ = '-';
	memcpy(p, d, (size_t)(e - d));
	return p + (e - d);
}

/* A \u escape with four lowercase hex digits. */
static inline char *cur_u_escape(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";

	p[0] = '\\';
	p[1] = 'u';
	p[2] = hex[(v >> 12) & 15];
	p[3] = hex[(v >> 8) & 15];
	p[4] = hex[(v >> 4) & 15];
	p[5] = hex[v & 15];
	return p + 6;
}

/* Escapes s[i..end) of the n-byte string s into p, at most 6 (end - i)
 * bytes, and returns where p got to; *next is where s stopped, which is
 * end but for a U+2028/9 that starts before end (read whole, so at most
 * two bytes past it). */
static char *cur_escape(char *p, const char *s, size_t i, size_t end, size_t n, size_t *next)
{
	const unsigned char *u = (const unsigned char *)s;

	while (i < end) {
		size_t run = i;
		unsigned char c;

		while (run < end && !special[u[run]])
			run++;
		memcpy(p, s + i, run - i);
		p += run - i;
		if (run == end) {
			i = end;
			break;
		}
		i = run;
		c = u[i];
		switch (c) {
		case '"': *p++ = '\\'; *p++ = '"'; break;
		case '\\': *p++ = '\\'; *p++ = '\\'; break;
		case '\n': *p++ = '\\'; *p++ = 'n'; break;
		case '\r': *p++ = '\\'; *p++ = 'r'; break;
		case '\t': *p++ = '\\'; *p++ = 't'; break;
		case '<': case '>': case '&':
			p = cur_u_escape(p, c);
			break;
		default:
			if (c < 0x20 || c == 0x7F) {
				p = cur_u_escape(p, c);
			} else if (c == 0xE2 && i + 2 < n && u[i + 1] == 0x80 &&
				   (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
				p = cur_u_escape(p, u[i + 2] == 0xA8 ? 0x2028 : 0x2029);
				i += 2;
			} else {
				*p++ = (char)c;
			}
		}
		i++;
	}
	*next = i;
	return p;
}

size_t json_escape_html(char *out, const char *s, size_t n)
{
	size_t next;

	return (size_t)(cur_escape(out, s, 0, n, n, &next) - out);
}

static inline void put_i64(struct jw *w, int64_t v)
{
	w->len = (size_t)(cur_i64(room(w, RR_I64_CHARS), v) - w->buf);
}

/*
 * A cursor over w's buffer, for runs of output written field after field:
 * the position lives in a local (every byte stored through a char pointer
 * could alias struct jw, so helpers that keep it there reload and store it
 * around each byte), and w is brought up to date only to make room.
 */
struct cur {
	struct jw *w;
	char *p, *end;
};

static inline void cur_begin(struct cur *c, struct jw *w)
{
	c->w = w;
	c->p = w->buf + w->len;
	c->end = w->buf + w->cap;
}

static inline void cur_end(struct cur *c)
{
	c->w->len = (size_t)(c->p - c->w->buf);
}

/* Makes room for n more bytes (n <= JW_BUF) at c->p. */
static inline void cur_need(struct cur *c, size_t n)
{
	if ((size_t)(c->end - c->p) < n) {
		cur_end(c);
		make_room(c->w, n);
		cur_begin(c, c->w);
	}
}

/* A JSON string, escaped also for embedding in HTML; any length, in
 * slices whose escaped form surely fits the buffer. */
static void cur_string(struct cur *c, const char *s, size_t n)
{
	size_t i = 0;

	cur_need(c, 1);
	*c->p++ = '"';
	while (i < n) {
		size_t end = n - i < JW_BUF / 6 ? n : i + JW_BUF / 6;

		cur_need(c, 6 * (end - i));
		c->p = cur_escape(c->p, s, i, end, n, &i);
	}
	cur_need(c, 1);
	*c->p++ = '"';
}

static void jstr(struct jw *w, const char *s, size_t n)
{
	struct cur c;

	cur_begin(&c, w);
	cur_string(&c, s, n);
	cur_end(&c);
}

/* A member's key, after a comma when one is due. Keys are this file's
 * literals or names from static tables (exit reasons, severities, rejection
 * reasons, headline keys): identifiers that need no escaping. */
static inline void key(struct jw *w, const char *k)
{
	size_t n = k ? strlen(k) : 0;
	char *p = room(w, n + 4);

	if (!w->first)
		*p++ = ',';
	w->first = 0;
	if (k) {
		*p++ = '"';
		memcpy(p, k, n);
		p += n;
		*p++ = '"';
		*p++ = ':';
	}
	w->len = (size_t)(p - w->buf);
}

static inline void open_(struct jw *w, const char *k, char c)
{
	key(w, k);
	putch(w, c);
	w->first = 1;
}

static inline void close_(struct jw *w, char c)
{
	putch(w, c);
	w->first = 0;
}

static inline void int_(struct jw *w, const char *k, int64_t v)
{
	key(w, k);
	put_i64(w, v);
}

/* RR_NONE is the model's "absent": JSON null. */
static inline void opt(struct jw *w, const char *k, int64_t v)
{
	key(w, k);
	if (v == RR_NONE)
		put(w, "null", 4);
	else
		put_i64(w, v);
}

static inline void bool_(struct jw *w, const char *k, int v)
{
	key(w, k);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

static void str(struct jw *w, const char *k, const char *s)
{
	key(w, k);
	jstr(w, s, strlen(s));
}

static void sid(struct jw *w, const char *k, const struct strtab *t, uint32_t id)
{
	key(w, k);
	jstr(w, strtab_str(t, id), strtab_len(t, id));
}

/* A string id where the empty string means "not given". */
static void sid_opt(struct jw *w, const char *k, const struct strtab *t, uint32_t id)
{
	if (id == 0) {
		key(w, k);
		put(w, "null", 4);
	} else {
		sid(w, k, t, id);
	}
}

/* A room key (dataset.h) as "room_id" (the RoomId) and "sdk_app_id" (the
 * SdkAppId, null when the rows gave none). */
static void room_ids(struct jw *w, const struct strtab *t, uint32_t room)
{
	size_t n, na;
	const char *s = dataset_room_name(t, room, &n), *app = dataset_room_app(t, room, &na);

	key(w, "room_id");
	jstr(w, s, n);
	key(w, "sdk_app_id");
	if (app)
		jstr(w, app, na);
	else
		put(w, "null", 4);
}

static void write_exits(struct jw *w, const char *k, const uint32_t *exits)
{
	open_(w, k, '{');
	for (int e = 0; e < EXIT__COUNT; e++)
		int_(w, exit_reason_name(e), exits[e]);
	close_(w, '}');
}

/* JSON keys of enum companion_kind. */
static const char *const unmatched_key[COMPANION__KINDS] = { "users", "rooms", "quality" };

/* input.file_details: per input file, in input.files' order, its name,
 * its data rows, and whether its gzip stream was cut short and where
 * (compressed bytes; null when not cut, or not known: a pipe). */
static void write_file_details(struct jw *w, const struct dataset *ds)
{
	const struct diag *d = &ds->diag;

	open_(w, "file_details", '[');
	for (size_t i = 0; i < ds->nfiles; i++) {
		const struct diag_file *f = i < d->nfiles ? &d->files[i] : NULL;
		int cut = f && f->cut;

		open_(w, NULL, '{');
		str(w, "file", ds->files[i]);
		int_(w, "rows", f ? (int64_t)f->rows : 0);
		bool_(w, "truncated", cut);
		opt(w, "truncated_at_byte", cut && f->cut_at <= INT64_MAX ? (int64_t)f->cut_at
								     : RR_NONE);
		close_(w, '}');
	}
	close_(w, ']');
}

/* "selected_users": the --user values some row named, whose whole calls
 * the report keeps ([] without --user). */
static void write_selected(struct jw *w, const struct report *r)
{
	open_(w, "selected_users", '[');
	for (size_t i = 0; i < r->nselected; i++)
		sid(w, NULL, r->ds->strs, r->selected_users[i]);
	close_(w, ']');
}

static void write_input(struct jw *w, const struct report *r)
{
	const struct dataset *ds = r->ds;
	const struct input_counts *c = &ds->counts;

	open_(w, "input", '{');
	int_(w, "rows", (int64_t)c->rows);
	int_(w, "used", (int64_t)c->used);
	int_(w, "filtered", (int64_t)c->filtered);
	int_(w, "rejected", (int64_t)c->rejected);
	int_(w, "duplicates", (int64_t)c->duplicates);
	int_(w, "events", (int64_t)c->events);
	int_(w, "abnormal", (int64_t)c->abnormal);
	int_(w, "users", (int64_t)c->users);
	int_(w, "rooms", (int64_t)c->rooms);
	int_(w, "quality", (int64_t)c->quality);
	open_(w, "unmatched", '{');
	for (int k = 0; k < COMPANION__KINDS; k++)
		int_(w, unmatched_key[k], (int64_t)ds->unmatched.rows[k]);
	close_(w, '}');
	open_(w, "unmatched_examples", '[');
	for (int k = 0; k < COMPANION__KINDS; k++)
		for (uint32_t i = 0; i < ds->unmatched.nex[k]; i++) {
			const struct unmatched_example *x = &ds->unmatched.ex[k][i];

			open_(w, NULL, '{');
			str(w, "kind", unmatched_key[k]);
			str(w, "file", x->file < ds->nfiles ? ds->files[x->file] : "");
			opt(w, "line", x->line ? (int64_t)x->line : RR_NONE);
			if (x->room) {
				room_ids(w, ds->strs, x->room);
			} else {
				sid_opt(w, "room_id", ds->strs, 0);
				sid_opt(w, "sdk_app_id", ds->strs, 0);
			}
			sid_opt(w, "comm_id", ds->strs, x->comm);
			sid_opt(w, "user_id", ds->strs, x->user);
			sid_opt(w, "data_type", ds->strs, k == COMPANION_QUALITY &&
				x->metric < ds->nmetrics ? ds->metrics[x->metric] : 0);
			int_(w, "rows", (int64_t)x->rows);
			close_(w, '}');
		}
	close_(w, ']');
	int_(w, "unknown_ids", (int64_t)r->dec->unknown_rows);
	open_(w, "files", '[');
	for (size_t i = 0; i < ds->nfiles; i++)
		str(w, NULL, ds->files[i]);
	close_(w, ']');
	write_file_details(w, ds);
	open_(w, "rejected_by_reason", '{');
	for (int i = 0; i < REJ__COUNT; i++)
		int_(w, diag_reason_code(i), (int64_t)ds->diag.count[i]);
	close_(w, '}');
	open_(w, "rejected_examples", '[');
	for (size_t i = 0; i < ds->diag.nkept; i++) {
		const struct diag_item *it = &ds->diag.kept[i];
		open_(w, NULL, '{');
		str(w, "file", it->file);
		int_(w, "line", (int64_t)it->line);
		str(w, "reason", diag_reason_code(it->reason));
		str(w, "detail", it->detail);
		close_(w, '}');
	}
	close_(w, ']');
	open_(w, "unknown", '[');
	for (size_t i = 0; i < r->dec->nunknown; i++) {
		const struct unknown_id *u = &r->dec->unknown[i];
		open_(w, NULL, '{');
		str(w, "table", cat_table_name(u->table));
		int_(w, "id", u->id);
		int_(w, "param_one", u->p1);
		int_(w, "param_two", u->p2);
		int_(w, "count", (int64_t)u->count);
		close_(w, '}');
	}
	close_(w, ']');
	open_(w, "notes", '[');
	for (size_t i = 0; i < ds->diag.nnotes; i++)
		str(w, NULL, ds->diag.notes[i]);
	close_(w, ']');
	close_(w, '}');
}

/* One experience. unattached: it has no call (no events of its room were
 * given), so it names its room and CommId itself. */
static void write_experience(struct jw *w, const struct report *r, const struct experience *x,
			     int unattached)
{
	const struct strtab *t = r->ds->strs;

	open_(w, NULL, '{');
	int_(w, "time_ms", x->time_ms);
	int_(w, "experience_id", x->id);
	if (unattached) {
		room_ids(w, t, x->room);
		sid_opt(w, "comm_id", t, x->comm);
	}
	sid(w, "user_id", t, x->user);
	open_(w, "causes", '[');
	for (uint32_t k = 0; k < x->ncauses; k++) {
		const struct cause *c = &r->m->causes[x->first_cause + k];
		open_(w, NULL, '{');
		int_(w, "id", c->id);
		sid_opt(w, "peer_id", t, c->peer);
		close_(w, '}');
	}
	close_(w, ']');
	close_(w, '}');
}

/* A member's literal key (with its comma, when one is due) at the cursor,
 * with room for a number after it. */
#define CUR_KEY(c, lit) (cur_need((c), sizeof(lit) - 1 + RR_I64_CHARS), CUR_LIT((c)->p, lit))
#define CUR_INT(c, lit, v) (CUR_KEY(c, lit), (c)->p = cur_i64((c)->p, (v)))
#define CUR_OPT(c, lit, v) (CUR_KEY(c, lit), (c)->p = cur_opt((c)->p, (v)))
#define CUR_BOOL(c, lit, v) (CUR_KEY(c, lit), (c)->p = cur_bool((c)->p, (v)))
#define CUR_STR(c, lit, s, n) (CUR_KEY(c, lit), cur_string((c), (s), (n)))

static inline char *cur_opt(char *p, int64_t v)
{
	if (v == RR_NONE)
		return (char *)memcpy(p, "null", 4) + 4;
	return cur_i64(p, v);
}

static inline char *cur_bool(char *p, int v)
{
	if (v)
		return (char *)memcpy(p, "true", 4) + 4;
	return (char *)memcpy(p, "false", 5) + 5;
}

/* A session's entered: null when its entry was not observed (DESIGN §3). */
static inline char *cur_entered(char *p, const struct session *s)
{
	if (!s->entered && !s->entry_observed)
		return (char *)memcpy(p, "null", 4) + 4;
	return cur_bool(p, s->entered);
}

/* A string id where the empty string means "not given". */
static inline void cur_sid_opt(struct cur *c, const struct strtab *t, uint32_t id)
{
	if (id == 0)
		CUR_LIT(c->p, "null");      /* CUR_KEY made room for it */
	else
		cur_string(c, strtab_str(t, id), strtab_len(t, id));
}

/* Sessions are most of the output: written through a cursor. */
static void write_session(struct jw *w, const struct report *r, const struct session *s)
{
	const struct model *m = r->m;
	const struct strtab *t = r->ds->strs;
	const char *platform = platform_name(s->platform), *exit = exit_reason_name(s->exit);
	struct cur c;

	cur_begin(&c, w);
	cur_need(&c, 1);
	if (!w->first)
		*c.p++ = ',';
	CUR_STR(&c, "{\"user_id\":", strtab_str(t, s->user), strtab_len(t, s->user));
	CUR_STR(&c, ",\"platform\":", platform, strlen(platform));
	CUR_KEY(&c, ",\"device\":");
	cur_sid_opt(&c, t, s->device);
	CUR_KEY(&c, ",\"sdk_version\":");
	cur_sid_opt(&c, t, s->sdk);
	CUR_KEY(&c, ",\"client_ip\":");
	cur_sid_opt(&c, t, s->ip);
	CUR_INT(&c, ",\"start_ms\":", s->start_ms);
	CUR_INT(&c, ",\"end_ms\":", s->end_ms);
	CUR_INT(&c, ",\"duration_ms\":", s->end_ms - s->start_ms);
	CUR_BOOL(&c, ",\"start_observed\":", s->start_observed);
	CUR_KEY(&c, ",\"entered\":");
	c.p = cur_entered(c.p, s);
	CUR_OPT(&c, ",\"entry_latency_ms\":", s->entry_latency_ms);
	CUR_OPT(&c, ",\"first_frame_ms\":", s->first_frame_ms);
	CUR_STR(&c, ",\"exit_reason\":", exit, strlen(exit));
	CUR_INT(&c, ",\"last_seen_ms\":", s->last_seen_ms);
	CUR_INT(&c, ",\"reentries\":", s->reentries);
	CUR_INT(&c, ",\"network\":{\"changes\":", s->net_changes);
	CUR_INT(&c, ",\"outage_ms\":", s->outage_ms);
	CUR_INT(&c, ",\"outages\":", s->outages);
	CUR_INT(&c, "},\"background_ms\":", s->background_ms);
	CUR_KEY(&c, ",\"findings\":[");
	for (uint32_t k = 0; k < s->nfindings; k++) {
		const struct finding *f = &m->findings[s->first_finding + k];
		const char *sev = severity_name(f->severity);

		if (k)
			CUR_STR(&c, ",{\"code\":", f->code, strlen(f->code));
		else
			CUR_STR(&c, "{\"code\":", f->code, strlen(f->code));
		CUR_STR(&c, ",\"severity\":", sev, strlen(sev));
		CUR_INT(&c, ",\"time_ms\":", f->time_ms);
		CUR_STR(&c, ",\"text\":", f->text, strlen(f->text));
		CUR_KEY(&c, "}");
	}
	CUR_KEY(&c, "],\"abnormal_experiences\":[");
	cur_end(&c);
	w->first = 1;
	for (uint32_t k = 0; k < s->nexp; k++)
		write_experience(w, r, &m->experiences[s->first_exp + k], 0);
	putch(w, ']');
	putch(w, '}');
	w->first = 0;
}

/* A call's page, or null when it has none (--pages). */
static void page(struct jw *w, const struct report *r, uint32_t i)
{
	if (r->call_file && r->call_page && r->call_page[i])
		str(w, "page", r->call_file[i]);
	else
		opt(w, "page", RR_NONE);
}

static void write_call(struct jw *w, const struct report *r, const struct call *c, uint32_t idx)
{
	const struct model *m = r->m;

	open_(w, NULL, '{');
	room_ids(w, r->ds->strs, c->room);
	sid_opt(w, "comm_id", r->ds->strs, c->comm);
	int_(w, "start_ms", c->start_ms);
	int_(w, "end_ms", c->end_ms);
	int_(w, "duration_ms", c->end_ms - c->start_ms);
	int_(w, "users", c->users);
	int_(w, "peak_users", c->peak_users);
	write_exits(w, "exits", c->exits);
	open_(w, "findings", '{');
	for (int s = 0; s < SEV__COUNT; s++)
		int_(w, severity_name(s), c->findings[s]);
	close_(w, '}');
	int_(w, "outside_events", c->outside_events);
	opt(w, "created_ms", c->created_ms);
	opt(w, "destroyed_ms", c->destroyed_ms);
	bool_(w, "ongoing", c->ongoing);
	int_(w, "quality_samples", c->quality_samples);
	page(w, r, idx);
	open_(w, "sessions", '[');
	for (uint32_t k = 0; k < c->nsessions; k++)
		write_session(w, r, &m->sessions[c->first_session + k]);
	close_(w, ']');
	/* Experiences of the call that no session of their user contains. */
	open_(w, "abnormal_experiences", '[');
	for (uint32_t k = 0; k < c->nexp; k++)
		write_experience(w, r, &m->experiences[c->first_exp + k], 0);
	close_(w, ']');
	close_(w, '}');
}

static void write_latency(struct jw *w, const char *k, const struct latency *l)
{
	open_(w, k, '{');
	int_(w, "n", (int64_t)l->n);
	opt(w, "p50", l->p50);
	opt(w, "p95", l->p95);
	close_(w, '}');
}

static void write_day(struct jw *w, const struct day *d)
{
	open_(w, NULL, '{');
	str(w, "date", d->date);
	int_(w, "calls", d->calls);
	int_(w, "sessions", d->sessions);
	int_(w, "users", d->users);
	int_(w, "user_ms", d->user_ms);
	int_(w, "entered", d->entered);
	int_(w, "entry_observed", d->entry_observed);
	int_(w, "entry_failed", d->entry_failed);
	int_(w, "timeouts", d->timeouts);
	int_(w, "kicks", d->kicks);
	int_(w, "no_exit", d->no_exit);
	opt(w, "entry_success_pm", d->entry_success_pm);
	opt(w, "entry_within_5s_pm", d->entry_fast_pm);
	write_latency(w, "entry_latency_ms", &d->entry_latency);
	write_latency(w, "first_frame_ms", &d->first_frame);
	int_(w, "abnormal_experiences", d->experiences);
	opt(w, "abnormal_experiences_per_100_x10", d->experiences_per_100_x10);
	bool_(w, "abnormal_experiences_sampled", 1);
	bool_(w, "partial", d->partial != 0);
	close_(w, '}');
}

static void write_hist(struct jw *w, const char *k, const struct histogram *h)
{
	open_(w, k, '[');
	for (uint32_t i = 0; i < h->nbins && i < REPORT_HIST_BINS; i++) {
		open_(w, NULL, '{');
		str(w, "label", h->label[i]);
		int_(w, "lo_ms", h->lo[i]);
		int_(w, "count", h->count[i]);
		close_(w, '}');
	}
	close_(w, ']');
}

static void write_headline(struct jw *w, const struct report *r)
{
	open_(w, "headline", '{');
	for (int i = 0; i < HL__COUNT; i++)
		opt(w, r->headline[i].key, r->headline[i].value);
	close_(w, '}');
	if (!r->has_baseline) {
		opt(w, "baseline", RR_NONE);
		return;
	}
	open_(w, "baseline", '{');
	str(w, "file", r->baseline_name);
	open_(w, "figures", '{');
	for (int i = 0; i < HL__COUNT; i++) {
		const struct headline *h = &r->headline[i];
		open_(w, h->key, '{');
		opt(w, "value", h->value);
		opt(w, "previous", h->previous);
		opt(w, "change", h->change);
		opt(w, "change_pm", h->change_pm);
		bool_(w, "regression", h->regression);
		if (h->sampled)
			bool_(w, "sampled", 1);
		close_(w, '}');
	}
	close_(w, '}');
	close_(w, '}');
}

/* A catalog parameter: CAT_ANY (any value) is null. */
static void param(struct jw *w, const char *k, int32_t v)
{
	opt(w, k, v == CAT_ANY ? RR_NONE : (int64_t)v);
}

/* A top item's rates per 1000 sessions; with a baseline, its own (null
 * when the baseline does not list the item) and the change. */
static void write_top_rates(struct jw *w, const struct report *r, const struct top_item *t)
{
	opt(w, "count_pm", t->count_pm);
	opt(w, "users_pm", t->users_pm);
	if (!r->has_baseline) {
		opt(w, "baseline", RR_NONE);
		return;
	}
	open_(w, "baseline", '{');
	opt(w, "count_pm", t->prev_count_pm);
	opt(w, "users_pm", t->prev_users_pm);
	opt(w, "count_pm_change", t->count_pm_change);
	opt(w, "users_pm_change", t->users_pm_change);
	close_(w, '}');
}

/* The counts of a context row (prev: the baseline's). */
static void write_cx_counts(struct jw *w, const struct context_row *c, int prev)
{
	int_(w, "sessions", prev ? c->prev_sessions : c->sessions);
	open_(w, "with", '{');
	for (int k = 0; k < CK__COUNT; k++)
		int_(w, report_cx_kind_key(k), prev ? c->prev_with[k] : c->with[k]);
	close_(w, '}');
	int_(w, "none", prev ? c->prev_none : c->none);
	open_(w, "share_pm", '{');
	for (int k = 0; k < CK__COUNT; k++)
		opt(w, report_cx_kind_key(k), prev ? c->prev_share_pm[k] : c->share_pm[k]);
	opt(w, "none", prev ? c->prev_none_pm : c->none_pm);
	close_(w, '}');
	open_(w, "network_pm", '{');
	opt(w, "without", prev ? c->prev_net_pm[0] : c->net_pm[0]);
	opt(w, "with", prev ? c->prev_net_pm[1] : c->net_pm[1]);
	close_(w, '}');
}

/* What went with the problem exits (report_context.c). */
static void write_context(struct jw *w, const struct report *r)
{
	static const char *const rise[] = { "", "without_network", "with_network", "both" };

	open_(w, "context", '{');
	int_(w, "window_ms", SESSION_CONTEXT_WINDOW_MS);
	for (int e = 0; e < CX__COUNT; e++) {
		const struct context_row *c = &r->context[e];

		open_(w, report_cx_exit_key(e), '{');
		write_cx_counts(w, c, 0);
		if (c->has_previous) {
			open_(w, "baseline", '{');
			write_cx_counts(w, c, 1);
			close_(w, '}');
		} else {
			opt(w, "baseline", RR_NONE);
		}
		if (c->rise == CXR_NONE || c->rise > CXR_BOTH) {
			opt(w, "rise", RR_NONE);
		} else {
			open_(w, "rise", '{');
			str(w, "where", rise[c->rise]);
			int_(w, "without_network_share_pm", c->rise_without_pm);
			close_(w, '}');
		}
		close_(w, '}');
	}
	close_(w, '}');
}

/* The --baseline runs, oldest first: period and headline figures. */
static void write_baselines(struct jw *w, const struct report *r)
{
	open_(w, "baselines", '[');
	for (size_t i = 0; i < r->ntrend; i++) {
		const struct trend_run *t = &r->trend[i];

		open_(w, NULL, '{');
		if (t->first[0]) {
			open_(w, "period", '{');
			str(w, "first", t->first);
			str(w, "last", t->last);
			close_(w, '}');
		} else {
			opt(w, "period", RR_NONE);
		}
		open_(w, "headline", '{');
		for (int k = 0; k < HL__COUNT; k++)
			opt(w, report_headline_key(k), t->value[k]);
		close_(w, '}');
		close_(w, '}');
	}
	close_(w, ']');
}

static void write_top(struct jw *w, const struct report *r, const char *k,
		      const struct top_item *t, size_t n)
{
	open_(w, k, '[');
	for (size_t i = 0; i < n; i++) {
		open_(w, NULL, '{');
		str(w, "table", cat_table_name(t[i].table));
		int_(w, "id", t[i].id);
		param(w, "param_one", t[i].p1);
		param(w, "param_two", t[i].p2);
		str(w, "label", t[i].label);
		str(w, "raw", t[i].raw);
		str(w, "severity", severity_name(t[i].severity));
		int_(w, "count", (int64_t)t[i].count);
		int_(w, "users", t[i].users);
		write_top_rates(w, r, &t[i]);
		close_(w, '}');
	}
	close_(w, ']');
}

static void write_tops(struct jw *w, const struct report *r)
{
	open_(w, "top_events", '{');
	write_top(w, r, "by_count", r->top_events_by_count, r->ntop_events_by_count);
	write_top(w, r, "by_users", r->top_events_by_users, r->ntop_events_by_users);
	close_(w, '}');
	open_(w, "top_causes", '{');
	write_top(w, r, "by_count", r->top_causes_by_count, r->ntop_causes_by_count);
	write_top(w, r, "by_users", r->top_causes_by_users, r->ntop_causes_by_users);
	close_(w, '}');
}

static void write_worst(struct jw *w, const struct report *r)
{
	const struct strtab *t = r->ds->strs;

	open_(w, "worst_calls", '[');
	for (size_t i = 0; i < r->nworst; i++) {
		const struct call *c = &r->m->calls[r->worst[i]];
		open_(w, NULL, '{');
		int_(w, "call", r->worst[i]);
		room_ids(w, t, c->room);
		sid_opt(w, "comm_id", t, c->comm);
		int_(w, "start_ms", c->start_ms);
		int_(w, "errors", c->findings[SEV_ERROR]);
		int_(w, "warnings", c->findings[SEV_WARNING]);
		int_(w, "timeouts", c->exits[EXIT_TIMEOUT]);
		int_(w, "kicks", c->exits[EXIT_KICKED]);
		int_(w, "entry_failed", c->exits[EXIT_ENTRY_FAILED]);
		page(w, r, r->worst[i]);
		close_(w, '}');
	}
	close_(w, ']');
}

static void write_problem_users(struct jw *w, const struct report *r)
{
	open_(w, "problem_users", '[');
	for (size_t i = 0; i < r->nproblem_users; i++) {
		const struct problem_user *u = &r->problem_users[i];
		open_(w, NULL, '{');
		sid(w, "user_id", r->ds->strs, u->user);
		int_(w, "sessions", u->sessions);
		int_(w, "calls", u->calls);
		int_(w, "errors", u->errors);
		int_(w, "warnings", u->warnings);
		int_(w, "timeouts", u->timeouts);
		int_(w, "kicks", u->kicks);
		int_(w, "entry_failed", u->entry_failed);
		close_(w, '}');
	}
	close_(w, ']');
}

/* A breakdown row's previous values (report_compare), or null without a
 * baseline; sessions null when the baseline has no row of this key. */
static void write_bd_baseline(struct jw *w, const struct report *r, const struct breakdown *b)
{
	if (!r->has_baseline) {
		opt(w, "baseline", RR_NONE);
		return;
	}
	open_(w, "baseline", '{');
	opt(w, "sessions", b->has_previous ? (int64_t)b->prev_sessions : RR_NONE);
	bool_(w, "small", b->small);
	open_(w, "figures", '{');
	for (int f = 0; f < BF__COUNT; f++) {
		open_(w, report_bd_figure_key(f), '{');
		opt(w, "previous", b->previous[f]);
		opt(w, "change", b->change[f]);
		bool_(w, "regression", b->regression[f]);
		close_(w, '}');
	}
	close_(w, '}');
	close_(w, '}');
}

/* A row's counts per bin (REPORT_BD_BINS), trailing empty bins left out;
 * the bins' lower edges once, as "breakdown_bins_ms", before "breakdowns". */
static void write_bd_hist(struct jw *w, const char *k, const uint32_t *h)
{
	unsigned n = REPORT_BD_BINS;

	while (n > 0 && h[n - 1] == 0)
		n--;
	open_(w, k, '[');
	for (unsigned i = 0; i < n; i++)
		int_(w, NULL, h[i]);
	close_(w, ']');
}

static void write_bd_bins(struct jw *w)
{
	open_(w, "breakdown_bins_ms", '[');
	for (unsigned i = 0; i < REPORT_BD_BINS; i++)
		int_(w, NULL, report_bd_bin_lo(i));
	close_(w, ']');
}

/* A double with d decimals (d 0..3), or with three significant digits
 * (d < 0: p-values); null when not finite. Same double, same bytes. */
static void dbl(struct jw *w, const char *k, double v, int d)
{
	char b[40];
	int n;

	key(w, k);
	if (!isfinite(v)) {
		put(w, "null", 4);
		return;
	}
	n = d < 0 ? snprintf(b, sizeof b, "%.3g", v) : snprintf(b, sizeof b, "%.*f", d, v);
	if (n > 0 && (size_t)n < sizeof b)
		put(w, b, (size_t)n);
	else
		put(w, "null", 4);
}

/* "changes" (report_changes): null without a baseline; every named segment
 * of every moved figure, figures in the breakdowns' order, each figure's
 * by share, largest first. */
static void write_changes(struct jw *w, const struct report *r)
{
	if (!r->changes_done) {
		opt(w, "changes", RR_NONE);
		return;
	}
	open_(w, "changes", '[');
	for (uint32_t k = 0; k < r->nchange_fig; k++) {
		const struct change_figure *cf = &r->change_fig[k];

		for (uint32_t i = cf->first; i < cf->first + cf->n; i++) {
			const struct change *c = &r->changes[i];

			open_(w, NULL, '{');
			str(w, "figure", report_bd_figure_key(c->figure));
			str(w, "direction", cf->direction > 0 ? "rise" : "fall");
			opt(w, "before", cf->before);
			opt(w, "after", cf->after);
			str(w, "dimension", report_bd_dim_key(c->dim));
			key(w, "segment");
			jstr(w, c->segment, strlen(c->segment));
			opt(w, "segment_before", c->seg_before);
			opt(w, "segment_after", c->seg_after);
			int_(w, "sessions_before", c->n_before);
			int_(w, "sessions_after", c->n_after);
			int_(w, "share_of_change_pct", c->share_pct);
			dbl(w, "mix_part", c->mix_part, 1);
			dbl(w, "rate_part", c->rate_part, 1);
			dbl(w, "p_value", c->p_value, -1);
			close_(w, '}');
		}
	}
	close_(w, ']');
}

/* "standouts" (report_standouts_build): null when not built (with a
 * baseline), [] when no segment stands out. */
static void write_standouts(struct jw *w, const struct report *r)
{
	if (!r->standouts_done) {
		opt(w, "standouts", RR_NONE);
		return;
	}
	open_(w, "standouts", '[');
	for (uint32_t i = 0; i < r->nstandouts; i++) {
		const struct standout *s = &r->standouts[i];

		open_(w, NULL, '{');
		str(w, "figure", report_bd_figure_key(s->figure));
		str(w, "dimension", report_bd_dim_key(s->dim));
		key(w, "segment");
		jstr(w, s->segment, strlen(s->segment));
		opt(w, "segment_value", s->seg_value);
		opt(w, "rest_value", s->rest_value);
		dbl(w, "ratio", s->ratio, 2);
		int_(w, "sessions", s->n);
		int_(w, "rest_sessions", s->rest_n);
		dbl(w, "p_value", s->p_value, -1);
		close_(w, '}');
	}
	close_(w, ']');
}

static void write_breakdown(struct jw *w, const struct report *r, enum bd_dim d,
			    const struct breakdown *b, size_t n)
{
	open_(w, report_bd_dim_key(d), '[');
	for (size_t i = 0; i < n; i++) {
		open_(w, NULL, '{');
		str(w, "key", b[i].key);
		int_(w, "users", b[i].users);
		int_(w, "sessions", b[i].sessions);
		int_(w, "entered", b[i].entered);
		int_(w, "entry_observed", b[i].entry_observed);
		int_(w, "timeouts", b[i].timeouts);
		int_(w, "kicks", b[i].kicks);
		int_(w, "entry_failed", b[i].entry_failed);
		int_(w, "no_exit", b[i].no_exit);
		write_latency(w, "entry_latency_ms", &b[i].entry_latency);
		write_latency(w, "first_frame_ms", &b[i].first_frame);
		int_(w, "entry_within_5s", b[i].fast);
		write_bd_hist(w, "entry_latency_hist", b[i].hist[BH_LATENCY]);
		write_bd_hist(w, "first_frame_hist", b[i].hist[BH_FIRST_FRAME]);
		for (int f = 0; f < BF__COUNT; f++)
			opt(w, report_bd_figure_key(f), b[i].value[f]);
		write_bd_baseline(w, r, &b[i]);
		close_(w, '}');
	}
	close_(w, ']');
}

/* ---- the calls, on several threads ---- */

/* Takes chunks until none is left; each goes out in its turn. */
static void run_chunks(struct jw *w, const struct report *r)
{
	struct jpar *p = w->par;

	for (;;) {
		size_t k;

		pthread_mutex_lock(&p->lock);
		k = p->next_take++;
		pthread_mutex_unlock(&p->lock);
		if (k >= p->nchunks)
			break;
		w->chunk = k;
		w->turn = 0;
		w->first = p->chunk_first[k] == 0;
		for (uint32_t i = p->chunk_first[k]; i < p->chunk_first[k + 1]; i++)
			write_call(w, r, &r->m->calls[i], i);
		if (!w->turn)
			wait_turn(w);
		write_out(w);
		pthread_mutex_lock(&p->lock);
		p->next_write++;
		pthread_cond_broadcast(&p->turn_cv);
		pthread_mutex_unlock(&p->lock);
		w->turn = 0;
	}
}

/* One part of the fan-out: a worker formatting chunks into its own buffer
 * (none when it could not have one: it then takes no chunk). */
struct jworker {
	struct jw w;
	const struct report *r;
};

/* parallel_for's part k. */
static void chunk_part(void *arg, unsigned k)
{
	struct jworker *ws = arg;

	if (ws[k].w.buf)
		run_chunks(&ws[k].w, ws[k].r);
}

/* Threads for the calls: `threads` when given, else one below
 * JSON_MIN_PARALLEL sessions and the online processors above; at most
 * JSON_MAX_THREADS. */
static unsigned json_threads(const struct model *m, unsigned threads)
{
	if (!threads && m->nsessions < JSON_MIN_PARALLEL)
		return 1;
	return parallel_parts(threads, JSON_MAX_THREADS, m->nsessions, 0);
}

/* The members of the "calls" array. Falls back to one thread whenever
 * something for more is missing (memory, a thread). */
static void write_calls(struct jw *w, const struct report *r, unsigned threads,
			unsigned chunk_sessions)
{
	const struct model *m = r->m;
	unsigned nt = json_threads(m, threads), k;
	struct jworker ws[JSON_MAX_THREADS];
	uint32_t *first = NULL, i, acc = 0;
	struct jpar p;
	size_t nch = 0;

	memset(ws, 0, sizeof ws);
	if (nt > 1) {
		first = rr_malloc(((size_t)m->ncalls + 1) * sizeof *first);
		ws[0].w.buf = rr_malloc(JW_BUF);
	}
	if (!first || !ws[0].w.buf) {
		rr_free(first);
		rr_free(ws[0].w.buf);
		for (i = 0; i < m->ncalls; i++)
			write_call(w, r, &m->calls[i], i);
		return;
	}
	first[0] = 0;
	for (i = 0; i < m->ncalls; i++) {
		acc += m->calls[i].nsessions + 1;
		if (acc >= chunk_sessions || i + 1 == m->ncalls) {
			first[++nch] = i + 1;
			acc = 0;
		}
	}
	write_out(w);      /* everything before the calls goes first */
	memset(&p, 0, sizeof p);
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.turn_cv, NULL);
	p.nchunks = nch;
	p.chunk_first = first;
	for (k = 0; k < nt; k++) {
		ws[k].w.f = w->f;
		ws[k].w.err = w->err;
		ws[k].w.par = &p;
		ws[k].r = r;
	}
	ws[0].w.cap = JW_BUF;          /* this thread formats chunks too */
	for (k = 1; k < nt; k++) {
		ws[k].w.buf = rr_malloc(JW_BUF);
		ws[k].w.cap = JW_BUF;
	}
	/* A worker whose thread does not start runs after the others, when
	 * no chunk is left: no chunk waits for it. */
	parallel_for(nt, chunk_part, ws);
	for (k = 0; k < nt; k++)
		rr_free(ws[k].w.buf);
	w->first = m->ncalls == 0;
	pthread_cond_destroy(&p.turn_cv);
	pthread_mutex_destroy(&p.lock);
	rr_free(first);
}

int json_write(const struct report *r, FILE *f)
{
	return json_write_threads(r, f, 0, 0);
}

int json_write_threads(const struct report *r, FILE *f, unsigned threads,
		       unsigned chunk_sessions)
{
	char buf[JW_BUF];   /* on the stack: writing needs no allocation */
	struct jw w;
	const struct model *m = r->m;
	int err = 0;

	memset(&w, 0, sizeof w);
	w.f = f;
	w.err = &err;
	w.first = 1;
	w.buf = buf;
	w.cap = sizeof buf;

	open_(&w, NULL, '{');
	str(&w, "generator", "roomreport " RR_VERSION);
	str(&w, "tz", r->tz ? tz_name(r->tz) : "UTC");   /* no zone: UTC dates */
	key(&w, "title");
	if (r->title)
		jstr(&w, r->title, strlen(r->title));
	else
		put(&w, "null", 4);
	write_selected(&w, r);
	write_input(&w, r);

	open_(&w, "totals", '{');
	int_(&w, "calls", r->calls);
	int_(&w, "rooms", r->rooms);
	int_(&w, "users", r->users);
	int_(&w, "sessions", r->sessions);
	int_(&w, "entered", r->entered);
	int_(&w, "entry_observed", r->entry_observed);
	write_exits(&w, "exits", r->exits);
	open_(&w, "entry_latency_ms", '{');
	int_(&w, "n", (int64_t)r->entry_latency.n);
	opt(&w, "p50", r->entry_latency.p50);
	opt(&w, "p95", r->entry_latency.p95);
	close_(&w, '}');
	int_(&w, "abnormal_experiences", r->abnormal_experiences);
	bool_(&w, "abnormal_experiences_sampled", 1);
	int_(&w, "ongoing", r->ongoing);
	close_(&w, '}');

	open_(&w, "calls", '[');
	write_calls(&w, r, threads, chunk_sessions ? chunk_sessions : JSON_CHUNK_SESSIONS);
	close_(&w, ']');

	open_(&w, "unattached_experiences", '[');
	for (uint32_t k = 0; k < m->norphan_exp; k++)
		write_experience(&w, r, &m->experiences[m->first_orphan_exp + k], 1);
	close_(&w, ']');

	open_(&w, "days", '[');
	for (size_t i = 0; i < r->ndays; i++)
		write_day(&w, &r->days[i]);
	close_(&w, ']');

	write_headline(&w, r);
	write_changes(&w, r);
	write_standouts(&w, r);
	open_(&w, "distributions", '{');
	write_hist(&w, "entry_latency", &r->latency_hist);
	write_hist(&w, "session_duration", &r->duration_hist);
	close_(&w, '}');
	write_tops(&w, r);
	write_context(&w, r);
	write_baselines(&w, r);
	write_worst(&w, r);
	write_problem_users(&w, r);
	int_(&w, "pages", r->npages);

	/* Device type and SDK version lists are empty without a users file. */
	write_bd_bins(&w);
	open_(&w, "breakdowns", '{');
	write_breakdown(&w, r, BDIM_PLATFORM, r->by_platform, r->nby_platform);
	write_breakdown(&w, r, BDIM_DEVICE, r->by_device, r->nby_device);
	write_breakdown(&w, r, BDIM_SDK, r->by_sdk, r->nby_sdk);
	write_breakdown(&w, r, BDIM_NETWORK, r->by_network, r->nby_network);
	write_breakdown(&w, r, BDIM_APP, r->by_app, r->nby_app);
	close_(&w, '}');
	close_(&w, '}');
	putch(&w, '\n');
	write_out(&w);
	if (!ferror(f))
		return RR_OK;
	if (err)
		errno = err;
	return RR_EIO;
}
