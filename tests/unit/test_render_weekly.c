/*
 * Tests for render_weekly.c: the headline table (with and without a
 * baseline), the trend charts and the per-day table, from a report whose
 * weekly fields are set by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "callview.h"
#include "catalog.h"
#include "dataset.h"
#include "render.h"
#include "render_kit.h"
#include "report.h"
#include "templates.h"
#include "util.h"
#include "version.h"

/* ---- the weekly view, from a report whose weekly fields are set by hand
 * (independent of how report.c computes them) ---- */

static void weekly_days(struct day *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&d[i], 0, sizeof d[i]);
		snprintf(d[i].date, sizeof d[i].date, "2026-11-%02u", (unsigned)(20 + i) % 100);
		d[i].calls = 10 + (uint32_t)i;
		d[i].sessions = 100 + (uint32_t)i;
		d[i].users = 50 + (uint32_t)i;
		d[i].user_ms = 3600000LL * (int64_t)(i + 1) + 1800000;   /* 1.5 h, 2.5 h... */
		d[i].entered = 95;
		d[i].entry_failed = 5;
		d[i].timeouts = 3 + (uint32_t)i;
		d[i].kicks = 1;
		d[i].no_exit = 2;
		d[i].entry_success_pm = 934 + (int64_t)i;
		d[i].entry_fast_pm = 900;
		d[i].entry_latency.n = 95;
		d[i].entry_latency.p50 = 1200 + 100 * (int64_t)i;
		d[i].entry_latency.p95 = 6000;
		d[i].first_frame.n = 90;
		d[i].first_frame.p50 = 800;
		d[i].experiences = 7;
		d[i].experiences_per_100_x10 = 23;
	}
}

static void weekly_hist(struct histogram *h, const char *const *labels, uint32_t nb)
{
	memset(h, 0, sizeof *h);
	h->nbins = nb;
	for (uint32_t i = 0; i < nb; i++) {
		h->lo[i] = (int64_t)i * 1000;
		h->label[i] = labels[i];
		h->count[i] = 3 * i + 1;
		h->total += h->count[i];
	}
}

static const char *const hl_keys[HL__COUNT] = {
	"calls", "sessions", "users", "user_ms", "entry_success_pm", "entry_within_5s_pm",
	"entry_latency_p50_ms", "entry_latency_p95_ms", "first_frame_p50_ms", "timeouts_pm",
	"kicks_pm", "entry_failed_pm", "no_exit_pm", "abnormal_experiences_per_100_x10" };

static void weekly_headline(struct report *r, int baseline)
{
	for (int i = 0; i < HL__COUNT; i++) {
		struct headline *h = &r->headline[i];

		memset(h, 0, sizeof *h);
		h->key = hl_keys[i];
		h->label = hl_keys[i];     /* any static text */
		h->value = 100 + i;
		h->previous = baseline ? 80 + i : RR_NONE;
		h->change = baseline ? 20 : RR_NONE;
		h->change_pm = baseline ? 250 : RR_NONE;
	}
	r->headline[HL_ENTRY_SUCCESS_PM].value = 934;
	r->headline[HL_ENTRY_LATENCY_P50].value = 1500;
	r->headline[HL_USER_MS].value = 36000000;             /* 10.0 h */
	r->headline[HL_EXPERIENCES_PER_100_X10].value = 23;
	if (baseline) {
		r->headline[HL_ENTRY_LATENCY_P50].previous = 1380;
		r->headline[HL_ENTRY_LATENCY_P50].change = 120;
		r->headline[HL_ENTRY_LATENCY_P50].change_pm = 87;
		r->headline[HL_ENTRY_LATENCY_P50].regression = 1;
		r->headline[HL_ENTRY_SUCCESS_PM].previous = 950;
		r->headline[HL_ENTRY_SUCCESS_PM].change = -16;
		r->headline[HL_ENTRY_SUCCESS_PM].change_pm = -17;
		r->headline[HL_ENTRY_SUCCESS_PM].regression = 1;
		r->headline[HL_FIRST_FRAME_P50].previous = RR_NONE;   /* not in the baseline */
		r->headline[HL_FIRST_FRAME_P50].change = RR_NONE;
		r->headline[HL_FIRST_FRAME_P50].change_pm = RR_NONE;
	}
	r->has_baseline = baseline;
	snprintf(r->baseline_name, sizeof r->baseline_name, "%s", baseline ? "week-46.json" : "");
}

#define WDAYS 5
#define WCALLS (REPORT_CALL_LIST + 37)

static void test_weekly(void **state)
{
	struct fixture *fx = *state;
	static const char *const lat_labels[REPORT_HIST_BINS] = {
		"0–1 s", "1–2 s", "2–3 s", "3–5 s", "5–10 s", "10–20 s", "20–30 s", "30 s+" };
	static const char *const dur_labels[6] = {
		"0–1 min", "1–5 min", "5–15 min", "15–30 min", "30 min–1 h", "1 h+" };
	static const char *const fig_keys[] = {
		"calls", "sessions", "entry-success", "entry-latency", "timeouts", "entry-failed",
		"experiences" };
	struct report r = fx->r;
	struct model m = fx->m;
	struct day days[WDAYS];
	struct problem_user pu[3];
	struct breakdown net[2];
	struct call *calls;
	char **files;
	uint8_t *sel;
	char *dir = join(fx->tmp, "weekly"), *idx = join(dir, "index.html");
	char *one = join(fx->tmp, "weekly.html");
	char expr[256], want[128], err[256];
	struct parsed p;
	uint32_t n0 = fx->m.ncalls, npages = 0;

	assert_true(n0 >= 3);
	/* WCALLS calls: the fixture's, repeated (their pages only for the
	 * first n0, named as the report names them). */
	calls = calloc(WCALLS, sizeof *calls);
	files = calloc(WCALLS, sizeof *files);
	sel = calloc(WCALLS, 1);
	assert_true(calls && files && sel);
	for (uint32_t i = 0; i < WCALLS; i++) {
		calls[i] = fx->m.calls[i % n0];
		files[i] = fx->r.call_file[i % n0];
	}
	/* Pages for calls 0 and 2 only. */
	sel[0] = sel[2] = 1;
	npages = 2;
	m.calls = calls;
	m.ncalls = WCALLS;
	r.m = &m;
	r.call_file = files;
	r.call_page = sel;
	r.npages = npages;
	r.worst = (uint32_t[]){ 2, 1, 0 };
	r.nworst = 3;

	weekly_days(days, WDAYS);
	r.days = days;
	r.ndays = WDAYS;
	weekly_hist(&r.latency_hist, lat_labels, REPORT_HIST_BINS);
	weekly_hist(&r.duration_hist, dur_labels, 6);
	memset(pu, 0, sizeof pu);
	pu[0] = (struct problem_user){ id_of(fx, "alice"), 4, 3, 2, 5, 1, 0, 1 };
	pu[1] = (struct problem_user){ id_of(fx, "bob"), 2, 1, 0, 3, 1, 1, 0 };
	pu[2] = (struct problem_user){ id_of(fx, hostile_fixed[0]), 1, 1, 0, 1, 0, 0, 0 };
	r.problem_users = pu;
	r.nproblem_users = 3;
	memset(net, 0, sizeof net);
	net[0].key = "Wi-Fi";
	net[0].users = 7, net[0].sessions = 9, net[0].entered = 8, net[0].timeouts = 1;
	net[0].entry_latency.p50 = 1100, net[0].entry_latency.p95 = 4000;
	net[1].key = "(not reported)";
	net[1].users = 1, net[1].sessions = 2, net[1].entered = 2;
	net[1].entry_latency.p50 = net[1].entry_latency.p95 = RR_NONE;
	r.by_network = net;
	r.nby_network = 2;

	/* Without a baseline: two columns, no badge. */
	weekly_headline(&r, 0);
	assert_int_equal(render_write_dir(fx->rd, &r, fx->cat, dir, err, sizeof err), RR_OK);
	parse_file(idx, &p);
	check_page(&p);
	assert_int_equal(COUNT(&p, "//table[contains(@class,'headline')]/tbody/tr"), HL__COUNT);
	assert_int_equal(COUNT(&p, "//table[contains(@class,'headline')]/thead/tr/th"), 2);
	assert_int_equal(COUNT(&p, "//*[contains(@class,'regression')]"), 0);
	assert_int_equal(COUNT(&p, "//*[@data-slot='headline']//p[@class='baseline']"), 0);
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_success_pm']/td[1])", "93.4 %");
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_latency_p50_ms']/td[1])", "1.5 s");
	assert_xstr(&p, "normalize-space(//tr[@data-key='user_ms']/td[1])", "10.0 h");
	assert_xstr(&p, "normalize-space(//tr[@data-key='calls']/td[1])", "100");
	assert_xstr(&p, "normalize-space(//tr[@data-key='timeouts_pm']/td[1])", "109");
	assert_xstr(&p, "normalize-space(//tr[@data-key='abnormal_experiences_per_100_x10']"
		       "/td[1])", "2.3");
	assert_xstr(&p, "normalize-space(//tr[@data-key='abnormal_experiences_per_100_x10']/th)",
		    "abnormal_experiences_per_100_x10 (sampled)");

	/* Days: one row per day with every figure. */
	assert_int_equal(COUNT(&p, "//table[@class='days']/tbody/tr"), WDAYS);
	assert_int_equal(COUNT(&p, "//table[@class='days']/thead/tr/th"), 17);
	for (size_t i = 0; i < WDAYS; i++) {
		static const char *const cells[] = {
			NULL, "calls", "sessions", "users", "user-hours", "entered", "success",
			"fast", "p50", "p95", "ff", "timeouts", "kicks", "failed", "noexit",
			"exp", "exp100" };
		char b[32];

		for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
			const struct day *d = &days[i];

			switch (c) {
			case 0: snprintf(b, sizeof b, "%.10s", d->date); break;
			case 1: snprintf(b, sizeof b, "%u", d->calls); break;
			case 2: snprintf(b, sizeof b, "%u", d->sessions); break;
			case 3: snprintf(b, sizeof b, "%u", d->users); break;
			case 4: snprintf(b, sizeof b, "%zu.5 h", i + 1); break;
			case 5: snprintf(b, sizeof b, "%u", d->entered); break;
			case 6: snprintf(b, sizeof b, "93.%zu %%", 4 + i); break;
			case 7: snprintf(b, sizeof b, "90.0 %%"); break;
			case 8: snprintf(b, sizeof b, "1.%zu s", 2 + i); break;
			case 9: snprintf(b, sizeof b, "6 s"); break;
			case 10: snprintf(b, sizeof b, "800 ms"); break;
			case 11: snprintf(b, sizeof b, "%u", d->timeouts); break;
			case 12: snprintf(b, sizeof b, "%u", d->kicks); break;
			case 13: snprintf(b, sizeof b, "%u", d->entry_failed); break;
			case 14: snprintf(b, sizeof b, "%u", d->no_exit); break;
			case 15: snprintf(b, sizeof b, "%u", d->experiences); break;
			default: snprintf(b, sizeof b, "2.3"); break;
			}
			snprintf(expr, sizeof expr,
				 "normalize-space((//table[@class='days']/tbody/tr)[%zu]/*[%zu])",
				 i + 1, c + 1);
			assert_xstr(&p, expr, b);
		}
	}
	/* Trend charts: one per figure, one point per day and series, each
	 * with a <title>; the first and last dates on the axis. */
	assert_int_equal(COUNT(&p, "//figure[@class='trend']"), 7);
	for (size_t f = 0; f < 7; f++) {
		long series = strcmp(fig_keys[f], "entry-latency") == 0 ? 2 : 1;

		snprintf(expr, sizeof expr, "count(//figure[@data-figure='%s']//svg//*"
			 "[contains(concat(' ',@class,' '),' pt ')])", fig_keys[f]);
		assert_int_equal((long)xnum(&p, expr), series * WDAYS);
		snprintf(expr, sizeof expr, "count(//figure[@data-figure='%s']//svg//*"
			 "[contains(concat(' ',@class,' '),' pt ')][not(title)])", fig_keys[f]);
		assert_int_equal((long)xnum(&p, expr), 0);
		snprintf(expr, sizeof expr, "count(//figure[@data-figure='%s']//text"
			 "[@class='tick-label'][.='11-20'])", fig_keys[f]);
		assert_int_equal((long)xnum(&p, expr), 1);
	}
	assert_xstr(&p, "string((//figure[@data-figure='calls']//rect[contains(@class,'pt')])[2]"
		    "/title)", "2026-11-21: 11");
	assert_xstr(&p, "string((//figure[@data-figure='entry-latency']//circle[contains(@class,"
		    "'s1')])[1]/title)", "2026-11-20: p95 6 s");

	/* Histograms: one bar per bin, its count on it and its label under it. */
	assert_int_equal(COUNT(&p, "//figure[@class='hist']"), 2);
	assert_int_equal(COUNT(&p, "(//figure[@class='hist'])[1]//rect[@class='bar']"),
			 REPORT_HIST_BINS);
	assert_int_equal(COUNT(&p, "(//figure[@class='hist'])[2]//rect[@class='bar']"), 6);
	for (uint32_t i = 0; i < 6; i++) {
		snprintf(expr, sizeof expr, "string(((//figure[@class='hist'])[2]//g[@class='bin'])"
			 "[%u]/text[@class='count'])", i + 1);
		snprintf(want, sizeof want, "%u", r.duration_hist.count[i]);
		assert_xstr(&p, expr, want);
		snprintf(expr, sizeof expr, "string(((//figure[@class='hist'])[2]//g[@class='bin'])"
			 "[%u]/text[@class='bin-label'])", i + 1);
		assert_xstr(&p, expr, dur_labels[i]);
	}
	assert_xstr(&p, "string(((//figure[@class='hist'])[1]//g[@class='bin'])[4]/title)",
		    "3–5 s: 10 sessions");
	/* Exits: the table and a bar. */
	assert_int_equal(COUNT(&p, "//*[@data-slot='exits']//svg[@class='exit-bar']"), 1);

	/* Problem users and the network breakdown. */
	assert_int_equal(COUNT(&p, "//table[@class='problem-users']/tbody/tr"), 3);
	assert_xstr(&p, "normalize-space((//table[@class='problem-users']/tbody/tr)[1]/td[1])",
		    "alice");
	assert_xstr(&p, "normalize-space((//table[@class='problem-users']/tbody/tr)[1]/td[5])",
		    "5");
	assert_xstr(&p, "string((//table[@class='problem-users']/tbody/tr)[3]/td[1])",
		    hostile_fixed[0]);
	assert_int_equal(COUNT(&p, "//div[@class='breakdown'][h3='By network type']//tbody/tr"), 2);
	assert_xstr(&p, "normalize-space((//div[@class='breakdown'][h3='By network type']//tbody/tr)"
		    "[2]/td[1])", "(not reported)");
	assert_xstr(&p, "normalize-space((//div[@class='breakdown'][h3='By network type']//tbody/tr)"
		    "[1]/td[6])", "1.1 s");

	/* Page selection: files only for the selected calls; links only to
	 * them; the all-calls list capped. */
	for (uint32_t i = 0; i < n0; i++) {
		char *f = join(dir, fx->r.call_file[i]);
		struct stat st;

		assert_int_equal(stat(f, &st) == 0, sel[i]);
		free(f);
	}
	{
		char *calls_dir = join(dir, "calls");

		assert_int_equal(count_entries(calls_dir), (int)npages);
		free(calls_dir);
	}
	assert_int_equal(COUNT(&p, "//*[@data-slot='worst']//tbody/tr"), 3);
	assert_int_equal(COUNT(&p, "//*[@data-slot='worst']//tbody/tr/td[1]/a"), 2);
	snprintf(expr, sizeof expr, "count(//a[@href='%s'])", fx->r.call_file[1]);
	assert_int_equal((long)xnum(&p, expr), 0);
	assert_int_equal(COUNT(&p, "//*[@data-slot='all-calls']//tbody/tr"), REPORT_CALL_LIST);
	/* In the list, calls 0 and 2 only have a page. */
	assert_int_equal(COUNT(&p, "//*[@data-slot='all-calls']//tbody/tr/td[1]/a"), 2);
	snprintf(want, sizeof want, "%d more calls not listed", WCALLS - REPORT_CALL_LIST);
	snprintf(expr, sizeof expr, "count(//*[@data-slot='all-calls']//p[starts-with(.,'%s')])",
		 want);
	assert_int_equal((long)xnum(&p, expr), 1);
	parsed_free(&p);

	/* With a baseline: previous, change, relative change, badges. */
	weekly_headline(&r, 1);
	assert_int_equal(render_write_dir(fx->rd, &r, fx->cat, dir, err, sizeof err), RR_OK);
	parse_file(idx, &p);
	check_page(&p);
	assert_int_equal(COUNT(&p, "//table[contains(@class,'headline')]/thead/tr/th"), 5);
	assert_xstr(&p, "normalize-space(//*[@data-slot='headline']//p[@class='baseline'])",
		    "Compared with week-46.json. Rows marked “regression” moved the worse way "
		    "beyond the threshold.");
	assert_int_equal(COUNT(&p, "//tr[contains(@class,'regression')]"), 2);
	assert_int_equal(COUNT(&p, "//span[@class='badge regression'][.='regression']"), 2);
	assert_int_equal(COUNT(&p, "//tr[@data-key='entry_latency_p50_ms']/th/span"
			       "[@class='badge regression'][.='regression']"), 1);
	assert_int_equal(COUNT(&p, "//tr[@data-key='calls']//span[@class='badge regression']"), 0);
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_latency_p50_ms']/td[2])", "1.3 s");
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_latency_p50_ms']/td[3])",
		    "▲ +120 ms");
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_latency_p50_ms']/td[4])", "+8.7 %");
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_success_pm']/td[3])", "▼ -1.6 pts");
	assert_xstr(&p, "normalize-space(//tr[@data-key='entry_success_pm']/td[4])", "-1.7 %");
	assert_xstr(&p, "normalize-space(//tr[@data-key='calls']/td[3])", "▲ +20");
	assert_xstr(&p, "normalize-space(//tr[@data-key='calls']/td[4])", "+25.0 %");
	assert_xstr(&p, "normalize-space(//tr[@data-key='first_frame_p50_ms']/td[2])", "—");
	assert_xstr(&p, "normalize-space(//tr[@data-key='first_frame_p50_ms']/td[3])", "—");
	parsed_free(&p);

	/* Single file: sections only for the selected calls, links to them. */
	assert_int_equal(render_write_file(fx->rd, &r, fx->cat, one, err, sizeof err), RR_OK);
	parse_file(one, &p);
	check_page(&p);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]"), 2);
	assert_int_equal(COUNT(&p, "//section[@id='call-1']"), 1);
	assert_int_equal(COUNT(&p, "//section[@id='call-3']"), 1);
	assert_int_equal(COUNT(&p, "//a[@href='#call-2']"), 0);
	assert_int_equal(COUNT(&p, "//*[@data-slot='all-calls']//tbody/tr/td[1]/a"), 2);
	parsed_free(&p);

	/* No pages at all. */
	memset(sel, 0, WCALLS);
	r.npages = 0;
	assert_int_equal(render_write_file(fx->rd, &r, fx->cat, one, err, sizeof err), RR_OK);
	parse_file(one, &p);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]"), 0);
	assert_int_equal(COUNT(&p, "//a[starts-with(@href,'#call-')]"), 0);
	parsed_free(&p);
	assert_int_equal(render_write_dir(fx->rd, &r, fx->cat, dir, err, sizeof err), RR_OK);
	parse_file(idx, &p);
	assert_int_equal(COUNT(&p, "//a[starts-with(@href,'calls/')]"), 0);
	parsed_free(&p);
	{
		char *calls_dir = join(dir, "calls");

		assert_int_equal(count_entries(calls_dir), 0);
		free(calls_dir);
	}

	/* One day: still one point per chart and series. */
	r.ndays = 1;
	assert_int_equal(render_write_dir(fx->rd, &r, fx->cat, dir, err, sizeof err), RR_OK);
	parse_file(idx, &p);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='calls']//*[contains(@class,'pt')]"), 1);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-success']//circle"), 1);
	parsed_free(&p);

	free(calls), free(files), free(sel), free(dir), free(idx), free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekly),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
