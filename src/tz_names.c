/*
 * tz_names — the zone names nearest an unknown one, from the zoneinfo
 * directory (see tz_names.h).
 * Does not: open or read zones (tz.c).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_names.h"
#include "util.h"

#define ZONE_PATH 256   /* bytes of a zone name kept, NUL included */
#define MAX_DEPTH 4     /* Area/Region/City and one more */

struct near {
	char name[TZ_NAMES_SUGGEST][ZONE_PATH];
	unsigned score[TZ_NAMES_SUGGEST];
	size_t n;
	const char *want;    /* the unknown name */
	int whole;           /* 1: compare with the whole zone name */
	unsigned max;        /* edits allowed */
};

static int fold(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c == ' ' ? '_' : c;
}

static int same_folded(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (fold(*a) != fold(*b))
			return 0;
	return *a == *b;
}

/* Keeps zone in the best TZ_NAMES_SUGGEST by (score, name). */
static void offer(struct near *nr, const char *zone, unsigned score)
{
	size_t i = nr->n;

	if (i == TZ_NAMES_SUGGEST) {
		if (score > nr->score[i - 1] ||
		    (score == nr->score[i - 1] && strcmp(zone, nr->name[i - 1]) >= 0))
			return;
		i--;
	} else {
		nr->n++;
	}
	while (i > 0 && (score < nr->score[i - 1] ||
			 (score == nr->score[i - 1] && strcmp(zone, nr->name[i - 1]) < 0))) {
		memcpy(nr->name[i], nr->name[i - 1], ZONE_PATH);
		nr->score[i] = nr->score[i - 1];
		i--;
	}
	snprintf(nr->name[i], ZONE_PATH, "%s", zone);
	nr->score[i] = score;
}

static int is_tzif(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, magic, sizeof magic);
	close(fd);
	return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

static void consider(struct near *nr, const char *zone, const char *path)
{
	const char *last = strrchr(zone, '/');
	unsigned score;

	last = last ? last + 1 : zone;
	if (same_folded(nr->want, nr->whole ? zone : last))
		score = 0;
	else
		score = 1 + rr_edits(nr->want, nr->whole ? zone : last, nr->max);
	if (score > nr->max + 1 || !is_tzif(path))
		return;
	offer(nr, zone, score);
}

/* Walks dir/rel (rel "" at the top), depth levels deep at most. */
static void walk(struct near *nr, const char *dir, const char *rel, int depth)
{
	char path[4096], zone[ZONE_PATH];
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
	if (depth > MAX_DEPTH || !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!*rel && (strcmp(de->d_name, "posix") == 0 || strcmp(de->d_name, "right") == 0))
			continue;
		if ((size_t)snprintf(zone, sizeof zone, "%s%s%s", rel, *rel ? "/" : "",
				     de->d_name) >= sizeof zone)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, zone);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(nr, dir, zone, depth + 1);   /* a link to a directory is not followed */
		else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			consider(nr, zone, path);
	}
	closedir(d);
}

void tz_names_unknown(const char *dir, const char *name, char *err, size_t errlen)
{
	struct near nr;
	size_t len;

	if (!err || !errlen)
		return;
	snprintf(err, errlen, "unknown time zone '%s'", name);
	if (!*name || strlen(name) >= ZONE_PATH)
		return;
	memset(&nr, 0, sizeof nr);
	nr.want = name;
	nr.whole = strchr(name, '/') != NULL;
	nr.max = strlen(name) > 4 ? 2 : 1;
	walk(&nr, dir, "", 0);
	for (size_t i = 0; i < nr.n; i++) {
		len = strlen(err);
		snprintf(err + len, errlen - len, "%s'%s'",
			 i == 0 ? " \xe2\x80\x94 did you mean " : i + 1 == nr.n ? " or " : ", ",
			 nr.name[i]);
	}
	if (nr.n) {
		len = strlen(err);
		snprintf(err + len, errlen - len, "?");
	}
}
