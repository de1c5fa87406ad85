/* Unit tests for cli: the values options take, valid and invalid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli.h"

static void test_duration(void **state)
{
	static const struct { const char *s; int64_t ms; } cases[] = {
		{ "300", 300000 }, { "90s", 90000 }, { "1500ms", 1500 }, { "5m", 300000 },
		{ "5min", 300000 }, { "1h", 3600000 }, { "0", 0 }, { "0ms", 0 },
		{ "3153600000", 3153600000000LL }, { "3153600000h", 3153600000LL * 3600000 },
		/* invalid */
		{ "", -1 }, { "m", -1 }, { "-5", -1 }, { "5x", -1 }, { "5 m", -1 },
		{ "5mm", -1 }, { "5H", -1 }, { "3153600001", -1 }, { "1.5h", -1 },
		{ "99999999999999999999", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (cli_parse_duration(cases[i].s) != cases[i].ms)
			fail_msg("'%s': %lld, want %lld", cases[i].s,
				 (long long)cli_parse_duration(cases[i].s), (long long)cases[i].ms);
}

static void test_size(void **state)
{
	static const struct { const char *s; uint64_t bytes; } cases[] = {
		{ "512", 512 }, { "512B", 512 }, { "512b", 512 }, { "64K", 65536 },
		{ "64k", 65536 }, { "64KB", 65536 }, { "64KiB", 65536 }, { "64kib", 65536 },
		{ "300M", 300ull << 20 }, { "2G", 2ull << 30 }, { "1T", 1ull << 40 },
		{ "2gb", 2ull << 30 }, { "18446744073709551609", 18446744073709551609ull },
		{ "16777215T", 16777215ull << 40 },
		/* invalid: 0 */
		{ "", 0 }, { "0", 0 }, { "0K", 0 }, { "K", 0 }, { "-1", 0 }, { "1.5G", 0 },
		{ "64X", 0 }, { "64iB", 0 }, { "64KBB", 0 }, { " 64", 0 }, { "16777216T", 0 },
		{ "18446744073709551610", 0 }, { "18446744073709551615", 0 }, { "99999999999999999999999", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (cli_parse_size(cases[i].s) != cases[i].bytes)
			fail_msg("'%s': %llu, want %llu", cases[i].s,
				 (unsigned long long)cli_parse_size(cases[i].s),
				 (unsigned long long)cases[i].bytes);
}

static void test_percent(void **state)
{
	static const struct { const char *s; int pct; } cases[] = {
		{ "10", 10 }, { "10%", 10 }, { "1", 1 }, { "1000", 1000 }, { "007", 7 },
		/* invalid */
		{ "0", -1 }, { "1001", -1 }, { "", -1 }, { "%", -1 }, { "-5", -1 },
		{ "10%%", -1 }, { "10 %", -1 }, { "1.5", -1 }, { "99999999999", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (cli_parse_percent(cases[i].s) != cases[i].pct)
			fail_msg("'%s': %d, want %d", cases[i].s, cli_parse_percent(cases[i].s),
				 cases[i].pct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_percent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
