/* Unit tests: util (UTF-8 validation, durations, growth, failure injection),
 * strtab (interning) and csvout (quoting). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "strtab.h"
#include "util.h"

static void test_utf8_table(void **state)
{
	static const struct { const char *s; size_t n; int ok; } cases[] = {
		{ "", 0, 1 },
		{ "plain ascii", 11, 1 },
		{ "\xe6\x88\xbf\xe9\x97\xb4", 6, 1 },          /* CJK */
		{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 8, 1 },  /* Hebrew (RTL) */
		{ "\xf0\x9f\x98\x80", 4, 1 },                   /* emoji */
		{ "\xff", 1, 0 },
		{ "\xc0\xaf", 2, 0 },                           /* overlong '/' */
		{ "\xe0\x80\xaf", 3, 0 },                       /* overlong, 3 bytes */
		{ "\xed\xa0\x80", 3, 0 },                       /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0 },                   /* past U+10FFFF */
		{ "\xe6\x88", 2, 0 },                           /* truncated */
		{ "a\x80" "b", 3, 0 },                          /* lone continuation */
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(utf8_valid(cases[i].s, cases[i].n), cases[i].ok);
}

/* fmt_i64 writes what printf writes, at the extremes too. */
static void test_fmt_i64(void **state)
{
	static const int64_t v[] = { 0, 7, -1, 10, -10, 1795168800000LL, INT64_MAX, INT64_MIN };

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		char want[32], buf[RR_I64_CHARS + 8], *s;

		snprintf(want, sizeof want, "%" PRId64, v[i]);
		memset(buf, 'x', sizeof buf);
		s = fmt_i64(v[i], buf + RR_I64_CHARS);
		assert_true(s >= buf);
		assert_int_equal((size_t)(buf + RR_I64_CHARS - s), strlen(want));
		assert_memory_equal(s, want, strlen(want));
		assert_int_equal(buf[RR_I64_CHARS], 'x');
	}
}

static void test_duration_table(void **state)
{
	static const struct { int64_t ms; const char *text; } cases[] = {
		{ 0, "0 ms" }, { 850, "850 ms" }, { 7200, "7.2 s" }, { 59999, "59.9 s" }, { 47000, "47 s" }, { 6050, "6 s" },
		{ 60000, "1 min 00 s" }, { 185000, "3 min 05 s" },
		{ 7440000, "2 h 04 min" }, { -1500, "-1.5 s" },
	};
	char buf[32];
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fmt_duration(cases[i].ms, buf, sizeof buf);
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_grow_and_injection(void **state)
{
	int *a = NULL;
	size_t cap = 0;
	(void)state;

	assert_int_equal(rr_grow(&a, &cap, 10, sizeof *a), RR_OK);
	assert_true(cap >= 10);
	size_t before = cap;
	rr_alloc_fail_at(1);
	assert_int_equal(rr_grow(&a, &cap, before + 1, sizeof *a), RR_ENOMEM);
	assert_int_equal(cap, before);          /* unchanged on failure */
	assert_int_equal(rr_grow(&a, &cap, before + 1, sizeof *a), RR_OK);
	assert_int_equal(rr_grow(&a, &cap, SIZE_MAX / 2, sizeof *a), RR_ENOMEM);
	rr_free(a);
	rr_alloc_fail_at(0);
}

/* rr_calloc zeroes by writing from 64 KiB up, through a path of its own:
 * every size either side of that gives zeroed memory, also when it reuses
 * a block just freed dirty, and a count * size that overflows is refused. */
static void test_calloc_table(void **state)
{
	static const struct {
		size_t count, size;
	} t[] = {
		{ 0, 0 }, { 0, 8 }, { 1, 1 }, { 7, 9 }, { 65535, 1 }, { 65536, 1 },
		{ 16384, 4 }, { 25000, 4 }, { 1u << 20, 4 }, { 3, 40000 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = t[i].count * t[i].size;
		unsigned char *dirty = malloc(n ? n : 1), *p;

		assert_non_null(dirty);
		memset(dirty, 0xA5, n ? n : 1);
		free(dirty);
		p = rr_calloc(t[i].count, t[i].size);
		assert_non_null(p);
		for (size_t k = 0; k < n; k++)
			if (p[k] != 0)
				fail_msg("case %zu: byte %zu of %zu is %u", i, k, n, p[k]);
		rr_free(p);
	}
	assert_null(rr_calloc(SIZE_MAX / 2, 3));
	assert_null(rr_calloc(3, SIZE_MAX / 2));
	rr_alloc_fail_at(1);
	assert_null(rr_calloc(1u << 20, 4));
	rr_alloc_fail_at(0);
}

static void test_strtab(void **state)
{
	struct strtab *t = strtab_new();
	uint32_t a, b, c, d;
	(void)state;

	assert_non_null(t);
	assert_string_equal(strtab_str(t, 0), "");
	assert_int_equal(strtab_intern(t, "room-1", 6, &a), RR_OK);
	assert_int_equal(strtab_intern(t, "room-2", 6, &b), RR_OK);
	assert_int_equal(strtab_intern(t, "room-1xyz", 6, &c), RR_OK);
	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	assert_int_equal(strtab_intern(t, "", 0, &d), RR_OK);
	assert_int_equal(d, 0);
	assert_true(strtab_find(t, "room-2", 6, &d));
	assert_int_equal(d, b);
	assert_false(strtab_find(t, "room-3", 6, &d));
	/* Enough strings to force several rehashes; ids stay stable. */
	char buf[32];
	for (int i = 0; i < 50000; i++) {
		int n = snprintf(buf, sizeof buf, "user%d", i);
		assert_int_equal(strtab_intern(t, buf, (size_t)n, &d), RR_OK);
	}
	assert_int_equal(strtab_count(t), 3 + 50000);
	assert_string_equal(strtab_str(t, a), "room-1");
	assert_int_equal(strtab_len(t, b), 6);
	assert_true(strtab_find(t, "user49999", 9, &d));
	assert_string_equal(strtab_str(t, d), "user49999");
	strtab_free(t);
}

static void test_strtab_nomem(void **state)
{
	struct strtab *t = strtab_new();
	uint32_t id;
	(void)state;

	/* The first new string needs the id array to grow past 16 at some point;
	 * make every allocation fail and check the table is still usable. */
	rr_alloc_fail_at(1);
	int st = RR_OK;
	char buf[16];
	for (int i = 0; i < 40 && st == RR_OK; i++) {
		int n = snprintf(buf, sizeof buf, "x%d", i);
		st = strtab_intern(t, buf, (size_t)n, &id);
	}
	assert_int_equal(st, RR_ENOMEM);
	rr_alloc_fail_at(0);
	assert_int_equal(strtab_intern(t, "after", 5, &id), RR_OK);
	assert_string_equal(strtab_str(t, id), "after");
	strtab_free(t);
}

static void test_csv_quoting(void **state)
{
	static const struct { const char *in; const char *out; } cases[] = {
		{ "plain", "plain" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ " padded", "\" padded\"" },
		{ "", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		csv_field_str(f, cases[i].in, 1);
		fclose(f);
		assert_string_equal(buf, cases[i].out);
		free(buf);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	csv_field_int(f, -42, 1);
	csv_field(f, "x\0y", 3, 0);
	csv_end(f);
	fclose(f);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "-42,x\0y\n", 8);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_table),
		cmocka_unit_test(test_duration_table),
		cmocka_unit_test(test_fmt_i64),
		cmocka_unit_test(test_grow_and_injection),
		cmocka_unit_test(test_calloc_table),
		cmocka_unit_test(test_strtab),
		cmocka_unit_test(test_strtab_nomem),
		cmocka_unit_test(test_csv_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
