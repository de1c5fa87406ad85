/*
 * util — the allocation wrappers behind the out-of-memory policy stated in
 * util.h, array growth, UTF-8 validation and duration text.
 * Does not: retry, log or exit on failure; callers get NULL or RR_ENOMEM.
 */
#include "util.h"
#include "hugemem.h"

#include <unistd.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocation failure injection for tests: 0 = off. Atomic because pages
 * are rendered by several threads: exactly one allocation fails. */
static atomic_ulong fail_countdown;

void rr_alloc_fail_at(unsigned long n)
{
	atomic_store(&fail_countdown, n);
}

static int injected_failure(void)
{
	unsigned long cur = atomic_load(&fail_countdown);

	while (cur != 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &cur, cur - 1))
			return cur == 1;
	}
	return 0;
}

void *rr_malloc(size_t n)
{
	if (injected_failure())
		return NULL;
	return malloc(n ? n : 1);
}

/* Large blocks are zeroed by writing rather than left to the kernel's
 * zero page: a table that is read before it is written (a hash table's
 * probe, a counter's increment) would otherwise fault each page twice, and
 * the second fault (copy-on-write of the zero page) flushes the TLB of every
 * core running one of our threads, an interrupt per page that costs tens of
 * microseconds in a virtual machine. */
#define RR_CALLOC_WRITE_MIN (64 * 1024)
/* Called through a volatile pointer: compilers fold malloc + memset(0)
 * back into calloc. */
static void *(*volatile zero_fill)(void *, int, size_t) = memset;

void *rr_calloc(size_t count, size_t size)
{
	size_t n;
	void *p;

	if (injected_failure())
		return NULL;
	count = count ? count : 1;
	size = size ? size : 1;
	if (count > SIZE_MAX / size)
		return NULL;
	n = count * size;
	if (n < RR_CALLOC_WRITE_MIN)
		return calloc(count, size);
	if ((p = malloc(n))) {
		hugemem_advise(p, n);   /* before the first write */
		zero_fill(p, 0, n);
	}
	return p;
}

void *rr_realloc(void *p, size_t n)
{
	if (injected_failure())
		return NULL;
	return realloc(p, n ? n : 1);
}

void rr_free(void *p)
{
	free(p);
}

char *rr_strndup(const char *s, size_t n)
{
	char *d = rr_malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int rr_grow(void *base, size_t *cap, size_t need, size_t elem)
{
	void **p = base;
	size_t ncap;
	void *np;

	if (need <= *cap)
		return RR_OK;
	ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return RR_ENOMEM;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return RR_ENOMEM;
	np = rr_realloc(*p, ncap * elem);
	if (!np)
		return RR_ENOMEM;
	*p = np;
	*cap = ncap;
	return RR_OK;
}

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return 0;
		i += len;
	}
	return 1;
}

size_t utf8_cut(const char *s, size_t len)
{
	size_t i = len, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && len - i < 3)
		i--;
	if (i == 0)
		return len;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return len;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	return len - (i - 1) >= need ? len : i - 1;
}

void fmt_duration(int64_t ms, char *buf, size_t size)
{
	const char *sign = "";
	uint64_t v;

	if (size == 0)
		return;
	if (ms < 0) {
		sign = "-";
		v = (uint64_t)0 - (uint64_t)ms;
	} else {
		v = (uint64_t)ms;
	}
	if (v < 1000)
		snprintf(buf, size, "%s%llu ms", sign, (unsigned long long)v);
	else if (v < 60000 && v % 1000 >= 100)
		snprintf(buf, size, "%s%llu.%llu s", sign, (unsigned long long)(v / 1000),
			 (unsigned long long)(v % 1000 / 100));
	else if (v < 60000)
		snprintf(buf, size, "%s%llu s", sign, (unsigned long long)(v / 1000));
	else if (v < 3600000)
		snprintf(buf, size, "%s%llu min %02llu s", sign, (unsigned long long)(v / 60000),
			 (unsigned long long)(v % 60000 / 1000));
	else
		snprintf(buf, size, "%s%llu h %02llu min", sign, (unsigned long long)(v / 3600000),
			 (unsigned long long)(v % 3600000 / 60000));
}

unsigned rr_threads(unsigned cap)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return (unsigned long)n > cap ? cap : (unsigned)n;
}

char *fmt_i64(int64_t v, char *end)
{
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--end = '-';
	return end;
}

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

unsigned rr_edits(const char *a, const char *b, unsigned max)
{
	unsigned d[64][64];
	size_t n = strlen(a), m = strlen(b);

	if (n > 63 || m > 63)
		return max + 1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = lower_ascii(a[i - 1]) != lower_ascii(b[j - 1]);
			unsigned v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && lower_ascii(a[i - 1]) == lower_ascii(b[j - 2]) &&
			    lower_ascii(a[i - 2]) == lower_ascii(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m] <= max ? d[n][m] : max + 1;
}
