/*
 * stats — tests of whether a change is beyond chance.
 * Does not: decide what a regression is (report_compare does).
 */
#ifndef RR_STATS_H
#define RR_STATS_H

#include <stdint.h>

/* The p-value of a pooled two-proportion z-test, two-sided: x0 of n0 in
 * one sample against x1 of n1 in the other. z = (p1 - p0) / sqrt(P(1-P)
 * (1/n0 + 1/n1)) with P = (x0 + x1) / (n0 + n1); p = erfc(|z| / sqrt 2).
 * Returns 1 (no evidence) when n0 or n1 is 0, when x0 > n0 or x1 > n1,
 * or when the pooled proportion is 0 or 1 (equal proportions). */
double stat_two_prop_p(uint64_t x0, uint64_t n0, uint64_t x1, uint64_t n1);

#endif
