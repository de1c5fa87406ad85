/*
 * Tests for the sessions build as a whole (sessions.c, sessions_order.c,
 * sessions_threads.c): empty input, every allocation failure, the options,
 * the same model on any thread count, input order and path (gather or
 * permute), and the incremental builder (sessions_begin / add / end) on
 * datasets cut at rooms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dataset.h"
#include "sessions.h"
#include "tz.h"
#include "kit.h"
#include "util.h"
#include "test_sessions_kit.h"
#include "test_sessions_tables.h"

static void test_empty_dataset(void **state)
{
	static const struct row rows[] = { END };
	struct dataset ds;
	struct model m;

	(void)state;
	build(rows, &ds, &m);
	assert_int_equal(m.ncalls, 0);
	assert_int_equal(m.nsessions, 0);
	assert_int_equal(m.nexperiences, 0);
	model_free(&m);
	dataset_free(&ds);
}

/* Every allocation failure gives RR_ENOMEM and an empty model, no leak
 * (the sanitizer build checks the last part). */
static const struct row oom_rows[] = {
	E("a", 0, 5001, -1), E("a", 1, 5003, 1), E("a", 10, 1003, 0), E("a", 20, 1003, 1),
	E("a", 30, 7001, 1), E("b", 5, 32788, -1), E("b", 6, 2002, 4), E("b", 900, 32789, -1),
	AX("r", "", "a", 60, 4, 2017, "p"), AX("r", "", "z", 60, 4, -1, NULL),
	AX("q", "", "z", 60, 4, -1, NULL),
	/* A millisecond to reorder (the run's copy) and a late timeout. */
	E("c", 0, 3001, 0), E("c", 0, 5001, -1), E("c", 100, 5001, -1), E("c", 170, 7001, 1),
	E("c", 200, 5008, 1), END,
};

static void test_out_of_memory(void **state)
{
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	unsigned long n;
	int ok = 0;

	(void)state;
	sessions_options_init(&o);
	load(&ds, oom_rows);
	for (n = 1; n < 500 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = sessions_build(&ds, kit_cat, &o, &m);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(m.ncalls, 1);
			model_free(&m);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_int_equal(m.ncalls, 0);
			assert_null(m.sessions);
			assert_null(m.findings);
		}
	}
	assert_true(ok);
	dataset_free(&ds);
}

static void test_options_defaults(void **state)
{
	struct sessions_options o;

	(void)state;
	sessions_options_init(&o);
	assert_int_equal(o.call_gap_ms, 300000);
	assert_int_equal(o.slow_entry_ms, 5000);
	assert_null(o.display_tz);
	assert_string_equal(exit_reason_name(EXIT_ENTRY_FAILED), "entry_failed");
	assert_string_equal(platform_name(PLAT_WEBRTC), "webrtc");
}

/* ---- several threads ---- */

static void random_rows(struct dataset *ds, unsigned seed, int n)
{
	static const int32_t ids[] = { 5001, 5003, 5008, 7000, 7001, 32788, 32789, 1003, 2001, 2002,
				       3001, 4002, 4013, 5007, 32790, 9999 };
	static const char *const comms[] = { "", "c1", "c2" };
	uint64_t x = seed * 2654435761u + 1;

	assert_int_equal(dataset_init(ds), RR_OK);
	for (int i = 0; i < n; i++) {
		char room[16], user[16];
		struct record r;

		x = x * 6364136223846793005u + 1442695040888963407u;
		memset(&r, 0, sizeof r);
		snprintf(room, sizeof room, "r%u", (unsigned)(x >> 60) % 13);
		snprintf(user, sizeof user, "u%u", (unsigned)(x >> 40) % 9);
		r.room = kit_intern(ds->strs, room);
		r.comm = kit_intern(ds->strs, comms[(x >> 36) % 3]);
		r.user = kit_intern(ds->strs, user);
		r.time_ms = T0 + (int64_t)((x >> 20) % 7200) * 1000;
		r.stream = -1;
		r.p2 = -1;
		if ((x >> 8) % 11 == 0) {
			r.kind = REC_ABNORMAL;
			r.time_ms -= r.time_ms % 60000;
			r.id = (int32_t)((x >> 12) % 6);
			r.p1 = (x >> 14) % 3 ? 2017 : -1;
		} else {
			r.kind = REC_EVENT;
			r.id = ids[(x >> 4) % (sizeof ids / sizeof ids[0])];
			r.p1 = (int32_t)((x >> 16) % 4) - 1;
		}
		assert_int_equal(dataset_append(ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
}

/* outside_recs 0: the outside events' record indexes are not compared
 * (models of the same rows given in another order, whose records of one
 * millisecond sit elsewhere; see assert_same_outside). */
static void assert_same_model_ex(const struct model *a, const struct model *b, int outside_recs)
{
	assert_int_equal(a->nsessions, b->nsessions);
	assert_int_equal(a->ncalls, b->ncalls);
	assert_int_equal(a->nfindings, b->nfindings);
	assert_int_equal(a->nexperiences, b->nexperiences);
	assert_int_equal(a->ncauses, b->ncauses);
	assert_int_equal(a->first_orphan_exp, b->first_orphan_exp);
	assert_int_equal(a->norphan_exp, b->norphan_exp);
	assert_memory_equal(a->sessions, b->sessions, a->nsessions * sizeof *a->sessions);
	assert_true((a->details == NULL) == (b->details == NULL));
	if (a->details)
		assert_memory_equal(a->details, b->details, a->nsessions * sizeof *a->details);
	assert_memory_equal(a->calls, b->calls, a->ncalls * sizeof *a->calls);
	if (a->nexperiences)
		assert_memory_equal(a->experiences, b->experiences,
				    a->nexperiences * sizeof *a->experiences);
	if (a->ncauses)
		assert_memory_equal(a->causes, b->causes, a->ncauses * sizeof *a->causes);
	/* The measured spans and the outside events: the same whatever the threads. */
	assert_int_equal(a->nspans, b->nspans);
	if (a->nspans)
		assert_memory_equal(a->spans, b->spans, a->nspans * sizeof *a->spans);
	assert_int_equal(a->noutside, b->noutside);
	if (a->noutside && outside_recs)
		assert_memory_equal(a->outside, b->outside, a->noutside * sizeof *a->outside);
	for (uint32_t i = 0; i < a->noutside && !outside_recs; i++)
		assert_int_equal(a->outside[i].call, b->outside[i].call);
	for (uint32_t i = 0; i < a->nfindings; i++) {
		assert_string_equal(a->findings[i].code, b->findings[i].code);
		assert_int_equal(a->findings[i].severity, b->findings[i].severity);
		assert_int_equal(a->findings[i].time_ms, b->findings[i].time_ms);
		assert_string_equal(a->findings[i].text, b->findings[i].text);
	}
}

static void assert_same_model(const struct model *a, const struct model *b)
{
	assert_same_model_ex(a, b, 1);
}

/* The outside events of a (from dataset da) and b (from db) are the same
 * events, wherever their records sit: per call, the same multiset of
 * (user, time, id, p1, p2). */
static int cmp_rec_key(const void *pa, const void *pb)
{
	const struct record *x = pa, *y = pb;

	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->p1 != y->p1)
		return x->p1 < y->p1 ? -1 : 1;
	return x->p2 < y->p2 ? -1 : x->p2 > y->p2;
}

static void assert_same_outside(const struct model *a, const struct dataset *da,
				const struct model *b, const struct dataset *db)
{
	uint32_t n = a->noutside, i;
	struct record *ra = malloc((n ? n : 1) * sizeof *ra), *rb = malloc((n ? n : 1) * sizeof *rb);

	assert_non_null(ra);
	assert_non_null(rb);
	assert_int_equal(n, b->noutside);
	for (i = 0; i < n; i++) {
		assert_int_equal(a->outside[i].call, b->outside[i].call);
		ra[i] = da->recs[a->outside[i].rec];
		rb[i] = db->recs[b->outside[i].rec];
		assert_int_equal(ra[i].kind, REC_EVENT);
		assert_int_equal(rb[i].kind, REC_EVENT);
	}
	/* Within one call, the order follows the records: compare sorted. */
	for (i = 0; i < n;) {
		uint32_t e = i;

		while (e < n && a->outside[e].call == a->outside[i].call)
			e++;
		qsort(ra + i, e - i, sizeof *ra, cmp_rec_key);
		qsort(rb + i, e - i, sizeof *rb, cmp_rec_key);
		for (uint32_t k = i; k < e; k++)
			assert_int_equal(cmp_rec_key(&ra[k], &rb[k]), 0);
		i = e;
	}
	free(ra);
	free(rb);
}

/* What every model holds to, however it was built: calls in start order
 * (then room ID, then CommId), each owning the run of sessions that point
 * back at it, in start order; each session owning the run of findings that
 * follows its predecessor's, most severe first, then time, then code,
 * counted by severity in its call; experiences pointed at by exactly the
 * session, call or orphan range they name. */
static void assert_model_consistent(const struct model *m, const struct strtab *strs)
{
	uint32_t k, i, f, nf = 0, ns = 0;

	for (k = 0; k < m->ncalls; k++) {
		const struct call *c = &m->calls[k];
		uint32_t sev[SEV__COUNT] = { 0 };

		if (k) {
			const struct call *p = &m->calls[k - 1];

			assert_true(p->start_ms <= c->start_ms);
			if (p->start_ms == c->start_ms) {
				int r = strcmp(strtab_str(strs, p->room), strtab_str(strs, c->room));

				assert_true(r < 0 || (r == 0 && strcmp(strtab_str(strs, p->comm),
								      strtab_str(strs, c->comm)) <= 0));
			}
		}
		assert_int_equal(c->first_session, ns);
		for (i = ns; i < ns + c->nsessions; i++) {
			const struct session *s = &m->sessions[i];

			assert_int_equal(s->call, k);
			if (i > ns)
				assert_true(m->sessions[i - 1].start_ms <= s->start_ms);
			assert_int_equal(s->first_finding, nf);
			for (f = nf; f < nf + s->nfindings; f++) {
				const struct finding *a = &m->findings[f];

				sev[a->severity]++;
				if (f > nf) {
					const struct finding *p = &m->findings[f - 1];

					assert_true(p->severity >= a->severity);
					if (p->severity == a->severity) {
						assert_true(p->time_ms <= a->time_ms);
						if (p->time_ms == a->time_ms)
							assert_true(strcmp(p->code, a->code) <= 0);
					}
				}
			}
			nf += s->nfindings;
			for (f = s->first_exp; f < s->first_exp + s->nexp; f++)
				assert_int_equal(m->experiences[f].session, i);
		}
		ns += c->nsessions;
		for (i = 0; i < SEV__COUNT; i++)
			assert_int_equal(c->findings[i], sev[i]);
		for (f = c->first_exp; f < c->first_exp + c->nexp; f++) {
			assert_int_equal(m->experiences[f].session, RR_NOIDX);
			assert_int_equal(m->experiences[f].call, k);
		}
	}
	assert_int_equal(ns, m->nsessions);
	assert_int_equal(nf, m->nfindings);
	for (f = 0; f < m->nexperiences; f++) {
		const struct experience *x = &m->experiences[f];

		if (x->session != RR_NOIDX) {
			const struct session *s = &m->sessions[x->session];

			assert_true(f >= s->first_exp && f < s->first_exp + s->nexp);
			assert_int_equal(s->call, x->call);
		} else if (x->call != RR_NOIDX) {
			const struct call *c = &m->calls[x->call];

			assert_true(f >= c->first_exp && f < c->first_exp + c->nexp);
		} else {
			assert_true(f >= m->first_orphan_exp &&
				    f < m->first_orphan_exp + m->norphan_exp);
		}
	}
}

/* Chunks of rooms built on several threads make the model one thread
 * makes; an allocation failing anywhere gives RR_ENOMEM and an empty
 * model (and no leak, under the sanitizer). */
/* DESIGN §1: the order of rows inside one millisecond means nothing. Rows
 * on a coarse time grid (many users' events share a millisecond, with
 * openings, closings and late timeouts among them) appended in three orders
 * give one model, byte for byte, on one thread and on three. */
static void test_input_order_same_model(void **state)
{
	static const int32_t ids[] = { 5001, 5003, 5008, 7000, 7001, 32788, 32789, 1003, 2001,
				       3001, 4002, 5007, 32769, 9999 };
	static const char *const comms[] = { "", "c1" };
	enum { N = 4000 };
	struct record *recs = malloc(N * sizeof *recs);
	struct sessions_options o;
	struct model first, m;
	struct dataset ds0;

	(void)state;
	assert_non_null(recs);
	for (unsigned order = 0; order < 3; order++) {
		struct dataset ds;
		uint64_t x = 99;
		char name[16];

		assert_int_equal(dataset_init(&ds), RR_OK);
		/* The same string ids whatever the order of the rows. */
		for (unsigned k = 0; k < 7; k++) {
			snprintf(name, sizeof name, "r%u", k);
			kit_intern(ds.strs, name);
			snprintf(name, sizeof name, "u%u", k);
			kit_intern(ds.strs, name);
		}
		kit_intern(ds.strs, "c1");
		for (int i = 0; i < N; i++) {
			struct record *r = &recs[i];

			x = x * 6364136223846793005u + 1442695040888963407u;
			memset(r, 0, sizeof *r);
			snprintf(name, sizeof name, "r%u", (unsigned)(x >> 60) % 7);
			r->room = kit_intern(ds.strs, name);
			snprintf(name, sizeof name, "u%u", (unsigned)(x >> 40) % 7);
			r->user = kit_intern(ds.strs, name);
			r->comm = kit_intern(ds.strs, comms[(x >> 36) % 2]);
			r->time_ms = T0 + (int64_t)((x >> 20) % 400) * 500;
			r->stream = -1;
			r->p2 = -1;
			if ((x >> 8) % 13 == 0) {
				r->kind = REC_ABNORMAL;
				r->time_ms -= r->time_ms % 60000;
				r->id = (int32_t)((x >> 12) % 6);
				r->p1 = (x >> 14) % 3 ? 2017 : -1;
			} else {
				r->kind = REC_EVENT;
				r->id = ids[(x >> 4) % (sizeof ids / sizeof ids[0])];
				r->p1 = (int32_t)((x >> 16) % 4) - 1;
			}
		}
		for (int i = 0; i < N; i++) {
			int k = order == 0 ? i : order == 1 ? N - 1 - i : (i * 7919) % N;

			assert_int_equal(dataset_append(&ds, &recs[k]), RR_OK);
		}
		assert_int_equal(dataset_finish(&ds), RR_OK);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		if (order == 0) {
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &first), RR_OK);
			assert_model_consistent(&first, ds.strs);
			assert_true(first.nsessions > 100);
		}
		for (unsigned t = 1; t <= 3; t += 2) {
			o.threads = t;
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
			assert_same_model_ex(&first, &m, order == 0);
			assert_same_outside(&first, order == 0 ? &ds : &ds0, &m, &ds);
			model_free(&m);
		}
		if (order == 0)
			ds0 = ds;
		else
			dataset_free(&ds);
	}
	assert_true(first.noutside > 0);
	dataset_free(&ds0);
	model_free(&first);
	free(recs);
}

static void test_threads_same_model(void **state)
{
	struct sessions_options o;
	struct dataset ds;
	struct model one, m;

	(void)state;
	for (unsigned seed = 1; seed <= 4; seed++) {
		random_rows(&ds, seed, 3000);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &one), RR_OK);
		assert_true(one.ncalls > 13);
		assert_true(one.nexperiences > 0);
		assert_true(one.nfindings > one.nsessions);
		assert_model_consistent(&one, ds.strs);
		for (unsigned t = 2; t <= 6; t++) {
			o.threads = t;
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
			assert_model_consistent(&m, ds.strs);
			assert_same_model(&one, &m);
			model_free(&m);
		}
		o.threads = 3;
		for (unsigned long n = 1; n < 80; n += 3) {
			int rc;

			rr_alloc_fail_at(n);
			rc = sessions_build(&ds, kit_cat, &o, &m);
			rr_alloc_fail_at(0);
			if (rc == RR_OK) {
				assert_same_model(&one, &m);
				model_free(&m);
				continue;
			}
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(m.sessions);
			assert_int_equal(m.nsessions, 0);
		}
		model_free(&one);
		dataset_free(&ds);
	}
}

/* Without details the sessions reach their final places by a gather into a
 * new array; with them (or without the memory for the gather) they are
 * permuted in place. Both ways, on one thread or several, give the same
 * model, allocation failures included. */
static void test_gather_same_as_permute(void **state)
{
	struct sessions_options o;
	struct dataset ds;
	struct model with, m, x;

	(void)state;
	for (unsigned seed = 5; seed <= 7; seed++) {
		random_rows(&ds, seed, 3000);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &with), RR_OK);
		assert_non_null(with.details);
		assert_true(with.nsessions > 100);
		x = with;
		x.details = NULL;
		o.details = 0;
		for (unsigned t = 1; t <= 3; t++) {
			o.threads = t;
			assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
			assert_null(m.details);
			assert_model_consistent(&m, ds.strs);
			assert_same_model(&x, &m);
			model_free(&m);
		}
		for (unsigned long n = 1; n < 400; n++) {
			int rc;

			rr_alloc_fail_at(n);
			rc = sessions_build(&ds, kit_cat, &o, &m);
			rr_alloc_fail_at(0);
			if (rc == RR_OK) {
				assert_same_model(&x, &m);
				model_free(&m);
				continue;
			}
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(m.sessions);
		}
		model_free(&with);
		dataset_free(&ds);
	}
}

/* ---- the incremental builder (sessions_begin / add / end) ---- */

/* Inputs of several rooms whose abnormal rows land on sessions, on calls
 * only, or nowhere. Rooms are numbered in the string table in the order
 * they first appear here, which is the order of their records. */
static const struct row parts_sessions_rows[] = {
	RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 90, 5008, 1),
	AX("r1", "", "a", 60, 4, 2017, "b"), AX("r1", "", "a", 60, 4, 2023, NULL),
	RC("r2", "c", "b", 10, 32788, -1), RC("r2", "c", "b", 50, 32789, -1),
	AX("r2", "c", "b", 120, 1, 1005, NULL),      /* after its only session */
	RC("r3", "", "c", 0, 5001, -1), RC("r3", "", "c", 30, 7001, 1),
	RC("r3", "", "c", 900, 5001, -1), RC("r3", "", "c", 960, 5008, 1),
	AX("r3", "", "c", 940, 2, -1, NULL),         /* the second call's session */
	AX("r3", "", "c", -120, 3, 1016, NULL),      /* before both: the nearest */
	END,
};

static const struct row parts_calls_rows[] = {
	RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 90, 5008, 1),
	AX("r1", "", "z", 60, 4, -1, NULL),          /* z has no session: the call */
	RC("r2", "", "a", 0, 5001, -1), RC("r2", "", "a", 30, 5008, 1),
	RC("r2", "", "a", 1000, 5001, -1), RC("r2", "", "a", 1030, 5008, 1),
	AX("r2", "", "y", 1010, 5, 2017, "a"),       /* inside the second call */
	AX("r2", "", "y", 500, 5, -1, NULL),         /* between calls: the nearer */
	END,
};

static const struct row parts_orphans_rows[] = {
	AX("q1", "", "w", 0, 4, -1, NULL),           /* rooms with no call at all */
	RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 90, 5008, 1),
	AX("q2", "", "w", 60, 4, 2017, NULL), AX("q2", "", "w", 60, 1, -1, NULL),
	RC("r2", "", "a", 0, 5001, -1), RC("r2", "", "a", 90, 5008, 1),
	AX("r2", "", "a", 30, 3, -1, NULL),
	AX("q3", "k", "v", 0, 2, 1005, "a"),
	END,
};

/* Events between abnormal rows of one (comm, user, time): the copies of the
 * abnormal rows must still form one experience per ExperienceId. */
static const struct row parts_interleaved_rows[] = {
	RC("r1", "", "a", 0, 5001, -1),
	AX("r1", "", "a", 60, 4, 2017, NULL), RC("r1", "", "a", 60, 3001, 1),
	AX("r1", "", "a", 60, 5, -1, NULL), RC("r1", "", "a", 60, 1003, 2),
	AX("r1", "", "a", 60, 4, 2023, "b"),
	RC("r1", "", "a", 90, 5008, 1),
	RC("r2", "", "b", 60, 5001, -1), AX("r2", "", "b", 60, 4, 2017, NULL),
	RC("r2", "", "b", 61, 5008, 1),
	END,
};

struct parts_case {
	const char *name;
	const struct row *rows;     /* NULL: random_rows(seed) */
	unsigned seed;
	/* Experiences on sessions, on calls only, orphans (-1: not checked). */
	int on_sessions, on_calls, orphans;
};

#define PARTS_MAX_VIEWS 64

/* Records [lo[i], hi[i]) of a finished dataset, cut at room boundaries. */
struct cut {
	size_t lo[PARTS_MAX_VIEWS], hi[PARTS_MAX_VIEWS];
	size_t n;
};

/* Cuts ds into `parts` views of whole rooms (as even in rooms as can be;
 * fewer when there are fewer rooms), or one per room when parts is 0;
 * with `empties`, an empty view goes before every view and after the last. */
static void cut_rooms(const struct dataset *ds, unsigned parts, int empties, struct cut *c)
{
	size_t starts[PARTS_MAX_VIEWS], nrooms = 0, k, i;

	for (i = 0; i < ds->nrecs; i++)
		if (i == 0 || ds->recs[i].room != ds->recs[i - 1].room) {
			assert_true(nrooms < PARTS_MAX_VIEWS);
			starts[nrooms++] = i;
		}
	k = parts == 0 || parts > nrooms ? nrooms : parts;
	c->n = 0;
	for (i = 0; i < k || (i == 0 && k == 0); i++) {
		size_t lo = k ? starts[i * nrooms / k] : 0;
		size_t hi = i + 1 < k ? starts[(i + 1) * nrooms / k] : ds->nrecs;

		if (empties) {
			c->lo[c->n] = c->hi[c->n] = lo;
			c->n++;
		}
		assert_true(c->n < PARTS_MAX_VIEWS - 1);
		c->lo[c->n] = lo;
		c->hi[c->n] = hi;
		c->n++;
	}
	if (empties) {
		c->lo[c->n] = c->hi[c->n] = ds->nrecs;
		c->n++;
	}
}

/* Which step of build_views failed (0: none). */
enum { STEP_NONE, STEP_BEGIN, STEP_ADD, STEP_END };

/* Builds a model from the views of c in turn. Each view's records are a
 * copy that is overwritten and freed as soon as sessions_add returns, so a
 * record read later makes a different model (or an ASan report). Returns
 * the status of the step that failed, or RR_OK; *step says which. */
static int build_views(const struct dataset *full, const struct cut *c,
		       const struct sessions_options *o, struct model *m, int *step)
{
	/* Not NULL, so that a failing begin is seen to clear it. */
	struct sessions_builder *sb = (struct sessions_builder *)1;
	int rc;

	memset(m, 0, sizeof *m);
	*step = STEP_BEGIN;
	rc = sessions_begin(kit_cat, o, &sb);
	if (rc != RR_OK) {
		assert_null(sb);
		return rc;
	}
	assert_non_null(sb);
	*step = STEP_ADD;
	for (size_t i = 0; i < c->n; i++) {
		size_t n = c->hi[i] - c->lo[i];
		struct record *copy = malloc(n ? n * sizeof *copy : 1);
		struct dataset v = *full;

		assert_non_null(copy);
		if (n)
			memcpy(copy, full->recs + c->lo[i], n * sizeof *copy);
		v.recs = copy;
		v.nrecs = v.caprecs = n;
		rc = sessions_add(sb, &v);
		memset(copy, 0xa5, n * sizeof *copy);
		free(copy);
		if (rc != RR_OK) {
			sessions_abort(sb);
			return rc;
		}
	}
	*step = STEP_END;
	rc = sessions_end(sb, m);
	if (rc == RR_OK)
		*step = STEP_NONE;
	return rc;
}

/* b, built from the views of c, is a (built from all records), except that
 * its calls' record ranges count from the start of their view. */
static void assert_same_from_views(const struct model *a, const struct model *b,
				   const struct cut *c)
{
	assert_int_equal(a->nsessions, b->nsessions);
	assert_int_equal(a->ncalls, b->ncalls);
	assert_int_equal(a->nfindings, b->nfindings);
	assert_int_equal(a->nexperiences, b->nexperiences);
	assert_int_equal(a->ncauses, b->ncauses);
	assert_int_equal(a->first_orphan_exp, b->first_orphan_exp);
	assert_int_equal(a->norphan_exp, b->norphan_exp);
	if (a->nsessions)
		assert_memory_equal(a->sessions, b->sessions, a->nsessions * sizeof *a->sessions);
	assert_true((a->details == NULL) == (b->details == NULL));
	if (a->details && a->nsessions)
		assert_memory_equal(a->details, b->details, a->nsessions * sizeof *a->details);
	/* Spans as one dataset gives them; outside events' records index the
	 * dataset their call was built from. */
	assert_int_equal(a->nspans, b->nspans);
	if (a->nspans)
		assert_memory_equal(a->spans, b->spans, a->nspans * sizeof *a->spans);
	assert_int_equal(a->noutside, b->noutside);
	for (uint32_t i = 0; i < a->noutside; i++) {
		const struct call *ca = &a->calls[a->outside[i].call];

		assert_int_equal(a->outside[i].call, b->outside[i].call);
		assert_int_equal(a->outside[i].rec - ca->rec_first,
				 b->outside[i].rec - b->calls[b->outside[i].call].rec_first);
	}
	for (uint32_t i = 0; i < a->ncalls; i++) {
		struct call x = b->calls[i];
		size_t v;

		for (v = 0; v < c->n && !(c->lo[v] <= a->calls[i].rec_first &&
					  a->calls[i].rec_first < c->hi[v]); v++)
			;
		assert_true(v < c->n);
		assert_true(a->calls[i].rec_end <= c->hi[v]);
		assert_int_equal(x.rec_first + c->lo[v], a->calls[i].rec_first);
		assert_int_equal(x.rec_end + c->lo[v], a->calls[i].rec_end);
		x.rec_first = a->calls[i].rec_first;
		x.rec_end = a->calls[i].rec_end;
		assert_memory_equal(&x, &a->calls[i], sizeof x);
	}
	if (a->nexperiences)
		assert_memory_equal(a->experiences, b->experiences,
				    a->nexperiences * sizeof *a->experiences);
	if (a->ncauses)
		assert_memory_equal(a->causes, b->causes, a->ncauses * sizeof *a->causes);
	for (uint32_t i = 0; i < a->nfindings; i++) {
		assert_string_equal(a->findings[i].code, b->findings[i].code);
		assert_int_equal(a->findings[i].severity, b->findings[i].severity);
		assert_int_equal(a->findings[i].time_ms, b->findings[i].time_ms);
		assert_string_equal(a->findings[i].text, b->findings[i].text);
	}
}

static void assert_experience_classes(const struct model *m, const struct parts_case *pc)
{
	int on_sessions = 0, on_calls = 0, orphans = 0;

	for (uint32_t i = 0; i < m->nexperiences; i++) {
		const struct experience *x = &m->experiences[i];

		if (x->session != RR_NOIDX)
			on_sessions++;
		else if (x->call != RR_NOIDX)
			on_calls++;
		else
			orphans++;
	}
	if (pc->on_sessions >= 0)
		assert_int_equal(on_sessions, pc->on_sessions);
	if (pc->on_calls >= 0)
		assert_int_equal(on_calls, pc->on_calls);
	if (pc->orphans >= 0)
		assert_int_equal(orphans, pc->orphans);
}

/* Every input of this file's tables, the multi-room ones above and random
 * ones: the model from views of 1, 2, 3 and one room each, on one thread
 * and on three, is the model sessions_build makes from all records. */
static void test_views_same_model(void **state)
{
	static const struct parts_case own[] = {
		{ "abnormal rows on sessions in three rooms", parts_sessions_rows, 0, 4, 0, 0 },
		{ "abnormal rows on calls only", parts_calls_rows, 0, 0, 3, 0 },
		{ "orphans between rooms with calls", parts_orphans_rows, 0, 1, 0, 4 },
		{ "events between abnormal rows of one key", parts_interleaved_rows, 0, 3, 0, 0 },
		{ "experiences attachment fixture", attach_rows, 0, 5, 2, 1 },
		{ "same CommId fixture", same_comm_rows, 0, 2, 0, 0 },
		{ "out-of-memory fixture", oom_rows, 0, 1, 1, 1 },
		{ "random 1", NULL, 1, -1, -1, -1 },
		{ "random 2", NULL, 2, -1, -1, -1 },
		{ "random 3", NULL, 3, -1, -1, -1 },
	};
	static const struct { unsigned parts; int empties; } cuts[] = {
		{ 1, 0 }, { 2, 0 }, { 3, 0 }, { 0, 0 }, { 0, 1 },
	};
	size_t ncases = sizeof own / sizeof own[0] + sizeof session_cases / sizeof session_cases[0] +
			sizeof call_cases / sizeof call_cases[0] +
			sizeof finding_cases / sizeof finding_cases[0];

	(void)state;
	for (size_t t = 0; t < ncases; t++) {
		struct parts_case pc = { NULL, NULL, 0, -1, -1, -1 };
		struct sessions_options o;
		struct dataset ds;
		struct model whole;
		size_t k = t;

		if (k < sizeof own / sizeof own[0]) {
			pc = own[k];
		} else if ((k -= sizeof own / sizeof own[0]) <
			   sizeof session_cases / sizeof session_cases[0]) {
			pc.name = session_cases[k].name;
			pc.rows = session_cases[k].rows;
		} else if ((k -= sizeof session_cases / sizeof session_cases[0]) <
			   sizeof call_cases / sizeof call_cases[0]) {
			pc.name = call_cases[k].name;
			pc.rows = call_cases[k].rows;
		} else {
			k -= sizeof call_cases / sizeof call_cases[0];
			pc.name = finding_cases[k].name;
			pc.rows = finding_cases[k].rows;
		}
		print_message("case: %s\n", pc.name);
		if (pc.rows)
			load(&ds, pc.rows);
		else
			random_rows(&ds, pc.seed, 3000);
		sessions_options_init(&o);
		o.details = 1;
		o.threads = 1;
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &whole), RR_OK);
		assert_experience_classes(&whole, &pc);
		for (size_t ci = 0; ci < sizeof cuts / sizeof cuts[0]; ci++) {
			struct cut c;

			cut_rooms(&ds, cuts[ci].parts, cuts[ci].empties, &c);
			for (unsigned th = 1; th <= 3; th += 2) {
				struct model m;
				int step;

				o.threads = th;
				assert_int_equal(build_views(&ds, &c, &o, &m, &step), RR_OK);
				assert_same_from_views(&whole, &m, &c);
				model_free(&m);
			}
		}
		model_free(&whole);
		dataset_free(&ds);
	}
}

/* The cut itself: views hold whole rooms, in order, and cover everything
 * (so the test above really splits inputs of several rooms). */
static void test_cut_rooms(void **state)
{
	struct dataset ds;
	struct cut c;

	(void)state;
	load(&ds, parts_orphans_rows);   /* rooms q1 r1 q2 r2 q3 */
	cut_rooms(&ds, 0, 0, &c);
	assert_int_equal(c.n, 5);
	cut_rooms(&ds, 2, 0, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.lo[0], 0);
	assert_int_equal(c.hi[0], c.lo[1]);
	assert_int_equal(c.hi[1], ds.nrecs);
	assert_int_not_equal(ds.recs[c.lo[1]].room, ds.recs[c.lo[1] - 1].room);
	cut_rooms(&ds, 3, 1, &c);
	assert_int_equal(c.n, 7);
	assert_int_equal(c.hi[0], c.lo[0]);
	assert_int_equal(c.hi[6], ds.nrecs);
	dataset_free(&ds);
}

/* An allocation failing in begin, in any add or in end gives RR_ENOMEM
 * from that step, an empty model when it is end, and no leak (the
 * sanitizer build checks that); with no failure, the same model. */
static void test_views_out_of_memory(void **state)
{
	static const struct { const struct row *rows; unsigned seed; unsigned long stride; } cases[] = {
		{ parts_orphans_rows, 0, 1 }, { attach_rows, 0, 1 }, { parts_calls_rows, 0, 1 },
		{ NULL, 4, 5 },
	};

	(void)state;
	for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
		struct sessions_options o;
		struct dataset ds;
		struct model whole;
		struct cut c;

		if (cases[t].rows)
			load(&ds, cases[t].rows);
		else
			random_rows(&ds, cases[t].seed, 3000);
		cut_rooms(&ds, 0, 1, &c);
		sessions_options_init(&o);
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &whole), RR_OK);
		for (unsigned th = 1; th <= 3; th += 2) {
			int seen[4] = { 0, 0, 0, 0 }, ok = 0;

			o.threads = th;
			for (unsigned long n = 1; n < 20000 && !ok; n += cases[t].stride) {
				struct model m;
				int rc, step;

				rr_alloc_fail_at(n);
				rc = build_views(&ds, &c, &o, &m, &step);
				rr_alloc_fail_at(0);
				seen[step] = 1;
				if (rc == RR_OK) {
					ok = 1;
					assert_same_from_views(&whole, &m, &c);
					model_free(&m);
					continue;
				}
				assert_int_equal(rc, RR_ENOMEM);
				assert_int_equal(m.nsessions, 0);
				assert_int_equal(m.ncalls, 0);
				assert_null(m.sessions);
				assert_null(m.calls);
				assert_null(m.findings);
				assert_null(m.experiences);
			}
			assert_true(ok);
			/* Failures were met in every step. */
			assert_true(seen[STEP_BEGIN] && seen[STEP_ADD] && seen[STEP_END]);
		}
		model_free(&whole);
		dataset_free(&ds);
	}
}

/* Nothing added: an empty model; a builder dropped unfinished (NULL too)
 * frees what it holds. */
static void test_builder_empty_and_abort(void **state)
{
	struct sessions_options o;
	struct sessions_builder *sb;
	struct dataset ds;
	struct model m;

	(void)state;
	sessions_options_init(&o);
	assert_int_equal(sessions_begin(kit_cat, &o, &sb), RR_OK);
	assert_int_equal(sessions_end(sb, &m), RR_OK);
	assert_int_equal(m.ncalls, 0);
	assert_int_equal(m.nsessions, 0);
	assert_int_equal(m.nexperiences, 0);
	model_free(&m);

	load(&ds, parts_sessions_rows);
	assert_int_equal(sessions_begin(kit_cat, &o, &sb), RR_OK);
	assert_int_equal(sessions_add(sb, &ds), RR_OK);
	sessions_abort(sb);
	sessions_abort(NULL);
	dataset_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_dataset),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_input_order_same_model),
		cmocka_unit_test(test_threads_same_model),
		cmocka_unit_test(test_gather_same_as_permute),
		cmocka_unit_test(test_views_same_model),
		cmocka_unit_test(test_cut_rooms),
		cmocka_unit_test(test_views_out_of_memory),
		cmocka_unit_test(test_builder_empty_and_abort),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
