/* Tests for ingest: header mapping, file kinds, each rejection reason with
 * its file:line, value ranges (IDs >= 0, times in 2000-2099), filters, the
 * rejected-rows CSV, gzip, BOM and CRLF. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dataset.h"
#include "ingest.h"
#include "reader.h"
#include "tz.h"
#include "kit.h"
#include "util.h"

/* Realistic times: 2026-11-20 10:00:00 UTC in ms, and one second later. */
#define T "1795168800000"
#define T2 "1795168801000"
#define T_MS 1795168800000LL


/* Ingests text (C string) as file "f.csv"; returns the status. */
static int run(struct dataset *ds, const char *text, const struct ingest_options *o, char *err)
{
	struct ingest_options def;

	if (!o) {
		kit_ingest_options(&def);
		o = &def;
	}
	err[0] = '\0';
	return ingest_mem(ds, "f.csv", text, strlen(text), o, err, 200);
}

static const char *str(const struct dataset *ds, uint32_t id)
{
	return strtab_str(ds->strs, id);
}

/* ---- headers ------------------------------------------------------------------ */

struct header_case {
	const char *csv;
	int kind;
	int32_t id, p1, p2;
	int8_t stream;
	int64_t time_ms;
	const char *room, *user, *peer, *comm;
	const char *app;             /* SdkAppId of the room key; NULL: none */
};

static void test_headers(void **state)
{
	static const struct header_case cases[] = {
		{ "RoomId,UserId,Time,EventId,ParamOne,ParamTwo,Type,PeerId,CommId,SdkAppId\n"
		  "r1,u1,1763634665120,5001,1,2,3,p1,c1,1400\n",
		  REC_EVENT, 5001, 1, 2, 3, 1763634665120LL, "r1", "u1", "p1", "c1", "1400" },
		{ "room_id,USER-ID,time stamp,Event_Id,param1,Param 2,TYPE,peer id,comm_id\n"
		  "r2,u2,1763634665,1003,0,,,,\n",
		  REC_EVENT, 1003, 0, -1, -1, 1763634665000LL, "r2", "u2", "", "", NULL },
		{ "RoomStr,UserId,Timestamp,EventId,Extra\n r3 , u3 ,2025-11-20 10:31:05,7001,x\n",
		  REC_EVENT, 7001, -1, -1, -1, 1763634665000LL, "r3", "u3", "", "", NULL },
		{ "roomstring,userid,time,eventid\n\" r4 \",u4,1763634665000,1\n",
		  REC_EVENT, 1, -1, -1, -1, 1763634665000LL, " r4 ", "u4", "", "", NULL },
		{ "RoomId,UserId,EventTime,ExperienceId,AbnormalEventId,PeerId\n"
		  "r5,u5,1763634660,2,1201,p9\n",
		  REC_ABNORMAL, 2, 1201, -1, -1, 1763634660000LL, "r5", "u5", "p9", "", NULL },
		/* Abnormal time falls back to Time; no cause listed. */
		{ "RoomId,UserId,Time,ExperienceId,AbnormalEventId\nr6,u6,1763634660,3,\n",
		  REC_ABNORMAL, 3, -1, -1, -1, 1763634660000LL, "r6", "u6", "", "", NULL },
		/* A cause without an experience ID. */
		{ "RoomId,UserId,EventTime,AbnormalEventId\nr7,u7,1763634660,4001\n",
		  REC_ABNORMAL, 0, 4001, -1, -1, 1763634660000LL, "r7", "u7", "", "", NULL },
		/* Both kinds in one file: the filled columns decide. */
		{ "RoomId,UserId,Time,EventId,ExperienceId\nr8,u8,1763634660,,5\n",
		  REC_ABNORMAL, 5, -1, -1, -1, 1763634660000LL, "r8", "u8", "", "", NULL },
		/* Signs and spaces in numbers. */
		{ "RoomId,UserId,Time,EventId,ParamOne,Type\nr9,u9,1763634660,+12,\" -1 \",-128\n",
		  REC_EVENT, 12, -1, -1, -128, 1763634660000LL, "r9", "u9", "", "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct header_case *hc = &cases[i];
		struct dataset ds;
		char err[200];
		const struct record *r;

		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, hc->csv, NULL, err) != RR_OK)
			fail_msg("case %zu: %s", i, err);
		if (ds.nrecs != 1)
			fail_msg("case %zu: %zu records, %llu rejected (%s)", i, ds.nrecs,
				 (unsigned long long)ds.counts.rejected,
				 ds.diag.nkept ? ds.diag.kept[0].detail : "");
		r = &ds.recs[0];
		assert_int_equal(r->kind, hc->kind);
		assert_int_equal(r->id, hc->id);
		assert_int_equal(r->p1, hc->p1);
		assert_int_equal(r->p2, hc->p2);
		assert_int_equal(r->stream, hc->stream);
		assert_int_equal(r->time_ms, hc->time_ms);
		assert_string_equal(dataset_room_name(ds.strs, r->room, NULL), hc->room);
		{
			size_t an;
			const char *app = dataset_room_app(ds.strs, r->room, &an);

			if (hc->app) {
				assert_non_null(app);
				assert_int_equal(an, strlen(hc->app));
				assert_memory_equal(app, hc->app, an);
			} else {
				assert_null(app);
			}
		}
		assert_string_equal(str(&ds, r->user), hc->user);
		assert_string_equal(str(&ds, r->peer), hc->peer);
		assert_string_equal(str(&ds, r->comm), hc->comm);
		assert_int_equal(ds.counts.rows, 1);
		assert_int_equal(ds.nfiles, 1);
		assert_string_equal(ds.files[0], "f.csv");
		dataset_free(&ds);
	}
}

static void test_duplicate_column(void **state)
{
	struct dataset ds;
	char err[200];

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(run(&ds, "RoomId,UserId,Time,EventId,room_id\nfirst,u," T ",5,second\n", NULL, err), RR_OK);
	assert_int_equal(ds.nrecs, 1);
	assert_string_equal(str(&ds, ds.recs[0].room), "first");
	assert_int_equal(ds.diag.nnotes, 1);
	assert_string_equal(ds.diag.notes[0],
			    "f.csv: column 5 is another 'RoomId'; the first one (column 1) is used");
	dataset_free(&ds);
}

/* ---- header errors and file kinds ---------------------------------------------- */

struct file_case {
	const char *csv;
	int status;
	const char *text;       /* err for errors, the note for RR_OK */
};

static void test_file_kinds(void **state)
{
	static const struct file_case cases[] = {
		{ "RoomId,UserId,EventId\nr,u,1\n", RR_EDATA,
		  "f.csv: missing required column 'Time' for event rows" },
		{ "UserId,Time,EventId\nu,1,1\n", RR_EDATA,
		  "f.csv: missing required column 'RoomId' for event rows" },
		{ "RoomId,Time,EventId\n", RR_EDATA,
		  "f.csv: missing required column 'UserId' for event rows" },
		{ "RoomId,UserId,Time\nr,u,1\n", RR_EDATA,
		  "f.csv: missing required column 'EventId' for event rows" },
		{ "RoomId,UserId,ExperienceId\nr,u,1\n", RR_EDATA,
		  "f.csv: missing required column 'EventTime' for abnormal rows" },
		{ "RoomId,UserId,EventTime,EventId,ExperienceId\nr,u,1,2,3\n", RR_EDATA,
		  "f.csv: missing required column 'Time' for event rows" },
		{ "foo,bar\n1,2\n", RR_EDATA,
		  "f.csv: no known column (expected RoomId, UserId, Time, EventId, ...)" },
		/* Headers that are another kind of file are named for it. */
		{ "RoomId;UserId;Time;EventId\nr;u;1;2\n", RR_EDATA,
		  "f.csv:1: looks ';'-separated; only ',' is read" },
		{ "\"RoomId\";\"UserId\"\n", RR_EDATA,
		  "f.csv:1: looks ';'-separated; only ',' is read" },
		{ "RoomId\tUserId\tTime\tEventId\nr\tu\t1\t2\n", RR_EDATA,
		  "f.csv:1: looks tab-separated; only ',' is read" },
		{ "foo;bar\n1;2\n", RR_EDATA,
		  "f.csv: no known column (expected RoomId, UserId, Time, EventId, ...)" },
		{ "{\"input\": {\"rows\": 1}}\n", RR_EDATA,
		  "f.csv: this is JSON: the run's own JSON goes to --baseline" },
		{ "  [1, 2]\n", RR_EDATA,
		  "f.csv: this is JSON: the run's own JSON goes to --baseline" },
		{ "room_id,comm_id,user_id,platform,start,end,start_ms,end_ms,exit_reason\n", RR_EDATA,
		  "f.csv:1: this looks like roomreport's own --sessions-csv output, not an export" },
		{ "\"a\nb\"\"c,d\n", RR_EDATA,
		  "f.csv: line 1: cannot read the header (stray or unterminated quote)" },
		/* Users, rooms and quality files: tests/unit/test_companion_ingest.c. */
		{ "", RR_OK, "f.csv: no data rows" },
		{ "\n\n", RR_OK, "f.csv: no data rows" },
		{ "RoomId,UserId,Time,EventId\n", RR_OK, "f.csv: no data rows" },
		{ "RoomId,UserId,Time,EventId\r\n\r\n", RR_OK, "f.csv: no data rows" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dataset ds;
		char err[200];
		int rc;

		assert_int_equal(dataset_init(&ds), RR_OK);
		rc = run(&ds, cases[i].csv, NULL, err);
		if (rc != cases[i].status)
			fail_msg("case %zu: status %d want %d (%s)", i, rc, cases[i].status, err);
		if (rc != RR_OK) {
			assert_string_equal(err, cases[i].text);
			assert_int_equal(ds.nfiles, 0);
		} else {
			assert_int_equal(ds.diag.nnotes, 1);
			assert_string_equal(ds.diag.notes[0], cases[i].text);
			assert_int_equal(ds.nfiles, 1);
		}
		assert_int_equal(ds.nrecs, 0);
		assert_int_equal(ds.counts.rows, 0);
		assert_int_equal(ds.counts.rejected, 0);
		dataset_free(&ds);
	}
}

/* ---- rejections ------------------------------------------------------------------ */

struct reject_case {
	const char *rows;           /* after the header */
	enum diag_reason reason;
	uint64_t line;
	const char *detail;
};

#define HDR "RoomId,UserId,Time,EventId,ParamOne,ParamTwo,Type\n"

static void test_rejects(void **state)
{
	static const struct reject_case cases[] = {
		{ "r,u," T ",5,1,2\n", REJ_RAGGED, 2, "6 fields, the header has 7" },
		{ "r,u," T ",5,1,2,3,4\n", REJ_RAGGED, 2, "8 fields, the header has 7" },
		{ "r,u\"x," T ",5,1,2,3\n", REJ_BAD_QUOTE, 2, "stray or unterminated quote" },
		{ "r,\"u\"x," T ",5,1,2,3\n", REJ_BAD_QUOTE, 2, "stray or unterminated quote" },
		{ "r,u," T ",5,1,2,\"3\n", REJ_BAD_QUOTE, 2, "stray or unterminated quote" },
		{ "r,u," T ",abc,1,2,3\n", REJ_BAD_ID, 2, "EventId \"abc\" is not a number" },
		{ "r,u," T ",5.0,1,2,3\n", REJ_BAD_ID, 2, "EventId \"5.0\" is not a number" },
		{ "r,u," T ",99999999999,1,2,3\n", REJ_RANGE, 2, "EventId \"99999999999\" is out of range" },
		{ "r,u," T ",2147483648,1,2,3\n", REJ_RANGE, 2, "EventId \"2147483648\" is out of range" },
		{ "r,u," T ",999999999999999999999999x,1,2,3\n", REJ_BAD_ID, 2,
		  "EventId \"999999999999999999999999x\" is not a number" },
		{ "r,u," T ",5,x,2,3\n", REJ_BAD_PARAM, 2, "ParamOne \"x\" is not a number" },
		{ "r,u," T ",5,1,0x10,3\n", REJ_BAD_PARAM, 2, "ParamTwo \"0x10\" is not a number" },
		{ "r,u," T ",5,1,2,big\n", REJ_BAD_PARAM, 2, "Type \"big\" is not a number" },
		{ "r,u," T ",5,1,2,128\n", REJ_RANGE, 2, "Type \"128\" is out of range" },
		{ "r,u,,5,1,2,3\n", REJ_BAD_TIME, 2, "Time is empty" },
		{ "r,u,yesterday,5,1,2,3\n", REJ_BAD_TIME, 2, "Time \"yesterday\" is not a time" },
		{ "r,u,2026-13-01 00:00:00,5,1,2,3\n", REJ_BAD_TIME, 2,
		  "Time \"2026-13-01 00:00:00\" is not a time" },
		{ ",u," T ",5,1,2,3\n", REJ_MISSING, 2, "RoomId is empty" },
		{ "r,," T ",5,1,2,3\n", REJ_MISSING, 2, "UserId is empty" },
		{ "r,u," T ",,1,2,3\n", REJ_MISSING, 2, "no EventId, ExperienceId or AbnormalEventId" },
		{ "r,u," T ",\"  \",1,2,3\n", REJ_MISSING, 2, "no EventId, ExperienceId or AbnormalEventId" },
		{ "r,u\xff," T ",5,1,2,3\n", REJ_BAD_UTF8, 2, "invalid UTF-8 in column 2 (UserId)" },
		{ "r,\xc0\xaf," T ",5,1,2,3\n", REJ_BAD_UTF8, 2, "invalid UTF-8 in column 2 (UserId)" },
		/* Line numbers after multi-line quoted fields and CRLF. */
		{ "\"r\r\nx\",u," T ",5,1,2,3\r\n\r\nr,u," T ",bad,1,2,3\r\n", REJ_BAD_ID, 5,
		  "EventId \"bad\" is not a number" },
		{ "r,\"a\nb\nc\"," T ",5,1,2,3\n\nr,u," T ",5,1,2,3,extra\n", REJ_RAGGED, 6,
		  "8 fields, the header has 7" },
		/* Long values are cut in the detail. */
		{ "r,u," T ",5,1,2,3\nr,u," T ",123456789012345678901234567890123456789012345678901234567890,1,2,3\n",
		  REJ_RANGE, 3,
		  "EventId \"1234567890123456789012345678901234567890...\" is out of range" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dataset ds;
		char err[200], text[600];

		snprintf(text, sizeof text, "%s%s", HDR, cases[i].rows);
		assert_int_equal(dataset_init(&ds), RR_OK);
		assert_int_equal(run(&ds, text, NULL, err), RR_OK);
		if (ds.counts.rejected != 1 || ds.diag.nkept != 1)
			fail_msg("case %zu: %llu rejected", i, (unsigned long long)ds.counts.rejected);
		assert_int_equal(ds.diag.kept[0].reason, cases[i].reason);
		assert_string_equal(ds.diag.kept[0].file, "f.csv");
		if (ds.diag.kept[0].line != cases[i].line)
			fail_msg("case %zu: line %llu want %llu", i,
				 (unsigned long long)ds.diag.kept[0].line,
				 (unsigned long long)cases[i].line);
		assert_string_equal(ds.diag.kept[0].detail, cases[i].detail);
		assert_int_equal(ds.counts.rows, ds.counts.rejected + ds.nrecs);
		dataset_free(&ds);
	}
}

static void test_nul(void **state)
{
	static const char text[] = HDR "r,u\0x," T ",5,1,2,3\nr,u," T ",5,1,2,3\n";
	struct dataset ds;
	struct ingest_options o;
	char err[200];

	(void)state;
	kit_ingest_options(&o);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "n.csv", text, sizeof text - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.counts.rows, 2);
	assert_int_equal(ds.nrecs, 1);
	assert_int_equal(ds.diag.count[REJ_NUL], 1);
	assert_int_equal(ds.diag.kept[0].line, 2);
	assert_string_equal(ds.diag.kept[0].detail, "NUL byte in column 2 (UserId)");
	dataset_free(&ds);
}

/* Good rows around bad ones are all used, including after a stray quote
 * and an over-long field. */
static void test_mixed(void **state)
{
	size_t big = 1024 * 1024, k = 0;
	char *text = malloc(big + 4096);
	struct dataset ds;
	struct ingest_options o;
	char err[200];

	(void)state;
	assert_non_null(text);
	k += (size_t)sprintf(text + k, "%s", HDR);
	k += (size_t)sprintf(text + k, "r,u1," T ",5001,,,\n");            /* 2 good */
	k += (size_t)sprintf(text + k, "r,u\"2," T ",5001,,,\n");           /* 3 stray quote */
	k += (size_t)sprintf(text + k, "r,u3," T ",5001,,,\n");            /* 4 good */
	k += (size_t)sprintf(text + k, "r,");                           /* 5 1 MB field */
	memset(text + k, 'x', big);
	k += big;
	k += (size_t)sprintf(text + k, "," T ",5001,,,\n");
	k += (size_t)sprintf(text + k, "r,u5," T ",5001,,,\n");            /* 6 good */
	k += (size_t)sprintf(text + k, "r,u6," T ",nope,,,\n");            /* 7 bad id */
	k += (size_t)sprintf(text + k, "r,u7," T ",5001,,,");              /* 8 good, no newline */

	kit_ingest_options(&o);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "m.csv", text, k, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.counts.rows, 7);
	assert_int_equal(ds.counts.rejected, 3);
	assert_int_equal(ds.nrecs, 4);
	assert_string_equal(str(&ds, ds.recs[0].user), "u1");
	assert_string_equal(str(&ds, ds.recs[1].user), "u3");
	assert_string_equal(str(&ds, ds.recs[2].user), "u5");
	assert_string_equal(str(&ds, ds.recs[3].user), "u7");
	assert_int_equal(ds.diag.count[REJ_BAD_QUOTE], 1);
	assert_int_equal(ds.diag.count[REJ_LONG_FIELD], 1);
	assert_int_equal(ds.diag.count[REJ_BAD_ID], 1);
	assert_int_equal(ds.diag.kept[0].line, 3);
	assert_int_equal(ds.diag.kept[1].line, 5);
	assert_int_equal(ds.diag.kept[2].line, 7);
	assert_string_equal(ds.diag.kept[1].detail, "a field over 65536 bytes or a row over 1 MiB");
	dataset_free(&ds);
	free(text);
}

/* ---- value ranges: IDs >= 0, times in [2000-01-01, 2100-01-01) UTC ---------------- */

struct range_case {
	const char *csv;            /* header and one row */
	int reason;                 /* -1: the row is used */
	const char *detail;         /* for rejects */
	int64_t time_ms;            /* for used rows */
	int32_t id;
};

#define AHDR "RoomId,UserId,EventTime,ExperienceId,AbnormalEventId\n"

static void test_ranges(void **state)
{
	static const struct range_case cases[] = {
		/* IDs: zero and INT32_MAX are fine, negatives and 2^63 are not. */
		{ HDR "r,u," T ",0,,,\n", -1, NULL, T_MS, 0 },
		{ HDR "r,u," T ",-0,,,\n", -1, NULL, T_MS, 0 },
		{ HDR "r,u," T ",2147483647,,,\n", -1, NULL, T_MS, 2147483647 },
		{ HDR "r,u," T ",-1,,,\n", REJ_RANGE, "EventId \"-1\" is out of range", 0, 0 },
		{ HDR "r,u," T ",-5001,,,\n", REJ_RANGE, "EventId \"-5001\" is out of range", 0, 0 },
		{ HDR "r,u," T ",-2147483648,,,\n", REJ_RANGE, "EventId \"-2147483648\" is out of range", 0, 0 },
		{ HDR "r,u," T ",9223372036854775808,,,\n", REJ_RANGE,
		  "EventId \"9223372036854775808\" is out of range", 0, 0 },
		{ HDR "r,u," T ",-9223372036854775809,,,\n", REJ_RANGE,
		  "EventId \"-9223372036854775809\" is out of range", 0, 0 },
		/* Negative parameters stay allowed (-1 = unused). */
		{ HDR "r,u," T ",1003,-1,-2147483648,-1\n", -1, NULL, T_MS, 1003 },
		{ AHDR "r,u,1795168800,2,1201\n", -1, NULL, T_MS, 2 },
		{ AHDR "r,u,1795168800,0,\n", -1, NULL, T_MS, 0 },
		{ AHDR "r,u,1795168800,-2,1201\n", REJ_RANGE, "ExperienceId \"-2\" is out of range", 0, 0 },
		{ AHDR "r,u,1795168800,2,-1\n", REJ_RANGE, "AbnormalEventId \"-1\" is out of range", 0, 0 },
		{ AHDR "r,u,1795168800,,-1201\n", REJ_RANGE, "AbnormalEventId \"-1201\" is out of range", 0, 0 },
		{ AHDR "r,u,1795168800,9223372036854775808,\n", REJ_RANGE,
		  "ExperienceId \"9223372036854775808\" is out of range", 0, 0 },
		/* Times: epoch ms, epoch s and ISO at both ends of the range. */
		{ HDR "r,u,946684800000,5,,,\n", -1, NULL, 946684800000LL, 5 },
		{ HDR "r,u,946684799999,5,,,\n", REJ_BAD_TIME, "Time \"946684799999\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,4102444799999,5,,,\n", -1, NULL, 4102444799999LL, 5 },
		{ HDR "r,u,4102444800000,5,,,\n", REJ_BAD_TIME, "Time \"4102444800000\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,946684800,5,,,\n", -1, NULL, 946684800000LL, 5 },
		{ HDR "r,u,946684799,5,,,\n", REJ_BAD_TIME, "Time \"946684799\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,4102444799,5,,,\n", -1, NULL, 4102444799000LL, 5 },
		{ HDR "r,u,4102444800,5,,,\n", REJ_BAD_TIME, "Time \"4102444800\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,1,5,,,\n", REJ_BAD_TIME, "Time \"1\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,0,5,,,\n", REJ_BAD_TIME, "Time \"0\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,99999999999999,5,,,\n", REJ_BAD_TIME,
		  "Time \"99999999999999\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,2000-01-01 00:00:00,5,,,\n", -1, NULL, 946684800000LL, 5 },
		{ HDR "r,u,1999-12-31 23:59:59,5,,,\n", REJ_BAD_TIME,
		  "Time \"1999-12-31 23:59:59\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,2099-12-31T23:59:59.999Z,5,,,\n", -1, NULL, 4102444799999LL, 5 },
		{ HDR "r,u,2100-01-01T00:00:00Z,5,,,\n", REJ_BAD_TIME,
		  "Time \"2100-01-01T00:00:00Z\" is outside 2000-2099", 0, 0 },
		/* The bounds are UTC: an offset moves a time across them. */
		{ HDR "r,u,2000-01-01T07:59:59+08:00,5,,,\n", REJ_BAD_TIME,
		  "Time \"2000-01-01T07:59:59+08:00\" is outside 2000-2099", 0, 0 },
		{ HDR "r,u,2000-01-01T08:00:00+08:00,5,,,\n", -1, NULL, 946684800000LL, 5 },
		{ AHDR "r,u,946684799,2,\n", REJ_BAD_TIME, "EventTime \"946684799\" is outside 2000-2099", 0, 0 },
		{ AHDR "r,u,4102444800000,2,\n", REJ_BAD_TIME,
		  "EventTime \"4102444800000\" is outside 2000-2099", 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct range_case *rc = &cases[i];
		struct dataset ds;
		char err[200];

		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, rc->csv, NULL, err) != RR_OK)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(ds.counts.rows, 1);
		if (rc->reason < 0) {
			if (ds.nrecs != 1)
				fail_msg("case %zu: rejected (%s)", i,
					 ds.diag.nkept ? ds.diag.kept[0].detail : "");
			assert_int_equal(ds.recs[0].time_ms, rc->time_ms);
			assert_int_equal(ds.recs[0].id, rc->id);
		} else {
			if (ds.counts.rejected != 1 || ds.diag.nkept != 1)
				fail_msg("case %zu: %zu records, %llu rejected", i, ds.nrecs,
					 (unsigned long long)ds.counts.rejected);
			assert_int_equal(ds.diag.kept[0].reason, rc->reason);
			assert_int_equal(ds.diag.kept[0].line, 2);
			if (strcmp(ds.diag.kept[0].detail, rc->detail) != 0)
				fail_msg("case %zu: detail '%s' want '%s'", i,
					 ds.diag.kept[0].detail, rc->detail);
			assert_int_equal(ds.nrecs, 0);
		}
		dataset_free(&ds);
	}
}

/* ---- filters ------------------------------------------------------------------ */

static void test_filters(void **state)
{
	static const char text[] = HDR
		"r1,u1,1795168800000,1,,,\n"
		"r1,u2,1795168801000,1,,,\n"
		"r2,u1,1795168802000,1,,,\n"
		"r3,u3,1795168803000,1,,,\n"
		"r1,u1,1795168804000,1,,,\n";
	static const char *rooms[] = { "r1", "r3" };
	static const char *users[] = { "u1" };
	struct dataset ds;
	struct ingest_options o;
	char err[200];

	(void)state;
	kit_ingest_options(&o);
	o.rooms = rooms;
	o.nrooms = 2;
	o.users = users;
	o.nusers = 1;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "f.csv", text, sizeof text - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.counts.rows, 5);
	assert_int_equal(ds.counts.filtered, 3);
	assert_int_equal(ds.nrecs, 2);
	dataset_free(&ds);

	kit_ingest_options(&o);
	o.from_ms = 1795168801000LL;
	o.to_ms = 1795168804000LL;      /* exclusive */
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "f.csv", text, sizeof text - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.counts.filtered, 2);
	assert_int_equal(ds.nrecs, 3);
	assert_int_equal(ds.recs[0].time_ms, 1795168801000LL);
	assert_int_equal(ds.recs[2].time_ms, 1795168803000LL);
	dataset_free(&ds);

	/* Room IDs match exactly: no trimming or case folding beyond libcsv's. */
	kit_ingest_options(&o);
	o.rooms = (const char *[]){ "R1" };
	o.nrooms = 1;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "f.csv", text, sizeof text - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.nrecs, 0);
	assert_int_equal(ds.counts.filtered, 5);
	dataset_free(&ds);
}

/* ---- rejected output ------------------------------------------------------------------ */

static void test_rejected_csv(void **state)
{
	static const char text[] = HDR
		"r,u," T ",5,,,\n"
		"r,u," T ",x\"y,,,\n"
		"\"r,1\",u," T ",abc,,,\n"
		"r,u,\"multi\nline\",5,,,\n";
	struct dataset ds;
	struct ingest_options o;
	char err[200];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	kit_ingest_options(&o);
	o.rejected = f;
	assert_int_equal(ingest_write_rejected_header(f), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "dir/f,1.csv", text, sizeof text - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
		"file,line,reason,detail,row\n"
		"\"dir/f,1.csv\",3,bad_quote,stray or unterminated quote,\"r,u," T ",x\"\"y,,,\"\n"
		"\"dir/f,1.csv\",4,bad_id,\"EventId \"\"abc\"\" is not a number\",\"\"\"r,1\"\",u," T ",abc,,,\"\n"
		"\"dir/f,1.csv\",5,bad_time,\"Time \"\"multi\nline\"\" is not a time\",\"r,u,\"\"multi\nline\"\",5,,,\"\n");
	assert_int_equal(ds.counts.rejected, 3);
	assert_int_equal(ds.nrecs, 1);
	dataset_free(&ds);
	free(buf);
}

/* ---- encodings and compression ------------------------------------------------------ */


static void test_gzip_bom_crlf(void **state)
{
	static const char text[] = "\xEF\xBB\xBFRoomId,UserId,Time,EventId\r\n"
				   "r,u,1763634665000,5001\r\n"
				   "r,u,bad,5001\r\n"
				   "r,u,1763634666000,5003\r\n";
	size_t n;
	unsigned char *gz = kit_gzip(text, sizeof text - 1, &n);
	struct dataset ds;
	struct ingest_options o;
	char err[200];

	(void)state;
	kit_ingest_options(&o);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "g.csv.gz", gz, n, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.nrecs, 2);
	assert_int_equal(ds.recs[1].id, 5003);
	assert_int_equal(ds.diag.kept[0].line, 3);
	/* Truncated after the last row (only the trailer lost): every row is
	 * read, the file is marked as cut where its bytes end. */
	assert_int_equal(ingest_mem(&ds, "t.csv.gz", gz, n - 8, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.nrecs, 4);
	assert_int_equal(ds.diag.nfiles, 2);
	assert_int_equal(ds.diag.ncut, 1);
	assert_false(ds.diag.files[0].cut);
	assert_int_equal(ds.diag.files[0].rows, 3);
	assert_true(ds.diag.files[1].cut);
	assert_false(ds.diag.files[1].cut_row);
	assert_int_equal(ds.diag.files[1].cut_at, n - 8);
	assert_int_equal(ds.diag.files[1].rows, 3);
	dataset_free(&ds);
	free(gz);
}

/*
 * A gzip stream cut at every byte: the rows before the cut are read, the
 * row the cut falls in is rejected as cut_off, every row is accounted for,
 * and the file is marked as cut at that byte. The rows kept are a prefix
 * of the whole file's.
 */
static void test_gzip_cut_everywhere(void **state)
{
	static const char text[] = "RoomId,UserId,Time,EventId,ParamOne\n"
				   "r,u,1763634665000,5001,\n"
				   "r,u,1763634665100,5003,1\n"
				   "\"r\",\"u\",1763634665200,\"5007\",\"2\"\n"
				   "r,u,1763634666000,1003,0\n";
	size_t n;
	unsigned char *gz = kit_gzip(text, sizeof text - 1, &n);
	struct ingest_options o;
	char err[200];

	(void)state;
	kit_ingest_options(&o);
	/* From 2 bytes on, what is left starts with gzip's magic bytes. */
	for (size_t k = 2; k < n; k++) {
		struct dataset ds;
		const struct input_counts *c = &ds.counts;

		assert_int_equal(dataset_init(&ds), RR_OK);
		assert_int_equal(ingest_mem(&ds, "c.csv.gz", gz, k, &o, err, sizeof err), RR_OK);
		assert_int_equal(ds.diag.nfiles, 1);
		assert_true(ds.diag.files[0].cut);
		assert_int_equal(ds.diag.files[0].cut_at, k);
		assert_int_equal(ds.diag.files[0].rows, c->rows);
		assert_int_equal(c->rows, ds.nrecs + c->filtered + c->rejected);
		assert_int_equal(c->rejected, ds.diag.count[REJ_CUT]);
		assert_true(c->rejected <= 1);
		assert_int_equal(ds.diag.files[0].cut_row, c->rejected);
		assert_true(ds.nrecs <= 4);
		for (size_t i = 0; i < ds.nrecs; i++)
			assert_int_equal(ds.recs[i].id, ((const int[]){ 5001, 5003, 5007, 1003 })[i]);
		dataset_free(&ds);
	}
	free(gz);
}

static void test_encoding_and_paths(void **state)
{
	static const char utf16[] = "\xFF\xFER\0o\0";
	struct dataset ds;
	struct ingest_options o;
	char err[300], want[300];

	(void)state;
	kit_ingest_options(&o);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "w.csv", utf16, sizeof utf16 - 1, &o, err, sizeof err), RR_EDATA);
	assert_string_equal(err, "w.csv: UTF-16 LE encoding is not supported; convert the file to UTF-8");
	assert_int_equal(ingest_file(&ds, RR_TEST_DATA, &o, err, sizeof err), RR_EIO);
	snprintf(want, sizeof want, "%s: Is a directory", RR_TEST_DATA);
	assert_string_equal(err, want);
	assert_int_equal(ingest_file(&ds, "/nonexistent.csv", &o, err, sizeof err), RR_EIO);
	assert_string_equal(err, "/nonexistent.csv: No such file or directory");
	assert_int_equal(ds.nfiles, 0);
	dataset_free(&ds);
}

/* Times in the input zone: ISO without offset read in --input-tz. */
static void test_input_zone(void **state)
{
	static const char text[] = "RoomId,UserId,Time,EventId\n"
				   "r,u,2025-11-20 10:31:05,1\n"
				   "r,u,2025-11-20T10:31:05Z,1\n";
	struct tz *sh;
	struct dataset ds;
	struct ingest_options o;
	char err[200];

	(void)state;
	assert_int_equal(tz_open("Asia/Shanghai", &sh, NULL, 0), RR_OK);
	kit_ingest_options(&o);
	o.input_tz = sh;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "z.csv", text, sizeof text - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.nrecs, 2);
	assert_int_equal(ds.recs[0].time_ms, 1763634665000LL - 8 * 3600000LL);
	assert_int_equal(ds.recs[1].time_ms, 1763634665000LL);
	dataset_free(&ds);
	tz_free(sh);
}

/* Several files into one dataset: both are listed, in order, and each
 * gives its record. */
static void test_two_files(void **state)
{
	struct dataset ds;
	char err[200];
	struct ingest_options o;
	static const char a[] = "RoomId,UserId,Time,EventId\nr,u," T ",1\n";
	static const char b[] = "RoomId,UserId,EventTime,ExperienceId\nr,u,1795168800,2\n";

	(void)state;
	kit_ingest_options(&o);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "a.csv", a, sizeof a - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ingest_mem(&ds, "b.csv", b, sizeof b - 1, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.nrecs, 2);
	assert_int_equal(ds.nfiles, 2);
	assert_string_equal(ds.files[0], "a.csv");
	assert_string_equal(ds.files[1], "b.csv");
	assert_int_equal(ds.recs[0].kind, REC_EVENT);
	assert_int_equal(ds.recs[0].id, 1);
	assert_int_equal(ds.recs[1].kind, REC_ABNORMAL);
	assert_int_equal(ds.recs[1].time_ms, 1795168800000LL);
	assert_int_equal(ds.recs[1].id, 2);
	assert_int_equal(ds.counts.rows, 2);
	dataset_free(&ds);
}

/* Every allocation failing in turn: RR_ENOMEM or success, never a crash or
 * a leak (run under valgrind/ASan). */
static void test_out_of_memory(void **state)
{
	static const char text[] = HDR "r,u," T ",5,,,\nr2,u2," T ",x,,,\nr3,u3," T2 ",6,,,\n";
	int saw_ok = 0;

	(void)state;
	for (unsigned long n = 1; n < 400 && !saw_ok; n++) {
		struct dataset ds;
		struct ingest_options o;
		char err[200];
		int rc;

		kit_ingest_options(&o);
		assert_int_equal(dataset_init(&ds), RR_OK);
		rr_alloc_fail_at(n);
		rc = ingest_mem(&ds, "f.csv", text, sizeof text - 1, &o, err, sizeof err);
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			saw_ok = 1;
		else
			assert_int_equal(rc, RR_ENOMEM);
		dataset_free(&ds);
	}
	assert_true(saw_ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_duplicate_column),
		cmocka_unit_test(test_file_kinds),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_rejected_csv),
		cmocka_unit_test(test_gzip_bom_crlf),
		cmocka_unit_test(test_gzip_cut_everywhere),
		cmocka_unit_test(test_encoding_and_paths),
		cmocka_unit_test(test_input_zone),
		cmocka_unit_test(test_two_files),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, kit_setup_utc, kit_teardown_utc);
}
