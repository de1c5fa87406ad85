/*
 * dataset — record storage, the stable sort that groups records by call and
 * user, and exact-duplicate removal. Does not: know what IDs mean.
 */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int dataset_init(struct dataset *ds)
{
	memset(ds, 0, sizeof *ds);
	diag_init(&ds->diag);
	ds->strs = strtab_new();
	return ds->strs ? RR_OK : RR_ENOMEM;
}

void dataset_free(struct dataset *ds)
{
	strtab_free(ds->strs);
	rr_free(ds->recs);
	for (size_t i = 0; i < ds->nfiles; i++)
		rr_free(ds->files[i]);
	rr_free(ds->files);
	diag_free(&ds->diag);
	memset(ds, 0, sizeof *ds);
}

int dataset_add_file(struct dataset *ds, const char *name, uint16_t *index)
{
	char *copy;

	if (ds->nfiles >= UINT16_MAX)
		return RR_EDATA;
	if (rr_grow(&ds->files, &ds->capfiles, ds->nfiles + 1, sizeof *ds->files) != RR_OK)
		return RR_ENOMEM;
	copy = rr_strndup(name, strlen(name));
	if (!copy)
		return RR_ENOMEM;
	ds->files[ds->nfiles] = copy;
	*index = (uint16_t)ds->nfiles++;
	return RR_OK;
}

int dataset_append(struct dataset *ds, const struct record *r)
{
	if (ds->nrecs == ds->caprecs &&
	    rr_grow(&ds->recs, &ds->caprecs, ds->nrecs + 1, sizeof *ds->recs) != RR_OK)
		return RR_ENOMEM;
	ds->recs[ds->nrecs++] = *r;
	return RR_OK;
}

static int key_cmp(const struct record *a, const struct record *b)
{
	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	if (a->comm != b->comm)
		return a->comm < b->comm ? -1 : 1;
	if (a->user != b->user)
		return a->user < b->user ? -1 : 1;
	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	return 0;
}

/* Bottom-up merge sort: stable, so input order survives among equal keys. */
static void merge_sort(struct record *a, struct record *tmp, size_t n)
{
	struct record *src = a, *dst = tmp;

	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				dst[k++] = key_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		struct record *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* Equal in every field that comes from the row; the file does not count, so
 * overlapping exports collapse. */
static int same_row(const struct record *a, const struct record *b)
{
	return a->time_ms == b->time_ms && a->room == b->room && a->comm == b->comm &&
	       a->user == b->user && a->peer == b->peer && a->id == b->id &&
	       a->p1 == b->p1 && a->p2 == b->p2 && a->kind == b->kind &&
	       a->stream == b->stream;
}

static int full_cmp(const struct record *a, const struct record *b)
{
#define CMP(f) if (a->f != b->f) return a->f < b->f ? -1 : 1
	CMP(peer); CMP(id); CMP(p1); CMP(p2); CMP(kind); CMP(stream);
#undef CMP
	return 0;
}

static const struct record *sort_base;

static int index_cmp(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	int c = full_cmp(&sort_base[i], &sort_base[j]);

	return c ? c : (i < j ? -1 : i > j);
}

/*
 * Marks duplicates in the run a[0..n) (all with the same key) by setting
 * keep[i] = 0. Short runs compare pairwise; long ones (many events in one
 * millisecond) sort an index so hostile input cannot make this quadratic.
 */
static int mark_run(const struct record *a, size_t n, unsigned char *keep)
{
	if (n <= 16) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (keep[j] && same_row(&a[i], &a[j])) {
					keep[i] = 0;
					break;
				}
		return RR_OK;
	}
	uint32_t *idx = rr_malloc(n * sizeof *idx);
	if (!idx)
		return RR_ENOMEM;
	for (size_t i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	sort_base = a;
	qsort(idx, n, sizeof *idx, index_cmp);
	for (size_t i = 1; i < n; i++)
		if (full_cmp(&a[idx[i]], &a[idx[i - 1]]) == 0)
			keep[idx[i]] = 0;
	rr_free(idx);
	return RR_OK;
}

int dataset_finish(struct dataset *ds)
{
	size_t n = ds->nrecs, out = 0;
	unsigned char keep[4096];

	if (n > 1) {
		struct record *tmp = rr_malloc(n * sizeof *tmp);
		if (!tmp)
			return RR_ENOMEM;
		merge_sort(ds->recs, tmp, n);
		rr_free(tmp);
	}
	for (size_t lo = 0; lo < n;) {
		size_t hi = lo + 1;
		while (hi < n && key_cmp(&ds->recs[lo], &ds->recs[hi]) == 0)
			hi++;
		size_t len = hi - lo;
		if (len == 1) {
			ds->recs[out++] = ds->recs[lo];
		} else {
			unsigned char *k = len <= sizeof keep ? keep : rr_malloc(len);
			if (!k)
				return RR_ENOMEM;
			memset(k, 1, len);
			if (mark_run(ds->recs + lo, len, k) != RR_OK) {
				if (k != keep)
					rr_free(k);
				return RR_ENOMEM;
			}
			for (size_t i = 0; i < len; i++) {
				if (k[i])
					ds->recs[out++] = ds->recs[lo + i];
				else
					ds->counts.duplicates++;
			}
			if (k != keep)
				rr_free(k);
		}
		lo = hi;
	}
	ds->nrecs = out;
	ds->counts.used = out;
	ds->counts.events = ds->counts.abnormal = 0;
	for (size_t i = 0; i < out; i++) {
		if (ds->recs[i].kind == REC_EVENT)
			ds->counts.events++;
		else
			ds->counts.abnormal++;
	}
	ds->finished = 1;
	return RR_OK;
}

size_t dataset_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm)
{
	size_t lo = 0, hi = ds->nrecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct record *r = &ds->recs[mid];
		if (r->room < room || (r->room == room && r->comm < comm))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
