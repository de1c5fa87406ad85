/*
 * reader_input — where a reader's bytes come from, and opening and closing
 * readers: plain files read with pread, gzip files, stdin and pipes through
 * zlib, memory buffers (copied or inflated), byte-order marks, and the parts
 * of a file opened at an offset.
 * A plain regular file is read with pread into the window a chunk at a time
 * (a small one whole at open). Mapping it instead was measured slower on the
 * virtual machines this runs on: each page fault and each release of pages
 * read goes through the hypervisor. reader_tell is cheap enough to call after
 * every record.
 * Does not: find records or split fields (reader.c).
 */
#include "reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

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

/* reader_src_read for SRC_FD: pread at fdpos, up to the size at open
 * (bytes appended meanwhile are not read); a file whose size said 0 (as
 * /proc files do) to its end. */
static long fd_read(struct reader *r, unsigned char *dst, size_t n)
{
	if (r->size && r->fdpos >= r->size)
		return 0;
	if (r->size && n > r->size - r->fdpos)
		n = (size_t)(r->size - r->fdpos);
	for (;;) {
		ssize_t got = pread(r->fd, dst, n, (off_t)r->fdpos);

		if (got == 0 && n > 0 && r->size) {
			/* Short of the size at open: cut by someone else. */
			set_error(r, RR_EIO, "the file was cut short while it was being read");
			return -1;
		}
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

/* Reads up to n bytes into dst. Returns bytes read, 0 at end of input, or
 * -1 with the error recorded. */
long reader_src_read(struct reader *r, unsigned char *dst, size_t n)
{
	if (r->have_stash) {
		dst[0] = r->stash;
		r->have_stash = 0;
		return 1;
	}
	if (n > INT_MAX)
		n = INT_MAX;
	if (r->kind == SRC_FD)
		return fd_read(r, dst, n);
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
			/* The input ends here; reader_next says whether that
			 * is an error (reader_keep_cut). */
			z_off_t at = gzoffset(r->gz);

			r->cut = 1;
			r->cut_at = at >= 0 ? (uint64_t)at : UINT64_MAX;
			return 0;
		}
		if (zerr == Z_ERRNO) {
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
			r->cut = 1;
			r->cut_at = r->memlen;
			return 0;
		}
	}
}

/* ---- plain files ------------------------------------------------------ */

/* Whether plain files up to SMALL_FILE are read whole at open (1, the
 * default) or through the window like bigger ones (0); see
 * reader_set_small_whole. */
static int small_whole = 1;

/* Plain files up to this size are read whole at open (open_small). */
#define SMALL_FILE (1024u * 1024)

void reader_set_small_whole(int on)
{
	small_whole = on != 0;
}

/* Moves the unconsumed bytes to the window's start and reads more after
 * them. Returns 0 (possibly now at eof) or -1 on error. */
int reader_refill(struct reader *r)
{
	long got;

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
	got = reader_src_read(r, r->win + r->end, r->cap - r->end < CHUNK ? r->cap - r->end : CHUNK);
	if (got < 0)
		return -1;
	if (got == 0)
		r->eof = 1;
	r->end += (size_t)got;
	return 0;
}

/* ---- opening ------------------------------------------------------------ */

/* A reader with a window of cap bytes: WIN_CAP, or for a plain buffer
 * that fits, its size + 1 (room for the read that finds its end). */
static int reader_alloc(struct reader **out, size_t cap)
{
	struct reader *r = rr_calloc(1, sizeof *r);

	if (!r)
		return RR_ENOMEM;
	r->fd = -1;   /* before anything can fail: reader_close closes it */
	r->cap = cap;
	r->win = rr_malloc(cap);
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
	if (reader_fields_init(r) != RR_OK) {
		reader_close(r);
		return RR_ENOMEM;
	}
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
		if (reader_refill(r) != 0)
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
 * A reader holding the whole regular file at fd, whose size is at most
 * SMALL_FILE (kind SRC_FD, window of size + 1 bytes, eof set): read with
 * pread up to size, so it sees the file as it was at open (a file that
 * shrank meanwhile ends sooner). A folder of 20,000 per-user exports is
 * 20,000 such files: one read each. Returns RR_OK, RR_EIO (errno set) or
 * RR_ENOMEM.
 */
static int open_small(int fd, uint64_t size, struct reader **out)
{
	struct reader *r;
	int rc = reader_alloc(&r, (size_t)size + 1);

	if (rc != RR_OK)
		return rc;
	while (r->end < size) {
		ssize_t got = pread(fd, r->win + r->end, (size_t)size - r->end, (off_t)r->end);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			reader_close(r);
			errno = e;
			return RR_EIO;
		}
		if (got == 0)
			break;
		r->end += (size_t)got;
	}
	r->fdpos = r->end;
	r->eof = 1;
	*out = r;
	return RR_OK;
}

/*
 * A reader for the regular file at fd (not yet attached to it), from
 * offset on: a whole small file read at once (open_small), else with a
 * window for reads. Returns RR_OK, RR_EIO (errno set) or RR_ENOMEM.
 */
static int open_plain_or_buffered(int fd, uint64_t size, uint64_t offset, struct reader **out)
{
	if (offset == 0 && size > 0 && size <= SMALL_FILE && small_whole)
		return open_small(fd, size, out);
	return reader_alloc(out, WIN_CAP);
}

/* Checks the start of r's input (check_bom). Returns RR_OK with *out = r,
 * or the error, said in err with path, with r closed. */
static int check_start(struct reader *r, const char *path, struct reader **out, char *err,
		       size_t errlen)
{
	char why[160];
	int rc = check_bom(r, why, sizeof why);

	if (rc != RR_OK) {
		put_err(err, errlen, path, why);
		reader_close(r);
		return rc;
	}
	*out = r;
	return RR_OK;
}

/* Hands the plain regular file at fd (st) to r, opened on it by
 * open_plain_or_buffered or open_small, and checks its start. */
static int attach_plain(struct reader *r, int fd, const struct stat *st, const char *path,
			struct reader **out, char *err, size_t errlen)
{
	r->kind = SRC_FD;
	r->fd = fd;
	r->size = (uint64_t)st->st_size;
	return check_start(r, path, out, err, errlen);
}

int reader_open_file(const char *path, struct reader **out, char *err, size_t errlen)
{
	struct reader *r;
	struct stat st;
	int fd, is_stdin = strcmp(path, "-") == 0;
	int rc, gz = 1;

	*out = NULL;
	rc = open_checked(path, is_stdin, &fd, &st, err, errlen);
	if (rc != RR_OK)
		return rc;
	/* stdin is read as a stream even when it is a redirected file: it may
	 * not start at offset 0, and it is never split into parts. A small
	 * file is read first and its bytes tell gzip (one read, not two). */
	if (!is_stdin && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= SMALL_FILE && small_whole) {
		rc = open_small(fd, (uint64_t)st.st_size, &r);
		if (rc != RR_OK) {
			put_err(err, errlen, path, rc == RR_EIO ? strerror(errno) : "out of memory");
			close(fd);
			return rc;
		}
		if (!(r->end >= 2 && r->win[0] == 0x1f && r->win[1] == 0x8b))
			return attach_plain(r, fd, &st, path, out, err, errlen);
		reader_close(r);   /* gzip: gz stays 1 */
	} else if (!is_stdin && S_ISREG(st.st_mode)) {
		gz = fd_is_gzip(fd);
		if (gz < 0) {
			put_err(err, errlen, path, strerror(errno));
			close(fd);
			return RR_EIO;
		}
	}
	rc = open_plain_or_buffered(fd, gz ? 0 : (uint64_t)st.st_size, 0, &r);
	if (rc != RR_OK) {
		put_err(err, errlen, path, rc == RR_EIO ? strerror(errno) : "out of memory");
		close(fd);
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
		return check_start(r, path, out, err, errlen);
	}
	return attach_plain(r, fd, &st, path, out, err, errlen);
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
		put_err(err, errlen, path, rc == RR_EIO ? strerror(errno) : "out of memory");
		close(fd);
		return rc;
	}
	r->fd = fd;
	r->size = (uint64_t)st.st_size;
	r->line = first_line;
	r->kind = SRC_FD;
	r->fdpos = offset;
	r->base = offset;
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
	rc = reader_alloc(&r, gz || len >= WIN_CAP ? WIN_CAP : len + 1);
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
	rc = reader_alloc(&r, len - offset >= WIN_CAP ? WIN_CAP : len - offset + 1);
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

void reader_keep_cut(struct reader *r, int keep)
{
	r->keep_cut = keep != 0;
}

int reader_cut(const struct reader *r, uint64_t *at)
{
	if (!r || !r->cut)
		return 0;
	if (at)
		*at = r->cut_at;
	return 1;
}

int reader_error_status(const struct reader *r)
{
	return r && r->done == READER_ERROR ? r->err_status : RR_OK;
}
