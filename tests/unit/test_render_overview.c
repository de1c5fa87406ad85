/*
 * Tests for render_overview.c: the overview page's structure and content
 * (totals, exits, worst calls and their links, the breakdown tables, the
 * generation time), parsed back and queried with XPath.
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

static void test_overview(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "ov"), *idx = join(dir, "index.html");
	struct parsed p;

	write_dir(fx, dir);
	parse_file(idx, &p);
	check_page(&p);
	assert_xstr(&p, "string(//title)", "roomreport");
	assert_xstr(&p, "string(//h1)", "roomreport");
	/* No SOURCE_DATE_EPOCH: no generation time; the zone all the same
	 * (issue 17 item 6). */
	assert_xstr(&p, "string(//p[@class='generated'])", "Times in UTC.");
	/* Worst calls link to pages that exist. */
	assert_true(fx->r.nworst >= 2);
	assert_int_equal(COUNT(&p, "//*[@data-slot='worst']//tbody/tr"), (long)fx->r.nworst);
	for (size_t i = 0; i < fx->r.nworst; i++) {
		char expr[160], *href, *path;
		struct stat st;

		snprintf(expr, sizeof expr, "string((//*[@data-slot='worst']//tbody/tr)[%zu]//a/@href)",
			 i + 1);
		href = xstr(&p, expr);
		assert_string_equal(href, fx->r.call_file[fx->r.worst[i]]);
		path = join(dir, href);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		free(path);
		free(href);
	}
	/* Every call in the index: its data, a link to calls.html, where
	 * each is listed and linked by day, and each user with their calls. */
	assert_int_equal(COUNT(&p, "//section[@id='find']//script[@id='find-data']"), 1);
	assert_int_equal(COUNT(&p, "//section[@id='find']//a[@href='calls.html']"), 1);
	{
		char *ci = join(dir, "calls.html");
		struct parsed q;
		int nd, nu;

		/* calls.html: links to the day pages and the users' pages. */
		parse_file(ci, &q);
		assert_int_equal(COUNT(&q, "//script"), 0);
		assert_int_equal(COUNT(&q, "//ul[@class='index-days']//a[starts-with(@href,"
				       "'index/day-')]"), (long)fx->r.index->ndpages);
		assert_int_equal(COUNT(&q, "//ul[@class='index-users']//a[starts-with(@href,"
				       "'index/users-')]"), (long)fx->r.index->nupages);
		parsed_free(&q);
		free(ci);
		assert_int_equal(count_index_pages(dir, "day", "//ul[@class='find-day']/li", &nd),
				 (long)fx->m.ncalls);
		assert_int_equal(nd, (int)fx->r.index->ndpages);
		assert_int_equal(count_index_pages(dir, "day", "//ul[@class='find-day']/li/a"
						   "[starts-with(@href,'../calls/')]", NULL),
				 (long)fx->m.ncalls);
		assert_int_equal(count_index_pages(dir, "day", "//script", NULL), 0);
		assert_int_equal(count_index_pages(dir, "users", "//ul[@class='find-users']/li",
						   &nu), (long)fx->r.index->nusers);
		assert_int_equal(nu, (int)fx->r.index->nupages);
		assert_int_equal(count_index_pages(dir, "users", "//ul[@class='find-users']/li/a",
						   NULL),
				 (long)fx->r.index->user_first[fx->r.index->nusers]);
	}
	/* Problem users link to their row in the index. */
	assert_int_equal(COUNT(&p, "//*[@data-slot='problem-users']//tbody/tr/td[1]/a"
			       "[starts-with(@href,'index/users-1.html#u-') and @data-user=.]"),
			 (long)fx->r.nproblem_users);
	/* Figures as the report has them. */
	assert_int_equal(COUNT(&p, "//*[@data-slot='exits']//tbody/tr"), EXIT__COUNT);
	{
		char want[24];

		snprintf(want, sizeof want, "%u", fx->r.exits[EXIT_TIMEOUT]);
		assert_xstr(&p, "string(//*[@data-slot='exits']//tr[normalize-space(td[1])='timed out']/td[2])", want);
		assert_true(fx->r.exits[EXIT_TIMEOUT] >= 2);
	}
	assert_true(strstr(p.bytes, "sampled") || strstr(p.bytes, "Sampled"));
	assert_int_equal(COUNT(&p, "//*[@data-slot='quality']//table[@class='unknown']/tbody/tr"),
			 (long)fx->dec.nunknown);
	parsed_free(&p);
	free(idx);
	free(dir);
}

/* Overview: breakdowns as the report has them; the count of users still in
 * the room. */
static void test_breakdowns(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "bd"), *idx = join(dir, "index.html");
	const struct {
		const char *h;
		const struct breakdown *b;
		size_t n;
	} t[] = {
		{ "By platform", fx->r.by_platform, fx->r.nby_platform },
		{ "By device type", fx->r.by_device, fx->r.nby_device },
		{ "By SDK version", fx->r.by_sdk, fx->r.nby_sdk },
		{ "By network type", fx->r.by_network, fx->r.nby_network },
	};
	struct parsed p;
	char expr[256], want[32];

	write_dir(fx, dir);
	parse_file(idx, &p);
	check_page(&p);
	assert_true(fx->r.nby_platform > 0 && fx->r.nby_device > 0 && fx->r.nby_sdk > 0);
	assert_int_equal(COUNT(&p, "//div[@class='breakdown']"), 3 + (fx->r.nby_network > 0));
	for (size_t i = 0; i < 4; i++) {
		snprintf(expr, sizeof expr, "count(//div[@class='breakdown'][h3='%s']//tbody/tr)", t[i].h);
		assert_int_equal((long)xnum(&p, expr), (long)t[i].n);
		for (size_t k = 0; k < t[i].n; k++) {
			snprintf(expr, sizeof expr,
				 "string((//div[@class='breakdown'][h3='%s']//tbody/tr)[%zu]/td[1])",
				 t[i].h, k + 1);
			assert_xstr(&p, expr, t[i].b[k].key);
			snprintf(expr, sizeof expr,
				 "string((//div[@class='breakdown'][h3='%s']//tbody/tr)[%zu]/td[3])",
				 t[i].h, k + 1);
			snprintf(want, sizeof want, "%u", t[i].b[k].sessions);
			assert_xstr(&p, expr, want);
		}
	}
	snprintf(want, sizeof want, "%u", fx->r.ongoing);
	assert_true(fx->r.ongoing >= 1);
	assert_xstr(&p, "normalize-space(//*[@data-slot='totals']//dt[.='Still in the room at export']"
		    "/following-sibling::dd[1])", want);
	parsed_free(&p);
	free(idx);
	free(dir);
}

static void test_generated(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "gen"), *idx = join(dir, "index.html");
	struct parsed p;

	fx->r.generated_ms = S(0);
	fx->r.title = "Weekly <b>report</b>";
	fx->r.filters = "room <3101>; user chen";
	write_dir(fx, dir);
	fx->r.generated_ms = RR_NONE;
	fx->r.title = NULL;
	fx->r.filters = NULL;
	parse_file(idx, &p);
	assert_xstr(&p, "string(//p[@class='generated'])", "Times in UTC. Generated 2026-11-20 "
		    "10:00:00. Filters: room <3101>; user chen.");
	assert_xstr(&p, "string(//p[@class='generated']/span[@class='filters'])", "Filters: ");
	assert_xstr(&p, "string(//title)", "Weekly <b>report</b>");
	assert_int_equal(COUNT(&p, "//b"), 0);
	parsed_free(&p);
	free(idx);
	free(dir);
}

/* The breakdown rows' rates; with a baseline, under each rate its previous
 * value and change, the mark as text, and "small" rows named; row ids
 * are the dimension and the row number, never the key. */
static void test_breakdown_rates(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "bdr"), *idx = join(dir, "index.html");
	struct breakdown *b = &fx->r.by_platform[0], keep = *b;
	const char *row = "(//div[@class='breakdown'][h3='By platform']//tbody/tr)[1]";
	static const struct {
		int col;
		const char *want;
	} cell[] = {
		{ 4, "94.1 % was 96.0 %, ▼ -1.9 pts" },
		{ 5, "—" },
		{ 6, "197 was 75, ▲ +122 regression" },
		{ 7, "0 was 0, = 0" },
		{ 10, "4.2 s was 2.2 s, ▲ +1.9 s regression" },   /* fmt_duration truncates */
	};
	struct parsed p;
	char expr[256];

	for (int f = 0; f < BF__COUNT; f++)
		b->value[f] = b->previous[f] = b->change[f] = RR_NONE;
	b->value[BF_ENTRY_SUCCESS_PM] = 941, b->previous[BF_ENTRY_SUCCESS_PM] = 960;
	b->change[BF_ENTRY_SUCCESS_PM] = -19;
	b->value[BF_TIMEOUTS_PM] = 197, b->previous[BF_TIMEOUTS_PM] = 75;
	b->change[BF_TIMEOUTS_PM] = 122, b->regression[BF_TIMEOUTS_PM] = 1;
	b->value[BF_KICKS_PM] = b->previous[BF_KICKS_PM] = b->change[BF_KICKS_PM] = 0;
	b->value[BF_ENTRY_LATENCY_P50] = 4294, b->previous[BF_ENTRY_LATENCY_P50] = 2298;
	b->change[BF_ENTRY_LATENCY_P50] = 1996, b->regression[BF_ENTRY_LATENCY_P50] = 1;
	b->has_previous = 1;
	fx->r.has_baseline = 1;
	fx->r.by_platform[fx->r.nby_platform - 1].small = 1;
	write_dir(fx, dir);
	fx->r.has_baseline = 0;
	fx->r.by_platform[fx->r.nby_platform - 1].small = 0;
	*b = keep;
	parse_file(idx, &p);
	check_page(&p);
	for (size_t i = 0; i < sizeof cell / sizeof cell[0]; i++) {
		snprintf(expr, sizeof expr, "normalize-space(%s/td[%d])", row, cell[i].col);
		assert_xstr(&p, expr, cell[i].want);
	}
	snprintf(expr, sizeof expr, "count(%s//span[@class='badge regression'])", row);
	assert_int_equal((long)xnum(&p, expr), 2);
	snprintf(expr, sizeof expr, "string(%s/@id)", row);
	assert_xstr(&p, expr, "bd-platform-1");
	snprintf(expr, sizeof expr,
		 "count((//div[@class='breakdown'][h3='By platform']//tbody/tr)[%zu]/td[1]"
		 "/span[.=' (small: never marked)'])", fx->r.nby_platform);
	assert_int_equal((long)xnum(&p, expr), 1);
	assert_int_equal(COUNT(&p, "//div[@class='breakdown']//td[1]/span[@class='note small']"), 1);
	/* Each table's scroll container takes the keyboard's focus. */
	assert_int_equal(COUNT(&p, "//div[@class='breakdown']/div[@class='table-wrap'][@tabindex='0']"
			       "[@role='region'][@aria-label]"),
			 COUNT(&p, "//div[@class='breakdown']"));
	assert_int_equal(COUNT(&p, "//p[@class='note'][contains(., 'fewer than 1000 sessions')]"), 1);
	parsed_free(&p);
	free(idx);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overview),
		cmocka_unit_test(test_breakdowns),
		cmocka_unit_test(test_breakdown_rates),
		cmocka_unit_test(test_generated),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
