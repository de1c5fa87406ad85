/*
 * sessions_findings — the findings: their texts (what an event, an outage,
 * a whole session or an abnormal experience raises, with times in the
 * display zone), their order within a session (most severe first, then
 * time, then code), their final places by session, and findings added or
 * dropped after the build (model_add_findings, model_drop_findings, for
 * companion_link). Texts go into the model's arena.
 * Does not: decide when a finding is raised beyond reading what the walk
 * measured (sessions_rules decides the sessions), or escape text (peer and
 * user strings go in as data).
 */
#include <string.h>

#include "sessions_int.h"
#include "severity.h"
#include "textbuf.h"
#include "util.h"

/* ---- finding texts ---- */

/* A local time for a finding's text (with the zone's name near a change of
 * offset, see tz_time_text). */
static void time_text(const struct builder *b, int64_t ms, char *out)
{
	tz_time_text(b->tz, ms, out, TIME_TEXT);
}

void finding_time_put(struct textbuf *x, struct finding_times *ft, int64_t ms,
		      enum finding_shape shape, const char *s)
{
	size_t n = strlen(s);

	if (ft->n < FINDING_TIMES && x->len + n <= UINT16_MAX && n <= UINT8_MAX &&
	    x->len + n < TEXTBUF_MAX) {
		ft->t[ft->n].ms = ms;
		ft->t[ft->n].off = (uint16_t)x->len;
		ft->t[ft->n].len = (uint8_t)n;
		ft->t[ft->n].shape = (uint8_t)shape;
		ft->n++;
	}
	textbuf_add(x, "%s", s);
}

/* Appends a finding of session `owner` (its index in model.sessions at the
 * time; the index is kept up to date as sessions move). */
static int finding_add(struct builder *b, uint32_t owner, const char *code,
		       enum severity sev, int64_t time_ms, const struct textbuf *t,
		       const struct finding_times *ft)
{
	struct model *m = b->m;
	struct finding *f;
	char *copy;

	if (m->nfindings >= UINT32_MAX - 1)
		return RR_ENOMEM;
	if (rr_grow(&m->findings, &b->p->capfindings, m->nfindings + 1, sizeof *m->findings) != RR_OK ||
	    rr_grow(&b->p->owner, &b->p->capowner, m->nfindings + 1, sizeof *b->p->owner) != RR_OK)
		return RR_ENOMEM;
	copy = arena_put(&m->text, t->buf, t->len);
	if (!copy)
		return RR_ENOMEM;
	f = &m->findings[m->nfindings];
	f->code = code;
	f->severity = sev;
	f->time_ms = time_ms;
	f->text = copy;
	f->times = *ft;
	b->p->owner[m->nfindings++] = owner;
	return RR_OK;
}

/* Findings raised by single events inside session `si`. */
int sessions_event_findings(struct builder *b, uint32_t si, const struct record *r)
{
	static const char *const permissions[] = {
		NULL, "network", "read file", "write file", "microphone", "camera",
	};
	struct textbuf x;         /* not zeroed: 1 KB per event would cost more than the rest */
	struct finding_times ft = { .n = 0 };
	char at[TIME_TEXT];

	if (!event_has_finding(r->id))
		return RR_OK;   /* most events raise nothing: skip the formatting */
	x.len = 0;
	time_text(b, r->time_ms, at);
	switch (r->id) {
	case EV_PERMISSION:
		if (r->p1 >= 1 && r->p1 <= 5)
			textbuf_add(&x, "Permission missing: %s (at ", permissions[r->p1]);
		else
			textbuf_add(&x, "Permission missing: permission %d (at ", (int)r->p1);
		finding_time_put(&x, &ft, r->time_ms, FT_TIME, at);
		textbuf_add(&x, ")");
		return finding_add(b, si, "permission_missing",
				   severity_of_event(b->cat, "permission_missing", r->id, r->p1, r->p2),
				   r->time_ms, &x, &ft);
	case EV_CAMERA_FAILED:
		textbuf_add(&x, "%s failed to start at ",
			 r->p1 == 0 ? "Front camera" : r->p1 == 1 ? "Rear camera" : "Camera");
		finding_time_put(&x, &ft, r->time_ms, FT_TIME, at);
		return finding_add(b, si, "camera_failed",
				   severity_of_event(b->cat, "camera_failed", r->id, r->p1, r->p2),
				   r->time_ms, &x, &ft);
	case EV_DECODE_FAILED:
		textbuf_add(&x, "Video decoding failed at ");
		finding_time_put(&x, &ft, r->time_ms, FT_TIME, at);
		if (r->p1 >= 0)
			textbuf_add(&x, " (%d frames in 3 s%s)", (int)r->p1,
				 r->p2 == 1 ? ", hardware" : r->p2 == 0 ? ", software" : "");
		return finding_add(b, si, "decode_failed",
				   severity_of_event(b->cat, "decode_failed", r->id, r->p1, r->p2),
				   r->time_ms, &x, &ft);
	case EV_W_SIGNALING_LOST:
	case EV_W_SIGNALING_LOST_SERVER:
		textbuf_add(&x, "Signaling connection lost at ");
		finding_time_put(&x, &ft, r->time_ms, FT_TIME, at);
		textbuf_add(&x, "%s", r->id == EV_W_SIGNALING_LOST_SERVER ? " (reported by the server)" : "");
		return finding_add(b, si, "signaling_lost",
				   severity_of_event(b->cat, "signaling_lost", r->id, r->p1, r->p2),
				   r->time_ms, &x, &ft);
	case EV_W_MEDIA_LOST:
		textbuf_add(&x, "Media connection lost at ");
		finding_time_put(&x, &ft, r->time_ms, FT_TIME, at);
		return finding_add(b, si, "media_lost",
				   severity_of_event(b->cat, "media_lost", r->id, r->p1, r->p2),
				   r->time_ms, &x, &ft);
	default:
		return RR_OK;
	}
}

/* A network outage from `from` to `to`. until_timeout: no 1003 followed
 * the loss and the session ended at a 7001 timeout, which the server logs
 * about 90 s after it last heard from the user: the span up to it is mostly
 * that wait, not an observed outage, so the text gives both ends and no
 * length. */
int sessions_outage_finding(struct builder *b, uint32_t si, int64_t from, int64_t to,
			  int until_timeout)
{
	struct textbuf x;
	struct finding_times ft = { .n = 0 };
	char at[TIME_TEXT], end[TIME_TEXT], dur[32];

	if (to <= from)
		return RR_OK;
	x.len = 0;
	time_text(b, from, at);
	if (until_timeout) {
		time_text(b, to, end);
		textbuf_add(&x, "No network from ");
		finding_time_put(&x, &ft, from, FT_TIME, at);
		textbuf_add(&x, " until the timeout at ");
		finding_time_put(&x, &ft, to, FT_TIME, end);
	} else {
		fmt_duration(to - from, dur, sizeof dur);
		textbuf_add(&x, "No network for %s from ", dur);
		finding_time_put(&x, &ft, from, FT_TIME, at);
	}
	return finding_add(b, si, "network_lost",
			   severity_of_finding(b->cat, "network_lost"), from, &x, &ft);
}

/* Findings about a whole session; run once its exit reason is final. */
int sessions_session_findings(struct builder *b, uint32_t si, const struct textra *t)
{
	const struct session *s = &b->m->sessions[si];
	struct textbuf x;
	struct finding_times ft = { .n = 0 }, none = { .n = 0 };
	char a[TIME_TEXT], c[TIME_TEXT], dur[32];
	int rc = RR_OK;

	x.len = 0;
	time_text(b, s->end_ms, a);
	time_text(b, s->last_seen_ms, c);
	switch (s->exit) {
	case EXIT_TIMEOUT:
		/* Circumstances from this session's own events only. */
		textbuf_add(&x, "Timed out of the room at ");
		finding_time_put(&x, &ft, s->end_ms, FT_TIME, a);
		textbuf_add(&x, " (last seen ");
		finding_time_put(&x, &ft, s->last_seen_ms, FT_TIME, c);
		if (t->net_change_ms == RR_NONE || t->net_change_ms > s->last_seen_ms ||
		    s->last_seen_ms - t->net_change_ms > NET_NOTE_WINDOW_MS) {
			textbuf_add(&x, ")");
		} else if (t->net_change_ms == s->last_seen_ms) {
			/* The last thing heard was the network report itself. */
			const char *from = network_name(t->net_from), *to = network_name(t->net_to);

			if (t->net_to == 0)
				textbuf_add(&x, ", when the network was lost)");
			else if (from && to)
				textbuf_add(&x, ", when the network switched %s → %s)", from, to);
			else if (to)
				textbuf_add(&x, ", when the network was reported as %s)", to);
			else
				textbuf_add(&x, ", when the network changed)");
		} else {
			const char *from = network_name(t->net_from), *to = network_name(t->net_to);

			fmt_duration(s->last_seen_ms - t->net_change_ms, dur, sizeof dur);
			if (t->net_to == 0)
				textbuf_add(&x, "); network lost %s before", dur);
			else if (from && to)
				textbuf_add(&x, "); network switched %s → %s %s before", from, to, dur);
			else if (to)
				textbuf_add(&x, "); network reported as %s %s before", to, dur);
			else
				textbuf_add(&x, "); network changed %s before", dur);
		}
		rc = finding_add(b, si, "timeout", severity_of_finding(b->cat, "timeout"),
				 s->end_ms, &x, &ft);
		break;
	case EXIT_KICKED:
		textbuf_add(&x, "Removed from the room at ");
		finding_time_put(&x, &ft, s->end_ms, FT_TIME, a);
		rc = finding_add(b, si, "kicked", severity_of_finding(b->cat, "kicked"),
				 s->end_ms, &x, &ft);
		break;
	case EXIT_EXIT_FAILED:
		textbuf_add(&x, "Exit from the room failed at ");
		finding_time_put(&x, &ft, s->end_ms, FT_TIME, a);
		rc = finding_add(b, si, "exit_failed", severity_of_finding(b->cat, "exit_failed"),
				 s->end_ms, &x, &ft);
		break;
	case EXIT_ENTRY_FAILED:
		time_text(b, s->start_ms, a);
		textbuf_add(&x, "Could not enter the room (attempt at ");
		finding_time_put(&x, &ft, s->start_ms, FT_TIME, a);
		textbuf_add(&x, ")");
		rc = finding_add(b, si, "entry_failed", severity_of_finding(b->cat, "entry_failed"),
				 s->start_ms, &x, &ft);
		break;
	case EXIT_UNKNOWN:
		textbuf_add(&x, "No exit recorded; last seen ");
		finding_time_put(&x, &ft, s->last_seen_ms, FT_TIME, c);
		rc = finding_add(b, si, "no_exit", severity_of_finding(b->cat, "no_exit"),
				 s->last_seen_ms, &x, &ft);
		break;
	default:
		break;
	}
	if (rc != RR_OK)
		return rc;
	/* What was still running at the end, now that the end is final (a
	 * late timeout may have moved it): the stretches for the page, and
	 * the outage's finding. */
	if (t->bg_open != RR_NONE && (rc = sessions_span_note(b, si, SPAN_BACKGROUND, t->bg_open, s->end_ms)))
		return rc;
	if (t->outage_open != RR_NONE) {
		rc = sessions_span_note(b, si, SPAN_OUTAGE, t->outage_open, s->end_ms);
		if (rc == RR_OK)
			rc = sessions_outage_finding(b, si, t->outage_open, s->end_ms, t->ended_by_timeout);
		if (rc != RR_OK)
			return rc;
	}
	if (s->entry_latency_ms != RR_NONE && s->entry_latency_ms > b->o->slow_entry_ms) {
		x.len = 0;
		fmt_duration(s->entry_latency_ms, dur, sizeof dur);
		textbuf_add(&x, "Entered after %s", dur);
		rc = finding_add(b, si, "entry_slow", severity_of_finding(b->cat, "entry_slow"),
				 t->d.entered_ms, &x, &none);
		if (rc != RR_OK)
			return rc;
	}
	if (s->reentries > 0) {
		x.len = 0;
		textbuf_add(&x, "Entered again %u time%s", (unsigned)s->reentries,
			 s->reentries == 1 ? "" : "s");
		rc = finding_add(b, si, "reentry", severity_of_finding(b->cat, "reentry"),
				 t->reentry_ms, &x, &none);
		if (rc != RR_OK)
			return rc;
	}
	if (s->background_ms > 0) {
		x.len = 0;
		fmt_duration(s->background_ms, dur, sizeof dur);
		textbuf_add(&x, "In the background for %s", dur);
		rc = finding_add(b, si, "background", severity_of_finding(b->cat, "background"),
				 t->background_ms, &x, &none);
	}
	return rc;
}

int sessions_experience_findings(struct builder *b)
{
	const struct model *m = b->m;
	const struct strtab *st = b->strs;
	uint32_t i, k;
	int rc;

	for (i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];
		const struct cat_entry *e;
		struct textbuf t;
		struct finding_times ft = { .n = 0 };
		char label[512], at[TIME_TEXT];
		enum finding_shape shape;
		size_t n;

		if (x->session == RR_NOIDX)
			continue;
		t.len = 0;
		e = catalog_find_experience(b->cat, x->id);
		catalog_format(e, CAT_EXPERIENCE, x->id, -1, -1, label, sizeof label);
		time_text(b, x->time_ms, at);
		n = strlen(at);
		shape = FT_TIME;
		if (n >= 8 && memcmp(at + 5, ":00", 3) == 0 && (at[8] == '\0' || at[8] == ' ')) {
			memmove(at + 5, at + 8, n - 8 + 1);   /* minute-aligned: "10:11" */
			shape = FT_HM;
		}
		textbuf_add(&t, "%s at ", label);
		finding_time_put(&t, &ft, x->time_ms, shape, at);
		if (x->ncauses == 0)
			textbuf_add(&t, " — no cause listed");
		for (k = 0; k < x->ncauses; k++) {
			const struct cause *c = &m->causes[x->first_cause + k];

			catalog_cause_phrase(b->cat, c->id, c->peer ? strtab_str(st, c->peer) : NULL,
					     c->peer ? strtab_len(st, c->peer) : 0, label, sizeof label);
			textbuf_add(&t, "%s%s", k ? ", " : " — possible causes: ", label);
		}
		rc = finding_add(b, x->session, "abnormal_experience",
				 severity_of_experience(b->cat, x->id), x->time_ms, &t, &ft);
		if (rc)
			return rc;
	}
	return RR_OK;
}

/* ---- the findings' order ---- */

/* Order within one session: most severe first, then time, then code. Used
 * by sessions_build and model_add_findings alike, so both agree. */
static int cmp_finding_order(enum severity sa, int64_t ta, const char *ca,
			     enum severity sb, int64_t tb, const char *cb)
{
	int c;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	c = cmp_i64(ta, tb);
	if (c)
		return c;
	return strcmp(ca, cb);
}

static int cmp_finding(const void *pa, const void *pb, const void *ctx)
{
	const struct finding *a = pa, *b = pb;

	(void)ctx;
	return cmp_finding_order(a->severity, a->time_ms, a->code,
				 b->severity, b->time_ms, b->code);
}

/* Where the findings go: grouped by session (owner holds final session
 * indexes), in creation order. owner becomes each finding's final place,
 * ffirst each final session's first finding, and ffirst[nsessions] their
 * number. */
void sessions_findings_slots(struct model *m, uint32_t *owner, uint32_t *ffirst)
{
	uint32_t i, nf = m->nfindings, pos = 0;

	memset(ffirst, 0, ((size_t)m->nsessions + 1) * sizeof *ffirst);
	for (i = 0; i < nf; i++)
		ffirst[owner[i]]++;
	for (i = 0; i < m->nsessions; i++) {
		pos += ffirst[i];
		ffirst[i] = pos;      /* one past its last, for now */
	}
	ffirst[m->nsessions] = nf;
	/* Backwards, so each session's findings keep their creation order. */
	for (i = nf; i-- > 0;)
		owner[i] = --ffirst[owner[i]];
}

/* Moves the findings to the places sessions_findings_slots gave them, sorts each
 * session's, and counts them per call (calls in their final places). The
 * sessions themselves may be moving meanwhile (sessions_finish). */
int sessions_findings_place(struct builder *b, const uint32_t *ffirst)
{
	struct model *m = b->m;
	uint32_t i;

	sessions_permute(m->findings, sizeof *m->findings, NULL, 0, b->p->owner, m->nfindings);
	for (i = 0; i < m->nsessions; i++) {
		uint32_t n = ffirst[i + 1] - ffirst[i];

		if (n > 1 && sessions_sort(b, m->findings + ffirst[i], n, sizeof *m->findings,
					 cmp_finding, NULL) != RR_OK)
			return RR_ENOMEM;
	}
	for (i = 0; i < m->ncalls; i++) {
		struct call *c = &m->calls[i];
		uint32_t k, end = ffirst[c->first_session + c->nsessions];

		for (k = ffirst[c->first_session]; k < end; k++)
			c->findings[m->findings[k].severity]++;
	}
	return RR_OK;
}

/* ---- findings added later (companion_link) ---- */

static int cmp_finding_new(const void *pa, const void *pb, const void *ctx)
{
	const struct finding_new *a = *(const struct finding_new *const *)pa;
	const struct finding_new *b = *(const struct finding_new *const *)pb;

	(void)ctx;
	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	return cmp_finding_order(a->severity, a->time_ms, a->code,
				 b->severity, b->time_ms, b->code);
}

/*
 * The new findings are sorted (through pointers, so f stays as given) and
 * merged with the existing ones session by session into a fresh array: one
 * pass over everything, whatever the number of sessions touched. Texts are
 * copied into the store before anything changes, so a failure leaves the
 * findings as they were (copies made by then stay unused in the store). At
 * equal keys an existing finding stays ahead of a new one.
 */
int model_add_findings(struct model *m, const struct finding_new *f, size_t n)
{
	const struct finding_new **order = NULL;
	struct finding *out = NULL;
	char **texts = NULL;
	unsigned char *scratch = NULL;
	size_t capscratch = 0, i, j, k, total;
	uint32_t s;
	int rc = RR_ENOMEM;

	if (n == 0)
		return RR_OK;
	for (i = 0; i < n; i++)
		if (f[i].session >= m->nsessions || (unsigned)f[i].severity >= SEV__COUNT)
			return RR_EDATA;   /* a caller's mistake: refuse rather than corrupt */
	if (n > (size_t)(UINT32_MAX - 1) - m->nfindings)
		return RR_ENOMEM;
	total = (size_t)m->nfindings + n;
	order = rr_malloc(n * sizeof *order);
	texts = rr_calloc(n, sizeof *texts);
	out = rr_calloc(total, sizeof *out);
	if (!order || !texts || !out)
		goto fail;
	for (i = 0; i < n; i++) {
		order[i] = &f[i];
		texts[i] = arena_put(&m->text, f[i].text, strlen(f[i].text));
		if (!texts[i])
			goto fail;
	}
	if (sessions_sort_with(&scratch, &capscratch, order, n, sizeof *order, cmp_finding_new,
		      NULL) != RR_OK)
		goto fail;

	/* From here on nothing can fail. */
	for (s = 0, j = 0, k = 0; s < m->nsessions; s++) {
		struct session *ss = &m->sessions[s];
		const struct finding *old = m->findings + ss->first_finding;
		uint32_t nold = ss->nfindings, o = 0, added = 0;

		ss->first_finding = (uint32_t)k;
		while (o < nold || (j < n && order[j]->session == s)) {
			const struct finding_new *nw = j < n && order[j]->session == s ? order[j] : NULL;

			if (o < nold && (!nw || cmp_finding_order(old[o].severity, old[o].time_ms,
					old[o].code, nw->severity, nw->time_ms, nw->code) <= 0)) {
				out[k++] = old[o++];
				continue;
			}
			out[k].code = nw->code;
			out[k].severity = nw->severity;
			out[k].time_ms = nw->time_ms;
			out[k].text = texts[nw - f];
			out[k].times = nw->times;
			k++;
			j++;
			added++;
			m->calls[ss->call].findings[nw->severity]++;
		}
		ss->nfindings = nold + added;
	}
	rr_free(m->findings);
	m->findings = out;
	m->nfindings = (uint32_t)total;
	out = NULL;
	rc = RR_OK;
fail:
	rr_free(texts);
	rr_free(order);
	rr_free(out);
	rr_free(scratch);
	return rc;
}

/* One compaction pass over all findings; sessions[] is ascending, so it is
 * walked alongside. Nothing is allocated: this cannot fail, which lets
 * companion_link add first (the step that can fail) and drop after. */
void model_drop_findings(struct model *m, const char *code, const uint32_t *sessions, size_t n)
{
	uint32_t s, i, k = 0;
	size_t p = 0;

	if (n == 0)
		return;
	for (s = 0; s < m->nsessions; s++) {
		struct session *ss = &m->sessions[s];
		uint32_t first = ss->first_finding, nf = ss->nfindings;
		int listed;

		while (p < n && sessions[p] < s)
			p++;
		listed = p < n && sessions[p] == s;
		ss->first_finding = k;
		for (i = first; i < first + nf; i++) {
			struct finding *f = &m->findings[i];

			if (listed && strcmp(f->code, code) == 0) {
				m->calls[ss->call].findings[f->severity]--;
				ss->nfindings--;
				continue;
			}
			m->findings[k++] = *f;
		}
	}
	m->nfindings = k;
}
