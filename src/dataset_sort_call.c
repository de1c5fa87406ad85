/*
 * dataset_sort_call — level 3 of the record sort: one call's records, now
 * contiguous, put in (user, time) order (nothing to do when they are; a
 * merge of the runs already there; a counting sort of a few users; a
 * natural merge sort or the radix sort of positions) and their duplicates
 * removed while still in cache; and how the calls are shared out over the
 * threads (struct split).
 * Does not: gather a call's records (levels 1 and 2, dataset_sort.c and
 * dataset_sort_move.c) or decide what a duplicate is (dataset_dedup.c).
 */
#include "dataset_int.h"

#include <stdint.h>
#include <string.h>

#include "parallel.h"

/* Natural merge sort of the positions s[0..n) (ascending on entry) of one
 * call's records a[0..n) by (user, time), through t: each pass merges pairs
 * of the runs already in order, so k users' time-ordered blocks take
 * ceil(log2 k) passes. Returns the array holding the result. */
static uint32_t *merge_index(const struct record *a, uint32_t *s, uint32_t *t, size_t n)
{
	for (;;) {
		size_t runs = 0;

		for (size_t i = 0; i < n;) {
			size_t j = i + 1, k;
			while (j < n && !ut_less(&a[s[j]], &a[s[j - 1]]))
				j++;
			runs++;
			if (j == n) {
				memcpy(t + i, s + i, (n - i) * sizeof *s);
				break;
			}
			k = j + 1;
			while (k < n && !ut_less(&a[s[k]], &a[s[k - 1]]))
				k++;
			size_t x = i, y = j, o = i;
			while (x < j && y < k)
				t[o++] = ut_less(&a[s[y]], &a[s[x]]) ? s[y++] : s[x++];
			while (x < j)
				t[o++] = s[x++];
			while (y < k)
				t[o++] = s[y++];
			i = k;
		}
		uint32_t *x = s;
		s = t;
		t = x;
		if (runs == 1)
			return s;
	}
}


/* Puts a[r[k]] at a[k] for the sorted positions r[0..n), through buf when
 * the n records fit there, else through the places in d. */
static void apply_sorted(struct record *a, const uint32_t *r, uint32_t *d, size_t n,
			 struct record *buf, size_t bufrecs)
{
	if (n <= bufrecs) {
		for (size_t k = 0; k < n; k++)
			buf[k] = a[r[k]];
		memcpy(a, buf, n * sizeof *a);
		return;
	}
	for (size_t k = 0; k < n; k++)
		d[r[k]] = (uint32_t)k;
	apply_region(a, d, 0, n, buf, bufrecs, NULL, NULL);
}

/* Insertion sort of a[0..n) by (user, time): stable, and cheaper than an
 * index for a few records. */
static void insertion_sort(struct record *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct record r = a[i];
		size_t j = i;
		while (j > 0 && ut_less(&r, &a[j - 1])) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = r;
	}
}

/* At most this many users in a call (2 to 6 in most calls): sorted by
 * counting. */
#define FEW_USERS 8

/* A user's records out of time order up to this many are sorted as packed
 * keys (time above, place below) on the stack. */
#define PACKED_MAX 64

/* Sorts the positions s[0..n) (ascending on entry) of one user's records
 * in a[] by time, stably: up to PACKED_MAX of them (a user's rows in a call,
 * shuffled among other calls' rows) as keys of their time's offset and
 * their place, by insertion, when the times span under 2^57 ms (so the
 * place fits below); else the natural merge sort through t (the user is the
 * same, so ut_less is by time). */
static void user_time_sort(const struct record *a, uint32_t *s, uint32_t *t, size_t n)
{
	uint64_t key[PACKED_MAX];
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	if (n <= PACKED_MAX) {
		for (size_t i = 0; i < n; i++) {
			int64_t v = a[s[i]].time_ms;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	if (n <= PACKED_MAX && (uint64_t)hi - (uint64_t)lo < (UINT64_C(1) << 57)) {
		for (size_t i = 0; i < n; i++) {
			uint64_t k = ((uint64_t)a[s[i]].time_ms - (uint64_t)lo) << 6 | i;
			size_t j = i;
			while (j > 0 && k < key[j - 1]) {
				key[j] = key[j - 1];
				j--;
			}
			key[j] = k;
		}
		memcpy(t, s, n * sizeof *s);
		for (size_t i = 0; i < n; i++)
			s[i] = t[key[i] & 63];
		return;
	}
	uint32_t *r = merge_index(a, s, t, n);
	if (r != s)
		memcpy(s, r, n * sizeof *s);
}

/*
 * The (user, time) order of one call's records a[0..n) in s, when they have
 * at most FEW_USERS users: a stable counting sort by user, then a stable
 * sort by time of each user's records that are not in time order already
 * (as in rows of several calls shuffled together). NULL, found out as soon
 * as it shows, when there are more users. t holds n entries.
 */
static uint32_t *user_order(const struct record *a, size_t n, uint32_t *s, uint32_t *t)
{
	uint32_t user[FEW_USERS], off[FEW_USERS], rank[FEW_USERS], start[FEW_USERS];
	int64_t last[FEW_USERS];
	unsigned char unsorted[FEW_USERS];
	unsigned nu = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t u = a[i].user;
		unsigned q = 0;
		while (q < nu && user[q] != u)
			q++;
		if (q == nu) {
			if (nu == FEW_USERS)
				return NULL;
			user[nu] = u;
			last[nu] = INT64_MIN;
			unsorted[nu] = 0;
			off[nu++] = 0;
		}
		unsorted[q] |= a[i].time_ms < last[q];
		last[q] = a[i].time_ms;
		off[q]++;
		t[i] = q;
	}
	/* The users in order, their records' places after all lower ones'. */
	for (unsigned q = 0; q < nu; q++) {
		unsigned j = q;
		while (j > 0 && user[rank[j - 1]] > user[q]) {
			rank[j] = rank[j - 1];
			j--;
		}
		rank[j] = q;
	}
	for (unsigned j = 0, pos = 0; j < nu; j++) {
		unsigned q = rank[j], c = off[q];
		start[q] = off[q] = pos;
		pos += c;
	}
	for (size_t i = 0; i < n; i++)
		s[off[t[i]]++] = (uint32_t)i;
	for (unsigned q = 0; q < nu; q++)
		if (unsorted[q])
			user_time_sort(a, s + start[q], t + start[q], off[q] - start[q]);
	return s;
}

/*
 * The (user, time) order of one call's records a[0..n), stably: NULL when
 * they are in order already or, setting *small, when n <= SHORT_RUN (an
 * insertion sort is cheaper then); else the positions in order, in scratch
 * (2 * n entries); count holds RADIX_COUNT entries when n >= RADIX_MIN_CALL.
 */
static const uint32_t *call_order(const struct record *a, size_t n, uint32_t *scratch,
				  uint32_t *count, int *small)
{
	size_t descents = 0;
	int time_sorted = 1;

	*small = 0;
	for (size_t i = 1; i < n; i++) {
		descents += ut_less(&a[i], &a[i - 1]);
		time_sorted &= a[i].time_ms >= a[i - 1].time_ms;
	}
	if (descents == 0)
		return NULL;
	if (n <= SHORT_RUN) {
		*small = 1;
		return NULL;
	}
	uint32_t *s = scratch, *t = scratch + n, *r;
	if (descents >= FEW_USERS && (r = user_order(a, n, s, t)))
		return r;
	for (size_t i = 0; i < n; i++)
		s[i] = (uint32_t)i;
	if (n >= RADIX_MIN_CALL && descents >= RADIX_MIN_RUNS)
		/* Time order already there (a time-sorted export of one room
		 * without CommIds): a stable sort by user finishes the job. */
		return radix_index(a, s, t, n, time_sorted ? F_USER : F_TIME, F_USER, count);
	return merge_index(a, s, t, n);
}

/* Sorts one call's records a[0..n) by (user, time), stably, in place.
 * scratch holds 2 * n entries when n > SHORT_RUN, count RADIX_COUNT when n
 * >= RADIX_MIN_CALL, buf bufrecs records. */
static void sort_call(struct record *a, size_t n, uint32_t *scratch, uint32_t *count,
		      struct record *buf, size_t bufrecs)
{
	int small;
	const uint32_t *r = call_order(a, n, scratch, count, &small);

	if (small)
		insertion_sort(a, n);
	else if (r)
		apply_sorted(a, r, r == scratch ? scratch + n : scratch, n, buf, bufrecs);
}


/* Level 3 for one call, a[lo..hi) (lo = p->done): buf is the part's
 * buffer, or NULL when that is in use. */
static void call_finish(const struct call_job *job, struct call_part *p, size_t lo, size_t hi,
			struct record *buf)
{
	if (!job->sorted)
		sort_call(job->a + lo, hi - lo, p->dd.scratch, p->count, buf, buf ? job->bufrecs : 0);
	p->out = dedupe_call(job->a, lo, hi, p->out, &p->dd);
	p->done = hi;
}

/* (dataset_int.h) */
void calls_run(const struct call_job *job, struct call_part *p)
{
	struct record *a = job->a;

	for (size_t lo = p->done, hi; lo < p->hi; lo = hi) {
		uint32_t room = a[lo].room, comm = a[lo].comm;

		for (hi = lo + 1; hi < p->hi && a[hi].room == room && a[hi].comm == comm; hi++)
			;
		call_finish(job, p, lo, hi, p->buf);
	}
}

/* A call with at most this many runs in (user, time) order (its users'
 * blocks, as exports come) is merged straight from the runs. */
#define MERGE_WAYS 8

/* (user, time) order, ties to the earlier run x < y: whether src[i] of run x
 * goes before src[j] of run y. */
static inline int run_before(const struct record *src, uint32_t i, unsigned x, uint32_t j,
			     unsigned y)
{
	return ut_less(&src[i], &src[j]) || (x < y && !ut_less(&src[j], &src[i]));
}

/* Merges the runs src[start[q]..start[q+1]) for q < k, each in (user, time)
 * order, into dst, stably (ties in run order). The run in front gives all
 * the records that go before every other run's next one in one go: a call's
 * users' blocks are copied whole. */
static void merge_runs(struct record *dst, const struct record *src, const uint32_t *start,
		       unsigned k)
{
	uint32_t pos[MERGE_WAYS], end[MERGE_WAYS];
	unsigned live = 0;
	size_t o = 0;

	for (unsigned q = 0; q < k; q++) {
		pos[q] = start[q];
		end[q] = start[q + 1];
		live += pos[q] < end[q];
	}
	while (live > 1) {
		unsigned best = k, second = k;
		for (unsigned q = 0; q < k; q++) {
			if (pos[q] == end[q])
				continue;
			if (best == k || run_before(src, pos[q], q, pos[best], best)) {
				second = best;
				best = q;
			} else if (second == k || run_before(src, pos[q], q, pos[second], second)) {
				second = q;
			}
		}
		uint32_t from = pos[best];
		do
			pos[best]++;
		while (pos[best] < end[best] &&
		       run_before(src, pos[best], best, pos[second], second));
		memcpy(dst + o, src + from, (pos[best] - from) * sizeof *dst);
		o += pos[best] - from;
		live -= pos[best] == end[best];
	}
	for (unsigned q = 0; q < k; q++) {
		if (pos[q] < end[q]) {
			memcpy(dst + o, src + pos[q], (end[q] - pos[q]) * sizeof *dst);
			o += end[q] - pos[q];
		}
	}
}

/* Level 3 for one call whose records, in input order, are src[0..n),
 * outside the array: sorted straight into their places from a[p->out], then
 * de-duplicated there. */
static void place_call(const struct call_job *job, struct call_part *p, const struct record *src,
		       size_t n)
{
	struct record *dst = job->a + p->out;
	uint32_t start[MERGE_WAYS + 1];
	unsigned runs = 1;

	start[0] = 0;
	for (size_t i = 1; i < n; i++) {
		if (!ut_less(&src[i], &src[i - 1]))
			continue;
		if (runs == MERGE_WAYS) {
			runs++;
			break;
		}
		start[runs++] = (uint32_t)i;
	}
	if (runs <= MERGE_WAYS) {
		start[runs] = (uint32_t)n;
		merge_runs(dst, src, start, runs);
	} else if (n <= SHORT_RUN) {
		memcpy(dst, src, n * sizeof *dst);
		insertion_sort(dst, n);
	} else {
		int small;
		const uint32_t *r = call_order(src, n, p->dd.scratch, p->count, &small);
		for (size_t k = 0; k < n; k++)
			dst[k] = src[r[k]];
	}
	p->out = dedupe_call(job->a, p->out, p->out + n, p->out, &p->dd);
}

/* Level 3 for a bucket of p put in order into buf, len records that belong
 * at a[blo..blo+len): each call wholly in it goes from buf straight to its
 * place (one copy instead of three). The call the bucket ends in the middle
 * of, unless that is the part's end, goes back as it is, to be finished with
 * the next bucket (in place, buf being in use then). */
void bucket_calls(const struct call_job *job, struct call_part *p, const struct record *buf,
		  size_t blo, size_t len)
{
	struct record *a = job->a;
	size_t c = 0, bhi = blo + len;

	if (p->done < blo) {
		uint32_t room = a[p->done].room, comm = a[p->done].comm;
		while (c < len && buf[c].room == room && buf[c].comm == comm)
			c++;
		memcpy(a + blo, buf, c * sizeof *a);
		if (c == len && bhi < p->hi)
			return;
		call_finish(job, p, p->done, blo + c, NULL);
	}
	while (c < len) {
		size_t e = c + 1;
		uint32_t room = buf[c].room, comm = buf[c].comm;
		while (e < len && buf[e].room == room && buf[e].comm == comm)
			e++;
		if (e == len && bhi < p->hi) {
			memcpy(a + blo + c, buf + c, (len - c) * sizeof *a);
			p->done = blo + c;
			return;
		}
		place_call(job, p, buf + c, e - c);
		c = e;
	}
	p->done = bhi;
}

void calls_part_run(void *arg, unsigned k)
{
	struct call_job *job = arg;

	calls_run(job, &job->p[k]);
}

void split_init(struct split *s, unsigned parts, size_t n)
{
	memset(s, 0, sizeof *s);
	s->parts = parts;
	s->n = n;
	for (unsigned k = 1; k <= parts; k++)
		s->lo[k] = n;
	s->bigmin = SIZE_MAX;
	if (parts > 1) {
		s->bigmin = n / (BIG_CALLS / DATASET_MAX_THREADS * parts);
		if (s->bigmin < RADIX_MIN_CALL)
			s->bigmin = RADIX_MIN_CALL;
	}
}

void split_call(struct split *s, size_t pos, size_t len)
{
	while (s->cur + 1 < s->parts && pos >= parallel_share(0, s->n, s->cur + 1, s->parts)) {
		s->cur++;
		s->lo[s->cur] = pos;
	}
	if (call_need(len) > s->need[s->cur])
		s->need[s->cur] = call_need(len);
	if (len >= s->bigmin && s->nbig < BIG_CALLS) {
		s->bigpos[s->nbig] = pos;
		s->biglen[s->nbig++] = len;
	}
}

size_t split_need(const struct split *s)
{
	size_t sum = 0;

	for (unsigned k = 0; k < s->parts; k++)
		sum += s->need[k];
	return sum;
}

void split_fit(struct split *s, size_t avail)
{
	while (s->parts > 1 && split_need(s) > avail) {
		unsigned best = 0;
		size_t len = SIZE_MAX;

		for (unsigned k = 0; k + 1 < s->parts; k++) {
			if (s->lo[k + 2] - s->lo[k] < len) {
				len = s->lo[k + 2] - s->lo[k];
				best = k;
			}
		}
		if (s->need[best + 1] > s->need[best])
			s->need[best] = s->need[best + 1];
		for (unsigned k = best + 1; k + 1 < s->parts; k++)
			s->need[k] = s->need[k + 1];
		for (unsigned k = best + 1; k < s->parts; k++)
			s->lo[k] = s->lo[k + 1];
		s->parts--;
	}
}
