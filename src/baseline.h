/*
 * baseline — the headline figures of an earlier run, read from its JSON
 * (--baseline OLD.json) for week-over-week comparison. Only the top-level
 * "headline" object is kept; every other value is skipped by a validating
 * scanner with a depth limit, so a large or hostile file costs time in
 * proportion to its size and no memory beyond the figures.
 * Does not: compare (report_compare does) or read anything else of the run.
 */
#ifndef RR_BASELINE_H
#define RR_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

struct baseline {
	uint8_t have[HL__COUNT];     /* 1 when the figure is a number (not null/absent) */
	int64_t value[HL__COUNT];
	char generator[64];          /* "roomreport X.Y.Z" of the old run, or "" */
};

/*
 * Reads path. Returns RR_OK; RR_EIO when it cannot be read (err = "PATH:
 * reason"); RR_EDATA when it is not JSON, nests deeper than 64, or has no
 * top-level "headline" object (err = "PATH: offset N: reason"); RR_ENOMEM.
 * Unknown keys inside "headline" are ignored; missing ones stay unset.
 */
int baseline_read(const char *path, struct baseline *b, char *err, size_t errlen);
int baseline_read_mem(const char *name, const char *buf, size_t len, struct baseline *b,
		      char *err, size_t errlen);

#endif
