/* Unit tests for run: the calls grouped by range (a counting sort), output
 * files committed or discarded (a failed run leaves the previous outputs
 * as they were), and whole runs through run(): held in memory and split
 * into ranges of rooms they write the same bytes. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"
#include "run_int.h"
#include "util.h"

/* ---- run_calls_by_range ---- */

static size_t range_from_table(const void *ctx, uint32_t call)
{
	return ((const size_t *)ctx)[call];
}

struct group_case {
	const char *name;
	uint32_t n;
	size_t nranges;
	size_t range[8];          /* range of each call */
	size_t first[6];          /* expected, nranges + 1 entries */
	uint32_t calls[8];        /* expected, first[nranges] entries */
};

static const struct group_case group_cases[] = {
	{ "one range keeps model order", 5, 1, { 0, 0, 0, 0, 0 },
	  { 0, 5 }, { 0, 1, 2, 3, 4 } },
	{ "ranges in order, calls ascending in each", 7, 3, { 2, 0, 1, 0, 2, 1, 0 },
	  { 0, 3, 5, 7 }, { 1, 3, 6, 2, 5, 0, 4 } },
	{ "empty ranges between and at both ends", 3, 5, { 3, 1, 3 },
	  { 0, 0, 1, 1, 3, 3 }, { 1, 0, 2 } },
	{ "a call outside every range is left out", 4, 2, { 1, 2, 0, 7 },
	  { 0, 1, 2 }, { 2, 0 } },
	{ "no calls", 0, 2, { 0 }, { 0, 0, 0 }, { 0 } },
	{ "no ranges", 2, 0, { 0, 0 }, { 0 }, { 0 } },
	{ "one call per range, reversed", 4, 4, { 3, 2, 1, 0 },
	  { 0, 1, 2, 3, 4 }, { 3, 2, 1, 0 } },
};

static void test_calls_by_range(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof group_cases / sizeof group_cases[0]; t++) {
		const struct group_case *c = &group_cases[t];
		size_t first[6];
		uint32_t calls[8];

		memset(first, 0xff, sizeof first);
		memset(calls, 0xff, sizeof calls);
		run_calls_by_range(c->n, c->nranges, range_from_table, c->range, first, calls);
		for (size_t k = 0; k <= c->nranges; k++)
			if (first[k] != c->first[k])
				fail_msg("%s: first[%zu] = %zu, want %zu", c->name, k, first[k],
					 c->first[k]);
		for (size_t i = 0; i < c->first[c->nranges]; i++)
			if (calls[i] != c->calls[i])
				fail_msg("%s: calls[%zu] = %u, want %u", c->name, i, calls[i],
					 c->calls[i]);
		/* Nothing written past what the groups hold. */
		for (size_t i = c->first[c->nranges]; i < 8; i++)
			assert_int_equal(calls[i], UINT32_MAX);
	}
}

/* ---- output files ---- */

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_run.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		remove_tree(p);
	}
	closedir(d);
	rmdir(path);
}

static int remove_dir(void **state)
{
	(void)state;
	remove_tree(dir);
	return 0;
}

static void in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* The names in dir, sorted and joined by spaces. */
static void listing(char *buf, size_t size)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);
	size_t len = 0;

	assert_true(n >= 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (v[i]->d_name[0] != '.' && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "",
						v[i]->d_name);
		free(v[i]);
	}
	free(v);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
		k = fread(b + n, 1, cap - n - 1, f);
		n += k;
	} while (k > 0);
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

static void assert_file(const char *path, const char *want)
{
	char *got = read_all(path, NULL);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_out_commit(void **state)
{
	struct out o = { 0 };
	char path[128], names[256];
	struct stat st;
	mode_t mask = umask(022);

	(void)state;
	in_dir(path, sizeof path, "a.json");
	write_file(path, "previous\n");
	assert_int_equal(out_open(&o, "test", path), RR_OK);
	assert_non_null(o.tmp);
	fputs("new\n", o.f);
	assert_int_equal(out_close(&o, RR_OK), RR_OK);
	/* Written, closed, not yet committed: the previous file is still there
	 * beside the temporary. */
	assert_file(path, "previous\n");
	listing(names, sizeof names);
	assert_int_equal(strncmp(names, "a.json a.json.tmp.", 18), 0);
	assert_int_equal(out_commit(&o), RR_OK);
	assert_null(o.tmp);
	assert_file(path, "new\n");
	listing(names, sizeof names);
	assert_string_equal(names, "a.json");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* Committing again, or discarding after, changes nothing. */
	assert_int_equal(out_commit(&o), RR_OK);
	out_discard(&o);
	assert_file(path, "new\n");
	umask(mask);
}

/* However a run fails after opening an output, the previous file stays and
 * no temporary is left. */
static void test_out_failed_run_keeps_previous(void **state)
{
	static const int failures[] = { RR_EDATA, RR_EIO, RR_ENOMEM, RR_EUSAGE };
	char path[128], names[256];

	(void)state;
	in_dir(path, sizeof path, "b.csv");
	write_file(path, "previous\n");
	for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
		struct out o = { 0 };

		assert_int_equal(out_open(&o, "test", path), RR_OK);
		fputs("half written", o.f);
		assert_int_equal(out_close(&o, failures[i]), failures[i]);
		assert_null(o.tmp);
		assert_int_equal(out_commit(&o), RR_OK);
		listing(names, sizeof names);
		assert_string_equal(names, "b.csv");
		assert_file(path, "previous\n");
	}
	/* Written and closed fine, but the run failed later: discarded. */
	{
		struct out o = { 0 };

		assert_int_equal(out_open(&o, "test", path), RR_OK);
		fputs("complete", o.f);
		assert_int_equal(out_close(&o, RR_OK), RR_OK);
		out_discard(&o);
		listing(names, sizeof names);
		assert_string_equal(names, "b.csv");
		assert_file(path, "previous\n");
	}
	/* Still open when the run fails. */
	{
		struct out o = { 0 };

		assert_int_equal(out_open(&o, "test", path), RR_OK);
		fputs("partial", o.f);
		out_discard(&o);
		assert_null(o.f);
		listing(names, sizeof names);
		assert_string_equal(names, "b.csv");
	}
	/* A zeroed out is fine everywhere. */
	{
		struct out o = { 0 };

		out_discard(&o);
		assert_int_equal(out_close(&o, RR_EDATA), RR_EDATA);
		assert_int_equal(out_commit(&o), RR_OK);
	}
}

static void test_out_in_place_and_errors(void **state)
{
	struct out o = { 0 };
	char path[128];

	(void)state;
	/* A device is written in place, with nothing to commit. */
	assert_int_equal(out_open(&o, "test", "/dev/null"), RR_OK);
	assert_null(o.tmp);
	fputs("x", o.f);
	assert_int_equal(out_close(&o, RR_OK), RR_OK);
	assert_int_equal(out_commit(&o), RR_OK);
	/* A full device: the write error is the close's. */
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(out_open(&o, "test", "/dev/full"), RR_OK);
		for (int i = 0; i < 10000; i++)
			fputs("0123456789", o.f);
		assert_int_equal(out_close(&o, RR_OK), RR_EIO);
	}
	/* A directory, or a file in a directory that does not exist. */
	assert_int_equal(out_open(&o, "test", dir), RR_EIO);
	assert_null(o.tmp);
	in_dir(path, sizeof path, "missing/c.json");
	assert_int_equal(out_open(&o, "test", path), RR_EIO);
	assert_null(o.tmp);
}

/* ---- whole runs ---- */

#define SAMPLES RR_TEST_DATA "/../../samples/"

static char *sample_files[] = {
	SAMPLES "events.csv", SAMPLES "events-webrtc.csv", SAMPLES "abnormal.csv",
	SAMPLES "users.csv", SAMPLES "rooms.csv", SAMPLES "quality.csv",
};

static char usage_said[256];

static void record_usage(const char *fmt, const char *arg)
{
	snprintf(usage_said, sizeof usage_said, fmt, arg);
}

static void options(struct run_options *o)
{
	memset(o, 0, sizeof *o);
	o->cmd = RUN_REPORT;
	o->name = "test_run";
	o->files = sample_files;
	o->nfiles = sizeof sample_files / sizeof sample_files[0];
	o->tz = "UTC";
	o->call_gap_ms = 5 * 60 * 1000;
	o->regression_pct = 10;
	o->pages = REPORT_PAGES_ALL;
	o->generated_ms = 1762732800000;
	o->quiet = 1;
	o->usage_error = record_usage;
}

static void assert_same_file(const char *a, const char *b)
{
	size_t na, nb;
	char *x = read_all(a, &na), *y = read_all(b, &nb);

	assert_non_null(x);
	assert_non_null(y);
	if (na != nb || memcmp(x, y, na) != 0)
		fail_msg("%s and %s differ", a, b);
	free(x);
	free(y);
}

/* Held in memory, and split into 3 ranges and into one range per room,
 * the same JSON, sessions CSV and single-file report. */
static void test_split_run_same_output(void **state)
{
	static const uint64_t limits[] = { 0, 4800, 48 };
	static const char *names[] = { "report.json", "sessions.csv", "report.html" };
	char json[3][128], csv[3][128], html[3][128];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct run_options o;
		char base[16];

		options(&o);
		o.max_memory = limits[i];
		snprintf(base, sizeof base, "%zu-", i);
		in_dir(json[i], sizeof json[i], base);
		strcat(json[i], names[0]);
		in_dir(csv[i], sizeof csv[i], base);
		strcat(csv[i], names[1]);
		in_dir(html[i], sizeof html[i], base);
		strcat(html[i], names[2]);
		o.json = json[i];
		o.sessions_csv = csv[i];
		o.output = html[i];
		assert_int_equal(run(&o), RR_OK);
	}
	for (size_t i = 1; i < 3; i++) {
		assert_same_file(json[0], json[i]);
		assert_same_file(csv[0], csv[i]);
		assert_same_file(html[0], html[i]);
	}
}

/* A run that fails leaves what an earlier run wrote, and no temporary. */
static void test_failed_run_keeps_outputs(void **state)
{
	static char *missing[] = { SAMPLES "events.csv", "/nonexistent/events.csv" };
	static char *hostile[] = { RR_TEST_DATA "/hostile/events.csv" };
	struct run_options o;
	char json[128], rej[128], before[256], after[256];
	char *was, *rejected;

	(void)state;
	options(&o);
	in_dir(json, sizeof json, "kept.json");
	in_dir(rej, sizeof rej, "kept-rejected.csv");
	o.no_html = 1;
	o.json = json;
	o.rejected = rej;
	assert_int_equal(run(&o), RR_OK);
	was = read_all(json, NULL);
	assert_non_null(was);
	listing(before, sizeof before);
	/* An input that cannot be read: I/O error, nothing replaced. */
	o.files = missing;
	o.nfiles = 2;
	o.title = "second";
	assert_int_equal(run(&o), RR_EIO);
	listing(after, sizeof after);
	assert_string_equal(before, after);
	assert_file(json, was);
	/* A usage error found by the run: said through the callback. */
	options(&o);
	o.no_html = 1;
	o.json = json;
	o.from = "yesterday";
	usage_said[0] = '\0';
	assert_int_equal(run(&o), RR_EUSAGE);
	assert_string_equal(usage_said, "invalid --from time 'yesterday'");
	assert_file(json, was);
	/* --strict with a rejected row: the rejected rows are written (they
	 * say why), the JSON is not. */
	options(&o);
	o.files = hostile;
	o.nfiles = 1;
	o.no_html = 1;
	o.strict = 1;
	o.json = json;
	o.rejected = rej;
	assert_int_equal(run(&o), RR_EDATA);
	assert_file(json, was);
	rejected = read_all(rej, NULL);
	assert_non_null(rejected);
	assert_non_null(strstr(rejected, "invalid UTF-8"));
	listing(after, sizeof after);
	assert_string_equal(before, after);
	free(rejected);
	free(was);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_by_range),
		cmocka_unit_test_setup_teardown(test_out_commit, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_out_failed_run_keeps_previous, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(test_out_in_place_and_errors, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_split_run_same_output, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_failed_run_keeps_outputs, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
