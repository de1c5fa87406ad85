/*
 * ingest's column-specialised row parser against the general way (reader
 * fields + row checks): every input is ingested with general_rows off and
 * on, and the two datasets must be the same -- records with their string
 * ids, counts, kept diagnostics with their lines, notes -- and so must the
 * status, the error message and the rejected-rows CSV. Inputs: every file of
 * the test data and the samples, with and without filters, and generated
 * rows that are the common shape but for one byte or one cell.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "ingest.h"
#include "kit.h"
#include "util.h"

#define SAMPLES RR_TEST_DATA "/../../samples"


/* Filters applied in the "filtered" variant of each input. */
static const char *const filter_rooms[] = { "room1", "r2", "1001" };
static const char *const filter_users[] = { "u1", "user_2", "alice", "u3" };

/* Ingests buf both ways (from memory, then once more from a file for the
 * window's refills), plain and with filters, and checks they agree.
 * Returns how many rows the data had. */
static uint64_t check_both(const char *name, const unsigned char *buf, size_t len)
{
	uint64_t rows = 0;

	for (int filters = 0; filters < 2; filters++) {
		struct dataset ds[2];
		char err[2][300], *rej[2];
		size_t rejlen[2];
		int rc[2];

		for (int general = 0; general < 2; general++) {
			struct ingest_options o;
			FILE *f = open_memstream(&rej[general], &rejlen[general]);

			assert_non_null(f);
			kit_ingest_options(&o);
			o.threads = 1;
			o.general_rows = general;
			o.rejected = f;
			if (filters) {
				o.rooms = filter_rooms;
				o.nrooms = 3;
				o.users = filter_users;
				o.nusers = 4;
				o.from_ms = 1700000000000LL;
				o.to_ms = 1800000000000LL;
			}
			assert_int_equal(dataset_init(&ds[general]), RR_OK);
			err[general][0] = '\0';
			rc[general] = ingest_mem(&ds[general], name, buf, len, &o, err[general],
						 sizeof err[general]);
			assert_int_equal(fclose(f), 0);
		}
		if (rc[0] != rc[1] || strcmp(err[0], err[1]) != 0)
			fail_msg("%s: %d \"%s\" (fast) vs %d \"%s\" (general)", name, rc[0], err[0],
				 rc[1], err[1]);
		kit_assert_same_dataset(&ds[0], &ds[1]);
		assert_int_equal(rejlen[0], rejlen[1]);
		assert_memory_equal(rej[0], rej[1], rejlen[0]);
		rows = ds[0].counts.rows;
		for (int k = 0; k < 2; k++) {
			dataset_free(&ds[k]);
			free(rej[k]);
		}
	}
	return rows;
}

static void check_file(const char *path, const unsigned char *buf, size_t len)
{
	check_both(path, buf, len);
}

/* Every file of the test data and the samples. */
static void test_corpus(void **state)
{
	(void)state;
	assert_true(kit_each_file(RR_TEST_DATA, check_file) >= 25);
	assert_true(kit_each_file(SAMPLES, check_file) >= 5);
}

/* Headers in the shapes the parser must follow: the export's order, other
 * orders, optional columns missing, extra and repeated columns, a mixed
 * event/abnormal file, and one without EventId (never the fast way). */
static const char *const headers[] = {
	"SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo",
	"RoomId,UserId,Time,EventId,ParamOne,ParamTwo",
	"EventId,Time,UserId,RoomId",
	"room_id,USER_ID,Timestamp,event-id,Param1,Param2,Type,PeerId,CommId,Extra",
	"RoomId,UserId,Time,EventId,RoomId,ParamOne",
	"RoomId,UserId,Time,EventTime,EventId,ExperienceId,AbnormalEventId,PeerId",
	"RoomId,UserId,EventTime,ExperienceId,AbnormalEventId,PeerId",
	/* The app after the room: the room key needs both (dataset.h). */
	"RoomId,SdkAppId,UserId,PeerId,Time,EventId,ParamOne",
};

/* Cells a column may get instead of its usual value: near misses of the
 * common shape on both sides of every limit the general way applies. */
static const char *const odd_cells[] = {
	"", " ", " 5", "5 ", "\t7", "-", "-0", "+5", "007", "00000000001",
	"99999999999", "999999999999", "-9999999999", "2147483647", "2147483648",
	"-2147483648", "-2147483649", "127", "128", "-128", "-129", "1e3", "0x10",
	"1763886519", "1763886519043", "176388651904", "17638865190430", "946684799",
	"946684800", "946684799999", "946684800000", "4102444799999", "4102444800000",
	"4102444799", "4102444800", "2026-11-20T10:31:05Z", "2026-11-20 10:31:05",
	"r\xc3\xa9", "r\xff", "\"q\"", "a\"b", "a b", "u1", "room1", "alice", "x,y",
	"\x7f", "!#$%&'()*", "1763886519.5",
};

/* Bytes spliced into a row at random. */
static const char odd_bytes[] = { ' ', '\t', '"', '+', '-', '\r', '\n', '\0', ',', '0',
				  '9', 'x', '.', ':', (char)0xc3, (char)0xa9, (char)0xff,
				  0x7f, '!' };

static unsigned next_rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* A usual value for column k of a header with n columns. */
static void usual_cell(char *out, size_t size, const char *header, size_t k, unsigned *seed)
{
	static const char *const ids[] = { "room1", "r2", "u1", "user_2", "alice", "u3",
					   "1001", "1400188366_room1_1763886508" };
	static const char *const nums[] = { "0", "2", "-1", "5001", "32788", "1", "7" };
	char name[64];
	const char *p = header;
	size_t len;

	for (size_t i = 0; i < k; i++)
		p = strchr(p, ',') + 1;
	len = strcspn(p, ",");
	snprintf(name, sizeof name, "%.*s", (int)len, p);
	if (strstr(name, "Time") || strstr(name, "time"))
		snprintf(out, size, "%lld", 1763886519000LL + next_rand(seed) % 100000);
	else if (strstr(name, "Room") || strstr(name, "room") || strstr(name, "User") ||
		 strstr(name, "USER") || strstr(name, "Peer") || strstr(name, "Comm"))
		snprintf(out, size, "%s", ids[next_rand(seed) % 8]);
	else
		snprintf(out, size, "%s", nums[next_rand(seed) % 7]);
}

/*
 * For each header, files of rows in the common shape where some rows have
 * one cell swapped for an odd one, one byte spliced in or one byte deleted.
 * Most rows still pass; the others must be taken the general way with the
 * same outcome.
 */
static void test_near_misses(void **state)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	unsigned seed = 4242;
	uint64_t rows = 0;

	(void)state;
	assert_non_null(buf);
	for (size_t h = 0; h < sizeof headers / sizeof *headers; h++) {
		size_t ncols = 1;

		for (const char *p = headers[h]; *p; p++)
			ncols += *p == ',';
		for (int round = 0; round < 40; round++) {
			size_t len = (size_t)sprintf(buf, "%s%s", headers[h],
						     round % 3 ? "\n" : "\r\n");

			for (int row = 0; row < 60; row++) {
				char line[512];
				size_t n = 0;
				unsigned what = next_rand(&seed) % 8;
				size_t odd_col = next_rand(&seed) % ncols;

				for (size_t k = 0; k < ncols; k++) {
					char cell[128];

					if (what == 0 && k == odd_col)
						snprintf(cell, sizeof cell, "%s",
							 odd_cells[next_rand(&seed) %
								   (sizeof odd_cells / sizeof *odd_cells)]);
					else
						usual_cell(cell, sizeof cell, headers[h], k, &seed);
					n += (size_t)snprintf(line + n, sizeof line - n, "%s%s",
							      k ? "," : "", cell);
				}
				if (what == 1 && n > 0) {
					size_t at = next_rand(&seed) % (n + 1);

					memmove(line + at + 1, line + at, n - at);
					line[at] = odd_bytes[next_rand(&seed) % sizeof odd_bytes];
					n++;
				} else if (what == 2 && n > 0) {
					size_t at = next_rand(&seed) % n;

					memmove(line + at, line + at + 1, n - at - 1);
					n--;
				}
				memcpy(buf + len, line, n);
				len += n;
				/* Line ends: LF, CRLF, CR alone now and then, and a
				 * last row without one. */
				if (row == 59 && round % 5 == 4)
					continue;
				switch (next_rand(&seed) % 8) {
				case 0:
					memcpy(buf + len, "\r\n", 2);
					len += 2;
					break;
				case 1:
					buf[len++] = '\r';
					break;
				default:
					buf[len++] = '\n';
				}
			}
			rows += check_both("near.csv", (const unsigned char *)buf, len);
		}
	}
	assert_true(rows > 10000);
	free(buf);
}

/* A file bigger than the reader's window, so rows are cut by its end and
 * its refills: read from a file, both ways, with rows of varying length. */
static void test_window_edges(void **state)
{
	char path[] = "/tmp/rr-ingest-fast-XXXXXX";
	size_t cap = 3u << 20, len;
	char *buf = malloc(cap);
	unsigned seed = 99;
	int fd;
	FILE *f;
	struct dataset ds[2];

	(void)state;
	assert_non_null(buf);
	len = (size_t)sprintf(buf, "RoomId,UserId,PeerId,Time,EventId,ParamOne,ParamTwo\n");
	while (len < cap - 200) {
		unsigned k = next_rand(&seed);

		len += (size_t)sprintf(buf + len, "room%u,u%u,%.*s,%lld,%u,%d,-1\n", k % 7,
				       k % 13, (int)(k % 40), "pppppppppppppppppppppppppppppppppppppppp",
				       1763886519000LL + k, 5000 + k % 9, (int)(k % 3) - 1);
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	for (int general = 0; general < 2; general++) {
		struct ingest_options o;
		char err[300];

		kit_ingest_options(&o);
		o.threads = 1;
		o.general_rows = general;
		assert_int_equal(dataset_init(&ds[general]), RR_OK);
		assert_int_equal(ingest_file(&ds[general], path, &o, err, sizeof err), RR_OK);
	}
	assert_true(ds[0].nrecs > 30000);
	kit_assert_same_dataset(&ds[0], &ds[1]);
	dataset_free(&ds[0]);
	dataset_free(&ds[1]);
	remove(path);
	free(buf);
}

/* Rows that begin like the row before, in part or in full: the parser
 * reuses the leading ID columns of the last row it took while their bytes
 * repeat, and must give what the general way gives wherever the repeat
 * stops -- inside a field, at a comma that moved, at a field that grew or
 * shrank, across rows the general way takes or rejects, filtered rows, and
 * leading columns too long to be kept. */
static void test_repeated_leads(void **state)
{
	static const char *const cases[] = {
		/* The export's order; PeerId comes and goes. */
		"SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n"
		"1400,c_room1_1,room1,u1,,1763886519000,0,5001,-1,-1\n"
		"1400,c_room1_1,room1,u1,,1763886519001,0,5002,1,-1\n"
		"1400,c_room1_1,room1,u1,u2,1763886519002,2,5006,-1,-1\n"
		"1400,c_room1_1,room1,u1,,1763886519003,0,3001,3,-1\n"
		"1400,c_room1_1,room1,u1,u3,1763886519004,2,5006,-1,-1\n"
		"1400,c_room1_1,room1,u1,u3,1763886519005,2,5007,-1,-1\n",
		/* A user that is a prefix of the next one, and back. */
		"SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n"
		"1400,c1,room1,u1,,1763886519000,0,5001,-1,-1\n"
		"1400,c1,room1,u12,,1763886519001,0,5001,-1,-1\n"
		"1400,c1,room1,u1,,1763886519002,0,5002,-1,-1\n"
		"1400,c1,room1,u1x,,1763886519003,0,5002,-1,-1\n"
		"1400,c1,room1,u,,1763886519004,0,5002,-1,-1\n"
		"1400,c1,room12,u,,1763886519005,0,5002,-1,-1\n"
		"1400,c2,room1,u,,1763886519006,0,5002,-1,-1\n"
		"1401,c2,room1,u,,1763886519007,0,5002,-1,-1\n"
		"14011,c2,room1,u,,1763886519008,0,5002,-1,-1\n",
		/* Rows the general way takes (quotes, blanks, UTF-8) or rejects
		 * (no UserId, a bad time), between rows that repeat. */
		"SdkAppId,CommId,RoomId,UserId,PeerId,Time,Type,EventId,ParamOne,ParamTwo\n"
		"1400,c1,room1,u1,,1763886519000,0,5001,-1,-1\n"
		"1400,c1,room1,\"u1\",,1763886519001,0,5002,-1,-1\n"
		"1400,c1,room1,u1,,1763886519002,0,5003,-1,-1\n"
		"1400,c1,room1, u1,,1763886519003,0,5003,-1,-1\n"
		"1400,c1,room1,u1\xc3\xa9,,1763886519004,0,5003,-1,-1\n"
		"1400,c1,room1,,,1763886519005,0,5003,-1,-1\n"
		"1400,c1,room1,u1,,1763886519006,0,5004,-1,-1\n"
		"1400,c1,room1,u1,,17638865190,0,5004,-1,-1\n"
		"1400,c1,room1,u1,,1763886519007,0,5005,-1,-1\n"
		"1400,c1,room1,u1\n"
		"1400,c1,room1,u1,,1763886519008,0,5005,-1,-1\r\n"
		"1400,c1,room1,u1,,1763886519009,0,5006,-1,-1\n",
		/* Filtered rooms and users (the filtered pass keeps room1, u1). */
		"RoomId,UserId,CommId,Time,EventId\n"
		"room1,u1,c,1763886519000,5001\n"
		"room1,u9,c,1763886519001,5001\n"
		"room1,u9,c,1763886519002,5002\n"
		"room1,u1,c,1763886519003,5002\n"
		"room9,u1,c,1763886519004,5002\n"
		"room1,u1,c,1763886519005,5003\n",
		/* No leading ID column: nothing is kept. */
		"Time,RoomId,UserId,EventId\n"
		"1763886519000,room1,u1,5001\n"
		"1763886519000,room1,u1,5002\n",
		/* One column only before the time, and every column an ID but
		 * the last. */
		"UserId,Time,RoomId,EventId\n"
		"u1,1763886519000,room1,5001\n"
		"u1,1763886519001,room2,5001\n"
		"u2,1763886519001,room2,5001\n",
		"RoomId,UserId,PeerId,CommId,EventId,Time\n"
		"room1,u1,,c1,5001,1763886519000\n"
		"room1,u1,,c1,5002,1763886519001\n"
		"room1,u1,u2,c1,5002,1763886519002\n",
		/* The app after the room, changing, empty and back, under one
		 * room: each row's room key is its own app's. */
		"RoomId,SdkAppId,UserId,Time,EventId\n"
		"room1,1400,u1,1763886519000,5001\n"
		"room1,1401,u1,1763886519001,5001\n"
		"room1,,u1,1763886519002,5001\n"
		"room1,1401,u1,1763886519003,5001\n"
		"room1,1400,u1,1763886519004,5001\n",
		/* The app before the room, empty in some rows. */
		"SdkAppId,RoomId,UserId,Time,EventId\n"
		"1400,room1,u1,1763886519000,5001\n"
		",room1,u1,1763886519001,5001\n"
		"1400,room1,u1,1763886519002,5001\n"
		"1400,room2,u1,1763886519003,5001\n",
	};
	char *buf = malloc(64 * 1024);
	size_t len;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_true(check_both(cases[i], (const unsigned char *)cases[i], strlen(cases[i])) > 1);
	/* Leading columns longer than what is kept: a 300-byte CommId. */
	len = (size_t)sprintf(buf, "RoomId,CommId,UserId,Time,EventId\n");
	for (int k = 0; k < 20; k++)
		len += (size_t)sprintf(buf + len, "room1,%0300d,u%d,%lld,5001\n", k / 5, k / 3,
				       1763886519000LL + k);
	assert_int_equal(check_both("long leads", (const unsigned char *)buf, len), 20);
	free(buf);
}

/* The string table's limit met on a row the fast way takes: the same
 * status and message (with that row's line) as the general way. */
static void test_limit_message(void **state)
{
	char buf[4096];
	size_t len = (size_t)sprintf(buf, "RoomId,UserId,Time,EventId\n");
	char err[2][300];
	int rc[2];

	(void)state;
	for (int i = 0; i < 40; i++)
		len += (size_t)sprintf(buf + len, "room%d,user%d,1763886519000,5001\n", i, i);
	for (int general = 0; general < 2; general++) {
		struct dataset ds;
		struct ingest_options o;

		kit_ingest_options(&o);
		o.threads = 1;
		o.general_rows = general;
		assert_int_equal(dataset_init(&ds), RR_OK);
		strtab_set_limits(ds.strs, 20, 1 << 20);
		rc[general] = ingest_mem(&ds, "lim.csv", buf, len, &o, err[general],
					 sizeof err[general]);
		dataset_free(&ds);
	}
	assert_int_equal(rc[0], RR_EDATA);
	assert_int_equal(rc[1], RR_EDATA);
	assert_string_equal(err[0], err[1]);
	assert_non_null(strstr(err[0], "lim.csv:11:"));
}

/* Rows of many calls mixed (no row repeats the IDs of the row before):
 * the recent-ID cache in front of the string table, with far more users,
 * calls and rooms than it has entries (so entries are replaced all the
 * time) and IDs longer than it keeps, gives each record the strings of its
 * own row, on both ways, as the ids of the general way. */
static void test_recent_ids(void **state)
{
	enum { ROWS = 20000 };
	char *buf = malloc(ROWS * 160 + 100);
	size_t len;
	struct dataset ds;
	struct ingest_options o;
	char err[200], want[128];

	(void)state;
	assert_non_null(buf);
	len = (size_t)sprintf(buf, "SdkAppId,CommId,RoomId,UserId,PeerId,Time,EventId\n");
	for (unsigned k = 0; k < ROWS; k++) {
		unsigned x = k * 2654435761u, call = x % 700, user = (x >> 12) % 3000;
		len += (size_t)sprintf(buf + len, "1400,1400_%u_%s,%u,user_%0*u,%s,%lld,5001\n",
				       call, call % 5 ? "" : "a-call-id-longer-than-the-cache-keeps",
				       call % 90, 8 + (int)(user % 9), user,
				       user % 4 ? "" : "peer", 1763886519000LL + k);
	}
	assert_int_equal(check_both("recent ids", (const unsigned char *)buf, len), ROWS);
	kit_ingest_options(&o);
	o.threads = 1;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "recent ids", buf, len, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.nrecs, ROWS);
	for (unsigned k = 0; k < ROWS; k++) {
		unsigned x = k * 2654435761u, call = x % 700, user = (x >> 12) % 3000;
		const struct record *r = &ds.recs[k];

		sprintf(want, "user_%0*u", 8 + (int)(user % 9), user);
		assert_string_equal(strtab_str(ds.strs, r->user), want);
		sprintf(want, "1400_%u_%s", call, call % 5 ? "" : "a-call-id-longer-than-the-cache-keeps");
		assert_string_equal(strtab_str(ds.strs, r->comm), want);
		assert_string_equal(strtab_str(ds.strs, r->peer), user % 4 ? "" : "peer");
		sprintf(want, "1400%c%u", DATASET_APP_SEP, call % 90);
		assert_string_equal(strtab_str(ds.strs, r->room), want);
	}
	dataset_free(&ds);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_repeated_leads),
		cmocka_unit_test(test_limit_message),
		cmocka_unit_test(test_recent_ids),
	};
	return cmocka_run_group_tests(tests, kit_setup_utc, kit_teardown_utc);
}
