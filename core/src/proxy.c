/* proxy.c — the filtering proxy's event loop (proxy.h): one epoll set for the listening sockets,
 * every client and upstream connection, c-ares sockets and extra fds; per-connection state machine
 * from request head to splice(2) relay; timeouts; connection limits. */
#include "cordon/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cordon/hostpat.h"
#include "cordon/vlog.h"
#include "proxy_addr.h"
#include "proxy_http.h"
#include "proxy_loop.h"
#include "proxy_peer.h"
#include "proxy_resolve.h"
#include "proxy_socks5.h"

#define PX_SETUP_TIMEOUT_MS 10000 /* head, lookup, each connect attempt, lingering close */
#define PX_PIPE_CAP 65536	  /* default pipe capacity, pipe(7) */
#define PX_FDS_PER_CONN 6	  /* client, upstream, two pipes */
#define PX_MAX_EVENTS 64
#define PX_LINGER_MAX 65536 /* bytes drained after a final reply before closing outright */

#define container_of(p, T, m) ((T *)((char *)(p)-offsetof(T, m)))

enum px_proto { PX_HTTP, PX_SOCKS };

enum px_state {
	ST_HTTP_HEAD,	/* reading the request head */
	ST_SOCKS_GREET, /* reading the method negotiation */
	ST_SOCKS_REQ,	/* reading the SOCKS5 request */
	ST_ASKING,	/* unlisted host: waiting for cordon_proxy_answer (network/ask) */
	ST_RESOLVING,	/* c-ares lookup pending */
	ST_CONNECTING,	/* non-blocking connect to addrs.a[ai] */
	ST_RELAY,	/* splice both ways */
	ST_CLOSING,	/* sending a final reply to the client */
	ST_LINGER,	/* reply sent and write side shut: draining the client until EOF */
};

/* One direction of a relay: src → pipe → dst. */
struct px_dir {
	int pipe[2];
	size_t pend; /* bytes in the pipe */
	bool eof;    /* src ended (or, upstream-bound absolute-form, the body is complete) */
	bool shut;   /* dst's write side was shut down */
};

struct px_conn {
	struct px_ev evc, evu; /* client and upstream sockets */
	struct cordon_proxy *px;
	enum px_proto proto;
	enum px_state st;
	bool tunnel; /* CONNECT or SOCKS5 (else absolute-form: one request, then close) */
	struct px_conn *prev, *next;   /* px->conns, or px->dead */
	struct px_conn *tprev, *tnext; /* px->timers, in deadline order */
	bool timed;
	uint64_t deadline; /* CLOCK_MONOTONIC ms */

	char *in;	    /* head buffer, PX_HTTP_HEAD_MAX bytes, freed once relaying */
	size_t inlen, used; /* used: bytes of in that made the head / SOCKS5 request */
	struct px_http_req *req;

	char *outc, *outu; /* bytes to send before relaying, to the client and upstream */
	size_t outc_len, outc_off, outu_len, outu_off;

	char canon[256]; /* canonical host */
	uint16_t port;
	const char *vproto; /* "connect", "http", "socks5" */
	struct px_addrs addrs;
	size_t ai;
	struct px_lookup *lookup;
	int connect_err;

	struct px_dir cu, uc;
	uint64_t body_left; /* absolute-form: request body bytes still to relay upstream */
	size_t drained;	    /* bytes discarded while lingering */

	uint64_t ask_token;    /* ST_ASKING: the question's token */
	uint64_t ask_deadline; /* ST_ASKING: CLOCK_MONOTONIC ms */
	bool is_ip;	       /* the host is an IP literal */
};

struct px_listener {
	struct px_ev ev;
	struct cordon_proxy *px;
	enum px_proto proto;
};

struct px_watch {
	struct px_ev ev;
	struct cordon_proxy *px;
	cordon_fd_cb cb;
	void *arg;
	struct px_watch *next;
};

struct cordon_proxy {
	int epfd;
	struct cordon_policy *policy;
	int log_fd;
	char *log_path; /* opened on the first violation when log_fd is -1 */
	int reserve_fd; /* spare fd released to accept-and-refuse when the fd table is full */
	struct px_listener http, socks;
	struct px_resolver *res;
	struct px_conn *conns, *dead;
	struct px_conn *thead, *ttail;
	struct px_watch *watches, *dead_watches;
	size_t nconns, max_conns;
	bool stop;

	int (*ask)(void *arg, uint64_t token, const char *host, uint16_t port);
	void *ask_arg;
	unsigned ask_timeout_ms;
	uint64_t ask_seq; /* last token handed out */
	size_t n_asking;  /* connections in ST_ASKING */
	/* Time spent finding refused clients' pids (proxy_peer.h). */
	struct px_peer_meter peer_meter;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- timers: one duration for every deadline, so appending keeps the list sorted ---- */

static void timer_stop(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;

	if (!c->timed)
		return;
	if (c->tprev)
		c->tprev->tnext = c->tnext;
	else
		px->thead = c->tnext;
	if (c->tnext)
		c->tnext->tprev = c->tprev;
	else
		px->ttail = c->tprev;
	c->tprev = c->tnext = NULL;
	c->timed = false;
}

static void timer_start(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;

	timer_stop(c);
	c->deadline = now_ms() + PX_SETUP_TIMEOUT_MS;
	c->tprev = px->ttail;
	if (px->ttail)
		px->ttail->tnext = c;
	else
		px->thead = c;
	px->ttail = c;
	c->timed = true;
}

/* ---- connection life ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void drop_upstream(struct px_conn *c)
{
	if (c->evu.fd >= 0)
		epoll_ctl(c->px->epfd, EPOLL_CTL_DEL, c->evu.fd, NULL);
	close_fd(&c->evu.fd);
}

static void conn_close(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;

	if (c->evc.dead)
		return;
	if (c->st == ST_ASKING)
		px->n_asking--;
	c->evc.dead = c->evu.dead = true;
	px_lookup_cancel(c->lookup);
	c->lookup = NULL;
	timer_stop(c);
	if (c->evc.fd >= 0)
		epoll_ctl(px->epfd, EPOLL_CTL_DEL, c->evc.fd, NULL);
	close_fd(&c->evc.fd);
	drop_upstream(c);
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

static void conn_free(struct px_conn *c)
{
	free(c->in);
	free(c->req);
	free(c->outc);
	free(c->outu);
	free(c);
}

/* send_buf: send buf[*off..len) on fd. Returns 1 when all is sent, 0 when it would block,
 * -1 on error. */
static int send_buf(int fd, const char *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		*off += (size_t)n;
	}
	return 1;
}

static int set_out(char **buf, size_t *len, size_t *off, const void *data, size_t n)
{
	char *b = malloc(n ? n : 1);

	if (!b)
		return -ENOMEM;
	memcpy(b, data, n);
	free(*buf);
	*buf = b;
	*len = n;
	*off = 0;
	return 0;
}

static void linger(struct px_conn *c);

/* finish: the final reply is queued in outc; send it, then shut the write side and drain. */
static void finish(struct px_conn *c)
{
	int r;

	c->st = ST_CLOSING;
	drop_upstream(c);
	r = send_buf(c->evc.fd, c->outc, c->outc_len, &c->outc_off);
	if (r < 0) {
		conn_close(c);
		return;
	}
	if (r == 0) {
		timer_start(c);
		return;
	}
	linger(c);
}

/* linger: after the reply, close gently: with unread client bytes, close(2) would send a reset
 * that can destroy the reply before the client reads it (RFC 9112 §9.6). */
static void linger(struct px_conn *c)
{
	char junk[4096];
	ssize_t n;

	if (c->st != ST_LINGER) {
		c->st = ST_LINGER;
		shutdown(c->evc.fd, SHUT_WR);
		timer_start(c);
	}
	/* Bounded: a client that keeps sending after its refusal would otherwise hold the loop
	 * (and the connection slot) for the whole linger time. */
	while ((n = recv(c->evc.fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0) {
		c->drained += (size_t)n;
		if (c->drained > PX_LINGER_MAX) {
			conn_close(c);
			return;
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

static void reply_http(struct px_conn *c, int status, const char *text, const char *body)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
			 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, text, strlen(body), body);

	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    set_out(&c->outc, &c->outc_len, &c->outc_off, buf, (size_t)n) < 0) {
		conn_close(c);
		return;
	}
	finish(c);
}

static void reply_socks(struct px_conn *c, uint8_t rep)
{
	uint8_t buf[32];
	size_t n = px_socks5_reply(buf, rep, NULL);

	if (set_out(&c->outc, &c->outc_len, &c->outc_off, buf, n) < 0) {
		conn_close(c);
		return;
	}
	finish(c);
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
static void fail(struct px_conn *c, int status, uint8_t rep, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct px_conn *c, int status, uint8_t rep, const char *fmt, ...)
{
	char body[1024];
	va_list ap;

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
	if (c->px->log_fd < 0 && c->px->log_path) {
		c->px->log_fd = cordon_vlog_open(c->px->log_path, NULL);
		if (c->px->log_fd <
		    0) { /* tried once: an unwritable log must not cost every request */
			free(c->px->log_path);
			c->px->log_path = NULL;
		}
	}
	if (c->px->log_fd < 0)
		return;
	/* TCP has no SO_PEERCRED: the client is looked up in /proc, on refusals only, bounded per
	 * lookup and per second; not found, the entry says pid 0 and the refusal goes on. */
	(void)px_peer_pid_metered(c->evc.fd, &c->px->peer_meter, &v.pid);
	(void)cordon_vlog_append(c->px->log_fd, &v, NULL); /* a full disk must not stop the proxy */
}

int cordon_proxy_log(struct cordon_proxy *px, const struct cordon_vlog_entry *v)
{
	if (px->log_fd < 0 && px->log_path) {
		px->log_fd = cordon_vlog_open(px->log_path, NULL);
		if (px->log_fd < 0) { /* tried once, as in vlog() */
			free(px->log_path);
			px->log_path = NULL;
		}
	}
	return cordon_vlog_append(px->log_fd, v, NULL);
}

/* shown: the host as written in an allowlist rule (IPv6 literals in brackets). */
static void shown(const struct px_conn *c, char *buf, size_t len)
{
	if (strchr(c->canon, ':'))
		snprintf(buf, len, "[%s]", c->canon);
	else
		snprintf(buf, len, "%s", c->canon);
}

/* ---- relay ---- */

/* move: relay src → pipe → dst until both sides would block. limit: bytes still allowed from
 * src (NULL: unlimited). Returns 0, or -1 when the connection failed. */
static int move(struct px_dir *d, int src, int dst, uint64_t *limit)
{
	const unsigned fl = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

	for (;;) {
		bool progress = false;
		ssize_t n;

		if (d->pend > 0) {
			n = splice(d->pipe[0], NULL, dst, NULL, d->pend, fl);
			if (n > 0) {
				d->pend -= (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!d->eof && limit && *limit == 0)
			d->eof = true;
		if (!d->eof && d->pend < PX_PIPE_CAP) {
			size_t want = PX_PIPE_CAP - d->pend;

			if (limit && *limit < want)
				want = (size_t)*limit;
			n = splice(src, NULL, d->pipe[1], NULL, want, fl);
			if (n > 0) {
				d->pend += (size_t)n;
				if (limit)
					*limit -= (uint64_t)n;
				progress = true;
			} else if (n == 0) {
				d->eof = true;
				progress = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (!progress)
			return 0;
	}
}

static void pump(struct px_conn *c)
{
	int rc = send_buf(c->evc.fd, c->outc, c->outc_len, &c->outc_off);
	int ru;

	if (rc < 0)
		goto broken;
	ru = send_buf(c->evu.fd, c->outu, c->outu_len, &c->outu_off);
	if (ru < 0)
		goto broken;
	if (ru == 1 && move(&c->cu, c->evc.fd, c->evu.fd, c->tunnel ? NULL : &c->body_left) < 0)
		goto broken;
	if (rc == 1 && move(&c->uc, c->evu.fd, c->evc.fd, NULL) < 0)
		goto broken;
	if (c->tunnel && c->cu.eof && c->cu.pend == 0 && !c->cu.shut) {
		shutdown(c->evu.fd, SHUT_WR);
		c->cu.shut = true;
	}
	if (c->uc.eof && c->uc.pend == 0 && !c->uc.shut) {
		if (!c->tunnel) {
			/* One request per upstream connection: the response is complete. */
			drop_upstream(c);
			linger(c);
			return;
		}
		shutdown(c->evc.fd, SHUT_WR);
		c->uc.shut = true;
	}
	if (c->cu.shut && c->uc.shut)
		conn_close(c);
	return;
broken:
	conn_close(c);
}

static void start_relay(struct px_conn *c)
{
	const char *rest = c->in + c->used;
	size_t nrest = c->inlen - c->used;

	timer_stop(c);
	if (c->proto == PX_SOCKS) {
		struct sockaddr_storage bnd;
		socklen_t bl = sizeof(bnd);
		uint8_t rep[32];
		size_t n;

		if (getsockname(c->evu.fd, (struct sockaddr *)&bnd, &bl) < 0)
			bnd.ss_family = AF_UNSPEC;
		n = px_socks5_reply(rep, PX_SOCKS5_OK, (struct sockaddr *)&bnd);
		if (set_out(&c->outc, &c->outc_len, &c->outc_off, rep, n) < 0 ||
		    set_out(&c->outu, &c->outu_len, &c->outu_off, rest, nrest) < 0)
			goto nomem;
	} else if (c->tunnel) {
		static const char ok[] = "HTTP/1.1 200 Connection Established\r\n\r\n";

		if (set_out(&c->outc, &c->outc_len, &c->outc_off, ok, sizeof(ok) - 1) < 0 ||
		    set_out(&c->outu, &c->outu_len, &c->outu_off, rest, nrest) < 0)
			goto nomem;
	} else {
		/* The rewritten head, then the part of the body already read; bytes beyond the
		 * body (a pipelined request) are dropped: one request per upstream connection. */
		char *head = malloc(PX_HTTP_HEAD_MAX + 1024);
		int hl;
		size_t body = nrest < c->req->body_len ? nrest : (size_t)c->req->body_len;

		if (!head)
			goto nomem;
		hl = px_http_rewrite(c->req, c->in, head, PX_HTTP_HEAD_MAX);
		if (hl < 0) {
			free(head);
			fail(c, 431, 0, "cordon: request head too large after rewriting\n");
			return;
		}
		memcpy(head + hl, rest, body);
		free(c->outu);
		c->outu = head;
		c->outu_len = (size_t)hl + body;
		c->outu_off = 0;
		c->body_left = c->req->body_len - body;
	}
	free(c->in);
	c->in = NULL;
	free(c->req);
	c->req = NULL;
	if (pipe2(c->cu.pipe, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    pipe2(c->uc.pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		fail(c, 503, PX_SOCKS5_FAILURE, "cordon: proxy out of file descriptors\n");
		return;
	}
	c->st = ST_RELAY;
	pump(c);
	return;
nomem:
	fail(c, 503, PX_SOCKS5_FAILURE, "cordon: proxy out of memory\n");
}

/* ---- upstream connect ---- */

static void try_connect(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;

	drop_upstream(c);
	for (; c->ai < c->addrs.n; c->ai++) {
		const struct sockaddr_storage *a = &c->addrs.a[c->ai];
		socklen_t al = a->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						       : sizeof(struct sockaddr_in6);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					 .data.ptr = &c->evu};
		int fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			c->connect_err = errno;
			continue;
		}
		if (connect(fd, (const struct sockaddr *)a, al) < 0 && errno != EINPROGRESS) {
			c->connect_err = errno;
			close(fd);
			continue;
		}
		if (epoll_ctl(px->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			c->connect_err = errno;
			close(fd);
			continue;
		}
		c->evu.fd = fd;
		c->st = ST_CONNECTING;
		timer_start(c);
		return;
	}
	{
		char h[300];
		int err = c->connect_err;

		shown(c, h, sizeof(h));
		if (err == EMFILE || err == ENFILE)
			fail(c, 503, PX_SOCKS5_FAILURE, "cordon: proxy out of file descriptors\n");
		else
			fail(c, 502,
			     err == ECONNREFUSED ? PX_SOCKS5_REFUSED : PX_SOCKS5_HOST_UNREACHABLE,
			     "cordon: cannot connect to %s port %u: %s\n", h, c->port,
			     strerror(err ? err : ETIMEDOUT));
	}
}

/* addresses_ready: keep the addresses that pass px_addr_check, in order; connect to exactly
 * those (no second lookup between the check and the connect). */
static void addresses_ready(struct px_conn *c, const struct px_addrs *in)
{
	char why[256] = "", first[256] = "";
	size_t k = 0;

	for (size_t i = 0; i < in->n; i++) {
		if (px_addr_check(c->px->policy, (const struct sockaddr *)&in->a[i], c->port, why,
				  sizeof(why)) < 0) {
			if (!first[0])
				snprintf(first, sizeof(first), "%s", why);
			continue;
		}
		c->addrs.a[k++] = in->a[i];
	}
	c->addrs.n = k;
	c->ai = 0;
	if (k == 0) {
		char h[300], lit[64] = "";
		const char *sp;

		shown(c, h, sizeof(h));
		vlog(c, h, first[0] ? first : "no address");
		/* "resolves to loopback address 127.0.0.1, ...": offer the rule that would allow
		 * it. */
		sp = strstr(first, "address ");
		if (sp)
			sscanf(sp + 8, "%63[^,]", lit);
		if (lit[0]) {
			char rule[72];
			bool v6 = strchr(lit, ':') != NULL;
			snprintf(rule, sizeof(rule), "%s%s%s", v6 ? "[" : "", lit, v6 ? "]" : "");
			fail(c, 403, PX_SOCKS5_NOT_ALLOWED,
			     "cordon: host %s %s (sandbox allow-host %s, or --allow-host %s)\n", h,
			     first, rule, rule);
		} else
			fail(c, 403, PX_SOCKS5_NOT_ALLOWED, "cordon: host %s %s\n", h, first);
		return;
	}
	try_connect(c);
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
		fail(c, 502, PX_SOCKS5_HOST_UNREACHABLE, "cordon: cannot resolve %s: %s\n", h,
		     why ? why : strerror(-err));
		return;
	}
	addresses_ready(c, addrs);
}

/* proceed: the host is allowed: an IP literal goes to the address checks as it is, a name to
 * the lookup. */
static void proceed(struct px_conn *c)
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
			fail(c, 400, PX_SOCKS5_FAILURE, "cordon: bad address %s\n", h);
			return;
		}
		now.n = 1;
		addresses_ready(c, &now);
		return;
	}
	c->st = ST_RESOLVING;
	timer_start(c);
	rc = px_resolve(c->px->res, c->canon, c->port, &now, &why, resolved, c, &c->lookup);
	if (rc == 0)
		return;
	if (rc < 0) {
		fail(c, 502, PX_SOCKS5_HOST_UNREACHABLE, "cordon: cannot resolve %s: %s\n", h,
		     why ? why : strerror(-rc));
		return;
	}
	addresses_ready(c, &now);
}

/* ask_refuse: the question about c was answered deny, or not in time. */
static void ask_refuse(struct px_conn *c, const char *why)
{
	char h[300], reason[128];

	c->st = ST_RESOLVING; /* no longer counted as asking */
	c->px->n_asking--;
	shown(c, h, sizeof(h));
	snprintf(reason, sizeof(reason), "not on the allowlist (%s)", why);
	vlog(c, h, reason);
	fail(c, 403, PX_SOCKS5_NOT_ALLOWED, "cordon: host %s is not on the allowlist (%s)\n", h,
	     why);
}

/* start_request: the client named host (raw bytes, len) and port. Policy first — canonical name,
 * allowlist and denylist — and only then any lookup (ATTACKS.md 28: no lookup of a denied name). */
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
		fail(c, 400, PX_SOCKS5_NOT_ALLOWED,
		     "cordon: invalid host name in the request: %s\n", e.msg);
		return;
	}
	shown(c, h, sizeof(h));
	/* The policy is live: read at each request, never cached. */
	v = cordon_host_decide(c->px->policy, c->canon, port);
	if (v == CORDON_VERDICT_DENY) {
		vlog(c, h, "on the denylist");
		fail(c, 403, PX_SOCKS5_NOT_ALLOWED, "cordon: host %s is on the denylist\n", h);
		return;
	}
	c->is_ip = is_ip;
	if (v == CORDON_VERDICT_UNLISTED && c->px->ask) {
		struct cordon_proxy *px = c->px;

		/* network/ask: the connection waits, still before any lookup. */
		c->st = ST_ASKING;
		c->ask_token = ++px->ask_seq;
		c->ask_deadline = now_ms() + px->ask_timeout_ms;
		px->n_asking++;
		if (px->ask(px->ask_arg, c->ask_token, c->canon, port) == 0)
			return;
		px->n_asking--;
		c->st = ST_RESOLVING; /* not waiting any more; refused just below */
	}
	if (v != CORDON_VERDICT_ALLOW) {
		vlog(c, h, "not on the allowlist");
		fail(c, 403, PX_SOCKS5_NOT_ALLOWED,
		     "cordon: host %s is not on the allowlist (sandbox allow-host %s, or "
		     "--allow-host %s)\n",
		     h, h, h);
		return;
	}
	proceed(c);
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
		fail(c, c->req->status, 0, "cordon: %s\n", c->req->why);
		return;
	}
	if (r == 0) {
		if (c->inlen >= PX_HTTP_HEAD_MAX)
			fail(c, 431, 0, "cordon: request head too large\n");
		else if (eof)
			conn_close(c);
		return;
	}
	c->used = c->req->head_len;
	c->tunnel = c->req->connect;
	c->vproto = c->tunnel ? "connect" : "http";
	timer_stop(c);
	start_request(c, c->req->host, c->req->host_len, c->req->port);
}

static void socks_input(struct px_conn *c)
{
	struct px_socks5_req sr;
	size_t used = 0;
	int r = read_in(c);

	if (r < 0) {
		conn_close(c);
		return;
	}
	if (c->st == ST_SOCKS_GREET) {
		static const uint8_t ok[2] = {5, 0x00}, none[2] = {5, 0xff};

		r = px_socks5_greeting((const uint8_t *)c->in, c->inlen, &used);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			conn_close(c);
			return;
		}
		if (r == 0) {
			if (set_out(&c->outc, &c->outc_len, &c->outc_off, none, 2) < 0)
				conn_close(c);
			else
				finish(c);
			return;
		}
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		c->outc_off = 0;
		if (send_buf(c->evc.fd, (const char *)ok, 2, &c->outc_off) != 1) {
			conn_close(c); /* two bytes to a fresh socket cannot block */
			return;
		}
		c->st = ST_SOCKS_REQ;
	}
	r = px_socks5_request((const uint8_t *)c->in, c->inlen, &sr, &used);
	if (r == -EAGAIN)
		return;
	timer_stop(c);
	if (r < 0) {
		char raw[256];

		if (r == -EINVAL && sr.atyp == 3) {
			/* log the name as sent (escaped in the log), cut at 255 bytes */
			size_t n = c->inlen > 5 ? (size_t)(uint8_t)c->in[4] : 0;

			if (n > c->inlen - 5)
				n = c->inlen - 5;
			memcpy(raw, c->in + 5, n);
			raw[n] = '\0';
			for (size_t i = 0; i < n; i++)
				if (raw[i] == '\0')
					raw[i] = '\x01';
			vlog(c, raw, "invalid host name (NUL or control character)");
		}
		reply_socks(c, sr.rep);
		return;
	}
	c->used = used;
	c->tunnel = true;
	start_request(c, sr.host, sr.host_len, sr.port);
}

/* ---- event handlers ---- */

static void client_ev(struct px_ev *ev, uint32_t events)
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
			conn_close(c);
		break;
	case ST_RELAY:
		pump(c);
		break;
	case ST_CLOSING:
		finish(c);
		break;
	case ST_LINGER:
		linger(c);
		break;
	}
}

static void upstream_ev(struct px_ev *ev, uint32_t events)
{
	struct px_conn *c = container_of(ev, struct px_conn, evu);
	int err = 0;
	socklen_t el = sizeof(err);

	if (ev->dead || ev->fd < 0)
		return;
	if (c->st == ST_RELAY) {
		pump(c);
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
		try_connect(c);
		return;
	}
	start_relay(c);
}

/* send_busy: best effort "at the connection limit" answer on fd (HTTP 503, or SOCKS5 "no
 * acceptable method" before the method negotiation). */
static void send_busy(int fd, enum px_proto proto)
{
	static const char busy[] =
	    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 46\r\nConnection: close\r\n\r\n"
	    "cordon: proxy at its connection limit, retry\r\n";
	static const uint8_t sbusy[2] = {5, 0xff};

	if (proto == PX_HTTP)
		(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		(void)send(fd, sbusy, sizeof(sbusy), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void refuse_busy(struct cordon_proxy *px, int fd, enum px_proto proto)
{
	(void)px;
	send_busy(fd, proto);
	close(fd);
}

/* evict_idle: at the connection limit, close the oldest connection that is only waiting on its
 * client: one that has not yet finished sending its request (HTTP head or SOCKS5 messages), or
 * one whose final reply is being sent or lingered over. Idle or trickling clients (slowloris)
 * then cannot lock out one that sends its request at once. The timer list is in start order.
 * Returns true when a connection was closed. */
static bool evict_idle(struct cordon_proxy *px)
{
	for (struct px_conn *c = px->thead; c; c = c->tnext) {
		switch (c->st) {
		case ST_HTTP_HEAD:
		case ST_SOCKS_GREET:
			send_busy(c->evc.fd, c->proto);
			break;
		case ST_SOCKS_REQ: /* past the negotiation: the client gets EOF */
		case ST_CLOSING:
		case ST_LINGER:
			break;
		default:
			continue;
		}
		conn_close(c);
		return true;
	}
	return false;
}

static void accept_one(struct cordon_proxy *px, int fd, enum px_proto proto)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};
	struct px_conn *c;

	if (px->nconns >= px->max_conns && !evict_idle(px)) {
		refuse_busy(px, fd, proto);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->in = malloc(PX_HTTP_HEAD_MAX);
	if (c && proto == PX_HTTP)
		c->req = malloc(sizeof(*c->req));
	if (!c || !c->in || (proto == PX_HTTP && !c->req)) {
		if (c)
			conn_free(c);
		refuse_busy(px, fd, proto);
		return;
	}
	c->px = px;
	c->proto = proto;
	c->evc.fn = client_ev;
	c->evc.fd = fd;
	c->evu.fn = upstream_ev;
	c->evu.fd = -1;
	c->cu.pipe[0] = c->cu.pipe[1] = c->uc.pipe[0] = c->uc.pipe[1] = -1;
	c->vproto = proto == PX_HTTP ? "http" : "socks5";
	if (proto == PX_HTTP) {
		px_http_init(c->req);
		c->st = ST_HTTP_HEAD;
	} else {
		c->st = ST_SOCKS_GREET;
	}
	ev.data.ptr = &c->evc;
	if (epoll_ctl(px->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		conn_free(c);
		refuse_busy(px, fd, proto);
		return;
	}
	c->next = px->conns;
	if (px->conns)
		px->conns->prev = c;
	px->conns = c;
	px->nconns++;
	timer_start(c);
	/* Edge-triggered: bytes that arrived before registration raise no edge. */
	client_ev(&c->evc, EPOLLIN);
}

static void listener_ev(struct px_ev *ev, uint32_t events)
{
	struct px_listener *l = (struct px_listener *)ev;
	struct cordon_proxy *px = l->px;

	(void)events;
	for (int i = 0; i < PX_MAX_EVENTS; i++) {
		int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if ((errno == EMFILE || errno == ENFILE) && evict_idle(px))
				continue; /* an idle client's fd is free now: take this one */
			if (errno == EMFILE || errno == ENFILE) {
				/* Free the spare fd to take the connection off the queue and tell
				 * the client, instead of spinning on a level-triggered listener. */
				close_fd(&px->reserve_fd);
				fd = accept4(ev->fd, NULL, NULL, SOCK_CLOEXEC);
				if (fd >= 0)
					refuse_busy(px, fd, l->proto);
				px->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
				continue;
			}
			return; /* EAGAIN, or a transient error (ECONNABORTED …) */
		}
		accept_one(px, fd, l->proto);
	}
}

static void watch_ev(struct px_ev *ev, uint32_t events)
{
	struct px_watch *w = (struct px_watch *)ev;
	struct cordon_proxy *px = w->px;

	if (ev->dead)
		return;
	if (w->cb(px, ev->fd, events, w->arg) == 0)
		return;
	epoll_ctl(px->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
	close_fd(&ev->fd);
	ev->dead = true;
	for (struct px_watch **pp = &px->watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->next = px->dead_watches;
	px->dead_watches = w;
}

/* ask_next_deadline: the earliest deadline of a connection in ST_ASKING, or 0 when none. */
static uint64_t ask_next_deadline(const struct cordon_proxy *px)
{
	uint64_t d = 0;

	if (!px->n_asking)
		return 0;
	for (const struct px_conn *c = px->conns; c; c = c->next)
		if (c->st == ST_ASKING && (!d || c->ask_deadline < d))
			d = c->ask_deadline;
	return d;
}

static void expire(struct cordon_proxy *px)
{
	uint64_t now = now_ms();

	if (px->n_asking && ask_next_deadline(px) <= now)
		for (struct px_conn *c = px->conns, *nx; c; c = nx) {
			nx = c->next;
			if (c->st == ST_ASKING && c->ask_deadline <= now)
				ask_refuse(c, "no answer when asked");
		}

	while (px->thead && px->thead->deadline <= now) {
		struct px_conn *c = px->thead;

		timer_stop(c);
		switch (c->st) {
		case ST_HTTP_HEAD:
			fail(c, 408, 0, "cordon: request head not received within %d s\n",
			     PX_SETUP_TIMEOUT_MS / 1000);
			break;
		case ST_RESOLVING:
			px_lookup_cancel(c->lookup);
			c->lookup = NULL;
			fail(c, 504, PX_SOCKS5_HOST_UNREACHABLE, "cordon: name lookup timed out\n");
			break;
		case ST_CONNECTING:
			c->connect_err = ETIMEDOUT;
			c->ai++;
			try_connect(c);
			break;
		default:
			conn_close(c);
			break;
		}
	}
}

/* free_dead: free the connections and watches closed during this round of events. */
static void free_dead(struct cordon_proxy *px)
{
	while (px->dead) {
		struct px_conn *c = px->dead;

		px->dead = c->next;
		conn_free(c);
	}
	while (px->dead_watches) {
		struct px_watch *w = px->dead_watches;

		px->dead_watches = w->next;
		free(w);
	}
}

static void reap(struct cordon_proxy *px)
{
	free_dead(px);
	px_resolver_reap(px->res);
}

/* ---- public ---- */

static int add_listener(struct cordon_proxy *px, struct px_listener *l, int fd, enum px_proto proto,
			struct cordon_error *e)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};

	l->ev.fn = listener_ev;
	l->ev.fd = fd;
	l->px = px;
	l->proto = proto;
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    epoll_ctl(px->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return cordon_error_set(e, errno, "proxy: %s listener: %s",
					proto == PX_HTTP ? "HTTP" : "SOCKS5", strerror(errno));
	return 0;
}

int cordon_proxy_new(const struct cordon_proxy_config *cfg, struct cordon_proxy **out,
		     struct cordon_error *e)
{
	struct cordon_proxy *px = calloc(1, sizeof(*px));
	struct rlimit rl;
	int rc;

	if (!px)
		return cordon_error_set(e, ENOMEM, "proxy: out of memory");
	px->policy = cfg->policy;
	px->log_fd = cfg->log_fd;
	px->ask = cfg->ask;
	px->ask_arg = cfg->ask_arg;
	px->ask_timeout_ms =
	    cfg->ask_timeout_ms ? cfg->ask_timeout_ms : CORDON_PROXY_ASK_TIMEOUT_MS;
	if (cfg->log_fd < 0 && cfg->log_path && !(px->log_path = strdup(cfg->log_path))) {
		free(px);
		return cordon_error_set(e, ENOMEM, "proxy: out of memory");
	}
	px->http.ev.fd = px->socks.ev.fd = -1;
	px->reserve_fd = -1;
	px->epfd = -1;
	px->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (px->epfd < 0) {
		rc = cordon_error_set(e, errno, "proxy: epoll_create1: %s", strerror(errno));
		goto fail;
	}
	rc = add_listener(px, &px->http, cfg->http_fd, PX_HTTP, e);
	if (rc == 0)
		rc = add_listener(px, &px->socks, cfg->socks_fd, PX_SOCKS, e);
	if (rc < 0)
		goto fail;
	rc = px_resolver_new(px->epfd, cfg->hosts_file, &px->res, e);
	if (rc < 0) {
		cordon_error_prefix(e, rc, "proxy");
		goto fail;
	}
	px->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* Each relayed connection holds PX_FDS_PER_CONN fds; keep some for c-ares and callers. */
	px->max_conns = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 64)
		px->max_conns = (size_t)(rl.rlim_cur - 64) / PX_FDS_PER_CONN;
	else if (rl.rlim_cur == RLIM_INFINITY)
		px->max_conns = 100000;
	*out = px;
	return 0;
fail:
	/* The fds were handed over: close them on failure as on success. */
	if (px->http.ev.fd < 0 && cfg->http_fd >= 0)
		close(cfg->http_fd);
	if (px->socks.ev.fd < 0 && cfg->socks_fd >= 0)
		close(cfg->socks_fd);
	cordon_proxy_free(px);
	return rc;
}

int cordon_proxy_watch(struct cordon_proxy *px, int fd, uint32_t events, cordon_fd_cb cb, void *arg,
		       struct cordon_error *e)
{
	struct px_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {.events = events};

	if (!w)
		return cordon_error_set(e, ENOMEM, "proxy: out of memory");
	w->ev.fn = watch_ev;
	w->ev.fd = fd;
	w->px = px;
	w->cb = cb;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(px->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = errno;

		free(w);
		return cordon_error_set(e, err, "proxy: watch fd %d: %s", fd, strerror(err));
	}
	w->next = px->watches;
	px->watches = w;
	return 0;
}

int cordon_proxy_answer(struct cordon_proxy *px, uint64_t token, enum cordon_ask_answer a)
{
	int found = 0;

	for (struct px_conn *c = px->conns, *nx; c; c = nx) {
		nx = c->next;
		if (c->st != ST_ASKING || (token && c->ask_token != token))
			continue;
		found = 1;
		if (a == CORDON_ASK_DENY) {
			ask_refuse(c, "denied when asked");
			continue;
		}
		if (a == CORDON_ASK_SESSION) {
			char pat[300];
			struct cordon_error e = {{0}};

			snprintf(pat, sizeof(pat), strchr(c->canon, ':') ? "[%s]:%u" : "%s:%u",
				 c->canon, c->port);
			/* Out of memory only costs the "for the session" part. */
			(void)cordon_policy_add_host(&px->policy->allow_hosts, pat, &e);
		}
		c->st = ST_RESOLVING;
		px->n_asking--;
		proceed(c);
	}
	return found ? 0 : -ENOENT;
}

void cordon_proxy_each_tunnel(struct cordon_proxy *px,
			      void (*fn)(void *arg, int client_fd, const char *host, uint16_t port),
			      void *arg)
{
	for (struct px_conn *c = px->conns; c; c = c->next)
		if (c->st == ST_RELAY && c->tunnel && !c->evc.dead)
			fn(arg, c->evc.fd, c->canon, c->port);
}

int cordon_proxy_run(struct cordon_proxy *px, struct cordon_error *e)
{
	struct epoll_event evs[PX_MAX_EVENTS];

	px->stop = false;
	while (!px->stop) {
		int timeout = -1, n;

		if (px->thead || px->n_asking) {
			uint64_t now = now_ms(), d = px->thead ? px->thead->deadline : 0;
			uint64_t a = ask_next_deadline(px);

			if (a && (!d || a < d))
				d = a;
			timeout = d > now ? (int)(d - now) : 0;
		}
		timeout = px_resolver_timeout_ms(px->res, timeout);
		n = epoll_wait(px->epfd, evs, PX_MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cordon_error_set(e, errno, "proxy: epoll_wait: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			struct px_ev *ev = evs[i].data.ptr;

			if (!ev->dead)
				ev->fn(ev, evs[i].events);
		}
		px_resolver_tick(px->res);
		expire(px);
		reap(px);
	}
	return 0;
}

void cordon_proxy_stop(struct cordon_proxy *px)
{
	px->stop = true;
}

void cordon_proxy_free(struct cordon_proxy *px)
{
	if (!px)
		return;
	while (px->conns)
		conn_close(px->conns);
	px_resolver_free(px->res); /* after the connections: their lookups are cancelled */
	while (px->watches) {
		struct px_watch *w = px->watches;

		px->watches = w->next;
		close_fd(&w->ev.fd);
		free(w);
	}
	px->res = NULL;
	free_dead(px);
	close_fd(&px->http.ev.fd);
	close_fd(&px->socks.ev.fd);
	close_fd(&px->reserve_fd);
	close_fd(&px->log_fd);
	free(px->log_path);
	if (px->epfd >= 0)
		close(px->epfd);
	free(px);
}
