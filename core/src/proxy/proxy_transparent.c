/* proxy_transparent.c — a captured connection's destination and TLS server name check
 * (proxy_transparent.h). */
#include "proxy_transparent.h"

#include <arpa/inet.h>
#include <errno.h>
/* linux/netfilter_ipv4.h and ip6_tables.h clash with <netinet/in.h>: their two values. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80 /* linux/netfilter_ipv4.h */
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80 /* linux/netfilter_ipv6/ip6_tables.h */
#endif
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cordon/hostpat.h"
#include "dns_pool.h"
#include "proxy_addr.h"
#include "tls_sni.h"

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

int px_transparent_target(struct dns_pool *pool, int fd, char *host, size_t hostlen, uint16_t *port,
			  char *why, size_t whylen)
{
	struct sockaddr_storage self, orig;
	socklen_t sl = sizeof(self), ol = sizeof(orig);
	char lit[INET6_ADDRSTRLEN];
	const char *name;
	int r;

	host[0] = '\0';
	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&self, &sl) < 0)
		return -errno;
	memset(&orig, 0, sizeof(orig));
	if (self.ss_family == AF_INET6)
		r = getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &orig, &ol);
	else
		r = getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &ol);
	if (r < 0) {
		snprintf(why, whylen, "captured connection without an original destination");
		return -ENOENT;
	}
	*port = ntohs(orig.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&orig)->sin6_port
						 : ((struct sockaddr_in *)&orig)->sin_port);
	if (px_addr_literal((struct sockaddr *)&orig, lit, sizeof(lit)) < 0) {
		snprintf(why, whylen, "captured connection to an unsupported address family");
		return -EACCES;
	}
	snprintf(host, hostlen, strchr(lit, ':') ? "[%s]" : "%s", lit);
	if (dns_pool_in_range((struct sockaddr *)&orig)) {
		name = dns_pool_name(pool, (struct sockaddr *)&orig, mono_s());
		if (!name) {
			snprintf(why, whylen,
				 "address of the sandbox's DNS pool that its resolver did not hand "
				 "out");
			return -EACCES;
		}
		snprintf(host, hostlen, "%s", name);
		return 0;
	}
	if (px_addr_classify((struct sockaddr *)&orig) == PX_ADDR_LOOPBACK) {
		snprintf(why, whylen, "direct connection to the capture listener");
		return -EACCES;
	}
	return 0;
}

int px_transparent_gate(const struct px_capture *cap, int fd, const struct cordon_policy *p,
			const char *canon, bool is_ip, uint16_t port, char *why, size_t whylen)
{
	char name[256], c[256];
	struct cordon_error e;
	bool name_ip = false;
	int r = tls_sni_peek(cap->sni, fd, name, sizeof(name));

	switch (r) {
	case TLS_SNI_WAIT:
		return 0;
	case TLS_SNI_NOT_TLS:
	case TLS_SNI_NONE:
		return 1;
	case TLS_SNI_FOUND:
		break;
	case -EMSGSIZE:
		snprintf(why, whylen, "TLS ClientHello over %d bytes: server name not checked",
			 TLS_SNI_MAX);
		return -EACCES;
	case -ENOENT:
	case -ENOSYS: /* OpenSSL cannot be loaded: refuse, since the name cannot be checked */
		snprintf(why, whylen, "TLS server name not checked: %s", tls_sni_load_error());
		return -EACCES;
	default:
		snprintf(why, whylen, "malformed TLS ClientHello: server name not checked");
		return -EACCES;
	}
	if (cordon_host_canonical(name, strlen(name), c, sizeof(c), &name_ip, &e) < 0) {
		snprintf(why, whylen, "TLS server name is not a host name");
		return -EACCES;
	}
	if (!strcmp(c, canon))
		return 1;
	if (is_ip && !name_ip && cordon_host_decide(p, c, port) == CORDON_VERDICT_ALLOW)
		return 1;
	snprintf(why, whylen, "TLS server name %s is another host", c);
	return -EACCES;
}

void px_transparent_reset(int fd)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}
