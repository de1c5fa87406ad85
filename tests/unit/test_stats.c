/* Unit tests: stats (the pooled two-proportion z-test) against values
 * computed by hand: P = (x0 + x1) / (n0 + n1), se = sqrt(P(1-P)(1/n0 +
 * 1/n1)), z = (x1/n1 - x0/n0) / se, p = erfc(|z| / sqrt 2). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "stats.h"

static void test_two_prop_table(void **state)
{
	static const struct {
		uint64_t x0, n0, x1, n1;
		double p, tol;
	} cases[] = {
		/* P = 0.085, se = 0.012472, z = 2.4054 */
		{ 70, 1000, 100, 1000, 0.016155, 1e-5 },
		{ 100, 1000, 70, 1000, 0.016155, 1e-5 },     /* two-sided: symmetric */
		/* P = 0.07322, se = 0.003309, z = 2.379 */
		{ 892, 12140, 980, 12000, 0.017361, 1e-5 },
		/* zero count one side: P = 0.0025, se = 0.0022333, z = 2.2389 */
		{ 0, 1000, 5, 1000, 0.025164, 1e-5 },
		/* z = 19.5: far beyond chance */
		{ 433, 5787, 1310, 6664, 0.0, 1e-80 },
		{ 50, 500, 100, 1000, 1.0, 1e-12 },          /* equal proportions */
		{ 0, 1000, 0, 1000, 1.0, 0 },                /* no events at all */
		{ 1000, 1000, 500, 500, 1.0, 0 },            /* all events */
		{ 0, 0, 5, 1000, 1.0, 0 },                   /* n0 = 0 */
		{ 5, 1000, 0, 0, 1.0, 0 },                   /* n1 = 0 */
		{ 11, 10, 5, 10, 1.0, 0 },                   /* x > n: no answer */
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double p = stat_two_prop_p(cases[i].x0, cases[i].n0, cases[i].x1, cases[i].n1);

		assert_true(p >= 0.0 && p <= 1.0);
		assert_float_equal(p, cases[i].p, cases[i].tol);
	}
}

/* The mark's cut: 70 -> 100 per 1000 at 1000 sessions is not beyond
 * p < 0.01; the same rates at 2000 sessions are. */
static void test_two_prop_cut(void **state)
{
	(void)state;
	assert_false(stat_two_prop_p(70, 1000, 100, 1000) < 0.01);
	assert_true(stat_two_prop_p(140, 2000, 200, 2000) < 0.01);
}

/* The change of a segment's odds against the rest's, computed by hand:
 * d = ln(x1 (n0-x0) / (x0 (n1-x1))) - the same of the rest, se^2 = the sum
 * of 1/cell over the eight cells, p = erfc(|d/se| / sqrt 2). */
static void test_odds_change_table(void **state)
{
	static const struct {
		uint64_t x0, n0, x1, n1, y0, m0, y1, m1;
		double d, p, tol;
	} cases[] = {
		/* 100 -> 300 of 1000 while the rest stays at 10 %: far apart */
		{ 100, 1000, 300, 1000, 200, 2000, 200, 2000, 1.349927, 2.0726e-16, 1e-19 },
		/* 100 -> 120 against 100 -> 100: within chance */
		{ 100, 1000, 120, 1000, 100, 1000, 100, 1000, 0.204794, 0.322235, 1e-5 },
		/* both doubled: the same change, no evidence */
		{ 80, 1000, 160, 1000, 160, 2000, 320, 2000, 0.0, 1.0, 1e-9 },
		/* the rest fell, the segment stayed */
		{ 50, 1000, 50, 1000, 100, 1000, 60, 1000, 0.554311, 0.037428, 1e-5 },
		/* a zero cell: 0.5 added to every cell */
		{ 100, 100, 300, 1000, 200, 2000, 200, 2000, -6.149652, 1.55542e-05, 1e-9 },
		{ 1486, 2354, 2733, 2733, 1766, 5325, 1766, 5325, 8.069073, 1.19692e-08, 1e-12 },
		/* 4 is enough once the two samples hold 5 together */
		{ 4, 1000, 300, 1000, 200, 2000, 200, 2000, 4.670155, 1.56455e-19, 1e-23 },
		/* not made: too few outcomes in the segment or the rest, a
		 * sample under STAT_MIN_N, a count over its n */
		{ 1, 1000, 3, 1000, 200, 2000, 200, 2000, 0.0, -1.0, 0 },
		{ 100, 1000, 300, 1000, 0, 2000, 0, 2000, 0.0, -1.0, 0 },
		{ 1000, 1000, 998, 1000, 200, 2000, 200, 2000, 0.0, -1.0, 0 },
		{ 3, 29, 300, 1000, 200, 2000, 200, 2000, 0.0, -1.0, 0 },
		{ 100, 1000, 300, 1000, 200, 2000, 2, 29, 0.0, -1.0, 0 },
		{ 100, 1000, 300, 200, 200, 2000, 200, 2000, 0.0, -1.0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double d = 9, p = stat_odds_change_p(cases[i].x0, cases[i].n0, cases[i].x1,
						    cases[i].n1, cases[i].y0, cases[i].m0,
						    cases[i].y1, cases[i].m1, &d);

		assert_float_equal(p, cases[i].p, cases[i].tol);
		assert_float_equal(d, cases[i].d, 1e-6);
	}
	assert_float_equal(stat_odds_change_p(100, 1000, 300, 1000, 200, 2000, 200, 2000, NULL),
			   2.0726e-16, 1e-19);
}

/* Holm by hand: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06,
 * 0.04 x 1 = 0.04 -> 0.06 (step-down: never below an earlier one). */
static void test_holm(void **state)
{
	double p[] = { 0.01, 0.04, 0.03, 0.005 };
	const double want[] = { 0.03, 0.06, 0.06, 0.02 };
	double one[] = { 0.2 }, big[] = { 0.5, 0.9, 0.6 }, tie[] = { 0.01, 0.01 };
	struct stat_rank tmp[4];

	(void)state;
	stat_holm(p, 4, tmp);
	for (int i = 0; i < 4; i++)
		assert_float_equal(p[i], want[i], 1e-12);
	stat_holm(one, 1, tmp);
	assert_float_equal(one[0], 0.2, 1e-12);
	stat_holm(big, 3, tmp);                /* capped at 1 */
	for (int i = 0; i < 3; i++)
		assert_float_equal(big[i], 1.0, 1e-12);
	stat_holm(tie, 2, tmp);
	assert_float_equal(tie[0], 0.02, 1e-12);
	assert_float_equal(tie[1], 0.02, 1e-12);
	stat_holm(NULL, 0, tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_prop_table),
		cmocka_unit_test(test_two_prop_cut),
		cmocka_unit_test(test_odds_change_table),
		cmocka_unit_test(test_holm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
