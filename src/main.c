/*
 * main — the command line: options and their checks, usage, the run
 * (run.h) and its exit code. The only place that exits.
 * Does not: run any stage or write any output (run), or hold any rule
 * about data (each stage owns its own).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reader.h"
#include "report.h"
#include "run.h"
#include "strtab.h"
#include "util.h"
#include "version.h"

static const char *progname = "roomreport";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: roomreport [OPTIONS] FILE...\n"
"       roomreport events [OPTIONS] FILE...\n"
"       roomreport catalog [--catalog FILE]\n"
"\n"
"Reads TRTC call-quality exports (event lists and abnormal-experience lists,\n"
"CSV, optionally gzip-compressed; '-' reads stdin), rebuilds every call and\n"
"session, and writes the report.\n"
"\n"
"Commands:\n"
"  (none)               build the report\n"
"  events               print the decoded, time-ordered event log as CSV\n"
"  catalog              print the event catalog as CSV\n"
"\n"
"Outputs:\n"
"  -o, --output PATH    HTML report: a directory (default 'report': index.html\n"
"                       and calls/*.html) or FILE.html or .htm (one\n"
"                       self-contained file)\n"
"      --no-html        skip the HTML report\n"
"      --templates DIR  use the page templates in DIR instead of the built-in ones\n"
"      --json FILE      write the report model as JSON ('-' = stdout)\n"
"      --sessions-csv FILE  one row per session ('-' = stdout)\n"
"      --rejected FILE  write every rejected row with its reason\n"
"      --pages all|problems|none\n"
"                       which calls get a page of their own: all (default),\n"
"                       those worth opening (a timeout, kick, failed entry or\n"
"                       exit, an error, or 3 warnings), or none (the overview\n"
"                       only)\n"
"\n"
"Week over week:\n"
"      --baseline FILE  the JSON of an earlier run (--json): show each\n"
"                       headline figure beside its previous value;\n"
"                       repeatable (older runs, any order): the headline\n"
"                       gains their trend, compared with the newest\n"
"      --regression-threshold PCT\n"
"                       mark a figure as a regression when it got worse by\n"
"                       more than PCT %% of its previous value (rates: PCT/5\n"
"                       points); 1..1000, default 10\n"
"\n"
"Input and filters:\n"
"      --catalog FILE   add or override catalog entries (CSV as printed by\n"
"                       'roomreport catalog')\n"
"      --room ID        only this room (repeatable)\n"
"      --user ID        only this user (repeatable)\n"
"      --from TIME      only rows at or after TIME (epoch ms/s or ISO 8601)\n"
"      --to TIME        only rows before TIME\n"
"      --input-tz ZONE  zone of input times without an offset (default UTC)\n"
"      --call-gap DUR   without CommId, split a room's calls after DUR with\n"
"                       nobody in it (default 5m; units ms, s, m, h)\n"
"      --strict         treat any rejected row or truncated file as an error\n"
"                       (exit 1)\n"
"      --files-from LIST  read the paths in LIST too, one a line ('-' = stdin)\n"
"A directory FILE means every CSV file below it (gzip or not, told by content;\n"
"hidden entries skipped, links to directories not followed), in path order.\n"
"\n"
"How rows are read: a room is its SdkAppId and RoomId; a row without CommId\n"
"joins the call of its room whose time span holds it. A row repeating an\n"
"event already read (same room, user, time, EventId and parameters, and\n"
"the same value in each of Type, PeerId, CommId, SdkAppId that both rows\n"
"fill in) is a duplicate. Companion rows that match no call are counted as\n"
"unmatched: rows = used + filtered + rejected + duplicates + unmatched.\n"
"A session whose opening is not in the input (it began before the export\n"
"or --from) has its entry 'not seen' and counts neither for nor against\n"
"the entry success rate.\n"
"\n"
"Display:\n"
"      --tz ZONE        zone for displayed times: IANA name (default local)\n"
"                       or offset east of UTC (+08:00, +8, UTC+8, -03:30)\n"
"      --title TEXT     report title\n"
"  -q, --quiet          no progress and no summary on stderr\n"
"\n"
"Memory:\n"
"      --max-memory SIZE  memory for the event records (bytes, or with K, M,\n"
"                       G, T: binary units; default half of the physical\n"
"                       memory). Past it the records go to temporary files\n"
"                       ($TMPDIR, else /tmp) and the calls are built a range\n"
"                       of rooms at a time; the output is the same\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Limits: a field holds at most %u bytes, a row at most %u bytes and %u\n"
"fields; longer rows are rejected, never truncated. At most %u distinct\n"
"IDs and names (rooms, users, peers, CommIds, devices, versions, IPs,\n"
"metric names) with %u MiB of text in all; past that the run stops\n"
"with exit 1: split the input.\n"
"\n"
"Exit status: 0 report written (rejected rows are warnings), 1 data error,\n"
"2 usage error, 3 I/O error or out of memory.\n",
		READER_MAX_FIELD, READER_MAX_RECORD, READER_MAX_FIELDS, STRTAB_MAX_STRINGS,
		STRTAB_MAX_BYTES >> 20);
}

static void usage_message(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'roomreport --help' for more information.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	usage_message(fmt, arg);
	return 2;
}

static int push(const char ***list, size_t *n, const char *v)
{
	const char **l = rr_realloc(*list, (*n + 1) * sizeof *l);

	if (!l)
		return RR_ENOMEM;
	l[(*n)++] = v;
	*list = l;
	return RR_OK;
}

static int exit_code(int status);

static int push_file(struct run_options *o, const char *path)
{
	char **l = rr_realloc(o->files, (o->nfiles + 1) * sizeof *l);

	if (!l)
		return RR_ENOMEM;
	l[o->nfiles++] = (char *)path;
	o->files = l;
	return RR_OK;
}

enum { OPT_NO_HTML = 256, OPT_TEMPLATES, OPT_JSON, OPT_SESSIONS_CSV, OPT_REJECTED, OPT_CATALOG,
       OPT_ROOM, OPT_USER, OPT_FROM, OPT_TO, OPT_TZ, OPT_INPUT_TZ, OPT_CALL_GAP,
       OPT_STRICT, OPT_TITLE, OPT_BASELINE, OPT_REGRESSION_THRESHOLD, OPT_PAGES,
       OPT_MAX_MEMORY, OPT_FILES_FROM };

/* The options: long name, short name, takes a value, free text, id. */
static const struct cli_option options[] = {
	{ "output", 'o', 1, 0, 'o' },
	{ "no-html", 0, 0, 0, OPT_NO_HTML },
	{ "templates", 0, 1, 0, OPT_TEMPLATES },
	{ "json", 0, 1, 0, OPT_JSON },
	{ "sessions-csv", 0, 1, 0, OPT_SESSIONS_CSV },
	{ "rejected", 0, 1, 0, OPT_REJECTED },
	{ "catalog", 0, 1, 0, OPT_CATALOG },
	{ "room", 0, 1, 0, OPT_ROOM },
	{ "user", 0, 1, 0, OPT_USER },
	{ "from", 0, 1, 0, OPT_FROM },
	{ "to", 0, 1, 0, OPT_TO },
	{ "tz", 0, 1, 0, OPT_TZ },
	{ "input-tz", 0, 1, 0, OPT_INPUT_TZ },
	{ "call-gap", 0, 1, 0, OPT_CALL_GAP },
	{ "strict", 0, 0, 0, OPT_STRICT },
	{ "title", 0, 1, 1, OPT_TITLE },
	{ "baseline", 0, 1, 0, OPT_BASELINE },
	{ "regression-threshold", 0, 1, 0, OPT_REGRESSION_THRESHOLD },
	{ "pages", 0, 1, 0, OPT_PAGES },
	{ "max-memory", 0, 1, 0, OPT_MAX_MEMORY },
	{ "files-from", 0, 1, 0, OPT_FILES_FROM },
	{ "quiet", 'q', 0, 0, 'q' },
	{ "help", 'h', 0, 0, 'h' },
	{ "version", 'V', 0, 0, 'V' },
};

/* One option of parse_args: its id and value. Returns -1 to go on, or an
 * exit code. */
static int take_option(struct run_options *o, int opt, char *arg)
{
	switch (opt) {
	case 'o': o->output = arg; break;
	case OPT_NO_HTML: o->no_html = 1; break;
	case OPT_TEMPLATES: o->templates = arg; break;
	case OPT_JSON: o->json = arg; break;
	case OPT_SESSIONS_CSV: o->sessions_csv = arg; break;
	case OPT_REJECTED: o->rejected = arg; break;
	case OPT_CATALOG: o->catalog = arg; break;
	case OPT_ROOM:
		if (push(&o->rooms, &o->nrooms, arg) != RR_OK)
			return 3;
		break;
	case OPT_USER:
		if (push(&o->users, &o->nusers, arg) != RR_OK)
			return 3;
		break;
	case OPT_FROM: o->from = arg; break;
	case OPT_TO: o->to = arg; break;
	case OPT_TZ: o->tz = arg; break;
	case OPT_INPUT_TZ: o->input_tz = arg; break;
	case OPT_CALL_GAP:
		o->call_gap_ms = cli_parse_duration(arg);
		if (o->call_gap_ms < 0)
			return usage_error("invalid --call-gap '%s' (e.g. 300, 90s, 5m, 1h)", arg);
		break;
	case OPT_STRICT: o->strict = 1; break;
	case OPT_FILES_FROM: o->files_from = arg; break;
	case OPT_TITLE:
		if (!utf8_valid(arg, strlen(arg)))
			return usage_error("%s", "--title is not valid UTF-8");
		o->title = arg;
		break;
	case OPT_BASELINE:
		if (push(&o->baselines, &o->nbaselines, arg) != RR_OK)
			return 3;
		break;
	case OPT_REGRESSION_THRESHOLD:
		o->regression_pct = cli_parse_percent(arg);
		if (o->regression_pct < 0)
			return usage_error("invalid --regression-threshold '%s' (a whole "
					   "percentage from 1 to 1000, e.g. 10)", arg);
		break;
	case OPT_PAGES:
		if (strcmp(arg, "all") == 0)
			o->pages = REPORT_PAGES_ALL;
		else if (strcmp(arg, "problems") == 0)
			o->pages = REPORT_PAGES_PROBLEMS;
		else if (strcmp(arg, "none") == 0)
			o->pages = REPORT_PAGES_NONE;
		else
			return usage_error("invalid --pages '%s' (all, problems or none)",
					   arg);
		break;
	case OPT_MAX_MEMORY:
		o->max_memory = cli_parse_size(arg);
		if (o->max_memory == 0)
			return usage_error("invalid --max-memory '%s' (bytes, or a number "
					   "with K, M, G or T, e.g. 512M)", arg);
		break;
	case 'q': o->quiet = 1; break;
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		printf("roomreport %s\n", RR_VERSION);
		return 0;
	}
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(struct run_options *o, int argc, char **argv)
{
	struct cli_parser p;
	int opt, code, first = 1;

	o->call_gap_ms = 5 * 60 * 1000;
	o->output = "report";
	o->regression_pct = 10;
	o->pages = REPORT_PAGES_ALL;
	if (argc > 1 && strcmp(argv[1], "events") == 0) {
		o->cmd = RUN_EVENTS;
		first = 2;
	} else if (argc > 1 && strcmp(argv[1], "catalog") == 0) {
		o->cmd = RUN_CATALOG;
		first = 2;
	}
	memset(&p, 0, sizeof p);
	p.argc = argc;
	p.argv = argv;
	p.first = first;
	while ((opt = cli_next(&p, options, sizeof options / sizeof options[0])) != CLI_END) {
		if (opt == CLI_ERROR)
			return usage_error("%s", p.error);
		if (opt == CLI_FILE) {
			if (push_file(o, p.value) != RR_OK)
				return exit_code(RR_ENOMEM);
			continue;
		}
		if ((code = take_option(o, opt, (char *)p.value)) >= 0)
			return code;
	}
	if (o->cmd == RUN_CATALOG) {
		if (o->nfiles)
			return usage_error("'catalog' takes no file ('%s')", o->files[0]);
		return -1;
	}
	if (o->nfiles == 0 && !o->files_from)
		return usage_error("%s", "no input file given");
	for (size_t i = 0; o->files_from && strcmp(o->files_from, "-") == 0 && i < o->nfiles; i++)
		if (strcmp(o->files[i], "-") == 0)
			return usage_error("%s", "'-' is both --files-from and an input: stdin is read once");
	return -1;
}

/* SOURCE_DATE_EPOCH, when set, is the report's generation time. Returns
 * -1 to go on, or an exit code. */
static int source_date(struct run_options *o)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	o->generated_ms = RR_NONE;
	if (!e || !*e)
		return -1;
	errno = 0;
	v = strtoll(e, &end, 10);
	if (errno || *end || v < 0 || v > 253402300799LL)
		return usage_error("SOURCE_DATE_EPOCH '%s' is not a time in seconds", e);
	o->generated_ms = v * 1000;
	return -1;
}

static int exit_code(int status)
{
	switch (status) {
	case RR_OK: return 0;
	case RR_EDATA: return 1;
	case RR_EUSAGE: return 2;
	case RR_ENOMEM:
		fprintf(stderr, "%s: out of memory\n", progname);
		return 3;
	default: return 3;
	}
}

int main(int argc, char **argv)
{
	struct run_options o;
	int code;

	memset(&o, 0, sizeof o);
	/* Test hook for the out-of-memory paths: make allocation N fail. */
	if (getenv("ROOMREPORT_FAIL_ALLOC"))
		rr_alloc_fail_at(strtoul(getenv("ROOMREPORT_FAIL_ALLOC"), NULL, 10));
	code = parse_args(&o, argc, argv);
	if (code < 0)
		code = source_date(&o);
	if (code < 0) {
		o.name = progname;
		o.usage_error = usage_message;
		code = exit_code(run(&o));
	}
	rr_free(o.files);
	rr_free(o.rooms);
	rr_free(o.users);
	rr_free(o.baselines);
	return code;
}
