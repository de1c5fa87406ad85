/*
 * Tests for json, the JSON writer: a whole (empty) report against its
 * expected text; strings escaped for JSON and HTML (quotes, backslash,
 * control characters, <>&, U+2028/9) and read back by a small JSON reader
 * here to the bytes they were written from; null for absent (RR_NONE)
 * figures; the same bytes on one thread and on several, in chunks of any
 * size, also when memory runs short; write errors (/dev/full) returned as
 * RR_EIO.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "decode.h"
#include "json.h"
#include "report.h"
#include "sessions.h"
#include "strtab.h"
#include "kit.h"
#include "util.h"
#include "version.h"

static char *json_of(const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char *out;

	assert_non_null(f);
	assert_int_equal(json_write(r, f), RR_OK);
	assert_int_equal(fclose(f), 0);
	/* A copy: gcc -O3 takes the returned pointer for the address of the
	 * local `buf` (a false -Wdangling-pointer). */
	out = strdup(buf);
	free(buf);
	assert_non_null(out);
	return out;
}

static char *json_threads_of(const struct report *r, unsigned threads, unsigned chunk)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(json_write_threads(r, f, threads, chunk), RR_OK);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* One session of user in room: an entry at `at` and, 1000 + extra ms
 * later, the closing event `close` (5008 or 7001). Returns the record, so
 * that callers may add rows of their own to the session. */
static struct record add_session(struct dataset *ds, const char *room, const char *user,
				 int64_t at, int64_t extra, int32_t close)
{
	struct record rec;

	memset(&rec, 0, sizeof rec);
	rec.room = kit_intern(ds->strs, room);
	rec.user = kit_intern(ds->strs, user);
	rec.kind = REC_EVENT;
	rec.p2 = -1;
	rec.stream = -1;
	rec.time_ms = at;
	rec.id = 5001;
	rec.p1 = -1;
	assert_int_equal(dataset_append(ds, &rec), RR_OK);
	rec.time_ms += 1000 + extra;
	rec.id = close;
	rec.p1 = 1;
	assert_int_equal(dataset_append(ds, &rec), RR_OK);
	return rec;
}

/* Sessions go out through a cursor that makes room as it goes: every
 * string JSON or HTML needs escaped, a long id written in slices with a
 * U+2028 across the first cut, absent and extreme numbers, findings and
 * experiences; the same bytes on one thread and on three with small
 * chunks (room made while a chunk waits for its turn). */
static void test_json_session_cursor(void **state)
{
	static const char *const hostile[] = {
		"plain", "q\"uote", "back\\slash", "new\nline\r\t", "<b>&amp;</b>",
		"\x01\x1f\x7f", "line\xe2\x80\xa8sep\xe2\x80\xa9", "\xe2\x80\xa7 \xe2\x82\xac",
		"\xe2", "caf\xc3\xa9", "",
	};
	static const int64_t nums[] = {
		0, 9, 10, 99, 100, 12345, -1, -10, -100, INT64_MAX, INT64_MIN + 1, RR_NONE,
		1795136400123,
	};
	const size_t nh = sizeof hostile / sizeof hostile[0], nn = sizeof nums / sizeof nums[0];
	struct sessions_options so;
	struct decode_stats dec;
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	char *three, *one, *longid = malloc(12001);
	int64_t t = 1795136400000;

	(void)state;
	assert_non_null(longid);
	/* 12000 bytes: past the cursor's bound, and written by the one
	 * way in slices of 10922 bytes, with a U+2028 across the first cut. */
	memset(longid, 'x', 12000);
	longid[12000] = '\0';
	longid[7] = '"';
	memcpy(longid + 10921, "\xe2\x80\xa8", 3);
	memset(longid + 10924, 'y', 12000 - 10924);
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < 300; i++) {
		char room[32], user[64];
		struct record rec;

		snprintf(room, sizeof room, "r%s%d", hostile[i % nh], i % 7);
		snprintf(user, sizeof user, "%s%d", hostile[(i + 3) % nh], i);
		/* Timed out or kicked: findings. */
		rec = add_session(&ds, room, i == 150 ? longid : user,
				  t + (int64_t)(i % 13) * 60000, i, i % 3 ? 5008 : 7001);
		if (i % 10 == 0) {
			rec.kind = REC_ABNORMAL;
			rec.id = 1;
			rec.p1 = 1005;
			rec.time_ms -= 500;
			assert_int_equal(dataset_append(&ds, &rec), RR_OK);
		}
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(decode_scan(&ds, cat, &dec), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&ds, cat, &so, &m), RR_OK);
	assert_int_equal(m.nsessions, 300);
	assert_true(m.nfindings > 100);
	assert_true(m.nexperiences > 0);
	/* What the users file would add, and numbers of every shape. */
	for (uint32_t i = 0; i < m.nsessions; i++) {
		struct session *x = &m.sessions[i];

		x->device = i % 4 ? kit_intern(ds.strs, hostile[i % nh]) : 0;
		x->sdk = i % 5 ? kit_intern(ds.strs, hostile[(i + 1) % nh]) : 0;
		x->ip = i % 6 ? kit_intern(ds.strs, hostile[(i + 2) % nh]) : 0;
		x->entry_latency_ms = nums[i % nn];
		x->first_frame_ms = nums[(i + 1) % nn];
		x->last_seen_ms = nums[(i + 2) % nn];
		x->outage_ms = nums[(i + 3) % nn];
		x->background_ms = nums[(i + 4) % nn];
		x->reentries = (uint32_t)nums[(i + 5) % nn];
		x->start_observed = i % 2;
		x->entered = i % 3 != 0;
		x->entry_observed = x->entered || i % 4 != 2;
	}
	assert_int_equal(report_build(&ds, &m, &dec, cat, NULL, &r), RR_OK);
	one = json_threads_of(&r, 1, 0);
	three = json_threads_of(&r, 3, 7);
	assert_string_equal(three, one);
	assert_true(strlen(one) > 100000);
	{
		static const char *const want[] = {
			"\"device\":\"\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e\"",
			"\\u2028sep\\u2029", "\"q\\\"uote", "\"back\\\\slash", "\"new\\nline\\r\\t",
			"\"\\u0001\\u001f\\u007f", "\"\xe2\x80\xa7 \xe2\x82\xac", "\"caf\xc3\xa9",
			"\"device\":null,\"sdk_version\":null,",
			"\"entry_latency_ms\":-9223372036854775807,",
			"\"outage_ms\":9223372036854775807,", "\"first_frame_ms\":null,",
			"\"last_seen_ms\":-100,", "\"background_ms\":12345,",
			"\"start_observed\":false,\"entered\":false,",
			"\"start_observed\":false,\"entered\":null,",
			"\"abnormal_experiences\":[{\"time_ms\":",
			"\"findings\":[{\"code\":\"", "\"abnormal_experiences\":[]}",
		};

		for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
			if (!strstr(one, want[k]))
				fail_msg("missing in JSON: %s", want[k]);
	}
	{
		char *want = malloc(12100), *q = want;

		assert_non_null(want);
		q += sprintf(q, "\"user_id\":\"xxxxxxx\\\"");
		memset(q, 'x', 10921 - 8);
		q += 10921 - 8;
		q += sprintf(q, "\\u2028");
		memset(q, 'y', 12000 - 10924);
		q += 12000 - 10924;
		strcpy(q, "\",");
		assert_non_null(strstr(one, want));
		free(want);
	}
	free(three);
	free(one);
	report_free(&r);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	catalog_free(cat);
	free(longid);
}

/* The calls formatted on several threads, in chunks of any size, give the
 * bytes of one thread; so they do when a chunk's buffer cannot grow (an
 * allocation failing: its thread waits for its turn and writes as it goes)
 * and when threads or buffers cannot be had at all. */
static void test_json_threads(void **state)
{
	static const unsigned chunks[] = { 1, 2, 3, 7, 150, 400, 100000 };
	struct sessions_options so;
	struct decode_stats dec;
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	char *one, *js;
	int64_t t = 1795136400000;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < 1200; i++) {
		char room[16], user[16];

		snprintf(room, sizeof room, "room<%d>", i % 37);
		snprintf(user, sizeof user, "u%d", i);
		add_session(&ds, room, user, t + (int64_t)(i % 91) * 60000, i, i % 5 ? 5008 : 7001);
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(decode_scan(&ds, cat, &dec), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&ds, cat, &so, &m), RR_OK);
	assert_int_equal(m.nsessions, 1200);
	assert_int_equal(report_build(&ds, &m, &dec, cat, NULL, &r), RR_OK);
	one = json_threads_of(&r, 1, 0);
	assert_true(strlen(one) > 300000);
	assert_non_null(strstr(one, "\"label\":\"Left room: timed out\""));
	for (unsigned t = 1; t <= 4; t++)
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
			js = json_threads_of(&r, t, chunks[c]);
			assert_string_equal(js, one);
			free(js);
		}
	for (unsigned long n = 1; n < 12; n++) {
		rr_alloc_fail_at(n);
		js = json_threads_of(&r, 3, 400);
		rr_alloc_fail_at(0);
		assert_string_equal(js, one);
		free(js);
	}
	js = json_of(&r);
	assert_string_equal(js, one);
	free(js);
	report_free(&r);

	/* Neither the report nor the JSON reads the records: a caller may
	 * release them once the model and decode's counts exist. */
	{
		struct dataset bare = ds;

		bare.recs = NULL;
		assert_int_equal(report_build(&bare, &m, &dec, cat, NULL, &r), RR_OK);
		js = json_threads_of(&r, 2, 100);
		assert_string_equal(js, one);
		free(js);
		report_free(&r);
	}
	free(one);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	catalog_free(cat);
}

/* ---- a small JSON reader, to read the output back ---- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;

		if (d > 15)
			return 0;
		*v = *v * 16 + d;
	}
	return 1;
}

/* A JSON string at p (at its opening quote): its bytes go to out (when not
 * NULL; UTF-8 for \u escapes, no surrogate pairs needed here), *n gets
 * their count. Returns the end of the string, or NULL when it is not
 * valid JSON (a raw control character included). */
static const char *read_string(const char *p, char *out, size_t *n)
{
	size_t k = 0;

	if (*p++ != '"')
		return NULL;
	for (;;) {
		unsigned char c = (unsigned char)*p++;
		unsigned v;

		if (c == '"')
			break;
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			if (out)
				out[k] = (char)c;
			k++;
			continue;
		}
		c = (unsigned char)*p++;
		switch (c) {
		case '"': case '\\': case '/': v = c; break;
		case 'n': v = '\n'; break;
		case 'r': v = '\r'; break;
		case 't': v = '\t'; break;
		case 'b': v = '\b'; break;
		case 'f': v = '\f'; break;
		case 'u':
			if (!hex4(p, &v))
				return NULL;
			p += 4;
			break;
		default:
			return NULL;
		}
		if (v < 0x80) {
			if (out)
				out[k] = (char)v;
			k++;
		} else if (v < 0x800) {
			if (out) {
				out[k] = (char)(0xC0 | v >> 6);
				out[k + 1] = (char)(0x80 | (v & 63));
			}
			k += 2;
		} else {
			if (out) {
				out[k] = (char)(0xE0 | v >> 12);
				out[k + 1] = (char)(0x80 | ((v >> 6) & 63));
				out[k + 2] = (char)(0x80 | (v & 63));
			}
			k += 3;
		}
	}
	if (n)
		*n = k;
	return p;
}

/* One JSON value at p; returns its end or NULL. */
static const char *read_value(const char *p, int depth)
{
	p = ws(p);
	if (depth > 64)
		return NULL;
	if (*p == '"')
		return read_string(p, NULL, NULL);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		p = ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (!(p = read_string(ws(p), NULL, NULL)))
					return NULL;
				p = ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = read_value(p, depth + 1)))
				return NULL;
			p = ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		const char *s = p;

		if (*p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		if (*p == '0' && p[1] >= '0' && p[1] <= '9')
			return NULL;     /* no leading zeros */
		while (*p >= '0' && *p <= '9')
			p++;
		return p > s ? p : NULL;   /* the writer writes integers only */
	}
	for (size_t i = 0; i < 3; i++) {
		static const char *const lit[] = { "true", "false", "null" };
		size_t n = strlen(lit[i]);

		if (strncmp(p, lit[i], n) == 0)
			return p + n;
	}
	return NULL;
}

/* 1 when text is exactly one JSON value (and a line end). */
static int valid_json(const char *text)
{
	const char *p = read_value(text, 0);

	return p && *ws(p) == '\0';
}

/* The reader itself, so that a test passing through it means something. */
static void test_reader_refuses(void **state)
{
	static const struct {
		const char *text;
		int ok;
	} cases[] = {
		{ "{}", 1 }, { "[1,-2,0,\"a\\u00e9\",true,false,null]", 1 },
		{ "{\"a\":{\"b\":[]}}\n", 1 }, { "{\"a\":1,}", 0 }, { "[01]", 0 },
		{ "\"raw\ttab\"", 0 }, { "\"bad \\x escape\"", 0 }, { "{\"a\" 1}", 0 },
		{ "[1] [2]", 0 }, { "nul", 0 }, { "\"unterminated", 0 }, { "[1.5]", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("%s\n", cases[i].text);
		assert_int_equal(valid_json(cases[i].text), cases[i].ok);
	}
}

/* ---- the tests ---- */

static struct report *empty_report(struct dataset *ds, struct model *m,
				   struct decode_stats *dec, struct report *r)
{
	memset(m, 0, sizeof *m);
	memset(dec, 0, sizeof *dec);
	assert_int_equal(dataset_init(ds), RR_OK);
	assert_int_equal(dataset_finish(ds), RR_OK);
	assert_int_equal(report_build(ds, m, dec, NULL, NULL, r), RR_OK);
	return r;
}

/* A report of nothing, every member of the document in its order. */
static void test_empty_report(void **state)
{
	static const char want[] =
		"{\"generator\":\"roomreport " RR_VERSION "\",\"tz\":\"UTC\",\"title\":null,\"selected_users\":[],"
		"\"input\":{\"rows\":0,\"used\":0,\"filtered\":0,\"rejected\":0,\"duplicates\":0,"
		"\"events\":0,\"abnormal\":0,\"users\":0,\"rooms\":0,\"quality\":0,"
		"\"unmatched\":{\"users\":0,\"rooms\":0,\"quality\":0},\"unmatched_examples\":[],"
		"\"unknown_ids\":0,\"files\":[],\"file_details\":[],\"rejected_by_reason\":{\"ragged_row\":0,"
		"\"bad_quote\":0,\"field_too_long\":0,\"invalid_utf8\":0,\"nul_byte\":0,"
		"\"bad_id\":0,\"bad_param\":0,\"out_of_range\":0,\"bad_time\":0,"
		"\"missing_value\":0,\"cut_off\":0},\"rejected_examples\":[],\"unknown\":[],\"notes\":[]},"
		"\"totals\":{\"calls\":0,\"rooms\":0,\"users\":0,\"sessions\":0,\"entered\":0,"
		"\"entry_observed\":0,\"exits\":{\"normal\":0,\"timeout\":0,\"kicked\":0,"
		"\"exit_failed\":0,\"entry_failed\":0,\"unknown\":0,\"ongoing\":0},"
		"\"entry_latency_ms\":{\"n\":0,\"p50\":null,\"p95\":null},"
		"\"abnormal_experiences\":0,\"abnormal_experiences_sampled\":true,\"ongoing\":0},"
		"\"calls\":[],\"unattached_experiences\":[],\"days\":[],"
		"\"headline\":{\"calls\":0,\"sessions\":0,\"users\":0,\"user_ms\":0,"
		"\"entry_success_pm\":null,\"entry_within_5s_pm\":null,"
		"\"entry_latency_p50_ms\":null,\"entry_latency_p95_ms\":null,"
		"\"first_frame_p50_ms\":null,\"timeouts_pm\":null,\"kicks_pm\":null,"
		"\"entry_failed_pm\":null,\"no_exit_pm\":null,"
		"\"abnormal_experiences_per_100_x10\":null},\"baseline\":null,\"changes\":null,"
		"\"standouts\":null,"
		"\"distributions\":{\"entry_latency\":["
		"{\"label\":\"0–1 s\",\"lo_ms\":0,\"count\":0},"
		"{\"label\":\"1–2 s\",\"lo_ms\":1000,\"count\":0},"
		"{\"label\":\"2–3 s\",\"lo_ms\":2000,\"count\":0},"
		"{\"label\":\"3–5 s\",\"lo_ms\":3000,\"count\":0},"
		"{\"label\":\"5–10 s\",\"lo_ms\":5000,\"count\":0},"
		"{\"label\":\"10–20 s\",\"lo_ms\":10000,\"count\":0},"
		"{\"label\":\"20–30 s\",\"lo_ms\":20000,\"count\":0},"
		"{\"label\":\"30 s+\",\"lo_ms\":30000,\"count\":0}],"
		"\"session_duration\":["
		"{\"label\":\"0–1 min\",\"lo_ms\":0,\"count\":0},"
		"{\"label\":\"1–5 min\",\"lo_ms\":60000,\"count\":0},"
		"{\"label\":\"5–15 min\",\"lo_ms\":300000,\"count\":0},"
		"{\"label\":\"15–30 min\",\"lo_ms\":900000,\"count\":0},"
		"{\"label\":\"30–60 min\",\"lo_ms\":1800000,\"count\":0},"
		"{\"label\":\"1–2 h\",\"lo_ms\":3600000,\"count\":0},"
		"{\"label\":\"2–4 h\",\"lo_ms\":7200000,\"count\":0},"
		"{\"label\":\"4 h+\",\"lo_ms\":14400000,\"count\":0}]},"
		"\"top_events\":{\"by_count\":[],\"by_users\":[]},"
		"\"top_causes\":{\"by_count\":[],\"by_users\":[]},"
		"\"context\":{\"window_ms\":60000,\"timeouts\":{\"sessions\":0,\"with\":{\"network_loss\":0,\"network_change\":0,\"background\":0,\"device_or_permission\":0,\"abnormal_experience\":0,\"network\":0,\"any\":0},\"none\":0,\"share_pm\":{\"network_loss\":null,\"network_change\":null,\"background\":null,\"device_or_permission\":null,\"abnormal_experience\":null,\"network\":null,\"any\":null,\"none\":null},\"network_pm\":{\"without\":null,\"with\":null},\"baseline\":null,\"rise\":null},\"kicks\":{\"sessions\":0,\"with\":{\"network_loss\":0,\"network_change\":0,\"background\":0,\"device_or_permission\":0,\"abnormal_experience\":0,\"network\":0,\"any\":0},\"none\":0,\"share_pm\":{\"network_loss\":null,\"network_change\":null,\"background\":null,\"device_or_permission\":null,\"abnormal_experience\":null,\"network\":null,\"any\":null,\"none\":null},\"network_pm\":{\"without\":null,\"with\":null},\"baseline\":null,\"rise\":null},\"entry_failed\":{\"sessions\":0,\"with\":{\"network_loss\":0,\"network_change\":0,\"background\":0,\"device_or_permission\":0,\"abnormal_experience\":0,\"network\":0,\"any\":0},\"none\":0,\"share_pm\":{\"network_loss\":null,\"network_change\":null,\"background\":null,\"device_or_permission\":null,\"abnormal_experience\":null,\"network\":null,\"any\":null,\"none\":null},\"network_pm\":{\"without\":null,\"with\":null},\"baseline\":null,\"rise\":null}},\"baselines\":[],"
		"\"worst_calls\":[],"
		"\"problem_users\":[],\"pages\":0,"
		"\"breakdown_bins_ms\":["
		"0,50,100,150,200,250,300,350,400,450,500,550,600,650,700,750,800,850,900,950,"
		"1000,1050,1100,1150,1200,1250,1300,1350,1400,1450,1500,1550,1600,1650,1700,1750,"
		"1800,1850,1900,1950,2000,2100,2200,2300,2400,2500,2600,2700,2800,2900,3000,3100,"
		"3200,3300,3400,3500,3600,3700,3800,3900,4000,4100,4200,4300,4400,4500,4600,4700,"
		"4800,4900,5000,5100,5200,5300,5400,5500,5600,5700,5800,5900,6000,6100,6200,6300,"
		"6400,6500,6600,6700,6800,6900,7000,7100,7200,7300,7400,7500,7600,7700,7800,7900,"
		"8000,8100,8200,8300,8400,8500,8600,8700,8800,8900,9000,9100,9200,9300,9400,9500,"
		"9600,9700,9800,9900,10000,10500,11000,11500,12000,12500,13000,13500,14000,14500,"
		"15000,15500,16000,16500,17000,17500,18000,18500,19000,19500,20000,20500,21000,"
		"21500,22000,22500,23000,23500,24000,24500,25000,25500,26000,26500,27000,27500,"
		"28000,28500,29000,29500,30000,35000,40000,45000,50000,55000,60000,65000,70000,"
		"75000,80000,85000,90000,95000,100000,105000,110000,115000,120000"
		"],"
		"\"breakdowns\":{\"platform\":[],\"device\":[],"
		"\"sdk_version\":[],\"network\":[],\"app\":[]}}\n";
	struct decode_stats dec;
	struct dataset ds;
	struct model m;
	struct report r;
	char *js;

	(void)state;
	js = json_of(empty_report(&ds, &m, &dec, &r));
	assert_string_equal(js, want);
	assert_true(valid_json(js));
	free(js);
	/* A title goes out escaped like any string. */
	r.title = "Week <1> \"a\"";
	js = json_of(&r);
	assert_non_null(strstr(js, "\"title\":\"Week \\u003c1\\u003e \\\"a\\\"\","));
	free(js);
	report_free(&r);
	dataset_free(&ds);
}

/* Each user ID as it is escaped, and read back to the same bytes. Bytes
 * above 0x7F other than U+2028/9 pass as they are (ingest has checked
 * the text is UTF-8; the writer neither checks nor reads past a string's
 * end for a U+2028 cut short). */
static void test_escaping(void **state)
{
	static const struct {
		const char *raw, *escaped;
	} cases[] = {
		{ "plain", "plain" },
		{ "q\"uote", "q\\\"uote" },
		{ "back\\slash\\", "back\\\\slash\\\\" },
		{ "a\nb\rc\td", "a\\nb\\rc\\td" },
		{ "\x01\x08\x0c\x1f\x7f", "\\u0001\\u0008\\u000c\\u001f\\u007f" },
		{ "</script><b>&amp;", "\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;" },
		{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", "ls\\u2028ps\\u2029" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\xa7 \xf0\x9f\x98\x80",
		  "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\xa7 \xf0\x9f\x98\x80" },
		{ "cut\xe2\x80", "cut\xe2\x80" },
		{ "lone\xff\xfe", "lone\xff\xfe" },
		{ "/slash/", "/slash/" },
	};
	enum { NC = sizeof cases / sizeof cases[0] };
	struct sessions_options so;
	struct decode_stats dec;
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	char *js;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (size_t i = 0; i < NC; i++)
		add_session(&ds, "room", cases[i].raw, 1795136400000 + (int64_t)i * 1000, 0, 5008);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(decode_scan(&ds, cat, &dec), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&ds, cat, &so, &m), RR_OK);
	assert_int_equal(m.nsessions, NC);
	assert_int_equal(report_build(&ds, &m, &dec, cat, NULL, &r), RR_OK);
	js = json_of(&r);
	assert_true(valid_json(js));
	for (size_t i = 0; i < NC; i++) {
		char want[128], back[128];
		const char *at, *end;
		size_t n;

		print_message("case %zu\n", i);
		snprintf(want, sizeof want, "\"user_id\":\"%s\"", cases[i].escaped);
		at = strstr(js, want);
		assert_non_null(at);
		end = read_string(at + strlen("\"user_id\":"), back, &n);
		assert_non_null(end);
		assert_int_equal(n, strlen(cases[i].raw));
		assert_memory_equal(back, cases[i].raw, n);
	}
	free(js);
	report_free(&r);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	catalog_free(cat);
}

/* Absent figures (RR_NONE) are null; present ones, the extremes too, are
 * numbers. (last_seen_ms, outage_ms and background_ms are never absent in
 * a model: they take the present values only.) */
static void test_absent_is_null(void **state)
{
	static const char *const field[] = {
		"entry_latency_ms", "first_frame_ms", "last_seen_ms", "outage_ms", "background_ms",
	};
	static const int64_t value[] = { RR_NONE, 0, 1234, -1, INT64_MAX, INT64_MIN + 1 };
	enum { NV = sizeof value / sizeof value[0] };
	struct sessions_options so;
	struct decode_stats dec;
	struct catalog *cat;
	struct dataset ds;
	struct model m;
	struct report r;
	char *js;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < NV; i++) {
		char user[16];

		snprintf(user, sizeof user, "u%d", i);
		add_session(&ds, "room", user, 1795136400000 + (int64_t)i * 1000, 0, 5008);
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(decode_scan(&ds, cat, &dec), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&ds, cat, &so, &m), RR_OK);
	assert_int_equal(m.nsessions, NV);
	for (uint32_t i = 0; i < m.nsessions; i++) {
		struct session *x = &m.sessions[i];
		int64_t v = value[i];

		x->entry_latency_ms = x->first_frame_ms = v;
		x->last_seen_ms = x->outage_ms = x->background_ms = v == RR_NONE ? 0 : v;
	}
	assert_int_equal(report_build(&ds, &m, &dec, cat, NULL, &r), RR_OK);
	js = json_of(&r);
	assert_true(valid_json(js));
	for (size_t f = 0; f < sizeof field / sizeof field[0]; f++)
		for (int i = 0; i < NV; i++) {
			char want[96];

			if (value[i] == RR_NONE && f >= 2)
				continue;
			if (value[i] == RR_NONE)
				snprintf(want, sizeof want, "\"%s\":null", field[f]);
			else
				snprintf(want, sizeof want, "\"%s\":%lld", field[f], (long long)value[i]);
			print_message("%s\n", want);
			assert_non_null(strstr(js, want));
		}
	assert_null(strstr(js, "-9223372036854775808"));   /* RR_NONE never as a number */
	free(js);
	report_free(&r);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	catalog_free(cat);
}

/* A stream that cannot be written gives RR_EIO, on one thread and on
 * several, buffered or not. */
static void test_write_errors(void **state)
{
	static const struct {
		unsigned threads, chunk;
		int unbuffered, big;
	} cases[] = {
		{ 1, 0, 0, 1 }, { 3, 50, 0, 1 }, { 4, 1, 1, 1 }, { 0, 0, 1, 0 }, { 2, 0, 1, 0 },
	};
	struct sessions_options so;
	struct decode_stats dec, dec0;
	struct catalog *cat;
	struct dataset ds, ds0;
	struct model m, m0;
	struct report r, r0;

	(void)state;
	assert_int_equal(catalog_new(&cat), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < 600; i++) {
		char user[16];

		snprintf(user, sizeof user, "u%d", i);
		add_session(&ds, "room", user, 1795136400000 + (int64_t)(i % 50) * 60000, i, 5008);
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(decode_scan(&ds, cat, &dec), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&ds, cat, &so, &m), RR_OK);
	assert_int_equal(report_build(&ds, &m, &dec, cat, NULL, &r), RR_OK);
	empty_report(&ds0, &m0, &dec0, &r0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		FILE *f = fopen("/dev/full", "w");

		if (!f)
			skip();
		print_message("case %zu\n", i);
		if (cases[i].unbuffered)
			setvbuf(f, NULL, _IONBF, 0);
		assert_int_equal(json_write_threads(cases[i].big ? &r : &r0, f, cases[i].threads,
						    cases[i].chunk), RR_EIO);
		fclose(f);
	}
	report_free(&r0);
	dataset_free(&ds0);
	report_free(&r);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	catalog_free(cat);
}

/* A breakdown row carries its counts and rates (the headline's keys); its
 * "baseline" is null without one, else the previous sessions, "small" and
 * each figure's previous, change and regression. */
static void test_breakdown_row(void **state)
{
	static const char *const want[2] = {
		"\"breakdowns\":{\"platform\":[],\"device\":[],\"sdk_version\":[{\"key\":\"11.5.0\","
		"\"users\":5,\"sessions\":6664,\"entered\":6000,\"entry_observed\":6100,"
		"\"timeouts\":1310,\"kicks\":3,\"entry_failed\":4,\"no_exit\":5,"
		"\"entry_latency_ms\":{\"n\":10,\"p50\":4294,\"p95\":9000},"
		"\"first_frame_ms\":{\"n\":0,\"p50\":null,\"p95\":null},"
		"\"entry_within_5s\":0,\"entry_latency_hist\":[],\"first_frame_hist\":[],"
		"\"entry_success_pm\":984,\"entry_within_5s_pm\":500,\"timeouts_pm\":197,"
		"\"kicks_pm\":0,\"entry_failed_pm\":1,\"no_exit_pm\":1,\"entry_latency_p50_ms\":4294,"
		"\"entry_latency_p95_ms\":9000,\"first_frame_p50_ms\":null,\"baseline\":null}],",
		"\"first_frame_p50_ms\":null,\"baseline\":{\"sessions\":5787,\"small\":false,"
		"\"figures\":{\"entry_success_pm\":{\"previous\":null,\"change\":null,"
		"\"regression\":false},\"entry_within_5s_pm\":{\"previous\":null,\"change\":null,"
		"\"regression\":false},\"timeouts_pm\":{\"previous\":75,\"change\":122,"
		"\"regression\":true},\"kicks_pm\":",
	};
	struct decode_stats dec;
	struct dataset ds;
	struct model m;
	struct report r;
	struct breakdown row;
	char *js, key[] = "11.5.0";
	static const int64_t v[BF__COUNT] = { 984, 500, 197, 0, 1, 1, 4294, 9000, RR_NONE };

	(void)state;
	empty_report(&ds, &m, &dec, &r);
	memset(&row, 0, sizeof row);
	row.key = key;
	row.users = 5, row.sessions = 6664, row.entered = 6000, row.entry_observed = 6100;
	row.timeouts = 1310, row.kicks = 3, row.entry_failed = 4, row.no_exit = 5;
	row.entry_latency = (struct latency){ 10, 4294, 9000 };
	row.first_frame = (struct latency){ 0, RR_NONE, RR_NONE };
	for (int f = 0; f < BF__COUNT; f++) {
		row.value[f] = v[f];
		row.previous[f] = row.change[f] = RR_NONE;
	}
	r.by_sdk = &row;
	r.nby_sdk = 1;
	js = json_of(&r);
	if (!strstr(js, want[0]))
		fail_msg("%s", strstr(js, "\"breakdowns\""));
	free(js);
	r.has_baseline = 1;
	row.has_previous = 1;
	row.prev_sessions = 5787;
	row.previous[BF_TIMEOUTS_PM] = 75;
	row.change[BF_TIMEOUTS_PM] = 122;
	row.regression[BF_TIMEOUTS_PM] = 1;
	js = json_of(&r);
	if (!strstr(js, want[1]))
		fail_msg("%s", strstr(js, "\"breakdowns\""));
	free(js);
	r.by_sdk = NULL;
	r.nby_sdk = 0;
	report_free(&r);
	model_free(&m);
	dataset_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_refuses),
		cmocka_unit_test(test_empty_report),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_absent_is_null),
		cmocka_unit_test(test_breakdown_row),
		cmocka_unit_test(test_json_session_cursor),
		cmocka_unit_test(test_json_threads),
		cmocka_unit_test(test_write_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
