/*
 * Tests for render_weekly.c: the headline table (with and without a
 * baseline), the per-day table, the trend charts, the histograms, problem
 * users and the network breakdown, and which calls get a page (in the
 * directory and the single file), from a report whose weekly fields are
 * set by hand; one test per aspect, each on a fresh copy of that report.
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
#include "report_index.h"
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

static const char *const lat_labels[REPORT_HIST_BINS] = {
	"0–1 s", "1–2 s", "2–3 s", "3–5 s", "5–10 s", "10–20 s", "20–30 s", "30 s+" };
static const char *const dur_labels[6] = {
	"0–1 min", "1–5 min", "5–15 min", "15–30 min", "30 min–1 h", "1 h+" };

/* The weekly report: the group fixture's, with WCALLS calls (the
 * fixture's, repeated; pages for calls 0 and 2 only, named as the report
 * names them), WDAYS days, both histograms, three problem users, a network
 * breakdown and the headline without a baseline. Each test renders it into
 * a directory and a file of its own. */
struct weekly {
	struct fixture *fx;
	struct report r;
	struct model m;
	struct day days[WDAYS];
	struct problem_user pu[3];
	struct breakdown net[2];
	uint32_t worst[3];
	struct call *calls;
	char **files;
	uint8_t *sel;
	char *dir, *idx, *one;
	uint32_t n0, npages;
};

static void weekly_calls(struct weekly *w)
{
	struct fixture *fx = w->fx;

	w->n0 = fx->m.ncalls;
	assert_true(w->n0 >= 3);
	w->calls = calloc(WCALLS, sizeof *w->calls);
	w->files = calloc(WCALLS, sizeof *w->files);
	w->sel = calloc(WCALLS, 1);
	assert_true(w->calls && w->files && w->sel);
	for (uint32_t i = 0; i < WCALLS; i++) {
		w->calls[i] = fx->m.calls[i % w->n0];
		w->files[i] = fx->r.call_file[i % w->n0];
	}
	/* Pages for calls 0 and 2 only. */
	w->sel[0] = w->sel[2] = 1;
	w->npages = 2;
	w->m.calls = w->calls;
	w->m.ncalls = WCALLS;
	w->r.m = &w->m;
	w->r.call_file = w->files;
	w->r.call_page = w->sel;
	w->r.npages = w->npages;
	w->worst[0] = 2, w->worst[1] = 1, w->worst[2] = 0;
	w->r.worst = w->worst;
	w->r.nworst = 3;
	/* The call index of these calls (the fixture's is of its own). */
	w->r.index = NULL;
	assert_int_equal(report_index_build(&w->r), RR_OK);
}

static int weekly_setup(void **state)
{
	static unsigned serial;
	struct fixture *fx = *state;
	struct weekly *w = calloc(1, sizeof *w);
	char name[32];

	assert_non_null(w);
	w->fx = fx;
	w->r = fx->r;
	w->m = fx->m;
	snprintf(name, sizeof name, "weekly-%u", ++serial);
	w->dir = join(fx->tmp, name);
	w->idx = join(w->dir, "index.html");
	snprintf(name, sizeof name, "weekly-%u.html", serial);
	w->one = join(fx->tmp, name);
	assert_true(w->dir && w->idx && w->one);
	weekly_calls(w);

	weekly_days(w->days, WDAYS);
	w->r.days = w->days;
	w->r.ndays = WDAYS;
	weekly_hist(&w->r.latency_hist, lat_labels, REPORT_HIST_BINS);
	weekly_hist(&w->r.duration_hist, dur_labels, 6);
	w->pu[0] = (struct problem_user){ id_of(fx, "alice"), 4, 3, 2, 5, 1, 0, 1 };
	w->pu[1] = (struct problem_user){ id_of(fx, "bob"), 2, 1, 0, 3, 1, 1, 0 };
	w->pu[2] = (struct problem_user){ id_of(fx, hostile_fixed[0]), 1, 1, 0, 1, 0, 0, 0 };
	w->r.problem_users = w->pu;
	w->r.nproblem_users = 3;
	w->net[0].key = "Wi-Fi";
	w->net[0].users = 7, w->net[0].sessions = 9, w->net[0].entered = 8, w->net[0].timeouts = 1;
	w->net[0].entry_latency.p50 = 1100, w->net[0].entry_latency.p95 = 4000;
	w->net[0].value[BF_ENTRY_LATENCY_P50] = 1100;
	w->net[1].key = "(not reported)";
	w->net[1].users = 1, w->net[1].sessions = 2, w->net[1].entered = 2;
	w->net[1].entry_latency.p50 = w->net[1].entry_latency.p95 = RR_NONE;
	w->r.by_network = w->net;
	w->r.nby_network = 2;
	weekly_headline(&w->r, 0);
	*state = w;
	return 0;
}

static int weekly_teardown(void **state)
{
	struct weekly *w = *state;

	report_index_free(&w->r);
	free(w->calls), free(w->files), free(w->sel), free(w->dir), free(w->idx), free(w->one);
	free(w);
	return 0;
}

/* render_write_dir of the weekly report, which must succeed; its index
 * parsed back into p and held to check_page. */
static void weekly_render_dir(struct weekly *w, struct parsed *p)
{
	char err[256];

	assert_int_equal(render_write_dir(w->fx->rd, &w->r, w->fx->cat, w->dir, err, sizeof err),
			 RR_OK);
	parse_file(w->idx, p);
	check_page(p);
}

/* The same for render_write_file. */
static void weekly_render_file(struct weekly *w, struct parsed *p)
{
	char err[256];

	assert_int_equal(render_write_file(w->fx->rd, &w->r, w->fx->cat, w->one, err, sizeof err),
			 RR_OK);
	parse_file(w->one, p);
	check_page(p);
}

static int weekly_call_pages(struct weekly *w)
{
	char *calls_dir = join(w->dir, "calls");
	int n = count_entries(calls_dir);

	free(calls_dir);
	return n;
}

/* Without a baseline: two columns, no badge; the values formatted. */
static void test_weekly_headline(void **state)
{
	struct parsed p;

	weekly_render_dir(*state, &p);
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
	parsed_free(&p);
}

#define DAY_COLUMNS 17

/* What column c (0: the date) of day i's row must show. */
static void day_cell(const struct day *d, size_t i, size_t c, char *b, size_t n)
{
	switch (c) {
	case 0: snprintf(b, n, "%.10s", d->date); break;
	case 1: snprintf(b, n, "%u", d->calls); break;
	case 2: snprintf(b, n, "%u", d->sessions); break;
	case 3: snprintf(b, n, "%u", d->users); break;
	case 4: snprintf(b, n, "%zu.5 h", i + 1); break;
	case 5: snprintf(b, n, "%u", d->entered); break;
	case 6: snprintf(b, n, "93.%zu %%", 4 + i); break;
	case 7: snprintf(b, n, "90.0 %%"); break;
	case 8: snprintf(b, n, "1.%zu s", 2 + i); break;
	case 9: snprintf(b, n, "6 s"); break;
	case 10: snprintf(b, n, "800 ms"); break;
	case 11: snprintf(b, n, "%u", d->timeouts); break;
	case 12: snprintf(b, n, "%u", d->kicks); break;
	case 13: snprintf(b, n, "%u", d->entry_failed); break;
	case 14: snprintf(b, n, "%u", d->no_exit); break;
	case 15: snprintf(b, n, "%u", d->experiences); break;
	default: snprintf(b, n, "2.3"); break;
	}
}

/* Days: one row per day with every figure (date, calls, sessions, users,
 * user-hours, entered, success, fast, p50, p95, first frame, timeouts,
 * kicks, failed, no exit, experiences, experiences per 100). */
static void test_weekly_days(void **state)
{
	struct weekly *w = *state;
	struct parsed p;
	char expr[256], b[32];

	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//table[@class='days']/tbody/tr"), WDAYS);
	assert_int_equal(COUNT(&p, "//table[@class='days']/thead/tr/th"), DAY_COLUMNS);
	for (size_t i = 0; i < WDAYS; i++)
		for (size_t c = 0; c < DAY_COLUMNS; c++) {
			day_cell(&w->days[i], i, c, b, sizeof b);
			snprintf(expr, sizeof expr,
				 "normalize-space((//table[@class='days']/tbody/tr)[%zu]/*[%zu])",
				 i + 1, c + 1);
			assert_xstr(&p, expr, b);
		}
	parsed_free(&p);
}

/* Trend charts: one per figure, one point per day and series, each with a
 * <title>; the first and last dates on the axis. */
static void test_weekly_trends(void **state)
{
	static const char *const fig_keys[] = {
		"calls", "sessions", "entry-success", "entry-latency", "timeouts", "entry-failed",
		"experiences" };
	struct parsed p;
	char expr[256];

	weekly_render_dir(*state, &p);
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
	parsed_free(&p);
}

/* Histograms: one bar per bin, its count on it and its label under it;
 * exits: the table and a bar. */
static void test_weekly_histograms(void **state)
{
	struct weekly *w = *state;
	struct parsed p;
	char expr[256], want[128];

	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//figure[@class='hist']"), 2);
	assert_int_equal(COUNT(&p, "(//figure[@class='hist'])[1]//rect[@class='bar']"),
			 REPORT_HIST_BINS);
	assert_int_equal(COUNT(&p, "(//figure[@class='hist'])[2]//rect[@class='bar']"), 6);
	for (uint32_t i = 0; i < 6; i++) {
		snprintf(expr, sizeof expr, "string(((//figure[@class='hist'])[2]//g[@class='bin'])"
			 "[%u]/text[@class='count'])", i + 1);
		snprintf(want, sizeof want, "%u", w->r.duration_hist.count[i]);
		assert_xstr(&p, expr, want);
		snprintf(expr, sizeof expr, "string(((//figure[@class='hist'])[2]//g[@class='bin'])"
			 "[%u]/text[@class='bin-label'])", i + 1);
		assert_xstr(&p, expr, dur_labels[i]);
	}
	assert_xstr(&p, "string(((//figure[@class='hist'])[1]//g[@class='bin'])[4]/title)",
		    "3–5 s: 10 sessions");
	assert_int_equal(COUNT(&p, "//*[@data-slot='exits']//svg[@class='exit-bar']"), 1);
	parsed_free(&p);
}

/* Problem users and the network breakdown. */
static void test_weekly_problem_users_and_networks(void **state)
{
	struct parsed p;

	weekly_render_dir(*state, &p);
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
		    "[1]/td[10])", "1.1 s");
	parsed_free(&p);
}

/* Page selection: files only for the selected calls; links only to them;
 * the all-calls list capped. */
static void test_weekly_page_selection(void **state)
{
	struct weekly *w = *state;
	struct parsed p;
	char expr[256], want[128];

	weekly_render_dir(w, &p);
	for (uint32_t i = 0; i < w->n0; i++) {
		char *f = join(w->dir, w->fx->r.call_file[i]);
		struct stat st;

		assert_int_equal(stat(f, &st) == 0, w->sel[i]);
		free(f);
	}
	assert_int_equal(weekly_call_pages(w), (int)w->npages);
	assert_int_equal(COUNT(&p, "//*[@data-slot='worst']//tbody/tr"), 3);
	assert_int_equal(COUNT(&p, "//*[@data-slot='worst']//tbody/tr/td[1]/a"), 2);
	snprintf(expr, sizeof expr, "count(//a[@href='%s'])", w->fx->r.call_file[1]);
	assert_int_equal((long)xnum(&p, expr), 0);
	/* The overview says which calls have a page; the call index lists every
	 * call (none capped), linking calls 0 and 2 only. */
	snprintf(want, sizeof want, "%u of %d calls have a page of their own (--pages)",
		 w->npages, WCALLS);
	snprintf(expr, sizeof expr, "count(//*[@data-slot='all-calls']//p[starts-with(.,'%s')])",
		 want);
	assert_int_equal((long)xnum(&p, expr), 1);
	parsed_free(&p);
	assert_int_equal(count_index_pages(w->dir, "day", "//ul[@class='find-day']/li", NULL),
			 WCALLS);
	assert_int_equal(count_index_pages(w->dir, "day", "//ul[@class='find-day']/li/a", NULL), 2);
	assert_int_equal(count_index_pages(w->dir, "day", "//ul[@class='find-day']/li[@id='c-2']/a",
					   NULL), 0);
}

/* With a baseline: previous, change, relative change, badges. */
static void test_weekly_headline_baseline(void **state)
{
	struct weekly *w = *state;
	struct parsed p;

	weekly_headline(&w->r, 1);
	weekly_render_dir(w, &p);
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
}

/* Single file (with a baseline): sections only for the selected calls,
 * links to them. */
static void test_weekly_single_file(void **state)
{
	struct weekly *w = *state;
	struct parsed p;

	weekly_headline(&w->r, 1);
	weekly_render_file(w, &p);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]"), 2);
	assert_int_equal(COUNT(&p, "//section[@id='call-1']"), 1);
	assert_int_equal(COUNT(&p, "//section[@id='call-3']"), 1);
	assert_int_equal(COUNT(&p, "//a[@href='#call-2']"), 0);
	assert_int_equal(COUNT(&p, "//ul[@class='find-day']/li/a[starts-with(@href,'#call-')]"), 2);
	assert_int_equal(COUNT(&p, "//ul[@class='find-day']/li"), WCALLS);
	parsed_free(&p);
}

/* No pages at all: no call sections or links in the file; in the
 * directory, no links and the two pages an earlier render wrote gone. */
static void test_weekly_no_pages(void **state)
{
	struct weekly *w = *state;
	struct parsed p;

	weekly_headline(&w->r, 1);
	weekly_render_dir(w, &p);
	parsed_free(&p);
	assert_int_equal(weekly_call_pages(w), 2);
	memset(w->sel, 0, WCALLS);
	w->r.npages = 0;
	weekly_render_file(w, &p);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]"), 0);
	assert_int_equal(COUNT(&p, "//a[starts-with(@href,'#call-')]"), 0);
	parsed_free(&p);
	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//a[starts-with(@href,'calls/')]"), 0);
	parsed_free(&p);
	assert_int_equal(weekly_call_pages(w), 0);
}

/* One day: one row in the days table, and still one point per chart and
 * series. */
static void test_weekly_one_day(void **state)
{
	struct weekly *w = *state;
	struct parsed p;

	w->r.ndays = 1;
	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//table[@class='days']/tbody/tr"), 1);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='calls']//*[contains(@class,'pt')]"), 1);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-success']//circle"), 1);
	parsed_free(&p);
}

/* Partial days: "(partial)" in the table, "partial" under the date in
 * every chart, hollow dots and faded columns, and a sentence each saying
 * why (a --from window, the last row). */
static void test_weekly_partial_days(void **state)
{
	struct weekly *w = *state;
	struct parsed p;

	w->days[0].partial = DAY_PARTIAL_FROM | DAY_PARTIAL_FIRST_ROW;
	w->days[WDAYS - 1].partial = DAY_PARTIAL_LAST_ROW;
	w->r.window_from_ms = 1795132800000LL + 12 * 3600000LL;   /* 2026-11-20 12:00 */
	w->r.rows_first_ms = w->r.window_from_ms + 60000;
	w->r.rows_last_ms = 1795132800000LL + 4 * 86400000LL + 18 * 3600000LL + 5000;
	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//table[@class='days']/tbody/tr[@class='partial']"), 2);
	assert_xstr(&p, "normalize-space((//table[@class='days']/tbody/tr)[1]/th)",
		    "2026-11-20 (partial)");
	assert_xstr(&p, "normalize-space((//table[@class='days']/tbody/tr)[2]/th)", "2026-11-21");
	assert_xstr(&p, "normalize-space((//table[@class='days']/tbody/tr)[5]/th)",
		    "2026-11-24 (partial)");
	assert_int_equal(COUNT(&p, "//figure[@class='trend']//text[contains(@class,'partial-label')]"
			       "[.='partial']"), 2 * 7);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='calls']//rect[@class='pt col partial']"), 2);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-latency']"
			       "//circle[contains(@class,'partial')]"), 4);
	assert_xstr(&p, "string((//figure[@data-figure='calls']//rect[contains(@class,'pt')])[1]"
		    "/title)", "2026-11-20 (partial): 10");
	assert_int_equal(COUNT(&p, "//p[contains(@class,'partial-note')]"), 2);
	assert_xstr(&p, "normalize-space((//p[contains(@class,'partial-note')])[1])",
		    "2026-11-20 is partial (its figures cover part of the day): --from starts at "
		    "12:00:00 on it.");
	assert_xstr(&p, "normalize-space((//p[contains(@class,'partial-note')])[2])",
		    "2026-11-24 is partial (its figures cover part of the day): the input's last row "
		    "is at 18:00:05.");
	parsed_free(&p);
}

/* Value axes: counts, latencies and rates from 0; entry success (all
 * 93.4-93.8 %) cut at 90.0 % with a break mark and a note; below 10 %
 * it starts at 0 too. */
static void test_weekly_axes(void **state)
{
	struct weekly *w = *state;
	struct parsed p;

	weekly_render_dir(w, &p);
	assert_xstr(&p, "string(//figure[@data-figure='calls']//text[contains(@class,'y-min')])",
		    "0");
	assert_xstr(&p, "string(//figure[@data-figure='calls']//text[@class='y-label'])", "14");
	assert_xstr(&p, "string(//figure[@data-figure='entry-latency']"
		    "//text[contains(@class,'y-min')])", "0 ms");
	assert_xstr(&p, "string(//figure[@data-figure='experiences']"
		    "//text[contains(@class,'y-min')])", "0.0");
	assert_int_equal(COUNT(&p, "//path[@class='axis-break']"), 1);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-success']//path[@class='axis-break']"),
			 1);
	assert_xstr(&p, "string(//figure[@data-figure='entry-success']"
		    "//text[contains(@class,'y-min')])", "90.0 %");
	assert_xstr(&p, "normalize-space(//figure[@data-figure='entry-success']"
		    "/p[contains(@class,'axis-note')])",
		    "Axis cut: it starts at 90.0 %, not at 0 (marked // on the axis).");
	assert_int_equal(COUNT(&p, "//p[contains(@class,'axis-note')]"), 1);
	/* 93.4 % on the axis from 90.0 % to 93.8 %: y 10+98*(1-34/38). */
	assert_xstr(&p, "string((//figure[@data-figure='entry-success']//circle)[1]/@cy)", "20.3");
	parsed_free(&p);
	for (size_t i = 0; i < WDAYS; i++)
		w->days[i].entry_success_pm = 50 + (int64_t)i;
	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//path[@class='axis-break']"), 0);
	assert_xstr(&p, "string(//figure[@data-figure='entry-success']"
		    "//text[contains(@class,'y-min')])", "0.0 %");
	parsed_free(&p);
}

/* With a baseline's days: dashed lines drawn before (behind) this
 * report's, through the matched days only; dashed outline columns beside
 * the columns; legends by dash and text; the note naming the file. */
static void test_weekly_baseline_days(void **state)
{
	struct weekly *w = *state;
	struct prev_day prev[WDAYS];
	struct parsed p;
	char expr[256], want[200];
	double slotw = (360.0 - 60 - 8) / WDAYS;
	int64_t sp[WDAYS] = { 900, 920, 0, 910, 0 };

	memset(prev, 0, sizeof prev);
	for (size_t i = 0; i < WDAYS; i++) {
		if (i == 2 || i == 4)
			continue;              /* days without a baseline day */
		snprintf(prev[i].date, sizeof prev[i].date, "2026-11-%02u", 13 + (unsigned)i);
		prev[i].calls = 20;
		prev[i].sessions = prev[i].timeouts = prev[i].entry_failed = 1;
		prev[i].entry_success_pm = sp[i];
		prev[i].latency_p50 = 1000;
		prev[i].latency_p95 = RR_NONE;
		prev[i].experiences_per_100_x10 = 10;
		prev[i].partial = i == 0;
	}
	weekly_headline(&w->r, 1);
	w->r.prev_days = prev;
	w->r.nprev_days = 3;
	w->r.baseline_days = 7;
	w->r.prev_gap_min = w->r.prev_gap_max = 7;
	weekly_render_dir(w, &p);
	/* Entry success: 900..938 per mille on a 98-high plot from 10. */
	want[0] = '\0';
	for (size_t i = 0; i < 2; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s%.1f,%.1f",
			 i ? " " : "", 60 + (i + 0.5) * slotw,
			 10 + 98 * (1 - (double)(sp[i] - 900) / 38));
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-success']"
			       "//polyline[@class='series prev s0']"), 2);   /* broken at day 3 */
	assert_xstr(&p, "string((//figure[@data-figure='entry-success']"
		    "//polyline[@class='series prev s0'])[1]/@points)", want);
	/* Behind: the dashed line comes before this report's in the document. */
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-success']"
			       "//polyline[@class='series s0']/preceding-sibling::polyline"
			       "[@class='series prev s0']"), 2);
	assert_xstr(&p, "string((//figure[@data-figure='entry-success']//circle"
		    "[contains(@class,'prev-dot')])[1]/title)",
		    "2026-11-13 (partial) (baseline): 90.0 %");
	/* p95 has no baseline value: no dashed p95. */
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-latency']"
			       "//polyline[@class='series prev s1']"), 0);
	assert_int_equal(COUNT(&p, "//figure[@data-figure='entry-latency']"
			       "//polyline[@class='series prev s0']"), 2);
	/* Columns: three dashed outlines, left of this report's. */
	assert_int_equal(COUNT(&p, "//figure[@data-figure='calls']//rect[@class='pt prev-col']"), 3);
	assert_true(xnum(&p, "number((//figure[@data-figure='calls']//rect[@class='pt prev-col'])"
			 "[1]/@x)") < xnum(&p, "number((//figure[@data-figure='calls']"
					    "//rect[@class='pt col'])[1]/@x)"));
	/* Legends: text and a dashed swatch in every chart. */
	for (const char *f = "calls"; f; f = strcmp(f, "calls") ? NULL : "entry-latency") {
		snprintf(expr, sizeof expr, "count(//figure[@data-figure='%s']//li[contains(.,"
			 "'baseline (dashed)')]/span[contains(@class,'prev')])", f);
		assert_int_equal((long)xnum(&p, expr), strcmp(f, "calls") ? 2 : 1);
	}
	assert_int_equal(COUNT(&p, "//ul[contains(@class,'chart-legend')]"), 7);
	assert_xstr(&p, "normalize-space(//figure[@data-figure='entry-latency']//ul/li[4])",
		    "p95, baseline (dashed)");
	assert_xstr(&p, "normalize-space(//p[contains(@class,'baseline-days')])",
		    "Dashed: week-46.json, each day against the same weekday 7 days before "
		    "(3 of 5 days have one).");
	parsed_free(&p);
	/* A baseline without days: no dashes, and a note saying so. */
	w->r.prev_days = NULL;
	w->r.nprev_days = 0;
	w->r.baseline_days = 0;
	weekly_render_dir(w, &p);
	assert_int_equal(COUNT(&p, "//*[contains(@class,'prev-') or contains(@class,'series prev')"
			       " or contains(@class,'swatch col prev')]"), 0);
	assert_xstr(&p, "normalize-space(//p[contains(@class,'baseline-days')])",
		    "week-46.json has no days, so no dashed line is drawn.");
	parsed_free(&p);
}

/* The other reasons and notes: the first row, --to; a baseline whose days
 * match none, and matches at different gaps. */
static void test_weekly_day_notes(void **state)
{
	struct weekly *w = *state;
	struct prev_day prev[WDAYS];
	struct parsed p;

	w->days[0].partial = DAY_PARTIAL_FIRST_ROW;
	w->days[WDAYS - 1].partial = DAY_PARTIAL_TO | DAY_PARTIAL_LAST_ROW;
	w->r.rows_first_ms = 1795132800000LL + 9 * 3600000LL + 30000;      /* 09:00:30 */
	w->r.window_to_ms = 1795132800000LL + 4 * 86400000LL + 20 * 3600000LL;
	weekly_headline(&w->r, 1);
	w->r.baseline_days = 4;
	weekly_render_dir(w, &p);
	assert_xstr(&p, "normalize-space((//p[contains(@class,'partial-note')])[1])",
		    "2026-11-20 is partial (its figures cover part of the day): the input's first "
		    "row is at 09:00:30.");
	assert_xstr(&p, "normalize-space((//p[contains(@class,'partial-note')])[2])",
		    "2026-11-24 is partial (its figures cover part of the day): --to ends at "
		    "20:00:00 on it.");
	assert_xstr(&p, "normalize-space(//p[contains(@class,'baseline-days')])",
		    "week-46.json has no day on the same weekday of an earlier week, so no dashed "
		    "line is drawn.");
	parsed_free(&p);
	memset(prev, 0, sizeof prev);
	for (size_t i = 0; i < 2; i++) {
		snprintf(prev[i].date, sizeof prev[i].date, "2026-11-%02u", 6 + 7 * (unsigned)i);
		prev[i].calls = prev[i].sessions = prev[i].timeouts = prev[i].entry_failed = 3;
		prev[i].entry_success_pm = prev[i].latency_p50 = prev[i].latency_p95 = RR_NONE;
		prev[i].experiences_per_100_x10 = RR_NONE;
	}
	w->r.prev_days = prev;
	w->r.nprev_days = 2;
	w->r.prev_gap_min = 7;
	w->r.prev_gap_max = 14;
	weekly_render_dir(w, &p);
	assert_xstr(&p, "normalize-space(//p[contains(@class,'baseline-days')])",
		    "Dashed: week-46.json, each day against the same weekday in the nearest earlier "
		    "week the baseline has (7 to 14 days before; 2 of 5 days have one).");
	/* Without the baseline's rates: no dashed line where it has none. */
	assert_int_equal(COUNT(&p, "//polyline[contains(@class,'prev')]"), 0);
	assert_int_equal(COUNT(&p, "//rect[@class='pt prev-col']"), 2 * 4);
	parsed_free(&p);
}

/* What went with the exits: the table's cells (with and without the
 * baseline's counts), the three rise sentences as report_context.c left
 * the rows (hand-set here), nothing said of an exit without a rise; the
 * trend column with two baselines: its header, one sparkline per figure
 * with its values as text, the note; a top list's baseline rates. */
static void test_weekly_context_and_trend(void **state)
{
	struct weekly *w = *state;
	struct context_row *t = &w->r.context[CX_TIMEOUT], *k = &w->r.context[CX_KICKED];
	struct context_row *f = &w->r.context[CX_ENTRY_FAILED];
	struct trend_run runs[2];
	struct top_item top[2];
	struct parsed p;
	char *s;

	weekly_headline(&w->r, 1);
	memset(w->r.context, 0, sizeof w->r.context);
	t->sessions = 80, t->with[CK_NET_LOSS] = 8, t->with[CK_NETWORK] = 10, t->with[CK_ANY] = 12;
	t->none = 68, t->share_pm[CK_NET_LOSS] = 100, t->share_pm[CK_NETWORK] = 125;
	t->share_pm[CK_ANY] = 150, t->none_pm = 850;
	t->has_previous = 1, t->prev_sessions = 50, t->prev_with[CK_NET_LOSS] = 9;
	t->prev_share_pm[CK_NET_LOSS] = 180;
	t->prev_net_pm[0] = 58, t->net_pm[0] = 92, t->prev_net_pm[1] = 5, t->net_pm[1] = 3;
	t->rise = CXR_WITHOUT, t->rise_without_pm = 1063;
	k->sessions = 4, k->has_previous = 0;
	k->prev_net_pm[0] = 20, k->net_pm[0] = 22, k->prev_net_pm[1] = 1, k->net_pm[1] = 9;
	k->rise = CXR_WITH, k->rise_without_pm = 200;
	f->sessions = 10, f->has_previous = 1, f->prev_sessions = 10;
	f->prev_net_pm[0] = 30, f->net_pm[0] = 40, f->prev_net_pm[1] = 2, f->net_pm[1] = 12;
	f->rise = CXR_BOTH, f->rise_without_pm = 500;
	w->r.headline[HL_TIMEOUTS_PM].previous = 63, w->r.headline[HL_TIMEOUTS_PM].value = 96;
	w->r.headline[HL_KICKS_PM].previous = 21, w->r.headline[HL_KICKS_PM].value = 31;
	w->r.headline[HL_ENTRY_FAILED_PM].previous = 32, w->r.headline[HL_ENTRY_FAILED_PM].value = 52;
	memset(runs, 0, sizeof runs);
	snprintf(runs[0].first, 11, "2026-11-06"), snprintf(runs[0].last, 11, "2026-11-12");
	snprintf(runs[1].first, 11, "2026-11-13"), snprintf(runs[1].last, 11, "2026-11-19");
	for (int i = 0; i < HL__COUNT; i++)
		runs[0].value[i] = 50 + i, runs[1].value[i] = i == HL_CALLS ? RR_NONE : 60 + i;
	w->r.trend = runs;
	w->r.ntrend = 2;
	memset(top, 0, sizeof top);
	top[0].label = "Left room: timed out", top[0].severity = SEV_ERROR;
	snprintf(top[0].raw, sizeof top[0].raw, "7001 (1, -1)");
	top[0].count = 96, top[0].users = 90, top[0].count_pm = 96, top[0].users_pm = 90;
	top[0].prev_count_pm = 63, top[0].count_pm_change = 33;
	top[0].prev_users_pm = RR_NONE, top[0].users_pm_change = RR_NONE;
	top[1] = top[0];          /* the lists are told apart by their arrays */
	w->r.top_events_by_count = &top[0];
	w->r.top_events_by_users = &top[1];
	w->r.ntop_events_by_count = w->r.ntop_events_by_users = 1;
	weekly_render_dir(w, &p);
	w->r.trend = NULL;
	w->r.ntrend = 0;
	w->r.top_events_by_count = w->r.top_events_by_users = NULL;
	w->r.ntop_events_by_count = w->r.ntop_events_by_users = 0;

	assert_xstr(&p, "normalize-space(//table[contains(@class,'context')]/tbody/tr[1])",
		    "Network loss 10.0 % (8 of 80) was 18.0 % (9 of 50) 0.0 % (0 of 4) baseline: "
		    "not given 0.0 % (0 of 10) was 0.0 % (0 of 10)");
	assert_xstr(&p, "normalize-space(//table[contains(@class,'context')]/tbody/tr[last()]/th)",
		    "None of these");
	assert_xstr(&p, "normalize-space(//p[@class='context-rise'][1])",
		    "Timeouts per 1000 sessions rose 63 → 96. The rise is in timeouts without a "
		    "network loss or change before them: 58 → 92 per 1000 sessions (more than the "
		    "whole rise); timeouts preceded by one fell 5 → 3.");
	assert_xstr(&p, "normalize-space(//p[@class='context-rise'][2])",
		    "Kicks per 1000 sessions rose 21 → 31. The rise is in kicks preceded by a "
		    "network loss or change: 1 → 9 per 1000 sessions (80 % of the rise); kicks "
		    "without one rose 20 → 22.");
	assert_xstr(&p, "normalize-space(//p[@class='context-rise'][3])",
		    "Entry failures per 1000 sessions rose 32 → 52, both in entry failures without "
		    "a network loss or change before them (30 → 40 per 1000 sessions, 50 % of the "
		    "rise) and in entry failures preceded by one (2 → 12).");
	assert_int_equal(COUNT(&p, "//p[@class='context-rise']"), 3);
	assert_int_equal(COUNT(&p, "//table[contains(@class,'headline')]/thead/tr/th"), 6);
	assert_xstr(&p, "//table[contains(@class,'headline')]/thead/tr/th[6]", "Trend");
	assert_int_equal(COUNT(&p, "//svg[@class='spark']"), HL__COUNT);
	assert_xstr(&p, "//tr[@data-key='timeouts_pm']//svg[@class='spark']/@aria-label",
		    "timeouts_pm, oldest first: 59 (2026-11-06 to 2026-11-12), 69 (2026-11-13 to "
		    "2026-11-19), 96 (this report)");
	/* A figure the newer baseline lacks: "—", no point for it. */
	assert_xstr(&p, "//tr[@data-key='calls']//svg[@class='spark']/title",
		    "calls, oldest first: 50 (2026-11-06 to 2026-11-12), — (2026-11-13 to "
		    "2026-11-19), 100 (this report)");
	assert_int_equal(COUNT(&p, "//tr[@data-key='calls']//svg[@class='spark']/circle"), 2);
	assert_int_equal(COUNT(&p, "//tr[@data-key='timeouts_pm']//circle[@class='pt now']"), 1);
	s = xstr(&p, "normalize-space(//p[contains(@class,'trend-note')])");
	assert_non_null(strstr(s, "Trend: the 2 baselines, oldest first (2026-11-06 to 2026-11-12 "
				  "… 2026-11-13 to 2026-11-19), then this report"));
	free(s);
	assert_xstr(&p, "normalize-space(//*[@data-slot='top-events-count']//tbody/tr/td[6])",
		    "96 was 63, ▲ +33");
	assert_xstr(&p, "normalize-space(//*[@data-slot='top-events-users']//tbody/tr/td[6])",
		    "90 not in the baseline's lists");
	assert_xstr(&p, "//*[@data-slot='top-events-users']//thead/tr/th[6]",
		    "Users per 1000 sessions");
	parsed_free(&p);
}

#define WEEKLY_TEST(t) cmocka_unit_test_setup_teardown(t, weekly_setup, weekly_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		WEEKLY_TEST(test_weekly_headline),
		WEEKLY_TEST(test_weekly_days),
		WEEKLY_TEST(test_weekly_trends),
		WEEKLY_TEST(test_weekly_histograms),
		WEEKLY_TEST(test_weekly_problem_users_and_networks),
		WEEKLY_TEST(test_weekly_page_selection),
		WEEKLY_TEST(test_weekly_headline_baseline),
		WEEKLY_TEST(test_weekly_single_file),
		WEEKLY_TEST(test_weekly_no_pages),
		WEEKLY_TEST(test_weekly_one_day),
		WEEKLY_TEST(test_weekly_partial_days),
		WEEKLY_TEST(test_weekly_axes),
		WEEKLY_TEST(test_weekly_baseline_days),
		WEEKLY_TEST(test_weekly_day_notes),
		WEEKLY_TEST(test_weekly_context_and_trend),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
