/* Tests of inputs: directories expanded in path order, hidden entries and
 * files that are not CSV skipped, links to directories not followed,
 * --files-from lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inputs.h"
#include "util.h"

static char root[64];

static void put(const char *rel, const char *text, size_t n)
{
	char path[256];
	FILE *f;

	assert_true((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) < sizeof path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static void dir(const char *rel)
{
	char path[256];

	assert_true((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) < sizeof path);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/rr-inputs-XXXXXX");
	assert_non_null(mkdtemp(root));
	dir("d");
	dir("d/sub");
	dir("d/sub-a");
	dir("d/.hidden");
	put("d/b.csv", "RoomId,UserId\n1,2\n", 18);
	put("d/A.csv", "\xef\xbb\xbfRoomId,UserId\n", 17);
	put("d/sub/z.gz", "\x1f\x8b\x08\x00", 4);
	put("d/sub-a/y.txt", "x,y\r\n", 5);
	put("d/.hidden/h.csv", "a,b\n", 4);
	put("d/.dot.csv", "a,b\n", 4);
	put("d/notes.txt", "hello\n", 6);
	put("d/data.json", "[\"a,b\"]\n", 8);
	put("d/empty.csv", "", 0);
	put("d/nul.csv", "a\0,b\n", 5);
	{
		char target[256], link[256];

		snprintf(target, sizeof target, "%s/d", root);
		snprintf(link, sizeof link, "%s/d/sub/loop", root);
		assert_int_equal(symlink(target, link), 0);
		snprintf(target, sizeof target, "%s/d/b.csv", root);
		snprintf(link, sizeof link, "%s/d/sub/link.csv", root);
		assert_int_equal(symlink(target, link), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The list as "rel;rel;..." relative to root. */
static void expect(const struct inputs *in, const char *want)
{
	char got[1024] = "";
	size_t skip = strlen(root) + 1;

	for (size_t i = 0; i < in->n; i++) {
		size_t n = strlen(got);
		const char *p = strncmp(in->path[i], root, skip - 1) == 0 ? in->path[i] + skip
									    : in->path[i];
		snprintf(got + n, sizeof got - n, "%s%s", i ? ";" : "", p);
	}
	assert_string_equal(got, want);
}

static void test_directory(void **state)
{
	struct inputs in;
	char path[256], err[256];

	(void)state;
	memset(&in, 0, sizeof in);
	snprintf(path, sizeof path, "%s/d/", root);
	assert_int_equal(inputs_add(&in, "first.csv", err, sizeof err), RR_OK);
	assert_int_equal(inputs_add(&in, path, err, sizeof err), RR_OK);
	assert_int_equal(inputs_add(&in, "-", err, sizeof err), RR_OK);
	/* Byte order of the whole path: "sub-a/" before "sub/" ('-' < '/');
	 * the link to a file is read, the link to a directory is not followed. */
	expect(&in, "first.csv;d/A.csv;d/b.csv;d/sub-a/y.txt;d/sub/link.csv;d/sub/z.gz;-");
	assert_int_equal(in.skipped, 4);   /* data.json, empty.csv, notes.txt, nul.csv */
	snprintf(path, sizeof path, "%s/d/data.json", root);
	assert_string_equal(in.first_skipped, path);
	inputs_free(&in);
}

static void test_errors(void **state)
{
	struct inputs in;
	char path[256], err[256], want[400];

	(void)state;
	memset(&in, 0, sizeof in);
	snprintf(path, sizeof path, "%s/d/.hidden/", root);
	dir("d/.hidden/none");
	assert_int_equal(inputs_add(&in, path, err, sizeof err), RR_OK);   /* h.csv */
	snprintf(path, sizeof path, "%s/d/.hidden/none", root);
	assert_int_equal(inputs_add(&in, path, err, sizeof err), RR_EDATA);
	snprintf(want, sizeof want, "%s: no CSV file below this directory", path);
	assert_string_equal(err, want);
	assert_int_equal(inputs_add_list(&in, "/nonexistent/list", err, sizeof err), RR_EIO);
	assert_string_equal(err, "/nonexistent/list: No such file or directory");
	inputs_free(&in);
}

static void test_list(void **state)
{
	struct inputs in;
	char list[256], text[512], err[256];
	int n;

	(void)state;
	memset(&in, 0, sizeof in);
	n = snprintf(text, sizeof text, "x.csv\r\n\n%s/d/sub\n\ny.csv", root);
	put("list.txt", text, (size_t)n);
	snprintf(list, sizeof list, "%s/list.txt", root);
	assert_int_equal(inputs_add_list(&in, list, err, sizeof err), RR_OK);
	expect(&in, "x.csv;d/sub/link.csv;d/sub/z.gz;y.csv");
	inputs_free(&in);
}

static void test_many(void **state)
{
	struct inputs in;
	char path[256], err[256];

	(void)state;
	dir("many");
	for (int i = 2999; i >= 0; i--) {
		snprintf(path, sizeof path, "many/f%05d.csv", i);
		put(path, "a,b\n", 4);
	}
	memset(&in, 0, sizeof in);
	snprintf(path, sizeof path, "%s/many", root);
	assert_int_equal(inputs_add(&in, path, err, sizeof err), RR_OK);
	assert_int_equal(in.n, 3000);
	for (size_t i = 1; i < in.n; i++)
		assert_true(strcmp(in.path[i - 1], in.path[i]) < 0);
	inputs_free(&in);
}

static void test_out_of_memory(void **state)
{
	char path[256], err[256];

	(void)state;
	snprintf(path, sizeof path, "%s/d", root);
	for (unsigned long k = 1; k < 40; k++) {
		struct inputs in;
		int rc;

		memset(&in, 0, sizeof in);
		rr_alloc_fail_at(k);
		rc = inputs_add(&in, path, err, sizeof err);
		rr_alloc_fail_at(0);
		assert_true(rc == RR_OK || rc == RR_ENOMEM);
		inputs_free(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
