/*
 * tz_names — the zone names of the system's zoneinfo directory, searched
 * for the ones nearest a name that is not a zone, for the message of an
 * unknown --tz or --input-tz.
 * Does not: open or read zones (tz.c).
 */
#ifndef RR_TZ_NAMES_H
#define RR_TZ_NAMES_H

#include <stddef.h>

/* At most this many suggestions. */
#define TZ_NAMES_SUGGEST 3

/*
 * Writes the message for an unknown zone name into err (always
 * NUL-terminated when errlen > 0): "unknown time zone 'NAME'", followed by
 * " — did you mean 'A'?" ("'A' or 'B'", "'A', 'B' or 'C'") when zones of dir
 * are near: the zone whose last part ("Shanghai" of "Asia/Shanghai") is the
 * name, ASCII case and '_' / ' ' ignored, or one at most two edits away
 * from the name (one for names of four bytes or less), compared with the
 * whole zone name when name has a '/', else with the last part. Zones are
 * the files below dir that start with "TZif", not under posix/ or right/,
 * hidden entries skipped; the nearest first, ties in byte order of the
 * zone name, so the message is the same on every run. A directory that
 * cannot be read gives no suggestion. Allocates nothing.
 */
void tz_names_unknown(const char *dir, const char *name, char *err, size_t errlen);

#endif
