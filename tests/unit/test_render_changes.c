/*
 * Tests for render_changes.c: every sentence of "What changed" from a
 * report whose changes are set by hand (independent of report_changes):
 * a rise named with its share and steady share of sessions, a fall, a
 * segment new this week and one gone, more named than are listed, the
 * dimensions with nothing named, none testable, nothing moved, and no
 * block without a baseline; without one, "Where this week stands out":
 * per-1000 rates with a ratio, below 1.1x and success rates in words,
 * more than are listed, and none. The page is held to check_page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_kit.h"
#include "report.h"

static struct breakdown rows[2];

/* fx's report with two SDK rows and a baseline, the changes cleared. */
static void base(struct fixture *fx, struct report *r)
{
	*r = fx->r;
	memset(rows, 0, sizeof rows);
	rows[0].key = "11.5.0";
	rows[1].key = "11.4.0 <b>";
	for (int i = 0; i < 2; i++)
		for (int f = 0; f < BF__COUNT; f++)
			rows[i].value[f] = rows[i].previous[f] = rows[i].change[f] = RR_NONE;
	r->by_sdk = rows;
	r->nby_sdk = 2;
	r->has_baseline = 1;
	snprintf(r->baseline_name, sizeof r->baseline_name, "week-46.json");
	r->changes_done = 1;
	r->threshold_pct = 10;
	r->nchange_fig = r->nchanges = 0;
}

static char *render_div(struct fixture *fx, const struct report *r, const char *name,
			const char *div)
{
	static unsigned serial;
	struct parsed p;
	char dir[96], err[256], *idx, *t;

	snprintf(dir, sizeof dir, "%s/%s-%u", fx->tmp, name, ++serial);
	assert_int_equal(render_write_dir(fx->rd, r, fx->cat, dir, err, sizeof err), RR_OK);
	idx = join(dir, "index.html");
	parse_file(idx, &p);
	check_page(&p);
	snprintf(err, sizeof err, "normalize-space(//div[@id='%s'])", div);
	t = xstr(&p, err);
	parsed_free(&p);
	free(idx);
	return t;
}

static char *render_text(struct fixture *fx, const struct report *r, const char *name)
{
	return render_div(fx, r, name, "changes");
}

static struct change chg(enum bd_figure f, enum bd_dim d, int32_t row, const char *seg,
			 int64_t b, int64_t a, uint32_t nb, uint32_t na, int64_t wb, int64_t wa,
			 int steady, int32_t share)
{
	struct change c;

	memset(&c, 0, sizeof c);
	c.figure = f, c.dim = d, c.row = row, c.segment = seg;
	c.seg_before = b, c.seg_after = a, c.n_before = nb, c.n_after = na;
	c.w_before_pm = wb, c.w_after_pm = wa, c.w_steady = (uint8_t)steady;
	c.share_pct = share;
	c.p_value = 1e-9;
	return c;
}

static void test_rise_and_fall(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *t;

	base(fx, &r);
	r.change_fig[0] = (struct change_figure){ BF_TIMEOUTS_PM, 1, 66, 101,
		(1 << BDIM_SDK) | (1 << BDIM_DEVICE) | (1 << BDIM_NETWORK), 1 << BDIM_SDK, 0, 1, 0 };
	r.changes[0] = chg(BF_TIMEOUTS_PM, BDIM_SDK, 0, "11.5.0", 75, 197, 5787, 6664, 290, 300,
			   1, 92);
	r.change_fig[1] = (struct change_figure){ BF_ENTRY_SUCCESS_PM, -1, 960, 931,
		1 << BDIM_SDK, 1 << BDIM_SDK, 1, 1, 0 };
	r.changes[1] = chg(BF_ENTRY_SUCCESS_PM, BDIM_SDK, 1, "11.4.0 <b>", 962, 900, 2000, 3000,
			   200, 350, 0, 71);
	r.change_fig[2] = (struct change_figure){ BF_ENTRY_LATENCY_P50, 1, 1800, 2200,
		(1 << BDIM_SDK) | (1 << BDIM_PLATFORM), 0, 2, 0, 0 };
	r.nchange_fig = 3;
	r.nchanges = 2;
	t = render_text(fx, &r, "rise");
	assert_string_equal(t,
		"What changed "
		"Timeouts per 1000 sessions rose 66 → 101. SDK 11.5.0 accounts for 92 % of the "
		"rise: 75 → 197 per 1000 sessions (6,664 sessions); its share of sessions hardly "
		"changed (29 % → 30 %). No device type or network type stands out beyond chance. "
		"Entry success fell 96.0 % → 93.1 %. SDK 11.4.0 <b> accounts for 71 % of the "
		"fall: 96.2 % → 90.0 % (3,000 sessions with the entry seen); its share of sessions "
		"with the entry seen rose 20 % → 35 %. "
		"Entry latency p50 rose 1.8 s → 2.2 s. No platform or SDK version stands out beyond "
		"chance. "
		"A segment (a row of the breakdowns below) is named when its figure moved apart "
		"from the rest of its breakdown beyond chance: a test of the change of its odds "
		"against the rest's, p < 0.01 after Holm's correction over every test of the page. "
		"Its share of a rate's change is a shift-share (Kitagawa) decomposition; of a "
		"percentile's, the percentile with that segment as in the baseline. These shares "
		"say where the change is, not why.");
	free(t);
}

static void test_new_gone_more(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *t;

	base(fx, &r);
	r.change_fig[0] = (struct change_figure){ BF_KICKS_PM, 1, 20, 30, 1 << BDIM_SDK,
		1 << BDIM_SDK, 0, 2, 3 };
	r.changes[0] = chg(BF_KICKS_PM, BDIM_SDK, 0, "11.5.0", RR_NONE, 60, 0, 1200, 0, 310, 0, 55);
	r.changes[1] = chg(BF_KICKS_PM, BDIM_DEVICE, -1, "Pixel 7", 2, RR_NONE, 900, 0, 80, 0, 0,
			   12);
	r.change_fig[1] = (struct change_figure){ BF_FIRST_FRAME_P50, -1, 900, 700, 0, 0, 2, 0, 1 };
	r.nchange_fig = 2;
	r.nchanges = 2;
	t = render_text(fx, &r, "new");
	assert_non_null(strstr(t, "Kicks per 1000 sessions rose 20 → 30. SDK 11.5.0, not in the "
			       "baseline, accounts for 55 % of the rise: 60 per 1000 sessions (1,200 "
			       "sessions, 31 % of them). Device type Pixel 7, not in this report, "
			       "accounts for 12 % of the rise: it had 2 per 1000 sessions (900 "
			       "sessions, 8 % of them). 3 more segments stand out beyond chance. "));
	assert_non_null(strstr(t, "Time to first frame p50 fell 900 ms → 700 ms. 1 more segment "
			       "stands out beyond chance. No segment could be tested against the "
			       "rest: too few sessions, or the baseline's rows lack the counts or "
			       "histograms. "));
	free(t);
}

static void test_nothing(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *t;

	base(fx, &r);
	t = render_text(fx, &r, "none");
	assert_string_equal(t, "What changed No headline figure with a breakdown moved beyond the "
			    "threshold (10 %; success rates 2.0 points) against the baseline.");
	free(t);
	r.changes_done = 0;      /* no baseline: no block */
	r.has_baseline = 0;
	t = render_text(fx, &r, "nobase");
	assert_string_equal(t, "");
	free(t);
}

static struct standout sto(enum bd_figure f, enum bd_dim d, int32_t row, const char *seg,
			   int64_t a, int64_t b, double ratio, uint32_t n)
{
	struct standout s;

	memset(&s, 0, sizeof s);
	s.figure = f, s.dim = d, s.row = row, s.segment = seg;
	s.seg_value = a, s.rest_value = b, s.ratio = ratio, s.n = n, s.rest_n = 2 * n;
	s.p_value = 1e-9;
	return s;
}

#define STANDOUT_NOTE "A segment (a row of the breakdowns below, with at least 1000 " \
	"sessions) is named when its rate differs from the rest of its breakdown this week " \
	"beyond chance: a pooled two-proportion test of the segment against the other rows " \
	"together, p < 0.01 after Holm's correction over every test of the page. This says " \
	"where the week differs, not why."

static void test_standouts(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	char *t;

	base(fx, &r);
	r.changes_done = 0;
	r.has_baseline = 0;
	r.standouts_done = 1;
	r.standouts[0] = sto(BF_ENTRY_FAST_PM, BDIM_SDK, 0, "11.5.0", 792, 953, 0.83, 1945);
	r.standouts[1] = sto(BF_ENTRY_SUCCESS_PM, BDIM_SDK, 1, "11.4.0 <b>", 990, 970, 1.02, 3000);
	r.standouts[2] = sto(BF_TIMEOUTS_PM, BDIM_SDK, 0, "11.5.0", 197, 75, 2.626, 6664);
	r.standouts[3] = sto(BF_KICKS_PM, BDIM_SDK, 1, "11.4.0 <b>", 21, 20, 1.05, 1200);
	r.standouts[4] = sto(BF_NO_EXIT_PM, BDIM_SDK, 1, "11.4.0 <b>", 5, 9, 0.55, 1200);
	r.nstandouts = 5;
	r.standouts_more = 2;
	t = render_div(fx, &r, "standouts", "standouts");
	assert_string_equal(t, "Where this week stands out "
		"SDK 11.5.0 enters within 5 s less often than the other versions: 79.2 % against "
		"95.3 % (1,945 sessions with an entry latency). "
		"SDK 11.4.0 <b> enters more often than the other versions: 99.0 % against 97.0 % "
		"(3,000 sessions with the entry seen). "
		"SDK 11.5.0 times out 2.6× as often as the other versions: 197 against 75 per 1000 "
		"sessions (6,664 sessions). "
		"SDK 11.4.0 <b> has kicks more often than the other versions: 21 against 20 per "
		"1000 sessions (1,200 sessions). "
		"SDK 11.4.0 <b> has missing exits less often than the other versions: 5 against 9 "
		"per 1000 sessions (1,200 sessions). "
		"2 more segments stand out beyond chance. " STANDOUT_NOTE);
	free(t);
	t = render_text(fx, &r, "standouts-nochanges");
	assert_string_equal(t, "");
	free(t);

	r.nstandouts = 0;
	r.standouts_more = 0;
	t = render_div(fx, &r, "standouts-none", "standouts");
	assert_string_equal(t, "Where this week stands out No breakdown segment differs from "
			    "the rest of its breakdown beyond chance in entry success, entries "
			    "within 5 s, timeouts, kicks, entry failures or missing exits. "
			    STANDOUT_NOTE);
	free(t);
}

/* Each named segment links to its breakdown row. */
static void test_standout_link(void **state)
{
	struct fixture *fx = *state;
	struct report r;
	struct parsed p;
	char dir[96], err[256], *idx, *t;

	base(fx, &r);
	r.changes_done = 0;
	r.has_baseline = 0;
	r.standouts_done = 1;
	r.standouts[0] = sto(BF_TIMEOUTS_PM, BDIM_SDK, 1, "11.4.0 <b>", 197, 75, 2.6, 6664);
	r.nstandouts = 1;
	snprintf(dir, sizeof dir, "%s/standout-link", fx->tmp);
	assert_int_equal(render_write_dir(fx->rd, &r, fx->cat, dir, err, sizeof err), RR_OK);
	idx = join(dir, "index.html");
	parse_file(idx, &p);
	check_page(&p);
	t = xstr(&p, "string(//div[@id='standouts']//a/@href)");
	assert_string_equal(t, "#bd-sdk_version-2");
	free(t);
	t = xstr(&p, "string(//div[@id='standouts']//p[@data-key]/@data-key)");
	assert_string_equal(t, "timeouts_pm");
	free(t);
	parsed_free(&p);
	free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rise_and_fall),
		cmocka_unit_test(test_new_gone_more),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_standouts),
		cmocka_unit_test(test_standout_link),
	};
	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
