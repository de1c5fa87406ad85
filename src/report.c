/*
 * report — the aggregates every output shows: totals, exits by reason, entry
 * latency percentiles, entry rates, per-day figures in the display zone, the
 * top problem events and causes (one pass over the records, distinct users
 * counted by sorting compact (key, user) pairs), the worst calls and each
 * call page's file name — computed once so renderers only read.
 * Does not: change the model, or format anything but day keys, top-list
 * labels and file names (call pages: callview.c).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

#define DAY_MS 86400000LL

static int cmp_int64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

int64_t percentile_nearest_rank(int64_t *v, size_t n, double q)
{
	double r;
	size_t rank;

	if (n == 0)
		return RR_NONE;
	qsort(v, n, sizeof *v, cmp_int64);
	/* The small slack keeps q*n that should be whole (0.95 * 20) from
	 * rounding up to the next rank through floating-point error. */
	r = ceil(q * (double)n - 1e-9);
	rank = r < 1 ? 1 : r > (double)n ? n : (size_t)r;
	return v[rank - 1];
}

/* Days since 1970-01-01 of the civil date at utc_ms in zone z. */
static int64_t day_number(const struct tz *z, int64_t utc_ms)
{
	int64_t local = utc_ms + (z ? (int64_t)tz_offset(z, utc_ms) * 1000 : 0);
	int64_t d = local / DAY_MS;

	if (local % DAY_MS < 0)
		d--;
	return d;
}

/* Proleptic Gregorian date of a day number (days since 1970-01-01). */
static void day_text(int64_t days, char out[11])
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	if (m <= 2)
		y++;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/* One call or session on its day: what it adds to that day's row. */
struct day_item {
	int64_t day;
	uint8_t call, entered, entry_failed, timeout;
};

static int cmp_day_item(const void *pa, const void *pb)
{
	const struct day_item *a = pa, *b = pb;

	return a->day < b->day ? -1 : a->day > b->day;
}

static int build_days(struct report *r)
{
	const struct model *m = r->m;
	struct day_item *it;
	size_t n = (size_t)m->ncalls + m->nsessions, i, k;
	uint32_t j;

	if (n == 0)
		return RR_OK;
	it = rr_calloc(n, sizeof *it);
	if (!it)
		return RR_ENOMEM;
	k = 0;
	for (j = 0; j < m->ncalls; j++) {
		it[k].day = day_number(r->tz, m->calls[j].start_ms);
		it[k++].call = 1;
	}
	for (j = 0; j < m->nsessions; j++) {
		const struct session *s = &m->sessions[j];

		it[k].day = day_number(r->tz, s->start_ms);
		it[k].entered = s->entered;
		it[k].entry_failed = s->exit == EXIT_ENTRY_FAILED;
		it[k++].timeout = s->exit == EXIT_TIMEOUT;
	}
	qsort(it, n, sizeof *it, cmp_day_item);
	r->days = rr_calloc(n, sizeof *r->days);   /* at most one day per item */
	if (!r->days) {
		rr_free(it);
		return RR_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct day *d;

		if (i == 0 || it[i].day != it[i - 1].day) {
			d = &r->days[r->ndays++];
			day_text(it[i].day, d->date);
		}
		d = &r->days[r->ndays - 1];
		if (it[i].call) {
			d->calls++;
			continue;
		}
		d->sessions++;
		d->entered += it[i].entered;
		d->entry_failed += it[i].entry_failed;
		d->timeouts += it[i].timeout;
	}
	rr_free(it);
	return RR_OK;
}

/* Counts distinct strtab ids; seen[] is scratch of strtab_count entries. */
static uint32_t mark_new(unsigned char *seen, uint32_t id, uint32_t nstr)
{
	if (id >= nstr || seen[id])
		return 0;
	seen[id] = 1;
	return 1;
}

/* Per mille of num/den, rounded half up; RR_NONE when den is 0. */
static int64_t per_mille(uint64_t num, uint64_t den)
{
	if (den == 0)
		return RR_NONE;
	return (int64_t)((num * 2000 + den) / (den * 2));
}

/* ---- top lists ---- */

/*
 * One (key, user) pair with the rows it stands for. Keys are (table, id, p1,
 * p2, known): a catalog entry's own key for known events and causes, the
 * data's values for unknown ones. e is payload for the label, never compared.
 */
struct titem {
	int32_t id, p1, p2;
	uint32_t user;
	uint64_t count;
	const struct cat_entry *e;
	uint8_t table, known, sev, used;
};

/* Items are collected per (room, comm, user) run through a small
 * direct-mapped cache, so repeated rows of one key cost one item per run
 * instead of one per row; distinct users are then counted by sorting. */
#define TCACHE 64

struct tlist {
	struct titem *v;
	size_t n, cap;
	struct titem cache[TCACHE];
};

static int key_cmp(const struct titem *a, const struct titem *b)
{
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->p1 != b->p1)
		return a->p1 < b->p1 ? -1 : 1;
	if (a->p2 != b->p2)
		return a->p2 < b->p2 ? -1 : 1;
	if (a->known != b->known)
		return a->known > b->known ? -1 : 1;
	return 0;
}

static int cmp_key_user(const void *pa, const void *pb)
{
	const struct titem *a = pa, *b = pb;
	int c = key_cmp(a, b);

	if (c)
		return c;
	return a->user < b->user ? -1 : a->user > b->user;
}

static int tlist_push(struct tlist *l, const struct titem *it)
{
	if (rr_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) != RR_OK)
		return RR_ENOMEM;
	l->v[l->n++] = *it;
	return RR_OK;
}

static int tlist_flush(struct tlist *l)
{
	size_t i;

	for (i = 0; i < TCACHE; i++) {
		if (l->cache[i].used && tlist_push(l, &l->cache[i]) != RR_OK)
			return RR_ENOMEM;
		l->cache[i].used = 0;
	}
	return RR_OK;
}

static int tlist_add(struct tlist *l, struct titem *it)
{
	uint32_t h = (uint32_t)it->id * 2654435761u ^ (uint32_t)it->p1 * 40503u ^
		     (uint32_t)it->p2 * 97u ^ it->table;
	struct titem *slot = &l->cache[(h ^ (h >> 16)) % TCACHE];

	if (slot->used && key_cmp(slot, it) == 0) {
		slot->count++;
		return RR_OK;
	}
	if (slot->used && tlist_push(l, slot) != RR_OK)
		return RR_ENOMEM;
	*slot = *it;
	slot->count = 1;
	slot->used = 1;
	return RR_OK;
}

/* Sorts the pairs and folds them into one item per key, count = rows and
 * user = number of distinct users. */
static void tlist_fold(struct tlist *l)
{
	size_t i, k = 0;
	uint32_t prev_user = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof *l->v, cmp_key_user);
	for (i = 0; i < l->n; i++) {
		uint32_t user = l->v[i].user;

		if (k > 0 && key_cmp(&l->v[k - 1], &l->v[i]) == 0) {
			l->v[k - 1].count += l->v[i].count;
			l->v[k - 1].user += user != prev_user;
		} else {
			l->v[k] = l->v[i];
			l->v[k].user = 1;
			k++;
		}
		prev_user = user;
	}
	l->n = k;
}

static int cmp_by_count(const void *pa, const void *pb)
{
	const struct titem *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return key_cmp(a, b);
}

static int cmp_by_users(const void *pa, const void *pb)
{
	const struct titem *a = pa, *b = pb;

	if (a->user != b->user)
		return a->user > b->user ? -1 : 1;
	return key_cmp(a, b);
}

static void param_text(int32_t v, char *buf, size_t size, const char *wild)
{
	if (v == CAT_ANY)
		snprintf(buf, size, "%s", wild);
	else
		snprintf(buf, size, "%" PRId32, v);
}

/* An entry's label with each wildcard parameter shown as a placeholder
 * ("N" for {1}, "M" for {2}), since one item stands for every value. */
static void entry_label(const struct cat_entry *e, char *buf, size_t size)
{
	size_t len = 0;
	const char *s;

	for (s = e->label; *s; s++) {
		char num[16];
		const char *put = NULL;
		size_t n;

		if (s[0] == '{' && (s[1] == '1' || s[1] == '2') && s[2] == '}') {
			int32_t v = s[1] == '1' ? e->p1 : e->p2;

			if (v == CAT_ANY || v == -1) {
				put = s[1] == '1' ? "N" : "M";
			} else {
				snprintf(num, sizeof num, "%" PRId32, v);
				put = num;
			}
			s += 2;
		}
		n = put ? strlen(put) : 1;
		if (len + n >= size)
			break;   /* whole pieces only; built-in labels fit easily */
		memcpy(buf + len, put ? put : s, n);
		len += n;
	}
	/* Never leave half a UTF-8 sequence behind a cut. */
	while (len > 0 && !utf8_valid(buf, len))
		len--;
	buf[len] = '\0';
}

static int top_make(const struct titem *src, size_t n,
		    int (*cmp)(const void *, const void *), struct top_item **out, size_t *nout)
{
	struct titem *tmp;
	struct top_item *t;
	size_t i, k = n < REPORT_TOP ? n : REPORT_TOP;

	*out = NULL;
	*nout = 0;
	if (k == 0)
		return RR_OK;
	tmp = rr_malloc(n * sizeof *tmp);
	t = rr_calloc(k, sizeof *t);
	if (!tmp || !t) {
		rr_free(tmp);
		rr_free(t);
		return RR_ENOMEM;
	}
	memcpy(tmp, src, n * sizeof *tmp);
	qsort(tmp, n, sizeof *tmp, cmp);
	for (i = 0; i < k; i++) {
		const struct titem *it = &tmp[i];
		char label[256], a[16], b[16];

		t[i].table = (enum cat_table)it->table;
		t[i].id = it->id;
		t[i].p1 = it->p1;
		t[i].p2 = it->p2;
		t[i].severity = (enum severity)it->sev;
		t[i].count = it->count;
		t[i].users = it->user;
		if (it->table == CAT_SDK || it->table == CAT_WEBRTC) {
			if (it->e)
				entry_label(it->e, label, sizeof label);
			else
				catalog_format(NULL, CAT_SDK, it->id, it->p1, it->p2, label, sizeof label);
			param_text(it->p1, a, sizeof a, "N");
			param_text(it->p2, b, sizeof b, "M");
			snprintf(t[i].raw, sizeof t[i].raw, "%" PRId32 " (%s, %s)", it->id, a, b);
		} else {
			catalog_format(it->e, (enum cat_table)it->table, it->id, -1, -1, label,
				       sizeof label);
			snprintf(t[i].raw, sizeof t[i].raw, "%" PRId32, it->id);
		}
		t[i].label = rr_strndup(label, strlen(label));
		if (!t[i].label) {
			while (i-- > 0)
				rr_free(t[i].label);
			rr_free(t);
			rr_free(tmp);
			return RR_ENOMEM;
		}
	}
	rr_free(tmp);
	*out = t;
	*nout = k;
	return RR_OK;
}

/* Classifies one record into the event or cause list (or neither). */
static int top_feed(const struct catalog *cat, const struct record *rec, struct tlist *ev,
		    struct tlist *ca)
{
	struct titem it;

	memset(&it, 0, sizeof it);
	it.user = rec->user;
	if (rec->kind == REC_EVENT) {
		const struct cat_entry *e = catalog_find_event(cat, rec->id, rec->p1, rec->p2);

		if (e) {
			if (e->severity < SEV_WARNING)
				return RR_OK;
			it.table = (uint8_t)e->table;
			it.id = e->id;
			it.p1 = e->p1;
			it.p2 = e->p2;
			it.known = 1;
			it.sev = (uint8_t)e->severity;
		} else {
			it.table = CAT_SDK;
			it.id = rec->id;
			it.p1 = rec->p1;
			it.p2 = rec->p2;
			it.sev = SEV_WARNING;
		}
		it.e = e;
		return tlist_add(ev, &it);
	}
	if (rec->p1 == -1)
		return RR_OK;   /* an experience with no listed cause */
	it.e = catalog_find_cause(cat, rec->p1);
	it.table = (uint8_t)(it.e ? it.e->table
			     : rec->p1 >= 2001 && rec->p1 <= 2999 ? CAT_REALTIME : CAT_DISMISSAL);
	it.id = rec->p1;
	it.p1 = it.p2 = -1;
	it.known = it.e != NULL;
	it.sev = (uint8_t)(it.e ? it.e->severity : SEV_WARNING);
	return tlist_add(ca, &it);
}

static int build_tops(struct report *r, const struct catalog *cat)
{
	const struct dataset *ds = r->ds;
	struct tlist *ev, *ca;
	size_t i;
	int rc = RR_OK;

	if (!ds || !cat || ds->nrecs == 0)
		return RR_OK;
	ev = rr_calloc(1, sizeof *ev);
	ca = rr_calloc(1, sizeof *ca);
	if (!ev || !ca) {
		rr_free(ev);
		rr_free(ca);
		return RR_ENOMEM;
	}
	for (i = 0; i < ds->nrecs && rc == RR_OK; i++) {
		const struct record *a = &ds->recs[i];

		if (i > 0 && (a->room != a[-1].room || a->comm != a[-1].comm || a->user != a[-1].user)) {
			rc = tlist_flush(ev);
			if (rc == RR_OK)
				rc = tlist_flush(ca);
		}
		if (rc == RR_OK)
			rc = top_feed(cat, a, ev, ca);
	}
	if (rc == RR_OK)
		rc = tlist_flush(ev);
	if (rc == RR_OK)
		rc = tlist_flush(ca);
	if (rc == RR_OK) {
		tlist_fold(ev);
		tlist_fold(ca);
		rc = top_make(ev->v, ev->n, cmp_by_count, &r->top_events_by_count,
			      &r->ntop_events_by_count);
	}
	if (rc == RR_OK)
		rc = top_make(ev->v, ev->n, cmp_by_users, &r->top_events_by_users,
			      &r->ntop_events_by_users);
	if (rc == RR_OK)
		rc = top_make(ca->v, ca->n, cmp_by_count, &r->top_causes_by_count,
			      &r->ntop_causes_by_count);
	if (rc == RR_OK)
		rc = top_make(ca->v, ca->n, cmp_by_users, &r->top_causes_by_users,
			      &r->ntop_causes_by_users);
	rr_free(ev->v);
	rr_free(ca->v);
	rr_free(ev);
	rr_free(ca);
	return rc;
}

/* ---- worst calls ---- */

/* A call's badness, copied out so the sort needs no context. */
struct wkey {
	uint32_t errors, warnings, bad;
	int64_t start;
	uint32_t idx;
};

static int cmp_worst(const void *pa, const void *pb)
{
	const struct wkey *a = pa, *b = pb;

	if (a->errors != b->errors)
		return a->errors > b->errors ? -1 : 1;
	if (a->warnings != b->warnings)
		return a->warnings > b->warnings ? -1 : 1;
	if (a->bad != b->bad)
		return a->bad > b->bad ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int build_worst(struct report *r)
{
	const struct model *m = r->m;
	struct wkey *k;
	uint32_t i, n = 0;

	for (i = 0; i < m->ncalls; i++)
		n += m->calls[i].findings[SEV_ERROR] + m->calls[i].findings[SEV_WARNING] > 0;
	if (n == 0)
		return RR_OK;
	k = rr_malloc((size_t)n * sizeof *k);
	r->worst = rr_malloc((size_t)(n < REPORT_WORST ? n : REPORT_WORST) * sizeof *r->worst);
	if (!k || !r->worst) {
		rr_free(k);
		rr_free(r->worst);
		r->worst = NULL;
		return RR_ENOMEM;
	}
	n = 0;
	for (i = 0; i < m->ncalls; i++) {
		const struct call *c = &m->calls[i];

		if (c->findings[SEV_ERROR] + c->findings[SEV_WARNING] == 0)
			continue;
		k[n].errors = c->findings[SEV_ERROR];
		k[n].warnings = c->findings[SEV_WARNING];
		k[n].bad = c->exits[EXIT_TIMEOUT] + c->exits[EXIT_KICKED] +
			   c->exits[EXIT_ENTRY_FAILED];
		k[n].start = c->start_ms;
		k[n].idx = i;
		n++;
	}
	qsort(k, n, sizeof *k, cmp_worst);
	r->nworst = n < REPORT_WORST ? n : REPORT_WORST;
	for (i = 0; i < r->nworst; i++)
		r->worst[i] = k[i].idx;
	rr_free(k);
	return RR_OK;
}

/* ---- call page file names ---- */

#define SLUG_MAX 40
#define CALL_FILE_MAX 72   /* "calls/" + 40 + "-" + 8 + "-4294967295" + ".html" + NUL */

static uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

/* The file name a call would get before collisions are resolved. */
static void call_file_base(const struct strtab *st, const struct call *c, char *out)
{
	const char *room = strtab_str(st, c->room), *comm = strtab_str(st, c->comm);
	size_t rl = strtab_len(st, c->room), i, n = 0;
	char slug[SLUG_MAX + 1], num[24];
	uint32_t h = 2166136261u;

	for (i = 0; i < rl && n < SLUG_MAX; i++) {
		unsigned char ch = (unsigned char)room[i];
		int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';

		if (!keep)
			ch = '-';
		if (ch == '-' && (n == 0 || slug[n - 1] == '-'))
			continue;   /* no leading '-' (option-like names), no runs */
		slug[n++] = (char)ch;
	}
	while (n > 0 && slug[n - 1] == '-')
		n--;
	slug[n] = '\0';
	h = fnv1a(h, room, rl + 1);           /* the NUL is the separator */
	h = fnv1a(h, comm, strtab_len(st, c->comm) + 1);
	snprintf(num, sizeof num, "%" PRId64, c->start_ms);
	h = fnv1a(h, num, strlen(num));
	snprintf(out, CALL_FILE_MAX, "calls/%s-%08" PRIx32 ".html", n ? slug : "room", h);
}

struct nkey {
	const char *name;
	uint32_t idx;
};

static int cmp_nkey(const void *pa, const void *pb)
{
	const struct nkey *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int build_call_files(struct report *r)
{
	const struct model *m = r->m;
	uint32_t n = m->ncalls, i;
	struct nkey *k;
	char **names, *text;

	if (n == 0)
		return RR_OK;
	/* Pointers and texts in one block, so report_free frees one thing. */
	names = rr_malloc((size_t)n * (sizeof *names + CALL_FILE_MAX));
	k = rr_malloc((size_t)n * sizeof *k);
	if (!names || !k) {
		rr_free(names);
		rr_free(k);
		return RR_ENOMEM;
	}
	text = (char *)(names + n);
	for (i = 0; i < n; i++) {
		names[i] = text + (size_t)i * CALL_FILE_MAX;
		call_file_base(r->ds->strs, &m->calls[i], names[i]);
		k[i].name = names[i];
		k[i].idx = i;
	}
	/* Equal names end up adjacent in model order; the first keeps its
	 * name, later ones get a number. A numbered name ends in "-<digits>"
	 * of fewer than 8 characters after the last '-', so it cannot equal
	 * any base name (which ends in "-<8 hex>"). Names are only rewritten
	 * after the group is found, since k[].name points at them. */
	qsort(k, n, sizeof *k, cmp_nkey);
	for (i = 0; i < n;) {
		uint32_t j = i + 1, d;

		while (j < n && strcmp(k[j].name, k[i].name) == 0)
			j++;
		for (d = i + 1; d < j; d++) {
			char *s = names[k[d].idx];
			size_t len = strlen(s) - 5;   /* before ".html" */

			snprintf(s + len, CALL_FILE_MAX - len, "-%" PRIu32 ".html", d - i + 1);
		}
		i = j;
	}
	rr_free(k);
	r->call_file = names;
	return RR_OK;
}

/* ---- breakdowns ---- */

enum bd_kind { BD_PLATFORM, BD_DEVICE, BD_SDK };

/* One session under a breakdown key (a platform, or a strtab id). */
struct bitem {
	uint32_t key, user;
	int64_t lat;
	uint8_t entered, timeout;
};

/* A key's run of items in the sorted array. */
struct bgroup {
	const char *text;
	size_t first, n;
};

static int cmp_bitem(const void *pa, const void *pb)
{
	const struct bitem *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->user < b->user ? -1 : a->user > b->user;
}

static int cmp_bgroup(const void *pa, const void *pb)
{
	const struct bgroup *a = pa, *b = pb;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->text, b->text);
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

static const char *bd_text(const struct report *r, enum bd_kind k, uint32_t key)
{
	if (k == BD_PLATFORM)
		return platform_name((enum platform)key);
	return key ? strtab_str(r->ds->strs, key) : "(not given)";
}

/* Fills one row from the items of groups g[0..ng) (one group, or all the
 * "(other)" ones); users[] and lat[] are scratch as long as the items. */
static int bd_row(const struct bitem *it, const struct bgroup *g, size_t ng, const char *text,
		  uint32_t *users, int64_t *lat, struct breakdown *row)
{
	size_t i, j, nu = 0, nl = 0;

	memset(row, 0, sizeof *row);
	for (i = 0; i < ng; i++)
		for (j = g[i].first; j < g[i].first + g[i].n; j++) {
			users[nu++] = it[j].user;
			row->sessions++;
			row->entered += it[j].entered;
			row->timeouts += it[j].timeout;
			if (it[j].lat != RR_NONE)
				lat[nl++] = it[j].lat;
		}
	/* One group's users are already sorted; "(other)" mixes groups. */
	if (ng > 1)
		qsort(users, nu, sizeof *users, cmp_u32);
	for (i = 0; i < nu; i++)
		row->users += i == 0 || users[i] != users[i - 1];
	row->entry_latency.n = nl;
	row->entry_latency.p50 = percentile_nearest_rank(lat, nl, 0.50);
	row->entry_latency.p95 = percentile_nearest_rank(lat, nl, 0.95);
	row->key = rr_strndup(text, strlen(text));
	return row->key ? RR_OK : RR_ENOMEM;
}

static void bd_free(struct breakdown **b, size_t *n)
{
	size_t i;

	for (i = 0; *b && i < *n; i++)
		rr_free((*b)[i].key);
	rr_free(*b);
	*b = NULL;
	*n = 0;
}

/* Sessions grouped by key, most sessions first (ties: key text), at most
 * REPORT_BREAKDOWN rows and then one "(other)" row summing the rest, with
 * distinct users counted over the rest as a whole. */
static int build_breakdown(struct report *r, enum bd_kind kind, struct breakdown **out,
			   size_t *nout)
{
	const struct model *m = r->m;
	size_t n = m->nsessions, ng = 0, i, rows;
	struct bitem *it;
	struct bgroup *g;
	uint32_t *users;
	int64_t *lat;
	int rc = RR_ENOMEM;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return RR_OK;
	it = rr_malloc(n * sizeof *it);
	g = rr_malloc(n * sizeof *g);
	users = rr_malloc(n * sizeof *users);
	lat = rr_malloc(n * sizeof *lat);
	if (!it || !g || !users || !lat)
		goto done;
	for (i = 0; i < n; i++) {
		const struct session *s = &m->sessions[i];

		it[i].key = kind == BD_PLATFORM ? (uint32_t)s->platform
			  : kind == BD_DEVICE ? s->device : s->sdk;
		it[i].user = s->user;
		it[i].lat = s->entry_latency_ms;
		it[i].entered = s->entered;
		it[i].timeout = s->exit == EXIT_TIMEOUT;
	}
	qsort(it, n, sizeof *it, cmp_bitem);
	for (i = 0; i < n; i++) {
		if (i == 0 || it[i].key != it[i - 1].key) {
			g[ng].text = bd_text(r, kind, it[i].key);
			g[ng].first = i;
			g[ng++].n = 0;
		}
		g[ng - 1].n++;
	}
	qsort(g, ng, sizeof *g, cmp_bgroup);
	rows = ng > REPORT_BREAKDOWN ? REPORT_BREAKDOWN + 1 : ng;
	*out = rr_calloc(rows, sizeof **out);
	if (!*out)
		goto done;
	for (i = 0; i < rows; i++) {
		int last = i == REPORT_BREAKDOWN;

		rc = bd_row(it, g + i, last ? ng - i : 1, last ? "(other)" : g[i].text, users, lat,
			    &(*out)[i]);
		*nout = i + 1;   /* so a failure frees what was made */
		if (rc != RR_OK)
			break;
	}
	if (rc != RR_OK)
		bd_free(out, nout);
done:
	rr_free(it);
	rr_free(g);
	rr_free(users);
	rr_free(lat);
	return rc;
}

static int build_breakdowns(struct report *r)
{
	int rc = build_breakdown(r, BD_PLATFORM, &r->by_platform, &r->nby_platform);

	/* Device type and SDK version exist only with a users file. */
	if (rc == RR_OK && r->ds && r->ds->nusers > 0)
		rc = build_breakdown(r, BD_DEVICE, &r->by_device, &r->nby_device);
	if (rc == RR_OK && r->ds && r->ds->nusers > 0)
		rc = build_breakdown(r, BD_SDK, &r->by_sdk, &r->nby_sdk);
	return rc;
}

/* ---- entry points ---- */

int report_build(const struct dataset *ds, const struct model *m,
		 const struct decode_stats *dec, const struct catalog *cat,
		 const struct tz *tz, struct report *r)
{
	uint32_t nstr = ds ? strtab_count(ds->strs) : 0, i;
	unsigned char *seen;
	int64_t *lat;
	size_t nlat = 0, nfast = 0;
	int rc;

	memset(r, 0, sizeof *r);
	r->ds = ds;
	r->m = m;
	r->dec = dec;
	r->tz = tz;
	r->generated_ms = RR_NONE;   /* main sets it from SOURCE_DATE_EPOCH */
	r->calls = m->ncalls;
	r->sessions = m->nsessions;
	r->abnormal_experiences = m->nexperiences;
	r->entry_latency.p50 = r->entry_latency.p95 = RR_NONE;

	seen = rr_calloc(nstr ? nstr : 1, 1);
	lat = rr_calloc(m->nsessions ? m->nsessions : 1, sizeof *lat);
	if (!seen || !lat) {
		rr_free(seen);
		rr_free(lat);
		return RR_ENOMEM;
	}
	for (i = 0; i < m->ncalls; i++)
		r->rooms += mark_new(seen, m->calls[i].room, nstr);
	memset(seen, 0, nstr ? nstr : 1);
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];

		r->users += mark_new(seen, s->user, nstr);
		r->entered += s->entered;
		if ((unsigned)s->exit < EXIT__COUNT)
			r->exits[s->exit]++;
		if (s->entry_latency_ms != RR_NONE) {
			lat[nlat++] = s->entry_latency_ms;
			nfast += s->entry_latency_ms <= 5000;
		}
		r->user_ms += s->end_ms - s->start_ms;
	}
	for (i = 0; i < m->nfindings; i++)
		if ((unsigned)m->findings[i].severity < SEV__COUNT)
			r->findings[m->findings[i].severity]++;
	r->entry_success_pm = per_mille(r->entered, r->sessions);
	r->entry_fast_pm = per_mille(nfast, nlat);
	r->entry_latency.n = nlat;
	r->entry_latency.p50 = percentile_nearest_rank(lat, nlat, 0.50);
	r->entry_latency.p95 = percentile_nearest_rank(lat, nlat, 0.95);
	r->ongoing = r->exits[EXIT_ONGOING];
	rr_free(seen);
	rr_free(lat);
	rc = build_days(r);
	if (rc == RR_OK)
		rc = build_tops(r, cat);
	if (rc == RR_OK)
		rc = build_worst(r);
	if (rc == RR_OK && ds)
		rc = build_call_files(r);
	if (rc == RR_OK)
		rc = build_breakdowns(r);
	if (rc != RR_OK)
		report_free(r);
	return rc;
}

static void top_free(struct top_item **t, size_t *n)
{
	size_t i;

	for (i = 0; *t && i < *n; i++)
		rr_free((*t)[i].label);
	rr_free(*t);
	*t = NULL;
	*n = 0;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	rr_free(r->days);
	r->days = NULL;
	r->ndays = 0;
	top_free(&r->top_events_by_count, &r->ntop_events_by_count);
	top_free(&r->top_events_by_users, &r->ntop_events_by_users);
	top_free(&r->top_causes_by_count, &r->ntop_causes_by_count);
	top_free(&r->top_causes_by_users, &r->ntop_causes_by_users);
	rr_free(r->worst);
	r->worst = NULL;
	r->nworst = 0;
	rr_free(r->call_file);
	r->call_file = NULL;
	bd_free(&r->by_platform, &r->nby_platform);
	bd_free(&r->by_device, &r->nby_device);
	bd_free(&r->by_sdk, &r->nby_sdk);
}
