/*
 * severity — one severity per event, on every page: the table of findings
 * and the catalog event each stands for. A finding raised by an event (a
 * kick, a failed exit, a timeout, a missing permission...) takes that
 * event's catalog severity, so the call page's finding and the overview's
 * "Top problem events" row of the same event always agree, --catalog
 * overrides included. Findings with no event of their own (a slow entry, a
 * session with no exit) take the table's.
 * Also the rule of `--pages problems`: which calls are worth opening.
 * Does not: raise findings (sessions) or count events (decode).
 */
#ifndef RR_SEVERITY_H
#define RR_SEVERITY_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "sessions.h"

/* One finding code: the event it stands for (table CAT_SDK/CAT_WEBRTC with
 * id, p1, p2 as in the catalog; id 0: none) and the severity used when it
 * has none or the catalog does not know it. */
struct severity_rule {
	const char *code;
	enum cat_table table;
	int32_t id, p1, p2;
	enum severity fallback;
};

/* The table, and its length. Static storage. */
const struct severity_rule *severity_rules(size_t *n);

/* The severity of finding `code`: its event's in cat (NULL: the built-in
 * table's fallback), else the fallback. An unknown code is a warning. */
enum severity severity_of_finding(const struct catalog *cat, const char *code);

/* The severity of a finding raised by the event (id, p1, p2) itself: that
 * event's catalog entry, else the finding's (severity_of_finding). */
enum severity severity_of_event(const struct catalog *cat, const char *code, int32_t id,
				int32_t p1, int32_t p2);

/* The severity of a finding raised by abnormal experience `id`: its
 * catalog entry (experience table), else warning. */
enum severity severity_of_experience(const struct catalog *cat, int32_t id);

/* --pages problems: 1 when call c is worth opening: a session timed out,
 * was kicked, failed to enter or failed to exit, or the call has an error
 * finding (those, missing permissions, failed cameras, experiences the
 * catalog calls errors...), or at least SEVERITY_PAGE_WARNINGS warning
 * findings. Else 0. */
#define SEVERITY_PAGE_WARNINGS 3
int severity_call_worth_opening(const struct call *c);

#endif
