/*
 * textbuf — bounded building of the sentences people read (finding texts,
 * hover titles). Appends past the bound are cut, and a cut never splits a
 * UTF-8 character, so the result is always valid UTF-8 when the inputs are.
 * Does not: allocate; the caller copies the finished text where it lives.
 */
#ifndef RR_TEXTBUF_H
#define RR_TEXTBUF_H

#include <stddef.h>

#define TEXTBUF_MAX 1024

struct textbuf {
	char buf[TEXTBUF_MAX];
	size_t len;
};

/* Appends printf-style; once full, further appends do nothing. */
void textbuf_add(struct textbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends the n bytes at s, or only the first max of them (cut on a
 * character boundary) followed by "…". */
void textbuf_add_clipped(struct textbuf *t, const char *s, size_t n, size_t max);

#endif
