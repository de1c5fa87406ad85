/* kit — shared unit-test helpers (see kit.h). */
#define _POSIX_C_SOURCE 200809L   /* scandir */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "dataset.h"
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
static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Everything ingest can have put into a dataset, compared field by field. */
void kit_assert_same_dataset(const struct dataset *a, const struct dataset *b)
{
	assert_int_equal(strtab_count(a->strs), strtab_count(b->strs));
	for (uint32_t i = 0; i < strtab_count(a->strs); i++) {
		assert_int_equal(strtab_len(a->strs, i), strtab_len(b->strs, i));
		assert_memory_equal(strtab_str(a->strs, i), strtab_str(b->strs, i),
				    strtab_len(a->strs, i));
	}
	assert_int_equal(a->nrecs, b->nrecs);
	for (size_t i = 0; i < a->nrecs; i++) {
		const struct record *x = &a->recs[i], *y = &b->recs[i];

		assert_int_equal(x->time_ms, y->time_ms);
		assert_int_equal(x->room, y->room);
		assert_int_equal(x->comm, y->comm);
		assert_int_equal(x->user, y->user);
		assert_int_equal(x->peer, y->peer);
		assert_int_equal(x->id, y->id);
		assert_int_equal(x->p1, y->p1);
		assert_int_equal(x->p2, y->p2);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->stream, y->stream);
	}
	assert_memory_equal(&a->counts, &b->counts, sizeof a->counts);
	assert_int_equal(a->nusers, b->nusers);
	assert_int_equal(a->nrooms, b->nrooms);
	assert_int_equal(a->nquality, b->nquality);
	assert_memory_equal(a->diag.count, b->diag.count, sizeof a->diag.count);
	assert_int_equal(a->diag.nkept, b->diag.nkept);
	for (size_t i = 0; i < a->diag.nkept; i++) {
		const struct diag_item *x = &a->diag.kept[i], *y = &b->diag.kept[i];

		same_str(x->file, y->file);
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->reason, y->reason);
		same_str(x->detail, y->detail);
	}
	assert_int_equal(a->diag.nnotes, b->diag.nnotes);
	for (size_t i = 0; i < a->diag.nnotes; i++)
		assert_string_equal(a->diag.notes[i], b->diag.notes[i]);
}


size_t kit_each_file(const char *dir,
		     void (*fn)(const char *path, const unsigned char *buf, size_t len))
{
	struct dirent **names;
	size_t files = 0;
	int n = scandir(dir, &names, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		char path[1024];
		struct stat st;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			files += kit_each_file(path, fn);
		} else if (S_ISREG(st.st_mode)) {
			size_t len;
			unsigned char *buf = kit_slurp(path, &len);

			fn(path, buf, len);
			free(buf);
			files++;
		}
	}
	free(names);
	return files;
}

struct record kit_rec(uint32_t room, uint32_t comm, uint32_t user, int64_t t,
		      int32_t id, int32_t p1)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = t;
	r.room = room;
	r.comm = comm;
	r.user = user;
	r.id = id;
	r.p1 = p1;
	r.p2 = -1;
	r.kind = REC_EVENT;
	r.stream = -1;
	return r;
}

uint64_t kit_rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}
