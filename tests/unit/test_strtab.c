/*
 * Tests for strtab, string interning: the same bytes give the same id and
 * different bytes different ids (embedded NULs, long strings, prefixes and
 * case included); ids read back their bytes; lookups without inserting;
 * ids in first-met order across many rehashes; the limits refuse a new
 * string and leave the table as it was; an allocation failing at any step
 * of intern or merge leaves the table as it was and usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "util.h"

struct bytes {
	const char *s;
	size_t n;
};

#define B(lit) { lit, sizeof lit - 1 }

/* Distinct byte strings, each also distinct from every other here. */
static const struct bytes distinct[] = {
	B("a"), B("A"), B("ab"), B("abc"), B("abd"), B("a\0"), B("a\0b"), B("a\0c"),
	B("\0"), B("\0\0"), B(" a"), B("a "), B("room-1"), B("room-10"), B("caf\xc3\xa9"),
	B("\xff\xfe"), B("\xe2\x80\xa8"), B("user\"quote"),
};
enum { ND = sizeof distinct / sizeof distinct[0] };

/* Every table holds the same strings as a plain list: ids are 0 ("")
 * and then the list's order. */
static void assert_holds(const struct strtab *t, const struct bytes *list, size_t n)
{
	assert_int_equal(strtab_count(t), n + 1);
	assert_string_equal(strtab_str(t, 0), "");
	assert_int_equal(strtab_len(t, 0), 0);
	for (size_t i = 0; i < n; i++) {
		uint32_t id;

		assert_int_equal(strtab_len(t, (uint32_t)i + 1), list[i].n);
		assert_memory_equal(strtab_str(t, (uint32_t)i + 1), list[i].s, list[i].n);
		assert_int_equal(strtab_str(t, (uint32_t)i + 1)[list[i].n], '\0');
		assert_true(strtab_find(t, list[i].s, list[i].n, &id));
		assert_int_equal(id, i + 1);
	}
}

static void test_same_bytes_same_id(void **state)
{
	struct strtab *t = strtab_new();
	uint32_t ids[ND], id;

	(void)state;
	assert_non_null(t);
	assert_int_equal(strtab_count(t), 1);
	assert_true(strtab_find(t, "", 0, &id));
	assert_int_equal(id, 0);
	assert_int_equal(strtab_intern(t, "", 0, &id), RR_OK);
	assert_int_equal(id, 0);
	for (size_t i = 0; i < ND; i++) {
		print_message("string %zu\n", i);
		assert_false(strtab_find(t, distinct[i].s, distinct[i].n, &id));
		assert_int_equal(strtab_intern(t, distinct[i].s, distinct[i].n, &ids[i]), RR_OK);
		assert_int_equal(ids[i], i + 1);
	}
	/* Again, from copies (the table compares bytes, not pointers), in
	 * reverse order: the same ids, nothing new. */
	for (size_t i = ND; i-- > 0;) {
		char copy[64];

		memcpy(copy, distinct[i].s, distinct[i].n);
		assert_int_equal(strtab_intern(t, copy, distinct[i].n, &id), RR_OK);
		assert_int_equal(id, ids[i]);
	}
	assert_holds(t, distinct, ND);
	/* Out of range ids read as "". */
	assert_string_equal(strtab_str(t, ND + 1), "");
	assert_int_equal(strtab_len(t, UINT32_MAX), 0);
	strtab_free(t);
	strtab_free(NULL);
}

/* Strings longer than any block of text, next to short ones. */
static void test_long_strings(void **state)
{
	static const size_t len[] = { 1000, 65535, 65536, 65537, 300000, 3 };
	enum { NL = sizeof len / sizeof len[0] };
	struct strtab *t = strtab_new();
	char *s[NL];
	uint32_t id;

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < NL; i++) {
		s[i] = malloc(len[i]);
		assert_non_null(s[i]);
		for (size_t k = 0; k < len[i]; k++)
			s[i][k] = (char)('a' + (k * 31 + i) % 26);
		assert_int_equal(strtab_intern(t, s[i], len[i], &id), RR_OK);
		assert_int_equal(id, i + 1);
		/* A string one byte shorter is another string. */
		assert_false(strtab_find(t, s[i], len[i] - 1, &id));
	}
	for (size_t i = 0; i < NL; i++) {
		assert_true(strtab_find(t, s[i], len[i], &id));
		assert_int_equal(id, i + 1);
		assert_int_equal(strtab_len(t, id), len[i]);
		assert_memory_equal(strtab_str(t, id), s[i], len[i]);
		free(s[i]);
	}
	strtab_free(t);
}

/* Many strings: the table grows through many rehashes; every id keeps
 * its string and its place, and strings read earlier stay where they
 * were. */
static void test_growth(void **state)
{
	enum { N = 200000 };
	struct strtab *t = strtab_new();
	const char *first;
	char buf[32];
	uint32_t id;

	(void)state;
	assert_non_null(t);
	assert_int_equal(strtab_intern(t, "u0", 2, &id), RR_OK);
	first = strtab_str(t, id);
	for (int i = 1; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "u%d", i);

		assert_int_equal(strtab_intern(t, buf, (size_t)n, &id), RR_OK);
		assert_int_equal(id, (uint32_t)i + 1);
	}
	assert_int_equal(strtab_count(t), N + 1);
	assert_ptr_equal(strtab_str(t, 1), first);
	for (int i = 0; i < N; i += 7) {
		int n = snprintf(buf, sizeof buf, "u%d", i);

		assert_true(strtab_find(t, buf, (size_t)n, &id));
		assert_int_equal(id, (uint32_t)i + 1);
		assert_string_equal(strtab_str(t, id), buf);
	}
	assert_false(strtab_find(t, "u-1", 3, &id));
	strtab_free(t);
}

/* The limits refuse the string that would pass them, with RR_EDATA and
 * the table as it was; strings already in still intern. */
static void test_limits(void **state)
{
	static const struct {
		uint32_t strings;
		size_t bytes;
		size_t fit;           /* how many of distinct[] go in */
	} cases[] = {
		{ 4, STRTAB_MAX_BYTES, 3 },         /* "" counts as one */
		{ STRTAB_MAX_STRINGS, 6, 3 },       /* a, A, ab: 4 bytes; abc would pass 6 */
		{ STRTAB_MAX_STRINGS, 7, 4 },       /* ... and abc makes 7 exactly */
		{ 1, STRTAB_MAX_BYTES, 0 },
	};

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct strtab *t = strtab_new();
		size_t i;
		uint32_t id;
		int rc = RR_OK;

		print_message("case %zu\n", c);
		assert_non_null(t);
		strtab_set_limits(t, cases[c].strings, cases[c].bytes);
		for (i = 0; i < ND && (rc = strtab_intern(t, distinct[i].s, distinct[i].n, &id)) == RR_OK; i++)
			;
		assert_int_equal(i, cases[c].fit);
		assert_int_equal(rc, RR_EDATA);
		assert_holds(t, distinct, i);
		for (size_t k = 0; k < i; k++) {
			assert_int_equal(strtab_intern(t, distinct[k].s, distinct[k].n, &id), RR_OK);
			assert_int_equal(id, k + 1);
		}
		strtab_free(t);
	}
}

/* An allocation failing at each step of interning (the first string of a
 * block, a rehash, the entries growing) gives RR_ENOMEM and leaves the
 * table as it was; the same string interns once memory is back. */
static void test_out_of_memory(void **state)
{
	enum { N = 3000 };
	struct bytes *list = calloc(N, sizeof *list);
	char (*text)[220] = calloc(N, sizeof *text);
	unsigned long failures = 0;
	struct strtab *t;

	(void)state;
	assert_true(list && text);
	for (unsigned long k = 1; k < 5; k++) {
		rr_alloc_fail_at(k);
		t = strtab_new();
		rr_alloc_fail_at(0);
		assert_null(t);   /* every allocation of a new table is needed */
	}
	t = strtab_new();
	assert_non_null(t);
	for (size_t i = 0; i < N; i++) {
		uint32_t id;
		int rc;

		/* 200-byte strings: a block of text is used up every few hundred. */
		list[i].n = (size_t)snprintf(text[i], sizeof text[i], "%0200zu", i);
		list[i].s = text[i];
		rr_alloc_fail_at(1);
		rc = strtab_intern(t, list[i].s, list[i].n, &id);
		rr_alloc_fail_at(0);
		if (rc == RR_ENOMEM) {
			failures++;
			assert_holds(t, list, i);
			assert_false(strtab_find(t, list[i].s, list[i].n, &id));
			assert_int_equal(strtab_intern(t, list[i].s, list[i].n, &id), RR_OK);
		} else {
			assert_int_equal(rc, RR_OK);
		}
		assert_int_equal(id, i + 1);
	}
	assert_holds(t, list, N);
	/* Every block of text, rehash and growth of the entries failed once. */
	assert_true(failures > 10);
	strtab_free(t);
	free(list);
	free(text);
}

/* merge: strings new to the table get ids in the order of the source,
 * known ones keep theirs, map says which is which; refused (limits) or
 * failed (memory at any step) the table is as it was and still usable. */
static void test_merge(void **state)
{
	enum { N = 1500 };
	struct strtab *src = strtab_new();
	uint32_t *map = calloc(N + 8, sizeof *map), id;
	char buf[256];
	unsigned long k;

	(void)state;
	assert_true(src && map);
	assert_int_equal(strtab_intern(src, "b", 1, &id), RR_OK);    /* 1, known to t */
	for (int i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof buf, "%0180d", i);

		assert_int_equal(strtab_intern(src, buf, (size_t)n, &id), RR_OK);
	}
	for (k = 1;; k++) {
		struct strtab *t = strtab_new();
		int rc;

		assert_non_null(t);
		assert_int_equal(strtab_intern(t, "a", 1, &id), RR_OK);
		assert_int_equal(strtab_intern(t, "b", 1, &id), RR_OK);
		if (k == 1) {
			/* One string short of the limit: refused. */
			strtab_set_limits(t, 3 + N - 1, STRTAB_MAX_BYTES);
			assert_int_equal(strtab_merge(t, src, map), RR_EDATA);
			assert_int_equal(strtab_count(t), 3);
			strtab_set_limits(t, STRTAB_MAX_STRINGS, STRTAB_MAX_BYTES);
		}
		rr_alloc_fail_at(k);
		rc = strtab_merge(t, src, map);
		rr_alloc_fail_at(0);
		if (rc == RR_ENOMEM) {
			assert_int_equal(strtab_count(t), 3);
			assert_false(strtab_find(t, buf, strlen(buf), &id));
			assert_int_equal(strtab_intern(t, "z", 1, &id), RR_OK);
			assert_int_equal(id, 3);
			strtab_free(t);
			continue;
		}
		assert_int_equal(rc, RR_OK);
		assert_int_equal(strtab_count(t), 3 + N);
		assert_int_equal(map[0], 0);
		assert_int_equal(map[1], 2);
		for (uint32_t i = 2; i < N + 2; i++) {
			assert_int_equal(map[i], i + 1);
			assert_int_equal(strtab_len(t, map[i]), strtab_len(src, i));
			assert_string_equal(strtab_str(t, map[i]), strtab_str(src, i));
		}
		/* Merging again adds nothing. */
		assert_int_equal(strtab_merge(t, src, map), RR_OK);
		assert_int_equal(strtab_count(t), 3 + N);
		strtab_free(t);
		break;
	}
	assert_true(k > 3);     /* slots, entries and text each failed once */
	free(map);
	strtab_free(src);
}

/* strtab_hash is a function of the bytes alone (every length up to past
 * two words, at any alignment), and strtab_intern_hashed gives the ids
 * strtab_intern gives. */
static void test_hashed_same_as_plain(void **state)
{
	struct strtab *a = strtab_new(), *b = strtab_new();
	char buf[64], copy[80];
	uint32_t ia, ib;

	(void)state;
	assert_true(a && b);
	for (int k = 0; k < 2000; k++) {
		size_t n = (size_t)(k % 41);
		for (size_t j = 0; j < n; j++)
			buf[j] = (char)('a' + (k * 7 + (int)j * 13) % 26);
		memcpy(copy + 1 + k % 8, buf, n);
		assert_int_equal(strtab_hash(buf, n), strtab_hash(copy + 1 + k % 8, n));
		assert_int_equal(strtab_intern(a, buf, n, &ia), RR_OK);
		assert_int_equal(strtab_intern_hashed(b, buf, n, strtab_hash(buf, n), &ib), RR_OK);
		assert_int_equal(ia, ib);
		assert_int_equal(strtab_len(b, ib), n);
		assert_memory_equal(strtab_str(b, ib), buf, n);
	}
	assert_int_equal(strtab_count(a), strtab_count(b));
	/* Strings that differ in one byte, or only in length, differ. */
	assert_true(strtab_hash("user_0001", 9) != strtab_hash("user_0002", 9));
	assert_true(strtab_hash("ab", 2) != strtab_hash("ab\0", 3));
	strtab_free(a);
	strtab_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_same_id),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_hashed_same_as_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
