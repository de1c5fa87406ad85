/*
 * Tests for render_node.c (text cleaning and escaping through the node
 * builders), on whole reports: hostile IDs (markup, quotes, entities, path
 * parts, right-to-left text, emoji, control characters, a 10 KB ID) appear
 * only as text or attribute values, shown as the data says with controls
 * replaced, in the overview, the call pages and the single file.
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

static void test_hostile(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "hostile");
	uint32_t c;
	struct parsed p;
	char *path, buf[12000], *s;
	char expr[160];
	int found[HOSTILE_N] = { 0 };

	write_dir(fx, dir);
	for (c = 0; c < fx->m.ncalls; c++)
		if (strcmp(strtab_str(fx->ds.strs, fx->m.calls[c].room), hostile_fixed[0]) == 0)
			break;
	assert_true(c < fx->m.ncalls);
	/* Never a raw ID in a file name. */
	assert_null(strchr(fx->r.call_file[c] + strlen("calls/"), '<'));
	path = join(dir, fx->r.call_file[c]);
	parse_file(path, &p);
	check_call_page(&p);
	assert_xstr(&p, "string(//h1)", "Room <script>alert(1)</script>");
	assert_null(strstr(p.bytes, "<script>alert"));
	assert_null(strstr(p.bytes, "<img src"));
	/* Each hostile user: the heading of its log, its session row and its
	 * lane's label (whole, or cut with the whole as hover text). */
	for (long i = 1; i <= COUNT(&p, "//h3[@class='log-user']"); i++) {
		snprintf(expr, sizeof expr, "string((//h3[@class='log-user'])[%ld])", i);
		s = xstr(&p, expr);
		for (int h = 0; h < HOSTILE_N; h++) {
			size_t n;

			shown(hostile(fx, h), buf, sizeof buf);
			n = strlen(buf);
			if (strncmp(s, buf, n) != 0 || strncmp(s + n, " · ", strlen(" · ")) != 0)
				continue;
			found[h] = 1;
			{
				long rows = COUNT(&p, "//table[@class='sessions']/tbody/tr"), hit = 0;

				for (long r = 1; r <= rows && !hit; r++) {
					char *cell;

					snprintf(expr, sizeof expr,
						 "string((//table[@class='sessions']/tbody/tr)[%ld]/td[1])", r);
					cell = xstr(&p, expr);
					hit = strcmp(cell, buf) == 0;
					free(cell);
				}
				assert_true(hit);
			}
			if (n > 18) {
				snprintf(expr, sizeof expr,
					 "string((//svg[@class='timeline']/g[@class='lane'])[%ld]/text/title)", i);
				assert_xstr(&p, expr, buf);
			} else {
				snprintf(expr, sizeof expr,
					 "string((//svg[@class='timeline']/g[@class='lane'])[%ld]/text)", i);
				assert_xstr(&p, expr, buf);
			}
		}
		free(s);
	}
	for (int h = 0; h < HOSTILE_N; h++) {
		if (!found[h])
			print_message("hostile ID %d not found as text\n", h);
		assert_true(found[h]);
	}
	/* The peer with entity-looking text stays text, in its log line. */
	assert_true(COUNT(&p, "//pre[@class='log']//text()[contains(., '(peer &amp; &lt; &#x3C;)')]") >= 1);
	assert_null(strstr(p.bytes, "(peer &amp; &lt;"));
	parsed_free(&p);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
