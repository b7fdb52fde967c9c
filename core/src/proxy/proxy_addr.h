/* proxy_addr.h — private to the proxy: checks of resolved addresses before the proxy connects
 * (loopback, link-local, unspecified, cloud metadata, this host's own addresses; IPv4-mapped IPv6
 * seen as IPv4). */
#ifndef CORDON_PROXY_ADDR_H
#define CORDON_PROXY_ADDR_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cordon/policy.h"

enum px_addr_class {
	PX_ADDR_PUBLIC = 0,  /* anything not below: allowed once the name was allowed */
	PX_ADDR_LOOPBACK,    /* 127.0.0.0/8, ::1 (RFC 6890) */
	PX_ADDR_LINKLOCAL,   /* 169.254.0.0/16, fe80::/10 (RFC 3927, RFC 4291 §2.5.6) */
	PX_ADDR_UNSPECIFIED, /* 0.0.0.0/8 ("this network", reaches the host), :: */
	PX_ADDR_METADATA,    /* 169.254.169.254, fd00:ec2::254 (cloud instance metadata) */
	PX_ADDR_HOST,	     /* an address the kernel delivers to this host (px_addr_is_host) */
};

/* px_addr_classify: class of sa (AF_INET or AF_INET6; ::ffff:a.b.c.d is classified as a.b.c.d,
 * RFC 4291 §2.5.5.2). Other families are PX_ADDR_UNSPECIFIED. */
enum px_addr_class px_addr_classify(const struct sockaddr *sa);

/* px_addr_is_host: would a connection to sa stay on this host? Asks the kernel of the network
 * namespace the caller runs in for the route it picks to sa (RTM_GETROUTE with that destination,
 * as `ip route get ADDR` does; rtnetlink(7), ip-route(8)) through libnl-route-3, afresh on each
 * call, and answers 1 when its type is
 *   - RTN_LOCAL: an address of one of this host's interfaces (each gets a route of type local in
 *     the kernel's local table), and any address a `local` route covers (AnyIP: `ip route add
 *     local 198.51.100.0/24 dev lo`), which getifaddrs(3) does not list;
 *   - RTN_BROADCAST: a broadcast address (datagrams to it are received by this host; a TCP
 *     connect to it fails anyway, so refusing it costs nothing);
 *   - RTN_ANYCAST: an IPv6 anycast address of this host (delivered locally, RFC 4291 §2.6).
 * 0 for any other type (unicast through an interface) and when the kernel has no route to sa
 * (ENETUNREACH, EHOSTUNREACH: it would deliver it nowhere, not here either). ::ffff:a.b.c.d is
 * looked up as the IPv4 address a.b.c.d (RFC 4291 §2.5.5.2). The session process runs in the
 * host's namespace, so a name that resolves to the host's LAN address or to an AnyIP range cannot
 * reach services the host binds there (docs/threat-model.md §29). Cost: one netlink socket and one
 * request/reply per call (see the measured figure in README.md's Security section).
 * Returns 1 or 0; -errno when the lookup fails (the kernel's error, or the socket's, e.g.
 * -EMFILE), which callers treat as 1 and report by name. */
int px_addr_is_host(const struct sockaddr *sa);

/* px_addr_class_name: "loopback", "link-local", "unspecified", "cloud metadata", "this host's",
 * "public". */
const char *px_addr_class_name(enum px_addr_class c);

/* px_addr_literal: sa's address as the canonical literal cordon_host_canonical produces: dotted
 * quad for IPv4 and IPv4-mapped IPv6, inet_ntop(3) text without brackets for IPv6.
 * Returns 0 or -EAFNOSUPPORT / -ENOSPC. */
int px_addr_literal(const struct sockaddr *sa, char *buf, size_t len);

/* Why px_addr_check refused an address. */
enum px_addr_refusal {
	PX_ADDR_ALLOWED = 0,
	PX_ADDR_REFUSED_FAMILY,	  /* neither IPv4 nor IPv6 */
	PX_ADDR_REFUSED_DENYLIST, /* the literal is on the denylist */
	PX_ADDR_REFUSED_CLASS,	  /* not public (cls) and the literal is not allowed */
	PX_ADDR_REFUSED_ROUTE,	  /* px_addr_is_host failed (err): refused as if this host's */
};

struct px_addr_result {
	enum px_addr_refusal refusal;
	enum px_addr_class cls;		/* REFUSED_CLASS: the class (PX_ADDR_HOST included) */
	int err;			/* REFUSED_ROUTE: the lookup's negative errno */
	char literal[INET6_ADDRSTRLEN]; /* px_addr_literal of the address ("" for FAMILY) */
};

/* px_addr_check: may the proxy connect to sa (port) under policy p? Refused when the address
 * literal is on the denylist, or when its class is not public (px_addr_classify, then
 * px_addr_is_host for a public one) and the allowlist does not name that literal
 * (cordon_host_decide(literal, port) == ALLOW). Returns 0 when permitted, -EACCES when refused;
 * *res (may be NULL) says which and about what address either way. */
int px_addr_check(const struct cordon_policy *p, const struct sockaddr *sa, uint16_t port,
		  struct px_addr_result *res);

/* px_addr_allowable: would allowing res->literal (an allowlist rule with that IP literal) let
 * the address through? True for REFUSED_CLASS and REFUSED_ROUTE. */
bool px_addr_allowable(const struct px_addr_result *res);

/* px_addr_reason: the refusal as text into buf (len bytes, truncated to fit), e.g. "resolves to
 * loopback address 127.0.0.1, refused unless that address is allowed". Returns buf. */
char *px_addr_reason(const struct px_addr_result *res, char *buf, size_t len);

#endif
