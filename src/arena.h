/*
 * arena — the one store for strings kept while a stage's result lives
 * (finding texts, a call view's labels, a page's texts): copies go into
 * large blocks, so keeping a string costs no allocation of its own.
 * Does not: free single strings, or grow a string in place.
 */
#ifndef RR_ARENA_H
#define RR_ARENA_H

#include <stddef.h>

struct arena_block;

/* An empty arena is all zeros: struct arena a = { 0 }. */
struct arena {
	struct arena_block *head;
};

/* Standard block size; a longer string gets a block of its own. */
#define ARENA_BLOCK 65536

/* A NUL-terminated copy of the n bytes at s, valid until the arena is reset
 * or freed. Returns NULL when out of memory, with the arena unchanged. */
char *arena_put(struct arena *a, const char *s, size_t n);

/* Empties a, keeping one standard block for the next strings, so a stage
 * that resets between items allocates nothing per item. */
void arena_reset(struct arena *a);

/* Frees every block; a is empty (and usable) afterwards. */
void arena_free(struct arena *a);

/* Moves every block of from into to (strings keep their addresses); from is
 * empty afterwards. */
void arena_join(struct arena *to, struct arena *from);

#endif
