/*
 * report_index — the call index (see report_index.h): users per call,
 * users and rooms sorted with their calls, days; the single file's budget.
 * Does not: format or write anything.
 */
#include "report_index.h"
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Byte order of two strings, the shorter first on a common prefix. */
static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c)
		return c;
	return na < nb ? -1 : na > nb;
}

/* qsort can take no context: the string table for the comparisons below
 * travels with each key. */
struct skey {
	const struct strtab *st;
	uint32_t id;
};

static int cmp_user(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;
	int c = cmp_bytes(strtab_str(a->st, a->id), strtab_len(a->st, a->id),
			  strtab_str(b->st, b->id), strtab_len(b->st, b->id));

	return c ? c : (a->id > b->id) - (a->id < b->id);
}

static int cmp_room(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;
	size_t na, nb, aa = 0, ab = 0;
	const char *sa = dataset_room_name(a->st, a->id, &na);
	const char *sb = dataset_room_name(b->st, b->id, &nb);
	const char *pa_app = dataset_room_app(a->st, a->id, &aa);
	const char *pb_app = dataset_room_app(b->st, b->id, &ab);
	int c = cmp_bytes(sa, na, sb, nb);

	if (c)
		return c;
	c = cmp_bytes(pa_app ? pa_app : "", pa_app ? aa : 0, pb_app ? pb_app : "",
		      pb_app ? ab : 0);
	return c ? c : (a->id > b->id) - (a->id < b->id);
}

/* Sorts the distinct ids in v[0..n) (one struct skey each) with cmp and
 * writes, per id, its rank into rank[id]; the sorted ids go to out.
 * RR_OK or RR_ENOMEM. */
static int rank_ids(const struct strtab *st, const uint32_t *v, uint32_t n,
		    int (*cmp)(const void *, const void *), uint32_t *out, uint32_t *rank)
{
	struct skey *k = rr_malloc((size_t)(n ? n : 1) * sizeof *k);

	if (!k)
		return RR_ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		k[i].st = st;
		k[i].id = v[i];
	}
	qsort(k, n, sizeof *k, cmp);
	for (uint32_t i = 0; i < n; i++) {
		out[i] = k[i].id;
		rank[k[i].id] = i;
	}
	rr_free(k);
	return RR_OK;
}

/* Each call's distinct users (strtab ids, first session order) into
 * x->call_users / call_first, and the distinct users of the report into
 * x->users (not sorted yet). stamp: one per strtab id, zeroed. */
static int index_call_users(const struct model *m, struct call_index *x, uint32_t *stamp)
{
	uint32_t n = 0;
	size_t most = 1;         /* the calls' sessions: at most one user each */

	for (uint32_t i = 0; i < m->ncalls; i++)
		most += m->calls[i].nsessions;
	x->call_first = rr_malloc(((size_t)m->ncalls + 1) * sizeof *x->call_first);
	x->call_users = rr_malloc(most * sizeof *x->call_users);
	x->users = rr_malloc(most * sizeof *x->users);
	if (!x->call_first || !x->call_users || !x->users)
		return RR_ENOMEM;
	for (uint32_t i = 0; i < m->ncalls; i++) {
		const struct call *c = &m->calls[i];

		x->call_first[i] = n;
		for (uint32_t s = c->first_session; s < c->first_session + c->nsessions; s++) {
			uint32_t u = m->sessions[s].user;

			if (stamp[u] == i + 1)
				continue;
			if (stamp[u] == 0)
				x->users[x->nusers++] = u;
			stamp[u] = i + 1;
			x->call_users[n++] = u;
		}
	}
	x->call_first[m->ncalls] = n;
	return RR_OK;
}

/* Sorts the users, maps call_users to their ranks and lists each user's
 * calls. rank: one per strtab id. */
static int index_users(const struct report *r, struct call_index *x, uint32_t *rank)
{
	const struct model *m = r->m;
	uint32_t total = x->call_first[m->ncalls], *fill;
	uint32_t *sorted = rr_malloc(((size_t)x->nusers + 1) * sizeof *sorted);

	if (!sorted || rank_ids(r->ds->strs, x->users, x->nusers, cmp_user, sorted, rank) != RR_OK) {
		rr_free(sorted);
		return RR_ENOMEM;
	}
	rr_free(x->users);
	x->users = sorted;
	x->user_first = rr_calloc((size_t)x->nusers + 1, sizeof *x->user_first);
	x->user_calls = rr_malloc(((size_t)total + 1) * sizeof *x->user_calls);
	fill = rr_malloc(((size_t)x->nusers + 1) * sizeof *fill);
	if (!x->user_first || !x->user_calls || !fill) {
		rr_free(fill);
		return RR_ENOMEM;
	}
	for (uint32_t k = 0; k < total; k++) {
		x->call_users[k] = rank[x->call_users[k]];
		x->user_first[x->call_users[k] + 1]++;
	}
	for (uint32_t u = 0; u < x->nusers; u++)
		x->user_first[u + 1] += x->user_first[u];
	memcpy(fill, x->user_first, (size_t)x->nusers * sizeof *fill);
	for (uint32_t i = 0; i < m->ncalls; i++)
		for (uint32_t k = x->call_first[i]; k < x->call_first[i + 1]; k++)
			x->user_calls[fill[x->call_users[k]]++] = i;
	rr_free(fill);
	return RR_OK;
}

/* The distinct rooms, sorted, and each call's. stamp and rank: one per
 * strtab id (stamp zeroed). */
static int index_rooms(const struct report *r, struct call_index *x, uint32_t *stamp,
		       uint32_t *rank)
{
	const struct model *m = r->m;
	uint32_t *ids = rr_malloc(((size_t)m->ncalls + 1) * sizeof *ids), n = 0;

	x->rooms = rr_malloc(((size_t)m->ncalls + 1) * sizeof *x->rooms);
	x->call_room = rr_malloc(((size_t)m->ncalls + 1) * sizeof *x->call_room);
	if (!ids || !x->rooms || !x->call_room) {
		rr_free(ids);
		return RR_ENOMEM;
	}
	for (uint32_t i = 0; i < m->ncalls; i++) {
		if (!stamp[m->calls[i].room]) {
			stamp[m->calls[i].room] = 1;
			ids[n++] = m->calls[i].room;
		}
	}
	if (rank_ids(r->ds->strs, ids, n, cmp_room, x->rooms, rank) != RR_OK) {
		rr_free(ids);
		return RR_ENOMEM;
	}
	x->nrooms = n;
	for (uint32_t i = 0; i < m->ncalls; i++)
		x->call_room[i] = rank[m->calls[i].room];
	rr_free(ids);
	return RR_OK;
}

/* The local days of the calls' starts, and whether those span a change of
 * offset. */
static int index_days(const struct report *r, struct call_index *x)
{
	const struct model *m = r->m;
	int64_t last = INT64_MIN;
	char d[16];

	x->days = rr_malloc(((size_t)m->ncalls + 1) * sizeof *x->days);
	x->day_first = rr_malloc(((size_t)m->ncalls + 2) * sizeof *x->day_first);
	if (!x->days || !x->day_first)
		return RR_ENOMEM;
	for (uint32_t i = 0; i < m->ncalls; i++) {
		tz_format(r->tz, m->calls[i].start_ms, TZF_DATE, d, sizeof d);
		if (x->ndays == 0 || strcmp(x->days[x->ndays - 1], d) != 0) {
			memcpy(x->days[x->ndays], d, 10);
			x->days[x->ndays][10] = '\0';
			x->day_first[x->ndays++] = i;
		}
		if (m->calls[i].end_ms > last)
			last = m->calls[i].end_ms;
	}
	x->day_first[x->ndays] = m->ncalls;
	x->zoned = m->ncalls > 0 && tz_next_change(r->tz, m->calls[0].start_ms) <= last;
	return RR_OK;
}

uint32_t report_index_cut_days(const uint32_t *day_first, uint32_t ndays, uint32_t per_page,
			       uint32_t *page_first, uint32_t *day_pages)
{
	uint32_t k = 0;

	for (uint32_t d = 0; d < ndays; d++) {
		uint32_t a = day_first[d], n = day_first[d + 1] - a;
		uint32_t parts = (n + per_page - 1) / per_page;

		day_pages[d] = k;
		for (uint32_t j = 0; j < parts; j++)
			page_first[k++] = a + (uint32_t)((uint64_t)n * j / parts);
	}
	day_pages[ndays] = k;
	page_first[k] = ndays ? day_first[ndays] : 0;
	return k;
}

uint32_t report_index_cut_users(const uint32_t *user_first, uint32_t nusers, uint32_t links,
				uint32_t *page_first)
{
	uint32_t k = 0;

	for (uint32_t u = 0; u < nusers; u++)
		if (k == 0 || user_first[u + 1] - user_first[page_first[k - 1]] > links)
			page_first[k++] = u;
	page_first[k] = nusers;
	return k;
}

/* The index's pages (report_index.h). */
static int index_pages(const struct report *r, struct call_index *x)
{
	size_t ncalls = r->m->ncalls;

	x->dpage_first = rr_malloc((ncalls + 2) * sizeof *x->dpage_first);
	x->dday_first = rr_malloc(((size_t)x->ndays + 1) * sizeof *x->dday_first);
	x->upage_first = rr_malloc(((size_t)x->nusers + 2) * sizeof *x->upage_first);
	if (!x->dpage_first || !x->dday_first || !x->upage_first)
		return RR_ENOMEM;
	x->ndpages = report_index_cut_days(x->day_first, x->ndays, REPORT_INDEX_PAGE_CALLS,
					   x->dpage_first, x->dday_first);
	x->nupages = report_index_cut_users(x->user_first, x->nusers, REPORT_INDEX_PAGE_LINKS,
					    x->upage_first);
	return RR_OK;
}

/* The last k in first[0 .. n) with first[k] <= v (first[0] <= v). */
static uint32_t page_of(const uint32_t *first, uint32_t n, uint32_t v)
{
	uint32_t lo = 0, hi = n;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (first[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

uint32_t report_index_day_page(const struct call_index *x, uint32_t i)
{
	return page_of(x->dpage_first, x->ndpages, i);
}

uint32_t report_index_user_page(const struct call_index *x, uint32_t u)
{
	return page_of(x->upage_first, x->nupages, u);
}

void report_index_free(struct report *r)
{
	struct call_index *x = r ? r->index : NULL;

	if (!x)
		return;
	rr_free(x->call_first);
	rr_free(x->call_users);
	rr_free(x->users);
	rr_free(x->user_first);
	rr_free(x->user_calls);
	rr_free(x->rooms);
	rr_free(x->call_room);
	rr_free(x->days);
	rr_free(x->day_first);
	rr_free(x->dpage_first);
	rr_free(x->dday_first);
	rr_free(x->upage_first);
	rr_free(x);
	r->index = NULL;
}

int report_index_build(struct report *r)
{
	struct call_index *x;
	uint32_t nstr, *stamp = NULL, *rank = NULL;
	int rc = RR_ENOMEM;

	report_index_free(r);
	if (!r->m || !r->ds)
		return RR_OK;
	if (!(x = rr_calloc(1, sizeof *x)))
		return RR_ENOMEM;
	r->index = x;
	nstr = strtab_count(r->ds->strs) + 1;
	stamp = rr_calloc(nstr, sizeof *stamp);
	rank = rr_malloc((size_t)nstr * sizeof *rank);
	if (stamp && rank && index_call_users(r->m, x, stamp) == RR_OK &&
	    index_users(r, x, rank) == RR_OK) {
		memset(stamp, 0, (size_t)nstr * sizeof *stamp);
		if (index_rooms(r, x, stamp, rank) == RR_OK && index_days(r, x) == RR_OK &&
		    index_pages(r, x) == RR_OK)
			rc = RR_OK;
	}
	rr_free(stamp);
	rr_free(rank);
	if (rc != RR_OK)
		report_index_free(r);
	return rc;
}

/* ---- the single file's budget ---- */

int report_index_budget(struct report *r)
{
	const struct model *m = r->m;
	struct call_index *x = r->index;
	struct call_badness *k;
	uint32_t n = 0;

	if (!x || !r->call_page)
		return RR_OK;
	x->ticket = m->ncalls <= REPORT_TICKET_CALLS;
	x->users_left_out = x->user_first[x->nusers] > REPORT_FILE_USER_LINKS;
	x->bodies = r->npages;
	x->left_out = 0;
	if (r->npages <= REPORT_FILE_BODIES)
		return RR_OK;
	if (!(k = rr_malloc((size_t)r->npages * sizeof *k)))
		return RR_ENOMEM;
	for (uint32_t i = 0; i < m->ncalls; i++) {
		if (r->call_page[i])
			report_call_badness(m, i, &k[n++]);
	}
	qsort(k, n, sizeof *k, report_call_badness_cmp);
	for (uint32_t j = REPORT_FILE_BODIES; j < n; j++)
		r->call_page[k[j].idx] = 0;
	x->left_out = n - REPORT_FILE_BODIES;
	x->bodies = REPORT_FILE_BODIES;
	r->npages = REPORT_FILE_BODIES;
	rr_free(k);
	return RR_OK;
}
