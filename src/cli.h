/*
 * cli — the command line taken apart: options and their values in order
 * (cli_next, from a table the caller gives), with the argument at fault
 * and a suggestion on a mistake; and the values options take, parsed and
 * checked.
 * Does not: know the options, print or exit (main).
 */
#ifndef RR_CLI_H
#define RR_CLI_H

#include <stddef.h>
#include <stdint.h>

/* One option of the table given to cli_next. */
struct cli_option {
	const char *name;    /* long name without "--" */
	char short_name;     /* '-x' form, or 0 */
	int takes_value;     /* 1: --name VALUE, --name=VALUE, -x VALUE, -xVALUE */
	int free_text;       /* 1: a separate value may start with '-' (a title) */
	int id;              /* what cli_next returns for it */
};

/* The state of one walk over argv; set argc, argv and first (the index of
 * the first argument to read), the rest zero. Holds pointers into argv
 * only: nothing to free. */
struct cli_parser {
	int argc;
	char **argv;
	int first;
	int i;               /* next argument (set by cli_next) */
	const char *cluster; /* the rest of a cluster of short options, "-qh" */
	int files_only;      /* after "--" */
	const char *value;   /* the option's value or the file, after cli_next */
	char error[320];     /* the message after CLI_ERROR */
};

enum { CLI_END = -1, CLI_FILE = -2, CLI_ERROR = -3 };

/*
 * The next item of the command line: an option's id (value set for options
 * that take one), CLI_FILE (value = the argument: "-" is a file, and so is
 * every argument after "--"), CLI_END, or CLI_ERROR with error set to a
 * message naming the argument at fault:
 *   "unknown option '-room' — did you mean '--room'?" (the suggestion only
 *     when a long name is near: a unique prefix, or at most two edits away),
 *   "option '--json' needs a value",
 *   "option '--quiet' takes no value ('--quiet=yes')",
 *   "option '--re' is ambiguous ('--rejected', '--regression-threshold')",
 *   "option '--json' needs a value, and '--no-html' is an option; write
 *     '--json=--no-html' if that is the value" (a separate value that
 *     starts with "--" or with '-' and a letter, unless the option is
 *     free_text; "-" and "-03:30" are values).
 * Long names may be shortened to a unique prefix, as getopt_long allows.
 * Options and files may come in any order.
 */
int cli_next(struct cli_parser *p, const struct cli_option *opts, size_t nopts);

/* The name in names[0..n) nearest to s: the one with the fewest edits
 * (insert, delete, replace, swap of two neighbours; case ignored) when
 * they are at most max_edits, ties to the first; NULL when none. */
const char *cli_nearest(const char *s, const char *const *names, size_t n, unsigned max_edits);

/* A duration: a whole number with a unit, "1500ms", "90s" (or a bare
 * "90"), "5m" (or "5min"), "1h"; the number at most 3,153,600,000 (100
 * years of seconds) whatever the unit. Returns milliseconds, or -1 when s
 * is anything else. */
int64_t cli_parse_duration(const char *s);

/* A size: a whole number of bytes ("512", "512B"), or with K, M, G or T
 * (binary units, any case; "64K", "64KB", "64KiB" are the same). Returns
 * bytes, or 0 when s is anything else, zero, or too large: the number
 * past 18446744073709551609, or the bytes past UINT64_MAX. */
uint64_t cli_parse_size(const char *s);

/* A whole percentage from 1 to 1000, "10" or "10%". Returns it, or -1 when
 * s is anything else. */
int cli_parse_percent(const char *s);

#endif
