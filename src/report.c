/*
 * report — the aggregates every output shows: totals, exits by reason, entry
 * latency percentiles and per-day figures in the display zone, computed once
 * from the session model so renderers only read.
 * Does not: change the model, or format anything but the YYYY-MM-DD keys.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

#define DAY_MS 86400000LL

static int cmp_int64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

int64_t percentile_nearest_rank(int64_t *v, size_t n, double q)
{
	double r;
	size_t rank;

	if (n == 0)
		return RR_NONE;
	qsort(v, n, sizeof *v, cmp_int64);
	/* The small slack keeps q*n that should be whole (0.95 * 20) from
	 * rounding up to the next rank through floating-point error. */
	r = ceil(q * (double)n - 1e-9);
	rank = r < 1 ? 1 : r > (double)n ? n : (size_t)r;
	return v[rank - 1];
}

/* Days since 1970-01-01 of the civil date at utc_ms in zone z. */
static int64_t day_number(const struct tz *z, int64_t utc_ms)
{
	int64_t local = utc_ms + (z ? (int64_t)tz_offset(z, utc_ms) * 1000 : 0);
	int64_t d = local / DAY_MS;

	if (local % DAY_MS < 0)
		d--;
	return d;
}

/* Proleptic Gregorian date of a day number (days since 1970-01-01). */
static void day_text(int64_t days, char out[11])
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	if (m <= 2)
		y++;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/* One call or session on its day: what it adds to that day's row. */
struct day_item {
	int64_t day;
	uint8_t call, entered, entry_failed, timeout;
};

static int cmp_day_item(const void *pa, const void *pb)
{
	const struct day_item *a = pa, *b = pb;

	return a->day < b->day ? -1 : a->day > b->day;
}

static int build_days(struct report *r)
{
	const struct model *m = r->m;
	struct day_item *it;
	size_t n = (size_t)m->ncalls + m->nsessions, i, k;
	uint32_t j;

	if (n == 0)
		return RR_OK;
	it = rr_calloc(n, sizeof *it);
	if (!it)
		return RR_ENOMEM;
	k = 0;
	for (j = 0; j < m->ncalls; j++) {
		it[k].day = day_number(r->tz, m->calls[j].start_ms);
		it[k++].call = 1;
	}
	for (j = 0; j < m->nsessions; j++) {
		const struct session *s = &m->sessions[j];

		it[k].day = day_number(r->tz, s->start_ms);
		it[k].entered = s->entered;
		it[k].entry_failed = s->exit == EXIT_ENTRY_FAILED;
		it[k++].timeout = s->exit == EXIT_TIMEOUT;
	}
	qsort(it, n, sizeof *it, cmp_day_item);
	r->days = rr_calloc(n, sizeof *r->days);   /* at most one day per item */
	if (!r->days) {
		rr_free(it);
		return RR_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct day *d;

		if (i == 0 || it[i].day != it[i - 1].day) {
			d = &r->days[r->ndays++];
			day_text(it[i].day, d->date);
		}
		d = &r->days[r->ndays - 1];
		if (it[i].call) {
			d->calls++;
			continue;
		}
		d->sessions++;
		d->entered += it[i].entered;
		d->entry_failed += it[i].entry_failed;
		d->timeouts += it[i].timeout;
	}
	rr_free(it);
	return RR_OK;
}

/* Counts distinct strtab ids; seen[] is scratch of strtab_count entries. */
static uint32_t mark_new(unsigned char *seen, uint32_t id, uint32_t nstr)
{
	if (id >= nstr || seen[id])
		return 0;
	seen[id] = 1;
	return 1;
}

int report_build(const struct dataset *ds, const struct model *m,
		 const struct decode_stats *dec, const struct tz *tz, struct report *r)
{
	uint32_t nstr = ds ? strtab_count(ds->strs) : 0, i;
	unsigned char *seen;
	int64_t *lat;
	size_t nlat = 0;
	int rc;

	memset(r, 0, sizeof *r);
	r->ds = ds;
	r->m = m;
	r->dec = dec;
	r->tz = tz;
	r->calls = m->ncalls;
	r->sessions = m->nsessions;
	r->abnormal_experiences = m->nexperiences;
	r->entry_latency.p50 = r->entry_latency.p95 = RR_NONE;

	seen = rr_calloc(nstr ? nstr : 1, 1);
	lat = rr_calloc(m->nsessions ? m->nsessions : 1, sizeof *lat);
	if (!seen || !lat) {
		rr_free(seen);
		rr_free(lat);
		return RR_ENOMEM;
	}
	for (i = 0; i < m->ncalls; i++)
		r->rooms += mark_new(seen, m->calls[i].room, nstr);
	memset(seen, 0, nstr ? nstr : 1);
	for (i = 0; i < m->nsessions; i++) {
		const struct session *s = &m->sessions[i];

		r->users += mark_new(seen, s->user, nstr);
		r->entered += s->entered;
		if ((unsigned)s->exit < EXIT__COUNT)
			r->exits[s->exit]++;
		if (s->entry_latency_ms != RR_NONE)
			lat[nlat++] = s->entry_latency_ms;
	}
	r->entry_latency.n = nlat;
	r->entry_latency.p50 = percentile_nearest_rank(lat, nlat, 0.50);
	r->entry_latency.p95 = percentile_nearest_rank(lat, nlat, 0.95);
	rr_free(seen);
	rr_free(lat);
	rc = build_days(r);
	if (rc != RR_OK)
		report_free(r);
	return rc;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	rr_free(r->days);
	r->days = NULL;
	r->ndays = 0;
}
