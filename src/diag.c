/*
 * diag — counting and keeping the first rejected rows per reason, and notes.
 * Does not: print; main and the report decide how diagnostics are shown.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *code, *text;
} reasons[REJ__COUNT] = {
	[REJ_RAGGED] = { "ragged_row", "wrong number of fields" },
	[REJ_BAD_QUOTE] = { "bad_quote", "stray or unterminated quote" },
	[REJ_LONG_FIELD] = { "field_too_long", "field or row too long" },
	[REJ_BAD_UTF8] = { "invalid_utf8", "invalid UTF-8" },
	[REJ_NUL] = { "nul_byte", "NUL byte in a field" },
	[REJ_BAD_ID] = { "bad_id", "ID is not a number" },
	[REJ_BAD_PARAM] = { "bad_param", "parameter is not a number" },
	[REJ_RANGE] = { "out_of_range", "number out of range" },
	[REJ_BAD_TIME] = { "bad_time", "time missing, not understood or out of range" },
	[REJ_MISSING] = { "missing_value", "required value is empty" },
	[REJ_CUT] = { "cut_off", "row cut off where the file was truncated" },
};

const char *diag_reason_code(enum diag_reason r)
{
	return r < REJ__COUNT ? reasons[r].code : "unknown";
}

const char *diag_reason_text(enum diag_reason r)
{
	return r < REJ__COUNT ? reasons[r].text : "unknown reason";
}

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof *d);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->nkept; i++) {
		rr_free(d->kept[i].file);
		rr_free(d->kept[i].detail);
	}
	rr_free(d->kept);
	for (size_t i = 0; i < d->nnotes; i++)
		rr_free(d->notes[i]);
	rr_free(d->notes);
	rr_free(d->files);
	memset(d, 0, sizeof *d);
}

/* A copy of s with every byte of an invalid UTF-8 sequence and every control
 * character replaced by '?', so kept text is safe for any output. */
static char *clean_copy(const char *s)
{
	size_t n = strlen(s);
	char *d = rr_strndup(s, n);
	size_t i = 0;

	if (!d)
		return NULL;
	while (i < n) {
		unsigned char c = (unsigned char)d[i];
		size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

		if (c < 0x20 || c == 0x7F) {
			d[i++] = '?';
		} else if (len > n - i || !utf8_valid(d + i, len)) {
			d[i++] = '?';
		} else {
			i += len;
		}
	}
	return d;
}

int diag_reject(struct diag *d, const char *file, uint64_t line,
		enum diag_reason reason, const char *detail)
{
	struct diag_item *it;

	if (reason >= REJ__COUNT)
		reason = REJ_MISSING;
	if (d->count[reason]++ >= DIAG_KEEP)
		return RR_OK;
	if (rr_grow(&d->kept, &d->capkept, d->nkept + 1, sizeof *d->kept) != RR_OK)
		return RR_ENOMEM;
	it = &d->kept[d->nkept];
	it->file = clean_copy(file ? file : "");
	it->detail = clean_copy(detail ? detail : "");
	if (!it->file || !it->detail) {
		rr_free(it->file);
		rr_free(it->detail);
		return RR_ENOMEM;
	}
	it->line = line;
	it->reason = reason;
	d->nkept++;
	return RR_OK;
}

int diag_note(struct diag *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *copy;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (rr_grow(&d->notes, &d->capnotes, d->nnotes + 1, sizeof *d->notes) != RR_OK)
		return RR_ENOMEM;
	copy = clean_copy(buf);
	if (!copy)
		return RR_ENOMEM;
	d->notes[d->nnotes++] = copy;
	return RR_OK;
}

int diag_file_read(struct diag *d, size_t index, const struct diag_file *f)
{
	if (index >= d->nfiles) {
		if (rr_grow(&d->files, &d->capfiles, index + 1, sizeof *d->files) != RR_OK)
			return RR_ENOMEM;
		memset(d->files + d->nfiles, 0, (index + 1 - d->nfiles) * sizeof *d->files);
		d->nfiles = index + 1;
	}
	if (d->files[index].cut)
		d->ncut--;
	if (f->cut)
		d->ncut++;
	d->files[index] = *f;
	return RR_OK;
}

uint64_t diag_total(const struct diag *d)
{
	uint64_t n = 0;

	for (int i = 0; i < REJ__COUNT; i++)
		n += d->count[i];
	return n;
}
