/*
 * report — the aggregates every output shows: totals, exits by reason, entry
 * latency percentiles, entry rates, per-day figures in the display zone, the
 * top problem events and causes (ranked from decode's counts), the worst
 * calls and each
 * call page's file name; for the weekly report the histograms, the users
 * with problems, the network breakdown, the headline figures with their
 * baseline comparison and the choice of call pages — computed once so
 * renderers only read.
 * The steps live by job: report_lists.c (top lists, worst calls, rooms
 * without events), report_callfiles.c (call page names), report_breakdown.c
 * (breakdown tables), report_weekly.c (users with problems, headline and
 * baseline), report_context.c (what went with the problem exits); this file has the totals, per-day figures, histograms, and
 * runs the steps.
 * Does not: change the model, walk the records (the top lists rank the
 * counts decode made), or format anything but day keys, top-list labels and
 * file names (call pages: callview.c).
 */
#include "report_int.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "parallel.h"
#include "report_index.h"
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

/* By selection (select_kth), in linear time. */
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
void report_latency_of(int64_t *v, size_t n, struct latency *l)
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

int64_t report_day_of_date(const char *date)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y = 0, m, d, era, yoe, doy, doe;

	for (int k = 0; k < 10; k++) {
		if (k == 4 || k == 7) {
			if (date[k] != '-')
				return RR_NONE;
		} else if (date[k] < '0' || date[k] > '9') {
			return RR_NONE;
		}
	}
	if (date[10] != '\0')
		return RR_NONE;
	y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + date[3] - '0';
	m = (date[5] - '0') * 10 + date[6] - '0';
	d = (date[8] - '0') * 10 + date[9] - '0';
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return RR_NONE;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return RR_NONE;
	/* days_from_civil (H. Hinnant), the inverse of day_text. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Local time of utc_ms in zone z, in ms since the local epoch. */
static int64_t local_ms(const struct tz *z, int64_t utc_ms)
{
	return utc_ms + (z ? (int64_t)tz_offset(z, utc_ms) * 1000 : 0);
}

unsigned report_day_partial(int64_t day_no, const struct tz *tz, int is_first, int is_last,
			    int64_t first_ms, int64_t last_ms, int64_t from_ms, int64_t to_ms)
{
	int64_t start = day_no * DAY_MS, end = start + DAY_MS;
	unsigned bits = 0;

	if (is_first) {
		if (from_ms != RR_NONE && local_ms(tz, from_ms) > start)
			bits |= DAY_PARTIAL_FROM;
		if (first_ms != RR_NONE &&
		    local_ms(tz, first_ms) > start + REPORT_PARTIAL_MARGIN_MS)
			bits |= DAY_PARTIAL_FIRST_ROW;
	}
	if (is_last) {
		if (to_ms != RR_NONE && local_ms(tz, to_ms) < end)
			bits |= DAY_PARTIAL_TO;
		if (last_ms != RR_NONE && local_ms(tz, last_ms) < end - REPORT_PARTIAL_MARGIN_MS)
			bits |= DAY_PARTIAL_LAST_ROW;
	}
	return bits;
}

void report_set_window(struct report *r, int64_t from_ms, int64_t to_ms)
{
	r->window_from_ms = from_ms;
	r->window_to_ms = to_ms;
	for (size_t k = 0; k < r->ndays; k++)
		r->days[k].partial = (uint8_t)report_day_partial(
			r->days[k].day_no, r->tz, k == 0, k + 1 == r->ndays, r->rows_first_ms,
			r->rows_last_ms, from_ms, to_ms);
}

/* The earliest and latest row time: call spans and experiences. */
static void rows_span(struct report *r)
{
	const struct model *m = r->m;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	for (uint32_t j = 0; j < m->ncalls; j++) {
		if (m->calls[j].start_ms < lo)
			lo = m->calls[j].start_ms;
		if (m->calls[j].end_ms > hi)
			hi = m->calls[j].end_ms;
	}
	for (uint32_t j = 0; j < m->nexperiences; j++) {
		if (m->experiences[j].time_ms < lo)
			lo = m->experiences[j].time_ms;
		if (m->experiences[j].time_ms > hi)
			hi = m->experiences[j].time_ms;
	}
	r->rows_first_ms = lo == INT64_MAX ? RR_NONE : lo;
	r->rows_last_ms = hi == INT64_MIN ? RR_NONE : hi;
}

/* Per mille of num/den, rounded half up; RR_NONE when den is 0. */
int64_t report_per_mille(uint64_t num, uint64_t den)
{
	if (den == 0)
		return RR_NONE;
	return (int64_t)((num * 2000 + den) / (den * 2));
}


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
		d->day_no = dl[k];
		marks_next(x);
		for (j = 0; j < nu[k]; j++)
			d->users += mark_new(x, x->u[first[k] + j]);
		d->entry_success_pm = report_per_mille(d->entered, d->entry_observed);
		d->entry_fast_pm = report_per_mille(nfast[k], nl[k]);
		report_latency_of(x->v + first[k], nl[k], &d->entry_latency);
		report_latency_of(x->w + first[k], nf[k], &d->first_frame);
		d->experiences_per_100_x10 = report_per_mille(nx[k], d->sessions);
	}
	rows_span(r);
	report_set_window(r, RR_NONE, RR_NONE);
	rc = RR_OK;
out:
	rr_free(dl);
	rr_free(first);
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
	r->entry_success_pm = report_per_mille(r->entered, r->entry_observed);
	r->entry_fast_pm = report_per_mille(nfast, nlat);
	report_latency_of(x->v, nlat, &r->entry_latency);
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
	STEP_BD_PLATFORM, STEP_BD_NETWORK, STEP_BD_DEVICE, STEP_BD_SDK, STEP_BD_APP,
	STEP_TOPS, STEP_WORST, STEP_CONTEXT,
	STEP__COUNT
};

/* report_build_threads with threads 0: one thread below REPORT_MIN_PARALLEL
 * sessions and calls together, else one per online processor, at most
 * REPORT_MAX_THREADS. Memory while it runs, per worker that computes
 * figures over the sessions: 24 bytes per session and 4 per string id (its
 * scratch); plus 32 bytes per string id for the users with problems. */
#define REPORT_MAX_THREADS 4
#define REPORT_MIN_PARALLEL 16384

struct build {
	struct report *r;
	const struct catalog *cat;
	uint32_t nstr, nmark;
	int64_t ff_p50;
	struct call_files cf;
	atomic_uint next;      /* the next step to take */
	atomic_int failed;     /* a step failed: take no more */
};

/* One part of the fan-out: a worker taking steps with its own scratch. */
struct worker {
	struct build *b;
	struct scratch x;
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
			report_call_files_fill(r, &b->cf, t == STEP_CALL_FILES_1 ? 0 : r->m->ncalls / 2,
					t == STEP_CALL_FILES_1 ? r->m->ncalls / 2 : r->m->ncalls);
		return RR_OK;
	case STEP_TOPS:
		return report_build_tops(r, b->cat);
	case STEP_WORST:
		return report_build_worst(r);
	case STEP_PROBLEM_USERS:
		return report_build_problem_users(r, b->nmark);
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
		return report_build_breakdown(r, x, BD_PLATFORM, &r->by_platform, &r->nby_platform);
	case STEP_BD_NETWORK:
		return report_build_breakdown(r, x, BD_NETWORK, &r->by_network, &r->nby_network);
	case STEP_BD_DEVICE:
		return report_build_breakdown(r, x, BD_DEVICE, &r->by_device, &r->nby_device);
	case STEP_BD_SDK:
		return report_build_breakdown(r, x, BD_SDK, &r->by_sdk, &r->nby_sdk);
	case STEP_BD_APP:
		return r->ds ? report_build_breakdown(r, x, BD_APP, &r->by_app, &r->nby_app) : RR_OK;
	case STEP_CONTEXT:
		return report_build_context(r, x);
	default:
		return RR_OK;
	}
}

/* parallel_for's part k: worker k takes steps until none is left. */
static void worker_run(void *arg, unsigned k)
{
	struct worker *w = (struct worker *)arg + k;
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
	unsigned nt, k;
	size_t items;
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
	r->rows_first_ms = r->rows_last_ms = RR_NONE;
	r->window_from_ms = r->window_to_ms = RR_NONE;

	memset(&b, 0, sizeof b);
	b.r = r;
	b.cat = cat;
	b.nstr = ds ? strtab_count(ds->strs) : 0;
	b.nmark = id_bound(m, b.nstr);
	b.ff_p50 = RR_NONE;
	atomic_init(&b.next, 0);
	atomic_init(&b.failed, 0);
	if (report_call_files_start(r, b.nmark, &b.cf) != RR_OK)
		atomic_store(&b.failed, 1);
	/* With threads 0: one thread below REPORT_MIN_PARALLEL sessions and
	 * calls, else the online processors; at most REPORT_MAX_THREADS. */
	items = (size_t)m->nsessions + m->ncalls;
	nt = !threads && items < REPORT_MIN_PARALLEL
	     ? 1 : parallel_parts(threads, REPORT_MAX_THREADS, items, 0);
	memset(w, 0, sizeof w);
	for (k = 0; k < nt; k++)
		w[k].b = &b;
	/* A worker whose thread cannot start runs after the others, finding
	 * no step left. */
	parallel_for(nt, worker_run, w);
	for (k = 0; k < nt; k++) {
		if (rc == RR_OK)
			rc = w[k].rc;
	}
	if (atomic_load(&b.failed) && rc == RR_OK)
		rc = RR_ENOMEM;   /* call_files_start */
	if (rc == RR_OK)
		rc = report_call_files_end(r, &b.cf);
	report_call_files_drop(&b.cf);
	if (rc == RR_OK)
		rc = report_build_orphans(r, cat);
	if (rc == RR_OK)
		rc = report_index_build(r);
	if (rc == RR_OK) {
		report_build_headline(r, b.ff_p50);
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
	rr_free(r->prev_days);
	r->prev_days = NULL;
	r->nprev_days = 0;
	report_orphans_free(r);
	top_free(&r->top_events_by_count, &r->ntop_events_by_count);
	top_free(&r->top_events_by_users, &r->ntop_events_by_users);
	top_free(&r->top_causes_by_count, &r->ntop_causes_by_count);
	top_free(&r->top_causes_by_users, &r->ntop_causes_by_users);
	rr_free(r->worst);
	r->worst = NULL;
	r->nworst = 0;
	rr_free(r->call_file);
	r->call_file = NULL;
	report_breakdown_free(&r->by_platform, &r->nby_platform);
	report_breakdown_free(&r->by_device, &r->nby_device);
	report_breakdown_free(&r->by_sdk, &r->nby_sdk);
	report_breakdown_free(&r->by_network, &r->nby_network);
	report_breakdown_free(&r->by_app, &r->nby_app);
	rr_free(r->problem_users);
	r->problem_users = NULL;
	r->nproblem_users = 0;
	rr_free(r->call_page);
	r->call_page = NULL;
	r->npages = 0;
	rr_free(r->trend);
	r->trend = NULL;
	r->ntrend = 0;
	report_index_free(r);
}

int report_compare_days(struct report *r, const struct baseline *b)
{
	struct prev_day *pd;
	uint32_t matched = 0;
	int32_t gmin = 0, gmax = 0;

	r->baseline_days = b->ndays;
	if (b->ndays == 0 || r->ndays == 0)
		return RR_OK;
	pd = rr_calloc(r->ndays, sizeof *pd);
	if (!pd)
		return RR_ENOMEM;
	for (size_t k = 0; k < r->ndays; k++) {
		int64_t best = 0;
		uint32_t at = 0;

		/* The nearest earlier week: the smallest positive gap that is
		 * a multiple of 7; the first such day in the baseline's order. */
		for (uint32_t j = 0; j < b->ndays; j++) {
			int64_t gap = r->days[k].day_no - b->days[j].day_no;

			if (gap > 0 && gap % 7 == 0 && (best == 0 || gap < best)) {
				best = gap;
				at = j;
			}
		}
		if (best == 0)
			continue;
		pd[k] = b->days[at];
		if (matched == 0 || best < gmin)
			gmin = (int32_t)(best > INT32_MAX ? INT32_MAX : best);
		if (matched == 0 || best > gmax)
			gmax = (int32_t)(best > INT32_MAX ? INT32_MAX : best);
		matched++;
	}
	if (matched == 0) {
		rr_free(pd);
		pd = NULL;
	}
	rr_free(r->prev_days);
	r->prev_days = pd;
	r->nprev_days = matched;
	r->prev_gap_min = gmin;
	r->prev_gap_max = gmax;
	return RR_OK;
}
