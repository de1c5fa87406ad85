/*
 * ingest_speed — CPU time of ingest_file alone over a file, on one thread
 * (or as many as given), best of 5 passes, so a change to the per-row path can be
 * judged without the noise of the other stages and of a shared machine.
 * Not part of the test build; after a Release build in build-rel:
 *   cc -O2 -Isrc -o build-rel/ingest_speed tests/bench/ingest_speed.c \
 *      build-rel/libroomreport_core.a -lcsv -lz -lm -lpthread
 *   build-rel/ingest_speed FILE.csv [threads] [pread]
 * pread: read the file with pread instead of mapping it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataset.h"
#include "ingest.h"
#include "reader.h"
#include "tz.h"

static double wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ingest_options o;
	struct tz *utc;
	char zerr[200];
	double best = 1e30, best_wall = 1e30;
	size_t nrecs = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: ingest_speed FILE [threads] [pread]\n");
		return 2;
	}
	if (tz_open("UTC", &utc, zerr, sizeof zerr) != 0) {
		fprintf(stderr, "%s\n", zerr);
		return 1;
	}
	ingest_options_init(&o);
	o.input_tz = utc;
	o.threads = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	if (argc > 3 && strcmp(argv[3], "pread") == 0)
		reader_set_mmap(0);
	for (int pass = 0; pass < 5; pass++) {
		struct dataset ds;
		char err[300];
		double t0, w0;

		if (dataset_init(&ds) != 0)
			return 1;
		t0 = cpu_now();
		w0 = wall_now();
		if (ingest_file(&ds, argv[1], &o, err, sizeof err) != 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (cpu_now() - t0 < best)
			best = cpu_now() - t0;
		if (wall_now() - w0 < best_wall)
			best_wall = wall_now() - w0;
		nrecs = ds.nrecs;
		dataset_free(&ds);
	}
	tz_free(utc);
	printf("%.3f s CPU  %.1f ns/row  %.3f s wall  records %zu\n", best,
	       best * 1e9 / (double)nrecs, best_wall, nrecs);
	return 0;
}
