/*
 * report_changes — see report_changes.h. The work per figure and
 * dimension: gather the segments (this week's rows, then the baseline's
 * rows of keys not seen this week), their counts, the parts of the change,
 * one test per segment; then Holm over every test of the page, and the
 * named segments kept per figure by share. Without a baseline, the
 * standouts: each row's rate against the other rows' this week, Holm over
 * the page, kept by figure and p.
 */
#include "report_changes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "stats.h"
#include "util.h"

/* ---- the decompositions ---- */

int changes_rate_parts(const struct chg_seg *s, size_t n, struct chg_part *out, double *r0,
		       double *r1)
{
	double n0 = 0, n1 = 0, x0 = 0, x1 = 0, rbar;

	for (size_t i = 0; i < n; i++) {
		n0 += (double)s[i].n0;
		n1 += (double)s[i].n1;
		x0 += (double)s[i].x0;
		x1 += (double)s[i].x1;
	}
	if (n0 <= 0 || n1 <= 0)
		return -1;
	*r0 = 1000.0 * x0 / n0;
	*r1 = 1000.0 * x1 / n1;
	rbar = (*r0 + *r1) / 2;
	for (size_t i = 0; i < n; i++) {
		double w0 = (double)s[i].n0 / n0, w1 = (double)s[i].n1 / n1;
		double a = s[i].n0 ? 1000.0 * (double)s[i].x0 / (double)s[i].n0 : -1;
		double b = s[i].n1 ? 1000.0 * (double)s[i].x1 / (double)s[i].n1 : -1;

		if (a < 0)
			a = b < 0 ? 0 : b;
		if (b < 0)
			b = a;
		out[i].rate = (b - a) * (w0 + w1) / 2;
		out[i].mix = (w1 - w0) * ((a + b) / 2 - rbar);
		out[i].total = out[i].rate + out[i].mix;
	}
	return 0;
}

double changes_hist_pct(const double *h, double q)
{
	double total = 0, cum = 0, target;

	for (unsigned i = 0; i < REPORT_BD_BINS; i++)
		total += h[i] > 0 ? h[i] : 0;
	if (total <= 0)
		return -1;
	target = q * total;
	for (unsigned i = 0; i < REPORT_BD_BINS; i++) {
		double c = h[i] > 0 ? h[i] : 0;

		if (c > 0 && cum + c >= target) {
			double lo = (double)report_bd_bin_lo(i);

			if (i == REPORT_BD_BINS - 1)
				return lo;
			return lo + (target - cum) / c * ((double)report_bd_bin_lo(i + 1) - lo);
		}
		cum += c;
	}
	return (double)report_bd_bin_lo(REPORT_BD_BINS - 1);
}

static double hsum(const uint32_t *h)
{
	double t = 0;

	for (unsigned i = 0; i < REPORT_BD_BINS; i++)
		t += h[i];
	return t;
}

/* The quantile of a (the week's sum) less segment s1 (scaled by a) plus
 * segment s0 scaled by b. */
static double swap_pct(const double *sum, const uint32_t *s1, double a, const uint32_t *s0,
		       double b, double q, double *tmp)
{
	for (unsigned i = 0; i < REPORT_BD_BINS; i++)
		tmp[i] = sum[i] - a * s1[i] + (s0 ? b * s0[i] : 0);
	return changes_hist_pct(tmp, q);
}

int changes_pct_parts(const uint32_t *const *h0, const uint32_t *const *h1, size_t n, double q,
		      struct chg_part *out, double *p0, double *p1, double *work)
{
	double *sum = work, *tmp = work + REPORT_BD_BINS, n0 = 0, n1 = 0;

	memset(sum, 0, REPORT_BD_BINS * sizeof *sum);
	memset(tmp, 0, REPORT_BD_BINS * sizeof *tmp);
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < REPORT_BD_BINS; k++) {
			tmp[k] += h0[i][k];
			sum[k] += h1[i][k];
		}
	*p0 = changes_hist_pct(tmp, q);
	*p1 = changes_hist_pct(sum, q);
	if (*p0 < 0 || *p1 < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		n0 += hsum(h0[i]);
		n1 += hsum(h1[i]);
	}
	for (size_t i = 0; i < n; i++) {
		double m0 = hsum(h0[i]), m1 = hsum(h1[i]), w0 = m0 / n0, rest = n1 - m1, full, only;

		if (m0 <= 0)            /* new this week: without it */
			full = swap_pct(sum, h1[i], 1, NULL, 0, q, tmp);
		else if (rest <= 0 || w0 >= 1)   /* it alone: last week's */
			full = swap_pct(sum, h1[i], 1, h0[i], 1, q, tmp);
		else
			full = swap_pct(sum, h1[i], 1, h0[i], w0 / (1 - w0) * rest / m0, q, tmp);
		only = m0 > 0 && m1 > 0 ? swap_pct(sum, h1[i], 1, h0[i], m1 / m0, q, tmp) : *p1;
		out[i].total = full < 0 ? 0 : *p1 - full;
		out[i].rate = *p1 - only;
		out[i].mix = out[i].total - out[i].rate;
	}
	return 0;
}

/* ---- the page's changes ---- */

/* One segment of one figure and dimension while the page is worked out. */
struct cand {
	uint8_t f, d;
	int8_t dir_ok;           /* its test's direction is the figure's */
	int32_t row;             /* this week's row, or -1 */
	const struct baseline_bd_row *old;
	uint64_t x0, n0, x1, n1; /* rates: counts; percentiles: at or above the cut */
	uint64_t N0, N1;         /* the dimension's n, each week */
	struct chg_part part;
	double share;            /* of the change, percent */
	double p;                /* raw, then Holm; -1: not tested */
};

/* What one figure and dimension are worked out from. */
struct fd {
	enum bd_figure f;
	enum bd_dim d;
	int dir;
	const struct breakdown *rows;
	size_t nrows;
	const struct baseline *b;
};

static int hist_of(enum bd_figure f)
{
	return f == BF_FIRST_FRAME_P50 ? BH_FIRST_FRAME : BH_LATENCY;
}

/* This week's count and denominator of rate f in row. */
static void row_counts(const struct breakdown *row, enum bd_figure f, uint64_t *x, uint64_t *n)
{
	const uint32_t xs[BF_ENTRY_LATENCY_P50] = {
		row->entered, row->fast, row->timeouts, row->kicks, row->entry_failed, row->no_exit };
	const uint32_t ns[BF_ENTRY_LATENCY_P50] = {
		row->entry_observed, (uint32_t)row->entry_latency.n, row->sessions, row->sessions,
		row->sessions, row->sessions };

	*x = xs[f];
	*n = ns[f];
}

/* The same in the baseline's row: its counts (within 5 s from its rate in
 * runs that did not write the count). 0 when unknown. */
static int old_counts(const struct baseline_bd_row *o, enum bd_figure f, uint64_t *x, uint64_t *n)
{
	static const int8_t xc[BF_ENTRY_LATENCY_P50] = {
		BC_ENTERED, BC_FAST, BC_TIMEOUTS, BC_KICKS, BC_ENTRY_FAILED, BC_NO_EXIT };
	static const int8_t nc[BF_ENTRY_LATENCY_P50] = {
		BC_ENTRY_OBSERVED, BC_LATENCY_N, -1, -1, -1, -1 };

	if (nc[f] >= 0 ? !o->has_count[nc[f]] : !o->has_sessions)
		return 0;
	*n = nc[f] >= 0 ? o->count[nc[f]] : o->sessions;
	if (o->has_count[xc[f]]) {
		*x = o->count[xc[f]];
		return *x <= *n;
	}
	if (f != BF_ENTRY_FAST_PM)
		return 0;
	if (*n == 0) {           /* no rate to derive it from, nor need */
		*x = 0;
		return 1;
	}
	if (!o->have[f] || o->value[f] < 0 || o->value[f] > 1000)
		return 0;
	*x = ((uint64_t)o->value[f] * *n + 500) / 1000;
	return 1;
}

/* The segments of one figure and dimension into c (room for
 * 2 (REPORT_BREAKDOWN + 1)): this week's rows, then the baseline's of keys
 * not among them. Returns their number. */
static size_t gather(const struct fd *w, struct cand *c)
{
	size_t n = 0, cap = 2 * (REPORT_BREAKDOWN + 1);

	for (size_t i = 0; i < w->nrows && n < cap; i++) {
		memset(&c[n], 0, sizeof c[n]);
		c[n].row = (int32_t)i;
		c[n].old = baseline_bd_find(w->b, w->d, w->rows[i].key);
		n++;
	}
	for (size_t i = 0; i < w->b->nbd && n < cap; i++) {
		const struct baseline_bd_row *o = &w->b->bd[i];
		size_t k;

		if (o->dim != w->d || !o->keyed)
			continue;
		for (k = 0; k < w->nrows && strcmp(w->rows[k].key, o->key) != 0; k++)
			;
		if (k < w->nrows || baseline_bd_find(w->b, w->d, o->key) != o)
			continue;
		memset(&c[n], 0, sizeof c[n]);
		c[n].row = -1;
		c[n].old = o;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].f = (uint8_t)w->f;
		c[i].d = (uint8_t)w->d;
		c[i].p = -1;
	}
	return n;
}

/* The rate's counts and parts of the segments c[0..n). 0, or -1 when a
 * count is unknown or a week is empty (the dimension is not worked out). */
static int rate_fd(const struct fd *w, struct cand *c, size_t n, double *delta)
{
	struct chg_seg sg[2 * (REPORT_BREAKDOWN + 1)];
	struct chg_part pt[2 * (REPORT_BREAKDOWN + 1)];
	double r0, r1;

	for (size_t i = 0; i < n; i++) {
		if (c[i].row >= 0)
			row_counts(&w->rows[c[i].row], w->f, &c[i].x1, &c[i].n1);
		if (c[i].old && !old_counts(c[i].old, w->f, &c[i].x0, &c[i].n0))
			return -1;
		sg[i] = (struct chg_seg){ c[i].x0, c[i].n0, c[i].x1, c[i].n1 };
	}
	if (changes_rate_parts(sg, n, pt, &r0, &r1) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		c[i].part = pt[i];
	*delta = r1 - r0;
	return 0;
}

/* The percentile's: the parts from the histograms, and as counts the
 * sessions at or above the cut (the bin edge nearest the pooled
 * quantile) of the sessions with a value. */
static int pct_fd(const struct fd *w, struct cand *c, size_t n, double *delta, double *work)
{
	static const uint32_t none[REPORT_BD_BINS];
	const uint32_t *h0[2 * (REPORT_BREAKDOWN + 1)], *h1[2 * (REPORT_BREAKDOWN + 1)];
	struct chg_part pt[2 * (REPORT_BREAKDOWN + 1)];
	double q = w->f == BF_ENTRY_LATENCY_P95 ? 0.95 : 0.5, p0, p1, v, lo, hi;
	int k = hist_of(w->f);
	unsigned cut, bin;

	for (size_t i = 0; i < n; i++) {
		if (c[i].old && !c[i].old->has_hist[k])
			return -1;
		h0[i] = c[i].old ? c[i].old->hist[k] : none;
		h1[i] = c[i].row >= 0 ? w->rows[c[i].row].hist[k] : none;
	}
	if (changes_pct_parts(h0, h1, n, q, pt, &p0, &p1, work) != 0)
		return -1;
	for (unsigned b = 0; b < REPORT_BD_BINS; b++) {
		work[b] = 0;
		for (size_t i = 0; i < n; i++)
			work[b] += (double)h0[i][b] + h1[i][b];
	}
	v = changes_hist_pct(work, q);
	bin = report_bd_bin_of((int64_t)v);
	lo = (double)report_bd_bin_lo(bin);
	hi = (double)report_bd_bin_lo(bin + 1);
	cut = bin + 1 < REPORT_BD_BINS && hi - v < v - lo ? bin + 1 : bin;
	for (size_t i = 0; i < n; i++) {
		c[i].part = pt[i];
		for (unsigned b = 0; b < REPORT_BD_BINS; b++) {
			c[i].n0 += h0[i][b];
			c[i].n1 += h1[i][b];
			c[i].x0 += b >= cut ? h0[i][b] : 0;
			c[i].x1 += b >= cut ? h1[i][b] : 0;
		}
	}
	*delta = p1 - p0;
	return 0;
}

static int cells_ok(uint64_t x, uint64_t n)
{
	return x >= STAT_MIN_CELL && n >= x && n - x >= STAT_MIN_CELL;
}

/* Segment i's test: present both weeks, its change against the rest's
 * (stat_odds_change_p); new this week, against the rest this week; gone,
 * against the rest last week (stat_two_prop_p, with at least
 * STAT_MIN_CELL sessions with and without the outcome on each side). p
 * stays -1 when not made. dir_ok: it moved (or stood) the figure's way. */
static void test_cand(struct cand *c, size_t n, size_t i, int dir)
{
	uint64_t X0 = 0, N0 = 0, X1 = 0, N1 = 0;
	struct cand *s = &c[i];
	double d;

	for (size_t k = 0; k < n; k++) {
		X0 += c[k].x0;
		N0 += c[k].n0;
		X1 += c[k].x1;
		N1 += c[k].n1;
	}
	if (s->n0 && s->n1) {
		s->p = stat_odds_change_p(s->x0, s->n0, s->x1, s->n1, X0 - s->x0, N0 - s->n0,
					  X1 - s->x1, N1 - s->n1, &d);
		s->dir_ok = d * dir > 0;
		return;
	}
	if (s->n1) {
		if (!cells_ok(s->x1, s->n1) || !cells_ok(X1 - s->x1, N1 - s->n1))
			return;
		s->p = stat_two_prop_p(X1 - s->x1, N1 - s->n1, s->x1, s->n1);
		d = (double)s->x1 / (double)s->n1 - (double)(X1 - s->x1) / (double)(N1 - s->n1);
		s->dir_ok = d * dir > 0;
		return;
	}
	if (!cells_ok(s->x0, s->n0) || !cells_ok(X0 - s->x0, N0 - s->n0))
		return;
	s->p = stat_two_prop_p(X0 - s->x0, N0 - s->n0, s->x0, s->n0);
	d = (double)s->x0 / (double)s->n0 - (double)(X0 - s->x0) / (double)(N0 - s->n0);
	s->dir_ok = d * dir < 0;
}

/* Works out one figure and dimension into c; returns the segments
 * gathered (0 when it could not be worked out). */
static size_t work_fd(const struct fd *w, struct cand *c, double *work)
{
	size_t n = gather(w, c);
	double delta = 0;
	int rc;

	if (n < 2)
		return 0;
	rc = w->f >= BF_ENTRY_LATENCY_P50 ? pct_fd(w, c, n, &delta, work)
	     : rate_fd(w, c, n, &delta);
	if (rc != 0 || delta * w->dir <= 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		c[0].N0 += c[i].n0;
		c[0].N1 += c[i].n1;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].N0 = c[0].N0;
		c[i].N1 = c[0].N1;
		c[i].share = 100.0 * c[i].part.total / delta;
		test_cand(c, n, i, w->dir);
	}
	return n;
}

/* The figure moved beyond the headline's threshold, either way: +1, -1, or
 * 0. Success rates by threshold / 5 points (per mille: threshold x 2),
 * the others by threshold percent of the previous value. */
static int moved(const struct headline *h, int threshold_pct)
{
	double thr = threshold_pct > 0 ? threshold_pct : 0, c, prev;

	if (h->value == RR_NONE || h->previous == RR_NONE || h->value == h->previous)
		return 0;
	c = (double)h->value - (double)h->previous;
	prev = fabs((double)h->previous);
	if (h->absolute ? fabs(c) <= thr * 2 : fabs(c) * 100 <= thr * prev)
		return 0;
	return c > 0 ? 1 : -1;
}

static int cmp_named(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->share != b->share)
		return a->share > b->share ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

static int64_t round_pm(uint64_t x, uint64_t n)
{
	return n ? (int64_t)((x * 2000 + n) / (2 * n)) : 0;
}

/* The named segment c as the model keeps it. */
static void keep_change(const struct report *r, const struct cand *c, struct change *o)
{
	const struct breakdown *rows[BDIM__COUNT] = { r->by_platform, r->by_device, r->by_sdk,
						       r->by_network, r->by_app };
	const struct breakdown *row = c->row >= 0 ? &rows[c->d][c->row] : NULL;
	int64_t dw;

	memset(o, 0, sizeof *o);
	o->figure = (enum bd_figure)c->f;
	o->dim = (enum bd_dim)c->d;
	o->row = c->row;
	o->segment = row ? row->key : c->old->key;
	o->seg_after = row ? row->value[c->f] : RR_NONE;
	o->seg_before = c->old && c->old->have[c->f] ? c->old->value[c->f] : RR_NONE;
	o->n_before = (uint32_t)c->n0;
	o->n_after = (uint32_t)c->n1;
	o->w_before_pm = round_pm(c->n0, c->N0);
	o->w_after_pm = round_pm(c->n1, c->N1);
	o->share_pct = (int32_t)lround(c->share);
	o->mix_part = c->part.mix;
	o->rate_part = c->part.rate;
	o->p_value = c->p;
	dw = o->w_after_pm - o->w_before_pm;
	o->w_steady = (dw < 0 ? -dw : dw) <= (o->w_before_pm / 10 > 10 ? o->w_before_pm / 10 : 10);
}

/* The segments of every moved figure and dimension into c (room for
 * BF__COUNT * BDIM__COUNT * 2 (REPORT_BREAKDOWN + 1)); returns their
 * number. Fills r->change_fig but for their changes. */
static size_t work_all(struct report *r, const struct baseline *b, struct cand *c, double *work)
{
	const struct breakdown *rows[BDIM__COUNT] = { r->by_platform, r->by_device, r->by_sdk,
						       r->by_network, r->by_app };
	const size_t nrows[BDIM__COUNT] = { r->nby_platform, r->nby_device, r->nby_sdk,
					    r->nby_network, r->nby_app };
	size_t n = 0;

	for (int f = 0; f < BF__COUNT; f++) {
		const struct headline *h = &r->headline[report_bd_figure_headline(f)];
		int dir = moved(h, r->threshold_pct);
		struct change_figure *cf = &r->change_fig[r->nchange_fig];

		if (!dir)
			continue;
		memset(cf, 0, sizeof *cf);
		cf->figure = (enum bd_figure)f;
		cf->direction = (int8_t)dir;
		cf->before = h->previous;
		cf->after = h->value;
		r->nchange_fig++;
		for (int d = 0; d < BDIM__COUNT; d++) {
			struct fd w = { (enum bd_figure)f, (enum bd_dim)d, dir, rows[d], nrows[d], b };
			size_t k = work_fd(&w, c + n, work), tested = 0;

			for (size_t i = 0; i < k; i++)
				tested += c[n + i].p >= 0;
			if (tested)
				cf->dims_tested |= (uint8_t)(1u << d);
			n += k;
		}
	}
	return n;
}

int report_changes_build(struct report *r, const struct baseline *b, int threshold_pct)
{
	size_t cap = (size_t)BF__COUNT * BDIM__COUNT * 2 * (REPORT_BREAKDOWN + 1), n, nt = 0;
	struct cand *c = rr_malloc(cap * sizeof *c);
	struct stat_rank *rank = rr_malloc(cap * sizeof *rank);
	double *p = rr_malloc(cap * sizeof *p), work[2 * REPORT_BD_BINS];

	r->changes_done = 0;
	r->nchange_fig = r->nchanges = 0;
	r->threshold_pct = threshold_pct;
	if (!c || !rank || !p) {
		rr_free(c);
		rr_free(rank);
		rr_free(p);
		return RR_ENOMEM;
	}
	n = b ? work_all(r, b, c, work) : 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].p >= 0)
			p[nt++] = c[i].p;
	stat_holm(p, nt, rank);
	nt = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].p >= 0)
			c[i].p = p[nt++];
	qsort(c, n, sizeof *c, cmp_named);
	for (uint32_t k = 0; k < r->nchange_fig; k++) {
		struct change_figure *cf = &r->change_fig[k];

		cf->first = r->nchanges;
		for (size_t i = 0; i < n; i++) {
			if (c[i].f != cf->figure || c[i].p < 0 || c[i].p >= REPORT_CHANGES_MAX_P ||
			    !c[i].dir_ok || c[i].share <= 0)
				continue;
			cf->dims_named |= (uint8_t)(1u << c[i].d);
			if (cf->n == REPORT_CHANGES_PER_FIGURE) {
				cf->more++;
				continue;
			}
			keep_change(r, &c[i], &r->changes[r->nchanges++]);
			cf->n++;
		}
	}
	r->changes_done = 1;
	rr_free(c);
	rr_free(rank);
	rr_free(p);
	return RR_OK;
}

/* ---- where this week stands out (no baseline) ---- */

/* One row tested against the rest of its dimension. */
struct sto {
	uint8_t f, d;
	int32_t row;
	uint64_t x, n, rx, rn;   /* the row's counts, the rest's */
	double p;                /* raw, then Holm */
};

/* The tests of figure f in dimension d's rows into s (room for
 * REPORT_BREAKDOWN + 1); returns their number. */
static size_t standout_tests(const struct breakdown *rows, size_t nrows, enum bd_figure f,
			     enum bd_dim d, struct sto *s)
{
	uint64_t X = 0, N = 0, x, n;
	size_t k = 0;

	/* Sessions whose value is not known are neither tested nor part of
	 * the rest: "as often as the other versions" compares known ones. */
	for (size_t i = 0; i < nrows; i++) {
		if (rows[i].unknown)
			continue;
		row_counts(&rows[i], f, &x, &n);
		X += x;
		N += n;
	}
	for (size_t i = 0; i < nrows && k < REPORT_BREAKDOWN + 1; i++) {
		row_counts(&rows[i], f, &x, &n);
		if (rows[i].unknown || rows[i].sessions < REPORT_BD_MIN_SESSIONS ||
		    strcmp(rows[i].key, "(other)") == 0 ||
		    !cells_ok(x, n) || !cells_ok(X - x, N - n))
			continue;
		s[k] = (struct sto){ (uint8_t)f, (uint8_t)d, (int32_t)i, x, n, X - x, N - n, 1 };
		s[k].p = stat_two_prop_p(X - x, N - n, x, n);
		k++;
	}
	return k;
}

static int cmp_sto(const void *pa, const void *pb)
{
	const struct sto *a = pa, *b = pb;

	if (a->f != b->f)
		return a->f < b->f ? -1 : 1;
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

static void keep_standout(const struct report *r, const struct sto *s, struct standout *o)
{
	const struct breakdown *rows[BDIM__COUNT] = { r->by_platform, r->by_device, r->by_sdk,
						       r->by_network, r->by_app };
	double a = (double)s->x / (double)s->n, b = (double)s->rx / (double)s->rn;

	memset(o, 0, sizeof *o);
	o->figure = (enum bd_figure)s->f;
	o->dim = (enum bd_dim)s->d;
	o->row = s->row;
	o->segment = rows[s->d][s->row].key;
	o->seg_value = round_pm(s->x, s->n);
	o->rest_value = round_pm(s->rx, s->rn);
	o->ratio = b > 0 ? a / b : 0;
	o->n = (uint32_t)s->n;
	o->rest_n = (uint32_t)s->rn;
	o->p_value = s->p;
}

int report_standouts_build(struct report *r)
{
	const struct breakdown *rows[BDIM__COUNT] = { r->by_platform, r->by_device, r->by_sdk,
						       r->by_network, r->by_app };
	const size_t nrows[BDIM__COUNT] = { r->nby_platform, r->nby_device, r->nby_sdk,
					    r->nby_network, r->nby_app };
	size_t cap = (size_t)BF_ENTRY_LATENCY_P50 * BDIM__COUNT * (REPORT_BREAKDOWN + 1), n = 0;
	struct sto *s = rr_malloc(cap * sizeof *s);
	struct stat_rank *rank = rr_malloc(cap * sizeof *rank);
	double *p = rr_malloc(cap * sizeof *p);

	r->standouts_done = 0;
	r->nstandouts = r->standouts_more = 0;
	if (!s || !rank || !p) {
		rr_free(s);
		rr_free(rank);
		rr_free(p);
		return RR_ENOMEM;
	}
	for (int f = 0; f < BF_ENTRY_LATENCY_P50; f++)
		for (int d = 0; d < BDIM__COUNT; d++)
			n += standout_tests(rows[d], nrows[d], (enum bd_figure)f, (enum bd_dim)d,
					    s + n);
	for (size_t i = 0; i < n; i++)
		p[i] = s[i].p;
	stat_holm(p, n, rank);
	for (size_t i = 0; i < n; i++)
		s[i].p = p[i];
	qsort(s, n, sizeof *s, cmp_sto);
	for (size_t i = 0; i < n; i++) {
		if (s[i].p >= REPORT_CHANGES_MAX_P)
			continue;
		if (r->nstandouts == REPORT_STANDOUTS)
			r->standouts_more++;
		else
			keep_standout(r, &s[i], &r->standouts[r->nstandouts++]);
	}
	r->standouts_done = 1;
	rr_free(s);
	rr_free(rank);
	rr_free(p);
	return RR_OK;
}
