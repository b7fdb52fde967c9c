/* proxy_resolve.c — the proxy's name resolution: c-ares driven by the session's event loop (socket
 * state callback, timeouts from ares_timeout), so one slow lookup never stalls other connections;
 * plus the hosts-file hook used by the tests. */
#include "proxy_resolve.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

#include "loop.h"

struct px_ares_sock {
	struct loop_ev ev;
	struct px_resolver *r;
	struct px_ares_sock *next;
};

struct px_resolver {
	ares_channel ch; /* made at the first lookup that the hosts file does not answer */
	bool lib_init;   /* ares_library_init done (undone in px_resolver_free) */
	int init_status; /* ARES_SUCCESS, or why the channel could not be made (kept) */
	struct cordon_loop *loop;
	const char *hosts_file;
	struct px_ares_sock *socks, *retired;
};

struct px_lookup {
	px_resolve_cb cb;
	void *arg;
	uint16_t port;
	bool in_call; /* inside ares_getaddrinfo: an answer is kept for px_resolve to return */
	bool done;
	int err;
	const char *why;
	struct px_addrs *now;
};

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* parse_addr: a hosts(5) address field: an IPv4 dotted quad or an IPv6 address. */
static bool parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		return true;
	}
	return false;
}

int px_hosts_lookup(const char *path, const char *name, uint16_t port, struct px_addrs *out)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	out->n = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *hash = strchr(line, '#');
		struct sockaddr_storage ss;

		if (hash)
			*hash = '\0';
		tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || !parse_addr(tok, &ss))
			continue;
		while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
			size_t tl = strlen(tok);

			if (tl && tok[tl - 1] == '.')
				tok[--tl] = '\0';
			if (strcasecmp(tok, name))
				continue;
			if (out->n < PX_ADDRS_MAX) {
				set_port(&ss, port);
				out->a[out->n++] = ss;
			}
			break;
		}
	}
	fclose(f);
	return out->n > 0;
}

static void sock_ev(struct loop_ev *ev, uint32_t events)
{
	struct px_ares_sock *s = (struct px_ares_sock *)ev;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (ev->dead)
		return;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = ev->fd;
	if (events & EPOLLOUT)
		wfd = ev->fd;
	ares_process_fd(s->r->ch, rfd, wfd);
}

/* sock_state: c-ares opens, watches and closes its sockets; mirror that in the epoll set. */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct px_resolver *r = data;
	struct px_ares_sock **pp, *s;
	uint32_t events;

	for (pp = &r->socks; *pp && (*pp)->ev.fd != fd; pp = &(*pp)->next)
		;
	s = *pp;
	if (!readable && !writable) {
		if (!s)
			return;
		loop_del(r->loop, &s->ev);
		*pp = s->next;
		s->ev.dead = true;
		s->next = r->retired;
		r->retired = s;
		return;
	}
	events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return; /* the lookup then times out: c-ares still bounds it */
		s->ev.fn = sock_ev;
		s->ev.fd = fd;
		s->r = r;
		if (loop_add(r->loop, &s->ev, events) < 0) {
			free(s);
			return;
		}
		s->next = r->socks;
		r->socks = s;
		return;
	}
	loop_mod(r->loop, &s->ev, events);
}

int px_resolver_new(struct cordon_loop *loop, const char *hosts_file, struct px_resolver **out,
		    struct cordon_error *e)
{
	struct px_resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return cordon_error_set(e, ENOMEM, "resolver: out of memory");
	r->loop = loop;
	r->hosts_file = hosts_file;
	*out = r;
	return 0;
}

/* channel: r's c-ares channel, made at the first lookup rather than at every session's start
 * (ares_init_options reads resolv.conf, nsswitch.conf and the hosts file, which most sessions
 * never need). Returns ARES_SUCCESS, or the first attempt's status on every call. */
static int channel(struct px_resolver *r)
{
	struct ares_options o = {0};
	int st;

	if (r->ch || r->init_status != ARES_SUCCESS)
		return r->init_status;
	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS)
		return r->init_status = st;
	r->lib_init = true;
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = r;
	o.timeout = 2000; /* ms per try (ARES_OPT_TIMEOUTMS) */
	o.tries = 2;
	st = ares_init_options(&r->ch, &o,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (st != ARES_SUCCESS)
		r->ch = NULL;
	return r->init_status = st;
}

void px_resolver_free(struct px_resolver *r)
{
	if (!r)
		return;
	if (r->ch)
		ares_destroy(r->ch); /* pending callbacks run with ARES_EDESTRUCTION */
	px_resolver_reap(r);
	while (r->socks) {
		struct px_ares_sock *s = r->socks;

		r->socks = s->next;
		free(s);
	}
	if (r->lib_init)
		ares_library_cleanup();
	free(r);
}

static int status_err(int st, const char **why)
{
	*why = ares_strerror(st);
	switch (st) {
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
		return -ENOENT;
	case ARES_ETIMEOUT:
		return -ETIMEDOUT;
	case ARES_ENOMEM:
		return -ENOMEM;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

static void ai_cb(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct px_lookup *l = arg;
	struct px_addrs addrs = {0};
	const char *why = NULL;
	int err = 0;

	(void)timeouts;
	if (status == ARES_SUCCESS && res) {
		for (struct ares_addrinfo_node *n = res->nodes; n && addrs.n < PX_ADDRS_MAX;
		     n = n->ai_next) {
			if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) ||
			    n->ai_addrlen > sizeof(addrs.a[0]))
				continue;
			memset(&addrs.a[addrs.n], 0, sizeof(addrs.a[0]));
			memcpy(&addrs.a[addrs.n], n->ai_addr, n->ai_addrlen);
			set_port(&addrs.a[addrs.n], l->port);
			addrs.n++;
		}
		if (addrs.n == 0) {
			err = -ENOENT;
			why = "no IPv4 or IPv6 address";
		}
	} else {
		err = status_err(status, &why);
	}
	if (res)
		ares_freeaddrinfo(res);
	if (l->in_call) {
		l->done = true;
		l->err = err;
		l->why = why;
		*l->now = addrs;
		return; /* px_resolve frees l */
	}
	if (l->cb)
		l->cb(l->arg, err, &addrs, why);
	free(l);
}

int px_resolve(struct px_resolver *r, const char *name, uint16_t port, struct px_addrs *now,
	       const char **why, px_resolve_cb cb, void *arg, struct px_lookup **handle)
{
	struct ares_addrinfo_hints hints = {0};
	struct px_lookup *l;
	int rc;

	if (r->hosts_file) {
		rc = px_hosts_lookup(r->hosts_file, name, port, now);
		if (rc < 0) {
			*why = "cannot read the hosts file";
			return rc;
		}
		if (rc > 0)
			return 1;
	}
	if ((rc = channel(r)) != ARES_SUCCESS) {
		*why = ares_strerror(rc); /* the connection fails naming it */
		return -EIO;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		*why = "out of memory";
		return -ENOMEM;
	}
	l->cb = cb;
	l->arg = arg;
	l->port = port;
	l->in_call = true;
	l->now = now;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ares_getaddrinfo(r->ch, name, NULL, &hints, ai_cb, l);
	l->in_call = false;
	if (l->done) {
		rc = l->err;
		*why = l->why;
		free(l);
		return rc < 0 ? rc : 1;
	}
	*handle = l;
	return 0;
}

void px_lookup_cancel(struct px_lookup *l)
{
	if (l)
		l->cb = NULL;
}

int px_resolver_timeout_ms(struct px_resolver *r, int max_ms)
{
	struct timeval maxtv, tv, *t;
	long ms;

	if (!r->ch)
		return max_ms; /* no lookup yet: nothing of c-ares's own, as ares_timeout says */
	if (max_ms >= 0) {
		maxtv.tv_sec = max_ms / 1000;
		maxtv.tv_usec = (max_ms % 1000) * 1000;
	}
	t = ares_timeout(r->ch, max_ms >= 0 ? &maxtv : NULL, &tv);
	if (!t)
		return -1;
	ms = t->tv_sec * 1000 + (t->tv_usec + 999) / 1000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

void px_resolver_tick(struct px_resolver *r)
{
	if (r->ch)
		ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

void px_resolver_reap(struct px_resolver *r)
{
	while (r->retired) {
		struct px_ares_sock *s = r->retired;

		r->retired = s->next;
		free(s);
	}
}
