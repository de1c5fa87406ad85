/*
 * reader — the bottom of the ingest stage: bytes to CSV records with line
 * numbers. Reads a file, stdin ("-") or a memory buffer; gunzips when the
 * bytes start with the gzip magic; strips a UTF-8 BOM; accepts LF, CRLF and
 * CR-only line ends; RFC 4180 quoting (commas, quotes, newlines in fields).
 * It finds record boundaries itself so that one bad record (stray quote,
 * over-long field) is reported and skipped while every later record is still
 * read, then splits each record into fields: a record with a quote through
 * libcsv (strict mode), one without by the reader itself, which gives the
 * same fields (tests/unit/test_reader_fast.c checks both agree).
 * Only the reader's own files (reader*.c) include libcsv or zlib.
 * Does not: interpret fields, check field counts or UTF-8 (ingest does).
 */
#ifndef RR_READER_H
#define RR_READER_H

#include <stddef.h>
#include <stdint.h>

#define READER_MAX_FIELD   (64u * 1024)       /* bytes in one field */
#define READER_MAX_RECORD  (1024u * 1024)     /* bytes in one record */
#define READER_MAX_FIELDS  1024u              /* fields in one record */

struct reader;

enum reader_status {
	READER_ROW,        /* a record: fields are valid until the next call */
	READER_BAD,        /* a record that could not be split: see bad_reason */
	READER_EOF,        /* no more records */
	READER_ERROR,      /* I/O or decompression failure, or out of memory: see reader_error() */
};

enum reader_bad {
	READER_BAD_QUOTE,      /* stray quote, or a quote never closed */
	READER_BAD_LONG,       /* field over READER_MAX_FIELD or record over READER_MAX_RECORD */
	READER_BAD_WIDE,       /* more than READER_MAX_FIELDS fields */
	READER_BAD_CUT,        /* the last record, cut off where a truncated gzip
	                        * stream ends (only with reader_keep_cut) */
};

struct reader_record {
	size_t nfields;
	const char *const *field;   /* field[i] has len[i] bytes, NUL-terminated after them; may contain NUL */
	const size_t *len;
	uint64_t line;              /* physical line the record starts on, 1-based */
	const char *raw;            /* the record's bytes as read (without terminator), for --rejected */
	size_t raw_len;             /* may be cut to READER_MAX_RECORD for over-long records;
	                             * for READER_BAD_QUOTE, the record's first physical
	                             * line (reading resumes on the next one) */
	enum reader_bad bad_reason; /* set with READER_BAD */
	int plain;                  /* 1: the record has no NUL and no byte >= 0x80, so
	                             * every field is valid UTF-8; 0: not known */
};

/*
 * Opens path ("-" = stdin). Returns RR_OK with *out set; RR_EIO when it
 * cannot be opened or is not a regular file or pipe (a directory, say), or
 * RR_EDATA for an encoding it refuses (UTF-16/32 BOM); in both cases err gets
 * "path: reason". RR_ENOMEM when out of memory.
 *
 * A plain (not gzip) regular file is read up to the size it had when
 * opened: bytes appended later are not seen; one of at most 1 MiB is read
 * whole when opened, so later changes to it are not seen at all. A larger
 * one truncated by someone else while a reader reads it is a read error
 * (READER_ERROR, RR_EIO) once the reader reaches the cut. Memory stays
 * bounded whatever the file's size.
 */
int reader_open_file(const char *path, struct reader **out, char *err, size_t errlen);

/* Reads from the len bytes at buf (gzip or plain), which are not copied and
 * must outlive the reader. Returns RR_OK, RR_EDATA (UTF-16) or RR_ENOMEM. */
int reader_open_mem(const void *buf, size_t len, struct reader **out, char *err, size_t errlen);

/* Next record. READER_ERROR leaves a message in reader_error(); after it and
 * after READER_EOF further calls return the same. */
enum reader_status reader_next(struct reader *r, struct reader_record *rec);

/*
 * A truncated gzip stream (its bytes end before the stream does: an
 * interrupted download or copy) is a READER_ERROR ("truncated gzip
 * stream") unless keep is 1: then the input simply ends where the stream
 * was cut, every record before the cut is returned as usual, a last record
 * the cut falls inside (no line end after it) is READER_BAD with
 * READER_BAD_CUT, and reader_cut tells where. Call before the first
 * reader_next. A corrupt stream is a READER_ERROR either way.
 */
void reader_keep_cut(struct reader *r, int keep);

/*
 * 1 when r's gzip stream was found truncated (with reader_keep_cut on; known
 * once reader_next has returned READER_EOF), with *at (when at is not NULL)
 * the byte of the compressed source where it was cut, counted from the
 * source's start: its size, for a file read whole. UINT64_MAX when that is
 * not known (a pipe). 0 otherwise.
 */
int reader_cut(const struct reader *r, uint64_t *at);

/* "reason" of the last READER_ERROR (e.g. "truncated gzip stream"), or NULL;
 * reader_error_status() gives RR_EIO, RR_EDATA or RR_ENOMEM for it. */
const char *reader_error(const struct reader *r);
int reader_error_status(const struct reader *r);

/*
 * Parts of one source, for parsing a big file on several threads. A part
 * starts at a byte offset the caller believes to be a record start; it has
 * no gzip, BOM or UTF-16 detection (whatever the bytes are, they are CSV)
 * and numbers its lines from first_line. Its reader runs to the end of the
 * source; the caller stops it where it likes (see reader_tell).
 * reader_open_file_part: path must be a regular file; err as for
 * reader_open_file. reader_open_mem_part: buf/len as for reader_open_mem
 * (offset is into buf). Both return RR_OK, RR_EIO (also for an offset past
 * the end; an offset at the end gives a part with no records) or RR_ENOMEM.
 */
int reader_open_file_part(const char *path, uint64_t offset, uint64_t first_line,
			  struct reader **out, char *err, size_t errlen);
int reader_open_mem_part(const void *buf, size_t len, size_t offset, uint64_t first_line,
			 struct reader **out, char *err, size_t errlen);

/*
 * Where the next record starts, as a byte offset into the file or buffer
 * (for a whole-file reader, BOM included; for a part, from the start of the
 * file, not of the part). An LF pending after a record that ended in CR is
 * consumed first, so after "a\r\n" the offset is past the LF. Two readers
 * of the same source that report the same offset (and line) read the same
 * records from there on: the reader carries no other state between records.
 * After READER_EOF: the source's size. Not meaningful for gzip input.
 * It reads at most one byte (the possible LF, when it is not buffered yet),
 * and the record just returned stays valid. A read error there shows at
 * the next reader_next.
 */
uint64_t reader_tell(struct reader *r);

/* The physical line the next record starts on (1-based). */
uint64_t reader_line(const struct reader *r);

/*
 * 1 when r reads an uncompressed regular file or memory buffer, so that
 * parts of it can be opened; *size (when size is not NULL) is then its size
 * in bytes, as it was when r was opened (a file is read up to that size).
 * 0 for gzip, stdin, pipes.
 */
int reader_is_plain(const struct reader *r, uint64_t *size);

/*
 * The offset just after the first LF at or after from, in r's source, or the
 * source's size when there is none. Reads the source with pread (files) and
 * does not move r. Only for plain sources (reader_is_plain). Returns RR_OK,
 * or RR_EIO when the file cannot be read or r is not plain.
 */
int reader_next_line_start(struct reader *r, uint64_t from, uint64_t *out);

/*
 * For a caller with a parser of its own for the commonest shape of record
 * (ingest's column-specialised one): the unread bytes of the reader's
 * window, starting where the next record starts (an LF owed to a CR-ended
 * record is consumed first). *p points at them; the count is returned. It
 * does not read more input, so it may hold only part of the next record or
 * nothing (always nothing after READER_EOF or READER_ERROR, or when a read
 * error happened here: reader_next then reports it). The bytes stay valid
 * until the reader is next moved.
 */
size_t reader_peek(struct reader *r, const char **p);

/*
 * Consumes a record the caller split itself from reader_peek's bytes: len
 * bytes holding no quote, CR or LF, then p[len], which must be a CR or LF
 * (and len < READER_MAX_RECORD). The reader is left exactly where
 * reader_next would have left it after that record (line, offset, an LF
 * owed to a CR).
 */
void reader_take(struct reader *r, size_t len);

/*
 * Records without a quote are split by the reader itself instead of libcsv
 * (the same fields, trimmed the same way); on is the default. Turning it off
 * is for the test that checks both give the same records.
 */
void reader_set_fast(struct reader *r, int on);

/*
 * Readers of regular files opened after this call read a file of at most
 * 1 MiB whole when it is opened (on, the default) or through the window a
 * chunk at a time like bigger files (off); either way they return the same
 * records, lines, offsets and raw bytes. For the tests that check so (small
 * test files then take the window's refills). Not for use while other
 * threads open readers.
 */
void reader_set_small_whole(int on);

/* Closes and frees; NULL is allowed. */
void reader_close(struct reader *r);

#endif
