/*
 * json — writes the report model as JSON (the DESIGN §4 contract plus a few
 * documented extras). A renderer: it reads the report and computes nothing
 * beyond differences already implied by the model (duration = end - start).
 * Output is deterministic: keys in a fixed order, integers only.
 */
#ifndef RR_JSON_H
#define RR_JSON_H

#include <stdio.h>

#include "report.h"

/* Writes r to f (reading no records of r's dataset). Returns RR_OK, or
 * RR_EIO when f has an error afterwards.
 * With 16384 sessions or more the calls are formatted on one thread per
 * online processor (at most 4); memory stays a few MB either way. */
int json_write(const struct report *r, FILE *f);

/* The same with the calls on `threads` threads (0: as json_write chooses),
 * cut into chunks of about chunk_sessions sessions (0: the default). The
 * bytes do not depend on either. */
int json_write_threads(const struct report *r, FILE *f, unsigned threads,
		       unsigned chunk_sessions);

#endif
