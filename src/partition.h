/*
 * partition — runs whose event records do not fit in the memory allowed
 * (--max-memory). While ingest reads, records past the limit are written to
 * an unlinked temporary file; once everything is read, the rooms are cut
 * into ranges of ascending room id whose records fit the limit, the records
 * are distributed into a few more unlinked files by range, and each range
 * is handed back as a dataset of its own. Sorting every range and taking
 * them in order gives the records in exactly the order one finished dataset
 * would hold them (dataset_finish sorts by room id first), so later stages
 * fed range after range build the same model. Every temporary file is
 * unlinked as soon as it is created: whatever way the process ends, nothing
 * is left behind.
 * Does not: parse, sort (dataset), or build anything from the records.
 */
#ifndef RR_PARTITION_H
#define RR_PARTITION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "catalog.h"
#include "dataset.h"
#include "tz.h"

/* What a partitioned run budgets per event record held in memory: the
 * 32-byte record plus the sort's scratch and the stages' share. The range
 * sizes and the point where ingest starts spilling follow from it. */
#define PARTITION_BYTES_PER_RECORD 48

struct partition;

/*
 * Prepares ds (just initialised, nothing read yet) to spill its records
 * when more than limit / PARTITION_BYTES_PER_RECORD of them (at least one)
 * are read, into temporary files in $TMPDIR (or /tmp). Until then nothing
 * touches the disk. Returns RR_OK or RR_ENOMEM. ds must outlive p.
 */
int partition_open(struct dataset *ds, uint64_t limit, struct partition **out);

/* After ingest: 1 when records were spilled (the run is partitioned), else
 * 0 and ds holds every record as usual. */
int partition_active(const struct partition *p);

/*
 * For a partitioned run, once everything is read: writes the records ds
 * still holds, releases ds's record memory, cuts the rooms into ranges and
 * distributes the records by range. Returns RR_OK, RR_EIO (the temporary
 * files could not be written or read: partition_error says why) or
 * RR_ENOMEM.
 */
int partition_plan(struct partition *p);

/* Number of ranges (after partition_plan), and the range holding room id
 * room (a strtab id), or partition_count when no record has it. */
size_t partition_count(const struct partition *p);
size_t partition_of_room(const struct partition *p, uint32_t room);

/*
 * Loads range k (0 <= k < partition_count) into part, a dataset set up with
 * dataset_init_part on ds's string table (freed by the caller with
 * dataset_free): its records in input order, not yet finished. Returns
 * RR_OK, RR_EIO (partition_error) or RR_ENOMEM.
 */
int partition_load(struct partition *p, size_t k, struct dataset *part);

/*
 * The `events` log of a partitioned run: call partition_add_events with
 * every range's finished dataset in range order, then partition_write_events
 * writes what tables_write_events writes for one dataset holding them all
 * (rows by time, then room, CommId, user, input order), merging the ranges
 * from a temporary file. Returns RR_OK, RR_EIO (writing f failed, or the
 * temporary file: partition_error) or RR_ENOMEM.
 */
int partition_add_events(struct partition *p, const struct dataset *part);
int partition_write_events(struct partition *p, const struct catalog *c, const struct tz *z,
			   FILE *f);

/* Why the last RR_EIO happened ("temporary file: No space left on
 * device"), or NULL. */
const char *partition_error(const struct partition *p);

/* Closes and so removes every temporary file, and restores ds's spill hook
 * to none. NULL is fine. */
void partition_close(struct partition *p);

#endif
