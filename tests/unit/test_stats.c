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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_prop_table),
		cmocka_unit_test(test_two_prop_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
