/*
 * run_out — the run's output files (--json, --sessions-csv, --rejected):
 * each written under a temporary name beside it and renamed into place
 * only once the whole run has succeeded, and the calls grouped by range
 * for the page writer.
 * Does not: write any content (json, tables, ingest) or the HTML report,
 * which render swaps into place itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_int.h"
#include "util.h"

int out_open(struct out *o, const char *name, const char *path)
{
	struct stat st;
	mode_t mask;
	int fd;
	size_t n;

	o->path = path;
	o->name = name;
	o->tmp = NULL;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return RR_OK;
	}
	/* Devices and pipes (/dev/null, /dev/full, a FIFO) are written in place:
	 * renaming a temporary over them would replace the device itself. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: %s: Is a directory\n", name, path);
			return RR_EIO;
		}
		o->f = fopen(path, "w");
		if (!o->f) {
			fprintf(stderr, "%s: %s: %s\n", name, path, strerror(errno));
			return RR_EIO;
		}
		return RR_OK;
	}
	n = strlen(path) + 16;
	o->tmp = rr_malloc(n);
	if (!o->tmp)
		return RR_ENOMEM;
	snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", name, path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		rr_free(o->tmp);
		o->tmp = NULL;
		return RR_EIO;
	}
	/* mkstemp creates 0600; the output should get the mode any new file
	 * gets (0666 less the umask), like the HTML report's files. */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return RR_OK;
}

int out_close(struct out *o, int status)
{
	const char *what = o->f == stdout ? "standard output" : o->path;
	int given = status == RR_EIO ? errno : 0;   /* the writer's reason */
	int bad, err;

	if (!o->f)
		return status;
	errno = 0;
	if (o->f == stdout) {
		bad = fflush(stdout) != 0 || ferror(stdout);
	} else {
		bad = ferror(o->f) != 0;
		if (fclose(o->f) != 0)
			bad = 1;
	}
	err = errno ? errno : given;
	o->f = NULL;
	if (bad && (status == RR_OK || status == RR_EIO)) {
		fprintf(stderr, "%s: %s: write error%s%s\n", o->name, what,
			err ? ": " : "", err ? strerror(err) : "");
		status = RR_EIO;
	}
	if (status != RR_OK && o->tmp) {
		unlink(o->tmp);
		rr_free(o->tmp);
		o->tmp = NULL;
	}
	return status;
}

int out_commit(struct out *o)
{
	int st = RR_OK;

	if (!o->tmp)
		return RR_OK;
	if (rename(o->tmp, o->path) != 0) {
		fprintf(stderr, "%s: %s: %s\n", o->name, o->path, strerror(errno));
		unlink(o->tmp);
		st = RR_EIO;
	}
	rr_free(o->tmp);
	o->tmp = NULL;
	return st;
}

void out_discard(struct out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		rr_free(o->tmp);
		o->tmp = NULL;
	}
}

void run_calls_by_range(uint32_t n, size_t nranges,
			size_t (*range_of)(const void *ctx, uint32_t call), const void *ctx,
			size_t *first, uint32_t *calls)
{
	size_t k;

	/* Counts into first[k + 1], then starts: first[k] is where range k's
	 * calls go. Placing them moves first[k] to range k's end, which is
	 * range k + 1's start; shifting by one gives the starts back. */
	memset(first, 0, (nranges + 1) * sizeof *first);
	for (uint32_t i = 0; i < n; i++) {
		size_t r = range_of(ctx, i);

		if (r < nranges)
			first[r + 1]++;
	}
	for (k = 0; k < nranges; k++)
		first[k + 1] += first[k];
	for (uint32_t i = 0; i < n; i++) {
		size_t r = range_of(ctx, i);

		if (r < nranges)
			calls[first[r]++] = i;
	}
	for (k = nranges; k > 0; k--)
		first[k] = first[k - 1];
	first[0] = 0;
}
