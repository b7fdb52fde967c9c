/* git_pktline.c — pkt-lines, receive-pack update requests and the replies the git relay writes
 * (git_pktline.h; gitprotocol-common(5), gitprotocol-pack(5), gitprotocol-capabilities(5)). */
#include "git_pktline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int git_pkt_parse(const char *buf, size_t len, struct git_pkt *pkt, size_t *used)
{
	size_t n = 0;

	if (len < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		int v = hexval(buf[i]);
		if (v < 0)
			return -EINVAL;
		n = n * 16 + (size_t)v;
	}
	pkt->data = NULL;
	pkt->len = 0;
	if (n < 4) {
		if (n == 3)
			return -EINVAL;
		pkt->type = n == 0 ? GIT_PKT_FLUSH : n == 1 ? GIT_PKT_DELIM : GIT_PKT_END;
		*used = 4;
		return 1;
	}
	if (n > GIT_PKT_MAX)
		return -EINVAL;
	if (len < n)
		return 0;
	pkt->type = GIT_PKT_DATA;
	pkt->data = buf + 4;
	pkt->len = n - 4;
	*used = n;
	return 1;
}

void git_pkt_add(struct cordon_strbuf *b, const char *data, size_t len)
{
	char head[5];

	if (len > GIT_PKT_DATA_MAX)
		len = GIT_PKT_DATA_MAX;
	snprintf(head, sizeof(head), "%04zx", len + 4);
	cordon_sb_addn(b, head, 4);
	cordon_sb_addn(b, data, len);
}

void git_pkt_flush(struct cordon_strbuf *b)
{
	cordon_sb_addn(b, "0000", 4);
}

void git_sideband_add(struct cordon_strbuf *b, int band, bool small, const char *data, size_t len)
{
	char pkt[GIT_PKT_DATA_MAX];
	size_t max = small ? GIT_SIDEBAND_SMALL_MAX : GIT_SIDEBAND_MAX;

	do {
		size_t n = len > max ? max : len;
		pkt[0] = (char)band;
		memcpy(pkt + 1, data, n);
		git_pkt_add(b, pkt, n + 1);
		data += n;
		len -= n;
	} while (len > 0);
}

bool git_oid_is_zero(const char *oid)
{
	return *oid && oid[strspn(oid, "0")] == '\0';
}

/* oid_ok: exactly n lowercase hexadecimal digits. */
static bool oid_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* has_cap: does the capability list (n bytes, space-separated) name cap, alone or as cap=...? */
static bool has_cap(const char *caps, size_t n, const char *cap, const char **value)
{
	size_t cl = strlen(cap);

	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && caps[j] != ' ')
			j++;
		if (j - i >= cl && !memcmp(caps + i, cap, cl) &&
		    (j - i == cl || caps[i + cl] == '=')) {
			if (value)
				*value = j - i == cl ? NULL : caps + i + cl + 1;
			return true;
		}
		i = j + 1;
	}
	return false;
}

/* ref_name_ok: what receive-pack would accept as a ref name, as far as the relay's decision
 * needs: "refs/" and no bytes that would make the logged or matched name ambiguous. */
static bool ref_name_ok(const char *r, size_t n)
{
	if (n <= 5 || n > GIT_REF_MAX || memcmp(r, "refs/", 5) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r[i] <= 0x20 || r[i] == 0x7f)
			return false;
	return true;
}

/* parse_command: "old SP new SP name" (n bytes, LF already removed) into c. */
static int parse_command(const char *s, size_t n, size_t oid_len, struct git_push_cmd *c,
			 struct cordon_error *e)
{
	if (n < 2 * oid_len + 3 || s[oid_len] != ' ' || s[2 * oid_len + 1] != ' ' ||
	    !oid_ok(s, oid_len) || !oid_ok(s + oid_len + 1, oid_len))
		return cordon_error_set(e, EINVAL,
					"malformed command \"%.*s\" (expected OLD-ID NEW-ID REF)",
					(int)(n > 80 ? 80 : n), s);
	const char *ref = s + 2 * oid_len + 2;
	size_t rl = n - (2 * oid_len + 2);
	if (!ref_name_ok(ref, rl))
		return cordon_error_set(e, EINVAL, "bad ref name \"%.*s\" in a command",
					(int)(rl > 200 ? 200 : rl), ref);
	memcpy(c->old_oid, s, oid_len);
	c->old_oid[oid_len] = '\0';
	memcpy(c->new_oid, s + oid_len + 1, oid_len);
	c->new_oid[oid_len] = '\0';
	memcpy(c->ref, ref, rl);
	c->ref[rl] = '\0';
	return 0;
}

void git_push_req_free(struct git_push_req *req)
{
	free(req->cmds);
	memset(req, 0, sizeof(*req));
}

int git_push_req_parse(const char *buf, size_t len, struct git_push_req *req,
		       struct cordon_error *e)
{
	struct git_pkt pkt;
	size_t off = 0, used;
	int r;
	bool commands_done = false;

	memset(req, 0, sizeof(*req));
	req->oid_len = 40;
	for (;;) {
		r = git_pkt_parse(buf + off, len - off, &pkt, &used);
		if (r == 0) {
			git_push_req_free(req);
			return 0;
		}
		if (r < 0) {
			git_push_req_free(req);
			return cordon_error_set(e, EINVAL, "malformed pkt-line at byte %zu", off);
		}
		off += used;
		if (commands_done) {
			/* push options, one per line, until their flush-pkt */
			if (pkt.type == GIT_PKT_FLUSH)
				break;
			if (pkt.type != GIT_PKT_DATA) {
				git_push_req_free(req);
				return cordon_error_set(e, EINVAL,
							"unexpected packet among push "
							"options");
			}
			continue;
		}
		if (pkt.type == GIT_PKT_FLUSH) {
			if (req->n == 0) {
				/* an empty request: git's probe before a large POST
				 * (remote-curl.c probe_rpc), or nothing to update */
				req->pack_off = off;
				return 1;
			}
			if (!req->push_options)
				break;
			commands_done = true;
			continue;
		}
		if (pkt.type != GIT_PKT_DATA) {
			git_push_req_free(req);
			return cordon_error_set(e, EINVAL, "unexpected packet in the command list");
		}
		const char *d = pkt.data;
		size_t n = pkt.len;
		if (req->n == 0 && n >= 8 && !memcmp(d, "shallow ", 8))
			continue; /* *shallow before the commands */
		if (req->n == 0 && n >= 9 && !memcmp(d, "push-cert", 9) &&
		    (n == 9 || d[9] == '\0' || d[9] == '\n')) {
			git_push_req_free(req);
			return cordon_error_set(e, ENOTSUP,
						"signed pushes (push certificates, git push "
						"--signed) are not relayed");
		}
		if (n > 0 && d[n - 1] == '\n')
			n--;
		const char *nul = memchr(d, '\0', n);
		size_t cmd_len = nul ? (size_t)(nul - d) : n;
		if (req->n == 0 && nul) {
			const char *caps = nul + 1, *fmt = NULL;
			size_t cl = n - cmd_len - 1;
			req->report_status = has_cap(caps, cl, "report-status", NULL);
			req->report_status_v2 = has_cap(caps, cl, "report-status-v2", NULL);
			req->side_band_64k = has_cap(caps, cl, "side-band-64k", NULL);
			req->side_band = has_cap(caps, cl, "side-band", NULL);
			req->push_options = has_cap(caps, cl, "push-options", NULL);
			req->atomic = has_cap(caps, cl, "atomic", NULL);
			req->quiet = has_cap(caps, cl, "quiet", NULL);
			if (has_cap(caps, cl, "object-format", &fmt) && fmt) {
				if (cl - (size_t)(fmt - caps) >= 6 && !memcmp(fmt, "sha256", 6))
					req->oid_len = 64;
				else if (cl - (size_t)(fmt - caps) < 4 || memcmp(fmt, "sha1", 4)) {
					git_push_req_free(req);
					return cordon_error_set(e, EINVAL, "unknown object-format");
				}
			}
		} else if (nul) {
			git_push_req_free(req);
			return cordon_error_set(e, EINVAL, "NUL in a command after the first");
		}
		if (req->n >= GIT_PUSH_CMDS_MAX) {
			git_push_req_free(req);
			return cordon_error_set(e, E2BIG, "more than %d commands in one push",
						GIT_PUSH_CMDS_MAX);
		}
		struct git_push_cmd *v = realloc(req->cmds, (req->n + 1) * sizeof(*v));
		if (!v) {
			git_push_req_free(req);
			return cordon_error_set(e, ENOMEM, "out of memory");
		}
		req->cmds = v;
		if ((r = parse_command(d, cmd_len, req->oid_len, &v[req->n], e)) < 0) {
			git_push_req_free(req);
			return r;
		}
		req->n++;
	}
	req->pack_off = off;
	return 1;
}

void git_push_refusal(struct cordon_strbuf *b, const struct git_push_req *req,
		      const char *const *why, const char *banner)
{
	struct cordon_strbuf rs = {0};
	bool sb = req->side_band_64k || req->side_band;

	if (sb && banner && *banner)
		git_sideband_add(b, 2, !req->side_band_64k, banner, strlen(banner));
	git_pkt_add(&rs, "unpack ok\n", 10);
	for (size_t i = 0; i < req->n; i++) {
		struct cordon_strbuf line = {0};
		cordon_sb_addf(&line, "ng %s %s\n", req->cmds[i].ref,
			       why[i] ? why[i] : "refused: another ref of this push was refused");
		if (!line.oom)
			git_pkt_add(&rs, line.s, line.len);
		cordon_sb_free(&line);
	}
	git_pkt_flush(&rs);
	if (rs.oom) {
		b->oom = true;
	} else if (sb) {
		/* band 1 carries the report-status's own pkt-lines (receive-pack.c report()) */
		git_sideband_add(b, 1, !req->side_band_64k, rs.s, rs.len);
		git_pkt_flush(b);
	} else {
		cordon_sb_addn(b, rs.s, rs.len);
	}
	cordon_sb_free(&rs);
}

/* scan_report: report-status pkt-lines in buf. */
static int scan_report(const char *buf, size_t len,
		       void (*cb)(void *, bool, const char *, size_t, const char *, size_t),
		       void *arg)
{
	struct git_pkt pkt;
	size_t off = 0, used;
	int seen = 0;

	while (off < len) {
		int r = git_pkt_parse(buf + off, len - off, &pkt, &used);
		if (r <= 0)
			return r < 0 ? -EINVAL : seen;
		off += used;
		if (pkt.type != GIT_PKT_DATA)
			continue;
		const char *d = pkt.data;
		size_t n = pkt.len;
		if (n && d[n - 1] == '\n')
			n--;
		bool ok = n > 3 && !memcmp(d, "ok ", 3);
		if (!ok && !(n > 3 && !memcmp(d, "ng ", 3)))
			continue; /* "unpack ...", "option ..." */
		const char *ref = d + 3, *sp = memchr(ref, ' ', n - 3);
		size_t rl = sp ? (size_t)(sp - ref) : n - 3;
		const char *why = sp ? sp + 1 : "";
		size_t wl = sp ? n - 3 - rl - 1 : 0;
		cb(arg, ok, ref, rl, why, wl);
		seen++;
	}
	return seen;
}

int git_report_scan(const char *body, size_t len, bool sideband,
		    void (*cb)(void *arg, bool ok, const char *ref, size_t ref_len,
			       const char *reason, size_t reason_len),
		    void *arg)
{
	struct cordon_strbuf band1 = {0};
	struct git_pkt pkt;
	size_t off = 0, used;
	int r;

	if (!sideband)
		return scan_report(body, len, cb, arg);
	while (off < len) {
		r = git_pkt_parse(body + off, len - off, &pkt, &used);
		if (r < 0) {
			cordon_sb_free(&band1);
			return -EINVAL;
		}
		if (r == 0)
			break;
		off += used;
		if (pkt.type == GIT_PKT_DATA && pkt.len > 0 && pkt.data[0] == 1)
			cordon_sb_addn(&band1, pkt.data + 1, pkt.len - 1);
	}
	r = band1.oom ? -ENOMEM : scan_report(band1.s ? band1.s : "", band1.len, cb, arg);
	cordon_sb_free(&band1);
	return r;
}
