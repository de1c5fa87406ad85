/*
 * parse_only — the parse floor of tests/bench/run.sh: libcsv alone over a
 * file on one core, with the options roomreport's reader uses, counting
 * fields and rows and doing nothing else. Every roomreport figure in the
 * benchmark is given as a ratio to this program's time on the same file.
 * Built by run.sh (cc -O2 parse_only.c -lcsv), not part of the test build.
 *   parse_only FILE.csv    prints "rows N fields M"
 */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct counts {
	unsigned long long fields, rows;
};

static void on_field(void *s, size_t len, void *data)
{
	(void)s;
	(void)len;
	((struct counts *)data)->fields++;
}

static void on_row(int c, void *data)
{
	(void)c;
	((struct counts *)data)->rows++;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct csv_parser p;
	struct counts n = { 0, 0 };
	ssize_t got;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: parse_only FILE.csv\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		perror(argv[1]);
		return 1;
	}
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		if (csv_parse(&p, buf, (size_t)got, on_field, on_row, &n) != (size_t)got) {
			fprintf(stderr, "%s: %s\n", argv[1], csv_strerror(csv_error(&p)));
			return 1;
		}
	}
	if (got < 0 || csv_fini(&p, on_field, on_row, &n) != 0) {
		fprintf(stderr, "%s: read or parse error\n", argv[1]);
		return 1;
	}
	csv_free(&p);
	close(fd);
	/* The header row is a row too; the caller knows. */
	printf("rows %llu fields %llu\n", n.rows, n.fields);
	return 0;
}
