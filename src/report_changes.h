/*
 * report_changes — "What changed": for each headline figure that moved
 * beyond the threshold against a --baseline run, the breakdown segments
 * (rows of every dimension) that account for the move, found with a
 * shift-share (Kitagawa) decomposition of rates, a counterfactual
 * percentile for entry latency and first frame, and a test of each
 * segment's change against the rest of its dimension, Holm-corrected over
 * the page (README "What changed" gives the formulas); without a
 * baseline, the rows whose rate differs from the rest of the week.
 * Does not: read the baseline (baseline.c), mark rows (report_weekly.c,
 * report_breakdown.c) or word anything (render_changes.c).
 */
#ifndef RR_REPORT_CHANGES_H
#define RR_REPORT_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

struct baseline;

/* One segment's counts for a rate: x of n last week (0, 0 when absent
 * then) and this week. */
struct chg_seg {
	uint64_t x0, n0, x1, n1;
};

/* A segment's part of the change, in the figure's unit: total = mix +
 * rate. */
struct chg_part {
	double total, mix, rate;
};

/*
 * Kitagawa's decomposition of the change of a rate (per mille: 1000 x /
 * n) over n segments, centred: with w = a segment's share of n, r its
 * rate, w~ and r~ the two weeks' means and R~ the mean of the overall
 * rates, rate part = (r1 - r0) w~, mix part = (w1 - w0)(r~ - R~). A
 * segment absent one week takes the other week's rate there (rate part
 * 0). The totals add up to R1 - R0. *r0, *r1 get the overall rates.
 * Returns 0, or -1 when either week has no sessions.
 */
int changes_rate_parts(const struct chg_seg *s, size_t n, struct chg_part *out, double *r0,
		       double *r1);

/*
 * The q-quantile (0 < q < 1) of a histogram over report_bd_bin_lo's bins
 * (h: REPORT_BD_BINS counts, fractional allowed): the bin where the
 * cumulative count reaches q of the total, interpolated linearly inside
 * it (the open last bin gives its lower edge). -1 when empty.
 */
double changes_hist_pct(const double *h, double q);

/*
 * The percentile's counterfactual parts of n segments with last week's
 * histograms h0[i] and this week's h1[i] (REPORT_BD_BINS each): P0, P1 the
 * q-quantiles of the sums; a segment's total part is P1 minus the
 * quantile of this week with that segment given last week's share and
 * distribution (the others scaled to keep theirs among themselves), its
 * rate part P1 minus the quantile with only its distribution changed back
 * (its count kept), its mix part the difference. work: 2 x REPORT_BD_BINS
 * doubles. Returns 0, or -1 when either week is empty.
 */
int changes_pct_parts(const uint32_t *const *h0, const uint32_t *const *h1, size_t n, double q,
		      struct chg_part *out, double *p0, double *p1, double *work);

/*
 * Fills r->change_fig, r->changes (and changes_done) from r's headline
 * and breakdowns (report_compare already run) and b's rows: see the
 * header comment. RR_OK or RR_ENOMEM (then nothing is named and
 * changes_done stays 0).
 */
int report_changes_build(struct report *r, const struct baseline *b, int threshold_pct);

/*
 * Without a baseline: fills r->standouts (and standouts_done) with every
 * breakdown row, of at least REPORT_BD_MIN_SESSIONS sessions and not
 * "(other)", whose rate (entry success, within 5 s, the exits per mille)
 * differs from the rest of its dimension this week beyond chance: the
 * pooled two-proportion test of the row against the other rows together
 * (STAT_MIN_CELL sessions with and without the outcome on each side),
 * Holm-corrected over every test of the page, p < REPORT_CHANGES_MAX_P.
 * Ordered by figure, then p, smallest first; REPORT_STANDOUTS kept, the
 * rest counted. RR_OK or RR_ENOMEM (then standouts_done stays 0).
 */
int report_standouts_build(struct report *r);

#endif
