/*
 * tz — IANA zones read straight from TZif files, time parsing and
 * formatting, with no use of TZ/setenv/localtime, so the input zone and the
 * display zone can be used side by side.
 *
 * A zone is a sorted table of (transition instant, offset after it). The
 * POSIX rule in a TZif footer, which governs instants after the file's last
 * transition, is expanded into that table up to year 2100 when the zone is
 * opened; later instants evaluate the rule directly. Lookups are a binary
 * search, so millions of conversions cost microseconds each at most.
 * Parsing and formatting are hand-rolled (no sscanf/strftime): they run once
 * per CSV row.
 * Abbreviations ("CET", "CEST") are kept per offset: the latest one the
 * file's transitions use for it, and the POSIX rule's names over those, so
 * a page whose times straddle a change of offset can say which is which.
 * Does not: handle leap seconds ("right/" zones are read as if they had
 * none).
 */
#include "tz.h"
#include "tz_names.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define TZIF_MAX_BYTES (1u << 20)
#define EXPAND_UNTIL_YEAR 2100
#define MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

/* One end of a POSIX DST rule: a day of the year and a local time. */
struct rule_day {
	char kind;          /* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
	int n, m, w, d;     /* J/D: n; M: month, week (1..5), weekday (0 = Sunday) */
	int32_t secs;       /* local time of day, may be negative or > 24 h */
};

#define ABBR_MAX 8          /* bytes of an abbreviation kept, NUL included */
#define ZONE_NAMES 32       /* distinct offsets whose abbreviation is kept */

struct posix_rule {
	int32_t std_off, dst_off;   /* seconds east of UTC */
	int has_dst;
	struct rule_day start, end;
	char std_name[ABBR_MAX], dst_name[ABBR_MAX];   /* "" when too long */
};

/* The abbreviation shown for an offset. */
struct zone_name {
	int32_t off;
	char abbr[ABBR_MAX];
};

struct tz {
	char *name;
	int64_t *at;        /* transition instants, seconds, ascending */
	int32_t *off;       /* offset in effect from at[i] */
	size_t n;
	int32_t off0;       /* offset before the first transition */
	int has_rule;
	struct posix_rule rule;
	struct zone_name names[ZONE_NAMES];
	size_t nnames;
};

/* ---- calendar arithmetic -------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil; any year, month 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ---- POSIX TZ rules ------------------------------------------------------ */

/* Day number (since the epoch) on which rule day rd falls in year y. */
static int64_t rule_day_of(const struct rule_day *rd, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1);

	if (rd->kind == 'J') {
		/* Day 1..365, February 29 never counted. */
		int64_t day = rd->n - 1;
		if (is_leap(y) && rd->n >= 60)
			day++;
		return jan1 + day;
	}
	if (rd->kind == 'D')
		return jan1 + rd->n;
	{
		int64_t first = days_from_civil(y, rd->m, 1);
		/* 1970-01-01 was a Thursday (4). */
		int wd_first = (int)(((first % 7) + 7 + 4) % 7);
		int64_t day = first + ((rd->d - wd_first + 7) % 7) + 7 * (rd->w - 1);
		int dim = days_in_month(y, rd->m);
		while (day >= first + dim)
			day -= 7;
		return day;
	}
}

/* DST start and end instants (UTC seconds) of the rule in year y. */
static void rule_bounds(const struct posix_rule *r, int64_t y, int64_t *start, int64_t *end)
{
	*start = rule_day_of(&r->start, y) * 86400 + r->start.secs - r->std_off;
	*end = rule_day_of(&r->end, y) * 86400 + r->end.secs - r->dst_off;
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
	int64_t y, s, e;
	int m, d;

	if (!r->has_dst)
		return r->std_off;
	civil_from_days(floor_div(t, 86400), &y, &m, &d);
	rule_bounds(r, y, &s, &e);
	if (s < e)
		return t >= s && t < e ? r->dst_off : r->std_off;
	/* Southern hemisphere: DST spans the new year. */
	return t >= e && t < s ? r->std_off : r->dst_off;
}

/* Parses [+-]hh[:mm[:ss]] (hours up to 167) into seconds. */
static int parse_hms(const char **sp, int32_t *out)
{
	const char *s = *sp;
	int sign = 1, h = 0, mi = 0, se = 0, digits = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9' && digits < 3) {
		h = h * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || h > 167)
		return -1;
	if (*s == ':') {
		s++;
		if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
			return -1;
		mi = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
		if (*s == ':') {
			s++;
			if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
				return -1;
			se = (s[0] - '0') * 10 + (s[1] - '0');
			s += 2;
		}
		if (mi > 59 || se > 59)
			return -1;
	}
	*out = sign * (h * 3600 + mi * 60 + se);
	*sp = s;
	return 0;
}

/* Copies the n bytes at s into out[ABBR_MAX] when they fit, else "". */
static void abbr_copy(char out[ABBR_MAX], const char *s, size_t n)
{
	if (n >= ABBR_MAX)
		n = 0;
	memcpy(out, s, n);
	out[n] = '\0';
}

static int parse_tzname(const char **sp, char name[ABBR_MAX])
{
	const char *s = *sp;
	int n = 0;

	if (*s == '<') {
		s++;
		while (*s && *s != '>') {
			s++;
			n++;
		}
		if (*s != '>' || n < 3)
			return -1;
		abbr_copy(name, s - n, (size_t)n);
		*sp = s + 1;
		return 0;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
		s++;
		n++;
	}
	if (n < 3)
		return -1;
	abbr_copy(name, s - n, (size_t)n);
	*sp = s;
	return 0;
}

static int parse_int(const char **sp, int lo, int hi, int *out)
{
	const char *s = *sp;
	int v = 0, digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 4) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits || v < lo || v > hi)
		return -1;
	*out = v;
	*sp = s;
	return 0;
}

static int parse_rule_day(const char **sp, struct rule_day *rd)
{
	const char *s = *sp;

	if (*s == 'M') {
		s++;
		rd->kind = 'M';
		if (parse_int(&s, 1, 12, &rd->m) || *s++ != '.' ||
		    parse_int(&s, 1, 5, &rd->w) || *s++ != '.' ||
		    parse_int(&s, 0, 6, &rd->d))
			return -1;
	} else if (*s == 'J') {
		s++;
		rd->kind = 'J';
		if (parse_int(&s, 1, 365, &rd->n))
			return -1;
	} else {
		rd->kind = 'D';
		if (parse_int(&s, 0, 365, &rd->n))
			return -1;
	}
	rd->secs = 2 * 3600;
	if (*s == '/') {
		s++;
		if (parse_hms(&s, &rd->secs))
			return -1;
	}
	*sp = s;
	return 0;
}

/* Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". Note the
 * POSIX sign: "-1" means one hour east of UTC. */
static int parse_posix(const char *s, struct posix_rule *r)
{
	int32_t o;

	memset(r, 0, sizeof *r);
	if (parse_tzname(&s, r->std_name) || parse_hms(&s, &o))
		return -1;
	r->std_off = -o;
	if (!*s)
		return 0;
	if (parse_tzname(&s, r->dst_name))
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*s && *s != ',') {
		if (parse_hms(&s, &o))
			return -1;
		r->dst_off = -o;
	}
	if (!*s) {
		/* No dates: POSIX leaves them implementation-defined; use the
		 * US rules, as glibc does. */
		r->start = (struct rule_day){ 'M', 0, 3, 2, 0, 7200 };
		r->end = (struct rule_day){ 'M', 0, 11, 1, 0, 7200 };
		return 0;
	}
	if (*s++ != ',' || parse_rule_day(&s, &r->start) || *s++ != ',' ||
	    parse_rule_day(&s, &r->end) || *s)
		return -1;
	return 0;
}

/* ---- TZif ---------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int add_transition(struct tz *z, size_t *cap, int64_t at, int32_t off)
{
	if (z->n == *cap) {
		size_t c1 = *cap, c2 = *cap;
		if (rr_grow(&z->at, &c1, z->n + 1, sizeof *z->at) != RR_OK)
			return RR_ENOMEM;
		if (rr_grow(&z->off, &c2, z->n + 1, sizeof *z->off) != RR_OK)
			return RR_ENOMEM;
		/* Both grew from the same capacity by the same rule. */
		*cap = c1 < c2 ? c1 : c2;
	}
	z->at[z->n] = at;
	z->off[z->n] = off;
	z->n++;
	return RR_OK;
}

/* Remembers abbr (n bytes, not NUL-terminated) as the name of offset off;
 * a later call for the same offset wins. Abbreviations that do not fit, or
 * offsets past the table's room, are left out (numeric offsets then). */
static void name_set(struct tz *z, int32_t off, const char *abbr, size_t n)
{
	size_t i;

	if (n == 0 || n >= ABBR_MAX)
		return;
	for (i = 0; i < z->nnames && z->names[i].off != off; i++)
		;
	if (i == z->nnames) {
		if (z->nnames == ZONE_NAMES)
			return;
		z->nnames++;
	}
	z->names[i].off = off;
	abbr_copy(z->names[i].abbr, abbr, n);
}

static void rule_names(struct tz *z)
{
	const struct posix_rule *r = &z->rule;

	name_set(z, r->std_off, r->std_name, strlen(r->std_name));
	if (r->has_dst)
		name_set(z, r->dst_off, r->dst_name, strlen(r->dst_name));
}

/* The abbreviation of ttinfo number type: chars[desigidx] up to its NUL. */
static void type_name(struct tz *z, const unsigned char *types, const unsigned char *chars,
		      uint32_t charcnt, uint32_t type)
{
	const unsigned char *t = types + 6 * (size_t)type;
	size_t at = t[5], n = 0;

	while (at + n < charcnt && chars[at + n])
		n++;
	if (at + n < charcnt)
		name_set(z, (int32_t)be32(t), (const char *)chars + at, n);
}

/* Parses a TZif image. Returns RR_OK, RR_EDATA (not a valid TZif) or
 * RR_ENOMEM. */
static int load_tzif(struct tz *z, const unsigned char *b, size_t len)
{
	uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
	const unsigned char *p = b, *end = b + len, *types, *idx, *times;
	int v2, tsize;
	size_t cap = 0;

	if (len < 44 || memcmp(b, "TZif", 4) != 0)
		return RR_EDATA;
	v2 = b[4] >= '2';
	for (int pass = 0; pass < 2; pass++) {
		size_t block;

		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
			return RR_EDATA;
		isut = be32(p + 20);
		isstd = be32(p + 24);
		leap = be32(p + 28);
		timecnt = be32(p + 32);
		typecnt = be32(p + 36);
		charcnt = be32(p + 40);
		p += 44;
		tsize = pass == 0 ? 4 : 8;
		if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || charcnt > 100000 ||
		    leap > 100000 || isut > 256 || isstd > 256)
			return RR_EDATA;
		block = (size_t)timecnt * tsize + timecnt + (size_t)typecnt * 6 + charcnt +
			(size_t)leap * (tsize + 4) + isstd + isut;
		if ((size_t)(end - p) < block)
			return RR_EDATA;
		if (pass == 0 && v2) {
			p += block;
			continue;
		}
		times = p;
		idx = times + (size_t)timecnt * tsize;
		types = idx + timecnt;
		for (uint32_t i = 0; i < typecnt; i++) {
			int32_t o = (int32_t)be32(types + 6 * i);
			if (o < -26 * 3600 || o > 26 * 3600)
				return RR_EDATA;
		}
		z->off0 = (int32_t)be32(types);
		type_name(z, types, types + (size_t)typecnt * 6, charcnt, 0);
		for (uint32_t i = 0; i < timecnt; i++) {
			int64_t at = tsize == 4 ? (int64_t)(int32_t)be32(times + 4 * i)
						: be64(times + 8 * i);
			if (idx[i] >= typecnt || (z->n && at <= z->at[z->n - 1]))
				return RR_EDATA;
			if (add_transition(z, &cap, at, (int32_t)be32(types + 6 * idx[i])) != RR_OK)
				return RR_ENOMEM;
			type_name(z, types, types + (size_t)typecnt * 6, charcnt, idx[i]);
		}
		p += block;
		break;
	}
	/* Footer: "\nRULE\n" after the v2+ data. */
	if (v2 && p < end && *p == '\n') {
		const unsigned char *q = memchr(p + 1, '\n', (size_t)(end - p - 1));
		char rule[128];
		size_t rl;

		if (q && (rl = (size_t)(q - p - 1)) > 0 && rl < sizeof rule) {
			memcpy(rule, p + 1, rl);
			rule[rl] = '\0';
			if (parse_posix(rule, &z->rule) == 0) {
				z->has_rule = 1;
				rule_names(z);
			}
		}
	}
	if (z->has_rule && z->rule.has_dst) {
		/* Expand the rule into the table, so common instants need no rule
		 * arithmetic. */
		int64_t last = z->n ? z->at[z->n - 1] : INT64_MIN;
		int64_t y0 = 1970, y;
		int mo, d;

		if (z->n) {
			civil_from_days(floor_div(last, 86400), &y0, &mo, &d);
		}
		for (y = y0; y <= EXPAND_UNTIL_YEAR; y++) {
			int64_t s, e, a1, a2;
			int32_t o1, o2;

			rule_bounds(&z->rule, y, &s, &e);
			if (s < e) {
				a1 = s, o1 = z->rule.dst_off, a2 = e, o2 = z->rule.std_off;
			} else {
				a1 = e, o1 = z->rule.std_off, a2 = s, o2 = z->rule.dst_off;
			}
			if (a1 > last && add_transition(z, &cap, a1, o1) != RR_OK)
				return RR_ENOMEM;
			if (a1 > last)
				last = a1;
			if (a2 > last && add_transition(z, &cap, a2, o2) != RR_OK)
				return RR_ENOMEM;
			if (a2 > last)
				last = a2;
		}
	}
	return RR_OK;
}

static int read_small_file(int fd, unsigned char **out, size_t *len)
{
	size_t cap = 8192, n = 0;
	unsigned char *b = rr_malloc(cap);

	if (!b)
		return RR_ENOMEM;
	for (;;) {
		ssize_t got;
		if (n == cap) {
			if (cap >= TZIF_MAX_BYTES) {
				rr_free(b);
				return RR_EDATA;
			}
			if (rr_grow(&b, &cap, cap * 2, 1) != RR_OK) {
				rr_free(b);
				return RR_ENOMEM;
			}
		}
		got = read(fd, b + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rr_free(b);
			return RR_EDATA;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*out = b;
	*len = n;
	return RR_OK;
}

/* Loads the TZif file at path into z. RR_EDATA when missing or not TZif. */
static int load_path(struct tz *z, const char *path)
{
	struct stat st;
	unsigned char *b;
	size_t len;
	int fd, rc;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return RR_EDATA;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return RR_EDATA;
	}
	rc = read_small_file(fd, &b, &len);
	close(fd);
	if (rc != RR_OK)
		return rc;
	rc = load_tzif(z, b, len);
	rr_free(b);
	return rc;
}

/* ---- opening zones -------------------------------------------------------- */

static void zone_reset(struct tz *z)
{
	rr_free(z->at);
	rr_free(z->off);
	z->at = NULL;
	z->off = NULL;
	z->n = 0;
	z->off0 = 0;
	z->has_rule = 0;
	z->nnames = 0;
}

static int valid_zone_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '/' || strstr(name, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-' || c == '+' || c == '.'))
			return 0;
	}
	return 1;
}

static const char *zoneinfo_dir(void)
{
	const char *d = getenv("TZDIR");
	return d && *d == '/' ? d : ZONEINFO_DIR;
}

/* Loads zone name from the zoneinfo directory. */
static int load_named(struct tz *z, const char *name)
{
	char path[4096];
	int n;

	if (strcmp(name, "UTC") == 0)
		return RR_OK;
	if (!valid_zone_name(name))
		return RR_EDATA;
	n = snprintf(path, sizeof path, "%s/%s", zoneinfo_dir(), name);
	if (n < 0 || (size_t)n >= sizeof path)
		return RR_EDATA;
	return load_path(z, path);
}

/* Finds the local zone: $TZ, /etc/localtime's link target or content, UTC.
 * Sets *name (static or in buf). */
static int load_local(struct tz *z, const char **name, char *buf, size_t buflen)
{
	const char *tzenv = getenv("TZ");
	ssize_t n;
	int rc;

	if (tzenv && *tzenv) {
		const char *t = *tzenv == ':' ? tzenv + 1 : tzenv;
		if (*t == '/') {
			/* An absolute path is the user's own setting: allowed here,
			 * never for names given on the command line. */
			const char *zi = strstr(t, "zoneinfo/");
			rc = load_path(z, t);
			if (rc == RR_OK) {
				*name = zi ? zi + 9 : t;
				return RR_OK;
			}
		} else {
			rc = load_named(z, t);
			if (rc == RR_OK) {
				*name = t;
				return RR_OK;
			}
			if (rc == RR_ENOMEM)
				return rc;
			zone_reset(z);
			if (parse_posix(t, &z->rule) == 0) {
				z->has_rule = 1;
				z->off0 = z->rule.std_off;
				rule_names(z);
				*name = t;
				return RR_OK;
			}
		}
		if (rc == RR_ENOMEM)
			return rc;
		zone_reset(z);
	}
	n = readlink("/etc/localtime", buf, buflen - 1);
	if (n > 0) {
		const char *zi;
		buf[n] = '\0';
		zi = strstr(buf, "zoneinfo/");
		if (zi) {
			rc = load_path(z, "/etc/localtime");
			if (rc == RR_OK) {
				*name = zi + 9;
				return RR_OK;
			}
			if (rc == RR_ENOMEM)
				return rc;
			zone_reset(z);
		}
	}
	rc = load_path(z, "/etc/localtime");
	if (rc == RR_OK) {
		*name = "localtime";
		return RR_OK;
	}
	if (rc == RR_ENOMEM)
		return rc;
	zone_reset(z);
	*name = "UTC";
	return RR_OK;
}

/* A fixed offset east of UTC, written "+08:00", "+0800", "+08", "+8",
 * "-03:30", or the same after "UTC" ("UTC+8", "UTC+05:30"): ISO 8601's
 * sign, not POSIX TZ's. At most 14:00, minutes below 60. Returns 0 with
 * *off (seconds) and name (the display name, "UTC+08:00") set, or -1. */
static int parse_fixed_offset(const char *s, int32_t *off, char name[16])
{
	int h = 0, m = 0, sign, digits = 0;

	if (strncmp(s, "UTC", 3) == 0)
		s += 3;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9' && digits < 2) {
		h = h * 10 + (*s++ - '0');
		digits++;
	}
	if (!digits)
		return -1;
	if (*s == ':')
		s++;
	if (*s) {
		if (digits != 2 || s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9' || s[2])
			return -1;
		m = (s[0] - '0') * 10 + (s[1] - '0');
	}
	if (h > 14 || (h == 14 && m))
		return -1;
	*off = sign * (h * 3600 + m * 60);
	/* h <= 14 and m < 60: two digits each ("UTC+08:00"). */
	memcpy(name, "UTC", 3);
	name[3] = sign < 0 ? '-' : '+';
	name[4] = (char)('0' + h / 10);
	name[5] = (char)('0' + h % 10);
	name[6] = ':';
	name[7] = (char)('0' + m / 10);
	name[8] = (char)('0' + m % 10);
	name[9] = '\0';
	return 0;
}

int tz_open(const char *name, struct tz **out, char *err, size_t errlen)
{
	struct tz *z = rr_calloc(1, sizeof *z);
	char buf[4096], fixed[16];
	const char *nm = name;
	int rc;

	*out = NULL;
	if (!z)
		return RR_ENOMEM;
	if (name && parse_fixed_offset(name, &z->off0, fixed) == 0) {
		rc = RR_OK;
		nm = fixed;
	} else if (name)
		rc = load_named(z, name);
	else
		rc = load_local(z, &nm, buf, sizeof buf);
	if (rc != RR_OK) {
		tz_free(z);
		if (rc == RR_ENOMEM)
			return rc;
		if (err && errlen)
			tz_names_unknown(zoneinfo_dir(), name, err, errlen);
		return RR_EUSAGE;
	}
	z->name = rr_strndup(nm, strlen(nm));
	if (!z->name) {
		tz_free(z);
		return RR_ENOMEM;
	}
	*out = z;
	return RR_OK;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	rr_free(z->name);
	rr_free(z->at);
	rr_free(z->off);
	rr_free(z);
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

/* Offset at UTC second t. */
static int32_t offset_at(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->n;

	if (z->n == 0)
		return z->has_rule ? rule_offset(&z->rule, t) : z->off0;
	if (t < z->at[0])
		return z->off0;
	if (t >= z->at[z->n - 1])
		return z->has_rule ? rule_offset(&z->rule, t) : z->off[z->n - 1];
	/* Invariant: at[lo] <= t < at[hi]. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

int32_t tz_offset(const struct tz *z, int64_t utc_ms)
{
	return offset_at(z, floor_div(utc_ms, 1000));
}

/* The first second after t at which the POSIX rule changes the offset
 * from cur; INT64_MAX when it never does. */
static int64_t rule_next_change(const struct posix_rule *r, int64_t t, int32_t cur)
{
	int64_t y, best = INT64_MAX;
	int m, d;

	if (!r->has_dst || r->std_off == r->dst_off)
		return INT64_MAX;
	civil_from_days(floor_div(t, 86400), &y, &m, &d);
	for (int64_t k = y - 1; k <= y + 2; k++) {
		int64_t c[2];

		rule_bounds(r, k, &c[0], &c[1]);
		for (int i = 0; i < 2; i++)
			if (c[i] > t && c[i] < best && rule_offset(r, c[i]) != cur)
				best = c[i];
	}
	return best;
}

int64_t tz_next_change(const struct tz *z, int64_t utc_ms)
{
	int64_t t = floor_div(utc_ms, 1000), c;
	int32_t cur;
	size_t lo = 0, hi;

	if (!z)
		return INT64_MAX;
	cur = offset_at(z, t);
	hi = z->n;
	while (lo < hi) {        /* the first transition after t */
		size_t mid = lo + (hi - lo) / 2;

		if (z->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < z->n; lo++)
		if (z->off[lo] != cur)
			return z->at[lo] > INT64_MAX / 1000 ? INT64_MAX : z->at[lo] * 1000;
	if (!z->has_rule)
		return INT64_MAX;
	if (z->n && t < z->at[z->n - 1])
		t = z->at[z->n - 1];
	c = rule_next_change(&z->rule, t, cur);
	return c == INT64_MAX || c > INT64_MAX / 1000 ? INT64_MAX : c * 1000;
}

void tz_abbr(const struct tz *z, int64_t utc_ms, char *buf, size_t size)
{
	int32_t off = z ? tz_offset(z, utc_ms) : 0, a;
	size_t i;

	if (!buf || !size)
		return;
	for (i = 0; z && i < z->nnames; i++)
		if (z->names[i].off == off) {
			snprintf(buf, size, "%s", z->names[i].abbr);
			return;
		}
	if (off == 0) {
		snprintf(buf, size, "UTC");
		return;
	}
	a = off < 0 ? -off : off;
	if (a % 3600 == 0)
		snprintf(buf, size, "%c%02d", off < 0 ? '-' : '+', (int)(a / 3600));
	else
		snprintf(buf, size, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
			 (int)(a / 60 % 60));
}

/* UTC seconds of local seconds l: the offset o with offset_at(l - o) == o;
 * when two fit (a repeated hour) the earlier instant, when none (a skipped
 * hour) the offset in effect before the change. */
static int64_t local_to_utc(const struct tz *z, int64_t l)
{
	int32_t cand[3];
	int64_t best = 0;
	int found = 0;

	cand[0] = offset_at(z, l - 86400);
	cand[1] = offset_at(z, l);
	cand[2] = offset_at(z, l + 86400);
	for (int i = 0; i < 3; i++) {
		int64_t u = l - cand[i];
		if (offset_at(z, u) == cand[i] && (!found || u < best)) {
			best = u;
			found = 1;
		}
	}
	return found ? best : l - cand[0];
}

/* ---- parsing ----------------------------------------------------------------- */

static int digits2(const char *s, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/* Epoch seconds (below 1e11, optional fraction) or milliseconds. */
static int parse_epoch(const char *s, size_t n, int64_t *ms)
{
	size_t i = 0;
	int64_t v = 0;
	int64_t frac_ms = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (v > 999999999999999LL)
			return -1;
		v = v * 10 + (s[i] - '0');
		i++;
	}
	if (i == 0)
		return -1;
	if (i < n) {
		size_t fd = 0;
		if (s[i] != '.' || i + 1 == n)
			return -1;
		for (i++; i < n; i++, fd++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			if (fd < 3)
				frac_ms = frac_ms * 10 + (s[i] - '0');
		}
		while (fd < 3) {
			frac_ms *= 10;
			fd++;
		}
	}
	if (v >= 100000000000LL) {
		/* Milliseconds; a fraction of a millisecond is dropped. */
		*ms = v;
	} else {
		*ms = v * 1000 + frac_ms;
	}
	return *ms <= MAX_MS ? 0 : -1;
}

/* tz_parse_time, also telling whether s carried its own offset (or was an
 * epoch time), *has_off, and its civil seconds when it did not, *local. */
static int parse_time(const struct tz *in, const char *s, size_t n, int64_t *ms, int *has_off_out,
		      int64_t *local)
{
	int y = 0, mo, d, h = 0, mi = 0, se = 0, frac = 0;
	int has_off = 0;
	int32_t off = 0;
	size_t i;
	int64_t days, secs;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	*has_off_out = 1;
	if (n < 10 || s[4] != '-')
		return parse_epoch(s, n, ms);
	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	if (digits2(s + 5, &mo) || s[7] != '-' || digits2(s + 8, &d))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	i = 10;
	if (i < n) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return -1;
		i++;
		if (n - i < 5 || digits2(s + i, &h) || s[i + 2] != ':' || digits2(s + i + 3, &mi))
			return -1;
		i += 5;
		if (i < n && s[i] == ':') {
			if (n - i < 3 || digits2(s + i + 1, &se))
				return -1;
			i += 3;
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				size_t fd = 0;
				for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++) {
					if (fd < 3)
						frac = frac * 10 + (s[i] - '0');
				}
				if (fd == 0 || fd > 9)
					return -1;
				for (; fd < 3; fd++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || se > 59)
			return -1;
		if (i < n) {
			if (s[i] == 'Z' || s[i] == 'z') {
				has_off = 1;
				i++;
			} else if (s[i] == '+' || s[i] == '-') {
				int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
				i++;
				if (n - i < 2 || digits2(s + i, &oh))
					return -1;
				i += 2;
				if (i < n && s[i] == ':') {
					if (n - i < 3 || digits2(s + i + 1, &om))
						return -1;
					i += 3;
				} else if (n - i >= 2 && s[i] >= '0' && s[i] <= '9') {
					if (digits2(s + i, &om))
						return -1;
					i += 2;
				}
				if (oh > 23 || om > 59)
					return -1;
				off = sign * (oh * 3600 + om * 60);
				has_off = 1;
			}
		}
		if (i != n)
			return -1;
	}
	days = days_from_civil(y, mo, d);
	secs = days * 86400 + h * 3600 + mi * 60 + se;
	*has_off_out = has_off;
	*local = secs;
	if (has_off)
		secs -= off;
	else if (in)
		secs = local_to_utc(in, secs);
	*ms = secs * 1000 + frac;
	return *ms >= 0 && *ms <= MAX_MS ? 0 : -1;
}

int tz_parse_time(const struct tz *in, const char *s, size_t n, int64_t *ms)
{
	int has_off;
	int64_t local;

	return parse_time(in, s, n, ms, &has_off, &local);
}

int tz_parse_time_how(const struct tz *in, const char *s, size_t n, int64_t *ms, unsigned *how)
{
	int has_off = 0, fits = 0;
	int64_t local = 0;

	*how = 0;
	if (parse_time(in, s, n, ms, &has_off, &local) != 0)
		return -1;
	if (has_off) {
		*how = TZ_PARSED_OFFSET;
		return 0;
	}
	if (!in)
		return 0;
	/* How many offsets near the time map it back to the same civil time. */
	for (int64_t d = -86400; d <= 86400; d += 86400) {
		int32_t o = offset_at(in, local + d);
		int64_t u = local - o;
		int dup = 0;

		if (offset_at(in, u) != o)
			continue;
		for (int64_t e = -86400; e < d; e += 86400)
			dup |= offset_at(in, local + e) == o;
		fits += !dup;
	}
	if (fits == 0)
		*how = TZ_PARSED_SKIPPED;
	else if (fits > 1)
		*how = TZ_PARSED_REPEATED;
	return 0;
}

/* ---- formatting ---------------------------------------------------------------- */

static char *put_num(char *p, int64_t v, int width)
{
	char tmp[24];
	int k = 0;

	if (v < 0) {
		*p++ = '-';
		v = -v;
	}
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && k < 20);
	while (k < width)
		tmp[k++] = '0';
	while (k)
		*p++ = tmp[--k];
	return p;
}

/* The instant's clamped value, its zone offset (seconds) and its local
 * day and millisecond of the day: what every format starts from. */
struct local_time {
	int32_t off;
	int64_t days, sod_ms;
};

static struct local_time local_of(const struct tz *z, int64_t utc_ms)
{
	struct local_time t;
	int64_t local_ms;

	/* Keep the arithmetic far from overflow; such instants are nonsense. */
	if (utc_ms > 8000000000000000LL)
		utc_ms = 8000000000000000LL;
	if (utc_ms < -8000000000000000LL)
		utc_ms = -8000000000000000LL;
	t.off = z ? tz_offset(z, utc_ms) : 0;
	local_ms = utc_ms + (int64_t)t.off * 1000;
	t.days = floor_div(local_ms, 86400000);
	t.sod_ms = local_ms - t.days * 86400000;
	return t;
}

/* "2026-11-20" */
static char *put_date(char *p, int64_t days)
{
	int64_t y;
	int mo, d;

	civil_from_days(days, &y, &mo, &d);
	p = put_num(p, y, 4);
	*p++ = '-';
	p = put_num(p, mo, 2);
	*p++ = '-';
	return put_num(p, d, 2);
}

/* "10:31:05", then ".120" when ms is set. */
static char *put_clock(char *p, int64_t sod_ms, int ms)
{
	int64_t sod = sod_ms / 1000;

	p = put_num(p, sod / 3600, 2);
	*p++ = ':';
	p = put_num(p, sod / 60 % 60, 2);
	*p++ = ':';
	p = put_num(p, sod % 60, 2);
	if (ms) {
		*p++ = '.';
		p = put_num(p, sod_ms % 1000, 3);
	}
	return p;
}

/* "+08:00", "-03:30", or with seconds when the offset has them. */
static char *put_offset(char *p, int32_t off)
{
	int32_t a = off < 0 ? -off : off;

	*p++ = off < 0 ? '-' : '+';
	p = put_num(p, a / 3600, 2);
	*p++ = ':';
	p = put_num(p, a / 60 % 60, 2);
	if (a % 60) {
		*p++ = ':';
		p = put_num(p, a % 60, 2);
	}
	return p;
}

/* Copies the n bytes at tmp into buf (size bytes), cut to fit, with a NUL. */
static void put_out(const char *tmp, size_t n, char *buf, size_t size)
{
	if (n >= size)
		n = size - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

void tz_format(const struct tz *z, int64_t utc_ms, enum tz_format f, char *buf, size_t size)
{
	char tmp[64], *p = tmp;
	struct local_time t;

	if (!buf || !size)
		return;
	t = local_of(z, utc_ms);
	if (f != TZF_TIME)
		p = put_date(p, t.days);
	if (f != TZF_DATE) {
		if (f != TZF_TIME)
			*p++ = f == TZF_ISO ? 'T' : ' ';
		p = put_clock(p, t.sod_ms, f == TZF_DATETIME_MS || f == TZF_ISO);
	}
	if (f == TZF_ISO)
		p = put_offset(p, t.off);
	put_out(tmp, (size_t)(p - tmp), buf, size);
}

void tz_format_iso(const struct tz *z, struct tz_iso_memo *m, int64_t utc_ms, char *buf,
		   size_t size)
{
	char tmp[64], *p = tmp;
	struct local_time t;

	if (!buf || !size)
		return;
	t = local_of(z, utc_ms);
	if (!m->valid || t.days != m->days) {
		m->date_len = (uint8_t)(put_date(m->date, t.days) - m->date);
		m->days = t.days;
	}
	if (!m->valid || t.off != m->off) {
		m->offset_len = (uint8_t)(put_offset(m->offset, t.off) - m->offset);
		m->off = t.off;
	}
	m->valid = 1;
	memcpy(p, m->date, m->date_len);
	p += m->date_len;
	*p++ = 'T';
	p = put_clock(p, t.sod_ms, 1);
	memcpy(p, m->offset, m->offset_len);
	p += m->offset_len;
	put_out(tmp, (size_t)(p - tmp), buf, size);
}

void tz_time_text(const struct tz *z, int64_t utc_ms, char *buf, size_t size)
{
	size_t n;

	tz_format(z, utc_ms, TZF_TIME, buf, size);
	if (tz_next_change(z, utc_ms - TZ_NOTE_WINDOW_MS) > utc_ms + TZ_NOTE_WINDOW_MS)
		return;
	n = strlen(buf);
	if (n + 2 < size) {
		buf[n++] = ' ';
		tz_abbr(z, utc_ms, buf + n, size - n);
	}
}
