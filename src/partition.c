/*
 * partition — event records beyond --max-memory, on disk a range of rooms
 * at a time (see partition.h for why ranges of room id give the same
 * output). Three kinds of unlinked temporary file: the spill (records in
 * input order, as ingest handed them over), the range files (the spill
 * distributed by range; a file holds one range, or a few neighbouring ones
 * when there are more ranges than PARTITION_FILES), and the events file
 * (each range's records in time order, for `events`).
 * Does not: decide whether a run needs this (main does, from the limit), or
 * parse, sort or interpret records.
 */
#define _GNU_SOURCE 1   /* O_TMPFILE */
#include "partition.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tables.h"
#include "util.h"

/* At most this many range files are written at once; with more ranges a
 * file holds several and loading one range filters it. */
#define PARTITION_FILES 64
/* Records per read or write of a temporary file (about 1 MiB). */
#define IO_RECORDS 29127
/* Records buffered per range file while distributing. */
#define BUCKET_RECORDS 1024

struct bucket {
	int fd;
	uint64_t nrecs;
	struct record *buf;
	size_t nbuf;
};

/* One range's records in the events file, and the merge's window on them. */
struct run {
	uint64_t off, n;          /* in records */
	uint64_t next;            /* records of it read so far */
	struct record *buf;
	size_t pos, len;
};

struct partition {
	struct dataset *ds;
	uint64_t limit;
	size_t per_range;         /* records a range may hold */
	int spill_fd;
	uint64_t spilled;
	/* Per room id: its record count until the plan, then its range. */
	uint32_t *room;
	size_t caproom;
	int planned;
	size_t nranges;
	uint32_t *first_room;     /* per range: its lowest room id */
	uint64_t *range_recs;     /* per range: its record count */
	struct bucket *buckets;
	size_t nbuckets;
	struct record *io;        /* IO_RECORDS */
	int events_fd;
	struct run *runs;
	size_t nruns, capruns;
	uint64_t events_written;
	char err[256];
};

static int fail_io(struct partition *p, const char *what)
{
	snprintf(p->err, sizeof p->err, "temporary file: %s: %s", what,
		 errno ? strerror(errno) : "unexpected end of file");
	return RR_EIO;
}

/* A new temporary file without a name (O_TMPFILE), or unlinked at once
 * where the file system cannot do that: it lives only as long as the
 * descriptor, whatever way the process ends. -1 with p->err set. */
static int temp_open(struct partition *p)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		fail_io(p, dir);
		return -1;
	}
#endif
	if ((size_t)snprintf(path, sizeof path, "%s/roomreport-XXXXXX", dir) >= sizeof path) {
		errno = ENAMETOOLONG;
		fail_io(p, dir);
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		fail_io(p, dir);
		return -1;
	}
	unlink(path);
	return fd;
}

static int write_all(struct partition *p, int fd, const void *buf, size_t bytes)
{
	const char *b = buf;

	while (bytes) {
		ssize_t w = write(fd, b, bytes);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail_io(p, "write");
		b += w;
		bytes -= (size_t)w;
	}
	return RR_OK;
}

/* Reads n records at record offset off of fd into buf. */
static int read_recs(struct partition *p, int fd, uint64_t off, struct record *buf, size_t n)
{
	char *b = (char *)buf;
	size_t bytes = n * sizeof *buf;
	off_t at = (off_t)(off * sizeof *buf);

	while (bytes) {
		ssize_t r = pread(fd, b, bytes, at);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return fail_io(p, "read");
		}
		b += r;
		at += r;
		bytes -= (size_t)r;
	}
	return RR_OK;
}

/* The dataset's spill hook: records in input order to the spill file,
 * counted per room. */
static int spill(void *ctx, const struct record *recs, size_t n)
{
	struct partition *p = ctx;
	size_t need = 0;

	for (size_t i = 0; i < n; i++)
		if (recs[i].room >= need)
			need = (size_t)recs[i].room + 1;
	if (need > p->caproom) {
		size_t old = p->caproom;

		if (rr_grow(&p->room, &p->caproom, need, sizeof *p->room) != RR_OK)
			return RR_ENOMEM;
		memset(p->room + old, 0, (p->caproom - old) * sizeof *p->room);
	}
	if (p->spill_fd < 0 && (p->spill_fd = temp_open(p)) < 0)
		return RR_EIO;
	if (write_all(p, p->spill_fd, recs, n * sizeof *recs) != RR_OK)
		return RR_EIO;
	for (size_t i = 0; i < n; i++)
		p->room[recs[i].room]++;
	p->spilled += n;
	return RR_OK;
}

int partition_open(struct dataset *ds, uint64_t limit, struct partition **out)
{
	struct partition *p = rr_calloc(1, sizeof *p);

	*out = NULL;
	if (!p)
		return RR_ENOMEM;
	p->ds = ds;
	p->limit = limit;
	p->per_range = limit / PARTITION_BYTES_PER_RECORD;
	if (p->per_range == 0)
		p->per_range = 1;
	p->spill_fd = -1;
	p->events_fd = -1;
	ds->spill = spill;
	ds->spill_ctx = p;
	ds->spill_at = p->per_range;
	*out = p;
	return RR_OK;
}

int partition_active(const struct partition *p)
{
	return p && p->spill_fd != -1;   /* -2: spilled, and distributed since */
}

const char *partition_error(const struct partition *p)
{
	return p && p->err[0] ? p->err : NULL;
}

size_t partition_count(const struct partition *p)
{
	return p->nranges;
}

size_t partition_of_room(const struct partition *p, uint32_t room)
{
	if (!p->planned || room >= p->caproom || p->room[room] == UINT32_MAX)
		return p->nranges;
	return p->room[room];
}

/* Ranges of ascending room id, each as many whole rooms as fit per_range
 * (a room bigger than that is a range of its own). Rooms without records
 * become UINT32_MAX, the others their range. */
static int cut_ranges(struct partition *p)
{
	uint64_t in = 0;
	size_t cap_first = 0, cap_recs = 0;

	for (size_t r = 0; r < p->caproom; r++) {
		uint32_t n = p->room[r];

		if (n == 0) {
			p->room[r] = UINT32_MAX;
			continue;
		}
		if (p->nranges == 0 || in + n > p->per_range) {
			if (rr_grow(&p->first_room, &cap_first, p->nranges + 1,
				    sizeof *p->first_room) != RR_OK ||
			    rr_grow(&p->range_recs, &cap_recs, p->nranges + 1,
				    sizeof *p->range_recs) != RR_OK)
				return RR_ENOMEM;
			p->first_room[p->nranges] = (uint32_t)r;
			p->range_recs[p->nranges] = 0;
			p->nranges++;
			in = 0;
		}
		in += n;
		p->range_recs[p->nranges - 1] += n;
		p->room[r] = (uint32_t)(p->nranges - 1);
	}
	return RR_OK;
}

static size_t bucket_of(const struct partition *p, size_t range)
{
	return range * p->nbuckets / p->nranges;
}

static int bucket_flush(struct partition *p, struct bucket *b)
{
	if (b->nbuf == 0)
		return RR_OK;
	if (b->fd < 0 && (b->fd = temp_open(p)) < 0)
		return RR_EIO;
	if (write_all(p, b->fd, b->buf, b->nbuf * sizeof *b->buf) != RR_OK)
		return RR_EIO;
	b->nrecs += b->nbuf;
	b->nbuf = 0;
	return RR_OK;
}

int partition_plan(struct partition *p)
{
	uint64_t off;
	size_t nb;
	int rc;

	if (!partition_active(p) || p->planned)
		return RR_OK;
	rc = dataset_spill_rest(p->ds);
	if (rc != RR_OK)
		return rc;
	p->ds->spill = NULL;
	if (cut_ranges(p) != RR_OK)
		return RR_ENOMEM;
	p->planned = 1;
	nb = p->nranges < PARTITION_FILES ? p->nranges : PARTITION_FILES;
	p->buckets = rr_calloc(nb, sizeof *p->buckets);
	if (!p->buckets)
		return RR_ENOMEM;
	p->nbuckets = nb;
	for (size_t b = 0; b < nb; b++)
		p->buckets[b].fd = -1;
	if (!p->io && !(p->io = rr_malloc(IO_RECORDS * sizeof *p->io)))
		return RR_ENOMEM;
	for (size_t b = 0; b < nb; b++)
		if (!(p->buckets[b].buf = rr_malloc(BUCKET_RECORDS * sizeof *p->buckets[b].buf)))
			return RR_ENOMEM;
	for (off = 0; off < p->spilled;) {
		size_t n = p->spilled - off < IO_RECORDS ? (size_t)(p->spilled - off) : IO_RECORDS;

		if (read_recs(p, p->spill_fd, off, p->io, n) != RR_OK)
			return RR_EIO;
		for (size_t i = 0; i < n; i++) {
			struct bucket *b = &p->buckets[bucket_of(p, p->room[p->io[i].room])];

			b->buf[b->nbuf++] = p->io[i];
			if (b->nbuf == BUCKET_RECORDS && bucket_flush(p, b) != RR_OK)
				return RR_EIO;
		}
		off += n;
	}
	for (size_t b = 0; b < p->nbuckets; b++) {
		if (bucket_flush(p, &p->buckets[b]) != RR_OK)
			return RR_EIO;
		rr_free(p->buckets[b].buf);
		p->buckets[b].buf = NULL;
	}
	/* The spill is all in the range files now. */
	close(p->spill_fd);
	p->spill_fd = -2;         /* spilled, but closed: still "active" */
	return RR_OK;
}

int partition_load(struct partition *p, size_t k, struct dataset *part)
{
	size_t b = bucket_of(p, k);
	const struct bucket *bk = &p->buckets[b];
	int whole = bk->nrecs == p->range_recs[k];

	if (dataset_reserve(part, (size_t)p->range_recs[k]) != RR_OK)
		return RR_ENOMEM;
	for (uint64_t off = 0; off < bk->nrecs;) {
		size_t n = bk->nrecs - off < IO_RECORDS ? (size_t)(bk->nrecs - off) : IO_RECORDS;

		if (whole) {
			/* Straight into the dataset's array. */
			if (read_recs(p, bk->fd, off, part->recs + part->nrecs, n) != RR_OK)
				return RR_EIO;
			part->nrecs += n;
		} else {
			if (read_recs(p, bk->fd, off, p->io, n) != RR_OK)
				return RR_EIO;
			for (size_t i = 0; i < n; i++)
				if (p->room[p->io[i].room] == k)
					part->recs[part->nrecs++] = p->io[i];
		}
		off += n;
	}
	if (part->nrecs != p->range_recs[k]) {
		errno = 0;
		return fail_io(p, "range file");
	}
	return RR_OK;
}

/* ---- the events log ---- */

int partition_add_events(struct partition *p, const struct dataset *part)
{
	uint32_t *order;
	size_t n = part->nrecs, i, k;
	int rc = RR_OK;

	if (rr_grow(&p->runs, &p->capruns, p->nruns + 1, sizeof *p->runs) != RR_OK)
		return RR_ENOMEM;
	if (!p->io && !(p->io = rr_malloc(IO_RECORDS * sizeof *p->io)))
		return RR_ENOMEM;
	if (p->events_fd < 0 && (p->events_fd = temp_open(p)) < 0)
		return RR_EIO;
	if (dataset_time_order(part, &order) != RR_OK)
		return RR_ENOMEM;
	for (i = 0; i < n && rc == RR_OK; i += k) {
		k = n - i < IO_RECORDS ? n - i : IO_RECORDS;
		for (size_t j = 0; j < k; j++)
			p->io[j] = part->recs[order[i + j]];
		rc = write_all(p, p->events_fd, p->io, k * sizeof *p->io);
	}
	rr_free(order);
	if (rc != RR_OK)
		return rc;
	memset(&p->runs[p->nruns], 0, sizeof p->runs[p->nruns]);
	p->runs[p->nruns].off = p->events_written;
	p->runs[p->nruns].n = n;
	p->nruns++;
	p->events_written += n;
	return RR_OK;
}

/* Refills run r's window; RR_OK with len 0 at its end. */
static int run_fill(struct partition *p, struct run *r, size_t window)
{
	size_t n = r->n - r->next < window ? (size_t)(r->n - r->next) : window;

	r->pos = 0;
	r->len = n;
	if (n && read_recs(p, p->events_fd, r->off + r->next, r->buf, n) != RR_OK)
		return RR_EIO;
	r->next += n;
	return RR_OK;
}

/* Heap order: earlier time first, then the earlier range (its records come
 * first in the one-dataset order among equal times). */
static int run_before(const struct run *runs, uint32_t a, uint32_t b)
{
	int64_t ta = runs[a].buf[runs[a].pos].time_ms, tb = runs[b].buf[runs[b].pos].time_ms;

	return ta != tb ? ta < tb : a < b;
}

static void sift_down(const struct run *runs, uint32_t *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		uint32_t t;

		if (l < n && run_before(runs, heap[l], heap[m]))
			m = l;
		if (l + 1 < n && run_before(runs, heap[l + 1], heap[m]))
			m = l + 1;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

int partition_write_events(struct partition *p, const struct catalog *c, const struct tz *z,
			   FILE *f)
{
	size_t window, nheap = 0, i;
	uint32_t *heap;
	struct record *bufs;
	int rc = RR_OK;

	/* The windows share about 4 MiB, however many ranges there are. */
	window = p->nruns ? (4u << 20) / sizeof(struct record) / p->nruns : 1;
	if (window < 16)
		window = 16;
	heap = rr_malloc((p->nruns + 1) * sizeof *heap);
	bufs = rr_malloc((p->nruns ? p->nruns : 1) * window * sizeof *bufs);
	if (!heap || !bufs) {
		rr_free(heap);
		rr_free(bufs);
		return RR_ENOMEM;
	}
	for (i = 0; i < p->nruns && rc == RR_OK; i++) {
		p->runs[i].buf = bufs + i * window;
		p->runs[i].next = 0;
		rc = run_fill(p, &p->runs[i], window);
		if (rc == RR_OK && p->runs[i].len)
			heap[nheap++] = (uint32_t)i;
	}
	for (i = nheap; i-- > 0;)
		sift_down(p->runs, heap, nheap, i);
	flockfile(f);
	tables_write_events_header(f);
	while (rc == RR_OK && nheap) {
		struct run *r = &p->runs[heap[0]];

		tables_write_event(f, p->ds->strs, c, z, &r->buf[r->pos]);
		if (++r->pos == r->len && (rc = run_fill(p, r, window)) == RR_OK && r->len == 0)
			heap[0] = heap[--nheap];
		sift_down(p->runs, heap, nheap, 0);
	}
	funlockfile(f);
	for (i = 0; i < p->nruns; i++)
		p->runs[i].buf = NULL;
	rr_free(heap);
	rr_free(bufs);
	if (rc != RR_OK)
		return rc;
	return ferror(f) ? RR_EIO : RR_OK;
}

void partition_close(struct partition *p)
{
	if (!p)
		return;
	if (p->ds && p->ds->spill == spill)
		p->ds->spill = NULL;
	if (p->spill_fd >= 0)
		close(p->spill_fd);
	if (p->events_fd >= 0)
		close(p->events_fd);
	for (size_t b = 0; b < p->nbuckets; b++) {
		if (p->buckets[b].fd >= 0)
			close(p->buckets[b].fd);
		rr_free(p->buckets[b].buf);
	}
	rr_free(p->buckets);
	rr_free(p->room);
	rr_free(p->first_room);
	rr_free(p->range_recs);
	rr_free(p->io);
	rr_free(p->runs);
	rr_free(p);
}
