/* expose.c — forwards from the host's 127.0.0.1 into the sandbox (expose.h). */
#include "expose.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/capture_int.h"
#include "cordon/ports.h"
#include "cordon/strbuf.h"

struct fwd {
	struct expose *x;
	uint16_t port, host_port;
	int fd; /* the host listener (the loop's), -1 once removed */
};

struct expose {
	struct cordon_proxy *px;
	int factory;
	struct fwd *f[EXPOSE_MAX];
	size_t n;
};

int expose_new(struct cordon_proxy *px, int factory, struct expose **out, struct cordon_error *e)
{
	struct expose *x = calloc(1, sizeof(*x));

	if (!x) {
		close(factory);
		return cordon_error_set(e, ENOMEM, "expose: out of memory");
	}
	x->px = px;
	x->factory = factory;
	*out = x;
	return 0;
}

/* inside: a socket in the sandbox's namespace connecting to 127.0.0.1:port there. */
static int inside(struct expose *x, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = capture_factory_socket(x->factory, AF_INET);

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static int on_accept(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct fwd *f = arg;
	struct cordon_error e;

	(void)events;
	if (f->fd < 0) {
		free(f); /* unexposed: expose_control let go of it */
		return 1;
	}
	for (int i = 0; i < 16; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			break;
		int u = inside(f->x, f->port);
		if (u < 0) {
			struct linger l = {.l_onoff = 1, .l_linger = 0};
			setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			close(c);
			continue;
		}
		(void)cordon_proxy_forward(px, c, u, &e); /* closes both on failure */
	}
	return 0;
}

int expose_add(struct expose *x, uint16_t port, uint16_t host_port, struct cordon_error *e)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct fwd *f;
	int fd, one = 1;

	if (!host_port)
		host_port = port;
	for (size_t i = 0; i < x->n; i++)
		if (x->f[i]->host_port == host_port)
			return cordon_error_set(e, EEXIST,
						"expose: host port %u is already forwarded "
						"(to port %u)",
						host_port, x->f[i]->port);
	if (x->n >= EXPOSE_MAX)
		return cordon_error_set(e, ENOSPC, "expose: more than %d forwards", EXPOSE_MAX);
	f = calloc(1, sizeof(*f));
	if (!f)
		return cordon_error_set(e, ENOMEM, "expose: out of memory");
	/* The session process is in the host's network namespace: this is the host's loopback. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	a.sin_port = htons(host_port);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, SOMAXCONN) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		free(f);
		return cordon_error_set(e, err, "expose: listen on 127.0.0.1:%u: %s", host_port,
					strerror(err));
	}
	f->x = x;
	f->port = port;
	f->host_port = host_port;
	f->fd = fd;
	int r = cordon_proxy_watch(x->px, fd, EPOLLIN, on_accept, f, e);
	if (r < 0) {
		close(fd);
		free(f);
		return r;
	}
	x->f[x->n++] = f;
	return 0;
}

int expose_start(struct expose *x, const struct cordon_policy *p, struct cordon_error *e)
{
	for (size_t i = 0; i < p->n_expose; i++) {
		int r = expose_add(x, p->expose[i].port, p->expose[i].host_port, e);
		if (r < 0)
			return cordon_error_prefix(e, r, "--expose %u:%u", p->expose[i].port,
						   p->expose[i].host_port);
	}
	return 0;
}

char *expose_control(struct expose *x, const char *req)
{
	struct cordon_strbuf b = {0};
	struct cordon_error e = {{0}};
	char verb[16], a1[16] = "", a2[16] = "", extra[2] = "";
	char *out = NULL;
	int n = sscanf(req, "%15s %15s %15s %1s", verb, a1, a2, extra);

	if (!strcmp(verb, "exposed") && n == 1) {
		cordon_sb_add(&b, "ok");
		for (size_t i = 0; i < x->n; i++)
			cordon_sb_addf(&b, " %u>%u", x->f[i]->port, x->f[i]->host_port);
	} else if (!strcmp(verb, "expose") && (n == 2 || n == 3)) {
		int port = cordon_port_parse(a1, "expose PORT", &e);
		int host = port < 0 ? -1
			   : n == 3 ? cordon_port_parse(a2, "expose HOSTPORT", &e)
				    : port;
		int r = host < 0 ? host : expose_add(x, (uint16_t)port, (uint16_t)host, &e);
		if (r < 0)
			cordon_sb_addf(&b, "err %s", e.msg);
		else
			cordon_sb_addf(&b, "ok %u>%u", port, host);
	} else if (!strcmp(verb, "unexpose") && n == 2) {
		int host = cordon_port_parse(a1, "unexpose HOSTPORT", &e);
		size_t i = 0;
		while (host > 0 && i < x->n && x->f[i]->host_port != host)
			i++;
		if (host < 0) {
			cordon_sb_addf(&b, "err %s", e.msg);
		} else if (i == x->n) {
			cordon_sb_addf(&b, "err unexpose: host port %d is not forwarded", host);
		} else {
			/* The loop owns the listener: its next event (or none) drops it; shutting
			 * it down refuses new connections now (listen(2): shutdown of a listener).
			 */
			shutdown(x->f[i]->fd, SHUT_RDWR);
			x->f[i]->fd = -1;
			/* The struct stays for the loop's callback; freed with x. */
			memmove(&x->f[i], &x->f[i + 1], (x->n - i - 1) * sizeof(x->f[0]));
			x->n--;
			cordon_sb_addf(&b, "ok");
		}
	} else {
		cordon_sb_add(&b,
			      "err usage: expose PORT [HOSTPORT] | unexpose HOSTPORT | exposed");
	}
	if (cordon_sb_take(&b, &out) < 0)
		return NULL;
	return out;
}

void expose_free(struct expose *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		free(x->f[i]);
	if (x->factory >= 0)
		close(x->factory);
	free(x);
}
