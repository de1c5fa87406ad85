/*
 * parallel — the one way a stage splits its work over threads.
 *
 * A stage cuts its work into parts that write only their own output, runs
 * them with parallel_for, then combines the outputs in part order, so its
 * result does not depend on how many threads ran or in which order they
 * finished.
 * Does not: decide how to cut the work, share anything between parts, or
 * report errors (a part records its own status for the caller to read).
 */
#ifndef RR_PARALLEL_H
#define RR_PARALLEL_H

#include <stddef.h>

/*
 * Runs fn(arg, k) once for every k in [0, n): part 0 on the calling thread,
 * every other part on a thread of its own. A part whose thread cannot be
 * started runs on the calling thread once the started ones have been joined,
 * so a part must never wait for another. Returns when every part has run.
 * n of 0 does nothing; n larger than PARALLEL_MAX runs in successive waves.
 */
#define PARALLEL_MAX 64
void parallel_for(unsigned n, void (*fn)(void *arg, unsigned k), void *arg);

/*
 * How many parts a stage of `items` items should use. `threads` is the
 * caller's choice (0: the online processors); the result is capped at cap,
 * at PARALLEL_MAX and at items, then lowered while a part would get fewer
 * than min_items items (only when threads is 0: a count the caller chose is
 * kept, so tests can force several parts on small inputs). At least 1.
 */
unsigned parallel_parts(unsigned threads, unsigned cap, size_t items, size_t min_items);

/* The start of part j of k equal parts of [lo, hi) (j = k: hi). */
static inline size_t parallel_share(size_t lo, size_t hi, unsigned j, unsigned k)
{
	return lo + (hi - lo) * j / k;
}

#endif
