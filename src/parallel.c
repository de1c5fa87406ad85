/*
 * parallel — parallel_for and parallel_parts (see parallel.h).
 * A wave starts its threads, runs part 0 here, joins, then runs the parts
 * whose threads did not start; a thread is a plain pthread with default
 * attributes, started per call (stages fan out a handful of times per run,
 * so a pool would save nothing measurable).
 */
#include "parallel.h"

#include <pthread.h>

#include "util.h"

struct part {
	void (*fn)(void *, unsigned);
	void *arg;
	unsigned k;
};

static void *part_main(void *x)
{
	struct part *p = x;

	p->fn(p->arg, p->k);
	return NULL;
}

static void run_wave(unsigned first, unsigned n, void (*fn)(void *, unsigned), void *arg)
{
	pthread_t tid[PARALLEL_MAX];
	struct part parts[PARALLEL_MAX];
	int started[PARALLEL_MAX] = { 0 };

	for (unsigned j = 1; j < n; j++) {
		parts[j] = (struct part){ fn, arg, first + j };
		started[j] = pthread_create(&tid[j], NULL, part_main, &parts[j]) == 0;
	}
	fn(arg, first);
	for (unsigned j = 1; j < n; j++)
		if (started[j])
			pthread_join(tid[j], NULL);
	for (unsigned j = 1; j < n; j++)
		if (!started[j])
			fn(arg, first + j);
}

void parallel_for(unsigned n, void (*fn)(void *arg, unsigned k), void *arg)
{
	for (unsigned first = 0; first < n; first += PARALLEL_MAX)
		run_wave(first, n - first < PARALLEL_MAX ? n - first : PARALLEL_MAX, fn, arg);
}

unsigned parallel_parts(unsigned threads, unsigned cap, size_t items, size_t min_items)
{
	unsigned t = threads ? threads : rr_threads(PARALLEL_MAX);

	if (cap > PARALLEL_MAX)
		cap = PARALLEL_MAX;
	if (t > cap)
		t = cap;
	if (t > items)
		t = items ? (unsigned)items : 1;
	if (!threads)
		while (t > 1 && items / t < min_items)
			t--;
	return t ? t : 1;
}
