/*
 * callview_int.h — what callview.c and callview_charts.c share: the storage
 * a view keeps between builds and the builder of one view.
 * Does not: hold any step of the build (each lives in its .c).
 */
#ifndef RR_CALLVIEW_INT_H
#define RR_CALLVIEW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "callview.h"
#include "textbuf.h"

/* Decoded labels of events by (id, p1, p2), kept from call to call: the
 * same few events come back all the time, so most are looked up and
 * formatted once. The labels live in an arena of their own; when it holds
 * LABEL_BYTES, it and the cache are emptied (a new gen). */
#define LABEL_CACHE 1024
#define LABEL_BYTES (1 << 20)

struct label_slot {
	int32_t id, p1, p2;
	uint32_t gen;            /* 0: empty */
	const struct cat_entry *e;
	const char *label;       /* in the arena */
	size_t len;
};

/* Everything a view keeps between callview_rebuild calls. */
struct cv_storage {
	struct label_slot labels[LABEL_CACHE];
	uint32_t gen;
	struct arena label_arena;
	size_t label_bytes;
	const struct catalog *label_cat;   /* the labels' catalog */
	struct arena arena;
	size_t caplanes, capbars, capmarks, capspans, capexps, caplog, capticks;
	size_t capfindings, capcx, capcharts, capseries, cappoints;
	struct piece *pieces;    /* scratch: one lane's sample ranges */
	size_t cappieces;
	uint32_t *order;         /* scratch: the call's sessions by lane */
	const struct session **ss;
	size_t caporder, capss;
};

/* What one build of a view works with. */
struct builder {
	const struct report *r;
	const struct catalog *cat;
	const struct model *m;
	const struct call *c;
	const struct strtab *st;
	const struct tz *tz;
	struct callview *v;
	struct cv_storage *st_;  /* v->storage */
	struct arena *arena;     /* &st_->arena */
	size_t npieces;
	/* time_of_day's zone offset, for the UTC second off_sec */
	int64_t off_sec;
	int32_t off;
	int off_known;
	/* The page spans a change of the zone's offset: every time it shows
	 * carries the zone's abbreviation for it ("02:10:00 CET"). */
	int zoned;
	int32_t abbr_off;        /* the offset abbr names; abbr "" before the first */
	char abbr[16];
};

/* A copy of t's text in the view's arena; NULL when out of memory. */
static inline const char *put_text(struct builder *b, const struct textbuf *t)
{
	return arena_put(b->arena, t->buf, t->len);
}

/* The quality charts of lane ln, of user `user` (callview_charts.c):
 * appended to the view's charts, series and points. RR_OK or RR_ENOMEM. */
int callview_lane_charts(struct builder *b, struct cv_lane *ln, uint32_t user);

#endif
