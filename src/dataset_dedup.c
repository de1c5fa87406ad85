/*
 * dataset_dedup — the duplicate rule for records (DESIGN §1): mark_recs
 * tells which rows of one (room, comm, user, time) are the same event;
 * dedupe_call (inline in dataset_int.h, for level 3's per-call loop)
 * removes them from one call's sorted records. Used by level 3 of the
 * record sort and by the CommId join.
 * Does not: sort, or handle companion rows (their exact repeats are in
 * dataset_finish.c).
 */
#define _GNU_SOURCE 1   /* qsort_r */

#include "dataset_int.h"

#include <stdlib.h>

/*
 * DESIGN §1: two records of one (room, comm, user, time) are the same event
 * when kind, id, p1 and p2 agree and each of Type (stream) and PeerId (peer)
 * agrees where both rows carry it (stream -1 and an event's peer 0 carry
 * nothing; see rec_has_peer for the causes of abnormal experiences):
 * overlapping exports of different shapes describe the same events with
 * more or fewer columns. That is no equivalence (a row without Type matches
 * rows of Type 2 and of Type 3, which do not match each other), so the rows
 * are taken in a fixed order -- the class of columns they carry, both
 * first, then Type alone, PeerId alone, neither -- and a row is a duplicate
 * when it matches a row already kept. Within one class a match is an exact
 * repeat, so the order among them does not matter; the result depends on
 * the rows, not on their order, except which of exact repeats stays. */

#define CMP(f) if (a->f != b->f) return a->f < b->f ? -1 : 1

/* Positions into ctx's records by (kind, id, p1, p2, class, stream, peer),
 * then position: a total order. */
static int dup_order(const void *x, const void *y, void *ctx)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	const struct record *a = (const struct record *)ctx + i, *b = (const struct record *)ctx + j;
	unsigned ca = rec_class(a), cb = rec_class(b);

	CMP(kind); CMP(id); CMP(p1); CMP(p2);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	CMP(stream); CMP(peer);
	return i < j ? -1 : i > j;
}

/* Positions by peer, then position. */
static int peer_order(const void *x, const void *y, void *ctx)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	const struct record *a = (const struct record *)ctx + i, *b = (const struct record *)ctx + j;

	CMP(peer);
	return i < j ? -1 : i > j;
}

#undef CMP

/*
 * Marks the duplicates among n records of one (room, comm, user, time):
 * returns flags, flags[i] 0 for a duplicate and 1 for a record kept. Up to
 * SHORT_RUN records compare pairwise into small; more (hostile input: many
 * rows in one millisecond) sort their positions in scratch (2 * n entries)
 * and walk each event's rows class by class, so this is never quadratic.
 */
const uint32_t *mark_recs(const struct record *a, size_t n, uint32_t small[SHORT_RUN],
			  uint32_t *scratch)
{
	if (n <= SHORT_RUN) {
		for (size_t i = 0; i < n; i++)
			small[i] = 0;
		for (unsigned cls = 0; cls < 4; cls++) {
			for (size_t i = 0; i < n; i++) {
				if (rec_class(&a[i]) != cls)
					continue;
				small[i] = 1;
				for (size_t j = 0; j < n; j++)
					if (small[j] && j != i && rec_same_event(&a[i], &a[j])) {
						small[i] = 0;
						break;
					}
			}
		}
		return small;
	}
	uint32_t *s = scratch, *flags = scratch + n;
	for (size_t i = 0; i < n; i++) {
		s[i] = (uint32_t)i;
		flags[i] = 1;
	}
	qsort_r(s, n, sizeof *s, dup_order, (void *)a);
	for (size_t g = 0, ge; g < n; g = ge) {
		const struct record *x = &a[s[g]];
		size_t i = g, a0, a1, b0, c0, c1, ia;
		int kept_b = 0, pending = 0;

		for (ge = g + 1; ge < n; ge++) {
			const struct record *y = &a[s[ge]];
			if (y->kind != x->kind || y->id != x->id || y->p1 != x->p1 || y->p2 != x->p2)
				break;
		}
		/* Both columns: exact repeats are neighbours. */
		for (a0 = i; i < ge && rec_class(&a[s[i]]) == 0; i++)
			if (i > a0 && a[s[i]].stream == a[s[i - 1]].stream &&
			    a[s[i]].peer == a[s[i - 1]].peer)
				flags[s[i]] = 0;
		a1 = i;
		/* Type alone: the same Type kept before, or among the above
		 * (in Type order too). */
		for (b0 = i, ia = a0; i < ge && rec_class(&a[s[i]]) == 1; i++) {
			int st = a[s[i]].stream;

			while (ia < a1 && a[s[ia]].stream < st)
				ia++;
			if ((i > b0 && a[s[i - 1]].stream == st) || (ia < a1 && a[s[ia]].stream == st))
				flags[s[i]] = 0;
			else
				kept_b = 1;
		}
		/* PeerId alone: any Type-alone row kept matches; else the same
		 * PeerId before, or among the rows with both (looked up below). */
		for (c0 = i; i < ge && rec_class(&a[s[i]]) == 2; i++) {
			if (kept_b || (i > c0 && a[s[i - 1]].peer == a[s[i]].peer))
				flags[s[i]] = 0;
			else if (a1 > a0)
				pending = 1;
		}
		c1 = i;
		/* Neither: matches whatever came first. */
		for (; i < ge; i++)
			if (i > g)
				flags[s[i]] = 0;
		if (pending) {
			qsort_r(s + a0, a1 - a0, sizeof *s, peer_order, (void *)a);
			qsort_r(s + c0, c1 - c0, sizeof *s, peer_order, (void *)a);
			ia = a0;
			for (size_t k = c0; k < c1; k++) {
				if (!flags[s[k]])
					continue;
				while (ia < a1 && a[s[ia]].peer < a[s[k]].peer)
					ia++;
				if (ia < a1 && a[s[ia]].peer == a[s[k]].peer)
					flags[s[k]] = 0;
			}
		}
	}
	return flags;
}
