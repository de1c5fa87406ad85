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

/*
 * Writes r to f as one JSON document and a line end. Strings are escaped for
 * JSON and for embedding in HTML (", \, control characters, <, >, & and
 * U+2028/9 as escapes; other bytes as they are); absent figures (RR_NONE)
 * are null. Reads r, its model and its dataset's strings and counts, never
 * its records; changes none of them. f stays open and is not flushed:
 * returns RR_OK, or RR_EIO when f has an error afterwards, with errno set
 * to the first failed write's reason when one was seen (a write error that
 * stdio has not met yet shows at the caller's fflush or fclose).
 * Never fails for want of memory (it then writes with less of it).
 */
int json_write(const struct report *r, FILE *f);

/* The same with the calls formatted on `threads` threads (0: as json_write
 * chooses), cut into chunks of about chunk_sessions sessions (0: the
 * default). The bytes do not depend on either. */
int json_write_threads(const struct report *r, FILE *f, unsigned threads,
		       unsigned chunk_sessions);

/*
 * Escapes the n bytes at s as the inside of a JSON string, with json_write's
 * escapes (", \, control characters, <, >, & and U+2028/9 as escapes), so
 * that it is safe inside an HTML <script> element: into out, which has
 * room for 6 n bytes. Returns the bytes written; never fails.
 */
size_t json_escape_html(char *out, const char *s, size_t n);

#endif
