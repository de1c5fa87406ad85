/*
 * report_breakdown — the overview's breakdown tables: sessions, users, entry
 * success and latency grouped by platform, network, device type and SDK
 * version, the largest groups first and the rest summed in one row.
 * Does not: compute totals (report.c) or format the table (render).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- breakdowns ---- */


/* A key's sessions: n of them; after the grouping their users are
 * x->u[first, first + n) and their nl latencies x->v[first, first + nl). */
struct bgroup {
	const char *text;
	uint32_t key;
	uint32_t first, n;
	uint32_t nl, entered, entry_observed, timeouts;
};

static int cmp_bgroup(const void *pa, const void *pb)
{
	const struct bgroup *a = pa, *b = pb;
	int c;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	c = strcmp(a->text, b->text);
	if (c)
		return c;
	return a->key < b->key ? -1 : a->key > b->key;
}

static const char *bd_text(const struct report *r, enum bd_kind k, uint32_t key)
{
	if (k == BD_PLATFORM)
		return platform_name((enum platform)key);
	if (k == BD_NETWORK) {
		const char *t = key ? network_name((int32_t)key - 1) : "(not reported)";

		return t ? t : "(unknown)";
	}
	return key ? strtab_str(r->ds->strs, key) : "(not given)";
}

static uint32_t bd_key(enum bd_kind kind, const struct session *s)
{
	return kind == BD_PLATFORM ? s->platform : kind == BD_NETWORK ? s->network
	       : kind == BD_DEVICE ? s->device : s->sdk;
}

/* Fills one row from groups g[0..ng) (one group, or all the "(other)"
 * ones, whose user segments are adjacent; their latencies are moved
 * together first, towards the front, so none is overwritten unread). */
static int bd_row(struct scratch *x, const struct bgroup *g, size_t ng, const char *text,
		  struct breakdown *row)
{
	size_t i, j, nl = 0, nu = 0;

	memset(row, 0, sizeof *row);
	for (i = 0; i < ng; i++) {
		memmove(x->v + g[0].first + nl, x->v + g[i].first, g[i].nl * sizeof *x->v);
		nl += g[i].nl;
		nu += g[i].n;
		row->sessions += g[i].n;
		row->entered += g[i].entered;
		row->entry_observed += g[i].entry_observed;
		row->timeouts += g[i].timeouts;
	}
	marks_next(x);
	for (j = 0; j < nu; j++)
		row->users += mark_new(x, x->u[g[0].first + j]);
	report_latency_of(x->v + g[0].first, nl, &row->entry_latency);
	row->key = rr_strndup(text, strlen(text));
	return row->key ? RR_OK : RR_ENOMEM;
}

void report_breakdown_free(struct breakdown **b, size_t *n)
{
	size_t i;

	for (i = 0; *b && i < *n; i++)
		rr_free((*b)[i].key);
	rr_free(*b);
	*b = NULL;
	*n = 0;
}

/* Sessions grouped by key, most sessions first (ties: key text), at most
 * REPORT_BREAKDOWN rows and then one "(other)" row summing the rest, with
 * distinct users counted over the rest as a whole. Keys map to groups
 * through a small table (platforms, networks) or, for strtab ids, an array
 * as long as the largest id. A first pass over the sessions counts each
 * key's; a second puts their users and latencies in their group's segment
 * (groups in rank order) and sums the rest, so the rows read only those. */
int report_build_breakdown(struct report *r, struct scratch *x, enum bd_kind kind,
			   struct breakdown **out, size_t *nout)
{
	const struct model *m = r->m;
	uint32_t n = m->nsessions, ng = 0, i, key, pos, small[256];
	uint32_t *map = small;
	struct bgroup *g = NULL;
	size_t capg = 0, rows;
	int rc = RR_ENOMEM;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return RR_OK;
	/* map[key] = 1 + its group. Platforms and networks are bytes; the
	 * scratch's marks cover every strtab id of the model. */
	if (kind == BD_DEVICE || kind == BD_SDK) {
		map = rr_calloc(x->nmark, sizeof *map);
		if (!map)
			return RR_ENOMEM;
	} else {
		memset(small, 0, sizeof small);
	}
	for (i = 0; i < n; i++) {
		key = bd_key(kind, &m->sessions[i]);
		if (!map[key]) {
			if (rr_grow(&g, &capg, (size_t)ng + 1, sizeof *g) != RR_OK)
				goto done;
			memset(&g[ng], 0, sizeof g[ng]);
			g[ng].key = key;
			g[ng].text = bd_text(r, kind, key);
			map[key] = ++ng;
		}
		g[map[key] - 1].n++;
	}
	qsort(g, ng, sizeof *g, cmp_bgroup);
	for (i = 0, pos = 0; i < ng; i++) {
		map[g[i].key] = i + 1;
		g[i].first = pos;
		pos += g[i].n;
		g[i].n = 0;   /* counted again as the segment fills */
	}
	for (i = 0; i < n; i++) {
		const struct session *s = &m->sessions[i];
		struct bgroup *gi = &g[map[bd_key(kind, s)] - 1];

		x->u[gi->first + gi->n++] = s->user;
		gi->entered += s->entered;
		gi->entry_observed += s->entry_observed;
		gi->timeouts += s->exit == EXIT_TIMEOUT;
		if (s->entry_latency_ms != RR_NONE)
			x->v[gi->first + gi->nl++] = s->entry_latency_ms;
	}
	rows = ng > REPORT_BREAKDOWN ? REPORT_BREAKDOWN + 1 : ng;
	*out = rr_calloc(rows, sizeof **out);
	if (!*out)
		goto done;
	rc = RR_OK;
	for (i = 0; i < rows; i++) {
		int last = i == REPORT_BREAKDOWN;

		rc = bd_row(x, g + i, last ? ng - i : 1, last ? "(other)" : g[i].text, &(*out)[i]);
		*nout = i + 1;   /* so a failure frees what was made */
		if (rc != RR_OK)
			break;
	}
	if (rc != RR_OK)
		report_breakdown_free(out, nout);
done:
	if (map != small)
		rr_free(map);
	rr_free(g);
	return rc;
}
