/* git_worker.c — one connection of the git endpoint, served by a child of the session process
 * (git_relay.h): git's smart HTTP protocol (gitprotocol-http(5)) relayed to the real remote over
 * TLS with the credential from outside; pushes decided by the push policy before the remote sees
 * them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cordon/vlog.h"
#include "git_ancestry.h"
#include "git_credential.h"
#include "git_http.h"
#include "git_push_policy.h"
#include "git_relay.h"
#include "proxy/proxy_peer.h"
#include "tls_client.h"

#define CLIENT_TIMEOUT_MS 120000
#define UPSTREAM_TIMEOUT_MS 300000
#define PUSH_BODY_MAX (2LL << 30) /* a receive-pack request held for the decision, bytes */
#define PUSH_HEAD_MAX (4 << 20)	  /* the command list is read from this much of it */
#define SIGN_BODY_MAX (16 << 20)  /* a commit or tag to sign */
#define REPORT_MAX (1 << 20)	  /* a remote's receive-pack result kept to read its report */

enum service { SVC_NONE, SVC_UPLOAD, SVC_RECEIVE };

/* fmt: snprintf(3) for messages and log fields, where cutting a long URL short is intended. */
static int __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n;
}

struct request {
	struct git_http_msg *m;
	struct git_io *client;
	int cfd;
	bool post;
	enum service svc;
	char authority[300]; /* as in the URL */
	char host[256];	     /* without brackets and port, for the log and TLS */
	uint16_t port;
	char path[PATH_MAX];	      /* the repository path, from '/' */
	char upstream[PATH_MAX + 64]; /* path?query sent to the remote */
	char url[PATH_MAX + 320];     /* https://authority/path, for messages and the log */
};

void git_worker_respond(int cfd, int status, const char *text)
{
	char head[256];
	const char *reason = status == 403   ? "Forbidden"
			     : status == 400 ? "Bad Request"
			     : status == 413 ? "Payload Too Large"
			     : status == 502 ? "Bad Gateway"
			     : status == 503 ? "Service Unavailable"
			     : status == 200 ? "OK"
					     : "Error";
	size_t tl = strlen(text);
	int n = fmt(head, sizeof(head),
		    "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Length: %zu\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
		    status, reason, tl);
	struct git_io io;
	git_io_fd(&io, &cfd);
	if (io.write(io.arg, head, (size_t)n) == 0)
		io.write(io.arg, text, tl);
}

void git_worker_vlog(const struct git_relay *r, int cfd, const char *host, uint16_t port,
		     const char *reason)
{
	struct cordon_vlog_entry v;
	int fd;

	memset(&v, 0, sizeof(v));
	v.time = time(NULL);
	fmt(v.host, sizeof(v.host), "%s", host);
	v.port = port;
	fmt(v.reason, sizeof(v.reason), "%s", reason);
	fmt(v.proto, sizeof(v.proto), "git");
	(void)px_peer_pid(cfd, PX_PEER_BUDGET_US, &v.pid);
	if (!r->log_path[0] || (fd = cordon_vlog_open(r->log_path, NULL)) < 0)
		return;
	(void)cordon_vlog_append(fd, &v, NULL); /* one write(2) with O_APPEND: no interleaving */
	close(fd);
}

/* clean: s without tabs and control bytes (an event line's field). */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void git_worker_report(const struct git_relay *r, const struct git_relay_event *ev)
{
	struct git_relay_event c = *ev;
	char line[2048];

	clean(c.what);
	clean(c.ref);
	clean(c.result);
	clean(c.detail);
	clean(c.old_oid);
	clean(c.new_oid);
	int n = fmt(line, sizeof(line), "%c\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", c.kind,
		    (long long)c.time, c.what, c.ref, c.old_oid, c.new_oid, c.result, c.detail);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(r->report_w, line, (size_t)n); /* < PIPE_BUF: one atomic write */
}

static void push_event(const struct git_relay *r, const struct request *q,
		       const struct git_push_cmd *c, const char *result, const char *detail)
{
	struct git_relay_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = 'P';
	ev.time = time(NULL);
	fmt(ev.what, sizeof(ev.what), "%s", q->url);
	fmt(ev.ref, sizeof(ev.ref), "%s", c->ref);
	fmt(ev.old_oid, sizeof(ev.old_oid), "%s", c->old_oid);
	fmt(ev.new_oid, sizeof(ev.new_oid), "%s", c->new_oid);
	fmt(ev.result, sizeof(ev.result), "%s", result);
	fmt(ev.detail, sizeof(ev.detail), "%s", detail ? detail : "");
	git_worker_report(r, &ev);
}

/* route: the request-target into q: "/git/AUTHORITY/PATH/info/refs?service=git-upload-pack"
 * (or git-receive-pack), "/git/AUTHORITY/PATH/git-upload-pack" or ".../git-receive-pack" (POST).
 * Returns 0, or a status (400/403) with msg set. */
static int route(struct request *q, const char *target, const char *method, char *msg, size_t len)
{
	static const char smart_only[] =
	    "cordon: the git endpoint relays git's smart HTTP protocol only "
	    "(GET .../info/refs?service=..., POST .../git-upload-pack or .../git-receive-pack)\n";
	char t[PATH_MAX + 320];
	const char *query = NULL;

	if (strncmp(target, GIT_RELAY_PREFIX, strlen(GIT_RELAY_PREFIX)) != 0 ||
	    fmt(t, sizeof(t), "%s", target + strlen(GIT_RELAY_PREFIX)) >= (int)sizeof(t)) {
		fmt(msg, len, "%s", smart_only);
		return 403;
	}
	char *qm = strchr(t, '?');
	if (qm) {
		*qm = '\0';
		query = qm + 1;
	}
	char *slash = strchr(t, '/');
	if (!slash || slash == t || (size_t)(slash - t) >= sizeof(q->authority)) {
		fmt(msg, len, "%s", smart_only);
		return 403;
	}
	memcpy(q->authority, t, (size_t)(slash - t));
	q->authority[slash - t] = '\0';
	const char *rest = slash;
	size_t rl = strlen(rest);
	const char *suffix = NULL;
	q->post = !strcmp(method, "POST");
	if (!strcmp(method, "GET") && rl > 10 && !strcmp(rest + rl - 10, "/info/refs") && query) {
		if (!strcmp(query, "service=git-upload-pack"))
			q->svc = SVC_UPLOAD;
		else if (!strcmp(query, "service=git-receive-pack"))
			q->svc = SVC_RECEIVE;
		suffix = rest + rl - 10;
	} else if (q->post && rl > 16 && !strcmp(rest + rl - 16, "/git-upload-pack")) {
		q->svc = SVC_UPLOAD;
		suffix = rest + rl - 16;
	} else if (q->post && rl > 17 && !strcmp(rest + rl - 17, "/git-receive-pack")) {
		q->svc = SVC_RECEIVE;
		suffix = rest + rl - 17;
	}
	if (q->svc == SVC_NONE || (size_t)(suffix - rest) >= sizeof(q->path)) {
		fmt(msg, len, "%s", smart_only);
		return 403;
	}
	memcpy(q->path, rest, (size_t)(suffix - rest));
	q->path[suffix - rest] = '\0';
	/* GET keeps its service query; a POST carries none in git's protocol */
	fmt(q->upstream, sizeof(q->upstream), "%s%s%s%s", q->path, suffix, q->post ? "" : "?",
	    q->post ? "" : query);
	fmt(q->url, sizeof(q->url), "https://%s%s", q->authority, q->path);

	/* host and port for TLS and the log */
	const char *a = q->authority, *colon;
	if (a[0] == '[') {
		const char *end = strchr(a, ']');
		if (!end) {
			fmt(msg, len, "cordon: bad host in %s\n", target);
			return 400;
		}
		fmt(q->host, sizeof(q->host), "%.*s", (int)(end - a - 1), a + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(a, ':');
		fmt(q->host, sizeof(q->host), "%.*s", (int)(colon ? colon - a : (long)strlen(a)),
		    a);
	}
	long port = colon ? strtol(colon + 1, NULL, 10) : 443;
	if (port < 1 || port > 65535) {
		fmt(msg, len, "cordon: bad port in %s\n", target);
		return 400;
	}
	q->port = (uint16_t)port;
	return 0;
}

/* ---- the upstream request ---- */

struct upstream {
	struct tls_client *t;
	bool chunked;
};

static int up_write(void *arg, const void *buf, size_t len)
{
	return tls_client_write(((struct upstream *)arg)->t, buf, len);
}

static ssize_t up_read(void *arg, void *buf, size_t len)
{
	return tls_client_read(((struct upstream *)arg)->t, buf, len);
}

/* send_head: the request head sent to the remote: the client's fields git's protocol uses, the
 * credential, and the body's framing. */
static int send_head(struct upstream *u, const struct request *q, const char *auth,
		     long long length, bool chunked)
{
	static const char *const pass[] = {"User-Agent",      "Accept",	      "Accept-Encoding",
					   "Accept-Language", "Content-Type", "Content-Encoding",
					   "Git-Protocol",    "Pragma",	      NULL};
	struct cordon_strbuf b = {0};

	cordon_sb_addf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", q->post ? "POST" : "GET", q->upstream,
		       q->authority);
	for (size_t i = 0; pass[i]; i++) {
		const char *v = git_http_header(q->m, pass[i]);
		if (v)
			cordon_sb_addf(&b, "%s: %s\r\n", pass[i], v);
	}
	if (auth)
		cordon_sb_addf(&b, "Authorization: %s\r\n", auth);
	if (chunked)
		cordon_sb_add(&b, "Transfer-Encoding: chunked\r\n");
	else if (length >= 0)
		cordon_sb_addf(&b, "Content-Length: %lld\r\n", length);
	cordon_sb_add(&b, "Connection: close\r\n\r\n");
	int r = b.oom ? -ENOMEM : tls_client_write(u->t, b.s, b.len);
	if (b.s)
		explicit_bzero(b.s, b.len);
	cordon_sb_free(&b);
	return r;
}

/* forward_chunk: one piece of the client's body to the remote, re-chunked when the client
 * chunked it (RFC 9112 §7.1). */
static int forward_chunk(void *arg, const char *data, size_t len)
{
	struct upstream *u = arg;
	char size[24];
	int r;

	if (len == 0)
		return 0;
	if (!u->chunked)
		return tls_client_write(u->t, data, len);
	fmt(size, sizeof(size), "%zx\r\n", len);
	if ((r = tls_client_write(u->t, size, strlen(size))) < 0 ||
	    (r = tls_client_write(u->t, data, len)) < 0)
		return r;
	return tls_client_write(u->t, "\r\n", 2);
}

/* ---- the remote's response, back to the client ---- */

struct relay_out {
	struct git_io *client;
	char *keep; /* receive-pack: the result kept to read its report */
	size_t keep_len;
	int err;
};

static int to_client(void *arg, const char *data, size_t len)
{
	struct relay_out *o = arg;

	if (o->keep && o->keep_len + len <= REPORT_MAX) {
		memcpy(o->keep + o->keep_len, data, len);
		o->keep_len += len;
	}
	return o->client->write(o->client->arg, data, len);
}

struct report_ctx {
	const struct git_relay *r;
	const struct request *q;
	const struct git_push_req *req;
};

static void on_ref_status(void *arg, bool ok, const char *ref, size_t rl, const char *why,
			  size_t wl)
{
	struct report_ctx *c = arg;
	char detail[300];

	for (size_t i = 0; i < c->req->n; i++) {
		const struct git_push_cmd *cmd = &c->req->cmds[i];
		if (strlen(cmd->ref) != rl || memcmp(cmd->ref, ref, rl))
			continue;
		fmt(detail, sizeof(detail), "%.*s", (int)wl, why);
		push_event(c->r, c->q, cmd, ok ? "pushed" : "rejected by the remote", detail);
	}
}

/* relay_response: the remote's answer to the client: its status, the fields git reads, the
 * body as the remote sent it (dechunked; its end is the connection's end). A 401 never reaches
 * git inside, so git there never prompts for a credential; a redirect is not followed into
 * another URL. */
static int relay_response(const struct git_relay *r, const struct request *q, struct upstream *u,
			  const struct git_cred *cred, const struct git_push_req *req)
{
	static const char *const pass[] = {"Content-Type", "Content-Encoding", "Cache-Control",
					   "Expires",	   "Pragma",	       NULL};
	struct git_io io = {.read = up_read, .write = up_write, .arg = u};
	struct git_http_msg *m = malloc(sizeof(*m));
	struct cordon_error e = {{0}};
	char msg[1024];
	int rc;

	if (!m)
		return -ENOMEM;
	rc = git_http_read_head(m, &io, true, &e);
	if (rc < 0) {
		fmt(msg, sizeof(msg), "cordon: no answer from %s: %s\n", q->url, e.msg);
		git_worker_respond(q->cfd, 502, msg);
		free(m);
		return rc;
	}
	unsigned status = m->p.status_code;
	/* No `git credential approve/reject` afterwards, as git itself would do: the store
	 * helper answers it by writing a new ~/.git-credentials over the old one (rename(2)),
	 * and a mask bound over the old file (the default denyRead) does not cover the new one
	 * in a sandbox that already runs. */
	if (status == 401 || status == 407) {
		fmt(msg, sizeof(msg),
		    "cordon: %s refused %s (HTTP %u); the credential comes from `git "
		    "credential fill` outside the sandbox: check the credential helper of "
		    "your own git for https://%s\n",
		    q->url, cred->have ? "the credential" : "to answer without a credential",
		    status, q->authority);
		git_worker_respond(q->cfd, 403, msg);
		free(m);
		return -EACCES;
	}
	if (status >= 300 && status < 400) {
		const char *loc = git_http_header(m, "Location");
		fmt(msg, sizeof(msg),
		    "cordon: %s redirects (HTTP %u) to %s; name the remote as it is now in "
		    "git.remotes and in your clone\n",
		    q->url, status, loc ? loc : "(no Location)");
		git_worker_respond(q->cfd, 502, msg);
		free(m);
		return -EPROTO;
	}

	struct cordon_strbuf h = {0};
	cordon_sb_addf(&h, "HTTP/1.1 %u %s\r\n", status, status < 300 ? "OK" : "Error");
	for (size_t i = 0; pass[i]; i++) {
		const char *v = git_http_header(m, pass[i]);
		if (v)
			cordon_sb_addf(&h, "%s: %s\r\n", pass[i], v);
	}
	cordon_sb_add(&h, "Connection: close\r\n\r\n");
	rc = h.oom ? -ENOMEM : q->client->write(q->client->arg, h.s, h.len);
	cordon_sb_free(&h);
	struct relay_out o = {.client = q->client};
	if (req && req->n && status == 200)
		o.keep = malloc(REPORT_MAX);
	if (rc == 0)
		rc = git_http_read_body(m, to_client, &o, &e);
	if (req && req->n) {
		struct report_ctx c = {r, q, req};
		int seen = o.keep && rc == 0 ? git_report_scan(o.keep, o.keep_len,
							       req->side_band_64k || req->side_band,
							       on_ref_status, &c)
					     : -1;
		if (seen <= 0)
			for (size_t i = 0; i < req->n; i++)
				push_event(r, q, &req->cmds[i], "failed",
					   status == 200 ? "no report from the remote"
							 : "the remote answered with an error");
	}
	free(o.keep);
	free(m);
	return rc;
}

/* ---- bodies ---- */

struct spool {
	int fd;
	long long len;
	int err;
};

static int to_spool(void *arg, const char *data, size_t len)
{
	struct spool *s = arg;

	if (s->len + (long long)len > PUSH_BODY_MAX)
		return s->err = -EFBIG;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(s->fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return s->err = -errno;
		off += (size_t)n;
	}
	s->len += (long long)len;
	return 0;
}

static void expect_continue(const struct request *q)
{
	const char *ex = git_http_header(q->m, "Expect");
	if (ex && !strcasecmp(ex, "100-continue"))
		(void)q->client->write(q->client->arg, "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

/* decide_push: the push policy over every command of req. Returns true when all are allowed;
 * otherwise why[i] holds each refused command's reason (malloc'd) and the refusal is logged. */
static bool decide_push(const struct git_relay *r, const struct request *q,
			const struct git_push_req *req, int body_fd, char **why)
{
	const struct cordon_git_policy *g = &r->policy->git;
	bool ok = true;
	char buf[900], detail[600];

	for (size_t i = 0; i < req->n; i++) {
		const struct git_push_cmd *c = &req->cmds[i];
		bool anc = false;
		int v = git_push_check(g, r->start_ref, c, &anc, buf, sizeof(buf));
		if (v == 0 && anc) {
			/* one refusal refuses the whole push: no fetch for the rest of it */
			if (!ok)
				continue;
			detail[0] = '\0';
			int is = git_ancestry_check(r->tmpdir, q->url, c->ref, c->old_oid,
						    c->new_oid, body_fd, (off_t)req->pack_off,
						    r->ca_file, detail, sizeof(detail));
			v = git_push_check_ff(c, is, detail, buf, sizeof(buf));
		}
		if (v == 0)
			continue;
		char full[1000];
		fmt(full, sizeof(full), "cordon: %s", buf);
		why[i] = strdup(full);
		char reason[300];
		fmt(reason, sizeof(reason), "push to %s refused: %s", q->path, buf);
		git_worker_vlog(r, q->cfd, q->host, q->port, reason);
		push_event(r, q, c, "refused", buf);
		ok = false;
	}
	return ok;
}

static int serve_receive_pack_post(const struct git_relay *r, struct request *q, struct upstream *u,
				   const char *auth, const struct git_cred *cred, char *msg,
				   size_t len)
{
	struct cordon_error cerr = {{0}};
	struct cordon_error e = {{0}};
	struct spool s = {.fd = memfd_create("cordon-push", MFD_CLOEXEC)};
	struct git_push_req req;
	char *head = NULL, **why = NULL;
	int rc;

	memset(&req, 0, sizeof(req));
	if (s.fd < 0) {
		fmt(msg, len, "cordon: memfd_create: %s\n", strerror(errno));
		return 502;
	}
	const char *ce = git_http_header(q->m, "Content-Encoding");
	if (ce && strcasecmp(ce, "identity")) {
		fmt(msg, len,
		    "cordon: a compressed receive-pack request (Content-Encoding: %s) cannot "
		    "be checked\n",
		    ce);
		close(s.fd);
		return 400;
	}
	expect_continue(q);
	rc = git_http_read_body(q->m, to_spool, &s, &e);
	if (rc < 0) {
		fmt(msg, len, "cordon: reading the push: %s\n",
		    s.err == -EFBIG ? "larger than the 2 GiB cordon holds" : e.msg);
		close(s.fd);
		return s.err == -EFBIG ? 413 : 400;
	}
	size_t hl = s.len < PUSH_HEAD_MAX ? (size_t)s.len : PUSH_HEAD_MAX;
	head = malloc(hl ? hl : 1);
	if (!head || pread(s.fd, head, hl, 0) != (ssize_t)hl) {
		fmt(msg, len, "cordon: reading the push back failed\n");
		rc = 502;
		goto out;
	}
	rc = git_push_req_parse(head, hl, &req, &e);
	if (rc <= 0) {
		fmt(msg, len, "cordon: push to %s refused: %s\n", q->url,
		    rc == 0 ? "the update request is incomplete" : e.msg);
		char reason[300];
		fmt(reason, sizeof(reason), "push to %s refused: %s", q->path,
		    rc == 0 ? "incomplete update request" : e.msg);
		git_worker_vlog(r, q->cfd, q->host, q->port, reason);
		rc = 403;
		goto out;
	}
	why = calloc(req.n ? req.n : 1, sizeof(*why));
	if (!why) {
		fmt(msg, len, "cordon: out of memory\n");
		rc = 502;
		goto out;
	}
	if (!decide_push(r, q, &req, s.fd, why)) {
		struct cordon_strbuf b = {0}, banner = {0};
		const char *first = NULL;
		for (size_t i = 0; i < req.n && !first; i++)
			first = why[i];
		cordon_sb_addf(&banner, "%s (push to %s refused; nothing was sent to the remote)\n",
			       first, q->url);
		git_push_refusal(&b, &req, (const char *const *)why, banner.s);
		char hdr[256];
		int n = fmt(hdr, sizeof(hdr),
			    "HTTP/1.1 200 OK\r\nContent-Type: "
			    "application/x-git-receive-pack-result\r\nCache-Control: "
			    "no-cache\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			    b.len);
		if (!b.oom && q->client->write(q->client->arg, hdr, (size_t)n) == 0)
			q->client->write(q->client->arg, b.s, b.len);
		cordon_sb_free(&b);
		cordon_sb_free(&banner);
		rc = 0;
		goto out;
	}
	/* allowed: the remote gets the request as it came, with a length; connected only now,
	 * so the decision's fetch cannot leave the connection idle past a server's limit */
	if (tls_client_connect(q->host, q->port, r->hosts_file, r->ca_file, UPSTREAM_TIMEOUT_MS,
			       &u->t, &cerr) < 0) {
		fmt(msg, len, "cordon: %s\n", cerr.msg);
		rc = 502;
		goto out;
	}
	if ((rc = send_head(u, q, auth, s.len, false)) < 0) {
		fmt(msg, len, "cordon: sending the push to %s: %s\n", q->url, strerror(-rc));
		rc = 502;
		goto out;
	}
	char buf[65536];
	for (off_t off = 0; off < s.len;) {
		ssize_t n = pread(s.fd, buf, sizeof(buf), off);
		if (n <= 0 || tls_client_write(u->t, buf, (size_t)n) < 0) {
			fmt(msg, len, "cordon: sending the push to %s failed\n", q->url);
			rc = 502;
			goto out;
		}
		off += n;
	}
	rc = relay_response(r, q, u, cred, &req) < 0 ? -1 : 0;
out:
	for (size_t i = 0; why && i < req.n; i++)
		free(why[i]);
	free(why);
	git_push_req_free(&req);
	free(head);
	close(s.fd);
	return rc;
}

/* serve: one request. Returns 0 when answered, or a status for git_worker_respond with msg. */
static int serve(const struct git_relay *r, struct request *q, char *msg, size_t len)
{
	const struct cordon_git_policy *g = &r->policy->git;
	struct cordon_error e = {{0}};
	const char *method = http_method_str((enum http_method)q->m->p.method);
	const char *target = git_http_url(q->m);
	int st;

	if (!strcmp(target, GIT_RELAY_SIGN_PATH) && q->m->p.method == HTTP_POST) {
		struct spool s = {.fd = memfd_create("cordon-sign", MFD_CLOEXEC)};
		if (s.fd < 0 || git_http_read_body(q->m, to_spool, &s, &e) < 0 ||
		    s.len > SIGN_BODY_MAX) {
			fmt(msg, len, "cordon: reading the data to sign failed\n");
			if (s.fd >= 0)
				close(s.fd);
			return 400;
		}
		char *body = malloc((size_t)s.len + 1);
		if (!body || pread(s.fd, body, (size_t)s.len, 0) != (ssize_t)s.len) {
			free(body);
			close(s.fd);
			fmt(msg, len, "cordon: reading the data to sign failed\n");
			return 502;
		}
		body[s.len] = '\0';
		close(s.fd);
		git_sign_serve(r, q->cfd, body, (size_t)s.len);
		free(body);
		return 0;
	}
	if ((st = route(q, target, method, msg, len)) != 0)
		return st;
	if (cordon_git_remote_match(g, q->authority, q->path) < 0) {
		char reason[300];
		fmt(msg, len,
		    "cordon: %s is not in git.remotes: the session relays only the remotes "
		    "the policy names (sandbox git lists them)\n",
		    q->url);
		fmt(reason, sizeof(reason), "git remote %s is not in git.remotes", q->url);
		git_worker_vlog(r, q->cfd, q->host, q->port, reason);
		return 403;
	}

	/* the credential, outside; it goes to this remote only */
	struct git_cred cred;
	char auth[sizeof(cred.password) * 2], why[512];
	git_credential_fill(q->authority, q->path, &cred, why, sizeof(why));
	if (cred.have && git_credential_basic(&cred, auth, sizeof(auth)) < 0)
		cred.have = false;

	struct upstream u = {0};
	int rc = 0;
	/* a push is decided before the remote is contacted for it */
	if (!(q->svc == SVC_RECEIVE && q->post)) {
		if ((rc = tls_client_connect(q->host, q->port, r->hosts_file, r->ca_file,
					     UPSTREAM_TIMEOUT_MS, &u.t, &e)) < 0) {
			fmt(msg, len, "cordon: %s\n", e.msg);
			st = 502;
			goto out;
		}
		u.chunked = q->post && git_http_chunked(q->m);
		long long length = q->post ? git_http_length(q->m) : -1;
		if ((rc = send_head(&u, q, cred.have ? auth : NULL, length, u.chunked)) < 0) {
			fmt(msg, len, "cordon: sending to %s: %s\n", q->url, strerror(-rc));
			st = 502;
			goto out;
		}
		if (q->post) {
			expect_continue(q);
			if ((rc = git_http_read_body(q->m, forward_chunk, &u, &e)) < 0 ||
			    (u.chunked && (rc = tls_client_write(u.t, "0\r\n\r\n", 5)) < 0)) {
				fmt(msg, len, "cordon: relaying the request to %s failed\n",
				    q->url);
				st = 502;
				goto out;
			}
		}
		relay_response(r, q, &u, &cred, NULL);
		st = 0;
		goto out;
	}
	st = serve_receive_pack_post(r, q, &u, cred.have ? auth : NULL, &cred, msg, len);
	if (st < 0)
		st = 0; /* answered (badly) already */
out:
	explicit_bzero(auth, sizeof(auth));
	git_credential_wipe(&cred);
	tls_client_close(u.t);
	return st;
}

void git_worker_main(const struct git_relay *r, int cfd)
{
	struct git_http_msg *m = malloc(sizeof(*m));
	struct cordon_error e = {{0}};
	struct git_io io;
	char msg[2048];

	/* only the connection and the event pipe stay open, as fds 3 and 4 */
	static struct git_relay self;
	int c2 = fcntl(cfd, F_DUPFD_CLOEXEC, 100), w2 = fcntl(r->report_w, F_DUPFD_CLOEXEC, 100);
	if (c2 < 0 || w2 < 0 || dup2(c2, 3) < 0 || dup2(w2, 4) < 0)
		_exit(1);
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(4, F_SETFD, FD_CLOEXEC);
	close_range(5, ~0U, 0);
	self = *r;
	self.report_w = 4;
	r = &self;
	cfd = 3;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	struct timeval tv = {.tv_sec = CLIENT_TIMEOUT_MS / 1000};
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) & ~O_NONBLOCK);
	git_io_fd(&io, &cfd);
	if (!m || git_http_read_head(m, &io, false, &e) < 0) {
		if (m && e.msg[0] && strstr(e.msg, "malformed"))
			git_worker_respond(cfd, 400, "cordon: malformed request\n");
		_exit(0);
	}
	struct request q;
	memset(&q, 0, sizeof(q));
	q.m = m;
	q.client = &io;
	q.cfd = cfd;
	int st = serve(r, &q, msg, sizeof(msg));
	if (st)
		git_worker_respond(cfd, st, msg);
	shutdown(cfd, SHUT_WR);
	_exit(0);
}
