/* Tests for partition: records past the limit spill to temporary files;
 * the ranges cover ascending room ids, each room whole in one range, each
 * range's records in input order; loading a range from a file shared by
 * several ranges filters it; the `events` merge writes what
 * tables_write_events writes for all records at once; temporary files never
 * show in $TMPDIR; a missing $TMPDIR is an I/O error naming it; allocation
 * failures are RR_ENOMEM without leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "kit.h"
#include "partition.h"
#include "tables.h"
#include "util.h"

static char tmpdir[64];

static int setup_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rr-test-partition-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("TMPDIR", tmpdir, 1);
	return kit_setup_catalog(state) || kit_setup_utc(state);
}

static int teardown_tmpdir(void **state)
{
	rmdir(tmpdir);
	return kit_teardown_catalog(state) || kit_teardown_utc(state);
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* One input shape: nrooms rooms named so that their first appearance (and
 * so their ids) is not in name order; room i gets sizes[i % nsizes]
 * records, interleaved across rooms like a real export, with times that
 * repeat so ties in the time order happen. */
struct shape {
	const char *name;
	size_t nrooms;
	size_t sizes[4];
	size_t nsizes;
	uint64_t limit;           /* bytes */
	size_t min_ranges;
};

static const struct shape shapes[] = {
	{ "two ranges", 5, { 3 }, 1, 48 * 10, 2 },
	{ "a few ranges", 30, { 2, 7, 1, 12 }, 4, 48 * 20, 5 },
	{ "room bigger than a range", 10, { 50, 1 }, 2, 48 * 8, 5 },
	{ "more ranges than files", 150, { 3, 1 }, 2, 48 * 2, 65 },
	{ "one record per range", 100, { 1 }, 1, 1, 100 },
	/* Over 64 * 64 ranges: distributed on three levels. */
	{ "three levels", 4500, { 1, 2 }, 2, 48 * 2, 4500 },
};

static size_t fill(struct dataset *ds, const struct shape *s, struct record **copy)
{
	size_t total = 0, maxn = 0, n = 0;
	char name[32];
	uint32_t *ids;

	for (size_t i = 0; i < s->nrooms; i++) {
		size_t k = s->sizes[i % s->nsizes];
		total += k;
		if (k > maxn)
			maxn = k;
	}
	ids = calloc(s->nrooms, sizeof *ids);
	*copy = calloc(total, sizeof **copy);
	assert_non_null(ids);
	assert_non_null(*copy);
	for (size_t i = 0; i < s->nrooms; i++) {
		snprintf(name, sizeof name, "room-%03zu", (i * 7 + 3) % s->nrooms);
		ids[i] = kit_intern(ds->strs, name);
	}
	/* Round robin over the rooms: record j of every room, then j + 1. */
	for (size_t j = 0; j < maxn; j++) {
		for (size_t i = 0; i < s->nrooms; i++) {
			struct record r;

			if (j >= s->sizes[i % s->nsizes])
				continue;
			memset(&r, 0, sizeof r);
			r.kind = REC_EVENT;
			r.room = ids[i];
			r.user = kit_intern(ds->strs, j % 2 ? "alice" : "bob");
			r.time_ms = 1795000000000LL + (int64_t)(j / 2) * 1000 + (int64_t)(i % 3);
			r.id = 5001 + (int32_t)(j % 3);
			r.p1 = (int32_t)n;   /* input position: tells records apart */
			r.p2 = -1;
			r.stream = -1;
			(*copy)[n++] = r;
			assert_int_equal(dataset_append(ds, &r), RR_OK);
		}
	}
	free(ids);
	return n;
}

static void test_ranges(void **state)
{
	(void)state;
	for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
		const struct shape *s = &shapes[si];
		struct dataset ds;
		struct partition *p;
		struct record *in;
		size_t n, seen = 0;
		uint32_t prev_room = 0;

		assert_int_equal(dataset_init(&ds), RR_OK);
		assert_int_equal(partition_open(&ds, s->limit, &p), RR_OK);
		n = fill(&ds, s, &in);
		assert_true(partition_active(p));
		assert_int_equal(entries(tmpdir), 0);
		assert_int_equal(partition_plan(p), RR_OK);
		assert_int_equal(ds.nrecs, 0);
		assert_true(partition_count(p) >= s->min_ranges);
		for (size_t k = 0; k < partition_count(p); k++) {
			struct dataset part;

			dataset_init_part(&part, ds.strs);
			assert_int_equal(partition_load(p, k, &part), RR_OK);
			assert_true(part.nrecs > 0);
			assert_true(part.nrecs <= s->limit / PARTITION_BYTES_PER_RECORD ||
				    (s->limit / PARTITION_BYTES_PER_RECORD == 0 && part.nrecs == 1) ||
				    part.recs[0].room == part.recs[part.nrecs - 1].room);
			for (size_t i = 0; i < part.nrecs; i++) {
				const struct record *r = &part.recs[i];

				assert_int_equal(partition_of_room(p, r->room), k);
				/* Rooms ascend from range to range; within one
				 * range, each room's records keep input order. */
				if (i == 0 && k > 0)
					assert_true(r->room > prev_room);
				for (size_t j = 0; j < i; j++)
					if (part.recs[j].room == r->room)
						assert_true(part.recs[j].p1 < r->p1);
				assert_memory_equal(r, &in[r->p1], sizeof *r);
			}
			for (size_t i = 0; i < part.nrecs; i++)
				if (part.recs[i].room > prev_room)
					prev_room = part.recs[i].room;
			seen += part.nrecs;
			dataset_free(&part);
		}
		assert_int_equal(seen, n);
		assert_int_equal(partition_of_room(p, strtab_count(ds.strs) + 5), partition_count(p));
		assert_int_equal(entries(tmpdir), 0);
		partition_close(p);
		dataset_free(&ds);
		free(in);
	}
}

static void test_under_limit_stays_in_memory(void **state)
{
	struct dataset ds;
	struct partition *p;
	struct record *in;
	const struct shape s = { "small", 4, { 5 }, 1, 48 * 20, 1 };

	(void)state;
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(partition_open(&ds, s.limit, &p), RR_OK);
	fill(&ds, &s, &in);
	assert_false(partition_active(p));
	assert_int_equal(ds.nrecs, 20);
	assert_int_equal(partition_plan(p), RR_OK);
	assert_int_equal(ds.nrecs, 20);
	partition_close(p);
	assert_null(ds.spill);
	dataset_free(&ds);
	free(in);
}

/* dataset_absorb into a dataset with a spill hook (what parallel parsing
 * does): records past the limit are spilled in order with their ids
 * translated; under the limit nothing is spilled. */
static void absorb_case(size_t ndst, size_t nsrc, size_t limit_recs, int expect_spill)
{
	struct dataset dst, src;
	struct partition *p;
	char name[16];
	size_t seen = 0;

	assert_int_equal(dataset_init(&dst), RR_OK);
	assert_int_equal(dataset_init(&src), RR_OK);
	assert_int_equal(partition_open(&dst, 48 * limit_recs, &p), RR_OK);
	/* src meets the rooms in another order, so its ids differ from dst's. */
	for (size_t i = 0; i < ndst + nsrc; i++) {
		struct dataset *d = i < ndst ? &dst : &src;
		struct record r;

		memset(&r, 0, sizeof r);
		snprintf(name, sizeof name, "room-%zu", i < ndst ? i % 4 : 7 - i % 8);
		r.room = kit_intern(d->strs, name);
		r.p1 = (int32_t)i;
		assert_int_equal(dataset_append(d, &r), RR_OK);
	}
	assert_int_equal(dataset_absorb(&dst, &src, 0), RR_OK);
	dataset_free(&src);
	assert_int_equal(partition_active(p), expect_spill);
	if (!expect_spill) {
		assert_int_equal(dst.nrecs, ndst + nsrc);
		for (size_t i = 0; i < dst.nrecs; i++)
			assert_int_equal(dst.recs[i].p1, i);
	} else {
		int32_t last[8];

		assert_int_equal(partition_plan(p), RR_OK);
		for (size_t k = 0; k < partition_count(p); k++) {
			struct dataset part;

			memset(last, -1, sizeof last);
			dataset_init_part(&part, dst.strs);
			assert_int_equal(partition_load(p, k, &part), RR_OK);
			for (size_t i = 0; i < part.nrecs; i++) {
				const struct record *r = &part.recs[i];
				size_t in = (size_t)r->p1;
				size_t room = in < ndst ? in % 4 : 7 - in % 8;

				/* The id names the room the record was made with,
				 * and each room's records come in input order. */
				snprintf(name, sizeof name, "room-%zu", room);
				assert_string_equal(strtab_str(dst.strs, r->room), name);
				assert_true(r->p1 > last[room]);
				last[room] = r->p1;
			}
			seen += part.nrecs;
			dataset_free(&part);
		}
		assert_int_equal(seen, ndst + nsrc);
	}
	partition_close(p);
	dataset_free(&dst);
}

static void test_absorb(void **state)
{
	(void)state;
	absorb_case(7, 3, 10, 0);      /* fits: src's array taken over */
	absorb_case(0, 10, 10, 0);
	absorb_case(7, 25, 10, 1);     /* passes the limit inside src */
	absorb_case(10, 1, 10, 1);     /* dst already full */
	absorb_case(3, 40000, 1000, 1);
}

static char *events_in_memory(const struct shape *s)
{
	struct dataset ds;
	struct record *in;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(dataset_init(&ds), RR_OK);
	fill(&ds, s, &in);
	assert_int_equal(dataset_finish(&ds), RR_OK);
	assert_int_equal(tables_write_events(&ds, kit_cat, kit_utc, f), RR_OK);
	fclose(f);
	dataset_free(&ds);
	free(in);
	return buf;
}

static void test_events_merge(void **state)
{
	(void)state;
	for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
		const struct shape *s = &shapes[si];
		char *want = events_in_memory(s), *got = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&got, &len);
		struct dataset ds;
		struct partition *p;
		struct record *in;

		assert_int_equal(dataset_init(&ds), RR_OK);
		assert_int_equal(partition_open(&ds, s->limit, &p), RR_OK);
		fill(&ds, s, &in);
		assert_int_equal(partition_plan(p), RR_OK);
		for (size_t k = 0; k < partition_count(p); k++) {
			struct dataset part;

			dataset_init_part(&part, ds.strs);
			assert_int_equal(partition_load(p, k, &part), RR_OK);
			assert_int_equal(dataset_finish(&part), RR_OK);
			assert_int_equal(partition_add_events(p, &part), RR_OK);
			dataset_free(&part);
		}
		assert_int_equal(partition_write_events(p, kit_cat, kit_utc, f), RR_OK);
		fclose(f);
		assert_string_equal(got, want);
		partition_close(p);
		dataset_free(&ds);
		free(in);
		free(want);
		free(got);
	}
}

static void test_missing_tmpdir(void **state)
{
	struct dataset ds;
	struct partition *p;
	struct record r;
	int rc = RR_OK;

	(void)state;
	setenv("TMPDIR", "/nonexistent/rr-spill", 1);
	assert_int_equal(dataset_init(&ds), RR_OK);
	assert_int_equal(partition_open(&ds, 48 * 4, &p), RR_OK);
	memset(&r, 0, sizeof r);
	r.room = kit_intern(ds.strs, "room");
	for (int i = 0; i < 10 && rc == RR_OK; i++)
		rc = dataset_append(&ds, &r);
	assert_int_equal(rc, RR_EIO);
	assert_non_null(partition_error(p));
	assert_non_null(strstr(partition_error(p), "/nonexistent/rr-spill"));
	assert_non_null(strstr(partition_error(p), "temporary file"));
	partition_close(p);
	dataset_free(&ds);
	setenv("TMPDIR", tmpdir, 1);
}

/* Every allocation of a whole partitioned pass failing in turn. */
static void test_allocation_failures(void **state)
{
	const struct shape *s = &shapes[3];
	int done = 0;

	(void)state;
	for (unsigned long fail = 1; !done && fail < 5000; fail++) {
		struct dataset ds;
		struct partition *p = NULL;
		struct record *in = NULL;
		int rc;

		assert_int_equal(dataset_init(&ds), RR_OK);
		rr_alloc_fail_at(fail);
		rc = partition_open(&ds, s->limit, &p);
		if (rc == RR_OK) {
			/* fill() asserts, so append by hand here. */
			char name[16];

			for (size_t i = 0; i < 300 && rc == RR_OK; i++) {
				struct record r;

				memset(&r, 0, sizeof r);
				snprintf(name, sizeof name, "r%zu", i % 150);
				uint32_t id = 0;
				rc = strtab_intern(ds.strs, name, strlen(name), &id);
				if (rc == RR_OK) {
					r.room = id;
					r.time_ms = (int64_t)i;
					rc = dataset_append(&ds, &r);
				}
			}
		}
		if (rc == RR_OK)
			rc = partition_plan(p);
		for (size_t k = 0; rc == RR_OK && k < partition_count(p); k++) {
			struct dataset part;

			dataset_init_part(&part, ds.strs);
			rc = partition_load(p, k, &part);
			if (rc == RR_OK)
				rc = dataset_finish(&part);
			if (rc == RR_OK)
				rc = partition_add_events(p, &part);
			dataset_free(&part);
		}
		if (rc == RR_OK) {
			FILE *f = fopen("/dev/null", "w");
			rc = partition_write_events(p, kit_cat, kit_utc, f);
			fclose(f);
		}
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			done = 1;
		else
			assert_int_equal(rc, RR_ENOMEM);
		partition_close(p);
		dataset_free(&ds);
		free(in);
		assert_int_equal(entries(tmpdir), 0);
		/* Closing only its own files: a descriptor it never opened
		 * (here the standard streams) stays open. */
		assert_int_not_equal(fcntl(1, F_GETFD), -1);
		assert_int_not_equal(fcntl(2, F_GETFD), -1);
	}
	assert_true(done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_under_limit_stays_in_memory),
		cmocka_unit_test(test_absorb),
		cmocka_unit_test(test_events_merge),
		cmocka_unit_test(test_missing_tmpdir),
		cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
