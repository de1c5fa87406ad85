/*
 * render_kit — the fixture the render tests share (tests/unit/test_render*.c;
 * see render_kit.h): a small dataset with ordinary and hostile IDs through
 * the real pipeline (records → sessions → report), a render handle and a
 * scratch directory; and reading pages back with libxml2 and XPath.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "companion.h"
#include "decode.h"
#include "kit.h"
#include "render_kit.h"
#include "sessions.h"
#include "util.h"
#include "version.h"


/* ---- the model ---- */

void ev(struct fixture *fx, const char *room, const char *user, int64_t sec,
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
void stay(struct fixture *fx, const char *room, const char *user, int64_t at, int64_t len,
	  int32_t close_id, int32_t close_p1)
{
	ev(fx, room, user, at, REC_EVENT, 5001, -1, "");
	ev(fx, room, user, at + 1, REC_EVENT, 5003, 1, "");
	ev(fx, room, user, at + len, REC_EVENT, close_id, close_p1, "");
}

/* Companion rows (users, rooms and quality files) and events with a CommId. */
uint32_t id_of(struct fixture *fx, const char *s)
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

void quality(struct fixture *fx, const char *room, const char *comm, const char *user,
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

const char *const hostile_fixed[HOSTILE_N - 1] = {
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

const char *hostile(struct fixture *fx, int i)
{
	return i < HOSTILE_N - 1 ? hostile_fixed[i] : fx->long_id;
}

/* What the page must show for a hostile ID: controls replaced by U+FFFD. */
const char *shown(const char *s, char *buf, size_t n)
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
	assert_int_equal(companion_link(&fx->ds, &co, &fx->m), RR_OK);
	assert_int_equal(report_build(&fx->ds, &fx->m, &fx->dec, fx->cat, fx->tz, &fx->r), RR_OK);
	fx->r.generated_ms = RR_NONE;
	assert_int_equal(render_open(NULL, &fx->rd, err, sizeof err), RR_OK);
}

int render_kit_setup(void **state)
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

int render_kit_teardown(void **state)
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

char *slurp(const char *path, size_t *len)
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

void parse_file(const char *path, struct parsed *p)
{
	p->bytes = slurp(path, &p->len);
	p->doc = htmlReadMemory(p->bytes, (int)p->len, path, "UTF-8",
				HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
				HTML_PARSE_NOWARNING);
	assert_non_null(p->doc);
	p->xp = xmlXPathNewContext(p->doc);
	assert_non_null(p->xp);
}

void parsed_free(struct parsed *p)
{
	xmlXPathFreeContext(p->xp);
	xmlFreeDoc(p->doc);
	free(p->bytes);
}

double xnum(struct parsed *p, const char *expr)
{
	xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, p->xp);
	double v;

	assert_non_null(o);
	v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	return v;
}

/* The string value of expr (caller frees). */
char *xstr(struct parsed *p, const char *expr)
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

void assert_xstr(struct parsed *p, const char *expr, const char *want)
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
	"polyline", "nav", "pre", "input", "label", "button", "defs", "pattern",
	/* instants (render_page.c's add_time) */
	"time", NULL };
static const char *const attr_names[] = {
	"lang", "charset", "name", "content", "rel", "href", "class", "id", "data-slot",
	"scope", "viewbox", "role", "x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx",
	"cy", "r", "d", "data-code", "data-user", "title", "points", "data-group", "aria-label",
	"data-key", "data-figure", "preserveaspectratio", "transform", "tabindex",
	/* the call index's search box and its data (render_index.c) */
	"type", "hidden", "for", "autocomplete", "placeholder",
	/* add_time's <time> */
	"datetime", "data-f", "data-zone",
	"aria-labelledby", "open", "data-t", "data-t0", "data-t1", "data-exit", "fill",
	"patternunits", "aria-hidden",
	/* the timeline's instants for its script (render_timeline.c) */
	"data-ts", "data-start", "data-end", "data-x0", "data-x1", "data-zones", NULL };

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
	assert_int_equal(COUNT(p, "//script[not(@type)]"), scripts);
	/* ... and the call index's data (render_index.c), never run. */
	assert_int_equal(COUNT(p, "//script[@type]"),
			 COUNT(p, "//script[@type='application/json' and @id='find-data']"));
	assert_true(COUNT(p, "//script[@type]") <= 1);
	assert_int_equal(COUNT(p, "//*[@src]"), 0);
	/* No external URL of any kind. */
	assert_null(strstr(p->bytes, "http"));
	assert_null(strstr(p->bytes, "//fonts"));
	assert_int_equal(COUNT(p, "//*[starts-with(@href, '//')]"), 0);
	check_names(xmlDocGetRootElement(p->doc));
}

void check_page(struct parsed *p)
{
	check_page_scripts(p, 1);
}

/* A call page: no script, nothing from the template's comments, a
 * stylesheet of its own (smaller than the overview's, with a print part). */
void check_call_page(struct parsed *p)
{
	char *css;

	check_page_scripts(p, 1);
	assert_null(strstr(p->bytes, "<!--"));
	css = xstr(p, "string(//style)");
	assert_non_null(strstr(css, "@media print"));
	assert_non_null(strstr(css, "svg.timeline"));
	assert_null(strstr(css, "svg.hist"));     /* an overview-only rule */
	assert_null(strstr(css, "/*"));           /* minified */
	free(css);
}

char *join(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 2);

	assert_non_null(s);
	sprintf(s, "%s/%s", a, b);
	return s;
}

void write_dir(struct fixture *fx, const char *dir)
{
	char err[512] = "";
	int rc = render_write_dir(fx->rd, &fx->r, fx->cat, dir, err, sizeof err);

	if (rc != RR_OK)
		print_message("render_write_dir: %s\n", err);
	assert_int_equal(rc, RR_OK);
}

int count_entries(const char *dir)
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

long count_index_pages(const char *dir, const char *kind, const char *expr, int *npages)
{
	long total = 0;
	int k;

	for (k = 1;; k++) {
		char name[64], x[512], *path;
		struct parsed q;
		struct stat st;

		snprintf(name, sizeof name, "index/%s-%d.html", kind, k);
		path = join(dir, name);
		if (stat(path, &st) != 0) {
			free(path);
			break;
		}
		parse_file(path, &q);
		snprintf(x, sizeof x, "count(%s)", expr);
		total += (long)xnum(&q, x);
		parsed_free(&q);
		free(path);
	}
	if (npages)
		*npages = k - 1;
	return total;
}
