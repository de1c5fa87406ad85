/*
 * tables — the CSV outputs for spreadsheets: one row per session
 * (--sessions-csv) and the decoded event log (`roomreport events`).
 * Renderers: they map the model to rows and add no figures of their own.
 */
#ifndef RR_TABLES_H
#define RR_TABLES_H

#include <stdio.h>

#include "catalog.h"
#include "dataset.h"
#include "report.h"
#include "tz.h"

/* One header line, then one line per session in call order. Times are
 * written twice: epoch ms and text in the report's zone. Reads no records.
 * RR_OK or RR_EIO. */
int tables_write_sessions(const struct report *r, FILE *f);

/*
 * The decoded log of every record of a finished dataset, ordered by time
 * (then room, CommId, user, input order), times in zone z. Columns:
 * time_ms,time,room_id,comm_id,user_id,peer_id,kind,event_id,param_one,
 * param_two,stream_type,label,category,severity. Returns RR_OK, RR_EIO or
 * RR_ENOMEM (for the order index: 4 bytes per record).
 */
int tables_write_events(const struct dataset *ds, const struct catalog *c,
			const struct tz *z, FILE *f);

/* The pieces of that log, for writers that order the records themselves
 * (partition.c merges partitions by time): the header line, and one row for
 * record r, whose ids are in table t. Errors show in ferror(f). Neither
 * locks f: a caller writing many rows holds flockfile(f) around them, as
 * tables_write_events does. */
void tables_write_events_header(FILE *f);
void tables_write_event(FILE *f, const struct strtab *t, const struct catalog *c,
			const struct tz *z, const struct record *r);

#endif
