/* proxy_addr.c — post-resolution address checks of the proxy: which addresses a name may resolve
 * to (DNS rebinding to loopback, link-local, cloud metadata or the host itself is refused unless
 * allowed). */
#include "proxy_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cordon/hostpat.h"

static enum px_addr_class classify4(const uint8_t a[4])
{
	if (a[0] == 127)
		return PX_ADDR_LOOPBACK;
	if (a[0] == 0)
		return PX_ADDR_UNSPECIFIED;
	if (a[0] == 169 && a[1] == 254)
		return a[2] == 169 && a[3] == 254 ? PX_ADDR_METADATA : PX_ADDR_LINKLOCAL;
	return PX_ADDR_PUBLIC;
}

enum px_addr_class px_addr_classify(const struct sockaddr *sa)
{
	static const uint8_t ec2[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
					0,    0,    0,	  0,	0, 0, 0x02, 0x54};

	if (sa->sa_family == AF_INET)
		return classify4((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			return classify4(a->s6_addr + 12);
		if (IN6_IS_ADDR_LOOPBACK(a))
			return PX_ADDR_LOOPBACK;
		if (IN6_IS_ADDR_UNSPECIFIED(a))
			return PX_ADDR_UNSPECIFIED;
		if (IN6_IS_ADDR_LINKLOCAL(a))
			return PX_ADDR_LINKLOCAL;
		if (!memcmp(a->s6_addr, ec2, 16))
			return PX_ADDR_METADATA;
		return PX_ADDR_PUBLIC;
	}
	return PX_ADDR_UNSPECIFIED;
}

/* same_addr: do a and b (AF_INET or AF_INET6, either possibly IPv4-mapped) name one address? */
static int same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t x[16], y[16];
	size_t nx, ny;
	const struct sockaddr *s[2] = {a, b};
	uint8_t *o[2] = {x, y};
	size_t *n[2] = {&nx, &ny};

	for (int i = 0; i < 2; i++) {
		if (s[i]->sa_family == AF_INET) {
			memcpy(o[i], &((const struct sockaddr_in *)s[i])->sin_addr, 4);
			*n[i] = 4;
		} else if (s[i]->sa_family == AF_INET6) {
			const struct in6_addr *v6 = &((const struct sockaddr_in6 *)s[i])->sin6_addr;

			*n[i] = IN6_IS_ADDR_V4MAPPED(v6) ? 4 : 16;
			memcpy(o[i], *n[i] == 4 ? v6->s6_addr + 12 : v6->s6_addr, *n[i]);
		} else {
			return 0;
		}
	}
	return nx == ny && !memcmp(x, y, nx);
}

int px_addr_is_host(const struct sockaddr *sa)
{
	struct ifaddrs *list, *i;
	int r = 0;

	if (getifaddrs(&list) < 0)
		return -errno;
	for (i = list; i && !r; i = i->ifa_next)
		r = i->ifa_addr && same_addr(i->ifa_addr, sa);
	freeifaddrs(list);
	return r;
}

const char *px_addr_class_name(enum px_addr_class c)
{
	switch (c) {
	case PX_ADDR_LOOPBACK:
		return "loopback";
	case PX_ADDR_LINKLOCAL:
		return "link-local";
	case PX_ADDR_UNSPECIFIED:
		return "unspecified";
	case PX_ADDR_METADATA:
		return "cloud metadata";
	case PX_ADDR_HOST:
		return "this host's";
	case PX_ADDR_PUBLIC:
		break;
	}
	return "public";
}

int px_addr_literal(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *src;
	int af = sa->sa_family;

	if (af == AF_INET) {
		src = &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (af == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		src = a;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			af = AF_INET;
			src = a->s6_addr + 12;
		}
	} else {
		return -EAFNOSUPPORT;
	}
	return inet_ntop(af, src, buf, (socklen_t)len) ? 0 : -ENOSPC;
}

int px_addr_check(const struct cordon_policy *p, const struct sockaddr *sa, uint16_t port,
		  char *why, size_t whylen)
{
	char lit[INET6_ADDRSTRLEN];
	enum px_addr_class c = px_addr_classify(sa);
	enum cordon_verdict v;

	if (px_addr_literal(sa, lit, sizeof(lit)) < 0) {
		snprintf(why, whylen, "resolves to an address of an unsupported family");
		return -EACCES;
	}
	v = cordon_host_decide(p, lit, port);
	if (v == CORDON_VERDICT_DENY) {
		snprintf(why, whylen, "resolves to %s, which is on the denylist", lit);
		return -EACCES;
	}
	if (c == PX_ADDR_PUBLIC && v != CORDON_VERDICT_ALLOW && px_addr_is_host(sa) != 0)
		c = PX_ADDR_HOST; /* an unreadable interface list counts as the host's: fail closed */
	if (c != PX_ADDR_PUBLIC && v != CORDON_VERDICT_ALLOW) {
		snprintf(why, whylen,
			 "resolves to %s address %s, refused unless that address is allowed",
			 px_addr_class_name(c), lit);
		return -EACCES;
	}
	return 0;
}
