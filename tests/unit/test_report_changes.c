/* Unit tests: report_changes — the shift-share (Kitagawa) decomposition of
 * a rate and the counterfactual percentiles on tables computed by hand
 * (segments that appear or vanish between the weeks, a pure mix shift with
 * unchanged rates), and which segments report_changes_build names; without
 * a baseline, which rows report_standouts_build names against the rest. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "report_changes.h"
#include "stats.h"
#include "util.h"

/* cmocka's float compare goes through float: doubles are compared here. */
#define assert_near(a, b, e) assert_true(fabs((double)(a) - (double)(b)) <= (e))

/* Rates per mille; parts by hand: rate = (r1 - r0)(w0 + w1)/2, mix =
 * (w1 - w0)((r0 + r1)/2 - (R0 + R1)/2). */
static void test_rate_parts(void **state)
{
	static const struct {
		const char *what;
		size_t n;
		struct chg_seg s[3];
		double r0, r1;
		double rate[3], mix[3];
	} t[] = {
		/* B's rate doubles, the mix stays: all of the 200 is B's rate */
		{ "rate only", 2, { { 10, 100, 10, 100 }, { 40, 100, 80, 100 } }, 250, 450,
		  { 0, 200 }, { 0, 0 } },
		/* rates unchanged, B's share 50 % -> 75 %: R 250 -> 325, all mix;
		 * R~ = 287.5: A (-0.25)(100 - 287.5) = 46.875, B 0.25 (400 - 287.5) */
		{ "pure mix", 2, { { 10, 100, 5, 50 }, { 40, 100, 60, 150 } }, 250, 325,
		  { 0, 0 }, { 46.875, 28.125 } },
		/* C appears at 300: R 100 -> 200; R~ = 150: A (-0.5)(100 - 150) = 25,
		 * C 0.5 (300 - 150) = 75, no rate part (its rate last week is taken
		 * as this week's) */
		{ "appears", 2, { { 10, 100, 10, 100 }, { 0, 0, 30, 100 } }, 100, 200,
		  { 0, 0 }, { 25, 75 } },
		/* D (500) vanishes: R 300 -> 100; R~ = 200: A 0.5 (100 - 200) = -50,
		 * D (-0.5)(500 - 200) = -150 */
		{ "vanishes", 2, { { 10, 100, 10, 100 }, { 50, 100, 0, 0 } }, 300, 100,
		  { 0, 0 }, { -50, -150 } },
		/* both: A 100 -> 200 with 100 -> 50 sessions, B 400 -> 400 with
		 * 100 -> 150: R 250 -> 350; A rate 100 x 0.375 = 37.5, mix (-0.25)
		 * (150 - 300) = 37.5; B rate 0, mix 0.25 (400 - 300) = 25 */
		{ "rate and mix", 2, { { 10, 100, 10, 50 }, { 40, 100, 60, 150 } }, 250, 350,
		  { 37.5, 0 }, { 37.5, 25 } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct chg_part out[3];
		double r0, r1, sum = 0;

		print_message("case %s\n", t[i].what);
		assert_int_equal(changes_rate_parts(t[i].s, t[i].n, out, &r0, &r1), 0);
		assert_near(r0, t[i].r0, 1e-9);
		assert_near(r1, t[i].r1, 1e-9);
		for (size_t k = 0; k < t[i].n; k++) {
			assert_near(out[k].rate, t[i].rate[k], 1e-9);
			assert_near(out[k].mix, t[i].mix[k], 1e-9);
			assert_near(out[k].total, out[k].rate + out[k].mix, 1e-12);
			sum += out[k].total;
		}
		assert_near(sum, r1 - r0, 1e-9);   /* the parts add up */
	}
}

static void test_rate_parts_empty(void **state)
{
	struct chg_seg none[1] = { { 0, 0, 5, 10 } }, gone[1] = { { 5, 10, 0, 0 } };
	struct chg_part out[1];
	double r0, r1;

	(void)state;
	assert_int_equal(changes_rate_parts(none, 1, out, &r0, &r1), -1);
	assert_int_equal(changes_rate_parts(gone, 1, out, &r0, &r1), -1);
	assert_int_equal(changes_rate_parts(none, 0, out, &r0, &r1), -1);
}

static void test_bins(void **state)
{
	(void)state;
	assert_int_equal(report_bd_bin_lo(0), 0);
	assert_int_equal(report_bd_bin_lo(20), 1000);
	assert_int_equal(report_bd_bin_lo(40), 2000);
	assert_int_equal(report_bd_bin_lo(41), 2100);
	assert_int_equal(report_bd_bin_lo(120), 10000);
	assert_int_equal(report_bd_bin_lo(160), 30000);
	assert_int_equal(report_bd_bin_lo(178), 120000);
	assert_true(report_bd_bin_lo(179) == INT64_MAX);
	for (unsigned i = 0; i < REPORT_BD_BINS; i++) {
		assert_int_equal(report_bd_bin_of(report_bd_bin_lo(i)), i);
		if (i + 1 < REPORT_BD_BINS)
			assert_int_equal(report_bd_bin_of(report_bd_bin_lo(i + 1) - 1), i);
	}
	assert_int_equal(report_bd_bin_of(-5), 0);
	assert_int_equal(report_bd_bin_of(INT64_MAX), REPORT_BD_BINS - 1);
}

/* 4 at 1000-1050 ms, 6 at 2000-2100: the 5th of 10 is 1/6 into the
 * second bin, 2016.67 ms. */
static void test_hist_pct(void **state)
{
	double h[REPORT_BD_BINS];

	(void)state;
	memset(h, 0, sizeof h);
	assert_near(changes_hist_pct(h, 0.5), -1, 0);
	h[20] = 4;
	h[40] = 6;
	assert_near(changes_hist_pct(h, 0.5), 2000 + 100.0 / 6, 1e-9);
	assert_near(changes_hist_pct(h, 0.2), 1000 + 2.0 / 4 * 50, 1e-9);
	memset(h, 0, sizeof h);
	h[REPORT_BD_BINS - 1] = 3;          /* the open bin: its lower edge */
	assert_near(changes_hist_pct(h, 0.5), 120000, 0);
}

static uint32_t H[8][REPORT_BD_BINS];

static void test_pct_parts(void **state)
{
	const uint32_t *h0[2], *h1[2];
	struct chg_part out[2];
	double p0, p1, work[2 * REPORT_BD_BINS];

	(void)state;
	/* B moves from 1000-1050 to 2000-2100, A (12) stays: P0 1025, P1
	 * 1000 + 10/12 x 50; B's distribution back gives 1025: all rate. */
	memset(H, 0, sizeof H);
	H[0][20] = 12; H[1][20] = 12;       /* A last week, this week */
	H[2][20] = 8;  H[3][40] = 8;        /* B */
	h0[0] = H[0]; h1[0] = H[1]; h0[1] = H[2]; h1[1] = H[3];
	assert_int_equal(changes_pct_parts(h0, h1, 2, 0.5, out, &p0, &p1, work), 0);
	assert_near(p0, 1025, 1e-9);
	assert_near(p1, 1000 + 10.0 / 12 * 50, 1e-9);
	assert_near(out[0].total, 0, 1e-9);
	assert_near(out[1].rate, p1 - 1025, 1e-9);
	assert_near(out[1].mix, 0, 1e-9);

	/* A pure mix shift: A at 1000-1050 and B at 2000-2100 keep their
	 * distributions, A 15 -> 5, B 5 -> 15. P0 1033.33, P1 2033.33. Either
	 * given last week's share alone gives P0 back (A: 45 of 60 at A's bin;
	 * B: 1.67 of 6.67), so each accounts for all of it: a percentile's
	 * shares need not add up. No rate part. */
	memset(H, 0, sizeof H);
	H[0][20] = 15; H[1][20] = 5; H[2][40] = 5; H[3][40] = 15;
	assert_int_equal(changes_pct_parts(h0, h1, 2, 0.5, out, &p0, &p1, work), 0);
	assert_near(p0, 1000 + 10.0 / 15 * 50, 1e-9);
	assert_near(p1, 2000 + 5.0 / 15 * 100, 1e-9);
	for (int k = 0; k < 2; k++) {
		assert_near(out[k].rate, 0, 1e-9);
		assert_near(out[k].total, 1000, 1e-9);
		assert_near(out[k].mix, 1000, 1e-9);
	}

	/* C appears at 2000-2100 (12) beside A (10 at 1000-1050): P0 1025, P1
	 * 2000 + 1/12 x 100; without C, 1025: C's part is all mix; A's is 0. */
	memset(H, 0, sizeof H);
	H[0][20] = 10; H[1][20] = 10; H[3][40] = 12;
	assert_int_equal(changes_pct_parts(h0, h1, 2, 0.5, out, &p0, &p1, work), 0);
	assert_near(p1, 2000 + 100.0 / 12, 1e-9);
	assert_near(out[1].total, p1 - 1025, 1e-9);
	assert_near(out[1].rate, 0, 1e-9);
	assert_near(out[0].total, 0, 1e-9);

	/* C vanishes: last week A 10 at 1000-1050, C 12 at 2000-2100; this
	 * week A alone: P0 2008.33, P1 1025; C back with its share gives P0. */
	memset(H, 0, sizeof H);
	H[0][20] = 10; H[1][20] = 10; H[2][40] = 12;
	assert_int_equal(changes_pct_parts(h0, h1, 2, 0.5, out, &p0, &p1, work), 0);
	assert_near(p0, 2000 + 100.0 / 12, 1e-9);
	assert_near(p1, 1025, 1e-9);
	assert_near(out[1].total, 1025 - p0, 1e-9);
	assert_near(out[1].rate, 0, 1e-9);

	memset(H, 0, sizeof H);             /* empty weeks */
	assert_int_equal(changes_pct_parts(h0, h1, 2, 0.5, out, &p0, &p1, work), -1);
}

/* A week of three SDK versions and two device types, each device half of
 * each version: timeouts 100 -> 167 per 1000, all of it SDK "a" (100 ->
 * 300 of 1000). "a" is named with 100 % (rate part 66.7, mix 0); "b" and
 * "c" stood still (their test against the rest is beyond chance, the
 * other way: not named); the devices moved alike: tested, none named. */
static void test_build(void **state)
{
	static const struct { enum bd_dim d; const char *key; uint32_t n0, x0, n1, x1; } t[] = {
		{ BDIM_SDK, "a", 1000, 100, 1000, 300 }, { BDIM_SDK, "b", 1000, 100, 1000, 100 },
		{ BDIM_SDK, "c", 1000, 100, 1000, 100 },
		{ BDIM_DEVICE, "d1", 1500, 150, 1500, 250 }, { BDIM_DEVICE, "d2", 1500, 150, 1500, 250 },
	};
	struct breakdown rows[5];
	struct baseline *b = calloc(1, sizeof *b);
	struct report r;

	(void)state;
	assert_non_null(b);
	memset(&r, 0, sizeof r);
	memset(rows, 0, sizeof rows);
	for (int i = 0; i < HL__COUNT; i++)
		r.headline[i].value = r.headline[i].previous = RR_NONE;
	r.headline[HL_TIMEOUTS_PM] = (struct headline){ "timeouts_pm", "Timeouts per 1000 sessions",
						       -1, 0, 0, 167, 100, 67, 670, 1 };
	for (int i = 0; i < 5; i++) {
		struct baseline_bd_row *o = &b->bd[b->nbd++];

		rows[i].key = (char *)t[i].key;
		rows[i].sessions = t[i].n1;
		rows[i].timeouts = t[i].x1;
		for (int f = 0; f < BF__COUNT; f++)
			rows[i].value[f] = RR_NONE;
		rows[i].value[BF_TIMEOUTS_PM] = 1000 * t[i].x1 / t[i].n1;
		o->dim = (uint8_t)t[i].d;
		o->keyed = 1;
		snprintf(o->key, sizeof o->key, "%s", t[i].key);
		o->has_sessions = 1;
		o->sessions = t[i].n0;
		o->has_count[BC_TIMEOUTS] = 1;
		o->count[BC_TIMEOUTS] = t[i].x0;
		o->have[BF_TIMEOUTS_PM] = 1;
		o->value[BF_TIMEOUTS_PM] = 1000 * t[i].x0 / t[i].n0;
	}
	r.by_sdk = rows;
	r.nby_sdk = 3;
	r.by_device = rows + 3;
	r.nby_device = 2;
	assert_int_equal(report_changes_build(&r, b, 10), RR_OK);
	assert_true(r.changes_done);
	assert_int_equal(r.nchange_fig, 1);
	assert_int_equal(r.change_fig[0].figure, BF_TIMEOUTS_PM);
	assert_int_equal(r.change_fig[0].direction, 1);
	assert_int_equal(r.change_fig[0].before, 100);
	assert_int_equal(r.change_fig[0].after, 167);
	assert_int_equal(r.change_fig[0].dims_tested, (1 << BDIM_SDK) | (1 << BDIM_DEVICE));
	assert_int_equal(r.change_fig[0].dims_named, 1 << BDIM_SDK);
	assert_int_equal(r.nchanges, 1);
	assert_string_equal(r.changes[0].segment, "a");
	assert_int_equal(r.changes[0].dim, BDIM_SDK);
	assert_int_equal(r.changes[0].row, 0);
	assert_int_equal(r.changes[0].share_pct, 100);
	assert_near(r.changes[0].rate_part, 200.0 / 3, 1e-9);
	assert_near(r.changes[0].mix_part, 0, 1e-9);
	assert_int_equal(r.changes[0].seg_before, 100);
	assert_int_equal(r.changes[0].seg_after, 300);
	assert_int_equal(r.changes[0].n_before, 1000);
	assert_int_equal(r.changes[0].w_before_pm, 333);
	assert_int_equal(r.changes[0].w_after_pm, 333);
	assert_true(r.changes[0].w_steady);
	assert_true(r.changes[0].p_value < REPORT_CHANGES_MAX_P);

	/* Within the threshold (+9 %): nothing moved, nothing named. */
	r.headline[HL_TIMEOUTS_PM].value = 109;
	assert_int_equal(report_changes_build(&r, b, 10), RR_OK);
	assert_true(r.changes_done);
	assert_int_equal(r.nchange_fig, 0);
	assert_int_equal(r.nchanges, 0);

	/* A baseline row without counts: that dimension is not tested. */
	r.headline[HL_TIMEOUTS_PM].value = 167;
	b->bd[3].has_count[BC_TIMEOUTS] = 0;
	assert_int_equal(report_changes_build(&r, b, 10), RR_OK);
	assert_int_equal(r.change_fig[0].dims_tested, 1 << BDIM_SDK);
	free(b);
}

/* A row of timeouts (x of n sessions) of dimension d for the standouts;
 * a dimension's rows are consecutive. */
struct srow { enum bd_dim d; const char *key; uint32_t n, x; };

static void standout_report(struct report *r, struct breakdown *rows, const struct srow *t,
			    size_t n)
{
	memset(r, 0, sizeof *r);
	memset(rows, 0, n * sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		rows[i].key = (char *)t[i].key;
		rows[i].sessions = t[i].n;
		rows[i].timeouts = t[i].x;
		for (int f = 0; f < BF__COUNT; f++)
			rows[i].value[f] = RR_NONE;
		rows[i].value[BF_TIMEOUTS_PM] = 1000 * t[i].x / t[i].n;
	}
	for (size_t i = 0; i < n; i++) {
		struct breakdown **b[] = { &r->by_platform, &r->by_device, &r->by_sdk,
					   &r->by_network, &r->by_app };
		size_t *nb[] = { &r->nby_platform, &r->nby_device, &r->nby_sdk, &r->nby_network,
				 &r->nby_app };

		if (*nb[t[i].d] == 0)
			*b[t[i].d] = &rows[i];
		(*nb[t[i].d])++;
	}
}

/*
 * Timeouts by SDK: a 200 of 1000 against b and c 1000 of 10000 each. a
 * against the rest (2000 of 20000): z = 0.1 / sqrt(P(1-P)(1/1000 +
 * 1/20000)), P = 2200 / 21000: z = 10.08, p = 6.98e-24, named: 200 against
 * 100, 2.0x. b against a and c (1200 of 11000): z = 2.15, p = 0.032, not
 * named. Network: s 200 of 900 (z ~ 11 if tested) is under
 * REPORT_BD_MIN_SESSIONS, never tested, never named; n1 and n2 against the
 * rest with s (1200 of 10900): p = 0.0176, not named. Five tests: a's p
 * after Holm is 5 times its own.
 */
static void test_standouts(void **state)
{
	static const struct srow t[] = {
		{ BDIM_SDK, "a", 1000, 200 }, { BDIM_SDK, "b", 10000, 1000 },
		{ BDIM_SDK, "c", 10000, 1000 },
		{ BDIM_NETWORK, "s", 900, 200 }, { BDIM_NETWORK, "n1", 10000, 1000 },
		{ BDIM_NETWORK, "n2", 10000, 1000 },
	};
	struct breakdown rows[6];
	struct report r;
	double raw = stat_two_prop_p(2000, 20000, 200, 1000);

	(void)state;
	standout_report(&r, rows, t, 6);
	assert_near(raw, 6.977e-24, 1e-26);
	assert_near(stat_two_prop_p(1200, 11000, 1000, 10000), 0.0317, 1e-4);
	assert_near(stat_two_prop_p(1200, 10900, 1000, 10000), 0.0176, 1e-4);
	assert_int_equal(report_standouts_build(&r), RR_OK);
	assert_true(r.standouts_done);
	assert_int_equal(r.nstandouts, 1);
	assert_int_equal(r.standouts_more, 0);
	assert_int_equal(r.standouts[0].figure, BF_TIMEOUTS_PM);
	assert_int_equal(r.standouts[0].dim, BDIM_SDK);
	assert_int_equal(r.standouts[0].row, 0);
	assert_string_equal(r.standouts[0].segment, "a");
	assert_int_equal(r.standouts[0].seg_value, 200);
	assert_int_equal(r.standouts[0].rest_value, 100);
	assert_near(r.standouts[0].ratio, 2.0, 1e-12);
	assert_int_equal(r.standouts[0].n, 1000);
	assert_int_equal(r.standouts[0].rest_n, 20000);
	assert_near(r.standouts[0].p_value, 5 * raw, 1e-30);
}

/* Holm: two SDK rows, 530 and 450 timeouts of 5000 each. Each row's test
 * against the other gives p = 0.0071 (below 0.01 alone); two tests on the
 * page: Holm gives each 2 x 0.0071 = 0.0143, so none is named. With 540
 * (p = 0.0026, 0.0052 after Holm) both are; their p are equal, so the
 * rows' order is kept: y 90 against 108 per 1000. */
static void test_standouts_holm(void **state)
{
	struct srow t[] = { { BDIM_SDK, "x", 5000, 530 }, { BDIM_SDK, "y", 5000, 450 } };
	struct breakdown rows[2];
	struct report r;
	double raw = stat_two_prop_p(450, 5000, 530, 5000);

	(void)state;
	assert_true(raw < REPORT_CHANGES_MAX_P);
	assert_near(raw, 0.00713, 1e-5);
	standout_report(&r, rows, t, 2);
	assert_int_equal(report_standouts_build(&r), RR_OK);
	assert_true(r.standouts_done);
	assert_int_equal(r.nstandouts, 0);

	t[0].x = 540;
	raw = stat_two_prop_p(450, 5000, 540, 5000);
	standout_report(&r, rows, t, 2);
	assert_int_equal(report_standouts_build(&r), RR_OK);
	assert_int_equal(r.nstandouts, 2);
	assert_string_equal(r.standouts[0].segment, "x");
	assert_string_equal(r.standouts[1].segment, "y");
	assert_near(r.standouts[0].p_value, 2 * raw, 1e-12);
	assert_near(r.standouts[1].ratio, 90.0 / 108, 1e-12);
	assert_int_equal(r.standouts[1].seg_value, 90);
	assert_int_equal(r.standouts[1].rest_value, 108);
}

/* Sessions whose value is unknown (no 1003 before an entry failure, no
 * users file row) are neither tested nor counted in the rest. Network: w
 * 100 of 1000 timeouts, g 1000 of 10000, "(not reported)" 0 of 10000.
 * Against g alone w is at 100 per 1000 like it (nothing named); with the
 * unknown row in the rest it would be 100 against 50 (p ~ 1e-10). */
static void test_standouts_unknown(void **state)
{
	static const struct srow t[] = {
		{ BDIM_NETWORK, "w", 1000, 100 }, { BDIM_NETWORK, "g", 10000, 1000 },
		{ BDIM_NETWORK, "(not reported)", 10000, 0 },
	};
	struct breakdown rows[3];
	struct report r;

	(void)state;
	assert_true(stat_two_prop_p(1000, 20000, 100, 1000) < 1e-9);
	standout_report(&r, rows, t, 3);
	assert_int_equal(report_standouts_build(&r), RR_OK);
	assert_int_equal(r.nstandouts, 2);          /* counted in: w, g named */
	standout_report(&r, rows, t, 3);
	rows[2].unknown = 1;
	assert_int_equal(report_standouts_build(&r), RR_OK);
	assert_true(r.standouts_done);
	assert_int_equal(r.nstandouts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_parts),
		cmocka_unit_test(test_rate_parts_empty),
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_hist_pct),
		cmocka_unit_test(test_pct_parts),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_standouts),
		cmocka_unit_test(test_standouts_holm),
		cmocka_unit_test(test_standouts_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
