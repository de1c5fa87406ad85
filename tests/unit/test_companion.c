/*
 * Tests for companion.c (and the model helpers it uses from sessions.c):
 * users rows linked by CommId and by room and time, device/SDK/IP on
 * sessions, users still in the room at export, join/leave disagreements,
 * rooms rows on calls, quality samples counted per call and the findings
 * their thresholds raise, model_add_findings / model_drop_findings, and
 * out-of-memory paths that must leave the model untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "companion.h"
#include "dataset.h"
#include "sessions.h"
#include "tz.h"
#include "kit.h"
#include "util.h"

#define T0 1795168800000LL          /* 2026-11-20 10:00:00 UTC */
#define S(sec) (T0 + (int64_t)llround((sec) * 1000))
#define NO -1.0                     /* "not given" for a time in seconds */


struct fixture {
	struct dataset ds;
	struct model m;
};

static uint32_t sid(struct fixture *fx, const char *s)
{
	uint32_t id = 0;

	if (s && *s)
		assert_int_equal(strtab_intern(fx->ds.strs, s, strlen(s), &id), RR_OK);
	return id;
}

static void fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	assert_int_equal(dataset_init(&fx->ds), RR_OK);
}

static void ev(struct fixture *fx, const char *comm, const char *user, double sec,
	       int32_t id, int32_t p1)
{
	struct record r;

	memset(&r, 0, sizeof r);
	r.time_ms = S(sec);
	r.room = sid(fx, "room");
	r.comm = sid(fx, comm);
	r.user = sid(fx, user);
	r.kind = REC_EVENT;
	r.id = id;
	r.p1 = p1;
	r.p2 = -1;
	r.stream = -1;
	assert_int_equal(dataset_append(&fx->ds, &r), RR_OK);
}

/* A plain SDK session: enters at sec, leaves normally (p1 of 7001) at end. */
static void stay(struct fixture *fx, const char *comm, const char *user, double sec,
		 double end, int exit_p1)
{
	ev(fx, comm, user, sec, 5001, -1);
	ev(fx, comm, user, sec + 1, 5003, 1);
	if (exit_p1 >= 0)
		ev(fx, comm, user, end, 7001, exit_p1);
	else
		ev(fx, comm, user, end, 1003, 1);   /* last event, no exit */
}

static void user_row(struct fixture *fx, const char *comm, const char *user, double join,
		     double leave, int finished, const char *device, const char *sdk,
		     const char *ip)
{
	struct user_info u;

	memset(&u, 0, sizeof u);
	u.room = sid(fx, "room");
	u.comm = sid(fx, comm);
	u.user = sid(fx, user);
	u.join_ms = join == NO ? RR_NONE : S(join);
	u.leave_ms = leave == NO ? RR_NONE : S(leave);
	u.finished = (int8_t)finished;
	u.device = sid(fx, device);
	u.sdk = sid(fx, sdk);
	u.ip = sid(fx, ip);
	assert_int_equal(dataset_append_user(&fx->ds, &u), RR_OK);
}

static void room_row(struct fixture *fx, const char *comm, double create, double destroy,
		     int finished)
{
	struct room_info r;

	memset(&r, 0, sizeof r);
	r.room = sid(fx, "room");
	r.comm = sid(fx, comm);
	r.create_ms = create == NO ? RR_NONE : S(create);
	r.destroy_ms = destroy == NO ? RR_NONE : S(destroy);
	r.finished = (int8_t)finished;
	assert_int_equal(dataset_append_room(&fx->ds, &r), RR_OK);
}

/* n samples of metric from sec every step seconds, all of value v. room
 * NULL: the file gave no RoomId. */
static void series(struct fixture *fx, const char *room, const char *comm, const char *user,
		   const char *peer, const char *metric, double sec, double step, int n, double v)
{
	struct quality_sample q;
	int i;

	memset(&q, 0, sizeof q);
	q.room = sid(fx, room);
	q.comm = sid(fx, comm);
	q.user = sid(fx, user);
	q.peer = sid(fx, peer);
	assert_int_equal(dataset_metric(&fx->ds, sid(fx, metric), &q.metric), RR_OK);
	q.value = (float)v;
	for (i = 0; i < n; i++) {
		q.time_ms = S(sec + i * step);
		assert_int_equal(dataset_append_quality(&fx->ds, &q), RR_OK);
	}
}

static void fx_build(struct fixture *fx)
{
	struct sessions_options so;
	struct companion_options co;

	assert_int_equal(dataset_finish(&fx->ds), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&fx->ds, kit_cat, &so, &fx->m), RR_OK);
	companion_options_init(&co);
	assert_int_equal(companion_link(&fx->ds, &co, &fx->m), RR_OK);
}

static void fx_free(struct fixture *fx)
{
	model_free(&fx->m);
	dataset_free(&fx->ds);
}

static const char *str(const struct fixture *fx, uint32_t id)
{
	return strtab_str(fx->ds.strs, id);
}

/* The session of user in call number `call` (its first one at or after sec). */
static const struct session *find_session(const struct fixture *fx, const char *user, double sec)
{
	uint32_t i;

	for (i = 0; i < fx->m.nsessions; i++) {
		const struct session *s = &fx->m.sessions[i];

		if (strcmp(str(fx, s->user), user) == 0 && s->start_ms >= S(sec))
			return s;
	}
	fail_msg("no session of %s from %g s", user, sec);
	return NULL;
}

static const struct finding *find_code(const struct fixture *fx, const struct session *s,
				       const char *code)
{
	uint32_t k;

	for (k = 0; k < s->nfindings; k++)
		if (strcmp(fx->m.findings[s->first_finding + k].code, code) == 0)
			return &fx->m.findings[s->first_finding + k];
	return NULL;
}

/* Every session's findings in order and every call's counts match them. */
static void check_model_findings(const struct model *m)
{
	uint32_t c, i, k, counts[SEV__COUNT], total = 0;

	for (c = 0; c < m->ncalls; c++) {
		const struct call *cl = &m->calls[c];

		memset(counts, 0, sizeof counts);
		for (i = 0; i < cl->nsessions; i++) {
			const struct session *s = &m->sessions[cl->first_session + i];

			for (k = 0; k < s->nfindings; k++) {
				const struct finding *f = &m->findings[s->first_finding + k];

				counts[f->severity]++;
				total++;
				if (k > 0) {
					const struct finding *p = f - 1;

					assert_true(p->severity > f->severity ||
						    (p->severity == f->severity &&
						     (p->time_ms < f->time_ms ||
						      (p->time_ms == f->time_ms &&
						       strcmp(p->code, f->code) <= 0))));
				}
			}
		}
		assert_memory_equal(counts, cl->findings, sizeof counts);
	}
	assert_int_equal(total, m->nfindings);
}

/* ---- users file ---- */

static void test_users_by_comm(void **state)
{
	struct fixture fx;
	const struct session *a1, *a2, *b2;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 100, 0);
	stay(&fx, "c2", "alice", 1000, 1100, 0);
	stay(&fx, "c2", "bob", 1010, 1100, 0);
	/* Times far from the events: with a CommId they do not matter for
	 * linking, only for the mismatch findings (tolerance 60 s). */
	user_row(&fx, "c2", "alice", 1000, 1100, 1, "iPhone14,2", "11.4.0", "10.0.0.1");
	user_row(&fx, "c2", "bob", 1000, NO, 1, "Pixel 7", "", "");
	user_row(&fx, "c9", "carol", 0, 10, 1, "x", "y", "z");   /* no such call */
	fx_build(&fx);

	a1 = find_session(&fx, "alice", 0);
	a2 = find_session(&fx, "alice", 1000);
	b2 = find_session(&fx, "bob", 1000);
	assert_int_equal(a1->device, 0);
	assert_int_equal(a1->user_info, RR_NOIDX);
	assert_string_equal(str(&fx, a2->device), "iPhone14,2");
	assert_string_equal(str(&fx, a2->sdk), "11.4.0");
	assert_string_equal(str(&fx, a2->ip), "10.0.0.1");
	assert_int_not_equal(a2->user_info, RR_NOIDX);
	assert_int_equal(fx.ds.users[a2->user_info].user, a2->user);
	assert_string_equal(str(&fx, b2->device), "Pixel 7");
	assert_int_equal(b2->sdk, 0);
	assert_int_equal(b2->ip, 0);
	assert_null(find_code(&fx, a2, "join_mismatch"));
	assert_null(find_code(&fx, b2, "join_mismatch"));   /* 10 s: within tolerance */
	check_model_findings(&fx.m);
	fx_free(&fx);
}

static void test_users_by_room_and_time(void **state)
{
	struct fixture fx;
	const struct session *a1, *a2, *b1, *b2;

	(void)state;
	fx_init(&fx);
	/* No CommId: two calls split by the 5 min gap. */
	stay(&fx, "", "alice", 0, 100, 0);
	stay(&fx, "", "alice", 2000, 2100, 0);
	stay(&fx, "", "bob", 0, 100, 0);
	stay(&fx, "", "bob", 2000, 2100, 0);
	user_row(&fx, "", "alice", 0, 100, 1, "phone-1", "", "");
	user_row(&fx, "", "alice", 2000, 2100, 1, "phone-2", "", "");
	user_row(&fx, "", "bob", NO, NO, -1, "laptop", "", "");   /* no times: every session */
	fx_build(&fx);
	assert_int_equal(fx.m.ncalls, 2);
	a1 = find_session(&fx, "alice", 0);
	a2 = find_session(&fx, "alice", 2000);
	b1 = find_session(&fx, "bob", 0);
	b2 = find_session(&fx, "bob", 2000);
	assert_string_equal(str(&fx, a1->device), "phone-1");
	assert_string_equal(str(&fx, a2->device), "phone-2");
	assert_string_equal(str(&fx, b1->device), "laptop");
	assert_string_equal(str(&fx, b2->device), "laptop");
	assert_int_equal(fx.m.nfindings, 0);
	fx_free(&fx);
}

static void test_users_closest_join_wins(void **state)
{
	struct fixture fx;
	const struct session *a;

	(void)state;
	fx_init(&fx);
	/* The nearest join wins on either side of the start: clocks of the
	 * users file and of the events differ by a second or so. */
	stay(&fx, "c1", "alice", 100, 200, 0);
	user_row(&fx, "c1", "alice", 50, NO, -1, "early", "", "");
	user_row(&fx, "c1", "alice", 95, NO, -1, "close-before", "", "");
	user_row(&fx, "c1", "alice", 101, NO, -1, "just-after", "", "");
	fx_build(&fx);
	a = find_session(&fx, "alice", 0);
	assert_string_equal(str(&fx, a->device), "just-after");
	fx_free(&fx);

	/* Equally near: the earlier row. */
	fx_init(&fx);
	stay(&fx, "c1", "alice", 100, 200, 0);
	user_row(&fx, "c1", "alice", 97, NO, -1, "before", "", "");
	user_row(&fx, "c1", "alice", 103, NO, -1, "after", "", "");
	fx_build(&fx);
	a = find_session(&fx, "alice", 0);
	assert_string_equal(str(&fx, a->device), "before");
	fx_free(&fx);
}

static void test_still_in_room(void **state)
{
	struct fixture fx;
	const struct session *a, *b, *c;
	const struct finding *f;
	const struct call *cl;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 300, -1);     /* no exit: last seen at 300 s */
	stay(&fx, "c1", "bob", 0, 200, 0);        /* left normally */
	stay(&fx, "c1", "carol", 0, 250, -1);     /* no exit, and the file says she left */
	user_row(&fx, "c1", "alice", 0, 900, 0, "", "", "");
	user_row(&fx, "c1", "bob", 0, 900, 0, "", "", "");
	user_row(&fx, "c1", "carol", 0, 250, 1, "", "", "");
	fx_build(&fx);
	cl = &fx.m.calls[0];
	a = find_session(&fx, "alice", 0);
	b = find_session(&fx, "bob", 0);
	c = find_session(&fx, "carol", 0);

	assert_int_equal(a->exit, EXIT_ONGOING);
	assert_null(find_code(&fx, a, "no_exit"));
	f = find_code(&fx, a, "still_in_room");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_INFO);
	assert_int_equal(f->time_ms, S(300));
	assert_string_equal(f->text,
			    "Still in the room when the data was exported (last seen 10:05:00)");

	assert_int_equal(b->exit, EXIT_NORMAL);
	f = find_code(&fx, b, "leave_mismatch");
	assert_non_null(f);
	assert_string_equal(f->text, "Users file says still in the room at export, but the "
			    "events show an exit at 10:03:20 (normal)");

	assert_int_equal(c->exit, EXIT_UNKNOWN);
	assert_non_null(find_code(&fx, c, "no_exit"));

	assert_int_equal(cl->exits[EXIT_ONGOING], 1);
	assert_int_equal(cl->exits[EXIT_UNKNOWN], 1);
	assert_int_equal(cl->exits[EXIT_NORMAL], 1);
	assert_int_equal(cl->findings[SEV_WARNING], 1);   /* carol's no_exit only */
	assert_int_equal(cl->findings[SEV_INFO], 2);
	check_model_findings(&fx.m);
	fx_free(&fx);
}

/* Only the user's last session in the call can still be in the room. */
static void test_still_in_room_last_session_only(void **state)
{
	struct fixture fx;
	const struct session *a1, *a2;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 100, -1);     /* unknown exit, then a new 5001 */
	stay(&fx, "c1", "alice", 200, 300, -1);
	user_row(&fx, "c1", "alice", NO, NO, 0, "", "", "");
	fx_build(&fx);
	a1 = find_session(&fx, "alice", 0);
	a2 = find_session(&fx, "alice", 150);
	assert_int_equal(a1->exit, EXIT_UNKNOWN);
	assert_int_equal(a2->exit, EXIT_ONGOING);
	check_model_findings(&fx.m);
	fx_free(&fx);

	/* Without a CommId or times a row covers every call of the room; only
	 * the latest can still be going on. */
	fx_init(&fx);
	stay(&fx, "", "alice", 0, 100, -1);
	stay(&fx, "", "alice", 5000, 5100, -1);
	user_row(&fx, "", "alice", NO, NO, 0, "phone", "", "");
	fx_build(&fx);
	assert_int_equal(fx.m.ncalls, 2);
	a1 = find_session(&fx, "alice", 0);
	a2 = find_session(&fx, "alice", 1000);
	assert_string_equal(str(&fx, a1->device), "phone");
	assert_int_equal(a1->exit, EXIT_UNKNOWN);
	assert_non_null(find_code(&fx, a1, "no_exit"));
	assert_int_equal(a2->exit, EXIT_ONGOING);
	assert_non_null(find_code(&fx, a2, "still_in_room"));
	check_model_findings(&fx.m);
	fx_free(&fx);
}

static const struct mismatch_case {
	const char *name;
	double join, leave;
	int finished;
	const char *code, *text;
} mismatch_cases[] = {
	{ "join 5 min before", -300, 600, 1, "join_mismatch",
	  "Users file says joined at 09:55:00; events show 10:00:00 (5 min 00 s later)" },
	{ "join 2 min after", 120, 600, 1, "join_mismatch",
	  "Users file says joined at 10:02:00; events show 10:00:00 (2 min 00 s earlier)" },
	{ "leave 90 s before", 0, 510, 1, "leave_mismatch",
	  "Users file says left at 10:08:30; events show 10:10:00 (1 min 30 s later)" },
	{ "leave ignored while in the room", 0, 9999, 0, NULL, NULL },
	{ "leave ignored when not known finished", 0, 9999, -1, NULL, NULL },
	{ "within tolerance", 59, 660, 1, NULL, NULL },
};

static void test_join_leave_mismatch(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof mismatch_cases / sizeof mismatch_cases[0]; i++) {
		const struct mismatch_case *mc = &mismatch_cases[i];
		struct fixture fx;
		const struct session *a;

		print_message("case: %s\n", mc->name);
		fx_init(&fx);
		stay(&fx, "c1", "alice", 0, 600, 0);
		user_row(&fx, "c1", "alice", mc->join, mc->leave, mc->finished, "", "", "");
		fx_build(&fx);
		a = find_session(&fx, "alice", 0);
		if (mc->code) {
			const struct finding *f = find_code(&fx, a, mc->code);

			assert_non_null(f);
			assert_int_equal(f->severity, SEV_INFO);
			assert_string_equal(f->text, mc->text);
			assert_int_equal(a->nfindings, 1);
		} else {
			assert_int_equal(a->nfindings, mc->finished == 0 ? 1 : 0);
		}
		check_model_findings(&fx.m);
		fx_free(&fx);
	}
}

/* ---- rooms file ---- */

static void test_rooms(void **state)
{
	struct fixture fx;
	const struct call *c1, *c2;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 100, 0);
	stay(&fx, "c2", "alice", 1000, 1100, 0);
	stay(&fx, "c3", "alice", 2000, 2100, 0);
	room_row(&fx, "c1", -5, 110, 1);
	room_row(&fx, "c2", 990, 5000, 0);       /* open at export: destroy means nothing */
	room_row(&fx, "c9", 0, 1, 1);            /* no such call: ignored */
	fx_build(&fx);
	assert_int_equal(fx.m.ncalls, 3);
	c1 = &fx.m.calls[0];
	c2 = &fx.m.calls[1];
	assert_int_equal(c1->created_ms, S(-5));
	assert_int_equal(c1->destroyed_ms, S(110));
	assert_int_equal(c1->ongoing, 0);
	assert_int_not_equal(c1->room_info, RR_NOIDX);
	assert_int_equal(c2->created_ms, S(990));
	assert_int_equal(c2->destroyed_ms, RR_NONE);
	assert_int_equal(c2->ongoing, 1);
	assert_int_equal(fx.m.calls[2].room_info, RR_NOIDX);
	assert_int_equal(fx.m.calls[2].created_ms, RR_NONE);
	assert_int_equal(fx.m.calls[2].destroyed_ms, RR_NONE);
	fx_free(&fx);
}

/* Events without a CommId: the rooms row goes to the calls its lifetime
 * overlaps. */
static void test_rooms_by_time(void **state)
{
	struct fixture fx;

	(void)state;
	fx_init(&fx);
	stay(&fx, "", "alice", 0, 100, 0);
	stay(&fx, "", "alice", 2000, 2100, 0);
	room_row(&fx, "room_1795170700", 1990, 2200, 1);
	fx_build(&fx);
	assert_int_equal(fx.m.ncalls, 2);
	assert_int_equal(fx.m.calls[0].room_info, RR_NOIDX);
	assert_int_equal(fx.m.calls[1].created_ms, S(1990));
	assert_int_equal(fx.m.calls[1].destroyed_ms, S(2200));
	fx_free(&fx);
}

/* ---- rows that match no call ---- */

/* One companion row against a fixed set of calls: amy in call c1 of "room"
 * (0..600 s), bob in a CommId-less call of "room" (3600..4200 s). kind: 'u'
 * users row (a, b = JoinTs, LeaveTs), 'r' rooms row (CreateTime,
 * DestroyTime), 'q' one quality sample at a. room NULL: the file gives none. */
static const struct um_case {
	const char *name;
	char kind;
	const char *room, *comm, *user;
	double a, b;
	uint64_t want;               /* rows of its kind unmatched */
} um_cases[] = {
	{ "users: CommId call holds the user", 'u', "room", "c1", "amy", 0, 600, 0 },
	{ "users: CommId call without the user", 'u', "room", "c1", "zed", 0, 600, 1 },
	{ "users: CommId of no call, user not in the room's calls without one", 'u', "room",
	  "c9", "amy", 0, 600, 1 },
	{ "users: no CommId, times overlap the session", 'u', "room", "", "bob", 3590, 4210, 0 },
	{ "users: no CommId, times an hour later", 'u', "room", "", "bob", 9000, 9600, 1 },
	{ "users: no CommId, no times", 'u', "room", "", "bob", NO, NO, 0 },
	{ "users: another room", 'u', "r2", "c1", "amy", 0, 600, 1 },
	{ "rooms: its call", 'r', "room", "c1", NULL, -5, 610, 0 },
	{ "rooms: no such call, lifetime holds the call without CommId", 'r', "room", "c9", NULL,
	  3500, 4300, 0 },
	{ "rooms: no such call, lifetime before the call without CommId", 'r', "room", "c9", NULL,
	  1000, 2000, 1 },
	{ "rooms: no such call, no times", 'r', "room", "c9", NULL, NO, NO, 0 },
	{ "rooms: another room", 'r', "r2", "c1", NULL, -5, 610, 1 },
	{ "quality: in its CommId call", 'q', "room", "c1", "amy", 100, 0, 0 },
	{ "quality: its CommId call counts it, user or not", 'q', "room", "c1", "zed", 100, 0, 0 },
	{ "quality: no CommId, in bob's session", 'q', "room", "", "bob", 3700, 0, 0 },
	{ "quality: no CommId, 59 s after bob's session", 'q', "room", "", "bob", 4259, 0, 0 },
	{ "quality: no CommId, 61 s after bob's session", 'q', "room", "", "bob", 4261, 0, 1 },
	{ "quality: no RoomId or CommId, in bob's session", 'q', NULL, "", "bob", 3700, 0, 0 },
	{ "quality: no RoomId, user with no session", 'q', NULL, "", "nobody", 3700, 0, 1 },
	{ "quality: CommId of no call", 'q', "room", "c9", "amy", 100, 0, 1 },
	{ "quality: another room", 'q', "r2", "c1", "amy", 100, 0, 1 },
};

static void test_unmatched_cases(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof um_cases / sizeof um_cases[0]; c++) {
		const struct um_case *tc = &um_cases[c];
		enum companion_kind k = tc->kind == 'u' ? COMPANION_USERS : tc->kind == 'r'
					? COMPANION_ROOMS : COMPANION_QUALITY;
		struct sessions_options so;
		struct companion_options co;
		struct unmatched um;
		struct fixture fx;
		uint64_t used;

		print_message("case: %s\n", tc->name);
		fx_init(&fx);
		stay(&fx, "c1", "amy", 0, 600, 0);
		stay(&fx, "", "bob", 3600, 4200, 0);
		if (tc->kind == 'u') {
			struct user_info u;

			memset(&u, 0, sizeof u);
			u.room = sid(&fx, tc->room);
			u.comm = sid(&fx, tc->comm);
			u.user = sid(&fx, tc->user);
			u.join_ms = tc->a == NO ? RR_NONE : S(tc->a);
			u.leave_ms = tc->b == NO ? RR_NONE : S(tc->b);
			u.finished = 1;
			u.line = 7;
			assert_int_equal(dataset_append_user(&fx.ds, &u), RR_OK);
		} else if (tc->kind == 'r') {
			struct room_info r;

			memset(&r, 0, sizeof r);
			r.room = sid(&fx, tc->room);
			r.comm = sid(&fx, tc->comm);
			r.create_ms = tc->a == NO ? RR_NONE : S(tc->a);
			r.destroy_ms = tc->b == NO ? RR_NONE : S(tc->b);
			r.finished = 1;
			r.line = 7;
			assert_int_equal(dataset_append_room(&fx.ds, &r), RR_OK);
		} else {
			series(&fx, tc->room, tc->comm, tc->user, NULL, "rtt", tc->a, 1, 1, 50);
		}
		assert_int_equal(dataset_finish(&fx.ds), RR_OK);
		sessions_options_init(&so);
		assert_int_equal(sessions_build(&fx.ds, kit_cat, &so, &fx.m), RR_OK);
		assert_int_equal(fx.m.ncalls, 2);
		companion_options_init(&co);
		memset(&um, 0xff, sizeof um);      /* zeroed by the call */
		assert_int_equal(companion_link_unmatched(&fx.ds, &co, &fx.m, &um), RR_OK);
		for (int j = 0; j < COMPANION__KINDS; j++) {
			assert_int_equal(um.rows[j], j == (int)k ? tc->want : 0);
			assert_int_equal(um.nex[j], j == (int)k ? (uint32_t)tc->want : 0);
		}
		if (tc->want) {
			const struct unmatched_example *x = &um.ex[k][0];

			assert_int_equal(x->rows, 1);
			assert_int_equal(x->line, tc->kind == 'q' ? 0 : 7);
			assert_int_equal(x->room, tc->room ? sid(&fx, tc->room) : 0);
			assert_int_equal(x->comm, sid(&fx, tc->comm));
			assert_int_equal(x->user, tc->user ? sid(&fx, tc->user) : 0);
		}
		/* The counts move from used to unmatched; the identity holds. */
		used = fx.ds.counts.used;
		companion_count_unmatched(&fx.ds, &um);
		assert_int_equal(fx.ds.counts.unmatched, tc->want);
		assert_int_equal(fx.ds.counts.used, used - tc->want);
		assert_int_equal(fx.ds.counts.users + fx.ds.counts.rooms + fx.ds.counts.quality +
				 fx.ds.counts.unmatched, 1);
		assert_int_equal(fx.ds.counts.used, fx.ds.counts.events + fx.ds.counts.abnormal +
				 fx.ds.counts.users + fx.ds.counts.rooms + fx.ds.counts.quality);
		fx_free(&fx);
	}
}

/* Many unmatched rows: all counted, the first few kept, a quality series
 * named once with its count. */
static void test_unmatched_examples(void **state)
{
	struct sessions_options so;
	struct companion_options co;
	struct unmatched um;
	struct fixture fx;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "amy", 0, 600, 0);
	for (int i = 0; i < 5; i++) {
		char u[8];

		snprintf(u, sizeof u, "u%d", i);
		user_row(&fx, "c1", u, 0, 600, 1, "", "", "");
	}
	user_row(&fx, "c1", "amy", 0, 600, 1, "phone", "", "");
	series(&fx, "room", "c7", "amy", NULL, "rtt", 0, 2, 40, 50);
	series(&fx, "room", "c7", "amy", NULL, "aLoss", 0, 2, 10, 1);
	assert_int_equal(dataset_finish(&fx.ds), RR_OK);
	sessions_options_init(&so);
	assert_int_equal(sessions_build(&fx.ds, kit_cat, &so, &fx.m), RR_OK);
	companion_options_init(&co);
	assert_int_equal(companion_link_unmatched(&fx.ds, &co, &fx.m, &um), RR_OK);
	assert_int_equal(um.rows[COMPANION_USERS], 5);
	assert_int_equal(um.nex[COMPANION_USERS], DATASET_UNMATCHED_EXAMPLES);
	assert_string_equal(str(&fx, um.ex[COMPANION_USERS][0].user), "u0");
	assert_string_equal(str(&fx, um.ex[COMPANION_USERS][2].user), "u2");
	assert_int_equal(um.rows[COMPANION_QUALITY], 50);
	assert_int_equal(um.nex[COMPANION_QUALITY], 2);
	assert_int_equal(um.ex[COMPANION_QUALITY][0].rows + um.ex[COMPANION_QUALITY][1].rows, 50);
	assert_string_equal(str(&fx, fx.ds.metrics[um.ex[COMPANION_QUALITY][0].metric]), "rtt");
	assert_int_equal(um.ex[COMPANION_QUALITY][0].rows, 40);
	/* The matched row still did its work. */
	assert_string_equal(str(&fx, fx.m.sessions[0].device), "phone");
	companion_count_unmatched(&fx.ds, &um);
	assert_int_equal(fx.ds.counts.users, 1);
	assert_int_equal(fx.ds.counts.quality, 0);
	assert_int_equal(fx.ds.counts.unmatched, 55);
	fx_free(&fx);
}

/* ---- quality ---- */

static void test_quality_counts(void **state)
{
	struct fixture fx;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 100, 0);
	stay(&fx, "c2", "alice", 1000, 1100, 0);
	stay(&fx, "", "bob", 3000, 3100, 0);
	/* With a CommId: every sample counts for that call, even outside
	 * alice's session. */
	series(&fx, "room", "c1", "alice", NULL, "rtt", 0, 1, 10, 50);
	series(&fx, "room", "c1", "alice", NULL, "rtt", 500, 1, 3, 50);
	series(&fx, "room", "c2", "alice", "bob", "bigvLoss", 1000, 1, 7, 0.5);
	/* No RoomId or CommId: by the user's sessions, widened by 60 s. */
	series(&fx, NULL, NULL, "bob", NULL, "sysCpu", 2930, 1, 20, 10);   /* 10 of 20 within */
	series(&fx, NULL, NULL, "bob", NULL, "sysCpu", 3150, 1, 5, 10);
	series(&fx, NULL, NULL, "bob", NULL, "sysCpu", 3200, 1, 5, 10);    /* too late */
	series(&fx, NULL, NULL, "nobody", NULL, "sysCpu", 0, 1, 5, 10);
	fx_build(&fx);
	assert_int_equal(fx.m.ncalls, 3);
	assert_int_equal(fx.m.calls[0].quality_samples, 13);
	assert_int_equal(fx.m.calls[1].quality_samples, 7);
	assert_int_equal(fx.m.calls[2].quality_samples, 15);
	assert_int_equal(fx.m.nfindings, 0);
	{
		/* The other 20 samples (10 too early, 5 too late, nobody's 5)
		 * match no call. */
		struct companion_options co;
		struct unmatched um;

		companion_options_init(&co);
		model_free(&fx.m);
		{
			struct sessions_options so;

			sessions_options_init(&so);
			assert_int_equal(sessions_build(&fx.ds, kit_cat, &so, &fx.m), RR_OK);
		}
		assert_int_equal(companion_link_unmatched(&fx.ds, &co, &fx.m, &um), RR_OK);
		assert_int_equal(um.rows[COMPANION_QUALITY], 20);
		assert_int_equal(um.nex[COMPANION_QUALITY], 2);  /* bob's series, nobody's */
		assert_int_equal(um.ex[COMPANION_QUALITY][0].rows, 15);
		assert_int_equal(um.ex[COMPANION_QUALITY][1].rows, 5);
		assert_int_equal(um.rows[COMPANION_USERS] + um.rows[COMPANION_ROOMS], 0);
	}
	fx_free(&fx);
}

static void test_quality_lower_bound(void **state)
{
	struct fixture fx;
	uint32_t room, c1, c2;
	size_t i;

	(void)state;
	fx_init(&fx);
	series(&fx, "room", "c2", "alice", NULL, "rtt", 0, 1, 4, 1);
	series(&fx, "room", "c1", "alice", NULL, "rtt", 0, 1, 3, 1);
	series(&fx, NULL, NULL, "alice", NULL, "rtt", 0, 1, 2, 1);
	assert_int_equal(dataset_finish(&fx.ds), RR_OK);
	room = sid(&fx, "room");
	c1 = sid(&fx, "c1");
	c2 = sid(&fx, "c2");
	i = companion_quality_lower_bound(&fx.ds, room, c1);
	assert_int_equal(fx.ds.quality[i].comm, c1);
	assert_true(i == 0 || fx.ds.quality[i - 1].comm != c1);
	i = companion_quality_lower_bound(&fx.ds, room, c2);
	assert_int_equal(fx.ds.quality[i].comm, c2);
	assert_int_equal(companion_quality_lower_bound(&fx.ds, 0, 0), 0);
	assert_int_equal(companion_quality_lower_bound(&fx.ds, room + c1 + c2 + 1, 0),
			 fx.ds.nquality);
	dataset_free(&fx.ds);
}

struct qf_case {
	const char *name;
	const char *metric, *peer;
	double from, step;
	int n;
	double value;
	int timeout;          /* alice's session ends by timeout at 1500 s, else normally */
	const char *code;     /* NULL: no finding */
	enum severity sev;
	const char *text;
};

/* alice is in the call from 0 to 1500 s. */
static const struct qf_case qf_cases[] = {
	{ "rtt for 3 min", "rtt", NULL, 600, 1, 181, 500, 0, "high_rtt", SEV_WARNING,
	  "RTT above 400 ms for 3 min 00 s from 10:10:00" },
	{ "rtt before a timeout", "rtt", NULL, 1300, 1, 121, 450, 1, "high_rtt", SEV_WARNING,
	  "RTT above 400 ms for 2 min 00 s before the timeout at 10:25:00" },
	{ "rtt long before a timeout", "rtt", NULL, 600, 1, 121, 450, 1, "high_rtt", SEV_WARNING,
	  "RTT above 400 ms for 2 min 00 s from 10:10:00" },
	{ "rtt at the threshold", "rtt", NULL, 600, 1, 200, 400, 0, NULL, SEV_INFO, NULL },
	{ "rtt 59 s", "rtt", NULL, 600, 1, 60, 900, 0, NULL, SEV_INFO, NULL },
	{ "video loss from a peer, severe", "bigvLoss", "ben", 1260, 1, 121, 12, 0, "high_loss",
	  SEV_ERROR, "Video loss from ben above 10 % for 2 min 00 s from 10:21:00" },
	{ "upstream audio loss, poor", "aLoss", NULL, 60, 5, 19, 7, 0, "high_loss", SEV_WARNING,
	  "Upstream audio loss above 5 % for 1 min 30 s from 10:01:00" },
	{ "system CPU", "sysCpu", NULL, 60, 1, 61, 90, 0, "high_cpu", SEV_WARNING,
	  "System CPU above 85 % for 1 min 00 s from 10:01:00" },
	{ "app CPU raises nothing", "appCpu", NULL, 60, 1, 200, 99, 0, NULL, SEV_INFO, NULL },
	{ "video stutter", "bigvBlock", NULL, 60, 2, 61, 600, 0, "video_stutter", SEV_WARNING,
	  "Video stutter at 600 ms or more for 2 min 00 s from 10:01:00" },
	{ "audio stutter from a peer", "aBlock", "ben", 60, 2, 31, 250, 0, "audio_stutter",
	  SEV_WARNING, "Audio stutter from ben at 200 ms or more for 1 min 00 s from 10:01:00" },
	{ "samples outside the session", "rtt", NULL, 1600, 1, 100, 900, 0, NULL, SEV_INFO, NULL },
};

static void test_quality_findings(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof qf_cases / sizeof qf_cases[0]; c++) {
		const struct qf_case *qc = &qf_cases[c];
		struct fixture fx;
		const struct session *a;
		uint32_t k, n = 0;

		print_message("case: %s\n", qc->name);
		fx_init(&fx);
		stay(&fx, "c1", "alice", 0, 1500, qc->timeout ? 1 : 0);
		series(&fx, "room", "c1", "alice", qc->peer, qc->metric, qc->from, qc->step, qc->n,
		       qc->value);
		fx_build(&fx);
		a = find_session(&fx, "alice", 0);
		for (k = 0; k < a->nfindings; k++) {
			const struct finding *f = &fx.m.findings[a->first_finding + k];

			if (strcmp(f->code, "timeout") == 0)
				continue;
			n++;
			assert_non_null(qc->code);
			assert_string_equal(f->code, qc->code);
			assert_int_equal(f->severity, qc->sev);
			assert_string_equal(f->text, qc->text);
			assert_int_equal(f->time_ms, S(qc->from));
		}
		assert_int_equal(n, qc->code ? 1 : 0);
		check_model_findings(&fx.m);
		fx_free(&fx);
	}
}

/* Stretches: a hole longer than the gap limit splits one, and so does a
 * sample below the threshold; a poor stretch with a short severe part is a
 * warning for the whole stretch. */
static void test_quality_stretches(void **state)
{
	struct fixture fx;
	const struct session *a;
	const struct finding *f;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 1500, 0);
	/* rtt: 50 s high, 30 s hole, 50 s high: two short stretches. */
	series(&fx, "room", "c1", "alice", NULL, "rtt", 100, 1, 50, 800);
	series(&fx, "room", "c1", "alice", NULL, "rtt", 180, 1, 50, 800);
	/* sysCpu: 40 s high, one low sample, 40 s high. */
	series(&fx, "room", "c1", "alice", NULL, "sysCpu", 100, 1, 40, 95);
	series(&fx, "room", "c1", "alice", NULL, "sysCpu", 140, 1, 1, 10);
	series(&fx, "room", "c1", "alice", NULL, "sysCpu", 141, 1, 40, 95);
	/* aLoss: 100 s at 6 %, of which 30 s at 20 %. */
	series(&fx, "room", "c1", "alice", NULL, "aLoss", 300, 1, 40, 6);
	series(&fx, "room", "c1", "alice", NULL, "aLoss", 340, 1, 30, 20);
	series(&fx, "room", "c1", "alice", NULL, "aLoss", 370, 1, 31, 6);
	fx_build(&fx);
	a = find_session(&fx, "alice", 0);
	assert_null(find_code(&fx, a, "high_rtt"));
	assert_null(find_code(&fx, a, "high_cpu"));
	f = find_code(&fx, a, "high_loss");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_WARNING);
	assert_string_equal(f->text, "Upstream audio loss above 5 % for 1 min 40 s from 10:05:00");
	assert_int_equal(a->nfindings, 1);
	fx_free(&fx);
}

/* ---- model helpers ---- */

static void test_model_add_and_drop(void **state)
{
	struct fixture fx;
	const struct session *a, *b;
	const struct finding *f;
	uint32_t ai, bi, drop[1];
	struct finding_new nf[4];

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 100, 1);      /* timeout: one error finding */
	stay(&fx, "c1", "bob", 5, 100, -1);       /* no_exit: one warning */
	assert_int_equal(dataset_finish(&fx.ds), RR_OK);
	{
		struct sessions_options so;

		sessions_options_init(&so);
		assert_int_equal(sessions_build(&fx.ds, kit_cat, &so, &fx.m), RR_OK);
	}
	a = find_session(&fx, "alice", 0);
	b = find_session(&fx, "bob", 0);
	ai = (uint32_t)(a - fx.m.sessions);
	bi = (uint32_t)(b - fx.m.sessions);
	assert_int_equal(a->nfindings, 1);
	assert_int_equal(b->nfindings, 1);

	nf[0] = (struct finding_new){ bi, "zz_info", SEV_INFO, S(1), "b info", { .n = 0 } };
	nf[1] = (struct finding_new){ ai, "aa_warn", SEV_WARNING, S(50), "a warn", { .n = 0 } };
	nf[2] = (struct finding_new){ ai, "bb_error", SEV_ERROR, S(100), "a error, same time", { .n = 0 } };
	nf[3] = (struct finding_new){ ai, "aa_error", SEV_ERROR, S(10), "a error, earlier", { .n = 0 } };
	assert_int_equal(model_add_findings(&fx.m, nf, 4), RR_OK);
	assert_int_equal(fx.m.nfindings, 6);
	a = &fx.m.sessions[ai];
	b = &fx.m.sessions[bi];
	assert_int_equal(a->nfindings, 4);
	f = &fx.m.findings[a->first_finding];
	assert_string_equal(f[0].code, "aa_error");
	assert_string_equal(f[1].code, "bb_error");   /* same time as timeout: code order */
	assert_string_equal(f[2].code, "timeout");
	assert_string_equal(f[3].code, "aa_warn");
	assert_string_equal(f[2].text, "Timed out of the room at 10:01:40 (last seen 10:00:01)");
	assert_int_equal(b->nfindings, 2);
	f = &fx.m.findings[b->first_finding];
	assert_string_equal(f[0].code, "no_exit");
	assert_string_equal(f[1].code, "zz_info");
	assert_string_equal(f[1].text, "b info");
	assert_int_equal(fx.m.calls[0].findings[SEV_ERROR], 3);
	assert_int_equal(fx.m.calls[0].findings[SEV_WARNING], 2);
	assert_int_equal(fx.m.calls[0].findings[SEV_INFO], 1);
	check_model_findings(&fx.m);

	drop[0] = bi;
	model_drop_findings(&fx.m, "no_exit", drop, 1);
	model_drop_findings(&fx.m, "no_exit", drop, 0);
	assert_int_equal(fx.m.nfindings, 5);
	assert_int_equal(fx.m.sessions[bi].nfindings, 1);
	assert_string_equal(fx.m.findings[fx.m.sessions[bi].first_finding].code, "zz_info");
	assert_int_equal(fx.m.calls[0].findings[SEV_WARNING], 1);
	check_model_findings(&fx.m);

	assert_int_equal(model_add_findings(&fx.m, NULL, 0), RR_OK);
	nf[0].session = fx.m.nsessions;
	assert_int_equal(model_add_findings(&fx.m, nf, 1), RR_EDATA);
	assert_int_equal(fx.m.nfindings, 5);
	fx_free(&fx);
}

static void test_model_add_out_of_memory(void **state)
{
	struct fixture fx;
	struct finding_new nf[2];
	unsigned long n;
	int ok = 0;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 100, 1);
	fx_build(&fx);
	nf[0] = (struct finding_new){ 0, "x", SEV_INFO, S(1), "one", { .n = 0 } };
	nf[1] = (struct finding_new){ 0, "y", SEV_INFO, S(2), "two", { .n = 0 } };
	for (n = 1; n < 100 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = model_add_findings(&fx.m, nf, 2);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(fx.m.nfindings, 3);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_int_equal(fx.m.nfindings, 1);
			assert_int_equal(fx.m.sessions[0].nfindings, 1);
			assert_int_equal(fx.m.calls[0].findings[SEV_INFO], 0);
		}
	}
	assert_true(ok);
	assert_true(n > 3);
	check_model_findings(&fx.m);
	fx_free(&fx);
}

/* ---- out of memory in companion_link: the model stays as it was ---- */

static void test_link_out_of_memory(void **state)
{
	struct fixture fx;
	struct sessions_options so;
	struct companion_options co;
	unsigned long n;
	int ok = 0;

	(void)state;
	fx_init(&fx);
	stay(&fx, "c1", "alice", 0, 1500, -1);
	stay(&fx, "c1", "bob", 0, 1500, 1);
	user_row(&fx, "c1", "alice", -300, NO, 0, "phone", "1.0", "1.2.3.4");
	user_row(&fx, "c1", "bob", 0, 1500, 1, "laptop", "", "");
	room_row(&fx, "c1", 0, NO, 0);
	series(&fx, "room", "c1", "alice", NULL, "rtt", 100, 1, 200, 900);
	series(&fx, "room", "c1", "bob", "alice", "bigvLoss", 100, 1, 200, 30);
	assert_int_equal(dataset_finish(&fx.ds), RR_OK);
	sessions_options_init(&so);
	companion_options_init(&co);
	assert_int_equal(sessions_build(&fx.ds, kit_cat, &so, &fx.m), RR_OK);
	for (n = 1; n < 1000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = companion_link(&fx.ds, &co, &fx.m);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_int_equal(fx.m.nfindings, 2);   /* no_exit, timeout */
			assert_int_equal(fx.m.calls[0].exits[EXIT_UNKNOWN], 1);
			assert_int_equal(fx.m.calls[0].quality_samples, 0);
			assert_int_equal(fx.m.calls[0].room_info, RR_NOIDX);
			assert_int_equal(fx.m.sessions[0].device, 0);
			assert_int_equal(fx.m.sessions[1].user_info, RR_NOIDX);
		}
	}
	assert_true(ok);
	assert_true(n > 5);
	/* join 5 min early, still in the room, rtt; bob: loss, timeout */
	assert_int_equal(fx.m.calls[0].exits[EXIT_ONGOING], 1);
	assert_int_equal(fx.m.calls[0].quality_samples, 400);
	assert_int_equal(fx.m.calls[0].ongoing, 1);
	assert_int_equal(fx.m.nfindings, 5);
	check_model_findings(&fx.m);
	fx_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_by_comm),
		cmocka_unit_test(test_users_by_room_and_time),
		cmocka_unit_test(test_users_closest_join_wins),
		cmocka_unit_test(test_still_in_room),
		cmocka_unit_test(test_still_in_room_last_session_only),
		cmocka_unit_test(test_join_leave_mismatch),
		cmocka_unit_test(test_rooms),
		cmocka_unit_test(test_rooms_by_time),
		cmocka_unit_test(test_unmatched_cases),
		cmocka_unit_test(test_unmatched_examples),
		cmocka_unit_test(test_quality_counts),
		cmocka_unit_test(test_quality_lower_bound),
		cmocka_unit_test(test_quality_findings),
		cmocka_unit_test(test_quality_stretches),
		cmocka_unit_test(test_model_add_and_drop),
		cmocka_unit_test(test_model_add_out_of_memory),
		cmocka_unit_test(test_link_out_of_memory),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
