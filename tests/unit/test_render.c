/*
 * Tests for render.c: reports built through the real pipeline (records →
 * sessions → report → callview) from a small dataset with ordinary and
 * hostile IDs, written to a temporary directory, parsed back with libxml2
 * and queried with XPath: page structure (doctype, lang, generator, one
 * lane per user, a <title> on every timeline mark, bar classes by exit,
 * findings in the view's order, every log row), links of worst calls,
 * hostile IDs only as text or attribute values, no external URL, the
 * directory swap and its failure paths, the single-file form,
 * byte-identical output, and the same reports written in steps (calls in
 * any order, records a range at a time).
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
#include "companion.h"
#include "dataset.h"
#include "decode.h"
#include "render.h"
#include "report.h"
#include "sessions.h"
#include "templates.h"
#include "tz.h"
#include "kit.h"
#include "util.h"
#include "version.h"

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)(sec) * 1000)

/* ---- the model ---- */

struct fixture {
	struct catalog *cat;
	struct tz *tz;
	struct dataset ds;
	struct decode_stats dec;
	struct model m;
	struct report r;
	struct render *rd;
	char tmp[64];               /* a scratch directory for this test */
	char *long_id;              /* 10 KB user ID */
};

static void ev(struct fixture *fx, const char *room, const char *user, int64_t sec,
	       int kind, int32_t id, int32_t p1, const char *peer)
{
	struct record r;
	struct strtab *st = fx->ds.strs;

	memset(&r, 0, sizeof r);
	r.time_ms = S(sec);
	r.room = kit_intern(st, room);
	r.comm = kit_intern(st, "");
	r.user = kit_intern(st, user);
	r.peer = kit_intern(st, peer);
	r.kind = (uint8_t)kind;
	r.id = id;
	r.p1 = p1;
	r.p2 = -1;
	r.stream = -1;
	assert_int_equal(dataset_append(&fx->ds, &r), RR_OK);
}

/* One user's ordinary session: enters after 1 s, stays `len` seconds, and
 * leaves with closing event close_id/close_p1. */
static void stay(struct fixture *fx, const char *room, const char *user, int64_t at, int64_t len,
		 int32_t close_id, int32_t close_p1)
{
	ev(fx, room, user, at, REC_EVENT, 5001, -1, "");
	ev(fx, room, user, at + 1, REC_EVENT, 5003, 1, "");
	ev(fx, room, user, at + len, REC_EVENT, close_id, close_p1, "");
}

/* Companion rows (users, rooms and quality files) and events with a CommId. */
static uint32_t id_of(struct fixture *fx, const char *s)
{
	uint32_t id;

	assert_int_equal(strtab_intern(fx->ds.strs, s, strlen(s), &id), RR_OK);
	return id;
}

static void evc(struct fixture *fx, const char *room, const char *comm, const char *user,
		int64_t sec, int32_t id, int32_t p1)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = S(sec);
	r.room = id_of(fx, room);
	r.comm = id_of(fx, comm);
	r.user = id_of(fx, user);
	r.peer = id_of(fx, "");
	r.kind = REC_EVENT;
	r.id = id;
	r.p1 = p1;
	r.p2 = -1;
	r.stream = -1;
	assert_int_equal(dataset_append(&fx->ds, &r), RR_OK);
}

static void user_row(struct fixture *fx, const char *room, const char *comm, const char *user,
		     int64_t join, int64_t leave, const char *device, const char *sdk,
		     const char *ip, int finished)
{
	struct user_info u;

	memset(&u, 0, sizeof u);
	u.join_ms = S(join);
	u.leave_ms = S(leave);
	u.room = id_of(fx, room);
	u.comm = id_of(fx, comm);
	u.user = id_of(fx, user);
	u.device = id_of(fx, device);
	u.sdk = id_of(fx, sdk);
	u.ip = id_of(fx, ip);
	u.finished = (int8_t)finished;
	assert_int_equal(dataset_append_user(&fx->ds, &u), RR_OK);
}

static void quality(struct fixture *fx, const char *room, const char *comm, const char *user,
		    const char *peer, const char *metric, int64_t sec, float value)
{
	struct quality_sample q;

	memset(&q, 0, sizeof q);
	q.time_ms = S(sec);
	q.room = id_of(fx, room);
	q.comm = id_of(fx, comm);
	q.user = id_of(fx, user);
	q.peer = id_of(fx, peer);
	assert_int_equal(dataset_metric(&fx->ds, id_of(fx, metric), &q.metric), RR_OK);
	q.value = value;
	assert_int_equal(dataset_append_quality(&fx->ds, &q), RR_OK);
}

/* Call "qroom" (CommId "C1"), with every companion file: qa stays 600 s,
 * with RTT above 400 ms for 2 min before a timeout, video loss and system
 * CPU; qb enters and never leaves (the users file: still in the room); the
 * room is not finished. */
#define Q0 40000
static void companion_call(struct fixture *fx)
{
	struct room_info ri;

	evc(fx, "qroom", "C1", "qa", Q0, 5001, -1);
	evc(fx, "qroom", "C1", "qa", Q0 + 1, 5003, 1);
	evc(fx, "qroom", "C1", "qa", Q0 + 600, 7001, 1);
	evc(fx, "qroom", "C1", "qb", Q0 + 30, 5001, -1);
	evc(fx, "qroom", "C1", "qb", Q0 + 31, 5003, 1);
	evc(fx, "qroom", "C1", "qb", Q0 + 500, 1003, 1);
	user_row(fx, "qroom", "C1", "qa", Q0, Q0 + 600, "iPhone14,2", "11.4.0", "203.0.113.9", 1);
	user_row(fx, "qroom", "C1", "qb", Q0 + 30, Q0 + 700, "<b>Pixel</b>", "10.9.0",
		 "198.51.100.7", 0);
	memset(&ri, 0, sizeof ri);
	ri.create_ms = S(Q0 - 5);
	ri.destroy_ms = RR_NONE;
	ri.room = id_of(fx, "qroom");
	ri.comm = id_of(fx, "C1");
	ri.finished = 0;
	assert_int_equal(dataset_append_room(&fx->ds, &ri), RR_OK);
	for (int k = 0; k < 100; k++) {          /* 5 s apart over 500 s */
		int64_t at = Q0 + 10 + 5 * k;

		quality(fx, "qroom", "C1", "qa", "", "rtt", at, at >= Q0 + 300 ? 450.0f + k : 60.0f);
		if (k % 2 == 0) {
			quality(fx, "qroom", "C1", "qa", "", "bigvLoss", at, k > 60 ? 12.0f : 1.0f);
			quality(fx, "qroom", "C1", "qa", "", "sysCpu", at, k > 70 ? 90.0f : 40.0f);
		}
		if (k % 4 == 0) {
			quality(fx, "qroom", "C1", "qb", "", "rtt", Q0 + 40 + 4 * k, 80.0f);
			quality(fx, "qroom", "C1", "qb", "qa", "bigvLoss", Q0 + 40 + 4 * k, 3.0f);
			quality(fx, "qroom", "C1", "qb", "", "myCustomMetric", Q0 + 40 + 4 * k, 7.0f);
		}
	}
}

#define HOSTILE_N 10
static const char *const hostile_fixed[HOSTILE_N - 1] = {
	"<script>alert(1)</script>",
	"\"both' quotes\"",
	"&amp; &lt; &#x3C;",
	"../x",
	"张伟",
	("\xE2\x80\xAE" "مرحبا" "\xE2\x80\x8F"),
	"\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB",
	("ctl\x01" "char\x7F"),
	"<img src=x onerror=alert(1)>",
};

static const char *hostile(struct fixture *fx, int i)
{
	return i < HOSTILE_N - 1 ? hostile_fixed[i] : fx->long_id;
}

/* What the page must show for a hostile ID: controls replaced by U+FFFD. */
static const char *shown(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; *s && o + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void build(struct fixture *fx, int big)
{
	struct sessions_options so;
	struct companion_options co;
	char err[256];
	int i;

	assert_int_equal(dataset_init(&fx->ds), RR_OK);
	/* Call 1: alice normal, with an outage and an experience; bob times out. */
	stay(fx, "r1", "alice", 0, 600, 5008, 1);
	ev(fx, "r1", "alice", 100, REC_EVENT, 1003, 0, "");
	ev(fx, "r1", "alice", 147, REC_EVENT, 1003, 1, "");
	ev(fx, "r1", "alice", 200, REC_EVENT, 2001, 1, "");
	ev(fx, "r1", "alice", 260, REC_EVENT, 2001, 0, "");
	ev(fx, "r1", "alice", 300, REC_ABNORMAL, 4, 2017, "bob");
	ev(fx, "r1", "alice", 320, REC_EVENT, 9999, 3, "");
	stay(fx, "r1", "bob", 10, 400, 7001, 1);
	/* Call 2: hostile room and users, one of whom fails to enter. */
	for (i = 0; i < HOSTILE_N; i++) {
		if (i == 3) {
			ev(fx, hostile_fixed[0], hostile(fx, i), 5000, REC_EVENT, 5001, -1, "");
			ev(fx, hostile_fixed[0], hostile(fx, i), 5002, REC_EVENT, 5003, 0, "");
		} else {
			stay(fx, hostile_fixed[0], hostile(fx, i), 5000 + i, 300, 5008, 1);
		}
	}
	ev(fx, hostile_fixed[0], hostile_fixed[1], 5100, REC_EVENT, 1003, 0, hostile_fixed[2]);
	/* Call 3 (big): 40 users. */
	for (i = 0; big && i < 40; i++) {
		char u[16];

		snprintf(u, sizeof u, "user%02d", i);
		stay(fx, "many", u, 20000 + 7 * i, 900 - 5 * i, i % 3 ? 5008 : 7001, 1);
	}
	companion_call(fx);
	assert_int_equal(dataset_finish(&fx->ds), RR_OK);
	assert_int_equal(decode_scan(&fx->ds, fx->cat, &fx->dec), RR_OK);
	sessions_options_init(&so);
	so.display_tz = fx->tz;
	assert_int_equal(sessions_build(&fx->ds, fx->cat, &so, &fx->m), RR_OK);
	companion_options_init(&co);
	co.display_tz = fx->tz;
	assert_int_equal(companion_link(&fx->ds, fx->cat, &co, &fx->m), RR_OK);
	assert_int_equal(report_build(&fx->ds, &fx->m, &fx->dec, fx->cat, fx->tz, &fx->r), RR_OK);
	fx->r.generated_ms = RR_NONE;
	assert_int_equal(render_open(NULL, &fx->rd, err, sizeof err), RR_OK);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[128];

	if (!fx)
		return -1;
	fx->long_id = malloc(10241);
	if (!fx->long_id)
		return -1;
	for (int i = 0; i < 10240; i++)
		fx->long_id[i] = (char)('a' + i % 26);
	fx->long_id[10240] = '\0';
	if (catalog_new(&fx->cat) != RR_OK || tz_open("UTC", &fx->tz, err, sizeof err) != RR_OK)
		return -1;
	snprintf(fx->tmp, sizeof fx->tmp, "/tmp/test_render.XXXXXX");
	if (!mkdtemp(fx->tmp))
		return -1;
	build(fx, 1);
	*state = fx;
	return 0;
}

static void rm_rf(const char *path)
{
	char cmd[512];

	/* Only ever our own mkdtemp directory under /tmp. */
	if (strncmp(path, "/tmp/test_render.", 17) == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
		if (system(cmd) != 0)
			print_message("could not remove %s\n", path);
	}
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	render_close(fx->rd);
	report_free(&fx->r);
	model_free(&fx->m);
	decode_stats_free(&fx->dec);
	dataset_free(&fx->ds);
	tz_free(fx->tz);
	catalog_free(fx->cat);
	if (getenv("TEST_RENDER_KEEP"))
		print_message("kept %s\n", fx->tmp);
	else
		rm_rf(fx->tmp);
	free(fx->long_id);
	free(fx);
	return 0;
}

/* ---- reading pages back ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return b;
}

struct parsed {
	char *bytes;
	size_t len;
	htmlDocPtr doc;
	xmlXPathContextPtr xp;
};

static void parse_file(const char *path, struct parsed *p)
{
	p->bytes = slurp(path, &p->len);
	p->doc = htmlReadMemory(p->bytes, (int)p->len, path, "UTF-8",
				HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				HTML_PARSE_NOWARNING);
	assert_non_null(p->doc);
	p->xp = xmlXPathNewContext(p->doc);
	assert_non_null(p->xp);
}

static void parsed_free(struct parsed *p)
{
	xmlXPathFreeContext(p->xp);
	xmlFreeDoc(p->doc);
	free(p->bytes);
}

static double xnum(struct parsed *p, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, p->xp);
	double v;

	assert_non_null(o);
	v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	return v;
}

#define COUNT(p, expr) ((long)xnum((p), "count(" expr ")"))

/* The string value of expr (caller frees). */
static char *xstr(struct parsed *p, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, p->xp);
	xmlChar *s;
	char *r;

	assert_non_null(o);
	s = xmlXPathCastToString(o);
	xmlXPathFreeObject(o);
	r = strdup((const char *)s);
	xmlFree(s);
	return r;
}

static void assert_xstr(struct parsed *p, const char *expr, const char *want)
{
	char *s = xstr(p, expr);

	if (strcmp(s, want) != 0)
		print_message("%s: got \"%.200s\", want \"%.200s\"\n", expr, s, want);
	assert_string_equal(s, want);
	free(s);
}

/* Every element and attribute name in the page comes from the renderer's
 * vocabulary: no element or attribute was made from data. */
static const char *const element_names[] = {
	"html", "head", "meta", "title", "link", "style", "script", "body", "header", "main",
	"section", "nav", "h1", "h2", "h3", "p", "div", "dl", "dt", "dd", "ul", "ol", "li",
	"table", "thead", "tbody", "tr", "th", "td", "a", "span", "details", "summary",
	"svg", "g", "rect", "line", "circle", "path", "text", "h4", "figure", "figcaption",
	"polyline", "nav", "pre", NULL };
static const char *const attr_names[] = {
	"lang", "charset", "name", "content", "rel", "href", "class", "id", "data-slot",
	"scope", "viewbox", "role", "x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx",
	"cy", "r", "d", "data-code", "data-user", "title", "points", "data-group", "aria-label",
	"data-key", "data-figure", "preserveaspectratio", "transform", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void check_names(xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!in_list(element_names, (const char *)n->name))
			print_message("unexpected element <%.80s>\n", n->name);
		assert_true(in_list(element_names, (const char *)n->name));
		for (xmlAttrPtr a = n->properties; a; a = a->next) {
			if (!in_list(attr_names, (const char *)a->name))
				print_message("unexpected attribute %.80s\n", a->name);
			assert_true(in_list(attr_names, (const char *)a->name));
		}
		check_names(n->children);
	}
}

/* Checks shared by every page; scripts: how many <script> it has (the
 * overview 1, call pages none). */
static void check_page_scripts(struct parsed *p, long scripts)
{
	assert_true(p->len > 16 && memcmp(p->bytes, "<!DOCTYPE html>\n", 16) == 0);
	assert_xstr(p, "string(/html/@lang)", "en");
	assert_xstr(p, "string(//meta[@name='generator']/@content)", "roomreport " RR_VERSION);
	assert_int_equal(COUNT(p, "//meta[@charset='utf-8']"), 1);
	assert_int_equal(COUNT(p, "//meta[@name='viewport']"), 1);
	assert_int_equal(COUNT(p, "//link[@rel='icon' and @href='data:,']"), 1);
	/* Only the template's own <style> and <script>. */
	assert_int_equal(COUNT(p, "//style"), 1);
	assert_int_equal(COUNT(p, "//script"), scripts);
	assert_int_equal(COUNT(p, "//*[@src]"), 0);
	/* No external URL of any kind. */
	assert_null(strstr(p->bytes, "http"));
	assert_null(strstr(p->bytes, "//fonts"));
	assert_int_equal(COUNT(p, "//*[starts-with(@href, '//')]"), 0);
	check_names(xmlDocGetRootElement(p->doc));
}

static void check_page(struct parsed *p)
{
	check_page_scripts(p, 1);
}

/* A call page: no script, nothing from the template's comments, a
 * stylesheet of its own (smaller than the overview's, with a print part). */
static void check_call_page(struct parsed *p)
{
	char *css;

	check_page_scripts(p, 0);
	assert_null(strstr(p->bytes, "<!--"));
	css = xstr(p, "string(//style)");
	assert_non_null(strstr(css, "@media print"));
	assert_non_null(strstr(css, "svg.timeline"));
	assert_null(strstr(css, "svg.hist"));     /* an overview-only rule */
	assert_null(strstr(css, "/*"));           /* minified */
	free(css);
}

static char *join(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 2);

	assert_non_null(s);
	sprintf(s, "%s/%s", a, b);
	return s;
}

/* ---- tests ---- */

static void write_dir(struct fixture *fx, const char *dir)
{
	char err[512] = "";
	int rc = render_write_dir(fx->rd, &fx->r, fx->cat, dir, err, sizeof err);

	if (rc != RR_OK)
		print_message("render_write_dir: %s\n", err);
	assert_int_equal(rc, RR_OK);
}

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
	/* No SOURCE_DATE_EPOCH: no generation time. */
	assert_int_equal(COUNT(&p, "//*[@class='generated']"), 0);
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
	/* All calls listed and linked. */
	assert_int_equal(COUNT(&p, "//*[@data-slot='all-calls']//tbody/tr/td/a"),
			 (long)fx->m.ncalls);
	/* Figures as the report has them. */
	assert_int_equal(COUNT(&p, "//*[@data-slot='exits']//tbody/tr"), EXIT__COUNT);
	{
		char want[24];

		snprintf(want, sizeof want, "%u", fx->r.exits[EXIT_TIMEOUT]);
		assert_xstr(&p, "string(//*[@data-slot='exits']//tr[normalize-space(td[1])='timeout']/td[2])", want);
		assert_true(fx->r.exits[EXIT_TIMEOUT] >= 2);
	}
	assert_true(strstr(p.bytes, "sampled") || strstr(p.bytes, "Sampled"));
	assert_int_equal(COUNT(&p, "//*[@data-slot='quality']//table[@class='unknown']/tbody/tr"),
			 (long)fx->dec.nunknown);
	parsed_free(&p);
	free(idx);
	free(dir);
}

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

/* Compares every file of two report directories. */
static void assert_same_tree(struct fixture *fx, const char *a, const char *b)
{
	char *pa = join(a, "index.html"), *pb = join(b, "index.html");
	size_t la, lb;
	char *x = slurp(pa, &la), *y = slurp(pb, &lb);

	assert_true(la == lb && memcmp(x, y, la) == 0);
	free(x), free(y), free(pa), free(pb);
	for (uint32_t c = 0; c < fx->m.ncalls; c++) {
		pa = join(a, fx->r.call_file[c]);
		pb = join(b, fx->r.call_file[c]);
		x = slurp(pa, &la);
		y = slurp(pb, &lb);
		assert_true(la == lb && memcmp(x, y, la) == 0);
		free(x), free(y), free(pa), free(pb);
	}
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_identical(void **state)
{
	struct fixture *fx = *state;
	char *a = join(fx->tmp, "same-a"), *b = join(fx->tmp, "same-b");
	char *fa = join(fx->tmp, "one-a.html"), *fb = join(fx->tmp, "one-b.html");
	char err[256];
	size_t la, lb;
	char *x, *y;

	write_dir(fx, a);
	write_dir(fx, b);
	assert_same_tree(fx, a, b);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, fa, err, sizeof err), RR_OK);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, fb, err, sizeof err), RR_OK);
	x = slurp(fa, &la);
	y = slurp(fb, &lb);
	assert_true(la == lb && memcmp(x, y, la) == 0);
	free(x), free(y), free(a), free(b), free(fa), free(fb);
}

static void test_generated(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "gen"), *idx = join(dir, "index.html");
	struct parsed p;

	fx->r.generated_ms = S(0);
	fx->r.title = "Weekly <b>report</b>";
	write_dir(fx, dir);
	fx->r.generated_ms = RR_NONE;
	fx->r.title = NULL;
	parse_file(idx, &p);
	assert_xstr(&p, "string(//p[@class='generated'])", "Generated 2026-11-20 10:00:00 (UTC)");
	assert_xstr(&p, "string(//title)", "Weekly <b>report</b>");
	assert_int_equal(COUNT(&p, "//b"), 0);
	parsed_free(&p);
	free(idx);
	free(dir);
}

static void test_swap_and_failures(void **state)
{
	struct fixture *fx = *state;
	char *box = join(fx->tmp, "swapbox"), *dir = join(box, "report"), *idx = join(dir, "index.html");
	char *keep, err[256];
	size_t before_len, n;
	char *before, *after;
	unsigned long k;
	int rc;

	/* Fresh, then over an existing report: swapped, nothing left over. */
	assert_int_equal(mkdir(box, 0755), 0);
	write_dir(fx, dir);
	fx->r.title = "second";
	write_dir(fx, dir);
	assert_int_equal(count_entries(box), 1);
	before = slurp(idx, &before_len);
	assert_non_null(strstr(before, ">second</title>"));

	/* Allocation failure at every point: RR_ENOMEM, the previous report
	 * intact, no temporary left behind. */
	fx->r.title = "third";
	for (k = 1;; k++) {
		rr_alloc_fail_at(k);
		rc = render_write_dir(fx->rd, &fx->r, fx->cat, dir, err, sizeof err);
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			break;
		if (rc != RR_ENOMEM)
			print_message("failure %lu: %s\n", k, err);
		assert_int_equal(rc, RR_ENOMEM);
		after = slurp(idx, &n);
		assert_true(n == before_len && memcmp(before, after, n) == 0);
		free(after);
		assert_int_equal(count_entries(box), 1);
	}
	print_message("allocation failure injected at %lu points\n", k - 1);
	assert_true(k > 3);
	after = slurp(idx, &n);
	assert_non_null(strstr(after, ">third</title>"));
	free(after);
	free(before);
	fx->r.title = NULL;

	/* A directory that is not a report, or a file, is refused untouched. */
	keep = join(fx->tmp, "mine");
	assert_int_equal(mkdir(keep, 0755), 0);
	{
		char *f = join(keep, "notes.txt");
		FILE *fp = fopen(f, "w");

		assert_non_null(fp);
		fputs("mine", fp);
		fclose(fp);
		assert_int_equal(render_write_dir(fx->rd, &fx->r, fx->cat, keep, err, sizeof err), RR_EIO);
		assert_non_null(strstr(err, "exists and is not a roomreport report"));
		assert_int_equal(render_write_dir(fx->rd, &fx->r, fx->cat, f, err, sizeof err), RR_EIO);
		assert_int_equal(count_entries(keep), 1);
		free(f);
	}
	/* An empty directory is fine; a trailing slash too. */
	{
		char *e = join(fx->tmp, "empty"), *es = join(e, "");

		assert_int_equal(mkdir(e, 0755), 0);
		write_dir(fx, es);
		assert_int_equal(count_entries(e), 2);
		free(es);
		free(e);
	}
	/* A parent that does not exist: RR_EIO naming the path. */
	{
		char *bad = join(fx->tmp, "no/such/dir");

		assert_int_equal(render_write_dir(fx->rd, &fx->r, fx->cat, bad, err, sizeof err), RR_EIO);
		assert_non_null(strstr(err, "no/such/dir"));
		free(bad);
	}
	free(keep);
	free(idx);
	free(dir);
	free(box);
}

/* ---- reports in steps (render_dir_* / render_file_*) ---- */

/* How a stepped report is given its calls. */
enum step_split {
	/* Up to 3 ranges of records, as a run larger than memory has them:
	 * each range a dataset of its own (a window on fx->ds) with the calls'
	 * rec_first/rec_end rebased to it; the report's own dataset has no
	 * records at all. Last range first, calls in reverse model order. */
	SPLIT_RANGES,
	/* One call per step, last call first, each with all of fx->ds. */
	SPLIT_SINGLES,
	/* Every call in one step in model order, as render_write_* do. */
	SPLIT_ONCE,
};

#define STEP_PARTS 8

struct stepped {
	struct model m;              /* fx->m with the calls below */
	struct call *calls;
	struct dataset norecs;       /* fx->ds without its records */
	struct report r;             /* fx->r on m and norecs (SPLIT_RANGES) */
	struct dataset part[STEP_PARTS];
	uint32_t *list[STEP_PARTS];
	size_t nlist[STEP_PARTS];
	int nparts;                  /* given last to first */
};

static void stepped_make(struct fixture *fx, enum step_split split, struct stepped *s)
{
	uint32_t n = fx->m.ncalls, *order;

	memset(s, 0, sizeof *s);
	s->r = fx->r;
	if (split != SPLIT_RANGES) {
		/* Parts given last to first: part k holds call n - 1 - k, or
		 * (SPLIT_ONCE) one part holds them all. */
		s->nparts = split == SPLIT_ONCE ? 1 : (int)n;
		assert_true(s->nparts <= STEP_PARTS);
		for (int k = 0; k < s->nparts; k++) {
			size_t m = split == SPLIT_ONCE ? n : 1;

			s->list[k] = malloc(m * sizeof **s->list);
			assert_non_null(s->list[k]);
			for (size_t j = 0; j < m; j++)
				s->list[k][j] = split == SPLIT_ONCE ? (uint32_t)j : (uint32_t)k;
			s->nlist[k] = m;
			s->part[k] = fx->ds;
		}
		return;
	}
	s->calls = malloc(n * sizeof *s->calls);
	order = malloc(n * sizeof *order);
	assert_non_null(s->calls);
	assert_non_null(order);
	memcpy(s->calls, fx->m.calls, n * sizeof *s->calls);
	/* Calls by their first record (insertion: a handful of calls). */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i;

		for (; j > 0 && s->calls[order[j - 1]].rec_first > s->calls[i].rec_first; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	/* Cut where no earlier call's records reach: about n / 3 calls a
	 * range. */
	for (uint32_t a = 0, b; a < n; a = b) {
		uint32_t lo = s->calls[order[a]].rec_first, hi = s->calls[order[a]].rec_end;
		struct dataset *d = &s->part[s->nparts];

		for (b = a + 1; b < n; b++) {
			if (s->calls[order[b]].rec_first >= hi && b - a >= (n + 2) / 3)
				break;
			if (s->calls[order[b]].rec_end > hi)
				hi = s->calls[order[b]].rec_end;
		}
		assert_true(s->nparts < STEP_PARTS);
		*d = fx->ds;
		d->recs = fx->ds.recs + lo;
		d->nrecs = hi - lo;
		s->list[s->nparts] = malloc((b - a) * sizeof **s->list);
		assert_non_null(s->list[s->nparts]);
		for (uint32_t k = a; k < b; k++) {
			/* Reverse model order within the range too. */
			uint32_t c = order[k];
			size_t at = 0;

			s->calls[c].rec_first -= lo;
			s->calls[c].rec_end -= lo;
			while (at < s->nlist[s->nparts] && s->list[s->nparts][at] > c)
				at++;
			memmove(s->list[s->nparts] + at + 1, s->list[s->nparts] + at,
				(s->nlist[s->nparts] - at) * sizeof **s->list);
			s->list[s->nparts][at] = c;
			s->nlist[s->nparts]++;
		}
		s->nparts++;
	}
	free(order);
	s->m = fx->m;
	s->m.calls = s->calls;
	s->norecs = fx->ds;
	s->norecs.recs = NULL;
	s->norecs.nrecs = 0;
	s->r.m = &s->m;
	s->r.ds = &s->norecs;
}

static void stepped_free(struct stepped *s)
{
	for (int k = 0; k < s->nparts; k++)
		free(s->list[k]);
	free(s->calls);
}

/* Writes s's report into out (a directory, or with single one file) in
 * steps; the steps' returns. */
static int write_stepped(struct fixture *fx, struct stepped *s, int single, const char *out,
			 char *err, size_t errlen)
{
	struct render_job *job = NULL;
	int rc = single ? render_file_begin(fx->rd, &s->r, fx->cat, out, &job, err, errlen)
			: render_dir_begin(fx->rd, &s->r, fx->cat, out, &job, err, errlen);

	if (rc != RR_OK) {
		assert_null(job);
		return rc;
	}
	for (int k = s->nparts; k-- > 0 && rc == RR_OK;)
		rc = single ? render_file_calls(job, &s->part[k], s->list[k], s->nlist[k], err, errlen)
			    : render_dir_calls(job, &s->part[k], s->list[k], s->nlist[k], err, errlen);
	if (rc != RR_OK) {
		if (single)
			render_file_abort(job);
		else
			render_dir_abort(job);
		return rc;
	}
	return single ? render_file_end(job, err, errlen) : render_dir_end(job, err, errlen);
}

/* Open descriptors on deleted files under dir: the single file's sections
 * kept aside. */
static int deleted_fds_under(const char *dir)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char link[300], target[4096];
		ssize_t k;

		snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
		if ((k = readlink(link, target, sizeof target - 1)) <= 0)
			continue;
		target[k] = '\0';
		if (strncmp(target, dir, strlen(dir)) == 0 && strstr(target, " (deleted)"))
			n++;
	}
	closedir(d);
	return n;
}

static void test_steps(void **state)
{
	static const struct {
		enum step_split split;
		int single;
	} cases[] = {
		{ SPLIT_RANGES, 0 }, { SPLIT_RANGES, 1 }, { SPLIT_SINGLES, 0 },
		{ SPLIT_SINGLES, 1 }, { SPLIT_ONCE, 0 }, { SPLIT_ONCE, 1 },
	};
	struct fixture *fx = *state;
	char *whole = join(fx->tmp, "whole"), *whole1 = join(fx->tmp, "whole.html");
	char err[512] = "";
	size_t la, lb;
	char *x, *y;

	assert_true(fx->m.ncalls >= 3);
	write_dir(fx, whole);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, whole1, err, sizeof err), RR_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct stepped s;
		char name[32], *out;
		int rc;

		snprintf(name, sizeof name, "steps%zu%s", i, cases[i].single ? ".html" : "");
		out = join(fx->tmp, name);
		stepped_make(fx, cases[i].split, &s);
		if (cases[i].split == SPLIT_RANGES)
			assert_true(s.nparts >= 2);
		rc = write_stepped(fx, &s, cases[i].single, out, err, sizeof err);
		if (rc != RR_OK)
			print_message("case %zu: %s\n", i, err);
		assert_int_equal(rc, RR_OK);
		if (cases[i].single) {
			x = slurp(whole1, &la);
			y = slurp(out, &lb);
			assert_true(la == lb && memcmp(x, y, la) == 0);
			free(x), free(y);
		} else {
			assert_same_tree(fx, whole, out);
			assert_int_equal(count_entries(out), 2);
		}
		stepped_free(&s);
		free(out);
	}
	free(whole), free(whole1);
}

/* Abort removes what the steps wrote (a previous report stays as it was);
 * sections kept aside live in an unlinked file in $TMPDIR; an unusable
 * output path is RR_EIO naming it. */
static void test_steps_abort(void **state)
{
	struct fixture *fx = *state;
	char *box = join(fx->tmp, "abortbox"), *dir = join(box, "report");
	char *one = join(box, "one.html"), *spill = join(fx->tmp, "spill"), *idx = join(dir, "index.html");
	char *bad = join(fx->tmp, "no/such/dir"), *badf = join(fx->tmp, "no/such/one.html");
	const char *old_tmpdir = getenv("TMPDIR");
	struct render_job *job;
	struct stepped s;
	char err[512] = "", *before, *after;
	size_t lb, la;

	assert_int_equal(mkdir(box, 0755), 0);
	assert_int_equal(mkdir(spill, 0755), 0);
	write_dir(fx, dir);
	before = slurp(idx, &lb);
	stepped_make(fx, SPLIT_RANGES, &s);

	/* Directory: pages written, then abort; the old report untouched. */
	fx->r.title = "changed";
	s.r.title = "changed";
	assert_int_equal(render_dir_begin(fx->rd, &s.r, fx->cat, dir, &job, err, sizeof err), RR_OK);
	assert_int_equal(count_entries(box), 2);         /* report and its sibling */
	assert_int_equal(render_dir_calls(job, &s.part[s.nparts - 1], s.list[s.nparts - 1],
					  s.nlist[s.nparts - 1], err, sizeof err), RR_OK);
	render_dir_abort(job);
	assert_int_equal(count_entries(box), 1);
	after = slurp(idx, &la);
	assert_true(la == lb && memcmp(before, after, la) == 0);
	free(after);
	render_dir_abort(NULL);

	/* Single file: the last range first goes aside, into $TMPDIR,
	 * already unlinked; abort leaves no file at all. */
	assert_int_equal(setenv("TMPDIR", spill, 1), 0);
	assert_int_equal(render_file_begin(fx->rd, &s.r, fx->cat, one, &job, err, sizeof err), RR_OK);
	assert_int_equal(count_entries(box), 2);         /* report and one.html's temporary */
	assert_int_equal(deleted_fds_under(spill), 0);
	assert_int_equal(render_file_calls(job, &s.part[s.nparts - 1], s.list[s.nparts - 1],
					   s.nlist[s.nparts - 1], err, sizeof err), RR_OK);
	assert_int_equal(deleted_fds_under(spill), 1);
	assert_int_equal(count_entries(spill), 0);
	render_file_abort(job);
	assert_int_equal(deleted_fds_under(spill), 0);
	assert_int_equal(count_entries(box), 1);
	render_file_abort(NULL);
	/* ... and a finished one closes it too. */
	assert_int_equal(write_stepped(fx, &s, 1, one, err, sizeof err), RR_OK);
	assert_int_equal(deleted_fds_under(spill), 0);
	assert_int_equal(count_entries(box), 2);
	if (old_tmpdir)
		setenv("TMPDIR", old_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	fx->r.title = NULL;

	/* Paths that cannot be written. */
	job = (struct render_job *)&s;                   /* must be reset */
	assert_int_equal(render_dir_begin(fx->rd, &fx->r, fx->cat, bad, &job, err, sizeof err),
			 RR_EIO);
	assert_null(job);
	assert_non_null(strstr(err, "no/such/dir"));
	job = (struct render_job *)&s;
	err[0] = '\0';
	assert_int_equal(render_file_begin(fx->rd, &fx->r, fx->cat, badf, &job, err, sizeof err),
			 RR_EIO);
	assert_null(job);
	assert_non_null(strstr(err, "no/such/one.html"));
	assert_int_equal(render_dir_begin(fx->rd, &fx->r, fx->cat, one, &job, err, sizeof err),
			 RR_EIO);
	assert_non_null(strstr(err, "one.html: exists and is not a roomreport report"));
	assert_int_equal(count_entries(box), 2);

	stepped_free(&s);
	free(before), free(box), free(dir), free(one), free(spill), free(idx), free(bad), free(badf);
}

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

static void test_single_file(void **state)
{
	struct fixture *fx = *state;
	char *box = join(fx->tmp, "onebox"), *path = join(box, "one.html"), err[256];
	struct parsed p;
	unsigned long k;
	int rc;

	assert_int_equal(mkdir(box, 0755), 0);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, path, err, sizeof err), RR_OK);
	parse_file(path, &p);
	check_page(&p);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]"), (long)fx->m.ncalls);
	assert_int_equal(COUNT(&p, "//body/div[@data-slot='calls']/section"), (long)fx->m.ncalls);
	/* In-page links resolve. */
	for (size_t i = 0; i < fx->r.nworst; i++) {
		char expr[160], *href, want[32];

		snprintf(expr, sizeof expr, "string((//*[@data-slot='worst']//tbody/tr)[%zu]//a/@href)",
			 i + 1);
		href = xstr(&p, expr);
		snprintf(want, sizeof want, "#call-%u", fx->r.worst[i] + 1);
		assert_string_equal(href, want);
		snprintf(expr, sizeof expr, "count(//section[@id='%s'])", href + 1);
		assert_int_equal((long)xnum(&p, expr), 1);
		free(href);
	}
	assert_int_equal(COUNT(&p, "//svg[@class='timeline']"), (long)fx->m.ncalls);
	assert_int_equal(COUNT(&p, "//nav[@class='back']/a[@href='#top']"), (long)fx->m.ncalls);
	assert_int_equal(COUNT(&p, "//*[@id='top']"), 1);
	/* One top-level heading; each call's headings one level down. */
	assert_int_equal(COUNT(&p, "//h1"), 1);
	assert_int_equal(COUNT(&p, "//section[starts-with(@id,'call-')]/h2[@data-slot='heading']"),
			 (long)fx->m.ncalls);
	assert_true(p.bytes[p.len - 1] == '\n' && strstr(p.bytes, "</html>") != NULL);
	assert_null(strstr(p.bytes, "roomreport:calls"));
	parsed_free(&p);

	/* Failures leave the previous file and no temporary. */
	for (k = 1;; k++) {
		rr_alloc_fail_at(k);
		rc = render_write_file(fx->rd, &fx->r, fx->cat, path, err, sizeof err);
		rr_alloc_fail_at(0);
		if (rc == RR_OK)
			break;
		assert_int_equal(rc, RR_ENOMEM);
		assert_int_equal(count_entries(box), 1);
	}
	/* A device is written in place. */
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, "/dev/null", err, sizeof err),
			 RR_OK);
	assert_int_equal(render_write_file(fx->rd, &fx->r, fx->cat, "/dev/full", err, sizeof err),
			 RR_EIO);
	free(path);
	free(box);
}

static void test_templates_dir(void **state)
{
	struct fixture *fx = *state;
	char *dir = join(fx->tmp, "tpl"), err[256];
	struct render *rd = NULL;
	const char *names[] = { "overview.html", "call.html", "style.css" };

	(void)state;
	/* Missing directory: RR_EIO naming the file. */
	assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_EIO);
	assert_non_null(strstr(err, "style.css"));
	assert_int_equal(mkdir(dir, 0755), 0);
	for (int i = 0; i < 3; i++) {
		char *f = join(dir, names[i]);
		FILE *fp = fopen(f, "w");

		assert_non_null(fp);
		if (i == 0)
			fputs("<html><head><title data-slot=title></title></head><body></body></html>", fp);
		else if (i == 1)
			fputs("<p>no slots</p>", fp);
		else
			fputs("body { color: red }", fp);
		fclose(fp);
		free(f);
	}
	/* A template without its slots: RR_EDATA naming the slot. */
	assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_EDATA);
	assert_non_null(strstr(err, "overview.html: no element with data-slot=\"style\""));
	assert_null(rd);
	{
		char *f = join(dir, "style.css");
		FILE *fp = fopen(f, "w");

		fputs("a{}</style><script>alert(1)</script>", fp);
		fclose(fp);
		assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_EDATA);
		assert_non_null(strstr(err, "</style"));
		free(f);
	}
	/* A copy of the built-in templates: without call.css the call pages
	 * get the whole style.css; with call.css and charts.css, those. */
	for (int round = 0; round < 2; round++) {
		static const char *const files[] = { "overview.html", "call.html", "style.css",
						     "call.css", "charts.css" };
		char *out = join(fx->tmp, round ? "tplout2" : "tplout1");
		struct render *saved = fx->rd;

		for (int i = 0; i < (round ? 5 : 3); i++) {
			const struct template_file *t = templates_find(files[i]);
			char *f = join(dir, files[i]);
			FILE *fp = fopen(f, "w");

			assert_non_null(t);
			assert_non_null(fp);
			if (i < 3)
				assert_int_equal(fwrite(t->data, 1, t->len, fp), t->len);
			else
				fputs(i == 3 ? "p.call-only{color:red}" : "p.charts-only{color:blue}", fp);
			fclose(fp);
			free(f);
		}
		assert_int_equal(render_open(dir, &rd, err, sizeof err), RR_OK);
		fx->rd = rd;
		write_dir(fx, out);
		fx->rd = saved;
		render_close(rd);
		rd = NULL;
		for (uint32_t c = 0; c < fx->m.ncalls; c++) {
			char *path = join(out, fx->r.call_file[c]);
			struct parsed p;
			char *css;
			int charts;

			parse_file(path, &p);
			css = xstr(&p, "string(//style)");
			charts = COUNT(&p, "//svg[@class='chart']") > 0;
			if (round == 0) {
				assert_non_null(strstr(css, "svg.hist"));
				assert_non_null(strstr(css, "svg.chart"));
			} else {
				assert_string_equal(css, charts ? "p.call-only{color:red}p.charts-only{color:blue}"
								: "p.call-only{color:red}");
			}
			free(css);
			parsed_free(&p);
			free(path);
		}
		free(out);
	}
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overview),
		cmocka_unit_test(test_call_pages),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_charts),
		cmocka_unit_test(test_breakdowns),
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_swap_and_failures),
		cmocka_unit_test(test_single_file),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_steps_abort),
		cmocka_unit_test(test_templates_dir),
		cmocka_unit_test(test_weekly),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
