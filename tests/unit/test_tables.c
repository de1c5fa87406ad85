/*
 * Tests for tables' event log: the row writer (tables_write_event) and the
 * header writer give exactly what tables_write_events writes, hostile IDs
 * included; the quoting of such IDs; an empty log; errors.
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
#include "dataset.h"
#include "kit.h"
#include "strtab.h"
#include "tables.h"
#include "util.h"

#define HEADER "time_ms,time,room_id,comm_id,user_id,peer_id,kind,event_id,param_one," \
	       "param_two,stream_type,label,category,severity\n"

static struct dataset ds;

static int setup(void **state)
{
	(void)state;
	return dataset_init(&ds) == RR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	dataset_free(&ds);
	return 0;
}

static int group_setup(void **state)
{
	if (kit_setup_catalog(state) || kit_setup_utc(state))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	kit_teardown_utc(state);
	return kit_teardown_catalog(state);
}

/* IDs here are C strings: any bytes but NUL, CR and LF included. */
static uint32_t intern(const char *s)
{
	return kit_intern(ds.strs, s);
}

static void add(int64_t t, const char *room, const char *comm, const char *user,
		const char *peer, enum rec_kind kind, int32_t id, int32_t p1, int32_t p2,
		int stream)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = t;
	r.room = intern(room);
	r.comm = intern(comm);
	r.user = intern(user);
	r.peer = intern(peer);
	r.kind = (uint8_t)kind;
	r.id = id;
	r.p1 = p1;
	r.p2 = p2;
	r.stream = stream;
	assert_int_equal(dataset_append(&ds, &r), RR_OK);
}

/* Everything written to a memory stream by one of the two ways. */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
}

/* The log written row by row, in time order (then dataset order), as a
 * writer that orders the records itself would. */
static void write_by_rows(struct mem *m)
{
	size_t *order = malloc((ds.nrecs + 1) * sizeof *order);

	assert_non_null(order);
	for (size_t i = 0; i < ds.nrecs; i++) {
		size_t j = i;

		/* insertion sort: stable, so ties keep dataset order */
		while (j > 0 && ds.recs[order[j - 1]].time_ms > ds.recs[i].time_ms) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	mem_open(m);
	tables_write_events_header(m->f);
	for (size_t i = 0; i < ds.nrecs; i++)
		tables_write_event(m->f, ds.strs, kit_cat, kit_utc, &ds.recs[order[i]]);
	assert_int_equal(ferror(m->f), 0);
	mem_close(m);
	free(order);
}

static void write_log(struct mem *m)
{
	mem_open(m);
	assert_int_equal(tables_write_events(&ds, kit_cat, kit_utc, m->f), RR_OK);
	mem_close(m);
}

/* IDs that need quoting (comma, quote, CR, LF, a space at either end),
 * that need none (formula-like text, non-ASCII) or are empty; labels with commas;
 * equal times across calls; known and unknown rows of both kinds. */
static void fill_hostile(void)
{
	add(1700000000000, "a,b", "say \"hi\"", "line\nbreak", "", REC_EVENT, 9999, -1, -1, 0);
	add(1700000000000, "\"", "cr\rhere", " spaced ", "=1+1", REC_EVENT, 1003, 2, -1, -1);
	add(1699999999999, "\xe6\x88\xbf\xe9\x97\xb4", "", "\r\n", "\"\"", REC_EVENT, 4013, 3, 0, 2);
	add(1700000000001, "a,b", "say \"hi\"", "line\nbreak", ",", REC_ABNORMAL, 4, 2017, -1, -1);
	add(1700000000002, "plain", "c", "u", "p", REC_ABNORMAL, 7, 4444, -1, -1);
	add(1700000000002, "a,b", "say \"hi\"", "line\nbreak", "", REC_EVENT, 33000, 4, 5, 7);
	assert_int_equal(dataset_finish(&ds), RR_OK);
}

static void test_rows_match_log(void **state)
{
	struct mem log, rows;

	(void)state;
	fill_hostile();
	write_log(&log);
	write_by_rows(&rows);
	assert_int_equal(rows.len, log.len);
	assert_memory_equal(rows.buf, log.buf, log.len);
	/* The header line first, then one line per record: the text itself
	 * must hold the quoted IDs, so both ways cannot be wrong alike. */
	assert_int_equal(strncmp(log.buf, HEADER, strlen(HEADER)), 0);
	assert_non_null(strstr(log.buf, "\n1700000000000,2023-11-14T22:13:20.000+00:00,\"a,b\","
				  "\"say \"\"hi\"\"\",\"line\nbreak\",,event,9999,-1,-1,0,"
				  "\"Unknown event 9999 (-1, -1)\",,\n"));
	/* spaces at either end are quoted too, or readers would trim them */
	assert_non_null(strstr(log.buf, ",\"\"\"\",\"cr\rhere\",\" spaced \",=1+1,event,1003,"));
	assert_non_null(strstr(log.buf, ",\"\r\n\",\"\"\"\"\"\",event,4013,3,0,2,"));
	assert_non_null(strstr(log.buf, ",\"line\nbreak\",\",\",abnormal,4,2017,-1,-1,"));
	free(log.buf);
	free(rows.buf);
}

static void test_one_row(void **state)
{
	struct mem m;

	(void)state;
	fill_hostile();
	mem_open(&m);
	/* records are sorted by room id, then comm, user, time: "a,b" came first */
	tables_write_event(m.f, ds.strs, kit_cat, kit_utc, &ds.recs[0]);
	mem_close(&m);
	assert_string_equal(m.buf, "1700000000000,2023-11-14T22:13:20.000+00:00,\"a,b\","
			    "\"say \"\"hi\"\"\",\"line\nbreak\",,event,9999,-1,-1,0,"
			    "\"Unknown event 9999 (-1, -1)\",,\n");
	free(m.buf);
}

static void test_empty_log(void **state)
{
	struct mem log, rows;

	(void)state;
	assert_int_equal(dataset_finish(&ds), RR_OK);
	write_log(&log);
	write_by_rows(&rows);
	assert_string_equal(log.buf, HEADER);
	assert_string_equal(rows.buf, HEADER);
	free(log.buf);
	free(rows.buf);
}

static void test_errors(void **state)
{
	FILE *f;
	struct mem m;

	(void)state;
	fill_hostile();
	/* A stream that refuses writes: the row writer leaves the error in
	 * ferror, the log writer returns RR_EIO. */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	tables_write_event(f, ds.strs, kit_cat, kit_utc, &ds.recs[0]);
	assert_true(ferror(f));
	clearerr(f);
	assert_int_equal(tables_write_events(&ds, kit_cat, kit_utc, f), RR_EIO);
	fclose(f);
	/* The order index cannot be allocated: RR_ENOMEM, nothing written. */
	mem_open(&m);
	rr_alloc_fail_at(1);
	assert_int_equal(tables_write_events(&ds, kit_cat, kit_utc, m.f), RR_ENOMEM);
	rr_alloc_fail_at(0);
	mem_close(&m);
	assert_int_equal(m.len, 0);
	free(m.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_match_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
