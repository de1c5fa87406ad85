/*
 * render_write — writing the multi-page report: files created once in a
 * fresh sibling directory and swapped into place at the end (renameat2
 * RENAME_EXCHANGE), the call pages written in parallel (parallel_for), and
 * the directory report in steps (render_dir_*, render_write_dir).
 * Does not: decide what is on a page (render_overview.c, render_call.c),
 * serialize nodes (render_ser.c), or write the single file (render_file.c).
 */
#define _GNU_SOURCE 1   /* syscall() for renameat2 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fs.h>   /* RENAME_EXCHANGE */

#include <libxml/HTMLtree.h>
#include <libxml/xmlIO.h>

#include "parallel.h"
#include "render_int.h"
#include "util.h"

/* -------------------------------------------------------------- writing */

/* Writes doc to an open stream; RR_OK or RR_EIO. Through an output buffer
 * on the FILE with no encoder: that keeps UTF-8 as UTF-8 (the default
 * serializer writes entities instead). */
static int save_stream(xmlDocPtr doc, FILE *f)
{
	xmlOutputBufferPtr out = xmlOutputBufferCreateFile(f, NULL);

	if (!out)
		return RR_ENOMEM;
	htmlDocContentDumpFormatOutput(out, doc, "UTF-8", 1);
	return xmlOutputBufferClose(out) < 0 ? RR_EIO : RR_OK;
}

/* Creates path (it must not exist: our fresh temporary directory) and writes
 * doc into it. */
static int save_new(xmlDocPtr doc, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	FILE *f;
	int rc, bad;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		set_err(err, errlen, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return RR_EIO;
	}
	rc = save_stream(doc, f);
	errno = 0;
	bad = ferror(f) != 0;
	if (fclose(f) != 0)
		bad = 1;
	if (rc == RR_OK && bad)
		rc = RR_EIO;
	if (rc == RR_EIO)
		set_write_err(err, errlen, path, errno);
	else if (rc == RR_ENOMEM)
		set_err(err, errlen, path, "out of memory");
	return rc;
}

int build_overview(struct render *rd, const struct report *r, const struct catalog *cat,
		   int single, struct page *p)
{
	int rc = page_init(p, rd->overview, r, cat, single);

	if (rc != RR_OK)
		return rc;
	fill_overview(p, xmlDocGetRootElement(p->doc));
	return p->oom ? RR_ENOMEM : RR_OK;
}

/* Creates name in directory dfd (it must not exist: our fresh temporary
 * directory) holding the n bytes at b: one open, one write, one close.
 * RR_OK or RR_EIO (err names the file as dir/name). */
static int write_new_file(int dfd, const char *dir, const char *name, const char *b, size_t n,
			  char *err, size_t errlen)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), e;

	if (fd < 0) {
		e = errno;
		goto fail;
	}
	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s/%s: write error%s%s", dir, name,
					 k < 0 ? ": " : "", k < 0 ? strerror(errno) : "");
			close(fd);
			return RR_EIO;
		}
		b += k;
		n -= (size_t)k;
	}
	if (close(fd) == 0)
		return RR_OK;
	e = errno;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(e));
	return RR_EIO;
}

/* What one page-writing thread keeps from call to call: its frame (its own
 * copy of the template), the page state with its text scratch, the call
 * view's storage, and the output buffer with its sink. */
struct writer {
	struct frame frame;
	struct page page;
	struct callview view;
	struct sink sink;
	struct ser save;         /* into sink */
};

static void writer_close(struct writer *w)
{
	ser_close(&w->save);
	frame_close(&w->frame);
	callview_free(&w->view);
	page_lean_free(&w->page);
	rr_free(w->sink.buf);
	memset(w, 0, sizeof *w);
}

static int writer_open(struct writer *w, xmlDocPtr tmpl, const char *css, size_t css_len,
		       const struct report *r, const struct catalog *cat)
{
	int rc;

	memset(w, 0, sizeof *w);
	if ((rc = frame_open(&w->frame, tmpl, &call_frame_spec, 0, css, css_len)) != RR_OK)
		return rc;
	page_lean_init(&w->page, w->frame.doc, r, cat, 0);
	if (ser_open(&w->save, &w->sink) != RR_OK) {
		writer_close(w);
		return RR_ENOMEM;
	}
	return RR_OK;
}

/* Builds call i's view and page and writes it to name in dfd (dir, for
 * messages). */
static int write_call_page(struct writer *w, uint32_t i, int dfd, const char *dir,
			   const char *name, char *err, size_t errlen)
{
	struct frame_fill fl;
	char id[32];
	int rc;

	w->page.oom = 0;
	w->sink.len = 0;
	if ((rc = callview_rebuild(w->page.r, w->page.cat, i, &w->view)) == RR_OK) {
		call_fill(&fl, &w->view, id, sizeof id);
		rc = frame_write(&w->frame, &w->page, &fl, &w->save, &w->sink);
	}
	if (rc != RR_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s/%s: out of memory", dir, name);
		return rc;
	}
	return write_new_file(dfd, dir, name, w->sink.buf, w->sink.len, err, errlen);
}

/* Joins a and b with '/' into a new string; NULL when out of memory. */
char *path_join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = rr_malloc(na + nb + 2);

	if (s) {
		memcpy(s, a, na);
		s[na] = '/';
		memcpy(s + na + 1, b, nb + 1);
	}
	return s;
}

/* Removes dir/sub/ *.html (regular files) and then dir/sub when empty. */
static void remove_html_dir(const char *dir, const char *sub)
{
	char *calls = path_join(dir, sub);
	DIR *d;
	struct dirent *de;

	if (calls && (d = opendir(calls))) {
		int fd = dirfd(d);

		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			struct stat st;

			if (n > 5 && strcmp(de->d_name + n - 5, ".html") == 0 &&
			    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode))
				unlinkat(fd, de->d_name, 0);
		}
		closedir(d);
		rmdir(calls);
	}
	rr_free(calls);
}

/* Removes a report tree that we wrote: index.html, calls.html, calls/ *.html,
 * index/ *.html, then the directories. Anything else is left in place (rmdir
 * then fails and the directory stays): never delete what we could not have
 * written. */
static void remove_report_tree(const char *dir)
{
	char *idx = path_join(dir, "index.html");

	if (idx)
		unlink(idx);
	rr_free(idx);
	if ((idx = path_join(dir, "calls.html")))
		unlink(idx);
	rr_free(idx);
	remove_html_dir(dir, "calls");
	remove_html_dir(dir, "index");
	rmdir(dir);
}

/* 1 when dir may be replaced: an empty directory, or one holding index.html
 * (a previous report); 0 when not; -1 when out of memory. */
static int looks_like_report(const char *dir)
{
	char *idx = path_join(dir, "index.html");
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ok = 0;

	if (!idx)
		return -1;
	if (lstat(idx, &st) == 0 && S_ISREG(st.st_mode))
		ok = 1;
	rr_free(idx);
	if (ok)
		return 1;
	if (!(d = opendir(dir)))
		return 0;
	ok = 1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			ok = 0;
	closedir(d);
	return ok;
}

/* The message when dir was put in place by another run while this one was
 * writing (rename found a non-empty directory there): this run's report is
 * dropped, the other run's stays. */
static const char raced_msg[] =
	"another run wrote this report while this one was writing; nothing was lost "
	"\xe2\x80\x94 the other run's report is in place; run again or choose another -o";

static void set_rename_err(char *err, size_t errlen, const char *dir, int e)
{
	if (e == ENOTEMPTY || e == EEXIST)
		set_err(err, errlen, dir, raced_msg);
	else
		set_err(err, errlen, dir, strerror(e));
}

/* Puts the finished tree tmp at dir. When dir exists the two are exchanged
 * atomically (renameat2 RENAME_EXCHANGE) so readers see either report, and
 * the old one, now at tmp, is removed. On file systems without exchange, the
 * old tree is moved aside first. When another run puts its report at dir
 * between the check and the rename, this one's is dropped with a message
 * that says so (raced_msg). */
static int swap_into_place(const char *tmp, const char *dir, int exists, char *err, size_t errlen)
{
	if (!exists) {
		if (rename(tmp, dir) != 0) {
			set_rename_err(err, errlen, dir, errno);
			return RR_EIO;
		}
		return RR_OK;
	}
	if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
		remove_report_tree(tmp);
		return RR_OK;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
		set_err(err, errlen, dir, strerror(errno));
		return RR_EIO;
	}
	{
		size_t n = strlen(dir) + 16;
		char *old = rr_malloc(n);
		int rc = RR_OK;

		if (!old) {
			set_err(err, errlen, dir, "out of memory");
			return RR_ENOMEM;
		}
		/* A fresh unique name: create it, then let rename replace the
		 * empty directory. */
		snprintf(old, n, "%s.old.XXXXXX", dir);
		if (!mkdtemp(old) || rename(dir, old) != 0) {
			set_err(err, errlen, dir, strerror(errno));
			rc = RR_EIO;
		} else if (rename(tmp, dir) != 0) {
			set_rename_err(err, errlen, dir, errno);
			rename(old, dir);
			rc = RR_EIO;
		} else {
			remove_report_tree(old);
		}
		if (rc != RR_OK)
			rmdir(old);
		rr_free(old);
		return rc;
	}
}

/* ---- call pages, in parallel ---- */

/* At most this many page-writing threads. */
#define MAX_WORKERS 8

/*
 * The pages of one step, written by parallel_for parts. Calls are handed
 * out through a shared counter over the step's list; each part holds one
 * call's view and tree at a time and has its own copy of the template, so
 * parts share only read-only data (the report, the catalog, the string
 * table, the records). Pages do not depend on the order they are written
 * in, so the output is the same whatever the number of parts and the
 * scheduling.
 */
struct pages {
	const char *css;         /* the charts' stylesheet (read only) */
	size_t css_len;
	const struct report *r;  /* its ds holds the step's records */
	const struct catalog *cat;
	const char *dir;
	const char *calls_dir;   /* dir/calls */
	int dir_fd, calls_fd;    /* open on those two */
	const uint32_t *calls;   /* the step's calls; NULL: 0 .. ncalls - 1 */
	size_t ncalls;
	atomic_size_t next;
	atomic_int stop;
	struct worker {          /* per part */
		xmlDocPtr tmpl;          /* its copy of the parsed call template */
		int rc;
		uint32_t failed;         /* the call whose page failed (rc != RR_OK) */
		char err[512];
	} w[MAX_WORKERS];
};

uint32_t list_call(const uint32_t *calls, size_t k)
{
	return calls ? calls[k] : (uint32_t)k;
}

/* Part k: writes pages until the list is done or a page failed. */
static void pages_part(void *arg, unsigned k)
{
	struct pages *ps = arg;
	struct worker *w = &ps->w[k];
	struct writer wr;
	size_t j;

	/* libxml2's error handler is per thread. */
	xmlSetGenericErrorFunc(NULL, render_quiet);
	if ((w->rc = writer_open(&wr, w->tmpl, ps->css, ps->css_len, ps->r, ps->cat)) != RR_OK) {
		set_err(w->err, sizeof w->err, ps->dir, "out of memory");
		w->failed = 0;
		atomic_store(&ps->stop, 1);
		return;
	}
	while (!atomic_load(&ps->stop) && (j = atomic_fetch_add(&ps->next, 1)) < ps->ncalls) {
		uint32_t i = list_call(ps->calls, j);
		const char *name;

		if (i >= ps->r->m->ncalls || !has_page(ps->r, i))
			continue;
		/* Opened in calls/ itself: the kernel walks no path per page. */
		name = ps->r->call_file[i];
		if (strncmp(name, "calls/", 6) == 0)
			w->rc = write_call_page(&wr, i, ps->calls_fd, ps->calls_dir, name + 6, w->err,
						sizeof w->err);
		else
			w->rc = write_call_page(&wr, i, ps->dir_fd, ps->dir, name, w->err,
						sizeof w->err);
		if (w->rc != RR_OK) {
			w->failed = i;
			atomic_store(&ps->stop, 1);
		}
	}
	writer_close(&wr);
}

/* Opens dir and dir/calls for ps (calls_dir allocated). RR_OK, RR_EIO or
 * RR_ENOMEM, with err set. */
static int pages_open_dirs(struct pages *ps, const char *dir, char *err, size_t errlen)
{
	char *calls_dir;

	ps->dir = dir;
	ps->dir_fd = ps->calls_fd = -1;
	if (!(calls_dir = path_join(dir, "calls"))) {
		set_err(err, errlen, dir, "out of memory");
		return RR_ENOMEM;
	}
	ps->calls_dir = calls_dir;
	if ((ps->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (ps->calls_fd = open(calls_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_err(err, errlen, ps->dir_fd < 0 ? dir : calls_dir, strerror(errno));
		return RR_EIO;
	}
	return RR_OK;
}

static void pages_close_dirs(struct pages *ps)
{
	if (ps->dir_fd >= 0)
		close(ps->dir_fd);
	if (ps->calls_fd >= 0)
		close(ps->calls_fd);
	rr_free((char *)ps->calls_dir);
}

/* Writes the pages of the listed calls (NULL: every call; those without a
 * page skipped) into dir/calls/, with r (whose ds holds their records), on
 * rd->threads parts (0: one per online processor), at most MAX_WORKERS and
 * never more than there are pages. On failure err holds the message of the
 * lowest-numbered call that failed. */
static int write_call_pages(struct render *rd, const struct report *r, const struct catalog *cat,
			    const char *dir, const uint32_t *calls, size_t ncalls, char *err,
			    size_t errlen)
{
	struct pages *ps;
	unsigned n, k;
	size_t pages = 0;
	int rc;
	const struct worker *bad = NULL;

	for (size_t j = 0; j < ncalls; j++) {
		uint32_t i = list_call(calls, j);

		pages += i < r->m->ncalls && has_page(r, i);
	}
	if (pages == 0)
		return RR_OK;
	n = parallel_parts(rd->threads, MAX_WORKERS, pages, 1);
	if (!(ps = rr_calloc(1, sizeof *ps))) {
		set_err(err, errlen, dir, "out of memory");
		return RR_ENOMEM;
	}
	ps->r = r;
	ps->cat = cat;
	ps->css = rd->charts_css;
	ps->css_len = rd->charts_len;
	ps->calls = calls;
	ps->ncalls = ncalls;
	atomic_init(&ps->next, 0);
	atomic_init(&ps->stop, 0);
	rc = pages_open_dirs(ps, dir, err, errlen);
	/* Copied here, in one thread: libxml2 documents are not shared. */
	for (k = 0; k < n && rc == RR_OK; k++)
		if (!(ps->w[k].tmpl = xmlCopyDoc(rd->call, 1))) {
			set_err(err, errlen, dir, "out of memory");
			rc = RR_ENOMEM;
		}
	if (rc == RR_OK)
		parallel_for(n, pages_part, ps);
	for (k = 0; k < n; k++) {
		if (rc == RR_OK && ps->w[k].rc != RR_OK && (!bad || ps->w[k].failed < bad->failed))
			bad = &ps->w[k];
		if (ps->w[k].tmpl)
			xmlFreeDoc(ps->w[k].tmpl);
	}
	pages_close_dirs(ps);
	if (bad) {
		if (err && errlen)
			snprintf(err, errlen, "%s", bad->err);
		rc = bad->rc;
	}
	rr_free(ps);
	return rc;
}

/* ---- reports in steps ---- */


/* r with the records of ds: callview reads a call's records through r->ds
 * (its rec_first/rec_end index ds's), its strings and companion rows are
 * r->ds's anyway. */
void report_view(const struct report *r, const struct dataset *ds, struct report *rv,
		 struct dataset *dv)
{
	*dv = *r->ds;
	if (ds) {
		dv->recs = ds->recs;
		dv->nrecs = ds->nrecs;
	}
	*rv = *r;
	rv->ds = dv;
}

int render_dir_begin(struct render *rd, const struct report *r, const struct catalog *cat,
		     const char *dir, struct render_job **out, char *err, size_t errlen)
{
	struct render_job *job;
	struct stat st;
	char *path = NULL;
	size_t n;
	int rc;
	mode_t mask;

	*out = NULL;
	if (!(job = rr_calloc(1, sizeof *job)))
		goto nomem;
	job->rd = rd;
	job->r = r;
	job->cat = cat;
	job->sfd = -1;
	/* "report/" and "report" are the same directory; renaming needs the
	 * name without the slash. */
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!(job->base = rr_strndup(dir, n)))
		goto nomem;
	job->exists = lstat(job->base, &st) == 0;
	rc = 1;
	if (job->exists && S_ISDIR(st.st_mode) && (rc = looks_like_report(job->base)) < 0)
		goto nomem;
	if (job->exists && (!S_ISDIR(st.st_mode) || rc == 0)) {
		set_err(err, errlen, job->base, "exists and is not a roomreport report");
		render_dir_abort(job);
		return RR_EIO;
	}
	if (!(job->tmp = rr_malloc(n + 16)))
		goto nomem;
	snprintf(job->tmp, n + 16, "%s.tmp.XXXXXX", job->base);
	if (!mkdtemp(job->tmp)) {
		set_err(err, errlen, job->base, strerror(errno));
		rr_free(job->tmp);
		job->tmp = NULL;
		render_dir_abort(job);
		return RR_EIO;
	}
	/* mkdtemp makes the directory private; a report is as readable as any
	 * file the user creates. */
	mask = umask(0);
	umask(mask);
	chmod(job->tmp, 0777 & ~mask);
	if (!(path = path_join(job->tmp, "calls")))
		goto nomem;
	if (mkdir(path, 0777) != 0) {
		set_err(err, errlen, path, strerror(errno));
		rr_free(path);
		render_dir_abort(job);
		return RR_EIO;
	}
	rr_free(path);
	*out = job;
	return RR_OK;
nomem:
	set_err(err, errlen, dir, "out of memory");
	render_dir_abort(job);
	return RR_ENOMEM;
}

/* render_dir_calls, where calls == NULL stands for every call. */
static int dir_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		     size_t n, char *err, size_t errlen)
{
	struct report rv;
	struct dataset dv;

	if (job->rc != RR_OK)
		return job->rc;
	report_view(job->r, ds, &rv, &dv);
	job->rc = write_call_pages(job->rd, &rv, job->cat, job->tmp, calls, n, err, errlen);
	return job->rc;
}

int render_dir_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		     size_t n, char *err, size_t errlen)
{
	return n ? dir_calls(job, ds, calls, n, err, errlen) : job->rc;
}

/* calls.html and index/ *.html of the call index into job->tmp. */
static int write_index_pages(struct render_job *job, char *err, size_t errlen)
{
	uint32_t n = index_page_count(job->r);
	char *path = path_join(job->tmp, "index"), name[32];
	struct page p;
	int rc = RR_OK;

	if (!path)
		return RR_ENOMEM;
	if (mkdir(path, 0777) != 0) {
		set_err(err, errlen, path, strerror(errno));
		rr_free(path);
		return RR_EIO;
	}
	rr_free(path);
	path = NULL;
	for (uint32_t k = 0; k < n && rc == RR_OK; k++) {
		if ((rc = build_index_page(job->rd, job->r, job->cat, k, &p, name, sizeof name)) != RR_OK)
			set_err(err, errlen, name, "out of memory");
		else if (!(path = path_join(job->tmp, name)))
			rc = RR_ENOMEM;
		else
			rc = save_new(p.doc, path, err, errlen);
		page_free(&p);
		rr_free(path);
		path = NULL;
	}
	return rc;
}

int render_dir_end(struct render_job *job, char *err, size_t errlen)
{
	struct page p;
	char *path;
	int rc = job->rc;

	if (rc != RR_OK) {
		render_dir_abort(job);
		return rc;
	}
	if (!(path = path_join(job->tmp, "index.html"))) {
		set_err(err, errlen, job->base, "out of memory");
		render_dir_abort(job);
		return RR_ENOMEM;
	}
	if ((rc = build_overview(job->rd, job->r, job->cat, 0, &p)) == RR_OK)
		rc = save_new(p.doc, path, err, errlen);
	else
		set_err(err, errlen, path, "out of memory");
	page_free(&p);
	rr_free(path);
	/* The call index without scripts (render_index_pages.c). */
	if (rc == RR_OK)
		rc = write_index_pages(job, err, errlen);
	if (rc == RR_OK)
		rc = swap_into_place(job->tmp, job->base, job->exists, err, errlen);
	if (rc == RR_OK) {
		rr_free(job->tmp);
		job->tmp = NULL;    /* nothing left to remove */
	}
	render_dir_abort(job);
	return rc;
}

void render_dir_abort(struct render_job *job)
{
	if (!job)
		return;
	if (job->tmp)
		remove_report_tree(job->tmp);
	rr_free(job->tmp);
	rr_free(job->base);
	rr_free(job);
}

int render_write_dir(struct render *rd, const struct report *r, const struct catalog *cat,
		     const char *dir, char *err, size_t errlen)
{
	struct render_job *job;
	int rc;

	if ((rc = render_dir_begin(rd, r, cat, dir, &job, err, errlen)) != RR_OK)
		return rc;
	if ((rc = dir_calls(job, r->ds, NULL, r->m->ncalls, err, errlen)) != RR_OK) {
		render_dir_abort(job);
		return rc;
	}
	return render_dir_end(job, err, errlen);
}
