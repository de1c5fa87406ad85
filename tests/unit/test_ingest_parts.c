/* Tests for ingest's parallel path: a file read in parts on several threads
 * must give the very dataset one thread gives — records in the same order
 * with the same string ids, counts, kept diagnostics with their lines, notes
 * — whatever the part sizes, on every file of the test corpus and on inputs
 * built to put quoted line ends, CRLFs, blank lines and broken quotes where
 * the cuts fall. */
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


/* Ingests buf on one thread and then in parts with each (threads, part
 * size) combination, and checks every result (status, message, dataset)
 * equals the one-thread result. */
static void check_parts(const char *name, const unsigned char *buf, size_t len)
{
	static const unsigned threads[] = { 2, 3, 8 };
	static const uint64_t part_min[] = { 1, 7, 64, 1000 };
	struct dataset one;
	struct ingest_options o;
	char err1[300], err2[300];
	int rc1;

	kit_ingest_options(&o);
	o.threads = 1;
	assert_int_equal(dataset_init(&one), RR_OK);
	err1[0] = '\0';
	rc1 = ingest_mem(&one, name, buf, len, &o, err1, sizeof err1);
	for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
		for (size_t m = 0; m < sizeof part_min / sizeof *part_min; m++) {
			struct dataset many;
			int rc2;

			o.threads = threads[t];
			o.part_min_bytes = part_min[m];
			assert_int_equal(dataset_init(&many), RR_OK);
			err2[0] = '\0';
			rc2 = ingest_mem(&many, name, buf, len, &o, err2, sizeof err2);
			if (rc1 != rc2 || strcmp(err1, err2) != 0)
				fail_msg("%s (threads %u, parts >= %llu bytes): %d \"%s\" vs %d \"%s\"",
					 name, threads[t], (unsigned long long)part_min[m],
					 rc1, err1, rc2, err2);
			kit_assert_same_dataset(&one, &many);
			dataset_free(&many);
		}
	}
	dataset_free(&one);
}

/* Every file of the test data and the samples. */
static void test_corpus(void **state)
{
	(void)state;
	assert_true(kit_each_file(RR_TEST_DATA, check_parts) >= 25);
	assert_true(kit_each_file(SAMPLES, check_parts) >= 5);
}

#define HDR "RoomId,UserId,Time,EventId,ParamOne,ParamTwo,PeerId\n"

/* Inputs whose line ends are not all record ends: a cut placed after an LF
 * inside a quoted field, after a CR of a CRLF, or at a blank line must not
 * change anything. */
static void test_tricky_cuts(void **state)
{
	static const char *const rows[] = {
		"r1,u1,1795168800000,5001,1,2,\n",
		"r1,\"u\n1\",1795168800001,5002,,,\n",
		"\"r\n\n2\",u2,1795168801000,5003,,,\"p\n\"\n",
		"r2,u2,1795168802000,5004,,,\r\n",
		"\n\n",
		"r3,\"u\"\"3\",1795168803000,5005,,,\r\n",
		"r3,u3\",1795168803000,5006,,,\n",          /* stray quote */
		"r4,\"u4,1795168804000,5007,,,\nr4,u4,1795168804000,5008,,,\n", /* quote left open a while */
		"r5,u5,x,5009,,,\n",                         /* bad time */
		"r6,u6,1795168806000,5010,,,,\n",            /* ragged */
		"\r\n",
		"r7,u7,1795168807000,5011,\"1\r\n2\",,\r\n",
	};
	size_t nrows = sizeof rows / sizeof *rows;
	char *buf = malloc(64 * 1024);
	unsigned seed = 12345;

	(void)state;
	assert_non_null(buf);
	for (int round = 0; round < 60; round++) {
		size_t len = strlen(HDR);

		memcpy(buf, HDR, len);
		for (int i = 0; i < 40; i++) {
			const char *r;

			seed = seed * 1103515245u + 12345u;
			r = rows[(seed >> 16) % nrows];
			memcpy(buf + len, r, strlen(r));
			len += strlen(r);
		}
		check_parts("tricky.csv", (const unsigned char *)buf, len);
	}
	free(buf);
}

/* The parts really are read on their own: a file with one bad row in each
 * part keeps every rejection with its own absolute line. */
static void test_lines_across_parts(void **state)
{
	struct dataset ds;
	struct ingest_options o;
	char err[200];
	char *buf = malloc(1 << 20);
	size_t len = 0;

	(void)state;
	assert_non_null(buf);
	len += (size_t)sprintf(buf + len, HDR);
	for (int i = 2; i <= 4001; i++) {
		if (i % 1000 == 0)
			len += (size_t)sprintf(buf + len, "r%d,u,bad,5001,,,\n", i);
		else
			len += (size_t)sprintf(buf + len, "r%d,u%d,%lld,5001,,,\n", i / 50, i % 7,
					       1795168800000LL + i);
	}
	kit_ingest_options(&o);
	o.threads = 4;
	o.part_min_bytes = 1000;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(ingest_mem(&ds, "big.csv", buf, len, &o, err, sizeof err), RR_OK);
	assert_int_equal(ds.counts.rows, 4000);
	assert_int_equal(ds.nrecs, 3996);
	assert_int_equal(ds.diag.count[REJ_BAD_TIME], 4);
	assert_int_equal(ds.diag.nkept, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(ds.diag.kept[i].line, 1000 * (i + 1));
	dataset_free(&ds);
	free(buf);
}

/* 200 event rows of 20 rooms and 5 users after HDR, malloc'd (the caller
 * frees them); *len gets their bytes. */
static char *small_export(size_t *len)
{
	char *buf = malloc(64 * 1024);

	assert_non_null(buf);
	*len = (size_t)sprintf(buf, HDR);
	for (int i = 0; i < 200; i++)
		*len += (size_t)sprintf(buf + *len, "r%d,u%d,%lld,5001,,,\n", i / 20, i % 5,
					1795168800000LL + i);
	return buf;
}

/* Reads buf on `threads` threads (parts of at least 100 bytes; one thread
 * above `above` bytes) with the n-th allocation failing (0: none). Returns
 * the status; *nrecs (when not NULL) gets how many records were read. */
static int read_failing_at(const char *buf, size_t len, unsigned threads, uint64_t above,
			   unsigned long n, size_t *nrecs)
{
	struct dataset ds;
	struct ingest_options o;
	char err[200];
	int rc;

	kit_ingest_options(&o);
	o.threads = threads;
	o.part_min_bytes = 100;
	o.one_thread_above = above;
	assert_int_equal(dataset_init(&ds), RR_OK);
	rr_alloc_fail_at(n);
	rc = ingest_mem(&ds, "f.csv", buf, len, &o, err, sizeof err);
	rr_alloc_fail_at(0);
	if (nrecs)
		*nrecs = ds.nrecs;
	dataset_free(&ds);
	return rc;
}

/* Allocation failures anywhere in the parallel path: RR_ENOMEM or the same
 * dataset as one thread, never a crash or a leak (ASan/valgrind). */
static void test_out_of_memory(void **state)
{
	size_t len, nrecs;
	char *buf = small_export(&len);
	int saw_ok = 0;

	(void)state;
	for (unsigned long n = 1; n < 2000 && !saw_ok; n++) {
		int rc = read_failing_at(buf, len, 4, UINT64_MAX, n, &nrecs);

		if (rc == RR_OK) {
			saw_ok = 1;
			assert_int_equal(nrecs, 200);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
		}
	}
	assert_true(saw_ok);
	free(buf);
}

/* How many allocations reading buf takes with these options: the first
 * injected failure the read survives, less one. */
static unsigned long allocations(const char *buf, size_t len, unsigned threads, uint64_t above)
{
	for (unsigned long n = 1;; n++) {
		int rc = read_failing_at(buf, len, threads, above, n, NULL);

		if (rc == RR_OK)
			return n - 1;
		assert_int_equal(rc, RR_ENOMEM);
	}
}

/* A file over one_thread_above is read as one thread reads it (the same
 * allocations as threads = 1); at or under it, in parts (other ones). */
static void test_one_thread_above(void **state)
{
	size_t len;
	char *buf = small_export(&len);
	unsigned long one;

	(void)state;
	one = allocations(buf, len, 1, UINT64_MAX);
	assert_int_equal(allocations(buf, len, 4, len - 1), one);
	assert_int_equal(allocations(buf, len, 4, 0), one);
	assert_true(allocations(buf, len, 4, len) != one);
	assert_true(allocations(buf, len, 4, UINT64_MAX) != one);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_tricky_cuts),
		cmocka_unit_test(test_lines_across_parts),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_one_thread_above),
	};
	return cmocka_run_group_tests(tests, kit_setup_utc, kit_teardown_utc);
}
