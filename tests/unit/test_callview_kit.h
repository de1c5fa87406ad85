/*
 * What the callview tests share (test_callview*.c): rows of input, and a
 * fixture that builds one call page's dataset, model and report from them
 * in a given zone.
 */
#ifndef RR_TEST_CALLVIEW_KIT_H
#define RR_TEST_CALLVIEW_KIT_H

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)floor((sec) * 1000 + 0.5))   /* rounded, also before T0 */
#define END { NULL, NULL, 0, 0, 0, 0, 0, NULL }

enum { EV = REC_EVENT, AB = REC_ABNORMAL };

/* One input row; abnormal rows: id = ExperienceId, p1 = AbnormalEventId. */
struct row {
	const char *comm, *user;
	double sec;
	int kind;
	int32_t id, p1, p2;
	const char *peer;
};

#define E(c, u, s, i, a) { c, u, s, EV, i, a, -1, NULL }
#define E2(c, u, s, i, a, b) { c, u, s, EV, i, a, b, NULL }

/* Everything one call page needs, built in the given zone. */
struct fixture {
	struct dataset ds;
	struct model m;
	struct report r;
	struct tz *tz;
};

static inline void intern(struct dataset *ds, const char *s, uint32_t *id)
{
	assert_int_equal(strtab_intern(ds->strs, s, strlen(s), id), RR_OK);
}

static inline void fixture_build(struct fixture *fx, const struct row *rows, const char *zone)
{
	struct sessions_options o;
	char err[128];

	memset(fx, 0, sizeof *fx);
	assert_int_equal(tz_open(zone, &fx->tz, err, sizeof err), RR_OK);
	assert_int_equal(dataset_init(&fx->ds), RR_OK);
	for (; rows->user; rows++) {
		struct record r;

		memset(&r, 0, sizeof r);
		r.time_ms = S(rows->sec);
		r.room = kit_intern(fx->ds.strs, "room");
		r.comm = kit_intern(fx->ds.strs, rows->comm);
		r.user = kit_intern(fx->ds.strs, rows->user);
		if (rows->peer)
			r.peer = kit_intern(fx->ds.strs, rows->peer);
		r.kind = (uint8_t)rows->kind;
		r.id = rows->id;
		r.p1 = rows->p1;
		r.p2 = rows->kind == AB ? -1 : rows->p2;
		r.stream = -1;
		assert_int_equal(dataset_append(&fx->ds, &r), RR_OK);
	}
	assert_int_equal(dataset_finish(&fx->ds), RR_OK);
	sessions_options_init(&o);
	o.display_tz = fx->tz;
	assert_int_equal(sessions_build(&fx->ds, kit_cat, &o, &fx->m), RR_OK);
	assert_int_equal(report_build(&fx->ds, &fx->m, NULL, kit_cat, fx->tz, &fx->r), RR_OK);
}

static inline void fixture_free(struct fixture *fx)
{
	report_free(&fx->r);
	model_free(&fx->m);
	dataset_free(&fx->ds);
	tz_free(fx->tz);
}

#endif
