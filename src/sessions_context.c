/*
 * sessions_context — what a session's own events showed in the minute
 * before its exit (issue 16, "what went with it"): a network loss or
 * change, the app going to the background, a device or permission
 * failure. The walk notes the last time of each (sessions_context_note,
 * called for every event of the session, no allocation) and, once the
 * session's end is final, the times in the window become session.context
 * bits (sessions_context_bits). Only the session's own events count: never
 * another session's of the same user (another device), never another
 * call's. The IDs are those of the Event ID Mapping Table, listed in
 * sessions.h (SCTX_*) and README "Weekly report".
 * Does not: count anything across sessions (report_context.c), or look at
 * abnormal experiences (placed after the walk; report_context.c).
 */
#include "sessions_int.h"

enum { K_LOSS, K_CHANGE, K_BACKGROUND, K_DEVICE, K__COUNT };

void session_context_window(const struct session *s, int64_t *from, int64_t *to)
{
	int64_t anchor = s->exit == EXIT_TIMEOUT ? s->last_seen_ms : s->end_ms;

	/* Saturated: times come from the CSV and may be near INT64_MIN. */
	*from = anchor < INT64_MIN + SESSION_CONTEXT_WINDOW_MS ? INT64_MIN
		: anchor - SESSION_CONTEXT_WINDOW_MS;
	*to = s->end_ms;
}

void sessions_context_note(struct textra *t, const struct record *r)
{
	int k = -1;

	switch (r->id) {
	case EV_NETWORK:
		if (r->p1 == 0)
			k = K_LOSS;
		else if (r->p1 > 0 && r->p1 < NET__TYPES && t->net_change_ms != RR_NONE &&
			 t->net_to != r->p1)
			k = K_CHANGE;
		break;
	case EV_W_SIGNALING_LOST:
	case EV_W_MEDIA_LOST:
		k = K_LOSS;
		break;
	case EV_BACKGROUND:
		if (r->p1 == 1)
			k = K_BACKGROUND;
		break;
	case EV_CAMERA_FAILED:
	case EV_PERMISSION:
		k = K_DEVICE;
		break;
	default:
		break;
	}
	if (k >= 0)
		t->ctx_last[k] = r->time_ms;
}

uint8_t sessions_context_bits(const struct session *s, const struct textra *t)
{
	static const uint8_t bit[K__COUNT] = { SCTX_NET_LOSS, SCTX_NET_CHANGE, SCTX_BACKGROUND,
					       SCTX_DEVICE };
	int64_t from, to;
	uint8_t bits = 0;

	session_context_window(s, &from, &to);
	for (int k = 0; k < K__COUNT; k++)
		if (t->ctx_last[k] != RR_NONE && t->ctx_last[k] >= from && t->ctx_last[k] <= to)
			bits |= bit[k];
	return bits;
}
