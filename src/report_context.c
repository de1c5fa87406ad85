/*
 * report_context — what went with the problem exits (issue 16 item 3,
 * README "Weekly report"): of the sessions that timed out, were kicked or
 * failed to enter, how many had, in the window before their exit
 * (session_context_window), a network loss or change, the app in the
 * background, a device or permission failure (the session's own events:
 * session.context, set by the walk) or an abnormal experience of the same
 * user in the same call (EventTime in the window; a sample), and how many
 * had none of them. With a baseline, the same counts of the earlier run and
 * where the rise of an exit's rate is: among the exits with a network loss
 * or change before them, or among those without.
 * Reads only the model (sessions, calls, experiences), so a split run
 * (--max-memory) gives the same figures as one in memory. Nothing is
 * allocated: the per-call list of problem sessions lives in the scratch.
 * Does not: decide anything about a single session (sessions_context.c),
 * word or render the sentences (render_context.c).
 */
#include "report_int.h"

#include "baseline.h"

static const char *const exit_key[CX__COUNT] = { "timeouts", "kicks", "entry_failed" };
static const char *const kind_key[CK__COUNT] = {
	"network_loss", "network_change", "background", "device_or_permission",
	"abnormal_experience", "network", "any" };
static const enum headline_id exit_hl[CX__COUNT] = {
	HL_TIMEOUTS_PM, HL_KICKS_PM, HL_ENTRY_FAILED_PM };

const char *report_cx_exit_key(enum cx_exit e)
{
	return (unsigned)e < CX__COUNT ? exit_key[e] : "";
}

const char *report_cx_kind_key(enum cx_kind k)
{
	return (unsigned)k < CK__COUNT ? kind_key[k] : "";
}

enum headline_id report_cx_exit_headline(enum cx_exit e)
{
	return (unsigned)e < CX__COUNT ? exit_hl[e] : HL_TIMEOUTS_PM;
}

/* The row of exit reason e, or -1 for the other exits. */
static int cx_of_exit(unsigned e)
{
	return e == EXIT_TIMEOUT ? CX_TIMEOUT : e == EXIT_KICKED ? CX_KICKED
	       : e == EXIT_ENTRY_FAILED ? CX_ENTRY_FAILED : -1;
}

/* Whether experience x is of problem session s's user and in its window. */
static int exp_before(const struct experience *x, const struct session *s)
{
	int64_t from, to;

	if (x->user != s->user)
		return 0;
	session_context_window(s, &from, &to);
	return x->time_ms >= from && x->time_ms <= to;
}

/* Flags (flags[k] = 1) the problem sessions of the call
 * (indexes in idx[0..n)) that have experience x in their window. */
static void exp_mark(const struct model *m, const struct experience *x, const uint32_t *idx,
		     size_t n, uint8_t *flags)
{
	for (size_t k = 0; k < n; k++)
		if (exp_before(x, &m->sessions[idx[k]]))
			flags[k] = 1;
}

/* Counts session s (flags: its context bits, plus an experience) in row. */
static void row_count(struct context_row *row, unsigned bits, int exp)
{
	static const unsigned kbit[CK_EXPERIENCE] = { SCTX_NET_LOSS, SCTX_NET_CHANGE,
						      SCTX_BACKGROUND, SCTX_DEVICE };
	int any = exp;

	row->sessions++;
	for (int k = 0; k < CK_EXPERIENCE; k++)
		if (bits & kbit[k]) {
			row->with[k]++;
			any = 1;
		}
	row->with[CK_EXPERIENCE] += exp ? 1 : 0;
	row->with[CK_NETWORK] += bits & (SCTX_NET_LOSS | SCTX_NET_CHANGE) ? 1 : 0;
	row->with[CK_ANY] += any ? 1 : 0;
}

/* The problem sessions of call c: the experiences of its sessions and of
 * the call itself against them. idx and flags hold nsessions each. */
static void count_call(struct report *r, const struct call *c, uint32_t *idx, uint8_t *flags)
{
	const struct model *m = r->m;
	size_t n = 0;

	for (uint32_t k = 0; k < c->nsessions; k++) {
		uint32_t si = c->first_session + k;

		if (cx_of_exit(m->sessions[si].exit) >= 0) {
			idx[n] = si;
			flags[n++] = 0;
		}
	}
	if (n == 0)
		return;
	for (uint32_t k = 0; k < c->nsessions; k++) {
		const struct session *s = &m->sessions[c->first_session + k];

		for (uint32_t e = 0; e < s->nexp; e++)
			exp_mark(m, &m->experiences[s->first_exp + e], idx, n, flags);
	}
	for (uint32_t e = 0; e < c->nexp; e++)
		exp_mark(m, &m->experiences[c->first_exp + e], idx, n, flags);
	for (size_t k = 0; k < n; k++) {
		const struct session *s = &m->sessions[idx[k]];

		row_count(&r->context[cx_of_exit(s->exit)], s->context, flags[k]);
	}
}

/* The shares of a row's counts (also the baseline's, when it has them). */
static void row_shares(struct context_row *row)
{
	for (int k = 0; k < CK__COUNT; k++) {
		row->share_pm[k] = report_per_mille(row->with[k], row->sessions);
		row->prev_share_pm[k] = row->has_previous
					? report_per_mille(row->prev_with[k], row->prev_sessions)
					: RR_NONE;
	}
	row->none = row->sessions - row->with[CK_ANY];
	row->none_pm = report_per_mille(row->none, row->sessions);
	row->prev_none = row->has_previous ? row->prev_sessions - row->prev_with[CK_ANY] : 0;
	row->prev_none_pm = row->has_previous ? report_per_mille(row->prev_none, row->prev_sessions)
			    : RR_NONE;
}

int report_build_context(struct report *r, struct scratch *x)
{
	const struct model *m = r->m;
	uint32_t *idx = x->order;
	/* The flags ride in the second index array (one byte each). */
	uint8_t *flags = (uint8_t *)x->u;

	memset(r->context, 0, sizeof r->context);
	for (uint32_t c = 0; c < m->ncalls; c++)
		count_call(r, &m->calls[c], idx, flags);
	for (int e = 0; e < CX__COUNT; e++) {
		struct context_row *row = &r->context[e];

		row->net_pm[1] = report_per_mille(row->with[CK_NETWORK], r->sessions);
		row->net_pm[0] = report_per_mille(row->sessions - row->with[CK_NETWORK], r->sessions);
		row->prev_net_pm[0] = row->prev_net_pm[1] = RR_NONE;
		row_shares(row);
	}
	return RR_OK;
}

/* Where the rise of row's exit rate is, when its headline figure h is
 * marked as a regression (see struct context_row). */
static void rise_of(struct context_row *row, const struct headline *h)
{
	int64_t dw, dwo, d;

	row->rise = CXR_NONE;
	row->rise_without_pm = RR_NONE;
	if (!h->regression || row->net_pm[0] == RR_NONE || row->prev_net_pm[0] == RR_NONE)
		return;
	dwo = row->net_pm[0] - row->prev_net_pm[0];
	dw = row->net_pm[1] - row->prev_net_pm[1];
	d = dwo + dw;
	if (d <= 0)
		return;
	/* dwo * 1000 / d rounded half away from zero; both are small. */
	row->rise_without_pm = dwo >= 0 ? (dwo * 2000 + d) / (2 * d) : -((-dwo * 2000 + d) / (2 * d));
	row->rise = row->rise_without_pm >= REPORT_CX_RISE_PM ? CXR_WITHOUT
		    : row->rise_without_pm <= 1000 - REPORT_CX_RISE_PM ? CXR_WITH : CXR_BOTH;
}

void report_compare_context(struct report *r, const struct baseline *b)
{
	int64_t prev_sessions = b && b->have[HL_SESSIONS] ? b->value[HL_SESSIONS] : RR_NONE;

	for (int e = 0; e < CX__COUNT; e++) {
		struct context_row *row = &r->context[e];
		const struct baseline_context *o = b && b->has_context ? &b->context[e] : NULL;

		row->has_previous = o && o->has;
		row->prev_sessions = row->has_previous ? o->sessions : 0;
		for (int k = 0; k < CK__COUNT; k++)
			row->prev_with[k] = row->has_previous ? o->with[k] : 0;
		row->prev_net_pm[0] = row->prev_net_pm[1] = RR_NONE;
		if (row->has_previous && prev_sessions > 0 &&
		    row->prev_with[CK_NETWORK] <= row->prev_sessions) {
			row->prev_net_pm[1] = report_per_mille(row->prev_with[CK_NETWORK],
							       (uint64_t)prev_sessions);
			row->prev_net_pm[0] = report_per_mille(
				row->prev_sessions - row->prev_with[CK_NETWORK], (uint64_t)prev_sessions);
		}
		row_shares(row);
		rise_of(row, &r->headline[exit_hl[e]]);
	}
}
