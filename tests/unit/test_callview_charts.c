/*
 * Tests for callview_charts.c, with the companion files: the quality charts
 * (grouping by unit, reference lines, y range, clipping, gaps, thinning),
 * and, from the same fixtures, the lane's device/SDK/IP and the room's
 * lifetime (callview.c).
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
#include <unistd.h>

#include "callview.h"
#include "catalog.h"
#include "companion.h"
#include "dataset.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "ingest.h"
#include "kit.h"
#include "util.h"
#include "test_callview_kit.h"

/* ---- companion files: lane info, room lifetime, quality charts ---- */

static uint32_t sid(struct dataset *ds, const char *s)
{
	uint32_t id = 0;

	if (s && *s)
		intern(ds, s, &id);
	return id;
}

static void user_row(struct dataset *ds, const char *user, int finished, const char *device,
		     const char *sdk, const char *ip)
{
	struct user_info u;

	memset(&u, 0, sizeof u);
	u.room = sid(ds, "room");
	u.comm = sid(ds, "c1");
	u.user = sid(ds, user);
	u.join_ms = u.leave_ms = RR_NONE;
	u.finished = (int8_t)finished;
	u.device = sid(ds, device);
	u.sdk = sid(ds, sdk);
	u.ip = sid(ds, ip);
	assert_int_equal(dataset_append_user(ds, &u), RR_OK);
}

/* n samples from sec every step s; value(i) = base + (i in [hot_from,
 * hot_to) ? hot : 0) + (i % wrap when wrap). room NULL: no RoomId/CommId. */
struct qs {
	const char *room, *user, *peer, *metric;
	double sec, step;
	int n;
	double base, hot;
	int hot_from, hot_to, wrap;
};

static void add_series(struct dataset *ds, const struct qs *s)
{
	struct quality_sample q;
	int i;

	memset(&q, 0, sizeof q);
	q.room = sid(ds, s->room);
	q.comm = s->room ? sid(ds, "c1") : 0;
	q.user = sid(ds, s->user);
	q.peer = sid(ds, s->peer);
	assert_int_equal(dataset_metric(ds, sid(ds, s->metric), &q.metric), RR_OK);
	for (i = 0; i < s->n; i++) {
		/* The tables below give bitrates in kbps, as charted; the
		 * export holds bps (DESIGN §1), so that is what is stored. */
		double per = strcmp(s->metric, "aBit") == 0 || strcmp(s->metric, "bigvBit") == 0 ?
			1000 : 1;

		q.time_ms = S(s->sec + i * s->step);
		q.value = (float)(per * (s->base + (i >= s->hot_from && i < s->hot_to ? s->hot : 0) +
					 (s->wrap ? i % s->wrap : 0)));
		assert_int_equal(dataset_append_quality(ds, &q), RR_OK);
	}
}

/* alice (still in the room per the users file) and bob in call c1, 0..600 s. */
static const struct row chart_rows[] = {
	E("c1", "alice", 0, 5001, -1), E("c1", "alice", 1, 5003, 1), E("c1", "alice", 600, 1003, 1),
	E("c1", "bob", 10, 5001, -1), E("c1", "bob", 11, 5003, 1), E("c1", "bob", 600, 7001, 0),
	END,
};

static const struct qs chart_series[] = {
	/* rtt 100 ms, 500 ms for 31 s; 801 samples of which 601 on the axis. */
	{ "room", "alice", NULL, "rtt", -100, 1, 801, 100, 400, 400, 431, 0 },
	{ "room", "alice", NULL, "aLoss", 0, 60, 11, 3, 0, 0, 0, 0 },
	{ "room", "alice", "bob", "bigvLoss", 0, 10, 61, 0.5, 0, 0, 0, 0 },
	{ "room", "alice", NULL, "sysCpu", 0, 60, 11, 50, 0, 0, 0, 0 },
	{ "room", "alice", NULL, "appCpu", 0, 60, 11, 20, 0, 0, 0, 0 },
	{ "room", "alice", NULL, "bigvBit", 0, 60, 11, 1200.6, 0, 0, 0, 0 },
	/* 6001 samples: thinned to 2000 (min and max of 1000 buckets). */
	{ "room", "alice", NULL, "aBit", 0, 0.1, 6001, 0, 0, 0, 0, 100 },
	{ "room", "alice", NULL, "fooMetric", 0, 300, 3, -3, 10, 1, 2, 0 },
	/* bob: only samples without room or CommId fall on the axis. */
	{ "room", "bob", NULL, "rtt", 1000, 1, 5, 80, 0, 0, 0, 0 },
	{ NULL, "bob", NULL, "rtt", 100, 1, 11, 80, 0, 0, 0, 0 },
	{ NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static void chart_fixture_with(struct fixture *fx, int room_finished, const struct qs *series)
{
	struct sessions_options o;
	struct companion_options co;
	struct room_info ri;
	const struct row *rows;
	const struct qs *q;
	char err[128];

	memset(fx, 0, sizeof *fx);
	assert_int_equal(tz_open("UTC", &fx->tz, err, sizeof err), RR_OK);
	assert_int_equal(dataset_init(&fx->ds), RR_OK);
	for (rows = chart_rows; rows->user; rows++) {
		struct record r;

		memset(&r, 0, sizeof r);
		r.time_ms = S(rows->sec);
		r.room = sid(&fx->ds, "room");
		r.comm = sid(&fx->ds, rows->comm);
		r.user = sid(&fx->ds, rows->user);
		r.kind = REC_EVENT;
		r.id = rows->id;
		r.p1 = rows->p1;
		r.p2 = rows->p2;
		r.stream = -1;
		assert_int_equal(dataset_append(&fx->ds, &r), RR_OK);
	}
	user_row(&fx->ds, "alice", 0, "iPhone14,2", "11.4.0", "10.0.0.1");
	user_row(&fx->ds, "bob", 1, "Pixel 7", NULL, NULL);
	memset(&ri, 0, sizeof ri);
	ri.room = sid(&fx->ds, "room");
	ri.comm = sid(&fx->ds, "c1");
	ri.create_ms = S(-5);
	ri.destroy_ms = S(605);
	ri.finished = (int8_t)room_finished;
	assert_int_equal(dataset_append_room(&fx->ds, &ri), RR_OK);
	for (q = series; q->metric; q++)
		add_series(&fx->ds, q);
	assert_int_equal(dataset_finish(&fx->ds), RR_OK);
	sessions_options_init(&o);
	o.display_tz = fx->tz;
	assert_int_equal(sessions_build(&fx->ds, kit_cat, &o, &fx->m), RR_OK);
	companion_options_init(&co);
	co.display_tz = fx->tz;
	assert_int_equal(companion_link(&fx->ds, &co, &fx->m), RR_OK);
	assert_int_equal(report_build(&fx->ds, &fx->m, NULL, kit_cat, fx->tz, &fx->r), RR_OK);
}

static void chart_fixture(struct fixture *fx, int room_finished)
{
	chart_fixture_with(fx, room_finished, chart_series);
}

/* Samples that stop for a while are drawn as separate pieces of one line. */
static void test_chart_gaps(void **state)
{
	static const struct qs series[] = {
		/* rtt every 5 s over 0..200 s and 300..500 s: a 100 s gap. */
		{ "room", "alice", NULL, "rtt", 0, 5, 41, 100, 0, 0, 0, 0 },
		{ "room", "alice", NULL, "rtt", 300, 5, 41, 120, 0, 0, 0, 0 },
		/* 12 s steps: longer than the 10 s floor, but regular: one piece. */
		{ "room", "alice", NULL, "sysCpu", 0, 12, 50, 40, 0, 0, 0, 0 },
		/* Two samples far apart: too few to judge a gap, one piece. */
		{ "room", "alice", NULL, "aLoss", 0, 500, 2, 1, 0, 0, 0, 0 },
		{ NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	struct fixture fx;
	struct callview v;
	const struct cv_lane *a;
	const struct cv_chart *ch = NULL;
	const struct cv_series *s0, *s1;
	uint32_t i;

	(void)state;
	chart_fixture_with(&fx, 1, series);
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
	a = &v.lanes[0];
	assert_string_equal(a->user, "alice");
	for (i = 0; i < a->ncharts; i++) {
		ch = &v.charts[a->first_chart + i];
		if (strcmp(ch->title, "Network · ms") == 0)
			break;
	}
	assert_true(i < a->ncharts);
	assert_int_equal(ch->nseries, 2);
	s0 = &v.series[ch->first_series];
	s1 = &v.series[ch->first_series + 1];
	assert_int_equal(s0->npoints, 41);
	assert_int_equal(s1->npoints, 41);
	assert_int_equal(s0->continued, 0);
	assert_int_equal(s1->continued, 1);
	assert_string_equal(s1->name, s0->name);
	assert_int_equal(s1->style, s0->style);
	assert_int_equal(v.points[s0->first_point + 40].time_ms, S(200));
	assert_int_equal(v.points[s1->first_point].time_ms, S(300));
	assert_string_equal(ch->desc, "rtt: 82 samples, max 120 ms");
	for (i = 0; i < a->ncharts; i++) {
		ch = &v.charts[a->first_chart + i];
		if (strcmp(ch->title, "Device · %") == 0 || strcmp(ch->title, "Network · %") == 0) {
			assert_int_equal(ch->nseries, 1);
			assert_int_equal(v.series[ch->first_series].continued, 0);
		}
	}
	callview_free(&v);
	fixture_free(&fx);
}

/* Every known DataType's unit (DESIGN §1; the official examples'
 * bigvCapFps is frames/s): one sample as the export gives it, the chart it
 * lands in and its text. Bitrates come in bps and are charted in kbps. */
static void test_chart_units(void **state)
{
	static const struct {
		const char *metric;
		double value;            /* as exported */
		const char *title, *desc;
	} cases[] = {
		{ "bigvBit", 850000, "Media · kbps", "bigvBit: 1 sample, max 850 kbps" },
		{ "aBit", 48500, "Media · kbps", "aBit: 1 sample, max 48.5 kbps" },
		{ "rtt", 120, "Network · ms", "rtt: 1 sample, max 120 ms" },
		{ "aLoss", 3.5, "Network · %", "aLoss: 1 sample, max 3.5 %" },
		{ "bigvLoss", 12, "Network · %", "bigvLoss: 1 sample, max 12 %" },
		{ "aBlock", 250, "Media · ms", "aBlock: 1 sample, max 250 ms" },
		{ "bigvBlock", 700, "Media · ms", "bigvBlock: 1 sample, max 700 ms" },
		{ "bigvCapFps", 15, "Media · fps", "bigvCapFps: 1 sample, max 15 fps" },
		{ "bigvEncFps", 30, "Media · fps", "bigvEncFps: 1 sample, max 30 fps" },
		{ "bigvDecFps", 24, "Media · fps", "bigvDecFps: 1 sample, max 24 fps" },
		{ "bigvWidth", 1280, "Media · px", "bigvWidth: 1 sample, max 1280 px" },
		{ "appCpu", 40, "Device · %", "appCpu: 1 sample, max 40 %" },
		{ "sysCpu", 90, "Device · %", "sysCpu: 1 sample, max 90 %" },
		{ "aCapEnergy", 7, "Device", "aCapEnergy: 1 sample, max 7" },
		{ "myMetric", 850000, "Other", "myMetric: 1 sample, max 850000" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* Stored as is: add_series would scale the bitrate tables. */
		struct qs series[] = {
			{ "room", "alice", NULL, "placeholder", 100, 1, 1, 0, 0, 0, 0, 0 },
			{ NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0 },
		};
		struct fixture fx;
		struct callview v;
		const struct cv_chart *ch;
		uint32_t k;

		series[0].metric = cases[i].metric;
		series[0].base = cases[i].value;
		if (strcmp(cases[i].metric, "aBit") == 0 || strcmp(cases[i].metric, "bigvBit") == 0)
			series[0].base /= 1000;
		chart_fixture_with(&fx, 1, series);
		assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
		assert_int_equal(v.lanes[0].ncharts, 1);
		ch = &v.charts[v.lanes[0].first_chart];
		print_message("%s\n", cases[i].metric);
		assert_string_equal(ch->title, cases[i].title);
		assert_string_equal(ch->desc, cases[i].desc);
		for (k = 0; k < ch->nseries; k++)
			assert_true(v.points[v.series[ch->first_series + k].first_point].value <= ch->y_max);
		callview_free(&v);
		fixture_free(&fx);
	}
}

struct want_chart {
	const char *title;
	enum cv_chart_group group;
	double y_min, y_max;
	uint32_t nrefs;
	const char *desc;
	const char *series[2];
	uint32_t npoints[2];
};

static void test_charts(void **state)
{
	static const struct want_chart want[] = {
		{ "Network · ms", CV_CHART_NETWORK, 0, 500, 1, "rtt: 601 samples, max 500 ms",
		  { "rtt" }, { 601 } },
		{ "Network · %", CV_CHART_NETWORK, 0, 5, 1,
		  "aLoss: 11 samples, max 3 %; bigvLoss from bob: 61 samples, max 0.5 %",
		  { "aLoss", "bigvLoss from bob" }, { 11, 61 } },
		{ "Media · kbps", CV_CHART_MEDIA, 0, 2000, 0,
		  "aBit: 6001 samples, max 99 kbps; bigvBit: 11 samples, max 1201 kbps",
		  { "aBit", "bigvBit" }, { 2000, 11 } },
		{ "Device · %", CV_CHART_DEVICE, 0, 50, 0,
		  "appCpu: 11 samples, max 20 %; sysCpu: 11 samples, max 50 %",
		  { "appCpu", "sysCpu" }, { 11, 11 } },
		{ "Other", CV_CHART_OTHER, -5, 10, 0, "fooMetric: 3 samples, max 7",
		  { "fooMetric" }, { 3 } },
	};
	struct fixture fx;
	struct callview v;
	const struct cv_lane *a, *b;
	uint32_t i, k, p;

	(void)state;
	chart_fixture(&fx, 0);
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
	assert_int_equal(v.t0, S(0));
	assert_int_equal(v.t1, S(600));
	assert_string_equal(v.room_span, "created 09:59:55 · still open at export");
	assert_int_equal(v.ongoing, 1);

	assert_int_equal(v.nlanes, 2);
	a = &v.lanes[0];
	b = &v.lanes[1];
	assert_string_equal(a->device, "iPhone14,2");
	assert_string_equal(a->sdk, "11.4.0");
	assert_string_equal(a->ip, "10.0.0.1");
	assert_int_equal(a->still_in_room, 1);
	assert_string_equal(b->device, "Pixel 7");
	assert_string_equal(b->sdk, "");
	assert_string_equal(b->ip, "");
	assert_int_equal(b->still_in_room, 0);

	assert_int_equal(a->ncharts, 5);
	assert_int_equal(b->ncharts, 1);
	assert_int_equal(v.ncharts, 6);
	for (i = 0; i < a->ncharts; i++) {
		const struct cv_chart *ch = &v.charts[a->first_chart + i];

		print_message("chart %s\n", want[i].title);
		assert_string_equal(ch->title, want[i].title);
		assert_int_equal(ch->group, want[i].group);
		assert_true(ch->y_min == want[i].y_min);
		assert_true(ch->y_max == want[i].y_max);
		assert_int_equal(ch->nrefs, want[i].nrefs);
		assert_string_equal(ch->desc, want[i].desc);
		for (k = 0; k < ch->nseries; k++) {
			const struct cv_series *se = &v.series[ch->first_series + k];

			assert_non_null(want[i].series[k]);
			assert_string_equal(se->name, want[i].series[k]);
			assert_int_equal(se->npoints, want[i].npoints[k]);
			assert_int_equal(se->style, k);
			for (p = 0; p < se->npoints; p++) {
				const struct cv_point *pt = &v.points[se->first_point + p];

				/* Clipped to the axis, in time order. */
				assert_true(pt->time_ms >= v.t0 && pt->time_ms <= v.t1);
				if (p > 0)
					assert_true(pt->time_ms >= pt[-1].time_ms);
				assert_true(pt->value >= ch->y_min && pt->value <= ch->y_max);
			}
			if (k > 0)
				assert_string_equal(se->unit, v.series[ch->first_series].unit);
		}
		assert_int_equal(ch->nseries, want[i].series[1] ? 2 : 1);
	}
	/* rtt: the 400 ms line; loss: only the 2 % line is within reach. */
	assert_true(v.charts[a->first_chart].refs[0].value == 400);
	assert_string_equal(v.charts[a->first_chart + 1].refs[0].label, "loss 2 % (fine)");
	assert_int_equal(v.charts[a->first_chart + 1].refs[0].severity, SEV_INFO);
	assert_string_equal(v.series[v.charts[a->first_chart].first_series].unit, "ms");
	/* Thinning keeps the extremes: 0 and 99 both survive. */
	{
		const struct cv_series *se = &v.series[v.charts[a->first_chart + 2].first_series];
		float lo = 1000, hi = -1;

		for (p = 0; p < se->npoints; p++) {
			float y = v.points[se->first_point + p].value;

			lo = y < lo ? y : lo;
			hi = y > hi ? y : hi;
		}
		assert_true(lo == 0 && hi == 99);
	}
	assert_string_equal(v.charts[b->first_chart].desc, "rtt: 11 samples, max 80 ms");
	assert_int_equal(v.charts[b->first_chart].nrefs, 0);
	assert_true(v.charts[b->first_chart].y_max == 100);
	callview_free(&v);
	fixture_free(&fx);

	chart_fixture(&fx, 1);
	assert_int_equal(callview_build(&fx.r, kit_cat, 0, &v), RR_OK);
	assert_string_equal(v.room_span, "created 09:59:55 · dismissed 10:10:05");
	assert_int_equal(v.ongoing, 0);
	callview_free(&v);
	fixture_free(&fx);
}
static void test_charts_out_of_memory(void **state)
{
	struct fixture fx;
	struct callview v;
	unsigned long n;
	int ok = 0;

	(void)state;
	chart_fixture(&fx, 0);
	for (n = 1; n < 2000 && !ok; n++) {
		int rc;

		rr_alloc_fail_at(n);
		rc = callview_build(&fx.r, kit_cat, 0, &v);
		rr_alloc_fail_at(0);
		if (rc == RR_OK) {
			ok = 1;
			assert_int_equal(v.ncharts, 6);
		} else {
			assert_int_equal(rc, RR_ENOMEM);
			assert_null(v.charts);
			assert_null(v.points);
			assert_null(v.storage);
		}
		callview_free(&v);
	}
	assert_true(ok);
	fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chart_gaps),
		cmocka_unit_test(test_chart_units),
		cmocka_unit_test(test_charts),
		cmocka_unit_test(test_charts_out_of_memory),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
