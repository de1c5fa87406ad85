/*
 * report — the aggregates every output shows: totals, exits by reason, entry
 * latency percentiles, entry rates, per-day figures in the display zone, the
 * top problem events and causes (ranked from decode's counts), the worst
 * calls and each
 * call page's file name; for the weekly report the histograms, the users
 * with problems, the network breakdown, the headline figures with their
 * baseline comparison and the choice of call pages — computed once so
 * renderers only read.
 * Does not: change the model, walk the records (the top lists rank the
 * counts decode made), or format anything but day keys, top-list labels and
 * file names (call pages: callview.c).
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "report.h"
#include "util.h"

#define DAY_MS 86400000LL

static int cmp_int64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

static void swap64(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

/*
 * Moves the k-th smallest of v[0..n) (0-based) to v[k], with nothing larger
 * before it and nothing smaller after. Quickselect with a median-of-three
 * pivot: linear on any ordinary input; a range that keeps resisting (after
 * 2 log2 n + 16 rounds) is sorted instead, which bounds the worst case.
 */
static void select_kth(int64_t *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	unsigned rounds = 16;

	for (size_t m = n; m > 1; m >>= 1)
		rounds += 2;
	while (hi > lo) {
		ptrdiff_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		int64_t pivot;

		if (rounds-- == 0) {
			qsort(v + lo, (size_t)(hi - lo + 1), sizeof *v, cmp_int64);
			return;
		}
		if (v[mid] < v[lo])
			swap64(&v[mid], &v[lo]);
		if (v[hi] < v[lo])
			swap64(&v[hi], &v[lo]);
		if (v[hi] < v[mid])
			swap64(&v[hi], &v[mid]);
		pivot = v[mid];
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				swap64(&v[i], &v[j]);
				i++;
				j--;
			}
		}
		/* Now v[lo..j] <= pivot, v[i..hi] >= pivot, and anything between
		 * equals the pivot. */
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return;
	}
}

/* The nearest rank of q among n > 0 values, 1-based. */
static size_t rank_of(size_t n, double q)
{
	/* The small slack keeps q*n that should be whole (0.95 * 20) from
	 * rounding up to the next rank through floating-point error. */
	double r = ceil(q * (double)n - 1e-9);

	return r < 1 ? 1 : r > (double)n ? n : (size_t)r;
}

int64_t percentile_nearest_rank(int64_t *v, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return RR_NONE;
	rank = rank_of(n, q);
	select_kth(v, n, rank - 1);
	return v[rank - 1];
}

/* n, p50 and p95 of v[0..n), which it reorders. Once the median is in
 * place nothing after it is smaller, so the p95 (never of a lower rank)
 * is selected among those only. */
static void latency_of(int64_t *v, size_t n, struct latency *l)
{
	size_t r50, r95;

	l->n = n;
	l->p50 = l->p95 = RR_NONE;
	if (n == 0)
		return;
	r50 = rank_of(n, 0.50);
	r95 = rank_of(n, 0.95);
	select_kth(v, n, r50 - 1);
	l->p50 = v[r50 - 1];
	if (r95 > r50)
		select_kth(v + r50 - 1, n - (r50 - 1), r95 - r50);
	l->p95 = v[r95 - 1];
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

/* Per mille of num/den, rounded half up; RR_NONE when den is 0. */
static int64_t per_mille(uint64_t num, uint64_t den)
{
	if (den == 0)
		return RR_NONE;
	return (int64_t)((num * 2000 + den) / (den * 2));
}

/*
 * One thread's scratch for the steps it runs, each array as long as the
 * model's sessions, so that no step allocates per session on its own;
 * allocated when a step first needs it.
 * Marks over ids (strtab ids of users, rooms, devices) count distinct ids
 * without clearing between uses: an id is marked in the current set when
 * mark[id] == set, and a new set is the next number.
 */
struct scratch {
	uint32_t *mark;
	uint32_t nmark, set;
	int64_t *v, *w;        /* nsessions values each */
	uint32_t *order, *u;   /* nsessions indexes or ids each */
};

static void scratch_free(struct scratch *x)
{
	rr_free(x->mark);
	rr_free(x->v);
	rr_free(x->w);
	rr_free(x->order);
	rr_free(x->u);
	memset(x, 0, sizeof *x);
}

static int scratch_ready(struct scratch *x, uint32_t nmark, uint32_t nsessions)
{
	size_t n = (size_t)nsessions + 1;

	if (x->mark)
		return RR_OK;
	x->mark = rr_calloc(nmark, sizeof *x->mark);
	x->v = rr_malloc(n * sizeof *x->v);
	x->w = rr_malloc(n * sizeof *x->w);
	x->order = rr_malloc(n * sizeof *x->order);
	x->u = rr_malloc(n * sizeof *x->u);
	x->nmark = nmark;
	x->set = 0;
	if (x->mark && x->v && x->w && x->order && x->u)
		return RR_OK;
	scratch_free(x);
	return RR_ENOMEM;
}

static void marks_next(struct scratch *x)
{
	if (++x->set == 0) {
		memset(x->mark, 0, (size_t)x->nmark * sizeof *x->mark);
		x->set = 1;
	}
}

/* 1 when id is not marked in the current set yet (it is then). */
static int mark_new(struct scratch *x, uint32_t id)
{
	if (x->mark[id] == x->set)
		return 0;
	x->mark[id] = x->set;
	return 1;
}

/* Position of day in the sorted d[0..n): its index, or where it would go.
 * *hint is the previous answer, tried first (items come nearly in order). */
static size_t day_find(const int64_t *d, size_t n, int64_t day, size_t *hint)
{
	size_t lo = 0, hi = n, mid;

	if (*hint < n && d[*hint] == day)
		return *hint;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hint = lo;
	return lo;
}

static int day_add(int64_t **d, size_t *n, size_t *cap, int64_t day, size_t *hint)
{
	size_t k = day_find(*d, *n, day, hint);

	if (k < *n && (*d)[k] == day)
		return RR_OK;
	if (rr_grow(d, cap, *n + 1, sizeof **d) != RR_OK)
		return RR_ENOMEM;
	memmove(*d + k + 1, *d + k, (*n - k) * sizeof **d);
	(*d)[k] = day;
	(*n)++;
	return RR_OK;
}

/*
 * The distinct days first (a sorted list; items come nearly in date order,
 * so finding a day's place is cheap), x->v holding each session's day
 * number; then each session's day index into x->order and the sessions per
 * day; then one more pass over the sessions sums each day's figures and
 * puts its latencies (x->v), first frames (x->w) and users (x->u) in the
 * day's segment, each segment as long as the day's sessions.
 */
static int build_days(struct report *r, struct scratch *x)
{
	const struct model *m = r->m;
	int64_t *dl = NULL;
	uint32_t *first = NULL, *nl, *nf, *nu, *nfast, *nx;
	size_t nd = 0, capd = 0, hint = 0, k;
	uint32_t j;
	int rc = RR_ENOMEM;

	if ((size_t)m->ncalls + m->nsessions + m->nexperiences == 0)
		return RR_OK;
	for (j = 0; j < m->ncalls; j++)
		if (day_add(&dl, &nd, &capd, day_number(r->tz, m->calls[j].start_ms), &hint))
			goto out;
	for (j = 0; j < m->nsessions; j++) {
		x->v[j] = day_number(r->tz, m->sessions[j].start_ms);
		if (day_add(&dl, &nd, &capd, x->v[j], &hint))
			goto out;
	}
	for (j = 0; j < m->nexperiences; j++)
		if (day_add(&dl, &nd, &capd, day_number(r->tz, m->experiences[j].time_ms), &hint))
			goto out;
	r->days = rr_calloc(nd, sizeof *r->days);
	first = rr_calloc(6 * (nd + 1), sizeof *first);
	if (!r->days || !first)
		goto out;
	nl = first + (nd + 1);
	nf = nl + (nd + 1);
	nu = nf + (nd + 1);
	nfast = nu + (nd + 1);
	nx = nfast + (nd + 1);
	r->ndays = nd;
	for (j = 0; j < m->ncalls; j++)
		r->days[day_find(dl, nd, day_number(r->tz, m->calls[j].start_ms), &hint)].calls++;
	/* Orphans (rooms without events) count as the day's experiences but
	 * not in its rate: they happened in no session it counts. */
	for (j = 0; j < m->nexperiences; j++) {
		k = day_find(dl, nd, day_number(r->tz, m->experiences[j].time_ms), &hint);
		r->days[k].experiences++;
		nx[k] += j < m->first_orphan_exp || j - m->first_orphan_exp >= m->norphan_exp;
	}
	for (j = 0; j < m->nsessions; j++) {
		k = day_find(dl, nd, x->v[j], &hint);
		x->order[j] = (uint32_t)k;
		first[k + 1]++;
	}
	for (k = 0; k < nd; k++)
		first[k + 1] += first[k];
	for (j = 0; j < m->nsessions; j++) {
		const struct session *s = &m->sessions[j];
		uint32_t dk = x->order[j];
		struct day *d = &r->days[dk];

		d->sessions++;
		x->u[first[dk] + nu[dk]++] = s->user;
		d->user_ms += s->end_ms - s->start_ms;
		d->entered += s->entered;
		d->entry_observed += s->entry_observed;
		d->entry_failed += s->exit == EXIT_ENTRY_FAILED;
		d->timeouts += s->exit == EXIT_TIMEOUT;
		d->kicks += s->exit == EXIT_KICKED;
		d->no_exit += s->exit == EXIT_UNKNOWN;
		if (s->entry_latency_ms != RR_NONE) {
			x->v[first[dk] + nl[dk]++] = s->entry_latency_ms;
			nfast[dk] += s->entry_latency_ms <= 5000;
		}
		if (s->first_frame_ms != RR_NONE)
			x->w[first[dk] + nf[dk]++] = s->first_frame_ms;
	}
	for (k = 0; k < nd; k++) {
		struct day *d = &r->days[k];

		day_text(dl[k], d->date);
		marks_next(x);
		for (j = 0; j < nu[k]; j++)
			d->users += mark_new(x, x->u[first[k] + j]);
		d->entry_success_pm = per_mille(d->entered, d->entry_observed);
		d->entry_fast_pm = per_mille(nfast[k], nl[k]);
		latency_of(x->v + first[k], nl[k], &d->entry_latency);
		latency_of(x->w + first[k], nf[k], &d->first_frame);
		d->experiences_per_100_x10 = per_mille(nx[k], d->sessions);
	}
	rc = RR_OK;
out:
	rr_free(dl);
	rr_free(first);
	return rc;
}

/* ---- top lists ---- */

/*
 * One key with its rows (count) and distinct users (user), as decode counted
 * them. Keys are (table, id, p1, p2, known): a catalog entry's own key for
 * known events and causes, the data's values for unknown ones. e is payload
 * for the label, never compared.
 */
struct titem {
	int32_t id, p1, p2;
	uint32_t user;
	uint64_t count;
	const struct cat_entry *e;
	uint8_t table, known, sev;
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

/* The top lists from decode's key counts (scanned here when the caller
 * has none). */
static int build_tops(struct report *r, const struct catalog *cat)
{
	const struct dataset *ds = r->ds;
	const struct decode_stats *dec = r->dec;
	struct decode_stats local;
	struct titem *ev = NULL, *ca = NULL;
	size_t i, nev = 0, nca = 0;
	int rc = RR_ENOMEM;

	if (!ds || !cat)
		return RR_OK;
	if (!dec) {
		rc = decode_scan(ds, cat, &local);
		if (rc != RR_OK)
			return rc;
		dec = &local;
	}
	if (dec->ncounts) {
		ev = rr_malloc(dec->ncounts * sizeof *ev);
		ca = rr_malloc(dec->ncounts * sizeof *ca);
		if (!ev || !ca) {
			rc = RR_ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < dec->ncounts; i++) {
		const struct decode_count *c = &dec->counts[i];
		int event = c->table == CAT_SDK || c->table == CAT_WEBRTC;
		struct titem *it = event ? &ev[nev++] : &ca[nca++];

		memset(it, 0, sizeof *it);
		it->table = (uint8_t)c->table;
		it->id = c->id;
		it->p1 = c->p1;
		it->p2 = c->p2;
		it->known = c->e != NULL;
		it->sev = (uint8_t)c->severity;
		it->e = c->e;
		it->count = c->rows;
		it->user = c->users;
	}
	rc = top_make(ev, nev, cmp_by_count, &r->top_events_by_count, &r->ntop_events_by_count);
	if (rc == RR_OK)
		rc = top_make(ev, nev, cmp_by_users, &r->top_events_by_users,
			      &r->ntop_events_by_users);
	if (rc == RR_OK)
		rc = top_make(ca, nca, cmp_by_count, &r->top_causes_by_count,
			      &r->ntop_causes_by_count);
	if (rc == RR_OK)
		rc = top_make(ca, nca, cmp_by_users, &r->top_causes_by_users,
			      &r->ntop_causes_by_users);
out:
	rr_free(ev);
	rr_free(ca);
	if (dec == &local)
		decode_stats_free(&local);
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

/* cmp_worst is a total order (model order last), so keeping the best
 * REPORT_WORST while going gives the head of the full sort. */
static int build_worst(struct report *r)
{
	const struct model *m = r->m;
	struct wkey best[REPORT_WORST], k;
	uint32_t i, j, n = 0;

	for (i = 0; i < m->ncalls; i++) {
		const struct call *c = &m->calls[i];

		if (c->findings[SEV_ERROR] + c->findings[SEV_WARNING] == 0)
			continue;
		k.errors = c->findings[SEV_ERROR];
		k.warnings = c->findings[SEV_WARNING];
		k.bad = c->exits[EXIT_TIMEOUT] + c->exits[EXIT_KICKED] + c->exits[EXIT_ENTRY_FAILED];
		k.start = c->start_ms;
		k.idx = i;
		if (n == REPORT_WORST && cmp_worst(&k, &best[n - 1]) >= 0)
			continue;
		j = n < REPORT_WORST ? n++ : n - 1;
		for (; j > 0 && cmp_worst(&k, &best[j - 1]) < 0; j--)
			best[j] = best[j - 1];
		best[j] = k;
	}
	if (n == 0)
		return RR_OK;
	r->worst = rr_malloc((size_t)n * sizeof *r->worst);
	if (!r->worst)
		return RR_ENOMEM;
	for (i = 0; i < n; i++)
		r->worst[i] = best[i].idx;
	r->nworst = n;
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

/* The room ID's slug (see report.h) into slug, NUL-terminated; returns its
 * length. */
static size_t call_slug(const struct strtab *st, uint32_t room, char slug[SLUG_MAX + 1])
{
	size_t rl, i, n = 0;
	const char *s = dataset_room_name(st, room, &rl);

	for (i = 0; i < rl && n < SLUG_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
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
	return n;
}

/* Length of a base name from its slug's: "calls/" slug "-" 8 hex ".html". */
static size_t call_file_len(size_t slug_len)
{
	return 6 + (slug_len ? slug_len : 4) + 1 + 8 + 5;
}

/* The 32-bit FNV-1a of RoomId, '\0', CommId, '\0', decimal start_ms (the
 * app aside: names stay those of one app's rooms; two apps' calls of one
 * name are told apart as any collision is). */
static uint32_t call_hash(const struct strtab *st, const struct call *c)
{
	char num[24];
	size_t i = sizeof num;
	int64_t v = c->start_ms;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint32_t h = 2166136261u;

	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		num[--i] = '-';
	size_t rl;
	const char *room = dataset_room_name(st, c->room, &rl);

	h = fnv1a(h, room, rl + 1);   /* NUL separates */
	h = fnv1a(h, strtab_str(st, c->comm), strtab_len(st, c->comm) + 1);
	return fnv1a(h, num + i, sizeof num - i);
}

/* The file name a call would get before collisions are resolved, into out
 * (CALL_FILE_MAX bytes); *hash gets call_hash. Returns its length. */
static size_t call_file_base(const struct strtab *st, const struct call *c, char *out,
			     uint32_t *hash)
{
	static const char hex[] = "0123456789abcdef";
	char slug[SLUG_MAX + 1], *p = out;
	size_t n = call_slug(st, c->room, slug);
	uint32_t h = call_hash(st, c);

	memcpy(p, "calls/", 6);
	p += 6;
	memcpy(p, n ? slug : "room", n ? n : 4);
	p += n ? n : 4;
	*p++ = '-';
	for (int k = 7; k >= 0; k--)
		*p++ = hex[(h >> (4 * k)) & 15];
	memcpy(p, ".html", 6);
	*hash = h;
	return call_file_len(n);
}

/* Equal names are equal slugs with equal hashes: sorting by hash first
 * leaves strcmp for the rare hash ties. */
struct nkey {
	const char *name;
	uint32_t hash, idx;
};

static int cmp_nkey(const void *pa, const void *pb)
{
	const struct nkey *a = pa, *b = pb;
	int c;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Sorts k[0..n) into cmp_nkey's order: a stable radix sort on the hash
 * (four byte-wide passes; k comes in idx order, so equal hashes stay in idx
 * order), then cmp_nkey on each run of equal hashes, which are rare and
 * short. cmp_nkey is a total order (idx is unique), so this is the order a
 * comparison sort of the whole gives, in O(n) for tens of thousands of
 * calls. RR_OK or RR_ENOMEM (k unchanged).
 */
static int sort_nkeys(struct nkey *k, uint32_t n)
{
	struct nkey *tmp = rr_malloc((size_t)n * sizeof *tmp), *src = k, *dst = tmp, *t;
	uint32_t i, j;

	if (!tmp)
		return RR_ENOMEM;
	for (int shift = 0; shift < 32; shift += 8) {
		uint32_t count[257] = { 0 };

		for (i = 0; i < n; i++)
			count[((src[i].hash >> shift) & 0xff) + 1]++;
		for (j = 0; j < 256; j++)
			count[j + 1] += count[j];
		for (i = 0; i < n; i++)
			dst[count[(src[i].hash >> shift) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* Four passes: the sorted keys are back in k. */
	rr_free(tmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && k[j].hash == k[i].hash; j++)
			;
		if (j - i > 1)
			qsort(k + i, j - i, sizeof *k, cmp_nkey);
	}
	return RR_OK;
}

/*
 * The page names are made in three parts so that threads can share the
 * work: call_files_start (one thread) lays out the block, pointers and
 * texts, the texts packed (a name is about half of CALL_FILE_MAX), from
 * each call's slug length, found once per room; call_files_fill writes the
 * base names and hashes of a range of calls; call_files_end finds the
 * names two calls share and, only then, builds the block again with room
 * for the numbers.
 */
struct call_files {
	char **names;          /* the block: n pointers, then the texts */
	struct nkey *k;        /* per call: its name, hash and index */
	size_t total;          /* bytes of the texts */
};

static void call_files_drop(struct call_files *cf)
{
	rr_free(cf->names);
	rr_free(cf->k);
	memset(cf, 0, sizeof *cf);
}

/* nmark bounds every room id of the model. */
static int call_files_start(const struct report *r, uint32_t nmark, struct call_files *cf)
{
	const struct model *m = r->m;
	uint32_t n = m->ncalls, i;
	uint8_t *slug_len;       /* per room id: slug length + 1; 0 not seen yet */
	char base[SLUG_MAX + 1], *text;

	memset(cf, 0, sizeof *cf);
	if (n == 0 || !r->ds)
		return RR_OK;
	slug_len = rr_calloc(nmark, 1);
	if (!slug_len)
		return RR_ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t room = m->calls[i].room;

		if (!slug_len[room])
			slug_len[room] = (uint8_t)(call_slug(r->ds->strs, room, base) + 1);
		cf->total += call_file_len(slug_len[room] - 1u) + 1;
	}
	cf->names = rr_malloc((size_t)n * sizeof *cf->names + cf->total);
	cf->k = rr_malloc((size_t)n * sizeof *cf->k);
	if (!cf->names || !cf->k) {
		rr_free(slug_len);
		call_files_drop(cf);
		return RR_ENOMEM;
	}
	text = (char *)(cf->names + n);
	for (i = 0; i < n; i++) {
		cf->names[i] = text;
		text += call_file_len(slug_len[m->calls[i].room] - 1u) + 1;
		cf->k[i].name = cf->names[i];
		cf->k[i].idx = i;
	}
	rr_free(slug_len);
	return RR_OK;
}

/* Base names and hashes of calls [from, to). */
static void call_files_fill(const struct report *r, struct call_files *cf, uint32_t from,
			    uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		call_file_base(r->ds->strs, &r->m->calls[i], cf->names[i], &cf->k[i].hash);
}

/* Gives the block to r->call_file, or frees it on failure. */
static int call_files_end(struct report *r, struct call_files *cf)
{
	uint32_t n = r->m->ncalls, i, ndup = 0;
	struct nkey *k = cf->k;
	uint32_t *dup = NULL;
	char **names = cf->names, **out, *text;
	size_t len;
	int rc = RR_ENOMEM;

	if (!names)
		return RR_OK;
	/* Equal names end up adjacent in model order; the first keeps its
	 * name, later ones get a number. A numbered name ends in "-<digits>"
	 * of fewer than 8 characters after the last '-', so it cannot equal
	 * any base name (which ends in "-<8 hex>"). */
	if (sort_nkeys(k, n) != RR_OK)
		goto out;
	for (i = 1; i < n; i++)
		ndup += k[i].hash == k[i - 1].hash && strcmp(k[i].name, k[i - 1].name) == 0;
	if (ndup) {
		dup = rr_calloc(n, sizeof *dup);
		/* "-4294967295" at most per numbered name. */
		out = rr_malloc((size_t)n * sizeof *out + cf->total + (size_t)ndup * 11);
		if (!dup || !out) {
			rr_free(out);
			goto out;
		}
		for (i = 1; i < n; i++)
			if (k[i].hash == k[i - 1].hash && strcmp(k[i].name, k[i - 1].name) == 0)
				dup[k[i].idx] = dup[k[i - 1].idx] ? dup[k[i - 1].idx] + 1 : 2;
		text = (char *)(out + n);
		for (i = 0; i < n; i++) {
			len = strlen(names[i]);
			out[i] = text;
			if (dup[i]) {
				len -= 5;     /* before ".html" */
				memcpy(text, names[i], len);
				len += (size_t)sprintf(text + len, "-%" PRIu32 ".html", dup[i]);
			} else {
				memcpy(text, names[i], len + 1);
			}
			text += len + 1;
		}
		rr_free(names);
		cf->names = out;
	}
	r->call_file = cf->names;
	cf->names = NULL;
	rc = RR_OK;
out:
	rr_free(dup);
	call_files_drop(cf);
	return rc;
}

/* ---- breakdowns ---- */

enum bd_kind { BD_PLATFORM, BD_DEVICE, BD_SDK, BD_NETWORK };

/* A key's sessions: n of them; after the grouping their users are
 * x->u[first, first + n) and their nl latencies x->v[first, first + nl). */
struct bgroup {
	const char *text;
	uint32_t key;
	uint32_t first, n;
	uint32_t nl, entered, entry_observed, timeouts;
};

static int cmp_bgroup(const void *pa, const void *pb)
{
	const struct bgroup *a = pa, *b = pb;
	int c;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	c = strcmp(a->text, b->text);
	if (c)
		return c;
	return a->key < b->key ? -1 : a->key > b->key;
}

static const char *bd_text(const struct report *r, enum bd_kind k, uint32_t key)
{
	if (k == BD_PLATFORM)
		return platform_name((enum platform)key);
	if (k == BD_NETWORK) {
		const char *t = key ? network_name((int32_t)key - 1) : "(not reported)";

		return t ? t : "(unknown)";
	}
	return key ? strtab_str(r->ds->strs, key) : "(not given)";
}

static uint32_t bd_key(enum bd_kind kind, const struct session *s)
{
	return kind == BD_PLATFORM ? s->platform : kind == BD_NETWORK ? s->network
	       : kind == BD_DEVICE ? s->device : s->sdk;
}

/* Fills one row from groups g[0..ng) (one group, or all the "(other)"
 * ones, whose user segments are adjacent; their latencies are moved
 * together first, towards the front, so none is overwritten unread). */
static int bd_row(struct scratch *x, const struct bgroup *g, size_t ng, const char *text,
		  struct breakdown *row)
{
	size_t i, j, nl = 0, nu = 0;

	memset(row, 0, sizeof *row);
	for (i = 0; i < ng; i++) {
		memmove(x->v + g[0].first + nl, x->v + g[i].first, g[i].nl * sizeof *x->v);
		nl += g[i].nl;
		nu += g[i].n;
		row->sessions += g[i].n;
		row->entered += g[i].entered;
		row->entry_observed += g[i].entry_observed;
		row->timeouts += g[i].timeouts;
	}
	marks_next(x);
	for (j = 0; j < nu; j++)
		row->users += mark_new(x, x->u[g[0].first + j]);
	latency_of(x->v + g[0].first, nl, &row->entry_latency);
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
 * distinct users counted over the rest as a whole. Keys map to groups
 * through a small table (platforms, networks) or, for strtab ids, an array
 * as long as the largest id. A first pass over the sessions counts each
 * key's; a second puts their users and latencies in their group's segment
 * (groups in rank order) and sums the rest, so the rows read only those. */
static int build_breakdown(struct report *r, struct scratch *x, enum bd_kind kind,
			   struct breakdown **out, size_t *nout)
{
	const struct model *m = r->m;
	uint32_t n = m->nsessions, ng = 0, i, key, pos, small[256];
	uint32_t *map = small;
	struct bgroup *g = NULL;
	size_t capg = 0, rows;
	int rc = RR_ENOMEM;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return RR_OK;
	/* map[key] = 1 + its group. Platforms and networks are bytes; the
	 * scratch's marks cover every strtab id of the model. */
	if (kind == BD_DEVICE || kind == BD_SDK) {
		map = rr_calloc(x->nmark, sizeof *map);
		if (!map)
			return RR_ENOMEM;
	} else {
		memset(small, 0, sizeof small);
	}
	for (i = 0; i < n; i++) {
		key = bd_key(kind, &m->sessions[i]);
		if (!map[key]) {
			if (rr_grow(&g, &capg, (size_t)ng + 1, sizeof *g) != RR_OK)
				goto done;
			memset(&g[ng], 0, sizeof g[ng]);
			g[ng].key = key;
			g[ng].text = bd_text(r, kind, key);
			map[key] = ++ng;
		}
		g[map[key] - 1].n++;
	}
	qsort(g, ng, sizeof *g, cmp_bgroup);
	for (i = 0, pos = 0; i < ng; i++) {
		map[g[i].key] = i + 1;
		g[i].first = pos;
		pos += g[i].n;
		g[i].n = 0;   /* counted again as the segment fills */
	}
	for (i = 0; i < n; i++) {
		const struct session *s = &m->sessions[i];
		struct bgroup *gi = &g[map[bd_key(kind, s)] - 1];

		x->u[gi->first + gi->n++] = s->user;
		gi->entered += s->entered;
		gi->entry_observed += s->entry_observed;
		gi->timeouts += s->exit == EXIT_TIMEOUT;
		if (s->entry_latency_ms != RR_NONE)
			x->v[gi->first + gi->nl++] = s->entry_latency_ms;
	}
	rows = ng > REPORT_BREAKDOWN ? REPORT_BREAKDOWN + 1 : ng;
	*out = rr_calloc(rows, sizeof **out);
	if (!*out)
		goto done;
	rc = RR_OK;
	for (i = 0; i < rows; i++) {
		int last = i == REPORT_BREAKDOWN;

		rc = bd_row(x, g + i, last ? ng - i : 1, last ? "(other)" : g[i].text, &(*out)[i]);
		*nout = i + 1;   /* so a failure frees what was made */
		if (rc != RR_OK)
			break;
	}
	if (rc != RR_OK)
		bd_free(out, nout);
done:
	if (map != small)
		rr_free(map);
	rr_free(g);
	return rc;
}

/* ---- histograms ---- */

static const int64_t latency_lo[REPORT_HIST_BINS] = {
	0, 1000, 2000, 3000, 5000, 10000, 20000, 30000,
};
static const char *const latency_label[REPORT_HIST_BINS] = {
	"0–1 s", "1–2 s", "2–3 s", "3–5 s", "5–10 s", "10–20 s", "20–30 s", "30 s+",
};
static const int64_t duration_lo[REPORT_HIST_BINS] = {
	0, 60000, 300000, 900000, 1800000, 3600000, 7200000, 14400000,
};
static const char *const duration_label[REPORT_HIST_BINS] = {
	"0–1 min", "1–5 min", "5–15 min", "15–30 min", "30–60 min", "1–2 h", "2–4 h", "4 h+",
};

static void hist_init(struct histogram *h, const int64_t *lo, const char *const *label)
{
	uint32_t i;

	memset(h, 0, sizeof *h);
	h->nbins = REPORT_HIST_BINS;
	for (i = 0; i < REPORT_HIST_BINS; i++) {
		h->lo[i] = lo[i];
		h->label[i] = label[i];
	}
}

/* Counts v in its bin; values below the first bound go to the first bin. */
static void hist_add(struct histogram *h, int64_t v)
{
	uint32_t i = h->nbins - 1;

	while (i > 0 && v < h->lo[i])
		i--;
	h->count[i]++;
	h->total++;
}

/* ---- problem users ---- */

/* A user with problems and the ID text for the final order. */
struct pkey {
	struct problem_user u;
	const char *name;
	size_t len;
};

static int cmp_pkey(const void *pa, const void *pb)
{
	const struct pkey *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->u.errors != b->u.errors)
		return a->u.errors > b->u.errors ? -1 : 1;
	if (a->u.warnings != b->u.warnings)
		return a->u.warnings > b->u.warnings ? -1 : 1;
	if (a->u.sessions != b->u.sessions)
		return a->u.sessions > b->u.sessions ? -1 : 1;
	c = n ? memcmp(a->name, b->name, n) : 0;
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->u.user < b->u.user ? -1 : a->u.user > b->u.user;
}

/* One user's figures while going over the sessions. */
struct uacc {
	uint32_t sessions, calls, errors, warnings, timeouts, kicks, entry_failed;
	uint32_t last_call;    /* call of the user's latest session so far */
};

/*
 * One pass over the sessions (model order) sums each user's figures in an
 * array over the ids; a user's calls are the changes of call along their
 * sessions. Then the users in id order: cmp_pkey is a total order, so
 * keeping the best REPORT_PROBLEM_USERS while going gives the head of the
 * full sort. Memory: 32 bytes per id while it runs.
 */
static int build_problem_users(struct report *r, uint32_t nmark)
{
	const struct model *m = r->m;
	const struct strtab *st = r->ds ? r->ds->strs : NULL;
	struct pkey best[REPORT_PROBLEM_USERS];
	struct uacc *acc;
	size_t nbest = 0, j;
	uint32_t i, k, id;

	if (m->nsessions == 0)
		return RR_OK;
	acc = rr_calloc(nmark, sizeof *acc);
	if (!acc)
		return RR_ENOMEM;
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];
		struct uacc *a = &acc[s->user];

		a->calls += a->sessions == 0 || s->call != a->last_call;
		a->last_call = s->call;
		a->sessions++;
		for (k = 0; k < s->nfindings; k++) {
			enum severity sev = m->findings[s->first_finding + k].severity;

			a->errors += sev == SEV_ERROR;
			a->warnings += sev == SEV_WARNING;
		}
		a->timeouts += s->exit == EXIT_TIMEOUT;
		a->kicks += s->exit == EXIT_KICKED;
		a->entry_failed += s->exit == EXIT_ENTRY_FAILED;
	}
	for (id = 0; id < nmark; id++) {
		const struct uacc *a = &acc[id];
		struct pkey p;

		if ((uint64_t)a->errors + a->warnings + a->timeouts + a->kicks +
		    a->entry_failed == 0)
			continue;
		memset(&p, 0, sizeof p);
		p.u.user = id;
		p.u.sessions = a->sessions;
		p.u.calls = a->calls;
		p.u.errors = a->errors;
		p.u.warnings = a->warnings;
		p.u.timeouts = a->timeouts;
		p.u.kicks = a->kicks;
		p.u.entry_failed = a->entry_failed;
		if (nbest == REPORT_PROBLEM_USERS && (p.u.errors < best[nbest - 1].u.errors ||
		    (p.u.errors == best[nbest - 1].u.errors &&
		     p.u.warnings < best[nbest - 1].u.warnings)))
			continue;   /* cannot place: skip the name lookup */
		p.name = st ? strtab_str(st, id) : "";
		p.len = st ? strtab_len(st, id) : 0;
		if (nbest == REPORT_PROBLEM_USERS && cmp_pkey(&p, &best[nbest - 1]) >= 0)
			continue;
		j = nbest < REPORT_PROBLEM_USERS ? nbest++ : nbest - 1;
		for (; j > 0 && cmp_pkey(&p, &best[j - 1]) < 0; j--)
			best[j] = best[j - 1];
		best[j] = p;
	}
	rr_free(acc);
	if (nbest > 0) {
		r->problem_users = rr_malloc(nbest * sizeof *r->problem_users);
		if (!r->problem_users)
			return RR_ENOMEM;
		for (j = 0; j < nbest; j++)
			r->problem_users[j] = best[j].u;
		r->nproblem_users = nbest;
	}
	return RR_OK;
}

/* ---- headline figures and the baseline ---- */

static const struct {
	const char *key, *label;
	int8_t better;
	uint8_t absolute, sampled;
} headline_def[HL__COUNT] = {
	[HL_CALLS] = { "calls", "Calls", 0, 0, 0 },
	[HL_SESSIONS] = { "sessions", "Sessions", 0, 0, 0 },
	[HL_USERS] = { "users", "Users", 0, 0, 0 },
	[HL_USER_MS] = { "user_ms", "User time", 0, 0, 0 },
	[HL_ENTRY_SUCCESS_PM] = { "entry_success_pm", "Entry success", 1, 1, 0 },
	[HL_ENTRY_FAST_PM] = { "entry_within_5s_pm", "Entered within 5 s", 1, 1, 0 },
	[HL_ENTRY_LATENCY_P50] = { "entry_latency_p50_ms", "Entry latency p50", -1, 0, 0 },
	[HL_ENTRY_LATENCY_P95] = { "entry_latency_p95_ms", "Entry latency p95", -1, 0, 0 },
	[HL_FIRST_FRAME_P50] = { "first_frame_p50_ms", "Time to first frame p50", -1, 0, 0 },
	[HL_TIMEOUTS_PM] = { "timeouts_pm", "Timeouts per 1000 sessions", -1, 0, 0 },
	[HL_KICKS_PM] = { "kicks_pm", "Kicks per 1000 sessions", -1, 0, 0 },
	[HL_ENTRY_FAILED_PM] = { "entry_failed_pm", "Entry failures per 1000 sessions", -1, 0, 0 },
	[HL_NO_EXIT_PM] = { "no_exit_pm", "No exit recorded per 1000 sessions", -1, 0, 0 },
	[HL_EXPERIENCES_PER_100_X10] = { "abnormal_experiences_per_100_x10",
					  "Abnormal experiences per 100 sessions (sample)", -1, 0, 1 },
};

const char *report_headline_key(enum headline_id id)
{
	return (unsigned)id < HL__COUNT ? headline_def[id].key : "";
}

static void build_headline(struct report *r, int64_t first_frame_p50)
{
	int64_t v[HL__COUNT];
	int i;

	v[HL_CALLS] = r->calls;
	v[HL_SESSIONS] = r->sessions;
	v[HL_USERS] = r->users;
	v[HL_USER_MS] = r->user_ms;
	v[HL_ENTRY_SUCCESS_PM] = r->entry_success_pm;
	v[HL_ENTRY_FAST_PM] = r->entry_fast_pm;
	v[HL_ENTRY_LATENCY_P50] = r->entry_latency.p50;
	v[HL_ENTRY_LATENCY_P95] = r->entry_latency.p95;
	v[HL_FIRST_FRAME_P50] = first_frame_p50;
	v[HL_TIMEOUTS_PM] = per_mille(r->exits[EXIT_TIMEOUT], r->sessions);
	v[HL_KICKS_PM] = per_mille(r->exits[EXIT_KICKED], r->sessions);
	v[HL_ENTRY_FAILED_PM] = per_mille(r->exits[EXIT_ENTRY_FAILED], r->sessions);
	v[HL_NO_EXIT_PM] = per_mille(r->exits[EXIT_UNKNOWN], r->sessions);
	/* Only experiences of the calls the sessions are in: orphans (rooms
	 * whose events were not given) have no sessions in the denominator. */
	v[HL_EXPERIENCES_PER_100_X10] = per_mille(r->abnormal_experiences - r->m->norphan_exp,
						  r->sessions);
	for (i = 0; i < HL__COUNT; i++) {
		struct headline *h = &r->headline[i];

		h->key = headline_def[i].key;
		h->label = headline_def[i].label;
		h->better = headline_def[i].better;
		h->absolute = headline_def[i].absolute;
		h->sampled = headline_def[i].sampled;
		h->value = v[i];
		h->previous = h->change = h->change_pm = RR_NONE;
		h->regression = 0;
	}
}

/* a - b, or RR_NONE when either is absent or the difference overflows. */
static int64_t safe_sub(int64_t a, int64_t b)
{
	if (a == RR_NONE || b == RR_NONE)
		return RR_NONE;
	if ((b > 0 && a < INT64_MIN + b) || (b < 0 && a > INT64_MAX + b))
		return RR_NONE;
	return a - b;
}

static uint64_t mag(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* change * 1000 / previous rounded half away from zero; RR_NONE when
 * either is absent or previous is 0. */
static int64_t change_per_mille(int64_t change, int64_t previous)
{
	uint64_t num, den = mag(previous), q;
	int neg;

	if (change == RR_NONE || previous == RR_NONE || previous == 0)
		return RR_NONE;
	neg = (change < 0) != (previous < 0);
	num = mag(change);
	if (num <= (uint64_t)INT64_MAX / 2000) {
		q = (num * 2000 + den) / (den * 2);
	} else {
		long double x = (long double)num * 1000.0L / (long double)den + 0.5L;

		q = x >= (long double)INT64_MAX ? (uint64_t)INT64_MAX : (uint64_t)x;
	}
	if (q > (uint64_t)INT64_MAX)
		q = (uint64_t)INT64_MAX;
	return neg ? -(int64_t)q : (int64_t)q;
}

void report_compare(struct report *r, const struct baseline *b, const char *name,
		    int threshold_pct)
{
	long double thr = threshold_pct > 0 ? threshold_pct : 0;
	size_t len;
	int i;

	for (i = 0; i < HL__COUNT; i++) {
		struct headline *h = &r->headline[i];
		int worse;

		h->previous = b && b->have[i] ? b->value[i] : RR_NONE;
		h->change = safe_sub(h->value, h->previous);
		h->change_pm = h->change == RR_NONE ? RR_NONE
			       : change_per_mille(h->change, h->previous);
		h->regression = 0;
		/* A sample's rate moves with the sampling as much as with the
		 * calls: shown with its change, never marked. */
		if (h->better == 0 || h->sampled || h->change == RR_NONE)
			continue;
		worse = h->better > 0 ? h->change < 0 : h->change > 0;
		if (!worse)
			continue;
		/* Absolute figures are per mille: threshold/5 points is
		 * threshold*2 per mille. Others: more than threshold percent of
		 * the previous value (any worsening from 0 counts). */
		if (h->absolute)
			h->regression = (long double)mag(h->change) > thr * 2;
		else
			h->regression = (long double)mag(h->change) * 100 >
					thr * (long double)mag(h->previous);
	}
	r->has_baseline = 1;
	if (!name)
		name = "";
	len = strlen(name);
	if (len >= sizeof r->baseline_name)
		len = utf8_cut(name, sizeof r->baseline_name - 1);
	memcpy(r->baseline_name, name, len);
	r->baseline_name[len] = '\0';
}

/* ---- call pages ---- */

static int call_has_problem(const struct call *c)
{
	return c->findings[SEV_WARNING] + c->findings[SEV_ERROR] > 0 ||
	       c->exits[EXIT_TIMEOUT] + c->exits[EXIT_KICKED] + c->exits[EXIT_ENTRY_FAILED] > 0;
}

void report_select_pages(struct report *r, enum report_pages mode)
{
	uint32_t i;

	r->npages = 0;
	if (!r->call_page)
		return;
	for (i = 0; i < r->m->ncalls; i++) {
		r->call_page[i] = mode == REPORT_PAGES_ALL ? 1
				  : mode == REPORT_PAGES_NONE ? 0
				  : (uint8_t)call_has_problem(&r->m->calls[i]);
		r->npages += r->call_page[i];
	}
}

/* ---- entry points ---- */

/* The largest strtab id in the model plus one (at least the table's count),
 * so the marks cover every id without a range check per use. */
static uint32_t id_bound(const struct model *m, uint32_t nstr)
{
	uint32_t n = nstr ? nstr : 1, i;

	for (i = 0; i < m->ncalls; i++)
		if (m->calls[i].room >= n)
			n = m->calls[i].room + 1;
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];

		if (s->user >= n)
			n = s->user + 1;
		if (s->device >= n)
			n = s->device + 1;
		if (s->sdk >= n)
			n = s->sdk + 1;
	}
	return n;
}

/* Totals over the calls and sessions, the histograms, the finding counts
 * and the first-frame median (for the headline), in one pass over the
 * sessions. */
static int build_totals(struct report *r, struct scratch *x, uint32_t nstr, int64_t *ff_p50)
{
	const struct model *m = r->m;
	size_t nlat = 0, nfast = 0, nff = 0;
	uint32_t i;

	hist_init(&r->latency_hist, latency_lo, latency_label);
	hist_init(&r->duration_hist, duration_lo, duration_label);
	/* Rooms and users count only ids of the table (none without ds). */
	marks_next(x);
	for (i = 0; i < m->ncalls; i++)
		r->rooms += m->calls[i].room < nstr && mark_new(x, m->calls[i].room);
	if (r->ds && m->ncalls) {
		size_t n0, n;
		const char *a0 = dataset_room_app(r->ds->strs, m->calls[0].room, &n0), *a;

		for (i = 1; i < m->ncalls && !r->several_apps; i++) {
			a = dataset_room_app(r->ds->strs, m->calls[i].room, &n);
			r->several_apps = !a0 != !a || n != n0 || (a && memcmp(a, a0, n) != 0);
		}
	}
	marks_next(x);
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];

		r->users += s->user < nstr && mark_new(x, s->user);
		r->entered += s->entered;
		r->entry_observed += s->entry_observed;
		if ((unsigned)s->exit < EXIT__COUNT)
			r->exits[s->exit]++;
		if (s->entry_latency_ms != RR_NONE) {
			x->v[nlat++] = s->entry_latency_ms;
			nfast += s->entry_latency_ms <= 5000;
			hist_add(&r->latency_hist, s->entry_latency_ms);
		}
		if (s->first_frame_ms != RR_NONE)
			x->w[nff++] = s->first_frame_ms;
		r->user_ms += s->end_ms - s->start_ms;
		hist_add(&r->duration_hist, s->end_ms - s->start_ms);
	}
	for (i = 0; i < m->nfindings; i++)
		if ((unsigned)m->findings[i].severity < SEV__COUNT)
			r->findings[m->findings[i].severity]++;
	r->entry_success_pm = per_mille(r->entered, r->entry_observed);
	r->entry_fast_pm = per_mille(nfast, nlat);
	latency_of(x->v, nlat, &r->entry_latency);
	r->ongoing = r->exits[EXIT_ONGOING];
	*ff_p50 = percentile_nearest_rank(x->w, nff, 0.50);
	return RR_OK;
}

/*
 * The steps of report_build, each writing its own fields of the report.
 * Threads take them in this order (the longest first) until none is left,
 * each with its own scratch; the report is the same whoever runs which.
 */
enum step {
	STEP_DAYS, STEP_TOTALS, STEP_PROBLEM_USERS, STEP_CALL_FILES_1, STEP_CALL_FILES_2,
	STEP_BD_PLATFORM, STEP_BD_NETWORK, STEP_BD_DEVICE, STEP_BD_SDK,
	STEP_TOPS, STEP_WORST,
	STEP__COUNT
};

#define REPORT_MAX_THREADS 4
#define REPORT_MIN_PARALLEL 16384    /* fewer sessions and calls: one thread */

struct build {
	struct report *r;
	const struct catalog *cat;
	uint32_t nstr, nmark;
	int64_t ff_p50;
	struct call_files cf;
	atomic_uint next;      /* the next step to take */
	atomic_int failed;     /* a step failed: take no more */
};

struct worker {
	struct build *b;
	struct scratch x;
	pthread_t thread;
	int rc;
};

static int step_run(struct build *b, enum step t, struct scratch *x)
{
	struct report *r = b->r;
	int users_file = r->ds && r->ds->nusers > 0;

	switch (t) {
	case STEP_CALL_FILES_1:
	case STEP_CALL_FILES_2:
		if (b->cf.names)
			call_files_fill(r, &b->cf, t == STEP_CALL_FILES_1 ? 0 : r->m->ncalls / 2,
					t == STEP_CALL_FILES_1 ? r->m->ncalls / 2 : r->m->ncalls);
		return RR_OK;
	case STEP_TOPS:
		return build_tops(r, b->cat);
	case STEP_WORST:
		return build_worst(r);
	case STEP_PROBLEM_USERS:
		return build_problem_users(r, b->nmark);
	default:
		break;
	}
	/* Device type and SDK version exist only with a users file. */
	if ((t == STEP_BD_DEVICE || t == STEP_BD_SDK) && !users_file)
		return RR_OK;
	if (scratch_ready(x, b->nmark, r->m->nsessions) != RR_OK)
		return RR_ENOMEM;
	switch (t) {
	case STEP_DAYS:
		return build_days(r, x);
	case STEP_TOTALS:
		return build_totals(r, x, b->nstr, &b->ff_p50);
	case STEP_BD_PLATFORM:
		return build_breakdown(r, x, BD_PLATFORM, &r->by_platform, &r->nby_platform);
	case STEP_BD_NETWORK:
		return build_breakdown(r, x, BD_NETWORK, &r->by_network, &r->nby_network);
	case STEP_BD_DEVICE:
		return build_breakdown(r, x, BD_DEVICE, &r->by_device, &r->nby_device);
	case STEP_BD_SDK:
		return build_breakdown(r, x, BD_SDK, &r->by_sdk, &r->nby_sdk);
	default:
		return RR_OK;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct build *b = w->b;
	unsigned t;

	while (!atomic_load(&b->failed) && (t = atomic_fetch_add(&b->next, 1)) < STEP__COUNT) {
		int rc = step_run(b, (enum step)t, &w->x);

		if (rc != RR_OK) {
			w->rc = rc;
			atomic_store(&b->failed, 1);
		}
	}
	scratch_free(&w->x);
	return NULL;
}

/* ---- experiences of rooms without events ---- */

static void orphans_free(struct report *r)
{
	for (size_t i = 0; r->orphans && i < r->norphans; i++) {
		rr_free(r->orphans[i].label);
		rr_free(r->orphans[i].causes);
	}
	rr_free(r->orphans);
	r->orphans = NULL;
	r->norphans = 0;
}

static int cmp_u32_asc(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* Distinct values of v[0..n), which it sorts. */
static uint32_t count_distinct(uint32_t *v, size_t n)
{
	uint32_t d = 0;

	qsort(v, n, sizeof *v, cmp_u32_asc);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || v[i] != v[i - 1];
	return d;
}

/* The overview's list of orphan experiences, with their labels decoded
 * (cat NULL: "Unknown ..." labels, as catalog_format gives them). */
static int build_orphans(struct report *r, const struct catalog *cat)
{
	const struct model *m = r->m;
	uint32_t n = m->norphan_exp, *ids;
	size_t k;

	r->norphan_total = n;
	if (n == 0)
		return RR_OK;
	if (!(ids = rr_malloc((size_t)n * sizeof *ids)))
		return RR_ENOMEM;
	for (k = 0; k < n; k++)
		ids[k] = m->experiences[m->first_orphan_exp + k].room;
	r->orphan_rooms = count_distinct(ids, n);
	for (k = 0; k < n; k++)
		ids[k] = m->experiences[m->first_orphan_exp + k].user;
	r->orphan_users = count_distinct(ids, n);
	rr_free(ids);

	k = n < REPORT_ORPHANS ? n : REPORT_ORPHANS;
	if (!(r->orphans = rr_calloc(k, sizeof *r->orphans)))
		return RR_ENOMEM;
	for (r->norphans = 0; r->norphans < k; r->norphans++) {
		struct orphan_exp *o = &r->orphans[r->norphans];
		const struct experience *x = &m->experiences[m->first_orphan_exp + r->norphans];
		const struct cat_entry *e = cat ? catalog_find_experience(cat, x->id) : NULL;
		char label[256];
		size_t len = 0;

		o->exp = m->first_orphan_exp + (uint32_t)r->norphans;
		catalog_format(e, CAT_EXPERIENCE, x->id, -1, -1, label, sizeof label);
		if (!(o->label = rr_strndup(label, strlen(label))))
			goto fail;
		/* Each label fits 256 bytes with its '\0'. */
		if (!(o->causes = rr_malloc((size_t)(x->ncauses ? x->ncauses : 1) * sizeof label)))
			goto fail;
		for (uint32_t c = 0; c < x->ncauses; c++) {
			const struct cause *cs = &m->causes[x->first_cause + c];
			const struct strtab *st = r->ds->strs;

			/* As findings word them: a peer's cause at that peer or
			 * on its stream. */
			catalog_cause_phrase(cat, cs->id, cs->peer ? strtab_str(st, cs->peer) : NULL,
					     cs->peer ? strtab_len(st, cs->peer) : 0, o->causes + len,
					     sizeof label);
			if (o->causes[len] >= 'a' && o->causes[len] <= 'z')
				o->causes[len] = (char)(o->causes[len] - 'a' + 'A');   /* a list item */
			len += strlen(o->causes + len) + 1;
		}
		o->ncauses = x->ncauses;
	}
	return RR_OK;
fail:
	r->norphans++;       /* the one being made is freed too */
	orphans_free(r);
	return RR_ENOMEM;
}

int report_build(const struct dataset *ds, const struct model *m,
		 const struct decode_stats *dec, const struct catalog *cat,
		 const struct tz *tz, struct report *r)
{
	return report_build_threads(ds, m, dec, cat, tz, 0, r);
}

int report_build_threads(const struct dataset *ds, const struct model *m,
			 const struct decode_stats *dec, const struct catalog *cat,
			 const struct tz *tz, unsigned threads, struct report *r)
{
	struct worker w[REPORT_MAX_THREADS];
	struct build b;
	unsigned nt, k, started;
	int rc = RR_OK;

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

	memset(&b, 0, sizeof b);
	b.r = r;
	b.cat = cat;
	b.nstr = ds ? strtab_count(ds->strs) : 0;
	b.nmark = id_bound(m, b.nstr);
	b.ff_p50 = RR_NONE;
	atomic_init(&b.next, 0);
	atomic_init(&b.failed, 0);
	if (call_files_start(r, b.nmark, &b.cf) != RR_OK)
		atomic_store(&b.failed, 1);
	if (threads)
		nt = threads > REPORT_MAX_THREADS ? REPORT_MAX_THREADS : threads;
	else
		nt = (size_t)m->nsessions + m->ncalls < REPORT_MIN_PARALLEL ? 1
		     : rr_threads(REPORT_MAX_THREADS);
	memset(w, 0, sizeof w);
	/* This thread is worker 0; a thread that cannot start leaves its
	 * share to the others. */
	for (started = 1; started < nt; started++) {
		w[started].b = &b;
		if (pthread_create(&w[started].thread, NULL, worker_run, &w[started]) != 0)
			break;
	}
	w[0].b = &b;
	worker_run(&w[0]);
	for (k = 0; k < started; k++) {
		if (k > 0)
			pthread_join(w[k].thread, NULL);
		if (rc == RR_OK)
			rc = w[k].rc;
	}
	if (atomic_load(&b.failed) && rc == RR_OK)
		rc = RR_ENOMEM;   /* call_files_start */
	if (rc == RR_OK)
		rc = call_files_end(r, &b.cf);
	call_files_drop(&b.cf);
	if (rc == RR_OK)
		rc = build_orphans(r, cat);
	if (rc == RR_OK) {
		build_headline(r, b.ff_p50);
		if (m->ncalls > 0) {
			r->call_page = rr_malloc(m->ncalls);
			if (r->call_page) {
				memset(r->call_page, 1, m->ncalls);
				r->npages = m->ncalls;
			} else {
				rc = RR_ENOMEM;
			}
		}
	}
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
	orphans_free(r);
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
	bd_free(&r->by_network, &r->nby_network);
	rr_free(r->problem_users);
	r->problem_users = NULL;
	r->nproblem_users = 0;
	rr_free(r->call_page);
	r->call_page = NULL;
	r->npages = 0;
}
