/* Fuzz target: the reader on any bytes, from memory. The fast path must give
 * what libcsv gives (every status, line, raw bytes, bad reason, field and
 * reader_tell() after it), and a plain input read in two parts, split after
 * an LF where a whole reader's reader_tell() lands, must give what one
 * reader gives. Aborts on any difference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "util.h"

/* A running digest of records: cheap to compare, order-sensitive. */
struct digest {
	uint64_t h, n;
};

static void mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		d->h = (d->h ^ b[i]) * 1099511628211ull;
}

static void mix_u64(struct digest *d, uint64_t v)
{
	mix(d, &v, sizeof v);
}

/* Reads r into one digest per record (up to max, in out[]); stops after a
 * record when reader_tell() reaches stop. Returns the records read; *tell
 * gets reader_tell() where it stopped, *last the final status. */
static size_t run(struct reader *r, uint64_t *out, uint64_t *tells, size_t max, uint64_t stop,
		  uint64_t *tell, int *last)
{
	struct reader_record rec;
	enum reader_status st;
	size_t n = 0;

	*last = -1;
	while ((st = reader_next(r, &rec)) == READER_ROW || st == READER_BAD) {
		struct digest d = { 1469598103934665603ull, 0 };

		mix_u64(&d, st);
		mix_u64(&d, rec.line);
		mix_u64(&d, rec.raw_len);
		mix(&d, rec.raw, rec.raw_len);
		if (st == READER_BAD) {
			mix_u64(&d, rec.bad_reason);
		} else {
			mix_u64(&d, rec.nfields);
			for (size_t i = 0; i < rec.nfields; i++) {
				if (rec.field[i][rec.len[i]] != '\0')
					abort();
				mix_u64(&d, rec.len[i]);
				mix(&d, rec.field[i], rec.len[i]);
			}
		}
		*tell = reader_tell(r);
		if (n < max) {
			out[n] = d.h;
			tells[n] = *tell;
		}
		n++;
		if (*tell >= stop)
			return n;
	}
	*last = st;
	*tell = reader_tell(r);
	return n;
}

#define MAXREC 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t fast[MAXREC], slow[MAXREC], ft[MAXREC], st[MAXREC];
	static uint64_t part[MAXREC], pt[MAXREC];
	struct reader *r;
	uint64_t tell, t2;
	size_t nf, ns, splits = 0;
	int last_f, last_s, plain;

	if (reader_open_mem(data, size, &r, NULL, 0) != RR_OK)
		return 0;
	plain = reader_is_plain(r, NULL);
	nf = run(r, fast, ft, MAXREC, UINT64_MAX, &tell, &last_f);
	reader_close(r);
	if (reader_open_mem(data, size, &r, NULL, 0) != RR_OK)
		abort();
	reader_set_fast(r, 0);
	ns = run(r, slow, st, MAXREC, UINT64_MAX, &t2, &last_s);
	reader_close(r);
	if (nf != ns || last_f != last_s || tell != t2)
		abort();
	if (nf > MAXREC)
		nf = MAXREC, ns = MAXREC;
	if (memcmp(fast, slow, nf * sizeof *fast) != 0 || memcmp(ft, st, nf * sizeof *ft) != 0)
		abort();
	if (!plain || last_f != READER_EOF || ns >= MAXREC)
		return 0;

	/* Split after a few LFs spread over the input. */
	for (size_t at = 0; at < size && splits < 8; at += size / 8 + 1) {
		const uint8_t *lf = memchr(data + at, '\n', size - at);
		size_t split, na, nb;
		int la, lb;

		if (!lf)
			break;
		split = (size_t)(lf - data) + 1;
		splits++;
		if (reader_open_mem(data, size, &r, NULL, 0) != RR_OK)
			abort();
		reader_set_fast(r, (int)(splits & 1));
		na = run(r, part, pt, MAXREC, split, &t2, &la);
		{
			uint64_t line = reader_line(r);
			reader_close(r);
			if (memcmp(part, fast, na * sizeof *part) != 0)
				abort();
			if (t2 != split)
				continue;   /* went past: that part would be thrown away */
			if (reader_open_mem_part(data, size, split, line, &r, NULL, 0) != RR_OK)
				abort();
		}
		reader_set_fast(r, (int)(splits & 2));
		nb = run(r, part + na, pt + na, MAXREC - na, UINT64_MAX, &t2, &lb);
		reader_close(r);
		if (na + nb != nf || lb != last_f || t2 != size ||
		    memcmp(part, fast, nf * sizeof *part) != 0 ||
		    memcmp(pt, ft, nf * sizeof *pt) != 0)
			abort();
	}
	return 0;
}
