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

#include "dataset.h"
#include "sessions.h"
#include "tz.h"

/* Thresholds, as the TRTC console uses them. Loss in %, CPU in %, RTT and
 * stutter in ms. A finding needs the condition to hold for a stretch of
 * consecutive samples lasting at least COMPANION_MIN_SPAN_MS.
 *
 * Assumptions and rules (companion.c):
 * - Units: values are taken as the quality export gives them — aLoss,
 *   bigvLoss, appCpu, sysCpu in percent (0..100, not fractions), rtt in ms,
 *   aBlock/bigvBlock in ms of stutter per sample. Nothing is rescaled.
 * - Conditions: rtt > 400 (high_rtt, warning); loss > 5 (high_loss,
 *   warning), and an error instead when the stretch holds >= 60 s above 10
 *   (that part is reported); sysCpu > 85 (high_cpu, warning); bigvBlock >=
 *   600 / aBlock >= 200 (video_stutter / audio_stutter, warning).
 * - A stretch is consecutive samples of one series (user, peer, metric)
 *   meeting the condition, in one session, with no gap above twice the
 *   series' median sample interval (never less than 10 s); it lasts from its
 *   first to its last sample. One that ends at most 2 min before the
 *   session's timeout says "before the timeout at ...".
 * - A sample belongs to the session of its user whose span, widened by
 *   60 s, holds it: within the call named by its CommId, else within the
 *   room's (or, with no RoomId, any room's) calls. With a CommId every
 *   sample counts for that call's quality_samples.
 * - Users rows: with a CommId, the user's sessions in that call; else those
 *   in the room's CommId-less calls overlapping [JoinTs, LeaveTs] widened by
 *   join_tolerance_ms (all of them without times). A session described by
 *   several rows takes the one that joined closest before its start.
 *   Finished == 0: the user's last session of the row's latest call, when
 *   its exit is unknown, becomes EXIT_ONGOING (its no_exit finding becomes
 *   still_in_room); with a recorded exit, a leave_mismatch. JoinTs vs the
 *   first session start and (Finished == 1) LeaveTs vs the last session end
 *   differing by more than the tolerance: join_mismatch / leave_mismatch.
 *   All of these are info findings.
 * - Rooms rows: the call of (RoomId, CommId); for events without a CommId,
 *   the room's calls overlapping the room's lifetime. A row matching no
 *   call adds nothing (companion_link_unmatched counts it). While
 *   IsFinished == 0 the DestroyTime means nothing: destroyed_ms stays
 *   RR_NONE and the call is ongoing. */
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

/* Links ds's users, rooms and quality rows into m and adds their findings
 * (ds's event records are not read). Returns RR_OK or RR_ENOMEM (m is then
 * as sessions_build left it). Without companion rows it changes nothing. */
int companion_link(const struct dataset *ds, const struct companion_options *o, struct model *m);

/* companion_link, also counting into *um (zeroed first; NULL: not
 * counted) the companion rows that match no call: a users row none of
 * whose user's sessions is in the call its CommId names (without one, or
 * when no call has it: in its room's CommId-less calls overlapping
 * [JoinTs, LeaveTs] widened by the tolerance); a rooms row that names no
 * call by (RoomId, CommId) and overlaps none of its room's CommId-less
 * calls; a quality sample counted for no call's quality_samples. Such rows
 * add nothing to the model. Examples: the first DATASET_UNMATCHED_EXAMPLES
 * of each kind in the dataset's order (quality: per series, with its count
 * of unmatched samples). um is written only on RR_OK. */
int companion_link_unmatched(const struct dataset *ds, const struct companion_options *o,
			     struct model *m, struct unmatched *um);

/* Stores um in ds->unmatched and moves its rows out of used (and users,
 * rooms, quality) into counts.unmatched, so that rows = used + filtered +
 * rejected + duplicates + unmatched. Once per finished dataset. */
void companion_count_unmatched(struct dataset *ds, const struct unmatched *um);

/* Index of the first quality sample of (room, comm) in a finished dataset,
 * or ds->nquality. */
size_t companion_quality_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm);

#endif
