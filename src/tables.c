/*
 * tables — session rows and the event log as CSV.
 * Does not: filter or aggregate; the dataset and the model decide content.
 */
#include "tables.h"

#include <stdlib.h>

#include "csvout.h"
#include "decode.h"
#include "util.h"

static void field_id(FILE *f, const struct strtab *t, uint32_t id)
{
	csv_field(f, strtab_str(t, id), strtab_len(t, id), 0);
}

/* An integer cell, as csv_field_int writes it but without printf, which
 * costs more than the rest of a row. */
static void field_int(FILE *f, int64_t v, int first)
{
	char tmp[RR_I64_CHARS], *s = fmt_i64(v, tmp + sizeof tmp);

	csv_field(f, s, (size_t)(tmp + sizeof tmp - s), first);
}

/* Empty cell for an absent value, as spreadsheets expect. */
static void field_opt(FILE *f, int64_t v)
{
	if (v == RR_NONE)
		csv_field(f, "", 0, 0);
	else
		field_int(f, v, 0);
}

int tables_write_sessions(const struct report *r, FILE *f)
{
	const struct model *m = r->m;
	const struct strtab *t = r->ds->strs;
	char buf[48];

	/* Holding the stream's lock for the whole table makes each field's own
	 * locking nearly free once the process has threads. */
	flockfile(f);
	fputs("room_id,comm_id,user_id,platform,start,end,start_ms,end_ms,duration_ms,"
	      "start_observed,entered,entry_latency_ms,first_frame_ms,exit_reason,"
	      "last_seen_ms,reentries,network_changes,outage_ms,background_ms,"
	      "abnormal_experiences,findings\n", f);
	for (uint32_t ci = 0; ci < m->ncalls; ci++) {
		const struct call *c = &m->calls[ci];
		for (uint32_t k = 0; k < c->nsessions; k++) {
			const struct session *s = &m->sessions[c->first_session + k];
			size_t rl;
			const char *room = dataset_room_name(t, c->room, &rl);

			csv_field(f, room, rl, 1);
			field_id(f, t, c->comm);
			field_id(f, t, s->user);
			csv_field_str(f, platform_name(s->platform), 0);
			tz_format(r->tz, s->start_ms, TZF_ISO, buf, sizeof buf);
			csv_field_str(f, buf, 0);
			tz_format(r->tz, s->end_ms, TZF_ISO, buf, sizeof buf);
			csv_field_str(f, buf, 0);
			field_int(f, s->start_ms, 0);
			field_int(f, s->end_ms, 0);
			field_int(f, s->end_ms - s->start_ms, 0);
			field_int(f, s->start_observed, 0);
			/* Empty when the entry was not observed (JSON null). */
			field_opt(f, s->entered || s->entry_observed ? s->entered : RR_NONE);
			field_opt(f, s->entry_latency_ms);
			field_opt(f, s->first_frame_ms);
			csv_field_str(f, exit_reason_name(s->exit), 0);
			field_int(f, s->last_seen_ms, 0);
			field_int(f, s->reentries, 0);
			field_int(f, s->net_changes, 0);
			field_int(f, s->outage_ms, 0);
			field_int(f, s->background_ms, 0);
			field_int(f, s->nexp, 0);
			field_int(f, s->nfindings, 0);
			csv_end(f);
		}
	}
	funlockfile(f);
	return ferror(f) ? RR_EIO : RR_OK;
}

void tables_write_events_header(FILE *f)
{
	fputs("time_ms,time,room_id,comm_id,user_id,peer_id,kind,event_id,param_one,"
	      "param_two,stream_type,label,category,severity\n", f);
}

void tables_write_event(FILE *f, const struct strtab *t, const struct catalog *c,
			const struct tz *z, const struct record *r)
{
	const struct cat_entry *e;
	char buf[256];

	field_int(f, r->time_ms, 1);
	tz_format(z, r->time_ms, TZF_ISO, buf, sizeof buf);
	csv_field_str(f, buf, 0);
	{
		size_t rl;
		const char *room = dataset_room_name(t, r->room, &rl);

		csv_field(f, room, rl, 0);
	}
	field_id(f, t, r->comm);
	field_id(f, t, r->user);
	field_id(f, t, r->peer);
	csv_field_str(f, r->kind == REC_EVENT ? "event" : "abnormal", 0);
	field_int(f, r->id, 0);
	field_int(f, r->p1, 0);
	field_int(f, r->p2, 0);
	field_int(f, r->stream, 0);
	e = decode_label(c, r, buf, sizeof buf);
	csv_field_str(f, buf, 0);
	csv_field_str(f, e ? cat_category_name(e->category) : "", 0);
	csv_field_str(f, e ? severity_name(e->severity) : "", 0);
	csv_end(f);
}

int tables_write_events(const struct dataset *ds, const struct catalog *c,
			const struct tz *z, FILE *f)
{
	uint32_t *order;

	if (dataset_time_order(ds, &order) != RR_OK)
		return RR_ENOMEM;
	/* One lock for the whole log, as for the sessions table. */
	flockfile(f);
	tables_write_events_header(f);
	for (size_t i = 0; i < ds->nrecs; i++)
		tables_write_event(f, ds->strs, c, z, &ds->recs[order[i]]);
	funlockfile(f);
	rr_free(order);
	return ferror(f) ? RR_EIO : RR_OK;
}
