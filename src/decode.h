/*
 * decode — joins records to the catalog: counts used rows whose ID or
 * parameter values the catalog does not know (input.unknown_ids) and lists
 * each distinct unknown (table, id, p1, p2) with its count for the
 * data-quality section, and renders a record's label.
 * Does not: drop or alter records (an unknown event stays an event).
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

struct decode_stats {
	uint64_t unknown_rows;         /* used rows with an unknown event, experience or cause */
	struct unknown_id *unknown;    /* distinct unknowns, most frequent first, then by id */
	size_t nunknown;
};

/* Scans every record of a finished dataset. Returns RR_OK or RR_ENOMEM
 * (stats is then empty). */
int decode_scan(const struct dataset *ds, const struct catalog *c, struct decode_stats *st);
void decode_stats_free(struct decode_stats *st);

/* The label of record r (an event, or an abnormal row's experience) into buf,
 * always NUL-terminated; returns the entry or NULL when unknown. */
const struct cat_entry *decode_label(const struct catalog *c, const struct record *r,
				     char *buf, size_t size);

#endif
