/*
 * Tests for hugemem: the advice never changes what a buffer holds, whether
 * it comes before or after the writes, on buffers below and above
 * HUGEMEM_MIN, aligned or not, and NULL is ignored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hugemem.h"

static void fill_check(unsigned char *p, size_t n, int check)
{
	for (size_t i = 0; i < n; i += 4093) {
		if (check)
			assert_int_equal(p[i], (unsigned char)(i * 31 + 7));
		else
			p[i] = (unsigned char)(i * 31 + 7);
	}
}

static void test_contents_kept(void **state)
{
	static const size_t sizes[] = { 0, 1, 4096, HUGEMEM_MIN - 1, HUGEMEM_MIN,
					HUGEMEM_MIN + 12345, 3 * HUGEMEM_MIN };
	static const size_t offsets[] = { 0, 1, 4096 + 16 };

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		for (size_t o = 0; o < sizeof offsets / sizeof *offsets; o++) {
			unsigned char *buf = malloc(sizes[i] + offsets[o] + 1), *p = buf + offsets[o];

			assert_non_null(buf);
			hugemem_advise(p, sizes[i]);        /* before the writes */
			fill_check(p, sizes[i], 0);
			hugemem_advise(p, sizes[i]);        /* after them */
			fill_check(p, sizes[i], 1);
			free(buf);
		}
	}
}

static void test_null_ignored(void **state)
{
	(void)state;
	hugemem_advise(NULL, 0);
	hugemem_advise(NULL, 3 * HUGEMEM_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contents_kept),
		cmocka_unit_test(test_null_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
