/*
 * csvout — RFC 4180 field writing shared by every CSV output.
 * Does not: check errors (stdio keeps them; callers test ferror/fclose).
 */
#include "csvout.h"

#include <inttypes.h>
#include <string.h>

void csv_field(FILE *f, const char *s, size_t n, int first)
{
	int quote = 0;

	if (!first)
		putc(',', f);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ',' || c == '"' || c == '\r' || c == '\n') {
			quote = 1;
			break;
		}
	}
	/* Leading/trailing spaces would be trimmed by lenient readers. */
	if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		quote = 1;
	if (!quote) {
		fwrite(s, 1, n, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

void csv_field_str(FILE *f, const char *s, int first)
{
	csv_field(f, s ? s : "", s ? strlen(s) : 0, first);
}

void csv_field_int(FILE *f, int64_t v, int first)
{
	if (!first)
		putc(',', f);
	fprintf(f, "%" PRId64, v);
}

void csv_end(FILE *f)
{
	putc('\n', f);
}
