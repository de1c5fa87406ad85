/*
 * report_lists — the overview's lists: the top problem events and causes
 * (ranked from decode's counts, by count and by users), the worst calls, and
 * the experiences of rooms without events with their labels and causes.
 * Does not: count anything over the records (decode did), or format beyond
 * the labels (render).
 */
#include "report_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "util.h"

/* ---- top lists ---- */

/*
 * One key with its rows (count) and distinct users (user), as decode counted
 * them. Keys are (table, id, p1, p2, known): a catalog entry's own key for
 * known events and causes, the data's values for unknown ones. e is payload
 * for the label, never compared.
 */
struct titem {
	int32_t id, p1, p2;
	uint32_t user;
	uint64_t count;
	const struct cat_entry *e;
	uint8_t table, known, sev;
};

static int key_cmp(const struct titem *a, const struct titem *b)
{
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->p1 != b->p1)
		return a->p1 < b->p1 ? -1 : 1;
	if (a->p2 != b->p2)
		return a->p2 < b->p2 ? -1 : 1;
	if (a->known != b->known)
		return a->known > b->known ? -1 : 1;
	return 0;
}

static int cmp_by_count(const void *pa, const void *pb)
{
	const struct titem *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return key_cmp(a, b);
}

static int cmp_by_users(const void *pa, const void *pb)
{
	const struct titem *a = pa, *b = pb;

	if (a->user != b->user)
		return a->user > b->user ? -1 : 1;
	return key_cmp(a, b);
}

static void param_text(int32_t v, char *buf, size_t size, const char *wild)
{
	if (v == CAT_ANY)
		snprintf(buf, size, "%s", wild);
	else
		snprintf(buf, size, "%" PRId32, v);
}

/* An entry's label with each wildcard parameter shown as a placeholder
 * ("N" for {1}, "M" for {2}), since one item stands for every value. */
static void entry_label(const struct cat_entry *e, char *buf, size_t size)
{
	size_t len = 0;
	const char *s;

	for (s = e->label; *s; s++) {
		char num[16];
		const char *put = NULL;
		size_t n;

		if (s[0] == '{' && (s[1] == '1' || s[1] == '2') && s[2] == '}') {
			int32_t v = s[1] == '1' ? e->p1 : e->p2;

			if (v == CAT_ANY || v == -1) {
				put = s[1] == '1' ? "N" : "M";
			} else {
				snprintf(num, sizeof num, "%" PRId32, v);
				put = num;
			}
			s += 2;
		}
		n = put ? strlen(put) : 1;
		if (len + n >= size)
			break;   /* whole pieces only; built-in labels fit easily */
		memcpy(buf + len, put ? put : s, n);
		len += n;
	}
	/* Never leave half a UTF-8 sequence behind a cut. */
	while (len > 0 && !utf8_valid(buf, len))
		len--;
	buf[len] = '\0';
}

static int top_make(const struct titem *src, size_t n,
		    int (*cmp)(const void *, const void *), struct top_item **out, size_t *nout)
{
	struct titem *tmp;
	struct top_item *t;
	size_t i, k = n < REPORT_TOP ? n : REPORT_TOP;

	*out = NULL;
	*nout = 0;
	if (k == 0)
		return RR_OK;
	tmp = rr_malloc(n * sizeof *tmp);
	t = rr_calloc(k, sizeof *t);
	if (!tmp || !t) {
		rr_free(tmp);
		rr_free(t);
		return RR_ENOMEM;
	}
	memcpy(tmp, src, n * sizeof *tmp);
	qsort(tmp, n, sizeof *tmp, cmp);
	for (i = 0; i < k; i++) {
		const struct titem *it = &tmp[i];
		char label[256], a[16], b[16];

		t[i].table = (enum cat_table)it->table;
		t[i].id = it->id;
		t[i].p1 = it->p1;
		t[i].p2 = it->p2;
		t[i].severity = (enum severity)it->sev;
		t[i].count = it->count;
		t[i].users = it->user;
		if (it->table == CAT_SDK || it->table == CAT_WEBRTC) {
			if (it->e)
				entry_label(it->e, label, sizeof label);
			else
				catalog_format(NULL, CAT_SDK, it->id, it->p1, it->p2, label, sizeof label);
			param_text(it->p1, a, sizeof a, "N");
			param_text(it->p2, b, sizeof b, "M");
			snprintf(t[i].raw, sizeof t[i].raw, "%" PRId32 " (%s, %s)", it->id, a, b);
		} else {
			catalog_format(it->e, (enum cat_table)it->table, it->id, -1, -1, label,
				       sizeof label);
			snprintf(t[i].raw, sizeof t[i].raw, "%" PRId32, it->id);
		}
		t[i].label = rr_strndup(label, strlen(label));
		if (!t[i].label) {
			while (i-- > 0)
				rr_free(t[i].label);
			rr_free(t);
			rr_free(tmp);
			return RR_ENOMEM;
		}
	}
	rr_free(tmp);
	*out = t;
	*nout = k;
	return RR_OK;
}

/* The top lists from decode's key counts (scanned here when the caller
 * has none). */
int report_build_tops(struct report *r, const struct catalog *cat)
{
	const struct dataset *ds = r->ds;
	const struct decode_stats *dec = r->dec;
	struct decode_stats local;
	struct titem *ev = NULL, *ca = NULL;
	size_t i, nev = 0, nca = 0;
	int rc = RR_ENOMEM;

	if (!ds || !cat)
		return RR_OK;
	if (!dec) {
		rc = decode_scan(ds, cat, &local);
		if (rc != RR_OK)
			return rc;
		dec = &local;
	}
	if (dec->ncounts) {
		ev = rr_malloc(dec->ncounts * sizeof *ev);
		ca = rr_malloc(dec->ncounts * sizeof *ca);
		if (!ev || !ca) {
			rc = RR_ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < dec->ncounts; i++) {
		const struct decode_count *c = &dec->counts[i];
		int event = c->table == CAT_SDK || c->table == CAT_WEBRTC;
		struct titem *it = event ? &ev[nev++] : &ca[nca++];

		memset(it, 0, sizeof *it);
		it->table = (uint8_t)c->table;
		it->id = c->id;
		it->p1 = c->p1;
		it->p2 = c->p2;
		it->known = c->e != NULL;
		it->sev = (uint8_t)c->severity;
		it->e = c->e;
		it->count = c->rows;
		it->user = c->users;
	}
	rc = top_make(ev, nev, cmp_by_count, &r->top_events_by_count, &r->ntop_events_by_count);
	if (rc == RR_OK)
		rc = top_make(ev, nev, cmp_by_users, &r->top_events_by_users,
			      &r->ntop_events_by_users);
	if (rc == RR_OK)
		rc = top_make(ca, nca, cmp_by_count, &r->top_causes_by_count,
			      &r->ntop_causes_by_count);
	if (rc == RR_OK)
		rc = top_make(ca, nca, cmp_by_users, &r->top_causes_by_users,
			      &r->ntop_causes_by_users);
	if (rc == RR_OK)
		report_compare_tops(r, NULL);
out:
	rr_free(ev);
	rr_free(ca);
	if (dec == &local)
		decode_stats_free(&local);
	return rc;
}

/* ---- the top lists against a baseline ---- */

/* a - b, RR_NONE when either is. */
static int64_t pm_change(int64_t a, int64_t b)
{
	return a == RR_NONE || b == RR_NONE ? RR_NONE : a - b;
}

/* One list's rates per 1000 sessions, and the baseline's (b may be NULL). */
static void tops_compare(struct top_item *t, size_t n, int causes, uint32_t sessions,
			 const struct baseline *b)
{
	int64_t prev_sessions = b && b->have[HL_SESSIONS] ? b->value[HL_SESSIONS] : RR_NONE;

	for (size_t i = 0; i < n; i++) {
		const struct baseline_top *o = NULL;

		t[i].count_pm = report_per_mille(t[i].count, sessions);
		t[i].users_pm = report_per_mille(t[i].users, sessions);
		if (b && prev_sessions > 0)
			o = baseline_top_find(b, causes, cat_table_name(t[i].table), t[i].id,
					      t[i].p1 == CAT_ANY ? RR_NONE : t[i].p1,
					      t[i].p2 == CAT_ANY ? RR_NONE : t[i].p2);
		t[i].prev_count_pm = o ? report_per_mille(o->count, (uint64_t)prev_sessions) : RR_NONE;
		t[i].prev_users_pm = o && o->users != RR_NONE
				     ? report_per_mille((uint64_t)o->users, (uint64_t)prev_sessions)
				     : RR_NONE;
		t[i].count_pm_change = pm_change(t[i].count_pm, t[i].prev_count_pm);
		t[i].users_pm_change = pm_change(t[i].users_pm, t[i].prev_users_pm);
	}
}

void report_compare_tops(struct report *r, const struct baseline *b)
{
	tops_compare(r->top_events_by_count, r->ntop_events_by_count, 0, r->sessions, b);
	tops_compare(r->top_events_by_users, r->ntop_events_by_users, 0, r->sessions, b);
	tops_compare(r->top_causes_by_count, r->ntop_causes_by_count, 1, r->sessions, b);
	tops_compare(r->top_causes_by_users, r->ntop_causes_by_users, 1, r->sessions, b);
}

/* ---- worst calls ---- */

void report_call_badness(const struct model *m, uint32_t i, struct call_badness *k)
{
	const struct call *c = &m->calls[i];

	k->errors = c->findings[SEV_ERROR];
	k->warnings = c->findings[SEV_WARNING];
	k->bad = c->exits[EXIT_TIMEOUT] + c->exits[EXIT_KICKED] + c->exits[EXIT_ENTRY_FAILED];
	k->start = c->start_ms;
	k->idx = i;
}

int report_call_badness_cmp(const void *pa, const void *pb)
{
	const struct call_badness *a = pa, *b = pb;

	if (a->errors != b->errors)
		return a->errors > b->errors ? -1 : 1;
	if (a->warnings != b->warnings)
		return a->warnings > b->warnings ? -1 : 1;
	if (a->bad != b->bad)
		return a->bad > b->bad ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* report_call_badness_cmp is a total order (model order last), so keeping the best
 * REPORT_WORST while going gives the head of the full sort. */
int report_build_worst(struct report *r)
{
	const struct model *m = r->m;
	struct call_badness best[REPORT_WORST], k;
	uint32_t i, j, n = 0;

	for (i = 0; i < m->ncalls; i++) {
		const struct call *c = &m->calls[i];

		if (c->findings[SEV_ERROR] + c->findings[SEV_WARNING] == 0)
			continue;
		report_call_badness(m, i, &k);
		if (n == REPORT_WORST && report_call_badness_cmp(&k, &best[n - 1]) >= 0)
			continue;
		j = n < REPORT_WORST ? n++ : n - 1;
		for (; j > 0 && report_call_badness_cmp(&k, &best[j - 1]) < 0; j--)
			best[j] = best[j - 1];
		best[j] = k;
	}
	if (n == 0)
		return RR_OK;
	r->worst = rr_malloc((size_t)n * sizeof *r->worst);
	if (!r->worst)
		return RR_ENOMEM;
	for (i = 0; i < n; i++)
		r->worst[i] = best[i].idx;
	r->nworst = n;
	return RR_OK;
}


/* ---- experiences of rooms without events ---- */

void report_orphans_free(struct report *r)
{
	for (size_t i = 0; r->orphans && i < r->norphans; i++) {
		rr_free(r->orphans[i].label);
		rr_free(r->orphans[i].causes);
	}
	rr_free(r->orphans);
	r->orphans = NULL;
	r->norphans = 0;
}

static int cmp_u32_asc(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

/* Distinct values of v[0..n), which it sorts. */
static uint32_t count_distinct(uint32_t *v, size_t n)
{
	uint32_t d = 0;

	qsort(v, n, sizeof *v, cmp_u32_asc);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || v[i] != v[i - 1];
	return d;
}

/* The overview's list of orphan experiences, with their labels decoded
 * (cat NULL: "Unknown ..." labels, as catalog_format gives them). */
int report_build_orphans(struct report *r, const struct catalog *cat)
{
	const struct model *m = r->m;
	uint32_t n = m->norphan_exp, *ids;
	size_t k;

	r->norphan_total = n;
	if (n == 0)
		return RR_OK;
	if (!(ids = rr_malloc((size_t)n * sizeof *ids)))
		return RR_ENOMEM;
	for (k = 0; k < n; k++)
		ids[k] = m->experiences[m->first_orphan_exp + k].room;
	r->orphan_rooms = count_distinct(ids, n);
	for (k = 0; k < n; k++)
		ids[k] = m->experiences[m->first_orphan_exp + k].user;
	r->orphan_users = count_distinct(ids, n);
	rr_free(ids);

	k = n < REPORT_ORPHANS ? n : REPORT_ORPHANS;
	if (!(r->orphans = rr_calloc(k, sizeof *r->orphans)))
		return RR_ENOMEM;
	for (r->norphans = 0; r->norphans < k; r->norphans++) {
		struct orphan_exp *o = &r->orphans[r->norphans];
		const struct experience *x = &m->experiences[m->first_orphan_exp + r->norphans];
		const struct cat_entry *e = cat ? catalog_find_experience(cat, x->id) : NULL;
		char label[256];
		size_t len = 0;

		o->exp = m->first_orphan_exp + (uint32_t)r->norphans;
		catalog_format(e, CAT_EXPERIENCE, x->id, -1, -1, label, sizeof label);
		if (!(o->label = rr_strndup(label, strlen(label))))
			goto fail;
		/* Each label fits 256 bytes with its '\0'. */
		if (!(o->causes = rr_malloc((size_t)(x->ncauses ? x->ncauses : 1) * sizeof label)))
			goto fail;
		for (uint32_t c = 0; c < x->ncauses; c++) {
			const struct cause *cs = &m->causes[x->first_cause + c];
			const struct strtab *st = r->ds->strs;

			/* As findings word them: a peer's cause at that peer or
			 * on its stream. */
			catalog_cause_phrase(cat, cs->id, cs->peer ? strtab_str(st, cs->peer) : NULL,
					     cs->peer ? strtab_len(st, cs->peer) : 0, o->causes + len,
					     sizeof label);
			if (o->causes[len] >= 'a' && o->causes[len] <= 'z')
				o->causes[len] = (char)(o->causes[len] - 'a' + 'A');   /* a list item */
			len += strlen(o->causes + len) + 1;
		}
		o->ncauses = x->ncauses;
	}
	return RR_OK;
fail:
	r->norphans++;       /* the one being made is freed too */
	report_orphans_free(r);
	return RR_ENOMEM;
}
