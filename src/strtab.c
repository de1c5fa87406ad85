/*
 * strtab — interning with an open-addressing hash over ids (linear probing,
 * load under 1/2) and the text in an arena, so a string's bytes never move
 * once stored and an id lookup is one array access.
 * Does not: free single strings (the table lives as long as the dataset).
 */
#include "strtab.h"

#include <string.h>

#include "arena.h"
#include "util.h"

struct str {
	const char *s;
	uint32_t len;
	uint32_t hash;
};

struct strtab {
	struct str *strs;
	size_t nstrs, capstrs;
	uint32_t *slots;         /* id + 1; 0 = empty */
	size_t nslots;           /* power of two */
	size_t nbytes;           /* string bytes stored */
	size_t max_strings, max_bytes;
	struct arena text;        /* the strings' bytes, each NUL-terminated */
};

/* Eight bytes of s, in the machine's byte order. */
static inline uint64_t load64(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof w);
	return w;
}

/* Eight bytes at a time (the IDs are 8 to 40 bytes: a byte at a time was a
 * chain of a multiply per byte on every row whose IDs do not repeat the
 * row before's); the last word overlaps the one before it, or is read a
 * byte at a time under eight bytes. A final mix spreads every input bit
 * over the 32 bits kept. Any hash gives the same ids: they are given in
 * the order strings are first met. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	uint64_t h = (uint64_t)n * k, w = 0;
	size_t i = 0;

	for (; i + 8 < n; i += 8)
		h = (h ^ load64(s + i)) * k, h ^= h >> 29;
	if (n >= 8) {
		w = load64(s + n - 8);
	} else {
		for (size_t j = 0; j < n; j++)
			w |= (uint64_t)(unsigned char)s[j] << (8 * j);
	}
	h = (h ^ w) * k;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93u;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* Whether the n bytes at a and b are the same: words, no call (memcmp's
 * call was a tenth of interning). */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			if (a[i] != b[i])
				return 0;
		return 1;
	}
	for (size_t i = 0; i + 8 < n; i += 8)
		if (load64(a + i) != load64(b + i))
			return 0;
	return load64(a + n - 8) == load64(b + n - 8);
}

static size_t slot_of(const struct strtab *t, const char *s, size_t n, uint32_t h, int *found)
{
	size_t mask = t->nslots - 1;
	size_t i = h & mask;

	for (;;) {
		uint32_t v = t->slots[i];
		if (v == 0) {
			*found = 0;
			return i;
		}
		const struct str *e = &t->strs[v - 1];
		if (e->hash == h && e->len == n && same_bytes(e->s, s, n)) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int rehash(struct strtab *t, size_t nslots)
{
	uint32_t *slots = rr_calloc(nslots, sizeof *slots);

	if (!slots)
		return RR_ENOMEM;
	for (size_t id = 0; id < t->nstrs; id++) {
		size_t i = t->strs[id].hash & (nslots - 1);
		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = (uint32_t)id + 1;
	}
	rr_free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return RR_OK;
}

struct strtab *strtab_new(void)
{
	struct strtab *t = rr_calloc(1, sizeof *t);
	uint32_t id;

	if (!t)
		return NULL;
	t->max_strings = STRTAB_MAX_STRINGS;
	t->max_bytes = STRTAB_MAX_BYTES;
	if (rehash(t, 1024) != RR_OK || strtab_intern(t, "", 0, &id) != RR_OK) {
		strtab_free(t);
		return NULL;
	}
	return t;
}

void strtab_free(struct strtab *t)
{
	if (!t)
		return;
	arena_free(&t->text);
	rr_free(t->strs);
	rr_free(t->slots);
	rr_free(t);
}

/* Stores a string known to be absent at the empty slot i; the caller has
 * checked the limits and made room in slots and strs. */
static int insert_at(struct strtab *t, size_t i, const char *s, size_t len, uint32_t h,
		     uint32_t *id)
{
	char *copy = arena_put(&t->text, s, len);

	if (!copy)
		return RR_ENOMEM;
	t->strs[t->nstrs] = (struct str){ copy, (uint32_t)len, h };
	t->nbytes += len;
	t->slots[i] = (uint32_t)t->nstrs + 1;
	*id = (uint32_t)t->nstrs++;
	return RR_OK;
}

/* Keep the load under 1/2 so probes stay short. */
static size_t slots_for(size_t nstrs, size_t nslots)
{
	while (nstrs * 2 > nslots)
		nslots *= 2;
	return nslots;
}

uint32_t strtab_hash(const char *s, size_t len)
{
	return hash_bytes(s, len);
}

int strtab_intern(struct strtab *t, const char *s, size_t len, uint32_t *id)
{
	return strtab_intern_hashed(t, s, len, hash_bytes(s, len), id);
}

int strtab_intern_hashed(struct strtab *t, const char *s, size_t len, uint32_t h, uint32_t *id)
{
	int found;
	size_t i = slot_of(t, s, len, h, &found);

	if (found) {
		*id = t->slots[i] - 1;
		return RR_OK;
	}
	if (t->nstrs >= t->max_strings || len > t->max_bytes - t->nbytes)
		return RR_EDATA;
	if (slots_for(t->nstrs + 1, t->nslots) != t->nslots) {
		if (rehash(t, t->nslots * 2) != RR_OK)
			return RR_ENOMEM;
		i = slot_of(t, s, len, h, &found);
	}
	if (rr_grow(&t->strs, &t->capstrs, t->nstrs + 1, sizeof *t->strs) != RR_OK)
		return RR_ENOMEM;
	return insert_at(t, i, s, len, h, id);
}

/* Takes back the strings from id `old` on, newest first: each was the last
 * to probe past the slots it crossed, so emptying its slot leaves the
 * probe sequences of the older ones as they were. Their text stays in the
 * arena, unused. */
static void forget_since(struct strtab *t, size_t old)
{
	int found;

	while (t->nstrs > old) {
		const struct str *e = &t->strs[t->nstrs - 1];

		t->slots[slot_of(t, e->s, e->len, e->hash, &found)] = 0;
		t->nbytes -= e->len;
		t->nstrs--;
	}
}

int strtab_merge(struct strtab *t, const struct strtab *src, uint32_t *map)
{
	size_t nnew = 0, bytes = 0, old = t->nstrs;
	int found;

	/* Look everything up first, so the limits are checked and the slots
	 * and ids reserved before t changes; a copy of text that fails then
	 * takes the new strings back. src's stored hashes are t's too. */
	for (size_t id = 0; id < src->nstrs; id++) {
		const struct str *e = &src->strs[id];
		size_t i = slot_of(t, e->s, e->len, e->hash, &found);

		if (found) {
			map[id] = t->slots[i] - 1;
		} else {
			map[id] = UINT32_MAX;
			nnew++;
			bytes += e->len;
		}
	}
	if (nnew == 0)
		return RR_OK;
	if (nnew > t->max_strings - t->nstrs || bytes > t->max_bytes - t->nbytes)
		return RR_EDATA;
	size_t nslots = slots_for(t->nstrs + nnew, t->nslots);
	if (nslots != t->nslots && rehash(t, nslots) != RR_OK)
		return RR_ENOMEM;
	if (rr_grow(&t->strs, &t->capstrs, t->nstrs + nnew, sizeof *t->strs) != RR_OK)
		return RR_ENOMEM;
	for (size_t id = 0; id < src->nstrs; id++) {
		const struct str *e = &src->strs[id];

		if (map[id] != UINT32_MAX)
			continue;
		size_t i = slot_of(t, e->s, e->len, e->hash, &found);
		if (insert_at(t, i, e->s, e->len, e->hash, &map[id]) != RR_OK) {
			forget_since(t, old);
			return RR_ENOMEM;
		}
	}
	return RR_OK;
}

void strtab_set_limits(struct strtab *t, uint32_t max_strings, size_t max_bytes)
{
	t->max_strings = max_strings < STRTAB_MAX_STRINGS ? max_strings : STRTAB_MAX_STRINGS;
	t->max_bytes = max_bytes < STRTAB_MAX_BYTES ? max_bytes : STRTAB_MAX_BYTES;
}

int strtab_find(const struct strtab *t, const char *s, size_t len, uint32_t *id)
{
	int found;
	size_t i = slot_of(t, s, len, hash_bytes(s, len), &found);

	if (found)
		*id = t->slots[i] - 1;
	return found;
}

const char *strtab_str(const struct strtab *t, uint32_t id)
{
	return id < t->nstrs ? t->strs[id].s : "";
}

size_t strtab_len(const struct strtab *t, uint32_t id)
{
	return id < t->nstrs ? t->strs[id].len : 0;
}

uint32_t strtab_count(const struct strtab *t)
{
	return (uint32_t)t->nstrs;
}
