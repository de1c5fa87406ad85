/*
 * ingest_header — an export's header line: column names (case, '_', '-',
 * spaces and tabs ignored; aliases folded) to positions, the kind of file
 * the columns describe, the first required column it lacks, and what a
 * refused header looks like instead (JSON, another delimiter, the tool's own
 * sessions CSV).
 * Does not: read data rows (ingest_row.c, ingest_fast.c) or word the errors
 * (ingest.c).
 */
#include "ingest_int.h"

/* Canonical names, used in messages. */
const char *const ingest_col_name[COL__COUNT] = {
	[COL_ROOM] = "RoomId", [COL_USER] = "UserId", [COL_TIME] = "Time",
	[COL_EVENTTIME] = "EventTime", [COL_EVENTID] = "EventId",
	[COL_P1] = "ParamOne", [COL_P2] = "ParamTwo", [COL_TYPE] = "Type",
	[COL_PEER] = "PeerId", [COL_COMM] = "CommId", [COL_SDKAPPID] = "SdkAppId",
	[COL_EXPID] = "ExperienceId", [COL_ABNID] = "AbnormalEventId",
	[COL_DATATYPE] = "DataType", [COL_VALUE] = "Value", [COL_JOINTS] = "JoinTs",
	[COL_LEAVETS] = "LeaveTs", [COL_DEVICETYPE] = "DeviceType",
	[COL_SDKVERSION] = "SdkVersion", [COL_CLIENTIP] = "ClientIp",
	[COL_FINISHED] = "Finished", [COL_CREATETIME] = "CreateTime",
	[COL_DESTROYTIME] = "DestroyTime", [COL_ISFINISHED] = "IsFinished",
};

/* Header names after normalisation (lower case, no '_' '-' ' '). */
static const struct {
	const char *norm;
	enum col col;
} aliases[] = {
	{ "roomid", COL_ROOM }, { "roomstr", COL_ROOM }, { "roomstring", COL_ROOM },
	{ "userid", COL_USER },
	{ "time", COL_TIME }, { "timestamp", COL_TIME },
	{ "eventtime", COL_EVENTTIME },
	{ "eventid", COL_EVENTID },
	{ "paramone", COL_P1 }, { "param1", COL_P1 },
	{ "paramtwo", COL_P2 }, { "param2", COL_P2 },
	{ "type", COL_TYPE },
	{ "peerid", COL_PEER },
	{ "commid", COL_COMM },
	{ "sdkappid", COL_SDKAPPID },
	{ "experienceid", COL_EXPID },
	{ "abnormaleventid", COL_ABNID },
	{ "datatype", COL_DATATYPE }, { "value", COL_VALUE },
	{ "joints", COL_JOINTS }, { "leavets", COL_LEAVETS },
	{ "devicetype", COL_DEVICETYPE }, { "sdkversion", COL_SDKVERSION },
	{ "clientip", COL_CLIENTIP }, { "finished", COL_FINISHED },
	{ "createtime", COL_CREATETIME }, { "destroytime", COL_DESTROYTIME },
	{ "isfinished", COL_ISFINISHED },
};

/* ---- header ------------------------------------------------------------------ */

static int lookup_column(const char *s, size_t n)
{
	char norm[24];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '_' || c == '-' || c == ' ' || c == '\t')
			continue;
		if (k + 1 >= sizeof norm)
			return -1;
		norm[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	norm[k] = '\0';
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(norm, aliases[i].norm) == 0)
			return (int)aliases[i].col;
	}
	return -1;
}

/* Maps the header. Returns RR_OK or RR_ENOMEM (notes). */
int ingest_map_header(struct ctx *c, const struct reader_record *h, int *known)
{
	*known = 0;
	for (int i = 0; i < COL__COUNT; i++)
		c->idx[i] = -1;
	memset(c->col_at, -1, sizeof c->col_at);
	c->ncols = h->nfields;
	for (size_t i = 0; i < h->nfields; i++) {
		int col = lookup_column(h->field[i], h->len[i]);
		if (col < 0)
			continue;
		(*known)++;
		if (c->idx[col] >= 0) {
			if (diag_note(&c->ds->diag, "%s: column %zu is another '%s'; the first one (column %d) is used",
				      c->name, i + 1, ingest_col_name[col], c->idx[col] + 1) != RR_OK)
				return RR_ENOMEM;
			continue;
		}
		c->idx[col] = (int)i;
		c->col_at[i] = (signed char)col;
	}
	return RR_OK;
}


/* The companion kind the header describes, or FK_RECORDS when none. Only
 * asked when the header has no EventId/ExperienceId/AbnormalEventId. */
enum file_kind ingest_companion_kind(const struct ctx *c)
{
	if (has(c, COL_DATATYPE))
		return FK_QUALITY;
	if (has(c, COL_JOINTS) || has(c, COL_LEAVETS) || has(c, COL_DEVICETYPE) ||
	    has(c, COL_SDKVERSION) || has(c, COL_CLIENTIP) || has(c, COL_FINISHED))
		return FK_USERS;
	if (has(c, COL_CREATETIME) || has(c, COL_DESTROYTIME) || has(c, COL_ISFINISHED))
		return FK_ROOMS;
	return FK_RECORDS;
}

/* The first required column the header lacks for the row kinds it allows,
 * or -1. *kind names that kind. */
int ingest_missing_column(const struct ctx *c, const char **kind)
{
	static const enum col ev_req[] = { COL_ROOM, COL_USER, COL_TIME, COL_EVENTID };
	static const enum col user_req[] = { COL_ROOM, COL_USER };
	static const enum col room_req[] = { COL_ROOM, COL_COMM };
	static const enum col q_req[] = { COL_USER, COL_DATATYPE, COL_TIME, COL_VALUE };
	const enum col *req = NULL;
	size_t nreq = 0;

	switch (c->kind) {
	case FK_USERS:
		*kind = "users";
		req = user_req;
		nreq = sizeof user_req / sizeof user_req[0];
		break;
	case FK_ROOMS:
		*kind = "rooms";
		req = room_req;
		nreq = sizeof room_req / sizeof room_req[0];
		break;
	case FK_QUALITY:
		*kind = "quality";
		req = q_req;
		nreq = sizeof q_req / sizeof q_req[0];
		break;
	case FK_RECORDS:
		break;
	}
	for (size_t i = 0; i < nreq; i++) {
		if (!has(c, req[i]))
			return (int)req[i];
	}
	if (req)
		return -1;

	if (has(c, COL_EVENTID) || !(has(c, COL_EXPID) || has(c, COL_ABNID))) {
		*kind = "event";
		for (size_t i = 0; i < sizeof ev_req / sizeof ev_req[0]; i++) {
			if (!has(c, ev_req[i]))
				return (int)ev_req[i];
		}
	}
	if (has(c, COL_EXPID) || has(c, COL_ABNID)) {
		*kind = "abnormal";
		if (!has(c, COL_ROOM))
			return COL_ROOM;
		if (!has(c, COL_USER))
			return COL_USER;
		if (!has(c, COL_EVENTTIME) && !has(c, COL_TIME))
			return COL_EVENTTIME;
	}
	return -1;
}

/* ---- headers that are no export ---------------------------------------------- */

/* 1 when raw, split at sep, has two or more fields and one of them is a
 * known column. */
static int split_has_column(const char *raw, size_t n, char sep)
{
	size_t start = 0, fields = 0;
	int known = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && raw[i] != sep)
			continue;
		fields++;
		if (lookup_column(raw + start, i - start) >= 0 ||
		    (i - start >= 2 && raw[start] == '"' && raw[i - 1] == '"' &&
		     lookup_column(raw + start + 1, i - start - 2) >= 0))
			known = 1;
		start = i + 1;
	}
	return fields >= 2 && known;
}

static int has_name(const struct reader_record *h, const char *norm)
{
	char buf[24];

	for (size_t i = 0; i < h->nfields; i++) {
		size_t k = 0;

		for (size_t j = 0; j < h->len[i] && k + 1 < sizeof buf; j++) {
			char ch = h->field[i][j];
			if (ch == '_' || ch == '-' || ch == ' ')
				continue;
			buf[k++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
		}
		buf[k] = '\0';
		if (strcmp(buf, norm) == 0)
			return 1;
	}
	return 0;
}

enum ingest_misfit ingest_header_misfit(const char *raw, size_t raw_len,
					const struct reader_record *h)
{
	size_t i = 0;

	if (raw_len >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < raw_len && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n'))
		i++;
	if (i < raw_len && (raw[i] == '{' || raw[i] == '['))
		return MISFIT_JSON;
	if (h && has_name(h, "startms") && has_name(h, "exitreason"))
		return MISFIT_SESSIONS_CSV;
	if (memchr(raw, ';', raw_len) && split_has_column(raw + i, raw_len - i, ';'))
		return MISFIT_SEMICOLON;
	if (memchr(raw, '\t', raw_len) && split_has_column(raw + i, raw_len - i, '\t'))
		return MISFIT_TAB;
	return MISFIT_NONE;
}
