/*
 * Tests for render_call.c, render_timeline.c and render_chart.c: call pages
 * (one lane per user, a <title> on every timeline mark, bar classes by
 * exit, findings in the view's order, every log row, participants) and the
 * quality charts, parsed back and checked against the call views.
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

/* Counts the lines of s (none when empty). */
static long count_lines(const char *s)
{
	long n = *s != '\0';

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The events a lane's timeline marks list in their hover texts: every
 * listed line is one of the lane's mark titles, in time order, and with
 * the "… and N more" counts they add up to all of them. */
static void check_lane_marks(struct parsed *p, const struct callview *v, uint32_t lane)
{
	const struct cv_lane *l = &v->lanes[lane];
	char expr[256];
	long nmarks, total = 0;

	snprintf(expr, sizeof expr,
		 "count((//svg[@class='timeline']/g[@class='lane'])[%u]/g[starts-with(@class,'mk ')]/path)",
		 lane + 1);
	nmarks = (long)xnum(p, expr);
	assert_true(nmarks <= (long)l->nmarks);
	assert_true(nmarks > 0 || l->nmarks == 0);
	for (long k = 1; k <= nmarks; k++) {
		char *t, *line, *save = NULL;
		uint32_t from = 0;

		snprintf(expr, sizeof expr,
			 "string(((//svg[@class='timeline']/g[@class='lane'])[%u]/g[starts-with(@class,'mk ')]"
			 "/path)[%ld]/title)", lane + 1, k);
		t = xstr(p, expr);
		assert_true(*t);
		for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned more;
			uint32_t m;

			if (sscanf(line, "… and %u more", &more) == 1) {
				total += more;
				continue;
			}
			for (m = from; m < l->nmarks; m++)
				if (strcmp(v->marks[l->first_mark + m].title, line) == 0)
					break;
			if (m == l->nmarks)
				print_message("mark title \"%s\" is no event of the lane\n", line);
			assert_true(m < l->nmarks);
			from = m + 1;
			total++;
		}
		free(t);
		/* Its path data: one tick or dot per distinct x. */
		snprintf(expr, sizeof expr,
			 "string(((//svg[@class='timeline']/g[@class='lane'])[%u]/g[starts-with(@class,'mk ')]"
			 "/path)[%ld]/@d)", lane + 1, k);
		t = xstr(p, expr);
		assert_true(t[0] == 'M');
		free(t);
	}
	assert_int_equal(total, (long)l->nmarks);
}

/* A lane's event log: its heading, then one line per record with the
 * record's time, raw ID and label; warnings, errors and records outside
 * every session in an element of their own. */
static void check_lane_log(struct parsed *p, const struct callview *v, uint32_t lane)
{
	const struct cv_lane *l = &v->lanes[lane];
	char expr[256], buf[12000], *heading, *log, *line, *save = NULL;
	long marked = 0, i = 0;

	snprintf(expr, sizeof expr, "string((//h3[@class='log-user'])[%u])", lane + 1);
	heading = xstr(p, expr);
	shown(l->user, buf, sizeof buf);
	assert_true(strncmp(heading, buf, strlen(buf)) == 0);
	snprintf(buf, sizeof buf, " · %u events · ", l->nlog);
	assert_non_null(strstr(heading, buf));
	free(heading);
	snprintf(expr, sizeof expr,
		 "string((//h3[@class='log-user'])[%u]/following-sibling::*[1][self::pre[@class='log']])",
		 lane + 1);
	log = xstr(p, expr);
	assert_int_equal(count_lines(log), (long)l->nlog);
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		const struct cv_log *g = &v->log[l->first_log + i];

		assert_true(strncmp(line, g->time, strlen(g->time)) == 0);
		assert_non_null(strstr(line, g->raw));
		assert_non_null(strstr(line, shown(g->label, buf, sizeof buf)));
		if (g->severity != SEV_INFO)
			assert_non_null(strstr(line, g->severity == SEV_ERROR ? "error: " : "warning: "));
		marked += g->severity != SEV_INFO || g->outside;
	}
	free(log);
	snprintf(expr, sizeof expr,
		 "count((//h3[@class='log-user'])[%u]/following-sibling::*[1][self::pre]/span)", lane + 1);
	assert_int_equal((long)xnum(p, expr), marked);
}

static void test_call_pages(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "calls");

	write_dir(fx, dir);
	for (uint32_t c = 0; c < fx->m.ncalls; c++) {
		const struct call *call = &fx->m.calls[c];
		char *path = join(dir, fx->r.call_file[c]);
		struct callview v;
		struct parsed p;
		char expr[256];

		assert_int_equal(callview_build(&fx->r, fx->cat, c, &v), RR_OK);
		parse_file(path, &p);
		check_call_page(&p);
		/* One lane per user, and the timeline's height grows with them. */
		assert_int_equal(v.nlanes, call->users);
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']/g[@class='lane']"), (long)v.nlanes);
		/* A <title> on every bar, span, experience and mark. */
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']/g[@class='lane']/path[starts-with(@class,'bar ')]"),
				 (long)v.nbars);
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']/g[@class='lane']/path[starts-with(@class,'span ')]"),
				 (long)v.nspans);
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']/g[@class='lane']/path[@class='exp']"),
				 (long)v.nexps);
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']/g[@class='lane']//path[not(title)]"), 0);
		for (uint32_t l = 0; l < v.nlanes; l++)
			check_lane_marks(&p, &v, l);
		/* Lane labels: the name, or its start and the whole as hover text. */
		for (uint32_t l = 0; l < v.nlanes; l++) {
			char buf[12000], *t;

			snprintf(expr, sizeof expr,
				 "string((//svg[@class='timeline']/g[@class='lane'])[%u]/text[@class='lane-label']/text())",
				 l + 1);
			t = xstr(&p, expr);
			shown(v.lanes[l].user, buf, sizeof buf);
			if (strcmp(t, buf) != 0) {
				size_t n = strlen(t) - strlen("…");

				assert_true(strlen(t) > strlen("…") && strcmp(t + n, "…") == 0);
				assert_true(strncmp(t, buf, n) == 0);
				snprintf(expr, sizeof expr,
					 "string((//svg[@class='timeline']/g[@class='lane'])[%u]/text[@class='lane-label']/title)",
					 l + 1);
				assert_xstr(&p, expr, buf);
			}
			free(t);
		}
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']//g[@class='tick-label']/text"),
				 (long)v.nticks);
		assert_int_equal(COUNT(&p, "//svg[@class='timeline']//line[@class='tick']"), (long)v.nticks);
		/* Bars are classed by exit reason. */
		for (uint32_t b = 0; b < v.nbars; b++) {
			snprintf(expr, sizeof expr,
				 "(//svg[@class='timeline']//path[starts-with(@class,'bar ')])[%u]/@class",
				 b + 1);
			char *cls = xstr(&p, expr);
			char want[64];

			snprintf(want, sizeof want, "bar exit-%s", exit_reason_name(v.bars[b].exit));
			assert_non_null(strstr(cls, want));
			free(cls);
		}
		/* Findings in the view's order, with their texts. */
		assert_int_equal(COUNT(&p, "//ol[@class='findings']/li"), (long)v.nfindings);
		for (uint32_t f = 0; f < v.nfindings; f++) {
			char want[64], *got;

			snprintf(expr, sizeof expr, "string((//ol[@class='findings']/li)[%u]/@data-code)",
				 f + 1);
			assert_xstr(&p, expr, v.findings[f].f->code);
			snprintf(expr, sizeof expr,
				 "string((//ol[@class='findings']/li)[%u]/span[@class='text'])", f + 1);
			got = xstr(&p, expr);
			assert_string_equal(got, v.findings[f].f->text);
			free(got);
			snprintf(want, sizeof want, "finding sev-%s", severity_name(v.findings[f].f->severity));
			snprintf(expr, sizeof expr, "string((//ol[@class='findings']/li)[%u]/@class)", f + 1);
			assert_xstr(&p, expr, want);
		}
		/* Every log row, under one heading per user. */
		assert_int_equal(COUNT(&p, "//h3[@class='log-user']"), (long)v.nlanes);
		for (uint32_t l = 0; l < v.nlanes; l++)
			check_lane_log(&p, &v, l);
		/* Sessions: one row per bar, in the template's table; the
		 * numbers as the model has them. */
		assert_int_equal(COUNT(&p, "//table[@class='sessions']/tbody/tr"), (long)v.nbars);
		assert_int_equal(COUNT(&p, "//table[@class='sessions']/thead/tr/th"), 12);
		for (uint32_t b = 0; b < v.nbars; b++) {
			const struct session *s = &fx->m.sessions[v.bars[b].session];
			char want[24];

			snprintf(expr, sizeof expr, "string((//table[@class='sessions']/tbody/tr)[%u]/td[2])",
				 b + 1);
			assert_xstr(&p, expr, v.bars[b].title);
			snprintf(expr, sizeof expr, "string((//table[@class='sessions']/tbody/tr)[%u]/td[11])",
				 b + 1);
			snprintf(want, sizeof want, "%u", s->nevents);
			assert_xstr(&p, expr, want);
		}
		/* Participants: a row per lane when the users file says anything
		 * (or someone is still in the room), else a note; an arrow past
		 * every bar that ends EXIT_ONGOING. */
		{
			long ongoing = 0, still = 0, known = 0;

			for (uint32_t b = 0; b < v.nbars; b++)
				ongoing += v.bars[b].exit == EXIT_ONGOING;
			for (uint32_t l = 0; l < v.nlanes; l++) {
				still += v.lanes[l].still_in_room;
				known |= v.lanes[l].still_in_room || *v.lanes[l].device ||
					 *v.lanes[l].sdk || *v.lanes[l].ip;
			}
			assert_int_equal(COUNT(&p, "//table[@class='participants']/tbody/tr"),
					 known ? (long)v.nlanes : 0);
			assert_int_equal(COUNT(&p, "//*[@data-slot='participants']/p[@class='empty']"),
					 known ? 0 : 1);
			assert_int_equal(COUNT(&p, "//table[@class='participants']/tbody/tr"
					       "[@class='still-in-room']"), still);
			assert_int_equal(COUNT(&p, "//svg[@class='timeline']//path[@class='ongoing-mark']"
					       "[title]"), ongoing);
			assert_int_equal(COUNT(&p, "//h1//span[@class='badge ongoing']"), v.ongoing ? 1 : 0);
		}
		/* Quality charts: exactly the view's; no section without any,
		 * and their rules in the stylesheet only with them. */
		assert_int_equal(COUNT(&p, "//svg[@class='chart']"), (long)v.ncharts);
		assert_int_equal(COUNT(&p, "//section[@data-slot='charts']"), v.ncharts ? 1 : 0);
		assert_int_equal((long)xnum(&p, "count(//style[contains(., 'svg.chart .series')])"),
				 v.ncharts ? 1 : 0);
		assert_null(strstr(p.bytes, "roomreport-charts"));
		/* The header's facts: the template's terms, the call's values. */
		{
			char want[32];

			assert_xstr(&p, "string(//dl[@class='facts']/dt[.='Time']/following-sibling::dd[1])",
				    v.span);
			assert_xstr(&p, "string(//dl[@class='facts']/dt[.='Duration']/following-sibling::dd[1])",
				    v.duration);
			snprintf(want, sizeof want, "%u", call->users);
			assert_xstr(&p, "string(//dl[@class='facts']/dt[.='Users']/following-sibling::dd[1])",
				    want);
			snprintf(want, sizeof want, "%u", call->nsessions);
			assert_xstr(&p, "string(//dl[@class='facts']/dt[.='Sessions']/following-sibling::dd[1])",
				    want);
			assert_int_equal(COUNT(&p, "//dl[@class='facts']/dd"), 10);
		}
		/* Back to the overview; the title names the call. */
		assert_xstr(&p, "string(//nav[@class='back']/a/@href)", "../index.html");
		snprintf(expr, sizeof expr, "starts-with(//title, 'Call %u · Room ')", c + 1);
		assert_true(xnum(&p, expr) != 0);
		callview_free(&v);
		parsed_free(&p);
		free(path);
	}
	free(dir);
}

static uint32_t call_of_room(struct fixture *fx, const char *room)
{
	for (uint32_t c = 0; c < fx->m.ncalls; c++)
		if (strcmp(strtab_str(fx->ds.strs, fx->m.calls[c].room), room) == 0)
			return c;
	fail_msg("no call in room %s", room);
	return 0;
}

static long count_tokens(const char *s)
{
	long n = 0;

	for (const char *q = s; *q;) {
		while (*q == ' ')
			q++;
		if (!*q)
			break;
		n++;
		while (*q && *q != ' ')
			q++;
	}
	return n;
}

/* The companion call's page: device, SDK and IP per user, the ongoing user
 * and room, and one chart per cv_chart per lane, drawn on the timeline's x
 * mapping. */
static void test_charts(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "charts"), *path;
	uint32_t c = call_of_room(fx, "qroom"), nchart = 0;
	struct callview v;
	struct parsed p;
	char expr[320], *got;

	write_dir(fx, dir);
	path = join(dir, fx->r.call_file[c]);
	assert_int_equal(callview_build(&fx->r, fx->cat, c, &v), RR_OK);
	parse_file(path, &p);
	check_call_page(&p);
	/* The model side: qb still in the room, the room ongoing, charts made. */
	assert_true(v.ongoing);
	assert_true(v.room_span && *v.room_span);
	assert_true(v.ncharts >= 3);
	assert_int_equal(COUNT(&p, "//h1//span[@class='badge ongoing']"), 1);
	assert_xstr(&p, "normalize-space(//dl[@class='facts']/dt[.='Room lifetime']/"
		    "following-sibling::dd[1])", v.room_span);
	for (uint32_t l = 0; l < v.nlanes; l++) {
		const struct cv_lane *ln = &v.lanes[l];

		/* Participants row: user, platform, device, SDK, IP, still in room. */
		snprintf(expr, sizeof expr, "(//table[@class='participants']/tbody/tr)[%u]", l + 1);
		{
			char e2[400];

			snprintf(e2, sizeof e2, "string(%s/td[1])", expr);
			assert_xstr(&p, e2, ln->user);
			snprintf(e2, sizeof e2, "string(%s/td[3])", expr);
			assert_xstr(&p, e2, *ln->device ? ln->device : "—");
			snprintf(e2, sizeof e2, "string(%s/td[4])", expr);
			assert_xstr(&p, e2, *ln->sdk ? ln->sdk : "—");
			snprintf(e2, sizeof e2, "string(%s/td[5])", expr);
			assert_xstr(&p, e2, *ln->ip ? ln->ip : "—");
			snprintf(e2, sizeof e2, "normalize-space(%s/td[6])", expr);
			assert_xstr(&p, e2, ln->still_in_room ? "yes" : "no");
		}
		if (strcmp(ln->user, "qb") == 0) {
			assert_true(ln->still_in_room);
			assert_string_equal(ln->device, "<b>Pixel</b>");
		}
		/* Charts per lane, in its block. */
		snprintf(expr, sizeof expr, "//div[@class='lane-charts'][@data-user='%s']//svg[@class='chart']",
			 ln->user);
		{
			char e2[400];

			snprintf(e2, sizeof e2, "count(%s)", expr);
			assert_int_equal((long)xnum(&p, e2), (long)ln->ncharts);
		}
		for (uint32_t k = 0; k < ln->ncharts; k++) {
			const struct cv_chart *ch = &v.charts[ln->first_chart + k];
			char e2[400];

			nchart++;
			assert_true(ln->first_chart + k == nchart - 1);  /* charts in lane order */
			snprintf(expr, sizeof expr, "(//svg[@class='chart'])[%u]", nchart);
			snprintf(e2, sizeof e2, "count(%s//polyline)", expr);
			assert_int_equal((long)xnum(&p, e2), (long)ch->nseries);
			snprintf(e2, sizeof e2, "count(%s//polyline[not(title)])", expr);
			assert_int_equal((long)xnum(&p, e2), 0);
			snprintf(e2, sizeof e2, "count(%s//line[@class='ref-line'])", expr);
			assert_int_equal((long)xnum(&p, e2), (long)ch->nrefs);
			snprintf(e2, sizeof e2, "count(%s//g[starts-with(@class,'ref ')][not(title)])", expr);
			assert_int_equal((long)xnum(&p, e2), 0);
			for (uint32_t r = 0; r < ch->nrefs; r++) {
				snprintf(e2, sizeof e2, "string((%s//g[starts-with(@class,'ref ')])[%u]/title)",
					 expr, r + 1);
				assert_xstr(&p, e2, ch->refs[r].label);
			}
			/* The legend lists every series and reference line. */
			snprintf(e2, sizeof e2, "count(%s/ancestor::figure[1]/ul[contains(@class,'chart-legend')]/li)",
				 expr);
			assert_int_equal((long)xnum(&p, e2), (long)(ch->nseries + ch->nrefs));
			if (ch->desc && *ch->desc) {
				snprintf(e2, sizeof e2, "string(%s/ancestor::figure[1]/figcaption)", expr);
				assert_xstr(&p, e2, ch->desc);
			}
			for (uint32_t q = 0; q < ch->nseries; q++) {
				const struct cv_series *se = &v.series[ch->first_series + q];
				char want[64];

				snprintf(e2, sizeof e2, "string((%s//polyline)[%u]/@points)", expr, q + 1);
				got = xstr(&p, e2);
				assert_int_equal(count_tokens(got), (long)se->npoints);
				/* The first point's x: the timeline's mapping. */
				if (se->npoints) {
					const struct cv_point *pt = &v.points[se->first_point];
					double x = 150 + (double)(pt->time_ms - v.t0) * (1000 - 150 - 12) /
							 (double)(v.t1 - v.t0);

					if (pt->time_ms >= v.t0 && pt->time_ms <= v.t1) {
						char *end;
						double gx = strtod(got, &end);

						/* One decimal at most, no ".0". */
						assert_true(*end == ',' && fabs(gx - x) <= 0.05 + 1e-9);
						assert_null(strstr(got, ".0,"));
					}
				}
				free(got);
				snprintf(e2, sizeof e2, "string((%s//polyline)[%u]/@class)", expr, q + 1);
				snprintf(want, sizeof want, "series s%u", (unsigned)(se->style % 8));
				assert_xstr(&p, e2, want);
			}
			/* Same viewBox width and the same tick x as the timeline. */
			snprintf(e2, sizeof e2, "substring-before(substring-after(%s/@viewBox, '0 0 '), ' ')",
				 expr);
			got = xstr(&p, e2);
			{
				char *tw = xstr(&p, "substring-before(substring-after(//svg[@class='timeline']"
						"/@viewBox, '0 0 '), ' ')");

				assert_string_equal(got, tw);
				free(tw);
			}
			free(got);
			snprintf(e2, sizeof e2, "count(%s//line[@class='tick'])", expr);
			assert_int_equal((long)xnum(&p, e2), (long)v.nticks);
			for (uint32_t t = 0; t < v.nticks; t++) {
				char e3[400], *tx;

				snprintf(e2, sizeof e2, "string((%s//line[@class='tick'])[%u]/@x1)", expr, t + 1);
				snprintf(e3, sizeof e3,
					 "string((//svg[@class='timeline']//line[@class='tick'])[%u]/@x1)", t + 1);
				got = xstr(&p, e2);
				tx = xstr(&p, e3);
				assert_string_equal(got, tx);
				free(got);
				free(tx);
			}
		}
	}
	assert_int_equal(nchart, v.ncharts);
	assert_int_equal(COUNT(&p, "//svg[@class='chart']"), (long)v.ncharts);
	/* The ongoing user: an arrow after his bar. */
	assert_true(COUNT(&p, "//svg[@class='timeline']//path[@class='ongoing-mark']") >= 1);
	/* The hostile device name is text, never markup. */
	assert_int_equal(COUNT(&p, "//b"), 0);
	callview_free(&v);
	parsed_free(&p);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_pages),
		cmocka_unit_test(test_charts),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
