/*
 * Tests for severity: one severity per event (issue 17 item 5). Every
 * finding that stands for a catalog event takes that event's severity, from
 * the built-in catalog and from an override; the rule of --pages problems.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "catalog.h"
#include "severity.h"
#include "util.h"

static const struct {
	const char *code;
	enum severity want;
} findings[] = {
	{ "timeout", SEV_ERROR },            /* 7001/1 */
	{ "kicked", SEV_ERROR },             /* 7001/2: was a warning on the call page */
	{ "entry_failed", SEV_ERROR },       /* 5003/0 */
	{ "exit_failed", SEV_ERROR },        /* 5008/0: was a warning on the call page */
	{ "network_lost", SEV_WARNING },     /* 1003/0 */
	{ "permission_missing", SEV_ERROR },
	{ "camera_failed", SEV_ERROR },
	{ "decode_failed", SEV_WARNING },
	{ "signaling_lost", SEV_WARNING },
	{ "media_lost", SEV_WARNING },
	{ "entry_slow", SEV_WARNING },
	{ "no_exit", SEV_WARNING },
	{ "reentry", SEV_INFO },
	{ "background", SEV_INFO },
	{ "still_in_room", SEV_INFO },
	{ "not a code", SEV_WARNING },
};

static void test_findings_table(void **state)
{
	struct catalog *c = NULL;

	(void)state;
	assert_int_equal(catalog_new(&c), RR_OK);
	for (size_t i = 0; i < sizeof findings / sizeof findings[0]; i++) {
		print_message("case: %s\n", findings[i].code);
		assert_int_equal(severity_of_finding(c, findings[i].code), findings[i].want);
		assert_int_equal(severity_of_finding(NULL, findings[i].code), findings[i].want);
	}
	catalog_free(c);
}

/* Every rule naming an event agrees with the catalog entry that decode
 * counts under "Top problem events". */
static void test_rules_match_catalog(void **state)
{
	struct catalog *c = NULL;
	size_t n;
	const struct severity_rule *r = severity_rules(&n);

	(void)state;
	assert_int_equal(catalog_new(&c), RR_OK);
	assert_true(n >= 15);
	for (size_t i = 0; i < n; i++) {
		const struct cat_entry *e;

		if (!r[i].id || (r[i].table != CAT_SDK && r[i].table != CAT_WEBRTC))
			continue;
		print_message("rule: %s\n", r[i].code);
		e = catalog_find_event(c, r[i].id, r[i].p1, r[i].p2);
		assert_non_null(e);
		assert_int_equal(e->severity, r[i].fallback);
		assert_int_equal(severity_of_finding(c, r[i].code), e->severity);
	}
	catalog_free(c);
}

/* Event-raised findings take their own event's entry; an override of the
 * catalog moves the finding with it. */
static void test_event_and_override(void **state)
{
	static const char csv[] = "table,id,param_one,param_two,label,category,severity\n"
				  "sdk,7001,2,-1,Left room: kicked out,room,warning\n";
	struct catalog *c = NULL;
	char err[256];

	(void)state;
	assert_int_equal(catalog_new(&c), RR_OK);
	assert_int_equal(severity_of_event(c, "camera_failed", 4002, 1, -1), SEV_ERROR);
	assert_int_equal(severity_of_event(c, "decode_failed", 4013, 7, 0), SEV_WARNING);
	assert_int_equal(severity_of_event(c, "signaling_lost", 36864, -1, -1), SEV_WARNING);
	/* Unknown parameters: the finding's own. */
	assert_int_equal(severity_of_event(c, "permission_missing", 2002, 99, -1), SEV_ERROR);
	assert_int_equal(severity_of_experience(c, 2), SEV_ERROR);   /* video could not start */
	assert_int_equal(severity_of_experience(c, 4), SEV_WARNING); /* video lagged */
	assert_int_equal(severity_of_experience(c, 999), SEV_WARNING);
	assert_int_equal(catalog_load_mem(c, "o.csv", csv, strlen(csv), err, sizeof err), RR_OK);
	assert_int_equal(severity_of_finding(c, "kicked"), SEV_WARNING);
	catalog_free(c);
}

static void test_worth_opening(void **state)
{
	static const struct {
		uint32_t warn, err, info, timeout, kick, ef, xf, unk;
		int want;
	} t[] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 1, 0, 0, 0, 0, 0, 0, 0, 0 },
		{ 2, 0, 9, 0, 0, 0, 0, 0, 0 },
		{ SEVERITY_PAGE_WARNINGS, 0, 0, 0, 0, 0, 0, 0, 1 },
		{ 0, 1, 0, 0, 0, 0, 0, 0, 1 },
		{ 0, 0, 0, 1, 0, 0, 0, 0, 1 },
		{ 0, 0, 0, 0, 1, 0, 0, 0, 1 },
		{ 0, 0, 0, 0, 0, 1, 0, 0, 1 },
		{ 0, 0, 0, 0, 0, 0, 1, 0, 1 },
		{ 1, 0, 0, 0, 0, 0, 0, 1, 0 },   /* no exit recorded: a warning */
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct call c;

		memset(&c, 0, sizeof c);
		c.findings[SEV_WARNING] = t[i].warn;
		c.findings[SEV_ERROR] = t[i].err;
		c.findings[SEV_INFO] = t[i].info;
		c.exits[EXIT_TIMEOUT] = t[i].timeout;
		c.exits[EXIT_KICKED] = t[i].kick;
		c.exits[EXIT_ENTRY_FAILED] = t[i].ef;
		c.exits[EXIT_EXIT_FAILED] = t[i].xf;
		c.exits[EXIT_UNKNOWN] = t[i].unk;
		print_message("case %zu\n", i);
		assert_int_equal(severity_call_worth_opening(&c), t[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings_table),
		cmocka_unit_test(test_rules_match_catalog),
		cmocka_unit_test(test_event_and_override),
		cmocka_unit_test(test_worth_opening),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
