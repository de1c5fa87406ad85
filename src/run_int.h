/*
 * run_int — what the run's files (run.c, run_out.c) and their unit test
 * share: output files committed together, and the calls grouped by range.
 * Not for other modules: run.h is the contract.
 */
#ifndef RR_RUN_INT_H
#define RR_RUN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * An output file written under a temporary name in its directory
 * ("PATH.tmp.XXXXXX"), renamed over PATH by out_commit. Standard output
 * ('-') and anything that is not a regular file (/dev/null, a FIFO) are
 * written in place, with nothing to commit. Messages name the file and
 * start with name.
 */
struct out {
	FILE *f;                 /* open between out_open and out_close */
	const char *path;
	const char *name;        /* message prefix ("roomreport") */
	char *tmp;               /* the temporary's name; NULL when written in place */
};

/* Opens path for writing. Returns RR_OK; RR_EIO (said on stderr: a
 * directory, or the file could not be created) or RR_ENOMEM, with
 * nothing left open. The new file gets mode 0666 less the umask. */
int out_open(struct out *o, const char *name, const char *path);

/* Closes the file after its writer returned status (writers return RR_EIO
 * when the FILE's error flag is set, with errno the reason: used when the
 * final flush no longer shows one). A write or close error is said on
 * stderr naming the file, and gives RR_EIO. On any failure the temporary
 * is removed. Returns the final status; on RR_OK a temporary waits for
 * out_commit. A closed or never opened out returns status unchanged. */
int out_close(struct out *o, int status);

/* Renames a closed output over its path. RR_OK (also when there is
 * nothing to rename) or RR_EIO, said on stderr, the temporary removed. */
int out_commit(struct out *o);

/* Drops an output that will not be committed: closes it if open, removes
 * its temporary. Any state is fine, also a zeroed struct. */
void out_discard(struct out *o);

/*
 * Groups calls 0..n-1 by range, a counting sort: range_of(ctx, i) is the
 * range of call i. On return the calls of range k are calls[first[k] ..
 * first[k + 1]), in ascending order; first has nranges + 1 entries and
 * calls room for n. A call whose range is nranges or more is left out
 * (first[nranges] counts those kept). Cannot fail.
 */
void run_calls_by_range(uint32_t n, size_t nranges,
			size_t (*range_of)(const void *ctx, uint32_t call), const void *ctx,
			size_t *first, uint32_t *calls);

#endif
