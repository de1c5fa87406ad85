/*
 * report_callfiles — each call page's file name (calls/<room slug>-<hash>,
 * numbered when two calls share a name) and the choice of which calls get a
 * page (--pages).
 * Does not: write the pages (render) or decide their content (callview).
 */
#include "report_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "severity.h"
#include "util.h"

/* ---- call page file names ---- */

#define SLUG_MAX 40
#define CALL_FILE_MAX 72   /* "calls/" + 40 + "-" + 8 + "-4294967295" + ".html" + NUL */

static uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

/* The room ID's slug (see report.h) into slug, NUL-terminated; returns its
 * length. */
static size_t call_slug(const struct strtab *st, uint32_t room, char slug[SLUG_MAX + 1])
{
	size_t rl, i, n = 0;
	const char *s = dataset_room_name(st, room, &rl);

	for (i = 0; i < rl && n < SLUG_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';

		if (!keep)
			ch = '-';
		if (ch == '-' && (n == 0 || slug[n - 1] == '-'))
			continue;   /* no leading '-' (option-like names), no runs */
		slug[n++] = (char)ch;
	}
	while (n > 0 && slug[n - 1] == '-')
		n--;
	slug[n] = '\0';
	return n;
}

/* Length of a base name from its slug's: "calls/" slug "-" 8 hex ".html". */
static size_t call_file_len(size_t slug_len)
{
	return 6 + (slug_len ? slug_len : 4) + 1 + 8 + 5;
}

/* The 32-bit FNV-1a of RoomId, '\0', CommId, '\0', decimal start_ms (the
 * app aside: names stay those of one app's rooms; two apps' calls of one
 * name are told apart as any collision is). */
static uint32_t call_hash(const struct strtab *st, const struct call *c)
{
	char num[24];
	size_t i = sizeof num;
	int64_t v = c->start_ms;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint32_t h = 2166136261u;

	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		num[--i] = '-';
	size_t rl;
	const char *room = dataset_room_name(st, c->room, &rl);

	h = fnv1a(h, room, rl + 1);   /* NUL separates */
	h = fnv1a(h, strtab_str(st, c->comm), strtab_len(st, c->comm) + 1);
	return fnv1a(h, num + i, sizeof num - i);
}

/* The file name a call would get before collisions are resolved, into out
 * (CALL_FILE_MAX bytes); *hash gets call_hash. Returns its length. */
static size_t call_file_base(const struct strtab *st, const struct call *c, char *out,
			     uint32_t *hash)
{
	static const char hex[] = "0123456789abcdef";
	char slug[SLUG_MAX + 1], *p = out;
	size_t n = call_slug(st, c->room, slug);
	uint32_t h = call_hash(st, c);

	memcpy(p, "calls/", 6);
	p += 6;
	memcpy(p, n ? slug : "room", n ? n : 4);
	p += n ? n : 4;
	*p++ = '-';
	for (int k = 7; k >= 0; k--)
		*p++ = hex[(h >> (4 * k)) & 15];
	memcpy(p, ".html", 6);
	*hash = h;
	return call_file_len(n);
}

/* Equal names are equal slugs with equal hashes: sorting by hash first
 * leaves strcmp for the rare hash ties. */
struct nkey {
	const char *name;
	uint32_t hash, idx;
};

static int cmp_nkey(const void *pa, const void *pb)
{
	const struct nkey *a = pa, *b = pb;
	int c;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Sorts k[0..n) into cmp_nkey's order: a stable radix sort on the hash
 * (four byte-wide passes; k comes in idx order, so equal hashes stay in idx
 * order), then cmp_nkey on each run of equal hashes, which are rare and
 * short. cmp_nkey is a total order (idx is unique), so this is the order a
 * comparison sort of the whole gives, in O(n) for tens of thousands of
 * calls. RR_OK or RR_ENOMEM (k unchanged).
 */
static int sort_nkeys(struct nkey *k, uint32_t n)
{
	struct nkey *tmp = rr_malloc((size_t)n * sizeof *tmp), *src = k, *dst = tmp, *t;
	uint32_t i, j;

	if (!tmp)
		return RR_ENOMEM;
	for (int shift = 0; shift < 32; shift += 8) {
		uint32_t count[257] = { 0 };

		for (i = 0; i < n; i++)
			count[((src[i].hash >> shift) & 0xff) + 1]++;
		for (j = 0; j < 256; j++)
			count[j + 1] += count[j];
		for (i = 0; i < n; i++)
			dst[count[(src[i].hash >> shift) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* Four passes: the sorted keys are back in k. */
	rr_free(tmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && k[j].hash == k[i].hash; j++)
			;
		if (j - i > 1)
			qsort(k + i, j - i, sizeof *k, cmp_nkey);
	}
	return RR_OK;
}


void report_call_files_drop(struct call_files *cf)
{
	rr_free(cf->names);
	rr_free(cf->k);
	memset(cf, 0, sizeof *cf);
}

/* nmark bounds every room id of the model. */
int report_call_files_start(const struct report *r, uint32_t nmark, struct call_files *cf)
{
	const struct model *m = r->m;
	uint32_t n = m->ncalls, i;
	uint8_t *slug_len;       /* per room id: slug length + 1; 0 not seen yet */
	char base[SLUG_MAX + 1], *text;

	memset(cf, 0, sizeof *cf);
	if (n == 0 || !r->ds)
		return RR_OK;
	slug_len = rr_calloc(nmark, 1);
	if (!slug_len)
		return RR_ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t room = m->calls[i].room;

		if (!slug_len[room])
			slug_len[room] = (uint8_t)(call_slug(r->ds->strs, room, base) + 1);
		cf->total += call_file_len(slug_len[room] - 1u) + 1;
	}
	cf->names = rr_malloc((size_t)n * sizeof *cf->names + cf->total);
	cf->k = rr_malloc((size_t)n * sizeof *cf->k);
	if (!cf->names || !cf->k) {
		rr_free(slug_len);
		report_call_files_drop(cf);
		return RR_ENOMEM;
	}
	text = (char *)(cf->names + n);
	for (i = 0; i < n; i++) {
		cf->names[i] = text;
		text += call_file_len(slug_len[m->calls[i].room] - 1u) + 1;
		cf->k[i].name = cf->names[i];
		cf->k[i].idx = i;
	}
	rr_free(slug_len);
	return RR_OK;
}

/* Base names and hashes of calls [from, to). */
void report_call_files_fill(const struct report *r, struct call_files *cf, uint32_t from,
			    uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		call_file_base(r->ds->strs, &r->m->calls[i], cf->names[i], &cf->k[i].hash);
}

/* Gives the block to r->call_file, or frees it on failure. */
int report_call_files_end(struct report *r, struct call_files *cf)
{
	uint32_t n = r->m->ncalls, i, ndup = 0;
	struct nkey *k = cf->k;
	uint32_t *dup = NULL;
	char **names = cf->names, **out, *text;
	size_t len;
	int rc = RR_ENOMEM;

	if (!names)
		return RR_OK;
	/* Equal names end up adjacent in model order; the first keeps its
	 * name, later ones get a number. A numbered name ends in "-<digits>"
	 * of fewer than 8 characters after the last '-', so it cannot equal
	 * any base name (which ends in "-<8 hex>"). */
	if (sort_nkeys(k, n) != RR_OK)
		goto out;
	for (i = 1; i < n; i++)
		ndup += k[i].hash == k[i - 1].hash && strcmp(k[i].name, k[i - 1].name) == 0;
	if (ndup) {
		dup = rr_calloc(n, sizeof *dup);
		/* "-4294967295" at most per numbered name. */
		out = rr_malloc((size_t)n * sizeof *out + cf->total + (size_t)ndup * 11);
		if (!dup || !out) {
			rr_free(out);
			goto out;
		}
		for (i = 1; i < n; i++)
			if (k[i].hash == k[i - 1].hash && strcmp(k[i].name, k[i - 1].name) == 0)
				dup[k[i].idx] = dup[k[i - 1].idx] ? dup[k[i - 1].idx] + 1 : 2;
		text = (char *)(out + n);
		for (i = 0; i < n; i++) {
			len = strlen(names[i]);
			out[i] = text;
			if (dup[i]) {
				len -= 5;     /* before ".html" */
				memcpy(text, names[i], len);
				len += (size_t)sprintf(text + len, "-%" PRIu32 ".html", dup[i]);
			} else {
				memcpy(text, names[i], len + 1);
			}
			text += len + 1;
		}
		rr_free(names);
		cf->names = out;
	}
	r->call_file = cf->names;
	cf->names = NULL;
	rc = RR_OK;
out:
	rr_free(dup);
	report_call_files_drop(cf);
	return rc;
}

/* ---- call pages ---- */

/* --pages problems: calls worth opening (severity_call_worth_opening). */
static int call_has_problem(const struct call *c)
{
	return severity_call_worth_opening(c);
}

void report_select_pages(struct report *r, enum report_pages mode)
{
	uint32_t i;

	r->npages = 0;
	if (!r->call_page)
		return;
	for (i = 0; i < r->m->ncalls; i++) {
		r->call_page[i] = mode == REPORT_PAGES_ALL ? 1
				  : mode == REPORT_PAGES_NONE ? 0
				  : (uint8_t)call_has_problem(&r->m->calls[i]);
		r->npages += r->call_page[i];
	}
}
