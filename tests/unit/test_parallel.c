/*
 * Tests for parallel: every part runs exactly once on any count (waves
 * past PARALLEL_MAX included), part 0 runs on the calling thread, and
 * parallel_parts follows its rule (table-driven).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "parallel.h"
#include "util.h"

struct runs {
	atomic_uint count[3 * PARALLEL_MAX + 5];
	pthread_t caller;
	int part0_here;
	unsigned long sum[3 * PARALLEL_MAX + 5];
};

static void count_part(void *arg, unsigned k)
{
	struct runs *r = arg;

	atomic_fetch_add(&r->count[k], 1);
	if (k == 0)
		r->part0_here = pthread_equal(pthread_self(), r->caller);
	/* Some work of its own, written only into its own slot. */
	for (unsigned long i = 0; i <= k * 1000UL; i++)
		r->sum[k] += i;
}

static void test_every_part_once(void **state)
{
	static const unsigned counts[] = { 0, 1, 2, 3, 7, PARALLEL_MAX, PARALLEL_MAX + 1,
					   3 * PARALLEL_MAX + 5 };
	static struct runs r;

	(void)state;
	for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
		unsigned n = counts[c];

		memset(&r, 0, sizeof r);
		r.caller = pthread_self();
		parallel_for(n, count_part, &r);
		for (unsigned k = 0; k < 3 * PARALLEL_MAX + 5; k++) {
			unsigned long kk = k * 1000UL;

			assert_int_equal(atomic_load(&r.count[k]), k < n ? 1 : 0);
			assert_true(r.sum[k] == (k < n ? kk * (kk + 1) / 2 : 0));
		}
		if (n)
			assert_true(r.part0_here);
	}
}

static void test_parts_rule(void **state)
{
	static const struct {
		unsigned threads, cap;
		size_t items, min_items;
		unsigned want;
	} cases[] = {
		{ 4, 8, 1000, 100, 4 },        /* the caller's count is kept */
		{ 4, 2, 1000, 100, 2 },        /* ... under the cap */
		{ 16, 8, 3, 1, 3 },            /* ... and at most one part per item */
		{ 4, 8, 0, 1, 1 },             /* nothing to do: one part */
		{ 3, 8, 10, 100, 3 },          /* min_items does not apply to a chosen count */
		{ 200, 500, 100000, 1, PARALLEL_MAX },
		{ 0, 1, 1000000, 1, 1 },       /* cap 1: one part whatever the machine */
		{ 0, 8, 5, 100, 1 },           /* too few items to split */
		{ 5, 0, 100, 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_int_equal(parallel_parts(cases[i].threads, cases[i].cap, cases[i].items,
						 cases[i].min_items),
				 cases[i].want);
	/* Online processors: between 1 and the cap, each part >= min_items. */
	for (size_t items = 0; items < 5000; items += 250) {
		unsigned t = parallel_parts(0, 8, items, 1000);

		assert_true(t >= 1 && t <= 8 && t <= rr_threads(8));
		assert_true(t == 1 || items / t >= 1000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_part_once),
		cmocka_unit_test(test_parts_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
