/* Fuzz target: the whole pipeline from bytes to JSON, in memory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"
#include "dataset.h"
#include "decode.h"
#include "ingest.h"
#include "json.h"
#include "report.h"
#include "sessions.h"
#include "tz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tz *utc;
	static struct catalog *cat;
	struct ingest_options o;
	struct sessions_options so;
	struct dataset ds;
	struct decode_stats dec = { 0 };
	struct model m = { 0 };
	struct report r = { 0 };
	char err[256];
	FILE *out;

	if (!utc && (tz_open("UTC", &utc, err, sizeof err) != RR_OK ||
		     catalog_new(&cat) != RR_OK))
		abort();
	if (dataset_init(&ds) != RR_OK)
		return 0;
	ingest_options_init(&o);
	o.input_tz = utc;
	sessions_options_init(&so);
	so.display_tz = utc;
	out = fopen("/dev/null", "w");
	if (out && ingest_mem(&ds, "fuzz.csv", data, size, &o, err, sizeof err) == RR_OK &&
	    dataset_finish(&ds) == RR_OK && decode_scan(&ds, cat, &dec) == RR_OK &&
	    sessions_build(&ds, cat, &so, &m) == RR_OK &&
	    report_build(&ds, &m, &dec, cat, utc, &r) == RR_OK)
		json_write(&r, out);
	if (out)
		fclose(out);
	report_free(&r);
	model_free(&m);
	decode_stats_free(&dec);
	dataset_free(&ds);
	return 0;
}
