/*
 * first_touch — what a first write to fresh anonymous memory costs on this
 * machine, against a write to memory already touched. Maps MiB mebibytes
 * (default 512) three times in a row, each time writing one byte per 4 kB
 * page (the page faults and the kernel's zeroing) and then the whole block
 * again (memset, no fault), with 4 kB pages or asking for 2 MiB pages
 * (MADV_HUGEPAGE). README "Performance" says what it showed. Not part of
 * the test build:
 *   cc -O2 -o first_touch tests/bench/first_touch.c
 *   ./first_touch [MiB] [huge]
 */
#define _DEFAULT_SOURCE 1   /* MAP_ANONYMOUS, madvise */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = (size_t)(argc > 1 ? atoi(argv[1]) : 512) << 20;
	int huge = argc > 2 && strcmp(argv[2], "huge") == 0;

	for (int round = 0; round < 3; round++) {
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		double a, b, c;

		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		if (huge)
			(void)madvise(p, n, MADV_HUGEPAGE);
		a = seconds();
		for (size_t i = 0; i < n; i += 4096)
			p[i] = 1;
		b = seconds();
		memset(p, 2, n);
		c = seconds();
		printf("%s pages, round %d: first writes %.3f s (%.2f GB/s), written again %.3f s "
		       "(%.2f GB/s)\n", huge ? "2 MiB" : "4 kB", round + 1, b - a,
		       (double)n / (b - a) / 1e9, c - b, (double)n / (c - b) / 1e9);
		munmap(p, n);
	}
	return 0;
}
