/*
 * report_weekly — the weekly report's own figures: the users with problems,
 * the headline figures, and their comparison with a baseline (report_compare).
 * Does not: read or write the baseline file (baseline) or format (render).
 */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "stats.h"
#include "util.h"

/* ---- problem users ---- */

/* A user with problems and the ID text for the final order. */
struct pkey {
	struct problem_user u;
	const char *name;
	size_t len;
};

static int cmp_pkey(const void *pa, const void *pb)
{
	const struct pkey *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->u.errors != b->u.errors)
		return a->u.errors > b->u.errors ? -1 : 1;
	if (a->u.warnings != b->u.warnings)
		return a->u.warnings > b->u.warnings ? -1 : 1;
	if (a->u.sessions != b->u.sessions)
		return a->u.sessions > b->u.sessions ? -1 : 1;
	c = n ? memcmp(a->name, b->name, n) : 0;
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->u.user < b->u.user ? -1 : a->u.user > b->u.user;
}

/* One user's figures while going over the sessions. */
struct uacc {
	uint32_t sessions, calls, errors, warnings, timeouts, kicks, entry_failed;
	uint32_t last_call;    /* call of the user's latest session so far */
};

/*
 * One pass over the sessions (model order) sums each user's figures in an
 * array over the ids; a user's calls are the changes of call along their
 * sessions. Then the users in id order: cmp_pkey is a total order, so
 * keeping the best REPORT_PROBLEM_USERS while going gives the head of the
 * full sort. Memory: 32 bytes per id while it runs.
 */
int report_build_problem_users(struct report *r, uint32_t nmark)
{
	const struct model *m = r->m;
	const struct strtab *st = r->ds ? r->ds->strs : NULL;
	struct pkey best[REPORT_PROBLEM_USERS];
	struct uacc *acc;
	size_t nbest = 0, j;
	uint32_t i, k, id;

	if (m->nsessions == 0)
		return RR_OK;
	acc = rr_calloc(nmark, sizeof *acc);
	if (!acc)
		return RR_ENOMEM;
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];
		struct uacc *a = &acc[s->user];

		a->calls += a->sessions == 0 || s->call != a->last_call;
		a->last_call = s->call;
		a->sessions++;
		for (k = 0; k < s->nfindings; k++) {
			enum severity sev = m->findings[s->first_finding + k].severity;

			a->errors += sev == SEV_ERROR;
			a->warnings += sev == SEV_WARNING;
		}
		a->timeouts += s->exit == EXIT_TIMEOUT;
		a->kicks += s->exit == EXIT_KICKED;
		a->entry_failed += s->exit == EXIT_ENTRY_FAILED;
	}
	for (id = 0; id < nmark; id++) {
		const struct uacc *a = &acc[id];
		struct pkey p;

		if ((uint64_t)a->errors + a->warnings + a->timeouts + a->kicks +
		    a->entry_failed == 0)
			continue;
		memset(&p, 0, sizeof p);
		p.u.user = id;
		p.u.sessions = a->sessions;
		p.u.calls = a->calls;
		p.u.errors = a->errors;
		p.u.warnings = a->warnings;
		p.u.timeouts = a->timeouts;
		p.u.kicks = a->kicks;
		p.u.entry_failed = a->entry_failed;
		if (nbest == REPORT_PROBLEM_USERS && (p.u.errors < best[nbest - 1].u.errors ||
		    (p.u.errors == best[nbest - 1].u.errors &&
		     p.u.warnings < best[nbest - 1].u.warnings)))
			continue;   /* cannot place: skip the name lookup */
		p.name = st ? strtab_str(st, id) : "";
		p.len = st ? strtab_len(st, id) : 0;
		if (nbest == REPORT_PROBLEM_USERS && cmp_pkey(&p, &best[nbest - 1]) >= 0)
			continue;
		j = nbest < REPORT_PROBLEM_USERS ? nbest++ : nbest - 1;
		for (; j > 0 && cmp_pkey(&p, &best[j - 1]) < 0; j--)
			best[j] = best[j - 1];
		best[j] = p;
	}
	rr_free(acc);
	if (nbest > 0) {
		r->problem_users = rr_malloc(nbest * sizeof *r->problem_users);
		if (!r->problem_users)
			return RR_ENOMEM;
		for (j = 0; j < nbest; j++)
			r->problem_users[j] = best[j].u;
		r->nproblem_users = nbest;
	}
	return RR_OK;
}

/* ---- headline figures and the baseline ---- */

static const struct {
	const char *key, *label;
	int8_t better;
	uint8_t absolute, sampled;
} headline_def[HL__COUNT] = {
	[HL_CALLS] = { "calls", "Calls", 0, 0, 0 },
	[HL_SESSIONS] = { "sessions", "Sessions", 0, 0, 0 },
	[HL_USERS] = { "users", "Users", 0, 0, 0 },
	[HL_USER_MS] = { "user_ms", "User time", 0, 0, 0 },
	[HL_ENTRY_SUCCESS_PM] = { "entry_success_pm", "Entry success", 1, 1, 0 },
	[HL_ENTRY_FAST_PM] = { "entry_within_5s_pm", "Entered within 5 s", 1, 1, 0 },
	[HL_ENTRY_LATENCY_P50] = { "entry_latency_p50_ms", "Entry latency p50", -1, 0, 0 },
	[HL_ENTRY_LATENCY_P95] = { "entry_latency_p95_ms", "Entry latency p95", -1, 0, 0 },
	[HL_FIRST_FRAME_P50] = { "first_frame_p50_ms", "Time to first frame p50", -1, 0, 0 },
	[HL_TIMEOUTS_PM] = { "timeouts_pm", "Timeouts per 1000 sessions", -1, 0, 0 },
	[HL_KICKS_PM] = { "kicks_pm", "Kicks per 1000 sessions", -1, 0, 0 },
	[HL_ENTRY_FAILED_PM] = { "entry_failed_pm", "Entry failures per 1000 sessions", -1, 0, 0 },
	[HL_NO_EXIT_PM] = { "no_exit_pm", "No exit recorded per 1000 sessions", -1, 0, 0 },
	[HL_EXPERIENCES_PER_100_X10] = { "abnormal_experiences_per_100_x10",
					  "Abnormal experiences per 100 sessions (sample)", -1, 0, 1 },
};

const char *report_headline_key(enum headline_id id)
{
	return (unsigned)id < HL__COUNT ? headline_def[id].key : "";
}

void report_build_headline(struct report *r, int64_t first_frame_p50)
{
	int64_t v[HL__COUNT];
	int i;

	v[HL_CALLS] = r->calls;
	v[HL_SESSIONS] = r->sessions;
	v[HL_USERS] = r->users;
	v[HL_USER_MS] = r->user_ms;
	v[HL_ENTRY_SUCCESS_PM] = r->entry_success_pm;
	v[HL_ENTRY_FAST_PM] = r->entry_fast_pm;
	v[HL_ENTRY_LATENCY_P50] = r->entry_latency.p50;
	v[HL_ENTRY_LATENCY_P95] = r->entry_latency.p95;
	v[HL_FIRST_FRAME_P50] = first_frame_p50;
	v[HL_TIMEOUTS_PM] = report_per_mille(r->exits[EXIT_TIMEOUT], r->sessions);
	v[HL_KICKS_PM] = report_per_mille(r->exits[EXIT_KICKED], r->sessions);
	v[HL_ENTRY_FAILED_PM] = report_per_mille(r->exits[EXIT_ENTRY_FAILED], r->sessions);
	v[HL_NO_EXIT_PM] = report_per_mille(r->exits[EXIT_UNKNOWN], r->sessions);
	/* Only experiences of the calls the sessions are in: orphans (rooms
	 * whose events were not given) have no sessions in the denominator. */
	v[HL_EXPERIENCES_PER_100_X10] = report_per_mille(r->abnormal_experiences - r->m->norphan_exp,
						  r->sessions);
	for (i = 0; i < HL__COUNT; i++) {
		struct headline *h = &r->headline[i];

		h->key = headline_def[i].key;
		h->label = headline_def[i].label;
		h->better = headline_def[i].better;
		h->absolute = headline_def[i].absolute;
		h->sampled = headline_def[i].sampled;
		h->value = v[i];
		h->previous = h->change = h->change_pm = RR_NONE;
		h->regression = 0;
	}
}

/* a - b, or RR_NONE when either is absent or the difference overflows. */
static int64_t safe_sub(int64_t a, int64_t b)
{
	if (a == RR_NONE || b == RR_NONE)
		return RR_NONE;
	if ((b > 0 && a < INT64_MIN + b) || (b < 0 && a > INT64_MAX + b))
		return RR_NONE;
	return a - b;
}

static uint64_t mag(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* change * 1000 / previous rounded half away from zero; RR_NONE when
 * either is absent or previous is 0. */
static int64_t change_per_mille(int64_t change, int64_t previous)
{
	uint64_t num, den = mag(previous), q;
	int neg;

	if (change == RR_NONE || previous == RR_NONE || previous == 0)
		return RR_NONE;
	neg = (change < 0) != (previous < 0);
	num = mag(change);
	if (num <= (uint64_t)INT64_MAX / 2000) {
		q = (num * 2000 + den) / (den * 2);
	} else {
		long double x = (long double)num * 1000.0L / (long double)den + 0.5L;

		q = x >= (long double)INT64_MAX ? (uint64_t)INT64_MAX : (uint64_t)x;
	}
	if (q > (uint64_t)INT64_MAX)
		q = (uint64_t)INT64_MAX;
	return neg ? -(int64_t)q : (int64_t)q;
}

/* The headline's regression rule: a figure that moved the worse way by
 * more than the threshold. Absolute figures are per mille: threshold/5
 * points is threshold*2 per mille. Others: more than threshold percent of
 * the previous value (any worsening from 0 counts). */
static int regressed(int8_t better, int absolute, int64_t change, int64_t previous,
		     int threshold_pct)
{
	long double thr = threshold_pct > 0 ? threshold_pct : 0;
	int worse;

	if (better == 0 || change == RR_NONE)
		return 0;
	worse = better > 0 ? change < 0 : change > 0;
	if (!worse)
		return 0;
	if (absolute)
		return (long double)mag(change) > thr * 2;
	return (long double)mag(change) * 100 > thr * (long double)mag(previous);
}

static const enum headline_id bd_figure_hl[BF__COUNT] = {
	[BF_ENTRY_SUCCESS_PM] = HL_ENTRY_SUCCESS_PM, [BF_ENTRY_FAST_PM] = HL_ENTRY_FAST_PM,
	[BF_TIMEOUTS_PM] = HL_TIMEOUTS_PM, [BF_KICKS_PM] = HL_KICKS_PM,
	[BF_ENTRY_FAILED_PM] = HL_ENTRY_FAILED_PM, [BF_NO_EXIT_PM] = HL_NO_EXIT_PM,
	[BF_ENTRY_LATENCY_P50] = HL_ENTRY_LATENCY_P50, [BF_ENTRY_LATENCY_P95] = HL_ENTRY_LATENCY_P95,
	[BF_FIRST_FRAME_P50] = HL_FIRST_FRAME_P50,
};

enum headline_id report_bd_figure_headline(enum bd_figure f)
{
	return (unsigned)f < BF__COUNT ? bd_figure_hl[f] : HL_SESSIONS;
}

const char *report_bd_figure_key(enum bd_figure f)
{
	return (unsigned)f < BF__COUNT ? headline_def[bd_figure_hl[f]].key : "";
}

const char *report_bd_dim_key(enum bd_dim d)
{
	static const char *const key[BDIM__COUNT] = {
		[BDIM_PLATFORM] = "platform", [BDIM_DEVICE] = "device",
		[BDIM_SDK] = "sdk_version", [BDIM_NETWORK] = "network", [BDIM_APP] = "app" };

	return (unsigned)d < BDIM__COUNT ? key[d] : "";
}

/* The count of figure f's sessions and its denominator in this week's
 * row. Returns 0 for a percentile (not a share of sessions). */
static int row_share(const struct breakdown *row, int f, uint64_t *x, uint64_t *n)
{
	const uint32_t xs[BF_ENTRY_LATENCY_P50] = {
		row->entered, row->fast, row->timeouts, row->kicks, row->entry_failed, row->no_exit };
	const uint32_t ns[BF_ENTRY_LATENCY_P50] = {
		row->entry_observed, row->entry_latency.n, row->sessions, row->sessions,
		row->sessions, row->sessions };

	if (f >= BF_ENTRY_LATENCY_P50)
		return 0;
	*x = xs[f];
	*n = ns[f];
	return 1;
}

/* The same in the baseline's row: its counts as it wrote them; when one
 * is absent (within 5 s in runs that did not write "entry_within_5s"),
 * the rate times the denominator, rounded. Returns 0 when the
 * denominator or the rate is unknown, or for a percentile. */
static int old_share(const struct baseline_bd_row *o, int f, uint64_t *x, uint64_t *n)
{
	static const int8_t xc[BF_ENTRY_LATENCY_P50] = {
		BC_ENTERED, BC_FAST, BC_TIMEOUTS, BC_KICKS, BC_ENTRY_FAILED, BC_NO_EXIT };
	static const int8_t nc[BF_ENTRY_LATENCY_P50] = {
		BC_ENTRY_OBSERVED, BC_LATENCY_N, -1, -1, -1, -1 };

	if (f >= BF_ENTRY_LATENCY_P50)
		return 0;
	if (nc[f] >= 0 ? !o->has_count[nc[f]] : !o->has_sessions)
		return 0;
	*n = nc[f] >= 0 ? o->count[nc[f]] : o->sessions;
	if (xc[f] >= 0 && o->has_count[xc[f]]) {
		*x = o->count[xc[f]];
		return *x <= *n;
	}
	if (!o->have[f] || o->value[f] < 0 || o->value[f] > 1000)
		return 0;
	*x = ((uint64_t)o->value[f] * *n + 500) / 1000;
	return 1;
}

/* The row's share f against the baseline's row: a pooled two-proportion
 * test, two-sided; its p, or -1 when no test is made (percentiles, counts
 * unknown). */
static double chance_p(const struct breakdown *row, const struct baseline_bd_row *o, int f)
{
	uint64_t x0, n0, x1, n1;

	if (!o || !row_share(row, f, &x1, &n1) || !old_share(o, f, &x0, &n0))
		return -1.0;
	return stat_two_prop_p(x0, n0, x1, n1);
}

/* One row against the baseline's row of its dimension and key: marked
 * when worse by the headline's rule and beyond chance, never when small. */
static void compare_row(struct breakdown *row, const struct baseline_bd_row *old,
			int threshold_pct)
{
	int f;

	row->has_previous = old != NULL;
	row->prev_sessions = old && old->has_sessions ? old->sessions : 0;
	row->small = row->sessions < REPORT_BD_MIN_SESSIONS ||
		     (old && row->prev_sessions < REPORT_BD_MIN_SESSIONS);
	for (f = 0; f < BF__COUNT; f++) {
		enum headline_id h = bd_figure_hl[f];
		double p = row->small ? -1.0 : chance_p(row, old, f);

		row->previous[f] = old && old->have[f] ? old->value[f] : RR_NONE;
		row->change[f] = safe_sub(row->value[f], row->previous[f]);
		row->p_raw[f] = row->p_holm[f] = p;
		/* Beyond chance is decided over the page (report_breakdown_holm). */
		row->regression[f] = p >= 0.0 &&
			regressed(headline_def[h].better, headline_def[h].absolute, row->change[f],
				  row->previous[f], threshold_pct);
	}
}

void report_compare_breakdowns(struct report *r, const struct baseline *b, int threshold_pct)
{
	struct breakdown *rows[BDIM__COUNT] = { r->by_platform, r->by_device, r->by_sdk,
						 r->by_network, r->by_app };
	size_t n[BDIM__COUNT] = { r->nby_platform, r->nby_device, r->nby_sdk, r->nby_network,
				  r->nby_app };

	for (int d = 0; d < BDIM__COUNT; d++)
		for (size_t i = 0; i < n[d]; i++)
			compare_row(&rows[d][i], b ? baseline_bd_find(b, d, rows[d][i].key) : NULL,
				    threshold_pct);
	report_breakdown_holm(r);
}

void report_compare(struct report *r, const struct baseline *b, const char *name,
		    int threshold_pct)
{
	size_t len;
	int i;

	for (i = 0; i < HL__COUNT; i++) {
		struct headline *h = &r->headline[i];

		h->previous = b && b->have[i] ? b->value[i] : RR_NONE;
		h->change = safe_sub(h->value, h->previous);
		h->change_pm = h->change == RR_NONE ? RR_NONE
			       : change_per_mille(h->change, h->previous);
		h->regression = 0;
		/* A sample's rate moves with the sampling as much as with the
		 * calls: shown with its change, never marked. */
		if (!h->sampled)
			h->regression = (uint8_t)regressed(h->better, h->absolute, h->change,
							   h->previous, threshold_pct);
	}
	report_compare_breakdowns(r, b, threshold_pct);
	report_compare_context(r, b);
	report_compare_tops(r, b);
	r->has_baseline = 1;
	if (!name)
		name = "";
	len = strlen(name);
	if (len >= sizeof r->baseline_name)
		len = utf8_cut(name, sizeof r->baseline_name - 1);
	memcpy(r->baseline_name, name, len);
	r->baseline_name[len] = '\0';
}

int report_set_trend(struct report *r, const struct trend_run *runs, size_t n)
{
	rr_free(r->trend);
	r->trend = NULL;
	r->ntrend = 0;
	if (n == 0)
		return RR_OK;
	r->trend = rr_malloc(n * sizeof *r->trend);
	if (!r->trend)
		return RR_ENOMEM;
	memcpy(r->trend, runs, n * sizeof *r->trend);
	r->ntrend = n;
	return RR_OK;
}
