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
		 "string((//h3[@class='log-user'])[%u]/../following-sibling::*[1][self::pre[@class='log']])",
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
		 "count((//h3[@class='log-user'])[%u]/../following-sibling::*[1][self::pre]/span)", lane + 1);
	assert_int_equal((long)xnum(p, expr), marked);
}

/* One call's page, parsed back, with the call's view. */
struct call_page {
	struct fixture *fx;
	uint32_t c;
	const struct call *call;
	struct callview v;
	struct parsed p;
};

typedef void call_page_check(struct call_page *cp);

/* Writes the fixture's report into tmp/calls, then for every call builds
 * its view, parses its page, checks what every call page shares
 * (check_call_page) and runs check on the two. */
static void for_each_call_page(struct fixture *fx, call_page_check *check)
{
	char *dir = join(fx->tmp, "calls");

	write_dir(fx, dir);
	for (uint32_t c = 0; c < fx->m.ncalls; c++) {
		struct call_page cp = { .fx = fx, .c = c, .call = &fx->m.calls[c] };
		char *path = join(dir, fx->r.call_file[c]);

		assert_int_equal(callview_build(&fx->r, fx->cat, c, &cp.v), RR_OK);
		parse_file(path, &cp.p);
		check_call_page(&cp.p);
		check(&cp);
		callview_free(&cp.v);
		parsed_free(&cp.p);
		free(path);
	}
	free(dir);
}

/* One lane per user, and the timeline's height grows with them; a <title>
 * on every bar, span, experience and mark. */
static void check_lanes_and_marks(struct call_page *cp)
{
	const struct callview *v = &cp->v;
	struct parsed *p = &cp->p;

	assert_int_equal(v->nlanes, cp->call->users);
	assert_int_equal(COUNT(p, "//svg[@class='timeline']/g[@class='lane']"), (long)v->nlanes);
	assert_int_equal(COUNT(p, "//svg[@class='timeline']/g[@class='lane']/path[starts-with(@class,'bar ')]"),
			 (long)v->nbars);
	assert_int_equal(COUNT(p, "//svg[@class='timeline']/g[@class='lane']/path[starts-with(@class,'span ')]"),
			 (long)v->nspans);
	assert_int_equal(COUNT(p, "//svg[@class='timeline']/g[@class='lane']/path[@class='exp']"),
			 (long)v->nexps);
	assert_int_equal(COUNT(p, "//svg[@class='timeline']/g[@class='lane']//path[not(title)]"
			       "[not(@class='pat')]"), 0);
	/* Nothing by colour alone: each bar whose exit is neither normal nor
	 * ongoing is followed by its pattern overlay, which names a pattern
	 * of the page's <defs>. */
	{
		long patterned = 0;

		for (uint32_t i = 0; i < v->nbars; i++)
			patterned += v->bars[i].exit != EXIT_NORMAL && v->bars[i].exit != EXIT_ONGOING;
		assert_int_equal(COUNT(p, "//svg[@class='timeline']/g[@class='lane']/path[@class='pat']"),
				 patterned);
		for (int e = 0; e < EXIT__COUNT; e++) {
			const char *x = exit_reason_name((enum exit_reason)e);
			char q[400];
			long n = 0;

			for (uint32_t i = 0; i < v->nbars; i++)
				n += v->bars[i].exit == (enum exit_reason)e;
			if (e == EXIT_NORMAL || e == EXIT_ONGOING)
				n = 0;
			snprintf(q, sizeof q, "count(//path[@class='pat'][@data-exit='%s']"
				 "[preceding-sibling::path[1][contains(@class, 'bar exit-%s')]]"
				 "[@fill = concat('url(#', //defs/pattern[substring-after(@id, '-') = '%s']/@id, ')')])",
				 x, x, x);
			assert_int_equal((long)xnum(p, q), n);
		}
	}
	/* Warnings are triangles and errors squares, not only other colours. */
	assert_int_equal(COUNT(p, "//g[@class='mk sev-error']/path[not(contains(@d, 'h9v9h-9z'))]"), 0);
	assert_int_equal(COUNT(p, "//g[@class='mk sev-warning']/path[not(contains(@d, 'l4.5-8l4.5 8z'))]"), 0);
	for (uint32_t l = 0; l < v->nlanes; l++)
		check_lane_marks(p, v, l);
}

/* Lane labels: the name, or its start and the whole as hover text. */
static void check_lane_labels(struct call_page *cp)
{
	const struct callview *v = &cp->v;
	struct parsed *p = &cp->p;
	char expr[256];

	for (uint32_t l = 0; l < v->nlanes; l++) {
		char buf[12000], *t;

		snprintf(expr, sizeof expr,
			 "string((//svg[@class='timeline']/g[@class='lane'])[%u]/text[@class='lane-label']/text())",
			 l + 1);
		t = xstr(p, expr);
		shown(v->lanes[l].user, buf, sizeof buf);
		if (strcmp(t, buf) != 0) {
			size_t n = strlen(t) - strlen("…");

			assert_true(strlen(t) > strlen("…") && strcmp(t + n, "…") == 0);
			assert_true(strncmp(t, buf, n) == 0);
			snprintf(expr, sizeof expr,
				 "string((//svg[@class='timeline']/g[@class='lane'])[%u]/text[@class='lane-label']/title)",
				 l + 1);
			assert_xstr(p, expr, buf);
		}
		free(t);
	}
}

/* The axis: one label and one line per tick of the view. */
static void check_ticks(struct call_page *cp)
{
	assert_int_equal(COUNT(&cp->p, "//svg[@class='timeline']//g[@class='tick-label']/text"),
			 (long)cp->v.nticks);
	assert_int_equal(COUNT(&cp->p, "//svg[@class='timeline']//line[@class='tick']"),
			 (long)cp->v.nticks);
}

/* Bars are classed by exit reason. */
static void check_bar_classes(struct call_page *cp)
{
	char expr[256];

	for (uint32_t b = 0; b < cp->v.nbars; b++) {
		snprintf(expr, sizeof expr,
			 "(//svg[@class='timeline']//path[starts-with(@class,'bar ')])[%u]/@class",
			 b + 1);
		char *cls = xstr(&cp->p, expr);
		char want[64];

		snprintf(want, sizeof want, "bar exit-%s", exit_reason_name(cp->v.bars[b].exit));
		assert_non_null(strstr(cls, want));
		free(cls);
	}
}

/* Findings in the view's order, with their texts. */
static void check_findings(struct call_page *cp)
{
	const struct callview *v = &cp->v;
	struct parsed *p = &cp->p;
	char expr[256];

	assert_int_equal(COUNT(p, "//ol[@class='findings']/li"), (long)v->nfindings);
	for (uint32_t f = 0; f < v->nfindings; f++) {
		char want[64], *got;

		snprintf(expr, sizeof expr, "string((//ol[@class='findings']/li)[%u]/@data-code)",
			 f + 1);
		assert_xstr(p, expr, v->findings[f].f->code);
		snprintf(expr, sizeof expr,
			 "string((//ol[@class='findings']/li)[%u]/span[@class='text'])", f + 1);
		got = xstr(p, expr);
		assert_string_equal(got, v->findings[f].f->text);
		free(got);
		snprintf(want, sizeof want, "finding sev-%s", severity_name(v->findings[f].f->severity));
		snprintf(expr, sizeof expr, "string((//ol[@class='findings']/li)[%u]/@class)", f + 1);
		assert_xstr(p, expr, want);
	}
}

/* Every log row, under one heading per user. */
static void check_logs(struct call_page *cp)
{
	assert_int_equal(COUNT(&cp->p, "//h3[@class='log-user']"), (long)cp->v.nlanes);
	for (uint32_t l = 0; l < cp->v.nlanes; l++)
		check_lane_log(&cp->p, &cp->v, l);
}

/* Sessions: one row per bar, in the template's table; the numbers as the
 * model has them. */
static void check_sessions_table(struct call_page *cp)
{
	const struct callview *v = &cp->v;
	struct parsed *p = &cp->p;
	char expr[256];

	assert_int_equal(COUNT(p, "//table[@class='sessions']/tbody/tr"), (long)v->nbars);
	assert_int_equal(COUNT(p, "//table[@class='sessions']/thead/tr/th"), 12);
	for (uint32_t b = 0; b < v->nbars; b++) {
		const struct session *s = &cp->fx->m.sessions[v->bars[b].session];
		char want[24];

		snprintf(expr, sizeof expr, "string((//table[@class='sessions']/tbody/tr)[%u]/td[2])",
			 b + 1);
		assert_xstr(p, expr, v->bars[b].title);
		snprintf(expr, sizeof expr, "string((//table[@class='sessions']/tbody/tr)[%u]/td[11])",
			 b + 1);
		snprintf(want, sizeof want, "%u", s->nevents);
		assert_xstr(p, expr, want);
	}
}

/* Participants: a row per lane when the users file says anything (or
 * someone is still in the room), else a note; an arrow past every bar that
 * ends EXIT_ONGOING. */
static void check_participants(struct call_page *cp)
{
	const struct callview *v = &cp->v;
	struct parsed *p = &cp->p;
	long ongoing = 0, still = 0, known = 0;

	for (uint32_t b = 0; b < v->nbars; b++)
		ongoing += v->bars[b].exit == EXIT_ONGOING;
	for (uint32_t l = 0; l < v->nlanes; l++) {
		still += v->lanes[l].still_in_room;
		known |= v->lanes[l].still_in_room || *v->lanes[l].device ||
			 *v->lanes[l].sdk || *v->lanes[l].ip;
	}
	assert_int_equal(COUNT(p, "//table[@class='participants']/tbody/tr"),
			 known ? (long)v->nlanes : 0);
	assert_int_equal(COUNT(p, "//*[@data-slot='participants']/p[@class='empty']"),
			 known ? 0 : 1);
	assert_int_equal(COUNT(p, "//table[@class='participants']/tbody/tr"
			       "[@class='still-in-room']"), still);
	assert_int_equal(COUNT(p, "//svg[@class='timeline']//path[@class='ongoing-mark']"
			       "[title]"), ongoing);
	assert_int_equal(COUNT(p, "//h1//span[@class='badge ongoing']"), v->ongoing ? 1 : 0);
}

/* Quality charts: exactly the view's; no section without any, and their
 * rules in the stylesheet only with them. */
static void check_charts_section(struct call_page *cp)
{
	struct parsed *p = &cp->p;
	uint32_t n = cp->v.ncharts;

	assert_int_equal(COUNT(p, "//svg[@class='chart']"), (long)n);
	assert_int_equal(COUNT(p, "//section[@data-slot='charts']"), n ? 1 : 0);
	assert_int_equal((long)xnum(p, "count(//style[contains(., 'svg.chart .series')])"),
			 n ? 1 : 0);
	assert_null(strstr(p->bytes, "roomreport-charts"));
}

/* The header's facts: the template's terms, the call's values; back to the
 * overview; the title names the call. */
static void check_header(struct call_page *cp)
{
	struct parsed *p = &cp->p;
	char want[32], expr[256];

	assert_xstr(p, "string(//dl[@class='facts']/dt[.='Time']/following-sibling::dd[1])",
		    cp->v.span);
	assert_xstr(p, "string(//dl[@class='facts']/dt[.='Duration']/following-sibling::dd[1])",
		    cp->v.duration);
	snprintf(want, sizeof want, "%u", cp->call->users);
	assert_xstr(p, "string(//dl[@class='facts']/dt[.='Users']/following-sibling::dd[1])",
		    want);
	snprintf(want, sizeof want, "%u", cp->call->nsessions);
	assert_xstr(p, "string(//dl[@class='facts']/dt[.='Sessions']/following-sibling::dd[1])",
		    want);
	assert_int_equal(COUNT(p, "//dl[@class='facts']/dd"), 10);
	assert_xstr(p, "string(//nav[@class='back']/a/@href)", "../index.html");
	snprintf(expr, sizeof expr, "starts-with(//title, 'Call %u · Room ')", cp->c + 1);
	assert_true(xnum(p, expr) != 0);
}

static void test_call_pages_lanes_and_marks(void **state)
{
	for_each_call_page(*state, check_lanes_and_marks);
}

static void test_call_pages_lane_labels(void **state)
{
	for_each_call_page(*state, check_lane_labels);
}

static void test_call_pages_ticks(void **state)
{
	for_each_call_page(*state, check_ticks);
}

static void test_call_pages_bar_classes(void **state)
{
	for_each_call_page(*state, check_bar_classes);
}

static void test_call_pages_findings(void **state)
{
	for_each_call_page(*state, check_findings);
}

static void test_call_pages_logs(void **state)
{
	for_each_call_page(*state, check_logs);
}

static void test_call_pages_sessions_table(void **state)
{
	for_each_call_page(*state, check_sessions_table);
}

static void test_call_pages_participants(void **state)
{
	for_each_call_page(*state, check_participants);
}

static void test_call_pages_charts_section(void **state)
{
	for_each_call_page(*state, check_charts_section);
}

static void test_call_pages_header(void **state)
{
	for_each_call_page(*state, check_header);
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

/* The companion call's page (room qroom), parsed back, with its view. */
struct charts_page {
	struct callview v;
	struct parsed p;
};

/* Writes the fixture's report into tmp/charts and opens qroom's call page
 * (which must pass check_call_page) and view. */
static void charts_open(struct fixture *fx, struct charts_page *cp)
{
	char *dir = join(fx->tmp, "charts"), *path;
	uint32_t c = call_of_room(fx, "qroom");

	write_dir(fx, dir);
	path = join(dir, fx->r.call_file[c]);
	assert_int_equal(callview_build(&fx->r, fx->cat, c, &cp->v), RR_OK);
	parse_file(path, &cp->p);
	check_call_page(&cp->p);
	free(path);
	free(dir);
}

static void charts_close(struct charts_page *cp)
{
	callview_free(&cp->v);
	parsed_free(&cp->p);
}

/* A check of one chart: svg is the XPath of its <svg>. */
typedef void chart_check(struct parsed *p, const struct callview *v, const struct cv_chart *ch,
			 const char *svg);

/* Runs check on every chart of every lane, in lane order: lane l's k-th
 * chart is the page's next <svg class="chart">. Returns how many. */
static uint32_t for_each_chart(struct charts_page *cp, chart_check *check)
{
	uint32_t nchart = 0;
	char svg[64];

	for (uint32_t l = 0; l < cp->v.nlanes; l++) {
		const struct cv_lane *ln = &cp->v.lanes[l];

		for (uint32_t k = 0; k < ln->ncharts; k++) {
			nchart++;
			assert_true(ln->first_chart + k == nchart - 1);  /* charts in lane order */
			snprintf(svg, sizeof svg, "(//svg[@class='chart'])[%u]", nchart);
			check(&cp->p, &cp->v, &cp->v.charts[ln->first_chart + k], svg);
		}
	}
	return nchart;
}

/* The model side: qb still in the room, the room ongoing, charts made; on
 * the page the ongoing badge, the room's lifetime and an arrow after the
 * ongoing user's bar. */
static void test_charts_ongoing(void **state)
{
	struct charts_page cp;

	charts_open(*state, &cp);
	assert_true(cp.v.ongoing);
	assert_true(cp.v.room_span && *cp.v.room_span);
	assert_true(cp.v.ncharts >= 3);
	assert_int_equal(COUNT(&cp.p, "//h1//span[@class='badge ongoing']"), 1);
	assert_xstr(&cp.p, "normalize-space(//dl[@class='facts']/dt[.='Room lifetime']/"
		    "following-sibling::dd[1])", cp.v.room_span);
	assert_true(COUNT(&cp.p, "//svg[@class='timeline']//path[@class='ongoing-mark']") >= 1);
	charts_close(&cp);
}

/* Participants rows: user, platform, device, SDK, IP, still in room; qb's
 * hostile device name is text, never markup. */
static void test_charts_participants(void **state)
{
	struct charts_page cp;
	char expr[320], e2[400];

	charts_open(*state, &cp);
	for (uint32_t l = 0; l < cp.v.nlanes; l++) {
		const struct cv_lane *ln = &cp.v.lanes[l];

		snprintf(expr, sizeof expr, "(//table[@class='participants']/tbody/tr)[%u]", l + 1);
		snprintf(e2, sizeof e2, "string(%s/td[1])", expr);
		assert_xstr(&cp.p, e2, ln->user);
		snprintf(e2, sizeof e2, "string(%s/td[3])", expr);
		assert_xstr(&cp.p, e2, *ln->device ? ln->device : "—");
		snprintf(e2, sizeof e2, "string(%s/td[4])", expr);
		assert_xstr(&cp.p, e2, *ln->sdk ? ln->sdk : "—");
		snprintf(e2, sizeof e2, "string(%s/td[5])", expr);
		assert_xstr(&cp.p, e2, *ln->ip ? ln->ip : "—");
		snprintf(e2, sizeof e2, "normalize-space(%s/td[6])", expr);
		assert_xstr(&cp.p, e2, ln->still_in_room ? "yes" : "no");
		if (strcmp(ln->user, "qb") == 0) {
			assert_true(ln->still_in_room);
			assert_string_equal(ln->device, "<b>Pixel</b>");
		}
	}
	assert_int_equal(COUNT(&cp.p, "//b"), 0);
	charts_close(&cp);
}

static void chart_nothing(struct parsed *p, const struct callview *v, const struct cv_chart *ch,
			  const char *svg)
{
	(void)p, (void)v, (void)ch, (void)svg;
}

/* One chart per cv_chart per lane, in its lane's block, in lane order. */
static void test_charts_per_lane(void **state)
{
	struct charts_page cp;
	char expr[320];

	charts_open(*state, &cp);
	for (uint32_t l = 0; l < cp.v.nlanes; l++) {
		const struct cv_lane *ln = &cp.v.lanes[l];

		snprintf(expr, sizeof expr, "count(//details[@class='lane-charts'][@data-user='%s']"
			 "//svg[@class='chart'])", ln->user);
		assert_int_equal((long)xnum(&cp.p, expr), (long)ln->ncharts);
	}
	assert_int_equal(for_each_chart(&cp, chart_nothing), cp.v.ncharts);
	assert_int_equal(COUNT(&cp.p, "//svg[@class='chart']"), (long)cp.v.ncharts);
	charts_close(&cp);
}

/* A <title> on every series and reference line; the legend lists each;
 * the description as the caption. */
static void chart_titles_and_legend(struct parsed *p, const struct callview *v,
				    const struct cv_chart *ch, const char *svg)
{
	char e2[400];

	(void)v;
	snprintf(e2, sizeof e2, "count(%s//polyline)", svg);
	assert_int_equal((long)xnum(p, e2), (long)ch->nseries);
	snprintf(e2, sizeof e2, "count(%s//polyline[not(title)])", svg);
	assert_int_equal((long)xnum(p, e2), 0);
	snprintf(e2, sizeof e2, "count(%s//line[@class='ref-line'])", svg);
	assert_int_equal((long)xnum(p, e2), (long)ch->nrefs);
	snprintf(e2, sizeof e2, "count(%s//g[starts-with(@class,'ref ')][not(title)])", svg);
	assert_int_equal((long)xnum(p, e2), 0);
	for (uint32_t r = 0; r < ch->nrefs; r++) {
		snprintf(e2, sizeof e2, "string((%s//g[starts-with(@class,'ref ')])[%u]/title)",
			 svg, r + 1);
		assert_xstr(p, e2, ch->refs[r].label);
	}
	snprintf(e2, sizeof e2, "count(%s/ancestor::figure[1]/ul[contains(@class,'chart-legend')]/li)",
		 svg);
	assert_int_equal((long)xnum(p, e2), (long)(ch->nseries + ch->nrefs));
	if (ch->desc && *ch->desc) {
		snprintf(e2, sizeof e2, "string(%s/ancestor::figure[1]/figcaption)", svg);
		assert_xstr(p, e2, ch->desc);
	}
}

static void test_charts_titles_and_legend(void **state)
{
	struct charts_page cp;

	charts_open(*state, &cp);
	assert_int_equal(for_each_chart(&cp, chart_titles_and_legend), cp.v.ncharts);
	charts_close(&cp);
}

/* Every series: a point per cv_point, the first one's x on the timeline's
 * mapping (one decimal at most, no ".0"), its style's class. */
static void chart_series(struct parsed *p, const struct callview *v, const struct cv_chart *ch,
			 const char *svg)
{
	char e2[400], *got;

	for (uint32_t q = 0; q < ch->nseries; q++) {
		const struct cv_series *se = &v->series[ch->first_series + q];
		char want[64];

		snprintf(e2, sizeof e2, "string((%s//polyline)[%u]/@points)", svg, q + 1);
		got = xstr(p, e2);
		assert_int_equal(count_tokens(got), (long)se->npoints);
		if (se->npoints) {
			const struct cv_point *pt = &v->points[se->first_point];
			double x = 150 + (double)(pt->time_ms - v->t0) * (1000 - 150 - 12) /
					 (double)(v->t1 - v->t0);

			if (pt->time_ms >= v->t0 && pt->time_ms <= v->t1) {
				char *end;
				double gx = strtod(got, &end);

				assert_true(*end == ',' && fabs(gx - x) <= 0.05 + 1e-9);
				assert_null(strstr(got, ".0,"));
			}
		}
		free(got);
		snprintf(e2, sizeof e2, "string((%s//polyline)[%u]/@class)", svg, q + 1);
		snprintf(want, sizeof want, "series s%u", (unsigned)(se->style % 8));
		assert_xstr(p, e2, want);
	}
}

static void test_charts_series(void **state)
{
	struct charts_page cp;

	charts_open(*state, &cp);
	assert_int_equal(for_each_chart(&cp, chart_series), cp.v.ncharts);
	charts_close(&cp);
}

/* Same viewBox width and the same tick x as the timeline. */
static void chart_axis(struct parsed *p, const struct callview *v, const struct cv_chart *ch,
		       const char *svg)
{
	char e2[400], *got, *tw;

	(void)ch;
	snprintf(e2, sizeof e2, "substring-before(substring-after(%s/@viewBox, '0 0 '), ' ')", svg);
	got = xstr(p, e2);
	tw = xstr(p, "substring-before(substring-after(//svg[@class='timeline']"
		  "/@viewBox, '0 0 '), ' ')");
	assert_string_equal(got, tw);
	free(tw);
	free(got);
	snprintf(e2, sizeof e2, "count(%s//line[@class='tick'])", svg);
	assert_int_equal((long)xnum(p, e2), (long)v->nticks);
	for (uint32_t t = 0; t < v->nticks; t++) {
		char e3[400], *tx;

		snprintf(e2, sizeof e2, "string((%s//line[@class='tick'])[%u]/@x1)", svg, t + 1);
		snprintf(e3, sizeof e3,
			 "string((//svg[@class='timeline']//line[@class='tick'])[%u]/@x1)", t + 1);
		got = xstr(p, e2);
		tx = xstr(p, e3);
		assert_string_equal(got, tx);
		free(got);
		free(tx);
	}
}

static void test_charts_axis(void **state)
{
	struct charts_page cp;

	charts_open(*state, &cp);
	assert_int_equal(for_each_chart(&cp, chart_axis), cp.v.ncharts);
	charts_close(&cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_pages_lanes_and_marks),
		cmocka_unit_test(test_call_pages_lane_labels),
		cmocka_unit_test(test_call_pages_ticks),
		cmocka_unit_test(test_call_pages_bar_classes),
		cmocka_unit_test(test_call_pages_findings),
		cmocka_unit_test(test_call_pages_logs),
		cmocka_unit_test(test_call_pages_sessions_table),
		cmocka_unit_test(test_call_pages_participants),
		cmocka_unit_test(test_call_pages_charts_section),
		cmocka_unit_test(test_call_pages_header),
		cmocka_unit_test(test_charts_ongoing),
		cmocka_unit_test(test_charts_participants),
		cmocka_unit_test(test_charts_per_lane),
		cmocka_unit_test(test_charts_titles_and_legend),
		cmocka_unit_test(test_charts_series),
		cmocka_unit_test(test_charts_axis),
	};

	return cmocka_run_group_tests(tests, render_kit_setup, render_kit_teardown);
}
