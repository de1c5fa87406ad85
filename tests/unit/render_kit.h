/*
 * render_kit — the fixture and page-reading helpers that the render tests
 * (tests/unit/test_render*.c, one executable per file) share; linked into
 * each of them by the root CMakeLists.txt. Include after cmocka.h.
 */
#ifndef RR_RENDER_KIT_H
#define RR_RENDER_KIT_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "catalog.h"
#include "dataset.h"
#include "decode.h"
#include "render.h"
#include "report.h"
#include "tz.h"

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

/* One event row (kind REC_EVENT or REC_ABNORMAL) at T0 + sec. */
void ev(struct fixture *fx, const char *room, const char *user, int64_t sec,
	int kind, int32_t id, int32_t p1, const char *peer);
/* One user's ordinary session: enters after 1 s, stays `len` seconds, and
 * leaves with closing event close_id/close_p1. */
void stay(struct fixture *fx, const char *room, const char *user, int64_t at, int64_t len,
	  int32_t close_id, int32_t close_p1);
uint32_t id_of(struct fixture *fx, const char *s);
void quality(struct fixture *fx, const char *room, const char *comm, const char *user,
	     const char *peer, const char *metric, int64_t sec, float value);

/* The hostile IDs of call 2: HOSTILE_N - 1 fixed ones and a 10 KB one. */
#define HOSTILE_N 10
extern const char *const hostile_fixed[HOSTILE_N - 1];
const char *hostile(struct fixture *fx, int i);
/* What the page must show for a hostile ID: controls replaced by U+FFFD. */
const char *shown(const char *s, char *buf, size_t n);

/* cmocka group setup and teardown: the fixture (with the big call), in a
 * fresh /tmp/test_render.XXXXXX (kept when TEST_RENDER_KEEP is set). */
int render_kit_setup(void **state);
int render_kit_teardown(void **state);

/* ---- reading pages back ---- */

struct parsed {
	char *bytes;
	size_t len;
	htmlDocPtr doc;
	xmlXPathContextPtr xp;
};

char *slurp(const char *path, size_t *len);
void parse_file(const char *path, struct parsed *p);
void parsed_free(struct parsed *p);
double xnum(struct parsed *p, const char *expr);
#define COUNT(p, expr) ((long)xnum((p), "count(" expr ")"))
/* The string value of expr (caller frees). */
char *xstr(struct parsed *p, const char *expr);
void assert_xstr(struct parsed *p, const char *expr, const char *want);
/* Checks shared by every page (the overview: one script); a call page: no
 * script, nothing from the template's comments, a stylesheet of its own. */
void check_page(struct parsed *p);
void check_call_page(struct parsed *p);
/* "a/b", malloc'd. */
char *join(const char *a, const char *b);
/* render_write_dir of the fixture's report into dir, which must succeed. */
void write_dir(struct fixture *fx, const char *dir);
/* Entries in dir, "." and ".." aside. */
int count_entries(const char *dir);
/* count(expr) summed over the call index's pages dir/index/KIND-1.html,
 * KIND-2.html, ... (KIND "day" or "users"), up to the first missing one;
 * *npages (may be NULL) gets how many there were. */
long count_index_pages(const char *dir, const char *kind, const char *expr, int *npages);

#endif
