/* Fuzz target: script_min_shrink on any bytes. The result is never longer
 * than the input, and shrinking it again changes nothing (a second pass
 * reads the tokens the first one wrote the same way); the sanitizers catch
 * any read or write outside the buffer, which is exactly n bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "script_min.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = malloc(size ? size : 1), *b;
	size_t m, m2;

	if (!a)
		return 0;
	memcpy(a, data, size);
	m = script_min_shrink(a, size);
	if (m > size)
		abort();
	if (!(b = malloc(m ? m : 1)))
		abort();
	memcpy(b, a, m);
	m2 = script_min_shrink(b, m);
	if (m2 != m || memcmp(a, b, m) != 0)
		abort();
	free(b);
	free(a);
	return 0;
}
