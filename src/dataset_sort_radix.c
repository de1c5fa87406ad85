/*
 * dataset_sort_radix — LSD radix sort of record positions by some of the
 * key fields (time, user, comm, room), on one thread or shared out over
 * several with the same result. The record sort uses it for calls too big
 * and too disordered to merge, and for the whole array when calls are tiny.
 * Does not: move records (the caller applies the order it returns).
 */
#include "dataset_int.h"

#include <string.h>

#include "parallel.h"

struct radix_digit {
	int field;              /* F_* */
	unsigned shift;         /* bit offset within the field's relative key */
};

static inline uint64_t rec_field(const struct record *r, int field, const uint64_t *min)
{
	switch (field) {
	case F_TIME: return (uint64_t)r->time_ms - min[F_TIME];
	case F_USER: return r->user - min[F_USER];
	case F_COMM: return r->comm - min[F_COMM];
	default:     return r->room - min[F_ROOM];
	}
}

static inline unsigned rec_digit(const struct record *r, const struct radix_digit *d,
				 const uint64_t *min)
{
	return (unsigned)(rec_field(r, d->field, min) >> d->shift) & (RADIX_SIZE - 1);
}

/* Number of bits needed to write v. */
static unsigned bit_width(uint64_t v)
{
	unsigned w = 0;

	while (v) {
		w++;
		v >>= 1;
	}
	return w;
}

/* How far ahead the scatter loop prefetches the record it will read: the
 * index order is random with respect to memory after the first pass, and
 * without this each read is a cache miss waited for in turn. */
#define RADIX_PREFETCH 16

/*
 * LSD radix sort of the positions idx[0..n) = 0, 1, ... n-1 of a[0..n) by the
 * fields lo..hi (F_*; hi most significant), through tmp; count holds
 * RADIX_COUNT entries. Returns the array holding the result. Each field is
 * taken relative to its minimum, and only as many digits as its range needs
 * are sorted (a week of times is 30 bits, three digits, not six); a digit
 * every record shares costs no pass.
 */
uint32_t *radix_index(const struct record *a, uint32_t *idx, uint32_t *tmp, size_t n,
		      int lo, int hi, uint32_t *count)
{
	struct radix_digit dig[RADIX_MAX_DIGITS];
	uint64_t min[4] = { 0 }, max[4] = { 0 };
	unsigned ndig = 0;

	/* Flipping the sign bit makes signed order unsigned order. */
	min[F_TIME] = max[F_TIME] = (uint64_t)a[0].time_ms ^ (UINT64_C(1) << 63);
	min[F_USER] = max[F_USER] = a[0].user;
	min[F_COMM] = max[F_COMM] = a[0].comm;
	min[F_ROOM] = max[F_ROOM] = a[0].room;
	for (size_t i = 1; i < n; i++) {
		uint64_t v[4] = { (uint64_t)a[i].time_ms ^ (UINT64_C(1) << 63),
				  a[i].user, a[i].comm, a[i].room };
		for (int f = lo; f <= hi; f++) {
			if (v[f] < min[f])
				min[f] = v[f];
			if (v[f] > max[f])
				max[f] = v[f];
		}
	}
	for (int f = lo; f <= hi; f++) {
		unsigned w = bit_width(max[f] - min[f]);
		for (unsigned s = 0; s < w; s += RADIX_BITS) {
			dig[ndig].field = f;
			dig[ndig].shift = s;
			ndig++;
		}
	}
	/* rec_field subtracts min from the raw value; for time that is the
	 * sign-flipped minimum flipped back, and (uint64_t)t - (uint64_t)tmin
	 * is then the unsigned distance, which preserves order. */
	min[F_TIME] ^= UINT64_C(1) << 63;

	/* All digits' histograms in one sequential pass. */
	memset(count, 0, (size_t)ndig * RADIX_SIZE * sizeof *count);
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < ndig; d++)
			count[d * RADIX_SIZE + rec_digit(&a[i], &dig[d], min)]++;

	for (unsigned d = 0; d < ndig; d++) {
		uint32_t *c = count + (size_t)d * RADIX_SIZE;
		uint32_t sum = 0;
		int trivial = 0;

		for (unsigned b = 0; b < RADIX_SIZE; b++) {
			uint32_t k = c[b];
			if (k == n)
				trivial = 1;
			c[b] = sum;
			sum += k;
		}
		if (trivial)
			continue;
		for (size_t i = 0; i < n; i++) {
#if defined(__GNUC__)
			if (i + RADIX_PREFETCH < n)
				__builtin_prefetch(&a[idx[i + RADIX_PREFETCH]]);
#endif
			uint32_t j = idx[i];
			tmp[c[rec_digit(&a[j], &dig[d], min)]++] = j;
		}
		uint32_t *t = idx;
		idx = tmp;
		tmp = t;
	}
	return idx;
}

/* The radix sort on several threads.
 * The same sort as radix_index, each pass shared out: every thread takes an
 * equal share of the positions in their current order and needs, for each
 * bucket, how many records of that share fall in it, to know where its own
 * start. For the first pass that is a histogram of its share of the records;
 * for each later one, the thread counts while scattering the pass before,
 * by the share of the output each record lands in, so no pass reads the
 * records twice. */

/* Words of memory per thread, for parts threads. */
size_t radix_par_words(unsigned parts)
{
	return RADIX_COUNT + ((size_t)parts + 3) * RADIX_SIZE;
}

struct radix_part {
	uint32_t *count;        /* RADIX_COUNT: every digit's histogram of its share */
	uint32_t *next;         /* parts * RADIX_SIZE: the next digit's counts, by
				 * the share of the output each record went to */
	uint32_t *off, *cur, *lim;  /* RADIX_SIZE each: per bucket, the next
				 * place, its share and that share's end */
	uint64_t min[4], max[4];
};

struct radix_job {
	const struct record *a;
	uint32_t *idx, *tmp;
	size_t n;
	unsigned parts;
	int lo, hi;             /* the fields, as for radix_index */
	const struct radix_digit *d, *dn;   /* this pass's digit and the next's (or NULL) */
	uint64_t min[4];
	struct radix_part p[DATASET_MAX_THREADS];
};

static inline void rec_fields(const struct record *r, uint64_t *v)
{
	v[F_TIME] = (uint64_t)r->time_ms ^ (UINT64_C(1) << 63);
	v[F_USER] = r->user;
	v[F_COMM] = r->comm;
	v[F_ROOM] = r->room;
}

static void radix_range_run(void *arg, unsigned k)
{
	struct radix_job *job = arg;
	struct radix_part *p = &job->p[k];
	size_t lo = parallel_share(0, job->n, k, job->parts), hi = parallel_share(0, job->n, k + 1, job->parts);
	uint64_t v[4];

	for (int f = 0; f < 4; f++) {
		p->min[f] = UINT64_MAX;
		p->max[f] = 0;
	}
	for (size_t i = lo; i < hi; i++) {
		job->idx[i] = (uint32_t)i;
		rec_fields(&job->a[i], v);
		for (int f = job->lo; f <= job->hi; f++) {
			if (v[f] < p->min[f])
				p->min[f] = v[f];
			if (v[f] > p->max[f])
				p->max[f] = v[f];
		}
	}
}

static void radix_hist_run(void *arg, unsigned k)
{
	struct radix_job *job = arg;
	struct radix_part *p = &job->p[k];
	size_t lo = parallel_share(0, job->n, k, job->parts), hi = parallel_share(0, job->n, k + 1, job->parts);
	const struct radix_digit *dig = job->d;
	unsigned ndig = (unsigned)(job->dn - job->d);

	memset(p->count, 0, (size_t)ndig * RADIX_SIZE * sizeof *p->count);
	for (size_t i = lo; i < hi; i++)
		for (unsigned d = 0; d < ndig; d++)
			p->count[d * RADIX_SIZE + rec_digit(&job->a[i], &dig[d], job->min)]++;
}

static void radix_scatter_run(void *arg, unsigned k)
{
	struct radix_job *job = arg;
	struct radix_part *p = &job->p[k];
	const struct record *a = job->a;
	const uint32_t *idx = job->idx;
	uint32_t *tmp = job->tmp;
	size_t n = job->n, lo = parallel_share(0, n, k, job->parts), hi = parallel_share(0, n, k + 1, job->parts);

	for (size_t i = lo; i < hi; i++) {
#if defined(__GNUC__)
		if (i + RADIX_PREFETCH < hi)
			__builtin_prefetch(&a[idx[i + RADIX_PREFETCH]]);
#endif
		uint32_t j = idx[i];
		unsigned b = rec_digit(&a[j], job->d, job->min);
		uint32_t q = p->off[b]++;
		tmp[q] = j;
		if (job->dn) {
			while (q >= p->lim[b]) {
				p->cur[b]++;
				p->lim[b] = (uint32_t)parallel_share(0, n, p->cur[b] + 1, job->parts);
			}
			p->next[p->cur[b] * RADIX_SIZE + rec_digit(&a[j], job->dn, job->min)]++;
		}
	}
}

/*
 * radix_index on `parts` threads (2 or more): sorts the positions of
 * a[0..n) by the fields lo..hi into idx or tmp (both n entries; idx need
 * not be filled) and returns which; mem holds parts * radix_par_words(parts)
 * entries.
 */
uint32_t *radix_index_par(const struct record *a, uint32_t *idx, uint32_t *tmp, size_t n,
			  int lo, int hi, unsigned parts, uint32_t *mem)
{
	struct radix_job job;
	struct radix_digit dig[RADIX_MAX_DIGITS];
	uint64_t max[4] = { 0 };
	unsigned ndig = 0;

	memset(&job, 0, sizeof job);
	job.a = a;
	job.idx = idx;
	job.tmp = tmp;
	job.n = n;
	job.parts = parts;
	job.lo = lo;
	job.hi = hi;
	for (unsigned k = 0; k < parts; k++) {
		struct radix_part *p = &job.p[k];
		p->count = mem + k * radix_par_words(parts);
		p->next = p->count + RADIX_COUNT;
		p->off = p->next + (size_t)parts * RADIX_SIZE;
		p->cur = p->off + RADIX_SIZE;
		p->lim = p->cur + RADIX_SIZE;
	}
	parallel_for(parts, radix_range_run, &job);
	for (int f = lo; f <= hi; f++) {
		job.min[f] = UINT64_MAX;
		for (unsigned k = 0; k < parts; k++) {
			if (job.p[k].min[f] < job.min[f])
				job.min[f] = job.p[k].min[f];
			if (job.p[k].max[f] > max[f])
				max[f] = job.p[k].max[f];
		}
		unsigned w = bit_width(max[f] - job.min[f]);
		for (unsigned sh = 0; sh < w; sh += RADIX_BITS) {
			dig[ndig].field = f;
			dig[ndig].shift = sh;
			ndig++;
		}
	}
	job.min[F_TIME] ^= UINT64_C(1) << 63;   /* as in radix_index */

	job.d = dig;
	job.dn = dig + ndig;
	parallel_for(parts, radix_hist_run, &job);

	/* The digits that sort anything (one every record shares does not). */
	unsigned live[RADIX_MAX_DIGITS], nlive = 0;
	for (unsigned d = 0; d < ndig; d++) {
		int trivial = 0;
		for (unsigned b = 0; b < RADIX_SIZE && !trivial; b++) {
			size_t sum = 0;
			for (unsigned k = 0; k < parts; k++)
				sum += job.p[k].count[d * RADIX_SIZE + b];
			trivial = sum == n;
		}
		if (!trivial)
			live[nlive++] = d;
	}

	for (unsigned x = 0; x < nlive; x++) {
		/* Each share's count of each bucket: the histogram for the
		 * first pass, what the pass before counted for the others. */
		uint32_t base = 0;
		for (unsigned b = 0; b < RADIX_SIZE; b++) {
			for (unsigned k = 0; k < parts; k++) {
				uint32_t c = 0;
				if (x == 0) {
					c = job.p[k].count[live[0] * RADIX_SIZE + b];
				} else {
					for (unsigned u = 0; u < parts; u++)
						c += job.p[u].next[k * RADIX_SIZE + b];
				}
				job.p[k].off[b] = base;
				base += c;
			}
		}
		for (unsigned k = 0; k < parts; k++) {
			struct radix_part *p = &job.p[k];
			for (unsigned b = 0; b < RADIX_SIZE; b++) {
				unsigned c = 0;
				while (c + 1 < parts && p->off[b] >= parallel_share(0, n, c + 1, parts))
					c++;
				p->cur[b] = c;
				p->lim[b] = (uint32_t)parallel_share(0, n, c + 1, parts);
			}
		}
		job.d = &dig[live[x]];
		job.dn = x + 1 < nlive ? &dig[live[x + 1]] : NULL;
		if (job.dn)
			for (unsigned k = 0; k < parts; k++)
				memset(job.p[k].next, 0, (size_t)parts * RADIX_SIZE * sizeof *job.p[k].next);
		parallel_for(parts, radix_scatter_run, &job);
		uint32_t *t = job.idx;
		job.idx = job.tmp;
		job.tmp = t;
	}
	return job.idx;
}
