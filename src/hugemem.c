/*
 * hugemem — MADV_HUGEPAGE on the aligned inside of large buffers (see
 * hugemem.h).
 */
#define _DEFAULT_SOURCE 1   /* madvise, MADV_HUGEPAGE */

#include "hugemem.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGEMEM_PAGE ((uintptr_t)2 << 20)

void hugemem_advise(void *p, size_t n)
{
	uintptr_t lo, hi;

	if (!p || n < HUGEMEM_MIN)
		return;
	lo = ((uintptr_t)p + HUGEMEM_PAGE - 1) & ~(HUGEMEM_PAGE - 1);
	hi = ((uintptr_t)p + n) & ~(HUGEMEM_PAGE - 1);
#ifdef MADV_HUGEPAGE
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)lo, (void)hi;
#endif
}
