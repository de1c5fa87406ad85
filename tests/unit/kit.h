/* kit — helpers shared by the unit tests (not a module of roomreport): the
 * built-in catalog, a UTC zone and ingest options that use it, and
 * gzip-compressing a buffer. */
#ifndef RR_TEST_KIT_H
#define RR_TEST_KIT_H

#include <stddef.h>

#include <stdint.h>

#include "catalog.h"
#include "dataset.h"
#include "ingest.h"
#include "tz.h"

/* cmocka setup/teardown creating and freeing kit_cat (the built-in catalog). */
extern struct catalog *kit_cat;
int kit_setup_catalog(void **state);
int kit_teardown_catalog(void **state);

/* cmocka group setup/teardown opening and freeing kit_utc. */
extern struct tz *kit_utc;
int kit_setup_utc(void **state);
int kit_teardown_utc(void **state);

/* Default ingest options reading times without an offset as UTC. */
void kit_ingest_options(struct ingest_options *o);

/* gzip-compresses len bytes at s into a malloc'd buffer (the caller frees);
 * *outlen gets its size. Fails the test on any zlib error. */
unsigned char *kit_gzip(const void *s, size_t len, size_t *outlen);

/* The whole file at path in a malloc'd buffer (the caller frees; one spare
 * byte after the end); *len gets its size. Fails the test when unreadable. */
unsigned char *kit_slurp(const char *path, size_t *len);

/* Interns the C string s into t and returns its id; fails the test when the
 * table refuses it. For filling struct record, whose id fields are
 * bit-fields and so cannot be passed to strtab_intern by address. */
uint32_t kit_intern(struct strtab *t, const char *s);

/* Calls fn with the path and contents of every regular file under dir
 * (subdirectories included, names starting with '.' skipped, in name
 * order); returns how many. Fails the test when dir cannot be read. */
size_t kit_each_file(const char *dir,
		     void (*fn)(const char *path, const unsigned char *buf, size_t len));

/* Fails the test unless a and b hold the same strings (ids included),
 * records, counts, companion row counts, diagnostics and notes: everything
 * ingest can have put into a dataset. */
struct dataset;
void kit_assert_same_dataset(const struct dataset *a, const struct dataset *b);

/* An event record of (room, comm, user) at t ms with EventId id and Para1
 * p1; Para2 and the stream absent, every other field zero. */
struct record kit_rec(uint32_t room, uint32_t comm, uint32_t user, int64_t t,
		      int32_t id, int32_t p1);

/* The next number of a small deterministic generator (xorshift64*) whose
 * state is *s (nonzero), so randomised tests are the same on every machine. */
uint64_t kit_rng_next(uint64_t *s);

#endif
