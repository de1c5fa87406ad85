/*
 * strtab — string interning. Room, user, peer and CommId strings are stored
 * once and referred to by a 32-bit id, so an event record stays fixed-size.
 * Does not: normalise, trim or validate strings (the ingest stage does).
 */
#ifndef RR_STRTAB_H
#define RR_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab;

/* Limits that keep hostile input from growing the table without bound:
 * distinct strings, and bytes of string text (each at most one CSV field). */
#define STRTAB_MAX_STRINGS (16u * 1024 * 1024)
#define STRTAB_MAX_BYTES (1024u * 1024 * 1024)

/* Returns an empty table, or NULL when out of memory. Id 0 is always "". */
struct strtab *strtab_new(void);

/* Frees t and every string in it; NULL is allowed. */
void strtab_free(struct strtab *t);

/*
 * Interns the len bytes at s (not necessarily NUL-terminated; they are
 * copied). On RR_OK *id names the string for the table's lifetime; the same
 * bytes always give the same id. Returns RR_EDATA when a new string would
 * pass STRTAB_MAX_STRINGS or STRTAB_MAX_BYTES, RR_ENOMEM when out of memory;
 * either way the table is left as it was.
 */
int strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id);

/* The hash strtab_intern computes of the len bytes at s (a pure function of
 * the bytes), for callers that keep a cache of their own in front of the
 * table: strtab_intern_hashed then does not compute it again. */
uint32_t strtab_hash(const char *s, size_t len);

/* strtab_intern, given hash = strtab_hash(s, len); the same ids and status. */
int strtab_intern_hashed(struct strtab *t, const char *s, size_t len, uint32_t hash,
			 uint32_t *id);

/*
 * Interns every string of src into t, in src's id order, and sets map[id] to
 * t's id for each src id (map has strtab_count(src) entries). Strings new to
 * t thus get ids in the order src first met them, as if src's rows had been
 * interned into t directly. Returns RR_OK; RR_EDATA when the new strings
 * would pass t's limits, RR_ENOMEM when out of memory; either way t holds
 * the same strings as before (its capacity may have grown) and map is
 * undefined.
 */
int strtab_merge(struct strtab *t, const struct strtab *src, uint32_t *map);

/* Lowers the limits of t (for tests of the limit paths); values above the
 * defaults are clamped to them. */
void strtab_set_limits(struct strtab *t, uint32_t max_strings, size_t max_bytes);

/* Looks s up without inserting: returns 1 and sets *id when present, else 0. */
int strtab_find(const struct strtab *t, const char *s, size_t len, uint32_t *id);

/* The NUL-terminated string of id (owned by the table: valid, at the same
 * address, until strtab_free), and its length; "" and 0 for an id the
 * table has not given. */
const char *strtab_str(const struct strtab *t, uint32_t id);
size_t strtab_len(const struct strtab *t, uint32_t id);

/* Number of distinct strings, "" included. */
uint32_t strtab_count(const struct strtab *t);

#endif
