/*
 * filter_seen — what the filters met (filter_seen.h): hit flags written
 * with relaxed atomics (any thread sets them to 1), the names of rows left
 * out in two string tables under a mutex.
 * Does not: decide or print.
 */
#include "filter_seen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "util.h"

struct filter_seen {
	pthread_mutex_t lock;
	unsigned char *room_hit, *user_hit;
	size_t nrooms, nusers;
	struct strtab *names[2];   /* rooms, users of the rows left out */
	int64_t lo, hi;            /* their span; lo > hi: none */
};

int filter_seen_new(size_t nrooms, size_t nusers, struct filter_seen **out)
{
	struct filter_seen *s = rr_calloc(1, sizeof *s);

	*out = NULL;
	if (!s)
		return RR_ENOMEM;
	s->room_hit = rr_calloc(nrooms + 1, 1);
	s->user_hit = rr_calloc(nusers + 1, 1);
	s->names[0] = strtab_new();
	s->names[1] = strtab_new();
	s->nrooms = nrooms;
	s->nusers = nusers;
	s->lo = INT64_MAX;
	s->hi = INT64_MIN;
	if (!s->room_hit || !s->user_hit || !s->names[0] || !s->names[1] ||
	    pthread_mutex_init(&s->lock, NULL) != 0) {
		rr_free(s->room_hit);
		rr_free(s->user_hit);
		strtab_free(s->names[0]);
		strtab_free(s->names[1]);
		rr_free(s);
		return RR_ENOMEM;
	}
	*out = s;
	return RR_OK;
}

void filter_seen_free(struct filter_seen *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	rr_free(s->room_hit);
	rr_free(s->user_hit);
	strtab_free(s->names[0]);
	strtab_free(s->names[1]);
	rr_free(s);
}

void filter_seen_room_hit(struct filter_seen *s, size_t i)
{
	if (i < s->nrooms)
		__atomic_store_n(&s->room_hit[i], 1, __ATOMIC_RELAXED);
}

void filter_seen_user_hit(struct filter_seen *s, size_t i)
{
	if (i < s->nusers)
		__atomic_store_n(&s->user_hit[i], 1, __ATOMIC_RELAXED);
}

int filter_seen_room_named(const struct filter_seen *s, size_t i)
{
	return i < s->nrooms && __atomic_load_n(&s->room_hit[i], __ATOMIC_RELAXED);
}

int filter_seen_user_named(const struct filter_seen *s, size_t i)
{
	return i < s->nusers && __atomic_load_n(&s->user_hit[i], __ATOMIC_RELAXED);
}

void filter_seen_out(struct filter_seen *s, const char *room, size_t nroom, const char *user,
		     size_t nuser, int64_t t)
{
	uint32_t id;

	pthread_mutex_lock(&s->lock);
	/* A full table keeps the names it has: the message says what it can. */
	if (room && nroom)
		(void)strtab_intern(s->names[0], room, nroom, &id);
	if (user && nuser)
		(void)strtab_intern(s->names[1], user, nuser, &id);
	if (t != RR_NONE) {
		if (t < s->lo)
			s->lo = t;
		if (t > s->hi)
			s->hi = t;
	}
	pthread_mutex_unlock(&s->lock);
}

int filter_seen_span(const struct filter_seen *s, int64_t *lo, int64_t *hi)
{
	if (s->lo > s->hi)
		return -1;
	*lo = s->lo;
	*hi = s->hi;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int filter_seen_names(const struct filter_seen *s, int users, const char *const *vals,
		      size_t nvals, char *buf, size_t size)
{
	const struct strtab *t = s->names[users ? 1 : 0];
	uint32_t n = strtab_count(t);
	const char **all = rr_malloc(((size_t)n + nvals + 1) * sizeof *all);
	const char *what = users ? "user" : "room";
	size_t k = 0, m = 0, used = 0;

	if (!all)
		return RR_ENOMEM;
	for (uint32_t id = 1; id < n; id++)
		all[k++] = strtab_str(t, id);
	for (size_t i = 0; i < nvals; i++) {
		uint32_t id;

		if ((users ? filter_seen_user_named(s, i) : filter_seen_room_named(s, i)) &&
		    !strtab_find(t, vals[i], strlen(vals[i]), &id))
			all[k++] = vals[i];
	}
	qsort(all, k, sizeof *all, cmp_str);
	for (size_t i = 0; i < k; i++)       /* a value given twice */
		if (m == 0 || strcmp(all[m - 1], all[i]) != 0)
			all[m++] = all[i];
	buf[0] = '\0';
	if (m == 0) {
		snprintf(buf, size, "no %ss", what);
	} else {
		used = (size_t)snprintf(buf, size, "%ss", what);
		for (size_t i = 0; i < m && i < FILTER_SEEN_SHOWN && used < size; i++)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : " ",
						 all[i]);
		if (used < size)
			snprintf(buf + used, size - used, "%s (%zu %s%s)",
				 m > FILTER_SEEN_SHOWN ? ", \xe2\x80\xa6" : "", m, what,
				 m == 1 ? "" : "s");
	}
	rr_free(all);
	return RR_OK;
}
