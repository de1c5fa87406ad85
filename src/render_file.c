/*
 * render_file — the single-file report (-o FILE.html) in steps
 * (render_file_*, render_write_file): the overview up to its "calls" slot,
 * then each call's <section> as it comes (straight into the file when it is
 * next in model order, else kept in an unlinked temporary file until its
 * turn), then the overview's rest, through a temporary name and a rename.
 * Does not: decide what is on a page, or write the multi-page report
 * (render_write.c).
 */
#define _GNU_SOURCE 1   /* mkostemp */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLtree.h>
#include <libxml/xmlIO.h>

#include "render_int.h"
#include "report_index.h"
#include "util.h"

/* Comment put into the overview's "calls" slot in single-file mode, where
 * the call sections are streamed in (see render_file_begin). */
#define CALLS_MARK "roomreport:calls"

#define COPY_BUF 65536

/* ---- the single file in steps ---- */

/* Sets job->rc (and err, naming the file) for a failed step. */
static int file_fail(struct render_job *job, int rc, const char *path, char *err, size_t errlen)
{
	if (rc == RR_ENOMEM)
		set_err(err, errlen, path, "out of memory");
	else
		set_write_err(err, errlen, path, errno);
	job->rc = rc;
	return rc;
}

/* Appends n bytes to the output file; RR_OK or RR_EIO. */
static int file_put(struct render_job *job, const char *b, size_t n)
{
	errno = 0;
	if (n && fwrite(b, 1, n, job->f) != n)
		return RR_EIO;
	return ferror(job->f) ? RR_EIO : RR_OK;
}

/* Writes n bytes at b to fd, all of them; RR_OK or RR_EIO (errno set). */
static int fd_put(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return RR_EIO;
		}
		b += k;
		n -= (size_t)k;
	}
	return RR_OK;
}

/* The unlinked temporary file for sections that arrive early, in $TMPDIR
 * (else /tmp), with the per-call offsets. RR_OK; RR_EIO (err names it);
 * RR_ENOMEM. */
static int spill_open(struct render_job *job, char *err, size_t errlen)
{
	const char *d = getenv("TMPDIR");
	uint32_t nc = job->r->m->ncalls;

	if (!(job->soff = rr_calloc(nc, sizeof *job->soff)) ||
	    !(job->slen = rr_calloc(nc, sizeof *job->slen)) ||
	    !(job->spath = path_join(d && *d ? d : "/tmp", "roomreport-sections.XXXXXX")))
		return file_fail(job, RR_ENOMEM, job->path, err, errlen);
	if ((job->sfd = mkostemp(job->spath, O_CLOEXEC)) < 0) {
		set_err(err, errlen, job->spath, strerror(errno));
		return job->rc = RR_EIO;
	}
	/* Gone from the directory at once: whatever happens to us, nothing is
	 * left behind. */
	unlink(job->spath);
	return RR_OK;
}

/* Copies stored section i into the output file. */
static int spill_copy(struct render_job *job, uint32_t i, char *err, size_t errlen)
{
	uint64_t at = job->soff[i] - 1, left = job->slen[i];

	if (!job->copy && !(job->copy = rr_malloc(COPY_BUF)))
		return file_fail(job, RR_ENOMEM, job->path, err, errlen);
	while (left > 0) {
		size_t want = left < COPY_BUF ? (size_t)left : COPY_BUF;
		ssize_t k = pread(job->sfd, job->copy, want, (off_t)at);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			set_err(err, errlen, job->spath, k < 0 ? strerror(errno) : "read error");
			return job->rc = RR_EIO;
		}
		if (file_put(job, job->copy, (size_t)k) != RR_OK)
			return file_fail(job, RR_EIO, job->path, err, errlen);
		at += (uint64_t)k;
		left -= (uint64_t)k;
	}
	job->soff[i] = 0;
	return RR_OK;
}

/* Moves job->next past calls without a page and past stored sections,
 * copying those out. */
static int file_drain(struct render_job *job, char *err, size_t errlen)
{
	const struct report *r = job->r;
	int rc;

	for (; job->next < r->m->ncalls; job->next++) {
		if (!has_page(r, job->next))
			continue;
		if (!job->soff || !job->soff[job->next])
			break;
		if ((rc = spill_copy(job, job->next, err, errlen)) != RR_OK)
			return rc;
	}
	return RR_OK;
}

/* A ticket file (report_index.h) opens on its calls: the "calls" slot
 * moves to the start of <body>, after a head with the calls' findings
 * (render_index.c); the overview follows. The marker is still found from
 * the end: no value from the data can produce a comment's "<!--" (text
 * and attributes are escaped, the JSON escapes '<'). */
static int ticket_first(struct page *p, xmlNodePtr calls)
{
	xmlNodePtr body = calls->parent, first;

	if (!body || !(first = xmlFirstElementChild(body)))
		return RR_ENOMEM;
	if (first != calls) {
		xmlUnlinkNode(calls);
		if (!xmlAddPrevSibling(first, calls)) {
			xmlFreeNode(calls);
			return RR_ENOMEM;
		}
	}
	fill_ticket(p, xmlDocGetRootElement(p->doc), calls);
	return p->oom ? RR_ENOMEM : RR_OK;
}

int render_file_begin(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, struct render_job **out, char *err, size_t errlen)
{
	struct render_job *job;
	struct stat st;
	struct page p;
	xmlNodePtr calls, mark;
	const char *buf, *at = NULL;
	size_t n = strlen(path) + 16, len, mlen = strlen("<!--" CALLS_MARK "-->");
	int fd, rc;

	*out = NULL;
	if (!(job = rr_calloc(1, sizeof *job)) || !(job->path = rr_strndup(path, strlen(path)))) {
		rr_free(job);
		set_err(err, errlen, path, "out of memory");
		return RR_ENOMEM;
	}
	job->rd = rd;
	job->r = r;
	job->cat = cat;
	job->sfd = -1;
	/* A device (/dev/null, /dev/stdout) is written in place: renaming over
	 * it would replace the device node. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			set_err(err, errlen, path, "is a directory");
			render_file_abort(job);
			return RR_EIO;
		}
		if (!(job->f = fopen(path, "w"))) {
			set_err(err, errlen, path, strerror(errno));
			render_file_abort(job);
			return RR_EIO;
		}
	} else {
		if (!(job->ftmp = rr_malloc(n))) {
			set_err(err, errlen, path, "out of memory");
			render_file_abort(job);
			return RR_ENOMEM;
		}
		snprintf(job->ftmp, n, "%s.tmp.XXXXXX", path);
		fd = mkstemp(job->ftmp);
		if (fd < 0 || !(job->f = fdopen(fd, "w"))) {
			set_err(err, errlen, path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(job->ftmp);
			}
			rr_free(job->ftmp);
			job->ftmp = NULL;
			render_file_abort(job);
			return RR_EIO;
		}
		/* mkstemp makes the file private; give it the usual mode. */
		{
			mode_t mask = umask(0);

			umask(mask);
			fchmod(fd, 0666 & ~mask);
		}
	}

	/* The overview, serialized to memory with a marker comment in its
	 * "calls" slot, the last element of <body>; the bytes before the
	 * marker go out now. The marker is found searching from the end,
	 * after every value from the data, so no data can be mistaken for
	 * it. */
	rc = build_overview(rd, r, cat, 1, &p);
	calls = rc == RR_OK ? slot(&p, xmlDocGetRootElement(p.doc), "calls") : NULL;
	if (calls && r->index && r->index->ticket && ticket_first(&p, calls) != RR_OK)
		calls = NULL;
	mark = calls ? xmlNewDocComment(p.doc, (const xmlChar *)CALLS_MARK) : NULL;
	if (!mark || !xmlAddChild(calls, mark)) {
		xmlFreeNode(mark);
		rc = RR_ENOMEM;
	} else if (!(job->ov = xmlAllocOutputBuffer(NULL))) {
		rc = RR_ENOMEM;
	} else {
		htmlDocContentDumpFormatOutput(job->ov, p.doc, "UTF-8", 1);
		buf = (const char *)xmlOutputBufferGetContent(job->ov);
		len = xmlOutputBufferGetSize(job->ov);
		for (size_t i = len >= mlen ? len - mlen + 1 : 0; buf && i-- > 0;) {
			if (memcmp(buf + i, "<!--" CALLS_MARK "-->", mlen) == 0) {
				at = buf + i;
				break;
			}
		}
		if (!at || job->ov->error)
			rc = RR_ENOMEM;
	}
	page_free(&p);
	if (rc == RR_OK) {
		job->tail = at + mlen;
		job->tail_len = len - (size_t)(at - buf) - mlen;
		if (file_put(job, buf, (size_t)(at - buf)) != RR_OK)
			rc = RR_EIO;
	}
	/* The frame the sections are cut from, and their serializer. */
	if (rc == RR_OK && frame_open(&job->fr, rd->call, &call_frame_spec, 1, NULL, 0) != RR_OK)
		rc = RR_ENOMEM;          /* render_open checked the template */
	if (rc == RR_OK && ser_open(&job->save, &job->sk) != RR_OK)
		rc = RR_ENOMEM;
	if (rc != RR_OK) {
		file_fail(job, rc, path, err, errlen);
		render_file_abort(job);
		return rc;
	}
	page_lean_init(&job->cp, job->fr.doc, r, cat, 1);
	*out = job;
	return file_drain(job, err, errlen) == RR_OK ? RR_OK : (render_file_abort(job), RR_EIO);
}

int render_file_calls(struct render_job *job, const struct dataset *ds, const uint32_t *calls,
		      size_t n, char *err, size_t errlen)
{
	const struct report *r = job->r;
	struct report rv;
	struct dataset dv;
	struct frame_fill fl;
	char id[32];
	int rc = job->rc;

	report_view(r, ds, &rv, &dv);
	job->cp.r = &rv;
	for (size_t k = 0; k < n && rc == RR_OK; k++) {
		uint32_t i = list_call(calls, k);

		/* Not a page, or one already given: the contract says neither
		 * comes, and neither changes the file. */
		if (i >= r->m->ncalls || !has_page(r, i) || i < job->next ||
		    (job->soff && job->soff[i]))
			continue;
		if ((rc = callview_rebuild(&rv, job->cat, i, &job->v)) != RR_OK) {
			rc = file_fail(job, rc, job->path, err, errlen);
			break;
		}
		job->cp.oom = 0;
		job->sk.len = 0;
		call_fill(&fl, &job->v, id, sizeof id);
		if ((rc = frame_write(&job->fr, &job->cp, &fl, &job->save, &job->sk)) != RR_OK) {
			rc = file_fail(job, rc, job->path, err, errlen);
			break;
		}
		if (i == job->next) {
			if (file_put(job, job->sk.buf, job->sk.len) != RR_OK) {
				rc = file_fail(job, RR_EIO, job->path, err, errlen);
				break;
			}
			job->next++;
			rc = file_drain(job, err, errlen);
			continue;
		}
		if (job->sfd < 0 && (rc = spill_open(job, err, errlen)) != RR_OK)
			break;
		if (fd_put(job->sfd, job->sk.buf, job->sk.len) != RR_OK) {
			rc = file_fail(job, RR_EIO, job->spath, err, errlen);
			break;
		}
		job->soff[i] = job->send + 1;
		job->slen[i] = job->sk.len;
		job->send += job->sk.len;
	}
	job->cp.r = r;
	job->rc = rc;
	return rc;
}

int render_file_end(struct render_job *job, char *err, size_t errlen)
{
	int rc = job->rc, bad;

	/* Sections of calls never given would have stopped the drain: what
	 * follows them still goes out, in order. */
	while (rc == RR_OK && job->next < job->r->m->ncalls) {
		job->next++;
		rc = file_drain(job, err, errlen);
	}
	if (rc == RR_OK && file_put(job, job->tail, job->tail_len) != RR_OK)
		rc = file_fail(job, RR_EIO, job->path, err, errlen);
	if (rc != RR_OK) {
		render_file_abort(job);
		return rc;
	}
	errno = 0;
	bad = ferror(job->f) != 0;
	if (fclose(job->f) != 0)
		bad = 1;
	job->f = NULL;
	if (bad)
		rc = file_fail(job, RR_EIO, job->path, err, errlen);
	if (rc == RR_OK && job->ftmp && rename(job->ftmp, job->path) != 0) {
		set_err(err, errlen, job->path, strerror(errno));
		rc = RR_EIO;
	}
	if (rc == RR_OK) {
		rr_free(job->ftmp);
		job->ftmp = NULL;   /* it is the report now */
	}
	render_file_abort(job);
	return rc;
}

void render_file_abort(struct render_job *job)
{
	if (!job)
		return;
	if (job->f)
		fclose(job->f);
	if (job->ftmp)
		unlink(job->ftmp);
	if (job->sfd >= 0)
		close(job->sfd);
	if (job->ov)
		xmlOutputBufferClose(job->ov);
	ser_close(&job->save);
	frame_close(&job->fr);
	callview_free(&job->v);
	page_lean_free(&job->cp);
	rr_free(job->sk.buf);
	rr_free(job->soff);
	rr_free(job->slen);
	rr_free(job->copy);
	rr_free(job->spath);
	rr_free(job->ftmp);
	rr_free(job->path);
	rr_free(job);
}

/* Writes everything into one file: the steps above with every call at once,
 * in model order, so each section goes straight into the file. */
int render_write_file(struct render *rd, const struct report *r, const struct catalog *cat,
		      const char *path, char *err, size_t errlen)
{
	struct render_job *job;
	int rc;

	if ((rc = render_file_begin(rd, r, cat, path, &job, err, errlen)) != RR_OK)
		return rc;
	if ((rc = render_file_calls(job, r->ds, NULL, r->m->ncalls, err, errlen)) != RR_OK) {
		render_file_abort(job);
		return rc;
	}
	return render_file_end(job, err, errlen);
}
