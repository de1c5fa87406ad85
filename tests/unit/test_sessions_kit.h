/*
 * What the sessions tests share (test_sessions*.c): rows of input as
 * tables, loading them into a finished dataset, building the model, and
 * checking sessions against the wanted ones.
 */
#ifndef RR_TEST_SESSIONS_KIT_H
#define RR_TEST_SESSIONS_KIT_H

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)((sec) * 1000 + ((sec) < 0 ? -0.5 : 0.5)))
#define NONE RR_NONE
#define END { NULL, NULL, NULL, 0, 0, 0, 0, 0, NULL }

enum { EV = REC_EVENT, AB = REC_ABNORMAL };

/* One input row. Abnormal rows: id = ExperienceId, p1 = AbnormalEventId. */
struct row {
	const char *room, *comm, *user;
	double sec;
	int kind;
	int32_t id, p1, p2;
	const char *peer;
};

/* Shorthands: an event of user u in room "r" without CommId. */
#define E(u, s, i, a) { "r", "", u, s, EV, i, a, -1, NULL }
#define E2(u, s, i, a, b) { "r", "", u, s, EV, i, a, b, NULL }
/* An event and an abnormal row in a room and CommId of one's choosing. */
#define RC(room, comm, u, s, i, a) { room, comm, u, s, EV, i, a, -1, NULL }
#define AX(room, comm, u, s, exp, cause, peer) { room, comm, u, s, AB, exp, cause, -1, peer }


static inline void load(struct dataset *ds, const struct row *rows)
{
	assert_int_equal(dataset_init(ds), RR_OK);
	for (; rows->room; rows++) {
		struct record r;

		memset(&r, 0, sizeof r);
		r.time_ms = S(rows->sec);
		r.room = kit_intern(ds->strs, rows->room);
		r.comm = kit_intern(ds->strs, rows->comm);
		r.user = kit_intern(ds->strs, rows->user);
		if (rows->peer)
			r.peer = kit_intern(ds->strs, rows->peer);
		r.kind = (uint8_t)rows->kind;
		r.id = rows->id;
		r.p1 = rows->p1;
		r.p2 = rows->kind == AB ? -1 : rows->p2;
		r.stream = -1;
		assert_int_equal(dataset_append(ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(ds), RR_OK);
}

static inline void build_on(const struct row *rows, unsigned threads, struct dataset *ds, struct model *m)
{
	struct sessions_options o;

	sessions_options_init(&o);
	o.threads = threads;
	load(ds, rows);
	assert_int_equal(sessions_build(ds, kit_cat, &o, m), RR_OK);
}

static inline void build(const struct row *rows, struct dataset *ds, struct model *m)
{
	build_on(rows, 0, ds, m);
}

static inline const char *str(const struct dataset *ds, uint32_t id)
{
	return strtab_str(ds->strs, id);
}

struct want_session {
	const char *user;
	double start, end, last_seen;
	enum exit_reason exit;
	int observed, entered;
	int64_t latency_ms;
	enum platform platform;
	uint32_t reentries;
};

/* The sessions of m (one call) against want: times, exit, entry. */
static inline void check_sessions(const struct dataset *ds, const struct model *m,
			   const struct want_session *want, uint32_t nwant)
{
	assert_int_equal(m->nsessions, nwant);
	for (uint32_t i = 0; i < nwant; i++) {
		const struct want_session *w = &want[i];
		const struct session *s = &m->sessions[i];

		print_message("  session %u\n", i);
		assert_string_equal(str(ds, s->user), w->user);
		assert_int_equal(s->start_ms, S(w->start));
		assert_int_equal(s->end_ms, S(w->end));
		assert_int_equal(s->last_seen_ms, S(w->last_seen));
		assert_string_equal(exit_reason_name(s->exit), exit_reason_name(w->exit));
		assert_int_equal(s->start_observed, w->observed);
		assert_int_equal(s->entered, w->entered);
		assert_int_equal(s->entry_latency_ms, w->latency_ms);
		assert_string_equal(platform_name(s->platform), platform_name(w->platform));
		assert_int_equal(s->reentries, w->reentries);
	}
}

#endif
