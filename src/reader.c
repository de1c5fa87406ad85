/*
 * reader — bytes to CSV records with physical line numbers.
 *
 * Input flows through a window of bytes win[pos..end). Plain regular files
 * are mapped read-only and the window is the mapping itself: the parsers
 * read the page cache, with no copy (the kernel's copy for pread was a tenth
 * of the whole run). end moves forward a step at a time and the pages behind
 * pos are given back (MADV_DONTNEED), so the mapped pages counted in RSS stay
 * a few MB whatever the file's size. Files that cannot be mapped (empty,
 * /proc) are read with pread into one fixed buffer (READER_MAX_RECORD plus a
 * read chunk); gzip files, stdin and pipes go through zlib's gzread, memory
 * buffers are copied or inflated into the same kind of buffer, so memory
 * stays bounded whatever the input.
 *
 * Two ways to a record. The fast path takes a record that ends inside the
 * window and has no quote: one pass, sixteen or eight bytes at a time, finds
 * its commas and its line end and cuts the fields out of a copy of the
 * record with the same trimming and limits as libcsv applies (the test in
 * tests/unit/test_reader_fast.c holds the two to that). Everything else --
 * quotes, the last record without a line end, records over a limit -- goes
 * the general way: a small RFC 4180 state machine finds where the record
 * ends, so a broken record can be skipped and the next physical line read,
 * and only then is the record handed to libcsv (strict mode) to split and
 * unquote its fields.
 *
 * Between records the reader's only state is the offset and the line
 * number (an LF owed to a CR-ended record is settled by reader_tell), which
 * is what lets a big file be read in parts on several threads.
 *
 * Choices made here, on purpose:
 *  - libcsv's trimming of spaces and tabs around unquoted fields is kept: the
 *    exports never rely on them and trimmed IDs are what people expect.
 *    Spaces before an opening quote and after a closing quote are allowed,
 *    as libcsv allows them.
 *  - A line holding only spaces and tabs is blank (libcsv yields no row).
 *  - A truncated or corrupt gzip stream is RR_EIO: the file could not be
 *    read to its end, as with any other read failure.
 *  - An over-long record without an open quote is skipped up to the next
 *    physical line end, without looking at quotes beyond the limit.
 * Does not: interpret fields, check field counts or UTF-8 (ingest does).
 * zlib's gz* functions allocate with malloc, outside rr_malloc's policy;
 * their failures still come back as errors.
 */
#define _DEFAULT_SOURCE 1   /* MAP_ANONYMOUS, madvise */
#include "reader.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util.h"

#define CHUNK (256u * 1024)
/* The window holds a whole record, one byte past the limit (to notice it is
 * over), a lookahead byte and room for a read. */
#define WIN_CAP (READER_MAX_RECORD + 2 + CHUNK)
/* A mapped window's end moves on by MAP_STEP at a time; the pages behind
 * pos are released once MAP_DROP of them have piled up. Together they bound
 * the mapped bytes in RSS to about MAP_DROP + 2 MAP_STEP per reader. Each
 * release interrupts every other core running the process to flush its TLB,
 * which is dear in a virtual machine: MAP_DROP is a few steps long so that
 * a gigabyte costs a few hundred of them, not a thousand. */
#define MAP_STEP (1024u * 1024)
#define MAP_DROP (4u * MAP_STEP)
/* How far ahead of a record just consumed its successors are prefetched.
 * Read in place, the mapped bytes come from memory, not from the cache a
 * copy would have left them in; the hardware prefetcher stops at page
 * boundaries. Two lines per record, as records are longer than one (about
 * 86 bytes in exports), so no line is missed. Measured best of 768..2048. */
#define PREFETCH_AHEAD 1024

/* libcsv's options: strict quoting, an unclosed quote reported at the end,
 * fields NUL-terminated. */
#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

enum src_kind {
	SRC_FD,         /* plain regular file, read with pread */
	SRC_MAP,        /* plain regular file, mapped: win points into the mapping */
	SRC_GZ,         /* gzip file, stdin or pipe, through gzread */
	SRC_MEM,        /* plain memory buffer */
	SRC_MEM_GZ,     /* gzip in memory, through inflate */
};

struct reader {
	enum src_kind kind;
	int fd;                     /* SRC_FD */
	uint64_t fdpos;             /* SRC_FD: file offset of the next read */
	uint64_t size;              /* SRC_FD / SRC_MEM: the source's size */
	gzFile gz;
	const unsigned char *mem;   /* SRC_MEM / SRC_MEM_GZ input */
	size_t memlen, mempos;
	z_stream zs;
	int zs_live;
	size_t map_len;             /* SRC_MAP: bytes reserved at win (the file's pages and one more) */
	size_t dropped;             /* SRC_MAP: pages below win + dropped were released */

	unsigned char *win;
	size_t cap;                 /* win's size: WIN_CAP, or less for a buffer that fits;
	                             * SRC_MAP: the mapped file bytes */
	size_t pos, end;            /* unconsumed bytes are win[pos..end) */
	uint64_t base;              /* source offset of win[0] */
	int eof;                    /* the source has no more bytes */
	int skip_lf;                /* last record ended in CR: an LF next is its pair */
	uint64_t line;              /* physical line of win[pos] */
	/* One byte read past the window by reader_tell to settle skip_lf
	 * without moving the window (which holds the current record). */
	unsigned char stash;
	int have_stash;
	int fast;                   /* fast path for records without quotes */

	struct csv_parser csv;
	int csv_live;
	/* Fields of the current record: bytes (NUL after each) in arena. */
	char *arena;
	size_t arena_len, arena_cap;
	size_t *foff, *flen;
	const char **fptr;
	size_t nfields;
	int got_row, discard, cb_oom, too_wide, too_long;

	enum reader_status done;    /* READER_EOF / READER_ERROR once finished, else READER_ROW */
	int err_status;
	char errmsg[160];
};

/* libcsv's realloc hook cannot carry context, so the cap flags live here,
 * one set per thread (parts of a file are read on several threads). */
static _Thread_local int field_capped;
static _Thread_local int field_oom;

static void *capped_realloc(void *p, size_t n)
{
	void *np;

	/* libcsv wants room for the NUL (CSV_APPEND_NULL) and one byte of
	 * lookahead, so a field of exactly the limit needs limit + 2. The exact
	 * limit is checked in cb_field; this only bounds the buffer. */
	if (n > READER_MAX_FIELD + 2) {
		field_capped = 1;
		return NULL;
	}
	np = rr_realloc(p, n);
	if (!np)
		field_oom = 1;
	return np;
}

static void set_error(struct reader *r, int status, const char *msg)
{
	r->done = READER_ERROR;
	r->err_status = status;
	snprintf(r->errmsg, sizeof r->errmsg, "%s", msg);
}

/* ---- sources ---------------------------------------------------------- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return rr_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	rr_free(p);
}

/* Reads up to n bytes into dst. Returns bytes read, 0 at end of input, or
 * -1 with the error recorded. */
static long src_read(struct reader *r, unsigned char *dst, size_t n)
{
	if (r->have_stash) {
		dst[0] = r->stash;
		r->have_stash = 0;
		return 1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	if (r->kind == SRC_FD) {
		for (;;) {
			ssize_t got = pread(r->fd, dst, n, (off_t)r->fdpos);

			if (got >= 0) {
				r->fdpos += (uint64_t)got;
				return (long)got;
			}
			if (errno != EINTR) {
				set_error(r, RR_EIO, strerror(errno));
				return -1;
			}
		}
	}
	if (r->kind == SRC_GZ) {
		int got = gzread(r->gz, dst, (unsigned)n);
		int zerr;
		const char *msg;

		if (got > 0)
			return got;
		msg = gzerror(r->gz, &zerr);
		if (got == 0 && zerr == Z_OK)
			return 0;
		if (zerr == Z_BUF_ERROR) {
			set_error(r, RR_EIO, "truncated gzip stream");
		} else if (zerr == Z_ERRNO) {
			set_error(r, RR_EIO, strerror(errno));
		} else if (zerr == Z_MEM_ERROR) {
			set_error(r, RR_ENOMEM, "out of memory");
		} else {
			char buf[128];
			snprintf(buf, sizeof buf, "corrupt gzip stream (%s)", msg ? msg : "?");
			set_error(r, RR_EIO, buf);
		}
		return -1;
	}
	if (r->kind == SRC_MEM) {
		size_t left = r->memlen - r->mempos;
		if (n > left)
			n = left;
		memcpy(dst, r->mem + r->mempos, n);
		r->mempos += n;
		return (long)n;
	}
	/* SRC_MEM_GZ: inflate until some output or the input is used up. */
	for (;;) {
		size_t in_left = r->memlen - r->mempos;
		size_t before_in, produced;
		int ret;

		r->zs.next_in = (Bytef *)(r->mem + r->mempos);
		r->zs.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
		r->zs.next_out = dst;
		r->zs.avail_out = (uInt)n;
		before_in = r->zs.avail_in;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		r->mempos += before_in - r->zs.avail_in;
		produced = n - r->zs.avail_out;
		if (ret == Z_STREAM_END) {
			/* Concatenated members are one stream, as gzread treats them;
			 * bytes after the last member that are not gzip are ignored. */
			in_left = r->memlen - r->mempos;
			if (in_left >= 2 && r->mem[r->mempos] == 0x1f && r->mem[r->mempos + 1] == 0x8b) {
				if (inflateReset(&r->zs) != Z_OK) {
					set_error(r, RR_EIO, "corrupt gzip stream");
					return -1;
				}
			} else {
				r->mempos = r->memlen;
				if (!produced)
					return 0;
			}
			if (produced)
				return (long)produced;
			continue;
		}
		if (ret == Z_MEM_ERROR) {
			set_error(r, RR_ENOMEM, "out of memory");
			return -1;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			char buf[128];
			snprintf(buf, sizeof buf, "corrupt gzip stream (%s)",
				 r->zs.msg ? r->zs.msg : "bad data");
			set_error(r, RR_EIO, buf);
			return -1;
		}
		if (produced)
			return (long)produced;
		if (r->mempos == r->memlen) {
			set_error(r, RR_EIO, "truncated gzip stream");
			return -1;
		}
	}
}

/* ---- mapped files ------------------------------------------------------ */

/* Readers opened from now on map plain files (1) or read them with pread
 * (0); see reader_set_mmap. */
static int map_files = 1;

static size_t page_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096;
}

/*
 * Maps the file at fd from the page holding offset to size, read-only.
 * The address range is first reserved one page longer with an anonymous
 * mapping and the file mapped over its start, so whatever follows the
 * file's last byte reads as zeros up to a page on, never faults (nothing
 * here reads past end, but a mapping has no slack of its own). Returns 0
 * with *map (its start, the file offset *at) and *len (bytes to munmap),
 * or -1 when the file cannot be mapped: empty, /proc and the like, out of
 * address space; the caller then reads with pread.
 */
static int map_file(int fd, uint64_t size, uint64_t offset, unsigned char **map, uint64_t *at,
		    size_t *len)
{
	size_t pg = page_size();
	uint64_t start = offset - offset % pg, bytes;
	void *resv, *got;

	if (!map_files || size <= start)
		return -1;
	bytes = size - start;
	if (bytes > SIZE_MAX - 2 * pg)
		return -1;
	*len = (size_t)((bytes + pg - 1) / pg * pg) + pg;
	resv = mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED)
		return -1;
	got = mmap(resv, (size_t)bytes, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, (off_t)start);
	if (got == MAP_FAILED) {
		munmap(resv, *len);
		return -1;
	}
	*map = resv;
	*at = start;
	/* Read once, front to back: the kernel need not keep these pages
	 * warm, and releasing them skips marking them accessed. */
	(void)madvise(resv, (size_t)bytes, MADV_SEQUENTIAL);
	return 0;
}

/* Gives back the mapped pages that lie wholly in win[from..to): their
 * bytes stay readable (a later touch maps them again from the page cache),
 * they just stop counting in RSS. */
static void map_drop(struct reader *r, size_t from, size_t to)
{
	size_t pg = page_size();

	from = (from + pg - 1) / pg * pg;
	to = to / pg * pg;
	if (to > from)
		(void)madvise(r->win + from, to - from, MADV_DONTNEED);
}

/* refill for a mapped file: releases what lies behind pos, in steps, and
 * moves end on. Nothing is copied and nothing moves. */
static void map_more(struct reader *r)
{
	if (r->pos >= r->dropped + MAP_DROP) {
		map_drop(r, r->dropped, r->pos);
		r->dropped = r->pos / page_size() * page_size();
	}
	r->end = r->cap - r->end > MAP_STEP ? r->end + MAP_STEP : r->cap;
	if (r->end == r->cap)
		r->eof = 1;
}

void reader_set_mmap(int on)
{
	map_files = on != 0;
}

/* Moves the unconsumed bytes to the window's start and reads more after
 * them. Returns 0 (possibly now at eof) or -1 on error. */
static int refill(struct reader *r)
{
	long got;

	if (r->kind == SRC_MAP) {
		if (!r->eof)
			map_more(r);
		return 0;
	}
	if (r->pos > 0) {
		memmove(r->win, r->win + r->pos, r->end - r->pos);
		r->base += r->pos;
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->eof || r->end == r->cap)
		return 0;
	/* A chunk at a time, so that what was read is still in the cache when
	 * it is scanned. */
	got = src_read(r, r->win + r->end, r->cap - r->end < CHUNK ? r->cap - r->end : CHUNK);
	if (got < 0)
		return -1;
	if (got == 0)
		r->eof = 1;
	r->end += (size_t)got;
	return 0;
}

/* ---- opening ------------------------------------------------------------ */

/* A reader with a window of cap bytes: WIN_CAP, or for a plain buffer
 * that fits, its size + 1 (room for the read that finds its end); or,
 * when map is not NULL, the cap bytes mapped there (SRC_MAP, map_len bytes
 * to munmap: the reader owns the mapping from here on, even on failure). */
static int reader_alloc(struct reader **out, size_t cap, unsigned char *map, size_t map_len)
{
	struct reader *r = rr_calloc(1, sizeof *r);

	if (!r) {
		if (map)
			munmap(map, map_len);
		return RR_ENOMEM;
	}
	r->fd = -1;   /* before anything can fail: reader_close closes it */
	r->cap = cap;
	if (map) {
		r->kind = SRC_MAP;
		r->win = map;
		r->map_len = map_len;
	} else {
		r->win = rr_malloc(cap);
	}
	/* The field index arrays are small enough to size for the limit once. */
	r->foff = rr_malloc(READER_MAX_FIELDS * sizeof *r->foff);
	r->flen = rr_malloc(READER_MAX_FIELDS * sizeof *r->flen);
	r->fptr = rr_malloc(READER_MAX_FIELDS * sizeof *r->fptr);
	/* The fast path copies a record into the arena as it scans it, up to
	 * the record limit or the window's end, without stopping to check for
	 * room. */
	r->arena_cap = cap < READER_MAX_RECORD + 1 ? cap : READER_MAX_RECORD + 1;
	r->arena = rr_malloc(r->arena_cap);
	if (!r->win || !r->foff || !r->flen || !r->fptr || !r->arena) {
		reader_close(r);
		return RR_ENOMEM;
	}
	if (csv_init(&r->csv, CSV_OPTS) != 0) {
		reader_close(r);
		return RR_ENOMEM;
	}
	r->csv_live = 1;
	csv_set_realloc_func(&r->csv, capped_realloc);
	csv_set_free_func(&r->csv, rr_free);
	/* Growth step, not a limit: fewer reallocs on the way to a long field. */
	csv_set_blk_size(&r->csv, 4096);
	r->line = 1;
	r->fast = 1;
	r->done = READER_ROW;
	*out = r;
	return RR_OK;
}

/* Fills the first bytes and deals with byte-order marks. */
static int check_bom(struct reader *r, char *why, size_t whylen)
{
	const unsigned char *b;
	size_t n;
	const char *enc = NULL;

	while (!r->eof && r->end - r->pos < 4 && r->done == READER_ROW) {
		if (refill(r) != 0)
			return RR_OK;   /* reported by the first reader_next */
	}
	b = r->win + r->pos;
	n = r->end - r->pos;
	if (n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)
		enc = "UTF-32 LE";
	else if (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)
		enc = "UTF-32 BE";
	else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE)
		enc = "UTF-16 LE";
	else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF)
		enc = "UTF-16 BE";
	/* Without a BOM, UTF-16 text shows as a NUL in every other byte of its
	 * ASCII header: "R\0o\0..." (LE) or "\0R\0o..." (BE). */
	if (!enc && n >= 8) {
		size_t even = 0, odd = 0, k = n < 64 ? n & ~(size_t)1 : 64;
		for (size_t i = 0; i < k; i += 2) {
			even += b[i] == 0 && b[i + 1] != 0;
			odd += b[i] != 0 && b[i + 1] == 0;
		}
		if (odd == k / 2)
			enc = "UTF-16 LE (no byte-order mark)";
		else if (even == k / 2)
			enc = "UTF-16 BE (no byte-order mark)";
	}
	if (enc) {
		snprintf(why, whylen, "%s encoding is not supported; convert the file to UTF-8", enc);
		return RR_EDATA;
	}
	if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		r->pos += 3;
	return RR_OK;
}

static void put_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (!err || !errlen)
		return;
	if (path)
		snprintf(err, errlen, "%s: %s", path, why);
	else
		snprintf(err, errlen, "%s", why);
}

/* Opens path read-only and checks what it is: a directory is refused with
 * its errno text, anything but a regular file or pipe with a reason. */
static int open_checked(const char *path, int is_stdin, int *fd_out, struct stat *st,
			char *err, size_t errlen)
{
	int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY);

	if (fd < 0) {
		put_err(err, errlen, path, strerror(errno));
		return RR_EIO;
	}
	if (fstat(fd, st) != 0) {
		put_err(err, errlen, path, strerror(errno));
		close(fd);
		return RR_EIO;
	}
	if (S_ISDIR(st->st_mode)) {
		put_err(err, errlen, path, strerror(EISDIR));
		close(fd);
		return RR_EIO;
	}
	if (!is_stdin && !S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode)) {
		put_err(err, errlen, path, "not a regular file or pipe");
		close(fd);
		return RR_EIO;
	}
	*fd_out = fd;
	return RR_OK;
}

/* 1 when the regular file at fd starts with the gzip magic bytes (the test
 * gzread's transparent mode makes), 0 when not, -1 on a read error. */
static int fd_is_gzip(int fd)
{
	unsigned char m[2];
	ssize_t got;

	do
		got = pread(fd, m, 2, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -1;
	return got == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

/*
 * A reader for the regular file at fd (not yet attached to it), from
 * offset on: mapped when size is not 0 and the file can be mapped (kind
 * SRC_MAP, window at offset, nothing in it yet), else with a buffer for
 * reads. Returns RR_OK or RR_ENOMEM.
 */
static int open_plain_or_buffered(int fd, uint64_t size, uint64_t offset, struct reader **out)
{
	unsigned char *map;
	uint64_t at;
	size_t len;
	int rc;

	if (size == 0 || map_file(fd, size, offset, &map, &at, &len) != 0)
		return reader_alloc(out, WIN_CAP, NULL, 0);
	rc = reader_alloc(out, (size_t)(size - at), map, len);
	if (rc != RR_OK)
		return rc;
	(*out)->base = at;
	(*out)->pos = (*out)->end = (*out)->dropped = (size_t)(offset - at);
	(*out)->eof = (*out)->end == (*out)->cap;
	return RR_OK;
}

int reader_open_file(const char *path, struct reader **out, char *err, size_t errlen)
{
	struct reader *r;
	struct stat st;
	char why[160];
	int fd, is_stdin = strcmp(path, "-") == 0;
	int rc, gz = 1;

	*out = NULL;
	rc = open_checked(path, is_stdin, &fd, &st, err, errlen);
	if (rc != RR_OK)
		return rc;
	/* stdin is read as a stream even when it is a redirected file: it may
	 * not start at offset 0, and it is never split into parts. */
	if (!is_stdin && S_ISREG(st.st_mode)) {
		gz = fd_is_gzip(fd);
		if (gz < 0) {
			put_err(err, errlen, path, strerror(errno));
			close(fd);
			return RR_EIO;
		}
	}
	rc = open_plain_or_buffered(fd, gz ? 0 : (uint64_t)st.st_size, 0, &r);
	if (rc != RR_OK) {
		close(fd);
		put_err(err, errlen, path, "out of memory");
		return rc;
	}
	if (gz) {
		r->kind = SRC_GZ;
		r->gz = gzdopen(fd, "rb");
		if (!r->gz) {
			close(fd);
			reader_close(r);
			put_err(err, errlen, path, "out of memory");
			return RR_ENOMEM;
		}
		gzbuffer(r->gz, CHUNK);
	} else {
		if (r->kind != SRC_MAP)
			r->kind = SRC_FD;
		r->fd = fd;
		r->size = (uint64_t)st.st_size;
	}
	rc = check_bom(r, why, sizeof why);
	if (rc != RR_OK) {
		put_err(err, errlen, path, why);
		reader_close(r);
		return rc;
	}
	*out = r;
	return RR_OK;
}

int reader_open_file_part(const char *path, uint64_t offset, uint64_t first_line,
			  struct reader **out, char *err, size_t errlen)
{
	struct reader *r;
	struct stat st;
	int fd, rc;

	*out = NULL;
	rc = open_checked(path, 0, &fd, &st, err, errlen);
	if (rc != RR_OK)
		return rc;
	if (!S_ISREG(st.st_mode)) {
		put_err(err, errlen, path, "not a regular file");
		close(fd);
		return RR_EIO;
	}
	if (offset > (uint64_t)st.st_size) {
		put_err(err, errlen, path, "part starts past the end of the file");
		close(fd);
		return RR_EIO;
	}
	rc = open_plain_or_buffered(fd, (uint64_t)st.st_size, offset, &r);
	if (rc != RR_OK) {
		close(fd);
		put_err(err, errlen, path, "out of memory");
		return rc;
	}
	r->fd = fd;
	r->size = (uint64_t)st.st_size;
	r->line = first_line;
	if (r->kind != SRC_MAP) {
		r->kind = SRC_FD;
		r->fdpos = offset;
		r->base = offset;
	}
	*out = r;
	return RR_OK;
}

int reader_open_mem(const void *buf, size_t len, struct reader **out, char *err, size_t errlen)
{
	struct reader *r;
	char why[160];
	int rc, gz;

	*out = NULL;
	gz = len >= 2 && ((const unsigned char *)buf)[0] == 0x1f &&
	     ((const unsigned char *)buf)[1] == 0x8b;
	rc = reader_alloc(&r, gz || len >= WIN_CAP ? WIN_CAP : len + 1, NULL, 0);
	if (rc != RR_OK) {
		put_err(err, errlen, NULL, "out of memory");
		return rc;
	}
	r->mem = buf;
	r->memlen = len;
	if (gz) {
		r->kind = SRC_MEM_GZ;
		r->zs.zalloc = z_alloc;
		r->zs.zfree = z_free;
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) {
			reader_close(r);
			put_err(err, errlen, NULL, "out of memory");
			return RR_ENOMEM;
		}
		r->zs_live = 1;
	} else {
		r->kind = SRC_MEM;
		r->size = len;
	}
	rc = check_bom(r, why, sizeof why);
	if (rc != RR_OK) {
		put_err(err, errlen, NULL, why);
		reader_close(r);
		return rc;
	}
	*out = r;
	return RR_OK;
}

int reader_open_mem_part(const void *buf, size_t len, size_t offset, uint64_t first_line,
			 struct reader **out, char *err, size_t errlen)
{
	struct reader *r;
	int rc;

	*out = NULL;
	if (offset > len) {
		put_err(err, errlen, NULL, "part starts past the end of the buffer");
		return RR_EIO;
	}
	rc = reader_alloc(&r, len - offset >= WIN_CAP ? WIN_CAP : len - offset + 1, NULL, 0);
	if (rc != RR_OK) {
		put_err(err, errlen, NULL, "out of memory");
		return rc;
	}
	r->kind = SRC_MEM;
	r->mem = buf;
	r->memlen = len;
	r->mempos = offset;
	r->size = len;
	r->base = offset;
	r->line = first_line;
	*out = r;
	return RR_OK;
}

void reader_close(struct reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	if (r->fd >= 0)
		close(r->fd);
	if (r->zs_live)
		inflateEnd(&r->zs);
	if (r->csv_live)
		csv_free(&r->csv);
	if (r->kind == SRC_MAP)
		munmap(r->win, r->map_len);
	else
		rr_free(r->win);
	rr_free(r->arena);
	rr_free(r->foff);
	rr_free(r->flen);
	rr_free(r->fptr);
	rr_free(r);
}

const char *reader_error(const struct reader *r)
{
	return r && r->done == READER_ERROR ? r->errmsg : NULL;
}

int reader_error_status(const struct reader *r)
{
	return r && r->done == READER_ERROR ? r->err_status : RR_OK;
}

/* ---- finding record boundaries ----------------------------------------- */

/* Byte classes for the scanner: everything else is ordinary data. */
enum { C_DATA = 0, C_COMMA, C_QUOTE, C_CR, C_LF, C_SPACE };
static const unsigned char cls[256] = {
	[','] = C_COMMA, ['"'] = C_QUOTE, ['\r'] = C_CR, ['\n'] = C_LF,
	[' '] = C_SPACE, ['\t'] = C_SPACE,
};

enum scan_state {
	S_FSTART,   /* at a field's start (spaces skipped) */
	S_UNQ,      /* inside an unquoted field */
	S_QUOTED,   /* inside a quoted field */
	S_QQ,       /* a quote inside a quoted field: closing, or first of "" */
	S_AFTERQ,   /* spaces after a closing quote */
};

enum scan_result {
	SC_RECORD,      /* len bytes, then a terminator (or end of input) */
	SC_STRAY,       /* stray quote */
	SC_OPEN,        /* quote still open at end of input or past the limit */
	SC_LONG,        /* over the limit with no quote open */
	SC_EOF,
	SC_ERROR,
};

struct scan {
	size_t len;         /* record bytes before its terminator */
	size_t nfields;
	uint64_t inner;     /* line ends inside quoted fields */
	int have_nl;        /* a line end was seen inside the record */
	size_t first_nl;    /* its offset from the record's start */
	size_t stop;        /* where scanning stopped (for SC_LONG/SC_STRAY) */
};

/* Makes sure win[pos + off] exists if the input has it. Returns 1 when it
 * does, 0 at end of input, -1 on error. Offsets stay valid across refills
 * because they are relative to pos. */
static int need(struct reader *r, size_t off)
{
	while (r->pos + off >= r->end) {
		if (r->eof || off >= r->cap)
			return 0;
		if (refill(r) != 0)
			return -1;
	}
	return 1;
}

/* Consumes an LF that pairs with a CR ending the previous line. */
static int eat_pending_lf(struct reader *r)
{
	int h;

	if (!r->skip_lf)
		return 0;
	h = need(r, 0);
	if (h < 0)
		return -1;
	r->skip_lf = 0;
	if (h > 0 && r->win[r->pos] == '\n')
		r->pos++;
	return 0;
}

static enum scan_result scan_record(struct reader *r, struct scan *sc)
{
	enum scan_state st = S_FSTART;
	size_t off = 0;
	int prev_cr = 0;

	memset(sc, 0, sizeof *sc);
	sc->nfields = 1;
	if (eat_pending_lf(r) != 0)
		return SC_ERROR;
	for (;;) {
		const unsigned char *p, *e, *start;
		size_t lim;
		int h;

		if (off > READER_MAX_RECORD) {
			sc->stop = off;
			return st == S_QUOTED ? SC_OPEN : SC_LONG;
		}
		h = need(r, off);
		if (h < 0)
			return SC_ERROR;
		if (h == 0) {
			sc->len = off;
			if (off == 0)
				return SC_EOF;
			if (st == S_QUOTED)
				return SC_OPEN;
			return SC_RECORD;
		}
		start = r->win + r->pos;
		p = start + off;
		lim = r->end - r->pos;
		if (lim > READER_MAX_RECORD + 1)
			lim = READER_MAX_RECORD + 1;
		e = start + lim;
		while (p < e) {
			unsigned c = cls[*p];

			switch (st) {
			case S_UNQ:
				/* The common case: run to the next special byte. */
				while (c == C_DATA || c == C_SPACE) {
					if (++p == e)
						goto refill_more;
					c = cls[*p];
				}
				if (c == C_COMMA) {
					sc->nfields++;
					st = S_FSTART;
				} else if (c == C_QUOTE) {
					sc->stop = (size_t)(p - start);
					return SC_STRAY;
				} else {
					goto line_end;
				}
				break;
			case S_FSTART:
				if (c == C_COMMA)
					sc->nfields++;
				else if (c == C_QUOTE)
					st = S_QUOTED;
				else if (c == C_CR || c == C_LF)
					goto line_end;
				else if (c == C_DATA)
					st = S_UNQ;
				break;
			case S_QUOTED:
				while (c == C_DATA || c == C_SPACE || c == C_COMMA) {
					prev_cr = 0;
					if (++p == e)
						goto refill_more;
					c = cls[*p];
				}
				if (c == C_QUOTE) {
					st = S_QQ;
				} else {
					/* A line end inside the field: counts as a line,
					 * CRLF once. */
					if (!(c == C_LF && prev_cr)) {
						sc->inner++;
						if (!sc->have_nl) {
							sc->have_nl = 1;
							sc->first_nl = (size_t)(p - start);
						}
					}
					prev_cr = c == C_CR;
					p++;
					continue;
				}
				break;
			case S_QQ:
				if (c == C_QUOTE) {
					st = S_QUOTED;
				} else if (c == C_COMMA) {
					sc->nfields++;
					st = S_FSTART;
				} else if (c == C_SPACE) {
					st = S_AFTERQ;
				} else if (c == C_CR || c == C_LF) {
					goto line_end;
				} else {
					sc->stop = (size_t)(p - start);
					return SC_STRAY;
				}
				break;
			case S_AFTERQ:
				if (c == C_COMMA) {
					sc->nfields++;
					st = S_FSTART;
				} else if (c == C_CR || c == C_LF) {
					goto line_end;
				} else if (c != C_SPACE) {
					sc->stop = (size_t)(p - start);
					return SC_STRAY;
				}
				break;
			}
			prev_cr = 0;
			p++;
		}
refill_more:
		off = (size_t)(p - start);
		continue;
line_end:
		sc->len = (size_t)(p - start);
		return SC_RECORD;
	}
}

/* Consumes len record bytes and the line end after them. */
static void consume_record(struct reader *r, size_t len, uint64_t lines_in)
{
	r->pos += len;
	r->line += lines_in;
	if (r->pos < r->end) {
		unsigned char c = r->win[r->pos];
		if (c == '\r' || c == '\n') {
			r->pos++;
			r->line++;
			r->skip_lf = c == '\r';
		}
	}
}

/*
 * Skips from offset off (relative to the record start at pos) to just after
 * the next physical line end, streaming through input that does not fit:
 * the record's first READER_MAX_RECORD bytes stay in the window for raw.
 * Returns 0 with raw and raw_len set, or -1 on a read error.
 */
static int skip_line(struct reader *r, size_t off, const char **raw, size_t *raw_len)
{
	for (;;) {
		unsigned char *base = r->win + r->pos;
		unsigned char *p = base + off, *e = r->win + r->end;

		while (p < e && *p != '\n' && *p != '\r')
			p++;
		if (p < e) {
			size_t at = (size_t)(p - base);
			*raw = (const char *)base;
			*raw_len = at < READER_MAX_RECORD ? at : READER_MAX_RECORD;
			r->skip_lf = *p == '\r';
			r->pos += at + 1;
			return 0;
		}
		off = r->end - r->pos;
		if (r->eof) {
			*raw = (const char *)base;
			*raw_len = off < READER_MAX_RECORD ? off : READER_MAX_RECORD;
			r->pos = r->end;
			return 0;
		}
		if (r->kind == SRC_MAP && off > READER_MAX_RECORD + MAP_STEP) {
			/* Only the head is kept for raw: the scanned pages past
			 * it go, or a long line would stay mapped in full. */
			map_drop(r, r->end - MAP_STEP - page_size(), r->end);
		}
		if (r->pos == 0 && r->end == r->cap) {
			/* Window full of this one line: keep its head, drop the rest.
			 * What is read next lands where the dropped bytes were, so
			 * base moves on by as many to keep the offsets right past
			 * the head. */
			r->end = READER_MAX_RECORD;
			off = READER_MAX_RECORD;
			r->base += r->cap - READER_MAX_RECORD;
		}
		if (refill(r) != 0)
			return -1;
	}
}

/* ---- splitting fields with libcsv --------------------------------------- */

static void cb_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	size_t need_bytes;

	if (r->discard || r->cb_oom)
		return;
	if (r->nfields >= READER_MAX_FIELDS) {
		r->too_wide = 1;
		return;
	}
	if (len > READER_MAX_FIELD) {
		r->too_long = 1;
		return;
	}
	need_bytes = r->arena_len + len + 1;
	if (need_bytes > r->arena_cap &&
	    rr_grow(&r->arena, &r->arena_cap, need_bytes, 1) != RR_OK) {
		r->cb_oom = 1;
		return;
	}
	if (len)
		memcpy(r->arena + r->arena_len, s, len);
	r->arena[r->arena_len + len] = '\0';
	r->foff[r->nfields] = r->arena_len;
	r->flen[r->nfields] = len;
	r->arena_len += len + 1;
	r->nfields++;
}

static void cb_row(int c, void *data)
{
	struct reader *r = data;

	(void)c;
	if (!r->discard)
		r->got_row = 1;
}

enum split_result { SP_ROW, SP_BLANK, SP_QUOTE, SP_LONG, SP_WIDE, SP_OOM };

/*
 * Empties the parser after a failed record, dropping what it holds. With
 * CSV_STRICT_FINI, csv_fini refuses (and resets nothing) while a quoted
 * field is open -- as it is when such a field ran into the length cap --
 * and the next record would carry on inside that field. So the flag is off
 * for this one call.
 */
static void reset_parser(struct reader *r)
{
	r->discard = 1;
	csv_set_opts(&r->csv, CSV_OPTS & ~CSV_STRICT_FINI);
	csv_fini(&r->csv, cb_field, cb_row, r);
	csv_set_opts(&r->csv, CSV_OPTS);
	r->discard = 0;
}

static enum split_result split_fields(struct reader *r, const unsigned char *s, size_t len)
{
	size_t used;
	int e;

	r->nfields = 0;
	r->arena_len = 0;
	r->got_row = 0;
	r->discard = 0;
	r->cb_oom = 0;
	r->too_wide = 0;
	r->too_long = 0;
	field_capped = 0;
	field_oom = 0;
	used = csv_parse(&r->csv, s, len, cb_field, cb_row, r);
	e = csv_error(&r->csv);
	if (used == len && e == CSV_SUCCESS) {
		if (csv_fini(&r->csv, cb_field, cb_row, r) != 0) {
			e = CSV_EPARSE;
			reset_parser(r);
		}
	} else {
		if (e == CSV_SUCCESS)
			e = CSV_EPARSE;
		reset_parser(r);
	}
	if (r->cb_oom || field_oom)
		return SP_OOM;
	if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
		return field_capped ? SP_LONG : SP_OOM;
	if (e != CSV_SUCCESS)
		return SP_QUOTE;
	if (r->too_long)
		return SP_LONG;
	if (r->too_wide)
		return SP_WIDE;
	if (!r->got_row)
		return SP_BLANK;
	return SP_ROW;
}

/* ---- the fast path: records without quotes --------------------------------- */

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The high bit of every byte of w below ',' + 1: the four bytes the fast
 * path stops at (comma, quote, CR, LF) are all there, and ordinary ID and
 * number text (digits, letters, '-', '_', ':', '.', UTF-8) is not. Exact
 * per byte: no carry crosses a byte since the high bits are masked off
 * before the add. */
static inline uint64_t low_bytes(uint64_t w)
{
	return ~(((w & ~HIGHS) + ONES * (0x80 - ',' - 1)) | w) & HIGHS;
}

static inline bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Cuts the field ar[a..b) the way libcsv does for an unquoted field: leading
 * and trailing spaces and tabs go, and the limit falls where libcsv's capped
 * buffer runs out. That buffer holds the field from its first non-blank byte
 * to its end, trailing blanks included, and can take READER_MAX_FIELD + 1
 * bytes: one more is over, and so is that many when a comma still follows
 * (libcsv asks for room before it looks at the next byte); at the record's
 * end the trimmed length is what cb_field checks. Returns 0, or -1 when the
 * field is too long.
 */
static int cut_field(struct reader *r, unsigned char *ar, size_t a, size_t b, size_t i, bool last)
{
	size_t held;

	while (a < b && is_blank(ar[a]))
		a++;
	held = b - a;
	while (b > a && is_blank(ar[b - 1]))
		b--;
	if (held > READER_MAX_FIELD + 1 || (held == READER_MAX_FIELD + 1 && !last) ||
	    b - a > READER_MAX_FIELD)
		return -1;
	ar[b] = '\0';
	r->fptr[i] = (const char *)ar + a;
	r->flen[i] = b - a;
	return 0;
}

/* The common case of cut_field, inline: a field with no blank or other
 * low byte at either end, within the limit (or empty). */
static inline int emit_field(struct reader *r, unsigned char *ar, size_t a, size_t b, size_t i,
			     bool last)
{
	size_t n = b - a;

	if (n == 0 || (n <= READER_MAX_FIELD && ar[a] > ' ' && ar[b - 1] > ' ')) {
		ar[b] = '\0';
		r->fptr[i] = (const char *)ar + a;
		r->flen[i] = n;
		return 0;
	}
	return cut_field(r, ar, a, b, i, last);
}

enum fast_result { FR_ROW, FR_LONG, FR_SLOW, FR_ERROR };

/*
 * The next record, when it ends (CR or LF) inside the window within the
 * record limit, has no quote and at most READER_MAX_FIELDS fields: rows are
 * returned (FR_ROW), over-long fields reported (FR_LONG, record consumed),
 * blank lines consumed on the way. FR_SLOW leaves the reader at the start
 * of a record for the general path; FR_ERROR has the error recorded.
 *
 * One pass: each word of the record is copied to the arena as it is
 * scanned, and each comma found ends a field there (NUL over the comma),
 * so raw stays the untouched bytes in the window.
 */
static enum fast_result fast_record(struct reader *r, struct reader_record *rec)
{
	unsigned char *ar = (unsigned char *)r->arena;

	for (;;) {
		const unsigned char *s;
		size_t avail, lim, i = 0, a = 0, nf = 0, len;
		bool long_field = false, nul = false;
		unsigned hi = 0;
		unsigned char term;

		if (eat_pending_lf(r) != 0)
			return FR_ERROR;
		s = r->win + r->pos;
		avail = r->end - r->pos;
		lim = avail < READER_MAX_RECORD + 1 ? avail : READER_MAX_RECORD + 1;

/* What to do with a byte below ',' + 1 at offset k of the record. */
#define FAST_SPECIAL(k)                                                        \
	do {                                                                   \
		unsigned char c_ = s[k];                                       \
		if (c_ == ',') {                                               \
			if (nf == READER_MAX_FIELDS - 1)                       \
				return FR_SLOW;                                \
			if (!long_field &&                                     \
			    emit_field(r, ar, a, (k), nf, false) != 0)         \
				long_field = true;                             \
			nf++;                                                  \
			a = (k) + 1;                                           \
		} else if (c_ == '\n' || c_ == '\r') {                         \
			len = (k);                                             \
			goto found;                                            \
		} else if (c_ == '"') {                                        \
			return FR_SLOW;                                        \
		} else if (c_ == '\0') {                                       \
			nul = true;                                            \
		}                                                              \
	} while (0)

#ifdef __SSE2__
		while (i + 16 <= lim) {
			__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
			unsigned m = (unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(',')), v));

			_mm_storeu_si128((__m128i *)(ar + i), v);
			hi |= (unsigned)_mm_movemask_epi8(v);
			while (m) {
				size_t k = i + (size_t)__builtin_ctz(m);

				m &= m - 1;
				FAST_SPECIAL(k);
			}
			i += 16;
		}
#endif
		while (i + 8 <= lim) {
			uint64_t w = rr_load_le64(s + i), m = low_bytes(w);

			memcpy(ar + i, s + i, 8);
			hi |= (w & UINT64_C(0x8080808080808080)) != 0;
			while (m) {
				size_t k = i + ((size_t)__builtin_ctzll(m) >> 3);

				m &= m - 1;
				FAST_SPECIAL(k);
			}
			i += 8;
		}
		for (; i < lim; i++) {
			ar[i] = s[i];
			hi |= s[i] & 0x80;
			if (s[i] <= ',')
				FAST_SPECIAL(i);
		}
#undef FAST_SPECIAL
		/* No line end in the window: read more if the record could still
		 * fit, else (end of input, over the limit) it is not ours. */
		if (r->eof || avail > READER_MAX_RECORD)
			return FR_SLOW;
		if (refill(r) != 0)
			return FR_ERROR;
		continue;
found:
		term = s[len];
		if (len > 0) {
			if (!long_field && emit_field(r, ar, a, len, nf, true) != 0)
				long_field = true;
			rec->line = r->line;
			if (long_field) {
				rec->raw = (const char *)s;
				rec->raw_len = len;
				rec->bad_reason = READER_BAD_LONG;
				consume_record(r, len, 0);
				return FR_LONG;
			}
			/* A line of blanks alone is no row for libcsv either. */
			if (nf > 0 || r->flen[0] > 0) {
				rec->raw = (const char *)s;
				rec->raw_len = len;
				rec->nfields = nf + 1;
				rec->field = r->fptr;
				rec->len = r->flen;
				/* hi may have seen bytes past the line end: then
				 * plain is 0, which only costs the caller a check. */
				rec->plain = !hi && !nul;
				__builtin_prefetch(s + PREFETCH_AHEAD);
				__builtin_prefetch(s + PREFETCH_AHEAD + 64);
				r->pos += len + 1;
				r->line++;
				r->skip_lf = term == '\r';
				return FR_ROW;
			}
		}
		r->pos += len + 1;
		r->line++;
		r->skip_lf = term == '\r';
	}
}

/* ---- the public iterator -------------------------------------------------- */

static void fill_fields(struct reader *r, struct reader_record *rec)
{
	for (size_t i = 0; i < r->nfields; i++)
		r->fptr[i] = r->arena + r->foff[i];
	rec->nfields = r->nfields;
	rec->field = r->fptr;
	rec->len = r->flen;
}

static void clear_record(struct reader_record *rec)
{
	rec->nfields = 0;
	rec->field = NULL;
	rec->len = NULL;
	rec->raw = NULL;
	rec->raw_len = 0;
	rec->bad_reason = READER_BAD_QUOTE;
	rec->plain = 0;
}

enum reader_status reader_next(struct reader *r, struct reader_record *rec)
{
	struct scan sc;

	clear_record(rec);
	rec->line = r->line;
	if (r->done != READER_ROW)
		return r->done;
	for (;;) {
		enum scan_result res;

		if (r->fast) {
			switch (fast_record(r, rec)) {
			case FR_ROW:
				return READER_ROW;
			case FR_LONG:
				return READER_BAD;
			case FR_ERROR:
				return READER_ERROR;
			case FR_SLOW:
				break;
			}
		}
		res = scan_record(r, &sc);
		uint64_t start_line = r->line;
		size_t raw_len = 0;

		rec->line = start_line;
		switch (res) {
		case SC_ERROR:
			return READER_ERROR;
		case SC_EOF:
			r->done = READER_EOF;
			return READER_EOF;
		case SC_RECORD: {
			const unsigned char *s = r->win + r->pos;
			enum split_result sp;

			if (sc.len == 0) {
				consume_record(r, 0, 0);
				continue;
			}
			rec->raw = (const char *)s;
			rec->raw_len = sc.len;
			if (sc.nfields > READER_MAX_FIELDS) {
				consume_record(r, sc.len, sc.inner);
				rec->bad_reason = READER_BAD_WIDE;
				return READER_BAD;
			}
			sp = split_fields(r, s, sc.len);
			consume_record(r, sc.len, sc.inner);
			switch (sp) {
			case SP_ROW:
				fill_fields(r, rec);
				return READER_ROW;
			case SP_BLANK:
				clear_record(rec);
				continue;
			case SP_OOM:
				set_error(r, RR_ENOMEM, "out of memory");
				return READER_ERROR;
			case SP_LONG:
				rec->bad_reason = READER_BAD_LONG;
				return READER_BAD;
			case SP_WIDE:
				rec->bad_reason = READER_BAD_WIDE;
				return READER_BAD;
			case SP_QUOTE:
				rec->bad_reason = READER_BAD_QUOTE;
				return READER_BAD;
			}
			return READER_BAD;
		}
		case SC_STRAY:
		case SC_OPEN: {
			/* Resume on the line after the record's first line, so rows
			 * after a broken one are still read. */
			size_t from = sc.have_nl ? sc.first_nl : res == SC_STRAY ? sc.stop : sc.len;

			if (skip_line(r, from, &rec->raw, &raw_len) != 0)
				return READER_ERROR;
			r->line = start_line + 1;
			rec->bad_reason = READER_BAD_QUOTE;
			break;
		}
		case SC_LONG:
			if (skip_line(r, sc.stop, &rec->raw, &raw_len) != 0)
				return READER_ERROR;
			r->line = start_line + sc.inner + 1;
			rec->bad_reason = READER_BAD_LONG;
			break;
		}
		rec->raw_len = raw_len;
		return READER_BAD;
	}
}

/* ---- parts -------------------------------------------------------------------- */

/* Settles the LF owed to a CR-ended record. The window holds the current
 * record, so when the next byte is not in it yet it is read into the stash
 * (refill hands it over first) instead of refilling. */
static void settle_lf(struct reader *r)
{
	unsigned char c;
	long got;

	if (r->pos < r->end || r->eof || r->kind == SRC_MAP) {
		/* A mapped window moves nothing when it grows. */
		(void)eat_pending_lf(r);
		return;
	}
	got = src_read(r, &c, 1);
	if (got < 0)
		return;
	r->skip_lf = 0;
	if (got == 0)
		r->eof = 1;
	else if (c == '\n')
		r->base++;   /* read past win[end]: what comes next lands one further on */
	else {
		r->stash = c;
		r->have_stash = 1;
	}
}

uint64_t reader_tell(struct reader *r)
{
	if (r->skip_lf && r->done == READER_ROW)
		settle_lf(r);
	return r->base + r->pos;
}

uint64_t reader_line(const struct reader *r)
{
	return r->line;
}

int reader_is_plain(const struct reader *r, uint64_t *size)
{
	if (r->kind != SRC_FD && r->kind != SRC_MAP && r->kind != SRC_MEM)
		return 0;
	if (size)
		*size = r->size;
	return 1;
}

int reader_next_line_start(struct reader *r, uint64_t from, uint64_t *out)
{
	unsigned char buf[16384];

	/* Files, mapped or not, are read with pread: the mapped pages touched
	 * here would stay in RSS until the reader got there. */
	if (r->kind != SRC_FD && r->kind != SRC_MAP && r->kind != SRC_MEM)
		return RR_EIO;
	*out = r->size;
	if (from >= r->size)
		return RR_OK;
	if (r->kind == SRC_MEM) {
		const unsigned char *nl = memchr(r->mem + from, '\n', r->size - from);
		if (nl)
			*out = (uint64_t)(nl - r->mem) + 1;
		return RR_OK;
	}
	while (from < r->size) {
		size_t want = r->size - from < sizeof buf ? (size_t)(r->size - from) : sizeof buf;
		ssize_t got = pread(r->fd, buf, want, (off_t)from);
		const unsigned char *nl;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return RR_EIO;
		}
		if (got == 0)
			break;   /* the file shrank: no LF before its old size */
		nl = memchr(buf, '\n', (size_t)got);
		if (nl) {
			*out = from + (uint64_t)(nl - buf) + 1;
			return RR_OK;
		}
		from += (uint64_t)got;
	}
	return RR_OK;
}

size_t reader_peek(struct reader *r, const char **p)
{
	if (r->done != READER_ROW || eat_pending_lf(r) != 0) {
		*p = NULL;
		return 0;
	}
	*p = (const char *)r->win + r->pos;
	return r->end - r->pos;
}

void reader_take(struct reader *r, size_t len)
{
	/* The same steps as the end of fast_record. A prefetch never faults,
	 * so the address may lie past the window. */
	__builtin_prefetch(r->win + r->pos + PREFETCH_AHEAD);
	__builtin_prefetch(r->win + r->pos + PREFETCH_AHEAD + 64);
	r->skip_lf = r->win[r->pos + len] == '\r';
	r->pos += len + 1;
	r->line++;
}

void reader_set_fast(struct reader *r, int on)
{
	r->fast = on != 0;
}
