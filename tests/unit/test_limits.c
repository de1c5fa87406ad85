/* Unit tests: the distinct-ID limits of the string table, alone and as the
 * ingest stage meets them (exit-1 error naming file:line, rows before kept). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dataset.h"
#include "ingest.h"
#include "strtab.h"
#include "tz.h"
#include "util.h"

static void test_strtab_limits(void **state)
{
	struct strtab *t = strtab_new();
	uint32_t id;
	(void)state;

	strtab_set_limits(t, 3, 1000);               /* "" is one of the 3 */
	assert_int_equal(strtab_intern(t, "a", 1, &id), RR_OK);
	assert_int_equal(strtab_intern(t, "b", 1, &id), RR_OK);
	assert_int_equal(strtab_intern(t, "c", 1, &id), RR_EDATA);
	assert_int_equal(strtab_intern(t, "a", 1, &id), RR_OK);  /* known: fine */
	assert_int_equal(strtab_count(t), 3);
	strtab_free(t);

	t = strtab_new();
	strtab_set_limits(t, 100, 10);
	assert_int_equal(strtab_intern(t, "12345678", 8, &id), RR_OK);
	assert_int_equal(strtab_intern(t, "123", 3, &id), RR_EDATA);
	assert_int_equal(strtab_intern(t, "12", 2, &id), RR_OK);
	strtab_free(t);

	/* Raising above the built-in limits is clamped. */
	t = strtab_new();
	strtab_set_limits(t, UINT32_MAX, SIZE_MAX);
	for (int i = 0; i < 100; i++) {
		char b[8];
		int n = snprintf(b, sizeof b, "%d", i);
		assert_int_equal(strtab_intern(t, b, (size_t)n, &id), RR_OK);
	}
	strtab_free(t);
}

static void test_ingest_stops_at_limit(void **state)
{
	static const char csv[] =
		"RoomId,UserId,Time,EventId\n"
		"r1,u1,1795168800000,5001\n"
		"r1,u2,1795168801000,5001\n"
		"r1,u3,1795168802000,5001\n";
	struct dataset ds;
	struct ingest_options o;
	struct tz *utc;
	char err[256];
	(void)state;

	assert_int_equal(tz_open("UTC", &utc, err, sizeof err), RR_OK);
	assert_int_equal(dataset_init(&ds), RR_OK);
	/* "", r1, u1, u2: the third user is one ID too many. */
	strtab_set_limits(ds.strs, 4, 1 << 20);
	ingest_options_init(&o);
	o.input_tz = utc;
	assert_int_equal(ingest_mem(&ds, "big.csv", csv, sizeof csv - 1, &o, err, sizeof err),
			 RR_EDATA);
	assert_non_null(strstr(err, "big.csv:4: more than "));
	assert_non_null(strstr(err, "distinct IDs"));
	assert_int_equal(ds.nrecs, 2);               /* rows before the limit stay */
	dataset_free(&ds);
	tz_free(utc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strtab_limits),
		cmocka_unit_test(test_ingest_stops_at_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
