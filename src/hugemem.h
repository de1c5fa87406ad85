/*
 * hugemem — asking the kernel for 2 MiB pages under large buffers.
 * On the VMs this runs on, each first write to a 4 kB page is a page fault
 * that goes through the hypervisor; where transparent huge pages are given
 * only on request (the "madvise" setting), a buffer of tens of megabytes
 * written once costs thousands of such faults unless it asks.
 * Does not: allocate, or change what a buffer holds; where the kernel has no
 * huge pages (or says no) nothing changes.
 */
#ifndef RR_HUGEMEM_H
#define RR_HUGEMEM_H

#include <stddef.h>

/* Smallest buffer worth asking for: below it the faults saved are few. */
#define HUGEMEM_MIN ((size_t)4 << 20)

/* Asks for huge pages under the whole 2 MiB pages inside [p, p + n) when n
 * is at least HUGEMEM_MIN (the buffer's ends stay in 4 kB pages). Call it
 * before the buffer is first written: pages already there stay small. p may
 * be NULL (nothing done). Never fails: the advice is only a hint. */
void hugemem_advise(void *p, size_t n);

#endif
