/* proxy_conn.c — one proxy connection from its first byte to its relay: the request (HTTP head
 * or SOCKS5 messages), the policy decision before any lookup, network/ask, the lookup, the checks
 * of the resolved addresses, the connect, and every refusal with its log entry. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/vlog.h"
#include "proxy_addr.h"
#include "proxy_conn.h"
#include "proxy_socks5.h"

/* ---- connection life ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void px_drop_upstream(struct px_conn *c)
{
	loop_del(c->px->loop, &c->evu);
	close_fd(&c->evu.fd);
}

void px_conn_close(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;

	if (c->evc.dead)
		return;
	if (c->st == ST_ASKING)
		px->n_asking--;
	c->evc.dead = c->evu.dead = true;
	px_lookup_cancel(c->lookup);
	c->lookup = NULL;
	px_timer_stop(c);
	loop_del(px->loop, &c->evc);
	close_fd(&c->evc.fd);
	px_drop_upstream(c);
	for (int i = 0; i < 2; i++) {
		close_fd(&c->cu.pipe[i]);
		close_fd(&c->uc.pipe[i]);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		px->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = px->dead;
	px->dead = c;
	px->nconns--;
}

void px_conn_free(struct px_conn *c)
{
	free(c->in);
	free(c->req);
	free(c->outc);
	free(c->outu);
	free(c);
}

static void reply_http(struct px_conn *c, int status, const char *text, const char *body)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, text, strlen(body), body);

	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    px_set_out(&c->outc, &c->outc_len, &c->outc_off, buf, (size_t)n) < 0) {
		px_conn_close(c);
		return;
	}
	px_finish(c);
}

static void reply_socks(struct px_conn *c, uint8_t rep)
{
	uint8_t buf[32];
	size_t n = px_socks5_reply(buf, rep, NULL);

	if (px_set_out(&c->outc, &c->outc_len, &c->outc_off, buf, n) < 0) {
		px_conn_close(c);
		return;
	}
	px_finish(c);
}

static const char *status_text(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	}
	return "Error";
}

/* fail: refuse the request with an HTTP status (mapped to a SOCKS5 reply code for SOCKS5). */
void px_fail(struct px_conn *c, int status, uint8_t rep, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	if (c->proto == PX_TRANSPARENT || c->proto == PX_FORWARD) {
		/* No protocol to answer in: the refusal is the reset (and the log line). */
		px_transparent_reset(c->evc.fd);
		px_conn_close(c);
		return;
	}
	if (c->proto == PX_SOCKS) {
		reply_socks(c, rep);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	reply_http(c, status, status_text(status), body);
}

static void vlog(struct px_conn *c, const char *host, const char *reason)
{
	struct cordon_vlog_entry v = {0};

	v.time = time(NULL);
	snprintf(v.host, sizeof(v.host), "%s", host);
	v.port = c->port;
	snprintf(v.reason, sizeof(v.reason), "%s", reason);
	snprintf(v.proto, sizeof(v.proto), "%s", c->vproto);
	if (!vlog_sink_ready(c->px->sink))
		return;
	/* TCP has no SO_PEERCRED: the client is looked up in /proc, on refusals only, bounded per
	 * lookup and per second; not found, the entry says pid 0 and the refusal goes on. */
	(void)px_peer_pid_metered(c->evc.fd, &c->px->peer_meter, &v.pid);
	(void)vlog_sink_append(c->px->sink, &v); /* a full disk must not stop the proxy */
}

/* shown: the host as written in an allowlist rule (IPv6 literals in brackets). */
static void shown(const struct px_conn *c, char *buf, size_t len)
{
	if (strchr(c->canon, ':'))
		snprintf(buf, len, "[%s]", c->canon);
	else
		snprintf(buf, len, "%s", c->canon);
}

/* ---- upstream connect ---- */

void px_try_connect(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;
	int r;

	px_drop_upstream(c);
	for (; c->ai < c->addrs.n; c->ai++) {
		const struct sockaddr_storage *a = &c->addrs.a[c->ai];
		socklen_t al = a->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						       : sizeof(struct sockaddr_in6);
		int fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			c->connect_err = errno;
			continue;
		}
		px_sock_relay(fd);
		if (connect(fd, (const struct sockaddr *)a, al) < 0 && errno != EINPROGRESS) {
			c->connect_err = errno;
			close(fd);
			continue;
		}
		c->evu.fd = fd;
		r = loop_add(px->loop, &c->evu, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
		if (r < 0) {
			c->connect_err = -r;
			close_fd(&c->evu.fd);
			continue;
		}
		c->st = ST_CONNECTING;
		px_timer_start(c);
		return;
	}
	{
		char h[300];
		int err = c->connect_err;

		shown(c, h, sizeof(h));
		if (err == EMFILE || err == ENFILE)
			px_fail(c, 503, PX_SOCKS5_FAILURE,
				"cordon: proxy out of file descriptors\n");
		else
			px_fail(c, 502,
				err == ECONNREFUSED ? PX_SOCKS5_REFUSED
						    : PX_SOCKS5_HOST_UNREACHABLE,
				"cordon: cannot connect to %s port %u: %s\n", h, c->port,
				strerror(err ? err : ETIMEDOUT));
	}
}

/* addresses_ready: keep the addresses that pass px_addr_check, in order; connect to exactly
 * those (no second lookup between the check and the connect). */
static void addresses_ready(struct px_conn *c, const struct px_addrs *in)
{
	struct px_addr_result res, first = {.refusal = PX_ADDR_ALLOWED};
	size_t k = 0;

	for (size_t i = 0; i < in->n; i++) {
		if (px_addr_check(c->px->policy, (const struct sockaddr *)&in->a[i], c->port,
				  &res) < 0) {
			if (first.refusal == PX_ADDR_ALLOWED)
				first = res;
			continue;
		}
		c->addrs.a[k++] = in->a[i];
	}
	c->addrs.n = k;
	c->ai = 0;
	if (k == 0) {
		char h[300], why[256] = "";

		shown(c, h, sizeof(h));
		if (first.refusal != PX_ADDR_ALLOWED)
			px_addr_reason(&first, why, sizeof(why));
		vlog(c, h, why[0] ? why : "no address");
		if (first.refusal != PX_ADDR_ALLOWED && px_addr_allowable(&first)) {
			/* Offer the rule that would allow it. */
			char rule[72];
			bool v6 = strchr(first.literal, ':') != NULL;

			snprintf(rule, sizeof(rule), "%s%s%s", v6 ? "[" : "", first.literal,
				 v6 ? "]" : "");
			px_fail(c, 403, PX_SOCKS5_NOT_ALLOWED,
				"cordon: host %s %s (sandbox allow-host %s, or --allow-host %s)\n",
				h, why, rule, rule);
		} else
			px_fail(c, 403, PX_SOCKS5_NOT_ALLOWED, "cordon: host %s %s\n", h, why);
		return;
	}
	px_try_connect(c);
}

static void resolved(void *arg, int err, const struct px_addrs *addrs, const char *why)
{
	struct px_conn *c = arg;
	char h[300];

	c->lookup = NULL;
	if (c->evc.dead)
		return;
	if (err < 0) {
		shown(c, h, sizeof(h));
		px_fail(c, 502, PX_SOCKS5_HOST_UNREACHABLE, "cordon: cannot resolve %s: %s\n", h,
			why ? why : strerror(-err));
		return;
	}
	addresses_ready(c, addrs);
}

/* px_proceed: the host is allowed: an IP literal goes to the address checks as it is, a name to
 * the lookup. */
void px_proceed(struct px_conn *c)
{
	struct px_addrs now = {0};
	const char *why = NULL;
	char h[300];
	int rc;

	shown(c, h, sizeof(h));
	if (c->is_ip) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&now.a[0];
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&now.a[0];

		if (inet_pton(AF_INET, c->canon, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(c->port);
		} else if (inet_pton(AF_INET6, c->canon, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(c->port);
		} else {
			px_fail(c, 400, PX_SOCKS5_FAILURE, "cordon: bad address %s\n", h);
			return;
		}
		now.n = 1;
		addresses_ready(c, &now);
		return;
	}
	c->st = ST_RESOLVING;
	px_timer_start(c);
	rc = px_resolve(c->px->res, c->canon, c->port, &now, &why, resolved, c, &c->lookup);
	if (rc == 0)
		return;
	if (rc < 0) {
		px_fail(c, 502, PX_SOCKS5_HOST_UNREACHABLE, "cordon: cannot resolve %s: %s\n", h,
			why ? why : strerror(-rc));
		return;
	}
	addresses_ready(c, &now);
}

/* px_ask_refuse: the question about c was answered deny, or not in time. */
void px_ask_refuse(struct px_conn *c, const char *why)
{
	char h[300], reason[128];

	c->st = ST_RESOLVING; /* no longer counted as asking */
	c->px->n_asking--;
	shown(c, h, sizeof(h));
	snprintf(reason, sizeof(reason), "not on the allowlist (%s)", why);
	vlog(c, h, reason);
	px_fail(c, 403, PX_SOCKS5_NOT_ALLOWED, "cordon: host %s is not on the allowlist (%s)\n", h,
		why);
}

/* start_request: the client named host (raw bytes, len) and port. Policy first — canonical name,
 * allowlist and denylist — and only then any lookup (docs/threat-model.md §28: no lookup of a
 * denied name). */
static void start_request(struct px_conn *c, const char *host, size_t len, uint16_t port)
{
	struct cordon_error e = {{0}};
	enum cordon_verdict v;
	bool is_ip = false;
	char h[300];

	c->port = port;
	if (cordon_host_canonical(host, len, c->canon, sizeof(c->canon), &is_ip, &e) < 0) {
		char raw[256];

		snprintf(raw, sizeof(raw), "%.*s", (int)(len < 255 ? len : 255), host);
		vlog(c, raw, "invalid host name");
		px_fail(c, 400, PX_SOCKS5_NOT_ALLOWED,
			"cordon: invalid host name in the request: %s\n", e.msg);
		return;
	}
	shown(c, h, sizeof(h));
	/* The policy is live: read at each request, never cached. */
	v = cordon_host_decide(c->px->policy, c->canon, port);
	if (v == CORDON_VERDICT_DENY) {
		vlog(c, h, "on the denylist");
		px_fail(c, 403, PX_SOCKS5_NOT_ALLOWED, "cordon: host %s is on the denylist\n", h);
		return;
	}
	c->is_ip = is_ip;
	if (v == CORDON_VERDICT_UNLISTED && c->px->ask) {
		struct cordon_proxy *px = c->px;

		/* network/ask: the connection waits, still before any lookup. */
		c->st = ST_ASKING;
		c->ask_token = ++px->ask_seq;
		c->ask_deadline = px_now_ms() + px->ask_timeout_ms;
		px->n_asking++;
		if (px->ask(px->ask_arg, c->ask_token, c->canon, port) == 0)
			return;
		px->n_asking--;
		c->st = ST_RESOLVING; /* not waiting any more; refused just below */
	}
	if (v != CORDON_VERDICT_ALLOW) {
		vlog(c, h, "not on the allowlist");
		px_fail(c, 403, PX_SOCKS5_NOT_ALLOWED,
			"cordon: host %s is not on the allowlist (sandbox allow-host %s, or "
			"--allow-host %s)\n",
			h, h, h);
		return;
	}
	px_proceed(c);
}

/* ---- client input before relaying ---- */

/* read_in: read what the client sent into c->in. Returns 1 when bytes were added, 0 when none
 * are available, -1 on EOF or error. */
static int read_in(struct px_conn *c)
{
	bool got = false;

	while (c->inlen < PX_HTTP_HEAD_MAX) {
		ssize_t n =
		    recv(c->evc.fd, c->in + c->inlen, PX_HTTP_HEAD_MAX - c->inlen, MSG_DONTWAIT);

		if (n > 0) {
			c->inlen += (size_t)n;
			got = true;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			break;
		return -1;
	}
	return got ? 1 : 0;
}

static void http_head(struct px_conn *c)
{
	bool eof = read_in(c) < 0;
	int r = px_http_feed(c->req, c->in, c->inlen);

	if (r < 0) {
		px_fail(c, c->req->status, 0, "cordon: %s\n", c->req->why);
		return;
	}
	if (r == 0 && eof && px_http_end(c->req) < 0) {
		/* A head cut short by the client's end of stream (it may still read). */
		px_fail(c, c->req->status, 0, "cordon: %s\n", c->req->why);
		return;
	}
	if (r == 0) {
		if (c->inlen >= PX_HTTP_HEAD_MAX)
			px_fail(c, 431, 0, "cordon: request head too large\n");
		else if (eof)
			px_conn_close(c);
		return;
	}
	c->used = c->req->head_len;
	c->tunnel = c->req->connect;
	c->vproto = c->tunnel ? "connect" : "http";
	px_timer_stop(c);
	start_request(c, c->req->host, c->req->host_len, c->req->port);
}

static void socks_input(struct px_conn *c)
{
	struct px_socks5_req sr;
	size_t used = 0;
	int r = read_in(c);

	if (r < 0) {
		px_conn_close(c);
		return;
	}
	if (c->st == ST_SOCKS_GREET) {
		static const uint8_t ok[2] = {5, 0x00}, none[2] = {5, 0xff};

		r = px_socks5_greeting((const uint8_t *)c->in, c->inlen, &used);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			px_conn_close(c);
			return;
		}
		if (r == 0) {
			if (px_set_out(&c->outc, &c->outc_len, &c->outc_off, none, 2) < 0)
				px_conn_close(c);
			else
				px_finish(c);
			return;
		}
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		c->outc_off = 0;
		if (px_send_buf(c->evc.fd, (const char *)ok, 2, &c->outc_off) != 1) {
			px_conn_close(c); /* two bytes to a fresh socket cannot block */
			return;
		}
		c->st = ST_SOCKS_REQ;
	}
	r = px_socks5_request((const uint8_t *)c->in, c->inlen, &sr, &used);
	if (r == -EAGAIN)
		return;
	px_timer_stop(c);
	if (r < 0) {
		char raw[256];

		if (r == -EINVAL && sr.atyp == 3) {
			/* log the name as sent (escaped in the log), cut at 255 bytes, and the
			 * port it asked for */
			size_t n = c->inlen > 5 ? (size_t)(uint8_t)c->in[4] : 0;

			if (n > c->inlen - 5)
				n = c->inlen - 5;
			memcpy(raw, c->in + 5, n);
			raw[n] = '\0';
			for (size_t i = 0; i < n; i++)
				if (raw[i] == '\0')
					raw[i] = '\x01';
			c->port = sr.port;
			vlog(c, raw, "invalid host name (NUL or control character)");
		}
		reply_socks(c, sr.rep);
		return;
	}
	c->used = used;
	c->tunnel = true;
	start_request(c, sr.host, sr.host_len, sr.port);
}

void px_transparent_request(struct px_conn *c)
{
	char host[300], why[256];
	uint16_t port = 0;

	c->tunnel = true;
	if (px_transparent_target(c->px->capture->pool, c->evc.fd, host, sizeof(host), &port, why,
				  sizeof(why)) < 0) {
		c->port = port;
		vlog(c, host[0] ? host : "?", why);
		px_fail(c, 403, 0, "%s", why);
		return;
	}
	start_request(c, host, strlen(host), port);
}

void px_log_refusal(struct px_conn *c, const char *why)
{
	char h[300];
	shown(c, h, sizeof(h));
	vlog(c, h, why);
}

/* ---- event handlers ---- */

void px_client_ev(struct loop_ev *ev, uint32_t events)
{
	struct px_conn *c = container_of(ev, struct px_conn, evc);

	(void)events;
	if (ev->dead)
		return;
	switch (c->st) {
	case ST_HTTP_HEAD:
		http_head(c);
		break;
	case ST_SOCKS_GREET:
	case ST_SOCKS_REQ:
		socks_input(c);
		break;
	case ST_ASKING:
	case ST_RESOLVING:
	case ST_CONNECTING:
		/* Bytes wait in the socket; a client that went away is found when relaying. */
		if (events & (EPOLLHUP | EPOLLERR))
			px_conn_close(c);
		break;
	case ST_RELAY:
		px_pump(c);
		break;
	case ST_CLOSING:
		px_finish(c);
		break;
	case ST_LINGER:
		px_linger(c);
		break;
	}
}

void px_upstream_ev(struct loop_ev *ev, uint32_t events)
{
	struct px_conn *c = container_of(ev, struct px_conn, evu);
	int err = 0;
	socklen_t el = sizeof(err);

	if (ev->dead || ev->fd < 0)
		return;
	if (c->st == ST_RELAY) {
		px_pump(c);
		return;
	}
	if (c->st != ST_CONNECTING)
		return;
	if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return;
	if (getsockopt(ev->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		err = errno;
	if (err) {
		c->connect_err = err;
		c->ai++;
		px_try_connect(c);
		return;
	}
	px_start_relay(c);
}
