/*
 * Tests for sessions_findings.c: the findings raised and their words, peers
 * bounded in them, times in the display zone.
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

/* ---- findings ---- */

static void test_findings(void **state)
{
	size_t c;

	(void)state;
	for (c = 0; c < sizeof finding_cases / sizeof finding_cases[0]; c++) {
		const struct finding_case *tc = &finding_cases[c];
		struct dataset ds;
		struct model m;
		const struct session *s;
		uint32_t i;

		print_message("case: %s\n", tc->name);
		build(tc->rows, &ds, &m);
		assert_int_equal(m.nsessions, 1);
		s = &m.sessions[0];
		assert_int_equal(s->nfindings, tc->nwant);
		assert_int_equal(m.nfindings, tc->nwant);
		for (i = 0; i < tc->nwant; i++) {
			const struct finding *f = &m.findings[s->first_finding + i];

			assert_string_equal(f->code, tc->want[i].code);
			assert_int_equal(f->severity, tc->want[i].severity);
			assert_int_equal(f->time_ms, S(tc->want[i].sec));
			assert_string_equal(f->text, tc->want[i].text);
		}
		for (i = 0; i < SEV__COUNT; i++) {
			uint32_t n = 0, k;

			for (k = 0; k < tc->nwant; k++)
				n += tc->want[k].severity == (enum severity)i;
			assert_int_equal(m.calls[0].findings[i], n);
		}
		model_free(&m);
		dataset_free(&ds);
	}
}

static void test_hostile_peer_is_bounded(void **state)
{
	char peer[400];
	struct row rows[4] = {
		E("u", 0, 5001, -1), { "r", "", "u", 60, AB, 4, 2017, -1, peer }, E("u", 100, 5008, 1),
		END,
	};
	struct dataset ds;
	struct model m;
	const struct finding *f;

	(void)state;
	/* 2-byte characters, so a byte cut could split one. */
	peer[0] = 'x';
	for (size_t i = 1; i + 2 < sizeof peer; i += 2)
		memcpy(peer + i, "é", 2);
	peer[sizeof peer - 2] = '<';
	peer[sizeof peer - 1] = '\0';
	build(rows, &ds, &m);
	assert_int_equal(m.nfindings, 1);
	f = &m.findings[0];
	assert_true(strlen(f->text) < 200);
	assert_true(utf8_valid(f->text, strlen(f->text)));
	assert_non_null(strstr(f->text, "on the stream from peer xé"));
	assert_string_equal(f->text + strlen(f->text) - strlen("é…"), "é…");
	model_free(&m);
	dataset_free(&ds);
}
static void test_display_zone(void **state)
{
	static const struct row rows[] = {
		E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 30, 7001, 2), END,
	};
	struct sessions_options o;
	struct dataset ds;
	struct model m;
	struct tz *z;
	char err[128];

	(void)state;
	assert_int_equal(tz_open("Asia/Shanghai", &z, err, sizeof err), RR_OK);
	sessions_options_init(&o);
	o.display_tz = z;
	load(&ds, rows);
	assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
	assert_int_equal(m.nfindings, 1);
	assert_string_equal(m.findings[0].text, "Removed from the room at 18:00:30");
	model_free(&m);
	dataset_free(&ds);
	tz_free(z);
}

/* Near a change of the zone's offset a finding's times carry the zone's
 * name (the autumn hour happens twice); elsewhere, and in zones without
 * changes, they are bare. A kick 30 s after entering, at each time. */
static void test_display_zone_changes(void **state)
{
	static const struct {
		const char *zone;
		double sec;              /* the 5001, from T0 */
		const char *text;
	} cases[] = {
		/* Berlin, 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00 UTC. */
		{ "Europe/Berlin", -2282100 - 30, "Removed from the room at 02:05:00 CEST" },
		{ "Europe/Berlin", -2278500 - 30, "Removed from the room at 02:05:00 CET" },
		/* 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00 UTC. */
		{ "Europe/Berlin", -20424600 - 30, "Removed from the room at 01:30:00 CET" },
		{ "Europe/Berlin", -20421000 - 30, "Removed from the room at 03:30:00 CEST" },
		/* Two days before the change, and on the sample day: bare. */
		{ "Europe/Berlin", -2455200 - 30, "Removed from the room at 02:00:00" },
		{ "Europe/Berlin", 0, "Removed from the room at 11:00:30" },
		{ "Asia/Shanghai", -2282100 - 30, "Removed from the room at 08:05:00" },
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct row rows[] = {
			{ "r", "", "u", cases[i].sec, EV, 5001, -1, -1, NULL },
			{ "r", "", "u", cases[i].sec + 1, EV, 5003, 1, -1, NULL },
			{ "r", "", "u", cases[i].sec + 30, EV, 7001, 2, -1, NULL },
			END,
		};
		struct sessions_options o;
		struct dataset ds;
		struct model m;
		struct tz *z;

		print_message("case %zu: %s\n", i, cases[i].text);
		assert_int_equal(tz_open(cases[i].zone, &z, err, sizeof err), RR_OK);
		sessions_options_init(&o);
		o.display_tz = z;
		load(&ds, rows);
		assert_int_equal(sessions_build(&ds, kit_cat, &o, &m), RR_OK);
		assert_int_equal(m.nfindings, 1);
		assert_string_equal(m.findings[0].text, cases[i].text);
		model_free(&m);
		dataset_free(&ds);
		tz_free(z);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_hostile_peer_is_bounded),
		cmocka_unit_test(test_display_zone),
		cmocka_unit_test(test_display_zone_changes),
	};

	return cmocka_run_group_tests(tests, kit_setup_catalog, kit_teardown_catalog);
}
