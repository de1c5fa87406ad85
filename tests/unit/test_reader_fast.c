/*
 * The reader's fast path against libcsv, and reading in parts against
 * reading whole. Every input -- the files under tests/data, the CSV files in samples/,
 * the fuzz seeds, and generated tricky records -- is read by a reader with
 * the fast path on and one with it off, from a file and from memory; every
 * record must come out the same (status, line, raw bytes, bad reason,
 * fields and their lengths) and so must reader_tell() after it. Then plain
 * inputs are split after LFs: a whole reader that stops where reader_tell()
 * reaches the split, plus a part reader from the split, must give exactly
 * the records of one reader. Small files are read both whole at open and
 * through the window (reader_set_small_whole), which must give the same,
 * records and offsets.
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
#include <unistd.h>

#include "reader.h"
#include "kit.h"
#include "util.h"

/* ---- a log of what a reader returned ----------------------------------- */

/* Records serialized one after another into bytes; rec[i] is where record i
 * starts; tell[i] is reader_tell() after it (when asked for). */
struct log {
	char *b;
	size_t len, cap;
	size_t *rec, *tell;
	size_t n, ncap;
	int last;           /* READER_EOF or READER_ERROR */
	int err_status;
};

static void log_free(struct log *lg)
{
	free(lg->b);
	free(lg->rec);
	free(lg->tell);
	memset(lg, 0, sizeof *lg);
}

static void put(struct log *lg, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (lg->len + n > lg->cap) {
		lg->cap = (lg->len + n) * 2 + 256;
		lg->b = realloc(lg->b, lg->cap);
		assert_non_null(lg->b);
	}
	memcpy(lg->b + lg->len, p, n);
	lg->len += n;
}

static void put_u64(struct log *lg, uint64_t v)
{
	put(lg, &v, sizeof v);
}

static void log_record(struct log *lg, enum reader_status st, const struct reader_record *rec,
		       uint64_t tell)
{
	if (lg->n == lg->ncap) {
		lg->ncap = lg->ncap * 2 + 64;
		lg->rec = realloc(lg->rec, lg->ncap * sizeof *lg->rec);
		lg->tell = realloc(lg->tell, lg->ncap * sizeof *lg->tell);
		assert_non_null(lg->rec);
		assert_non_null(lg->tell);
	}
	lg->rec[lg->n] = lg->len;
	lg->tell[lg->n] = tell;
	lg->n++;
	put_u64(lg, st);
	put_u64(lg, rec->line);
	put_u64(lg, rec->raw_len);
	if (rec->raw_len)
		put(lg, rec->raw, rec->raw_len);
	if (st == READER_BAD) {
		put_u64(lg, rec->bad_reason);
		assert_int_equal(rec->nfields, 0);
		return;
	}
	put_u64(lg, rec->nfields);
	assert_true(rec->nfields > 0);
	for (size_t i = 0; i < rec->nfields; i++) {
		assert_int_equal(rec->field[i][rec->len[i]], '\0');
		put_u64(lg, rec->len[i]);
		put(lg, rec->field[i], rec->len[i]);
	}
}

static size_t rec_end(const struct log *lg, size_t i)
{
	return i + 1 < lg->n ? lg->rec[i + 1] : lg->len;
}

/*
 * Reads r into lg until EOF or an error, or (stop != UINT64_MAX) until
 * reader_tell() is at or past stop after a record. with_tell asks for
 * reader_tell() after every record (else it is 0 in the log).
 */
static void read_log(struct reader *r, struct log *lg, int with_tell, uint64_t stop)
{
	struct reader_record rec;
	enum reader_status st;

	for (;;) {
		st = reader_next(r, &rec);
		if (st == READER_EOF || st == READER_ERROR)
			break;
		log_record(lg, st, &rec, with_tell || stop != UINT64_MAX ? reader_tell(r) : 0);
		if (stop != UINT64_MAX && lg->tell[lg->n - 1] >= stop)
			return;
	}
	lg->last = st;
	lg->err_status = reader_error_status(r);
	/* Sticky. */
	assert_int_equal(reader_next(r, &rec), st);
}

/* Prints a serialized record readably, for failure messages. */
static void show(const char *tag, const char *p, size_t n)
{
	uint64_t v[3];
	char out[600];
	size_t k = 0;

	memcpy(v, p, sizeof v);
	k += (size_t)snprintf(out, sizeof out, "%s: status %llu line %llu raw %llu [", tag,
			      (unsigned long long)v[0], (unsigned long long)v[1],
			      (unsigned long long)v[2]);
	for (size_t i = 24; i < n && k < sizeof out - 8; i++) {
		unsigned char c = (unsigned char)p[i];
		if (i == 24 + v[2])
			k += (size_t)snprintf(out + k, sizeof out - k, "] ");
		k += (size_t)snprintf(out + k, sizeof out - k, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
	}
	print_error("%s\n", out);
}

/* Fails with where two logs part ways, unless records [0, n) of a equal
 * records [from, from + n) of b. */
static void same_records(const char *what, const struct log *a, size_t a0,
			 const struct log *b, size_t b0, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t la = rec_end(a, a0 + i) - a->rec[a0 + i];
		size_t lb = rec_end(b, b0 + i) - b->rec[b0 + i];
		if (la != lb || memcmp(a->b + a->rec[a0 + i], b->b + b->rec[b0 + i], la) != 0) {
			uint64_t line = 0;
			memcpy(&line, a->b + a->rec[a0 + i] + 8, 8);
			show("a", a->b + a->rec[a0 + i], la);
			show("b", b->b + b->rec[b0 + i], lb);
			fail_msg("%s: record %zu (line %llu) differs", what, a0 + i,
				 (unsigned long long)line);
		}
	}
}

static void same_logs(const char *what, const struct log *a, const struct log *b, int tells)
{
	same_records(what, a, 0, b, 0, a->n < b->n ? a->n : b->n);
	if (a->n != b->n)
		fail_msg("%s: %zu records against %zu", what, a->n, b->n);
	if (tells)
		for (size_t i = 0; i < a->n; i++)
			if (a->tell[i] != b->tell[i])
				fail_msg("%s: tell after record %zu: %llu against %llu", what, i,
					 (unsigned long long)a->tell[i], (unsigned long long)b->tell[i]);
	assert_int_equal(a->last, b->last);
	assert_int_equal(a->err_status, b->err_status);
}

/* ---- one input, every way --------------------------------------------- */

struct totals {
	size_t inputs, records, splits, landed;
};

static struct totals tot;

static void mem_log(const void *buf, size_t len, int fast, int with_tell, struct log *lg,
		    int *rc, char *err, size_t errlen)
{
	struct reader *r;

	memset(lg, 0, sizeof *lg);
	*rc = reader_open_mem(buf, len, &r, err, errlen);
	if (*rc != RR_OK)
		return;
	reader_set_fast(r, fast);
	read_log(r, lg, with_tell, UINT64_MAX);
	reader_close(r);
}

static void file_log(const char *path, int fast, int whole, struct log *lg, int *rc, char *err,
		     size_t errlen)
{
	struct reader *r;

	memset(lg, 0, sizeof *lg);
	reader_set_small_whole(whole);
	*rc = reader_open_file(path, &r, err, errlen);
	reader_set_small_whole(1);
	if (*rc != RR_OK)
		return;
	reader_set_fast(r, fast);
	read_log(r, lg, 1, UINT64_MAX);
	reader_close(r);
}

/*
 * Splits buf after the LF at lf (split = lf + 1): a whole reader up to the
 * split, then a part from it, against whole (one reader, fast as given).
 * Returns 1 when the whole reader landed on the split exactly.
 */
static int check_split(const char *name, const unsigned char *buf, size_t len, size_t split,
		       int fast, const struct log *whole, const char *path)
{
	struct reader *a, *b;
	struct log la, lb;
	char err[300], what[400];
	uint64_t line, size;
	int landed;

	memset(&la, 0, sizeof la);
	memset(&lb, 0, sizeof lb);
	assert_int_equal(reader_open_mem(buf, len, &a, err, sizeof err), RR_OK);
	assert_true(reader_is_plain(a, &size));
	assert_int_equal(size, len);
	reader_set_fast(a, fast);
	read_log(a, &la, 1, split);
	landed = la.n > 0 ? la.tell[la.n - 1] == split : reader_tell(a) == split;
	line = reader_line(a);
	reader_close(a);
	if (!landed) {
		/* It went past: what it read so far is still the whole's start. */
		same_records(name, &la, 0, whole, 0, la.n);
		log_free(&la);
		return 0;
	}
	if (path) {
		assert_int_equal(reader_open_file_part(path, split, line, &b, err, sizeof err), RR_OK);
		assert_true(reader_is_plain(b, &size));
		assert_int_equal(size, len);
	} else {
		assert_int_equal(reader_open_mem_part(buf, len, split, line, &b, err, sizeof err), RR_OK);
	}
	assert_int_equal(reader_tell(b), split);
	assert_int_equal(reader_line(b), line);
	reader_set_fast(b, fast);
	read_log(b, &lb, 1, UINT64_MAX);
	assert_int_equal(reader_tell(b), len);
	reader_close(b);
	snprintf(what, sizeof what, "%s split at %zu (%s, fast %d)", name, split,
		 path ? "file" : "mem", fast);
	if (la.n + lb.n != whole->n)
		fail_msg("%s: %zu + %zu records against %zu", what, la.n, lb.n, whole->n);
	same_records(what, &la, 0, whole, 0, la.n);
	same_records(what, &lb, 0, whole, la.n, lb.n);
	for (size_t i = 0; i < lb.n; i++)
		assert_int_equal(lb.tell[i], whole->tell[la.n + i]);
	assert_int_equal(lb.last, whole->last);
	log_free(&la);
	log_free(&lb);
	return 1;
}

/* 1 when reader_next would return the n bytes at p, ended by the CR or LF
 * at p[n], as a row: no quote, within the limits, not blanks alone. */
static int takeable(const char *p, size_t n)
{
	size_t commas = 0;
	int filled = 0;

	if (n > READER_MAX_FIELD)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			return 0;
		commas += p[i] == ',';
		filled |= p[i] != ' ' && p[i] != '\t';
	}
	return commas < READER_MAX_FIELDS && (filled || commas);
}

/*
 * reader_peek + reader_take against reader_next: reader b takes every
 * record it can from the peeked bytes (as ingest's row parser does), a
 * reads with reader_next only; every record taken must be the one a
 * returns (line, raw bytes), and both readers must then agree on where
 * they are (reader_tell, reader_line). Returns the records taken.
 */
static size_t check_peek(const char *name, struct reader *a, struct reader *b)
{
	struct reader_record ra, rb;
	enum reader_status sa, sb;
	size_t taken = 0;

	for (;;) {
		const char *p;
		size_t avail = reader_peek(b, &p), n = 0;

		while (n < avail && p[n] != '\n' && p[n] != '\r')
			n++;
		if (n < avail && takeable(p, n)) {
			uint64_t line = reader_line(b);

			sa = reader_next(a, &ra);
			if (sa != READER_ROW || ra.line != line || ra.raw_len != n ||
			    memcmp(ra.raw, p, n) != 0)
				fail_msg("%s: line %llu taken from the window is not what reader_next reads",
					 name, (unsigned long long)line);
			reader_take(b, n);
			taken++;
		} else {
			sa = reader_next(a, &ra);
			sb = reader_next(b, &rb);
			assert_int_equal(sa, sb);
			if (sa == READER_EOF || sa == READER_ERROR)
				break;
			assert_int_equal(ra.line, rb.line);
			assert_int_equal(ra.raw_len, rb.raw_len);
			if (ra.raw_len)
				assert_memory_equal(ra.raw, rb.raw, ra.raw_len);
		}
		assert_int_equal(reader_line(a), reader_line(b));
		assert_int_equal(reader_tell(a), reader_tell(b));
	}
	return taken;
}

static size_t peek_takes;

static void check_peek_mem(const char *name, const unsigned char *buf, size_t len)
{
	struct reader *a, *b;

	assert_int_equal(reader_open_mem(buf, len, &a, NULL, 0), RR_OK);
	assert_int_equal(reader_open_mem(buf, len, &b, NULL, 0), RR_OK);
	peek_takes += check_peek(name, a, b);
	reader_close(a);
	reader_close(b);
}

/* Through files: reader_next on a file read through the window against
 * peek/take on the file read whole, and the other way round. */
static void check_peek_file(const char *path)
{
	struct reader *a, *b;

	for (int whole = 0; whole < 2; whole++) {
		reader_set_small_whole(whole);
		assert_int_equal(reader_open_file(path, &a, NULL, 0), RR_OK);
		reader_set_small_whole(!whole);
		assert_int_equal(reader_open_file(path, &b, NULL, 0), RR_OK);
		reader_set_small_whole(1);
		peek_takes += check_peek(path, a, b);
		reader_close(a);
		reader_close(b);
	}
}

/*
 * Everything about one input. path, when given, holds the same bytes.
 * ordinary: every LF ends a record that is followed by another record (no
 * quoted line ends, no blank lines), so a whole reader must land on every
 * split. Returns the number of records.
 */
static size_t check_input(const char *name, const unsigned char *buf, size_t len,
			  const char *path, int ordinary)
{
	struct log fast, slow, fast_nt, ffast, fslow, pfast, pslow;
	int rc1, rc2, rc3, rc4, rc5, rc6;
	char e1[300], e2[300], e3[300], e4[300], e5[300], e6[300], what[400];
	size_t nsplit = 0, *lfs = NULL, max_splits;
	struct reader *r;
	int plain;

	e1[0] = e2[0] = e3[0] = e4[0] = e5[0] = e6[0] = '\0';
	mem_log(buf, len, 1, 1, &fast, &rc1, e1, sizeof e1);
	mem_log(buf, len, 0, 1, &slow, &rc2, e2, sizeof e2);
	assert_int_equal(rc1, rc2);
	assert_string_equal(e1, e2);
	if (rc1 != RR_OK)
		return 0;
	snprintf(what, sizeof what, "%s (mem, fast against libcsv)", name);
	same_logs(what, &fast, &slow, 1);
	/* reader_tell() settles a pending LF; not asking must change nothing. */
	check_peek_mem(name, buf, len);
	if (path)
		check_peek_file(path);
	mem_log(buf, len, 1, 0, &fast_nt, &rc3, e3, sizeof e3);
	snprintf(what, sizeof what, "%s (mem, without tell)", name);
	same_logs(what, &fast, &fast_nt, 0);
	log_free(&fast_nt);
	if (path) {
		file_log(path, 1, 1, &ffast, &rc3, e3, sizeof e3);
		file_log(path, 0, 1, &fslow, &rc4, e4, sizeof e4);
		file_log(path, 1, 0, &pfast, &rc5, e5, sizeof e5);
		file_log(path, 0, 0, &pslow, &rc6, e6, sizeof e6);
		assert_int_equal(rc3, rc1);
		assert_int_equal(rc4, rc1);
		assert_int_equal(rc5, rc1);
		assert_int_equal(rc6, rc1);
		snprintf(what, sizeof what, "%s (file, fast against libcsv)", name);
		same_logs(what, &ffast, &fslow, 1);
		assert_string_equal(e3, e4);
		snprintf(what, sizeof what, "%s (file whole against window)", name);
		same_logs(what, &ffast, &pfast, 1);
		snprintf(what, sizeof what, "%s (file through the window, fast against libcsv)", name);
		same_logs(what, &pfast, &pslow, 1);
		assert_string_equal(e3, e5);
		assert_string_equal(e3, e6);
		log_free(&pfast);
		log_free(&pslow);
		snprintf(what, sizeof what, "%s (file against mem)", name);
		/* gzip offsets count uncompressed bytes either way. */
		same_logs(what, &ffast, &fast, 1);
		log_free(&ffast);
		log_free(&fslow);
	}
	tot.inputs++;
	tot.records += fast.n;

	assert_int_equal(reader_open_mem(buf, len, &r, NULL, 0), RR_OK);
	plain = reader_is_plain(r, NULL);
	reader_close(r);
	assert_int_equal(plain, !(len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b));
	if (plain) {
		for (size_t i = 0; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			if (nsplit % 1024 == 0) {
				lfs = realloc(lfs, (nsplit + 1024) * sizeof *lfs);
				assert_non_null(lfs);
			}
			lfs[nsplit++] = i + 1;
		}
		/* Every LF of small inputs, an even sample of big ones: each
		 * split reads the whole input once. */
		max_splits = len ? (8u << 20) / len : 400;
		if (max_splits > 400)
			max_splits = 400;
		if (max_splits < 20)
			max_splits = 20;
		for (size_t k = 0; k < nsplit; k++) {
			size_t i = nsplit <= max_splits ? k : k * nsplit / max_splits;
			int landed;

			if (nsplit > max_splits && k >= max_splits)
				break;
			landed = check_split(name, buf, len, lfs[i], k & 1, k & 1 ? &fast : &slow, NULL);
			tot.splits++;
			tot.landed += (size_t)landed;
			if (ordinary && !landed)
				fail_msg("%s: did not land on the split at %zu", name, lfs[i]);
			/* Some through files too, read whole and through the window. */
			if (path && landed && k % 8 == 0) {
				reader_set_small_whole(k % 16 == 0);
				check_split(name, buf, len, lfs[i], 1, &fast, path);
				reader_set_small_whole(1);
			}
		}
		free(lfs);
	}
	log_free(&slow);
	{
		size_t n = fast.n;
		log_free(&fast);
		return n;
	}
}

/* ---- the corpus on disk ------------------------------------------------ */

static void check_tree(const char *dir, const char *suffix, int recurse)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;
		size_t nl = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			if (recurse)
				check_tree(path, suffix, 1);
			continue;
		}
		if (suffix && (nl < sl || strcmp(e->d_name + nl - sl, suffix) != 0))
			continue;
		{
			size_t len;
			unsigned char *b = kit_slurp(path, &len);
			check_input(path, b, len, path, 0);
			free(b);
		}
	}
	closedir(d);
}

static void test_corpus(void **state)
{
	size_t before;

	(void)state;
	memset(&tot, 0, sizeof tot);
	check_tree(RR_TEST_DATA, NULL, 1);
	check_tree(RR_TEST_DATA "/../../samples", ".csv", 0);
	check_tree(RR_TEST_DATA "/../fuzz/seeds", NULL, 1);
	before = tot.inputs;
	/* The corpus is there and was read: 40-odd files, thousands of rows. */
	assert_true(before >= 30);
	assert_true(tot.records >= 3000);
	assert_true(tot.landed >= tot.splits / 2);
	print_message("corpus: %zu inputs, %zu records, %zu splits, %zu landed\n",
		      tot.inputs, tot.records, tot.splits, tot.landed);
}

/* ---- generated records -------------------------------------------------- */

struct gen {
	uint64_t s;
	unsigned char *b;
	size_t len, cap;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
	g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((g->s >> 33) % n);
}

static void gput(struct gen *g, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2 + 1024;
		g->b = realloc(g->b, g->cap);
		assert_non_null(g->b);
	}
	memcpy(g->b + g->len, p, n);
	g->len += n;
}

static void gputc(struct gen *g, char c)
{
	gput(g, &c, 1);
}

static void gfill(struct gen *g, char c, size_t n)
{
	while (n--)
		gputc(g, c);
}

/* One field. Mostly what the fast path takes: plain text with blanks, NULs
 * and other low bytes; sometimes quoted fields, stray quotes, and fields
 * whose length sits at the limit. */
static void gen_field(struct gen *g, int tricky)
{
	static const char plain[] = "ab09 \t\t  \0!+-_\x01\x7f\xc3\xa9";
	static const char quoted[] = "ab ,\r\n\"\"\t";
	uint32_t kind = rnd(g, 1000);
	uint32_t n = rnd(g, 7);

	if (kind < 2 && tricky) {
		/* Near the field limit, blanks at either end or not. */
		gfill(g, ' ', rnd(g, 3));
		gfill(g, 'L', READER_MAX_FIELD - 2 + rnd(g, 5));
		gfill(g, rnd(g, 2) ? ' ' : '\t', rnd(g, 3));
		return;
	}
	if (kind < 700 || !tricky) {
		for (uint32_t i = 0; i < n; i++)
			gputc(g, plain[rnd(g, sizeof plain - 1)]);
		return;
	}
	if (kind < 900) {
		gfill(g, ' ', rnd(g, 2));
		gputc(g, '"');
		for (uint32_t i = 0; i < n; i++)
			gputc(g, quoted[rnd(g, sizeof quoted - 1)]);
		gputc(g, '"');
		gfill(g, ' ', rnd(g, 2));
		return;
	}
	/* Anything at all, stray quotes and line ends included. */
	for (uint32_t i = 0; i < n; i++)
		gputc(g, "a,\" \t\r\n\0"[rnd(g, 8)]);
}

static void gen_line_end(struct gen *g, int crlf_only)
{
	static const char *const ends[] = { "\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n  \t\n" };

	if (crlf_only) {
		gput(g, rnd(g, 2) ? "\n" : "\r\n", rnd(g, 2) ? 1 : 2);
		return;
	}
	{
		const char *e = ends[rnd(g, 6)];
		gput(g, e, strlen(e));
	}
}

/* Records of plain fields only (no quotes, no blank lines, LF or CRLF):
 * every LF is a record boundary. */
static void gen_ordinary(struct gen *g, size_t records)
{
	for (size_t i = 0; i < records; i++) {
		uint32_t nf = 1 + rnd(g, 12);
		for (uint32_t f = 0; f < nf; f++) {
			if (f)
				gputc(g, ',');
			gen_field(g, 0);
		}
		/* Never a record of blanks alone: it would be a blank line. */
		gputc(g, 'r');
		gen_line_end(g, 1);
	}
}

static void gen_tricky(struct gen *g, size_t records)
{
	for (size_t i = 0; i < records; i++) {
		uint32_t nf = 1 + rnd(g, 8);
		for (uint32_t f = 0; f < nf; f++) {
			if (f)
				gputc(g, ',');
			gen_field(g, 1);
		}
		if (rnd(g, 10) == 0)
			gputc(g, ',');
		if (i + 1 < records || rnd(g, 2))
			gen_line_end(g, 0);
	}
}

static char tmp_path[] = "/tmp/rr_test_reader_fast_XXXXXX";

static void check_generated(const char *name, struct gen *g, int ordinary)
{
	FILE *f = fopen(tmp_path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(g->b, 1, g->len, f), g->len);
	assert_int_equal(fclose(f), 0);
	check_input(name, g->b, g->len, tmp_path, ordinary);
}

static void test_generated(void **state)
{
	struct gen g = { .s = 20240517 };
	char name[64];
	int fd;

	(void)state;
	memset(&tot, 0, sizeof tot);
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	close(fd);
	/* Many small inputs of tricky records, each ending its own way. */
	for (int i = 0; i < 40; i++) {
		g.len = 0;
		gen_tricky(&g, 100);
		snprintf(name, sizeof name, "tricky #%d", i);
		check_generated(name, &g, 0);
	}
	/* Ordinary records: the whole reader lands on every split. */
	for (int i = 0; i < 10; i++) {
		g.len = 0;
		gen_ordinary(&g, 300);
		snprintf(name, sizeof name, "ordinary #%d", i);
		check_generated(name, &g, 1);
	}
	/* Bigger than the window, so records straddle reads. */
	g.len = 0;
	gen_tricky(&g, 6000);
	check_generated("tricky, big", &g, 0);
	g.len = 0;
	gen_ordinary(&g, 60000);
	check_generated("ordinary, big", &g, 1);
	assert_true(tot.records >= 8000);
	assert_true(tot.landed > 0);
	/* Most generated records are takeable from the window. */
	assert_true(peek_takes >= 4000);
	print_message("generated: %zu inputs, %zu records, %zu splits, %zu landed\n",
		      tot.inputs, tot.records, tot.splits, tot.landed);
	unlink(tmp_path);
	free(g.b);
}

/* ---- the limits, case by case -------------------------------------------- */

static void check_built(const char *name, struct gen *g)
{
	check_input(name, g->b, g->len, NULL, 0);
}

static void test_limits(void **state)
{
	static const char *const pads[] = { "", " ", "\t", "  ", " \t" };
	struct gen g = { .s = 7 };
	char name[128];

	(void)state;
	/* A field around the limit, with blanks before and after, first or
	 * last in its record, followed by another record. */
	for (size_t n = READER_MAX_FIELD - 2; n <= READER_MAX_FIELD + 2; n++)
		for (size_t pre = 0; pre < 5; pre++)
			for (size_t post = 0; post < 5; post++)
				for (int last = 0; last < 2; last++) {
					g.len = 0;
					if (last)
						gput(&g, "x,", 2);
					gput(&g, pads[pre], strlen(pads[pre]));
					gfill(&g, 'f', n);
					gput(&g, pads[post], strlen(pads[post]));
					if (!last)
						gput(&g, ",y", 2);
					gput(&g, "\nok\n", 4);
					snprintf(name, sizeof name, "field %zu pre %zu post %zu last %d",
						 n, pre, post, last);
					check_built(name, &g);
				}
	/* Blanks alone, many of them, as a line and as a field. */
	g.len = 0;
	gfill(&g, ' ', READER_MAX_FIELD + 10);
	gput(&g, "\na,", 3);
	gfill(&g, '\t', READER_MAX_FIELD + 10);
	gput(&g, ",b\n", 3);
	check_built("blanks", &g);
	/* Records around the record limit. */
	for (size_t n = READER_MAX_RECORD - 2; n <= READER_MAX_RECORD + 2; n++) {
		g.len = 0;
		for (size_t k = 0; k < n; k++)
			gputc(&g, k % 1000 == 999 ? ',' : 'r');
		gput(&g, "\r\nok\n", 5);
		snprintf(name, sizeof name, "record %zu", n);
		check_built(name, &g);
	}
	/* Widths around the field count limit, with a blank field at the end. */
	for (size_t n = READER_MAX_FIELDS - 2; n <= READER_MAX_FIELDS + 1; n++) {
		g.len = 0;
		gput(&g, "a", 1);
		gfill(&g, ',', n - 1);
		gput(&g, " \nok\n", 5);
		snprintf(name, sizeof name, "width %zu", n);
		check_built(name, &g);
	}
	free(g.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
