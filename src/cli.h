/*
 * cli — the values the command line's options take, parsed and checked.
 * Does not: know the options, print or exit (main).
 */
#ifndef RR_CLI_H
#define RR_CLI_H

#include <stdint.h>

/* A duration: a whole number with a unit, "1500ms", "90s" (or a bare
 * "90"), "5m" (or "5min"), "1h"; the number at most 3,153,600,000 (100
 * years of seconds) whatever the unit. Returns milliseconds, or -1 when s
 * is anything else. */
int64_t cli_parse_duration(const char *s);

/* A size: a whole number of bytes ("512", "512B"), or with K, M, G or T
 * (binary units, any case; "64K", "64KB", "64KiB" are the same). Returns
 * bytes, or 0 when s is anything else, zero, or too large: the number
 * past 18446744073709551609, or the bytes past UINT64_MAX. */
uint64_t cli_parse_size(const char *s);

/* A whole percentage from 1 to 1000, "10" or "10%". Returns it, or -1 when
 * s is anything else. */
int cli_parse_percent(const char *s);

#endif
