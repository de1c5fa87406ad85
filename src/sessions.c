/*
 * sessions — turns the sorted records of a finished dataset into calls,
 * sessions, per-session metrics, abnormal experiences and findings, following
 * DESIGN §3 rule by rule. This file holds the entry points (sessions_build,
 * the builder sessions_begin / add / end) and the names of exits, platforms
 * and networks; the work is done by the family:
 *   sessions_rules.c        the walk over one user's records: which event
 *                           opens, enters, closes or refines a session, and
 *                           what each event adds to its metrics
 *   sessions_context.c      what a session's own events showed in the
 *                           minute before its exit (session.context)
 *   sessions_findings.c     the findings' texts, their order within a
 *                           session, findings added later (companion_link)
 *   sessions_calls.c        one (room, comm) group: its users' walks, its
 *                           sessions in start order, its calls (split by gap)
 *   sessions_experiences.c  abnormal experiences and where they attach
 *   sessions_order.c        the last steps: everything into its final order
 *   sessions_threads.c      building on several threads, joined in record
 *                           order
 * Memory is the model plus scratch of one (room, comm) group (each file
 * says what it keeps). The records may come in several finished datasets,
 * one after the other (sessions_add): each is walked while it is there, and
 * the only thing kept of its records is a copy of the abnormal rows, which
 * the experiences are made of once every call is known (sessions_end).
 * sessions_build is the same three steps on a single dataset.
 * Finding texts go into the model's arena, not one allocation each.
 *
 * Memory of sessions_build, in all: the model itself (about 120 bytes per
 * session, 128 per call, 32 per finding plus its text, 24 per measured span,
 * 8 per outside event) and scratch bounded by the largest (room, CommId)
 * group (with a 32-byte copy of each record of one user's run when events of
 * one millisecond must be put in walk order), plus 8 bytes per session while
 * the calls are ordered, plus a 32-byte copy of each abnormal row until the
 * experiences are made (none of the event records), plus, at the very end
 * and without details, a second sessions array (124 bytes per session) that
 * the sessions are gathered into in their final order; with several
 * threads, each also holds the part of the model built from its chunk of
 * records (a quarter million) until it joins the rest.
 * Does not: aggregate across calls (report.c), decide how anything is shown,
 * or escape text (peer and user strings go into finding texts as data).
 */
#include "sessions.h"

#include <string.h>

#include "sessions_int.h"
#include "util.h"

const char *exit_reason_name(enum exit_reason e)
{
	static const char *const names[EXIT__COUNT] = {
		"normal", "timeout", "kicked", "exit_failed", "entry_failed", "unknown", "ongoing",
	};
	return (unsigned)e < EXIT__COUNT ? names[e] : "unknown";
}

const char *exit_reason_label(enum exit_reason e)
{
	/* The words of the call page's timeline legend (templates/call.html). */
	static const char *const labels[EXIT__COUNT] = {
		"left normally", "timed out", "kicked out", "exit failed", "entry failed",
		"exit unknown", "still in the room at export",
	};
	return (unsigned)e < EXIT__COUNT ? labels[e] : labels[EXIT_UNKNOWN];
}

const char *platform_name(enum platform p)
{
	switch (p) {
	case PLAT_SDK: return "sdk";
	case PLAT_WEBRTC: return "webrtc";
	default: return "unknown";
	}
}

const char *network_name(int32_t type)
{
	static const char *const names[NET__TYPES] = {
		"no network", "Wi-Fi", "4G", "3G", "2G", "wired",
	};
	return type >= 0 && type < NET__TYPES ? names[type] : NULL;
}

/* ---- entry points ---- */

void sessions_options_init(struct sessions_options *o)
{
	o->call_gap_ms = 5 * 60 * 1000;
	o->slow_entry_ms = 5000;
	o->display_tz = NULL;
	o->details = 0;
	o->threads = 0;
}

/* Frees the builder's scratch (not its part). */
void sessions_builder_free(struct builder *b)
{
	rr_free(b->tx);
	rr_free(b->outside);
	rr_free(b->outside_rec);
	rr_free(b->idx);
	rr_free(b->ends);
	rr_free(b->scratch);
	rr_free(b->runbuf);
	rr_free(b->runidx);
	rr_free(b->grp);
	rr_free(b->keys);
}

void sessions_part_free(struct part *p)
{
	model_free(&p->m);
	rr_free(p->owner);
	rr_free(p->rooms);
	rr_free(p->abn);
	memset(p, 0, sizeof *p);
}

/* The builder's main part is what the workers append to and what
 * sessions_finish orders; it lives here so that b.p can point at it across
 * calls. */
struct sessions_builder {
	struct builder b;
	struct part main;
	struct tz *utc;           /* opened when no display zone is given */
	int failed;               /* an add failed: the model is incomplete */
};

int sessions_begin(const struct catalog *cat, const struct sessions_options *o,
		   struct sessions_builder **out)
{
	struct sessions_builder *sb = rr_calloc(1, sizeof *sb);
	char err[128];
	int rc;

	*out = NULL;
	if (!sb)
		return RR_ENOMEM;
	sb->b.cat = cat;
	sb->b.o = o;
	sb->b.tz = o->display_tz;
	sb->b.p = &sb->main;
	sb->b.m = &sb->main.m;
	if (!sb->b.tz) {
		/* Without a display zone, texts show UTC. */
		rc = tz_open("UTC", &sb->utc, err, sizeof err);
		if (rc != RR_OK) {
			rr_free(sb);
			return rc;
		}
		sb->b.tz = sb->utc;
	}
	*out = sb;
	return RR_OK;
}

int sessions_add(struct sessions_builder *sb, const struct dataset *ds)
{
	int rc;

	if (sb->failed)
		return RR_ENOMEM;
	if (ds->nrecs > UINT32_MAX) {
		sb->failed = 1;        /* dataset_finish refuses these already */
		return RR_ENOMEM;
	}
	sb->b.ds = ds;
	sb->b.strs = ds->strs;
	rc = sessions_build_dataset(&sb->b);
	sb->b.ds = NULL;           /* nothing past this point reads a record */
	if (rc != RR_OK)
		sb->failed = 1;
	return rc;
}

void sessions_abort(struct sessions_builder *sb)
{
	if (!sb)
		return;
	sessions_builder_free(&sb->b);
	sessions_part_free(&sb->main);
	if (sb->utc)
		tz_free(sb->utc);
	rr_free(sb);
}

int sessions_end(struct sessions_builder *sb, struct model *m)
{
	int rc = sb->failed ? RR_ENOMEM : sessions_finish(&sb->b);

	memset(m, 0, sizeof *m);
	if (rc == RR_OK) {
		*m = sb->main.m;
		memset(&sb->main.m, 0, sizeof sb->main.m);
	}
	sessions_abort(sb);
	return rc;
}

int sessions_build(const struct dataset *ds, const struct catalog *cat,
		   const struct sessions_options *o, struct model *m)
{
	struct sessions_builder *sb;
	int rc;

	memset(m, 0, sizeof *m);
	rc = sessions_begin(cat, o, &sb);
	if (rc != RR_OK)
		return rc;
	rc = sessions_add(sb, ds);
	if (rc != RR_OK) {
		sessions_abort(sb);
		return rc;
	}
	return sessions_end(sb, m);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	arena_free(&m->text);
	rr_free(m->findings);
	rr_free(m->calls);
	rr_free(m->sessions);
	rr_free(m->details);
	rr_free(m->experiences);
	rr_free(m->causes);
	rr_free(m->spans);
	rr_free(m->outside);
	memset(m, 0, sizeof *m);
}
