/*
 * render_changes — the overview's "What changed" block, at the top of the
 * headline section: one paragraph per headline figure that moved beyond
 * the threshold against the baseline, naming the segments that account for
 * the move (report_changes), each linked to its breakdown row, and the
 * dimensions in which no segment stands out; or that nothing moved.
 * Without a baseline, "Where this week stands out" in its place: one
 * sentence per segment whose rate differs from the rest of its breakdown
 * (report_standouts_build), or that none does.
 * Does not: compute anything (report_changes.c does) or touch libxml2's
 * structs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "util.h"

/* A segment named in a sentence: "SDK 11.5.0", "Device type iPhone14,2". */
static const char *const dim_name[BDIM__COUNT] = {
	[BDIM_PLATFORM] = "Platform", [BDIM_DEVICE] = "Device type", [BDIM_SDK] = "SDK",
	[BDIM_NETWORK] = "Network", [BDIM_APP] = "App" };
/* A dimension in "No platform, device type ... stands out". */
static const char *const dim_plain[BDIM__COUNT] = {
	[BDIM_PLATFORM] = "platform", [BDIM_DEVICE] = "device type",
	[BDIM_SDK] = "SDK version", [BDIM_NETWORK] = "network type", [BDIM_APP] = "app" };

/* What the figure's sessions are: those it counts. */
static const char *sessions_noun(enum bd_figure f)
{
	switch (f) {
	case BF_ENTRY_SUCCESS_PM:
		return "sessions with the entry seen";
	case BF_ENTRY_FAST_PM: case BF_ENTRY_LATENCY_P50: case BF_ENTRY_LATENCY_P95:
		return "sessions with an entry latency";
	case BF_FIRST_FRAME_P50:
		return "sessions with a first frame";
	default:
		return "sessions";
	}
}

/* A value of figure f: "75", "94.6 %", "2.3 s". */
static void fig_value(enum bd_figure f, int64_t v, char *b, size_t n)
{
	if (f == BF_ENTRY_SUCCESS_PM || f == BF_ENTRY_FAST_PM)
		fmt_value(U_PM, v, b, n);
	else if (f >= BF_ENTRY_LATENCY_P50)
		fmt_value(U_MS, v, b, n);
	else
		fmt_value(U_COUNT, v, b, n);
}

/* After a per-1000 value: " per 1000 sessions"; else nothing. */
static const char *fig_unit(enum bd_figure f)
{
	return f >= BF_TIMEOUTS_PM && f <= BF_NO_EXIT_PM ? " per 1000 sessions" : "";
}

/* A count with thousands separators: "6,664". */
static void fmt_count(uint64_t v, char *b, size_t n)
{
	char t[32];
	size_t len = (size_t)snprintf(t, sizeof t, "%" PRIu64, v), o = 0;

	for (size_t i = 0; i < len && o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			b[o++] = ',';
		b[o++] = t[i];
	}
	b[o] = '\0';
}

/* Per mille as a whole percentage: "29 %". */
static void fmt_share(int64_t pm, char *b, size_t n)
{
	snprintf(b, n, "%" PRId64 " %%", (pm + 5) / 10);
}

/* "SDK 11.5.0", the key linked to row (0-based) of dimension d's
 * breakdown, or not linked when row < 0. */
static void seg_link(struct page *p, xmlNodePtr parent, enum bd_dim d, int32_t row,
		     const char *key)
{
	char id[64];
	xmlNodePtr a;

	add_text(p, parent, dim_name[d]);
	add_text(p, parent, " ");
	if (row < 0) {
		add_el_text(p, parent, "span", "id key", key);
		return;
	}
	snprintf(id, sizeof id, "#bd-%s-%" PRId32, report_bd_dim_key(d), row + 1);
	a = add_el(p, parent, "a", "id key");
	set_attr(p, a, "href", id);
	add_text(p, a, key);
}

/* The segment's name, linked to its breakdown row when it has one this
 * week. */
static void segment_name(struct page *p, xmlNodePtr parent, const struct change *c)
{
	seg_link(p, parent, c->dim, c->row, c->segment);
}

/* " accounts for 92 % of the rise: 75 → 197 per 1000 sessions (6,664
 * sessions); its share of sessions hardly changed (29 % → 30 %)." */
static void segment_sentence(struct page *p, xmlNodePtr para, const struct change_figure *cf,
			     const struct change *c)
{
	const char *word = cf->direction > 0 ? "rise" : "fall", *noun = sessions_noun(c->figure);
	char a[48], b[48], n[32], w0[32], w1[32], t[400];

	fig_value(c->figure, c->seg_before, a, sizeof a);
	fig_value(c->figure, c->seg_after, b, sizeof b);
	fmt_share(c->w_before_pm, w0, sizeof w0);
	fmt_share(c->w_after_pm, w1, sizeof w1);
	add_text(p, para, " ");
	segment_name(p, para, c);
	if (c->n_before == 0) {
		fmt_count(c->n_after, n, sizeof n);
		snprintf(t, sizeof t, ", not in the baseline, accounts for %" PRId32 " %% of the %s: "
			 "%s%s (%s %s, %s of them).", c->share_pct, word, b, fig_unit(c->figure), n,
			 noun, w1);
	} else if (c->n_after == 0) {
		fmt_count(c->n_before, n, sizeof n);
		snprintf(t, sizeof t, ", not in this report, accounts for %" PRId32 " %% of the %s: "
			 "it had %s%s (%s %s, %s of them).", c->share_pct, word, a,
			 fig_unit(c->figure), n, noun, w0);
	} else {
		fmt_count(c->n_after, n, sizeof n);
		snprintf(t, sizeof t, " accounts for %" PRId32 " %% of the %s: %s → %s%s (%s %s); "
			 "its share of %s %s %s%s → %s%s.", c->share_pct, word, a, b,
			 fig_unit(c->figure), n, noun, noun,
			 c->w_steady ? "hardly changed" : c->w_after_pm > c->w_before_pm ? "rose" : "fell",
			 c->w_steady ? "(" : "", w0, w1, c->w_steady ? ")" : "");
	}
	add_text(p, para, t);
}

/* " No platform, device type or network type stands out beyond chance."
 * over the dimensions tested with nothing named. */
static void none_sentence(struct page *p, xmlNodePtr para, const struct change_figure *cf)
{
	unsigned left = (unsigned)cf->dims_tested & ~(unsigned)cf->dims_named, k = 0, total = 0;
	char t[200];
	size_t o;

	for (int d = 0; d < BDIM__COUNT; d++)
		total += (left >> d) & 1;
	if (cf->dims_tested == 0) {
		add_text(p, para, " No segment could be tested against the rest: too few "
			 "sessions, or the baseline's rows lack the counts or histograms.");
		return;
	}
	if (total == 0)
		return;
	o = (size_t)snprintf(t, sizeof t, " No ");
	for (int d = 0; d < BDIM__COUNT && o < sizeof t; d++) {
		if (!((left >> d) & 1))
			continue;
		k++;
		o += (size_t)snprintf(t + o, sizeof t - o, "%s%s", k == 1 ? "" : k == total ? " or "
				      : ", ", dim_plain[d]);
	}
	if (o < sizeof t)
		snprintf(t + o, sizeof t - o, " stands out beyond chance.");
	add_text(p, para, t);
}

/* ---- where this week stands out (no baseline) ---- */

/* The rest of a dimension: "the other versions". */
static const char *const dim_rest[BDIM__COUNT] = {
	[BDIM_PLATFORM] = "the other platforms", [BDIM_DEVICE] = "the other device types",
	[BDIM_SDK] = "the other versions", [BDIM_NETWORK] = "the other network types",
	[BDIM_APP] = "the other apps" };
/* What a rate counts, as the segment's verb. */
static const char *const rate_verb[BF_ENTRY_LATENCY_P50] = {
	[BF_ENTRY_SUCCESS_PM] = "enters", [BF_ENTRY_FAST_PM] = "enters within 5 s",
	[BF_TIMEOUTS_PM] = "times out", [BF_KICKS_PM] = "has kicks",
	[BF_ENTRY_FAILED_PM] = "has entry failures", [BF_NO_EXIT_PM] = "has missing exits" };

/* " times out 2.6× as often as the other versions: 197 against 75 per 1000
 * sessions (6,664 sessions)." The ratio is given for per-1000 rates of at
 * least 1.1×; otherwise "more often" or "less often". */
static void standout_text(const struct standout *s, char *t, size_t tn)
{
	char a[48], b[48], n[32], how[48];
	int pm = s->figure >= BF_TIMEOUTS_PM;

	fig_value(s->figure, s->seg_value, a, sizeof a);
	fig_value(s->figure, s->rest_value, b, sizeof b);
	fmt_count(s->n, n, sizeof n);
	if (pm && s->ratio >= 1.1)
		snprintf(how, sizeof how, "%.1f× as often as", s->ratio);
	else
		snprintf(how, sizeof how, "%s often than", s->ratio > 1 ? "more" : "less");
	snprintf(t, tn, " %s %s %s: %s against %s%s (%s %s).", rate_verb[s->figure], how,
		 dim_rest[s->dim], a, b, fig_unit(s->figure), n, sessions_noun(s->figure));
}

/* "Where this week stands out": one sentence per standout, linked to its
 * breakdown row, or that none stands out. */
static void fill_standouts(struct page *p, xmlNodePtr parent)
{
	const struct report *r = p->r;
	xmlNodePtr div = add_el(p, parent, "div", "changes"), para;
	char t[400];

	set_attr(p, div, "id", "standouts");
	add_el_text(p, div, "h3", NULL, "Where this week stands out");
	if (r->nstandouts == 0)
		add_el_text(p, div, "p", "change", "No breakdown segment differs from the rest of its "
			    "breakdown beyond chance in entry success, entries within 5 s, timeouts, "
			    "kicks, entry failures or missing exits.");
	for (uint32_t i = 0; i < r->nstandouts; i++) {
		const struct standout *s = &r->standouts[i];

		para = add_el(p, div, "p", "change");
		set_attr(p, para, "data-key", report_bd_figure_key(s->figure));
		seg_link(p, para, s->dim, s->row, s->segment);
		standout_text(s, t, sizeof t);
		add_text(p, para, t);
	}
	if (r->standouts_more) {
		snprintf(t, sizeof t, "%" PRIu32 " more segment%s stand%s out beyond chance.",
			 r->standouts_more, r->standouts_more == 1 ? "" : "s",
			 r->standouts_more == 1 ? "s" : "");
		add_el_text(p, div, "p", "change", t);
	}
	snprintf(t, sizeof t, "A segment (a row of the breakdowns below, with at least %d "
		 "sessions) is named when its rate differs from the rest of its breakdown this week "
		 "beyond chance: a pooled two-proportion test of the segment against the other rows "
		 "together, p < 0.01 after Holm's correction over every test of the page. This says "
		 "where the week differs, not why.", REPORT_BD_MIN_SESSIONS);
	add_el_text(p, div, "p", "note", t);
}

void fill_changes(struct page *p, xmlNodePtr parent)
{
	const struct report *r = p->r;
	xmlNodePtr div, para;
	char a[48], b[48], t[300];

	if (parent && !r->changes_done && r->standouts_done)
		fill_standouts(p, parent);
	if (!parent || !r->changes_done)
		return;
	div = add_el(p, parent, "div", "changes");
	set_attr(p, div, "id", "changes");
	add_el_text(p, div, "h3", NULL, "What changed");
	if (r->nchange_fig == 0) {
		snprintf(t, sizeof t, "No headline figure with a breakdown moved beyond the threshold "
			 "(%d %%; success rates %d.%d points) against the baseline.", r->threshold_pct,
			 r->threshold_pct / 5, r->threshold_pct % 5 * 2);
		add_el_text(p, div, "p", "change", t);
		return;
	}
	for (uint32_t k = 0; k < r->nchange_fig; k++) {
		const struct change_figure *cf = &r->change_fig[k];
		const struct headline *h = &r->headline[report_bd_figure_headline(cf->figure)];

		para = add_el(p, div, "p", "change");
		set_attr(p, para, "data-key", h->key);
		fig_value(cf->figure, cf->before, a, sizeof a);
		fig_value(cf->figure, cf->after, b, sizeof b);
		snprintf(t, sizeof t, "%s %s %s → %s.", h->label, cf->direction > 0 ? "rose" : "fell",
			 a, b);
		add_text(p, para, t);
		for (uint32_t i = cf->first; i < cf->first + cf->n; i++)
			segment_sentence(p, para, cf, &r->changes[i]);
		if (cf->more) {
			snprintf(t, sizeof t, " %" PRIu32 " more segment%s stand%s out beyond chance.",
				 cf->more, cf->more == 1 ? "" : "s", cf->more == 1 ? "s" : "");
			add_text(p, para, t);
		}
		none_sentence(p, para, cf);
	}
	add_el_text(p, div, "p", "note", "A segment (a row of the breakdowns below) is named when "
		    "its figure moved apart from the rest of its breakdown beyond chance: a test of "
		    "the change of its odds against the rest's, p < 0.01 after Holm's correction "
		    "over every test of the page. Its share of a rate's change is a shift-share "
		    "(Kitagawa) decomposition; of a percentile's, the percentile with that segment "
		    "as in the baseline. These shares say where the change is, not why.");
}
