/*
 * reader_int.h — what the reader family shares: the reader's state (the
 * window, the source, the current record's fields) and the input steps the
 * record scanners call when the window runs dry.
 * Not a contract for other modules: only reader*.c include it.
 */
#ifndef RR_READER_INT_H
#define RR_READER_INT_H

#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "reader.h"

#define CHUNK (256u * 1024)
/* The window holds a whole record, one byte past the limit (to notice it is
 * over), a lookahead byte and room for a read. */
#define WIN_CAP (READER_MAX_RECORD + 2 + CHUNK)

/* libcsv's options: strict quoting, an unclosed quote reported at the end,
 * fields NUL-terminated. */
#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

enum src_kind {
	SRC_FD,         /* plain regular file, read with pread */
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

	unsigned char *win;
	size_t cap;                 /* win's size: WIN_CAP, or less for a buffer that fits */
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

	int keep_cut;               /* reader_keep_cut */
	int cut;                    /* the gzip stream was cut short: the input ended there */
	uint64_t cut_at;            /* where, in compressed bytes (UINT64_MAX: not known) */

	enum reader_status done;    /* READER_EOF / READER_ERROR once finished, else READER_ROW */
	int err_status;
	char errmsg[160];
};

static inline void set_error(struct reader *r, int status, const char *msg)
{
	r->done = READER_ERROR;
	r->err_status = status;
	snprintf(r->errmsg, sizeof r->errmsg, "%s", msg);
}

/* ---- reader_input.c: where the bytes come from ---- */

/* Reads up to n bytes of the source into dst. Returns bytes read, 0 at the
 * end of the input, or -1 with the error recorded. */
long reader_src_read(struct reader *r, unsigned char *dst, size_t n);

/* Moves the unconsumed bytes to the window's start and reads more after
 * them. Returns 0 (possibly now at eof) or -1 on error. */
int reader_refill(struct reader *r);

/* ---- reader.c ---- */

/* Sets up r's libcsv parser. RR_OK or RR_ENOMEM. */
int reader_fields_init(struct reader *r);

#endif
