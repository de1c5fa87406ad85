/*
 * arena — blocks of kept strings (see arena.h).
 * The block being filled is at the head. An oversized string's block goes
 * behind the head, so the head's free room is still used by the next small
 * strings.
 */
#include "arena.h"

#include <string.h>

#include "util.h"

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

char *arena_put(struct arena *a, const char *s, size_t n)
{
	struct arena_block *b = a->head;
	char *p;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;

		if (n + 1 < n || !(b = rr_malloc(sizeof *b + cap)))
			return NULL;
		b->cap = cap;
		b->used = 0;
		if (a->head && cap > ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head, *keep = NULL, *next;

	for (; b; b = next) {
		next = b->next;
		if (!keep && b->cap == ARENA_BLOCK) {
			keep = b;
			continue;
		}
		rr_free(b);
	}
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
	}
	a->head = keep;
}

void arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b; b = next) {
		next = b->next;
		rr_free(b);
	}
	a->head = NULL;
}

void arena_join(struct arena *to, struct arena *from)
{
	struct arena_block *tail;

	if (!from->head)
		return;
	for (tail = from->head; tail->next; tail = tail->next)
		;
	tail->next = to->head;
	to->head = from->head;
	from->head = NULL;
}
