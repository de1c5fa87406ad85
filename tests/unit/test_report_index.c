/*
 * test_report_index — the call index (report_index.h): each call's distinct
 * users in first-session order, users and rooms sorted by their bytes with
 * their calls, the calls' local days, and the single file's budget (which
 * calls keep a body, the ticket mark). Table-driven over small models.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dataset.h"
#include "kit.h"
#include "report.h"
#include "report_index.h"
#include "sessions.h"
#include "strtab.h"
#include "util.h"

#define DAY_MS 86400000LL
#define T0 1763337600000LL      /* 2025-11-17 00:00 UTC */

/* A call: its room, its sessions' users (NULL-terminated), start, and its
 * error and warning findings and timeouts. */
struct tcall {
	const char *room;
	const char *users[6];
	int64_t start;
	uint32_t errors, warnings, timeouts;
};

struct tmodel {
	struct dataset ds;
	struct model m;
	struct report r;
	struct call calls[32];
	struct session sessions[128];
	uint8_t page[32];
};

static void make(struct tmodel *t, const struct tcall *c, size_t n)
{
	uint32_t s = 0;

	memset(t, 0, sizeof *t);
	t->ds.strs = strtab_new();
	assert_non_null(t->ds.strs);
	for (size_t i = 0; i < n; i++) {
		struct call *k = &t->calls[i];

		k->room = kit_intern(t->ds.strs, c[i].room);
		k->start_ms = c[i].start;
		k->end_ms = c[i].start + 60000;
		k->first_session = s;
		k->findings[SEV_ERROR] = c[i].errors;
		k->findings[SEV_WARNING] = c[i].warnings;
		k->exits[EXIT_TIMEOUT] = c[i].timeouts;
		for (size_t u = 0; c[i].users[u]; u++) {
			t->sessions[s].call = (uint32_t)i;
			t->sessions[s].user = kit_intern(t->ds.strs, c[i].users[u]);
			s++;
		}
		k->nsessions = s - k->first_session;
		t->page[i] = 1;
	}
	t->m.calls = t->calls;
	t->m.ncalls = (uint32_t)n;
	t->m.sessions = t->sessions;
	t->m.nsessions = s;
	t->r.ds = &t->ds;
	t->r.m = &t->m;
	t->r.tz = kit_utc;
	t->r.call_page = t->page;
	t->r.npages = (uint32_t)n;
	assert_int_equal(report_index_build(&t->r), RR_OK);
}

static void unmake(struct tmodel *t)
{
	report_index_free(&t->r);
	strtab_free(t->ds.strs);
}

/* The users of call i as "a,b,c". */
static void call_users(const struct tmodel *t, uint32_t i, char *b, size_t n)
{
	const struct call_index *x = t->r.index;

	b[0] = '\0';
	for (uint32_t k = x->call_first[i]; k < x->call_first[i + 1]; k++) {
		if (k > x->call_first[i])
			strncat(b, ",", n - strlen(b) - 1);
		strncat(b, strtab_str(t->ds.strs, x->users[x->call_users[k]]), n - strlen(b) - 1);
	}
}

static void test_users_rooms_days(void **state)
{
	static const struct tcall c[] = {
		{ "r2", { "u2", "u10", "u2", NULL }, T0 + 1000, 0, 0, 0 },
		{ "r10", { "u1", NULL }, T0 + 3600000, 1, 0, 0 },
		{ "r2", { "u10", "u1", NULL }, T0 + DAY_MS + 5, 0, 2, 0 },
		{ "r1", { "u\xe2\x80\xa8", "u2", NULL }, T0 + 3 * DAY_MS, 0, 0, 1 },
	};
	static const struct { uint32_t call; const char *users; } want_users[] = {
		{ 0, "u2,u10" }, { 1, "u1" }, { 2, "u10,u1" }, { 3, "u\xe2\x80\xa8,u2" },
	};
	/* Sorted by bytes: "u1" < "u10" < "u2" < "u\u2028". */
	static const struct { const char *user; uint32_t calls[4], n; } want_calls[] = {
		{ "u1", { 1, 2 }, 2 }, { "u10", { 0, 2 }, 2 }, { "u2", { 0, 3 }, 2 },
		{ "u\xe2\x80\xa8", { 3 }, 1 },
	};
	static const char *const rooms[] = { "r1", "r10", "r2" };
	static const uint32_t call_room[] = { 2, 1, 2, 0 };
	static const struct { const char *date; uint32_t first; } days[] = {
		{ "2025-11-17", 0 }, { "2025-11-18", 2 }, { "2025-11-20", 3 } };
	struct tmodel t;
	const struct call_index *x;
	char b[64];

	(void)state;
	make(&t, c, sizeof c / sizeof c[0]);
	x = t.r.index;
	assert_non_null(x);
	for (size_t k = 0; k < sizeof want_users / sizeof want_users[0]; k++) {
		call_users(&t, want_users[k].call, b, sizeof b);
		assert_string_equal(b, want_users[k].users);
	}
	assert_int_equal(x->nusers, 4);
	for (uint32_t u = 0; u < x->nusers; u++) {
		assert_string_equal(strtab_str(t.ds.strs, x->users[u]), want_calls[u].user);
		assert_int_equal(x->user_first[u + 1] - x->user_first[u], want_calls[u].n);
		for (uint32_t k = 0; k < want_calls[u].n; k++)
			assert_int_equal(x->user_calls[x->user_first[u] + k], want_calls[u].calls[k]);
	}
	assert_int_equal(x->nrooms, 3);
	for (uint32_t k = 0; k < 3; k++)
		assert_string_equal(dataset_room_name(t.ds.strs, x->rooms[k], NULL), rooms[k]);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(x->call_room[i], call_room[i]);
	assert_int_equal(x->ndays, 3);
	for (uint32_t d = 0; d < 3; d++) {
		assert_string_equal(x->days[d], days[d].date);
		assert_int_equal(x->day_first[d], days[d].first);
	}
	assert_int_equal(x->day_first[3], 4);
	assert_int_equal(x->zoned, 0);
	unmake(&t);
}

/* The budget over n calls with badness (errors, warnings, timeouts) from a
 * rule: the REPORT_FILE_BODIES worst keep their body. */
static void test_budget(void **state)
{
	static const struct {
		uint32_t ncalls, npages;  /* npages: the first npages calls may have one */
		int ticket;
		uint32_t bodies, left_out;
	} cases[] = {
		{ 1, 1, 1, 1, 0 },
		{ 3, 3, 1, 3, 0 },
		{ 4, 4, 0, 4, 0 },
		{ REPORT_FILE_BODIES, REPORT_FILE_BODIES, 0, REPORT_FILE_BODIES, 0 },
		{ 30, 30, 0, REPORT_FILE_BODIES, 30 - REPORT_FILE_BODIES },
		{ 30, 25, 0, REPORT_FILE_BODIES, 25 - REPORT_FILE_BODIES },
		{ 30, 10, 0, 10, 0 },
	};
	struct tcall c[32];
	struct tmodel t;

	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		uint32_t n = cases[k].ncalls, kept = 0;

		for (uint32_t i = 0; i < n; i++) {
			memset(&c[i], 0, sizeof c[i]);
			c[i].room = "r";
			c[i].users[0] = "u";
			c[i].start = T0 + i * 1000;
			/* Call i: errors i % 3, warnings i % 5, timeouts i % 2. */
			c[i].errors = i % 3;
			c[i].warnings = i % 5;
			c[i].timeouts = i % 2;
		}
		make(&t, c, n);
		for (uint32_t i = cases[k].npages; i < n; i++)
			t.page[i] = 0;
		t.r.npages = cases[k].npages;
		assert_int_equal(report_index_budget(&t.r), RR_OK);
		assert_int_equal(t.r.index->ticket, cases[k].ticket);
		assert_int_equal(t.r.index->bodies, cases[k].bodies);
		assert_int_equal(t.r.index->left_out, cases[k].left_out);
		assert_int_equal(t.r.npages, cases[k].bodies);
		/* No call left out is worse than a kept one. */
		for (uint32_t i = 0; i < n; i++) {
			kept += t.page[i];
			for (uint32_t j = 0; j < cases[k].npages && t.page[i]; j++) {
				const struct call *a = &t.calls[i], *b = &t.calls[j];

				if (t.page[j])
					continue;
				assert_true(a->findings[SEV_ERROR] > b->findings[SEV_ERROR] ||
					    (a->findings[SEV_ERROR] == b->findings[SEV_ERROR] &&
					     (a->findings[SEV_WARNING] > b->findings[SEV_WARNING] ||
					      (a->findings[SEV_WARNING] == b->findings[SEV_WARNING] &&
					       (a->exits[EXIT_TIMEOUT] > b->exits[EXIT_TIMEOUT] ||
						(a->exits[EXIT_TIMEOUT] == b->exits[EXIT_TIMEOUT] &&
						 a->start_ms < b->start_ms))))));
			}
		}
		assert_int_equal(kept, cases[k].bodies);
		unmake(&t);
	}
}

/* The cuts into pages: days into parts of at most per_page calls, users
 * into pages of whole users with at most `links` links (one alone when
 * more). Each row: the input's firsts, the budget, the pages' firsts. */
static void test_cuts(void **state)
{
	static const struct {
		uint32_t first[6], n, budget;
		uint32_t want[10], npages;
		uint32_t day_pages[6];   /* days only */
	} days[] = {
		/* Days of 3, 7, 2 calls, at most 3 a page: 1 + 3 + 1 pages; the
		 * 7 in near-equal parts 2, 2, 3. */
		{ { 0, 3, 10, 12 }, 3, 3, { 0, 3, 5, 7, 10, 12 }, 5, { 0, 1, 4, 5 } },
		/* A day of exactly the budget: one page. */
		{ { 0, 4 }, 1, 4, { 0, 4 }, 1, { 0, 1 } },
		{ { 0, 5 }, 1, 4, { 0, 2, 5 }, 2, { 0, 2 } },
		{ { 0 }, 0, 4, { 0 }, 0, { 0 } },
	}, users[] = {
		/* Users with 2, 2, 5, 1, 1 calls, at most 4 links a page: [2 2]
		 * [5 alone] [1 1]. */
		{ { 0, 2, 4, 9, 10, 11 }, 5, 4, { 0, 2, 3, 5 }, 3, { 0 } },
		/* Every user fits on one page. */
		{ { 0, 1, 2, 3 }, 3, 10, { 0, 3 }, 1, { 0 } },
		/* A user past the budget first, then one. */
		{ { 0, 9, 10 }, 2, 4, { 0, 1, 2 }, 2, { 0 } },
		{ { 0 }, 0, 4, { 0 }, 0, { 0 } },
	};
	uint32_t page[16], dp[8];

	(void)state;
	for (size_t k = 0; k < sizeof days / sizeof days[0]; k++) {
		uint32_t n = report_index_cut_days(days[k].first, days[k].n, days[k].budget, page, dp);

		assert_int_equal(n, days[k].npages);
		for (uint32_t j = 0; j <= n; j++)
			assert_int_equal(page[j], days[k].want[j]);
		for (uint32_t d = 0; d <= days[k].n; d++)
			assert_int_equal(dp[d], days[k].day_pages[d]);
	}
	for (size_t k = 0; k < sizeof users / sizeof users[0]; k++) {
		uint32_t n = report_index_cut_users(users[k].first, users[k].n, users[k].budget, page);

		assert_int_equal(n, users[k].npages);
		for (uint32_t j = 0; j <= n; j++)
			assert_int_equal(page[j], users[k].want[j]);
	}
}

/* The page that lists a call or a user, and the single file's users' lists
 * within REPORT_FILE_USER_LINKS. */
static void test_page_of(void **state)
{
	static const struct tcall c[] = {
		{ "r", { "a", "b", NULL }, T0, 0, 0, 0 },
		{ "r", { "a", NULL }, T0 + DAY_MS, 0, 0, 0 },
	};
	struct tmodel t;
	const struct call_index *x;

	(void)state;
	make(&t, c, 2);
	x = t.r.index;
	assert_int_equal(x->ndpages, 2);
	assert_int_equal(x->nupages, 1);
	assert_int_equal(report_index_day_page(x, 0), 0);
	assert_int_equal(report_index_day_page(x, 1), 1);
	assert_int_equal(report_index_user_page(x, 1), 0);
	assert_int_equal(report_index_budget(&t.r), RR_OK);
	assert_int_equal(x->users_left_out, 0);
	unmake(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_rooms_days),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_page_of),
	};

	return cmocka_run_group_tests(tests, kit_setup_utc, kit_teardown_utc);
}
