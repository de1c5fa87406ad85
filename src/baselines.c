/*
 * baselines — several --baseline files: read, ordered by period, checked
 * (see baselines.h). One struct baseline (about 70 KB) is read at a time
 * into a scratch copy; only the newest is kept whole.
 */
#include "baselines.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

void baselines_date(int64_t day, char out[11])
{
	/* Howard Hinnant's civil_from_days. */
	int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	if (m <= 2)
		y++;
	if (y < 0 || y > 9999) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/* The period and headline of b. */
static void run_of(const struct baseline *b, struct trend_run *t)
{
	memset(t, 0, sizeof *t);
	t->first_day = b->ndays ? b->first_day : RR_NONE;
	t->last_day = b->ndays ? b->last_day : RR_NONE;
	if (t->first_day != RR_NONE) {
		baselines_date(t->first_day, t->first);
		baselines_date(t->last_day, t->last);
	}
	for (int k = 0; k < HL__COUNT; k++)
		t->value[k] = b->have[k] ? b->value[k] : RR_NONE;
}

/* Whether run a is older than b: by last day, then first day; a run
 * without days is oldest. */
static int older(const struct trend_run *a, const struct trend_run *b)
{
	if (a->last_day != b->last_day)
		return a->last_day == RR_NONE || (b->last_day != RR_NONE && a->last_day < b->last_day);
	return a->first_day != b->first_day && a->first_day < b->first_day;
}

/* Insertion into the sorted list (stable: a later file of equal period
 * goes after). Returns its place. */
static size_t insert(struct baselines *bs, const struct trend_run *t, const char *name)
{
	size_t k = bs->n;

	while (k > 0 && older(t, &bs->runs[k - 1])) {
		bs->runs[k] = bs->runs[k - 1];
		bs->names[k] = bs->names[k - 1];
		k--;
	}
	bs->runs[k] = *t;
	bs->names[k] = name;
	bs->n++;
	return k;
}

/* With several files: each has days, no two share a period. */
static int check_periods(const struct baselines *bs, char *err, size_t errlen)
{
	for (size_t i = 0; i < bs->n; i++) {
		const struct trend_run *t = &bs->runs[i];

		if (t->last_day == RR_NONE) {
			snprintf(err, errlen, "%s: has no days, so its period is unknown (with "
				 "several --baseline, each must be the --json of a run with days)",
				 bs->names[i]);
			return RR_EDATA;
		}
		if (i > 0 && t->first_day == bs->runs[i - 1].first_day &&
		    t->last_day == bs->runs[i - 1].last_day) {
			snprintf(err, errlen, "%s: the same period (%s to %s) as %s; give each "
				 "earlier run once", bs->names[i], t->first, t->last,
				 bs->names[i - 1]);
			return RR_EDATA;
		}
	}
	return RR_OK;
}

int baselines_read(const char *const *paths, size_t n, struct baseline *newest,
		   struct baselines *bs, char *err, size_t errlen)
{
	struct baseline *tmp = rr_malloc(sizeof *tmp);
	int st = RR_OK;

	memset(bs, 0, sizeof *bs);
	if (n > BASELINES_MAX) {
		rr_free(tmp);
		snprintf(err, errlen, "%s: more than %d --baseline files", paths[BASELINES_MAX],
			 BASELINES_MAX);
		return RR_EDATA;
	}
	bs->runs = rr_malloc((n ? n : 1) * sizeof *bs->runs);
	bs->names = rr_malloc((n ? n : 1) * sizeof *bs->names);
	if (!tmp || !bs->runs || !bs->names)
		st = RR_ENOMEM;
	for (size_t i = 0; st == RR_OK && i < n; i++) {
		struct trend_run t;

		st = baseline_read(paths[i], tmp, err, errlen);
		if (st != RR_OK)
			break;
		run_of(tmp, &t);
		if (insert(bs, &t, paths[i]) == bs->n - 1)
			memcpy(newest, tmp, sizeof *tmp);
	}
	if (st == RR_OK && n > 1)
		st = check_periods(bs, err, errlen);
	rr_free(tmp);
	if (st != RR_OK)
		baselines_free(bs);
	return st;
}

int baselines_check(const struct baselines *bs, int64_t first_day, int64_t last_day,
		    char *err, size_t errlen)
{
	char a[11], b[11];

	if (bs->n < 2 || first_day == RR_NONE || last_day == RR_NONE)
		return RR_OK;
	baselines_date(first_day, a);
	baselines_date(last_day, b);
	for (size_t i = 0; i < bs->n; i++) {
		const struct trend_run *t = &bs->runs[i];

		if (t->first_day == first_day && t->last_day == last_day) {
			snprintf(err, errlen, "%s: its period (%s to %s) is this run's; a baseline "
				 "is an earlier run", bs->names[i], t->first, t->last);
			return RR_EDATA;
		}
		if (t->last_day >= first_day) {
			snprintf(err, errlen, "%s: its period (%s to %s) does not end before this "
				 "run's (%s to %s) begins; a baseline is an earlier run",
				 bs->names[i], t->first, t->last, a, b);
			return RR_EDATA;
		}
	}
	return RR_OK;
}

void baselines_free(struct baselines *bs)
{
	rr_free(bs->runs);
	rr_free(bs->names);
	memset(bs, 0, sizeof *bs);
}
