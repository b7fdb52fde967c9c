/* proxy_transparent.h — private to the proxy: what a captured connection (one that nftables
 * redirected to the transparent listener, capture_int.h) was headed for, and the check of its
 * TLS server name. The proxy then decides and connects exactly as for a CONNECT request. */
#ifndef CORDON_PROXY_TRANSPARENT_H
#define CORDON_PROXY_TRANSPARENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cordon/policy.h"

struct dns_pool;
struct tls_sni;

/* The session's capture state the proxy reads (cordon_proxy_config.capture). */
struct px_capture {
	struct dns_pool *pool; /* names of the stub's pool addresses */
	struct tls_sni *sni;   /* ClientHello parser */
};

/* px_transparent_target: the destination of the captured connection fd: its original
 * destination before the redirect (getsockopt SO_ORIGINAL_DST, or IP6T_SO_ORIGINAL_DST for
 * IPv6: the conntrack entry's original tuple, linux/netfilter_ipv4.h). An address of the stub's
 * pool gives its name (dns_pool_name): the connection is then decided by that name; any other
 * address gives its literal ("[v6]" in brackets), decided on the literal. host receives the
 * text (hostlen >= 256), *port the port.
 * Returns 0, or -EACCES with why set: a pool address the stub never handed out, a loopback
 * destination (only a direct connection to the listener's own port has one: loopback is never
 * redirected), or no original destination (-ENOENT). host is then the literal when known. */
int px_transparent_target(struct dns_pool *pool, int fd, char *host, size_t hostlen, uint16_t *port,
			  char *why, size_t whylen);

/* px_transparent_gate: may the client's bytes go upstream? Looks at the first bytes the
 * client sent (tls_sni_peek: nothing consumed, nothing past the ClientHello read). Not TLS, or
 * a ClientHello without server_name: yes. A ClientHello naming a host: yes when the name
 * (canonicalised, hostpat.h) is the decided host canon; for a connection decided on an IP
 * literal (is_ip), when policy p allows that name on port itself, since a name never equals a
 * literal (RFC 6066 §3 forbids literals in server_name). Otherwise refused: the name is
 * another host (domain fronting, docs/threat-model.md §31). Returns 1 (open), 0 (wait for more
 * bytes), or -EACCES with why set (also for a ClientHello OpenSSL does not accept, or one over
 * TLS_SNI_MAX bytes: what cannot be checked does not pass). */
int px_transparent_gate(const struct px_capture *cap, int fd, const struct cordon_policy *p,
			const char *canon, bool is_ip, uint16_t port, char *why, size_t whylen);

/* px_transparent_reset: end the client's connection with a reset (SO_LINGER 0, socket(7)), so a
 * refused client sees ECONNRESET rather than a clean end of stream. The caller closes fd. */
void px_transparent_reset(int fd);

#endif
