/*
 * diag — diagnostics as data. Rejected rows and notes are counted per reason;
 * the first DIAG_KEEP of each reason are kept with their "file:line" for the
 * report; main prints a summary. Does not: print anything by itself, or keep
 * every rejected row (ingest streams those to --rejected).
 */
#ifndef RR_DIAG_H
#define RR_DIAG_H

#include <stddef.h>
#include <stdint.h>

#define DIAG_KEEP 5

/* Why a data row was rejected. diag_reason_code() gives the stable code used
 * in JSON and in the --rejected file; diag_reason_text() a phrase for people. */
enum diag_reason {
	REJ_RAGGED,        /* field count differs from the header */
	REJ_BAD_QUOTE,     /* stray or unterminated quote */
	REJ_LONG_FIELD,    /* a field or the whole record exceeds the limit */
	REJ_BAD_UTF8,      /* invalid UTF-8 in a field */
	REJ_NUL,           /* NUL byte in a field */
	REJ_BAD_ID,        /* EventId/ExperienceId/AbnormalEventId not an integer */
	REJ_BAD_PARAM,     /* ParamOne/ParamTwo/Type not an integer */
	REJ_RANGE,         /* integer outside the range the record can hold */
	REJ_BAD_TIME,      /* time missing or unparsable */
	REJ_MISSING,       /* a required value (RoomId, UserId...) is empty */
	REJ_CUT,           /* the last row of a truncated file: its end is lost */
	REJ__COUNT
};

const char *diag_reason_code(enum diag_reason r);
const char *diag_reason_text(enum diag_reason r);

struct diag_item {
	char *file;        /* owned */
	uint64_t line;     /* physical line where the row starts, 1-based */
	enum diag_reason reason;
	char *detail;      /* owned, e.g. "EventId \"abc\" is not a number"; valid UTF-8 */
};

/* One input file read: its data rows, and where it was cut when its gzip
 * stream ended early (the rows before the cut are read). */
struct diag_file {
	uint64_t rows;                 /* data rows counted for it (input.rows) */
	int cut;                       /* 1: truncated gzip stream */
	int cut_row;                   /* 1: its last row, which the cut fell in, is
	                                * among rows, rejected as REJ_CUT */
	uint64_t cut_at;               /* where, in compressed bytes; UINT64_MAX: not known */
};

struct diag {
	uint64_t count[REJ__COUNT];
	struct diag_item *kept;        /* first DIAG_KEEP of each reason, in arrival order */
	size_t nkept, capkept;
	char **notes;                  /* owned, free-form notes ("users file x: not used yet") */
	size_t nnotes, capnotes;
	struct diag_file *files;       /* per input file, by its dataset index */
	size_t nfiles, capfiles;
	size_t ncut;                   /* files with cut set */
};

/* An empty store (all zeros). */
void diag_init(struct diag *d);

/* Frees what d owns and leaves it empty (and usable). */
void diag_free(struct diag *d);

/* Counts a rejected row (a reason out of range counts as REJ_MISSING);
 * keeps a copy of file and detail (NULL: "") when fewer than DIAG_KEEP of
 * that reason are kept. Both may hold any bytes: control characters and
 * invalid UTF-8 are replaced by '?'. Returns RR_OK or RR_ENOMEM (the row
 * is counted, not kept). */
int diag_reject(struct diag *d, const char *file, uint64_t line,
		enum diag_reason reason, const char *detail);

/* Adds a note, formatted as printf does (at most 511 bytes) and cleaned as
 * kept details are. Returns RR_OK or RR_ENOMEM (nothing added). */
int diag_note(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Records what was read of the input file with dataset index `index`
 * (dataset_add_file): f's rows, cut, cut_row and cut_at. Files between the
 * last recorded and index get zero rows. RR_OK or RR_ENOMEM. */
int diag_file_read(struct diag *d, size_t index, const struct diag_file *f);

/* Rejected rows counted, over every reason. */
uint64_t diag_total(const struct diag *d);

#endif
