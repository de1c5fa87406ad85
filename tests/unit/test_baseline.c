/* Unit tests: baseline (the validating JSON scanner that reads the headline
 * figures of an earlier run for --baseline). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "catalog.h"
#include "dataset.h"
#include "decode.h"
#include "json.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "util.h"

/* What json.c writes, trimmed: figures, a null, nested content around. */
static const char REAL[] =
	"{\n"
	"  \"generator\": \"roomreport 0.1.0\",\n"
	"  \"tz\": \"UTC\",\n"
	"  \"title\": null,\n"
	"  \"input\": {\"rows\": 120, \"files\": [\"a.csv\", \"b\\u00e9.csv\"], \"unknown\": []},\n"
	"  \"headline\": {\n"
	"    \"calls\": 300, \"sessions\": 1210, \"users\": 977, \"user_ms\": 812345678,\n"
	"    \"entry_success_pm\": 962, \"entry_within_5s_pm\": 911,\n"
	"    \"entry_latency_p50_ms\": 1480, \"entry_latency_p95_ms\": 6210,\n"
	"    \"first_frame_p50_ms\": null, \"timeouts_pm\": 71, \"kicks_pm\": 30,\n"
	"    \"entry_failed_pm\": 38, \"no_exit_pm\": 45,\n"
	"    \"abnormal_experiences_per_100_x10\": 52\n"
	"  },\n"
	"  \"calls\": [{\"room_id\": \"r\\\"1\", \"sessions\": [{\"headline\": {\"calls\": 9}}],"
	" \"x\": [true, false, null, -0.5e-3, 1E+9]}],\n"
	"  \"days\": []\n"
	"}\n";

static int read_str(const char *json, struct baseline *b, char *err, size_t errlen)
{
	return baseline_read_mem("old.json", json, strlen(json), b, err, errlen);
}

static void expect_error(const char *json, int status, const char *needle)
{
	struct baseline b;
	char err[512];
	int st = read_str(json, &b, err, sizeof err);

	if (st != status || !strstr(err, needle))
		fail_msg("%s\n-> status %d, err '%s' (wanted %d, '%s')", json, st, err, status,
			 needle);
	assert_true(strncmp(err, "old.json: ", 10) == 0);
	for (int k = 0; k < HL__COUNT; k++)
		assert_int_equal(b.have[k], 0);
}

static void test_real(void **state)
{
	struct baseline b;
	char err[256];
	(void)state;

	assert_int_equal(read_str(REAL, &b, err, sizeof err), RR_OK);
	assert_string_equal(err, "");
	assert_string_equal(b.generator, "roomreport 0.1.0");
	assert_true(b.have[HL_CALLS]);
	assert_int_equal(b.value[HL_CALLS], 300);   /* not the nested 9 */
	assert_int_equal(b.value[HL_SESSIONS], 1210);
	assert_int_equal(b.value[HL_USERS], 977);
	assert_int_equal(b.value[HL_USER_MS], 812345678);
	assert_int_equal(b.value[HL_ENTRY_SUCCESS_PM], 962);
	assert_int_equal(b.value[HL_ENTRY_FAST_PM], 911);
	assert_int_equal(b.value[HL_ENTRY_LATENCY_P50], 1480);
	assert_int_equal(b.value[HL_ENTRY_LATENCY_P95], 6210);
	assert_false(b.have[HL_FIRST_FRAME_P50]);
	assert_int_equal(b.value[HL_TIMEOUTS_PM], 71);
	assert_int_equal(b.value[HL_KICKS_PM], 30);
	assert_int_equal(b.value[HL_ENTRY_FAILED_PM], 38);
	assert_int_equal(b.value[HL_NO_EXIT_PM], 45);
	assert_int_equal(b.value[HL_EXPERIENCES_PER_100_X10], 52);
	for (int k = 0; k < HL__COUNT; k++)
		assert_int_equal(b.have[k], k != HL_FIRST_FRAME_P50);
}

static void test_file_and_chunks(void **state)
{
	/* The headline straddles the 64 KiB read buffer at every offset near
	 * the boundary. */
	char path[] = "/tmp/test_baseline.XXXXXX";
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	for (size_t pad = 65500; pad < 65560; pad++) {
		struct baseline b;
		char err[256];
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fputs("{\"pad\": \"", f);
		for (size_t i = 0; i < pad; i++)
			fputc(i % 7 ? 'x' : ' ', f);
		fputs("\\u00e9\", \"headline\": {\"timeouts_pm\": -12345, \"calls\": null}, "
		      "\"generator\": \"roomreport 9\"}", f);
		fclose(f);
		assert_int_equal(baseline_read(path, &b, err, sizeof err), RR_OK);
		assert_int_equal(b.have[HL_TIMEOUTS_PM], 1);
		assert_int_equal(b.value[HL_TIMEOUTS_PM], -12345);
		assert_int_equal(b.have[HL_CALLS], 0);
		assert_string_equal(b.generator, "roomreport 9");
	}
	/* An error offset counts from the start of the file, past the buffer. */
	{
		struct baseline b;
		char err[256], want[64];
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fputs("[\"", f);
		for (size_t i = 0; i < 100000; i++)
			fputc('y', f);
		fputs("\", tru]", f);
		fclose(f);
		assert_int_equal(baseline_read(path, &b, err, sizeof err), RR_EDATA);
		snprintf(want, sizeof want, ": offset %d: invalid literal", 2 + 100000 + 3);
		assert_non_null(strstr(err, want));
		assert_true(strncmp(err, path, strlen(path)) == 0);
	}
	unlink(path);
}

static void test_io_errors(void **state)
{
	struct baseline b;
	char err[256];
	(void)state;

	assert_int_equal(baseline_read("/nonexistent/old.json", &b, err, sizeof err), RR_EIO);
	assert_non_null(strstr(err, "/nonexistent/old.json: "));
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(baseline_read("/tmp", &b, err, sizeof err), RR_EIO);
	assert_non_null(strstr(err, "/tmp: "));
	rr_alloc_fail_at(1);
	assert_int_equal(baseline_read(RR_TEST_DATA "/../../README.md", &b, err, sizeof err),
			 RR_ENOMEM);
	rr_alloc_fail_at(0);
}

static void test_missing_headline(void **state)
{
	(void)state;
	expect_error("{}", RR_EDATA, "offset 0: no top-level \"headline\" object");
	expect_error("  [{\"headline\": {\"calls\": 1}}]", RR_EDATA,
		     "offset 2: no top-level \"headline\"");
	expect_error("{\"calls\": [{\"headline\": {\"calls\": 1}}]}", RR_EDATA,
		     "no top-level \"headline\"");
	expect_error("{\"headline\": [1, 2]}", RR_EDATA, "offset 13: \"headline\" is not an object");
	expect_error("{\"headline\": null}", RR_EDATA, "\"headline\" is not an object");
	expect_error("", RR_EDATA, "offset 0: unexpected end of input");
	expect_error("   \n", RR_EDATA, "offset 4: unexpected end of input");
	expect_error("\"headline\"", RR_EDATA, "no top-level");
	expect_error("<html></html>", RR_EDATA, "offset 0: unexpected '<', expected a value");
}

static void test_nested_junk_and_unknown_keys(void **state)
{
	struct baseline b;
	char err[256];
	(void)state;

	assert_int_equal(read_str("{\"a\": {\"b\": [[], {}, [{\"headline\": {\"calls\": 7}}]]},"
				  " \"headline\": {\"future_figure\": {\"x\": [1, 2.5, \"s\"]},"
				  " \"calls\": 5, \"\": 3, \"calls_extra\": \"x\","
				  " \"kicks_pm\": 0},"
				  " \"generator\": 42, \"more\": {\"headline\": 1}}",
				  &b, err, sizeof err), RR_OK);
	assert_int_equal(b.value[HL_CALLS], 5);
	assert_int_equal(b.have[HL_KICKS_PM], 1);
	assert_int_equal(b.value[HL_KICKS_PM], 0);
	assert_int_equal(b.have[HL_SESSIONS], 0);
	assert_string_equal(b.generator, "");   /* not a string: ignored */
	/* A key longer than any figure's never matches. */
	{
		char json[400];

		snprintf(json, sizeof json, "{\"headline\": {\"%0200d\": 1, \"calls\": 2}}", 0);
		assert_int_equal(read_str(json, &b, err, sizeof err), RR_OK);
		assert_int_equal(b.value[HL_CALLS], 2);
	}
	/* BOM tolerated. */
	assert_int_equal(read_str("\xef\xbb\xbf{\"headline\": {}}", &b, err, sizeof err), RR_OK);
}

static void test_depth(void **state)
{
	/* The top-level object is level 1; 64 levels pass, 65 do not. */
	char json[400];
	struct baseline b;
	char err[256];
	size_t n;
	(void)state;

	for (int levels = 63; levels <= 66; levels++) {
		n = (size_t)snprintf(json, sizeof json, "{\"headline\": {}, \"x\": ");
		for (int i = 1; i < levels; i++)
			json[n++] = '[';
		for (int i = 1; i < levels; i++)
			json[n++] = ']';
		json[n++] = '}';
		json[n] = '\0';
		int st = read_str(json, &b, err, sizeof err);
		if (levels <= 64) {
			assert_int_equal(st, RR_OK);
		} else {
			assert_int_equal(st, RR_EDATA);
			assert_non_null(strstr(err, "nesting deeper than 64"));
			assert_non_null(strstr(err, "offset 85:"));  /* the 65th '[' */
		}
	}
	/* Depth counts inside the headline too. */
	n = (size_t)snprintf(json, sizeof json, "{\"headline\": {\"x\": ");
	for (int i = 0; i < 70; i++)
		json[n++] = '{', json[n++] = '"', json[n++] = 'k', json[n++] = '"', json[n++] = ':';
	json[n] = '\0';
	assert_int_equal(read_str(json, &b, err, sizeof err), RR_EDATA);
	assert_non_null(strstr(err, "nesting deeper than 64"));
}

static void test_truncated(void **state)
{
	/* Every proper prefix of a valid document is an error, never RR_OK. */
	size_t len = strlen(REAL);
	struct baseline b;
	char err[256];
	(void)state;

	for (size_t n = 0; n < len - 1; n++) {   /* len - 1: the final '\n' is optional */
		int st = baseline_read_mem("t", REAL, n, &b, err, sizeof err);

		if (st != RR_EDATA)
			fail_msg("prefix of %zu bytes: status %d", n, st);
		assert_non_null(strstr(err, "t: offset "));
	}
	expect_error("{\"headline\": {\"calls\": 1}", RR_EDATA,
		     "offset 25: unexpected end of input, expected ',' or '}'");
	expect_error("{\"headline\": {\"calls\": 1}} {}", RR_EDATA,
		     "offset 27: unexpected '{', expected the end of input");
	expect_error("{\"headline\": {}, }", RR_EDATA, "expected a string key");
	expect_error("{\"headline\": {} \"x\": 1}", RR_EDATA, "expected ',' or '}'");
	expect_error("{\"headline\": {}, \"x\": [1,]}", RR_EDATA, "expected a value");
	expect_error("{\"headline\": {}, \"x\" 1}", RR_EDATA, "expected ':'");
	expect_error("{\"headline\": {}, 1: 1}", RR_EDATA, "expected a string key");
	expect_error("{'headline': {}}", RR_EDATA, "offset 1:");
	expect_error("{\"headline\": {}, \"x\": nul}", RR_EDATA, "invalid literal, expected 'null'");
	expect_error("{\"headline\": {}, \"x\": True}", RR_EDATA, "unexpected 'T'");
}

static void test_strings(void **state)
{
	struct baseline b;
	char err[256];
	(void)state;

	/* Valid escapes, a surrogate pair, raw UTF-8. */
	assert_int_equal(read_str("{\"generator\": \"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041"
				  "\\ud83d\\ude00\xe6\x88\xbf\", \"headline\": {}}",
				  &b, err, sizeof err), RR_OK);
	assert_string_equal(b.generator, "a\"\\/\b\f\n\r\tA\xf0\x9f\x98\x80\xe6\x88\xbf");
	expect_error("{\"headline\": {}, \"x\": \"\\x\"}", RR_EDATA, "offset 23: bad escape '\\x'");
	expect_error("{\"headline\": {}, \"x\": \"\\u12\"}", RR_EDATA,
		     "bad \\u escape: expected 4 hex digits");
	expect_error("{\"headline\": {}, \"x\": \"\\uD800\"}", RR_EDATA,
		     "offset 23: high surrogate not followed by a low surrogate");
	expect_error("{\"headline\": {}, \"x\": \"\\uD800\\u0041\"}", RR_EDATA,
		     "high surrogate not followed by a low surrogate");
	expect_error("{\"headline\": {}, \"x\": \"\\uDC00\"}", RR_EDATA, "lone low surrogate");
	expect_error("{\"headline\": {}, \"x\": \"a\tb\"}", RR_EDATA,
		     "offset 24: control character in a string");
	expect_error("{\"headline\": {}, \"x\": \"\xff\"}", RR_EDATA, "offset 23: invalid UTF-8");
	expect_error("{\"headline\": {}, \"x\": \"\xc0\xaf\"}", RR_EDATA, "invalid UTF-8");
	expect_error("{\"headline\": {}, \"x\": \"\xed\xa0\x80\"}", RR_EDATA, "invalid UTF-8");
	expect_error("{\"headline\": {}, \"x\": \"\xe6\x88\"}", RR_EDATA, "invalid UTF-8");
	expect_error("{\"headline\": {}, \"x\": \"abc", RR_EDATA, "end of input in a string");
	expect_error("{\"headline\": {}, \"\\uZZZZ\": 1}", RR_EDATA, "bad \\u escape");

	/* The generator is cut to fit, never inside a UTF-8 sequence. */
	{
		char json[400];
		size_t n = (size_t)snprintf(json, sizeof json, "{\"headline\": {}, \"generator\": \"");

		for (int i = 0; i < 40; i++)
			n += (size_t)snprintf(json + n, sizeof json - n, "\xe6\x88\xbf");
		snprintf(json + n, sizeof json - n, "\"}");
		assert_int_equal(read_str(json, &b, err, sizeof err), RR_OK);
		assert_int_equal(strlen(b.generator), 63);   /* 21 whole characters */
		assert_true(utf8_valid(b.generator, strlen(b.generator)));
	}
}

static void test_numbers(void **state)
{
	struct baseline b;
	char err[256];
	(void)state;

	/* Outside the headline any valid number passes, however large. */
	assert_int_equal(read_str("{\"headline\": {\"calls\": 9223372036854775807,"
				  " \"kicks_pm\": -9223372036854775807, \"users\": -0},"
				  " \"x\": [123456789012345678901234567890, 1e999999, -0.0, 0E-0]}",
				  &b, err, sizeof err), RR_OK);
	assert_int_equal(b.value[HL_CALLS], INT64_MAX);
	assert_int_equal(b.value[HL_KICKS_PM], -INT64_MAX);
	assert_int_equal(b.value[HL_USERS], 0);
	expect_error("{\"headline\": {\"calls\": 9223372036854775808}}", RR_EDATA,
		     "offset 23: headline \"calls\": number out of range");
	expect_error("{\"headline\": {\"calls\": -9223372036854775808}}", RR_EDATA,
		     "number out of range");
	expect_error("{\"headline\": {\"calls\": 1.5}}", RR_EDATA,
		     "offset 23: headline \"calls\": not an integer");
	expect_error("{\"headline\": {\"calls\": 1e3}}", RR_EDATA, "not an integer");
	expect_error("{\"headline\": {\"calls\": \"12\"}}", RR_EDATA, "not an integer or null");
	expect_error("{\"headline\": {\"calls\": true}}", RR_EDATA, "not an integer or null");
	expect_error("{\"headline\": {\"calls\": 012}}", RR_EDATA, "unexpected '1'");
	expect_error("{\"headline\": {}, \"x\": -}", RR_EDATA, "expected a digit");
	expect_error("{\"headline\": {}, \"x\": 1.}", RR_EDATA, "a digit after '.'");
	expect_error("{\"headline\": {}, \"x\": .5}", RR_EDATA, "unexpected '.'");
	expect_error("{\"headline\": {}, \"x\": 1e}", RR_EDATA, "a digit in the exponent");
	expect_error("{\"headline\": {}, \"x\": +1}", RR_EDATA, "unexpected '+'");
	expect_error("{\"headline\": {}, \"x\": NaN}", RR_EDATA, "unexpected 'N'");
}

static void test_duplicate_headline(void **state)
{
	/* The last "headline" wins as a whole. */
	struct baseline b;
	char err[256];
	(void)state;

	assert_int_equal(read_str("{\"headline\": {\"calls\": 1, \"users\": 2},"
				  " \"headline\": {\"calls\": 3}}", &b, err, sizeof err), RR_OK);
	assert_int_equal(b.value[HL_CALLS], 3);
	assert_int_equal(b.have[HL_USERS], 0);
}

/* The keys read here are the keys the report gives its figures, and a JSON
 * written by json_write reads back as the figures it was written from. */
static void test_roundtrip_json_write(void **state)
{
	struct catalog *cat;
	struct dataset ds;
	struct decode_stats dec;
	struct model m;
	struct report r;
	struct baseline b;
	struct tz *z;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	assert_int_equal(tz_open("UTC", &z, err, sizeof err), RR_OK);
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	memset(&m, 0, sizeof m);
	memset(&dec, 0, sizeof dec);
	assert_int_equal(report_build(&ds, &m, &dec, cat, z, &r), RR_OK);
	for (int k = 0; k < HL__COUNT; k++) {
		char doc[200];

		assert_non_null(r.headline[k].key);
		snprintf(doc, sizeof doc, "{\"headline\": {\"%s\": %d}}", r.headline[k].key, k + 1);
		assert_int_equal(read_str(doc, &b, err, sizeof err), RR_OK);
		for (int j = 0; j < HL__COUNT; j++)
			assert_int_equal(b.have[j], j == k);
		assert_int_equal(b.value[k], k + 1);
		/* Distinct values for the writer, one absent. */
		r.headline[k].value = k == HL_FIRST_FRAME_P50 ? RR_NONE : 1000 * k - 7;
	}
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(json_write(&r, f), RR_OK);
	fclose(f);
	if (read_str(buf, &b, err, sizeof err) != RR_OK)
		fail_msg("json_write output not read back: %s", err);
	for (int k = 0; k < HL__COUNT; k++) {
		if (k == HL_FIRST_FRAME_P50) {
			assert_int_equal(b.have[k], 0);
			continue;
		}
		if (!b.have[k])
			fail_msg("headline \"%s\" missing from json_write's output", r.headline[k].key);
		assert_int_equal(b.value[k], 1000 * k - 7);
	}
	assert_true(strncmp(b.generator, "roomreport ", 11) == 0);
	free(buf);
	report_free(&r);
	dataset_free(&ds);
	catalog_free(cat);
	tz_free(z);
}

/* ---- days ---- */

/* Two days as json.c writes them (trimmed of nothing), one with nulls. */
static const char DAYS[] =
	"{\"headline\": {\"calls\": 1}, \"days\": ["
	"{\"date\":\"2025-11-10\",\"calls\":28,\"sessions\":113,\"users\":102,\"user_ms\":5,"
	"\"entered\":103,\"entry_observed\":110,\"entry_failed\":4,\"timeouts\":7,\"kicks\":1,"
	"\"no_exit\":0,\"entry_success_pm\":945,\"entry_within_5s_pm\":917,"
	"\"entry_latency_ms\":{\"n\":103,\"p50\":1600,\"p95\":6500},"
	"\"first_frame_ms\":{\"n\":90,\"p50\":2400,\"p95\":9000},"
	"\"abnormal_experiences\":3,\"abnormal_experiences_per_100_x10\":27,"
	"\"abnormal_experiences_sampled\":true,\"partial\":true},"
	"{\"date\":\"2025-11-11\",\"calls\":0,\"sessions\":0,\"entry_success_pm\":null,"
	"\"entry_latency_ms\":{\"n\":0,\"p50\":null,\"p95\":null},"
	"\"abnormal_experiences_per_100_x10\":null,\"partial\":false}]}";

static void test_days_real(void **state)
{
	static struct baseline b;
	char err[256];
	(void)state;

	assert_int_equal(read_str(DAYS, &b, err, sizeof err), RR_OK);
	assert_int_equal(b.ndays, 2);
	assert_int_equal(b.days_total, 2);
	assert_string_equal(b.days[0].date, "2025-11-10");
	assert_int_equal(b.days[0].day_no, 20402);
	assert_int_equal(b.days[0].calls, 28);
	assert_int_equal(b.days[0].sessions, 113);
	assert_int_equal(b.days[0].timeouts, 7);
	assert_int_equal(b.days[0].entry_failed, 4);
	assert_int_equal(b.days[0].entry_success_pm, 945);
	assert_int_equal(b.days[0].latency_p50, 1600);     /* not first_frame's */
	assert_int_equal(b.days[0].latency_p95, 6500);
	assert_int_equal(b.days[0].experiences_per_100_x10, 27);
	assert_int_equal(b.days[0].partial, 1);
	assert_int_equal(b.days[1].day_no, 20403);
	assert_int_equal(b.days[1].calls, 0);
	assert_int_equal(b.days[1].entry_success_pm, RR_NONE);
	assert_int_equal(b.days[1].latency_p50, RR_NONE);
	assert_int_equal(b.days[1].timeouts, RR_NONE);         /* left out */
	assert_int_equal(b.days[1].experiences_per_100_x10, RR_NONE);
	assert_int_equal(b.days[1].partial, 0);
	/* An older run's days: no "partial"; no days at all; an empty list. */
	assert_int_equal(read_str("{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\"}]}",
				  &b, err, sizeof err), RR_OK);
	assert_int_equal(b.ndays, 1);
	assert_int_equal(b.days[0].partial, -1);
	assert_int_equal(b.days[0].calls, RR_NONE);
	assert_int_equal(read_str("{\"headline\": {}}", &b, err, sizeof err), RR_OK);
	assert_int_equal(b.ndays, 0);
	assert_int_equal(read_str("{\"headline\": {}, \"days\": []}", &b, err, sizeof err), RR_OK);
	assert_int_equal(b.ndays, 0);
	/* "days" elsewhere than at the top is not the run's days. */
	assert_int_equal(read_str("{\"headline\": {}, \"x\": {\"days\": [{\"date\": 5}]}}", &b,
				  err, sizeof err), RR_OK);
	assert_int_equal(b.ndays, 0);
	/* Given twice: the last array wins as a whole. */
	assert_int_equal(read_str("{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\"},"
				  "{\"date\": \"2025-11-11\"}], \"days\": [{\"date\": \"2025-11-12\","
				  "\"calls\": 5}]}", &b, err, sizeof err), RR_OK);
	assert_int_equal(b.ndays, 1);
	assert_int_equal(b.days[0].calls, 5);
}

static void test_days_malformed(void **state)
{
	static const struct { const char *json, *needle; } cases[] = {
		{ "{\"headline\": {}, \"days\": {}}", "\"days\" is not an array" },
		{ "{\"headline\": {}, \"days\": null}", "\"days\" is not an array" },
		{ "{\"headline\": {}, \"days\": [1]}", "days[0]: not an object" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\"}, []]}",
		  "days[1]: not an object" },
		{ "{\"headline\": {}, \"days\": [{\"calls\": 1}]}", "days[0]: no \"date\"" },
		{ "{\"headline\": {}, \"days\": [{\"date\": 20251110}]}",
		  "days[0] \"date\": not a string" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-02-30\"}]}",
		  "days[0] \"date\": not a YYYY-MM-DD date" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10T00:00\"}]}",
		  "not a YYYY-MM-DD date" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"<script>\"}]}", "not a YYYY-MM-DD date" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", \"calls\": \"9\"}]}",
		  "days[0] \"calls\": not an integer or null" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", \"sessions\": 1.5}]}",
		  "days[0] \"sessions\": not an integer" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", "
		  "\"timeouts\": 99999999999999999999}]}", "number out of range" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", \"partial\": 1}]}",
		  "days[0] \"partial\": not true, false or null" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", "
		  "\"entry_latency_ms\": 5}]}", "\"entry_latency_ms\": not an object" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", "
		  "\"entry_latency_ms\": {\"p50\": true}}]}", "\"p50\": not an integer or null" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\", \"calls\": 1",
		  "unexpected end of input" },
		{ "{\"headline\": {}, \"days\": [{\"date\": \"2025-11-10\"} {}]}", "expected ',' or ']'" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_error(cases[i].json, RR_EDATA, cases[i].needle);
}

/* More days than kept: the last BASELINE_DAYS in the file's order. */
static void test_days_many(void **state)
{
	static struct baseline b;
	size_t total = BASELINE_DAYS + 100, cap = total * 64 + 64, o = 0;
	char *json = malloc(cap), err[256];
	(void)state;

	assert_non_null(json);
	o += (size_t)snprintf(json + o, cap - o, "{\"headline\": {}, \"days\": [");
	for (size_t i = 0; i < total; i++) {
		char date[32];

		/* Days from 2020-01-01 on (day 18262). */
		int64_t dn = 18262 + (int64_t)i, z = dn + 719468, era = z / 146097;
		int64_t doe = z - era * 146097;
		int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
		int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;

		snprintf(date, sizeof date, "%04d-%02d-%02d", (int)(yoe + era * 400 + (m <= 2)),
			 (int)m, (int)d);
		o += (size_t)snprintf(json + o, cap - o, "%s{\"date\":\"%s\",\"calls\":%zu}",
				      i ? "," : "", date, i);
	}
	snprintf(json + o, cap - o, "]}");
	assert_int_equal(read_str(json, &b, err, sizeof err), RR_OK);
	assert_int_equal(b.days_total, total);
	assert_int_equal(b.ndays, BASELINE_DAYS);
	for (size_t k = 0; k < BASELINE_DAYS; k++) {
		assert_int_equal(b.days[k].calls, (int64_t)(100 + k));
		assert_int_equal(b.days[k].day_no, 18262 + 100 + (int64_t)k);
	}
	free(json);
}

/* Breakdown rows: key, sessions and rates kept per dimension; the row's
 * own "baseline" object, unknown dimensions, non-object elements, rates
 * of the wrong type and keys too long to keep are skipped or left unset. */
static void test_breakdown_rows(void **state)
{
	static char doc[2048];
	char longkey[200], err[256];
	struct baseline b;
	const struct baseline_bd_row *row;
	(void)state;

	memset(longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	snprintf(doc, sizeof doc,
		 "{\"headline\": {\"calls\": 1}, \"breakdowns\": {"
		 "\"platform\": [{\"key\": \"sdk\", \"sessions\": 2000, \"timeouts_pm\": 66,"
		 " \"entry_latency_p50_ms\": 2298, \"first_frame_p50_ms\": null,"
		 " \"entry_success_pm\": 1.5, \"baseline\": {\"timeouts\": 9, \"figures\": {\"timeouts_pm\":"
		 " {\"previous\": 3}}}, \"entry_latency_ms\": {\"p50\": 9}}, 5, [1, {\"key\": \"x\"}]],"
		 "\"carrier\": [{\"key\": \"sdk\", \"timeouts_pm\": 1}],"
		 "\"sdk_version\": [{\"key\": \"11.5.0\", \"timeouts_pm\": 75, \"sessions\": 5787,"
		 " \"timeouts\": 433, \"kicks\": -1, \"no_exit\": 2.5, \"entered\": 5500,"
		 " \"entry_observed\": 5787, \"entry_latency_ms\": {\"p50\": 9, \"n\": 5400}},"
		 " {\"key\": \"%s\", \"timeouts_pm\": 1}, {\"key\": 7, \"timeouts_pm\": 2}],"
		 "\"network\": []}}", longkey);
	assert_int_equal(read_str(doc, &b, err, sizeof err), RR_OK);
	assert_int_equal(b.nbd, 4);   /* sdk, 11.5.0, the long key, key 7 */
	row = baseline_bd_find(&b, BDIM_PLATFORM, "sdk");
	assert_non_null(row);
	assert_int_equal(row->has_sessions, 1);
	assert_int_equal(row->sessions, 2000);
	assert_int_equal(row->have[BF_TIMEOUTS_PM], 1);
	assert_int_equal(row->value[BF_TIMEOUTS_PM], 66);
	assert_int_equal(row->value[BF_ENTRY_LATENCY_P50], 2298);
	assert_int_equal(row->have[BF_FIRST_FRAME_P50], 0);
	assert_int_equal(row->have[BF_ENTRY_SUCCESS_PM], 0);
	assert_int_equal(row->have[BF_KICKS_PM], 0);
	/* No counts: the nested "baseline" object's "timeouts" is not the row's;
	 * "entry_latency_ms" without "n". */
	for (int k = 0; k < BC__COUNT; k++)
		assert_int_equal(row->has_count[k], 0);
	assert_null(baseline_bd_find(&b, BDIM_PLATFORM, "x"));
	assert_null(baseline_bd_find(&b, BDIM_SDK, "sdk"));
	row = baseline_bd_find(&b, BDIM_SDK, "11.5.0");
	assert_non_null(row);
	assert_int_equal(row->sessions, 5787);
	assert_int_equal(row->value[BF_TIMEOUTS_PM], 75);
	/* The counts the breakdown marks test with; not counts left unset. */
	assert_int_equal(row->has_count[BC_TIMEOUTS], 1);
	assert_int_equal(row->count[BC_TIMEOUTS], 433);
	assert_int_equal(row->count[BC_ENTERED], 5500);
	assert_int_equal(row->count[BC_ENTRY_OBSERVED], 5787);
	assert_int_equal(row->has_count[BC_LATENCY_N], 1);
	assert_int_equal(row->count[BC_LATENCY_N], 5400);
	assert_int_equal(row->has_count[BC_KICKS], 0);
	assert_int_equal(row->has_count[BC_NO_EXIT], 0);
	assert_int_equal(row->has_count[BC_ENTRY_FAILED], 0);
	assert_null(baseline_bd_find(&b, BDIM_SDK, longkey));
	assert_null(baseline_bd_find(&b, BDIM_SDK, ""));
	assert_null(baseline_bd_find(NULL, BDIM_SDK, "11.5.0"));
	/* An old run's JSON without rates, or without breakdowns. */
	assert_int_equal(read_str("{\"headline\": {}, \"breakdowns\": {\"device\": [{\"key\": \"a\","
				  " \"sessions\": 3}]}}", &b, err, sizeof err), RR_OK);
	row = baseline_bd_find(&b, BDIM_DEVICE, "a");
	assert_non_null(row);
	for (int f = 0; f < BF__COUNT; f++)
		assert_int_equal(row->have[f], 0);
	assert_int_equal(read_str(REAL, &b, err, sizeof err), RR_OK);
	assert_int_equal(b.nbd, 0);
}

/* More rows than BASELINE_BD_ROWS: the first ones are kept. */
static void test_breakdown_rows_bounded(void **state)
{
	size_t cap = 64 + 40 * (BASELINE_BD_ROWS + 10), len;
	char *doc = malloc(cap), err[256];
	struct baseline b;
	(void)state;

	assert_non_null(doc);
	len = (size_t)snprintf(doc, cap, "{\"headline\": {}, \"breakdowns\": {\"device\": [");
	for (int i = 0; i < BASELINE_BD_ROWS + 10; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%s{\"key\": \"d%d\"}", i ? "," : "", i);
	snprintf(doc + len, cap - len, "]}}");
	assert_int_equal(read_str(doc, &b, err, sizeof err), RR_OK);
	assert_int_equal(b.nbd, BASELINE_BD_ROWS);
	assert_non_null(baseline_bd_find(&b, BDIM_DEVICE, "d0"));
	snprintf(err, sizeof err, "d%d", BASELINE_BD_ROWS - 1);
	assert_non_null(baseline_bd_find(&b, BDIM_DEVICE, err));
	snprintf(err, sizeof err, "d%d", BASELINE_BD_ROWS);
	assert_null(baseline_bd_find(&b, BDIM_DEVICE, err));
	free(doc);
}

/* json_write's breakdown rows read back with their rates. */
/* The counts and histograms of the row test_breakdown_roundtrip writes
 * (json, as json_write made it), and the same with the bins' edges, a
 * histogram or the edges' array spoiled: the histograms are then not
 * kept, and nothing else changes. */
static void bd_counts_hists(const char *json)
{
	static const struct { const char *from, *to; int latency, first_frame; } t[] = {
		{ NULL, NULL, 1, 1 },
		{ "\"breakdown_bins_ms\":[0,50,", "\"breakdown_bins_ms\":[0,51,", 0, 0 },
		{ "\"breakdown_bins_ms\":[0,50,", "\"breakdown_bins_ms\":[0,\"x\",", 0, 0 },
		{ "\"breakdown_bins_ms\":[0,50,", "\"other_bins\":[0,50,", 0, 0 },
		{ ",120000],", ",120000,125000],", 0, 0 },
		{ "\"entry_latency_hist\":[5,", "\"entry_latency_hist\":[-5,", 0, 1 },
		{ "\"entry_latency_hist\":[5,", "\"entry_latency_hist\":[null,", 0, 1 },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct baseline *b = calloc(1, sizeof *b);
		const struct baseline_bd_row *got;
		char err[256], *buf = strdup(json), *at;

		assert_true(b && buf);
		if (t[i].from) {
			at = strstr(json, t[i].from);
			assert_non_null(at);
			free(buf);
			buf = malloc(strlen(json) + strlen(t[i].to) + 1);
			assert_non_null(buf);
			memcpy(buf, json, (size_t)(at - json));
			strcpy(buf + (at - json), t[i].to);
			strcat(buf, at + strlen(t[i].from));
		}
		print_message("case %zu\n", i);
		assert_int_equal(read_str(buf, b, err, sizeof err), RR_OK);
		got = baseline_bd_find(b, BDIM_SDK, "11.5.0");
		assert_non_null(got);
		assert_true(got->has_count[BC_FAST] && got->count[BC_FAST] == 6000);
		assert_true(got->has_count[BC_LATENCY_N] && got->count[BC_LATENCY_N] == 6100);
		assert_true(got->has_count[BC_FIRST_FRAME_N] && got->count[BC_FIRST_FRAME_N] == 77);
		assert_int_equal(got->has_hist[BH_LATENCY], t[i].latency);
		assert_int_equal(got->has_hist[BH_FIRST_FRAME], t[i].first_frame);
		if (t[i].latency) {
			assert_int_equal(got->hist[BH_LATENCY][0], 5);
			assert_int_equal(got->hist[BH_LATENCY][40], 6095);
			assert_int_equal(got->hist[BH_LATENCY][41], 0);
		} else {
			assert_int_equal(got->hist[BH_LATENCY][40], 0);
		}
		if (t[i].first_frame)
			assert_int_equal(got->hist[BH_FIRST_FRAME][REPORT_BD_BINS - 1], 77);
		free(buf);
		free(b);
	}
}

static void test_breakdown_roundtrip(void **state)
{
	struct catalog *cat;
	struct dataset ds;
	struct decode_stats dec;
	struct model m;
	struct report r;
	struct baseline b;
	struct breakdown row;
	const struct baseline_bd_row *got;
	struct tz *z;
	char err[256], *buf = NULL, key[] = "11.5.0";
	size_t len = 0;
	FILE *f;
	(void)state;

	assert_int_equal(tz_open("UTC", &z, err, sizeof err), RR_OK);
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	memset(&m, 0, sizeof m);
	memset(&dec, 0, sizeof dec);
	assert_int_equal(report_build(&ds, &m, &dec, cat, z, &r), RR_OK);
	memset(&row, 0, sizeof row);
	row.key = key;
	row.sessions = 6664;
	for (int k = 0; k < BF__COUNT; k++)
		row.value[k] = k == BF_KICKS_PM ? RR_NONE : 100 + k;
	row.fast = 6000;
	row.entry_latency.n = 6100;
	row.first_frame.n = 77;
	row.hist[BH_LATENCY][0] = 5;
	row.hist[BH_LATENCY][40] = 6095;
	row.hist[BH_FIRST_FRAME][REPORT_BD_BINS - 1] = 77;
	r.by_sdk = &row;
	r.nby_sdk = 1;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(json_write(&r, f), RR_OK);
	fclose(f);
	r.by_sdk = NULL;
	r.nby_sdk = 0;
	assert_int_equal(read_str(buf, &b, err, sizeof err), RR_OK);
	got = baseline_bd_find(&b, BDIM_SDK, "11.5.0");
	assert_non_null(got);
	assert_int_equal(got->sessions, 6664);
	for (int k = 0; k < BF__COUNT; k++) {
		assert_int_equal(got->have[k], k != BF_KICKS_PM);
		if (k != BF_KICKS_PM)
			assert_int_equal(got->value[k], 100 + k);
	}
	bd_counts_hists(buf);
	free(buf);
	report_free(&r);
	dataset_free(&ds);
	catalog_free(cat);
	tz_free(z);
}

/* "context" (what went with the exits), the top lists' items and the
 * period from the days: read as json.c writes them; an exit with a count
 * larger than its sessions, or one missing, has no previous counts; a
 * nested "context" or "top_events" elsewhere is not read; top items
 * without a table, id or count are left out. */
static void test_context_tops_period(void **state)
{
	static const char json[] =
		"{\"calls\": [{\"context\": {\"timeouts\": {\"sessions\": 1}},"
		" \"top_events\": {\"by_count\": [{\"table\": \"sdk\", \"id\": 9, \"count\": 1}]}}],"
		" \"days\": [{\"date\": \"2025-11-12\"}, {\"date\": \"2025-11-10\"},"
		" {\"date\": \"2025-11-16\"}],"
		" \"headline\": {\"sessions\": 2000},"
		" \"top_events\": {\"by_count\": [{\"table\": \"sdk\", \"id\": 7001, \"param_one\": 1,"
		" \"param_two\": -1, \"label\": \"x\", \"count\": 120, \"users\": 100},"
		" {\"table\": \"sdk\", \"id\": 4013, \"param_one\": null, \"param_two\": 1,"
		" \"count\": 7, \"users\": 2}, {\"id\": 5, \"count\": 1}],"
		" \"by_users\": [{\"table\": \"sdk\", \"id\": 1003, \"param_one\": 0,"
		" \"param_two\": -1, \"count\": 3.5}]},"
		" \"top_causes\": {\"by_count\": [{\"table\": \"realtime\", \"id\": 2003,"
		" \"param_one\": -1, \"param_two\": -1, \"count\": 40, \"users\": 30}],"
		" \"by_users\": []},"
		" \"context\": {\"window_ms\": 60000,"
		" \"timeouts\": {\"sessions\": 90, \"with\": {\"network_loss\": 4,"
		" \"network_change\": 6, \"background\": 1, \"device_or_permission\": 0,"
		" \"abnormal_experience\": 2, \"network\": 9, \"any\": 12}, \"none\": 78,"
		" \"baseline\": {\"sessions\": 5, \"with\": {\"network\": 99}}},"
		" \"kicks\": {\"sessions\": 3, \"with\": {\"network_loss\": 4,"
		" \"network_change\": 0, \"background\": 0, \"device_or_permission\": 0,"
		" \"abnormal_experience\": 0, \"network\": 4, \"any\": 4}},"
		" \"entry_failed\": {\"sessions\": 3, \"with\": {\"network_loss\": 0}}}}";
	static struct baseline b;
	const struct baseline_top *t;
	char err[256];

	(void)state;
	assert_int_equal(read_str(json, &b, err, sizeof err), RR_OK);
	assert_int_equal(b.first_day, report_day_of_date("2025-11-10"));
	assert_int_equal(b.last_day, report_day_of_date("2025-11-16"));
	assert_int_equal(b.has_context, 1);
	assert_int_equal(b.context[CX_TIMEOUT].has, 1);
	assert_int_equal(b.context[CX_TIMEOUT].sessions, 90);
	assert_int_equal(b.context[CX_TIMEOUT].with[CK_NETWORK], 9);
	assert_int_equal(b.context[CX_TIMEOUT].with[CK_ANY], 12);
	assert_int_equal(b.context[CX_KICKED].has, 0);          /* 4 of 3 */
	assert_int_equal(b.context[CX_ENTRY_FAILED].has, 0);    /* counts missing */
	assert_int_equal(b.ntops, 3);
	t = baseline_top_find(&b, 0, "sdk", 7001, 1, -1);
	assert_non_null(t);
	assert_int_equal(t->count, 120);
	assert_int_equal(t->users, 100);
	t = baseline_top_find(&b, 0, "sdk", 4013, RR_NONE, 1);
	assert_non_null(t);
	assert_int_equal(t->count, 7);
	assert_null(baseline_top_find(&b, 0, "sdk", 1003, 0, -1));   /* count 3.5 */
	assert_null(baseline_top_find(&b, 0, "sdk", 9, -1, -1));     /* nested */
	assert_null(baseline_top_find(&b, 1, "sdk", 7001, 1, -1));   /* not a cause */
	t = baseline_top_find(&b, 1, "realtime", 2003, -1, -1);
	assert_non_null(t);
	assert_int_equal(t->users, 30);
	/* No days: no period. */
	assert_int_equal(read_str("{\"headline\": {}}", &b, err, sizeof err), RR_OK);
	assert_int_equal(b.first_day, RR_NONE);
	assert_int_equal(b.last_day, RR_NONE);
	assert_int_equal(b.has_context, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_file_and_chunks),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_missing_headline),
		cmocka_unit_test(test_nested_junk_and_unknown_keys),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_duplicate_headline),
		cmocka_unit_test(test_roundtrip_json_write),
		cmocka_unit_test(test_days_real),
		cmocka_unit_test(test_days_malformed),
		cmocka_unit_test(test_days_many),
		cmocka_unit_test(test_breakdown_rows),
		cmocka_unit_test(test_breakdown_rows_bounded),
		cmocka_unit_test(test_breakdown_roundtrip),
		cmocka_unit_test(test_context_tops_period),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
