/*
 * decode — joins the records to the catalog in one pass: finds the rows the
 * catalog cannot name, and counts the rows and distinct users of the keys
 * the top lists rank. Distinct unknowns are gathered in a small
 * open-addressing hash (there are few of them even when millions of rows are
 * unknown), then listed most frequent first. Key counts gather (key, user)
 * pairs, one per key and (room, CommId, user) run of records (such rows are
 * few next to all events); each scanned part sorts its pairs and folds
 * repeats of one (key, user), and the scanner merges the sorted lists into
 * one, so what it keeps between datasets grows with the distinct pairs, not
 * with the records. Users are counted per key only at the end.
 * Large datasets are split into contiguous parts scanned on several
 * threads (one per online processor, at most 8, with at least half a million
 * records each); the parts' results are merged into what one pass would
 * give. Memory: a few KB per part, plus 40 bytes per run of records of one
 * (room, CommId, user) and key with rows to count (few: most events are
 * info); between datasets the scanner keeps one entry per distinct (key,
 * user) pair and per distinct unknown, not per record.
 * Does not: drop, change or re-order records (an unknown event stays an
 * event), or rank or label keys (report does).
 */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "util.h"

/* ---- distinct unknowns ---- */

struct uhash {
	struct unknown_id *slot;    /* count == 0: empty */
	size_t cap, n;              /* cap is a power of two */
};

static size_t uhash_index(const struct unknown_id *k, size_t mask)
{
	uint64_t h = (uint64_t)k->table * 0x9E3779B97F4A7C15u;

	h ^= (uint32_t)k->id;
	h *= 0xC2B2AE3D27D4EB4Fu;
	h ^= (uint32_t)k->p1;
	h *= 0x165667B19E3779F9u;
	h ^= (uint32_t)k->p2;
	h *= 0x9E3779B97F4A7C15u;
	return (size_t)(h >> 32) & mask;
}

static int same_key(const struct unknown_id *a, const struct unknown_id *b)
{
	return a->table == b->table && a->id == b->id && a->p1 == b->p1 && a->p2 == b->p2;
}

static int uhash_resize(struct uhash *h, size_t cap)
{
	struct unknown_id *slot = rr_calloc(cap, sizeof *slot);

	if (!slot)
		return RR_ENOMEM;
	for (size_t i = 0; i < h->cap; i++) {
		size_t j;
		if (!h->slot[i].count)
			continue;
		j = uhash_index(&h->slot[i], cap - 1);
		while (slot[j].count)
			j = (j + 1) & (cap - 1);
		slot[j] = h->slot[i];
	}
	rr_free(h->slot);
	h->slot = slot;
	h->cap = cap;
	return RR_OK;
}

/* Adds count rows of key k. */
static int uhash_add(struct uhash *h, const struct unknown_id *k, uint64_t count)
{
	size_t j;

	/* Keep the load under one half so probes stay short. */
	if (2 * (h->n + 1) > h->cap && uhash_resize(h, h->cap ? 2 * h->cap : 64) != RR_OK)
		return RR_ENOMEM;
	j = uhash_index(k, h->cap - 1);
	while (h->slot[j].count) {
		if (same_key(&h->slot[j], k)) {
			h->slot[j].count += count;
			return RR_OK;
		}
		j = (j + 1) & (h->cap - 1);
	}
	h->slot[j] = *k;
	h->slot[j].count = count;
	h->n++;
	return RR_OK;
}

static int add_unknown(struct uhash *h, enum cat_table t, int32_t id, int32_t p1, int32_t p2)
{
	struct unknown_id k = { t, id, p1, p2, 1 };

	return uhash_add(h, &k, 1);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int unknown_cmp(const void *a, const void *b)
{
	const struct unknown_id *x = a, *y = b;
	int r;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((r = cmp_i64(x->table, y->table)))
		return r;
	if ((r = cmp_i64(x->id, y->id)))
		return r;
	if ((r = cmp_i64(x->p1, y->p1)))
		return r;
	return cmp_i64(x->p2, y->p2);
}

/* ---- key counts ---- */

/* A (key, user) pair is a struct decode_count whose `users` holds the user
 * id until the pairs are folded into one count per key. */
struct pair {
	struct decode_count c;
};

/* Pairs are collected per run of records through a small direct-mapped
 * cache, so repeated rows of one key cost one pair per run, not per row. */
#define PCACHE 64

struct plist {
	struct pair *v;
	size_t n, cap;
	struct pair cache[PCACHE];
	uint8_t used[PCACHE];
};

static int key_cmp(const struct decode_count *a, const struct decode_count *b)
{
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->p1 != b->p1)
		return a->p1 < b->p1 ? -1 : 1;
	if (a->p2 != b->p2)
		return a->p2 < b->p2 ? -1 : 1;
	if ((a->e != NULL) != (b->e != NULL))
		return a->e ? -1 : 1;   /* known first */
	return 0;
}

static int cmp_key_user(const void *pa, const void *pb)
{
	const struct decode_count *a = &((const struct pair *)pa)->c;
	const struct decode_count *b = &((const struct pair *)pb)->c;
	int c = key_cmp(a, b);

	if (c)
		return c;
	return a->users < b->users ? -1 : a->users > b->users;
}

static int plist_push(struct plist *l, const struct pair *p)
{
	if (rr_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) != RR_OK)
		return RR_ENOMEM;
	l->v[l->n++] = *p;
	return RR_OK;
}

static int plist_flush(struct plist *l)
{
	for (size_t i = 0; i < PCACHE; i++) {
		if (l->used[i] && plist_push(l, &l->cache[i]) != RR_OK)
			return RR_ENOMEM;
		l->used[i] = 0;
	}
	return RR_OK;
}

static int plist_add(struct plist *l, const struct pair *p)
{
	uint32_t h = (uint32_t)p->c.id * 2654435761u ^ (uint32_t)p->c.p1 * 40503u ^
		     (uint32_t)p->c.p2 * 97u ^ (uint32_t)p->c.table;
	size_t k = (h ^ (h >> 16)) % PCACHE;

	if (l->used[k] && key_cmp(&l->cache[k].c, &p->c) == 0) {
		l->cache[k].c.rows++;
		return RR_OK;
	}
	if (l->used[k] && plist_push(l, &l->cache[k]) != RR_OK)
		return RR_ENOMEM;
	l->cache[k] = *p;
	l->cache[k].c.rows = 1;
	l->used[k] = 1;
	return RR_OK;
}

/* Sorts n pairs by key then user and folds each (key, user) into one pair,
 * rows summed; returns how many are left. */
static size_t pairs_fold_users(struct pair *v, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_key_user);
	for (size_t i = 1; i < n; i++) {
		if (cmp_key_user(&v[k], &v[i]) == 0)
			v[k].c.rows += v[i].c.rows;
		else
			v[++k] = v[i];
	}
	return k + 1;
}

/* Folds n pairs sorted by key then user, one per (key, user), into one item
 * per key: rows summed, users = number of pairs; returns the item count. */
static size_t pairs_fold_keys(struct pair *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (k > 0 && key_cmp(&v[k - 1].c, &v[i].c) == 0) {
			v[k - 1].c.rows += v[i].c.rows;
			v[k - 1].c.users++;
		} else {
			v[k] = v[i];
			v[k].c.users = 1;
			k++;
		}
	}
	return k;
}

/* The key of one row for the top lists, if it has one. */
static int count_row(struct plist *l, const struct record *r, const struct cat_entry *e,
		     const struct cat_entry *cause)
{
	struct pair p;

	memset(&p, 0, sizeof p);
	p.c.users = r->user;
	if (r->kind == REC_EVENT) {
		if (e && e->severity < SEV_WARNING)
			return RR_OK;
		p.c.e = e;
		p.c.table = e ? e->table : CAT_SDK;
		p.c.id = e ? e->id : r->id;
		p.c.p1 = e ? e->p1 : r->p1;
		p.c.p2 = e ? e->p2 : r->p2;
		p.c.severity = e ? e->severity : SEV_WARNING;
		return plist_add(l, &p);
	}
	if (r->p1 == -1)
		return RR_OK;   /* an experience with no listed cause */
	p.c.e = cause;
	p.c.table = cause ? cause->table
		    : r->p1 >= 2001 && r->p1 <= 2999 ? CAT_REALTIME : CAT_DISMISSAL;
	p.c.id = r->p1;
	p.c.p1 = p.c.p2 = -1;
	p.c.severity = cause ? cause->severity : SEV_WARNING;
	return plist_add(l, &p);
}

/* ---- the scan ---- */

/* Records the scan reads ahead of the one it is on. */
#define DECODE_AHEAD (4096 / sizeof(struct record))

/* One contiguous part of the records and what it found. */
struct part {
	const struct dataset *ds;
	const struct catalog *c;
	size_t first, end;
	struct uhash h;
	uint64_t unknown_rows;
	struct plist pl;
	int rc;
};

static int scan(struct part *p)
{
	const struct record *recs = p->ds->recs;
	const struct catalog *c = p->c;
	struct cat_memo memo;
	int rc = RR_OK;

	catalog_memo_init(&memo);
	for (size_t i = p->first; i < p->end && rc == RR_OK; i++) {
		const struct record *r = &recs[i];
		const struct cat_entry *e = NULL, *cause = NULL;
		int unknown = 0;

		/* A page ahead: the hardware's prefetch stops at page ends, and
		 * this pass is bound by reading the records (0.069 -> 0.056 s
		 * at ten million). */
		__builtin_prefetch(r + DECODE_AHEAD);

		if (i > p->first && (r->room != r[-1].room || r->comm != r[-1].comm ||
				     r->user != r[-1].user) && (rc = plist_flush(&p->pl)))
			break;
		if (r->kind == REC_EVENT) {
			e = catalog_find_event_memo(c, &memo, r->id, r->p1, r->p2);
			if (!e) {
				unknown = 1;
				rc = add_unknown(&p->h, CAT_SDK, r->id, r->p1, r->p2);
			}
		} else {
			if (r->id > 0 && !catalog_find_experience(c, r->id)) {
				unknown = 1;
				rc = add_unknown(&p->h, CAT_EXPERIENCE, r->id, -1, -1);
			}
			if (r->p1 != -1) {
				cause = catalog_find_cause(c, r->p1);
				if (rc == RR_OK && !cause) {
					unknown = 1;
					rc = add_unknown(&p->h, CAT_DISMISSAL, r->p1, -1, -1);
				}
			}
		}
		p->unknown_rows += (uint64_t)unknown;
		if (rc == RR_OK)
			rc = count_row(&p->pl, r, e, cause);
	}
	if (rc == RR_OK)
		rc = plist_flush(&p->pl);
	/* Sorting here sorts the parts in parallel; merging sorted lists is
	 * then linear. */
	if (rc == RR_OK)
		p->pl.n = pairs_fold_users(p->pl.v, p->pl.n);
	return rc;
}

static void scan_part(void *arg, unsigned k)
{
	struct part *parts = arg;

	parts[k].rc = scan(&parts[k]);
}

static void part_free(struct part *p)
{
	rr_free(p->h.slot);
	rr_free(p->pl.v);
}

/* Parts of fewer records than this are not worth a thread. */
#define DECODE_PART_MIN ((size_t)1 << 19)
#define DECODE_MAX_THREADS 8

struct decode_scanner {
	const struct catalog *c;
	struct uhash h;
	uint64_t unknown_rows;
	/* One pair per distinct (key, user) met so far, sorted by key then
	 * user, rows summed; `users` is still the user id (pairs_fold_keys
	 * turns it into a count at the end). Kept as a few sorted runs, each
	 * under half the size of the one before, merged when a new one grows
	 * to that: merging every add's pairs into all kept so far would cost
	 * (adds x pairs), and a run split into thousands of ranges makes
	 * thousands of adds. */
	struct prun {
		struct pair *v;
		size_t n, cap;
	} *runs;
	size_t nruns, capruns;
};

int decode_begin(const struct catalog *c, struct decode_scanner **out)
{
	struct decode_scanner *sc = rr_calloc(1, sizeof *sc);

	*out = sc;
	if (!sc)
		return RR_ENOMEM;
	sc->c = c;
	return RR_OK;
}

void decode_abort(struct decode_scanner *sc)
{
	if (!sc)
		return;
	rr_free(sc->h.slot);
	for (size_t i = 0; i < sc->nruns; i++)
		rr_free(sc->runs[i].v);
	rr_free(sc->runs);
	rr_free(sc);
}

/* Merges run b (sorted, folded) into run a, folding equal pairs; b is
 * then empty. RR_OK or RR_ENOMEM (both unchanged). */
static int run_merge(struct prun *a, struct prun *b)
{
	struct pair *v;
	size_t i, j, k;

	if (rr_grow(&a->v, &a->cap, a->n + b->n, sizeof *a->v) != RR_OK)
		return RR_ENOMEM;
	/* From the back, so a's pairs move at most once and need no second
	 * buffer; equal pairs end up adjacent and are folded after. */
	v = a->v;
	i = a->n;
	j = b->n;
	k = a->n + b->n;
	while (j > 0) {
		if (i > 0 && cmp_key_user(&v[i - 1], &b->v[j - 1]) > 0)
			v[--k] = v[--i];
		else
			v[--k] = b->v[--j];
	}
	k = 0;
	for (i = 1; i < a->n + b->n; i++) {
		if (cmp_key_user(&v[k], &v[i]) == 0)
			v[k].c.rows += v[i].c.rows;
		else
			v[++k] = v[i];
	}
	a->n = a->n + b->n ? k + 1 : 0;
	rr_free(b->v);
	memset(b, 0, sizeof *b);
	return RR_OK;
}

/* Adds the n sorted, folded pairs of *w (capacity cap) as a run, taking
 * *w (then NULL), and merges runs from the top while the newest is at
 * least half the size of the one below. */
static int scanner_merge_pairs(struct decode_scanner *sc, struct pair **w, size_t n, size_t cap)
{
	if (n == 0)
		return RR_OK;
	if (rr_grow(&sc->runs, &sc->capruns, sc->nruns + 1, sizeof *sc->runs) != RR_OK)
		return RR_ENOMEM;
	sc->runs[sc->nruns].v = *w;
	sc->runs[sc->nruns].n = n;
	sc->runs[sc->nruns].cap = cap;
	sc->nruns++;
	*w = NULL;
	while (sc->nruns > 1 && 2 * sc->runs[sc->nruns - 1].n >= sc->runs[sc->nruns - 2].n) {
		if (run_merge(&sc->runs[sc->nruns - 2], &sc->runs[sc->nruns - 1]) != RR_OK)
			return RR_ENOMEM;
		sc->nruns--;
	}
	return RR_OK;
}

/* Scans ds on `threads` parts (0: as many as pay) and adds what they found
 * to the scanner. */
static int scanner_add(struct decode_scanner *sc, const struct dataset *ds, unsigned threads)
{
	unsigned n = parallel_parts(threads, DECODE_MAX_THREADS, ds->nrecs, DECODE_PART_MIN), k;
	struct part *parts;
	int rc = RR_OK;

	parts = rr_calloc(n, sizeof *parts);
	if (!parts)
		return RR_ENOMEM;
	for (k = 0; k < n; k++) {
		parts[k].ds = ds;
		parts[k].c = sc->c;
		parts[k].first = ds->nrecs / n * k;
		parts[k].end = k + 1 == n ? ds->nrecs : ds->nrecs / n * (k + 1);
	}
	parallel_for(n, scan_part, parts);
	for (k = 0; k < n; k++)
		if (parts[k].rc != RR_OK)
			rc = parts[k].rc;
	for (k = 0; k < n && rc == RR_OK; k++) {
		struct uhash *h = &parts[k].h;

		for (size_t i = 0; i < h->cap && rc == RR_OK; i++)
			if (h->slot[i].count)
				rc = uhash_add(&sc->h, &h->slot[i], h->slot[i].count);
		sc->unknown_rows += parts[k].unknown_rows;
		if (rc == RR_OK)
			rc = scanner_merge_pairs(sc, &parts[k].pl.v, parts[k].pl.n, parts[k].pl.cap);
	}
	for (k = 0; k < n; k++)
		part_free(&parts[k]);
	rr_free(parts);
	return rc;
}

int decode_add(struct decode_scanner *sc, const struct dataset *ds)
{
	return scanner_add(sc, ds, 0);
}

int decode_end(struct decode_scanner *sc, struct decode_stats *st)
{
	struct unknown_id *u = sc->h.slot;
	size_t m = 0;

	memset(st, 0, sizeof *st);
	st->unknown_rows = sc->unknown_rows;
	/* Compact the hash in place into the sorted list. */
	for (size_t i = 0; i < sc->h.cap; i++)
		if (u[i].count)
			u[m++] = u[i];
	if (m) {
		qsort(u, m, sizeof *u, unknown_cmp);
		st->unknown = u;
		st->nunknown = m;
		sc->h.slot = NULL;
	}
	while (sc->nruns > 1) {
		if (run_merge(&sc->runs[sc->nruns - 2], &sc->runs[sc->nruns - 1]) != RR_OK) {
			decode_stats_free(st);
			decode_abort(sc);
			return RR_ENOMEM;
		}
		sc->nruns--;
	}
	if (sc->nruns)
		sc->runs[0].n = pairs_fold_keys(sc->runs[0].v, sc->runs[0].n);
	if (sc->nruns && sc->runs[0].n) {
		struct prun *r = &sc->runs[0];
		/* The pairs took far more room than the keys do: give it back,
		 * since the stats live as long as the report. */
		struct pair *v = rr_realloc(r->v, r->n * sizeof *v);

		if (v)
			r->v = v;
		/* struct pair is its decode_count: the folded list is the result. */
		st->counts = &r->v->c;
		st->ncounts = r->n;
		r->v = NULL;
	}
	decode_abort(sc);
	return RR_OK;
}

int decode_scan_threads(const struct dataset *ds, const struct catalog *c, unsigned threads,
			struct decode_stats *st)
{
	struct decode_scanner *sc;

	memset(st, 0, sizeof *st);
	if (decode_begin(c, &sc) != RR_OK)
		return RR_ENOMEM;
	if (scanner_add(sc, ds, threads) != RR_OK) {
		decode_abort(sc);
		return RR_ENOMEM;
	}
	return decode_end(sc, st);
}

int decode_scan(const struct dataset *ds, const struct catalog *c, struct decode_stats *st)
{
	return decode_scan_threads(ds, c, 0, st);
}

void decode_stats_free(struct decode_stats *st)
{
	if (!st)
		return;
	rr_free(st->unknown);
	rr_free(st->counts);
	memset(st, 0, sizeof *st);
}

const struct cat_entry *decode_label(const struct catalog *c, const struct record *r,
				     char *buf, size_t size)
{
	const struct cat_entry *e;

	if (r->kind == REC_EVENT) {
		e = catalog_find_event(c, r->id, r->p1, r->p2);
		catalog_format(e, e ? e->table : CAT_SDK, r->id, r->p1, r->p2, buf, size);
		return e;
	}
	/* An abnormal row without an ExperienceId is named by its cause. */
	if (r->id <= 0 && r->p1 != -1) {
		e = catalog_find_cause(c, r->p1);
		catalog_format(e, e ? e->table : CAT_DISMISSAL, r->p1, -1, -1, buf, size);
		return e;
	}
	e = catalog_find_experience(c, r->id);
	catalog_format(e, CAT_EXPERIENCE, r->id, -1, -1, buf, size);
	return e;
}
