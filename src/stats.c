/* stats — see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

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

double stat_odds_change_p(uint64_t x0, uint64_t n0, uint64_t x1, uint64_t n1,
			  uint64_t y0, uint64_t m0, uint64_t y1, uint64_t m1, double *d_out)
{
	double cell[8], add = 0.0, var = 0.0, d, z;

	if (d_out)
		*d_out = 0.0;
	if (x0 > n0 || x1 > n1 || y0 > m0 || y1 > m1 || n0 < STAT_MIN_N || n1 < STAT_MIN_N ||
	    m0 < STAT_MIN_N || m1 < STAT_MIN_N || x0 + x1 < STAT_MIN_CELL ||
	    n0 - x0 + n1 - x1 < STAT_MIN_CELL || y0 + y1 < STAT_MIN_CELL ||
	    m0 - y0 + m1 - y1 < STAT_MIN_CELL)
		return -1.0;
	cell[0] = (double)x0;
	cell[1] = (double)(n0 - x0);
	cell[2] = (double)x1;
	cell[3] = (double)(n1 - x1);
	cell[4] = (double)y0;
	cell[5] = (double)(m0 - y0);
	cell[6] = (double)y1;
	cell[7] = (double)(m1 - y1);
	for (int k = 0; k < 8; k++)
		if (cell[k] == 0.0)
			add = 0.5;
	for (int k = 0; k < 8; k++) {
		cell[k] += add;
		var += 1.0 / cell[k];
	}
	d = log(cell[2] * cell[1] / (cell[0] * cell[3])) - log(cell[6] * cell[5] / (cell[4] * cell[7]));
	if (d_out)
		*d_out = d;
	z = d / sqrt(var);
	return erfc(fabs(z) / sqrt(2.0));
}

static int cmp_rank(const void *pa, const void *pb)
{
	const struct stat_rank *a = pa, *b = pb;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

void stat_holm(double *p, size_t n, struct stat_rank *tmp)
{
	double run = 0.0, v;

	for (size_t k = 0; k < n; k++) {
		tmp[k].p = p[k];
		tmp[k].i = k;
	}
	if (n > 1)
		qsort(tmp, n, sizeof *tmp, cmp_rank);
	for (size_t k = 0; k < n; k++) {
		v = (double)(n - k) * tmp[k].p;
		if (v > 1.0)
			v = 1.0;
		if (v > run)
			run = v;
		p[tmp[k].i] = run;
	}
}
