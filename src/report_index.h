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
	/* Set by report_index_budget (single file); 0 otherwise. */
	int ticket;              /* at most REPORT_TICKET_CALLS calls */
	uint32_t bodies;         /* calls with a body in the file */
	uint32_t left_out;       /* calls --pages chose that got no body */
};

/*
 * Builds r->index from r's model, strings and zone (r->index NULL on
 * failure). Returns RR_OK or RR_ENOMEM. report_index_free frees it (NULL
 * is fine).
 */
int report_index_build(struct report *r);
void report_index_free(struct report *r);

/*
 * The single file's budget, after report_select_pages: marks a ticket file
 * (at most REPORT_TICKET_CALLS calls), and when more than
 * REPORT_FILE_BODIES calls have a page, keeps r->call_page only for the
 * REPORT_FILE_BODIES worst of them and counts the others in left_out.
 * r->npages follows. RR_OK or RR_ENOMEM (r unchanged).
 */
int report_index_budget(struct report *r);

#endif
