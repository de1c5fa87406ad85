/*
 * Tests for diag, the diagnostics store: every reason has a code and a
 * phrase of its own; rejected rows are counted per reason and the first
 * DIAG_KEEP of each kept, in arrival order, with their file, line and
 * detail; kept text is made safe (control characters and invalid UTF-8
 * replaced, valid UTF-8 kept); notes are formatted and kept in order; an
 * allocation failing gives RR_ENOMEM and leaves the store consistent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

static void test_reason_names(void **state)
{
	(void)state;
	for (int i = 0; i < REJ__COUNT; i++) {
		const char *code = diag_reason_code((enum diag_reason)i);
		const char *text = diag_reason_text((enum diag_reason)i);

		assert_true(code[0] != '\0' && text[0] != '\0');
		/* Codes are stable identifiers: lower case, digits and '_'. */
		for (const char *p = code; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
		for (int k = 0; k < i; k++) {
			assert_string_not_equal(code, diag_reason_code((enum diag_reason)k));
			assert_string_not_equal(text, diag_reason_text((enum diag_reason)k));
		}
	}
	assert_string_equal(diag_reason_code(REJ_RAGGED), "ragged_row");
	assert_string_equal(diag_reason_code(REJ_BAD_TIME), "bad_time");
	assert_string_equal(diag_reason_code(REJ_CUT), "cut_off");
	assert_string_equal(diag_reason_code(REJ__COUNT), "unknown");
	assert_string_equal(diag_reason_text(REJ__COUNT), "unknown reason");
}

/* Rows of several reasons, interleaved: counts for all, the first
 * DIAG_KEEP of each kept in arrival order. */
static void test_count_and_keep(void **state)
{
	static const struct {
		enum diag_reason reason;
		int n;
	} feed[] = {
		{ REJ_RAGGED, 3 }, { REJ_NUL, 1 }, { REJ_RAGGED, 4 }, { REJ_BAD_TIME, 7 },
		{ REJ_NUL, 1 }, { REJ_RAGGED, 1 },
	};
	struct diag d;
	uint64_t line = 0, want[REJ__COUNT] = { 0 };
	size_t kept = 0;

	(void)state;
	diag_init(&d);
	assert_int_equal(diag_total(&d), 0);
	assert_int_equal(d.nkept, 0);
	for (size_t i = 0; i < sizeof feed / sizeof feed[0]; i++)
		for (int k = 0; k < feed[i].n; k++) {
			char detail[32];

			line++;
			snprintf(detail, sizeof detail, "row %llu", (unsigned long long)line);
			assert_int_equal(diag_reject(&d, "in.csv", line, feed[i].reason, detail), RR_OK);
			if (want[feed[i].reason]++ < DIAG_KEEP) {
				const struct diag_item *it = &d.kept[kept++];

				assert_int_equal(d.nkept, kept);
				assert_string_equal(it->file, "in.csv");
				assert_int_equal(it->line, line);
				assert_int_equal(it->reason, feed[i].reason);
				assert_string_equal(it->detail, detail);
			}
			assert_int_equal(d.nkept, kept);
		}
	for (int r = 0; r < REJ__COUNT; r++)
		assert_int_equal(d.count[r], want[r]);
	assert_int_equal(diag_total(&d), line);
	assert_int_equal(kept, DIAG_KEEP + 2 + DIAG_KEEP);
	/* Kept items stay in arrival order, whatever their reason. */
	for (size_t i = 1; i < d.nkept; i++)
		assert_true(d.kept[i - 1].line < d.kept[i].line);
	diag_free(&d);
	assert_int_equal(diag_total(&d), 0);
	assert_null(d.kept);
	diag_free(&d);    /* freeing a freed (empty) store is harmless */
}

/* What is kept is safe text: control characters and every byte of an
 * invalid UTF-8 sequence become '?'; valid UTF-8 stays. NULL file or
 * detail is kept as "". An unknown reason is counted as missing_value. */
static void test_clean_text(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain \"text\"", "plain \"text\"" },
		{ "tab\tnew\nline\r", "tab?new?line?" },
		{ "\x01\x1f\x7f", "???" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "lone\xc3", "lone?" },
		{ "\xff\xfe", "??" },
		{ "over\xc0\xaflong", "over??long" },
		{ "sur\xed\xa0\x80rogate", "sur???rogate" },
		{ "cut\xe2\x82 end", "cut?? end" },
	};
	struct diag d;

	(void)state;
	diag_init(&d);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum diag_reason r = (enum diag_reason)(i % REJ__COUNT);

		diag_free(&d);
		print_message("case %zu\n", i);
		assert_int_equal(diag_reject(&d, cases[i].in, 1, r, cases[i].in), RR_OK);
		assert_string_equal(d.kept[0].detail, cases[i].out);
		assert_string_equal(d.kept[0].file, cases[i].out);
		assert_int_equal(diag_note(&d, "note: %s", cases[i].in), RR_OK);
		assert_memory_equal(d.notes[0], "note: ", 6);
		assert_string_equal(d.notes[0] + 6, cases[i].out);
	}
	diag_free(&d);
	assert_int_equal(diag_reject(&d, NULL, 9, REJ__COUNT, NULL), RR_OK);
	assert_string_equal(d.kept[0].file, "");
	assert_string_equal(d.kept[0].detail, "");
	assert_int_equal(d.kept[0].reason, REJ_MISSING);
	assert_int_equal(d.count[REJ_MISSING], 1);
	diag_free(&d);
}

static void test_notes(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	for (int i = 0; i < 40; i++)
		assert_int_equal(diag_note(&d, "%s: %d rows, %.1f%%", "f.csv", i, i / 2.0), RR_OK);
	assert_int_equal(d.nnotes, 40);
	assert_string_equal(d.notes[0], "f.csv: 0 rows, 0.0%");
	assert_string_equal(d.notes[39], "f.csv: 39 rows, 19.5%");
	/* Notes are not rejected rows. */
	assert_int_equal(diag_total(&d), 0);
	diag_free(&d);
	assert_int_equal(d.nnotes, 0);
	assert_null(d.notes);
}

/* Each allocation diag_reject and diag_note make, failing: RR_ENOMEM, and
 * the store stays consistent (nothing half kept) and usable. */
/* Files recorded by index, out of order and again: the gap gets zeros,
 * ncut counts the files marked as cut, the last word counts. */
static void test_files(void **state)
{
	struct diag d;
	const struct diag_file cut = { .rows = 7, .cut = 1, .cut_row = 1, .cut_at = 912 };
	const struct diag_file whole = { .rows = 3, .cut_at = UINT64_MAX };

	(void)state;
	diag_init(&d);
	assert_int_equal(diag_file_read(&d, 2, &cut), RR_OK);
	assert_int_equal(d.nfiles, 3);
	assert_int_equal(d.ncut, 1);
	assert_int_equal(d.files[0].rows, 0);
	assert_false(d.files[1].cut);
	assert_int_equal(d.files[2].cut_at, 912);
	assert_int_equal(diag_file_read(&d, 0, &whole), RR_OK);
	assert_int_equal(diag_file_read(&d, 1, &cut), RR_OK);
	assert_int_equal(d.ncut, 2);
	assert_int_equal(diag_file_read(&d, 2, &whole), RR_OK);
	assert_int_equal(d.ncut, 1);
	assert_int_equal(d.nfiles, 3);
	assert_int_equal(d.files[2].rows, 3);
	diag_free(&d);
	assert_int_equal(d.nfiles, 0);
}

static void test_out_of_memory(void **state)
{
	struct diag d;
	unsigned long k;

	(void)state;
	for (k = 1;; k++) {
		int rc;

		diag_init(&d);
		rr_alloc_fail_at(k);
		rc = diag_reject(&d, "f.csv", 3, REJ_BAD_ID, "EventId \"x\" is not a number");
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			assert_int_equal(d.nkept, 1);
			diag_free(&d);
			break;
		}
		assert_int_equal(rc, RR_ENOMEM);
		assert_int_equal(d.nkept, 0);
		/* Still usable: the next row is kept. */
		assert_int_equal(diag_reject(&d, "f.csv", 4, REJ_BAD_ID, "y"), RR_OK);
		assert_int_equal(d.nkept, 1);
		assert_int_equal(d.kept[0].line, 4);
		assert_string_equal(d.kept[0].detail, "y");
		diag_free(&d);
	}
	assert_true(k > 2);    /* at least the list and a copy failed once */
	for (k = 1;; k++) {
		int rc;

		diag_init(&d);
		rr_alloc_fail_at(k);
		rc = diag_note(&d, "n %d", 1);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			assert_int_equal(d.nnotes, 1);
			diag_free(&d);
			break;
		}
		assert_int_equal(rc, RR_ENOMEM);
		assert_int_equal(d.nnotes, 0);
		assert_int_equal(diag_note(&d, "n %d", 2), RR_OK);
		assert_string_equal(d.notes[0], "n 2");
		diag_free(&d);
	}
	assert_true(k > 2);    /* the list and the copy failed once each */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_count_and_keep),
		cmocka_unit_test(test_clean_text),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
