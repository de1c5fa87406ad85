/*
 * util — status codes, the allocation policy, growable arrays, small helpers.
 *
 * Out-of-memory policy (stated here, once, for the whole program): no function
 * aborts or exits on allocation failure. Every allocation goes through
 * rr_malloc/rr_calloc/rr_realloc; when one fails, the function that asked
 * releases what it holds and returns RR_ENOMEM up the pipeline, and main
 * reports "out of memory" and exits 3. Tests may make the Nth allocation fail
 * with rr_alloc_fail_at() to exercise those paths.
 */
#ifndef RR_UTIL_H
#define RR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Status codes returned upward by every stage. Values double as exit codes
 * where they coincide (see main.c). */
enum rr_status {
	RR_OK = 0,
	RR_EDATA = 1,   /* input unusable: missing column, nothing usable, --strict */
	RR_EUSAGE = 2,  /* bad option or argument */
	RR_EIO = 3,     /* read or write failure */
	RR_ENOMEM = 4,  /* allocation failed (main exits 3) */
};

#define RR_NONE INT64_MIN        /* an absent time or duration (JSON null) */
#define RR_NOIDX UINT32_MAX      /* an absent index */

void *rr_malloc(size_t n);
void *rr_calloc(size_t count, size_t size);
void *rr_realloc(void *p, size_t n);
void rr_free(void *p);
/* Returns a NUL-terminated copy of n bytes at s, or NULL when out of memory. */
char *rr_strndup(const char *s, size_t n);

/* Make allocation number n (1-based, counted from this call) fail; 0 turns
 * injection off. Only for tests. */
void rr_alloc_fail_at(unsigned long n);

/*
 * Ensure the array *base (elements of elem bytes, capacity *cap) can hold need
 * elements, growing geometrically. Returns RR_OK, or RR_ENOMEM with *base and
 * *cap unchanged.
 */
int rr_grow(void *base, size_t *cap, size_t need, size_t elem);

/* Writes v in decimal as printf's "%" PRId64 does, ending just before end,
 * and returns where the text starts (no NUL). end must have RR_I64_CHARS
 * bytes of room before it. */
#define RR_I64_CHARS 20
char *fmt_i64(int64_t v, char *end);

/* Online processors, at least 1 and at most cap: how many threads a stage
 * that splits its work uses when not told. */
unsigned rr_threads(unsigned cap);

/* 1 when the n bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);

/* Length of s[0..len) without a trailing incomplete UTF-8 sequence, so a
 * cut never leaves invalid UTF-8 behind. */
size_t utf8_cut(const char *s, size_t len);

/* Formats n milliseconds as a short duration: "850 ms", "7.2 s", "3 min 05 s",
 * "2 h 04 min". Always NUL-terminates buf. */
void fmt_duration(int64_t ms, char *buf, size_t size);

/* Edits from a to b: inserts, deletes, replacements and swaps of two
 * neighbouring bytes (optimal string alignment), ASCII case ignored.
 * Returns them, or max + 1 when more than max or either string is longer
 * than 63 bytes. */
unsigned rr_edits(const char *a, const char *b, unsigned max);

/* The eight bytes at p as a little-endian word, whatever the alignment:
 * for the parsers that look at eight bytes at a time. */
static inline uint64_t rr_load_le64(const void *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

#endif
