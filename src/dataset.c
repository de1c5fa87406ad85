/*
 * dataset — the record array and the companion-row, file and metric-name
 * tables: init, append, reserve, spill, drop, free. The dataset_*.c files
 * beside it finish (sort, de-duplicate, join) and merge what is stored
 * here; dataset_int.h lists them.
 * Does not: sort, compare or interpret rows, or know what IDs mean.
 */
#define _GNU_SOURCE 1   /* mremap, MAP_ANONYMOUS, MADV_DONTNEED */

#include "dataset_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hugemem.h"
#include "util.h"

/* ---- the record array ----
 * The record array is the one big allocation (ten million records are 400 MB),
 * so it lives in its own anonymous mapping rather than on the heap: growth is
 * an mremap, which moves page tables instead of copying; pages never written
 * cost no memory; and dataset_absorb can hand the pages it has consumed back
 * to the kernel while it is still copying, so moving one dataset into another
 * never needs room for a third copy. caprecs is always the number of whole
 * records in the mapping, whose length is caprecs * sizeof(struct record)
 * rounded up to a page.
 * Mappings of 2 MiB or more are whole 2 MiB pages long (so the kernel
 * aligns them for huge pages), and large ones ask for huge pages
 * (hugemem_advise; see hugemem.h). */
#define RECS_HUGE ((size_t)2 << 20)

/* The mapping length for at least bytes bytes. */
static size_t recs_round(size_t bytes)
{
	return round_up(bytes, bytes >= RECS_HUGE ? RECS_HUGE : RECS_PAGE);
}

/* A fresh anonymous mapping of bytes (recs_round'ed), huge pages asked for
 * when it is long enough; MAP_FAILED on failure. */
static void *recs_map_new(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		hugemem_advise(p, bytes);
	return p;
}

/* The mapping is not a heap allocation, so the failure-injection counter in
 * util.c does not see it; one throwaway rr_malloc per growth puts every
 * growth on that count, so tests can make exactly this step fail. */
static int counted_alloc_ok(void)
{
	void *p = rr_malloc(1);

	if (!p)
		return 0;
	rr_free(p);
	return 1;
}

#if !RECS_NO_MREMAP
/* Moves the mapping pieces of ds->recs (old bytes in all) to the same
 * offsets at to, whose mapping is at least as long. A piece the kernel
 * will not move (too many mappings, say) is copied instead, as far as it
 * holds records, so this cannot fail. */
static void recs_move_pieces(struct dataset *ds, void *to, size_t old)
{
	char *from = (char *)ds->recs, *dst = to;
	size_t used = ds->nrecs * sizeof(struct record);

	for (size_t i = 0; i <= ds->nseams; i++) {
		size_t lo = i ? ds->seams[i - 1] : 0, hi = i < ds->nseams ? ds->seams[i] : old;

		if (hi <= lo)
			continue;
		if (mremap(from + lo, hi - lo, hi - lo, MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst + lo) != MAP_FAILED)
			continue;
		if (used > lo)
			memcpy(dst + lo, from + lo, (used < hi ? used : hi) - lo);
		munmap(from + lo, hi - lo);
	}
}
#endif

int recs_reserve(struct dataset *ds, size_t need)
{
	size_t old = ds->recs ? recs_map_bytes(ds->caprecs) : 0, bytes;
	void *p;

	if (need <= ds->caprecs)
		return RR_OK;
	if (need > SIZE_MAX / 2 / sizeof(struct record))
		return RR_ENOMEM;
	bytes = need * sizeof(struct record);
	if (bytes < old * 2)
		bytes = old * 2;
	bytes = recs_round(bytes);
	if (!counted_alloc_ok())
		return RR_ENOMEM;
#if RECS_NO_MREMAP
	p = recs_map_new(bytes);
	if (p == MAP_FAILED)
		return RR_ENOMEM;
	if (ds->recs) {
		memcpy(p, ds->recs, ds->nrecs * sizeof(struct record));
		munmap(ds->recs, old);
	}
#else
	if (!ds->recs) {
		p = recs_map_new(bytes);
	} else if ((p = mremap(ds->recs, old, bytes, MREMAP_MAYMOVE)) != MAP_FAILED) {
		ds->nseams = 0;   /* the kernel took it as one mapping */
		hugemem_advise(p, bytes);
	} else if (ds->nseams) {
		/* Several mappings cannot grow as one: each moves to its place
		 * in a new, larger one. Growing the seam list first keeps this
		 * from failing half way. */
		if (rr_grow(&ds->seams, &ds->capseams, ds->nseams + 1, sizeof *ds->seams) != RR_OK)
			return RR_ENOMEM;
		p = recs_map_new(bytes);
		if (p == MAP_FAILED)
			return RR_ENOMEM;
		recs_move_pieces(ds, p, old);
		ds->seams[ds->nseams++] = old;
	}
	if (p == MAP_FAILED)
		return RR_ENOMEM;
#endif
	ds->recs = p;
	ds->caprecs = bytes / sizeof(struct record);
	return RR_OK;
}

void recs_release(struct dataset *ds)
{
	if (ds->recs)
		munmap(ds->recs, recs_map_bytes(ds->caprecs));
	ds->recs = NULL;
	ds->nrecs = ds->caprecs = 0;
	ds->nseams = 0;
	ds->npads = 0;
}

void recs_drop_prefix(struct dataset *ds, size_t upto, size_t *done)
{
	size_t end = upto * sizeof(struct record) / RECS_PAGE * RECS_PAGE;

	if (end > *done) {
		(void)madvise((char *)ds->recs + *done, end - *done, MADV_DONTNEED);
		*done = end;
	}
}

void dataset_drop_records(struct dataset *ds)
{
	recs_release(ds);
}

int dataset_init(struct dataset *ds)
{
	memset(ds, 0, sizeof *ds);
	diag_init(&ds->diag);
	ds->strs = strtab_new();
	return ds->strs ? RR_OK : RR_ENOMEM;
}

void dataset_init_part(struct dataset *ds, struct strtab *strs)
{
	memset(ds, 0, sizeof *ds);
	diag_init(&ds->diag);
	ds->strs = strs;
	ds->shared_strs = 1;
}

void dataset_free(struct dataset *ds)
{
	if (!ds->shared_strs)
		strtab_free(ds->strs);
	recs_release(ds);
	rr_free(ds->seams);
	rr_free(ds->pads);
	rr_free(ds->users);
	rr_free(ds->rooms);
	rr_free(ds->quality);
	rr_free(ds->metrics);
	if (!ds->shared_strs)
		rr_free(ds->room_map);
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

int recs_spill(struct dataset *ds)
{
	size_t n = ds->nrecs, from = 0;
	int rc = RR_OK;

	ds->nrecs = 0;
	for (size_t i = 0; i < ds->npads && rc == RR_OK; i++) {
		if (ds->pads[i].at > from)
			rc = ds->spill(ds->spill_ctx, ds->recs + from, ds->pads[i].at - from);
		from = ds->pads[i].at + ds->pads[i].n;
	}
	ds->npads = 0;
	if (rc == RR_OK && n > from)
		rc = ds->spill(ds->spill_ctx, ds->recs + from, n - from);
	return rc;
}

int dataset_append(struct dataset *ds, const struct record *r)
{
	if (ds->spill && ds->nrecs >= ds->spill_at) {
		int rc = recs_spill(ds);
		if (rc != RR_OK)
			return rc;
	}
	if (ds->nrecs == ds->caprecs && recs_reserve(ds, ds->nrecs + 1) != RR_OK)
		return RR_ENOMEM;
	ds->recs[ds->nrecs++] = *r;
	return RR_OK;
}

int dataset_reserve(struct dataset *ds, size_t n)
{
	size_t old = ds->recs ? recs_map_bytes(ds->caprecs) : 0, bytes;
	void *q;

	if (n <= ds->caprecs)
		return RR_OK;
	if (ds->nrecs || n > SIZE_MAX / 2 / sizeof(struct record))
		return recs_reserve(ds, n);
	/* Empty: map exactly what is asked, not twice the old size. */
	bytes = recs_round(n * sizeof(struct record));
	if (!counted_alloc_ok())
		return RR_ENOMEM;
	q = recs_map_new(bytes);
	if (q == MAP_FAILED)
		return RR_ENOMEM;
	if (ds->recs)
		munmap(ds->recs, old);
	ds->recs = q;
	ds->caprecs = bytes / sizeof(struct record);
	ds->nseams = 0;
	return RR_OK;
}

int dataset_spill_rest(struct dataset *ds)
{
	int rc = ds->spill ? recs_spill(ds) : RR_OK;

	recs_release(ds);
	return rc;
}

int dataset_append_user(struct dataset *ds, const struct user_info *u)
{
	if (ds->nusers == ds->capusers &&
	    rr_grow(&ds->users, &ds->capusers, ds->nusers + 1, sizeof *ds->users) != RR_OK)
		return RR_ENOMEM;
	ds->users[ds->nusers++] = *u;
	return RR_OK;
}

int dataset_append_room(struct dataset *ds, const struct room_info *r)
{
	if (ds->nrooms == ds->caprooms &&
	    rr_grow(&ds->rooms, &ds->caprooms, ds->nrooms + 1, sizeof *ds->rooms) != RR_OK)
		return RR_ENOMEM;
	ds->rooms[ds->nrooms++] = *r;
	return RR_OK;
}

int dataset_append_quality(struct dataset *ds, const struct quality_sample *q)
{
	if (ds->nquality == ds->capquality &&
	    rr_grow(&ds->quality, &ds->capquality, ds->nquality + 1, sizeof *ds->quality) != RR_OK)
		return RR_ENOMEM;
	ds->quality[ds->nquality++] = *q;
	return RR_OK;
}

/* A linear scan: the table holds at most DATASET_MAX_METRICS names and ingest
 * caches the answer per name, so this runs once per name and file, not per
 * sample. */
int dataset_metric(struct dataset *ds, uint32_t name, uint16_t *index)
{
	for (size_t i = 0; i < ds->nmetrics; i++) {
		if (ds->metrics[i] == name) {
			*index = (uint16_t)i;
			return RR_OK;
		}
	}
	if (ds->nmetrics >= DATASET_MAX_METRICS)
		return RR_EDATA;
	if (rr_grow(&ds->metrics, &ds->capmetrics, ds->nmetrics + 1, sizeof *ds->metrics) != RR_OK)
		return RR_ENOMEM;
	ds->metrics[ds->nmetrics] = name;
	*index = (uint16_t)ds->nmetrics++;
	return RR_OK;
}
