/*
 * Tests for script_min: a table of scripts and what they shrink to
 * (comments everywhere, literals kept byte for byte, regex or division,
 * the spaces that must stay, the line breaks that automatic semicolon
 * insertion needs), inputs it must leave as they are (unterminated
 * literals and comments, NUL and other bytes it does not read as code,
 * HTML-like comments, deep templates), shrinking twice changing nothing,
 * random inputs never growing; and the shipped scripts, shrunk: smaller,
 * and still valid JavaScript to `node --check` (skipped without node).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script_min.h"
#include "templates.h"

struct case_ {
	const char *in;
	size_t inlen;
	const char *out;   /* NULL: left as it is */
	size_t outlen;
};

#define S(a, b) { a, sizeof a - 1, b, sizeof b - 1 }
#define KEEP(a) { a, sizeof a - 1, NULL, 0 }

/* Shrinks a copy of in; returns it (malloc'd) and its length in *m. */
static char *shrunk(const char *in, size_t n, size_t *m)
{
	char *b = malloc(n + 1);

	assert_non_null(b);
	if (n)
		memcpy(b, in, n);
	*m = script_min_shrink(b, n);
	assert_true(*m <= n);
	return b;
}

static void check_table(const struct case_ *t, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		const char *want = t[k].out ? t[k].out : t[k].in;
		size_t wlen = t[k].out ? t[k].outlen : t[k].inlen, m, m2;
		char *b = shrunk(t[k].in, t[k].inlen, &m), *b2;

		if (m != wlen || memcmp(b, want, m) != 0)
			fail_msg("case %zu: %.*s\n  gave: %.*s\n  want: %.*s", k, (int)t[k].inlen,
				 t[k].in, (int)m, b, (int)wlen, want);
		/* Shrinking what it gave changes nothing. */
		b2 = shrunk(b, m, &m2);
		if (m2 != m || memcmp(b2, b, m) != 0)
			fail_msg("case %zu: not stable: %.*s", k, (int)m2, b2);
		free(b2);
		free(b);
	}
}

static void test_comments(void **state)
{
	static const struct case_ t[] = {
		S("a // c\nb", "a\nb"),
		S("a /* c */ b", "a b"),
		S("a/* c */b", "a b"),
		S("a /* x\ny */ b", "a\nb"),
		S("a; /* x\ny */ b", "a;b"),
		S("/* lead */ a", "a"),
		S("// only\n", ""),
		S("/**/", ""),
		S("a; // trailing", "a;"),
		S("x = 1; /* a */ /* b */ y = 2;", "x=1;y=2;"),
		S("f(/* arg */)", "f()"),
		S("a = b /* c */ + d", "a=b+d"),
		S("a + /**/ +b", "a+ +b"),
		S("a = b //* not a block\n+ c", "a=b\n+c"),
		S("/* a /* b */ c", "c"),
		S("x = 1 /* *//* **/ - 1", "x=1-1"),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

static void test_strings(void **state)
{
	static const struct case_ t[] = {
		S("s = \"// not a comment\" ;", "s=\"// not a comment\";"),
		S("s = '/* nor this */' + \"a  b\";", "s='/* nor this */'+\"a  b\";"),
		S("s = \"a\\\" // b\" ; // c", "s=\"a\\\" // b\";"),
		S("s = 'it\\'s' ; // x", "s='it\\'s';"),
		S("s = \"a\\\nb\" ;", "s=\"a\\\nb\";"),
		S("s = \"a\\\r\nb\" ;", "s=\"a\\\r\nb\";"),
		S("s = \"\\\\\" + '\\\\' ;", "s=\"\\\\\"+'\\\\';"),
		S("return \"x\"", "return\"x\""),
		S("s = \"caf\xc3\xa9 \xe2\x80\x94\" ;", "s=\"caf\xc3\xa9 \xe2\x80\x94\";"),
		S("s = \"</\" + \"script>\"", "s=\"</\"+\"script>\""),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

static void test_templates(void **state)
{
	static const struct case_ t[] = {
		S("a = `x` + 1", "a=`x`+1"),
		S("t = `a  // b /* c */  ${ x + \"}\" }  d` ;", "t=`a  // b /* c */  ${ x + \"}\" }  d`;"),
		S("t = `${ {a: 1}.a } ${ `in ${ y }` }` ;", "t=`${ {a: 1}.a } ${ `in ${ y }` }`;"),
		S("t = `${ f(/* c */ 1) // d\n}` ;", "t=`${ f(/* c */ 1) // d\n}`;"),
		S("t = `${ '`' }` + `\\${` ;", "t=`${ '`' }`+`\\${`;"),
		S("t = `${ /}`/.source }` ;", "t=`${ /}`/.source }`;"),
		S("t = `$ {a}` ;", "t=`$ {a}`;"),
		S("if (a) { t = `${ b }` }", "if(a){t=`${ b }`}"),
		S("f(`a`\n, `b`)", "f(`a`,`b`)"),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

static void test_regex_or_division(void **state)
{
	static const struct case_ t[] = {
		S("r = /[/]+/g ;", "r=/[/]+/g;"),
		S("r = /a\\/ b/ ;", "r=/a\\/ b/;"),
		S("r = /[\\]/ ]/ ;", "r=/[\\]/ ]/;"),
		S("r = /a b/ ; // c", "r=/a b/;"),
		S("r = /' \"/ ;", "r=/' \"/;"),
		S("x = a / b / c ;", "x=a/b/c;"),
		S("x = (a) / 2 / 1 ;", "x=(a)/2/1;"),
		S("x = a[0] / 2 / 1 ;", "x=a[0]/2/1;"),
		S("x = 10 / 2 / 1 ;", "x=10/2/1;"),
		S("x = \"a\" / 2 / 1 ;", "x=\"a\"/2/1;"),
		S("x = i++ / 2 / 1 ;", "x=i++/2/1;"),
		S("x = y.return / 2 / 1 ;", "x=y.return/2/1;"),
		S("return /a b/.test(s)", "return/a b/.test(s)"),
		S("x = typeof /a b/ ;", "x=typeof/a b/;"),
		S("if (/ x /.test(s)) y()", "if(/ x /.test(s))y()"),
		S("s.split(/\\s+/).map(f)", "s.split(/\\s+/).map(f)"),
		S("x = a / /re/.source.length", "x=a/ /re/.source.length"),
		S("x = /re/ / 2", "x=/re/ /2"),
		S("x = /re/ in b", "x=/re/ in b"),
		S("x = /re/g in b", "x=/re/g in b"),
		S("x = a ? /b c/ : /d e/", "x=a?/b c/:/d e/"),
		S("x = [/a /, / b/]", "x=[/a /,/ b/]"),
		S("x = a\n/ b /\nc", "x=a\n/b/\nc"),
		S("x = 1 /* c */ / 2", "x=1/2"),
		S("x = a /= 2", "x=a/=2"),
		S("x = a / = 2", "x=a/ =2"),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

static void test_spaces(void **state)
{
	static const struct case_ t[] = {
		S("  var  a  =  1 ;  ", "var a=1;"),
		S("\tfunction f ( a , b ) {\n\t\treturn a + b ;\n\t}\n", "function f(a,b){return a+b;}"),
		S("a - -b", "a- -b"),
		S("a + +b", "a+ +b"),
		S("a - --b", "a- --b"),
		S("a++ + b", "a++ +b"),
		S("a < !b", "a< !b"),
		S("a < /b/", "a< /b/"),
		S("a-- > b", "a-- >b"),
		S("a ? .5 : 1", "a? .5:1"),
		S("a ? b : .5", "a?b:.5"),
		S("return .5", "return .5"),
		S("x = 1 .toString()", "x=1 .toString()"),
		S("x = 1.5 .toFixed(1)", "x=1.5 .toFixed(1)"),
		S("f(... .5)", "f(... .5)"),
		S("a = b => c", "a=b=>c"),
		S("x = a < = b", "x=a< =b"),
		S("x = a & & b", "x=a& &b"),
		S("x = a ? ? b", "x=a? ?b"),
		S("x = 1e-5 + 1e+5", "x=1e-5+1e+5"),
		S("x = a in b instanceof c", "x=a in b instanceof c"),
		S("x = this . #p", "x=this.#p"),
		S("x = 0x1F , y = 1_000", "x=0x1F,y=1_000"),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

static void test_line_breaks(void **state)
{
	static const struct case_ t[] = {
		S("return\nvalue", "return\nvalue"),
		S("a\n++b", "a\n++b"),
		S("a\n--b", "a\n--b"),
		S("i++\nj", "i++\nj"),
		S("a\n(b)", "a\n(b)"),
		S("x = y\n[1].forEach(f)", "x=y\n[1].forEach(f)"),
		S("a = 1\nb = 2", "a=1\nb=2"),
		S("throw\nx", "throw\nx"),
		S("break\nlabel", "break\nlabel"),
		S("a\n.5", "a\n.5"),
		S("x\n*gen() {}", "x\n*gen(){}"),
		S("a\n+b", "a\n+b"),
		S("a\r\nb", "a\nb"),
		S("a\rb", "a\nb"),
		S("a\n\n\n   b", "a\nb"),
		S("a = {\n  b: 1,\n  c: 2\n}\nf()", "a={b:1,c:2}\nf()"),
		S("x = a\n  .b\n  .c", "x=a.b.c"),
		S("if (x) {\n  y();\n}\n", "if(x){y();}"),
		S("f(a\n, b\n)\n;", "f(a,b);"),
		S("a =\n++b", "a=++b"),
		S("x = a\n? b\n: c", "x=a?b:c"),
		S("x = a\n=== b\n&& c\n|| d", "x=a===b&&c||d"),
		S("a = b +\n+c", "a=b+\n+c"),
		S("a = b <\n/c/", "a=b< /c/"),
		S("a = b -\n-c", "a=b-\n-c"),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

static void test_left_as_is(void **state)
{
	static const struct case_ t[] = {
		KEEP("a = \"abc"),
		KEEP("a = 'abc\nb' ;"),
		KEEP("a = \"abc\\"),
		KEEP("a = `abc"),
		KEEP("a = `abc\\"),
		KEEP("a = `${ b `"),
		KEEP("a = `${ b }"),
		KEEP("a = 1 /* open"),
		KEEP("a = 1 /* open *"),
		KEEP("x = /abc"),
		KEEP("x = /abc\n/"),
		KEEP("x = /a\\\n/"),
		KEEP("x = /a[/\n]/"),
		KEEP("a<!--b"),
		KEEP("a = 1 <!-- c\n}"),
		KEEP("a-->b"),
		KEEP("var \xc3\xa9 = 1 ;"),
		KEEP("var \\u0061 = 1 ;"),
		KEEP("a \x01 b"),
		KEEP("a \x7f b"),
		KEEP("a \0 b"),
		KEEP("a = 1 ;\0"),
		S("a = \"x\0y\" ;", "a=\"x\0y\";"),
		S("/* \0 */ a = 1", "a=1"),
		S("a = 1 // \0\n;", "a=1;"),
		S("", ""),
		S(" \t\n\v\f\r ", ""),
	};

	(void)state;
	check_table(t, sizeof t / sizeof *t);
}

/* SCRIPT_MIN_NEST templates, each in the ${ } of the one before, shrink;
 * one more is left as it is. */
static void test_nesting(void **state)
{
	(void)state;
	for (size_t depth = SCRIPT_MIN_NEST; depth <= SCRIPT_MIN_NEST + 1; depth++) {
		char in[8 * (SCRIPT_MIN_NEST + 2) + 16];
		size_t n = 0, m;
		char *b;

		n += (size_t)sprintf(in + n, "x = ");
		for (size_t k = 0; k < depth; k++)
			n += (size_t)sprintf(in + n, "`${ ");
		for (size_t k = 0; k < depth; k++)
			n += (size_t)sprintf(in + n, " }`");
		n += (size_t)sprintf(in + n, " ;");
		b = shrunk(in, n, &m);
		if (depth == SCRIPT_MIN_NEST) {
			assert_int_equal(m, n - 3);
			assert_memory_equal(b, "x=`${ ", 6);
			assert_memory_equal(b + m - 4, " }`;", 4);
		} else {
			assert_int_equal(m, n);
			assert_memory_equal(b, in, n);
		}
		free(b);
	}
}

/* Random bytes from an alphabet of JavaScript's awkward characters: never
 * longer, never out of bounds (run it under the sanitizers), and stable. */
static void test_random(void **state)
{
	static const char alpha[] = "ab1 \n\r\t/ *\"'`${}()[].+-<>!=?\\\0\xc3x";
	uint64_t seed = 42;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		char in[64];
		size_t n, m, m2;
		char *b, *b2;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		n = (size_t)(seed >> 58);
		for (size_t k = 0; k < n; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			in[k] = alpha[(seed >> 33) % (sizeof alpha - 1)];
		}
		b = shrunk(in, n, &m);
		b2 = shrunk(b, m, &m2);
		if (m2 != m || memcmp(b, b2, m) != 0)
			fail_msg("not stable: %.*s -> %.*s -> %.*s", (int)n, in, (int)m, b, (int)m2, b2);
		free(b2);
		free(b);
	}
	assert_int_equal(script_min_shrink(NULL, 0), 0);
}

/* The embedded scripts: each shrinks by a quarter at least, is stable, and
 * is still JavaScript that node accepts. */
static void test_shipped(void **state)
{
	static const char *const names[] = { "report.js", "call.js", "timeline.js", "zone.js" };
	char dir[] = "/tmp/rr-script-min-XXXXXX";
	int node = system("command -v node >/dev/null 2>&1") == 0;

	(void)state;
	if (node)
		assert_non_null(mkdtemp(dir));
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		const struct template_file *t = templates_find(names[k]);
		size_t m, m2;
		char *b, *b2;

		assert_non_null(t);
		b = shrunk((const char *)t->data, t->len, &m);
		assert_true(m < t->len * 3 / 4);
		b2 = shrunk(b, m, &m2);
		assert_int_equal(m2, m);
		assert_memory_equal(b2, b, m);
		if (node) {
			char path[64], cmd[128];
			FILE *f;

			snprintf(path, sizeof path, "%s/%s", dir, names[k]);
			assert_non_null(f = fopen(path, "wb"));
			assert_int_equal(fwrite(b, 1, m, f), m);
			assert_int_equal(fclose(f), 0);
			snprintf(cmd, sizeof cmd, "node --check %s", path);
			if (system(cmd) != 0)
				fail_msg("node --check: %s shrunk is not valid JavaScript", names[k]);
			assert_int_equal(unlink(path), 0);
		}
		free(b2);
		free(b);
	}
	if (node)
		assert_int_equal(rmdir(dir), 0);
	else
		printf("skipped: no node (node --check on the shrunk scripts)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_regex_or_division),
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_left_as_is),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
