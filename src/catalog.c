/*
 * catalog — lookup, formatting, printing and loading of the event catalog.
 * Entries live in one array sorted by (table, id, p1, p2); a lookup finds
 * the run of one (table, id) and picks the most exact parameter match. Runs
 * are found through a direct table per catalog table covering CAT_WINDOW ids
 * from the table's smallest id (all of the official IDs), so the lookup that
 * runs once per event is an array index; ids outside the window fall back to
 * a binary search.
 * Loading a --catalog file is all-or-nothing: every line is parsed and
 * checked, and memory reserved, before the catalog changes.
 * Does not: walk records or count unknowns (decode), or quote CSV (csvout).
 */
#include "catalog.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "reader.h"
#include "util.h"

extern const struct cat_entry catalog_builtin[];
extern const size_t catalog_nbuiltin;

/* Longest label a catalog file may give: keeps rendered labels bounded. */
#define CAT_LABEL_MAX 200

struct cat_slot {
	struct cat_entry e;      /* first member: catalog_at hands out &slot->e */
	int owned;               /* label was allocated by a load */
};

/* Ids per table that the direct table covers: the official SDK IDs span
 * 1001..7001 and the WebRTC ones 32768..36864. */
#define CAT_WINDOW 8192

/* The run of slots of one (table, id): n == 0 when there is none. */
struct cat_run {
	uint32_t first, n;
};

struct catalog {
	struct cat_slot *slot;
	size_t n, cap;
	/* Direct table: run[t][id - base[t]] for base[t] <= id < base[t] +
	 * CAT_WINDOW. Rebuilt (without allocating) whenever slot changes. */
	int32_t base[CAT__TABLES], top[CAT__TABLES];   /* smallest and largest id */
	struct cat_run run[CAT__TABLES][CAT_WINDOW];
};

static const char *const table_names[CAT__TABLES] = {
	"sdk", "webrtc", "experience", "dismissal", "realtime"
};
static const char *const category_names[CC__COUNT] = {
	"room", "network", "device", "audio", "video", "app", "qos", "signaling"
};
static const char *const severity_names[SEV__COUNT] = { "info", "warning", "error" };

const char *cat_table_name(enum cat_table t)
{
	return (unsigned)t < CAT__TABLES ? table_names[t] : "?";
}

const char *cat_category_name(enum cat_category c)
{
	return (unsigned)c < CC__COUNT ? category_names[c] : "?";
}

const char *severity_name(enum severity s)
{
	return (unsigned)s < SEV__COUNT ? severity_names[s] : "?";
}

static int cmp_i32(int32_t a, int32_t b)
{
	return (a > b) - (a < b);
}

static int key_cmp(const struct cat_entry *a, const struct cat_entry *b)
{
	int r;

	if ((r = cmp_i32((int32_t)a->table, (int32_t)b->table)))
		return r;
	if ((r = cmp_i32(a->id, b->id)))
		return r;
	if ((r = cmp_i32(a->p1, b->p1)))
		return r;
	return cmp_i32(a->p2, b->p2);
}

static int slot_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct cat_slot *)a)->e, &((const struct cat_slot *)b)->e);
}

/* Refills the direct table from the sorted slots. Runs longer than a
 * uint32 cannot occur: slots are counted in size_t but a run is one id. */
static void index_build(struct catalog *c)
{
	memset(c->run, 0, sizeof c->run);
	for (int t = 0; t < CAT__TABLES; t++) {
		c->base[t] = INT32_MAX;
		c->top[t] = INT32_MIN;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct cat_entry *e = &c->slot[i].e;
		if (e->id < c->base[e->table])
			c->base[e->table] = e->id;
		if (e->id > c->top[e->table])
			c->top[e->table] = e->id;
	}
	for (size_t i = 0; i < c->n && i < UINT32_MAX; i++) {
		const struct cat_entry *e = &c->slot[i].e;
		int64_t k = (int64_t)e->id - c->base[e->table];
		struct cat_run *r;

		if (k >= CAT_WINDOW)
			continue;
		r = &c->run[e->table][k];
		if (r->n++ == 0)
			r->first = (uint32_t)i;
	}
}

int catalog_new(struct catalog **out)
{
	struct catalog *c;

	*out = NULL;
	c = rr_calloc(1, sizeof *c);
	if (!c)
		return RR_ENOMEM;
	c->slot = rr_malloc(catalog_nbuiltin * sizeof *c->slot);
	if (!c->slot) {
		rr_free(c);
		return RR_ENOMEM;
	}
	for (size_t i = 0; i < catalog_nbuiltin; i++) {
		c->slot[i].e = catalog_builtin[i];
		c->slot[i].owned = 0;
	}
	c->n = c->cap = catalog_nbuiltin;
	qsort(c->slot, c->n, sizeof *c->slot, slot_cmp);
	index_build(c);
	*out = c;
	return RR_OK;
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->slot[i].owned)
			rr_free((char *)c->slot[i].e.label);
	rr_free(c->slot);
	rr_free(c);
}

size_t catalog_count(const struct catalog *c)
{
	return c->n;
}

const struct cat_entry *catalog_at(const struct catalog *c, size_t i)
{
	return i < c->n ? &c->slot[i].e : NULL;
}

size_t catalog_index_of(const struct catalog *c, const struct cat_entry *e)
{
	/* e is the first member of its slot. */
	return (size_t)((const struct cat_slot *)(const void *)e - c->slot);
}

/* Index of the first slot with key >= (table, id). */
static size_t lower_bound(const struct catalog *c, enum cat_table t, int32_t id)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cat_entry *e = &c->slot[mid].e;
		if (e->table < t || (e->table == t && e->id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int is_wild(int32_t v)
{
	return v == CAT_ANY || v == -1;
}

/*
 * Best entry of the run slot[first, first + n) (one table and id) for the
 * parameters: an exactly equal parameter scores over a wildcard one, p1
 * weighing more than p2 because it is the parameter that selects rows in the
 * official table. Ties go to the first in key order.
 */
static const struct cat_entry *best_in_run(const struct catalog *c, size_t first, size_t n,
					   int32_t p1, int32_t p2)
{
	const struct cat_entry *best = NULL;
	int best_score = -1;

	for (size_t i = first; i < first + n; i++) {
		const struct cat_entry *e = &c->slot[i].e;
		int score;

		if (e->p1 == p1)
			score = 2;
		else if (is_wild(e->p1))
			score = 0;
		else
			continue;
		if (e->p2 == p2)
			score += 1;
		else if (!is_wild(e->p2))
			continue;
		if (score > best_score) {
			best = e;
			best_score = score;
		}
	}
	return best;
}

static const struct cat_entry *find_in(const struct catalog *c, enum cat_table t,
				       int32_t id, int32_t p1, int32_t p2)
{
	int64_t k = (int64_t)id - c->base[t];
	size_t i, j;

	if (k >= 0 && k < CAT_WINDOW) {
		const struct cat_run *r = &c->run[t][k];
		return r->n ? best_in_run(c, r->first, r->n, p1, p2) : NULL;
	}
	if (id < c->base[t] || id > c->top[t])
		return NULL;
	i = lower_bound(c, t, id);
	for (j = i; j < c->n && c->slot[j].e.table == t && c->slot[j].e.id == id; j++)
		;
	return best_in_run(c, i, j - i, p1, p2);
}

/* SDK first: the two ID ranges do not overlap in the official table, and a
 * user file that makes them overlap gets the SDK meaning. */
const struct cat_entry *catalog_find_event(const struct catalog *c, int32_t id, int32_t p1, int32_t p2)
{
	const struct cat_entry *e = find_in(c, CAT_SDK, id, p1, p2);
	return e ? e : find_in(c, CAT_WEBRTC, id, p1, p2);
}

void catalog_memo_init(struct cat_memo *m)
{
	memset(m, 0, sizeof *m);
}

const struct cat_entry *catalog_find_event_memo(const struct catalog *c, struct cat_memo *m,
						int32_t id, int32_t p1, int32_t p2)
{
	uint32_t h = (uint32_t)id * 0x9E3779B1u ^ (uint32_t)p1 * 0x85EBCA77u ^
		     (uint32_t)p2 * 0xC2B2AE3Du;
	unsigned k = (h ^ (h >> 15)) & (CAT_MEMO_SLOTS - 1);

	if (!m->slot[k].used || m->slot[k].id != id || m->slot[k].p1 != p1 || m->slot[k].p2 != p2) {
		m->slot[k].id = id;
		m->slot[k].p1 = p1;
		m->slot[k].p2 = p2;
		m->slot[k].used = 1;
		m->slot[k].e = catalog_find_event(c, id, p1, p2);
	}
	return m->slot[k].e;
}

const struct cat_entry *catalog_find_experience(const struct catalog *c, int32_t id)
{
	return find_in(c, CAT_EXPERIENCE, id, -1, -1);
}

const struct cat_entry *catalog_find_cause(const struct catalog *c, int32_t id)
{
	const struct cat_entry *e = find_in(c, CAT_DISMISSAL, id, -1, -1);
	return e ? e : find_in(c, CAT_REALTIME, id, -1, -1);
}

/* ---- formatting ---- */

struct outbuf {
	char *buf;
	size_t size, len;
	int full;
};

/* Appends all n bytes or none, so a number is never shown cut short. */
static void out_whole(struct outbuf *o, const char *s, size_t n)
{
	if (o->full || n > o->size - 1 - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void out_byte(struct outbuf *o, char ch)
{
	out_whole(o, &ch, 1);
}

/* After truncation, drop a trailing partial UTF-8 sequence. */
static void out_trim_utf8(struct outbuf *o)
{
	size_t back = 0, i = o->len;
	const unsigned char *s = (const unsigned char *)o->buf;

	while (i > 0 && back < 4 && (s[i - 1] & 0xC0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0 || s[i - 1] < 0xC0)
		return;
	{
		unsigned lead = s[i - 1];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (back + 1 < need)
			o->len = i - 1;
	}
}

void catalog_format(const struct cat_entry *e, enum cat_table table, int32_t id,
		    int32_t p1, int32_t p2, char *buf, size_t size)
{
	struct outbuf o = { buf, size, 0, 0 };
	char num[16];

	if (!buf || size == 0)
		return;
	if (!e) {
		switch (table) {
		case CAT_SDK:
		case CAT_WEBRTC:
			snprintf(buf, size, "Unknown event %" PRId32 " (%" PRId32 ", %" PRId32 ")",
				 id, p1, p2);
			break;
		case CAT_EXPERIENCE:
			snprintf(buf, size, "Unknown experience %" PRId32, id);
			break;
		default:
			snprintf(buf, size, "Unknown cause %" PRId32, id);
			break;
		}
		return;
	}
	for (const char *s = e->label; *s && !o.full; s++) {
		if (s[0] == '{' && (s[1] == '1' || s[1] == '2') && s[2] == '}') {
			int n = snprintf(num, sizeof num, "%" PRId32, s[1] == '1' ? p1 : p2);
			out_whole(&o, num, (size_t)n);
			s += 2;
		} else {
			out_byte(&o, *s);
		}
	}
	if (o.full)
		out_trim_utf8(&o);
	buf[o.len] = '\0';
}

void catalog_cause_phrase(const struct catalog *c, int32_t id, const char *peer, size_t peer_len,
			  char *buf, size_t size)
{
	const struct cat_entry *e;
	char label[256], pt[CATALOG_PEER_MAX + 4];
	size_t n;

	if (!buf || size == 0)
		return;
	if (peer) {
		size_t cut = peer_len > CATALOG_PEER_MAX ? utf8_cut(peer, CATALOG_PEER_MAX) : peer_len;

		memcpy(pt, peer, cut);
		strcpy(pt + cut, cut < peer_len ? "…" : "");
		peer = pt;
	}
	e = c ? catalog_find_cause(c, id) : NULL;
	catalog_format(e, e ? e->table : id >= 2001 && id <= 2999 ? CAT_REALTIME : CAT_DISMISSAL,
		       id, -1, -1, label, sizeof label);
	if (label[0] >= 'A' && label[0] <= 'Z' && label[1] >= 'a' && label[1] <= 'z')
		label[0] = (char)(label[0] - 'A' + 'a');
	if (!peer)
		snprintf(buf, size, "%s", label);
	else if (id >= 2001 && id <= 2012)
		snprintf(buf, size, "%s at peer %s", label, peer);
	else if (id >= 2013 && id <= 2026)
		snprintf(buf, size, "%s on the stream from peer %s", label, peer);
	else
		snprintf(buf, size, "%s (peer %s)", label, peer);
	n = strlen(buf);
	buf[utf8_cut(buf, n)] = '\0';
}

/* ---- CSV output ---- */

static void write_param(FILE *f, int32_t v)
{
	if (v == CAT_ANY)
		csv_field_str(f, "any", 0);
	else
		csv_field_int(f, v, 0);
}

int catalog_write_csv(const struct catalog *c, FILE *f)
{
	static const char *const header[] = {
		"table", "id", "param_one", "param_two", "label", "category", "severity"
	};

	for (size_t i = 0; i < sizeof header / sizeof header[0]; i++)
		csv_field_str(f, header[i], i == 0);
	csv_end(f);
	for (size_t i = 0; i < c->n; i++) {
		const struct cat_entry *e = &c->slot[i].e;
		csv_field_str(f, cat_table_name(e->table), 1);
		csv_field_int(f, e->id, 0);
		write_param(f, e->p1);
		write_param(f, e->p2);
		csv_field_str(f, e->label, 0);
		csv_field_str(f, cat_category_name(e->category), 0);
		csv_field_str(f, severity_name(e->severity), 0);
		csv_end(f);
	}
	return ferror(f) ? RR_EIO : RR_OK;
}

/* ---- loading ---- */

enum col { COL_TABLE, COL_ID, COL_P1, COL_P2, COL_LABEL, COL_CATEGORY, COL_SEVERITY, COL__COUNT };

static const char *const col_names[COL__COUNT] = {
	"table", "id", "param_one", "param_two", "label", "category", "severity"
};

struct loader {
	const char *name;
	char *err;
	size_t errlen;
	struct cat_slot *tmp;          /* parsed entries, labels owned */
	size_t n, cap;
	size_t col[COL__COUNT];        /* field index of each column */
	size_t nheader;
};

static void set_err(struct loader *l, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(struct loader *l, uint64_t line, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	if (!l->err || l->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (line)
		snprintf(l->err, l->errlen, "%s:%" PRIu64 ": %s", l->name, line, reason);
	else
		snprintf(l->err, l->errlen, "%s: %s", l->name, reason);
}

/* A field made safe to quote in a message: printable ASCII only, bounded. */
static const char *show(const char *s, size_t n, char *buf, size_t size)
{
	size_t i = 0, j = 0;

	for (; i < n && j + 4 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[j++] = (ch >= 0x20 && ch < 0x7F) ? (char)ch : '?';
	}
	if (i < n) {
		buf[j++] = '.';
		buf[j++] = '.';
		buf[j++] = '.';
	}
	buf[j] = '\0';
	return buf;
}

static int lower(int ch)
{
	return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

/* Case-insensitive equality of the n bytes at s with NUL-terminated name. */
static int name_eq(const char *s, size_t n, const char *name)
{
	size_t i = 0;

	for (; i < n && name[i]; i++)
		if (lower((unsigned char)s[i]) != name[i])
			return 0;
	return i == n && name[i] == '\0';
}

/* Header names compare like the export headers do: case and '_', '-', ' '
 * ignored, so "ParamOne" and "param-one" name the same column. */
static int header_eq(const char *s, size_t n, const char *name)
{
	size_t i = 0;

	for (;;) {
		while (i < n && (s[i] == '_' || s[i] == '-' || s[i] == ' '))
			i++;
		while (*name == '_')
			name++;
		if (i == n || *name == '\0')
			break;
		if (lower((unsigned char)s[i]) != *name)
			return 0;
		i++;
		name++;
	}
	return i == n && *name == '\0';
}

static int lookup_name(const char *s, size_t n, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (name_eq(s, n, names[i]))
			return i;
	return -1;
}

/* Decimal int32 with an optional sign; surrounding spaces allowed. */
static int parse_i32(const char *s, size_t n, int32_t *out)
{
	size_t i = 0;
	int neg = 0, digits = 0;
	int64_t v = 0;

	while (i < n && s[i] == ' ')
		i++;
	while (n > i && s[n - 1] == ' ')
		n--;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return -1;
		digits++;
	}
	if (!digits)
		return -1;
	if (neg)
		v = -v;
	if (v < INT32_MIN || v > INT32_MAX)
		return -1;
	*out = (int32_t)v;
	return 0;
}

static int check_header(struct loader *l, const struct reader_record *rec)
{
	char shown[48];

	for (int k = 0; k < COL__COUNT; k++)
		l->col[k] = SIZE_MAX;
	for (size_t i = 0; i < rec->nfields; i++) {
		for (int k = 0; k < COL__COUNT; k++) {
			if (!header_eq(rec->field[i], rec->len[i], col_names[k]))
				continue;
			if (l->col[k] != SIZE_MAX) {
				set_err(l, rec->line, "column '%s' appears twice",
					show(rec->field[i], rec->len[i], shown, sizeof shown));
				return RR_EDATA;
			}
			l->col[k] = i;
		}
	}
	for (int k = 0; k < COL__COUNT; k++) {
		if (l->col[k] == SIZE_MAX) {
			set_err(l, rec->line, "missing column '%s' (expected "
				"table,id,param_one,param_two,label,category,severity)", col_names[k]);
			return RR_EDATA;
		}
	}
	l->nheader = rec->nfields;
	return RR_OK;
}

static int parse_param(const char *s, size_t n, int32_t *out)
{
	if (name_eq(s, n, "any")) {
		*out = CAT_ANY;
		return 0;
	}
	/* INT32_MIN is the CAT_ANY sentinel: refuse it as a plain number. */
	if (parse_i32(s, n, out) < 0 || *out == CAT_ANY)
		return -1;
	return 0;
}

static int check_label(const char *s, size_t n)
{
	if (n == 0 || n > CAT_LABEL_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7F)
			return -1;
	}
	return utf8_valid(s, n) ? 0 : -1;
}

static int parse_line(struct loader *l, const struct reader_record *rec)
{
	const char *const *f = rec->field;
	const size_t *len = rec->len;
	struct cat_entry e;
	char shown[48];
	size_t k;
	int v;

	if (rec->nfields != l->nheader) {
		set_err(l, rec->line, "%zu fields, the header has %zu", rec->nfields, l->nheader);
		return RR_EDATA;
	}
	k = l->col[COL_TABLE];
	v = lookup_name(f[k], len[k], table_names, CAT__TABLES);
	if (v < 0) {
		set_err(l, rec->line, "unknown table '%s' (expected sdk, webrtc, experience, "
			"dismissal or realtime)", show(f[k], len[k], shown, sizeof shown));
		return RR_EDATA;
	}
	e.table = (enum cat_table)v;
	k = l->col[COL_ID];
	if (parse_i32(f[k], len[k], &e.id) < 0) {
		set_err(l, rec->line, "id '%s' is not an integer",
			show(f[k], len[k], shown, sizeof shown));
		return RR_EDATA;
	}
	k = l->col[COL_P1];
	if (parse_param(f[k], len[k], &e.p1) < 0) {
		set_err(l, rec->line, "param_one '%s' is not an integer or 'any'",
			show(f[k], len[k], shown, sizeof shown));
		return RR_EDATA;
	}
	k = l->col[COL_P2];
	if (parse_param(f[k], len[k], &e.p2) < 0) {
		set_err(l, rec->line, "param_two '%s' is not an integer or 'any'",
			show(f[k], len[k], shown, sizeof shown));
		return RR_EDATA;
	}
	/* Experiences and causes carry no parameters: an entry keyed on one
	 * could never be found. */
	if (e.table != CAT_SDK && e.table != CAT_WEBRTC &&
	    (!is_wild(e.p1) || !is_wild(e.p2))) {
		set_err(l, rec->line, "table %s takes no parameters (use -1 or any)",
			table_names[e.table]);
		return RR_EDATA;
	}
	k = l->col[COL_CATEGORY];
	v = lookup_name(f[k], len[k], category_names, CC__COUNT);
	if (v < 0) {
		set_err(l, rec->line, "unknown category '%s'", show(f[k], len[k], shown, sizeof shown));
		return RR_EDATA;
	}
	e.category = (enum cat_category)v;
	k = l->col[COL_SEVERITY];
	v = lookup_name(f[k], len[k], severity_names, SEV__COUNT);
	if (v < 0) {
		set_err(l, rec->line, "unknown severity '%s' (expected info, warning or error)",
			show(f[k], len[k], shown, sizeof shown));
		return RR_EDATA;
	}
	e.severity = (enum severity)v;
	k = l->col[COL_LABEL];
	if (check_label(f[k], len[k]) < 0) {
		set_err(l, rec->line, "label must be 1 to %d bytes of UTF-8 text without "
			"control characters", CAT_LABEL_MAX);
		return RR_EDATA;
	}
	if (rr_grow(&l->tmp, &l->cap, l->n + 1, sizeof *l->tmp) != RR_OK)
		return RR_ENOMEM;
	e.label = rr_strndup(f[k], len[k]);
	if (!e.label)
		return RR_ENOMEM;
	l->tmp[l->n].e = e;
	l->tmp[l->n].owned = 1;
	l->n++;
	return RR_OK;
}

static int blank_record(const struct reader_record *rec)
{
	return rec->nfields == 0 || (rec->nfields == 1 && rec->len[0] == 0);
}

static const char *bad_text(enum reader_bad b)
{
	switch (b) {
	case READER_BAD_QUOTE: return "stray or unterminated quote";
	case READER_BAD_LONG: return "field or line too long";
	case READER_BAD_WIDE: return "too many fields";
	case READER_BAD_CUT: return "line cut off by a truncated gzip stream";
	}
	return "unreadable line";
}

static int read_all(struct loader *l, struct reader *r)
{
	struct reader_record rec;
	int have_header = 0;

	for (;;) {
		enum reader_status st = reader_next(r, &rec);
		int rc;

		if (st == READER_EOF)
			break;
		if (st == READER_ERROR) {
			const char *why = reader_error(r);
			set_err(l, 0, "%s", why ? why : "read error");
			rc = reader_error_status(r);
			return rc == RR_OK ? RR_EIO : rc;
		}
		if (st == READER_BAD) {
			set_err(l, rec.line, "%s", bad_text(rec.bad_reason));
			return RR_EDATA;
		}
		if (blank_record(&rec))
			continue;
		rc = have_header ? parse_line(l, &rec) : check_header(l, &rec);
		if (rc != RR_OK)
			return rc;
		have_header = 1;
	}
	if (!have_header) {
		set_err(l, 1, "empty file, expected the header "
			"table,id,param_one,param_two,label,category,severity");
		return RR_EDATA;
	}
	return RR_OK;
}

/* Sort key order, then line order among equal keys, so the last line wins. */
static int tmp_cmp(const void *a, const void *b)
{
	const struct cat_slot *x = a, *y = b;
	int r = key_cmp(&x->e, &y->e);
	if (r)
		return r;
	/* owned holds the 1-based line order while sorting the loaded copy */
	return (x->owned > y->owned) - (x->owned < y->owned);
}

static const struct cat_slot *find_exact(const struct catalog *c, size_t n, const struct cat_entry *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = key_cmp(&c->slot[mid].e, k);
		if (r == 0)
			return &c->slot[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Applies the parsed entries; cannot fail once the capacity is reserved. */
static int merge(struct catalog *c, struct loader *l)
{
	size_t n0 = c->n, m = 0;

	for (size_t i = 0; i < l->n; i++)
		l->tmp[i].owned = (int)(i + 1);
	qsort(l->tmp, l->n, sizeof *l->tmp, tmp_cmp);
	/* Keep only the last line of each key. */
	for (size_t i = 0; i < l->n; i++) {
		if (i + 1 < l->n && key_cmp(&l->tmp[i].e, &l->tmp[i + 1].e) == 0) {
			rr_free((char *)l->tmp[i].e.label);
			continue;
		}
		l->tmp[m] = l->tmp[i];
		l->tmp[m].owned = 1;
		m++;
	}
	l->n = m;
	if (rr_grow(&c->slot, &c->cap, n0 + l->n, sizeof *c->slot) != RR_OK)
		return RR_ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		struct cat_slot *old = (struct cat_slot *)find_exact(c, n0, &l->tmp[i].e);
		if (old) {
			if (old->owned)
				rr_free((char *)old->e.label);
			*old = l->tmp[i];
		} else {
			c->slot[c->n++] = l->tmp[i];
		}
	}
	l->n = 0;      /* labels now belong to the catalog */
	qsort(c->slot, c->n, sizeof *c->slot, slot_cmp);
	index_build(c);
	return RR_OK;
}

static void loader_free(struct loader *l)
{
	for (size_t i = 0; i < l->n; i++)
		rr_free((char *)l->tmp[i].e.label);
	rr_free(l->tmp);
}

static int load_from(struct catalog *c, struct reader *r, const char *name, char *err, size_t errlen)
{
	struct loader l;
	int rc;

	memset(&l, 0, sizeof l);
	l.name = name ? name : "catalog";
	l.err = err;
	l.errlen = errlen;
	rc = read_all(&l, r);
	if (rc == RR_OK)
		rc = merge(c, &l);
	if (rc == RR_ENOMEM)
		set_err(&l, 0, "out of memory");
	loader_free(&l);
	return rc;
}

int catalog_load(struct catalog *c, const char *path, char *err, size_t errlen)
{
	struct reader *r = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	rc = reader_open_file(path, &r, err, errlen);
	if (rc != RR_OK)
		return rc;
	rc = load_from(c, r, path, err, errlen);
	reader_close(r);
	return rc;
}

int catalog_load_mem(struct catalog *c, const char *name, const void *buf, size_t len,
		     char *err, size_t errlen)
{
	struct reader *r = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	rc = reader_open_mem(buf, len, &r, err, errlen);
	if (rc != RR_OK)
		return rc;
	rc = load_from(c, r, name, err, errlen);
	reader_close(r);
	return rc;
}
