/*
 * textbuf — bounded sentence building (see textbuf.h).
 * Does not: escape anything; texts are data for the writers to escape.
 */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>

#include "util.h"

void textbuf_add(struct textbuf *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= sizeof t->buf)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof t->buf - t->len)
		t->len = utf8_cut(t->buf, sizeof t->buf - 1);
	else
		t->len += (size_t)n;
	t->buf[t->len] = '\0';
}

void textbuf_add_clipped(struct textbuf *t, const char *s, size_t n, size_t max)
{
	size_t k = n > max ? utf8_cut(s, max) : n;

	textbuf_add(t, "%.*s%s", (int)k, s, k < n ? "\xe2\x80\xa6" : "");
}
