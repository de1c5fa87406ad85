/* Tests for reader: record boundaries, line numbers, recovery after bad
 * records, limits, encodings and gzip. All of them run twice: with small
 * plain files read whole at open (the default) and through the window. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "reader.h"
#include "kit.h"
#include "util.h"

/* A compact description of what the reader returned, one string per
 * record: "L3:a|b|c" for rows, "L3:BAD_QUOTE" for bad records. */
static char *describe_with(const void *buf, size_t len, int fast)
{
	struct reader *r;
	struct reader_record rec;
	char err[200];
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	enum reader_status st;

	assert_non_null(out);
	out[0] = '\0';
	assert_int_equal(reader_open_mem(buf, len, &r, err, sizeof err), RR_OK);
	reader_set_fast(r, fast);
	while ((st = reader_next(r, &rec)) != READER_EOF) {
		assert_int_not_equal(st, READER_ERROR);
		n += (size_t)snprintf(out + n, cap - n, "%sL%llu:", n ? " " : "",
				      (unsigned long long)rec.line);
		if (st == READER_BAD) {
			static const char *names[] = { "BAD_QUOTE", "BAD_LONG", "BAD_WIDE" };
			n += (size_t)snprintf(out + n, cap - n, "%s", names[rec.bad_reason]);
			continue;
		}
		for (size_t i = 0; i < rec.nfields; i++) {
			assert_int_equal(rec.field[i][rec.len[i]], '\0');
			/* Long fields are shown as their first 8 bytes and length. */
			if (rec.len[i] > 40)
				n += (size_t)snprintf(out + n, cap - n, "%s%.8s..(%zu)", i ? "|" : "",
						      rec.field[i], rec.len[i]);
			else
				n += (size_t)snprintf(out + n, cap - n, "%s%.*s", i ? "|" : "",
						      (int)rec.len[i], rec.field[i]);
			assert_true(n < cap - 100);
		}
	}
	/* EOF is sticky. */
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	reader_close(r);
	return out;
}

/* The same with the fast path on and off, which must agree. */
static char *describe(const void *buf, size_t len)
{
	char *fast = describe_with(buf, len, 1);
	char *slow = describe_with(buf, len, 0);

	assert_string_equal(fast, slow);
	free(slow);
	return fast;
}

struct case_ {
	const char *in;
	const char *want;
};

static const struct case_ cases[] = {
	{ "a,b,c\n1,2,3\n", "L1:a|b|c L2:1|2|3" },
	{ "a,b\r\n1,2\r\n3,4", "L1:a|b L2:1|2 L3:3|4" },
	{ "a,b\r1,2\r3,4\r", "L1:a|b L2:1|2 L3:3|4" },
	{ "a\n\n\r\n  \nb\n", "L1:a L5:b" },
	{ "\n\na\n", "L3:a" },
	{ "  a , b\t,c\n", "L1:a|b|c" },
	{ "\" a \",b\n", "L1: a |b" },
	{ "x,\"he said \"\"hi\"\"\",y\n", "L1:x|he said \"hi\"|y" },
	{ "x,\"line1\nline2\r\nline3\",y\nnext,1,2\n", "L1:x|line1\nline2\r\nline3|y L4:next|1|2" },
	{ "a,,\n,,\n", "L1:a|| L2:||" },
	{ "a,  \"q\"  ,b\n", "L1:a|q|b" },
	{ "\"\"\n", "L1:" },
	/* stray quote in an unquoted field: that line is bad, the next is read */
	{ "h1,h2\nab\"c,d\nok,1\n", "L1:h1|h2 L2:BAD_QUOTE L3:ok|1" },
	/* closing quote followed by something else */
	{ "\"ab\"c,d\r\nok,1\r\n", "L1:BAD_QUOTE L2:ok|1" },
	{ "\"ab\" \"c\",d\nok\n", "L1:BAD_QUOTE L2:ok" },
	/* quoted newline then a stray: resume on the record's second line */
	{ "x,\"a\nb\"c\nok\n", "L1:BAD_QUOTE L2:BAD_QUOTE L3:ok" },
	/* a quote never closed: bad, and the lines after it are still read */
	{ "h\n\"open,1\nok,2\nok,3\n", "L1:h L2:BAD_QUOTE L3:ok|2 L4:ok|3" },
	{ "h\n\"open", "L1:h L2:BAD_QUOTE" },
	{ "a,b", "L1:a|b" },
	{ "", "" },
	{ "\r\n", "" },
};

/* plain promises "no NUL, no byte >= 0x80" whenever it is 1, so ingest may
 * skip its UTF-8 checks; 0 is always allowed (quoted records, libcsv). */
static void test_plain_flag(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		int may_be_plain;
	} cases[] = {
		{ "abc,def,123\n", 12, 1 },
		{ "abc,d\xc3\xa9" "f,123\n", 14, 0 },
		{ "abc,d\0f,123\n", 12, 0 },
		{ "a,b\nx,\xff\n", 9, 1 },          /* 0 or 1: the scan may see the next line's byte */
		{ "\"q\",b\n", 7, 0 },
		{ "0123456789012345678901234567890123456789,\xe4\xb8\xad\n", 45, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct reader *r;
		struct reader_record rec;

		assert_int_equal(reader_open_mem(cases[i].text, cases[i].len, &r, NULL, 0), RR_OK);
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		if (!cases[i].may_be_plain)
			assert_int_equal(rec.plain, 0);
		else if (i == 0)
			assert_int_equal(rec.plain, 1);
		reader_close(r);
	}
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = describe(cases[i].in, strlen(cases[i].in));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got [%s] want [%s]", i, got, cases[i].want);
		free(got);
	}
}

static void test_nul_passes_through(void **state)
{
	static const char in[] = "a,b\0c,d\n";
	struct reader *r;
	struct reader_record rec;

	(void)state;
	assert_int_equal(reader_open_mem(in, sizeof in - 1, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(rec.nfields, 3);
	assert_int_equal(rec.len[1], 3);
	assert_memory_equal(rec.field[1], "b\0c", 3);
	assert_int_equal(rec.raw_len, 7);
	assert_memory_equal(rec.raw, "a,b\0c,d", 7);
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	reader_close(r);
}

/* Builds "pre" + n copies of c + "post". */
static char *filled(const char *pre, char c, size_t n, const char *post, size_t *len)
{
	size_t a = strlen(pre), b = strlen(post);
	char *s = malloc(a + n + b + 1);

	assert_non_null(s);
	memcpy(s, pre, a);
	memset(s + a, c, n);
	memcpy(s + a + n, post, b + 1);
	*len = a + n + b;
	return s;
}

static void test_field_limit(void **state)
{
	size_t len;
	char *s;
	char *got;

	(void)state;
	s = filled("x,", 'a', READER_MAX_FIELD, ",y\nok\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:x|aaaaaaaa..(65536)|y L2:ok");
	free(got);
	free(s);

	s = filled("x,", 'a', READER_MAX_FIELD + 1, ",y\nok\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:BAD_LONG L2:ok");
	free(got);
	free(s);

	/* One over, as the record's last field (libcsv sees no byte after it). */
	s = filled("x,", 'a', READER_MAX_FIELD + 1, "\nok\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:BAD_LONG L2:ok");
	free(got);
	free(s);

	/* A quoted field over the limit: libcsv is left inside the open quote,
	 * and the next record must not be read as more of it. */
	s = filled("\"", 'a', READER_MAX_FIELD + 1, "\",b\n\"ok\"\n\"next\",1\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:BAD_LONG L2:ok L3:next|1");
	free(got);
	free(s);

	/* Quoted, with escaped quotes: the limit is on the unquoted value. */
	s = filled("\"", 'a', READER_MAX_FIELD - 2, "\"\"\"\"\"\nok\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:aaaaaaaa..(65536) L2:ok");
	free(got);
	free(s);
}

static void test_record_limit(void **state)
{
	size_t len;
	char *s, *got;
	struct reader *r;
	struct reader_record rec;

	(void)state;
	/* A 5 MB line without quotes or a newline: skipped, raw cut. */
	s = filled("h\n", 'z', 5u * 1024 * 1024, "\r\nok,1\n", &len);
	assert_int_equal(reader_open_mem(s, len, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(reader_next(r, &rec), READER_BAD);
	assert_int_equal(rec.bad_reason, READER_BAD_LONG);
	assert_int_equal(rec.line, 2);
	assert_int_equal(rec.raw_len, READER_MAX_RECORD);
	assert_int_equal(rec.raw[0], 'z');
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(rec.line, 3);
	assert_memory_equal(rec.field[0], "ok", 2);
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	reader_close(r);
	free(s);

	/* Many fields, each under the field limit, add up past the record limit. */
	{
		size_t n = READER_MAX_RECORD / 1000 + 5, k = 0;
		char *b = malloc(n * 1001 + 16);
		assert_non_null(b);
		for (size_t i = 0; i < n; i++) {
			memset(b + k, 'q', 1000);
			k += 1000;
			b[k++] = i + 1 < n ? ',' : '\n';
		}
		memcpy(b + k, "ok\n", 3);
		got = describe(b, k + 3);
		assert_string_equal(got, "L1:BAD_LONG L2:ok");
		free(got);
		free(b);
	}

	/* A quote open past the record limit: bad quote, resume on line 2. */
	s = filled("\"", 'a', READER_MAX_RECORD + 10, "\nok\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:BAD_QUOTE L2:ok");
	free(got);
	free(s);

	/* Exactly at the record limit is fine. */
	s = filled("", 'b', READER_MAX_RECORD, "\n", &len);
	for (size_t i = 2000; i < READER_MAX_RECORD; i += 2000)
		s[i] = ',';
	got = describe(s, len);
	assert_int_equal(strncmp(got, "L1:bbbbbbbb..(2000)|", 20), 0);
	assert_int_equal(strstr(got, " "), NULL);
	free(got);
	free(s);
}

static void test_width_limit(void **state)
{
	size_t len;
	char *s, *got;

	(void)state;
	s = filled("", ',', READER_MAX_FIELDS - 1, "\nok\n", &len);
	got = describe(s, len);
	assert_int_equal(strncmp(got, "L1:||", 5), 0);
	assert_non_null(strstr(got, " L2:ok"));
	free(got);
	free(s);

	s = filled("", ',', READER_MAX_FIELDS, "\nok\n", &len);
	got = describe(s, len);
	assert_string_equal(got, "L1:BAD_WIDE L2:ok");
	free(got);
	free(s);
}

static void test_bom(void **state)
{
	static const char utf8[] = "\xEF\xBB\xBFRoomId,UserId\n1,2\n";
	static const struct {
		const char *bytes;
		size_t n;
		const char *msg;
	} refused[] = {
		{ "\xFF\xFE" "R\0o\0", 6, "UTF-16 LE encoding is not supported; convert the file to UTF-8" },
		{ "\xFE\xFF\0R\0o", 6, "UTF-16 BE encoding is not supported; convert the file to UTF-8" },
		{ "\xFF\xFE\0\0R\0\0\0", 8, "UTF-32 LE encoding is not supported; convert the file to UTF-8" },
		{ "\0\0\xFE\xFF\0\0\0R", 8, "UTF-32 BE encoding is not supported; convert the file to UTF-8" },
	};
	char *got;

	(void)state;
	got = describe(utf8, sizeof utf8 - 1);
	assert_string_equal(got, "L1:RoomId|UserId L2:1|2");
	free(got);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct reader *r = (struct reader *)1;
		char err[200];
		assert_int_equal(reader_open_mem(refused[i].bytes, refused[i].n, &r, err, sizeof err),
				 RR_EDATA);
		assert_null(r);
		assert_string_equal(err, refused[i].msg);
	}
}


static void test_gzip_mem(void **state)
{
	static const char plain[] = "\xEF\xBB\xBF" "a,b\r\n\"x\ny\",2\r\n";
	size_t n, n2;
	unsigned char *gz, *two;
	char *got;
	struct reader *r;
	struct reader_record rec;

	(void)state;
	gz = kit_gzip(plain, sizeof plain - 1, &n);
	got = describe(gz, n);
	assert_string_equal(got, "L1:a|b L2:x\ny|2");
	free(got);

	/* Two members concatenated read as one stream. */
	two = malloc(2 * n);
	assert_non_null(two);
	memcpy(two, gz, n);
	memcpy(two + n, gz, n);
	got = describe(two, 2 * n);
	/* The second member's BOM is data, as it would be in a plain file. */
	assert_string_equal(got, "L1:a|b L2:x\ny|2 L4:\xEF\xBB\xBF" "a|b L5:x\ny|2");
	free(got);
	free(two);

	/* Truncated: rows before the cut, then an I/O error. */
	{
		char *text = malloc(400000);
		size_t k = 0;
		unsigned char *bgz;

		assert_non_null(text);
		while (k < 399000)
			k += (size_t)sprintf(text + k, "%zu,row\n", k);
		bgz = kit_gzip(text, k, &n2);
		assert_int_equal(reader_open_mem(bgz, n2 / 2, &r, NULL, 0), RR_OK);
		{
			enum reader_status st;
			size_t rows = 0;
			while ((st = reader_next(r, &rec)) == READER_ROW)
				rows++;
			assert_int_equal(st, READER_ERROR);
			assert_true(rows > 0);
			assert_string_equal(reader_error(r), "truncated gzip stream");
			assert_int_equal(reader_error_status(r), RR_EIO);
			assert_int_equal(reader_next(r, &rec), READER_ERROR);
		}
		reader_close(r);
		free(bgz);
		free(text);
	}
	free(gz);
}

static void write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_files(void **state)
{
	static const char plain[] = "a,b\n1,2\n";
	char path[] = "/tmp/rr_test_reader_XXXXXX";
	char err[300], want[400];
	struct reader *r;
	struct reader_record rec;
	unsigned char *gz;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(reader_open_file(RR_TEST_DATA, &r, err, sizeof err), RR_EIO);
	snprintf(want, sizeof want, "%s: Is a directory", RR_TEST_DATA);
	assert_string_equal(err, want);
	assert_int_equal(reader_open_file("/nonexistent/x.csv", &r, err, sizeof err), RR_EIO);
	assert_string_equal(err, "/nonexistent/x.csv: No such file or directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	gz = kit_gzip(plain, sizeof plain - 1, &n);
	write_file(path, gz, n);
	assert_int_equal(reader_open_file(path, &r, err, sizeof err), RR_OK);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(rec.line, 2);
	assert_memory_equal(rec.field[1], "2", 2);
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	reader_close(r);

	/* Plain bytes go through gzread unchanged. */
	write_file(path, plain, sizeof plain - 1);
	assert_int_equal(reader_open_file(path, &r, err, sizeof err), RR_OK);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_memory_equal(rec.field[0], "a", 2);
	reader_close(r);

	/* A truncated gzip file is an I/O error after what could be read. */
	write_file(path, gz, n - 6);
	assert_int_equal(reader_open_file(path, &r, err, sizeof err), RR_OK);
	{
		enum reader_status st;
		while ((st = reader_next(r, &rec)) == READER_ROW)
			;
		assert_int_equal(st, READER_ERROR);
		assert_string_equal(reader_error(r), "truncated gzip stream");
		assert_int_equal(reader_error_status(r), RR_EIO);
	}
	reader_close(r);

	write_file(path, "\xFF\xFEh\0", 4);
	assert_int_equal(reader_open_file(path, &r, err, sizeof err), RR_EDATA);
	snprintf(want, sizeof want, "%s: UTF-16 LE encoding is not supported; convert the file to UTF-8", path);
	assert_string_equal(err, want);

	unlink(path);
	free(gz);
	reader_close(NULL);
}

/* Records split across read chunks keep their bytes and line numbers. */
static void test_chunk_boundaries(void **state)
{
	size_t cap = 3u * 1024 * 1024, k = 0, rows = 0;
	char *b = malloc(cap);
	struct reader *r;
	struct reader_record rec;
	enum reader_status st;
	uint64_t want_line = 1;

	(void)state;
	assert_non_null(b);
	while (k < cap - 200) {
		/* Alternate CRLF, CR, LF, and a quoted field with a newline. */
		switch (rows % 4) {
		case 0: k += (size_t)sprintf(b + k, "%zu,abc\r\n", rows); break;
		case 1: k += (size_t)sprintf(b + k, "%zu,\"x\r\ny\"\r", rows); break;
		case 2: k += (size_t)sprintf(b + k, "%zu,\"q\"\"\"\n", rows); break;
		default: k += (size_t)sprintf(b + k, "%zu,z\n\n", rows); break;
		}
		rows++;
	}
	assert_int_equal(reader_open_mem(b, k, &r, NULL, 0), RR_OK);
	for (size_t i = 0; i < rows; i++) {
		char num[32];
		st = reader_next(r, &rec);
		assert_int_equal(st, READER_ROW);
		assert_int_equal(rec.line, want_line);
		snprintf(num, sizeof num, "%zu", i);
		assert_string_equal(rec.field[0], num);
		switch (i % 4) {
		case 0: assert_string_equal(rec.field[1], "abc"); want_line += 1; break;
		case 1: assert_string_equal(rec.field[1], "x\r\ny"); want_line += 2; break;
		case 2: assert_string_equal(rec.field[1], "q\""); want_line += 1; break;
		default: assert_string_equal(rec.field[1], "z"); want_line += 2; break;
		}
	}
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	reader_close(r);
	free(b);
}

/* ---- parts: tell, line, is_plain, next_line_start -------------------------- */

/* Opens a memory reader, checks reader_tell() before the first record and
 * after each one against want (-1 ends the list), and after EOF. */
static void tells(const char *in, size_t len, const long *want, int fast)
{
	struct reader *r;
	struct reader_record rec;
	size_t i = 0;

	assert_int_equal(reader_open_mem(in, len, &r, NULL, 0), RR_OK);
	reader_set_fast(r, fast);
	assert_int_equal(reader_tell(r), want[i++]);
	while (reader_next(r, &rec) != READER_EOF) {
		assert_true(want[i] >= 0);
		if (reader_tell(r) != (uint64_t)want[i])
			fail_msg("[%s] record %zu: tell %llu, want %ld", in, i,
				 (unsigned long long)reader_tell(r), want[i]);
		/* Asking twice changes nothing. */
		assert_int_equal(reader_tell(r), want[i]);
		i++;
	}
	assert_int_equal(want[i], -1);
	assert_int_equal(reader_tell(r), len);
	reader_close(r);
}

static void test_tell(void **state)
{
	static const struct {
		const char *in;
		long want[8];
	} cases[] = {
		{ "a,b\n1,2\n", { 0, 4, 8, -1 } },
		{ "a,b\r\n1,2\r\n", { 0, 5, 10, -1 } },
		{ "a\rb\r", { 0, 2, 4, -1 } },
		{ "a\r\rb", { 0, 2, 4, -1 } },
		/* Blank lines are skipped on the way to the next record, not
		 * after the last one. */
		{ "a\n\n\r\nb\n\n", { 0, 2, 7, -1 } },
		{ "\xEF\xBB\xBF" "a\r\n", { 3, 6, -1 } },
		{ "a,\"x\r\ny\"\r\nb", { 0, 10, 11, -1 } },
		/* A stray quote: the next line is where reading goes on. */
		{ "a\"b\r\nc\n", { 0, 5, 7, -1 } },
		{ "\"open\nok\r\n", { 0, 6, 10, -1 } },
		{ "x,\"a\nb\"c\nok\n", { 0, 5, 9, 12, -1 } },
		{ "", { 0, -1 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (int fast = 0; fast < 2; fast++)
			tells(cases[i].in, strlen(cases[i].in), cases[i].want, fast);
}

/*
 * Records ending in CR all through the first window: one of them ends
 * exactly where the window does, so reader_tell() must look at the byte
 * after it without losing the record it holds. Each record is a distinct
 * six-digit number; with CRLF (8 bytes a record) and CR alone (7) and the
 * first record padded by every shift, a CR falls on every offset.
 */
static void test_tell_window_edge(void **state)
{
	size_t n = 600000, len;
	char *b = malloc(n + 16);

	(void)state;
	assert_non_null(b);
	for (int crlf = 0; crlf < 2; crlf++) {
		size_t step = crlf ? 8 : 7;
		for (size_t shift = 0; shift < step; shift++) {
			struct reader *r;
			struct reader_record rec;
			size_t at, k;

			memset(b, 'h', shift);
			len = shift;
			for (k = 0; len + step <= n; k++) {
				snprintf(b + len, 16, "%06zu\r\n", k);
				len += step;
			}
			for (int fast = 0; fast < 2; fast++) {
				char want[16];

				assert_int_equal(reader_open_mem(b, len, &r, NULL, 0), RR_OK);
				reader_set_fast(r, fast);
				at = 0;
				k = 0;
				while (reader_next(r, &rec) == READER_ROW) {
					at += k == 0 ? shift + step : step;
					assert_int_equal(reader_tell(r), at);
					/* raw is still this record after tell looked ahead. */
					snprintf(want, sizeof want, "%06u", (unsigned)(k % 1000000));
					assert_int_equal(rec.raw_len, (k == 0 ? shift : 0) + 6);
					assert_memory_equal(rec.raw + rec.raw_len - 6, want, 6);
					assert_string_equal(rec.field[0] + rec.len[0] - 6, want);
					assert_int_equal(rec.line, k + 1);
					k++;
				}
				assert_int_equal(at, len);
				assert_int_equal(k, (len - shift) / step);
				reader_close(r);
			}
		}
	}
	free(b);
}

static void test_tell_long_line(void **state)
{
	size_t len;
	char *s;
	struct reader *r;
	struct reader_record rec;

	(void)state;
	/* A line longer than the window: the bytes dropped while skipping it
	 * still count in the offset. */
	s = filled("h\n", 'z', 5u * 1024 * 1024, "\r\nok,1\n", &len);
	for (int fast = 0; fast < 2; fast++) {
		assert_int_equal(reader_open_mem(s, len, &r, NULL, 0), RR_OK);
		reader_set_fast(r, fast);
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		assert_int_equal(reader_tell(r), 2);
		assert_int_equal(reader_next(r, &rec), READER_BAD);
		assert_int_equal(reader_tell(r), len - 5);
		assert_int_equal(reader_line(r), 3);
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		assert_int_equal(reader_tell(r), len);
		assert_int_equal(reader_next(r, &rec), READER_EOF);
		assert_int_equal(reader_tell(r), len);
		reader_close(r);
	}
	free(s);
}

static void test_parts(void **state)
{
	static const char in[] = "h1,h2\n\"a\nb\",1\r\nc,2\r\n\nd,3";
	char path[] = "/tmp/rr_test_reader_part_XXXXXX";
	char err[300];
	struct reader *r;
	struct reader_record rec;
	uint64_t size;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, in, sizeof in - 1);
	for (int file = 0; file < 2; file++) {
		/* From the record at offset 15 ("c,2"), numbered from line 40. */
		if (file)
			assert_int_equal(reader_open_file_part(path, 15, 40, &r, err, sizeof err), RR_OK);
		else
			assert_int_equal(reader_open_mem_part(in, sizeof in - 1, 15, 40, &r, err,
							      sizeof err), RR_OK);
		assert_int_equal(reader_tell(r), 15);
		assert_int_equal(reader_line(r), 40);
		assert_true(reader_is_plain(r, &size));
		assert_int_equal(size, sizeof in - 1);
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		assert_int_equal(rec.line, 40);
		assert_string_equal(rec.field[0], "c");
		assert_int_equal(reader_line(r), 41);
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		assert_int_equal(rec.line, 42);
		assert_string_equal(rec.field[0], "d");
		assert_int_equal(reader_next(r, &rec), READER_EOF);
		assert_int_equal(reader_tell(r), sizeof in - 1);
		reader_close(r);

		/* A part is CSV from its first byte: no BOM, UTF-16 or gzip sniffing. */
		if (!file) {
			static const char odd[] = "\xEF\xBB\xBFx\n\xFF\xFE,y\n";
			assert_int_equal(reader_open_mem_part(odd, sizeof odd - 1, 0, 1, &r, err,
							      sizeof err), RR_OK);
			assert_int_equal(reader_next(r, &rec), READER_ROW);
			assert_string_equal(rec.field[0], "\xEF\xBB\xBFx");
			assert_int_equal(reader_next(r, &rec), READER_ROW);
			assert_string_equal(rec.field[0], "\xFF\xFE");
			reader_close(r);
		}

		/* Starting at the end: nothing; past it: refused. */
		if (file) {
			assert_int_equal(reader_open_file_part(path, sizeof in - 1, 9, &r, err, sizeof err),
					 RR_OK);
		} else {
			assert_int_equal(reader_open_mem_part(in, sizeof in - 1, sizeof in - 1, 9, &r,
							      err, sizeof err), RR_OK);
		}
		assert_int_equal(reader_next(r, &rec), READER_EOF);
		assert_int_equal(reader_tell(r), sizeof in - 1);
		reader_close(r);
		r = (struct reader *)1;
		if (file)
			assert_int_equal(reader_open_file_part(path, sizeof in, 1, &r, err, sizeof err),
					 RR_EIO);
		else
			assert_int_equal(reader_open_mem_part(in, sizeof in - 1, sizeof in, 1, &r, err,
							      sizeof err), RR_EIO);
		assert_null(r);
	}
	assert_int_equal(reader_open_file_part(RR_TEST_DATA, 0, 1, &r, err, sizeof err), RR_EIO);
	assert_int_equal(reader_open_file_part("/nonexistent/x.csv", 0, 1, &r, err, sizeof err), RR_EIO);
	assert_string_equal(err, "/nonexistent/x.csv: No such file or directory");
	unlink(path);
}

static void test_is_plain(void **state)
{
	static const char plain[] = "a,b\n1,2\n";
	char path[] = "/tmp/rr_test_reader_plain_XXXXXX";
	struct reader *r;
	struct reader_record rec;
	unsigned char *gz;
	uint64_t size = 99;
	size_t n;
	int fd, p[2], saved;

	(void)state;
	gz = kit_gzip(plain, sizeof plain - 1, &n);
	assert_int_equal(reader_open_mem(plain, sizeof plain - 1, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_is_plain(r, &size), 1);
	assert_int_equal(size, sizeof plain - 1);
	reader_close(r);
	assert_int_equal(reader_open_mem(gz, n, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_is_plain(r, &size), 0);
	reader_close(r);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, plain, sizeof plain - 1);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_is_plain(r, &size), 1);
	assert_int_equal(size, sizeof plain - 1);
	reader_close(r);
	write_file(path, gz, n);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_is_plain(r, &size), 0);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_string_equal(rec.field[1], "b");
	reader_close(r);
	/* One byte, the first of the gzip magic: plain, as gzread sees it. */
	write_file(path, "\x1f", 1);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_is_plain(r, &size), 1);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(rec.len[0], 1);
	reader_close(r);
	unlink(path);

	/* stdin, a pipe here: read as a stream. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], plain, sizeof plain - 1), (ssize_t)(sizeof plain - 1));
	close(p[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	assert_int_equal(reader_open_file("-", &r, NULL, 0), RR_OK);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(reader_is_plain(r, &size), 0);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_int_equal(reader_next(r, &rec), READER_ROW);
	assert_string_equal(rec.field[1], "2");
	assert_int_equal(reader_next(r, &rec), READER_EOF);
	reader_close(r);
	free(gz);
}

static void test_next_line_start(void **state)
{
	char path[] = "/tmp/rr_test_reader_nls_XXXXXX";
	size_t len = 40000;
	char *b = malloc(len);
	struct reader *r;
	struct reader_record rec;
	uint64_t at;
	int fd;

	(void)state;
	assert_non_null(b);
	/* LFs at 3, 20000 (after a long line, longer than one read) and the
	 * last byte; a CR alone is no line start. */
	memset(b, 'q', len);
	memcpy(b, "a\rb\n", 4);
	b[20000] = '\n';
	b[len - 1] = '\n';
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, b, len);
	for (int file = 0; file < 2; file++) {
		static const struct {
			uint64_t from, want;
		} cases[] = {
			{ 0, 4 }, { 3, 4 }, { 4, 20001 }, { 20000, 20001 }, { 20001, 40000 },
			{ 39999, 40000 }, { 40000, 40000 }, { 1000000, 40000 },
		};
		if (file)
			assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
		else
			assert_int_equal(reader_open_mem(b, len, &r, NULL, 0), RR_OK);
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		assert_string_equal(rec.field[0], "a");
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			at = 7;
			assert_int_equal(reader_next_line_start(r, cases[i].from, &at), RR_OK);
			if (at != cases[i].want)
				fail_msg("file %d from %llu: %llu, want %llu", file,
					 (unsigned long long)cases[i].from, (unsigned long long)at,
					 (unsigned long long)cases[i].want);
		}
		/* The reader goes on where it was. */
		assert_int_equal(reader_next(r, &rec), READER_ROW);
		assert_string_equal(rec.field[0], "b");
		assert_int_equal(rec.line, 2);
		assert_int_equal(reader_tell(r), 4);
		reader_close(r);
	}
	/* No LF at all: the size. */
	write_file(path, "abc", 3);
	assert_int_equal(reader_open_file(path, &r, NULL, 0), RR_OK);
	assert_int_equal(reader_next_line_start(r, 0, &at), RR_OK);
	assert_int_equal(at, 3);
	reader_close(r);
	/* Not for gzip. */
	{
		size_t n;
		unsigned char *gz = kit_gzip("a\nb\n", 4, &n);
		assert_int_equal(reader_open_mem(gz, n, &r, NULL, 0), RR_OK);
		assert_int_equal(reader_next_line_start(r, 0, &at), RR_EIO);
		reader_close(r);
		free(gz);
	}
	unlink(path);
	free(b);
}

/* Every allocation failing in turn: a clean RR_ENOMEM at open or
 * READER_ERROR (RR_ENOMEM) later, nothing leaked, no stray descriptor
 * closed (stdin's state is the same afterwards). */
static void test_out_of_memory(void **state)
{
	static const char in[] = "a,b\n\"q,\"\"x\"\"\",2\n  c , d \n";
	char path[] = "/tmp/rr_test_reader_oom_XXXXXX";
	int stdin_open = fcntl(STDIN_FILENO, F_GETFD) != -1;
	int fd, opened = 0, finished = 0;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, in, sizeof in - 1);
	for (unsigned long n = 1; n < 40; n++) {
		for (int how = 0; how < 3; how++) {
			struct reader *r = NULL;
			struct reader_record rec;
			enum reader_status st;
			int rc, rows = 0;

			rr_alloc_fail_at(n);
			if (how == 0)
				rc = reader_open_file(path, &r, NULL, 0);
			else if (how == 1)
				rc = reader_open_file_part(path, 4, 2, &r, NULL, 0);
			else
				rc = reader_open_mem(in, sizeof in - 1, &r, NULL, 0);
			if (rc != RR_OK) {
				rr_alloc_fail_at(0);
				assert_int_equal(rc, RR_ENOMEM);
				assert_null(r);
				continue;
			}
			opened++;
			while ((st = reader_next(r, &rec)) == READER_ROW)
				rows++;
			rr_alloc_fail_at(0);
			if (st == READER_ERROR) {
				assert_int_equal(reader_error_status(r), RR_ENOMEM);
			} else {
				assert_int_equal(st, READER_EOF);
				assert_int_equal(rows, how == 1 ? 2 : 3);
				finished++;
			}
			reader_close(r);
		}
	}
	/* Failures were met on the way, and runs past them finished. */
	assert_true(opened > 0);
	assert_true(finished > 0);
	assert_int_equal(fcntl(STDIN_FILENO, F_GETFD) != -1, stdin_open);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_plain_flag),
		cmocka_unit_test(test_nul_passes_through),
		cmocka_unit_test(test_field_limit),
		cmocka_unit_test(test_record_limit),
		cmocka_unit_test(test_width_limit),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_gzip_mem),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_tell),
		cmocka_unit_test(test_tell_window_edge),
		cmocka_unit_test(test_tell_long_line),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_is_plain),
		cmocka_unit_test(test_next_line_start),
		cmocka_unit_test(test_out_of_memory),
	};
	int failed = cmocka_run_group_tests_name("reader, small files whole", tests, NULL, NULL);

	reader_set_small_whole(0);
	failed += cmocka_run_group_tests_name("reader, small files through the window", tests, NULL,
					      NULL);
	return failed;
}
