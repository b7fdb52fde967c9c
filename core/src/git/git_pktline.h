/* git_pktline.h — private to the git relay: git's pkt-line framing (gitprotocol-common(5)), the
 * update request of receive-pack (gitprotocol-pack(5) "Reference Update Request and Packfile
 * Transfer"), and the side-band / report-status replies the relay writes when it refuses. */
#ifndef CORDON_GIT_PKTLINE_H
#define CORDON_GIT_PKTLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "cordon/error.h"
#include "cordon/strbuf.h"

/* Largest pkt-line, length prefix included (gitprotocol-common(5): 65520 bytes, so at most
 * 65516 bytes of data). */
#define GIT_PKT_MAX 65520
#define GIT_PKT_DATA_MAX (GIT_PKT_MAX - 4)
/* Data bytes of one side-band-64k packet (the band byte takes one), and of one packet of the
 * older side-band, whose packets are at most 1000 bytes (gitprotocol-capabilities(5)). */
#define GIT_SIDEBAND_MAX (GIT_PKT_DATA_MAX - 1)
#define GIT_SIDEBAND_SMALL_MAX (1000 - 4 - 1)

enum git_pkt_type {
	GIT_PKT_DATA,  /* "LLLL" + data */
	GIT_PKT_FLUSH, /* "0000" */
	GIT_PKT_DELIM, /* "0001" (protocol v2) */
	GIT_PKT_END,   /* "0002" response-end (protocol v2) */
};

struct git_pkt {
	enum git_pkt_type type;
	const char *data; /* GIT_PKT_DATA: points into the buffer given */
	size_t len;
};

/* git_pkt_parse: the pkt-line at the start of buf (len bytes available): four hexadecimal digits
 * giving the length of the whole line (prefix included), then the data. "0003" and lengths above
 * GIT_PKT_MAX are malformed (gitprotocol-common(5) "pkt-line Format").
 * Returns 1 with *pkt and *used (bytes taken), 0 when buf holds only part of a line, or -EINVAL
 * for a malformed prefix. */
int git_pkt_parse(const char *buf, size_t len, struct git_pkt *pkt, size_t *used);

/* git_pkt_add: append one pkt-line with len bytes of data (len <= GIT_PKT_DATA_MAX; longer data
 * is cut). git_pkt_flush: append "0000". */
void git_pkt_add(struct cordon_strbuf *b, const char *data, size_t len);
void git_pkt_flush(struct cordon_strbuf *b);

/* git_sideband_add: append len bytes of data as packets of side band `band` (1 data, 2
 * progress, 3 error; gitprotocol-pack(5) side-band-64k), GIT_SIDEBAND_MAX bytes each, or
 * GIT_SIDEBAND_SMALL_MAX when small (the client asked for side-band, not side-band-64k). */
void git_sideband_add(struct cordon_strbuf *b, int band, bool small, const char *data, size_t len);

/* One command of an update request. */
#define GIT_OID_MAX 64	       /* hexadecimal digits of a SHA-256 object name */
#define GIT_REF_MAX 1024       /* longest ref name taken */
#define GIT_PUSH_CMDS_MAX 1024 /* commands in one request */

struct git_push_cmd {
	char old_oid[GIT_OID_MAX + 1], new_oid[GIT_OID_MAX + 1];
	char ref[GIT_REF_MAX + 1];
};

/* git_oid_is_zero: the zero-id (all '0'), which stands for "no object" (create / delete). */
bool git_oid_is_zero(const char *oid);

struct git_push_req {
	struct git_push_cmd *cmds; /* malloc'd; free with git_push_req_free */
	size_t n;
	size_t oid_len; /* 40 (sha1) or 64 (object-format=sha256) */
	/* capabilities the client asked for on its first command (gitprotocol-capabilities(5)) */
	bool report_status, report_status_v2, side_band_64k, side_band, push_options, atomic, quiet;
	size_t pack_off; /* offset of the packfile (or of the end) after commands and options */
};

/* git_push_req_parse: the update request at the start of a receive-pack POST body (len bytes
 * read so far): *shallow lines, a command list ("old-id SP new-id SP name", the first with NUL
 * and the capability list, an LF allowed at the end) ended by a flush-pkt, and the push options
 * and their flush-pkt when push-options was asked for (gitprotocol-pack(5)).
 * Returns 1 when the request is complete (req filled, req->pack_off set), 0 when more bytes are
 * needed, -EINVAL with e->msg saying what is malformed, -ENOTSUP for a push certificate
 * (`git push --signed`, not relayed), -E2BIG beyond GIT_PUSH_CMDS_MAX commands. On 0 or an
 * error req holds nothing to free. */
int git_push_req_parse(const char *buf, size_t len, struct git_push_req *req,
		       struct cordon_error *e);
void git_push_req_free(struct git_push_req *req);

/* git_push_refusal: the whole receive-pack result refusing every command of req: the reason
 * on side band 2 when the client asked for side-band(-64k) (shown as "remote: ..."), then the
 * report-status ("unpack ok", "ng REF REASON" per command; why[i] is command i's reason, NULL
 * for "refused: another ref of this push was refused"), inside band 1 with a side band, and the
 * final flush-pkt (gitprotocol-pack(5) "Report Status"). */
void git_push_refusal(struct cordon_strbuf *b, const struct git_push_req *req,
		      const char *const *why, const char *banner);

/* git_report_scan: the report-status a remote sent back (body: the receive-pack result, len
 * bytes, side-band-64k demultiplexed when sideband), calling cb for each "ok REF" (ok true) and
 * "ng REF REASON" line. Returns the number of lines seen, or -EINVAL when the body is not a
 * well-formed result. */
int git_report_scan(const char *body, size_t len, bool sideband,
		    void (*cb)(void *arg, bool ok, const char *ref, size_t ref_len,
			       const char *reason, size_t reason_len),
		    void *arg);

#endif
