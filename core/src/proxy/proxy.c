/* proxy.c — the filtering proxy (proxy.h) on the session's event loop (loop.h): listening
 * sockets, accept and the connection limit, per-connection timers, and the public API. The
 * connection itself is proxy_conn.c's (request and decision) and proxy_relay.c's (the bytes). */
#include "cordon/proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proxy_conn.h"
#include "proxy_socks5.h"

#define PX_MAX_ACCEPTS 64 /* connections taken off a listener's queue per event */

uint64_t px_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- timers: one duration for every deadline, so appending keeps the list sorted ---- */

void px_timer_stop(struct px_conn *c)
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

void px_timer_start(struct px_conn *c)
{
	struct cordon_proxy *px = c->px;

	px_timer_stop(c);
	c->deadline = px_now_ms() + PX_SETUP_TIMEOUT_MS;
	c->tprev = px->ttail;
	if (px->ttail)
		px->ttail->tnext = c;
	else
		px->thead = c;
	px->ttail = c;
	c->timed = true;
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
	else if (proto == PX_SOCKS)
		(void)send(fd, sbusy, sizeof(sbusy), MSG_NOSIGNAL | MSG_DONTWAIT);
	else
		px_transparent_reset(fd);
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
		px_conn_close(c);
		return true;
	}
	return false;
}

static void accept_one(struct cordon_proxy *px, int fd, enum px_proto proto)
{
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
			px_conn_free(c);
		refuse_busy(px, fd, proto);
		return;
	}
	px_sock_relay(fd);
	c->px = px;
	c->proto = proto;
	c->evc.fn = px_client_ev;
	c->evc.fd = fd;
	c->evu.fn = px_upstream_ev;
	c->evu.fd = -1;
	c->cu.pipe[0] = c->cu.pipe[1] = c->uc.pipe[0] = c->uc.pipe[1] = -1;
	c->vproto = proto == PX_HTTP ? "http" : proto == PX_SOCKS ? "socks5" : "tcp";
	if (proto == PX_HTTP) {
		px_http_init(c->req);
		c->st = ST_HTTP_HEAD;
	} else if (proto == PX_SOCKS) {
		c->st = ST_SOCKS_GREET;
	} else {
		c->st = ST_RESOLVING; /* until the request says otherwise */
	}
	if (loop_add(px->loop, &c->evc, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) < 0) {
		px_conn_free(c);
		refuse_busy(px, fd, proto);
		return;
	}
	c->next = px->conns;
	if (px->conns)
		px->conns->prev = c;
	px->conns = c;
	px->nconns++;
	px_timer_start(c);
	if (proto == PX_TRANSPARENT) {
		px_transparent_request(c);
		return;
	}
	/* Edge-triggered: bytes that arrived before registration raise no edge. */
	px_client_ev(&c->evc, EPOLLIN);
}

static void listener_ev(struct loop_ev *ev, uint32_t events)
{
	struct px_listener *l = (struct px_listener *)ev;
	struct cordon_proxy *px = l->px;

	(void)events;
	for (int i = 0; i < PX_MAX_ACCEPTS; i++) {
		int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if ((errno == EMFILE || errno == ENFILE) && evict_idle(px))
				continue; /* an idle client's fd is free now: take this one */
			if (errno == EMFILE || errno == ENFILE) {
				/* Free the spare fd to take the connection off the queue and tell
				 * the client, instead of spinning on a level-triggered listener. */
				if (px->reserve_fd >= 0)
					close(px->reserve_fd);
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

/* expire: refuse or close what waited too long (ask, head, lookup, connect, linger). */
static void expire(struct cordon_proxy *px)
{
	uint64_t now = px_now_ms();

	if (px->n_asking && ask_next_deadline(px) <= now)
		for (struct px_conn *c = px->conns, *nx; c; c = nx) {
			nx = c->next;
			if (c->st == ST_ASKING && c->ask_deadline <= now)
				px_ask_refuse(c, "no answer when asked");
		}

	while (px->thead && px->thead->deadline <= now) {
		struct px_conn *c = px->thead;

		px_timer_stop(c);
		switch (c->st) {
		case ST_HTTP_HEAD:
			px_fail(c, 408, 0, "cordon: request head not received within %d s\n",
				PX_SETUP_TIMEOUT_MS / 1000);
			break;
		case ST_RESOLVING:
			px_lookup_cancel(c->lookup);
			c->lookup = NULL;
			px_fail(c, 504, PX_SOCKS5_HOST_UNREACHABLE,
				"cordon: name lookup timed out\n");
			break;
		case ST_CONNECTING:
			c->connect_err = ETIMEDOUT;
			c->ai++;
			px_try_connect(c);
			break;
		default:
			px_conn_close(c);
			break;
		}
	}
}

/* ---- public ---- */

static int add_listener(struct cordon_proxy *px, struct px_listener *l, int fd, enum px_proto proto,
			struct cordon_error *e)
{
	int r;

	l->ev.fn = listener_ev;
	l->ev.fd = fd;
	l->px = px;
	l->proto = proto;
	if (fd < 0)
		return 0;
	r = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ? -errno : 0;
	if (r == 0)
		r = loop_add(px->loop, &l->ev, EPOLLIN);
	if (r < 0)
		return cordon_error_set(e, -r, "proxy: %s listener: %s",
					proto == PX_HTTP    ? "HTTP"
					: proto == PX_SOCKS ? "SOCKS5"
							    : "transparent",
					strerror(-r));
	return 0;
}

/* ---- the loop hook: how long the loop may sleep, and the work after each batch ---- */

static int hook_timeout(void *arg)
{
	struct cordon_proxy *px = arg;
	int timeout = -1;

	if (px->thead || px->n_asking) {
		uint64_t now = px_now_ms(), d = px->thead ? px->thead->deadline : 0;
		uint64_t a = ask_next_deadline(px);

		if (a && (!d || a < d))
			d = a;
		timeout = d > now ? (int)(d - now) : 0;
	}
	return px_resolver_timeout_ms(px->res, timeout);
}

/* free_dead: free the connections closed during this batch of events. */
static void free_dead(struct cordon_proxy *px)
{
	while (px->dead) {
		struct px_conn *c = px->dead;

		px->dead = c->next;
		px_conn_free(c);
	}
}

static void hook_run(void *arg)
{
	struct cordon_proxy *px = arg;

	px_resolver_tick(px->res);
	expire(px);
	free_dead(px);
	px_resolver_reap(px->res);
}

/* ---- cordon_proxy_watch: the loop's watches with the proxy's callback type ---- */

struct px_compat_watch {
	struct cordon_proxy *px;
	cordon_fd_cb cb;
	void *arg;
	struct px_compat_watch *prev, *next;
};

static void compat_unlink(struct cordon_proxy *px, struct px_compat_watch *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		px->compat = w->next;
	if (w->next)
		w->next->prev = w->prev;
}

static int compat_ev(struct cordon_loop *l, int fd, uint32_t events, void *arg)
{
	struct px_compat_watch *w = arg;

	(void)l;
	if (w->cb(w->px, fd, events, w->arg) == 0)
		return 0;
	compat_unlink(w->px, w);
	free(w);
	return 1;
}

int cordon_proxy_watch(struct cordon_proxy *px, int fd, uint32_t events, cordon_fd_cb cb, void *arg,
		       struct cordon_error *e)
{
	struct px_compat_watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return cordon_error_set(e, ENOMEM, "proxy: out of memory");
	w->px = px;
	w->cb = cb;
	w->arg = arg;
	r = loop_watch(px->loop, fd, events, compat_ev, w, e);
	if (r < 0) {
		free(w);
		return r;
	}
	w->next = px->compat;
	if (px->compat)
		px->compat->prev = w;
	px->compat = w;
	return 0;
}

/* ---- public ---- */

unsigned long cordon_proxy_nofile_target(const struct rlimit *rl)
{
	rlim_t t = rl->rlim_max;

	if (rl->rlim_cur == RLIM_INFINITY)
		return (unsigned long)RLIM_INFINITY;
	if (t == RLIM_INFINITY || t > CORDON_PROXY_NOFILE_MAX)
		t = CORDON_PROXY_NOFILE_MAX;
	return (unsigned long)(t > rl->rlim_cur ? t : rl->rlim_cur);
}

long cordon_proxy_nofile_raise(void)
{
	struct rlimit rl;
	unsigned long t;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	t = cordon_proxy_nofile_target(&rl);
	if (t != (unsigned long)rl.rlim_cur) {
		rl.rlim_cur = t;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
	}
	return rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
}

size_t cordon_proxy_capacity(unsigned long nofile)
{
	if (nofile == (unsigned long)RLIM_INFINITY)
		return CORDON_PROXY_CONNS_UNLIMITED;
	if (nofile <= CORDON_PROXY_FDS_RESERVED + CORDON_PROXY_FDS_PER_CONN)
		return 1;
	return (size_t)(nofile - CORDON_PROXY_FDS_RESERVED) / CORDON_PROXY_FDS_PER_CONN;
}

size_t cordon_proxy_max_conns(const struct cordon_proxy *px)
{
	return px->max_conns;
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
	px->ask = cfg->ask;
	px->ask_arg = cfg->ask_arg;
	px->ask_timeout_ms =
	    cfg->ask_timeout_ms ? cfg->ask_timeout_ms : CORDON_PROXY_ASK_TIMEOUT_MS;
	px->http.ev.fd = px->socks.ev.fd = px->tp4.ev.fd = px->tp6.ev.fd = -1;
	px->reserve_fd = -1;
	px->own_sink.fd = -1;
	if (cfg->sink) {
		px->sink = cfg->sink;
	} else {
		px->sink = &px->own_sink;
		if (vlog_sink_init(&px->own_sink, cfg->log_fd, cfg->log_path) < 0) {
			rc = cordon_error_set(e, ENOMEM, "proxy: out of memory");
			goto fail;
		}
	}
	if (cfg->loop) {
		px->loop = cfg->loop;
	} else {
		rc = loop_new(&px->own_loop, e);
		if (rc < 0) {
			cordon_error_prefix(e, rc, "proxy");
			goto fail;
		}
		px->loop = px->own_loop;
	}
	rc = add_listener(px, &px->http, cfg->http_fd, PX_HTTP, e);
	if (rc == 0)
		rc = add_listener(px, &px->socks, cfg->socks_fd, PX_SOCKS, e);
	if (rc == 0 && cfg->capture) {
		px->capture = cfg->capture;
		rc = add_listener(px, &px->tp4, cfg->transparent_fd[0], PX_TRANSPARENT, e);
		if (rc == 0)
			rc = add_listener(px, &px->tp6, cfg->transparent_fd[1], PX_TRANSPARENT, e);
	}
	if (rc < 0)
		goto fail;
	rc = px_resolver_new(px->loop, cfg->hosts_file, &px->res, e);
	if (rc < 0) {
		cordon_error_prefix(e, rc, "proxy");
		goto fail;
	}
	px->hook.timeout_ms = hook_timeout;
	px->hook.run = hook_run;
	px->hook.arg = px;
	loop_hook_add(px->loop, &px->hook);
	px->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	px->max_conns = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? cordon_proxy_capacity(rl.rlim_cur) : 1;
	*out = px;
	return 0;
fail:
	/* The fds were handed over: close them on failure as on success. */
	if (px->http.ev.fd < 0 && cfg->http_fd >= 0)
		close(cfg->http_fd);
	if (px->socks.ev.fd < 0 && cfg->socks_fd >= 0)
		close(cfg->socks_fd);
	for (int i = 0; cfg->capture && i < 2; i++)
		if ((i ? px->tp6.ev.fd : px->tp4.ev.fd) < 0 && cfg->transparent_fd[i] >= 0)
			close(cfg->transparent_fd[i]);
	cordon_proxy_free(px);
	return rc;
}

int cordon_proxy_forward(struct cordon_proxy *px, int client_fd, int upstream_fd,
			 struct cordon_error *e)
{
	struct px_conn *c = px->nconns < px->max_conns ? calloc(1, sizeof(*c)) : NULL;

	if (c)
		c->in = malloc(1);
	if (!c || !c->in) {
		if (c)
			px_conn_free(c);
		close(client_fd);
		close(upstream_fd);
		return cordon_error_set(e, ENOMEM, "forward: at the connection limit");
	}
	c->px = px;
	c->proto = PX_FORWARD;
	c->tunnel = true;
	c->vproto = "forward";
	c->evc.fn = px_client_ev;
	c->evc.fd = client_fd;
	c->evu.fn = px_upstream_ev;
	c->evu.fd = upstream_fd;
	c->cu.pipe[0] = c->cu.pipe[1] = c->uc.pipe[0] = c->uc.pipe[1] = -1;
	c->st = ST_CONNECTING;
	int r = loop_add(px->loop, &c->evc, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	if (r == 0 && (r = loop_add(px->loop, &c->evu, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)) < 0)
		loop_del(px->loop, &c->evc);
	if (r < 0) {
		px_conn_free(c);
		close(client_fd);
		close(upstream_fd);
		return cordon_error_set(e, -r, "forward: epoll: %s", strerror(-r));
	}
	c->next = px->conns;
	if (px->conns)
		px->conns->prev = c;
	px->conns = c;
	px->nconns++;
	px_timer_start(c);
	return 0;
}

int cordon_proxy_log(struct cordon_proxy *px, const struct cordon_vlog_entry *v)
{
	return vlog_sink_append(px->sink, v);
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
			px_ask_refuse(c, "denied when asked");
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
		px_proceed(c);
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
	return loop_run(px->loop, e);
}

void cordon_proxy_stop(struct cordon_proxy *px)
{
	loop_stop(px->loop);
}

void cordon_proxy_free(struct cordon_proxy *px)
{
	if (!px)
		return;
	while (px->conns)
		px_conn_close(px->conns);
	px_resolver_free(px->res); /* after the connections: their lookups are cancelled */
	px->res = NULL;
	free_dead(px);
	if (px->loop) {
		loop_hook_del(px->loop, &px->hook);
		loop_del(px->loop, &px->http.ev);
		loop_del(px->loop, &px->socks.ev);
		if (px->tp4.ev.fd >= 0)
			loop_del(px->loop, &px->tp4.ev);
		if (px->tp6.ev.fd >= 0)
			loop_del(px->loop, &px->tp6.ev);
	}
	int lfds[] = {px->http.ev.fd, px->socks.ev.fd, px->tp4.ev.fd, px->tp6.ev.fd};
	for (size_t i = 0; i < sizeof(lfds) / sizeof(lfds[0]); i++)
		if (lfds[i] >= 0)
			close(lfds[i]);
	if (px->reserve_fd >= 0)
		close(px->reserve_fd);
	if (px->sink == &px->own_sink)
		vlog_sink_close(&px->own_sink);
	/* Watches made through cordon_proxy_watch end with the proxy, their fds closed. */
	while (px->compat) {
		struct px_compat_watch *w = px->compat;
		int fd = loop_unwatch(px->loop, compat_ev, w);

		if (fd >= 0)
			close(fd);
		px->compat = w->next;
		free(w);
	}
	loop_free(px->own_loop);
	free(px);
}
