/*
 * ingest — CSV exports to records (DESIGN §1). Maps header names (aliases,
 * case, '_' '-' ' ' ignored) to columns, decides each row's kind by the
 * columns it fills, parses IDs, parameters and times, validates UTF-8,
 * applies the --room/--user/--from/--to filters, and appends records to a
 * dataset. Every unusable row is counted in diag with file:line and a reason
 * and, when options->rejected is set, written there in full.
 * Companion files are recognised by their header (DESIGN §1): DataType →
 * quality samples, JoinTs/LeaveTs/DeviceType/SdkVersion/ClientIp/Finished →
 * users, CreateTime/DestroyTime/IsFinished → rooms; their rows go through the
 * same checks, rejections and filters and are appended with
 * dataset_append_user/room/quality. Their times (seconds, ms or ISO) obey the
 * same 2000-2099 rule; --room/--user/--from/--to apply to what a row has
 * (rooms: room and CreateTime; users: room, user and JoinTs; quality: user,
 * room when given, and Time); a row without the time is not time-filtered.
 * Every row's room is interned as its room key (dataset.h): the SdkAppId,
 * DATASET_APP_SEP and the RoomId when the row has a SdkAppId, else the
 * RoomId alone; --room matches the RoomId.
 * Does not: decode IDs (decode/catalog), sort or de-duplicate (dataset),
 * link companion rows to calls (companion).
 */
#ifndef RR_INGEST_H
#define RR_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "tz.h"

/* Rows with times outside [2000-01-01, 2100-01-01) UTC are rejected as
 * bad_time: no TRTC export holds them, so they are unit or column mix-ups. */
#define INGEST_MIN_TIME_MS 946684800000LL
#define INGEST_MAX_TIME_MS 4102444800000LL
_Static_assert(INGEST_MIN_TIME_MS >= RECORD_MIN_TIME_MS && INGEST_MAX_TIME_MS <= RECORD_MAX_TIME_MS,
	       "every accepted time fits a record");

struct ingest_options {
	const struct tz *input_tz;       /* zone of ISO times without offset; required */
	const char *const *rooms;        /* --room values; nrooms == 0: all rooms */
	size_t nrooms;
	const char *const *users;        /* --user values; nusers == 0: all users */
	size_t nusers;
	/* 1: the --user values are only noted (seen), not applied to rows:
	 * the report keeps the whole calls they are in (user_calls.h). */
	int users_whole_calls;
	int64_t from_ms;                 /* rows before from_ms are filtered; INT64_MIN: none */
	int64_t to_ms;                   /* rows at or after to_ms are filtered; INT64_MAX: none */
	/* When set, told of every row the filters look at (filter_seen.h):
	 * the values rows named, and the rows left out. NULL: not told. */
	struct filter_seen *seen;
	/* When set, every rejected row is written here as CSV with the columns
	 * file,line,reason,detail,row (row = the record's raw text). ingest does
	 * not write the header line (see ingest_write_rejected_header). */
	FILE *rejected;
	/* Parsing one big file on several threads: at most `threads` parts
	 * (0 = one per online processor, at most INGEST_MAX_THREADS), none
	 * smaller than part_min_bytes. Only plain (uncompressed) event/abnormal
	 * files, and not with `rejected` set; the result is the same as reading
	 * on one thread, byte for byte. */
	unsigned threads;
	uint64_t part_min_bytes;
	/* A plain file larger than this many bytes is read on one thread
	 * whatever `threads` says (parts hold all their records at once; one
	 * thread can spill as it goes). UINT64_MAX (the default): no such
	 * limit. Decided from the size the reader already has, so a run of
	 * 20,000 files asks for no size of its own. */
	uint64_t one_thread_above;
	/* Event rows of the common shape (no quotes, plain ASCII, bare
	 * numbers) are parsed by a column-specialised parser; 1 sends every row
	 * the general way instead, which gives the same result: for the test
	 * that checks both agree. */
	int general_rows;
};

#define INGEST_MAX_THREADS 8
#define INGEST_PART_MIN_BYTES (8u << 20)

/* Writes the header line of the rejected-rows CSV. RR_OK or RR_EIO. */
int ingest_write_rejected_header(FILE *f);

/*
 * Reads one export file (path "-" = stdin) into ds. Returns:
 *  RR_OK      the file was read (possibly with rejected rows, counted in ds);
 *  RR_EDATA   the header lacks a required column, has no known column, or the
 *             encoding is refused; err = "FILE: missing required column
 *             'EventId' for event rows" (or "... for users rows", "rooms",
 *             "quality"); nothing from it is kept;
 *             or the string table's limits (strtab.h) were reached: err =
 *             "FILE:LINE: more than N distinct IDs ..."; rows before stay;
 *  RR_EIO     the file cannot be read (err = "FILE: reason"), or writing to
 *             options->rejected failed;
 *  RR_ENOMEM  out of memory.
 * Rows before a read error stay in ds. A truncated gzip stream is not an
 * error: the rows before the cut are read, the row the cut falls inside
 * (if any) is rejected as REJ_CUT, and RR_OK is returned. Every file
 * registered gets its ds->diag.files entry (diag.h: its rows, and where
 * it was cut). Neither path nor o is kept after the call (ds keeps its
 * own copy of the file name).
 */
int ingest_file(struct dataset *ds, const char *path,
		const struct ingest_options *o, char *err, size_t errlen);

/* The same, reading len bytes at buf (not copied) and naming them name in
 * diagnostics. */
int ingest_mem(struct dataset *ds, const char *name, const void *buf, size_t len,
	       const struct ingest_options *o, char *err, size_t errlen);

/* Sets o to defaults: no filters, no rejected sink; input_tz must still be set. */
void ingest_options_init(struct ingest_options *o);

#endif
