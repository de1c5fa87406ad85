/*
 * reader_speed — throughput of reader_next alone over a file: opens it
 * (from the file, or read into memory first with "mem"), reads every record
 * and touches every field, 7 times, and prints the best pass in CPU time
 * and MB/s. "slow" turns the fast path off (libcsv for every record);
 * "pread" reads the file with pread instead of mapping it.
 * Not part of the test build; after a Release build in build-rel:
 *   cc -O2 -Isrc -o build-rel/reader_speed tests/bench/reader_speed.c \
 *      build-rel/libroomreport_core.a -lcsv -lz -lm -lpthread
 *   build-rel/reader_speed FILE.csv [slow] [mem] [pread]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "reader.h"

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long long rows = 0, fields = 0, bad = 0, sum = 0;
	double best = 1e30;
	int slow = 0, mem = 0;
	char *buf = NULL;
	struct stat st;

	if (argc < 2 || stat(argv[1], &st) != 0) {
		fprintf(stderr, "usage: reader_speed FILE [slow] [mem] [pread]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		slow |= strcmp(argv[i], "slow") == 0;
		mem |= strcmp(argv[i], "mem") == 0;
		if (strcmp(argv[i], "pread") == 0)
			reader_set_mmap(0);
	}
	if (mem) {
		FILE *f = fopen(argv[1], "rb");
		buf = malloc((size_t)st.st_size + 1);
		if (!f || !buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			perror(argv[1]);
			return 1;
		}
		fclose(f);
	}
	for (int pass = 0; pass < 7; pass++) {
		struct reader *r;
		struct reader_record rec;
		enum reader_status s;
		char err[300];
		double t0 = cpu_now();
		int rc = mem ? reader_open_mem(buf, (size_t)st.st_size, &r, err, sizeof err)
			     : reader_open_file(argv[1], &r, err, sizeof err);

		if (rc != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		reader_set_fast(r, !slow);
		rows = fields = bad = sum = 0;
		while ((s = reader_next(r, &rec)) == READER_ROW || s == READER_BAD) {
			if (s == READER_BAD) {
				bad++;
				continue;
			}
			rows++;
			fields += rec.nfields;
			for (size_t i = 0; i < rec.nfields; i++)
				sum += rec.len[i] + (unsigned char)rec.field[i][0];
		}
		if (s == READER_ERROR) {
			fprintf(stderr, "%s: %s\n", argv[1], reader_error(r));
			return 1;
		}
		reader_close(r);
		if (cpu_now() - t0 < best)
			best = cpu_now() - t0;
	}
	printf("%.3f s  %.0f MB/s  rows %llu fields %llu bad %llu (check %llu)\n", best,
	       (double)st.st_size / best / 1e6, rows, fields, bad, sum);
	free(buf);
	return 0;
}
