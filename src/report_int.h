/*
 * report_int.h — what the report family shares: the per-thread scratch the
 * steps of report_build count with, and the steps themselves, each filling
 * its own fields of the report (report.c runs them, on several threads).
 * Not a contract for other modules: only report*.c include it.
 */
#ifndef RR_REPORT_INT_H
#define RR_REPORT_INT_H

#include <stdint.h>
#include <string.h>

#include "report.h"

/*
 * One thread's scratch for the steps it runs, each array as long as the
 * model's sessions, so that no step allocates per session on its own;
 * allocated when a step first needs it.
 * Marks over ids (strtab ids of users, rooms, devices) count distinct ids
 * without clearing between uses: an id is marked in the current set when
 * mark[id] == set, and a new set is the next number.
 */
struct scratch {
	uint32_t *mark;
	uint32_t nmark, set;
	int64_t *v, *w;        /* nsessions values each */
	uint32_t *order, *u;   /* nsessions indexes or ids each */
};

static inline void marks_next(struct scratch *x)
{
	if (++x->set == 0) {
		memset(x->mark, 0, (size_t)x->nmark * sizeof *x->mark);
		x->set = 1;
	}
}

/* 1 when id is not marked in the current set yet (it is then). */
static inline int mark_new(struct scratch *x, uint32_t id)
{
	if (x->mark[id] == x->set)
		return 0;
	x->mark[id] = x->set;
	return 1;
}

/* n, p50 and p95 of v[0..n), which it reorders. */
void report_latency_of(int64_t *v, size_t n, struct latency *l);

/* Per mille of num/den, rounded half up; RR_NONE when den is 0. */
int64_t report_per_mille(uint64_t num, uint64_t den);

/* ---- report_lists.c: the overview's lists ---- */

/* The top problem events and causes, by count and by users. RR_OK or
 * RR_ENOMEM. */
int report_build_tops(struct report *r, const struct catalog *cat);

/* A call's place in the worst-calls order: more errors first, then more
 * warnings, then more timeouts, kicks and entry failures, then the earlier
 * start, then model order (a total order). report_call_badness fills k for
 * call i of m; report_call_badness_cmp compares two (qsort's form). */
struct call_badness {
	uint32_t errors, warnings, bad;
	int64_t start;
	uint32_t idx;
};
void report_call_badness(const struct model *m, uint32_t i, struct call_badness *k);
int report_call_badness_cmp(const void *a, const void *b);

/* The worst calls. RR_OK or RR_ENOMEM. */
int report_build_worst(struct report *r);

/* The experiences of rooms without events (cat NULL: "Unknown ..." labels).
 * RR_OK or RR_ENOMEM, with nothing kept. */
int report_build_orphans(struct report *r, const struct catalog *cat);
void report_orphans_free(struct report *r);

/* ---- report_callfiles.c: call page file names ---- */

/*
 * The page names are made in three parts so that threads can share the
 * work: call_files_start (one thread) lays out the block, pointers and
 * texts, the texts packed (a name is about half of CALL_FILE_MAX), from
 * each call's slug length, found once per room; call_files_fill writes the
 * base names and hashes of a range of calls; call_files_end finds the
 * names two calls share and, only then, builds the block again with room
 * for the numbers.
 */
struct call_files {
	char **names;          /* the block: n pointers, then the texts */
	struct nkey *k;        /* per call: its name, hash and index */
	size_t total;          /* bytes of the texts */
};

/* Lays out the block for the names of every call (nmark bounds every room id
 * of the model). RR_OK or RR_ENOMEM (cf empty). */
int report_call_files_start(const struct report *r, uint32_t nmark, struct call_files *cf);
/* Writes the base names of calls [from, to). Parts of the range may be
 * written on different threads. */
void report_call_files_fill(const struct report *r, struct call_files *cf, uint32_t from,
			    uint32_t to);
/* Gives the block to r->call_file, or frees it on failure. RR_OK or
 * RR_ENOMEM. */
int report_call_files_end(struct report *r, struct call_files *cf);
void report_call_files_drop(struct call_files *cf);

/* ---- report_breakdown.c: the breakdown tables ---- */

enum bd_kind { BD_PLATFORM, BD_DEVICE, BD_SDK, BD_NETWORK, BD_APP };

/* The sessions grouped by platform, device, SDK, network or app into *out
 * (by app: none when all calls are of one app). RR_OK or RR_ENOMEM. */
int report_build_breakdown(struct report *r, struct scratch *x, enum bd_kind kind,
			   struct breakdown **out, size_t *nout);
void report_breakdown_free(struct breakdown **b, size_t *n);

/* ---- report_context.c: what went with the problem exits ---- */

/* r->context from the sessions' context bits and the experiences (x: an
 * order array as long as the sessions). RR_OK. */
int report_build_context(struct report *r, struct scratch *x);

/* ---- report_weekly.c: users with problems, headline figures ---- */

/* The users with problems (nmark bounds every user id). RR_OK or RR_ENOMEM. */
int report_build_problem_users(struct report *r, uint32_t nmark);

/* The headline figures, from the report's totals. */
void report_build_headline(struct report *r, int64_t first_frame_p50);

#endif
