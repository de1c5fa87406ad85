/*
 * write_floor — the least time any program needs to write a given report:
 * the same files, of the same sizes, in the same directories, with as many
 * threads as there are cores, and nothing computed. run.sh times it beside
 * the full report, so the report's own cost can be told from the kernel's
 * cost of taking its bytes (on this VM, tmpfs pages written for the first
 * time are what dominates).
 *
 *   write_floor MANIFEST DIR
 * MANIFEST: lines "SIZE PATH" (PATH relative, no newline in it), as
 * `find REPORT -type f -printf '%s %P\n'` writes them. DIR must not exist.
 * Exit 0 when every file was written, 1 with a message otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct entry {
	size_t size;
	char *path;          /* DIR/PATH */
};

struct job {
	struct entry *e;
	size_t n, step, first;
	const char *buf;
	int failed;
};

static void *write_some(void *arg)
{
	struct job *j = arg;

	for (size_t i = j->first; i < j->n && !j->failed; i += j->step) {
		int fd = open(j->e[i].path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		size_t done = 0;

		if (fd < 0) {
			perror(j->e[i].path);
			j->failed = 1;
			break;
		}
		while (done < j->e[i].size) {
			ssize_t w = write(fd, j->buf, j->e[i].size - done);

			if (w <= 0) {
				perror(j->e[i].path);
				j->failed = 1;
				break;
			}
			done += (size_t)w;
		}
		close(fd);
	}
	return NULL;
}

/* Creates DIR/PATH's parent directories (untimed work is not separated:
 * a report has a handful of directories). */
static int make_parents(char *path)
{
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			perror(path);
			return -1;
		}
		*s = '/';
	}
	return 0;
}

int main(int argc, char **argv)
{
	FILE *m;
	struct entry *e = NULL;
	size_t n = 0, cap = 0, biggest = 0;
	char line[4096];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char *buf;

	if (argc != 3 || !(m = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: write_floor MANIFEST DIR\n");
		return 1;
	}
	if (mkdir(argv[2], 0755) != 0) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof line, m)) {
		char *sp = strchr(line, ' '), *nl = strchr(line, '\n');

		if (!sp || !nl) {
			fprintf(stderr, "%s: bad line %zu\n", argv[1], n + 1);
			return 1;
		}
		*nl = 0;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			e = realloc(e, cap * sizeof *e);
		}
		e[n].size = strtoull(line, NULL, 10);
		e[n].path = malloc(strlen(argv[2]) + strlen(sp + 1) + 2);
		if (!e || !e[n].path)
			return 1;
		sprintf(e[n].path, "%s/%s", argv[2], sp + 1);
		if (make_parents(e[n].path) != 0)
			return 1;
		if (e[n].size > biggest)
			biggest = e[n].size;
		n++;
	}
	fclose(m);
	buf = malloc(biggest ? biggest : 1);
	if (!buf)
		return 1;
	memset(buf, 'x', biggest);
	if (cores < 1)
		cores = 1;
	if (cores > 64)
		cores = 64;

	pthread_t t[64];
	struct job jobs[64];
	int failed = 0;

	for (long k = 0; k < cores; k++) {
		jobs[k] = (struct job){ .e = e, .n = n, .step = (size_t)cores, .first = (size_t)k,
					.buf = buf };
		pthread_create(&t[k], NULL, write_some, &jobs[k]);
	}
	for (long k = 0; k < cores; k++) {
		pthread_join(t[k], NULL);
		failed |= jobs[k].failed;
	}
	return failed;
}
