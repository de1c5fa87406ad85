/*
 * inputs — the list of input files: directories expanded to the CSV files
 * below them in path order, --files-from read (see inputs.h).
 * Does not: read any file's rows (ingest), print or exit.
 */
#define _DEFAULT_SOURCE 1   /* d_type, DT_REG, DT_DIR */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inputs.h"
#include "util.h"

/* Bytes looked at to tell a CSV header. */
#define SNIFF_BYTES 4096

static int push_owned(struct inputs *in, char *path)
{
	if (rr_grow(&in->path, &in->cap, in->n + 1, sizeof *in->path) != RR_OK) {
		rr_free(path);
		return RR_ENOMEM;
	}
	in->path[in->n++] = path;
	return RR_OK;
}

static int push_copy(struct inputs *in, const char *path)
{
	char *c = rr_strndup(path, strlen(path));

	return c ? push_owned(in, c) : RR_ENOMEM;
}

/* 1 when the file at path starts like a CSV export (inputs.h), else 0. */
static int looks_csv(const char *path)
{
	unsigned char b[SNIFF_BYTES];
	size_t n, i = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_NONBLOCK), comma = 0;

	if (fd < 0)
		return 0;
	/* One read: a regular file (only those get here) reads short only at
	 * its end, and a folder of 20,000 small files paid a second read each
	 * to see that end. */
	got = read(fd, b, sizeof b);
	n = got > 0 ? (size_t)got : 0;
	close(fd);
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return 1;
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	if (i < n && (b[i] == '{' || b[i] == '['))
		return 0;
	for (; i < n && b[i] != '\n' && b[i] != '\r'; i++) {
		if (b[i] == ',')
			comma = 1;
		else if (b[i] < 0x20 && b[i] != '\t')
			return 0;
	}
	return comma;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = rr_malloc(a + b + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* Appends to in every file below dir (not yet sniffed or sorted). */
static int walk(struct inputs *in, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = RR_OK;

	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return RR_EIO;
	}
	while (rc == RR_OK && (de = readdir(d))) {
		struct stat st;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		if (!(p = join(dir, de->d_name))) {
			rc = RR_ENOMEM;
			break;
		}
		/* The entry's type when the file system gives it: no lstat per
		 * file in a folder of 20,000. */
		if (de->d_type == DT_REG) {
			rc = push_owned(in, p);
			continue;
		}
		if (de->d_type == DT_DIR) {
			rc = walk(in, p, err, errlen);
			rr_free(p);
			continue;
		}
		if (lstat(p, &st) != 0) {
			rr_free(p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = walk(in, p, err, errlen);
			rr_free(p);
		} else if (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(p, &st) == 0 &&
						   S_ISREG(st.st_mode))) {
			rc = push_owned(in, p);
		} else {
			rr_free(p);   /* links to directories, devices, sockets */
		}
	}
	closedir(d);
	return rc;
}

/* Drops the entries from first on that are not CSV, counting them. */
static int keep_csv(struct inputs *in, size_t first)
{
	size_t k = first;

	for (size_t i = first; i < in->n; i++) {
		if (looks_csv(in->path[i])) {
			in->path[k++] = in->path[i];
			continue;
		}
		if (!in->skipped++)
			in->first_skipped = in->path[i];
		else
			rr_free(in->path[i]);
	}
	in->n = k;
	return RR_OK;
}

int inputs_add(struct inputs *in, const char *arg, char *err, size_t errlen)
{
	struct stat st;
	size_t first = in->n;
	char *dir;
	size_t len = strlen(arg);
	int rc;

	if (strcmp(arg, "-") == 0 || stat(arg, &st) != 0 || !S_ISDIR(st.st_mode))
		return push_copy(in, arg);
	while (len > 1 && arg[len - 1] == '/')
		len--;
	if (!(dir = rr_strndup(arg, len)))
		return RR_ENOMEM;
	rc = walk(in, dir, err, errlen);
	rr_free(dir);
	if (rc == RR_OK && in->n > first) {   /* qsort of an empty list may get NULL */
		qsort(in->path + first, in->n - first, sizeof *in->path, cmp_path);
		rc = keep_csv(in, first);
	}
	if (rc == RR_OK && in->n == first) {
		snprintf(err, errlen, "%s: no CSV file below this directory", arg);
		rc = RR_EDATA;
	}
	return rc;
}

int inputs_add_list(struct inputs *in, const char *list, char *err, size_t errlen)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = RR_OK;

	if (!f) {
		snprintf(err, errlen, "%s: %s", list, strerror(errno));
		return RR_EIO;
	}
	while (rc == RR_OK && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0)
			rc = inputs_add(in, line, err, errlen);
	}
	if (rc == RR_OK && ferror(f)) {
		snprintf(err, errlen, "%s: %s", list, strerror(errno));
		rc = RR_EIO;
	}
	free(line);   /* getline's buffer comes from malloc */
	if (f != stdin)
		fclose(f);
	return rc;
}

void inputs_free(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		rr_free(in->path[i]);
	rr_free(in->path);
	rr_free(in->first_skipped);
	memset(in, 0, sizeof *in);
}
