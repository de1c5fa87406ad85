/*
 * partition — event records beyond --max-memory, on disk a range of rooms
 * at a time (see partition.h for why ranges of room id give the same
 * output). Unlinked temporary files of three kinds: the spill (records in
 * input order, as ingest handed them over); the range files: the spill
 * distributed by range into at most PARTITION_FILES files, where a file of
 * one range is read as it is and a file of several is distributed again,
 * level by level, its ranges ending one after the other in one sorted file,
 * so that loading a range is one sequential read whatever the number of
 * ranges; and the events file (each range's records in time order, for
 * `events`).
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
	size_t per_range;         /* records a range may hold */
	int spill_fd;
	uint64_t spilled;
	/* Per room id: its record count until the plan, then its range. */
	uint32_t *room;
	size_t caproom;
	int planned;
	size_t nranges;
	uint64_t *range_recs;     /* per range: its record count */
	/* Where each range is read from: its own file (range_fd, from the
	 * first distribution) or, -1, the sorted file at range_off records. */
	int *range_fd;
	uint64_t *range_off;
	int sorted_fd;
	uint64_t sorted_n;
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
	p->per_range = limit / PARTITION_BYTES_PER_RECORD;
	if (p->per_range == 0)
		p->per_range = 1;
	p->spill_fd = -1;
	p->events_fd = -1;
	p->sorted_fd = -1;
	ds->spill = spill;
	ds->spill_ctx = p;
	ds->spill_at = p->per_range;
	*out = p;
	return RR_OK;
}

int partition_active(const struct partition *p)
{
	return p && p->spilled > 0;
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
	size_t cap = 0;

	for (size_t r = 0; r < p->caproom; r++) {
		uint32_t n = p->room[r];

		if (n == 0) {
			p->room[r] = UINT32_MAX;
			continue;
		}
		if (p->nranges == 0 || p->range_recs[p->nranges - 1] + n > p->per_range) {
			if (rr_grow(&p->range_recs, &cap, p->nranges + 1,
				    sizeof *p->range_recs) != RR_OK)
				return RR_ENOMEM;
			p->range_recs[p->nranges++] = 0;
		}
		p->range_recs[p->nranges - 1] += n;
		p->room[r] = (uint32_t)(p->nranges - 1);
	}
	return RR_OK;
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

/* Which of nb buckets over ranges [r0, r1) range r goes to. */
static size_t bucket_of(size_t r, size_t r0, size_t r1, size_t nb)
{
	return (r - r0) * nb / (r1 - r0);
}

static void buckets_close(struct bucket *bk, size_t nb)
{
	for (size_t b = 0; b < nb; b++) {
		if (bk[b].fd >= 0)
			close(bk[b].fd);
		bk[b].fd = -1;
		rr_free(bk[b].buf);
		bk[b].buf = NULL;
	}
}

/* Reads the n records of src and writes each to bucket bk[bucket_of(its
 * range)], all nb buckets sharing ranges [r0, r1); every bucket is
 * flushed and its buffer freed at the end. */
static int distribute(struct partition *p, int src, uint64_t n, size_t r0, size_t r1,
		      struct bucket *bk, size_t nb)
{
	for (size_t b = 0; b < nb; b++) {
		bk[b].fd = -1;
		if (!(bk[b].buf = rr_malloc(BUCKET_RECORDS * sizeof *bk[b].buf)))
			return RR_ENOMEM;
	}
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < IO_RECORDS ? (size_t)(n - off) : IO_RECORDS;

		if (read_recs(p, src, off, p->io, k) != RR_OK)
			return RR_EIO;
		for (size_t i = 0; i < k; i++) {
			struct bucket *b = &bk[bucket_of(p->room[p->io[i].room], r0, r1, nb)];

			b->buf[b->nbuf++] = p->io[i];
			if (b->nbuf == BUCKET_RECORDS && bucket_flush(p, b) != RR_OK)
				return RR_EIO;
		}
		off += k;
	}
	for (size_t b = 0; b < nb; b++) {
		if (bucket_flush(p, &bk[b]) != RR_OK)
			return RR_EIO;
		rr_free(bk[b].buf);
		bk[b].buf = NULL;
	}
	return RR_OK;
}

/* Appends the n records of fd to the file of ranges sorted by range. */
static int append_sorted(struct partition *p, int fd, uint64_t n)
{
	if (p->sorted_fd < 0 && (p->sorted_fd = temp_open(p)) < 0)
		return RR_EIO;
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < IO_RECORDS ? (size_t)(n - off) : IO_RECORDS;

		if (read_recs(p, fd, off, p->io, k) != RR_OK ||
		    write_all(p, p->sorted_fd, p->io, k * sizeof *p->io) != RR_OK)
			return RR_EIO;
		off += k;
	}
	p->sorted_n += n;
	return RR_OK;
}

/* The n records of fd, ranges [r0, r1), few enough to hold (see
 * small_cap): appended to the sorted file one range after the other, in
 * input order within each, by a counting sort on an index. */
static int sort_small(struct partition *p, int fd, uint64_t n, size_t r0, size_t r1)
{
	struct record *all = rr_malloc((size_t)(n ? n : 1) * sizeof *all);
	uint32_t *order = rr_malloc((size_t)(n ? n : 1) * sizeof *order);
	size_t *at = rr_calloc(r1 - r0 + 1, sizeof *at), k;
	int rc = RR_ENOMEM;

	if (!all || !order || !at)
		goto out;
	rc = RR_EIO;
	if ((p->sorted_fd < 0 && (p->sorted_fd = temp_open(p)) < 0) ||
	    read_recs(p, fd, 0, all, (size_t)n) != RR_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		at[p->room[all[i].room] - r0 + 1]++;
	for (size_t r = r0; r < r1; r++) {
		at[r - r0 + 1] += at[r - r0];
		p->range_fd[r] = -1;
		p->range_off[r] = p->sorted_n + at[r - r0];
	}
	for (size_t i = 0; i < n; i++)
		order[at[p->room[all[i].room] - r0]++] = (uint32_t)i;
	rc = RR_OK;
	for (size_t i = 0; rc == RR_OK && i < n; i += k) {
		k = n - i < IO_RECORDS ? (size_t)(n - i) : IO_RECORDS;
		for (size_t j = 0; j < k; j++)
			p->io[j] = all[order[i + j]];
		rc = write_all(p, p->sorted_fd, p->io, k * sizeof *p->io);
	}
	p->sorted_n += n;
out:
	rr_free(all);
	rr_free(order);
	rr_free(at);
	return rc;
}

/* Records a file may hold to be sorted in memory: a range's worth, or
 * SMALL_BYTES' worth when that is more (a fixed few MB, so that a tiny
 * limit does not make thousands of tiny files). */
#define SMALL_BYTES ((size_t)4 << 20)

static uint64_t small_cap(const struct partition *p)
{
	size_t fixed = SMALL_BYTES / (sizeof(struct record) + sizeof(uint32_t));

	return p->per_range > fixed ? p->per_range : fixed;
}

/*
 * Gives every range in [r0, r1), whose n records are in file fd, a place
 * to load it from. One range: fd itself at the top level (a range file,
 * kept open), else its records appended to the sorted file. Below the top,
 * records few enough to hold: sorted in memory (sort_small). Otherwise:
 * distributed into at most PARTITION_FILES files by range, each placed in
 * turn, one level down. So every record is rewritten once per level (a
 * few levels at most), and loading a range reads only it. At
 * most PARTITION_FILES files are open per level. fd is the caller's to
 * close, except when kept.
 */
static int place(struct partition *p, int fd, uint64_t n, size_t r0, size_t r1, int level)
{
	struct bucket *bk;
	size_t nb, b, r;
	int rc = RR_OK;

	if (r1 - r0 == 1) {
		if (level == 1) {
			p->range_fd[r0] = fd;
			p->range_off[r0] = 0;
			return RR_OK;
		}
		p->range_fd[r0] = -1;        /* the sorted file: it may not exist yet */
		p->range_off[r0] = p->sorted_n;
		return append_sorted(p, fd, n);
	}
	if (level > 0 && n <= small_cap(p))
		return sort_small(p, fd, n, r0, r1);
	/* Below the top, only as many files as make each small enough to
	 * sort in memory when the records spread evenly. */
	nb = r1 - r0 < PARTITION_FILES ? r1 - r0 : PARTITION_FILES;
	if (level > 0 && nb > 2 * n / small_cap(p) + 2)
		nb = (size_t)(2 * n / small_cap(p) + 2);
	bk = rr_calloc(nb, sizeof *bk);
	if (!bk)
		return RR_ENOMEM;
	rc = distribute(p, fd, n, r0, r1, bk, nb);
	for (b = 0, r = r0; rc == RR_OK && b < nb; b++) {
		size_t lo = r;

		while (r < r1 && bucket_of(r, r0, r1, nb) == b)
			r++;
		rc = place(p, bk[b].fd, bk[b].nrecs, lo, r, level + 1);
		if (level + 1 == 1 && r - lo == 1)
			bk[b].fd = -1;           /* kept as that range's file */
		else if (bk[b].fd >= 0) {
			close(bk[b].fd);
			bk[b].fd = -1;
		}
	}
	buckets_close(bk, nb);
	rr_free(bk);
	return rc;
}

/* Rows without SdkAppId belong to the room of their app (dataset.h): the
 * records of a plain RoomId that stands for an app's room count as that
 * room's, so both land in its range, where dataset_finish gives them its
 * key. */
static int fold_apps(struct partition *p)
{
	const struct dataset *ds = p->ds;
	size_t need = 0;

	if (dataset_resolve_apps(p->ds, p->room, p->caproom) != RR_OK)
		return RR_ENOMEM;
	if (!ds->room_map)
		return RR_OK;
	for (size_t r = 0; r < p->caproom; r++)
		if (p->room[r] && dataset_room_of(ds, (uint32_t)r) >= need)
			need = (size_t)dataset_room_of(ds, (uint32_t)r) + 1;
	if (need > p->caproom) {
		size_t old = p->caproom;

		if (rr_grow(&p->room, &p->caproom, need, sizeof *p->room) != RR_OK)
			return RR_ENOMEM;
		memset(p->room + old, 0, (p->caproom - old) * sizeof *p->room);
	}
	for (size_t r = 0; r < p->caproom; r++) {
		uint32_t to = dataset_room_of(ds, (uint32_t)r);

		if (to != r && p->room[r]) {
			p->room[to] += p->room[r];
			p->room[r] = 0;
		}
	}
	return RR_OK;
}

/* After cut_ranges: each plain RoomId folded into an app's room goes to that
 * room's range. */
static void unfold_apps(struct partition *p)
{
	const struct dataset *ds = p->ds;

	if (!ds->room_map)
		return;
	for (size_t r = 0; r < p->caproom && r < ds->nroom_map; r++) {
		uint32_t to = dataset_room_of(ds, (uint32_t)r);

		if (to != r && to < p->caproom)
			p->room[r] = p->room[to];
	}
}

int partition_plan(struct partition *p)
{
	int rc;

	if (!partition_active(p) || p->planned)
		return RR_OK;
	rc = dataset_spill_rest(p->ds);
	if (rc != RR_OK)
		return rc;
	p->ds->spill = NULL;
	if (fold_apps(p) != RR_OK || cut_ranges(p) != RR_OK)
		return RR_ENOMEM;
	unfold_apps(p);
	p->planned = 1;
	p->range_fd = rr_malloc(p->nranges * sizeof *p->range_fd);
	if (!p->range_fd)
		return RR_ENOMEM;
	for (size_t k = 0; k < p->nranges; k++)
		p->range_fd[k] = -1;
	p->range_off = rr_malloc(p->nranges * sizeof *p->range_off);
	if (!p->range_off)
		return RR_ENOMEM;
	if (!p->io && !(p->io = rr_malloc(IO_RECORDS * sizeof *p->io)))
		return RR_ENOMEM;
	rc = place(p, p->spill_fd, p->spilled, 0, p->nranges, 0);
	/* The spill is all in the range files now. */
	close(p->spill_fd);
	p->spill_fd = -1;
	return rc;
}

int partition_load(struct partition *p, size_t k, struct dataset *part)
{
	int fd = p->range_fd[k] >= 0 ? p->range_fd[k] : p->sorted_fd;
	uint64_t n = p->range_recs[k];

	if (dataset_reserve(part, (size_t)n) != RR_OK)
		return RR_ENOMEM;
	/* Straight into the dataset's array. */
	for (uint64_t off = 0; off < n;) {
		size_t c = n - off < IO_RECORDS ? (size_t)(n - off) : IO_RECORDS;

		if (read_recs(p, fd, p->range_off[k] + off, part->recs + part->nrecs, c) != RR_OK)
			return RR_EIO;
		part->nrecs += c;
		off += c;
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
	if (p->sorted_fd >= 0)
		close(p->sorted_fd);
	for (size_t k = 0; p->range_fd && k < p->nranges; k++)
		if (p->range_fd[k] >= 0)
			close(p->range_fd[k]);
	rr_free(p->range_fd);
	rr_free(p->range_off);
	rr_free(p->room);
	rr_free(p->range_recs);
	rr_free(p->io);
	rr_free(p->runs);
	rr_free(p);
}
