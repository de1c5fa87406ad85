/*
 * inputs — the list of input files of a run: the command line's FILE
 * arguments in order, each directory among them replaced by the CSV files
 * below it, and the paths of --files-from.
 * Does not: read any file's rows (ingest), print or exit.
 */
#ifndef RR_INPUTS_H
#define RR_INPUTS_H

#include <stddef.h>

/* The expanded list. Owns its paths; inputs_free releases them. */
struct inputs {
	char **path;           /* n paths, in the order to read them */
	size_t n, cap;
	size_t skipped;        /* files below directories that are not CSV */
	char *first_skipped;   /* the first of them (owned), or NULL */
};

/*
 * Appends arg: a directory ("stat" follows a link given here) becomes
 * every file below it whose content is CSV — its first bytes are gzip's
 * magic, or its first line (after a UTF-8 BOM) is text with a comma and
 * does not start with '{' or '[' — in byte order of the full path;
 * entries whose name starts with '.' are skipped, links to directories are
 * not followed (so no loop), links to files are read as files. Other files
 * below it (not CSV, empty, unreadable as a start) are counted in skipped.
 * Anything else (a file, "-", a path that does not exist) is appended as
 * given, for the reader to open or refuse.
 * Returns RR_OK; RR_EDATA when a directory has no CSV file below it, RR_EIO
 * when a directory cannot be read (err gets "path: reason" in both);
 * RR_ENOMEM. On error the list keeps what was appended before.
 */
int inputs_add(struct inputs *in, const char *arg, char *err, size_t errlen);

/*
 * Appends the paths listed in file list ("-" = stdin), one a line (LF or
 * CRLF; empty lines skipped), each as inputs_add does. Returns RR_OK,
 * RR_EIO when the list cannot be read ("list: reason"), or inputs_add's
 * errors.
 */
int inputs_add_list(struct inputs *in, const char *list, char *err, size_t errlen);

void inputs_free(struct inputs *in);

#endif
