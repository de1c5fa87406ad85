/*
 * report_breakdown — the overview's breakdown tables: sessions, users, entry
 * success and latency grouped by platform, network, device type and SDK
 * version, the largest groups first and the rest summed in one row.
 * Does not: compute totals (report.c) or format the table (render).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

/* ---- breakdowns ---- */


/* A key's sessions: n of them; after the grouping their users are
 * x->u[first, first + n), their nl latencies x->v[first, first + nl) and
 * their nf first frames x->w[first, first + nf). */
struct bgroup {
	const char *text;
	uint32_t key;
	uint32_t first, n;
	uint32_t nl, nf, entered, entry_observed, timeouts, kicks, entry_failed, no_exit, fast;
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

/* The SdkAppIds of the calls, distinct: app[k - 1] is the text of key k
 * (owned, NUL-terminated), call_key[c] the key of call c (0: none). */
struct apps {
	char **app;
	uint32_t napp;
	uint32_t *call_key;
};

static void apps_free(struct apps *a)
{
	for (uint32_t i = 0; i < a->napp; i++)
		rr_free(a->app[i]);
	rr_free(a->app);
	rr_free(a->call_key);
}

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Fills a from the calls' room keys: an open-addressing table of twice the
 * calls' number (a power of two) finds each text's key. RR_OK, RR_ENOMEM. */
static int apps_find(const struct report *r, struct apps *a)
{
	const struct model *m = r->m;
	size_t cap = 2, capa = 0, len, alen;
	uint32_t *slot, c, h;
	int rc = RR_ENOMEM;

	memset(a, 0, sizeof *a);
	while (cap < 2 * (size_t)m->ncalls)
		cap *= 2;
	slot = rr_calloc(cap, sizeof *slot);
	a->call_key = rr_calloc(m->ncalls ? m->ncalls : 1, sizeof *a->call_key);
	if (!slot || !a->call_key)
		goto done;
	for (c = 0; c < m->ncalls; c++) {
		const char *t = dataset_room_app(r->ds->strs, m->calls[c].room, &len);

		if (!t)
			continue;
		for (h = fnv1a(t, len) & (uint32_t)(cap - 1); slot[h]; h = (h + 1) & (uint32_t)(cap - 1)) {
			alen = strlen(a->app[slot[h] - 1]);
			if (alen == len && memcmp(a->app[slot[h] - 1], t, len) == 0)
				break;
		}
		if (!slot[h]) {
			if (rr_grow(&a->app, &capa, (size_t)a->napp + 1, sizeof *a->app) != RR_OK)
				goto done;
			a->app[a->napp] = rr_strndup(t, len);
			if (!a->app[a->napp])
				goto done;
			slot[h] = ++a->napp;
		}
		a->call_key[c] = slot[h];
	}
	rc = RR_OK;
done:
	rr_free(slot);
	if (rc != RR_OK)
		apps_free(a);
	return rc;
}

static const char *bd_text(const struct report *r, enum bd_kind k, uint32_t key,
			   const struct apps *a)
{
	if (k == BD_APP)
		return key ? a->app[key - 1] : "(not given)";
	if (k == BD_PLATFORM)
		return platform_name((enum platform)key);
	if (k == BD_NETWORK) {
		const char *t = key ? network_name((int32_t)key - 1) : "(not reported)";

		return t ? t : "(unknown)";
	}
	return key ? strtab_str(r->ds->strs, key) : "(not given)";
}

static uint32_t bd_key(enum bd_kind kind, const struct session *s, const struct apps *a)
{
	return kind == BD_PLATFORM ? s->platform : kind == BD_NETWORK ? s->network
	       : kind == BD_DEVICE ? s->device : kind == BD_APP ? a->call_key[s->call] : s->sdk;
}

/* The row's rates from its counts, as report_build_headline has them for
 * the whole week; no previous values yet. */
static void bd_rates(struct breakdown *row)
{
	int f;

	row->value[BF_ENTRY_SUCCESS_PM] = report_per_mille(row->entered, row->entry_observed);
	row->value[BF_ENTRY_FAST_PM] = report_per_mille(row->fast, row->entry_latency.n);
	row->value[BF_TIMEOUTS_PM] = report_per_mille(row->timeouts, row->sessions);
	row->value[BF_KICKS_PM] = report_per_mille(row->kicks, row->sessions);
	row->value[BF_ENTRY_FAILED_PM] = report_per_mille(row->entry_failed, row->sessions);
	row->value[BF_NO_EXIT_PM] = report_per_mille(row->no_exit, row->sessions);
	row->value[BF_ENTRY_LATENCY_P50] = row->entry_latency.p50;
	row->value[BF_ENTRY_LATENCY_P95] = row->entry_latency.p95;
	row->value[BF_FIRST_FRAME_P50] = row->first_frame.p50;
	for (f = 0; f < BF__COUNT; f++) {
		row->previous[f] = row->change[f] = RR_NONE;
		row->p_raw[f] = row->p_holm[f] = -1.0;
	}
}

/* The bins: widths and the edge each run of them ends at. */
static const struct { int64_t width, end; } bin_run[] = {
	{ 50, 2000 }, { 100, 10000 }, { 500, 30000 }, { 5000, 120000 } };

int64_t report_bd_bin_lo(unsigned i)
{
	int64_t lo = 0;

	if (i >= REPORT_BD_BINS)
		return INT64_MAX;
	for (size_t k = 0; k < sizeof bin_run / sizeof bin_run[0]; k++) {
		int64_t n = (bin_run[k].end - lo) / bin_run[k].width;

		if (i < n)
			return lo + (int64_t)i * bin_run[k].width;
		i -= (unsigned)n;
		lo = bin_run[k].end;
	}
	return lo;
}

unsigned report_bd_bin_of(int64_t ms)
{
	int64_t lo = 0;
	unsigned base = 0;

	if (ms < 0)
		return 0;
	for (size_t k = 0; k < sizeof bin_run / sizeof bin_run[0]; k++) {
		if (ms < bin_run[k].end)
			return base + (unsigned)((ms - lo) / bin_run[k].width);
		base += (unsigned)((bin_run[k].end - lo) / bin_run[k].width);
		lo = bin_run[k].end;
	}
	return REPORT_BD_BINS - 1;
}

static void bd_hist(uint32_t *h, const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h[report_bd_bin_of(v[i])]++;
}

/* Fills one row from groups g[0..ng) (one group, or all the "(other)"
 * ones, whose user segments are adjacent; their latencies are moved
 * together first, towards the front, so none is overwritten unread). */
static int bd_row(struct scratch *x, const struct bgroup *g, size_t ng, const char *text,
		  struct breakdown *row)
{
	size_t i, j, nl = 0, nf = 0, nu = 0;

	memset(row, 0, sizeof *row);
	for (i = 0; i < ng; i++) {
		memmove(x->v + g[0].first + nl, x->v + g[i].first, g[i].nl * sizeof *x->v);
		memmove(x->w + g[0].first + nf, x->w + g[i].first, g[i].nf * sizeof *x->w);
		nl += g[i].nl;
		nf += g[i].nf;
		nu += g[i].n;
		row->sessions += g[i].n;
		row->entered += g[i].entered;
		row->entry_observed += g[i].entry_observed;
		row->timeouts += g[i].timeouts;
		row->kicks += g[i].kicks;
		row->entry_failed += g[i].entry_failed;
		row->no_exit += g[i].no_exit;
		row->fast += g[i].fast;
	}
	marks_next(x);
	for (j = 0; j < nu; j++)
		row->users += mark_new(x, x->u[g[0].first + j]);
	bd_hist(row->hist[BH_LATENCY], x->v + g[0].first, nl);
	bd_hist(row->hist[BH_FIRST_FRAME], x->w + g[0].first, nf);
	report_latency_of(x->v + g[0].first, nl, &row->entry_latency);
	report_latency_of(x->w + g[0].first, nf, &row->first_frame);
	bd_rates(row);
	row->key = rr_strndup(text, strlen(text));
	return row->key ? RR_OK : RR_ENOMEM;
}

void report_breakdown_free(struct breakdown **b, size_t *n)
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
int report_build_breakdown(struct report *r, struct scratch *x, enum bd_kind kind,
			   struct breakdown **out, size_t *nout)
{
	const struct model *m = r->m;
	uint32_t n = m->nsessions, ng = 0, i, key, pos, small[256];
	uint32_t *map = small;
	struct bgroup *g = NULL;
	struct apps a;
	size_t capg = 0, rows;
	int rc = RR_ENOMEM;

	*out = NULL;
	*nout = 0;
	memset(&a, 0, sizeof a);
	if (n == 0)
		return RR_OK;
	if (kind == BD_APP && apps_find(r, &a) != RR_OK)
		return RR_ENOMEM;
	/* map[key] = 1 + its group. Platforms and networks are bytes; the
	 * scratch's marks cover every strtab id of the model; apps are keys
	 * 1..napp (0: none). */
	if (kind == BD_DEVICE || kind == BD_SDK || kind == BD_APP) {
		map = rr_calloc(kind == BD_APP ? (size_t)a.napp + 1 : x->nmark, sizeof *map);
		if (!map) {
			apps_free(&a);
			return RR_ENOMEM;
		}
	} else {
		memset(small, 0, sizeof small);
	}
	for (i = 0; i < n; i++) {
		key = bd_key(kind, &m->sessions[i], &a);
		if (!map[key]) {
			if (rr_grow(&g, &capg, (size_t)ng + 1, sizeof *g) != RR_OK)
				goto done;
			memset(&g[ng], 0, sizeof g[ng]);
			g[ng].key = key;
			g[ng].text = bd_text(r, kind, key, &a);
			map[key] = ++ng;
		}
		g[map[key] - 1].n++;
	}
	/* By app only when the calls are of more than one (or some of none). */
	if (kind == BD_APP && ng < 2) {
		rc = RR_OK;
		goto done;
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
		struct bgroup *gi = &g[map[bd_key(kind, s, &a)] - 1];

		x->u[gi->first + gi->n++] = s->user;
		gi->entered += s->entered;
		gi->entry_observed += s->entry_observed;
		gi->timeouts += s->exit == EXIT_TIMEOUT;
		gi->kicks += s->exit == EXIT_KICKED;
		gi->entry_failed += s->exit == EXIT_ENTRY_FAILED;
		gi->no_exit += s->exit == EXIT_UNKNOWN;
		if (s->entry_latency_ms != RR_NONE) {
			x->v[gi->first + gi->nl++] = s->entry_latency_ms;
			gi->fast += s->entry_latency_ms <= 5000;
		}
		if (s->first_frame_ms != RR_NONE)
			x->w[gi->first + gi->nf++] = s->first_frame_ms;
	}
	rows = ng > REPORT_BREAKDOWN ? REPORT_BREAKDOWN + 1 : ng;
	*out = rr_calloc(rows, sizeof **out);
	if (!*out)
		goto done;
	rc = RR_OK;
	for (i = 0; i < rows; i++) {
		int last = i == REPORT_BREAKDOWN;

		rc = bd_row(x, g + i, last ? ng - i : 1, last ? "(other)" : g[i].text, &(*out)[i]);
		(*out)[i].unknown = !last && (g[i].key == 0 || (kind == BD_NETWORK &&
							       !network_name((int32_t)g[i].key - 1)));
		*nout = i + 1;   /* so a failure frees what was made */
		if (rc != RR_OK)
			break;
	}
	if (rc != RR_OK)
		report_breakdown_free(out, nout);
done:
	if (map != small)
		rr_free(map);
	rr_free(g);
	apps_free(&a);
	return rc;
}

/* ---- the marks' correction for many tests ---- */

static size_t bd_rows(struct report *r, struct breakdown **rows, size_t *n)
{
	rows[BDIM_PLATFORM] = r->by_platform;
	rows[BDIM_DEVICE] = r->by_device;
	rows[BDIM_SDK] = r->by_sdk;
	rows[BDIM_NETWORK] = r->by_network;
	rows[BDIM_APP] = r->by_app;
	n[BDIM_PLATFORM] = r->nby_platform;
	n[BDIM_DEVICE] = r->nby_device;
	n[BDIM_SDK] = r->nby_sdk;
	n[BDIM_NETWORK] = r->nby_network;
	n[BDIM_APP] = r->nby_app;
	return BDIM__COUNT;
}

int report_breakdown_holm(struct report *r)
{
	struct breakdown *rows[BDIM__COUNT];
	size_t n[BDIM__COUNT], nd = bd_rows(r, rows, n), nt = 0, k = 0, d, i;
	struct stat_rank *tmp;
	double *p;
	int f;

	for (d = 0; d < nd; d++)
		for (i = 0; i < n[d]; i++)
			for (f = 0; f < BF__COUNT; f++)
				nt += rows[d][i].p_raw[f] >= 0.0;
	if (nt == 0)
		return RR_OK;
	p = rr_malloc(nt * sizeof *p);
	tmp = rr_malloc(nt * sizeof *tmp);
	if (!p || !tmp) {
		rr_free(p);
		rr_free(tmp);
		for (d = 0; d < nd; d++)
			for (i = 0; i < n[d]; i++)
				memset(rows[d][i].regression, 0, sizeof rows[d][i].regression);
		return RR_ENOMEM;
	}
	for (d = 0; d < nd; d++)
		for (i = 0; i < n[d]; i++)
			for (f = 0; f < BF__COUNT; f++)
				if (rows[d][i].p_raw[f] >= 0.0)
					p[k++] = rows[d][i].p_raw[f];
	stat_holm(p, nt, tmp);
	k = 0;
	for (d = 0; d < nd; d++)
		for (i = 0; i < n[d]; i++)
			for (f = 0; f < BF__COUNT; f++) {
				struct breakdown *b = &rows[d][i];

				if (b->p_raw[f] < 0.0) {
					b->regression[f] = 0;
					continue;
				}
				b->p_holm[f] = p[k++];
				b->regression[f] = b->regression[f] && b->p_holm[f] < REPORT_BD_MAX_P;
			}
	rr_free(p);
	rr_free(tmp);
	return RR_OK;
}
