/*
 * decode — finds the records the catalog cannot name. One pass over the
 * finished dataset; distinct unknowns are gathered in a small open-addressing
 * hash (there are few of them even when millions of rows are unknown), then
 * listed most frequent first.
 * Does not: drop, change or re-order records; an unknown event is still an
 * event for the later stages.
 */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct uhash {
	struct unknown_id *slot;    /* count == 0: empty */
	size_t cap, n;              /* cap is a power of two */
};

static size_t uhash_index(const struct unknown_id *k, size_t mask)
{
	uint64_t h = (uint64_t)k->table * 0x9E3779B97F4A7C15u;

	h ^= (uint32_t)k->id;
	h *= 0xC2B2AE3D27D4EB4Fu;
	h ^= (uint32_t)k->p1;
	h *= 0x165667B19E3779F9u;
	h ^= (uint32_t)k->p2;
	h *= 0x9E3779B97F4A7C15u;
	return (size_t)(h >> 32) & mask;
}

static int same_key(const struct unknown_id *a, const struct unknown_id *b)
{
	return a->table == b->table && a->id == b->id && a->p1 == b->p1 && a->p2 == b->p2;
}

static int uhash_resize(struct uhash *h, size_t cap)
{
	struct unknown_id *slot = rr_calloc(cap, sizeof *slot);

	if (!slot)
		return RR_ENOMEM;
	for (size_t i = 0; i < h->cap; i++) {
		size_t j;
		if (!h->slot[i].count)
			continue;
		j = uhash_index(&h->slot[i], cap - 1);
		while (slot[j].count)
			j = (j + 1) & (cap - 1);
		slot[j] = h->slot[i];
	}
	rr_free(h->slot);
	h->slot = slot;
	h->cap = cap;
	return RR_OK;
}

static int uhash_add(struct uhash *h, enum cat_table t, int32_t id, int32_t p1, int32_t p2)
{
	struct unknown_id k = { t, id, p1, p2, 1 };
	size_t j;

	/* Keep the load under one half so probes stay short. */
	if (2 * (h->n + 1) > h->cap && uhash_resize(h, h->cap ? 2 * h->cap : 64) != RR_OK)
		return RR_ENOMEM;
	j = uhash_index(&k, h->cap - 1);
	while (h->slot[j].count) {
		if (same_key(&h->slot[j], &k)) {
			h->slot[j].count++;
			return RR_OK;
		}
		j = (j + 1) & (h->cap - 1);
	}
	h->slot[j] = k;
	h->n++;
	return RR_OK;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int unknown_cmp(const void *a, const void *b)
{
	const struct unknown_id *x = a, *y = b;
	int r;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((r = cmp_i64(x->table, y->table)))
		return r;
	if ((r = cmp_i64(x->id, y->id)))
		return r;
	if ((r = cmp_i64(x->p1, y->p1)))
		return r;
	return cmp_i64(x->p2, y->p2);
}

int decode_scan(const struct dataset *ds, const struct catalog *c, struct decode_stats *st)
{
	struct uhash h = { NULL, 0, 0 };
	struct cat_memo memo;
	int rc = RR_OK;
	size_t m = 0;

	memset(st, 0, sizeof *st);
	catalog_memo_init(&memo);
	for (size_t i = 0; i < ds->nrecs && rc == RR_OK; i++) {
		const struct record *r = &ds->recs[i];
		int unknown = 0;

		if (r->kind == REC_EVENT) {
			if (!catalog_find_event_memo(c, &memo, r->id, r->p1, r->p2)) {
				unknown = 1;
				rc = uhash_add(&h, CAT_SDK, r->id, r->p1, r->p2);
			}
		} else {
			if (r->id > 0 && !catalog_find_experience(c, r->id)) {
				unknown = 1;
				rc = uhash_add(&h, CAT_EXPERIENCE, r->id, -1, -1);
			}
			if (rc == RR_OK && r->p1 != -1 && !catalog_find_cause(c, r->p1)) {
				unknown = 1;
				rc = uhash_add(&h, CAT_DISMISSAL, r->p1, -1, -1);
			}
		}
		st->unknown_rows += (uint64_t)unknown;
	}
	if (rc != RR_OK) {
		rr_free(h.slot);
		memset(st, 0, sizeof *st);
		return rc;
	}
	/* Compact the hash in place into the sorted list. */
	for (size_t i = 0; i < h.cap; i++)
		if (h.slot[i].count)
			h.slot[m++] = h.slot[i];
	if (m == 0) {
		rr_free(h.slot);
		return RR_OK;
	}
	qsort(h.slot, m, sizeof *h.slot, unknown_cmp);
	st->unknown = h.slot;
	st->nunknown = m;
	return RR_OK;
}

void decode_stats_free(struct decode_stats *st)
{
	if (!st)
		return;
	rr_free(st->unknown);
	memset(st, 0, sizeof *st);
}

const struct cat_entry *decode_label(const struct catalog *c, const struct record *r,
				     char *buf, size_t size)
{
	const struct cat_entry *e;

	if (r->kind == REC_EVENT) {
		e = catalog_find_event(c, r->id, r->p1, r->p2);
		catalog_format(e, e ? e->table : CAT_SDK, r->id, r->p1, r->p2, buf, size);
		return e;
	}
	/* An abnormal row without an ExperienceId is named by its cause. */
	if (r->id <= 0 && r->p1 != -1) {
		e = catalog_find_cause(c, r->p1);
		catalog_format(e, e ? e->table : CAT_DISMISSAL, r->p1, -1, -1, buf, size);
		return e;
	}
	e = catalog_find_experience(c, r->id);
	catalog_format(e, CAT_EXPERIENCE, r->id, -1, -1, buf, size);
	return e;
}
