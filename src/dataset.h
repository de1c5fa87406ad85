/*
 * dataset — the in-memory form of everything ingested: compact fixed-size
 * records, the string table they point into, per-file names and the input
 * counts. Ingest appends; dataset_finish() sorts and removes exact
 * duplicates; later stages only read. Does not: parse CSV or decode IDs.
 */
#ifndef RR_DATASET_H
#define RR_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "strtab.h"
#include "util.h"

enum rec_kind { REC_EVENT = 0, REC_ABNORMAL = 1 };

/*
 * One event row or one abnormal-experience row (one row per cause). 32 bytes:
 * there is one per input row, so it is packed, without a spare bit: times
 * fit in 48 bits (ingest takes 2000..2100, about 2^42 ms) and string ids in
 * 24 (STRTAB_MAX_STRINGS is 2^24), so the four ids share twelve bytes and
 * the int32 fields stay 4-byte aligned. Read and assign the fields as usual;
 * they are bit-fields, so no address can be taken. Which file a
 * record came from is not kept: nothing after ingest asks, and its
 * diagnostics are written while the file is read.
 * For REC_EVENT: id = EventId, p1/p2 = ParamOne/ParamTwo (-1 when unused or
 * empty), stream = Type (-1 when absent).
 * For REC_ABNORMAL: id = ExperienceId (0 when the row gives none), p1 =
 * AbnormalEventId (-1 = experience with no listed cause), p2 = -1, stream = -1.
 */
struct record {
	int64_t time_ms : 48;         /* epoch ms, UTC */
	uint32_t kind : 8;            /* enum rec_kind */
	signed int stream : 8;
	uint32_t room : 24;           /* strtab ids; 0 = empty */
	uint32_t comm : 24;
	uint32_t user : 24;
	uint32_t peer : 24;
	int32_t id;
	int32_t p1;
	int32_t p2;
} __attribute__((packed, aligned(4)));

_Static_assert(sizeof(struct record) == 32, "struct record is 32 bytes");
_Static_assert(STRTAB_MAX_STRINGS <= (1u << 24), "string ids fit in 24 bits");
/* The range of record times: ingest's limits must stay inside it. */
#define RECORD_MIN_TIME_MS (-(INT64_C(1) << 47))
#define RECORD_MAX_TIME_MS ((INT64_C(1) << 47) - 1)

/* One row of a users file: what TRTC knows of one user in one room. */
struct user_info {
	int64_t join_ms, leave_ms;   /* RR_NONE when not given; leave is "now" while in the room */
	uint32_t room, comm, user;   /* strtab ids; comm 0 = not given */
	uint32_t device, sdk, ip;    /* DeviceType, SdkVersion, ClientIp; 0 = not given */
	int8_t finished;             /* 1 left, 0 still in the room at export, -1 not given */
	uint16_t file;
	uint32_t line;               /* in its file (companion files are read on one
				      * thread); UINT32_MAX past it. Like file, not
				      * compared when removing repeats */
};

/* One row of a rooms file: one call's room lifetime. */
struct room_info {
	int64_t create_ms, destroy_ms;  /* RR_NONE when not given */
	uint32_t room, comm;
	int8_t finished;             /* IsFinished: 1, 0, or -1 not given */
	uint16_t file;
	uint32_t line;               /* as user_info.line */
};

/* One quality sample: metric `metric` (index into dataset.metrics) of user's
 * upstream (peer 0) or of the stream the user receives from peer. 32 bytes. */
struct quality_sample {
	int64_t time_ms;
	uint32_t room, comm, user, peer;  /* room/comm 0 when the file has none */
	uint16_t metric;
	uint16_t file;
	float value;
};

/* At most this many distinct DataType names; rows with a new name past it
 * are rejected (out_of_range). */
#define DATASET_MAX_METRICS 1024

/* Every data row of every input file (events, abnormal experiences, users,
 * rooms, quality; the header is not a data row) is counted once in rows and
 * once in exactly one of used, filtered, rejected, duplicates and unmatched:
 * rows = used + filtered + rejected + duplicates + unmatched. */
struct input_counts {
	uint64_t rows;          /* data rows read from all files */
	uint64_t used;          /* rows kept after filters and de-duplication that
				 * are used: every record (an abnormal row of a room
				 * without events is still shown), companion rows that
				 * match a call */
	uint64_t filtered;      /* left out by --room/--user/--from/--to */
	uint64_t rejected;      /* unusable rows (see diag) */
	uint64_t duplicates;    /* exact repeats of an earlier row, dropped */
	uint64_t events;        /* used REC_EVENT records */
	uint64_t abnormal;      /* used REC_ABNORMAL records */
	uint64_t users;         /* used users-file rows */
	uint64_t rooms;         /* used rooms-file rows */
	uint64_t quality;       /* used quality samples */
	/* Companion rows that match no call (see struct unmatched): kept in
	 * the dataset's arrays but not in used, users, rooms or quality. */
	uint64_t unmatched;
};

/* The kinds of companion file (DESIGN §1). */
enum companion_kind { COMPANION_USERS, COMPANION_ROOMS, COMPANION_QUALITY, COMPANION__KINDS };

/* A companion row that matches no call, named for the data-quality
 * section: a users or rooms row (line set), or a run of quality samples of
 * one (room, CommId, user, peer, DataType) series (line 0, rows samples). */
struct unmatched_example {
	uint16_t file;           /* index into dataset.files */
	uint16_t metric;         /* quality: index into dataset.metrics */
	uint32_t line;           /* 0 for a quality series */
	uint32_t room, comm, user;   /* strtab ids; 0 = not given (a rooms row has no user) */
	uint64_t rows;
};

#define DATASET_UNMATCHED_EXAMPLES 3

/* Companion rows matching no call, per kind (enum companion_kind): counted
 * by companion_link_unmatched, stored by companion_count_unmatched. */
struct unmatched {
	uint64_t rows[COMPANION__KINDS];
	struct unmatched_example ex[COMPANION__KINDS][DATASET_UNMATCHED_EXAMPLES];
	uint32_t nex[COMPANION__KINDS];
};

struct dataset {
	struct strtab *strs;
	struct record *recs;    /* a mapping of its own (see dataset.c): only the
				 * functions below grow or release it */
	size_t nrecs, caprecs;
	char **files;           /* owned names, as given on the command line */
	size_t nfiles, capfiles;
	/* Companion files (DESIGN §1): kept apart from the event records. */
	struct user_info *users;
	size_t nusers, capusers;
	struct room_info *rooms;
	size_t nrooms, caprooms;
	struct quality_sample *quality;
	size_t nquality, capquality;
	uint32_t *metrics;      /* strtab ids of DataType names, in first-seen order */
	size_t nmetrics, capmetrics;
	struct input_counts counts;
	/* Files of each companion kind read (their header named the kind),
	 * whether or not a row of theirs was used: pages say "no users file"
	 * only when companion_files[COMPANION_USERS] is 0. */
	uint32_t companion_files[COMPANION__KINDS];
	struct unmatched unmatched;  /* all 0 until companion_count_unmatched */
	struct diag diag;
	int finished;           /* set by dataset_finish */
	/* Threads dataset_finish sorts the records on: 0 (dataset_init's
	 * choice) = one per online processor, at most DATASET_MAX_THREADS, and
	 * fewer so that each has DATASET_PART_MIN records or more; n >= 1 = n
	 * (at most DATASET_MAX_THREADS and one per record), however few records
	 * each gets, which tests use. The result is the same for any number. */
	unsigned threads;
	/* Records beyond memory (partition.h). When spill is set, the record
	 * array never holds more than spill_at records: once it does,
	 * dataset_append and dataset_absorb hand them to spill(spill_ctx,
	 * recs, n), in input order, and start the array again (keeping its
	 * memory). A status other than RR_OK from spill is what the append or
	 * absorb returns (the records handed over are then lost to ds). */
	int (*spill)(void *ctx, const struct record *recs, size_t n);
	void *spill_ctx;
	size_t spill_at;
	int shared_strs;        /* strs belongs to another dataset (dataset_init_part) */
	/* Internal to the dataset files (dataset_int.h). The record array may
	 * be made of several kernel mappings (dataset_absorb moves pages into
	 * it): seams are the byte offsets where one ends and the next begins.
	 * pads lists the runs of padding copies dataset_absorb put in recs
	 * (where and how many; see dataset_absorb). */
	size_t *seams;
	size_t nseams, capseams;
	struct dataset_pad { size_t at, n; } *pads;
	size_t npads, cappads;
	/* Rows without SdkAppId (dataset_resolve_apps): per strtab id, the
	 * room key a plain RoomId stands for (itself when none, or when
	 * several apps use it); NULL when no id changes. Borrowed, not owned,
	 * by a partition dataset (dataset_part_of). */
	uint32_t *room_map;
	size_t nroom_map;
	int apps_resolved;
	/* The rooms-file rows the CommId-less records are joined by
	 * (dataset_finish): ds->rooms, or those of the run a partition
	 * dataset is part of (dataset_part_of). */
	const struct room_info *span_rooms;
	size_t nspan_rooms;
};

/*
 * Room keys (DESIGN §1): a room is (SdkAppId, RoomId). Ingest interns a
 * row's room as one string, the SdkAppId, DATASET_APP_SEP and the RoomId,
 * or the RoomId alone when the row has no SdkAppId; records, companion rows
 * and everything built from them keep that one id. The separator is a byte
 * that valid UTF-8 never holds, and ingest rejects invalid UTF-8, so no ID
 * contains it.
 */
#define DATASET_APP_SEP '\xff'

/* The RoomId of room key id room (NUL-terminated, owned by st) and, when
 * len is not NULL, its length. */
const char *dataset_room_name(const struct strtab *st, uint32_t room, size_t *len);

/* The SdkAppId of room key id room (not NUL-terminated: *len bytes, owned by
 * st), or NULL (and *len 0) when the key has none. */
const char *dataset_room_app(const struct strtab *st, uint32_t room, size_t *len);

/*
 * Settles the app of rows without SdkAppId (DESIGN §1): a plain RoomId
 * that exactly one app uses (some room key "app SEP RoomId" is in the
 * string table) stands for that app's room; one that several apps use stays
 * a room of its own, without app, and gets a note in ds->diag naming the
 * apps and the rows concerned. Builds ds->room_map (once: later calls do
 * nothing). Only the string table decides the map; used[id] (nused
 * entries; NULL: none) counts records that are not in ds (spilled, see
 * partition.h) by room id, for the notes. Does not change any row:
 * dataset_finish applies the map. RR_OK or RR_ENOMEM.
 */
int dataset_resolve_apps(struct dataset *ds, const uint32_t *used, size_t nused);

/* The room key that plain room id room stands for (room itself when none). */
static inline uint32_t dataset_room_of(const struct dataset *ds, uint32_t room)
{
	return room < ds->nroom_map ? ds->room_map[room] : room;
}

/* Lets part (dataset_init_part) use what whole (its run's dataset, after
 * dataset_resolve_apps and dataset_finish) settled: the room map and the
 * rooms-file spans. whole must outlive part. */
void dataset_part_of(struct dataset *part, const struct dataset *whole);

#define DATASET_MAX_THREADS 8
#define DATASET_PART_MIN 65536

/* Returns RR_OK or RR_ENOMEM (nothing to free then). */
int dataset_init(struct dataset *ds);
void dataset_free(struct dataset *ds);

/* Initialises ds to hold records whose string ids are those of strs,
 * which it uses but does not own (dataset_free leaves it): one partition of
 * a larger run. ds gets no files or companion rows of its own; only
 * dataset_reserve (then filling recs directly), dataset_append,
 * dataset_finish and the readers are meant for it. Cannot fail. */
void dataset_init_part(struct dataset *ds, struct strtab *strs);

/* Makes room for n records in all (caprecs >= n) without growing again:
 * the caller may then write recs[nrecs..n) itself and raise nrecs. May
 * move recs. RR_OK or RR_ENOMEM (nothing changed). */
int dataset_reserve(struct dataset *ds, size_t n);

/* With ds->spill set: hands the records still held to the hook and
 * releases the array's memory. Returns what the hook returns (RR_OK
 * without records). */
int dataset_spill_rest(struct dataset *ds);

/* Gives the record array's memory back (recs NULL, nrecs 0); strings,
 * counts and companion rows stay. For a run whose remaining stages read
 * only what was built from the records. Cannot fail. */
void dataset_drop_records(struct dataset *ds);

/* Registers a file name (copied); *index receives its number. RR_EDATA when
 * more than 65535 files are given, RR_ENOMEM when out of memory. */
int dataset_add_file(struct dataset *ds, const char *name, uint16_t *index);

/* Appends a copy of r; growing may move recs. With ds->spill set, first
 * hands the records held to the hook when there are spill_at of them.
 * RR_OK; RR_ENOMEM (nothing appended); or the hook's status. */
int dataset_append(struct dataset *ds, const struct record *r);

/* Append a copy of a companion row. RR_OK or RR_ENOMEM. */
int dataset_append_user(struct dataset *ds, const struct user_info *u);
int dataset_append_room(struct dataset *ds, const struct room_info *r);
int dataset_append_quality(struct dataset *ds, const struct quality_sample *q);

/* The index of metric name id (a strtab id) in ds->metrics, adding it when
 * new. RR_OK; RR_EDATA past DATASET_MAX_METRICS; RR_ENOMEM. */
int dataset_metric(struct dataset *ds, uint32_t name, uint16_t *index);

/*
 * Moves everything src holds into dst, as if src's rows had been appended to
 * dst after dst's own: records (their strtab ids translated into dst's table,
 * new strings interned in the order src first met them, so ids equal those a
 * single dataset fed the same rows in the same order would have), companion
 * rows and metrics, counts (added), diagnostics (kept items appended in
 * order within DIAG_KEEP per reason, with line_offset added to their lines;
 * notes appended). src's file indexes must be dst's (src registers no files
 * of its own). src's storage is released as it is consumed, so peak memory
 * stays near the sum of both. Only before dataset_finish on either. dst's
 * recs may move.
 * Padding: when src's records are appended by moving its pages, dst's
 * records before them may be followed by up to 1,023 copies of dst's last
 * record (listed in dst->pads). They are in recs and nrecs until
 * dataset_finish, which removes them without counting them as duplicates;
 * the spill hook is never handed them.
 * With dst->spill set, records past spill_at go to the hook as
 * dataset_append would hand them.
 * Returns RR_OK; RR_EDATA, with dst and src unchanged, when dst's string
 * table would pass its limits or dst would have more than
 * DATASET_MAX_METRICS metric names (the caller can then re-read src's rows
 * one by one to find the row that passes them); RR_ENOMEM, after which dst
 * holds part of src and is only fit to be freed; or a status other than
 * RR_OK from the spill hook, after which src's records not handed over are
 * lost and the caller stops the run. src is freed by the caller
 * (dataset_free) in every case.
 */
int dataset_absorb(struct dataset *dst, struct dataset *src, uint64_t line_offset);

/*
 * First gives every record and companion row without SdkAppId the room key
 * dataset_resolve_apps settled (resolving first unless ds is a partition
 * dataset). Sorts records by (room, comm, user, time), keeping input order
 * among equal keys, then removes duplicates, counting them in
 * counts.duplicates: records of the same room, comm, user and time with the
 * same kind, id, p1 and p2 and, of Type (stream) and PeerId (peer), the same
 * value in each one that both carry (stream -1 and an event's peer 0
 * carry none; an abnormal record's peer is always compared, since an empty
 * PeerId says its cause is not a remote user's; DESIGN §1). Among duplicates the one carrying more of those columns is
 * kept (Type before PeerId; the earlier among equals). Then records without
 * CommId join the CommId call of their room whose span holds them: its span
 * runs from the earlier of its rooms-file CreateTime and its first record
 * to the later of its DestroyTime (open-ended when IsFinished is 0) and its
 * last record; calls of the rooms file without records count too. Where
 * several spans hold a record, the call that has its duplicate wins, then
 * one with a row of its user in that millisecond, then one with rows of the
 * user before and after it (the latest row before nearest), then one with
 * rows of the user; the earliest-starting among equals. The joined records
 * are sorted into their call (before the call's own records of the same
 * user and time) and de-duplicated with it by the same rule.
 * Sets used, events and abnormal.
 * Records with the same (room, comm) are then contiguous.
 * Companion rows get the same treatment: users sorted by (room, comm, user,
 * join), rooms by (room, comm, create), quality by (room, comm, user, peer,
 * metric, time); exact repeats dropped and counted as duplicates; counts
 * users, rooms and quality set (and included in used).
 * The records are rearranged in place (recs does not move; nrecs may drop);
 * dataset_absorb's padding copies are gone. Scratch while it runs: up to about
 * 8 bytes per record plus under 1 MB per thread (dataset_sort.c), then a
 * copy of the largest companion array. Threads: as ds->threads says; the
 * records, their order and the counts are the same for any number.
 * RR_OK or RR_ENOMEM (also past 2^32 - 1 records); on RR_ENOMEM no row is
 * lost except duplicates already removed and counted, the order may have
 * changed, records without CommId may have joined calls, and dataset_finish
 * may be called again (with the result of one call).
 */
int dataset_finish(struct dataset *ds);

/* The records' indexes in time order, ties in array order, into *out
 * (rr_malloc'd, nrecs entries; NULL without records; the caller frees it
 * with rr_free). RR_OK, or RR_ENOMEM (also past 2^32 - 1 records). */
int dataset_time_order(const struct dataset *ds, uint32_t **out);

/* Index of the first record with the given (room, comm), or nrecs. Only after
 * dataset_finish. */
size_t dataset_lower_bound(const struct dataset *ds, uint32_t room, uint32_t comm);

#endif
