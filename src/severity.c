/*
 * severity — the table of findings and the events they stand for, and the
 * rule of `--pages problems` (severity.h).
 * Does not: raise findings or count events.
 */
#include "severity.h"

#include <string.h>

/* Every finding code the sessions and the companion files raise. The
 * events are the catalog's (catalog_data.c): a timeout is 7001/1, a kick
 * 7001/2, a failed entry 5003/0, a failed exit 5008/0, a lost network
 * 1003/0. Findings raised by one event of a family (permission_missing,
 * camera_failed, decode_failed, signaling_lost, media_lost) name one
 * member here and take their own event's severity (severity_of_event). */
static const struct severity_rule rules[] = {
	{ "timeout", CAT_SDK, 7001, 1, -1, SEV_ERROR },
	{ "kicked", CAT_SDK, 7001, 2, -1, SEV_ERROR },
	{ "entry_failed", CAT_SDK, 5003, 0, -1, SEV_ERROR },
	{ "exit_failed", CAT_SDK, 5008, 0, -1, SEV_ERROR },
	{ "network_lost", CAT_SDK, 1003, 0, -1, SEV_WARNING },
	{ "permission_missing", CAT_SDK, 2002, 4, -1, SEV_ERROR },
	{ "camera_failed", CAT_SDK, 4002, 0, -1, SEV_ERROR },
	{ "decode_failed", CAT_SDK, 4013, 1, 1, SEV_WARNING },
	{ "signaling_lost", CAT_WEBRTC, 32790, -1, -1, SEV_WARNING },
	{ "media_lost", CAT_WEBRTC, 32792, -1, -1, SEV_WARNING },
	{ "abnormal_experience", CAT_EXPERIENCE, 0, -1, -1, SEV_WARNING },
	{ "entry_slow", CAT_SDK, 0, -1, -1, SEV_WARNING },
	{ "no_exit", CAT_SDK, 0, -1, -1, SEV_WARNING },
	{ "reentry", CAT_SDK, 0, -1, -1, SEV_INFO },
	{ "background", CAT_SDK, 0, -1, -1, SEV_INFO },
	{ "still_in_room", CAT_SDK, 0, -1, -1, SEV_INFO },
	{ "leave_mismatch", CAT_SDK, 0, -1, -1, SEV_INFO },
};

const struct severity_rule *severity_rules(size_t *n)
{
	*n = sizeof rules / sizeof rules[0];
	return rules;
}

static const struct severity_rule *find_rule(const char *code)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].code, code) == 0)
			return &rules[i];
	return NULL;
}

enum severity severity_of_finding(const struct catalog *cat, const char *code)
{
	const struct severity_rule *r = find_rule(code);
	const struct cat_entry *e;

	if (!r)
		return SEV_WARNING;
	if (cat && r->id && (r->table == CAT_SDK || r->table == CAT_WEBRTC) &&
	    (e = catalog_find_event(cat, r->id, r->p1, r->p2)) != NULL)
		return e->severity;
	return r->fallback;
}

enum severity severity_of_event(const struct catalog *cat, const char *code, int32_t id,
				int32_t p1, int32_t p2)
{
	const struct cat_entry *e = cat ? catalog_find_event(cat, id, p1, p2) : NULL;

	return e ? e->severity : severity_of_finding(cat, code);
}

enum severity severity_of_experience(const struct catalog *cat, int32_t id)
{
	const struct cat_entry *e = cat ? catalog_find_experience(cat, id) : NULL;

	return e ? e->severity : SEV_WARNING;
}

int severity_call_worth_opening(const struct call *c)
{
	return c->exits[EXIT_TIMEOUT] + c->exits[EXIT_KICKED] + c->exits[EXIT_ENTRY_FAILED] +
	       c->exits[EXIT_EXIT_FAILED] > 0 ||
	       c->findings[SEV_ERROR] > 0 || c->findings[SEV_WARNING] >= SEVERITY_PAGE_WARNINGS;
}
