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

/* Writes r to f. Returns RR_OK, or RR_EIO when f has an error afterwards. */
int json_write(const struct report *r, FILE *f);

#endif
