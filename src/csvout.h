/*
 * csvout — writing CSV (RFC 4180): fields quoted only when they hold a comma,
 * quote, CR or LF, lines ended with LF. Used by every CSV output.
 * Writes through stdio; errors are sticky in the FILE and checked by the
 * caller with ferror/fclose.
 */
#ifndef RR_CSVOUT_H
#define RR_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes one field (n bytes at s), preceded by a comma unless first. */
void csv_field(FILE *f, const char *s, size_t n, int first);
void csv_field_str(FILE *f, const char *s, int first);
void csv_field_int(FILE *f, int64_t v, int first);
void csv_end(FILE *f);

#endif
