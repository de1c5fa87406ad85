/* Unit tests for cli: the values options take, valid and invalid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

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

enum { O_OUT = 'o', O_Q = 'q', O_JSON = 300, O_NOHTML, O_ROOM, O_TITLE, O_REJ, O_REG };

static const struct cli_option opts[] = {
	{ "output", 'o', 1, 0, O_OUT }, { "quiet", 'q', 0, 0, O_Q },
	{ "json", 0, 1, 0, O_JSON }, { "no-html", 0, 0, 0, O_NOHTML },
	{ "room", 0, 1, 0, O_ROOM }, { "title", 0, 1, 1, O_TITLE },
	{ "rejected", 0, 1, 0, O_REJ }, { "regression-threshold", 0, 1, 0, O_REG },
};

/* Walks argv (NULL-terminated); returns the first error or "" and writes
 * the items as "id=value" words into out. */
static const char *walk(char **argv, char *out, size_t outlen)
{
	static struct cli_parser p;
	int argc = 0, r;

	while (argv[argc])
		argc++;
	memset(&p, 0, sizeof p);
	p.argc = argc;
	p.argv = argv;
	p.first = 0;
	out[0] = '\0';
	while ((r = cli_next(&p, opts, sizeof opts / sizeof opts[0])) != CLI_END) {
		size_t n = strlen(out);

		if (r == CLI_ERROR)
			return p.error;
		snprintf(out + n, outlen - n, "%s%d=%s", n ? " " : "", r, p.value ? p.value : "");
	}
	return "";
}

static void test_next(void **state)
{
	static const struct { const char *args[6]; const char *items, *error; } cases[] = {
		{ { "-o", "rep", "f.csv", "-q", NULL }, "111=rep -2=f.csv 113=", "" },
		{ { "--json=--odd", "-orep", "-", "--", "-q", NULL }, "300=--odd 111=rep -2=- -2=-q", "" },
		{ { "--jso", "x", "--no", "-qo", "r", NULL }, "300=x 301= 113= 111=r", "" },
		{ { "--title", "-x-", NULL }, "303=-x-", "" },
		{ { "-room", "3101", NULL }, "",
		  "unknown option '-room' \xe2\x80\x94 did you mean '--room'?" },
		{ { "--no-html", "-room", NULL }, "",
		  "unknown option '-room' \xe2\x80\x94 did you mean '--room'?" },
		{ { "-output", "x", NULL }, "",
		  "unknown option '-output' \xe2\x80\x94 did you mean '--output'?" },
		{ { "--jsn", NULL }, "", "unknown option '--jsn' \xe2\x80\x94 did you mean '--json'?" },
		{ { "--bogus=1", NULL }, "", "unknown option '--bogus'" },
		{ { "-x", NULL }, "", "unknown option '-x'" },
		{ { "--json", "--no-html", NULL }, "",
		  "option '--json' needs a value, and '--no-html' is an option; write "
		  "'--json=--no-html' if that is the value" },
		{ { "-o", "-q", NULL }, "",
		  "option '-o' needs a value, and '-q' is an option; write '--output=-q' if "
		  "that is the value" },
		{ { "--json", NULL }, "", "option '--json' needs a value" },
		{ { "--quiet=yes", NULL }, "", "option '--quiet' takes no value ('--quiet=yes')" },
		{ { "--re", "x", NULL }, "",
		  "option '--re' is ambiguous ('--rejected', '--regression-threshold')" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *err = walk((char **)cases[i].args, out, sizeof out);

		assert_string_equal(err, cases[i].error);
		if (!*cases[i].error)
			assert_string_equal(out, cases[i].items);
	}
}

static void test_nearest(void **state)
{
	static const char *const names[] = { "room", "user", "output", "tz", "title" };

	(void)state;
	assert_string_equal(cli_nearest("rom", names, 5, 2), "room");
	assert_string_equal(cli_nearest("ROOM", names, 5, 0), "room");
	assert_string_equal(cli_nearest("otuput", names, 5, 2), "output");
	assert_null(cli_nearest("zzzzzz", names, 5, 2));
	assert_string_equal(cli_nearest("tx", names, 5, 1), "tz");   /* ties: the first */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_nearest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
