/*
 * The reader's two ways with a small regular file: read whole at open (the
 * default for files of at most 1 MiB) or through the window a chunk at a
 * time like bigger files (reader_set_small_whole(0)). Both ways, and a
 * memory buffer holding the same bytes, must give the same records, lines,
 * raw bytes and reader_tell() offsets, in particular at the file's end:
 * files of a whole number of pages, one byte less or more, ending without a
 * line end, inside a quote, on a CR. Also: a file cut short while a reader
 * reads it is a read error, not the end of the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "reader.h"
#include "util.h"

static char path[] = "/tmp/rr_test_reader_whole_XXXXXX";

/* A new empty file at path (each test makes its own and unlinks it). */
static void new_path(void)
{
	int fd;

	memcpy(path + sizeof path - 7, "XXXXXX", 6);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void write_file(const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* ---- what a reader returns, as bytes ------------------------------------- */

struct out {
	char *b;
	size_t len, cap, records;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 256;
		o->b = realloc(o->b, o->cap);
		assert_non_null(o->b);
	}
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void put_u64(struct out *o, uint64_t v)
{
	put(o, &v, sizeof v);
}

/* Reads r to its end (or until reader_tell() reaches stop) into o: status,
 * line, raw bytes, bad reason or fields, and reader_tell() after each. */
static void drain(struct reader *r, struct out *o, uint64_t stop)
{
	struct reader_record rec;
	enum reader_status st;

	while ((st = reader_next(r, &rec)) == READER_ROW || st == READER_BAD) {
		uint64_t at;

		put_u64(o, st);
		put_u64(o, rec.line);
		put_u64(o, rec.raw_len);
		put(o, rec.raw, rec.raw_len);
		if (st == READER_BAD) {
			put_u64(o, rec.bad_reason);
		} else {
			put_u64(o, rec.nfields);
			for (size_t i = 0; i < rec.nfields; i++) {
				assert_int_equal(rec.field[i][rec.len[i]], '\0');
				put_u64(o, rec.len[i]);
				put(o, rec.field[i], rec.len[i]);
			}
		}
		at = reader_tell(r);
		put_u64(o, at);
		o->records++;
		if (at >= stop)
			return;
	}
	assert_int_equal(st, READER_EOF);
	put_u64(o, reader_tell(r));
	put_u64(o, reader_line(r));
}

/* The records of the file at path, read whole at open (whole 1) or through
 * the window. */
static struct out read_file(int whole, int fast)
{
	struct out o = { 0 };
	struct reader *r;
	char err[300];

	reader_set_small_whole(whole);
	assert_int_equal(reader_open_file(path, &r, err, sizeof err), RR_OK);
	reader_set_small_whole(1);
	reader_set_fast(r, fast);
	drain(r, &o, UINT64_MAX);
	reader_close(r);
	return o;
}

static void same(const char *what, const struct out *a, const struct out *b)
{
	if (a->len != b->len || memcmp(a->b, b->b, a->len) != 0)
		fail_msg("%s: %zu records (%zu bytes) against %zu (%zu bytes)", what, a->records,
			 a->len, b->records, b->len);
}

/*
 * Everything about the len bytes at b, written to the file: read whole and
 * through the window, fast path on and off, a memory reader, and parts of the
 * file from line starts near each page boundary and from its very end, all
 * agree. Returns the records.
 */
static size_t check_bytes(const char *name, const unsigned char *b, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), records;
	struct out m1, m0, p1, p0, mem = { 0 };
	struct reader *r;
	char what[200];

	write_file(b, len);
	m1 = read_file(1, 1);
	m0 = read_file(1, 0);
	p1 = read_file(0, 1);
	p0 = read_file(0, 0);
	assert_int_equal(reader_open_mem(b, len, &r, NULL, 0), RR_OK);
	drain(r, &mem, UINT64_MAX);
	reader_close(r);
	snprintf(what, sizeof what, "%s: whole against window", name);
	same(what, &m1, &p1);
	snprintf(what, sizeof what, "%s: whole, fast path off", name);
	same(what, &m1, &m0);
	snprintf(what, sizeof what, "%s: window, fast path off", name);
	same(what, &p1, &p0);
	snprintf(what, sizeof what, "%s: whole against memory", name);
	same(what, &m1, &mem);

	/* Parts: the whole file's records from the part's start on. */
	for (size_t k = 0; k <= len / pg + 1; k++) {
		uint64_t from = k * pg > 3 ? k * pg - 3 : 0, at;

		for (int small = 0; small < 2; small++) {
			struct out whole = { 0 }, part = { 0 };
			uint64_t line;

			reader_set_small_whole(small);
			assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
			assert_int_equal(reader_next_line_start(r, from, &at), RR_OK);
			/* The whole reader up to the part's start. */
			drain(r, &whole, at);
			if (reader_tell(r) != at) {
				/* A line end inside quotes: not a record start. */
				reader_close(r);
				reader_set_small_whole(1);
				free(whole.b);
				continue;
			}
			line = reader_line(r);
			whole.len = 0;
			drain(r, &whole, UINT64_MAX);
			reader_close(r);
			assert_int_equal(reader_open_file_part(path, at, line, &r, NULL, 0), RR_OK);
			reader_set_small_whole(1);
			assert_int_equal(reader_tell(r), at);
			drain(r, &part, UINT64_MAX);
			reader_close(r);
			snprintf(what, sizeof what, "%s: part from %llu (%s)", name,
				 (unsigned long long)at, small ? "read whole" : "window");
			same(what, &part, &whole);
			free(whole.b);
			free(part.b);
		}
	}
	records = m1.records;
	free(m1.b);
	free(m0.b);
	free(p1.b);
	free(p0.b);
	free(mem.b);
	return records;
}

/* ---- files that end at a page boundary ------------------------------------ */

/* size bytes: ordinary rows, one padded so that tail ends the file exactly. */
static unsigned char *fill(size_t size, const char *tail)
{
	unsigned char *b = malloc(size + 1);
	size_t n = 0, tl = strlen(tail);
	unsigned row = 0;

	assert_non_null(b);
	assert_true(size > tl + 64);
	while (n + 48 + tl < size)
		n += (size_t)sprintf((char *)b + n, "%u,room-%u,%u\n", row, row % 97, row * 7), row++;
	/* Pad the last row's last field up to where the tail goes. */
	n--;
	while (n < size - tl - 1)
		b[n++] = 'p';
	b[n++] = '\n';
	memcpy(b + n, tail, tl);
	assert_int_equal(n + tl, size);
	return b;
}

static void test_page_edges(void **state)
{
	static const char *const tails[] = {
		"last,row",                /* no line end */
		"last,\"open quote, never closed",
		"\"quoted\",\"across\nlines\"",
		"ends,on,cr\r",
		"ends,on,lf\n",
		"crlf,at,end\r\n",
		"blank,next\n  \t",
		"a,\"\"\"\"",              /* a quote of quotes, closed at the last byte */
		"x,\"",                    /* a quote opened at the last byte */
		"stray\"quote",
	};
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), records = 0;
	char name[120];

	(void)state;
	new_path();
	for (size_t pages = 1; pages <= 3; pages++)
		for (size_t d = 0; d < 3; d++)
			for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
				/* A whole number of pages, one byte less, one more. */
				size_t size = pages * pg + d - 1;
				unsigned char *b = fill(size, tails[t]);

				snprintf(name, sizeof name, "%zu bytes, tail %zu", size, t);
				records += check_bytes(name, b, size);
				free(b);
			}
	/* A record that fills the file: one long line, no line end. */
	{
		unsigned char *b = malloc(2 * pg);

		assert_non_null(b);
		memset(b, 'z', 2 * pg);
		b[100] = ',';
		records += check_bytes("one line of two pages", b, 2 * pg);
		free(b);
	}
	assert_true(records > 1000);
	unlink(path);
}

/*
 * A file cut short while it is read: past 1 MiB (read through the window),
 * reading on from the cut is a read error saying so; read whole at open
 * (way 1), the cut changes nothing and all its rows are read.
 */
static void test_truncated_under_reader(void **state)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	(void)state;
	for (int way = 0; way < 2; way++) {
		size_t size = way == 1 ? 8 * pg : (2u << 20) / pg * pg + 8 * pg, lines = 0, rows = 0;
		unsigned char *b = fill(size, "end,row\n");
		struct reader_record rec;
		enum reader_status st;
		struct reader *r;

		for (size_t i = 0; i < size; i++)
			lines += b[i] == '\n';
		new_path();
		write_file(b, size);
		assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
		/* A few records read, then the file is cut. */
		for (int k = 0; k < 3; k++)
			assert_int_equal(reader_next(r, &rec), READER_ROW);
		rows = 3;
		assert_int_equal(truncate(path, 0), 0);
		while ((st = reader_next(r, &rec)) == READER_ROW)
			rows++;
		if (way == 1) {
			assert_int_equal(st, READER_EOF);
			assert_int_equal(rows, lines);
		} else {
			assert_int_equal(st, READER_ERROR);
			assert_true(rows < lines);
			assert_string_equal(reader_error(r), "the file was cut short while it was being read");
			assert_int_equal(reader_error_status(r), RR_EIO);
		}
		reader_close(r);
		free(b);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_edges),
		cmocka_unit_test(test_truncated_under_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
