/* stats — see stats.h. */
#include "stats.h"

#include <math.h>

double stat_two_prop_p(uint64_t x0, uint64_t n0, uint64_t x1, uint64_t n1)
{
	double p0, p1, pool, se, z;

	if (n0 == 0 || n1 == 0 || x0 > n0 || x1 > n1)
		return 1.0;
	pool = ((double)x0 + (double)x1) / ((double)n0 + (double)n1);
	if (pool <= 0.0 || pool >= 1.0)
		return 1.0;
	p0 = (double)x0 / (double)n0;
	p1 = (double)x1 / (double)n1;
	se = sqrt(pool * (1.0 - pool) * (1.0 / (double)n0 + 1.0 / (double)n1));
	z = (p1 - p0) / se;
	return erfc(fabs(z) / sqrt(2.0));
}
