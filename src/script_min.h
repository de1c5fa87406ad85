/*
 * script_min — makes a page script (a .js file of templates/, or of a
 * --templates directory) smaller before it goes inline into every page,
 * without changing what it does.
 *
 * What goes: comments (// and block), the indentation, trailing spaces and
 * blank lines, and every space the tokens do not need. What stays byte for
 * byte: string literals, template literals (their ${...} parts included,
 * spaces and comments there too), regular expression literals, and
 * identifiers, numbers and punctuators. Where the source had white space or
 * a comment between two tokens, the output has:
 *   - a line break, when the source had one there (a newline or CR in the
 *     space, or inside a block comment) and it may matter for automatic
 *     semicolon insertion or a "no line break here" rule (return, break,
 *     continue, throw, yield, postfix ++/--). It is dropped only when the
 *     token before is one of { ( [ , ; : = * % & | ^ ! ~ < > ? . (after
 *     which no statement can end), or the token after is one of
 *     } ) ] , ; : ? = % & | ^ < > or a "." that does not start a number
 *     (none of which can start a statement or a class member, be a prefix
 *     ++/--, or follow a restricted keyword in a valid script);
 *   - else one space, when the two tokens would otherwise read differently:
 *     two identifier/number characters (a b, return x, 1 in), a number and
 *     ".", a regex and a letter (its flags), or two punctuation characters
 *     that together would begin a longer punctuator or a comment: + +,
 *     - -, / /, / *, < =, = =, ? ., . ., = >, and so on; also < ! , < /
 *     and - > so that the output never gains an HTML comment or an end
 *     tag (</script) the source did not have;
 *   - else nothing.
 * Nothing is ever added, so the output is never longer than the input.
 *
 * A "/" starts a regular expression at the start, after a punctuator other
 * than ) ] } and postfix ++/--, and after the keywords return typeof case
 * do else in of new delete void throw instanceof yield await (not when they
 * follow a ".", as property names); after anything else (a name, a number,
 * a string, ), ], }) it is division. A regex that begins a statement right
 * after ) or } (if (a) /x/.test(b)) is therefore read as division; write
 * such a regex in parentheses.
 *
 * Input it cannot classify is left exactly as it is (the whole script):
 * an unterminated string, template, regex or block comment; a byte outside
 * printable ASCII other than tab, VT, FF, CR and LF (non-ASCII, NUL, other
 * control characters) or a backslash anywhere but inside a literal or a
 * comment; "<!--" or "-->" in the code (HTML-like comments); templates
 * nested more than SCRIPT_MIN_NEST deep. Any bytes are safe to pass: it
 * never reads outside s[0..n).
 *
 * Deterministic; allocates nothing (works in place).
 * Does not: rename, reorder or otherwise rewrite tokens; check that the
 * script is valid JavaScript; look for "</script" (render does).
 */
#ifndef RR_SCRIPT_MIN_H
#define RR_SCRIPT_MIN_H

#include <stddef.h>

#define SCRIPT_MIN_NEST 64   /* template literals inside ${...}, at most */

/* Shrinks the script s of n bytes in place. Returns the new length m <= n;
 * s[0..m) is the smaller script and s[m..n) is left as it was (the caller
 * puts a NUL at s[m] when it needs one). Returns n with s unchanged when
 * the input is one that it leaves as it is (see above). s may be NULL only
 * when n is 0. */
size_t script_min_shrink(char *s, size_t n);

#endif
