/*
 * filter_seen — what the --room/--user/--from/--to filters met, so that a
 * filter matching nothing can be said with what the input holds ("no rows
 * of room 8812-standup; the input has rooms 3101, 3102, 3103, 4200 (4
 * rooms)"). Fed by ingest from every row the filters look at: which --room
 * and --user values some row named (whatever the other filters said), and
 * the rooms, users and time span of the rows left out.
 * Does not: decide whether a row is kept (ingest), or print (run).
 * Thread-safe: ingest's parallel parts feed one collector.
 */
#ifndef RR_FILTER_SEEN_H
#define RR_FILTER_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

struct filter_seen;

/* A collector for nrooms --room and nusers --user values. RR_OK with *out,
 * or RR_ENOMEM (*out NULL). Freed by filter_seen_free (NULL is fine). */
int filter_seen_new(size_t nrooms, size_t nusers, struct filter_seen **out);
void filter_seen_free(struct filter_seen *s);

/* --room value i (of the nrooms) was named by a row. */
void filter_seen_room_hit(struct filter_seen *s, size_t i);
void filter_seen_user_hit(struct filter_seen *s, size_t i);

/* A row the filters left out: its room and user (NULL or empty: none) and
 * time (RR_NONE: none). Only its names and time are kept; a string table
 * past its limit stops taking new names (the counts then say "at least"). */
void filter_seen_out(struct filter_seen *s, const char *room, size_t nroom, const char *user,
		     size_t nuser, int64_t t);

/* Whether value i was named by some row. */
int filter_seen_room_named(const struct filter_seen *s, size_t i);
int filter_seen_user_named(const struct filter_seen *s, size_t i);

/*
 * What the input holds, for a message: user 0 rooms, 1 users. The names
 * from the rows left out and the values named (vals[i] with
 * filter_seen_*_named), sorted byte-wise, at most FILTER_SEEN_SHOWN of
 * them, then "…" when there are more, and the count: "rooms 3101, 3102 (2
 * rooms)", "users anna (1 user)", "no rooms" when none. Always
 * NUL-terminates buf. RR_OK or RR_ENOMEM.
 */
#define FILTER_SEEN_SHOWN 5
int filter_seen_names(const struct filter_seen *s, int users, const char *const *vals,
		      size_t nvals, char *buf, size_t size);

/* The time span of the rows left out: 0 and *lo, *hi set, or -1 when none
 * had a time. */
int filter_seen_span(const struct filter_seen *s, int64_t *lo, int64_t *hi);

#endif
