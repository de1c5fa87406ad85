/*
 * stats — tests of whether a change is beyond chance, and the Holm
 * correction for many of them on one page.
 * Does not: decide what a regression is (report_compare does) or what a
 * page names (report_changes does).
 */
#ifndef RR_STATS_H
#define RR_STATS_H

#include <stddef.h>
#include <stdint.h>

/* The p-value of a pooled two-proportion z-test, two-sided: x0 of n0 in
 * one sample against x1 of n1 in the other. z = (p1 - p0) / sqrt(P(1-P)
 * (1/n0 + 1/n1)) with P = (x0 + x1) / (n0 + n1); p = erfc(|z| / sqrt 2).
 * Returns 1 (no evidence) when n0 or n1 is 0, when x0 > n0 or x1 > n1,
 * or when the pooled proportion is 0 or 1 (equal proportions). */
double stat_two_prop_p(uint64_t x0, uint64_t n0, uint64_t x1, uint64_t n1);

/* stat_odds_change_p is made only when each of its four samples has at
 * least STAT_MIN_N, and the outcome and its absence each appear at least
 * STAT_MIN_CELL times in the segment's two samples together and in the
 * rest's two together. */
#define STAT_MIN_N 30
#define STAT_MIN_CELL 5

/*
 * Whether a segment's proportion changed between two samples (x0 of n0,
 * then x1 of n1) differently from the rest's (y0 of m0, then y1 of m1):
 * the Wald test of the difference between the two log odds ratios
 * (Woolf; the interaction of a logistic model with two strata), two-sided:
 * d = ln OR_seg - ln OR_rest, OR = x1 (n0 - x0) / (x0 (n1 - x1)),
 * se^2 = the sum of 1/cell over the eight cells, p = erfc(|d/se| / sqrt 2);
 * when a cell is 0, every cell gets 0.5 added first (Haldane-Anscombe).
 * *d_out (may be NULL) gets d (0 when not made). Returns -1 when the test
 * is not made (the counts above, or a count exceeds its n).
 */
double stat_odds_change_p(uint64_t x0, uint64_t n0, uint64_t x1, uint64_t n1,
			  uint64_t y0, uint64_t m0, uint64_t y1, uint64_t m1, double *d_out);

/* Scratch for stat_holm: one per p-value. */
struct stat_rank {
	double p;
	size_t i;
};

/*
 * Holm's step-down correction of n p-values for testing them together:
 * sorted ascending p(1) <= ... <= p(n) (ties: input order), the adjusted
 * p(k) = max over j <= k of min(1, (n - j + 1) p(j)). p[] is replaced by
 * the adjusted values in place; tmp (n entries) is the caller's scratch.
 * A p-value adjusted below alpha is the same decision as Holm's procedure
 * at family-wise error rate alpha.
 */
void stat_holm(double *p, size_t n, struct stat_rank *tmp);

#endif
