/*
 * report_index — the call index every HTML report carries: each call's
 * distinct users, the report's users and rooms sorted by ID with the calls
 * of each user, the calls grouped by local day; and the single file's
 * budget (which calls get a body in -o FILE.html, and whether it is a
 * ticket file of a few calls).
 * Does not: format anything or write HTML (render_index.c shows it).
 */
#ifndef RR_REPORT_INDEX_H
#define RR_REPORT_INDEX_H

#include <stdint.h>

#include "report.h"

/* A single file of at most this many calls is a ticket file: it opens on
 * its calls (their findings first), the overview after them. */
#define REPORT_TICKET_CALLS 3
/* A single file of more calls (with a page, --pages) than this gives a body
 * to the worst REPORT_FILE_BODIES of them (report_lists.c's worst-call
 * order over every call: error findings, warning findings, timeouts + kicks
 * + entry failures, each most first, then start) and lists the others in
 * its index without a body. */
#define REPORT_FILE_BODIES 20
/* A directory report's call index is calls.html (a page of links) and
 * pages under index/: the calls by day, a day of more than
 * REPORT_INDEX_PAGE_CALLS calls cut into that many pages of near-equal
 * size (ceil(n / REPORT_INDEX_PAGE_CALLS)); and the users, sorted, in
 * pages of whole users with at most REPORT_INDEX_PAGE_LINKS call links
 * together (a user with more has a page alone). */
#define REPORT_INDEX_PAGE_CALLS 3000
#define REPORT_INDEX_PAGE_LINKS 4000
/* The single file's index lists every call by day, and every user with
 * their calls only when those lists hold at most this many call links
 * (the sum of the users' calls); otherwise the users' lists are left out
 * (users_left_out). */
#define REPORT_FILE_USER_LINKS 25000

struct call_index {
	/* Per call (model order): its distinct users (strtab ids), in the
	 * order of their first session, as indexes into users[] below:
	 * call_users[call_first[i] .. call_first[i + 1]). */
	uint32_t *call_first;    /* ncalls + 1 */
	uint32_t *call_users;    /* indexes into users[] */
	/* The report's distinct users, sorted by ID bytes (shorter first on a
	 * common prefix); user k's calls, model order, are
	 * user_calls[user_first[k] .. user_first[k + 1]). */
	uint32_t *users;         /* strtab ids */
	uint32_t nusers;
	uint32_t *user_first;    /* nusers + 1 */
	uint32_t *user_calls;
	/* The distinct room keys (dataset_room_name) sorted by name, then
	 * app; call i's room is rooms[call_room[i]]. */
	uint32_t *rooms;
	uint32_t nrooms;
	uint32_t *call_room;
	/* Local days (the report's zone) of the calls' starts, in order; calls
	 * day_first[d] .. day_first[d + 1] start on day d (calls are in start
	 * order, so each day's calls are one run). */
	char (*days)[11];        /* "YYYY-MM-DD" */
	uint32_t ndays;
	uint32_t *day_first;     /* ndays + 1 */
	/* The calls' starts span a change of the zone's UTC offset: their
	 * times are shown with the zone's abbreviation. */
	int zoned;
	/* The day pages (directory report): page k lists the calls
	 * dpage_first[k] .. dpage_first[k + 1]), all of one day; day d's
	 * pages are dday_first[d] .. dday_first[d + 1]). */
	uint32_t *dpage_first;   /* ndpages + 1 */
	uint32_t ndpages;
	uint32_t *dday_first;    /* ndays + 1 */
	/* The users' pages: page k lists the users upage_first[k] ..
	 * upage_first[k + 1]) (ranks into users[]). */
	uint32_t *upage_first;   /* nupages + 1 */
	uint32_t nupages;
	/* Set by report_index_budget (single file); 0 otherwise. */
	int ticket;              /* at most REPORT_TICKET_CALLS calls */
	uint32_t bodies;         /* calls with a body in the file */
	uint32_t left_out;       /* calls --pages chose that got no body */
	/* The users' lists are left out of the single file: they hold more
	 * than REPORT_FILE_USER_LINKS call links. */
	int users_left_out;
};

/*
 * Builds r->index from r's model, strings and zone (r->index NULL on
 * failure). Returns RR_OK or RR_ENOMEM. report_index_free frees it (NULL
 * is fine).
 */
int report_index_build(struct report *r);
void report_index_free(struct report *r);

/* The cuts behind dpage_first and upage_first, for any budget: days
 * (day_first, ndays + 1 entries) into pages of at most per_page (> 0)
 * calls, each day's calls in near-equal parts, page_first (room for
 * day_first[ndays] + 1 entries) and day_pages (ndays + 1) filled; users
 * (user_first, nusers + 1) into pages of whole users with at most links
 * call links together, a user with more alone, page_first (nusers + 1).
 * Return the number of pages (page_first[that] is the end). */
uint32_t report_index_cut_days(const uint32_t *day_first, uint32_t ndays, uint32_t per_page,
			       uint32_t *page_first, uint32_t *day_pages);
uint32_t report_index_cut_users(const uint32_t *user_first, uint32_t nusers, uint32_t links,
				uint32_t *page_first);

/* The day page (k into dpage_first) that lists call i, and the users'
 * page that lists user rank u. */
uint32_t report_index_day_page(const struct call_index *x, uint32_t i);
uint32_t report_index_user_page(const struct call_index *x, uint32_t u);

/*
 * The single file's budget, after report_select_pages: marks a ticket file
 * (at most REPORT_TICKET_CALLS calls), sets users_left_out (more than
 * REPORT_FILE_USER_LINKS links in the users' lists), and when more than
 * REPORT_FILE_BODIES calls have a page, keeps r->call_page only for the
 * REPORT_FILE_BODIES worst of them and counts the others in left_out.
 * r->npages follows. RR_OK or RR_ENOMEM (r unchanged).
 */
int report_index_budget(struct report *r);

#endif
