/*
 * Tests for render_write.c and render_file.c: byte-identical output run to
 * run and on any number of page threads, the directory swap and its failure paths, the same reports written in
 * steps (calls in any order, records a range at a time) and aborted, and
 * the single-file form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "callview.h"
#include "catalog.h"
#include "dataset.h"
#include "render.h"
#include "render_int.h"      /* struct render: its thread count */
#include "render_kit.h"
#include "report.h"
#include "templates.h"
#include "util.h"
#include "version.h"

/* Compares every file of two report directories. */
static void assert_same_tree(struct fixture *fx, const char *a, const char *b)
{
	char *pa = join(a, "index.html"), *pb = join(b, "index.html");
	size_t la, lb;
	char *x = slurp(pa, &la), *y = slurp(pb, &lb);

	assert_true(la == lb && memcmp(x, y, la) == 0);
	free(x), free(y), free(pa), free(pb);
	for (uint32_t c = 0; c < fx->m.ncalls; c++) {
		pa = join(a, fx->r.call_file[c]);
		pb = join(b, fx->r.call_file[c]);
		x = slurp(pa, &la);
		y = slurp(pb, &lb);
		assert_true(la == lb && memcmp(x, y, la) == 0);
		free(x), free(y), free(pa), free(pb);
	}
}

static void test_identical(void **state)
{
	struct fixture *fx = *state;
	char *a = join(fx->tmp, "same-a"), *b = join(fx->tmp, "same-b");
	char *fa = join(fx->tmp, "one-a.html"), *fb = join(fx->tmp, "one-b.html");
	char err[256];
	size_t la, lb;
	char *x, *y;

	write_dir(fx, a);
	write_dir(fx, b);
	assert_same_tree(fx, a, b);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, fa, err, sizeof err), RR_OK);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, fb, err, sizeof err), RR_OK);
	x = slurp(fa, &la);
	y = slurp(fb, &lb);
	assert_true(la == lb && memcmp(x, y, la) == 0);
	free(x), free(y), free(a), free(b), free(fa), free(fb);
}

/* The pages are the same whatever the number of page threads (parts of
 * parallel_for): one, several, more than the calls, the cap. */
static void test_threads(void **state)
{
	static const unsigned counts[] = { 1, 2, 3, 5, 8, 64 };
	struct fixture *fx = *state;
	char *one = join(fx->tmp, "threads-1");
	char name[32];

	fx->rd->threads = 1;
	write_dir(fx, one);
	for (size_t i = 1; i < sizeof counts / sizeof counts[0]; i++) {
		char *dir;

		snprintf(name, sizeof name, "threads-%u", counts[i]);
		dir = join(fx->tmp, name);
		fx->rd->threads = counts[i];
		write_dir(fx, dir);
		assert_same_tree(fx, one, dir);
		assert_int_equal(count_entries(dir), count_entries(one));
		free(dir);
	}
	fx->rd->threads = 0;
	free(one);
}

static void test_swap_and_failures(void **state)
{
	struct fixture *fx = *state;
	char *box = join(fx->tmp, "swapbox"), *dir = join(box, "report"), *idx = join(dir, "index.html");
	char *keep, err[256];
	size_t before_len, n;
	char *before, *after;
	unsigned long k;
	int rc;

	/* Fresh, then over an existing report: swapped, nothing left over. */
	assert_int_equal(mkdir(box, 0755), 0);
	write_dir(fx, dir);
	fx->r.title = "second";
	write_dir(fx, dir);
	assert_int_equal(count_entries(box), 1);
	before = slurp(idx, &before_len);
	assert_non_null(strstr(before, ">second</title>"));

	/* Allocation failure at every point: RR_ENOMEM, the previous report
	 * intact, no temporary left behind. */
	fx->r.title = "third";
	for (k = 1;; k++) {
		rr_alloc_fail_at(k);
		rc = render_write_dir(fx->rd, &fx->r, fx->cat, dir, err, sizeof err);
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			break;
		if (rc != RR_ENOMEM)
			print_message("failure %lu: %s\n", k, err);
		assert_int_equal(rc, RR_ENOMEM);
		after = slurp(idx, &n);
		assert_true(n == before_len && memcmp(before, after, n) == 0);
		free(after);
		assert_int_equal(count_entries(box), 1);
	}
	print_message("allocation failure injected at %lu points\n", k - 1);
	assert_true(k > 3);
	after = slurp(idx, &n);
	assert_non_null(strstr(after, ">third</title>"));
	free(after);
	free(before);
	fx->r.title = NULL;

	/* A directory that is not a report, or a file, is refused untouched. */
	keep = join(fx->tmp, "mine");
	assert_int_equal(mkdir(keep, 0755), 0);
	{
		char *f = join(keep, "notes.txt");
		FILE *fp = fopen(f, "w");

		assert_non_null(fp);
		fputs("mine", fp);
		fclose(fp);
		assert_int_equal(render_write_dir(fx->rd, &fx->r, fx->cat, keep, err, sizeof err), RR_EIO);
		assert_non_null(strstr(err, "exists and is not a roomreport report"));
		assert_int_equal(render_write_dir(fx->rd, &fx->r, fx->cat, f, err, sizeof err), RR_EIO);
		assert_int_equal(count_entries(keep), 1);
		free(f);
	}
	/* An empty directory is fine; a trailing slash too. */
	{
		char *e = join(fx->tmp, "empty"), *es = join(e, "");

		assert_int_equal(mkdir(e, 0755), 0);
		write_dir(fx, es);
		assert_int_equal(count_entries(e), 4);   /* index.html, calls.html, calls/, index/ */
		free(es);
		free(e);
	}
	/* A parent that does not exist: RR_EIO naming the path. */
	{
		char *bad = join(fx->tmp, "no/such/dir");

		assert_int_equal(render_write_dir(fx->rd, &fx->r, fx->cat, bad, err, sizeof err), RR_EIO);
		assert_non_null(strstr(err, "no/such/dir"));
		free(bad);
	}
	free(keep);
	free(idx);
	free(dir);
	free(box);
}

/* ---- reports in steps (render_dir_* / render_file_*) ---- */

/* How a stepped report is given its calls. */
enum step_split {
	/* Up to 3 ranges of records, as a run larger than memory has them:
	 * each range a dataset of its own (a window on fx->ds) with the calls'
	 * rec_first/rec_end rebased to it; the report's own dataset has no
	 * records at all. Last range first, calls in reverse model order. */
	SPLIT_RANGES,
	/* One call per step, last call first, each with all of fx->ds. */
	SPLIT_SINGLES,
	/* Every call in one step in model order, as render_write_* do. */
	SPLIT_ONCE,
};

#define STEP_PARTS 8

struct stepped {
	struct model m;              /* fx->m with the calls below */
	struct call *calls;
	struct dataset norecs;       /* fx->ds without its records */
	struct report r;             /* fx->r on m and norecs (SPLIT_RANGES) */
	struct dataset part[STEP_PARTS];
	uint32_t *list[STEP_PARTS];
	size_t nlist[STEP_PARTS];
	int nparts;                  /* given last to first */
};

static void stepped_make(struct fixture *fx, enum step_split split, struct stepped *s)
{
	uint32_t n = fx->m.ncalls, *order;

	memset(s, 0, sizeof *s);
	s->r = fx->r;
	if (split != SPLIT_RANGES) {
		/* Parts given last to first: part k holds call n - 1 - k, or
		 * (SPLIT_ONCE) one part holds them all. */
		s->nparts = split == SPLIT_ONCE ? 1 : (int)n;
		assert_true(s->nparts <= STEP_PARTS);
		for (int k = 0; k < s->nparts; k++) {
			size_t m = split == SPLIT_ONCE ? n : 1;

			s->list[k] = malloc(m * sizeof **s->list);
			assert_non_null(s->list[k]);
			for (size_t j = 0; j < m; j++)
				s->list[k][j] = split == SPLIT_ONCE ? (uint32_t)j : (uint32_t)k;
			s->nlist[k] = m;
			s->part[k] = fx->ds;
		}
		return;
	}
	s->calls = malloc(n * sizeof *s->calls);
	order = malloc(n * sizeof *order);
	assert_non_null(s->calls);
	assert_non_null(order);
	memcpy(s->calls, fx->m.calls, n * sizeof *s->calls);
	/* Calls by their first record (insertion: a handful of calls). */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i;

		for (; j > 0 && s->calls[order[j - 1]].rec_first > s->calls[i].rec_first; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	/* Cut where no earlier call's records reach: about n / 3 calls a
	 * range. */
	for (uint32_t a = 0, b; a < n; a = b) {
		uint32_t lo = s->calls[order[a]].rec_first, hi = s->calls[order[a]].rec_end;
		struct dataset *d = &s->part[s->nparts];

		for (b = a + 1; b < n; b++) {
			if (s->calls[order[b]].rec_first >= hi && b - a >= (n + 2) / 3)
				break;
			if (s->calls[order[b]].rec_end > hi)
				hi = s->calls[order[b]].rec_end;
		}
		assert_true(s->nparts < STEP_PARTS);
		*d = fx->ds;
		d->recs = fx->ds.recs + lo;
		d->nrecs = hi - lo;
		s->list[s->nparts] = malloc((b - a) * sizeof **s->list);
		assert_non_null(s->list[s->nparts]);
		for (uint32_t k = a; k < b; k++) {
			/* Reverse model order within the range too. */
			uint32_t c = order[k];
			size_t at = 0;

			s->calls[c].rec_first -= lo;
			s->calls[c].rec_end -= lo;
			while (at < s->nlist[s->nparts] && s->list[s->nparts][at] > c)
				at++;
			memmove(s->list[s->nparts] + at + 1, s->list[s->nparts] + at,
				(s->nlist[s->nparts] - at) * sizeof **s->list);
			s->list[s->nparts][at] = c;
			s->nlist[s->nparts]++;
		}
		s->nparts++;
	}
	free(order);
	s->m = fx->m;
	s->m.calls = s->calls;
	s->norecs = fx->ds;
	s->norecs.recs = NULL;
	s->norecs.nrecs = 0;
	s->r.m = &s->m;
	s->r.ds = &s->norecs;
}

static void stepped_free(struct stepped *s)
{
	for (int k = 0; k < s->nparts; k++)
		free(s->list[k]);
	free(s->calls);
}

/* Writes s's report into out (a directory, or with single one file) in
 * steps; the steps' returns. */
static int write_stepped(struct fixture *fx, struct stepped *s, int single, const char *out,
			 char *err, size_t errlen)
{
	struct render_job *job = NULL;
	int rc = single ? render_file_begin(fx->rd, &s->r, fx->cat, out, &job, err, errlen)
			: render_dir_begin(fx->rd, &s->r, fx->cat, out, &job, err, errlen);

	if (rc != RR_OK) {
		assert_null(job);
		return rc;
	}
	for (int k = s->nparts; k-- > 0 && rc == RR_OK;)
		rc = single ? render_file_calls(job, &s->part[k], s->list[k], s->nlist[k], err, errlen)
			    : render_dir_calls(job, &s->part[k], s->list[k], s->nlist[k], err, errlen);
	if (rc != RR_OK) {
		if (single)
			render_file_abort(job);
		else
			render_dir_abort(job);
		return rc;
	}
	return single ? render_file_end(job, err, errlen) : render_dir_end(job, err, errlen);
}

/* Open descriptors on deleted files under dir: the single file's sections
 * kept aside. */
static int deleted_fds_under(const char *dir)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char link[300], target[4096];
		ssize_t k;

		snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
		if ((k = readlink(link, target, sizeof target - 1)) <= 0)
			continue;
		target[k] = '\0';
		if (strncmp(target, dir, strlen(dir)) == 0 && strstr(target, " (deleted)"))
			n++;
	}
	closedir(d);
	return n;
}

static void test_steps(void **state)
{
	static const struct {
		enum step_split split;
		int single;
	} cases[] = {
		{ SPLIT_RANGES, 0 }, { SPLIT_RANGES, 1 }, { SPLIT_SINGLES, 0 },
		{ SPLIT_SINGLES, 1 }, { SPLIT_ONCE, 0 }, { SPLIT_ONCE, 1 },
	};
	struct fixture *fx = *state;
	char *whole = join(fx->tmp, "whole"), *whole1 = join(fx->tmp, "whole.html");
	char err[512] = "";
	size_t la, lb;
	char *x, *y;

	assert_true(fx->m.ncalls >= 3);
	write_dir(fx, whole);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, whole1, err, sizeof err), RR_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct stepped s;
		char name[32], *out;
		int rc;

		snprintf(name, sizeof name, "steps%zu%s", i, cases[i].single ? ".html" : "");
		out = join(fx->tmp, name);
		stepped_make(fx, cases[i].split, &s);
		if (cases[i].split == SPLIT_RANGES)
			assert_true(s.nparts >= 2);
		rc = write_stepped(fx, &s, cases[i].single, out, err, sizeof err);
		if (rc != RR_OK)
			print_message("case %zu: %s\n", i, err);
		assert_int_equal(rc, RR_OK);
		if (cases[i].single) {
			x = slurp(whole1, &la);
			y = slurp(out, &lb);
			assert_true(la == lb && memcmp(x, y, la) == 0);
			free(x), free(y);
		} else {
			assert_same_tree(fx, whole, out);
			assert_int_equal(count_entries(out), 4);   /* and index/ */
		}
		stepped_free(&s);
		free(out);
	}
	free(whole), free(whole1);
}

/* Abort removes what the steps wrote (a previous report stays as it was);
 * sections kept aside live in an unlinked file in $TMPDIR; an unusable
 * output path is RR_EIO naming it. */
static void test_steps_abort(void **state)
{
	struct fixture *fx = *state;
	char *box = join(fx->tmp, "abortbox"), *dir = join(box, "report");
	char *one = join(box, "one.html"), *spill = join(fx->tmp, "spill"), *idx = join(dir, "index.html");
	char *bad = join(fx->tmp, "no/such/dir"), *badf = join(fx->tmp, "no/such/one.html");
	const char *old_tmpdir = getenv("TMPDIR");
	struct render_job *job;
	struct stepped s;
	char err[512] = "", *before, *after;
	size_t lb, la;

	assert_int_equal(mkdir(box, 0755), 0);
	assert_int_equal(mkdir(spill, 0755), 0);
	write_dir(fx, dir);
	before = slurp(idx, &lb);
	stepped_make(fx, SPLIT_RANGES, &s);

	/* Directory: pages written, then abort; the old report untouched. */
	fx->r.title = "changed";
	s.r.title = "changed";
	assert_int_equal(render_dir_begin(fx->rd, &s.r, fx->cat, dir, &job, err, sizeof err), RR_OK);
	assert_int_equal(count_entries(box), 2);         /* report and its sibling */
	assert_int_equal(render_dir_calls(job, &s.part[s.nparts - 1], s.list[s.nparts - 1],
					  s.nlist[s.nparts - 1], err, sizeof err), RR_OK);
	render_dir_abort(job);
	assert_int_equal(count_entries(box), 1);
	after = slurp(idx, &la);
	assert_true(la == lb && memcmp(before, after, la) == 0);
	free(after);
	render_dir_abort(NULL);

	/* Single file: the last range first goes aside, into $TMPDIR,
	 * already unlinked; abort leaves no file at all. */
	assert_int_equal(setenv("TMPDIR", spill, 1), 0);
	assert_int_equal(render_file_begin(fx->rd, &s.r, fx->cat, one, &job, err, sizeof err), RR_OK);
	assert_int_equal(count_entries(box), 2);         /* report and one.html's temporary */
	assert_int_equal(deleted_fds_under(spill), 0);
	assert_int_equal(render_file_calls(job, &s.part[s.nparts - 1], s.list[s.nparts - 1],
					   s.nlist[s.nparts - 1], err, sizeof err), RR_OK);
	assert_int_equal(deleted_fds_under(spill), 1);
	assert_int_equal(count_entries(spill), 0);
	render_file_abort(job);
	assert_int_equal(deleted_fds_under(spill), 0);
	assert_int_equal(count_entries(box), 1);
	render_file_abort(NULL);
	/* ... and a finished one closes it too. */
	assert_int_equal(write_stepped(fx, &s, 1, one, err, sizeof err), RR_OK);
	assert_int_equal(deleted_fds_under(spill), 0);
	assert_int_equal(count_entries(box), 2);
	if (old_tmpdir)
		setenv("TMPDIR", old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	fx->r.title = NULL;

	/* Paths that cannot be written. */
	job = (struct render_job *)&s;                   /* must be reset */
	assert_int_equal(render_dir_begin(fx->rd, &fx->r, fx->cat, bad, &job, err, sizeof err),
			 RR_EIO);
	assert_null(job);
	assert_non_null(strstr(err, "no/such/dir"));
	job = (struct render_job *)&s;
	err[0] = '\0';
	assert_int_equal(render_file_begin(fx->rd, &fx->r, fx->cat, badf, &job, err, sizeof err),
			 RR_EIO);
	assert_null(job);
	assert_non_null(strstr(err, "no/such/one.html"));
	assert_int_equal(render_dir_begin(fx->rd, &fx->r, fx->cat, one, &job, err, sizeof err),
			 RR_EIO);
	assert_non_null(strstr(err, "one.html: exists and is not a roomreport report"));
	assert_int_equal(count_entries(box), 2);

	stepped_free(&s);
	free(before), free(box), free(dir), free(one), free(spill), free(idx), free(bad), free(badf);
}

static void test_single_file(void **state)
{
	struct fixture *fx = *state;
	char *box = join(fx->tmp, "onebox"), *path = join(box, "one.html"), err[256];
	struct parsed p;
	unsigned long k;
	int rc;

	assert_int_equal(mkdir(box, 0755), 0);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, path, err, sizeof err), RR_OK);
	parse_file(path, &p);
	check_page(&p);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]"), (long)fx->m.ncalls);
	assert_int_equal(COUNT(&p, "//body/div[@data-slot='calls']/section"), (long)fx->m.ncalls);
	/* In-page links resolve. */
	for (size_t i = 0; i < fx->r.nworst; i++) {
		char expr[160], *href, want[32];

		snprintf(expr, sizeof expr, "string((//*[@data-slot='worst']//tbody/tr)[%zu]//a/@href)",
			 i + 1);
		href = xstr(&p, expr);
		snprintf(want, sizeof want, "#call-%u", fx->r.worst[i] + 1);
		assert_string_equal(href, want);
		snprintf(expr, sizeof expr, "count(//section[@id='%s'])", href + 1);
		assert_int_equal((long)xnum(&p, expr), 1);
		free(href);
	}
	assert_int_equal(COUNT(&p, "//svg[@class='timeline']"), (long)fx->m.ncalls);
	assert_int_equal(COUNT(&p, "//nav[@class='back']/a[@href='#top']"), (long)fx->m.ncalls);
	assert_int_equal(COUNT(&p, "//*[@id='top']"), 1);
	/* One top-level heading; each call's headings one level down. */
	assert_int_equal(COUNT(&p, "//h1"), 1);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]/h2[@data-slot='heading']"),
			 (long)fx->m.ncalls);
	assert_true(p.bytes[p.len - 1] == '\n' && strstr(p.bytes, "</html>") != NULL);
	assert_null(strstr(p.bytes, "roomreport:calls"));
	parsed_free(&p);

	/* Failures leave the previous file and no temporary. */
	for (k = 1;; k++) {
		rr_alloc_fail_at(k);
		rc = render_write_file(fx->rd, &fx->r, fx->cat, path, err, sizeof err);
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			break;
		assert_int_equal(rc, RR_ENOMEM);
		assert_int_equal(count_entries(box), 1);
	}
	/* A device is written in place. */
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, "/dev/null", err, sizeof err),
			 RR_OK);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, "/dev/full", err, sizeof err),
			 RR_EIO);
	free(path);
	free(box);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_swap_and_failures),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_steps_abort),
		cmocka_unit_test(test_single_file),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
