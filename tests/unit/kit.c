/* kit — shared unit-test helpers (see kit.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "kit.h"
#include "util.h"

struct catalog *kit_cat;
struct tz *kit_utc;

int kit_setup_catalog(void **state)
{
	(void)state;
	return catalog_new(&kit_cat) == RR_OK ? 0 : -1;
}

int kit_teardown_catalog(void **state)
{
	(void)state;
	catalog_free(kit_cat);
	kit_cat = NULL;
	return 0;
}

int kit_setup_utc(void **state)
{
	(void)state;
	return tz_open("UTC", &kit_utc, NULL, 0) == RR_OK ? 0 : -1;
}

int kit_teardown_utc(void **state)
{
	(void)state;
	tz_free(kit_utc);
	kit_utc = NULL;
	return 0;
}

void kit_ingest_options(struct ingest_options *o)
{
	ingest_options_init(o);
	o->input_tz = kit_utc;
}

unsigned char *kit_gzip(const void *s, size_t len, size_t *outlen)
{
	z_stream zs;
	size_t cap = len + len / 100 + 1024;
	unsigned char *out = malloc(cap);

	assert_non_null(out);
	memset(&zs, 0, sizeof zs);
	/* 16 + MAX_WBITS: a gzip wrapper, as exports have, not raw zlib. */
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)s;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

uint32_t kit_intern(struct strtab *t, const char *s)
{
	uint32_t id = 0;

	assert_int_equal(strtab_intern(t, s, strlen(s), &id), RR_OK);
	return id;
}

unsigned char *kit_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}
