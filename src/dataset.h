/*
 * dataset — the in-memory form of everything ingested: compact fixed-size
 * records, the string table they point into, per-file names and the input
 * counts. Ingest appends; dataset_finish() sorts and removes exact
 * duplicates; later stages only read. Does not: parse CSV or decode IDs.
 */
#ifndef RR_DATASET_H
#define RR_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "strtab.h"

enum rec_kind { REC_EVENT = 0, REC_ABNORMAL = 1 };

/*
 * One event row or one abnormal-experience row (one row per cause). 40 bytes.
 * For REC_EVENT: id = EventId, p1/p2 = ParamOne/ParamTwo (-1 when unused or
 * empty), stream = Type (-1 when absent).
 * For REC_ABNORMAL: id = ExperienceId (0 when the row gives none), p1 =
 * AbnormalEventId (-1 = experience with no listed cause), p2 = -1, stream = -1.
 */
struct record {
	int64_t time_ms;        /* epoch ms, UTC */
	uint32_t room;          /* strtab ids; 0 = empty */
	uint32_t comm;
	uint32_t user;
	uint32_t peer;
	int32_t id;
	int32_t p1;
	int32_t p2;
	uint8_t kind;           /* enum rec_kind */
	int8_t stream;
	uint16_t file;          /* index into dataset.files */
};

struct input_counts {
	uint64_t rows;          /* data rows read from event/abnormal files */
	uint64_t used;          /* records kept after filters and de-duplication */
	uint64_t filtered;      /* left out by --room/--user/--from/--to */
	uint64_t rejected;      /* unusable rows (see diag) */
	uint64_t duplicates;    /* exact repeats of an earlier row, dropped */
	uint64_t events;        /* used REC_EVENT records */
	uint64_t abnormal;      /* used REC_ABNORMAL records */
};

struct dataset {
	struct strtab *strs;
	struct record *recs;
	size_t nrecs, caprecs;
	char **files;           /* owned names, as given on the command line */
	size_t nfiles, capfiles;
	struct input_counts counts;
	struct diag diag;
	int finished;           /* set by dataset_finish */
};

/* Returns RR_OK or RR_ENOMEM (nothing to free then). */
int dataset_init(struct dataset *ds);
void dataset_free(struct dataset *ds);

/* Registers a file name (copied); *index receives its number. RR_EDATA when
 * more than 65535 files are given, RR_ENOMEM when out of memory. */
int dataset_add_file(struct dataset *ds, const char *name, uint16_t *index);

/* Appends a copy of r. RR_OK or RR_ENOMEM. */
int dataset_append(struct dataset *ds, const struct record *r);

/*
 * Sorts records by (room, comm, user, time), keeping input order among equal
 * keys, then removes records equal in every field but `file` to an earlier
 * one, counting them in counts.duplicates. Sets used, events and abnormal.
 * Records with the same (room, comm) are then contiguous. RR_OK or RR_ENOMEM.
 */
int dataset_finish(struct dataset *ds);

/* Index of the first record with the given (room, comm), or nrecs. Only after
 * dataset_finish. */
size_t dataset_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm);

#endif
