/*
 * dataset_sort — the record sort (sort_records): level 1 finds the calls
 * and how ordered the input already is, the plan picks a path and takes
 * all its memory before any record moves, then levels 2 and 3 run
 * (dataset_sort_move.c, dataset_sort_call.c), the big calls on all threads,
 * and the parts' gaps left by removed duplicates are closed.
 * Does not: compare records beyond their key (dataset_dedup.c), or touch
 * companion rows (dataset_finish.c).
 */
#include "hugemem.h"
#include "dataset_int.h"

#include <string.h>

#include "parallel.h"
#include "util.h"

/*
 * Records are the big array (ten million rows is an ordinary week), and
 * exports usually arrive grouped already: by call, then by user, each user's
 * events in time order, the calls themselves in some other order. So the sort
 * works in levels, each of which notices order that is already there:
 *
 *  1. One pass finds the distinct (room, comm) pairs — the calls — in small
 *     hash tables, counting each and noting whether the input is sorted or at
 *     least grouped with the calls in order.
 *  2. Unless they are, a counting sort by call gives each record its place
 *     (stable: input order within a call) in a 4-byte index, and the records
 *     are moved there in place: first into buckets of places, then each
 *     bucket into order through a buffer (apply_region).
 *  3. Each call's records, now contiguous, are sorted by (user, time) —
 *     nothing to do when they are in order already, a merge straight from
 *     the runs already in order when there are few (a call's users one after
 *     the other), else through an index of their own (a natural merge sort,
 *     or an LSD radix sort when a big call has many runs) — and its exact
 *     repeats are removed while it is still in cache. When every call fits
 *     the buffer, this is done as level 2 puts each bucket in order: the
 *     calls go from the buffer straight to their sorted places.
 *
 * Every level is stable, so input order survives among equal keys. Scratch is
 * the index (4 bytes per record; only when the calls must be reordered), or
 * twice the largest call when that is more, plus the call tables, and per
 * thread a buffer of APPLY_BUF records, radix counts (when a call is big
 * enough for the radix sort) and, when level 3 is done with the moves, twice
 * its largest call. When calls are tiny (more than one per RADIX_CALL_RATIO
 * records) the tables would cost more than the index, so the whole array
 * takes one LSD radix sort over the full key instead (8 bytes per record).
 *
 * Threads. The array is cut into consecutive slices, one per thread, each cut
 * where a call's run of records begins, so no run is split. Level 1 scans each
 * slice into a table of its own; the order checks compare neighbouring slices'
 * edges. Level 2 gives a call's records from earlier slices the earlier places,
 * so each slice fills its share of the index alone, exactly as one pass would.
 * The moves are split by first swapping records across the middle of the array
 * until each half holds just the records whose places are in it (again for each
 * half, until there is a region per thread); each region then moves its own.
 * Level 3 takes consecutive runs of whole calls per thread (the same as the
 * regions when it is done with the moves), each thread closing up its own
 * repeats; the gaps between the threads' parts are closed at the end. Each
 * record ends where the one-thread sort puts it, so the result does not
 * depend on the number of threads. Every allocation is made before the first
 * record moves (the scans allocate on their threads), so RR_ENOMEM still
 * leaves the records as they were. */

/*
 * Memory, as dataset_finish's caller sees it: the records are rearranged in
 * place. Scratch: a table of the distinct (room, comm) pairs (about 32 bytes
 * each; a pair met by several threads is in each one's table), plus a
 * 4-byte index per record when the calls are not already contiguous and in
 * order, or twice the largest call's record count in 4-byte entries when
 * that is more (with several threads, twice each one's largest call, as far
 * as 4 bytes per record allow, fewer threads sorting the calls otherwise);
 * when there are more pairs than one per 8 records, 8 bytes per record
 * instead of all that; and per thread under 1 MB of buffers.
 * Threads: ds->threads, through parallel_parts (at most DATASET_MAX_THREADS,
 * each with DATASET_PART_MIN records or more unless the count was chosen);
 * the result is the same for any number.
 */

/* Gaps are closed on several threads from this many records a thread. */
#define CLOSE_MIN 4096

/* The places of the sorted positions r[0..n): d[r[i]] = i, in shares. */
struct invert_job {
	const uint32_t *r;
	uint32_t *d;
	size_t n;
	unsigned parts;
};

static void invert_part(void *arg, unsigned k)
{
	struct invert_job *job = arg;

	for (size_t i = parallel_share(0, job->n, k, job->parts); i < parallel_share(0, job->n, k + 1, job->parts); i++)
		job->d[job->r[i]] = (uint32_t)i;
}

/* ---- level 1: the calls ---- */

/* The calls: distinct (room, comm) pairs with their record counts, in an
 * open-addressing table. */
struct call {
	uint32_t room, comm;
	uint32_t count;         /* records of this call */
	uint32_t next;          /* while filling the index: its next free place */
};

struct call_table {
	struct call *c;
	size_t n, cap;
	uint32_t *slots;        /* call index + 1; 0 = empty */
	size_t nslots;          /* power of two */
};

static size_t call_slot(const struct call_table *t, uint32_t room, uint32_t comm)
{
	uint64_t h = ((uint64_t)room << 32 | comm) * UINT64_C(0x9E3779B97F4A7C15);
	size_t mask = t->nslots - 1, i = (size_t)(h >> 32) & mask;

	for (;;) {
		uint32_t v = t->slots[i];
		if (v == 0 || (t->c[v - 1].room == room && t->c[v - 1].comm == comm))
			return i;
		i = (i + 1) & mask;
	}
}

/* The calls met lately, by a few bits of their hash, with what is to be
 * added to the call's count or its next place: when calls come interleaved
 * (an export in time order), most runs find theirs here, with no look in
 * the big table; the table is brought up to date when a hint is replaced,
 * and at the end. v is the call's index + 1, 0 = none. */
#define CALL_HINTS 1024

struct call_hint {
	uint32_t room, comm, v;
	uint32_t acc;
};

static inline size_t hint_index(uint32_t room, uint32_t comm)
{
	return (size_t)((((uint64_t)room << 32 | comm) * UINT64_C(0x9E3779B97F4A7C15)) >> 54);
}

/* Fills the slots for the calls in their current order. */
static void call_reslot(struct call_table *t)
{
	memset(t->slots, 0, t->nslots * sizeof *t->slots);
	for (size_t k = 0; k < t->n; k++)
		t->slots[call_slot(t, t->c[k].room, t->c[k].comm)] = (uint32_t)k + 1;
}

static int call_rehash(struct call_table *t, size_t nslots)
{
	uint32_t *slots = rr_calloc(nslots, sizeof *slots);

	if (!slots)
		return RR_ENOMEM;
	rr_free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	call_reslot(t);
	return RR_OK;
}

static void call_table_free(struct call_table *t)
{
	rr_free(t->c);
	rr_free(t->slots);
	memset(t, 0, sizeof *t);
}

static inline int call_key(const struct call *a, const struct call *b)
{
	if (a->room != b->room)
		return a->room < b->room ? -1 : 1;
	return a->comm < b->comm ? -1 : a->comm > b->comm;
}

DEFINE_MERGE_SORT(sort_calls, struct call, call_key)

enum { SCAN_OK = RR_OK, SCAN_NOMEM = RR_ENOMEM, SCAN_TOO_MANY = -1 };

/* Keep the list of the runs only while they average at least this many
 * records: it saves level 2 reading the records again. */
#define RUN_LIST_RATIO 32

/* One thread's slice of level 1: the runs of records of one call that
 * start in [from, to). */
struct scan_part {
	size_t from, to, max_calls;
	size_t first, end;      /* the records it covers */
	struct call_table t;    /* its calls in the order first met */
	uint32_t *runs;         /* while runs_ok, for each run: where it starts
				 * and its call's index in t.c */
	size_t nruns, capruns;
	int runs_ok;
	int status;             /* SCAN_*: SCAN_TOO_MANY past max_calls calls */
	int sorted;             /* in (room, comm, user, time) order */
	int grouped;            /* each call's records contiguous, calls in order */
	size_t longest_tie;     /* longest run of equal keys (when sorted) */
};

struct scan_job {
	const struct record *a;
	uint32_t *dest;
	size_t n;
	struct scan_part p[DATASET_MAX_THREADS];
};

static void scan_part_free(struct scan_part *p)
{
	call_table_free(&p->t);
	rr_free(p->runs);
	p->runs = NULL;
	p->nruns = p->capruns = 0;
	p->runs_ok = 0;
}

/* Fills p's table and flags. With SCAN_TOO_MANY the table is of no use, but
 * sorted and longest_tie are still right and, when sorted, end too. */
static void scan_run(void *arg, unsigned k)
{
	struct scan_job *job = arg;
	struct scan_part *p = &job->p[k];
	const struct record *a = job->a;
	struct call_table *t = &p->t;
	size_t n = job->n, lo = p->from, hi, tie = 1;
	size_t max_runs = (p->to - p->from) / RUN_LIST_RATIO + 16;
	struct call_hint hint[CALL_HINTS];
	int full = 0;

	memset(hint, 0, sizeof hint);

	p->sorted = p->grouped = 1;
	p->longest_tie = 1;
	p->status = SCAN_OK;
	p->runs_ok = 1;
	if (lo > 0)
		while (lo < p->to && a[lo].room == a[lo - 1].room && a[lo].comm == a[lo - 1].comm)
			lo++;
	p->first = p->end = lo;
	if (lo >= p->to)
		return;
	if (call_rehash(t, 1024) != RR_OK) {
		p->status = SCAN_NOMEM;
		return;
	}
	for (; lo < p->to; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;

		hi = lo + 1;
		if (p->sorted) {
			size_t longest = p->longest_tie;
			for (; hi < n && a[hi].room == room && a[hi].comm == comm; hi++) {
				const struct record *q = &a[hi - 1], *r = &a[hi];

				__builtin_prefetch(r + RECS_AHEAD);
				if (ut_less(r, q)) {
					p->sorted = 0;
					break;
				} else if (r->user == q->user && r->time_ms == q->time_ms) {
					if (++tie > longest)
						longest = tie;
				} else {
					tie = 1;
				}
			}
			p->longest_tie = longest;
		}
		for (; hi < n && a[hi].room == room && a[hi].comm == comm; hi++)
			__builtin_prefetch(&a[hi + RECS_AHEAD]);
		tie = 1;
		p->end = hi;
		if (lo > p->first && (a[lo - 1].room > room ||
				      (a[lo - 1].room == room && a[lo - 1].comm > comm)))
			p->sorted = p->grouped = 0;
		if (full) {
			if (!p->sorted)
				break;          /* nothing more to learn */
			continue;
		}
		if (p->runs_ok && p->nruns >= max_runs)
			p->runs_ok = 0;
		if (p->runs_ok && rr_grow(&p->runs, &p->capruns, 2 * p->nruns + 2,
					  sizeof *p->runs) != RR_OK) {
			p->status = SCAN_NOMEM;
			return;
		}

		struct call_hint *h = &hint[hint_index(room, comm)];
		size_t i = 0;
		uint32_t v;
		if (h->v && h->room == room && h->comm == comm) {
			v = h->v;
			h->acc += (uint32_t)(hi - lo);
		} else if ((v = t->slots[i = call_slot(t, room, comm)])) {
			if (h->v)
				t->c[h->v - 1].count += h->acc;
			*h = (struct call_hint){ room, comm, v, (uint32_t)(hi - lo) };
		}
		if (v) {
			/* Seen before, with another call in between. */
			p->sorted = p->grouped = 0;
			if (p->runs_ok) {
				p->runs[2 * p->nruns] = (uint32_t)lo;
				p->runs[2 * p->nruns++ + 1] = v - 1;
			}
			continue;
		}
		if (t->n >= p->max_calls) {
			full = 1;
			p->runs_ok = 0;
			continue;
		}
		if (p->runs_ok) {
			p->runs[2 * p->nruns] = (uint32_t)lo;
			p->runs[2 * p->nruns++ + 1] = (uint32_t)t->n;
		}
		if (rr_grow(&t->c, &t->cap, t->n + 1, sizeof *t->c) != RR_OK) {
			p->status = SCAN_NOMEM;
			return;
		}
		t->c[t->n] = (struct call){ room, comm, 0, 0 };
		t->slots[i] = (uint32_t)++t->n;
		if (h->v)
			t->c[h->v - 1].count += h->acc;
		*h = (struct call_hint){ room, comm, (uint32_t)t->n, (uint32_t)(hi - lo) };
		if (t->n * 2 > t->nslots && call_rehash(t, t->nslots * 2) != RR_OK) {
			p->status = SCAN_NOMEM;
			return;
		}
	}
	for (size_t k = 0; k < CALL_HINTS; k++)
		if (hint[k].v)
			t->c[hint[k].v - 1].count += hint[k].acc;
	if (full)
		p->status = SCAN_TOO_MANY;
}

/* Sorts a slice's calls by (room, comm) for place_calls. The run list's
 * call indexes follow them (the slots, no longer needed then, hold the
 * new index of each old one); without the list, the slots are rebuilt.
 * SCAN_NOMEM in status when there is no memory for the sort, before
 * anything changed. */
static void sort_table_run(void *arg, unsigned k)
{
	struct scan_part *p = &((struct scan_job *)arg)->p[k];
	struct call_table *t = &p->t;
	struct call *tmp;

	if (!t->n)
		return;
	tmp = rr_malloc(t->n * sizeof *tmp);
	if (!tmp) {
		p->status = SCAN_NOMEM;
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		t->c[i].next = (uint32_t)i;
	sort_calls(t->c, tmp, t->n);
	rr_free(tmp);
	if (!p->runs_ok) {
		call_reslot(t);
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		t->slots[t->c[i].next] = (uint32_t)i;
	for (size_t r = 0; r < p->nruns; r++)
		p->runs[2 * r + 1] = t->slots[p->runs[2 * r + 1]];
}

/* Gives the calls of all slices (tables sorted) their first places: calls
 * in (room, comm) order, within a call the slices in order, so the records
 * keep their input order. Feeds the calls to s; returns the largest. */
static size_t place_calls(struct scan_part *sp, unsigned ns, struct split *s)
{
	size_t head[DATASET_MAX_THREADS] = { 0 }, largest = 0;
	uint32_t pos = 0;

	for (;;) {
		const struct call *best = NULL;
		for (unsigned k = 0; k < ns; k++)
			if (head[k] < sp[k].t.n &&
			    (!best || call_key(&sp[k].t.c[head[k]], best) < 0))
				best = &sp[k].t.c[head[k]];
		if (!best)
			break;
		uint32_t room = best->room, comm = best->comm, len = 0;
		for (unsigned k = 0; k < ns; k++) {
			struct call *c = &sp[k].t.c[head[k]];
			if (head[k] < sp[k].t.n && c->room == room && c->comm == comm) {
				c->next = pos + len;
				len += c->count;
				head[k]++;
			}
		}
		split_call(s, pos, len);
		if (len > largest)
			largest = len;
		pos += len;
	}
	return largest;
}

/* Writes each record's place into dest, for the records of slice k. */
static void index_run(void *arg, unsigned k)
{
	struct scan_job *job = arg;
	struct scan_part *p = &job->p[k];
	const struct record *a = job->a;
	uint32_t *dest = job->dest;

	if (p->runs_ok) {
		for (size_t r = 0; r < p->nruns; r++) {
			size_t lo = p->runs[2 * r], hi = r + 1 < p->nruns ? p->runs[2 * r + 2] : p->end;
			struct call *c = &p->t.c[p->runs[2 * r + 1]];
			uint32_t pos = c->next;
			for (size_t i = lo; i < hi; i++)
				dest[i] = pos++;
			c->next = pos;
		}
		return;
	}
	struct call_hint hint[CALL_HINTS];
	memset(hint, 0, sizeof hint);
	for (size_t lo = p->first, hi; lo < p->end; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;
		struct call_hint *h = &hint[hint_index(room, comm)];
		if (!h->v || h->room != room || h->comm != comm) {
			if (h->v)
				p->t.c[h->v - 1].next = h->acc;
			uint32_t v = p->t.slots[call_slot(&p->t, room, comm)];
			*h = (struct call_hint){ room, comm, v, p->t.c[v - 1].next };
		}
		uint32_t pos = h->acc;

		for (hi = lo + 1; hi < p->end && a[hi].room == room && a[hi].comm == comm; hi++)
			;
		for (size_t i = lo; i < hi; i++)
			dest[i] = pos++;
		h->acc = pos;
	}
}

/* A part of the array after the whole-array radix sort, cut where calls
 * start. */
static void split_sorted(struct split *s, const struct record *a, size_t n, unsigned parts)
{
	split_init(s, parts, n);
	for (unsigned k = 1; k < parts; k++) {
		size_t i = parallel_share(0, n, k, parts);
		if (i < s->lo[k - 1])
			i = s->lo[k - 1];
		while (i > 0 && i < n && a[i].room == a[i - 1].room && a[i].comm == a[i - 1].comm)
			i++;
		s->lo[k] = i;
	}
	for (unsigned k = 0; k < parts; k++)
		s->need[k] = 2 * (s->lo[k + 1] - s->lo[k]);
}


/* ---- the big calls ---- */

struct order_job {
	const struct record *a;
	size_t n;
	unsigned parts;
	size_t descents[DATASET_MAX_THREADS];
	int time_sorted[DATASET_MAX_THREADS];
};

/* What call_order first looks at, for share k of one call's records. */
static void order_run(void *arg, unsigned k)
{
	struct order_job *job = arg;
	const struct record *a = job->a;
	size_t lo = parallel_share(0, job->n, k, job->parts), hi = parallel_share(0, job->n, k + 1, job->parts);
	size_t descents = 0;
	int time_sorted = 1;

	for (size_t i = lo ? lo : 1; i < hi; i++) {
		descents += ut_less(&a[i], &a[i - 1]);
		time_sorted &= a[i].time_ms >= a[i - 1].time_ms;
	}
	job->descents[k] = descents;
	job->time_sorted[k] = time_sorted;
}

/*
 * Sorts each of s's big calls (contiguous by now) by (user, time) on nt
 * threads, as sort_call would on one, so that level 3 finds them in order:
 * those with many runs by the radix sort; those with few, which merge
 * quickly, are left to level 3. scratch holds twice the largest call,
 * radix nt * radix_par_words(nt) entries, buf nt buffers of bufrecs records.
 */
static void sort_big_calls(struct record *a, const struct split *s, unsigned nt,
			   uint32_t *scratch, uint32_t *radix, struct record *buf, size_t bufrecs)
{
	for (size_t c = 0; c < s->nbig; c++) {
		struct record *x = a + s->bigpos[c];
		size_t n = s->biglen[c], descents = 0;
		struct order_job oj = { x, n, nt, { 0 }, { 0 } };
		int time_sorted = 1;

		parallel_for(nt, order_run, &oj);
		for (unsigned k = 0; k < nt; k++) {
			descents += oj.descents[k];
			time_sorted &= oj.time_sorted[k];
		}
		if (descents < RADIX_MIN_RUNS)
			continue;
		uint32_t *r = radix_index_par(x, scratch, scratch + n, n, time_sorted ? F_USER : F_TIME,
					      F_USER, nt, radix);
		struct invert_job ij = { r, r == scratch ? scratch + n : scratch, n, nt };
		parallel_for(nt, invert_part, &ij);
		apply_dest(x, ij.d, n, nt, NULL, buf, bufrecs, NULL);
	}
}

/* ---- closing the gaps ---- */

/* A part's records kept, a[lo..lo+len), to move `shift` places down. */
struct close_seg {
	size_t lo, len, shift;
};

struct close_job {
	struct record *a;
	struct close_seg seg[DATASET_MAX_THREADS];
	unsigned nseg;
	/* Thread j moves records [cut[j], cut[j+1]) of the segments taken one
	 * after the other; the last ntail[j] of them it takes from tail[j]. */
	size_t cut[DATASET_MAX_THREADS + 1];
	size_t ntail[DATASET_MAX_THREADS];
	struct record *tail[DATASET_MAX_THREADS];
};

static void close_part(void *arg, unsigned j)
{
	struct close_job *job = arg;
	struct record *a = job->a;
	size_t u = 0;

	for (unsigned k = 0; k < job->nseg; u += job->seg[k++].len) {
		const struct close_seg *s = &job->seg[k];
		size_t from = job->cut[j] > u ? job->cut[j] : u;
		size_t to = job->cut[j + 1] < u + s->len ? job->cut[j + 1] : u + s->len;
		if (from >= to)
			continue;
		size_t src = s->lo + (from - u), len = to - from, tail = 0;
		if (to == job->cut[j + 1])
			tail = job->ntail[j];
		memmove(a + src - s->shift, a + src, (len - tail) * sizeof *a);
		if (tail)
			memcpy(a + src + len - tail - s->shift, job->tail[j], tail * sizeof *a);
	}
}

/*
 * Moves the parts' kept records together, in order; returns how many there
 * are. Each part after a part with repeats moves down by their number,
 * which is a copy of most of the array even for one repeat; so, when it is
 * big and the moves are short (all but the tail of a thread's share of the
 * records being where the next thread writes), it is shared by the threads,
 * each thread's tail saved in buf (bufrecs records per thread) first.
 */
static size_t close_gaps(struct record *a, struct call_job *cj, unsigned parts, unsigned nt,
			 struct record *buf, size_t bufrecs)
{
	struct close_job job;
	size_t out = cj->p[0].out, total = 0;

	memset(&job, 0, sizeof job);
	job.a = a;
	for (unsigned k = 1; k < parts; k++) {
		struct call_part *p = &cj->p[k];
		size_t len = p->out - p->lo;
		if (len && out != p->lo) {
			job.seg[job.nseg++] = (struct close_seg){ p->lo, len, p->lo - out };
			total += len;
		}
		out += len;
	}
	if (nt < 2 || !buf || total < (size_t)nt * CLOSE_MIN) {
		for (unsigned k = 0; k < job.nseg; k++)
			memmove(a + job.seg[k].lo - job.seg[k].shift, a + job.seg[k].lo,
				job.seg[k].len * sizeof *a);
		return out;
	}
	/* Equal shares, a cut dropped where the tail would not fit the buffer,
	 * reach back past its segment's start or past the share's start. */
	unsigned m = 0;
	job.cut[0] = 0;
	for (unsigned j = 1; j < nt; j++) {
		size_t c = parallel_share(0, total, j, nt), u = 0;
		unsigned k = 0;
		while (c > u + job.seg[k].len) {
			u += job.seg[k].len;
			k++;
		}
		size_t g = job.seg[k].shift;
		if (g > bufrecs || c - u < g || c - job.cut[m] < g)
			continue;
		job.ntail[m] = g;
		job.tail[m] = buf + (size_t)m * bufrecs;
		memcpy(job.tail[m], a + job.seg[k].lo + (c - u) - g, g * sizeof *a);
		job.cut[++m] = c;
	}
	job.cut[++m] = total;
	parallel_for(m, close_part, &job);
	return out;
}

/* ---- the sort, step by step ---- */

/* One sort_records run: what level 1 found, the path and memory planned,
 * and the parts. */
struct sort_run {
	struct record *a;
	size_t n;
	unsigned nt;            /* threads */
	unsigned ns;            /* level 1's slices (0 with under 2 records) */
	int sorted, grouped, too_many;
	int whole_radix;        /* one radix sort of the whole array */
	int fused;              /* level 3 done as level 2 puts buckets in order */
	size_t longest_tie, largest;
	/* Scratch, in 4-byte words but bufrecs (records per thread). */
	size_t nscratch, nlocal, bufrecs, ncount, nradix;
	uint32_t *mem, *scratch, *local, *count;
	struct record *buf;
	struct scan_job sj;
	struct split sp;
	struct call_job cj;
};

/* Level 1 on ns = nt slices: each slice's calls, and whether the whole is
 * sorted or grouped. RR_ENOMEM when a scan ran out of memory. */
static int sort_scan(struct sort_run *s)
{
	struct scan_job *sj = &s->sj;
	size_t n = s->n;
	int nomem = 0;

	s->sorted = s->grouped = 1;
	s->longest_tie = 1;
	sj->a = s->a;
	sj->n = n;
	if (n < 2)
		return RR_OK;
	s->ns = s->nt;
	for (unsigned k = 0; k < s->ns; k++) {
		sj->p[k].from = parallel_share(0, n, k, s->ns);
		sj->p[k].to = parallel_share(0, n, k + 1, s->ns);
		sj->p[k].max_calls = (sj->p[k].to - sj->p[k].from) / RADIX_CALL_RATIO + 64;
	}
	parallel_for(s->ns, scan_run, sj);
	for (unsigned k = 0; k < s->ns; k++) {
		struct scan_part *p = &sj->p[k];
		nomem |= p->status == SCAN_NOMEM;
		s->too_many |= p->status == SCAN_TOO_MANY;
		s->sorted &= p->sorted;
		s->grouped &= p->grouped;
		if (p->longest_tie > s->longest_tie)
			s->longest_tie = p->longest_tie;
	}
	/* Slice edges: the calls either side must be in order too (a slice
	 * stopped early is unsorted, and then this cannot matter). */
	for (unsigned k = 0, prev = s->ns; k < s->ns && (s->sorted || !s->too_many); k++) {
		const struct scan_part *p = &sj->p[k];
		if (p->first >= p->end)
			continue;
		if (prev < s->ns) {
			const struct record *x = &s->a[sj->p[prev].end - 1], *y = &s->a[p->first];
			if (x->room > y->room || (x->room == y->room && x->comm > y->comm))
				s->sorted = s->grouped = 0;
		}
		prev = k;
	}
	return nomem ? RR_ENOMEM : RR_OK;
}

/* The calls' path (not sorted, not tiny): level 3's split fed with the
 * calls in order, the largest call, whether level 3 rides along with level
 * 2, and its scratch. RR_ENOMEM when the call tables cannot be sorted. */
static int plan_calls(struct sort_run *s)
{
	struct scan_job *sj = &s->sj;

	split_init(&s->sp, s->nt, s->n);
	if (s->grouped) {
		size_t pos = 0;
		for (unsigned k = 0; k < s->ns; k++) {
			for (size_t i = 0; i < sj->p[k].t.n; i++) {
				size_t len = sj->p[k].t.c[i].count;
				split_call(&s->sp, pos, len);
				if (len > s->largest)
					s->largest = len;
				pos += len;
			}
		}
	} else {
		parallel_for(s->ns, sort_table_run, sj);
		for (unsigned k = 0; k < s->ns; k++)
			if (sj->p[k].status == SCAN_NOMEM)
				return RR_ENOMEM;
		s->largest = place_calls(sj->p, s->ns, &s->sp);
	}
	/* Calls that fit the moving buffer are sorted as their buckets are put
	 * in order, each part with scratch of its own. */
	s->fused = !s->grouped && s->largest <= APPLY_BUF;
	for (unsigned k = 0; k < s->sp.parts; k++)
		if (s->sp.lo[k + 1] - s->sp.lo[k] > (size_t)APPLY_MAX_BUCKETS * APPLY_BUF)
			s->fused = 0;
	s->nscratch = 2 * s->largest;
	if (!s->grouped && s->nscratch < s->n)
		s->nscratch = s->n;
	if (s->fused)
		s->nlocal = split_need(&s->sp);
	s->bufrecs = s->grouped ? s->largest : s->n;
	if (s->largest >= RADIX_MIN_CALL)
		s->ncount = 1;
	return RR_OK;
}

/* Decides the path and the memory it takes. RR_ENOMEM as plan_calls. */
static int sort_plan(struct sort_run *s)
{
	size_t n = s->n;

	s->whole_radix = !s->sorted && s->too_many;
	if (s->sorted) {
		/* Level 3 alone, on the slices as they are (an empty slice
		 * starts where the next one does). */
		split_init(&s->sp, s->ns ? s->ns : 1, n);
		for (unsigned k = s->ns; k-- > 1;)
			s->sp.lo[k] = s->sj.p[k].first < s->sj.p[k].end ? s->sj.p[k].first
									 : s->sp.lo[k + 1];
		for (unsigned k = 0; k < s->ns; k++)
			s->sp.need[k] = call_need(s->sj.p[k].longest_tie);
		s->nscratch = call_need(s->longest_tie);
	} else if (s->whole_radix) {
		s->nscratch = 2 * n;
		s->ncount = 1;
		s->bufrecs = n;
	} else if (plan_calls(s) != RR_OK) {
		return RR_ENOMEM;
	}
	if (!s->whole_radix && !s->fused) {
		/* Room for every part's scratch, as far as the index's 4 bytes a
		 * record (or twice the largest call) go; fewer parts otherwise. */
		size_t want = split_need(&s->sp), cap = s->nscratch > n ? s->nscratch : n;
		if (want > s->nscratch)
			s->nscratch = want < cap ? want : cap;
		split_fit(&s->sp, s->nscratch);
	}
	if (s->ncount && !s->whole_radix)
		s->ncount = s->sp.parts;
	if (s->fused || s->sorted || s->whole_radix)
		s->sp.nbig = 0;
	if (s->nt > 1 && (s->whole_radix || s->sp.nbig))
		s->nradix = s->nt * radix_par_words(s->nt);
	if (s->nradix < s->ncount * RADIX_COUNT)
		s->nradix = s->ncount * RADIX_COUNT;
	if (s->bufrecs > APPLY_BUF)
		s->bufrecs = APPLY_BUF;
	return RR_OK;
}

/* All the memory the plan needs, in one block, before anything moves; the
 * call tables are freed first unless the index still needs them.
 * RR_ENOMEM. */
static int sort_alloc(struct sort_run *s)
{
	size_t words = s->nradix + s->nscratch + s->nlocal +
		       s->nt * s->bufrecs * (sizeof *s->buf / sizeof *s->mem);

	if (s->sorted || s->whole_radix || s->grouped)
		for (unsigned k = 0; k < s->ns; k++)
			scan_part_free(&s->sj.p[k]);
	if (!words)
		return RR_OK;
	s->mem = rr_malloc(words * sizeof *s->mem);
	if (!s->mem)
		return RR_ENOMEM;
	hugemem_advise(s->mem, words * sizeof *s->mem);
	s->count = s->ncount ? s->mem : NULL;
	s->scratch = s->mem + s->nradix;
	s->local = s->scratch + s->nscratch;
	s->buf = s->bufrecs ? (struct record *)(void *)(s->local + s->nlocal) : NULL;
	return RR_OK;
}

/* Tiny calls: the whole array by one radix sort over the full key, then
 * cut into level 3's parts where calls start. */
static void sort_whole(struct sort_run *s)
{
	struct record *a = s->a;
	size_t n = s->n;
	uint32_t *r;

	if (s->nt > 1) {
		r = radix_index_par(a, s->scratch, s->scratch + n, n, F_TIME, F_ROOM, s->nt, s->mem);
	} else {
		for (size_t i = 0; i < n; i++)
			s->scratch[i] = (uint32_t)i;
		r = radix_index(a, s->scratch, s->scratch + n, n, F_TIME, F_ROOM, s->count);
	}
	struct invert_job ij = { r, r == s->scratch ? s->scratch + n : s->scratch, n, s->nt };
	parallel_for(s->nt, invert_part, &ij);
	apply_dest(a, ij.d, n, s->nt, NULL, s->buf, s->bufrecs, NULL);
	split_sorted(&s->sp, a, n, s->nt);
	s->count = NULL;
}

/* Levels 2 and 3 as planned (the whole-array radix sort first when
 * chosen); cannot fail. */
static void sort_levels(struct sort_run *s)
{
	struct call_job *cj = &s->cj;
	struct split *sp = &s->sp;
	uint32_t *base;

	cj->a = s->a;
	cj->sorted = s->sorted || s->whole_radix;
	cj->bufrecs = s->bufrecs;
	if (s->whole_radix)
		sort_whole(s);
	for (size_t k = 0, off = 0; k < sp->parts; k++) {
		struct call_part *p = &cj->p[k];
		p->lo = p->done = p->out = sp->lo[k];
		p->hi = sp->lo[k + 1];
		base = s->fused ? s->local : s->scratch;
		p->dd.scratch = base ? base + off : NULL;   /* none for tiny inputs */
		off += sp->need[k];
		p->count = s->count ? s->count + k * RADIX_COUNT : NULL;
		p->buf = s->buf ? s->buf + k * s->bufrecs : NULL;
	}
	if (!s->sorted && !s->whole_radix && !s->grouped) {
		s->sj.dest = s->scratch;
		parallel_for(s->ns, index_run, &s->sj);
		for (unsigned k = 0; k < s->ns; k++)
			scan_part_free(&s->sj.p[k]);
		if (s->fused)
			apply_dest(s->a, s->scratch, s->n, sp->parts, sp->lo, s->buf, s->bufrecs, cj);
		else
			apply_dest(s->a, s->scratch, s->n, s->nt, NULL, s->buf, s->bufrecs, NULL);
	}
	if (!s->fused) {
		sort_big_calls(s->a, sp, s->nt, s->scratch, s->mem, s->buf, s->bufrecs);
		parallel_for(sp->parts, calls_part_run, cj);
	}
}

/* (dataset_int.h) */
int sort_records(struct dataset *ds)
{
	struct sort_run s;
	uint64_t dups = 0, events = 0;
	size_t out;

	/* Positions are 32-bit: 4 G records would be 160 GB in memory. */
	if (ds->nrecs > UINT32_MAX)
		return RR_ENOMEM;
	memset(&s, 0, sizeof s);
	s.a = ds->recs;
	s.n = ds->nrecs;
	s.nt = parallel_parts(ds->threads, DATASET_MAX_THREADS, s.n, DATASET_PART_MIN);
	if (sort_scan(&s) != RR_OK || sort_plan(&s) != RR_OK || sort_alloc(&s) != RR_OK) {
		for (unsigned k = 0; k < s.ns; k++)
			scan_part_free(&s.sj.p[k]);
		return RR_ENOMEM;
	}
	sort_levels(&s);
	out = close_gaps(s.a, &s.cj, s.sp.parts, s.nt, s.buf, s.bufrecs);
	for (unsigned k = 0; k < s.sp.parts; k++) {
		dups += s.cj.p[k].dd.dups;
		events += s.cj.p[k].dd.events;
	}
	ds->nrecs = out;
	ds->counts.duplicates += dups;
	ds->counts.events = events;
	ds->counts.abnormal = out - events;
	rr_free(s.mem);
	return RR_OK;
}
