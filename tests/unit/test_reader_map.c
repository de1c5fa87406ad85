/*
 * The reader's mapped files against pread. A regular file is mapped (the
 * window is the mapping) unless reader_set_mmap(0): both ways, and a
 * memory buffer holding the same bytes, must give the same records, lines,
 * raw bytes and reader_tell() offsets, in particular where the mapping ends:
 * files whose size is a whole number of pages (nothing after the last byte
 * but the guard page) ending without a line end, inside a quote, on a CR.
 * Also: the mapping is really used, it stays small in RSS whatever the
 * file's size, and a file cut short under a mapped reader raises SIGBUS as
 * reader.h says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reader.h"
#include "util.h"

static char path[] = "/tmp/rr_test_reader_map_XXXXXX";

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

/* The records of the file at path, mapped (map 1) or with pread. */
static struct out read_file(int map, int fast)
{
	struct out o = { 0 };
	struct reader *r;
	char err[300];

	reader_set_mmap(map);
	assert_int_equal(reader_open_file(path, &r, err, sizeof err), RR_OK);
	reader_set_mmap(1);
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

/* 1 when this process has path mapped (a line of /proc/self/maps names it). */
static int is_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (strstr(line, path))
			found = 1;
	fclose(f);
	return found;
}

/*
 * Everything about the len bytes at b, written to the file: mapped and
 * pread readers, fast path on and off, a memory reader, and parts of the
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
	snprintf(what, sizeof what, "%s: mapped against pread", name);
	same(what, &m1, &p1);
	snprintf(what, sizeof what, "%s: mapped, fast path off", name);
	same(what, &m1, &m0);
	snprintf(what, sizeof what, "%s: pread, fast path off", name);
	same(what, &p1, &p0);
	snprintf(what, sizeof what, "%s: mapped against memory", name);
	same(what, &m1, &mem);

	/* Parts: the whole file's records from the part's start on. */
	for (size_t k = 0; k <= len / pg + 1; k++) {
		uint64_t from = k * pg > 3 ? k * pg - 3 : 0, at;

		for (int map = 0; map < 2; map++) {
			struct out whole = { 0 }, part = { 0 };
			uint64_t line;

			reader_set_mmap(map);
			assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
			assert_int_equal(reader_next_line_start(r, from, &at), RR_OK);
			/* The whole reader up to the part's start. */
			drain(r, &whole, at);
			if (reader_tell(r) != at) {
				/* A line end inside quotes: not a record start. */
				reader_close(r);
				reader_set_mmap(1);
				free(whole.b);
				continue;
			}
			line = reader_line(r);
			whole.len = 0;
			drain(r, &whole, UINT64_MAX);
			reader_close(r);
			assert_int_equal(reader_open_file_part(path, at, line, &r, NULL, 0), RR_OK);
			reader_set_mmap(1);
			assert_int_equal(reader_tell(r), at);
			drain(r, &part, UINT64_MAX);
			reader_close(r);
			snprintf(what, sizeof what, "%s: part from %llu (%s)", name,
				 (unsigned long long)at, map ? "mapped" : "pread");
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

/* The mapping is there while a reader has the file open (and gone after),
 * unless reader_set_mmap(0); an empty file is read without one. */
static void test_mapping_used(void **state)
{
	struct reader *r, *part;
	struct reader_record rec;
	uint64_t size;

	(void)state;
	new_path();
	write_file("a,b\n1,2\n", 8);
	assert_int_equal(is_mapped(), 0);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_open_file_part(path, 4, 2, &part, NULL, 0), RR_OK);
	assert_int_equal(is_mapped(), 1);
	assert_true(reader_is_plain(r, &size));
	assert_int_equal(size, 8);
	assert_int_equal(reader_next(part, &rec), READER_ROW);
	assert_int_equal(rec.line, 2);
	assert_memory_equal(rec.raw, "1,2", 3);
	reader_close(r);
	reader_close(part);
	assert_int_equal(is_mapped(), 0);

	reader_set_mmap(0);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	reader_set_mmap(1);
	assert_int_equal(is_mapped(), 0);
	assert_true(reader_is_plain(r, NULL));
	reader_close(r);

	write_file("", 0);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	assert_int_equal(is_mapped(), 0);
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	assert_int_equal(reader_tell(r), 0);
	reader_close(r);
	unlink(path);
}

/* RssFile + RssShmem of this process, in kB: mapped file pages. */
static long mapped_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0, v;

	assert_non_null(f);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "RssFile: %ld", &v) == 1 || sscanf(line, "RssShmem: %ld", &v) == 1)
			kb += v;
	fclose(f);
	return kb;
}

/*
 * Reading a 48 MB file through the mapping, with reader_next and with
 * reader_peek/reader_take (ingest's way), and a 24 MB line the reader skips:
 * the mapped pages in RSS stay a few MB above where they started.
 */
static void test_rss_bounded(void **state)
{
	size_t size = 48u << 20, n = 0, longest = 24u << 20, lines = 0;
	unsigned char *b = malloc(size);
	long start, peak = 0;
	struct reader_record rec;
	struct reader *r;

	(void)state;
	assert_non_null(b);
	while (n + 64 < size) {
		n += (size_t)sprintf((char *)b + n, "%zu,some-room-id,some-user-id,%zu\n", n, n * 3);
		lines++;
	}
	new_path();
	write_file(b, n);
	for (int way = 0; way < 3; way++) {
		size_t rows = 0;

		if (way == 2) {
			/* A line far over the record limit, then a row. */
			memset(b, 'L', longest);
			memcpy(b + longest, "\nok,1\n", 6);
			write_file(b, longest + 6);
		}
		start = mapped_kb();
		assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
		for (;;) {
			const char *p;
			size_t avail = way == 1 ? reader_peek(r, &p) : 0, k = 0;

			while (k < avail && p[k] != '\n')
				k++;
			if (k < avail && k > 0) {
				reader_take(r, k);
			} else {
				enum reader_status st = reader_next(r, &rec);

				if (st == READER_EOF)
					break;
				assert_true(st == READER_ROW || (way == 2 && st == READER_BAD));
			}
			if (++rows % 4096 == 0 && mapped_kb() - start > peak)
				peak = mapped_kb() - start;
		}
		assert_int_equal(rows, way == 2 ? 2 : lines);
		if (mapped_kb() - start > peak)
			peak = mapped_kb() - start;
		reader_close(r);
		print_message("way %d: mapped pages peaked %ld kB above the start\n", way, peak);
		assert_true(peak < 8 * 1024);
	}
	free(b);
	unlink(path);
}

/*
 * A file cut short under a mapped reader: reading on raises SIGBUS (in a
 * child, which has no handler). Read with pread, the same cut is the end of
 * the input. A file of at most 1 MiB is read whole at open, so the cut
 * changes nothing: all its rows are read (way 2).
 */
static void test_truncated_under_reader(void **state)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	(void)state;
	for (int way = 0; way < 3; way++) {
		int map = way != 0;
		/* Past 1 MiB for ways 0 and 1, so that way 1 maps it. */
		size_t size = way == 2 ? 8 * pg : (2u << 20) / pg * pg + 8 * pg, lines = 0;
		unsigned char *b = fill(size, "end,row\n");
		pid_t pid;
		int status;

		for (size_t i = 0; i < size; i++)
			lines += b[i] == '\n';
		new_path();
		write_file(b, size);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct reader *r;
			struct reader_record rec;
			enum reader_status st;
			size_t rows = 0;

			/* cmocka catches signals; this child shows what a
			 * program without a handler gets. */
			signal(SIGBUS, SIG_DFL);
			reader_set_mmap(map);
			if (reader_open_file(path, &r, NULL, 0) != RR_OK || truncate(path, 0) != 0)
				_exit(10);
			while ((st = reader_next(r, &rec)) == READER_ROW)
				rows++;
			if (way == 2 && rows != lines)
				_exit(12);
			_exit(st == READER_EOF ? 0 : 11);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (way == 1) {
			assert_true(WIFSIGNALED(status));
			assert_int_equal(WTERMSIG(status), SIGBUS);
		} else {
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		free(b);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_edges),
		cmocka_unit_test(test_mapping_used),
		cmocka_unit_test(test_rss_bounded),
		cmocka_unit_test(test_truncated_under_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
