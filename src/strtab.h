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

/* Returns an empty table, or NULL when out of memory. Id 0 is always "". */
struct strtab *strtab_new(void);
void strtab_free(struct strtab *t);

/*
 * Interns the len bytes at s (not necessarily NUL-terminated; they are
 * copied). On RR_OK *id names the string for the table's lifetime; the same
 * bytes always give the same id. Returns RR_ENOMEM, leaving the table as it
 * was, when out of memory.
 */
int strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id);

/* Looks s up without inserting: returns 1 and sets *id when present, else 0. */
int strtab_find(const struct strtab *t, const char *s, size_t len, uint32_t *id);

/* The NUL-terminated string of id (owned by the table), and its length. */
const char *strtab_str(const struct strtab *t, uint32_t id);
size_t strtab_len(const struct strtab *t, uint32_t id);

/* Number of distinct strings, "" included. */
uint32_t strtab_count(const struct strtab *t);

#endif
