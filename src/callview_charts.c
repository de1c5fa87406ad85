/*
 * callview_charts — the quality charts of a call page's lanes: the
 * companion quality samples of a lane's user, cut into series per (peer,
 * metric) within the axis, grouped into charts by kind and unit, thinned
 * when long, scaled to round maxima, with reference lines (loss, RTT, CPU,
 * stutter) that fall near the data, and the texts they show.
 * Does not: read events or sessions (callview.c), or draw (render).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callview_int.h"
#include "companion.h"
#include "util.h"

#define PEER_TEXT_MAX 64      /* bytes of a peer ID quoted in a series' name */

/* One run of quality samples [a, b) of one (peer, metric) of a lane's user,
 * within the axis; sorted into series and charts (see build_charts). */
struct piece {
	size_t a, b;
	uint32_t peer;
	uint16_t metric;
	uint8_t slot, rank;      /* chart slot and place in the metric table */
	const char *name, *peer_text;
	uint32_t src;            /* which (room, comm) block: keeps the sort total */
};

/*
 * Known metrics (DESIGN §1, issue 7): which chart they go to and their unit.
 * A chart holds one group and one unit, so every series in it shares a
 * y axis: a group whose metrics differ in unit becomes one chart per unit
 * ("Network · ms", "Network · %"). Units as the API gives them (DESIGN
 * §1): loss and CPU in %, rtt and stutter (aBlock, bigvBlock) in ms,
 * frame rates in frames/s, width and height in px; bitrates (aBit,
 * bigvBit) come in bps and are charted in kbps (divided by 1000).
 */
enum {
	SLOT_NET_MS, SLOT_NET_PCT, SLOT_MEDIA_KBPS, SLOT_MEDIA_FPS, SLOT_MEDIA_MS,
	SLOT_MEDIA_PX, SLOT_DEVICE_PCT, SLOT_DEVICE, SLOT_OTHER, SLOT__COUNT
};

static const struct {
	enum cv_chart_group group;
	const char *title;
	const char *unit;
} slots[SLOT__COUNT] = {
	{ CV_CHART_NETWORK, "Network · ms", "ms" },
	{ CV_CHART_NETWORK, "Network · %", "%" },
	{ CV_CHART_MEDIA, "Media · kbps", "kbps" },
	{ CV_CHART_MEDIA, "Media · fps", "fps" },
	{ CV_CHART_MEDIA, "Media · ms", "ms" },
	{ CV_CHART_MEDIA, "Media · px", "px" },
	{ CV_CHART_DEVICE, "Device · %", "%" },
	{ CV_CHART_DEVICE, "Device", "" },
	{ CV_CHART_OTHER, "Other", "" },
};

static const struct {
	const char *name;
	uint8_t slot;
	double per;              /* export's unit per chart unit: bps per kbps */
} metric_table[] = {
	{ "rtt", SLOT_NET_MS, 1 },
	{ "aLoss", SLOT_NET_PCT, 1 }, { "bigvLoss", SLOT_NET_PCT, 1 },
	{ "aBit", SLOT_MEDIA_KBPS, 1000 }, { "bigvBit", SLOT_MEDIA_KBPS, 1000 },
	{ "bigvCapFps", SLOT_MEDIA_FPS, 1 }, { "bigvEncFps", SLOT_MEDIA_FPS, 1 },
	{ "bigvDecFps", SLOT_MEDIA_FPS, 1 }, { "bigvRecFps", SLOT_MEDIA_FPS, 1 },
	{ "aBlock", SLOT_MEDIA_MS, 1 }, { "bigvBlock", SLOT_MEDIA_MS, 1 },
	{ "bigvWidth", SLOT_MEDIA_PX, 1 }, { "bigvHeight", SLOT_MEDIA_PX, 1 },
	{ "appCpu", SLOT_DEVICE_PCT, 1 }, { "sysCpu", SLOT_DEVICE_PCT, 1 },
	{ "aCapEnergy", SLOT_DEVICE, 1 }, { "aPlayEnergy", SLOT_DEVICE, 1 },
};

#define METRIC_UNKNOWN_RANK 255

/* Reference lines, ascending within each run so that the lines a chart
 * keeps (those up to 1.5 times its data maximum) are a prefix of its run:
 * loss [0, 3), rtt [3], system CPU [4], stutter audio [5], video [6]. */
static const struct cv_refline refs[] = {
	{ COMPANION_LOSS_FINE, "loss 2 % (fine)", SEV_INFO },
	{ COMPANION_LOSS_POOR, "loss 5 % (poor)", SEV_WARNING },
	{ COMPANION_LOSS_SEVERE, "loss 10 % (severe)", SEV_ERROR },
	{ COMPANION_RTT_HIGH, "RTT 400 ms", SEV_WARNING },
	{ COMPANION_SYS_CPU_HIGH, "system CPU 85 %", SEV_WARNING },
	{ COMPANION_AUDIO_STUTTER_MS, "audio stutter 200 ms", SEV_WARNING },
	{ COMPANION_VIDEO_STUTTER_MS, "video stutter 600 ms", SEV_WARNING },
};

#define MAX_SERIES_POINTS 2000   /* above this a series is thinned */
#define REF_REACH 1.5            /* a line further above the data is left out */

static void metric_place(const char *name, uint8_t *slot, uint8_t *rank)
{
	size_t i;

	for (i = 0; i < sizeof metric_table / sizeof metric_table[0]; i++)
		if (strcmp(name, metric_table[i].name) == 0) {
			*slot = metric_table[i].slot;
			*rank = (uint8_t)i;
			return;
		}
	*slot = SLOT_OTHER;
	*rank = METRIC_UNKNOWN_RANK;
}

static int cmp_piece(const void *pa, const void *pb)
{
	const struct piece *a = pa, *b = pb;
	int c;

	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if ((c = strcmp(a->name, b->name)))
		return c;
	if ((a->peer == 0) != (b->peer == 0))
		return a->peer == 0 ? -1 : 1;      /* upstream before received streams */
	if ((c = strcmp(a->peer_text, b->peer_text)))
		return c;
	return a->src < b->src ? -1 : a->src > b->src;
}

/* Sample key for binary searches: (room, comm, user, peer, metric, time),
 * the order dataset_finish leaves quality samples in. */
struct qkey {
	uint32_t room, comm, user, peer, metric;
	int64_t time;
};

static int q_before(const struct quality_sample *q, const struct qkey *k)
{
	if (q->room != k->room)
		return q->room < k->room;
	if (q->comm != k->comm)
		return q->comm < k->comm;
	if (q->user != k->user)
		return q->user < k->user;
	if (q->peer != k->peer)
		return q->peer < k->peer;
	if (q->metric != k->metric)
		return q->metric < k->metric;
	return q->time_ms < k->time;
}

static size_t q_lower(const struct dataset *ds, size_t lo, const struct qkey *k)
{
	size_t hi = ds->nquality;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (q_before(&ds->quality[mid], k))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The pieces of user's samples in block (room, comm) within [t0, t1]: each
 * (peer, metric) run is found and cut to the axis by binary search, so
 * samples of other users, calls and times are never walked. */
static int lane_pieces(struct builder *b, uint32_t room, uint32_t comm, uint32_t user, uint32_t src)
{
	const struct dataset *ds = b->r->ds;
	struct qkey k = { room, comm, user, 0, 0, INT64_MIN };
	size_t i = q_lower(ds, companion_quality_lower_bound(ds, room, comm), &k);

	while (i < ds->nquality && ds->quality[i].room == room && ds->quality[i].comm == comm &&
	       ds->quality[i].user == user) {
		const struct quality_sample *q = &ds->quality[i];
		struct piece *pc;
		size_t a, e, next;

		k.peer = q->peer;
		k.metric = q->metric;
		k.time = b->v->t0;
		a = q_lower(ds, i, &k);
		k.time = b->v->t1 == INT64_MAX ? INT64_MAX : b->v->t1 + 1;
		e = q_lower(ds, a, &k);
		k.metric = (uint32_t)q->metric + 1;
		k.time = INT64_MIN;
		next = q_lower(ds, e, &k);
		i = next;
		if (e == a)
			continue;
		if (rr_grow(&b->st_->pieces, &b->st_->cappieces, b->npieces + 1, sizeof *b->st_->pieces) != RR_OK)
			return RR_ENOMEM;
		pc = &b->st_->pieces[b->npieces++];
		pc->a = a;
		pc->b = e;
		pc->peer = q->peer;
		pc->metric = q->metric;
		pc->name = q->metric < ds->nmetrics ? strtab_str(b->st, ds->metrics[q->metric]) : "";
		pc->peer_text = strtab_str(b->st, q->peer);
		pc->src = src;
		metric_place(pc->name, &pc->slot, &pc->rank);
	}
	return RR_OK;
}

static int cmp_point(const void *pa, const void *pb)
{
	const struct cv_point *a = pa, *b = pb;

	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	return a->value < b->value ? -1 : a->value > b->value;
}

/* Keeps at most MAX_SERIES_POINTS of p[0..n): n split into equal-count
 * buckets, each keeping its lowest and highest point in time order, so
 * peaks survive and the result depends on nothing but the data. */
static uint32_t thin(struct cv_point *p, uint32_t n)
{
	uint32_t buckets = MAX_SERIES_POINTS / 2, bk, out = 0;

	if (n <= MAX_SERIES_POINTS)
		return n;
	for (bk = 0; bk < buckets; bk++) {
		uint32_t lo = (uint32_t)((uint64_t)n * bk / buckets);
		uint32_t hi = (uint32_t)((uint64_t)n * (bk + 1) / buckets), i, mn = lo, mx = lo;
		struct cv_point a, z;

		for (i = lo + 1; i < hi; i++) {
			if (p[i].value < p[mn].value)
				mn = i;
			if (p[i].value > p[mx].value)
				mx = i;
		}
		a = p[mn < mx ? mn : mx];
		z = p[mn < mx ? mx : mn];
		p[out++] = a;            /* out <= lo: never overwrites unread points */
		if (mn != mx)
			p[out++] = z;
	}
	return out;
}

/* A number as people read it on a chart: whole numbers plainly, others to
 * three significant digits ("4.5", "0.123", "12.3"). */
static void num_text(double v, char *buf, size_t size)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, size, "%.0f", v);
	else if (fabs(v) >= 100)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.3g", v);
}

/* The smallest of 1, 2, 2.5, 5 times a power of ten not below x (> 0). */
static double nice_ceil(double x)
{
	static const double steps[] = { 1, 2, 2.5, 5, 10 };
	double p = pow(10, floor(log10(x)));
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i] * p >= x * (1 - 1e-9))
			return steps[i] * p;
	return 10 * p;
}

static int cmp_i64_asc(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

/* The longest step between consecutive points p[0..n) that still draws a
 * line: CV_GAP_FACTOR times the median step, at least CV_GAP_MIN_MS.
 * INT64_MIN when out of memory. */
static int64_t gap_after(struct builder *b, const struct cv_point *p, uint32_t n)
{
	int64_t *d, med, lim;
	uint32_t i;

	(void)b;
	if (n < 3)
		return INT64_MAX;
	if (!(d = rr_malloc((size_t)(n - 1) * sizeof *d)))
		return INT64_MIN;
	for (i = 1; i < n; i++)
		d[i - 1] = p[i].time_ms - p[i - 1].time_ms;
	qsort(d, n - 1, sizeof *d, cmp_i64_asc);
	med = d[(n - 2) / 2];
	rr_free(d);
	lim = med > INT64_MAX / CV_GAP_FACTOR ? INT64_MAX : med * CV_GAP_FACTOR;
	return lim < CV_GAP_MIN_MS ? CV_GAP_MIN_MS : lim;
}

/* One series from pieces [i, j) (same peer and metric), cut at gaps. */
static int add_series(struct builder *b, const struct piece *pc, size_t np, uint32_t style,
		      uint32_t *nsamples)
{
	const struct dataset *ds = b->r->ds;
	struct callview *v = b->v;
	struct cv_series *se;
	struct textbuf t = { .len = 0 };
	size_t total = 0, i, k;
	uint32_t first = v->npoints;
	const char *name;
	int64_t gap;
	double per;

	for (i = 0; i < np; i++)
		total += pc[i].b - pc[i].a;
	if (total > UINT32_MAX - (size_t)v->npoints)
		return RR_ENOMEM;
	if (rr_grow(&v->points, &b->st_->cappoints, (size_t)v->npoints + total, sizeof *v->points) != RR_OK)
		return RR_ENOMEM;
	/* In the chart's unit: bps to kbps for bitrates. */
	per = pc->rank != METRIC_UNKNOWN_RANK ? metric_table[pc->rank].per : 1;
	for (i = 0; i < np; i++)
		for (k = pc[i].a; k < pc[i].b; k++) {
			v->points[v->npoints].time_ms = ds->quality[k].time_ms;
			v->points[v->npoints++].value = per == 1 ? ds->quality[k].value :
				(float)(ds->quality[k].value / per);
		}
	/* Several blocks (with and without a CommId) may interleave. */
	if (np > 1)
		qsort(v->points + first, total, sizeof *v->points, cmp_point);
	v->npoints = first + thin(v->points + first, (uint32_t)total);
	textbuf_add(&t, "%s", pc->name);
	if (pc->peer) {
		textbuf_add(&t, " from ");
		textbuf_add_clipped(&t, pc->peer_text, strlen(pc->peer_text), PEER_TEXT_MAX);
	}
	name = put_text(b, &t);
	if (!name)
		return RR_ENOMEM;
	gap = gap_after(b, v->points + first, v->npoints - first);
	if (gap == INT64_MIN)
		return RR_ENOMEM;
	/* One series per stretch of samples without a gap (see callview.h). */
	for (i = first; i < v->npoints; i = k) {
		for (k = i + 1; k < v->npoints && v->points[k].time_ms - v->points[k - 1].time_ms <= gap; k++)
			;
		if (rr_grow(&v->series, &b->st_->capseries, (size_t)v->nseries + 1, sizeof *v->series) != RR_OK)
			return RR_ENOMEM;
		se = &v->series[v->nseries++];
		se->name = name;
		se->unit = slots[pc->slot].unit;
		se->first_point = (uint32_t)i;
		se->npoints = (uint32_t)(k - i);
		se->style = (uint8_t)(style % 8);
		se->continued = i > first;
	}
	*nsamples = (uint32_t)total;
	return RR_OK;
}

/* Reference lines of a chart from the metrics in it, and the y range. */
static void chart_scale(struct builder *b, struct cv_chart *ch, const struct piece *pc, size_t np)
{
	const struct callview *v = b->v;
	double lo = 0, hi = 0, top;
	int have = 0, audio = 0, video = 0, rtt = 0, cpu = 0, loss = 0;
	uint32_t s, k, from = 0, n = 0;
	size_t i;

	for (i = 0; i < np; i++) {
		audio |= strcmp(pc[i].name, "aBlock") == 0;
		video |= strcmp(pc[i].name, "bigvBlock") == 0;
		rtt |= strcmp(pc[i].name, "rtt") == 0;
		cpu |= strcmp(pc[i].name, "sysCpu") == 0;
		loss |= pc[i].slot == SLOT_NET_PCT;
	}
	if (loss) { from = 0; n = 3; }
	else if (rtt) { from = 3; n = 1; }
	else if (cpu) { from = 4; n = 1; }
	else if (audio || video) { from = audio ? 5 : 6; n = (uint32_t)(audio + video); }
	for (s = ch->first_series; s < ch->first_series + ch->nseries; s++)
		for (k = 0; k < v->series[s].npoints; k++) {
			double y = v->points[v->series[s].first_point + k].value;

			if (!have || y < lo)
				lo = y;
			if (!have || y > hi)
				hi = y;
			have = 1;
		}
	/* Lines far above the data would squash it against the floor (a
	 * 10 % line over a 0.5 % series): only those within reach stay. */
	while (n > 0 && refs[from + n - 1].value > REF_REACH * hi)
		n--;
	ch->refs = n ? &refs[from] : NULL;
	ch->nrefs = n;
	top = n && refs[from + n - 1].value > hi ? refs[from + n - 1].value : hi;
	ch->y_max = top > 0 ? nice_ceil(top) : 0;
	ch->y_min = lo < 0 ? -nice_ceil(-lo) : 0;
	if (ch->y_max <= ch->y_min)
		ch->y_max = ch->y_min + 1;
}

/* The charts of one lane: its user's samples in this call's blocks
 * ((room, CommId), (room, none), (none, CommId), (none, none)), clipped
 * to the axis so they line up with the swimlane, one series per (metric,
 * peer), one chart per slot. */
int callview_lane_charts(struct builder *b, struct cv_lane *ln, uint32_t user)
{
	const struct call *c = b->c;
	struct callview *v = b->v;
	size_t i, j, e;
	int rc;

	ln->first_chart = v->ncharts;
	b->npieces = 0;
	if (c->comm && (rc = lane_pieces(b, c->room, c->comm, user, 0)))
		return rc;
	if ((rc = lane_pieces(b, c->room, 0, user, 1)))
		return rc;
	if (c->comm && (rc = lane_pieces(b, 0, c->comm, user, 2)))
		return rc;
	if ((rc = lane_pieces(b, 0, 0, user, 3)))
		return rc;
	if (b->npieces == 0)
		return RR_OK;
	qsort(b->st_->pieces, b->npieces, sizeof *b->st_->pieces, cmp_piece);
	for (i = 0; i < b->npieces; i = e) {
		struct cv_chart *ch;
		struct textbuf t = { .len = 0 };
		uint32_t style = 0;

		for (e = i + 1; e < b->npieces && b->st_->pieces[e].slot == b->st_->pieces[i].slot; e++)
			;
		if (rr_grow(&v->charts, &b->st_->capcharts, (size_t)v->ncharts + 1, sizeof *v->charts))
			return RR_ENOMEM;
		ch = &v->charts[v->ncharts];
		memset(ch, 0, sizeof *ch);
		ch->group = slots[b->st_->pieces[i].slot].group;
		ch->title = slots[b->st_->pieces[i].slot].title;
		ch->first_series = v->nseries;
		for (j = i; j < e;) {
			size_t f = j + 1;
			uint32_t nsamples = 0;
			const struct cv_series *se;
			char mx[32];
			float top;
			uint32_t k;

			while (f < e && b->st_->pieces[f].metric == b->st_->pieces[j].metric &&
			       b->st_->pieces[f].peer == b->st_->pieces[j].peer)
				f++;
			uint32_t s0 = v->nseries, p0, p1;

			if ((rc = add_series(b, b->st_->pieces + j, f - j, style++, &nsamples)))
				return rc;
			se = &v->series[s0];
			p0 = se->first_point;
			p1 = v->series[v->nseries - 1].first_point + v->series[v->nseries - 1].npoints;
			top = v->points[p0].value;
			for (k = p0 + 1; k < p1; k++)
				if (v->points[k].value > top)
					top = v->points[k].value;
			num_text(top, mx, sizeof mx);
			textbuf_add(&t, "%s%s: %" PRIu32 " sample%s, max %s%s%s", t.len ? "; " : "",
				    se->name, nsamples, nsamples == 1 ? "" : "s", mx,
				    *se->unit ? " " : "", se->unit);
			j = f;
		}
		ch->nseries = v->nseries - ch->first_series;
		chart_scale(b, ch, b->st_->pieces + i, e - i);
		ch->desc = put_text(b, &t);
		if (!ch->desc)
			return RR_ENOMEM;
		v->ncharts++;
	}
	ln->ncharts = v->ncharts - ln->first_chart;
	return RR_OK;
}

