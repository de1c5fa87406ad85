/*
 * The tables of the sessions tests: input rows and what the model must
 * hold for them, one row per rule. Each is checked by the tests of its
 * seam (test_sessions_rules.c, _calls.c, _experiences.c, _findings.c) and
 * all of them again by test_sessions.c, which builds each one from datasets
 * cut at rooms (the incremental builder) and must get the same model. An
 * executable that reads only some of them leaves the others unused.
 */
#ifndef RR_TEST_SESSIONS_TABLES_H
#define RR_TEST_SESSIONS_TABLES_H

#include "test_sessions_kit.h"

#define TABLE __attribute__((unused))

/* ---- sessions: one table row per rule ---- */

struct session_case {
	const char *name;
	struct row rows[16];
	struct want_session want[4];
	uint32_t nwant;
	uint32_t outside;              /* outside_events of the (single) call */
};

static const struct session_case session_cases[] TABLE = {
	{ "SDK session, entry latency, normal exit",
	  { E("u", 0, 5001, -1), E("u", 2, 5003, 1), E("u", 3, 1003, 1), E("u", 4, 5007, -1),
	    E("u", 100, 5008, 1), END },
	  { { "u", 0, 100, 4, EXIT_NORMAL, 1, 1, 2000, PLAT_SDK, 0 } }, 1, 0 },
	{ "WebRTC enter and exit",
	  { E("u", 0, 32788, -1), E("u", 1, 32768, -1), E("u", 50, 32789, -1), END },
	  { { "u", 0, 50, 1, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 } }, 1, 0 },
	{ "5008 then a late 7001 timeout: timeout, end not moved",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 5008, 1), E("u", 100, 7001, 1), END },
	  { { "u", 0, 10, 1, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "7001 kicked then 5008: stays kicked",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 7001, 2), E("u", 11, 5008, 1), END },
	  { { "u", 0, 10, 1, EXIT_KICKED, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "7001 timeout then 5008 normal: stays timeout",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 7001, 1), E("u", 12, 5008, 1), END },
	  { { "u", 0, 10, 1, EXIT_TIMEOUT, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "entry failure",
	  { E("u", 0, 5001, -1), E("u", 3, 5003, 0), END },
	  { { "u", 0, 3, 0, EXIT_ENTRY_FAILED, 1, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "5008/0 is an exit failure",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 9, 5008, 0), END },
	  { { "u", 0, 9, 1, EXIT_EXIT_FAILED, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "unobserved start on 5003/1; earlier event outside",
	  { E("u", 0, 1003, 1), E("u", 5, 5003, 1), E("u", 20, 7001, 0), END },
	  { { "u", 5, 20, 5, EXIT_NORMAL, 0, 1, NONE, PLAT_SDK, 0 } }, 1, 1 },
	{ "unobserved start on 7000",
	  { E("u", 5, 7000, 0), E("u", 20, 5008, 1), END },
	  { { "u", 5, 20, 5, EXIT_NORMAL, 0, 1, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "closing event without an open session starts at the first event after the previous one",
	  { E("u", 0, 5001, -1), E("u", 10, 5008, 1), E("u", 20, 1003, 1), E("u", 25, 3001, 0),
	    E("u", 30, 7001, 1), END },
	  { { "u", 0, 10, 0, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 },
	    { "u", 20, 30, 25, EXIT_TIMEOUT, 0, 0, NONE, PLAT_SDK, 0 } }, 2, 0 },
	{ "closing event without any session starts at the user's first event",
	  { E("u", 5, 1003, 1), E("u", 9, 7001, 0), END },
	  { { "u", 5, 9, 5, EXIT_NORMAL, 0, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "a lone closing event is a session of its own",
	  { E("u", 3, 5008, 1), END },
	  { { "u", 3, 3, 3, EXIT_NORMAL, 0, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "new 5001 while open closes it as unknown at its last event",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 4, 1003, 1), E("u", 10, 5001, -1),
	    E("u", 11, 5003, 1), E("u", 20, 5008, 1), END },
	  { { "u", 0, 4, 4, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 },
	    { "u", 10, 20, 11, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 0 } }, 2, 0 },
	{ "7000/1 while entered counts re-entries",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 5, 7000, 1), E("u", 8, 7000, 1),
	    E("u", 9, 7000, 0), E("u", 10, 5008, 1), END },
	  { { "u", 0, 10, 9, EXIT_NORMAL, 1, 1, 1000, PLAT_SDK, 2 } }, 1, 0 },
	{ "events between sessions are outside; refining events are not",
	  { E("u", 0, 5001, -1), E("u", 5, 5008, 1), E("u", 6, 7001, 0), E("u", 10, 3001, 0),
	    E("u", 11, 3001, 1), E("u", 20, 5001, -1), E("u", 30, 5008, 1), END },
	  { { "u", 0, 5, 0, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 },
	    { "u", 20, 30, 20, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 } }, 2, 2 },
	{ "a user without opening or closing events gets one unknown session",
	  { E("u", 0, 1003, 1), E("u", 5, 3001, 0), E("u", 9, 4001, 0), END },
	  { { "u", 0, 9, 9, EXIT_UNKNOWN, 0, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "a session still open at the end ends at its last event",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 7, 3001, 0), END },
	  { { "u", 0, 7, 7, EXIT_UNKNOWN, 1, 1, 1000, PLAT_SDK, 0 } }, 1, 0 },
	{ "mixed SDK and WebRTC events: the opening event's kind",
	  { E("u", 0, 32788, -1), E("u", 1, 1003, 1), E("u", 2, 3001, 0), E("u", 3, 32789, -1), END },
	  { { "u", 0, 3, 2, EXIT_NORMAL, 1, 1, NONE, PLAT_WEBRTC, 0 } }, 1, 0 },
	{ "unknown IDs only: platform unknown",
	  { E("u", 0, 99, -1), E("u", 4, 98, -1), END },
	  { { "u", 0, 4, 4, EXIT_UNKNOWN, 0, 0, NONE, PLAT_UNKNOWN, 0 } }, 1, 0 },
	{ "7001 with an unlisted reason is unknown, then refined by 5008",
	  { E("u", 0, 5001, -1), E("u", 2, 7001, 9), E("u", 3, 5008, 0), END },
	  { { "u", 0, 2, 0, EXIT_EXIT_FAILED, 1, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
	{ "abnormal rows interleaved with events do not disturb the walk",
	  { E("u", 0, 5001, -1), { "r", "", "u", 60, AB, 4, 2017, -1, NULL }, E("u", 61, 5008, 1), END },
	  { { "u", 0, 61, 0, EXIT_NORMAL, 1, 0, NONE, PLAT_SDK, 0 } }, 1, 0 },
};

/* ---- calls ---- */

struct want_call {
	const char *room, *comm;
	double start, end;
	uint32_t users, peak, nsessions;
};

struct call_case {
	const char *name;
	struct row rows[16];
	struct want_call want[3];
	uint32_t nwant;
};

static const struct call_case call_cases[] TABLE = {
	{ "no CommId: a gap over 5 min splits the room into two calls",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("b", 50, 5001, -1), E("b", 200, 5008, 1),
	    E("a", 500.5, 5001, -1), E("a", 600, 5008, 1), END },
	  { { "r", "", 0, 200, 2, 2, 2 }, { "r", "", 500.5, 600, 1, 1, 1 } }, 2 },
	{ "no CommId: a gap of exactly 5 min does not split",
	  { E("a", 0, 5001, -1), E("a", 100, 5008, 1), E("b", 50, 5001, -1), E("b", 200, 5008, 1),
	    E("a", 500, 5001, -1), E("a", 600, 5008, 1), END },
	  { { "r", "", 0, 600, 2, 2, 3 } }, 1 },
	{ "one call per CommId, even when they overlap",
	  { RC("r", "c2", "a", 10, 5001, -1), RC("r", "c2", "a", 20, 5008, 1),
	    RC("r", "c1", "b", 0, 5001, -1), RC("r", "c1", "b", 15, 5008, 1), END },
	  { { "r", "c1", 0, 15, 1, 1, 1 }, { "r", "c2", 10, 20, 1, 1, 1 } }, 2 },
	{ "peak: a session ending when another starts does not overlap it",
	  { E("a", 0, 5001, -1), E("a", 10, 5008, 1), E("b", 10, 5001, -1), E("b", 20, 5008, 1),
	    E("c", 5, 5001, -1), E("c", 15, 5008, 1), END },
	  { { "r", "", 0, 20, 3, 2, 3 } }, 1 },
	{ "calls starting together are ordered by room",
	  { RC("r2", "", "a", 0, 5001, -1), RC("r2", "", "a", 9, 5008, 1),
	    RC("r1", "", "a", 0, 5001, -1), RC("r1", "", "a", 9, 5008, 1), END },
	  { { "r1", "", 0, 9, 1, 1, 1 }, { "r2", "", 0, 9, 1, 1, 1 } }, 2 },
	{ "calls starting together: by room, then CommId; one decades earlier first",
	  { RC("r1", "c2", "a", 0, 5001, -1), RC("r1", "c2", "a", 9, 5008, 1),
	    RC("r1", "c1", "a", 0, 5001, -1), RC("r1", "c1", "a", 7, 5008, 1),
	    RC("r9", "", "a", -1e9, 5001, -1), RC("r9", "", "a", -1e9 + 3, 5008, 1), END },
	  { { "r9", "", -1e9, -1e9 + 3, 1, 1, 1 }, { "r1", "c1", 0, 7, 1, 1, 1 },
	    { "r1", "c2", 0, 9, 1, 1, 1 } }, 3 },
	{ "calls a millisecond apart and decades apart keep their start order",
	  { RC("a", "", "u", 1e9, 5001, -1), RC("a", "", "u", 1e9 + 1, 5008, 1),
	    RC("b", "", "u", 0.001, 5001, -1), RC("b", "", "u", 2, 5008, 1),
	    RC("c", "", "u", 0, 5001, -1), RC("c", "", "u", 1, 5008, 1), END },
	  { { "c", "", 0, 1, 1, 1, 1 }, { "b", "", 0.001, 2, 1, 1, 1 },
	    { "a", "", 1e9, 1e9 + 1, 1, 1, 1 } }, 3 },
};

/* ---- abnormal experiences ---- */

static const struct row attach_rows[] TABLE = {
	/* u: sessions [0,100] and [200,300] in room r, one call. */
	E("u", 0, 5001, -1), E("u", 100, 5008, 1), E("u", 200, 5001, -1), E("u", 300, 5008, 1),
	AX("r", "", "u", 60, 4, 2017, "8812"),   /* inside session 0 */
	AX("r", "", "u", 60, 5, -1, NULL),       /* same time, other experience, no cause */
	AX("r", "", "u", 60, 4, 2023, NULL),     /* second cause of the first */
	AX("r", "", "u", 120, 1, 1005, NULL),    /* after session 0 ended */
	AX("r", "", "u", 420, 2, 1016, NULL),    /* after the last session */
	AX("r", "", "u", -60, 3, -1, NULL),      /* before any: nearest session */
	AX("r", "", "v", 240, 4, -1, NULL),      /* no session of v: the call */
	AX("r", "", "v", 1200, 4, -1, NULL),     /* outside every call: nearest call */
	AX("q", "", "w", 0, 4, -1, NULL),        /* no call in room q: orphan */
	END,
};

static const struct row same_comm_rows[] TABLE = {
	RC("r", "A", "u", 0, 5001, -1), RC("r", "A", "u", 100, 5008, 1),
	RC("r", "B", "u", 0, 5001, -1), RC("r", "B", "u", 100, 5008, 1),
	AX("r", "B", "u", 50, 4, -1, NULL),   /* both contain it: comm B's */
	AX("r", "C", "u", 50, 5, -1, NULL),   /* unknown comm: any session of the room */
	END,
};

/* ---- findings ---- */

struct want_finding {
	const char *code;
	enum severity severity;
	double sec;
	const char *text;
};

struct finding_case {
	const char *name;
	struct row rows[16];
	struct want_finding want[8];
	uint32_t nwant;
};

static const struct finding_case finding_cases[] TABLE = {
	{ "timeout with a network switch just before last seen",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 38, 1003, 2),
	    E("u", 44, 3001, 0), E("u", 134, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 134, "Timed out of the room at 10:02:14 (last seen 10:00:44); "
	      "network switched Wi-Fi → 4G 6 s before" } }, 1 },
	{ "timeout without a recent network change",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 100, 3001, 0),
	    E("u", 190, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 190, "Timed out of the room at 10:03:10 (last seen 10:01:40)" } }, 1 },
	{ "kicked",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 30, 7001, 2), END },
	  { { "kicked", SEV_ERROR, 30, "Removed from the room at 10:00:30" } }, 1 },
	{ "entry failed",
	  { E("u", 0, 5001, -1), E("u", 2, 5003, 0), END },
	  { { "entry_failed", SEV_ERROR, 0, "Could not enter the room (attempt at 10:00:00)" } }, 1 },
	{ "exit failed",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 9, 5008, 0), END },
	  { { "exit_failed", SEV_ERROR, 9, "Exit from the room failed at 10:00:09" } }, 1 },
	{ "no exit, slow entry, outage, background, re-entry; most severe first",
	  { E("u", 0, 5001, -1), E("u", 7.2, 5003, 1), E("u", 8, 1003, 1), E("u", 20, 1003, 0),
	    E("u", 67, 1003, 1), E("u", 70, 2001, 1), E("u", 75, 7000, 1), E("u", 80, 2001, 0),
	    E("u", 90, 3001, 0), END },
	  { { "entry_slow", SEV_WARNING, 7.2, "Entered after 7.2 s" },
	    { "network_lost", SEV_WARNING, 20, "No network for 47 s from 10:00:20" },
	    { "no_exit", SEV_WARNING, 90, "No exit recorded; last seen 10:01:30" },
	    { "background", SEV_INFO, 70, "In the background for 10 s" },
	    { "reentry", SEV_INFO, 75, "Entered again 1 time" } }, 5 },
	{ "device, permission and connection events",
	  { E("u", 0, 32788, -1), E("u", 3, 32790, -1), E("u", 4, 36864, -1), E("u", 5, 32792, -1),
	    E("u", 6, 2002, 5), E("u", 7, 4002, 0), E2("u", 8, 4013, 4, 1), E("u", 9, 2002, 2),
	    E("u", 10, 32789, -1), END },
	  { { "permission_missing", SEV_ERROR, 6, "Permission missing: camera (at 10:00:06)" },
	    { "camera_failed", SEV_ERROR, 7, "Front camera failed to start at 10:00:07" },
	    { "permission_missing", SEV_ERROR, 9, "Permission missing: read file (at 10:00:09)" },
	    { "signaling_lost", SEV_WARNING, 3, "Signaling connection lost at 10:00:03" },
	    { "signaling_lost", SEV_WARNING, 4,
	      "Signaling connection lost at 10:00:04 (reported by the server)" },
	    { "media_lost", SEV_WARNING, 5, "Media connection lost at 10:00:05" },
	    { "decode_failed", SEV_WARNING, 8,
	      "Video decoding failed at 10:00:08 (4 frames in 3 s, hardware)" } }, 7 },
	{ "an outage still running at the end lasts until the end",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 1003, 0), E("u", 40, 5008, 1), END },
	  { { "network_lost", SEV_WARNING, 10, "No network for 30 s from 10:00:10" } }, 1 },
	/* Issue 14 item 12: the words say what was seen. */
	{ "timeout whose last event was the network loss",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 14, 1003, 0),
	    E("u", 104, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 104, "Timed out of the room at 10:01:44 (last seen 10:00:14, "
	      "when the network was lost)" },
	    { "network_lost", SEV_WARNING, 14,
	      "No network from 10:00:14 until the timeout at 10:01:44" } }, 2 },
	{ "timeout whose last event was a network switch",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 44, 1003, 2),
	    E("u", 134, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 134, "Timed out of the room at 10:02:14 (last seen 10:00:44, "
	      "when the network switched Wi-Fi → 4G)" } }, 1 },
	{ "timeout whose last event was the first network report",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 44, 1003, 2), E("u", 134, 7001, 1),
	    END },
	  { { "timeout", SEV_ERROR, 134, "Timed out of the room at 10:02:14 (last seen 10:00:44, "
	      "when the network was reported as 4G)" } }, 1 },
	{ "events after the loss, then a timeout: no length for the outage",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 2, 1003, 1), E("u", 10, 1003, 0),
	    E("u", 20, 3001, 0), E("u", 110, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 110, "Timed out of the room at 10:01:50 (last seen 10:00:20); "
	      "network lost 10 s before" },
	    { "network_lost", SEV_WARNING, 10,
	      "No network from 10:00:10 until the timeout at 10:01:50" } }, 2 },
	{ "an outage until a normal exit, refined by a late timeout, keeps its length",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 1003, 0), E("u", 20, 3001, 0),
	    E("u", 40, 5008, 1), E("u", 130, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 40, "Timed out of the room at 10:00:40 (last seen 10:00:20); "
	      "network lost 10 s before" },
	    { "network_lost", SEV_WARNING, 10, "No network for 30 s from 10:00:10" } }, 2 },
	{ "an outage that ends before the timeout keeps its length",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 10, 1003, 0), E("u", 20, 1003, 1),
	    E("u", 30, 3001, 0), E("u", 120, 7001, 1), END },
	  { { "timeout", SEV_ERROR, 120, "Timed out of the room at 10:02:00 (last seen 10:00:30); "
	      "network switched no network → Wi-Fi 10 s before" },
	    { "network_lost", SEV_WARNING, 10, "No network for 10 s from 10:00:10" } }, 2 },
	{ "peers: the sender's side at the peer, what is received on the peer's stream",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1),
	    { "r", "", "u", 60, AB, 4, 1027, -1, "8812" }, { "r", "", "u", 60, AB, 4, 2005, -1, NULL },
	    { "r", "", "u", 60, AB, 4, 2007, -1, "8812" }, { "r", "", "u", 60, AB, 4, 2016, -1, "8812" },
	    E("u", 200, 5008, 1), END },
	  { { "abnormal_experience", SEV_WARNING, 60, "Video lagged at 10:01 — possible causes: "
	      "substream taken by another user (peer 8812), upstream audio loss too high, "
	      "upstream big-stream loss too high at peer 8812, "
	      "played audio is silent (volume 0) on the stream from peer 8812" } }, 1 },
	{ "a normal session raises nothing",
	  { E("u", 0, 5001, -1), E("u", 1, 5003, 1), E("u", 40, 5008, 1), END },
	  { { NULL, SEV_INFO, 0, NULL } }, 0 },
};

#endif
