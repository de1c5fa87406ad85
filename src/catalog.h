/*
 * catalog — the Event ID Mapping Table as data. Each entry maps
 * (table, id, ParamOne, ParamTwo) to a label in the project's own words, a
 * category and a severity. Built-in entries cover all 173 rows of the
 * official table; --catalog FILE adds or overrides entries in the same CSV
 * shape that catalog_write_csv prints:
 *     table,id,param_one,param_two,label,category,severity
 * Labels may hold {1} and {2}, replaced by ParamOne and ParamTwo.
 * Does not: count unknown IDs or walk records (decode does).
 */
#ifndef RR_CATALOG_H
#define RR_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

enum cat_table {
	CAT_SDK,          /* SDK events (1001..7001) */
	CAT_WEBRTC,       /* WebRTC events (32768..36864) */
	CAT_EXPERIENCE,   /* abnormal experiences 1..5 */
	CAT_DISMISSAL,    /* room-dismissal abnormal events 1001..1032 (causes) */
	CAT_REALTIME,     /* real-time abnormal events 2001..2026 (causes) */
	CAT__TABLES
};

enum cat_category { CC_ROOM, CC_NETWORK, CC_DEVICE, CC_AUDIO, CC_VIDEO, CC_APP,
		    CC_QOS, CC_SIGNALING, CC__COUNT };

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR, SEV__COUNT };

/* A parameter value in an entry that matches any value in the data. The
 * official table's -1 ("unused") is kept as -1 for auditing but also matches
 * any value, since exports fill unused parameters inconsistently. */
#define CAT_ANY INT32_MIN

struct cat_entry {
	enum cat_table table;
	int32_t id;
	int32_t p1, p2;          /* CAT_ANY or -1 match any value */
	const char *label;       /* owned by the catalog */
	enum cat_category category;
	enum severity severity;
};

struct catalog;

/* The built-in catalog. Returns RR_OK with *out set, or RR_ENOMEM. */
int catalog_new(struct catalog **out);
void catalog_free(struct catalog *c);

/*
 * Adds or overrides entries from a CSV file in the shape above (header line
 * required). An entry with the same (table, id, p1, p2) replaces the built-in
 * one. Returns RR_OK; RR_EDATA with err = "FILE:LINE: reason" on the first
 * bad line (nothing from the file is applied then); RR_EIO when it cannot be
 * read; RR_ENOMEM.
 */
int catalog_load(struct catalog *c, const char *path, char *err, size_t errlen);
/* The same from len bytes at buf, named name in messages. */
int catalog_load_mem(struct catalog *c, const char *name, const void *buf, size_t len,
		     char *err, size_t errlen);

/*
 * Finds the entry for an event (SDK or WebRTC table), an experience, or a
 * cause (dismissal or real-time table). An exact parameter match wins over
 * a wildcard one. Returns NULL when unknown. Pointers stay valid until the
 * catalog is freed or loaded into.
 */
const struct cat_entry *catalog_find_event(const struct catalog *c, int32_t id, int32_t p1, int32_t p2);
const struct cat_entry *catalog_find_experience(const struct catalog *c, int32_t id);

/*
 * Remembered answers of catalog_find_event for a loop over many records,
 * where a few (id, p1, p2) triples make up most rows: 256 direct-mapped
 * slots. One per thread and per catalog; valid until the catalog is loaded
 * into. catalog_memo_init before the first use.
 */
#define CAT_MEMO_SLOTS 256
struct cat_memo {
	struct {
		int32_t id, p1, p2;
		int32_t used;
		const struct cat_entry *e;
	} slot[CAT_MEMO_SLOTS];
};
void catalog_memo_init(struct cat_memo *m);
/* catalog_find_event through the memo: the same answer. */
const struct cat_entry *catalog_find_event_memo(const struct catalog *c, struct cat_memo *m,
						int32_t id, int32_t p1, int32_t p2);
const struct cat_entry *catalog_find_cause(const struct catalog *c, int32_t id);

/*
 * Writes the label of e with p1/p2 substituted into buf (always
 * NUL-terminated; 160 bytes suffice for built-in labels). e may be NULL: the
 * text is then "Unknown event N (p1, p2)" for the event tables,
 * "Unknown experience N" or "Unknown cause N" for the others (table says which).
 */
void catalog_format(const struct cat_entry *e, enum cat_table table, int32_t id,
		    int32_t p1, int32_t p2, char *buf, size_t size);

/*
 * How an abnormal-experience cause reads inside a sentence ("possible
 * causes: ..."): its label (catalog_format; the first letter lowercased
 * when a lowercase one follows it) and, when peer is not NULL, the remote
 * user it names (DESIGN §1: a cause's PeerId is the remote user the cause
 * concerns, not the viewer's own upstream). Real-time causes 2001..2012
 * (the sender's CPU, capture and upstream) happened at that user: "upstream
 * big-stream loss too high at peer 8812"; 2013..2026 (what the viewer
 * receives and plays) on that user's stream: "downstream big-stream loss
 * too high on the stream from peer 8812"; others name it: "... (peer
 * 8812)". peer is peer_len bytes (UTF-8, any content); past
 * CATALOG_PEER_MAX bytes it is cut at a character boundary and ends in "…".
 * buf is always NUL-terminated, cut at a character boundary when too small.
 * c may be NULL (no catalog: the ID's "Unknown cause" words).
 */
#define CATALOG_PEER_MAX 64
void catalog_cause_phrase(const struct catalog *c, int32_t id, const char *peer, size_t peer_len,
			  char *buf, size_t size);

/* Entries in table order, then id, p1, p2. */
size_t catalog_count(const struct catalog *c);
const struct cat_entry *catalog_at(const struct catalog *c, size_t i);
/* The i for which catalog_at(c, i) == e; e must be an entry of c (as the
 * find functions return). Valid until the catalog is freed or loaded into. */
size_t catalog_index_of(const struct catalog *c, const struct cat_entry *e);

/* Prints the catalog as CSV (header + one line per entry). RR_OK or RR_EIO. */
int catalog_write_csv(const struct catalog *c, FILE *f);

const char *cat_table_name(enum cat_table t);        /* "sdk", "webrtc", ... */
const char *cat_category_name(enum cat_category c);  /* "room", "network", ... */
const char *severity_name(enum severity s);          /* "info", "warning", "error" */

#endif
