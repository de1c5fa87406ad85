/*
 * companion — joins the companion exports (DESIGN §1) to the model built
 * from events: users-file rows to sessions (device type, SDK version, client
 * IP; a user the file shows as still in the room gets EXIT_ONGOING instead of
 * an unknown exit; join/leave times that disagree with the events become
 * findings), rooms-file rows to calls (creation and dismissal times, ongoing
 * rooms), quality samples to calls, and findings from quality thresholds
 * ("RTT above 400 ms for 3 min before the timeout at 10:32:15").
 * Linking is by (RoomId, CommId) when the row has a CommId, else by RoomId
 * and time. Does not: build sessions (sessions) or aggregate (report).
 */
#ifndef RR_COMPANION_H
#define RR_COMPANION_H

#include <stdint.h>

#include "catalog.h"
#include "dataset.h"
#include "sessions.h"
#include "tz.h"

/* Thresholds, as the TRTC console uses them. Loss in %, CPU in %, RTT and
 * stutter in ms. A finding needs the condition to hold for a stretch of
 * consecutive samples lasting at least COMPANION_MIN_SPAN_MS. */
#define COMPANION_LOSS_FINE 2.0
#define COMPANION_LOSS_POOR 5.0
#define COMPANION_LOSS_SEVERE 10.0
#define COMPANION_SYS_CPU_HIGH 85.0
#define COMPANION_RTT_HIGH 400.0
#define COMPANION_VIDEO_STUTTER_MS 600.0
#define COMPANION_AUDIO_STUTTER_MS 200.0
#define COMPANION_MIN_SPAN_MS 60000

struct companion_options {
	const struct tz *display_tz;     /* zone of times in finding texts; NULL: UTC */
	int64_t join_tolerance_ms;       /* users-file join/leave vs events; default 60 s */
};

void companion_options_init(struct companion_options *o);

/* Links ds's users, rooms and quality rows into m and adds their findings.
 * Returns RR_OK or RR_ENOMEM (m is then as sessions_build left it). */
int companion_link(const struct dataset *ds, const struct catalog *cat,
		   const struct companion_options *o, struct model *m);

/* Index of the first quality sample of (room, comm) in a finished dataset,
 * or ds->nquality. */
size_t companion_quality_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm);

#endif
