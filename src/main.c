/*
 * main — the command line: options, the pipeline in order, outputs, the
 * summary and the exit code. The only place that exits.
 * Does not: hold any rule about data; each stage owns its own.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "catalog.h"
#include "companion.h"
#include "dataset.h"
#include "decode.h"
#include "ingest.h"
#include "json.h"
#include "partition.h"
#include "reader.h"
#include "render.h"
#include "report.h"
#include "sessions.h"
#include "strtab.h"
#include "tables.h"
#include "tz.h"
#include "util.h"
#include "version.h"

enum command { CMD_REPORT, CMD_EVENTS, CMD_CATALOG };

struct cli {
	enum command cmd;
	const char *output;
	const char *templates;
	const char *json;
	const char *sessions_csv;
	const char *rejected;
	const char *catalog;
	const char *tz;
	const char *input_tz;
	const char *from, *to;
	const char *title;
	const char **rooms, **users;
	size_t nrooms, nusers;
	int64_t call_gap_ms;
	int no_html, strict, quiet;
	const char *baseline;            /* --baseline FILE */
	int regression_pct;              /* --regression-threshold, 1..1000 */
	enum report_pages pages;         /* --pages */
	uint64_t max_memory;             /* --max-memory in bytes; 0: half of physical memory */
	char **files;
	size_t nfiles;
};

/* An output file written under a temporary name. All outputs of a run are
 * renamed into place together once everything has been written (out_commit),
 * so a run that fails at any step leaves every previous output as it was. */
struct out {
	FILE *f;
	const char *path;
	char *tmp;               /* NULL for stdout and devices: written in place */
};

/* Everything the run owns, released in one place whatever the exit path. */
struct run {
	struct cli cli;
	struct tz *tz, *input_tz;
	struct catalog *cat;
	struct dataset ds;
	int ds_ready;
	struct decode_stats dec;
	struct model model;
	struct report rep;
	struct render *rd;
	struct baseline baseline;
	int have_baseline;
	struct partition *part;  /* records over --max-memory; NULL when not set up */
	int64_t generated_ms;    /* SOURCE_DATE_EPOCH in ms, or RR_NONE */
	struct out rejected, json, sessions_csv;
};

static const char *progname = "roomreport";

/* The --rejected temporary file, for on_sigbus (the only output open while
 * input is read). */
static const char *volatile sigbus_tmp;

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
"                       and calls/*.html) or FILE.html (one self-contained file)\n"
"      --no-html        skip the HTML report\n"
"      --templates DIR  use the page templates in DIR instead of the built-in ones\n"
"      --json FILE      write the report model as JSON ('-' = stdout)\n"
"      --sessions-csv FILE  one row per session ('-' = stdout)\n"
"      --rejected FILE  write every rejected row with its reason\n"
"      --pages all|problems|none\n"
"                       which calls get a page of their own: all (default),\n"
"                       those with a warning, error, timeout, kick or entry\n"
"                       failure, or none (the overview only)\n"
"\n"
"Week over week:\n"
"      --baseline FILE  the JSON of an earlier run (--json): show each\n"
"                       headline figure beside its previous value\n"
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
"      --strict         treat any rejected row as an error (exit 1)\n"
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
"      --tz ZONE        zone for displayed times (IANA name; default local)\n"
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

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'roomreport --help' for more information.\n");
	return 2;
}

/* "300", "90s", "5m", "1h", "1500ms" → milliseconds; -1 when invalid. */
static int64_t parse_duration(const char *s)
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

/* "512", "64K", "300M", "2G", "1T" (binary units; "KB", "KiB", any case) →
 * bytes; 0 when invalid, zero or too large. */
static uint64_t parse_size(const char *s)
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

/* "10" or "10%" → 10; -1 unless a whole number from 1 to 1000. */
static int parse_percent(const char *s)
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

static int push(const char ***list, size_t *n, const char *v)
{
	const char **l = rr_realloc(*list, (*n + 1) * sizeof *l);

	if (!l)
		return RR_ENOMEM;
	l[(*n)++] = v;
	*list = l;
	return RR_OK;
}

enum { OPT_NO_HTML = 256, OPT_TEMPLATES, OPT_JSON, OPT_SESSIONS_CSV, OPT_REJECTED, OPT_CATALOG,
       OPT_ROOM, OPT_USER, OPT_FROM, OPT_TO, OPT_TZ, OPT_INPUT_TZ, OPT_CALL_GAP,
       OPT_STRICT, OPT_TITLE, OPT_BASELINE, OPT_REGRESSION_THRESHOLD, OPT_PAGES,
       OPT_MAX_MEMORY };

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "no-html", no_argument, NULL, OPT_NO_HTML },
	{ "templates", required_argument, NULL, OPT_TEMPLATES },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "sessions-csv", required_argument, NULL, OPT_SESSIONS_CSV },
	{ "rejected", required_argument, NULL, OPT_REJECTED },
	{ "catalog", required_argument, NULL, OPT_CATALOG },
	{ "room", required_argument, NULL, OPT_ROOM },
	{ "user", required_argument, NULL, OPT_USER },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "input-tz", required_argument, NULL, OPT_INPUT_TZ },
	{ "call-gap", required_argument, NULL, OPT_CALL_GAP },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "regression-threshold", required_argument, NULL, OPT_REGRESSION_THRESHOLD },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or an exit code. */
static int parse_args(struct cli *c, int argc, char **argv)
{
	int opt;

	c->call_gap_ms = 5 * 60 * 1000;
	c->output = "report";
	c->regression_pct = 10;
	c->pages = REPORT_PAGES_ALL;
	if (argc > 1 && strcmp(argv[1], "events") == 0) {
		c->cmd = CMD_EVENTS;
		argv++;
		argc--;
	} else if (argc > 1 && strcmp(argv[1], "catalog") == 0) {
		c->cmd = CMD_CATALOG;
		argv++;
		argc--;
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:qhV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'o': c->output = optarg; break;
		case OPT_NO_HTML: c->no_html = 1; break;
		case OPT_TEMPLATES: c->templates = optarg; break;
		case OPT_JSON: c->json = optarg; break;
		case OPT_SESSIONS_CSV: c->sessions_csv = optarg; break;
		case OPT_REJECTED: c->rejected = optarg; break;
		case OPT_CATALOG: c->catalog = optarg; break;
		case OPT_ROOM:
			if (push(&c->rooms, &c->nrooms, optarg) != RR_OK)
				return 3;
			break;
		case OPT_USER:
			if (push(&c->users, &c->nusers, optarg) != RR_OK)
				return 3;
			break;
		case OPT_FROM: c->from = optarg; break;
		case OPT_TO: c->to = optarg; break;
		case OPT_TZ: c->tz = optarg; break;
		case OPT_INPUT_TZ: c->input_tz = optarg; break;
		case OPT_CALL_GAP:
			c->call_gap_ms = parse_duration(optarg);
			if (c->call_gap_ms < 0)
				return usage_error("invalid --call-gap '%s' (e.g. 300, 90s, 5m, 1h)", optarg);
			break;
		case OPT_STRICT: c->strict = 1; break;
		case OPT_TITLE:
			if (!utf8_valid(optarg, strlen(optarg)))
				return usage_error("%s", "--title is not valid UTF-8");
			c->title = optarg;
			break;
		case OPT_BASELINE: c->baseline = optarg; break;
		case OPT_REGRESSION_THRESHOLD:
			c->regression_pct = parse_percent(optarg);
			if (c->regression_pct < 0)
				return usage_error("invalid --regression-threshold '%s' (a whole "
						   "percentage from 1 to 1000, e.g. 10)", optarg);
			break;
		case OPT_PAGES:
			if (strcmp(optarg, "all") == 0)
				c->pages = REPORT_PAGES_ALL;
			else if (strcmp(optarg, "problems") == 0)
				c->pages = REPORT_PAGES_PROBLEMS;
			else if (strcmp(optarg, "none") == 0)
				c->pages = REPORT_PAGES_NONE;
			else
				return usage_error("invalid --pages '%s' (all, problems or none)",
						   optarg);
			break;
		case OPT_MAX_MEMORY:
			c->max_memory = parse_size(optarg);
			if (c->max_memory == 0)
				return usage_error("invalid --max-memory '%s' (bytes, or a number "
						   "with K, M, G or T, e.g. 512M)", optarg);
			break;
		case 'q': c->quiet = 1; break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("roomreport %s\n", RR_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	c->files = argv + optind;
	c->nfiles = (size_t)(argc - optind);
	if (c->cmd == CMD_CATALOG) {
		if (c->nfiles)
			return usage_error("'catalog' takes no file ('%s')", c->files[0]);
		return -1;
	}
	if (c->nfiles == 0)
		return usage_error("%s", "no input file given");
	return -1;
}


static int out_open(struct out *o, const char *path)
{
	struct stat st;
	int fd;
	size_t n;

	o->path = path;
	o->tmp = NULL;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return RR_OK;
	}
	/* Devices and pipes (/dev/null, /dev/full, a FIFO) are written in place:
	 * renaming a temporary over them would replace the device itself. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: %s: Is a directory\n", progname, path);
			return RR_EIO;
		}
		o->f = fopen(path, "w");
		if (!o->f) {
			fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
			return RR_EIO;
		}
		return RR_OK;
	}
	n = strlen(path) + 16;
	o->tmp = rr_malloc(n);
	if (!o->tmp)
		return RR_ENOMEM;
	snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		rr_free(o->tmp);
		o->tmp = NULL;
		return RR_EIO;
	}
	/* mkstemp creates 0600; the output should get the mode any new file
	 * gets (0666 less the umask), like the HTML report's files. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return RR_OK;
}

/* Closes the file after its writer returned status. Writers signal a write
 * error as RR_EIO from the FILE's error flag; this reports it naming the
 * file. On failure the temporary is removed. Returns the final status; on
 * RR_OK a temporary waits for out_commit. */
static int out_close(struct out *o, int status)
{
	const char *name = o->f == stdout ? "standard output" : o->path;
	int bad, err;

	if (!o->f)
		return status;
	errno = 0;
	if (o->f == stdout) {
		bad = fflush(stdout) != 0 || ferror(stdout);
	} else {
		bad = ferror(o->f) != 0;
		if (fclose(o->f) != 0)
			bad = 1;
	}
	err = errno;
	o->f = NULL;
	if (bad && (status == RR_OK || status == RR_EIO)) {
		fprintf(stderr, "%s: %s: write error%s%s\n", progname, name,
			err ? ": " : "", err ? strerror(err) : "");
		status = RR_EIO;
	}
	if (status != RR_OK && o->tmp) {
		unlink(o->tmp);
		rr_free(o->tmp);
		o->tmp = NULL;
	}
	return status;
}

/* Renames a closed output into place. Returns RR_OK or RR_EIO. */
static int out_commit(struct out *o)
{
	int st = RR_OK;

	if (!o->tmp)
		return RR_OK;
	if (rename(o->tmp, o->path) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, o->path, strerror(errno));
		unlink(o->tmp);
		st = RR_EIO;
	}
	rr_free(o->tmp);
	o->tmp = NULL;
	return st;
}

/* Drops an output that will not be committed. */
static void out_discard(struct out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		rr_free(o->tmp);
		o->tmp = NULL;
	}
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

static void print_rejects(const struct dataset *ds)
{
	const struct diag *d = &ds->diag;
	uint64_t shown = 0, total = diag_total(d);

	for (size_t i = 0; i < d->nkept; i++, shown++) {
		const char *text = diag_reason_text(d->kept[i].reason);
		const char *detail = d->kept[i].detail;

		if (!detail[0] || strcmp(detail, text) == 0)
			fprintf(stderr, "%s:%" PRIu64 ": rejected: %s\n", d->kept[i].file,
				d->kept[i].line, text);
		else
			fprintf(stderr, "%s:%" PRIu64 ": rejected: %s (%s)\n", d->kept[i].file,
				d->kept[i].line, text, detail);
	}
	if (total > shown)
		fprintf(stderr, "%s: %" PRIu64 " more rejected rows not shown%s\n", progname,
			total - shown, "; --rejected FILE lists them all");
	for (size_t i = 0; i < d->nnotes; i++)
		fprintf(stderr, "%s: note: %s\n", progname, d->notes[i]);
}

/* Input rows are at least this long (an event row has ten fields); used to
 * bound how many records a file can hold before reading it. */
#define MIN_ROW_BYTES 24

/* The memory --max-memory allows: as given, else half of physical memory
 * (or no limit when the system does not say). */
static uint64_t memory_limit(const struct cli *c)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (c->max_memory)
		return c->max_memory;
	if (pages <= 0 || size <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * (uint64_t)size / 2;
}

/* Reading a file in parallel parts holds all of its records at once, so a
 * file that may hold more than the limit allows is read on one thread and
 * spills as it goes. */
static unsigned ingest_threads(const struct cli *c, const char *path)
{
	struct stat sb;
	uint64_t limit = memory_limit(c);

	if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (uint64_t)sb.st_size / MIN_ROW_BYTES > limit / PARTITION_BYTES_PER_RECORD)
		return 1;
	return 0;
}

static int load_inputs(struct run *r)
{
	struct cli *c = &r->cli;
	struct ingest_options io;
	struct out *rej = &r->rejected;
	char err[512];
	int st = RR_OK, progress = !c->quiet && isatty(2);

	ingest_options_init(&io);
	/* Test hook: small parts make the parallel reader run on small inputs. */
	if (getenv("ROOMREPORT_PART_BYTES"))
		io.part_min_bytes = strtoull(getenv("ROOMREPORT_PART_BYTES"), NULL, 10);
	io.input_tz = r->input_tz;
	io.rooms = c->rooms;
	io.nrooms = c->nrooms;
	io.users = c->users;
	io.nusers = c->nusers;
	if (c->from && tz_parse_time(r->input_tz, c->from, strlen(c->from), &io.from_ms) != 0) {
		usage_error("invalid --from time '%s'", c->from);
		return RR_EUSAGE;
	}
	if (c->to && tz_parse_time(r->input_tz, c->to, strlen(c->to), &io.to_ms) != 0) {
		usage_error("invalid --to time '%s'", c->to);
		return RR_EUSAGE;
	}
	if (c->rejected) {
		st = out_open(rej, c->rejected);
		if (st != RR_OK)
			return st;
		sigbus_tmp = rej->tmp;
		io.rejected = rej->f;
		st = ingest_write_rejected_header(rej->f);
	}
	for (size_t i = 0; st == RR_OK && i < c->nfiles; i++) {
		if (progress)
			fprintf(stderr, "\rroomreport: reading %zu/%zu %.60s\033[K", i + 1,
				c->nfiles, c->files[i]);
		err[0] = '\0';
		io.threads = ingest_threads(c, c->files[i]);
		st = ingest_file(&r->ds, c->files[i], &io, err, sizeof err);
		if (st != RR_OK && st != RR_ENOMEM && (err[0] || partition_error(r->part))) {
			if (progress)
				fputs("\r\033[K", stderr);
			/* A failing spill surfaces through ingest as a write error;
			 * the partition knows what failed. */
			fprintf(stderr, "%s: %s\n", progname,
				partition_error(r->part) ? partition_error(r->part) : err);
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	sigbus_tmp = NULL;
	return out_close(rej, st);
}

static void say_written(const struct cli *c, const char *path)
{
	if (!c->quiet && strcmp(path, "-") != 0)
		fprintf(stderr, "%s: wrote %s\n", progname, path);
}

static int is_html_file(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcasecmp(path + n - 5, ".html") == 0;
}

/* Says why the temporary files of a partitioned run failed, when they
 * did (an RR_EIO that may also come from elsewhere). */
static void say_partition_error(const struct run *r)
{
	if (partition_error(r->part))
		fprintf(stderr, "%s: %s\n", progname, partition_error(r->part));
}

/* Loads range k of a partitioned run, finished. */
static int range_load(struct run *r, size_t k, struct dataset *part)
{
	int st;

	dataset_init_part(part, r->ds.strs);
	dataset_part_of(part, &r->ds);
	st = partition_load(r->part, k, part);
	if (st == RR_OK)
		st = dataset_finish(part);
	return st;
}

/* The HTML report of a partitioned run: the call pages a range of rooms
 * at a time, from each range's records. */
static int write_html_ranges(struct run *r, int single, char *err, size_t errlen)
{
	const struct model *m = &r->model;
	size_t nr = partition_count(r->part), *first, k;
	uint32_t *calls;
	struct render_job *job = NULL;
	int st;

	first = rr_calloc(nr + 2, sizeof *first);
	calls = rr_malloc(((size_t)m->ncalls + 1) * sizeof *calls);
	if (!first || !calls) {
		rr_free(first);
		rr_free(calls);
		return RR_ENOMEM;
	}
	/* The calls grouped by range, in model order within each. */
	for (uint32_t i = 0; i < m->ncalls; i++)
		first[partition_of_room(r->part, m->calls[i].room) + 2]++;
	for (k = 0; k < nr; k++)
		first[k + 2] += first[k + 1];
	for (uint32_t i = 0; i < m->ncalls; i++)
		calls[first[partition_of_room(r->part, m->calls[i].room) + 1]++] = i;
	st = single ? render_file_begin(r->rd, &r->rep, r->cat, r->cli.output, &job, err, errlen)
		    : render_dir_begin(r->rd, &r->rep, r->cat, r->cli.output, &job, err, errlen);
	for (k = 0; st == RR_OK && k < nr; k++) {
		struct dataset part;

		if (first[k + 1] == first[k])
			continue;
		st = range_load(r, k, &part);
		if (st == RR_OK)
			st = single ? render_file_calls(job, &part, calls + first[k],
							first[k + 1] - first[k], err, errlen)
				    : render_dir_calls(job, &part, calls + first[k],
						       first[k + 1] - first[k], err, errlen);
		dataset_free(&part);
	}
	if (st == RR_OK)
		st = single ? render_file_end(job, err, errlen) : render_dir_end(job, err, errlen);
	else if (single)
		render_file_abort(job);
	else
		render_dir_abort(job);
	rr_free(first);
	rr_free(calls);
	return st;
}

static int write_html(struct run *r)
{
	const struct cli *c = &r->cli;
	char err[512] = "", index[4096];
	int st;

	if (partition_active(r->part)) {
		int single = is_html_file(c->output);

		st = write_html_ranges(r, single, err, sizeof err);
		if (st == RR_EIO && !err[0] && partition_error(r->part))
			snprintf(err, sizeof err, "%s", partition_error(r->part));
		if (single)
			snprintf(index, sizeof index, "%s", c->output);
		else
			snprintf(index, sizeof index, "%s/index.html", c->output);
	} else if (is_html_file(c->output)) {
		st = render_write_file(r->rd, &r->rep, r->cat, c->output, err, sizeof err);
		snprintf(index, sizeof index, "%s", c->output);
	} else {
		st = render_write_dir(r->rd, &r->rep, r->cat, c->output, err, sizeof err);
		snprintf(index, sizeof index, "%s/index.html", c->output);
	}
	if (st != RR_OK && st != RR_ENOMEM && err[0])
		fprintf(stderr, "%s: %s\n", progname, err);
	if (st == RR_OK)
		say_written(c, index);
	return st;
}

/* Writes every output; the HTML last, since a report directory is swapped
 * in by the renderer itself, then the files renamed into place together. */
static int write_outputs(struct run *r)
{
	struct cli *c = &r->cli;
	int st = RR_OK;

	if (c->json) {
		st = out_open(&r->json, c->json);
		if (st == RR_OK)
			st = out_close(&r->json, json_write(&r->rep, r->json.f));
	}
	if (st == RR_OK && c->sessions_csv) {
		st = out_open(&r->sessions_csv, c->sessions_csv);
		if (st == RR_OK)
			st = out_close(&r->sessions_csv, tables_write_sessions(&r->rep, r->sessions_csv.f));
	}
	if (st == RR_OK && r->rd)
		st = write_html(r);
	if (st != RR_OK)
		return st;
	st = out_commit(&r->rejected);
	if (st == RR_OK)
		st = out_commit(&r->json);
	if (st == RR_OK)
		st = out_commit(&r->sessions_csv);
	if (st == RR_OK) {
		if (c->rejected)
			say_written(c, c->rejected);
		if (c->json)
			say_written(c, c->json);
		if (c->sessions_csv)
			say_written(c, c->sessions_csv);
	}
	return st;
}

static void print_summary(const struct run *r)
{
	const struct input_counts *n = &r->ds.counts;
	char filtered[48] = "", unmatched[48] = "";

	if (n->filtered)
		snprintf(filtered, sizeof filtered, ", %" PRIu64 " filtered", n->filtered);
	if (n->unmatched)
		snprintf(unmatched, sizeof unmatched, ", %" PRIu64 " unmatched", n->unmatched);
	fprintf(stderr, "%s: read %" PRIu64 " rows from %zu file%s: %" PRIu64 " used%s, %"
		PRIu64 " rejected, %" PRIu64 " duplicates%s \xe2\x86\x92" " %" PRIu32 " calls, %"
		PRIu32 " sessions\n", progname, n->rows, r->ds.nfiles,
		r->ds.nfiles == 1 ? "" : "s", n->used, filtered, n->rejected,
		n->duplicates, unmatched, r->model.ncalls, r->model.nsessions);
}

/*
 * sessions_build on the run's dataset, except that when nothing reads the
 * records again (no call pages), they go back to the kernel as soon as the
 * sessions have read them: the sessions' last steps and the report then
 * have their memory instead of adding to it.
 */
static int sessions_from_records(struct run *r, const struct sessions_options *so)
{
	struct sessions_builder *sb;
	int st = sessions_begin(r->cat, so, &sb);

	if (st != RR_OK)
		return st;
	st = sessions_add(sb, &r->ds);
	if (st != RR_OK) {
		sessions_abort(sb);
		return st;
	}
	if (!r->rd)
		dataset_drop_records(&r->ds);
	return sessions_end(sb, &r->model);
}

/*
 * The first pass of a partitioned run, range after range in room order:
 * each range sorted and de-duplicated (its counts join the run's), then
 * decoded and built into sessions — or, for `events`, set aside in time
 * order for the merge.
 */
static int ranges_build(struct run *r, const struct sessions_options *so)
{
	struct decode_scanner *dsc = NULL;
	struct sessions_builder *sb = NULL;
	int report = r->cli.cmd != CMD_EVENTS, st = RR_OK;

	if (report) {
		st = decode_begin(r->cat, &dsc);
		if (st == RR_OK)
			st = sessions_begin(r->cat, so, &sb);
	}
	for (size_t k = 0; st == RR_OK && k < partition_count(r->part); k++) {
		struct dataset part;
		struct input_counts *n = &r->ds.counts;

		st = range_load(r, k, &part);
		if (st == RR_OK) {
			n->used += part.counts.used;
			n->duplicates += part.counts.duplicates;
			n->events += part.counts.events;
			n->abnormal += part.counts.abnormal;
			if (!report)
				st = partition_add_events(r->part, &part);
			else if ((st = decode_add(dsc, &part)) == RR_OK)
				st = sessions_add(sb, &part);
		}
		if (st == RR_EIO)
			say_partition_error(r);
		dataset_free(&part);
	}
	if (!report)
		return st;
	if (st != RR_OK) {
		decode_abort(dsc);
		sessions_abort(sb);
		return st;
	}
	st = decode_end(dsc, &r->dec);
	if (st != RR_OK) {
		sessions_abort(sb);
		return st;
	}
	return sessions_end(sb, &r->model);
}

static int run_pipeline(struct run *r)
{
	struct cli *c = &r->cli;
	struct sessions_options so;
	int st, parted;

	st = dataset_init(&r->ds);
	if (st != RR_OK)
		return st;
	r->ds_ready = 1;
	sessions_options_init(&so);
	so.call_gap_ms = c->call_gap_ms;
	so.display_tz = r->tz;
	st = partition_open(&r->ds, memory_limit(c), &r->part);
	if (st == RR_OK)
		st = load_inputs(r);
	parted = partition_active(r->part);
	if (st == RR_OK && parted) {
		st = partition_plan(r->part);
		if (st == RR_EIO)
			say_partition_error(r);
		if (st == RR_OK && !c->quiet) {
			char size[32];
			uint64_t lim = memory_limit(c);

			if (lim >= 1 << 20)
				snprintf(size, sizeof size, "%.1f MiB", (double)lim / (1 << 20));
			else
				snprintf(size, sizeof size, "%" PRIu64 " bytes", lim);
			fprintf(stderr, "%s: the events need more memory than %s (--max-memory): "
				"building the calls in %zu ranges of rooms\n", progname, size,
				partition_count(r->part));
		}
	}
	if (st == RR_OK)
		st = dataset_finish(&r->ds);
	if (st == RR_OK && parted)
		st = ranges_build(r, &so);
	if (st != RR_OK)
		return st;
	if (!c->quiet)
		print_rejects(&r->ds);
	/* On these data errors the rejected-rows file is complete and is what
	 * explains the failure, so it is kept; nothing else is written. */
	if (c->strict && r->ds.counts.rejected) {
		fprintf(stderr, "%s: --strict: %" PRIu64 " rejected row%s\n", progname,
			r->ds.counts.rejected, r->ds.counts.rejected == 1 ? "" : "s");
		return out_commit(&r->rejected) == RR_OK ? RR_EDATA : RR_EIO;
	}
	if (r->ds.counts.used == 0 && r->ds.counts.filtered == 0) {
		fprintf(stderr, "%s: no usable rows in the input\n", progname);
		return out_commit(&r->rejected) == RR_OK ? RR_EDATA : RR_EIO;
	}
	if (c->cmd == CMD_EVENTS) {
		struct out o = { stdout, "-", NULL };

		st = parted ? partition_write_events(r->part, r->cat, r->tz, stdout)
			    : tables_write_events(&r->ds, r->cat, r->tz, stdout);
		if (st == RR_EIO)
			say_partition_error(r);
		st = out_close(&o, st);
		return st == RR_OK ? out_commit(&r->rejected) : st;
	}
	if (!parted) {
		st = decode_scan(&r->ds, r->cat, &r->dec);
		if (st == RR_OK)
			st = sessions_from_records(r, &so);
	}
	if (st == RR_OK) {
		struct companion_options co;
		struct unmatched um;

		companion_options_init(&co);
		co.display_tz = r->tz;
		st = companion_link_unmatched(&r->ds, &co, &r->model, &um);
		if (st == RR_OK)
			companion_count_unmatched(&r->ds, &um);
	}
	/* Only the call pages read the records again: without them, the
	 * largest allocation goes before the report adds its own (the
	 * in-memory run's went already, in sessions_from_records). */
	if (st == RR_OK && !r->rd)
		dataset_drop_records(&r->ds);
	if (st == RR_OK)
		st = report_build(&r->ds, &r->model, &r->dec, r->cat, r->tz, &r->rep);
	if (st == RR_OK) {
		report_select_pages(&r->rep, c->pages);
		if (r->have_baseline) {
			const char *slash = strrchr(c->baseline, '/');

			report_compare(&r->rep, &r->baseline, slash && slash[1] ? slash + 1
					: c->baseline, c->regression_pct);
		}
	}
	r->rep.title = c->title;
	r->rep.generated_ms = r->generated_ms;
	if (st == RR_OK)
		st = write_outputs(r);
	if (st == RR_OK && !c->quiet)
		print_summary(r);
	return st;
}

static int run_main(struct run *r)
{
	struct cli *c = &r->cli;
	char err[512];
	int st;

	r->generated_ms = RR_NONE;
	if (getenv("SOURCE_DATE_EPOCH") && *getenv("SOURCE_DATE_EPOCH")) {
		const char *e = getenv("SOURCE_DATE_EPOCH");
		char *end;
		long long v;

		errno = 0;
		v = strtoll(e, &end, 10);
		if (errno || *end || v < 0 || v > 253402300799LL) {
			usage_error("SOURCE_DATE_EPOCH '%s' is not a time in seconds", e);
			return RR_EUSAGE;
		}
		r->generated_ms = v * 1000;
	}
	st = tz_open(c->tz, &r->tz, err, sizeof err);
	if (st == RR_OK)
		st = tz_open(c->input_tz ? c->input_tz : "UTC", &r->input_tz, err, sizeof err);
	if (st == RR_EUSAGE) {
		usage_error("%s", err);
		return RR_EUSAGE;
	}
	if (st == RR_OK)
		st = catalog_new(&r->cat);
	if (st == RR_OK && c->catalog) {
		err[0] = '\0';
		st = catalog_load(r->cat, c->catalog, err, sizeof err);
		if (st != RR_OK && st != RR_ENOMEM && err[0])
			fprintf(stderr, "%s: %s\n", progname, err);
	}
	if (st != RR_OK)
		return st;
	if (c->cmd == CMD_REPORT && !c->no_html) {
		/* Templates first: a broken --templates DIR fails before any work. */
		err[0] = '\0';
		st = render_open(c->templates, &r->rd, err, sizeof err);
		if (st != RR_OK) {
			if (st != RR_ENOMEM && err[0])
				fprintf(stderr, "%s: %s\n", progname, err);
			return st;
		}
	}
	if (c->cmd == CMD_CATALOG) {
		struct out o = { stdout, "-", NULL };
		return out_close(&o, catalog_write_csv(r->cat, stdout));
	}
	if (c->cmd == CMD_REPORT && c->baseline) {
		/* Read before the input, so a wrong file fails at once. */
		err[0] = '\0';
		st = baseline_read(c->baseline, &r->baseline, err, sizeof err);
		if (st != RR_OK) {
			if (st != RR_ENOMEM && err[0])
				fprintf(stderr, "%s: --baseline %s\n", progname, err);
			return st;
		}
		r->have_baseline = 1;
	}
	return run_pipeline(r);
}

/*
 * Plain input files are mapped (reader.h): one cut short by someone else
 * while it is read faults on the next page instead of returning a short
 * read. That ends the run here as an I/O error (exit 3), with a message
 * and without the temporary output. Only async-signal-safe calls. Any
 * other SIGBUS is a bug and keeps its default action.
 */
static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
	static const char msg[] = ": an input file was truncated while it was being read\n";
	const char *tmp = sigbus_tmp;
	ssize_t w;

	(void)ctx;
	if (info->si_code != BUS_ADRERR) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	if (tmp)
		unlink(tmp);
	w = write(STDERR_FILENO, progname, strlen(progname));
	w = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)w;
	_exit(3);
}

int main(int argc, char **argv)
{
	struct run r;
	struct sigaction sa;
	int code, st;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	memset(&r, 0, sizeof r);
	/* Test hook for the out-of-memory paths: make allocation N fail. */
	if (getenv("ROOMREPORT_FAIL_ALLOC"))
		rr_alloc_fail_at(strtoul(getenv("ROOMREPORT_FAIL_ALLOC"), NULL, 10));
	code = parse_args(&r.cli, argc, argv);
	if (code >= 0) {
		rr_free(r.cli.rooms);
		rr_free(r.cli.users);
		return code;
	}
	st = run_main(&r);
	code = exit_code(st);

	/* Outputs not committed by now belong to a failed run. */
	out_discard(&r.rejected);
	out_discard(&r.json);
	out_discard(&r.sessions_csv);
	report_free(&r.rep);
	model_free(&r.model);
	decode_stats_free(&r.dec);
	partition_close(r.part);     /* removes the temporary files */
	if (r.ds_ready)
		dataset_free(&r.ds);
	render_close(r.rd);
	catalog_free(r.cat);
	tz_free(r.tz);
	tz_free(r.input_tz);
	rr_free(r.cli.rooms);
	rr_free(r.cli.users);
	return code;
}
