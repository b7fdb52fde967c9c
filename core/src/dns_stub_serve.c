/* dns_stub_serve.c — the DNS stub's sockets in the session process's loop (dns_stub.h): UDP,
 * and TCP with RFC 7766's two-byte length; refused names logged, rate-limited. */
#include "dns_stub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cordon/vlog.h"

#define TCP_CONNS_MAX 64
#define LOGGED_MAX 4096

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

struct tcp_conn {
	struct dns_stub *s;
	uint8_t buf[2 + 65535];
	size_t len;
};

struct dns_stub {
	struct cordon_proxy *px;
	struct dns_pool *pool;
	struct cordon_policy *p;
	bool v6;
	size_t ntcp;
	uint64_t logged[LOGGED_MAX]; /* hashes of names logged (a ring once full) */
	size_t nlogged;
	uint64_t log_window;
	unsigned log_lines;
	bool told_unloadable; /* ldns's load failure logged (once: each later query fails alike) */
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void note_log(struct dns_stub *s, const struct dns_stub_note *n)
{
	struct cordon_vlog_entry v = {0};
	uint64_t h, now;
	size_t have;

	if (!n->name[0])
		return;
	h = name_hash(n->name);
	have = s->nlogged < LOGGED_MAX ? s->nlogged : LOGGED_MAX;
	for (size_t i = 0; i < have; i++)
		if (s->logged[i] == h)
			return;
	now = mono_s();
	if (now != s->log_window) {
		s->log_window = now;
		s->log_lines = 0;
	}
	if (s->log_lines >= DNS_STUB_LOG_PER_S)
		return;
	s->log_lines++;
	s->logged[s->nlogged++ % LOGGED_MAX] = h;
	v.time = time(NULL);
	snprintf(v.host, sizeof(v.host), "%s", n->name);
	snprintf(v.reason, sizeof(v.reason), "%s", n->reason);
	snprintf(v.proto, sizeof(v.proto), "dns");
	(void)cordon_proxy_log(s->px, &v);
}

/* answer: dns_stub_answer for s; a failure to load ldns goes to the violation log, once, so that
 * the queries left unanswered have a reason on record. */
static int answer(struct dns_stub *s, const uint8_t *q, size_t qlen, uint8_t **out, size_t *outlen,
		  struct dns_stub_note *note)
{
	int r = dns_stub_answer(s->pool, s->p, s->v6, q, qlen, mono_s(), out, outlen, note);

	if ((r == -ENOENT || r == -ENOSYS) && !s->told_unloadable) {
		struct cordon_vlog_entry v = {0};

		s->told_unloadable = true;
		v.time = time(NULL);
		snprintf(v.reason, sizeof(v.reason), "DNS queries unanswered: %s",
			 dns_stub_load_error());
		snprintf(v.proto, sizeof(v.proto), "dns");
		(void)cordon_proxy_log(s->px, &v);
	}
	return r;
}

static int on_udp(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct dns_stub *s = arg;
	uint8_t q[4096];

	(void)px;
	if (!(events & EPOLLIN))
		return 0;
	/* Bounded per wake-up so one flood cannot hold the loop. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		struct dns_stub_note note;
		uint8_t *out;
		size_t outlen;
		ssize_t n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if (answer(s, q, (size_t)n, &out, &outlen, &note) < 0)
			continue;
		note_log(s, &note);
		(void)sendto(fd, out, outlen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&from,
			     fl);
		free(out);
	}
	return 0;
}

/* on_tcp_conn: RFC 7766 §8: each message with a two-byte length; answered in order. */
static int on_tcp_conn(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct tcp_conn *c = arg;
	struct dns_stub *s = c->s;
	ssize_t n;

	(void)px;
	for (;;) {
		n = recv(fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			goto close;
		if (n < 0)
			break;
		c->len += (size_t)n;
		while (c->len >= 2) {
			size_t m = (size_t)c->buf[0] << 8 | c->buf[1];
			struct dns_stub_note note;
			uint8_t *out;
			size_t outlen;

			if (c->len < 2 + m)
				break;
			if (answer(s, c->buf + 2, m, &out, &outlen, &note) == 0) {
				uint8_t pre[2] = {(uint8_t)(outlen >> 8), (uint8_t)outlen};
				struct iovec iov[2] = {{pre, 2}, {out, outlen}};
				struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
				note_log(s, &note);
				/* A reply is a few hundred bytes to a fresh socket: a client
				 * that does not read its replies is dropped. */
				ssize_t w = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
				free(out);
				if (w != (ssize_t)(outlen + 2))
					goto close;
			}
			memmove(c->buf, c->buf + 2 + m, c->len - 2 - m);
			c->len -= 2 + m;
		}
	}
	if (events & (EPOLLHUP | EPOLLERR))
		goto close;
	return 0;
close:
	s->ntcp--;
	free(c);
	return 1;
}

static int on_tcp_listen(struct cordon_proxy *px, int fd, uint32_t events, void *arg)
{
	struct dns_stub *s = arg;
	struct cordon_error e;

	(void)events;
	for (int i = 0; i < 16; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct tcp_conn *tc;

		if (c < 0)
			break;
		if (s->ntcp >= TCP_CONNS_MAX || !(tc = calloc(1, sizeof(*tc)))) {
			close(c);
			continue;
		}
		tc->s = s;
		if (cordon_proxy_watch(px, c, EPOLLIN | EPOLLRDHUP, on_tcp_conn, tc, &e) < 0) {
			free(tc);
			close(c);
			continue;
		}
		s->ntcp++;
	}
	return 0;
}

int dns_stub_start(struct cordon_proxy *px, struct dns_pool *pool, struct cordon_policy *p,
		   struct capture_fds *f, struct dns_stub **out, struct cordon_error *e)
{
	struct dns_stub *s = calloc(1, sizeof(*s));
	static const int slots[] = {CFD_DNS_UDP4, CFD_DNS_UDP6, CFD_DNS_TCP4, CFD_DNS_TCP6};

	if (!s)
		return cordon_error_set(e, ENOMEM, "DNS stub: out of memory");
	s->px = px;
	s->pool = pool;
	s->p = p;
	s->v6 = f->v6;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		int fd = f->fd[slots[i]];
		bool udp = slots[i] == CFD_DNS_UDP4 || slots[i] == CFD_DNS_UDP6;
		if (fd < 0)
			continue;
		int r = cordon_proxy_watch(px, fd, EPOLLIN, udp ? on_udp : on_tcp_listen, s, e);
		if (r < 0) {
			free(s);
			return cordon_error_prefix(e, r, "DNS stub");
		}
		f->fd[slots[i]] = -1; /* the loop owns it now */
	}
	*out = s;
	return 0;
}

void dns_stub_free(struct dns_stub *s)
{
	free(s);
}
