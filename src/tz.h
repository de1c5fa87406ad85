/*
 * tz — time zones and time text. Converts between epoch milliseconds and
 * civil time in an IANA zone (read from the system's zoneinfo files, so two
 * zones — input and display — can be used side by side without touching the
 * TZ environment), parses the time formats TRTC exports use, and formats
 * times for reports. Does not: know anything about CSV or events.
 */
#ifndef RR_TZ_H
#define RR_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/*
 * Opens zone name: "UTC", an IANA name ("Asia/Shanghai"), a fixed offset
 * east of UTC ("+08:00", "+0800", "+08", "+8", "-03:30", "UTC+8",
 * "UTC+05:30": ISO 8601's sign, not POSIX TZ's; at most 14:00; named
 * "UTC+08:00", its times marked "+08" or "+05:30"), or NULL for the local
 * zone ($TZ, else /etc/localtime, else UTC). Returns RR_OK with *out set,
 * RR_EUSAGE when the zone is unknown (err gets a message naming it, with
 * the nearest zone names as suggestions, tz_names.h), or RR_ENOMEM.
 */
int tz_open(const char *name, struct tz **out, char *err, size_t errlen);
void tz_free(struct tz *z);

/* The zone's name as given ("UTC", "Asia/Shanghai", or the local zone's name). */
const char *tz_name(const struct tz *z);

/* Offset from UTC, in seconds, in effect at the UTC instant utc_ms. */
int32_t tz_offset(const struct tz *z, int64_t utc_ms);

/* The first instant after utc_ms (epoch ms) at which the zone's offset
 * differs from the one in effect at utc_ms (a daylight-saving change), or
 * INT64_MAX when there is none. A page spans a change when this is at or
 * before its last instant. z NULL: UTC, never. */
int64_t tz_next_change(const struct tz *z, int64_t utc_ms);

/* The zone's abbreviation for the offset in effect at utc_ms ("CET",
 * "CEST", "+08" where the zone's files name it so; "UTC" for UTC); where the
 * zone names none, the offset as "+05:30" or "-03". Always NUL-terminates
 * buf; 16 bytes suffice. z NULL: "UTC". */
void tz_abbr(const struct tz *z, int64_t utc_ms, char *buf, size_t size);

/*
 * Parses a time: epoch milliseconds (a number >= 1e11), epoch seconds with an
 * optional fraction (below 1e11), or ISO 8601 "YYYY-MM-DD[T ]hh:mm[:ss[.fff]]"
 * with an optional "Z" or "+hh:mm"/"+hhmm"/"+hh" offset, or a bare
 * "YYYY-MM-DD" (midnight); fractions beyond milliseconds are truncated. A time without an
 * offset is civil time in zone in (for a time repeated or skipped by a DST
 * change, the earlier offset is used). Leading/trailing spaces are allowed.
 * Returns 0 with *ms set, or -1 when s is not a time in 1970..9999 (the n
 * bytes at s need not be NUL-terminated).
 */
int tz_parse_time(const struct tz *in, const char *s, size_t n, int64_t *ms);

/* tz_parse_time, also saying how the time was read, in *how: 0 a civil
 * time in zone in that names one instant; TZ_PARSED_OFFSET it carried its
 * own offset ("Z", "+08:00") or was an epoch time, so in played no part;
 * TZ_PARSED_SKIPPED a civil time the zone skips (a spring-forward gap: read
 * with the offset before the change, so 02:30 on New York's spring-forward
 * day is 07:30 UTC, 03:30 EDT); TZ_PARSED_REPEATED one it repeats (read as
 * the earlier instant). Returns 0, or -1 (*how 0) as tz_parse_time. */
enum { TZ_PARSED_OFFSET = 1, TZ_PARSED_SKIPPED = 2, TZ_PARSED_REPEATED = 4 };
int tz_parse_time_how(const struct tz *in, const char *s, size_t n, int64_t *ms, unsigned *how);

enum tz_format {
	TZF_DATETIME,      /* 2026-11-20 10:31:05 */
	TZF_DATETIME_MS,   /* 2026-11-20 10:31:05.120 */
	TZF_TIME,          /* 10:31:05 */
	TZF_DATE,          /* 2026-11-20 */
	TZF_ISO,           /* 2026-11-20T10:31:05.120+08:00 */
};

/* Formats utc_ms in zone z. Always NUL-terminates buf; 40 bytes suffice. */
void tz_format(const struct tz *z, int64_t utc_ms, enum tz_format f, char *buf, size_t size);

/* tz_format_iso's memory of the last instant it formatted: its local day
 * and offset, as text. Zeroed before the first call; one per thread. */
struct tz_iso_memo {
	int64_t days;
	int32_t off;
	int valid;
	uint8_t date_len, offset_len;
	char date[24], offset[12];
};

/* The bytes of tz_format(z, utc_ms, TZF_ISO, buf, size), made faster when
 * m holds the same local day or offset as utc_ms has (the text of each is
 * then reused); m is updated. Always NUL-terminates buf. */
void tz_format_iso(const struct tz *z, struct tz_iso_memo *m, int64_t utc_ms, char *buf,
		   size_t size);

/* A time of day for a sentence: "10:31:05" (TZF_TIME), followed by the
 * zone's abbreviation ("02:05:00 CET") when a change of the zone's offset
 * lies within TZ_NOTE_WINDOW_MS of utc_ms, where a bare local time could be
 * read on either side of it. Always NUL-terminates buf; 40 bytes suffice. */
#define TZ_NOTE_WINDOW_MS (24 * INT64_C(3600000))
void tz_time_text(const struct tz *z, int64_t utc_ms, char *buf, size_t size);

#endif
