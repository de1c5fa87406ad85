/*
 * script_min — page script shrinking (see script_min.h).
 *
 * One scan over the script, token by token. White space and comments
 * between two tokens are only noted (a gap: none, a space or a line
 * break); when the next token starts, the gap becomes "\n", " " or nothing
 * by the rules in the header. Literals are copied as they are. The scan
 * runs twice: a dry run that writes nothing and stops at the first thing
 * it cannot classify, then, when that found nothing, the same scan writing
 * over the input. Writing in place is safe because every write lands at or
 * before the byte being read (a gap of one byte or more becomes at most
 * one byte).
 */
#include "script_min.h"

#include <string.h>

enum kind { K_NONE, K_WORD, K_NUM, K_PUNCT, K_STR, K_RE };
enum gap { G_NONE, G_SPACE, G_LINE };

struct scan {
	const char *s;   /* the input (the same bytes as out in the second pass) */
	char *out;       /* NULL in the dry run */
	size_t n, i, w;  /* input length, read position, bytes written */
	enum kind prev;  /* the last token */
	char last;       /* its last byte */
	int re_ok;       /* a "/" here starts a regex */
	int incdec;      /* the last token ended in ++ or -- */
	enum gap gap;    /* white space and comments since the last token */
	size_t gap_at;   /* where they started */
	long depth;      /* open braces in code */
	size_t ntpl;     /* open ${ ... } of template literals */
	long tpl[SCRIPT_MIN_NEST];   /* depth at each open ${ */
	int bad;         /* found something it cannot classify */
};

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c == '#';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_line(unsigned char c)
{
	return c == '\n' || c == '\r';
}

/* 1 when c is one of the bytes in set (never for NUL). */
static int in(const char *set, unsigned char c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* The byte at i, or NUL past the end. */
static unsigned char at(const struct scan *sc, size_t i)
{
	return i < sc->n ? (unsigned char)sc->s[i] : '\0';
}

/* Copies input bytes [from, to) to the output (forward: w <= from). */
static void copy(struct scan *sc, size_t from, size_t to)
{
	if (sc->out) {
		for (size_t k = from; k < to; k++)
			sc->out[sc->w + (k - from)] = sc->s[k];
	}
	sc->w += to - from;
}

static void put(struct scan *sc, char c)
{
	if (sc->out)
		sc->out[sc->w] = c;
	sc->w++;
}

/* 1 when punctuation p then c, with nothing between, would read as one
 * longer token, a comment or an HTML marker. */
static int joins(unsigned char p, unsigned char c)
{
	if (c == '=' && in("<>=!+-*%&|^/?", p))
		return 1;
	if (p == c && in("+-*/<>&|?.=", p))
		return 1;
	return (p == '/' && c == '*') || (p == '<' && (c == '!' || c == '/')) ||
	       (p == '-' && c == '>') || (p == '?' && c == '.') || (p == '=' && c == '>') ||
	       (p == '.' && is_digit(c));
}

/* 1 when the line break before the next token (first byte c, a number when
 * num) cannot matter: see the header. */
static int line_optional(const struct scan *sc, unsigned char c, int num)
{
	if (sc->prev == K_PUNCT && in("{([,;:=*%&|^!~<>?.", (unsigned char)sc->last))
		return 1;
	if (c == '.')
		return !num;
	return in("})],;:?=%&|^<>", c);
}

/* Writes what the gap before the next token becomes; c is the token's first
 * byte, num 1 when it is a number. */
static void put_gap(struct scan *sc, unsigned char c, int num)
{
	unsigned char p = (unsigned char)sc->last;

	if (sc->gap == G_NONE || sc->prev == K_NONE)
		return;
	if (sc->ntpl) {   /* inside ${ ... }: kept as it was */
		copy(sc, sc->gap_at, sc->i);
		return;
	}
	if (sc->gap == G_LINE && !line_optional(sc, c, num)) {
		put(sc, '\n');
		return;
	}
	if ((is_word(p) && (is_word(c) || num)) || (sc->prev == K_NUM && c == '.') ||
	    (sc->prev == K_RE && is_word(c)) || joins(p, c))
		put(sc, ' ');
}

/* Notes the token just copied, which ended at sc->i. */
static void took(struct scan *sc, enum kind k)
{
	sc->prev = k;
	sc->last = sc->s[sc->i - 1];
	sc->gap = G_NONE;
}

/* Skips white space and comments from sc->i, noting the gap. */
static void skip_gap(struct scan *sc)
{
	for (;;) {
		unsigned char c = at(sc, sc->i);
		size_t start = sc->i;

		if (c == ' ' || c == '\t' || c == '\v' || c == '\f' || is_line(c)) {
			sc->i++;
		} else if (c == '/' && at(sc, sc->i + 1) == '/') {
			while (sc->i < sc->n && !is_line((unsigned char)sc->s[sc->i]))
				sc->i++;
		} else if (c == '/' && at(sc, sc->i + 1) == '*') {
			const char *end = NULL;

			for (size_t k = sc->i + 2; k + 1 < sc->n && !end; k++)
				if (sc->s[k] == '*' && sc->s[k + 1] == '/')
					end = sc->s + k;
			if (!end) {
				sc->bad = 1;
				return;
			}
			for (size_t k = sc->i; sc->s + k < end; k++)
				if (is_line((unsigned char)sc->s[k]))
					c = '\n';
			sc->i = (size_t)(end - sc->s) + 2;
		} else {
			return;
		}
		if (sc->gap == G_NONE)
			sc->gap_at = start;
		if (is_line(c))
			sc->gap = G_LINE;
		else if (sc->gap == G_NONE)
			sc->gap = G_SPACE;
	}
}

/* A string literal from sc->i (its quote) to after its closing quote. */
static void scan_string(struct scan *sc)
{
	unsigned char q = at(sc, sc->i);

	for (sc->i++; sc->i < sc->n; sc->i++) {
		unsigned char c = (unsigned char)sc->s[sc->i];

		if (c == q) {
			sc->i++;
			return;
		}
		if (is_line(c))
			break;
		if (c == '\\') {   /* an escape, or a line continuation (CR LF too) */
			if (at(sc, sc->i + 1) == '\r' && at(sc, sc->i + 2) == '\n')
				sc->i++;
			sc->i++;
		}
	}
	sc->bad = 1;
}

/* The text of a template literal from sc->i (after ` or the } that closed a
 * ${) to after its closing ` (returns 0) or after a "${" (returns 1). */
static int scan_template(struct scan *sc)
{
	for (; sc->i < sc->n; sc->i++) {
		unsigned char c = (unsigned char)sc->s[sc->i];

		if (c == '`') {
			sc->i++;
			return 0;
		}
		if (c == '$' && at(sc, sc->i + 1) == '{') {
			sc->i += 2;
			return 1;
		}
		if (c == '\\')
			sc->i++;
	}
	sc->bad = 1;
	return 0;
}

/* A regex literal from sc->i (its "/") to after its flags. */
static void scan_regex(struct scan *sc)
{
	int in_class = 0;

	for (sc->i++; sc->i < sc->n; sc->i++) {
		unsigned char c = (unsigned char)sc->s[sc->i];

		if (is_line(c))
			break;
		if (c == '\\') {
			if (is_line(at(sc, sc->i + 1)))
				break;
			sc->i++;
		} else if (c == '[') {
			in_class = 1;
		} else if (c == ']') {
			in_class = 0;
		} else if (c == '/' && !in_class) {
			for (sc->i++; sc->i < sc->n && is_word((unsigned char)sc->s[sc->i]); sc->i++)
				;
			return;
		}
	}
	sc->bad = 1;
}

/* 1 when the word s[from, to) is a keyword after which "/" starts a regex. */
static int regex_keyword(const char *s, size_t from, size_t to)
{
	static const char *const words[] = {
		"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void",
		"throw", "instanceof", "yield", "await", NULL };

	for (size_t k = 0; words[k]; k++)
		if (strlen(words[k]) == to - from && memcmp(words[k], s + from, to - from) == 0)
			return 1;
	return 0;
}

/* A template literal's text from sc->i, written; opens a ${ when it ends in
 * one. */
static void template_part(struct scan *sc, size_t from)
{
	if (scan_template(sc)) {
		if (sc->ntpl == SCRIPT_MIN_NEST) {
			sc->bad = 1;
			return;
		}
		sc->tpl[sc->ntpl++] = sc->depth++;
		copy(sc, from, sc->i);
		took(sc, K_PUNCT);
		sc->re_ok = 1;
		sc->incdec = 0;
		return;
	}
	copy(sc, from, sc->i);
	took(sc, K_STR);
	sc->re_ok = 0;
	sc->incdec = 0;
}

/* An identifier, keyword or number at sc->i. */
static void word(struct scan *sc)
{
	size_t from = sc->i;
	unsigned char c = at(sc, from);
	int num = is_digit(c) || c == '.';
	int after_dot = sc->prev == K_PUNCT && sc->last == '.';

	put_gap(sc, c, num);
	for (sc->i++; sc->i < sc->n && (is_word((unsigned char)sc->s[sc->i]) ||
					(num && sc->s[sc->i] == '.')); sc->i++)
		;
	sc->re_ok = !num && !after_dot && regex_keyword(sc->s, from, sc->i);
	sc->incdec = 0;
	copy(sc, from, sc->i);
	took(sc, num ? K_NUM : K_WORD);
}

/* One punctuation byte at sc->i. */
static void punct(struct scan *sc)
{
	size_t from = sc->i;
	unsigned char c = at(sc, from);
	int twice = sc->gap == G_NONE && sc->prev == K_PUNCT && (unsigned char)sc->last == c;

	if ((c == '<' && at(sc, from + 1) == '!' && at(sc, from + 2) == '-' &&
	     at(sc, from + 3) == '-') ||
	    (c == '-' && at(sc, from + 1) == '-' && at(sc, from + 2) == '>')) {
		sc->bad = 1;
		return;
	}
	put_gap(sc, c, 0);
	sc->i++;
	copy(sc, from, sc->i);
	took(sc, K_PUNCT);
	sc->incdec = (c == '+' || c == '-') && twice && !sc->incdec;
	sc->re_ok = !sc->incdec && !in(")]}", c);
	if (c == '{') {
		sc->depth++;
	} else if (c == '}') {
		sc->depth--;
		if (sc->ntpl && sc->depth == sc->tpl[sc->ntpl - 1]) {
			sc->ntpl--;
			template_part(sc, sc->i);
		}
	}
}

/* A string (k K_STR) or regex (K_RE) literal at sc->i, which scan finds
 * the end of; copied whole. */
static void literal(struct scan *sc, void (*scan)(struct scan *), enum kind k)
{
	size_t from = sc->i;

	put_gap(sc, at(sc, from), 0);
	scan(sc);
	if (sc->bad)
		return;
	copy(sc, from, sc->i);
	took(sc, k);
	sc->re_ok = sc->incdec = 0;
}

/* The token at sc->i (after its gap). */
static void token(struct scan *sc)
{
	size_t from = sc->i;
	unsigned char c = at(sc, from);

	if (c == '"' || c == '\'') {
		literal(sc, scan_string, K_STR);
	} else if (c == '`') {
		put_gap(sc, c, 0);
		sc->i++;
		template_part(sc, from);
	} else if (c == '/' && sc->re_ok) {
		literal(sc, scan_regex, K_RE);
	} else if (is_word(c) || (c == '.' && is_digit(at(sc, from + 1)))) {
		word(sc);
	} else if (c > ' ' && c < 0x7f && c != '\\') {
		punct(sc);
	} else {
		sc->bad = 1;
	}
}

/* One pass over the script; out NULL for the dry run. Returns the length
 * written, or n with bad set. */
static size_t run(const char *s, char *out, size_t n, int *bad)
{
	struct scan sc;

	memset(&sc, 0, sizeof sc);
	sc.s = s;
	sc.out = out;
	sc.n = n;
	sc.re_ok = 1;
	while (!sc.bad) {
		skip_gap(&sc);
		if (sc.bad || sc.i >= n)
			break;
		token(&sc);
	}
	if (sc.ntpl)
		sc.bad = 1;
	*bad = sc.bad;
	return sc.bad ? n : sc.w;
}

size_t script_min_shrink(char *s, size_t n)
{
	int bad;

	if (!s || n == 0)
		return 0;
	run(s, NULL, n, &bad);
	if (bad)
		return n;
	return run(s, s, n, &bad);
}
