/* Tests for reading companion exports (users, rooms, quality samples) with
 * ingest_mem: header kinds and aliases, time units, Finished words, Value
 * numbers, rejections with file:line, required columns, filters per kind,
 * sort and de-duplication in dataset_finish, the row accounting, and the
 * metric-name limit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "ingest.h"
#include "tz.h"
#include "kit.h"
#include "util.h"

/* 2026-11-20 10:00:00 UTC as seconds, ms and ISO, and its value in ms. */
#define TS "1795168800"
#define TS2 "1795168860"
#define T_MS 1795168800000LL
#define T2_MS 1795168860000LL


/* Ingests text as file name; returns the status. */
static int run_named(struct dataset *ds, const char *name, const char *text,
		     const struct ingest_options *o, char *err)
{
	struct ingest_options def;

	if (!o) {
		kit_ingest_options(&def);
		o = &def;
	}
	err[0] = '\0';
	return ingest_mem(ds, name, text, strlen(text), o, err, 200);
}

static int run(struct dataset *ds, const char *text, const struct ingest_options *o, char *err)
{
	return run_named(ds, "f.csv", text, o, err);
}

static const char *str(const struct dataset *ds, uint32_t id)
{
	return strtab_str(ds->strs, id);
}

static void no_rejects(const struct dataset *ds, size_t i)
{
	if (ds->counts.rejected)
		fail_msg("case %zu: rejected: %s", i, ds->diag.nkept ? ds->diag.kept[0].detail : "?");
}

/* ---- users ------------------------------------------------------------------ */

struct user_case {
	const char *csv;
	int64_t join, leave;
	int finished;
	const char *room, *user, *comm, *device, *sdk, *ip;
};

static void test_users(void **state)
{
	static const struct user_case cases[] = {
		{ "RoomId,UserId,JoinTs,LeaveTs,DeviceType,SdkVersion,ClientIp,Finished,CommId\n"
		  "r1,u1," TS "," TS2 ",iPhone15,11.4.0,10.0.0.1,true,c1\n",
		  T_MS, T2_MS, 1, "r1", "u1", "c1", "iPhone15", "11.4.0", "10.0.0.1" },
		/* Aliases and case; ms and ISO times; Finished as a word. */
		{ "room_id,USER-ID,join ts,Leave_Ts,device-type,sdk version,client_ip,FINISHED\n"
		  "r2,u2,1795168800000,2026-11-20T10:01:00Z,Android,,,No\n",
		  T_MS, T2_MS, 0, "r2", "u2", "", "Android", "", "" },
		/* ISO with an offset, and a fraction of a second in seconds. */
		{ "RoomStr,UserId,JoinTs,LeaveTs\nr3,u3,2026-11-20 18:00:00+08:00,1795168860.5\n",
		  T_MS, T2_MS + 500, -1, "r3", "u3", "", "", "", "" },
		/* Only the required columns and one that marks the kind. */
		{ "RoomId,UserId,DeviceType\nr4,u4,Mac\n",
		  RR_NONE, RR_NONE, -1, "r4", "u4", "", "Mac", "", "" },
		/* Empty times are absent, not rejected. */
		{ "RoomId,UserId,JoinTs,LeaveTs,Finished\nr5,u5, , ,1\n",
		  RR_NONE, RR_NONE, 1, "r5", "u5", "", "", "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct user_case *uc = &cases[i];
		struct dataset ds;
		char err[200];

		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, uc->csv, NULL, err) != RR_OK)
			fail_msg("case %zu: %s", i, err);
		no_rejects(&ds, i);
		assert_int_equal(ds.nusers, 1);
		assert_int_equal(ds.nrecs, 0);
		assert_int_equal(ds.diag.nnotes, 0);
		const struct user_info *u = &ds.users[0];
		assert_int_equal(u->join_ms, uc->join);
		assert_int_equal(u->leave_ms, uc->leave);
		assert_int_equal(u->finished, uc->finished);
		assert_string_equal(str(&ds, u->room), uc->room);
		assert_string_equal(str(&ds, u->user), uc->user);
		assert_string_equal(str(&ds, u->comm), uc->comm);
		assert_string_equal(str(&ds, u->device), uc->device);
		assert_string_equal(str(&ds, u->sdk), uc->sdk);
		assert_string_equal(str(&ds, u->ip), uc->ip);
		assert_int_equal(u->file, 0);
		assert_int_equal(ds.counts.rows, 1);
		dataset_free(&ds);
	}
}

/* ---- rooms ------------------------------------------------------------------ */

struct room_case {
	const char *csv;
	int64_t create, destroy;
	int finished;
	const char *room, *comm;
};

static void test_rooms(void **state)
{
	static const struct room_case cases[] = {
		{ "RoomId,CommId,CreateTime,DestroyTime,IsFinished\nr1,c1," TS "," TS2 ",true\n",
		  T_MS, T2_MS, 1, "r1", "c1" },
		{ "room_string,comm-id,create_time,DESTROYTIME,is finished\n"
		  "r2,c2,2026-11-20T10:00:00Z,,FALSE\n",
		  T_MS, RR_NONE, 0, "r2", "c2" },
		{ "RoomId,CommId,IsFinished\nr3,c3,\n", RR_NONE, RR_NONE, -1, "r3", "c3" },
		{ "RoomId,CommId,CreateTime,SdkAppId\nr4,c4,1795168800000,1400\n",
		  T_MS, RR_NONE, -1, "r4", "c4" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dataset ds;
		char err[200];

		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, cases[i].csv, NULL, err) != RR_OK)
			fail_msg("case %zu: %s", i, err);
		no_rejects(&ds, i);
		assert_int_equal(ds.nrooms, 1);
		assert_int_equal(ds.rooms[0].create_ms, cases[i].create);
		assert_int_equal(ds.rooms[0].destroy_ms, cases[i].destroy);
		assert_int_equal(ds.rooms[0].finished, cases[i].finished);
		assert_string_equal(dataset_room_name(ds.strs, ds.rooms[0].room, NULL), cases[i].room);
		assert_string_equal(str(&ds, ds.rooms[0].comm), cases[i].comm);
		dataset_free(&ds);
	}
}

/* ---- quality ------------------------------------------------------------------ */

struct quality_case {
	const char *csv;
	int64_t time;
	float value;
	const char *room, *comm, *user, *peer, *metric;
};

static void test_quality(void **state)
{
	static const struct quality_case cases[] = {
		{ "UserId,DataType,Time,Value,RoomId,CommId,PeerId\nu1,rtt," TS ",120,r1,c1,\n",
		  T_MS, 120.0f, "r1", "c1", "u1", "", "rtt" },
		{ "user_id,data_type,TIME,value,peer-id\nu2,bigvLoss,1795168800000,0.35,p9\n",
		  T_MS, 0.35f, "", "", "u2", "p9", "bigvLoss" },
		{ "UserId,DataType,Timestamp,Value\nu3,appCpu,2026-11-20T10:00:00Z, -7.25 \n",
		  T_MS, -7.25f, "", "", "u3", "", "appCpu" },
		/* Exponents and long mantissas go the slow way; same float. */
		{ "UserId,DataType,Time,Value\nu4,x," TS ",1.5E-2\n",
		  T_MS, 0.015f, "", "", "u4", "", "x" },
		{ "UserId,DataType,Time,Value\nu5,x," TS ",12345678901234567890\n",
		  T_MS, 12345678901234567890.0f, "", "", "u5", "", "x" },
		{ "UserId,DataType,Time,Value\nu6,x," TS ",+.5\n", T_MS, 0.5f, "", "", "u6", "", "x" },
		{ "UserId,DataType,Time,Value\nu7,x," TS ",3.\n", T_MS, 3.0f, "", "", "u7", "", "x" },
		{ "UserId,DataType,Time,Value\nu8,x," TS ",0.1\n", T_MS, 0.1f, "", "", "u8", "", "x" },
		/* An unknown name is kept as given. */
		{ "UserId,DataType,Time,Value\nu9,newMetric_2," TS ",1e3\n",
		  T_MS, 1000.0f, "", "", "u9", "", "newMetric_2" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct quality_case *qc = &cases[i];
		struct dataset ds;
		char err[200];

		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, qc->csv, NULL, err) != RR_OK)
			fail_msg("case %zu: %s", i, err);
		no_rejects(&ds, i);
		assert_int_equal(ds.nquality, 1);
		const struct quality_sample *q = &ds.quality[0];
		assert_int_equal(q->time_ms, qc->time);
		if (q->value != qc->value)
			fail_msg("case %zu: value %.9g want %.9g", i, (double)q->value,
				 (double)qc->value);
		assert_string_equal(str(&ds, q->room), qc->room);
		assert_string_equal(str(&ds, q->comm), qc->comm);
		assert_string_equal(str(&ds, q->user), qc->user);
		assert_string_equal(str(&ds, q->peer), qc->peer);
		assert_int_equal(ds.nmetrics, 1);
		assert_int_equal(q->metric, 0);
		assert_string_equal(str(&ds, ds.metrics[0]), qc->metric);
		dataset_free(&ds);
	}
}

/* Metric indexes are shared across files in first-seen order. */
static void test_metric_table(void **state)
{
	struct dataset ds;
	char err[200];

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(run_named(&ds, "a.csv", "UserId,DataType,Time,Value\n"
				   "u,rtt," TS ",1\nu,aLoss," TS ",2\nu,rtt," TS2 ",3\n", NULL, err),
			 RR_OK);
	assert_int_equal(run_named(&ds, "b.csv", "UserId,DataType,Time,Value\n"
				   "u,appCpu," TS ",1\nu,aLoss," TS ",2\n", NULL, err),
			 RR_OK);
	assert_int_equal(ds.nmetrics, 3);
	assert_string_equal(str(&ds, ds.metrics[0]), "rtt");
	assert_string_equal(str(&ds, ds.metrics[1]), "aLoss");
	assert_string_equal(str(&ds, ds.metrics[2]), "appCpu");
	const uint16_t want[] = { 0, 1, 0, 2, 1 };
	assert_int_equal(ds.nquality, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(ds.quality[i].metric, want[i]);
	assert_int_equal(ds.quality[3].file, 1);
	dataset_free(&ds);
}

/* ---- Finished words ------------------------------------------------------------ */

static void test_finished_words(void **state)
{
	static const struct {
		const char *cell;
		int want;       /* -2: rejected */
	} cases[] = {
		{ "true", 1 }, { "TRUE", 1 }, { "True", 1 }, { "1", 1 }, { "yes", 1 }, { "YES", 1 },
		{ "false", 0 }, { "False", 0 }, { "0", 0 }, { "no", 0 }, { "No", 0 },
		{ "", -1 }, { "\" \"", -1 }, { "\" yes \"", 1 },
		{ "2", -2 }, { "y", -2 }, { "truee", -2 }, { "-1", -2 }, { "finished", -2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int kind = 0; kind < 2; kind++) {
			struct dataset ds;
			char csv[160], err[200];

			if (kind == 0)
				snprintf(csv, sizeof csv, "RoomId,UserId,Finished\nr,u,%s\n", cases[i].cell);
			else
				snprintf(csv, sizeof csv, "RoomId,CommId,IsFinished\nr,c,%s\n", cases[i].cell);
			assert_int_equal(dataset_init(&ds), RR_OK);
			assert_int_equal(run(&ds, csv, NULL, err), RR_OK);
			if (cases[i].want == -2) {
				assert_int_equal(ds.counts.rejected, 1);
				assert_int_equal(ds.diag.count[REJ_BAD_PARAM], 1);
				assert_int_equal(ds.nusers + ds.nrooms, 0);
			} else {
				no_rejects(&ds, i);
				int got = kind == 0 ? ds.users[0].finished : ds.rooms[0].finished;
				if (got != cases[i].want)
					fail_msg("case %zu kind %d: %d want %d", i, kind, got,
						 cases[i].want);
			}
			dataset_free(&ds);
		}
	}
}

/* ---- rejections ------------------------------------------------------------------ */

struct reject_case {
	const char *csv;
	enum diag_reason reason;
	uint64_t line;
	const char *detail;
};

#define UH "RoomId,UserId,JoinTs,LeaveTs,Finished,DeviceType\n"
#define RH "RoomId,CommId,CreateTime,DestroyTime,IsFinished\n"
#define QH "UserId,DataType,Time,Value,RoomId\n"

static void test_rejects(void **state)
{
	static const struct reject_case cases[] = {
		/* users */
		{ UH "r,u," TS ",," TS ",x\n", REJ_BAD_PARAM, 2,
		  "Finished \"1795168800\" is not true/false" },
		{ UH "r,u,soon,,,x\n", REJ_BAD_TIME, 2, "JoinTs \"soon\" is not a time" },
		{ UH "r,u,,4102444800000,,x\n", REJ_BAD_TIME, 2, "LeaveTs \"4102444800000\" is outside 2000-2099" },
		{ UH "r,u,86400,,,x\n", REJ_BAD_TIME, 2, "JoinTs \"86400\" is outside 2000-2099" },
		{ UH "r,u,,,maybe,x\n", REJ_BAD_PARAM, 2, "Finished \"maybe\" is not true/false" },
		{ UH ",u,,,,x\n", REJ_MISSING, 2, "RoomId is empty" },
		{ UH "r, ,,,,x\n", REJ_MISSING, 2, "UserId is empty" },
		{ UH "r,u,,,\n", REJ_RAGGED, 2, "5 fields, the header has 6" },
		{ UH "r,u,,,,\"a\nb\"\nr,u,,,,\xff\n", REJ_BAD_UTF8, 4,
		  "invalid UTF-8 in column 6 (DeviceType)" },
		/* rooms */
		{ RH "r,c,yesterday,,\n", REJ_BAD_TIME, 2, "CreateTime \"yesterday\" is not a time" },
		{ RH "r,c,," TS "x,\n", REJ_BAD_TIME, 2, "DestroyTime \"1795168800x\" is not a time" },
		{ RH "r,c,,,done\n", REJ_BAD_PARAM, 2, "IsFinished \"done\" is not true/false" },
		{ RH "r,,,,\n", REJ_MISSING, 2, "CommId is empty" },
		{ RH ",c,,,\n", REJ_MISSING, 2, "RoomId is empty" },
		/* quality */
		{ QH "u,rtt," TS ",abc,r\n", REJ_BAD_PARAM, 2, "Value \"abc\" is not a number" },
		{ QH "u,rtt," TS ",nan,r\n", REJ_BAD_PARAM, 2, "Value \"nan\" is not a number" },
		{ QH "u,rtt," TS ",NaN,r\n", REJ_BAD_PARAM, 2, "Value \"NaN\" is not a number" },
		{ QH "u,rtt," TS ",inf,r\n", REJ_BAD_PARAM, 2, "Value \"inf\" is not a number" },
		{ QH "u,rtt," TS ",-Infinity,r\n", REJ_BAD_PARAM, 2, "Value \"-Infinity\" is not a number" },
		{ QH "u,rtt," TS ",0x10,r\n", REJ_BAD_PARAM, 2, "Value \"0x10\" is not a number" },
		{ QH "u,rtt," TS ",1e,r\n", REJ_BAD_PARAM, 2, "Value \"1e\" is not a number" },
		{ QH "u,rtt," TS ",.,r\n", REJ_BAD_PARAM, 2, "Value \".\" is not a number" },
		{ QH "u,rtt," TS ",1.2.3,r\n", REJ_BAD_PARAM, 2, "Value \"1.2.3\" is not a number" },
		{ QH "u,rtt," TS ",\"1 2\",r\n", REJ_BAD_PARAM, 2, "Value \"1 2\" is not a number" },
		{ QH "u,rtt," TS ",1e999,r\n", REJ_RANGE, 2, "Value \"1e999\" is out of range" },
		{ QH "u,rtt," TS ",-1e39,r\n", REJ_RANGE, 2, "Value \"-1e39\" is out of range" },
		{ QH "u,rtt," TS ",,r\n", REJ_MISSING, 2, "Value is empty" },
		{ QH "u,rtt,,1,r\n", REJ_BAD_TIME, 2, "Time is empty" },
		{ QH "u,rtt,later,1,r\n", REJ_BAD_TIME, 2, "Time \"later\" is not a time" },
		{ QH "u,rtt,4102444800,1,r\n", REJ_BAD_TIME, 2, "Time \"4102444800\" is outside 2000-2099" },
		{ QH "u,," TS ",1,r\n", REJ_MISSING, 2, "DataType is empty" },
		{ QH ",rtt," TS ",1,r\n", REJ_MISSING, 2, "UserId is empty" },
		{ QH "u,rtt," TS ",1,r\nu,rtt," TS ",1\n", REJ_RAGGED, 3, "4 fields, the header has 5" },
		{ QH "u,rtt," TS ",1,\"r\0\"\n", REJ_NUL, 2, "NUL byte in column 5 (RoomId)" },
		{ QH "u,rtt," TS ",1,\"r\n", REJ_BAD_QUOTE, 2, "stray or unterminated quote" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct reject_case *rc = &cases[i];
		struct dataset ds;
		struct ingest_options o;
		char err[200];
		char *out = NULL;
		size_t outlen = 0;
		/* The NUL case needs its true length. */
		size_t len = strlen(rc->csv);
		if (rc->reason == REJ_NUL)
			len += strlen(rc->csv + len + 1) + 1;

		kit_ingest_options(&o);
		o.rejected = open_memstream(&out, &outlen);
		assert_non_null(o.rejected);
		assert_int_equal(dataset_init(&ds), RR_OK);
		int st = ingest_mem(&ds, "f.csv", rc->csv, len, &o, err, sizeof err);
		fclose(o.rejected);
		if (st != RR_OK)
			fail_msg("case %zu: %s", i, err);
		if (ds.counts.rejected != 1 || ds.diag.nkept != 1)
			fail_msg("case %zu: %llu rejected", i, (unsigned long long)ds.counts.rejected);
		const struct diag_item *d = &ds.diag.kept[0];
		if (d->reason != rc->reason || d->line != rc->line || strcmp(d->detail, rc->detail))
			fail_msg("case %zu: got %s line %llu \"%s\"", i, diag_reason_code(d->reason),
				 (unsigned long long)d->line, d->detail);
		assert_string_equal(d->file, "f.csv");
		/* The --rejected line starts with file,line,reason. */
		char head[80];
		snprintf(head, sizeof head, "f.csv,%llu,%s,", (unsigned long long)rc->line,
			 diag_reason_code(rc->reason));
		if (!out || strncmp(out, head, strlen(head)) != 0)
			fail_msg("case %zu: rejected output %s", i, out ? out : "(none)");
		free(out);
		/* Accounting before and after finish. */
		assert_int_equal(dataset_finish(&ds), RR_OK);
		assert_int_equal(ds.counts.rows, ds.counts.used + ds.counts.filtered +
				 ds.counts.rejected + ds.counts.duplicates);
		dataset_free(&ds);
	}
}

/* ---- required columns ------------------------------------------------------------ */

static void test_missing_columns(void **state)
{
	static const struct {
		const char *csv, *err;
	} cases[] = {
		{ "UserId,JoinTs\nu,1\n", "f.csv: missing required column 'RoomId' for users rows" },
		{ "RoomId,DeviceType\nr,x\n", "f.csv: missing required column 'UserId' for users rows" },
		{ "RoomId,UserId2,Finished\nr,u,1\n",
		  "f.csv: missing required column 'UserId' for users rows" },
		{ "CommId,CreateTime\nc,1\n", "f.csv: missing required column 'RoomId' for rooms rows" },
		{ "RoomId,IsFinished\nr,1\n", "f.csv: missing required column 'CommId' for rooms rows" },
		{ "DataType,Time,Value\nrtt,1,1\n",
		  "f.csv: missing required column 'UserId' for quality rows" },
		{ "UserId,DataType,Value\nu,rtt,1\n",
		  "f.csv: missing required column 'Time' for quality rows" },
		{ "UserId,DataType,Time\nu,rtt,1\n",
		  "f.csv: missing required column 'Value' for quality rows" },
		/* DataType decides quality even beside users columns. */
		{ "RoomId,UserId,DataType,JoinTs\nr,u,rtt,1\n",
		  "f.csv: missing required column 'Time' for quality rows" },
		/* Event and abnormal files keep their messages. */
		{ "RoomId,UserId,EventId,JoinTs\nr,u,1,2\n",
		  "f.csv: missing required column 'Time' for event rows" },
		{ "RoomId,UserId,ExperienceId,DataType\nr,u,1,x\n",
		  "f.csv: missing required column 'EventTime' for abnormal rows" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dataset ds;
		char err[200];

		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, cases[i].csv, NULL, err) != RR_EDATA)
			fail_msg("case %zu: not an error", i);
		assert_string_equal(err, cases[i].err);
		assert_int_equal(ds.nfiles, 0);
		assert_int_equal(ds.counts.rows, 0);
		assert_int_equal(ds.nusers + ds.nrooms + ds.nquality, 0);
		dataset_free(&ds);
	}
}

/* Header-only and empty companion files: a note, no rows, no "not used". */
static void test_no_rows(void **state)
{
	static const char *const csv[] = {
		"RoomId,UserId,JoinTs\n", "RoomId,CommId,CreateTime\n",
		"UserId,DataType,Time,Value\n",
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct dataset ds;
		char err[200];

		assert_int_equal(dataset_init(&ds), RR_OK);
		assert_int_equal(run(&ds, csv[i], NULL, err), RR_OK);
		assert_int_equal(ds.diag.nnotes, 1);
		assert_string_equal(ds.diag.notes[0], "f.csv: no data rows");
		assert_int_equal(ds.nfiles, 1);
		dataset_free(&ds);
	}
}

/* ---- filters ------------------------------------------------------------------ */

struct filter_case {
	const char *csv;
	const char *room, *user;
	int64_t from, to;
	size_t kept, filtered;
};

static void test_filters(void **state)
{
	static const char users[] =
		"RoomId,UserId,JoinTs\n"
		"r1,u1," TS "\n"
		"r1,u2," TS2 "\n"
		"r2,u1,\n";           /* no join time: never time-filtered */
	static const char rooms[] =
		"RoomId,CommId,CreateTime\n"
		"r1,c1," TS "\n"
		"r2,c2," TS2 "\n"
		"r1,c3,\n";
	static const char quality[] =
		"UserId,DataType,Time,Value,RoomId\n"
		"u1,rtt," TS ",1,r1\n"
		"u2,rtt," TS2 ",1,r1\n"
		"u1,rtt," TS2 ",1,\n"   /* no room: --room does not apply */
		"u1,rtt," TS ",1,r2\n";
	static const struct filter_case cases[] = {
		{ users, NULL, NULL, INT64_MIN, INT64_MAX, 3, 0 },
		{ users, "r1", NULL, INT64_MIN, INT64_MAX, 2, 1 },
		{ users, NULL, "u1", INT64_MIN, INT64_MAX, 2, 1 },
		{ users, "r1", "u1", INT64_MIN, INT64_MAX, 1, 2 },
		{ users, NULL, NULL, T2_MS, INT64_MAX, 2, 1 },
		{ users, NULL, NULL, INT64_MIN, T2_MS, 2, 1 },
		/* --user never filters a rooms row; --room and time do. */
		{ rooms, NULL, "u9", INT64_MIN, INT64_MAX, 3, 0 },
		{ rooms, "r1", NULL, INT64_MIN, INT64_MAX, 2, 1 },
		{ rooms, NULL, NULL, T2_MS, INT64_MAX, 2, 1 },
		{ rooms, "r2", NULL, INT64_MIN, T2_MS, 0, 3 },
		{ quality, NULL, NULL, INT64_MIN, INT64_MAX, 4, 0 },
		{ quality, "r1", NULL, INT64_MIN, INT64_MAX, 3, 1 },
		{ quality, NULL, "u2", INT64_MIN, INT64_MAX, 1, 3 },
		{ quality, "r2", "u1", INT64_MIN, INT64_MAX, 2, 2 },
		{ quality, NULL, NULL, INT64_MIN, T2_MS, 2, 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct filter_case *fc = &cases[i];
		struct dataset ds;
		struct ingest_options o;
		char err[200];
		const char *room[1] = { fc->room }, *user[1] = { fc->user };

		kit_ingest_options(&o);
		if (fc->room) {
			o.rooms = room;
			o.nrooms = 1;
		}
		if (fc->user) {
			o.users = user;
			o.nusers = 1;
		}
		o.from_ms = fc->from;
		o.to_ms = fc->to;
		assert_int_equal(dataset_init(&ds), RR_OK);
		if (run(&ds, fc->csv, &o, err) != RR_OK)
			fail_msg("case %zu: %s", i, err);
		no_rejects(&ds, i);
		size_t kept = ds.nusers + ds.nrooms + ds.nquality;
		if (kept != fc->kept || ds.counts.filtered != fc->filtered)
			fail_msg("case %zu: kept %zu filtered %llu, want %zu %zu", i, kept,
				 (unsigned long long)ds.counts.filtered, fc->kept, fc->filtered);
		assert_int_equal(dataset_finish(&ds), RR_OK);
		assert_int_equal(ds.counts.used, fc->kept);
		assert_int_equal(ds.counts.rows, ds.counts.used + ds.counts.filtered);
		dataset_free(&ds);
	}
}

/* ---- finish: sort, duplicates, counts ------------------------------------------ */

static void test_finish_sorts_and_dedupes(void **state)
{
	struct dataset ds;
	char err[200];

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* Interning order fixes the ids: ra < rb, ua < ub, c1 < c2. */
	assert_int_equal(run_named(&ds, "e.csv", "RoomId,UserId,Time,EventId,CommId\n"
				   "ra,ua," TS "000,5001,c1\nrb,ub," TS "000,5001,c2\n"
				   "ra,ua," TS "000,5001,c1\n", NULL, err), RR_OK);
	assert_int_equal(run_named(&ds, "u1.csv", "RoomId,UserId,JoinTs,DeviceType,CommId\n"
				   "rb,ub," TS ",d1,c2\n"
				   "ra,ub," TS2 ",d1,c1\n"
				   "ra,ub," TS ",d2,c1\n"
				   "ra,ua," TS ",d1,c1\n"
				   "ra,ub," TS2 ",d3,c1\n"   /* same key, another device: kept, after */
				   "ra,ub," TS2 ",d1,c1\n",  /* exact repeat in one file */
				   NULL, err), RR_OK);
	assert_int_equal(run_named(&ds, "u2.csv", "RoomId,UserId,JoinTs,DeviceType,CommId\n"
				   "ra,ua," TS ",d1,c1\n", /* repeat from another file */
				   NULL, err), RR_OK);
	assert_int_equal(run_named(&ds, "r.csv", "RoomId,CommId,CreateTime,IsFinished\n"
				   "rb,c2," TS ",1\nra,c1," TS2 ",1\nra,c1," TS ",0\nra,c1," TS ",1\n"
				   "ra,c1," TS ",0\n", NULL, err), RR_OK);
	assert_int_equal(run_named(&ds, "q.csv", "UserId,DataType,Time,Value,RoomId,CommId,PeerId\n"
				   "ub,rtt," TS2 ",1,ra,c1,\n"
				   "ub,rtt," TS ",2,ra,c1,\n"
				   "ua,aLoss," TS ",3,ra,c1,\n"
				   "ua,rtt," TS ",4,ra,c1,\n"
				   "ua,rtt," TS ",4,ra,c1,ub\n"
				   "ub,rtt," TS ",2,ra,c1,\n"   /* repeat */
				   "ub,rtt," TS ",2.5,ra,c1,\n" /* same key, other value: kept */
				   "ua,rtt," TS ",4,,,\n",      /* no room sorts first */
				   NULL, err), RR_OK);
	assert_int_equal(ds.counts.rows, 3 + 6 + 1 + 5 + 8);
	assert_int_equal(dataset_finish(&ds), RR_OK);

	/* users: (room, comm, user, join), input order among equal keys */
	static const struct {
		const char *room, *user, *device;
		int64_t join;
	} wu[] = {
		{ "ra", "ua", "d1", T_MS }, { "ra", "ub", "d2", T_MS },
		{ "ra", "ub", "d1", T2_MS }, { "ra", "ub", "d3", T2_MS },
		{ "rb", "ub", "d1", T_MS },
	};
	assert_int_equal(ds.nusers, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(str(&ds, ds.users[i].room), wu[i].room);
		assert_string_equal(str(&ds, ds.users[i].user), wu[i].user);
		assert_string_equal(str(&ds, ds.users[i].device), wu[i].device);
		assert_int_equal(ds.users[i].join_ms, wu[i].join);
	}
	assert_int_equal(ds.users[0].file, 1);   /* the first copy stays */

	/* rooms: (room, comm, create) */
	static const struct {
		const char *room;
		int64_t create;
		int finished;
	} wr[] = { { "ra", T_MS, 0 }, { "ra", T_MS, 1 }, { "ra", T2_MS, 1 }, { "rb", T_MS, 1 } };
	assert_int_equal(ds.nrooms, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(str(&ds, ds.rooms[i].room), wr[i].room);
		assert_int_equal(ds.rooms[i].create_ms, wr[i].create);
		assert_int_equal(ds.rooms[i].finished, wr[i].finished);
	}

	/* quality: (room, comm, user, peer, metric, time); rtt is metric 0 */
	static const struct {
		const char *room, *user, *peer;
		uint16_t metric;
		int64_t t;
		float v;
	} wq[] = {
		{ "", "ua", "", 0, T_MS, 4 },
		{ "ra", "ua", "", 0, T_MS, 4 },
		{ "ra", "ua", "", 1, T_MS, 3 },
		{ "ra", "ua", "ub", 0, T_MS, 4 },
		{ "ra", "ub", "", 0, T_MS, 2 },
		{ "ra", "ub", "", 0, T_MS, 2.5f },
		{ "ra", "ub", "", 0, T2_MS, 1 },
	};
	assert_int_equal(ds.nquality, 7);
	for (size_t i = 0; i < 7; i++) {
		const struct quality_sample *q = &ds.quality[i];
		if (strcmp(str(&ds, q->room), wq[i].room) || strcmp(str(&ds, q->user), wq[i].user) ||
		    strcmp(str(&ds, q->peer), wq[i].peer) || q->metric != wq[i].metric ||
		    q->time_ms != wq[i].t || q->value != wq[i].v)
			fail_msg("quality %zu: %s %s %s %u %lld %g", i, str(&ds, q->room),
				 str(&ds, q->user), str(&ds, q->peer), q->metric,
				 (long long)q->time_ms, (double)q->value);
	}

	/* 1 event + 2 users + 1 room + 1 quality repeat. */
	assert_int_equal(ds.counts.duplicates, 5);
	assert_int_equal(ds.counts.events, 2);
	assert_int_equal(ds.counts.users, 5);
	assert_int_equal(ds.counts.rooms, 4);
	assert_int_equal(ds.counts.quality, 7);
	assert_int_equal(ds.counts.used, 2 + 5 + 4 + 7);
	assert_int_equal(ds.counts.rows, ds.counts.used + ds.counts.filtered +
			 ds.counts.rejected + ds.counts.duplicates);
	dataset_free(&ds);
}

/* A long run of one key (hostile input): repeats found without quadratic work. */
static void test_long_run_dedupe(void **state)
{
	struct dataset ds;

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	for (int i = 0; i < 3000; i++) {
		struct quality_sample q = { T_MS, 1, 0, 2, 0, 0, 0, (float)(i % 1000) };
		assert_int_equal(dataset_append_quality(&ds, &q), RR_OK);
		struct user_info u = { T_MS, RR_NONE, 1, 0, 2, (uint32_t)(i % 100), 0, 0, -1, 0, 0 };
		assert_int_equal(dataset_append_user(&ds, &u), RR_OK);
	}
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(ds.nquality, 1000);
	assert_int_equal(ds.nusers, 100);
	/* Input order among equal keys: the first 1000 values in order. */
	for (size_t i = 0; i < 1000; i++)
		assert_true(ds.quality[i].value == (float)i);
	assert_int_equal(ds.counts.duplicates, 2000 + 2900);
	assert_int_equal(ds.counts.used, 1100);
	dataset_free(&ds);
}

/* ---- metric limit ------------------------------------------------------------------ */

static void test_metric_limit(void **state)
{
	struct dataset ds;
	char err[200];
	size_t cap = 64 + (DATASET_MAX_METRICS + 3) * 48;
	char *csv = malloc(cap);
	size_t n;

	(void)state;
	assert_non_null(csv);
	n = (size_t)snprintf(csv, cap, "UserId,DataType,Time,Value\n");
	for (int i = 0; i <= DATASET_MAX_METRICS; i++)
		n += (size_t)snprintf(csv + n, cap - n, "u,m%d," TS ",%d\n", i, i);
	/* A known name after the limit still works. */
	n += (size_t)snprintf(csv + n, cap - n, "u,m7," TS2 ",1\n");
	assert_true(n < cap);

	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(run(&ds, csv, NULL, err), RR_OK);
	assert_int_equal(ds.nmetrics, DATASET_MAX_METRICS);
	assert_int_equal(ds.nquality, DATASET_MAX_METRICS + 1);
	assert_int_equal(ds.counts.rejected, 1);
	assert_int_equal(ds.diag.count[REJ_RANGE], 1);
	assert_int_equal(ds.diag.kept[0].line, DATASET_MAX_METRICS + 2);
	char want[120];
	snprintf(want, sizeof want, "DataType \"m%d\" is past the limit of %d metric names",
		 DATASET_MAX_METRICS, DATASET_MAX_METRICS);
	assert_string_equal(ds.diag.kept[0].detail, want);
	assert_int_equal(ds.quality[DATASET_MAX_METRICS].metric, 7);

	/* The table itself. */
	uint16_t idx;
	assert_int_equal(dataset_metric(&ds, ds.metrics[5], &idx), RR_OK);
	assert_int_equal(idx, 5);
	assert_int_equal(dataset_metric(&ds, 999999, &idx), RR_EDATA);
	dataset_free(&ds);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_rooms),
		cmocka_unit_test(test_quality),
		cmocka_unit_test(test_metric_table),
		cmocka_unit_test(test_finished_words),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_missing_columns),
		cmocka_unit_test(test_no_rows),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_finish_sorts_and_dedupes),
		cmocka_unit_test(test_long_run_dedupe),
		cmocka_unit_test(test_metric_limit),
	};
	return cmocka_run_group_tests(tests, kit_setup_utc, kit_teardown_utc);
}
