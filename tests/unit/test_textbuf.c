/*
 * Tests for textbuf: appends join, the bound cuts on a character boundary
 * (never leaving a partial UTF-8 sequence), appends after the bound do
 * nothing, and clipping adds "…" only when it cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "textbuf.h"
#include "util.h"

static void test_appends_join(void **state)
{
	struct textbuf t = { .len = 0 };

	(void)state;
	t.buf[0] = '\0';
	textbuf_add(&t, "Timeout %s", "at");
	textbuf_add(&t, " %02d:%02d", 10, 31);
	textbuf_add(&t, "%s", "");
	assert_string_equal(t.buf, "Timeout at 10:31");
	assert_int_equal(t.len, strlen(t.buf));
}

static void test_bound_cuts_on_characters(void **state)
{
	/* Fill to every offset just short of the bound, then add a
	 * multi-byte character that cannot fit whole. */
	static const char *const tails[] = { "é", "€", "😀", "ab" };

	(void)state;
	for (size_t pre = TEXTBUF_MAX - 6; pre < TEXTBUF_MAX; pre++) {
		for (size_t k = 0; k < sizeof tails / sizeof *tails; k++) {
			struct textbuf t = { .len = 0 };
			char fill[TEXTBUF_MAX];

			memset(fill, 'x', pre);
			fill[pre] = '\0';
			t.buf[0] = '\0';
			textbuf_add(&t, "%s", fill);
			for (int rep = 0; rep < 3; rep++)
				textbuf_add(&t, "%s", tails[k]);
			assert_true(t.len < TEXTBUF_MAX);
			assert_int_equal(t.buf[t.len], '\0');
			assert_int_equal(strlen(t.buf), t.len);
			assert_true(utf8_valid(t.buf, t.len));
			/* Whatever was kept is a prefix of what was asked. */
			assert_memory_equal(t.buf, fill, pre < t.len ? pre : t.len);
			/* Full: another append changes nothing. */
			size_t len = t.len;

			textbuf_add(&t, "more");
			if (len + 1 >= TEXTBUF_MAX)
				assert_int_equal(t.len, len);
		}
	}
}

static void test_clipped(void **state)
{
	static const struct {
		const char *s;
		size_t max;
		const char *want;
	} cases[] = {
		{ "itachili1", 64, "itachili1" },
		{ "itachili1", 9, "itachili1" },
		{ "itachili1", 4, "itac\xe2\x80\xa6" },
		{ "h\xc3\xa9llo", 2, "h\xe2\x80\xa6" },          /* é is not split */
		{ "h\xc3\xa9llo", 3, "h\xc3\xa9\xe2\x80\xa6" },
		{ "", 0, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct textbuf t = { .len = 0 };

		t.buf[0] = '\0';
		textbuf_add_clipped(&t, cases[i].s, strlen(cases[i].s), cases[i].max);
		assert_string_equal(t.buf, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_appends_join),
		cmocka_unit_test(test_bound_cuts_on_characters),
		cmocka_unit_test(test_clipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
