/*
 * dataset_sort_move — level 2 of the record sort: moving every record to
 * the place its index gives, in place, fast on big arrays (into buckets
 * first, then each bucket through a buffer), shared out over threads by
 * swapping records across cuts until each region holds its own records.
 * Does not: decide the places (dataset_sort.c, dataset_sort_radix.c) or
 * sort within a call; when level 3 rides along (cj, p) it calls
 * dataset_sort_call.c for each bucket's calls.
 */
#include "dataset_int.h"

#include <string.h>

#include "parallel.h"

/* Moves each a[i] to a[dest[i] - base] for the permutation dest of base,
 * base + 1, ... base + n - 1, in place: each step puts the record in hand
 * where it belongs and picks up the one it displaces. dest is consumed. */
static void cycle_dest(struct record *a, uint32_t *dest, size_t n, size_t base)
{
	for (size_t k = 0; k < n; k++) {
		size_t j = dest[k] - base;
		if (j == k)
			continue;
		struct record hold = a[k];
		for (;;) {
			struct record t = a[j];
			size_t next = dest[j] - base;
			a[j] = hold;
			dest[j] = (uint32_t)(j + base);
			if (next == k) {
				a[k] = t;
				dest[k] = (uint32_t)(k + base);
				break;
			}
			hold = t;
			j = next;
		}
	}
}

/* The same through buf (room for n records): a copy out and one store per
 * record, none of which waits for another, where following the cycles
 * waits on each load in turn. */
static void scatter_dest(struct record *a, const uint32_t *dest, size_t n, size_t base,
			 struct record *buf)
{
	memcpy(buf, a, n * sizeof *a);
	for (size_t i = 0; i < n; i++)
		a[dest[i] - base] = buf[i];
}

/* The same, but the records go to buf[dest[i] - base] (the caller puts
 * them back). */
static void scatter_out(const struct record *a, const uint32_t *dest, size_t n, size_t base,
			struct record *buf)
{
	for (size_t i = 0; i < n; i++)
		buf[dest[i] - base] = a[i];
}

/* Up to this many records, the cycles stay in cache and cycle_dest alone is
 * fast. */
#define APPLY_LOCAL 65536
#define APPLY_BUCKETS 1024

/*
 * Moves every record of r[0..) into its bucket: bucket b holds the records
 * whose place d - lo, shifted right by shift, is b, and spans
 * [next[b], end[b]) on entry. Each bucket is filled from its front: a record
 * not in its bucket is carried to the next free place of the one it belongs
 * to, and the record there taken on, until one belongs where the chain
 * started. The places written next in each bucket are few and sequential,
 * so they are prefetched. (Following several chains side by side was
 * measured slower: this is bound by memory traffic, not by waiting.)
 */
static void distribute(struct record *r, uint32_t *d, size_t lo, unsigned shift,
		       uint32_t *next, const uint32_t *end, size_t nb)
{
	for (size_t b = 0; b < nb; b++) {
		while (next[b] < end[b]) {
			size_t i = next[b];
			size_t bb = (d[i] - lo) >> shift;
			if (bb == b) {
				next[b]++;
				continue;
			}
			struct record hold = r[i];
			uint32_t hd = d[i];
			do {
				size_t j = next[bb]++;
#if defined(__GNUC__)
				__builtin_prefetch(&r[j + 1], 1);
				__builtin_prefetch((const char *)&r[j + 1] + sizeof *r, 1);
				__builtin_prefetch(&d[j + 16], 1);
#endif
				struct record t = r[j];
				uint32_t td = d[j];
				r[j] = hold;
				d[j] = hd;
				hold = t;
				hd = td;
				bb = (hd - lo) >> shift;
			} while (bb != b);
			r[i] = hold;
			d[i] = hd;
			next[b]++;
		}
	}
}

/*
 * Moves each a[i] to a[dest[i]] for i in [lo, hi), dest[lo..hi) a
 * permutation of lo .. hi-1, in place; dest is consumed. buf holds bufrecs
 * records (bufrecs may be 0). Following the cycles of a big permutation
 * directly is a chain of dependent cache misses (a quarter of a microsecond
 * per record at ten million records). So first every record is moved into
 * its bucket of about n / APPLY_BUCKETS destinations (distribute); then each
 * bucket, now small enough for the cache, is put in order through buf.
 * With p, a[lo..hi) is p's part of level 3 (cj's), done here too, each
 * bucket's calls right after the bucket is in order and still in cache.
 */
void apply_region(struct record *a, uint32_t *dest, size_t lo, size_t hi,
		  struct record *buf, size_t bufrecs, const struct call_job *cj,
		  struct call_part *p)
{
	uint32_t next[APPLY_MAX_BUCKETS], end[APPLY_MAX_BUCKETS];
	struct record *r = a + lo;
	uint32_t *d = dest + lo;
	size_t n = hi - lo, nb;
	unsigned shift = 0;

	if (n <= bufrecs && p) {
		scatter_out(r, d, n, lo, buf);
		bucket_calls(cj, p, buf, lo, n);
	} else if (n <= bufrecs) {
		scatter_dest(r, d, n, lo, buf);
	} else if (n <= APPLY_LOCAL) {
		cycle_dest(r, d, n, lo);
	} else {
		while (((n - 1) >> shift) >= APPLY_BUCKETS)
			shift++;
		/* With level 3 to do, every bucket goes through the buffer: the
		 * caller keeps regions within APPLY_MAX_BUCKETS of them. */
		while (p && ((size_t)1 << shift) > bufrecs)
			shift--;
		nb = ((n - 1) >> shift) + 1;
		for (size_t b = 0; b < nb; b++) {
			next[b] = (uint32_t)(b << shift);
			end[b] = (uint32_t)((b + 1) << shift < n ? (b + 1) << shift : n);
		}
		distribute(r, d, lo, shift, next, end, nb);
		for (size_t b = 0; b < nb; b++) {
			size_t blo = b << shift, len = end[b] - blo;
			if (p) {
				scatter_out(r + blo, d + blo, len, lo + blo, buf);
				bucket_calls(cj, p, buf, lo + blo, len);
			} else if (len <= bufrecs) {
				scatter_dest(r + blo, d + blo, len, lo + blo, buf);
			} else {
				cycle_dest(r + blo, d + blo, len, lo + blo);
			}
		}
		return;
	}
	if (p)
		calls_run(cj, p);
}

/* One region being split at mid by `parts` threads: after the swaps, every
 * record in [lo, mid) has its place there, and likewise [mid, hi). Each
 * side is counted in parts * CUT_BLOCKS blocks, so that finding where a
 * thread's share of the swaps starts reads at most one block. */
#define CUT_BLOCKS 64
#define CUT_MAX (DATASET_MAX_THREADS * CUT_BLOCKS)

struct cut {
	size_t lo, mid, hi;
	unsigned parts;
	/* Records on the wrong side in each block of the left and right side. */
	size_t left[CUT_MAX], right[CUT_MAX];
	size_t x[DATASET_MAX_THREADS], y[DATASET_MAX_THREADS];  /* where part j starts */
	size_t r[DATASET_MAX_THREADS + 1];                     /* the pairs part j swaps */
};

struct cut_job {
	struct record *a;
	uint32_t *dest;
	struct cut cut[DATASET_MAX_THREADS / 2];
	unsigned owner[DATASET_MAX_THREADS];   /* part -> its cut */
	unsigned index[DATASET_MAX_THREADS];   /* part -> its number in the cut */
};

static inline int wrong_side(uint32_t d, size_t mid, int left)
{
	return left ? d >= mid : d < mid;
}

static void cut_count(void *arg, unsigned k)
{
	struct cut_job *job = arg;
	struct cut *c = &job->cut[job->owner[k]];
	unsigned nb = c->parts * CUT_BLOCKS;

	for (unsigned b = job->index[k] * CUT_BLOCKS; b < (job->index[k] + 1) * CUT_BLOCKS; b++) {
		size_t nl = 0, nr = 0;
		for (size_t i = parallel_share(c->lo, c->mid, b, nb); i < parallel_share(c->lo, c->mid, b + 1, nb); i++)
			nl += job->dest[i] >= c->mid;
		for (size_t i = parallel_share(c->mid, c->hi, b, nb); i < parallel_share(c->mid, c->hi, b + 1, nb); i++)
			nr += job->dest[i] < c->mid;
		c->left[b] = nl;
		c->right[b] = nr;
	}
}

/* The place in side [lo, hi) past exactly r of its records on the wrong
 * side, from the blocks' counts. */
static size_t cut_seek(const uint32_t *dest, size_t lo, size_t hi, unsigned nb,
		       const size_t *count, size_t r, size_t mid, int left)
{
	size_t seen = 0, i;
	unsigned b = 0;

	while (b + 1 < nb && seen + count[b] <= r)
		seen += count[b++];
	for (i = parallel_share(lo, hi, b, nb); seen < r; i++)
		seen += wrong_side(dest[i], mid, left);
	return i;
}

/* Where each part of the cut starts: part j swaps the pairs of wrong-side
 * records ranked [r[j], r[j+1]) on both sides, the k-th from the left with
 * the k-th from the right. Done before any swap, which would change what
 * the search reads. */
static void cut_plan(struct cut *c, const uint32_t *dest)
{
	unsigned nb = c->parts * CUT_BLOCKS;
	size_t m = 0;

	for (unsigned b = 0; b < nb; b++)
		m += c->left[b];
	for (unsigned j = 0; j <= c->parts; j++)
		c->r[j] = m * j / c->parts;
	for (unsigned j = 0; j < c->parts; j++) {
		c->x[j] = cut_seek(dest, c->lo, c->mid, nb, c->left, c->r[j], c->mid, 1);
		c->y[j] = cut_seek(dest, c->mid, c->hi, nb, c->right, c->r[j], c->mid, 0);
	}
}

static void cut_swap(void *arg, unsigned k)
{
	struct cut_job *job = arg;
	struct cut *c = &job->cut[job->owner[k]];
	struct record *a = job->a;
	uint32_t *dest = job->dest;
	unsigned j = job->index[k];
	size_t mid = c->mid, x = c->x[j], y = c->y[j];

	for (size_t r = c->r[j]; r < c->r[j + 1]; r++, x++, y++) {
		while (dest[x] < mid)
			x++;
		while (dest[y] >= mid)
			y++;
		struct record t = a[x];
		uint32_t td = dest[x];
		a[x] = a[y];
		dest[x] = dest[y];
		a[y] = t;
		dest[y] = td;
	}
}

struct region {
	size_t lo, hi;
	unsigned first, parts;  /* the parts [first, first + parts) share it */
};

struct apply_job {
	struct record *a;
	uint32_t *dest;
	struct region reg[DATASET_MAX_THREADS];
	struct record *buf;     /* a buffer of bufrecs records per part */
	size_t bufrecs;
	struct call_job *cj;
};

static void apply_part(void *arg, unsigned k)
{
	struct apply_job *job = arg;

	apply_region(job->a, job->dest, job->reg[k].lo, job->reg[k].hi,
		     job->buf ? job->buf + k * job->bufrecs : NULL, job->bufrecs, job->cj,
		     job->cj ? &job->cj->p[k] : NULL);
}

/* Moves each a[i] to a[dest[i]] (dest a permutation of 0..n-1) in place on
 * `parts` threads; dest is consumed. The regions the threads end with are
 * [bounds[k], bounds[k+1]) (bounds NULL: equal shares). buf: parts buffers
 * of bufrecs records. With cj, the regions are its parts, and level 3 is
 * done as they are put in order. */
void apply_dest(struct record *a, uint32_t *dest, size_t n, unsigned parts,
		const size_t *bounds, struct record *buf, size_t bufrecs,
		struct call_job *cj)
{
	struct apply_job aj = { a, dest, { { 0, n, 0, parts } }, buf, bufrecs, cj };
	unsigned nreg = 1;

	while (nreg < parts) {
		struct cut_job cj2;
		unsigned ncut = 0, np = 0, n2 = 0;
		struct region next[DATASET_MAX_THREADS];

		cj2.a = a;
		cj2.dest = dest;
		for (unsigned r = 0; r < nreg; r++) {
			struct region *g = &aj.reg[r];
			unsigned k1 = g->parts / 2;
			if (g->parts < 2) {
				next[n2++] = *g;
				continue;
			}
			struct cut *c = &cj2.cut[ncut];
			c->lo = g->lo;
			c->hi = g->hi;
			c->mid = bounds ? bounds[g->first + k1] : parallel_share(g->lo, g->hi, k1, g->parts);
			c->parts = g->parts;
			for (unsigned j = 0; j < g->parts; j++) {
				cj2.owner[np] = ncut;
				cj2.index[np++] = j;
			}
			next[n2++] = (struct region){ g->lo, c->mid, g->first, k1 };
			next[n2++] = (struct region){ c->mid, g->hi, g->first + k1, g->parts - k1 };
			ncut++;
		}
		parallel_for(np, cut_count, &cj2);
		for (unsigned c = 0; c < ncut; c++)
			cut_plan(&cj2.cut[c], dest);
		parallel_for(np, cut_swap, &cj2);
		memcpy(aj.reg, next, n2 * sizeof *next);
		nreg = n2;
	}
	parallel_for(parts, apply_part, &aj);
}
