/*
 * Tests for the catalog: the built-in table against the official rows in
 * tests/data/mapping-table.txt, lookup precedence, label formatting, CSV
 * printing and loading (round trip, overrides, bad files, out of memory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "util.h"

#define HEADER "table,id,param_one,param_two,label,category,severity\n"

static struct catalog *new_catalog(void)
{
	struct catalog *c = NULL;
	assert_int_equal(catalog_new(&c), RR_OK);
	assert_non_null(c);
	return c;
}

static int load_str(struct catalog *c, const char *text, char *err, size_t errlen)
{
	return catalog_load_mem(c, "t.csv", text, strlen(text), err, errlen);
}

static int entry_equal(const struct cat_entry *a, const struct cat_entry *b)
{
	return a->table == b->table && a->id == b->id && a->p1 == b->p1 && a->p2 == b->p2 &&
	       strcmp(a->label, b->label) == 0 && a->category == b->category &&
	       a->severity == b->severity;
}

/* ---- the built-in table ---- */

static void test_counts_per_table(void **state)
{
	static const size_t want[CAT__TABLES] = { 83, 27, 5, 32, 26 };
	size_t got[CAT__TABLES] = { 0 };
	struct catalog *c = new_catalog();

	(void)state;
	assert_int_equal(catalog_count(c), 173);
	for (size_t i = 0; i < catalog_count(c); i++)
		got[catalog_at(c, i)->table]++;
	for (int t = 0; t < CAT__TABLES; t++)
		assert_int_equal(got[t], want[t]);
	assert_null(catalog_at(c, catalog_count(c)));
	catalog_free(c);
}

static void test_sorted_and_unique(void **state)
{
	struct catalog *c = new_catalog();

	(void)state;
	for (size_t i = 1; i < catalog_count(c); i++) {
		const struct cat_entry *a = catalog_at(c, i - 1), *b = catalog_at(c, i);
		int lt = a->table < b->table ||
			 (a->table == b->table && (a->id < b->id ||
			  (a->id == b->id && (a->p1 < b->p1 ||
			   (a->p1 == b->p1 && a->p2 < b->p2)))));
		assert_true(lt);
	}
	catalog_free(c);
}

static void test_labels_are_sane(void **state)
{
	struct catalog *c = new_catalog();
	char buf[160];

	(void)state;
	for (size_t i = 0; i < catalog_count(c); i++) {
		const struct cat_entry *e = catalog_at(c, i);
		size_t n = strlen(e->label);
		assert_true(n > 0 && n < 80);
		assert_true(utf8_valid(e->label, n));
		assert_true((unsigned)e->category < CC__COUNT);
		assert_true((unsigned)e->severity < SEV__COUNT);
		/* the widest values still fit the documented 160 bytes */
		catalog_format(e, e->table, e->id, INT32_MIN + 1, INT32_MIN + 1, buf, sizeof buf);
		assert_true(strlen(buf) < sizeof buf - 1);
		assert_null(strstr(buf, "{1}"));
		assert_null(strstr(buf, "{2}"));
	}
	catalog_free(c);
}

struct row {
	enum cat_table table;
	int32_t id, p1, p2;
	int p1_value, p2_value;   /* the row carries a value, not a selector */
};

static int parse_table(const char *s, enum cat_table *t)
{
	for (int i = 0; i < CAT__TABLES; i++)
		if (strcmp(s, cat_table_name((enum cat_table)i)) == 0) {
			*t = (enum cat_table)i;
			return 0;
		}
	return -1;
}

static size_t read_rows(struct row *rows, size_t max)
{
	FILE *f = fopen(RR_TEST_DATA "/mapping-table.txt", "r");
	char line[512], tname[32], a[32], b[32];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		struct row r = { 0 };
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%31s %d %31s %31s", tname, &r.id, a, b), 4);
		assert_int_equal(parse_table(tname, &r.table), 0);
		r.p1_value = strcmp(a, "value") == 0;
		r.p2_value = strcmp(b, "value") == 0;
		r.p1 = r.p1_value ? 0 : atoi(a);
		r.p2 = r.p2_value ? 0 : atoi(b);
		assert_true(n < max);
		rows[n++] = r;
	}
	fclose(f);
	return n;
}

/* Sample values for the value-carrying rows and what the label must show. */
static void sample_values(const struct row *r, int32_t *p1, int32_t *p2, const char **want)
{
	*p1 = r->p1;
	*p2 = r->p2;
	*want = NULL;
	switch (r->id) {
	case 4003:
	case 4007:
		*p1 = 1280; *p2 = 720; *want = "1280\u00d7720";
		break;
	case 4008:
		*p1 = 15; *want = "15 fps";
		break;
	case 4009:
		*p1 = 900; *want = "900 kbps";
		break;
	case 4013:
		*p1 = 4; *want = "4 frames";
		break;
	default:
		fail_msg("row %d has a value parameter the test does not know", r->id);
	}
}

static void test_every_official_row_resolves(void **state)
{
	struct row rows[256];
	size_t n = read_rows(rows, 256), per[CAT__TABLES] = { 0 };
	struct catalog *c = new_catalog();
	unsigned char *used = calloc(catalog_count(c), 1);
	char buf[160];

	(void)state;
	assert_int_equal(n, 173);
	assert_non_null(used);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct cat_entry *e;
		int32_t p1 = r->p1, p2 = r->p2;
		const char *want = NULL;

		per[r->table]++;
		if (r->p1_value || r->p2_value)
			sample_values(r, &p1, &p2, &want);
		if (r->table == CAT_SDK || r->table == CAT_WEBRTC)
			e = catalog_find_event(c, r->id, p1, p2);
		else if (r->table == CAT_EXPERIENCE)
			e = catalog_find_experience(c, r->id);
		else
			e = catalog_find_cause(c, r->id);
		if (!e)
			fail_msg("official row %s %d %d %d has no entry",
				 cat_table_name(r->table), r->id, r->p1, r->p2);
		/* the entry is the one for this very row */
		assert_int_equal(e->table, r->table);
		assert_int_equal(e->id, r->id);
		assert_int_equal(e->p1, r->p1_value ? CAT_ANY : r->p1);
		assert_int_equal(e->p2, r->p2_value ? CAT_ANY : r->p2);
		for (size_t k = 0; k < catalog_count(c); k++)
			if (catalog_at(c, k) == e)
				used[k]++;
		catalog_format(e, e->table, r->id, p1, p2, buf, sizeof buf);
		if (want && !strstr(buf, want))
			fail_msg("label \"%s\" of %d lacks \"%s\"", buf, r->id, want);
		if (r->id == 4013 && r->table == CAT_SDK)
			assert_non_null(strstr(buf, r->p2 == 0 ? "software" : "hardware"));
	}
	assert_int_equal(per[CAT_SDK], 83);
	assert_int_equal(per[CAT_WEBRTC], 27);
	assert_int_equal(per[CAT_EXPERIENCE], 5);
	assert_int_equal(per[CAT_DISMISSAL], 32);
	assert_int_equal(per[CAT_REALTIME], 26);
	/* one entry per row: none left over, none shared */
	for (size_t k = 0; k < catalog_count(c); k++)
		assert_int_equal(used[k], 1);
	free(used);
	catalog_free(c);
}

static void test_known_labels(void **state)
{
	static const struct {
		enum cat_table table;
		int32_t id, p1, p2;
		const char *label;
		enum cat_category cat;
		enum severity sev;
	} cases[] = {
		{ CAT_SDK, 1001, 0, -1, "Wired headset unplugged", CC_DEVICE, SEV_INFO },
		{ CAT_SDK, 1003, 2, -1, "Network: 4G", CC_NETWORK, SEV_INFO },
		{ CAT_SDK, 5003, 0, -1, "Room entry failed", CC_ROOM, SEV_ERROR },
		{ CAT_SDK, 7001, 1, -1, "Left room: timed out", CC_ROOM, SEV_ERROR },
		{ CAT_SDK, 7001, 2, -1, "Left room: kicked out", CC_ROOM, SEV_ERROR },
		{ CAT_SDK, 2002, 5, -1, "Permission missing: camera", CC_APP, SEV_ERROR },
		{ CAT_SDK, 4003, 1280, 720, "Video resolution changed to 1280\u00d7720", CC_VIDEO, SEV_INFO },
		{ CAT_SDK, 4013, 4, 1, "4 frames failed to decode in 3 s (hardware)", CC_VIDEO, SEV_WARNING },
		{ CAT_SDK, 4013, 7, 0, "7 frames failed to decode in 3 s (software)", CC_VIDEO, SEV_WARNING },
		{ CAT_SDK, 6001, 101, 2, "QoS cloud, smoothness first; scene: audio call", CC_QOS, SEV_INFO },
		{ CAT_SDK, 6001, 2, 3, "QoS local, clarity first; scene: voice chat room", CC_QOS, SEV_INFO },
		{ CAT_WEBRTC, 36864, -1, -1, "Signaling lost (seen by the server)", CC_SIGNALING, SEV_WARNING },
		{ CAT_WEBRTC, 32788, -1, -1, "In the room (WebRTC)", CC_ROOM, SEV_INFO },
		{ CAT_EXPERIENCE, 4, -1, -1, "Video lagged", CC_VIDEO, SEV_WARNING },
		{ CAT_DISMISSAL, 1013, -1, -1, "Entry request timed out", CC_NETWORK, SEV_ERROR },
		{ CAT_DISMISSAL, 1001, -1, -1, "Audio device init failed", CC_DEVICE, SEV_ERROR },
		{ CAT_REALTIME, 2017, -1, -1, "Downstream big-stream loss too high", CC_NETWORK, SEV_WARNING },
	};
	struct catalog *c = new_catalog();
	char buf[160];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct cat_entry *e;
		if (cases[i].table <= CAT_WEBRTC)
			e = catalog_find_event(c, cases[i].id, cases[i].p1, cases[i].p2);
		else if (cases[i].table == CAT_EXPERIENCE)
			e = catalog_find_experience(c, cases[i].id);
		else
			e = catalog_find_cause(c, cases[i].id);
		assert_non_null(e);
		assert_int_equal(e->table, cases[i].table);
		catalog_format(e, e->table, cases[i].id, cases[i].p1, cases[i].p2, buf, sizeof buf);
		assert_string_equal(buf, cases[i].label);
		assert_int_equal(e->category, cases[i].cat);
		assert_int_equal(e->severity, cases[i].sev);
	}
	catalog_free(c);
}

static void test_event_and_cause_1001_differ(void **state)
{
	struct catalog *c = new_catalog();
	const struct cat_entry *ev = catalog_find_event(c, 1001, 0, -1);
	const struct cat_entry *cause = catalog_find_cause(c, 1001);

	(void)state;
	assert_non_null(ev);
	assert_non_null(cause);
	assert_ptr_not_equal(ev, cause);
	assert_int_equal(ev->table, CAT_SDK);
	assert_int_equal(cause->table, CAT_DISMISSAL);
	assert_string_not_equal(ev->label, cause->label);
	/* an experience ID is not an event ID */
	assert_null(catalog_find_event(c, 1, -1, -1));
	assert_null(catalog_find_experience(c, 1001));
	catalog_free(c);
}

/* ---- unknowns and precedence ---- */

static void test_unknown_lookups_and_labels(void **state)
{
	static const struct {
		enum cat_table table;
		int32_t id, p1, p2;
		const char *text;
	} cases[] = {
		{ CAT_SDK, 9999, -1, -1, "Unknown event 9999 (-1, -1)" },
		{ CAT_WEBRTC, 40000, 3, 8, "Unknown event 40000 (3, 8)" },
		{ CAT_SDK, -5, INT32_MIN, INT32_MAX, "Unknown event -5 (-2147483648, 2147483647)" },
		{ CAT_EXPERIENCE, 6, -1, -1, "Unknown experience 6" },
		{ CAT_DISMISSAL, 3000, -1, -1, "Unknown cause 3000" },
		{ CAT_REALTIME, 2027, -1, -1, "Unknown cause 2027" },
	};
	struct catalog *c = new_catalog();
	char buf[160];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		catalog_format(NULL, cases[i].table, cases[i].id, cases[i].p1, cases[i].p2,
			       buf, sizeof buf);
		assert_string_equal(buf, cases[i].text);
	}
	assert_null(catalog_find_event(c, 9999, -1, -1));
	/* a known ID with a parameter value the table does not list */
	assert_null(catalog_find_event(c, 1001, 7, -1));
	assert_null(catalog_find_event(c, 6001, 3, 0));
	assert_null(catalog_find_event(c, 6001, 1, 4));
	assert_null(catalog_find_event(c, 4013, 5, 2));
	assert_null(catalog_find_experience(c, 0));
	assert_null(catalog_find_experience(c, 6));
	assert_null(catalog_find_cause(c, 1000));
	assert_null(catalog_find_cause(c, 1033));
	assert_null(catalog_find_cause(c, 2027));
	/* the official -1 matches whatever the export put there */
	assert_non_null(catalog_find_event(c, 1001, 0, 42));
	assert_non_null(catalog_find_event(c, 5001, 3, 9));
	catalog_free(c);
}

static void test_exact_beats_wildcard(void **state)
{
	static const char text[] = HEADER
		"sdk,1001,0,5,Headset event five,device,warning\n"
		"sdk,8000,any,any,Eight any,app,info\n"
		"sdk,8000,3,any,Eight three,app,info\n"
		"sdk,8000,any,4,Eight any-four,app,info\n"
		"sdk,8000,3,4,Eight three-four,app,error\n";
	static const struct {
		int32_t p1, p2;
		const char *label;
	} cases[] = {
		{ 3, 4, "Eight three-four" },
		{ 3, 9, "Eight three" },
		{ 7, 4, "Eight any-four" },
		{ 7, 9, "Eight any" },
		{ -1, -1, "Eight any" },
	};
	struct catalog *c = new_catalog();
	char err[256];

	(void)state;
	assert_int_equal(load_str(c, text, err, sizeof err), RR_OK);
	assert_int_equal(catalog_count(c), 178);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct cat_entry *e = catalog_find_event(c, 8000, cases[i].p1, cases[i].p2);
		assert_non_null(e);
		assert_string_equal(e->label, cases[i].label);
	}
	assert_string_equal(catalog_find_event(c, 1001, 0, 5)->label, "Headset event five");
	assert_string_equal(catalog_find_event(c, 1001, 0, -1)->label, "Wired headset unplugged");
	assert_string_equal(catalog_find_event(c, 1001, 0, 6)->label, "Wired headset unplugged");
	catalog_free(c);
}

/* Lookups go through a direct table over a window of ids per table and a
 * binary search outside it: entries anywhere in the int32 range are found,
 * and widening a table (here to INT32_MIN, which puts every built-in SDK ID
 * outside the window) changes no answer for the built-in IDs. */
static void test_ids_anywhere(void **state)
{
	static const char text[] = HEADER
		"sdk,-2147483648,any,any,Lowest,app,info\n"
		"sdk,2147483647,any,any,Highest,app,info\n"
		"sdk,100000,any,any,Far any,app,info\n"
		"sdk,100000,5,any,Far five,app,warning\n"
		"webrtc,50000,any,any,Far webrtc,app,info\n"
		"experience,70000,-1,-1,Far experience,app,info\n"
		"realtime,-7,any,any,Negative cause,app,info\n";
	static const struct {
		int32_t lo, hi;
	} ranges[] = { { 990, 1010 }, { 2000, 2030 }, { 3000, 7010 }, { 32760, 36870 } };
	static const int32_t params[] = { -1, 0, 1, 2, 3, 4, 7, 12, 640 };
	struct catalog *plain = new_catalog(), *c = new_catalog();
	char err[256];
	size_t checked = 0;

	(void)state;
	assert_int_equal(load_str(c, text, err, sizeof err), RR_OK);
	assert_string_equal(catalog_find_event(c, INT32_MIN, 0, 0)->label, "Lowest");
	assert_string_equal(catalog_find_event(c, INT32_MAX, -1, -1)->label, "Highest");
	assert_string_equal(catalog_find_event(c, 100000, 5, 1)->label, "Far five");
	assert_string_equal(catalog_find_event(c, 100000, 6, 1)->label, "Far any");
	assert_string_equal(catalog_find_event(c, 50000, 6, 1)->label, "Far webrtc");
	assert_string_equal(catalog_find_experience(c, 70000)->label, "Far experience");
	assert_string_equal(catalog_find_cause(c, -7)->label, "Negative cause");
	assert_null(catalog_find_event(c, 99999, -1, -1));
	assert_null(catalog_find_event(c, INT32_MIN + 1, -1, -1));
	assert_null(catalog_find_event(c, 49999, -1, -1));
	assert_null(catalog_find_experience(c, 69999));
	assert_null(catalog_find_cause(c, -8));
	for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
		for (int32_t id = ranges[r].lo; id <= ranges[r].hi; id++)
			for (size_t a = 0; a < sizeof params / sizeof params[0]; a++)
				for (size_t b = 0; b < 3; b++) {
					const struct cat_entry *x = catalog_find_event(plain, id, params[a], params[b]);
					const struct cat_entry *y = catalog_find_event(c, id, params[a], params[b]);

					assert_true((x == NULL) == (y == NULL));
					if (x) {
						assert_true(entry_equal(x, y));
						checked++;
					}
				}
	assert_true(checked > 500);
	for (int32_t id = -10; id < 3000; id++) {
		const struct cat_entry *x = catalog_find_cause(plain, id), *y = catalog_find_cause(c, id);

		if (id == -7)
			continue;
		assert_true((x == NULL) == (y == NULL));
		if (x)
			assert_true(entry_equal(x, y));
	}
	/* catalog_index_of is the inverse of catalog_at. */
	for (size_t i = 0; i < catalog_count(c); i++)
		assert_int_equal(catalog_index_of(c, catalog_at(c, i)), i);
	catalog_free(plain);
	catalog_free(c);
}

/* The memo answers as the plain lookup does, on first sight and when it
 * remembers (and when slots are taken over by other triples). */
static void test_memo_agrees(void **state)
{
	static const int32_t params[] = { -1, 0, 1, 2, 4, 640 };
	struct catalog *c = new_catalog();
	struct cat_memo *memo = malloc(sizeof *memo);
	size_t hits = 0;

	(void)state;
	assert_non_null(memo);
	catalog_memo_init(memo);
	for (int round = 0; round < 3; round++)
		for (int32_t id = 995; id <= 7005; id += round ? 1 : 7)
			for (size_t a = 0; a < sizeof params / sizeof params[0]; a++)
				for (size_t b = 0; b < 3; b++) {
					const struct cat_entry *x = catalog_find_event(c, id, params[a], params[b]);
					const struct cat_entry *y = catalog_find_event_memo(c, memo, id, params[a],
											    params[b]);

					assert_ptr_equal(x, y);
					hits += x != NULL;
				}
	assert_true(hits > 100);
	/* A small working set stays remembered: the same pointers again. */
	for (int i = 0; i < 1000; i++)
		assert_ptr_equal(catalog_find_event_memo(c, memo, 1003, i % 6, -1),
				 catalog_find_event(c, 1003, i % 6, -1));
	free(memo);
	catalog_free(c);
}

/* ---- formatting ---- */

static void test_format_truncates_cleanly(void **state)
{
	struct catalog *c = new_catalog();
	const struct cat_entry *e = catalog_find_event(c, 4003, 1280, 720);
	char buf[64];

	(void)state;
	assert_non_null(e);
	/* "Video resolution changed to " is 28 bytes; then 1280, U+00D7 (2 bytes), 720 */
	memset(buf, 'x', sizeof buf);
	catalog_format(e, CAT_SDK, 4003, 1280, 720, buf, 31);
	assert_string_equal(buf, "Video resolution changed to ");   /* number not cut */
	catalog_format(e, CAT_SDK, 4003, 1280, 720, buf, 34);
	assert_string_equal(buf, "Video resolution changed to 1280");  /* no half character */
	catalog_format(e, CAT_SDK, 4003, 1280, 720, buf, 35);
	assert_string_equal(buf, "Video resolution changed to 1280\u00d7");
	buf[0] = 'x';
	catalog_format(e, CAT_SDK, 4003, 1280, 720, buf, 1);
	assert_string_equal(buf, "");
	catalog_format(NULL, CAT_SDK, 123456, -1, -1, buf, 10);
	assert_string_equal(buf, "Unknown e");
	catalog_free(c);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cat_table_name(CAT_SDK), "sdk");
	assert_string_equal(cat_table_name(CAT_WEBRTC), "webrtc");
	assert_string_equal(cat_table_name(CAT_EXPERIENCE), "experience");
	assert_string_equal(cat_table_name(CAT_DISMISSAL), "dismissal");
	assert_string_equal(cat_table_name(CAT_REALTIME), "realtime");
	assert_string_equal(cat_category_name(CC_ROOM), "room");
	assert_string_equal(cat_category_name(CC_SIGNALING), "signaling");
	assert_string_equal(cat_category_name(CC_QOS), "qos");
	assert_string_equal(severity_name(SEV_INFO), "info");
	assert_string_equal(severity_name(SEV_WARNING), "warning");
	assert_string_equal(severity_name(SEV_ERROR), "error");
}

/* ---- CSV ---- */

static char *write_to_mem(const struct catalog *c, size_t *len)
{
	FILE *f = tmpfile();
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(catalog_write_csv(c, f), RR_OK);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_write_csv_shape(void **state)
{
	struct catalog *c = new_catalog();
	size_t len, lines = 0;
	char *text = write_to_mem(c, &len);

	(void)state;
	assert_memory_equal(text, HEADER, strlen(HEADER));
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_int_equal(lines, 174);
	assert_non_null(strstr(text, "\nsdk,1001,0,-1,Wired headset unplugged,device,info\n"));
	assert_non_null(strstr(text, "\nsdk,4003,any,any,Video resolution changed to {1}\u00d7{2},video,info\n"));
	assert_non_null(strstr(text, "\nsdk,4013,any,1,{1} frames failed to decode in 3 s (hardware),video,warning\n"));
	/* a label with a comma is quoted */
	assert_non_null(strstr(text, "\nsdk,6001,1,0,\"QoS local, smoothness first; scene: video call\",qos,info\n"));
	assert_non_null(strstr(text, "\nwebrtc,36864,-1,-1,"));
	assert_non_null(strstr(text, "\nrealtime,2026,-1,-1,"));
	free(text);
	catalog_free(c);
}

static void test_round_trip(void **state)
{
	static const char extra[] = HEADER
		"webrtc,40000,any,-1,\"Custom, with \"\"quotes\"\"\",signaling,error\n"
		"sdk,1003,1,-1,Wi-Fi,network,warning\n";
	struct catalog *a = new_catalog(), *b = new_catalog();
	size_t len, len2;
	char err[256], *text, *text2;

	(void)state;
	assert_int_equal(load_str(a, extra, err, sizeof err), RR_OK);
	text = write_to_mem(a, &len);
	assert_int_equal(catalog_load_mem(b, "out.csv", text, len, err, sizeof err), RR_OK);
	assert_int_equal(catalog_count(a), catalog_count(b));
	for (size_t i = 0; i < catalog_count(a); i++)
		assert_true(entry_equal(catalog_at(a, i), catalog_at(b, i)));
	assert_string_equal(catalog_find_event(b, 40000, 1, 2)->label, "Custom, with \"quotes\"");
	/* and printing again gives the same bytes */
	text2 = write_to_mem(b, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);
	free(text);
	free(text2);
	catalog_free(a);
	catalog_free(b);
}

static void test_override_replaces_builtin(void **state)
{
	static const char text[] = "Table,ID,ParamOne,PARAM_TWO,Label,Category,Severity,note\n"
		"SDK,7001,1,-1,Dropped: timeout,network,Warning,ignored column\n"
		"dismissal,1013,-1,-1,Entry timed out (override),network,error,\n"
		"experience,6,any,any,Screen froze,video,warning,\n"
		"\n";
	struct catalog *c = new_catalog();
	const struct cat_entry *e;
	char err[256];

	(void)state;
	assert_int_equal(load_str(c, text, err, sizeof err), RR_OK);
	assert_int_equal(catalog_count(c), 174);     /* two replaced, one added */
	e = catalog_find_event(c, 7001, 1, -1);
	assert_string_equal(e->label, "Dropped: timeout");
	assert_int_equal(e->category, CC_NETWORK);
	assert_int_equal(e->severity, SEV_WARNING);
	assert_string_equal(catalog_find_cause(c, 1013)->label, "Entry timed out (override)");
	assert_string_equal(catalog_find_experience(c, 6)->label, "Screen froze");
	/* the others are untouched */
	assert_string_equal(catalog_find_event(c, 7001, 2, -1)->label, "Left room: kicked out");
	/* the last of two lines with the same key wins; loading again replaces again */
	assert_int_equal(load_str(c, HEADER "sdk,7001,1,-1,First,room,error\n"
				  "sdk,7001,1,-1,Second,room,error\n", err, sizeof err), RR_OK);
	assert_int_equal(catalog_count(c), 174);
	assert_string_equal(catalog_find_event(c, 7001, 1, -1)->label, "Second");
	catalog_free(c);
}

/* How a cause reads with the remote user its PeerId names (issue 14 item
 * 12): at the peer for the sender's side, on the peer's stream for what the
 * viewer receives, named otherwise; never as the viewer's own upstream. */
static void test_cause_phrase(void **state)
{
	static const struct {
		int32_t id;
		const char *peer, *want;
	} cases[] = {
		{ 2017, "8812", "downstream big-stream loss too high on the stream from peer 8812" },
		{ 2016, "8812", "played audio is silent (volume 0) on the stream from peer 8812" },
		{ 2026, "8812", "downstream substream video stuttered on the stream from peer 8812" },
		{ 2013, "8812", "downstream latency too high on the stream from peer 8812" },
		{ 2011, "itachili1", "upstream small-stream capture fps abnormal at peer itachili1" },
		{ 2007, "8812", "upstream big-stream loss too high at peer 8812" },
		{ 2006, "8812", "captured audio is silent (volume 0) at peer 8812" },
		{ 2001, "8812", "system CPU load too high at peer 8812" },
		{ 2002, "8812", "app CPU load too high at peer 8812" },
		{ 2012, "8812", "upstream substream capture fps abnormal at peer 8812" },
		{ 1027, "8812", "substream taken by another user (peer 8812)" },
		{ 2017, NULL, "downstream big-stream loss too high" },
		{ 2007, NULL, "upstream big-stream loss too high" },
		{ 2999, "p", "unknown cause 2999 (peer p)" },
		{ 9, NULL, "unknown cause 9" },
	};
	/* 63 ASCII bytes, then a 2-byte character across the 64-byte bound. */
	static const char long_peer[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9z";
	static const char cut_want[] = "big-stream loss on the stream from peer "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…";
	struct catalog *c = new_catalog();
	char buf[256], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		catalog_cause_phrase(c, cases[i].id, cases[i].peer,
				     cases[i].peer ? strlen(cases[i].peer) : 0, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
	}
	/* An overridden label keeps its ID's side. */
	assert_int_equal(load_str(c, HEADER "realtime,2017,-1,-1,Big-stream loss,network,warning\n",
				  err, sizeof err), RR_OK);
	catalog_cause_phrase(c, 2017, "b", 1, buf, sizeof buf);
	assert_string_equal(buf, "big-stream loss on the stream from peer b");
	/* Too small: cut on a character boundary, still terminated. */
	catalog_cause_phrase(c, 2017, "\xc3\xa9\xc3\xa9", 4, buf, 43);
	assert_string_equal(buf, "big-stream loss on the stream from peer \xc3\xa9");
	catalog_cause_phrase(c, 2017, "\xc3\xa9\xc3\xa9", 4, buf, 42);
	assert_string_equal(buf, "big-stream loss on the stream from peer ");
	catalog_cause_phrase(c, 2017, "x", 1, buf, 1);
	assert_string_equal(buf, "");
	/* A long peer is cut at a character boundary, past CATALOG_PEER_MAX bytes. */
	catalog_cause_phrase(c, 2017, long_peer, sizeof long_peer - 1, buf, sizeof buf);
	assert_string_equal(buf, cut_want);
	catalog_free(c);
	/* Without a catalog: the ID's words, and the peer's side still. */
	catalog_cause_phrase(NULL, 2017, "p", 1, buf, sizeof buf);
	assert_string_equal(buf, "unknown cause 2017 on the stream from peer p");
}

static void test_load_file(void **state)
{
	struct catalog *c = new_catalog();
	char err[256];

	(void)state;
	assert_int_equal(catalog_load(c, RR_TEST_DATA "/catalog-override.csv", err, sizeof err), RR_OK);
	assert_string_equal(catalog_find_event(c, 1003, 0, -1)->label, "Offline");
	assert_int_equal(catalog_find_event(c, 1003, 0, -1)->severity, SEV_ERROR);
	assert_string_equal(catalog_find_event(c, 50000, 1, 1)->label, "Vendor event {1}");
	assert_int_equal(catalog_load(c, RR_TEST_DATA "/catalog-missing.csv", err, sizeof err), RR_EIO);
	assert_non_null(strstr(err, "catalog-missing.csv"));
	catalog_free(c);
}

static void test_bad_files(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ HEADER "sdk,1001,0,-1,ok,device,info\nsdkk,1001,0,-1,x,device,info\n",
		  "t.csv:3: unknown table 'sdkk'" },
		{ HEADER "sdk,10x1,0,-1,x,device,info\n", "t.csv:2: id '10x1' is not an integer" },
		{ HEADER "sdk,,0,-1,x,device,info\n", "t.csv:2: id '' is not an integer" },
		{ HEADER "sdk,99999999999,0,-1,x,device,info\n", "t.csv:2: id '99999999999' is not an integer" },
		{ HEADER "sdk,1001,0,-1,x,device,fatal\n", "t.csv:2: unknown severity 'fatal'" },
		{ HEADER "sdk,1001,0,-1,x,gadget,info\n", "t.csv:2: unknown category 'gadget'" },
		{ HEADER "sdk,1001,some,-1,x,device,info\n", "t.csv:2: param_one 'some' is not an integer or 'any'" },
		{ HEADER "sdk,1001,0,-2147483648,x,device,info\n", "t.csv:2: param_two '-2147483648'" },
		{ HEADER "dismissal,1001,3,-1,x,device,info\n", "t.csv:2: table dismissal takes no parameters" },
		{ HEADER "sdk,1001,0,-1,,device,info\n", "t.csv:2: label must be" },
		{ HEADER "sdk,1001,0,-1,\"a\nb\",device,info\n", "t.csv:2: label must be" },
		{ HEADER "sdk,1001,0,-1,bad \xff utf8,device,info\n", "t.csv:2: label must be" },
		{ HEADER "sdk,1001,0,-1,x,device\n", "t.csv:2: 6 fields, the header has 7" },
		{ "table,id,param_one,param_two,label,category\nsdk,1,1,1,x,app\n",
		  "t.csv:1: missing column 'severity'" },
		{ "table,id,id,param_one,param_two,label,category,severity\n", "t.csv:1: column 'id' appears twice" },
		{ "", "t.csv:1: empty file" },
		{ HEADER "sdk,1,1,1,\"x,app,info\n", "t.csv:2:" },
		{ HEADER "sdk,1,1,1,\x01\x02\xff\"nasty,app,info\n", "t.csv:2:" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct catalog *c = new_catalog();
		struct catalog *ref = new_catalog();
		int rc;

		err[0] = '\0';
		rc = load_str(c, cases[i].text, err, sizeof err);
		if (rc != RR_EDATA || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: rc %d, err \"%s\", want \"%s\"", i, rc, err, cases[i].err);
		/* nothing applied */
		assert_int_equal(catalog_count(c), catalog_count(ref));
		for (size_t k = 0; k < catalog_count(c); k++)
			assert_true(entry_equal(catalog_at(c, k), catalog_at(ref, k)));
		/* messages quote hostile fields as printable ASCII only */
		for (const char *p = err; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7F);
		catalog_free(c);
		catalog_free(ref);
	}
}

/* ---- out of memory ---- */

static void test_out_of_memory(void **state)
{
	static const char text[] = HEADER
		"sdk,7001,1,-1,Replaced,room,error\n"
		"sdk,8000,any,any,Added,app,info\n"
		"sdk,8001,any,any,Added too,app,info\n";
	struct catalog *c = NULL;
	char err[256];
	int ok = 0;

	(void)state;
	rr_alloc_fail_at(1);
	assert_int_equal(catalog_new(&c), RR_ENOMEM);
	assert_null(c);
	rr_alloc_fail_at(2);
	assert_int_equal(catalog_new(&c), RR_ENOMEM);
	assert_null(c);
	rr_alloc_fail_at(0);
	for (unsigned long n = 1; n < 200 && !ok; n++) {
		int rc;
		c = new_catalog();
		rr_alloc_fail_at(n);
		rc = load_str(c, text, err, sizeof err);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(catalog_count(c), 175);
			assert_string_equal(catalog_find_event(c, 7001, 1, -1)->label, "Replaced");
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_int_equal(catalog_count(c), 173);
			assert_string_equal(catalog_find_event(c, 7001, 1, -1)->label,
					    "Left room: timed out");
		}
		catalog_free(c);
	}
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_per_table),
		cmocka_unit_test(test_sorted_and_unique),
		cmocka_unit_test(test_labels_are_sane),
		cmocka_unit_test(test_every_official_row_resolves),
		cmocka_unit_test(test_known_labels),
		cmocka_unit_test(test_event_and_cause_1001_differ),
		cmocka_unit_test(test_unknown_lookups_and_labels),
		cmocka_unit_test(test_exact_beats_wildcard),
		cmocka_unit_test(test_ids_anywhere),
		cmocka_unit_test(test_memo_agrees),
		cmocka_unit_test(test_format_truncates_cleanly),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_write_csv_shape),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_override_replaces_builtin),
		cmocka_unit_test(test_cause_phrase),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
