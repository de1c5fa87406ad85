/*
 * decode — joins records to the catalog: counts used rows whose ID or
 * parameter values the catalog does not know (input.unknown_ids) and lists
 * each distinct unknown (table, id, p1, p2) with its count for the
 * data-quality section; counts the rows and distinct users of every key the
 * top lists rank; and renders a record's label.
 * Does not: drop or alter records (an unknown event stays an event), or
 * rank keys (report does).
 */
#ifndef RR_DECODE_H
#define RR_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "dataset.h"

struct unknown_id {
	enum cat_table table;    /* CAT_SDK for unknown events (any ID), CAT_EXPERIENCE, CAT_DISMISSAL for causes */
	int32_t id, p1, p2;      /* p1/p2 are -1 for experiences and causes */
	uint64_t count;
};

/*
 * Rows and distinct users (user ID strings) of one key over every used
 * record. Keys are those the top lists rank: events of a catalog entry of
 * severity warning or error, counted per entry (table, id, p1, p2 are the
 * entry's own, CAT_ANY or -1 where it takes any value); unknown events,
 * per exact (CAT_SDK, id, p1, p2); and every AbnormalEventId, per entry, or
 * when unknown per (CAT_REALTIME for 2001..2999 else CAT_DISMISSAL, id,
 * -1, -1).
 */
struct decode_count {
	const struct cat_entry *e;     /* NULL when unknown */
	enum cat_table table;
	int32_t id, p1, p2;
	enum severity severity;        /* the entry's; warning when unknown */
	uint64_t rows;
	uint32_t users;
};

struct decode_stats {
	uint64_t unknown_rows;         /* used rows with an unknown event, experience or cause */
	struct unknown_id *unknown;    /* distinct unknowns, most frequent first, then by id */
	size_t nunknown;
	/* By table, id, p1, p2, known before unknown. Entries point into the
	 * catalog scanned with. */
	struct decode_count *counts;
	size_t ncounts;
};

/* Scans every record of a finished dataset into *st, which the caller frees
 * with decode_stats_free; ds and c are only read (st's entries point into
 * c, which must outlive them). Returns RR_OK, or RR_ENOMEM with st empty. */
int decode_scan(const struct dataset *ds, const struct catalog *c, struct decode_stats *st);
/* The same on `threads` parts and threads (0: as many as pay, as
 * decode_scan does); the result does not depend on the number. */
int decode_scan_threads(const struct dataset *ds, const struct catalog *c, unsigned threads,
			struct decode_stats *st);
/* Frees what st holds and empties it. */
void decode_stats_free(struct decode_stats *st);

/*
 * The same stats gathered over several finished datasets in turn (runs
 * larger than memory, partition.h): datasets sharing one string table, each
 * holding whole (room, CommId, user) runs. decode_end gives what
 * decode_scan gives on one dataset holding all their records (distinct
 * users are counted over all of them). No record is read after decode_add
 * returns, so each dataset can be freed before the next is added.
 * decode_begin: RR_OK or RR_ENOMEM (*out NULL). decode_add: RR_OK or
 * RR_ENOMEM, after which the scanner is only fit for decode_abort.
 * decode_end: RR_OK with the stats in *st, or RR_ENOMEM with st empty; it
 * frees the scanner either way. decode_abort frees one (NULL is fine).
 * The catalog must outlive the scanner.
 */
struct decode_scanner;
int decode_begin(const struct catalog *c, struct decode_scanner **out);
int decode_add(struct decode_scanner *sc, const struct dataset *ds);
int decode_end(struct decode_scanner *sc, struct decode_stats *st);
void decode_abort(struct decode_scanner *sc);

/* The label of record r (an event, or an abnormal row's experience) into buf,
 * always NUL-terminated; returns the entry or NULL when unknown. */
const struct cat_entry *decode_label(const struct catalog *c, const struct record *r,
				     char *buf, size_t size);

#endif
