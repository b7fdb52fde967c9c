/* tls_client.c — TLS client connections of the git relay with GnuTLS (tls_client.h). */
#include "tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dl/dl_gnutls.h"
#include "proxy/proxy_resolve.h"

struct tls_client {
	int fd;
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
};

/* connect_one: a blocking-mode TCP socket connected to a within timeout_ms, or -errno. */
static int connect_one(const struct sockaddr *a, socklen_t alen, int timeout_ms)
{
	int fd = socket(a->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p;
	int err = 0;
	socklen_t el = sizeof(err);

	if (fd < 0)
		return -errno;
	if (connect(fd, a, alen) < 0 && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		close(fd);
		return -ETIMEDOUT;
	}
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
		err = err ? err : errno;
		close(fd);
		return -err;
	}
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int one = 1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* tcp_connect: the first address of host:port that accepts. */
static int tcp_connect(const char *host, uint16_t port, const char *hosts_file, int timeout_ms,
		       struct cordon_error *e)
{
	struct px_addrs addrs = {0};
	int r = 0, last = -EHOSTUNREACH;

	if (hosts_file && (r = px_hosts_lookup(hosts_file, host, port, &addrs)) < 0)
		return cordon_error_set(e, -r, "%s: cannot read the hosts file %s", host,
					hosts_file);
	if (r == 0) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
		char ps[8];
		snprintf(ps, sizeof(ps), "%u", port);
		int g = getaddrinfo(host, ps, &hints, &res);
		if (g)
			return cordon_error_set(e, EHOSTUNREACH, "%s: lookup failed: %s", host,
						gai_strerror(g));
		for (ai = res; ai && addrs.n < PX_ADDRS_MAX; ai = ai->ai_next)
			memcpy(&addrs.a[addrs.n++], ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(res);
	}
	for (size_t i = 0; i < addrs.n; i++) {
		const struct sockaddr *a = (const struct sockaddr *)&addrs.a[i];
		socklen_t al = a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							: sizeof(struct sockaddr_in);
		int fd = connect_one(a, al, timeout_ms);
		if (fd >= 0)
			return fd;
		last = fd;
	}
	return cordon_error_set(e, -last, "%s:%u: connect: %s", host, port, strerror(-last));
}

static bool is_ip_literal(const char *host)
{
	unsigned char b[16];
	return inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1;
}

int tls_client_connect(const char *host, uint16_t port, const char *hosts_file,
		       const char *extra_ca, int timeout_ms, struct tls_client **out,
		       struct cordon_error *e)
{
	struct tls_client *t;
	const gnutls_datum_t alpn = {(unsigned char *)"http/1.1", 8};
	int r;

	*out = NULL;
	/* GnuTLS is opened here, at the first connection (dl/dl.h): no other path calls it. */
	if ((r = cordon_dl_gnutls_load(e)) < 0)
		return cordon_error_prefix(e, r, "TLS to %s", host);
	t = calloc(1, sizeof(*t));
	if (!t)
		return cordon_error_set(e, ENOMEM, "out of memory");
	t->fd = -1;
	if ((r = gnutls_certificate_allocate_credentials(&t->cred)) < 0)
		goto gnutls_fail;
	if ((r = gnutls_certificate_set_x509_system_trust(t->cred)) < 0) {
		cordon_error_set(e, EIO, "TLS: the system trust store cannot be read: %s",
				 gnutls_strerror(r));
		goto fail;
	}
	if (extra_ca && (r = gnutls_certificate_set_x509_trust_file(t->cred, extra_ca,
								    GNUTLS_X509_FMT_PEM)) < 0) {
		cordon_error_set(e, EIO, "TLS: CA file %s: %s", extra_ca, gnutls_strerror(r));
		goto fail;
	}
	t->fd = tcp_connect(host, port, hosts_file, timeout_ms, e);
	if (t->fd < 0) {
		r = t->fd;
		t->fd = -1;
		tls_client_close(t);
		return r;
	}
	if ((r = gnutls_init(&t->s, GNUTLS_CLIENT)) < 0)
		goto gnutls_fail;
	if ((r = gnutls_set_default_priority(t->s)) < 0 ||
	    (r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0)
		goto gnutls_fail;
	if (!is_ip_literal(host) &&
	    (r = gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, host, strlen(host))) < 0)
		goto gnutls_fail;
	(void)gnutls_alpn_set_protocols(t->s, &alpn, 1, 0);
	gnutls_session_set_verify_cert(t->s, host, 0);
	gnutls_transport_set_int(t->s, t->fd);
	gnutls_handshake_set_timeout(t->s, (unsigned)timeout_ms);
	gnutls_record_set_timeout(t->s, (unsigned)timeout_ms);
	do
		r = gnutls_handshake(t->s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			gnutls_datum_t why = {0};
			unsigned status = gnutls_session_get_verify_cert_status(t->s);
			gnutls_certificate_verification_status_print(
			    status, gnutls_certificate_type_get(t->s), &why, 0);
			cordon_error_set(e, EPERM, "TLS to %s:%u: certificate refused: %s", host,
					 port, why.data ? (char *)why.data : "not trusted");
			gnutls_free(why.data);
		} else {
			cordon_error_set(e, EPROTO, "TLS to %s:%u: handshake: %s", host, port,
					 gnutls_strerror(r));
		}
		goto fail;
	}
	*out = t;
	return 0;
gnutls_fail:
	cordon_error_set(e, EIO, "TLS to %s:%u: %s", host, port, gnutls_strerror(r));
fail:
	tls_client_close(t);
	return -EIO;
}

ssize_t tls_client_read(struct tls_client *t, void *buf, size_t len)
{
	ssize_t n;

	do
		n = gnutls_record_recv(t->s, buf, len);
	while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	if (n >= 0)
		return n;
	/* A peer that closes without close_notify: the end of a close-delimited body is then
	 * the end of the connection (RFC 9112 §6.3 item 8). */
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return n == GNUTLS_E_TIMEDOUT ? -ETIMEDOUT : -EPROTO;
}

int tls_client_write(struct tls_client *t, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = gnutls_record_send(t->s, p, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0)
			return n == GNUTLS_E_TIMEDOUT ? -ETIMEDOUT : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void tls_client_close(struct tls_client *t)
{
	if (!t)
		return;
	if (t->s) {
		gnutls_bye(t->s, GNUTLS_SHUT_WR);
		gnutls_deinit(t->s);
	}
	if (t->fd >= 0)
		close(t->fd);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	free(t);
}
