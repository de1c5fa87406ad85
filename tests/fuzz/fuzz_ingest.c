/* Fuzz target: CSV ingest of any bytes, from memory. Checks the accounting
 * invariant on every input: rows = used + filtered + rejected + duplicates. */
#include <stdint.h>
#include <stdlib.h>

#include "dataset.h"
#include "ingest.h"
#include "tz.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tz *utc;
	struct ingest_options o;
	struct dataset ds;
	char err[256];

	if (!utc && tz_open("UTC", &utc, err, sizeof err) != RR_OK)
		abort();
	if (dataset_init(&ds) != RR_OK)
		return 0;
	ingest_options_init(&o);
	o.input_tz = utc;
	if (ingest_mem(&ds, "fuzz.csv", data, size, &o, err, sizeof err) == RR_OK &&
	    dataset_finish(&ds) == RR_OK) {
		const struct input_counts *c = &ds.counts;
		if (c->rows != c->used + c->filtered + c->rejected + c->duplicates)
			abort();
	}
	dataset_free(&ds);
	return 0;
}
