/*
 * user_calls — `--user` keeps whole calls (README "Filters"): the calls
 * (DESIGN §1) in which a selected user has a row, with every participant's
 * rows. Ingest keeps the rows of every user (users_whole_calls; the other
 * filters apply); then each range of whole rooms loses the records of the
 * calls without a selected user before decode and sessions read it, and,
 * once the model is built, the companion rows of no kept participant go.
 * What goes is counted as filtered, so rows = used + filtered + rejected +
 * duplicates + unmatched still holds. A range gives the same answer in
 * memory and in a split run, since its rooms are whole.
 * Does not: read files, or decide what a call is (sessions does).
 */
#ifndef RR_USER_CALLS_H
#define RR_USER_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "dataset.h"
#include "sessions.h"

/* The string ids (of strs) of the n --user values some row interned, into
 * ids (room for n); returns how many (0: no selected user has a row). */
size_t user_calls_ids(const struct strtab *strs, const char *const *users, size_t n,
		      uint32_t *ids);

/*
 * Keeps in the finished dataset d only the records of the calls in which a
 * user of ids[0..nids) has a record (calls as sessions_build(d, cat, o)
 * builds them: an event belongs to the call containing it, else the
 * nearest of its (room, CommId); an abnormal row to its experience's call),
 * and the records of no call whose user is one of ids. Records keep their
 * order; d->counts.used, events and abnormal lose the dropped ones, whose
 * number is added to *dropped. RR_OK, or RR_ENOMEM with d unchanged.
 */
int user_calls_keep_records(struct dataset *d, const struct catalog *cat,
			    const struct sessions_options *o, const uint32_t *ids, size_t nids,
			    uint64_t *dropped);

/*
 * After the model m of the kept records is built: drops from ds the
 * companion rows of no kept participant, counting them as filtered (out of
 * used and users, rooms, quality): a users row or quality sample whose
 * user has no session in a call of its room (any room when a sample has
 * none) and CommId (any when the row has none); a rooms row naming no call
 * of m by room and CommId. Order is kept. RR_OK or RR_ENOMEM (ds
 * unchanged).
 */
int user_calls_keep_companions(struct dataset *ds, const struct model *m);

/* 1 when user (a string id) is one of ids[0..nids). */
int user_calls_selected(const uint32_t *ids, size_t nids, uint32_t user);

#endif
