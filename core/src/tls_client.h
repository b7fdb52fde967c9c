/* tls_client.h — private to the git relay: a TLS client connection (GnuTLS) to a remote named by
 * the policy, with the certificate verified against the system trust store. */
#ifndef CORDON_TLS_CLIENT_H
#define CORDON_TLS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cordon/error.h"

struct tls_client;

/* tls_client_connect: a TCP connection to host:port (host as in a URL: a DNS name, an IPv4
 * literal or an IPv6 literal without brackets), then a TLS handshake as client.
 * Names are looked up in hosts_file first when it is not NULL (the test hook of proxy.h,
 * px_hosts_lookup), else with getaddrinfo(3); each address is tried in turn.
 * TLS: GnuTLS's default priorities; SNI for a DNS name (RFC 6066 §3, never for an IP literal);
 * ALPN "http/1.1"; the peer's certificate chain must verify against the system trust store
 * (gnutls_certificate_set_x509_system_trust) plus, when extra_ca is not NULL, the PEM
 * certificates in that file (a test hook, CORDON_TEST_GIT_CA), and its name must be host (a DNS
 * name or IP address subjectAltName, RFC 6125; gnutls_session_set_verify_cert).
 * timeout_ms bounds the connect, the handshake and later each read and write.
 * Returns 0 and *out, or -errno with e->msg naming the host and the step (lookup, connect,
 * handshake, certificate: GnuTLS's reason). */
int tls_client_connect(const char *host, uint16_t port, const char *hosts_file,
		       const char *extra_ca, int timeout_ms, struct tls_client **out,
		       struct cordon_error *e);

/* tls_client_read: up to len bytes. Returns the count, 0 at the end of the stream (close_notify
 * or the peer closed the connection), or -errno (-ETIMEDOUT, -EPROTO). */
ssize_t tls_client_read(struct tls_client *t, void *buf, size_t len);

/* tls_client_write: all len bytes. Returns 0 or -errno. */
int tls_client_write(struct tls_client *t, const void *buf, size_t len);

/* tls_client_close: close_notify (best effort), then the socket; frees t. */
void tls_client_close(struct tls_client *t);

#endif
