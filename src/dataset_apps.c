/*
 * dataset_apps — room keys (SdkAppId, RoomId) and the app of rows without
 * SdkAppId (DESIGN §1): the RoomId and app of a key, the room map that
 * dataset_resolve_apps settles and dataset_finish applies.
 * Does not: change rows before dataset_finish, or store any.
 */
#include "dataset_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *dataset_room_name(const struct strtab *st, uint32_t room, size_t *len)
{
	const char *s = strtab_str(st, room);
	size_t n = strtab_len(st, room);
	const char *sep = memchr(s, (unsigned char)DATASET_APP_SEP, n);

	if (sep) {
		n -= (size_t)(sep + 1 - s);
		s = sep + 1;
	}
	if (len)
		*len = n;
	return s;
}

const char *dataset_room_app(const struct strtab *st, uint32_t room, size_t *len)
{
	const char *s = strtab_str(st, room);
	const char *sep = memchr(s, (unsigned char)DATASET_APP_SEP, strtab_len(st, room));

	*len = sep ? (size_t)(sep - s) : 0;
	return sep ? s : NULL;
}

void dataset_part_of(struct dataset *part, const struct dataset *whole)
{
	part->room_map = whole->room_map;
	part->nroom_map = whole->nroom_map;
	part->apps_resolved = 1;
	part->span_rooms = whole->rooms;
	part->nspan_rooms = whole->nrooms;
}

/* A RoomId with an app's key: the plain id and the key's. */
struct app_key {
	uint32_t plain, key;
};

static int app_key_cmp(const void *x, const void *y)
{
	const struct app_key *a = x, *b = y;

	if (a->plain != b->plain)
		return a->plain < b->plain ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* Notes past this many RoomIds of several apps are summed up in one. */
#define AMBIGUOUS_NOTES 20

/* Index of plain in the sorted ids[0..n), or n. */
static size_t find_id(const uint32_t *ids, size_t n, uint32_t plain)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < plain)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo] == plain ? lo : n;
}

/* The notes for the RoomIds amb[0..namb) (sorted plain ids) that several
 * apps use, whose keys are in keys[0..nkeys) (sorted): the rows without
 * SdkAppId of each, from ds and used[]. */
static int note_ambiguous(struct dataset *ds, const uint32_t *amb, size_t namb,
			  const struct app_key *keys, size_t nkeys, const uint32_t *used,
			  size_t nused)
{
	const struct strtab *st = ds->strs;
	uint64_t *rows = rr_calloc(namb, sizeof *rows);
	struct { char *s; size_t len, cap; } apps = { NULL, 0, 0 };
	size_t noted = 0, more = 0, k = 0;
	int rc = RR_OK;

	if (!rows)
		return RR_ENOMEM;
	/* Rows by room, one pass over each kind. */
#define COUNT_ROWS(arr, n)                                                     \
	for (size_t i = 0; i < (n); i++) {                                     \
		size_t x = find_id(amb, namb, (arr)[i].room);                  \
		if (x < namb)                                                  \
			rows[x]++;                                             \
	}
	COUNT_ROWS(ds->recs, ds->nrecs)
	COUNT_ROWS(ds->users, ds->nusers)
	COUNT_ROWS(ds->rooms, ds->nrooms)
	COUNT_ROWS(ds->quality, ds->nquality)
#undef COUNT_ROWS
	for (size_t x = 0; x < namb && rc == RR_OK; x++) {
		uint32_t napps = 0;

		if (amb[x] < nused && used)
			rows[x] += used[amb[x]];
		while (k < nkeys && keys[k].plain < amb[x])
			k++;
		if (!rows[x])
			continue;
		if (noted == AMBIGUOUS_NOTES) {
			more++;
			continue;
		}
		apps.len = 0;
		for (size_t y = k; y < nkeys && keys[y].plain == amb[x]; y++) {
			size_t al;
			const char *app = dataset_room_app(st, keys[y].key, &al);

			if (rr_grow(&apps.s, &apps.cap, apps.len + al + 3, 1) != RR_OK) {
				rc = RR_ENOMEM;
				break;
			}
			if (napps++) {
				memcpy(apps.s + apps.len, ", ", 2);
				apps.len += 2;
			}
			memcpy(apps.s + apps.len, app, al);
			apps.len += al;
			apps.s[apps.len] = '\0';
		}
		if (rc == RR_OK)
			rc = diag_note(&ds->diag, "RoomId %s is used by %" PRIu32 " apps (SdkAppId "
				       "%s): its %" PRIu64 " row%s without SdkAppId could belong to "
				       "any of them and %s kept apart as room %s without an app",
				       strtab_str(st, amb[x]), napps, apps.s ? apps.s : "", rows[x],
				       rows[x] == 1 ? "" : "s", rows[x] == 1 ? "is" : "are",
				       strtab_str(st, amb[x]));
		noted++;
	}
	if (rc == RR_OK && more)
		rc = diag_note(&ds->diag, "%zu more RoomIds used by several apps have rows without "
			       "SdkAppId, each kept apart as a room without an app", more);
	rr_free(apps.s);
	rr_free(rows);
	return rc;
}

int dataset_resolve_apps(struct dataset *ds, const uint32_t *used, size_t nused)
{
	const struct strtab *st = ds->strs;
	uint32_t n = strtab_count(st), *map = NULL, *amb = NULL;
	struct app_key *keys = NULL;
	size_t nkeys = 0, capkeys = 0, namb = 0;
	int rc = RR_ENOMEM;

	if (ds->apps_resolved)
		return RR_OK;
	/* Every room key with an app whose RoomId is also a string of its own. */
	for (uint32_t id = 1; id < n; id++) {
		const char *s = strtab_str(st, id);
		size_t len = strtab_len(st, id);
		const char *sep = memchr(s, (unsigned char)DATASET_APP_SEP, len);
		uint32_t plain;

		if (!sep || !strtab_find(st, sep + 1, len - (size_t)(sep + 1 - s), &plain))
			continue;
		if (rr_grow(&keys, &capkeys, nkeys + 1, sizeof *keys) != RR_OK)
			goto out;
		keys[nkeys].plain = plain;
		keys[nkeys++].key = id;
	}
	if (nkeys) {
		if (!(map = rr_malloc((size_t)n * sizeof *map)) ||
		    !(amb = rr_malloc(nkeys * sizeof *amb)))
			goto out;
		qsort(keys, nkeys, sizeof *keys, app_key_cmp);
		for (uint32_t i = 0; i < n; i++)
			map[i] = i;
		/* One app: its key; several: the RoomId stays a room of its own. */
		for (size_t i = 0, e; i < nkeys; i = e) {
			for (e = i + 1; e < nkeys && keys[e].plain == keys[i].plain; e++)
				;
			if (e == i + 1)
				map[keys[i].plain] = keys[i].key;
			else
				amb[namb++] = keys[i].plain;
		}
		if (namb && note_ambiguous(ds, amb, namb, keys, nkeys, used, nused) != RR_OK)
			goto out;
	}
	ds->room_map = map;
	ds->nroom_map = map ? n : 0;
	map = NULL;
	ds->apps_resolved = 1;
	rc = RR_OK;
out:
	rr_free(map);
	rr_free(keys);
	rr_free(amb);
	return rc;
}

void room_map_apply(struct dataset *ds)
{
	if (!ds->room_map)
		return;
	for (size_t i = 0; i < ds->nrecs; i++)
		ds->recs[i].room = dataset_room_of(ds, ds->recs[i].room);
	for (size_t i = 0; i < ds->nusers; i++)
		ds->users[i].room = dataset_room_of(ds, ds->users[i].room);
	for (size_t i = 0; i < ds->nrooms; i++)
		ds->rooms[i].room = dataset_room_of(ds, ds->rooms[i].room);
	for (size_t i = 0; i < ds->nquality; i++)
		ds->quality[i].room = dataset_room_of(ds, ds->quality[i].room);
}
