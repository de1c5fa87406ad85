/*
 * Tests for arena: copies are exact and NUL-terminated, survive later puts
 * (small, empty, oversized), reset keeps one block and frees the rest,
 * join moves blocks without moving strings, and a failed allocation leaves
 * the arena as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "util.h"

static void test_copies_survive(void **state)
{
	/* Sizes around the block size, in an order that puts oversized
	 * strings both first and behind a partly filled block. */
	static const size_t sizes[] = { ARENA_BLOCK + 10, 0, 5, ARENA_BLOCK - 1, ARENA_BLOCK,
					1000, ARENA_BLOCK * 3, 7, 60000, 60000, 1 };
	enum { N = sizeof sizes / sizeof *sizes };
	struct arena a = { 0 };
	char *src[N], *got[N];

	(void)state;
	for (size_t i = 0; i < N; i++) {
		src[i] = malloc(sizes[i] + 1);
		assert_non_null(src[i]);
		for (size_t j = 0; j < sizes[i]; j++)
			src[i][j] = (char)('a' + (i * 7 + j) % 26);
		got[i] = arena_put(&a, src[i], sizes[i]);
		assert_non_null(got[i]);
	}
	for (size_t i = 0; i < N; i++) {
		assert_memory_equal(got[i], src[i], sizes[i]);
		assert_int_equal(got[i][sizes[i]], '\0');
		free(src[i]);
	}
	arena_free(&a);
	assert_null(a.head);
}

static void test_reset_and_join(void **state)
{
	struct arena a = { 0 }, b = { 0 };
	char big[ARENA_BLOCK + 1];
	const char *x, *y;

	(void)state;
	memset(big, 'z', sizeof big);
	assert_non_null(arena_put(&a, "one", 3));
	assert_non_null(arena_put(&a, big, sizeof big));
	arena_reset(&a);
	assert_non_null(a.head);
	/* The kept block is empty and used again: no allocation needed. */
	rr_alloc_fail_at(1);
	x = arena_put(&a, "after", 5);
	rr_alloc_fail_at(0);
	assert_string_equal(x, "after");

	y = arena_put(&b, "from b", 6);
	assert_non_null(y);
	arena_join(&a, &b);
	assert_null(b.head);
	assert_string_equal(x, "after");
	assert_string_equal(y, "from b");
	arena_join(&a, &b);     /* joining an empty arena changes nothing */
	assert_string_equal(y, "from b");
	arena_free(&a);
	arena_free(&b);
}

static void test_out_of_memory(void **state)
{
	struct arena a = { 0 };
	char big[ARENA_BLOCK * 2];

	(void)state;
	memset(big, 'q', sizeof big);
	rr_alloc_fail_at(1);
	assert_null(arena_put(&a, "x", 1));
	rr_alloc_fail_at(0);
	assert_null(a.head);
	assert_non_null(arena_put(&a, "x", 1));
	rr_alloc_fail_at(1);
	assert_null(arena_put(&a, big, sizeof big));
	rr_alloc_fail_at(0);
	assert_string_equal(a.head ? "kept" : "", "kept");
	assert_non_null(arena_put(&a, big, sizeof big));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_survive),
		cmocka_unit_test(test_reset_and_join),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
