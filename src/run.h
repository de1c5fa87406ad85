/*
 * run — one run of roomreport, from the options main parsed to the files
 * written: the stages in order (inputs, dataset, decode, sessions,
 * companion, report, outputs), in memory or, past --max-memory, a range of
 * rooms at a time (partition.h), and the summary on stderr.
 * Does not: parse the command line, print usage or exit (main), or hold
 * any rule about data (each stage owns its own).
 */
#ifndef RR_RUN_H
#define RR_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

enum run_command {
	RUN_REPORT,      /* the report: HTML, --json, --sessions-csv */
	RUN_EVENTS,      /* the decoded event log as CSV on stdout */
	RUN_CATALOG,     /* the event catalog as CSV on stdout; reads no input */
};

/* What a run takes; main fills it from the command line. Strings and
 * arrays are borrowed for the duration of run(). A NULL path means the
 * output is not wanted (or the default: see each field). */
struct run_options {
	enum run_command cmd;
	const char *name;             /* start of every message on stderr: "roomreport" */
	char **files;                 /* inputs ('-' is stdin; a directory: the CSV files
	                               * below it, inputs.h); at least one but for
	                               * RUN_CATALOG, unless files_from is given */
	size_t nfiles;
	const char *files_from;       /* --files-from LIST ('-' = stdin): more inputs, one a line */
	const char *output;           /* -o: a directory, or a FILE.html */
	int no_html;                  /* --no-html */
	const char *templates;        /* --templates DIR; NULL: the built-in ones */
	const char *json;             /* --json FILE ('-' = stdout) */
	const char *sessions_csv;     /* --sessions-csv FILE ('-' = stdout) */
	const char *rejected;         /* --rejected FILE */
	const char *catalog;          /* --catalog FILE, added to the built-in one */
	const char *tz;               /* --tz; NULL: the local zone */
	const char *input_tz;         /* --input-tz; NULL: UTC */
	const char *from, *to;        /* --from, --to as given (read in tz unless they carry an offset) */
	const char *title;            /* --title (valid UTF-8) */
	const char **rooms, **users;  /* --room, --user */
	size_t nrooms, nusers;
	int64_t call_gap_ms;          /* --call-gap */
	int strict, quiet;            /* --strict, -q */
	const char **baselines;       /* --baseline FILE (repeatable): earlier runs' JSONs */
	size_t nbaselines;
	int regression_pct;           /* --regression-threshold, 1..1000 */
	enum report_pages pages;      /* --pages */
	uint64_t max_memory;          /* --max-memory in bytes; 0: half of physical memory */
	int64_t generated_ms;         /* SOURCE_DATE_EPOCH in ms, or RR_NONE */
	/* Reports a usage error (exit 2): an invalid --tz, --input-tz, --from
	 * or --to is found only here. fmt has one %s, for arg. */
	void (*usage_error)(const char *fmt, const char *arg);
};

/*
 * Runs o. Writes the outputs o asks for, each through a temporary name,
 * and renames them into place together at the end (the HTML directory is
 * swapped in as a whole), so that a run that fails at any step leaves
 * every previous output as it was; except that when the input is refused
 * as a whole (--strict with rejected rows, or no usable row) the
 * --rejected file, which says why, is still written. Progress (on a
 * terminal), rejected rows, "wrote" lines and the summary go to stderr
 * unless o->quiet.
 * Returns RR_OK; RR_EDATA (the input is unusable); RR_EUSAGE (reported
 * through o->usage_error); RR_EIO (a file could not be read or written:
 * reported on stderr, naming it); RR_ENOMEM, which is the only failure
 * the caller reports. Nothing allocated by the run outlives it.
 */
int run(const struct run_options *o);

#endif
