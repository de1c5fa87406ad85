/*
 * cli — the command line taken apart (cli_next: options in order, from the
 * caller's table, mistakes named with a suggestion), and the values options
 * take, parsed and checked: durations (--call-gap), sizes (--max-memory),
 * percentages (--regression-threshold).
 * Does not: know the options themselves, print or exit (main).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "util.h"

int64_t cli_parse_duration(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0 || v > 100LL * 365 * 86400)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v * 1000;
	if (strcmp(end, "ms") == 0)
		return v;
	if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		return v * 60000;
	if (strcmp(end, "h") == 0)
		return v * 3600000;
	return -1;
}

uint64_t cli_parse_size(const char *s)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K': mul = 1ull << 10; p++; break;
	case 'm': case 'M': mul = 1ull << 20; p++; break;
	case 'g': case 'G': mul = 1ull << 30; p++; break;
	case 't': case 'T': mul = 1ull << 40; p++; break;
	}
	if (mul > 1 && (*p == 'i' || *p == 'I'))
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v == 0 || v > UINT64_MAX / mul)
		return 0;
	return v * mul;
}

int cli_parse_percent(const char *s)
{
	int v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 1000)
			return -1;
	}
	if (*p == '%')
		p++;
	return *p || v < 1 ? -1 : v;
}

/* ---- the command line ----------------------------------------------------------- */

const char *cli_nearest(const char *s, const char *const *names, size_t n, unsigned max_edits)
{
	const char *best = NULL;
	unsigned best_d = max_edits + 1;

	for (size_t i = 0; i < n; i++) {
		unsigned d = rr_edits(s, names[i], max_edits);

		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}

/* The option named by the long name (n bytes of it): exact, else a unique
 * prefix. NULL with *ambiguous set to the first two candidates' indexes
 * when the prefix fits several, or with them -1 when none. */
static const struct cli_option *find_long(const char *name, size_t n,
					  const struct cli_option *opts, size_t nopts, int amb[2])
{
	const struct cli_option *hit = NULL;
	size_t hits = 0;

	amb[0] = amb[1] = -1;
	for (size_t i = 0; i < nopts; i++) {
		if (strncmp(opts[i].name, name, n) != 0)
			continue;
		if (opts[i].name[n] == '\0')
			return &opts[i];
		if (hits < 2)
			amb[hits] = (int)i;
		hits++;
		hit = &opts[i];
	}
	return hits == 1 ? hit : NULL;
}

static int unknown(struct cli_parser *p, const char *arg, const struct cli_option *opts,
		   size_t nopts)
{
	const char *names[64], *near, *s = arg;
	size_t n = 0;

	while (*s == '-')
		s++;
	for (size_t i = 0; i < nopts && n < 64; i++)
		names[n++] = opts[i].name;
	near = cli_nearest(s, names, n, strlen(s) > 3 ? 2 : 1);
	if (near)
		snprintf(p->error, sizeof p->error,
			 "unknown option '%s' \xe2\x80\x94 did you mean '--%s'?", arg, near);
	else
		snprintf(p->error, sizeof p->error, "unknown option '%s'", arg);
	return CLI_ERROR;
}

/* The value of option o, written as arg: attached (eq, may be NULL) or the
 * next argument. */
static int take_value(struct cli_parser *p, const struct cli_option *o, const char *arg,
		      const char *attached)
{
	const char *v;

	if (attached) {
		p->value = attached;
		return o->id;
	}
	if (p->i >= p->argc) {
		snprintf(p->error, sizeof p->error, "option '%s' needs a value", arg);
		return CLI_ERROR;
	}
	v = p->argv[p->i++];
	if (!o->free_text && v[0] == '-' && (v[1] == '-' || (v[1] >= 'a' && v[1] <= 'z') ||
					     (v[1] >= 'A' && v[1] <= 'Z'))) {
		snprintf(p->error, sizeof p->error,
			 "option '%s' needs a value, and '%s' is an option; write '--%s=%s' if that "
			 "is the value", arg, v, o->name, v);
		return CLI_ERROR;
	}
	p->value = v;
	return o->id;
}

static int long_option(struct cli_parser *p, const char *arg, const struct cli_option *opts,
		       size_t nopts)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_option *o;
	int amb[2];

	o = find_long(name, n, opts, nopts, amb);
	if (!o && amb[1] >= 0) {
		snprintf(p->error, sizeof p->error, "option '%.*s' is ambiguous ('--%s', '--%s')",
			 (int)(n + 2), arg, opts[amb[0]].name, opts[amb[1]].name);
		return CLI_ERROR;
	}
	if (!o) {
		char buf[128];

		snprintf(buf, sizeof buf, "%.*s", (int)(n + 2 < sizeof buf ? n + 2 : sizeof buf - 1),
			 arg);
		return unknown(p, buf, opts, nopts);
	}
	if (!o->takes_value) {
		if (eq) {
			snprintf(p->error, sizeof p->error, "option '--%s' takes no value ('%s')",
				 o->name, arg);
			return CLI_ERROR;
		}
		p->value = NULL;
		return o->id;
	}
	return take_value(p, o, arg, eq ? eq + 1 : NULL);
}

/* The next option of the cluster p->cluster (the characters after '-' of
 * the argument p->argv[p->i - 1]). */
static int short_option(struct cli_parser *p, const struct cli_option *opts, size_t nopts)
{
	const char *arg = p->argv[p->i - 1];
	char c = *p->cluster++;
	char name[3] = { '-', c, '\0' };

	for (size_t i = 0; i < nopts; i++) {
		if (opts[i].short_name != c)
			continue;
		if (!opts[i].takes_value) {
			if (!*p->cluster)
				p->cluster = NULL;
			p->value = NULL;
			return opts[i].id;
		}
		{
			const char *attached = *p->cluster ? p->cluster : NULL;

			p->cluster = NULL;
			return take_value(p, &opts[i], name, attached);
		}
	}
	p->cluster = NULL;
	return unknown(p, arg, opts, nopts);
}

int cli_next(struct cli_parser *p, const struct cli_option *opts, size_t nopts)
{
	const char *arg;

	if (p->i < p->first)
		p->i = p->first;
	if (p->cluster)
		return short_option(p, opts, nopts);
	if (p->i >= p->argc)
		return CLI_END;
	arg = p->argv[p->i++];
	if (p->files_only || arg[0] != '-' || arg[1] == '\0') {
		p->value = arg;
		return CLI_FILE;
	}
	if (strcmp(arg, "--") == 0) {
		p->files_only = 1;
		return cli_next(p, opts, nopts);
	}
	if (arg[1] == '-')
		return long_option(p, arg, opts, nopts);
	/* "-output": a long name after one dash is a mistake, not "-o utput". */
	for (size_t i = 0; arg[2] && i < nopts; i++) {
		size_t n = strlen(opts[i].name);

		if (strncmp(arg + 1, opts[i].name, n) == 0 && (arg[1 + n] == '\0' || arg[1 + n] == '='))
			return unknown(p, arg, opts, nopts);
	}
	p->cluster = arg + 1;
	return short_option(p, opts, nopts);
}
